//! Zero-copy, fuzz-hardened Mach-O, fat (universal) and static-archive parsing.
//!
//! Every later piece of darling-rs (the loader, dyld-style binding, the `darling otool`,
//! `nm` and `dyldinfo` tools) reads Mach-O through this crate. It views borrowed bytes in
//! place and never panics on hostile input: every problem is a typed [`Error`] that says
//! where the file went wrong and what was expected.
//!
//! ```no_run
//! use darling_macho::{Command, File};
//!
//! let data = std::fs::read("/bin/ls")?;
//! let macho = match File::parse(&data)? {
//!     File::MachO(m) => m,
//!     File::Fat(fat) => fat.macho(&fat.arch(0).expect("a slice"))?,
//!     _ => return Err("an archive, not an executable".into()),
//! };
//! for lc in macho.load_commands() {
//!     if let Command::Dylib(d) = lc?.parse()? {
//!         println!("{}", String::from_utf8_lossy(d.name.bytes()?));
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`raw`]: the on-disk structures and constants, named as in Apple's headers.
//! - [`File`], [`MachO`], [`FatFile`], [`Archive`]: entry points.
//! - [`LoadCommands`] and [`Command`]: the checked walk over load commands and their views.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod arch;
pub mod archive;
pub mod chained_fixups;
pub mod code_signature;
mod dyld_info;
mod dylib_name;
mod endian;
mod error;
mod exports_trie;
mod fat;
mod file;
mod hash;
pub mod leb128;
mod load_command;
pub mod raw;
mod read;
mod segment;
mod symbol;
mod thread_state;

pub use arch::{arch_from_name, arch_name};
pub use archive::{Archive, Member, MemberKind, Members};
pub use chained_fixups::{ChainedFixup, ChainedFixups, ChainedImport, ChainedImports, FixupTarget};
pub use code_signature::{Blob, CodeDirectory, CodeSignature};
pub use dyld_info::{Bind, BindKind, Binds, Rebase, Rebases};
pub use dylib_name::dylib_short_name;
pub use endian::{Endianness, I32, U16, U32, U64};
pub use error::{Error, Result};
pub use exports_trie::{
    EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT, Export, ExportKind, Exports, ExportsTrie, MAX_TRIE_DEPTH,
};
pub use fat::{FatArch, FatFile, MAX_FAT_ARCHES};
pub use file::{File, Header, MachO};
pub use load_command::{
    BuildTools, BuildVersion, Command, DyldInfo, Dylib, DylibKind, Dysymtab, EncryptionInfo,
    EntryPoint, FilesetEntry, Fvmfile, Fvmlib, LcStr, LinkeditData, LinkerOptions, LoadCommand,
    LoadCommands, Note, PreboundDylib, Routines, Symseg, Symtab, ThreadState, ThreadStates,
    TwolevelHints, VersionMin,
};
pub use segment::{Section, Sections, Segment};
pub use symbol::{Symbol, SymbolTable, Symbols};
pub use thread_state::ThreadStateView;
