//! How long a request/reply round trip between two threads takes: `mach_msg` with a 64-byte
//! inline message, the same with one port descriptor, and a `crossbeam-channel` pair of
//! bounded(5) channels carrying 64 bytes, as the yardstick. Criterion times each apart; the
//! ratios, measured side by side in interleaved batches (with crossbeam's receivers blocking
//! and polling, and a bare model of the design as the floor), are `examples/rt_probe.rs`'s.
//!
//! Each benchmark keeps one echo thread (another task's server) alive for all its samples,
//! so thread creation is never timed: the client (thread A, task "client") sends to port X
//! and receives the reply on port Y in one `mach_msg(SEND | RCV)`; the server (thread B,
//! task "server") receives on X and replies to Y with the next receive in the same call, as
//! `mach_msg_server` does.

use std::hint::black_box;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::{self, DESCRIPTORS_START, HEADER_SIZE, MessageWriter};
use darling_mach_ipc::wire::{MachMsgHeader, MachMsgPortDescriptor};
use darling_mach_ipc::{Kernel, Task};

/// Bytes of every message sent (header included).
const MSG: u32 = 64;
/// Receive buffers: the message and any trailer.
const BUF: usize = 256;
/// Message id that makes a server stop.
const QUIT: i32 = 0x7151;
/// Round trips between resets of the client's user references (port-descriptor benchmark).
const CHUNK: u64 = 4096;

/// A `MSG`-byte message's header.
fn header(b: &mut [u8], bits: u32, remote: u32, id: i32) {
    MachMsgHeader {
        msgh_bits: bits,
        msgh_size: MSG,
        msgh_remote_port: remote,
        msgh_local_port: MACH_PORT_NULL,
        msgh_voucher_port: MACH_PORT_NULL,
        msgh_id: id,
    }
    .write(b)
    .expect("room for a header");
}

/// A port descriptor as the body's first (and only) descriptor.
fn port_descriptor(b: &mut [u8], name: u32, disposition: u32) {
    let mut w = MessageWriter::at(b, HEADER_SIZE);
    w.body(1).expect("room for the body");
    w.port(name, disposition).expect("room for a descriptor");
}

/// A client and a server task: the server holds the receive right X (the client a send right
/// to it), the client the receive right Y (the server a send right to it).
struct Pair {
    kernel: Kernel,
    client: Task,
    server: Task,
    /// X in the client's space.
    x_client: u32,
    /// X in the server's space.
    x_server: u32,
    /// Y in the client's space.
    y_client: u32,
    /// Y in the server's space.
    y_server: u32,
}

fn pair() -> Pair {
    let kernel = Kernel::new();
    let client = kernel.task_create(None);
    let server = kernel.task_create(None);
    let x_server = server
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("allocate X");
    let (x_client, _) = server
        .mach_port_extract_right(x_server, MACH_MSG_TYPE_MAKE_SEND, &client)
        .expect("send right to X");
    let y_client = client
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("allocate Y");
    let (y_server, _) = client
        .mach_port_extract_right(y_client, MACH_MSG_TYPE_MAKE_SEND, &server)
        .expect("send right to Y");
    Pair {
        kernel,
        client,
        server,
        x_client,
        x_server,
        y_client,
        y_server,
    }
}

/// The echo server: replies to every message on X with a message to Y; with `move_port`, the
/// reply carries back (MOVE_SEND) the send right the request's port descriptor brought.
fn serve(server: Task, x: u32, y: u32, move_port: bool) -> JoinHandle<u64> {
    thread::spawn(move || {
        let mut buf = [0u8; BUF];
        let mut served = 0u64;
        server
            .mach_msg(&mut buf, MACH_RCV_MSG, 0, BUF as u32, x, 0, 0)
            .expect("first receive");
        loop {
            if MachMsgHeader::read(&buf).expect("a header").msgh_id == QUIT {
                return served;
            }
            served += 1;
            if move_port {
                let name = message::read::<MachMsgPortDescriptor>(&buf, DESCRIPTORS_START)
                    .expect("a port descriptor")
                    .name;
                header(
                    &mut buf,
                    MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
                    y,
                    2,
                );
                port_descriptor(&mut buf, name, MACH_MSG_TYPE_MOVE_SEND);
            } else {
                header(&mut buf, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), y, 2);
            }
            server
                .mach_msg(
                    &mut buf,
                    MACH_SEND_MSG | MACH_RCV_MSG,
                    MSG,
                    BUF as u32,
                    x,
                    0,
                    0,
                )
                .expect("reply and receive");
        }
    })
}

fn stop(client: &Task, x_client: u32, server: JoinHandle<u64>) {
    let mut buf = [0u8; BUF];
    header(
        &mut buf,
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
        x_client,
        QUIT,
    );
    client
        .mach_msg(&mut buf, MACH_SEND_MSG, MSG, 0, 0, 0, 0)
        .expect("quit");
    server.join().expect("server thread");
}

fn finish(p: Pair) {
    p.client.terminate();
    p.server.terminate();
    assert_eq!(p.kernel.port_count(), 1, "ports leaked");
}

/// `n` request/reply round trips from the client, timed.
fn round_trips(p: &Pair, request: &[u8], buf: &mut [u8], n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        buf[..MSG as usize].copy_from_slice(&request[..MSG as usize]);
        p.client
            .mach_msg(
                buf,
                MACH_SEND_MSG | MACH_RCV_MSG,
                MSG,
                BUF as u32,
                p.y_client,
                0,
                0,
            )
            .expect("round trip");
        black_box(&buf);
    }
    start.elapsed()
}

fn mach_msg_inline(c: &mut Criterion) {
    let p = pair();
    let server = serve(p.server.clone(), p.x_server, p.y_server, false);
    let mut request = [0u8; BUF];
    header(
        &mut request,
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
        p.x_client,
        1,
    );
    for (i, b) in request[HEADER_SIZE..MSG as usize].iter_mut().enumerate() {
        *b = i as u8;
    }
    let mut buf = [0u8; BUF];
    c.bench_function("round_trip/mach_msg_64B", |b| {
        b.iter_custom(|iters| round_trips(&p, &request, &mut buf, iters));
    });
    stop(&p.client, p.x_client, server);
    finish(p);
}

fn mach_msg_port(c: &mut Criterion) {
    let p = pair();
    // The send right each request copies: one to a port of the client's.
    let z = p
        .client
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("allocate Z");
    p.client
        .mach_port_insert_right(z, z, MACH_MSG_TYPE_MAKE_SEND)
        .expect("send right to Z");
    let server = serve(p.server.clone(), p.x_server, p.y_server, true);
    let mut request = [0u8; BUF];
    header(
        &mut request,
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
        p.x_client,
        1,
    );
    port_descriptor(&mut request, z, MACH_MSG_TYPE_COPY_SEND);
    for (i, b) in request[DESCRIPTORS_START + size_of::<MachMsgPortDescriptor>()..MSG as usize]
        .iter_mut()
        .enumerate()
    {
        *b = i as u8;
    }
    let mut buf = [0u8; BUF];
    c.bench_function("round_trip/mach_msg_64B_port", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CHUNK);
                left -= n;
                total += round_trips(&p, &request, &mut buf, n);
                // Each reply brought the copied right back: one more uref on Z, dropped
                // outside the timing so that the count never saturates.
                p.client
                    .mach_port_mod_refs(z, MACH_PORT_RIGHT_SEND, -(n as i32))
                    .expect("drop the returned urefs");
            }
            total
        });
    });
    assert_eq!(
        p.client.mach_port_get_refs(z, MACH_PORT_RIGHT_SEND),
        Ok(1),
        "the port descriptors balanced"
    );
    stop(&p.client, p.x_client, server);
    finish(p);
}

/// Not a round trip: one thread sends a 64-byte message to its own port and receives it in
/// one call, so no thread waits. What the kernel's work costs without any hand-over.
fn mach_msg_same_thread(c: &mut Criterion) {
    let p = pair();
    let own = p
        .client
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("allocate");
    p.client
        .mach_port_insert_right(own, own, MACH_MSG_TYPE_MAKE_SEND)
        .expect("send right");
    let mut request = [0u8; BUF];
    header(
        &mut request,
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
        own,
        1,
    );
    let mut buf = [0u8; BUF];
    c.bench_function("round_trip/mach_msg_64B_same_thread", |b| {
        b.iter(|| {
            buf[..MSG as usize].copy_from_slice(&request[..MSG as usize]);
            p.client
                .mach_msg(
                    &mut buf,
                    MACH_SEND_MSG | MACH_RCV_MSG,
                    MSG,
                    BUF as u32,
                    own,
                    0,
                    0,
                )
                .expect("send and receive");
            black_box(&buf);
        });
    });
    finish(p);
}

fn crossbeam(c: &mut Criterion) {
    let (req_tx, req_rx) = crossbeam_channel::bounded::<[u8; 64]>(5);
    let (resp_tx, resp_rx) = crossbeam_channel::bounded::<[u8; 64]>(5);
    let server = thread::spawn(move || {
        for mut m in req_rx {
            m[0] = m[0].wrapping_add(1);
            if resp_tx.send(m).is_err() {
                break;
            }
        }
    });
    let mut payload = [0u8; 64];
    for (i, b) in payload.iter_mut().enumerate() {
        *b = i as u8;
    }
    c.bench_function("round_trip/crossbeam_bounded5_64B", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                req_tx.send(black_box(payload)).expect("send");
                black_box(resp_rx.recv().expect("recv"));
            }
            start.elapsed()
        });
    });
    drop(req_tx);
    server.join().expect("echo thread");
}

criterion_group!(
    benches,
    mach_msg_inline,
    mach_msg_port,
    crossbeam,
    mach_msg_same_thread
);
criterion_main!(benches);
