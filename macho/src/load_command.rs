//! Load commands: the checked walk over them ([`LoadCommands`]) and their typed views
//! ([`Command`]).

use zerocopy::{FromBytes, Immutable, KnownLayout, Unaligned};

use crate::endian::Endianness;
use crate::error::{Error, Result};
use crate::file::MachO;
use crate::raw::{self, *};
use crate::read;
use crate::segment::Segment;

/// The load commands of a Mach-O file, in order.
///
/// The `sizeofcmds` area must fit in the file, or the walk's only item is an
/// [`Error::Truncated`] naming `"load commands"`. Each command is checked as it is reached:
/// its size must be at least 8, a multiple of 4, and inside the `sizeofcmds` area. The first
/// bad command is returned as an error and ends the walk, so a damaged file can never loop or
/// read past its end.
#[derive(Clone, Debug)]
pub struct LoadCommands<'data> {
    /// The part of the `sizeofcmds` area not walked yet.
    rest: &'data [u8],
    /// File offset of the end of the area (the next command's is `end - rest.len()`).
    end: u64,
    ncmds: u32,
    /// Commands not walked yet (the next one's index is `ncmds - remaining`).
    remaining: u32,
    endian: Endianness,
    is_64: bool,
    /// The area runs past the end of the file (`rest` is empty, the walk's one item is
    /// this error).
    area_error: Option<Error>,
}

impl<'data> LoadCommands<'data> {
    #[inline]
    pub(crate) fn new(file: &MachO<'data>) -> Self {
        let base = file.header_size();
        let header = file.header();
        // MachO::parse checked that the header fits; the area after it is checked here.
        let area = file
            .data()
            .get(base as usize..)
            .and_then(|after| after.get(..header.sizeofcmds as usize));
        let (rest, area_error, ncmds) = match area {
            Some(rest) => (rest, None, header.ncmds),
            None => {
                let error = area_error(base, header.sizeofcmds, file.data().len());
                (&[][..], Some(error), 1)
            }
        };
        LoadCommands {
            rest,
            end: base + rest.len() as u64,
            ncmds,
            remaining: ncmds,
            endian: file.endian(),
            is_64: file.is_64(),
            area_error,
        }
    }
}

/// The error for load command `index` at file offset `offset`.
#[cold]
fn bad_command(index: u32, cmd: u32, offset: u64, expected: &'static str) -> Error {
    Error::BadLoadCommand {
        index,
        cmd,
        offset,
        expected,
    }
}

/// The `sizeofcmds` bytes of load commands at file offset `base` run past the end of the
/// file's `len` bytes.
#[cold]
fn area_error(base: u64, sizeofcmds: u32, len: usize) -> Error {
    Error::Truncated {
        what: "load commands",
        offset: base,
        size: sizeofcmds.into(),
        available: (len as u64).saturating_sub(base),
    }
}

impl<'data> Iterator for LoadCommands<'data> {
    type Item = Result<LoadCommand<'data>>;

    // Always inlined: a walk is then a tight loop over the area in the caller, with the
    // iterator's state in registers (the error paths are calls to cold functions).
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        // Derived rather than counted: the walk carries no counters it does not test.
        let index = self.ncmds - self.remaining;
        let offset = self.end - self.rest.len() as u64;
        let Ok((header, _)) = LoadCommandHeader::ref_from_prefix(self.rest) else {
            self.remaining = 0;
            let e = self.area_error.take().unwrap_or_else(|| {
                bad_command(index, 0, offset, "a load command header inside sizeofcmds")
            });
            return Some(Err(e));
        };
        let cmd = header.cmd.get(self.endian);
        let cmdsize = header.cmdsize.get(self.endian);
        if cmdsize < 8 {
            self.remaining = 0;
            return Some(Err(bad_command(
                index,
                cmd,
                offset,
                "cmdsize of at least 8",
            )));
        }
        if cmdsize & 3 != 0 {
            self.remaining = 0;
            return Some(Err(bad_command(
                index,
                cmd,
                offset,
                "cmdsize a multiple of 4",
            )));
        }
        let Some((bytes, rest)) = self.rest.split_at_checked(cmdsize as usize) else {
            self.remaining = 0;
            let e = bad_command(index, cmd, offset, "cmdsize that ends inside sizeofcmds");
            return Some(Err(e));
        };
        let command = LoadCommand {
            index,
            offset,
            cmd,
            bytes,
            endian: self.endian,
            is_64: self.is_64,
        };
        self.rest = rest;
        self.remaining -= 1;
        Some(Ok(command))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }
}

impl core::iter::FusedIterator for LoadCommands<'_> {}

/// One load command: its type, position and bytes. [`parse`](Self::parse) gives the typed
/// view.
#[derive(Clone, Copy, Debug)]
pub struct LoadCommand<'data> {
    index: u32,
    offset: u64,
    cmd: u32,
    bytes: &'data [u8],
    endian: Endianness,
    is_64: bool,
}

impl<'data> LoadCommand<'data> {
    /// Position among the load commands (0-based).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// File offset of the command.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The command type (`LC_*`).
    pub fn cmd(&self) -> u32 {
        self.cmd
    }

    /// The command's size (`cmdsize`).
    pub fn cmdsize(&self) -> u32 {
        // The walk made `bytes` exactly cmdsize long, and cmdsize is a u32.
        self.bytes.len() as u32
    }

    /// All `cmdsize` bytes of the command.
    pub fn bytes(&self) -> &'data [u8] {
        self.bytes
    }

    /// The file's byte order.
    pub fn endian(&self) -> Endianness {
        self.endian
    }

    #[cold]
    fn error(&self, expected: &'static str) -> Error {
        Error::BadLoadCommand {
            index: self.index,
            cmd: self.cmd,
            offset: self.offset,
            expected,
        }
    }

    /// The command's fixed part as `T`; `expected` says what was needed if it is too short.
    #[inline]
    fn fixed<T>(&self, expected: &'static str) -> Result<&'data T>
    where
        T: FromBytes + KnownLayout + Immutable + Unaligned,
    {
        read::pod(self.bytes, 0, "load command").map_err(|_| self.error(expected))
    }

    #[inline]
    fn str_at(&self, offset: u32, fixed: usize) -> LcStr<'data> {
        LcStr {
            command: self.bytes,
            at: self.offset,
            offset,
            fixed: fixed as u32,
        }
    }

    /// Decodes the command into its typed view.
    ///
    /// # Errors
    /// [`Error::BadLoadCommand`] when the command is too small for its type or its
    /// trailing arrays do not fit in it.
    // Always inlined: the typed view is then built where the caller keeps it. Returned from
    // a call, the 56-byte result is written field by field and read back in wider words,
    // which stalls store forwarding; inlining halved the time of a load-command walk.
    #[inline(always)]
    pub fn parse(&self) -> Result<Command<'data>> {
        let e = self.endian;
        Ok(match self.cmd {
            LC_SEGMENT => {
                let s: &SegmentCommand32 = self.fixed("cmdsize of at least 56 for LC_SEGMENT")?;
                let n = s.nsects.get(e);
                let sections = read::slice(self.bytes, 56, n.into(), "sections")
                    .map_err(|_| self.error("cmdsize that holds nsects sections"))?;
                Command::Segment(Segment::new32(s, sections, e))
            }
            LC_SEGMENT_64 => {
                let s: &SegmentCommand64 =
                    self.fixed("cmdsize of at least 72 for LC_SEGMENT_64")?;
                let n = s.nsects.get(e);
                let sections = read::slice(self.bytes, 72, n.into(), "sections")
                    .map_err(|_| self.error("cmdsize that holds nsects sections"))?;
                Command::Segment(Segment::new64(s, sections, e))
            }
            LC_SYMTAB => {
                let s: &SymtabCommand = self.fixed("cmdsize of 24 for LC_SYMTAB")?;
                Command::Symtab(Symtab {
                    symoff: s.symoff.get(e),
                    nsyms: s.nsyms.get(e),
                    stroff: s.stroff.get(e),
                    strsize: s.strsize.get(e),
                })
            }
            LC_DYSYMTAB => {
                let raw: &DysymtabCommand = self.fixed("cmdsize of 80 for LC_DYSYMTAB")?;
                Command::Dysymtab(Dysymtab { raw, endian: e })
            }
            LC_LOAD_DYLIB | LC_LOAD_WEAK_DYLIB | LC_REEXPORT_DYLIB | LC_LAZY_LOAD_DYLIB
            | LC_LOAD_UPWARD_DYLIB | LC_ID_DYLIB => {
                let d: &DylibCommand = self.fixed("cmdsize of at least 24 for a dylib command")?;
                let timestamp = d.timestamp.get(e);
                let name = d.name.get(e);
                // A dylib_use_command has the marker where the time stamp was, and its flags
                // after the versions.
                let use_flags = if timestamp == DYLIB_USE_MARKER && self.cmd != LC_ID_DYLIB {
                    read::pod::<DylibUseCommand>(self.bytes, 0, "dylib_use_command")
                        .ok()
                        .filter(|_| name as usize >= size_of::<DylibUseCommand>())
                        .map(|u| u.flags.get(e))
                } else {
                    None
                };
                Command::Dylib(Dylib {
                    kind: DylibKind::from_cmd(self.cmd),
                    name: self.str_at(name, size_of::<DylibCommand>()),
                    timestamp,
                    current_version: d.current_version.get(e),
                    compatibility_version: d.compatibility_version.get(e),
                    use_flags,
                })
            }
            LC_LOAD_DYLINKER | LC_ID_DYLINKER | LC_DYLD_ENVIRONMENT => {
                let d: &DylinkerCommand =
                    self.fixed("cmdsize of at least 12 for a dylinker command")?;
                Command::Dylinker(self.str_at(d.name.get(e), 12))
            }
            LC_RPATH => {
                let r: &RpathCommand = self.fixed("cmdsize of at least 12 for LC_RPATH")?;
                Command::Rpath(self.str_at(r.path.get(e), 12))
            }
            LC_SUB_FRAMEWORK | LC_SUB_UMBRELLA | LC_SUB_CLIENT | LC_SUB_LIBRARY => {
                let s: &SubCommand = self.fixed("cmdsize of at least 12 for a sub command")?;
                Command::Sub(self.str_at(s.name.get(e), 12))
            }
            LC_TARGET_TRIPLE => {
                let t: &TargetTripleCommand =
                    self.fixed("cmdsize of at least 12 for LC_TARGET_TRIPLE")?;
                Command::TargetTriple(self.str_at(t.triple.get(e), 12))
            }
            LC_UUID => {
                let u: &UuidCommand = self.fixed("cmdsize of 24 for LC_UUID")?;
                Command::Uuid(u.uuid)
            }
            LC_CODE_SIGNATURE
            | LC_SEGMENT_SPLIT_INFO
            | LC_FUNCTION_STARTS
            | LC_DATA_IN_CODE
            | LC_DYLIB_CODE_SIGN_DRS
            | LC_LINKER_OPTIMIZATION_HINT
            | LC_DYLD_EXPORTS_TRIE
            | LC_DYLD_CHAINED_FIXUPS
            | LC_ATOM_INFO
            | LC_FUNCTION_VARIANTS
            | LC_FUNCTION_VARIANT_FIXUPS => {
                let l: &LinkeditDataCommand =
                    self.fixed("cmdsize of 16 for a linkedit data command")?;
                Command::LinkeditData(LinkeditData {
                    dataoff: l.dataoff.get(e),
                    datasize: l.datasize.get(e),
                })
            }
            LC_ENCRYPTION_INFO => {
                let c: &EncryptionInfoCommand32 =
                    self.fixed("cmdsize of 20 for LC_ENCRYPTION_INFO")?;
                Command::EncryptionInfo(EncryptionInfo {
                    cryptoff: c.cryptoff.get(e),
                    cryptsize: c.cryptsize.get(e),
                    cryptid: c.cryptid.get(e),
                    pad: None,
                })
            }
            LC_ENCRYPTION_INFO_64 => {
                let c: &EncryptionInfoCommand64 =
                    self.fixed("cmdsize of 24 for LC_ENCRYPTION_INFO_64")?;
                Command::EncryptionInfo(EncryptionInfo {
                    cryptoff: c.cryptoff.get(e),
                    cryptsize: c.cryptsize.get(e),
                    cryptid: c.cryptid.get(e),
                    pad: Some(c.pad.get(e)),
                })
            }
            LC_VERSION_MIN_MACOSX
            | LC_VERSION_MIN_IPHONEOS
            | LC_VERSION_MIN_TVOS
            | LC_VERSION_MIN_WATCHOS => {
                let v: &VersionMinCommand =
                    self.fixed("cmdsize of 16 for a version-min command")?;
                Command::VersionMin(VersionMin {
                    version: v.version.get(e),
                    sdk: v.sdk.get(e),
                })
            }
            LC_BUILD_VERSION => {
                let b: &BuildVersionCommand =
                    self.fixed("cmdsize of at least 24 for LC_BUILD_VERSION")?;
                let ntools = b.ntools.get(e);
                let tools = read::slice(self.bytes, 24, ntools.into(), "build tools")
                    .map_err(|_| self.error("cmdsize that holds ntools tool entries"))?;
                Command::BuildVersion(BuildVersion {
                    platform: b.platform.get(e),
                    minos: b.minos.get(e),
                    sdk: b.sdk.get(e),
                    tools: BuildTools {
                        raw: tools,
                        endian: e,
                    },
                })
            }
            LC_DYLD_INFO | LC_DYLD_INFO_ONLY => {
                let d: &DyldInfoCommand = self.fixed("cmdsize of 48 for LC_DYLD_INFO")?;
                Command::DyldInfo(DyldInfo {
                    rebase_off: d.rebase_off.get(e),
                    rebase_size: d.rebase_size.get(e),
                    bind_off: d.bind_off.get(e),
                    bind_size: d.bind_size.get(e),
                    weak_bind_off: d.weak_bind_off.get(e),
                    weak_bind_size: d.weak_bind_size.get(e),
                    lazy_bind_off: d.lazy_bind_off.get(e),
                    lazy_bind_size: d.lazy_bind_size.get(e),
                    export_off: d.export_off.get(e),
                    export_size: d.export_size.get(e),
                })
            }
            LC_MAIN => {
                let m: &EntryPointCommand = self.fixed("cmdsize of 24 for LC_MAIN")?;
                Command::Main(EntryPoint {
                    entryoff: m.entryoff.get(e),
                    stacksize: m.stacksize.get(e),
                })
            }
            LC_SOURCE_VERSION => {
                let s: &SourceVersionCommand = self.fixed("cmdsize of 16 for LC_SOURCE_VERSION")?;
                Command::SourceVersion(s.version.get(e))
            }
            LC_THREAD | LC_UNIXTHREAD => Command::Thread(ThreadStates {
                data: &self.bytes[8..],
                endian: e,
            }),
            LC_LINKER_OPTION => {
                let l: &LinkerOptionCommand =
                    self.fixed("cmdsize of at least 12 for LC_LINKER_OPTION")?;
                Command::LinkerOption(LinkerOptions {
                    count: l.count.get(e),
                    strings: &self.bytes[12..],
                })
            }
            LC_NOTE => {
                let n: &NoteCommand = self.fixed("cmdsize of 40 for LC_NOTE")?;
                Command::Note(Note {
                    data_owner: n.data_owner,
                    offset: n.offset.get(e),
                    size: n.size.get(e),
                })
            }
            LC_FILESET_ENTRY => {
                let f: &FilesetEntryCommand =
                    self.fixed("cmdsize of at least 32 for LC_FILESET_ENTRY")?;
                Command::FilesetEntry(FilesetEntry {
                    vmaddr: f.vmaddr.get(e),
                    fileoff: f.fileoff.get(e),
                    entry_id: self.str_at(f.entry_id.get(e), 32),
                    reserved: f.reserved.get(e),
                })
            }
            LC_ROUTINES => {
                let r: &RoutinesCommand32 = self.fixed("cmdsize of 40 for LC_ROUTINES")?;
                Command::Routines(Routines {
                    raw: RawRoutines::R32(r),
                    endian: e,
                })
            }
            LC_ROUTINES_64 => {
                let r: &RoutinesCommand64 = self.fixed("cmdsize of 72 for LC_ROUTINES_64")?;
                Command::Routines(Routines {
                    raw: RawRoutines::R64(r),
                    endian: e,
                })
            }
            LC_TWOLEVEL_HINTS => {
                let t: &TwolevelHintsCommand = self.fixed("cmdsize of 16 for LC_TWOLEVEL_HINTS")?;
                Command::TwolevelHints(TwolevelHints {
                    offset: t.offset.get(e),
                    nhints: t.nhints.get(e),
                })
            }
            LC_PREBIND_CKSUM => {
                let p: &PrebindCksumCommand = self.fixed("cmdsize of 12 for LC_PREBIND_CKSUM")?;
                Command::PrebindCksum(p.cksum.get(e))
            }
            LC_PREBOUND_DYLIB => {
                let p: &PreboundDylibCommand =
                    self.fixed("cmdsize of at least 20 for LC_PREBOUND_DYLIB")?;
                Command::PreboundDylib(PreboundDylib {
                    command: self.bytes,
                    at: self.offset,
                    raw: p,
                    endian: e,
                })
            }
            LC_LOADFVMLIB | LC_IDFVMLIB => {
                let f: &FvmlibCommand =
                    self.fixed("cmdsize of at least 20 for an fvmlib command")?;
                Command::Fvmlib(Fvmlib {
                    name: self.str_at(f.name.get(e), 20),
                    minor_version: f.minor_version.get(e),
                    header_addr: f.header_addr.get(e),
                })
            }
            LC_FVMFILE => {
                let f: &FvmfileCommand = self.fixed("cmdsize of at least 16 for LC_FVMFILE")?;
                Command::Fvmfile(Fvmfile {
                    name: self.str_at(f.name.get(e), 16),
                    header_addr: f.header_addr.get(e),
                })
            }
            LC_SYMSEG => {
                let s: &SymsegCommand = self.fixed("cmdsize of 16 for LC_SYMSEG")?;
                Command::Symseg(Symseg {
                    offset: s.offset.get(e),
                    size: s.size.get(e),
                })
            }
            LC_IDENT => Command::Ident(&self.bytes[8..]),
            _ => Command::Other(&self.bytes[8..]),
        })
    }

    /// Whether the command belongs to a 64-bit file.
    pub fn is_64(&self) -> bool {
        self.is_64
    }
}

/// A load command decoded by type. Which `LC_*` values each variant covers is in its
/// documentation; [`LoadCommand::cmd`] tells them apart where one variant covers several.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Command<'data> {
    /// `LC_SEGMENT`, `LC_SEGMENT_64`.
    Segment(Segment<'data>),
    /// `LC_SYMTAB`.
    Symtab(Symtab),
    /// `LC_DYSYMTAB`.
    Dysymtab(Dysymtab<'data>),
    /// `LC_ID_DYLIB`, `LC_LOAD_DYLIB`, `LC_LOAD_WEAK_DYLIB`, `LC_REEXPORT_DYLIB`,
    /// `LC_LAZY_LOAD_DYLIB`, `LC_LOAD_UPWARD_DYLIB`.
    Dylib(Dylib<'data>),
    /// `LC_LOAD_DYLINKER`, `LC_ID_DYLINKER`, `LC_DYLD_ENVIRONMENT`: the path (or, for the
    /// last, the `NAME=value` string).
    Dylinker(LcStr<'data>),
    /// `LC_RPATH`: the search directory.
    Rpath(LcStr<'data>),
    /// `LC_SUB_FRAMEWORK`, `LC_SUB_UMBRELLA`, `LC_SUB_CLIENT`, `LC_SUB_LIBRARY`: the name.
    Sub(LcStr<'data>),
    /// `LC_TARGET_TRIPLE`: the triple.
    TargetTriple(LcStr<'data>),
    /// `LC_UUID`.
    Uuid([u8; 16]),
    /// `LC_CODE_SIGNATURE`, `LC_SEGMENT_SPLIT_INFO`, `LC_FUNCTION_STARTS`, `LC_DATA_IN_CODE`,
    /// `LC_DYLIB_CODE_SIGN_DRS`, `LC_LINKER_OPTIMIZATION_HINT`, `LC_DYLD_EXPORTS_TRIE`,
    /// `LC_DYLD_CHAINED_FIXUPS`, `LC_ATOM_INFO`, `LC_FUNCTION_VARIANTS`,
    /// `LC_FUNCTION_VARIANT_FIXUPS`.
    LinkeditData(LinkeditData),
    /// `LC_ENCRYPTION_INFO`, `LC_ENCRYPTION_INFO_64`.
    EncryptionInfo(EncryptionInfo),
    /// `LC_VERSION_MIN_MACOSX`, `LC_VERSION_MIN_IPHONEOS`, `LC_VERSION_MIN_TVOS`,
    /// `LC_VERSION_MIN_WATCHOS`.
    VersionMin(VersionMin),
    /// `LC_BUILD_VERSION`.
    BuildVersion(BuildVersion<'data>),
    /// `LC_DYLD_INFO`, `LC_DYLD_INFO_ONLY`.
    DyldInfo(DyldInfo),
    /// `LC_MAIN`.
    Main(EntryPoint),
    /// `LC_SOURCE_VERSION`: `A.B.C.D.E` packed in 24.10.10.10.10 bits.
    SourceVersion(u64),
    /// `LC_THREAD`, `LC_UNIXTHREAD`.
    Thread(ThreadStates<'data>),
    /// `LC_LINKER_OPTION`.
    LinkerOption(LinkerOptions<'data>),
    /// `LC_NOTE`.
    Note(Note),
    /// `LC_FILESET_ENTRY`.
    FilesetEntry(FilesetEntry<'data>),
    /// `LC_ROUTINES`, `LC_ROUTINES_64`.
    Routines(Routines<'data>),
    /// `LC_TWOLEVEL_HINTS`.
    TwolevelHints(TwolevelHints),
    /// `LC_PREBIND_CKSUM`: the checksum.
    PrebindCksum(u32),
    /// `LC_PREBOUND_DYLIB`.
    PreboundDylib(PreboundDylib<'data>),
    /// `LC_LOADFVMLIB`, `LC_IDFVMLIB`.
    Fvmlib(Fvmlib<'data>),
    /// `LC_FVMFILE`.
    Fvmfile(Fvmfile<'data>),
    /// `LC_SYMSEG`.
    Symseg(Symseg),
    /// `LC_IDENT`: the bytes after the command header.
    Ident(&'data [u8]),
    /// Any other command (including `LC_PREPAGE`): the bytes after the command header.
    Other(&'data [u8]),
}

/// A string inside a load command (`union lc_str`): an offset from the command's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LcStr<'data> {
    command: &'data [u8],
    /// The command's offset in the file (for errors).
    at: u64,
    offset: u32,
    fixed: u32,
}

impl<'data> LcStr<'data> {
    /// The offset of the string from the start of its command.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// The string, up to its NUL or the end of the command.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the offset points into the command's fixed part or past its
    /// end.
    pub fn bytes(&self) -> Result<&'data [u8]> {
        let offset = self.offset as usize;
        if offset < self.fixed as usize || offset >= self.command.len() {
            return Err(Error::Malformed {
                what: "load command string",
                offset: self.at.wrapping_add(self.offset.into()),
                expected: "an offset past the command's fixed part and inside the command",
            });
        }
        Ok(read::c_str(&self.command[offset..]))
    }
}

/// `LC_SYMTAB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symtab {
    /// File offset of the nlist array.
    pub symoff: u32,
    /// Number of symbols.
    pub nsyms: u32,
    /// File offset of the string table.
    pub stroff: u32,
    /// Size of the string table.
    pub strsize: u32,
}

/// `LC_DYSYMTAB`, viewed in place.
#[derive(Clone, Copy, Debug)]
pub struct Dysymtab<'data> {
    raw: &'data DysymtabCommand,
    endian: Endianness,
}

macro_rules! dysymtab_field {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[inline]
        pub fn $name(&self) -> u32 {
            self.raw.$name.get(self.endian)
        }
    };
}

impl Dysymtab<'_> {
    dysymtab_field!(
        /// Index of the first local symbol.
        ilocalsym
    );
    dysymtab_field!(
        /// Number of local symbols.
        nlocalsym
    );
    dysymtab_field!(
        /// Index of the first defined external symbol.
        iextdefsym
    );
    dysymtab_field!(
        /// Number of defined external symbols.
        nextdefsym
    );
    dysymtab_field!(
        /// Index of the first undefined symbol.
        iundefsym
    );
    dysymtab_field!(
        /// Number of undefined symbols.
        nundefsym
    );
    dysymtab_field!(
        /// File offset of the table of contents.
        tocoff
    );
    dysymtab_field!(
        /// Number of table-of-contents entries.
        ntoc
    );
    dysymtab_field!(
        /// File offset of the module table.
        modtaboff
    );
    dysymtab_field!(
        /// Number of module table entries.
        nmodtab
    );
    dysymtab_field!(
        /// File offset of the referenced-symbol table.
        extrefsymoff
    );
    dysymtab_field!(
        /// Number of referenced-symbol entries.
        nextrefsyms
    );
    dysymtab_field!(
        /// File offset of the indirect symbol table.
        indirectsymoff
    );
    dysymtab_field!(
        /// Number of indirect symbol table entries.
        nindirectsyms
    );
    dysymtab_field!(
        /// File offset of the external relocations.
        extreloff
    );
    dysymtab_field!(
        /// Number of external relocations.
        nextrel
    );
    dysymtab_field!(
        /// File offset of the local relocations.
        locreloff
    );
    dysymtab_field!(
        /// Number of local relocations.
        nlocrel
    );
}

/// Which dylib command a [`Dylib`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DylibKind {
    /// `LC_ID_DYLIB`: the library's own name.
    Id,
    /// `LC_LOAD_DYLIB`.
    Load,
    /// `LC_LOAD_WEAK_DYLIB`.
    Weak,
    /// `LC_REEXPORT_DYLIB`.
    Reexport,
    /// `LC_LAZY_LOAD_DYLIB`.
    Lazy,
    /// `LC_LOAD_UPWARD_DYLIB`.
    Upward,
}

impl DylibKind {
    fn from_cmd(cmd: u32) -> Self {
        match cmd {
            LC_ID_DYLIB => DylibKind::Id,
            LC_LOAD_WEAK_DYLIB => DylibKind::Weak,
            LC_REEXPORT_DYLIB => DylibKind::Reexport,
            LC_LAZY_LOAD_DYLIB => DylibKind::Lazy,
            LC_LOAD_UPWARD_DYLIB => DylibKind::Upward,
            _ => DylibKind::Load,
        }
    }
}

/// A dylib command: the library's identity or a dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dylib<'data> {
    /// Which command this is.
    pub kind: DylibKind,
    /// The install name.
    pub name: LcStr<'data>,
    /// The time stamp (or `DYLIB_USE_MARKER` in the newer form).
    pub timestamp: u32,
    /// Current version, packed `xxxx.yy.zz`.
    pub current_version: u32,
    /// Compatibility version, packed `xxxx.yy.zz`.
    pub compatibility_version: u32,
    /// `DYLIB_USE_*` flags of a `dylib_use_command` (the newer form of a dependency).
    pub use_flags: Option<u32>,
}

/// A `linkedit_data_command`: a blob in `__LINKEDIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkeditData {
    /// File offset of the data.
    pub dataoff: u32,
    /// Size of the data.
    pub datasize: u32,
}

/// `LC_ENCRYPTION_INFO` or `LC_ENCRYPTION_INFO_64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncryptionInfo {
    /// File offset of the encrypted range.
    pub cryptoff: u32,
    /// Size of the encrypted range.
    pub cryptsize: u32,
    /// Encryption system; 0 means not encrypted yet.
    pub cryptid: u32,
    /// The padding field of the 64-bit form.
    pub pad: Option<u32>,
}

/// A version-min command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionMin {
    /// Minimum OS version, packed `xxxx.yy.zz`.
    pub version: u32,
    /// SDK version, packed `xxxx.yy.zz`.
    pub sdk: u32,
}

/// `LC_BUILD_VERSION`.
#[derive(Clone, Copy, Debug)]
pub struct BuildVersion<'data> {
    /// `PLATFORM_*`.
    pub platform: u32,
    /// Minimum OS version, packed `xxxx.yy.zz`.
    pub minos: u32,
    /// SDK version, packed `xxxx.yy.zz`.
    pub sdk: u32,
    /// The tools that built the file.
    pub tools: BuildTools<'data>,
}

/// The tool entries of an `LC_BUILD_VERSION`: `(TOOL_*, version)` pairs.
#[derive(Clone, Copy, Debug)]
pub struct BuildTools<'data> {
    raw: &'data [BuildToolVersion],
    endian: Endianness,
}

impl<'data> BuildTools<'data> {
    /// Number of tools.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// `(tool, version)` pairs in command order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, u32)> + 'data {
        let e = self.endian;
        self.raw
            .iter()
            .map(move |t| (t.tool.get(e), t.version.get(e)))
    }
}

/// `LC_DYLD_INFO` or `LC_DYLD_INFO_ONLY`: where the compressed dyld information is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DyldInfo {
    /// File offset of the rebase opcodes.
    pub rebase_off: u32,
    /// Size of the rebase opcodes.
    pub rebase_size: u32,
    /// File offset of the bind opcodes.
    pub bind_off: u32,
    /// Size of the bind opcodes.
    pub bind_size: u32,
    /// File offset of the weak-bind opcodes.
    pub weak_bind_off: u32,
    /// Size of the weak-bind opcodes.
    pub weak_bind_size: u32,
    /// File offset of the lazy-bind opcodes.
    pub lazy_bind_off: u32,
    /// Size of the lazy-bind opcodes.
    pub lazy_bind_size: u32,
    /// File offset of the exports trie.
    pub export_off: u32,
    /// Size of the exports trie.
    pub export_size: u32,
}

/// `LC_MAIN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryPoint {
    /// Offset of `main` from the start of `__TEXT`'s file image.
    pub entryoff: u64,
    /// Initial stack size, or 0 for the default.
    pub stacksize: u64,
}

/// The thread states of an `LC_THREAD` or `LC_UNIXTHREAD`: `(flavor, count, state)` triples.
#[derive(Clone, Copy, Debug)]
pub struct ThreadStates<'data> {
    data: &'data [u8],
    endian: Endianness,
}

/// One thread state of a [`ThreadStates`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadState<'data> {
    /// Offset of the `flavor` field from the start of the command.
    pub offset: u32,
    /// The flavor (`x86_THREAD_STATE64`, `ARM_THREAD_STATE64`, …).
    pub flavor: u32,
    /// The state's size in 32-bit words, as the command says.
    pub count: u32,
    /// The state's bytes (`count * 4` of them, or fewer if the command ends first).
    pub state: &'data [u8],
}

impl<'data> ThreadStates<'data> {
    /// The states in order. A state whose `count` runs past the command is yielded with the
    /// bytes that are there, and ends the walk.
    pub fn iter(&self) -> impl Iterator<Item = ThreadState<'data>> + 'data {
        let (data, e) = (self.data, self.endian);
        let mut at = 0usize;
        core::iter::from_fn(move || {
            let header = data.get(at..at.checked_add(8)?)?;
            let (flavor, count) = (read::u32_at(header, 0, e)?, read::u32_at(header, 4, e)?);
            let start = at + 8;
            let want = (count as usize).saturating_mul(4);
            let end = start.saturating_add(want).min(data.len());
            let item = ThreadState {
                offset: (at + 8) as u32,
                flavor,
                count,
                state: &data[start..end],
            };
            at = if end - start < want { data.len() } else { end };
            Some(item)
        })
    }

    /// The initial program counter, read from the first state that holds one for `cputype`:
    /// `rip` of `x86_THREAD_STATE64`, `eip` of `x86_THREAD_STATE32`, `pc` of
    /// `ARM_THREAD_STATE64` or of 32-bit `ARM_THREAD_STATE` (also inside the tagged
    /// `x86_THREAD_STATE`).
    pub fn entry_pc(&self, cputype: i32) -> Option<u64> {
        use crate::thread_state::ThreadStateView as V;
        let e = self.endian;
        let tagged_is = |hdr: &X86StateHdr, flavor: u32| hdr.flavor.get(e) as u32 == flavor;
        self.iter().find_map(|t| match (cputype, t.view(cputype)) {
            (CPU_TYPE_X86_64, V::X86ThreadState64(s)) => Some(s.rip.get(e)),
            (CPU_TYPE_X86_64, V::X86ThreadState(s)) if tagged_is(&s.tsh, X86_THREAD_STATE64) => {
                Some(s.ts64().rip.get(e))
            }
            (CPU_TYPE_I386, V::X86ThreadState32(s)) => Some(s.eip.get(e).into()),
            (CPU_TYPE_I386, V::X86ThreadState(s)) if tagged_is(&s.tsh, X86_THREAD_STATE32) => {
                s.ts32().map(|s| s.eip.get(e).into())
            }
            (_, V::ArmThreadState64(s)) => Some(s.pc.get(e)),
            (CPU_TYPE_ARM, V::ArmThreadState32(s)) if t.flavor == ARM_THREAD_STATE => {
                Some(s.pc.get(e).into())
            }
            _ => None,
        })
    }
}

/// `LC_LINKER_OPTION`: NUL-terminated options.
#[derive(Clone, Copy, Debug)]
pub struct LinkerOptions<'data> {
    /// The number of strings the command says it holds.
    pub count: u32,
    /// The bytes after the fixed part.
    pub strings: &'data [u8],
}

impl<'data> LinkerOptions<'data> {
    /// The strings actually present (at most `count`).
    pub fn iter(&self) -> impl Iterator<Item = &'data [u8]> + 'data {
        let mut rest = self.strings;
        let mut left = self.count;
        core::iter::from_fn(move || {
            if left == 0 || rest.is_empty() {
                return None;
            }
            let s = read::c_str(rest);
            rest = rest.get(s.len() + 1..).unwrap_or(&[]);
            left -= 1;
            Some(s)
        })
    }
}

/// `LC_NOTE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Note {
    /// Owner name, NUL-padded.
    pub data_owner: [u8; 16],
    /// File offset of the data.
    pub offset: u64,
    /// Size of the data.
    pub size: u64,
}

/// `LC_FILESET_ENTRY`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilesetEntry<'data> {
    /// Memory address of the entry.
    pub vmaddr: u64,
    /// File offset of the entry.
    pub fileoff: u64,
    /// The entry's name.
    pub entry_id: LcStr<'data>,
    /// Reserved.
    pub reserved: u32,
}

/// `LC_ROUTINES` or `LC_ROUTINES_64`, viewed in place.
#[derive(Clone, Copy, Debug)]
pub struct Routines<'data> {
    raw: RawRoutines<'data>,
    endian: Endianness,
}

#[derive(Clone, Copy, Debug)]
enum RawRoutines<'data> {
    R32(&'data RoutinesCommand32),
    R64(&'data RoutinesCommand64),
}

impl Routines<'_> {
    /// Whether this is an `LC_ROUTINES_64`.
    pub fn is_64(&self) -> bool {
        matches!(self.raw, RawRoutines::R64(_))
    }

    /// Address of the initialisation routine.
    pub fn init_address(&self) -> u64 {
        match self.raw {
            RawRoutines::R32(r) => r.init_address.get(self.endian).into(),
            RawRoutines::R64(r) => r.init_address.get(self.endian),
        }
    }

    /// Index of the module that holds it.
    pub fn init_module(&self) -> u64 {
        match self.raw {
            RawRoutines::R32(r) => r.init_module.get(self.endian).into(),
            RawRoutines::R64(r) => r.init_module.get(self.endian),
        }
    }

    /// The six reserved fields.
    pub fn reserved(&self) -> [u64; 6] {
        let e = self.endian;
        match self.raw {
            RawRoutines::R32(r) => [
                r.reserved1,
                r.reserved2,
                r.reserved3,
                r.reserved4,
                r.reserved5,
                r.reserved6,
            ]
            .map(|x| x.get(e).into()),
            RawRoutines::R64(r) => [
                r.reserved1,
                r.reserved2,
                r.reserved3,
                r.reserved4,
                r.reserved5,
                r.reserved6,
            ]
            .map(|x| x.get(e)),
        }
    }
}

/// `LC_TWOLEVEL_HINTS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwolevelHints {
    /// File offset of the hints.
    pub offset: u32,
    /// Number of hints.
    pub nhints: u32,
}

/// `LC_PREBOUND_DYLIB`, viewed in place.
#[derive(Clone, Copy, Debug)]
pub struct PreboundDylib<'data> {
    command: &'data [u8],
    at: u64,
    raw: &'data PreboundDylibCommand,
    endian: Endianness,
}

impl<'data> PreboundDylib<'data> {
    /// The library's path.
    pub fn name(&self) -> LcStr<'data> {
        LcStr {
            command: self.command,
            at: self.at,
            offset: self.raw.name.get(self.endian),
            fixed: 20,
        }
    }

    /// Number of modules.
    pub fn nmodules(&self) -> u32 {
        self.raw.nmodules.get(self.endian)
    }

    /// The bit vector of linked modules (read as a string, as tools print it).
    pub fn linked_modules(&self) -> LcStr<'data> {
        LcStr {
            command: self.command,
            at: self.at,
            offset: self.raw.linked_modules.get(self.endian),
            fixed: 20,
        }
    }
}

/// `LC_LOADFVMLIB` or `LC_IDFVMLIB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fvmlib<'data> {
    /// The library's path.
    pub name: LcStr<'data>,
    /// Minor version.
    pub minor_version: u32,
    /// Header address.
    pub header_addr: u32,
}

/// `LC_FVMFILE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fvmfile<'data> {
    /// The file's path.
    pub name: LcStr<'data>,
    /// Header address.
    pub header_addr: u32,
}

/// `LC_SYMSEG`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symseg {
    /// File offset of the symbol segment.
    pub offset: u32,
    /// Its size.
    pub size: u32,
}

#[allow(unused_imports)]
use raw::LC_PREPAGE as _;
