//! Lookups while other threads rename directories and swap symlinks under them: no answer
//! may name anything outside the prefix. Each answer's descriptor is read back through
//! `/proc/self/fd`, the kernel's own word on where it is.
//!
//! The attack that breaks resolvers built on the kernel's `..` or on strings: a directory
//! the lookup is inside moves up the tree, so that `..` from it climbs out; a symlink is
//! swapped between a harmless target and one that leads out, between the check and the
//! use.

mod common;

use std::fs;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use darling_vchroot::{Base, ExpandFlags, Options, Vchroot};
use rustix::fs::{Mode, OFlags, RenameFlags, ResolveFlags};

/// Where a descriptor really is.
fn where_is(fd: BorrowedFd<'_>) -> PathBuf {
    fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap()
}

/// Whether `p` (as the kernel names it) is the prefix or below it. A directory removed
/// meanwhile is named with " (deleted)": still below.
fn inside(prefix: &Path, p: &Path) -> bool {
    p.starts_with(prefix)
}

/// The prefix, and a secret beside it that no Darwin path may reach with the door shut.
struct Arena {
    _dir: tempfile::TempDir,
    prefix: PathBuf,
    secret: PathBuf,
}

fn arena() -> Arena {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let prefix = root.join("prefix");
    let secret = root.join("secret");
    fs::create_dir_all(secret.join("inner")).unwrap();
    fs::write(secret.join("flag"), b"secret").unwrap();
    fs::create_dir_all(prefix.join("a/b/c/d/e")).unwrap();
    fs::create_dir_all(prefix.join("x")).unwrap();
    fs::create_dir_all(prefix.join("y")).unwrap();
    symlink("a/b", prefix.join("sw")).unwrap();
    Arena {
        _dir: dir,
        prefix,
        secret,
    }
}

/// Targets the symlink swapper cycles through: harmless ones and ones that try to leave.
fn targets(a: &Arena) -> Vec<String> {
    vec![
        "a/b".into(),
        "../secret".into(),
        "../../../../../../secret".into(),
        "/../secret".into(),
        a.secret.display().to_string(),
        format!("/Volumes/SystemRoot{}", a.secret.display()),
        "/proc/self/root".into(),
        "/proc/self/cwd".into(),
        "a/b/c/d/e".into(),
        "y".into(),
    ]
}

/// Paths the resolvers try: each climbs with `..` from somewhere a mover may move, or goes
/// through the swapped symlink.
const PATHS: &[&str] = &[
    "/a/b/c/d/e/../../../../../../secret/flag",
    "/a/b/c/d/e/../../../../../..",
    "/d/e/../../../secret",
    "/x/d/../../../secret/flag",
    "/sw/flag",
    "/sw/../secret/flag",
    "/sw/c/d/../../../../..",
    "/sw",
    "/y/b/c/../../..",
    "a/b/c/d/e/../../../../../../secret",
];

/// Renames `from` to `to` (both below the prefix), opening their parents with no symlink
/// followed; does nothing where that is not possible.
fn move_within(root: BorrowedFd<'_>, from: &'static str, to: &'static str) -> bool {
    let parent = |p: &'static str| {
        let (dir, name) = p.rsplit_once('/').unwrap_or((".", p));
        let flags = OFlags::PATH | OFlags::DIRECTORY;
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS;
        rustix::fs::openat2(root, dir, flags, Mode::empty(), resolve)
            .ok()
            .map(|fd| (fd, name))
    };
    match (parent(from), parent(to)) {
        (Some((a, an)), Some((b, bn))) => rustix::fs::renameat(&a, an, &b, bn).is_ok(),
        _ => false,
    }
}

/// Runs movers and resolvers for `secs` seconds; (attempts, escapes, changes made to the
/// tree).
fn race(a: &Arena, vc: &Vchroot, secs: f64) -> (usize, usize, usize) {
    let stop = AtomicBool::new(false);
    let changes = AtomicUsize::new(0);
    let attempts = AtomicUsize::new(0);
    let escapes = AtomicUsize::new(0);
    let prefix_fd =
        rustix::fs::open(&a.prefix, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap();
    thread::scope(|s| {
        // Moves d up and down the tree, and a/b into y and back (a directory the lookup may
        // be inside moves to a shallower or deeper place). The attackers stay inside the
        // prefix, as a Darwin program must: their renames follow no symlink (a rename
        // through one could carry a directory out, which no lookup can be blamed for).
        s.spawn(|| {
            let moves = [
                ("a/b/c/d", "d"),
                ("d", "x/d"),
                ("x/d", "a/b/c/d"),
                ("a/b", "y/b"),
                ("y/b", "a/b"),
            ];
            while !stop.load(Ordering::Relaxed) {
                for (from, to) in moves {
                    if move_within(prefix_fd.as_fd(), from, to) {
                        changes.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        // Swaps the symlink atomically, and exchanges a directory with it.
        s.spawn(|| {
            let targets = targets(a);
            let root = prefix_fd.as_fd();
            while !stop.load(Ordering::Relaxed) {
                for t in &targets {
                    let _ = rustix::fs::unlinkat(root, "sw.tmp", rustix::fs::AtFlags::empty());
                    if rustix::fs::symlinkat(t.as_str(), root, "sw.tmp").is_ok()
                        && rustix::fs::renameat(root, "sw.tmp", root, "sw").is_ok()
                    {
                        changes.fetch_add(1, Ordering::Relaxed);
                    }
                    let swap =
                        rustix::fs::renameat_with(root, "x", root, "sw", RenameFlags::EXCHANGE);
                    if swap.is_ok() {
                        changes.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        for t in 0..3 {
            let (stop, attempts, escapes, prefix_fd) = (&stop, &attempts, &escapes, &prefix_fd);
            s.spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    let path = PATHS[i % PATHS.len()];
                    let flags = if i % 3 == 0 {
                        ExpandFlags::empty()
                    } else {
                        ExpandFlags::FOLLOW
                    };
                    i += 1;
                    attempts.fetch_add(1, Ordering::Relaxed);
                    if let Ok(found) = vc.expand(path, flags, Base::Dir(prefix_fd.as_fd())) {
                        let at = where_is(found.fd());
                        if !inside(&a.prefix, &at) || !found.host_path().starts_with(&a.prefix) {
                            escapes.fetch_add(1, Ordering::Relaxed);
                            eprintln!(
                                "escape: {path} -> {} ({})",
                                at.display(),
                                found.host_path().display()
                            );
                        }
                    }
                }
            });
        }
        thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
    });
    (
        attempts.into_inner(),
        escapes.into_inner(),
        changes.into_inner(),
    )
}

fn seconds() -> f64 {
    std::env::var("VCHROOT_RACE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

#[test]
fn no_escape_while_the_tree_changes() {
    let a = arena();
    let closed = || Options::new().system_root(false);
    let memo = closed().open(&a.prefix).unwrap();
    let walk = closed().link_memo(false).open(&a.prefix).unwrap();
    let started = Instant::now();
    let (n1, e1, c1) = race(&a, &memo, seconds() / 2.0);
    let (n2, e2, c2) = race(&a, &walk, seconds() / 2.0);
    println!(
        "hostile: {} attempts ({n1} with the memo, {n2} walk only) in {:.1} s while the tree \
         changed {} times; {} escapes",
        n1 + n2,
        started.elapsed().as_secs_f64(),
        c1 + c2,
        e1 + e2
    );
    assert!(n1 > 100 && n2 > 100, "too few attempts to mean anything");
    assert!(c1 > 100 && c2 > 100, "too few changes to mean anything");
    assert_eq!(e1 + e2, 0);
}

/// The check above can fail: a resolver that lets the kernel follow symlinks leaves the
/// prefix at once, and the same check says so. The crate, given the same path, stays.
#[test]
fn the_check_sees_an_escape() {
    let a = arena();
    symlink(&a.secret, a.prefix.join("out")).unwrap();
    let prefix_fd =
        rustix::fs::open(&a.prefix, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap();
    let naive = rustix::fs::openat(&prefix_fd, "out/flag", OFlags::PATH, Mode::empty()).unwrap();
    assert!(!inside(&a.prefix, &where_is(naive.as_fd())));
    let vc = Options::new().system_root(false).open(&a.prefix).unwrap();
    // Re-rooted in the prefix, where the secret's host path does not exist.
    let e = vc
        .expand("/out/flag", ExpandFlags::FOLLOW, Base::Cwd)
        .unwrap_err();
    assert_eq!(e.errno(), common::ENOENT);
    fs::create_dir_all(a.prefix.join(a.secret.strip_prefix("/").unwrap())).unwrap();
    let found = vc
        .expand("/out/flag", ExpandFlags::FOLLOW, Base::Cwd)
        .unwrap();
    assert!(inside(&a.prefix, &where_is(found.fd())));
    assert!(!found.exists());
}
