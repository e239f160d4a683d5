//! Round-trip time of `mach_msg` (64-byte inline message, SEND|RCV on both sides, two
//! threads) in batches of 100 000, each next to a one-cache-line ping-pong between the same
//! two threads (the machine's inter-core latency of the moment, to read the kernel's cost
//! against) and a crossbeam-channel bounded(5) round trip of 64 bytes between the same two
//! threads, so that the ratio compares runs made under the same conditions. On a VM whose
//! vCPUs move, criterion's numbers alone swing 2-3x between runs.
//!
//! Two more columns read the ratio. Crossbeam's receivers sleep after a few microseconds of
//! looking, where `mach_msg`'s look for some 50 µs; on a host where a sleeper takes long to
//! wake, crossbeam's blocking round trip is then the slower one, so it is also measured with
//! both threads polling (`try_recv` in a loop), which is what `mach_msg`'s waits amount to.
//! And `work` is what the round trip costs on one thread with no other core involved: two
//! sends and two receives on the client's own port, the floor that moving lines between
//! cores adds to.
//!
//! And `floor` is the same round trip through a bare model of this crate's design, with
//! none of Mach's rules: each send locks its task's space and looks the name up in a table,
//! locks the port and, if the receiving thread waits on that port in its mailbox, puts a
//! 128-byte message (a queued message's size) there, or else queues it and moves the port's
//! activity counter; each receive locks its space, looks the name up and, unless the
//! activity shows nothing queued since it last saw the queue empty, locks the port to take
//! a message or see it empty, then writes in its mailbox that it waits on the port and
//! watches the mailbox and the activity. What `mach_msg` costs above `floor` is the work of its rules
//! (rights, counts, checks, header, trailer); what `floor` costs above crossbeam is the
//! design's (two locks per side, and the lines they move between cores).
//!
//! Run with `cargo run --release -p darling-mach-ipc --example rt_probe [BATCHES]`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::wire::MachMsgHeader;
use darling_mach_ipc::{Kernel, Task};

#[repr(align(128))]
struct Line(AtomicU64);

/// The bare model of the design that the `floor` column measures.
mod floor {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};

    /// A message as queued or handed over: two cache lines.
    #[repr(align(64))]
    pub struct Msg([u8; 128]);

    /// A thread's mailbox: the port it waits on, and a message handed over.
    struct Slot {
        waiting: usize,
        msg: Option<Msg>,
    }

    #[repr(C, align(64))]
    struct Mailbox {
        full: AtomicBool,
        slot: Mutex<Slot>,
    }

    /// The port's lock and queue, on a line of their own.
    #[repr(align(64))]
    struct Queue(Mutex<VecDeque<Msg>>);

    /// The counter a waiting receiver watches: moved by every message queued.
    #[repr(align(64))]
    struct Activity(AtomicU64);

    pub struct Port {
        queue: Queue,
        /// The mailbox registered for handoff (one receiving thread in this model).
        mailbox: OnceLock<Arc<Mailbox>>,
        activity: Activity,
    }

    /// A task's names: a table of ports by index.
    #[repr(align(128))]
    pub struct Space(Mutex<Vec<Arc<Port>>>);

    thread_local! {
        static MAILBOX: Arc<Mailbox> = Arc::new(Mailbox {
            full: AtomicBool::new(false),
            slot: Mutex::new(Slot { waiting: 0, msg: None }),
        });
        /// The port this thread saw empty, and its activity then.
        static KNOWN_EMPTY: std::cell::Cell<(usize, u64)> = const { std::cell::Cell::new((0, 0)) };
    }

    impl Space {
        /// A space naming `ports` by index.
        pub fn new(ports: &[&Arc<Port>]) -> Space {
            Space(Mutex::new(ports.iter().map(|&p| Arc::clone(p)).collect()))
        }

        /// Sends `body` to the port named `name`.
        pub fn send(&self, name: usize, body: &[u8; 64]) {
            let names = self.0.lock().unwrap();
            let p = &names[name];
            let mut m = Msg([0; 128]);
            m.0[..64].copy_from_slice(body);
            let mut q = p.queue.0.lock().unwrap();
            if q.is_empty()
                && let Some(mb) = p.mailbox.get()
            {
                let mut slot = mb.slot.lock().unwrap();
                if slot.waiting == Arc::as_ptr(p) as usize && slot.msg.is_none() {
                    slot.msg = Some(m);
                    slot.waiting = 0;
                    mb.full.store(true, Ordering::Release);
                    return;
                }
            }
            q.push_back(m);
            drop(q);
            p.activity.0.fetch_add(1, Ordering::Release);
        }

        /// Receives from the port named `name` into `out`.
        pub fn receive(&self, name: usize, out: &mut [u8; 64]) {
            MAILBOX.with(|mb| {
                loop {
                    let names = self.0.lock().unwrap();
                    let p = Arc::clone(&names[name]);
                    let id = Arc::as_ptr(&p) as usize;
                    let (known, at) = KNOWN_EMPTY.get();
                    let now = p.activity.0.load(Ordering::Acquire);
                    let seen = if known == id && at == now {
                        now
                    } else {
                        let mut q = p.queue.0.lock().unwrap();
                        if let Some(m) = q.pop_front() {
                            out.copy_from_slice(&m.0[..64]);
                            return;
                        }
                        let seen = p.activity.0.load(Ordering::Acquire);
                        let _ = p.mailbox.set(Arc::clone(mb));
                        KNOWN_EMPTY.set((id, seen));
                        seen
                    };
                    mb.slot.lock().unwrap().waiting = id;
                    drop(names);
                    while p.activity.0.load(Ordering::Acquire) == seen {
                        if mb.full.load(Ordering::Acquire) {
                            let mut slot = mb.slot.lock().unwrap();
                            mb.full.store(false, Ordering::Relaxed);
                            if let Some(m) = slot.msg.take() {
                                out.copy_from_slice(&m.0[..64]);
                                return;
                            }
                        }
                        std::hint::spin_loop();
                    }
                    let mut slot = mb.slot.lock().unwrap();
                    slot.waiting = 0;
                    mb.full.store(false, Ordering::Relaxed);
                    if let Some(m) = slot.msg.take() {
                        out.copy_from_slice(&m.0[..64]);
                        return;
                    }
                }
            });
        }
    }

    /// A new port.
    pub fn port() -> Arc<Port> {
        Arc::new(Port {
            queue: Queue(Mutex::new(VecDeque::new())),
            mailbox: OnceLock::new(),
            activity: Activity(AtomicU64::new(0)),
        })
    }
}

/// A 64-byte message to `remote` (a copied send right) with id `id`.
fn request(buf: &mut [u8], remote: u32, id: i32) {
    MachMsgHeader {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
        msgh_size: 64,
        msgh_remote_port: remote,
        msgh_local_port: MACH_PORT_NULL,
        msgh_voucher_port: MACH_PORT_NULL,
        msgh_id: id,
    }
    .write(buf);
}

fn main() {
    let batches: usize = std::env::args().nth(1).map_or(20, |s| s.parse().unwrap());
    let per: u64 = 100_000;
    let kernel = Kernel::new();
    let client = kernel.task_create(None);
    let server = kernel.task_create(None);
    let xs = server.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (xc, _) = server
        .mach_port_extract_right(xs, MACH_MSG_TYPE_MAKE_SEND, &client)
        .unwrap();
    let yc = client.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let own = client.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    client
        .mach_port_insert_right(own, own, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    let (ys, _) = client
        .mach_port_extract_right(yc, MACH_MSG_TYPE_MAKE_SEND, &server)
        .unwrap();
    // The floor model's two tasks: requests on port 0, replies on port 1.
    let (fx, fy) = (floor::port(), floor::port());
    let floor_client = floor::Space::new(&[&fx, &fy]);
    let floor_server = floor::Space::new(&[&fx, &fy]);
    let line = Arc::new(Line(AtomicU64::new(0)));
    let bar = Arc::new(Barrier::new(2));
    let (l2, b2) = (line.clone(), bar.clone());
    let (cb_req, cb_req_rx) = crossbeam_channel::bounded::<[u8; 64]>(5);
    let (cb_resp_tx, cb_resp) = crossbeam_channel::bounded::<[u8; 64]>(5);
    let h = thread::spawn(move || {
        let mut buf = [0u8; 256];
        for _ in 0..batches {
            // ping-pong phase
            b2.wait();
            for i in 0..per {
                while l2.0.load(Ordering::Acquire) != 2 * i + 1 {
                    std::hint::spin_loop();
                }
                l2.0.store(2 * i + 2, Ordering::Release);
            }
            b2.wait();
            // mach_msg phase: per requests
            server
                .mach_msg(&mut buf, MACH_RCV_MSG, 0, 256, xs, 0, 0)
                .unwrap();
            for i in 0..per {
                request(&mut buf, ys, 2);
                let opt = if i + 1 == per {
                    MACH_SEND_MSG
                } else {
                    MACH_SEND_MSG | MACH_RCV_MSG
                };
                server.mach_msg(&mut buf, opt, 64, 256, xs, 0, 0).unwrap();
            }
            l2.0.store(0, Ordering::Relaxed);
            b2.wait();
            for _ in 0..per {
                let mut m = cb_req_rx.recv().unwrap();
                m[0] = m[0].wrapping_add(1);
                cb_resp_tx.send(m).unwrap();
            }
            b2.wait();
            for _ in 0..per {
                let mut m = poll(&cb_req_rx);
                m[0] = m[0].wrapping_add(1);
                cb_resp_tx.send(m).unwrap();
            }
            b2.wait();
            let mut m = [0u8; 64];
            for _ in 0..per {
                floor_server.receive(0, &mut m);
                m[0] = m[0].wrapping_add(1);
                floor_server.send(1, &m);
            }
            // The client measures the work alone.
            b2.wait();
            b2.wait();
        }
    });
    let mut buf = [0u8; 256];
    let mut rows = Vec::new();
    for _ in 0..batches {
        bar.wait();
        let s = Instant::now();
        for i in 0..per {
            line.0.store(2 * i + 1, Ordering::Release);
            while line.0.load(Ordering::Acquire) != 2 * i + 2 {
                std::hint::spin_loop();
            }
        }
        let pp = s.elapsed().as_nanos() as f64 / per as f64;
        bar.wait();
        let rt = per_op(per, |_| call(&client, &mut buf, xc, yc));
        bar.wait();
        let cb = per_op(per, |i| {
            cb_call(&cb_req, &cb_resp, i, |rx| rx.recv().unwrap())
        });
        bar.wait();
        let cbp = per_op(per, |i| cb_call(&cb_req, &cb_resp, i, poll));
        bar.wait();
        let mut m = [0u8; 64];
        let fl = per_op(per, |i| {
            m[1] = i as u8;
            floor_client.send(0, &m);
            floor_client.receive(1, &mut m);
        });
        bar.wait();
        let work = 2.0 * per_op(per, |_| call(&client, &mut buf, own, own));
        bar.wait();
        rows.push(Row {
            pp,
            rt,
            cb,
            cbp,
            fl,
            work,
        });
    }
    h.join().unwrap();
    for r in &rows {
        println!(
            "line ping-pong {:5.0} ns   mach_msg {:5.0} ns   crossbeam {:5.0} ns (polling {:4.0})   floor {:4.0} ns   work {:4.0} ns   ratio {:.2} (to polling {:.2}, floor to polling {:.2})",
            r.pp,
            r.rt,
            r.cb,
            r.cbp,
            r.fl,
            r.work,
            r.rt / r.cb,
            r.rt / r.cbp,
            r.fl / r.cbp
        );
    }
    let stats = |f: fn(&Row) -> f64| {
        let mut r: Vec<f64> = rows.iter().map(f).collect();
        r.sort_by(|a, b| a.partial_cmp(b).unwrap());
        (r[0], r[r.len() / 2], r[r.len() - 1])
    };
    let (a, b, c) = stats(|x| x.rt);
    println!("mach_msg            min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.cb);
    println!("crossbeam           min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.cbp);
    println!("crossbeam, polling  min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.fl);
    println!("floor (bare design) min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.work);
    println!("work on one thread  min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.rt / x.cb);
    println!("ratio               min {a:.2} median {b:.2} max {c:.2}");
    let (a, b, c) = stats(|x| x.rt / x.cbp);
    println!("ratio to polling    min {a:.2} median {b:.2} max {c:.2}");
    let (a, b, c) = stats(|x| x.fl / x.cbp);
    println!("floor to polling    min {a:.2} median {b:.2} max {c:.2}");
    let (a, b, c) = stats(|x| x.work / x.cbp);
    println!("work to polling     min {a:.2} median {b:.2} max {c:.2}");
}

/// One batch's numbers, in ns per round trip.
struct Row {
    /// The one-line ping-pong.
    pp: f64,
    /// `mach_msg`.
    rt: f64,
    /// crossbeam, blocking receives.
    cb: f64,
    /// crossbeam, polling receives.
    cbp: f64,
    /// The bare model of the design.
    fl: f64,
    /// Two sends and two receives on one thread.
    work: f64,
}

/// Nanoseconds per call of `f`, called `per` times (with 0..per).
fn per_op(per: u64, mut f: impl FnMut(u64)) -> f64 {
    let s = Instant::now();
    for i in 0..per {
        f(i);
    }
    s.elapsed().as_nanos() as f64 / per as f64
}

/// One `mach_msg` request to `dest` and the receive of its answer on `rcv`.
fn call(task: &Task, buf: &mut [u8], dest: u32, rcv: u32) {
    request(buf, dest, 1);
    task.mach_msg(buf, MACH_SEND_MSG | MACH_RCV_MSG, 64, 256, rcv, 0, 0)
        .unwrap();
}

type Channel = crossbeam_channel::Receiver<[u8; 64]>;

/// One crossbeam request (numbered `i`) and the receive of its answer with `recv`.
fn cb_call(
    tx: &crossbeam_channel::Sender<[u8; 64]>,
    rx: &Channel,
    i: u64,
    recv: impl Fn(&Channel) -> [u8; 64],
) {
    let mut m = [0u8; 64];
    m[0] = i as u8;
    tx.send(m).unwrap();
    std::hint::black_box(recv(rx));
}

/// Receives from `rx` by polling it.
fn poll<T>(rx: &crossbeam_channel::Receiver<T>) -> T {
    loop {
        if let Ok(m) = rx.try_recv() {
            return m;
        }
        std::hint::spin_loop();
    }
}
