//! What filling the commpage and keeping its time cost: a fill from gathered host facts, the
//! capability word alone, a time refresh (in memory, and on the mapped page under the
//! generation protocol), and reading the time back as Apple's code does next to
//! `clock_gettime`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use darling_commpage::{Arch, Capabilities, Clock, Commpage, FillOptions, Host, Machine};

fn bench(c: &mut Criterion) {
    let host = Host::read().expect("host");
    let clock = Clock::calibrate(std::time::Duration::from_millis(5));
    let options = FillOptions::default();

    c.bench_function("fill/page", |b| {
        b.iter(|| black_box(Commpage::fill(Arch::X86_64, &host, clock.clone(), &options)));
    });
    c.bench_function("fill/capabilities", |b| {
        let machine = Machine {
            cpus: host.counts.logical,
            tsc_hz: clock.tsc_hz(),
        };
        b.iter(|| black_box(Capabilities::compute(&host.cpu, &host.os, &machine)));
    });
    c.bench_function("fill/host_facts", |b| b.iter(|| black_box(Host::read())));

    let mut page = Commpage::fill(Arch::X86_64, &host, clock.clone(), &options);
    c.bench_function("refresh/in_memory", |b| b.iter(|| page.refresh_time()));
    match page.map() {
        Ok(mapped) => {
            c.bench_function("refresh/mapped", |b| b.iter(|| mapped.refresh_time()));
            c.bench_function("read/mach_absolute_time_from_page", |b| {
                b.iter(|| black_box(mapped.nanotime()));
            });
            c.bench_function("read/gettimeofday_from_page", |b| {
                b.iter(|| black_box(mapped.gettimeofday()));
            });
        }
        Err(e) => eprintln!("not mapped ({e}): the mapped benchmarks are skipped"),
    }
    c.bench_function("read/clock_gettime_monotonic", |b| {
        b.iter(|| {
            black_box(rustix::time::clock_gettime(
                rustix::time::ClockId::Monotonic,
            ))
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
