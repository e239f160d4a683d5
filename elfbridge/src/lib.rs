//! The ELF bridge: calling host ELF libraries from Mach-O code.
//!
//! **Not implemented yet.** This crate will read an ELF shared object (SONAME, exported
//! symbols and their versions), generate the wrappers Darling's `wrapgen` writes, and
//! build the `elf_calls` table together with the way it is handed over.
#![deny(missing_docs)]
