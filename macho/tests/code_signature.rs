//! Code signatures checked against the files they sign: every code page of every signed
//! fixture (and corpus file, when the corpus is present) must hash to what its CodeDirectory
//! says, which tests the SuperBlob, CodeDirectory and hash readers at once.

use std::path::{Path, PathBuf};

use darling_macho::{File, MachO};

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin");
    let corpus = std::env::var_os("MACHO_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/macho-corpus/files")
        });
    for dir in [data, corpus] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            out.extend(entries.map(|e| e.unwrap().path()));
        }
    }
    out.sort();
    out
}

/// Checks one image; returns whether it was signed.
fn check(name: &str, m: &MachO<'_>) -> bool {
    let Some(sig) = m.code_signature().unwrap_or_else(|e| panic!("{name}: {e}")) else {
        return false;
    };
    let cds: Vec<_> = sig
        .code_directories()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!cds.is_empty(), "{name}: signature without a CodeDirectory");
    for cd in cds {
        let id = cd.identifier().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!id.is_empty(), "{name}: empty identifier");
        assert!(
            cd.code_limit <= m.data().len() as u64,
            "{name}: code limit past the end"
        );
        if cd.hash_type == darling_macho::code_signature::CS_HASHTYPE_SHA384 {
            continue;
        }
        assert!(cd.cdhash().is_some(), "{name}: no cdhash");
        for page in 0..cd.n_code_slots {
            assert_eq!(
                cd.verify_page(m.data(), page),
                Some(true),
                "{name}: page {page} of slot {} does not verify",
                cd.slot
            );
        }
    }
    true
}

#[test]
fn every_code_page_matches_its_hash() {
    let mut signed = 0;
    for path in files() {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("synth-") {
            continue;
        }
        match File::parse(&data) {
            Ok(File::MachO(m)) => signed += usize::from(check(&name, &m)),
            Ok(File::Fat(fat)) => {
                for a in fat.arches() {
                    signed += usize::from(check(&name, &fat.macho(&a).unwrap()));
                }
            }
            Ok(_) | Err(_) => {}
        }
    }
    eprintln!("code signatures: {signed} signed images, every page verified");
    assert!(signed >= 2, "expected the signed arm64 fixtures");
}

#[test]
fn signature_fields_of_an_lld_signed_fixture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin/exe-arm64-chained");
    let data = std::fs::read(path).unwrap();
    let File::MachO(m) = File::parse(&data).unwrap() else {
        panic!("thin file expected")
    };
    let sig = m.code_signature().unwrap().unwrap();
    let cd = sig.code_directory().unwrap().unwrap();
    assert_eq!(
        cd.hash_type,
        darling_macho::code_signature::CS_HASHTYPE_SHA256
    );
    assert_eq!(cd.hash_size, 32);
    assert_eq!(cd.page_size(), Some(4096));
    // lld signs ad hoc and marks the signature as the linker's (CS_ADHOC | CS_LINKER_SIGNED).
    assert_eq!(cd.flags & 0x2_0002, 0x2_0002);
    assert_eq!(cd.team_id().unwrap(), None);
    assert_eq!(cd.identifier().unwrap(), b"exe-arm64-chained");
}
