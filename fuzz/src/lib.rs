//! Helpers of the fuzz targets: the full walk over a file ([`walk`]) and small, valid
//! Mach-O images built around fuzz input ([`image_with_dyld_info`],
//! [`image_with_chained_fixups`]).

/// The full walk, shared with darling-macho's property tests (it lives with them, so that the
/// crate as packaged has it).
#[path = "../../macho/tests/walk/mod.rs"]
pub mod walk;

use darling_macho::raw::{
    CPU_SUBTYPE_I386_ALL, CPU_SUBTYPE_X86_64_ALL, CPU_TYPE_I386, CPU_TYPE_X86_64,
    LC_DYLD_CHAINED_FIXUPS, LC_DYLD_INFO_ONLY, LC_SEGMENT, LC_SEGMENT_64, MH_EXECUTE, MH_MAGIC,
    MH_MAGIC_64,
};

/// The segments of a built image, in order: (name, vmaddr). Five, as an ld64 or lld
/// executable has, so that opcode streams and fixups taken from real files name segments
/// that exist.
pub const SEGMENTS: [(&[u8], u64); 5] = [
    (b"__PAGEZERO", 0),
    (b"__TEXT", 0x1_0000_0000),
    (b"__DATA_CONST", 0x1_0001_0000),
    (b"__DATA", 0x1_0002_0000),
    (b"__LINKEDIT", 0x1_0003_0000),
];

/// Every segment's `vmsize`: small, so that a run of records leaves its segment soon.
pub const SEGMENT_VMSIZE: u64 = 0x4000;

/// File offset of the blob (the fuzz input) in a built image.
pub const BLOB_OFFSET: usize = 0x200;

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u64le(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A little-endian x86_64 (or, with `is_64` false, i386) executable: a header, the five
/// [`SEGMENTS`] (no sections), the load command `linkedit` (whole, its cmdsize included), and
/// `blob` at [`BLOB_OFFSET`], followed by zeros up to `BLOB_OFFSET + min_region` bytes. Every
/// segment but `__PAGEZERO` maps the region from the blob on, so fixup chains read bytes of
/// the blob.
fn image(is_64: bool, linkedit: &[u8], blob: &[u8], min_region: usize) -> Vec<u8> {
    let region = blob.len().max(min_region);
    let (header, segment) = if is_64 { (32, 72) } else { (28, 56) };
    let sizeofcmds = SEGMENTS.len() * segment + linkedit.len();
    assert!(header + sizeofcmds <= BLOB_OFFSET);
    let mut out = Vec::with_capacity(BLOB_OFFSET + region);
    let (magic, cputype, cpusubtype) = if is_64 {
        (MH_MAGIC_64, CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_ALL)
    } else {
        (MH_MAGIC, CPU_TYPE_I386, CPU_SUBTYPE_I386_ALL)
    };
    u32le(&mut out, magic);
    u32le(&mut out, cputype as u32);
    u32le(&mut out, cpusubtype as u32);
    u32le(&mut out, MH_EXECUTE);
    u32le(&mut out, SEGMENTS.len() as u32 + 1);
    u32le(&mut out, sizeofcmds as u32);
    u32le(&mut out, 0); // flags
    if is_64 {
        u32le(&mut out, 0); // reserved
    }
    let word = |out: &mut Vec<u8>, v: u64| {
        if is_64 {
            u64le(out, v);
        } else {
            u32le(out, v as u32);
        }
    };
    for (i, (name, vmaddr)) in SEGMENTS.iter().enumerate() {
        u32le(&mut out, if is_64 { LC_SEGMENT_64 } else { LC_SEGMENT });
        u32le(&mut out, segment as u32);
        let mut segname = [0u8; 16];
        segname[..name.len()].copy_from_slice(name);
        out.extend_from_slice(&segname);
        // A 32-bit image has its segments one after the other from 0.
        let vmaddr = if is_64 {
            *vmaddr
        } else {
            i as u64 * SEGMENT_VMSIZE
        };
        word(&mut out, vmaddr);
        word(&mut out, SEGMENT_VMSIZE);
        let (fileoff, filesize) = if i == 0 {
            (0, 0)
        } else {
            (BLOB_OFFSET as u64, region as u64)
        };
        word(&mut out, fileoff);
        word(&mut out, filesize);
        let prot = if i == 0 { 0 } else { 3 };
        u32le(&mut out, prot); // maxprot
        u32le(&mut out, prot); // initprot
        u32le(&mut out, 0); // nsects
        u32le(&mut out, 0); // flags
    }
    out.extend_from_slice(linkedit);
    out.resize(BLOB_OFFSET, 0);
    out.extend_from_slice(blob);
    out.resize(BLOB_OFFSET + region, 0);
    out
}

/// An image (64- or 32-bit) whose `LC_DYLD_INFO_ONLY` points all four opcode streams at
/// `opcodes`, and has no exports trie (the `macho_exports_trie` target covers tries).
pub fn image_with_dyld_info(is_64: bool, opcodes: &[u8]) -> Vec<u8> {
    let (off, size) = (BLOB_OFFSET as u32, opcodes.len() as u32);
    let mut cmd = Vec::with_capacity(48);
    u32le(&mut cmd, LC_DYLD_INFO_ONLY);
    u32le(&mut cmd, 48);
    for _ in 0..4 {
        u32le(&mut cmd, off);
        u32le(&mut cmd, size);
    }
    u32le(&mut cmd, 0); // export_off
    u32le(&mut cmd, 0); // export_size
    image(is_64, &cmd, opcodes, 0)
}

/// An image whose `LC_DYLD_CHAINED_FIXUPS` data is `blob`. The segments map the blob and 32
/// KiB after it, so chains that start in the first pages can be followed.
pub fn image_with_chained_fixups(blob: &[u8]) -> Vec<u8> {
    let mut cmd = Vec::with_capacity(16);
    u32le(&mut cmd, LC_DYLD_CHAINED_FIXUPS);
    u32le(&mut cmd, 16);
    u32le(&mut cmd, BLOB_OFFSET as u32);
    u32le(&mut cmd, blob.len() as u32);
    image(true, &cmd, blob, 0x8000)
}
