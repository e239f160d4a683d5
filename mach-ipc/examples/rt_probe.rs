//! Round-trip time of `mach_msg` (64-byte inline message, SEND|RCV on both sides, two
//! threads) in batches of 100 000, each next to a one-cache-line ping-pong between the same
//! two threads (the machine's inter-core latency of the moment, to read the kernel's cost
//! against) and a crossbeam-channel bounded(5) round trip of 64 bytes between the same two
//! threads, so that the ratio compares runs made under the same conditions. On a VM whose
//! vCPUs move, criterion's numbers alone swing 2-3x between runs.
//!
//! Run with `cargo run --release -p darling-mach-ipc --example rt_probe [BATCHES]`.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use darling_mach_ipc::Kernel;
use darling_mach_ipc::consts::*;
use darling_mach_ipc::wire::MachMsgHeader;

#[repr(align(128))]
struct Line(AtomicU64);

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
    let (ys, _) = client
        .mach_port_extract_right(yc, MACH_MSG_TYPE_MAKE_SEND, &server)
        .unwrap();
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
        let s = Instant::now();
        for _ in 0..per {
            request(&mut buf, xc, 1);
            client
                .mach_msg(&mut buf, MACH_SEND_MSG | MACH_RCV_MSG, 64, 256, yc, 0, 0)
                .unwrap();
        }
        let rt = s.elapsed().as_nanos() as f64 / per as f64;
        bar.wait();
        let s = Instant::now();
        for i in 0..per {
            let mut m = [0u8; 64];
            m[0] = i as u8;
            cb_req.send(m).unwrap();
            std::hint::black_box(cb_resp.recv().unwrap());
        }
        let cb = s.elapsed().as_nanos() as f64 / per as f64;
        rows.push((pp, rt, cb));
    }
    h.join().unwrap();
    for (pp, rt, cb) in &rows {
        println!(
            "line ping-pong {pp:6.0} ns   mach_msg round trip {rt:6.0} ns   crossbeam {cb:6.0} ns   ratio {:.2}",
            rt / cb
        );
    }
    let stats = |f: fn(&(f64, f64, f64)) -> f64| {
        let mut r: Vec<f64> = rows.iter().map(f).collect();
        r.sort_by(|a, b| a.partial_cmp(b).unwrap());
        (r[0], r[r.len() / 2], r[r.len() - 1])
    };
    let (a, b, c) = stats(|x| x.1);
    println!("mach_msg  min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.2);
    println!("crossbeam min {a:.0} median {b:.0} max {c:.0}");
    let (a, b, c) = stats(|x| x.1 / x.2);
    println!("ratio     min {a:.2} median {b:.2} max {c:.2}");
}
