//! The chained-fixup walk over hand-built images: the bitfields of every pointer format,
//! chains that step with each format's stride, several pages and several chains in one page,
//! and each error the walk reports, with the offset it names.
//!
//! Each image is a 64-bit little-endian `MH_EXECUTE` with `LC_SEGMENT_64` commands (no
//! sections) and an `LC_DYLD_CHAINED_FIXUPS` whose data holds one
//! `dyld_chained_starts_in_segment` per segment with fixups. The pointer values are packed
//! here, field by field, from the widths `mach-o/fixup-chains.h` gives them (low bits first,
//! as a C bitfield on a little-endian target), and the expected values are what was packed,
//! never what the crate decodes.

use darling_macho::chained_fixups::{
    DYLD_CHAINED_PTR_32, DYLD_CHAINED_PTR_32_CACHE, DYLD_CHAINED_PTR_32_FIRMWARE,
    DYLD_CHAINED_PTR_64, DYLD_CHAINED_PTR_64_KERNEL_CACHE, DYLD_CHAINED_PTR_64_OFFSET,
    DYLD_CHAINED_PTR_ARM64E, DYLD_CHAINED_PTR_ARM64E_FIRMWARE, DYLD_CHAINED_PTR_ARM64E_KERNEL,
    DYLD_CHAINED_PTR_ARM64E_USERLAND, DYLD_CHAINED_PTR_ARM64E_USERLAND24,
    DYLD_CHAINED_PTR_START_LAST, DYLD_CHAINED_PTR_START_MULTI, DYLD_CHAINED_PTR_START_NONE,
    DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE, PointerAuth,
};
use darling_macho::{ChainedFixup, Error, FixupTarget, MachO, raw};

// ---------------------------------------------------------------------------------------------
// Pointer encoders.

/// Packs `fields` (value, width in bits), the first in the lowest bits, into a word of
/// `total` bits. Every value must fit its width, and the widths must fill the word.
fn pack(total: u32, fields: &[(u64, u32)]) -> u64 {
    let mut word = 0u64;
    let mut at = 0;
    for &(value, width) in fields {
        assert!(
            width == 64 || value < 1 << width,
            "{value:#x} does not fit {width} bits"
        );
        word |= value << at;
        at += width;
    }
    assert_eq!(at, total, "the fields fill the word");
    word
}

/// A signed value as a `width`-bit two's-complement field.
fn signed(value: i64, width: u32) -> u64 {
    let half = 1i64 << (width - 1);
    assert!(
        (-half..half).contains(&value),
        "{value} does not fit {width} signed bits"
    );
    (value as u64) & ((1 << width) - 1)
}

/// `dyld_chained_ptr_arm64e_rebase`.
fn arm64e_rebase(target: u64, high8: u64, next: u64) -> u64 {
    // target, high8, next, bind = 0, auth = 0
    pack(64, &[(target, 43), (high8, 8), (next, 11), (0, 1), (0, 1)])
}

/// `dyld_chained_ptr_arm64e_bind`.
fn arm64e_bind(ordinal: u64, addend: i64, next: u64) -> u64 {
    // ordinal, zero, addend, next, bind = 1, auth = 0
    let fields = [
        (ordinal, 16),
        (0, 16),
        (signed(addend, 19), 19),
        (next, 11),
        (1, 1),
        (0, 1),
    ];
    pack(64, &fields)
}

/// `dyld_chained_ptr_arm64e_auth_rebase`.
fn arm64e_auth_rebase(target: u64, diversity: u64, addr_div: u64, key: u64, next: u64) -> u64 {
    // target, diversity, addrDiv, key, next, bind = 0, auth = 1
    let fields = [
        (target, 32),
        (diversity, 16),
        (addr_div, 1),
        (key, 2),
        (next, 11),
        (0, 1),
        (1, 1),
    ];
    pack(64, &fields)
}

/// `dyld_chained_ptr_arm64e_auth_bind`.
fn arm64e_auth_bind(ordinal: u64, diversity: u64, addr_div: u64, key: u64, next: u64) -> u64 {
    // ordinal, zero, diversity, addrDiv, key, next, bind = 1, auth = 1
    let fields = [
        (ordinal, 16),
        (0, 16),
        (diversity, 16),
        (addr_div, 1),
        (key, 2),
        (next, 11),
        (1, 1),
        (1, 1),
    ];
    pack(64, &fields)
}

/// `dyld_chained_ptr_arm64e_bind24` (`DYLD_CHAINED_PTR_ARM64E_USERLAND24`).
fn arm64e_bind24(ordinal: u64, addend: i64, next: u64) -> u64 {
    // ordinal, zero, addend, next, bind = 1, auth = 0
    let fields = [
        (ordinal, 24),
        (0, 8),
        (signed(addend, 19), 19),
        (next, 11),
        (1, 1),
        (0, 1),
    ];
    pack(64, &fields)
}

/// `dyld_chained_ptr_arm64e_auth_bind24` (`DYLD_CHAINED_PTR_ARM64E_USERLAND24`).
fn arm64e_auth_bind24(ordinal: u64, diversity: u64, addr_div: u64, key: u64, next: u64) -> u64 {
    // ordinal, zero, diversity, addrDiv, key, next, bind = 1, auth = 1
    let fields = [
        (ordinal, 24),
        (0, 8),
        (diversity, 16),
        (addr_div, 1),
        (key, 2),
        (next, 11),
        (1, 1),
        (1, 1),
    ];
    pack(64, &fields)
}

/// `dyld_chained_ptr_64_rebase` (`DYLD_CHAINED_PTR_64`, `DYLD_CHAINED_PTR_64_OFFSET`).
fn ptr64_rebase(target: u64, high8: u64, next: u64) -> u64 {
    // target, high8, reserved, next, bind = 0
    pack(64, &[(target, 36), (high8, 8), (0, 7), (next, 12), (0, 1)])
}

/// `dyld_chained_ptr_64_bind`.
fn ptr64_bind(ordinal: u64, addend: u64, next: u64) -> u64 {
    // ordinal, addend (unsigned), reserved, next, bind = 1
    pack(
        64,
        &[(ordinal, 24), (addend, 8), (0, 19), (next, 12), (1, 1)],
    )
}

/// `dyld_chained_ptr_64_kernel_cache_rebase` (`DYLD_CHAINED_PTR_64_KERNEL_CACHE`,
/// `DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE`).
struct KernelCacheRebase {
    target: u64,
    cache_level: u64,
    diversity: u64,
    addr_div: u64,
    key: u64,
    is_auth: u64,
}

impl KernelCacheRebase {
    fn encode(&self, next: u64) -> u64 {
        // target, cacheLevel, diversity, addrDiv, key, next, isAuth
        let fields = [
            (self.target, 30),
            (self.cache_level, 2),
            (self.diversity, 16),
            (self.addr_div, 1),
            (self.key, 2),
            (next, 12),
            (self.is_auth, 1),
        ];
        pack(64, &fields)
    }
}

/// `dyld_chained_ptr_32_rebase`.
fn ptr32_rebase(target: u64, next: u64) -> u64 {
    // target, next, bind = 0
    pack(32, &[(target, 26), (next, 5), (0, 1)])
}

/// `dyld_chained_ptr_32_bind`.
fn ptr32_bind(ordinal: u64, addend: u64, next: u64) -> u64 {
    // ordinal, addend (unsigned), next, bind = 1
    pack(32, &[(ordinal, 20), (addend, 6), (next, 5), (1, 1)])
}

/// `dyld_chained_ptr_32_cache_rebase`.
fn ptr32_cache_rebase(target: u64, next: u64) -> u64 {
    pack(32, &[(target, 30), (next, 2)])
}

/// `dyld_chained_ptr_32_firmware_rebase`.
fn ptr32_firmware_rebase(target: u64, next: u64) -> u64 {
    pack(32, &[(target, 26), (next, 6)])
}

/// Bytes per unit of `next`, from the pointer-format list of `fixup-chains.h` (and dyld's
/// `ChainedFixupPointerOnDisk::strideSize`).
fn stride(format: u16) -> u64 {
    match format {
        DYLD_CHAINED_PTR_ARM64E
        | DYLD_CHAINED_PTR_ARM64E_USERLAND
        | DYLD_CHAINED_PTR_ARM64E_USERLAND24 => 8,
        DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE => 1,
        _ => 4,
    }
}

/// Bytes per pointer.
fn pointer_size(format: u16) -> u64 {
    match format {
        DYLD_CHAINED_PTR_32 | DYLD_CHAINED_PTR_32_CACHE | DYLD_CHAINED_PTR_32_FIRMWARE => 4,
        _ => 8,
    }
}

// ---------------------------------------------------------------------------------------------
// The image builder.

/// `__TEXT`'s address: where the `mach_header` maps.
const BASE: u64 = 0x1_0000_0000;
/// File offset of the `LC_DYLD_CHAINED_FIXUPS` data: past the load commands, in `__TEXT`'s
/// file bytes.
const BLOB_AT: u64 = 0x800;
/// `starts_offset`: the starts-in-image structure right after the 28-byte header, 8-aligned.
const STARTS_OFFSET: u64 = 32;

/// An `LC_SEGMENT_64` without sections.
#[derive(Clone, Copy, Debug)]
struct Seg {
    name: &'static str,
    vmaddr: u64,
    vmsize: u64,
    fileoff: u64,
    filesize: u64,
}

impl Seg {
    fn new(name: &'static str, vmaddr: u64, fileoff: u64, filesize: u64) -> Self {
        Seg {
            name,
            vmaddr,
            vmsize: filesize.max(0x1000),
            fileoff,
            filesize,
        }
    }
}

/// A `dyld_chained_starts_in_segment`.
#[derive(Clone, Debug)]
struct Starts {
    /// The slot of `seg_info_offset[]` that points at it.
    segment: usize,
    page_size: u16,
    pointer_format: u16,
    /// The segment's offset from the image's start.
    segment_offset: u64,
    max_valid_pointer: u32,
    page_count: u16,
    /// `page_start[]`: `page_count` entries, then the overflow area of the MULTI pages.
    page_start: Vec<u16>,
}

impl Starts {
    fn new(segment: usize, seg: &Seg, format: u16, page_size: u16, page_start: Vec<u16>) -> Self {
        Starts {
            segment,
            page_size,
            pointer_format: format,
            segment_offset: seg.vmaddr - BASE,
            max_valid_pointer: 0,
            page_count: page_start.len() as u16,
            page_start,
        }
    }
}

#[derive(Debug, Default)]
struct Image {
    segments: Vec<Seg>,
    /// `seg_count`; the number of segment commands if `None`.
    seg_count: Option<u32>,
    /// The starts structures, in the order they are laid out in the data.
    starts: Vec<Starts>,
    /// Pointer-sized words: file offset, value, bytes (4 or 8).
    words: Vec<(u64, u64, u64)>,
    /// Cut the file to this length.
    file_len: Option<u64>,
}

/// A built image and where its starts structures are in the file.
struct Built {
    bytes: Vec<u8>,
    /// File offset of each of [`Image::starts`].
    starts_at: Vec<u64>,
}

fn push16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn push32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn push64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn align8(v: &mut Vec<u8>) {
    v.resize(v.len().next_multiple_of(8), 0);
}

impl Image {
    fn build(&self) -> Built {
        let seg_count = self.seg_count.unwrap_or(self.segments.len() as u32);

        // dyld_chained_starts_in_image: seg_count, seg_info_offset[], then the pool of
        // dyld_chained_starts_in_segment.
        let mut infos = vec![0u32; seg_count as usize];
        let head = (4 + 4 * seg_count as usize).next_multiple_of(8);
        let mut pool = Vec::new();
        let mut starts_at = Vec::new();
        for s in &self.starts {
            let off = head + pool.len();
            infos[s.segment] = off as u32;
            starts_at.push(BLOB_AT + STARTS_OFFSET + off as u64);
            push32(&mut pool, 22 + 2 * s.page_start.len() as u32); // size
            push16(&mut pool, s.page_size);
            push16(&mut pool, s.pointer_format);
            push64(&mut pool, s.segment_offset);
            push32(&mut pool, s.max_valid_pointer);
            push16(&mut pool, s.page_count);
            for &p in &s.page_start {
                push16(&mut pool, p);
            }
            align8(&mut pool);
        }
        let mut in_image = Vec::new();
        push32(&mut in_image, seg_count);
        for i in infos {
            push32(&mut in_image, i);
        }
        align8(&mut in_image);
        in_image.extend_from_slice(&pool);

        // No imports: the imports table and the names start where the data ends.
        let end = STARTS_OFFSET as u32 + in_image.len() as u32;
        let mut blob = Vec::new();
        // fixups_version, starts_offset, imports_offset, symbols_offset, imports_count,
        // imports_format (DYLD_CHAINED_IMPORT), symbols_format
        for w in [0, STARTS_OFFSET as u32, end, end, 0, 1, 0] {
            push32(&mut blob, w);
        }
        align8(&mut blob);
        assert_eq!(blob.len() as u64, STARTS_OFFSET);
        blob.extend_from_slice(&in_image);

        // The load commands.
        let mut cmds = Vec::new();
        for s in &self.segments {
            push32(&mut cmds, raw::LC_SEGMENT_64);
            push32(&mut cmds, 72);
            let mut name = [0u8; 16];
            name[..s.name.len()].copy_from_slice(s.name.as_bytes());
            cmds.extend_from_slice(&name);
            for w in [s.vmaddr, s.vmsize, s.fileoff, s.filesize] {
                push64(&mut cmds, w);
            }
            for w in [3, 3, 0, 0] {
                // maxprot, initprot, nsects, flags
                push32(&mut cmds, w);
            }
        }
        push32(&mut cmds, raw::LC_DYLD_CHAINED_FIXUPS);
        push32(&mut cmds, 16);
        push32(&mut cmds, BLOB_AT as u32);
        push32(&mut cmds, blob.len() as u32);

        let mut bytes = Vec::new();
        // mach_header_64: MH_MAGIC_64, CPU_TYPE_ARM64, subtype, MH_EXECUTE, ncmds, sizeofcmds,
        // flags, reserved
        let ncmds = self.segments.len() as u32 + 1;
        for w in [
            0xfeed_facf,
            0x0100_000c,
            0,
            2,
            ncmds,
            cmds.len() as u32,
            0,
            0,
        ] {
            push32(&mut bytes, w);
        }
        bytes.extend_from_slice(&cmds);
        assert!(
            bytes.len() as u64 <= BLOB_AT,
            "the load commands fit before the data"
        );

        let len = self
            .segments
            .iter()
            .map(|s| s.fileoff + s.filesize)
            .chain(self.words.iter().map(|&(at, _, size)| at + size))
            .chain([BLOB_AT + blob.len() as u64])
            .max()
            .unwrap();
        bytes.resize(len as usize, 0);
        let at = BLOB_AT as usize;
        bytes[at..at + blob.len()].copy_from_slice(&blob);
        for &(at, value, size) in &self.words {
            let (at, size) = (at as usize, size as usize);
            assert!(
                at >= BLOB_AT as usize + blob.len(),
                "words are past the data"
            );
            bytes[at..at + size].copy_from_slice(&value.to_le_bytes()[..size]);
        }
        if let Some(n) = self.file_len {
            bytes.truncate(n as usize);
        }
        Built { bytes, starts_at }
    }
}

// ---------------------------------------------------------------------------------------------
// Chains and what the walk should yield.

/// What a fixup should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Want {
    segment_index: u32,
    segment_offset: u64,
    image_offset: u64,
    file_offset: u64,
    raw: u64,
    pointer_format: u16,
    target: FixupTarget,
    auth: Option<PointerAuth>,
}

impl Want {
    fn of(f: &ChainedFixup) -> Self {
        Want {
            segment_index: f.segment_index,
            segment_offset: f.segment_offset,
            image_offset: f.image_offset,
            file_offset: f.file_offset,
            raw: f.raw,
            pointer_format: f.pointer_format(),
            target: f.target(),
            auth: f.auth(),
        }
    }

    /// The unslid address of a rebase: its target (plus the image's base for offsets) with
    /// `high8` in the top byte.
    fn address(&self) -> Option<u64> {
        match self.target {
            FixupTarget::Rebase {
                target,
                high8,
                is_offset,
            } => {
                let t = if is_offset { target + BASE } else { target };
                Some(t | u64::from(high8) << 56)
            }
            _ => None,
        }
    }
}

fn rebase(target: u64, high8: u8, is_offset: bool) -> FixupTarget {
    FixupTarget::Rebase {
        target,
        high8,
        is_offset,
    }
}

fn bind(ordinal: u32, addend: i64) -> FixupTarget {
    FixupTarget::Bind { ordinal, addend }
}

fn auth(diversity: u16, addr_div: bool, key: u8) -> Option<PointerAuth> {
    Some(PointerAuth {
        diversity,
        addr_div,
        key,
    })
}

/// One location of a chain: its offset in the page, its value given its `next`, and what
/// the walk should decode it to.
struct Loc {
    at: u64,
    encode: Box<dyn Fn(u64) -> u64>,
    target: FixupTarget,
    auth: Option<PointerAuth>,
}

fn loc(
    at: u64,
    encode: impl Fn(u64) -> u64 + 'static,
    target: FixupTarget,
    auth: Option<PointerAuth>,
) -> Loc {
    Loc {
        at,
        encode: Box::new(encode),
        target,
        auth,
    }
}

/// The segment whose chains are being laid out.
#[derive(Clone, Copy, Debug)]
struct Place {
    segment_index: u32,
    seg: Seg,
    format: u16,
    page_size: u64,
}

impl Place {
    /// Lays out one chain of page `page`, its locations in chain order, each `next` the
    /// distance to the following one in strides: adds the words to `image`, and the fixups
    /// the walk should yield to `want`.
    fn chain(&self, image: &mut Image, want: &mut Vec<Want>, page: u64, locs: &[Loc]) {
        let (stride, size) = (stride(self.format), pointer_size(self.format));
        for (i, l) in locs.iter().enumerate() {
            let next = locs.get(i + 1).map_or(0, |n| {
                let d = n.at - l.at;
                assert!(d >= size && d % stride == 0, "a {d}-byte step");
                d / stride
            });
            let raw = (l.encode)(next);
            let segment_offset = page * self.page_size + l.at;
            image
                .words
                .push((self.seg.fileoff + segment_offset, raw, size));
            want.push(Want {
                segment_index: self.segment_index,
                segment_offset,
                image_offset: self.seg.vmaddr - BASE + segment_offset,
                file_offset: self.seg.fileoff + segment_offset,
                raw,
                pointer_format: self.format,
                target: l.target,
                auth: l.auth,
            });
        }
    }
}

/// Every fixup the walk yields, and the error it stops at. After the error (or the end) the
/// walk must yield nothing more.
fn walk(bytes: &[u8]) -> (Vec<ChainedFixup>, Option<Error>) {
    let m = MachO::parse(bytes).expect("the image parses");
    let cf = m
        .chained_fixups()
        .expect("LC_DYLD_CHAINED_FIXUPS reads")
        .expect("LC_DYLD_CHAINED_FIXUPS");
    let mut it = cf.fixups();
    let mut fixups = Vec::new();
    let mut error = None;
    for r in it.by_ref() {
        match r {
            Ok(f) => fixups.push(f),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    for _ in 0..3 {
        assert_eq!(it.next(), None, "the walk yields nothing after {error:?}");
    }
    (fixups, error)
}

/// `got` is `want`, fixup by fixup, in order.
fn check(got: &[ChainedFixup], want: &[Want]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(Want::of(g), *w, "fixup {i}");
        assert_eq!(g.target_address(BASE), w.address(), "fixup {i} address");
    }
    assert_eq!(got.len(), want.len(), "fixups: {got:#?}");
}

fn location_error(offset: u64, expected: &'static str) -> Error {
    Error::Malformed {
        what: "chained fixup location",
        offset,
        expected,
    }
}

fn starts_error(offset: u64, expected: &'static str) -> Error {
    Error::Malformed {
        what: "chained fixups",
        offset,
        expected,
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Every pointer format: one chain in one page.

/// `__TEXT` of the one-chain images: it holds the header, the load commands and the fixups
/// data, and has no fixups of its own.
fn text(filesize: u64) -> Seg {
    Seg {
        vmsize: 0x8000,
        ..Seg::new("__TEXT", BASE, 0, filesize)
    }
}

/// An image whose `__DATA` (segment 1, one 0x4000-byte page, at file offset 0x4000 and image
/// offset 0x8000) holds one chain in format `format`, walked without error to the fixups
/// `locs` say.
fn one_chain(format: u16, max_valid_pointer: u32, locs: &[Loc]) {
    let data = Seg::new("__DATA", BASE + 0x8000, 0x4000, 0x4000);
    let page_size = 0x4000;
    let mut starts = Starts::new(1, &data, format, page_size, vec![locs[0].at as u16]);
    starts.max_valid_pointer = max_valid_pointer;
    let mut image = Image {
        segments: vec![text(0x4000), data],
        starts: vec![starts],
        ..Image::default()
    };
    let mut want = Vec::new();
    let place = Place {
        segment_index: 1,
        seg: data,
        format,
        page_size: page_size.into(),
    };
    place.chain(&mut image, &mut want, 0, locs);
    let (got, error) = walk(&image.build().bytes);
    assert_eq!(error, None);
    check(&got, &want);
}

/// Plain arm64e: 8-byte stride; an unauthenticated rebase is an address with `high8`; the
/// bind addend is 19 bits, signed; authenticated rebases are offsets.
#[test]
fn arm64e_chain() {
    one_chain(
        DYLD_CHAINED_PTR_ARM64E,
        0,
        &[
            loc(
                0x8,
                |n| arm64e_rebase(0x7_0000_1234, 0xab, n),
                rebase(0x7_0000_1234, 0xab, false),
                None,
            ),
            loc(0x10, |n| arm64e_bind(0xfffe, -1, n), bind(0xfffe, -1), None),
            loc(
                0x18,
                |n| arm64e_auth_rebase(0xfedc_ba98, 0xbeef, 1, 3, n),
                rebase(0xfedc_ba98, 0, true),
                auth(0xbeef, true, 3),
            ),
            // A step of 0x400 strides: the top bit of the 11-bit next.
            loc(
                0x2018,
                |n| arm64e_bind(3, -0x4_0000, n),
                bind(3, -0x4_0000),
                None,
            ),
            // The last location that fits in the page.
            loc(
                0x3ff8,
                |n| arm64e_auth_bind(0x1234, 1, 0, 0, n),
                bind(0x1234, 0),
                auth(1, false, 0),
            ),
        ],
    );
}

/// arm64e userland: like arm64e, but an unauthenticated rebase target is an offset.
#[test]
fn arm64e_userland_chain() {
    one_chain(
        DYLD_CHAINED_PTR_ARM64E_USERLAND,
        0,
        &[
            loc(
                0x0,
                |n| arm64e_rebase(0x4000, 0x80, n),
                rebase(0x4000, 0x80, true),
                None,
            ),
            loc(
                0x8,
                |n| arm64e_bind(0xffff, 0x3_ffff, n),
                bind(0xffff, 0x3_ffff),
                None,
            ),
            loc(
                0x2008,
                |n| arm64e_auth_rebase(0x8010, 0xffff, 0, 1, n),
                rebase(0x8010, 0, true),
                auth(0xffff, false, 1),
            ),
            loc(
                0x2010,
                |n| arm64e_auth_bind(0, 0x5555, 1, 2, n),
                bind(0, 0),
                auth(0x5555, true, 2),
            ),
        ],
    );
}

/// arm64e userland with 24-bit bind ordinals (both unauthenticated and authenticated).
#[test]
fn arm64e_userland24_chain() {
    one_chain(
        DYLD_CHAINED_PTR_ARM64E_USERLAND24,
        0,
        &[
            loc(
                0x10,
                |n| arm64e_bind24(0xab_cdef, -2, n),
                bind(0xab_cdef, -2),
                None,
            ),
            loc(
                0x18,
                |n| arm64e_auth_bind24(0xff_ffff, 0x1357, 1, 1, n),
                bind(0xff_ffff, 0),
                auth(0x1357, true, 1),
            ),
            loc(
                0x30,
                |n| arm64e_rebase(0x4_5678, 0x01, n),
                rebase(0x4_5678, 0x01, true),
                None,
            ),
            loc(
                0x38,
                |n| arm64e_auth_rebase(0xffff_ffff, 0, 0, 0, n),
                rebase(0xffff_ffff, 0, true),
                auth(0, false, 0),
            ),
            loc(
                0x40,
                |n| arm64e_bind24(0x1_0000, 0x3_ffff, n),
                bind(0x1_0000, 0x3_ffff),
                None,
            ),
            loc(
                0x48,
                |n| arm64e_bind24(7, -0x4_0000, n),
                bind(7, -0x4_0000),
                None,
            ),
        ],
    );
}

/// arm64e kernel: 4-byte stride; an unauthenticated rebase target is an offset.
#[test]
fn arm64e_kernel_chain() {
    one_chain(
        DYLD_CHAINED_PTR_ARM64E_KERNEL,
        0,
        &[
            loc(
                0x4,
                |n| arm64e_rebase(0x12_3456, 0xfe, n),
                rebase(0x12_3456, 0xfe, true),
                None,
            ),
            // 3 strides: 12 bytes.
            loc(
                0x10,
                |n| arm64e_auth_rebase(0x8_0000, 0xa5a5, 1, 0, n),
                rebase(0x8_0000, 0, true),
                auth(0xa5a5, true, 0),
            ),
            // 0x400 strides: the top bit of the 11-bit next.
            loc(0x1010, |n| arm64e_bind(5, -7, n), bind(5, -7), None),
            loc(
                0x1018,
                |n| arm64e_auth_bind(9, 2, 0, 1, n),
                bind(9, 0),
                auth(2, false, 1),
            ),
        ],
    );
}

/// arm64e firmware: 4-byte stride; an unauthenticated rebase target is an address.
#[test]
fn arm64e_firmware_chain() {
    one_chain(
        DYLD_CHAINED_PTR_ARM64E_FIRMWARE,
        0,
        &[
            loc(
                0x0,
                |n| arm64e_rebase(0x7ff_ffff_ffff, 0x42, n),
                rebase(0x7ff_ffff_ffff, 0x42, false),
                None,
            ),
            loc(
                0xc,
                |n| arm64e_auth_rebase(0x2000, 0x4242, 0, 2, n),
                rebase(0x2000, 0, true),
                auth(0x4242, false, 2),
            ),
            loc(0x14, |n| arm64e_bind(1, 0x100, n), bind(1, 0x100), None),
        ],
    );
}

/// 64: 4-byte stride; a rebase is a 36-bit address with `high8`; a bind has a 24-bit ordinal
/// and an unsigned 8-bit addend; nothing is authenticated (bit 63 is the bind bit).
#[test]
fn ptr64_chain() {
    one_chain(
        DYLD_CHAINED_PTR_64,
        0,
        &[
            loc(
                0x4,
                |n| ptr64_rebase(0xf_ffff_ffff, 0x5a, n),
                rebase(0xf_ffff_ffff, 0x5a, false),
                None,
            ),
            loc(
                0xc,
                |n| ptr64_bind(0xff_ffff, 0xff, n),
                bind(0xff_ffff, 0xff),
                None,
            ),
            // 0x800 strides: the top bit of the 12-bit next.
            loc(
                0x200c,
                |n| ptr64_rebase(0x1_0000_8000, 0, n),
                rebase(0x1_0000_8000, 0, false),
                None,
            ),
            loc(0x2014, |n| ptr64_bind(0, 1, n), bind(0, 1), None),
        ],
    );
}

/// 64 with offsets: as 64, but a rebase target is an offset.
#[test]
fn ptr64_offset_chain() {
    one_chain(
        DYLD_CHAINED_PTR_64_OFFSET,
        0,
        &[
            loc(
                0x0,
                |n| ptr64_rebase(0x8000, 0x80, n),
                rebase(0x8000, 0x80, true),
                None,
            ),
            loc(
                0x8,
                |n| ptr64_bind(0x10_0000, 0x80, n),
                bind(0x10_0000, 0x80),
                None,
            ),
            loc(
                0x14,
                |n| ptr64_rebase(0x4000, 0, n),
                rebase(0x4000, 0, true),
                None,
            ),
        ],
    );
}

/// 32: 4-byte pointers and stride; a rebase target above `max_valid_pointer` is a value
/// stored biased by (64 MiB + max_valid_pointer) / 2, not a pointer.
#[test]
fn ptr32_chain() {
    let max_valid = 0x10_0000;
    // The bias, (0x0400_0000 + 0x10_0000) / 2, is 0x208_0000.
    one_chain(
        DYLD_CHAINED_PTR_32,
        max_valid,
        &[
            loc(
                0x4,
                |n| ptr32_rebase(0x4000, n),
                rebase(0x4000, 0, false),
                None,
            ),
            // Adjacent: a reader of 8 bytes would see the next word in the high half.
            loc(
                0x8,
                |n| ptr32_rebase(0x10_0000, n),
                rebase(0x10_0000, 0, false),
                None,
            ),
            // 0x10_0001 - 0x208_0000, modulo 2^32.
            loc(
                0xc,
                |n| ptr32_rebase(0x10_0001, n),
                FixupTarget::NonPointer { value: 0xfe08_0001 },
                None,
            ),
            loc(
                0x10,
                |n| ptr32_bind(0xf_ffff, 63, n),
                bind(0xf_ffff, 63),
                None,
            ),
            // 0x10 strides: the top bit of the 5-bit next. 0x3ff_ffff - 0x208_0000.
            loc(
                0x50,
                |n| ptr32_rebase(0x3ff_ffff, n),
                FixupTarget::NonPointer { value: 0x1f7_ffff },
                None,
            ),
            // 0x1f strides, the largest next.
            loc(0xcc, |n| ptr32_bind(0, 0, n), bind(0, 0), None),
        ],
    );
}

/// A `max_valid_pointer` of 0 is no exception: dyld (`fixupAllChainedFixups`, and its
/// chain printer) compares `target > max_valid_pointer` as is, so every target but 0 is a
/// value biased by `0x0400_0000 / 2`, not a pointer.
#[test]
fn ptr32_with_max_valid_pointer_zero() {
    one_chain(
        DYLD_CHAINED_PTR_32,
        0,
        &[
            loc(0x4, |n| ptr32_rebase(0, n), rebase(0, 0, false), None),
            // 0x4000 - 0x200_0000, modulo 2^32.
            loc(
                0x8,
                |n| ptr32_rebase(0x4000, n),
                FixupTarget::NonPointer { value: 0xfe00_4000 },
                None,
            ),
            loc(
                0xc,
                |n| ptr32_rebase(0x300_0000, n),
                FixupTarget::NonPointer { value: 0x100_0000 },
                None,
            ),
        ],
    );
}

/// 32 for the shared cache: 30-bit offsets, a 2-bit next.
#[test]
fn ptr32_cache_chain() {
    one_chain(
        DYLD_CHAINED_PTR_32_CACHE,
        0,
        &[
            loc(
                0x8,
                |n| ptr32_cache_rebase(0x3fff_ffff, n),
                rebase(0x3fff_ffff, 0, true),
                None,
            ),
            loc(0x14, |n| ptr32_cache_rebase(0, n), rebase(0, 0, true), None),
            loc(
                0x1c,
                |n| ptr32_cache_rebase(0x1234, n),
                rebase(0x1234, 0, true),
                None,
            ),
        ],
    );
}

/// 32 for firmware: 26-bit addresses, a 6-bit next.
#[test]
fn ptr32_firmware_chain() {
    one_chain(
        DYLD_CHAINED_PTR_32_FIRMWARE,
        0,
        &[
            // 0x20 strides: the top bit of the 6-bit next.
            loc(
                0x0,
                |n| ptr32_firmware_rebase(0x3ff_ffff, n),
                rebase(0x3ff_ffff, 0, false),
                None,
            ),
            // 0x3f strides, the largest next.
            loc(
                0x80,
                |n| ptr32_firmware_rebase(0x10, n),
                rebase(0x10, 0, false),
                None,
            ),
            loc(
                0x17c,
                |n| ptr32_firmware_rebase(0x200_0000, n),
                rebase(0x200_0000, 0, false),
                None,
            ),
        ],
    );
}

/// The kernel caches' locations: each a rebase, the 30-bit target an offset (the cache level
/// above it not part of it), authenticated when `isAuth` is set.
fn kernel_cache_locs(at: [u64; 4]) -> Vec<Loc> {
    let plain = KernelCacheRebase {
        target: 0x3fff_ffff,
        cache_level: 3,
        // Authentication fields with isAuth clear: not authenticated.
        diversity: 0x1111,
        addr_div: 1,
        key: 1,
        is_auth: 0,
    };
    let signed = KernelCacheRebase {
        target: 0x1000,
        cache_level: 1,
        diversity: 0xc0de,
        addr_div: 1,
        key: 2,
        is_auth: 1,
    };
    let signed2 = KernelCacheRebase {
        target: 0x2_0000,
        cache_level: 0,
        diversity: 0xffff,
        addr_div: 0,
        key: 3,
        is_auth: 1,
    };
    let small = KernelCacheRebase {
        target: 0x40,
        cache_level: 2,
        diversity: 0,
        addr_div: 0,
        key: 0,
        is_auth: 0,
    };
    vec![
        loc(
            at[0],
            move |n| plain.encode(n),
            rebase(0x3fff_ffff, 0, true),
            None,
        ),
        loc(
            at[1],
            move |n| signed.encode(n),
            rebase(0x1000, 0, true),
            auth(0xc0de, true, 2),
        ),
        loc(
            at[2],
            move |n| signed2.encode(n),
            rebase(0x2_0000, 0, true),
            auth(0xffff, false, 3),
        ),
        loc(at[3], move |n| small.encode(n), rebase(0x40, 0, true), None),
    ]
}

/// The arm64 kernel cache: 4-byte stride.
#[test]
fn kernel_cache_chain() {
    let f = DYLD_CHAINED_PTR_64_KERNEL_CACHE;
    // Steps of 3, 0x800 (the top bit of the 12-bit next) and 2 strides.
    one_chain(f, 0, &kernel_cache_locs([0x4, 0x10, 0x2010, 0x2018]));
}

/// The x86_64 kernel cache: 1-byte stride, so locations need not be aligned.
#[test]
fn x86_64_kernel_cache_chain() {
    let f = DYLD_CHAINED_PTR_X86_64_KERNEL_CACHE;
    // Steps of 9, 0x800 (the top bit of the 12-bit next) and 0xfff strides.
    one_chain(f, 0, &kernel_cache_locs([0x3, 0xc, 0x80c, 0x180b]));
}

// ---------------------------------------------------------------------------------------------
// 2. Several segments, several pages, several chains in a page.

/// Segment by segment (in segment order, not the order of the starts in the data), page by
/// page, a page's chains in the order of its starts list, each chain in chain order. A NONE
/// page is skipped; a MULTI page's starts end at the one marked LAST.
#[test]
fn segments_pages_and_chains_in_order() {
    let text = Seg::new("__TEXT", BASE, 0, 0x1000);
    let data_const = Seg::new("__DATA_CONST", BASE + 0x4000, 0x1000, 0x4000);
    let data = Seg::new("__DATA", BASE + 0x8000, 0x5000, 0x2000);
    let multi = |index: u16| DYLD_CHAINED_PTR_START_MULTI | index;
    let last = |start: u16| DYLD_CHAINED_PTR_START_LAST | start;
    let none = DYLD_CHAINED_PTR_START_NONE;
    // Segment 1: page 0 one chain, page 1 none, page 2 three chains (overflow from index 4,
    // then a start after the LAST one that is not a start of the page), page 3 one chain.
    let starts1 = Starts::new(
        1,
        &data_const,
        DYLD_CHAINED_PTR_64_OFFSET,
        0x1000,
        vec![0x10, none, multi(4), 0x0, 0x8, 0x100, last(0x7f0), 0x800],
    );
    let starts1 = Starts {
        page_count: 4,
        ..starts1
    };
    let starts2 = Starts::new(
        2,
        &data,
        DYLD_CHAINED_PTR_ARM64E_USERLAND,
        0x1000,
        vec![0x20, 0xff8],
    );
    let mut image = Image {
        segments: vec![text, data_const, data],
        // Segment 2's starts first in the data.
        starts: vec![starts2, starts1],
        ..Image::default()
    };
    let mut want = Vec::new();
    let seg1 = Place {
        segment_index: 1,
        seg: data_const,
        format: DYLD_CHAINED_PTR_64_OFFSET,
        page_size: 0x1000,
    };
    let reb = |t: u64| move |n| ptr64_rebase(t, 0, n);
    let bnd = |o: u64, a: u64| move |n| ptr64_bind(o, a, n);
    seg1.chain(
        &mut image,
        &mut want,
        0,
        &[
            loc(0x10, reb(0x4010), rebase(0x4010, 0, true), None),
            loc(0x18, bnd(1, 0), bind(1, 0), None),
        ],
    );
    // Page 2: chain A runs past the start of chain B.
    seg1.chain(
        &mut image,
        &mut want,
        2,
        &[
            loc(0x8, reb(0x8000), rebase(0x8000, 0, true), None),
            loc(0x108, bnd(2, 3), bind(2, 3), None),
        ],
    );
    seg1.chain(
        &mut image,
        &mut want,
        2,
        &[loc(0x100, reb(0x4100), rebase(0x4100, 0, true), None)],
    );
    seg1.chain(
        &mut image,
        &mut want,
        2,
        &[
            loc(0x7f0, reb(0x4200), rebase(0x4200, 0, true), None),
            loc(0xff8, bnd(3, 0), bind(3, 0), None),
        ],
    );
    seg1.chain(
        &mut image,
        &mut want,
        3,
        &[loc(0x0, reb(0x4300), rebase(0x4300, 0, true), None)],
    );
    // What the start after LAST would find, were it read: not a fixup.
    image
        .words
        .push((data_const.fileoff + 0x2800, ptr64_rebase(0xdead, 0, 0), 8));
    // A fixup-looking word on the NONE page.
    image
        .words
        .push((data_const.fileoff + 0x1000, ptr64_rebase(0xbeef, 0, 0), 8));

    let seg2 = Place {
        segment_index: 2,
        seg: data,
        format: DYLD_CHAINED_PTR_ARM64E_USERLAND,
        page_size: 0x1000,
    };
    seg2.chain(
        &mut image,
        &mut want,
        0,
        &[
            loc(
                0x20,
                |n| arm64e_auth_rebase(0x4008, 0x11, 1, 0, n),
                rebase(0x4008, 0, true),
                auth(0x11, true, 0),
            ),
            loc(0x28, |n| arm64e_bind(4, -8, n), bind(4, -8), None),
        ],
    );
    seg2.chain(
        &mut image,
        &mut want,
        1,
        &[loc(
            0xff8,
            |n| arm64e_rebase(0x8008, 0, n),
            rebase(0x8008, 0, true),
            None,
        )],
    );

    let (got, error) = walk(&image.build().bytes);
    assert_eq!(error, None);
    check(&got, &want);
    let order: Vec<(u32, u64)> = got
        .iter()
        .map(|f| (f.segment_index, f.segment_offset))
        .collect();
    assert_eq!(
        order,
        [
            (1, 0x10),
            (1, 0x18),
            (1, 0x2008),
            (1, 0x2108),
            (1, 0x2100),
            (1, 0x27f0),
            (1, 0x2ff8),
            (1, 0x3000),
            (2, 0x20),
            (2, 0x28),
            (2, 0x1ff8),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Errors.

/// An image with `__TEXT` (segment 0) and `__DATA` (segment 1: at file offset 0x1000, image
/// offset 0x4000, `filesize` bytes) in pages of 0x1000, format `DYLD_CHAINED_PTR_64`.
fn data_image(filesize: u64, page_start: Vec<u16>) -> (Image, Place) {
    let data = Seg::new("__DATA", BASE + 0x4000, 0x1000, filesize);
    let format = DYLD_CHAINED_PTR_64;
    let image = Image {
        segments: vec![Seg::new("__TEXT", BASE, 0, 0x1000), data],
        starts: vec![Starts::new(1, &data, format, 0x1000, page_start)],
        ..Image::default()
    };
    let place = Place {
        segment_index: 1,
        seg: data,
        format,
        page_size: 0x1000,
    };
    (image, place)
}

/// A good chain in page `page` that the walk, stopped by an error before it, must not reach.
fn not_reached(image: &mut Image, place: &Place, page: u64) {
    place.chain(image, &mut Vec::new(), page, &[at(0x40, r64(0x7000))]);
}

fn r64(target: u64) -> Loc {
    loc(
        0,
        move |n| ptr64_rebase(target, 0, n),
        rebase(target, 0, false),
        None,
    )
}

fn at(at: u64, l: Loc) -> Loc {
    Loc { at, ..l }
}

/// A chain start whose pointer does not fit in the rest of its page. The last start that
/// fits (page 0) is fine.
#[test]
fn chain_start_past_its_page() {
    let (mut image, place) = data_image(0x3000, vec![0xff8, 0xffc, 0x0]);
    let mut want = Vec::new();
    place.chain(&mut image, &mut want, 0, &[at(0xff8, r64(0x4000))]);
    not_reached(&mut image, &place, 2);
    let (got, error) = walk(&image.build().bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(location_error(
            0x1000 + 0x1ffc,
            "a chain start inside its page"
        ))
    );
}

/// A chain start past the segment's file bytes (the file goes on).
#[test]
fn chain_start_past_the_segment_file_bytes() {
    let (mut image, place) = data_image(0x1020, vec![0x0, 0x20]);
    let mut want = Vec::new();
    place.chain(&mut image, &mut want, 0, &[r64(0x4000)]);
    // A fixup-looking word where the start points, past the segment, inside the file.
    image
        .words
        .push((0x1000 + 0x1020, ptr64_rebase(0x4040, 0, 0), 8));
    let (got, error) = walk(&image.build().bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(location_error(
            0x1000 + 0x1020,
            "a fixup location inside its segment's file bytes"
        ))
    );
}

/// A `next` to a location past the segment's file bytes: the error is at that location; the
/// locations before it, the last ending exactly at the segment's end, are yielded.
#[test]
fn chain_steps_past_the_segment_file_bytes() {
    let (mut image, place) = data_image(0x1020, vec![0x0, 0x10]);
    let mut want = Vec::new();
    place.chain(&mut image, &mut want, 0, &[r64(0x4000)]);
    place.chain(
        &mut image,
        &mut want,
        1,
        &[
            at(0x10, r64(0x4010)),
            at(0x18, r64(0x4018)),
            at(0x20, r64(0x4020)),
        ],
    );
    // The location at 0x1020 is not a fixup.
    want.pop();
    let (got, error) = walk(&image.build().bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(location_error(
            0x1000 + 0x1020,
            "a fixup location inside its segment's file bytes"
        ))
    );
}

/// A segment whose file bytes run past the end of the file: the location that is cut is a
/// truncated read.
#[test]
fn chain_location_past_the_end_of_the_file() {
    let (mut image, place) = data_image(0x2000, vec![0x0, 0x0]);
    let mut want = Vec::new();
    place.chain(
        &mut image,
        &mut want,
        0,
        &[r64(0x4000), at(0x8, r64(0x4008))],
    );
    // The file ends 4 bytes into page 1.
    image.file_len = Some(0x1000 + 0x1004);
    let (got, error) = walk(&image.build().bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(Error::Truncated {
            what: "chained fixup location",
            offset: 0x1000 + 0x1000,
            size: 8,
            available: 4,
        })
    );
}

/// A `next` that leaves the page: reported at the location holding it, which is not yielded.
/// A `next` to the last location that fits (page 0) is fine.
#[test]
fn chain_that_leaves_its_page() {
    let (mut image, place) = data_image(0x3000, vec![0xff0, 0xfe0, 0x0]);
    let mut want = Vec::new();
    place.chain(
        &mut image,
        &mut want,
        0,
        &[at(0xff0, r64(0x4000)), at(0xff8, r64(0x4008))],
    );
    // At 0xff0 of page 1: a next of 3 strides, to 0xffc, whose 8 bytes cross the page end.
    let leaves = loc(
        0xff0,
        |_| ptr64_rebase(0x4018, 0, 3),
        rebase(0x4018, 0, false),
        None,
    );
    place.chain(&mut image, &mut want, 1, &[at(0xfe0, r64(0x4010)), leaves]);
    // The location holding that next is not yielded.
    want.pop();
    not_reached(&mut image, &place, 2);
    let (got, error) = walk(&image.build().bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(location_error(
            0x1000 + 0x1ff0,
            "a chain that stays inside its page"
        ))
    );
}

/// Three pages, one chain in pages 0 and 2, and page 1 a MULTI page of `n` chains of one
/// location each, 0x10 bytes apart.
fn multi_page(n: u16) -> (Image, Vec<Want>) {
    let mut page_start = vec![0x0, DYLD_CHAINED_PTR_START_MULTI | 3, 0x0];
    page_start.extend((0..n).map(|i| i * 0x10));
    *page_start.last_mut().unwrap() |= DYLD_CHAINED_PTR_START_LAST;
    let (mut image, place) = data_image(0x3000, page_start);
    image.starts[0].page_count = 3;
    let mut want = Vec::new();
    place.chain(&mut image, &mut want, 0, &[r64(0x4000)]);
    for i in 0..u64::from(n) {
        place.chain(&mut image, &mut want, 1, &[at(i * 0x10, r64(0x5000 + i))]);
    }
    place.chain(&mut image, &mut want, 2, &[r64(0x6000)]);
    (image, want)
}

/// 64 chains in one page are walked; 65 are refused, at the segment's starts structure,
/// before any of that page's chains (the pages before it are yielded).
#[test]
fn at_most_64_chains_in_one_page() {
    let (image, want) = multi_page(64);
    let (got, error) = walk(&image.build().bytes);
    assert_eq!(error, None);
    check(&got, &want);
    assert_eq!(got.len(), 66);

    let (image, want) = multi_page(65);
    let built = image.build();
    let (got, error) = walk(&built.bytes);
    check(&got, &want[..1]);
    assert_eq!(
        error,
        Some(starts_error(
            built.starts_at[0],
            "at most 64 chains in one page"
        ))
    );
}

/// A MULTI page whose list of chain starts has no entry marked LAST runs off the end of the
/// starts structure: an error at the structure, before any of that page's chains, where
/// the walk used to end the page quietly and go on.
#[test]
fn chain_starts_without_last() {
    let (mut image, want) = multi_page(3);
    let list = &mut image.starts[0].page_start;
    *list.last_mut().unwrap() &= !DYLD_CHAINED_PTR_START_LAST;
    let built = image.build();
    let (got, error) = walk(&built.bytes);
    check(&got, &want[..1]);
    assert_eq!(
        error,
        Some(starts_error(
            built.starts_at[0],
            "a page's chain starts ended by DYLD_CHAINED_PTR_START_LAST inside \
             dyld_chained_starts_in_segment"
        ))
    );
}

/// An image with a good segment 1 (one chain) and a segment 2 whose starts are `bad`. The
/// file has `segments` segment commands: 2 (no segment 2, `seg_count` 3), 3, or 4 (a segment
/// 3 with a good chain after the bad one, which the walk must not reach).
fn second_starts(bad: impl FnOnce(&Seg) -> Starts, segments: usize) -> (Built, Vec<Want>) {
    let (mut image, place) = data_image(0x1000, vec![0x8]);
    let mut want = Vec::new();
    place.chain(
        &mut image,
        &mut want,
        0,
        &[at(0x8, r64(0x4008)), at(0x10, r64(0x4010))],
    );
    let more = Seg::new("__MORE", BASE + 0x8000, 0x2000, 0x1000);
    image.starts.push(bad(&more));
    image.seg_count = Some(segments.max(3) as u32);
    if segments >= 3 {
        image.segments.push(more);
    }
    if segments == 4 {
        let after = Seg::new("__AFTER", BASE + 0xc000, 0x3000, 0x1000);
        image.segments.push(after);
        let starts = Starts::new(3, &after, DYLD_CHAINED_PTR_64, 0x1000, vec![0x40]);
        image.starts.push(starts);
        let place = Place {
            segment_index: 3,
            seg: after,
            format: DYLD_CHAINED_PTR_64,
            page_size: 0x1000,
        };
        not_reached(&mut image, &place, 0);
    }
    (image.build(), want)
}

/// A pointer format the walk does not know, reported at its starts structure once the
/// segments before it are walked.
#[test]
fn unknown_pointer_format() {
    for format in [0, 99, 0xffff] {
        let (built, want) = second_starts(|s| Starts::new(2, s, format, 0x1000, vec![0]), 4);
        let (got, error) = walk(&built.bytes);
        check(&got, &want);
        assert_eq!(
            error,
            Some(starts_error(built.starts_at[1], "a known pointer_format")),
            "format {format}"
        );
    }
}

/// A page size of 0, reported at its starts structure.
#[test]
fn zero_page_size() {
    let (built, want) = second_starts(|s| Starts::new(2, s, DYLD_CHAINED_PTR_64, 0, vec![0]), 4);
    let (got, error) = walk(&built.bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(starts_error(built.starts_at[1], "a non-zero page_size"))
    );
}

/// Fixups for segment 2 of a file with two segment commands.
#[test]
fn fixups_for_a_segment_the_file_lacks() {
    let (built, want) = second_starts(
        |s| Starts::new(2, s, DYLD_CHAINED_PTR_64, 0x1000, vec![0]),
        2,
    );
    let (got, error) = walk(&built.bytes);
    check(&got, &want);
    assert_eq!(
        error,
        Some(starts_error(
            built.starts_at[1],
            "fixups only for segments the file has"
        ))
    );
    // The same starts, with the segment there: walked.
    let (built, _) = second_starts(
        |s| Starts::new(2, s, DYLD_CHAINED_PTR_64, 0x1000, vec![0]),
        3,
    );
    let (got, error) = walk(&built.bytes);
    assert_eq!(error, None);
    assert_eq!(got.len(), 3);
    assert_eq!(
        (
            got[2].segment_index,
            got[2].file_offset,
            got[2].image_offset
        ),
        (2, 0x2000, 0x8000)
    );
}
