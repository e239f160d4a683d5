//! Each thread its own TSD, reached through the Darwin register; blocks freed when their
//! threads exit; glibc's TLS untouched.
#![cfg(any(target_arch = "x86_64", target_arch = "x86"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};

use darling_tls::slots::*;
use darling_tls::{Error, TsdBlock, segment};

/// Counts live allocations big enough to hold a `TsdBlock` (an `Arc`'s inner block), and
/// those freed while the Darwin register or the crate's record still pointed into them.
struct Counting;
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);
static FREED_IN_USE: AtomicUsize = AtomicUsize::new(0);

fn is_block(layout: Layout) -> bool {
    layout.align() == align_of::<TsdBlock>()
        && (size_of::<TsdBlock>()..size_of::<TsdBlock>() + 64).contains(&layout.size())
}

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_block(layout) {
            LIVE_BLOCKS.fetch_add(1, SeqCst);
        }
        // SAFETY: the caller's layout is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_block(layout) {
            LIVE_BLOCKS.fetch_sub(1, SeqCst);
            let inside = |a: usize| (ptr as usize..ptr as usize + layout.size()).contains(&a);
            if inside(segment::base()) || darling_tls::base().is_some_and(inside) {
                FREED_IN_USE.fetch_add(1, SeqCst);
            }
        }
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The tests run one at a time, so that the block count sees only its own test's blocks.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn gettid() -> u64 {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::gettid() as u64 }
}

#[test]
fn each_thread_has_its_own_block_through_the_register() {
    let _serial = serial();
    const THREADS: usize = 8;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let block = darling_tls::install().unwrap();
                assert_eq!(segment::base(), block.tsd_base());
                darling_tls::set(__TSD_MIG_REPLY, 0x1000 + i).unwrap();
                // SAFETY: install pointed the register at this thread's block.
                unsafe { darling_tls::set_direct(__PTK_DARLING_XTRACE_TLS, 0x2000 + i) };
                // Every thread has written before any reads.
                barrier.wait();
                // SAFETY: as above.
                let direct = unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) };
                assert_eq!(direct, 0x1000 + i);
                assert_eq!(darling_tls::get(__PTK_DARLING_XTRACE_TLS), Some(0x2000 + i));
                assert_eq!(block.get(__PTK_DARLING_XTRACE_TLS), 0x2000 + i);
                assert_eq!(
                    // SAFETY: as above.
                    unsafe { darling_tls::get_direct(__TSD_THREAD_SELF) },
                    block.pthread()
                );
                assert_eq!(block.thread_id(), gettid());
                barrier.wait();
                block.pthread()
            })
        })
        .collect();
    let mut pthreads: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    pthreads.sort();
    pthreads.dedup();
    assert_eq!(
        pthreads.len(),
        THREADS,
        "every thread got a block of its own"
    );
}

#[test]
fn the_block_records_the_threads_stack() {
    let _serial = serial();
    let block = std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        let local = 0u8;
        let here = &local as *const u8 as usize;
        let (top, bottom) = block.stack();
        assert!(
            bottom < here && here < top,
            "{bottom:#x} < {here:#x} < {top:#x}"
        );
        block
    })
    .join()
    .unwrap();
    // The Arc outlives the thread; the block is still readable.
    assert_ne!(block.thread_id(), 0);
}

#[test]
fn blocks_are_freed_when_their_threads_exit() {
    let _serial = serial();
    let before = LIVE_BLOCKS.load(SeqCst);
    for _ in 0..4 {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                std::thread::spawn(|| {
                    darling_tls::install().unwrap();
                    assert!(darling_tls::base().is_some());
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
    assert_eq!(
        LIVE_BLOCKS.load(SeqCst),
        before,
        "no block outlived its thread"
    );
    assert_eq!(FREED_IN_USE.load(SeqCst), 0, "none was freed while in use");

    // A block someone still holds lives until they let go.
    let kept = std::thread::spawn(|| darling_tls::install().unwrap())
        .join()
        .unwrap();
    assert_eq!(LIVE_BLOCKS.load(SeqCst), before + 1);
    kept.set(__TSD_MIG_REPLY, 5);
    drop(kept);
    assert_eq!(LIVE_BLOCKS.load(SeqCst), before);
}

/// What a `thread_local!` destructor registered before `install` saw at thread exit.
#[derive(Debug, Default, PartialEq, Eq)]
struct AtExit {
    register_on_block: bool,
    slot: Option<usize>,
    reinstalled: bool,
}

/// Where it records, and the block's TSD base.
struct SeesExit(&'static Mutex<Option<AtExit>>, usize);

impl Drop for SeesExit {
    fn drop(&mut self) {
        // Registered before the block, so glibc runs it before the block's key destructor.
        let seen = AtExit {
            register_on_block: segment::base() == self.1,
            slot: darling_tls::get(__TSD_MIG_REPLY),
            reinstalled: darling_tls::install().is_ok(),
        };
        *self.0.lock().unwrap() = Some(seen);
    }
}

#[test]
fn thread_local_destructors_still_see_the_tsd_and_the_block_goes_last() {
    let _serial = serial();
    static SEEN: Mutex<Option<AtExit>> = Mutex::new(None);
    thread_local!(static WATCH: Cell<Option<SeesExit>> = const { Cell::new(None) });
    let before = LIVE_BLOCKS.load(SeqCst);
    let freed_in_use = FREED_IN_USE.load(SeqCst);
    std::thread::spawn(|| {
        // The first use registers WATCH's destructor, before the block's key exists on
        // this thread.
        WATCH.with(|_| ());
        let block = darling_tls::install().unwrap();
        darling_tls::set(__TSD_MIG_REPLY, 0x77).unwrap();
        WATCH.with(|w| w.set(Some(SeesExit(&SEEN, block.tsd_base()))));
    })
    .join()
    .unwrap();
    assert_eq!(
        SEEN.lock().unwrap().take(),
        Some(AtExit {
            register_on_block: true,
            slot: Some(0x77),
            reinstalled: true,
        })
    );
    assert_eq!(
        LIVE_BLOCKS.load(SeqCst),
        before,
        "released by the key destructor"
    );
    assert_eq!(
        FREED_IN_USE.load(SeqCst),
        freed_in_use,
        "the register and the record moved off the block before it was freed"
    );
}

#[test]
fn no_block_is_released_while_a_preserve_lives() {
    let _serial = serial();
    std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        let keep = darling_tls::preserve();
        assert_eq!(darling_tls::uninstall(), Err(Error::Preserved));
        assert_eq!(
            darling_tls::install_block(TsdBlock::new()),
            Err(Error::Preserved)
        );
        // Re-pointing the register at the thread's own block releases nothing.
        assert!(Arc::ptr_eq(&darling_tls::install().unwrap(), &block));
        drop(keep);
        darling_tls::uninstall().unwrap();
        assert_eq!(Arc::strong_count(&block), 1);
    })
    .join()
    .unwrap();
}

#[test]
fn install_is_idempotent_and_adopt_switches_away_and_back() {
    let _serial = serial();
    std::thread::spawn(|| {
        let first = darling_tls::install().unwrap();
        let again = darling_tls::install().unwrap();
        assert!(Arc::ptr_eq(&first, &again));

        let foreign = TsdBlock::new();
        foreign.set(__TSD_MIG_REPLY, 77);
        // SAFETY: `foreign` outlives its use as this thread's TSD (it is switched away from
        // below before it is dropped).
        unsafe { darling_tls::adopt(foreign.tsd_base()).unwrap() };
        assert_eq!(segment::base(), foreign.tsd_base());
        assert_eq!(darling_tls::get(__TSD_MIG_REPLY), Some(77));
        // SAFETY: the register points at `foreign`.
        assert_eq!(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) }, 77);
        assert_eq!(
            darling_tls::block().unwrap_err(),
            Error::Adopted {
                base: foreign.tsd_base() as u64
            }
        );
        assert!(Arc::ptr_eq(&darling_tls::owned().unwrap(), &first));

        let back = darling_tls::install().unwrap();
        assert!(Arc::ptr_eq(&back, &first));
        assert_eq!(segment::base(), first.tsd_base());
        assert!(Arc::ptr_eq(&darling_tls::block().unwrap(), &first));
        drop(foreign);
    })
    .join()
    .unwrap();
}

#[test]
fn install_block_takes_a_prepared_block_and_uninstall_clears() {
    let _serial = serial();
    std::thread::spawn(|| {
        assert_eq!(darling_tls::get(__TSD_ERRNO), None);
        assert_eq!(darling_tls::set(__TSD_ERRNO, 1), Err(Error::NoTsd));
        assert_eq!(darling_tls::block().unwrap_err(), Error::NoTsd);

        let prepared = TsdBlock::new();
        prepared.set(__TSD_MACH_THREAD_SELF, 0x2603);
        darling_tls::install_block(Arc::clone(&prepared)).unwrap();
        assert_eq!(
            // SAFETY: install_block pointed the register at `prepared`.
            unsafe { darling_tls::get_direct(__TSD_MACH_THREAD_SELF) },
            0x2603
        );

        darling_tls::uninstall().unwrap();
        assert_eq!(segment::base(), 0);
        assert_eq!(darling_tls::get(__TSD_MACH_THREAD_SELF), None);
        assert!(darling_tls::owned().is_none());
        assert_eq!(Arc::strong_count(&prepared), 1, "the thread let go of it");
    })
    .join()
    .unwrap();
}

#[test]
fn a_misaligned_adopted_base_is_loaded_but_not_vouched_for() {
    let _serial = serial();
    std::thread::spawn(|| {
        // SAFETY: a misaligned base is never read through this crate's safe accessors.
        unsafe { darling_tls::adopt(0x1001).unwrap() };
        assert_eq!(segment::base(), 0x1001);
        assert_eq!(darling_tls::base(), None);
        assert_eq!(darling_tls::get(__TSD_ERRNO), None);
    })
    .join()
    .unwrap();
}

#[test]
fn a_new_thread_starts_with_its_creators_register_but_no_tsd() {
    let _serial = serial();
    std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        let (register, known) = std::thread::spawn(|| (segment::base(), darling_tls::base()))
            .join()
            .unwrap();
        assert_eq!(register, block.tsd_base(), "the kernel copies the register");
        assert_eq!(
            known, None,
            "the crate vouches for nothing on the new thread"
        );
    })
    .join()
    .unwrap();
}

#[test]
fn glibc_and_rust_tls_keep_working_beside_the_darwin_register() {
    let _serial = serial();
    thread_local!(static COUNTER: Cell<u64> = const { Cell::new(0) });
    thread_local!(static LAZY: String = "lazy".repeat(2));
    std::thread::spawn(|| {
        let glibc_before = glibc_thread_pointer();
        COUNTER.with(|c| c.set(41));
        let block = darling_tls::install().unwrap();
        block.set_errno(99);
        assert_eq!(
            glibc_thread_pointer(),
            glibc_before,
            "glibc's thread pointer is untouched"
        );
        COUNTER.with(|c| c.set(c.get() + 1));
        assert_eq!(COUNTER.with(Cell::get), 42);
        assert_eq!(LAZY.with(|s| s.clone()), "lazylazy");
        // glibc's errno is its own, not the Darwin one.
        // SAFETY: close(-1) fails with EBADF and touches nothing.
        assert_eq!(unsafe { libc::close(-1) }, -1);
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(libc::EBADF)
        );
        assert_eq!(block.errno(), 99);
        // pthread keys and glibc internals that use TLS.
        let mut key = 0;
        // SAFETY: the key is created, used with a valid pointer value and deleted.
        unsafe {
            assert_eq!(libc::pthread_key_create(&mut key, None), 0);
            assert_eq!(
                libc::pthread_setspecific(key, 0x55 as *const libc::c_void),
                0
            );
            assert_eq!(libc::pthread_getspecific(key) as usize, 0x55);
            libc::pthread_key_delete(key);
        }
        let name = std::thread::current().name().map(str::to_owned);
        assert_eq!(name, None);
        assert_eq!(darling_tls::get(__TSD_THREAD_SELF), Some(block.pthread()));
    })
    .join()
    .unwrap();
}

/// FS's base on x86-64; on i386, GS's selector and its entry's base.
#[cfg(target_arch = "x86_64")]
fn glibc_thread_pointer() -> u64 {
    darling_tls::gs::fs_base()
}

#[cfg(target_arch = "x86")]
fn glibc_thread_pointer() -> u64 {
    use darling_tls::i386;
    let sel = i386::gs_selector();
    let base = i386::get_thread_area(u32::from(sel >> 3))
        .unwrap()
        .base_addr;
    (u64::from(sel) << 32) | u64::from(base)
}
