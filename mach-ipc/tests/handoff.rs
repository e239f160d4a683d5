//! Direct handoff: a simple message sent to a port whose receiver is already waiting goes
//! straight to that receiver (XNU's `ipc_mqueue_post` giving the message to a thread waiting
//! in `ipc_mqueue_receive`). Nothing a task can observe may differ from the message having
//! been queued and received: sequence numbers, order, counts of rights, notifications, a
//! receive right that moves while its receiver waits, a buffer too small.
//!
//! Which sends are handed over depends on timing (the receiver must be waiting on the port,
//! in its mailbox), so each test repeats its exchange many times with the receiver on its
//! own thread; most exchanges of a ping-pong are handed over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

mod msgkit;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::DESCRIPTORS_START;
use darling_mach_ipc::message::HEADER_SIZE;
use darling_mach_ipc::wire::{MachMsgGuardedPortDescriptor64, MachMsgOolDescriptor64};
use darling_mach_ipc::{KernReturn, Task};
use msgkit::*;

/// Receive options asking for a trailer with the sequence number, waiting up to `timeout`.
const SEQNO: i32 = MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO);

/// Spins for `d`: long enough for a receiver on another thread to start waiting, not so long
/// that it stops looking and sleeps.
fn pause(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// The next value from `rx`, looked for without sleeping; `None` once the sender is gone.
fn poll_recv<T>(rx: &mpsc::Receiver<T>) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(v) => return Some(v),
            Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
            Err(mpsc::TryRecvError::Disconnected) => return None,
        }
    }
}

/// A MIG-style ping-pong: requests with a send-once reply right, replies to it, every
/// seventh request complex (it goes through the queue). Order, sequence numbers, rights and
/// names come out as if every message had been queued.
#[test]
fn ping_pong_keeps_order_sequence_numbers_and_rights() {
    const ROUNDS: u32 = 3000;
    let (k, client) = setup();
    let server = k.task_create(None);
    let service = recv_port(&server);
    let (to_service, _) = server
        .mach_port_extract_right(service, MAKE, &client)
        .unwrap();
    let reply_port = recv_port(&client);
    let spare = port_with_send(&client);
    let names_before = names(&client).len();
    let h = thread::spawn(move || {
        for i in 0..ROUNDS {
            let (r, b) = recv_opts(&server, service, 256, SEQNO, 5000);
            r.unwrap();
            let h = hdr(&b);
            assert_eq!(h.msgh_id, i as i32);
            assert_eq!(trailer(&b).seqno(), Some(i), "request {i}");
            if h.msgh_bits & MACH_MSGH_BITS_COMPLEX != 0 {
                let (name, _, _) = port_desc(&b, after_port_descs(0));
                server.mach_port_deallocate(name).unwrap();
            }
            Msg::new(h.msgh_remote_port, MOVE_SO, 0, 0)
                .id(i as i32 + 100)
                .data(&[7; 16])
                .send(&server)
                .unwrap();
        }
        server
    });
    for i in 0..ROUNDS {
        let m = Msg::new(to_service, COPY, reply_port, MAKE_SO)
            .id(i as i32)
            .data(&[1; 40]);
        let m = if i % 7 == 3 { m.port(spare, COPY) } else { m };
        m.send(&client).unwrap();
        let (r, b) = recv_opts(&client, reply_port, 256, SEQNO, 5000);
        r.unwrap();
        assert_eq!(hdr(&b).msgh_id, i as i32 + 100);
        assert_eq!(trailer(&b).seqno(), Some(i), "reply {i}");
        assert_eq!(&b[HEADER_SIZE..HEADER_SIZE + 16], &[7; 16]);
    }
    let server = h.join().unwrap();
    let s = status(&server, service);
    assert_eq!((s[ST_SEQNO], s[ST_MSGCOUNT], s[ST_SRIGHTS]), (ROUNDS, 0, 1));
    let r = status(&client, reply_port);
    assert_eq!(
        (r[ST_SEQNO], r[ST_MSGCOUNT], r[ST_SORIGHTS]),
        (ROUNDS, 0, 0)
    );
    assert_eq!(status(&client, spare)[ST_SRIGHTS], 1);
    assert_eq!(names(&client).len(), names_before);
    assert_eq!(refs(&client, to_service, MACH_PORT_RIGHT_SEND), 1);
}

/// A receive right moved to another task while a thread of its old task waits on it: no
/// message sent after the move goes to that thread, which learns the port changed; the
/// message waits for the new receiver, and the thread's next receive, on another port, gets
/// that port's message (xnu-7195 `ipc_port_clear_receiver` wakes the waiters, which find the
/// port gone, and a moved port's messages move with it).
#[test]
fn a_receive_right_moved_while_its_receiver_waits_takes_its_messages_along() {
    const ROUNDS: u32 = 300;
    let (k, t) = setup();
    let other = k.task_create(None);
    let (go_tx, go_rx) = mpsc::channel::<(u32, u32)>();
    let (done_tx, done_rx) = mpsc::channel::<(Result<(), KernReturn>, i32)>();
    let waiter = t.clone();
    let h = thread::spawn(move || {
        while let Ok((p, q)) = go_rx.recv() {
            let (r, _) = recv_opts(&waiter, p, 256, MACH_RCV_TIMEOUT, 2000);
            // The thread's next receive, elsewhere: only that port's message.
            let (r2, b) = recv_opts(&waiter, q, 256, MACH_RCV_TIMEOUT, 2000);
            r2.unwrap();
            done_tx.send((r, hdr(&b).msgh_id)).unwrap();
        }
    });
    for i in 0..ROUNDS {
        let p = port_with_send(&t);
        let q = port_with_send(&t);
        go_tx.send((p, q)).unwrap();
        pause(Duration::from_micros(u64::from(i % 20)));
        let (moved, _) = t
            .mach_port_extract_right(p, MACH_MSG_TYPE_MOVE_RECEIVE, &other)
            .unwrap();
        Msg::new(p, COPY, 0, 0).id(1).send(&t).unwrap();
        Msg::new(q, COPY, 0, 0).id(2).send(&t).unwrap();
        let (r, next) = done_rx.recv().unwrap();
        assert!(
            matches!(r, Err(KernReturn(c)) if c == MACH_RCV_PORT_CHANGED || c == MACH_RCV_INVALID_NAME),
            "round {i}: the waiting receive gave {r:?}"
        );
        assert_eq!(next, 2, "round {i}");
        assert_eq!(hdr(&recv(&other, moved)).msgh_id, 1, "round {i}");
        t.mach_port_deallocate(p).unwrap();
        t.mach_port_mod_refs(q, MACH_PORT_RIGHT_RECEIVE, -1)
            .unwrap();
        t.mach_port_deallocate(q).unwrap();
        other
            .mach_port_mod_refs(moved, MACH_PORT_RIGHT_RECEIVE, -1)
            .unwrap();
    }
    drop(go_tx);
    h.join().unwrap();
}

/// A thread that receives on two ports in turn has its mailbox registered on both; a
/// message sent to one while the thread waits on the other is queued, never handed over:
/// every receive gets its own port's message, in order (xnu-7195.141.2 `ipc_mqueue_post`
/// hands a message only to a thread waiting on that message queue).
#[test]
fn a_message_is_handed_only_to_a_receive_waiting_on_its_port() {
    const ROUNDS: u32 = 2000;
    let (k, client) = setup();
    let server = k.task_create(None);
    let x = recv_port(&server);
    let y = recv_port(&server);
    let (to_x, _) = server.mach_port_extract_right(x, MAKE, &client).unwrap();
    let (to_y, _) = server.mach_port_extract_right(y, MAKE, &client).unwrap();
    let ack = recv_port(&client);
    let (ack_s, _) = client.mach_port_extract_right(ack, MAKE, &server).unwrap();
    let h = thread::spawn(move || {
        for i in 0..ROUNDS {
            // x's first message (often handed over: the thread waits on x, registered
            // there), then y's while x's second comes, then x's second.
            for (port, id, seqno) in [
                (x, 3 * i, 2 * i),
                (y, 3 * i + 1, i),
                (x, 3 * i + 2, 2 * i + 1),
            ] {
                let (r, b) = recv_opts(&server, port, 256, SEQNO, 5000);
                r.unwrap();
                let h = hdr(&b);
                assert_eq!(
                    (h.msgh_local_port, h.msgh_id),
                    (port, id as i32),
                    "round {i}"
                );
                assert_eq!(trailer(&b).seqno(), Some(seqno), "round {i}");
            }
            Msg::new(ack_s, COPY, 0, 0).send(&server).unwrap();
        }
    });
    for i in 0..ROUNDS {
        let send = |to, id: u32| {
            Msg::new(to, COPY, 0, 0)
                .id(id as i32)
                .send(&client)
                .unwrap()
        };
        send(to_x, 3 * i);
        pause(Duration::from_micros(u64::from(i % 5)));
        // Sent while the server waits on y, or is about to.
        send(to_x, 3 * i + 2);
        pause(Duration::from_micros(u64::from(i % 7)));
        send(to_y, 3 * i + 1);
        recv_opts(&client, ack, 256, MACH_RCV_TIMEOUT, 5000)
            .0
            .unwrap();
    }
    h.join().unwrap();
}

/// Two senders racing to a receiver waiting on their port: one message is handed over, the
/// other queued, and the receiver, which may see the queued one first (the port's activity
/// moved), still gets the handed one first. Nothing is lost or received twice, each sender's
/// messages come in its order, and sequence numbers count every message once.
#[test]
fn two_senders_racing_to_a_waiting_receiver_lose_nothing() {
    const EACH: u32 = 3000;
    let (k, server) = setup();
    let x = recv_port(&server);
    let senders: Vec<_> = (0..2u32)
        .map(|s| {
            let client = k.task_create(None);
            let (to_x, _) = server.mach_port_extract_right(x, MAKE, &client).unwrap();
            thread::spawn(move || {
                for i in 0..EACH {
                    Msg::new(to_x, COPY, 0, 0)
                        .id((s * EACH + i) as i32)
                        .send(&client)
                        .unwrap();
                    pause(Duration::from_micros(u64::from(i % 3)));
                }
            })
        })
        .collect();
    let mut next = [0, EACH];
    for n in 0..2 * EACH {
        let (r, b) = recv_opts(&server, x, 256, SEQNO, 5000);
        r.unwrap_or_else(|e| panic!("message {n}: {e:?} (next expected {next:?})"));
        let id = hdr(&b).msgh_id as u32;
        let from = (id / EACH) as usize;
        assert_eq!(id, next[from], "message {n}");
        next[from] += 1;
        assert_eq!(trailer(&b).seqno(), Some(n));
    }
    for h in senders {
        h.join().unwrap();
    }
}

/// Receiving threads that each take a few messages (some polling with a zero timeout) and
/// exit, one after another, while a sender streams: each registers its mailbox on the port
/// and dies with it registered, and the port's order and sequence numbers hold across them
/// (a dead thread's mailbox never waits, so the next message queues).
#[test]
fn short_lived_receivers_keep_the_port_in_order() {
    const MESSAGES: u32 = 20_000;
    let (k, client) = setup();
    let server = k.task_create(None);
    let x = recv_port(&server);
    let (to_x, _) = server.mach_port_extract_right(x, MAKE, &client).unwrap();
    let sender = thread::spawn(move || {
        for i in 0..MESSAGES {
            Msg::new(to_x, COPY, 0, 0)
                .id(i as i32)
                .send(&client)
                .unwrap();
            pause(Duration::from_micros(u64::from(i % 5)));
        }
    });
    let mut next = 0;
    while next < MESSAGES {
        let server = server.clone();
        next = thread::spawn(move || {
            let mut n = next;
            for j in 0..1 + next % 7 {
                if n == MESSAGES {
                    break;
                }
                let timeout = if j % 3 == 2 { 0 } else { 5000 };
                let (r, b) = recv_opts(&server, x, 256, SEQNO, timeout);
                if timeout == 0 && r == e(MACH_RCV_TIMED_OUT) {
                    continue;
                }
                r.unwrap();
                assert_eq!(hdr(&b).msgh_id as u32, n);
                assert_eq!(trailer(&b).seqno(), Some(n));
                n += 1;
            }
            n
        })
        .join()
        .unwrap();
    }
    sender.join().unwrap();
}

/// Receives until `stop`, each message's id pushed to `got`.
fn collect(
    task: Task,
    name: u32,
    got: Arc<Mutex<Vec<u32>>>,
    stop: Arc<AtomicBool>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let (r, b) = recv_opts(&task, name, 256, MACH_RCV_TIMEOUT, 2);
            if r.is_ok() {
                got.lock().unwrap().push(hdr(&b).msgh_id as u32);
            }
        }
    })
}

/// Sends `n` messages numbered 0.. to `dest` from `client`, waits (up to 10 s) until `got`
/// has as many, stops the threads `hs`, and checks that each message came exactly once.
fn stream_and_check(
    client: &Task,
    dest: u32,
    n: u32,
    got: &Mutex<Vec<u32>>,
    stop: &AtomicBool,
    hs: Vec<thread::JoinHandle<()>>,
) {
    for i in 0..n {
        Msg::new(dest, COPY, 0, 0)
            .id(i as i32)
            .send(client)
            .unwrap();
        pause(Duration::from_micros(u64::from(i % 5)));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while got.lock().unwrap().len() < n as usize && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::Relaxed);
    for h in hs {
        h.join().unwrap();
    }
    let mut all = got.lock().unwrap().clone();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>(), "lost or received twice");
}

/// A port moved into and out of a port set, over and over, while one thread receives on the
/// port and another on the set: a port in a set is never handed from, a registration made
/// before it joined is harmless, and every message is received exactly once.
#[test]
fn a_port_moving_in_and_out_of_a_set_loses_nothing() {
    let (k, server) = setup();
    let client = k.task_create(None);
    let x = recv_port(&server);
    let set = server.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let (to_x, _) = server.mach_port_extract_right(x, MAKE, &client).unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut hs: Vec<_> = [x, set]
        .into_iter()
        .map(|name| collect(server.clone(), name, got.clone(), stop.clone()))
        .collect();
    let (s, halt) = (server.clone(), stop.clone());
    hs.push(thread::spawn(move || {
        let mut i = 0u32;
        while !halt.load(Ordering::Relaxed) {
            let to = if i.is_multiple_of(2) {
                set
            } else {
                MACH_PORT_NULL
            };
            s.mach_port_move_member(x, to).unwrap();
            i += 1;
            pause(Duration::from_micros(u64::from(i % 50)));
        }
    }));
    stream_and_check(&client, to_x, 6000, &got, &stop, hs);
}

/// A receive right moved back and forth between two tasks (under one name in both) while
/// two threads of each wait on it: every move drops the port's registration, and every
/// message is received exactly once, by whichever task holds the right.
#[test]
fn a_receive_right_moving_between_tasks_loses_nothing() {
    let (k, a) = setup();
    let b = k.task_create(None);
    let client = k.task_create(None);
    let name = recv_port(&a);
    let (to_x, _) = a.mach_port_extract_right(name, MAKE, &client).unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut hs: Vec<_> = [&a, &b, &a, &b]
        .into_iter()
        .map(|t| collect(t.clone(), name, got.clone(), stop.clone()))
        .collect();
    let halt = stop.clone();
    hs.push(thread::spawn(move || {
        let mut i = 0u32;
        while !halt.load(Ordering::Relaxed) {
            let (from, to) = if i.is_multiple_of(2) {
                (&a, &b)
            } else {
                (&b, &a)
            };
            from.mach_port_insert_right_into(to, name, name, MACH_MSG_TYPE_MOVE_RECEIVE)
                .unwrap();
            i += 1;
            pause(Duration::from_micros(u64::from(i % 100)));
        }
    }));
    stream_and_check(&client, to_x, 4000, &got, &stop, hs);
}

/// Complex messages are handed over too, as XNU's `ipc_mqueue_post` hands over any message:
/// a receive right and out-of-line memory sent to a waiting receiver arrive whole (the
/// right in the receiver's space, the memory in its address space), in order, with their
/// sequence numbers, and nothing is left behind in either task.
#[test]
fn complex_messages_are_handed_over_with_their_rights_and_memory() {
    const ROUNDS: u32 = 1500;
    let (k, client) = setup();
    let server = k.task_create(None);
    let x = recv_port(&server);
    let (to_x, _) = server.mach_port_extract_right(x, MAKE, &client).unwrap();
    let ack = recv_port(&client);
    let (ack_s, _) = client.mach_port_extract_right(ack, MAKE, &server).unwrap();
    let (client_names, server_names) = (names(&client).len(), names(&server).len());
    let h = thread::spawn(move || {
        for i in 0..ROUNDS {
            let (r, b) = recv_opts(&server, x, 512, SEQNO, 5000);
            r.unwrap();
            assert_eq!(hdr(&b).msgh_id, i as i32);
            assert_eq!(trailer(&b).seqno(), Some(i));
            assert_eq!(descriptor_count(&b), 2);
            let (name, _, _) = port_desc(&b, after_port_descs(0));
            assert_eq!(ty(&server, name), Ok(MACH_PORT_TYPE_RECEIVE), "round {i}");
            let ool: MachMsgOolDescriptor64 = at(&b, after_port_descs(1));
            assert_eq!(server.vm_read(ool.address, 8), Ok(vec![i as u8; 8]));
            server.vm_deallocate(ool.address).unwrap();
            server
                .mach_port_mod_refs(name, MACH_PORT_RIGHT_RECEIVE, -1)
                .unwrap();
            Msg::new(ack_s, COPY, 0, 0).send(&server).unwrap();
        }
        server
    });
    for i in 0..ROUNDS {
        let carried = recv_port(&client);
        let memory = client.vm_allocate(vec![i as u8; 8]);
        Msg::new(to_x, COPY, 0, 0)
            .id(i as i32)
            .port(carried, MOVE_RECV)
            .ool(memory, 8, true, MACH_MSG_VIRTUAL_COPY)
            .send(&client)
            .unwrap();
        recv_opts(&client, ack, 256, MACH_RCV_TIMEOUT, 5000)
            .0
            .unwrap();
    }
    let server = h.join().unwrap();
    assert_eq!(names(&client).len(), client_names);
    assert_eq!(names(&server).len(), server_names);
    let s = status(&server, x);
    assert_eq!((s[ST_SEQNO], s[ST_MSGCOUNT], s[ST_SRIGHTS]), (ROUNDS, 0, 1));
}

/// Two threads receiving on one port, each message received once: the thread that is not
/// registered for handoff finds its messages in the queue, and sequence numbers count every
/// message once.
#[test]
fn two_receivers_on_one_port_get_each_message_once() {
    const MESSAGES: u32 = 4000;
    let (k, client) = setup();
    let server = k.task_create(None);
    let x = recv_port(&server);
    let (to_x, _) = server.mach_port_extract_right(x, MAKE, &client).unwrap();
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let server = server.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let (r, b) = recv_opts(&server, x, 256, SEQNO, 5000);
                    r.unwrap();
                    let id = hdr(&b).msgh_id;
                    if id < 0 {
                        return got;
                    }
                    got.push((id as u32, trailer(&b).seqno().unwrap()));
                }
            })
        })
        .collect();
    for i in 0..MESSAGES {
        Msg::new(to_x, COPY, 0, 0)
            .id(i as i32)
            .send(&client)
            .unwrap();
        pause(Duration::from_micros(u64::from(i % 7)));
    }
    for _ in 0..2 {
        Msg::new(to_x, COPY, 0, 0).id(-1).send(&client).unwrap();
    }
    let mut all: Vec<(u32, u32)> = receivers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_unstable();
    // Each message once, and its sequence number is its place in the port's order.
    assert_eq!(all.len(), MESSAGES as usize);
    for (i, (id, seqno)) in all.into_iter().enumerate() {
        assert_eq!((id, seqno), (i as u32, i as u32));
    }
}

/// A message larger than the waiting receiver's buffer is not handed over: without
/// `MACH_RCV_LARGE` the receive destroys it and says `MACH_RCV_TOO_LARGE`; with it, the
/// message stays queued and the receive learns its size.
#[test]
fn a_message_too_large_for_the_waiting_receiver_stays_in_the_queue() {
    const ROUNDS: u32 = 200;
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let waiter = t.clone();
    let (go_tx, go_rx) = mpsc::channel::<i32>();
    let (done_tx, done_rx) = mpsc::channel::<(Result<(), KernReturn>, u32)>();
    let h = thread::spawn(move || {
        while let Ok(option) = go_rx.recv() {
            // Room for 40 bytes of message before the 8-byte trailer.
            let (r, b) = recv_opts(&waiter, p, 48, option | MACH_RCV_TIMEOUT, 2000);
            done_tx.send((r, hdr(&b).msgh_size)).unwrap();
        }
    });
    for i in 0..ROUNDS {
        let large = i % 2 == 1;
        go_tx.send(if large { MACH_RCV_LARGE } else { 0 }).unwrap();
        pause(Duration::from_micros(u64::from(i % 20)));
        Msg::new(p, COPY, 0, 0)
            .id(5)
            .data(&[3; 40])
            .send(&t)
            .unwrap();
        let (r, size) = done_rx.recv().unwrap();
        assert_eq!(r, e(MACH_RCV_TOO_LARGE), "round {i}");
        if large {
            assert_eq!(size, 64, "round {i}: the size the receive learns");
            assert_eq!(hdr(&recv(&t, p)).msgh_id, 5);
        } else {
            assert_eq!(size, HEADER_SIZE as u32, "round {i}: a bare header");
        }
        assert!(empty(&t, p));
    }
    drop(go_tx);
    h.join().unwrap();
    // One sequence number per message, destroyed or received.
    assert_eq!(status(&t, p)[ST_SEQNO], ROUNDS);
}

/// Receives on each port `go` names, with its message's first port descriptor's name sent
/// back through `done` (0 if the receive failed).
fn descriptor_receiver(
    task: Task,
    go: mpsc::Receiver<u32>,
    done: mpsc::Sender<(Result<(), KernReturn>, u32)>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        while let Some(q) = poll_recv(&go) {
            let (r, b) = recv_opts(&task, q, 512, MACH_RCV_TIMEOUT, 2000);
            let name = if r.is_ok() {
                port_desc(&b, DESCRIPTORS_START).0
            } else {
                0
            };
            done.send((r, name)).unwrap();
        }
    })
}

/// A receive right P handed over to a thread of task A (in a message on A's port Q) is in
/// no queue until the thread copies it out, so Q's receive right sent into P meanwhile,
/// by another thread of A, makes no cycle. In any order the two could have run, either P
/// was copied out first, and Q waits in P's queue, or Q moved first, and the receive on Q
/// fails; never is P received, the send of Q into it a success, and Q gone. (A handoff that
/// left P marked as inside Q's queue made the check see a cycle and destroy Q: found by
/// review.)
#[test]
fn a_receive_right_handed_over_is_in_no_queue() {
    hand_over_a_receive_right_then_move_q_into_it(false);
}

/// The same with the kernel moving Q: Q's port-destroyed notification goes to P, P is handed
/// over in a message on Q, and Q is destroyed before the copyout. Either P was copied out
/// first, and the notification carrying Q waits in P's queue, or Q died first, with P still
/// in its queue (a cycle: the receive fails); never is P received with the notification
/// destroyed as circular.
#[test]
fn a_port_destroyed_notification_into_a_right_handed_over_arrives() {
    hand_over_a_receive_right_then_move_q_into_it(true);
}

fn hand_over_a_receive_right_then_move_q_into_it(by_port_destroyed: bool) {
    const ROUNDS: u32 = 2000;
    let (k, s) = setup();
    let a = k.task_create(None);
    let (go_tx, go_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let h = descriptor_receiver(a.clone(), go_rx, done_tx);
    for i in 0..ROUNDS {
        let q = recv_port(&a);
        let (q_in_s, _) = a.mach_port_extract_right(q, MAKE, &s).unwrap();
        let p = recv_port(&s);
        let disposition = if by_port_destroyed { MAKE_SO } else { MAKE };
        let (p_in_a, _) = s.mach_port_extract_right(p, disposition, &a).unwrap();
        if by_port_destroyed {
            a.mach_port_request_notification(q, MACH_NOTIFY_PORT_DESTROYED, 0, p_in_a, MOVE_SO)
                .unwrap();
        }
        go_tx.send(q).unwrap();
        pause(Duration::from_micros(u64::from(5 + i % 10)));
        Msg::new(q_in_s, COPY, 0, 0)
            .port(p, MOVE_RECV)
            .send(&s)
            .unwrap();
        if by_port_destroyed {
            a.mach_port_mod_refs(q, MACH_PORT_RIGHT_RECEIVE, -1)
                .unwrap();
        } else {
            let sent = Msg::new(p_in_a, COPY, 0, 0)
                .id(7)
                .port(q, MOVE_RECV)
                .send(&a);
            assert_eq!(sent, Ok(()), "round {i}");
        }
        let (got, pn) = done_rx.recv().unwrap();
        if got.is_ok() {
            let on_p = try_recv(&a, pn).map(|b| hdr(&b).msgh_id);
            let expected = if by_port_destroyed {
                MACH_NOTIFY_PORT_DESTROYED
            } else {
                7
            };
            assert_eq!(on_p, Ok(expected), "round {i}: Q is not in P's queue");
        }
        for task in [&a, &s] {
            for (n, _) in names(task) {
                let _ = task.mach_port_destroy(n);
            }
        }
    }
    drop(go_tx);
    h.join().unwrap();
}

/// A guarded port descriptor is larger for a receive that takes it as it is
/// (`MACH_RCV_GUARDED_DESC`): a message that would fit a waiting receiver's buffer only in
/// the plain form is not handed to a receiver that asked for the guarded one. It stays
/// queued for `MACH_RCV_LARGE`, which learns the guarded size, and a larger buffer then
/// takes it with its guarded descriptor.
#[test]
fn a_guarded_descriptor_counts_as_the_waiting_receive_will_take_it() {
    const ROUNDS: u32 = 200;
    let (k, t) = setup();
    let owner = k.task_create(None);
    let p = recv_port(&owner);
    let (s, _) = owner.mach_port_extract_right(p, MAKE, &t).unwrap();
    let plain = after_port_descs(1) + 4;
    let guarded = DESCRIPTORS_START + size_of::<MachMsgGuardedPortDescriptor64>() + 4;
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<(Result<(), KernReturn>, u32)>();
    let waiter = owner.clone();
    let h = thread::spawn(move || {
        while go_rx.recv().is_ok() {
            // Room for the plain form and the 8-byte trailer.
            let opts = MACH_RCV_GUARDED_DESC | MACH_RCV_LARGE | MACH_RCV_TIMEOUT;
            let (r, b) = recv_opts(&waiter, p, plain + 8, opts, 2000);
            done_tx.send((r, hdr(&b).msgh_size)).unwrap();
        }
    });
    for i in 0..ROUNDS {
        go_tx.send(()).unwrap();
        pause(Duration::from_micros(u64::from(i % 20)));
        let carried = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
        Msg::new(s, COPY, 0, 0)
            .guarded(
                carried,
                MOVE_RECV,
                MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND as u16,
                0,
            )
            .data(b"GGGG")
            .send(&t)
            .unwrap();
        let (r, size) = done_rx.recv().unwrap();
        assert_eq!(
            (r, size as usize),
            (e(MACH_RCV_TOO_LARGE), guarded),
            "round {i}"
        );
        let (r, m) = recv_opts(&owner, p, 256, MACH_RCV_GUARDED_DESC | MACH_RCV_TIMEOUT, 0);
        r.unwrap();
        let d: MachMsgGuardedPortDescriptor64 = at(&m, DESCRIPTORS_START);
        assert_eq!(d.type_(), MACH_MSG_GUARDED_PORT_DESCRIPTOR, "round {i}");
        owner
            .mach_port_mod_refs(d.name, MACH_PORT_RIGHT_RECEIVE, -1)
            .unwrap();
    }
    drop(go_tx);
    h.join().unwrap();
    assert_eq!(status(&owner, p)[ST_SEQNO], ROUNDS);
}

/// A make-send right used as the destination of a message handed to a waiting receiver is
/// used up by that delivery, as by a receive from the queue: with no other send right, the
/// port's no-senders request fires, with the make-send count.
#[test]
fn a_handed_over_make_send_destination_leaves_no_senders() {
    const ROUNDS: u32 = 200;
    let (_k, t) = setup();
    let p = recv_port(&t);
    let notify = recv_port(&t);
    let waiter = t.clone();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<Result<(), KernReturn>>();
    let h = thread::spawn(move || {
        while go_rx.recv().is_ok() {
            let (r, _) = recv_opts(&waiter, p, 256, MACH_RCV_TIMEOUT, 2000);
            done_tx.send(r).unwrap();
        }
    });
    for i in 0..ROUNDS {
        // Armed for the make-send count the message's right brings (sync 0 would fire at
        // once, with no send right yet).
        t.mach_port_request_notification(p, MACH_NOTIFY_NO_SENDERS, i + 1, notify, MAKE_SO)
            .unwrap();
        assert!(empty(&t, notify));
        go_tx.send(()).unwrap();
        pause(Duration::from_micros(u64::from(i % 20)));
        Msg::new(p, MAKE, 0, 0).id(9).send(&t).unwrap();
        done_rx.recv().unwrap().unwrap();
        let n = recv(&t, notify);
        assert_eq!(hdr(&n).msgh_id, MACH_NOTIFY_NO_SENDERS, "round {i}");
        assert_eq!(
            notification_word(&n),
            i + 1,
            "round {i}: the make-send count"
        );
        assert_eq!(status(&t, p)[ST_SRIGHTS], 0);
    }
    drop(go_tx);
    h.join().unwrap();
}

/// Calls made while their thread's locals are being destroyed (from another thread-local's
/// destructor, after the thread's mailbox and body pool are gone) work: a receive waits
/// without handoff and times out as any receive does; a send and its receive go through.
#[test]
fn a_receive_from_a_thread_local_destructor_still_works() {
    struct AtExit {
        task: darling_mach_ipc::Task,
        port: u32,
        result: mpsc::Sender<Result<(), KernReturn>>,
    }
    impl Drop for AtExit {
        fn drop(&mut self) {
            let (r, _) = recv_opts(&self.task, self.port, 256, MACH_RCV_TIMEOUT, 1);
            let _ = self.result.send(r);
            // A send with a body too large to sit in the message, and its receive.
            let sent = Msg::new(self.port, COPY, 0, 0)
                .id(4)
                .data(&[9; 100])
                .send(&self.task);
            let got = sent.and_then(|()| {
                let (r, b) = recv_opts(&self.task, self.port, 256, MACH_RCV_TIMEOUT, 1);
                r.map(|()| assert_eq!(&b[HEADER_SIZE..HEADER_SIZE + 100], &[9; 100]))
            });
            let _ = self.result.send(got);
        }
    }
    thread_local! {
        static AT_EXIT: std::cell::RefCell<Option<AtExit>> = const { std::cell::RefCell::new(None) };
    }
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let (tx, rx) = mpsc::channel();
    let task = t.clone();
    thread::spawn(move || {
        // Registered first, so destroyed after the mailbox, which the receive below makes.
        AT_EXIT.with(|a| {
            *a.borrow_mut() = Some(AtExit {
                task: task.clone(),
                port: p,
                result: tx,
            });
        });
        let (r, _) = recv_opts(&task, p, 256, MACH_RCV_TIMEOUT, 1);
        assert_eq!(r, e(MACH_RCV_TIMED_OUT));
        Msg::new(p, COPY, 0, 0).data(&[1; 100]).send(&task).unwrap();
        recv(&task, p);
    })
    .join()
    .unwrap();
    assert_eq!(rx.recv().unwrap(), e(MACH_RCV_TIMED_OUT));
    assert_eq!(rx.recv().unwrap(), Ok(()));
}

/// A message handed to a waiting receiver is copied out a moment later, under the
/// receiver's space lock; by then the receive right may be gone. The message then names
/// what the space holds at copyout, as xnu-7195.141.2 `ipc_kmsg_copyout_header` does:
/// `MACH_PORT_DEAD` for a destroyed port, never the old name (here even reused for a new
/// port). The reply right's fresh name shows the copyout came after the destroy.
#[test]
fn a_handed_over_message_names_its_port_as_it_is_at_copyout() {
    names_its_port_as_it_is_at_copyout(false);
}

/// The same for a message taken off a member of a port set, which is copied out after the
/// set's and the port's locks are dropped.
#[test]
fn a_message_received_through_a_set_names_its_port_as_it_is_at_copyout() {
    names_its_port_as_it_is_at_copyout(true);
}

fn names_its_port_as_it_is_at_copyout(via_set: bool) {
    const ROUNDS: u32 = 2000;
    let (k, t) = setup();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    // Through a set, a message to this member ends a receive that found nothing else.
    let wake = port_with_send(&t);
    t.mach_port_move_member(wake, set).unwrap();
    let other = k.task_create(None);
    let x = recv_port(&other);
    let (go_tx, go_rx) = mpsc::channel::<u32>();
    let (done_tx, done_rx) = mpsc::channel::<(Result<(), KernReturn>, Vec<u8>)>();
    let waiter = t.clone();
    let h = thread::spawn(move || {
        // The go is polled, not slept on: a thread woken from sleep starts its receive tens
        // of microseconds late, after the port it was to wait on is gone, and the round
        // tests nothing.
        while let Some(p) = poll_recv(&go_rx) {
            // (A direct receive that starts after its name went to a new port waits for
            // nothing: a short timeout.)
            let (from, timeout) = if via_set { (set, 500) } else { (p, 5) };
            done_tx
                .send(recv_opts(&waiter, from, 256, MACH_RCV_TIMEOUT, timeout))
                .unwrap();
        }
    });
    for i in 0..ROUNDS {
        let p = recv_port(&t);
        if via_set {
            t.mach_port_move_member(p, set).unwrap();
        }
        let (xn, _) = other.mach_port_extract_right(x, MAKE, &t).unwrap();
        go_tx.send(p).unwrap();
        pause(Duration::from_micros(u64::from(i % 30)));
        Msg::new(p, MAKE, xn, COPY).id(1).send(&t).unwrap();
        t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
            .unwrap();
        let reused = i % 2 == 1;
        if reused {
            t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, p)
                .unwrap();
        }
        t.mach_port_deallocate(xn).unwrap();
        if via_set {
            Msg::new(wake, COPY, 0, 0).id(2).send(&t).unwrap();
        }
        let (r, b) = done_rx.recv().unwrap();
        if via_set {
            let _ = try_recv(&t, wake);
        }
        if r.is_ok() && hdr(&b).msgh_id == 1 {
            let h = hdr(&b);
            if h.msgh_remote_port != xn {
                assert_eq!(h.msgh_local_port, MACH_PORT_DEAD, "round {i}");
            }
            t.mach_port_deallocate(h.msgh_remote_port).unwrap();
        }
        if reused {
            t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
                .unwrap();
        }
    }
    drop(go_tx);
    h.join().unwrap();
}

/// A message handed to a waiting receiver whose task terminates before the copyout is
/// destroyed with the space (`MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE` from
/// xnu-7195.141.2 `ipc_kmsg_copyout_header`, or the port gone first): its reply right is not
/// put into the dead space, and its send-once notification comes.
#[test]
fn a_message_handed_to_a_dying_task_releases_its_rights() {
    const ROUNDS: u32 = 300;
    let k = darling_mach_ipc::Kernel::new();
    let other = k.task_create(None);
    let r = recv_port(&other);
    for i in 0..ROUNDS {
        let t = k.task_create(None);
        let p = recv_port(&t);
        let (pn, _) = t.mach_port_extract_right(p, MAKE, &other).unwrap();
        let waiter = t.clone();
        let h = thread::spawn(move || recv_opts(&waiter, p, 256, MACH_RCV_TIMEOUT, 5).0);
        pause(Duration::from_micros(u64::from(20 + i % 30)));
        Msg::new(pn, COPY, r, MAKE_SO).id(1).send(&other).unwrap();
        t.terminate();
        let got = h.join().unwrap();
        other.mach_port_deallocate(pn).unwrap();
        let mut notes = 0;
        while let Ok(b) = try_recv(&other, r) {
            assert_eq!(hdr(&b).msgh_id, MACH_NOTIFY_SEND_ONCE, "round {i}");
            notes += 1;
        }
        let sorights = status(&other, r)[ST_SORIGHTS];
        assert_eq!(
            (sorights, notes),
            (0, 1),
            "round {i}: the receive gave {got:?}"
        );
    }
}
