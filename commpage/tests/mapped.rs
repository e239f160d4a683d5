//! The page mapped at its fixed address and read there as Apple's code reads it: through
//! raw pointers to `0x7fffffe00000` (or `0xffff0000`), the time with XNU's algorithms. Each
//! test runs in a child process (this test binary again), so that the test runner's own
//! address space is not touched.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use darling_commpage::consts::*;
use darling_commpage::time::{self, TimeVal};
use darling_commpage::{Arch, Commpage, Error, MappedCommpage, NewCommpageTimeofdayData};

/// Exit status of a child whose address was taken (address-space randomization put
/// something there): the parent tries again in a new process.
const TAKEN: i32 = 77;

/// Runs the ignored test `name` in a child process.
fn in_child(name: &str, arch: &str) {
    for _ in 0..5 {
        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                name,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("COMMPAGE_TEST_ARCH", arch)
            .status()
            .unwrap();
        if status.code() == Some(TAKEN) {
            continue;
        }
        assert!(status.success(), "{name} ({arch}): {status}");
        return;
    }
    panic!("{name}: the address was taken five times");
}

fn arch() -> Arch {
    match std::env::var("COMMPAGE_TEST_ARCH").as_deref() {
        Ok("i386") => Arch::I386,
        _ => Arch::X86_64,
    }
}

fn map(arch: Arch) -> MappedCommpage {
    match Commpage::from_host(arch).unwrap().map() {
        Ok(m) => m,
        Err(Error::AddressTaken { .. }) => std::process::exit(TAKEN),
        Err(e) => panic!("{e}"),
    }
}

/// Reads `T` at `addr` as Apple's code does: a plain (volatile) load.
fn at<T: Copy>(addr: u64) -> T {
    // SAFETY: the tests call this only for addresses inside the commpage mapped by `map`,
    // which stays mapped until the test ends; every field read is naturally aligned.
    unsafe { std::ptr::read_volatile(addr as usize as *const T) }
}

/// `mach_absolute_time`, as Apple's x86-64 assembly computes it from the page at `base`.
fn raw_mach_absolute_time(base: u64) -> u64 {
    loop {
        let generation: u32 = at(base + _COMM_PAGE_NT_GENERATION as u64);
        if generation == 0 {
            std::hint::spin_loop();
            continue;
        }
        let tsc = darling_commpage::rdtsc();
        let shift = at::<u32>(base + _COMM_PAGE_NT_SHIFT as u64) & 0x1f;
        let delta = tsc.wrapping_sub(at(base + _COMM_PAGE_NT_TSC_BASE as u64)) << shift;
        let scale: u32 = at(base + _COMM_PAGE_NT_SCALE as u64);
        let ns = ((u128::from(delta) * u128::from(scale)) >> 32) as u64;
        let ns = ns.wrapping_add(at(base + _COMM_PAGE_NT_NS_BASE as u64));
        if at::<u32>(base + _COMM_PAGE_NT_GENERATION as u64) == generation {
            return ns;
        }
    }
}

/// `gettimeofday`, as Apple's `__commpage_gettimeofday` computes it from the page.
fn raw_gettimeofday(base: u64) -> Option<TimeVal> {
    let d = base + _COMM_PAGE_NEWTIMEOFDAY_DATA as u64;
    loop {
        let tick: u64 = at(d);
        let now = raw_mach_absolute_time(base);
        let tod = NewCommpageTimeofdayData {
            timestamp_tick: tick.into(),
            timestamp_sec: at::<u64>(d + 8).into(),
            timestamp_frac: at::<u64>(d + 16).into(),
            ticks_scale: at::<u64>(d + 24).into(),
            ticks_per_sec: at::<u64>(d + 32).into(),
        };
        if at::<u64>(d) == tick {
            return time::gettimeofday(&tod, now);
        }
    }
}

fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

fn realtime_us() -> i128 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
    i128::from(t.tv_sec) * 1_000_000 + i128::from(t.tv_nsec) / 1000
}

/// Checks the page's two clocks against Linux's; the largest differences (ns, µs).
fn check_time(base: u64) -> (u64, i128) {
    let (mut worst_ns, mut worst_us) = (0, 0);
    for _ in 0..1000 {
        let before = monotonic_ns();
        let page = raw_mach_absolute_time(base);
        let after = monotonic_ns();
        let off = if page < before {
            before - page
        } else {
            page.saturating_sub(after)
        };
        worst_ns = worst_ns.max(off);
        let tv = raw_gettimeofday(base).expect("a fresh snapshot is used, not the system call");
        let real = realtime_us();
        let tv = i128::from(tv.sec) * 1_000_000 + i128::from(tv.usec);
        worst_us = worst_us.max((real - tv).abs());
    }
    assert!(
        worst_ns < 1_000_000,
        "mach_absolute_time {worst_ns} ns from CLOCK_MONOTONIC"
    );
    assert!(
        worst_us < 1_000,
        "gettimeofday {worst_us} µs from CLOCK_REALTIME"
    );
    (worst_ns, worst_us)
}

#[test]
fn read_through_raw_pointers() {
    in_child("child_read_through_raw_pointers", "x86_64");
    in_child("child_read_through_raw_pointers", "i386");
}

#[test]
#[ignore = "run by read_through_raw_pointers in a child process"]
fn child_read_through_raw_pointers() {
    let arch = arch();
    let page = map(arch);
    let base = page.address();
    assert_eq!(base, arch.base());
    let sig: [u8; 16] = at(base);
    assert_eq!(&sig[..15], arch.signature().as_bytes());
    assert_eq!(sig[15], 0);
    assert_eq!(at::<u16>(base + _COMM_PAGE_VERSION as u64), 14);
    let caps: u64 = at(base + _COMM_PAGE_CPU_CAPABILITIES64 as u64);
    let caps32: u32 = at(base + _COMM_PAGE_CPU_CAPABILITIES as u64);
    assert_eq!(caps as u32, caps32);
    let ncpus: u8 = at(base + _COMM_PAGE_NCPUS as u64);
    assert_eq!(u64::from(ncpus), (caps & kNumCPUs) >> kNumCPUsShift);
    assert!(ncpus >= 1 && caps & kHasSSE2 != 0 && caps & kFastThreadLocalStorage != 0);
    let logical: u8 = at(base + _COMM_PAGE_LOGICAL_CPUS as u64);
    assert_eq!(logical, ncpus);
    assert!(at::<u64>(base + _COMM_PAGE_MEMORY_SIZE as u64) > 1 << 20);
    // What the page says is what the crate wrote.
    let snapshot = page.snapshot();
    assert_eq!(snapshot.cpu_capabilities64.get(), caps);
    // The kernel's view: read-only, shared, at the address.
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let line = maps
        .lines()
        .find(|l| l.starts_with(&format!("{base:08x}-")))
        .expect("the mapping");
    assert!(line.split_whitespace().nth(1) == Some("r--s"), "{line}");
    let (ns, us) = check_time(base);
    println!("{arch:?}: read back at {base:#x}; time within {ns} ns and {us} µs of Linux's clocks");
}

#[test]
fn time_after_refreshes_from_other_threads() {
    in_child("child_time_after_refreshes_from_other_threads", "x86_64");
}

#[test]
#[ignore = "run by time_after_refreshes_from_other_threads in a child process"]
fn child_time_after_refreshes_from_other_threads() {
    let page = Arc::new(map(Arch::X86_64));
    let base = page.address();
    check_time(base);
    // A refresh from another thread, then the same checks.
    let p = Arc::clone(&page);
    std::thread::spawn(move || p.refresh_time()).join().unwrap();
    check_time(base);
    // Readers racing a thread that refreshes as fast as it can: every reading stays within
    // a millisecond of CLOCK_MONOTONIC and never goes back.
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(3));
    let writer = {
        let (page, stop, start) = (Arc::clone(&page), Arc::clone(&stop), Arc::clone(&start));
        std::thread::spawn(move || {
            start.wait();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                page.refresh_time();
                n += 1;
            }
            n
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, start) = (Arc::clone(&stop), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let (mut last, mut reads, mut worst) = (0u64, 0u64, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    let before = monotonic_ns();
                    let t = raw_mach_absolute_time(base);
                    let after = monotonic_ns();
                    assert!(t >= last, "went back: {last} then {t}");
                    let off = if t < before {
                        before - t
                    } else {
                        t.saturating_sub(after)
                    };
                    worst = worst.max(off);
                    last = t;
                    reads += 1;
                }
                (reads, worst)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let refreshes = writer.join().unwrap();
    for r in readers {
        let (reads, worst) = r.join().unwrap();
        assert!(worst < 1_000_000, "{worst} ns off");
        println!(
            "{reads} reads during {refreshes} refreshes, at most {worst} ns from CLOCK_MONOTONIC"
        );
    }
    // The background refresher keeps gettimeofday on the fast path past a second.
    let refresher = page.refresh_every(Duration::from_millis(200));
    assert!(refresher.is_running());
    let until = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < until {
        assert!(raw_gettimeofday(base).is_some());
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(refresher);
    check_time(base);
}

#[test]
fn the_address_is_checked() {
    in_child("child_the_address_is_checked", "x86_64");
}

#[test]
#[ignore = "run by the_address_is_checked in a child process"]
fn child_the_address_is_checked() {
    let first = map(Arch::X86_64);
    // A second page at the same address is refused, and the first is untouched.
    match Commpage::from_host(Arch::X86_64).unwrap().map() {
        Err(e @ Error::AddressTaken { addr }) => {
            assert_eq!(addr, 0x7fff_ffe0_0000);
            assert!(e.to_string().contains("0x7fffffe00000"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(at::<u16>(first.address() + _COMM_PAGE_VERSION as u64), 14);
    // Read-only for good: mprotect cannot make it writable (XNU's page has a maximum
    // protection of read).
    // SAFETY: the call fails (the test checks it does); were it to succeed, the page would
    // only become writable.
    let made_writable = unsafe {
        rustix::mm::mprotect(
            first.address() as usize as *mut std::ffi::c_void,
            4096,
            rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::WRITE,
        )
    };
    assert_eq!(made_writable, Err(rustix::io::Errno::ACCESS));
    // Dropped, it is unmapped, and the address can be used again.
    drop(first);
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    assert!(!maps.contains("7fffffe00000-"));
    let again = map(Arch::X86_64);
    assert_eq!(again.address(), 0x7fff_ffe0_0000);
}

#[test]
fn a_forked_child() {
    in_child("child_a_forked_child", "x86_64");
}

#[test]
#[ignore = "run by a_forked_child in a child process"]
fn child_a_forked_child() {
    let page = Arc::new(map(Arch::X86_64));
    let refresher = page.refresh_every(Duration::from_millis(100));
    let base = page.address();
    // SAFETY: the child only reads the shared page, computes, and leaves with _exit; the
    // refresher's thread is not in the child, which is what the test is about.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let before: u32 = at(base + _COMM_PAGE_NT_GENERATION as u64);
            // The child does not write: the memory is shared and the parent keeps it current.
            page.refresh_time();
            // The handle of a thread that is not in this process is let go, not joined.
            assert!(!refresher.is_running());
            drop(refresher);
            std::thread::sleep(Duration::from_millis(350));
            let after: u32 = at(base + _COMM_PAGE_NT_GENERATION as u64);
            assert_ne!(before, after, "the parent's refreshes show in the child");
            check_time(base);
        }));
        // SAFETY: leaving the forked child without running the parent's destructors.
        unsafe { libc::_exit(if ok.is_ok() { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child status {status:#x}"
    );
    check_time(base);
}
