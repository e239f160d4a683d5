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
//!
//! One file per stage: `lexer` cuts a file into the `token`s of logical lines; `run` reads
//! them line by line, hands directives to `directives` (and `#include` to `include`) and text
//! lines to `expand`, which expands the macros `macros` parsed; `expr` evaluates `#if`.
//! `preprocessor` is the public face, `error` says why input is refused, `predefined` holds
//! the macros `mig` starts with.

mod directives;
mod error;
mod expand;
mod expr;
mod include;
mod lexer;
mod macros;
mod predefined;
mod preprocessor;
mod run;
mod token;

pub use error::PreprocessError;
pub use predefined::PREDEFINED_MACROS;
pub use preprocessor::{Line, Origin, Preprocessed, Preprocessor, Warning};

// Limits. Going past one is an ordinary `PreprocessError`, never a panic or a hang.

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
