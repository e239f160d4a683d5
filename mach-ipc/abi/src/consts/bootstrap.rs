//! The bootstrap server's codes and name lengths, from launchd's `liblaunch/bootstrap.h`
//! (launchd's header, not XNU's): what `bootstrap_look_up`, `bootstrap_check_in` and
//! `bootstrap_register` return, in the `kern_return_t` space.

use super::kern_return::kern_return_t;

// Bootstrap server codes (launchd: liblaunch/bootstrap.h).
named_codes! {
    BOOTSTRAP_NAMES;
    /// The bootstrap call succeeded (same value as [`KERN_SUCCESS`](super::KERN_SUCCESS)).
    BOOTSTRAP_SUCCESS = 0;
    /// The caller is not allowed to perform the bootstrap operation.
    BOOTSTRAP_NOT_PRIVILEGED = 1100;
    /// The service name is already registered.
    BOOTSTRAP_NAME_IN_USE = 1101;
    /// No service is registered under that name.
    BOOTSTRAP_UNKNOWN_SERVICE = 1102;
    /// The service is already checked in and active.
    BOOTSTRAP_SERVICE_ACTIVE = 1103;
    /// Too many names were passed in one request.
    BOOTSTRAP_BAD_COUNT = 1104;
    /// The bootstrap server ran out of memory.
    BOOTSTRAP_NO_MEMORY = 1105;
    /// The bootstrap subset has no children.
    BOOTSTRAP_NO_CHILDREN = 1106;
}

/// Length of `name_t`, the fixed inline char array carrying a bootstrap service name.
pub const BOOTSTRAP_MAX_NAME_LEN: usize = 128;
/// Length of `cmd_t`, launchd's fixed inline command-string array.
pub const BOOTSTRAP_MAX_CMD_LEN: usize = 512;
