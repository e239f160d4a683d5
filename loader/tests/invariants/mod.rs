//! What every plan promises, checked on plans made from any bytes (the property tests and
//! the `loader_plan` fuzz target include this module).

use darling_loader::{FixupKind, ImportSource, Plan};

/// Panics if `plan` breaks a promise the runtime relies on when it maps and fixes up.
pub fn check_plan(plan: &Plan) {
    const VM_PROT_EXECUTE: i32 = 4;
    let inside = |address: u64, len: u64| {
        plan.segments.iter().any(|s| {
            !s.is_reservation() && address >= s.vmaddr && address + len <= s.vmaddr + s.vmsize
        })
    };
    for s in &plan.segments {
        assert!(
            s.filesize <= s.vmsize,
            "{} maps more file than memory",
            s.name
        );
        assert_eq!(s.vmaddr % darling_loader::PAGE_SIZE, 0);
        assert_eq!(s.fileoff % darling_loader::PAGE_SIZE, 0);
        assert!(s.vmaddr.checked_add(s.vmsize).is_some());
        assert_eq!(s.initprot & !s.maxprot, 0);
    }
    let mut spans: Vec<_> = plan.segments.iter().filter(|s| s.vmsize > 0).collect();
    spans.sort_by_key(|s| s.vmaddr);
    for w in spans.windows(2) {
        assert!(w[0].vmaddr + w[0].vmsize <= w[1].vmaddr, "segments overlap");
    }
    assert!(
        plan.segments
            .iter()
            .any(|s| s.vmaddr == plan.base_address && s.fileoff == 0)
    );
    assert!(plan.segments.iter().any(|s| {
        s.initprot & VM_PROT_EXECUTE != 0
            && plan.entry >= s.vmaddr
            && plan.entry < s.vmaddr + s.vmsize
    }));
    for import in &plan.imports {
        if let ImportSource::Dylib(i) = import.source {
            assert!(i < plan.dylibs.len(), "an import from a library not loaded");
        }
    }
    for fixup in &plan.fixups {
        assert!(
            inside(fixup.address, 8),
            "a fixup outside the mapped segments"
        );
        if let FixupKind::Bind { import, .. } = fixup.kind {
            assert!(import < plan.imports.len(), "a bind to an unknown import");
        }
    }
    if let Some((start, end)) = plan.mapped_range() {
        assert!(start <= end);
    }
}
