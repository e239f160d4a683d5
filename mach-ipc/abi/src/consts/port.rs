//! Ports and port names, from `mach/port.h`: the `mach_port_*` scalar types, right kinds
//! (`MACH_PORT_RIGHT_*`) and name types (`MACH_PORT_TYPE_*`), the null and dead names and
//! how a kernel-chosen name splits into index and generation, queue limits, the
//! `mach_port_get/set_attributes` flavors and status flags, and the `mach_port_construct`
//! and guard options (`MPO_*`, `MPG_*`). [`MACH_PORT_UREFS_MAX`] is the kernel's, from
//! `ipc/port.h`.

use super::message::mach_msg_type_number_t;
use super::vm_types::{integer_t, natural_t};

// ---------------------------------------------------------------------------------
// Scalar types
// ---------------------------------------------------------------------------------

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
#[inline]
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
#[inline]
pub const fn MACH_PORT_VALID(name: mach_port_name_t) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

/// Table index of a kernel-chosen name (all but the low 8 bits).
#[inline]
pub const fn MACH_PORT_INDEX(name: mach_port_name_t) -> mach_port_name_t {
    name >> 8
}

/// Generation of a kernel-chosen name, moved to bits 24..31 as the entry stores it.
#[inline]
pub const fn MACH_PORT_GEN(name: mach_port_name_t) -> mach_port_name_t {
    (name & 0xff) << 24
}

/// Composes a name from a table index and an entry generation (bits 24..31).
#[inline]
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

// Reasons of a Mach port guard exception (`mach_port_guard_exception_codes`): the flavor of
// an `EXC_GUARD` of type `GUARD_TYPE_MACH_PORT`. Those up to
// [`MAX_FATAL_kGUARD_EXC_CODE`] always kill the task; the others are delivered only as the
// task's `task_exc_guard` behaviour says.

/// A guarded receive right was destroyed without its guard.
pub const kGUARD_EXC_DESTROY: u32 = 1 << 0;
/// A guarded receive right's references were changed (`mach_port_mod_refs`).
pub const kGUARD_EXC_MOD_REFS: u32 = 1 << 1;
/// The context of a strictly guarded port was set.
pub const kGUARD_EXC_SET_CONTEXT: u32 = 1 << 2;
/// A port that is not guarded was unguarded (or its guard swapped).
pub const kGUARD_EXC_UNGUARDED: u32 = 1 << 3;
/// The guard given is not the port's.
pub const kGUARD_EXC_INCORRECT_GUARD: u32 = 1 << 4;
/// An immovable right was moved.
pub const kGUARD_EXC_IMMOVABLE: u32 = 1 << 5;
/// A reply port broke the strict-reply rules.
pub const kGUARD_EXC_STRICT_REPLY: u32 = 1 << 6;
/// A message was refused by the sandbox's message filter.
pub const kGUARD_EXC_MSG_FILTERED: u32 = 1 << 7;
/// Non-fatal: a name without the right the call needs.
pub const kGUARD_EXC_INVALID_RIGHT: u32 = 1 << 8;
/// Non-fatal: a name that does not exist.
pub const kGUARD_EXC_INVALID_NAME: u32 = 1 << 9;
/// Non-fatal: a value out of range.
pub const kGUARD_EXC_INVALID_VALUE: u32 = 1 << 10;
/// Non-fatal: an invalid argument.
pub const kGUARD_EXC_INVALID_ARGUMENT: u32 = 1 << 11;
/// Non-fatal: the right already exists.
pub const kGUARD_EXC_RIGHT_EXISTS: u32 = 1 << 12;
/// Non-fatal: no name is left in the space.
pub const kGUARD_EXC_KERN_NO_SPACE: u32 = 1 << 13;
/// Non-fatal: `KERN_FAILURE`.
pub const kGUARD_EXC_KERN_FAILURE: u32 = 1 << 14;
/// Non-fatal: `KERN_RESOURCE_SHORTAGE`.
pub const kGUARD_EXC_KERN_RESOURCE: u32 = 1 << 15;
/// Non-fatal: a bad reply right in a message.
pub const kGUARD_EXC_SEND_INVALID_REPLY: u32 = 1 << 16;
/// Non-fatal: a bad voucher in a message.
pub const kGUARD_EXC_SEND_INVALID_VOUCHER: u32 = 1 << 17;
/// Non-fatal: a bad right in a message's body.
pub const kGUARD_EXC_SEND_INVALID_RIGHT: u32 = 1 << 18;
/// Non-fatal: a receive on a bad name.
pub const kGUARD_EXC_RCV_INVALID_NAME: u32 = 1 << 19;
/// Non-fatal, development kernels only: a guarded descriptor reached a receiver that did
/// not ask for them.
pub const kGUARD_EXC_RCV_GUARDED_DESC: u32 = 1 << 20;
/// The largest reason that always kills the task.
pub const MAX_FATAL_kGUARD_EXC_CODE: u32 = 1 << 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_bits_and_names() {
        assert_eq!(MACH_PORT_TYPE_ALL_RIGHTS, 0x001f_0000);
        assert_eq!(MACH_PORT_TYPE_PORT_OR_DEAD, 0x0017_0000);
        assert_eq!(
            MACH_PORT_MAKE(MACH_PORT_INDEX(0xa03), MACH_PORT_GEN(0xa03)),
            0xa03
        );
    }
}
