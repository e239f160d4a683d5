//! This thread's Darwin TSD: a block this crate gave it ([`install`]) or one Darwin code
//! pointed the register at ([`adopt`], what `thread_fast_set_cthread_self` does), and safe
//! access to its slots.
//!
//! The crate keeps, per thread, the TSD base it last pointed the Darwin register at and
//! vouches for; the safe accessors read memory at that base, never an unchecked register.
//!
//! A block from [`install`] stays the thread's until [`uninstall`] or [`install_block`]
//! releases it, or until the thread exits: it is released by a `pthread_key` destructor,
//! which glibc runs after every `thread_local!` destructor, so those still see the TSD. The
//! register is cleared before the block is freed (Darwin code running later faults at a small
//! address instead of reading freed memory), and it is freed only once no [`Arc`] to it is
//! held. The main thread's block is never released by `exit`: `atexit` handlers, which glibc
//! runs after the thread-local destructors, still have it. While a [`Preserve`] lives, no
//! block is released ([`Error::Preserved`]), since it may put one back.
//!
//! In a signal handler: [`get`], [`set`], [`get_direct`], [`set_direct`], [`base`],
//! [`adopt`], [`preserve`] and dropping a [`Preserve`] neither allocate, free nor lock, and
//! leave errno alone. [`owned`] and [`block`] take a reference without allocating.
//! [`install`], [`install_block`] and [`uninstall`] allocate or free; called from a handler
//! that interrupted one of them (or [`owned`], [`block`]) on the same thread, they refuse
//! with [`Error::Reentered`] rather than race it. (The first use of a thread-local in a
//! library loaded with `dlopen` may allocate in `__tls_get_addr`; linked into the program
//! they are plain loads.)

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering, compiler_fence};

use crate::block::TsdBlock;
use crate::slots::Slot;
use crate::{Error, segment};

const W: usize = size_of::<usize>();

thread_local! {
    /// The TSD base the Darwin register was last pointed at through this crate and that the
    /// crate vouches for; 0 for none.
    static BASE: Cell<usize> = const { Cell::new(0) };
    /// The TSD base of the block this crate gave the thread (0 for none).
    static OWNED_BASE: Cell<usize> = const { Cell::new(0) };
    /// Set while the thread is inside an update or read of its owned block.
    static BUSY: Cell<bool> = const { Cell::new(false) };
    /// How many `Preserve`s the thread holds.
    static PRESERVED: Cell<usize> = const { Cell::new(0) };
}

/// The `pthread_key_t` whose value is the thread's owned block (`Arc::into_raw`), plus one;
/// 0 until the first install.
static KEY: AtomicU32 = AtomicU32::new(0);

fn key() -> Option<libc::pthread_key_t> {
    KEY.load(Ordering::Acquire).checked_sub(1)
}

fn make_key() -> Result<libc::pthread_key_t, Error> {
    if let Some(key) = key() {
        return Ok(key);
    }
    let mut key = 0;
    // SAFETY: creates a key whose destructor is `release`, which takes what `install_block`
    // stored.
    let r = unsafe { libc::pthread_key_create(&mut key, Some(release)) };
    if r != 0 {
        return Err(Error::Sys {
            call: "pthread_key_create",
            errno: r,
        });
    }
    match KEY.compare_exchange(0, key + 1, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(key),
        Err(winner) => {
            // SAFETY: the key just made was never used.
            unsafe { libc::pthread_key_delete(key) };
            Ok(winner - 1)
        }
    }
}

/// The owned block's pointer (`Arc::into_raw`), null for none.
fn owned_ptr() -> *const TsdBlock {
    match key() {
        // SAFETY: reads this thread's value of a live key.
        Some(key) => unsafe { libc::pthread_getspecific(key) as *const TsdBlock },
        None => std::ptr::null(),
    }
}

/// Runs `f` marked busy; `None` if the thread is busy already (a signal handler interrupted
/// it there).
fn exclusive<R>(f: impl FnOnce() -> R) -> Option<R> {
    if BUSY.replace(true) {
        return None;
    }
    compiler_fence(Ordering::SeqCst);
    let r = f();
    compiler_fence(Ordering::SeqCst);
    BUSY.set(false);
    Some(r)
}

/// Points the register and the record at `base` (0 for none), before anything is freed.
fn point_at(base: usize) -> Result<(), Error> {
    segment::set_base(base)?;
    BASE.set(base);
    compiler_fence(Ordering::SeqCst);
    Ok(())
}

/// The key's destructor: the thread is exiting with `value` as its block.
extern "C" fn release(value: *mut libc::c_void) {
    // SAFETY: the key's values are only ever `Arc::into_raw` of a block (install_block).
    let block = unsafe { Arc::from_raw(value as *const TsdBlock) };
    let tsd = block.tsd_base();
    if BASE.get() == tsd || segment::base() == tsd {
        let _ = segment::set_base(0);
        BASE.set(0);
    }
    if OWNED_BASE.get() == tsd {
        OWNED_BASE.set(0);
    }
    compiler_fence(Ordering::SeqCst);
    drop(block);
}

/// A new block filled for the calling thread: [`TsdBlock::new`] with the thread id
/// (`gettid`) and the thread's stack (`pthread_getattr_np`).
///
/// Linux reuses a thread id once its thread has exited, where XNU's are unique for the
/// system's life; a runtime that hands ids out itself sets them with
/// [`TsdBlock::set_thread_id`].
pub fn block_for_current_thread() -> Arc<TsdBlock> {
    let block = TsdBlock::new();
    // SAFETY: gettid has no arguments and cannot fail.
    block.set_thread_id(unsafe { libc::gettid() } as u64);
    if let Some((top, bottom)) = current_stack() {
        block.set_stack(top, bottom);
    }
    block
}

fn current_stack() -> Option<(usize, usize)> {
    let mut attr = std::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: pthread_getattr_np initialises `attr` for the calling thread when it returns
    // 0; pthread_attr_getstack then reads it, and it is destroyed once.
    unsafe {
        if libc::pthread_getattr_np(libc::pthread_self(), attr.as_mut_ptr()) != 0 {
            return None;
        }
        let mut addr = std::ptr::null_mut();
        let mut size = 0;
        let r = libc::pthread_attr_getstack(attr.as_ptr(), &mut addr, &mut size);
        libc::pthread_attr_destroy(attr.as_mut_ptr());
        (r == 0).then(|| (addr as usize + size, addr as usize))
    }
}

/// Gives the calling thread a TSD block of its own ([`block_for_current_thread`]) and
/// points the Darwin register (GS on x86-64) at its slot 0; returns the block.
///
/// If the thread already has one, the register is pointed back at it and it is returned.
/// A new thread starts with its creator's register (the kernel copies it), so call this (or
/// [`install_block`]) before Darwin code runs on it.
pub fn install() -> Result<Arc<TsdBlock>, Error> {
    if let Some(block) = owned() {
        exclusive(|| point_at(block.tsd_base())).ok_or(Error::Reentered)??;
        return Ok(block);
    }
    let block = block_for_current_thread();
    install_block(Arc::clone(&block))?;
    Ok(block)
}

/// Makes `block` the calling thread's TSD and points the Darwin register at it: for a block
/// a runtime prepared before the thread started (its Mach thread port in
/// `__TSD_MACH_THREAD_SELF`, say), as Darling's thread trampoline does. The block the thread
/// had before is released (after the register has moved off it).
pub fn install_block(block: Arc<TsdBlock>) -> Result<(), Error> {
    exclusive(|| {
        if PRESERVED.get() != 0 {
            return Err(Error::Preserved);
        }
        let key = make_key()?;
        let tsd = block.tsd_base();
        let old = owned_ptr();
        let new = Arc::into_raw(block);
        // SAFETY: stores this thread's value of a live key.
        let r = unsafe { libc::pthread_setspecific(key, new.cast()) };
        if r != 0 {
            // SAFETY: `new` came from Arc::into_raw just above and was not stored.
            drop(unsafe { Arc::from_raw(new) });
            return Err(Error::Sys {
                call: "pthread_setspecific",
                errno: r,
            });
        }
        if let Err(e) = point_at(tsd) {
            // SAFETY: puts the old value back; `new` is taken back from the key.
            unsafe {
                libc::pthread_setspecific(key, old.cast());
                drop(Arc::from_raw(new));
            }
            return Err(e);
        }
        OWNED_BASE.set(tsd);
        compiler_fence(Ordering::SeqCst);
        if !old.is_null() {
            // SAFETY: `old` was the key's value, an Arc::into_raw, and the key no longer
            // holds it; the register and BASE have moved off it.
            drop(unsafe { Arc::from_raw(old) });
        }
        Ok(())
    })
    .ok_or(Error::Reentered)?
}

/// The block this crate gave the calling thread, whether or not it is the thread's TSD now.
/// `None` also when called from a signal handler that interrupted this crate on the thread.
pub fn owned() -> Option<Arc<TsdBlock>> {
    if OWNED_BASE.get() == 0 {
        return None;
    }
    exclusive(|| {
        let ptr = owned_ptr();
        if ptr.is_null() {
            return None;
        }
        // SAFETY: the key holds one reference to the block (Arc::into_raw), which nothing
        // else on this thread can release while BUSY is set; this takes a second one.
        unsafe {
            Arc::increment_strong_count(ptr);
            Some(Arc::from_raw(ptr))
        }
    })
    .flatten()
}

/// The calling thread's TSD block if it is the one this crate gave it; [`Error::Adopted`] if
/// Darwin code pointed the register elsewhere, [`Error::NoTsd`] if there is none.
pub fn block() -> Result<Arc<TsdBlock>, Error> {
    match BASE.get() {
        0 => Err(Error::NoTsd),
        base if base == OWNED_BASE.get() => owned().ok_or(Error::Reentered),
        base => Err(Error::Adopted { base: base as u64 }),
    }
}

/// Points the Darwin register at a TSD that is not this crate's, `base` being the address
/// of its slot 0 (0 clears it): what Apple's libpthread asks for with
/// `thread_fast_set_cthread_self(&pthread->tsd[0])`. A block from [`install`] stays the
/// thread's (see [`owned`]); [`install`] points the register back at it.
///
/// A base that is not pointer-aligned is loaded into the register but not vouched for: the
/// safe accessors then say there is no TSD.
///
/// # Safety
/// Unless it is 0 or misaligned, `base` must point at 768 pointer-sized slots (and, for
/// Apple's code, the `pthread_s` head in front of them) that other threads only reach
/// through atomics, and that stay valid until the thread points the register elsewhere
/// through this crate and every [`Preserve`] made while `base` was its TSD is dropped.
pub unsafe fn adopt(base: usize) -> Result<(), Error> {
    segment::set_base(base)?;
    BASE.set(if base.is_multiple_of(W) { base } else { 0 });
    Ok(())
}

/// Clears the Darwin register and forgets the thread's TSD, releasing the block [`install`]
/// gave it.
pub fn uninstall() -> Result<(), Error> {
    exclusive(|| {
        if PRESERVED.get() != 0 {
            return Err(Error::Preserved);
        }
        point_at(0)?;
        OWNED_BASE.set(0);
        let old = owned_ptr();
        if let (Some(key), false) = (key(), old.is_null()) {
            // SAFETY: clears this thread's value of a live key, then drops the reference it
            // held (an Arc::into_raw); the register and BASE have moved off the block.
            unsafe {
                libc::pthread_setspecific(key, std::ptr::null());
                drop(Arc::from_raw(old));
            }
        }
        Ok(())
    })
    .ok_or(Error::Reentered)?
}

/// The calling thread's TSD base (the address of slot 0), if it has a TSD.
pub fn base() -> Option<usize> {
    match BASE.get() {
        0 => None,
        base => Some(base),
    }
}

/// The address of `slot` in the vouched-for TSD.
#[inline]
fn slot_address(slot: Slot) -> Option<*mut usize> {
    match BASE.get() {
        0 => None,
        base => base.checked_add(slot.offset(W)).map(|a| a as *mut usize),
    }
}

/// The value in `slot` of the calling thread's TSD (`None` without one).
#[inline]
pub fn get(slot: Slot) -> Option<usize> {
    let ptr = slot_address(slot)?;
    // SAFETY: a non-zero BASE is aligned and vouched for: a block this crate keeps alive
    // while BASE points at it (it moves BASE off a block before releasing it, and releases
    // none while a Preserve could put it back), or an adopted TSD the caller of `adopt`
    // promised stays valid and is only reached atomically.
    Some(unsafe { AtomicUsize::from_ptr(ptr) }.load(Ordering::Relaxed))
}

/// Stores `value` in `slot` of the calling thread's TSD.
#[inline]
pub fn set(slot: Slot, value: usize) -> Result<(), Error> {
    let ptr = slot_address(slot).ok_or(Error::NoTsd)?;
    // SAFETY: as in `get`.
    unsafe { AtomicUsize::from_ptr(ptr) }.store(value, Ordering::Relaxed);
    Ok(())
}

/// Reads `slot` through the Darwin register, as Apple's `_os_tsd_get_direct` does
/// (`mov reg, gs:[slot * 8]` on x86-64): no check that there is a TSD.
///
/// # Safety
/// The Darwin register must point at a TSD: [`install`] or [`adopt`] (with a valid base)
/// pointed it there on this thread, and nothing changed it since.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
#[inline]
pub unsafe fn get_direct(slot: Slot) -> usize {
    // SAFETY: the caller guarantees the register points at a TSD of 768 slots.
    unsafe { segment::read_word(slot.offset(W) as isize) }
}

/// Writes `slot` through the Darwin register, as Apple's `_os_tsd_set_direct` does.
///
/// # Safety
/// As for [`get_direct`].
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
#[inline]
pub unsafe fn set_direct(slot: Slot, value: usize) {
    // SAFETY: as in `get_direct`.
    unsafe { segment::write_word(slot.offset(W) as isize, value) }
}

/// Saves the calling thread's Darwin register and TSD, and puts them back when dropped.
///
/// A signal handler runs with the interrupted code's register, and on x86-64
/// `rt_sigreturn` does not restore it: a handler that lets Darwin code set its TSD must put
/// the interrupted code's back. Holding one of these across the handler does that, without
/// allocating or freeing. While any lives, the thread's blocks are not released
/// ([`uninstall`] and [`install_block`] answer [`Error::Preserved`]); forgetting one
/// (`mem::forget`) keeps them so for the thread's life.
#[must_use = "the TSD is put back when this is dropped"]
#[derive(Debug)]
pub struct Preserve {
    register: segment::Saved,
    base: usize,
    _thread: PhantomData<*const ()>,
}

/// Saves the calling thread's Darwin register and TSD; see [`Preserve`].
pub fn preserve() -> Preserve {
    PRESERVED.set(PRESERVED.get() + 1);
    compiler_fence(Ordering::SeqCst);
    Preserve {
        register: segment::save(),
        base: BASE.get(),
        _thread: PhantomData,
    }
}

impl Drop for Preserve {
    fn drop(&mut self) {
        let _ = segment::restore(self.register);
        BASE.set(self.base);
        compiler_fence(Ordering::SeqCst);
        PRESERVED.set(PRESERVED.get() - 1);
    }
}
