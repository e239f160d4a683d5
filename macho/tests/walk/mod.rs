//! The full walk over a Mach-O or fat file: every view darling-macho offers, consumed to the
//! end, with what each view promises checked by assertions.
//!
//! darling-macho's property tests and the workspace's fuzz targets (whose `darling_fuzz::walk`
//! is this file, included with `#[path]`) share it, so that both check the same promises. It
//! lives with the tests so that the crate as packaged holds it; it uses nothing but `std` and
//! `darling_macho`.
//!
//! A panic here is a bug: in darling-macho if the message is one of the assertions below, or
//! in this walk. Nothing in here may be slow on hostile input: every stream is consumed for
//! at most [`MAX_RECORDS`] records, and at most [`MAX_BLOBS`] blobs of one kind are walked
//! per image.

use std::collections::{HashMap, HashSet};

use darling_macho::chained_fixups::{SegmentStarts, pointer_format_layout};
use darling_macho::raw::{
    self, BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION, CPU_SUBTYPE_MASK, EXPORT_SYMBOL_FLAGS_REEXPORT,
    EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION, LC_DYLD_CHAINED_FIXUPS, LC_DYLD_EXPORTS_TRIE,
    LC_ENCRYPTION_INFO_64, LC_ID_DYLIB, LC_SEGMENT_64,
};
use darling_macho::{
    Archive, BindKind, Binds, ChainedFixups, Command, DyldInfo, DylibKind,
    EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT, Endianness, Error, ExportKind, ExportsTrie, FatFile,
    File, FixupTarget, LcStr, LoadCommand, MAX_FAT_ARCHES, MachO, Rebases, Result, Segment,
    SymbolTable, Symtab, ThreadStates, arch_from_name, arch_name, dylib_short_name,
};

/// The most records consumed from one stream (rebases, binds, exports, fixups, symbols,
/// imports, chain starts). A repeat count of 2^60 is valid input; walking it is not useful.
pub const MAX_RECORDS: usize = 100_000;

/// The most blobs of one kind (symbol tables, dyld infos, exports tries, chained fixups)
/// walked per image. More are only opened: a file may point a thousand load commands at one
/// big stream.
pub const MAX_BLOBS: usize = 16;

/// What a walk saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Mach-O images parsed (1 for a thin file, one per parsable slice of a fat file).
    pub images: usize,
    /// Load commands yielded.
    pub load_commands: usize,
    /// Segment commands parsed.
    pub segments: usize,
    /// Sections of those.
    pub sections: usize,
    /// Symbols read.
    pub symbols: usize,
    /// Rebase records.
    pub rebases: usize,
    /// Bind records (all three streams).
    pub binds: usize,
    /// Exports.
    pub exports: usize,
    /// Chained-fixup imports.
    pub imports: usize,
    /// Chained fixups.
    pub fixups: usize,
    /// Errors returned anywhere.
    pub errors: usize,
}

/// Checks what every error promises and counts it.
pub fn check_error(s: &mut Summary, e: &Error) {
    s.errors += 1;
    assert!(!e.to_string().is_empty(), "{e:?} formats as nothing");
    if let Error::Truncated {
        size, available, ..
    } = *e
    {
        // "needs {size} bytes but only {available} remain": unless the offset itself is past
        // the end (then both may be 0), fewer remain than are needed.
        assert!(available < size || size == 0, "{e:?} is no truncation");
    }
}

/// Whether `inner` lies inside `outer` (an empty `inner` anywhere in or at the end of it).
fn is_within(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr_range(), inner.as_ptr_range());
    o.start <= i.start && i.end <= o.end
}

/// Where `inner`, a view into `outer`, starts in it.
fn offset_in(outer: &[u8], inner: &[u8]) -> u64 {
    assert!(
        is_within(outer, inner),
        "a view that is not inside its data"
    );
    (inner.as_ptr() as usize - outer.as_ptr() as usize) as u64
}

/// Consumes up to [`MAX_RECORDS`] items of a fallible iterator, handing each to `f`. Checks
/// that the iterator stays ended after an error or its end.
fn drain<T>(
    s: &mut Summary,
    mut iter: impl Iterator<Item = Result<T>>,
    mut f: impl FnMut(&mut Summary, T),
) {
    for _ in 0..MAX_RECORDS {
        match iter.next() {
            Some(Ok(x)) => f(s, x),
            Some(Err(e)) => {
                check_error(s, &e);
                assert!(iter.next().is_none(), "an iterator goes on after {e:?}");
                return;
            }
            None => {
                assert!(iter.next().is_none(), "an iterator goes on after its end");
                return;
            }
        }
    }
}

fn check_arch(cputype: i32, cpusubtype: i32) {
    if let Some(name) = arch_name(cputype, cpusubtype) {
        assert_eq!(
            arch_from_name(name),
            Some((cputype, cpusubtype & !CPU_SUBTYPE_MASK)),
            "arch_name and arch_from_name disagree on {name}"
        );
    }
}

/// Parses `data` as any file and walks all of it.
pub fn walk_file(data: &[u8]) -> Summary {
    let mut s = Summary::default();
    match File::parse(data) {
        Ok(File::MachO(m)) => {
            let again = MachO::parse(data).expect("File::parse took it for a thin file");
            assert_eq!(again.header(), m.header());
            walk_macho(&mut s, &m);
        }
        Ok(File::Fat(fat)) => {
            let again = FatFile::parse(data).expect("File::parse took it for a fat file");
            assert_eq!(again.len(), fat.len());
            walk_fat(&mut s, &fat);
        }
        Ok(File::Archive(archive)) => walk_archive(&mut s, &archive),
        Ok(_) => {}
        Err(e) => check_error(&mut s, &e),
    }
    s
}

/// Walks every member of an archive: each stays inside the archive, and each Mach-O member
/// is walked like a thin file.
pub fn walk_archive(s: &mut Summary, archive: &Archive<'_>) {
    let data = archive.data();
    let range = data.as_ptr_range();
    for member in archive.members() {
        match member {
            Ok(m) => {
                let r = m.data.as_ptr_range();
                assert!(range.start <= r.start && r.end <= range.end);
                assert_eq!(
                    m.data_offset as usize,
                    r.start as usize - range.start as usize
                );
                if let Ok(macho) = MachO::parse(m.data) {
                    walk_macho(s, &macho);
                }
            }
            Err(e) => {
                check_error(s, &e);
                break;
            }
        }
    }
}

/// Checks a fat file's slice table (everything [`FatFile::parse`] promises) and walks every
/// slice.
pub fn walk_fat(s: &mut Summary, fat: &FatFile<'_>) {
    let data = fat.data();
    let arches: Vec<_> = fat.arches().collect();
    assert_eq!(arches.len(), fat.len());
    assert_eq!(fat.is_empty(), arches.is_empty());
    assert!(fat.len() <= MAX_FAT_ARCHES as usize);
    assert!(fat.arch(fat.len()).is_none());
    assert_eq!(
        fat.magic(),
        if fat.is_64() {
            raw::FAT_MAGIC_64
        } else {
            raw::FAT_MAGIC
        }
    );
    let entry = if fat.is_64() { 32 } else { 20 };
    let table_end = 8 + entry * fat.len() as u64;
    for (i, a) in arches.iter().enumerate() {
        assert_eq!(a.index as usize, i);
        assert_eq!(fat.arch(i), Some(*a));
        let end = a.offset.checked_add(a.size).expect("a slice end that fits");
        assert!(end <= data.len() as u64, "{a:?} ends past the file");
        assert!(a.offset >= table_end, "{a:?} starts inside the slice table");
        assert!(
            a.align <= 63 && a.offset % (1u64 << a.align) == 0,
            "{a:?} is misaligned"
        );
        let sub = a.cpusubtype & !CPU_SUBTYPE_MASK;
        for b in &arches[..i] {
            assert!(
                a.cputype != b.cputype || sub != b.cpusubtype & !CPU_SUBTYPE_MASK,
                "{a:?} and {b:?} are the same architecture"
            );
            assert!(
                a.size == 0 || b.size == 0 || end <= b.offset || b.offset + b.size <= a.offset,
                "{a:?} and {b:?} overlap"
            );
        }
        assert_eq!(fat.find(a.cputype, Some(sub)), Some(*a));
        let first = fat.find(a.cputype, None).expect("a slice of this CPU type");
        assert!(first.index <= a.index && first.cputype == a.cputype);
        check_arch(a.cputype, a.cpusubtype);

        let bytes = fat
            .slice_data(a)
            .expect("a checked slice is inside the file");
        assert_eq!(bytes.len() as u64, a.size);
        assert_eq!(offset_in(data, bytes), a.offset);
        match fat.macho(a) {
            Ok(m) => {
                assert!(std::ptr::eq(m.data(), bytes));
                walk_macho(s, &m);
            }
            Err(e) => check_error(s, &e),
        }
    }
}

/// How many blobs of each kind an image has had walked so far.
#[derive(Default)]
struct Blobs {
    symtabs: usize,
    dyld_infos: usize,
    tries: usize,
    chained: usize,
}

/// Walks one Mach-O image: header, every load command and everything they point at.
pub fn walk_macho(s: &mut Summary, m: &MachO<'_>) {
    s.images += 1;
    let data = m.data();
    let h = m.header();
    check_arch(h.cputype, h.cpusubtype);
    assert_eq!(m.header_size(), if m.is_64() { 32 } else { 28 });
    // Parsing leaves the load-command area to the walk: if it runs past the end of the file,
    // the walk's one item is a Truncated error naming it, and every accessor gives it too.
    let area = data.len() as u64 - m.header_size();
    if u64::from(h.sizeofcmds) > area {
        let want = Error::Truncated {
            what: "load commands",
            offset: m.header_size(),
            size: h.sizeofcmds.into(),
            available: area,
        };
        let mut lcs = m.load_commands();
        assert_eq!(lcs.next().map(|r| r.err()), Some(Some(want)));
        assert!(
            lcs.next().is_none(),
            "the walk goes on past a truncated area"
        );
        assert_eq!(m.dyld_info(), Err(want));
        assert_eq!(m.symbol_table().err(), Some(want));
        assert_eq!(m.segments().next().map(|r| r.err()), Some(Some(want)));
        check_error(s, &want);
        return;
    }
    if !m.is_64() {
        assert_eq!(h.reserved, 0);
    }

    // The segments as the opcode and fixup decoders number them.
    let segments: Vec<Segment<'_>> = m.segments().filter_map(|x| x.ok()).collect();
    let mut blobs = Blobs::default();
    let mut lcs = m.load_commands();
    let mut count = 0u32;
    let mut next_offset = m.header_size();
    let mut failed = false;
    let segments_before = s.segments;
    // What MachO::dyld_info and MachO::symbol_table must return: the first DyldInfo
    // (Symtab), unless an error comes first.
    let mut first_dyld_info: Option<Result<Option<DyldInfo>>> = None;
    let mut first_symtab: Option<Result<Option<Symtab>>> = None;
    for item in lcs.by_ref() {
        let lc = match item {
            Ok(lc) => lc,
            Err(e) => {
                check_error(s, &e);
                first_dyld_info.get_or_insert(Err(e));
                first_symtab.get_or_insert(Err(e));
                assert!(
                    matches!(e, Error::BadLoadCommand { index, offset, .. }
                        if index == count && offset == next_offset),
                    "the walk's error names the command it stopped at: {e:?}"
                );
                failed = true;
                break;
            }
        };
        s.load_commands += 1;
        assert_eq!(lc.index(), count);
        assert_eq!(lc.offset(), next_offset);
        assert!(lc.cmdsize() >= 8 && lc.cmdsize() % 4 == 0, "{lc:?}");
        assert_eq!(lc.bytes().len(), lc.cmdsize() as usize);
        assert_eq!(offset_in(data, lc.bytes()), lc.offset());
        assert_eq!(lc.endian(), m.endian());
        assert_eq!(lc.is_64(), m.is_64());
        let cmd_word = match m.endian() {
            Endianness::Little => u32::from_le_bytes(lc.bytes()[..4].try_into().unwrap()),
            Endianness::Big => u32::from_be_bytes(lc.bytes()[..4].try_into().unwrap()),
        };
        assert_eq!(cmd_word, lc.cmd());
        count += 1;
        next_offset += u64::from(lc.cmdsize());
        match lc.parse() {
            Ok(c) => {
                if let Command::DyldInfo(d) = c {
                    first_dyld_info.get_or_insert(Ok(Some(d)));
                }
                if let Command::Symtab(t) = c {
                    first_symtab.get_or_insert(Ok(Some(t)));
                }
                walk_command(s, m, &segments, &lc, c, &mut blobs);
            }
            Err(e) => {
                check_error(s, &e);
                first_dyld_info.get_or_insert(Err(e));
                first_symtab.get_or_insert(Err(e));
                assert!(
                    matches!(e, Error::BadLoadCommand { index, cmd, offset, .. }
                        if index == lc.index() && cmd == lc.cmd() && offset == lc.offset()),
                    "a parse error names its command: {e:?}"
                );
            }
        }
    }
    assert!(
        lcs.next().is_none(),
        "the load commands go on after their end"
    );
    assert!(count <= h.ncmds);
    if !failed {
        assert_eq!(count, h.ncmds, "a walk without error yields ncmds commands");
    }

    // The conveniences agree with the walk above.
    let mut good_segments = 0;
    for seg in m.segments() {
        match seg {
            Ok(_) => good_segments += 1,
            Err(e) => check_error(s, &e),
        }
    }
    assert_eq!(good_segments, s.segments - segments_before);
    assert_eq!(good_segments, segments.len());
    let first_dyld_info = first_dyld_info.unwrap_or(Ok(None));
    assert_eq!(m.dyld_info(), first_dyld_info);
    // MachO::binds reads the streams of that first command.
    for kind in [BindKind::Bind, BindKind::Weak, BindKind::Lazy] {
        let first = first_dyld_info.map(|d| d.map(|d| d.bind_stream(kind)));
        match (m.binds(kind), first) {
            (Ok(Some(b)), Ok(Some((off, size)))) => {
                let direct = Binds::new(m, kind, off, size).expect("the same stream");
                assert!(b.take(MAX_RECORDS).eq(direct.take(MAX_RECORDS)));
            }
            (Ok(None), Ok(None)) => {}
            (Err(e), Ok(Some((off, size)))) => {
                assert_eq!(Binds::new(m, kind, off, size).err(), Some(e));
            }
            (Err(e), Err(want)) => assert_eq!(e, want),
            (got, want) => panic!("binds({kind:?}) is {got:?}, the walk found {want:?}"),
        }
    }
    match (m.symbol_table(), first_symtab.unwrap_or(Ok(None))) {
        (Ok(Some(table)), Ok(Some(st))) => assert_eq!(table.len(), st.nsyms as usize),
        (Ok(None), Ok(None)) => {}
        (Err(e), Err(first)) => {
            check_error(s, &e);
            assert_eq!(e, first);
        }
        (Err(e), Ok(Some(st))) => {
            check_error(s, &e);
            assert_eq!(SymbolTable::new(m, &st).err(), Some(e));
        }
        (got, want) => panic!("symbol_table() is {got:?}, the walk found {want:?}"),
    }
    for r in [m.exports_trie().map(drop), m.chained_fixups().map(drop)] {
        if let Err(e) = r {
            check_error(s, &e);
        }
    }
    if let Ok(Some(trie)) = m.exports_trie() {
        walk_exports(s, trie, None);
    }
}

fn walk_command<'data>(
    s: &mut Summary,
    m: &MachO<'data>,
    segments: &[Segment<'data>],
    lc: &LoadCommand<'data>,
    c: Command<'data>,
    blobs: &mut Blobs,
) {
    let data = m.data();
    match c {
        Command::Segment(seg) => walk_segment(s, m, lc, &seg),
        Command::Symtab(st) => match SymbolTable::new(m, &st) {
            Ok(table) => {
                assert_eq!(table.len(), st.nsyms as usize);
                assert_eq!(table.strings().len(), st.strsize as usize);
                assert_eq!(offset_in(data, table.strings()), u64::from(st.stroff));
                if blobs.symtabs < MAX_BLOBS {
                    blobs.symtabs += 1;
                    walk_symbols(s, &table);
                }
            }
            Err(e) => check_error(s, &e),
        },
        Command::Dylib(d) => {
            assert_eq!(d.kind == DylibKind::Id, lc.cmd() == LC_ID_DYLIB);
            if d.use_flags.is_some() {
                assert_eq!(d.timestamp, raw::DYLIB_USE_MARKER);
            }
            if let Some(name) = walk_str(s, lc, d.name)
                && let Some(short) = dylib_short_name(name)
            {
                assert!(!short.is_empty());
                assert!(is_within(name, short), "a short name is part of the name");
            }
        }
        Command::Dylinker(x) | Command::Rpath(x) | Command::Sub(x) | Command::TargetTriple(x) => {
            walk_str(s, lc, x);
        }
        Command::FilesetEntry(f) => {
            walk_str(s, lc, f.entry_id);
        }
        Command::PreboundDylib(p) => {
            walk_str(s, lc, p.name());
            walk_str(s, lc, p.linked_modules());
        }
        Command::Fvmlib(f) => {
            walk_str(s, lc, f.name);
        }
        Command::Fvmfile(f) => {
            walk_str(s, lc, f.name);
        }
        Command::LinkeditData(l) => {
            if let Err(e) = m.bytes_at(l.dataoff.into(), l.datasize.into(), "linkedit data") {
                check_error(s, &e);
            }
            if lc.cmd() == LC_DYLD_EXPORTS_TRIE {
                match ExportsTrie::new(m, l.dataoff, l.datasize) {
                    Ok(trie) if blobs.tries < MAX_BLOBS => {
                        blobs.tries += 1;
                        let range = (u64::from(l.dataoff), u64::from(l.datasize));
                        walk_exports(s, trie, Some(range));
                    }
                    Ok(_) => {}
                    Err(e) => check_error(s, &e),
                }
            } else if lc.cmd() == LC_DYLD_CHAINED_FIXUPS {
                match ChainedFixups::new(m, l.dataoff, l.datasize) {
                    Ok(c) if blobs.chained < MAX_BLOBS => {
                        blobs.chained += 1;
                        assert!(l.datasize >= 28, "a fixups header needs 28 bytes");
                        walk_chained(s, m, segments, &c);
                    }
                    Ok(_) => {}
                    Err(e) => check_error(s, &e),
                }
            }
        }
        Command::EncryptionInfo(e) => {
            assert_eq!(e.pad.is_some(), lc.cmd() == LC_ENCRYPTION_INFO_64);
        }
        Command::BuildVersion(b) => {
            assert_eq!(b.tools.iter().count(), b.tools.len());
            assert_eq!(b.tools.is_empty(), b.tools.iter().next().is_none());
            assert!(24 + 8 * b.tools.len() <= lc.bytes().len());
        }
        Command::DyldInfo(d) if blobs.dyld_infos < MAX_BLOBS => {
            blobs.dyld_infos += 1;
            walk_dyld_info(s, m, segments, &d);
        }
        Command::Thread(t) => walk_threads(lc, &t, m.header().cputype),
        Command::LinkerOption(o) => {
            let mut n = 0u32;
            for opt in o.iter() {
                n += 1;
                assert!(!opt.contains(&0));
                assert!(is_within(lc.bytes(), opt));
            }
            assert!(n <= o.count);
        }
        Command::Note(n) => {
            if let Err(e) = m.bytes_at(n.offset, n.size, "note") {
                check_error(s, &e);
            }
        }
        Command::Ident(b) | Command::Other(b) => {
            assert!(std::ptr::eq(b, &lc.bytes()[8..]));
        }
        _ => {}
    }
}

/// Reads a load-command string and checks that it is where its offset says, NUL-free.
fn walk_str<'data>(
    s: &mut Summary,
    lc: &LoadCommand<'data>,
    x: LcStr<'data>,
) -> Option<&'data [u8]> {
    match x.bytes() {
        Ok(b) => {
            let at = x.offset() as usize;
            assert!(at < lc.bytes().len(), "a string inside its command");
            assert_eq!(b.as_ptr(), lc.bytes()[at..].as_ptr());
            assert!(!b.contains(&0));
            Some(b)
        }
        Err(e) => {
            check_error(s, &e);
            None
        }
    }
}

fn walk_segment<'data>(
    s: &mut Summary,
    m: &MachO<'data>,
    lc: &LoadCommand<'data>,
    seg: &Segment<'data>,
) {
    s.segments += 1;
    let data = m.data();
    assert_eq!(seg.is_64(), lc.cmd() == LC_SEGMENT_64);
    assert!(seg.name_field().starts_with(seg.name()) && !seg.name().contains(&0));
    let sections = seg.sections();
    assert_eq!(sections.len(), seg.nsects() as usize);
    let header = if seg.is_64() { 72 } else { 56 };
    let entry = if seg.is_64() { 80 } else { 68 };
    assert!(header + entry * seg.nsects() as usize <= lc.bytes().len());
    for sec in sections {
        s.sections += 1;
        assert!(sec.name_field().starts_with(sec.name()) && !sec.name().contains(&0));
        assert!(sec.segment_name_field().starts_with(sec.segment_name()));
        assert_eq!(sec.reserved3().is_some(), seg.is_64());
        assert_eq!(sec.section_type(), sec.flags() & raw::SECTION_TYPE);
        if !seg.is_64() {
            assert!(sec.addr() <= u64::from(u32::MAX) && sec.size() <= u64::from(u32::MAX));
        }
        match sec.data(data) {
            Ok(Some(b)) => {
                assert_eq!(b.len() as u64, sec.size());
                assert_eq!(offset_in(data, b), u64::from(sec.offset()));
            }
            Ok(None) => assert!(matches!(
                sec.section_type(),
                raw::S_ZEROFILL | raw::S_GB_ZEROFILL | raw::S_THREAD_LOCAL_ZEROFILL
            )),
            Err(e) => check_error(s, &e),
        }
    }
    match seg.data(data) {
        Ok(b) => {
            assert_eq!(b.len() as u64, seg.filesize());
            assert_eq!(offset_in(data, b), seg.fileoff());
        }
        Err(e) => check_error(s, &e),
    }
}

fn walk_symbols(s: &mut Summary, table: &SymbolTable<'_>) {
    assert_eq!(table.is_empty(), table.iter().next().is_none());
    assert!(table.get(table.len()).is_none());
    let strings = table.strings();
    for sym in table.iter().take(MAX_RECORDS) {
        s.symbols += 1;
        assert_eq!(table.get(sym.index as usize), Some(sym));
        match sym.name() {
            Ok(Some(name)) => {
                assert!(!name.contains(&0));
                assert_eq!(offset_in(strings, name), u64::from(sym.n_strx));
            }
            Ok(None) => assert_eq!(sym.n_strx, 0, "only n_strx 0 names nothing"),
            Err(e) => {
                check_error(s, &e);
                assert!(sym.n_strx as usize > strings.len());
            }
        }
        match sym.indirect_name() {
            Ok(Some(name)) => {
                assert!(!sym.is_stab() && sym.kind() == raw::N_INDR);
                assert!(is_within(strings, name) && !name.contains(&0));
            }
            Ok(None) => {}
            Err(e) => check_error(s, &e),
        }
        assert!(!sym.is_common() || sym.is_undefined());
        let _ = (
            sym.is_external(),
            sym.is_private_external(),
            sym.library_ordinal(),
            sym.common_align(),
        );
    }
}

fn walk_dyld_info<'data>(
    s: &mut Summary,
    m: &MachO<'data>,
    segments: &[Segment<'data>],
    d: &DyldInfo,
) {
    let data = m.data();
    let location = |index: u8, offset: u64, address: u64| {
        let seg = segments
            .get(usize::from(index))
            .expect("a record's segment index names a segment");
        assert!(offset < seg.vmsize(), "a record outside its segment");
        assert_eq!(address, seg.vmaddr().wrapping_add(offset));
    };
    match Rebases::new(m, d.rebase_off, d.rebase_size) {
        Ok(r) => drain(s, r, |s, r| {
            s.rebases += 1;
            location(r.segment_index, r.segment_offset, r.address);
        }),
        Err(e) => check_error(s, &e),
    }
    for kind in [BindKind::Bind, BindKind::Weak, BindKind::Lazy] {
        let (off, size) = d.bind_stream(kind);
        match Binds::new(m, kind, off, size) {
            Ok(b) => drain(s, b, |s, b| {
                s.binds += 1;
                assert_eq!(b.kind, kind);
                // A record before any SET_SYMBOL has the empty name, from nowhere.
                assert!(b.symbol.is_empty() || is_within(data, b.symbol));
                assert!(!b.symbol.contains(&0));
                if b.strong_definition {
                    assert_eq!(kind, BindKind::Weak);
                    assert!(b.flags & BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION != 0);
                    assert_eq!((b.segment_index, b.segment_offset, b.address), (0, 0, 0));
                } else {
                    location(b.segment_index, b.segment_offset, b.address);
                }
                let _ = b.is_weak_import();
            }),
            Err(e) => check_error(s, &e),
        }
    }
    match ExportsTrie::new(m, d.export_off, d.export_size) {
        Ok(trie) => walk_exports(
            s,
            trie,
            Some((u64::from(d.export_off), u64::from(d.export_size))),
        ),
        Err(e) => check_error(s, &e),
    }
}

/// Walks an exports trie; `range` is its file offset and size, when known.
pub fn walk_exports(s: &mut Summary, trie: ExportsTrie<'_>, range: Option<(u64, u64)>) {
    let mut nodes = HashSet::new();
    drain(s, trie.iter(), |s, e| {
        s.exports += 1;
        if let Some((base, len)) = range {
            assert!(
                e.node_offset >= base && e.node_offset < base + len,
                "an export's node outside the trie"
            );
        }
        assert!(nodes.insert(e.node_offset), "a node yielded twice");
        assert_eq!(
            e.is_weak(),
            e.flags & EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION != 0
        );
        if e.function_variant.is_some() {
            assert!(e.flags & EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT != 0);
        }
        if let ExportKind::Reexport { imported_name, .. } = e.kind {
            assert!(e.flags & EXPORT_SYMBOL_FLAGS_REEXPORT != 0);
            assert!(!imported_name.contains(&0));
        }
    });
}

fn walk_chained<'data>(
    s: &mut Summary,
    m: &MachO<'data>,
    segments: &[Segment<'data>],
    c: &ChainedFixups<'data>,
) {
    let data = m.data();
    let e = m.endian();
    let h = *c.header();
    let mut budget = MAX_RECORDS;
    let mut starts: HashMap<u32, SegmentStarts<'data>> = HashMap::new();
    match c.segment_count() {
        Ok(n) => {
            for i in 0..n {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let info = match c.segment_info_offset(i) {
                    Ok(info) => info,
                    Err(err) => {
                        // seg_info_offset[] is an array: past its first missing entry, all
                        // are missing.
                        check_error(s, &err);
                        assert!(c.segment_info_offset(i.saturating_add(1)).is_err());
                        break;
                    }
                };
                match c.segment_starts(i) {
                    Ok(Some(st)) => {
                        assert_eq!((st.segment_index, st.info_offset), (i, info));
                        for p in 0..usize::from(st.page_count) {
                            let first = st.page_start(p).expect("page_start[] holds page_count");
                            for start in st.chain_starts(p) {
                                let Ok(start) = start else { break };
                                if budget == 0 {
                                    break;
                                }
                                budget -= 1;
                                if first & 0x8000 == 0 {
                                    assert_eq!(start, first);
                                }
                            }
                            if budget == 0 {
                                break;
                            }
                            budget -= 1;
                        }
                        starts.insert(i, st);
                    }
                    Ok(None) => assert_eq!(info, 0),
                    Err(err) => check_error(s, &err),
                }
            }
        }
        Err(err) => check_error(s, &err),
    }
    // The iterator yields what import(i) gives, and stops after the first error.
    let mut imports = c.imports();
    for i in 0..h.imports_count.min(MAX_RECORDS as u32) {
        let one = c.import(i);
        assert_eq!(imports.next(), Some(one));
        match one {
            Ok(imp) => {
                s.imports += 1;
                if let Some(name) = imp.name {
                    assert!(!name.contains(&0));
                    assert!(name.is_empty() || is_within(data, name));
                }
            }
            Err(err) => {
                check_error(s, &err);
                assert!(imports.next().is_none(), "the imports go on after an error");
                break;
            }
        }
    }
    if h.imports_count as usize <= MAX_RECORDS {
        assert!(imports.next().is_none(), "more than imports_count imports");
    }
    drain(s, c.fixups(), |s, f| {
        s.fixups += 1;
        let st = *starts.entry(f.segment_index).or_insert_with(|| {
            c.segment_starts(f.segment_index)
                .expect("a fixup's segment has starts")
                .expect("a fixup's segment has starts")
        });
        let (size, _) =
            pointer_format_layout(st.pointer_format).expect("fixups only of known formats");
        let seg = segments
            .get(f.segment_index as usize)
            .expect("a fixup's segment exists");
        assert_eq!(
            f.file_offset,
            seg.fileoff().saturating_add(f.segment_offset)
        );
        assert_eq!(
            f.image_offset,
            st.segment_offset.wrapping_add(f.segment_offset)
        );
        let at = m
            .bytes_at(f.file_offset, size as u64, "fixup")
            .expect("a fixup's location is inside the file");
        let raw = match (size, e) {
            (8, Endianness::Little) => u64::from_le_bytes(at.try_into().unwrap()),
            (8, Endianness::Big) => u64::from_be_bytes(at.try_into().unwrap()),
            (_, Endianness::Little) => u32::from_le_bytes(at.try_into().unwrap()).into(),
            (_, Endianness::Big) => u32::from_be_bytes(at.try_into().unwrap()).into(),
        };
        assert_eq!(f.raw, raw, "a fixup's raw value is what is at its location");
        assert_eq!(
            f.target_address(0x1_0000_0000).is_some(),
            matches!(f.target(), FixupTarget::Rebase { .. })
        );
        // Only an authenticated location (bit 63) has authentication data.
        assert!(f.auth().is_none() || f.raw >> 63 == 1);
    });
}

fn walk_threads(lc: &LoadCommand<'_>, t: &ThreadStates<'_>, cputype: i32) {
    let bytes = lc.bytes();
    for st in t.iter().take(MAX_RECORDS) {
        assert!(st.state.len() as u64 <= u64::from(st.count) * 4);
        let at = st.offset as usize + 8;
        assert!(at <= bytes.len());
        assert_eq!(st.state.as_ptr(), bytes[at..].as_ptr());
    }
    let _ = t.entry_pc(cputype);
    for cpu in [
        raw::CPU_TYPE_X86_64,
        raw::CPU_TYPE_I386,
        raw::CPU_TYPE_ARM64,
        raw::CPU_TYPE_ARM64_32,
        raw::CPU_TYPE_ARM,
    ] {
        let _ = t.entry_pc(cpu);
    }
}
