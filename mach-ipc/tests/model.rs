//! A state-machine property test: random operations on rights over two or three tasks
//! (allocating, making, giving, moving and copying send, send-once and receive rights,
//! deallocating, `mod_refs`, destroying, sending and receiving messages carrying rights)
//! checked after every step against a small reference model of which rights and user
//! references each task holds for each port, which messages wait in which queue and what
//! they carry. The kernel's names, types and urefs must match the model exactly, its port
//! count must match the ports the model says exist, and once every task is gone only the
//! host port may remain: no right leaked, duplicated or forged.

mod msgkit;

use std::collections::{BTreeMap, VecDeque};

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{KernReturn, Kernel, Task};
use msgkit::*;
use proptest::prelude::*;

/// Which of several entries an operation takes (modulo their number).
type Index = usize;

/// A name no task will ever be given (index 0x7fffff).
const BOGUS: u32 = 0x7fff_ff03;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    /// Receive right held by a task under a name.
    Task(usize, u32),
    /// Receive right copied into a message not yet queued.
    InFlight,
    /// Receive right inside a message queued on that port.
    Queued(usize),
    Dead,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Right {
    Send(usize),
    SendOnce(usize),
    Recv(usize),
    Dead,
}

#[derive(Clone, Debug)]
struct MMsg {
    /// The message id; `MACH_NOTIFY_SEND_ONCE` for a send-once notification.
    id: i32,
    rights: Vec<Right>,
}

#[derive(Clone, Debug)]
struct MPort {
    loc: Loc,
    queue: VecDeque<MMsg>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct MEntry {
    port: Option<usize>,
    recv: bool,
    send: u32,
    so: bool,
    dead: u32,
    set: bool,
}

impl MEntry {
    fn type_bits(&self) -> u32 {
        let mut t = 0;
        if self.recv {
            t |= MACH_PORT_TYPE_RECEIVE;
        }
        if self.send > 0 {
            t |= MACH_PORT_TYPE_SEND;
        }
        if self.so {
            t |= MACH_PORT_TYPE_SEND_ONCE;
        }
        if self.dead > 0 {
            t |= MACH_PORT_TYPE_DEAD_NAME;
        }
        if self.set {
            t |= MACH_PORT_TYPE_PORT_SET;
        }
        t
    }

    fn is_empty(&self) -> bool {
        self.type_bits() == 0
    }
}

#[derive(Debug, Default)]
struct Model {
    ports: Vec<MPort>,
    tasks: Vec<BTreeMap<u32, MEntry>>,
}

impl Model {
    fn alive(&self, p: usize) -> bool {
        self.ports[p].loc != Loc::Dead
    }

    /// Releases a right held outside any space.
    fn release(&mut self, r: Right) {
        match r {
            Right::SendOnce(p) if self.alive(p) => self.ports[p].queue.push_back(MMsg {
                id: MACH_NOTIFY_SEND_ONCE,
                rights: Vec::new(),
            }),
            Right::Recv(p) => self.kill(p),
            _ => {}
        }
    }

    /// The port dies: its queue is destroyed, send and send-once rights to it become dead
    /// names.
    fn kill(&mut self, p: usize) {
        if !self.alive(p) {
            return;
        }
        self.ports[p].loc = Loc::Dead;
        let queue = std::mem::take(&mut self.ports[p].queue);
        for m in queue {
            for r in m.rights {
                self.release(r);
            }
        }
        for space in &mut self.tasks {
            for e in space.values_mut() {
                if e.port == Some(p) {
                    assert!(!e.recv, "a receive right of a dead port");
                    e.dead = if e.so { 1 } else { e.send };
                    e.port = None;
                    e.send = 0;
                    e.so = false;
                }
            }
        }
    }

    fn entry(&mut self, t: usize, name: u32) -> Option<&mut MEntry> {
        self.tasks[t].get_mut(&name)
    }

    fn tidy(&mut self, t: usize, name: u32) {
        if self.tasks[t].get(&name).is_some_and(MEntry::is_empty) {
            self.tasks[t].remove(&name);
        }
    }

    /// Copies a right in from `t`'s `name` with `d` (a message body's rules: dead names
    /// are taken as MACH_PORT_DEAD by the send dispositions).
    fn copyin(&mut self, t: usize, name: u32, d: u32) -> Option<Right> {
        let e = *self.tasks[t].get(&name)?;
        if e.set {
            return None;
        }
        let r = match d {
            MACH_MSG_TYPE_COPY_SEND if e.dead > 0 => Right::Dead,
            MACH_MSG_TYPE_COPY_SEND if e.send > 0 => Right::Send(e.port?),
            MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE if e.dead > 0 => {
                self.entry(t, name)?.dead -= 1;
                Right::Dead
            }
            MACH_MSG_TYPE_MOVE_SEND if e.send > 0 => {
                self.entry(t, name)?.send -= 1;
                Right::Send(e.port?)
            }
            MACH_MSG_TYPE_MOVE_SEND_ONCE if e.so => {
                self.entry(t, name)?.so = false;
                Right::SendOnce(e.port?)
            }
            MACH_MSG_TYPE_MAKE_SEND if e.recv => Right::Send(e.port?),
            MACH_MSG_TYPE_MAKE_SEND_ONCE if e.recv => Right::SendOnce(e.port?),
            MACH_MSG_TYPE_MOVE_RECEIVE if e.recv => {
                let p = e.port?;
                self.entry(t, name)?.recv = false;
                self.ports[p].loc = Loc::InFlight;
                Right::Recv(p)
            }
            _ => return None,
        };
        // The entry keeps its port only while it holds a right to it.
        if let Some(e) = self.entry(t, name)
            && !e.recv
            && e.send == 0
            && !e.so
        {
            e.port = None;
        }
        self.tidy(t, name);
        Some(r)
    }

    /// The name a right copied out into `t` must get: `Some(existing)` when it joins a
    /// name, `None` for a new name; applies the change once `actual` is known.
    fn copyout(&mut self, t: usize, r: Right, actual: u32) {
        match r {
            Right::Dead => assert_eq!(actual, MACH_PORT_DEAD),
            Right::Send(p) | Right::SendOnce(p) if !self.alive(p) => {
                assert_eq!(actual, MACH_PORT_DEAD);
            }
            Right::Send(p) => {
                let existing = self.tasks[t]
                    .iter()
                    .find(|(_, e)| e.port == Some(p) && (e.recv || e.send > 0))
                    .map(|(&n, _)| n);
                match existing {
                    Some(n) => {
                        assert_eq!(actual, n, "send right coalesces");
                        let e = self.entry(t, n).unwrap();
                        e.send = (e.send + 1).min(MACH_PORT_UREFS_MAX);
                    }
                    None => self.new_entry(
                        t,
                        actual,
                        MEntry {
                            port: Some(p),
                            send: 1,
                            ..MEntry::default()
                        },
                    ),
                }
            }
            Right::SendOnce(p) => self.new_entry(
                t,
                actual,
                MEntry {
                    port: Some(p),
                    so: true,
                    ..MEntry::default()
                },
            ),
            Right::Recv(p) => {
                let existing = self.tasks[t]
                    .iter()
                    .find(|(_, e)| e.port == Some(p) && e.send > 0)
                    .map(|(&n, _)| n);
                match existing {
                    Some(n) => {
                        assert_eq!(actual, n, "receive right joins its send right");
                        self.entry(t, n).unwrap().recv = true;
                    }
                    None => self.new_entry(
                        t,
                        actual,
                        MEntry {
                            port: Some(p),
                            recv: true,
                            ..MEntry::default()
                        },
                    ),
                }
                self.ports[p].loc = Loc::Task(t, actual);
            }
        }
    }

    fn new_entry(&mut self, t: usize, name: u32, e: MEntry) {
        assert!(
            name != MACH_PORT_NULL && name != MACH_PORT_DEAD,
            "new name {name:#x}"
        );
        assert_eq!(name & 3, 3, "kernel-chosen names end in binary 11");
        assert!(
            self.tasks[t].insert(name, e).is_none(),
            "new name {name:#x} already in use"
        );
    }

    /// Whether a receive right `r` sent to `dest` would end up inside itself.
    fn circular(&self, r: usize, dest: usize) -> bool {
        let mut at = dest;
        loop {
            if at == r {
                return true;
            }
            match self.ports[at].loc {
                Loc::Queued(next) => at = next,
                _ => return false,
            }
        }
    }

    /// Ports the kernel still has: live ones, and dead ones still referenced by rights in
    /// queued messages.
    fn port_count(&self) -> usize {
        let mut dead_referenced = std::collections::BTreeSet::new();
        for port in &self.ports {
            for m in &port.queue {
                for r in &m.rights {
                    if let Right::Send(p) | Right::SendOnce(p) = *r
                        && !self.alive(p)
                    {
                        dead_referenced.insert(p);
                    }
                }
            }
        }
        self.ports.iter().filter(|p| p.loc != Loc::Dead).count() + dead_referenced.len()
    }
}

#[derive(Clone, Debug)]
enum Op {
    AllocRecv(usize),
    AllocSet(usize),
    /// insert_right(n, n, MAKE_SEND) on a receive right.
    MakeSend(usize, Index),
    /// extract_right(receive, MAKE_SEND or MAKE_SEND_ONCE) into another task.
    Give(usize, Index, usize, bool),
    Deallocate(usize, Index),
    ModRefs(usize, Index, u32, i32),
    Destroy(usize, Index),
    /// A message from a task to one of its names, carrying rights (entry, disposition
    /// choice), maybe with a bogus name at the end.
    Send(usize, Index, Vec<(Index, usize)>, bool),
    Receive(usize, Index),
}

fn op() -> impl Strategy<Value = Op> {
    let t = 0..3usize;
    prop_oneof![
        3 => t.clone().prop_map(Op::AllocRecv),
        1 => t.clone().prop_map(Op::AllocSet),
        2 => (t.clone(), any::<usize>()).prop_map(|(t, i)| Op::MakeSend(t, i)),
        3 => (t.clone(), any::<usize>(), 0..3usize, any::<bool>())
            .prop_map(|(t, i, to, so)| Op::Give(t, i, to, so)),
        2 => (t.clone(), any::<usize>()).prop_map(|(t, i)| Op::Deallocate(t, i)),
        3 => (t.clone(), any::<usize>(), 0..6u32, -2..=2i32)
            .prop_map(|(t, i, r, d)| Op::ModRefs(t, i, r, d)),
        1 => (t.clone(), any::<usize>()).prop_map(|(t, i)| Op::Destroy(t, i)),
        5 => (
            t.clone(),
            any::<usize>(),
            prop::collection::vec((any::<usize>(), 0..5usize), 0..4),
            prop::bool::weighted(0.15),
        )
            .prop_map(|(t, i, d, b)| Op::Send(t, i, d, b)),
        4 => (t, any::<usize>()).prop_map(|(t, i)| Op::Receive(t, i)),
    ]
}

struct World {
    kernel: Kernel,
    tasks: Vec<Task>,
    model: Model,
    next_id: i32,
}

impl World {
    fn new(n: usize) -> World {
        let kernel = Kernel::new();
        let tasks = (0..n).map(|_| kernel.task_create(None)).collect();
        World {
            kernel,
            tasks,
            model: Model {
                ports: Vec::new(),
                tasks: vec![BTreeMap::new(); n],
            },
            next_id: 1000,
        }
    }

    /// The names of `t`'s entries, in order, optionally only those matching `f`.
    fn pick(&self, t: usize, i: &Index, f: impl Fn(&MEntry) -> bool) -> Option<u32> {
        let names: Vec<u32> = self.model.tasks[t]
            .iter()
            .filter(|(_, e)| f(e))
            .map(|(&n, _)| n)
            .collect();
        (!names.is_empty()).then(|| names[i % names.len()])
    }

    fn apply(&mut self, op: &Op) {
        let n = self.tasks.len();
        let m = &mut self.model;
        match *op {
            Op::AllocRecv(t) => {
                let t = t % n;
                let name = self.tasks[t]
                    .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
                    .unwrap();
                // Room enough that no send ever blocks.
                self.tasks[t]
                    .mach_port_set_attributes(name, MACH_PORT_LIMITS_INFO, &[1024])
                    .unwrap();
                m.ports.push(MPort {
                    loc: Loc::Task(t, name),
                    queue: VecDeque::new(),
                });
                let p = m.ports.len() - 1;
                m.new_entry(
                    t,
                    name,
                    MEntry {
                        port: Some(p),
                        recv: true,
                        ..MEntry::default()
                    },
                );
            }
            Op::AllocSet(t) => {
                let t = t % n;
                let name = self.tasks[t]
                    .mach_port_allocate(MACH_PORT_RIGHT_PORT_SET)
                    .unwrap();
                m.new_entry(
                    t,
                    name,
                    MEntry {
                        set: true,
                        ..MEntry::default()
                    },
                );
            }
            Op::MakeSend(t, ref i) => {
                let t = t % n;
                let Some(name) = self.pick(t, i, |e| e.recv) else {
                    return;
                };
                let m = &mut self.model;
                self.tasks[t]
                    .mach_port_insert_right(name, name, MACH_MSG_TYPE_MAKE_SEND)
                    .unwrap();
                m.entry(t, name).unwrap().send += 1;
            }
            Op::Give(t, ref i, to, so) => {
                let (t, to) = (t % n, to % n);
                let Some(name) = self.pick(t, i, |e| e.recv) else {
                    return;
                };
                let m = &mut self.model;
                let p = m.tasks[t][&name].port.unwrap();
                let d = if so {
                    MACH_MSG_TYPE_MAKE_SEND_ONCE
                } else {
                    MACH_MSG_TYPE_MAKE_SEND
                };
                let (got, ty) = self.tasks[t]
                    .mach_port_extract_right(name, d, &self.tasks[to])
                    .unwrap();
                let r = if so {
                    assert_eq!(ty, MACH_MSG_TYPE_PORT_SEND_ONCE);
                    Right::SendOnce(p)
                } else {
                    assert_eq!(ty, MACH_MSG_TYPE_PORT_SEND);
                    Right::Send(p)
                };
                m.copyout(to, r, got);
            }
            Op::Deallocate(t, ref i) => {
                let t = t % n;
                let Some(name) = self.pick(t, i, |_| true) else {
                    return;
                };
                let m = &mut self.model;
                let en = m.tasks[t][&name];
                let got = self.tasks[t].mach_port_deallocate(name);
                if en.set {
                    m.tasks[t].remove(&name);
                } else if en.so {
                    m.tasks[t].remove(&name);
                    m.release(Right::SendOnce(en.port.unwrap()));
                } else if en.send > 0 {
                    let x = m.entry(t, name).unwrap();
                    x.send -= 1;
                    if x.send == 0 && !x.recv {
                        x.port = None;
                    }
                    m.tidy(t, name);
                } else if en.dead > 0 {
                    m.entry(t, name).unwrap().dead -= 1;
                    m.tidy(t, name);
                } else {
                    assert_eq!(got, e(KERN_INVALID_RIGHT));
                    return;
                }
                assert_eq!(got, Ok(()));
            }
            Op::Destroy(t, ref i) => {
                let t = t % n;
                let Some(name) = self.pick(t, i, |_| true) else {
                    return;
                };
                let m = &mut self.model;
                self.tasks[t].mach_port_destroy(name).unwrap();
                let e = m.tasks[t].remove(&name).unwrap();
                if e.so {
                    m.release(Right::SendOnce(e.port.unwrap()));
                }
                if e.recv {
                    m.kill(e.port.unwrap());
                }
            }
            Op::ModRefs(t, ref i, right, delta) => {
                let t = t % n;
                let Some(name) = self.pick(t, i, |_| true) else {
                    return;
                };
                let got = self.tasks[t].mach_port_mod_refs(name, right, delta);
                let want = self.model_mod_refs(t, name, right, delta);
                assert_eq!(got, want, "mod_refs({name:#x}, {right}, {delta})");
            }
            Op::Send(t, ref i, ref descs, bogus) => {
                let t = t % n;
                let Some(dest) = self.pick(t, i, |_| true) else {
                    return;
                };
                self.send(t, dest, descs, bogus);
            }
            Op::Receive(t, ref i) => {
                let t = t % n;
                let Some(name) = self.pick(t, i, |e| e.recv) else {
                    return;
                };
                self.receive(t, name);
            }
        }
    }

    fn model_mod_refs(
        &mut self,
        t: usize,
        name: u32,
        right: u32,
        delta: i32,
    ) -> Result<(), KernReturn> {
        let m = &mut self.model;
        let en = m.tasks[t][&name];
        let bad_value = e(KERN_INVALID_VALUE);
        let bad_right = e(KERN_INVALID_RIGHT);
        match right {
            MACH_PORT_RIGHT_SEND => {
                if en.send == 0 {
                    return bad_right;
                }
                if delta < 0 && (-delta) as u32 > en.send {
                    return bad_value;
                }
                let x = m.entry(t, name).unwrap();
                x.send = x.send.checked_add_signed(delta).unwrap();
                if x.send == 0 && !x.recv {
                    x.port = None;
                }
                m.tidy(t, name);
            }
            MACH_PORT_RIGHT_RECEIVE => {
                if !en.recv {
                    return bad_right;
                }
                match delta {
                    0 => {}
                    -1 => {
                        let p = en.port.unwrap();
                        m.entry(t, name).unwrap().recv = false;
                        m.tidy(t, name);
                        m.kill(p);
                    }
                    _ => return bad_value,
                }
            }
            MACH_PORT_RIGHT_SEND_ONCE => {
                if !en.so {
                    return bad_right;
                }
                match delta {
                    0 => {}
                    -1 => {
                        m.tasks[t].remove(&name);
                        m.release(Right::SendOnce(en.port.unwrap()));
                    }
                    _ => return bad_value,
                }
            }
            MACH_PORT_RIGHT_PORT_SET => {
                if !en.set {
                    return bad_right;
                }
                match delta {
                    0 => {}
                    -1 => {
                        m.tasks[t].remove(&name);
                    }
                    _ => return bad_value,
                }
            }
            MACH_PORT_RIGHT_DEAD_NAME => {
                if en.dead == 0 {
                    return bad_right;
                }
                if delta < 0 && (-delta) as u32 > en.dead {
                    return bad_value;
                }
                let x = m.entry(t, name).unwrap();
                x.dead = x.dead.checked_add_signed(delta).unwrap();
                m.tidy(t, name);
            }
            _ => return bad_right,
        }
        Ok(())
    }

    fn send(&mut self, t: usize, dest: u32, descs: &[(Index, usize)], bogus: bool) {
        let id = self.next_id;
        self.next_id += 1;
        let m = &mut self.model;
        let de = m.tasks[t][&dest];
        // Names and dispositions for the descriptors, from the entries as they are now.
        let names: Vec<u32> = m.tasks[t].keys().copied().collect();
        let mut body: Vec<(u32, u32)> = descs
            .iter()
            .map(|(i, c)| {
                let name = names[i % names.len()];
                let e = m.tasks[t][&name];
                let choices: &[u32] = if e.recv {
                    &[
                        MACH_MSG_TYPE_MAKE_SEND,
                        MACH_MSG_TYPE_MAKE_SEND_ONCE,
                        MACH_MSG_TYPE_MOVE_RECEIVE,
                        MACH_MSG_TYPE_COPY_SEND,
                        MACH_MSG_TYPE_MOVE_SEND,
                    ]
                } else if e.send > 0 {
                    &[MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND]
                } else if e.so {
                    &[MACH_MSG_TYPE_MOVE_SEND_ONCE]
                } else if e.dead > 0 {
                    &[
                        MACH_MSG_TYPE_COPY_SEND,
                        MACH_MSG_TYPE_MOVE_SEND,
                        MACH_MSG_TYPE_MOVE_SEND_ONCE,
                    ]
                } else {
                    &[MACH_MSG_TYPE_MOVE_RECEIVE]
                };
                (name, choices[c % choices.len()])
            })
            .collect();
        if bogus {
            body.push((BOGUS, MACH_MSG_TYPE_COPY_SEND));
        }
        let rd = if de.send > 0 {
            MACH_MSG_TYPE_COPY_SEND
        } else if de.recv {
            MACH_MSG_TYPE_MAKE_SEND
        } else if de.so {
            MACH_MSG_TYPE_MOVE_SEND_ONCE
        } else {
            MACH_MSG_TYPE_COPY_SEND
        };
        let mut msg = Msg::new(dest, rd, 0, 0).id(id);
        msg.complex = true;
        for &(name, d) in &body {
            msg = msg.port(name, d);
        }
        let got = msg.send(&self.tasks[t]);
        // The model: the destination first.
        let Some(dp) = de.port.filter(|_| !de.set && de.dead == 0) else {
            assert_eq!(got, e(MACH_SEND_INVALID_DEST));
            return;
        };
        let header = m.copyin(t, dest, rd).expect("destination copyin");
        let mut carried = Vec::new();
        for &(name, d) in &body {
            match m.copyin(t, name, d) {
                Some(r) => carried.push(r),
                None => {
                    // Everything copied in so far is destroyed, the header's right too.
                    for r in carried {
                        m.release(r);
                    }
                    m.release(header);
                    assert_eq!(got, e(MACH_SEND_INVALID_RIGHT), "{body:x?}");
                    return;
                }
            }
        }
        assert_eq!(got, Ok(()), "{body:x?}");
        let circular = carried.iter().any(|r| match *r {
            Right::Recv(x) => m.circular(x, dp),
            _ => false,
        });
        if circular {
            for r in carried {
                m.release(r);
            }
            m.release(header);
            return;
        }
        for r in &carried {
            if let Right::Recv(x) = *r {
                m.ports[x].loc = Loc::Queued(dp);
            }
        }
        m.ports[dp].queue.push_back(MMsg {
            id,
            rights: carried,
        });
    }

    fn receive(&mut self, t: usize, name: u32) {
        let m = &mut self.model;
        let p = m.tasks[t][&name].port.unwrap();
        let (got, b) = recv_opts(&self.tasks[t], name, 4096, MACH_RCV_TIMEOUT, 0);
        let Some(msg) = m.ports[p].queue.pop_front() else {
            assert_eq!(got, e(MACH_RCV_TIMED_OUT));
            return;
        };
        got.unwrap();
        let h = hdr(&b);
        assert_eq!(
            (h.msgh_id, h.msgh_local_port, h.msgh_remote_port),
            (msg.id, name, 0)
        );
        if msg.id == MACH_NOTIFY_SEND_ONCE {
            assert_eq!(
                h.msgh_size as usize,
                notification_size(MACH_NOTIFY_SEND_ONCE)
            );
            return;
        }
        assert_eq!(descriptor_count(&b) as usize, msg.rights.len());
        for (i, r) in msg.rights.into_iter().enumerate() {
            let (n, _, _) = port_desc(&b, after_port_descs(i));
            m.copyout(t, r, n);
        }
    }

    /// The kernel's names, types and urefs against the model's, and its port count.
    fn check(&self) {
        for (t, task) in self.tasks.iter().enumerate() {
            let got = names(task);
            let want: Vec<(u32, u32)> = self.model.tasks[t]
                .iter()
                .map(|(&n, e)| (n, e.type_bits()))
                .collect();
            assert_eq!(got, want, "names of task {t}");
            for (&n, e) in &self.model.tasks[t] {
                assert_eq!(refs(task, n, MACH_PORT_RIGHT_SEND), e.send, "{n:#x}");
                assert_eq!(refs(task, n, MACH_PORT_RIGHT_DEAD_NAME), e.dead, "{n:#x}");
                assert_eq!(refs(task, n, MACH_PORT_RIGHT_RECEIVE), u32::from(e.recv));
                assert_eq!(refs(task, n, MACH_PORT_RIGHT_SEND_ONCE), u32::from(e.so));
            }
        }
        // The host port, each task's two ports, and the model's.
        assert_eq!(
            self.kernel.port_count(),
            1 + 2 * self.tasks.len() + self.model.port_count(),
            "port count"
        );
    }
}

fn run(ntasks: usize, ops: &[Op]) {
    let mut w = World::new(ntasks);
    for op in ops {
        w.apply(op);
        w.check();
    }
    let kernel = w.kernel.clone();
    for t in &w.tasks {
        t.terminate();
    }
    assert_eq!(kernel.port_count(), 1, "only the host port is left");
    assert_eq!(kernel.port_set_count(), 0);
    assert_eq!(kernel.task_count(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn rights_match_the_model(ntasks in 2..=3usize, ops in prop::collection::vec(op(), 1..80)) {
        run(ntasks, &ops);
    }
}

/// A fixed sequence touching every operation, so the model itself is exercised even if
/// the random cases happen to miss something.
#[test]
fn fixed_sequence() {
    let i = |x: usize| x;
    let ops = vec![
        Op::AllocRecv(0),
        Op::AllocRecv(1),
        Op::AllocSet(2),
        Op::MakeSend(0, i(0)),
        Op::Give(0, i(0), 1, false),
        Op::Give(0, i(0), 2, true),
        Op::Give(1, i(0), 0, false),
        Op::Send(1, i(1), vec![(i(0), 2), (i(1), 1)], false),
        Op::Send(2, i(0), vec![], false),
        Op::Receive(0, i(0)),
        Op::Receive(0, i(0)),
        Op::ModRefs(0, i(1), MACH_PORT_RIGHT_SEND, 2),
        Op::Send(0, i(1), vec![(i(1), 1)], true),
        Op::Destroy(0, i(0)),
        Op::Deallocate(1, i(0)),
        Op::ModRefs(1, i(0), MACH_PORT_RIGHT_DEAD_NAME, -1),
        Op::Receive(0, i(0)),
    ];
    run(3, &ops);
}
