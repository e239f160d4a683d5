//! Ports (XNU's `ipc_port.c`): a message queue with its counts of rights, its notification
//! requests and where its receive right is.
//!
//! A port is shared ([`PortRef`], an `Arc`): every entry naming it, every right carried in
//! a message or a request and every kernel slot holds one, so a port lives as long as
//! anything can still reach it, as XNU's port references keep it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Weak};

use crate::consts::*;
use crate::ipc_kmsg::Kmsg;
use crate::ipc_mqueue::Handoff;
use crate::ipc_notify::Deferred;
use crate::ipc_pset::PsetRef;
use crate::lock::{Guard, Locked, Rank};

/// A task, by its kernel-unique id (never reused).
pub(crate) type TaskId = u64;

/// A shared port.
pub(crate) type PortRef = Arc<PortObj>;

/// Where a port's receive right is.
#[derive(Clone, Debug)]
pub(crate) enum Receiver {
    /// In a task's space, under a name.
    Task(TaskId, mach_port_name_t),
    /// In a message: queued on the port given (once it is queued).
    Transit(Option<Weak<PortObj>>),
    /// Held by the kernel itself (task and host ports).
    Kernel,
    /// Destroyed: the port is dead.
    Dead,
}

impl Receiver {
    pub(crate) fn is(&self, task: TaskId, name: mach_port_name_t) -> bool {
        matches!(*self, Receiver::Task(t, n) if t == task && n == name)
    }
}

/// What a kernel-held port stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KObject {
    /// An ordinary port.
    None,
    /// A task's control port.
    Task(TaskId),
    /// A task's name port.
    TaskName(TaskId),
    /// The host port.
    Host,
}

/// What a name's request on a port asks for (the `IPR_SOR_SPREQ` and `IPR_SOR_SPARM` bits
/// of XNU's request slot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// A dead-name request: told when the port dies.
    DeadName,
    /// A send-possible request (also told when the port dies). Armed, it fires on the next
    /// receive from the port; delayed (not armed), it waits for a `MACH_SEND_NOTIFY` send
    /// that finds the queue full to arm it.
    SendPossible { armed: bool },
}

/// A dead-name or send-possible request on a port for a name in a space, and the send-once
/// right its notification goes to (a slot of XNU's `ip_requests` table).
#[derive(Debug)]
pub(crate) struct NameRequest {
    pub task: TaskId,
    pub name: mach_port_name_t,
    /// `None` once a send-possible notification used the right: the slot stays the name's
    /// (xnu-7195 `ipc_port_spnotify` leaves it in use) but asks for nothing more.
    pub notify: Option<PortRef>,
    pub kind: RequestKind,
}

impl NameRequest {
    /// The `MACH_PORT_TYPE_*` request bits of the slot (xnu-7195 `ipc_port_request_type`):
    /// `DNREQUEST` while it holds a right, plus `SPREQUEST` for send-possible, plus
    /// `SPREQUEST_DELAYED` when not armed.
    pub(crate) fn type_bits(&self) -> mach_port_type_t {
        if self.notify.is_none() {
            return 0;
        }
        match self.kind {
            RequestKind::DeadName => MACH_PORT_TYPE_DNREQUEST,
            RequestKind::SendPossible { armed: true } => {
                MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST
            }
            RequestKind::SendPossible { armed: false } => {
                MACH_PORT_TYPE_DNREQUEST
                    | MACH_PORT_TYPE_SPREQUEST
                    | MACH_PORT_TYPE_SPREQUEST_DELAYED
            }
        }
    }
}

/// A port's state, behind its lock.
///
/// Laid out in C order so that the fields every send and receive writes share one cache line
/// with the lock word before them (see [`PortObj`]); what they only read, or what only the
/// `mach_port_*` calls write, comes after, on lines that stay shared between the sender's and
/// the receiver's caches. A message crossing cores then moves the lock's line, not four.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Port {
    // Written by every send and receive: on the lock's line (8 + 48 bytes).
    pub queue: VecDeque<Kmsg>,
    pub seqno: u32,
    /// Send rights outstanding: one per entry holding send rights (whatever its urefs), one
    /// per right in a message or held by the kernel.
    pub srights: u32,
    pub sorights: u32,
    pub qlimit: u32,
    // Read by sends and receives, written rarely.
    /// Receivers waiting on `recv_cv`, senders waiting on `send_cv`: a wake-up is a system
    /// call, made only when someone waits.
    pub recv_waiters: u32,
    pub send_waiters: u32,
    /// Where the receive right is. Changed only through [`Port::set_receiver`].
    pub receiver: Receiver,
    /// The mailbox of the thread a message may be handed to, if it waits on this port when
    /// the message comes (see [`crate::ipc_mqueue`]). Written when a thread other than the
    /// registered one finds the queue empty, or the receive right moves; read by every
    /// simple send.
    pub handoff: Option<Handoff>,
    pub psets: Vec<PsetRef>,
    pub context: u64,
    /// An armed send-possible request waits for the next receive (XNU's `ip_sprequests`).
    pub sprequests: bool,
    pub guarded: bool,
    /// Guarded with `strict`: the context is hidden and cannot be set.
    pub strict_guard: bool,
    /// The receive right cannot leave its space (`MPG_IMMOVABLE_RECEIVE`, or received in
    /// an immovable guarded descriptor). Unguarding keeps it; only the right leaving its
    /// space (which it then cannot, short of the port-destroyed notification) clears it.
    pub immovable_receive: bool,
    /// Importance donation was asked for (`MACH_PORT_IMPORTANCE_RECEIVER`,
    /// `MACH_PORT_DENAP_RECEIVER`, `MACH_PORT_TEMPOWNER`); only the status shows it here.
    pub impdonation: bool,
    /// A temporary owner was asked for (`MACH_PORT_TEMPOWNER`).
    pub tempowner: bool,
    pub mscount: u32,
    pub kobject: KObject,
    /// No-senders request: the notify port and the make-send count it waits for.
    pub nsrequest: Option<(PortRef, u32)>,
    pub pdrequest: Option<PortRef>,
    pub requests: Vec<NameRequest>,
    /// Names whose dead-name request fired when the port died: each gets one more uref
    /// when its entry is next looked at (XNU keeps this in the request table).
    pub fired: Vec<(TaskId, mach_port_name_t)>,
}

impl Port {
    /// Moves the receive right (or kills the port, with [`Receiver::Dead`]). The mailbox
    /// registered for handoff goes: the port's next message is not for the thread that
    /// waited on it where it was.
    pub(crate) fn set_receiver(&mut self, receiver: Receiver) {
        self.receiver = receiver;
        self.handoff = None;
    }

    pub(crate) fn is_active(&self) -> bool {
        !matches!(self.receiver, Receiver::Dead)
    }

    /// Whether the queue is at its limit (XNU's `ip_full`).
    pub(crate) fn is_full(&self) -> bool {
        self.queue.len() as u32 >= self.qlimit
    }

    /// Arms the send-possible request of `name` in `task`, if it has one that still holds its
    /// right (xnu-7195 `ipc_port_request_sparm`, called when a `MACH_SEND_NOTIFY` send finds
    /// the queue full). A dead-name request is left as it is.
    pub(crate) fn request_sparm(&mut self, task: TaskId, name: mach_port_name_t) {
        let slot = self
            .requests
            .iter_mut()
            .find(|r| r.task == task && r.name == name);
        if let Some(r) = slot
            && r.notify.is_some()
            && let RequestKind::SendPossible { armed } = &mut r.kind
        {
            *armed = true;
            self.sprequests = true;
        }
    }

    /// A message was received from the port: every armed send-possible request fires, its
    /// slot kept but emptied (xnu-7195 `ipc_port_spnotify`, called from
    /// `ipc_kmsg_copyout_header` on each receive, whatever the queue's length).
    #[inline]
    pub(crate) fn spnotify(&mut self, d: &mut Deferred) {
        if std::mem::take(&mut self.sprequests) {
            self.fire_send_possible(d);
        }
    }

    /// [`Port::spnotify`] with requests armed.
    fn fire_send_possible(&mut self, d: &mut Deferred) {
        for r in &mut self.requests {
            if r.kind == (RequestKind::SendPossible { armed: true })
                && let Some(notify) = r.notify.take()
            {
                d.send(Kmsg::send_possible(notify, r.name));
            }
        }
    }
}

/// How many ports and port sets exist that one task (or the kernel itself) made: each
/// counts against its maker, so that tasks on different threads do not write one shared
/// counter (or one shared reference count) per port. [`crate::Kernel::port_count`] sums
/// them.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Census {
    pub ports: AtomicIsize,
    pub psets: AtomicIsize,
}

/// A counter on a cache line of its own, so that a thread watching it does not take from the
/// writer the lines beside it.
#[derive(Debug, Default)]
#[repr(C, align(64))]
pub(crate) struct Activity(pub AtomicU64);

/// A port: its lock, the condition variables its receivers and blocked senders wait on, and
/// the counter receivers watch.
///
/// Aligned to a cache line, its lock word and the hot fields of [`Port`] first: one line
/// (`port_layout` checks it).
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct PortObj {
    state: Locked<Port>,
    /// Receivers blocked on this port wait here (with the port's lock).
    pub recv_cv: Condvar,
    /// Senders blocked on a full queue wait here (with the port's lock).
    pub send_cv: Condvar,
    /// Set (with the lock held) when the port dies; read without it, since a dead port
    /// stays dead.
    dead: AtomicBool,
    census: Arc<Census>,
    /// Bumped whenever a message is queued (one handed straight to a waiting receiver goes
    /// to its mailbox instead) or the port dies or moves: a receiver about to block watches
    /// it for a moment without the lock first, and a receiver that saw the queue empty
    /// reads it instead of taking the lock to look again (unmoved, nothing was queued since;
    /// see [`crate::ipc_mqueue`]). An allocation of its own, so that the receiver holds it
    /// (and writes its reference count) instead of the port.
    pub activity: Arc<Activity>,
}

impl PortObj {
    /// A new port with no rights counted: the caller adds them.
    pub(crate) fn new(census: &Arc<Census>, receiver: Receiver, kobject: KObject) -> PortRef {
        census.ports.fetch_add(1, Ordering::Relaxed);
        Arc::new(PortObj {
            state: Locked::new(
                Rank::Port,
                Port {
                    queue: VecDeque::new(),
                    seqno: 0,
                    srights: 0,
                    sorights: 0,
                    qlimit: MACH_PORT_QLIMIT_DEFAULT,
                    recv_waiters: 0,
                    send_waiters: 0,
                    receiver,
                    handoff: None,
                    mscount: 0,
                    context: 0,
                    guarded: false,
                    strict_guard: false,
                    immovable_receive: false,
                    impdonation: false,
                    tempowner: false,
                    nsrequest: None,
                    pdrequest: None,
                    requests: Vec::new(),
                    sprequests: false,
                    fired: Vec::new(),
                    psets: Vec::new(),
                    kobject,
                },
            ),
            recv_cv: Condvar::new(),
            send_cv: Condvar::new(),
            dead: AtomicBool::new(false),
            census: Arc::clone(census),
            activity: Arc::default(),
        })
    }

    /// Locks the port.
    pub(crate) fn lock(&self) -> Guard<'_, Port> {
        self.state.lock()
    }

    /// Moves the port's activity: a message was queued, or the port died or moved. Receivers
    /// watching it look again; those asleep on `recv_cv` are woken by whoever signals.
    pub(crate) fn signal(&self) {
        self.activity.0.fetch_add(1, Ordering::Release);
    }

    /// Whether the port is alive (without its lock: a port seen dead stays dead; one seen
    /// alive may die right after, as under XNU's lock it may die right after the unlock).
    pub(crate) fn is_active(&self) -> bool {
        !self.dead.load(Ordering::Acquire)
    }

    /// Marks the port dead (its lock held, as `port`).
    pub(crate) fn kill(&self, port: &mut Port) {
        port.set_receiver(Receiver::Dead);
        self.dead.store(true, Ordering::Release);
    }
}

impl Drop for PortObj {
    fn drop(&mut self) {
        self.census.ports.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The identity of a port, for maps keyed by port.
pub(crate) fn port_key(p: &PortRef) -> usize {
    Arc::as_ptr(p) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_layout() {
        let census = Arc::new(Census::default());
        let p = PortObj::new(&census, Receiver::Kernel, KObject::None);
        let start = Arc::as_ptr(&p) as usize;
        let line = |addr: usize| addr / 64;
        assert_eq!(start % 64, 0);
        let port = p.lock();
        let addr = |field: *const u8| field as usize;
        // The lock word is the first bytes of the object (`Locked` and `Mutex` keep it
        // there), and every field a send or receive writes is on its line.
        for field in [
            addr(std::ptr::from_ref(&port.queue).cast()),
            addr(std::ptr::from_ref(&port.seqno).cast()),
            addr(std::ptr::from_ref(&port.srights).cast()),
            addr(std::ptr::from_ref(&port.sorights).cast()),
            addr(std::ptr::from_ref(&port.qlimit).cast()),
        ] {
            assert_eq!(line(field), line(start), "{:#x} from {start:#x}", field);
        }
        // The activity a receiver watches has a line of its own.
        assert_eq!(Arc::as_ptr(&p.activity) as usize % 64, 0);
        assert_eq!(size_of::<Activity>(), 64);
    }
}
