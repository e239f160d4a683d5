//! The front end (preprocessor, lexer, parser, types, routines, layouts) never panics and
//! always terminates, whatever text it is given, and what it accepts it lays out consistently.
//!
//! Inputs come from four generators: arbitrary strings; random sequences of the language's
//! tokens, keywords and preprocessor lines; interfaces generated from the grammar (so that
//! many are accepted and their layouts get checked); and random mutations (tokens or lines
//! deleted, duplicated, swapped, replaced) of our test interfaces in tests/data/defs. Each goes
//! through [`Interface::load_str`] with an in-memory preprocessor that also serves
//! `#include`d files. An accepted interface must satisfy [`check_interface`]: every message's
//! fields are contiguous from offset 0 and add up to its size, its smallest size is at most
//! its size, both are multiples of 4, and every routine's id is the base plus its slot. A
//! refused one must name where: a file and a line and column from 1.
//!
//! The regression tests at the end are inputs that once made the front end panic or overflow
//! its stack.

use std::cell::Cell;
use std::path::Path;
use std::sync::LazyLock;

use darling_mig::layout::{self, FieldKind, MessageLayout};
use darling_mig::{Error, Interface, Preprocessor, SemanticError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

/// An included file every generator may name (`#include "inc.defs"`).
const INC_DEFS: &str = "type inc_t = MACH_MSG_TYPE_INTEGER_32;\n#define INC_N 8\n";

fn data(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Our test interfaces, by file name.
static DEFS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    [
        "arrays.defs",
        "kitchen_sink.defs",
        "notify_like.defs",
        "options.defs",
        "ports.defs",
        "server_side.defs",
        "window.defs",
    ]
    .into_iter()
    .map(|name| (name, data(&format!("defs/{name}"))))
    .collect()
});

/// Apple's predefined macros; files come from memory: `inc.defs` and the test include
/// directory's `mach/std_types.defs` and `mach/mach_types.defs` (as `mem/mach/…`).
static PREPROCESSOR: LazyLock<Preprocessor> = LazyLock::new(|| {
    let std_types = data("defs/include/mach/std_types.defs");
    let mach_types = data("defs/include/mach/mach_types.defs");
    let mut pp = Preprocessor::new();
    pp.include_dir("mem");
    pp.source(move |path| {
        let text = if path == Path::new("inc.defs") {
            INC_DEFS
        } else if path == Path::new("mem/mach/std_types.defs") {
            &std_types
        } else if path == Path::new("mem/mach/mach_types.defs") {
            &mach_types
        } else {
            return Err(std::io::ErrorKind::NotFound.into());
        };
        Ok(text.to_string())
    });
    pp
});

/// Loads `text`; checks what an accepted interface or a refusal promises. Whether it was
/// accepted.
fn check(text: &str) -> bool {
    match Interface::load_str("t.defs", text, &PREPROCESSOR) {
        Ok(iface) => {
            check_interface(&iface);
            true
        }
        Err(e) => {
            check_error(&e);
            false
        }
    }
}

/// An accepted interface's ids and layouts are consistent, and its tables can be made.
fn check_interface(iface: &Interface) {
    assert_eq!(
        u64::from(iface.end()),
        u64::from(iface.base) + iface.slots.len() as u64
    );
    for (slot, r) in iface.slots.iter().enumerate() {
        let Some(r) = r else { continue };
        let name = r.name();
        assert_eq!(r.number() as usize, slot, "{name}");
        assert_eq!(
            u64::from(r.request_id(iface.base)),
            u64::from(iface.base) + slot as u64,
            "{name}"
        );
        check_message(name, &r.request);
        check_message(name, &r.reply);
    }
    let _ = layout::all_tables("t", iface);
}

fn check_message(routine: &str, m: &MessageLayout) {
    let mut offset = 0u64;
    let mut descriptors = 0;
    for f in &m.fields {
        assert_eq!(
            u64::from(f.offset),
            offset,
            "{routine}: {} at {offset}",
            f.name
        );
        offset += u64::from(f.size);
        if let FieldKind::Descriptor { count, .. } = f.kind {
            descriptors += count;
        }
    }
    assert_eq!(m.fields.first().map(|f| f.kind), Some(FieldKind::Header));
    assert_eq!(offset, u64::from(m.size), "{routine}: fields vs size");
    assert!(
        m.min_size <= m.size,
        "{routine}: {} > {}",
        m.min_size,
        m.size
    );
    assert_eq!(m.size % 4, 0, "{routine}: size {}", m.size);
    assert_eq!(m.min_size % 4, 0, "{routine}: min_size {}", m.min_size);
    assert_eq!(m.descriptors, descriptors, "{routine}: descriptors");
    assert_eq!(
        m.complex,
        m.field("msgh_body").is_some(),
        "{routine}: complex"
    );
}

/// A refusal names a place: a file, a line and a column from 1 (but for the two errors
/// `Interface::resolve` reports without a location when the input has no routine).
fn check_error(e: &Error) {
    let _ = e.to_string();
    let no_routine = matches!(
        e,
        Error::Semantic {
            kind: SemanticError::NoSubsystem | SemanticError::TooManyRoutines,
            location,
        } if location.line == 0
    );
    if no_routine || matches!(e, Error::Io { .. }) {
        return;
    }
    let at = e.location().expect("a location");
    assert!(
        !at.file.is_empty() && at.line >= 1 && at.column >= 1,
        "{e:?}"
    );
}

/// Runs `check` on `cases` inputs from `strategy`; fails unless at least `min_accepted` of
/// them were accepted (so that a generator that stops producing valid input is noticed).
fn run(cases: u32, strategy: impl Strategy<Value = String>, min_accepted: u32) {
    let accepted = Cell::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |text| {
        if check(&text) {
            accepted.set(accepted.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        accepted.get() >= min_accepted,
        "only {} of {cases} inputs accepted",
        accepted.get()
    );
}

// ---------------------------------------------------------------------------------------------
// (a) Arbitrary text
// ---------------------------------------------------------------------------------------------

#[test]
fn arbitrary_strings_never_panic() {
    run(512, any::<String>(), 0);
}

#[test]
fn arbitrary_ascii_lines_never_panic() {
    run(512, "[ -~\t\n]{0,300}", 0);
}

// ---------------------------------------------------------------------------------------------
// (b) Sequences of the language's tokens
// ---------------------------------------------------------------------------------------------

/// Tokens, keywords and preprocessor lines (directives come with their newlines).
const VOCABULARY: &[&str] = &[
    // Statements and their keywords.
    "routine",
    "simpleroutine",
    "subsystem",
    "type",
    "skip",
    "import",
    "uimport",
    "simport",
    "dimport",
    "iimport",
    "ServerPrefix",
    "UserPrefix",
    "serverdemux",
    "error",
    "waittime",
    "nowaittime",
    "sendtime",
    "nosendtime",
    "msgoption",
    "UseSpecialReplyPort",
    "ConsumeOnSendError",
    "rcsid",
    "UserTypeLimit",
    "OnStackLimit",
    "KernelUser",
    "KernelServer",
    "subsystem x 100",
    "subsystem KernelServer y 4294967195",
    // Types.
    "array",
    "of",
    "struct",
    "c_string",
    "^",
    "polymorphic",
    "PointerTo",
    "PointerToIfNot",
    "ValueOf",
    "ctype",
    "cusertype",
    "cservertype",
    "intran",
    "outtran",
    "destructor",
    "MACH_MSG_TYPE_UNSTRUCTURED",
    "MACH_MSG_TYPE_BIT",
    "MACH_MSG_TYPE_BOOLEAN",
    "MACH_MSG_TYPE_INTEGER_8",
    "MACH_MSG_TYPE_INTEGER_16",
    "MACH_MSG_TYPE_INTEGER_32",
    "MACH_MSG_TYPE_INTEGER_64",
    "MACH_MSG_TYPE_REAL_64",
    "MACH_MSG_TYPE_CHAR",
    "MACH_MSG_TYPE_BYTE",
    "MACH_MSG_TYPE_MOVE_RECEIVE",
    "MACH_MSG_TYPE_COPY_SEND",
    "MACH_MSG_TYPE_MAKE_SEND",
    "MACH_MSG_TYPE_MOVE_SEND",
    "MACH_MSG_TYPE_MAKE_SEND_ONCE",
    "MACH_MSG_TYPE_MOVE_SEND_ONCE",
    "MACH_MSG_TYPE_PORT_NAME",
    "MACH_MSG_TYPE_PORT_SEND",
    "MACH_MSG_TYPE_POLYMORPHIC",
    "type int = MACH_MSG_TYPE_INTEGER_32;",
    "type port = MACH_MSG_TYPE_COPY_SEND;",
    // Arguments and flags.
    "in",
    "out",
    "inout",
    "requestport",
    "replyport",
    "sreplyport",
    "ureplyport",
    "msgseqno",
    "SecToken",
    "ServerSecToken",
    "UserSecToken",
    "AuditToken",
    "ServerAuditToken",
    "UserAuditToken",
    "ServerContextToken",
    "ServerImpl",
    "UserImpl",
    "SameCount",
    "RetCode",
    "PhysicalCopy",
    "Overwrite",
    "Dealloc",
    "NotDealloc",
    "CountInOut",
    "Auto",
    "Const",
    "ServerCopy",
    "p : port",
    "x : int",
    // Punctuation.
    "[",
    "]",
    "*",
    ":",
    "|",
    ";",
    ";",
    ";",
    "(",
    ")",
    ",",
    "=",
    "+",
    "-",
    "/",
    "<",
    ">",
    "~",
    // Numbers, huge ones included.
    "0",
    "1",
    "2",
    "3",
    "4",
    "16",
    "100",
    "4096",
    "65536",
    "268435456",
    "4294967295",
    "4294967296",
    "99999999999999999999",
    // Names, words, strings.
    "a",
    "b",
    "x",
    "t",
    "int",
    "port",
    "inc_t",
    "MACH_SEND_TIMEOUT",
    "None",
    "Any",
    "\"f.h\"",
    "<f.h>",
    "\"$Id$\"",
    "\"",
    "@",
    "\n",
    // Preprocessor lines.
    "\n#define N 4\n",
    "\n#define F(x) ((x) * 2)\n",
    "\n#undef N\n",
    "N",
    "F(3)",
    "INC_N",
    "\n#if 1\n",
    "\n#if 0\n",
    "\n#if N > 2\n",
    "\n#else\n",
    "\n#endif\n",
    "\n#include \"inc.defs\"\n",
    "\n#include <mach/std_types.defs>\n",
    "\n#error x\n",
    "/*",
    "*/",
    "//",
];

fn token_soup() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(VOCABULARY), 0..80),
    )
        .prop_map(|(with_prelude, tokens)| {
            let mut text = String::new();
            if with_prelude {
                text.push_str("subsystem s 1000;\n#include <mach/std_types.defs>\n");
            }
            text.push_str(&tokens.join(" "));
            text
        })
}

#[test]
fn token_sequences_never_panic() {
    run(768, token_soup(), 0);
}

// ---------------------------------------------------------------------------------------------
// Interfaces generated from the grammar
// ---------------------------------------------------------------------------------------------

/// Types the generated interfaces declare up front (they may name them).
const PRELUDE: &str = "\
subsystem gen 5000;
type int = MACH_MSG_TYPE_INTEGER_32;
type short = MACH_MSG_TYPE_INTEGER_16;
type char = MACH_MSG_TYPE_CHAR;
type u64 = MACH_MSG_TYPE_INTEGER_64;
type port = MACH_MSG_TYPE_COPY_SEND;
type send_once = MACH_MSG_TYPE_MAKE_SEND_ONCE;
type poly = polymorphic;
type name = MACH_MSG_TYPE_PORT_NAME;
type bytes = ^array[] of MACH_MSG_TYPE_BYTE;
type ints = array[*:8] of int;
type str = c_string[*:32];
type g0 = struct[2] of int;
type g1 = array[*:4] of short;
type g2 = ^array[] of u64;
";

/// Names of types declared by [`PRELUDE`] or by earlier generated declarations (`g0`…).
const TYPE_NAMES: &[&str] = &[
    "int",
    "short",
    "char",
    "u64",
    "port",
    "send_once",
    "poly",
    "name",
    "bytes",
    "ints",
    "str",
    "g0",
    "g1",
    "g2",
];

fn size() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(&[0u32, 1, 2, 3, 4, 5, 7, 16, 100, 1000][..])
            .prop_map(|n| n.to_string()),
        (1u32..10, 1u32..10).prop_map(|(a, b)| format!("{a} * {b}")),
    ]
}

/// Types of fixed size: scalars, ports, and fixed arrays and structs of them.
fn fixed_spec() -> impl Strategy<Value = String> {
    let scalar = prop::sample::select(
        &[
            "int",
            "short",
            "char",
            "u64",
            "port",
            "name",
            "g0",
            "MACH_MSG_TYPE_INTEGER_8",
            "MACH_MSG_TYPE_INTEGER_16",
            "MACH_MSG_TYPE_INTEGER_64",
            "MACH_MSG_TYPE_BOOLEAN",
            "MACH_MSG_TYPE_MOVE_RECEIVE",
            "MACH_MSG_TYPE_MAKE_SEND_ONCE",
            "MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_PORT_SEND",
            "polymorphic",
            "ValueOf(bar_t)",
        ][..],
    )
    .prop_map(str::to_string);
    scalar.prop_recursive(2, 6, 1, |inner| {
        prop_oneof![
            (size(), inner.clone()).prop_map(|(n, t)| format!("array[{n}] of {t}")),
            (size(), inner).prop_map(|(n, t)| format!("struct[{n}] of {t}")),
        ]
    })
}

/// Any type, mostly one migcom accepts.
fn type_spec() -> impl Strategy<Value = String> {
    let named = prop::sample::select(TYPE_NAMES).prop_map(str::to_string);
    let accepted = prop_oneof![
        fixed_spec(),
        (size(), fixed_spec()).prop_map(|(n, t)| format!("array[*:{n}] of {t}")),
        fixed_spec().prop_map(|t| format!("array[] of {t}")),
        fixed_spec().prop_map(|t| format!("^{t}")),
        (size(), fixed_spec()).prop_map(|(n, t)| format!("^array[{n}] of {t}")),
        (size(), fixed_spec()).prop_map(|(n, t)| format!("array[{n}] of ^array[] of {t}")),
        size().prop_map(|n| format!("c_string[{n}]")),
        size().prop_map(|n| format!("c_string[*:{n}]")),
        Just("PointerTo(struct_t)".to_string()),
        Just("PointerToIfNot(foo_t, NULL)".to_string()),
    ];
    // Shapes nested at random, many of them refused.
    let random = named.clone().prop_recursive(3, 12, 1, |inner| {
        prop_oneof![
            (size(), inner.clone()).prop_map(|(n, t)| format!("array[{n}] of {t}")),
            (size(), inner.clone()).prop_map(|(n, t)| format!("array[*:{n}] of {t}")),
            inner.clone().prop_map(|t| format!("array[] of {t}")),
            inner.clone().prop_map(|t| format!("^{t}")),
            (size(), inner).prop_map(|(n, t)| format!("struct[{n}] of {t}")),
        ]
    });
    prop_oneof![3 => named, 6 => accepted, 1 => random]
}

fn argument(i: usize) -> impl Strategy<Value = String> {
    let plain = prop::sample::select(&["", "", "in ", "out ", "out ", "inout "][..]);
    let special = prop::sample::select(
        &[
            "requestport ",
            "replyport ",
            "sreplyport ",
            "ureplyport ",
            "waittime ",
            "sendtime ",
            "msgoption ",
            "msgseqno ",
            "ServerAuditToken ",
            "UserSecToken ",
            "ServerContextToken ",
        ][..],
    );
    let ty = prop_oneof![
        3 => prop::sample::select(TYPE_NAMES).prop_map(str::to_string),
        1 => type_spec().prop_map(move |s| format!("a{i}_t = {s}")),
    ];
    let flags = prop::collection::vec(
        prop::sample::select(
            &[
                ", Dealloc",
                ", Dealloc[]",
                ", NotDealloc",
                ", SameCount",
                ", CountInOut",
                ", PhysicalCopy",
                ", Overwrite",
                ", ServerCopy",
                ", RetCode",
                ", Const",
            ][..],
        ),
        0..2,
    );
    prop_oneof![
        // Data and ports in and out.
        12 => (plain, ty.clone(), flags).prop_map(move |(d, t, f)| format!("{d}a{i} : {t}{}", f.concat())),
        // Special arguments of the types they need.
        2 => prop::sample::select(
            &[
                "replyport {} : send_once",
                "sreplyport {} : send_once",
                "ureplyport {} : port",
                "waittime {} : int",
                "sendtime {} : int",
                "msgoption {} : int",
                "msgseqno {} : int",
                "UserSecToken {} : g0",
                "ServerAuditToken {} : g0",
            ][..],
        )
        .prop_map(move |form| form.replace("{}", &format!("a{i}"))),
        // Special arguments of any type, often refused.
        1 => (special, ty).prop_map(move |(d, t)| format!("{d}a{i} : {t}")),
    ]
}

fn routine(n: usize) -> impl Strategy<Value = String> {
    let args = (0usize..6).prop_flat_map(|count| (0..count).map(argument).collect::<Vec<_>>());
    (prop::bool::weighted(0.2), prop::bool::weighted(0.9), args).prop_map(
        move |(simple, port, args)| {
            let kind = if simple { "simpleroutine" } else { "routine" };
            let mut all = Vec::new();
            if port {
                all.push("server : port".to_string());
            }
            all.extend(args);
            format!("{kind} r{n}(\n\t{});", all.join(";\n\t"))
        },
    )
}

fn statement(n: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => routine(n),
        2 => type_spec().prop_map(move |s| format!("type g{} = {s};", n % 3)),
        1 => Just("skip;".to_string()),
        1 => prop::sample::select(
            &[
                "waittime 100;", "nowaittime;", "sendtime MACH_SEND_TIMEOUT;", "msgoption X;",
                "msgoption MACH_MSG_OPTION_NONE;", "UseSpecialReplyPort 1;", "ServerPrefix s_;",
                "UserPrefix u_;", "ConsumeOnSendError Timeout;", "import \"g.h\";",
                "rcsid \"$Id$\";", "#include \"inc.defs\"",
            ][..]
        )
        .prop_map(str::to_string),
    ]
}

fn generated_interface() -> impl Strategy<Value = String> {
    (1usize..12)
        .prop_flat_map(|count| (0..count).map(statement).collect::<Vec<_>>())
        .prop_map(|statements| format!("{PRELUDE}{}\n", statements.join("\n")))
}

#[test]
fn generated_interfaces_lay_out_consistently() {
    // Many are refused (one routine migcom refuses is enough); about a third are accepted.
    run(384, generated_interface(), 50);
}

// ---------------------------------------------------------------------------------------------
// (c) Mutations of the test interfaces
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Mutation {
    DeleteToken(usize),
    DuplicateToken(usize),
    SwapTokens(usize, usize),
    ReplaceToken(usize, &'static str),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>;
    prop_oneof![
        i().prop_map(Mutation::DeleteToken),
        i().prop_map(Mutation::DuplicateToken),
        (i(), i()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
        (i(), prop::sample::select(VOCABULARY)).prop_map(|(a, t)| Mutation::ReplaceToken(a, t)),
        i().prop_map(Mutation::DeleteLine),
        i().prop_map(Mutation::DuplicateLine),
        (i(), i()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

/// `text` cut into runs of identifier characters, runs of blanks, and single other
/// characters.
fn pieces(text: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut out: Vec<String> = Vec::new();
    let mut last = None;
    for c in text.chars() {
        let k = class(c);
        match out.last_mut() {
            Some(p) if last == Some(k) && k != 2 => p.push(c),
            _ => out.push(c.to_string()),
        }
        last = Some(k);
    }
    out
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
        let mut tokens = pieces(&text);
        // Indices of the tokens that are not blanks.
        let words: Vec<usize> = (0..tokens.len())
            .filter(|&i| !tokens[i].trim().is_empty())
            .collect();
        let word = |i: usize| words[i % words.len()];
        let line = |i: usize| i % lines.len();
        match *m {
            _ if words.is_empty() || lines.is_empty() => return text,
            Mutation::DeleteToken(i) => tokens[word(i)].clear(),
            Mutation::DuplicateToken(i) => {
                let w = word(i);
                tokens[w] = format!("{0} {0}", tokens[w]);
            }
            Mutation::SwapTokens(a, b) => tokens.swap(word(a), word(b)),
            Mutation::ReplaceToken(i, t) => tokens[word(i)] = t.to_string(),
            Mutation::DeleteLine(i) => {
                lines.remove(line(i));
            }
            Mutation::DuplicateLine(i) => {
                let l = lines[line(i)].clone();
                lines.insert(line(i), l);
            }
            Mutation::SwapLines(a, b) => {
                let (a, b) = (line(a), line(b));
                lines.swap(a, b);
            }
        }
        text = match m {
            Mutation::DeleteLine(_) | Mutation::DuplicateLine(_) | Mutation::SwapLines(..) => {
                lines.concat()
            }
            _ => tokens.concat(),
        };
    }
    text
}

#[test]
fn the_test_interfaces_themselves_are_accepted() {
    for (name, text) in DEFS.iter() {
        assert!(check(text), "{name}");
    }
}

#[test]
fn mutated_test_interfaces_never_panic() {
    let strategy = (0..DEFS.len(), prop::collection::vec(mutation(), 1..5))
        .prop_map(|(file, mutations)| mutate(&DEFS[file].1, &mutations));
    // A mutation in a comment changes nothing: some are accepted.
    run(256, strategy, 10);
}

// ---------------------------------------------------------------------------------------------
// Regressions
// ---------------------------------------------------------------------------------------------

/// Arguments whose sizes added up past `u32::MAX` overflowed the layout's offsets
/// (`attempt to add with overflow` in layout.rs); now the routine is refused as too large.
#[test]
fn regression_arguments_adding_up_past_u32_are_refused() {
    for element in ["MACH_MSG_TYPE_INTEGER_32", "MACH_MSG_TYPE_COPY_SEND"] {
        let mut text = format!(
            "subsystem t 1;\ntype port = MACH_MSG_TYPE_COPY_SEND;\n\
             type b = array[*:16777216] of {element};\nroutine r(p : port"
        );
        for i in 0..300 {
            text.push_str(&format!("; a{i} : b"));
        }
        text.push_str(");");
        assert!(matches!(
            Interface::load_str("t.defs", &text, &PREPROCESSOR),
            Err(Error::Semantic {
                kind: SemanticError::TooLarge,
                ..
            })
        ));
    }
}

/// A long chain of types each derived from the one before (`type t = t;` again and again)
/// overflowed the stack when the last one was dropped.
#[test]
fn regression_long_chains_of_derived_types_drop_without_overflow() {
    let mut text = String::from("subsystem t 1;\ntype t = MACH_MSG_TYPE_INTEGER_32;\n");
    for _ in 0..30_000 {
        text.push_str("type t = t;\n");
    }
    text.push_str("type p = MACH_MSG_TYPE_COPY_SEND;\nroutine r(p : p; x : t);\n");
    // On a small stack, as a thread of a build tool might have.
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let iface = Interface::load_str("t.defs", &text, &PREPROCESSOR).expect("accepted");
            check_interface(&iface);
        })
        .expect("thread")
        .join()
        .expect("loaded and dropped");
}

/// Too deep nesting was reported at `:0:0` (no file) when the token before the level too
/// many had been consumed already.
#[test]
fn regression_too_deep_nesting_has_a_location() {
    for text in [
        format!("type t = {}MACH_MSG_TYPE_INTEGER_32;", "^".repeat(100)),
        format!(
            "type t = array[{}1] of MACH_MSG_TYPE_CHAR;",
            "(".repeat(100)
        ),
    ] {
        let e = Interface::load_str("t.defs", &text, &PREPROCESSOR).expect_err("too deep");
        check_error(&e);
    }
}
