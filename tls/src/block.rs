//! [`TsdBlock`]: a thread's Apple TSD, in memory laid out as the tail of Apple's
//! `struct pthread_s`, so that Apple's code finds every slot and the fields it reads at fixed
//! offsets from the TSD base (`gs:-8` for the thread id) where libpthread would put them.
//!
//! This is what a runtime gives a thread before Apple's libpthread takes it over (Darling's
//! `mldr` does the same with its `struct _dthread`), or what a runtime without Apple's
//! libpthread keeps for every thread that runs Darwin code. Every field is an atomic: Darwin
//! code writes the slots through the register while Rust code may hold a reference.

use std::mem::offset_of;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicU64, AtomicUsize, Ordering::Relaxed};

use static_assertions::const_assert_eq;

use crate::layout::{LEGACY_DEFAULT_PRIORITY, NATIVE};
use crate::slots::{
    __TSD_ERRNO, __TSD_PTR_MUNGE, __TSD_THREAD_QOS_CLASS, __TSD_THREAD_SELF, Slot, TSD_SLOT_COUNT,
};

const W: usize = size_of::<usize>();
const ERR_NO: usize = NATIVE.tsd.wrapping_add_signed(NATIVE.err_no_from_tsd);
const STACKBOTTOM: usize = NATIVE.tsd.wrapping_add_signed(NATIVE.stackbottom_from_tsd);
const THREAD_ID: usize = NATIVE.tsd.wrapping_add_signed(NATIVE.thread_id_from_tsd);

/// One thread's Apple TSD with the part of `struct pthread_s` in front of it: 6368 bytes on
/// x86-64 (the TSD at 224), 3248 on i386 (at 176); see [`crate::layout`].
///
/// The fields this crate knows are atomics at libpthread's offsets; the rest of the head is
/// zero, and atomic bytes too, since Apple's libpthread writes there (`pthread_name`, the
/// join state) through the `pthread_t` while Rust holds references. [`TsdBlock::new`] fills it as libpthread's `_pthread_struct_init` and Darling's
/// thread trampoline do.
#[repr(C, align(16))]
pub struct TsdBlock {
    sig: AtomicUsize,
    _head: [AtomicU8; ERR_NO - W],
    err_no: AtomicI32,
    stackaddr: AtomicUsize,
    stackbottom: AtomicUsize,
    _middle: [AtomicU8; THREAD_ID - STACKBOTTOM - W],
    thread_id: AtomicU64,
    _pad: [AtomicU8; NATIVE.tsd - THREAD_ID - 8],
    tsd: [AtomicUsize; TSD_SLOT_COUNT],
}

const_assert_eq!(size_of::<TsdBlock>(), NATIVE.size());
const_assert_eq!(offset_of!(TsdBlock, tsd), NATIVE.tsd);
const_assert_eq!(
    offset_of!(TsdBlock, sig) as isize,
    NATIVE.tsd as isize + NATIVE.sig_from_tsd
);
const_assert_eq!(offset_of!(TsdBlock, err_no), ERR_NO);
const_assert_eq!(
    offset_of!(TsdBlock, stackaddr) as isize,
    NATIVE.tsd as isize + NATIVE.stackaddr_from_tsd
);
const_assert_eq!(offset_of!(TsdBlock, stackbottom), STACKBOTTOM);
const_assert_eq!(offset_of!(TsdBlock, thread_id), THREAD_ID);

impl TsdBlock {
    /// A block on the heap, filled as a new thread's: `sig` and `__TSD_THREAD_SELF` are the
    /// block's address (the `pthread_t`), `__TSD_ERRNO` points at its `err_no`,
    /// `__TSD_THREAD_QOS_CLASS` is [`LEGACY_DEFAULT_PRIORITY`], `__TSD_PTR_MUNGE` is 0 (no
    /// pointer mangling, so `sig` is the address itself); everything else is 0.
    ///
    /// The block points at itself, so it only ever exists behind the [`Arc`] it is made in,
    /// which never moves it.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> Arc<TsdBlock> {
        let block = Arc::new(TsdBlock {
            sig: AtomicUsize::new(0),
            _head: [const { AtomicU8::new(0) }; ERR_NO - W],
            err_no: AtomicI32::new(0),
            stackaddr: AtomicUsize::new(0),
            stackbottom: AtomicUsize::new(0),
            _middle: [const { AtomicU8::new(0) }; THREAD_ID - STACKBOTTOM - W],
            thread_id: AtomicU64::new(0),
            _pad: [const { AtomicU8::new(0) }; NATIVE.tsd - THREAD_ID - 8],
            tsd: [const { AtomicUsize::new(0) }; TSD_SLOT_COUNT],
        });
        let pthread = block.pthread();
        block.sig.store(pthread, Relaxed);
        block.set(__TSD_THREAD_SELF, pthread);
        block.set(__TSD_ERRNO, block.errno_address());
        block.set(__TSD_THREAD_QOS_CLASS, LEGACY_DEFAULT_PRIORITY);
        block.set(__TSD_PTR_MUNGE, 0);
        block
    }

    /// The block's address: the `pthread_t` Apple's code sees (`tsd_base - 224` on x86-64).
    pub fn pthread(&self) -> usize {
        self as *const TsdBlock as usize
    }

    /// The TSD base: the address of slot 0, where the TLS register points.
    pub fn tsd_base(&self) -> usize {
        self.tsd.as_ptr() as usize
    }

    /// The value in `slot`.
    pub fn get(&self, slot: Slot) -> usize {
        self.tsd[slot.index()].load(Relaxed)
    }

    /// Stores `value` in `slot`.
    pub fn set(&self, slot: Slot, value: usize) {
        self.tsd[slot.index()].store(value, Relaxed);
    }

    /// The `sig` field: the `pthread_t` XOR the pointer-munge token, as libpthread checks it.
    pub fn sig(&self) -> usize {
        self.sig.load(Relaxed)
    }

    /// The thread's `errno` (the `int` slot 1 points at).
    pub fn errno(&self) -> i32 {
        self.err_no.load(Relaxed)
    }

    /// Sets the thread's `errno`.
    pub fn set_errno(&self, errno: i32) {
        self.err_no.store(errno, Relaxed);
    }

    /// The address of the `err_no` field, which `__TSD_ERRNO` holds.
    pub fn errno_address(&self) -> usize {
        self.err_no.as_ptr() as usize
    }

    /// The thread id libpthread reads at `tsd_base - 8` (`pthread_threadid_np`).
    pub fn thread_id(&self) -> u64 {
        self.thread_id.load(Relaxed)
    }

    /// Sets the thread id.
    pub fn set_thread_id(&self, id: u64) {
        self.thread_id.store(id, Relaxed);
    }

    /// The thread's stack as libpthread records it: `stackaddr` (the high end) and
    /// `stackbottom` (the low end).
    pub fn stack(&self) -> (usize, usize) {
        (self.stackaddr.load(Relaxed), self.stackbottom.load(Relaxed))
    }

    /// Records the thread's stack: `top` is the high end, `bottom` the low end.
    pub fn set_stack(&self, top: usize, bottom: usize) {
        self.stackaddr.store(top, Relaxed);
        self.stackbottom.store(bottom, Relaxed);
    }
}

impl std::fmt::Debug for TsdBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsdBlock")
            .field("pthread", &format_args!("{:#x}", self.pthread()))
            .field("tsd_base", &format_args!("{:#x}", self.tsd_base()))
            .field("thread_id", &self.thread_id())
            .field("errno", &self.errno())
            .finish_non_exhaustive()
    }
}
