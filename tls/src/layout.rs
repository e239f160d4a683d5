//! Where Apple's TSD array sits in a thread's `struct pthread_s`, and the fields around it
//! that Apple's code reads at fixed offsets from the TSD base.
//!
//! The TLS register points at `&pthread->tsd[0]`, not at the `pthread_s`: `gs:0` is slot 0.
//! The offset of `tsd` in `pthread_s` is frozen for binary compatibility (old Mono builds
//! hard-code it), and libpthread reads some fields of its own struct through the register
//! at negative offsets (the thread id at `gs:-8`). These numbers are libpthread-539's
//! `types_internal.h`, `private.h` and `offsets_internal.h`, for both of Apple's x86 ABIs;
//! [`NATIVE`] is the one this build's [`crate::TsdBlock`] is laid out by.

use crate::slots::TSD_SLOT_COUNT;

/// The offsets of one ABI's `struct pthread_s` that matter to the TSD, in bytes.
///
/// `*_from_tsd` offsets are relative to the TSD base (the register's base), as Apple's
/// `_PTHREAD_STRUCT_DIRECT_*_OFFSET` macros give them; add [`tsd`](Self::tsd) for the
/// offset in the struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PthreadLayout {
    /// The width of a pointer and of a TSD slot.
    pub pointer_width: usize,
    /// The offset of `tsd[0]` in `pthread_s` (`_PTHREAD_STRUCT_DIRECT_TSD_OFFSET`):
    /// `pthread_t = tsd_base - tsd`.
    pub tsd: usize,
    /// `sig`: the thread's signature (its own address XOR the pointer-munge token).
    pub sig_from_tsd: isize,
    /// `pthread_name[MAXTHREADNAMESIZE]` (64 bytes).
    pub name_from_tsd: isize,
    /// `err_no`: the thread's `errno`, which slot 1 (`__TSD_ERRNO`) points at.
    pub err_no_from_tsd: isize,
    /// `stackaddr`: the high end of the thread's stack.
    pub stackaddr_from_tsd: isize,
    /// `stackbottom`: the low end of the thread's stack.
    pub stackbottom_from_tsd: isize,
    /// `freeaddr`: the start of the mapping that holds the stack, its guard and (for threads
    /// the kernel allocated) the `pthread_s`; what `__bsdthread_terminate` unmaps.
    pub freeaddr_from_tsd: isize,
    /// `freesize`: the size of that mapping.
    pub freesize_from_tsd: isize,
    /// `guardsize`: the size of the guard at the mapping's low end.
    pub guardsize_from_tsd: isize,
    /// `thread_id` (64 bits; `_PTHREAD_STRUCT_DIRECT_THREADID_OFFSET`).
    pub thread_id_from_tsd: isize,
}

impl PthreadLayout {
    /// The size of `struct pthread_s`: everything before the TSD and its 768 slots.
    pub const fn size(&self) -> usize {
        self.tsd + TSD_SLOT_COUNT * self.pointer_width
    }

    /// The size of the TSD array in bytes.
    pub const fn tsd_size(&self) -> usize {
        TSD_SLOT_COUNT * self.pointer_width
    }
}

/// x86-64 (LP64): the TSD at 224, GS-relative.
pub const LP64: PthreadLayout = PthreadLayout {
    pointer_width: 8,
    tsd: 224,
    sig_from_tsd: -224,
    name_from_tsd: 80 - 224,
    err_no_from_tsd: 172 - 224,
    stackaddr_from_tsd: -48,
    stackbottom_from_tsd: -40,
    freeaddr_from_tsd: -32,
    freesize_from_tsd: -24,
    guardsize_from_tsd: -16,
    thread_id_from_tsd: -8,
};

/// i386 (ILP32): the TSD at 176 (the 64-bit thread id at 160, then 8 bytes of padding to
/// the 16-byte aligned array).
pub const ILP32: PthreadLayout = PthreadLayout {
    pointer_width: 4,
    tsd: 176,
    sig_from_tsd: -176,
    name_from_tsd: 52 - 176,
    err_no_from_tsd: 136 - 176,
    stackaddr_from_tsd: 140 - 176,
    stackbottom_from_tsd: 144 - 176,
    freeaddr_from_tsd: 148 - 176,
    freesize_from_tsd: 152 - 176,
    guardsize_from_tsd: 156 - 176,
    thread_id_from_tsd: -16,
};

/// The layout of this build's pointer width.
#[cfg(target_pointer_width = "64")]
pub const NATIVE: PthreadLayout = LP64;
/// The layout of this build's pointer width.
#[cfg(target_pointer_width = "32")]
pub const NATIVE: PthreadLayout = ILP32;

/// The `pthread_priority_t` Darling's thread trampoline puts in `__TSD_THREAD_QOS_CLASS` for a
/// new thread: QoS class `THREAD_QOS_LEGACY` (4, encoded as `1 << (4 - 1 + 8)`) with the
/// priority byte 0xff.
pub const LEGACY_DEFAULT_PRIORITY: usize = 0x8ff;

/// The signature libpthread before 416.100 wrote into `sig` (`'THRD'`); newer ones write the
/// thread's own address XOR the pointer-munge token.
pub const _PTHREAD_SIG: usize = 0x5448_5244;
