//! darling-mig on large interfaces: whether time and memory grow linearly with the input.
//!
//! An interface of N routines (a mix of scalars, ports, inline and out-of-line arrays, in
//! and out) is loaded (preprocessed, parsed, laid out), its layout tables printed, and its
//! Rust generated into a writer that only counts. For N = 1,000, 10,000 and 100,000, and
//! for the 100,000 written on one line (a 10 MB line), each step reports its time per
//! routine and its peak heap (a counting allocator) against its output. The sizes are run
//! in turn, round after round, so that every ratio compares runs made under the same
//! conditions; the medians are printed.
//!
//! Linear means: the time per routine of 100,000 is about that of 1,000 (`growth`), and
//! the peak heap per routine stays the same.
//!
//! Run with `cargo bench -p darling-mig --bench large [ROUNDS]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use darling_mig::{Interface, Preprocessor, generate_to, layout};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed straight to the system allocator with the caller's own
// arguments; the counters only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: as the caller's contract for `alloc`.
        unsafe { System.alloc(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: `p` came from `alloc` above with this layout.
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts a peak measurement from what is live now.
fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

/// A writer that keeps nothing and counts what it is given.
#[derive(Default)]
struct Count(usize);

impl io::Write for Count {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `n` routines, one per line or all on one line.
fn defs(n: usize, one_line: bool) -> String {
    let mut s = String::from(
        "subsystem large 100000;\n\
         type int = MACH_MSG_TYPE_INTEGER_32;\n\
         type mach_port_t = MACH_MSG_TYPE_COPY_SEND;\n\
         type port_make_t = MACH_MSG_TYPE_MAKE_SEND;\n\
         type ints_t = array[*:16] of int;\n\
         type bytes_t = ^array[] of MACH_MSG_TYPE_BYTE;\n",
    );
    let sep = if one_line { ' ' } else { '\n' };
    for i in 0..n {
        let _ = match i % 4 {
            0 => write!(
                s,
                "routine r{i}(server : mach_port_t; x : int; out y : int);"
            ),
            1 => write!(
                s,
                "routine r{i}(server : mach_port_t; p : port_make_t; out q : mach_port_t);"
            ),
            2 => write!(
                s,
                "routine r{i}(server : mach_port_t; a : ints_t; out b : ints_t);"
            ),
            _ => write!(
                s,
                "simpleroutine r{i}(server : mach_port_t; data : bytes_t);"
            ),
        };
        s.push(sep);
    }
    s
}

/// One measurement: nanoseconds and peak heap bytes per routine, output bytes per routine.
#[derive(Clone, Copy, Default)]
struct Cost {
    ns: f64,
    heap: f64,
    out: f64,
}

/// Loads, lays out and generates `text`; the cost of each step.
fn run(text: &str, n: usize) -> [Cost; 3] {
    let per = |ns: u128, heap: usize, out: usize| Cost {
        ns: ns as f64 / n as f64,
        heap: heap as f64 / n as f64,
        out: out as f64 / n as f64,
    };
    let pp = Preprocessor::new();
    let base = reset_peak();
    let t = Instant::now();
    let iface = Interface::load_str("large.defs", text, &pp).expect("the interface loads");
    let load = per(
        t.elapsed().as_nanos(),
        PEAK.load(Ordering::Relaxed) - base,
        0,
    );

    let base = reset_peak();
    let t = Instant::now();
    let tables = layout::all_tables("large", &iface);
    let layout = per(
        t.elapsed().as_nanos(),
        PEAK.load(Ordering::Relaxed) - base,
        tables.len(),
    );
    drop(tables);

    let base = reset_peak();
    let mut sink = Count::default();
    let t = Instant::now();
    generate_to(&iface, "large.defs", &mut sink).expect("the code is generated");
    let generate = per(
        t.elapsed().as_nanos(),
        PEAK.load(Ordering::Relaxed) - base,
        sink.0,
    );
    [load, layout, generate]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a number is the rounds.
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let cases: Vec<(String, usize, String)> = [
        (1_000, false),
        (10_000, false),
        (100_000, false),
        (100_000, true),
    ]
    .into_iter()
    .map(|(n, one)| {
        let name = format!("{n}{}", if one { " on one line" } else { "" });
        (name, n, defs(n, one))
    })
    .collect();
    let mut results: Vec<Vec<[Cost; 3]>> = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (c, (_, n, text)) in cases.iter().enumerate() {
            results[c].push(run(text, *n));
        }
    }
    println!(
        "{:<22} {:>30} {:>40} {:>40}",
        "routines", "load", "layout tables", "generate"
    );
    let mut first = [0.0; 3];
    for (c, (name, _, text)) in cases.iter().enumerate() {
        let mut line = format!("{name:<22}");
        for step in 0..3 {
            let ns = median(results[c].iter().map(|r| r[step].ns).collect());
            let heap = median(results[c].iter().map(|r| r[step].heap).collect());
            let out = results[c][0][step].out;
            if c == 0 {
                first[step] = ns;
            }
            let growth = ns / first[step];
            let _ = if step == 0 {
                write!(
                    line,
                    " {ns:7.0} ns {heap:6.0} B heap (x{growth:.2}) in {:.1} MB",
                    text.len() as f64 / 1e6
                )
            } else {
                write!(
                    line,
                    " {ns:7.0} ns {heap:6.0} B heap {out:6.0} B out (x{growth:.2})"
                )
            };
        }
        println!("{line}");
    }
    println!("per routine; (xG): time per routine against the 1,000-routine interface's");
}
