//! XNU's commpage for x86: the page of system facts every Apple binary reads at a fixed
//! address, laid out as XNU lays it out, filled from the Linux host as XNU fills it, and
//! mapped read-only where Apple's code looks for it.
//!
//! Apple's libc reads the commpage on its fast paths: `mach_absolute_time` and
//! `gettimeofday` compute the time from it without a system call, the string and memory
//! routines pick their SSE/AVX variants from `_cpu_capabilities`, `sysconf` takes CPU counts
//! from it. This crate:
//! - describes the data page ([`CommpageData`], every field of `cpu_capabilities.h` at its
//!   offset, asserted at compile time; [`consts`] has XNU's names for every number);
//! - fills it from the host ([`Commpage::from_host`]): the capability word from CPUID as
//!   XNU folds it ([`Capabilities`]), CPU counts, cache line size, memory size,
//!   `hw.cpufamily`, page shifts, and the time data ([`time`]) kept in step with
//!   `CLOCK_MONOTONIC` and `CLOCK_REALTIME`;
//! - maps it ([`Commpage::map`]) read-only at `0x7fffffe00000` (or `0xffff0000`; sealed so
//!   that `mprotect` cannot make it writable), with a writable view elsewhere through which
//!   [`MappedCommpage::refresh_time`] updates the time under XNU's generation protocol (a
//!   forked child shares the page, and leaves the updates to the parent);
//! - reads it back from any byte slice (`CommpageData::ref_from_bytes`, [`time::nanotime`],
//!   [`time::gettimeofday`]).
//!
//! ```
//! use darling_commpage::{Arch, Commpage, consts::*};
//!
//! let page = Commpage::from_host(Arch::X86_64)?;
//! let data = page.data();
//! assert_eq!(data.signature_str(), b"commpage 64-bit");
//! assert_eq!(data.version.get(), _COMM_PAGE_THIS_VERSION);
//! let caps = page.capabilities();
//! assert!(caps.has(kHasSSE2) && caps.has(kFastThreadLocalStorage));
//! assert_eq!(caps.num_cpus(), data.ncpus());
//! // Time as Apple's mach_absolute_time computes it from the page.
//! let now = darling_commpage::time::nanotime(&data.time_data, darling_commpage::rdtsc());
//! assert!(now > 0);
//! # Ok::<(), darling_commpage::Error>(())
//! ```
//!
//! # Compared with Darling
//! Darling's `mldr` fills the page once, with several mistakes; `tests/darling.rs` shows
//! each against this crate on the same processors:
//! - CPUID leaf 1's ECX and EDX are swapped, so MMX, SSE, SSE2, SSE3, SSSE3, FMA, SSE4.1,
//!   SSE4.2, AES, AVX, F16C and RDRAND come from the wrong bits (SSE4.2 and RDRAND never
//!   set, AVX set from Hyper-Threading), and `k64Bit` from RDRAND;
//! - leaf 7 is read without a sub-leaf, so AVX2, BMI1/2, ERMS, RTM, HLE, RDSEED and ADX are
//!   usually missing;
//! - `_COMM_PAGE_NCPUS` is overwritten with 0 (and `kNumCPUs` is 0);
//! - the cache line size, `kCache*`, `kFastThreadLocalStorage`, `kSlow`, the AVX-512 bits
//!   and `hw.cpufamily` are never set; MPX and SGX are advertised, which XNU never does;
//!   `hw.physicalcpu_max` is the logical count;
//! - the time data stays zero, so `mach_absolute_time` from the page spins for ever and
//!   every `gettimeofday` makes the system call;
//! - the page is private and writable, where XNU's is read-only.
#![deny(missing_docs)]

pub mod caps;
pub mod consts;
pub mod cpuid;
mod error;
pub mod host;
pub mod layout;
mod map;
mod page;
pub mod time;

pub use caps::{AVX512_GATED, CAPABILITIES, Capabilities, Capability, CpuFacts, Machine, OsState};
pub use cpuid::{CpuidSource, CpuidTable, HostCpuid, Regs, rdtsc};
pub use error::Error;
pub use host::HostCounts;
pub use layout::{CommpageData, CommpageTimeData, NewCommpageTimeofdayData};
pub use map::{MappedCommpage, Refresher};
pub use page::{Arch, Commpage, FillOptions, Host};
pub use time::{Clock, TimeVal};
