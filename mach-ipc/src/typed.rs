//! A typed layer over [`Task::mach_msg`]: right handles that release themselves, and messages
//! built and read without byte offsets.
//!
//! Each handle stands for one right of one task: a [`SendRight`] is one user reference (clone
//! it to add one, drop it to deallocate it), a [`ReceiveRight`] destroys its port when
//! dropped, a [`SendOnceRight`] is used up by sending with it (dropped unused, it sends the
//! port a send-once notification, as Mach does). A [`Message`] names the rights it carries
//! by handle: rights it copies or makes are borrowed, rights it moves are taken.
//!
//! ```
//! use std::time::Duration;
//! use darling_mach_ipc::typed::{Message, ReceiveRight, Received};
//! use darling_mach_ipc::Kernel;
//!
//! let kernel = Kernel::new();
//! let task = kernel.task_create(None);
//! let port = ReceiveRight::allocate(&task)?;
//! let send = port.make_send()?;
//! send.send(Message::new(7).data(b"hi").ool(vec![1, 2, 3]), None)?;
//! let got: Received = port.receive(Some(Duration::ZERO))?;
//! assert_eq!((got.id, &got.data[..2], &got.ool[0][..]), (7, &b"hi"[..], &[1, 2, 3][..]));
//! # Ok::<(), darling_mach_ipc::KernReturn>(())
//! ```

use std::time::Duration;

use crate::consts::*;
use crate::message::{Descriptor, Descriptors, HEADER_SIZE, MessageWriter, read};
use crate::task::Task;
use crate::wire::{
    MachMsgAuditTrailer, MachMsgHeader, MachMsgOolDescriptor64, MachMsgPortDescriptor,
};

/// A timeout for `mach_msg`: `None` waits forever, `Some(ZERO)` does not wait.
fn timeout_ms(t: Option<Duration>) -> (bool, u32) {
    match t {
        None => (false, MACH_MSG_TIMEOUT_NONE),
        Some(d) => (true, u32::try_from(d.as_millis()).unwrap_or(u32::MAX)),
    }
}

/// A receive right of a task. Dropping it destroys the port (senders see a dead name).
#[derive(Debug)]
pub struct ReceiveRight {
    task: Task,
    name: mach_port_name_t,
}

/// One user reference of a send right. Cloning adds a reference; dropping deallocates one.
#[derive(Debug)]
pub struct SendRight {
    task: Task,
    name: mach_port_name_t,
}

/// A send-once right. Sending with it uses it up; dropping it unused sends its port a
/// `MACH_NOTIFY_SEND_ONCE` notification.
#[derive(Debug)]
pub struct SendOnceRight {
    task: Task,
    name: mach_port_name_t,
}

/// A port set. Dropping it destroys the set (its members stay).
#[derive(Debug)]
pub struct PortSet {
    task: Task,
    name: mach_port_name_t,
}

macro_rules! handle_common {
    ($t:ty) => {
        impl $t {
            /// The right's name in its task.
            pub fn name(&self) -> mach_port_name_t {
                self.name
            }

            /// The task holding the right.
            pub fn task(&self) -> &Task {
                &self.task
            }

            /// Gives up the handle without releasing the right: the caller now owns it by
            /// name.
            pub fn into_name(self) -> mach_port_name_t {
                let name = self.name;
                std::mem::forget(self);
                name
            }

            /// Takes ownership of the right `name` of `task` (which must hold it: the handle
            /// releases it when dropped).
            pub fn from_name(task: &Task, name: mach_port_name_t) -> Self {
                Self {
                    task: task.clone(),
                    name,
                }
            }
        }
    };
}

handle_common!(ReceiveRight);
handle_common!(SendRight);
handle_common!(SendOnceRight);
handle_common!(PortSet);

impl Drop for ReceiveRight {
    fn drop(&mut self) {
        let _ = self
            .task
            .mach_port_mod_refs(self.name, MACH_PORT_RIGHT_RECEIVE, -1);
    }
}

impl Drop for SendRight {
    fn drop(&mut self) {
        let _ = self.task.mach_port_deallocate(self.name);
    }
}

impl Drop for SendOnceRight {
    fn drop(&mut self) {
        let _ = self.task.mach_port_deallocate(self.name);
    }
}

impl Drop for PortSet {
    fn drop(&mut self) {
        let _ = self
            .task
            .mach_port_mod_refs(self.name, MACH_PORT_RIGHT_PORT_SET, -1);
    }
}

impl Clone for SendRight {
    /// Adds one user reference to the same name (saturating at `MACH_PORT_UREFS_MAX`).
    fn clone(&self) -> Self {
        let _ = self
            .task
            .mach_port_mod_refs(self.name, MACH_PORT_RIGHT_SEND, 1);
        SendRight {
            task: self.task.clone(),
            name: self.name,
        }
    }
}

impl ReceiveRight {
    /// A new port of `task`.
    ///
    /// # Errors
    /// As `mach_port_allocate`.
    pub fn allocate(task: &Task) -> Result<ReceiveRight, KernReturn> {
        let name = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        Ok(ReceiveRight {
            task: task.clone(),
            name,
        })
    }

    /// A send right made from this receive right (same name, one more user reference).
    ///
    /// # Errors
    /// As `mach_port_insert_right`.
    pub fn make_send(&self) -> Result<SendRight, KernReturn> {
        self.task
            .mach_port_insert_right(self.name, self.name, MACH_MSG_TYPE_MAKE_SEND)?;
        Ok(SendRight {
            task: self.task.clone(),
            name: self.name,
        })
    }

    /// A send-once right made from this receive right (a new name).
    ///
    /// # Errors
    /// As `mach_port_extract_right`.
    pub fn make_send_once(&self) -> Result<SendOnceRight, KernReturn> {
        let (name, _) = self.task.mach_port_extract_right(
            self.name,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
            &self.task,
        )?;
        Ok(SendOnceRight {
            task: self.task.clone(),
            name,
        })
    }

    /// Receives a message (any size; `None` waits forever).
    ///
    /// # Errors
    /// `MACH_RCV_TIMED_OUT`, `MACH_RCV_PORT_CHANGED` and the other receive codes.
    pub fn receive(&self, timeout: Option<Duration>) -> Result<Received, KernReturn> {
        receive(&self.task, self.name, timeout)
    }

    /// Arms a no-senders notification to `notify` (fires when no send rights are left and at
    /// least `sync` were ever made).
    ///
    /// # Errors
    /// As `mach_port_request_notification`.
    pub fn request_no_senders(&self, notify: &ReceiveRight, sync: u32) -> Result<(), KernReturn> {
        request(&self.task, self.name, MACH_NOTIFY_NO_SENDERS, sync, notify)
    }
}

impl SendRight {
    /// Sends `message` with a copy of this right (the handle stays).
    ///
    /// # Errors
    /// The `MACH_SEND_*` codes; a message that could not be queued in time
    /// (`MACH_SEND_TIMED_OUT`) is destroyed, its rights released.
    pub fn send(&self, message: Message<'_>, timeout: Option<Duration>) -> Result<(), KernReturn> {
        send(
            &self.task,
            self.name,
            MACH_MSG_TYPE_COPY_SEND,
            message,
            timeout,
        )
    }

    /// Arms a dead-name notification to `notify` for when this right's port dies.
    ///
    /// # Errors
    /// As `mach_port_request_notification`.
    pub fn request_dead_name(&self, notify: &ReceiveRight) -> Result<(), KernReturn> {
        request(&self.task, self.name, MACH_NOTIFY_DEAD_NAME, 0, notify)
    }
}

impl SendOnceRight {
    /// Sends `message` with this right, using it up.
    ///
    /// # Errors
    /// As [`SendRight::send`].
    pub fn send(self, message: Message<'_>, timeout: Option<Duration>) -> Result<(), KernReturn> {
        let task = self.task.clone();
        let name = self.into_name();
        send(&task, name, MACH_MSG_TYPE_MOVE_SEND_ONCE, message, timeout)
    }
}

impl PortSet {
    /// A new, empty port set of `task`.
    ///
    /// # Errors
    /// As `mach_port_allocate`.
    pub fn allocate(task: &Task) -> Result<PortSet, KernReturn> {
        let name = task.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET)?;
        Ok(PortSet {
            task: task.clone(),
            name,
        })
    }

    /// Adds `port` to the set.
    ///
    /// # Errors
    /// As `mach_port_insert_member`.
    pub fn insert(&self, port: &ReceiveRight) -> Result<(), KernReturn> {
        self.task.mach_port_insert_member(port.name, self.name)
    }

    /// Takes `port` out of the set.
    ///
    /// # Errors
    /// As `mach_port_extract_member`.
    pub fn remove(&self, port: &ReceiveRight) -> Result<(), KernReturn> {
        self.task.mach_port_extract_member(port.name, self.name)
    }

    /// Receives a message from any member ([`Received::local`] names it).
    ///
    /// # Errors
    /// As [`ReceiveRight::receive`].
    pub fn receive(&self, timeout: Option<Duration>) -> Result<Received, KernReturn> {
        receive(&self.task, self.name, timeout)
    }
}

/// Arms notification `msgid` on `name` to a send-once right made from `notify`; the request
/// it replaces (a send-once right) is released.
fn request(
    task: &Task,
    name: mach_port_name_t,
    msgid: mach_msg_id_t,
    sync: u32,
    notify: &ReceiveRight,
) -> Result<(), KernReturn> {
    let previous = task.mach_port_request_notification(
        name,
        msgid,
        sync,
        notify.name,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )?;
    if previous != MACH_PORT_NULL {
        drop(SendOnceRight::from_name(task, previous));
    }
    Ok(())
}

/// One part of a message's body.
#[derive(Debug)]
enum Part<'a> {
    Port(
        mach_port_name_t,
        mach_msg_type_name_t,
        std::marker::PhantomData<&'a ()>,
    ),
    Ool(Vec<u8>),
}

/// A message to send: an id, rights, out-of-line memory and inline data.
#[derive(Debug, Default)]
pub struct Message<'a> {
    id: mach_msg_id_t,
    data: Vec<u8>,
    parts: Vec<Part<'a>>,
    reply: Option<(mach_port_name_t, mach_msg_type_name_t)>,
}

impl<'a> Message<'a> {
    /// An empty message with id `id`.
    pub fn new(id: mach_msg_id_t) -> Message<'a> {
        Message {
            id,
            ..Message::default()
        }
    }

    /// Appends inline data (padded to 4 bytes when sent).
    pub fn data(mut self, bytes: &[u8]) -> Self {
        self.data.extend_from_slice(bytes);
        self
    }

    fn port(mut self, name: mach_port_name_t, disposition: mach_msg_type_name_t) -> Self {
        self.parts
            .push(Part::Port(name, disposition, std::marker::PhantomData));
        self
    }

    /// Carries a copy of a send right.
    pub fn copy_send(self, right: &'a SendRight) -> Self {
        self.port(right.name, MACH_MSG_TYPE_COPY_SEND)
    }

    /// Carries a send right, given up.
    pub fn move_send(self, right: SendRight) -> Self {
        let name = right.into_name();
        self.port(name, MACH_MSG_TYPE_MOVE_SEND)
    }

    /// Carries a send right made from a receive right.
    pub fn make_send(self, right: &'a ReceiveRight) -> Self {
        self.port(right.name, MACH_MSG_TYPE_MAKE_SEND)
    }

    /// Carries a send-once right made from a receive right.
    pub fn make_send_once(self, right: &'a ReceiveRight) -> Self {
        self.port(right.name, MACH_MSG_TYPE_MAKE_SEND_ONCE)
    }

    /// Carries a send-once right, given up.
    pub fn move_send_once(self, right: SendOnceRight) -> Self {
        let name = right.into_name();
        self.port(name, MACH_MSG_TYPE_MOVE_SEND_ONCE)
    }

    /// Carries a receive right, given up.
    pub fn move_receive(self, right: ReceiveRight) -> Self {
        let name = right.into_name();
        self.port(name, MACH_MSG_TYPE_MOVE_RECEIVE)
    }

    /// Carries out-of-line memory.
    pub fn ool(mut self, bytes: Vec<u8>) -> Self {
        self.parts.push(Part::Ool(bytes));
        self
    }

    /// Asks for a reply: a send-once right made from `port` goes as the reply port.
    pub fn reply_to(mut self, port: &'a ReceiveRight) -> Self {
        self.reply = Some((port.name, MACH_MSG_TYPE_MAKE_SEND_ONCE));
        self
    }
}

fn send(
    task: &Task,
    dest: mach_port_name_t,
    disposition: mach_msg_type_name_t,
    m: Message<'_>,
    timeout: Option<Duration>,
) -> Result<(), KernReturn> {
    let (reply, reply_disposition) = m.reply.unwrap_or((MACH_PORT_NULL, 0));
    let complex = !m.parts.is_empty();
    // Room for the header, the count, the largest descriptors and the data rounded up.
    let room = HEADER_SIZE + 4 + 16 * m.parts.len() + m.data.len() + 3;
    let mut b = vec![0u8; room];
    let mut w = MessageWriter::new(&mut b);
    let built = (|| {
        w.header(
            MACH_MSGH_BITS(disposition, reply_disposition),
            dest,
            reply,
            m.id,
        )?;
        if complex {
            w.body(m.parts.len() as u32)?;
        }
        for part in m.parts {
            match part {
                Part::Port(name, d, _) => w.put(&MachMsgPortDescriptor::new(name, d))?,
                Part::Ool(data) => {
                    let size = data.len() as u32;
                    // The memory moves from the sender's space into the message.
                    let address = if data.is_empty() {
                        0
                    } else {
                        task.vm_allocate(data)
                    };
                    w.put(&MachMsgOolDescriptor64::new(
                        address,
                        size,
                        true,
                        MACH_MSG_VIRTUAL_COPY,
                    ))?;
                }
            }
        }
        w.bytes(&m.data)?;
        w.pad()?;
        Ok::<_, crate::message::MessageError>(w.finish())
    })();
    let size = built.or(Err(KernReturn(MACH_SEND_MSG_TOO_SMALL)))?;
    let (has_timeout, ms) = timeout_ms(timeout);
    let option = MACH_SEND_MSG | if has_timeout { MACH_SEND_TIMEOUT } else { 0 };
    match task.mach_msg(&mut b, option, size, 0, MACH_PORT_NULL, ms, MACH_PORT_NULL) {
        Ok(()) => Ok(()),
        Err(e) => {
            if matches!(
                e.0,
                MACH_SEND_TIMED_OUT | MACH_SEND_NO_BUFFER | MACH_SEND_INTERRUPTED
            ) {
                // The message came back with its rights in our space: release them.
                drop(parse(task, &b, false));
            }
            Err(e)
        }
    }
}

/// A right that came in a message.
#[derive(Debug)]
pub enum ReceivedRight {
    /// A receive right.
    Receive(ReceiveRight),
    /// A send right (one user reference).
    Send(SendRight),
    /// A send-once right.
    SendOnce(SendOnceRight),
    /// `MACH_PORT_NULL`.
    Null,
    /// `MACH_PORT_DEAD`: the right's port had died.
    Dead,
}

impl ReceivedRight {
    fn new(task: &Task, name: mach_port_name_t, type_name: mach_msg_type_name_t) -> Self {
        match name {
            MACH_PORT_NULL => ReceivedRight::Null,
            MACH_PORT_DEAD => ReceivedRight::Dead,
            _ => match type_name {
                MACH_MSG_TYPE_PORT_RECEIVE => {
                    ReceivedRight::Receive(ReceiveRight::from_name(task, name))
                }
                MACH_MSG_TYPE_PORT_SEND_ONCE => {
                    ReceivedRight::SendOnce(SendOnceRight::from_name(task, name))
                }
                _ => ReceivedRight::Send(SendRight::from_name(task, name)),
            },
        }
    }
}

/// A received message, its rights in handles and its memory copied out.
#[derive(Debug)]
pub struct Received {
    /// `msgh_id`.
    pub id: mach_msg_id_t,
    /// The receiver's name of the port the message came to (a member, for a set).
    pub local: mach_port_name_t,
    /// The reply right, if the sender gave one.
    pub reply: ReceivedRight,
    /// The rights of the port and out-of-line-ports descriptors, in order.
    pub ports: Vec<ReceivedRight>,
    /// The out-of-line memory, in order.
    pub ool: Vec<Vec<u8>>,
    /// The inline data after the descriptors (as sent, padded to 4 bytes).
    pub data: Vec<u8>,
    /// The message's sequence number on its port.
    pub seqno: u32,
    /// The sender's process id (from the audit token; 0 for the kernel).
    pub sender_pid: u32,
}

fn receive(
    task: &Task,
    name: mach_port_name_t,
    timeout: Option<Duration>,
) -> Result<Received, KernReturn> {
    let (has_timeout, ms) = timeout_ms(timeout);
    let option = MACH_RCV_MSG
        | MACH_RCV_LARGE
        | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT)
        | if has_timeout { MACH_RCV_TIMEOUT } else { 0 };
    let trailer = REQUESTED_TRAILER_SIZE(option) as usize;
    let mut buf = vec![0u8; 1024];
    loop {
        let size = buf.len() as u32;
        match task.mach_msg(&mut buf, option, 0, size, name, ms, MACH_PORT_NULL) {
            Ok(()) => return Ok(parse(task, &buf, true)),
            Err(KernReturn(MACH_RCV_TOO_LARGE)) => {
                let needed =
                    MachMsgHeader::read(&buf).map_or(0, |h| h.msgh_size as usize) + trailer;
                buf.resize(needed.max(buf.len() * 2), 0);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reads a message in `buf` (received, or given back by a failed send when `!received`:
/// then the header is not swapped and there is no trailer).
fn parse(task: &Task, buf: &[u8], received: bool) -> Received {
    let h = MachMsgHeader::read(buf).unwrap_or_default();
    let size = (h.msgh_size as usize).min(buf.len());
    let (reply_name, reply_type, local) = if received {
        (
            h.msgh_remote_port,
            h.remote_disposition(),
            h.msgh_local_port,
        )
    } else {
        // Given back: the destination right is at remote, the reply at local.
        drop(ReceivedRight::new(
            task,
            h.msgh_remote_port,
            h.remote_disposition(),
        ));
        (h.msgh_local_port, h.local_disposition(), MACH_PORT_NULL)
    };
    let mut out = Received {
        id: h.msgh_id,
        local,
        reply: ReceivedRight::new(task, reply_name, reply_type),
        ports: Vec::new(),
        ool: Vec::new(),
        data: Vec::new(),
        seqno: 0,
        sender_pid: 0,
    };
    let msg = &buf[..size];
    let mut at = HEADER_SIZE;
    for d in Descriptors::in_message(msg) {
        let Ok((offset, d)) = d else { break };
        at = offset + Descriptor::walk_size(d.type_());
        match d {
            Descriptor::Port(p) => {
                out.ports
                    .push(ReceivedRight::new(task, p.name, p.disposition()))
            }
            Descriptor::GuardedPort(g) => {
                out.ports
                    .push(ReceivedRight::new(task, g.name, g.disposition()))
            }
            Descriptor::OolPorts(o) => {
                let names = task
                    .vm_read(o.address, u64::from(o.count) * 4)
                    .unwrap_or_default();
                let _ = task.vm_deallocate(o.address);
                for i in 0..o.count as usize {
                    let name = read::<u32>(&names, i * 4).unwrap_or(MACH_PORT_NULL);
                    out.ports
                        .push(ReceivedRight::new(task, name, o.disposition()));
                }
            }
            Descriptor::Ool(o) => {
                out.ool
                    .push(task.vm_read(o.address, o.size.into()).unwrap_or_default());
                let _ = task.vm_deallocate(o.address);
            }
            Descriptor::Unknown(_) => {}
        }
    }
    if h.is_complex() && at == HEADER_SIZE {
        at = crate::message::DESCRIPTORS_START;
    }
    out.data = buf.get(at.min(size)..size).unwrap_or_default().to_vec();
    if received && let Some(t) = read::<MachMsgAuditTrailer>(buf, size) {
        out.seqno = t.msgh_seqno;
        out.sender_pid = t.msgh_audit.val[5];
    }
    out
}
