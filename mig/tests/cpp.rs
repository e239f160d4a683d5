//! The `.defs` preprocessor: every feature and every error on in-memory files, XNU's `.defs`
//! files when `XNU_DIR` names an XNU tree (and clang-19 agrees on them when installed), and a
//! property test that no input makes it panic or hang.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use darling_mig::{Error, PREDEFINED_MACROS, PreprocessError, Preprocessed, Preprocessor};
use proptest::prelude::*;

// --- helpers -----------------------------------------------------------------------------------

/// A preprocessor with no predefined macros reading `files` from memory.
fn with_files(files: &[(&str, &str)]) -> Preprocessor {
    let map: HashMap<PathBuf, String> = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
        .collect();
    let mut pp = Preprocessor::empty();
    pp.source(move |path| {
        map.get(&without_dots(path))
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    });
    pp
}

/// `path` without `.` components (the reader is given paths as joined: `./a.h`).
fn without_dots(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect()
}

fn run_with(pp: &Preprocessor, text: &str) -> Preprocessed {
    match pp.run_str("main.defs", text) {
        Ok(out) => out,
        Err(e) => panic!("preprocessing failed: {e}"),
    }
}

/// The output lines' text.
fn lines(text: &str) -> Vec<String> {
    texts(&run_with(&Preprocessor::empty(), text))
}

fn texts(out: &Preprocessed) -> Vec<String> {
    out.lines.iter().map(|l| l.text.clone()).collect()
}

/// All output with whitespace removed (for comparing token streams).
fn squeezed(text: &str) -> String {
    let out = run_with(&Preprocessor::empty(), text);
    out.text().chars().filter(|c| !c.is_whitespace()).collect()
}

fn without_space(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The preprocess error `text` gives, and the line it is reported at.
fn error_with(pp: &Preprocessor, text: &str) -> (PreprocessError, u32) {
    match pp.run_str("main.defs", text) {
        Err(Error::Preprocess { location, kind }) => (kind, location.line),
        Err(other) => panic!("expected a preprocess error, got {other}"),
        Ok(out) => panic!("expected an error, got {:?}", out.text()),
    }
}

fn error(text: &str) -> (PreprocessError, u32) {
    error_with(&Preprocessor::empty(), text)
}

// --- lines, comments, literals ---------------------------------------------------------------

#[test]
fn blank_lines_and_comment_only_lines_are_dropped() {
    let out = run_with(
        &Preprocessor::empty(),
        "\n  \nroutine a;\n/* just a comment */\n// another\n\tskip;\n",
    );
    assert_eq!(texts(&out), ["routine a;", "skip;"]);
    assert_eq!(out.lines[0].location.line, 3);
    assert_eq!(out.lines[1].location.line, 6);
    assert_eq!(out.lines[0].location.column, 1);
    assert_eq!(&*out.lines[0].location.file, "main.defs");
}

#[test]
fn comments_become_a_space_and_may_span_lines() {
    let out = run_with(&Preprocessor::empty(), "a/**/b /* one\ntwo */ c\nd // e\n");
    assert_eq!(texts(&out), ["a b c", "d"]);
    assert_eq!(out.lines[1].location.line, 3);
}

#[test]
fn comment_markers_inside_literals_are_text() {
    assert_eq!(
        lines(r#"import "a//b.h"; x = '/' '*' "/* no */";"#),
        [r#"import "a//b.h"; x = '/' '*' "/* no */";"#]
    );
    assert_eq!(lines(r#"s "a\"// still" t"#), [r#"s "a\"// still" t"#]);
}

#[test]
fn backslash_newline_joins_lines_even_inside_tokens() {
    let out = run_with(&Preprocessor::empty(), "rou\\\ntine a\\  \n(b);\nnext;\n");
    assert_eq!(texts(&out), ["routine a(b);", "next;"]);
    assert_eq!(out.lines[0].location.line, 1);
    assert_eq!(out.lines[1].location.line, 4);
}

#[test]
fn crlf_line_endings_are_newlines() {
    assert_eq!(lines("#define X 1\r\nX\r\ny \\\r\nz\r\n"), ["1", "y z"]);
}

#[test]
fn unterminated_quote_in_a_skipped_group_is_harmless() {
    assert_eq!(lines("#if 0\nit's here\n#endif\nok\n"), ["ok"]);
}

// --- object-like and function-like macros -------------------------------------------------------

#[test]
fn object_like_macros_expand_and_rescan() {
    assert_eq!(
        lines("#define A B + 1\n#define B 2\nA * A\n"),
        ["2 + 1 * 2 + 1"]
    );
}

#[test]
fn redefinition_and_undef() {
    assert_eq!(
        lines("#define A 1\nA\n#define A 2\nA\n#undef A\nA\n#undef NEVER\n"),
        ["1", "2", "A"]
    );
}

#[test]
fn a_macro_never_expands_inside_its_own_expansion() {
    assert_eq!(lines("#define foo foo + 1\nfoo\n"), ["foo + 1"]);
    assert_eq!(lines("#define a b\n#define b a\na b\n"), ["a b"]);
    assert_eq!(
        lines("#define f(x) f(x) + g\n#define g f(1)\nf(2)\n"),
        ["f(2) + f(1)"]
    );
}

#[test]
fn function_like_macros_substitute_arguments() {
    assert_eq!(
        lines("#define PREFIX(NAME) _kernelrpc_ ## NAME\nroutine PREFIX(mach_vm_allocate)(a);\n"),
        ["routine _kernelrpc_mach_vm_allocate(a);"]
    );
    assert_eq!(
        lines("#define MAX(a, b) ((a) > (b) ? (a) : (b))\nMAX(1, f(2, 3))\n"),
        ["((1) > (f(2, 3)) ? (1) : (f(2, 3)))"]
    );
}

#[test]
fn a_function_like_name_without_parenthesis_is_left_alone() {
    let out = run_with(
        &Preprocessor::empty(),
        "#define f(x) <x>\nf + f\nf\nnext f(1)\n",
    );
    assert_eq!(texts(&out), ["f + f", "f", "next <1>"]);
    assert_eq!(out.lines[1].location.line, 3);
    assert_eq!(out.lines[2].location.line, 4);
}

#[test]
fn object_like_definition_needs_no_space_only_for_parameters() {
    assert_eq!(lines("#define F (x) x\nF\n"), ["(x) x"]);
}

#[test]
fn arguments_are_expanded_before_substitution_except_next_to_hash() {
    let text = "#define X 42\n#define str(s) #s\n#define xstr(s) str(s)\n\
                #define cat(a, b) a ## b\n#define xcat(a, b) cat(a, b)\n\
                str(X) xstr(X) cat(X, 1) xcat(X, 1)\n";
    assert_eq!(lines(text), [r#""X" "42" X1 421"#]);
}

#[test]
fn invocations_may_span_lines() {
    let out = run_with(
        &Preprocessor::empty(),
        "#define f(a, b) [a|b]\nx f(1,\n  2) y\nf\n(3,\n#define Z 9\nZ)\nlast\n",
    );
    assert_eq!(texts(&out), ["x [1|2] y", "[3|9]", "last"]);
    assert_eq!(out.lines[0].location.line, 2);
    assert_eq!(out.lines[1].location.line, 4);
    assert_eq!(out.lines[2].location.line, 8);
}

#[test]
fn stringizing_escapes_and_collapses_whitespace() {
    let text = "#define s(x) #x\ns(  a   +\tb  ) s(\"q\\n\" '\\'') s() s(a /* c */ b)\n";
    assert_eq!(lines(text), [r#""a + b" "\"q\\n\" '\\''" "" "a b""#]);
}

#[test]
fn pasting_forms_one_token_and_handles_empty_arguments() {
    let text = "#define r(x, y) x ## y\n#define three(a,b,c) a ## b ## c\n\
                r(2,3) r(4,) r(,5) [r(,)] three(a,,c) r(<, <=) r(.,5)\n";
    assert_eq!(lines(text), ["23 4 5 [] ac <<= .5"]);
}

#[test]
fn pasting_in_object_like_macros() {
    assert_eq!(lines("#define N foo ## bar\nN\n"), ["foobar"]);
}

#[test]
fn variadic_macros() {
    let text = "#define e(fmt, ...) f(fmt, __VA_ARGS__)\n\
                #define g(...) h(__VA_ARGS__)\n\
                #define n(args...) k(args)\n\
                #define c(fmt, ...) f(fmt, ## __VA_ARGS__)\n\
                e(1, 2, 3) g() g(a, (b, c)) n(x, y) c(1) c(1, 2)\n";
    assert_eq!(
        lines(text),
        ["f(1, 2, 3) h() h(a, (b, c)) k(x, y) f(1) f(1, 2)"]
    );
    assert_eq!(lines("#define v(a, ...) <a|__VA_ARGS__>\nv(1)\n"), ["<1|>"]);
}

#[test]
fn expansions_that_would_merge_are_kept_apart() {
    assert_eq!(lines("#define M -\n-M M-\n"), ["- - - -"]);
    assert_eq!(
        lines("#define E\na E b\n#define I(x) x\nI(a)I(b)\n"),
        ["a b", "a b"]
    );
}

// The examples of C11 6.10.3.5: rescanning, hide sets, #, ## and variadic macros at once.
#[test]
fn c11_example_3() {
    let text = r#"#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
#define str(x) # x
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
char c[2][6] = { str(hello), str() };
"#;
    let expected = r#"f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);
f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);
int i[] = { 1, 23, 4, 5, };
char c[2][6] = { "hello", "" };"#;
    assert_eq!(squeezed(text), without_space(expected));
}

#[test]
fn c11_example_4() {
    let text = r#"#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
debug(1, 2);
fputs(str(strncmp("abc\0d", "abc", '\4') // this goes away
 == 0) str(: @\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)
"#;
    let out = lines(text);
    assert_eq!(
        out,
        [
            r#"printf("x" "1" "= %d, x" "2" "= %s", x1, x2);"#,
            r#"fputs("strncmp(\"abc\\0d\", \"abc\", '\\4') == 0" ": @\n", s);"#,
            r#""vers2.h""#,
            r#""hello";"#,
            r#""hello" ", world""#,
        ]
    );
}

#[test]
fn c11_example_7() {
    let text = r#"#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test): printf(__VA_ARGS__))
debug("Flag");
debug("X = %d\n", x);
showlist(The first, second, and third items.);
report(x>y, "x is %d but y is %d", x, y);
"#;
    assert_eq!(
        lines(text),
        [
            r#"fprintf(stderr, "Flag");"#,
            r#"fprintf(stderr, "X = %d\n", x);"#,
            r#"puts("The first, second, and third items.");"#,
            r#"((x>y)?puts("x>y"): printf("x is %d but y is %d", x, y));"#,
        ]
    );
}

#[test]
fn file_and_line() {
    assert_eq!(lines("\n__LINE__ __FILE__\n"), [r#"2 "main.defs""#]);
    assert_eq!(lines("#define L __LINE__\n\n\nL\n"), ["4"]);
    assert_eq!(lines("#ifdef __LINE__\nyes\n#endif\n"), ["yes"]);
}

// --- conditionals --------------------------------------------------------------------------------

#[test]
fn if_elif_else_choose_one_group() {
    let text = "#define TWO 2\n\
                #if TWO == 1\none\n#elif TWO == 2\ntwo\n#elif 1\nlater\n#else\nelse\n#endif\n\
                #if 0\nno\n#else\nyes\n#endif\n";
    assert_eq!(lines(text), ["two", "yes"]);
}

#[test]
fn ifdef_ifndef_and_defined() {
    let text = "#define A\n\
                #ifdef A\na\n#endif\n#ifndef A\nnot_a\n#endif\n#ifdef B\nb\n#endif\n\
                #if defined A && defined(A) && !defined B && !defined ( B )\nd\n#endif\n\
                #elifdef\n";
    // `#elifdef` without `#if` is an error, so stop before it.
    let text = text.trim_end_matches("#elifdef\n");
    assert_eq!(lines(text), ["a", "d"]);
    assert_eq!(
        lines("#if 0\n#elifdef A\nx\n#elifndef A\ny\n#endif\n"),
        ["y"]
    );
}

#[test]
fn skipped_groups_are_not_interpreted_except_for_nesting() {
    let text = "#if 0\n#error not me\n#bogus directive\n#if 1/0\n#else\n#endif\n\
                #include <missing.h>\n#define X 1\n#elif 1\nyes\n#else\nno\n#endif\nX\n";
    assert_eq!(lines(text), ["yes", "X"]);
}

#[test]
fn nested_conditionals() {
    let text =
        "#if 1\n#if 0\na\n#else\nb\n#if 1\nc\n#endif\n#endif\n#else\n#if 1\nd\n#endif\n#endif\n";
    assert_eq!(lines(text), ["b", "c"]);
}

#[test]
fn unknown_identifiers_are_zero_and_macros_expand_in_if() {
    let text = "#define KERNEL_SERVER 1\n\
                #if KERNEL_SERVER || KOBJECT_SERVER\nks\n#endif\n\
                #if !KERNEL && !LIBSYSCALL_INTERFACE\nuser\n#endif\n\
                #if UNKNOWN(1)\n#endif\n";
    let text = text.trim_end_matches("#if UNKNOWN(1)\n#endif\n");
    assert_eq!(lines(text), ["ks", "user"]);
}

/// Whether `#if expr` takes its group.
fn holds(expr: &str) -> bool {
    let out = lines(&format!("#if {expr}\nyes\n#endif\n"));
    out == ["yes"]
}

#[test]
fn if_expressions_follow_c_arithmetic() {
    let true_ones = [
        "1 + 2 * 3 == 7",
        "(1 + 2) * 3 == 9",
        "10 / 3 == 3 && 10 % 3 == 1 && -7 / 2 == -3 && -7 % 2 == -1",
        "0x10 == 16 && 010 == 8 && 0b101 == 5 && 10u == 10 && 10UL == 10 && 10ll == 10",
        "1 << 4 == 16 && 256 >> 4 == 16 && -16 >> 2 == -4",
        "(1 ? 2 : 3) == 2 && (0 ? 2 : 3) == 3 && (0 ? 1 : 0 ? 2 : 3) == 3",
        "(5 & 3) == 1 && (5 | 3) == 7 && (5 ^ 3) == 6 && ~0 == -1",
        "!0 && !!7 == 1 && -(-3) == 3 && +4 == 4",
        "1 < 2 && 2 <= 2 && 3 > 2 && 2 >= 2 && 1 != 2",
        "'a' == 97 && '\\n' == 10 && '\\0' == 0 && '\\x41' == 65 && '\\101' == 65",
        "'\\377' < 0 && 'ab' == 24930 && L'a' == 97 && u'\\xffff' == 65535",
        "-1 < 0 && !(-1 < 0u) && -1 > 0u",
        "0xffffffffffffffff == -1 && 18446744073709551615u == -1",
        "9223372036854775807 + 1 < 0",
        "(-9223372036854775807 - 1) / -1 < 0",
        // Out-of-range shift counts as clang (not GCC) has them.
        "1 << 64 == 0 && 1 << -1 == 0 && 4 >> -1 == 0 && -1 >> 70 == -1",
        "0xffffffffffffffff >> 64 == 1 && 0x8000000000000000 >> 63 == 1",
        "64 >> 0x100000001 == 32 && 1 << 0x100000001 == 0",
        "(2, 3) == 3",
        "0 && 1 / 0 || 1",
        "1 || 1 / 0",
        "(0 ? 1 / 0 : 5) == 5",
        "__LINE__ == 1",
    ];
    for expr in true_ones {
        assert!(holds(expr), "#if {expr} should hold");
    }
    for expr in ["0", "1 - 1", "2 > 3", "0 || 0", "1 && 0", "true", "(0)"] {
        assert!(!holds(expr), "#if {expr} should not hold");
    }
}

// --- includes ------------------------------------------------------------------------------------

#[test]
fn quoted_include_looks_beside_the_includer_then_in_include_dirs() {
    let mut pp = with_files(&[
        ("main.defs", ""),
        ("local.h", "local\n"),
        ("inc/sub/dir.h", "#include \"near.h\"\n#include \"far.h\"\n"),
        ("inc/sub/near.h", "near\n"),
        ("inc/far.h", "far\n"),
    ]);
    pp.include_dir("inc");
    let out = run_with(&pp, "#include \"local.h\"\n#include <sub/dir.h>\nend\n");
    assert_eq!(texts(&out), ["local", "near", "far", "end"]);
    assert_eq!(&*out.lines[1].location.file, "inc/sub/near.h");
    assert_eq!(out.lines[3].location.line, 3);
    assert_eq!(&*out.lines[3].location.file, "main.defs");
}

#[test]
fn angled_include_searches_only_include_dirs_in_order() {
    let mut pp = with_files(&[
        ("a.h", "beside\n"),
        ("one/a.h", "one\n"),
        ("two/a.h", "two\n"),
    ]);
    pp.include_dir("one").include_dir("two");
    assert_eq!(texts(&run_with(&pp, "#include <a.h>\n")), ["one"]);
    let pp = with_files(&[("a.h", "beside\n")]);
    assert_eq!(
        error_with(&pp, "x\n#include <a.h>\n"),
        (
            PreprocessError::IncludeNotFound {
                name: "<a.h>".into()
            },
            2
        )
    );
}

#[test]
fn include_next_continues_after_the_current_directory() {
    let mut pp = with_files(&[
        ("one/a.h", "one\n#include_next <a.h>\n"),
        ("two/a.h", "two\n"),
    ]);
    pp.include_dir("one").include_dir("two");
    assert_eq!(texts(&run_with(&pp, "#include <a.h>\n")), ["one", "two"]);
}

#[test]
fn include_with_a_macro() {
    let mut pp = with_files(&[("inc/mach/x.h", "x\n"), ("y.h", "y\n")]);
    pp.include_dir("inc");
    let text = "#define H <mach/x.h>\n#define Q \"y.h\"\n#define F(n) <mach/n.h>\n\
                #include H\n#include Q\n#include F(x)\n";
    assert_eq!(texts(&run_with(&pp, text)), ["x", "y", "x"]);
}

#[test]
fn import_and_pragma_once_include_a_file_once() {
    let pp = with_files(&[
        ("once.h", "#pragma once\nonce\n"),
        ("imp.h", "imp\n"),
        ("twice.h", "twice\n"),
    ]);
    let text = "#include \"once.h\"\n#include \"./once.h\"\n#import \"imp.h\"\n#import \"imp.h\"\n\
                #include \"imp.h\"\n#include \"twice.h\"\n#include \"twice.h\"\n";
    assert_eq!(
        texts(&run_with(&pp, text)),
        ["once", "imp", "twice", "twice"]
    );
}

#[test]
fn include_guards_work() {
    let pp = with_files(&[("g.h", "#ifndef G\n#define G\nguarded\n#endif\n")]);
    let out = run_with(&pp, "#include \"g.h\"\n#include \"g.h\"\n");
    assert_eq!(texts(&out), ["guarded"]);
}

#[test]
fn conditionals_do_not_cross_files() {
    let pp = with_files(&[("open.h", "#if 1\n")]);
    assert_eq!(
        error_with(&pp, "#include \"open.h\"\n#endif\n").0,
        PreprocessError::UnterminatedConditional {
            directive: "if".into()
        }
    );
}

#[test]
fn missing_include_names_the_file_and_the_line() {
    match Preprocessor::empty().run_str("dir/main.defs", "\n\n#include \"nowhere.h\"\n") {
        Err(Error::Preprocess { location, kind }) => {
            assert_eq!(
                kind,
                PreprocessError::IncludeNotFound {
                    name: "\"nowhere.h\"".into()
                }
            );
            assert_eq!((&*location.file, location.line), ("dir/main.defs", 3));
            let message = Error::Preprocess { location, kind }.to_string();
            assert!(message.contains("nowhere.h") && message.contains("dir/main.defs:3"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unreadable_include_is_an_io_error() {
    let mut pp = Preprocessor::empty();
    pp.source(|path| {
        if path == Path::new("locked.h") {
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        } else {
            Err(io::Error::from(io::ErrorKind::NotFound))
        }
    });
    match pp.run_str("main.defs", "#include \"locked.h\"\n") {
        Err(Error::Io { path, .. }) => assert_eq!(path, Path::new("locked.h")),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn run_file_reads_the_file_and_reports_a_missing_one() {
    let pp = with_files(&[
        ("d/main.defs", "#include \"b.h\"\nmain\n"),
        ("d/b.h", "b\n"),
    ]);
    let out = pp.run_file(Path::new("d/main.defs")).expect("runs");
    assert_eq!(texts(&out), ["b", "main"]);
    assert_eq!(&*out.lines[1].location.file, "d/main.defs");
    assert!(matches!(
        pp.run_file(Path::new("gone.defs")),
        Err(Error::Io { path, .. }) if path == Path::new("gone.defs")
    ));
}

#[test]
fn the_filesystem_is_the_default_source() {
    let dir = std::env::temp_dir().join(format!("darling-mig-cpp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("main.defs"), "#include \"inc.h\"\nX\n").expect("write");
    std::fs::write(dir.join("inc.h"), b"#define X fine\xff\n").expect("write");
    let out = Preprocessor::empty().run_file(&dir.join("main.defs"));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(texts(&out.expect("runs")), ["fine\u{fffd}"]);
}

// --- other directives ------------------------------------------------------------------------------

#[test]
fn ignored_and_collected_directives() {
    let text = "#\n# 12 \"file.c\"\n#line 7\n#pragma GCC something\n#ident \"x\"\n\
                #warning careful   now\nok\n";
    let out = run_with(&Preprocessor::empty(), text);
    assert_eq!(texts(&out), ["ok"]);
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(out.warnings[0].message, "careful now");
    assert_eq!(out.warnings[0].location.line, 6);
}

// --- configuration -----------------------------------------------------------------------------

#[test]
fn new_predefines_what_mig_and_the_compiler_define() {
    let pp = Preprocessor::new();
    let out = run_with(
        &pp,
        "#if __MACH30__ && __LP64__ && __x86_64__ && __APPLE__ && __MACH__ && __STDC__ \
         && __LITTLE_ENDIAN__ && __GNUC__ && !defined(__i386__) && !defined(__arm64__) \
         && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__\nall\n#endif\n",
    );
    assert_eq!(texts(&out), ["all"]);
    assert!(PREDEFINED_MACROS.iter().any(|(n, _)| *n == "__MACH30__"));
    assert_eq!(
        lines("#ifdef __MACH30__\nyes\n#endif\n"),
        Vec::<String>::new()
    );
}

#[test]
fn defines_and_undefines_apply_in_order() {
    let mut pp = Preprocessor::new();
    pp.define_arg("KERNEL_SERVER")
        .define_arg("V=a=b")
        .define("F(x)", "[x]")
        .undefine("__LP64__")
        .define("GONE", "1")
        .undefine("GONE");
    let out = run_with(
        &pp,
        "KERNEL_SERVER V F(1) GONE\n#ifndef __LP64__\nnot_lp64\n#endif\n",
    );
    assert_eq!(texts(&out), ["1 a=b [1] GONE", "not_lp64"]);
}

#[test]
fn runs_do_not_change_the_preprocessor() {
    let pp = Preprocessor::empty();
    run_with(&pp, "#define A 1\nA\n");
    assert_eq!(texts(&run_with(&pp, "A\n")), ["A"]);
    let clone = pp.clone();
    assert_eq!(texts(&run_with(&clone, "A\n")), ["A"]);
    assert!(format!("{pp:?}").starts_with("Preprocessor"));
}

#[test]
fn a_bad_command_line_definition_is_reported_there() {
    let mut pp = Preprocessor::empty();
    pp.define_arg("=3");
    match pp.run_str("main.defs", "x\n") {
        Err(Error::Preprocess { location, kind }) => {
            assert_eq!(&*location.file, "<command line>");
            assert_eq!(
                kind,
                PreprocessError::MissingMacroName {
                    directive: "define".into()
                }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

// --- every error ---------------------------------------------------------------------------------

#[test]
fn error_unterminated_comment() {
    assert_eq!(
        error("a\nb /* never\nclosed\n"),
        (PreprocessError::UnterminatedComment, 2)
    );
}

#[test]
fn error_bad_include() {
    assert_eq!(
        error("\n#include\n"),
        (
            PreprocessError::BadInclude {
                found: "end of line".into()
            },
            2
        )
    );
    assert_eq!(
        error("#include foo\n"),
        (
            PreprocessError::BadInclude {
                found: "foo".into()
            },
            1
        )
    );
    assert_eq!(
        error("#include <unclosed\n"),
        (
            PreprocessError::BadInclude {
                found: "<unclosed".into()
            },
            1
        )
    );
    assert_eq!(
        error("#include \"\"\n").0,
        PreprocessError::BadInclude {
            found: "\"\"".into()
        }
    );
}

#[test]
fn error_include_too_deep() {
    let pp = with_files(&[("self.h", "#include \"self.h\"\n")]);
    assert_eq!(
        error_with(&pp, "\n#include \"self.h\"\n").0,
        PreprocessError::IncludeTooDeep { limit: 200 }
    );
}

#[test]
fn error_too_many_includes() {
    // 101 × 100 includes of an empty file, each one a few lines deep at most.
    let wide = "#include \"e.h\"\n".repeat(100);
    let pp = with_files(&[("w.h", &wide), ("e.h", "")]);
    let text = "#include \"w.h\"\n".repeat(101);
    match pp.run_str("main.defs", &text) {
        Err(Error::Preprocess { location, kind }) => {
            assert_eq!(kind, PreprocessError::TooManyIncludes { limit: 10_000 });
            assert_eq!((&*location.file, location.line), ("w.h", 1));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn error_input_too_large() {
    let big = format!("/*{}*/\n", " ".repeat(4 << 20));
    let pp = with_files(&[("big.h", &big)]);
    let text = "#include \"big.h\"\n".repeat(10);
    assert_eq!(
        error_with(&pp, &text),
        (PreprocessError::InputTooLarge { limit: 32 << 20 }, 8)
    );
}

#[test]
fn error_directive() {
    assert_eq!(
        error("#if 1\n#error  stop  here \"now\"\n#endif\n"),
        (
            PreprocessError::ErrorDirective {
                message: "stop here \"now\"".into()
            },
            2
        )
    );
}

#[test]
fn error_unknown_directive() {
    assert_eq!(
        error("ok\n#frobnicate x\n"),
        (
            PreprocessError::UnknownDirective {
                name: "frobnicate".into()
            },
            2
        )
    );
    assert_eq!(
        error("# \"str\"\n"),
        (
            PreprocessError::UnknownDirective {
                name: "\"str\"".into()
            },
            1
        )
    );
}

#[test]
fn error_unmatched_conditionals() {
    for directive in ["else", "endif", "elif"] {
        assert_eq!(
            error(&format!("\n#{directive} 1\n")),
            (
                PreprocessError::UnmatchedConditional {
                    directive: directive.into()
                },
                2
            )
        );
    }
    assert_eq!(
        error("#if 1\n#endif\n#endif\n"),
        (
            PreprocessError::UnmatchedConditional {
                directive: "endif".into()
            },
            3
        )
    );
}

#[test]
fn error_after_else() {
    assert_eq!(
        error("#if 0\n#else\n#elif 1\n#endif\n"),
        (
            PreprocessError::AfterElse {
                directive: "elif".into()
            },
            3
        )
    );
    assert_eq!(
        error("#if 0\n#if 1\n#else\n#else\n#endif\n#endif\n"),
        (
            PreprocessError::AfterElse {
                directive: "else".into()
            },
            4
        )
    );
}

#[test]
fn error_unterminated_conditional() {
    assert_eq!(
        error("#ifdef X\n#else\n#if 1\n#endif\nx\n"),
        (
            PreprocessError::UnterminatedConditional {
                directive: "ifdef".into()
            },
            1
        )
    );
    assert_eq!(
        error("#if 1\n#ifndef Y\n").0,
        PreprocessError::UnterminatedConditional {
            directive: "ifndef".into()
        }
    );
}

#[test]
fn error_missing_macro_name() {
    for (text, directive) in [
        ("#define\n", "define"),
        ("#define 3 x\n", "define"),
        ("#undef\n", "undef"),
        ("#ifdef\n#endif\n", "ifdef"),
        ("#ifndef \"s\"\n#endif\n", "ifndef"),
    ] {
        assert_eq!(
            error(text),
            (
                PreprocessError::MissingMacroName {
                    directive: directive.into()
                },
                1
            ),
            "{text}"
        );
    }
}

#[test]
fn error_invalid_macro_name() {
    assert_eq!(
        error("\n#define defined 1\n"),
        (
            PreprocessError::InvalidMacroName {
                name: "defined".into()
            },
            2
        )
    );
}

#[test]
fn error_bad_parameter_list() {
    for text in [
        "#define f(a b) x\n",
        "#define f(a,) x\n",
        "#define f(1) x\n",
        "#define f(a\n",
        "#define f(..., a) x\n",
        "#define f(__VA_ARGS__) x\n",
    ] {
        assert_eq!(
            error(text),
            (PreprocessError::BadParameterList { name: "f".into() }, 1),
            "{text}"
        );
    }
}

#[test]
fn error_duplicate_parameter() {
    assert_eq!(
        error("#define f(a, b, a) x\n"),
        (
            PreprocessError::DuplicateParameter {
                name: "f".into(),
                parameter: "a".into()
            },
            1
        )
    );
}

#[test]
fn error_stringize_without_parameter() {
    assert_eq!(
        error("\n#define f(a) # b\n"),
        (
            PreprocessError::StringizeWithoutParameter { name: "f".into() },
            2
        )
    );
    // In an object-like macro `#` is an ordinary token.
    assert_eq!(lines("#define H # x\nH\n"), ["# x"]);
}

#[test]
fn error_paste_at_edge() {
    for text in ["#define f(a) ## a\n", "#define g a ##\n"] {
        assert!(matches!(
            error(text),
            (PreprocessError::PasteAtEdge { .. }, 1)
        ));
    }
}

#[test]
fn error_unterminated_arguments() {
    assert_eq!(
        error("#define f(a) a\nx\nf(1,\n2\n"),
        (
            PreprocessError::UnterminatedArguments { name: "f".into() },
            3
        )
    );
    // An argument list does not continue into the including file.
    let pp = with_files(&[("h.h", "#define f(a) a\nf(1\n")]);
    assert!(matches!(
        error_with(&pp, "#include \"h.h\"\n)\n").0,
        PreprocessError::UnterminatedArguments { .. }
    ));
    // Nor does one in a directive continue onto the next line.
    assert!(matches!(
        error("#define f(a) a\n#if f(1\n)\n#endif\n").0,
        PreprocessError::UnterminatedArguments { .. }
    ));
}

#[test]
fn error_wrong_argument_count() {
    assert_eq!(
        error("#define f(a, b) a\n\nf(1)\n"),
        (
            PreprocessError::WrongArgumentCount {
                name: "f".into(),
                expected: 2,
                found: 1
            },
            3
        )
    );
    assert_eq!(
        error("#define g() x\ng(1)\n").0,
        PreprocessError::WrongArgumentCount {
            name: "g".into(),
            expected: 0,
            found: 1
        }
    );
    assert_eq!(
        lines("#define g() x\n#define h(a) [a]\ng() h()\n"),
        ["x []"]
    );
}

#[test]
fn error_too_few_arguments() {
    assert_eq!(
        error("#define f(a, b, ...) a\nf(1)\n"),
        (
            PreprocessError::TooFewArguments {
                name: "f".into(),
                at_least: 2,
                found: 1
            },
            2
        )
    );
}

#[test]
fn error_invalid_paste() {
    assert_eq!(
        error("#define p(a, b) a ## b\n\np(x, +)\n"),
        (
            PreprocessError::InvalidPaste {
                left: "x".into(),
                right: "+".into()
            },
            3
        )
    );
    assert!(matches!(
        error("#define p(a, b) a ## b\np(/, /)\n").0,
        PreprocessError::InvalidPaste { .. }
    ));
}

#[test]
fn error_expansion_too_large() {
    let mut text = String::from("#define a0 x\n");
    for i in 1..40 {
        text.push_str(&format!("#define a{i} a{p} a{p}\n", p = i - 1));
    }
    text.push_str("\na39\n");
    let (kind, line) = error(&text);
    assert!(
        matches!(kind, PreprocessError::ExpansionTooLarge { .. }),
        "{kind:?}"
    );
    assert_eq!(line, 42);
}

#[test]
fn error_run_too_large() {
    // Each line stays under the per-line limit; together they do not.
    let mut text = String::from("#define a0 x\n");
    for i in 1..=12 {
        text.push_str(&format!("#define a{i} a{p} a{p}\n", p = i - 1));
    }
    text.push_str(&"a12\n".repeat(2000));
    let (kind, line) = error(&text);
    assert_eq!(kind, PreprocessError::RunTooLarge { limit: 1 << 23 });
    assert!(line > 14, "{line}");
}

#[test]
fn error_expansion_too_deep() {
    let depth = 1000;
    let text = format!(
        "#define f(x) x\n{}1{}\n",
        "f(".repeat(depth),
        ")".repeat(depth)
    );
    assert!(matches!(
        error(&text),
        (PreprocessError::ExpansionTooDeep { .. }, 2)
    ));
    let fine = format!("#define f(x) x\n{}1{}\n", "f(".repeat(99), ")".repeat(99));
    assert_eq!(lines(&fine), ["1"]);
}

#[test]
fn error_missing_expression() {
    assert_eq!(
        error("#if\n#endif\n"),
        (
            PreprocessError::MissingExpression {
                directive: "if".into()
            },
            1
        )
    );
    assert_eq!(
        error("#if 0\n#elif\n#endif\n"),
        (
            PreprocessError::MissingExpression {
                directive: "elif".into()
            },
            2
        )
    );
}

#[test]
fn error_bad_expression() {
    for (expr, found) in [
        ("1 +", "end of line"),
        ("(1", "end of line"),
        ("1 2", "`2`"),
        ("1 = 1", "`=`"),
        ("\"s\"", "`\"s\"`"),
        ("F(1)", "`(`"),
        ("1 ? 2", "end of line"),
        ("defined(X", "missing `)` after `defined(`"),
    ] {
        assert_eq!(
            error(&format!("\n#if {expr}\n#endif\n")),
            (
                PreprocessError::BadExpression {
                    found: found.into()
                },
                2
            ),
            "#if {expr}"
        );
    }
}

#[test]
fn error_defined_without_name() {
    for expr in ["defined", "defined()", "defined 3", "defined(+)"] {
        assert_eq!(
            error(&format!("#if {expr}\n#endif\n")),
            (PreprocessError::DefinedWithoutName, 1),
            "#if {expr}"
        );
    }
}

#[test]
fn error_invalid_number() {
    for number in [
        "1.5",
        "0x",
        "08",
        "1e5",
        "12abc",
        "99999999999999999999",
        "1uu",
        "1lll",
    ] {
        assert_eq!(
            error(&format!("#if {number}\n#endif\n")),
            (
                PreprocessError::InvalidNumber {
                    text: number.into()
                },
                1
            ),
            "#if {number}"
        );
    }
}

#[test]
fn error_invalid_character() {
    assert_eq!(
        error("#if ''\n#endif\n"),
        (PreprocessError::InvalidCharacter { text: "''".into() }, 1)
    );
}

#[test]
fn error_division_by_zero() {
    for expr in ["1 / 0", "1 % (2 - 2)", "1 && 4 / 0"] {
        assert_eq!(
            error(&format!("\n\n#if {expr}\n#endif\n")),
            (PreprocessError::DivisionByZero, 3),
            "#if {expr}"
        );
    }
}

#[test]
fn error_expression_too_deep() {
    let text = format!("#if {}1{}\n#endif\n", "(".repeat(5000), ")".repeat(5000));
    assert!(matches!(
        error(&text),
        (PreprocessError::ExpressionTooDeep { .. }, 1)
    ));
    let text = format!("#if {}1\n#endif\n", "- ".repeat(5000));
    assert!(matches!(
        error(&text),
        (PreprocessError::ExpressionTooDeep { .. }, 1)
    ));
    assert!(holds(&format!("{}1", "- ".repeat(100))));
}

// --- XNU and clang ------------------------------------------------------------------------------

/// `$XNU_DIR/osfmk`. The tests that use it are ignored unless asked for, and then fail
/// without it.
fn xnu_osfmk() -> PathBuf {
    let dir = std::env::var_os("XNU_DIR").expect("XNU_DIR names an XNU source tree");
    PathBuf::from(dir).join("osfmk")
}

/// Every `.defs` file in `osfmk/mach` and `osfmk/mach_debug`.
fn xnu_defs(osfmk: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["mach", "mach_debug"] {
        let entries = std::fs::read_dir(osfmk.join(dir)).expect("XNU_DIR/osfmk/mach is readable");
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == "defs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
#[ignore = "needs XNU_DIR (an XNU source tree)"]
fn every_xnu_defs_file_preprocesses() {
    let osfmk = xnu_osfmk();
    let files = xnu_defs(&osfmk);
    assert!(files.len() > 40, "found only {} .defs files", files.len());
    for flavour in [
        None,
        Some("LIBSYSCALL_INTERFACE"),
        Some("KERNEL_SERVER"),
        Some("KERNEL_USER"),
    ] {
        let mut pp = Preprocessor::new();
        pp.include_dir(&osfmk);
        if let Some(flag) = flavour {
            pp.define_arg(flag);
        }
        for file in &files {
            let out = pp
                .run_file(file)
                .unwrap_or_else(|e| panic!("{} with {flavour:?}: {e}", file.display()));
            let text = out.text();
            let is_type_file =
                file.ends_with("std_types.defs") || file.to_string_lossy().contains("_types.defs");
            assert!(
                is_type_file || text.contains("subsystem"),
                "{} has no subsystem",
                file.display()
            );
            assert!(!text.contains("#include"), "{}", file.display());
        }
    }
}

#[test]
#[ignore = "needs XNU_DIR (an XNU source tree)"]
fn xnu_output_uses_the_macros() {
    let osfmk = xnu_osfmk();
    let mach_vm = osfmk.join("mach/mach_vm.defs");
    let routine = |flag: Option<&str>| {
        let mut pp = Preprocessor::new();
        pp.include_dir(&osfmk);
        if let Some(flag) = flag {
            pp.define_arg(flag);
        }
        let out = pp.run_file(&mach_vm).expect("mach_vm.defs");
        let types = out
            .lines
            .iter()
            .find(|l| l.text.starts_with("type mach_port_t"))
            .expect("std_types.defs was included");
        assert!(types.location.file.ends_with("mach/std_types.defs"));
        let line = out
            .lines
            .iter()
            .find(|l| l.location.line == 111 && l.location.file.ends_with("mach_vm.defs"))
            .expect("line 111 is a routine");
        line.text.clone()
    };
    assert_eq!(routine(None), "routine _kernelrpc_mach_vm_allocate (");
    assert_eq!(
        routine(Some("LIBSYSCALL_INTERFACE")),
        "routine mach_vm_allocate ("
    );
    assert_eq!(
        routine(Some("KERNEL_SERVER")),
        "routine _kernelrpc_mach_vm_allocate_external ("
    );
}

/// clang-19's `-E -P` output for `file`.
fn clang(osfmk: &Path, file: &Path, defines: &[&str]) -> String {
    let mut command = std::process::Command::new("clang-19");
    command
        .args([
            "-E",
            "-P",
            "-x",
            "c",
            "-D__MACH30__",
            "-target",
            "x86_64-apple-macosx",
        ])
        .arg(format!("-I{}", osfmk.display()));
    for define in defines {
        command.arg(format!("-D{define}"));
    }
    let output = command.arg(file).output().expect("clang-19 runs");
    assert!(
        output.status.success(),
        "clang-19 failed on {}",
        file.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "needs XNU_DIR (an XNU source tree) and clang-19"]
fn xnu_output_matches_clang() {
    let osfmk = xnu_osfmk();
    for defines in [&[][..], &["LIBSYSCALL_INTERFACE"], &["KERNEL_SERVER"]] {
        let mut pp = Preprocessor::new();
        pp.include_dir(&osfmk);
        for define in defines {
            pp.define_arg(define);
        }
        for file in xnu_defs(&osfmk) {
            let expected = clang(&osfmk, &file, defines);
            let ours = pp.run_file(&file).expect("preprocesses").text();
            assert_eq!(
                without_space(&ours),
                without_space(&expected),
                "{} with {defines:?}",
                file.display()
            );
        }
    }
}

// --- robustness ---------------------------------------------------------------------------------

/// Lines that exercise the directive machinery, for the property test to shuffle.
fn soup_line() -> impl Strategy<Value = String> {
    let fixed = prop_oneof![
        Just("#if A"),
        Just("#if 1/0"),
        Just("#if defined(A) && B(1) ? 2 : 3"),
        Just("#ifdef A"),
        Just("#ifndef B"),
        Just("#elif B"),
        Just("#else"),
        Just("#endif"),
        Just("#define A B B"),
        Just("#define B A A"),
        Just("#define F(x, ...) F(x ## x, #x, __VA_ARGS__) G"),
        Just("#define G(y) F(y) (F"),
        Just("#define H(a) a ## a ## a"),
        Just("#define I(...) , ## __VA_ARGS__"),
        Just("#undef A"),
        Just("#include \"self.h\""),
        Just("#include \"other.h\""),
        Just("#include F(x)"),
        Just("#import \"other.h\""),
        Just("#pragma once"),
        Just("#error e"),
        Just("#warning w"),
        Just("A B F(1, 2) G(3) H(+) I() I(1) __LINE__ __FILE__"),
        Just("F(("),
        Just(")"),
        Just("/* open"),
        Just("*/"),
        Just("'"),
        Just("\"str\\"),
        Just("\\"),
    ];
    prop_oneof![
        4 => fixed.prop_map(str::to_owned),
        1 => "[ -~]{0,20}",
    ]
}

fn fuzz_preprocessor() -> Preprocessor {
    let files: Arc<HashMap<PathBuf, String>> = Arc::new(HashMap::from([
        (
            PathBuf::from("self.h"),
            "#include \"self.h\"\nX\n".to_owned(),
        ),
        (
            PathBuf::from("other.h"),
            "#if 1\n#define X F(\nX 1)\n#endif\n".to_owned(),
        ),
    ]));
    let mut pp = Preprocessor::new();
    pp.source(move |path| {
        files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    });
    pp
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = fuzz_preprocessor().run_str("main.defs", &text);
    }

    #[test]
    fn directive_soup_never_panics(soup in proptest::collection::vec(soup_line(), 0..40)) {
        let text = soup.join("\n");
        let _ = fuzz_preprocessor().run_str("main.defs", &text);
    }
}
