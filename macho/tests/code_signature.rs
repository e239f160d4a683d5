//! Code signatures checked against the files they sign: every code page of every signed
//! fixture (and, in an ignored test that `tests/corpus/ci.sh` runs, of every corpus file) must
//! hash to what its CodeDirectory says, which tests the SuperBlob, CodeDirectory and hash
//! readers at once.

use std::path::{Path, PathBuf};

use darling_macho::{File, MachO};

mod files;

use files::files_in;

/// The corpus's files; fails without a corpus.
fn corpus() -> Vec<PathBuf> {
    let dir = files::corpus_dir();
    let files = files_in(&dir);
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
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

/// Checks every image of `files` (synthetic malformed fixtures left out); returns how many
/// were signed.
fn check_all(files: &[PathBuf]) -> usize {
    let mut signed = 0;
    for path in files {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
    signed
}

#[test]
fn every_code_page_of_the_fixtures_matches_its_hash() {
    let signed = check_all(&files_in(&files::fixtures_dir()));
    assert!(
        signed >= 2,
        "expected the signed arm64 fixtures, found {signed}"
    );
}

#[test]
#[ignore = "needs the Mach-O corpus (tests/corpus/ci.sh fetches it)"]
fn every_code_page_of_the_corpus_matches_its_hash() {
    let signed = check_all(&corpus());
    eprintln!("code signatures: {signed} signed corpus images, every page verified");
    assert!(signed > 0, "no signed image in the corpus");
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
