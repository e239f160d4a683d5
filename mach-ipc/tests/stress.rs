//! Many threads sending through shared ports at once: nothing is lost or duplicated, every
//! right carried comes back or is released, and once every task has terminated nothing is
//! left.
//!
//! Three tasks: a server holding the receive rights of two shared ports, both members of one
//! port set, and two client tasks holding send rights to them. `CLIENT_THREADS` threads (half
//! in each client task, sharing its space) send `MESSAGES` messages each, every one carrying a
//! right made from the thread's own port: a send right in a port descriptor, a send-once
//! reply right in the header, or a send-once right in a port descriptor. `SERVER_THREADS`
//! threads of the server receive from the set at the same time, count every message id,
//! deallocate the rights they are given and answer the reply rights. Each client thread then
//! drains its own port: one reply per reply right, one send-once notification per send-once
//! right the server deallocated.
//!
//! Twelve threads in all, more than the cores of a small machine, so that they contend for
//! the kernel's locks; debug builds check the lock order on every lock taken.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

mod msgkit;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::{DESCRIPTORS_START, HEADER_SIZE};
use darling_mach_ipc::{KernReturn, Kernel, Task};
use msgkit::{Msg, ST_MSGCOUNT, after_port_descs, at, hdr, port_desc, recv_opts, status, trailer};
use zerocopy::IntoBytes;

const CLIENT_THREADS: usize = 8;
const SERVER_THREADS: usize = 4;
const MESSAGES: usize = 5000;
/// Replies carry the request's id plus this.
const REPLY_BASE: i32 = 1_000_000;
/// The message that stops a server thread.
const QUIT: i32 = -1;
/// Long enough for any wait in a healthy run; a lost message fails instead of hanging.
const TIMEOUT_MS: u32 = 20_000;
const BUF: usize = 256;

/// What a client thread sends as message `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A port descriptor with a copy of the thread's send right.
    SendRight,
    /// A send-once reply right made from the thread's port; the server replies.
    Reply,
    /// A port descriptor with a send-once right made from the thread's port; the server
    /// deallocates it, so the thread gets a send-once notification.
    SendOnce,
}

fn kind(i: usize) -> Kind {
    match i % 3 {
        0 => Kind::SendRight,
        1 => Kind::Reply,
        _ => Kind::SendOnce,
    }
}

fn message_id(thread: usize, i: usize) -> i32 {
    (thread * MESSAGES + i) as i32
}

/// Sends message `i` of client thread `thread` (whose port is `own`) to `dest`.
fn send_one(task: &Task, thread: usize, i: usize, dest: u32, own: u32) {
    let id = message_id(thread, i);
    let payload = [thread as u32, i as u32];
    let msg = match kind(i) {
        Kind::SendRight | Kind::SendOnce => {
            let disposition = if kind(i) == Kind::SendRight {
                MACH_MSG_TYPE_COPY_SEND
            } else {
                MACH_MSG_TYPE_MAKE_SEND_ONCE
            };
            Msg::new(dest, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0).port(own, disposition)
        }
        Kind::Reply => Msg::new(
            dest,
            MACH_MSG_TYPE_COPY_SEND,
            own,
            MACH_MSG_TYPE_MAKE_SEND_ONCE,
        ),
    };
    msg.id(id)
        .data(payload.as_bytes())
        .send_opts(task, MACH_SEND_TIMEOUT, TIMEOUT_MS)
        .0
        .unwrap_or_else(|e| panic!("thread {thread} message {i}: send failed: {e:?}"));
}

/// The server loop of one thread: receives from the set until a QUIT message.
fn serve(server: Task, set: u32, seen: Arc<Vec<AtomicU32>>, pids: [u32; 2]) {
    let option = MACH_RCV_TIMEOUT
        | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0 as mach_msg_option_t)
        | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
    loop {
        let (r, b) = recv_opts(&server, set, BUF, option, TIMEOUT_MS);
        r.expect("server receive");
        let h = hdr(&b);
        let id = h.msgh_id;
        if id == QUIT {
            return;
        }
        let index = usize::try_from(id).expect("a request id");
        assert!(index < seen.len(), "unknown id {id}");
        seen[index].fetch_add(1, Ordering::Relaxed);
        let (thread, i) = (index / MESSAGES, index % MESSAGES);
        let size = h.msgh_size as usize;
        let bits = h.msgh_bits;
        // The audit trailer names the sending task.
        let pid = trailer(&b).audit().expect("an audit trailer").val[5];
        assert_eq!(pid, pids[thread % 2], "message {id}: sender pid");
        match kind(i) {
            Kind::SendRight | Kind::SendOnce => {
                assert_ne!(bits & MACH_MSGH_BITS_COMPLEX, 0, "message {id}: complex");
                assert_eq!(size, 48, "message {id}: size");
                // The payload, after the port descriptor.
                let payload: [u32; 2] = at(&b, after_port_descs(1));
                assert_eq!(payload, [thread as u32, i as u32], "message {id}: payload");
                let (name, disposition, _) = port_desc(&b, DESCRIPTORS_START);
                let expected = if kind(i) == Kind::SendRight {
                    MACH_MSG_TYPE_PORT_SEND
                } else {
                    MACH_MSG_TYPE_PORT_SEND_ONCE
                };
                assert_eq!(disposition, expected, "message {id}: type");
                assert!(
                    name != MACH_PORT_NULL && name != MACH_PORT_DEAD,
                    "message {id}: right {name:#x}"
                );
                // Gives the right up: a send right just goes, a send-once right sends its
                // notification to the client's port.
                server
                    .mach_port_deallocate(name)
                    .unwrap_or_else(|e| panic!("message {id}: deallocate {name:#x}: {e:?}"));
            }
            Kind::Reply => {
                assert_eq!(bits & MACH_MSGH_BITS_COMPLEX, 0, "message {id}: simple");
                assert_eq!(size, 32, "message {id}: size");
                assert_eq!(
                    MACH_MSGH_BITS_REMOTE(bits),
                    MACH_MSG_TYPE_PORT_SEND_ONCE,
                    "message {id}: reply right"
                );
                let payload: [u32; 2] = at(&b, HEADER_SIZE);
                assert_eq!(payload, [thread as u32, i as u32], "message {id}: payload");
                Msg::new(
                    h.msgh_remote_port,
                    MACH_MSG_TYPE_MOVE_SEND_ONCE,
                    MACH_PORT_NULL,
                    0,
                )
                .id(REPLY_BASE + id)
                .send_opts(&server, MACH_SEND_TIMEOUT, TIMEOUT_MS)
                .0
                .unwrap_or_else(|e| panic!("message {id}: reply: {e:?}"));
            }
        }
    }
}

/// A client thread: sends its messages, then drains its port.
fn client(task: Task, thread: usize, dests: [u32; 2], own: u32, start: Arc<Barrier>) {
    start.wait();
    for i in 0..MESSAGES {
        send_one(&task, thread, i, dests[i % 2], own);
    }
    let replies: HashSet<i32> = (0..MESSAGES)
        .filter(|&i| kind(i) == Kind::Reply)
        .map(|i| REPLY_BASE + message_id(thread, i))
        .collect();
    let notifications = (0..MESSAGES).filter(|&i| kind(i) == Kind::SendOnce).count();
    let mut got_replies = HashSet::new();
    let mut got_notifications = 0;
    while got_replies.len() < replies.len() || got_notifications < notifications {
        let (r, b) = recv_opts(&task, own, BUF, MACH_RCV_TIMEOUT, TIMEOUT_MS);
        r.unwrap_or_else(|e| {
            panic!(
                "thread {thread}: {} of {} replies, {got_notifications} of {notifications} \
                 notifications, then {e:?}",
                got_replies.len(),
                replies.len()
            )
        });
        let h = hdr(&b);
        let id = h.msgh_id;
        if id == MACH_NOTIFY_SEND_ONCE {
            got_notifications += 1;
        } else {
            assert!(replies.contains(&id), "thread {thread}: unexpected id {id}");
            assert!(got_replies.insert(id), "thread {thread}: reply {id} twice");
        }
        assert_eq!(h.msgh_local_port, own, "received on the thread's own port");
    }
    assert_eq!(got_notifications, notifications);
}

/// The queue length of the receive right `name`.
fn queued(task: &Task, name: u32) -> u32 {
    status(task, name)[ST_MSGCOUNT]
}

fn sorted(mut v: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    v.sort_unstable();
    v
}

#[test]
fn threads_share_ports_and_a_set_without_losing_anything() -> Result<(), KernReturn> {
    let started = std::time::Instant::now();
    let kernel = Kernel::new();
    let server = kernel.task_create(None);
    let clients = [kernel.task_create(None), kernel.task_create(None)];
    let pids = [clients[0].pid(), clients[1].pid()];

    // The server's two ports, both in one set.
    let set = server.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET)?;
    let ports = [
        server.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?,
        server.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?,
    ];
    for p in ports {
        server.mach_port_insert_member(p, set)?;
    }
    // Each client task's send rights to them.
    let mut dests = [[0u32; 2]; 2];
    for (c, d) in clients.iter().zip(&mut dests) {
        for (slot, p) in d.iter_mut().zip(ports) {
            *slot = server
                .mach_port_extract_right(p, MACH_MSG_TYPE_MAKE_SEND, c)?
                .0;
        }
    }
    // Each client thread's own port, with a send right, in its task.
    let mut own = Vec::new();
    for thread in 0..CLIENT_THREADS {
        let task = &clients[thread % 2];
        let name = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        task.mach_port_insert_right(name, name, MACH_MSG_TYPE_MAKE_SEND)?;
        own.push(name);
    }

    let seen: Arc<Vec<AtomicU32>> = Arc::new(
        (0..CLIENT_THREADS * MESSAGES)
            .map(|_| AtomicU32::new(0))
            .collect(),
    );
    let servers: Vec<_> = (0..SERVER_THREADS)
        .map(|_| {
            let (server, seen) = (server.clone(), Arc::clone(&seen));
            thread::spawn(move || serve(server, set, seen, pids))
        })
        .collect();
    let start = Arc::new(Barrier::new(CLIENT_THREADS));
    let client_threads: Vec<_> = (0..CLIENT_THREADS)
        .map(|thread| {
            let task = clients[thread % 2].clone();
            let (dests, own, start) = (dests[thread % 2], own[thread], Arc::clone(&start));
            thread::spawn(move || client(task, thread, dests, own, start))
        })
        .collect();
    for t in client_threads {
        t.join().expect("client thread");
    }
    // Every request has been received (each reply and notification came after its
    // request); the stop messages come after them all.
    for _ in 0..SERVER_THREADS {
        Msg::new(dests[0][0], MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0)
            .id(QUIT)
            .send(&clients[0])?;
    }
    for t in servers {
        t.join().expect("server thread");
    }

    // Each message exactly once.
    let counts: Vec<u32> = seen.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let wrong: Vec<_> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c != 1)
        .take(10)
        .collect();
    assert!(wrong.is_empty(), "ids not seen exactly once: {wrong:?}");

    // Rights balance: the server holds its set and two receive rights, nothing it was sent;
    // each client its two send rights and its threads' ports (one send uref each).
    let mut expected = vec![
        (set, MACH_PORT_TYPE_PORT_SET),
        (ports[0], MACH_PORT_TYPE_RECEIVE),
        (ports[1], MACH_PORT_TYPE_RECEIVE),
    ];
    expected.sort_unstable();
    assert_eq!(sorted(server.mach_port_names()?), expected);
    for p in ports {
        assert_eq!(queued(&server, p), 0, "port {p:#x} drained");
    }
    for (c, task) in clients.iter().enumerate() {
        let mut expected = vec![
            (dests[c][0], MACH_PORT_TYPE_SEND),
            (dests[c][1], MACH_PORT_TYPE_SEND),
        ];
        for thread in (c..CLIENT_THREADS).step_by(2) {
            let name = own[thread];
            expected.push((name, MACH_PORT_TYPE_SEND_RECEIVE));
            assert_eq!(task.mach_port_get_refs(name, MACH_PORT_RIGHT_SEND)?, 1);
            assert_eq!(queued(task, name), 0, "thread {thread}'s port drained");
        }
        expected.sort_unstable();
        assert_eq!(sorted(task.mach_port_names()?), expected, "client task {c}");
        for d in dests[c] {
            assert_eq!(task.mach_port_get_refs(d, MACH_PORT_RIGHT_SEND)?, 1);
        }
    }

    for task in clients.iter().chain([&server]) {
        task.terminate();
    }
    assert_eq!(kernel.port_count(), 1, "only the host port is left");
    assert_eq!(kernel.port_set_count(), 0);
    assert_eq!(kernel.task_count(), 0);
    eprintln!(
        "{CLIENT_THREADS} client threads x {MESSAGES} messages, {SERVER_THREADS} server \
         threads: {:?}",
        started.elapsed()
    );
    Ok(())
}
