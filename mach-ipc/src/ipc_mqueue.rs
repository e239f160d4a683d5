//! A message leaving a port's queue (XNU's `ipc_mqueue.c`): what a receive does to the port
//! when it takes a message, and direct handoff, where a send gives its message straight to
//! a receiver that is already waiting instead of queueing it.
//!
//! Handoff is XNU's `ipc_mqueue_post` (xnu-7195.141.2, and alike in later releases) finding
//! a thread waiting in `ipc_mqueue_receive`: the sender takes the message off as that
//! receive would (the sequence number, the destination right counted off, send-possible
//! requests fired) and hands it to the thread, which then copies it out without looking at
//! the port again. XNU hands over any message, and one too large for the thread's buffer
//! with `MACH_RCV_TOO_LARGE` as its status; here only messages that fit are handed over,
//! and the others queue, where the woken receiver finds them and fails the same way:
//! nothing a task sees differs.
//!
//! How it goes here. A thread that finds a port's queue empty, with the port's lock held,
//! registers its [`Mailbox`] on the port (once; it stays while the same thread receives
//! there) and notes the port's activity counter. To wait, it writes into its own mailbox
//! that it waits on that port, with how much room its buffer has, and watches the mailbox's
//! flag and the port's activity. A send (`Task::send_simple` for simple messages,
//! `Task::queue` for the others, once their rights are copied in) that finds, under the
//! port's lock, nothing queued and a registered mailbox whose thread waits on this port with
//! room enough (guarded port descriptors counted as that receive will take them), takes the
//! message off as the receive would, puts it in the mailbox and ends the waiting; otherwise
//! the message is queued, which moves the port's activity.
//!
//! What that buys is cache lines. The receiver writes only its mailbox (on its own core
//! once it has taken the last message) and, while the activity has not moved since it saw
//! the queue empty, does not even look at the port's lock or queue: those lines stay with
//! the senders, and a handoff moves the mailbox's lines alone, twice (to the sender, and
//! back with the message). A port whose receiver armed it under its lock, as this crate did
//! before, moved its lock's line between the cores on every message as well, and with it a
//! channel's head, tail and slot lines: the round trip took some 1.7 times as long.
//!
//! The rules that keep a handed-off message from going astray:
//! - a message is handed only to a thread waiting on that very port, and only with nothing
//!   queued before it (both seen under the port's lock, the mailbox's taken inside it);
//! - every change of receiver drops the port's registration ([`Port::set_receiver`]), so no
//!   message sent after a receive right moved goes to a thread that waited on it where it
//!   was; one handed over before is copied out naming the port as it is then;
//! - a thread that stops waiting (a message arrived by another way, a deadline, the port
//!   changed, or it goes to sleep) first ends its waiting, in its mailbox, under the
//!   mailbox's lock: a message handed over before that is its own, and is delivered;
//! - a port in a port set is never handed from (its sets' receivers must see the message),
//!   nor is a message that would not fit, which waits in the queue for the receive to find
//!   it too large, as without handoff;
//! - a thread that waits without looking at the queue (its activity unmoved) misses
//!   nothing: every message queued moves the activity, which the thread watches.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::consts::*;
use crate::ipc_kmsg::Kmsg;
use crate::ipc_notify::{Deferred, enqueue};
use crate::ipc_object::release_send_locked;
use crate::ipc_port::{Activity, Port, PortObj, Receiver};
use crate::lock::{Guard, Locked, Rank};

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

/// A port's handoff registration: the mailbox of the thread that last waited on it with its
/// queue empty. It stays until another thread registers (after finding the queue empty
/// while this one does not wait here) or the receive right moves, even once its thread has
/// stopped receiving or exited; a message is handed over only while the mailbox says its
/// thread waits on this very port, which an exited thread's never says.
#[derive(Debug)]
pub(crate) struct Handoff {
    owner: u64,
    cell: Arc<MailboxCell>,
}

/// What a mailbox holds, behind its lock.
#[derive(Debug, Default)]
struct Slot {
    /// The port its thread waits on (see [`port_id`]), 0 while it waits on none.
    waiting: usize,
    /// The largest message that receive takes (header and body, as `Kmsg::size_for` counts).
    room: u32,
    /// Whether that receive takes guarded port descriptors as they are
    /// (`MACH_RCV_GUARDED_DESC`), which makes them larger.
    guarded_ok: bool,
    taken: Option<Taken>,
}

/// The part of a thread's mailbox that senders reach through the ports registered to it: its
/// lock, what it waits on and the message handed over, with the flag the thread watches on
/// the same line as the lock word. The thread writes it when it starts waiting (on its own
/// core, the line being its own since it last took a message) and a sender when it hands a
/// message over, so a handoff moves this line and the message's, not the port's: the
/// receiver never writes the port while it only waits for handoffs.
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct MailboxCell {
    /// Whether `slot` holds a message: what the waiting thread watches.
    full: AtomicBool,
    slot: Locked<Slot>,
}

/// The identity of port `p` in a mailbox's `waiting`.
fn port_id(p: &PortObj) -> usize {
    std::ptr::from_ref(p) as usize
}

/// A thread's mailbox, for messages handed to it while it waits; the thread alone takes from
/// it.
pub(crate) struct Mailbox {
    id: u64,
    cell: Arc<MailboxCell>,
    /// A port this thread found with nothing queued, and the port's activity then (read with
    /// its lock held). Every message queued moves the activity once the port's lock is
    /// dropped, so while it reads the same, nothing has been queued since: the thread can
    /// wait for a handoff without taking the port's lock (and its line) to look at the
    /// queue. A message queued whose activity has not moved yet is found once it moves (it
    /// moves right after), before the thread sleeps.
    known_empty: Cell<Option<(Arc<Activity>, u64)>>,
}

thread_local! {
    static MAILBOX: Mailbox = Mailbox::new();
}

/// Mailbox ids (0 is none).
static NEXT_MAILBOX: AtomicU64 = AtomicU64::new(1);

impl Mailbox {
    fn new() -> Mailbox {
        Mailbox {
            id: NEXT_MAILBOX.fetch_add(1, Ordering::Relaxed),
            cell: Arc::new(MailboxCell {
                full: AtomicBool::new(false),
                slot: Locked::new(Rank::Mailbox, Slot::default()),
            }),
            known_empty: Cell::new(None),
        }
    }

    /// Runs `f` with the calling thread's mailbox; `None` if the thread has none any more
    /// (a receive made while the thread's locals are being destroyed, which then waits
    /// without a mailbox: nothing is handed to it).
    pub(crate) fn with<R>(f: impl FnOnce(&Mailbox) -> R) -> Option<R> {
        MAILBOX.try_with(f).ok()
    }

    /// Registers this mailbox on the locked port `port` (which has nothing queued), for the
    /// sends that find this thread waiting on it, and notes `seen`, the port's activity
    /// read under the lock, as the moment its queue was seen empty. Returns false, leaving
    /// the port as it is, if nothing may be handed from it (it is in a port set, or its
    /// receive right is in no task) or another thread registered there waits on it now.
    pub(crate) fn register(&self, p: &PortObj, port: &mut Port, seen: u64) -> bool {
        if !port.psets.is_empty() || !matches!(port.receiver, Receiver::Task(..)) {
            return false;
        }
        match &port.handoff {
            Some(h) if h.owner == self.id => {}
            Some(h) if h.cell.slot.lock().waiting == port_id(p) => return false,
            _ => {
                port.handoff = Some(Handoff {
                    owner: self.id,
                    cell: Arc::clone(&self.cell),
                });
            }
        }
        self.known_empty.set(Some((Arc::clone(&p.activity), seen)));
        true
    }

    /// The activity of port `p` if nothing has been queued on it since this thread saw its
    /// queue empty (see `known_empty`).
    pub(crate) fn known_empty(&self, p: &PortObj) -> Option<u64> {
        let known = self.known_empty.take();
        let seen = known.as_ref().and_then(|(activity, seen)| {
            (Arc::ptr_eq(activity, &p.activity) && activity.0.load(Ordering::Acquire) == *seen)
                .then_some(*seen)
        });
        self.known_empty.set(known);
        seen
    }

    /// Starts waiting on port `p` for a message of up to `room` bytes (header and body, as
    /// `Kmsg::size_for(guarded_ok)` counts them, `guarded_ok` being the receive's
    /// `MACH_RCV_GUARDED_DESC`): a send that finds the port registered to this mailbox may
    /// hand its message over from now on. Returns false if nothing would fit.
    pub(crate) fn arm(&self, p: &PortObj, room: u32, guarded_ok: bool) -> bool {
        if room < crate::message::HEADER_SIZE as u32 {
            return false;
        }
        let mut slot = self.cell.slot.lock();
        slot.waiting = port_id(p);
        slot.room = room;
        slot.guarded_ok = guarded_ok;
        true
    }

    /// Stops waiting; returns the message handed over before that, if one was.
    pub(crate) fn disarm(&self) -> Option<Taken> {
        let mut slot = self.cell.slot.lock();
        slot.waiting = 0;
        self.cell.full.store(false, Ordering::Relaxed);
        slot.taken.take()
    }

    /// Whether a message was handed to this thread: what a waiting thread watches, reading
    /// one flag (then [`arrived`](Self::arrived) takes the message).
    #[inline]
    pub(crate) fn raised(&self) -> bool {
        self.cell.full.load(Ordering::Acquire)
    }

    /// The message handed to this thread, if one was (the sender stopped its waiting).
    pub(crate) fn arrived(&self) -> Option<Taken> {
        if !self.raised() {
            return None;
        }
        let mut slot = self.cell.slot.lock();
        self.cell.full.store(false, Ordering::Relaxed);
        slot.taken.take()
    }
}

/// Whether `k` may be handed to a receiver waiting on the locked port: a thread has its
/// mailbox registered there, nothing is queued before `k`, and the port is in no set (whose
/// receivers must see the message). Whether that thread waits now, and has room for `k`,
/// [`hand_off`] sees in its mailbox.
#[inline]
fn can_hand_off(port: &Port) -> bool {
    port.handoff.is_some()
        && port.queue.is_empty()
        && port.psets.is_empty()
        && matches!(port.receiver, Receiver::Task(..))
}

/// Hands `k` to the thread registered on the locked port `p` (see [`can_hand_off`]) if it
/// waits on `p` now with room for `k`, taking the message off as that receive would; gives
/// the message back otherwise.
#[expect(
    clippy::result_large_err,
    reason = "the message comes back by value to be queued, as it would have gone there"
)]
fn hand_off(p: &PortObj, port: &mut Port, k: Kmsg, d: &mut Deferred) -> Result<(), Kmsg> {
    let (Receiver::Task(_, dest_name), Some(h)) = (&port.receiver, &port.handoff) else {
        return Err(k);
    };
    let mut slot = h.cell.slot.lock();
    if slot.waiting != port_id(p)
        || slot.taken.is_some()
        || k.size_for(slot.guarded_ok) > slot.room as usize
    {
        return Err(k);
    }
    let remote_type = k.remote_type;
    slot.taken = Some(Taken {
        k,
        seqno: port.seqno,
        context: port.context,
        dest_name: *dest_name,
        too_large: false,
    });
    slot.waiting = 0;
    h.cell.full.store(true, Ordering::Release);
    drop(slot);
    port.seqno = port.seqno.wrapping_add(1);
    count_off_delivered(port, remote_type, d);
    Ok(())
}

/// Delivers `k` to the locked port `p` (unlocking it), as XNU's `ipc_mqueue_post` does: to
/// the thread waiting on the port if [`hand_off`] can give it over, else into the queue
/// ([`enqueue`]). Returns whether it was handed over.
#[inline(always)]
pub(crate) fn post(
    p: &PortObj,
    mut port: Guard<'_, Port>,
    mut k: Kmsg,
    order: &AtomicU64,
    d: &mut Deferred,
) -> bool {
    if can_hand_off(&port) {
        match hand_off(p, &mut port, k, d) {
            Ok(()) => return true,
            Err(back) => k = back,
        }
    }
    enqueue(p, port, k, order, d);
    false
}
