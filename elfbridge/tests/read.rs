//! The reader on our own libraries (`tests/data`, built by `regen.sh`): every case of
//! `demo.c`, and the listing `llvm-nm-19` wrote for each library.

use darling_elfbridge::nm::{Filter, write_listing};
use darling_elfbridge::{
    Binding, DynamicSymbol, Error, Placement, SharedObject, SymbolKind, Visibility,
};

const DEMO: &[u8] = include_bytes!("data/libdemo.so.1");
const DEMO32: &[u8] = include_bytes!("data/libdemo32.so.1");
const PLAIN: &[u8] = include_bytes!("data/libplain.so");

fn find<'a>(
    object: &'a SharedObject<'_>,
    name: &str,
    version: Option<&str>,
) -> &'a DynamicSymbol<'a> {
    object
        .defined()
        .find(|s| {
            s.name == name.as_bytes() && s.version.map(|v| v.name) == version.map(str::as_bytes)
        })
        .unwrap_or_else(|| panic!("{name} {version:?} not defined"))
}

fn listing(bytes: &[u8]) -> String {
    let object = SharedObject::parse(bytes).unwrap();
    let mut out = Vec::new();
    write_listing(&mut out, &object, Filter::DefinedOnly).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn listings_equal_llvm_nm() {
    assert_eq!(listing(DEMO), include_str!("data/libdemo.so.1.nm"));
    assert_eq!(listing(DEMO32), include_str!("data/libdemo32.so.1.nm"));
    assert_eq!(listing(PLAIN), include_str!("data/libplain.so.nm"));
}

#[test]
fn soname_and_needed() {
    let demo = SharedObject::parse(DEMO).unwrap();
    assert_eq!(demo.soname(), Some(&b"libdemo.so.1"[..]));
    assert_eq!(
        demo.needed(),
        [&b"libm.so.6"[..], b"libc.so.6", b"ld-linux-x86-64.so.2"]
    );
    assert!(demo.target().is_64 && demo.target().little_endian);
    assert_eq!(demo.target().machine, 62);
    let demo32 = SharedObject::parse(DEMO32).unwrap();
    assert!(!demo32.target().is_64);
    assert_eq!(demo32.target().machine, 3);
    assert_eq!(demo32.soname(), Some(&b"libdemo.so.1"[..]));
    let plain = SharedObject::parse(PLAIN).unwrap();
    assert_eq!(plain.soname(), None);
    assert_eq!(plain.needed(), [&b"libc.so.6"[..]]);
}

#[test]
fn versions_default_and_hidden() {
    for bytes in [DEMO, DEMO32] {
        let demo = SharedObject::parse(bytes).unwrap();
        let new = find(&demo, "demo_add", Some("DEMO_2.0"));
        assert!(!new.version.unwrap().hidden);
        assert_eq!(new.versioned_name().to_string(), "demo_add@@DEMO_2.0");
        let old = find(&demo, "demo_add", Some("DEMO_1.0"));
        assert!(old.version.unwrap().hidden);
        assert_eq!(old.versioned_name().to_string(), "demo_add@DEMO_1.0");
        assert!(
            find(&demo, "demo_legacy", Some("DEMO_1.0"))
                .version
                .unwrap()
                .hidden
        );
        // An undefined reference's version is never the default one.
        let sqrt = demo.symbols().iter().find(|s| s.name == b"sqrt").unwrap();
        assert!(!sqrt.is_defined() && sqrt.version.unwrap().hidden);
    }
    let plain = SharedObject::parse(PLAIN).unwrap();
    assert!(plain.symbols().iter().all(|s| s.version.is_none()));
    assert!(plain.version_error().is_none());
}

#[test]
fn kinds_bindings_visibility() {
    let demo = SharedObject::parse(DEMO).unwrap();
    // The default (`@@`) definition of a name.
    let v = |name: &str| {
        demo.defined()
            .find(|s| s.name == name.as_bytes() && s.version.is_some_and(|v| !v.hidden))
            .unwrap_or_else(|| panic!("{name}@@ not defined"))
    };
    assert_eq!(v("demo_ifunc").kind, SymbolKind::Ifunc);
    assert_eq!(v("demo_tls").kind, SymbolKind::Tls);
    assert_eq!(v("demo_counter").kind, SymbolKind::Object);
    assert_eq!(v("demo_weak").binding, Binding::Weak);
    assert_eq!(v("demo_weak_var").binding, Binding::Weak);
    assert_eq!(v("demo_protected").visibility, Visibility::Protected);
    assert!(v("demo_protected").is_exported());
    assert_eq!(v("demo.dotted").kind, SymbolKind::Function);
    assert!(matches!(v("demo_zeroed").placement, Placement::Section(_)));
    assert_eq!(v("demo_greeting").size, 16);
    let version_node = find(&demo, "DEMO_1.0", Some("DEMO_1.0"));
    assert_eq!(version_node.placement, Placement::Absolute);
    for hidden in [
        "demo_hidden",
        "demo_unlisted",
        "demo_add_v1",
        "demo_ifunc_resolver",
    ] {
        assert!(
            demo.symbols().iter().all(|s| s.name != hidden.as_bytes()),
            "{hidden} exported"
        );
    }
}

#[test]
fn refuses_what_is_not_elf() {
    assert!(matches!(SharedObject::parse(b""), Err(Error::NotElf)));
    assert!(matches!(
        SharedObject::parse(b"\xcf\xfa\xed\xfe"),
        Err(Error::NotElf)
    ));
    assert!(matches!(
        SharedObject::parse(b"\x7fELF"),
        Err(Error::UnsupportedElf | Error::Malformed { .. })
    ));
    // Truncated anywhere: an error or a smaller listing, never a panic.
    for len in (0..DEMO.len()).step_by(61) {
        let _ = SharedObject::parse(&DEMO[..len]);
    }
}

#[test]
fn soname_and_needed_from_pt_dynamic_without_section_headers() {
    let mut stripped = DEMO.to_vec();
    stripped[0x28..0x30].fill(0); // e_shoff
    stripped[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    let object = SharedObject::parse(&stripped).unwrap();
    let full = SharedObject::parse(DEMO).unwrap();
    assert_eq!(object.soname(), full.soname());
    assert_eq!(object.needed(), full.needed());
    assert!(
        !object.has_dynamic_symbols(),
        "no .dynsym without section headers, as llvm-nm"
    );
}
