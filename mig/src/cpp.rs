//! The C preprocessor that `.defs` files go through before MIG parses them.
//!
//! Apple's `mig` driver pipes every `.defs` file through `cc -E -D__MACH30__` and hands the
//! result to `migcom`; this module stands in for that `cc -E`. It owns everything between the
//! raw bytes of a file and the macro-expanded lines the parser reads: line splicing, comments,
//! preprocessing tokens, `#include`/`#import` (through a pluggable file reader), conditional
//! groups and their integer expressions, and macro expansion (Prosser's hide-set algorithm, the
//! one the C standard's rules were written from).
//!
//! It must never panic, loop forever or overflow the stack on any input: include nesting and
//! count, bytes read, macro argument nesting, expression nesting and the work expansion may do
//! (per line and per run) are all bounded, and going past a bound is an ordinary
//! [`PreprocessError`]. Where C leaves a choice open (out-of-range shift counts, tokens
//! spliced together), it does what clang, Apple's `cc`, does.
//!
//! What it leaves out, because no `.defs` file or header they include needs it: trigraphs,
//! digraphs, `_Pragma`, `__VA_OPT__`, `__has_include` and friends, `__DATE__`/`__TIME__`/
//! `__COUNTER__`, and line markers in the output.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::{Error, Location};

/// How many files may be open inside one another (GCC's limit is 200 too).
const MAX_INCLUDE_DEPTH: usize = 200;
/// How deeply macro arguments may nest inside macro arguments (each level is a recursion).
const MAX_EXPANSION_DEPTH: usize = 100;
/// How many tokens (and hide-set entries) expanding one line may produce.
const MAX_EXPANSION_WORK: usize = 1 << 20;
/// How many tokens (and hide-set entries) all expansions of one run may produce.
const MAX_RUN_WORK: usize = 1 << 23;
/// How many `#include`s one run may carry out (includes nested a few deep but many wide
/// would otherwise multiply without bound).
const MAX_INCLUDES: usize = 10_000;
/// How many bytes one run may read, all files together.
const MAX_INPUT_BYTES: usize = 32 << 20;
/// How deeply parentheses and unary operators may nest in an `#if` expression.
const MAX_EXPRESSION_DEPTH: usize = 200;
/// The name errors and directives give to the `-D`/`-U` definitions.
const COMMAND_LINE: &str = "<command line>";

/// The macros [`Preprocessor::new`] starts with: what Apple's `mig` driver defines on x86-64.
///
/// `mig` (bootstrap_cmds `migcom.tproj/mig.sh`) runs `cc -E -arch <host arch>` with
/// `-D__MACH30__` and `-I <the .defs file's directory>`; everything else here is what that
/// compiler (Apple clang, x86-64, C mode) predefines itself, with the values
/// `clang -target x86_64-apple-macosx -x c -dM -E` prints. XNU's `.defs` files and the headers
/// they include test `__LP64__`, `__x86_64__` (and `__i386__`, `__arm__`, `__arm64__`, which
/// stay undefined); the others are the ones C headers commonly test.
pub const PREDEFINED_MACROS: &[(&str, &str)] = &[
    // mig.sh: the only -D it adds itself.
    ("__MACH30__", "1"),
    // clang, Apple targets.
    ("__APPLE__", "1"),
    ("__MACH__", "1"),
    ("__APPLE_CC__", "6000"),
    ("__DYNAMIC__", "1"),
    // clang, x86-64 (`-arch x86_64`) and its LP64 data model.
    ("__x86_64__", "1"),
    ("__x86_64", "1"),
    ("__amd64__", "1"),
    ("__amd64", "1"),
    ("__LP64__", "1"),
    ("_LP64", "1"),
    ("__LITTLE_ENDIAN__", "1"),
    ("__ORDER_LITTLE_ENDIAN__", "1234"),
    ("__ORDER_BIG_ENDIAN__", "4321"),
    ("__ORDER_PDP_ENDIAN__", "3412"),
    ("__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__"),
    ("__CHAR_BIT__", "8"),
    ("__SIZEOF_INT__", "4"),
    ("__SIZEOF_LONG__", "8"),
    ("__SIZEOF_POINTER__", "8"),
    // clang, C mode (its default is gnu17) and its GCC compatibility claims.
    ("__STDC__", "1"),
    ("__STDC_HOSTED__", "1"),
    ("__STDC_VERSION__", "201710L"),
    ("__GNUC__", "4"),
    ("__GNUC_MINOR__", "2"),
    ("__GNUC_PATCHLEVEL__", "1"),
    ("__GNUC_STDC_INLINE__", "1"),
    ("__clang__", "1"),
];

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Why the preprocessor refused its input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreprocessError {
    /// A `/*` comment runs to the end of the file.
    #[error("unterminated /* comment")]
    UnterminatedComment,
    /// `#include` is followed by neither `"file"` nor `<file>` (even after macro expansion).
    #[error("#include expects \"FILE\" or <FILE>, found {found}")]
    BadInclude {
        /// What followed the directive.
        found: String,
    },
    /// No include directory holds the file.
    #[error("cannot find include file {name}")]
    IncludeNotFound {
        /// The file as written, with its delimiters (`"f"` or `<f>`).
        name: String,
    },
    /// Files include one another deeper than the limit (usually an include loop).
    #[error("#include nested deeper than {limit} files")]
    IncludeTooDeep {
        /// The limit.
        limit: usize,
    },
    /// An `#error` directive in an active group.
    #[error("#error {message}")]
    ErrorDirective {
        /// The directive's text.
        message: String,
    },
    /// A directive this preprocessor does not know, in an active group.
    #[error("unknown directive #{name}")]
    UnknownDirective {
        /// The directive's name.
        name: String,
    },
    /// `#elif`, `#else` or `#endif` with no open `#if` in the same file.
    #[error("#{directive} without #if")]
    UnmatchedConditional {
        /// The directive.
        directive: String,
    },
    /// `#elif` or `#else` after the group's `#else`.
    #[error("#{directive} after #else")]
    AfterElse {
        /// The directive.
        directive: String,
    },
    /// A conditional still open at the end of its file (the location is its opening line).
    #[error("unterminated #{directive}")]
    UnterminatedConditional {
        /// The directive that opened it (`if`, `ifdef`, `ifndef`).
        directive: String,
    },
    /// `#define`, `#undef`, `#ifdef` or `#ifndef` not followed by an identifier.
    #[error("#{directive} expects a macro name")]
    MissingMacroName {
        /// The directive.
        directive: String,
    },
    /// A name that may not be defined (`defined`).
    #[error("`{name}` cannot be used as a macro name")]
    InvalidMacroName {
        /// The name.
        name: String,
    },
    /// A function-like macro's parameter list is malformed.
    #[error("bad parameter list in the definition of `{name}`")]
    BadParameterList {
        /// The macro.
        name: String,
    },
    /// A function-like macro names one parameter twice.
    #[error("duplicate parameter `{parameter}` of macro `{name}`")]
    DuplicateParameter {
        /// The macro.
        name: String,
        /// The parameter.
        parameter: String,
    },
    /// `#` in a function-like macro's body is not followed by a parameter.
    #[error("`#` is not followed by a parameter in macro `{name}`")]
    StringizeWithoutParameter {
        /// The macro.
        name: String,
    },
    /// `##` at the start or end of a macro's body.
    #[error("`##` cannot start or end the body of macro `{name}`")]
    PasteAtEdge {
        /// The macro.
        name: String,
    },
    /// A function-like macro's argument list is not closed before the end of its file.
    #[error("unterminated argument list invoking macro `{name}`")]
    UnterminatedArguments {
        /// The macro.
        name: String,
    },
    /// A function-like macro is given the wrong number of arguments.
    #[error("macro `{name}` takes {expected} arguments, but {found} were given")]
    WrongArgumentCount {
        /// The macro.
        name: String,
        /// How many parameters it has.
        expected: usize,
        /// How many arguments it got.
        found: usize,
    },
    /// A variadic macro is given fewer arguments than it has named parameters.
    #[error("macro `{name}` takes at least {at_least} arguments, but {found} were given")]
    TooFewArguments {
        /// The macro.
        name: String,
        /// How many named parameters it has.
        at_least: usize,
        /// How many arguments it got.
        found: usize,
    },
    /// `##` joins two tokens into something that is not one token.
    #[error("pasting `{left}` and `{right}` does not give a valid preprocessing token")]
    InvalidPaste {
        /// The left operand.
        left: String,
        /// The right operand.
        right: String,
    },
    /// Expanding one line produces more than the limit of tokens.
    #[error("macro expansion exceeds {limit} tokens")]
    ExpansionTooLarge {
        /// The limit.
        limit: usize,
    },
    /// All expansions of the run together produce more than the limit of tokens.
    #[error("macro expansions exceed {limit} tokens in all")]
    RunTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The run carries out more `#include`s than the limit.
    #[error("more than {limit} #includes")]
    TooManyIncludes {
        /// The limit.
        limit: usize,
    },
    /// The files read add up to more bytes than the limit.
    #[error("input exceeds {limit} bytes")]
    InputTooLarge {
        /// The limit.
        limit: usize,
    },
    /// Macro invocations nest inside arguments deeper than the limit.
    #[error("macro arguments nested deeper than {limit}")]
    ExpansionTooDeep {
        /// The limit.
        limit: usize,
    },
    /// `#if` or `#elif` with nothing after it.
    #[error("#{directive} with no expression")]
    MissingExpression {
        /// The directive.
        directive: String,
    },
    /// An `#if` expression that does not parse.
    #[error("malformed #if expression: unexpected {found}")]
    BadExpression {
        /// The token found where it cannot be (or "end of line").
        found: String,
    },
    /// `defined` not followed by an identifier (or `(identifier)`).
    #[error("`defined` without a macro name")]
    DefinedWithoutName,
    /// An integer constant that is malformed, a floating constant, or too large for 64 bits.
    #[error("invalid integer constant `{text}` in #if")]
    InvalidNumber {
        /// The constant.
        text: String,
    },
    /// An empty character constant.
    #[error("invalid character constant {text} in #if")]
    InvalidCharacter {
        /// The constant.
        text: String,
    },
    /// `/` or `%` by zero in an evaluated part of an `#if` expression.
    #[error("division by zero in #if")]
    DivisionByZero,
    /// Parentheses or unary operators nested deeper than the limit.
    #[error("#if expression nested deeper than {limit}")]
    ExpressionTooDeep {
        /// The limit.
        limit: usize,
    },
}

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
    include_dirs: Vec<PathBuf>,
    definitions: Vec<Definition>,
    read: Reader,
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

/// One line of output.
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

/// Where a token of an output line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Byte offset of the token in [`Line::text`].
    pub offset: u32,
    /// Its 1-based line in the file the line came from.
    pub line: u32,
    /// Its 1-based column there.
    pub column: u32,
}

/// A `#warning` met in an active group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The directive's text.
    pub message: String,
    /// Where the directive is.
    pub location: Location,
}

/// What a run produces.
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

fn read_file(path: &Path) -> io::Result<String> {
    std::fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// `path` with `.` components dropped and `dir/..` pairs folded (lexically), so that one file
/// reached two ways is one `#import`/`#pragma once` key.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// What kind of preprocessing token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    /// A pp-number: any digits, letters, `.` and exponent signs after a digit.
    Number,
    /// A string literal with its quotes (and prefix).
    Str,
    /// A character constant with its quotes (and prefix).
    Char,
    /// `<...>` right after `#include`.
    HeaderName,
    Punct,
    /// Any other character, or an unterminated quote up to the end of the line.
    Other,
}

/// The macro names a token must not be expanded by again (Prosser's hide set), sorted.
#[derive(Clone, Debug, Default)]
struct HideSet(Option<Rc<[Rc<str>]>>);

impl HideSet {
    fn names(&self) -> &[Rc<str>] {
        self.0.as_deref().unwrap_or(&[])
    }

    fn contains(&self, name: &str) -> bool {
        self.names().binary_search_by(|n| (**n).cmp(name)).is_ok()
    }

    fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    fn same(&self, other: &HideSet) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// A set from names already sorted and distinct.
    fn from_sorted(names: Vec<Rc<str>>) -> HideSet {
        if names.is_empty() {
            HideSet(None)
        } else {
            HideSet(Some(names.into()))
        }
    }

    fn with(&self, name: &Rc<str>) -> HideSet {
        let names = self.names();
        match names.binary_search_by(|n| (**n).cmp(name)) {
            Ok(_) => self.clone(),
            Err(at) => {
                let mut names = names.to_vec();
                names.insert(at, name.clone());
                HideSet::from_sorted(names)
            }
        }
    }

    fn union(&self, other: &HideSet) -> HideSet {
        if other.is_empty() || self.same(other) {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let (mut a, mut b) = (
            self.names().iter().peekable(),
            other.names().iter().peekable(),
        );
        let mut names = Vec::with_capacity(self.names().len() + other.names().len());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => names.extend(a.next().cloned()),
                std::cmp::Ordering::Greater => names.extend(b.next().cloned()),
                std::cmp::Ordering::Equal => {
                    names.extend(a.next().cloned());
                    b.next();
                }
            }
        }
        names.extend(a.cloned());
        names.extend(b.cloned());
        HideSet::from_sorted(names)
    }

    fn intersect(&self, other: &HideSet) -> HideSet {
        if self.same(other) {
            return self.clone();
        }
        let names = self
            .names()
            .iter()
            .filter(|n| other.contains(n))
            .cloned()
            .collect();
        HideSet::from_sorted(names)
    }
}

/// A preprocessing token and where it came from (for expansions: the invocation).
#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    text: Rc<str>,
    file: Arc<str>,
    line: u32,
    column: u32,
    /// Whitespace (or a comment) came before it on its line.
    space: bool,
    hide: HideSet,
}

impl Token {
    fn is(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && &*self.text == punct
    }

    fn location(&self) -> Location {
        Location::new(self.file.clone(), self.line, self.column)
    }

    fn error(&self, kind: PreprocessError) -> Error {
        Error::Preprocess {
            location: self.location(),
            kind,
        }
    }

    /// A new token of `kind` spelled `text`, at `self`'s place.
    fn derive(&self, kind: Kind, text: &str) -> Token {
        Token {
            kind,
            text: text.into(),
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            space: self.space,
            hide: HideSet::default(),
        }
    }
}

/// Tokens joined as text: a space wherever the source had one, and wherever two tokens that
/// came together from different places would otherwise lex as something else.
fn spell(tokens: &[Token]) -> String {
    spell_with_origins(tokens, None).0
}

/// As [`spell`], also recording where each token came from (tokens of `file` only: a
/// token from another file keeps the place of the one before it).
fn spell_with_origins(tokens: &[Token], file: Option<&str>) -> (String, Vec<Origin>) {
    let mut text = String::new();
    let mut origins = Vec::new();
    let mut previous: Option<&Token> = None;
    for token in tokens {
        if let Some(prev) = previous
            && (token.space || would_merge(&prev.text, &token.text))
        {
            text.push(' ');
        }
        if file.is_some_and(|f| *token.file == *f) {
            origins.push(Origin {
                offset: text.len() as u32,
                line: token.line,
                column: token.column,
            });
        }
        text.push_str(&token.text);
        previous = Some(token);
    }
    (text, origins)
}

/// Whether `a` then `b` without a space would not lex as exactly `a`, `b`.
fn would_merge(a: &str, b: &str) -> bool {
    const INERT: &[u8] = b"(),;[]{}?~";
    let (Some(&last), Some(&first)) = (a.as_bytes().last(), b.as_bytes().first()) else {
        return false;
    };
    if INERT.contains(&last) || INERT.contains(&first) {
        return false;
    }
    let joined = format!("{a}{b}");
    let file: Arc<str> = Arc::from("");
    match Lexer::lex(&joined, &file) {
        Ok(lines) => !matches!(lines.as_slice(), [line] if line.len() == 2 && &*line[0].text == a),
        Err(_) => true,
    }
}

// ---------------------------------------------------------------------------------------------
// Lexing: splicing, comments, tokens, logical lines
// ---------------------------------------------------------------------------------------------

/// Punctuators, longest first so that the first match is the longest.
const PUNCTUATORS: &[&str] = &[
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=",
    "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "[", "]", "(", ")", "{", "}", ".", "&", "*",
    "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?", ":", ";", "=", ",", "#",
];

/// A file's bytes with backslash-newlines removed, and where each original line starts in
/// them (to give tokens their original line and column).
struct Spliced {
    bytes: Vec<u8>,
    /// The offset in `bytes` where each physical line starts; line 1 at 0.
    line_starts: Vec<usize>,
}

impl Spliced {
    /// The original 1-based line and column of `bytes[offset]`.
    fn position(&self, offset: usize) -> (u32, u32) {
        let index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(index).copied().unwrap_or(0);
        let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (as_u32(index + 1), as_u32(offset - start + 1))
    }
}

/// Translation phases 1–2: `\r\n` becomes `\n`, and a backslash followed by a newline
/// (GCC and clang allow blanks between them) disappears.
fn splice(text: &str) -> Spliced {
    let b = text.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut line_starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        let rest = b.get(i..).unwrap_or_default();
        let plain = rest
            .iter()
            .position(|&c| matches!(c, b'\\' | b'\r' | b'\n'))
            .unwrap_or(rest.len());
        bytes.extend_from_slice(rest.get(..plain).unwrap_or_default());
        i += plain;
        let Some(&c) = b.get(i) else {
            break;
        };
        if c == b'\\'
            && let Some(next) = end_of_splice(b, i + 1)
        {
            line_starts.push(bytes.len());
            i = next;
            continue;
        }
        if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        bytes.push(c);
        if c == b'\n' {
            line_starts.push(bytes.len());
        }
        i += 1;
    }
    Spliced { bytes, line_starts }
}

/// If blanks then a newline start at `i`, the index after the newline.
fn end_of_splice(b: &[u8], mut i: usize) -> Option<usize> {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match (b.get(i), b.get(i + 1)) {
        (Some(b'\n'), _) => Some(i + 1),
        (Some(b'\r'), Some(b'\n')) => Some(i + 2),
        _ => None,
    }
}

/// Turns spliced text into logical lines of tokens (phase 3). A newline inside a `/* */`
/// comment does not end a logical line, as in C.
struct Lexer<'a> {
    bytes: &'a [u8],
    spliced: &'a Spliced,
    file: &'a Arc<str>,
    i: usize,
}

impl Lexer<'_> {
    /// The non-empty logical lines of `text`.
    fn lex(text: &str, file: &Arc<str>) -> Result<Vec<Vec<Token>>, Error> {
        let spliced = splice(text);
        let mut lexer = Lexer {
            bytes: &spliced.bytes,
            spliced: &spliced,
            file,
            i: 0,
        };
        lexer.lines()
    }

    fn lines(&mut self) -> Result<Vec<Vec<Token>>, Error> {
        let mut lines = Vec::new();
        let mut line = Vec::new();
        let mut space = false;
        while let Some(&c) = self.bytes.get(self.i) {
            let next = self.bytes.get(self.i + 1).copied();
            match (c, next) {
                (b'\n', _) => {
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    space = false;
                    self.i += 1;
                }
                (b' ' | b'\t' | b'\r' | 0x0b | 0x0c, _) => {
                    space = true;
                    self.i += 1;
                }
                (b'/', Some(b'/')) => {
                    self.skip_line_comment();
                    space = true;
                }
                (b'/', Some(b'*')) => {
                    self.skip_block_comment()?;
                    space = true;
                }
                _ => {
                    let token = self.token(&line, space);
                    line.push(token);
                    space = false;
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        Ok(lines)
    }

    fn position(&self, i: usize) -> (u32, u32) {
        self.spliced.position(i)
    }

    fn skip_line_comment(&mut self) {
        let rest = self.bytes.get(self.i..).unwrap_or_default();
        self.i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    }

    fn skip_block_comment(&mut self) -> Result<(), Error> {
        let body = self.bytes.get(self.i + 2..).unwrap_or_default();
        // Byte tests, not a two-byte slice comparison: XNU's files open with long licence
        // comments, and a call per position was an eighth of the whole run.
        match body.windows(2).position(|w| w[0] == b'*' && w[1] == b'/') {
            Some(end) => {
                self.i += 2 + end + 2;
                Ok(())
            }
            None => {
                let (line, column) = self.position(self.i);
                Err(Error::Preprocess {
                    location: Location::new(self.file.clone(), line, column),
                    kind: PreprocessError::UnterminatedComment,
                })
            }
        }
    }

    fn token(&mut self, line: &[Token], space: bool) -> Token {
        let start = self.i;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let (kind, len) = classify(rest, is_include_line(line));
        self.i = (start + len.max(1)).min(self.bytes.len());
        let text = String::from_utf8_lossy(self.bytes.get(start..self.i).unwrap_or_default());
        let (line, column) = self.position(start);
        Token {
            kind,
            text: text.into(),
            file: self.file.clone(),
            line,
            column,
            space,
            hide: HideSet::default(),
        }
    }
}

/// Whether `line` so far is `# include` (or `import`, `include_next`): a `<` now starts a
/// header name.
fn is_include_line(line: &[Token]) -> bool {
    matches!(line, [hash, name]
        if hash.is("#") && matches!(&*name.text, "include" | "import" | "include_next"))
}

/// The kind and length of the token at the start of `rest` (not empty, not a comment).
fn classify(rest: &[u8], header_name_allowed: bool) -> (Kind, usize) {
    let Some(&c) = rest.first() else {
        return (Kind::Other, 1);
    };
    if c == b'<'
        && header_name_allowed
        && let Some(end) = rest.iter().position(|&b| b == b'>' || b == b'\n')
        && rest.get(end) == Some(&b'>')
    {
        return (Kind::HeaderName, end + 1);
    }
    if is_ident_start(c) {
        return classify_word(rest);
    }
    if c.is_ascii_digit() || (c == b'.' && rest.get(1).is_some_and(u8::is_ascii_digit)) {
        return (Kind::Number, number_len(rest));
    }
    if c == b'"' || c == b'\'' {
        return quoted(rest);
    }
    // The first byte decides most candidates without a slice comparison (a call each).
    if let Some(p) = PUNCTUATORS
        .iter()
        .find(|p| p.as_bytes()[0] == c && rest.starts_with(p.as_bytes()))
    {
        return (Kind::Punct, p.len());
    }
    (Kind::Other, utf8_len(c))
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_ident_char(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

/// An identifier, or a prefixed literal (`L"…"`, `u8'…'`).
fn classify_word(rest: &[u8]) -> (Kind, usize) {
    let len = rest
        .iter()
        .position(|&b| !is_ident_char(b))
        .unwrap_or(rest.len());
    let prefix = rest.get(..len).unwrap_or_default();
    if matches!(prefix, b"L" | b"u" | b"U" | b"u8")
        && let Some(tail @ [b'"' | b'\'', ..]) = rest.get(len..)
    {
        let (kind, quoted_len) = quoted(tail);
        return (kind, len + quoted_len);
    }
    (Kind::Ident, len)
}

fn number_len(rest: &[u8]) -> usize {
    let mut j = 1;
    while let Some(&b) = rest.get(j) {
        let exponent_sign =
            matches!(b, b'+' | b'-') && matches!(rest.get(j - 1), Some(b'e' | b'E' | b'p' | b'P'));
        if is_ident_char(b) || b == b'.' || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// A string or character literal starting at its quote; unterminated on its line, it is an
/// `Other` token up to the end of the line (as clang does).
fn quoted(rest: &[u8]) -> (Kind, usize) {
    let quote = rest.first().copied().unwrap_or(b'"');
    let kind = if quote == b'"' { Kind::Str } else { Kind::Char };
    let mut j = 1;
    loop {
        match rest.get(j) {
            None | Some(b'\n') => return (Kind::Other, j),
            Some(b'\\') => j += 2,
            Some(&b) if b == quote => return (kind, j + 1),
            Some(_) => j += 1,
        }
    }
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------------------------
// Macros
// ---------------------------------------------------------------------------------------------

/// One element of a macro's replacement list, parameters already resolved.
#[derive(Clone, Debug)]
enum BodyItem {
    Token(Token),
    /// A parameter (its index); `space` is whether whitespace came before it.
    Param {
        index: usize,
        space: bool,
    },
    /// `# parameter`.
    Stringize {
        index: usize,
        space: bool,
    },
    /// The `##` operator.
    Paste,
}

#[derive(Clone, Debug)]
struct Params {
    /// Named parameters, plus the variadic one (`__VA_ARGS__` or `name...`) last.
    names: Vec<Rc<str>>,
    variadic: bool,
}

#[derive(Clone, Debug)]
struct Macro {
    name: Rc<str>,
    /// `None` for object-like macros.
    params: Option<Params>,
    body: Vec<BodyItem>,
}

/// Parses what follows `#define`.
fn parse_define(tokens: &[Token], directive: &Token) -> Result<Macro, Error> {
    let name = macro_name(tokens, directive, "define")?;
    let mut rest = tokens.get(1..).unwrap_or_default();
    let params = match rest.first() {
        Some(paren) if paren.is("(") && !paren.space => {
            let (params, used) = parse_params(rest, name)?;
            rest = rest.get(used..).unwrap_or_default();
            Some(params)
        }
        _ => None,
    };
    let body = parse_body(rest, params.as_ref(), name)?;
    Ok(Macro {
        name: name.text.clone(),
        params,
        body,
    })
}

/// The identifier a directive names (`#define X`, `#ifdef X`, …).
fn macro_name<'t>(tokens: &'t [Token], directive: &Token, name: &str) -> Result<&'t Token, Error> {
    match tokens.first() {
        Some(t) if t.kind == Kind::Ident && &*t.text == "defined" => {
            Err(t.error(PreprocessError::InvalidMacroName {
                name: t.text.to_string(),
            }))
        }
        Some(t) if t.kind == Kind::Ident => Ok(t),
        _ => Err(directive.error(PreprocessError::MissingMacroName {
            directive: name.to_owned(),
        })),
    }
}

/// Parses `( a, b, ... )` at the start of `tokens`; returns the parameters and how many tokens
/// the list took.
fn parse_params(tokens: &[Token], name: &Token) -> Result<(Params, usize), Error> {
    let bad = || {
        name.error(PreprocessError::BadParameterList {
            name: name.text.to_string(),
        })
    };
    let mut names: Vec<Rc<str>> = Vec::new();
    let mut variadic = false;
    let mut i = 1;
    if tokens.get(i).is_some_and(|t| t.is(")")) {
        return Ok((Params { names, variadic }, i + 1));
    }
    loop {
        let token = tokens.get(i).ok_or_else(bad)?;
        if token.is("...") {
            names.push("__VA_ARGS__".into());
            variadic = true;
        } else if token.kind == Kind::Ident && &*token.text != "__VA_ARGS__" {
            if names.contains(&token.text) {
                return Err(token.error(PreprocessError::DuplicateParameter {
                    name: name.text.to_string(),
                    parameter: token.text.to_string(),
                }));
            }
            names.push(token.text.clone());
            if tokens.get(i + 1).is_some_and(|t| t.is("...")) {
                variadic = true;
                i += 1;
            }
        } else {
            return Err(bad());
        }
        i += 1;
        match tokens.get(i) {
            Some(t) if t.is(")") => return Ok((Params { names, variadic }, i + 1)),
            Some(t) if t.is(",") && !variadic => i += 1,
            _ => return Err(bad()),
        }
    }
}

/// Resolves a replacement list: parameters, `#` and `##`.
fn parse_body(
    tokens: &[Token],
    params: Option<&Params>,
    name: &Token,
) -> Result<Vec<BodyItem>, Error> {
    let param = |t: &Token| {
        let params = params?;
        if t.kind != Kind::Ident {
            return None;
        }
        params.names.iter().position(|n| *n == t.text)
    };
    let mut body = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        let space = token.space && i > 0;
        let item = if token.is("##") {
            BodyItem::Paste
        } else if let Some(index) = param(token) {
            BodyItem::Param { index, space }
        } else if token.is("#") && params.is_some() {
            let index = tokens.get(i + 1).and_then(param).ok_or_else(|| {
                token.error(PreprocessError::StringizeWithoutParameter {
                    name: name.text.to_string(),
                })
            })?;
            i += 1;
            BodyItem::Stringize { index, space }
        } else {
            let mut token = token.clone();
            token.space = space;
            BodyItem::Token(token)
        };
        body.push(item);
        i += 1;
    }
    if matches!(body.first(), Some(BodyItem::Paste)) || matches!(body.last(), Some(BodyItem::Paste))
    {
        return Err(name.error(PreprocessError::PasteAtEdge {
            name: name.text.to_string(),
        }));
    }
    Ok(body)
}

/// `#x`: the argument's spelling as a string literal.
fn stringize(arg: &[Token], at: &Token, space: bool) -> Token {
    let mut text = String::from("\"");
    for (i, token) in arg.iter().enumerate() {
        if i > 0 && token.space {
            text.push(' ');
        }
        if matches!(token.kind, Kind::Str | Kind::Char) {
            for c in token.text.chars() {
                if c == '"' || c == '\\' {
                    text.push('\\');
                }
                text.push(c);
            }
        } else {
            text.push_str(&token.text);
        }
    }
    text.push('"');
    let mut token = at.derive(Kind::Str, &text);
    token.space = space;
    token
}

/// `a ## b`: the single token their spellings form, if they form one.
fn paste(left: &Token, right: &Token) -> Result<Token, Error> {
    let joined = format!("{}{}", left.text, right.text);
    let invalid = || {
        left.error(PreprocessError::InvalidPaste {
            left: left.text.to_string(),
            right: right.text.to_string(),
        })
    };
    let lines = Lexer::lex(&joined, &left.file).map_err(|_| invalid())?;
    match lines.as_slice() {
        [line] => match line.as_slice() {
            [token] if *token.text == *joined => Ok(left.derive(token.kind, &joined)),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

/// A step of substitution before `##` is applied.
#[derive(Debug)]
enum Piece {
    Token(Token),
    /// An empty argument next to `##`.
    Placemarker,
    Paste,
}

// ---------------------------------------------------------------------------------------------
// A run: files, directives, conditionals, expansion
// ---------------------------------------------------------------------------------------------

/// An open conditional group.
#[derive(Debug)]
struct Conditional {
    /// The directive that opened it, for errors.
    directive: &'static str,
    opener: Location,
    /// Whether the enclosing group is active.
    parent_active: bool,
    /// Whether the current group is active.
    active: bool,
    /// Whether some group has been taken (or none may be).
    taken: bool,
    seen_else: bool,
}

/// A file being read.
#[derive(Debug)]
struct Frame {
    /// Its normalized path (`None` for the command-line definitions).
    path: Option<PathBuf>,
    /// Where `#include "f"` looks first.
    dir: Option<PathBuf>,
    /// The `-I` directory it was found in, where `#include_next` continues.
    dir_index: Option<usize>,
    lines: std::vec::IntoIter<Vec<Token>>,
    conditionals: Vec<Conditional>,
}

/// How an expansion runs.
#[derive(Debug)]
struct Ctx {
    /// Whether more source lines may be read (to find a `(` or close an argument list).
    pull: bool,
    /// Whether `defined` is an operator (in `#if`).
    if_mode: bool,
    /// How deeply arguments are being pre-expanded.
    depth: usize,
    /// Tokens and hide-set entries produced so far.
    work: usize,
    /// What the run has left of [`MAX_RUN_WORK`].
    run_budget: usize,
}

impl Ctx {
    fn charge(&mut self, amount: usize, at: &Token) -> Result<(), Error> {
        self.work = self.work.saturating_add(amount);
        if self.work > MAX_EXPANSION_WORK {
            return Err(at.error(PreprocessError::ExpansionTooLarge {
                limit: MAX_EXPANSION_WORK,
            }));
        }
        if self.work > self.run_budget {
            return Err(at.error(PreprocessError::RunTooLarge {
                limit: MAX_RUN_WORK,
            }));
        }
        Ok(())
    }
}

/// The state of one run: the macro table, the open files, the output.
struct Run<'p> {
    pp: &'p Preprocessor,
    macros: HashMap<Rc<str>, Rc<Macro>>,
    frames: Vec<Frame>,
    /// A line read to look for a `(` that was not one, to be read again.
    pushback: Option<Vec<Token>>,
    /// Files not to include again (`#import`, `#pragma once`).
    once: HashSet<PathBuf>,
    warnings: Vec<Warning>,
    /// Expansion work done so far (of [`MAX_RUN_WORK`]).
    work: usize,
    /// `#include`s carried out so far (of [`MAX_INCLUDES`]).
    includes: usize,
    /// Bytes read so far (of [`MAX_INPUT_BYTES`]).
    bytes: usize,
}

/// A file `#include` found.
struct Found {
    path: PathBuf,
    /// The `-I` directory it is in, if found in one.
    dir_index: Option<usize>,
    text: String,
}

impl<'p> Run<'p> {
    fn new(pp: &'p Preprocessor) -> Run<'p> {
        Run {
            pp,
            macros: HashMap::new(),
            frames: Vec::new(),
            pushback: None,
            once: HashSet::new(),
            warnings: Vec::new(),
            work: 0,
            includes: 0,
            bytes: 0,
        }
    }

    /// Expands `tokens` in a fresh context, counting its work against the run's.
    fn expand_all(
        &mut self,
        tokens: Vec<Token>,
        pull: bool,
        if_mode: bool,
    ) -> Result<Vec<Token>, Error> {
        let mut ctx = Ctx {
            pull,
            if_mode,
            depth: 0,
            work: 0,
            run_budget: MAX_RUN_WORK.saturating_sub(self.work),
        };
        let result = self.expand(tokens, &mut ctx);
        self.work = self.work.saturating_add(ctx.work);
        result
    }

    /// Reads lines until all files are done, expanding each active text line.
    fn lines(mut self) -> Result<Preprocessed, Error> {
        let mut lines = Vec::new();
        while let Some(tokens) = self.next_line(None)? {
            let Some(first) = tokens.first() else {
                continue;
            };
            let location = Location::new(first.file.clone(), first.line, 1);
            let expanded = self.expand_all(tokens, true, false)?;
            if !expanded.is_empty() {
                let (text, origins) = spell_with_origins(&expanded, Some(&location.file));
                lines.push(Line {
                    text,
                    location,
                    origins,
                });
            }
        }
        Ok(Preprocessed {
            lines,
            warnings: self.warnings,
        })
    }

    fn push_file(
        &mut self,
        path: Option<PathBuf>,
        dir: Option<PathBuf>,
        dir_index: Option<usize>,
        text: &str,
    ) -> Result<(), Error> {
        let name: Arc<str> = match &path {
            Some(path) => path.display().to_string().into(),
            None => COMMAND_LINE.into(),
        };
        let lines = Lexer::lex(text, &name)?;
        self.frames.push(Frame {
            path,
            dir,
            dir_index,
            lines: lines.into_iter(),
            conditionals: Vec::new(),
        });
        Ok(())
    }

    /// The next active text line, directives in between carried out. With `stop` set, returns
    /// `None` rather than leave the file open at that depth.
    fn next_line(&mut self, stop: Option<usize>) -> Result<Option<Vec<Token>>, Error> {
        if let Some(line) = self.pushback.take() {
            return Ok(Some(line));
        }
        loop {
            let depth = self.frames.len();
            let Some(frame) = self.frames.last_mut() else {
                return Ok(None);
            };
            let Some(line) = frame.lines.next() else {
                self.close_file()?;
                if stop.is_some_and(|stop| depth <= stop) {
                    return Ok(None);
                }
                continue;
            };
            if line.first().is_some_and(|t| t.is("#")) {
                self.directive(line)?;
            } else if self.active() {
                return Ok(Some(line));
            }
        }
    }

    fn close_file(&mut self) -> Result<(), Error> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        match frame.conditionals.last() {
            Some(open) => Err(Error::Preprocess {
                location: open.opener.clone(),
                kind: PreprocessError::UnterminatedConditional {
                    directive: open.directive.to_owned(),
                },
            }),
            None => Ok(()),
        }
    }

    fn active(&self) -> bool {
        self.frames
            .last()
            .and_then(|f| f.conditionals.last())
            .is_none_or(|c| c.active)
    }

    fn conditionals(&mut self) -> Option<&mut Vec<Conditional>> {
        self.frames.last_mut().map(|f| &mut f.conditionals)
    }

    // --- directives ---------------------------------------------------------------------------

    fn directive(&mut self, line: Vec<Token>) -> Result<(), Error> {
        let (Some(hash), Some(name)) = (line.first(), line.get(1)) else {
            return Ok(()); // `#` alone
        };
        let args = line.get(2..).unwrap_or_default();
        let active = self.active();
        if name.kind != Kind::Ident {
            return match name.kind {
                _ if !active => Ok(()),
                Kind::Number => Ok(()), // a line marker: `# 12 "file"`
                _ => Err(name.error(PreprocessError::UnknownDirective {
                    name: name.text.to_string(),
                })),
            };
        }
        match &*name.text {
            "if" => self.open_if("if", args, hash),
            "ifdef" => self.open_if("ifdef", args, hash),
            "ifndef" => self.open_if("ifndef", args, hash),
            "elif" => self.elif("elif", args, hash),
            "elifdef" => self.elif("elifdef", args, hash),
            "elifndef" => self.elif("elifndef", args, hash),
            "else" => self.else_(hash),
            "endif" => self.endif(hash),
            _ if !active => Ok(()),
            "define" => self.define(args, hash),
            "undef" => self.undef(args, hash),
            "include" | "include_next" | "import" => self.include(&name.text, args, hash),
            "error" => Err(hash.error(PreprocessError::ErrorDirective {
                message: spell(args),
            })),
            "warning" => {
                self.warnings.push(Warning {
                    message: spell(args),
                    location: hash.location(),
                });
                Ok(())
            }
            "pragma" => {
                self.pragma(args);
                Ok(())
            }
            "line" | "ident" | "sccs" => Ok(()),
            other => Err(name.error(PreprocessError::UnknownDirective {
                name: other.to_owned(),
            })),
        }
    }

    fn define(&mut self, args: &[Token], hash: &Token) -> Result<(), Error> {
        let definition = parse_define(args, hash)?;
        self.macros
            .insert(definition.name.clone(), Rc::new(definition));
        Ok(())
    }

    fn undef(&mut self, args: &[Token], hash: &Token) -> Result<(), Error> {
        let name = macro_name(args, hash, "undef")?;
        self.macros.remove(&*name.text);
        Ok(())
    }

    fn pragma(&mut self, args: &[Token]) {
        if args.first().is_some_and(|t| &*t.text == "once")
            && let Some(path) = self.frames.last().and_then(|f| f.path.clone())
        {
            self.once.insert(path);
        }
    }

    // --- conditionals -------------------------------------------------------------------------

    /// Evaluates the condition of `#if`/`#ifdef`/`#ifndef` (or an `#elif` form).
    fn condition(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<bool, Error> {
        match directive {
            "if" | "elif" => self.evaluate(directive, args, hash),
            "ifdef" | "elifdef" => Ok(self.is_defined(macro_name(args, hash, directive)?)),
            _ => Ok(!self.is_defined(macro_name(args, hash, directive)?)),
        }
    }

    fn is_defined(&self, name: &Token) -> bool {
        self.macros.contains_key(&*name.text) || is_builtin(&name.text)
    }

    fn open_if(
        &mut self,
        directive: &'static str,
        args: &[Token],
        hash: &Token,
    ) -> Result<(), Error> {
        let parent_active = self.active();
        let value = parent_active && self.condition(directive, args, hash)?;
        if let Some(conditionals) = self.conditionals() {
            conditionals.push(Conditional {
                directive,
                opener: hash.location(),
                parent_active,
                active: value,
                taken: value || !parent_active,
                seen_else: false,
            });
        }
        Ok(())
    }

    /// The innermost open conditional, checked to accept `directive`.
    fn open_conditional(
        &mut self,
        directive: &str,
        hash: &Token,
    ) -> Result<&mut Conditional, Error> {
        let open = self.conditionals().and_then(|c| c.last_mut());
        let open = open.ok_or_else(|| {
            hash.error(PreprocessError::UnmatchedConditional {
                directive: directive.to_owned(),
            })
        })?;
        if open.seen_else && directive != "endif" {
            return Err(hash.error(PreprocessError::AfterElse {
                directive: directive.to_owned(),
            }));
        }
        Ok(open)
    }

    fn elif(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<(), Error> {
        let open = self.open_conditional(directive, hash)?;
        let evaluate = open.parent_active && !open.taken;
        open.active = false;
        if evaluate {
            let value = self.condition(directive, args, hash)?;
            let open = self.open_conditional(directive, hash)?;
            open.active = value;
            open.taken = value;
        }
        Ok(())
    }

    fn else_(&mut self, hash: &Token) -> Result<(), Error> {
        let open = self.open_conditional("else", hash)?;
        open.active = open.parent_active && !open.taken;
        open.taken = true;
        open.seen_else = true;
        Ok(())
    }

    fn endif(&mut self, hash: &Token) -> Result<(), Error> {
        self.open_conditional("endif", hash)?;
        if let Some(conditionals) = self.conditionals() {
            conditionals.pop();
        }
        Ok(())
    }

    fn evaluate(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<bool, Error> {
        if args.is_empty() {
            return Err(hash.error(PreprocessError::MissingExpression {
                directive: directive.to_owned(),
            }));
        }
        let tokens = self.expand_all(args.to_vec(), false, true)?;
        expr::evaluate(&tokens).map_err(|kind| hash.error(kind))
    }

    // --- includes -----------------------------------------------------------------------------

    fn include(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<(), Error> {
        let (name, angled) = self.include_target(args, hash)?;
        let spelled = if angled {
            format!("<{name}>")
        } else {
            format!("\"{name}\"")
        };
        let found = self.find_include(&name, angled, directive == "include_next")?;
        let Some(Found {
            path,
            dir_index,
            text,
        }) = found
        else {
            return Err(hash.error(PreprocessError::IncludeNotFound { name: spelled }));
        };
        let key = normalize(&path);
        if self.once.contains(&key) {
            return Ok(());
        }
        if directive == "import" {
            self.once.insert(key.clone());
        }
        if self.frames.len() >= MAX_INCLUDE_DEPTH {
            return Err(hash.error(PreprocessError::IncludeTooDeep {
                limit: MAX_INCLUDE_DEPTH,
            }));
        }
        self.includes += 1;
        if self.includes > MAX_INCLUDES {
            return Err(hash.error(PreprocessError::TooManyIncludes {
                limit: MAX_INCLUDES,
            }));
        }
        self.bytes = self.bytes.saturating_add(text.len());
        if self.bytes > MAX_INPUT_BYTES {
            return Err(hash.error(PreprocessError::InputTooLarge {
                limit: MAX_INPUT_BYTES,
            }));
        }
        let dir = key.parent().map(Path::to_path_buf);
        self.push_file(Some(key), dir, dir_index, &text)
    }

    /// The file an `#include` names, and whether it was `<angled>`.
    fn include_target(&mut self, args: &[Token], hash: &Token) -> Result<(String, bool), Error> {
        if let Some(target) = args.first().and_then(header_name) {
            return Ok(target);
        }
        let expanded = self.expand_all(args.to_vec(), false, false)?;
        let bad = |found: &str| {
            hash.error(PreprocessError::BadInclude {
                found: found.to_owned(),
            })
        };
        match expanded.first() {
            Some(first) if first.is("<") => {
                let close = expanded.iter().position(|t| t.is(">"));
                match close.and_then(|close| expanded.get(1..close)) {
                    Some(inner) if !inner.is_empty() => Ok((spell(inner), true)),
                    _ => Err(bad(&spell(&expanded))),
                }
            }
            Some(first) => header_name(first).ok_or_else(|| bad(&first.text)),
            None => Err(bad("end of line")),
        }
    }

    /// Reads the first file `name` resolves to: the including file's directory first (unless
    /// angled), then the `-I` directories (from after the current file's, for
    /// `#include_next`).
    fn find_include(&self, name: &str, angled: bool, next: bool) -> Result<Option<Found>, Error> {
        let frame = self.frames.last();
        let mut candidates: Vec<(PathBuf, Option<usize>)> = Vec::new();
        if Path::new(name).is_absolute() {
            candidates.push((PathBuf::from(name), None));
        } else {
            let current = frame.and_then(|f| f.dir_index);
            if !angled
                && !next
                && let Some(dir) = frame.and_then(|f| f.dir.as_ref())
            {
                candidates.push((dir.join(name), current));
            }
            let first = if next {
                current.map_or(0, |i| i + 1)
            } else {
                0
            };
            for (i, dir) in self.pp.include_dirs.iter().enumerate().skip(first) {
                candidates.push((dir.join(name), Some(i)));
            }
        }
        for (path, dir_index) in candidates {
            match (self.pp.read)(&path) {
                Ok(text) => {
                    return Ok(Some(Found {
                        path,
                        dir_index,
                        text,
                    }));
                }
                Err(e) if is_not_there(&e) => {}
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
        Ok(None)
    }

    // --- expansion ----------------------------------------------------------------------------

    /// Macro-expands `tokens` (and, in a text line, as many following lines as an invocation
    /// needs): Prosser's algorithm, iteratively over a queue.
    fn expand(&mut self, tokens: Vec<Token>, ctx: &mut Ctx) -> Result<Vec<Token>, Error> {
        let mut queue: VecDeque<Token> = tokens.into();
        let mut out = Vec::new();
        while let Some(token) = queue.pop_front() {
            if token.kind != Kind::Ident {
                out.push(token);
            } else if ctx.if_mode && &*token.text == "defined" {
                out.push(self.defined_operator(&token, &mut queue)?);
            } else if token.hide.contains(&token.text) {
                out.push(token);
            } else if let Some(definition) = self.macros.get(&*token.text).cloned() {
                match self.invoke(&definition, &token, &mut queue, ctx)? {
                    Some(expansion) => {
                        for t in expansion.into_iter().rev() {
                            queue.push_front(t);
                        }
                    }
                    None => out.push(token),
                }
            } else {
                out.push(builtin(token));
            }
        }
        Ok(out)
    }

    /// `defined X` or `defined ( X )` in `#if`: 1 or 0.
    fn defined_operator(&self, at: &Token, queue: &mut VecDeque<Token>) -> Result<Token, Error> {
        let missing = || at.error(PreprocessError::DefinedWithoutName);
        let mut name = queue.pop_front().ok_or_else(missing)?;
        let parenthesized = name.is("(");
        if parenthesized {
            name = queue.pop_front().ok_or_else(missing)?;
        }
        if name.kind != Kind::Ident {
            return Err(missing());
        }
        if parenthesized && !queue.pop_front().is_some_and(|t| t.is(")")) {
            return Err(name.error(PreprocessError::BadExpression {
                found: "missing `)` after `defined(`".to_owned(),
            }));
        }
        let value = if self.is_defined(&name) { "1" } else { "0" };
        Ok(at.derive(Kind::Number, value))
    }

    /// Expands one invocation of `definition` named by `name`; `None` if a function-like macro
    /// is not followed by `(`.
    fn invoke(
        &mut self,
        definition: &Macro,
        name: &Token,
        queue: &mut VecDeque<Token>,
        ctx: &mut Ctx,
    ) -> Result<Option<Vec<Token>>, Error> {
        let (args, hide) = match &definition.params {
            None => (Vec::new(), name.hide.with(&definition.name)),
            Some(params) => {
                if !self.next_is_paren(queue, ctx)? {
                    return Ok(None);
                }
                let (args, close) = self.collect_args(params, name, queue, ctx)?;
                let args = check_arity(params, name, args)?;
                let hide = name.hide.intersect(&close.hide).with(&definition.name);
                (args, hide)
            }
        };
        ctx.charge(hide.names().len(), name)?;
        let mut expansion = self.substitute(definition, name, &args, ctx)?;
        ctx.charge(expansion.len(), name)?;
        add_hide_set(&mut expansion, &hide, ctx, name)?;
        if let Some(first) = expansion.first_mut() {
            first.space = name.space;
        }
        Ok(Some(expansion))
    }

    /// Whether a `(` comes next, reading the next line (of this file) if the queue is empty.
    fn next_is_paren(&mut self, queue: &mut VecDeque<Token>, ctx: &Ctx) -> Result<bool, Error> {
        if let Some(next) = queue.front() {
            return Ok(next.is("("));
        }
        if !ctx.pull {
            return Ok(false);
        }
        let Some(line) = self.next_line(Some(self.frames.len()))? else {
            return Ok(false);
        };
        if line.first().is_some_and(|t| t.is("(")) {
            queue.extend(continuation(line));
            Ok(true)
        } else {
            self.pushback = Some(line);
            Ok(false)
        }
    }

    /// Reads an argument list (the queue starts at its `(`), pulling lines as needed; returns
    /// the arguments and the closing `)`.
    fn collect_args(
        &mut self,
        params: &Params,
        name: &Token,
        queue: &mut VecDeque<Token>,
        ctx: &Ctx,
    ) -> Result<(Vec<Vec<Token>>, Token), Error> {
        queue.pop_front();
        let mut args: Vec<Vec<Token>> = vec![Vec::new()];
        let mut depth = 0usize;
        loop {
            let Some(token) = queue.pop_front() else {
                self.pull_line(queue, ctx, name)?;
                continue;
            };
            if token.is("(") {
                depth += 1;
            } else if token.is(")") {
                if depth == 0 {
                    return Ok((args, token));
                }
                depth -= 1;
            } else if token.is(",")
                && depth == 0
                && (!params.variadic || args.len() < params.names.len())
            {
                args.push(Vec::new());
                continue;
            }
            if let Some(arg) = args.last_mut() {
                arg.push(token);
            }
        }
    }

    fn pull_line(
        &mut self,
        queue: &mut VecDeque<Token>,
        ctx: &Ctx,
        name: &Token,
    ) -> Result<(), Error> {
        let unterminated = || {
            name.error(PreprocessError::UnterminatedArguments {
                name: name.text.to_string(),
            })
        };
        if !ctx.pull {
            return Err(unterminated());
        }
        let line = self.next_line(Some(self.frames.len()))?;
        queue.extend(continuation(line.ok_or_else(unterminated)?));
        Ok(())
    }

    /// The replacement list with arguments substituted and `#`/`##` applied.
    fn substitute(
        &mut self,
        definition: &Macro,
        name: &Token,
        args: &[Vec<Token>],
        ctx: &mut Ctx,
    ) -> Result<Vec<Token>, Error> {
        let mut expanded: Vec<Option<Vec<Token>>> = vec![None; args.len()];
        let mut pieces = Vec::with_capacity(definition.body.len());
        let body = &definition.body;
        for (i, item) in body.iter().enumerate() {
            let arg = |index: usize| args.get(index).map_or(&[][..], Vec::as_slice);
            match item {
                BodyItem::Token(t) => pieces.push(Piece::Token(relocate(t, name))),
                BodyItem::Paste if gnu_comma(definition, i) => {
                    if args.last().is_none_or(Vec::is_empty) {
                        pieces.pop();
                    }
                }
                BodyItem::Paste => pieces.push(Piece::Paste),
                BodyItem::Stringize { index, space } => {
                    pieces.push(Piece::Token(stringize(arg(*index), name, *space)));
                }
                BodyItem::Param { index, space } => {
                    let next_to_paste = matches!(
                        i.checked_sub(1).and_then(|p| body.get(p)),
                        Some(BodyItem::Paste)
                    ) || matches!(body.get(i + 1), Some(BodyItem::Paste));
                    let tokens = if next_to_paste {
                        arg(*index).to_vec()
                    } else {
                        self.expanded_arg(&mut expanded, args, *index, name, ctx)?
                    };
                    push_arg(&mut pieces, tokens, *space, next_to_paste);
                }
            }
        }
        paste_pieces(pieces)
    }

    /// An argument fully macro-expanded on its own (once per invocation).
    fn expanded_arg(
        &mut self,
        cache: &mut [Option<Vec<Token>>],
        args: &[Vec<Token>],
        index: usize,
        name: &Token,
        ctx: &mut Ctx,
    ) -> Result<Vec<Token>, Error> {
        if let Some(Some(done)) = cache.get(index) {
            return Ok(done.clone());
        }
        if ctx.depth >= MAX_EXPANSION_DEPTH {
            return Err(name.error(PreprocessError::ExpansionTooDeep {
                limit: MAX_EXPANSION_DEPTH,
            }));
        }
        let arg = args.get(index).cloned().unwrap_or_default();
        ctx.charge(arg.len(), name)?;
        let pull = std::mem::replace(&mut ctx.pull, false);
        ctx.depth += 1;
        let result = self.expand(arg, ctx);
        ctx.depth -= 1;
        ctx.pull = pull;
        let result = result?;
        if let Some(slot) = cache.get_mut(index) {
            *slot = Some(result.clone());
        }
        Ok(result)
    }
}

/// Whether a `#include` candidate's error means "not in this directory".
fn is_not_there(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory | io::ErrorKind::NotADirectory
    )
}

/// A header name from a `<…>` or plain `"…"` token, and whether it was angled.
fn header_name(token: &Token) -> Option<(String, bool)> {
    let (inner, angled) = match token.kind {
        Kind::HeaderName => (token.text.strip_prefix('<')?.strip_suffix('>')?, true),
        Kind::Str => (token.text.strip_prefix('"')?.strip_suffix('"')?, false),
        _ => return None,
    };
    (!inner.is_empty()).then(|| (inner.to_owned(), angled))
}

/// Tokens of a line read to continue an invocation: the line break counts as a space.
fn continuation(mut line: Vec<Token>) -> Vec<Token> {
    if let Some(first) = line.first_mut() {
        first.space = true;
    }
    line
}

/// Checks the argument count; an absent variadic argument becomes an empty one.
fn check_arity(
    params: &Params,
    name: &Token,
    mut args: Vec<Vec<Token>>,
) -> Result<Vec<Vec<Token>>, Error> {
    let count = params.names.len();
    let found = args.len();
    if count == 0 && found == 1 && args.first().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    if params.variadic {
        if found + 1 == count {
            args.push(Vec::new());
        } else if found < count {
            return Err(name.error(PreprocessError::TooFewArguments {
                name: name.text.to_string(),
                at_least: count - 1,
                found,
            }));
        }
    } else if found != count {
        return Err(name.error(PreprocessError::WrongArgumentCount {
            name: name.text.to_string(),
            expected: count,
            found,
        }));
    }
    Ok(args)
}

/// Whether the `##` at `i` is GNU's `, ## __VA_ARGS__`, which pastes nothing: it removes the
/// comma when the variadic argument is empty and does nothing otherwise.
fn gnu_comma(definition: &Macro, i: usize) -> bool {
    let Some(params) = definition.params.as_ref().filter(|p| p.variadic) else {
        return false;
    };
    let body = &definition.body;
    let comma_before =
        matches!(i.checked_sub(1).and_then(|p| body.get(p)), Some(BodyItem::Token(t)) if t.is(","));
    let va_after = matches!(body.get(i + 1), Some(BodyItem::Param { index, .. }) if *index + 1 == params.names.len());
    comma_before && va_after
}

/// Pushes an argument's tokens (first one spaced like the parameter); an empty argument next to
/// `##` is a placemarker.
fn push_arg(pieces: &mut Vec<Piece>, tokens: Vec<Token>, space: bool, next_to_paste: bool) {
    if tokens.is_empty() {
        if next_to_paste {
            pieces.push(Piece::Placemarker);
        }
        return;
    }
    for (i, mut token) in tokens.into_iter().enumerate() {
        if i == 0 {
            token.space = space;
        }
        pieces.push(Piece::Token(token));
    }
}

/// Applies `##` left to right and drops placemarkers.
fn paste_pieces(pieces: Vec<Piece>) -> Result<Vec<Token>, Error> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    let mut pieces = pieces.into_iter();
    while let Some(piece) = pieces.next() {
        let Piece::Paste = piece else {
            out.push(piece);
            continue;
        };
        let left = out.pop().unwrap_or(Piece::Placemarker);
        let right = match pieces.next() {
            Some(Piece::Paste) | None => Piece::Placemarker,
            Some(right) => right,
        };
        out.push(match (left, right) {
            (Piece::Token(l), Piece::Token(r)) => Piece::Token(paste(&l, &r)?),
            (Piece::Token(l), _) => Piece::Token(l),
            (_, right) => right,
        });
    }
    Ok(out
        .into_iter()
        .filter_map(|p| match p {
            Piece::Token(t) => Some(t),
            _ => None,
        })
        .collect())
}

/// A replacement-list token placed at the invocation.
fn relocate(token: &Token, at: &Token) -> Token {
    let mut token = token.clone();
    token.file = at.file.clone();
    token.line = at.line;
    token.column = at.column;
    token
}

/// Adds `hide` to every token's hide set, sharing the result between tokens that had the same
/// set (which is nearly all of them).
fn add_hide_set(
    tokens: &mut [Token],
    hide: &HideSet,
    ctx: &mut Ctx,
    at: &Token,
) -> Result<(), Error> {
    let mut memo: Option<(HideSet, HideSet)> = None;
    for token in tokens {
        if token.hide.is_empty() {
            token.hide = hide.clone();
            continue;
        }
        if let Some((from, to)) = &memo
            && from.same(&token.hide)
        {
            token.hide = to.clone();
            continue;
        }
        ctx.charge(token.hide.names().len() + hide.names().len(), at)?;
        let merged = token.hide.union(hide);
        memo = Some((token.hide.clone(), merged.clone()));
        token.hide = merged;
    }
    Ok(())
}

fn is_builtin(name: &str) -> bool {
    matches!(name, "__FILE__" | "__LINE__")
}

/// `__FILE__` and `__LINE__` (when not defined by the user); any other token as it is.
fn builtin(token: Token) -> Token {
    match &*token.text {
        "__LINE__" => token.derive(Kind::Number, &token.line.to_string()),
        "__FILE__" => {
            let escaped = token.file.replace('\\', "\\\\").replace('"', "\\\"");
            token.derive(Kind::Str, &format!("\"{escaped}\""))
        }
        _ => token,
    }
}

// ---------------------------------------------------------------------------------------------
// #if expressions
// ---------------------------------------------------------------------------------------------

mod expr {
    //! `#if` arithmetic: C's integer constant expressions in `intmax_t`/`uintmax_t`, wrapping.

    use super::{Kind, MAX_EXPRESSION_DEPTH, PreprocessError, Token};

    /// A value and whether it is unsigned (the usual arithmetic conversions apply).
    #[derive(Clone, Copy, Debug)]
    struct Value {
        bits: u64,
        unsigned: bool,
    }

    impl Value {
        fn signed(v: i64) -> Value {
            Value {
                bits: v as u64,
                unsigned: false,
            }
        }

        fn truth(b: bool) -> Value {
            Value::signed(i64::from(b))
        }

        fn is_true(self) -> bool {
            self.bits != 0
        }
    }

    /// Evaluates macro-expanded `#if` tokens; remaining identifiers are 0.
    pub(super) fn evaluate(tokens: &[Token]) -> Result<bool, PreprocessError> {
        let mut parser = Parser {
            tokens,
            pos: 0,
            depth: 0,
        };
        let value = parser.comma(true)?;
        match parser.peek() {
            Some(t) => Err(unexpected(Some(t))),
            None => Ok(value.is_true()),
        }
    }

    fn unexpected(token: Option<&Token>) -> PreprocessError {
        PreprocessError::BadExpression {
            found: token.map_or_else(|| "end of line".to_owned(), |t| format!("`{}`", t.text)),
        }
    }

    struct Parser<'t> {
        tokens: &'t [Token],
        pos: usize,
        depth: usize,
    }

    /// Binary operators and their precedence (higher binds tighter).
    fn binary_precedence(op: &str) -> Option<u8> {
        Some(match op {
            "||" => 1,
            "&&" => 2,
            "|" => 3,
            "^" => 4,
            "&" => 5,
            "==" | "!=" => 6,
            "<" | "<=" | ">" | ">=" => 7,
            "<<" | ">>" => 8,
            "+" | "-" => 9,
            "*" | "/" | "%" => 10,
            _ => return None,
        })
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<&Token> {
            self.tokens.get(self.pos)
        }

        fn next(&mut self) -> Option<&Token> {
            let token = self.tokens.get(self.pos);
            self.pos += 1;
            token
        }

        fn eat(&mut self, punct: &str) -> bool {
            let found = self.peek().is_some_and(|t| t.is(punct));
            if found {
                self.pos += 1;
            }
            found
        }

        fn expect(&mut self, punct: &str) -> Result<(), PreprocessError> {
            if self.eat(punct) {
                Ok(())
            } else {
                Err(unexpected(self.peek()))
            }
        }

        fn enter(&mut self) -> Result<(), PreprocessError> {
            self.depth += 1;
            if self.depth > MAX_EXPRESSION_DEPTH {
                return Err(PreprocessError::ExpressionTooDeep {
                    limit: MAX_EXPRESSION_DEPTH,
                });
            }
            Ok(())
        }

        fn leave(&mut self) {
            self.depth = self.depth.saturating_sub(1);
        }

        /// `a , b`
        fn comma(&mut self, eval: bool) -> Result<Value, PreprocessError> {
            let mut value = self.conditional(eval)?;
            while self.eat(",") {
                value = self.conditional(eval)?;
            }
            Ok(value)
        }

        /// `c ? a : b`, right-associative; only the chosen branch is evaluated.
        fn conditional(&mut self, eval: bool) -> Result<Value, PreprocessError> {
            let condition = self.binary(1, eval)?;
            if !self.eat("?") {
                return Ok(condition);
            }
            self.enter()?;
            let take = condition.is_true();
            let then = self.comma(eval && take)?;
            self.expect(":")?;
            let otherwise = self.conditional(eval && !take)?;
            self.leave();
            Ok(Value {
                bits: if take { then.bits } else { otherwise.bits },
                unsigned: then.unsigned || otherwise.unsigned,
            })
        }

        /// Precedence climbing over the binary operators of at least `min` precedence.
        fn binary(&mut self, min: u8, eval: bool) -> Result<Value, PreprocessError> {
            let mut left = self.unary(eval)?;
            while let Some(token) = self.peek().filter(|t| t.kind == Kind::Punct) {
                let op = token.text.clone();
                let Some(precedence) = binary_precedence(&op).filter(|&p| p >= min) else {
                    break;
                };
                self.pos += 1;
                let right_eval = match &*op {
                    "&&" => eval && left.is_true(),
                    "||" => eval && !left.is_true(),
                    _ => eval,
                };
                let right = self.binary(precedence + 1, right_eval)?;
                left = apply(&op, left, right, eval)?;
            }
            Ok(left)
        }

        fn unary(&mut self, eval: bool) -> Result<Value, PreprocessError> {
            let op = match self.peek() {
                Some(t) if t.kind == Kind::Punct && matches!(&*t.text, "+" | "-" | "~" | "!") => {
                    t.text.clone()
                }
                _ => return self.primary(eval),
            };
            self.pos += 1;
            self.enter()?;
            let v = self.unary(eval)?;
            self.leave();
            Ok(match &*op {
                "-" => Value {
                    bits: v.bits.wrapping_neg(),
                    ..v
                },
                "~" => Value { bits: !v.bits, ..v },
                "!" => Value::truth(!v.is_true()),
                _ => v,
            })
        }

        fn primary(&mut self, eval: bool) -> Result<Value, PreprocessError> {
            let Some(token) = self.next().cloned() else {
                return Err(unexpected(None));
            };
            match token.kind {
                Kind::Number => number(&token.text),
                Kind::Char => character(&token.text),
                Kind::Ident => Ok(Value::signed(0)),
                Kind::Punct if token.is("(") => {
                    self.enter()?;
                    let value = self.comma(eval)?;
                    self.expect(")")?;
                    self.leave();
                    Ok(value)
                }
                _ => Err(unexpected(Some(&token))),
            }
        }
    }

    /// A binary operator; `eval` is false in a branch that is not evaluated (no division
    /// error there).
    fn apply(op: &str, l: Value, r: Value, eval: bool) -> Result<Value, PreprocessError> {
        let unsigned = l.unsigned || r.unsigned;
        let arith = |bits: u64| Value { bits, unsigned };
        let less = |a: Value, b: Value| {
            if unsigned {
                a.bits < b.bits
            } else {
                (a.bits as i64) < (b.bits as i64)
            }
        };
        Ok(match op {
            "*" => arith(l.bits.wrapping_mul(r.bits)),
            "/" | "%" => return divide(op, l, r, eval),
            "+" => arith(l.bits.wrapping_add(r.bits)),
            "-" => arith(l.bits.wrapping_sub(r.bits)),
            "<<" => shift(l, r, true),
            ">>" => shift(l, r, false),
            "<" => Value::truth(less(l, r)),
            ">" => Value::truth(less(r, l)),
            "<=" => Value::truth(!less(r, l)),
            ">=" => Value::truth(!less(l, r)),
            "==" => Value::truth(l.bits == r.bits),
            "!=" => Value::truth(l.bits != r.bits),
            "&" => arith(l.bits & r.bits),
            "^" => arith(l.bits ^ r.bits),
            "|" => arith(l.bits | r.bits),
            "&&" => Value::truth(l.is_true() && r.is_true()),
            _ => Value::truth(l.is_true() || r.is_true()),
        })
    }

    fn divide(op: &str, l: Value, r: Value, eval: bool) -> Result<Value, PreprocessError> {
        let unsigned = l.unsigned || r.unsigned;
        if r.bits == 0 {
            return if eval {
                Err(PreprocessError::DivisionByZero)
            } else {
                Ok(Value { bits: 0, unsigned })
            };
        }
        let bits = match (op, unsigned) {
            ("/", true) => l.bits / r.bits,
            (_, true) => l.bits % r.bits,
            ("/", false) => (l.bits as i64).wrapping_div(r.bits as i64) as u64,
            (_, false) => (l.bits as i64).wrapping_rem(r.bits as i64) as u64,
        };
        Ok(Value { bits, unsigned })
    }

    /// `<<` and `>>` as clang (Apple's `cc`) computes them, the count taken as unsigned: a
    /// left shift by 64 or more is 0; a right shift takes the count's low 32 bits and shifts
    /// by at most 63 (GCC differs: it shifts by a negative count the other way).
    fn shift(l: Value, r: Value, left: bool) -> Value {
        let bits = if left {
            u32::try_from(r.bits)
                .ok()
                .and_then(|count| l.bits.checked_shl(count))
                .unwrap_or(0)
        } else {
            let count = (r.bits as u32).min(63);
            if l.unsigned {
                l.bits >> count
            } else {
                ((l.bits as i64) >> count) as u64
            }
        };
        Value {
            bits,
            unsigned: l.unsigned,
        }
    }

    /// An integer constant: decimal, `0x` hex, `0b` binary or `0` octal, with `u`/`l` suffixes.
    fn number(text: &str) -> Result<Value, PreprocessError> {
        let invalid = || PreprocessError::InvalidNumber {
            text: text.to_owned(),
        };
        let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
        let suffix = text.get(digits.len()..).unwrap_or_default();
        let us = suffix
            .chars()
            .filter(|c| c.eq_ignore_ascii_case(&'u'))
            .count();
        if us > 1 || suffix.len() - us > 2 {
            return Err(invalid());
        }
        let lower = digits.to_ascii_lowercase();
        let (radix, digits) = if let Some(hex) = lower.strip_prefix("0x") {
            (16, hex)
        } else if let Some(bin) = lower.strip_prefix("0b") {
            (2, bin)
        } else if lower.len() > 1 && lower.starts_with('0') {
            (8, lower.get(1..).unwrap_or_default())
        } else {
            (10, lower.as_str())
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid());
        }
        let bits = u64::from_str_radix(digits, radix).map_err(|_| invalid())?;
        Ok(Value {
            bits,
            unsigned: us == 1 || bits > i64::MAX as u64,
        })
    }

    /// A character constant: plain ones are `char` (signed) if one character, `int` built a
    /// byte at a time if more (as GCC); `L`, `u`, `U` ones are the last character's value.
    fn character(text: &str) -> Result<Value, PreprocessError> {
        let invalid = || PreprocessError::InvalidCharacter {
            text: text.to_owned(),
        };
        let (prefix, quoted) = text.split_at(text.find('\'').ok_or_else(invalid)?);
        let body = quoted
            .strip_prefix('\'')
            .and_then(|b| b.strip_suffix('\''))
            .ok_or_else(invalid)?;
        let units = decode(body, prefix.is_empty());
        let last = *units.last().ok_or_else(invalid)?;
        Ok(match prefix {
            "" if units.len() == 1 => Value::signed(i64::from(last as u8 as i8)),
            "" => {
                let folded = units.iter().fold(0u32, |acc, &u| (acc << 8) | (u & 0xff));
                Value::signed(i64::from(folded as i32))
            }
            "L" => Value::signed(i64::from(last as i32)),
            _ => Value {
                bits: u64::from(last),
                unsigned: true,
            },
        })
    }

    /// The code units of a character constant's body, escapes decoded; `bytes` splits
    /// non-ASCII characters into their UTF-8 bytes.
    fn decode(body: &str, bytes: bool) -> Vec<u32> {
        let mut units = Vec::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            let unit = if c == '\\' {
                escape(&mut chars)
            } else if bytes && !c.is_ascii() {
                let mut buf = [0u8; 4];
                units.extend(c.encode_utf8(&mut buf).bytes().map(u32::from));
                continue;
            } else {
                u32::from(c)
            };
            units.push(unit);
        }
        units
    }

    fn escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> u32 {
        let Some(c) = chars.next() else {
            return u32::from('\\');
        };
        match c {
            'n' => 10,
            't' => 9,
            'r' => 13,
            'a' => 7,
            'b' => 8,
            'f' => 12,
            'v' => 11,
            'e' | 'E' => 27,
            'x' => digits_from(chars, 0, 16, usize::MAX),
            '0'..='7' => {
                let first = c.to_digit(8).unwrap_or(0);
                digits_from(chars, first, 8, 2)
            }
            other => u32::from(other),
        }
    }

    /// Reads up to `max` more digits of `radix` after a value of `value`; the total, wrapping.
    fn digits_from(
        chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
        mut value: u32,
        radix: u32,
        max: usize,
    ) -> u32 {
        let mut count = 0;
        while count < max {
            let Some(d) = chars.peek().and_then(|c| c.to_digit(radix)) else {
                break;
            };
            value = value.wrapping_mul(radix).wrapping_add(d);
            chars.next();
            count += 1;
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_joins_lines_and_keeps_positions() {
        let s = splice("ab\\\ncd\\  \r\ne\n");
        assert_eq!(s.bytes, b"abcde\n");
        assert_eq!(s.position(1), (1, 2));
        assert_eq!(s.position(2), (2, 1));
        assert_eq!(s.position(4), (3, 1));
        assert_eq!(s.position(5), (3, 2));
        let s = splice("a\n\nb\\\n\\\nc");
        assert_eq!(s.bytes, b"a\n\nbc");
        assert_eq!(s.position(3), (3, 1));
        assert_eq!(s.position(4), (5, 1));
    }

    #[test]
    fn would_merge_detects_accidental_pasting() {
        assert!(would_merge("-", "-"));
        assert!(would_merge("a", "b"));
        assert!(would_merge("/", "/"));
        assert!(would_merge("1", ".5"));
        assert!(!would_merge("a", "("));
        assert!(!would_merge("a", "+"));
        assert!(!would_merge(")", "x"));
    }

    #[test]
    fn classify_tokens() {
        assert_eq!(classify(b"0x1fUL+", false), (Kind::Number, 6));
        assert_eq!(classify(b"1e+5", false), (Kind::Number, 4));
        assert_eq!(classify(b"L'a'", false), (Kind::Char, 4));
        assert_eq!(classify(b"\"a\\\"b\" x", false), (Kind::Str, 6));
        assert_eq!(classify(b"'abc\nx", false), (Kind::Other, 4));
        assert_eq!(classify(b"<a/b.h> x", true), (Kind::HeaderName, 7));
        assert_eq!(classify(b"<a/b.h> x", false), (Kind::Punct, 1));
        assert_eq!(classify(b"<<=", false), (Kind::Punct, 3));
        assert_eq!(classify("é".as_bytes(), false), (Kind::Other, 2));
    }

    #[test]
    fn hide_sets_are_sorted_sets() {
        let a: Rc<str> = "a".into();
        let b: Rc<str> = "b".into();
        let ab = HideSet::default().with(&b).with(&a).with(&b);
        assert_eq!(ab.names(), &[a.clone(), b.clone()]);
        assert!(ab.contains("a") && !ab.contains("c"));
        let only_b = ab.intersect(&HideSet::default().with(&b));
        assert_eq!(only_b.names(), std::slice::from_ref(&b));
        assert_eq!(only_b.union(&HideSet::default().with(&a)).names(), &[a, b]);
    }

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(
            normalize(Path::new("/a/./b/../c.h")),
            PathBuf::from("/a/c.h")
        );
        assert_eq!(normalize(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(normalize(Path::new("/../y")), PathBuf::from("/y"));
    }
}
