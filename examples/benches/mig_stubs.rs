//! What the generated stubs cost over raw `mach_msg`: a `window_set_frame` call (48-byte
//! request, 36-byte reply) through the generated client, demux and `Server` trait, against
//! the same exchange written by hand (the same bytes, the same send-once reply right, a
//! server loop that answers with a 36-byte reply), each timed in chunks interleaved with
//! the other. Goal: stubs ≤ 1.1× raw.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use darling_mach_ipc::consts::*;
use darling_mach_ipc::{KernReturn, Kernel, Task};

include!(concat!(env!("OUT_DIR"), "/window.rs"));

struct Frames;

impl window::Server for Frames {
    fn create_window(&self, server: mach_port_t) -> Result<mach_port_t, KernReturn> {
        Ok(server)
    }

    fn window_set_frame(
        &self,
        _: mach_port_t,
        x: i32,
        y: i32,
        w: i32,
        h: i32,
    ) -> Result<(), KernReturn> {
        black_box((x, y, w, h));
        Ok(())
    }
}

/// A client and a server task; the server's port, and the client's send right to it.
fn setup() -> (Kernel, Task, Task, mach_port_name_t, mach_port_name_t) {
    let kernel = Kernel::new();
    let client = kernel.task_create(None);
    let server = kernel.task_create(None);
    let port = server
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("port");
    let (send, _) = server
        .mach_port_extract_right(port, MACH_MSG_TYPE_MAKE_SEND, &client)
        .expect("send");
    (kernel, client, server, port, send)
}

fn put(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

/// The hand-written server: answers every request with migcom's 36-byte success reply.
fn raw_server(task: &Task, port: mach_port_name_t) {
    let mut buf = [0u8; 128];
    let mut reply = [0u8; 64];
    while task
        .mach_msg(&mut buf, MACH_RCV_MSG, 0, 128, port, 0, 0)
        .is_ok()
    {
        put(
            &mut reply,
            0,
            MACH_MSGH_BITS(
                MACH_MSGH_BITS_REMOTE(u32::from_ne_bytes(buf[0..4].try_into().expect("4"))),
                0,
            ),
        );
        put(&mut reply, 4, 36);
        reply[8..12].copy_from_slice(&buf[8..12]);
        put(&mut reply, 12, 0);
        put(
            &mut reply,
            20,
            u32::from_ne_bytes(buf[20..24].try_into().expect("4")) + 100,
        );
        reply[24..32].copy_from_slice(&NDR_record);
        put(&mut reply, 32, 0);
        let _ = task.mach_msg(&mut reply, MACH_SEND_MSG, 36, 0, 0, 0, 0);
    }
}

fn raw_call(
    task: &Task,
    send: mach_port_name_t,
    reply_port: mach_port_name_t,
    buf: &mut [u8; 128],
) {
    put(
        buf,
        0,
        MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
    );
    put(buf, 4, 48);
    put(buf, 8, send);
    put(buf, 12, reply_port);
    put(buf, 16, 0);
    put(buf, 20, 35001);
    buf[24..32].copy_from_slice(&NDR_record);
    for (i, v) in [10u32, 20, 640, 480].iter().enumerate() {
        put(buf, 32 + 4 * i, *v);
    }
    task.mach_msg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 48, 128, reply_port, 0, 0)
        .expect("raw call");
    assert_eq!(u32::from_ne_bytes(buf[32..36].try_into().expect("4")), 0);
}

/// Calls per chunk (small: the VM's state drifts within milliseconds): each benchmark
/// alternates a timed chunk of its own calls with an
/// untimed chunk of the other's, so that both are measured in the same conditions (on a
/// VM whose vCPUs drift apart, two benchmarks run one after the other can differ 2x).
const CHUNK: u64 = 50;

/// `n` calls of `timed`, in chunks each followed by as many untimed calls of `other`; the
/// time of the timed chunks.
fn interleaved(n: u64, timed: &mut dyn FnMut(u64), other: &mut dyn FnMut(u64)) -> Duration {
    let mut spent = Duration::ZERO;
    let mut left = n;
    while left > 0 {
        let k = left.min(CHUNK);
        left -= k;
        let start = Instant::now();
        timed(k);
        spent += start.elapsed();
        other(k);
    }
    spent
}

fn both(c: &mut Criterion) {
    let (_kernel, client, server, port, send) = setup();
    let task = server.clone();
    let serving = thread::spawn(move || window::serve(&Frames, &task, port));
    let raw_port = server
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("port");
    let (raw_send, _) = server
        .mach_port_extract_right(raw_port, MACH_MSG_TYPE_MAKE_SEND, &client)
        .expect("send");
    let raw_task = server.clone();
    let raw_serving = thread::spawn(move || raw_server(&raw_task, raw_port));
    let stub_client = window::Client::new(&client);
    let reply_port = client
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("reply port");
    let mut buf = [0u8; 128];
    let stub = |n: u64| {
        for _ in 0..n {
            stub_client
                .window_set_frame(send, 10, 20, 640, 480)
                .expect("call");
        }
    };
    let raw = |n: u64, buf: &mut [u8; 128]| {
        for _ in 0..n {
            raw_call(&client, raw_send, reply_port, buf);
        }
    };
    let mut group = c.benchmark_group("mig");
    group.bench_function("window_set_frame_stub", |b| {
        b.iter_custom(|n| interleaved(n, &mut |k| stub(k), &mut |k| raw(k, &mut buf)));
    });
    group.bench_function("window_set_frame_raw", |b| {
        b.iter_custom(|n| interleaved(n, &mut |k| raw(k, &mut buf), &mut |k| stub(k)));
    });
    group.finish();
    server.mach_port_destroy(port).expect("stop");
    server.mach_port_destroy(raw_port).expect("stop");
    let _ = serving.join();
    let _ = raw_serving.join();
}

criterion_group!(benches, both);
criterion_main!(benches);
