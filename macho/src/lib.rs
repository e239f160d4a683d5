//! Zero-copy Mach-O and fat (universal) binary parsing.
//!
//! **Not implemented yet.** This crate will hold the readers every later piece of
//! darling-rs needs to look inside a Mach-O file: thin headers in both byte orders and
//! both word sizes, `FAT_MAGIC`/`FAT_MAGIC_64` slices, every load command in XNU's
//! `mach-o/loader.h`, segments and sections, nlist symbols, dylib dependencies, the
//! exports trie, rebase/bind opcode streams, chained fixups and the code signature.
//!
//! It reads borrowed bytes in place and never panics on hostile input: every error is a
//! typed value that says where the file went wrong and what was expected.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
