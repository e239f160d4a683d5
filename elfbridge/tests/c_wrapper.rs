//! The generated C wrapper compiles for a Darwin target against our `elfcalls.h`, and the
//! object it gives marks every function symbol as a symbol resolver.

use std::process::Command;

use darling_elfbridge::SharedObject;
use darling_elfbridge::calls::C_HEADER;
use darling_elfbridge::wrapgen::{self, Plan};

#[test]
#[ignore = "needs clang-19 and llvm-nm-19 (apt-get install clang-19 llvm-19)"]
fn the_c_wrapper_compiles_to_mach_o_with_symbol_resolvers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("elfcalls.h"), C_HEADER).unwrap();
    let object = SharedObject::parse(include_bytes!("data/libdemo.so.1")).unwrap();
    let plan = Plan::new(&object, b"").unwrap();
    let c = wrapgen::c::generate(&plan);
    std::fs::write(dir.path().join("demo.c"), &c.source).unwrap();
    let output = dir.path().join("demo.o");
    let status = Command::new("clang-19")
        .args([
            "-target",
            "x86_64-apple-macos11",
            "-c",
            "-Wall",
            "-Werror",
            "-I",
        ])
        .arg(dir.path())
        .arg(dir.path().join("demo.c"))
        .arg("-o")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    let nm = Command::new("llvm-nm-19")
        .arg("-m")
        .arg(&output)
        .output()
        .unwrap();
    let listing = String::from_utf8(nm.stdout).unwrap();
    for entry in &plan.functions {
        let name = format!("_{}", String::from_utf8_lossy(entry.name));
        let line = listing
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap_or_else(|| panic!("{name} missing:\n{listing}"));
        assert!(
            line.contains("[symbol resolver]") && line.contains("external"),
            "{line}"
        );
    }
    for entry in &plan.variables {
        let name = format!("___elf_get_{}", String::from_utf8_lossy(entry.name));
        assert!(
            listing
                .lines()
                .any(|l| l.ends_with(&format!("external {name}"))),
            "{name}:\n{listing}"
        );
    }
    // The load name sits in __TEXT,__elfname, where packagers look.
    assert!(listing.contains("(__TEXT,__elfname)"), "{listing}");
}
