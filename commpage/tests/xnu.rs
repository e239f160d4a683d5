//! The capability word and the other processor fields, by XNU's rules, on processors
//! described by hand.

mod common;

use common::*;
use darling_commpage::consts::*;
use darling_commpage::{Capabilities, CpuFacts, Machine, OsState};

const LINUX: OsState = OsState {
    avx: true,
    avx512: true,
    fast_strings: true,
    long_mode: true,
};

fn caps(cpu: &Cpu, os: OsState, cpus: u32, tsc_hz: u64) -> Capabilities {
    Capabilities::compute(
        &CpuFacts::read(&cpu.table()),
        &os,
        &Machine { cpus, tsc_hz },
    )
}

#[test]
fn haswell() {
    let c = caps(&Cpu::haswell(), LINUX, 8, 3_400_000_000);
    for bit in [
        kHasMMX,
        kHasSSE,
        kHasSSE2,
        kHasSSE3,
        kHasSupplementalSSE3,
        kHasSSE4_1,
        kHasSSE4_2,
        kHasAES,
        kHasAVX1_0,
        kHasRDRAND,
        kHasF16C,
        kHasFMA,
        kHasAVX2_0,
        kHasBMI1,
        kHasBMI2,
        kHasRTM,
        kHasHLE,
        kHasENFSTRG,
        kCache64,
        kFastThreadLocalStorage,
        k64Bit,
    ] {
        assert!(c.has(bit), "{bit:#x} in {c}");
    }
    for bit in [
        kCache32,
        kCache128,
        kSlow,
        kUP,
        kHasAVX512F,
        kHasADX,
        kHasRDSEED,
        kIsTranslated,
    ] {
        assert!(!c.has(bit), "{bit:#x} in {c}");
    }
    assert_eq!(c.num_cpus(), 8);
    let facts = CpuFacts::read(&Cpu::haswell().table());
    assert_eq!(facts.cpufamily(), CPUFAMILY_INTEL_HASWELL);
    assert_eq!(facts.cache_linesize, 64);
    assert!(facts.tsc_invariant());
}

#[test]
fn vector_levels_need_the_os() {
    // Without AVX state saved, AVX stops at SSE4.2, and FMA, F16C still come from CPUID (as
    // in XNU).
    let os = OsState {
        avx: false,
        avx512: false,
        ..LINUX
    };
    let c = caps(&Cpu::haswell(), os, 4, 3_000_000_000);
    assert!(!c.has(kHasAVX1_0));
    assert!(c.has(kHasSSE4_2) && c.has(kHasFMA) && c.has(kHasF16C) && c.has(kHasAVX2_0));
    // A level implies those below it, as in XNU's switch.
    let mut cpu = Cpu::haswell();
    cpu.edx &= !edx::MMX;
    assert!(caps(&cpu, LINUX, 4, 3_000_000_000).has(kHasMMX));
    // Only SSE2: SSE and MMX come with it, SSE3 does not.
    cpu.ecx = 0;
    cpu.edx = edx::SSE2;
    let c = caps(&cpu, os, 4, 3_000_000_000);
    assert!(c.has(kHasSSE2) && c.has(kHasSSE) && c.has(kHasMMX) && !c.has(kHasSSE3));
}

#[test]
fn avx512_needs_the_os() {
    let zen = Cpu::zen4();
    let with = caps(&zen, LINUX, 2, 2_600_000_000);
    for bit in [
        kHasAVX512F,
        kHasAVX512CD,
        kHasAVX512DQ,
        kHasAVX512BW,
        kHasAVX512VL,
        kHasAVX512VBMI,
        kHasVAES,
        kHasVPCLMULQDQ,
        kHasAVX512VNNI,
        kHasAVX512BITALG,
        kHasAVX512VPOPCNTDQ,
        kHasRDSEED,
        kHasADX,
    ] {
        assert!(with.has(bit), "{bit:#x}");
    }
    assert!(!with.has(kHasAVX512IFMA));
    let without = caps(
        &zen,
        OsState {
            avx512: false,
            ..LINUX
        },
        2,
        2_600_000_000,
    );
    assert_eq!(
        without.bits() & (kHasAVX512F | kHasVAES | kHasAVX512VPOPCNTDQ),
        0
    );
}

#[test]
fn amd_lines_and_families() {
    let facts = CpuFacts::read(&Cpu::zen4().table());
    // No leaf 4: leaf 0x80000006's line.
    assert_eq!(facts.cache_linesize, 64);
    assert_eq!((facts.family, facts.model), (0x19, 0x11));
    // XNU names Intel families only.
    assert_eq!(facts.cpufamily(), CPUFAMILY_UNKNOWN);
    let mut big = Cpu::zen4();
    big.ext_line = 128;
    assert!(caps(&big, LINUX, 2, 2_600_000_000).has(kCache128));
    // Leaf 4 gives the L2 line, then L1D's.
    let mut intel = Cpu::haswell();
    intel.leaf4_lines = Some((32, 128));
    assert_eq!(CpuFacts::read(&intel.table()).cache_linesize, 128);
}

#[test]
fn every_named_family() {
    for &(model, name, family) in CPUID_MODELS {
        let cpu = Cpu {
            model,
            ..Cpu::haswell()
        };
        assert_eq!(CpuFacts::read(&cpu.table()).cpufamily(), family, "{name}");
    }
    // An Intel family 6 model XNU does not know, and family 15.
    let unknown = Cpu {
        model: 0x8f,
        ..Cpu::haswell()
    };
    assert_eq!(
        CpuFacts::read(&unknown.table()).cpufamily(),
        CPUFAMILY_UNKNOWN
    );
    let netburst = Cpu {
        family: 0xf,
        model: 0x4,
        ..Cpu::haswell()
    };
    assert_eq!(
        CpuFacts::read(&netburst.table()).cpufamily(),
        CPUFAMILY_UNKNOWN
    );
}

#[test]
fn counts_slow_tsc_and_never_advertised() {
    let mut cpu = Cpu::haswell();
    cpu.l7_ebx |= l7::MPX | l7::SGX;
    let one = caps(&cpu, LINUX, 1, 3_000_000_000);
    assert!(one.has(kUP) && one.num_cpus() == 1);
    // More than 255 CPUs: the field is capped, as XNU caps it.
    assert_eq!(caps(&cpu, LINUX, 512, 3_000_000_000).num_cpus(), 255);
    // A TSC at or below 1.0000678 GHz is slow.
    assert!(caps(&cpu, LINUX, 2, SLOW_TSC_THRESHOLD).has(kSlow));
    assert!(!caps(&cpu, LINUX, 2, SLOW_TSC_THRESHOLD + 1).has(kSlow));
    // XNU never advertises MPX or SGX.
    assert!(!one.has(kHasMPX) && !one.has(kHasSGX));
    // Fast strings off: no ENFSTRG even with ERMS.
    assert!(
        !caps(
            &cpu,
            OsState {
                fast_strings: false,
                ..LINUX
            },
            2,
            3e9 as u64
        )
        .has(kHasENFSTRG)
    );
}

#[test]
fn leaf7_only_where_it_exists() {
    // A processor whose highest basic leaf is below 7 has no leaf-7 features, whatever a
    // stray read of leaf 7 would return.
    let old = Cpu {
        max_basic: 5,
        ..Cpu::haswell()
    };
    let c = caps(&old, LINUX, 2, 3_000_000_000);
    assert!(!c.has(kHasAVX2_0) && !c.has(kHasBMI1) && !c.has(kHasENFSTRG));
}
