//! The few system calls the crate makes more than once, over rustix's safe wrappers.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use rustix::fs::{AtFlags, CWD, OFlags};
use rustix::io::Errno;

/// How every component is opened: as a handle only (`O_PATH`), never through a symlink.
pub(crate) const NOFOLLOW: OFlags = OFlags::PATH.union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// `/proc/self/fd/<fd>`, or `/proc/self/cwd` for `None`, written without allocating: the
/// magic link to a descriptor's object (or the working directory).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProcLink {
    buf: [u8; 32],
    len: usize,
}

impl ProcLink {
    pub(crate) fn new(fd: Option<i32>) -> Self {
        let mut link = ProcLink {
            buf: [0; 32],
            len: 0,
        };
        let Some(fd) = fd else {
            link.put(b"/proc/self/cwd");
            return link;
        };
        link.put(b"/proc/self/fd/");
        if fd < 0 {
            link.put(b"-");
        }
        let mut digits = [0u8; 10];
        let mut n = fd.unsigned_abs();
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        link.put(&digits[i..]);
        link
    }

    fn put(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The kernel's path of the object behind descriptor `fd` (the target of
/// `/proc/self/fd/<fd>`), or of the working directory for `None`.
pub(crate) fn proc_path(fd: Option<i32>) -> Result<Vec<u8>, Errno> {
    let link = ProcLink::new(fd);
    Ok(rustix::fs::readlinkat(CWD, link.as_bytes(), Vec::new())?.into_bytes())
}

/// The kernel's path of `fd`.
pub(crate) fn fd_path(fd: BorrowedFd<'_>) -> Result<Vec<u8>, Errno> {
    proc_path(Some(fd.as_raw_fd()))
}

/// Whether the object behind `fd` (the working directory for `None`) has been removed: no
/// name links to it any more.
pub(crate) fn removed(fd: Option<i32>) -> bool {
    let link = ProcLink::new(fd);
    rustix::fs::statat(CWD, link.as_bytes(), AtFlags::empty()).is_ok_and(|s| s.st_nlink == 0)
}

/// The target of the symlink `link` was opened on (`O_PATH | O_NOFOLLOW`), however long.
pub(crate) fn link_target(link: BorrowedFd<'_>) -> Result<Arc<[u8]>, Errno> {
    Ok(Arc::from(
        rustix::fs::readlinkat(link, c"", Vec::new())?.as_bytes(),
    ))
}

/// A second descriptor for `fd`'s open file.
pub(crate) fn dup(fd: BorrowedFd<'_>) -> Result<OwnedFd, Errno> {
    rustix::io::fcntl_dupfd_cloexec(fd, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_links() {
        let link = |fd| ProcLink::new(fd).as_bytes().to_vec();
        assert_eq!(link(Some(0)), b"/proc/self/fd/0");
        assert_eq!(link(Some(1234567890)), b"/proc/self/fd/1234567890");
        assert_eq!(link(Some(i32::MAX)), b"/proc/self/fd/2147483647");
        assert_eq!(link(Some(i32::MIN)), b"/proc/self/fd/-2147483648");
        assert_eq!(link(None), b"/proc/self/cwd");
    }
}
