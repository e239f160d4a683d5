//! Every error the front end can report, reported with the right variant at the right place.
//!
//! One test per [`SyntaxError`] and [`SemanticError`] variant a `.defs` text can produce (and,
//! for `SyntaxError::Unexpected`, one per statement kind), each feeding a small text through
//! [`Interface::load_str`] with an empty preprocessor and asserting the exact variant, file,
//! line and column. Texts that need types declare them inline ([`PRELUDE`]).
//!
//! Columns count bytes of the preprocessed line, which the preprocessor re-spaces (leading
//! blanks dropped, runs of blanks and comments made one space); the texts here are written
//! single-spaced and unindented, so that those columns are also the source's.

use darling_mig::{Error, Interface, Preprocessor, SemanticError, SyntaxError};

/// A subsystem and the two types most tests need, on three lines.
const PRELUDE: &str = "subsystem t 100;\n\
                       type int = MACH_MSG_TYPE_INTEGER_32;\n\
                       type port = MACH_MSG_TYPE_COPY_SEND;\n";
/// Lines [`PRELUDE`] takes.
const PRELUDE_LINES: u32 = 3;

fn load(text: &str) -> Result<Interface, Error> {
    Interface::load_str("t.defs", text, &Preprocessor::empty())
}

/// The syntax error `text` gives, and its line and column (in `t.defs`).
fn syntax(text: &str) -> (SyntaxError, u32, u32) {
    match load(text) {
        Err(Error::Syntax { kind, location }) => {
            assert_eq!(&*location.file, "t.defs", "{text:?}");
            (kind, location.line, location.column)
        }
        other => panic!(
            "{text:?}: expected a syntax error, got {:?}",
            other.map(|i| i.name)
        ),
    }
}

/// The semantic error `text` gives, and its line and column (in `t.defs`).
fn semantic(text: &str) -> (SemanticError, u32, u32) {
    match load(text) {
        Err(Error::Semantic { kind, location }) => {
            assert_eq!(&*location.file, "t.defs", "{text:?}");
            (kind, location.line, location.column)
        }
        other => panic!(
            "{text:?}: expected a semantic error, got {:?}",
            other.map(|i| i.name)
        ),
    }
}

/// As [`semantic`] for `body` after [`PRELUDE`]; the line counts from the body's first.
fn semantic_in_body(body: &str) -> (SemanticError, u32, u32) {
    let (kind, line, column) = semantic(&format!("{PRELUDE}{body}"));
    assert!(line > PRELUDE_LINES, "{body:?}: error in the prelude");
    (kind, line - PRELUDE_LINES, column)
}

fn unexpected(expected: &'static str, found: &str) -> SyntaxError {
    SyntaxError::Unexpected {
        expected,
        found: found.to_string(),
    }
}

/// Checks `(text, expected, found, line, column)` cases of `SyntaxError::Unexpected`; every
/// text is parsed after [`PRELUDE`], and lines count from the text's first.
fn check_unexpected(cases: &[(&str, &'static str, &str, u32, u32)]) {
    for &(text, expected, found, line, column) in cases {
        let got = syntax(&format!("{PRELUDE}{text}"));
        assert_eq!(
            got,
            (unexpected(expected, found), line + PRELUDE_LINES, column),
            "{text:?}"
        );
    }
}

/// `n` nested `array[1] of`, around `int`.
fn nested_arrays(n: usize) -> String {
    format!("type t = {}int;", "array[1] of ".repeat(n))
}

// ---------------------------------------------------------------------------------------------
// Lexical errors
// ---------------------------------------------------------------------------------------------

#[test]
fn a_character_that_starts_no_token_is_reported_where_it_is() {
    assert_eq!(
        syntax("subsystem t 100; @"),
        (SyntaxError::UnexpectedCharacter('@'), 1, 18)
    );
    assert_eq!(
        syntax("skip;\nskip $;"),
        (SyntaxError::UnexpectedCharacter('$'), 2, 6)
    );
    // Not ASCII: the whole character is named.
    assert_eq!(
        syntax("skip é;"),
        (SyntaxError::UnexpectedCharacter('é'), 1, 6)
    );
    // A quote outside an import or rcsid is no token either.
    assert_eq!(
        syntax("ServerPrefix \"p\";"),
        (SyntaxError::UnexpectedCharacter('"'), 1, 14)
    );
}

#[test]
fn a_number_past_u32_is_too_large() {
    assert_eq!(
        syntax("subsystem t 4294967296;"),
        (SyntaxError::NumberTooLarge("4294967296".into()), 1, 13)
    );
    assert_eq!(
        syntax(&format!(
            "{PRELUDE}type t = array[99999999999999999999] of int;"
        )),
        (
            SyntaxError::NumberTooLarge("99999999999999999999".into()),
            PRELUDE_LINES + 1,
            16
        )
    );
    // u32::MAX itself is a number.
    assert!(load("subsystem t 1;\nUserTypeLimit 4294967295;").is_ok());
}

#[test]
fn an_unterminated_file_name_is_reported_at_its_opening_delimiter() {
    assert_eq!(
        syntax("import \"foo.h;"),
        (SyntaxError::UnterminatedString, 1, 8)
    );
    assert_eq!(
        syntax("subsystem t 1;\nuimport <foo.h;"),
        (SyntaxError::UnterminatedString, 2, 9)
    );
    // The closing delimiter must be on the same line.
    assert_eq!(
        syntax("simport \"foo.h\n\";"),
        (SyntaxError::UnterminatedString, 1, 9)
    );
}

#[test]
fn an_unterminated_quoted_string_is_reported_at_its_quote() {
    assert_eq!(
        syntax("rcsid \"$Id: t.defs;"),
        (SyntaxError::UnterminatedString, 1, 7)
    );
    assert_eq!(
        syntax("subsystem t 1;\nrcsid \"abc\n\";"),
        (SyntaxError::UnterminatedString, 2, 7)
    );
}

// ---------------------------------------------------------------------------------------------
// Unexpected tokens, statement by statement
// ---------------------------------------------------------------------------------------------

#[test]
fn unexpected_tokens_where_a_statement_starts_or_ends() {
    check_unexpected(&[
        ("foo;", "a statement", "`foo`", 1, 1),
        ("42;", "a statement", "42", 1, 1),
        ("in;", "a statement", "keyword `in`", 1, 1),
        ("Dealloc;", "a statement", "flag `Dealloc`", 1, 1),
        (
            "MACH_MSG_TYPE_BIT;",
            "a statement",
            "MACH_MSG_TYPE_BIT",
            1,
            1,
        ),
        // A statement not closed by `;`.
        ("skip skip;", "`;`", "keyword `skip`", 1, 6),
        ("skip", "`;`", "end of input", 2, 1),
        ("skip x;", "`;`", "`x`", 1, 6),
    ]);
}

#[test]
fn unexpected_tokens_in_subsystem() {
    check_unexpected(&[
        ("subsystem 100;", "the subsystem's name", "100", 1, 11),
        (
            "subsystem KernelUser ;",
            "the subsystem's name",
            "`;`",
            1,
            22,
        ),
        (
            "subsystem t x;",
            "the subsystem's base message id",
            "`x`",
            1,
            13,
        ),
        (
            "subsystem t;",
            "the subsystem's base message id",
            "`;`",
            1,
            12,
        ),
        ("subsystem t 1 2;", "`;`", "2", 1, 15),
        (
            "subsystem t",
            "the subsystem's base message id",
            "end of input",
            2,
            1,
        ),
    ]);
}

#[test]
fn unexpected_tokens_in_routine_and_simpleroutine() {
    check_unexpected(&[
        ("routine 5();", "the routine's name", "5", 1, 9),
        (
            "simpleroutine (p : port);",
            "the routine's name",
            "`(`",
            1,
            15,
        ),
        ("routine r;", "`(`", "`;`", 1, 10),
        ("routine r(p port);", "`:`", "`port`", 1, 13),
        ("routine r(: port);", "an argument", "`:`", 1, 11),
        (
            "routine r(skip p : port);",
            "an argument",
            "keyword `skip`",
            1,
            11,
        ),
        (
            "routine r(out : port);",
            "the argument's name",
            "`:`",
            1,
            15,
        ),
        ("routine r(p : 5);", "a type", "5", 1, 15),
        ("routine r(p : port x);", "`;` or `)`", "`x`", 1, 20),
        ("routine r(p : port;;", "an argument", "`;`", 1, 20),
        ("routine r(p : port, 5);", "a flag", "5", 1, 21),
        ("routine r(p : port, Dealloc[);", "`]`", "`)`", 1, 29),
        (
            "simpleroutine r(p : port",
            "`;` or `)`",
            "end of input",
            2,
            1,
        ),
        // An argument's own type declaration.
        ("routine r(p : t = ;", "a type", "`;`", 1, 19),
        ("routine r(p : PointerTo(5));", "a C type", "5", 1, 25),
        (
            "routine r(p : PointerToIfNot(unsigned long) );",
            "`,`",
            "`)`",
            1,
            43,
        ),
    ]);
}

#[test]
fn unexpected_tokens_in_type() {
    check_unexpected(&[
        ("type 5 = int;", "the type's name", "5", 1, 6),
        ("type t int;", "`=`", "`int`", 1, 8),
        ("type t = ;", "a type", "`;`", 1, 10),
        (
            "type t = MACH_MSG_TYPE_INTEGER_32 | x;",
            "a MACH_MSG_TYPE_* name",
            "`x`",
            1,
            37,
        ),
        ("type t = array 5 of int;", "`[`", "5", 1, 16),
        ("type t = array[5 of int;", "`]`", "keyword `of`", 1, 18),
        ("type t = array[5] int;", "`of`", "`int`", 1, 19),
        ("type t = array[x] of int;", "a number", "`x`", 1, 16),
        ("type t = array[*:] of int;", "a number", "`]`", 1, 18),
        ("type t = array[* 4] of int;", "`]`", "4", 1, 18),
        ("type t = array[(4] of int;", "`)`", "`]`", 1, 18),
        ("type t = struct 2 of int;", "`[`", "2", 1, 17),
        ("type t = struct[2] int;", "`of`", "`int`", 1, 20),
        ("type t = c_string[*4];", "`:`", "4", 1, 20),
        ("type t = ^;", "a type", "`;`", 1, 11),
        ("type t = ValueOf(int;", "`)`", "`;`", 1, 21),
        // Clauses after the spec.
        ("type t = int ctype foo_t;", "`:`", "`foo_t`", 1, 20),
        ("type t = int ctype: 5;", "a C type", "5", 1, 21),
        ("type t = int intran: a b c;", "`(`", "`c`", 1, 26),
        ("type t = int outtran: a b(c;", "`)`", "`;`", 1, 28),
        ("type t = int destructor: f(5);", "a C type", "5", 1, 28),
    ]);
}

#[test]
fn unexpected_tokens_in_imports() {
    check_unexpected(&[
        ("import foo;", "a file name", "`foo`", 1, 8),
        ("uimport ;", "a file name", "`;`", 1, 9),
        ("simport 5;", "a file name", "5", 1, 9),
        ("dimport", "a file name", "end of input", 2, 1),
        ("iimport \"f.h\" x;", "`;`", "`x`", 1, 15),
    ]);
}

#[test]
fn unexpected_tokens_in_prefix_demux_and_error_statements() {
    check_unexpected(&[
        ("ServerPrefix 5;", "a prefix", "5", 1, 14),
        ("UserPrefix ;", "a prefix", "`;`", 1, 12),
        (
            "serverdemux routine;",
            "a function name",
            "keyword `routine`",
            1,
            13,
        ),
        ("error (;", "a function name", "`(`", 1, 7),
    ]);
}

#[test]
fn unexpected_tokens_in_word_statements() {
    check_unexpected(&[
        ("waittime ;", "a timeout", "`;`", 1, 10),
        ("sendtime (", "a timeout", "`(`", 1, 10),
        ("msgoption |;", "a message option", "`|`", 1, 11),
        ("ConsumeOnSendError ;", "None, Timeout or Any", "`;`", 1, 20),
        ("waittime 10 20;", "`;`", "20", 1, 13),
        ("nowaittime 10;", "`;`", "10", 1, 12),
        ("msgoption", "a message option", "end of input", 2, 1),
    ]);
}

#[test]
fn unexpected_tokens_in_number_statements() {
    check_unexpected(&[
        ("UseSpecialReplyPort yes;", "a number", "`yes`", 1, 21),
        ("UserTypeLimit ;", "a number", "`;`", 1, 15),
        ("OnStackLimit -1;", "a number", "`-`", 1, 14),
    ]);
}

#[test]
fn unexpected_tokens_in_rcsid() {
    check_unexpected(&[
        ("rcsid foo;", "a quoted string", "`foo`", 1, 7),
        ("rcsid <x>;", "a quoted string", "`<`", 1, 7),
        ("rcsid", "a quoted string", "end of input", 2, 1),
    ]);
}

// ---------------------------------------------------------------------------------------------
// The other syntax errors
// ---------------------------------------------------------------------------------------------

#[test]
fn consume_on_send_error_takes_only_none_timeout_or_any() {
    assert_eq!(
        syntax("ConsumeOnSendError Sometimes;"),
        (SyntaxError::ConsumeOnSendError("Sometimes".into()), 1, 20)
    );
    assert_eq!(
        syntax("subsystem t 1;\nConsumeOnSendError MACH_SEND_TIMEOUT;"),
        (
            SyntaxError::ConsumeOnSendError("MACH_SEND_TIMEOUT".into()),
            2,
            20
        )
    );
    for ok in ["None", "timeout", "ANY"] {
        assert!(
            load(&format!("subsystem t 1;\nConsumeOnSendError {ok};")).is_ok(),
            "{ok}"
        );
    }
}

#[test]
fn the_long_form_type_is_refused() {
    assert_eq!(
        syntax("type t = (MACH_MSG_TYPE_INTEGER_32, 32);"),
        (SyntaxError::LongFormType, 1, 10)
    );
    assert_eq!(
        syntax(&format!("{PRELUDE}routine r(p : port; x : t = (2, 32));")),
        (SyntaxError::LongFormType, PRELUDE_LINES + 1, 29)
    );
}

#[test]
fn only_dealloc_takes_brackets() {
    assert_eq!(
        syntax(&format!("{PRELUDE}routine r(p : port; a : int, Const[]);")),
        (SyntaxError::BracketsOnFlag, PRELUDE_LINES + 1, 30)
    );
    assert_eq!(
        syntax(&format!(
            "{PRELUDE}routine r(p : port; a : port, Dealloc, NotDealloc[]);"
        )),
        (SyntaxError::BracketsOnFlag, PRELUDE_LINES + 1, 40)
    );
    assert!(
        load(&format!(
            "{PRELUDE}routine r(p : port; a : port, Dealloc[]);"
        ))
        .is_ok()
    );
}

#[test]
fn nesting_too_deep_is_reported_at_the_first_level_too_many() {
    // 64 levels of types are allowed: the 65th `array` is where it fails.
    assert!(load(&format!("{PRELUDE}{}", nested_arrays(63))).is_ok());
    let (kind, line, column) = syntax(&format!("{PRELUDE}{}", nested_arrays(200)));
    assert_eq!((kind, line), (SyntaxError::TooDeep, PRELUDE_LINES + 1));
    assert_eq!(
        column as usize,
        "type t = ".len() + "array[1] of ".len() * 64 + 1
    );
    // `^` takes a level each.
    let carets = format!("type t = {}MACH_MSG_TYPE_INTEGER_32;", "^".repeat(100));
    assert_eq!(syntax(&carets), (SyntaxError::TooDeep, 1, 10 + 64));
    // So do parentheses in a size, counted with the type around them (one level here).
    let parens = format!(
        "type t = array[{}1{}] of MACH_MSG_TYPE_BYTE;",
        "(".repeat(100),
        ")".repeat(100)
    );
    assert_eq!(syntax(&parens), (SyntaxError::TooDeep, 1, 16 + 63));
}

#[test]
fn bad_arithmetic_in_a_size_is_reported_at_its_operator() {
    let cases = [
        ("type t = array[*: 1/0] of int;", 20),
        ("type t = array[4294967295 + 1] of int;", 27),
        ("type t = array[2 - 3] of int;", 18),
        ("type t = array[65536 * 65536] of int;", 22),
        ("type t = struct[(8 / (2 - 2))] of int;", 20),
        ("type t = c_string[*: 10 - 20];", 25),
    ];
    for (text, column) in cases {
        assert_eq!(
            syntax(&format!("{PRELUDE}{text}")),
            (SyntaxError::Arithmetic, PRELUDE_LINES + 1, column),
            "{text}"
        );
    }
}

#[test]
fn errors_in_an_included_file_name_that_file() {
    let mut pp = Preprocessor::empty();
    pp.source(|path| match path.to_str() {
        Some("inc.defs") => Ok("skip;\nskip @;\n".to_string()),
        _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
    });
    let text = "subsystem t 1;\n#include \"inc.defs\"\nskip;\n";
    match Interface::load_str("t.defs", text, &pp) {
        Err(Error::Syntax {
            kind: SyntaxError::UnexpectedCharacter('@'),
            location,
        }) => assert_eq!(
            (&*location.file, location.line, location.column),
            ("inc.defs", 2, 6)
        ),
        other => panic!("{:?}", other.map(|i| i.name)),
    }
    // The including file's lines after the include keep their numbers.
    let text = "subsystem t 1;\n#include \"inc.defs\"\n/* two\nlines */ skip $;\n";
    let mut pp = Preprocessor::empty();
    pp.source(|_| Ok("skip;\n".to_string()));
    match Interface::load_str("t.defs", text, &pp) {
        Err(Error::Syntax {
            kind: SyntaxError::UnexpectedCharacter('$'),
            location,
        }) => assert_eq!((&*location.file, location.line), ("t.defs", 4)),
        other => panic!("{:?}", other.map(|i| i.name)),
    }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

#[test]
fn an_undefined_type_as_a_spec_is_reported_at_its_name() {
    assert_eq!(
        semantic_in_body("type t = foo;"),
        (SemanticError::UndefinedType("foo".into()), 1, 10)
    );
    assert_eq!(
        semantic_in_body("type t = array[*:4] of struct[2] of foo;"),
        (SemanticError::UndefinedType("foo".into()), 1, 37)
    );
    // A type is not defined in its own declaration.
    assert_eq!(
        semantic_in_body("type u = ^u;"),
        (SemanticError::UndefinedType("u".into()), 1, 11)
    );
}

#[test]
fn an_undefined_type_as_an_argument_type_is_reported_at_the_argument() {
    assert_eq!(
        semantic_in_body("routine r(p : port; out x : foo);"),
        (SemanticError::UndefinedType("foo".into()), 1, 21)
    );
    assert_eq!(
        semantic_in_body("routine r(p : port;\nx : t = array[2] of bar);"),
        (SemanticError::UndefinedType("bar".into()), 2, 21)
    );
}

#[test]
fn a_bare_type_number_has_no_size() {
    assert_eq!(
        semantic_in_body("type t = 2;"),
        (SemanticError::NoSize, 1, 6)
    );
    assert_eq!(
        semantic_in_body("type t = 17 | 18;"),
        (SemanticError::NoSize, 1, 6)
    );
    assert_eq!(
        semantic_in_body("type t = MACH_MSG_TYPE_UNSTRUCTURED;"),
        (SemanticError::NoSize, 1, 6)
    );
    // A number paired with a named type takes the name's size.
    assert!(load(&format!("{PRELUDE}type t = 2 | MACH_MSG_TYPE_INTEGER_32;")).is_ok());
}

#[test]
fn two_sizes_in_one_type_must_be_equal() {
    assert_eq!(
        semantic_in_body("type t = MACH_MSG_TYPE_INTEGER_32 | MACH_MSG_TYPE_INTEGER_64;"),
        (SemanticError::SizeMismatch(32, 64), 1, 6)
    );
    assert_eq!(
        semantic_in_body(
            "routine r(p : port; c : c = MACH_MSG_TYPE_CHAR | MACH_MSG_TYPE_INTEGER_16);"
        ),
        (SemanticError::SizeMismatch(8, 16), 1, 25)
    );
}

#[test]
fn too_complicated_types_are_refused() {
    let cases = [
        // An array of variable arrays.
        "type v = array[*:4] of int;\ntype t = array[2] of v;",
        "type v = array[*:4] of int;\ntype t = array[*:2] of v;",
        // A struct of out-of-line data.
        "type o = ^array[] of int;\ntype t = struct[2] of o;",
        "type o = ^array[4] of int;\ntype t = struct[2] of o;",
        // A struct of a variable array.
        "type v = c_string[*:8];\ntype t = struct[2] of v;",
        // An array of arrays of out-of-line regions.
        "type o = array[2] of ^array[4] of int;\ntype t = array[3] of o;",
        // An unbounded array of out-of-line regions.
        "type o = ^array[4] of int;\ntype t = array[] of o;",
    ];
    for text in cases {
        assert_eq!(
            semantic_in_body(text),
            (SemanticError::TooComplicated, 2, 6),
            "{text}"
        );
    }
}

#[test]
fn out_of_line_twice_is_refused() {
    assert_eq!(
        semantic_in_body("type t = ^^array[4] of int;"),
        (SemanticError::AlreadyOutOfLine, 1, 6)
    );
    assert_eq!(
        semantic_in_body("type o = ^array[4] of int;\ntype t = ^o;"),
        (SemanticError::AlreadyOutOfLine, 2, 6)
    );
    // `^` on an unbounded array (already out of line on the wire) is allowed.
    assert!(load(&format!("{PRELUDE}type t = ^array[] of int;")).is_ok());
}

#[test]
fn types_larger_than_a_message_are_refused() {
    // 2^28 bytes is the most one type may take.
    assert!(
        load(&format!(
            "{PRELUDE}type t = array[268435456] of MACH_MSG_TYPE_CHAR;"
        ))
        .is_ok()
    );
    assert_eq!(
        semantic_in_body("type t = array[268435457] of MACH_MSG_TYPE_CHAR;"),
        (SemanticError::TooLarge, 1, 6)
    );
    assert_eq!(
        semantic_in_body("type t = array[67108865] of int;"),
        (SemanticError::TooLarge, 1, 6)
    );
    assert_eq!(
        semantic_in_body("type t = struct[65536] of array[65536] of MACH_MSG_TYPE_BYTE;"),
        (SemanticError::TooLarge, 1, 6)
    );
    assert_eq!(
        semantic_in_body("type t = c_string[*:268435457];"),
        (SemanticError::TooLarge, 1, 6)
    );
}

#[test]
fn a_routine_whose_arguments_together_are_too_large_is_refused_at_the_one_too_many() {
    // The request port's descriptor and four arguments of 2^28 bytes pass 2^30: the fourth
    // (line 6) is one too many.
    let mut text = format!("{PRELUDE}type b = array[67108864] of int;\nroutine r(p : port");
    for i in 0..17 {
        text.push_str(&format!(";\na{i} : b"));
    }
    text.push_str(");");
    let (kind, line, column) = semantic(&text);
    assert_eq!(
        (kind, line - PRELUDE_LINES, column),
        (SemanticError::TooLarge, 6, 1)
    );
    // The same with descriptors: 2^26 ports in 16-byte descriptors each.
    let mut text = format!("{PRELUDE}type b = array[*:16777216] of port;\nroutine r(p : port");
    for i in 0..17 {
        text.push_str(&format!(";\na{i} : b"));
    }
    text.push_str(");");
    let (kind, line, column) = semantic(&text);
    assert_eq!(
        (kind, line - PRELUDE_LINES, column),
        (SemanticError::TooLarge, 6, 1)
    );
}

#[test]
fn variable_arrays_cannot_be_translated_or_destroyed() {
    let cases = [
        "type t = array[*:4] of int intran: t_t f(int);",
        "type t = array[] of int outtran: int f(t_t);",
        "type t = c_string[*:8] destructor: f(t_t);",
    ];
    for text in cases {
        assert_eq!(
            semantic_in_body(text),
            (SemanticError::VariableTranslation("t".into()), 1, 6),
            "{text}"
        );
    }
    assert!(
        load(&format!(
            "{PRELUDE}type t = array[4] of int intran: t_t f(int);"
        ))
        .is_ok()
    );
}

// ---------------------------------------------------------------------------------------------
// Routines
// ---------------------------------------------------------------------------------------------

#[test]
fn a_routine_needs_a_request_port() {
    assert_eq!(
        semantic_in_body("routine r();"),
        (SemanticError::NoRequestPort("r".into()), 1, 1)
    );
    // Only arguments without a direction word may become the request port.
    assert_eq!(
        semantic_in_body("skip;\nsimpleroutine s(in a : port);"),
        (SemanticError::NoRequestPort("s".into()), 2, 1)
    );
}

#[test]
fn the_request_port_must_be_a_port() {
    assert_eq!(
        semantic_in_body("routine r(p : int);"),
        (SemanticError::BadPort("p".into(), "request"), 1, 11)
    );
    assert_eq!(
        semantic_in_body("routine r(a : port; requestport p : pa = array[2] of port);"),
        (SemanticError::BadPort("p".into(), "request"), 1, 21)
    );
}

#[test]
fn the_reply_port_must_be_a_port() {
    assert_eq!(
        semantic_in_body("routine r(p : port; replyport rp : int);"),
        (SemanticError::BadPort("rp".into(), "reply"), 1, 21)
    );
    assert_eq!(
        semantic_in_body("routine r(p : port; sreplyport rp : pa = ^array[] of port);"),
        (SemanticError::BadPort("rp".into(), "reply"), 1, 21)
    );
}

#[test]
fn wait_time_and_message_option_arguments_must_be_integers() {
    assert_eq!(
        semantic_in_body("routine r(p : port; waittime w : port);"),
        (SemanticError::NotAnInteger("w".into()), 1, 21)
    );
    assert_eq!(
        semantic_in_body("routine r(p : port; msgoption o : i64 = MACH_MSG_TYPE_INTEGER_64);"),
        (SemanticError::NotAnInteger("o".into()), 1, 21)
    );
    assert_eq!(
        semantic_in_body("routine r(p : port;\nsendtime s : st = array[2] of int);"),
        (SemanticError::NotAnInteger("s".into()), 2, 1)
    );
}

#[test]
fn a_simpleroutine_has_no_out_arguments() {
    assert_eq!(
        semantic_in_body("simpleroutine r(p : port; out x : int);"),
        (SemanticError::OutInSimpleRoutine("r".into()), 1, 27)
    );
    assert_eq!(
        semantic_in_body("simpleroutine r(p : port; a : int;\ninout x : int);"),
        (SemanticError::OutInSimpleRoutine("r".into()), 2, 1)
    );
    assert_eq!(
        semantic_in_body("simpleroutine r(p : port; UserSecToken t : int);"),
        (SemanticError::OutInSimpleRoutine("r".into()), 1, 27)
    );
}

#[test]
fn an_inline_variable_array_cannot_be_inout() {
    assert_eq!(
        semantic_in_body("type v = array[*:4] of int;\nroutine r(p : port; inout a : v);"),
        (SemanticError::VariableInOut("a".into()), 2, 21)
    );
    // Out of line, it can.
    assert!(
        load(&format!(
            "{PRELUDE}routine r(p : port; inout a : v = array[] of int);"
        ))
        .is_ok()
    );
}

#[test]
fn ret_code_is_only_for_simpleroutines() {
    assert_eq!(
        semantic_in_body("routine r(p : port; a : int, RetCode);"),
        (SemanticError::RetCodeInRoutine("a".into()), 1, 21)
    );
    assert!(
        load(&format!(
            "{PRELUDE}simpleroutine r(p : port; a : int, RetCode);"
        ))
        .is_ok()
    );
}

#[test]
fn a_routine_needs_a_subsystem() {
    assert_eq!(
        semantic(
            "type port = MACH_MSG_TYPE_COPY_SEND;\nroutine r(p : port);\nroutine s(p : port);"
        ),
        (SemanticError::NoSubsystem, 2, 1)
    );
    assert_eq!(semantic("skip;\nskip;"), (SemanticError::NoSubsystem, 1, 1));
}

#[test]
fn a_routine_name_is_declared_once() {
    assert_eq!(
        semantic_in_body("routine r(p : port);\nskip;\nsimpleroutine r(q : port);"),
        (SemanticError::DuplicateRoutine("r".into()), 3, 1)
    );
}

#[test]
fn an_argument_name_is_declared_once_per_routine() {
    assert_eq!(
        semantic_in_body("routine r(p : port; a : int; out a : int);"),
        (SemanticError::DuplicateArgument("a".into()), 1, 30)
    );
    assert_eq!(
        semantic_in_body("routine r(p : port;\np : port);"),
        (SemanticError::DuplicateArgument("p".into()), 2, 1)
    );
    // Two routines may use one name.
    assert!(
        load(&format!(
            "{PRELUDE}routine r(p : port);\nroutine s(p : port);"
        ))
        .is_ok()
    );
}

#[test]
fn message_ids_must_fit_32_bits_with_the_reply_offset() {
    let routines = "type port = MACH_MSG_TYPE_COPY_SEND;\nskip;\nroutine r(p : port);";
    // The end of the ids (base + 2 slots) plus the reply offset must fit.
    assert!(load(&format!("subsystem t 4294967193;\n{routines}")).is_ok());
    assert_eq!(
        semantic(&format!("subsystem t 4294967194;\n{routines}")),
        (SemanticError::TooManyRoutines, 3, 1)
    );
}

#[test]
fn use_special_reply_port_is_not_for_kernel_subsystems() {
    assert_eq!(
        semantic(
            "subsystem KernelServer t 1;\nUseSpecialReplyPort 1;\n\
             type port = MACH_MSG_TYPE_COPY_SEND;\nroutine r(p : port);"
        ),
        (SemanticError::SpecialReplyPortInKernel, 4, 1)
    );
}

/// Columns are the source's, not the preprocessed text's: indentation, runs of blanks and
/// comments before a token count.
#[test]
fn columns_are_counted_in_the_source_text() {
    let text = "subsystem t 100;\n\t  skip /* a comment */   @\n";
    let err = darling_mig::Interface::load_str("t.defs", text, &darling_mig::Preprocessor::empty())
        .expect_err("@ is no token");
    let at = err.location().expect("a location");
    assert_eq!((at.line, at.column), (2, 27), "{err}");
    // A token on a continuation line names its own line.
    let text = "subsystem t 100;\nroutine r( \\\n   @);\n";
    let err = darling_mig::Interface::load_str("t.defs", text, &darling_mig::Preprocessor::empty())
        .expect_err("@ is no token");
    let at = err.location().expect("a location");
    assert_eq!((at.line, at.column), (3, 4), "{err}");
}
