//! [`Commpage`]: a data page filled from the host as XNU's `commpage_populate` fills it.

use std::time::Duration;

use crate::caps::{Capabilities, CpuFacts, Machine, OsState};
use crate::consts::*;
use crate::cpuid::{CpuidSource, HostCpuid};
use crate::error::Error;
use crate::host::HostCounts;
use crate::layout::CommpageData;
use crate::time::{Clock, TimeUpdate};

/// Which commpage: where it lives and how it signs itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    /// x86-64: `0x7fffffe00000`, `"commpage 64-bit"`.
    X86_64,
    /// i386: `0xffff0000`, `"commpage 32-bit"`.
    I386,
}

impl Arch {
    /// The page's fixed address.
    pub const fn base(self) -> u64 {
        match self {
            Arch::X86_64 => _COMM_PAGE64_BASE_ADDRESS,
            Arch::I386 => _COMM_PAGE32_BASE_ADDRESS,
        }
    }

    /// The signature at the start of the page.
    pub const fn signature(self) -> &'static str {
        match self {
            Arch::X86_64 => _COMM_PAGE64_SIGNATURE_STRING,
            Arch::I386 => _COMM_PAGE32_SIGNATURE_STRING,
        }
    }
}

/// Everything the page is filled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    /// The processor, as XNU reads it.
    pub cpu: CpuFacts,
    /// What the kernel enables.
    pub os: OsState,
    /// CPU counts, memory, page size.
    pub counts: HostCounts,
}

impl Host {
    /// Reads this machine.
    ///
    /// # Errors
    /// The CPU lists in sysfs cannot be read.
    pub fn read() -> Result<Host, Error> {
        Ok(Self::with_cpuid(&HostCpuid, HostCounts::read()?))
    }

    /// This machine's kernel and `counts`, with the processor `cpuid` describes.
    pub fn with_cpuid(cpuid: &impl CpuidSource, counts: HostCounts) -> Host {
        let (avx, avx512) = crate::cpuid::host_vector_state();
        Host {
            cpu: CpuFacts::read(cpuid),
            os: OsState {
                avx,
                avx512,
                fast_strings: true,
                long_mode: cfg!(target_arch = "x86_64"),
            },
            counts,
        }
    }
}

/// Choices the host does not make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillOptions {
    /// Set `kIsTranslated` (off, as on a Mac with an Intel processor). libplatform's
    /// `OSAtomicFifoEnqueue`/`Dequeue` use their lock-based variant when it is set, and
    /// otherwise jump into the preemption-free zone of the commpage's text page, which this
    /// crate does not provide: a runtime that runs Apple's libplatform without one should
    /// turn it on.
    pub translated: bool,
    /// How long to measure the TSC before the first time update (5 ms by default).
    pub calibration: Duration,
}

impl Default for FillOptions {
    fn default() -> Self {
        FillOptions {
            translated: false,
            calibration: Duration::from_millis(5),
        }
    }
}

/// A commpage data page and the clock that keeps its time.
#[derive(Clone, Debug)]
pub struct Commpage {
    page: Box<CommpageData>,
    arch: Arch,
    clock: Clock,
}

/// A `u8` field: XNU truncates; counts past 255 are kept at 255 here.
fn byte(n: u32) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

impl Commpage {
    /// Fills a page from this machine, with the default [`FillOptions`].
    ///
    /// # Errors
    /// The CPU lists in sysfs cannot be read.
    pub fn from_host(arch: Arch) -> Result<Commpage, Error> {
        let options = FillOptions::default();
        Ok(Self::fill(
            arch,
            &Host::read()?,
            Clock::calibrate(options.calibration),
            &options,
        ))
    }

    /// Fills a page from `host`, with time from `clock`, as XNU's `commpage_populate_one`
    /// and `commpage_init_cpu_capabilities` do.
    pub fn fill(arch: Arch, host: &Host, clock: Clock, options: &FillOptions) -> Commpage {
        let mut page = CommpageData::zeroed();
        let p = &mut *page;
        let counts = &host.counts;
        let mut caps = Capabilities::compute(
            &host.cpu,
            &host.os,
            &Machine {
                cpus: counts.logical,
                tsc_hz: clock.tsc_hz(),
            },
        );
        if options.translated {
            caps.0 |= kIsTranslated;
        }
        let sig = arch.signature().as_bytes();
        let n = sig.len().min(_COMM_PAGE_SIGNATURELEN);
        p.signature[..n].copy_from_slice(&sig[..n]);
        p.cpu_capabilities64 = caps.bits().into();
        p.version = _COMM_PAGE_THIS_VERSION.into();
        p.cpu_capabilities = (caps.bits() as u32).into();
        let line: u16 = if caps.has(kCache64) {
            64
        } else if caps.has(kCache128) {
            128
        } else {
            32
        };
        p.cache_linesize = line.into();
        p.active_cpus = byte(counts.active);
        p.physical_cpus = byte(counts.physical);
        p.logical_cpus = byte(counts.logical);
        p.cpu_clusters = 1;
        p.memory_size = counts.memory.into();
        p.cpufamily = host.cpu.cpufamily().into();
        p.kernel_page_shift = counts.page_shift;
        p.user_page_shift_64 = counts.page_shift;
        // Every x86 CPU is in cluster 0 (XNU's `ml_map_cpus_to_clusters`): the page is zero.
        let mut c = Commpage { page, arch, clock };
        c.refresh_time();
        c
    }

    /// The page.
    pub fn data(&self) -> &CommpageData {
        &self.page
    }

    /// Which commpage it is.
    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// The capability word on the page.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities(self.page.cpu_capabilities64.get())
    }

    /// The clock that keeps the page's time.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Brings the time fields up to date (nanotime, the `gettimeofday` snapshot, the
    /// continuous-time base and the boot time).
    pub fn refresh_time(&mut self) {
        let update = self.clock.update(self.page.time_data.nt_generation.get());
        apply(&mut self.page, &update);
    }

    pub(crate) fn into_parts(self) -> (Box<CommpageData>, Arch, Clock) {
        (self.page, self.arch, self.clock)
    }
}

/// Writes `update` into `page` (a page nobody reads meanwhile).
pub(crate) fn apply(page: &mut CommpageData, update: &TimeUpdate) {
    page.time_data = update.nanotime;
    page.newtimeofday_data = update.timeofday;
    page.cont_timebase = update.cont_timebase.into();
    page.boottime_usec = update.boottime_usec.into();
}
