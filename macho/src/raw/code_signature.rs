//! Code signatures (`kern/cs_blobs.h`): the SuperBlob and its index, the generic blob header
//! and the CodeDirectory with the fields each version adds, and their constants.
//!
//! Every field is big-endian whatever the file's byte order: decode them with
//! [`Endianness::Big`](crate::Endianness::Big).

use core::mem::offset_of;

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::endian::{U16, U32, U64};

/// `CS_GenericBlob`: the header every blob starts with.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsGenericBlob {
    /// `CSMAGIC_*`.
    pub magic: U32,
    /// Size of the blob, this header included.
    pub length: U32,
}
const_assert_eq!(size_of::<CsGenericBlob>(), 8);

/// `CS_SuperBlob`: the start of a signature, followed by `count` [`CsBlobIndex`] entries
/// and the blobs they point at.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsSuperBlob {
    /// `CSMAGIC_EMBEDDED_SIGNATURE` or `CSMAGIC_DETACHED_SIGNATURE`.
    pub magic: U32,
    /// Size of the SuperBlob, its blobs included.
    pub length: U32,
    /// Number of index entries that follow.
    pub count: U32,
}
const_assert_eq!(size_of::<CsSuperBlob>(), 12);
const_assert_eq!(offset_of!(CsSuperBlob, count), 8);

/// `CS_BlobIndex`: one entry of a SuperBlob's index.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsBlobIndex {
    /// The slot (`CSSLOT_*`).
    pub r#type: U32,
    /// Offset of the blob from the SuperBlob's start.
    pub offset: U32,
}
const_assert_eq!(size_of::<CsBlobIndex>(), 8);

/// `CS_CodeDirectory`, the fields every version has (up to `end_earliest`). The fields
/// later versions add follow it, each group its own structure at its own offset:
/// [`CsCodeDirectoryScatter`] from `CS_SUPPORTSSCATTER`, [`CsCodeDirectoryTeam`],
/// [`CsCodeDirectoryCodeLimit64`], [`CsCodeDirectoryExecSeg`], [`CsCodeDirectoryRuntime`]
/// and [`CsCodeDirectoryLinkage`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectory {
    /// `CSMAGIC_CODEDIRECTORY`.
    pub magic: U32,
    /// Size of the blob.
    pub length: U32,
    /// Compatibility version (`CS_SUPPORTS*`).
    pub version: U32,
    /// `CS_*` setup and mode flags.
    pub flags: U32,
    /// Offset of the hash of code slot 0.
    pub hash_offset: U32,
    /// Offset of the identifier string.
    pub ident_offset: U32,
    /// Number of special (negative) hash slots.
    pub n_special_slots: U32,
    /// Number of code hash slots.
    pub n_code_slots: U32,
    /// How many bytes of the file the code slots cover.
    pub code_limit: U32,
    /// Size of each hash in bytes.
    pub hash_size: u8,
    /// `CS_HASHTYPE_*`.
    pub hash_type: u8,
    /// Platform identifier; 0 if not a platform binary.
    pub platform: u8,
    /// log2 of the page size; 0 means one page for everything.
    pub page_size: u8,
    /// Unused; zero.
    pub spare2: U32,
}
const_assert_eq!(size_of::<CsCodeDirectory>(), 44);
const_assert_eq!(offset_of!(CsCodeDirectory, version), 8);
const_assert_eq!(offset_of!(CsCodeDirectory, flags), 12);
const_assert_eq!(offset_of!(CsCodeDirectory, hash_offset), 16);
const_assert_eq!(offset_of!(CsCodeDirectory, ident_offset), 20);
const_assert_eq!(offset_of!(CsCodeDirectory, n_special_slots), 24);
const_assert_eq!(offset_of!(CsCodeDirectory, n_code_slots), 28);
const_assert_eq!(offset_of!(CsCodeDirectory, code_limit), 32);
const_assert_eq!(offset_of!(CsCodeDirectory, hash_size), 36);
const_assert_eq!(offset_of!(CsCodeDirectory, hash_type), 37);
const_assert_eq!(offset_of!(CsCodeDirectory, platform), 38);
const_assert_eq!(offset_of!(CsCodeDirectory, page_size), 39);
const_assert_eq!(offset_of!(CsCodeDirectory, spare2), 40);

/// The CodeDirectory fields of version `CS_SUPPORTSSCATTER` (0x20100), at
/// [`CS_CODEDIRECTORY_SCATTER_AT`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectoryScatter {
    /// `scatterOffset`: offset of the optional scatter vector, 0 if none.
    pub scatter_offset: U32,
}

/// The CodeDirectory fields of version `CS_SUPPORTSTEAMID` (0x20200), at
/// [`CS_CODEDIRECTORY_TEAM_AT`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectoryTeam {
    /// `teamOffset`: offset of the optional team identifier, 0 if none.
    pub team_offset: U32,
}

/// The CodeDirectory fields of version `CS_SUPPORTSCODELIMIT64` (0x20300), at
/// [`CS_CODEDIRECTORY_CODE_LIMIT64_AT`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectoryCodeLimit64 {
    /// `spare3`: unused; zero.
    pub spare3: U32,
    /// `codeLimit64`: the code limit when it does not fit `codeLimit`, else 0.
    pub code_limit64: U64,
}

/// The CodeDirectory fields of version `CS_SUPPORTSEXECSEG` (0x20400), at
/// [`CS_CODEDIRECTORY_EXEC_SEG_AT`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectoryExecSeg {
    /// `execSegBase`: file offset of the executable segment.
    pub exec_seg_base: U64,
    /// `execSegLimit`: its size.
    pub exec_seg_limit: U64,
    /// `execSegFlags`: `CS_EXECSEG_*`.
    pub exec_seg_flags: U64,
}

/// The CodeDirectory fields of version `CS_SUPPORTSRUNTIME` (0x20500), at
/// [`CS_CODEDIRECTORY_RUNTIME_AT`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectoryRuntime {
    /// `runtime`: the hardened runtime version.
    pub runtime: U32,
    /// `preEncryptOffset`: offset of the pre-encryption hashes, 0 if none.
    pub pre_encrypt_offset: U32,
}

/// The CodeDirectory fields of version `CS_SUPPORTSLINKAGE` (0x20600), at
/// [`CS_CODEDIRECTORY_LINKAGE_AT`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct CsCodeDirectoryLinkage {
    /// `linkageHashType`.
    pub linkage_hash_type: u8,
    /// `linkageApplicationType`.
    pub linkage_application_type: u8,
    /// `linkageApplicationSubType`.
    pub linkage_application_sub_type: U16,
    /// `linkageOffset`.
    pub linkage_offset: U32,
    /// `linkageSize`.
    pub linkage_size: U32,
}

/// Offset of [`CsCodeDirectoryScatter`] in a CodeDirectory (`end_earliest`).
pub const CS_CODEDIRECTORY_SCATTER_AT: usize = size_of::<CsCodeDirectory>();
/// Offset of [`CsCodeDirectoryTeam`] (`end_withScatter`).
pub const CS_CODEDIRECTORY_TEAM_AT: usize =
    CS_CODEDIRECTORY_SCATTER_AT + size_of::<CsCodeDirectoryScatter>();
/// Offset of [`CsCodeDirectoryCodeLimit64`] (`end_withTeam`).
pub const CS_CODEDIRECTORY_CODE_LIMIT64_AT: usize =
    CS_CODEDIRECTORY_TEAM_AT + size_of::<CsCodeDirectoryTeam>();
/// Offset of [`CsCodeDirectoryExecSeg`] (`end_withCodeLimit64`).
pub const CS_CODEDIRECTORY_EXEC_SEG_AT: usize =
    CS_CODEDIRECTORY_CODE_LIMIT64_AT + size_of::<CsCodeDirectoryCodeLimit64>();
/// Offset of [`CsCodeDirectoryRuntime`] (`end_withExecSeg`).
pub const CS_CODEDIRECTORY_RUNTIME_AT: usize =
    CS_CODEDIRECTORY_EXEC_SEG_AT + size_of::<CsCodeDirectoryExecSeg>();
/// Offset of [`CsCodeDirectoryLinkage`] (`end_withPreEncryptOffset`).
pub const CS_CODEDIRECTORY_LINKAGE_AT: usize =
    CS_CODEDIRECTORY_RUNTIME_AT + size_of::<CsCodeDirectoryRuntime>();
/// Size of a CodeDirectory of version `CS_SUPPORTSLINKAGE` (`end_withLinkage`).
pub const CS_CODEDIRECTORY_LINKAGE_END: usize =
    CS_CODEDIRECTORY_LINKAGE_AT + size_of::<CsCodeDirectoryLinkage>();
const_assert_eq!(CS_CODEDIRECTORY_TEAM_AT, 48);
const_assert_eq!(CS_CODEDIRECTORY_CODE_LIMIT64_AT, 52);
const_assert_eq!(offset_of!(CsCodeDirectoryCodeLimit64, code_limit64), 4);
const_assert_eq!(CS_CODEDIRECTORY_EXEC_SEG_AT, 64);
const_assert_eq!(CS_CODEDIRECTORY_RUNTIME_AT, 88);
const_assert_eq!(CS_CODEDIRECTORY_LINKAGE_AT, 96);
const_assert_eq!(offset_of!(CsCodeDirectoryLinkage, linkage_offset), 4);
const_assert_eq!(CS_CODEDIRECTORY_LINKAGE_END, 108);

/// `CS_SUPPORTSSCATTER`: the first version with `scatterOffset`.
pub const CS_SUPPORTSSCATTER: u32 = 0x20100;
/// `CS_SUPPORTSTEAMID`: the first version with `teamOffset`.
pub const CS_SUPPORTSTEAMID: u32 = 0x20200;
/// `CS_SUPPORTSCODELIMIT64`: the first version with `codeLimit64`.
pub const CS_SUPPORTSCODELIMIT64: u32 = 0x20300;
/// `CS_SUPPORTSEXECSEG`: the first version with the executable-segment fields.
pub const CS_SUPPORTSEXECSEG: u32 = 0x20400;
/// `CS_SUPPORTSRUNTIME`: the first version with `runtime` and `preEncryptOffset`.
pub const CS_SUPPORTSRUNTIME: u32 = 0x20500;
/// `CS_SUPPORTSLINKAGE`: the first version with the linkage fields.
pub const CS_SUPPORTSLINKAGE: u32 = 0x20600;

/// `CSMAGIC_EMBEDDED_SIGNATURE`: the SuperBlob of an embedded signature.
pub const CSMAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
/// `CSMAGIC_DETACHED_SIGNATURE`: the SuperBlob of a detached signature.
pub const CSMAGIC_DETACHED_SIGNATURE: u32 = 0xfade_0cc1;
/// `CSMAGIC_CODEDIRECTORY`.
pub const CSMAGIC_CODEDIRECTORY: u32 = 0xfade_0c02;
/// `CSMAGIC_REQUIREMENTS`: a set of requirements.
pub const CSMAGIC_REQUIREMENTS: u32 = 0xfade_0c01;
/// `CSMAGIC_REQUIREMENT`: one requirement.
pub const CSMAGIC_REQUIREMENT: u32 = 0xfade_0c00;
/// `CSMAGIC_EMBEDDED_ENTITLEMENTS`: XML entitlements.
pub const CSMAGIC_EMBEDDED_ENTITLEMENTS: u32 = 0xfade_7171;
/// `CSMAGIC_EMBEDDED_DER_ENTITLEMENTS`: DER entitlements.
pub const CSMAGIC_EMBEDDED_DER_ENTITLEMENTS: u32 = 0xfade_7172;
/// `CSMAGIC_BLOBWRAPPER`: a wrapped blob, such as the CMS signature.
pub const CSMAGIC_BLOBWRAPPER: u32 = 0xfade_0b01;

/// `CSSLOT_CODEDIRECTORY`.
pub const CSSLOT_CODEDIRECTORY: u32 = 0;
/// `CSSLOT_INFOSLOT`.
pub const CSSLOT_INFOSLOT: u32 = 1;
/// `CSSLOT_REQUIREMENTS`.
pub const CSSLOT_REQUIREMENTS: u32 = 2;
/// `CSSLOT_RESOURCEDIR`.
pub const CSSLOT_RESOURCEDIR: u32 = 3;
/// `CSSLOT_APPLICATION`.
pub const CSSLOT_APPLICATION: u32 = 4;
/// `CSSLOT_ENTITLEMENTS`.
pub const CSSLOT_ENTITLEMENTS: u32 = 5;
/// `CSSLOT_DER_ENTITLEMENTS`.
pub const CSSLOT_DER_ENTITLEMENTS: u32 = 7;
/// `CSSLOT_ALTERNATE_CODEDIRECTORIES`: the first of the alternate CodeDirectory slots.
pub const CSSLOT_ALTERNATE_CODEDIRECTORIES: u32 = 0x1000;
/// `CSSLOT_ALTERNATE_CODEDIRECTORY_MAX`: how many alternate CodeDirectory slots there are.
pub const CSSLOT_ALTERNATE_CODEDIRECTORY_MAX: u32 = 5;
/// `CSSLOT_SIGNATURESLOT`: the CMS signature.
pub const CSSLOT_SIGNATURESLOT: u32 = 0x10000;

/// `CS_HASHTYPE_SHA1`.
pub const CS_HASHTYPE_SHA1: u8 = 1;
/// `CS_HASHTYPE_SHA256`.
pub const CS_HASHTYPE_SHA256: u8 = 2;
/// `CS_HASHTYPE_SHA256_TRUNCATED`.
pub const CS_HASHTYPE_SHA256_TRUNCATED: u8 = 3;
/// `CS_HASHTYPE_SHA384`.
pub const CS_HASHTYPE_SHA384: u8 = 4;
