//! A Mach-O runtime for Linux, composed of the other darling-rs crates: the jobs of
//! Darling's `mldr` (map the executable, set up the process) and `dyld` (bind its imports).
//!
//! What exists so far is the first step, [`Plan`]: reading an x86-64 executable (or the
//! x86_64 slice of a fat file) and deciding, from the bytes alone, everything loading it
//! needs: segments and protections, entry point, libraries, imports and fixups, whether the
//! image describes them with dyld-info opcodes or chained fixups. It maps nothing and runs
//! nothing, so it is safe to call on any bytes, and every refusal is a [`PlanError`].
//!
//! ```
//! use darling_loader::{Plan, PlanError};
//!
//! // Not a Mach-O: refused before anything is mapped.
//! assert!(matches!(Plan::new(b"\x7fELF\x02\x01\x01"), Err(PlanError::NotMachO { .. })));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod plan;

pub use plan::{
    Fixup, FixupFormat, FixupKind, Import, ImportSource, PAGE_SIZE, Plan, PlanError, SegmentPlan,
};
