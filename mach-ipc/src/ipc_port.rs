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

/// A dead-name or send-possible request armed on a port for a name in a space, and the
/// send-once right its notification goes to (XNU's `ipc_port_request`).
#[derive(Debug)]
pub(crate) struct NameRequest {
    pub task: TaskId,
    pub name: mach_port_name_t,
    pub notify: PortRef,
    /// `MACH_NOTIFY_DEAD_NAME` or `MACH_NOTIFY_SEND_POSSIBLE`.
    pub kind: mach_msg_id_t,
}

/// A port's state, behind its lock.
#[derive(Debug)]
pub(crate) struct Port {
    pub receiver: Receiver,
    pub queue: VecDeque<Kmsg>,
    pub qlimit: u32,
    pub seqno: u32,
    pub mscount: u32,
    /// Send rights outstanding: one per entry holding send rights (whatever its urefs), one
    /// per right in a message or held by the kernel.
    pub srights: u32,
    pub sorights: u32,
    pub context: u64,
    pub guarded: bool,
    /// Guarded with `strict`: the context is hidden and cannot be set.
    pub strict_guard: bool,
    /// No-senders request: the notify port and the make-send count it waits for.
    pub nsrequest: Option<(PortRef, u32)>,
    pub pdrequest: Option<PortRef>,
    pub requests: Vec<NameRequest>,
    /// Names whose dead-name request fired when the port died: each gets one more uref
    /// when its entry is next looked at (XNU keeps this in the request table).
    pub fired: Vec<(TaskId, mach_port_name_t)>,
    pub psets: Vec<PsetRef>,
    pub kobject: KObject,
    /// Receivers waiting on `recv_cv`, senders waiting on `send_cv`: a wake-up is a system
    /// call, made only when someone waits.
    pub recv_waiters: u32,
    pub send_waiters: u32,
}

impl Port {
    pub(crate) fn is_active(&self) -> bool {
        !matches!(self.receiver, Receiver::Dead)
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

/// A port: its lock, the condition variables its receivers and blocked senders wait on, and
/// the counter receivers watch before they sleep.
#[derive(Debug)]
pub(crate) struct PortObj {
    state: Locked<Port>,
    /// Receivers blocked on this port wait here (with the port's lock).
    pub recv_cv: Condvar,
    /// Senders blocked on a full queue wait here (with the port's lock).
    pub send_cv: Condvar,
    /// Bumped whenever a message is queued or the port dies or moves: a receiver about to
    /// block watches it for a moment without the lock first.
    pub activity: AtomicU64,
    /// Set (with the lock held) when the port dies; read without it, since a dead port
    /// stays dead.
    dead: AtomicBool,
    census: Arc<Census>,
}

impl PortObj {
    /// A new port with no rights counted: the caller adds them.
    pub(crate) fn new(census: &Arc<Census>, receiver: Receiver, kobject: KObject) -> PortRef {
        census.ports.fetch_add(1, Ordering::Relaxed);
        Arc::new(PortObj {
            state: Locked::new(
                Rank::Port,
                Port {
                    receiver,
                    queue: VecDeque::new(),
                    qlimit: MACH_PORT_QLIMIT_DEFAULT,
                    seqno: 0,
                    mscount: 0,
                    srights: 0,
                    sorights: 0,
                    context: 0,
                    guarded: false,
                    strict_guard: false,
                    nsrequest: None,
                    pdrequest: None,
                    requests: Vec::new(),
                    fired: Vec::new(),
                    psets: Vec::new(),
                    kobject,
                    recv_waiters: 0,
                    send_waiters: 0,
                },
            ),
            recv_cv: Condvar::new(),
            send_cv: Condvar::new(),
            activity: AtomicU64::new(0),
            dead: AtomicBool::new(false),
            census: Arc::clone(census),
        })
    }

    /// Locks the port.
    pub(crate) fn lock(&self) -> Guard<'_, Port> {
        self.state.lock()
    }

    /// Wakes everything watching or waiting on the port: a message came, or the port died or
    /// moved.
    pub(crate) fn signal(&self) {
        self.activity.fetch_add(1, Ordering::Release);
    }

    /// Whether the port is alive (without its lock: a port seen dead stays dead; one seen
    /// alive may die right after, as under XNU's lock it may die right after the unlock).
    pub(crate) fn is_active(&self) -> bool {
        !self.dead.load(Ordering::Acquire)
    }

    /// Marks the port dead (its lock held, as `port`).
    pub(crate) fn kill(&self, port: &mut Port) {
        port.receiver = Receiver::Dead;
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
