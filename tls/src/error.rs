//! What can go wrong when a thread's Darwin TLS register is set or its TSD used.

/// A failure to set the Darwin TLS register or to reach a thread's TSD.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The base is not a user address, so the kernel (`EPERM` from `arch_prctl`) or the
    /// `wrgsbase` path refuses it.
    #[error("{base:#x} is not a user address")]
    NotUserAddress {
        /// The base asked for.
        base: u64,
    },
    /// A system call failed.
    #[error("{call} failed: {}", std::io::Error::from_raw_os_error(*errno))]
    Sys {
        /// The call.
        call: &'static str,
        /// Its Linux errno.
        errno: i32,
    },
    /// This thread has no TSD installed (neither [`crate::install`] nor [`crate::adopt`]).
    #[error("this thread has no Darwin TSD")]
    NoTsd,
    /// The thread's TSD is not one this crate allocated ([`crate::adopt`]ed), so its block
    /// header is not ours to read.
    #[error("this thread's TSD at {base:#x} was adopted, not allocated here")]
    Adopted {
        /// The adopted TSD base.
        base: u64,
    },
    /// The thread is exiting: its thread-local storage is being destroyed, so no block can
    /// be installed any more.
    #[error("the thread is exiting")]
    ThreadExiting,
    /// The TLS register Apple's code uses cannot be given to it on this target.
    #[error("{what}")]
    Unsupported {
        /// Why not.
        what: &'static str,
    },
}

impl Error {
    pub(crate) fn sys(call: &'static str, e: std::io::Error) -> Error {
        Error::Sys {
            call,
            errno: e.raw_os_error().unwrap_or(libc::EIO),
        }
    }

    /// The Linux errno that says the same thing (for a runtime answering a system call).
    pub fn errno(&self) -> i32 {
        match self {
            Error::NotUserAddress { .. } => libc::EPERM,
            Error::Sys { errno, .. } => *errno,
            Error::NoTsd | Error::Adopted { .. } => libc::EINVAL,
            Error::ThreadExiting => libc::ESRCH,
            Error::Unsupported { .. } => libc::ENOSYS,
        }
    }
}
