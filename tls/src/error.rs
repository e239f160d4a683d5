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
    /// Called from a signal handler that interrupted this crate's update of the same
    /// thread's TSD; refused rather than raced.
    #[error("re-entered from a signal handler while this thread's TSD was being updated")]
    Reentered,
    /// A [`crate::Preserve`] of this thread is alive, and may put back the block this would
    /// release.
    #[error("a Preserve of this thread is alive, so its TSD blocks are kept")]
    Preserved,
    /// The TLS register Apple's code uses cannot be given to it on this target.
    #[error("{what}")]
    Unsupported {
        /// Why not.
        what: &'static str,
    },
}

impl Error {
    /// The Linux errno that says the same thing (for a runtime answering a system call).
    pub fn errno(&self) -> i32 {
        match self {
            Error::NotUserAddress { .. } => libc::EPERM,
            Error::Sys { errno, .. } => *errno,
            Error::NoTsd | Error::Adopted { .. } => libc::EINVAL,
            Error::Reentered | Error::Preserved => libc::EBUSY,
            Error::Unsupported { .. } => libc::ENOSYS,
        }
    }
}
