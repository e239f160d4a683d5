//! darling-macho's time over the `object` crate's, per operation, measured in interleaved
//! rounds: each round runs darling over every image and object over every image (which goes
//! first alternates), so both see the same machine load; the table gives each crate's median and the ratio of the
//! medians. The images and the operations are described in `common/mod.rs`.
//!
//! ```sh
//! cargo bench -p darling-macho --bench ratios                  # the workspace's bench profile
//! CARGO_PROFILE_BENCH_LTO=fat CARGO_PROFILE_BENCH_CODEGEN_UNITS=1 \
//!     cargo bench -p darling-macho --bench ratios              # with fat LTO
//! ```
//!
//! `RATIOS_ROUNDS` (default 21) sets the number of rounds, `RATIOS_CHUNK_MS` (default 5) the
//! time one crate's chunk of a round aims at, `RATIOS_ONLY=walk,header` the operations.
//!
//! `RATIOS_PROCESSES=N` runs the whole measurement in N processes, one after the other, and
//! gives each operation's median ratio over them with the lowest and highest. Ratios of the
//! small operations (header, walk, load commands: a few nanoseconds per image) differ more
//! between two processes of the same binary than between rounds of one, by 0.1 to 0.5:
//! where the stack and the heap land changes which loads and stores alias, for each crate
//! differently. One process's table can therefore say 1.2x where the next says 0.8x.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Time of `passes` passes of `run` over `images`.
fn chunk(images: &[&common::Image], run: fn(&common::Image) -> usize, passes: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..passes {
        black_box(common::pass(images, run));
    }
    start.elapsed()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The environment variable that marks a process run by `RATIOS_PROCESSES`.
const CHILD: &str = "RATIOS_CHILD";

/// Runs the measurement in `n` child processes and prints, per operation, the median of their
/// ratios with the lowest and highest.
fn across_processes(n: usize) {
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut runs: Vec<(String, Vec<f64>)> = Vec::new();
    for _ in 0..n {
        let out = std::process::Command::new(&exe)
            .args(std::env::args().skip(1))
            .env(CHILD, "1")
            .env_remove("RATIOS_PROCESSES")
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("a child run of the bench");
        // Each child prints one `row <operation> <ratio>` line per operation.
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut words = line.split_whitespace();
            let (Some("row"), Some(name), Some(ratio)) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            let Ok(ratio) = ratio.parse::<f64>() else {
                continue;
            };
            match runs.iter_mut().find(|(n, _)| n == name) {
                Some((_, v)) => v.push(ratio),
                None => runs.push((name.to_string(), vec![ratio])),
            }
        }
    }
    println!(
        "\n{:<16} {:>9} {:>9} {:>9}",
        "operation", "median", "lowest", "highest"
    );
    for (name, mut ratios) in runs {
        let (lo, hi) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        let mid = median(&mut ratios);
        println!("{name:<16} {mid:>8.2}x {lo:>8.2}x {hi:>8.2}x");
    }
    println!("(ratio = darling / object, each from one process's medians; {n} processes)");
}

fn main() {
    let processes: usize = env_or("RATIOS_PROCESSES", 1);
    if processes > 1 && std::env::var_os(CHILD).is_none() {
        across_processes(processes);
        return;
    }
    // `cargo bench` passes `--bench`; a filter argument, as criterion takes, picks operations.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let only = std::env::var("RATIOS_ONLY").unwrap_or_default();
    let rounds: usize = env_or("RATIOS_ROUNDS", 21).max(1);
    let chunk_time = Duration::from_millis(env_or("RATIOS_CHUNK_MS", 5));
    let images = common::images("ratios");
    let mut rows = Vec::new();
    for op in common::OPERATIONS {
        let picked = |list: &[&str]| list.is_empty() || list.iter().any(|f| op.name.contains(f));
        let only: Vec<&str> = only.split(',').filter(|s| !s.is_empty()).collect();
        let filter: Vec<&str> = filter.iter().map(String::as_str).collect();
        if !picked(&only) || !picked(&filter) {
            continue;
        }
        let used = common::used_images(&images, op);
        if used.is_empty() {
            continue;
        }
        // Passes per chunk: enough for the slower crate's chunk to take about chunk_time.
        let one = chunk(&used, op.darling, 1).max(chunk(&used, op.object, 1));
        let passes = (chunk_time.as_secs_f64() / one.as_secs_f64().max(1e-9)).clamp(1.0, 1e6);
        let passes = passes as u32;
        // A warm-up round, not counted.
        chunk(&used, op.darling, passes);
        chunk(&used, op.object, passes);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let per_pass = |d: Duration| d.as_secs_f64() / f64::from(passes);
        for round in 0..rounds {
            // Which crate goes first alternates, so that neither always follows the other.
            if round % 2 == 0 {
                ours.push(per_pass(chunk(&used, op.darling, passes)));
                theirs.push(per_pass(chunk(&used, op.object, passes)));
            } else {
                theirs.push(per_pass(chunk(&used, op.object, passes)));
                ours.push(per_pass(chunk(&used, op.darling, passes)));
            }
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        rows.push((op.name, used.len(), ours, theirs));
    }
    if std::env::var_os(CHILD).is_some() {
        for (name, _, ours, theirs) in rows {
            println!("row {name} {}", ours / theirs);
        }
        return;
    }
    println!(
        "\n{:<16} {:>6} {:>14} {:>14} {:>9}",
        "operation", "images", "darling", "object", "ratio"
    );
    for (name, n, ours, theirs) in rows {
        println!(
            "{name:<16} {n:>6} {:>11.2} us {:>11.2} us {:>8.2}x",
            ours * 1e6,
            theirs * 1e6,
            ours / theirs
        );
    }
    println!("(medians of {rounds} interleaved rounds; ratio = darling / object)");
}
