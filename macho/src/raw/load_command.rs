//! Load command structures and their constants (`mach-o/loader.h`).
//!
//! Each structure is the fixed part of a command as it is on disk; strings (`union lc_str`)
//! are offsets from the start of the command.

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::endian::{I32, U16, U32, U64};

/// `struct load_command`: The start of every load command.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct LoadCommandHeader {
    /// Command type (`LC_*`).
    pub cmd: U32,
    /// Total size of the command in bytes, including what follows the fixed part.
    pub cmdsize: U32,
}
const_assert_eq!(size_of::<LoadCommandHeader>(), 8);

/// `struct segment_command`: `LC_SEGMENT`: a 32-bit segment, followed by `nsects` [`Section32`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SegmentCommand32 {
    /// `LC_SEGMENT`.
    pub cmd: U32,
    /// Includes the sections.
    pub cmdsize: U32,
    /// Segment name, NUL-padded.
    pub segname: [u8; 16],
    /// Memory address.
    pub vmaddr: U32,
    /// Memory size.
    pub vmsize: U32,
    /// File offset of the mapped bytes.
    pub fileoff: U32,
    /// Number of mapped bytes.
    pub filesize: U32,
    /// Maximum VM protection.
    pub maxprot: I32,
    /// Initial VM protection.
    pub initprot: I32,
    /// Number of sections.
    pub nsects: U32,
    /// `SG_*` flags.
    pub flags: U32,
}
const_assert_eq!(size_of::<SegmentCommand32>(), 56);

/// `struct segment_command_64`: `LC_SEGMENT_64`: a 64-bit segment, followed by `nsects` [`Section64`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SegmentCommand64 {
    /// `LC_SEGMENT_64`.
    pub cmd: U32,
    /// Includes the sections.
    pub cmdsize: U32,
    /// Segment name, NUL-padded.
    pub segname: [u8; 16],
    /// Memory address.
    pub vmaddr: U64,
    /// Memory size.
    pub vmsize: U64,
    /// File offset of the mapped bytes.
    pub fileoff: U64,
    /// Number of mapped bytes.
    pub filesize: U64,
    /// Maximum VM protection.
    pub maxprot: I32,
    /// Initial VM protection.
    pub initprot: I32,
    /// Number of sections.
    pub nsects: U32,
    /// `SG_*` flags.
    pub flags: U32,
}
const_assert_eq!(size_of::<SegmentCommand64>(), 72);

/// `struct section`: A section of a 32-bit segment.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Section32 {
    /// Section name, NUL-padded.
    pub sectname: [u8; 16],
    /// Name of the segment it belongs to.
    pub segname: [u8; 16],
    /// Memory address.
    pub addr: U32,
    /// Size in bytes.
    pub size: U32,
    /// File offset.
    pub offset: U32,
    /// Alignment as a power of 2.
    pub align: U32,
    /// File offset of the relocation entries.
    pub reloff: U32,
    /// Number of relocation entries.
    pub nreloc: U32,
    /// Section type and attributes.
    pub flags: U32,
    /// Index into the indirect symbol table, or a count.
    pub reserved1: U32,
    /// Stub size, or a count.
    pub reserved2: U32,
}
const_assert_eq!(size_of::<Section32>(), 68);

/// `struct section_64`: A section of a 64-bit segment.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Section64 {
    /// Section name, NUL-padded.
    pub sectname: [u8; 16],
    /// Name of the segment it belongs to.
    pub segname: [u8; 16],
    /// Memory address.
    pub addr: U64,
    /// Size in bytes.
    pub size: U64,
    /// File offset.
    pub offset: U32,
    /// Alignment as a power of 2.
    pub align: U32,
    /// File offset of the relocation entries.
    pub reloff: U32,
    /// Number of relocation entries.
    pub nreloc: U32,
    /// Section type and attributes.
    pub flags: U32,
    /// Index into the indirect symbol table, or a count.
    pub reserved1: U32,
    /// Stub size, or a count.
    pub reserved2: U32,
    /// Reserved.
    pub reserved3: U32,
}
const_assert_eq!(size_of::<Section64>(), 80);

/// `struct fvmlib_command`: `LC_LOADFVMLIB`, `LC_IDFVMLIB`: a fixed-VM library.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FvmlibCommand {
    /// The command.
    pub cmd: U32,
    /// Includes the name.
    pub cmdsize: U32,
    /// Offset of the library's path from the start of the command.
    pub name: U32,
    /// Library minor version.
    pub minor_version: U32,
    /// Library's header address.
    pub header_addr: U32,
}
const_assert_eq!(size_of::<FvmlibCommand>(), 20);

/// `struct dylib_command`: `LC_ID_DYLIB`, `LC_LOAD_DYLIB` and the other dylib commands.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DylibCommand {
    /// The command.
    pub cmd: U32,
    /// Includes the path.
    pub cmdsize: U32,
    /// Offset of the path from the start of the command.
    pub name: U32,
    /// Build time stamp, or `DYLIB_USE_MARKER` in a [`DylibUseCommand`].
    pub timestamp: U32,
    /// Current version, `X.Y.Z` packed as `xxxx.yy.zz`.
    pub current_version: U32,
    /// Compatibility version, packed the same way.
    pub compatibility_version: U32,
}
const_assert_eq!(size_of::<DylibCommand>(), 24);

/// `struct dylib_use_command`: The newer form of a dependency, told apart by `marker == DYLIB_USE_MARKER`.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DylibUseCommand {
    /// `LC_LOAD_DYLIB` or `LC_LOAD_WEAK_DYLIB`.
    pub cmd: U32,
    /// Includes the path.
    pub cmdsize: U32,
    /// Offset of the path (28).
    pub nameoff: U32,
    /// `DYLIB_USE_MARKER`.
    pub marker: U32,
    /// Current version.
    pub current_version: U32,
    /// Compatibility version.
    pub compat_version: U32,
    /// `DYLIB_USE_*` flags.
    pub flags: U32,
}
const_assert_eq!(size_of::<DylibUseCommand>(), 28);

/// `struct sub_framework_command`: `LC_SUB_FRAMEWORK`, `LC_SUB_UMBRELLA`, `LC_SUB_CLIENT`, `LC_SUB_LIBRARY`: one name.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SubCommand {
    /// The command.
    pub cmd: U32,
    /// Includes the name.
    pub cmdsize: U32,
    /// Offset of the name from the start of the command.
    pub name: U32,
}
const_assert_eq!(size_of::<SubCommand>(), 12);

/// `struct prebound_dylib_command`: `LC_PREBOUND_DYLIB`: modules of a prebound dylib that are used.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct PreboundDylibCommand {
    /// `LC_PREBOUND_DYLIB`.
    pub cmd: U32,
    /// Includes the strings and bit vector.
    pub cmdsize: U32,
    /// Offset of the library's path.
    pub name: U32,
    /// Number of modules in the library.
    pub nmodules: U32,
    /// Offset of the bit vector of linked modules.
    pub linked_modules: U32,
}
const_assert_eq!(size_of::<PreboundDylibCommand>(), 20);

/// `struct dylinker_command`: `LC_LOAD_DYLINKER`, `LC_ID_DYLINKER`, `LC_DYLD_ENVIRONMENT`: one path.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DylinkerCommand {
    /// The command.
    pub cmd: U32,
    /// Includes the path.
    pub cmdsize: U32,
    /// Offset of the path from the start of the command.
    pub name: U32,
}
const_assert_eq!(size_of::<DylinkerCommand>(), 12);

/// `struct thread_command`: `LC_THREAD`, `LC_UNIXTHREAD`: followed by (flavor, count, state) triples.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct ThreadCommand {
    /// The command.
    pub cmd: U32,
    /// Includes the thread states.
    pub cmdsize: U32,
}
const_assert_eq!(size_of::<ThreadCommand>(), 8);

/// `struct routines_command`: `LC_ROUTINES`: the initialisation routine of a 32-bit library.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RoutinesCommand32 {
    /// `LC_ROUTINES`.
    pub cmd: U32,
    /// 40.
    pub cmdsize: U32,
    /// Address of the routine.
    pub init_address: U32,
    /// Index of the module that holds it.
    pub init_module: U32,
    /// Reserved.
    pub reserved1: U32,
    /// Reserved.
    pub reserved2: U32,
    /// Reserved.
    pub reserved3: U32,
    /// Reserved.
    pub reserved4: U32,
    /// Reserved.
    pub reserved5: U32,
    /// Reserved.
    pub reserved6: U32,
}
const_assert_eq!(size_of::<RoutinesCommand32>(), 40);

/// `struct routines_command_64`: `LC_ROUTINES_64`: the initialisation routine of a 64-bit library.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RoutinesCommand64 {
    /// `LC_ROUTINES_64`.
    pub cmd: U32,
    /// 72.
    pub cmdsize: U32,
    /// Address of the routine.
    pub init_address: U64,
    /// Index of the module that holds it.
    pub init_module: U64,
    /// Reserved.
    pub reserved1: U64,
    /// Reserved.
    pub reserved2: U64,
    /// Reserved.
    pub reserved3: U64,
    /// Reserved.
    pub reserved4: U64,
    /// Reserved.
    pub reserved5: U64,
    /// Reserved.
    pub reserved6: U64,
}
const_assert_eq!(size_of::<RoutinesCommand64>(), 72);

/// `struct symtab_command`: `LC_SYMTAB`: where the symbol and string tables are.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SymtabCommand {
    /// `LC_SYMTAB`.
    pub cmd: U32,
    /// 24.
    pub cmdsize: U32,
    /// File offset of the nlist array.
    pub symoff: U32,
    /// Number of symbols.
    pub nsyms: U32,
    /// File offset of the string table.
    pub stroff: U32,
    /// Size of the string table in bytes.
    pub strsize: U32,
}
const_assert_eq!(size_of::<SymtabCommand>(), 24);

/// `struct dysymtab_command`: `LC_DYSYMTAB`: how the symbol table is grouped, and the dynamic linker's tables.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DysymtabCommand {
    /// `LC_DYSYMTAB`.
    pub cmd: U32,
    /// 80.
    pub cmdsize: U32,
    /// Index of the first local symbol.
    pub ilocalsym: U32,
    /// Number of local symbols.
    pub nlocalsym: U32,
    /// Index of the first defined external symbol.
    pub iextdefsym: U32,
    /// Number of defined external symbols.
    pub nextdefsym: U32,
    /// Index of the first undefined symbol.
    pub iundefsym: U32,
    /// Number of undefined symbols.
    pub nundefsym: U32,
    /// File offset of the table of contents.
    pub tocoff: U32,
    /// Number of table-of-contents entries.
    pub ntoc: U32,
    /// File offset of the module table.
    pub modtaboff: U32,
    /// Number of module table entries.
    pub nmodtab: U32,
    /// File offset of the referenced-symbol table.
    pub extrefsymoff: U32,
    /// Number of referenced-symbol entries.
    pub nextrefsyms: U32,
    /// File offset of the indirect symbol table.
    pub indirectsymoff: U32,
    /// Number of indirect symbol entries.
    pub nindirectsyms: U32,
    /// File offset of the external relocations.
    pub extreloff: U32,
    /// Number of external relocations.
    pub nextrel: U32,
    /// File offset of the local relocations.
    pub locreloff: U32,
    /// Number of local relocations.
    pub nlocrel: U32,
}
const_assert_eq!(size_of::<DysymtabCommand>(), 80);

/// `struct twolevel_hints_command`: `LC_TWOLEVEL_HINTS`: where the two-level namespace lookup hints are.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct TwolevelHintsCommand {
    /// `LC_TWOLEVEL_HINTS`.
    pub cmd: U32,
    /// 16.
    pub cmdsize: U32,
    /// File offset of the hints.
    pub offset: U32,
    /// Number of hints.
    pub nhints: U32,
}
const_assert_eq!(size_of::<TwolevelHintsCommand>(), 16);

/// `struct prebind_cksum_command`: `LC_PREBIND_CKSUM`: the checksum before prebinding.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct PrebindCksumCommand {
    /// `LC_PREBIND_CKSUM`.
    pub cmd: U32,
    /// 12.
    pub cmdsize: U32,
    /// The checksum, or zero.
    pub cksum: U32,
}
const_assert_eq!(size_of::<PrebindCksumCommand>(), 12);

/// `struct uuid_command`: `LC_UUID`: the image's 128-bit UUID.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct UuidCommand {
    /// `LC_UUID`.
    pub cmd: U32,
    /// 24.
    pub cmdsize: U32,
    /// The UUID bytes.
    pub uuid: [u8; 16],
}
const_assert_eq!(size_of::<UuidCommand>(), 24);

/// `struct rpath_command`: `LC_RPATH`: one run-path search directory.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RpathCommand {
    /// `LC_RPATH`.
    pub cmd: U32,
    /// Includes the path.
    pub cmdsize: U32,
    /// Offset of the path from the start of the command.
    pub path: U32,
}
const_assert_eq!(size_of::<RpathCommand>(), 12);

/// `struct linkedit_data_command`: `LC_CODE_SIGNATURE`, `LC_FUNCTION_STARTS`, `LC_DYLD_CHAINED_FIXUPS` and the other commands that point at a blob in `__LINKEDIT`.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct LinkeditDataCommand {
    /// The command.
    pub cmd: U32,
    /// 16.
    pub cmdsize: U32,
    /// File offset of the data.
    pub dataoff: U32,
    /// Size of the data in bytes.
    pub datasize: U32,
}
const_assert_eq!(size_of::<LinkeditDataCommand>(), 16);

/// `struct fileset_entry_command`: `LC_FILESET_ENTRY`: one Mach-O file inside an `MH_FILESET`.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FilesetEntryCommand {
    /// `LC_FILESET_ENTRY`.
    pub cmd: U32,
    /// Includes the entry id.
    pub cmdsize: U32,
    /// Memory address of the entry's header.
    pub vmaddr: U64,
    /// File offset of the entry.
    pub fileoff: U64,
    /// Offset of the entry's name from the start of the command.
    pub entry_id: U32,
    /// Reserved.
    pub reserved: U32,
}
const_assert_eq!(size_of::<FilesetEntryCommand>(), 32);

/// `struct encryption_info_command`: `LC_ENCRYPTION_INFO`: an encrypted range of a 32-bit file.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct EncryptionInfoCommand32 {
    /// `LC_ENCRYPTION_INFO`.
    pub cmd: U32,
    /// 20.
    pub cmdsize: U32,
    /// File offset of the encrypted range.
    pub cryptoff: U32,
    /// Size of the encrypted range.
    pub cryptsize: U32,
    /// Encryption system; 0 means not encrypted yet.
    pub cryptid: U32,
}
const_assert_eq!(size_of::<EncryptionInfoCommand32>(), 20);

/// `struct encryption_info_command_64`: `LC_ENCRYPTION_INFO_64`: an encrypted range of a 64-bit file.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct EncryptionInfoCommand64 {
    /// `LC_ENCRYPTION_INFO_64`.
    pub cmd: U32,
    /// 24.
    pub cmdsize: U32,
    /// File offset of the encrypted range.
    pub cryptoff: U32,
    /// Size of the encrypted range.
    pub cryptsize: U32,
    /// Encryption system; 0 means not encrypted yet.
    pub cryptid: U32,
    /// Padding to a multiple of 8.
    pub pad: U32,
}
const_assert_eq!(size_of::<EncryptionInfoCommand64>(), 24);

/// `struct version_min_command`: `LC_VERSION_MIN_MACOSX` and the other minimum-OS-version commands.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct VersionMinCommand {
    /// The command; it names the platform.
    pub cmd: U32,
    /// 16.
    pub cmdsize: U32,
    /// Minimum OS version, `X.Y.Z` packed as `xxxx.yy.zz`.
    pub version: U32,
    /// SDK version, packed the same way.
    pub sdk: U32,
}
const_assert_eq!(size_of::<VersionMinCommand>(), 16);

/// `struct build_version_command`: `LC_BUILD_VERSION`: platform, versions and the tools that built the file; followed by `ntools` [`BuildToolVersion`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct BuildVersionCommand {
    /// `LC_BUILD_VERSION`.
    pub cmd: U32,
    /// Includes the tool entries.
    pub cmdsize: U32,
    /// `PLATFORM_*`.
    pub platform: U32,
    /// Minimum OS version, packed `xxxx.yy.zz`.
    pub minos: U32,
    /// SDK version, packed `xxxx.yy.zz`.
    pub sdk: U32,
    /// Number of tool entries.
    pub ntools: U32,
}
const_assert_eq!(size_of::<BuildVersionCommand>(), 24);

/// `struct build_tool_version`: One tool of an `LC_BUILD_VERSION`.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct BuildToolVersion {
    /// `TOOL_*`.
    pub tool: U32,
    /// Tool version.
    pub version: U32,
}
const_assert_eq!(size_of::<BuildToolVersion>(), 8);

/// `struct dyld_info_command`: `LC_DYLD_INFO`, `LC_DYLD_INFO_ONLY`: the compressed dyld information.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DyldInfoCommand {
    /// The command.
    pub cmd: U32,
    /// 48.
    pub cmdsize: U32,
    /// File offset of the rebase opcodes.
    pub rebase_off: U32,
    /// Size of the rebase opcodes.
    pub rebase_size: U32,
    /// File offset of the bind opcodes.
    pub bind_off: U32,
    /// Size of the bind opcodes.
    pub bind_size: U32,
    /// File offset of the weak-bind opcodes.
    pub weak_bind_off: U32,
    /// Size of the weak-bind opcodes.
    pub weak_bind_size: U32,
    /// File offset of the lazy-bind opcodes.
    pub lazy_bind_off: U32,
    /// Size of the lazy-bind opcodes.
    pub lazy_bind_size: U32,
    /// File offset of the exports trie.
    pub export_off: U32,
    /// Size of the exports trie.
    pub export_size: U32,
}
const_assert_eq!(size_of::<DyldInfoCommand>(), 48);

/// `struct linker_option_command`: `LC_LINKER_OPTION`: `count` NUL-terminated linker options follow.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct LinkerOptionCommand {
    /// `LC_LINKER_OPTION`.
    pub cmd: U32,
    /// Includes the strings.
    pub cmdsize: U32,
    /// Number of strings.
    pub count: U32,
}
const_assert_eq!(size_of::<LinkerOptionCommand>(), 12);

/// `struct symseg_command`: `LC_SYMSEG`: obsolete symbol segment.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SymsegCommand {
    /// `LC_SYMSEG`.
    pub cmd: U32,
    /// 16.
    pub cmdsize: U32,
    /// File offset of the symbol segment.
    pub offset: U32,
    /// Size of the symbol segment.
    pub size: U32,
}
const_assert_eq!(size_of::<SymsegCommand>(), 16);

/// `struct fvmfile_command`: `LC_FVMFILE`: a file loaded into a fixed-VM library.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FvmfileCommand {
    /// `LC_FVMFILE`.
    pub cmd: U32,
    /// Includes the name.
    pub cmdsize: U32,
    /// Offset of the file's path.
    pub name: U32,
    /// The file's virtual address.
    pub header_addr: U32,
}
const_assert_eq!(size_of::<FvmfileCommand>(), 16);

/// `struct entry_point_command`: `LC_MAIN`: the main executable's entry point.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct EntryPointCommand {
    /// `LC_MAIN`.
    pub cmd: U32,
    /// 24.
    pub cmdsize: U32,
    /// File offset (within `__TEXT`) of `main`.
    pub entryoff: U64,
    /// Initial stack size, if not zero.
    pub stacksize: U64,
}
const_assert_eq!(size_of::<EntryPointCommand>(), 24);

/// `struct source_version_command`: `LC_SOURCE_VERSION`: the version of the sources the file was built from.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SourceVersionCommand {
    /// `LC_SOURCE_VERSION`.
    pub cmd: U32,
    /// 16.
    pub cmdsize: U32,
    /// `A.B.C.D.E` packed as 24.10.10.10.10 bits.
    pub version: U64,
}
const_assert_eq!(size_of::<SourceVersionCommand>(), 16);

/// `struct data_in_code_entry`: One entry of the `LC_DATA_IN_CODE` table.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct DataInCodeEntry {
    /// Offset from the start of the image's header.
    pub offset: U32,
    /// Number of bytes of data.
    pub length: U16,
    /// `DICE_KIND_*`.
    pub kind: U16,
}
const_assert_eq!(size_of::<DataInCodeEntry>(), 8);

/// `struct note_command`: `LC_NOTE`: an arbitrary blob described by its owner.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct NoteCommand {
    /// `LC_NOTE`.
    pub cmd: U32,
    /// 40.
    pub cmdsize: U32,
    /// Name of the owner, NUL-padded.
    pub data_owner: [u8; 16],
    /// File offset of the data.
    pub offset: U64,
    /// Size of the data.
    pub size: U64,
}
const_assert_eq!(size_of::<NoteCommand>(), 40);

/// `struct target_triple_command`: `LC_TARGET_TRIPLE`: the target triple the code was compiled for.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct TargetTripleCommand {
    /// `LC_TARGET_TRIPLE`.
    pub cmd: U32,
    /// Includes the string.
    pub cmdsize: U32,
    /// Offset of the triple from the start of the command.
    pub triple: U32,
}
const_assert_eq!(size_of::<TargetTripleCommand>(), 12);

/// Defines each `LC_*` constant and its name in [`load_command_name`] from one line, so the
/// number and the name can never disagree.
macro_rules! load_commands {
    ($($(#[$meta:meta])* $name:ident = $value:expr,)*) => {
        $($(#[$meta])* pub const $name: u32 = $value;)*

        /// The name of load command `cmd` as `mach-o/loader.h` spells it (`"LC_SEGMENT_64"`),
        /// or `None` for a number it does not define.
        pub fn load_command_name(cmd: u32) -> Option<&'static str> {
            match cmd {
                $($name => Some(stringify!($name)),)*
                _ => None,
            }
        }
    };
}

/// `LC_REQ_DYLD`: set in commands that dyld must understand to load the image.
pub const LC_REQ_DYLD: u32 = 0x8000_0000;
load_commands! {
    /// `LC_SEGMENT`: a 32-bit segment.
    LC_SEGMENT = 0x1,
    /// `LC_SYMTAB`: the symbol table.
    LC_SYMTAB = 0x2,
    /// `LC_SYMSEG`: obsolete symbol segment.
    LC_SYMSEG = 0x3,
    /// `LC_THREAD`: a thread state.
    LC_THREAD = 0x4,
    /// `LC_UNIXTHREAD`: the initial thread state, with a stack.
    LC_UNIXTHREAD = 0x5,
    /// `LC_LOADFVMLIB`: load a fixed-VM library.
    LC_LOADFVMLIB = 0x6,
    /// `LC_IDFVMLIB`: a fixed-VM library's identification.
    LC_IDFVMLIB = 0x7,
    /// `LC_IDENT`: obsolete identification.
    LC_IDENT = 0x8,
    /// `LC_FVMFILE`: obsolete fixed-VM file inclusion.
    LC_FVMFILE = 0x9,
    /// `LC_PREPAGE`: obsolete prepage command.
    LC_PREPAGE = 0xa,
    /// `LC_DYSYMTAB`: dynamic link-edit symbol table information.
    LC_DYSYMTAB = 0xb,
    /// `LC_LOAD_DYLIB`: load a dylib.
    LC_LOAD_DYLIB = 0xc,
    /// `LC_ID_DYLIB`: a dylib's own identification.
    LC_ID_DYLIB = 0xd,
    /// `LC_LOAD_DYLINKER`: the dynamic linker to load.
    LC_LOAD_DYLINKER = 0xe,
    /// `LC_ID_DYLINKER`: a dynamic linker's identification.
    LC_ID_DYLINKER = 0xf,
    /// `LC_PREBOUND_DYLIB`: modules of a prebound dylib.
    LC_PREBOUND_DYLIB = 0x10,
    /// `LC_ROUTINES`: 32-bit image initialisation routine.
    LC_ROUTINES = 0x11,
    /// `LC_SUB_FRAMEWORK`: the umbrella framework this one belongs to.
    LC_SUB_FRAMEWORK = 0x12,
    /// `LC_SUB_UMBRELLA`: a sub-umbrella.
    LC_SUB_UMBRELLA = 0x13,
    /// `LC_SUB_CLIENT`: a client allowed to link against this sub-framework.
    LC_SUB_CLIENT = 0x14,
    /// `LC_SUB_LIBRARY`: a sub-library.
    LC_SUB_LIBRARY = 0x15,
    /// `LC_TWOLEVEL_HINTS`: two-level namespace lookup hints.
    LC_TWOLEVEL_HINTS = 0x16,
    /// `LC_PREBIND_CKSUM`: prebind checksum.
    LC_PREBIND_CKSUM = 0x17,
    /// `LC_LOAD_WEAK_DYLIB`: load a dylib that may be missing.
    LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD,
    /// `LC_SEGMENT_64`: a 64-bit segment.
    LC_SEGMENT_64 = 0x19,
    /// `LC_ROUTINES_64`: 64-bit image initialisation routine.
    LC_ROUTINES_64 = 0x1a,
    /// `LC_UUID`: the image's UUID.
    LC_UUID = 0x1b,
    /// `LC_RPATH`: a run-path search directory.
    LC_RPATH = 0x1c | LC_REQ_DYLD,
    /// `LC_CODE_SIGNATURE`: the code signature.
    LC_CODE_SIGNATURE = 0x1d,
    /// `LC_SEGMENT_SPLIT_INFO`: split-segment information.
    LC_SEGMENT_SPLIT_INFO = 0x1e,
    /// `LC_REEXPORT_DYLIB`: load and re-export a dylib.
    LC_REEXPORT_DYLIB = 0x1f | LC_REQ_DYLD,
    /// `LC_LAZY_LOAD_DYLIB`: load a dylib on first use.
    LC_LAZY_LOAD_DYLIB = 0x20,
    /// `LC_ENCRYPTION_INFO`: a 32-bit encrypted range.
    LC_ENCRYPTION_INFO = 0x21,
    /// `LC_DYLD_INFO`: compressed dyld information.
    LC_DYLD_INFO = 0x22,
    /// `LC_DYLD_INFO_ONLY`: compressed dyld information, required.
    LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD,
    /// `LC_LOAD_UPWARD_DYLIB`: load an upward dependency.
    LC_LOAD_UPWARD_DYLIB = 0x23 | LC_REQ_DYLD,
    /// `LC_VERSION_MIN_MACOSX`: minimum macOS version.
    LC_VERSION_MIN_MACOSX = 0x24,
    /// `LC_VERSION_MIN_IPHONEOS`: minimum iOS version.
    LC_VERSION_MIN_IPHONEOS = 0x25,
    /// `LC_FUNCTION_STARTS`: compressed table of function start addresses.
    LC_FUNCTION_STARTS = 0x26,
    /// `LC_DYLD_ENVIRONMENT`: an environment variable for dyld.
    LC_DYLD_ENVIRONMENT = 0x27,
    /// `LC_MAIN`: the main executable's entry point.
    LC_MAIN = 0x28 | LC_REQ_DYLD,
    /// `LC_DATA_IN_CODE`: table of non-instructions in `__text`.
    LC_DATA_IN_CODE = 0x29,
    /// `LC_SOURCE_VERSION`: source version.
    LC_SOURCE_VERSION = 0x2a,
    /// `LC_DYLIB_CODE_SIGN_DRS`: code-signing designated requirements copied from dylibs.
    LC_DYLIB_CODE_SIGN_DRS = 0x2b,
    /// `LC_ENCRYPTION_INFO_64`: a 64-bit encrypted range.
    LC_ENCRYPTION_INFO_64 = 0x2c,
    /// `LC_LINKER_OPTION`: linker options from an object file.
    LC_LINKER_OPTION = 0x2d,
    /// `LC_LINKER_OPTIMIZATION_HINT`: linker optimisation hints from an object file.
    LC_LINKER_OPTIMIZATION_HINT = 0x2e,
    /// `LC_VERSION_MIN_TVOS`: minimum tvOS version.
    LC_VERSION_MIN_TVOS = 0x2f,
    /// `LC_VERSION_MIN_WATCHOS`: minimum watchOS version.
    LC_VERSION_MIN_WATCHOS = 0x30,
    /// `LC_NOTE`: arbitrary data.
    LC_NOTE = 0x31,
    /// `LC_BUILD_VERSION`: platform and versions.
    LC_BUILD_VERSION = 0x32,
    /// `LC_DYLD_EXPORTS_TRIE`: the exports trie, outside `LC_DYLD_INFO`.
    LC_DYLD_EXPORTS_TRIE = 0x33 | LC_REQ_DYLD,
    /// `LC_DYLD_CHAINED_FIXUPS`: chained fixups.
    LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD,
    /// `LC_FILESET_ENTRY`: one entry of an `MH_FILESET`.
    LC_FILESET_ENTRY = 0x35 | LC_REQ_DYLD,
    /// `LC_ATOM_INFO`: atom information.
    LC_ATOM_INFO = 0x36,
    /// `LC_FUNCTION_VARIANTS`: function variants table.
    LC_FUNCTION_VARIANTS = 0x37,
    /// `LC_FUNCTION_VARIANT_FIXUPS`: fixups of function variants.
    LC_FUNCTION_VARIANT_FIXUPS = 0x38,
    /// `LC_TARGET_TRIPLE`: the target triple used to compile.
    LC_TARGET_TRIPLE = 0x39,
}

/// `DYLIB_USE_MARKER`: in the timestamp slot, marks a [`DylibUseCommand`].
pub const DYLIB_USE_MARKER: u32 = 0x1a74_1800;
/// `DYLIB_USE_WEAK_LINK`: the dependency may be missing.
pub const DYLIB_USE_WEAK_LINK: u32 = 0x01;
/// `DYLIB_USE_REEXPORT`: the dependency is re-exported.
pub const DYLIB_USE_REEXPORT: u32 = 0x02;
/// `DYLIB_USE_UPWARD`: an upward dependency.
pub const DYLIB_USE_UPWARD: u32 = 0x04;
/// `DYLIB_USE_DELAYED_INIT`: the dependency's initialisers run on first use.
pub const DYLIB_USE_DELAYED_INIT: u32 = 0x08;

/// `SG_HIGHVM`: the segment occupies the high part of the VM space.
pub const SG_HIGHVM: u32 = 0x1;
/// `SG_FVMLIB`: the segment is the VM of a fixed-VM library.
pub const SG_FVMLIB: u32 = 0x2;
/// `SG_NORELOC`: nothing in the segment is relocated.
pub const SG_NORELOC: u32 = 0x4;
/// `SG_PROTECTED_VERSION_1`: the segment is protected (encrypted).
pub const SG_PROTECTED_VERSION_1: u32 = 0x8;
/// `SG_READ_ONLY`: made read-only after fixups.
pub const SG_READ_ONLY: u32 = 0x10;

/// `VM_PROT_READ`.
pub const VM_PROT_READ: i32 = 0x1;
/// `VM_PROT_WRITE`.
pub const VM_PROT_WRITE: i32 = 0x2;
/// `VM_PROT_EXECUTE`.
pub const VM_PROT_EXECUTE: i32 = 0x4;

/// `SECTION_TYPE`: the type bits of a section's flags.
pub const SECTION_TYPE: u32 = 0x0000_00ff;
/// `SECTION_ATTRIBUTES`: the attribute bits of a section's flags.
pub const SECTION_ATTRIBUTES: u32 = 0xffff_ff00;
/// `S_REGULAR`.
pub const S_REGULAR: u32 = 0x0;
/// `S_ZEROFILL`: zero-fill on demand.
pub const S_ZEROFILL: u32 = 0x1;
/// `S_CSTRING_LITERALS`: only C string literals.
pub const S_CSTRING_LITERALS: u32 = 0x2;
/// `S_4BYTE_LITERALS`.
pub const S_4BYTE_LITERALS: u32 = 0x3;
/// `S_8BYTE_LITERALS`.
pub const S_8BYTE_LITERALS: u32 = 0x4;
/// `S_LITERAL_POINTERS`.
pub const S_LITERAL_POINTERS: u32 = 0x5;
/// `S_NON_LAZY_SYMBOL_POINTERS`.
pub const S_NON_LAZY_SYMBOL_POINTERS: u32 = 0x6;
/// `S_LAZY_SYMBOL_POINTERS`.
pub const S_LAZY_SYMBOL_POINTERS: u32 = 0x7;
/// `S_SYMBOL_STUBS`: `reserved2` is the stub size.
pub const S_SYMBOL_STUBS: u32 = 0x8;
/// `S_MOD_INIT_FUNC_POINTERS`.
pub const S_MOD_INIT_FUNC_POINTERS: u32 = 0x9;
/// `S_MOD_TERM_FUNC_POINTERS`.
pub const S_MOD_TERM_FUNC_POINTERS: u32 = 0xa;
/// `S_COALESCED`.
pub const S_COALESCED: u32 = 0xb;
/// `S_GB_ZEROFILL`: zero-fill, may be larger than 4 GiB.
pub const S_GB_ZEROFILL: u32 = 0xc;
/// `S_INTERPOSING`.
pub const S_INTERPOSING: u32 = 0xd;
/// `S_16BYTE_LITERALS`.
pub const S_16BYTE_LITERALS: u32 = 0xe;
/// `S_DTRACE_DOF`.
pub const S_DTRACE_DOF: u32 = 0xf;
/// `S_LAZY_DYLIB_SYMBOL_POINTERS`.
pub const S_LAZY_DYLIB_SYMBOL_POINTERS: u32 = 0x10;
/// `S_THREAD_LOCAL_REGULAR`.
pub const S_THREAD_LOCAL_REGULAR: u32 = 0x11;
/// `S_THREAD_LOCAL_ZEROFILL`.
pub const S_THREAD_LOCAL_ZEROFILL: u32 = 0x12;
/// `S_THREAD_LOCAL_VARIABLES`.
pub const S_THREAD_LOCAL_VARIABLES: u32 = 0x13;
/// `S_THREAD_LOCAL_VARIABLE_POINTERS`.
pub const S_THREAD_LOCAL_VARIABLE_POINTERS: u32 = 0x14;
/// `S_THREAD_LOCAL_INIT_FUNCTION_POINTERS`.
pub const S_THREAD_LOCAL_INIT_FUNCTION_POINTERS: u32 = 0x15;
/// `S_INIT_FUNC_OFFSETS`.
pub const S_INIT_FUNC_OFFSETS: u32 = 0x16;
/// `S_ATTR_PURE_INSTRUCTIONS`.
pub const S_ATTR_PURE_INSTRUCTIONS: u32 = 0x8000_0000;
/// `S_ATTR_NO_TOC`.
pub const S_ATTR_NO_TOC: u32 = 0x4000_0000;
/// `S_ATTR_STRIP_STATIC_SYMS`.
pub const S_ATTR_STRIP_STATIC_SYMS: u32 = 0x2000_0000;
/// `S_ATTR_NO_DEAD_STRIP`.
pub const S_ATTR_NO_DEAD_STRIP: u32 = 0x1000_0000;
/// `S_ATTR_LIVE_SUPPORT`.
pub const S_ATTR_LIVE_SUPPORT: u32 = 0x0800_0000;
/// `S_ATTR_SELF_MODIFYING_CODE`.
pub const S_ATTR_SELF_MODIFYING_CODE: u32 = 0x0400_0000;
/// `S_ATTR_DEBUG`.
pub const S_ATTR_DEBUG: u32 = 0x0200_0000;
/// `S_ATTR_SOME_INSTRUCTIONS`.
pub const S_ATTR_SOME_INSTRUCTIONS: u32 = 0x0000_0400;
/// `S_ATTR_EXT_RELOC`.
pub const S_ATTR_EXT_RELOC: u32 = 0x0000_0200;
/// `S_ATTR_LOC_RELOC`.
pub const S_ATTR_LOC_RELOC: u32 = 0x0000_0100;

/// `PLATFORM_UNKNOWN`.
pub const PLATFORM_UNKNOWN: u32 = 0;
/// `PLATFORM_MACOS`.
pub const PLATFORM_MACOS: u32 = 1;
/// `PLATFORM_IOS`.
pub const PLATFORM_IOS: u32 = 2;
/// `PLATFORM_TVOS`.
pub const PLATFORM_TVOS: u32 = 3;
/// `PLATFORM_WATCHOS`.
pub const PLATFORM_WATCHOS: u32 = 4;
/// `PLATFORM_BRIDGEOS`.
pub const PLATFORM_BRIDGEOS: u32 = 5;
/// `PLATFORM_MACCATALYST`.
pub const PLATFORM_MACCATALYST: u32 = 6;
/// `PLATFORM_IOSSIMULATOR`.
pub const PLATFORM_IOSSIMULATOR: u32 = 7;
/// `PLATFORM_TVOSSIMULATOR`.
pub const PLATFORM_TVOSSIMULATOR: u32 = 8;
/// `PLATFORM_WATCHOSSIMULATOR`.
pub const PLATFORM_WATCHOSSIMULATOR: u32 = 9;
/// `PLATFORM_DRIVERKIT`.
pub const PLATFORM_DRIVERKIT: u32 = 10;
/// `PLATFORM_VISIONOS`.
pub const PLATFORM_VISIONOS: u32 = 11;
/// `PLATFORM_VISIONOSSIMULATOR`.
pub const PLATFORM_VISIONOSSIMULATOR: u32 = 12;

/// `TOOL_CLANG`.
pub const TOOL_CLANG: u32 = 1;
/// `TOOL_SWIFT`.
pub const TOOL_SWIFT: u32 = 2;
/// `TOOL_LD`.
pub const TOOL_LD: u32 = 3;
/// `TOOL_LLD`.
pub const TOOL_LLD: u32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_command_names_come_from_their_constants() {
        assert_eq!(load_command_name(LC_SEGMENT_64), Some("LC_SEGMENT_64"));
        assert_eq!(load_command_name(LC_MAIN), Some("LC_MAIN"));
        assert_eq!(load_command_name(0x28), None);
        assert_eq!(
            load_command_name(LC_TARGET_TRIPLE),
            Some("LC_TARGET_TRIPLE")
        );
        assert_eq!(load_command_name(0), None);
    }
}
