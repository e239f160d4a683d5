//! How long one translation takes. The goal is a table lookup: about a nanosecond.
//!
//! Each iteration translates a whole batch of 1024 varied values (known, unknown, negative)
//! so the loop overhead is amortised; criterion's per-element throughput gives ns/op.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use darling_bsd_errno::{
    CallContext, DarwinErrno, DarwinSigSet, LinuxErrno, LinuxSigSet, darwin_to_linux,
    linux_to_darwin, linux_to_darwin_in,
};

const BATCH: usize = 1024;

/// Values spread over both signs, the known ranges and beyond them.
fn inputs() -> Vec<i32> {
    let mut state = 0x2545_f491_u32;
    (0..BATCH)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let magnitude = (state % 140) as i32;
            if state & 0x8000_0000 != 0 {
                -magnitude
            } else {
                magnitude
            }
        })
        .collect()
}

fn translate(c: &mut Criterion) {
    let values = inputs();
    let linux: Vec<LinuxErrno> = values.iter().copied().map(LinuxErrno::from_raw).collect();
    let darwin: Vec<DarwinErrno> = values.iter().copied().map(DarwinErrno::from_raw).collect();

    let mut group = c.benchmark_group("errno");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("linux_to_darwin", |b| {
        b.iter(|| {
            for &e in black_box(&linux) {
                black_box(linux_to_darwin(e));
            }
        })
    });
    group.bench_function("linux_to_darwin_in(Socket)", |b| {
        b.iter(|| {
            for &e in black_box(&linux) {
                black_box(linux_to_darwin_in(e, black_box(CallContext::Socket)));
            }
        })
    });
    group.bench_function("darwin_to_linux", |b| {
        b.iter(|| {
            for &e in black_box(&darwin) {
                black_box(darwin_to_linux(e));
            }
        })
    });
    group.bench_function("name", |b| {
        b.iter(|| {
            for &e in black_box(&linux) {
                black_box(e.name());
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("sigset");
    group.bench_function("darwin_full_to_linux", |b| {
        b.iter(|| black_box(black_box(DarwinSigSet::FULL).to_linux()))
    });
    group.bench_function("linux_full_to_darwin", |b| {
        b.iter(|| black_box(black_box(LinuxSigSet::FULL).to_darwin()))
    });
    group.finish();
}

criterion_group!(benches, translate);
criterion_main!(benches);
