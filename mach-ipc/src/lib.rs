//! Mach ports, rights and messages with XNU's semantics.
//!
//! **Not implemented yet.** This crate will hold IPC spaces and their names, port rights
//! (receive, send, send-once, port set, dead name) with user references, `mach_msg`
//! send and receive with XNU's return codes, complex messages carrying port and
//! out-of-line descriptors, notifications, special ports and a bootstrap server.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
