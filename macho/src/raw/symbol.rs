//! Symbol table entries and their bit fields (`mach-o/nlist.h`, `mach-o/stab.h`,
//! `mach-o/loader.h`).

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::endian::{U16, U32, U64};

/// `struct nlist`: a 32-bit symbol table entry.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Nlist32 {
    /// Offset of the name in the string table (0: no name).
    pub n_strx: U32,
    /// Type bits (`N_STAB`, `N_PEXT`, `N_TYPE`, `N_EXT`).
    pub n_type: u8,
    /// Section number (1-based), or `NO_SECT`.
    pub n_sect: u8,
    /// Description bits (`N_WEAK_DEF`, library ordinal, …).
    pub n_desc: U16,
    /// Value: usually an address.
    pub n_value: U32,
}

/// `struct nlist_64`: a 64-bit symbol table entry.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Nlist64 {
    /// Offset of the name in the string table (0: no name).
    pub n_strx: U32,
    /// Type bits (`N_STAB`, `N_PEXT`, `N_TYPE`, `N_EXT`).
    pub n_type: u8,
    /// Section number (1-based), or `NO_SECT`.
    pub n_sect: u8,
    /// Description bits (`N_WEAK_DEF`, library ordinal, …).
    pub n_desc: U16,
    /// Value: usually an address.
    pub n_value: U64,
}

const_assert_eq!(size_of::<Nlist32>(), 12);
const_assert_eq!(size_of::<Nlist64>(), 16);

/// `N_STAB`: if any of these bits is set, the entry is a debugging (stab) entry.
pub const N_STAB: u8 = 0xe0;
/// `N_PEXT`: private external symbol.
pub const N_PEXT: u8 = 0x10;
/// `N_TYPE`: mask for the type bits.
pub const N_TYPE: u8 = 0x0e;
/// `N_EXT`: external symbol.
pub const N_EXT: u8 = 0x01;
/// `N_UNDF`: undefined (`n_sect == NO_SECT`).
pub const N_UNDF: u8 = 0x0;
/// `N_ABS`: absolute.
pub const N_ABS: u8 = 0x2;
/// `N_SECT`: defined in section `n_sect`.
pub const N_SECT: u8 = 0xe;
/// `N_PBUD`: prebound undefined (defined in a dylib).
pub const N_PBUD: u8 = 0xc;
/// `N_INDR`: indirect: `n_value` is the string-table offset of another symbol's name.
pub const N_INDR: u8 = 0xa;

/// `NO_SECT`: the symbol is in no section.
pub const NO_SECT: u8 = 0;
/// `MAX_SECT`: highest section number.
pub const MAX_SECT: u8 = 255;

/// `REFERENCE_TYPE`: mask for the reference type in `n_desc` of undefined symbols.
pub const REFERENCE_TYPE: u16 = 0x7;
/// `REFERENCE_FLAG_UNDEFINED_NON_LAZY`.
pub const REFERENCE_FLAG_UNDEFINED_NON_LAZY: u16 = 0;
/// `REFERENCE_FLAG_UNDEFINED_LAZY`.
pub const REFERENCE_FLAG_UNDEFINED_LAZY: u16 = 1;
/// `REFERENCE_FLAG_DEFINED`.
pub const REFERENCE_FLAG_DEFINED: u16 = 2;
/// `REFERENCE_FLAG_PRIVATE_DEFINED`.
pub const REFERENCE_FLAG_PRIVATE_DEFINED: u16 = 3;
/// `REFERENCE_FLAG_PRIVATE_UNDEFINED_NON_LAZY`.
pub const REFERENCE_FLAG_PRIVATE_UNDEFINED_NON_LAZY: u16 = 4;
/// `REFERENCE_FLAG_PRIVATE_UNDEFINED_LAZY`.
pub const REFERENCE_FLAG_PRIVATE_UNDEFINED_LAZY: u16 = 5;
/// `REFERENCED_DYNAMICALLY`: must not be stripped.
pub const REFERENCED_DYNAMICALLY: u16 = 0x0010;
/// `N_NO_DEAD_STRIP`: in an object file, do not dead-strip.
pub const N_NO_DEAD_STRIP: u16 = 0x0020;
/// `N_DESC_DISCARDED`: in a linked image, the symbol was discarded.
pub const N_DESC_DISCARDED: u16 = 0x0020;
/// `N_WEAK_REF`: weak reference: may be missing at run time.
pub const N_WEAK_REF: u16 = 0x0040;
/// `N_WEAK_DEF`: weak definition: may be overridden.
pub const N_WEAK_DEF: u16 = 0x0080;
/// `N_REF_TO_WEAK`: reference to a weak symbol (undefined symbols).
pub const N_REF_TO_WEAK: u16 = 0x0080;
/// `N_ARM_THUMB_DEF`: the symbol is a Thumb function.
pub const N_ARM_THUMB_DEF: u16 = 0x0008;
/// `N_SYMBOL_RESOLVER`: the symbol is a resolver function.
pub const N_SYMBOL_RESOLVER: u16 = 0x0100;
/// `N_ALT_ENTRY`: an alternate entry point into the preceding symbol's code.
pub const N_ALT_ENTRY: u16 = 0x0200;
/// `N_COLD_FUNC`: rarely used code.
pub const N_COLD_FUNC: u16 = 0x0400;

/// `SELF_LIBRARY_ORDINAL`: the symbol is in this image.
pub const SELF_LIBRARY_ORDINAL: u8 = 0x0;
/// `MAX_LIBRARY_ORDINAL`: the highest ordinal that names a dependency.
pub const MAX_LIBRARY_ORDINAL: u8 = 0xfd;
/// `DYNAMIC_LOOKUP_ORDINAL`: look the symbol up in every loaded image.
pub const DYNAMIC_LOOKUP_ORDINAL: u8 = 0xfe;
/// `EXECUTABLE_ORDINAL`: the symbol is in the main executable.
pub const EXECUTABLE_ORDINAL: u8 = 0xff;

/// `INDIRECT_SYMBOL_LOCAL`: an indirect entry for a local symbol.
pub const INDIRECT_SYMBOL_LOCAL: u32 = 0x8000_0000;
/// `INDIRECT_SYMBOL_ABS`: an indirect entry for an absolute symbol.
pub const INDIRECT_SYMBOL_ABS: u32 = 0x4000_0000;

/// `N_GSYM`: global symbol (stab).
pub const N_GSYM: u8 = 0x20;
/// `N_FNAME`: procedure name (f77 kludge).
pub const N_FNAME: u8 = 0x22;
/// `N_FUN`: procedure.
pub const N_FUN: u8 = 0x24;
/// `N_STSYM`: static symbol.
pub const N_STSYM: u8 = 0x26;
/// `N_LCSYM`: `.lcomm` symbol.
pub const N_LCSYM: u8 = 0x28;
/// `N_BNSYM`: begin an nsect symbol.
pub const N_BNSYM: u8 = 0x2e;
/// `N_AST`: AST file path.
pub const N_AST: u8 = 0x32;
/// `N_OPT`: emitted with `gcc2_compiled`.
pub const N_OPT: u8 = 0x3c;
/// `N_RSYM`: register variable.
pub const N_RSYM: u8 = 0x40;
/// `N_SLINE`: source line.
pub const N_SLINE: u8 = 0x44;
/// `N_ENSYM`: end an nsect symbol.
pub const N_ENSYM: u8 = 0x4e;
/// `N_SSYM`: structure element.
pub const N_SSYM: u8 = 0x60;
/// `N_SO`: main source file name.
pub const N_SO: u8 = 0x64;
/// `N_OSO`: object file name.
pub const N_OSO: u8 = 0x66;
/// `N_LSYM`: local symbol.
pub const N_LSYM: u8 = 0x80;
/// `N_BINCL`: include file beginning.
pub const N_BINCL: u8 = 0x82;
/// `N_SOL`: included file name.
pub const N_SOL: u8 = 0x84;
/// `N_PARAMS`: compiler parameters.
pub const N_PARAMS: u8 = 0x86;
/// `N_VERSION`: compiler version.
pub const N_VERSION: u8 = 0x88;
/// `N_OLEVEL`: compiler optimisation level.
pub const N_OLEVEL: u8 = 0x8a;
/// `N_PSYM`: parameter.
pub const N_PSYM: u8 = 0xa0;
/// `N_EINCL`: include file end.
pub const N_EINCL: u8 = 0xa2;
/// `N_ENTRY`: alternate entry.
pub const N_ENTRY: u8 = 0xa4;
/// `N_LBRAC`: left bracket.
pub const N_LBRAC: u8 = 0xc0;
/// `N_EXCL`: deleted include file.
pub const N_EXCL: u8 = 0xc2;
/// `N_RBRAC`: right bracket.
pub const N_RBRAC: u8 = 0xe0;
/// `N_BCOMM`: begin common.
pub const N_BCOMM: u8 = 0xe2;
/// `N_ECOMM`: end common.
pub const N_ECOMM: u8 = 0xe4;
/// `N_ECOML`: end common (local name).
pub const N_ECOML: u8 = 0xe8;
/// `N_LENG`: second stab entry with length information.
pub const N_LENG: u8 = 0xfe;
