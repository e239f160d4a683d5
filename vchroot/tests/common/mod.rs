//! Trees for the tests: a prefix in a temporary directory, built one entry at a time.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use darling_vchroot::{Base, Error, ExpandFlags, Options, Vchroot};

/// Linux errno values the tests expect.
pub const ENOENT: i32 = 2;
pub const EBADF: i32 = 9;
pub const EACCES: i32 = 13;
pub const ENOTDIR: i32 = 20;
pub const EINVAL: i32 = 22;
pub const ENAMETOOLONG: i32 = 36;
pub const ELOOP: i32 = 40;

/// A prefix in a temporary directory (removed when dropped), and the scratch space beside
/// it that the tests use as "the host".
pub struct Tree {
    pub dir: tempfile::TempDir,
    /// The prefix, canonical.
    pub prefix: PathBuf,
    /// A directory on the host outside the prefix, canonical.
    pub outside: PathBuf,
}

impl Tree {
    /// A prefix holding the empty `/Volumes/SystemRoot` every Darling prefix has.
    pub fn new() -> Tree {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        let prefix = root.join("prefix");
        let outside = root.join("outside");
        fs::create_dir_all(prefix.join("Volumes/SystemRoot")).expect("mkdir");
        fs::create_dir_all(&outside).expect("mkdir");
        Tree {
            dir,
            prefix,
            outside,
        }
    }

    /// The host path of `rel` in the prefix.
    pub fn p(&self, rel: &str) -> PathBuf {
        let rel = rel.trim_start_matches('/');
        if rel.is_empty() {
            self.prefix.clone()
        } else {
            self.prefix.join(rel)
        }
    }

    pub fn dir(&self, rel: &str) -> &Self {
        fs::create_dir_all(self.p(rel)).expect("mkdir");
        self
    }

    pub fn file(&self, rel: &str) -> &Self {
        let p = self.p(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, b"x").expect("write");
        self
    }

    pub fn link(&self, rel: &str, target: &str) -> &Self {
        let p = self.p(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        symlink(target, p).expect("symlink");
        self
    }

    pub fn open(&self) -> Vchroot {
        Vchroot::open(&self.prefix).expect("open prefix")
    }

    pub fn open_with(&self, o: Options) -> Vchroot {
        o.open(&self.prefix).expect("open prefix")
    }
}

/// Expands `path` with flags 0 from the working directory: the host path.
pub fn host(vc: &Vchroot, path: &str) -> Result<PathBuf, Error> {
    expand(vc, path, ExpandFlags::empty())
}

/// Expands `path` with `VCHROOT_FOLLOW`: the host path.
pub fn host_follow(vc: &Vchroot, path: &str) -> Result<PathBuf, Error> {
    expand(vc, path, ExpandFlags::FOLLOW)
}

pub fn expand(vc: &Vchroot, path: &str, flags: ExpandFlags) -> Result<PathBuf, Error> {
    let found = vc.expand(path, flags, Base::Cwd)?;
    check_fd(&found);
    Ok(found.into_host_path())
}

/// The descriptor names what the host path names (or its parent, if it is missing).
pub fn check_fd(found: &darling_vchroot::Expanded) {
    let fd_path = fs::read_link(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&found.fd())
    ))
    .expect("readlink fd");
    let want: &Path = if found.exists() {
        found.host_path()
    } else {
        found.host_path().parent().expect("parent")
    };
    // Magic links keep their own name in the host path.
    if !want.starts_with("/proc/") {
        assert_eq!(fd_path, want, "descriptor and host path disagree");
    }
}

/// The Linux errno of an expansion's failure.
pub fn errno(r: Result<PathBuf, Error>) -> i32 {
    match r {
        Ok(p) => panic!("expected an error, got {}", p.display()),
        Err(e) => e.errno(),
    }
}
