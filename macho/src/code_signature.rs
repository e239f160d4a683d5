//! Code signatures (`LC_CODE_SIGNATURE`): the SuperBlob and its index, the CodeDirectory
//! (version, identifier, team id, hash type, page size, code limit, cdhash), and the
//! requirements, entitlements and CMS blobs as bytes.
//!
//! Signature structures are big-endian whatever the file's byte order.

use crate::endian::Endianness;
use crate::error::{Error, Result};
use crate::file::MachO;
use crate::raw::{
    CS_CODEDIRECTORY_CODE_LIMIT64_AT, CS_CODEDIRECTORY_EXEC_SEG_AT, CS_CODEDIRECTORY_RUNTIME_AT,
    CS_CODEDIRECTORY_TEAM_AT, CS_SUPPORTSCODELIMIT64, CS_SUPPORTSEXECSEG, CS_SUPPORTSRUNTIME,
    CS_SUPPORTSTEAMID, CSSLOT_ALTERNATE_CODEDIRECTORY_MAX, CsBlobIndex, CsCodeDirectory,
    CsCodeDirectoryCodeLimit64, CsCodeDirectoryExecSeg, CsCodeDirectoryRuntime,
    CsCodeDirectoryTeam, CsGenericBlob, CsSuperBlob,
};
use crate::read::{self, view};

pub use crate::raw::{
    CS_HASHTYPE_SHA1, CS_HASHTYPE_SHA256, CS_HASHTYPE_SHA256_TRUNCATED, CS_HASHTYPE_SHA384,
    CSMAGIC_BLOBWRAPPER, CSMAGIC_CODEDIRECTORY, CSMAGIC_DETACHED_SIGNATURE,
    CSMAGIC_EMBEDDED_DER_ENTITLEMENTS, CSMAGIC_EMBEDDED_ENTITLEMENTS, CSMAGIC_EMBEDDED_SIGNATURE,
    CSMAGIC_REQUIREMENT, CSMAGIC_REQUIREMENTS, CSSLOT_ALTERNATE_CODEDIRECTORIES,
    CSSLOT_APPLICATION, CSSLOT_CODEDIRECTORY, CSSLOT_DER_ENTITLEMENTS, CSSLOT_ENTITLEMENTS,
    CSSLOT_INFOSLOT, CSSLOT_REQUIREMENTS, CSSLOT_RESOURCEDIR, CSSLOT_SIGNATURESLOT,
};

/// Signature structures are big-endian in every file.
const BE: Endianness = Endianness::Big;

/// One entry of the SuperBlob's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blob<'data> {
    /// The slot (`CSSLOT_*`).
    pub slot: u32,
    /// Offset of the blob from the SuperBlob's start.
    pub offset: u32,
    /// The blob's offset in the file (the SuperBlob's offset plus `offset`).
    pub file_offset: u64,
    /// The blob's magic (`CSMAGIC_*`).
    pub magic: u32,
    /// The whole blob, its 8-byte header included.
    pub data: &'data [u8],
}

impl<'data> Blob<'data> {
    /// The blob without its 8-byte magic and length.
    pub fn payload(&self) -> &'data [u8] {
        self.data.get(size_of::<CsGenericBlob>()..).unwrap_or(&[])
    }
}

/// An embedded code signature: a SuperBlob.
#[derive(Clone, Copy, Debug)]
pub struct CodeSignature<'data> {
    data: &'data [u8],
    base: u64,
    magic: u32,
    index: &'data [CsBlobIndex],
}

impl<'data> CodeSignature<'data> {
    /// The signature of `size` bytes at file offset `off`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if it is not inside the file; [`Error::Malformed`] if it is no
    /// SuperBlob or its index does not fit.
    pub fn new(file: &MachO<'data>, off: u32, size: u32) -> Result<Self> {
        let data = file.bytes_at(off.into(), size.into(), "code signature")?;
        Self::from_bytes(data, off.into())
    }

    /// The signature in a buffer (`base` is its file offset, for errors).
    ///
    /// # Errors
    /// As for [`new`](Self::new).
    pub fn from_bytes(data: &'data [u8], base: u64) -> Result<Self> {
        let bad = |expected| Error::Malformed {
            what: "code signature",
            offset: base,
            expected,
        };
        let Some(header) = view::<CsSuperBlob>(data, 0) else {
            return Err(bad("a SuperBlob header"));
        };
        let magic = header.magic.get(BE);
        if magic != CSMAGIC_EMBEDDED_SIGNATURE && magic != CSMAGIC_DETACHED_SIGNATURE {
            return Err(bad("a SuperBlob magic (0xfade0cc0 or 0xfade0cc1)"));
        }
        let length = header.length.get(BE) as usize;
        if length < size_of::<CsSuperBlob>() || length > data.len() {
            return Err(bad("a SuperBlob length inside the signature"));
        }
        let data = &data[..length];
        let index = read::slice::<CsBlobIndex>(
            data,
            size_of::<CsSuperBlob>() as u64,
            header.count.get(BE).into(),
            "code signature",
        )
        .map_err(|_| bad("a blob index inside the SuperBlob"))?;
        Ok(CodeSignature {
            data,
            base,
            magic,
            index,
        })
    }

    /// The SuperBlob's magic.
    pub fn magic(&self) -> u32 {
        self.magic
    }

    /// The SuperBlob's bytes.
    pub fn data(&self) -> &'data [u8] {
        self.data
    }

    /// The blobs in index order; an entry whose blob is outside the SuperBlob is an error.
    pub fn blobs(&self) -> impl Iterator<Item = Result<Blob<'data>>> + '_ {
        self.index.iter().map(move |entry| {
            let (slot, offset) = (entry.r#type.get(BE), entry.offset.get(BE));
            let bad = |expected| Error::Malformed {
                what: "code signature blob",
                offset: self.base.wrapping_add(u64::from(offset)),
                expected,
            };
            let Some(header) = view::<CsGenericBlob>(self.data, offset as usize) else {
                return Err(bad("a blob header inside the SuperBlob"));
            };
            let (magic, length) = (header.magic.get(BE), header.length.get(BE));
            let data = read::bytes(
                self.data,
                offset.into(),
                length.into(),
                "code signature blob",
            )
            .map_err(|_| bad("a blob inside the SuperBlob"))?;
            if (length as usize) < size_of::<CsGenericBlob>() {
                return Err(bad("a blob length of at least 8"));
            }
            Ok(Blob {
                slot,
                offset,
                file_offset: self.base.wrapping_add(offset.into()),
                magic,
                data,
            })
        })
    }

    /// The blob in `slot`, if any.
    ///
    /// # Errors
    /// A malformed index entry met before it.
    pub fn blob(&self, slot: u32) -> Result<Option<Blob<'data>>> {
        for b in self.blobs() {
            let b = b?;
            if b.slot == slot {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// The primary CodeDirectory (slot 0).
    ///
    /// # Errors
    /// A malformed blob.
    pub fn code_directory(&self) -> Result<Option<CodeDirectory<'data>>> {
        self.blob(CSSLOT_CODEDIRECTORY)?
            .map(CodeDirectory::parse)
            .transpose()
    }

    /// Every CodeDirectory: the primary one and the alternates (slots 0x1000..0x1005).
    pub fn code_directories(&self) -> impl Iterator<Item = Result<CodeDirectory<'data>>> + '_ {
        self.blobs().filter_map(|b| match b {
            Ok(b)
                if b.slot == CSSLOT_CODEDIRECTORY
                    || (CSSLOT_ALTERNATE_CODEDIRECTORIES
                        ..CSSLOT_ALTERNATE_CODEDIRECTORIES
                            + CSSLOT_ALTERNATE_CODEDIRECTORY_MAX)
                        .contains(&b.slot) =>
            {
                Some(CodeDirectory::parse(b))
            }
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
    }

    /// The requirements blob's payload (slot 2).
    ///
    /// # Errors
    /// A malformed index entry.
    pub fn requirements(&self) -> Result<Option<&'data [u8]>> {
        Ok(self.blob(CSSLOT_REQUIREMENTS)?.map(|b| b.payload()))
    }

    /// The XML entitlements (slot 5).
    ///
    /// # Errors
    /// A malformed index entry.
    pub fn entitlements(&self) -> Result<Option<&'data [u8]>> {
        Ok(self.blob(CSSLOT_ENTITLEMENTS)?.map(|b| b.payload()))
    }

    /// The DER entitlements (slot 7).
    ///
    /// # Errors
    /// A malformed index entry.
    pub fn der_entitlements(&self) -> Result<Option<&'data [u8]>> {
        Ok(self.blob(CSSLOT_DER_ENTITLEMENTS)?.map(|b| b.payload()))
    }

    /// The CMS signature (slot 0x10000): empty for ad-hoc signatures.
    ///
    /// # Errors
    /// A malformed index entry.
    pub fn cms_signature(&self) -> Result<Option<&'data [u8]>> {
        Ok(self.blob(CSSLOT_SIGNATURESLOT)?.map(|b| b.payload()))
    }
}

/// A CodeDirectory: the hashes of the code pages and of the other blobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeDirectory<'data> {
    /// The whole blob.
    pub blob: &'data [u8],
    /// The blob's offset in the file.
    pub file_offset: u64,
    /// The slot it was found in.
    pub slot: u32,
    /// Format version (0x20001 to 0x20600).
    pub version: u32,
    /// `CS_*` flags (adhoc, hardened runtime, linker-signed, …).
    pub flags: u32,
    /// Offset of code slot 0's hash from the blob's start.
    pub hash_offset: u32,
    /// Offset of the identifier.
    pub ident_offset: u32,
    /// Number of special (negative) slots.
    pub n_special_slots: u32,
    /// Number of code-page slots.
    pub n_code_slots: u32,
    /// How many bytes of the file the code slots cover (`codeLimit64` when larger).
    pub code_limit: u64,
    /// Size of each hash.
    pub hash_size: u8,
    /// `CS_HASHTYPE_*`.
    pub hash_type: u8,
    /// Platform identifier (0 for non-platform binaries).
    pub platform: u8,
    /// log2 of the page size the code slots cover (0 means one slot for everything).
    pub page_size_log2: u8,
    /// Offset of the team id (version 0x20200 and later), 0 if none.
    pub team_offset: u32,
    /// `execSegBase`, `execSegLimit`, `execSegFlags` (version 0x20400 and later).
    pub exec_segment: Option<(u64, u64, u64)>,
    /// The hardened runtime version (version 0x20500 and later).
    pub runtime: Option<u32>,
}

impl<'data> CodeDirectory<'data> {
    fn parse(blob: Blob<'data>) -> Result<Self> {
        let d = blob.data;
        let bad = |expected| Error::Malformed {
            what: "code directory",
            offset: blob.file_offset,
            expected,
        };
        if blob.magic != CSMAGIC_CODEDIRECTORY {
            return Err(bad("the CodeDirectory magic 0xfade0c02"));
        }
        let header = "a CodeDirectory header inside its blob";
        let cd = view::<CsCodeDirectory>(d, 0).ok_or(bad(header))?;
        let version = cd.version.get(BE);
        let mut code_limit = u64::from(cd.code_limit.get(BE));
        if version >= CS_SUPPORTSCODELIMIT64 {
            let tail = view::<CsCodeDirectoryCodeLimit64>(d, CS_CODEDIRECTORY_CODE_LIMIT64_AT)
                .ok_or(bad("codeLimit64 inside the blob"))?;
            let limit64 = tail.code_limit64.get(BE);
            if limit64 != 0 {
                code_limit = limit64;
            }
        }
        let team_offset = if version >= CS_SUPPORTSTEAMID {
            let tail =
                view::<CsCodeDirectoryTeam>(d, CS_CODEDIRECTORY_TEAM_AT).ok_or(bad(header))?;
            tail.team_offset.get(BE)
        } else {
            0
        };
        let exec_segment = if version >= CS_SUPPORTSEXECSEG {
            let tail = view::<CsCodeDirectoryExecSeg>(d, CS_CODEDIRECTORY_EXEC_SEG_AT)
                .ok_or(bad("the exec segment fields inside the blob"))?;
            Some((
                tail.exec_seg_base.get(BE),
                tail.exec_seg_limit.get(BE),
                tail.exec_seg_flags.get(BE),
            ))
        } else {
            None
        };
        let runtime = if version >= CS_SUPPORTSRUNTIME {
            let tail = view::<CsCodeDirectoryRuntime>(d, CS_CODEDIRECTORY_RUNTIME_AT)
                .ok_or(bad(header))?;
            Some(tail.runtime.get(BE))
        } else {
            None
        };
        Ok(CodeDirectory {
            blob: d,
            file_offset: blob.file_offset,
            slot: blob.slot,
            version,
            flags: cd.flags.get(BE),
            hash_offset: cd.hash_offset.get(BE),
            ident_offset: cd.ident_offset.get(BE),
            n_special_slots: cd.n_special_slots.get(BE),
            n_code_slots: cd.n_code_slots.get(BE),
            code_limit,
            hash_size: cd.hash_size,
            hash_type: cd.hash_type,
            platform: cd.platform,
            page_size_log2: cd.page_size,
            team_offset,
            exec_segment,
            runtime,
        })
    }

    fn string_at(&self, offset: u32, what: &'static str) -> Result<&'data [u8]> {
        match self.blob.get(offset as usize..) {
            Some(rest) if offset != 0 && !rest.is_empty() => Ok(read::c_str(rest)),
            _ => Err(Error::Malformed {
                what,
                offset: self.file_offset.wrapping_add(offset.into()),
                expected: "a string inside the CodeDirectory",
            }),
        }
    }

    /// The signing identifier (`com.example.tool`, or `a.out` for the Go linker).
    ///
    /// # Errors
    /// [`Error::Malformed`] if the offset is outside the blob.
    pub fn identifier(&self) -> Result<&'data [u8]> {
        self.string_at(self.ident_offset, "code directory identifier")
    }

    /// The team identifier, if the directory has one.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the offset is outside the blob.
    pub fn team_id(&self) -> Result<Option<&'data [u8]>> {
        if self.team_offset == 0 {
            return Ok(None);
        }
        self.string_at(self.team_offset, "code directory team id")
            .map(Some)
    }

    /// The page size the code slots cover, in bytes (`None` for a single slot).
    pub fn page_size(&self) -> Option<u64> {
        (self.page_size_log2 != 0)
            .then(|| 1u64.checked_shl(self.page_size_log2.into()).unwrap_or(0))
    }

    /// The hash of code page `index`.
    pub fn code_hash(&self, index: u32) -> Option<&'data [u8]> {
        if index >= self.n_code_slots {
            return None;
        }
        let start = self.hash_offset as usize + index as usize * usize::from(self.hash_size);
        self.blob.get(start..start + usize::from(self.hash_size))
    }

    /// The hash of special slot `slot` (1 = Info.plist, 2 = requirements, 5 = entitlements, …).
    pub fn special_hash(&self, slot: u32) -> Option<&'data [u8]> {
        if slot == 0 || slot > self.n_special_slots {
            return None;
        }
        let back = slot as usize * usize::from(self.hash_size);
        let start = (self.hash_offset as usize).checked_sub(back)?;
        self.blob.get(start..start + usize::from(self.hash_size))
    }

    /// The cdhash: the directory's own hash with its hash type, cut to 20 bytes. `None` for
    /// SHA-384 directories (this crate has no SHA-384) and unknown hash types.
    pub fn cdhash(&self) -> Option<[u8; 20]> {
        let mut out = [0u8; 20];
        match self.hash_type {
            CS_HASHTYPE_SHA1 => out = crate::hash::sha1(self.blob),
            CS_HASHTYPE_SHA256 | CS_HASHTYPE_SHA256_TRUNCATED => {
                out.copy_from_slice(&crate::hash::sha256(self.blob)[..20]);
            }
            _ => return None,
        }
        Some(out)
    }

    /// Checks the hash of code page `index` against `file` (the image the signature is in).
    ///
    /// `None` when the page or the hash type cannot be checked here.
    pub fn verify_page(&self, file: &[u8], index: u32) -> Option<bool> {
        let expected = self.code_hash(index)?;
        let page = self.page_size().unwrap_or(self.code_limit);
        let start = u64::from(index).checked_mul(page)?;
        let end = start.checked_add(page)?.min(self.code_limit);
        let data = file.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
        let n = expected.len();
        match self.hash_type {
            CS_HASHTYPE_SHA1 => Some(crate::hash::sha1(data).get(..n)? == expected),
            CS_HASHTYPE_SHA256 | CS_HASHTYPE_SHA256_TRUNCATED => {
                Some(crate::hash::sha256(data).get(..n)? == expected)
            }
            _ => None,
        }
    }
}

impl<'data> MachO<'data> {
    /// The `LC_CODE_SIGNATURE` signature, or `None` if the file is unsigned.
    ///
    /// # Errors
    /// A malformed load command, or a signature that is not inside the file or no SuperBlob.
    pub fn code_signature(&self) -> Result<Option<CodeSignature<'data>>> {
        self.linkedit_data(crate::raw::LC_CODE_SIGNATURE)?
            .map(|l| CodeSignature::new(self, l.dataoff, l.datasize))
            .transpose()
    }
}
