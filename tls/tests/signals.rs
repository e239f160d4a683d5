//! The TSD survives signal delivery: a handler reads the interrupted code's slots, and a
//! handler that lets Darwin code point the register elsewhere puts it back with `Preserve`.
#![cfg(any(target_arch = "x86_64", target_arch = "x86"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

use darling_tls::layout::NATIVE;
use darling_tls::slots::*;
use darling_tls::{TsdBlock, segment};

/// Fills a freed block with 0xde bytes, so that a read of freed TSD memory shows, and then
/// lingers for 5 µs, so that a signal is likely to arrive while anything still points at it.
struct Poisoning;

// SAFETY: forwards to the system allocator; writes only memory being freed.
unsafe impl GlobalAlloc for Poisoning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= size_of::<TsdBlock>() {
            // SAFETY: the caller owns the `layout.size()` bytes at `ptr` until this returns.
            unsafe { ptr.write_bytes(0xde, layout.size()) };
            let start = std::time::Instant::now();
            while start.elapsed() < std::time::Duration::from_micros(5) {
                std::hint::spin_loop();
            }
        }
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Poisoning = Poisoning;

/// Handlers are process-wide: the tests install theirs one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `handler` for SIGUSR1 on this thread, delivered synchronously.
fn deliver(handler: extern "C" fn(libc::c_int)) {
    // SAFETY: a zeroed sigaction with a handler and an empty mask is valid; the signal is
    // sent to this thread, which runs the handler before pthread_kill returns; the default
    // action is put back afterwards.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
        assert_eq!(libc::pthread_kill(libc::pthread_self(), libc::SIGUSR1), 0);
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
    }
}

static REGISTER: AtomicUsize = AtomicUsize::new(0);
static DIRECT: AtomicUsize = AtomicUsize::new(0);
static CHECKED: AtomicUsize = AtomicUsize::new(0);
static ERRNO_SLOT: AtomicUsize = AtomicUsize::new(0);
/// The TSD base a handler switches to.
static OTHER: AtomicUsize = AtomicUsize::new(0);

extern "C" fn read_slots(_: libc::c_int) {
    REGISTER.store(segment::base(), SeqCst);
    // SAFETY: the interrupted code installed a TSD on this thread, and the handler runs with
    // its register.
    DIRECT.store(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) }, SeqCst);
    CHECKED.store(darling_tls::get(__TSD_MIG_REPLY).unwrap_or(0), SeqCst);
    ERRNO_SLOT.store(darling_tls::get(__TSD_ERRNO).unwrap_or(0), SeqCst);
    // Darwin code in a handler writes its TSD too.
    // SAFETY: as above.
    unsafe { darling_tls::set_direct(__TSD_SEMAPHORE_CACHE, 0x5e) };
}

#[test]
fn a_handler_reads_the_same_slots() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        darling_tls::set(__TSD_MIG_REPLY, 0x1703).unwrap();
        deliver(read_slots);
        assert_eq!(REGISTER.load(SeqCst), block.tsd_base());
        assert_eq!(DIRECT.load(SeqCst), 0x1703);
        assert_eq!(CHECKED.load(SeqCst), 0x1703);
        assert_eq!(ERRNO_SLOT.load(SeqCst), block.errno_address());
        assert_eq!(block.get(__TSD_SEMAPHORE_CACHE), 0x5e);
        assert_eq!(segment::base(), block.tsd_base());
    })
    .join()
    .unwrap();
}

#[cfg(target_arch = "x86_64")]
extern "C" fn switch_without_preserve(_: libc::c_int) {
    // SAFETY: OTHER is a block the test keeps alive while it is this thread's TSD.
    unsafe { darling_tls::adopt(OTHER.load(SeqCst)).unwrap() };
}

extern "C" fn switch_with_preserve(_: libc::c_int) {
    let _keep = darling_tls::preserve();
    // SAFETY: as above.
    unsafe { darling_tls::adopt(OTHER.load(SeqCst)).unwrap() };
    // SAFETY: the register points at OTHER.
    DIRECT.store(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) }, SeqCst);
}

/// Linux's x86-64 signal frame holds no FS/GS base, so `rt_sigreturn` leaves a base the
/// handler changed. (On i386 the frame holds the selectors; sigreturn reloads FS, and so
/// the base of its entry as the handler left it.)
#[test]
#[cfg(target_arch = "x86_64")]
fn sigreturn_keeps_a_base_the_handler_changed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::spawn(|| {
        let _mine = darling_tls::install().unwrap();
        let other = TsdBlock::new();
        OTHER.store(other.tsd_base(), SeqCst);
        deliver(switch_without_preserve);
        assert_eq!(segment::base(), other.tsd_base());
        darling_tls::uninstall().unwrap();
    })
    .join()
    .unwrap();
}

#[test]
fn preserve_puts_the_interrupted_tsd_back() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::spawn(|| {
        let mine = darling_tls::install().unwrap();
        mine.set(__TSD_MIG_REPLY, 1);
        let other = TsdBlock::new();
        other.set(__TSD_MIG_REPLY, 2);
        OTHER.store(other.tsd_base(), SeqCst);
        deliver(switch_with_preserve);
        assert_eq!(
            DIRECT.load(SeqCst),
            2,
            "inside the handler the other TSD was in use"
        );
        assert_eq!(segment::base(), mine.tsd_base());
        assert_eq!(darling_tls::get(__TSD_MIG_REPLY), Some(1));
        // SAFETY: the register points at `mine` again.
        assert_eq!(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) }, 1);
        assert!(std::sync::Arc::ptr_eq(
            &darling_tls::block().unwrap(),
            &mine
        ));
    })
    .join()
    .unwrap();
}

extern "C" fn fail_quietly(_: libc::c_int) {
    let _keep = darling_tls::preserve();
    // A base the kernel refuses on x86-64 (a kernel address); on i386 the entry lookups
    // fail along the way.
    // SAFETY: a refused base changes nothing; a taken one is never read before the
    // Preserve puts the old one back.
    let _ = unsafe { darling_tls::adopt(usize::MAX - 4095) };
    let _ = segment::base();
}

#[test]
fn a_handler_leaves_errno_alone() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::spawn(|| {
        darling_tls::install().unwrap();
        // SAFETY: errno is this thread's int.
        unsafe { *libc::__errno_location() = libc::ENOENT };
        deliver(fail_quietly);
        // SAFETY: as above.
        assert_eq!(unsafe { *libc::__errno_location() }, libc::ENOENT);
    })
    .join()
    .unwrap();
}

static HANDLED: AtomicUsize = AtomicUsize::new(0);
static BAD: AtomicUsize = AtomicUsize::new(0);

/// What a handler may do while the thread it interrupted changes its TSD: read the slots,
/// take a reference to the block, switch to another TSD inside a `Preserve`.
extern "C" fn meddle(_: libc::c_int) {
    HANDLED.fetch_add(1, SeqCst);
    let consistent = || match (darling_tls::get(__TSD_THREAD_SELF), darling_tls::base()) {
        (None, None) => true,
        (Some(pthread), Some(base)) => pthread.wrapping_add(NATIVE.tsd) == base,
        _ => false,
    };
    if !consistent() {
        BAD.fetch_add(1, SeqCst);
    }
    if let Some(block) = darling_tls::owned()
        && block.get(__TSD_THREAD_SELF) != block.pthread()
    {
        BAD.fetch_add(1, SeqCst);
    }
    {
        let _keep = darling_tls::preserve();
        // SAFETY: OTHER is a block the test keeps alive for the whole run.
        unsafe { darling_tls::adopt(OTHER.load(SeqCst)).unwrap() };
        if !consistent() {
            BAD.fetch_add(1, SeqCst);
        }
    }
    if !consistent() {
        BAD.fetch_add(1, SeqCst);
    }
}

/// How many signals the storm below must land in the middle of updates.
const SIGNALS_WANTED: usize = 1_000;

/// A signal arriving at any point of install, install_block, uninstall, owned and block
/// never sees freed memory or a base and block that disagree.
#[test]
fn signals_in_the_middle_of_updates_see_a_consistent_tsd() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let other = TsdBlock::new();
    OTHER.store(other.tsd_base(), SeqCst);
    // SAFETY: a zeroed sigaction with a handler, SA_RESTART and an empty mask is valid.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = meddle as extern "C" fn(libc::c_int) as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut()),
            0
        );
    }
    let tid = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            // SAFETY: gettid has no arguments.
            tid.store(unsafe { libc::gettid() } as usize, SeqCst);
            // At least 5,000 updates, and on until enough signals have landed: on a busy
            // machine the signalling thread may get no CPU for the first thousands.
            let start = std::time::Instant::now();
            let mut i = 0u32;
            while i < 5_000
                || (HANDLED.load(SeqCst) < SIGNALS_WANTED
                    && start.elapsed() < std::time::Duration::from_secs(60))
            {
                i = i.wrapping_add(1);
                match i % 5 {
                    // The second replaces (and frees) the first.
                    0 | 1 => drop(darling_tls::install_block(TsdBlock::new())),
                    2 => drop(darling_tls::install()),
                    3 => drop(darling_tls::block()),
                    _ => drop(darling_tls::uninstall()),
                }
            }
            drop(darling_tls::uninstall());
            done.store(true, SeqCst);
        });
        scope.spawn(|| {
            while tid.load(SeqCst) == 0 {
                std::hint::spin_loop();
            }
            // SAFETY: getpid has no arguments.
            let pid = unsafe { libc::getpid() };
            while !done.load(SeqCst) {
                // SAFETY: signals a thread of this process that handles SIGUSR2.
                unsafe { libc::syscall(libc::SYS_tgkill, pid, tid.load(SeqCst), libc::SIGUSR2) };
                std::thread::yield_now();
            }
        });
    });
    // SAFETY: puts the default action back.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGUSR2, &action, std::ptr::null_mut());
    }
    assert!(
        HANDLED.load(SeqCst) >= SIGNALS_WANTED,
        "{} signals",
        HANDLED.load(SeqCst)
    );
    eprintln!("{} signals handled", HANDLED.load(SeqCst));
    assert_eq!(BAD.load(SeqCst), 0, "of {} signals", HANDLED.load(SeqCst));
    drop(other);
}
