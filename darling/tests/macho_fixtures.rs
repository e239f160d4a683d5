//! The Mach-O tools against LLVM 19 on our own fixtures (`macho/tests/data`, rebuilt by its
//! `build.sh`): every output must equal LLVM's byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../macho/tests/data")
}

/// Runs `darling ARGS` in the fixtures' bin/ directory (so file names print bare).
fn darling(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_darling"))
        .args(args)
        .current_dir(data_dir().join("bin"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "darling {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every `(fixture, reference file, darling arguments)` to compare.
fn cases() -> Vec<(String, PathBuf, Vec<String>)> {
    let mut cases = Vec::new();
    let llvm = data_dir().join("llvm");
    let mut fixtures: Vec<_> = std::fs::read_dir(&llvm)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("synth-")
        })
        .collect();
    fixtures.sort();
    for dir in fixtures {
        let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for flag in ["h", "l", "L"] {
            cases.push((
                name.clone(),
                dir.join(format!("otool-{flag}.txt")),
                vec!["otool".into(), format!("-{flag}"), name.clone()],
            ));
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
            let with = |tool: &str, flag: &str| {
                let mut v = vec![tool.to_owned(), flag.to_owned()];
                v.extend(sel.iter().cloned());
                v.push(name.clone());
                v
            };
            cases.push((
                format!("{name} ({arch})"),
                arch_dir.join("otool-l-numeric.txt"),
                with("otool", "-l"),
            ));
            cases.push((
                format!("{name} ({arch})"),
                arch_dir.join("dylibs-used.txt"),
                with("otool", "-L"),
            ));
            for (file, tool, flag) in [
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
                cases.push((format!("{name} ({arch})"), arch_dir.join(file), args));
            }
        }
    }
    cases
}

#[test]
fn otool_matches_llvm_on_every_fixture() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() > 300, "fixtures missing: {} cases", cases.len());
    for (what, reference, args) in &cases {
        let expected = std::fs::read_to_string(reference).unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let actual = darling(&args);
        if actual != expected {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(actual.lines().count()));
            failures.push(format!(
                "{what}: darling {} differs from {} at line {}:\n  llvm:   {:?}\n  darling: {:?}",
                args.join(" "),
                reference.strip_prefix(data_dir()).unwrap().display(),
                line + 1,
                expected.lines().nth(line),
                actual.lines().nth(line)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
