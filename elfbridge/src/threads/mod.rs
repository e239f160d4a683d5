//! The thread members of `elf_calls` (4–6): Darwin threads built on host threads.
//!
//! Darwin code creates a thread through libsystem_kernel's `bsdthread_create` (and workqueue
//! threads through `workq_kernreturn`); on Linux those cannot be `clone` calls, because a
//! thread that is not glibc's has no glibc TLS, and then no host library can be called from
//! it. So a Darwin thread is a host thread first: [`darling_thread_create`] starts one, which
//! sets the Darwin TSD base through libsystem_kernel's own callback, learns its Mach port,
//! then switches to the Darwin stack and jumps to the Darwin entry point with the registers
//! XNU's `bsdthread_create` would give it:
//!
//! | register | normal thread (`thread_start`) | workqueue thread (`start_wqthread`) |
//! |---|---|---|
//! | rdi | the `pthread_t` | the `pthread_t` |
//! | esi | the thread's Mach port | the thread's Mach port |
//! | rdx | the start routine | the stack's low end |
//! | rcx | its argument | the kevent list |
//! | r8 | the stack's high end | the flags, with [`WQ_FLAG_THREAD_TSD_BASE_SET`] |
//! | r9 | the flags, with [`PTHREAD_START_TSD_BASE_SET`] | the number of kevents |
//!
//! The stack pointer is the stack's high end rounded down to 16 bytes, less two zero words
//! (a null return address and frame). [`darling_thread_terminate`] ends such a thread: back on
//! the host frame, the Darwin stack is unmapped and the host thread returns, so glibc and every
//! thread-local destructor see an ordinary thread exit (with every signal blocked and GS
//! cleared first, so no handler runs on a Darwin TSD being unmapped).
//! [`darling_thread_get_stack`] answers the main thread's stack top, which the runtime
//! registers ([`set_main_stack_top`]).
//!
//! This is what Darling's mldr does (`threads.c`), with its mistakes put right:
//! - The host thread's stack is [`NATIVE_STACK_SIZE`], checked. Darling asks for 4096 bytes,
//!   which glibc refuses (below `PTHREAD_STACK_MIN`) without Darling checking, so each of its
//!   threads silently gets the default (8 MiB with the usual `RLIMIT_STACK`).
//! - A failed `mmap`, `mprotect` or thread creation returns NULL; Darling writes through
//!   `MAP_FAILED` or waits forever for a thread that never started.
//! - The creator sleeps until the new thread is ready instead of spinning on `sched_yield`.
//! - The allocation holds the pthread object the caller asked for, at least a whole
//!   `pthread_s`; Darling's is always its own struct's size.
//! - Terminating a thread this module did not start is refused with `-EINVAL` (Darling jumps
//!   through an uninitialised `jmp_buf`).
//! - A normal thread given no pthread object gets r8 = the top of the stack mapped for it
//!   (Darling passes the caller's `arg2` on).
//!
//! The runtime's part (Darling's darlingserver check-in and check-out) is added with
//! [`set_hooks`]. Everything here is x86-64 only: the stack switch is written for it.
#![allow(unsafe_code)]

mod switch;

use std::cell::Cell;
use std::ffi::{c_int, c_ulong, c_void};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use darling_tls::layout::{LEGACY_DEFAULT_PRIORITY, NATIVE};
use darling_tls::slots::{
    __TSD_ERRNO, __TSD_MACH_THREAD_SELF, __TSD_PTR_MUNGE, __TSD_THREAD_QOS_CLASS,
    __TSD_THREAD_SELF, DTHREAD_TSD_SLOT_DSERVER_RPC_FD, Slot,
};

use crate::calls::{DarlingThreadCreateCallbacks, ThreadCalls};
use switch::{DarwinEntry, NativeContext, enter_darwin, resume_native};

/// Set in a normal thread's flags (r9) when its TSD base is already set (XNU's
/// `bsd/pthread/bsdthread_private.h`): libpthread then does not set it again.
pub const PTHREAD_START_TSD_BASE_SET: usize = 0x1000_0000;

/// Set in a workqueue thread's flags (r8) when its TSD base is already set (XNU's
/// `bsd/pthread/workqueue_internal.h`).
pub const WQ_FLAG_THREAD_TSD_BASE_SET: usize = 0x0020_0000;

/// The guard below a Darwin stack this module allocates (Darling's
/// `DEFAULT_DTHREAD_GUARD_SIZE`).
pub const GUARD_SIZE: usize = 0x1000;

/// The host thread's own stack: it holds only the frame the thread returns to, the runtime's
/// hooks and libsystem_kernel's two callbacks; Darwin code and the host calls it makes run on
/// the Darwin stack.
pub const NATIVE_STACK_SIZE: usize = 256 * 1024;

/// What a runtime adds to the start and the end of every Darwin thread.
#[derive(Debug, Clone, Copy)]
pub struct ThreadHooks {
    /// Runs on each new thread once its TSD base is set, before its Mach port is asked for
    /// and before the creator is released: Darling opens the thread's darlingserver socket
    /// here, guards it, stores it in [`DTHREAD_TSD_SLOT_DSERVER_RPC_FD`] and checks in. A
    /// panic here fails the create: the creator gets NULL, the thread ends without running
    /// Darwin code.
    pub started: fn(&DarwinThread),
    /// Runs when Darwin code ends a thread, before it leaves Darwin code: Darling checks out
    /// of darlingserver and closes the thread's socket here. The thread is given for threads
    /// [`darling_thread_create`] started; `None` on the main thread. It runs on the Darwin
    /// stack inside an `extern "C"` function, so a panic aborts the process.
    pub terminating: fn(Option<&DarwinThread>),
}

static HOOKS: OnceLock<ThreadHooks> = OnceLock::new();

/// Sets the hooks for the life of the process; they cannot be replaced, so a second call
/// hands its hooks back.
pub fn set_hooks(hooks: ThreadHooks) -> Result<(), ThreadHooks> {
    HOOKS.set(hooks)
}

/// A Darwin thread started by [`darling_thread_create`], as the [`ThreadHooks`] see it (on
/// the thread itself).
#[derive(Debug, Clone, Copy)]
pub struct DarwinThread {
    pthread: *mut c_void,
    workqueue: bool,
    callbacks: DarlingThreadCreateCallbacks,
}

impl DarwinThread {
    /// The thread's `pthread_t`.
    pub fn pthread(&self) -> *mut c_void {
        self.pthread
    }

    /// The thread's TSD base (what GS now points at).
    pub fn tsd_base(&self) -> usize {
        self.pthread as usize + NATIVE.tsd
    }

    /// Whether it is a workqueue thread (created with no start routine).
    pub fn is_workqueue(&self) -> bool {
        self.workqueue
    }

    /// The callbacks the creator passed (for `rpc_guard` and `rpc_unguard`).
    pub fn callbacks(&self) -> &DarlingThreadCreateCallbacks {
        &self.callbacks
    }

    /// The value in one of the thread's TSD slots.
    pub fn slot(&self, slot: Slot) -> usize {
        // SAFETY: the pthread object is valid for the thread's life (the creator's promise
        // to darling_thread_create) and the slot index is below TSD_SLOT_COUNT.
        unsafe { slot_ptr(self.pthread, slot).read_volatile() }
    }

    /// Stores `value` in one of the thread's TSD slots.
    pub fn set_slot(&self, slot: Slot, value: usize) {
        // SAFETY: as in `slot`; the hooks run on the thread itself, the only writer of its
        // TSD.
        unsafe { slot_ptr(self.pthread, slot).write_volatile(value) }
    }
}

/// The address of `slot` in the TSD of the `pthread_s` at `pthread`.
fn slot_ptr(pthread: *mut c_void, slot: Slot) -> *mut usize {
    pthread
        .cast::<u8>()
        .wrapping_add(NATIVE.tsd + slot.offset(NATIVE.pointer_width))
        .cast()
}

/// Writes the word at `offset_from_tsd` of the `pthread_s` at `pthread`.
///
/// # Safety
/// `pthread` points at a writable `pthread_s` laid out as [`NATIVE`].
unsafe fn write_field(pthread: *mut c_void, offset_from_tsd: isize, value: usize) {
    let at = NATIVE.tsd.wrapping_add_signed(offset_from_tsd);
    // SAFETY: the caller's promise; every offset used is a word-aligned field of pthread_s.
    unsafe { pthread.cast::<u8>().add(at).cast::<usize>().write(value) }
}

impl ThreadCalls {
    /// This module's thread members: [`darling_thread_create`],
    /// [`darling_thread_terminate`] and [`darling_thread_get_stack`].
    pub fn host() -> Self {
        Self {
            create: darling_thread_create,
            terminate: darling_thread_terminate,
            get_stack: darling_thread_get_stack,
        }
    }
}

/// A Darwin stack with its guard and pthread object, mapped by this module:
/// `| guard | stack | pthread_s |`, the stack growing down from the pthread object.
#[derive(Debug)]
struct Allocation {
    base: usize,
    size: usize,
    stack_bottom: usize,
    stack_top: usize,
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    }
}

impl Allocation {
    /// Maps a stack of at least `stack_size` bytes with [`GUARD_SIZE`] below it and a zeroed
    /// pthread object of at least `pthobj_size` bytes (and at least a whole `pthread_s`)
    /// above it; `None` when the sizes overflow or the kernel refuses.
    fn map(stack_size: usize, pthobj_size: usize) -> Option<Allocation> {
        let page = page_size();
        let stack = stack_size.checked_next_multiple_of(page)?;
        let pthread = pthobj_size
            .max(NATIVE.size())
            .checked_next_multiple_of(page)?;
        let size = GUARD_SIZE.checked_add(stack)?.checked_add(pthread)?;
        // SAFETY: a fresh anonymous mapping; nothing else is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        let allocation = Allocation {
            base: base as usize,
            size,
            stack_bottom: base as usize + GUARD_SIZE,
            stack_top: base as usize + GUARD_SIZE + stack,
        };
        // SAFETY: the guard is the first page(s) of the mapping just made.
        if unsafe { libc::mprotect(base, GUARD_SIZE, libc::PROT_NONE) } != 0 {
            allocation.unmap();
            return None;
        }
        Some(allocation)
    }

    /// The pthread object: at the stack's top.
    fn pthread(&self) -> *mut c_void {
        self.stack_top as *mut c_void
    }

    /// Fills the pthread object as a kernel-made thread's: `sig` and `__TSD_THREAD_SELF` the
    /// object's address, `__TSD_ERRNO` its `err_no`, the default QoS, no pointer munging, no
    /// darlingserver socket yet, and the stack and mapping it lives in. libpthread fills the
    /// rest (`_pthread_struct_init` for workqueue threads).
    fn init_pthread(&self) {
        let (pthread, layout) = (self.pthread(), NATIVE);
        let tsd = pthread as usize + layout.tsd;
        let fields = [
            (layout.sig_from_tsd, pthread as usize),
            (layout.stackaddr_from_tsd, self.stack_top),
            (layout.stackbottom_from_tsd, self.stack_bottom),
            (layout.freeaddr_from_tsd, self.base),
            (layout.freesize_from_tsd, self.size),
            (layout.guardsize_from_tsd, GUARD_SIZE),
        ];
        for (offset, value) in fields {
            // SAFETY: the pthread object is ours, mapped writable and at least a pthread_s.
            unsafe { write_field(pthread, offset, value) };
        }
        let slots = [
            (__TSD_THREAD_SELF, pthread as usize),
            (__TSD_ERRNO, tsd.wrapping_add_signed(layout.err_no_from_tsd)),
            (__TSD_THREAD_QOS_CLASS, LEGACY_DEFAULT_PRIORITY),
            (__TSD_PTR_MUNGE, 0),
            (DTHREAD_TSD_SLOT_DSERVER_RPC_FD, usize::MAX),
        ];
        for (slot, value) in slots {
            // SAFETY: as above; slot_ptr stays inside the TSD.
            unsafe { slot_ptr(pthread, slot).write(value) };
        }
    }

    fn unmap(&self) {
        // SAFETY: the mapping is ours and nothing uses it any more.
        unsafe { libc::munmap(self.base as *mut c_void, self.size) };
    }
}

/// Everything the new thread needs, moved to it.
struct Start {
    entry: DarwinEntry,
    /// Which of the entry's registers holds the flags.
    workqueue: bool,
    callbacks: DarlingThreadCreateCallbacks,
    ready: Ready,
}

/// How the new thread tells its creator it is ready (`Some(true)`) or will never be
/// (`Some(false)`: a hook panicked), so that the creator never waits for nothing.
#[derive(Debug, Clone, Default)]
struct Ready(Arc<(Mutex<Option<bool>>, Condvar)>);

impl Ready {
    fn tell(&self, ready: bool) {
        let (state, condvar) = &*self.0;
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        if state.is_none() {
            *state = Some(ready);
            condvar.notify_one();
        }
    }

    fn wait(&self) -> bool {
        let (state, condvar) = &*self.0;
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match *state {
                Some(ready) => return ready,
                None => state = condvar.wait(state).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }
}

/// Tells the creator "never" if the thread unwinds (or is never started) before it told
/// "ready"; a no-op once told.
impl Drop for Ready {
    fn drop(&mut self) {
        self.tell(false);
    }
}

/// `darling_thread_create` (member 4): starts a host thread that runs `entry_point` on a
/// Darwin stack, and returns the thread's `pthread_t`, or NULL when it cannot.
///
/// `real_entry == 0` makes a workqueue thread. A workqueue thread, or a thread with a NULL
/// `pthread`, gets a fresh [`GUARD_SIZE`]-guarded stack of `stack_size` bytes with a pthread
/// object of `pthobj_size` bytes above it; otherwise the stack is the caller's, its high end
/// `arg2`. Returns once the thread has its TSD base and its Mach port, before it runs Darwin
/// code.
///
/// # Safety
/// `entry_point` is code that expects the registers listed in the [module](self) docs and
/// never returns (it ends the thread with [`darling_thread_terminate`]); `callbacks` points
/// at callbacks valid on any thread; a non-NULL `pthread` of a normal thread is a writable
/// `pthread_s` and `arg2` the top of a stack of at least `stack_size` bytes, both valid for
/// the thread's life.
#[allow(clippy::too_many_arguments)] // the C signature
pub unsafe extern "C" fn darling_thread_create(
    stack_size: c_ulong,
    pthobj_size: c_ulong,
    entry_point: *mut c_void,
    real_entry: usize,
    arg1: usize,
    arg2: usize,
    arg3: usize,
    callbacks: *const DarlingThreadCreateCallbacks,
    pthread: *mut c_void,
) -> *mut c_void {
    if entry_point.is_null() || callbacks.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: non-NULL, and the caller's promise.
    let callbacks = unsafe { *callbacks };
    if callbacks.thread_set_tsd_base.is_none() || callbacks.thread_self_trap.is_none() {
        return std::ptr::null_mut();
    }
    let workqueue = real_entry == 0;
    let (stack_size, pthobj_size) = (stack_size as usize, pthobj_size as usize);
    let (allocation, pthread, stack_top) = if workqueue || pthread.is_null() {
        let Some(allocation) = Allocation::map(stack_size, pthobj_size) else {
            return std::ptr::null_mut();
        };
        allocation.init_pthread();
        let (pthread, top) = (allocation.pthread(), allocation.stack_top);
        (Some(allocation), pthread, top)
    } else {
        (None, pthread, arg2)
    };

    // The stack the entry point starts on: 16-byte aligned, a null return address and frame.
    let Some(rsp) = (stack_top & !15).checked_sub(16).filter(|&rsp| rsp != 0) else {
        return std::ptr::null_mut();
    };
    // SAFETY: the two words are the top of the Darwin stack (ours, or the caller's promise).
    unsafe { (rsp as *mut [u64; 2]).write([0, 0]) };
    let entry = DarwinEntry {
        rdi: pthread as u64,
        rsi: 0, // the Mach port, once the thread knows it
        // A workqueue thread (always on a stack mapped here): the stack's low end.
        rdx: match &allocation {
            Some(allocation) if workqueue => allocation.stack_bottom,
            _ => real_entry,
        } as u64,
        rcx: arg1 as u64,
        // A normal thread's stack top: the caller's, or the one mapped here.
        r8: if workqueue { arg2 } else { stack_top } as u64,
        r9: arg3 as u64,
        rsp: rsp as u64,
        rip: entry_point as u64,
    };
    let ready = Ready::default();
    let start = Start {
        entry,
        workqueue,
        callbacks,
        ready: ready.clone(),
    };
    let spawned = std::thread::Builder::new()
        .stack_size(NATIVE_STACK_SIZE)
        .spawn(move || {
            let start = start;
            // SAFETY: the creator's promises, passed on in `start`.
            unsafe { run(start) }
        });
    if spawned.is_err() || !ready.wait() {
        if let Some(allocation) = allocation {
            allocation.unmap();
        }
        return std::ptr::null_mut();
    }
    pthread
}

thread_local! {
    /// The host frame this thread returns to when Darwin code ends it; NULL on threads this
    /// module did not start.
    static NATIVE_FRAME: Cell<*mut NativeContext> = const { Cell::new(std::ptr::null_mut()) };
    /// The Darwin thread this host thread runs, for the terminating hook.
    static CURRENT: Cell<Option<DarwinThread>> = const { Cell::new(None) };
    /// What `darling_thread_terminate` asked to unmap: address and size.
    static TO_FREE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Leaves Darwin state behind for good on this host thread: every signal blocked (so no
/// handler can run on a Darwin TSD that is being unmapped — the kernel sends
/// process-directed signals to another thread), then GS cleared.
fn leave_darwin() {
    // SAFETY: a full set built by sigfillset, then this thread's mask replaced by it.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut());
    }
    let _ = darling_tls::gs::set_gs_base(0);
}

/// The new host thread: sets up the Darwin thread, releases the creator, runs Darwin code
/// and, when that ends the thread, unmaps what it asked to.
///
/// # Safety
/// As [`darling_thread_create`].
unsafe fn run(mut start: Start) {
    let thread = DarwinThread {
        pthread: start.entry.rdi as *mut c_void,
        workqueue: start.workqueue,
        callbacks: start.callbacks,
    };
    let started = std::panic::catch_unwind(|| {
        if let Some(set_tsd_base) = thread.callbacks.thread_set_tsd_base {
            // SAFETY: libsystem_kernel's own setter (machdep trap 3), given the TSD it expects.
            unsafe { set_tsd_base(thread.tsd_base() as *mut c_void, 0) };
        }
        if let Some(hooks) = HOOKS.get() {
            (hooks.started)(&thread);
        }
        match thread.callbacks.thread_self_trap {
            // SAFETY: libsystem_kernel's thread_self trap, on a thread whose TSD is set.
            Some(trap) => unsafe { trap() },
            None => 0,
        }
    });
    let Ok(port) = started else {
        // The panic has been reported; the creator gets NULL and unmaps what it mapped.
        leave_darwin();
        return;
    };
    if start.workqueue {
        start.entry.r8 |= WQ_FLAG_THREAD_TSD_BASE_SET as u64;
    } else {
        start.entry.r9 |= PTHREAD_START_TSD_BASE_SET as u64;
    }
    thread.set_slot(__TSD_MACH_THREAD_SELF, port as usize);
    start.entry.rsi = u64::from(port);
    CURRENT.set(Some(thread));

    start.ready.tell(true);
    drop(start.ready);

    let mut frame = NativeContext::default();
    let frame = &raw mut frame;
    NATIVE_FRAME.set(frame);
    // SAFETY: `frame` stays on this frame until enter_darwin returns, which it does only
    // through resume_native on this thread (darling_thread_terminate); the entry is the
    // creator's, on the stack it promised.
    unsafe { enter_darwin(frame, &start.entry) };
    NATIVE_FRAME.set(std::ptr::null_mut());
    CURRENT.set(None);

    // Back from Darwin code, for good; the Darwin TSD may be unmapped below.
    leave_darwin();
    let (address, size) = TO_FREE.replace((0, 0));
    if size != 0 {
        // SAFETY: the mapping Darwin code asked to free, on a stack no longer in use (this
        // code runs on the host stack).
        unsafe { libc::munmap(address as *mut c_void, size) };
    }
}

fn is_main_thread() -> bool {
    // SAFETY: getpid and gettid have no preconditions.
    unsafe { libc::getpid() == libc::gettid() }
}

/// `darling_thread_terminate` (member 5): ends the calling Darwin thread, unmapping
/// `freesize` bytes at `stackaddr` (nothing when 0) once off that stack. Does not return.
///
/// On the main thread it runs the terminating hook and then sleeps for ever instead: a Linux
/// main thread that exits leaves a zombie while the rest of the process runs (libdispatch's
/// `dispatch_main` ends the main thread this way). On a thread this module did not start it
/// returns `-EINVAL` (22 on Darwin and Linux alike), having done nothing.
///
/// # Safety
/// Called from Darwin code on a thread [`darling_thread_create`] started (or on the main
/// thread); the mapping at `stackaddr` is the thread's own and nothing else uses it.
pub unsafe extern "C" fn darling_thread_terminate(
    stackaddr: *mut c_void,
    freesize: c_ulong,
    _pthobj_size: c_ulong,
) -> c_int {
    let frame = NATIVE_FRAME.get();
    let main = is_main_thread();
    if frame.is_null() && !main {
        return -libc::EINVAL;
    }
    if let Some(hooks) = HOOKS.get() {
        (hooks.terminating)(CURRENT.get().as_ref());
    }
    // The main thread sleeps even when it is one this module started (a child of a fork
    // from a Darwin thread): returning to the host frame would end it.
    if main {
        // SAFETY: an all-zero sigset_t is the empty set; sigsuspend only reads it.
        let empty: libc::sigset_t = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: as above.
            unsafe { libc::sigsuspend(&empty) };
        }
    }
    TO_FREE.set((stackaddr as usize, freesize as usize));
    // SAFETY: `frame` was saved by enter_darwin on this thread (run), whose call is still
    // in progress: this code runs on the Darwin stack it switched to.
    unsafe { resume_native(frame) }
}

static MAIN_STACK_TOP: AtomicUsize = AtomicUsize::new(0);

/// Sets what [`darling_thread_get_stack`] answers: the top of the stack the runtime runs
/// the Darwin main thread on (0: none).
pub fn set_main_stack_top(top: usize) {
    MAIN_STACK_TOP.store(top, Ordering::Relaxed);
}

/// The high end of the process's initial stack, from `/proc/self/maps` (where glibc's
/// `pthread_getattr_np` finds it for the main thread too): what a runtime that runs the
/// Darwin main thread on the initial stack registers with [`set_main_stack_top`].
pub fn initial_stack_top() -> io::Result<usize> {
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    maps.lines()
        .find(|line| line.ends_with("[stack]"))
        .and_then(|line| line.split(['-', ' ']).nth(1))
        .and_then(|end| usize::from_str_radix(end, 16).ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no [stack] in /proc/self/maps"))
}

/// `darling_thread_get_stack` (member 6): the top of the Darwin main thread's stack, as
/// registered with [`set_main_stack_top`]; NULL when nothing is registered (no guess: the
/// runtime may run Darwin's main thread on a stack of its own, as mldr does with
/// `__mldr_main_stack_top`).
pub extern "C" fn darling_thread_get_stack() -> *mut c_void {
    MAIN_STACK_TOP.load(Ordering::Relaxed) as *mut c_void
}
