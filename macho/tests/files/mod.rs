//! Where the Mach-O files the tests and benchmarks read are: the committed fixtures and the
//! third-party corpus. Shared by the tests that read them (`mod files;`) and by the
//! benchmarks (which include this file).

use std::path::{Path, PathBuf};

/// The files (not directories) in `dir`, sorted; none if it cannot be read.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The committed fixtures' folder, `tests/data/bin`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin")
}

/// The third-party corpus's folder: `MACHO_CORPUS`, else the workspace's
/// `target/macho-corpus/files` (where `tests/corpus/ci.sh` fetches it).
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("MACHO_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/macho-corpus/files"),
        PathBuf::from,
    )
}
