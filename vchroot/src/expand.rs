//! [`Vchroot::expand`]: a Darwin path to the host path and descriptor of what it names.

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rustix::io::Errno;

use crate::components::Components;
use crate::consts::{DARWIN_AT_FDCWD, LINUX_AT_FDCWD, LINUX_PATH_MAX, VCHROOT_FOLLOW};
use crate::engine::{self, End, Root, Walk};
use crate::error::Error;
use crate::fast;
use crate::host;
use crate::sys;
use crate::vchroot::Vchroot;
use crate::walk::Fs;

bitflags::bitflags! {
    /// How [`Vchroot::expand`] treats the last component, with the bits of Darling's
    /// `vchroot_expand_args.flags`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ExpandFlags: u32 {
        /// `VCHROOT_FOLLOW`: a symlink in the last component is followed too (symlinks in
        /// the other components always are). A trailing `/` has the same effect.
        const FOLLOW = VCHROOT_FOLLOW;
    }
}

/// The directory a relative path starts from.
///
/// Like Darling, the walk starts from the directory's *path* (read from `/proc/self`), so
/// a relative path means the same as the absolute path of its base followed by it.
#[derive(Clone, Copy, Debug, Default)]
pub enum Base<'a> {
    /// The working directory (`AT_FDCWD`).
    #[default]
    Cwd,
    /// The directory open as this descriptor.
    Dir(BorrowedFd<'a>),
}

impl Base<'_> {
    fn raw(self) -> Option<i32> {
        match self {
            Base::Cwd => None,
            Base::Dir(fd) => Some(fd.as_raw_fd()),
        }
    }
}

/// What a Darwin path names: its host path, the Darling-compatible string, and a descriptor
/// opened while resolving it, so that it never has to be looked up again.
///
/// If the last component does not exist (a file about to be created), the descriptor is
/// its parent directory's and [`missing_name`](Self::missing_name) gives the name.
#[derive(Debug)]
pub struct Expanded {
    host: PathBuf,
    fd: OwnedFd,
    root: Root,
    /// Where the components below the root start in `host`.
    below: usize,
    missing: bool,
}

impl Expanded {
    /// The host path: what Darling's `vchroot_expand` writes back.
    pub fn host_path(&self) -> &Path {
        &self.host
    }

    /// The host path, owned.
    pub fn into_host_path(self) -> PathBuf {
        self.host
    }

    /// The canonical Darwin path of what was found: symlinks resolved, `.` and `..` gone,
    /// names spelled as on disk, and `/Volumes/SystemRoot/…` for anything on the host.
    pub fn darwin_path(&self) -> PathBuf {
        let names = &self.host.as_os_str().as_bytes()[self.below..];
        // The host's root is `/`, with no component below it.
        let names = if names == b"/" { &[][..] } else { names };
        engine::darwin_path(self.root, names, b"")
    }

    /// Whether the path is under the prefix or on the host.
    pub fn root(&self) -> Root {
        self.root
    }

    /// Whether the last component exists.
    pub fn exists(&self) -> bool {
        !self.missing
    }

    /// The last component's name when it does not exist ([`fd`](Self::fd) is then its
    /// parent directory, where it can be created with `openat`, `mkdirat` and so on).
    pub fn missing_name(&self) -> Option<&OsStr> {
        self.missing.then(|| self.host.file_name()).flatten()
    }

    /// The `O_PATH` descriptor of what the path names (of a symlink itself if the last
    /// component is a symlink that was not followed), or of its parent directory if it does
    /// not exist.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The descriptor, owned.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }

    /// The host path and the descriptor.
    pub fn into_parts(self) -> (PathBuf, OwnedFd) {
        (self.host, self.fd)
    }

    /// Opens what was found for reading or writing through its descriptor
    /// (`/proc/self/fd/N`), without looking the path up again.
    ///
    /// # Errors
    /// `ENOENT` if the last component does not exist; otherwise what `open` says.
    pub fn reopen(&self, options: &OpenOptions) -> std::io::Result<File> {
        if self.missing {
            return Err(std::io::Error::from_raw_os_error(
                Errno::NOENT.raw_os_error(),
            ));
        }
        let link = sys::ProcLink::new(Some(self.fd.as_raw_fd()));
        options.open(OsStr::from_bytes(link.as_bytes()))
    }
}

impl AsFd for Expanded {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Vchroot {
    /// Expands the Darwin path `path` into the host path it names under the prefix, and
    /// opens it (`O_PATH`) on the way.
    ///
    /// The rules are Darling's `vchroot_expand`, except where Darling is wrong (the crate
    /// documentation lists each difference):
    /// - an absolute path starts at the prefix; a relative one at `base`'s path;
    /// - symlinks in every component but the last are followed, in the last one with
    ///   [`ExpandFlags::FOLLOW`] or a trailing `/`; a relative target resolves from the
    ///   link's directory, an absolute one from the prefix (one naming `/proc` from the
    ///   current root); at most [`Options::max_symlinks`](crate::Options::max_symlinks)
    ///   of them;
    /// - `..` never climbs above the prefix: at its root it stays there;
    /// - `/Volumes/SystemRoot` (any case) leads to the host's `/`, and `..` there leads
    ///   back to the prefix's `/Volumes`;
    /// - a name that does not exist is looked for ignoring ASCII case, if the options say
    ///   so;
    /// - if only the last component is missing, the answer is its parent and the name.
    ///
    /// # Errors
    /// [`Error`] says which component failed; [`Error::errno`] gives Darling's errno.
    pub fn expand(
        &self,
        path: impl AsRef<OsStr>,
        flags: ExpandFlags,
        base: Base<'_>,
    ) -> Result<Expanded, Error> {
        self.expand_bytes(path.as_ref().as_bytes(), flags, base.raw())
    }

    /// [`expand`](Self::expand) with the base as a raw descriptor number (`None`, or
    /// either `AT_FDCWD`, for the working directory).
    pub(crate) fn expand_bytes(
        &self,
        path: &[u8],
        flags: ExpandFlags,
        base: Option<i32>,
    ) -> Result<Expanded, Error> {
        if path.is_empty() {
            return Err(Error::EmptyPath);
        }
        if let Some(at) = path.iter().position(|&c| c == 0) {
            return Err(Error::Nul { at });
        }
        let max = self.options.max_path_len;
        if path.len() + 1 > max {
            return Err(Error::PathTooLong {
                len: path.len() + 1,
                max,
            });
        }
        let follow = flags.contains(ExpandFlags::FOLLOW);
        let base = match base {
            Some(LINUX_AT_FDCWD | DARWIN_AT_FDCWD) => None,
            other => other,
        };
        let base_path = if path[0] == b'/' {
            None
        } else {
            Some(base_path(base)?)
        };
        let (root, start) = match &base_path {
            None => (Root::Prefix, &b""[..]),
            Some(p) => match host::below(&self.prefix, p) {
                Some(rest) => (Root::Prefix, rest),
                None if self.options.system_root => (Root::Host, &p[..]),
                None => {
                    return Err(Error::OutsidePrefix {
                        host: OsStr::from_bytes(p).into(),
                    });
                }
            },
        };
        if self.options.link_memo
            && let Some(done) = fast::lookup(self, root, start, path, follow)
        {
            return done;
        }
        let mut comps = Components::new(path);
        comps.push_uncounted(start);
        self.walk(root, &mut comps, follow)
    }

    /// The lookup, component by component.
    fn walk(
        &self,
        root: Root,
        comps: &mut Components<'_>,
        follow: bool,
    ) -> Result<Expanded, Error> {
        let mut walk = Walk::new(root);
        let end = engine::run(self.rules(), &mut Fs::new(self), &mut walk, comps, follow)?;
        let fd = match walk.nodes.pop() {
            Some(fd) => fd,
            None => sys::dup(self.root_fd(walk.root)).map_err(|e| Error::Os {
                path: engine::darwin_path(walk.root, b"", b""),
                errno: e.raw_os_error(),
            })?,
        };
        let missing = match &end {
            End::Missing { name } => Some(&name[..]),
            End::Found { .. } => None,
        };
        self.found(walk.root, &walk.names, missing, fd)
    }

    /// The answer: `names` (components each after a `/`) under `root`, and `missing`
    /// appended if the last component does not exist (`fd` is then its parent's).
    pub(crate) fn found(
        &self,
        root: Root,
        names: &[u8],
        missing: Option<&[u8]>,
        fd: OwnedFd,
    ) -> Result<Expanded, Error> {
        let host = self.host_path(root, names, missing.unwrap_or_default());
        if host.len() + 1 > LINUX_PATH_MAX {
            return Err(Error::HostPathTooLong {
                len: host.len() + 1,
            });
        }
        let below = match root {
            Root::Prefix => self.prefix.len(),
            Root::Host => 0,
        };
        Ok(Expanded {
            host: OsString::from_vec(host).into(),
            fd,
            root,
            below,
            missing: missing.is_some(),
        })
    }
}

/// The host path of a relative path's base directory: `/proc/self/cwd`'s target for `None`,
/// `/proc/self/fd/<fd>`'s otherwise, as Darling reads it.
fn base_path(fd: Option<i32>) -> Result<Vec<u8>, Error> {
    let shown = |p: &[u8]| PathBuf::from(OsStr::from_bytes(p));
    if let Some(fd) = fd.filter(|&fd| fd < 0) {
        return Err(Error::BadFd {
            fd,
            why: "not a descriptor",
        });
    }
    let path = sys::proc_path(fd).map_err(|e| match (fd, e) {
        (Some(fd), Errno::NOENT) => Error::BadFd {
            fd,
            why: "not open",
        },
        (_, e) => Error::Os {
            path: "/proc/self".into(),
            errno: e.raw_os_error(),
        },
    })?;
    if path.first() != Some(&b'/') {
        // A pipe, a socket: as openat on such a descriptor says.
        return Err(Error::NotADirectory { path: shown(&path) });
    }
    if path.ends_with(b" (deleted)") && sys::removed(fd) {
        // As the kernel says of a lookup in a removed directory.
        return Err(Error::NotFound { path: shown(&path) });
    }
    Ok(path)
}
