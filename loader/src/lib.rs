//! The runtime that composes the other darling-rs crates.
//!
//! **Not implemented yet.** This crate will load a Mach-O executable, bind its imports
//! to shims and run it, doing the jobs of Darling's `mldr` and `dyld`.
#![deny(missing_docs)]
