//! The plans of the committed test programs (`tests/data`): what each imports, from where,
//! and every location it fixes up, against the programs' `imports.txt` and against LLVM 19's
//! view of the same files (`llvm-objdump-19 --macho`, the oracle for Mach-O tools).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use darling_loader::{FixupFormat, FixupKind, ImportSource, Plan};

const PROGRAMS: [&str; 9] = [
    "hello",
    "args",
    "fileio",
    "threads",
    "mach_msg",
    "host_info",
    "commpage",
    "bootstrap",
    "tsd",
];
const BUILDS: [&str; 2] = ["10.15", "13.0"];

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn binary(name: &str, build: &str) -> PathBuf {
    data().join("bin").join(format!("{name}-{build}"))
}

fn plan(name: &str, build: &str) -> Plan {
    let bytes = std::fs::read(binary(name, build)).expect("program");
    Plan::new(&bytes).unwrap_or_else(|e| panic!("{name}-{build}: {e}"))
}

/// The symbols `imports.txt` lists for `name-build` (`llvm-nm-19 -u`).
fn listed_imports(name: &str, build: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(data().join("imports.txt")).expect("imports.txt");
    let want = format!("{name}-{build}");
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(want.as_str()))
        .unwrap_or_else(|| panic!("{want} not in imports.txt"));
    line.split_whitespace().skip(1).map(str::to_owned).collect()
}

fn symbol(plan: &Plan, import: usize) -> String {
    String::from_utf8_lossy(&plan.imports[import].symbol).into_owned()
}

#[test]
fn every_program_imports_from_lib_system_what_it_lists() {
    for name in PROGRAMS {
        for build in BUILDS {
            let plan = plan(name, build);
            assert!(plan.pie, "{name}-{build}");
            assert_eq!(plan.base_address, 0x1_0000_0000);
            assert_eq!(plan.dylibs, ["/usr/lib/libSystem.B.dylib"]);
            let format = if build == "13.0" {
                FixupFormat::Chained
            } else {
                FixupFormat::Opcodes
            };
            assert_eq!(plan.fixup_format, format, "{name}-{build}");
            let mut imported = BTreeSet::new();
            for import in &plan.imports {
                assert_eq!(import.source, ImportSource::Dylib(0));
                assert!(!import.weak);
                imported.insert(String::from_utf8_lossy(&import.symbol).into_owned());
            }
            let mut listed = listed_imports(name, build);
            // lld leaves dyld_stub_binder undefined in a chained-fixups image, but nothing
            // binds to it (the data README says so).
            if build == "13.0" {
                listed.remove("dyld_stub_binder");
            }
            assert_eq!(imported, listed, "{name}-{build}");
            // Every import is bound somewhere.
            let bound: BTreeSet<usize> = plan
                .fixups
                .iter()
                .filter_map(|f| match f.kind {
                    FixupKind::Bind { import, .. } => Some(import),
                    FixupKind::Rebase { .. } => None,
                })
                .collect();
            assert_eq!(bound.len(), plan.imports.len(), "{name}-{build}");
        }
    }
}

/// Runs `llvm-objdump-19 --macho <flags> file` and returns its stdout.
fn objdump(flags: &[&str], file: &Path) -> String {
    let out = Command::new("llvm-objdump-19")
        .arg("--macho")
        .args(flags)
        .arg(file)
        .output()
        .expect("llvm-objdump-19 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("text")
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

/// One fixup as both sides can say it: address, and `rebase`, `rebase <target>` or
/// `bind <symbol> <addend>`.
type Row = (u64, String);

/// LLVM's fixups of a dyld-info image: the rebase table (no targets) and the bind and lazy
/// bind tables.
fn llvm_opcode_fixups(file: &Path) -> BTreeSet<Row> {
    let text = objdump(&["--rebase", "--bind", "--lazy-bind"], file);
    let mut rows = BTreeSet::new();
    let mut table = "";
    for line in text.lines() {
        match line {
            "Rebase table:" | "Bind table:" | "Lazy bind table:" => {
                table = line;
                continue;
            }
            _ => {}
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 4 || !f[2].starts_with("0x") {
            continue;
        }
        let address = hex(f[2]);
        match table {
            "Rebase table:" => rows.insert((address, "rebase".into())),
            // segment section address type addend dylib symbol
            "Bind table:" => rows.insert((address, format!("bind {} {}", f[6], f[4]))),
            // segment section address dylib symbol
            "Lazy bind table:" => rows.insert((address, format!("bind {} 0", f[4]))),
            _ => false,
        };
    }
    rows
}

/// LLVM's fixups of a chained-fixups image (`--dyld-info`: address, pointer, type, addend,
/// dylib, symbol or target).
fn llvm_chained_fixups(file: &Path) -> BTreeSet<Row> {
    let text = objdump(&["--dyld-info"], file);
    let mut rows = BTreeSet::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 || !f[2].starts_with("0x") {
            continue;
        }
        let address = hex(f[2]);
        match f[4] {
            "bind" => rows.insert((address, format!("bind {} {}", f[7], hex(f[5])))),
            "rebase" => rows.insert((address, format!("rebase {:#x}", hex(f[f.len() - 1])))),
            other => panic!("unknown fixup type {other} in {line}"),
        };
    }
    rows
}

fn plan_fixups(plan: &Plan, with_targets: bool) -> BTreeSet<Row> {
    plan.fixups
        .iter()
        .map(|f| {
            let what = match f.kind {
                FixupKind::Rebase { target } if with_targets => format!("rebase {target:#x}"),
                FixupKind::Rebase { .. } => "rebase".into(),
                FixupKind::Bind { import, addend } => {
                    format!("bind {} {addend}", symbol(plan, import))
                }
            };
            (f.address, what)
        })
        .collect()
}

#[test]
#[ignore = "needs llvm-objdump-19 (apt-get install llvm-19); .ci/run runs it"]
fn every_fixup_is_the_one_llvm_reads() {
    for name in PROGRAMS {
        for build in BUILDS {
            let file = binary(name, build);
            let plan = plan(name, build);
            let (ours, llvm) = if build == "13.0" {
                (plan_fixups(&plan, true), llvm_chained_fixups(&file))
            } else {
                (plan_fixups(&plan, false), llvm_opcode_fixups(&file))
            };
            assert!(!llvm.is_empty(), "{name}-{build}: LLVM lists no fixups");
            assert_eq!(ours, llvm, "{name}-{build}");
        }
    }
}

/// A lazy pointer of a dyld-info image is rebased to its stub helper and then bound: the
/// plan keeps both, in that order, so that applying the fixups in order leaves the bound
/// address (lazy binds are bound eagerly).
#[test]
fn a_lazy_pointer_is_rebased_then_bound() {
    let plan = plan("hello", "10.15");
    let at = |address| -> Vec<FixupKind> {
        plan.fixups
            .iter()
            .filter(|f| f.address == address)
            .map(|f| f.kind)
            .collect()
    };
    let lazy = at(0x1_0000_2000);
    assert_eq!(lazy.len(), 2);
    let FixupKind::Rebase { target } = lazy[0] else {
        panic!("{lazy:?}")
    };
    let stub_helper = plan
        .segments
        .iter()
        .find(|s| s.name == "__TEXT")
        .expect("__TEXT");
    assert!(target > stub_helper.vmaddr && target < stub_helper.vmaddr + stub_helper.vmsize);
    let FixupKind::Bind { import, addend: 0 } = lazy[1] else {
        panic!("{lazy:?}")
    };
    assert_eq!(symbol(&plan, import), "_printf");
}
