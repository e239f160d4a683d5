//! The checks `MachO::parse` leaves to the point of access, and the accessors that replace
//! hand-made loops: `MachO::binds`, `ChainedFixups::imports`, `Symbol::name`'s "no name".

use darling_macho::{BindKind, Binds, Error, File, MachO};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bin")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Offset of `sizeofcmds` in both header layouts.
const SIZEOFCMDS: usize = 20;

fn set_sizeofcmds(data: &mut [u8], value: u32) {
    data[SIZEOFCMDS..SIZEOFCMDS + 4].copy_from_slice(&value.to_le_bytes());
}

/// The error every reader of the load commands gives when they run past the end.
fn area_error(m: &MachO<'_>) -> Error {
    Error::Truncated {
        what: "load commands",
        offset: m.header_size(),
        size: m.header().sizeofcmds.into(),
        available: m.data().len() as u64 - m.header_size(),
    }
}

#[test]
fn load_commands_past_the_end_are_a_truncated_error_at_first_access() {
    for name in ["exe-x86_64-dyldinfo", "exe-arm64-chained", "obj-i386.o"] {
        let mut data = fixture(name);
        let len = data.len() as u32;
        set_sizeofcmds(&mut data, len);
        // The header alone still reads.
        let m = MachO::parse(&data).unwrap();
        assert_eq!(m.header().sizeofcmds, len);
        assert!(matches!(File::parse(&data), Ok(File::MachO(_))));
        let want = area_error(&m);
        // The walk's one item is the error, and every accessor that reads commands gives it.
        let mut lcs = m.load_commands();
        assert_eq!(lcs.next().map(|r| r.err()), Some(Some(want)), "{name}");
        assert!(lcs.next().is_none());
        assert_eq!(m.dyld_info(), Err(want));
        assert_eq!(m.symbol_table().err(), Some(want));
        assert_eq!(m.chained_fixups().err(), Some(want));
        assert_eq!(m.exports_trie().err(), Some(want));
        assert_eq!(m.binds(BindKind::Bind).err(), Some(want));
        assert_eq!(m.segments().next().map(|r| r.err()), Some(Some(want)));
        assert_eq!(
            m.linkedit_data(darling_macho::raw::LC_CODE_SIGNATURE),
            Err(want)
        );
    }
}

#[test]
fn a_file_cut_inside_its_load_commands_reads_its_header_only() {
    let data = fixture("exe-x86_64-dyldinfo");
    let whole = MachO::parse(&data).unwrap();
    let end = (whole.header_size() + u64::from(whole.header().sizeofcmds)) as usize;
    for cut in [whole.header_size() as usize, end - 1] {
        let m = MachO::parse(&data[..cut]).unwrap();
        assert_eq!(m.header(), whole.header());
        let want = area_error(&m);
        let all: Vec<_> = m.load_commands().map(|r| r.err()).collect();
        assert_eq!(all, vec![Some(want)]);
    }
    // Even with no commands to read, an area past the end is reported.
    let mut empty = data[..whole.header_size() as usize].to_vec();
    empty[16..20].copy_from_slice(&0u32.to_le_bytes());
    let m = MachO::parse(&empty).unwrap();
    assert_eq!(
        m.load_commands().next().map(|r| r.err()),
        Some(Some(area_error(&m)))
    );
    // A header cut short is still refused by parse, with the same error as before.
    assert_eq!(
        MachO::parse(&data[..31]).err(),
        Some(Error::Truncated {
            what: "mach_header_64",
            offset: 0,
            size: 32,
            available: 31,
        })
    );
    assert_eq!(
        MachO::parse(&data[..3]).err(),
        Some(Error::Truncated {
            what: "magic number",
            offset: 0,
            size: 4,
            available: 3,
        })
    );
}

#[test]
fn every_magic_is_read_in_its_byte_order() {
    let le = fixture("exe-x86_64-dyldinfo");
    let m = MachO::parse(&le).unwrap();
    assert!(m.is_64());
    assert_eq!(m.endian(), darling_macho::Endianness::Little);
    let i386 = fixture("obj-i386.o");
    let m = MachO::parse(&i386).unwrap();
    assert!(!m.is_64());
    assert_eq!(m.header().reserved, 0);
    // Big-endian headers: the magic and every field byte-swapped.
    for (magic, is_64) in [(0xfeed_facfu32, true), (0xfeed_face, false)] {
        let mut h = vec![0u8; 32];
        h[..4].copy_from_slice(&magic.to_be_bytes());
        h[16..20].copy_from_slice(&0u32.to_be_bytes());
        let m = MachO::parse(&h).unwrap();
        assert_eq!(
            (m.is_64(), m.endian()),
            (is_64, darling_macho::Endianness::Big)
        );
        assert_eq!(m.header().magic, magic);
        assert_eq!(m.load_commands().count(), 0);
    }
    // Near misses are bad magic, read big-endian.
    for magic in [0xfeed_facdu32, 0xfeed_fad0, 0xcefa_edfd, 0xcdfa_edfe, 0] {
        let mut h = vec![0u8; 32];
        h[..4].copy_from_slice(&magic.to_be_bytes());
        assert_eq!(
            MachO::parse(&h).err(),
            Some(Error::BadMagic { offset: 0, magic })
        );
    }
}

#[test]
fn binds_reads_the_streams_of_the_first_dyld_info() {
    let data = fixture("exe-x86_64-dyldinfo");
    let m = MachO::parse(&data).unwrap();
    let d = m.dyld_info().unwrap().unwrap();
    let mut total = 0;
    for kind in [BindKind::Bind, BindKind::Weak, BindKind::Lazy] {
        let (off, size) = d.bind_stream(kind);
        let ours: Vec<_> = m.binds(kind).unwrap().unwrap().collect();
        let direct: Vec<_> = Binds::new(&m, kind, off, size).unwrap().collect();
        assert_eq!(ours, direct);
        assert!(
            ours.iter()
                .all(|b| b.as_ref().is_ok_and(|b| b.kind == kind))
        );
        total += ours.len();
    }
    assert!(total > 0);
    // An image that binds through chained fixups has no stream.
    let chained = fixture("exe-arm64-chained");
    let m = MachO::parse(&chained).unwrap();
    assert!(m.binds(BindKind::Lazy).unwrap().is_none());
}

#[test]
fn imports_iterate_the_imports_table() {
    let data = fixture("exe-arm64-chained");
    let m = MachO::parse(&data).unwrap();
    let c = m.chained_fixups().unwrap().unwrap();
    let n = c.header().imports_count;
    assert!(n > 0);
    let one_by_one: Vec<_> = (0..n).map(|i| c.import(i)).collect();
    assert_eq!(c.imports().collect::<Vec<_>>(), one_by_one);
    assert!(one_by_one.iter().all(|i| i.is_ok_and(|i| i.name.is_some())));
    assert_eq!(c.imports().size_hint(), (0, Some(n as usize)));

    // An unknown imports_format: one error, then nothing.
    let lc = m
        .linkedit_data(darling_macho::raw::LC_DYLD_CHAINED_FIXUPS)
        .unwrap()
        .unwrap();
    let mut bad = data.clone();
    let format = lc.dataoff as usize + 20;
    bad[format..format + 4].copy_from_slice(&9u32.to_le_bytes());
    let m = MachO::parse(&bad).unwrap();
    let c = m.chained_fixups().unwrap().unwrap();
    let mut it = c.imports();
    let first = it.next();
    assert_eq!(first, Some(c.import(0)));
    assert!(matches!(first, Some(Err(Error::Malformed { .. }))));
    assert_eq!(it.next(), None);

    // An imports table cut by the end of the data: the imports up to the cut, then the
    // error import(i) gives, then nothing.
    let mut cut = data.clone();
    let count = lc.dataoff as usize + 16;
    cut[count..count + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let m = MachO::parse(&cut).unwrap();
    let c = m.chained_fixups().unwrap().unwrap();
    let got: Vec<_> = c.imports().collect();
    let last = got.len() as u32 - 1;
    assert!(last >= n);
    assert_eq!(got.last(), Some(&c.import(last)));
    assert!(got.last().unwrap().is_err());
    assert!(got[..last as usize].iter().all(Result::is_ok));
}

#[test]
fn a_zero_string_index_is_no_name() {
    let data = fixture("exe-x86_64-dyldinfo");
    let m = MachO::parse(&data).unwrap();
    let table = m.symbol_table().unwrap().unwrap();
    let sym = table.iter().find(|s| s.n_strx != 0).unwrap();
    let name = sym.name().unwrap().unwrap();
    assert_eq!(name, c_str(&table.strings()[sym.n_strx as usize..]));

    // The same entry with n_strx 0 names nothing; past the table, it is an error.
    let symtab = m
        .load_commands()
        .map(Result::unwrap)
        .find(|lc| lc.cmd() == darling_macho::raw::LC_SYMTAB)
        .unwrap();
    let symoff = u32::from_le_bytes(symtab.bytes()[8..12].try_into().unwrap()) as usize;
    let at = symoff + 16 * sym.index as usize;
    let mut zero = data.clone();
    zero[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    let m = MachO::parse(&zero).unwrap();
    let s = m
        .symbol_table()
        .unwrap()
        .unwrap()
        .get(sym.index as usize)
        .unwrap();
    assert_eq!(s.name(), Ok(None));
    let mut past = data.clone();
    past[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let m = MachO::parse(&past).unwrap();
    let s = m
        .symbol_table()
        .unwrap()
        .unwrap()
        .get(sym.index as usize)
        .unwrap();
    assert!(matches!(s.name(), Err(Error::Malformed { .. })));
}

/// A string up to its NUL.
fn c_str(s: &[u8]) -> &[u8] {
    s.split(|&b| b == 0).next().unwrap_or(s)
}
