//! A thin Mach-O file ([`MachO`]) and the entry point for any file ([`File`]).

use crate::archive::Archive;
use crate::endian::Endianness;
use crate::error::{Error, Result};
use crate::fat::FatFile;
use crate::load_command::LoadCommands;
use crate::raw::{
    FAT_MAGIC, FAT_MAGIC_64, MH_CIGAM, MH_CIGAM_64, MH_MAGIC, MH_MAGIC_64, MachHeader32,
    MachHeader64,
};
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
    /// Size of the load commands.
    pub sizeofcmds: u32,
    /// `MH_*` flags.
    pub flags: u32,
    /// `mach_header_64`'s reserved field (0 for 32-bit files).
    pub reserved: u32,
}

/// A thin Mach-O file, viewed in place.
///
/// Parsing checks only the header and that the load commands fit in the file; each load
/// command is checked as it is read, so a damaged command is reported where it is.
#[derive(Clone, Copy, Debug)]
pub struct MachO<'data> {
    data: &'data [u8],
    endian: Endianness,
    is_64: bool,
    header: Header,
}

impl<'data> MachO<'data> {
    /// Parses the header of a thin Mach-O file.
    ///
    /// # Errors
    /// [`Error::BadMagic`] if `data` does not start with a Mach-O magic number,
    /// [`Error::Truncated`] if the header or the load commands do not fit.
    #[inline]
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        let raw = read::bytes(data, 0, 4, "magic number")?;
        let magic = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        let (endian, is_64) = match magic {
            MH_MAGIC => (Endianness::Big, false),
            MH_CIGAM => (Endianness::Little, false),
            MH_MAGIC_64 => (Endianness::Big, true),
            MH_CIGAM_64 => (Endianness::Little, true),
            _ => return Err(Error::BadMagic { offset: 0, magic }),
        };
        let e = endian;
        let header = if is_64 {
            let h: &MachHeader64 = read::pod(data, 0, "mach_header_64")?;
            Header {
                magic: h.magic.get(e),
                cputype: h.cputype.get(e),
                cpusubtype: h.cpusubtype.get(e),
                filetype: h.filetype.get(e),
                ncmds: h.ncmds.get(e),
                sizeofcmds: h.sizeofcmds.get(e),
                flags: h.flags.get(e),
                reserved: h.reserved.get(e),
            }
        } else {
            let h: &MachHeader32 = read::pod(data, 0, "mach_header")?;
            Header {
                magic: h.magic.get(e),
                cputype: h.cputype.get(e),
                cpusubtype: h.cpusubtype.get(e),
                filetype: h.filetype.get(e),
                ncmds: h.ncmds.get(e),
                sizeofcmds: h.sizeofcmds.get(e),
                flags: h.flags.get(e),
                reserved: 0,
            }
        };
        let file = MachO {
            data,
            endian,
            is_64,
            header,
        };
        read::bytes(
            data,
            file.header_size(),
            header.sizeofcmds.into(),
            "load commands",
        )?;
        Ok(file)
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
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Size of the header: 28 or 32 bytes.
    #[inline]
    pub fn header_size(&self) -> u64 {
        if self.is_64 {
            size_of::<MachHeader64>() as u64
        } else {
            size_of::<MachHeader32>() as u64
        }
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
    pub fn bytes_at(&self, offset: u64, len: u64, what: &'static str) -> Result<&'data [u8]> {
        read::bytes(self.data, offset, len, what)
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
