//! The GS and FS bases on x86-64: GS is where Apple's code finds its thread's TSD
//! (`gs:[slot * 8]`), FS is glibc's (and so Rust's `thread_local!`).
//!
//! GS is set in one of two ways:
//! - [`arch_prctl_set_gs`]: `arch_prctl(ARCH_SET_GS)`, a system call that every 64-bit
//!   kernel has. It refuses a base that is not a user address (`EPERM`) and loads the null
//!   selector into GS.
//! - [`Fsgsbase::write_gs_base`]: the `wrgsbase` instruction, no system call. The CPU has it
//!   since Ivy Bridge (AMD since family 17h), but it raises `#UD` (`SIGILL`) unless the
//!   kernel has turned on `CR4.FSGSBASE`, which Linux does since 5.9 (not with `nofsgsbase`)
//!   and then announces with `HWCAP2_FSGSBASE` in the auxiliary vector's `AT_HWCAP2`. The only
//!   way to the instruction is a [`Fsgsbase`] token, and [`Fsgsbase::detect`] gives one only
//!   when the kernel says so.
//!
//! [`set_gs_base`] and [`gs_base`] pick the instruction when it is there.
//!
//! FS is read here ([`fs_base`]) and never written: it holds glibc's thread pointer.
//!
//! The base of either register is per thread: the kernel saves and restores it across
//! context switches, a new thread or a forked child starts with its parent's, and a signal
//! handler runs with the interrupted code's. `rt_sigreturn` does not restore it: a base a
//! handler changes stays changed (see [`crate::Preserve`]).

use core::arch::asm;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::Error;

/// `arch_prctl` code that sets the GS base (`<asm/prctl.h>`).
pub const ARCH_SET_GS: i32 = 0x1001;
/// `arch_prctl` code that sets the FS base.
pub const ARCH_SET_FS: i32 = 0x1002;
/// `arch_prctl` code that reads the FS base.
pub const ARCH_GET_FS: i32 = 0x1003;
/// `arch_prctl` code that reads the GS base.
pub const ARCH_GET_GS: i32 = 0x1004;
/// The auxiliary vector entry with the second word of hardware capabilities (`<linux/auxvec.h>`).
pub const AT_HWCAP2: u64 = 26;
/// The `AT_HWCAP2` bit saying user space may run `rd/wr{fs,gs}base` (`<asm/hwcap2.h>`).
pub const HWCAP2_FSGSBASE: u64 = 1 << 1;

/// The first address that is not a user address with 4-level paging: Linux's `TASK_SIZE_MAX`
/// there, `(1 << 47) - PAGE_SIZE`. `arch_prctl(ARCH_SET_GS)` refuses a base at or above its
/// `TASK_SIZE_MAX` (higher with 5-level paging); [`Fsgsbase::write_gs_base`] refuses one at or
/// above this, which also keeps it canonical (a non-canonical base makes `wrgsbase` fault).
pub const USER_ADDRESS_END: u64 = (1 << 47) - 4096;

/// Proof that this thread may execute `rdgsbase`/`wrgsbase`/`rdfsbase`: the kernel enabled
/// FSGSBASE and said so in `AT_HWCAP2`.
///
/// The instructions raise `SIGILL` where the kernel has not enabled them (before Linux 5.9, or
/// booted with `nofsgsbase`), whatever the CPU supports; this token is the only way to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fsgsbase(());

const UNKNOWN: u8 = 0;
const ABSENT: u8 = 1;
const PRESENT: u8 = 2;
static FSGSBASE: AtomicU8 = AtomicU8::new(UNKNOWN);

impl Fsgsbase {
    /// The token, if the kernel enabled the instructions (`getauxval(AT_HWCAP2) &
    /// HWCAP2_FSGSBASE`). The answer is read once per process and kept.
    pub fn detect() -> Option<Fsgsbase> {
        let known = match FSGSBASE.load(Ordering::Relaxed) {
            UNKNOWN => {
                let present = Self::hwcap2() & HWCAP2_FSGSBASE != 0;
                let known = if present { PRESENT } else { ABSENT };
                FSGSBASE.store(known, Ordering::Relaxed);
                known
            }
            known => known,
        };
        (known == PRESENT).then_some(Fsgsbase(()))
    }

    /// The kernel's `AT_HWCAP2` word (0 where the kernel gives none). errno is left alone.
    pub fn hwcap2() -> u64 {
        // SAFETY: getauxval reads the auxiliary vector the kernel gave the process; it takes
        // no pointers and returns 0 (setting errno) for an absent entry. errno is this
        // thread's int, put back as it was.
        unsafe {
            let errno = libc::__errno_location();
            let saved = *errno;
            let word = libc::getauxval(AT_HWCAP2 as libc::c_ulong) as u64;
            *errno = saved;
            word
        }
    }

    /// This thread's GS base, by `rdgsbase`.
    #[inline]
    pub fn read_gs_base(self) -> u64 {
        let base: u64;
        // SAFETY: the token exists only when the kernel enabled FSGSBASE, so the instruction
        // cannot fault; it reads a register and touches no memory.
        unsafe { asm!("rdgsbase {}", out(reg) base, options(nomem, nostack, preserves_flags)) };
        base
    }

    /// This thread's FS base (glibc's thread pointer), by `rdfsbase`.
    #[inline]
    pub fn read_fs_base(self) -> u64 {
        let base: u64;
        // SAFETY: as in `read_gs_base`.
        unsafe { asm!("rdfsbase {}", out(reg) base, options(nomem, nostack, preserves_flags)) };
        base
    }

    /// Sets this thread's GS base by `wrgsbase`, without a system call.
    ///
    /// Refuses ([`Error::NotUserAddress`]) a base at or above [`USER_ADDRESS_END`], as
    /// `arch_prctl` refuses a kernel address; that also keeps `wrgsbase` from faulting on a
    /// non-canonical one. Unlike `arch_prctl` it leaves the GS selector alone (it is 0 in a
    /// 64-bit Linux process unless someone loaded another).
    #[inline]
    pub fn write_gs_base(self, base: u64) -> Result<(), Error> {
        if base >= USER_ADDRESS_END {
            return Err(Error::NotUserAddress { base });
        }
        // SAFETY: the token proves the kernel enabled the instruction, and the base is a
        // canonical user address, so it cannot fault. Rust code never addresses memory
        // through GS, so changing the base changes nothing it relies on. Not `nomem`: code
        // that reads through GS after this must see the new base.
        unsafe { asm!("wrgsbase {}", in(reg) base, options(nostack, preserves_flags)) };
        Ok(())
    }
}

/// `arch_prctl(code, addr)` by a bare `syscall`, so that errno (which a signal handler must
/// not change) is left alone.
fn arch_prctl(code: i32, addr: u64) -> Result<(), Error> {
    let ret: i64;
    // SAFETY: arch_prctl with the SET codes takes the address as a value and changes only this
    // thread's FS/GS base, which Rust code does not address memory through (the callers never
    // pass ARCH_SET_FS); with the GET codes `addr` points at a u64 the caller owns (see
    // `arch_prctl_get`). `syscall` clobbers rcx and r11.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") libc::SYS_arch_prctl => ret,
            in("rdi") i64::from(code),
            in("rsi") addr,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    match ret {
        0 => Ok(()),
        _ => Err(Error::Sys {
            call: "arch_prctl",
            errno: (-ret) as i32,
        }),
    }
}

fn arch_prctl_get(code: i32) -> Result<u64, Error> {
    let mut base = 0u64;
    arch_prctl(code, &mut base as *mut u64 as u64)?;
    Ok(base)
}

/// Sets this thread's GS base with `arch_prctl(ARCH_SET_GS, base)`.
///
/// The kernel refuses a base at or above its `TASK_SIZE_MAX` with `EPERM`, returned as
/// [`Error::NotUserAddress`] (an `EPERM` for a base below [`USER_ADDRESS_END`], which every
/// kernel takes, comes from elsewhere, a seccomp filter say, and stays [`Error::Sys`]); it
/// loads the null selector into GS. errno is left alone.
pub fn arch_prctl_set_gs(base: u64) -> Result<(), Error> {
    arch_prctl(ARCH_SET_GS, base).map_err(|e| match e {
        Error::Sys { errno, .. } if errno == libc::EPERM && base >= USER_ADDRESS_END => {
            Error::NotUserAddress { base }
        }
        e => e,
    })
}

/// This thread's GS base from `arch_prctl(ARCH_GET_GS)`.
pub fn arch_prctl_get_gs() -> Result<u64, Error> {
    arch_prctl_get(ARCH_GET_GS)
}

/// This thread's FS base from `arch_prctl(ARCH_GET_FS)`.
pub fn arch_prctl_get_fs() -> Result<u64, Error> {
    arch_prctl_get(ARCH_GET_FS)
}

/// Sets this thread's GS base: `wrgsbase` where the kernel allows it and the base is below
/// [`USER_ADDRESS_END`], else `arch_prctl(ARCH_SET_GS)`, which decides for higher user
/// addresses (5-level paging) and refuses the rest.
#[inline]
pub fn set_gs_base(base: u64) -> Result<(), Error> {
    match Fsgsbase::detect() {
        Some(token) if base < USER_ADDRESS_END => token.write_gs_base(base),
        _ => arch_prctl_set_gs(base),
    }
}

/// This thread's GS base, by `rdgsbase` where the kernel allows it, else by `arch_prctl`.
#[inline]
pub fn gs_base() -> u64 {
    match Fsgsbase::detect() {
        Some(token) => token.read_gs_base(),
        // ARCH_GET_GS cannot fail with a valid pointer.
        None => arch_prctl_get_gs().unwrap_or(0),
    }
}

/// This thread's FS base (glibc's thread pointer), by `rdfsbase` or `arch_prctl`.
pub fn fs_base() -> u64 {
    match Fsgsbase::detect() {
        Some(token) => token.read_fs_base(),
        None => arch_prctl_get_fs().unwrap_or(0),
    }
}

/// Reads the pointer at byte `offset` from the GS base: `mov reg, gs:[offset]`, the load
/// Apple's `_os_tsd_get_direct` compiles to (with `offset = slot * 8`).
///
/// # Safety
/// This thread's GS base plus `offset` (wrapping) must be a readable, 8-byte aligned address.
#[inline]
pub unsafe fn read_gs_word(offset: isize) -> usize {
    let value: usize;
    // SAFETY: the caller guarantees GS base + offset is readable.
    unsafe {
        asm!(
            "mov {value}, qword ptr gs:[{offset}]",
            value = out(reg) value,
            offset = in(reg) offset,
            options(nostack, readonly, preserves_flags),
        );
    }
    value
}

/// Writes the pointer at byte `offset` from the GS base: `mov gs:[offset], reg`, as Apple's
/// `_os_tsd_set_direct` does.
///
/// # Safety
/// This thread's GS base plus `offset` (wrapping) must be a writable, 8-byte aligned address
/// that Rust reaches only through atomics or cells.
#[inline]
pub unsafe fn write_gs_word(offset: isize, value: usize) {
    // SAFETY: the caller guarantees GS base + offset is writable.
    unsafe {
        asm!(
            "mov qword ptr gs:[{offset}], {value}",
            value = in(reg) value,
            offset = in(reg) offset,
            options(nostack, preserves_flags),
        );
    }
}
