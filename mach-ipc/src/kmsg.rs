//! Messages in transit: the rights and memory a message carries between being sent and being
//! received.
//!
//! A sent message keeps its bytes as the sender wrote them (header fields that name ports
//! are filled in again on receive), and holds its rights as [`Carried`] values, each owning
//! one reference to its port and one count of its kind of right. Whoever ends up with the
//! message either copies the rights out into a space or releases them.

use zerocopy::IntoBytes;

use crate::consts::*;
use crate::state::PortId;
use crate::wire::MachMsgPortDescriptor;

/// A right held outside any space: in a message, a notification request or a kernel slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carried {
    /// `MACH_PORT_NULL`: no right.
    Null,
    /// `MACH_PORT_DEAD`: a right that was dead when sent.
    Dead,
    Receive(PortId),
    Send(PortId),
    SendOnce(PortId),
}

/// What the sender of a message is, for the trailer: the kernel, or a task by process id.
/// (Kept small: every queued message carries one.)
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
        /// Sent in a guarded port descriptor.
        guarded: bool,
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

/// A message in transit.
#[derive(Debug)]
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
    pub body: Vec<u8>,
    pub descs: Vec<KDesc>,
    pub sender: Sender,
    /// Enqueue order across all ports, for fair receives from port sets.
    pub order: u64,
    /// `msgh_voucher_port` of a message sent without a voucher disposition: delivered as is.
    pub voucher_name: mach_port_name_t,
}

impl Kmsg {
    /// A kernel notification `id` with `body` (after the header), sent to the send-once right
    /// `remote`.
    pub(crate) fn notification(remote: Carried, id: mach_msg_id_t, body: Vec<u8>) -> Kmsg {
        Kmsg {
            bits: 0,
            remote,
            remote_type: MACH_MSG_TYPE_PORT_SEND_ONCE,
            local: Carried::Null,
            local_type: 0,
            id,
            body,
            descs: Vec::new(),
            sender: Sender::KERNEL,
            order: 0,
            voucher_name: 0,
        }
    }

    /// The port-destroyed notification: the receive right of `port` goes to `notify`.
    pub(crate) fn port_destroyed(notify: PortId, port: PortId) -> Kmsg {
        let mut body = 1u32.to_ne_bytes().to_vec();
        // The name is written when the message is received.
        let descriptor = MachMsgPortDescriptor::new(MACH_PORT_NULL, MACH_MSG_TYPE_MOVE_RECEIVE);
        body.extend_from_slice(descriptor.as_bytes());
        let mut k = Kmsg::notification(Carried::SendOnce(notify), MACH_NOTIFY_PORT_DESTROYED, body);
        k.bits = MACH_MSGH_BITS_COMPLEX;
        k.descs.push(KDesc::Port {
            at: 4,
            right: Carried::Receive(port),
            type_name: MACH_MSG_TYPE_PORT_RECEIVE,
            guarded: false,
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
    pub(crate) fn receive_rights(&self) -> impl Iterator<Item = PortId> + '_ {
        self.descs.iter().flat_map(|d| {
            let rights: &[Carried] = match d {
                KDesc::Port { right, .. } => std::slice::from_ref(right),
                KDesc::OolPorts { rights, .. } => rights,
                KDesc::Ool { .. } => &[],
            };
            rights.iter().filter_map(|r| match r {
                Carried::Receive(p) => Some(*p),
                _ => None,
            })
        })
    }

    /// `msgh_size` as the receiver sees it.
    pub(crate) fn size(&self) -> usize {
        size_of::<crate::wire::MachMsgHeader>() + self.body.len()
    }

    /// `msgh_size` as a receiver sees it: without `guarded_ok` (`MACH_RCV_GUARDED_DESC`)
    /// every 16-byte guarded port descriptor arrives as a 12-byte port descriptor.
    pub(crate) fn size_for(&self, guarded_ok: bool) -> usize {
        let guarded = if guarded_ok {
            0
        } else {
            self.descs
                .iter()
                .filter(|d| matches!(d, KDesc::Port { guarded: true, .. }))
                .count()
        };
        self.size() - 4 * guarded
    }
}
