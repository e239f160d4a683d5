//! The crate against the kernel's own resolver, `openat2(RESOLVE_IN_ROOT)`, where their
//! rules coincide: the door to the host closed, the case-insensitive fallback off, Linux's
//! budget of 40 symlinks, and no limit on a symlink target spliced into a path. (They still differ in one thing: a
//! missing last component is an answer here, `ENOENT` there; the test checks that the
//! kernel finds the parent this crate names.)
//!
//! Trees come from proptest: directories, files and symlinks with absolute and relative
//! targets, `..` storms, loops, self-links, long names; paths likewise. Each path is
//! expanded with the symlink memo (twice: the second time from the kept plan) and without
//! it, and all three must agree with each other and with the kernel.

mod common;

use std::cell::Cell;
use std::fs;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use darling_vchroot::{Base, Error, ExpandFlags, Expanded, Options, Vchroot};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use rustix::fs::{Mode, OFlags, ResolveFlags};

/// What a tree entry is.
#[derive(Clone, Debug)]
enum Kind {
    Dir,
    File,
    Link(String),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["a", "b", "c", "d", "lnk", "A", "proc", "Volumes"])
            .prop_map(str::to_owned),
        1 => Just("n".repeat(255)),
    ]
}

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => name(),
        2 => Just("..".to_owned()),
        1 => Just(".".to_owned()),
        1 => Just(String::new()),
        1 => Just("n".repeat(256)),
    ]
}

/// A path: absolute or relative, components, maybe a trailing `/`.
fn path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(component(), 0..7),
        any::<bool>(),
    )
        .prop_map(|(abs, comps, slash)| joined(abs, &comps, slash))
}

/// `comps` joined by `/`, after a `/` if `abs`, with a trailing `/` if `slash`.
fn joined(abs: bool, comps: &[String], slash: bool) -> String {
    let mut p = if abs { "/".to_owned() } else { String::new() };
    p.push_str(&comps.join("/"));
    if slash {
        p.push('/');
    }
    p
}

fn entry() -> impl Strategy<Value = (Vec<String>, Kind)> {
    let kind = prop_oneof![
        3 => Just(Kind::Dir),
        1 => Just(Kind::File),
        3 => path().prop_filter("a symlink target is not empty", |t| !t.is_empty()).prop_map(Kind::Link),
    ];
    (prop::collection::vec(name(), 1..4), kind)
}

/// Makes `entry` below `root` without following any symlink on the way (a symlink there
/// could lead anywhere on the host); gives up quietly where something is in the way.
fn make(root: BorrowedFd<'_>, comps: &[String], kind: &Kind) {
    let Some((last, parents)) = comps.split_last() else {
        return;
    };
    let mut dir: OwnedFd = rustix::io::fcntl_dupfd_cloexec(root, 0).unwrap();
    for c in parents {
        let _ = rustix::fs::mkdirat(&dir, c.as_str(), Mode::RWXU);
        let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::PATH;
        match rustix::fs::openat(&dir, c.as_str(), flags, Mode::empty()) {
            Ok(d) => dir = d,
            Err(_) => return,
        }
    }
    let _ = match kind {
        Kind::Dir => rustix::fs::mkdirat(&dir, last.as_str(), Mode::RWXU),
        Kind::File => rustix::fs::openat(
            &dir,
            last.as_str(),
            OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::NOFOLLOW,
            Mode::RUSR,
        )
        .map(drop),
        Kind::Link(target) => rustix::fs::symlinkat(target.as_str(), &dir, last.as_str()),
    };
}

fn same_object(a: BorrowedFd<'_>, b: BorrowedFd<'_>) -> bool {
    let (a, b) = (rustix::fs::fstat(a).unwrap(), rustix::fs::fstat(b).unwrap());
    (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
}

/// The kernel's answer: openat2 with the prefix as the root.
fn kernel(root: BorrowedFd<'_>, path: &str, follow: bool) -> Result<OwnedFd, i32> {
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    rustix::fs::openat2(root, path, flags, Mode::empty(), ResolveFlags::IN_ROOT)
        .map_err(|e| e.raw_os_error())
}

/// The result, comparable between the crate's two modes.
fn shape(r: &Result<Expanded, Error>) -> Result<(std::path::PathBuf, bool), i32> {
    match r {
        Ok(e) => Ok((e.host_path().to_owned(), e.exists())),
        Err(e) => Err(e.errno()),
    }
}

/// Checks one path on one tree; `Err` describes a disagreement.
fn check(
    memo: &Vchroot,
    walk: &Vchroot,
    root: BorrowedFd<'_>,
    path: &str,
    follow: bool,
) -> Result<(), String> {
    let flags = if follow {
        ExpandFlags::FOLLOW
    } else {
        ExpandFlags::empty()
    };
    let run = |vc: &Vchroot| vc.expand(path, flags, Base::Dir(root));
    let (first, second, walked) = (run(memo), run(memo), run(walk));
    let ours = shape(&walked);
    if shape(&first) != ours || shape(&second) != ours {
        return Err(format!(
            "{path:?} follow={follow}: memo {:?} then {:?}, walk {:?}",
            shape(&first),
            shape(&second),
            ours
        ));
    }
    if let Ok(found) = &walked {
        common::check_fd(found);
    }
    let theirs = kernel(root, path, follow);
    let agree = match (&walked, &theirs) {
        (Ok(found), Ok(fd)) => found.exists() && same_object(found.fd(), fd.as_fd()),
        (Ok(found), Err(2)) if !found.exists() => {
            // The kernel must find the parent this crate names.
            let parent = found.darwin_path();
            let parent = parent.parent().unwrap();
            kernel(root, parent.to_str().unwrap(), true)
                .is_ok_and(|fd| same_object(found.fd(), fd.as_fd()))
        }
        (Err(e), Err(k)) => e.errno() == *k,
        _ => false,
    };
    if agree {
        Ok(())
    } else {
        Err(format!(
            "{path:?} follow={follow}: ours {:?}, kernel {:?}",
            shape(&walked),
            theirs.map(|_| "ok")
        ))
    }
}

fn linux_rules() -> Options {
    Options::new()
        .system_root(false)
        .case_insensitive(false)
        .max_symlinks(darling_vchroot::consts::LINUX_MAXSYMLINKS)
        // Linux limits a path to 4096 bytes (generated paths are shorter), but not a
        // symlink's target spliced into what is left of one, as XNU does.
        .max_path_len(1 << 20)
}

/// Runs `check` over `cases` trees (`VCHROOT_TREES=n` for more) of `entry`s, each with its
/// own `path`s and the state `open` gives for its prefix; prints how many agreed.
fn on_trees<S>(
    what: &str,
    cases: u32,
    entry: impl Strategy<Value = (Vec<String>, Kind)>,
    path: impl Strategy<Value = String>,
    open: impl Fn(&std::path::Path) -> S,
    check: impl Fn(&S, BorrowedFd<'_>, &str, bool) -> Result<(), String>,
) {
    let cases = std::env::var("VCHROOT_TREES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let strategy = (
        prop::collection::vec(entry, 0..24),
        prop::collection::vec((path, any::<bool>()), 1..48),
    );
    let (trees, paths) = (Cell::new(0), Cell::new(0));
    let result = TestRunner::new(config).run(&strategy, |(entries, tried)| {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("prefix");
        fs::create_dir(&prefix).unwrap();
        let flags = OFlags::PATH | OFlags::DIRECTORY;
        let root = rustix::fs::open(&prefix, flags, Mode::empty()).unwrap();
        for (comps, kind) in &entries {
            make(root.as_fd(), comps, kind);
        }
        let state = open(&prefix);
        for (p, follow) in &tried {
            if let Err(why) = check(&state, root.as_fd(), p, *follow) {
                return Err(TestCaseError::fail(format!("{why}\ntree: {entries:?}")));
            }
        }
        trees.set(trees.get() + 1);
        paths.set(paths.get() + tried.len());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "{what}: {} trees, {} paths, all agree",
        trees.get(),
        paths.get()
    );
}

/// Trees from proptest, each with its own paths, against the kernel.
#[test]
fn agrees_with_openat2_in_root() {
    on_trees(
        "agrees_with_openat2_in_root",
        500,
        entry(),
        path(),
        |prefix| {
            let memo = linux_rules().open(prefix).unwrap();
            let walk = linux_rules().link_memo(false).open(prefix).unwrap();
            (memo, walk)
        },
        |(memo, walk), root, p, follow| check(memo, walk, root, p, follow),
    );
}

/// Under Darling's own rules (the door open, the case-insensitive fallback on, Darwin's
/// limits) there is no kernel to compare with, but the planned lookups must still agree with
/// the walk, on trees whose names and links lead through `/Volumes/SystemRoot` and differ
/// only in case.
#[test]
fn memo_agrees_with_walk_under_darlings_rules() {
    fn darwin_name() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "a",
            "A",
            "b",
            "Volumes",
            "volumes",
            "SystemRoot",
            "SYSTEMROOT",
            "proc",
            "tmp",
            "x",
        ])
        .prop_map(str::to_owned)
    }
    fn darwin_path() -> impl Strategy<Value = String> {
        let comp =
            prop_oneof![6 => darwin_name(), 2 => Just("..".to_owned()), 1 => Just(".".to_owned())];
        (
            any::<bool>(),
            prop::collection::vec(comp, 0..7),
            any::<bool>(),
        )
            .prop_map(|(abs, comps, slash)| joined(abs, &comps, slash))
    }
    let entry = (
        prop::collection::vec(darwin_name(), 1..4),
        prop_oneof![
            2 => Just(Kind::Dir),
            1 => Just(Kind::File),
            2 => darwin_path().prop_filter("not empty", |t| !t.is_empty()).prop_map(Kind::Link),
            1 => Just(Kind::Link("/Volumes/SystemRoot/proc/self".to_owned())),
            1 => Just(Kind::Link("/Volumes/SystemRoot/tmp/..".to_owned())),
        ],
    );
    on_trees(
        "memo_agrees_with_walk_under_darlings_rules",
        300,
        entry,
        darwin_path(),
        |prefix| {
            let memo = Vchroot::open(prefix).unwrap();
            let walk = Options::new().link_memo(false).open(prefix).unwrap();
            (memo, walk)
        },
        |(memo, walk), root, p, follow| {
            let flags = if follow {
                ExpandFlags::FOLLOW
            } else {
                ExpandFlags::empty()
            };
            let run = |vc: &Vchroot| shape(&vc.expand(p, flags, Base::Dir(root)));
            let (a, b, w) = (run(memo), run(memo), run(walk));
            if a == w && b == w {
                Ok(())
            } else {
                Err(format!(
                    "{p:?} follow={follow}: memo {a:?} then {b:?}, walk {w:?}"
                ))
            }
        },
    );
}

/// Hand-made hostile trees, every path over them.
#[test]
fn hostile_trees_agree() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    fs::create_dir(&prefix).unwrap();
    let root = rustix::fs::open(&prefix, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap();
    let links = [
        ("a/b/c/up", "../../../../../../.."),
        ("a/b/c/abs", "/a/b"),
        ("a/b/c/dots", "./.././../b/./c/../../b"),
        ("a/b/c/self", "self"),
        ("a/b/c/ping", "pong"),
        ("a/b/c/pong", "ping"),
        ("a/b/c/root", "/"),
        ("a/b/c/rootdots", "/../../.."),
        ("a/b/c/host", "/proc/self/root"),
        ("a/b/c/dev", "/dev/null"),
        ("a/b/c/file", "f"),
        ("a/b/c/dir", "d/"),
        ("a/chain0", "chain1"),
        ("a/chain1", "chain2"),
        ("a/chain2", "/a/b/c/abs/c/d"),
    ];
    for d in ["a/b/c/d/e", "proc/self"] {
        make(
            root.as_fd(),
            &d.split('/').map(str::to_owned).collect::<Vec<_>>(),
            &Kind::Dir,
        );
    }
    make(
        root.as_fd(),
        &["a".into(), "b".into(), "c".into(), "f".into()],
        &Kind::File,
    );
    for (at, target) in links {
        let comps: Vec<String> = at.split('/').map(str::to_owned).collect();
        make(root.as_fd(), &comps, &Kind::Link(target.to_owned()));
    }
    let memo = linux_rules().open(&prefix).unwrap();
    let walk = linux_rules().link_memo(false).open(&prefix).unwrap();
    let mut n = 0;
    for (at, _) in links {
        for tail in ["", "/", "/.", "/..", "/../..", "/d", "/d/e/../..", "/x"] {
            for lead in ["/", "", "/../../", "a/b/../../"] {
                let p = format!("{lead}{at}{tail}");
                for follow in [false, true] {
                    check(&memo, &walk, root.as_fd(), &p, follow).unwrap();
                    n += 1;
                }
            }
        }
    }
    println!("hostile trees: {n} paths, all agree with openat2(RESOLVE_IN_ROOT)");
}
