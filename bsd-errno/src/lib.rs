//! Linux ↔ Darwin (BSD, XNU) errno and signal numbers: names, messages, translation.
//!
//! A macOS program running on Linux (under Darling or any runtime built on darling-rs) makes
//! Darwin system calls that are carried out by Linux ones. Linux reports failures with its own
//! errno numbers, which differ from Darwin's for most errors past 34 (and for 11, where Linux
//! `EAGAIN` is Darwin `EDEADLK`), and numbers its signals differently too. This crate holds
//! both numberings and the translation between them.
//!
//! - [`LinuxErrno`] and [`DarwinErrno`]: transparent `i32` newtypes with a constant for every
//!   value (`LinuxErrno::ENOENT`), [`name`](DarwinErrno::name),
//!   [`message`](DarwinErrno::message) (glibc's and Apple's `strerror` text),
//!   [`from_name`](DarwinErrno::from_name), parsing and display.
//! - [`linux_to_darwin`], [`linux_to_darwin_in`] (with a [`CallContext`]) and
//!   [`darwin_to_linux`]: sign-preserving table lookups, total over `i32`. The `*_detailed`
//!   forms also say whether the answer is the same error, the nearest one, or the input
//!   passed through unchanged ([`Fidelity`]).
//! - [`LinuxSignal`] and [`DarwinSignal`], [`linux_signal_to_darwin`] and
//!   [`darwin_signal_to_linux`], and the signal sets [`LinuxSigSet`] and [`DarwinSigSet`].
//!
//! ```
//! use darling_bsd_errno::{DarwinErrno, LinuxErrno, linux_to_darwin};
//!
//! // A Linux syscall failed with -EOWNERDEAD; the Darwin caller must see -EOWNERDEAD too.
//! let linux = LinuxErrno::from_raw(-130);
//! let darwin = linux_to_darwin(linux);
//! assert_eq!(darwin, DarwinErrno::from_raw(-105));
//! assert_eq!(darwin.to_string(), "-EOWNERDEAD (-105)");
//! assert_eq!(darwin.message(), Some("Previous owner died"));
//!
//! // Names and numbers from text, as a command line gives them.
//! assert_eq!("EAGAIN".parse::<LinuxErrno>()?.to_darwin(), DarwinErrno::EAGAIN);
//! assert!("EFOO".parse::<LinuxErrno>().is_err());
//! # Ok::<(), darling_bsd_errno::ParseError>(())
//! ```
//!
//! # Compared with Darling
//! Darling's `errno_linux_to_bsd` is the baseline (same sign rule, same pass-through of
//! numbers it does not know), but its table leaves 47 Linux values unmapped, 31 of which then
//! mean another Darwin error. Here every value has a documented answer; [`translate`]'s module
//! documentation and [`signal`]'s list the differences, and `tests/darling.rs` checks each.
//!
//! The crate is `no_std` and never allocates.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod darwin;
mod error;
mod linux;
pub mod signal;
mod sigset;
mod table;
pub mod translate;

pub use darwin::DarwinErrno;
pub use error::{Excerpt, ParseError, Table};
pub use linux::LinuxErrno;
pub use signal::{DarwinSignal, LinuxSignal, darwin_signal_to_linux, linux_signal_to_darwin};
pub use sigset::{DarwinSigSet, LinuxSigSet};
pub use translate::{
    CallContext, Fidelity, Translation, darwin_to_linux, darwin_to_linux_detailed, linux_to_darwin,
    linux_to_darwin_detailed, linux_to_darwin_in,
};

impl core::error::Error for DarwinErrno {}
impl core::error::Error for LinuxErrno {}
