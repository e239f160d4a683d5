//! XNU's machine-dependent ("machdep") system calls on x86, decoded and carried out as XNU
//! does; the one Apple's libSystem makes is `thread_fast_set_cthread_self`, which points the
//! TLS register at the thread's TSD (libsyscall's `_thread_set_tsd_base`).
//!
//! On x86-64 Apple's code makes it with `syscall`, `rax = SYSCALL_CONSTRUCT_MDEP(3)`
//! (0x3000003), the TSD base in `rdi` and 0 in `esi`; on i386 with `int $0x82`, `eax = 3`
//! and the arguments on the user stack from `esp + 4`. XNU takes the call number from
//! `rax & SYSCALL_NUMBER_MASK` (all 24 bits; `eax` as is on i386), answers any number past
//! its 7-entry table, or an empty slot, with `KERN_INVALID_ARGUMENT` in `rax`, and
//! `thread_fast_set_cthread_self` with `USER_CTHREAD` (0x0f, a selector, not a
//! `kern_return_t`), replacing a base that is not a user address by 0.
//!
//! # Compared with Darling
//! Darling's dispatcher (`tests/darling.rs` shows each against this module):
//! - keeps only the low 8 bits of the number, so `0x3000103` sets the TSD where XNU refuses
//!   it, and indexes a 10-entry table with numbers up to 255, reading past its end;
//! - answers unknown calls with Linux's `-ENOSYS` (-38) where XNU gives
//!   `KERN_INVALID_ARGUMENT` (4);
//! - returns nothing from `thread_fast_set_cthread_self` (whatever was in `rax`), not
//!   `USER_CTHREAD`;
//! - passes any base to `arch_prctl` and ignores its `EPERM`, so a base at or above
//!   `VM_MAX_USER_PAGE_ADDRESS` leaves the old TSD in GS, where XNU clears it.

use darling_bsd_errno::DarwinErrno;
use darling_mach_ipc::consts::{
    KERN_FAILURE, KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT, kern_return_t,
};

use crate::{Error, current};

/// The shift of a system call's class in `rax` (`osfmk/mach/i386/syscall_sw.h`).
pub const SYSCALL_CLASS_SHIFT: u32 = 24;
/// The bits of `rax` that hold the class.
pub const SYSCALL_CLASS_MASK: u32 = 0xff << SYSCALL_CLASS_SHIFT;
/// The bits of `rax` that hold the call number within the class.
pub const SYSCALL_NUMBER_MASK: u32 = !SYSCALL_CLASS_MASK;
/// Class 0: invalid.
pub const SYSCALL_CLASS_NONE: u32 = 0;
/// Class 1: Mach traps.
pub const SYSCALL_CLASS_MACH: u32 = 1;
/// Class 2: BSD system calls.
pub const SYSCALL_CLASS_UNIX: u32 = 2;
/// Class 3: machine-dependent calls.
pub const SYSCALL_CLASS_MDEP: u32 = 3;
/// Class 4: diagnostics.
pub const SYSCALL_CLASS_DIAG: u32 = 4;
/// Class 5: Mach IPC.
pub const SYSCALL_CLASS_IPC: u32 = 5;

/// `SYSCALL_CONSTRUCT_MDEP(n)`: the `rax` of machdep call `n` on x86-64.
#[allow(non_snake_case)]
pub const fn SYSCALL_CONSTRUCT_MDEP(n: u32) -> u32 {
    (SYSCALL_CLASS_MDEP << SYSCALL_CLASS_SHIFT) | (n & SYSCALL_NUMBER_MASK)
}

/// The interrupt vector of machdep calls on i386 (`int $0x82`).
pub const MACHDEP_INT: u8 = 0x82;
/// The machdep call number of `thread_fast_set_cthread_self` (and `…64`).
pub const THREAD_FAST_SET_CTHREAD_SELF: u32 = 3;
/// The selector `thread_fast_set_cthread_self` returns: the LDT entry XNU gives 32-bit
/// threads their TSD in (index 1, LDT, ring 3).
pub const USER_CTHREAD: u32 = 0x0f;
/// The first address that is not a user page of a 64-bit task: XNU replaces a TSD base at
/// or above it by 0 (`IS_USERADDR64_CANONICAL`).
pub const VM_MAX_USER_PAGE_ADDRESS: u64 = 0x0000_7fff_ffff_f000;

/// One entry of XNU's machdep call table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachdepCall {
    /// The routine's name in XNU (`kern_invalid` for an empty slot).
    pub name: &'static str,
    /// How many arguments it takes.
    pub nargs: u8,
    /// Whether it answers BSD-style: an errno in `rax` with the carry flag set, or the result
    /// with it clear.
    pub bsd_style: bool,
}

const fn call(name: &'static str, nargs: u8, bsd_style: bool) -> MachdepCall {
    MachdepCall {
        name,
        nargs,
        bsd_style,
    }
}

/// The number of machdep calls (`machdep_call_count`, the length of the i386 table, which XNU
/// checks 64-bit numbers against too).
pub const MACHDEP_CALL_COUNT: usize = 7;

/// XNU's `machdep_call_table` (i386, `osfmk/i386/machdep_call.c`).
pub const MACHDEP_CALL_TABLE: [MachdepCall; MACHDEP_CALL_COUNT] = [
    call("kern_invalid", 0, false),
    call("kern_invalid", 0, false),
    call("kern_invalid", 0, false),
    call("thread_fast_set_cthread_self", 1, false),
    call("thread_set_user_ldt", 3, false),
    call("i386_set_ldt", 3, true),
    call("i386_get_ldt", 3, true),
];

/// XNU's `machdep_call_table64` (x86-64), as built with `HYPERVISOR` (shipping kernels).
pub const MACHDEP_CALL_TABLE64: [MachdepCall; MACHDEP_CALL_COUNT] = [
    call("hv_task_trap", 2, false),
    call("hv_thread_trap", 2, false),
    call("kern_invalid", 0, false),
    call("thread_fast_set_cthread_self64", 1, false),
    call("kern_invalid", 0, false),
    call("i386_set_ldt64", 3, true),
    call("i386_get_ldt64", 3, true),
];

/// A decoded machdep call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// `thread_fast_set_cthread_self[64](base)`: point the TLS register at `base`.
    ThreadFastSetCthreadSelf {
        /// The TSD base (`&pthread->tsd[0]`).
        base: u64,
    },
    /// `hv_task_trap` or `hv_thread_trap` (x86-64 slots 0 and 1): Hypervisor.framework.
    HypervisorTrap {
        /// `true` for `hv_thread_trap`.
        thread: bool,
        /// The trap index.
        index: u64,
        /// Its argument.
        arg: u64,
    },
    /// `thread_set_user_ldt` (i386 slot 4).
    ThreadSetUserLdt {
        /// The segment base.
        address: u64,
        /// Its size.
        size: u64,
        /// Flags (must be 0).
        flags: u64,
    },
    /// `i386_set_ldt[64]` or `i386_get_ldt[64]` (slots 5 and 6).
    Ldt {
        /// `true` for `i386_set_ldt`.
        set: bool,
        /// The first selector.
        start_sel: u64,
        /// The user address of the descriptors.
        descs: u64,
        /// How many.
        num_sels: u64,
    },
    /// A number past the table, or an empty (`kern_invalid`) slot.
    Invalid {
        /// The call number.
        number: u64,
    },
}

/// What a machdep call leaves in the caller's registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// The new `rax` (`eax`).
    pub value: u64,
    /// For BSD-style calls, the carry flag (set on error); `None` leaves the flags alone.
    pub carry: Option<bool>,
}

impl Reply {
    /// A `kern_return_t` (or the selector) in `rax`, flags untouched.
    pub const fn kern(value: kern_return_t) -> Reply {
        Reply {
            value: value as u32 as u64,
            carry: None,
        }
    }

    /// A BSD-style failure: the Darwin errno in `rax`, carry set.
    pub const fn bsd_error(errno: DarwinErrno) -> Reply {
        Reply {
            value: errno.raw() as u32 as u64,
            carry: Some(true),
        }
    }
}

/// The class of the x86-64 system call in `rax`, as XNU's entry code picks it (from the low 32
/// bits).
pub const fn syscall_class(rax: u64) -> u32 {
    (rax as u32 & SYSCALL_CLASS_MASK) >> SYSCALL_CLASS_SHIFT
}

/// Decodes an x86-64 `syscall` as a machdep call: `None` if `rax` is not of
/// [`SYSCALL_CLASS_MDEP`]. The number is `rax & SYSCALL_NUMBER_MASK`; the arguments are
/// `rdi`, `rsi`, `rdx`.
pub fn decode64(rax: u64, rdi: u64, rsi: u64, rdx: u64) -> Option<Request> {
    if syscall_class(rax) != SYSCALL_CLASS_MDEP {
        return None;
    }
    let number = rax & u64::from(SYSCALL_NUMBER_MASK);
    Some(match number {
        0 | 1 => Request::HypervisorTrap {
            thread: number == 1,
            index: rdi,
            arg: rsi,
        },
        3 => Request::ThreadFastSetCthreadSelf { base: rdi },
        5 | 6 => Request::Ldt {
            set: number == 5,
            start_sel: rdi,
            descs: rsi,
            num_sels: rdx,
        },
        number => Request::Invalid { number },
    })
}

/// Decodes an i386 `int $0x82`: the number is all of `eax`, and the arguments are the 32-bit
/// words at `esp + 4` that the runtime read, as many as the call takes
/// ([`MachdepCall::nargs`]). Too few (XNU's `copyin` failing) is answered with
/// `KERN_INVALID_ADDRESS`.
pub fn decode32(eax: u32, stack: &[u32]) -> Result<Request, Reply> {
    let number = eax as usize;
    let Some(entry) = MACHDEP_CALL_TABLE.get(number) else {
        return Ok(Request::Invalid {
            number: u64::from(eax),
        });
    };
    let Some(args) = stack.get(..entry.nargs as usize) else {
        return Err(Reply::kern(KERN_INVALID_ADDRESS));
    };
    let arg = |i: usize| u64::from(args[i]);
    Ok(match number {
        3 => Request::ThreadFastSetCthreadSelf { base: arg(0) },
        4 => Request::ThreadSetUserLdt {
            address: arg(0),
            size: arg(1),
            flags: arg(2),
        },
        5 | 6 => Request::Ldt {
            set: number == 5,
            start_sel: arg(0),
            descs: arg(1),
            num_sels: arg(2),
        },
        _ => Request::Invalid {
            number: u64::from(eax),
        },
    })
}

/// The base XNU's `machine_thread_set_tsd_base` keeps: a 64-bit task's base below
/// [`VM_MAX_USER_PAGE_ADDRESS`], a 32-bit task's up to 4 GiB, anything else becomes 0.
pub const fn tsd_base_kept(base: u64, is_64bit: bool) -> u64 {
    let limit_ok = if is_64bit {
        base < VM_MAX_USER_PAGE_ADDRESS
    } else {
        base <= u32::MAX as u64
    };
    if limit_ok { base } else { 0 }
}

/// `thread_fast_set_cthread_self64(base)`: points the calling thread's TLS register at
/// `base` ([`current::adopt`]), or clears it for a base XNU would not keep, and returns
/// [`USER_CTHREAD`] as XNU does.
///
/// # Safety
/// As for [`current::adopt`]: a base XNU keeps must point at a TSD that stays valid while it
/// is the thread's.
pub unsafe fn thread_fast_set_cthread_self64(base: u64) -> Result<u32, Error> {
    let base = tsd_base_kept(base, true);
    let base = usize::try_from(base).map_err(|_| Error::Unsupported {
        what: "a 64-bit TSD base on a 32-bit host",
    })?;
    // SAFETY: passed on to the caller; 0 clears the register.
    unsafe { current::adopt(base)? };
    Ok(USER_CTHREAD)
}

/// `thread_fast_set_cthread_self(base)` of a 32-bit task. On i386 the TSD goes into FS (see
/// the `i386` module), not into XNU's LDT entry behind `USER_CTHREAD`, which is still what it
/// returns.
///
/// # Safety
/// As for [`thread_fast_set_cthread_self64`].
pub unsafe fn thread_fast_set_cthread_self(base: u32) -> Result<u32, Error> {
    // SAFETY: passed on to the caller.
    unsafe { current::adopt(base as usize)? };
    Ok(USER_CTHREAD)
}

/// Carries out a decoded machdep call for the calling thread as XNU would, and says what
/// goes back in the caller's registers. `is_64bit` is the caller's ABI.
///
/// - `thread_fast_set_cthread_self[64]`: see above; [`USER_CTHREAD`], or `KERN_FAILURE` if
///   the register could not be set (which XNU cannot fail at).
/// - The hypervisor traps: `KERN_INVALID_ARGUMENT`, as XNU answers when no hypervisor has
///   registered traps.
/// - The LDT calls: not emulated; `i386_set_ldt`/`i386_get_ldt` answer BSD-style `ENOSYS`
///   (78), `thread_set_user_ldt` its own failure, -1.
/// - Anything else: `KERN_INVALID_ARGUMENT`.
///
/// # Safety
/// For `thread_fast_set_cthread_self`, as for [`current::adopt`]: the base comes from the
/// Darwin code the runtime runs, which must be trusted to give its own TSD.
pub unsafe fn dispatch(request: Request, is_64bit: bool) -> Reply {
    match request {
        Request::ThreadFastSetCthreadSelf { base } => {
            let result = if is_64bit {
                // SAFETY: passed on to the caller.
                unsafe { thread_fast_set_cthread_self64(base) }
            } else {
                // SAFETY: passed on to the caller.
                unsafe { thread_fast_set_cthread_self(tsd_base_kept(base, false) as u32) }
            };
            match result {
                Ok(selector) => Reply::kern(selector as kern_return_t),
                Err(_) => Reply::kern(KERN_FAILURE),
            }
        }
        Request::Ldt { .. } => Reply::bsd_error(DarwinErrno::ENOSYS),
        // Answers -1 (its own failure value) or a selector, flags untouched.
        Request::ThreadSetUserLdt { .. } => Reply::kern(-1),
        Request::HypervisorTrap { .. } | Request::Invalid { .. } => {
            Reply::kern(KERN_INVALID_ARGUMENT)
        }
    }
}

/// Decodes and carries out an x86-64 machdep `syscall` ([`decode64`], [`dispatch`]); `None`
/// if `rax` is not a machdep call.
///
/// # Safety
/// As for [`dispatch`].
pub unsafe fn machdep_syscall64(rax: u64, rdi: u64, rsi: u64, rdx: u64) -> Option<Reply> {
    let request = decode64(rax, rdi, rsi, rdx)?;
    // SAFETY: passed on to the caller.
    Some(unsafe { dispatch(request, true) })
}

/// Decodes and carries out an i386 `int $0x82` ([`decode32`], [`dispatch`]).
///
/// # Safety
/// As for [`dispatch`].
pub unsafe fn machdep_syscall32(eax: u32, stack: &[u32]) -> Reply {
    match decode32(eax, stack) {
        // SAFETY: passed on to the caller.
        Ok(request) => unsafe { dispatch(request, false) },
        Err(reply) => reply,
    }
}
