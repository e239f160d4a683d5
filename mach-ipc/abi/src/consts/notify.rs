//! Notification ids, from `mach/notify.h`: the `msgh_id` of each message the kernel sends
//! to a notify port (port deleted, send possible, port destroyed, no senders, send once,
//! dead name). The message layouts are in [`wire`](crate::wire).

use super::message::mach_msg_id_t;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_ids() {
        assert_eq!(MACH_NOTIFY_DEAD_NAME, 72);
        assert_eq!(MACH_NOTIFY_LAST, 77);
    }
}
