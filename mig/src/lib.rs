//! A MIG (Mach Interface Generator) for Rust.
//!
//! **Not implemented yet.** This crate will parse `.defs` files (with the subset of the
//! C preprocessor they use) and generate Rust client stubs and server demultiplexers
//! whose messages are byte-for-byte what Apple's MIG produces. It is meant to be called
//! from a `build.rs`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
