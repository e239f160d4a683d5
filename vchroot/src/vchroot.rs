//! [`Vchroot`]: a prefix held open, and the switches that say how paths under it resolve.

use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{CWD, Mode, OFlags};

use crate::consts::{MAXPATHLEN, MAXSYMLINKS};
use crate::engine::{Root, Rules};
use crate::error::Error;
use crate::memo::Memo;
use crate::sys;

/// A Darwin root directory (the prefix) held open as a directory descriptor, with the rules
/// that map Darwin paths into it.
///
/// Every lookup starts from the held descriptor, never from the prefix's path, so renaming or
/// replacing the prefix's parents does not move a `Vchroot`. The prefix's path, read from the
/// kernel when it is opened, is only used to write host paths.
///
/// A `Vchroot` is `Send + Sync`: threads share it (and its symlink memo) by reference. No
/// lookup ever waits for another: one that finds the memo busy does without it. So a child
/// forked while another thread was using the memo (and holds its lock forever) still
/// resolves every path, by walking.
#[derive(Debug)]
pub struct Vchroot {
    pub(crate) prefix_fd: OwnedFd,
    pub(crate) host_fd: OwnedFd,
    /// The prefix's canonical host path, without a trailing `/` (empty for `/`).
    pub(crate) prefix: Vec<u8>,
    pub(crate) options: Options,
    pub(crate) memo: Memo,
}

/// How a [`Vchroot`] resolves paths: Darling's behaviour by default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub(crate) system_root: bool,
    pub(crate) case_insensitive: bool,
    pub(crate) max_symlinks: u32,
    pub(crate) max_path_len: usize,
    pub(crate) link_memo: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// Darling's behaviour: the host reachable through `/Volumes/SystemRoot`, the
    /// case-insensitive fallback on (as in Darling's libsystem_kernel), Darwin's limits
    /// ([`MAXSYMLINKS`] links, [`MAXPATHLEN`] bytes), the symlink memo on.
    pub const fn new() -> Self {
        Options {
            system_root: true,
            case_insensitive: true,
            max_symlinks: MAXSYMLINKS,
            max_path_len: MAXPATHLEN,
            link_memo: true,
        }
    }

    /// Whether `/Volumes/SystemRoot` leads to the host's root (on by default). Off, nothing
    /// outside the prefix can be named at all, and a relative path whose base directory is
    /// outside the prefix fails with [`Error::OutsidePrefix`].
    pub const fn system_root(mut self, on: bool) -> Self {
        self.system_root = on;
        self
    }

    /// Whether a component that does not exist is looked for again ignoring ASCII case (on
    /// by default, as Darling's libsystem_kernel does; Darling's dyld turns it off). When
    /// several names match, the smallest in byte order wins, so the answer does not depend
    /// on directory order.
    pub const fn case_insensitive(mut self, on: bool) -> Self {
        self.case_insensitive = on;
        self
    }

    /// How many symlinks one lookup may follow before failing with `ELOOP` (Darwin's
    /// [`MAXSYMLINKS`], 32, by default; Linux allows
    /// [`LINUX_MAXSYMLINKS`](crate::consts::LINUX_MAXSYMLINKS), 40). At most 255: a
    /// symlink loop runs to the budget, and every step is a system call.
    pub const fn max_symlinks(mut self, n: u32) -> Self {
        self.max_symlinks = if n > 255 { 255 } else { n };
        self
    }

    /// The longest Darwin path, NUL included, before `ENAMETOOLONG` (Darwin's
    /// [`MAXPATHLEN`], 1024, by default). It also bounds a symlink's target plus what is
    /// left of the path, as XNU's `namei` does.
    pub const fn max_path_len(mut self, n: usize) -> Self {
        self.max_path_len = n;
        self
    }

    /// Whether lookups may be planned from the targets of symlinks followed before (on by
    /// default). A planned lookup checks every link and directory it relies on and falls
    /// back to the component-by-component walk when anything changed, so the answer is the
    /// same either way; off, every lookup walks.
    pub const fn link_memo(mut self, on: bool) -> Self {
        self.link_memo = on;
        self
    }

    /// Opens `prefix` with these options.
    ///
    /// # Errors
    /// The prefix cannot be opened as a directory, or its path cannot be read back from
    /// `/proc/self/fd`.
    pub fn open(&self, prefix: impl AsRef<Path>) -> Result<Vchroot, Error> {
        let prefix = prefix.as_ref();
        let fail = |e| Error::from_errno(e, prefix.to_path_buf());
        let prefix_fd = rustix::fs::openat(
            CWD,
            prefix,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(fail)?;
        let host_fd = rustix::fs::openat(
            CWD,
            "/",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(fail)?;
        let mut path = sys::fd_path(prefix_fd.as_fd()).map_err(fail)?;
        if path == b"/" {
            path.clear();
        }
        Ok(Vchroot {
            prefix_fd,
            host_fd,
            prefix: path,
            options: self.clone(),
            memo: Memo::default(),
        })
    }
}

impl Vchroot {
    /// Opens `prefix` with Darling's behaviour ([`Options::new`]).
    ///
    /// # Errors
    /// The prefix cannot be opened as a directory, or its path cannot be read back from
    /// `/proc/self/fd`.
    pub fn open(prefix: impl AsRef<Path>) -> Result<Vchroot, Error> {
        Options::new().open(prefix)
    }

    /// Options to open a prefix with something other than Darling's behaviour.
    pub const fn options() -> Options {
        Options::new()
    }

    /// The prefix's canonical host path, as the kernel gave it when the prefix was opened.
    pub fn prefix(&self) -> &Path {
        if self.prefix.is_empty() {
            Path::new("/")
        } else {
            Path::new(OsStr::from_bytes(&self.prefix))
        }
    }

    /// The prefix's directory descriptor (opened `O_PATH`).
    pub fn prefix_fd(&self) -> BorrowedFd<'_> {
        self.prefix_fd.as_fd()
    }

    /// The options this prefix was opened with.
    pub fn settings(&self) -> &Options {
        &self.options
    }

    pub(crate) fn rules(&self) -> Rules {
        Rules {
            door: self.options.system_root,
            max_symlinks: self.options.max_symlinks,
            max_path: self.options.max_path_len,
        }
    }

    /// The directory descriptor of `root`.
    pub(crate) fn root_fd(&self, root: Root) -> BorrowedFd<'_> {
        match root {
            Root::Prefix => self.prefix_fd.as_fd(),
            Root::Host => self.host_fd.as_fd(),
        }
    }

    /// The host path of `root`'s components `names` (each after a `/`), `name` appended if
    /// it is not empty.
    pub(crate) fn host_path(&self, root: Root, names: &[u8], name: &[u8]) -> Vec<u8> {
        let base: &[u8] = match root {
            Root::Prefix => &self.prefix,
            Root::Host => b"",
        };
        crate::host::join(base, names, name)
    }
}
