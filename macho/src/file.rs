//! A thin Mach-O file ([`MachO`]) and the entry point for any file ([`File`]).

use crate::archive::Archive;
use crate::endian::Endianness;
use crate::error::{Error, Result};
use crate::fat::FatFile;
use crate::load_command::LoadCommands;
use zerocopy::FromBytes;

use crate::raw::{FAT_MAGIC, FAT_MAGIC_64, MH_MAGIC, MH_MAGIC_64, MachHeader32, MachHeader64};
use crate::read;

/// A Mach-O file, a fat file or a static archive.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum File<'data> {
    /// A single Mach-O image.
    MachO(MachO<'data>),
    /// A fat (universal) file holding several.
    Fat(FatFile<'data>),
    /// A static archive (`.a`), whose members are usually Mach-O object files.
    Archive(Archive<'data>),
}

impl<'data> File<'data> {
    /// Parses `data` as a fat file, a thin Mach-O file or an archive, by its magic number.
    ///
    /// # Errors
    /// [`Error::BadMagic`] for anything else, and whatever [`FatFile::parse`] or
    /// [`MachO::parse`] finds wrong.
    #[inline]
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        if Archive::is_archive(data) {
            return Ok(File::Archive(Archive::parse(data)?));
        }
        let magic = read::bytes(data, 0, 4, "magic number")?;
        match u32::from_be_bytes([magic[0], magic[1], magic[2], magic[3]]) {
            FAT_MAGIC | FAT_MAGIC_64 => FatFile::parse(data).map(File::Fat),
            _ => MachO::parse(data).map(File::MachO),
        }
    }
}

/// The decoded header of a Mach-O file (`mach_header` or `mach_header_64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The magic number as it reads in the file's own byte order (`MH_MAGIC` or
    /// `MH_MAGIC_64`).
    pub magic: u32,
    /// CPU type (`CPU_TYPE_*`).
    pub cputype: i32,
    /// CPU subtype with capability bits.
    pub cpusubtype: i32,
    /// File type (`MH_*`).
    pub filetype: u32,
    /// Number of load commands.
    pub ncmds: u32,
    /// Size of the load commands (checked to fit in the file when they are walked).
    pub sizeofcmds: u32,
    /// `MH_*` flags.
    pub flags: u32,
    /// `mach_header_64`'s reserved field (0 for 32-bit files).
    pub reserved: u32,
}

/// A thin Mach-O file, viewed in place.
///
/// Parsing checks only the magic number and that the header fits. The header's fields are
/// decoded when asked for; the load commands are checked when they are walked (that they fit
/// in the file, then each command as it is reached), so a damaged command is reported where
/// it is, and reading the header alone costs nothing more.
#[derive(Clone, Copy, Debug)]
pub struct MachO<'data> {
    data: &'data [u8],
    /// The fields `mach_header` and `mach_header_64` share (the 64-bit one adds `reserved`).
    raw: &'data MachHeader32,
    endian: Endianness,
    is_64: bool,
}

// The magic test reads the width from the low bit.
const _: () = assert!(MH_MAGIC & 1 == 0 && MH_MAGIC_64 == MH_MAGIC | 1);

impl<'data> MachO<'data> {
    /// Parses the header of a thin Mach-O file.
    ///
    /// The load commands are not checked here: [`load_commands`](Self::load_commands) gives
    /// [`Error::Truncated`] (`"load commands"`) first if `sizeofcmds` runs past the end of the
    /// file, and so does every accessor that reads them.
    ///
    /// # Errors
    /// [`Error::BadMagic`] if `data` does not start with a Mach-O magic number,
    /// [`Error::Truncated`] if the header does not fit.
    // Always inlined: what a caller does not read of the header is then never decoded, and
    // the view is built in the caller's registers instead of returned through memory.
    #[inline(always)]
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        let Some(&magic) = data.first_chunk::<4>() else {
            return Err(short_header(data));
        };
        let (endian, is_64) = match magic_order(magic) {
            Some(order) => order,
            None => return Err(bad_magic(magic)),
        };
        if data.len() < header_size(is_64) {
            return Err(short_header(data));
        }
        // The whole header is there, so its common part is.
        let Ok((raw, _)) = MachHeader32::ref_from_prefix(data) else {
            return Err(short_header(data));
        };
        Ok(MachO {
            data,
            raw,
            endian,
            is_64,
        })
    }

    /// The file's bytes.
    pub fn data(&self) -> &'data [u8] {
        self.data
    }

    /// The file's byte order.
    pub fn endian(&self) -> Endianness {
        self.endian
    }

    /// Whether this is a 64-bit file (`MH_MAGIC_64`).
    pub fn is_64(&self) -> bool {
        self.is_64
    }

    /// The decoded header.
    #[inline]
    pub fn header(&self) -> Header {
        let (h, e) = (self.raw, self.endian);
        Header {
            magic: h.magic.get(e),
            cputype: h.cputype.get(e),
            cpusubtype: h.cpusubtype.get(e),
            filetype: h.filetype.get(e),
            ncmds: h.ncmds.get(e),
            sizeofcmds: h.sizeofcmds.get(e),
            flags: h.flags.get(e),
            reserved: if self.is_64 {
                // parse checked that the whole mach_header_64 is there.
                read::u32_at(self.data, size_of::<MachHeader32>(), e).unwrap_or(0)
            } else {
                0
            },
        }
    }

    /// Size of the header: 28 or 32 bytes.
    #[inline]
    pub fn header_size(&self) -> u64 {
        header_size(self.is_64) as u64
    }

    /// The load commands, in file order.
    #[inline]
    pub fn load_commands(&self) -> LoadCommands<'data> {
        LoadCommands::new(self)
    }

    /// `len` bytes at `offset` of the file.
    ///
    /// # Errors
    /// [`Error::Truncated`] if they are not all inside the file.
    #[inline]
    pub fn bytes_at(&self, offset: u64, len: u64, what: &'static str) -> Result<&'data [u8]> {
        read::bytes(self.data, offset, len, what)
    }
}

/// Size of `mach_header_64` or `mach_header`.
#[inline(always)]
fn header_size(is_64: bool) -> usize {
    if is_64 {
        size_of::<MachHeader64>()
    } else {
        size_of::<MachHeader32>()
    }
}

fn header_name(is_64: bool) -> &'static str {
    if is_64 {
        "mach_header_64"
    } else {
        "mach_header"
    }
}

/// The byte order and width a magic number (as its four bytes) gives, or `None` for no
/// Mach-O magic.
#[inline(always)]
fn magic_order(magic: [u8; 4]) -> Option<(Endianness, bool)> {
    // Little-endian files, by far the most common, take one test.
    let le = u32::from_le_bytes(magic);
    if le & !1 == MH_MAGIC {
        return Some((Endianness::Little, le & 1 != 0));
    }
    let be = u32::from_be_bytes(magic);
    (be & !1 == MH_MAGIC).then_some((Endianness::Big, be & 1 != 0))
}

/// The error for a magic number that is no Mach-O one.
#[cold]
fn bad_magic(magic: [u8; 4]) -> Error {
    Error::BadMagic {
        offset: 0,
        magic: u32::from_be_bytes(magic),
    }
}

/// The error for `data` too short for a header: its magic number cut, no Mach-O magic, or
/// the header its magic asks for cut.
#[cold]
fn short_header(data: &[u8]) -> Error {
    let Some(&magic) = data.first_chunk::<4>() else {
        return too_short(data, 4, "magic number");
    };
    match magic_order(magic) {
        Some((_, is_64)) => too_short(data, header_size(is_64), header_name(is_64)),
        None => bad_magic(magic),
    }
}

/// `data` is shorter than the `size` bytes of `what` at its start.
#[cold]
fn too_short(data: &[u8], size: usize, what: &'static str) -> Error {
    Error::Truncated {
        what,
        offset: 0,
        size: size as u64,
        available: data.len() as u64,
    }
}

impl<'data> MachO<'data> {
    /// The segment commands, in order. A load command that fails to parse is yielded as an
    /// error.
    pub fn segments(&self) -> impl Iterator<Item = Result<crate::segment::Segment<'data>>> + 'data {
        self.load_commands()
            .filter_map(|lc| match lc.and_then(|lc| lc.parse()) {
                Ok(crate::load_command::Command::Segment(s)) => Some(Ok(s)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
    }

    /// The first `linkedit_data_command` whose `cmd` is `cmd` (`LC_CODE_SIGNATURE`,
    /// `LC_DYLD_CHAINED_FIXUPS`, …), if any.
    ///
    /// # Errors
    /// A malformed load command.
    pub fn linkedit_data(&self, cmd: u32) -> Result<Option<crate::load_command::LinkeditData>> {
        for lc in self.load_commands() {
            let lc = lc?;
            if lc.cmd() == cmd
                && let crate::load_command::Command::LinkeditData(l) = lc.parse()?
            {
                return Ok(Some(l));
            }
        }
        Ok(None)
    }

    /// The first `LC_DYLD_INFO` or `LC_DYLD_INFO_ONLY`, if any.
    ///
    /// # Errors
    /// A malformed load command.
    pub fn dyld_info(&self) -> Result<Option<crate::load_command::DyldInfo>> {
        for lc in self.load_commands() {
            if let crate::load_command::Command::DyldInfo(d) = lc?.parse()? {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }
}
