//! Planned lookups: the walk done in memory from what earlier walks learned, then proved
//! against the file system with as few system calls as it takes.
//!
//! A plan runs the engine's rules with a backend that knows only the symlink memo: a name
//! the memo knows as a symlink is followed, any other name is assumed to be a directory (or,
//! at the end, whatever is there). The result is a path with no symlink left in it, and a
//! list of what the plan assumed on the way:
//!
//! - each memo link it followed still has the same target (`readlinkat`);
//! - each directory it left by `..` (or through the door) is a directory, not a symlink;
//! - and the final path has no symlink in any component, which one
//!   `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` from the root proves while it opens
//!   the answer. That open cannot leave the root whatever happens meanwhile: it has no `..`
//!   and follows no symlink.
//!
//! Each assumption is checked before the answer is given; an assumption that another check
//! implies (a directory on the final path, a link's parent opened with
//! `RESOLVE_NO_SYMLINKS`) is not checked twice. (A link whose parent the final open proves
//! is read with one `readlinkat` through its path: if the tree changes between that read and
//! the open, the answer mixes the two states, as a walk's answer can; it is still inside the
//! root, which only the open decides.) A plan that held is kept, by the path it was
//! made for, so the next lookup of the same path only proves it again. If anything fails,
//! including the final open for any reason, the plan is dropped and the real walk
//! ([`crate::walk`]) gives the answer, so the two can only differ in speed. The walk answers
//! where it does something the memo cannot know: a name found under another spelling by the
//! case-insensitive fallback, or a procfs magic link (a symlink, so `RESOLVE_NO_SYMLINKS`
//! refuses it).

use std::cell::RefCell;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags};

use crate::components::Components;
use crate::engine::{self, At, Backend, End, Lookup, Mode as Want, Root, Walk};
use crate::error::Error;
use crate::expand::Expanded;
use crate::memo::{self, Map};
use crate::sys::{self, NOFOLLOW};
use crate::vchroot::Vchroot;
use crate::walk::respell;

/// What an open in the root must never do: follow a symlink or leave the directory.
const BENEATH: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_SYMLINKS);

/// Something a plan assumed, about the path `paths[start..end]` (components each after a
/// `/`) under `root`.
#[derive(Clone, Debug)]
struct Check {
    root: Root,
    start: usize,
    end: usize,
    /// `None`: a directory, and no component on the way is a symlink. `Some`: a symlink
    /// with this target.
    link: Option<Arc<[u8]>>,
    /// How it is proved, settled once the plan is complete ([`settle`]).
    proof: Proof,
}

/// How a check is proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proof {
    /// Another check, or the final open, proves it.
    Implied,
    /// A directory: `lstat` (one component) or an open with `RESOLVE_NO_SYMLINKS`.
    Dir,
    /// A link whose parents something else proves: its target read through its path.
    Read,
    /// A link whose parents nothing else proves: opened with `RESOLVE_NO_SYMLINKS`, which
    /// proves them too, and its target read from the descriptor.
    Open,
}

/// A lookup worked out in memory: its answer and what it assumed.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    root: Root,
    /// The answer's components below `root`, each after a `/`.
    names: Vec<u8>,
    checks: Vec<Check>,
    paths: Vec<u8>,
    /// How the last component is opened (see [`End::Found`]).
    last: Option<Want>,
    must_be_dir: bool,
}

impl Plan {
    fn new() -> Self {
        Plan {
            root: Root::Prefix,
            names: Vec::with_capacity(128),
            checks: Vec::with_capacity(8),
            paths: Vec::with_capacity(256),
            last: None,
            must_be_dir: false,
        }
    }

    fn path(&self, c: &Check) -> &[u8] {
        &self.paths[c.start..c.end]
    }

    /// Bytes it holds, for the memo's bound.
    pub(crate) fn size(&self) -> usize {
        self.names.len() + self.paths.len() + self.checks.len() * size_of::<Check>()
    }
}

/// The most a plan may assume, in checks and in bytes of their paths. A path that climbs
/// with `..` through many symlinks makes a check at every step; past these, proving the plan
/// would cost more than the walk (the checks are compared with each other), so the walk
/// answers.
const MAX_CHECKS: usize = 32;
const MAX_CHECK_BYTES: usize = 8 << 10;

/// The backend that answers from the memo and writes down what it assumed.
#[derive(Debug)]
struct Planner<'m, 's> {
    memo: &'m Map,
    key: &'s mut Vec<u8>,
    plan: &'s mut Plan,
    /// More was assumed than [`MAX_CHECKS`] or [`MAX_CHECK_BYTES`] allow.
    overflow: bool,
}

impl Planner<'_, '_> {
    fn assume(&mut self, root: Root, path: &[u8], link: Option<Arc<[u8]>>) {
        if self.plan.checks.len() >= MAX_CHECKS
            || self.plan.paths.len() + path.len() > MAX_CHECK_BYTES
        {
            self.overflow = true;
            return;
        }
        let start = self.plan.paths.len();
        self.plan.paths.extend_from_slice(path);
        self.plan.checks.push(Check {
            root,
            start,
            end: self.plan.paths.len(),
            link,
            proof: Proof::Dir,
        });
    }
}

impl Backend for Planner<'_, '_> {
    type Node = ();

    fn lookup(&mut self, at: &At<'_, ()>, name: &[u8], want: Want) -> Result<Lookup<()>, Error> {
        if want != Want::NoFollow && self.memo.may_hold(name) {
            memo::key(self.key, at.root, at.path, name);
            if let Some(target) = self.memo.link(self.key) {
                let target = Arc::clone(target);
                let key = std::mem::take(self.key);
                self.assume(at.root, &key[1..], Some(Arc::clone(&target)));
                *self.key = key;
                return Ok(Lookup::Link(target));
            }
        }
        Ok(Lookup::Found {
            node: (),
            dir: None,
        })
    }

    fn left(&mut self, root: Root, path: &[u8]) {
        self.assume(root, path, None);
    }
}

/// What planning needs, kept per thread so that a lookup allocates little but its answer.
#[derive(Debug)]
struct Scratch {
    walk: Walk<()>,
    /// The plan's key.
    key: Vec<u8>,
    /// A link's key.
    link_key: Vec<u8>,
    plan: Plan,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch {
        walk: Walk::new(Root::Prefix),
        key: Vec::with_capacity(256),
        link_key: Vec::with_capacity(256),
        plan: Plan::new(),
    });
}

/// Whether `p` is `q` or one of its ancestors (both as components each after a `/`).
fn is_prefix(p: &[u8], q: &[u8]) -> bool {
    q.starts_with(p) && (q.len() == p.len() || q[p.len()] == b'/')
}

/// `path` (components each after a `/`) relative to its root, `.` for the root itself.
fn relative(path: &[u8]) -> &[u8] {
    if path.is_empty() { b"." } else { &path[1..] }
}

/// The parent of `path` (components each after a `/`).
fn parent(path: &[u8]) -> &[u8] {
    &path[..path.iter().rposition(|&c| c == b'/').unwrap_or(0)]
}

/// The lookup of `path` from `root` (after the components of `base`, for a relative path) by
/// plan, or `None` where the real walk must answer.
pub(crate) fn lookup(
    vc: &Vchroot,
    root: Root,
    base: &[u8],
    path: &[u8],
    follow_last: bool,
) -> Option<Result<Expanded, Error>> {
    // In a thread-local destructor the scratch may be gone: the walk needs none.
    let plan_it = |s: &RefCell<Scratch>| {
        let mut s = s.try_borrow_mut().ok()?;
        let Scratch {
            walk,
            key,
            link_key,
            plan,
        } = &mut *s;
        memo::plan_key(key, root, follow_last, base, path);
        let kept = vc.memo.lock()?.plan(key).cloned();
        if let Some(kept) = kept {
            if let Some(found) = proved(vc, &kept).then(|| open(vc, &kept)).flatten() {
                return Some(found);
            }
            vc.memo.forget_plan(key);
            return None;
        }
        walk.reset(root);
        plan.checks.clear();
        plan.paths.clear();
        let mut comps = Components::new(path);
        comps.push_uncounted(base);
        let end = {
            let memo = vc.memo.lock()?;
            let mut planner = Planner {
                memo: &memo,
                key: link_key,
                plan,
                overflow: false,
            };
            // An error is the real walk's to report, with its own context.
            let end = engine::run(vc.rules(), &mut planner, walk, &mut comps, follow_last);
            if planner.overflow {
                return None;
            }
            end.ok()?
        };
        let End::Found { last, must_be_dir } = end else {
            return None;
        };
        plan.root = walk.root;
        plan.names.clear();
        plan.names.extend_from_slice(&walk.names);
        plan.last = last;
        plan.must_be_dir = must_be_dir;
        settle(plan);
        if !proved(vc, plan) {
            return None;
        }
        let found = open(vc, plan)?;
        if found.is_ok() {
            vc.memo.keep_plan(key, Arc::new(plan.clone()));
        }
        Some(found)
    };
    SCRATCH.try_with(plan_it).ok().flatten()
}

/// Settles how each of `plan`'s checks is proved, sparing those that the final open or
/// another check implies.
fn settle(plan: &mut Plan) {
    // Directories the final open proves: every ancestor of the answer, and the answer if
    // it must be a directory.
    let on_path = |r: Root, p: &[u8]| {
        r == plan.root
            && is_prefix(p, &plan.names)
            && (p.len() < plan.names.len() || plan.must_be_dir)
    };
    let path = |c: &Check| &plan.paths[c.start..c.end];
    // Links whose parents nothing else proves are opened with RESOLVE_NO_SYMLINKS, which
    // proves their parents too.
    let opened = |c: &Check| c.link.is_some() && !on_path(c.root, parent(path(c)));
    let proofs: Vec<Proof> = plan
        .checks
        .iter()
        .enumerate()
        .map(|(i, check)| {
            let p = path(check);
            match check.link {
                Some(_) if opened(check) => Proof::Open,
                Some(_) => Proof::Read,
                None => {
                    let implied = on_path(check.root, p)
                        || plan.checks.iter().enumerate().any(|(j, other)| {
                            let q = path(other);
                            other.root == check.root
                                && match other.link {
                                    None => is_prefix(p, q) && (q.len() > p.len() || j < i),
                                    Some(_) => opened(other) && is_prefix(p, parent(q)),
                                }
                        });
                    if implied { Proof::Implied } else { Proof::Dir }
                }
            }
        })
        .collect();
    for (check, proof) in plan.checks.iter_mut().zip(proofs) {
        check.proof = proof;
    }
}

/// Checks what `plan` assumed, as [`settle`] said. A link found changed leaves the memo.
fn proved(vc: &Vchroot, plan: &Plan) -> bool {
    for check in &plan.checks {
        let root_fd = vc.root_fd(check.root);
        let p = plan.path(check);
        let ok = match (&check.link, check.proof) {
            (_, Proof::Implied) => true,
            (Some(target), Proof::Read) => link_is(root_fd, p, target),
            (Some(target), _) => link_opened_is(root_fd, p, target),
            (None, _) => is_dir(root_fd, p),
        };
        if !ok {
            if check.link.is_some() {
                let mut key = Vec::new();
                memo::key(&mut key, check.root, b"", &p[1..]);
                vc.memo.forget_link(&key);
            }
            return false;
        }
    }
    true
}

/// Opens the planned answer with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`.
fn open(vc: &Vchroot, plan: &Plan) -> Option<Result<Expanded, Error>> {
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if plan.last == Some(Want::NoFollow) {
        flags |= OFlags::NOFOLLOW;
    }
    if plan.must_be_dir {
        flags |= OFlags::DIRECTORY;
    }
    let root_fd = vc.root_fd(plan.root);
    let names = &plan.names[..];
    match rustix::fs::openat2(root_fd, relative(names), flags, Mode::empty(), BENEATH) {
        Ok(fd) => Some(vc.found(plan.root, names, None, fd)),
        // A file about to be created (or a name probed for): the parent is the answer, if no
        // other spelling exists where the case-insensitive fallback would look.
        Err(rustix::io::Errno::NOENT) if plan.last.is_some() => {
            // A directory the plan went through (`d/../d`) cannot be missing: only the
            // final open was to prove it, and it did not.
            let went_through =
                |c: &Check| c.link.is_none() && c.root == plan.root && plan.path(c) == names;
            if plan.checks.iter().any(went_through) {
                return None;
            }
            let dir = parent(names);
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd =
                rustix::fs::openat2(root_fd, relative(dir), flags, Mode::empty(), BENEATH).ok()?;
            let name = &names[dir.len() + 1..];
            if vc.options.case_insensitive && respell(fd.as_fd(), name).is_some() {
                return None;
            }
            Some(vc.found(plan.root, dir, Some(name), fd))
        }
        Err(_) => None,
    }
}

/// Whether `path` under `root` is a directory reached through no symlink.
fn is_dir(root: BorrowedFd<'_>, path: &[u8]) -> bool {
    let rel = relative(path);
    if !rel.contains(&b'/') {
        // One component: lstat says it all.
        return rustix::fs::statat(root, rel, AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::Directory);
    }
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rustix::fs::openat2(root, rel, flags, Mode::empty(), BENEATH).is_ok()
}

/// Whether the symlink at `path` under `root` has `target`, its parents taken on trust
/// (the final open or another check proves them).
fn link_is(root: BorrowedFd<'_>, path: &[u8], target: &[u8]) -> bool {
    // One byte more than the target, to see a longer one; most targets are short.
    let mut short = [0u8; 64];
    let mut long = Vec::new();
    let buf = if target.len() < short.len() {
        &mut short[..=target.len()]
    } else {
        long.resize(target.len() + 1, 0);
        &mut long[..]
    };
    rustix::fs::readlinkat_raw(root, relative(path), &mut *buf).is_ok_and(|n| buf[..n] == *target)
}

/// Whether the symlink at `path` under `root` has `target`, reached through no symlink.
fn link_opened_is(root: BorrowedFd<'_>, path: &[u8], target: &[u8]) -> bool {
    rustix::fs::openat2(root, relative(path), NOFOLLOW, Mode::empty(), BENEATH)
        .is_ok_and(|fd| sys::link_target(fd.as_fd()).is_ok_and(|got| *got == *target))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path that climbs through many symlinks makes a check at every `..`: past the
    /// bound, the plan gives way to the walk instead of comparing checks with each other.
    #[test]
    fn long_plans_give_way() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("d/x")).unwrap();
        for (i, n) in [(0, 40), (1, 20)] {
            let target = "x/../".repeat(n) + ".";
            std::os::unix::fs::symlink(target, p.join(format!("d/l{i}"))).unwrap();
        }
        let vc = Vchroot::open(p).unwrap();
        for i in 0..2 {
            let path = format!("/d/l{i}/x");
            // The first lookup walks and learns the link.
            assert!(
                vc.expand(&path, crate::ExpandFlags::empty(), crate::Base::Cwd)
                    .is_ok()
            );
            let planned = lookup(&vc, Root::Prefix, b"", path.as_bytes(), false);
            assert_eq!(planned.is_some(), i == 1, "l{i}");
        }
    }

    #[test]
    fn paths() {
        assert!(is_prefix(b"", b"/a"));
        assert!(is_prefix(b"/a", b"/a"));
        assert!(is_prefix(b"/a", b"/a/b"));
        assert!(!is_prefix(b"/a", b"/ab"));
        assert_eq!(relative(b""), b".");
        assert_eq!(relative(b"/a/b"), b"a/b");
        assert_eq!(parent(b"/a/b"), b"/a");
        assert_eq!(parent(b"/a"), b"");
    }
}
