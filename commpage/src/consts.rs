//! The numbers of the x86 commpage, with the names XNU gives them.
//!
//! Sources: XNU (xnu-11417.101.15) `osfmk/i386/cpu_capabilities.h` (addresses, offsets,
//! capability bits), `bsd/sys/commpage.h` (signatures), `osfmk/i386/cpuid.h` (CPUID feature
//! bits and model numbers), `osfmk/mach/machine.h` (CPU families), `osfmk/i386/tsc.h`.
#![allow(non_upper_case_globals)]

// --- Addresses and sizes -------------------------------------------------------------------

/// Where the 32-bit (i386) commpage starts.
pub const _COMM_PAGE32_BASE_ADDRESS: u64 = 0xffff_0000;
/// Where the 64-bit (x86-64) commpage starts.
pub const _COMM_PAGE64_BASE_ADDRESS: u64 = 0x0000_7fff_ffe0_0000;
/// The length of the data page that is populated (one page, on both).
pub const _COMM_PAGE_AREA_USED: usize = 4096;
/// The text page (the preemption-free zone) follows the data page; not provided.
pub const _COMM_PAGE_TEXT_OFFSET: u64 = 0x1000;
/// The 32-bit commpage's signature.
pub const _COMM_PAGE32_SIGNATURE_STRING: &str = "commpage 32-bit";
/// The 64-bit commpage's signature.
pub const _COMM_PAGE64_SIGNATURE_STRING: &str = "commpage 64-bit";
/// The layout version this crate writes.
pub const _COMM_PAGE_THIS_VERSION: u16 = 14;

// --- Offsets of the data page (from the base address) ---------------------------------------

/// `char[16]`: the signature (15 characters and a NUL).
pub const _COMM_PAGE_SIGNATURE: usize = 0x000;
/// Length of the signature field.
pub const _COMM_PAGE_SIGNATURELEN: usize = 0x10;
/// `uint64_t`: `_cpu_capabilities`.
pub const _COMM_PAGE_CPU_CAPABILITIES64: usize = 0x010;
/// 6 unused bytes.
pub const _COMM_PAGE_UNUSED: usize = 0x018;
/// `uint16_t`: layout version.
pub const _COMM_PAGE_VERSION: usize = 0x01e;
/// `uint32_t`: the low half of `_cpu_capabilities`, kept for compatibility.
pub const _COMM_PAGE_CPU_CAPABILITIES: usize = 0x020;
/// `uint8_t`: configured CPUs. It is byte 2 of the 32-bit capability word (`kNumCPUs`).
pub const _COMM_PAGE_NCPUS: usize = 0x022;
/// 2 unused bytes.
pub const _COMM_PAGE_UNUSED0: usize = 0x024;
/// `uint16_t`: cache line size.
pub const _COMM_PAGE_CACHE_LINESIZE: usize = 0x026;
/// `uint32_t`: unused (was the scheduler generation).
pub const _COMM_PAGE_UNUSED4: usize = 0x028;
/// `uint32_t`: `vm_memory_pressure`.
pub const _COMM_PAGE_MEMORY_PRESSURE: usize = 0x02c;
/// `uint32_t`: unused (was the spin count).
pub const _COMM_PAGE_UNUSED3: usize = 0x030;
/// `uint8_t`: `hw.activecpu`.
pub const _COMM_PAGE_ACTIVE_CPUS: usize = 0x034;
/// `uint8_t`: `hw.physicalcpu_max`.
pub const _COMM_PAGE_PHYSICAL_CPUS: usize = 0x035;
/// `uint8_t`: `hw.logicalcpu_max`.
pub const _COMM_PAGE_LOGICAL_CPUS: usize = 0x036;
/// `uint8_t`: CPU clusters (1 on every x86).
pub const _COMM_PAGE_CPU_CLUSTERS: usize = 0x037;
/// `uint64_t`: memory size.
pub const _COMM_PAGE_MEMORY_SIZE: usize = 0x038;
/// `uint32_t`: `hw.cpufamily`.
pub const _COMM_PAGE_CPUFAMILY: usize = 0x040;
/// `uint32_t`: `kdebug_enable`.
pub const _COMM_PAGE_KDEBUG_ENABLE: usize = 0x044;
/// `uint32_t`: `atm_diagnostic_config`.
pub const _COMM_PAGE_ATM_DIAGNOSTIC_CONFIG: usize = 0x048;
/// `uint8_t`: whether user-space DTrace DOF is enabled.
pub const _COMM_PAGE_DTRACE_DOF_ENABLED: usize = 0x04c;
/// `uint8_t`: the kernel's page shift.
pub const _COMM_PAGE_KERNEL_PAGE_SHIFT: usize = 0x04d;
/// `uint8_t`: the user page shift (64-bit; the same for 32-bit on x86).
pub const _COMM_PAGE_USER_PAGE_SHIFT_64: usize = 0x04e;
/// 1 unused byte.
pub const _COMM_PAGE_UNUSED2: usize = 0x04f;
/// Start of `commpage_time_data` (the nanotime and legacy gettimeofday data).
pub const _COMM_PAGE_TIME_DATA_START: usize = 0x050;
/// `uint64_t`: TSC at the last nanotime update.
pub const _COMM_PAGE_NT_TSC_BASE: usize = 0x050;
/// `uint32_t`: nanotime scale (ns per TSC tick, as a 32.32 fraction).
pub const _COMM_PAGE_NT_SCALE: usize = 0x058;
/// `uint32_t`: nanotime pre-shift (0 unless the TSC is slower than 1 GHz).
pub const _COMM_PAGE_NT_SHIFT: usize = 0x05c;
/// `uint64_t`: nanoseconds at the last nanotime update.
pub const _COMM_PAGE_NT_NS_BASE: usize = 0x060;
/// `uint32_t`: nanotime generation; 0 while being updated.
pub const _COMM_PAGE_NT_GENERATION: usize = 0x068;
/// `uint32_t`: legacy gettimeofday generation.
pub const _COMM_PAGE_GTOD_GENERATION: usize = 0x06c;
/// `uint64_t`: legacy gettimeofday nanoseconds base.
pub const _COMM_PAGE_GTOD_NS_BASE: usize = 0x070;
/// `uint64_t`: legacy gettimeofday seconds base.
pub const _COMM_PAGE_GTOD_SEC_BASE: usize = 0x078;
/// `uint64_t`: `mach_approximate_time` (64-byte aligned).
pub const _COMM_PAGE_APPROX_TIME: usize = 0x080;
/// `uint8_t`: 1 if `_COMM_PAGE_APPROX_TIME` is maintained.
pub const _COMM_PAGE_APPROX_TIME_SUPPORTED: usize = 0x088;
/// `uint64_t`: added to absolute time for `mach_continuous_time`.
pub const _COMM_PAGE_CONT_TIMEBASE: usize = 0x0c0;
/// `uint64_t`: boot time in microseconds.
pub const _COMM_PAGE_BOOTTIME_USEC: usize = 0x0c8;
/// `new_commpage_timeofday_data_t` (40 bytes), read by `gettimeofday`.
pub const _COMM_PAGE_NEWTIMEOFDAY_DATA: usize = 0x0d0;
/// `uint64_t`: `kern.dyld_system_flags`.
pub const _COMM_PAGE_DYLD_FLAGS: usize = 0x100;
/// `uint8_t[256]`: logical CPU to cluster.
pub const _COMM_PAGE_CPU_TO_CLUSTER: usize = 0x108;
/// `uint64_t`: Apple Security Bounty target value.
pub const _COMM_PAGE_ASB_TARGET_VALUE: usize = 0x320;
/// `uint64_t`: Apple Security Bounty target address.
pub const _COMM_PAGE_ASB_TARGET_ADDRESS: usize = 0x328;
/// `uint64_t`: Apple Security Bounty kernel value.
pub const _COMM_PAGE_ASB_TARGET_KERN_VALUE: usize = 0x330;
/// `uint64_t`: Apple Security Bounty kernel address.
pub const _COMM_PAGE_ASB_TARGET_KERN_ADDRESS: usize = 0x338;
/// The last byte of the data page.
pub const _COMM_PAGE_END: usize = 0xfff;

/// Offsets within `commpage_time_data` (from `_COMM_PAGE_TIME_DATA_START`).
pub const _NT_TSC_BASE: usize = 0;
/// See [`_NT_TSC_BASE`].
pub const _NT_SCALE: usize = 8;
/// See [`_NT_TSC_BASE`].
pub const _NT_SHIFT: usize = 12;
/// See [`_NT_TSC_BASE`].
pub const _NT_NS_BASE: usize = 16;
/// See [`_NT_TSC_BASE`].
pub const _NT_GENERATION: usize = 24;
/// See [`_NT_TSC_BASE`].
pub const _GTOD_GENERATION: usize = 28;
/// See [`_NT_TSC_BASE`].
pub const _GTOD_NS_BASE: usize = 32;
/// See [`_NT_TSC_BASE`].
pub const _GTOD_SEC_BASE: usize = 40;

// --- Capability bits (_cpu_capabilities) ----------------------------------------------------

/// MMX.
pub const kHasMMX: u64 = 0x0000_0001;
/// SSE.
pub const kHasSSE: u64 = 0x0000_0002;
/// SSE2.
pub const kHasSSE2: u64 = 0x0000_0004;
/// SSE3.
pub const kHasSSE3: u64 = 0x0000_0008;
/// The cache line is 32 bytes.
pub const kCache32: u64 = 0x0000_0010;
/// The cache line is 64 bytes.
pub const kCache64: u64 = 0x0000_0020;
/// The cache line is 128 bytes.
pub const kCache128: u64 = 0x0000_0040;
/// The TLS pointer is kept in a user-readable register (`%gs`): always set.
pub const kFastThreadLocalStorage: u64 = 0x0000_0080;
/// Supplemental SSE3 (SSSE3).
pub const kHasSupplementalSSE3: u64 = 0x0000_0100;
/// The processor supports EM64T (whatever mode it runs in).
pub const k64Bit: u64 = 0x0000_0200;
/// SSE4.1.
pub const kHasSSE4_1: u64 = 0x0000_0400;
/// SSE4.2.
pub const kHasSSE4_2: u64 = 0x0000_0800;
/// AES-NI.
pub const kHasAES: u64 = 0x0000_1000;
/// An in-order pipeline (never set on x86).
pub const kInOrderPipeline: u64 = 0x0000_2000;
/// The TSC ticks slower than 1 GHz.
pub const kSlow: u64 = 0x0000_4000;
/// Exactly one CPU.
pub const kUP: u64 = 0x0000_8000;
/// The number of CPUs (see [`kNumCPUsShift`]).
pub const kNumCPUs: u64 = 0x00ff_0000;
/// Where [`kNumCPUs`] starts.
pub const kNumCPUsShift: u32 = 16;
/// AVX 1.0 (the OS saves its state).
pub const kHasAVX1_0: u64 = 0x0100_0000;
/// RDRAND.
pub const kHasRDRAND: u64 = 0x0200_0000;
/// F16C.
pub const kHasF16C: u64 = 0x0400_0000;
/// Fast `rep movs`/`stos` (ERMS, with fast strings enabled).
pub const kHasENFSTRG: u64 = 0x0800_0000;
/// FMA.
pub const kHasFMA: u64 = 0x1000_0000;
/// AVX2.
pub const kHasAVX2_0: u64 = 0x2000_0000;
/// BMI1.
pub const kHasBMI1: u64 = 0x4000_0000;
/// BMI2.
pub const kHasBMI2: u64 = 0x8000_0000;
/// RTM (TSX).
pub const kHasRTM: u64 = 1 << 32;
/// HLE (TSX).
pub const kHasHLE: u64 = 1 << 33;
/// ADX.
pub const kHasADX: u64 = 1 << 34;
/// RDSEED.
pub const kHasRDSEED: u64 = 1 << 35;
/// MPX (never advertised by XNU).
pub const kHasMPX: u64 = 1 << 36;
/// SGX (never advertised by XNU).
pub const kHasSGX: u64 = 1 << 37;
/// AVX-512 Foundation (the OS saves its state).
pub const kHasAVX512F: u64 = 1 << 38;
/// AVX-512 CD.
pub const kHasAVX512CD: u64 = 1 << 39;
/// AVX-512 DQ.
pub const kHasAVX512DQ: u64 = 1 << 40;
/// AVX-512 BW.
pub const kHasAVX512BW: u64 = 1 << 41;
/// AVX-512 IFMA.
pub const kHasAVX512IFMA: u64 = 1 << 42;
/// AVX-512 VBMI.
pub const kHasAVX512VBMI: u64 = 1 << 43;
/// AVX-512 VL.
pub const kHasAVX512VL: u64 = 1 << 44;
/// VAES.
pub const kHasVAES: u64 = 1 << 45;
/// VPCLMULQDQ.
pub const kHasVPCLMULQDQ: u64 = 1 << 46;
/// AVX-512 VNNI.
pub const kHasAVX512VNNI: u64 = 1 << 47;
/// AVX-512 BITALG.
pub const kHasAVX512BITALG: u64 = 1 << 48;
/// AVX-512 VPOPCNTDQ.
pub const kHasAVX512VPOPCNTDQ: u64 = 1 << 49;
/// The process runs translated (Rosetta).
pub const kIsTranslated: u64 = 1 << 62;

// --- CPUID feature bits, as XNU folds them (osfmk/i386/cpuid.h) ----------------------------
// `cpuid_features()` is leaf 1's ECX:EDX (EDX in the low half); `cpuid_leaf7_features()` is
// leaf 7 sub-leaf 0's ECX:EBX; `cpuid_extfeatures()` is leaf 0x80000001's ECX:EDX.

/// Leaf 1 `EDX[23]`.
pub const CPUID_FEATURE_MMX: u64 = 1 << 23;
/// Leaf 1 `EDX[25]`.
pub const CPUID_FEATURE_SSE: u64 = 1 << 25;
/// Leaf 1 `EDX[26]`.
pub const CPUID_FEATURE_SSE2: u64 = 1 << 26;
/// Leaf 1 `EDX[28]`.
pub const CPUID_FEATURE_HTT: u64 = 1 << 28;
/// Leaf 1 `ECX[0]`.
pub const CPUID_FEATURE_SSE3: u64 = 1 << 32;
/// Leaf 1 `ECX[9]`.
pub const CPUID_FEATURE_SSSE3: u64 = 1 << (32 + 9);
/// Leaf 1 `ECX[12]`.
pub const CPUID_FEATURE_FMA: u64 = 1 << (32 + 12);
/// Leaf 1 `ECX[19]`.
pub const CPUID_FEATURE_SSE4_1: u64 = 1 << (32 + 19);
/// Leaf 1 `ECX[20]`.
pub const CPUID_FEATURE_SSE4_2: u64 = 1 << (32 + 20);
/// Leaf 1 `ECX[23]`.
pub const CPUID_FEATURE_POPCNT: u64 = 1 << (32 + 23);
/// Leaf 1 `ECX[25]`.
pub const CPUID_FEATURE_AES: u64 = 1 << (32 + 25);
/// Leaf 1 `ECX[26]`.
pub const CPUID_FEATURE_XSAVE: u64 = 1 << (32 + 26);
/// Leaf 1 `ECX[27]`.
pub const CPUID_FEATURE_OSXSAVE: u64 = 1 << (32 + 27);
/// Leaf 1 `ECX[28]`.
pub const CPUID_FEATURE_AVX1_0: u64 = 1 << (32 + 28);
/// Leaf 1 `ECX[29]`.
pub const CPUID_FEATURE_F16C: u64 = 1 << (32 + 29);
/// Leaf 1 `ECX[30]`.
pub const CPUID_FEATURE_RDRAND: u64 = 1 << (32 + 30);
/// Leaf 0x80000001 `EDX[29]`: long mode.
pub const CPUID_EXTFEATURE_EM64T: u64 = 1 << 29;
/// Leaf 7 `EBX[2]`.
pub const CPUID_LEAF7_FEATURE_SGX: u64 = 1 << 2;
/// Leaf 7 `EBX[3]`.
pub const CPUID_LEAF7_FEATURE_BMI1: u64 = 1 << 3;
/// Leaf 7 `EBX[4]`.
pub const CPUID_LEAF7_FEATURE_HLE: u64 = 1 << 4;
/// Leaf 7 `EBX[5]`.
pub const CPUID_LEAF7_FEATURE_AVX2: u64 = 1 << 5;
/// Leaf 7 `EBX[8]`.
pub const CPUID_LEAF7_FEATURE_BMI2: u64 = 1 << 8;
/// Leaf 7 `EBX[9]`.
pub const CPUID_LEAF7_FEATURE_ERMS: u64 = 1 << 9;
/// Leaf 7 `EBX[11]`.
pub const CPUID_LEAF7_FEATURE_RTM: u64 = 1 << 11;
/// Leaf 7 `EBX[14]`.
pub const CPUID_LEAF7_FEATURE_MPX: u64 = 1 << 14;
/// Leaf 7 `EBX[16]`.
pub const CPUID_LEAF7_FEATURE_AVX512F: u64 = 1 << 16;
/// Leaf 7 `EBX[17]`.
pub const CPUID_LEAF7_FEATURE_AVX512DQ: u64 = 1 << 17;
/// Leaf 7 `EBX[18]`.
pub const CPUID_LEAF7_FEATURE_RDSEED: u64 = 1 << 18;
/// Leaf 7 `EBX[19]`.
pub const CPUID_LEAF7_FEATURE_ADX: u64 = 1 << 19;
/// Leaf 7 `EBX[21]`.
pub const CPUID_LEAF7_FEATURE_AVX512IFMA: u64 = 1 << 21;
/// Leaf 7 `EBX[28]`.
pub const CPUID_LEAF7_FEATURE_AVX512CD: u64 = 1 << 28;
/// Leaf 7 `EBX[30]`.
pub const CPUID_LEAF7_FEATURE_AVX512BW: u64 = 1 << 30;
/// Leaf 7 `EBX[31]`.
pub const CPUID_LEAF7_FEATURE_AVX512VL: u64 = 1 << 31;
/// Leaf 7 `ECX[1]`.
pub const CPUID_LEAF7_FEATURE_AVX512VBMI: u64 = 1 << (32 + 1);
/// Leaf 7 `ECX[9]`.
pub const CPUID_LEAF7_FEATURE_VAES: u64 = 1 << (32 + 9);
/// Leaf 7 `ECX[10]`.
pub const CPUID_LEAF7_FEATURE_VPCLMULQDQ: u64 = 1 << (32 + 10);
/// Leaf 7 `ECX[11]`.
pub const CPUID_LEAF7_FEATURE_AVX512VNNI: u64 = 1 << (32 + 11);
/// Leaf 7 `ECX[12]`.
pub const CPUID_LEAF7_FEATURE_AVX512BITALG: u64 = 1 << (32 + 12);
/// Leaf 7 `ECX[14]`.
pub const CPUID_LEAF7_FEATURE_AVX512VPCDQ: u64 = 1 << (32 + 14);
/// Leaf 0x80000007 `EDX[8]`: the TSC runs at a constant rate in every state.
pub const CPUID_EXTFEATURE_TSCI: u64 = 1 << 8;

// --- CPU families (osfmk/mach/machine.h) and the models that map to them (cpuid.h) --------

/// A family XNU does not know (every AMD CPU, and Intel models it has no name for).
pub const CPUFAMILY_UNKNOWN: u32 = 0;
/// Penryn.
pub const CPUFAMILY_INTEL_PENRYN: u32 = 0x78ea_4fbc;
/// Nehalem.
pub const CPUFAMILY_INTEL_NEHALEM: u32 = 0x6b5a_4cd2;
/// Westmere.
pub const CPUFAMILY_INTEL_WESTMERE: u32 = 0x573b_5eec;
/// Sandy Bridge.
pub const CPUFAMILY_INTEL_SANDYBRIDGE: u32 = 0x5490_b78c;
/// Ivy Bridge.
pub const CPUFAMILY_INTEL_IVYBRIDGE: u32 = 0x1f65_e835;
/// Haswell.
pub const CPUFAMILY_INTEL_HASWELL: u32 = 0x10b2_82dc;
/// Broadwell.
pub const CPUFAMILY_INTEL_BROADWELL: u32 = 0x582e_d09c;
/// Skylake.
pub const CPUFAMILY_INTEL_SKYLAKE: u32 = 0x37fc_219f;
/// Kaby Lake.
pub const CPUFAMILY_INTEL_KABYLAKE: u32 = 0x0f81_7246;
/// Ice Lake.
pub const CPUFAMILY_INTEL_ICELAKE: u32 = 0x3843_5547;
/// Comet Lake.
pub const CPUFAMILY_INTEL_COMETLAKE: u32 = 0x1cf8_a03e;

/// Every family XNU names, with its constant's name.
pub const CPUFAMILIES: &[(u32, &str)] = &[
    (CPUFAMILY_UNKNOWN, "CPUFAMILY_UNKNOWN"),
    (CPUFAMILY_INTEL_PENRYN, "CPUFAMILY_INTEL_PENRYN"),
    (CPUFAMILY_INTEL_NEHALEM, "CPUFAMILY_INTEL_NEHALEM"),
    (CPUFAMILY_INTEL_WESTMERE, "CPUFAMILY_INTEL_WESTMERE"),
    (CPUFAMILY_INTEL_SANDYBRIDGE, "CPUFAMILY_INTEL_SANDYBRIDGE"),
    (CPUFAMILY_INTEL_IVYBRIDGE, "CPUFAMILY_INTEL_IVYBRIDGE"),
    (CPUFAMILY_INTEL_HASWELL, "CPUFAMILY_INTEL_HASWELL"),
    (CPUFAMILY_INTEL_BROADWELL, "CPUFAMILY_INTEL_BROADWELL"),
    (CPUFAMILY_INTEL_SKYLAKE, "CPUFAMILY_INTEL_SKYLAKE"),
    (CPUFAMILY_INTEL_KABYLAKE, "CPUFAMILY_INTEL_KABYLAKE"),
    (CPUFAMILY_INTEL_ICELAKE, "CPUFAMILY_INTEL_ICELAKE"),
    (CPUFAMILY_INTEL_COMETLAKE, "CPUFAMILY_INTEL_COMETLAKE"),
];

/// Family 6 model numbers (`CPUID_MODEL_*`) and the family each maps to, in XNU's
/// `cpuid_set_cpufamily` order.
pub const CPUID_MODELS: &[(u32, &str, u32)] = &[
    (0x17, "CPUID_MODEL_PENRYN", CPUFAMILY_INTEL_PENRYN),
    (0x1a, "CPUID_MODEL_NEHALEM", CPUFAMILY_INTEL_NEHALEM),
    (0x1e, "CPUID_MODEL_FIELDS", CPUFAMILY_INTEL_NEHALEM),
    (0x1f, "CPUID_MODEL_DALES", CPUFAMILY_INTEL_NEHALEM),
    (0x2e, "CPUID_MODEL_NEHALEM_EX", CPUFAMILY_INTEL_NEHALEM),
    (0x25, "CPUID_MODEL_DALES_32NM", CPUFAMILY_INTEL_WESTMERE),
    (0x2c, "CPUID_MODEL_WESTMERE", CPUFAMILY_INTEL_WESTMERE),
    (0x2f, "CPUID_MODEL_WESTMERE_EX", CPUFAMILY_INTEL_WESTMERE),
    (0x2a, "CPUID_MODEL_SANDYBRIDGE", CPUFAMILY_INTEL_SANDYBRIDGE),
    (0x2d, "CPUID_MODEL_JAKETOWN", CPUFAMILY_INTEL_SANDYBRIDGE),
    (0x3a, "CPUID_MODEL_IVYBRIDGE", CPUFAMILY_INTEL_IVYBRIDGE),
    (0x3e, "CPUID_MODEL_IVYBRIDGE_EP", CPUFAMILY_INTEL_IVYBRIDGE),
    (0x3c, "CPUID_MODEL_HASWELL", CPUFAMILY_INTEL_HASWELL),
    (0x3f, "CPUID_MODEL_HASWELL_EP", CPUFAMILY_INTEL_HASWELL),
    (0x45, "CPUID_MODEL_HASWELL_ULT", CPUFAMILY_INTEL_HASWELL),
    (0x46, "CPUID_MODEL_CRYSTALWELL", CPUFAMILY_INTEL_HASWELL),
    (0x3d, "CPUID_MODEL_BROADWELL", CPUFAMILY_INTEL_BROADWELL),
    (0x47, "CPUID_MODEL_BRYSTALWELL", CPUFAMILY_INTEL_BROADWELL),
    (0x4e, "CPUID_MODEL_SKYLAKE", CPUFAMILY_INTEL_SKYLAKE),
    (0x5e, "CPUID_MODEL_SKYLAKE_DT", CPUFAMILY_INTEL_SKYLAKE),
    (0x55, "CPUID_MODEL_SKYLAKE_W", CPUFAMILY_INTEL_SKYLAKE),
    (0x8e, "CPUID_MODEL_KABYLAKE", CPUFAMILY_INTEL_KABYLAKE),
    (0x9e, "CPUID_MODEL_KABYLAKE_DT", CPUFAMILY_INTEL_KABYLAKE),
    (0x7e, "CPUID_MODEL_ICELAKE", CPUFAMILY_INTEL_ICELAKE),
    (0x9f, "CPUID_MODEL_ICELAKE_H", CPUFAMILY_INTEL_ICELAKE),
    (0x7d, "CPUID_MODEL_ICELAKE_DT", CPUFAMILY_INTEL_ICELAKE),
    (0xa5, "CPUID_MODEL_COMETLAKE_DT", CPUFAMILY_INTEL_COMETLAKE),
];

// --- Time -----------------------------------------------------------------------------------

/// A TSC at or below this rate (Hz) needs a nonzero nanotime shift, and sets [`kSlow`].
pub const SLOW_TSC_THRESHOLD: u64 = 1_000_067_800;
/// Nanoseconds per second.
pub const NSEC_PER_SEC: u64 = 1_000_000_000;
