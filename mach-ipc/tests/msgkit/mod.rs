//! Helpers shared by the integration tests: building message bytes (XNU's 64-bit user
//! layout, written with `darling_mach_ipc::message` and the `wire` structs), sending and
//! receiving them, and reading a task's names and references.
#![allow(dead_code)]

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::{self, DESCRIPTORS_START, HEADER_SIZE, MessageWriter, Trailer};
use darling_mach_ipc::wire::{
    MachDeadNameNotification, MachMsgBody, MachMsgGuardedPortDescriptor64, MachMsgHeader,
    MachMsgOolDescriptor64, MachMsgOolPortsDescriptor64, MachMsgPortDescriptor,
    MachNoSendersNotification, MachPortDeletedNotification, MachPortDestroyedNotification,
    MachSendOnceNotification, MachSendPossibleNotification, NdrRecord,
};
use darling_mach_ipc::{KernReturn, Kernel, Task};
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// Short names for the dispositions, as the tests write them.
pub const COPY: u32 = MACH_MSG_TYPE_COPY_SEND;
pub const MOVE: u32 = MACH_MSG_TYPE_MOVE_SEND;
pub const MAKE: u32 = MACH_MSG_TYPE_MAKE_SEND;
pub const MAKE_SO: u32 = MACH_MSG_TYPE_MAKE_SEND_ONCE;
pub const MOVE_SO: u32 = MACH_MSG_TYPE_MOVE_SEND_ONCE;
pub const MOVE_RECV: u32 = MACH_MSG_TYPE_MOVE_RECEIVE;

/// A kernel with one task.
pub fn setup() -> (Kernel, Task) {
    let k = Kernel::new();
    let t = k.task_create(None);
    (k, t)
}

/// A new receive right in `t`.
pub fn recv_port(t: &Task) -> u32 {
    t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap()
}

/// `Err(KernReturn(code))`, for comparing results.
pub fn e<T>(code: i32) -> Result<T, KernReturn> {
    Err(KernReturn(code))
}

/// The `T` at byte offset `at` of `b` (panics if it does not fit).
pub fn at<T: FromBytes>(b: &[u8], at: usize) -> T {
    message::read(b, at).unwrap_or_else(|| panic!("{} bytes at {at}: past the end", size_of::<T>()))
}

/// A message being built: header fields, descriptors and inline data.
#[derive(Clone, Debug, Default)]
pub struct Msg {
    pub bits: u32,
    pub remote: u32,
    pub local: u32,
    pub voucher: u32,
    pub id: i32,
    /// Overrides the `msgh_size` written (the message's length otherwise).
    pub size: Option<u32>,
    /// Forces the complex bit and a descriptor count even with no descriptors.
    pub complex: bool,
    /// Overrides the descriptor count written after the header.
    pub count: Option<u32>,
    pub descs: Vec<u8>,
    pub ndescs: u32,
    pub data: Vec<u8>,
}

impl Msg {
    /// A message to `remote` with the given remote and local dispositions.
    pub fn new(remote: u32, rd: u32, local: u32, ld: u32) -> Msg {
        Msg {
            bits: MACH_MSGH_BITS(rd, ld),
            remote,
            local,
            id: 0x1234,
            ..Msg::default()
        }
    }

    pub fn id(mut self, id: i32) -> Msg {
        self.id = id;
        self
    }

    /// `msgh_size` written as `size` whatever the message's length.
    pub fn size(mut self, size: u32) -> Msg {
        self.size = Some(size);
        self
    }

    pub fn data(mut self, data: &[u8]) -> Msg {
        self.data = data.to_vec();
        self
    }

    /// One descriptor (a `wire` struct).
    pub fn descriptor(self, d: impl IntoBytes + Immutable) -> Msg {
        self.raw_desc(d.as_bytes())
    }

    /// A port descriptor.
    pub fn port(self, name: u32, disposition: u32) -> Msg {
        self.descriptor(MachMsgPortDescriptor::new(name, disposition))
    }

    /// An out-of-line memory descriptor.
    pub fn ool(self, address: u64, size: u32, deallocate: bool, copy: u32) -> Msg {
        self.descriptor(MachMsgOolDescriptor64::new(address, size, deallocate, copy))
    }

    /// An out-of-line ports descriptor.
    pub fn ool_ports(
        self,
        address: u64,
        count: u32,
        disposition: u32,
        deallocate: bool,
        copy: u32,
    ) -> Msg {
        self.descriptor(MachMsgOolPortsDescriptor64::new(
            address,
            count,
            deallocate,
            copy,
            disposition,
        ))
    }

    /// A guarded port descriptor.
    pub fn guarded(self, name: u32, disposition: u32, flags: u16, context: u64) -> Msg {
        self.descriptor(MachMsgGuardedPortDescriptor64::new(
            name,
            disposition,
            u32::from(flags),
            context,
        ))
    }

    /// Raw descriptor bytes (counted as one descriptor).
    pub fn raw_desc(mut self, bytes: &[u8]) -> Msg {
        self.descs.extend_from_slice(bytes);
        self.ndescs += 1;
        self
    }

    pub fn is_complex(&self) -> bool {
        self.complex || self.ndescs > 0 || self.count.is_some()
    }

    /// The message's bytes, padded to a multiple of 4.
    pub fn bytes(&self) -> Vec<u8> {
        let body = if self.is_complex() {
            size_of::<MachMsgBody>() + self.descs.len()
        } else {
            0
        };
        let mut b = vec![0u8; (HEADER_SIZE + body + self.data.len()).next_multiple_of(4)];
        let mut w = MessageWriter::new(&mut b);
        w.put(&MachMsgHeader {
            msgh_bits: self.bits,
            msgh_size: 0,
            msgh_remote_port: self.remote,
            msgh_local_port: self.local,
            msgh_voucher_port: self.voucher,
            msgh_id: self.id,
        })
        .unwrap();
        if self.is_complex() {
            w.body(self.count.unwrap_or(self.ndescs)).unwrap();
            w.bytes(&self.descs).unwrap();
        }
        w.bytes(&self.data).unwrap();
        w.pad().unwrap();
        let size = w.finish();
        w.set(4, &self.size.unwrap_or(size)).unwrap();
        b
    }

    /// Sends the message from `task` (no timeout); the buffer after the call is returned
    /// too (a pseudo-receive writes into it).
    pub fn send(&self, task: &Task) -> Result<(), KernReturn> {
        self.send_opts(task, MACH_SEND_MSG, 0).0
    }

    /// Sends with `option` and `timeout`, returning the result and the buffer.
    pub fn send_opts(
        &self,
        task: &Task,
        option: mach_msg_option_t,
        timeout: u32,
    ) -> (Result<(), KernReturn>, Vec<u8>) {
        let mut b = self.bytes();
        let size = b.len() as u32;
        let r = task.mach_msg(&mut b, option | MACH_SEND_MSG, size, 0, 0, timeout, 0);
        (r, b)
    }
}

/// Receives from `name` with a `size`-byte buffer and `option` (MACH_RCV_MSG added), not
/// waiting (RCV_TIMEOUT 0) unless `option` says otherwise.
pub fn recv_opts(
    task: &Task,
    name: u32,
    size: usize,
    option: mach_msg_option_t,
    timeout: u32,
) -> (Result<(), KernReturn>, Vec<u8>) {
    let mut b = vec![0xAAu8; size];
    let r = task.mach_msg(
        &mut b,
        option | MACH_RCV_MSG,
        0,
        size as u32,
        name,
        timeout,
        0,
    );
    (r, b)
}

/// Receives without waiting into a 1 KiB buffer with the minimum trailer; panics on error.
pub fn recv(task: &Task, name: u32) -> Vec<u8> {
    let (r, b) = recv_opts(task, name, 1024, MACH_RCV_TIMEOUT, 0);
    r.unwrap_or_else(|e| panic!("receive on {name:#x}: {e}"));
    b
}

/// Tries to receive without waiting; the error if there is none.
pub fn try_recv(task: &Task, name: u32) -> Result<Vec<u8>, KernReturn> {
    let (r, b) = recv_opts(task, name, 1024, MACH_RCV_TIMEOUT, 0);
    r.map(|()| b)
}

/// Whether `name`'s queue is empty (a poll times out).
pub fn empty(task: &Task, name: u32) -> bool {
    try_recv(task, name) == Err(KernReturn(MACH_RCV_TIMED_OUT))
}

/// A received message's header.
pub fn hdr(b: &[u8]) -> MachMsgHeader {
    MachMsgHeader::read(b).expect("a header")
}

/// The trailer after a received message (panics if there is none).
pub fn trailer(b: &[u8]) -> Trailer<'_> {
    Trailer::in_message(b).unwrap_or_else(|e| panic!("a trailer: {e}"))
}

/// A port descriptor of a received message at `at`: (name, disposition, type).
pub fn port_desc(b: &[u8], at: usize) -> (u32, u32, u32) {
    let d: MachMsgPortDescriptor = self::at(b, at);
    (d.name, d.disposition(), d.type_())
}

/// The descriptor count of a received complex message (its `mach_msg_body_t`).
pub fn descriptor_count(b: &[u8]) -> u32 {
    self::at::<MachMsgBody>(b, HEADER_SIZE).msgh_descriptor_count
}

/// The offset just past the first `n` descriptors of a complex message when they are all
/// port descriptors: where descriptor `n` (counted from 0), or the inline data after them,
/// starts.
pub fn after_port_descs(n: usize) -> usize {
    DESCRIPTORS_START + n * size_of::<MachMsgPortDescriptor>()
}

/// The size (`msgh_size`) of the kernel's notification `id`: that of its `wire` struct.
pub fn notification_size(id: i32) -> usize {
    match id {
        MACH_NOTIFY_PORT_DELETED => size_of::<MachPortDeletedNotification>(),
        MACH_NOTIFY_SEND_POSSIBLE => size_of::<MachSendPossibleNotification>(),
        MACH_NOTIFY_PORT_DESTROYED => size_of::<MachPortDestroyedNotification>(),
        MACH_NOTIFY_NO_SENDERS => size_of::<MachNoSendersNotification>(),
        MACH_NOTIFY_SEND_ONCE => size_of::<MachSendOnceNotification>(),
        MACH_NOTIFY_DEAD_NAME => size_of::<MachDeadNameNotification>(),
        _ => panic!("{id} is no notification id"),
    }
}

/// The body of a received notification that is an NDR record and one word, read with the
/// `wire` struct its `msgh_id` names: the record, and the make-send count (no-senders) or
/// the name (dead-name, port-deleted, send-possible). Panics for any other message.
pub fn notification_body(b: &[u8]) -> (NdrRecord, u32) {
    /// The record and `$field` of the `$ty` at the start of `b`.
    macro_rules! read {
        ($ty:ty, $field:ident) => {{
            let n: $ty = at(b, 0);
            (n.ndr, n.$field)
        }};
    }
    match hdr(b).msgh_id {
        MACH_NOTIFY_NO_SENDERS => read!(MachNoSendersNotification, not_count),
        MACH_NOTIFY_DEAD_NAME => read!(MachDeadNameNotification, not_port),
        MACH_NOTIFY_PORT_DELETED => read!(MachPortDeletedNotification, not_port),
        MACH_NOTIFY_SEND_POSSIBLE => read!(MachSendPossibleNotification, not_port),
        id => panic!("message {id} is no notification with an NDR record and a word"),
    }
}

/// The word after the NDR record of a received notification: the make-send count of a
/// no-senders notification, the name of a dead-name, port-deleted or send-possible one
/// (see [`notification_body`]).
pub fn notification_word(b: &[u8]) -> u32 {
    notification_body(b).1
}

/// Every name of `task` with its type bits.
pub fn names(task: &Task) -> Vec<(u32, u32)> {
    task.mach_port_names().expect("mach_port_names")
}

/// `task`'s urefs of kind `right` under `name` (panics on error).
pub fn refs(task: &Task, name: u32, right: u32) -> u32 {
    task.mach_port_get_refs(name, right)
        .unwrap_or_else(|e| panic!("get_refs({name:#x}, {right}): {e}"))
}

pub fn ty(task: &Task, name: u32) -> Result<u32, KernReturn> {
    task.mach_port_type(name)
}

/// A new receive right with a send right under the same name.
pub fn port_with_send(task: &Task) -> u32 {
    let p = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    task.mach_port_insert_right(p, p, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    p
}

/// `mach_port_request_notification` for `id` on `name`, answered to a send-once right made
/// from the receive right `notify`; returns the previous notify right's name.
pub fn request(task: &Task, name: u32, id: i32, sync: u32, notify: u32) -> Result<u32, KernReturn> {
    task.mach_port_request_notification(name, id, sync, notify, MAKE_SO)
}

/// The `mach_port_status_t` of receive right `name`.
pub fn status(task: &Task, name: u32) -> [u32; 10] {
    let mut info = [0u32; 10];
    task.mach_port_get_attributes(name, MACH_PORT_RECEIVE_STATUS, &mut info)
        .unwrap();
    info
}

/// Fields of mach_port_status_t.
pub const ST_PSET: usize = 0;
pub const ST_SEQNO: usize = 1;
pub const ST_MSCOUNT: usize = 2;
pub const ST_QLIMIT: usize = 3;
pub const ST_MSGCOUNT: usize = 4;
pub const ST_SORIGHTS: usize = 5;
pub const ST_SRIGHTS: usize = 6;
pub const ST_PDREQUEST: usize = 7;
pub const ST_NSREQUEST: usize = 8;
pub const ST_FLAGS: usize = 9;

/// Moves a send right (`disposition` applied to `name` in `from`) to `to` in a message
/// sent to `to_port` (a send right in `from`, received by `to` on `to_rcv`); returns the
/// name the right got in `to`.
pub fn transfer(
    from: &Task,
    to_port_in_from: u32,
    name: u32,
    disposition: u32,
    to: &Task,
    to_rcv: u32,
) -> u32 {
    Msg::new(to_port_in_from, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .port(name, disposition)
        .send(from)
        .unwrap();
    let b = recv(to, to_rcv);
    port_desc(&b, DESCRIPTORS_START).0
}
