//! Whether independent tasks scale across threads: each thread has its own task and does
//! `mach_port_allocate` + `mach_port_insert_right(MAKE_SEND)` + `mach_port_destroy` in a
//! loop, on 1 and on 2 threads. The yardstick is the same shape of work on private hash
//! maps (insert an entry, update it, remove it), which share nothing and so scale as far as
//! the machine lets anything scale.
//!
//! The four measurements (kernel on 1 and 2 threads, maps on 1 and 2 threads) are taken in
//! interleaved rounds, so each ratio compares runs made under the same conditions. The goal:
//! the kernel's 2-thread/1-thread speed-up at least 85 % of the maps' speed-up.
//!
//! Run with `cargo bench -p darling-mach-ipc --bench scaling [-- ROUNDS]`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{Kernel, Task};

/// Operations (one allocate + insert + destroy) per thread per measurement.
const OPS: u32 = 100_000;

/// Runs `work(i)` on `n` threads at once and returns the wall time from the first thread's
/// start to the last one's end (measured by the workers: on a 2-core machine the main
/// thread may not run again until they are done).
fn timed(n: usize, work: impl Fn(usize) + Send + Sync + Clone + 'static) -> Duration {
    let start = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (start, work) = (start.clone(), work.clone());
            thread::spawn(move || {
                start.wait();
                let t = Instant::now();
                work(i);
                (t, Instant::now())
            })
        })
        .collect();
    let spans: Vec<(Instant, Instant)> = handles
        .into_iter()
        .map(|h| h.join().expect("worker"))
        .collect();
    let first = spans.iter().map(|s| s.0).min().expect("a worker");
    let last = spans.iter().map(|s| s.1).max().expect("a worker");
    last - first
}

fn kernel_work(task: &Task) {
    for _ in 0..OPS {
        let name = task
            .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
            .expect("allocate");
        task.mach_port_insert_right(name, name, MACH_MSG_TYPE_MAKE_SEND)
            .expect("insert");
        task.mach_port_destroy(name).expect("destroy");
    }
}

fn map_work(seed: u32) {
    #[derive(Clone, Copy)]
    struct Entry {
        rights: u32,
        urefs: u32,
    }
    let mut map: HashMap<u32, Entry> = HashMap::new();
    for i in 0..OPS {
        let name = (seed << 24) | (i << 8) | 3;
        map.insert(
            name,
            Entry {
                rights: 1,
                urefs: 0,
            },
        );
        if let Some(e) = map.get_mut(&name) {
            e.rights |= 2;
            e.urefs += 1;
        }
        black_box(map.remove(&name));
    }
}

/// Throughput in operations per second of `n` threads doing `OPS` each in `d`.
fn rate(n: usize, d: Duration) -> f64 {
    (n as f64 * f64::from(OPS)) / d.as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let kernel = Kernel::new();
    let tasks: Arc<Vec<Task>> = Arc::new((0..2).map(|_| kernel.task_create(None)).collect());
    let mut rows = Vec::new();
    for _ in 0..rounds {
        let mut row = [0.0; 4];
        for (slot, n) in [(0, 1), (2, 2)] {
            let t = tasks.clone();
            row[slot] = rate(n, timed(n, move |i| kernel_work(&t[i])));
            row[slot + 1] = rate(n, timed(n, |i| map_work(i as u32)));
        }
        rows.push(row);
    }
    println!("ops/s: kernel 1 thread, maps 1 thread, kernel 2 threads, maps 2 threads");
    let mut kernel_scaling = Vec::new();
    let mut map_scaling = Vec::new();
    for r in &rows {
        let (k, m) = (r[2] / r[0], r[3] / r[1]);
        println!(
            "{:10.0} {:10.0} {:10.0} {:10.0}   kernel x{k:.2}  maps x{m:.2}  share {:.0} %",
            r[0],
            r[1],
            r[2],
            r[3],
            100.0 * k / m
        );
        kernel_scaling.push(k);
        map_scaling.push(m);
    }
    let shares = kernel_scaling
        .iter()
        .zip(&map_scaling)
        .map(|(k, m)| k / m)
        .collect();
    println!(
        "median: kernel 2/1 threads x{:.2}, maps x{:.2}; kernel scaling = {:.0} % of the maps' (goal >= 85 %)",
        median(kernel_scaling),
        median(map_scaling),
        100.0 * median(shares)
    );
}
