//! Expanding an 8-component path with one symlink (`/a/b/l/d/e/f/g/h`, `l -> c`) against the
//! kernel's own resolver, `openat2(RESOLVE_IN_ROOT)`, on the same tree: both open the answer
//! (`O_PATH`) and close it. Each benchmark times its own calls in chunks interleaved with
//! untimed chunks of the other, so that both are measured in the same conditions (this VM's
//! speed drifts within seconds). Goal: expand ≤ 1.5× openat2.
//!
//! Also timed, each against openat2 the same way: the walk alone (symlink memo off), and a
//! path with no symlink.

use std::fs;
use std::hint::black_box;
use std::os::unix::fs::symlink;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use darling_vchroot::{Base, ExpandFlags, Vchroot};
use rustix::fs::{Mode, OFlags, ResolveFlags};

/// Calls per chunk: small, because the VM's speed drifts within milliseconds.
const CHUNK: u64 = 10;

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

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("prefix");
    fs::create_dir_all(prefix.join("a/b/c/d/e/f/g/h")).expect("tree");
    symlink("c", prefix.join("a/b/l")).expect("link");
    let kernel_root = rustix::fs::open(&prefix, OFlags::PATH | OFlags::DIRECTORY, Mode::empty())
        .expect("open prefix");
    let linked = "/a/b/l/d/e/f/g/h";
    let plain = "/a/b/c/d/e/f/g/h";

    let memo = Vchroot::open(&prefix).expect("vchroot");
    let walk = Vchroot::options()
        .link_memo(false)
        .open(&prefix)
        .expect("vchroot");
    let flags = ExpandFlags::empty();

    let kernel = |path: &'static str| {
        let root = &kernel_root;
        move |n: u64| {
            for _ in 0..n {
                let fd = rustix::fs::openat2(
                    root,
                    path,
                    OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                    ResolveFlags::IN_ROOT,
                )
                .expect("openat2");
                drop(black_box(fd));
            }
        }
    };
    let ours = |vc: &'static Vchroot, path: &'static str| {
        move |n: u64| {
            for _ in 0..n {
                let found = vc.expand(path, flags, Base::Cwd).expect("expand");
                drop(black_box(found));
            }
        }
    };
    // The benchmarks below need 'static closures over the two prefixes.
    let memo: &'static Vchroot = Box::leak(Box::new(memo));
    let walk: &'static Vchroot = Box::leak(Box::new(walk));

    let mut g = c.benchmark_group("expand_8_components");
    for (name, vc, path) in [
        ("one_symlink", memo, linked),
        ("one_symlink_walk_only", walk, linked),
        ("no_symlink", memo, plain),
    ] {
        let mut k = kernel(path);
        let mut o = ours(vc, path);
        g.bench_function(format!("{name}/darling_vchroot"), |b| {
            b.iter_custom(|n| interleaved(n, &mut o, &mut k));
        });
        let mut k = kernel(path);
        let mut o = ours(vc, path);
        g.bench_function(format!("{name}/openat2_in_root"), |b| {
            b.iter_custom(|n| interleaved(n, &mut k, &mut o));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
