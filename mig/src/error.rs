//! Errors: every failure names where in the input it was found.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cpp::PreprocessError;
use crate::parser::SyntaxError;
use crate::types::SemanticError;

/// A place in a `.defs` file (or a file it includes): file name as given or found, 1-based
/// line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file's path as it was opened (or the name given to an in-memory source).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in bytes).
    pub column: u32,
}

impl Location {
    /// A location in `file`.
    pub fn new(file: impl Into<Arc<str>>, line: u32, column: u32) -> Location {
        Location {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Anything that stops a `.defs` file from being compiled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The preprocessor refused the text (bad directive, `#error`, missing include, …).
    #[error("{location}: {kind}")]
    Preprocess {
        /// Where.
        location: Location,
        /// What.
        kind: PreprocessError,
    },
    /// The text is not the MIG language.
    #[error("{location}: {kind}")]
    Syntax {
        /// Where.
        location: Location,
        /// What.
        kind: SyntaxError,
    },
    /// The text parses but means nothing MIG can lay out (unknown type, bad array, …).
    #[error("{location}: {kind}")]
    Semantic {
        /// Where.
        location: Location,
        /// What.
        kind: SemanticError,
    },
    /// The Rust generator cannot express this (native C types, arrays of out-of-line
    /// arrays); the layout tables still can.
    #[error("{location}: {what} is not supported by the Rust generator")]
    Unsupported {
        /// Where.
        location: Location,
        /// What.
        what: String,
    },
    /// The generated code could not be written ([`crate::generate_to`],
    /// [`crate::Builder::generate_to`]).
    #[error("cannot write the generated code: {0}")]
    Write(#[source] std::io::Error),
}

impl Error {
    /// Where in the input the error was found (`None` for I/O errors).
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Io { .. } | Error::Write(_) => None,
            Error::Preprocess { location, .. }
            | Error::Syntax { location, .. }
            | Error::Semantic { location, .. }
            | Error::Unsupported { location, .. } => Some(location),
        }
    }
}
