//! [`Vchroot::unexpand`] and [`Vchroot::fdpath`]: from the host's names back to Darwin's.

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::io::Errno;

use crate::consts::SYSTEM_ROOT;
use crate::error::Error;
use crate::host;
use crate::sys;
use crate::vchroot::Vchroot;

impl Vchroot {
    /// The Darwin path of the host path `host`: below the prefix, the rest (`/` for the
    /// prefix itself); elsewhere, the path behind `/Volumes/SystemRoot`.
    ///
    /// Only the text is read, as Darling's `vchroot_unexpand` does, but the prefix must end
    /// at a component (`<prefix>2/x` is not below `<prefix>`), and repeated `/`, `.`
    /// components and a trailing `/` are taken out. `..` stays: only the file system can say
    /// where it leads.
    ///
    /// # Errors
    /// [`Error::NotAbsolute`] for a relative path; [`Error::OutsidePrefix`] for a path
    /// outside the prefix when the door to the host is closed.
    pub fn unexpand(&self, host: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let p = self.unexpand_bytes(host.as_ref().as_os_str().as_bytes())?;
        Ok(OsStr::from_bytes(&p).into())
    }

    pub(crate) fn unexpand_bytes(&self, host: &[u8]) -> Result<Vec<u8>, Error> {
        let shown = || PathBuf::from(OsStr::from_bytes(host));
        let norm = host::normalize(host).ok_or_else(|| Error::NotAbsolute { host: shown() })?;
        if let Some(rest) = host::below(&self.prefix, &norm) {
            return Ok(if rest.is_empty() {
                b"/".to_vec()
            } else {
                rest.to_vec()
            });
        }
        if !self.options.system_root {
            return Err(Error::OutsidePrefix { host: shown() });
        }
        let mut out = SYSTEM_ROOT.as_bytes().to_vec();
        if norm != b"/" {
            out.extend_from_slice(&norm);
        }
        Ok(out)
    }

    /// The Darwin path of the file open as `fd` (what `fcntl(F_GETPATH)` answers on
    /// Darwin), from the kernel's path of it.
    ///
    /// A removed file keeps the name it had (the kernel's ` (deleted)` is taken off).
    ///
    /// # Errors
    /// [`Error::BadFd`] if `fd` is not open or names no file system object (a pipe, a
    /// socket: XNU's `F_GETPATH` says `EBADF` too); otherwise as [`unexpand`](Self::unexpand).
    pub fn fdpath(&self, fd: impl AsFd) -> Result<PathBuf, Error> {
        let p = self.fdpath_bytes(fd.as_fd().as_raw_fd())?;
        Ok(OsStr::from_bytes(&p).into())
    }

    pub(crate) fn fdpath_bytes(&self, fd: i32) -> Result<Vec<u8>, Error> {
        if fd < 0 {
            return Err(Error::BadFd {
                fd,
                why: "not a descriptor",
            });
        }
        let mut path = sys::proc_path(Some(fd)).map_err(|e| match e {
            Errno::NOENT => Error::BadFd {
                fd,
                why: "not open",
            },
            e => Error::Os {
                path: "/proc/self/fd".into(),
                errno: e.raw_os_error(),
            },
        })?;
        if path.first() != Some(&b'/') {
            return Err(Error::BadFd {
                fd,
                why: "names no file system object",
            });
        }
        const DELETED: &[u8] = b" (deleted)";
        if path.ends_with(DELETED) && sys::removed(Some(fd)) {
            path.truncate(path.len() - DELETED.len());
        }
        self.unexpand_bytes(&path)
    }
}
