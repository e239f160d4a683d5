//! wrapgen on our own libraries: the generated C and Rust equal the committed goldens
//! (`ELFBRIDGE_BLESS=1 cargo test -p darling-elfbridge --test wrapgen` rewrites them), and the
//! Rust wrapper, compiled into this test, calls into the host library.

use std::path::Path;

use darling_elfbridge::wrapgen::{self, Plan, SkipReason};
use darling_elfbridge::{Error, SharedObject};

const DEMO: &[u8] = include_bytes!("data/libdemo.so.1");
const PLAIN: &[u8] = include_bytes!("data/libplain.so");

fn golden(name: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/golden")
        .join(name);
    if std::env::var_os("ELFBRIDGE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (ELFBRIDGE_BLESS=1 writes it)", path.display()));
    assert!(expected == generated, "{name} differs from the golden file");
}

#[test]
fn goldens() {
    for (bytes, file, stem) in [
        (DEMO, "libdemo.so.1", "libdemo"),
        (PLAIN, "libplain.so", "libplain"),
    ] {
        let object = SharedObject::parse(bytes).unwrap();
        let plan = Plan::new(&object, file.as_bytes()).unwrap();
        let c = wrapgen::c::generate(&plan);
        golden(&format!("{stem}.c"), &c.source);
        golden(&format!("{stem}_vars.h"), c.header.as_deref().unwrap_or(""));
        golden(&format!("{stem}.rs"), &wrapgen::rust::generate(&plan));
        // Deterministic: a second run gives the same bytes.
        assert_eq!(
            wrapgen::c::generate(&Plan::new(&object, file.as_bytes()).unwrap()),
            c
        );
    }
}

#[test]
fn the_plan_wraps_every_reachable_export_once() {
    let object = SharedObject::parse(DEMO).unwrap();
    let plan = Plan::new(&object, b"ignored").unwrap();
    assert_eq!(plan.load_name, b"libdemo.so.1");
    assert!(!plan.load_name_from_file);
    let names = |entries: &[wrapgen::Entry<'_>]| -> Vec<String> {
        entries
            .iter()
            .map(|e| e.display_name().to_string())
            .collect()
    };
    assert_eq!(
        names(&plan.functions),
        [
            "demo.dotted@@DEMO_2.0",
            "demo_add@@DEMO_2.0",
            "demo_hypot@@DEMO_1.0",
            "demo_ifunc@@DEMO_2.0",
            "demo_protected@@DEMO_2.0",
            "demo_scale@@DEMO_1.0",
            "demo_tls_address@@DEMO_2.0",
            "demo_weak@@DEMO_1.0",
            "loop@@DEMO_1.0",
            "match@@DEMO_1.0",
            "self@@DEMO_1.0",
        ]
    );
    assert_eq!(
        names(&plan.variables),
        [
            "demo_counter@@DEMO_1.0",
            "demo_greeting@@DEMO_1.0",
            "demo_tls@@DEMO_2.0",
            "demo_weak_var@@DEMO_1.0",
            "demo_zeroed@@DEMO_2.0",
        ]
    );
    let skipped: Vec<_> = plan.skipped.iter().map(|s| (s.name, s.reason)).collect();
    assert_eq!(
        skipped,
        [
            (&b"DEMO_1.0"[..], SkipReason::Absolute),
            (b"DEMO_2.0", SkipReason::Absolute),
            (b"demo_legacy", SkipReason::HiddenVersionsOnly),
        ]
    );

    // No SONAME: the file name is the load name.
    let plain = SharedObject::parse(PLAIN).unwrap();
    let plan = Plan::new(&plain, b"libplain.so").unwrap();
    assert_eq!(
        (plan.load_name, plan.load_name_from_file),
        (&b"libplain.so"[..], true)
    );
    assert!(plan.entries().all(|e| e.version.is_none()));
}

#[test]
fn darlings_wrapgen_would_have_dropped_weak_and_indirect_functions() {
    // Darling keeps STB_GLOBAL + STV_DEFAULT functions and objects only: demo_weak, demo_ifunc,
    // demo_weak_var, demo_tls and demo_protected would be missing from its wrapper.
    let object = SharedObject::parse(DEMO).unwrap();
    let plan = Plan::new(&object, b"").unwrap();
    for name in [
        "demo_weak",
        "demo_ifunc",
        "demo_weak_var",
        "demo_tls",
        "demo_protected",
    ] {
        assert!(
            plan.entries().any(|e| e.name == name.as_bytes()),
            "{name} not wrapped"
        );
    }
}

#[test]
fn nothing_to_wrap_is_an_error() {
    // A file without .dynsym.
    let mut no_dynsym = PLAIN.to_vec();
    // Make every section header's type SHT_NULL... simpler: an ELF header with no sections.
    no_dynsym.truncate(64);
    no_dynsym[0x28..0x30].fill(0); // e_shoff
    no_dynsym[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    no_dynsym[0x20..0x28].fill(0); // e_phoff
    no_dynsym[0x38..0x3a].fill(0); // e_phnum
    let object = SharedObject::parse(&no_dynsym).unwrap();
    assert!(matches!(
        Plan::new(&object, b"x"),
        Err(Error::NoDynamicSymbols)
    ));
}
