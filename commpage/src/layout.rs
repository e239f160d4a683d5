//! The data page as a struct: every field of XNU's `cpu_capabilities.h` at its offset, in
//! little-endian byte order (the x86 commpage's), asserted against the offsets in
//! [`crate::consts`] at compile time.
//!
//! The same layout serves both architectures: only the base address and the signature
//! differ ([`Arch`](crate::Arch)). Every field is byte-aligned, so the struct can be read
//! from any byte slice ([`CommpageData::ref_from_bytes`](zerocopy::FromBytes)).

use static_assertions::const_assert_eq;
use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::consts::*;

/// `commpage_time_data`: the nanotime parameters and the legacy gettimeofday fields, at
/// `_COMM_PAGE_TIME_DATA_START`.
#[repr(C)]
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
pub struct CommpageTimeData {
    /// `nt_tsc_base`: the TSC at the last update.
    pub nt_tsc_base: U64,
    /// `nt_scale`: nanoseconds per tick, as a 32.32 fixed-point fraction.
    pub nt_scale: U32,
    /// `nt_shift`: ticks are shifted left by this before scaling (slow TSCs only).
    pub nt_shift: U32,
    /// `nt_ns_base`: absolute time (ns) at the last update.
    pub nt_ns_base: U64,
    /// `nt_generation`: 0 while the fields are being changed; readers retry until it is
    /// nonzero and the same before and after their reads.
    pub nt_generation: U32,
    /// `gtod_generation` (legacy).
    pub gtod_generation: U32,
    /// `gtod_ns_base` (legacy).
    pub gtod_ns_base: U64,
    /// `gtod_sec_base` (legacy).
    pub gtod_sec_base: U64,
}

const_assert_eq!(size_of::<CommpageTimeData>(), 48);
const_assert_eq!(
    std::mem::offset_of!(CommpageTimeData, nt_tsc_base),
    _NT_TSC_BASE
);
const_assert_eq!(std::mem::offset_of!(CommpageTimeData, nt_scale), _NT_SCALE);
const_assert_eq!(std::mem::offset_of!(CommpageTimeData, nt_shift), _NT_SHIFT);
const_assert_eq!(
    std::mem::offset_of!(CommpageTimeData, nt_ns_base),
    _NT_NS_BASE
);
const_assert_eq!(
    std::mem::offset_of!(CommpageTimeData, nt_generation),
    _NT_GENERATION
);
const_assert_eq!(
    std::mem::offset_of!(CommpageTimeData, gtod_generation),
    _GTOD_GENERATION
);
const_assert_eq!(
    std::mem::offset_of!(CommpageTimeData, gtod_ns_base),
    _GTOD_NS_BASE
);
const_assert_eq!(
    std::mem::offset_of!(CommpageTimeData, gtod_sec_base),
    _GTOD_SEC_BASE
);

/// `new_commpage_timeofday_data_t`: what `gettimeofday` reads, at
/// `_COMM_PAGE_NEWTIMEOFDAY_DATA`.
#[repr(C)]
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
pub struct NewCommpageTimeofdayData {
    /// `TimeStamp_tick`: absolute time of the snapshot; 0 means "no snapshot, make the
    /// system call". Written last, after the other fields.
    pub timestamp_tick: U64,
    /// `TimeStamp_sec`: UTC seconds at the snapshot.
    pub timestamp_sec: U64,
    /// `TimeStamp_frac`: the fraction of that second, in units of 2^-64 s.
    pub timestamp_frac: U64,
    /// `Ticks_scale`: 2^-64 s units per absolute-time tick.
    pub ticks_scale: U64,
    /// `Ticks_per_sec`: absolute-time ticks per second.
    pub ticks_per_sec: U64,
}

const_assert_eq!(size_of::<NewCommpageTimeofdayData>(), 40);

/// The commpage's data page.
#[repr(C)]
#[derive(Clone, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
pub struct CommpageData {
    /// `_COMM_PAGE_SIGNATURE`: `"commpage 64-bit"` or `"commpage 32-bit"`, NUL-padded.
    pub signature: [u8; _COMM_PAGE_SIGNATURELEN],
    /// `_COMM_PAGE_CPU_CAPABILITIES64`: `_cpu_capabilities`.
    pub cpu_capabilities64: U64,
    /// `_COMM_PAGE_UNUSED`.
    pub unused: [u8; 6],
    /// `_COMM_PAGE_VERSION`.
    pub version: U16,
    /// `_COMM_PAGE_CPU_CAPABILITIES`: the low 32 bits of `_cpu_capabilities`. Its byte 2 is
    /// `_COMM_PAGE_NCPUS` (the `kNumCPUs` field); see [`CommpageData::ncpus`].
    pub cpu_capabilities: U32,
    /// `_COMM_PAGE_UNUSED0`.
    pub unused0: [u8; 2],
    /// `_COMM_PAGE_CACHE_LINESIZE`.
    pub cache_linesize: U16,
    /// `_COMM_PAGE_UNUSED4` (was the scheduler generation).
    pub unused4: U32,
    /// `_COMM_PAGE_MEMORY_PRESSURE`.
    pub memory_pressure: U32,
    /// `_COMM_PAGE_UNUSED3` (was the spin count).
    pub unused3: U32,
    /// `_COMM_PAGE_ACTIVE_CPUS`: `hw.activecpu`.
    pub active_cpus: u8,
    /// `_COMM_PAGE_PHYSICAL_CPUS`: `hw.physicalcpu_max`.
    pub physical_cpus: u8,
    /// `_COMM_PAGE_LOGICAL_CPUS`: `hw.logicalcpu_max`.
    pub logical_cpus: u8,
    /// `_COMM_PAGE_CPU_CLUSTERS`.
    pub cpu_clusters: u8,
    /// `_COMM_PAGE_MEMORY_SIZE`.
    pub memory_size: U64,
    /// `_COMM_PAGE_CPUFAMILY`: `hw.cpufamily`.
    pub cpufamily: U32,
    /// `_COMM_PAGE_KDEBUG_ENABLE`.
    pub kdebug_enable: U32,
    /// `_COMM_PAGE_ATM_DIAGNOSTIC_CONFIG`.
    pub atm_diagnostic_config: U32,
    /// `_COMM_PAGE_DTRACE_DOF_ENABLED`.
    pub dtrace_dof_enabled: u8,
    /// `_COMM_PAGE_KERNEL_PAGE_SHIFT`.
    pub kernel_page_shift: u8,
    /// `_COMM_PAGE_USER_PAGE_SHIFT_64`.
    pub user_page_shift_64: u8,
    /// `_COMM_PAGE_UNUSED2`.
    pub unused2: u8,
    /// `_COMM_PAGE_TIME_DATA_START`: nanotime and legacy gettimeofday.
    pub time_data: CommpageTimeData,
    /// `_COMM_PAGE_APPROX_TIME`: `mach_approximate_time`.
    pub approx_time: U64,
    /// `_COMM_PAGE_APPROX_TIME_SUPPORTED`.
    pub approx_time_supported: u8,
    /// Up to `_COMM_PAGE_CONT_TIMEBASE` (the next cache line).
    pub pad0: [u8; 0x37],
    /// `_COMM_PAGE_CONT_TIMEBASE`: added to absolute time for `mach_continuous_time`.
    pub cont_timebase: U64,
    /// `_COMM_PAGE_BOOTTIME_USEC`.
    pub boottime_usec: U64,
    /// `_COMM_PAGE_NEWTIMEOFDAY_DATA`.
    pub newtimeofday_data: NewCommpageTimeofdayData,
    /// Up to `_COMM_PAGE_DYLD_FLAGS` (the next cache line).
    pub pad1: [u8; 8],
    /// `_COMM_PAGE_DYLD_FLAGS`: `kern.dyld_system_flags`.
    pub dyld_flags: U64,
    /// `_COMM_PAGE_CPU_TO_CLUSTER`: logical CPU number to cluster number.
    pub cpu_to_cluster: [u8; 256],
    /// Up to `_COMM_PAGE_ASB_TARGET_VALUE`.
    pub pad2: [u8; 0x118],
    /// `_COMM_PAGE_ASB_TARGET_VALUE`.
    pub asb_target_value: U64,
    /// `_COMM_PAGE_ASB_TARGET_ADDRESS`.
    pub asb_target_address: U64,
    /// `_COMM_PAGE_ASB_TARGET_KERN_VALUE`.
    pub asb_target_kern_value: U64,
    /// `_COMM_PAGE_ASB_TARGET_KERN_ADDRESS`.
    pub asb_target_kern_address: U64,
    /// The rest of the page, up to and including `_COMM_PAGE_END`.
    pub rest: [u8; 0xcc0],
}

macro_rules! at {
    ($field:ident, $offset:expr) => {
        const_assert_eq!(std::mem::offset_of!(CommpageData, $field), $offset);
    };
}

const_assert_eq!(size_of::<CommpageData>(), _COMM_PAGE_AREA_USED);
const_assert_eq!(size_of::<CommpageData>(), _COMM_PAGE_END + 1);
at!(signature, _COMM_PAGE_SIGNATURE);
at!(cpu_capabilities64, _COMM_PAGE_CPU_CAPABILITIES64);
at!(unused, _COMM_PAGE_UNUSED);
at!(version, _COMM_PAGE_VERSION);
at!(cpu_capabilities, _COMM_PAGE_CPU_CAPABILITIES);
at!(unused0, _COMM_PAGE_UNUSED0);
at!(cache_linesize, _COMM_PAGE_CACHE_LINESIZE);
at!(unused4, _COMM_PAGE_UNUSED4);
at!(memory_pressure, _COMM_PAGE_MEMORY_PRESSURE);
at!(unused3, _COMM_PAGE_UNUSED3);
at!(active_cpus, _COMM_PAGE_ACTIVE_CPUS);
at!(physical_cpus, _COMM_PAGE_PHYSICAL_CPUS);
at!(logical_cpus, _COMM_PAGE_LOGICAL_CPUS);
at!(cpu_clusters, _COMM_PAGE_CPU_CLUSTERS);
at!(memory_size, _COMM_PAGE_MEMORY_SIZE);
at!(cpufamily, _COMM_PAGE_CPUFAMILY);
at!(kdebug_enable, _COMM_PAGE_KDEBUG_ENABLE);
at!(atm_diagnostic_config, _COMM_PAGE_ATM_DIAGNOSTIC_CONFIG);
at!(dtrace_dof_enabled, _COMM_PAGE_DTRACE_DOF_ENABLED);
at!(kernel_page_shift, _COMM_PAGE_KERNEL_PAGE_SHIFT);
at!(user_page_shift_64, _COMM_PAGE_USER_PAGE_SHIFT_64);
at!(unused2, _COMM_PAGE_UNUSED2);
at!(time_data, _COMM_PAGE_TIME_DATA_START);
at!(approx_time, _COMM_PAGE_APPROX_TIME);
at!(approx_time_supported, _COMM_PAGE_APPROX_TIME_SUPPORTED);
at!(cont_timebase, _COMM_PAGE_CONT_TIMEBASE);
at!(boottime_usec, _COMM_PAGE_BOOTTIME_USEC);
at!(newtimeofday_data, _COMM_PAGE_NEWTIMEOFDAY_DATA);
at!(dyld_flags, _COMM_PAGE_DYLD_FLAGS);
at!(cpu_to_cluster, _COMM_PAGE_CPU_TO_CLUSTER);
at!(asb_target_value, _COMM_PAGE_ASB_TARGET_VALUE);
at!(asb_target_address, _COMM_PAGE_ASB_TARGET_ADDRESS);
at!(asb_target_kern_value, _COMM_PAGE_ASB_TARGET_KERN_VALUE);
at!(asb_target_kern_address, _COMM_PAGE_ASB_TARGET_KERN_ADDRESS);
const_assert_eq!(
    _COMM_PAGE_TIME_DATA_START + _NT_TSC_BASE,
    _COMM_PAGE_NT_TSC_BASE
);
const_assert_eq!(_COMM_PAGE_TIME_DATA_START + _NT_SCALE, _COMM_PAGE_NT_SCALE);
const_assert_eq!(_COMM_PAGE_TIME_DATA_START + _NT_SHIFT, _COMM_PAGE_NT_SHIFT);
const_assert_eq!(
    _COMM_PAGE_TIME_DATA_START + _NT_NS_BASE,
    _COMM_PAGE_NT_NS_BASE
);
const_assert_eq!(
    _COMM_PAGE_TIME_DATA_START + _NT_GENERATION,
    _COMM_PAGE_NT_GENERATION
);
const_assert_eq!(
    _COMM_PAGE_TIME_DATA_START + _GTOD_GENERATION,
    _COMM_PAGE_GTOD_GENERATION
);
const_assert_eq!(
    _COMM_PAGE_TIME_DATA_START + _GTOD_NS_BASE,
    _COMM_PAGE_GTOD_NS_BASE
);
const_assert_eq!(
    _COMM_PAGE_TIME_DATA_START + _GTOD_SEC_BASE,
    _COMM_PAGE_GTOD_SEC_BASE
);
// `_COMM_PAGE_NCPUS` is byte 2 of the little-endian capability word, i.e. `kNumCPUs`.
const_assert_eq!(
    _COMM_PAGE_NCPUS,
    _COMM_PAGE_CPU_CAPABILITIES + (kNumCPUsShift as usize) / 8
);
// The fields the time writer stores atomically are naturally aligned on the page.
const_assert_eq!(_COMM_PAGE_NT_TSC_BASE % 8, 0);
const_assert_eq!(_COMM_PAGE_NT_NS_BASE % 8, 0);
const_assert_eq!(_COMM_PAGE_NT_GENERATION % 4, 0);
const_assert_eq!(_COMM_PAGE_NEWTIMEOFDAY_DATA % 8, 0);

impl CommpageData {
    /// A page of zeros.
    pub fn zeroed() -> Box<Self> {
        Box::new(<Self as zerocopy::FromZeros>::new_zeroed())
    }

    /// `_COMM_PAGE_NCPUS`: byte 2 of the 32-bit capability word.
    pub fn ncpus(&self) -> u8 {
        self.cpu_capabilities.as_bytes()[_COMM_PAGE_NCPUS - _COMM_PAGE_CPU_CAPABILITIES]
    }

    /// The signature up to its first NUL.
    pub fn signature_str(&self) -> &[u8] {
        let end = self
            .signature
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.signature.len());
        &self.signature[..end]
    }
}
