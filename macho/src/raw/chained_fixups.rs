//! Chained fixups (`mach-o/fixup-chains.h`): the header of the `LC_DYLD_CHAINED_FIXUPS`
//! data, the chain starts of the image and of each segment, the three imports-table formats
//! and the pointer-format constants.
//!
//! The import entries are C bitfields packed into one integer; their accessors take the bits
//! apart as the header lays them out (low bits first), and interpret nothing else.

use core::mem::offset_of;

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::endian::{Endianness, I32, U16, U32, U64};

/// `struct dyld_chained_fixups_header`: the start of the `LC_DYLD_CHAINED_FIXUPS` data.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldChainedFixupsHeader {
    /// 0.
    pub fixups_version: U32,
    /// Offset of the [`DyldChainedStartsInImage`] from the start of this header.
    pub starts_offset: U32,
    /// Offset of the imports table from the start of this header.
    pub imports_offset: U32,
    /// Offset of the symbol names from the start of this header.
    pub symbols_offset: U32,
    /// Number of imports.
    pub imports_count: U32,
    /// `DYLD_CHAINED_IMPORT`, `DYLD_CHAINED_IMPORT_ADDEND` or `DYLD_CHAINED_IMPORT_ADDEND64`.
    pub imports_format: U32,
    /// 0 (uncompressed names) or 1 (zlib).
    pub symbols_format: U32,
}
const_assert_eq!(size_of::<DyldChainedFixupsHeader>(), 28);
const_assert_eq!(offset_of!(DyldChainedFixupsHeader, starts_offset), 4);
const_assert_eq!(offset_of!(DyldChainedFixupsHeader, imports_offset), 8);
const_assert_eq!(offset_of!(DyldChainedFixupsHeader, symbols_offset), 12);
const_assert_eq!(offset_of!(DyldChainedFixupsHeader, imports_count), 16);
const_assert_eq!(offset_of!(DyldChainedFixupsHeader, imports_format), 20);
const_assert_eq!(offset_of!(DyldChainedFixupsHeader, symbols_format), 24);

/// `struct dyld_chained_starts_in_image`, its fixed part: followed by `seg_count`
/// `seg_info_offset` words ([`U32`]), each the offset of a segment's
/// [`DyldChainedStartsInSegment`] from the start of this structure, or 0 for none.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldChainedStartsInImage {
    /// Number of segments (of `seg_info_offset` entries).
    pub seg_count: U32,
}
const_assert_eq!(size_of::<DyldChainedStartsInImage>(), 4);

/// `struct dyld_chained_starts_in_segment`, its fixed part: followed by `page_count`
/// `page_start` half-words ([`U16`]) and, for pages with several chains, their overflow
/// area, up to `size` bytes from the start of the structure.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldChainedStartsInSegment {
    /// Size of the structure, `page_start` and its overflow area included.
    pub size: U32,
    /// Page size (0x1000 or 0x4000).
    pub page_size: U16,
    /// `DYLD_CHAINED_PTR_*`.
    pub pointer_format: U16,
    /// The segment's offset from the image's start (the `mach_header`'s address).
    pub segment_offset: U64,
    /// For 32-bit formats: values above this are not pointers.
    pub max_valid_pointer: U32,
    /// Number of pages (of `page_start` entries).
    pub page_count: U16,
}
const_assert_eq!(size_of::<DyldChainedStartsInSegment>(), 22);
const_assert_eq!(offset_of!(DyldChainedStartsInSegment, page_size), 4);
const_assert_eq!(offset_of!(DyldChainedStartsInSegment, pointer_format), 6);
const_assert_eq!(offset_of!(DyldChainedStartsInSegment, segment_offset), 8);
const_assert_eq!(
    offset_of!(DyldChainedStartsInSegment, max_valid_pointer),
    16
);
const_assert_eq!(offset_of!(DyldChainedStartsInSegment, page_count), 20);

/// `struct dyld_chained_import`: an import of a `DYLD_CHAINED_IMPORT` table, the bitfields
/// `lib_ordinal:8, weak_import:1, name_offset:23`.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldChainedImport {
    /// The packed bitfields.
    pub import: U32,
}
const_assert_eq!(size_of::<DyldChainedImport>(), 4);

/// `struct dyld_chained_import_addend`: an import of a `DYLD_CHAINED_IMPORT_ADDEND` table:
/// the bitfields of [`DyldChainedImport`] and a 32-bit addend.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldChainedImportAddend {
    /// The packed bitfields `lib_ordinal:8, weak_import:1, name_offset:23`.
    pub import: U32,
    /// Added to the symbol's address.
    pub addend: I32,
}
const_assert_eq!(size_of::<DyldChainedImportAddend>(), 8);
const_assert_eq!(offset_of!(DyldChainedImportAddend, addend), 4);

/// `struct dyld_chained_import_addend64`: an import of a `DYLD_CHAINED_IMPORT_ADDEND64`
/// table, the bitfields `lib_ordinal:16, weak_import:1, reserved:15, name_offset:32` and a
/// 64-bit addend.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldChainedImportAddend64 {
    /// The packed bitfields.
    pub import: U64,
    /// Added to the symbol's address (a `uint64_t` holding a signed value).
    pub addend: U64,
}
const_assert_eq!(size_of::<DyldChainedImportAddend64>(), 16);
const_assert_eq!(offset_of!(DyldChainedImportAddend64, addend), 8);

/// The bitfields of the 32-bit `import` word that `dyld_chained_import` and
/// `dyld_chained_import_addend` share.
macro_rules! import32_fields {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// `lib_ordinal`: 8 bits, the special ordinals from 0xfd up.
            pub fn lib_ordinal(&self, e: Endianness) -> u32 {
                self.import.get(e) & 0xff
            }
            /// `weak_import`.
            pub fn weak_import(&self, e: Endianness) -> bool {
                self.import.get(e) >> 8 & 1 != 0
            }
            /// `name_offset`: 23 bits, from the start of the symbol names.
            pub fn name_offset(&self, e: Endianness) -> u32 {
                self.import.get(e) >> 9
            }
        }
    )*};
}

import32_fields!(DyldChainedImport, DyldChainedImportAddend);

impl DyldChainedImportAddend64 {
    /// `lib_ordinal`: 16 bits, the special ordinals from 0xfffd up.
    pub fn lib_ordinal(&self, e: Endianness) -> u32 {
        (self.import.get(e) & 0xffff) as u32
    }
    /// `weak_import`.
    pub fn weak_import(&self, e: Endianness) -> bool {
        self.import.get(e) >> 16 & 1 != 0
    }
    /// `name_offset`: 32 bits, from the start of the symbol names.
    pub fn name_offset(&self, e: Endianness) -> u32 {
        (self.import.get(e) >> 32) as u32
    }
}

/// `DYLD_CHAINED_IMPORT`: imports are [`DyldChainedImport`].
pub const DYLD_CHAINED_IMPORT: u32 = 1;
/// `DYLD_CHAINED_IMPORT_ADDEND`: imports are [`DyldChainedImportAddend`].
pub const DYLD_CHAINED_IMPORT_ADDEND: u32 = 2;
/// `DYLD_CHAINED_IMPORT_ADDEND64`: imports are [`DyldChainedImportAddend64`].
pub const DYLD_CHAINED_IMPORT_ADDEND64: u32 = 3;

/// `DYLD_CHAINED_PTR_START_NONE`: a page with no fixups.
pub const DYLD_CHAINED_PTR_START_NONE: u16 = 0xffff;
/// `DYLD_CHAINED_PTR_START_MULTI`: the page has several chains, listed in the overflow area.
pub const DYLD_CHAINED_PTR_START_MULTI: u16 = 0x8000;
/// `DYLD_CHAINED_PTR_START_LAST`: the last start of a page with several chains.
pub const DYLD_CHAINED_PTR_START_LAST: u16 = 0x8000;

/// Defines each `DYLD_CHAINED_PTR_*` format and its name in [`pointer_format_name`] from
/// one line.
macro_rules! pointer_formats {
    ($($(#[$meta:meta])* $name:ident = $value:expr,)*) => {
        $($(#[$meta])* pub const $name: u16 = $value;)*

        /// The name of a pointer format (`"DYLD_CHAINED_PTR_64"`), or `None` for an unknown
        /// one.
        pub fn pointer_format_name(format: u16) -> Option<&'static str> {
            match format {
                $($name => Some(stringify!($name)),)*
                _ => None,
            }
        }
    };
}

pointer_formats! {
    /// `DYLD_CHAINED_PTR_ARM64E`.
    DYLD_CHAINED_PTR_ARM64E = 1,
    /// `DYLD_CHAINED_PTR_64`.
    DYLD_CHAINED_PTR_64 = 2,
    /// `DYLD_CHAINED_PTR_32`.
    DYLD_CHAINED_PTR_32 = 3,
    /// `DYLD_CHAINED_PTR_32_CACHE`.
    DYLD_CHAINED_PTR_32_CACHE = 4,
    /// `DYLD_CHAINED_PTR_32_FIRMWARE`.
    DYLD_CHAINED_PTR_32_FIRMWARE = 5,
    /// `DYLD_CHAINED_PTR_64_OFFSET`.
    DYLD_CHAINED_PTR_64_OFFSET = 6,
    /// `DYLD_CHAINED_PTR_ARM64E_KERNEL` (also `DYLD_CHAINED_PTR_ARM64E_OFFSET`).
    DYLD_CHAINED_PTR_ARM64E_KERNEL = 7,
    /// `DYLD_CHAINED_PTR_64_KERNEL_CACHE`.
    DYLD_CHAINED_PTR_64_KERNEL_CACHE = 8,
    /// `DYLD_CHAINED_PTR_ARM64E_USERLAND`.
    DYLD_CHAINED_PTR_ARM64E_USERLAND = 9,
    /// `DYLD_CHAINED_PTR_ARM64E_FIRMWARE`.
    DYLD_CHAINED_PTR_ARM64E_FIRMWARE = 10,
    /// `DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE`.
    DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE = 11,
    /// `DYLD_CHAINED_PTR_ARM64E_USERLAND24`.
    DYLD_CHAINED_PTR_ARM64E_USERLAND24 = 12,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_bitfields_split_low_bits_first() {
        let e = Endianness::Little;
        let i = DyldChainedImport {
            import: U32::new(5 << 9 | 1 << 8 | 0xfe, e),
        };
        assert_eq!(
            (i.lib_ordinal(e), i.weak_import(e), i.name_offset(e)),
            (0xfe, true, 5)
        );
        let i = DyldChainedImportAddend64 {
            import: U64::new(7 << 32 | 0xfff0, e),
            addend: U64::new(0, e),
        };
        assert_eq!(
            (i.lib_ordinal(e), i.weak_import(e), i.name_offset(e)),
            (0xfff0, false, 7)
        );
        assert_eq!(
            pointer_format_name(DYLD_CHAINED_PTR_64),
            Some("DYLD_CHAINED_PTR_64")
        );
        assert_eq!(pointer_format_name(13), None);
    }
}
