//! Chained fixups (`LC_DYLD_CHAINED_FIXUPS`): the header, the per-segment and per-page chain
//! starts, the imports, every pointer format that linkers emit for user space and the kernel,
//! and a walker that yields each fixup.
//!
//! The walker is bounded: a chain moves forward inside one page, so it visits at most
//! `page_size / stride` locations, and every read is checked against the file.

use crate::endian::{Endianness, U16, U32};
use crate::error::{Error, Result};
use crate::file::MachO;
use crate::raw::{
    DyldChainedFixupsHeader, DyldChainedImport, DyldChainedImportAddend, DyldChainedImportAddend64,
    DyldChainedStartsInImage, DyldChainedStartsInSegment,
};
use crate::read::{u32_at, u64_at, view};
use crate::segment::Segment;

pub use crate::raw::{
    DYLD_CHAINED_IMPORT, DYLD_CHAINED_IMPORT_ADDEND, DYLD_CHAINED_IMPORT_ADDEND64,
    DYLD_CHAINED_PTR_32, DYLD_CHAINED_PTR_32_CACHE, DYLD_CHAINED_PTR_32_FIRMWARE,
    DYLD_CHAINED_PTR_64, DYLD_CHAINED_PTR_64_KERNEL_CACHE, DYLD_CHAINED_PTR_64_OFFSET,
    DYLD_CHAINED_PTR_ARM64E, DYLD_CHAINED_PTR_ARM64E_FIRMWARE, DYLD_CHAINED_PTR_ARM64E_KERNEL,
    DYLD_CHAINED_PTR_ARM64E_USERLAND, DYLD_CHAINED_PTR_ARM64E_USERLAND24,
    DYLD_CHAINED_PTR_START_LAST, DYLD_CHAINED_PTR_START_MULTI, DYLD_CHAINED_PTR_START_NONE,
    DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE, pointer_format_name,
};

/// Bytes per pointer and bytes per `next` unit of a pointer format, or `None` if unknown.
pub fn pointer_format_layout(format: u16) -> Option<(usize, u64)> {
    Some(match format {
        DYLD_CHAINED_PTR_ARM64E
        | DYLD_CHAINED_PTR_ARM64E_USERLAND
        | DYLD_CHAINED_PTR_ARM64E_USERLAND24 => (8, 8),
        DYLD_CHAINED_PTR_64 | DYLD_CHAINED_PTR_64_OFFSET => (8, 4),
        DYLD_CHAINED_PTR_ARM64E_KERNEL
        | DYLD_CHAINED_PTR_ARM64E_FIRMWARE
        | DYLD_CHAINED_PTR_64_KERNEL_CACHE => (8, 4),
        DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE => (8, 1),
        DYLD_CHAINED_PTR_32 | DYLD_CHAINED_PTR_32_CACHE | DYLD_CHAINED_PTR_32_FIRMWARE => (4, 4),
        _ => return None,
    })
}

/// `struct dyld_chained_fixups_header`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainedFixupsHeader {
    /// 0.
    pub fixups_version: u32,
    /// Offset of `dyld_chained_starts_in_image` from the header.
    pub starts_offset: u32,
    /// Offset of the imports table.
    pub imports_offset: u32,
    /// Offset of the symbol names.
    pub symbols_offset: u32,
    /// Number of imports.
    pub imports_count: u32,
    /// `DYLD_CHAINED_IMPORT*`.
    pub imports_format: u32,
    /// 0 (uncompressed names) or 1 (zlib).
    pub symbols_format: u32,
}

/// `struct dyld_chained_starts_in_segment`: where the chains of one segment start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentStarts<'data> {
    /// Index of the segment among the segment commands.
    pub segment_index: u32,
    /// Offset of this structure from the starts-in-image structure.
    pub info_offset: u32,
    /// Size of this structure.
    pub size: u32,
    /// Page size (0x1000 or 0x4000).
    pub page_size: u16,
    /// `DYLD_CHAINED_PTR_*`.
    pub pointer_format: u16,
    /// The segment's offset from the image's start (the `mach_header`'s address).
    pub segment_offset: u64,
    /// For 32-bit formats: values above this are not pointers.
    pub max_valid_pointer: u32,
    /// Number of pages.
    pub page_count: u16,
    /// File offset of this structure.
    offset: u64,
    page_starts: &'data [u8],
    endian: Endianness,
}

impl SegmentStarts<'_> {
    /// `page_start[i]` (including entries of the overflow area past `page_count`).
    pub fn page_start(&self, i: usize) -> Option<u16> {
        let at = i.checked_mul(size_of::<U16>())?;
        view::<U16>(self.page_starts, at).map(|s| s.get(self.endian))
    }

    /// File offset of this structure.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The chain starts of page `page`, as offsets inside the page (more than one for a
    /// `DYLD_CHAINED_PTR_START_MULTI` page, whose list in the overflow area ends with the
    /// entry marked `DYLD_CHAINED_PTR_START_LAST`).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the list runs past the end of the structure before its last
    /// entry; the iterator ends after it.
    pub fn chain_starts(&self, page: usize) -> impl Iterator<Item = Result<u16>> + '_ {
        let first = self.page_start(page);
        let multi = first
            .filter(|s| *s != DYLD_CHAINED_PTR_START_NONE && s & DYLD_CHAINED_PTR_START_MULTI != 0);
        let mut overflow = multi.map(|s| usize::from(s & !DYLD_CHAINED_PTR_START_MULTI));
        let mut single = first.filter(|s| *s != DYLD_CHAINED_PTR_START_NONE && multi.is_none());
        core::iter::from_fn(move || {
            if let Some(s) = single.take() {
                return Some(Ok(s));
            }
            let i = overflow?;
            let Some(s) = self.page_start(i) else {
                overflow = None;
                return Some(Err(Error::Malformed {
                    what: "chained fixups",
                    offset: self.offset,
                    expected: "a page's chain starts ended by DYLD_CHAINED_PTR_START_LAST inside \
                               dyld_chained_starts_in_segment",
                }));
            };
            overflow = if s & DYLD_CHAINED_PTR_START_LAST != 0 {
                None
            } else {
                Some(i + 1)
            };
            Some(Ok(s & !DYLD_CHAINED_PTR_START_LAST))
        })
    }
}

/// One import of the imports table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainedImport<'data> {
    /// Library ordinal: 1-based dependency, or 0 (self), -1 (main executable), -2 (flat
    /// lookup), -3 (weak lookup).
    pub lib_ordinal: i32,
    /// Whether the import may be missing.
    pub weak_import: bool,
    /// Offset of the name in the symbols area.
    pub name_offset: u32,
    /// The addend of the `_ADDEND` formats (0 otherwise).
    pub addend: i64,
    /// The name, or `None` if `name_offset` is outside the symbols area.
    pub name: Option<&'data [u8]>,
}

/// A fixup: what to write at one location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixupTarget {
    /// Slide a pointer: the unslid target is `target` (an address, or for offset formats an
    /// offset from the image's start, see [`ChainedFixup::target_address`]).
    Rebase {
        /// The raw target field.
        target: u64,
        /// The top byte to put back (`high8`).
        high8: u8,
        /// Whether `target` is an offset from the image's start rather than an address.
        is_offset: bool,
    },
    /// Not a pointer: a 32-bit value the linker had to store in the chain
    /// (`DYLD_CHAINED_PTR_32` targets above `max_valid_pointer`). Written as is, not slid.
    NonPointer {
        /// The value to write.
        value: u64,
    },
    /// Bind to import `ordinal` of the imports table, plus `addend`.
    Bind {
        /// Index into the imports table.
        ordinal: u32,
        /// Inline addend (for arm64e, sign-extended).
        addend: i64,
    },
}

/// Pointer-authentication data of an arm64e fixup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointerAuth {
    /// Extra diversity.
    pub diversity: u16,
    /// Whether the location's address is mixed into the diversity.
    pub addr_div: bool,
    /// Key: 0 IA, 1 IB, 2 DA, 3 DB.
    pub key: u8,
}

/// One fixup found by walking the chains: where it is, and the raw pointer-sized value
/// there. What the value says ([`target`](Self::target), [`auth`](Self::auth)) is decoded
/// when asked for, so a walk that only needs the locations does not pay for it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ChainedFixup {
    /// Index of the segment.
    pub segment_index: u32,
    /// Offset of the location from the segment's start.
    pub segment_offset: u64,
    /// Offset of the location from the image's start.
    pub image_offset: u64,
    /// File offset of the location.
    pub file_offset: u64,
    /// The raw pointer-sized value at the location.
    pub raw: u64,
    /// What decoding `raw` needs: the segment's `DYLD_CHAINED_PTR_*` format in the low 16
    /// bits, its `max_valid_pointer` (32-bit formats) in the high 32. One field, not two: the
    /// walk then moves one word less per fixup.
    decoding: u64,
}

impl core::fmt::Debug for ChainedFixup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChainedFixup")
            .field("segment_index", &self.segment_index)
            .field("segment_offset", &self.segment_offset)
            .field("image_offset", &self.image_offset)
            .field("file_offset", &self.file_offset)
            .field("raw", &format_args!("{:#x}", self.raw))
            .field("pointer_format", &self.pointer_format())
            .field("target", &self.target())
            .field("auth", &self.auth())
            .finish()
    }
}

impl ChainedFixup {
    /// The pointer format of the fixup's segment (`DYLD_CHAINED_PTR_*`).
    pub fn pointer_format(&self) -> u16 {
        self.decoding as u16
    }

    /// The segment's `max_valid_pointer`.
    fn max_valid_pointer(&self) -> u32 {
        (self.decoding >> 32) as u32
    }

    /// What to write at the location.
    #[inline]
    pub fn target(&self) -> FixupTarget {
        target(self.pointer_format(), self.raw, self.max_valid_pointer())
    }

    /// The arm64e authentication, for an authenticated fixup: a location of a format that
    /// has authenticated pointers (arm64e's and the kernel caches') with bit 63 set. Its bits
    /// 32..51 are the diversity, addr_div and key.
    #[inline]
    pub fn auth(&self) -> Option<PointerAuth> {
        let raw = self.raw;
        let format = u32::from(self.pointer_format());
        let authenticated =
            bits(raw, 63, 1) != 0 && format < 32 && (AUTHENTICATED_FORMATS >> format) & 1 != 0;
        authenticated.then(|| PointerAuth {
            diversity: bits(raw, 32, 16) as u16,
            addr_div: bits(raw, 48, 1) != 0,
            key: bits(raw, 49, 2) as u8,
        })
    }

    /// For a rebase, the unslid address the pointer points at: the target (made absolute
    /// with `image_base` for offset formats) with `high8` put back in the top byte.
    pub fn target_address(&self, image_base: u64) -> Option<u64> {
        match self.target() {
            FixupTarget::Rebase {
                target,
                high8,
                is_offset,
            } => {
                let t = if is_offset {
                    target.wrapping_add(image_base)
                } else {
                    target
                };
                Some(t | (u64::from(high8) << 56))
            }
            FixupTarget::Bind { .. } | FixupTarget::NonPointer { .. } => None,
        }
    }
}

/// The chained fixups of an image.
#[derive(Clone, Copy, Debug)]
pub struct ChainedFixups<'data> {
    file: MachO<'data>,
    data: &'data [u8],
    base: u64,
    header: ChainedFixupsHeader,
}

/// A library ordinal field: values above `first_special` are the negative special ordinals
/// (0xff = -1 main executable, 0xfe = -2 flat lookup, 0xfd = -3 weak lookup); everything
/// else, up to the field's maximum, is a dependency number, as dyld reads them.
fn special_ordinal(raw: u32, first_special: u32) -> i32 {
    if raw > first_special {
        let width = if first_special > 0xff { 16 } else { 8 };
        raw as i32 - (1 << width)
    } else {
        raw as i32
    }
}

impl<'data> ChainedFixups<'data> {
    /// The chained fixups of `size` bytes at file offset `off`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if they are not inside the file or the header does not fit.
    pub fn new(file: &MachO<'data>, off: u32, size: u32) -> Result<Self> {
        let data = file.bytes_at(off.into(), size.into(), "chained fixups")?;
        let e = file.endian();
        let Some(h) = view::<DyldChainedFixupsHeader>(data, 0) else {
            return Err(Error::Truncated {
                what: "dyld_chained_fixups_header",
                offset: off.into(),
                size: size_of::<DyldChainedFixupsHeader>() as u64,
                available: data.len() as u64,
            });
        };
        let header = ChainedFixupsHeader {
            fixups_version: h.fixups_version.get(e),
            starts_offset: h.starts_offset.get(e),
            imports_offset: h.imports_offset.get(e),
            symbols_offset: h.symbols_offset.get(e),
            imports_count: h.imports_count.get(e),
            imports_format: h.imports_format.get(e),
            symbols_format: h.symbols_format.get(e),
        };
        Ok(ChainedFixups {
            file: *file,
            data,
            base: off.into(),
            header,
        })
    }

    fn error(&self, at: usize, expected: &'static str) -> Error {
        Error::Malformed {
            what: "chained fixups",
            offset: self.base.wrapping_add(at as u64),
            expected,
        }
    }

    /// The header.
    pub fn header(&self) -> &ChainedFixupsHeader {
        &self.header
    }

    /// `seg_count` of the starts-in-image structure.
    ///
    /// # Errors
    /// [`Error::Malformed`] if it is outside the data.
    pub fn segment_count(&self) -> Result<u32> {
        let at = self.header.starts_offset as usize;
        view::<DyldChainedStartsInImage>(self.data, at)
            .map(|s| s.seg_count.get(self.file.endian()))
            .ok_or(self.error(at, "dyld_chained_starts_in_image inside the data"))
    }

    /// `seg_info_offset[index]`: 0 for a segment without fixups.
    ///
    /// # Errors
    /// [`Error::Malformed`] if it is outside the data.
    pub fn segment_info_offset(&self, index: u32) -> Result<u32> {
        let at = (self.header.starts_offset as usize)
            .saturating_add(size_of::<DyldChainedStartsInImage>())
            .saturating_add((index as usize).saturating_mul(size_of::<U32>()));
        view::<U32>(self.data, at)
            .map(|o| o.get(self.file.endian()))
            .ok_or(self.error(at, "seg_info_offset inside the data"))
    }

    /// The starts of segment `index`, or `None` if it has no fixups.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the structure is outside the data.
    pub fn segment_starts(&self, index: u32) -> Result<Option<SegmentStarts<'data>>> {
        let info_offset = self.segment_info_offset(index)?;
        if info_offset == 0 {
            return Ok(None);
        }
        let e = self.file.endian();
        let at = (self.header.starts_offset as usize).saturating_add(info_offset as usize);
        let bad = || self.error(at, "dyld_chained_starts_in_segment inside the data");
        let s = view::<DyldChainedStartsInSegment>(self.data, at).ok_or_else(bad)?;
        let (size, page_count) = (s.size.get(e), s.page_count.get(e));
        // page_start[] runs to the end of the structure (its overflow area included).
        let starts_at = at + size_of::<DyldChainedStartsInSegment>();
        let end = at
            .saturating_add(size as usize)
            .min(self.data.len())
            .max(starts_at.min(self.data.len()));
        let page_starts = self.data.get(starts_at..end).unwrap_or(&[]);
        if page_starts.len() < usize::from(page_count) * size_of::<U16>() {
            return Err(bad());
        }
        Ok(Some(SegmentStarts {
            segment_index: index,
            info_offset,
            size,
            page_size: s.page_size.get(e),
            pointer_format: s.pointer_format.get(e),
            segment_offset: s.segment_offset.get(e),
            max_valid_pointer: s.max_valid_pointer.get(e),
            page_count,
            offset: self.base.wrapping_add(at as u64),
            page_starts,
            endian: e,
        }))
    }

    /// Import `index` of the imports table.
    ///
    /// # Errors
    /// [`Error::Malformed`] for an unknown import format or an entry outside the data.
    pub fn import(&self, index: u32) -> Result<ChainedImport<'data>> {
        let layout = self.import_layout()?;
        let at = (self.header.imports_offset as usize)
            .saturating_add((index as usize).saturating_mul(layout.entry));
        self.read_import(&layout, at)
    }

    /// Every import of the imports table, in order (`imports_count` of them). The iterator
    /// stops after the first error.
    ///
    /// ```
    /// use darling_macho::MachO;
    ///
    /// let data = std::fs::read("tests/data/bin/exe-arm64-chained")?;
    /// let macho = MachO::parse(&data)?;
    /// let fixups = macho.chained_fixups()?.expect("LC_DYLD_CHAINED_FIXUPS");
    /// for import in fixups.imports() {
    ///     let import = import?;
    ///     let name = import.name.unwrap_or(b"?");
    ///     println!("{} from {}", String::from_utf8_lossy(name), import.lib_ordinal);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn imports(&self) -> ChainedImports<'data> {
        let (layout, pending_error) = match self.import_layout() {
            Ok(l) => (l, None),
            Err(e) => (ImportLayout::default(), Some(e)),
        };
        ChainedImports {
            fixups: *self,
            layout,
            at: self.header.imports_offset as usize,
            remaining: self.header.imports_count,
            pending_error,
        }
    }

    /// The entry format and the names area of the imports table, decided once per table.
    #[inline]
    fn import_layout(&self) -> Result<ImportLayout<'data>> {
        let (format, entry) = match self.header.imports_format {
            DYLD_CHAINED_IMPORT => (ImportFormat::Import, size_of::<DyldChainedImport>()),
            DYLD_CHAINED_IMPORT_ADDEND => {
                (ImportFormat::Addend, size_of::<DyldChainedImportAddend>())
            }
            DYLD_CHAINED_IMPORT_ADDEND64 => (
                ImportFormat::Addend64,
                size_of::<DyldChainedImportAddend64>(),
            ),
            _ => {
                let at = core::mem::offset_of!(DyldChainedFixupsHeader, imports_format);
                return Err(self.error(at, "a known imports_format (1, 2 or 3)"));
            }
        };
        let symbols = self
            .data
            .get(self.header.symbols_offset as usize..)
            .unwrap_or(&[]);
        Ok(ImportLayout {
            format,
            entry,
            symbols,
        })
    }

    /// The import whose entry is at byte `at` of the data.
    #[inline]
    fn read_import(&self, layout: &ImportLayout<'data>, at: usize) -> Result<ChainedImport<'data>> {
        let e = self.file.endian();
        let bad = || self.error(at, "an import inside the data");
        // The special ordinals are the top values of the field: from 0xf0 (8 bits) or 0xfff0
        // (16 bits) up, as dyld reads them.
        let (lib_ordinal, weak_import, name_offset, addend) = match layout.format {
            ImportFormat::Import => {
                let i = view::<DyldChainedImport>(self.data, at).ok_or_else(bad)?;
                let ordinal = special_ordinal(i.lib_ordinal(e), 0xf0);
                (ordinal, i.weak_import(e), i.name_offset(e), 0)
            }
            ImportFormat::Addend => {
                let i = view::<DyldChainedImportAddend>(self.data, at).ok_or_else(bad)?;
                let ordinal = special_ordinal(i.lib_ordinal(e), 0xf0);
                let addend = i64::from(i.addend.get(e));
                (ordinal, i.weak_import(e), i.name_offset(e), addend)
            }
            ImportFormat::Addend64 => {
                let i = view::<DyldChainedImportAddend64>(self.data, at).ok_or_else(bad)?;
                let ordinal = special_ordinal(i.lib_ordinal(e), 0xfff0);
                let addend = i.addend.get(e) as i64;
                (ordinal, i.weak_import(e), i.name_offset(e), addend)
            }
        };
        let name = layout
            .symbols
            .get(name_offset as usize..)
            .map(crate::read::c_str);
        Ok(ChainedImport {
            lib_ordinal,
            weak_import,
            name_offset,
            addend,
            name,
        })
    }

    /// Every fixup, segment by segment, page by page, in chain order. Each gives where it
    /// is and the raw value there; [`ChainedFixup::target`] and [`ChainedFixup::auth`] decode
    /// the value. The iterator stops after the first error.
    ///
    /// ```
    /// use darling_macho::{FixupTarget, MachO};
    ///
    /// let data = std::fs::read("tests/data/bin/exe-arm64-chained")?;
    /// let macho = MachO::parse(&data)?;
    /// let fixups = macho.chained_fixups()?.expect("LC_DYLD_CHAINED_FIXUPS");
    /// for fixup in fixups.fixups() {
    ///     let fixup = fixup?;
    ///     match fixup.target() {
    ///         FixupTarget::Bind { ordinal, addend } => {
    ///             println!("{:#x}: bind import {ordinal} + {addend}", fixup.image_offset)
    ///         }
    ///         _ => println!("{:#x}: {:?}", fixup.image_offset, fixup.target_address(0)),
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fixups(&self) -> ChainedFixupWalk<'data> {
        let (segments, pending_error) = match self.segment_count() {
            Ok(n) => (n, None),
            Err(e) => (0, Some(e)),
        };
        ChainedFixupWalk {
            chain: None,
            starts: ChainStarts {
                fixups: *self,
                segment: 0,
                segments,
                starts: None,
                seg: None,
                page: None,
                next_page: 0,
                starts_in_page: [0; 64],
                n_starts: 0,
                next_start: 0,
                done: false,
                pending_error,
            },
        }
    }
}

/// The entry structure of an imports table (`imports_format`).
#[derive(Clone, Copy, Debug, Default)]
enum ImportFormat {
    /// `DYLD_CHAINED_IMPORT`.
    #[default]
    Import,
    /// `DYLD_CHAINED_IMPORT_ADDEND`.
    Addend,
    /// `DYLD_CHAINED_IMPORT_ADDEND64`.
    Addend64,
}

/// How the entries of an imports table are laid out.
#[derive(Clone, Copy, Debug, Default)]
struct ImportLayout<'data> {
    format: ImportFormat,
    /// Bytes per entry: the size of the format's structure.
    entry: usize,
    /// The symbol names, from `symbols_offset` to the end of the data.
    symbols: &'data [u8],
}

/// The imports of a [`ChainedFixups`], in table order ([`ChainedFixups::imports`]).
#[derive(Clone, Debug)]
pub struct ChainedImports<'data> {
    fixups: ChainedFixups<'data>,
    layout: ImportLayout<'data>,
    /// Byte of the data where the next entry starts.
    at: usize,
    remaining: u32,
    pending_error: Option<Error>,
}

impl<'data> Iterator for ChainedImports<'data> {
    type Item = Result<ChainedImport<'data>>;

    #[inline]
    fn next(&mut self) -> Option<Result<ChainedImport<'data>>> {
        if self.remaining == 0 {
            return None;
        }
        if let Some(e) = self.pending_error.take() {
            self.remaining = 0;
            return Some(Err(e));
        }
        match self.fixups.read_import(&self.layout, self.at) {
            Ok(import) => {
                self.remaining -= 1;
                self.at = self.at.saturating_add(self.layout.entry);
                Some(Ok(import))
            }
            Err(e) => {
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }
}

impl core::iter::FusedIterator for ChainedImports<'_> {}

/// The walk over every chain of a [`ChainedFixups`].
///
/// The chain being walked is kept apart from the rest of the walk: reading its next location
/// needs only it (the page's bytes, the offset in the page, the segment's layout), and the
/// rest (segments, pages, the starts of a page) is touched once per chain.
#[derive(Clone, Debug)]
pub struct ChainedFixupWalk<'data> {
    chain: Option<Chain<'data>>,
    starts: ChainStarts<'data>,
}

/// Where the chains start: the segment, the page and the chain start the walk is at.
#[derive(Clone, Debug)]
struct ChainStarts<'data> {
    fixups: ChainedFixups<'data>,
    segment: u32,
    segments: u32,
    starts: Option<SegmentStarts<'data>>,
    /// What reading a location of the segment being walked needs, decided once per segment.
    seg: Option<SegmentWalk>,
    /// The page whose chains are being started (a chain at its offset 0), and the next page.
    page: Option<Chain<'data>>,
    next_page: usize,
    starts_in_page: [u16; 64],
    n_starts: usize,
    next_start: usize,
    done: bool,
    pending_error: Option<Error>,
}

impl<'data> ChainStarts<'data> {
    /// An error in the `dyld_chained_starts_in_segment` of `starts`, at its file offset.
    #[cold]
    fn starts_error(&self, starts: &SegmentStarts<'_>, expected: &'static str) -> Error {
        Error::Malformed {
            what: "chained fixups",
            offset: starts.offset(),
            expected,
        }
    }

    /// The next chain: its first location, in the page it lies in. `None` after the last.
    ///
    /// Out of line, once per chain: the loop that reads the fixups stays small.
    #[inline(never)]
    fn next_chain(&mut self) -> Result<Option<Chain<'data>>> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        loop {
            if let Some(page) = self.page {
                if self.next_start < self.n_starts {
                    let at = u32::from(self.starts_in_page[self.next_start]);
                    self.next_start += 1;
                    return Ok(Some(Chain { at, ..page }));
                }
                self.page = None;
            }
            if let (Some(starts), Some(seg)) = (self.starts, self.seg) {
                if self.next_page < usize::from(starts.page_count) {
                    let page = self.next_page;
                    self.next_page += 1;
                    self.n_starts = 0;
                    self.next_start = 0;
                    for s in starts.chain_starts(page) {
                        let s = s?;
                        if self.n_starts == self.starts_in_page.len() {
                            return Err(self.starts_error(&starts, "at most 64 chains in one page"));
                        }
                        self.starts_in_page[self.n_starts] = s;
                        self.n_starts += 1;
                    }
                    let file = self.fixups.file;
                    self.page = Some(Chain::new(seg, page, file.data(), file.endian()));
                } else {
                    self.starts = None;
                }
                continue;
            }
            if self.segment >= self.segments {
                return Ok(None);
            }
            let index = self.segment;
            self.segment += 1;
            let Some(s) = self.fixups.segment_starts(index)? else {
                continue;
            };
            if pointer_format_layout(s.pointer_format).is_none() {
                return Err(self.starts_error(&s, "a known pointer_format"));
            }
            if s.page_size == 0 {
                return Err(self.starts_error(&s, "a non-zero page_size"));
            }
            let Some(seg) = self
                .fixups
                .file
                .segments()
                .map_while(|x| x.ok())
                .nth(index as usize)
            else {
                return Err(self.starts_error(&s, "fixups only for segments the file has"));
            };
            let seg = SegmentWalk::new(&s, &seg);
            (self.starts, self.seg, self.next_page) = (Some(s), Some(seg), 0);
        }
    }
}

/// What reading the locations of one segment needs: its starts' fields and its place in the
/// file, decided when the walk enters the segment.
#[derive(Clone, Copy, Debug)]
struct SegmentWalk {
    segment_index: u32,
    /// [`ChainedFixup`]'s `decoding`: pointer format and `max_valid_pointer`.
    decoding: u64,
    page_size: u64,
    /// Bytes per pointer.
    size: usize,
    /// `next` is `(raw >> next_shift) & next_mask` units of `1 << stride_shift` bytes.
    next_shift: u32,
    next_mask: u64,
    stride_shift: u32,
    /// The segment's offset from the image's start.
    image_offset: u64,
    fileoff: u64,
    filesize: u64,
}

impl SegmentWalk {
    fn new(starts: &SegmentStarts<'_>, seg: &Segment<'_>) -> Self {
        // The walk checked the format before entering the segment.
        let (size, stride) = pointer_format_layout(starts.pointer_format).unwrap_or((8, 8));
        let (next_shift, next_width) = next_field(starts.pointer_format);
        SegmentWalk {
            segment_index: starts.segment_index,
            decoding: u64::from(starts.pointer_format) | u64::from(starts.max_valid_pointer) << 32,
            page_size: starts.page_size.into(),
            size,
            next_shift,
            next_mask: (1 << next_width) - 1,
            // Strides are 1, 4 or 8 bytes.
            stride_shift: stride.trailing_zeros(),
            image_offset: starts.segment_offset,
            fileoff: seg.fileoff(),
            filesize: seg.filesize(),
        }
    }
}

/// One chain of one page, at its next location.
#[derive(Clone, Copy, Debug)]
struct Chain<'data> {
    /// The bytes of the page that a location may be read from: the page, cut where the
    /// segment's file bytes or the file end. A location inside them passes every check.
    bytes: &'data [u8],
    /// The whole file, for the error of a location outside it.
    file: &'data [u8],
    /// Offset inside the page of the next location: below the page size, a 16-bit number
    /// (a `u32`, so that `at + 8` cannot overflow and needs no check).
    at: u32,
    /// The page's offset from the segment's start, from the image's start, and in the file
    /// (the last exact whenever `bytes` is not empty).
    page_offset: u64,
    page_image_offset: u64,
    page_file_offset: u64,
    seg: SegmentWalk,
    endian: Endianness,
}

impl<'data> Chain<'data> {
    /// A chain of page `page` of the segment `seg` of the file `file`, at the page's start.
    fn new(seg: SegmentWalk, page: usize, file: &'data [u8], endian: Endianness) -> Self {
        // page < page_count and page_size both fit in 16 bits: no overflow.
        let page_offset = page as u64 * seg.page_size;
        let in_segment = seg.filesize.saturating_sub(page_offset).min(seg.page_size);
        let start = seg.fileoff.saturating_add(page_offset);
        let bytes = usize::try_from(start)
            .ok()
            .and_then(|start| file.get(start..))
            .map_or(&[][..], |rest| &rest[..rest.len().min(in_segment as usize)]);
        Chain {
            bytes,
            file,
            at: 0,
            page_offset,
            page_image_offset: seg.image_offset.wrapping_add(page_offset),
            page_file_offset: start,
            seg,
            endian,
        }
    }

    /// Reads the location the chain is at: the fixup, and whether the chain goes on (to the
    /// location it then is at).
    #[inline(always)]
    fn read(&mut self) -> Result<(ChainedFixup, bool)> {
        let seg = &self.seg;
        let at = u64::from(self.at);
        let segment_offset = self.page_offset + at;
        let word = if seg.size == 8 {
            u64_at(self.bytes, self.at as usize, self.endian)
        } else {
            u32_at(self.bytes, self.at as usize, self.endian).map(u64::from)
        };
        let Some(raw) = word else {
            return Err(fault(
                self.file,
                at,
                seg.size as u64,
                seg.page_size,
                seg.filesize,
                segment_offset,
                seg.fileoff.saturating_add(segment_offset),
            ));
        };
        // Read inside `bytes`, so inside the file: these do not overflow.
        let file_offset = self.page_file_offset + at;
        let next = (raw >> seg.next_shift) & seg.next_mask;
        let more = next != 0;
        if more {
            // A chain only moves forward, and stays in its page.
            let n = at + (next << seg.stride_shift);
            if n + seg.size as u64 > seg.page_size {
                return Err(location_error(
                    file_offset,
                    "a chain that stays inside its page",
                ));
            }
            // n + size <= page_size, a 16-bit number.
            self.at = n as u32;
        }
        let fixup = ChainedFixup {
            segment_index: seg.segment_index,
            segment_offset,
            image_offset: self.page_image_offset.wrapping_add(at),
            file_offset,
            raw,
            decoding: seg.decoding,
        };
        Ok((fixup, more))
    }
}

/// Why the location at offset `at` of its page cannot be read: the first of the rules it
/// breaks, in the order they are told (inside the page, inside the segment's file bytes,
/// inside the file).
#[cold]
fn fault(
    file: &[u8],
    at: u64,
    size: u64,
    page_size: u64,
    filesize: u64,
    segment_offset: u64,
    file_offset: u64,
) -> Error {
    if at + size > page_size {
        return location_error(file_offset, "a chain start inside its page");
    }
    if segment_offset + size > filesize {
        return location_error(
            file_offset,
            "a fixup location inside its segment's file bytes",
        );
    }
    match crate::read::bytes(file, file_offset, size, "chained fixup location") {
        Err(e) => e,
        // Not reached: a location that passes all three is inside the chain's bytes.
        Ok(_) => location_error(file_offset, "a fixup location inside the file"),
    }
}

/// The pointer formats whose locations may hold authenticated pointers, as a bit set: arm64e's
/// and the kernel caches'.
const AUTHENTICATED_FORMATS: u32 = 1 << DYLD_CHAINED_PTR_ARM64E
    | 1 << DYLD_CHAINED_PTR_ARM64E_KERNEL
    | 1 << DYLD_CHAINED_PTR_ARM64E_USERLAND
    | 1 << DYLD_CHAINED_PTR_ARM64E_FIRMWARE
    | 1 << DYLD_CHAINED_PTR_ARM64E_USERLAND24
    | 1 << DYLD_CHAINED_PTR_64_KERNEL_CACHE
    | 1 << DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE;

/// What the raw pointer-sized value `raw` of a fixup location of pointer format `format`
/// says to write.
#[inline(always)]
fn target(format: u16, raw: u64, max_valid: u32) -> FixupTarget {
    // The formats of x86_64 and arm64 user-space images, by far the most common, are tested
    // first, with a compare rather than through the jump table of the others.
    if format == DYLD_CHAINED_PTR_64_OFFSET || format == DYLD_CHAINED_PTR_64 {
        return if bits(raw, 63, 1) != 0 {
            FixupTarget::Bind {
                ordinal: bits(raw, 0, 24) as u32,
                addend: bits(raw, 24, 8) as i64,
            }
        } else {
            FixupTarget::Rebase {
                target: bits(raw, 0, 36),
                high8: bits(raw, 36, 8) as u8,
                is_offset: format == DYLD_CHAINED_PTR_64_OFFSET,
            }
        };
    }
    other_target(format, raw, max_valid)
}

/// [`target`] for the formats other than `DYLD_CHAINED_PTR_64` and `_64_OFFSET`.
fn other_target(format: u16, raw: u64, max_valid: u32) -> FixupTarget {
    let sign = |v: u64, n: u32| ((v << (64 - n)) as i64) >> (64 - n);
    let rebase = |target: u64, high8: u64, is_offset: bool| FixupTarget::Rebase {
        target,
        high8: high8 as u8,
        is_offset,
    };
    match format {
        DYLD_CHAINED_PTR_32 => {
            if bits(raw, 31, 1) != 0 {
                return FixupTarget::Bind {
                    ordinal: bits(raw, 0, 20) as u32,
                    addend: bits(raw, 20, 6) as i64,
                };
            }
            let target = bits(raw, 0, 26);
            // Targets past max_valid_pointer are not pointers but values the linker stored in
            // the chain, biased to fit the 26-bit field. As dyld reads them: a
            // max_valid_pointer of 0 makes every target but 0 such a value.
            if target > u64::from(max_valid) {
                let bias = (0x0400_0000 + u64::from(max_valid)) / 2;
                let value = target.wrapping_sub(bias) & 0xffff_ffff;
                FixupTarget::NonPointer { value }
            } else {
                rebase(target, 0, false)
            }
        }
        DYLD_CHAINED_PTR_32_CACHE => rebase(bits(raw, 0, 30), 0, true),
        DYLD_CHAINED_PTR_32_FIRMWARE => rebase(bits(raw, 0, 26), 0, false),
        DYLD_CHAINED_PTR_64_KERNEL_CACHE | DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE => {
            rebase(bits(raw, 0, 30), 0, true)
        }
        // arm64e: DYLD_CHAINED_PTR_ARM64E, _KERNEL, _USERLAND, _FIRMWARE, _USERLAND24.
        _ => {
            let is_auth = bits(raw, 63, 1) != 0;
            let is_bind = bits(raw, 62, 1) != 0;
            let ordinal = if format == DYLD_CHAINED_PTR_ARM64E_USERLAND24 {
                bits(raw, 0, 24)
            } else {
                bits(raw, 0, 16)
            } as u32;
            // Only the plain arm64e format stores unslid addresses; the others, offsets.
            let offsets =
                format != DYLD_CHAINED_PTR_ARM64E && format != DYLD_CHAINED_PTR_ARM64E_FIRMWARE;
            match (is_bind, is_auth) {
                (true, true) => FixupTarget::Bind { ordinal, addend: 0 },
                (true, false) => FixupTarget::Bind {
                    ordinal,
                    addend: sign(bits(raw, 32, 19), 19),
                },
                (false, true) => rebase(bits(raw, 0, 32), 0, true),
                (false, false) => rebase(bits(raw, 0, 43), bits(raw, 43, 8), offsets),
            }
        }
    }
}

/// `n` bits of `v` from bit `lo`.
#[inline(always)]
fn bits(v: u64, lo: u32, n: u32) -> u64 {
    (v >> lo) & ((1u64 << n) - 1)
}

/// Where a pointer format keeps `next` (how many strides to the chain's next location):
/// its lowest bit and its width.
fn next_field(format: u16) -> (u32, u32) {
    match format {
        DYLD_CHAINED_PTR_32 => (26, 5),
        DYLD_CHAINED_PTR_32_CACHE => (30, 2),
        DYLD_CHAINED_PTR_32_FIRMWARE => (26, 6),
        DYLD_CHAINED_PTR_64
        | DYLD_CHAINED_PTR_64_OFFSET
        | DYLD_CHAINED_PTR_64_KERNEL_CACHE
        | DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE => (51, 12),
        // arm64e: DYLD_CHAINED_PTR_ARM64E, _KERNEL, _USERLAND, _FIRMWARE, _USERLAND24.
        _ => (51, 11),
    }
}

/// An error at a fixup location (a file offset in a segment).
#[cold]
fn location_error(file_offset: u64, expected: &'static str) -> Error {
    Error::Malformed {
        what: "chained fixup location",
        offset: file_offset,
        expected,
    }
}

impl Iterator for ChainedFixupWalk<'_> {
    type Item = Result<ChainedFixup>;

    #[inline]
    fn next(&mut self) -> Option<Result<ChainedFixup>> {
        loop {
            if let Some(chain) = &mut self.chain {
                return Some(match chain.read() {
                    Ok((fixup, true)) => Ok(fixup),
                    Ok((fixup, false)) => {
                        self.chain = None;
                        Ok(fixup)
                    }
                    Err(e) => {
                        self.chain = None;
                        self.starts.done = true;
                        Err(e)
                    }
                });
            }
            if self.starts.done {
                return None;
            }
            match self.starts.next_chain() {
                Ok(Some(chain)) => self.chain = Some(chain),
                Ok(None) => {
                    self.starts.done = true;
                    return None;
                }
                Err(e) => {
                    self.starts.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<'data> MachO<'data> {
    /// The `LC_DYLD_CHAINED_FIXUPS` data, or `None` if the file has none.
    ///
    /// # Errors
    /// A malformed load command, or data that is not inside the file.
    pub fn chained_fixups(&self) -> Result<Option<ChainedFixups<'data>>> {
        self.linkedit_data(crate::raw::LC_DYLD_CHAINED_FIXUPS)?
            .map(|l| ChainedFixups::new(self, l.dataoff, l.datasize))
            .transpose()
    }
}
