//! Layouts against migcom's: every routine's ids and sizes, every field's offset and size,
//! every subsystem's range and union sizes must equal the tables measured with Apple's
//! migcom (tests/data/golden), line for line.
//!
//! Our own interfaces (tests/data/defs) are always checked. XNU's `osfmk/mach` interfaces
//! are checked when `XNU_DIR` names an XNU source tree (they are not ours to commit).

use std::path::{Path, PathBuf};

use darling_mig::layout;
use darling_mig::{Interface, Preprocessor};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The rows of `table` (a golden file) whose first column is `defs`.
fn golden_rows(table: &Path, defs: &str) -> String {
    let text = std::fs::read_to_string(table).expect("golden table");
    let mut out = String::new();
    for line in text.lines().skip(1) {
        if line.split('\t').next() == Some(defs) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn check(dir: &Path, defs: &str, iface: &Interface) {
    let pairs = [
        ("golden.tsv", layout::routine_rows(defs, iface)),
        ("fields.tsv", layout::field_rows(defs, iface)),
        ("subsystems.tsv", layout::subsystem_row(defs, iface)),
    ];
    for (table, ours) in pairs {
        let theirs = golden_rows(&dir.join(table), defs);
        assert!(!theirs.is_empty(), "{defs}: no rows in {table}");
        if ours != theirs {
            let diff: Vec<_> = theirs
                .lines()
                .zip(ours.lines())
                .filter(|(a, b)| a != b)
                .take(5)
                .collect();
            panic!("{defs}: {table} differs from migcom's (migcom, ours): {diff:#?}");
        }
    }
}

fn own_preprocessor() -> Preprocessor {
    let mut pp = Preprocessor::new();
    pp.include_dir(data("defs/include"));
    pp
}

#[test]
fn own_interfaces_lay_out_as_migcom_does() {
    let names = [
        "window",
        "arrays",
        "kitchen_sink",
        "notify_like",
        "options",
        "ports",
        "server_side",
    ];
    for defs in names {
        let path = data(&format!("defs/{defs}.defs"));
        let iface =
            Interface::load(&path, &own_preprocessor()).unwrap_or_else(|e| panic!("{defs}: {e}"));
        check(&data("golden"), defs, &iface);
    }
}

#[test]
fn message_bits_are_migcom_s() {
    let text = std::fs::read_to_string(data("golden/bits.tsv")).expect("bits.tsv");
    let mut checked = 0;
    let mut loaded: Vec<(String, Interface)> = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (defs, routine, request_bits) = (cols[0], cols[1], cols[2]);
        if !loaded.iter().any(|(d, _)| d == defs) {
            let path = data(&format!("defs/{defs}.defs"));
            let iface = Interface::load(&path, &own_preprocessor()).expect("interface");
            loaded.push((defs.to_string(), iface));
        }
        let iface = &loaded.iter().find(|(d, _)| d == defs).expect("loaded").1;
        let r = iface
            .routines()
            .find(|r| r.name() == routine)
            .unwrap_or_else(|| panic!("{defs}: no routine {routine}"));
        let want = u32::from_str_radix(request_bits.trim_start_matches("0x"), 16).expect("hex");
        let ours = r.request_bits();
        assert_eq!(
            ours, want,
            "{defs} {routine}: request bits {ours:#x}, migcom {want:#x}"
        );
        checked += 1;
    }
    assert!(checked > 60, "only {checked} rows");
}

/// An XNU tree, from `XNU_DIR`. The tests that use it are ignored unless asked for, and
/// then fail without it.
fn xnu_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("XNU_DIR").expect("XNU_DIR names an XNU source tree"))
}

/// The preprocessor options migcom's measurements were made with (and XNU's build uses)
/// for an `osfmk/mach` file.
fn xnu_preprocessor(xnu: &Path, file: &str) -> Preprocessor {
    let mut pp = Preprocessor::new();
    pp.include_dir(xnu.join("osfmk"));
    match file {
        "notify" => {
            pp.define("MACH_NOTIFY_SEND_POSSIBLE_EXPECTED", "1");
        }
        // Kernel-private interfaces: their types exist only for the kernel.
        "upl" => {
            pp.define("KERNEL_PRIVATE", "1");
        }
        _ => {
            pp.define("LIBSYSCALL_INTERFACE", "1");
        }
    }
    pp
}

#[test]
#[ignore = "needs XNU_DIR (an XNU source tree)"]
fn xnu_interfaces_lay_out_as_migcom_does() {
    let xnu = xnu_dir();
    for defs in ["mach_port", "clock", "notify"] {
        let path = xnu.join(format!("osfmk/mach/{defs}.defs"));
        let iface = Interface::load(&path, &xnu_preprocessor(&xnu, defs))
            .unwrap_or_else(|e| panic!("{defs}: {e}"));
        check(&data("golden/xnu"), defs, &iface);
    }
}

#[test]
#[ignore = "needs XNU_DIR (an XNU source tree)"]
fn every_xnu_mach_interface_parses_and_lays_out() {
    let xnu = xnu_dir();
    let dir = xnu.join("osfmk/mach");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("osfmk/mach") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "defs") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        // Type libraries, included by the others: no subsystem of their own.
        if ["std_types", "mach_types", "clock_types"].contains(&stem) {
            continue;
        }
        let iface = Interface::load(&path, &xnu_preprocessor(&xnu, stem))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for r in iface.routines() {
            assert!(r.request.size >= 24 && r.request.min_size <= r.request.size);
            assert!(r.reply.size >= 24 && r.reply.min_size <= r.reply.size);
        }
        // And the Rust generator takes every one of them.
        darling_mig::generate(&iface, stem).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        count += 1;
    }
    assert!(count >= 40, "only {count} interfaces");
}
