//! Helpers shared by the integration tests: building message bytes (XNU's 64-bit user
//! layout), sending and receiving them, and reading a task's names and references.
#![allow(dead_code)]

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{KernReturn, Task};

/// `Err(KernReturn(code))`, for comparing results.
pub fn e<T>(code: i32) -> Result<T, KernReturn> {
    Err(KernReturn(code))
}

pub fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
}

pub fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_ne_bytes(b[at..at + 8].try_into().unwrap())
}

pub fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

/// A message being built: header fields, descriptors and inline data.
#[derive(Clone, Debug, Default)]
pub struct Msg {
    pub bits: u32,
    pub remote: u32,
    pub local: u32,
    pub voucher: u32,
    pub id: i32,
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

    pub fn data(mut self, data: &[u8]) -> Msg {
        self.data = data.to_vec();
        self
    }

    /// A port descriptor.
    pub fn port(mut self, name: u32, disposition: u32) -> Msg {
        self.descs.extend_from_slice(&name.to_ne_bytes());
        self.descs.extend_from_slice(&[0; 6]);
        self.descs.push(disposition as u8);
        self.descs.push(MACH_MSG_PORT_DESCRIPTOR as u8);
        self.ndescs += 1;
        self
    }

    /// An out-of-line memory descriptor.
    pub fn ool(mut self, address: u64, size: u32, deallocate: bool, copy: u32) -> Msg {
        self.descs.extend_from_slice(&address.to_ne_bytes());
        self.descs.push(u8::from(deallocate));
        self.descs.push(copy as u8);
        self.descs.push(0);
        self.descs.push(MACH_MSG_OOL_DESCRIPTOR as u8);
        self.descs.extend_from_slice(&size.to_ne_bytes());
        self.ndescs += 1;
        self
    }

    /// An out-of-line ports descriptor.
    pub fn ool_ports(
        mut self,
        address: u64,
        count: u32,
        disposition: u32,
        deallocate: bool,
        copy: u32,
    ) -> Msg {
        self.descs.extend_from_slice(&address.to_ne_bytes());
        self.descs.push(u8::from(deallocate));
        self.descs.push(copy as u8);
        self.descs.push(disposition as u8);
        self.descs.push(MACH_MSG_OOL_PORTS_DESCRIPTOR as u8);
        self.descs.extend_from_slice(&count.to_ne_bytes());
        self.ndescs += 1;
        self
    }

    /// A guarded port descriptor.
    pub fn guarded(mut self, name: u32, disposition: u32, flags: u16, context: u64) -> Msg {
        self.descs.extend_from_slice(&context.to_ne_bytes());
        self.descs.extend_from_slice(&flags.to_ne_bytes());
        self.descs.push(disposition as u8);
        self.descs.push(MACH_MSG_GUARDED_PORT_DESCRIPTOR as u8);
        self.descs.extend_from_slice(&name.to_ne_bytes());
        self.ndescs += 1;
        self
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

    pub fn bytes(&self) -> Vec<u8> {
        let mut bits = self.bits;
        if self.is_complex() {
            bits |= MACH_MSGH_BITS_COMPLEX;
        }
        let mut b = Vec::new();
        b.extend_from_slice(&bits.to_ne_bytes());
        b.extend_from_slice(&0u32.to_ne_bytes());
        b.extend_from_slice(&self.remote.to_ne_bytes());
        b.extend_from_slice(&self.local.to_ne_bytes());
        b.extend_from_slice(&self.voucher.to_ne_bytes());
        b.extend_from_slice(&self.id.to_ne_bytes());
        if self.is_complex() {
            b.extend_from_slice(&self.count.unwrap_or(self.ndescs).to_ne_bytes());
            b.extend_from_slice(&self.descs);
        }
        b.extend_from_slice(&self.data);
        while b.len() % 4 != 0 {
            b.push(0);
        }
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

/// A received message's header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hdr {
    pub bits: u32,
    pub size: u32,
    pub remote: u32,
    pub local: u32,
    pub voucher: u32,
    pub id: i32,
}

pub fn hdr(b: &[u8]) -> Hdr {
    Hdr {
        bits: u32_at(b, 0),
        size: u32_at(b, 4),
        remote: u32_at(b, 8),
        local: u32_at(b, 12),
        voucher: u32_at(b, 16),
        id: u32_at(b, 20) as i32,
    }
}

/// A port descriptor of a received message at `at`: (name, disposition, type).
pub fn port_desc(b: &[u8], at: usize) -> (u32, u32, u32) {
    (u32_at(b, at), u32::from(b[at + 10]), u32::from(b[at + 11]))
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
    port_desc(&b, 28).0
}
