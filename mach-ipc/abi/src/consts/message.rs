//! The message ABI, from `mach/message.h`: the scalar types of a message, the
//! `mach_msg_return_t` codes (`MACH_SEND_*`, `MACH_RCV_*`) and their special bits,
//! `mach_msg` options, trailer formats and sizes (`REQUESTED_TRAILER_SIZE`), message sizes,
//! `msgh_bits` and its macros (`MACH_MSGH_BITS_*`), dispositions and received right types
//! (`MACH_MSG_TYPE_*`), and descriptor types, copy options and guard flags.
//!
//! The header's kernel-private parts whose effect user space sees (the option sets the
//! kernel honours, `MACH_MSGH_BITS_CIRCULAR`) are here too, marked as such; so are the codes
//! and options newer than xnu-7195.141.2.

use super::kern_return::kern_return_t;
use super::vm_types::{integer_t, natural_t};

// ---------------------------------------------------------------------------------
// Scalar types
// ---------------------------------------------------------------------------------

/// `mach_msg_return_t`: result of `mach_msg`; the same integer space as `kern_return_t`.
pub type mach_msg_return_t = kern_return_t;
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
// Return codes (mach_msg_return_t)
// ---------------------------------------------------------------------------------

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

/// The message operation succeeded (same value as [`KERN_SUCCESS`](super::KERN_SUCCESS)).
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
#[inline]
pub const fn MACH_RCV_TRAILER_TYPE(x: mach_msg_option_t) -> mach_msg_option_t {
    (x & 0xf) << 28
}

/// Encodes the requested trailer elements `x` into bits 24..27 of the receive options.
#[inline]
pub const fn MACH_RCV_TRAILER_ELEMENTS(x: mach_msg_option_t) -> mach_msg_option_t {
    (x & 0xf) << 24
}

/// Extracts the requested trailer elements (bits 24..27) from receive options.
#[inline]
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
#[inline]
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
#[inline]
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
#[inline]
pub const fn MACH_MSGH_BITS(
    remote: mach_msg_type_name_t,
    local: mach_msg_type_name_t,
) -> mach_msg_bits_t {
    remote | (local << 8)
}

/// Builds the three disposition fields, each masked to its 5-bit slot.
#[inline]
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
#[inline]
pub const fn MACH_MSGH_BITS_SET(
    remote: mach_msg_type_name_t,
    local: mach_msg_type_name_t,
    voucher: mach_msg_type_name_t,
    other: mach_msg_bits_t,
) -> mach_msg_bits_t {
    MACH_MSGH_BITS_SET_PORTS(remote, local, voucher) | (other & !MACH_MSGH_BITS_PORTS_MASK)
}

/// The remote (destination) disposition of `bits`.
#[inline]
pub const fn MACH_MSGH_BITS_REMOTE(bits: mach_msg_bits_t) -> mach_msg_type_name_t {
    bits & MACH_MSGH_BITS_REMOTE_MASK
}

/// The local (reply) disposition of `bits`.
#[inline]
pub const fn MACH_MSGH_BITS_LOCAL(bits: mach_msg_bits_t) -> mach_msg_type_name_t {
    (bits & MACH_MSGH_BITS_LOCAL_MASK) >> 8
}

/// The voucher disposition of `bits`.
#[inline]
pub const fn MACH_MSGH_BITS_VOUCHER(bits: mach_msg_bits_t) -> mach_msg_type_name_t {
    (bits & MACH_MSGH_BITS_VOUCHER_MASK) >> 16
}

/// The three disposition fields of `bits`, in place.
#[inline]
pub const fn MACH_MSGH_BITS_PORTS(bits: mach_msg_bits_t) -> mach_msg_bits_t {
    bits & MACH_MSGH_BITS_PORTS_MASK
}

/// Everything in `bits` except the disposition fields.
#[inline]
pub const fn MACH_MSGH_BITS_OTHER(bits: mach_msg_bits_t) -> mach_msg_bits_t {
    bits & !MACH_MSGH_BITS_PORTS_MASK
}

/// Whether a remote disposition is present.
#[inline]
pub const fn MACH_MSGH_BITS_HAS_REMOTE(bits: mach_msg_bits_t) -> bool {
    MACH_MSGH_BITS_REMOTE(bits) != MACH_MSGH_BITS_ZERO
}

/// Whether a local disposition is present.
#[inline]
pub const fn MACH_MSGH_BITS_HAS_LOCAL(bits: mach_msg_bits_t) -> bool {
    MACH_MSGH_BITS_LOCAL(bits) != MACH_MSGH_BITS_ZERO
}

/// Whether a voucher disposition is present.
#[inline]
pub const fn MACH_MSGH_BITS_HAS_VOUCHER(bits: mach_msg_bits_t) -> bool {
    MACH_MSGH_BITS_VOUCHER(bits) != MACH_MSGH_BITS_ZERO
}

/// Whether the complex bit is set.
#[inline]
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
#[inline]
pub const fn MACH_MSG_TYPE_PORT_ANY(x: mach_msg_type_name_t) -> bool {
    x >= MACH_MSG_TYPE_MOVE_RECEIVE && x <= MACH_MSG_TYPE_MAKE_SEND_ONCE
}

/// Whether `x` yields a send or send-once right (17..=21).
#[inline]
pub const fn MACH_MSG_TYPE_PORT_ANY_SEND(x: mach_msg_type_name_t) -> bool {
    x >= MACH_MSG_TYPE_MOVE_SEND && x <= MACH_MSG_TYPE_MAKE_SEND_ONCE
}

/// Whether `x` yields a send-once right (18 or 21).
#[inline]
pub const fn MACH_MSG_TYPE_PORT_ANY_SEND_ONCE(x: mach_msg_type_name_t) -> bool {
    x == MACH_MSG_TYPE_MOVE_SEND_ONCE || x == MACH_MSG_TYPE_MAKE_SEND_ONCE
}

/// Whether `x` moves an existing right out of the sender (16..=18).
#[inline]
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(round_msg(37), 40);
    }
}
