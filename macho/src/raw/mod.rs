//! The on-disk structures and constants of Mach-O, named as in Apple's headers.
//!
//! Every structure is `#[repr(C)]`, has alignment 1 and is read in place from borrowed
//! bytes; multi-byte fields decode with the file's [`Endianness`](crate::Endianness). Sizes
//! are checked at compile time against the C definitions. Readers live in the parent crate;
//! nothing here interprets a value.

mod chained_fixups;
mod code_signature;
mod dyld_info;
mod header;
mod load_command;
mod symbol;
mod thread_state;

pub use chained_fixups::*;
pub use code_signature::*;
pub use dyld_info::*;
pub use header::*;
pub use load_command::*;
pub use symbol::*;
pub use thread_state::*;
