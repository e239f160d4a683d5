//! The ELF bridge: how Mach-O code calls host Linux libraries.
//!
//! Darling's loader (mldr) is an ordinary Linux program, so it can `dlopen` host libraries;
//! Mach-O code cannot, because dyld knows nothing of ELF. The bridge has three parts, one module
//! each here:
//!
//! - **Reading host libraries** ([`SharedObject`]): the SONAME, the NEEDED list and every
//!   dynamic symbol with its type, binding, visibility and version, zero-copy over the file's
//!   bytes with the `object` crate. [`nm`] lists them exactly as `llvm-nm -D` does.
//! - **wrapgen** ([`wrapgen`]): from a library, the C file Darling compiles into a Mach-O
//!   wrapper dylib (a loader handle and one symbol resolver per function), or the same for a Rust
//!   runtime.
//! - **`elf_calls`** ([`calls`], [`applep`]): the table of host functions the loader hands to
//!   Mach-O code, in Darling's member order, and the `elf_calls=<address>` apple string that
//!   carries its address; [`threads`] implements the table's thread members (Darwin threads
//!   on host threads, x86-64).
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod applep;
pub mod calls;
mod error;
pub mod host;
pub mod nm;
mod shared_object;
mod symbol;
pub mod system;
#[cfg(target_arch = "x86_64")]
pub mod threads;
pub mod wrapgen;
mod wrapped;

pub use calls::ElfCalls;
pub use error::{Context, Error};
pub use host::{DlError, Library};
pub use shared_object::{SectionInfo, SharedObject, Target};
pub use symbol::{
    Binding, DynamicSymbol, Placement, SymbolKind, SymbolVersion, VersionedName, Visibility,
};
pub use wrapped::{Export, Wrapped};
