//! Numeric constants and scalar types of XNU's Mach IPC, under XNU's own names.
//!
//! Values are those of 64-bit user space on x86_64/arm64 (xnu-11417; where Darling's
//! xnu-7195 base differs the doc comment says so). Everything a message, a port right
//! or a `kern_return_t` carries across the user/kernel boundary is defined here, so
//! the rest of the crate never spells a bare number.
//!
//! Function-like XNU macros are `const fn`s with the macro's (upper-case) name.
#![allow(non_camel_case_types, non_snake_case)]

use core::fmt;

// ---------------------------------------------------------------------------------
// Scalar types
// ---------------------------------------------------------------------------------

/// `natural_t`: XNU's unsigned machine word for counts, sizes and names (32 bits).
pub type natural_t = u32;
/// `integer_t`: XNU's signed machine word (32 bits).
pub type integer_t = i32;
/// `kern_return_t`: result code of every Mach call (signed 32-bit).
pub type kern_return_t = i32;
/// `mach_msg_return_t`: result of `mach_msg`; the same integer space as `kern_return_t`.
pub type mach_msg_return_t = kern_return_t;
/// `mach_port_name_t`: a task-local integer naming a port right.
pub type mach_port_name_t = natural_t;
/// `mach_port_t` as user space sees it: a name, 32 bits like `mach_port_name_t`.
pub type mach_port_t = mach_port_name_t;
/// `mach_port_right_t`: which kind of right an operation targets (`MACH_PORT_RIGHT_*`).
pub type mach_port_right_t = natural_t;
/// `mach_port_type_t`: bit set of rights held under one name (`MACH_PORT_TYPE_*`).
pub type mach_port_type_t = natural_t;
/// `mach_port_urefs_t`: count of user references on a name.
pub type mach_port_urefs_t = natural_t;
/// `mach_port_delta_t`: signed change applied to user references.
pub type mach_port_delta_t = integer_t;
/// `mach_port_seqno_t`: per-port sequence number of dequeued messages.
pub type mach_port_seqno_t = natural_t;
/// `mach_port_mscount_t`: make-send count of a receive right.
pub type mach_port_mscount_t = natural_t;
/// `mach_port_msgcount_t`: number of messages (queue length or limit).
pub type mach_port_msgcount_t = natural_t;
/// `mach_port_rights_t`: number of rights (e.g. outstanding send-once rights).
pub type mach_port_rights_t = natural_t;
/// `mach_port_flavor_t`: selector for `mach_port_get/set_attributes` (a C `int`).
pub type mach_port_flavor_t = i32;
/// `mach_port_context_t`: 64-bit opaque value attached to a receive right.
pub type mach_port_context_t = u64;
/// `mach_msg_type_name_t`: a port disposition or received right type (`MACH_MSG_TYPE_*`).
pub type mach_msg_type_name_t = u32;
/// `mach_msg_option_t`: `mach_msg` option bits; a C `int` in XNU, hence signed.
pub type mach_msg_option_t = integer_t;
/// `mach_msg_size_t`: byte size of a message or trailer.
pub type mach_msg_size_t = natural_t;
/// `mach_msg_id_t`: the free-form `msgh_id` of a message.
pub type mach_msg_id_t = integer_t;
/// `mach_msg_bits_t`: the `msgh_bits` header word.
pub type mach_msg_bits_t = u32;
/// `mach_msg_timeout_t`: a `mach_msg` timeout in milliseconds.
pub type mach_msg_timeout_t = natural_t;
/// `mach_msg_type_number_t`: element count of an array argument.
pub type mach_msg_type_number_t = natural_t;
/// `mach_msg_descriptor_type_t`: the type byte of a descriptor (`MACH_MSG_*_DESCRIPTOR`).
pub type mach_msg_descriptor_type_t = u32;
/// `mach_msg_copy_options_t`: how out-of-line memory is transferred.
pub type mach_msg_copy_options_t = u32;
/// `mach_msg_guard_flags_t`: flags of a guarded port descriptor.
pub type mach_msg_guard_flags_t = u32;
/// `mach_msg_trailer_type_t`: trailer format number (only format 0 exists).
pub type mach_msg_trailer_type_t = u32;
/// `mach_msg_trailer_size_t`: byte size of a receive trailer.
pub type mach_msg_trailer_size_t = u32;
/// `mach_msg_filter_id`: message-filter verdict stored in the MAC trailer.
pub type mach_msg_filter_id = i32;

// ---------------------------------------------------------------------------------
// Named result codes (kern_return_t, mach_msg, MIG, bootstrap)
// ---------------------------------------------------------------------------------

/// Declares documented `kern_return_t` constants plus a private `(value, name)` table
/// that [`KernReturn::name`] searches.
macro_rules! named_codes {
    ($table:ident; $( $(#[$meta:meta])* $name:ident = $value:expr; )*) => {
        $(
            $(#[$meta])*
            pub const $name: kern_return_t = $value;
        )*
        const $table: &[(kern_return_t, &str)] = &[$(($name, stringify!($name))),*];
    };
}

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

// MIG error codes (osfmk/mach/mig_errors.h), all negative.
named_codes! {
    MIG_NAMES;
    /// A message failed MIG's type check (wrong size, complex bit, descriptor type or disposition).
    MIG_TYPE_ERROR = -300;
    /// The reply's `msgh_id` is not the request id + 100.
    MIG_REPLY_MISMATCH = -301;
    /// The server reported an error (legacy).
    MIG_REMOTE_ERROR = -302;
    /// The server's demux does not know the request `msgh_id`.
    MIG_BAD_ID = -303;
    /// The server rejected the request's size, counts or complex bit.
    MIG_BAD_ARGUMENTS = -304;
    /// Returned by a server routine to say that no reply must be sent.
    MIG_NO_REPLY = -305;
    /// The server raised an exception (legacy).
    MIG_EXCEPTION = -306;
    /// An array is longer than its declared (or caller-supplied) limit.
    MIG_ARRAY_TOO_LARGE = -307;
    /// A send-once notification arrived instead of a reply: the server dropped the reply right.
    MIG_SERVER_DIED = -308;
    /// A requested trailer element is missing or has an unknown format.
    MIG_TRAILER_ERROR = -309;
}

// mach_msg return codes (osfmk/mach/message.h): send side 0x1000_00xx.
named_codes! {
    MACH_SEND_NAMES;
    /// Internal: a send is in progress (never returned to user space).
    MACH_SEND_IN_PROGRESS = 0x1000_0001;
    /// The message buffer could not be read.
    MACH_SEND_INVALID_DATA = 0x1000_0002;
    /// The destination name is null, dead or not a send/send-once right.
    MACH_SEND_INVALID_DEST = 0x1000_0003;
    /// The queue stayed full until the send timeout expired.
    MACH_SEND_TIMED_OUT = 0x1000_0004;
    /// The voucher name or its disposition is invalid.
    MACH_SEND_INVALID_VOUCHER = 0x1000_0005;
    /// The blocked send was interrupted (reported only with `MACH_SEND_INTERRUPT`).
    MACH_SEND_INTERRUPTED = 0x1000_0007;
    /// The size is below a header, not 4-aligned, or too small for the descriptors.
    MACH_SEND_MSG_TOO_SMALL = 0x1000_0008;
    /// The reply (local) port name or disposition is invalid.
    MACH_SEND_INVALID_REPLY = 0x1000_0009;
    /// A port right carried in the body is invalid.
    MACH_SEND_INVALID_RIGHT = 0x1000_000a;
    /// The notify port argument is invalid.
    MACH_SEND_INVALID_NOTIFY = 0x1000_000b;
    /// Out-of-line memory in the message is invalid.
    MACH_SEND_INVALID_MEMORY = 0x1000_000c;
    /// The destination queue is at the kernel's hard limit.
    MACH_SEND_NO_BUFFER = 0x1000_000d;
    /// The message is larger than the kernel accepts.
    MACH_SEND_TOO_LARGE = 0x1000_000e;
    /// A descriptor has an unknown type.
    MACH_SEND_INVALID_TYPE = 0x1000_000f;
    /// `msgh_bits` holds illegal bits or dispositions.
    MACH_SEND_INVALID_HEADER = 0x1000_0010;
    /// The sender-supplied trailer is invalid.
    MACH_SEND_INVALID_TRAILER = 0x1000_0011;
    /// The context of a guarded port does not match.
    MACH_SEND_INVALID_CONTEXT = 0x1000_0012;
    /// Unsupported option bits were passed (newer than xnu-7195).
    MACH_SEND_INVALID_OPTIONS = 0x1000_0013;
    /// Out-of-line size is invalid for a real-time sender.
    MACH_SEND_INVALID_RT_OOL_SIZE = 0x1000_0015;
    /// The destination does not accept port rights in messages.
    MACH_SEND_NO_GRANT_DEST = 0x1000_0016;
    /// The message was rejected by a message filter.
    MACH_SEND_MSG_FILTERED = 0x1000_0017;
    /// `mach_msg2` auxiliary data is too small (newer than xnu-7195).
    MACH_SEND_AUX_TOO_SMALL = 0x1000_0018;
    /// `mach_msg2` auxiliary data is too large (newer than xnu-7195).
    MACH_SEND_AUX_TOO_LARGE = 0x1000_0019;
}

// mach_msg return codes: receive side 0x1000_40xx.
named_codes! {
    MACH_RCV_NAMES;
    /// Internal: a receive is in progress (never returned to user space).
    MACH_RCV_IN_PROGRESS = 0x1000_4001;
    /// The receive name is neither a receive right nor a port set.
    MACH_RCV_INVALID_NAME = 0x1000_4002;
    /// No message arrived before the receive timeout.
    MACH_RCV_TIMED_OUT = 0x1000_4003;
    /// The buffer cannot hold the message plus the requested trailer.
    MACH_RCV_TOO_LARGE = 0x1000_4004;
    /// The blocked receive was interrupted (reported only with `MACH_RCV_INTERRUPT`).
    MACH_RCV_INTERRUPTED = 0x1000_4005;
    /// Obsolete: kept for source compatibility, no longer returned.
    MACH_RCV_PORT_CHANGED = 0x1000_4006;
    /// The notify port argument is invalid.
    MACH_RCV_INVALID_NOTIFY = 0x1000_4007;
    /// The receive buffer could not be written.
    MACH_RCV_INVALID_DATA = 0x1000_4008;
    /// The port or set was destroyed (or moved away) while the receiver waited.
    MACH_RCV_PORT_DIED = 0x1000_4009;
    /// Obsolete: kept for source compatibility, no longer returned.
    MACH_RCV_IN_SET = 0x1000_400a;
    /// Copying out the header failed (may carry `MACH_MSG_*` special bits).
    MACH_RCV_HEADER_ERROR = 0x1000_400b;
    /// Copying out the body failed (may carry `MACH_MSG_*` special bits).
    MACH_RCV_BODY_ERROR = 0x1000_400c;
    /// A scatter-list descriptor has an invalid type.
    MACH_RCV_INVALID_TYPE = 0x1000_400d;
    /// The scatter list is too small for the out-of-line data.
    MACH_RCV_SCATTER_SMALL = 0x1000_400e;
    /// The requested trailer type or elements are not supported.
    MACH_RCV_INVALID_TRAILER = 0x1000_400f;
    /// Internal: a timed receive is in progress.
    MACH_RCV_IN_PROGRESS_TIMED = 0x1000_4011;
    /// The reply port violates strict-reply rules.
    MACH_RCV_INVALID_REPLY = 0x1000_4012;
    /// The receive arguments are invalid (newer than xnu-7195).
    MACH_RCV_INVALID_ARGUMENTS = 0x1000_4013;
}

/// The message operation succeeded (same value as [`KERN_SUCCESS`]).
pub const MACH_MSG_SUCCESS: mach_msg_return_t = 0;

// Special bits that may be OR-ed into MACH_RCV_HEADER_ERROR / MACH_RCV_BODY_ERROR.

/// Mask selecting the special bits below out of a `mach_msg_return_t`.
pub const MACH_MSG_MASK: mach_msg_return_t = 0x0000_3e00;
/// Special bit: the receiver's IPC space had no room for a name.
pub const MACH_MSG_IPC_SPACE: mach_msg_return_t = 0x0000_2000;
/// Special bit: the receiver's address space had no room for out-of-line memory.
pub const MACH_MSG_VM_SPACE: mach_msg_return_t = 0x0000_1000;
/// Special bit: the kernel ran out of IPC resources.
pub const MACH_MSG_IPC_KERNEL: mach_msg_return_t = 0x0000_0800;
/// Special bit: the kernel ran out of VM resources.
pub const MACH_MSG_VM_KERNEL: mach_msg_return_t = 0x0000_0400;

// Bootstrap server codes (launchd: liblaunch/bootstrap.h).
named_codes! {
    BOOTSTRAP_NAMES;
    /// The bootstrap call succeeded (same value as [`KERN_SUCCESS`]).
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

// ---------------------------------------------------------------------------------
// mach_msg option bits (mach_msg_option_t)
// ---------------------------------------------------------------------------------

/// No options.
pub const MACH_MSG_OPTION_NONE: mach_msg_option_t = 0x0000_0000;
/// Perform the send half of `mach_msg`.
pub const MACH_SEND_MSG: mach_msg_option_t = 0x0000_0001;
/// Perform the receive half (after the send half, if both are set).
pub const MACH_RCV_MSG: mach_msg_option_t = 0x0000_0002;
/// On a too-small buffer, leave the message queued and report the size it needs.
pub const MACH_RCV_LARGE: mach_msg_option_t = 0x0000_0004;
/// With `MACH_RCV_LARGE`, also report which port held the large message.
pub const MACH_RCV_LARGE_IDENTITY: mach_msg_option_t = 0x0000_0008;
/// The timeout argument bounds the send (milliseconds).
pub const MACH_SEND_TIMEOUT: mach_msg_option_t = 0x0000_0010;
/// The send carries a priority override.
pub const MACH_SEND_OVERRIDE: mach_msg_option_t = 0x0000_0020;
/// Report `MACH_SEND_INTERRUPTED` instead of restarting an interrupted send.
pub const MACH_SEND_INTERRUPT: mach_msg_option_t = 0x0000_0040;
/// Arm a send-possible notification if the queue is full.
pub const MACH_SEND_NOTIFY: mach_msg_option_t = 0x0000_0080;
/// Kernel-only meaning of bit 16: queue even if the queue limit is reached.
pub const MACH_SEND_ALWAYS: mach_msg_option_t = 0x0001_0000;
/// User-space meaning of bit 16: a message-filter rejection is reported, not fatal.
pub const MACH_SEND_FILTER_NONFATAL: mach_msg_option_t = 0x0001_0000;
/// The sender supplies the trailer.
pub const MACH_SEND_TRAILER: mach_msg_option_t = 0x0002_0000;
/// The message must not carry an importance boost.
pub const MACH_SEND_NOIMPORTANCE: mach_msg_option_t = 0x0004_0000;
/// Older name of [`MACH_SEND_NOIMPORTANCE`].
pub const MACH_SEND_NODENAP: mach_msg_option_t = MACH_SEND_NOIMPORTANCE;
/// Kernel only: the message carries importance.
pub const MACH_SEND_IMPORTANCE: mach_msg_option_t = 0x0008_0000;
/// Apply a synchronous IPC override (legacy kernels).
pub const MACH_SEND_SYNC_OVERRIDE: mach_msg_option_t = 0x0010_0000;
/// Propagate the caller's QoS with the message.
pub const MACH_SEND_PROPAGATE_QOS: mach_msg_option_t = 0x0020_0000;
/// Obsolete name of [`MACH_SEND_PROPAGATE_QOS`].
pub const MACH_SEND_SYNC_USE_THRPRI: mach_msg_option_t = MACH_SEND_PROPAGATE_QOS;
/// Kernel only: the whole send originates in kernel space.
pub const MACH_SEND_KERNEL: mach_msg_option_t = 0x0040_0000;
/// Boost the thread doing a synchronous bootstrap check-in via its special reply port.
pub const MACH_SEND_SYNC_BOOTSTRAP_CHECKIN: mach_msg_option_t = 0x0080_0000;
/// The timeout argument bounds the receive (milliseconds; 0 polls).
pub const MACH_RCV_TIMEOUT: mach_msg_option_t = 0x0000_0100;
/// Legacy name, now zero (was 0x200).
pub const MACH_RCV_NOTIFY: mach_msg_option_t = 0x0000_0000;
/// Enforce strict reply-port rules; must be passed on both send and receive.
pub const MACH_MSG_STRICT_REPLY: mach_msg_option_t = 0x0000_0200;
/// Report `MACH_RCV_INTERRUPTED` instead of restarting an interrupted receive.
pub const MACH_RCV_INTERRUPT: mach_msg_option_t = 0x0000_0400;
/// The receiver is willing to accept a voucher.
pub const MACH_RCV_VOUCHER: mach_msg_option_t = 0x0000_0800;
/// Deprecated scatter receive, now zero.
pub const MACH_RCV_OVERWRITE: mach_msg_option_t = 0x0000_0000;
/// The receiver accepts guarded port descriptors.
pub const MACH_RCV_GUARDED_DESC: mach_msg_option_t = 0x0000_1000;
/// Synchronous IPC: the receiver waits.
pub const MACH_RCV_SYNC_WAIT: mach_msg_option_t = 0x0000_4000;
/// Synchronous IPC: the receiver only peeks.
pub const MACH_RCV_SYNC_PEEK: mach_msg_option_t = 0x0000_8000;

/// Mask of the trailer-elements field (bits 24..27) of the options.
pub const MACH_RCV_TRAILER_MASK: mach_msg_option_t = 0xf << 24;

/// Encodes trailer format `x` into bits 28..31 of the receive options.
pub const fn MACH_RCV_TRAILER_TYPE(x: mach_msg_option_t) -> mach_msg_option_t {
    (x & 0xf) << 28
}

/// Encodes the requested trailer elements `x` into bits 24..27 of the receive options.
pub const fn MACH_RCV_TRAILER_ELEMENTS(x: mach_msg_option_t) -> mach_msg_option_t {
    (x & 0xf) << 24
}

/// Extracts the requested trailer elements (bits 24..27) from receive options.
pub const fn GET_RCV_ELEMENTS(option: mach_msg_option_t) -> mach_msg_option_t {
    (option >> 24) & 0xf
}

/// Send options the kernel honours from user space (kernel-private set in XNU).
pub const MACH_SEND_USER: mach_msg_option_t = MACH_SEND_MSG
    | MACH_SEND_TIMEOUT
    | MACH_SEND_NOTIFY
    | MACH_SEND_OVERRIDE
    | MACH_SEND_TRAILER
    | MACH_SEND_NOIMPORTANCE
    | MACH_SEND_SYNC_OVERRIDE
    | MACH_SEND_PROPAGATE_QOS
    | MACH_SEND_FILTER_NONFATAL
    | MACH_SEND_SYNC_BOOTSTRAP_CHECKIN
    | MACH_MSG_STRICT_REPLY
    | MACH_RCV_GUARDED_DESC;

/// Receive options the kernel honours from user space (kernel-private set in XNU).
pub const MACH_RCV_USER: mach_msg_option_t = MACH_RCV_MSG
    | MACH_RCV_TIMEOUT
    | MACH_RCV_LARGE
    | MACH_RCV_LARGE_IDENTITY
    | MACH_RCV_VOUCHER
    | MACH_RCV_TRAILER_MASK
    | MACH_RCV_SYNC_WAIT
    | MACH_RCV_SYNC_PEEK
    | MACH_RCV_GUARDED_DESC
    | MACH_MSG_STRICT_REPLY;

/// All option bits the kernel honours from user space.
pub const MACH_MSG_OPTION_USER: mach_msg_option_t = MACH_SEND_USER | MACH_RCV_USER;

/// Options handled by the user-space `mach_msg` wrapper rather than the trap.
pub const MACH_MSG_OPTION_LIB: mach_msg_option_t = MACH_SEND_INTERRUPT | MACH_RCV_INTERRUPT;

/// "No timeout" value for the `mach_msg` timeout argument.
pub const MACH_MSG_TIMEOUT_NONE: mach_msg_timeout_t = 0;

// ---------------------------------------------------------------------------------
// Trailers
// ---------------------------------------------------------------------------------

/// Trailer format 0, the only format XNU defines.
pub const MACH_MSG_TRAILER_FORMAT_0: mach_msg_trailer_type_t = 0;

/// Trailer elements: only type and size (8-byte trailer).
pub const MACH_RCV_TRAILER_NULL: mach_msg_option_t = 0;
/// Trailer elements: up to the sequence number (12 bytes).
pub const MACH_RCV_TRAILER_SEQNO: mach_msg_option_t = 1;
/// Trailer elements: up to the sender's security token (20 bytes).
pub const MACH_RCV_TRAILER_SENDER: mach_msg_option_t = 2;
/// Trailer elements: up to the sender's audit token (52 bytes).
pub const MACH_RCV_TRAILER_AUDIT: mach_msg_option_t = 3;
/// Trailer elements: up to the receiving port's context (60 bytes).
pub const MACH_RCV_TRAILER_CTX: mach_msg_option_t = 4;
/// Trailer elements: up to the filter verdict and labels (68 bytes).
pub const MACH_RCV_TRAILER_AV: mach_msg_option_t = 7;
/// Trailer elements: labels, i.e. the largest trailer (68 bytes).
pub const MACH_RCV_TRAILER_LABELS: mach_msg_option_t = 8;

/// Size of the minimal trailer every received message gets (`mach_msg_trailer_t`).
pub const MACH_MSG_TRAILER_MINIMUM_SIZE: mach_msg_size_t = 8;
/// Size of `mach_msg_format_0_trailer_t` (the security trailer).
pub const MACH_MSG_TRAILER_FORMAT_0_SIZE: mach_msg_size_t = 20;
/// Size of the largest trailer (`mach_msg_max_trailer_t`).
pub const MAX_TRAILER_SIZE: mach_msg_size_t = 68;

/// Size of the trailer a receive with `option` produces (64-bit user space).
///
/// Element numbers without a trailer of their own (5, 6, 8..15) get the largest one.
pub const fn REQUESTED_TRAILER_SIZE(option: mach_msg_option_t) -> mach_msg_trailer_size_t {
    match GET_RCV_ELEMENTS(option) {
        MACH_RCV_TRAILER_NULL => 8,
        MACH_RCV_TRAILER_SEQNO => 12,
        MACH_RCV_TRAILER_SENDER => 20,
        MACH_RCV_TRAILER_AUDIT => 52,
        MACH_RCV_TRAILER_CTX => 60,
        _ => MAX_TRAILER_SIZE,
    }
}

// ---------------------------------------------------------------------------------
// Message sizes
// ---------------------------------------------------------------------------------

/// Largest representable message size.
pub const MACH_MSG_SIZE_MAX: mach_msg_size_t = !0;
/// Message size that is always safe to send (256 KiB).
pub const MACH_MSG_SIZE_RELIABLE: mach_msg_size_t = 256 * 1024;

/// Rounds a message size up to a multiple of 4 (`sizeof(natural_t)`).
pub const fn round_msg(size: mach_msg_size_t) -> mach_msg_size_t {
    (size + 3) & !3
}

// ---------------------------------------------------------------------------------
// msgh_bits
// ---------------------------------------------------------------------------------

/// No bits set.
pub const MACH_MSGH_BITS_ZERO: mach_msg_bits_t = 0x0000_0000;
/// Remote (destination) disposition, bits 0..4.
pub const MACH_MSGH_BITS_REMOTE_MASK: mach_msg_bits_t = 0x0000_001f;
/// Local (reply) disposition, bits 8..12.
pub const MACH_MSGH_BITS_LOCAL_MASK: mach_msg_bits_t = 0x0000_1f00;
/// Voucher disposition, bits 16..20.
pub const MACH_MSGH_BITS_VOUCHER_MASK: mach_msg_bits_t = 0x001f_0000;
/// All three disposition fields.
pub const MACH_MSGH_BITS_PORTS_MASK: mach_msg_bits_t =
    MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK | MACH_MSGH_BITS_VOUCHER_MASK;
/// A body with descriptors follows the header.
pub const MACH_MSGH_BITS_COMPLEX: mach_msg_bits_t = 0x8000_0000;
/// The bits user space may set on send; anything else is `MACH_SEND_INVALID_HEADER`.
pub const MACH_MSGH_BITS_USER: mach_msg_bits_t = 0x801f_1f1f;
/// Set by the kernel on receive when the message raised the receiver's importance.
pub const MACH_MSGH_BITS_RAISEIMP: mach_msg_bits_t = 0x2000_0000;
/// Older name of [`MACH_MSGH_BITS_RAISEIMP`].
pub const MACH_MSGH_BITS_DENAP: mach_msg_bits_t = MACH_MSGH_BITS_RAISEIMP;
/// User-private: the message holds an importance assertion.
pub const MACH_MSGH_BITS_IMPHOLDASRT: mach_msg_bits_t = 0x1000_0000;
/// Older name of [`MACH_MSGH_BITS_IMPHOLDASRT`].
pub const MACH_MSGH_BITS_DENAPHOLDASRT: mach_msg_bits_t = MACH_MSGH_BITS_IMPHOLDASRT;
/// Kernel-private reuse of bit 28: the message is in a port cycle.
pub const MACH_MSGH_BITS_CIRCULAR: mach_msg_bits_t = 0x1000_0000;
/// Every bit that has a meaning.
pub const MACH_MSGH_BITS_USED: mach_msg_bits_t = 0xb01f_1f1f;

/// Legacy constructor: remote disposition plus local disposition shifted to bits 8..12.
pub const fn MACH_MSGH_BITS(
    remote: mach_msg_type_name_t,
    local: mach_msg_type_name_t,
) -> mach_msg_bits_t {
    remote | (local << 8)
}

/// Builds the three disposition fields, each masked to its 5-bit slot.
pub const fn MACH_MSGH_BITS_SET_PORTS(
    remote: mach_msg_type_name_t,
    local: mach_msg_type_name_t,
    voucher: mach_msg_type_name_t,
) -> mach_msg_bits_t {
    (remote & MACH_MSGH_BITS_REMOTE_MASK)
        | ((local << 8) & MACH_MSGH_BITS_LOCAL_MASK)
        | ((voucher << 16) & MACH_MSGH_BITS_VOUCHER_MASK)
}

/// Like [`MACH_MSGH_BITS_SET_PORTS`] plus the non-disposition bits of `other`.
pub const fn MACH_MSGH_BITS_SET(
    remote: mach_msg_type_name_t,
    local: mach_msg_type_name_t,
    voucher: mach_msg_type_name_t,
    other: mach_msg_bits_t,
) -> mach_msg_bits_t {
    MACH_MSGH_BITS_SET_PORTS(remote, local, voucher) | (other & !MACH_MSGH_BITS_PORTS_MASK)
}

/// The remote (destination) disposition of `bits`.
pub const fn MACH_MSGH_BITS_REMOTE(bits: mach_msg_bits_t) -> mach_msg_type_name_t {
    bits & MACH_MSGH_BITS_REMOTE_MASK
}

/// The local (reply) disposition of `bits`.
pub const fn MACH_MSGH_BITS_LOCAL(bits: mach_msg_bits_t) -> mach_msg_type_name_t {
    (bits & MACH_MSGH_BITS_LOCAL_MASK) >> 8
}

/// The voucher disposition of `bits`.
pub const fn MACH_MSGH_BITS_VOUCHER(bits: mach_msg_bits_t) -> mach_msg_type_name_t {
    (bits & MACH_MSGH_BITS_VOUCHER_MASK) >> 16
}

/// The three disposition fields of `bits`, in place.
pub const fn MACH_MSGH_BITS_PORTS(bits: mach_msg_bits_t) -> mach_msg_bits_t {
    bits & MACH_MSGH_BITS_PORTS_MASK
}

/// Everything in `bits` except the disposition fields.
pub const fn MACH_MSGH_BITS_OTHER(bits: mach_msg_bits_t) -> mach_msg_bits_t {
    bits & !MACH_MSGH_BITS_PORTS_MASK
}

/// Whether a remote disposition is present.
pub const fn MACH_MSGH_BITS_HAS_REMOTE(bits: mach_msg_bits_t) -> bool {
    MACH_MSGH_BITS_REMOTE(bits) != MACH_MSGH_BITS_ZERO
}

/// Whether a local disposition is present.
pub const fn MACH_MSGH_BITS_HAS_LOCAL(bits: mach_msg_bits_t) -> bool {
    MACH_MSGH_BITS_LOCAL(bits) != MACH_MSGH_BITS_ZERO
}

/// Whether a voucher disposition is present.
pub const fn MACH_MSGH_BITS_HAS_VOUCHER(bits: mach_msg_bits_t) -> bool {
    MACH_MSGH_BITS_VOUCHER(bits) != MACH_MSGH_BITS_ZERO
}

/// Whether the complex bit is set.
pub const fn MACH_MSGH_BITS_IS_COMPLEX(bits: mach_msg_bits_t) -> bool {
    bits & MACH_MSGH_BITS_COMPLEX != MACH_MSGH_BITS_ZERO
}

// ---------------------------------------------------------------------------------
// Dispositions and received right types (mach_msg_type_name_t)
// ---------------------------------------------------------------------------------

/// Send the receive right away (sender must hold it).
pub const MACH_MSG_TYPE_MOVE_RECEIVE: mach_msg_type_name_t = 16;
/// Move one send-right uref to the receiver.
pub const MACH_MSG_TYPE_MOVE_SEND: mach_msg_type_name_t = 17;
/// Move the send-once right to the receiver.
pub const MACH_MSG_TYPE_MOVE_SEND_ONCE: mach_msg_type_name_t = 18;
/// Give the receiver a send right while keeping the sender's.
pub const MACH_MSG_TYPE_COPY_SEND: mach_msg_type_name_t = 19;
/// Create a send right from the sender's receive right (bumps the make-send count).
pub const MACH_MSG_TYPE_MAKE_SEND: mach_msg_type_name_t = 20;
/// Create a send-once right from the sender's receive right.
pub const MACH_MSG_TYPE_MAKE_SEND_ONCE: mach_msg_type_name_t = 21;
/// Not a valid disposition (reserved number).
pub const MACH_MSG_TYPE_COPY_RECEIVE: mach_msg_type_name_t = 22;
/// Destroy-style helpers: release a receive right.
pub const MACH_MSG_TYPE_DISPOSE_RECEIVE: mach_msg_type_name_t = 24;
/// Destroy-style helpers: release a send right.
pub const MACH_MSG_TYPE_DISPOSE_SEND: mach_msg_type_name_t = 25;
/// Destroy-style helpers: release a send-once right.
pub const MACH_MSG_TYPE_DISPOSE_SEND_ONCE: mach_msg_type_name_t = 26;

/// Received type: no right.
pub const MACH_MSG_TYPE_PORT_NONE: mach_msg_type_name_t = 0;
/// A bare name carried as data; no right moves (MIG's `mach_port_name_t`).
pub const MACH_MSG_TYPE_PORT_NAME: mach_msg_type_name_t = 15;
/// Received type: a receive right (numerically `MOVE_RECEIVE`).
pub const MACH_MSG_TYPE_PORT_RECEIVE: mach_msg_type_name_t = MACH_MSG_TYPE_MOVE_RECEIVE;
/// Received type: a send right (numerically `MOVE_SEND`).
pub const MACH_MSG_TYPE_PORT_SEND: mach_msg_type_name_t = MACH_MSG_TYPE_MOVE_SEND;
/// Received type: a send-once right (numerically `MOVE_SEND_ONCE`).
pub const MACH_MSG_TYPE_PORT_SEND_ONCE: mach_msg_type_name_t = MACH_MSG_TYPE_MOVE_SEND_ONCE;
/// Highest assigned type name.
pub const MACH_MSG_TYPE_LAST: mach_msg_type_name_t = 22;
/// MIG placeholder: the disposition is supplied at run time.
pub const MACH_MSG_TYPE_POLYMORPHIC: mach_msg_type_name_t = !0;

/// Whether `x` is any right-carrying disposition (16..=21).
pub const fn MACH_MSG_TYPE_PORT_ANY(x: mach_msg_type_name_t) -> bool {
    x >= MACH_MSG_TYPE_MOVE_RECEIVE && x <= MACH_MSG_TYPE_MAKE_SEND_ONCE
}

/// Whether `x` yields a send or send-once right (17..=21).
pub const fn MACH_MSG_TYPE_PORT_ANY_SEND(x: mach_msg_type_name_t) -> bool {
    x >= MACH_MSG_TYPE_MOVE_SEND && x <= MACH_MSG_TYPE_MAKE_SEND_ONCE
}

/// Whether `x` yields a send-once right (18 or 21).
pub const fn MACH_MSG_TYPE_PORT_ANY_SEND_ONCE(x: mach_msg_type_name_t) -> bool {
    x == MACH_MSG_TYPE_MOVE_SEND_ONCE || x == MACH_MSG_TYPE_MAKE_SEND_ONCE
}

/// Whether `x` moves an existing right out of the sender (16..=18).
pub const fn MACH_MSG_TYPE_PORT_ANY_RIGHT(x: mach_msg_type_name_t) -> bool {
    x >= MACH_MSG_TYPE_MOVE_RECEIVE && x <= MACH_MSG_TYPE_MOVE_SEND_ONCE
}

// ---------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------

/// Descriptor carrying one port right (12 bytes in 64-bit user space).
pub const MACH_MSG_PORT_DESCRIPTOR: mach_msg_descriptor_type_t = 0;
/// Descriptor carrying out-of-line memory (16 bytes).
pub const MACH_MSG_OOL_DESCRIPTOR: mach_msg_descriptor_type_t = 1;
/// Descriptor carrying an out-of-line array of port rights (16 bytes).
pub const MACH_MSG_OOL_PORTS_DESCRIPTOR: mach_msg_descriptor_type_t = 2;
/// Out-of-line memory the sender may change after sending (16 bytes, OOL shape).
pub const MACH_MSG_OOL_VOLATILE_DESCRIPTOR: mach_msg_descriptor_type_t = 3;
/// Descriptor carrying a receive right with a guard context (16 bytes).
pub const MACH_MSG_GUARDED_PORT_DESCRIPTOR: mach_msg_descriptor_type_t = 4;
/// Highest defined descriptor type.
pub const MACH_MSG_DESCRIPTOR_MAX: mach_msg_descriptor_type_t = MACH_MSG_GUARDED_PORT_DESCRIPTOR;

/// Copy option: copy the bytes physically.
pub const MACH_MSG_PHYSICAL_COPY: mach_msg_copy_options_t = 0;
/// Copy option: copy-on-write (virtual) copy.
pub const MACH_MSG_VIRTUAL_COPY: mach_msg_copy_options_t = 1;
/// Copy option: the kernel allocates the destination in the receiver.
pub const MACH_MSG_ALLOCATE: mach_msg_copy_options_t = 2;
/// Copy option: overwrite receiver memory (deprecated).
pub const MACH_MSG_OVERWRITE: mach_msg_copy_options_t = 3;

/// Guarded descriptor flags: none.
pub const MACH_MSG_GUARD_FLAGS_NONE: mach_msg_guard_flags_t = 0x0000;
/// Guarded descriptor: the moved receive right becomes immovable in the receiver.
pub const MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE: mach_msg_guard_flags_t = 0x0001;
/// Guarded descriptor: the port must be unguarded when it is sent.
pub const MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND: mach_msg_guard_flags_t = 0x0002;
/// All valid guarded descriptor flags.
pub const MACH_MSG_GUARD_FLAGS_MASK: mach_msg_guard_flags_t = 0x0003;

// ---------------------------------------------------------------------------------
// Port rights (mach_port_right_t) and name types (mach_port_type_t)
// ---------------------------------------------------------------------------------

/// A send right.
pub const MACH_PORT_RIGHT_SEND: mach_port_right_t = 0;
/// A receive right.
pub const MACH_PORT_RIGHT_RECEIVE: mach_port_right_t = 1;
/// A send-once right.
pub const MACH_PORT_RIGHT_SEND_ONCE: mach_port_right_t = 2;
/// A port set.
pub const MACH_PORT_RIGHT_PORT_SET: mach_port_right_t = 3;
/// A dead name.
pub const MACH_PORT_RIGHT_DEAD_NAME: mach_port_right_t = 4;
/// Obsolete label-handle right.
pub const MACH_PORT_RIGHT_LABELH: mach_port_right_t = 5;
/// Number of right kinds (a bound, not a right).
pub const MACH_PORT_RIGHT_NUMBER: mach_port_right_t = 6;

/// The type bit that stands for `right`: `1 << (right + 16)`.
pub const fn MACH_PORT_TYPE(right: mach_port_right_t) -> mach_port_type_t {
    1 << (right + 16)
}

/// No rights under the name.
pub const MACH_PORT_TYPE_NONE: mach_port_type_t = 0;
/// The name holds a send right.
pub const MACH_PORT_TYPE_SEND: mach_port_type_t = MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND);
/// The name holds a receive right.
pub const MACH_PORT_TYPE_RECEIVE: mach_port_type_t = MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE);
/// The name holds a send-once right.
pub const MACH_PORT_TYPE_SEND_ONCE: mach_port_type_t = MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE);
/// The name is a port set.
pub const MACH_PORT_TYPE_PORT_SET: mach_port_type_t = MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET);
/// The name is a dead name.
pub const MACH_PORT_TYPE_DEAD_NAME: mach_port_type_t = MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME);
/// Obsolete label-handle bit.
pub const MACH_PORT_TYPE_LABELH: mach_port_type_t = MACH_PORT_TYPE(MACH_PORT_RIGHT_LABELH);
/// Kernel reuse of the label-handle bit: the name once held a receive right.
pub const MACH_PORT_TYPE_EX_RECEIVE: mach_port_type_t = MACH_PORT_TYPE_LABELH;
/// A dead-name request is armed on the name.
pub const MACH_PORT_TYPE_DNREQUEST: mach_port_type_t = 0x8000_0000;
/// A send-possible request is armed on the name.
pub const MACH_PORT_TYPE_SPREQUEST: mach_port_type_t = 0x4000_0000;
/// A send-possible request is armed and its notification is pending.
pub const MACH_PORT_TYPE_SPREQUEST_DELAYED: mach_port_type_t = 0x2000_0000;

/// Send and receive rights.
pub const MACH_PORT_TYPE_SEND_RECEIVE: mach_port_type_t =
    MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE;
/// Send or send-once rights.
pub const MACH_PORT_TYPE_SEND_RIGHTS: mach_port_type_t =
    MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE;
/// Any right to a port (send, send-once, receive).
pub const MACH_PORT_TYPE_PORT_RIGHTS: mach_port_type_t =
    MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE;
/// Any port right or a dead name.
pub const MACH_PORT_TYPE_PORT_OR_DEAD: mach_port_type_t =
    MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME;
/// Every right kind including port sets.
pub const MACH_PORT_TYPE_ALL_RIGHTS: mach_port_type_t =
    MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET;

// ---------------------------------------------------------------------------------
// Port names and user references
// ---------------------------------------------------------------------------------

/// The null name: no right.
pub const MACH_PORT_NULL: mach_port_name_t = 0;
/// The dead name value carried in messages when a right died in transit.
pub const MACH_PORT_DEAD: mach_port_name_t = !0;

/// Whether `name` is neither [`MACH_PORT_NULL`] nor [`MACH_PORT_DEAD`].
pub const fn MACH_PORT_VALID(name: mach_port_name_t) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

/// Table index of a kernel-chosen name (all but the low 8 bits).
pub const fn MACH_PORT_INDEX(name: mach_port_name_t) -> mach_port_name_t {
    name >> 8
}

/// Generation of a kernel-chosen name, moved to bits 24..31 as the entry stores it.
pub const fn MACH_PORT_GEN(name: mach_port_name_t) -> mach_port_name_t {
    (name & 0xff) << 24
}

/// Composes a name from a table index and an entry generation (bits 24..31).
pub const fn MACH_PORT_MAKE(
    index: mach_port_name_t,
    gen_bits: mach_port_name_t,
) -> mach_port_name_t {
    (index << 8) | (gen_bits >> 24)
}

/// Largest user-reference count a name can hold (16-bit field); counts saturate here.
pub const MACH_PORT_UREFS_MAX: mach_port_urefs_t = 0xffff;

// ---------------------------------------------------------------------------------
// Queue limits and port attributes
// ---------------------------------------------------------------------------------

/// Queue limit zero.
pub const MACH_PORT_QLIMIT_ZERO: mach_port_msgcount_t = 0;
/// Queue limit every new port gets.
pub const MACH_PORT_QLIMIT_BASIC: mach_port_msgcount_t = 5;
/// A small queue limit.
pub const MACH_PORT_QLIMIT_SMALL: mach_port_msgcount_t = 16;
/// Largest queue limit user space may set.
pub const MACH_PORT_QLIMIT_LARGE: mach_port_msgcount_t = 1024;
/// Hard cap on queued messages, even for senders exempt from the limit.
pub const MACH_PORT_QLIMIT_KERNEL: mach_port_msgcount_t = 65534;
/// Smallest settable queue limit.
pub const MACH_PORT_QLIMIT_MIN: mach_port_msgcount_t = MACH_PORT_QLIMIT_ZERO;
/// Default queue limit of a new port.
pub const MACH_PORT_QLIMIT_DEFAULT: mach_port_msgcount_t = MACH_PORT_QLIMIT_BASIC;
/// Largest settable queue limit.
pub const MACH_PORT_QLIMIT_MAX: mach_port_msgcount_t = MACH_PORT_QLIMIT_LARGE;

/// Attribute flavor: queue limit (`mach_port_limits_t`).
pub const MACH_PORT_LIMITS_INFO: mach_port_flavor_t = 1;
/// Attribute flavor: receive-right status (`mach_port_status_t`).
pub const MACH_PORT_RECEIVE_STATUS: mach_port_flavor_t = 2;
/// Attribute flavor: size of the dead-name request table (one integer).
pub const MACH_PORT_DNREQUESTS_SIZE: mach_port_flavor_t = 3;
/// Attribute flavor: the receive right will move to another task.
pub const MACH_PORT_TEMPOWNER: mach_port_flavor_t = 4;
/// Attribute flavor: the receive right accepts importance donation.
pub const MACH_PORT_IMPORTANCE_RECEIVER: mach_port_flavor_t = 5;
/// Attribute flavor: the receive right accepts de-nap donation.
pub const MACH_PORT_DENAP_RECEIVER: mach_port_flavor_t = 6;
/// Attribute flavor: extended status (`mach_port_info_ext_t`).
pub const MACH_PORT_INFO_EXT: mach_port_flavor_t = 7;
/// Attribute flavor: check a strict guard value (`mach_port_guard_info_t`).
pub const MACH_PORT_GUARD_INFO: mach_port_flavor_t = 8;
/// Attribute flavor: whether a service port is throttled (one integer).
pub const MACH_PORT_SERVICE_THROTTLED: mach_port_flavor_t = 9;

/// `natural_t` count of [`MACH_PORT_LIMITS_INFO`] data.
pub const MACH_PORT_LIMITS_INFO_COUNT: mach_msg_type_number_t = 1;
/// `natural_t` count of [`MACH_PORT_RECEIVE_STATUS`] data.
pub const MACH_PORT_RECEIVE_STATUS_COUNT: mach_msg_type_number_t = 10;
/// `natural_t` count of [`MACH_PORT_DNREQUESTS_SIZE`] data.
pub const MACH_PORT_DNREQUESTS_SIZE_COUNT: mach_msg_type_number_t = 1;
/// `natural_t` count of [`MACH_PORT_INFO_EXT`] data.
pub const MACH_PORT_INFO_EXT_COUNT: mach_msg_type_number_t = 17;
/// `natural_t` count of [`MACH_PORT_GUARD_INFO`] data.
pub const MACH_PORT_GUARD_INFO_COUNT: mach_msg_type_number_t = 2;
/// `natural_t` count of [`MACH_PORT_SERVICE_THROTTLED`] data.
pub const MACH_PORT_SERVICE_THROTTLED_COUNT: mach_msg_type_number_t = 1;

/// `mps_srights` value: no send rights exist.
pub const MACH_PORT_SRIGHTS_NONE: u32 = 0;
/// `mps_srights` value: send rights exist.
pub const MACH_PORT_SRIGHTS_PRESENT: u32 = 1;

/// `mps_flags`: the receive right is marked for a temporary owner.
pub const MACH_PORT_STATUS_FLAG_TEMPOWNER: natural_t = 0x01;
/// `mps_flags`: the port is guarded.
pub const MACH_PORT_STATUS_FLAG_GUARDED: natural_t = 0x02;
/// `mps_flags`: the guard is strict.
pub const MACH_PORT_STATUS_FLAG_STRICT_GUARD: natural_t = 0x04;
/// `mps_flags`: the port accepts importance donation.
pub const MACH_PORT_STATUS_FLAG_IMP_DONATION: natural_t = 0x08;
/// `mps_flags`: the port revives (reserved).
pub const MACH_PORT_STATUS_FLAG_REVIVE: natural_t = 0x10;
/// `mps_flags`: the port holds a task pointer.
pub const MACH_PORT_STATUS_FLAG_TASKPTR: natural_t = 0x20;
/// `mps_flags`: the receive right is immovable because of its guard.
pub const MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE: natural_t = 0x40;
/// `mps_flags`: the port refuses rights carried in messages.
pub const MACH_PORT_STATUS_FLAG_NO_GRANT: natural_t = 0x80;

// mach_port_construct options (mach_port_options_t.flags).

/// Construct: use the context as a guard.
pub const MPO_CONTEXT_AS_GUARD: u32 = 0x01;
/// Construct: apply `mpl.mpl_qlimit` as the queue limit.
pub const MPO_QLIMIT: u32 = 0x02;
/// Construct: set the temporary-owner bit.
pub const MPO_TEMPOWNER: u32 = 0x04;
/// Construct: mark as importance receiver.
pub const MPO_IMPORTANCE_RECEIVER: u32 = 0x08;
/// Construct: also insert a send right under the same name.
pub const MPO_INSERT_SEND_RIGHT: u32 = 0x10;
/// Construct: guard strictly.
pub const MPO_STRICT: u32 = 0x20;
/// Construct: mark as de-nap receiver.
pub const MPO_DENAP_RECEIVER: u32 = 0x40;
/// Construct: the receive right is immovable (protected by the guard).
pub const MPO_IMMOVABLE_RECEIVE: u32 = 0x80;
/// Construct: allow message filtering.
pub const MPO_FILTER_MSG: u32 = 0x100;
/// Construct: track thread-group blocking during sync IPC.
pub const MPO_TG_BLOCK_TRACKING: u32 = 0x200;
/// Construct: create a named service port (launchd only).
pub const MPO_SERVICE_PORT: u32 = 0x400;
/// Construct: derive a connection port from a service port.
pub const MPO_CONNECTION_PORT: u32 = 0x800;
/// Construct: designate the port as a reply port.
pub const MPO_REPLY_PORT: u32 = 0x1000;
/// Construct: senders must follow reply-port rules for their local port.
pub const MPO_ENFORCE_REPLY_PORT_SEMANTICS: u32 = 0x2000;
/// Construct: designate the port as a provisional reply port.
pub const MPO_PROVISIONAL_REPLY_PORT: u32 = 0x4000;
/// Construct: immovable port for hardened exceptions.
pub const MPO_EXCEPTION_PORT: u32 = 0x8000;

/// `mach_port_guard_with_flags`: strict guard.
pub const MPG_STRICT: u64 = 0x01;
/// `mach_port_guard_with_flags`: the receive right cannot leave the space.
pub const MPG_IMMOVABLE_RECEIVE: u64 = 0x02;

// ---------------------------------------------------------------------------------
// Notifications (msgh_id of kernel notification messages)
// ---------------------------------------------------------------------------------

/// First notification id (octal 0100); not itself a notification.
pub const MACH_NOTIFY_FIRST: mach_msg_id_t = 0o100;
/// A name with an armed request was deallocated before the port died.
pub const MACH_NOTIFY_PORT_DELETED: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o1;
/// A full queue gained room for the armed sender.
pub const MACH_NOTIFY_SEND_POSSIBLE: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o2;
/// A receive right would have been destroyed; it travels in this message instead.
pub const MACH_NOTIFY_PORT_DESTROYED: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o5;
/// The port's last send right went away.
pub const MACH_NOTIFY_NO_SENDERS: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o6;
/// A send-once right was destroyed unused.
pub const MACH_NOTIFY_SEND_ONCE: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o7;
/// The port behind a send/send-once name died.
pub const MACH_NOTIFY_DEAD_NAME: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o10;
/// Upper bound of notification ids (octal 0115); not itself a notification.
pub const MACH_NOTIFY_LAST: mach_msg_id_t = MACH_NOTIFY_FIRST + 0o15;

// ---------------------------------------------------------------------------------
// Special ports
// ---------------------------------------------------------------------------------

/// Task special port: the task's own control port.
pub const TASK_KERNEL_PORT: i32 = 1;
/// Task special port: the host port.
pub const TASK_HOST_PORT: i32 = 2;
/// Task special port: the task name port.
pub const TASK_NAME_PORT: i32 = 3;
/// Task special port: the bootstrap (launchd) port.
pub const TASK_BOOTSTRAP_PORT: i32 = 4;
/// Task special port: the inspect port.
pub const TASK_INSPECT_PORT: i32 = 5;
/// Task special port: the read port.
pub const TASK_READ_PORT: i32 = 6;
/// Task special port: Seatbelt port (xnu-7195 only; retired later).
pub const TASK_SEATBELT_PORT: i32 = 7;
/// Task special port: task_for_pid permission checker.
pub const TASK_ACCESS_PORT: i32 = 9;
/// Task special port: debug control port.
pub const TASK_DEBUG_CONTROL_PORT: i32 = 10;
/// Task special port: resource notifications (overrides the host's).
pub const TASK_RESOURCE_NOTIFY_PORT: i32 = 11;
/// Highest task special port number.
pub const TASK_MAX_SPECIAL_PORT: i32 = TASK_RESOURCE_NOTIFY_PORT;

/// Thread special port: the thread's control port.
pub const THREAD_KERNEL_PORT: i32 = 1;
/// Thread special port: the inspect port.
pub const THREAD_INSPECT_PORT: i32 = 2;
/// Thread special port: the read port.
pub const THREAD_READ_PORT: i32 = 3;
/// Highest thread special port number.
pub const THREAD_MAX_SPECIAL_PORT: i32 = THREAD_READ_PORT;

/// Host special port: security port.
pub const HOST_SECURITY_PORT: i32 = 0;
/// Lowest host special port number.
pub const HOST_MIN_SPECIAL_PORT: i32 = HOST_SECURITY_PORT;
/// Host special port: the host name port.
pub const HOST_PORT: i32 = 1;
/// Host special port: the privileged host port.
pub const HOST_PRIV_PORT: i32 = 2;
/// Host special port: the IOKit main port (`HOST_IO_MASTER_PORT` in xnu-7195).
pub const HOST_IO_MAIN_PORT: i32 = 3;
/// Numbers up to this one are reserved for kernel-provided host ports.
pub const HOST_MAX_SPECIAL_KERNEL_PORT: i32 = 7;
/// Last kernel-provided host port actually assigned.
pub const HOST_LAST_SPECIAL_KERNEL_PORT: i32 = HOST_IO_MAIN_PORT;
/// Host special port: dynamic pager.
pub const HOST_DYNAMIC_PAGER_PORT: i32 = 8;
/// Host special port: audit control.
pub const HOST_AUDIT_CONTROL_PORT: i32 = 9;
/// Host special port: user notification daemon.
pub const HOST_USER_NOTIFICATION_PORT: i32 = 10;
/// Host special port: automountd.
pub const HOST_AUTOMOUNTD_PORT: i32 = 11;
/// Host special port: lockd.
pub const HOST_LOCKD_PORT: i32 = 12;
/// Host special port: ktrace background.
pub const HOST_KTRACE_BACKGROUND_PORT: i32 = 13;
/// Host special port: Seatbelt.
pub const HOST_SEATBELT_PORT: i32 = 14;
/// Host special port: kextd.
pub const HOST_KEXTD_PORT: i32 = 15;
/// Host special port: launchctl.
pub const HOST_LAUNCHCTL_PORT: i32 = 16;
/// Older name of [`HOST_LAUNCHCTL_PORT`].
pub const HOST_CHUD_PORT: i32 = HOST_LAUNCHCTL_PORT;
/// Host special port: unfreed-memory reporting.
pub const HOST_UNFREED_PORT: i32 = 17;
/// Host special port: amfid.
pub const HOST_AMFID_PORT: i32 = 18;
/// Host special port: gssd.
pub const HOST_GSSD_PORT: i32 = 19;
/// Host special port: telemetry.
pub const HOST_TELEMETRY_PORT: i32 = 20;
/// Host special port: ATM notifications.
pub const HOST_ATM_NOTIFICATION_PORT: i32 = 21;
/// Host special port: coalitions.
pub const HOST_COALITION_PORT: i32 = 22;
/// Host special port: sysdiagnose.
pub const HOST_SYSDIAGNOSE_PORT: i32 = 23;
/// Host special port: XPC exceptions.
pub const HOST_XPC_EXCEPTION_PORT: i32 = 24;
/// Host special port: containerd.
pub const HOST_CONTAINERD_PORT: i32 = 25;
/// Host special port: node.
pub const HOST_NODE_PORT: i32 = 26;
/// Host special port: resource notifications.
pub const HOST_RESOURCE_NOTIFY_PORT: i32 = 27;
/// Host special port: closured.
pub const HOST_CLOSURED_PORT: i32 = 28;
/// Host special port: syspolicyd.
pub const HOST_SYSPOLICYD_PORT: i32 = 29;
/// Host special port: filecoordinationd.
pub const HOST_FILECOORDINATIOND_PORT: i32 = 30;
/// Host special port: fairplayd.
pub const HOST_FAIRPLAYD_PORT: i32 = 31;
/// Host special port: IO compression statistics.
pub const HOST_IOCOMPRESSIONSTATS_PORT: i32 = 32;
/// Host special port: memory error reporting.
pub const HOST_MEMORY_ERROR_PORT: i32 = 33;
/// Host special port: managedappdistributiond.
pub const HOST_MANAGEDAPPDISTD_PORT: i32 = 34;
/// Host special port: doubleagentd.
pub const HOST_DOUBLEAGENTD_PORT: i32 = 35;
/// Highest host special port number.
pub const HOST_MAX_SPECIAL_PORT: i32 = HOST_DOUBLEAGENTD_PORT;

/// Number of "registered ports" `mach_ports_register` passes to children.
pub const TASK_PORT_REGISTER_MAX: usize = 3;

// ---------------------------------------------------------------------------------
// NDR record
// ---------------------------------------------------------------------------------

/// NDR protocol version 2.0 (`mig_encoding`).
pub const NDR_PROTOCOL_2_0: u8 = 0;
/// NDR integer representation: big-endian.
pub const NDR_INT_BIG_ENDIAN: u8 = 0;
/// NDR integer representation: little-endian.
pub const NDR_INT_LITTLE_ENDIAN: u8 = 1;
/// NDR float representation: IEEE 754.
pub const NDR_FLOAT_IEEE: u8 = 0;
/// NDR character representation: ASCII.
pub const NDR_CHAR_ASCII: u8 = 0;

/// The 8 bytes of `NDR_record` on x86_64 and arm64: NDR 2.0, little-endian ints,
/// ASCII chars, IEEE floats. MIG puts it first in every message's inline data.
#[allow(non_upper_case_globals)]
pub const NDR_record: [u8; 8] = [
    0,
    0,
    0,
    NDR_PROTOCOL_2_0,
    NDR_INT_LITTLE_ENDIAN,
    NDR_CHAR_ASCII,
    NDR_FLOAT_IEEE,
    0,
];

/// The largest message body XNU accepts (`IPC_KMSG_MAX_BODY_SPACE`, `ipc_kmsg.h`).
pub const IPC_KMSG_MAX_BODY_SPACE: u32 = 64 * 1024 * 1024 * 3 / 4 - 68;
/// The most port rights one out-of-line ports descriptor may carry
/// (`IPC_KMSG_MAX_OOL_PORT_COUNT`, `ipc_kmsg.h`).
pub const IPC_KMSG_MAX_OOL_PORT_COUNT: u64 = 16383;

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
    pub const fn is_success(self) -> bool {
        self.0 == KERN_SUCCESS
    }

    /// `Ok(())` for success, otherwise `Err(self)`.
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
    use super::*;

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

    #[test]
    fn bit_helpers() {
        let bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
        assert_eq!(bits, 0x1513);
        assert_eq!(MACH_MSGH_BITS_REMOTE(bits), MACH_MSG_TYPE_COPY_SEND);
        assert_eq!(MACH_MSGH_BITS_LOCAL(bits), MACH_MSG_TYPE_MAKE_SEND_ONCE);
        let set = MACH_MSGH_BITS_SET(17, 18, 19, MACH_MSGH_BITS_COMPLEX | 0x1f);
        assert_eq!(set, 0x8013_1211);
        assert_eq!(MACH_MSGH_BITS_VOUCHER(set), 19);
        assert_eq!(MACH_MSGH_BITS_OTHER(set), MACH_MSGH_BITS_COMPLEX);
        assert!(MACH_MSGH_BITS_IS_COMPLEX(set));
        assert_eq!(
            MACH_MSGH_BITS_USER & !MACH_MSGH_BITS_PORTS_MASK,
            MACH_MSGH_BITS_COMPLEX
        );
        assert_eq!(MACH_PORT_TYPE_ALL_RIGHTS, 0x001f_0000);
        assert_eq!(MACH_PORT_TYPE_PORT_OR_DEAD, 0x0017_0000);
        assert_eq!(
            MACH_PORT_MAKE(MACH_PORT_INDEX(0xa03), MACH_PORT_GEN(0xa03)),
            0xa03
        );
        assert_eq!(
            MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
            0x0300_0000
        );
        assert_eq!(MACH_RCV_TRAILER_TYPE(0xf) as u32, 0xf000_0000);
        assert_eq!(
            REQUESTED_TRAILER_SIZE(MACH_RCV_MSG),
            MACH_MSG_TRAILER_MINIMUM_SIZE
        );
        assert_eq!(
            REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX)),
            60
        );
        assert_eq!(
            REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(5)),
            MAX_TRAILER_SIZE
        );
        assert_eq!(MACH_NOTIFY_DEAD_NAME, 72);
        assert_eq!(MACH_NOTIFY_LAST, 77);
        assert_eq!(round_msg(37), 40);
    }
}
