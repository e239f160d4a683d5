//! Fat (universal) files: a big-endian table of slices, each a whole Mach-O file.

use crate::endian::Endianness;
use crate::error::{Error, Result};
use crate::file::MachO;
use crate::raw::{FAT_MAGIC, FAT_MAGIC_64, FatArch32, FatArch64, FatHeader};
use crate::read;

/// The most slices a fat file may list. Real files have a handful; the bound keeps the
/// pairwise overlap check cheap on hostile input.
pub const MAX_FAT_ARCHES: u32 = 256;

/// The slice table of a fat file, checked: every slice lies inside the file, after the
/// table, aligned as it says, and no two slices overlap or share a CPU type and subtype.
#[derive(Clone, Copy, Debug)]
pub struct FatFile<'data> {
    data: &'data [u8],
    arches: Arches<'data>,
}

#[derive(Clone, Copy, Debug)]
enum Arches<'data> {
    Fat32(&'data [FatArch32]),
    Fat64(&'data [FatArch64]),
}

/// One slice of a fat file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FatArch {
    /// Position in the slice table.
    pub index: u32,
    /// CPU type (`CPU_TYPE_*`).
    pub cputype: i32,
    /// CPU subtype (`CPU_SUBTYPE_*`) with its capability bits.
    pub cpusubtype: i32,
    /// File offset of the slice.
    pub offset: u64,
    /// Size of the slice.
    pub size: u64,
    /// Alignment of the offset, as a power of 2.
    pub align: u32,
    /// `fat_arch_64`'s reserved field (0 for `fat_arch`).
    pub reserved: u32,
}

impl<'data> FatFile<'data> {
    /// Reads and checks the slice table of a fat file.
    ///
    /// # Errors
    /// [`Error::BadMagic`] if `data` is not a fat file, [`Error::Truncated`] if the table
    /// does not fit, [`Error::BadFatArch`] for a slice that is out of the file, misaligned,
    /// overlapping or duplicated.
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        let header: &FatHeader = read::pod(data, 0, "fat header")?;
        let magic = header.magic.get(Endianness::Big);
        let count = header.nfat_arch.get(Endianness::Big);
        if count > MAX_FAT_ARCHES {
            return Err(Error::TooMany {
                what: "fat header",
                offset: core::mem::offset_of!(FatHeader, nfat_arch) as u64,
                found: count.into(),
                items: "slices",
                max: MAX_FAT_ARCHES.into(),
            });
        }
        let arches = match magic {
            FAT_MAGIC => Arches::Fat32(read::slice(data, 8, u64::from(count), "fat_arch table")?),
            FAT_MAGIC_64 => {
                Arches::Fat64(read::slice(data, 8, u64::from(count), "fat_arch_64 table")?)
            }
            _ => return Err(Error::BadMagic { offset: 0, magic }),
        };
        let fat = FatFile { data, arches };
        fat.check()?;
        Ok(fat)
    }

    fn check(&self) -> Result<()> {
        let table_end = 8 + self.len() as u64 * self.entry_size();
        for a in self.arches() {
            let bad = |expected| Error::BadFatArch {
                index: a.index,
                offset: a.offset,
                size: a.size,
                expected,
            };
            let end = a
                .offset
                .checked_add(a.size)
                .ok_or(bad("an offset and size that do not overflow"))?;
            if end > self.data.len() as u64 {
                return Err(bad("a slice inside the file"));
            }
            if a.offset < table_end {
                return Err(bad("a slice after the fat header and slice table"));
            }
            if a.align > 63 || a.offset & ((1u64 << a.align) - 1) != 0 {
                return Err(bad("an offset that is a multiple of 2^align"));
            }
            for b in self.arches().take(a.index as usize) {
                if a.cputype == b.cputype
                    && a.cpusubtype & !crate::raw::CPU_SUBTYPE_MASK
                        == b.cpusubtype & !crate::raw::CPU_SUBTYPE_MASK
                {
                    return Err(bad("a CPU type and subtype no other slice has"));
                }
                if a.size != 0 && b.size != 0 && a.offset < b.offset + b.size && b.offset < end {
                    return Err(bad("a slice that overlaps no other slice"));
                }
            }
        }
        Ok(())
    }

    fn entry_size(&self) -> u64 {
        match self.arches {
            Arches::Fat32(_) => size_of::<FatArch32>() as u64,
            Arches::Fat64(_) => size_of::<FatArch64>() as u64,
        }
    }

    /// Whether the table uses 64-bit offsets (`FAT_MAGIC_64`).
    pub fn is_64(&self) -> bool {
        matches!(self.arches, Arches::Fat64(_))
    }

    /// The magic number: `FAT_MAGIC` or `FAT_MAGIC_64`.
    pub fn magic(&self) -> u32 {
        if self.is_64() {
            FAT_MAGIC_64
        } else {
            FAT_MAGIC
        }
    }

    /// Number of slices.
    pub fn len(&self) -> usize {
        match self.arches {
            Arches::Fat32(a) => a.len(),
            Arches::Fat64(a) => a.len(),
        }
    }

    /// Whether the table lists no slice.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slice at `index` of the table.
    pub fn arch(&self, index: usize) -> Option<FatArch> {
        let e = Endianness::Big;
        let index32 = u32::try_from(index).ok()?;
        Some(match self.arches {
            Arches::Fat32(a) => {
                let a = a.get(index)?;
                FatArch {
                    index: index32,
                    cputype: a.cputype.get(e),
                    cpusubtype: a.cpusubtype.get(e),
                    offset: a.offset.get(e).into(),
                    size: a.size.get(e).into(),
                    align: a.align.get(e),
                    reserved: 0,
                }
            }
            Arches::Fat64(a) => {
                let a = a.get(index)?;
                FatArch {
                    index: index32,
                    cputype: a.cputype.get(e),
                    cpusubtype: a.cpusubtype.get(e),
                    offset: a.offset.get(e),
                    size: a.size.get(e),
                    align: a.align.get(e),
                    reserved: a.reserved.get(e),
                }
            }
        })
    }

    /// The slices in table order.
    pub fn arches(&self) -> impl Iterator<Item = FatArch> + '_ {
        (0..self.len()).filter_map(|i| self.arch(i))
    }

    /// The bytes of a slice. Slices from [`arches`](Self::arches) always lie inside the file.
    ///
    /// # Errors
    /// [`Error::Truncated`] for a hand-made [`FatArch`] that does not.
    pub fn slice_data(&self, arch: &FatArch) -> Result<&'data [u8]> {
        read::bytes(self.data, arch.offset, arch.size, "fat slice")
    }

    /// Parses a slice as a Mach-O file. Offsets in the slice's errors count from the start
    /// of the slice.
    ///
    /// # Errors
    /// Whatever [`MachO::parse`] finds wrong with the slice.
    pub fn macho(&self, arch: &FatArch) -> Result<MachO<'data>> {
        MachO::parse(self.slice_data(arch)?)
    }

    /// The first slice whose CPU type is `cputype` (and, if given, whose subtype without
    /// capability bits is `cpusubtype`).
    pub fn find(&self, cputype: i32, cpusubtype: Option<i32>) -> Option<FatArch> {
        self.arches().find(|a| {
            a.cputype == cputype
                && cpusubtype.is_none_or(|s| a.cpusubtype & !crate::raw::CPU_SUBTYPE_MASK == s)
        })
    }

    /// The whole file.
    pub fn data(&self) -> &'data [u8] {
        self.data
    }
}
