//! Darling's `mldr` fills the commpage with several mistakes (Darling's reference, §5, from
//! `src/startup/mldr/commpage.c`). This file restates its computation, reads the same
//! processors with it and with this crate, and names each mistake.

mod common;

use common::*;
use darling_commpage::consts::*;
use darling_commpage::{Capabilities, CpuFacts, CpuidSource, CpuidTable, Machine, OsState};

/// What Darling's `commpage_setup` writes, as far as these tests look.
struct DarlingPage {
    caps: u64,
    ncpus: u8,
    physical: u8,
    logical: u8,
    cache_linesize: u16,
    cpufamily: u32,
    nt_generation: u32,
}

/// Darling's computation. `leftover` is the sub-leaf its leaf-7 read happens to ask for (its
/// `__cpuid(7, …)` never loads ECX, so whatever the register held).
fn darling(cpu: &CpuidTable, configured: u32, leftover: u32) -> DarlingPage {
    let l1 = cpu.cpuid(1, 0);
    // The union with EDX's bit layout receives ECX, and the one with ECX's layout, EDX.
    let (as_edx, as_ecx) = (l1.ecx, l1.edx);
    let bit = |v: u32, n: u32| v >> n & 1 != 0;
    let mut caps = 0u64;
    let mut set = |c: u64, cond: bool| {
        if cond {
            caps |= c;
        }
    };
    set(kHasMMX, bit(as_edx, 23));
    set(kHasSSE, bit(as_edx, 25));
    set(kHasSSE2, bit(as_edx, 26));
    set(k64Bit, bit(as_edx, 30));
    set(kHasSSE3, bit(as_ecx, 0));
    set(kHasSupplementalSSE3, bit(as_ecx, 9));
    set(kHasFMA, bit(as_ecx, 12));
    set(kHasSSE4_1, bit(as_ecx, 19));
    set(kHasSSE4_2, bit(as_ecx, 20));
    set(kHasAES, bit(as_ecx, 25));
    set(kHasAVX1_0, bit(as_ecx, 28));
    set(kHasF16C, bit(as_ecx, 29));
    set(kHasRDRAND, bit(as_ecx, 30));
    let l7 = cpu.cpuid(7, leftover).ebx;
    set(kHasSGX, bit(l7, 2));
    set(kHasBMI1, bit(l7, 3));
    set(kHasHLE, bit(l7, 4));
    set(kHasAVX2_0, bit(l7, 5));
    set(kHasBMI2, bit(l7, 8));
    set(kHasENFSTRG, bit(l7, 9));
    set(kHasRTM, bit(l7, 11));
    set(kHasMPX, bit(l7, 14));
    set(kHasRDSEED, bit(l7, 18));
    set(kHasADX, bit(l7, 19));
    set(kUP, configured == 1);
    DarlingPage {
        // The 32-bit store of the capability word lands after NCPUS and zeroes it; kNumCPUs
        // was never set.
        caps,
        ncpus: 0,
        physical: configured as u8,
        logical: configured as u8,
        cache_linesize: 0,
        cpufamily: 0,
        nt_generation: 0,
    }
}

const LINUX: OsState = OsState {
    avx: true,
    avx512: true,
    fast_strings: true,
    long_mode: true,
};

fn ours(cpu: &Cpu, cpus: u32) -> Capabilities {
    let machine = Machine {
        cpus,
        tsc_hz: 3_000_000_000,
    };
    Capabilities::compute(&CpuFacts::read(&cpu.table()), &LINUX, &machine)
}

/// A Core 2 (family 6 model 0x17, Penryn): SSE4.1, no POPCNT, no RDRAND, long mode.
fn penryn() -> Cpu {
    Cpu {
        model: 0x17,
        ecx: ecx::SSE3 | ecx::SSSE3 | ecx::SSE4_1,
        edx: edx::FPU | edx::MMX | edx::SSE | edx::SSE2 | edx::HTT,
        l7_ebx: 0,
        max_basic: 0xd,
        ..Cpu::haswell()
    }
}

#[test]
fn leaf1_registers_swapped() {
    let haswell = Cpu::haswell();
    let d = darling(&haswell.table(), 8, 1).caps;
    let o = ours(&haswell, 8);
    // SSE4.2 and RDRAND come from reserved EDX bits: never set.
    for bit in [kHasSSE4_2, kHasRDRAND] {
        assert!(o.has(bit) && d & bit == 0, "{bit:#x}");
    }
    // F16C from `EDX[29]` (TM), zero on this processor (and in most VMs).
    assert!(o.has(kHasF16C) && d & kHasF16C == 0);
    // A Core 2: no POPCNT, so no MMX for Darling; no AES-NI, so no SSE; no XSAVE, so no
    // SSE2; no RDRAND, so no 64-bit; Hyper-Threading, so AVX, which it does not have.
    let core2 = penryn();
    let d = darling(&core2.table(), 2, 1).caps;
    let o = ours(&core2, 2);
    for bit in [kHasMMX, kHasSSE, kHasSSE2, k64Bit] {
        assert!(o.has(bit) && d & bit == 0, "{bit:#x}");
    }
    assert!(!o.has(kHasAVX1_0) && d & kHasAVX1_0 != 0);
    // SSE3 from the FPU bit, SSSE3 from APIC, SSE4.1 from CLFSH, AES from SSE: right only
    // by coincidence. Remove the real features and Darling still reports them.
    let mut fake = core2.clone();
    fake.ecx = 0;
    let d = darling(&fake.table(), 2, 1).caps;
    assert!(d & kHasSSE3 != 0 && !ours(&fake, 2).has(kHasSSE3));
    assert!(d & kHasAES != 0 && !ours(&fake, 2).has(kHasAES));
}

#[test]
fn leaf7_read_without_a_subleaf() {
    let haswell = Cpu::haswell();
    // Sub-leaf 1 (any leftover ECX but 0) has none of these bits.
    let d = darling(&haswell.table(), 8, 1).caps;
    let o = ours(&haswell, 8);
    for bit in [
        kHasAVX2_0,
        kHasBMI1,
        kHasBMI2,
        kHasENFSTRG,
        kHasRTM,
        kHasHLE,
    ] {
        assert!(o.has(bit) && d & bit == 0, "{bit:#x}");
    }
}

#[test]
fn mpx_and_sgx_advertised() {
    // Where the leftover happens to be 0, Darling reads leaf 7 right, and then advertises
    // MPX and SGX, which XNU never does.
    let mut cpu = Cpu::haswell();
    cpu.l7_ebx |= l7::MPX | l7::SGX;
    let d = darling(&cpu.table(), 8, 0).caps;
    assert!(d & kHasMPX != 0 && d & kHasSGX != 0);
    let o = ours(&cpu, 8);
    assert!(!o.has(kHasMPX) && !o.has(kHasSGX));
}

#[test]
fn cpu_count_overwritten() {
    let haswell = Cpu::haswell();
    let d = darling(&haswell.table(), 8, 1);
    assert_eq!((d.ncpus, (d.caps & kNumCPUs) >> kNumCPUsShift), (0, 0));
    let o = ours(&haswell, 8);
    assert_eq!(o.num_cpus(), 8);
    // The byte Apple's code reads for _COMM_PAGE_NCPUS is the capability word's byte 2.
    assert_eq!(
        (o.bits() as u32).to_le_bytes()[_COMM_PAGE_NCPUS - _COMM_PAGE_CPU_CAPABILITIES],
        8
    );
}

#[test]
fn fields_never_set() {
    let zen = Cpu::zen4();
    let d = darling(&zen.table(), 2, 1);
    let o = ours(&zen, 2);
    assert_eq!(d.cache_linesize, 0);
    assert_eq!(CpuFacts::read(&zen.table()).cache_linesize, 64);
    for bit in [
        kCache64,
        kFastThreadLocalStorage,
        kHasAVX512F,
        kHasAVX512BW,
        kHasVAES,
    ] {
        assert!(o.has(bit) && d.caps & bit == 0, "{bit:#x}");
    }
    // cpufamily: Darling leaves 0 everywhere; XNU (and this crate) name Intel families.
    let haswell = Cpu::haswell();
    assert_eq!(darling(&haswell.table(), 8, 1).cpufamily, 0);
    assert_eq!(
        CpuFacts::read(&haswell.table()).cpufamily(),
        CPUFAMILY_INTEL_HASWELL
    );
}

#[test]
fn physical_cpus_are_the_logical_count() {
    // Darling writes _SC_NPROCESSORS_CONF to both; the crate counts cores (see host.rs for
    // this machine's).
    let d = darling(&Cpu::haswell().table(), 8, 1);
    assert_eq!(d.physical, d.logical);
}

#[test]
fn time_left_at_zero() {
    // Generation 0 means "being updated": Apple's mach_absolute_time would spin for ever.
    assert_eq!(darling(&Cpu::haswell().table(), 8, 1).nt_generation, 0);
    let page = darling_commpage::Commpage::from_host(darling_commpage::Arch::X86_64).unwrap();
    assert_ne!(page.data().time_data.nt_generation.get(), 0);
    assert_ne!(page.data().newtimeofday_data.timestamp_tick.get(), 0);
}
