//! wrapgen: wrappers that make a host library's exports reachable from Mach-O code.
//!
//! A [`Plan`] decides, once, what is wrapped and under which version; [`c`] writes it as the C
//! file Darling compiles into a Mach-O wrapper dylib, [`rust`] as a module for a Rust runtime.
//! Both are deterministic: the same library gives the same bytes.
//!
//! # What is wrapped, and how this differs from Darling's wrapgen
//! - Every export another object can bind to: global, weak and unique bindings, default and
//!   protected visibility. Darling's tool keeps only `STB_GLOBAL` + `STV_DEFAULT` functions and
//!   objects, so weak functions (glibc's `gettimeofday`, `environ`) and indirect functions
//!   (`strlen`, `time`) silently go missing from its wrappers.
//! - Functions and indirect functions get a resolver (for an indirect function the host loader
//!   runs its selector, so callers land on the chosen implementation). Objects and thread-local
//!   variables get an accessor returning their address (the calling thread's instance for TLS).
//!   Untyped (`STT_NOTYPE`) and absolute exports (the version nodes a version script defines)
//!   are not wrapped: nothing says whether they are code or data. They are listed as
//!   [`Skipped`].
//! - **Versions.** A name may be defined once per version. `dlsym` (all the `elf_calls` table
//!   offers C wrappers) finds the default definition, `name@@VERSION`, or the unversioned one;
//!   so each name is wrapped once, by that definition, and the plan records its version. A name
//!   defined only in hidden versions (`name@VERSION`, kept for old binaries) is unreachable by
//!   `dlsym` and is skipped ([`SkipReason::HiddenVersionsOnly`]) instead of becoming a wrapper
//!   that aborts when called. The Rust wrappers call `dlvsym` with the recorded version, so they
//!   bind exactly the definition seen when they were generated, as a linker would; a later
//!   library whose default moved on does not change them. Darling's tool ignores versions, and
//!   its duplicates collapse by name.
//! - Names that are not C identifiers (`demo.dotted`) are wrapped through assembler labels;
//!   generated helpers use a prefix no export uses, so an export named like a helper cannot
//!   break the build. A resolver called before the wrapper's initialiser (dyld may bind first)
//!   opens the library itself instead of passing a NULL handle.

pub mod c;
pub mod rust;

use crate::error::Error;
use crate::shared_object::SharedObject;
use crate::symbol::{Placement, SymbolKind, VersionedName};

/// How a wrapped export is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// A function: callers bind to its address.
    Function,
    /// An indirect function: the host loader calls its selector and returns the chosen code.
    IndirectFunction,
    /// A variable: reached through an accessor returning its address.
    Object,
    /// A thread-local variable: its accessor returns the calling thread's instance.
    ThreadLocal,
}

impl ExportKind {
    /// Whether callers call it (a function or indirect function) rather than read it.
    pub fn is_code(self) -> bool {
        matches!(self, Self::Function | Self::IndirectFunction)
    }
}

/// One export the plan wraps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'data> {
    /// The ELF name (without the leading underscore Mach-O names have).
    pub name: &'data [u8],
    /// The version of the definition wrapped: its default version, or `None` when unversioned.
    pub version: Option<&'data [u8]>,
    /// How it is reached.
    pub kind: ExportKind,
}

impl Entry<'_> {
    /// `name@@VERSION` or `name`, for comments and messages.
    pub fn display_name(&self) -> VersionedName<'_> {
        VersionedName::new(
            self.name,
            self.version.map(|name| crate::SymbolVersion {
                name,
                hidden: false,
            }),
        )
    }
}

/// Why an export is not wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Every definition of the name is in a hidden version (`name@VERSION`): `dlsym` cannot
    /// find it.
    HiddenVersionsOnly,
    /// An absolute symbol (such as a version node): not an address in the library.
    Absolute,
    /// No type (`STT_NOTYPE`) or a type that is neither code nor data: it is not known whether
    /// to call it or read it.
    Untyped,
    /// The name contains a NUL-free byte sequence no C string or assembler label can carry (a
    /// double quote, a backslash, a control byte, or bytes that are not UTF-8).
    Unrepresentable,
}

impl SkipReason {
    /// Why, in a few words (for the comments generated wrappers list skipped exports in).
    pub fn describe(self) -> &'static str {
        match self {
            Self::HiddenVersionsOnly => "only hidden versions, which dlsym cannot find",
            Self::Absolute => "absolute symbol",
            Self::Untyped => "no type: neither code nor data",
            Self::Unrepresentable => "name cannot be written in C or Rust",
        }
    }
}

/// An export the plan leaves out, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped<'data> {
    /// The ELF name.
    pub name: &'data [u8],
    /// Why.
    pub reason: SkipReason,
}

/// What a wrapper for one library holds: its load name, and its exports, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'data> {
    /// The name the wrapper loads the library by: its SONAME, or the file name given to
    /// [`Plan::new`] when it has none.
    pub load_name: &'data [u8],
    /// Whether [`Plan::load_name`] is the file's name because the library has no SONAME.
    pub load_name_from_file: bool,
    /// Functions and indirect functions, sorted by name, each name once.
    pub functions: Vec<Entry<'data>>,
    /// Variables and thread-local variables, sorted by name, each name once.
    pub variables: Vec<Entry<'data>>,
    /// Exports left out, sorted by name, each name once.
    pub skipped: Vec<Skipped<'data>>,
}

impl<'data> Plan<'data> {
    /// Plans the wrapper for `object`, loaded by `file_name` (the library's file name, without
    /// directories) when it has no SONAME.
    ///
    /// # Errors
    /// [`Error::NoDynamicSymbols`] when the file has no `.dynsym`, and
    /// [`Error::NothingToWrap`] when it exports no function and no variable.
    pub fn new(object: &SharedObject<'data>, file_name: &'data [u8]) -> Result<Self, Error> {
        if !object.has_dynamic_symbols() {
            return Err(Error::NoDynamicSymbols);
        }
        let (load_name, load_name_from_file) = match object.soname() {
            Some(soname) if !soname.is_empty() => (soname, false),
            _ => (file_name, true),
        };
        let mut exports: Vec<_> = object.exports().collect();
        // Per name: the default (or unversioned) definition first, then by table order.
        exports.sort_by_key(|s| (s.name, s.version.is_some_and(|v| v.hidden), s.index));
        let mut plan = Plan {
            load_name,
            load_name_from_file,
            functions: Vec::new(),
            variables: Vec::new(),
            skipped: Vec::new(),
        };
        for (i, symbol) in exports.iter().enumerate() {
            if i > 0 && exports[i - 1].name == symbol.name {
                continue; // one entry per name: the first is the one dlsym finds
            }
            let skip = |reason| Skipped {
                name: symbol.name,
                reason,
            };
            if !representable(symbol.name) {
                plan.skipped.push(skip(SkipReason::Unrepresentable));
                continue;
            }
            if symbol.version.is_some_and(|v| v.hidden) {
                plan.skipped.push(skip(SkipReason::HiddenVersionsOnly));
                continue;
            }
            if symbol.placement == Placement::Absolute {
                plan.skipped.push(skip(SkipReason::Absolute));
                continue;
            }
            let kind = match symbol.kind {
                SymbolKind::Function => ExportKind::Function,
                SymbolKind::Ifunc => ExportKind::IndirectFunction,
                SymbolKind::Object | SymbolKind::Common => ExportKind::Object,
                SymbolKind::Tls => ExportKind::ThreadLocal,
                _ => {
                    plan.skipped.push(skip(SkipReason::Untyped));
                    continue;
                }
            };
            let entry = Entry {
                name: symbol.name,
                version: symbol.version.map(|v| v.name),
                kind,
            };
            if kind.is_code() {
                plan.functions.push(entry);
            } else {
                plan.variables.push(entry);
            }
        }
        if plan.functions.is_empty() && plan.variables.is_empty() {
            return Err(Error::NothingToWrap(
                String::from_utf8_lossy(plan.load_name).into_owned(),
            ));
        }
        Ok(plan)
    }

    /// The first lines' facts: which generator, from what, how much is wrapped.
    fn banner(&self) -> (String, String) {
        (
            format!(
                "Generated by darling-elfbridge wrapgen {} from {}. Do not edit.",
                env!("CARGO_PKG_VERSION"),
                String::from_utf8_lossy(self.load_name)
            ),
            format!(
                "{} functions, {} variables wrapped; {} exports not wrapped.",
                self.functions.len(),
                self.variables.len(),
                self.skipped.len()
            ),
        )
    }

    /// Every wrapped entry: functions, then variables.
    pub fn entries(&self) -> impl Iterator<Item = &Entry<'data>> + '_ {
        self.functions.iter().chain(&self.variables)
    }
}

/// Whether a name can be written inside a C string, an assembler label and a Rust C-string
/// literal without loss: printable ASCII other than `"` and `\`, or UTF-8 letters.
fn representable(name: &[u8]) -> bool {
    !name.is_empty()
        && std::str::from_utf8(name)
            .is_ok_and(|s| s.chars().all(|c| !c.is_control() && c != '"' && c != '\\'))
}

/// The prefix for generated helper names that no wrapped name starts with:
/// `__darling_elf_`, or `__darling_elf2_`, `__darling_elf3_`… if a library uses it.
fn helper_prefix(plan: &Plan<'_>) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                "__darling_elf_".to_owned()
            } else {
                format!("__darling_elf{n}_")
            }
        })
        .find(|prefix| {
            !plan
                .entries()
                .any(|e| e.name.starts_with(prefix.as_bytes()))
        })
        .unwrap_or_default()
}

/// Whether `name` is an identifier in C and Rust syntax (`[A-Za-z_][A-Za-z0-9_]*`).
fn is_identifier(name: &[u8]) -> bool {
    matches!(name.first(), Some(b'A'..=b'Z' | b'a'..=b'z' | b'_'))
        && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}
