//! The rules of a lookup, written once: components, `.` and `..`, the door to the host,
//! symlink targets and the budget, length limits, and what the last component may be.
//!
//! The engine keeps the walk's position as a stack of component names under one of two
//! roots (the prefix, or the host's `/` behind `/Volumes/SystemRoot`), and asks a
//! [`Backend`] what each name is. The real backend ([`crate::walk`]) opens each component
//! from its parent's descriptor; the planning backend ([`crate::fast`]) answers from the
//! symlink memo and lists what must be checked. Both go through these rules, so they cannot
//! disagree about them.
//!
//! `..` pops the stack: the kernel's `..` is never used, so no rename can make it lead above
//! a directory the walk did not come through.

use std::path::PathBuf;
use std::sync::Arc;

use crate::components::Components;
use crate::consts::{NAME_MAX, SYSTEM_ROOT};
use crate::error::Error;

/// Which root a path is under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Root {
    /// The prefix: Darwin's `/`.
    Prefix,
    /// The host's `/`, which Darwin paths reach through `/Volumes/SystemRoot`.
    Host,
}

/// How a component is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// More components follow: it must be a directory, or a symlink to follow.
    Dir,
    /// The last component, and a symlink there is followed.
    Follow,
    /// The last component, and a symlink there is the answer.
    NoFollow,
}

/// What a backend found under a name.
#[derive(Debug)]
pub(crate) enum Lookup<N> {
    /// An object to stop at (in [`Mode::Dir`], a directory), and whether it is a directory
    /// if the backend knows.
    Found { node: N, dir: Option<bool> },
    /// The same, found under another spelling by the case-insensitive fallback.
    Respelled {
        node: N,
        dir: Option<bool>,
        name: Vec<u8>,
    },
    /// A symlink to follow, and its target.
    Link(Arc<[u8]>),
    /// Nothing has that name.
    Missing,
}

/// Where a lookup happens.
#[derive(Debug)]
pub(crate) struct At<'s, N> {
    /// The root the walk is under.
    pub(crate) root: Root,
    /// The directory's components below the root, each after a `/` (empty at the root).
    pub(crate) path: &'s [u8],
    /// The directory's node; `None` at the root.
    pub(crate) node: Option<&'s N>,
}

impl<N> At<'_, N> {
    /// The Darwin path of `name` in this directory, for error messages.
    pub(crate) fn darwin_path(&self, name: &[u8]) -> PathBuf {
        darwin_path(self.root, self.path, name)
    }
}

/// The Darwin path of `name` under `path` (components after `/`) below `root`.
pub(crate) fn darwin_path(root: Root, path: &[u8], name: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let base: &[u8] = match root {
        Root::Prefix => b"",
        Root::Host => SYSTEM_ROOT.as_bytes(),
    };
    std::ffi::OsString::from_vec(crate::host::join(base, path, name)).into()
}

/// What the engine asks about the file system.
pub(crate) trait Backend {
    /// What the walk holds for each directory on its stack.
    type Node;

    /// Looks `name` up in the directory `at`, as `mode` says.
    fn lookup(
        &mut self,
        at: &At<'_, Self::Node>,
        name: &[u8],
        mode: Mode,
    ) -> Result<Lookup<Self::Node>, Error>;

    /// The walk leaves the directory at `path` under `root` by `..` (or through the door),
    /// having used it as a directory.
    fn left(&mut self, _root: Root, _path: &[u8]) {}
}

/// The limits and switches the rules depend on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rules {
    /// Whether `/Volumes/SystemRoot` leads to the host's root.
    pub(crate) door: bool,
    /// How many symlinks one lookup may follow.
    pub(crate) max_symlinks: u32,
    /// The longest path, NUL included.
    pub(crate) max_path: usize,
}

/// Where a walk stands: a root and a stack of components with their nodes.
#[derive(Debug)]
pub(crate) struct Walk<N> {
    pub(crate) root: Root,
    /// The components below the root, each after a `/`.
    pub(crate) names: Vec<u8>,
    /// Where each component's `/` is in `names`.
    starts: Vec<usize>,
    pub(crate) nodes: Vec<N>,
    /// Room for the component being looked up.
    name: Vec<u8>,
}

impl<N> Walk<N> {
    /// A walk at `root`.
    pub(crate) fn new(root: Root) -> Self {
        Walk {
            root,
            names: Vec::with_capacity(128),
            starts: Vec::with_capacity(16),
            nodes: Vec::with_capacity(16),
            name: Vec::with_capacity(64),
        }
    }

    fn at(&self) -> At<'_, N> {
        At {
            root: self.root,
            path: &self.names,
            node: self.nodes.last(),
        }
    }

    fn push(&mut self, name: &[u8], node: N) {
        self.starts.push(self.names.len());
        self.names.push(b'/');
        self.names.extend_from_slice(name);
        self.nodes.push(node);
    }

    fn pop(&mut self) -> bool {
        match self.starts.pop() {
            Some(start) => {
                self.names.truncate(start);
                self.nodes.pop();
                true
            }
            None => false,
        }
    }

    /// Back at `root`, nothing on the stack (the buffers are kept for the next walk).
    pub(crate) fn reset(&mut self, root: Root) {
        self.root = root;
        self.names.clear();
        self.starts.clear();
        self.nodes.clear();
    }

    /// The number of components below the root.
    pub(crate) fn depth(&self) -> usize {
        self.starts.len()
    }
}

/// How a walk ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// At the top of the stack (the root if it is empty).
    Found {
        /// How the last component was looked up, if the walk ended on one (not on `.`,
        /// `..`, the door or the root).
        last: Option<Mode>,
        /// The path ended in `/`, `.` or `..`: the answer must be a directory.
        must_be_dir: bool,
    },
    /// The last component, `name`, does not exist; the top of the stack is its parent.
    Missing { name: Vec<u8> },
}

/// Whether an absolute symlink target names `/proc` or something in it: such a target stays
/// under the walk's current root instead of moving to the prefix (Darling's rule, so that
/// the host's `/dev/stdin -> /proc/self/fd/0` stays on the host).
fn is_proc(target: &[u8]) -> bool {
    target
        .split(|&c| c == b'/')
        .find(|c| !c.is_empty() && *c != b".")
        .is_some_and(|c| c == b"proc")
}

/// Looks up `comps` from `walk`'s position, following a symlink in the last component if
/// `follow_last`.
pub(crate) fn run<B: Backend>(
    rules: Rules,
    backend: &mut B,
    walk: &mut Walk<B::Node>,
    comps: &mut Components<'_>,
    follow_last: bool,
) -> Result<End, Error> {
    let mut name = std::mem::take(&mut walk.name);
    let end = steps(rules, backend, walk, comps, follow_last, &mut name);
    walk.name = name;
    end
}

fn steps<B: Backend>(
    rules: Rules,
    backend: &mut B,
    walk: &mut Walk<B::Node>,
    comps: &mut Components<'_>,
    follow_last: bool,
    name: &mut Vec<u8>,
) -> Result<End, Error> {
    let mut links = 0u32;
    // The path ended in `/`, `.` or `..` (also a symlink's target whose link did).
    let mut trail = false;
    let mut end = None;
    while let Some(slash_after) = comps.next(name) {
        let last = comps.is_empty();
        end = None;
        match &name[..] {
            b"." => {
                trail |= last;
            }
            b".." => {
                if walk.depth() > 0 {
                    backend.left(walk.root, &walk.names);
                    walk.pop();
                } else if walk.root == Root::Host {
                    // Above the host's root is the directory that holds the door.
                    walk.reset(Root::Prefix);
                    comps.push_uncounted(b"Volumes/");
                }
                // At the prefix's root, `..` stays there, as in a chroot.
                trail |= last;
            }
            _ => {
                trail |= last && slash_after;
                if name.len() > NAME_MAX {
                    return Err(Error::NameTooLong {
                        path: walk.at().darwin_path(name),
                    });
                }
                if rules.door && walk.root == Root::Prefix {
                    // `/Volumes/SystemRoot` is the door whatever the prefix has there (even
                    // nothing), as a mount point covers what is under it.
                    if walk.depth() == 0
                        && name.eq_ignore_ascii_case(b"Volumes")
                        && comps
                            .peek()
                            .is_some_and(|n| n.eq_ignore_ascii_case(b"SystemRoot"))
                    {
                        comps.next(name);
                        walk.reset(Root::Host);
                        continue;
                    }
                    // Reached another way (`/Volumes/./SystemRoot`), the same rule holds.
                    if walk.depth() == 1
                        && walk.names[1..].eq_ignore_ascii_case(b"Volumes")
                        && name.eq_ignore_ascii_case(b"SystemRoot")
                    {
                        backend.left(walk.root, &walk.names);
                        walk.reset(Root::Host);
                        continue;
                    }
                }
                let mode = if !last {
                    Mode::Dir
                } else if follow_last || trail {
                    Mode::Follow
                } else {
                    Mode::NoFollow
                };
                let (node, dir, spelled) = match backend.lookup(&walk.at(), name, mode)? {
                    Lookup::Found { node, dir } => (node, dir, None),
                    Lookup::Respelled { node, dir, name } => (node, dir, Some(name)),
                    Lookup::Missing if last => return Ok(End::Missing { name: name.clone() }),
                    Lookup::Missing => {
                        return Err(Error::NotFound {
                            path: walk.at().darwin_path(name),
                        });
                    }
                    Lookup::Link(target) => {
                        links = links.saturating_add(1);
                        if links > rules.max_symlinks {
                            return Err(Error::TooManySymlinks {
                                path: walk.at().darwin_path(name),
                                limit: rules.max_symlinks,
                            });
                        }
                        if target.is_empty() {
                            return Err(Error::NotFound {
                                path: walk.at().darwin_path(name),
                            });
                        }
                        let len = target.len() + comps.remaining_len();
                        if len > rules.max_path {
                            return Err(Error::PathTooLong {
                                len,
                                max: rules.max_path,
                            });
                        }
                        if target[0] == b'/' {
                            let root = if is_proc(&target) {
                                walk.root
                            } else {
                                Root::Prefix
                            };
                            walk.reset(root);
                        }
                        comps.push_target(target);
                        continue;
                    }
                };
                if trail && dir == Some(false) {
                    return Err(Error::NotADirectory {
                        path: walk.at().darwin_path(spelled.as_deref().unwrap_or(name)),
                    });
                }
                end = Some(mode);
                walk.push(spelled.as_deref().unwrap_or(name), node);
            }
        }
    }
    Ok(End::Found {
        last: end,
        must_be_dir: trail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_targets() {
        assert!(is_proc(b"/proc"));
        assert!(is_proc(b"/proc/self/fd/0"));
        assert!(is_proc(b"//./proc/x"));
        assert!(!is_proc(b"/procfoo"));
        assert!(!is_proc(b"/usr/proc"));
        assert!(!is_proc(b"/"));
    }

    #[test]
    fn darwin_paths() {
        assert_eq!(darwin_path(Root::Prefix, b"", b""), PathBuf::from("/"));
        assert_eq!(
            darwin_path(Root::Prefix, b"/a", b"b"),
            PathBuf::from("/a/b")
        );
        assert_eq!(
            darwin_path(Root::Host, b"", b""),
            PathBuf::from("/Volumes/SystemRoot")
        );
        assert_eq!(
            darwin_path(Root::Host, b"/etc", b"x"),
            PathBuf::from("/Volumes/SystemRoot/etc/x")
        );
    }
}
