//! Property tests over the committed fixtures (`tests/data/bin`).
//!
//! Damaged files: random byte flips (anywhere, or inside one structure of the file), truncation
//! at any length, and header and load-command fields (`ncmds`, `sizeofcmds`, `cmdsize`,
//! `nsects`, `symoff`/`nsyms`, dyld-info offsets, chained-fixup headers, fat slice tables)
//! overwritten with random 32-bit values. For each, the full walk (`tests/walk`, which the
//! fuzz targets share so that both check the same promises) must end without a panic, every
//! problem being a typed `Error`.
//!
//! Consistency: a fixture's walk yields exactly `ncmds` commands and no error; sections lie
//! inside their segments; the slices of the fat fixtures are the thin fixtures; cutting or
//! damaging a file past its load commands leaves them as they were; LEB128 numbers decode to
//! what a reference encoder wrote.
//!
//! `PROPTEST_CASES` sets the number of cases of each property (default 256: the whole file
//! runs in well under a second in a debug build).

use std::path::PathBuf;
use std::sync::OnceLock;

use darling_macho::leb128::{read_sleb128, read_uleb128};
use darling_macho::raw::{self, LC_SEGMENT, LC_SEGMENT_64};
use darling_macho::{
    ChainedFixups, Command, Endianness, Error, FatFile, File, LoadCommand, MachO, Segment,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config as ProptestConfig;

#[allow(dead_code)]
mod walk;

use walk::walk_file;

/// The fixtures LLVM built (the `synth-*` ones are hand-made and some are broken on purpose).
const LLVM_FIXTURES: &[&str] = &[
    "exe-arm64-chained",
    "exe-arm64-dyldinfo",
    "exe-x86_64-chained",
    "exe-x86_64-dyldinfo",
    "exe-x86_64-legacy",
    "fat-exe",
    "fat-libhelper.dylib",
    "fat-obj.o",
    "fat64-exe",
    "libbase-arm64.dylib",
    "libbase-x86_64.dylib",
    "libhelper-arm64.dylib",
    "libhelper-x86_64.dylib",
    "libweakdep-arm64.dylib",
    "libweakdep-x86_64.dylib",
    "obj-arm64.o",
    "obj-i386.o",
    "obj-x86_64.o",
    "plugin-arm64-flat.bundle",
    "plugin-x86_64.bundle",
];

/// A fixture, with where its interesting fields and structures are.
#[derive(Debug)]
struct Fixture {
    name: String,
    data: Vec<u8>,
    /// 32-bit fields worth overwriting: (file offset, byte order).
    fields: Vec<(usize, Endianness)>,
    /// Byte ranges of structures worth damaging: load commands, opcode streams, tries,
    /// fixups, symbol and string tables.
    regions: Vec<(usize, usize)>,
    /// For a thin file, where its load commands end.
    commands_end: Option<usize>,
}

fn bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin")
}

/// Every file of `tests/data/bin`, sorted by name.
fn fixtures() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut paths: Vec<_> = std::fs::read_dir(bin_dir())
            .expect("tests/data/bin")
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let data = std::fs::read(&p).expect("a readable fixture");
                let mut fx = Fixture {
                    name: p.file_name().unwrap().to_string_lossy().into_owned(),
                    data,
                    fields: Vec::new(),
                    regions: Vec::new(),
                    commands_end: None,
                };
                locate(&mut fx);
                fx
            })
            .collect()
    })
}

fn fixture(name: &str) -> &'static Fixture {
    fixtures()
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// Fills in the fields and regions of a fixture.
fn locate(fx: &mut Fixture) {
    let data = fx.data.clone();
    match File::parse(&data) {
        Ok(File::MachO(m)) => {
            fx.commands_end = Some((m.header_size() + u64::from(m.header().sizeofcmds)) as usize);
            locate_macho(fx, &m, 0);
        }
        Ok(File::Fat(fat)) => {
            let be = Endianness::Big;
            fx.fields.push((4, be));
            let entry = if fat.is_64() { 32 } else { 20 };
            fx.regions.push((0, 8 + entry * fat.len()));
            for a in fat.arches() {
                let at = 8 + entry * a.index as usize;
                // cputype, cpusubtype, offset, size, align (both halves of 64-bit ones).
                let words: &[usize] = if fat.is_64() {
                    &[0, 4, 8, 12, 16, 20, 24]
                } else {
                    &[0, 4, 8, 12, 16]
                };
                fx.fields.extend(words.iter().map(|w| (at + w, be)));
                if let Ok(m) = fat.macho(&a) {
                    locate_macho(fx, &m, a.offset as usize);
                }
            }
        }
        Ok(File::Archive(archive)) => {
            for member in archive.members().map_while(Result::ok) {
                // The member header, then the Mach-O inside.
                fx.regions
                    .push((member.header_offset as usize, member.data_offset as usize));
                if let Ok(m) = MachO::parse(member.data) {
                    locate_macho(fx, &m, member.data_offset as usize);
                }
            }
        }
        Ok(_) | Err(_) => {}
    }
    fx.regions.push((0, fx.data.len()));
    fx.regions
        .retain(|&(start, end)| start < end && end <= fx.data.len());
    fx.fields.retain(|&(at, _)| at + 4 <= fx.data.len());
}

fn locate_macho(fx: &mut Fixture, m: &MachO<'_>, base: usize) {
    let e = m.endian();
    let mut field = |at: u64| fx.fields.push((base + at as usize, e));
    field(16); // ncmds
    field(20); // sizeofcmds
    let mut regions = vec![(
        0,
        (m.header_size() + u64::from(m.header().sizeofcmds)) as usize,
    )];
    let mut range = |off: u32, size: u32| {
        regions.push((off as usize, off as usize + size as usize));
    };
    for lc in m.load_commands().flatten() {
        let o = lc.offset();
        field(o + 4); // cmdsize
        match lc.cmd() {
            LC_SEGMENT_64 => {
                // vmsize, fileoff, filesize (low halves), nsects; each section's addr, size,
                // offset.
                [32, 40, 48, 64].iter().for_each(|k| field(o + k));
                let nsects = segment(&lc).map_or(0, |s| s.nsects());
                for i in 0..u64::from(nsects.min(8)) {
                    let s = o + 72 + 80 * i;
                    [32, 40, 48].iter().for_each(|k| field(s + k));
                }
            }
            LC_SEGMENT => {
                [28, 32, 36, 48].iter().for_each(|k| field(o + k));
                let nsects = segment(&lc).map_or(0, |s| s.nsects());
                for i in 0..u64::from(nsects.min(8)) {
                    let s = o + 56 + 68 * i;
                    [32, 36, 40].iter().for_each(|k| field(s + k));
                }
            }
            // Every word after the command header: symoff/nsyms/stroff/strsize, the
            // dysymtab indices, the dyld-info offsets and sizes, dataoff/datasize, string
            // offsets, ntools, thread-state flavors and counts, ...
            _ => (8..u64::from(lc.cmdsize().min(80)))
                .step_by(4)
                .for_each(|k| field(o + k)),
        }
        match lc.parse() {
            Ok(Command::Symtab(s)) => {
                let entry = if m.is_64() { 16 } else { 12 };
                range(s.symoff, s.nsyms.saturating_mul(entry));
                range(s.stroff, s.strsize);
            }
            Ok(Command::DyldInfo(d)) => {
                range(d.rebase_off, d.rebase_size);
                range(d.bind_off, d.bind_size);
                range(d.weak_bind_off, d.weak_bind_size);
                range(d.lazy_bind_off, d.lazy_bind_size);
                range(d.export_off, d.export_size);
            }
            Ok(Command::LinkeditData(l)) => {
                range(l.dataoff, l.datasize);
                if lc.cmd() == raw::LC_DYLD_CHAINED_FIXUPS
                    && let Ok(c) = ChainedFixups::new(m, l.dataoff, l.datasize)
                {
                    chained_fields(&mut field, &c, u64::from(l.dataoff));
                }
            }
            _ => {}
        }
    }
    fx.regions
        .extend(regions.into_iter().map(|(s, e)| (base + s, base + e)));
}

/// The words of a chained-fixups blob that steer the walk: the header, the segment table,
/// each segment's starts and the first imports.
fn chained_fields(field: &mut impl FnMut(u64), c: &ChainedFixups<'_>, at: u64) {
    (0..28).step_by(4).for_each(|k| field(at + k));
    let h = *c.header();
    let starts = at + u64::from(h.starts_offset);
    field(starts);
    let n = c.segment_count().unwrap_or(0).min(8);
    for i in 0..n {
        field(starts + 4 + 4 * u64::from(i));
        if let Ok(Some(s)) = c.segment_starts(i) {
            let seg = starts + u64::from(s.info_offset);
            // size, page_size|pointer_format, segment_offset, max_valid_pointer,
            // page_count|page_start[0], page_start[1..3].
            [0, 4, 8, 16, 20, 22, 24]
                .iter()
                .for_each(|k| field(seg + k));
        }
    }
    let imports = at + u64::from(h.imports_offset);
    (0..32).step_by(4).for_each(|k| field(imports + k));
}

fn segment<'a>(lc: &LoadCommand<'a>) -> Option<Segment<'a>> {
    match lc.parse() {
        Ok(Command::Segment(s)) => Some(s),
        _ => None,
    }
}

fn read_u32(data: &[u8], at: usize, e: Endianness) -> u32 {
    let b: [u8; 4] = data[at..at + 4].try_into().unwrap();
    match e {
        Endianness::Little => u32::from_le_bytes(b),
        Endianness::Big => u32::from_be_bytes(b),
    }
}

fn write_u32(data: &mut [u8], at: usize, e: Endianness, v: u32) {
    let b = match e {
        Endianness::Little => v.to_le_bytes(),
        Endianness::Big => v.to_be_bytes(),
    };
    data[at..at + 4].copy_from_slice(&b);
}

/// A new value for a field.
#[derive(Clone, Debug)]
enum Value {
    /// This one.
    Set(u32),
    /// The old one plus this.
    Add(i32),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => any::<u32>().prop_map(Value::Set),
        2 => (-64i32..64).prop_map(Value::Add),
        1 => prop_oneof![
            Just(0u32),
            Just(1),
            Just(0x7fff_ffff),
            Just(0x8000_0000),
            Just(u32::MAX),
            (0u32..32).prop_map(|b| 1 << b),
        ]
        .prop_map(Value::Set),
    ]
}

fn fixture_index() -> impl Strategy<Value = usize> {
    0..fixtures().len()
}

/// Indices of the thin fixtures.
fn thin_fixture_index() -> impl Strategy<Value = usize> {
    let thin: Vec<usize> = (0..fixtures().len())
        .filter(|&i| fixtures()[i].commands_end.is_some())
        .collect();
    proptest::sample::select(thin)
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // Failures print their (small) inputs; no regression files in the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Everything the load-command walk yields (commands, their typed views, or its error), for
/// comparing two walks.
fn commands(m: &MachO<'_>) -> Vec<String> {
    m.load_commands()
        .map(|lc| format!("{:?}", lc.map(|lc| (lc.offset(), lc.bytes(), lc.parse()))))
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// Flip a few bytes, anywhere or inside one structure of the file, and walk it.
    #[test]
    fn byte_flips_never_panic(
        f in fixture_index(),
        region in any::<Index>(),
        flips in prop::collection::vec((any::<Index>(), 1u8..=255), 1..8),
    ) {
        let fx = &fixtures()[f];
        let mut data = fx.data.clone();
        if let Some(&(start, end)) = fx.regions.get(region.index(fx.regions.len().max(1))) {
            for (at, x) in flips {
                data[start + at.index(end - start)] ^= x;
            }
        }
        walk_file(&data);
    }

    /// Cut a file anywhere: the walk ends cleanly, the cut file parses exactly when its header
    /// (or slice table and slices) is still whole, and its load commands are read exactly
    /// when they are whole too.
    #[test]
    fn truncation_never_panics(f in fixture_index(), len in any::<Index>()) {
        let fx = &fixtures()[f];
        let cut = &fx.data[..len.index(fx.data.len() + 1)];
        walk_file(cut);
        match File::parse(&fx.data) {
            Ok(File::MachO(whole)) => {
                // The header parses when it is whole; the load commands are read when they
                // are whole too, and otherwise the walk says they are cut.
                let header = whole.header_size() as usize;
                let need = fx.commands_end.unwrap();
                match MachO::parse(cut) {
                    Ok(m) => {
                        prop_assert!(cut.len() >= header);
                        prop_assert_eq!(m.header(), whole.header());
                        if cut.len() >= need {
                            prop_assert_eq!(commands(&m), commands(&whole));
                        } else {
                            let first = m.load_commands().next();
                            prop_assert!(
                                matches!(
                                    first,
                                    Some(Err(Error::Truncated { what: "load commands", .. }))
                                ),
                                "{:?}",
                                first
                            );
                        }
                    }
                    Err(e) => {
                        prop_assert!(cut.len() < header);
                        prop_assert!(matches!(e, Error::Truncated { .. }), "{:?}", e);
                    }
                }
            }
            Ok(File::Fat(whole)) => {
                let need = whole.arches().map(|a| a.offset + a.size).max().unwrap_or(8);
                match FatFile::parse(cut) {
                    Ok(fat) => {
                        prop_assert!(cut.len() as u64 >= need);
                        prop_assert!(fat.arches().eq(whole.arches()));
                    }
                    Err(_) => prop_assert!((cut.len() as u64) < need),
                }
            }
            Ok(_) | Err(_) => {}
        }
    }

    /// Overwrite header, load-command, fixup and fat-table fields with random values.
    #[test]
    fn overwritten_fields_never_panic(
        f in fixture_index(),
        writes in prop::collection::vec((any::<Index>(), value()), 1..4),
        cut in prop::option::weighted(0.2, any::<Index>()),
    ) {
        let fx = &fixtures()[f];
        let mut data = fx.data.clone();
        if !fx.fields.is_empty() {
            for (which, v) in writes {
                let (at, e) = fx.fields[which.index(fx.fields.len())];
                let new = match v {
                    Value::Set(v) => v,
                    Value::Add(d) => read_u32(&data, at, e).wrapping_add_signed(d),
                };
                write_u32(&mut data, at, e, new);
            }
        }
        if let Some(cut) = cut {
            data.truncate(cut.index(data.len() + 1));
        }
        walk_file(&data);
    }

    /// Damage past the load commands changes none of them: every view of a command is read
    /// from the command's own bytes.
    #[test]
    fn damage_past_load_commands_keeps_them(
        f in thin_fixture_index(),
        flips in prop::collection::vec((any::<Index>(), 1u8..=255), 1..16),
    ) {
        let fx = &fixtures()[f];
        let end = fx.commands_end.unwrap();
        prop_assume!(end < fx.data.len());
        let mut data = fx.data.clone();
        for (at, x) in flips {
            data[end + at.index(fx.data.len() - end)] ^= x;
        }
        let whole = MachO::parse(&fx.data).unwrap();
        let damaged = MachO::parse(&data).expect("the header and load commands are intact");
        prop_assert_eq!(commands(&damaged), commands(&whole));
        walk_file(&data);
    }

    /// ULEB128: what a reference encoder writes (with optional redundant padding) decodes to
    /// the same value and ends where it ended; what follows is left alone.
    #[test]
    fn uleb128_round_trips(
        v in prop_oneof![any::<u64>(), 0u64..0x4000, (0u32..64).prop_map(|b| 1u64 << b)],
        pad in 0usize..4,
        tail in prop::collection::vec(any::<u8>(), 0..4),
    ) {
        let mut bytes = uleb(v, pad);
        let len = bytes.len();
        bytes.extend_from_slice(&tail);
        let mut pos = 0;
        prop_assert_eq!(read_uleb128(&bytes, &mut pos, "test", 0), Ok(v));
        prop_assert_eq!(pos, len);
        // Cut short, it is an error, never a wrong number.
        let mut pos = 0;
        prop_assert!(read_uleb128(&bytes[..len - 1], &mut pos, "test", 0).is_err());
    }

    /// SLEB128, likewise.
    #[test]
    fn sleb128_round_trips(
        v in prop_oneof![any::<i64>(), -0x2000i64..0x2000, Just(i64::MIN), Just(i64::MAX)],
        pad in 0usize..4,
        tail in prop::collection::vec(any::<u8>(), 0..4),
    ) {
        let mut bytes = sleb(v, pad);
        let len = bytes.len();
        bytes.extend_from_slice(&tail);
        let mut pos = 0;
        prop_assert_eq!(read_sleb128(&bytes, &mut pos, "test", 0), Ok(v));
        prop_assert_eq!(pos, len);
        let mut pos = 0;
        prop_assert!(read_sleb128(&bytes[..len - 1], &mut pos, "test", 0).is_err());
    }

    /// Any bytes: the ULEB128 decoder accepts exactly the numbers that fit in 64 bits, with
    /// the value an exact (128-bit) decoder finds.
    #[test]
    fn uleb128_agrees_with_an_exact_decoder(bytes in leb_bytes()) {
        let (exact, _, used) = exact_leb(&bytes);
        let mut pos = 0;
        match (read_uleb128(&bytes, &mut pos, "test", 0), exact.and_then(|v| u64::try_from(v).ok())) {
            (Ok(v), Some(x)) => {
                prop_assert_eq!(v, x);
                prop_assert_eq!(Some(pos), used);
            }
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "{:02x?}: got {:?}, exact {:?}", bytes, got, want),
        }
    }

    /// SLEB128, likewise.
    #[test]
        fn sleb128_agrees_with_an_exact_decoder(bytes in leb_bytes()) {
        let (_, exact, used) = exact_leb(&bytes);
        let mut pos = 0;
        match (read_sleb128(&bytes, &mut pos, "test", 0), exact.and_then(|v| i64::try_from(v).ok())) {
            (Ok(v), Some(x)) => {
                prop_assert_eq!(v, x);
                prop_assert_eq!(Some(pos), used);
            }
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "{:02x?}: got {:?}, exact {:?}", bytes, got, want),
        }
    }
}

/// LEB128-looking bytes: mostly continuation bytes, so that long numbers are common.
fn leb_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            0x80u8..=0xff,
            0u8..0x80,
            Just(0x80),
            Just(0xff),
            Just(0x7f),
            Just(0)
        ],
        1..16,
    )
}

/// `read_sleb128` promises an error for a number that does not fit in 64 bits, but a tenth
/// byte other than 0x00 or 0x7f (and, past it, any mix of 0x00 and 0x7f) is taken, its
/// high bits dropped: these are 2^63, -2^69, -2^64 and 2^70 - 1, read as i64::MIN, 0, 0
/// and -1.
#[test]
fn sleb128_rejects_numbers_outside_i64() {
    let nine = [0x80u8; 9];
    for last in [&[0x01u8][..], &[0x40], &[0x7e]] {
        let bytes = [&nine[..], last].concat();
        let (_, exact, _) = exact_leb(&bytes);
        assert!(i64::try_from(exact.unwrap()).is_err());
        let got = read_sleb128(&bytes, &mut 0, "test", 0);
        assert!(
            got.is_err(),
            "{bytes:02x?} (exactly {exact:?}) read as {got:?}"
        );
    }
    let past = [
        0xffu8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
    ];
    let (_, exact, _) = exact_leb(&past);
    assert!(i64::try_from(exact.unwrap()).is_err());
    assert!(
        read_sleb128(&past, &mut 0, "test", 0).is_err(),
        "{past:02x?}"
    );
}

/// Reference ULEB128 encoder; `pad` redundant continuation bytes.
fn uleb(mut v: u64, pad: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    for _ in 0..pad {
        *out.last_mut().unwrap() |= 0x80;
        out.push(0);
    }
    out
}

/// Reference SLEB128 encoder; `pad` redundant sign bytes.
fn sleb(mut v: i64, pad: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    let sign = if v < 0 { 0x7f } else { 0 };
    for _ in 0..pad {
        *out.last_mut().unwrap() |= 0x80;
        out.push(sign);
    }
    out
}

/// Exact LEB128 values of the number at the start of `bytes` (fewer than 18 bytes, so 128
/// bits hold it): unsigned, signed, and its length; `None`s if it does not end.
fn exact_leb(bytes: &[u8]) -> (Option<u128>, Option<i128>, Option<usize>) {
    assert!(bytes.len() < 18);
    let (mut u, mut shift) = (0u128, 0u32);
    for (i, &b) in bytes.iter().enumerate() {
        u |= u128::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            let s = if b & 0x40 != 0 {
                (u | (u128::MAX << shift)) as i128
            } else {
                u as i128
            };
            return (Some(u), Some(s), Some(i + 1));
        }
    }
    (None, None, None)
}

/// A child offset near `u64::MAX` in a trie that is not at offset 0 must be an error, not an
/// overflow (`fuzz/artifacts-kept/macho_exports_trie/child-offset-overflow-in-error`).
#[test]
fn exports_trie_with_a_far_child_is_an_error() {
    let trie = [
        0x00, 0x65, 0x00, 0xa0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ];
    let exports: Vec<_> = darling_macho::ExportsTrie::from_bytes(&trie, 0x4000)
        .iter()
        .collect();
    assert!(
        matches!(exports[..], [Err(Error::Malformed { .. })]),
        "{exports:?}"
    );
}

#[test]
fn every_fixture_walks_without_panicking() {
    for fx in fixtures() {
        walk_file(&fx.data);
    }
}

/// The fixtures LLVM built walk without a single error, yield `ncmds` commands per image, and
/// have what they were built to have.
#[test]
fn llvm_fixtures_walk_cleanly() {
    for name in LLVM_FIXTURES {
        let fx = fixture(name);
        let s = walk_file(&fx.data);
        assert_eq!(s.errors, 0, "{name}: {s:?}");
        let images: Vec<MachO<'_>> = match File::parse(&fx.data).unwrap() {
            File::MachO(m) => vec![m],
            File::Fat(fat) => fat.arches().map(|a| fat.macho(&a).unwrap()).collect(),
            _ => panic!("{name} is no Mach-O or fat file"),
        };
        assert_eq!(s.images, images.len(), "{name}");
        let ncmds: u32 = images.iter().map(|m| m.header().ncmds).sum();
        assert_eq!(s.load_commands, ncmds as usize, "{name}");
        for m in &images {
            assert_eq!(m.load_commands().count(), m.header().ncmds as usize);
        }
        assert!(
            s.segments > 0 && s.sections > 0 && s.symbols > 0,
            "{name}: {s:?}"
        );
        if name.contains("dyldinfo") || *name == "plugin-x86_64.bundle" {
            assert!(s.rebases > 0 && s.binds > 0, "{name}: {s:?}");
        }
        if name.contains("chained") || *name == "fat-exe" || *name == "fat64-exe" {
            assert!(s.fixups > 0 && s.imports > 0, "{name}: {s:?}");
        }
        if name.starts_with("exe-") || name.starts_with("lib") {
            assert!(s.exports > 0, "{name}: {s:?}");
        }
    }
}

/// In a linked image or an object file, every section lies inside its segment, in memory and
/// in the file, and segments do not overlap in memory.
#[test]
fn sections_lie_inside_their_segments() {
    for name in LLVM_FIXTURES {
        let fx = fixture(name);
        let images: Vec<MachO<'_>> = match File::parse(&fx.data).unwrap() {
            File::MachO(m) => vec![m],
            File::Fat(fat) => fat.arches().map(|a| fat.macho(&a).unwrap()).collect(),
            _ => panic!("{name} is no Mach-O or fat file"),
        };
        for m in images {
            let segments: Vec<Segment<'_>> = m.segments().map(|s| s.unwrap()).collect();
            for seg in &segments {
                let (vm, vm_end) = (seg.vmaddr(), seg.vmaddr() + seg.vmsize());
                let (file, file_end) = (seg.fileoff(), seg.fileoff() + seg.filesize());
                for sec in seg.sections() {
                    let what = format!(
                        "{name}: {}/{}",
                        String::from_utf8_lossy(seg.name()),
                        String::from_utf8_lossy(sec.name())
                    );
                    assert!(
                        vm <= sec.addr() && sec.addr() + sec.size() <= vm_end,
                        "{what}"
                    );
                    if m.header().filetype != raw::MH_OBJECT {
                        assert_eq!(sec.segment_name(), seg.name(), "{what}");
                    }
                    if let Some(bytes) = sec.data(m.data()).unwrap()
                        && !bytes.is_empty()
                    {
                        let off = u64::from(sec.offset());
                        assert!(file <= off && off + sec.size() <= file_end, "{what}");
                    }
                }
            }
            for (i, a) in segments.iter().enumerate() {
                for b in &segments[..i] {
                    assert!(
                        a.vmsize() == 0
                            || b.vmsize() == 0
                            || a.vmaddr() + a.vmsize() <= b.vmaddr()
                            || b.vmaddr() + b.vmsize() <= a.vmaddr(),
                        "{name}: segments overlap"
                    );
                }
            }
        }
    }
}

/// `llvm-lipo` copies each thin file whole into its fat file.
#[test]
fn fat_slices_are_the_thin_files() {
    for (fat_name, thin) in [
        ("fat-exe", &["exe-x86_64-chained", "exe-arm64-chained"][..]),
        ("fat64-exe", &["exe-x86_64-chained", "exe-arm64-chained"]),
        (
            "fat-libhelper.dylib",
            &["libhelper-x86_64.dylib", "libhelper-arm64.dylib"],
        ),
        ("fat-obj.o", &["obj-x86_64.o", "obj-i386.o", "obj-arm64.o"]),
    ] {
        let fat = FatFile::parse(&fixture(fat_name).data).unwrap();
        assert_eq!(fat.len(), thin.len(), "{fat_name}");
        for (a, thin) in fat.arches().zip(thin) {
            let slice = fat.slice_data(&a).unwrap();
            assert!(slice == fixture(thin).data, "{fat_name} slice {}", a.index);
            let m = fat.macho(&a).unwrap();
            assert_eq!(
                (m.header().cputype, m.header().cpusubtype),
                (a.cputype, a.cpusubtype)
            );
            assert_eq!(
                walk_file(slice),
                walk_file(&fixture(thin).data),
                "{fat_name} slice {}",
                a.index
            );
        }
    }
}
