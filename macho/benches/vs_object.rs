//! darling-macho against the `object` crate (0.40), on the same images in the same run, with
//! criterion: one group per operation, `<operation>/darling` then `<operation>/object`.
//! The images and the operations are described in `common/mod.rs`.
//!
//! Criterion measures the two halves of a pair one after the other, so a change in the
//! machine's load between them moves the ratio; `benches/ratios.rs` measures them in
//! interleaved rounds and prints the ratios.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    let images = common::images("vs_object");
    for op in common::OPERATIONS {
        let used = common::used_images(&images, op);
        if used.is_empty() {
            continue;
        }
        let items: usize = used.iter().map(|i| (op.darling)(i)).sum();
        let mut group = c.benchmark_group(op.name);
        group.throughput(Throughput::Elements(items as u64));
        group.bench_function("darling", |b| {
            b.iter(|| black_box(common::pass(&used, op.darling)));
        });
        group.bench_function("object", |b| {
            b.iter(|| black_box(common::pass(&used, op.object)));
        });
        group.finish();
    }
}

criterion_group!(vs_object, benches);
criterion_main!(vs_object);
