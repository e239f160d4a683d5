//! The Mach-O tools against LLVM 19 on our own fixtures (`macho/tests/data`, rebuilt by its
//! `build.sh`): every output must equal LLVM's byte for byte, except where LLVM is wrong; the
//! exit status must be LLVM's (`STATUS.tsv`) and stderr LLVM's (`*.stderr.txt`), with
//! `llvm-otool-19:` and the like read as `darling otool:`.
//!
//! Where LLVM is wrong, the case is listed in [`LLVM_IS_WRONG`] with the reason, darling's
//! output is compared with the committed `macho/tests/data/darling/<fixture>/<output>`, and
//! the test also checks that LLVM's output really differs from it (so the list cannot go
//! stale). Set `DARLING_BLESS=1` to rewrite those expected files after reviewing a change.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `(fixture, output)` pairs where LLVM 19 prints something wrong, and why.
const LLVM_IS_WRONG: &[(&str, &str, &str)] = &[
    (
        "synth-loadcmds-x86_64",
        "otool-l.txt",
        "LLVM marks a zero-fill __bss larger than the file '(past end of file)' (it tests flags & 1); \
         zero-fill sections have no file bytes",
    ),
    (
        "synth-loadcmds-x86_64",
        "x86_64/otool-l-numeric.txt",
        "same as otool-l.txt",
    ),
    (
        "synth-thread-arm64",
        "otool-l.txt",
        "after an LC_IDENT, LLVM prints every later load command as another copy of the LC_IDENT",
    ),
    (
        "synth-thread-arm64",
        "arm64e/otool-l-numeric.txt",
        "same as otool-l.txt",
    ),
    (
        "synth-segname-16",
        "otool-l.txt",
        "a 16-byte segment name has no NUL; LLVM reads on into vmaddr, darling stops at 16 bytes",
    ),
    (
        "synth-segname-16",
        "x86_64/otool-l-numeric.txt",
        "same as otool-l.txt",
    ),
    (
        "synth-core-x86_64",
        "otool-l.txt",
        "in the x86_64 float state, LLVM prints fpu_rsrv4[f*j] instead of [f*16+j] and \
         sign-extends each byte (ffffffa8); darling prints the bytes as they are",
    ),
    (
        "synth-core-x86_64",
        "x86_64/otool-l-numeric.txt",
        "same as otool-l.txt",
    ),
];

/// `(fixture, output)` prefixes whose symbols tie (same name and address): LLVM orders ties
/// with an unstable sort, darling keeps symbol-table order.
const NM_TIES: &[&str] = &[
    "synth-nm-ties",
    "synth-symbols-exe",
    "synth-symbols-obj",
    "synth-symbols-i386",
    // Its member a.o is synth-symbols-obj.
    "synth-archive.a",
];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../macho/tests/data")
}

/// What a run printed and how it ended.
struct Run {
    stdout: String,
    stderr: String,
    status: i32,
}

/// Runs `darling ARGS` in the fixtures' bin/ directory (so file names print bare).
fn darling(args: &[String]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_darling"))
        .args(args)
        .current_dir(data_dir().join("bin"))
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        status: out.status.code().unwrap_or(-1),
    }
}

/// LLVM's stderr as darling writes it: `llvm-otool-19: error:` (or the tool LLVM named)
/// becomes `darling TOOL: error:`.
fn llvm_stderr_as_darling(text: &str, tool: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        match line.split_once(": error: ") {
            Some((prefix, rest)) if prefix.starts_with("llvm-") => {
                out.push_str(&format!("darling {tool}: error: {rest}\n"));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Exit codes of LLVM's commands, by `(fixture, output)`.
fn llvm_status() -> HashMap<(String, String), i32> {
    let text = std::fs::read_to_string(data_dir().join("llvm/STATUS.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((
                (f.first()?.to_string(), f.get(2)?.to_string()),
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

struct Case {
    fixture: String,
    /// Path of the reference below `llvm/<fixture>/`.
    output: String,
    args: Vec<String>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let llvm = data_dir().join("llvm");
    let mut fixtures: Vec<_> = std::fs::read_dir(&llvm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    for dir in fixtures {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for flag in ["h", "l", "L"] {
            let args = vec!["otool".into(), format!("-{flag}"), name.clone()];
            cases.push(Case {
                fixture: name.clone(),
                output: format!("otool-{flag}.txt"),
                args,
            });
        }
        let mut arches: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        arches.sort();
        let fat = dir.join("universal-headers.txt").exists();
        for arch_dir in arches {
            let arch = arch_dir.file_name().unwrap().to_str().unwrap().to_owned();
            let sel: Vec<String> = if fat {
                vec!["-arch".into(), arch.clone()]
            } else {
                vec![]
            };
            for (file, tool, flag) in [
                ("otool-l-numeric.txt", "otool", Some("-l")),
                ("dylibs-used.txt", "otool", Some("-L")),
                ("nm.txt", "nm", None),
                ("nm-m.txt", "nm", Some("-m")),
                ("nm-g.txt", "nm", Some("-g")),
                ("nm-u.txt", "nm", Some("-u")),
                ("nm-U.txt", "nm", Some("-U")),
                ("rebase.txt", "dyldinfo", Some("--rebase")),
                ("bind.txt", "dyldinfo", Some("--bind")),
                ("lazy-bind.txt", "dyldinfo", Some("--lazy-bind")),
                ("weak-bind.txt", "dyldinfo", Some("--weak-bind")),
                ("exports-trie.txt", "dyldinfo", Some("--exports-trie")),
                ("chained-fixups.txt", "dyldinfo", Some("--chained-fixups")),
                ("dyld-info.txt", "dyldinfo", Some("--dyld-info")),
            ] {
                let mut args = vec![tool.to_owned()];
                args.extend(flag.map(str::to_owned));
                args.extend(sel.iter().cloned());
                args.push(name.clone());
                cases.push(Case {
                    fixture: name.clone(),
                    output: format!("{arch}/{file}"),
                    args,
                });
            }
        }
    }
    cases
}

/// What `darling otool -h` prints for a fat file, made from LLVM's own outputs: LLVM's `-h`
/// text with, before each `Mach header`, the label LLVM's `-l` gives that slice (the line
/// before its `Mach header`). darling labels `-h` on a fat file on purpose; LLVM labels none.
fn fat_header_labelled(fixture: &str, llvm_h: &str) -> String {
    let l =
        std::fs::read_to_string(data_dir().join("llvm").join(fixture).join("otool-l.txt")).unwrap();
    let lines: Vec<&str> = l.lines().collect();
    let mut labels = lines
        .windows(2)
        .filter(|w| w[1] == "Mach header")
        .map(|w| w[0]);
    let mut out = String::new();
    for line in llvm_h.lines() {
        if line == "Mach header" {
            out.push_str(labels.next().expect("a label for each slice"));
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(
        labels.next().is_none(),
        "{fixture}: -l shows more slices than -h"
    );
    out
}

fn first_difference(expected: &str, actual: &str) -> String {
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    format!(
        "at line {}:\n  expected: {:?}\n  darling:  {:?}",
        line + 1,
        expected.lines().nth(line),
        actual.lines().nth(line)
    )
}

#[test]
fn tools_match_llvm_on_every_fixture() {
    let status = llvm_status();
    let bless = std::env::var_os("DARLING_BLESS").is_some();
    let (mut failures, mut equal, mut documented, mut skipped) = (Vec::new(), 0, 0, 0);
    let cases = cases();
    assert!(cases.len() > 500, "fixtures missing: {} cases", cases.len());
    for c in &cases {
        let reference = data_dir().join("llvm").join(&c.fixture).join(&c.output);
        let key = (c.fixture.clone(), c.output.clone());
        let wrong = LLVM_IS_WRONG
            .iter()
            .find(|(f, o, _)| *f == c.fixture && *o == c.output);
        let tie = NM_TIES.contains(&c.fixture.as_str())
            && c.output.contains("/nm")
            && !c.output.ends_with("nm-u.txt");
        // LLVM cannot select the slice by the name it gives it (see the data README).
        if c.output.starts_with("unknown(") {
            skipped += 1;
            continue;
        }
        let llvm_status = status.get(&key).copied().unwrap_or(0);
        let run = darling(&c.args);
        let stderr_file = reference.with_file_name(
            reference
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .replace(".txt", ".stderr.txt"),
        );
        let llvm_stderr = llvm_stderr_as_darling(
            &std::fs::read_to_string(&stderr_file).unwrap_or_default(),
            &c.args[0],
        );
        if run.status != llvm_status {
            failures.push(format!(
                "{} ({}): darling {} exits {}, LLVM {llvm_status}",
                c.fixture,
                c.output,
                c.args.join(" "),
                run.status
            ));
            continue;
        }
        if run.stderr != llvm_stderr {
            failures.push(format!(
                "{} ({}): darling {} stderr {}",
                c.fixture,
                c.output,
                c.args.join(" "),
                first_difference(&llvm_stderr, &run.stderr)
            ));
            continue;
        }
        let actual = run.stdout;
        let llvm = std::fs::read_to_string(&reference).unwrap_or_default();
        let fat = data_dir()
            .join("llvm")
            .join(&c.fixture)
            .join("universal-headers.txt")
            .exists();
        if fat && c.output == "otool-h.txt" && llvm_status == 0 {
            // A deliberate difference: the slices of a fat file are labelled.
            let labelled = fat_header_labelled(&c.fixture, &llvm);
            assert_ne!(labelled, llvm, "{}: no label added", c.fixture);
            if actual == labelled {
                documented += 1;
            } else {
                failures.push(format!(
                    "{} (otool-h.txt, labelled): darling {} {}",
                    c.fixture,
                    c.args.join(" "),
                    first_difference(&labelled, &actual)
                ));
            }
            continue;
        }
        if wrong.is_some() || (tie && actual != llvm) {
            let ours = data_dir().join("darling").join(&c.fixture).join(&c.output);
            if bless {
                std::fs::create_dir_all(ours.parent().unwrap()).unwrap();
                std::fs::write(&ours, &actual).unwrap();
            }
            let expected = std::fs::read_to_string(&ours).unwrap_or_default();
            if actual != expected {
                failures.push(format!(
                    "{} ({}): darling {} differs from darling/{} {}",
                    c.fixture,
                    c.output,
                    c.args.join(" "),
                    c.output,
                    first_difference(&expected, &actual)
                ));
            } else if actual == llvm {
                failures.push(format!(
                    "{} ({}): listed as an LLVM bug but LLVM now agrees",
                    c.fixture, c.output
                ));
            } else {
                documented += 1;
            }
            continue;
        }
        if actual == llvm {
            equal += 1;
        } else {
            failures.push(format!(
                "{} ({}): darling {} {}",
                c.fixture,
                c.output,
                c.args.join(" "),
                first_difference(&llvm, &actual)
            ));
        }
    }
    eprintln!(
        "fixtures: {equal} equal to LLVM 19 (stdout, stderr, exit status), {documented} documented LLVM differences, {skipped} not compared (slices LLVM cannot name), of {}",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
