//! The thread members of `elf_calls`, driven as libsystem_kernel drives them: an entry point
//! that is entered as Darwin's `thread_start`/`start_wqthread` are (written here in assembly
//! and Rust), callbacks standing in for libsystem_kernel's thread_self trap and TSD setter,
//! and threads that end through `darling_thread_terminate`.
#![cfg(target_arch = "x86_64")]
#![allow(unsafe_code)]

use std::arch::naked_asm;
use std::cell::Cell;
use std::ffi::{c_int, c_uint, c_ulong, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use darling_elfbridge::ElfCalls;
use darling_elfbridge::calls::DarlingThreadCreateCallbacks;
use darling_elfbridge::threads::{
    self, DarwinThread, GUARD_SIZE, NATIVE_STACK_SIZE, PTHREAD_START_TSD_BASE_SET, ThreadHooks,
    WQ_FLAG_THREAD_TSD_BASE_SET,
};
use darling_tls::layout::{LEGACY_DEFAULT_PRIORITY, NATIVE};
use darling_tls::slots::{
    __TSD_ERRNO, __TSD_MACH_THREAD_SELF, __TSD_THREAD_QOS_CLASS, __TSD_THREAD_SELF,
    DTHREAD_TSD_SLOT_DSERVER_RPC_FD, Slot,
};

// ---------------------------------------------------------------------------------------
// libsystem_kernel's side: the callbacks and the hooks.

static NEXT_PORT: AtomicU32 = AtomicU32::new(0x1003);

/// What a new thread's host side saw, by Linux thread id.
#[derive(Debug, Clone, Copy)]
struct HostSide {
    tid: i32,
    tsd_base: usize,
    native_stack_size: usize,
}

static HOST_SIDES: Mutex<Vec<HostSide>> = Mutex::new(Vec::new());
static STARTED: Mutex<Vec<(usize, bool)>> = Mutex::new(Vec::new());
static TERMINATING: AtomicUsize = AtomicUsize::new(0);
static THREAD_LOCALS_DROPPED: AtomicUsize = AtomicUsize::new(0);

struct CountsDrop;
impl Drop for CountsDrop {
    fn drop(&mut self) {
        THREAD_LOCALS_DROPPED.fetch_add(1, SeqCst);
    }
}
thread_local!(static HOST_LOCAL: CountsDrop = const { CountsDrop });

fn gettid() -> i32 {
    // SAFETY: no preconditions.
    unsafe { libc::gettid() }
}

unsafe extern "C" fn thread_self_trap() -> c_uint {
    NEXT_PORT.fetch_add(4, SeqCst)
}

/// libsystem_kernel's machdep trap 3: sets GS. Runs on the new thread's host stack, so it
/// also notes that stack's size and arms a thread-local destructor.
unsafe extern "C" fn thread_set_tsd_base(base: *mut c_void, _: c_int) {
    darling_tls::gs::set_gs_base(base as u64).expect("set GS");
    HOST_LOCAL.with(|_| ());
    // SAFETY: attr is initialised by pthread_getattr_np before it is read, then destroyed.
    let native_stack_size = unsafe {
        let mut attr = std::mem::zeroed();
        assert_eq!(libc::pthread_getattr_np(libc::pthread_self(), &mut attr), 0);
        let mut size = 0;
        libc::pthread_attr_getstacksize(&attr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        size
    };
    HOST_SIDES.lock().unwrap().push(HostSide {
        tid: gettid(),
        tsd_base: base as usize,
        native_stack_size,
    });
}

static CALLBACKS: DarlingThreadCreateCallbacks = DarlingThreadCreateCallbacks {
    thread_self_trap: Some(thread_self_trap),
    thread_set_tsd_base: Some(thread_set_tsd_base),
    rpc_guard: None,
    rpc_unguard: None,
};

/// The darlingserver socket the started hook "opens" for every thread.
const RPC_FD: usize = 77;

/// Makes the next started hook panic.
static PANIC_IN_HOOK: AtomicBool = AtomicBool::new(false);
/// The pthread and host thread of the thread whose hook panicked.
static PANICKED: Mutex<Option<(usize, i32)>> = Mutex::new(None);

/// How many threads this module started have reached the started hook: every one does,
/// before its creator is told anything.
static HOOK_RUNS: AtomicUsize = AtomicUsize::new(0);

fn started(thread: &DarwinThread) {
    HOOK_RUNS.fetch_add(1, SeqCst);
    if PANIC_IN_HOOK.swap(false, SeqCst) {
        *PANICKED.lock().unwrap() = Some((thread.pthread() as usize, gettid()));
        panic!("the runtime's hook fails");
    }
    assert_eq!(thread.tsd_base(), thread.pthread() as usize + NATIVE.tsd);
    assert_eq!(
        darling_tls::gs::gs_base() as usize,
        thread.tsd_base(),
        "the TSD base is set before the hook runs"
    );
    thread.set_slot(DTHREAD_TSD_SLOT_DSERVER_RPC_FD, RPC_FD);
    STARTED
        .lock()
        .unwrap()
        .push((thread.pthread() as usize, thread.is_workqueue()));
}

/// Where the terminating hook reports, when set: a pipe's write end.
static TERMINATE_PIPE: AtomicI32 = AtomicI32::new(-1);

/// Counts, checks the thread's socket slot, and reports (process id, whether a thread was
/// given) to [`TERMINATE_PIPE`]: only atomics and `write`, as it runs in forked children.
fn terminating(thread: Option<&DarwinThread>) {
    TERMINATING.fetch_add(1, SeqCst);
    if let Some(thread) = thread
        && thread.slot(DTHREAD_TSD_SLOT_DSERVER_RPC_FD) != RPC_FD
    {
        std::process::abort();
    }
    let fd = TERMINATE_PIPE.load(SeqCst);
    if fd >= 0 {
        let mut record = [0u8; 5];
        record[..4].copy_from_slice(&std::process::id().to_ne_bytes());
        record[4] = u8::from(thread.is_some());
        // SAFETY: writes the local record to a pipe.
        unsafe { libc::write(fd, record.as_ptr().cast(), record.len()) };
    }
}

fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        threads::set_hooks(ThreadHooks {
            started,
            terminating,
        })
        .expect("hooks set once");
    });
}

// ---------------------------------------------------------------------------------------
// The Darwin side: an entry point and what it records.

/// What the entry point is told to do, passed as its `arg1` (rcx).
#[derive(Debug, Default)]
struct Orders {
    /// Unmap the mapping the pthread object records (a thread this module allocated), or
    /// this range.
    free: Option<(usize, usize)>,
    /// Wait for [`Orders::release`] before ending the thread.
    hold: bool,
    released: AtomicBool,
    /// Fork before ending; the child (whose main thread this thread becomes) ends the
    /// thread again, and its id is left in `child`.
    fork: bool,
    child: AtomicI32,
}

impl Orders {
    fn address(&'static self) -> u64 {
        self as *const Orders as u64
    }

    fn release(&self) {
        self.released.store(true, SeqCst);
    }
}

/// What the Darwin entry point saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    rdi: u64,
    esi: u32,
    rdx: u64,
    rcx: u64,
    r8: u64,
    r9: u64,
    rsp: u64,
    top_words: [u64; 2],
    gs_self: usize,
    gs_port: usize,
    gs_rpc_fd: usize,
    tid: i32,
    getpid_through_host: bool,
    host_local_reads: bool,
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

thread_local!(static TOUCHED: Cell<u32> = const { Cell::new(0) });

extern "C" fn darwin_body(rdi: u64, rsi: u64, rdx: u64, rcx: u64, r8: u64, r9: u64, rsp: u64) -> ! {
    // SAFETY: the words at the entry stack pointer are the thread's own stack; GS is the
    // thread's TSD (set by the callback), whose slots are in bounds.
    let (top_words, gs_self, gs_port, gs_rpc_fd) = unsafe {
        (
            *(rsp as *const [u64; 2]),
            darling_tls::gs::read_gs_word(gs_offset(__TSD_THREAD_SELF)),
            darling_tls::gs::read_gs_word(gs_offset(__TSD_MACH_THREAD_SELF)),
            darling_tls::gs::read_gs_word(gs_offset(DTHREAD_TSD_SLOT_DSERVER_RPC_FD)),
        )
    };
    TOUCHED.set(TOUCHED.get() + 1);
    let seen = Seen {
        rdi,
        esi: rsi as u32,
        rdx,
        rcx,
        r8,
        r9,
        rsp,
        top_words,
        gs_self,
        gs_port,
        gs_rpc_fd,
        tid: gettid(),
        // SAFETY: no preconditions.
        getpid_through_host: unsafe { libc::getpid() } == std::process::id() as i32,
        host_local_reads: TOUCHED.get() == 1,
    };
    SEEN.lock().unwrap().push(seen);
    // SAFETY: rcx is the `Orders` the test leaked for this thread.
    let orders = unsafe { &*(rcx as *const Orders) };
    while orders.hold && !orders.released.load(SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    if orders.fork {
        // SAFETY: the child calls only terminate (atomics, write, sigsuspend) and _exit.
        let child = unsafe { libc::fork() };
        if child == 0 {
            let terminate = ElfCalls::host().darling_thread_terminate.unwrap();
            // SAFETY: as above.
            unsafe {
                terminate(std::ptr::null_mut(), 0, 0);
                libc::_exit(3);
            }
        }
        orders.child.store(child, SeqCst);
    }
    let (address, size) = orders.free.unwrap_or_else(|| {
        let pthread = rdi as *const u8;
        // SAFETY: the pthread object this module mapped and filled.
        unsafe {
            (
                read_field(pthread, NATIVE.freeaddr_from_tsd),
                read_field(pthread, NATIVE.freesize_from_tsd),
            )
        }
    });
    let terminate = ElfCalls::host().darling_thread_terminate.unwrap();
    // SAFETY: the mapping is this thread's stack, used by nothing else.
    unsafe { terminate(address as *mut c_void, size as c_ulong, 0) };
    // Never reached: terminate does not return here (and the test binary would die).
    std::process::abort()
}

/// Entered as Darwin's thread entry points are: a 16-byte aligned stack whose top two words
/// stand for the return address and frame. Hands its stack pointer to `darwin_body` as the
/// seventh argument.
#[unsafe(naked)]
extern "C" fn darwin_entry() -> ! {
    naked_asm!(
        "mov rax, rsp",
        "sub rsp, 16",
        "mov [rsp], rax",
        "call {body}",
        "ud2",
        body = sym darwin_body,
    )
}

fn gs_offset(slot: Slot) -> isize {
    slot.offset(NATIVE.pointer_width) as isize
}

/// # Safety
/// `pthread` points at a readable `pthread_s`.
unsafe fn read_field(pthread: *const u8, offset_from_tsd: isize) -> usize {
    // SAFETY: the caller's promise.
    unsafe {
        pthread
            .add(NATIVE.tsd.wrapping_add_signed(offset_from_tsd))
            .cast::<usize>()
            .read()
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

const STACK_SIZE: usize = 512 * 1024;

/// Serialises the tests: they check that mappings went away, which a concurrent test's new
/// mapping at the same address would hide.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn create(
    stack_size: usize,
    real_entry: usize,
    orders: Orders,
    arg2: usize,
    arg3: usize,
    pthread: *mut c_void,
) -> (*mut c_void, &'static Orders) {
    setup();
    let orders: &'static Orders = Box::leak(Box::new(orders));
    let create = ElfCalls::host().darling_thread_create.unwrap();
    // SAFETY: the entry point never returns and ends its thread; the callbacks are statics;
    // a caller-made pthread and stack are mapped by the test and outlive the thread.
    let pthread = unsafe {
        create(
            stack_size as c_ulong,
            NATIVE.size() as c_ulong,
            darwin_entry as *mut c_void,
            real_entry,
            orders.address() as usize,
            arg2,
            arg3,
            &CALLBACKS,
            pthread,
        )
    };
    (pthread, orders)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// What the entry point given `orders` saw (the orders are leaked, so unique, unlike a
/// pthread address, which a later mapping may reuse).
fn seen_by(orders: &'static Orders) -> Seen {
    let orders = orders.address();
    let mut found = None;
    wait_for("the Darwin entry point", || {
        found = SEEN
            .lock()
            .unwrap()
            .iter()
            .copied()
            .find(|s| s.rcx == orders);
        found.is_some()
    });
    found.unwrap()
}

fn host_side(tid: i32) -> HostSide {
    HOST_SIDES
        .lock()
        .unwrap()
        .iter()
        .copied()
        .find(|h| h.tid == tid)
        .expect("the host side ran on the Darwin thread's host thread")
}

fn is_mapped(address: usize) -> bool {
    let page = address & !4095;
    // SAFETY: msync only inspects the mapping; an unmapped page is ENOMEM.
    unsafe { libc::msync(page as *mut c_void, 4096, libc::MS_ASYNC) == 0 }
}

fn thread_alive(tid: i32) -> bool {
    std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
}

/// A name given to the calling thread (`PR_SET_NAME`, at most 15 bytes), the old one given
/// back when dropped.
struct ThreadName {
    name: &'static std::ffi::CStr,
    old: [u8; 16],
}

impl ThreadName {
    fn set(name: &'static std::ffi::CStr) -> ThreadName {
        assert!(name.count_bytes() < 16);
        let mut old = [0u8; 16];
        // SAFETY: PR_GET_NAME writes at most 16 bytes, NUL included; PR_SET_NAME reads a C
        // string.
        unsafe {
            assert_eq!(libc::prctl(libc::PR_GET_NAME, old.as_mut_ptr()), 0);
            assert_eq!(libc::prctl(libc::PR_SET_NAME, name.as_ptr()), 0);
        }
        ThreadName { name, old }
    }

    /// How many of the process's other threads bear the name.
    fn others_named(&self) -> usize {
        let me = gettid().to_string();
        let want = self.name.to_bytes();
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|task| task.file_name() != me.as_str())
            // A thread that ended meanwhile has no comm to read: not one of them.
            .filter_map(|task| std::fs::read(task.path().join("comm")).ok())
            .filter(|comm| comm.strip_suffix(b"\n").unwrap_or(comm) == want)
            .count()
    }
}

impl Drop for ThreadName {
    fn drop(&mut self) {
        // SAFETY: the NUL-terminated name PR_GET_NAME gave.
        unsafe { libc::prctl(libc::PR_SET_NAME, self.old.as_ptr()) };
    }
}

/// A caller-made pthread object and stack, as libpthread's `pthread_create` maps them:
/// `| guard | stack | pthread_s |`.
struct CallerMade {
    base: usize,
    size: usize,
    pthread: usize,
}

fn caller_made() -> CallerMade {
    let size = 4096 + STACK_SIZE + NATIVE.size().next_multiple_of(4096);
    // SAFETY: a fresh anonymous mapping.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED);
    CallerMade {
        base: base as usize,
        size,
        pthread: base as usize + 4096 + STACK_SIZE,
    }
}

// ---------------------------------------------------------------------------------------
// Tests.

#[test]
fn a_normal_thread_runs_on_its_callers_stack_with_xnus_registers() {
    let _serial = serial();
    let made = caller_made();
    let start_routine = 0x5555_1234_usize;
    let flags = 0x0100_0000_usize; // PTHREAD_START_CUSTOM
    let (pthread, orders) = create(
        STACK_SIZE,
        start_routine,
        Orders {
            free: Some((made.base, made.size)),
            hold: true,
            ..Orders::default()
        },
        made.pthread,
        flags,
        made.pthread as *mut c_void,
    );
    assert_eq!(
        pthread as usize, made.pthread,
        "returns the caller's pthread"
    );
    // Ready when create returns: the port is in slot 3, the hook has run.
    // SAFETY: the caller-made pthread object is mapped until the thread unmaps it, which it
    // does only once released (below).
    let port = unsafe {
        (made.pthread as *const u8)
            .add(NATIVE.tsd + __TSD_MACH_THREAD_SELF.offset(NATIVE.pointer_width))
            .cast::<usize>()
            .read_volatile()
    };
    assert_ne!(port, 0);

    let seen = seen_by(orders);
    assert_eq!(seen.rdi, made.pthread as u64);
    assert_eq!(seen.esi as usize, port, "esi is the thread's port");
    assert_eq!(seen.rdx, start_routine as u64);
    assert_eq!(seen.rcx, orders.address());
    assert_eq!(seen.r8, made.pthread as u64, "r8 is the stack's top");
    assert_eq!(seen.r9, (flags | PTHREAD_START_TSD_BASE_SET) as u64);
    assert_eq!(seen.rsp % 16, 0);
    assert_eq!(seen.rsp, (made.pthread - 16) as u64);
    assert_eq!(seen.top_words, [0, 0]);
    assert_eq!(seen.gs_port, port, "slot 3 through GS");
    assert_eq!(seen.gs_rpc_fd, RPC_FD, "the started hook's slot");
    assert!(seen.getpid_through_host && seen.host_local_reads);
    assert_ne!(seen.tid, gettid(), "a thread of its own");
    let host = host_side(seen.tid);
    assert_eq!(host.tsd_base, made.pthread + NATIVE.tsd);
    assert!(STARTED.lock().unwrap().contains(&(made.pthread, false)));

    orders.release();
    wait_for("the thread to end", || !thread_alive(seen.tid));
    assert!(!is_mapped(made.base + 4096), "the stack was unmapped");
    assert!(!is_mapped(made.pthread), "with the pthread object");
}

#[test]
fn a_workqueue_thread_gets_a_fresh_guarded_stack_and_pthread() {
    let _serial = serial();
    let ignored = caller_made();
    let (wq_flags, nkevents) = (0x0001_0000_usize, 3);
    let orders = Orders::default();
    // A workqueue thread: no start routine. The pthread passed is not used.
    let (pthread, orders) = create(
        STACK_SIZE,
        0,
        orders,
        wq_flags,
        nkevents,
        ignored.pthread as *mut c_void,
    );
    assert!(!pthread.is_null());
    assert_ne!(pthread as usize, ignored.pthread);
    let seen = seen_by(orders);
    assert_eq!(seen.rdi, pthread as u64);
    let pthread = pthread as usize;
    let bottom = pthread - STACK_SIZE;
    assert_eq!(seen.rdx, bottom as u64, "rdx is the stack's low end");
    assert_eq!(seen.rcx, orders.address());
    assert_eq!(seen.r8, (wq_flags | WQ_FLAG_THREAD_TSD_BASE_SET) as u64);
    assert_eq!(seen.r9, nkevents as u64);
    assert_eq!(seen.rsp, (pthread - 16) as u64);
    assert_eq!(seen.gs_self, pthread, "slot 0 is the pthread_t");
    assert_eq!(seen.gs_rpc_fd, RPC_FD);
    assert!(STARTED.lock().unwrap().contains(&(pthread, true)));
    wait_for("the thread to end", || !thread_alive(seen.tid));
    assert!(!is_mapped(bottom), "the stack was unmapped");
    assert!(!is_mapped(pthread), "with the pthread object");
    assert!(!is_mapped(bottom - GUARD_SIZE), "and the guard");
    // SAFETY: the unused caller-made mapping is the test's.
    unsafe { libc::munmap(ignored.base as *mut c_void, ignored.size) };
}

/// A thread this module maps, filled as libpthread expects of a kernel-made one. The entry
/// point keeps the thread alive (it waits for the test) so the fields can be read.
#[test]
fn a_mapped_pthread_is_filled_as_libpthread_expects() {
    let _serial = serial();
    // The thread unmaps a mapping of the test's when it ends, not its own, which the test
    // then reads and frees.
    let made = caller_made();
    let (pthread, orders) = create(
        STACK_SIZE,
        0x4444,
        Orders {
            free: Some((made.base, made.size)),
            ..Orders::default()
        },
        0,
        0,
        std::ptr::null_mut(), // no pthread: mapped here although it is a normal thread
    );
    assert!(!pthread.is_null());
    let p = pthread as *const u8;
    let seen = seen_by(orders);
    assert_eq!(seen.rdi, pthread as u64);
    assert_eq!(
        seen.r8, pthread as u64,
        "r8: the top of the stack mapped for it"
    );
    // The thread frees the test's mapping, not its own: its own stays, so it can be read.
    wait_for("the thread to end", || !thread_alive(seen.tid));
    // SAFETY: the mapping made for the thread is still mapped (the entry freed another).
    let (sig, stackaddr, stackbottom, freeaddr, freesize, guardsize, slots) = unsafe {
        let slot = |s: Slot| {
            p.add(NATIVE.tsd + s.offset(NATIVE.pointer_width))
                .cast::<usize>()
                .read_volatile()
        };
        (
            read_field(p, NATIVE.sig_from_tsd),
            read_field(p, NATIVE.stackaddr_from_tsd),
            read_field(p, NATIVE.stackbottom_from_tsd),
            read_field(p, NATIVE.freeaddr_from_tsd),
            read_field(p, NATIVE.freesize_from_tsd),
            read_field(p, NATIVE.guardsize_from_tsd),
            [
                slot(__TSD_THREAD_SELF),
                slot(__TSD_ERRNO),
                slot(__TSD_THREAD_QOS_CLASS),
                slot(__TSD_MACH_THREAD_SELF),
            ],
        )
    };
    let pthread = pthread as usize;
    assert_eq!(sig, pthread, "sig: the address, no pointer munging");
    assert_eq!(stackaddr, pthread);
    assert_eq!(stackbottom, pthread - STACK_SIZE);
    assert_eq!(freeaddr, stackbottom - GUARD_SIZE);
    assert_eq!(guardsize, GUARD_SIZE);
    assert!(freesize >= GUARD_SIZE + STACK_SIZE + NATIVE.size());
    assert_eq!(slots[0], pthread);
    assert_eq!(
        slots[1],
        (pthread + NATIVE.tsd).wrapping_add_signed(NATIVE.err_no_from_tsd),
        "errno slot: the address of err_no"
    );
    assert_eq!(slots[2], LEGACY_DEFAULT_PRIORITY);
    assert_eq!(slots[3], seen.esi as usize);
    assert!(is_mapped(pthread));
    // The guard page is inaccessible: /proc/self/maps shows it without permissions.
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let guard = format!("{freeaddr:x}-{:x} ---p", freeaddr + GUARD_SIZE);
    assert!(maps.contains(&guard), "no {guard} in\n{maps}");
    // SAFETY: the thread is gone; its mapping is the test's to free now.
    unsafe { libc::munmap(freeaddr as *mut c_void, freesize) };
}

#[test]
fn the_host_thread_has_the_stack_it_asked_for() {
    let _serial = serial();
    // Darling asks pthread_create for a 4096-byte stack, which glibc refuses (below
    // PTHREAD_STACK_MIN), unchecked: its threads get the default, 8 MiB.
    // SAFETY: attr is initialised before use and destroyed after.
    let refused = unsafe {
        let mut attr = std::mem::zeroed();
        libc::pthread_attr_init(&mut attr);
        let status = libc::pthread_attr_setstacksize(&mut attr, 4096);
        libc::pthread_attr_destroy(&mut attr);
        status
    };
    assert_eq!(refused, libc::EINVAL, "Darling's request");

    let (_, orders) = create(STACK_SIZE, 0, Orders::default(), 0, 0, std::ptr::null_mut());
    let seen = seen_by(orders);
    let host = host_side(seen.tid);
    assert!(
        host.native_stack_size >= NATIVE_STACK_SIZE
            && host.native_stack_size < NATIVE_STACK_SIZE + 64 * 1024,
        "host stack {} bytes, asked for {NATIVE_STACK_SIZE}",
        host.native_stack_size
    );
    wait_for("the thread to end", || !thread_alive(seen.tid));
}

#[test]
fn ending_threads_return_through_the_host_frame() {
    let _serial = serial();
    let before_dropped = THREAD_LOCALS_DROPPED.load(SeqCst);
    let before_terminating = TERMINATING.load(SeqCst);
    // Every thread waits until all are made, so that no stack is unmapped (and its address
    // reused) before all have been created.
    let creators: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..8)
                    .map(|_| {
                        let orders = Orders {
                            hold: true,
                            ..Orders::default()
                        };
                        let (pthread, orders) =
                            create(64 * 1024, 0, orders, 0, 0, std::ptr::null_mut());
                        assert!(!pthread.is_null());
                        (pthread as u64, orders)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let created: Vec<(u64, &'static Orders)> = creators
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let tids: Vec<i32> = created.iter().map(|&(_, o)| seen_by(o).tid).collect();
    for (_, orders) in &created {
        orders.release();
    }
    for &tid in &tids {
        wait_for("the threads to end", || !thread_alive(tid));
    }
    for &(p, _) in &created {
        assert!(!is_mapped(p as usize), "every Darwin stack unmapped");
    }
    // Each host thread exited as an ordinary thread: its thread-local destructors ran.
    assert!(THREAD_LOCALS_DROPPED.load(SeqCst) - before_dropped >= 32);
    assert!(TERMINATING.load(SeqCst) - before_terminating >= 32);
}

#[test]
fn bad_requests_get_null_and_no_thread() {
    let _serial = serial();
    setup();
    let create = ElfCalls::host().darling_thread_create.unwrap();
    let no_setter = DarlingThreadCreateCallbacks {
        thread_set_tsd_base: None,
        ..CALLBACKS
    };
    let no_trap = DarlingThreadCreateCallbacks {
        thread_self_trap: None,
        ..CALLBACKS
    };
    let entry = darwin_entry as *mut c_void;
    let made = caller_made();
    let null = std::ptr::null_mut();
    // (stack size, entry, callbacks, start routine, stack top, pthread)
    let cases: [(
        usize,
        *mut c_void,
        *const DarlingThreadCreateCallbacks,
        usize,
        usize,
        *mut c_void,
    ); 6] = [
        (STACK_SIZE, null, &CALLBACKS, 0, 0, null),
        (STACK_SIZE, entry, std::ptr::null(), 0, 0, null),
        (STACK_SIZE, entry, &no_setter, 0, 0, null),
        (STACK_SIZE, entry, &no_trap, 0, 0, null),
        // More stack than the address space has.
        (1 << 60, entry, &CALLBACKS, 0, 0, null),
        // A caller's stack whose top is no stack at all.
        (
            STACK_SIZE,
            entry,
            &CALLBACKS,
            0x4444,
            8,
            made.pthread as *mut c_void,
        ),
    ];
    // Not the process's thread count: libtest may start the next test's thread (which
    // waits in `serial`) meanwhile. A host thread the module starts inherits its creator's
    // name (it sets none), so the threads it would start for these requests are the ones
    // named as this thread is named here; and any that ran at all went through the hook.
    let tag = ThreadName::set(c"elfbridge-badrq");
    let hook_runs_before = HOOK_RUNS.load(SeqCst);
    for (stack_size, entry, callbacks, start_routine, stack_top, pthread) in cases {
        // SAFETY: every case is refused before anything runs.
        let pthread = unsafe {
            create(
                stack_size as c_ulong,
                0,
                entry,
                start_routine,
                0,
                stack_top,
                0,
                callbacks,
                pthread,
            )
        };
        assert!(pthread.is_null());
    }
    wait_for("no new thread", || tag.others_named() == 0);
    assert_eq!(
        HOOK_RUNS.load(SeqCst),
        hook_runs_before,
        "no thread of the module's started"
    );
    drop(tag);
    // SAFETY: the test's own mapping, unused.
    unsafe { libc::munmap(made.base as *mut c_void, made.size) };
}

#[test]
fn a_thread_that_fails_to_start_fails_its_create() {
    let _serial = serial();
    setup();
    PANIC_IN_HOOK.store(true, SeqCst);
    let (pthread, orders) = create(STACK_SIZE, 0, Orders::default(), 0, 0, std::ptr::null_mut());
    assert!(pthread.is_null(), "NULL, not a wait for ever");
    let (mapped, tid) = PANICKED.lock().unwrap().take().expect("the hook ran");
    assert!(!is_mapped(mapped), "what was mapped for it is unmapped");
    wait_for("the host thread to end", || !thread_alive(tid));
    assert!(
        !SEEN
            .lock()
            .unwrap()
            .iter()
            .any(|s| s.rcx == orders.address()),
        "no Darwin code ran"
    );
}

#[test]
fn terminating_a_thread_not_started_here_is_refused() {
    let _serial = serial();
    setup();
    let terminate = ElfCalls::host().darling_thread_terminate.unwrap();
    let before = TERMINATING.load(SeqCst);
    let status = std::thread::spawn(move || {
        // SAFETY: refused before anything is touched.
        unsafe { terminate(std::ptr::null_mut(), 0, 0) }
    })
    .join()
    .unwrap();
    assert_eq!(status, -22);
    assert_eq!(
        TERMINATING.load(SeqCst),
        before,
        "no hook for a refused call"
    );
}

/// A child process that ended its main thread through `darling_thread_terminate`; killed
/// when dropped, whatever the test's outcome.
struct SleepingChild(libc::pid_t);

impl Drop for SleepingChild {
    fn drop(&mut self) {
        let mut status = 0;
        // SAFETY: our child, killed and reaped.
        unsafe {
            libc::kill(self.0, libc::SIGKILL);
            libc::waitpid(self.0, &mut status, 0);
        }
    }
}

/// A pipe for the terminating hook's reports; closed and unset when dropped.
struct ReportPipe([c_int; 2]);

impl ReportPipe {
    fn new() -> ReportPipe {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        TERMINATE_PIPE.store(fds[1], SeqCst);
        ReportPipe(fds)
    }

    /// Waits for the report of process `pid`: whether the hook was given a thread.
    fn report_of(&self, pid: libc::pid_t) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut poll = libc::pollfd {
                fd: self.0[0],
                events: libc::POLLIN,
                revents: 0,
            };
            let left = deadline.saturating_duration_since(Instant::now());
            // SAFETY: one pollfd.
            let ready = unsafe { libc::poll(&mut poll, 1, left.as_millis() as c_int) };
            assert!(ready > 0, "no report from process {pid}");
            let mut record = [0u8; 5];
            // SAFETY: reads into the local record; writes of 5 bytes to a pipe are atomic.
            let n = unsafe { libc::read(self.0[0], record.as_mut_ptr().cast(), 5) };
            assert_eq!(n, 5);
            if i32::from_ne_bytes(record[..4].try_into().unwrap()) == pid {
                return record[4] == 1;
            }
        }
    }
}

impl Drop for ReportPipe {
    fn drop(&mut self) {
        TERMINATE_PIPE.store(-1, SeqCst);
        // SAFETY: our descriptors.
        unsafe {
            libc::close(self.0[0]);
            libc::close(self.0[1]);
        }
    }
}

/// The child is alive, asleep, and stays so.
fn assert_asleep(child: &SleepingChild) {
    let state = || {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.0)).unwrap();
        stat.rsplit(')').next().unwrap().trim_start().chars().next()
    };
    wait_for("the child to sleep", || state() == Some('S'));
    let mut status = 0;
    // SAFETY: `child` is our child.
    let waited = unsafe { libc::waitpid(child.0, &mut status, libc::WNOHANG) };
    assert_eq!(waited, 0, "still alive, not exited (status {status:#x})");
}

#[test]
fn the_main_thread_sleeps_instead_of_ending() {
    let _serial = serial();
    setup();
    let pipe = ReportPipe::new();
    let terminate = ElfCalls::host().darling_thread_terminate.unwrap();
    // SAFETY: the child only calls async-signal-safe code: terminate on its only thread
    // (which is its main thread: tid == pid after fork) runs an atomic hook and sigsuspend.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: as above.
        unsafe {
            terminate(std::ptr::null_mut(), 0, 0);
            libc::_exit(3);
        }
    }
    let child = SleepingChild(pid);
    assert!(!pipe.report_of(pid), "the hook ran, given no thread");
    assert_asleep(&child);
}

#[test]
fn a_darwin_thread_forked_into_a_main_thread_sleeps_too() {
    let _serial = serial();
    let pipe = ReportPipe::new();
    let orders = Orders {
        fork: true,
        ..Orders::default()
    };
    let (_, orders) = create(STACK_SIZE, 0, orders, 0, 0, std::ptr::null_mut());
    let seen = seen_by(orders);
    wait_for("the fork", || orders.child.load(SeqCst) != 0);
    let pid = orders.child.load(SeqCst);
    assert!(pid > 0);
    let child = SleepingChild(pid);
    assert!(pipe.report_of(pid), "the hook ran, given the Darwin thread");
    assert_asleep(&child);
    wait_for("the parent's thread to end", || !thread_alive(seen.tid));
}

#[test]
fn the_main_stack_top_is_the_registered_one() {
    let _serial = serial();
    let get_stack = ElfCalls::host().darling_thread_get_stack.unwrap();
    // SAFETY: no preconditions.
    assert!(unsafe { get_stack() }.is_null(), "nothing registered: NULL");

    // The kernel puts the executable's name at the very top of the initial stack.
    let top = threads::initial_stack_top().unwrap();
    // SAFETY: getauxval has no preconditions.
    let execfn = unsafe { libc::getauxval(libc::AT_EXECFN) } as usize;
    assert!(
        execfn < top && top - execfn < 8192,
        "top {top:#x}, AT_EXECFN {execfn:#x}"
    );
    assert_eq!(top % 4096, 0);

    threads::set_main_stack_top(top);
    // SAFETY: as above.
    assert_eq!(unsafe { get_stack() } as usize, top);
    threads::set_main_stack_top(0);
    // SAFETY: as above.
    assert!(unsafe { get_stack() }.is_null());
}
