//! The preprocessor's face: its configuration ([`Preprocessor`]: include directories, `-D`
//! and `-U`, where file text comes from) and what a run gives back ([`Preprocessed`]). A run
//! works on its own state ([`Run`]); it never changes the configuration.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::PREDEFINED_MACROS;
use super::include::{normalize, read_file};
use super::run::Run;
use crate::{Error, Location};

/// Reads a file's text; [`Preprocessor::source`] replaces the default (the filesystem).
type Reader = Arc<dyn Fn(&Path) -> io::Result<String> + Send + Sync>;

/// A `-D` or `-U`, replayed in order at the start of every run.
#[derive(Clone, Debug)]
enum Definition {
    Define(String, String),
    Undefine(String),
}

/// The preprocessor's configuration: include directories, predefined macros and where file
/// text comes from. Running it never changes it.
#[derive(Clone)]
pub struct Preprocessor {
    pub(super) include_dirs: Vec<PathBuf>,
    definitions: Vec<Definition>,
    pub(super) read: Reader,
}

impl fmt::Debug for Preprocessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Preprocessor")
            .field("include_dirs", &self.include_dirs)
            .field("definitions", &self.definitions)
            .finish_non_exhaustive()
    }
}

impl Default for Preprocessor {
    fn default() -> Preprocessor {
        Preprocessor::new()
    }
}

/// One line of the preprocessor's output ([`Preprocessed::lines`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The macro-expanded text: comments removed, tokens separated as in the source.
    pub text: String,
    /// The file and line where the logical line started (column 1).
    pub location: Location,
    /// Where each token of `text` came from, in order: errors about a token name its own
    /// line and column in the source, not its place in the re-spaced text. A token a macro
    /// produced carries the place of the macro's use.
    pub origins: Vec<Origin>,
}

/// Where a token of a preprocessed [`Line`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Byte offset of the token in [`Line::text`].
    pub offset: u32,
    /// Its 1-based line in the file the line came from.
    pub line: u32,
    /// Its 1-based column there.
    pub column: u32,
}

/// A `#warning` the preprocessor met in an active group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The directive's text.
    pub message: String,
    /// Where the directive is.
    pub location: Location,
}

/// What a run of the [`Preprocessor`] produces: the lines the parser reads, and the warnings.
#[derive(Clone, Debug, Default)]
pub struct Preprocessed {
    /// Every non-empty line that survived conditionals, in order.
    pub lines: Vec<Line>,
    /// The `#warning`s met, in order.
    pub warnings: Vec<Warning>,
}

impl Preprocessed {
    /// All lines' text, each followed by a newline.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(&line.text);
            text.push('\n');
        }
        text
    }
}

impl Preprocessor {
    /// The macros Apple's `mig` driver predefines on x86-64 ([`PREDEFINED_MACROS`]), no include
    /// directories, files read from the filesystem.
    pub fn new() -> Preprocessor {
        let mut pp = Preprocessor::empty();
        for (name, value) in PREDEFINED_MACROS {
            pp.define(name, value);
        }
        pp
    }

    /// No predefined macros at all.
    pub fn empty() -> Preprocessor {
        Preprocessor {
            include_dirs: Vec::new(),
            definitions: Vec::new(),
            read: Arc::new(read_file),
        }
    }

    /// Adds a directory to search for `#include`d files (`-I`), after those already added.
    pub fn include_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.include_dirs.push(dir.into());
        self
    }

    /// Defines `name` as `value` (`-Dname=value`); `name` may carry a parameter list
    /// (`"F(a,b)"`).
    pub fn define(&mut self, name: &str, value: &str) -> &mut Self {
        self.definitions
            .push(Definition::Define(name.to_owned(), value.to_owned()));
        self
    }

    /// Defines a macro from a `-D` argument's text: `"X"` defines X as 1, `"X=v"` as v.
    pub fn define_arg(&mut self, arg: &str) -> &mut Self {
        match arg.split_once('=') {
            Some((name, value)) => self.define(name, value),
            None => self.define(arg, "1"),
        }
    }

    /// Removes a definition (`-U`), predefined or given earlier.
    pub fn undefine(&mut self, name: &str) -> &mut Self {
        self.definitions.push(Definition::Undefine(name.to_owned()));
        self
    }

    /// Where file contents come from (default: the filesystem, invalid UTF-8 replaced).
    /// Tests use in-memory maps. A `NotFound` error means "try the next include directory".
    pub fn source(
        &mut self,
        read: impl Fn(&Path) -> io::Result<String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.read = Arc::new(read);
        self
    }

    /// Preprocesses the file at `path`.
    ///
    /// `#include "f"` looks in `path`'s directory first; `mig` also passes that directory as
    /// `-I`, so a driver that wants `<f>` found there too adds it with
    /// [`Preprocessor::include_dir`].
    ///
    /// # Errors
    /// [`Error::Io`] if `path` (or an included file) cannot be read, [`Error::Preprocess`] for
    /// everything the preprocessor refuses.
    pub fn run_file(&self, path: &Path) -> Result<Preprocessed, Error> {
        let text = (self.read)(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        self.run(normalize(path), &text)
    }

    /// Preprocesses `text` as if it were the file `name` (which is also where `#include "f"`
    /// looks first: `name`'s directory).
    ///
    /// # Errors
    /// As [`Preprocessor::run_file`].
    pub fn run_str(&self, name: &str, text: &str) -> Result<Preprocessed, Error> {
        self.run(PathBuf::from(name), text)
    }

    fn run(&self, path: PathBuf, text: &str) -> Result<Preprocessed, Error> {
        let mut run = Run::new(self);
        let dir = path.parent().map(Path::to_path_buf);
        run.push_file(Some(path), dir, None, text)?;
        run.push_file(None, None, None, &self.command_line())?;
        run.lines()
    }

    /// The `-D`/`-U` definitions as directives, read like a file before the main one.
    fn command_line(&self) -> String {
        let mut text = String::new();
        for definition in &self.definitions {
            let line = match definition {
                Definition::Define(name, _) if name.trim().is_empty() => "#define".to_owned(),
                Definition::Define(name, value) => format!("#define {name} {value}"),
                Definition::Undefine(name) => format!("#undef {name}"),
            };
            text.push_str(&line.replace(['\n', '\r'], " "));
            text.push('\n');
        }
        text
    }
}
