//! The walk: each component opened from its parent's descriptor with
//! `openat(O_PATH | O_NOFOLLOW)`, symlinks read from the descriptor of the link itself.
//!
//! This is the authority every lookup rests on. Nothing is looked up by a string with more
//! than one component, so no symlink is followed by the kernel, and no `..` reaches it:
//! whatever a concurrent rename or symlink swap does, each step starts from a directory this
//! walk opened from the root it began at. (A directory moved out of the prefix while the
//! walk is inside it takes the walk with it, as it would take a process whose working
//! directory it is; moving it needs write access outside the prefix.)

use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use rustix::fs::{FileType, Mode, OFlags, RawDir};
use rustix::io::Errno;

use crate::consts::PROC_SUPER_MAGIC;
use crate::engine::{At, Backend, Lookup, Mode as Want};
use crate::error::Error;
use crate::memo;
use crate::sys::{self, NOFOLLOW};
use crate::vchroot::Vchroot;

/// The backend that asks the file system.
#[derive(Debug)]
pub(crate) struct Fs<'v> {
    vc: &'v Vchroot,
    key: Vec<u8>,
}

impl<'v> Fs<'v> {
    pub(crate) fn new(vc: &'v Vchroot) -> Self {
        Fs {
            vc,
            key: Vec::new(),
        }
    }

    fn dir<'a>(&'a self, at: &'a At<'_, OwnedFd>) -> BorrowedFd<'a> {
        match at.node {
            Some(fd) => fd.as_fd(),
            None => self.vc.root_fd(at.root),
        }
    }

    /// Looks `name` up exactly as spelled; `None` if it does not exist.
    fn find(
        &mut self,
        at: &At<'_, OwnedFd>,
        name: &[u8],
        want: Want,
    ) -> Result<Option<Lookup<OwnedFd>>, Error> {
        let dir = self.dir(at);
        let fail = |e: Errno| Error::from_errno(e, at.darwin_path(name));
        let open = |flags: OFlags| rustix::fs::openat(dir, name, flags, Mode::empty());
        let fd = match want {
            Want::Dir => match open(NOFOLLOW | OFlags::DIRECTORY) {
                Ok(fd) => {
                    return Ok(Some(Lookup::Found {
                        node: fd,
                        dir: Some(true),
                    }));
                }
                // A symlink, or not a directory: look again without O_DIRECTORY.
                Err(Errno::NOTDIR) => open(NOFOLLOW),
                Err(e) => Err(e),
            },
            Want::Follow | Want::NoFollow => open(NOFOLLOW),
        };
        let fd = match fd {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(fail(e)),
        };
        let target = match want {
            Want::NoFollow => {
                return Ok(Some(Lookup::Found {
                    node: fd,
                    dir: None,
                }));
            }
            // Not a directory: a symlink if it has a target. (The kernel says ENOENT of a
            // descriptor that is no symlink; other errors, such as EACCES on another
            // process's /proc links, are the answer.)
            Want::Dir => sys::link_target(fd.as_fd()).map_err(|e| match e {
                Errno::NOENT | Errno::INVAL => Error::NotADirectory {
                    path: at.darwin_path(name),
                },
                e => fail(e),
            })?,
            Want::Follow => {
                let stat = rustix::fs::fstat(&fd).map_err(fail)?;
                let kind = FileType::from_raw_mode(stat.st_mode);
                if kind != FileType::Symlink {
                    let dir = Some(kind == FileType::Directory);
                    return Ok(Some(Lookup::Found { node: fd, dir }));
                }
                sys::link_target(fd.as_fd()).map_err(fail)?
            }
        };
        if is_magic(&target) && on_procfs(dir) {
            return self.magic(at, name, want).map(Some);
        }
        // A target that looks like an object's name is not remembered: where a procfs is
        // mounted later, the same text is a magic link, which a plan must not replay.
        if self.vc.options.link_memo && !is_magic(&target) {
            memo::key(&mut self.key, at.root, at.path, name);
            self.vc.memo.learn_link(&self.key, Arc::clone(&target));
        }
        Ok(Some(Lookup::Link(target)))
    }

    /// Follows the procfs magic link `name`, whose target is no path: the kernel opens the
    /// object itself.
    ///
    /// The descriptor behind the link may have been pointed elsewhere since its target was
    /// read, so what was opened is checked by its own name: an object with a path (a file
    /// or directory anywhere on the host) is not taken, but handed back as a symlink to
    /// that path, which the rules re-root like any absolute target.
    fn magic(
        &mut self,
        at: &At<'_, OwnedFd>,
        name: &[u8],
        want: Want,
    ) -> Result<Lookup<OwnedFd>, Error> {
        let path = || at.darwin_path(name);
        if want == Want::Dir {
            return Err(Error::NotADirectory { path: path() });
        }
        let flags = OFlags::PATH | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(self.dir(at), name, flags, Mode::empty())
            .map_err(|e| Error::from_errno(e, path()))?;
        let opened = sys::fd_path(fd.as_fd()).map_err(|e| Error::from_errno(e, path()))?;
        if opened.first() == Some(&b'/') {
            return Ok(Lookup::Link(Arc::from(opened)));
        }
        let stat = rustix::fs::fstat(&fd).map_err(|e| Error::from_errno(e, path()))?;
        if FileType::from_raw_mode(stat.st_mode) == FileType::Directory {
            return Err(Error::MagicLink { path: path() });
        }
        Ok(Lookup::Found {
            node: fd,
            dir: Some(false),
        })
    }
}

impl Backend for Fs<'_> {
    type Node = OwnedFd;

    fn lookup(
        &mut self,
        at: &At<'_, OwnedFd>,
        name: &[u8],
        want: Want,
    ) -> Result<Lookup<OwnedFd>, Error> {
        if let Some(found) = self.find(at, name, want)? {
            return Ok(found);
        }
        if !self.vc.options.case_insensitive {
            return Ok(Lookup::Missing);
        }
        let Some(real) = respell(self.dir(at), name) else {
            return Ok(Lookup::Missing);
        };
        Ok(match self.find(at, &real, want)? {
            Some(Lookup::Found { node, dir }) => Lookup::Respelled {
                node,
                dir,
                name: real,
            },
            Some(other) => other,
            None => Lookup::Missing,
        })
    }
}

/// The entry of `dir` whose name equals `name` ignoring ASCII case (the smallest in byte
/// order if several do), if there is one besides `name` itself and the directory can be read.
pub(crate) fn respell(dir: BorrowedFd<'_>, name: &[u8]) -> Option<Vec<u8>> {
    if !name.iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    // Darling's fallback gives up the same way when the directory cannot be read.
    let fd = rustix::fs::openat(dir, c".", flags, Mode::empty()).ok()?;
    let mut buf = [MaybeUninit::uninit(); 4096];
    let mut entries = RawDir::new(fd, &mut buf);
    let mut best: Option<Vec<u8>> = None;
    while let Some(Ok(entry)) = entries.next() {
        let n = entry.file_name().to_bytes();
        if n.eq_ignore_ascii_case(name) && best.as_deref().is_none_or(|b| n < b) {
            best = Some(n.to_vec());
        }
    }
    best.filter(|b| b != name)
}

/// Whether a symlink target is no path but an object's description (`pipe:[N]`,
/// `socket:[N]`, `anon_inode:[eventfd]`), as procfs writes the targets of magic links.
fn is_magic(target: &[u8]) -> bool {
    target.first() != Some(&b'/') && target.contains(&b':')
}

/// Whether `dir` is on a procfs mount.
fn on_procfs(dir: BorrowedFd<'_>) -> bool {
    rustix::fs::fstatfs(dir).is_ok_and(|s| s.f_type as u32 == PROC_SUPER_MAGIC)
}
