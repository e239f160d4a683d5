//! The Mach message ABI of 64-bit XNU user space (x86_64 and arm64), as data: no kernel,
//! no allocation, `no_std`.
//!
//! Everything that reads or writes a Mach message in darling-rs — the in-process kernel of
//! `darling-mach-ipc`, its notifications and bootstrap server, the runtime MIG-generated
//! code runs on, tests, benches and examples — takes the layout from here, so the layout
//! assertions in [`wire`] guard the code that runs.
//!
//! - [`consts`]: XNU's constants and scalar types under XNU's names (`kern_return_t` codes,
//!   `mach_msg` options, dispositions, port types, notification ids…), its function-like
//!   macros as `const fn`s, and [`KernReturn`].
//! - [`wire`]: `#[repr(C)]` zerocopy structs for headers, descriptors, trailers,
//!   notifications, `mig_reply_error_t` and port attributes, with offsets checked at compile
//!   time against XNU's.
//! - [`message`]: working with message bytes: reading a value at an offset, walking the
//!   descriptors of a complex message as XNU does, and writing or reading a message field
//!   after field ([`message::MessageWriter`], [`message::MessageReader`]).
//!
//! ```
//! use darling_mach_abi::consts::*;
//! use darling_mach_abi::message::{Descriptor, Descriptors, MessageWriter};
//! use darling_mach_abi::wire::MachMsgHeader;
//!
//! // A complex message carrying one send right and four bytes of inline data.
//! let mut buf = [0u8; 64];
//! let mut w = MessageWriter::new(&mut buf);
//! w.header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0x103, 0, 1000)?;
//! w.body(1)?;
//! w.port(0x207, MACH_MSG_TYPE_MAKE_SEND)?;
//! w.put(&42u32)?;
//! let size = w.finish();
//! assert_eq!(size, 44);
//!
//! let header = MachMsgHeader::read(&buf).unwrap();
//! assert!(header.is_complex());
//! let descriptors: Vec<_> = Descriptors::in_message(&buf[..44]).collect::<Result<_, _>>()?;
//! assert!(matches!(descriptors[0].1, Descriptor::Port(p) if p.name == 0x207));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod consts;
pub mod message;
pub mod wire;

pub use consts::KernReturn;
