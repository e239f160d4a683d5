//! CPUID, read from the host or from a table.
//!
//! Everything the commpage takes from the processor goes through [`CpuidSource`], so that the
//! same code fills a page from this machine or from a recorded one (the tests run XNU's
//! rules, and Darling's mistakes, over CPUs they describe).

use std::collections::BTreeMap;

/// The four registers CPUID returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    /// EAX.
    pub eax: u32,
    /// EBX.
    pub ebx: u32,
    /// ECX.
    pub ecx: u32,
    /// EDX.
    pub edx: u32,
}

/// Something that answers CPUID.
pub trait CpuidSource {
    /// CPUID leaf `leaf`, sub-leaf `subleaf` (ECX on entry).
    fn cpuid(&self, leaf: u32, subleaf: u32) -> Regs;
}

/// This machine's processor.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostCpuid;

#[cfg(target_arch = "x86")]
use core::arch::x86 as arch;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64 as arch;

impl CpuidSource for HostCpuid {
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    fn cpuid(&self, leaf: u32, subleaf: u32) -> Regs {
        // CPUID exists on every processor this runs on (x86-64, and every i686), reads no
        // memory and changes none; older toolchains still mark the intrinsic unsafe.
        #[allow(unused_unsafe)]
        // SAFETY: see above.
        let r = unsafe { arch::__cpuid_count(leaf, subleaf) };
        Regs {
            eax: r.eax,
            ebx: r.ebx,
            ecx: r.ecx,
            edx: r.edx,
        }
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
    fn cpuid(&self, _leaf: u32, _subleaf: u32) -> Regs {
        Regs::default()
    }
}

/// A recorded processor: registers by (leaf, sub-leaf); anything not recorded reads as 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuidTable {
    leaves: BTreeMap<(u32, u32), Regs>,
}

impl CpuidTable {
    /// An empty table (every leaf reads as 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records leaf `leaf`, sub-leaf `subleaf`.
    pub fn set(&mut self, leaf: u32, subleaf: u32, regs: Regs) -> &mut Self {
        self.leaves.insert((leaf, subleaf), regs);
        self
    }

    /// Records what `src` answers for the leaves the commpage reads.
    pub fn record(src: &impl CpuidSource) -> Self {
        let mut t = Self::new();
        let max = src.cpuid(0, 0).eax;
        for leaf in [0, 1, 7] {
            if leaf <= max {
                t.set(leaf, 0, src.cpuid(leaf, 0));
            }
        }
        if max >= 4 {
            for sub in 0..16 {
                let r = src.cpuid(4, sub);
                t.set(4, sub, r);
                if r.eax & 0x1f == 0 {
                    break;
                }
            }
        }
        let max_ext = src.cpuid(0x8000_0000, 0).eax;
        for leaf in [0x8000_0000, 0x8000_0001, 0x8000_0006, 0x8000_0007] {
            if leaf <= max_ext {
                t.set(leaf, 0, src.cpuid(leaf, 0));
            }
        }
        t
    }
}

impl CpuidSource for CpuidTable {
    fn cpuid(&self, leaf: u32, subleaf: u32) -> Regs {
        self.leaves
            .get(&(leaf, subleaf))
            .copied()
            .unwrap_or_default()
    }
}

/// The time-stamp counter, fenced as XNU's `mach_absolute_time` fences it (`lfence; rdtsc;
/// lfence`), so that it is not read early or late.
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "x86", target_feature = "sse2")
))]
pub fn rdtsc() -> u64 {
    use arch::{_mm_lfence, _rdtsc};
    // LFENCE (SSE2: part of x86-64, and of the i686 targets that enable it) and RDTSC read no memory; RDTSC faults only if the
    // kernel forbids it for the process (PR_SET_TSC), which a runtime that uses the
    // commpage must not do. Older toolchains mark the intrinsics unsafe.
    #[allow(unused_unsafe)]
    // SAFETY: see above.
    unsafe {
        _mm_lfence();
        let t = _rdtsc();
        _mm_lfence();
        t
    }
}

/// The time-stamp counter: 0 where there is none (the crate describes x86's commpage; on
/// other processors it can only read pages, not time them).
#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "x86", target_feature = "sse2")
)))]
pub fn rdtsc() -> u64 {
    0
}

/// Whether the operating system saves the AVX (YMM) and the AVX-512 (opmask and ZMM)
/// register state, as XNU's `ml_fpu_avx_enabled` and `ml_fpu_avx512_enabled` say of XNU:
/// the processor's features are usable only then.
pub fn host_vector_state() -> (bool, bool) {
    #[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
    {
        (
            std::arch::is_x86_feature_detected!("avx"),
            std::arch::is_x86_feature_detected!("avx512f"),
        )
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
    {
        (false, false)
    }
}
