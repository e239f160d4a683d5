//! What can go wrong when a path is expanded, unexpanded or read back from a descriptor, and
//! the Linux errno each error stands for.
//!
//! Darling's functions return a negative Linux errno and nothing else. Here each failure is a
//! variant that says where it happened (the Darwin path of the component that failed, as
//! far as the walk got), and [`Error::errno`] gives the number Darling would return, so a
//! runtime can pass it on through its errno translation.

use std::path::PathBuf;

use rustix::io::Errno;

/// A failed expansion, unexpansion or descriptor lookup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path is empty (`ENOENT`, as XNU's `namei` says).
    #[error("empty path")]
    EmptyPath,
    /// The path holds a NUL byte, which no C path can (`EINVAL`).
    #[error("the path holds a NUL byte at offset {at}")]
    Nul {
        /// Offset of the first NUL byte.
        at: usize,
    },
    /// A path component does not exist (`ENOENT`), or a symlink's target is empty.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The Darwin path of the missing component.
        path: PathBuf,
    },
    /// A component used as a directory is something else (`ENOTDIR`).
    #[error("{}: not a directory", path.display())]
    NotADirectory {
        /// The Darwin path of the component.
        path: PathBuf,
    },
    /// More symlinks than the budget allows were followed (`ELOOP`); Darwin's budget is
    /// [`MAXSYMLINKS`](crate::consts::MAXSYMLINKS) per lookup.
    #[error("{}: too many levels of symbolic links (more than {limit})", path.display())]
    TooManySymlinks {
        /// The Darwin path of the symlink that went over the budget.
        path: PathBuf,
        /// The budget.
        limit: u32,
    },
    /// A `/proc` magic link (a target such as `pipe:[N]`) led to a directory, which could
    /// lead anywhere (`ELOOP`, as `RESOLVE_NO_MAGICLINKS` says).
    #[error("{}: a /proc magic link leads to a directory", path.display())]
    MagicLink {
        /// The Darwin path of the magic link.
        path: PathBuf,
    },
    /// The path, or the path with a symlink's target spliced in, is longer than Darwin's
    /// `MAXPATHLEN` allows (`ENAMETOOLONG`).
    #[error("path too long: {len} bytes with its NUL, expected at most {max}")]
    PathTooLong {
        /// Length of the path (or of target plus the rest of the path), NUL included.
        len: usize,
        /// The limit, NUL included.
        max: usize,
    },
    /// A component is longer than `NAME_MAX` (255) bytes (`ENAMETOOLONG`).
    #[error("{}: a path component longer than 255 bytes", path.display())]
    NameTooLong {
        /// The Darwin path up to and including the long component.
        path: PathBuf,
    },
    /// The host path is `PATH_MAX` (4096) bytes or longer with its NUL, so no Linux system
    /// call would take it (`ENAMETOOLONG`).
    #[error("host path too long: {len} bytes with its NUL, expected at most 4096")]
    HostPathTooLong {
        /// Length of the host path, NUL included.
        len: usize,
    },
    /// Search permission is denied on a directory of the path (`EACCES`).
    #[error("{}: permission denied", path.display())]
    PermissionDenied {
        /// The Darwin path of the component that could not be looked up.
        path: PathBuf,
    },
    /// A relative path's base directory is outside the prefix and the door to the host
    /// (`/Volumes/SystemRoot`) is closed, so it has no Darwin name (`ENOENT`).
    #[error("the base directory {} is outside the prefix and the host is closed", host.display())]
    OutsidePrefix {
        /// The base directory's host path.
        host: PathBuf,
    },
    /// A host path given to [`unexpand`](crate::Vchroot::unexpand) is not absolute
    /// (`EINVAL`).
    #[error("{}: expected an absolute host path", host.display())]
    NotAbsolute {
        /// The path as given.
        host: PathBuf,
    },
    /// A descriptor is not open, or names no file system object (`EBADF`; XNU's
    /// `F_GETPATH` says the same of pipes and sockets).
    #[error("file descriptor {fd}: {why}")]
    BadFd {
        /// The descriptor.
        fd: i32,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Unknown bits in the flags of a Darling ABI call (`EINVAL`).
    #[error("unknown vchroot flags {flags:#x}, expected only VCHROOT_FOLLOW (1)")]
    BadFlags {
        /// The flags as given.
        flags: u32,
    },
    /// Any other failure of a system call, with its Linux errno.
    #[error("{}: {}", path.display(), std::io::Error::from_raw_os_error(*errno))]
    Os {
        /// The Darwin path being looked up, or the host path for calls outside the walk.
        path: PathBuf,
        /// The Linux errno (positive).
        errno: i32,
    },
}

impl Error {
    /// The Linux errno this error stands for (positive), the number Darling's
    /// `vchroot_expand` would return negated.
    pub fn errno(&self) -> i32 {
        let e = match self {
            Error::EmptyPath | Error::NotFound { .. } | Error::OutsidePrefix { .. } => Errno::NOENT,
            Error::Nul { .. } | Error::NotAbsolute { .. } | Error::BadFlags { .. } => Errno::INVAL,
            Error::NotADirectory { .. } => Errno::NOTDIR,
            Error::TooManySymlinks { .. } | Error::MagicLink { .. } => Errno::LOOP,
            Error::PathTooLong { .. }
            | Error::NameTooLong { .. }
            | Error::HostPathTooLong { .. } => Errno::NAMETOOLONG,
            Error::PermissionDenied { .. } => Errno::ACCESS,
            Error::BadFd { .. } => Errno::BADF,
            Error::Os { errno, .. } => return *errno,
        };
        e.raw_os_error()
    }

    /// The error of a failed system call on the Darwin path `path`, as the variant that
    /// names it where there is one.
    pub(crate) fn from_errno(errno: Errno, path: PathBuf) -> Error {
        match errno {
            Errno::NOENT => Error::NotFound { path },
            Errno::NOTDIR => Error::NotADirectory { path },
            Errno::ACCESS => Error::PermissionDenied { path },
            Errno::NAMETOOLONG => Error::NameTooLong { path },
            _ => Error::Os {
                path,
                errno: errno.raw_os_error(),
            },
        }
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::new(std::io::Error::from_raw_os_error(e.errno()).kind(), e)
    }
}
