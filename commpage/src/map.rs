//! The page mapped where Darwin code looks for it: one memfd mapped twice, read-only at the
//! fixed address and read-write elsewhere, so that the time can be updated while the page
//! Apple's code sees stays read-only (as XNU maps it; Darling maps a private, writable
//! page).
//!
//! This is the crate's unsafe edge: mapping memory, and atomic access to memory other code
//! reads.

use std::ffi::c_void;
use std::os::fd::OwnedFd;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rustix::fs::{MemfdFlags, SealFlags};
use rustix::io::Errno;
use rustix::mm::{MapFlags, ProtFlags};
use zerocopy::FromBytes;

use crate::consts::*;
use crate::error::Error;
use crate::layout::{CommpageData, CommpageTimeData, NewCommpageTimeofdayData};
use crate::page::{Arch, Commpage};
use crate::time::{self, Clock, TimeUpdate, TimeVal};

const LEN: usize = _COMM_PAGE_AREA_USED;

/// A mapping this crate made, unmapped when dropped.
#[derive(Debug)]
struct Mapping(NonNull<u8>);

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping was made by `map` for `LEN` bytes and is this value's alone;
        // the atomics borrowed from it cannot outlive the `MappedCommpage` that owns it.
        // (Code that still reads the fixed address after the page is dropped reads unmapped
        // memory, as it would after any munmap.)
        let _ = unsafe { rustix::mm::munmap(self.0.as_ptr().cast(), LEN) };
    }
}

/// A commpage mapped at its architecture's fixed address. Unmapped when dropped.
#[derive(Debug)]
pub struct MappedCommpage {
    /// The reader's view, at the fixed address.
    _ro: Mapping,
    /// The writer's view: `LEN` bytes, shared, readable and writable.
    rw: Mapping,
    arch: Arch,
    _memfd: OwnedFd,
    clock: Mutex<Clock>,
    /// The process that mapped the page, the only one that updates it.
    owner: rustix::process::Pid,
}

// SAFETY: the pointers are to mappings this value owns until it is dropped; every access
// through them is atomic (`word64`, `word32`), so threads may share and move it.
unsafe impl Send for MappedCommpage {}
// SAFETY: as above.
unsafe impl Sync for MappedCommpage {}

impl Commpage {
    /// Maps the page read-only at its fixed address (`0x7fffffe00000` or `0xffff0000`) with
    /// `MAP_FIXED_NOREPLACE`, so nothing already there is replaced.
    ///
    /// # Errors
    /// [`Error::AddressTaken`] if something is mapped there; [`Error::Misplaced`] on a
    /// kernel without `MAP_FIXED_NOREPLACE` where the address is not free; [`Error::Sys`]
    /// if the memory cannot be made.
    pub fn map(self) -> Result<MappedCommpage, Error> {
        let (page, arch, clock) = self.into_parts();
        let memfd = rustix::fs::memfd_create(
            "darling-commpage",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )
        .map_err(|e| Error::sys("memfd_create", e))?;
        rustix::fs::ftruncate(&memfd, LEN as u64).map_err(|e| Error::sys("ftruncate", e))?;
        let bytes = zerocopy::IntoBytes::as_bytes(&*page);
        let mut done = 0;
        while done < bytes.len() {
            done += rustix::io::pwrite(&memfd, &bytes[done..], done as u64)
                .map_err(|e| Error::sys("pwrite", e))?;
        }
        // Nobody may shrink the file under the mappings (a read past its end is SIGBUS).
        rustix::fs::fcntl_add_seals(&memfd, SealFlags::SHRINK | SealFlags::GROW)
            .map_err(|e| Error::sys("fcntl(F_ADD_SEALS)", e))?;
        // SAFETY: a new shared mapping of the memfd at an address the kernel chooses: it
        // cannot overlap anything Rust owns.
        let rw = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                LEN,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &memfd,
                0,
            )
        }
        .map_err(|e| Error::sys("mmap", e))?;
        let rw = Mapping(NonNull::new(rw.cast::<u8>()).ok_or(Error::sys("mmap", Errno::NOMEM))?);
        // From here no new writable mapping of the memory can be made, and the read-only one
        // cannot be made writable with mprotect (F_SEAL_FUTURE_WRITE, Linux 5.1): the page
        // is read-only to the process, as XNU maps it; only the view above writes.
        rustix::fs::fcntl_add_seals(&memfd, SealFlags::FUTURE_WRITE | SealFlags::SEAL)
            .map_err(|e| Error::sys("fcntl(F_ADD_SEALS)", e))?;
        let want = arch.base() as usize as *mut c_void;
        // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping: the kernel fails
        // with EEXIST instead, so nothing Rust owns can be overwritten.
        let ro = unsafe {
            rustix::mm::mmap(
                want,
                LEN,
                ProtFlags::READ,
                MapFlags::SHARED | MapFlags::FIXED_NOREPLACE,
                &memfd,
                0,
            )
        };
        let ro = match ro.map(|p| (p, NonNull::new(p.cast::<u8>()))) {
            Ok((p, Some(nn))) if p == want => Mapping(nn),
            Ok((_, other)) => {
                // The kernel took the flag for a hint and put the page elsewhere.
                drop(other.map(Mapping));
                return Err(Error::Misplaced { addr: arch.base() });
            }
            Err(Errno::EXIST) => return Err(Error::AddressTaken { addr: arch.base() }),
            Err(e) => return Err(Error::sys("mmap", e)),
        };
        Ok(MappedCommpage {
            _ro: ro,
            rw,
            arch,
            _memfd: memfd,
            clock: Mutex::new(clock),
            owner: rustix::process::getpid(),
        })
    }
}

impl MappedCommpage {
    /// Which commpage it is.
    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// Where Darwin code reads it.
    pub fn address(&self) -> u64 {
        self.arch.base()
    }

    fn word64(&self, off: usize) -> &AtomicU64 {
        assert!(
            off.is_multiple_of(8) && off + 8 <= LEN,
            "commpage offset {off:#x}"
        );
        // SAFETY: `rw` is valid for `LEN` bytes for as long as `self` lives, and page
        // aligned, so `off` (checked above) is in bounds and 8-aligned; this crate only
        // ever accesses the page atomically.
        unsafe { AtomicU64::from_ptr(self.rw.0.as_ptr().add(off).cast()) }
    }

    fn word32(&self, off: usize) -> &AtomicU32 {
        assert!(
            off.is_multiple_of(4) && off + 4 <= LEN,
            "commpage offset {off:#x}"
        );
        // SAFETY: as in `word64`, for a 4-aligned offset.
        unsafe { AtomicU32::from_ptr(self.rw.0.as_ptr().add(off).cast()) }
    }

    /// A copy of the page as it is now.
    pub fn snapshot(&self) -> Box<CommpageData> {
        // Updates store 32-bit words where this loads 64-bit ones: never at the same time.
        let _writer = self.clock.lock().unwrap_or_else(PoisonError::into_inner);
        let mut bytes = vec![0u8; LEN];
        for (i, chunk) in bytes.chunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(&self.word64(i * 8).load(Ordering::Relaxed).to_ne_bytes());
        }
        CommpageData::read_from_bytes(&bytes)
            .map(Box::new)
            .unwrap_or_else(|_| CommpageData::zeroed())
    }

    /// Brings the time fields up to date, as XNU's `commpage_set_nanotime` and
    /// `commpage_set_timestamp` do: each group is marked invalid (generation 0, tick 0)
    /// while it changes, so a reader that races the update waits or retries, and the new
    /// base is taken from the TSC read after the old parameters were withdrawn, so the
    /// page's time never goes back ([`Clock::params_at`]).
    ///
    /// Call it more often than once a second (see [`crate::time`]);
    /// [`refresh_every`](Self::refresh_every) runs it on a thread. Updates from several
    /// threads are serialized. In a child forked from the process that mapped the page it
    /// does nothing: the memory is shared, and the parent keeps it current.
    pub fn refresh_time(&self) {
        if rustix::process::getpid() != self.owner {
            return;
        }
        let mut clock = self.clock.lock().unwrap_or_else(PoisonError::into_inner);
        let sample = clock.sample();
        let generation = self.word32(_COMM_PAGE_NT_GENERATION);
        let next = generation.load(Ordering::Relaxed).wrapping_add(1).max(1);
        generation.store(0, Ordering::Relaxed);
        // The store of 0 is visible to every reader before the TSC is read.
        fence(Ordering::SeqCst);
        let update = clock.params_at(&sample, crate::cpuid::rdtsc(), next);
        self.publish(&update);
    }

    /// Writes `u`; the nanotime generation is already 0.
    fn publish(&self, u: &TimeUpdate) {
        let nt = &u.nanotime;
        let generation = self.word32(_COMM_PAGE_NT_GENERATION);
        self.word64(_COMM_PAGE_NT_TSC_BASE)
            .store(nt.nt_tsc_base.get(), Ordering::Relaxed);
        self.word64(_COMM_PAGE_NT_NS_BASE)
            .store(nt.nt_ns_base.get(), Ordering::Relaxed);
        self.word32(_COMM_PAGE_NT_SCALE)
            .store(nt.nt_scale.get(), Ordering::Relaxed);
        self.word32(_COMM_PAGE_NT_SHIFT)
            .store(nt.nt_shift.get(), Ordering::Relaxed);
        generation.store(nt.nt_generation.get(), Ordering::Release);

        let tod = &u.timeofday;
        let base = _COMM_PAGE_NEWTIMEOFDAY_DATA;
        let tick = self.word64(base);
        tick.store(0, Ordering::Relaxed);
        fence(Ordering::Release);
        self.word64(base + 8)
            .store(tod.timestamp_sec.get(), Ordering::Relaxed);
        self.word64(base + 16)
            .store(tod.timestamp_frac.get(), Ordering::Relaxed);
        self.word64(base + 24)
            .store(tod.ticks_scale.get(), Ordering::Relaxed);
        self.word64(base + 32)
            .store(tod.ticks_per_sec.get(), Ordering::Relaxed);
        tick.store(tod.timestamp_tick.get(), Ordering::Release);

        self.word64(_COMM_PAGE_CONT_TIMEBASE)
            .store(u.cont_timebase, Ordering::Relaxed);
        self.word64(_COMM_PAGE_BOOTTIME_USEC)
            .store(u.boottime_usec, Ordering::Relaxed);
    }

    /// The nanotime parameters, read as Apple's `mach_absolute_time` reads them: wait while
    /// the generation is 0, retry if it changed meanwhile. Returns them and the TSC read
    /// inside the same window.
    pub fn read_nanotime(&self) -> (CommpageTimeData, u64) {
        let generation = self.word32(_COMM_PAGE_NT_GENERATION);
        loop {
            let g = generation.load(Ordering::Acquire);
            if g == 0 {
                std::hint::spin_loop();
                continue;
            }
            let tsc = crate::cpuid::rdtsc();
            let td = CommpageTimeData {
                nt_tsc_base: self
                    .word64(_COMM_PAGE_NT_TSC_BASE)
                    .load(Ordering::Relaxed)
                    .into(),
                nt_scale: self
                    .word32(_COMM_PAGE_NT_SCALE)
                    .load(Ordering::Relaxed)
                    .into(),
                nt_shift: self
                    .word32(_COMM_PAGE_NT_SHIFT)
                    .load(Ordering::Relaxed)
                    .into(),
                nt_ns_base: self
                    .word64(_COMM_PAGE_NT_NS_BASE)
                    .load(Ordering::Relaxed)
                    .into(),
                nt_generation: g.into(),
                ..Default::default()
            };
            fence(Ordering::Acquire);
            if generation.load(Ordering::Relaxed) == g {
                return (td, tsc);
            }
        }
    }

    /// `mach_absolute_time()` as Apple's code computes it from this page.
    pub fn nanotime(&self) -> u64 {
        let (td, tsc) = self.read_nanotime();
        time::nanotime(&td, tsc)
    }

    /// `gettimeofday()` as Apple's `__commpage_gettimeofday` computes it from this page;
    /// `None` where it would make the system call.
    pub fn gettimeofday(&self) -> Option<TimeVal> {
        let base = _COMM_PAGE_NEWTIMEOFDAY_DATA;
        let tick = self.word64(base);
        loop {
            let t = tick.load(Ordering::Acquire);
            let now = self.nanotime();
            let tod = NewCommpageTimeofdayData {
                timestamp_tick: t.into(),
                timestamp_sec: self.word64(base + 8).load(Ordering::Relaxed).into(),
                timestamp_frac: self.word64(base + 16).load(Ordering::Relaxed).into(),
                ticks_scale: self.word64(base + 24).load(Ordering::Relaxed).into(),
                ticks_per_sec: self.word64(base + 32).load(Ordering::Relaxed).into(),
            };
            fence(Ordering::Acquire);
            if tick.load(Ordering::Relaxed) == t {
                return time::gettimeofday(&tod, now);
            }
        }
    }

    /// Refreshes the time every `period` on a thread of its own until the returned handle
    /// is dropped. A period well under a second (500 ms) keeps `gettimeofday` on the fast
    /// path: at a second, its snapshot is a second old by the time it is replaced.
    pub fn refresh_every(self: &Arc<Self>, period: Duration) -> Refresher {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (page, flag) = (Arc::clone(self), Arc::clone(&stop));
        let thread = std::thread::Builder::new()
            .name("commpage-refresh".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    page.refresh_time();
                    std::thread::park_timeout(period);
                }
            })
            .ok();
        Refresher {
            stop,
            thread,
            owner: rustix::process::getpid(),
        }
    }
}

/// The thread [`MappedCommpage::refresh_every`] started; stopped when dropped.
#[derive(Debug)]
pub struct Refresher {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// The process whose thread it is (a forked child has the handle, not the thread).
    owner: rustix::process::Pid,
}

impl Refresher {
    /// Whether the thread could be started (and runs in this process).
    pub fn is_running(&self) -> bool {
        self.thread.is_some() && rustix::process::getpid() == self.owner
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take()
            && rustix::process::getpid() == self.owner
        {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}
