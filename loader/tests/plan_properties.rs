//! Plans made from damaged executables: whatever the bytes, planning never panics, and a
//! plan it makes keeps every promise (`invariants::check_plan`).

mod invariants;

use std::path::PathBuf;

use darling_loader::Plan;
use proptest::prelude::*;

/// The committed test programs (`tests/data/bin`).
fn programs() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("program"))
        .collect()
}

fn plan_checked(bytes: &[u8]) {
    if let Ok(plan) = Plan::new(bytes) {
        invariants::check_plan(&plan);
    }
}

#[test]
fn every_program_is_planned() {
    let programs = programs();
    assert!(programs.len() >= 2, "no programs in tests/data/bin");
    for bytes in &programs {
        let plan = Plan::new(bytes).expect("a committed program plans");
        invariants::check_plan(&plan);
        assert!(!plan.fixups.is_empty() && !plan.imports.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn byte_flips_never_panic(
        which in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let programs = programs();
        prop_assume!(!programs.is_empty());
        let mut bytes = which.get(&programs).clone();
        // Most of a program's bytes are code: flip within the load commands and link-edit
        // data as often as elsewhere, by aiming half of the flips at the first 4 KiB.
        for (i, (at, value)) in flips.iter().enumerate() {
            let len = if i % 2 == 0 { bytes.len().min(0x1000) } else { bytes.len() };
            let at = at.index(len);
            bytes[at] ^= value | 1;
        }
        plan_checked(&bytes);
    }

    #[test]
    fn truncation_never_panics(which in any::<prop::sample::Index>(), len in any::<prop::sample::Index>()) {
        let programs = programs();
        prop_assume!(!programs.is_empty());
        let bytes = which.get(&programs);
        plan_checked(&bytes[..len.index(bytes.len() + 1)]);
    }
}
