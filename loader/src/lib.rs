//! A Mach-O runtime for Linux, composed of the other darling-rs crates: the jobs of
//! Darling's `mldr` (map the executable, set up the process) and `dyld` (bind its imports).
//!
//! Three steps, each usable alone:
//!
//! 1. [`Plan::new`] reads an x86-64 executable (or the x86_64 slice of a fat file) and
//!    decides, from the bytes alone, everything loading it needs: segments and protections,
//!    entry point, libraries, imports and fixups, whether the image describes them with
//!    dyld-info opcodes or chained fixups. It maps nothing and runs nothing, so it is safe
//!    to call on any bytes, and every refusal is a [`PlanError`].
//! 2. [`Shims`] gives each import an address: the host's C library where the ABI is
//!    glibc's, the runtime's own shims otherwise; an import nothing provides is a
//!    [`LoadError`] before anything runs.
//! 3. [`LoadedImage::load`] maps the image and writes its fixups; [`call_main`] enters it.
//!
//! `unsafe` lives in two small modules at the edge: mapping memory (`image`) and jumping
//! into the loaded code (`run`).
//!
//! ```
//! use darling_loader::{Plan, PlanError};
//!
//! // Not a Mach-O: refused before anything is mapped.
//! assert!(matches!(Plan::new(b"\x7fELF\x02\x01\x01"), Err(PlanError::NotMachO { .. })));
//! ```
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod host;
mod image;
pub mod mach;
pub mod plan;
mod run;
pub mod shims;
pub mod threads;
pub mod trace;
pub mod translate;

pub use image::LoadedImage;
#[cfg(target_arch = "x86_64")]
pub use run::run_main;
pub use run::{DEFAULT_STACK_SIZE, call_main};
pub use shims::{LIB_SYSTEM, LoadError, Shims};

pub use plan::{
    Fixup, FixupFormat, FixupKind, Import, ImportSource, PAGE_SIZE, Plan, PlanError, SegmentPlan,
};
