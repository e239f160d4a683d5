//! Mach and fat headers, CPU types and file types (`mach-o/loader.h`, `mach-o/fat.h`,
//! `mach/machine.h`).

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::endian::{I32, U32, U64};

/// `MH_MAGIC`: a 32-bit Mach-O file in the reader's byte order.
pub const MH_MAGIC: u32 = 0xfeed_face;
/// `MH_CIGAM`: a 32-bit Mach-O file in the other byte order.
pub const MH_CIGAM: u32 = 0xcefa_edfe;
/// `MH_MAGIC_64`: a 64-bit Mach-O file in the reader's byte order.
pub const MH_MAGIC_64: u32 = 0xfeed_facf;
/// `MH_CIGAM_64`: a 64-bit Mach-O file in the other byte order.
pub const MH_CIGAM_64: u32 = 0xcffa_edfe;
/// `FAT_MAGIC`: a fat (universal) file with 32-bit slice offsets. Always big-endian.
pub const FAT_MAGIC: u32 = 0xcafe_babe;
/// `FAT_CIGAM`: `FAT_MAGIC` read in little-endian order.
pub const FAT_CIGAM: u32 = 0xbeba_feca;
/// `FAT_MAGIC_64`: a fat file with 64-bit slice offsets. Always big-endian.
pub const FAT_MAGIC_64: u32 = 0xcafe_babf;
/// `FAT_CIGAM_64`: `FAT_MAGIC_64` read in little-endian order.
pub const FAT_CIGAM_64: u32 = 0xbfba_feca;

/// `struct mach_header`: the header of a 32-bit Mach-O file.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct MachHeader32 {
    /// `MH_MAGIC` or `MH_CIGAM`.
    pub magic: U32,
    /// CPU type (`CPU_TYPE_*`).
    pub cputype: I32,
    /// CPU subtype (`CPU_SUBTYPE_*`), with capability bits in the top byte.
    pub cpusubtype: I32,
    /// File type (`MH_EXECUTE`, `MH_DYLIB`, …).
    pub filetype: U32,
    /// Number of load commands.
    pub ncmds: U32,
    /// Total size of the load commands in bytes.
    pub sizeofcmds: U32,
    /// `MH_*` flags.
    pub flags: U32,
}

/// `struct mach_header_64`: the header of a 64-bit Mach-O file.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct MachHeader64 {
    /// `MH_MAGIC_64` or `MH_CIGAM_64`.
    pub magic: U32,
    /// CPU type (`CPU_TYPE_*`).
    pub cputype: I32,
    /// CPU subtype (`CPU_SUBTYPE_*`), with capability bits in the top byte.
    pub cpusubtype: I32,
    /// File type (`MH_EXECUTE`, `MH_DYLIB`, …).
    pub filetype: U32,
    /// Number of load commands.
    pub ncmds: U32,
    /// Total size of the load commands in bytes.
    pub sizeofcmds: U32,
    /// `MH_*` flags.
    pub flags: U32,
    /// Reserved; zero.
    pub reserved: U32,
}

/// `struct fat_header`: the start of a fat file (big-endian).
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FatHeader {
    /// `FAT_MAGIC` or `FAT_MAGIC_64`.
    pub magic: U32,
    /// Number of `fat_arch` (or `fat_arch_64`) entries that follow.
    pub nfat_arch: U32,
}

/// `struct fat_arch`: one slice of a `FAT_MAGIC` file (big-endian).
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FatArch32 {
    /// CPU type of the slice.
    pub cputype: I32,
    /// CPU subtype of the slice.
    pub cpusubtype: I32,
    /// File offset of the slice.
    pub offset: U32,
    /// Size of the slice in bytes.
    pub size: U32,
    /// Alignment of the slice's offset, as a power of 2.
    pub align: U32,
}

/// `struct fat_arch_64`: one slice of a `FAT_MAGIC_64` file (big-endian).
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FatArch64 {
    /// CPU type of the slice.
    pub cputype: I32,
    /// CPU subtype of the slice.
    pub cpusubtype: I32,
    /// File offset of the slice.
    pub offset: U64,
    /// Size of the slice in bytes.
    pub size: U64,
    /// Alignment of the slice's offset, as a power of 2.
    pub align: U32,
    /// Reserved.
    pub reserved: U32,
}

const_assert_eq!(size_of::<MachHeader32>(), 28);
const_assert_eq!(size_of::<MachHeader64>(), 32);
const_assert_eq!(size_of::<FatHeader>(), 8);
const_assert_eq!(size_of::<FatArch32>(), 20);
const_assert_eq!(size_of::<FatArch64>(), 32);

/// `CPU_ARCH_MASK`: the capability bits of a CPU type.
pub const CPU_ARCH_MASK: i32 = 0xff00_0000_u32 as i32;
/// `CPU_ARCH_ABI64`: the 64-bit ABI of a CPU family.
pub const CPU_ARCH_ABI64: i32 = 0x0100_0000;
/// `CPU_ARCH_ABI64_32`: the ILP32 ABI on 64-bit hardware (arm64_32).
pub const CPU_ARCH_ABI64_32: i32 = 0x0200_0000;

/// `CPU_TYPE_ANY`.
pub const CPU_TYPE_ANY: i32 = -1;
/// `CPU_TYPE_VAX`.
pub const CPU_TYPE_VAX: i32 = 1;
/// `CPU_TYPE_MC680x0`.
pub const CPU_TYPE_MC680X0: i32 = 6;
/// `CPU_TYPE_X86` (also `CPU_TYPE_I386`).
pub const CPU_TYPE_X86: i32 = 7;
/// `CPU_TYPE_I386`.
pub const CPU_TYPE_I386: i32 = CPU_TYPE_X86;
/// `CPU_TYPE_X86_64`.
pub const CPU_TYPE_X86_64: i32 = CPU_TYPE_X86 | CPU_ARCH_ABI64;
/// `CPU_TYPE_MC98000`.
pub const CPU_TYPE_MC98000: i32 = 10;
/// `CPU_TYPE_HPPA`.
pub const CPU_TYPE_HPPA: i32 = 11;
/// `CPU_TYPE_ARM`.
pub const CPU_TYPE_ARM: i32 = 12;
/// `CPU_TYPE_ARM64`.
pub const CPU_TYPE_ARM64: i32 = CPU_TYPE_ARM | CPU_ARCH_ABI64;
/// `CPU_TYPE_ARM64_32`.
pub const CPU_TYPE_ARM64_32: i32 = CPU_TYPE_ARM | CPU_ARCH_ABI64_32;
/// `CPU_TYPE_MC88000`.
pub const CPU_TYPE_MC88000: i32 = 13;
/// `CPU_TYPE_SPARC`.
pub const CPU_TYPE_SPARC: i32 = 14;
/// `CPU_TYPE_I860`.
pub const CPU_TYPE_I860: i32 = 15;
/// `CPU_TYPE_POWERPC`.
pub const CPU_TYPE_POWERPC: i32 = 18;
/// `CPU_TYPE_POWERPC64`.
pub const CPU_TYPE_POWERPC64: i32 = CPU_TYPE_POWERPC | CPU_ARCH_ABI64;

/// `CPU_SUBTYPE_MASK`: the capability bits of a CPU subtype.
pub const CPU_SUBTYPE_MASK: i32 = 0xff00_0000_u32 as i32;
/// `CPU_SUBTYPE_LIB64`: a 64-bit library (in the capability bits).
pub const CPU_SUBTYPE_LIB64: i32 = 0x8000_0000_u32 as i32;
/// `CPU_SUBTYPE_PTRAUTH_ABI`: arm64e code with a versioned pointer-authentication ABI.
pub const CPU_SUBTYPE_PTRAUTH_ABI: i32 = 0x8000_0000_u32 as i32;
/// `CPU_SUBTYPE_I386_ALL` (also `CPU_SUBTYPE_386`).
pub const CPU_SUBTYPE_I386_ALL: i32 = 3;
/// `CPU_SUBTYPE_X86_64_ALL`.
pub const CPU_SUBTYPE_X86_64_ALL: i32 = 3;
/// `CPU_SUBTYPE_X86_64_H`: Haswell and later.
pub const CPU_SUBTYPE_X86_64_H: i32 = 8;
/// `CPU_SUBTYPE_ARM_ALL`.
pub const CPU_SUBTYPE_ARM_ALL: i32 = 0;
/// `CPU_SUBTYPE_ARM_V4T`.
pub const CPU_SUBTYPE_ARM_V4T: i32 = 5;
/// `CPU_SUBTYPE_ARM_V6`.
pub const CPU_SUBTYPE_ARM_V6: i32 = 6;
/// `CPU_SUBTYPE_ARM_V5TEJ`.
pub const CPU_SUBTYPE_ARM_V5TEJ: i32 = 7;
/// `CPU_SUBTYPE_ARM_XSCALE`.
pub const CPU_SUBTYPE_ARM_XSCALE: i32 = 8;
/// `CPU_SUBTYPE_ARM_V7`.
pub const CPU_SUBTYPE_ARM_V7: i32 = 9;
/// `CPU_SUBTYPE_ARM_V7F`.
pub const CPU_SUBTYPE_ARM_V7F: i32 = 10;
/// `CPU_SUBTYPE_ARM_V7S`.
pub const CPU_SUBTYPE_ARM_V7S: i32 = 11;
/// `CPU_SUBTYPE_ARM_V7K`.
pub const CPU_SUBTYPE_ARM_V7K: i32 = 12;
/// `CPU_SUBTYPE_ARM_V8`.
pub const CPU_SUBTYPE_ARM_V8: i32 = 13;
/// `CPU_SUBTYPE_ARM_V6M`.
pub const CPU_SUBTYPE_ARM_V6M: i32 = 14;
/// `CPU_SUBTYPE_ARM_V7M`.
pub const CPU_SUBTYPE_ARM_V7M: i32 = 15;
/// `CPU_SUBTYPE_ARM_V7EM`.
pub const CPU_SUBTYPE_ARM_V7EM: i32 = 16;
/// `CPU_SUBTYPE_ARM64_ALL`.
pub const CPU_SUBTYPE_ARM64_ALL: i32 = 0;
/// `CPU_SUBTYPE_ARM64_V8`.
pub const CPU_SUBTYPE_ARM64_V8: i32 = 1;
/// `CPU_SUBTYPE_ARM64E`.
pub const CPU_SUBTYPE_ARM64E: i32 = 2;
/// `CPU_SUBTYPE_ARM64_32_V8`.
pub const CPU_SUBTYPE_ARM64_32_V8: i32 = 1;
/// `CPU_SUBTYPE_POWERPC_ALL`.
pub const CPU_SUBTYPE_POWERPC_ALL: i32 = 0;

/// `MH_OBJECT`: relocatable object file.
pub const MH_OBJECT: u32 = 0x1;
/// `MH_EXECUTE`: demand-paged executable.
pub const MH_EXECUTE: u32 = 0x2;
/// `MH_FVMLIB`: fixed-VM shared library.
pub const MH_FVMLIB: u32 = 0x3;
/// `MH_CORE`: core file.
pub const MH_CORE: u32 = 0x4;
/// `MH_PRELOAD`: preloaded executable.
pub const MH_PRELOAD: u32 = 0x5;
/// `MH_DYLIB`: dynamically bound shared library.
pub const MH_DYLIB: u32 = 0x6;
/// `MH_DYLINKER`: the dynamic link editor.
pub const MH_DYLINKER: u32 = 0x7;
/// `MH_BUNDLE`: dynamically bound bundle.
pub const MH_BUNDLE: u32 = 0x8;
/// `MH_DYLIB_STUB`: shared library stub for static linking only.
pub const MH_DYLIB_STUB: u32 = 0x9;
/// `MH_DSYM`: companion file with only debug sections.
pub const MH_DSYM: u32 = 0xa;
/// `MH_KEXT_BUNDLE`: x86_64 kernel extension.
pub const MH_KEXT_BUNDLE: u32 = 0xb;
/// `MH_FILESET`: a file composed of other Mach-O files.
pub const MH_FILESET: u32 = 0xc;
/// `MH_GPU_EXECUTE`: GPU program.
pub const MH_GPU_EXECUTE: u32 = 0xd;
/// `MH_GPU_DYLIB`: GPU support functions.
pub const MH_GPU_DYLIB: u32 = 0xe;

/// `MH_NOUNDEFS`: no undefined references.
pub const MH_NOUNDEFS: u32 = 0x1;
/// `MH_INCRLINK`: output of an incremental link.
pub const MH_INCRLINK: u32 = 0x2;
/// `MH_DYLDLINK`: input to the dynamic linker.
pub const MH_DYLDLINK: u32 = 0x4;
/// `MH_BINDATLOAD`: undefined references are bound at load.
pub const MH_BINDATLOAD: u32 = 0x8;
/// `MH_PREBOUND`: dynamic undefined references are prebound.
pub const MH_PREBOUND: u32 = 0x10;
/// `MH_SPLIT_SEGS`: read-only and read-write segments are split.
pub const MH_SPLIT_SEGS: u32 = 0x20;
/// `MH_LAZY_INIT`: obsolete.
pub const MH_LAZY_INIT: u32 = 0x40;
/// `MH_TWOLEVEL`: two-level namespace bindings.
pub const MH_TWOLEVEL: u32 = 0x80;
/// `MH_FORCE_FLAT`: flat namespace bindings forced.
pub const MH_FORCE_FLAT: u32 = 0x100;
/// `MH_NOMULTIDEFS`: no multiple definitions of symbols in sub-images.
pub const MH_NOMULTIDEFS: u32 = 0x200;
/// `MH_NOFIXPREBINDING`: do not have dyld notify the prebinding agent.
pub const MH_NOFIXPREBINDING: u32 = 0x400;
/// `MH_PREBINDABLE`: not prebound but can have its prebinding redone.
pub const MH_PREBINDABLE: u32 = 0x800;
/// `MH_ALLMODSBOUND`: binds to all two-level namespace modules of its dependencies.
pub const MH_ALLMODSBOUND: u32 = 0x1000;
/// `MH_SUBSECTIONS_VIA_SYMBOLS`: sections can be divided at symbols for dead stripping.
pub const MH_SUBSECTIONS_VIA_SYMBOLS: u32 = 0x2000;
/// `MH_CANONICAL`: canonicalised by unprebinding.
pub const MH_CANONICAL: u32 = 0x4000;
/// `MH_WEAK_DEFINES`: the image exports weak symbols.
pub const MH_WEAK_DEFINES: u32 = 0x8000;
/// `MH_BINDS_TO_WEAK`: the image uses weak symbols.
pub const MH_BINDS_TO_WEAK: u32 = 0x10000;
/// `MH_ALLOW_STACK_EXECUTION`: stacks get execute permission.
pub const MH_ALLOW_STACK_EXECUTION: u32 = 0x20000;
/// `MH_ROOT_SAFE`: safe for use by processes with uid 0.
pub const MH_ROOT_SAFE: u32 = 0x40000;
/// `MH_SETUID_SAFE`: safe for use by setuid processes.
pub const MH_SETUID_SAFE: u32 = 0x80000;
/// `MH_NO_REEXPORTED_DYLIBS`: no need to look at dependencies for re-exports.
pub const MH_NO_REEXPORTED_DYLIBS: u32 = 0x10_0000;
/// `MH_PIE`: load the main executable at a random address.
pub const MH_PIE: u32 = 0x20_0000;
/// `MH_DEAD_STRIPPABLE_DYLIB`: omit the load command if nothing is used from it.
pub const MH_DEAD_STRIPPABLE_DYLIB: u32 = 0x40_0000;
/// `MH_HAS_TLV_DESCRIPTORS`: contains an `S_THREAD_LOCAL_VARIABLES` section.
pub const MH_HAS_TLV_DESCRIPTORS: u32 = 0x80_0000;
/// `MH_NO_HEAP_EXECUTION`: heap pages get no execute permission.
pub const MH_NO_HEAP_EXECUTION: u32 = 0x100_0000;
/// `MH_APP_EXTENSION_SAFE`: usable in application extensions.
pub const MH_APP_EXTENSION_SAFE: u32 = 0x0200_0000;
/// `MH_NLIST_OUTOFSYNC_WITH_DYLDINFO`: the symbol table does not list everything dyld info does.
pub const MH_NLIST_OUTOFSYNC_WITH_DYLDINFO: u32 = 0x0400_0000;
/// `MH_SIM_SUPPORT`: for a simulator platform too.
pub const MH_SIM_SUPPORT: u32 = 0x0800_0000;
/// `MH_IMPLICIT_PAGEZERO`: the page-zero segment is implicit.
pub const MH_IMPLICIT_PAGEZERO: u32 = 0x1000_0000;
/// `MH_DYLIB_IN_CACHE`: the dylib is part of the dyld shared cache.
pub const MH_DYLIB_IN_CACHE: u32 = 0x8000_0000;
