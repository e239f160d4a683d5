//! What generated Rust wrappers stand on: a host library opened on first use, and its table of
//! exports resolved by index or by Mach-O name.
//!
//! Unsafe only in passing: `Wrapped::new` is where a caller vouches for a library, and
//! `library()` relies on that to load it.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_void};
use std::ptr::NonNull;
use std::sync::OnceLock;

use crate::host::{DlError, Library};
use crate::wrapgen::ExportKind;

/// One export of a wrapped library, as a generated wrapper lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Export {
    /// The ELF name.
    pub name: &'static CStr,
    /// The version bound (`dlvsym`), or `None` for an unversioned definition (`dlsym`).
    pub version: Option<&'static CStr>,
    /// How it is reached.
    pub kind: ExportKind,
}

impl Export {
    /// An export (for generated tables).
    pub const fn new(
        name: &'static CStr,
        version: Option<&'static CStr>,
        kind: ExportKind,
    ) -> Self {
        Self {
            name,
            version,
            kind,
        }
    }
}

/// A host library with its generated export table: opened on first use, each export resolved
/// to the host address callers bind to (a variable's address; the calling thread's instance for
/// a thread-local one).
#[derive(Debug)]
pub struct Wrapped {
    load_name: &'static CStr,
    exports: &'static [Export],
    library: OnceLock<Result<Library, DlError>>,
}

impl Wrapped {
    /// A wrapper for the library loaded by `load_name`, whose exports (sorted by name) are
    /// `exports`.
    ///
    /// # Safety
    /// The library is loaded on first use, which runs its initialisers; the caller vouches for
    /// whatever library `load_name` finds.
    pub const unsafe fn new(load_name: &'static CStr, exports: &'static [Export]) -> Self {
        Self {
            load_name,
            exports,
            library: OnceLock::new(),
        }
    }

    /// The name the library is loaded by.
    pub fn load_name(&self) -> &'static CStr {
        self.load_name
    }

    /// The export table, sorted by name.
    pub fn exports(&self) -> &'static [Export] {
        self.exports
    }

    /// The library, opened now if it was not yet.
    ///
    /// # Errors
    /// The host loader's message if it cannot be loaded (kept: later calls give it again).
    pub fn library(&self) -> Result<&Library, DlError> {
        self.library
            .get_or_init(|| {
                // SAFETY: `Wrapped::new`'s caller vouched for the library.
                unsafe { Library::open(self.load_name) }
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The host address of export `index` of [`Wrapped::exports`].
    ///
    /// # Errors
    /// When the library cannot be loaded or no longer defines the export (under its version).
    ///
    /// # Panics
    /// If `index` is out of the table's range (generated code passes only its own indices).
    pub fn resolve_index(&self, index: usize) -> Result<NonNull<c_void>, DlError> {
        let export = &self.exports[index];
        let library = self.library()?;
        match export.version {
            Some(version) => library.versioned_symbol(export.name, version),
            None => library.symbol(export.name),
        }
    }

    /// The host address for a Mach-O import name (`_name`), or `None` if this library does not
    /// export it: what a loader binding a Mach-O image's imports asks.
    ///
    /// # Errors
    /// As [`Wrapped::resolve_index`].
    pub fn resolve(&self, macho_name: &[u8]) -> Option<Result<NonNull<c_void>, DlError>> {
        let name = macho_name.strip_prefix(b"_")?;
        let index = self
            .exports
            .binary_search_by(|e| e.name.to_bytes().cmp(name))
            .ok()?;
        Some(self.resolve_index(index))
    }
}
