//! Messages in transit (XNU's `ipc_kmsg`): the rights and memory a message carries between
//! being sent and being received.
//!
//! A sent message keeps its bytes as the sender wrote them (header fields that name ports
//! are filled in again on receive), and holds its rights as [`Carried`] values, each owning
//! its port and one count of its kind of right. Whoever ends up with the message either
//! copies the rights out into a space or releases them.

use std::cell::RefCell;

use zerocopy::IntoBytes;

use crate::consts::*;
use crate::ipc_port::PortRef;
use crate::message::HEADER_SIZE;
use crate::wire::{
    MachDeadNameNotification, MachMsgGuardedPortDescriptor64, MachMsgHeader, MachMsgPortDescriptor,
    MachNoSendersNotification, MachPortDeletedNotification, MachPortDestroyedNotification,
    MachSendOnceNotification, MachSendPossibleNotification,
};

/// A right held outside any space: in a message, a notification request or a kernel slot.
#[derive(Clone, Debug)]
pub(crate) enum Carried {
    /// `MACH_PORT_NULL`: no right.
    Null,
    /// `MACH_PORT_DEAD`: a right that was dead when sent.
    Dead,
    Receive(PortRef),
    Send(PortRef),
    SendOnce(PortRef),
}

impl Carried {
    /// The port the right is for, if any.
    pub(crate) fn port(&self) -> Option<&PortRef> {
        match self {
            Carried::Receive(p) | Carried::Send(p) | Carried::SendOnce(p) => Some(p),
            Carried::Null | Carried::Dead => None,
        }
    }
}

/// What the sender of a message is, for the trailer: the kernel, or a task by process id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Sender {
    pub pid: u32,
    pub kernel: bool,
}

impl Sender {
    /// The kernel, as notifications name it.
    pub(crate) const KERNEL: Sender = Sender {
        pid: 0,
        kernel: true,
    };

    /// A task with process id `pid` (tasks here run as uid 0, gid 0).
    pub(crate) fn task(pid: u32) -> Sender {
        Sender { pid, kernel: false }
    }

    /// `security_token_t`: uid, gid (the kernel's is {0, 1}).
    pub(crate) fn security(self) -> [u32; 2] {
        [0, u32::from(self.kernel)]
    }

    /// `audit_token_t`: auid, euid, egid, ruid, rgid, pid, asid, pid version (all zero for
    /// the kernel).
    pub(crate) fn audit(self) -> [u32; 8] {
        [0, 0, 0, 0, 0, self.pid, self.pid, 0]
    }
}

/// A descriptor's carried contents, with its offset in the body.
#[derive(Debug)]
pub(crate) enum KDesc {
    Port {
        at: usize,
        right: Carried,
        /// The type name the receiver sees (kept for dead rights).
        type_name: mach_msg_type_name_t,
        /// Sent in a guarded port descriptor, with these flags.
        guarded: Option<mach_msg_guard_flags_t>,
    },
    Ool {
        at: usize,
        data: Vec<u8>,
    },
    OolPorts {
        at: usize,
        rights: Vec<Carried>,
        type_name: mach_msg_type_name_t,
    },
}

impl KDesc {
    /// Where the descriptor starts in the body and its size as sent.
    pub(crate) fn span(&self) -> (usize, usize) {
        match self {
            KDesc::Port {
                at, guarded: None, ..
            } => (*at, size_of::<MachMsgPortDescriptor>()),
            KDesc::Port { at, .. } => (*at, size_of::<MachMsgGuardedPortDescriptor64>()),
            KDesc::Ool { at, .. } | KDesc::OolPorts { at, .. } => (*at, 16),
        }
    }
}

/// Bodies up to this many bytes are kept in the message itself: a 64-byte message, a MIG
/// request with a few scalar arguments. (56 measured no better on a round trip, and larger
/// messages cost every move of a queued message.)
const BODY_INLINE: usize = 40;

/// The bytes of a message after its header. Small ones (MIG requests and replies,
/// notifications) sit in the message itself, so a receiver on another core finds them in
/// the queued message rather than in a buffer the sender wrote, one cache line fewer to
/// fetch; larger ones in a buffer from the sending thread's pool.
#[derive(Debug)]
pub(crate) enum Body {
    Inline { len: u8, bytes: [u8; BODY_INLINE] },
    Heap(Vec<u8>),
}

thread_local! {
    /// Emptied message-body buffers of this thread, for its next messages: no allocation
    /// per message, and no lock.
    static BODIES: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Largest message-body buffer kept for reuse.
const BODY_POOL_MAX_BYTES: usize = 4096;
/// Most message-body buffers kept for reuse per thread.
const BODY_POOL_MAX: usize = 64;

impl Body {
    /// A copy of `bytes`.
    #[inline]
    pub(crate) fn copy_of(bytes: &[u8]) -> Body {
        if bytes.len() <= BODY_INLINE {
            let mut inline = [0; BODY_INLINE];
            inline[..bytes.len()].copy_from_slice(bytes);
            return Body::Inline {
                len: bytes.len() as u8,
                bytes: inline,
            };
        }
        // (A thread whose locals are being destroyed has no pool: a new buffer.)
        let pooled = BODIES.try_with(|b| b.borrow_mut().pop()).ok().flatten();
        let mut body = pooled.unwrap_or_default();
        body.extend_from_slice(bytes);
        Body::Heap(body)
    }

    /// The body, leaving an empty one in its place.
    pub(crate) fn take(&mut self) -> Body {
        std::mem::replace(
            self,
            Body::Inline {
                len: 0,
                bytes: [0; BODY_INLINE],
            },
        )
    }

    /// Done with: a buffer goes back to this thread's pool.
    pub(crate) fn recycle(self) {
        let Body::Heap(mut body) = self else {
            return;
        };
        if body.capacity() <= BODY_POOL_MAX_BYTES {
            body.clear();
            let _ = BODIES.try_with(|b| {
                let mut b = b.borrow_mut();
                if b.len() < BODY_POOL_MAX {
                    b.push(body);
                }
            });
        }
    }
}

impl std::ops::Deref for Body {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Body::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Body::Heap(v) => v,
        }
    }
}

/// The descriptors of a message, boxed: most messages have none, and a queued message is
/// then two cache lines (`kmsg_layout` checks it), which a receiver on another core
/// fetches from the sender.
#[derive(Debug, Default)]
#[expect(
    clippy::box_collection,
    reason = "one pointer in the message where a Vec takes three"
)]
pub(crate) struct Descs(Option<Box<Vec<KDesc>>>);

impl Descs {
    /// Adds a descriptor at the end.
    pub(crate) fn push(&mut self, d: KDesc) {
        self.0.get_or_insert_default().push(d);
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }

    /// The descriptors, in message order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, KDesc> {
        self.0.as_deref().map_or(&[][..], Vec::as_slice).iter()
    }
}

impl IntoIterator for Descs {
    type Item = KDesc;
    type IntoIter = std::vec::IntoIter<KDesc>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.map_or_else(Vec::new, |b| *b).into_iter()
    }
}

/// A message in transit. Aligned to a cache line and two lines long, so a queued message
/// takes two whole lines of its queue's buffer.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct Kmsg {
    /// `msgh_bits` without the port dispositions.
    pub bits: u32,
    pub remote: Carried,
    /// The type name of `remote` as the receiver sees it.
    pub remote_type: mach_msg_type_name_t,
    pub local: Carried,
    pub local_type: mach_msg_type_name_t,
    pub id: mach_msg_id_t,
    /// The bytes after the header, as sent (descriptors are rewritten on receive).
    pub body: Body,
    pub descs: Descs,
    pub sender: Sender,
    /// Enqueue order across the ports of a set, for fair receives from port sets.
    pub order: u64,
    /// `msgh_voucher_port` of a message sent without a voucher disposition: delivered as is.
    pub voucher_name: mach_port_name_t,
}

impl Kmsg {
    /// A kernel notification: the message `msg` (one of [`crate::wire`]'s notification
    /// structs) sent to the send-once right `notify`.
    fn notification(notify: PortRef, msg: &[u8]) -> Kmsg {
        let head = MachMsgHeader::read(msg).unwrap_or_default();
        Kmsg {
            bits: head.msgh_bits & !MACH_MSGH_BITS_PORTS_MASK,
            remote: Carried::SendOnce(notify),
            remote_type: MACH_MSG_TYPE_PORT_SEND_ONCE,
            local: Carried::Null,
            local_type: 0,
            id: head.msgh_id,
            body: Body::copy_of(msg.get(HEADER_SIZE..).unwrap_or_default()),
            descs: Descs::default(),
            sender: Sender::KERNEL,
            order: 0,
            voucher_name: 0,
        }
    }

    /// `MACH_NOTIFY_NO_SENDERS` with the make-send count.
    pub(crate) fn no_senders(notify: PortRef, mscount: u32) -> Kmsg {
        Kmsg::notification(
            notify,
            MachNoSendersNotification::new(0, mscount).as_bytes(),
        )
    }

    /// `MACH_NOTIFY_DEAD_NAME` for `name`.
    pub(crate) fn dead_name(notify: PortRef, name: mach_port_name_t) -> Kmsg {
        Kmsg::notification(notify, MachDeadNameNotification::new(0, name).as_bytes())
    }

    /// `MACH_NOTIFY_PORT_DELETED` for `name`.
    pub(crate) fn port_deleted(notify: PortRef, name: mach_port_name_t) -> Kmsg {
        Kmsg::notification(notify, MachPortDeletedNotification::new(0, name).as_bytes())
    }

    /// `MACH_NOTIFY_SEND_POSSIBLE` for `name`.
    pub(crate) fn send_possible(notify: PortRef, name: mach_port_name_t) -> Kmsg {
        Kmsg::notification(
            notify,
            MachSendPossibleNotification::new(0, name).as_bytes(),
        )
    }

    /// `MACH_NOTIFY_SEND_ONCE`: the send-once right `so` was destroyed unused, and carries
    /// the notification to its own port.
    pub(crate) fn send_once(so: PortRef) -> Kmsg {
        Kmsg::notification(so, MachSendOnceNotification::new(0).as_bytes())
    }

    /// `MACH_NOTIFY_PORT_DESTROYED`: the receive right of `port` goes to `notify`.
    pub(crate) fn port_destroyed(notify: PortRef, port: PortRef) -> Kmsg {
        let msg = MachPortDestroyedNotification::new(0, MACH_PORT_NULL);
        let mut k = Kmsg::notification(notify, msg.as_bytes());
        // The name is written when the message is received.
        k.descs.push(KDesc::Port {
            at: size_of::<crate::wire::MachMsgBody>(),
            right: Carried::Receive(port),
            type_name: MACH_MSG_TYPE_PORT_RECEIVE,
            guarded: None,
        });
        k
    }

    /// Every right the message holds, moved out onto `work` for release.
    pub(crate) fn release_into(self, work: &mut Vec<Carried>) {
        work.push(self.remote);
        work.push(self.local);
        for d in self.descs {
            match d {
                KDesc::Port { right, .. } => work.push(right),
                KDesc::OolPorts { rights, .. } => work.extend(rights),
                KDesc::Ool { .. } => {}
            }
        }
    }

    /// The ports whose receive rights the message carries.
    pub(crate) fn receive_rights(&self) -> impl Iterator<Item = &PortRef> + '_ {
        self.descs.iter().flat_map(|d| {
            let rights: &[Carried] = match d {
                KDesc::Port { right, .. } => std::slice::from_ref(right),
                KDesc::OolPorts { rights, .. } => rights,
                KDesc::Ool { .. } => &[],
            };
            rights.iter().filter_map(|r| match r {
                Carried::Receive(p) => Some(p),
                _ => None,
            })
        })
    }

    /// `msgh_size` as the kernel holds the message (what `mach_port_peek` reports): the
    /// kernel's header is 8 bytes longer and each plain port descriptor 4 (16 bytes against
    /// 12), as xnu-7195.141.2 (`LEGACY_HEADER_SIZE_DELTA`, `ipc_kmsg_copyin_body`) grows them.
    pub(crate) fn kernel_size(&self) -> usize {
        const HEADER_GROWTH: usize = 8;
        const PORT_DESCRIPTOR_GROWTH: usize = 4;
        let port_descs = self
            .descs
            .iter()
            .filter(|d| matches!(d, KDesc::Port { guarded: None, .. }))
            .count();
        self.size_for(true) + HEADER_GROWTH + port_descs * PORT_DESCRIPTOR_GROWTH
    }

    /// `msgh_size` as a receiver sees it: without `guarded_ok` (`MACH_RCV_GUARDED_DESC`)
    /// every 16-byte guarded port descriptor arrives as a 12-byte port descriptor.
    pub(crate) fn size_for(&self, guarded_ok: bool) -> usize {
        let shrink = if guarded_ok {
            0
        } else {
            self.descs
                .iter()
                .filter(|d| {
                    matches!(
                        d,
                        KDesc::Port {
                            guarded: Some(_),
                            ..
                        }
                    )
                })
                .count()
                * (size_of::<MachMsgGuardedPortDescriptor64>() - size_of::<MachMsgPortDescriptor>())
        };
        HEADER_SIZE + self.body.len() - shrink
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmsg_layout() {
        // Two whole cache lines: a queue's buffer holds each message in two lines of its
        // own, and a 64-byte message (40 bytes of body) needs no buffer of its own.
        assert_eq!(size_of::<Kmsg>(), 128);
        assert_eq!(align_of::<Kmsg>(), 64);
        assert!(matches!(
            Body::copy_of(&[7; 40]),
            Body::Inline { len: 40, .. }
        ));
    }
}
