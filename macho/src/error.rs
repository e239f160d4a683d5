//! The one error type of the crate: what went wrong, where in the file, and what was expected.

/// An error found while reading a Mach-O or fat file.
///
/// Every variant carries the file offset (relative to the start of the buffer given to the
/// parser) where the problem is, so that a tool can point at the bad bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A structure extends past the end of the data.
    #[error("{what} at offset {offset:#x} needs {size} bytes but only {available} remain")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where it starts.
        offset: u64,
        /// How many bytes it needs.
        size: u64,
        /// How many bytes there are from `offset` to the end.
        available: u64,
    },
    /// The first four bytes are no Mach-O or fat magic number.
    #[error("bad magic {magic:#010x} at offset {offset:#x}: expected a Mach-O or fat file")]
    BadMagic {
        /// Where the magic was read.
        offset: u64,
        /// The value found (read big-endian).
        magic: u32,
    },
    /// A fat file's slice table is inconsistent.
    #[error("fat slice {index} (offset {offset:#x}, size {size:#x}): expected {expected}")]
    BadFatArch {
        /// Index of the slice in the table.
        index: u32,
        /// The slice's offset.
        offset: u64,
        /// The slice's size.
        size: u64,
        /// What the slice should have been.
        expected: &'static str,
    },
    /// A load command is malformed.
    #[error("load command {index} (cmd {cmd:#x}) at offset {offset:#x}: expected {expected}")]
    BadLoadCommand {
        /// Index of the command.
        index: u32,
        /// Its `cmd` value.
        cmd: u32,
        /// Its file offset.
        offset: u64,
        /// What the command should have been.
        expected: &'static str,
    },
    /// A count in the file is larger than the format, or this crate, allows.
    #[error("{what} at offset {offset:#x}: {found} {items}, expected at most {max}")]
    TooMany {
        /// What was being read.
        what: &'static str,
        /// Where the count is.
        offset: u64,
        /// The count found.
        found: u64,
        /// What is counted (`"slices"`).
        items: &'static str,
        /// The largest count allowed.
        max: u64,
    },
    /// Some data (symbol table, string, opcode stream, trie, fixup chain, signature) is
    /// malformed.
    #[error("{what} at offset {offset:#x}: expected {expected}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// Where the problem is.
        offset: u64,
        /// What was expected there.
        expected: &'static str,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
