//! The result code of every Mach call, from `mach/kern_return.h` (the type from
//! `mach/machine/kern_return.h`): `kern_return_t`, its codes `KERN_*` and
//! [`KernReturn`], which names any code of the space `kern_return_t` shares with the
//! `mach_msg`, MIG and bootstrap codes.

use core::fmt;

use super::bootstrap::BOOTSTRAP_NAMES;
use super::message::{
    MACH_MSG_IPC_KERNEL, MACH_MSG_IPC_SPACE, MACH_MSG_MASK, MACH_MSG_VM_KERNEL, MACH_MSG_VM_SPACE,
    MACH_RCV_NAMES, MACH_SEND_NAMES,
};
use super::mig_errors::MIG_NAMES;

/// `kern_return_t`: result code of every Mach call (signed 32-bit).
pub type kern_return_t = i32;

// kern_return_t codes 0..56 (osfmk/mach/kern_return.h).
named_codes! {
    KERN_NAMES;
    /// The call succeeded.
    KERN_SUCCESS = 0;
    /// An address argument is not mapped or not valid for the operation.
    KERN_INVALID_ADDRESS = 1;
    /// The memory protection does not allow the access.
    KERN_PROTECTION_FAILURE = 2;
    /// No room left in the address space or IPC space (e.g. no free name).
    KERN_NO_SPACE = 3;
    /// An argument is malformed or out of range.
    KERN_INVALID_ARGUMENT = 4;
    /// Generic failure with no more specific code.
    KERN_FAILURE = 5;
    /// A kernel resource (memory, table slots) ran out.
    KERN_RESOURCE_SHORTAGE = 6;
    /// The caller does not hold the receive right the operation needs.
    KERN_NOT_RECEIVER = 7;
    /// Access was refused (bogus access restriction).
    KERN_NO_ACCESS = 8;
    /// The memory object behind a mapping failed.
    KERN_MEMORY_FAILURE = 9;
    /// The memory object could not supply the data.
    KERN_MEMORY_ERROR = 10;
    /// The port is already a member of that port set.
    KERN_ALREADY_IN_SET = 11;
    /// The port is not a member of that port set.
    KERN_NOT_IN_SET = 12;
    /// The name already denotes a right (for a different port).
    KERN_NAME_EXISTS = 13;
    /// The operation was aborted (e.g. by thread_abort).
    KERN_ABORTED = 14;
    /// The name does not denote any right in the space.
    KERN_INVALID_NAME = 15;
    /// The target task is invalid or no longer active.
    KERN_INVALID_TASK = 16;
    /// The name denotes a right of the wrong kind for the operation.
    KERN_INVALID_RIGHT = 17;
    /// A value (e.g. a uref delta or a notification id) is not acceptable.
    KERN_INVALID_VALUE = 18;
    /// Adding user references would overflow (only returned by xnu <= 3789).
    KERN_UREFS_OVERFLOW = 19;
    /// The supplied port capability is null or dead.
    KERN_INVALID_CAPABILITY = 20;
    /// The space already holds send rights for the port under another name.
    KERN_RIGHT_EXISTS = 21;
    /// The host argument is not a host port.
    KERN_INVALID_HOST = 22;
    /// Memory already present (external pager protocol).
    KERN_MEMORY_PRESENT = 23;
    /// Data moved while a memory request was pending (pager protocol).
    KERN_MEMORY_DATA_MOVED = 24;
    /// The caller should restart a memory copy (pager protocol).
    KERN_MEMORY_RESTART_COPY = 25;
    /// The processor-set argument is invalid.
    KERN_INVALID_PROCESSOR_SET = 26;
    /// A scheduling attribute exceeds the policy limit.
    KERN_POLICY_LIMIT = 27;
    /// The scheduling policy is not enabled for the processor set.
    KERN_INVALID_POLICY = 28;
    /// The object argument is not of the expected kind.
    KERN_INVALID_OBJECT = 29;
    /// Another thread is already waiting for this event.
    KERN_ALREADY_WAITING = 30;
    /// The default processor set cannot be destroyed.
    KERN_DEFAULT_SET = 31;
    /// An exception port is protected and cannot be replaced.
    KERN_EXCEPTION_PROTECTED = 32;
    /// The ledger argument is invalid.
    KERN_INVALID_LEDGER = 33;
    /// The memory-control port is invalid.
    KERN_INVALID_MEMORY_CONTROL = 34;
    /// The security token is invalid.
    KERN_INVALID_SECURITY = 35;
    /// The thread is not depressed (thread_depress_abort).
    KERN_NOT_DEPRESSED = 36;
    /// The object has been terminated.
    KERN_TERMINATED = 37;
    /// The lock set has been destroyed.
    KERN_LOCK_SET_DESTROYED = 38;
    /// The lock's holder died; its state may be inconsistent.
    KERN_LOCK_UNSTABLE = 39;
    /// The lock is held by another thread.
    KERN_LOCK_OWNED = 40;
    /// The lock is already held by the caller.
    KERN_LOCK_OWNED_SELF = 41;
    /// The semaphore has been destroyed.
    KERN_SEMAPHORE_DESTROYED = 42;
    /// The RPC server terminated while the call was in progress.
    KERN_RPC_SERVER_TERMINATED = 43;
    /// Terminate an orphaned RPC activation.
    KERN_RPC_TERMINATE_ORPHAN = 44;
    /// Let an orphaned RPC activation continue.
    KERN_RPC_CONTINUE_ORPHAN = 45;
    /// The operation is not supported.
    KERN_NOT_SUPPORTED = 46;
    /// A remote node is down.
    KERN_NODE_DOWN = 47;
    /// No thread is waiting for the event being signalled.
    KERN_NOT_WAITING = 48;
    /// A blocking wait timed out.
    KERN_OPERATION_TIMED_OUT = 49;
    /// A code-signing check failed.
    KERN_CODESIGN_ERROR = 50;
    /// The policy is static and cannot be changed.
    KERN_POLICY_STATIC = 51;
    /// The caller's buffer is too small for the result.
    KERN_INSUFFICIENT_BUFFER_SIZE = 52;
    /// Denied by security policy.
    KERN_DENIED = 53;
    /// A kernel collection is missing.
    KERN_MISSING_KC = 54;
    /// A kernel collection is invalid.
    KERN_INVALID_KC = 55;
    /// The requested object was not found.
    KERN_NOT_FOUND = 56;
}

/// Upper bound of the `kern_return_t` code space (a limit, not a code).
pub const KERN_RETURN_MAX: kern_return_t = 0x100;

// ---------------------------------------------------------------------------------
// KernReturn
// ---------------------------------------------------------------------------------

/// A `kern_return_t` / `mach_msg_return_t` value with XNU's names for display.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KernReturn(pub kern_return_t);

impl KernReturn {
    /// [`KERN_SUCCESS`].
    pub const SUCCESS: KernReturn = KernReturn(KERN_SUCCESS);

    /// XNU's name for this exact code (kern, mach_msg, MIG or bootstrap), if it has one.
    ///
    /// Zero is reported as `KERN_SUCCESS`. A mach_msg code with special bits OR-ed in
    /// has no name of its own (its [`Display`](fmt::Display) form spells the parts).
    #[inline]
    pub fn name(self) -> Option<&'static str> {
        [
            KERN_NAMES,
            MACH_SEND_NAMES,
            MACH_RCV_NAMES,
            MIG_NAMES,
            BOOTSTRAP_NAMES,
        ]
        .into_iter()
        .flatten()
        .find(|&&(value, _)| value == self.0)
        .map(|&(_, name)| name)
    }

    /// Whether this is [`KERN_SUCCESS`] (equivalently `MACH_MSG_SUCCESS`).
    #[inline]
    pub const fn is_success(self) -> bool {
        self.0 == KERN_SUCCESS
    }

    /// `Ok(())` for success, otherwise `Err(self)`.
    #[inline]
    pub const fn result(self) -> Result<(), KernReturn> {
        if self.is_success() { Ok(()) } else { Err(self) }
    }

    /// Whether the code lies in the IPC error system (system 4, `0x1000_0000`): the
    /// `mach_msg` codes, which are conventionally written in hex.
    const fn is_ipc_system(self) -> bool {
        (self.0 as u32) >> 26 == 4
    }
}

impl fmt::Display for KernReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipc_system() {
            match self.name() {
                Some(name) => f.write_str(name)?,
                None => {
                    // A base code plus special bits, e.g. MACH_RCV_HEADER_ERROR|MACH_MSG_IPC_SPACE.
                    let base = KernReturn(self.0 & !MACH_MSG_MASK);
                    match base.name() {
                        Some(name) if self.0 & MACH_MSG_MASK != 0 => {
                            f.write_str(name)?;
                            for (bit, bit_name) in [
                                (MACH_MSG_IPC_SPACE, "MACH_MSG_IPC_SPACE"),
                                (MACH_MSG_VM_SPACE, "MACH_MSG_VM_SPACE"),
                                (MACH_MSG_IPC_KERNEL, "MACH_MSG_IPC_KERNEL"),
                                (MACH_MSG_VM_KERNEL, "MACH_MSG_VM_KERNEL"),
                            ] {
                                if self.0 & bit != 0 {
                                    write!(f, "|{bit_name}")?;
                                }
                            }
                            let unnamed = self.0
                                & MACH_MSG_MASK
                                & !(MACH_MSG_IPC_SPACE
                                    | MACH_MSG_VM_SPACE
                                    | MACH_MSG_IPC_KERNEL
                                    | MACH_MSG_VM_KERNEL);
                            if unnamed != 0 {
                                write!(f, "|{unnamed:#x}")?;
                            }
                        }
                        _ => f.write_str("unknown mach_msg_return_t")?,
                    }
                }
            }
            write!(f, " ({:#010x})", self.0)
        } else {
            let name = self.name().unwrap_or("unknown kern_return_t");
            write!(f, "{name} ({})", self.0)
        }
    }
}

impl fmt::Debug for KernReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl core::error::Error for KernReturn {}

impl From<KernReturn> for i32 {
    fn from(value: KernReturn) -> i32 {
        value.0
    }
}

impl From<i32> for KernReturn {
    fn from(value: i32) -> KernReturn {
        KernReturn(value)
    }
}

#[cfg(test)]
mod tests {
    use crate::consts::*;

    #[test]
    fn display_kern_codes_in_decimal() {
        assert_eq!(KernReturn(KERN_SUCCESS).to_string(), "KERN_SUCCESS (0)");
        assert_eq!(
            KernReturn(KERN_INVALID_NAME).to_string(),
            "KERN_INVALID_NAME (15)"
        );
        assert_eq!(
            KernReturn(KERN_NOT_FOUND).to_string(),
            "KERN_NOT_FOUND (56)"
        );
        assert_eq!(KernReturn(MIG_BAD_ID).to_string(), "MIG_BAD_ID (-303)");
        assert_eq!(
            KernReturn(BOOTSTRAP_UNKNOWN_SERVICE).to_string(),
            "BOOTSTRAP_UNKNOWN_SERVICE (1102)"
        );
        assert_eq!(KernReturn(57).to_string(), "unknown kern_return_t (57)");
    }

    #[test]
    fn display_mach_msg_codes_in_hex() {
        assert_eq!(
            KernReturn(MACH_SEND_INVALID_DEST).to_string(),
            "MACH_SEND_INVALID_DEST (0x10000003)"
        );
        assert_eq!(
            format!("{:?}", KernReturn(MACH_RCV_TIMED_OUT)),
            "MACH_RCV_TIMED_OUT (0x10004003)"
        );
        assert_eq!(
            KernReturn(MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE).to_string(),
            "MACH_RCV_HEADER_ERROR|MACH_MSG_IPC_SPACE (0x1000600b)"
        );
        assert_eq!(
            KernReturn(0x1000_4010).to_string(),
            "unknown mach_msg_return_t (0x10004010)"
        );
    }

    #[test]
    fn every_code_has_its_name() {
        for table in [
            KERN_NAMES,
            MACH_SEND_NAMES,
            MACH_RCV_NAMES,
            MIG_NAMES,
            BOOTSTRAP_NAMES,
        ] {
            for &(value, name) in table {
                let expected = if value == 0 { "KERN_SUCCESS" } else { name };
                assert_eq!(KernReturn(value).name(), Some(expected));
            }
        }
        assert_eq!(KERN_NAMES.len(), 57);
        assert!(KernReturn::SUCCESS.is_success());
        assert_eq!(
            KernReturn(KERN_FAILURE).result(),
            Err(KernReturn(KERN_FAILURE))
        );
        assert_eq!(i32::from(KernReturn(MIG_NO_REPLY)), -305);
    }
}
