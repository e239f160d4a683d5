//! This thread's Darwin TSD: a block this crate gave it ([`install`]) or one Darwin code
//! pointed the register at ([`adopt`], what `thread_fast_set_cthread_self` does), and safe
//! access to its slots.
//!
//! The crate keeps, per thread, the TSD base it last pointed the Darwin register at and
//! vouches for; the safe accessors read memory at that base, never an unchecked register.
//! A block from [`install`] lives at least until the thread exits: then the register is
//! cleared (Darwin code running later in the thread's exit faults at a small address instead
//! of reading freed memory) and the block is freed unless an [`Arc`] to it is still held.
//!
//! [`get`], [`set`], [`get_direct`], [`set_direct`], [`adopt`] and [`Preserve`] neither
//! allocate nor lock, so a signal handler may use them. [`install`] allocates.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::block::TsdBlock;
use crate::slots::Slot;
use crate::{Error, segment};

const W: usize = size_of::<usize>();

thread_local! {
    /// The TSD base the Darwin register was last pointed at through this crate and that the
    /// crate vouches for; 0 for none. No destructor, so it is there all the thread's life.
    static BASE: Cell<usize> = const { Cell::new(0) };
    /// The TSD base of the block in `OWNED` (0 for none), readable without touching `OWNED`,
    /// whose first use registers a destructor and so allocates.
    static OWNED_BASE: Cell<usize> = const { Cell::new(0) };
    /// The block this crate gave the thread.
    static OWNED: Owned = const { Owned(Cell::new(None)) };
}

struct Owned(Cell<Option<Arc<TsdBlock>>>);

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(block) = self.0.take() {
            let base = block.tsd_base();
            if BASE.get() == base {
                let _ = segment::set_base(0);
                BASE.set(0);
            }
            OWNED_BASE.set(0);
            drop(block);
        }
    }
}

/// A new block filled for the calling thread: [`TsdBlock::new`] with the thread id
/// (`gettid`) and the thread's stack (`pthread_getattr_np`).
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
        install_block(Arc::clone(&block))?;
        return Ok(block);
    }
    let block = block_for_current_thread();
    install_block(Arc::clone(&block))?;
    Ok(block)
}

/// Makes `block` the calling thread's TSD and points the Darwin register at it: for a block
/// a runtime prepared before the thread started (its Mach thread port in
/// `__TSD_MACH_THREAD_SELF`, say), as Darling's thread trampoline does. A block the thread
/// had before is released.
pub fn install_block(block: Arc<TsdBlock>) -> Result<(), Error> {
    let base = block.tsd_base();
    OWNED
        .try_with(|owned| {
            segment::set_base(base)?;
            BASE.set(base);
            OWNED_BASE.set(base);
            let old = owned.0.replace(Some(block));
            drop(old);
            Ok(())
        })
        .map_err(|_| Error::ThreadExiting)?
}

/// The block this crate gave the calling thread, whether or not it is the thread's TSD now.
pub fn owned() -> Option<Arc<TsdBlock>> {
    if OWNED_BASE.get() == 0 {
        return None;
    }
    OWNED
        .try_with(|owned| {
            let block = owned.0.take();
            owned.0.set(block.clone());
            block
        })
        .ok()
        .flatten()
}

/// The calling thread's TSD block if it is the one this crate gave it; [`Error::Adopted`] if
/// Darwin code pointed the register elsewhere, [`Error::NoTsd`] if there is none.
pub fn block() -> Result<Arc<TsdBlock>, Error> {
    match BASE.get() {
        0 => Err(Error::NoTsd),
        base if base == OWNED_BASE.get() => owned().ok_or(Error::NoTsd),
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
/// Apple's code, the `pthread_s` head in front of them) that stay valid, and that other
/// threads only reach through atomics, until the thread points the register elsewhere
/// through this crate or exits.
pub unsafe fn adopt(base: usize) -> Result<(), Error> {
    segment::set_base(base)?;
    BASE.set(if base.is_multiple_of(W) { base } else { 0 });
    Ok(())
}

/// Clears the Darwin register and forgets the thread's TSD, releasing the block [`install`]
/// gave it.
pub fn uninstall() -> Result<(), Error> {
    segment::set_base(0)?;
    BASE.set(0);
    if OWNED_BASE.get() != 0 {
        OWNED_BASE.set(0);
        let _ = OWNED.try_with(|owned| drop(owned.0.take()));
    }
    Ok(())
}

/// The calling thread's TSD base (the address of slot 0), if it has a TSD.
pub fn base() -> Option<usize> {
    match BASE.get() {
        0 => None,
        base => Some(base),
    }
}

#[inline]
fn slot_cell(slot: Slot) -> Option<&'static AtomicUsize> {
    let base = BASE.get();
    if base == 0 {
        return None;
    }
    let ptr = (base + slot.offset(W)) as *mut usize;
    // SAFETY: a non-zero BASE is aligned and vouched for: a block of this crate's, which
    // `OWNED` (or a `Preserve`) keeps alive while BASE points at it, or an adopted TSD the
    // caller of `adopt` promised stays valid and is only reached atomically. The reference
    // does not leave this module's callers, which use it at once.
    Some(unsafe { AtomicUsize::from_ptr(ptr) })
}

/// The value in `slot` of the calling thread's TSD (`None` without one).
#[inline]
pub fn get(slot: Slot) -> Option<usize> {
    slot_cell(slot).map(|cell| cell.load(Relaxed))
}

/// Stores `value` in `slot` of the calling thread's TSD.
#[inline]
pub fn set(slot: Slot, value: usize) -> Result<(), Error> {
    slot_cell(slot).ok_or(Error::NoTsd)?.store(value, Relaxed);
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
/// allocating. While it lives it also keeps the saved block alive.
#[must_use = "the TSD is put back when this is dropped"]
#[derive(Debug)]
pub struct Preserve {
    register: usize,
    base: usize,
    block: Option<Arc<TsdBlock>>,
    _thread: PhantomData<*const ()>,
}

/// Saves the calling thread's Darwin register and TSD; see [`Preserve`].
pub fn preserve() -> Preserve {
    let base = BASE.get();
    let block = if base != 0 && base == OWNED_BASE.get() {
        owned()
    } else {
        None
    };
    Preserve {
        register: segment::base(),
        base,
        block,
        _thread: PhantomData,
    }
}

impl Drop for Preserve {
    fn drop(&mut self) {
        if let Some(block) = self.block.take()
            && OWNED_BASE.get() != block.tsd_base()
        {
            // The block was released inside the scope: make it the thread's again, so that
            // BASE never points at freed memory.
            let tsd = block.tsd_base();
            if OWNED
                .try_with(|owned| drop(owned.0.replace(Some(block))))
                .is_ok()
            {
                OWNED_BASE.set(tsd);
            } else {
                // The thread is exiting and the block is gone with this scope: point nothing
                // at it.
                if self.base == tsd {
                    self.base = 0;
                }
                if self.register == tsd {
                    self.register = 0;
                }
            }
        }
        let _ = segment::set_base(self.register);
        BASE.set(self.base);
    }
}
