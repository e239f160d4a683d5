//! The TSD survives signal delivery: a handler reads the interrupted code's slots, and a
//! handler that lets Darwin code point the register elsewhere puts it back with `Preserve`.
#![cfg(any(target_arch = "x86_64", target_arch = "x86"))]

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use darling_tls::slots::*;
use darling_tls::{TsdBlock, segment};

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

#[test]
fn preserve_keeps_a_block_released_in_its_scope() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    std::thread::spawn(|| {
        let mine = darling_tls::install().unwrap();
        let weak = std::sync::Arc::downgrade(&mine);
        drop(mine);
        {
            let _keep = darling_tls::preserve();
            darling_tls::uninstall().unwrap();
            assert_eq!(darling_tls::base(), None);
        }
        let back = weak
            .upgrade()
            .expect("the block came back with the scope's end");
        assert_eq!(darling_tls::base(), Some(back.tsd_base()));
        assert_eq!(segment::base(), back.tsd_base());
        assert!(std::sync::Arc::ptr_eq(
            &darling_tls::owned().unwrap(),
            &back
        ));
    })
    .join()
    .unwrap();
}
