//! What the Darwin TSD costs on x86-64, each pair timed side by side: the benchmark of one
//! times its own calls in chunks interleaved with untimed chunks of the other, so both are
//! measured in the same conditions (this VM's speed drifts within seconds).
//!
//! - `slot_read`: a slot read through GS (`mov rax, gs:[16]`, Apple's `_os_tsd_get_direct`)
//!   against a Rust `thread_local!` read (FS-relative), and the safe checked read
//!   (`darling_tls::get`: this crate's own thread-local record, then the load).
//! - `set_gs`: `wrgsbase` against `arch_prctl(ARCH_SET_GS)`, where the kernel enabled
//!   FSGSBASE; `get_gs`: `rdgsbase` against `arch_prctl(ARCH_GET_GS)`.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code, unused_imports))]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

/// Calls per chunk: enough for the clock to resolve a chunk of nanosecond reads.
const CHUNK: u64 = 1000;

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

/// Benchmarks `a` and `b` in group `group`, each interleaved with the other.
fn pair(
    c: &mut Criterion,
    group: &str,
    (a_name, mut a): (&str, impl FnMut(u64)),
    (b_name, mut b): (&str, impl FnMut(u64)),
) {
    let mut g = c.benchmark_group(group);
    g.bench_function(a_name, |bench| {
        bench.iter_custom(|n| interleaved(n, &mut a, &mut b));
    });
    g.bench_function(b_name, |bench| {
        bench.iter_custom(|n| interleaved(n, &mut b, &mut a));
    });
    g.finish();
}

#[cfg(target_arch = "x86_64")]
fn bench(c: &mut Criterion) {
    use std::cell::Cell;

    use darling_tls::gs::{self, Fsgsbase};
    use darling_tls::slots::__TSD_MIG_REPLY;

    thread_local!(static REPLY_PORT: Cell<usize> = const { Cell::new(0x1503) });

    let block = darling_tls::install().expect("install");
    block.set(__TSD_MIG_REPLY, 0x1503);
    let gs_read = |n: u64| {
        for _ in 0..n {
            // SAFETY: install pointed GS at this thread's block.
            black_box(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) });
        }
    };
    let tls_read = |n: u64| {
        for _ in 0..n {
            black_box(REPLY_PORT.with(Cell::get));
        }
    };
    let checked_read = |n: u64| {
        for _ in 0..n {
            black_box(darling_tls::get(__TSD_MIG_REPLY));
        }
    };
    pair(
        c,
        "slot_read",
        ("gs_direct", gs_read),
        ("thread_local", tls_read),
    );
    pair(
        c,
        "slot_read_checked",
        ("darling_tls_get", checked_read),
        ("thread_local", tls_read),
    );

    let base = block.tsd_base() as u64;
    match Fsgsbase::detect() {
        Some(token) => {
            pair(
                c,
                "set_gs",
                ("wrgsbase", |n: u64| {
                    for _ in 0..n {
                        token.write_gs_base(black_box(base)).expect("wrgsbase");
                    }
                }),
                ("arch_prctl", |n: u64| {
                    for _ in 0..n {
                        gs::arch_prctl_set_gs(black_box(base)).expect("arch_prctl");
                    }
                }),
            );
            pair(
                c,
                "get_gs",
                ("rdgsbase", |n: u64| {
                    for _ in 0..n {
                        black_box(token.read_gs_base());
                    }
                }),
                ("arch_prctl", |n: u64| {
                    for _ in 0..n {
                        black_box(gs::arch_prctl_get_gs().expect("arch_prctl"));
                    }
                }),
            );
        }
        None => eprintln!("the kernel has not enabled FSGSBASE: set_gs and get_gs are skipped"),
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn bench(_: &mut Criterion) {
    eprintln!("the GS benchmarks need x86-64");
}

criterion_group!(benches, bench);
criterion_main!(benches);
