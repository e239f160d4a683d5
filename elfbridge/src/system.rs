//! Where the host keeps its shared objects: finding one library by file name (as a build
//! script or `darling wrapgen` does, without loading it) and listing them all (as the
//! comparison against `llvm-nm` and the wrapgen benchmark do).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The directories searched for a library by file name after `LD_LIBRARY_PATH`, in order:
/// the multiarch directories of x86-64 Debian-likes first, then the usual ones.
pub const SEARCH_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    "/usr/local/lib",
];

/// The directories [`shared_objects`] walks, recursively.
pub const SCAN_ROOTS: &[&str] = &[
    "/lib",
    "/lib64",
    "/lib32",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/usr/local/lib",
];

/// How deep [`shared_objects`] goes below each root.
const MAX_DEPTH: usize = 8;

/// Finds a library by file name: in each directory of `LD_LIBRARY_PATH`, then in
/// [`SEARCH_DIRS`]. The first regular file (or link to one) of that name wins; nothing is
/// loaded.
pub fn find_library(file_name: &OsStr) -> Option<PathBuf> {
    let from_env = std::env::var_os("LD_LIBRARY_PATH").unwrap_or_default();
    std::env::split_paths(&from_env)
        .filter(|dir| !dir.as_os_str().is_empty())
        .chain(SEARCH_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(file_name))
        .find(|candidate| candidate.is_file())
}

/// Whether `name` is a shared object's file name: `*.so` or `*.so.*`.
pub fn is_shared_object_name(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.ends_with(b".so") || name.windows(4).any(|w| w == b".so.")
}

/// Every ELF shared object under [`SCAN_ROOTS`]: files named as [`is_shared_object_name`]
/// says that start with `\x7fELF`, by canonical path, each once (however many links lead to
/// it), sorted.
pub fn shared_objects() -> Vec<PathBuf> {
    let mut seen = BTreeSet::new();
    for root in SCAN_ROOTS {
        collect(Path::new(root), &mut seen, 0);
    }
    seen.into_iter().filter(|path| is_elf(path)).collect()
}

fn collect(dir: &Path, seen: &mut BTreeSet<PathBuf>, depth: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth < MAX_DEPTH {
            collect(&path, seen, depth + 1);
        } else if (kind.is_file() || kind.is_symlink())
            && is_shared_object_name(&entry.file_name())
            && let Ok(real) = std::fs::canonicalize(&path)
            && real.is_file()
        {
            seen.insert(real);
        }
    }
}

fn is_elf(path: &Path) -> bool {
    let mut magic = [0; 4];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut magic))
        .is_ok_and(|()| magic == *b"\x7fELF")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_object_names() {
        for yes in [
            "libc.so.6",
            "libz.so",
            "libfoo.so.1.2.3",
            "ld-linux-x86-64.so.2",
        ] {
            assert!(is_shared_object_name(OsStr::new(yes)), "{yes}");
        }
        for no in ["libc.a", "libso", "so.1", "libfoo.sox", "crt1.o"] {
            assert!(!is_shared_object_name(OsStr::new(no)), "{no}");
        }
    }

    #[test]
    fn libc_is_found_and_listed() {
        let libc = find_library(OsStr::new("libc.so.6")).expect("libc.so.6 in a search dir");
        let listed = shared_objects();
        let real = std::fs::canonicalize(libc).unwrap();
        assert!(listed.contains(&real), "{} not listed", real.display());
        assert!(listed.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
    }
}
