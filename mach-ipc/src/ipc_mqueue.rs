//! A message leaving a port's queue (XNU's `ipc_mqueue.c`): what a receive does to the port
//! when it takes a message, and direct handoff, where a send gives its message straight to
//! a receiver that is already waiting instead of queueing it.
//!
//! Handoff is XNU's `ipc_mqueue_post` (xnu-7195.141.2, and alike in later releases) finding
//! a thread waiting in `ipc_mqueue_receive`: the sender takes the message off as that
//! receive would (the sequence number, the destination right counted off, send-possible
//! requests fired) and hands it to the thread, which then copies it out without looking at
//! the port again. XNU hands over any message, and one too large for the thread's buffer
//! with `MACH_RCV_TOO_LARGE` as its status; here only simple messages that fit are handed
//! over, and the others queue, where the woken receiver finds them and fails the same way:
//! nothing a task sees differs. Here a receiver about to wait on a port
//! whose queue is empty arms the port with its thread's [`Mailbox`]; the next simple send
//! (see `Task::send_simple`) that finds the port armed, its queue empty and the message
//! small enough for the receiver's buffer puts the message in the mailbox and disarms the
//! port. The receiver never takes the port's lock for that message: the lock's cache line,
//! the queue's lines and the port's activity counter stay on the sender's core, and only
//! the mailbox's lines move.
//!
//! The rules that keep a handed-off message from going astray:
//! - a port is armed only while its receive right stays where it was: every change of
//!   receiver disarms it ([`Port::set_receiver`]);
//! - a receiver that stops waiting (a message arrived by another way, a deadline, the port
//!   changed, or it goes to sleep) first disarms the port under its lock, then looks in its
//!   mailbox: a message handed off before that is its own, and is delivered;
//! - a port in a port set is never handed from (its sets' receivers must see the message),
//!   nor is a message that would not fit, which waits in the queue for the receive to find
//!   it too large, as without handoff.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver as MailboxRx, SyncSender, TrySendError, sync_channel};

use crate::consts::*;
use crate::ipc_kmsg::Kmsg;
use crate::ipc_notify::Deferred;
use crate::ipc_object::release_send_locked;
use crate::ipc_port::{Port, PortObj, Receiver};

/// A message taken off a port by a receive (or handed to one), with what the receive learnt
/// from the port at that moment.
#[derive(Debug)]
pub(crate) struct Taken {
    pub k: Kmsg,
    pub seqno: u32,
    pub context: u64,
    pub dest_name: mach_port_name_t,
    /// Too large for the buffer (without `MACH_RCV_LARGE`): destroyed, a bare header given.
    pub too_large: bool,
}

/// What taking a message off the locked port does to it, besides the sequence number: the
/// destination right the message carried (`remote_type`) is used up, which may leave no
/// senders, and every armed send-possible request fires (xnu-7195 `ipc_kmsg_copyout_header`
/// releasing the destination right, and calling `ipc_port_spnotify`).
pub(crate) fn count_off_delivered(
    port: &mut Port,
    remote_type: mach_msg_type_name_t,
    d: &mut Deferred,
) {
    match remote_type {
        MACH_MSG_TYPE_PORT_SEND => release_send_locked(port, d),
        MACH_MSG_TYPE_PORT_SEND_ONCE => port.sorights = port.sorights.saturating_sub(1),
        _ => {}
    }
    port.spnotify(d);
}

/// Takes the first message off the locked port `p`, with its sequence number; a sender
/// waiting for room in the queue is woken.
pub(crate) fn dequeue(p: &PortObj, port: &mut Port) -> Option<(Kmsg, u32)> {
    let k = port.queue.pop_front()?;
    let seqno = port.seqno;
    port.seqno = seqno.wrapping_add(1);
    if port.send_waiters > 0 {
        p.send_cv.notify_one();
    }
    Some((k, seqno))
}

/// A port's handoff registration: the thread whose mailbox takes the next message while the
/// port is armed ([`Port::handoff_room`] non-zero).
#[derive(Debug)]
pub(crate) struct Handoff {
    owner: u64,
    tx: SyncSender<Taken>,
}

/// A thread's mailbox for messages handed to it while it waits: a channel of one message,
/// which the thread alone reads.
pub(crate) struct Mailbox {
    id: u64,
    tx: SyncSender<Taken>,
    rx: MailboxRx<Taken>,
}

thread_local! {
    static MAILBOX: Mailbox = Mailbox::new();
}

/// Mailbox ids (0 is none).
static NEXT_MAILBOX: AtomicU64 = AtomicU64::new(1);

impl Mailbox {
    fn new() -> Mailbox {
        let (tx, rx) = sync_channel(1);
        Mailbox {
            id: NEXT_MAILBOX.fetch_add(1, Ordering::Relaxed),
            tx,
            rx,
        }
    }

    /// Runs `f` with the calling thread's mailbox; `None` if the thread has none any more
    /// (a receive made while the thread's locals are being destroyed, which then waits
    /// without arming its port).
    pub(crate) fn with<R>(f: impl FnOnce(&Mailbox) -> R) -> Option<R> {
        MAILBOX.try_with(f).ok()
    }

    /// Arms the locked port with this mailbox, for messages of up to `room` bytes (header and
    /// body, as `Kmsg::size_for` counts them). Returns false, leaving the port as it is, if
    /// it cannot be: it is in a port set, another thread's mailbox has it armed, or nothing
    /// fits.
    pub(crate) fn arm(&self, port: &mut Port, room: u32) -> bool {
        if !port.psets.is_empty()
            || port.handoff_room != 0
            || room < crate::message::HEADER_SIZE as u32
            || !matches!(port.receiver, Receiver::Task(..))
        {
            return false;
        }
        if port.handoff.as_ref().is_none_or(|h| h.owner != self.id) {
            port.handoff = Some(Handoff {
                owner: self.id,
                tx: self.tx.clone(),
            });
        }
        port.handoff_room = room;
        true
    }

    /// Disarms the locked port if this mailbox has it armed.
    pub(crate) fn disarm(&self, port: &mut Port) {
        if port.handoff.as_ref().is_some_and(|h| h.owner == self.id) {
            port.handoff_room = 0;
        }
    }

    /// The message handed to this thread, if one was.
    pub(crate) fn take(&self) -> Option<Taken> {
        self.rx.try_recv().ok()
    }
}

/// Whether `k` can be handed to a receiver waiting on the locked port: one has the port
/// armed, nothing is queued before `k`, the port is in no set (whose receivers must see the
/// message) and `k` fits the receiver's buffer.
#[inline]
pub(crate) fn can_hand_off(port: &Port, k: &Kmsg) -> bool {
    port.handoff_room != 0
        && port.queue.is_empty()
        && port.psets.is_empty()
        && k.size_for(false) <= port.handoff_room as usize
        && port.handoff.is_some()
        && matches!(port.receiver, Receiver::Task(..))
}

/// Hands `k` to the receiver that armed the locked port (see [`can_hand_off`]), taking it
/// off as that receive would; gives the message back if that receiver is gone.
#[expect(
    clippy::result_large_err,
    reason = "the message comes back by value to be queued, as it would have gone there"
)]
pub(crate) fn hand_off(port: &mut Port, k: Kmsg, d: &mut Deferred) -> Result<(), Kmsg> {
    port.handoff_room = 0;
    let (Receiver::Task(_, dest_name), Some(h)) = (&port.receiver, &port.handoff) else {
        return Err(k);
    };
    let remote_type = k.remote_type;
    let taken = Taken {
        k,
        seqno: port.seqno,
        context: port.context,
        dest_name: *dest_name,
        too_large: false,
    };
    match h.tx.try_send(taken) {
        Ok(()) => {
            port.seqno = port.seqno.wrapping_add(1);
            count_off_delivered(port, remote_type, d);
            Ok(())
        }
        // The receiving thread is gone, or its mailbox is full (neither happens while the
        // port is armed): the registration is dropped and the message queues.
        Err(TrySendError::Full(t) | TrySendError::Disconnected(t)) => {
            port.handoff = None;
            Err(t.k)
        }
    }
}
