//! The commpage: XNU's read-only page of system facts.
//!
//! **Not implemented yet.** This crate will describe the commpage layout at its fixed
//! addresses, fill it from the host CPU (capabilities, CPU counts, cache line size,
//! memory size, time data), map it and read it back.
#![deny(missing_docs)]
