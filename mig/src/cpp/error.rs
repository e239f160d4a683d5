//! [`PreprocessError`]: every way the preprocessor refuses its input, a limit passed
//! included. Where it happened is the [`Location`](crate::Location) of the
//! [`Error::Preprocess`](crate::Error::Preprocess) that carries it.

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
