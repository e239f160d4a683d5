//! The kernel's state: ports, port sets, tasks with their IPC spaces, and the operations on
//! rights that everything else is built from (copying rights in from a space, out into a
//! space, releasing them, destroying ports, sending notifications).
//!
//! All of it lives behind one lock ([`crate::Kernel`]); the functions here run with it held,
//! so every operation is atomic, as a Mach trap is.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar};

use crate::consts::*;
use crate::kmsg::{Carried, Kmsg, Sender};
use crate::slab::{Key, Slab};
use crate::vm::Vm;

/// A port, by key.
pub(crate) type PortId = Key;
/// A port set, by key.
pub(crate) type PsetId = Key;
/// A task, by key.
pub(crate) type TaskId = Key;

/// Where a port's receive right is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Receiver {
    /// In a task's space, under a name.
    Task(TaskId, mach_port_name_t),
    /// In a message (queued on `in_port`, once it is queued).
    Transit(Option<PortId>),
    /// Held by the kernel itself (task and host ports).
    Kernel,
    /// Destroyed: the port is dead.
    Dead,
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

/// A notification request held on a port: the send-once right it will be sent to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameRequest {
    pub task: TaskId,
    pub name: mach_port_name_t,
    pub notify: PortId,
    /// `MACH_NOTIFY_DEAD_NAME` or `MACH_NOTIFY_SEND_POSSIBLE`.
    pub kind: mach_msg_id_t,
}

/// A port.
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
    pub nsrequest: Option<(PortId, u32)>,
    pub pdrequest: Option<PortId>,
    pub requests: Vec<NameRequest>,
    pub psets: Vec<PsetId>,
    /// Holders: entries (one each), rights in messages, kernel slots.
    pub refs: u32,
    pub kobject: KObject,
    /// Receivers blocked on this port wait here, holding a clone of the `Arc` (see
    /// [`wake_all`]).
    pub recv_cv: Arc<Condvar>,
    /// Senders blocked on a full queue wait here, holding a clone of the `Arc`.
    pub send_cv: Arc<Condvar>,
}

impl Port {
    pub(crate) fn is_active(&self) -> bool {
        self.receiver != Receiver::Dead
    }
}

/// A port set.
#[derive(Debug)]
pub(crate) struct Pset {
    pub owner: (TaskId, mach_port_name_t),
    pub members: Vec<PortId>,
    /// Receivers blocked on the set wait here, holding a clone of the `Arc`.
    pub cv: Arc<Condvar>,
}

/// What a name in a space refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Obj {
    /// A dead name.
    None,
    Port(PortId),
    Pset(PsetId),
}

/// A name's entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    /// `MACH_PORT_TYPE_*` right bits.
    pub rights: mach_port_type_t,
    pub urefs: u32,
    pub object: Obj,
    /// A dead-name or send-possible request is armed on the name.
    pub request: bool,
}

/// Names per index: index `n` and generation `g` make the name `n << 8 | g`.
pub(crate) const GEN_FIRST: u32 = 0x03;
/// A reused index gets a generation 4 higher, so kernel-chosen names always end in binary 11.
pub(crate) const GEN_STEP: u32 = 0x04;

/// A map keyed by the kernel's small integers (name indices, port keys), hashed by
/// [`IdHasher`]: every `mach_msg` looks names up several times, and SipHash was a third of a
/// message's cost.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// The Fx hash (as rustc's own maps use): one rotate, xor and multiply per word. Not
/// resistant to chosen collisions, which here could only slow a task's own lookups down.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
}

/// An IPC space: a task's names.
#[derive(Debug, Default)]
pub(crate) struct Space {
    /// By index (`name >> 8`): the generation the entry was made with, and the entry.
    pub entries: IdMap<u32, (u32, Entry)>,
    next_index: u32,
    /// Freed indices (most recent first, as XNU reuses them) and the generation each will
    /// be reused with.
    free: VecDeque<(u32, u32)>,
    /// The name of the entry holding send or receive rights for a port (rights of one port
    /// share one name).
    pub reverse: IdMap<PortId, mach_port_name_t>,
}

fn name_of(index: u32, generation: u32) -> mach_port_name_t {
    index << 8 | (generation & 0xff)
}

impl Space {
    pub(crate) fn get(&self, name: mach_port_name_t) -> Option<&Entry> {
        match self.entries.get(&(name >> 8)) {
            Some((g, e)) if *g == name & 0xff => Some(e),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, name: mach_port_name_t) -> Option<&mut Entry> {
        match self.entries.get_mut(&(name >> 8)) {
            Some((g, e)) if *g == name & 0xff => Some(e),
            _ => None,
        }
    }

    /// A new kernel-chosen name for `entry`.
    pub(crate) fn alloc(&mut self, entry: Entry) -> mach_port_name_t {
        loop {
            let (index, generation) = match self.free.pop_front() {
                Some(f) => f,
                None => {
                    self.next_index += 1;
                    (self.next_index, GEN_FIRST)
                }
            };
            // An index a user-chosen name took meanwhile is skipped.
            if self.entries.contains_key(&index) {
                continue;
            }
            self.entries.insert(index, (generation, entry));
            return name_of(index, generation);
        }
    }

    /// Takes `name` (chosen by the caller) for `entry`: `KERN_FAILURE` for index 0 or an
    /// index in use under another generation, `KERN_NAME_EXISTS` if the name is in use.
    pub(crate) fn alloc_name(
        &mut self,
        name: mach_port_name_t,
        entry: Entry,
    ) -> Result<(), kern_return_t> {
        let index = name >> 8;
        if index == 0 {
            return Err(KERN_FAILURE);
        }
        if let Some(&(generation, _)) = self.entries.get(&index) {
            return Err(if generation == name & 0xff {
                KERN_NAME_EXISTS
            } else {
                KERN_FAILURE
            });
        }
        // A freed index taken this way is no longer free; a fresh one is skipped when the
        // kernel's own allocation reaches it.
        self.free.retain(|&(i, _)| i != index);
        self.entries.insert(index, (name & 0xff, entry));
        Ok(())
    }

    /// Frees `name`; its index comes back later with the next generation.
    pub(crate) fn free(&mut self, name: mach_port_name_t) -> Option<Entry> {
        let index = name >> 8;
        let (generation, entry) = self.entries.remove(&index)?;
        let mut next = generation.wrapping_add(GEN_STEP) & 0xff;
        // Wrapped: start the cycle again. XNU takes the new generation modulo 0xff (roll
        // bits 0, IE_BITS_ROLL), so 0xfb + 4 gives 0, below the old one: 0xff is never
        // handed out and a cycle has 63 generations, 0x03..=0xfb.
        if next < GEN_STEP || next == 0xff {
            next = GEN_FIRST;
        }
        self.free.push_front((index, next));
        if let Obj::Port(p) = entry.object
            && self.reverse.get(&p) == Some(&name)
        {
            self.reverse.remove(&p);
        }
        Some(entry)
    }

    /// Every name, in index order.
    pub(crate) fn names(&self) -> Vec<mach_port_name_t> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .map(|(&i, &(g, _))| name_of(i, g))
            .collect();
        v.sort_unstable();
        v
    }
}

/// Special ports a task holds send rights to.
pub(crate) const SPECIAL_SLOTS: usize = TASK_MAX_SPECIAL_PORT as usize + 1;

/// A task.
#[derive(Debug)]
pub(crate) struct TaskData {
    pub space: Space,
    pub alive: bool,
    pub self_port: PortId,
    pub name_port: PortId,
    /// Send rights held for `task_get_special_port` (index = `TASK_*_PORT`).
    pub special: [Option<PortId>; SPECIAL_SLOTS],
    /// `mach_ports_register` slots.
    pub registered: [Option<PortId>; TASK_PORT_REGISTER_MAX],
    pub vm: Vm,
    pub sender: Sender,
}

/// Everything, behind the kernel's lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub ports: Slab<Port>,
    pub psets: Slab<Pset>,
    pub tasks: Slab<TaskData>,
    pub host: Option<PortId>,
    /// Send right the kernel gives new tasks as their bootstrap port.
    pub default_bootstrap: Option<PortId>,
    /// Emptied message-body buffers, for the next messages to reuse.
    pub bodies: Vec<Vec<u8>>,
    pub next_pid: u32,
    /// Bumped ([`State::signal`], with the lock held) whenever a message is queued anywhere
    /// and when a receive right dies or moves or a set dies. A receiver about to block
    /// watches it for a moment without the lock first: only a hint, the receiver looks at
    /// its port or set again with the lock before taking a message or waiting.
    pub activity: Arc<Activity>,
}

/// Wakes every thread waiting on `cv`, skipping the futex call when nobody waits: a waiter
/// clones the `Arc` with the kernel's lock held and keeps the clone while it waits (the wait
/// releases the lock), so a count of one, seen with the lock held, means no waiter. A clone
/// being dropped late only costs a needless wake.
/// The activity counter, alone on its cache line: receivers watch it while senders bump it,
/// and the `Arc`'s reference counts (written when a receiver takes a clone) stay elsewhere.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Activity(pub AtomicU64);

pub(crate) fn wake_all(cv: &Arc<Condvar>) {
    if Arc::strong_count(cv) > 1 {
        cv.notify_all();
    }
}

/// As [`wake_all`], for one waiter.
pub(crate) fn wake_one(cv: &Arc<Condvar>) {
    if Arc::strong_count(cv) > 1 {
        cv.notify_one();
    }
}

/// The right (`MACH_PORT_TYPE_*` bit) a name must hold to be copied in with `disposition`
/// (0, which no name holds, for a disposition that is no right).
pub(crate) fn needed_right(disposition: mach_msg_type_name_t) -> mach_port_type_t {
    match disposition {
        MACH_MSG_TYPE_MOVE_RECEIVE | MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE => {
            MACH_PORT_TYPE_RECEIVE
        }
        MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_COPY_SEND => MACH_PORT_TYPE_SEND,
        MACH_MSG_TYPE_MOVE_SEND_ONCE => MACH_PORT_TYPE_SEND_ONCE,
        _ => 0,
    }
}

/// A failure while copying in a right, before the caller maps it to its return code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RightError {
    /// No such name.
    Name,
    /// The name does not hold the right the disposition needs.
    Right,
    /// The disposition is not one a right can be sent with.
    Disposition,
}

impl RightError {
    /// The `mach_port_*` return code for the failure.
    pub(crate) fn kern_return(self) -> kern_return_t {
        match self {
            RightError::Name => KERN_INVALID_NAME,
            RightError::Right => KERN_INVALID_RIGHT,
            RightError::Disposition => KERN_INVALID_VALUE,
        }
    }
}

impl State {
    // ---- ports ----------------------------------------------------------------------------

    pub(crate) fn new_port(&mut self, receiver: Receiver, kobject: KObject) -> PortId {
        self.ports.insert(Port {
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
            psets: Vec::new(),
            refs: 1,
            kobject,
            recv_cv: Arc::new(Condvar::new()),
            send_cv: Arc::new(Condvar::new()),
        })
    }

    pub(crate) fn port(&self, p: PortId) -> Option<&Port> {
        self.ports.get(p)
    }

    pub(crate) fn port_mut(&mut self, p: PortId) -> Option<&mut Port> {
        self.ports.get_mut(p)
    }

    pub(crate) fn is_active(&self, p: PortId) -> bool {
        self.port(p).is_some_and(Port::is_active)
    }

    pub(crate) fn port_ref(&mut self, p: PortId) {
        if let Some(port) = self.port_mut(p) {
            port.refs += 1;
        }
    }

    /// Drops one reference; a dead port with none left is freed.
    pub(crate) fn port_unref(&mut self, p: PortId) {
        let Some(port) = self.port_mut(p) else { return };
        port.refs = port.refs.saturating_sub(1);
        if port.refs == 0 && !port.is_active() {
            self.ports.remove(p);
        }
    }

    /// A new send right to `p` (for the kernel or a message).
    pub(crate) fn make_send(&mut self, p: PortId) {
        if let Some(port) = self.port_mut(p) {
            port.mscount = port.mscount.wrapping_add(1);
            port.srights += 1;
            port.refs += 1;
        }
    }

    /// Another send right to `p` from one already held.
    pub(crate) fn copy_send(&mut self, p: PortId) {
        if let Some(port) = self.port_mut(p) {
            port.srights += 1;
            port.refs += 1;
        }
    }

    /// A new send-once right to `p`.
    pub(crate) fn make_send_once(&mut self, p: PortId) {
        if let Some(port) = self.port_mut(p) {
            port.sorights += 1;
            port.refs += 1;
        }
    }

    /// Releases a right carried outside any space (in a message, a request, a kernel slot):
    /// the last send right may fire a no-senders notification, an unused send-once right
    /// fires a send-once notification, a receive right is destroyed.
    pub(crate) fn release(&mut self, right: Carried) {
        let mut work = vec![right];
        while let Some(r) = work.pop() {
            match r {
                Carried::Null | Carried::Dead => {}
                Carried::Send(p) => self.release_send(p),
                Carried::SendOnce(p) => {
                    if self.is_active(p) {
                        // The right itself carries the notification to its port.
                        let k = Kmsg::notification(
                            Carried::SendOnce(p),
                            MACH_NOTIFY_SEND_ONCE,
                            Vec::new(),
                        );
                        self.enqueue_kernel(p, k, &mut work);
                    } else {
                        self.drop_send_once(p);
                    }
                }
                Carried::Receive(p) => self.destroy_receive(p, &mut work),
            }
        }
    }

    /// Drops a send-once right without any notification.
    pub(crate) fn drop_send_once(&mut self, p: PortId) {
        if let Some(port) = self.port_mut(p) {
            port.sorights = port.sorights.saturating_sub(1);
        }
        self.port_unref(p);
    }

    /// Drops one send right; the last one fires an armed no-senders notification.
    pub(crate) fn release_send(&mut self, p: PortId) {
        let fire = match self.port_mut(p) {
            Some(port) => {
                port.srights = port.srights.saturating_sub(1);
                port.srights == 0 && port.is_active() && port.nsrequest.is_some()
            }
            None => false,
        };
        if fire {
            self.check_no_senders(p);
        }
        self.port_unref(p);
    }

    /// Sends the no-senders notification of `p` if one is armed and there are no send rights.
    /// (The request's `sync` was compared when it was made: once armed, it fires on the next
    /// drop to zero, as in XNU.)
    pub(crate) fn check_no_senders(&mut self, p: PortId) {
        let Some(port) = self.port_mut(p) else { return };
        let Some((notify, _)) = port.nsrequest else {
            return;
        };
        if port.srights != 0 || !port.is_active() {
            return;
        }
        port.nsrequest = None;
        let mscount = port.mscount;
        let mut work = Vec::new();
        self.notify(notify, MACH_NOTIFY_NO_SENDERS, mscount, &mut work);
        self.drain(&mut work);
    }

    /// Destroys a receive right (or, with a port-destroyed request armed, sends it away in
    /// the notification instead). Rights this frees are pushed on `work`.
    pub(crate) fn destroy_receive(&mut self, p: PortId, work: &mut Vec<Carried>) {
        let Some(port) = self.port_mut(p) else { return };
        if !port.is_active() {
            return;
        }
        if let Some(notify) = port.pdrequest.take()
            && port.kobject == KObject::None
        {
            // The receive right travels in the notification, as if moved.
            self.clear_receiver(p);
            let k = Kmsg::port_destroyed(notify, p);
            self.enqueue_kernel(notify, k, work);
            return;
        }
        port.receiver = Receiver::Dead;
        let queue = std::mem::take(&mut port.queue);
        let psets = std::mem::take(&mut port.psets);
        let requests = std::mem::take(&mut port.requests);
        let ns = port.nsrequest.take();
        let pd = port.pdrequest.take();
        port.recv_cv.notify_all();
        port.send_cv.notify_all();
        self.unlink_psets(p, &psets);
        self.signal();
        for k in queue {
            k.release_into(work);
        }
        for r in requests {
            self.fire_dead_name(r, work);
        }
        if let Some((notify, _)) = ns {
            work.push(Carried::SendOnce(notify));
        }
        if let Some(notify) = pd {
            work.push(Carried::SendOnce(notify));
        }
        // The reference the receive right held.
        self.port_unref(p);
    }

    /// A receive right leaving its space (moved in a message, or sent away by a
    /// port-destroyed notification) starts afresh, as XNU's `ipc_port_clear_receiver` does:
    /// in transit, make-send count, sequence number, context and guard reset, out of every
    /// set, and its waiting receivers told.
    fn clear_receiver(&mut self, p: PortId) {
        let Some(port) = self.port_mut(p) else { return };
        port.receiver = Receiver::Transit(None);
        port.mscount = 0;
        port.seqno = 0;
        port.context = 0;
        port.guarded = false;
        port.strict_guard = false;
        port.recv_cv.notify_all();
        let psets = std::mem::take(&mut port.psets);
        self.unlink_psets(p, &psets);
        self.signal();
    }

    fn unlink_psets(&mut self, p: PortId, psets: &[PsetId]) {
        for &s in psets {
            if let Some(set) = self.psets.get_mut(s) {
                set.members.retain(|&m| m != p);
            }
        }
    }

    /// A port died with a request armed on a name: a dead-name request notifies now (the
    /// name gets its extra uref when the entry is next looked at); a send-possible request
    /// also gets a dead-name notification, as XNU does.
    fn fire_dead_name(&mut self, r: NameRequest, work: &mut Vec<Carried>) {
        self.notify(r.notify, MACH_NOTIFY_DEAD_NAME, r.name, work);
    }

    /// After a message left `p`'s queue: send-possible requests armed on a full queue fire
    /// now that there is room (each becomes a `MACH_NOTIFY_SEND_POSSIBLE` message).
    pub(crate) fn send_possible(&mut self, p: PortId) {
        let Some(port) = self.port_mut(p) else { return };
        if port.queue.len() as u32 >= port.qlimit
            || !port
                .requests
                .iter()
                .any(|r| r.kind == MACH_NOTIFY_SEND_POSSIBLE)
        {
            return;
        }
        let (fire, keep) = std::mem::take(&mut port.requests)
            .into_iter()
            .partition::<Vec<_>, _>(|r| r.kind == MACH_NOTIFY_SEND_POSSIBLE);
        port.requests = keep;
        let mut work = Vec::new();
        for r in fire {
            if let Some(e) = self.space_mut(r.task).and_then(|sp| sp.get_mut(r.name)) {
                e.request = false;
            }
            self.notify(r.notify, MACH_NOTIFY_SEND_POSSIBLE, r.name, &mut work);
        }
        self.drain(&mut work);
    }

    /// Sends the notification `id` whose body is the NDR record and one word, `value` (a name,
    /// or a make-send count), to the send-once right `notify`.
    pub(crate) fn notify(
        &mut self,
        notify: PortId,
        id: mach_msg_id_t,
        value: u32,
        work: &mut Vec<Carried>,
    ) {
        let mut body = NDR_record.to_vec();
        body.extend_from_slice(&value.to_ne_bytes());
        let k = Kmsg::notification(Carried::SendOnce(notify), id, body);
        self.enqueue_kernel(notify, k, work);
    }

    /// Queues a kernel-made message on `p` (no queue limit: it is sent to a send-once right).
    pub(crate) fn enqueue_kernel(&mut self, p: PortId, k: Kmsg, work: &mut Vec<Carried>) {
        if !self.is_active(p) {
            k.release_into(work);
            return;
        }
        self.enqueue(p, k);
    }

    /// Puts `k` on `p`'s queue and wakes its receivers (on the port and on its sets).
    pub(crate) fn enqueue(&mut self, p: PortId, mut k: Kmsg) {
        // The activity counter orders messages across ports (for fair receives on port
        // sets), and bumping it is the signal to watching receivers.
        k.order = self.activity.0.fetch_add(1, Ordering::Relaxed) + 1;
        // Receive rights carried by the message are now inside `p`.
        for r in k.receive_rights() {
            if let Some(port) = self.port_mut(r) {
                port.receiver = Receiver::Transit(Some(p));
            }
        }
        // The port and the sets are separate fields: no copy of the member list is needed.
        let Some(port) = self.ports.get_mut(p) else {
            return;
        };
        port.queue.push_back(k);
        wake_all(&port.recv_cv);
        for &s in &port.psets {
            if let Some(set) = self.psets.get(s) {
                wake_all(&set.cv);
            }
        }
    }

    /// Tells receivers watching [`State::activity`] (without the lock) that something they
    /// may wait for changed: a message was queued, a port or set went away or moved.
    pub(crate) fn signal(&self) {
        self.activity.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether `inner`'s receive right is (transitively) inside a message queued on
    /// `outer`, or is `outer` itself: sending it there would make a cycle.
    pub(crate) fn would_be_circular(&self, inner: PortId, outer: PortId) -> bool {
        let mut at = outer;
        for _ in 0..1_000_000 {
            if at == inner {
                return true;
            }
            match self.port(at).map(|p| p.receiver) {
                Some(Receiver::Transit(Some(next))) => at = next,
                _ => return false,
            }
        }
        true
    }

    // ---- spaces ---------------------------------------------------------------------------

    pub(crate) fn space(&self, t: TaskId) -> Option<&Space> {
        self.tasks.get(t).map(|t| &t.space)
    }

    pub(crate) fn space_mut(&mut self, t: TaskId) -> Option<&mut Space> {
        self.tasks.get_mut(t).map(|t| &mut t.space)
    }

    /// The entry of `name`, first turning send and send-once rights to a dead port into a
    /// dead name (as XNU does lazily): the dead name keeps the send urefs (1 for send-once)
    /// plus one for a dead-name request that fired.
    pub(crate) fn lookup(&mut self, t: TaskId, name: mach_port_name_t) -> Option<Entry> {
        let entry = *self.space(t)?.get(name)?;
        let Obj::Port(p) = entry.object else {
            return Some(entry);
        };
        if self.is_active(p) || entry.rights & MACH_PORT_TYPE_RECEIVE != 0 {
            return Some(entry);
        }
        let mut urefs = if entry.rights & MACH_PORT_TYPE_SEND_ONCE != 0 {
            self.drop_send_once_quiet(p);
            1
        } else {
            if let Some(port) = self.port_mut(p) {
                port.srights = port.srights.saturating_sub(1);
            }
            entry.urefs
        };
        if entry.request {
            urefs = (urefs + 1).min(MACH_PORT_UREFS_MAX);
        }
        self.port_unref(p);
        let space = self.space_mut(t)?;
        space.reverse.remove(&p);
        let e = space.get_mut(name)?;
        *e = Entry {
            rights: MACH_PORT_TYPE_DEAD_NAME,
            urefs,
            object: Obj::None,
            request: false,
        };
        Some(*e)
    }

    fn drop_send_once_quiet(&mut self, p: PortId) {
        if let Some(port) = self.port_mut(p) {
            port.sorights = port.sorights.saturating_sub(1);
        }
    }

    /// Removes `name` from `t`'s space; a request armed on it sends a port-deleted
    /// notification. The entry's port reference is the caller's to drop.
    pub(crate) fn free_name(&mut self, t: TaskId, name: mach_port_name_t, work: &mut Vec<Carried>) {
        let Some(entry) = self.space_mut(t).and_then(|s| s.free(name)) else {
            return;
        };
        if entry.request
            && let Obj::Port(p) = entry.object
        {
            self.cancel_request(p, t, name, work, true);
        }
    }

    /// Takes the request armed on `(t, name)` off port `p`; with `deleted`, its notify port
    /// gets a port-deleted notification, else its send-once right is returned.
    pub(crate) fn cancel_request(
        &mut self,
        p: PortId,
        t: TaskId,
        name: mach_port_name_t,
        work: &mut Vec<Carried>,
        deleted: bool,
    ) -> Option<PortId> {
        let port = self.port_mut(p)?;
        let at = port
            .requests
            .iter()
            .position(|r| r.task == t && r.name == name)?;
        let r = port.requests.remove(at);
        if let Some(e) = self.space_mut(t).and_then(|s| s.get_mut(name)) {
            e.request = false;
        }
        if deleted {
            self.notify(r.notify, MACH_NOTIFY_PORT_DELETED, name, work);
            None
        } else {
            Some(r.notify)
        }
    }

    /// Copies a right into a message from `t`'s `name` with `disposition`.
    pub(crate) fn copyin(
        &mut self,
        t: TaskId,
        name: mach_port_name_t,
        disposition: mach_msg_type_name_t,
        work: &mut Vec<Carried>,
    ) -> Result<Carried, RightError> {
        if !(MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&disposition) {
            return Err(RightError::Disposition);
        }
        if name == MACH_PORT_NULL {
            return Ok(Carried::Null);
        }
        if name == MACH_PORT_DEAD {
            return Ok(Carried::Dead);
        }
        let entry = self.lookup(t, name).ok_or(RightError::Name)?;
        let has = |bit| entry.rights & bit != 0;
        if has(MACH_PORT_TYPE_DEAD_NAME) {
            // A dead name travels as MACH_PORT_DEAD; moving it uses up a uref.
            return match disposition {
                MACH_MSG_TYPE_COPY_SEND => Ok(Carried::Dead),
                MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE => {
                    self.drop_urefs(t, name, 1, work);
                    Ok(Carried::Dead)
                }
                _ => Err(RightError::Right),
            };
        }
        let Obj::Port(p) = entry.object else {
            return Err(RightError::Right);
        };
        if !has(needed_right(disposition)) {
            return Err(RightError::Right);
        }
        match disposition {
            MACH_MSG_TYPE_MOVE_RECEIVE => {
                let space = self.space_mut(t).ok_or(RightError::Name)?;
                let e = space.get_mut(name).ok_or(RightError::Name)?;
                e.rights &= !MACH_PORT_TYPE_RECEIVE;
                if e.rights & MACH_PORT_TYPE_SEND == 0 {
                    self.free_name(t, name, work);
                } else {
                    self.port_ref(p);
                }
                self.clear_receiver(p);
                Ok(Carried::Receive(p))
            }
            MACH_MSG_TYPE_COPY_SEND => {
                self.copy_send(p);
                Ok(Carried::Send(p))
            }
            MACH_MSG_TYPE_MOVE_SEND => {
                let space = self.space_mut(t).ok_or(RightError::Name)?;
                let e = space.get_mut(name).ok_or(RightError::Name)?;
                if e.urefs > 1 {
                    // Pegged urefs stay pegged.
                    if e.urefs < MACH_PORT_UREFS_MAX {
                        e.urefs -= 1;
                    }
                    self.copy_send(p);
                } else {
                    // The entry's send right itself moves, with its reference unless the
                    // entry keeps a receive right.
                    e.urefs = 0;
                    e.rights &= !MACH_PORT_TYPE_SEND;
                    if e.rights & MACH_PORT_TYPE_RECEIVE == 0 {
                        self.free_name(t, name, work);
                    } else {
                        self.port_ref(p);
                    }
                }
                Ok(Carried::Send(p))
            }
            MACH_MSG_TYPE_MAKE_SEND => {
                self.make_send(p);
                Ok(Carried::Send(p))
            }
            MACH_MSG_TYPE_MAKE_SEND_ONCE => {
                self.make_send_once(p);
                Ok(Carried::SendOnce(p))
            }
            MACH_MSG_TYPE_MOVE_SEND_ONCE => {
                self.free_name(t, name, work);
                Ok(Carried::SendOnce(p))
            }
            _ => Err(RightError::Disposition),
        }
    }

    /// Puts a carried right into `t`'s space and returns its name there. Send rights join the
    /// name that already holds rights for their port; send-once rights always get a new name;
    /// rights to a dead port arrive as `MACH_PORT_DEAD`.
    pub(crate) fn copyout(&mut self, t: TaskId, right: Carried) -> mach_port_name_t {
        match right {
            Carried::Null => MACH_PORT_NULL,
            Carried::Dead => MACH_PORT_DEAD,
            Carried::Send(p) => {
                if !self.is_active(p) {
                    self.release_send(p);
                    return MACH_PORT_DEAD;
                }
                let Some(space) = self.space_mut(t) else {
                    self.release_send(p);
                    return MACH_PORT_DEAD;
                };
                if let Some(name) = space.reverse.get(&p).copied()
                    && let Some(e) = space.get_mut(name)
                {
                    if e.rights & MACH_PORT_TYPE_SEND != 0 {
                        // Merged into the right already there.
                        e.urefs = (e.urefs + 1).min(MACH_PORT_UREFS_MAX);
                        if let Some(port) = self.port_mut(p) {
                            port.srights -= 1;
                        }
                    } else {
                        e.rights |= MACH_PORT_TYPE_SEND;
                        e.urefs = 1;
                    }
                    self.port_unref(p);
                    return name;
                }
                let name = space.alloc(Entry {
                    rights: MACH_PORT_TYPE_SEND,
                    urefs: 1,
                    object: Obj::Port(p),
                    request: false,
                });
                space.reverse.insert(p, name);
                name
            }
            Carried::SendOnce(p) => {
                if !self.is_active(p) {
                    self.drop_send_once(p);
                    return MACH_PORT_DEAD;
                }
                let Some(space) = self.space_mut(t) else {
                    self.drop_send_once(p);
                    return MACH_PORT_DEAD;
                };
                space.alloc(Entry {
                    rights: MACH_PORT_TYPE_SEND_ONCE,
                    urefs: 1,
                    object: Obj::Port(p),
                    request: false,
                })
            }
            Carried::Receive(p) => {
                let Some(space) = self.space_mut(t) else {
                    self.release(Carried::Receive(p));
                    return MACH_PORT_DEAD;
                };
                let name = if let Some(name) = space.reverse.get(&p).copied()
                    && let Some(e) = space.get_mut(name)
                {
                    e.rights |= MACH_PORT_TYPE_RECEIVE;
                    self.port_unref(p);
                    name
                } else {
                    let name = space.alloc(Entry {
                        rights: MACH_PORT_TYPE_RECEIVE,
                        urefs: 0,
                        object: Obj::Port(p),
                        request: false,
                    });
                    space.reverse.insert(p, name);
                    name
                };
                if let Some(port) = self.port_mut(p) {
                    port.receiver = Receiver::Task(t, name);
                }
                name
            }
        }
    }

    /// Takes `delta` urefs off a send or dead-name entry (the caller checked the count),
    /// freeing the name when none are left.
    pub(crate) fn drop_urefs(
        &mut self,
        t: TaskId,
        name: mach_port_name_t,
        delta: u32,
        work: &mut Vec<Carried>,
    ) {
        let Some(e) = self.space_mut(t).and_then(|s| s.get_mut(name)) else {
            return;
        };
        let pegged = e.urefs == MACH_PORT_UREFS_MAX && delta != MACH_PORT_UREFS_MAX;
        if pegged {
            return;
        }
        e.urefs -= delta.min(e.urefs);
        if e.urefs > 0 {
            return;
        }
        let entry = *e;
        if entry.rights & MACH_PORT_TYPE_DEAD_NAME != 0 {
            self.free_name(t, name, work);
            return;
        }
        if let Obj::Port(p) = entry.object {
            e.rights &= !MACH_PORT_TYPE_SEND;
            if entry.rights & MACH_PORT_TYPE_RECEIVE == 0 {
                self.free_name(t, name, work);
            }
            // The send right goes; the entry's reference goes with the name.
            if let Some(port) = self.port_mut(p) {
                port.srights = port.srights.saturating_sub(1);
                if port.srights == 0 {
                    self.check_no_senders(p);
                }
            }
            if entry.rights & MACH_PORT_TYPE_RECEIVE == 0 {
                self.port_unref(p);
            }
        }
    }

    /// Destroys every right of `name` (mach_port_destroy, task termination).
    pub(crate) fn destroy_name(
        &mut self,
        t: TaskId,
        name: mach_port_name_t,
        work: &mut Vec<Carried>,
    ) {
        let Some(entry) = self.lookup(t, name) else {
            return;
        };
        match entry.object {
            Obj::None => self.free_name(t, name, work),
            Obj::Pset(s) => {
                self.free_name(t, name, work);
                self.destroy_pset(s);
            }
            Obj::Port(p) => {
                self.free_name(t, name, work);
                if entry.rights & MACH_PORT_TYPE_SEND_ONCE != 0 {
                    work.push(Carried::SendOnce(p));
                    return;
                }
                // `work` is a stack: the receive right goes on first so that the send right
                // is released before the port dies, as ipc_right_destroy does (an armed
                // no-senders request then fires as NO_SENDERS, not as SEND_ONCE).
                if entry.rights & MACH_PORT_TYPE_RECEIVE != 0 {
                    self.port_ref(p);
                    if let Some(port) = self.port_mut(p) {
                        port.receiver = Receiver::Transit(None);
                    }
                    work.push(Carried::Receive(p));
                }
                if entry.rights & MACH_PORT_TYPE_SEND != 0 {
                    // The entry's send right: its reference is the entry's.
                    self.copy_send(p);
                    work.push(Carried::Send(p));
                    if let Some(port) = self.port_mut(p) {
                        port.srights -= 1;
                    }
                }
                self.port_unref(p);
            }
        }
    }

    pub(crate) fn destroy_pset(&mut self, s: PsetId) {
        if let Some(set) = self.psets.remove(s) {
            for m in set.members {
                if let Some(port) = self.port_mut(m) {
                    port.psets.retain(|&x| x != s);
                }
            }
            set.cv.notify_all();
            self.signal();
        }
    }

    /// Releases every right in `work` (and whatever they release in turn).
    pub(crate) fn drain(&mut self, work: &mut Vec<Carried>) {
        while let Some(r) = work.pop() {
            self.release(r);
        }
    }
}
