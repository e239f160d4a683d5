//! Apple's thread-local storage for Darwin code on Linux, beside glibc's.
//!
//! Apple's x86-64 code reaches its per-thread data through GS: `gs:[slot * 8]` is slot
//! `slot` of the thread's TSD, an array of 768 pointers at the end of its `pthread_s`
//! (`pthread_self`, the `errno` pointer, the MIG reply port, the Mach thread port, …).
//! glibc, and so Rust's `thread_local!`, use FS. A runtime gives every thread that runs
//! Darwin code both. This crate:
//! - sets and reads the GS base ([`gs`]): `arch_prctl(ARCH_SET_GS)` everywhere, `wrgsbase`
//!   (no system call) only where the kernel enabled FSGSBASE and says so in `AT_HWCAP2`;
//!   on i386, a GDT TLS entry loaded into FS, Darling's choice, since glibc holds GS there
//!   (the `i386` module, built for i386 targets);
//! - lays out the TSD as Apple does ([`TsdBlock`], [`layout`], [`slots`] with XNU's and
//!   libpthread's names), with the `pthread_s` fields Apple's code reads through GS at
//!   negative offsets;
//! - keeps each thread's TSD ([`install`], [`adopt`], [`get`], [`set`], [`get_direct`]), frees
//!   it when the thread exits, and puts a signal handler's changes back ([`Preserve`]);
//! - decodes and carries out XNU's machdep calls ([`machdep`]), among them
//!   `thread_fast_set_cthread_self`, the trap (`0x3000003`) Apple's libpthread points GS with.
//!
//! ```
//! # #[cfg(target_arch = "x86_64")] {
//! use darling_tls::slots::{__TSD_ERRNO, __TSD_MIG_REPLY, __TSD_THREAD_SELF};
//!
//! let block = darling_tls::install()?; // GS -> this thread's TSD
//! darling_tls::set(__TSD_MIG_REPLY, 0x1503)?;
//! // What Apple's mig_get_reply_port reads: `mov rax, gs:[2 * 8]`.
//! // SAFETY: install pointed GS at this thread's block just above.
//! assert_eq!(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) }, 0x1503);
//! assert_eq!(darling_tls::get(__TSD_THREAD_SELF), Some(block.pthread()));
//! assert_eq!(darling_tls::get(__TSD_ERRNO), Some(block.errno_address()));
//! // glibc's TLS is untouched: FS still holds its thread pointer.
//! thread_local!(static MINE: u32 = 7);
//! assert_eq!(MINE.with(|m| *m), 7);
//! # }
//! # Ok::<(), darling_tls::Error>(())
//! ```
//!
//! The kernel keeps each thread's GS base across context switches; a new thread and a forked
//! child start with their creator's; a signal handler runs with the interrupted code's, and
//! on x86-64 `rt_sigreturn` does not put it back if the handler changed it.
//!
//! # Compared with Darling
//! - Darling's machdep dispatcher masks the call number to 8 bits, reads past its 10-entry
//!   table, answers unknown calls with Linux's `-ENOSYS`, returns nothing (not
//!   `USER_CTHREAD`) from `thread_fast_set_cthread_self`, and leaves the old TSD in GS when
//!   `arch_prctl` refuses a base; [`machdep`] follows XNU in each.
//! - Darling always sets GS with `arch_prctl`; this crate uses `wrgsbase` where the kernel
//!   allows it.
//! - Darling fills the TSD head of a new thread (`struct _dthread`) but takes the stack and
//!   thread id from its own bookkeeping; [`install`] takes them from the Linux thread.
#![deny(missing_docs)]

pub mod block;
mod current;
mod error;
#[cfg(target_arch = "x86_64")]
pub mod gs;
#[cfg(target_arch = "x86")]
pub mod i386;
pub mod layout;
pub mod machdep;
pub mod segment;
pub mod slots;

pub use block::TsdBlock;
pub use current::{
    Preserve, adopt, base, block, block_for_current_thread, get, install, install_block, owned,
    preserve, set, uninstall,
};
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
pub use current::{get_direct, set_direct};
pub use error::Error;
pub use slots::Slot;
