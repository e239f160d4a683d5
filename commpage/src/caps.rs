//! `_cpu_capabilities`: the processor facts, folded as XNU's `commpage_init_cpu_capabilities`
//! folds them, and their names.

use std::fmt;

use crate::consts::*;
use crate::cpuid::CpuidSource;

/// What XNU reads from CPUID to fill the commpage, in XNU's own shapes
/// (`osfmk/i386/cpuid.c`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuFacts {
    /// The vendor string (`GenuineIntel`, `AuthenticAMD`, …).
    pub vendor: [u8; 12],
    /// Highest basic leaf.
    pub max_basic: u32,
    /// Highest extended leaf.
    pub max_ext: u32,
    /// `cpuid_features()`: leaf 1 ECX in the high half, EDX in the low half.
    pub features: u64,
    /// `cpuid_extfeatures()`: leaf 0x80000001 ECX:EDX.
    pub extfeatures: u64,
    /// `cpuid_leaf7_features()`: leaf 7 sub-leaf 0 ECX:EBX (0 below leaf 7).
    pub leaf7_features: u64,
    /// Leaf 0x80000007 EDX (`CPUID_EXTFEATURE_TSCI` says the TSC is invariant).
    pub ext_power: u32,
    /// Family, with the extended family folded in for family 15, as XNU does.
    pub family: u32,
    /// Model, with the extended model folded in for families 6 and 15, as XNU does.
    pub model: u32,
    /// Stepping.
    pub stepping: u32,
    /// The cache line size XNU publishes: the L2 line from leaf 4, else the L1 data
    /// line, else leaf 0x80000006's (what AMD processors give).
    pub cache_linesize: u32,
}

fn bits(v: u32, hi: u32, lo: u32) -> u32 {
    (v >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}

fn quad(hi: u32, lo: u32) -> u64 {
    (u64::from(hi) << 32) | u64::from(lo)
}

impl CpuFacts {
    /// Reads the facts from `src` as XNU's `cpuid_set_generic_info` and
    /// `cpuid_set_cache_info` do.
    pub fn read(src: &impl CpuidSource) -> CpuFacts {
        let l0 = src.cpuid(0, 0);
        let mut vendor = [0u8; 12];
        vendor[..4].copy_from_slice(&l0.ebx.to_le_bytes());
        vendor[4..8].copy_from_slice(&l0.edx.to_le_bytes());
        vendor[8..].copy_from_slice(&l0.ecx.to_le_bytes());
        let max_basic = l0.eax;
        let max_ext = src.cpuid(0x8000_0000, 0).eax;
        let l1 = if max_basic >= 1 {
            src.cpuid(1, 0)
        } else {
            Default::default()
        };
        let mut family = bits(l1.eax, 11, 8);
        let mut model = bits(l1.eax, 7, 4);
        if family == 0x0f || family == 0x06 {
            model += bits(l1.eax, 19, 16) << 4;
            if family == 0x0f {
                family += bits(l1.eax, 27, 20);
            }
        }
        let leaf7 = if max_basic >= 7 {
            let r = src.cpuid(7, 0);
            quad(r.ecx, r.ebx)
        } else {
            0
        };
        let ext = |leaf: u32| {
            if max_ext >= leaf {
                src.cpuid(leaf, 0)
            } else {
                Default::default()
            }
        };
        let e1 = ext(0x8000_0001);
        CpuFacts {
            vendor,
            max_basic,
            max_ext,
            features: quad(l1.ecx, l1.edx),
            extfeatures: quad(e1.ecx, e1.edx),
            leaf7_features: leaf7,
            ext_power: ext(0x8000_0007).edx,
            family,
            model,
            stepping: bits(l1.eax, 3, 0),
            cache_linesize: cache_linesize(src, max_basic, max_ext),
        }
    }

    /// Whether the TSC ticks at a constant rate in every power state
    /// (`CPUID_EXTFEATURE_TSCI`): only then can nanotime be read from it between updates.
    pub fn tsc_invariant(&self) -> bool {
        u64::from(self.ext_power) & CPUID_EXTFEATURE_TSCI != 0
    }

    /// `hw.cpufamily`, as XNU's `cpuid_set_cpufamily` computes it: one of the Intel family 6
    /// models it names, else [`CPUFAMILY_UNKNOWN`] (so every AMD processor).
    pub fn cpufamily(&self) -> u32 {
        if self.family != 6 {
            return CPUFAMILY_UNKNOWN;
        }
        CPUID_MODELS
            .iter()
            .find(|(m, _, _)| *m == self.model)
            .map_or(CPUFAMILY_UNKNOWN, |(_, _, f)| *f)
    }
}

/// XNU's cache line size: leaf 4's deterministic parameters (L2, else L1 data), else leaf
/// 0x80000006 `ECX[7:0]`.
fn cache_linesize(src: &impl CpuidSource, max_basic: u32, max_ext: u32) -> u32 {
    let (mut l1d, mut l2) = (0, 0);
    let mut deterministic = false;
    if max_basic >= 4 {
        for index in 0..64 {
            let r = src.cpuid(4, index);
            let kind = bits(r.eax, 4, 0);
            if kind == 0 {
                break;
            }
            deterministic = true;
            let line = bits(r.ebx, 11, 0) + 1;
            match (bits(r.eax, 7, 5), kind) {
                (1, 1) => l1d = line,
                (2, 3) => l2 = line,
                _ => {}
            }
        }
    }
    if !deterministic && max_ext >= 0x8000_0006 {
        l2 = bits(src.cpuid(0x8000_0006, 0).ecx, 7, 0);
    }
    if l2 != 0 { l2 } else { l1d }
}

/// The operating system's part in the capability word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsState {
    /// The OS saves the AVX state (`ml_fpu_avx_enabled`).
    pub avx: bool,
    /// The OS saves the AVX-512 state (`ml_fpu_avx512_enabled`).
    pub avx512: bool,
    /// Fast strings are enabled (`IA32_MISC_ENABLE` bit 0). User space cannot read the MSR;
    /// Linux leaves it as the firmware set it, on (the kernel's own `rep movs` relies on
    /// it), so the host fill assumes it.
    pub fast_strings: bool,
    /// The kernel runs in 64-bit mode (`cpu_mode_is64bit`).
    pub long_mode: bool,
}

/// What else the capability word depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Machine {
    /// Configured CPUs (`ml_wait_max_cpus`).
    pub cpus: u32,
    /// The TSC frequency in Hz.
    pub tsc_hz: u64,
}

/// `_cpu_capabilities`, the 64-bit capability word.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(pub u64);

/// A capability bit and its names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability {
    /// The bit (one of the `k…` constants).
    pub bit: u64,
    /// XNU's constant name.
    pub name: &'static str,
    /// The name `sysctl machdep.cpu.features` (or `leaf7_features`, `extfeatures`) gives the
    /// processor feature behind it, if there is one.
    pub machdep: Option<&'static str>,
    /// The name `/proc/cpuinfo` gives it, if there is one.
    pub cpuinfo: Option<&'static str>,
}

macro_rules! cap {
    ($bit:ident, $machdep:expr, $cpuinfo:expr) => {
        Capability {
            bit: $bit,
            name: stringify!($bit),
            machdep: $machdep,
            cpuinfo: $cpuinfo,
        }
    };
}

/// The capabilities XNU advertises only where the kernel enabled AVX-512 state
/// (`ml_fpu_avx512_enabled()` in xnu-11417's `commpage_init_cpu_capabilities`), each with its
/// CPUID leaf 7 feature bit. VAES and VPCLMULQDQ are among them, though they exist without
/// AVX-512 too: a processor with VAES but no AVX-512 gets no `kHasVAES`.
const AVX512_FEATURES: [(u64, u64); 12] = [
    (kHasAVX512F, CPUID_LEAF7_FEATURE_AVX512F),
    (kHasAVX512CD, CPUID_LEAF7_FEATURE_AVX512CD),
    (kHasAVX512DQ, CPUID_LEAF7_FEATURE_AVX512DQ),
    (kHasAVX512BW, CPUID_LEAF7_FEATURE_AVX512BW),
    (kHasAVX512VL, CPUID_LEAF7_FEATURE_AVX512VL),
    (kHasAVX512IFMA, CPUID_LEAF7_FEATURE_AVX512IFMA),
    (kHasAVX512VBMI, CPUID_LEAF7_FEATURE_AVX512VBMI),
    (kHasVAES, CPUID_LEAF7_FEATURE_VAES),
    (kHasVPCLMULQDQ, CPUID_LEAF7_FEATURE_VPCLMULQDQ),
    (kHasAVX512VNNI, CPUID_LEAF7_FEATURE_AVX512VNNI),
    (kHasAVX512BITALG, CPUID_LEAF7_FEATURE_AVX512BITALG),
    (kHasAVX512VPOPCNTDQ, CPUID_LEAF7_FEATURE_AVX512VPCDQ),
];

/// The capabilities XNU advertises only with AVX-512 state (the AVX-512 family, VAES and
/// VPCLMULQDQ): never set unless [`OsState::avx512`] is.
pub const AVX512_GATED: u64 = {
    let mut mask = 0;
    let mut i = 0;
    while i < AVX512_FEATURES.len() {
        mask |= AVX512_FEATURES[i].0;
        i += 1;
    }
    mask
};

/// Every capability bit, in bit order (`kNumCPUs` is a count, not listed).
pub const CAPABILITIES: &[Capability] = &[
    cap!(kHasMMX, Some("MMX"), Some("mmx")),
    cap!(kHasSSE, Some("SSE"), Some("sse")),
    cap!(kHasSSE2, Some("SSE2"), Some("sse2")),
    cap!(kHasSSE3, Some("SSE3"), Some("pni")),
    cap!(kCache32, None, None),
    cap!(kCache64, None, None),
    cap!(kCache128, None, None),
    cap!(kFastThreadLocalStorage, None, None),
    cap!(kHasSupplementalSSE3, Some("SSSE3"), Some("ssse3")),
    cap!(k64Bit, Some("EM64T"), Some("lm")),
    cap!(kHasSSE4_1, Some("SSE4.1"), Some("sse4_1")),
    cap!(kHasSSE4_2, Some("SSE4.2"), Some("sse4_2")),
    cap!(kHasAES, Some("AES"), Some("aes")),
    cap!(kInOrderPipeline, None, None),
    cap!(kSlow, None, None),
    cap!(kUP, None, None),
    cap!(kHasAVX1_0, Some("AVX1.0"), Some("avx")),
    cap!(kHasRDRAND, Some("RDRAND"), Some("rdrand")),
    cap!(kHasF16C, Some("F16C"), Some("f16c")),
    cap!(kHasENFSTRG, Some("ERMS"), Some("erms")),
    cap!(kHasFMA, Some("FMA"), Some("fma")),
    cap!(kHasAVX2_0, Some("AVX2"), Some("avx2")),
    cap!(kHasBMI1, Some("BMI1"), Some("bmi1")),
    cap!(kHasBMI2, Some("BMI2"), Some("bmi2")),
    cap!(kHasRTM, Some("RTM"), Some("rtm")),
    cap!(kHasHLE, Some("HLE"), Some("hle")),
    cap!(kHasADX, Some("ADX"), Some("adx")),
    cap!(kHasRDSEED, Some("RDSEED"), Some("rdseed")),
    cap!(kHasMPX, Some("MPX"), Some("mpx")),
    cap!(kHasSGX, Some("SGX"), Some("sgx")),
    cap!(kHasAVX512F, Some("AVX512F"), Some("avx512f")),
    cap!(kHasAVX512CD, Some("AVX512CD"), Some("avx512cd")),
    cap!(kHasAVX512DQ, Some("AVX512DQ"), Some("avx512dq")),
    cap!(kHasAVX512BW, Some("AVX512BW"), Some("avx512bw")),
    cap!(kHasAVX512IFMA, Some("AVX512IFMA"), Some("avx512ifma")),
    cap!(kHasAVX512VBMI, Some("AVX512VBMI"), Some("avx512vbmi")),
    cap!(kHasAVX512VL, Some("AVX512VL"), Some("avx512vl")),
    cap!(kHasVAES, Some("VAES"), Some("vaes")),
    cap!(kHasVPCLMULQDQ, Some("VPCLMULQDQ"), Some("vpclmulqdq")),
    cap!(kHasAVX512VNNI, Some("AVX512VNNI"), Some("avx512_vnni")),
    cap!(
        kHasAVX512BITALG,
        Some("AVX512BITALG"),
        Some("avx512_bitalg")
    ),
    cap!(
        kHasAVX512VPOPCNTDQ,
        Some("AVX512VPOPCNTDQ"),
        Some("avx512_vpopcntdq")
    ),
    cap!(kIsTranslated, None, None),
];

impl Capabilities {
    /// The word, computed as XNU's `commpage_init_cpu_capabilities` computes it.
    pub fn compute(cpu: &CpuFacts, os: &OsState, machine: &Machine) -> Capabilities {
        let f = cpu.features;
        let l7 = cpu.leaf7_features;
        // ml_cpu_get_info's vector unit level; each level implies those below.
        let level = if os.avx && f & CPUID_FEATURE_AVX1_0 != 0 {
            9
        } else {
            [
                (CPUID_FEATURE_SSE4_2, 8),
                (CPUID_FEATURE_SSE4_1, 7),
                (CPUID_FEATURE_SSSE3, 6),
                (CPUID_FEATURE_SSE3, 5),
                (CPUID_FEATURE_SSE2, 4),
                (CPUID_FEATURE_SSE, 3),
                (CPUID_FEATURE_MMX, 2),
            ]
            .iter()
            .find(|(bit, _)| f & bit != 0)
            .map_or(0, |&(_, level)| level)
        };
        let ladder = [
            (9, kHasAVX1_0),
            (8, kHasSSE4_2),
            (7, kHasSSE4_1),
            (6, kHasSupplementalSSE3),
            (5, kHasSSE3),
            (4, kHasSSE2),
            (3, kHasSSE),
            (2, kHasMMX),
        ];
        let mut b = ladder
            .iter()
            .filter(|(l, _)| level >= *l)
            .fold(0, |acc, (_, bit)| acc | bit);
        b |= match cpu.cache_linesize {
            128 => kCache128,
            64 => kCache64,
            32 => kCache32,
            _ => 0,
        };
        let cpus = u64::from(machine.cpus.clamp(1, 0xff));
        b |= cpus << kNumCPUsShift;
        b |= kFastThreadLocalStorage;
        let mut set = |bit: u64, cond: bool| {
            if cond {
                b |= bit;
            }
        };
        set(kUP, cpus == 1);
        set(k64Bit, os.long_mode);
        set(kSlow, machine.tsc_hz <= SLOW_TSC_THRESHOLD);
        set(kHasAES, f & CPUID_FEATURE_AES != 0);
        set(kHasF16C, f & CPUID_FEATURE_F16C != 0);
        set(kHasRDRAND, f & CPUID_FEATURE_RDRAND != 0);
        set(kHasFMA, f & CPUID_FEATURE_FMA != 0);
        set(kHasBMI1, l7 & CPUID_LEAF7_FEATURE_BMI1 != 0);
        set(kHasBMI2, l7 & CPUID_LEAF7_FEATURE_BMI2 != 0);
        // XNU leaves RTM and HLE out only where its TSX force-abort workaround runs, on
        // Intel parts whose microcode aborts every transaction; Linux clears the CPUID
        // bits itself on such parts (tsx=off).
        set(kHasRTM, l7 & CPUID_LEAF7_FEATURE_RTM != 0);
        set(kHasHLE, l7 & CPUID_LEAF7_FEATURE_HLE != 0);
        set(kHasAVX2_0, l7 & CPUID_LEAF7_FEATURE_AVX2 != 0);
        set(kHasRDSEED, l7 & CPUID_LEAF7_FEATURE_RDSEED != 0);
        set(kHasADX, l7 & CPUID_LEAF7_FEATURE_ADX != 0);
        // MPX and SGX are never advertised: the kernel supports neither.
        if os.avx512 {
            for (bit, feature) in AVX512_FEATURES {
                set(bit, l7 & feature != 0);
            }
        }
        set(
            kHasENFSTRG,
            l7 & CPUID_LEAF7_FEATURE_ERMS != 0 && os.fast_strings,
        );
        Capabilities(b)
    }

    /// The word.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether `bit` (one of the `k…` constants) is set.
    pub const fn has(self, bit: u64) -> bool {
        self.0 & bit == bit
    }

    /// `_NumCPUs()`: the `kNumCPUs` field.
    pub const fn num_cpus(self) -> u8 {
        ((self.0 & kNumCPUs) >> kNumCPUsShift) as u8
    }

    /// The capabilities set, with their names.
    pub fn iter(self) -> impl Iterator<Item = &'static Capability> {
        CAPABILITIES.iter().filter(move |c| self.has(c.bit))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Capabilities({:#018x}: {self})", self.0)
    }
}

/// The names of the bits set, then `kNumCPUs=N`.
impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.iter() {
            write!(f, "{} ", c.name)?;
        }
        write!(f, "kNumCPUs={}", self.num_cpus())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_bits_and_are_in_order() {
        let mut seen = 0u64;
        for w in CAPABILITIES.windows(2) {
            assert!(w[0].bit < w[1].bit, "{} before {}", w[0].name, w[1].name);
        }
        for c in CAPABILITIES {
            assert_eq!(c.bit.count_ones(), 1, "{}", c.name);
            assert_eq!(seen & c.bit, 0);
            seen |= c.bit;
        }
        assert_eq!(seen & kNumCPUs, 0);
    }

    /// xnu-11417 sets VAES and VPCLMULQDQ inside its AVX-512 block only.
    #[test]
    fn vaes_without_avx512_state_is_not_advertised() {
        let cpu = CpuFacts {
            features: CPUID_FEATURE_AVX1_0,
            leaf7_features: CPUID_LEAF7_FEATURE_VAES
                | CPUID_LEAF7_FEATURE_VPCLMULQDQ
                | CPUID_LEAF7_FEATURE_AVX2,
            ..CpuFacts::default()
        };
        let machine = Machine {
            cpus: 2,
            tsc_hz: 3_000_000_000,
        };
        let mut os = OsState {
            avx: true,
            avx512: false,
            fast_strings: true,
            long_mode: true,
        };
        let caps = Capabilities::compute(&cpu, &os, &machine);
        assert!(caps.has(kHasAVX2_0));
        assert_eq!(caps.bits() & AVX512_GATED, 0);
        os.avx512 = true;
        let caps = Capabilities::compute(&cpu, &os, &machine);
        assert!(caps.has(kHasVAES) && caps.has(kHasVPCLMULQDQ));
        assert!(!caps.has(kHasAVX512F));
    }
}
