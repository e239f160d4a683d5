//! The errors of this crate.

use std::fmt;

/// Why an ELF file could not be read, a wrapper not generated, or an `elf_calls` string not
/// parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not start with an ELF header (`\x7fELF`).
    #[error("not an ELF file (expected the magic bytes 7f 45 4c 46)")]
    NotElf,
    /// An ELF file of a class or byte order this crate does not read.
    #[error("unsupported ELF file: expected a 32- or 64-bit ELF class with a known byte order")]
    UnsupportedElf,
    /// A part of the file is malformed: out of bounds, misaligned, or inconsistent.
    #[error("malformed ELF file: {what}: {source}")]
    Malformed {
        /// The part that could not be read.
        what: Context,
        /// What the `object` crate found wrong with it.
        source: object::read::Error,
    },
    /// The `PT_DYNAMIC` segment of a file without section headers cannot be followed.
    #[error("malformed ELF file: the dynamic segment: {0}")]
    BadDynamicSegment(&'static str),
    /// The file has no dynamic symbol table (`.dynsym`), so nothing can be imported from it.
    #[error("no dynamic symbol table: expected a shared object with a .dynsym section")]
    NoDynamicSymbols,
    /// The library exports no function, so a wrapper would be empty (Darling's wrapgen fails too).
    #[error("no exported functions found in {0}")]
    NothingToWrap(String),
    /// An `elf_calls=` string from the apple strings could not be parsed.
    #[error("bad elf_calls string: {0}")]
    Applep(#[from] crate::applep::ApplepError),
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Which part of an ELF file an [`Error::Malformed`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Context {
    /// The ELF file header.
    Header,
    /// The section header table or the section name string table.
    Sections,
    /// The program header table.
    ProgramHeaders,
    /// The dynamic section or `PT_DYNAMIC` segment.
    Dynamic,
    /// The dynamic symbol table or its string table.
    Symbols,
    /// The name of the dynamic symbol with this index.
    SymbolName(usize),
    /// The version (`.gnu.version`, `.gnu.version_d`, `.gnu.version_r`) of the symbol with this
    /// index, or the version tables as a whole.
    Version(Option<usize>),
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header => f.write_str("the file header"),
            Self::Sections => f.write_str("the section headers"),
            Self::ProgramHeaders => f.write_str("the program headers"),
            Self::Dynamic => f.write_str("the dynamic section"),
            Self::Symbols => f.write_str("the dynamic symbol table"),
            Self::SymbolName(i) => write!(f, "the name of dynamic symbol {i}"),
            Self::Version(Some(i)) => write!(f, "the version of dynamic symbol {i}"),
            Self::Version(None) => f.write_str("the symbol version tables"),
        }
    }
}

impl Error {
    /// A malformed-file error from the `object` crate's message.
    pub(crate) fn malformed(what: Context, error: object::read::Error) -> Self {
        Self::Malformed {
            what,
            source: error,
        }
    }
}
