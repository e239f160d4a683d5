//! Thread-local storage for Darwin code running on Linux.
//!
//! **Not implemented yet.** This crate will hold the machine-dependent calls
//! (`thread_fast_set_cthread_self`), GS base get/set on x86-64, Apple's TSD slot layout,
//! and the rules that let it live beside glibc's FS-based TLS.
#![deny(missing_docs)]
