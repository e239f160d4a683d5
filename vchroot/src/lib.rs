//! Virtual chroot: Darwin paths inside a Linux prefix.
//!
//! **Not implemented yet.** This crate will expand a Darwin path into the Linux path it
//! names under a prefix (following symlinks inside the prefix, clamping `..` at its root,
//! letting `/Volumes/SystemRoot` reach the host) and unexpand a Linux path back. It
//! resolves one component at a time against held directory descriptors, so no path can
//! escape the prefix.
#![deny(missing_docs)]
