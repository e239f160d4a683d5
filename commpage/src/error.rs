//! What can go wrong when the commpage is filled from the host or mapped.

/// A failure to read the host or to map the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Something else is mapped at the commpage's fixed address.
    #[error("the commpage's address {addr:#x} is already mapped")]
    AddressTaken {
        /// The address.
        addr: u64,
    },
    /// The kernel placed the page elsewhere: it does not know `MAP_FIXED_NOREPLACE`
    /// (Linux before 4.17), and something is mapped at the address.
    #[error(
        "the kernel could not place the commpage at {addr:#x} (MAP_FIXED_NOREPLACE needs Linux 4.17)"
    )]
    Misplaced {
        /// The address asked for.
        addr: u64,
    },
    /// A system call the mapping needs failed.
    #[error("{call} failed: {}", std::io::Error::from_raw_os_error(*errno))]
    Sys {
        /// The call.
        call: &'static str,
        /// Its Linux errno.
        errno: i32,
    },
    /// A host file could not be read.
    #[error("cannot read /sys/devices/system/cpu/{what}: {}", std::io::Error::from_raw_os_error(*errno))]
    Host {
        /// The file.
        what: &'static str,
        /// Its Linux errno.
        errno: i32,
    },
    /// A host file is not in the format Linux writes.
    #[error("/sys/devices/system/cpu/{what} is not a CPU list")]
    HostFormat {
        /// The file.
        what: &'static str,
    },
}

impl Error {
    pub(crate) fn sys(call: &'static str, e: rustix::io::Errno) -> Error {
        Error::Sys {
            call,
            errno: e.raw_os_error(),
        }
    }
}
