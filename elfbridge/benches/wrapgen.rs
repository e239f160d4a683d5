//! wrapgen over every host ELF shared object, against `llvm-nm-19 -D --defined-only` over the
//! same files. The goal: ours ≤ 1.0× llvm-nm.
//!
//! - `ours`: per library, read the file, [`SharedObject::parse`], [`Plan::new`] and
//!   [`wrapgen::c::generate`] the C wrapper into a sink. Libraries that fail to parse or have
//!   nothing to wrap count as processed: the error path is part of the work.
//! - `llvm-nm-19`: one `llvm-nm-19 -D --defined-only` process per chunk of libraries (all the
//!   chunk's paths as arguments, as a user would batch them), its output read to the end.
//!
//! The libraries are those `tests/host_nm.rs` checks: [`shared_objects`].
//!
//! One criterion iteration is a full pass over all libraries. The two sides are interleaved
//! chunk by chunk (this VM's speed drifts within seconds): the benchmark of one side times its
//! own chunks, each followed by the other side's same chunk, untimed. When `llvm-nm-19` is not
//! on `PATH`, only ours is benchmarked. Under `cargo bench`, a summary line follows: both sides
//! timed directly over a few interleaved full passes, and their ratio.

use std::hint::black_box;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use darling_elfbridge::SharedObject;
use darling_elfbridge::system::shared_objects;
use darling_elfbridge::wrapgen::{self, Plan};

/// Libraries per chunk: per chunk, one `llvm-nm-19` process, and the unit of interleaving.
const CHUNK: usize = 25;

/// The `llvm-nm` compared against.
const LLVM_NM: &str = "llvm-nm-19";

/// Full passes per side for the summary ratio line.
const SUMMARY_PASSES: usize = 3;

/// Ours on one library: read, parse, plan, generate the C wrapper, appended to `sink`.
/// Failures (unreadable, unparsable, nothing to wrap) are black-boxed, not reported.
fn ours_one(path: &Path, sink: &mut String) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let object = match SharedObject::parse(&bytes) {
        Ok(object) => object,
        Err(e) => {
            black_box(e);
            return;
        }
    };
    let file_name = path.file_name().map_or(&[][..], |n| n.as_bytes());
    match Plan::new(&object, file_name) {
        Ok(plan) => {
            let c = wrapgen::c::generate(&plan);
            sink.push_str(&c.source);
            if let Some(header) = &c.header {
                sink.push_str(header);
            }
        }
        Err(e) => {
            black_box(e);
        }
    }
}

/// Ours on a chunk of libraries, into a fresh sink.
fn ours_chunk(chunk: &[PathBuf]) {
    let mut sink = String::new();
    for path in chunk {
        ours_one(path, &mut sink);
    }
    black_box(sink);
}

/// One `llvm-nm-19 -D --defined-only` process over a whole chunk; its standard output read to
/// the end.
fn llvm_nm_chunk(chunk: &[PathBuf]) {
    let output = Command::new(LLVM_NM)
        .args(["-D", "--defined-only"])
        .args(chunk)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("run llvm-nm-19");
    black_box(output);
}

/// Whether `llvm-nm-19` can be run.
fn llvm_nm_available() -> bool {
    Command::new(LLVM_NM)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `n` full passes over `chunks`: per chunk, `timed` on it, then `other` on it untimed; the
/// time of the timed runs.
fn interleaved(
    n: u64,
    chunks: &[&[PathBuf]],
    timed: &mut dyn FnMut(&[PathBuf]),
    other: &mut dyn FnMut(&[PathBuf]),
) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..n {
        for chunk in chunks {
            let start = Instant::now();
            timed(chunk);
            spent += start.elapsed();
            other(chunk);
        }
    }
    spent
}

/// Benchmarks `a` and `b` over `chunks` in group `group`, each interleaved with the other.
fn pair(
    c: &mut Criterion,
    group: &str,
    chunks: &[&[PathBuf]],
    (a_name, mut a): (&str, impl FnMut(&[PathBuf])),
    (b_name, mut b): (&str, impl FnMut(&[PathBuf])),
) {
    let mut g = c.benchmark_group(group);
    configure(&mut g);
    g.bench_function(a_name, |bench| {
        bench.iter_custom(|n| interleaved(n, chunks, &mut a, &mut b));
    });
    g.bench_function(b_name, |bench| {
        bench.iter_custom(|n| interleaved(n, chunks, &mut b, &mut a));
    });
    g.finish();
}

/// Ten samples of whole passes (flat: the same number of passes per sample), briefly warmed up.
fn configure(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20));
}

/// Both sides timed directly over [`SUMMARY_PASSES`] interleaved full passes; prints the totals
/// per pass and their ratio.
fn summary(libraries: usize, chunks: &[&[PathBuf]]) {
    let (mut ours, mut nm) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..SUMMARY_PASSES {
        for chunk in chunks {
            let start = Instant::now();
            ours_chunk(chunk);
            ours += start.elapsed();
            let start = Instant::now();
            llvm_nm_chunk(chunk);
            nm += start.elapsed();
        }
    }
    let per_pass = |d: Duration| d.as_secs_f64() * 1000.0 / SUMMARY_PASSES as f64;
    let (ours, nm) = (per_pass(ours), per_pass(nm));
    eprintln!(
        "wrapgen over {libraries} libraries: ours {ours:.1} ms, {LLVM_NM} -D {nm:.1} ms, ratio {:.3}",
        ours / nm
    );
}

/// The benchmarks, then (under `cargo bench`, not in test mode) the summary line.
fn bench(c: &mut Criterion) {
    let libraries = shared_objects();
    eprintln!(
        "wrapgen bench: {} host ELF shared objects, {CHUNK} per chunk",
        libraries.len()
    );
    let chunks: Vec<&[PathBuf]> = libraries.chunks(CHUNK).collect();
    if !llvm_nm_available() {
        eprintln!("{LLVM_NM} is not on PATH: benchmarking ours only (apt-get install llvm-19)");
        let mut g = c.benchmark_group("wrapgen_all_libraries");
        configure(&mut g);
        g.bench_function("ours", |bench| {
            bench.iter_custom(|n| interleaved(n, &chunks, &mut ours_chunk, &mut |_| ()));
        });
        g.finish();
        return;
    }
    pair(
        c,
        "wrapgen_all_libraries",
        &chunks,
        ("ours", ours_chunk),
        ("llvm_nm_19", llvm_nm_chunk),
    );
    if std::env::args().any(|a| a == "--bench") {
        summary(libraries.len(), &chunks);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
