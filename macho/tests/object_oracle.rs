//! darling-macho against the `object` crate (0.40) as a second opinion.
//!
//! Every committed fixture (`tests/data/bin`) and, when present, every file of the third-party
//! corpus (`$MACHO_CORPUS`, default `target/macho-corpus/files` of the workspace) is read by
//! both crates, thin file by thin file and fat slice by fat slice. Files object cannot parse
//! (the deliberately malformed `synth-*` fixtures, archives, non-Mach-O files) are skipped and
//! listed. For the rest, both crates must agree on:
//!
//! - the header and the walk over the load commands (`cmd`, `cmdsize`, offset);
//! - the sections, in order (segment and section name, address, size, file offset, alignment,
//!   relocations, flags, reserved fields);
//! - the symbol table, in table order (name, `n_type`, `n_sect`, `n_desc`, `n_value`), and
//!   object's generic view of each non-stab symbol (address, undefined, common, external);
//! - the dylib dependencies, in order (install name, command, versions, `dylib_use` flags);
//! - the exports trie, entry by entry (name, flags, data), and object's `exports()`;
//! - object's `imports()`, rebuilt from darling's chained imports, binds or undefined symbols
//!   with the rules object uses;
//! - the rebase and bind records of `LC_DYLD_INFO`, record by record;
//! - every chained fixup (segment, offset, bind ordinal and addend or rebase target).
//!
//! Where object behaves differently by design or by limitation, the difference is normalised
//! away before comparing; each such rule is a `const` below that says why, and the run counts
//! how often each applied. Any other difference fails the test.

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::path::{Path, PathBuf};
use std::time::Instant;

use darling_macho as dm;
use object::macho as om;
use object::read::macho::{
    MachHeader, MachOFatFile32, MachOFatFile64, MachOFile, Nlist as _, Section as _,
};
use object::read::{ExportTarget, ImportFlags, ImportLibraryFlags, NameOrOrdinal};
use object::{Endianness, FileKind, Object, ObjectSection, ObjectSegment, ObjectSymbol};

mod files;

use files::files_in;

// ---------------------------------------------------------------------------------------------
// Documented differences. Each is applied where it can occur, and counted when it does.
// ---------------------------------------------------------------------------------------------

/// An `nlist` with `n_strx` 0 has no name (Apple's tools and darling); object reads the string
/// at offset 0 of the string table instead (the `" "` or `""` linkers put there).
const STRX_ZERO: &str =
    "n_strx 0: object reads string-table offset 0 as the name, darling gives no name";

/// object's `is_common` does not require `N_EXT` (to match lld), darling's does (as Apple's
/// `nlist.h` defines a common symbol): a non-external `N_UNDF` entry with a non-zero value is
/// common to object and undefined to darling.
const COMMON_WITHOUT_EXT: &str =
    "non-external N_UNDF with a value: object calls it common, darling undefined";

/// A weak-bind record with `BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION` announces a strong
/// definition and binds no location. darling yields it (flagged `strong_definition`), object's
/// `weak_binds()` does not; such records are left out of the comparison.
const STRONG_DEFINITION: &str =
    "weak-bind strong-definition records: darling yields them, object's weak_binds() does not";

/// The weak-bind stream never sets a library ordinal. object starts it at
/// `BIND_SPECIAL_DYLIB_WEAK_LOOKUP` (-3), darling at 0; the ordinal of weak-bind records is
/// not compared (and object's `imports()` reports them as weak-lookup imports).
const WEAK_BIND_ORDINAL: &str =
    "weak-bind records: object's default ordinal is -3 (weak lookup), darling's 0";

/// The weak-bind stream sets its bind type before the first bind with `SET_TYPE_IMM` in every
/// file linkers write; object assumes `BIND_TYPE_POINTER` before it, darling 0. Only matters for
/// a weak bind before any `SET_TYPE_IMM`.
const WEAK_BIND_TYPE: &str =
    "weak-bind records before SET_TYPE_IMM: object's default type is POINTER, darling's 0";

/// Exports tries are listed depth-first by both, but object lists a node's own symbol before
/// its children and darling after (as LLVM does); tries are compared as sorted lists.
const TRIE_ORDER: &str =
    "exports trie order: object pre-order, darling post-order (compared sorted)";

/// Flag 0x20 is `EXPORT_SYMBOL_FLAGS_STATIC_RESOLVER` to object (from older ld64 headers) and
/// `EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT` to darling (current dyld), which then reads one more
/// ULEB128 (the variant table index). object ignores the extra byte (it is inside the
/// terminal), so the address agrees; darling's `function_variant` has no counterpart.
const FUNCTION_VARIANT: &str =
    "export flag 0x20: object reads STATIC_RESOLVER, darling FUNCTION_VARIANT + index";

/// For `DYLD_CHAINED_PTR_32`, a target above `max_valid_pointer` is a non-pointer value the
/// linker stored in the chain; object does not read `max_valid_pointer` and calls it a rebase.
const CHAINED_32_NON_POINTER: &str =
    "DYLD_CHAINED_PTR_32 targets above max_valid_pointer: darling non-pointer, object rebase";

/// An empty exports trie (`LC_DYLD_INFO` with `export_size` 0, or an empty
/// `LC_DYLD_EXPORTS_TRIE`): object's trie walker still reads a root node and fails; darling
/// reports no trie (no exports).
const EMPTY_TRIE: &str =
    "empty exports trie: object fails reading the root node, darling has no exports";

/// darling checks every fat slice (inside the file, after the table, aligned, no overlap, no
/// duplicate CPU type and subtype) and rejects the file if one is wrong; object reads the table
/// as it is. Such files are compared slice by slice as object sees them.
const FAT_STRICT: &str = "fat table darling rejects (slice checks object does not make)";

// ---------------------------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------------------------

/// The differences found in one image.
#[derive(Default)]
struct Check {
    /// Unexplained differences, as `aspect: what`.
    diffs: Vec<String>,
    /// Documented differences, by rule.
    explained: BTreeMap<&'static str, usize>,
    /// Entries compared, by aspect.
    compared: BTreeMap<String, usize>,
}

impl Check {
    fn diff(&mut self, aspect: &str, what: impl Display) {
        self.diffs.push(format!("{aspect}: {what}"));
    }

    fn explain(&mut self, why: &'static str) {
        *self.explained.entry(why).or_default() += 1;
    }

    /// Two sequences, element by element.
    fn seq<T: PartialEq + Debug>(&mut self, aspect: &str, ours: &[T], theirs: &[T]) {
        *self.compared.entry(aspect.to_string()).or_default() += ours.len().min(theirs.len());
        if ours.len() != theirs.len() {
            self.diff(
                aspect,
                format!(
                    "darling has {} entries, object {}",
                    ours.len(),
                    theirs.len()
                ),
            );
        }
        if let Some(i) = (0..ours.len().min(theirs.len())).find(|&i| ours[i] != theirs[i]) {
            self.diff(
                aspect,
                format!(
                    "first difference at #{i}: darling {:?}, object {:?}",
                    ours[i], theirs[i]
                ),
            );
        }
    }

    /// Two results: both errors agree (both reject the data), otherwise the values must.
    fn results<T: PartialEq + Debug>(
        &mut self,
        aspect: &str,
        ours: Result<Vec<T>, String>,
        theirs: Result<Vec<T>, String>,
    ) {
        match (ours, theirs) {
            (Ok(a), Ok(b)) => self.seq(aspect, &a, &b),
            (Err(_), Err(_)) => {}
            (Err(e), Ok(b)) => self.diff(
                aspect,
                format!("darling fails ({e}) where object reads {} entries", b.len()),
            ),
            (Ok(a), Err(e)) => self.diff(
                aspect,
                format!("object fails ({e}) where darling reads {} entries", a.len()),
            ),
        }
    }
}

/// Totals over a set of files.
#[derive(Default)]
struct Tally {
    /// Thin files and fat slices compared, and how many agree.
    images: usize,
    agree: usize,
    /// Fat slice tables compared, and how many agree.
    fat_tables: usize,
    fat_agree: usize,
    skipped: Vec<String>,
    failures: Vec<String>,
    explained: BTreeMap<&'static str, usize>,
    compared: BTreeMap<String, usize>,
}

impl Tally {
    fn record(&mut self, label: &str, check: Check) {
        let fat_table = label.ends_with(FAT_TABLE);
        if fat_table {
            self.fat_tables += 1;
        } else {
            self.images += 1;
        }
        for (why, n) in check.explained {
            *self.explained.entry(why).or_default() += n;
        }
        for (aspect, n) in check.compared {
            *self.compared.entry(aspect).or_default() += n;
        }
        if check.diffs.is_empty() {
            if fat_table {
                self.fat_agree += 1;
            } else {
                self.agree += 1;
            }
        } else {
            for d in check.diffs {
                self.failures.push(format!("{label}: {d}"));
            }
        }
    }
}

/// The label suffix of a fat file's slice table.
const FAT_TABLE: &str = " (fat table)";

/// What darling says of a file or slice object skips.
fn darling_verdict(data: &[u8]) -> String {
    match dm::File::parse(data) {
        Ok(dm::File::MachO(_)) => "darling reads a thin file".to_string(),
        Ok(dm::File::Fat(_)) => "darling reads a fat file".to_string(),
        Ok(dm::File::Archive(_)) => "darling reads an archive".to_string(),
        Ok(_) => "darling reads another kind of file".to_string(),
        Err(e) => format!("darling: {e}"),
    }
}

/// Borrowed bytes that print as an escaped string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct B<'a>(&'a [u8]);

impl Debug for B<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// Owned bytes that print as an escaped string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Name(Vec<u8>);

impl Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

fn s(e: impl Display) -> String {
    e.to_string()
}

/// Compares every image of the file at `path`.
fn compare_file(path: &Path, label: &str, tally: &mut Tally) {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            tally.failures.push(format!("{label}: cannot read: {e}"));
            return;
        }
    };
    match FileKind::parse(&*data) {
        Ok(FileKind::MachO32) => thin::<om::MachHeader32<Endianness>>(&data, label, tally),
        Ok(FileKind::MachO64) => thin::<om::MachHeader64<Endianness>>(&data, label, tally),
        Ok(FileKind::MachOFat32) => match MachOFatFile32::parse(&*data) {
            Ok(fat) => fat_file(&data, fat.arches(), label, tally),
            Err(e) => skip(tally, label, format!("object: {e}"), &data),
        },
        Ok(FileKind::MachOFat64) => match MachOFatFile64::parse(&*data) {
            Ok(fat) => fat_file(&data, fat.arches(), label, tally),
            Err(e) => skip(tally, label, format!("object: {e}"), &data),
        },
        Ok(kind) => skip(tally, label, format!("not Mach-O ({kind:?})"), &data),
        Err(e) => skip(tally, label, format!("object: {e}"), &data),
    }
}

fn skip(tally: &mut Tally, label: &str, why: String, data: &[u8]) {
    tally
        .skipped
        .push(format!("{label}: {why} ({})", darling_verdict(data)));
}

/// Compares the slice table, then each slice as a thin file.
fn fat_file<A: object::read::macho::FatArch>(
    data: &[u8],
    arches: &[A],
    label: &str,
    tally: &mut Tally,
) {
    let theirs: Vec<(u32, u32, u64, u64, u32)> = arches
        .iter()
        .map(|a| {
            let (offset, size) = a.file_range();
            (a.cputype().0, a.cpusubtype().0, offset, size, a.align())
        })
        .collect();
    let mut check = Check::default();
    match dm::File::parse(data) {
        Ok(dm::File::Fat(fat)) => {
            let ours: Vec<(u32, u32, u64, u64, u32)> = fat
                .arches()
                .map(|a| {
                    (
                        a.cputype as u32,
                        a.cpusubtype as u32,
                        a.offset,
                        a.size,
                        a.align,
                    )
                })
                .collect();
            check.seq("fat arches", &ours, &theirs);
        }
        Ok(dm::File::MachO(_)) => check.diff("fat", "darling reads a thin file"),
        Ok(_) => check.diff("fat", "darling reads no fat file"),
        Err(dm::Error::BadFatArch { .. }) => check.explain(FAT_STRICT),
        Err(e) => check.diff("fat", format!("darling rejects the table: {e}")),
    }
    tally.record(&format!("{label}{FAT_TABLE}"), check);
    for (i, a) in arches.iter().enumerate() {
        let slice_label = format!(
            "{label} [{i}: {}]",
            dm::arch_name(a.cputype().0 as i32, a.cpusubtype().0 as i32).unwrap_or("?")
        );
        let Ok(slice) = a.data(data) else {
            tally
                .skipped
                .push(format!("{slice_label}: object: slice outside the file"));
            continue;
        };
        match FileKind::parse(slice) {
            Ok(FileKind::MachO32) => {
                thin::<om::MachHeader32<Endianness>>(slice, &slice_label, tally)
            }
            Ok(FileKind::MachO64) => {
                thin::<om::MachHeader64<Endianness>>(slice, &slice_label, tally)
            }
            Ok(kind) => skip(tally, &slice_label, format!("not Mach-O ({kind:?})"), slice),
            Err(e) => skip(tally, &slice_label, format!("object: {e}"), slice),
        }
    }
}

fn thin<Mach: MachHeader<Endian = Endianness>>(data: &[u8], label: &str, tally: &mut Tally) {
    let theirs = match MachOFile::<Mach>::parse(data) {
        Ok(f) => f,
        Err(e) => {
            skip(tally, label, format!("object: {e}"), data);
            return;
        }
    };
    let mut check = Check::default();
    match dm::MachO::parse(data) {
        Ok(ours) => compare_image(&ours, &theirs, &mut check),
        Err(e) => check.diff("header", format!("darling rejects the image: {e}")),
    }
    tally.record(label, check);
}

fn compare_image<Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'_>,
    theirs: &MachOFile<'_, Mach>,
    check: &mut Check,
) {
    header(ours, theirs, check);
    load_commands(ours, theirs, check);
    identity(ours, theirs, check);
    segments(ours, theirs, check);
    sections(ours, theirs, check);
    symbols(ours, theirs, check);
    let dylibs = dylibs(ours, theirs, check);
    exports_trie(ours, theirs, check);
    exports(ours, theirs, &dylibs, check);
    imports(ours, theirs, &dylibs, check);
    dyld_info(ours, theirs, check);
    chained_fixups(ours, theirs, check);
}

// ---------------------------------------------------------------------------------------------
// Header, load commands, sections.
// ---------------------------------------------------------------------------------------------

fn header<Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'_>,
    theirs: &MachOFile<'_, Mach>,
    check: &mut Check,
) {
    let h = ours.header();
    let t = theirs.macho_header();
    let e = theirs.endian();
    let a = [
        h.cputype as u32,
        h.cpusubtype as u32,
        h.filetype,
        h.ncmds,
        h.sizeofcmds,
        h.flags,
    ];
    let b = [
        t.cputype(e).0,
        t.cpusubtype(e).0,
        t.filetype(e).0,
        t.ncmds(e),
        t.sizeofcmds(e),
        t.flags(e).0,
    ];
    check.seq("header", &a, &b);
    if ours.is_64() != t.is_type_64() {
        check.diff("header", "64-bit or not");
    }
}

fn load_commands<Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'_>,
    theirs: &MachOFile<'_, Mach>,
    check: &mut Check,
) {
    let a = ours
        .load_commands()
        .map(|lc| {
            lc.map(|lc| (lc.cmd(), lc.cmdsize(), lc.offset()))
                .map_err(s)
        })
        .collect::<Result<Vec<_>, _>>();
    let b = (|| {
        let mut v = Vec::new();
        let mut it = theirs.macho_load_commands().map_err(s)?;
        while let Some(c) = it.next().map_err(s)? {
            v.push((c.cmd().0, c.cmdsize(), c.offset()));
        }
        Ok(v)
    })();
    check.results("load commands", a, b);
}

/// The UUID, the entry point and the build version.
fn identity<Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'_>,
    theirs: &MachOFile<'_, Mach>,
    check: &mut Check,
) {
    let e = theirs.endian();
    let cputype = ours.header().cputype;
    let (mut uuid, mut entry, mut build) = (None, None, None);
    for lc in ours.load_commands() {
        let Ok((lc, cmd)) = lc.and_then(|lc| Ok((lc, lc.parse()?))) else {
            break;
        };
        match cmd {
            dm::Command::Uuid(u) if uuid.is_none() => uuid = Some(u),
            // object's entry(): the first LC_MAIN's entryoff or LC_UNIXTHREAD's pc (LC_THREAD,
            // which core files have, does not count).
            dm::Command::Main(m) if entry.is_none() => entry = Some(m.entryoff),
            dm::Command::Thread(t) if entry.is_none() && lc.cmd() == dm::raw::LC_UNIXTHREAD => {
                entry = t.entry_pc(cputype);
            }
            dm::Command::BuildVersion(b) if build.is_none() => {
                build = Some((
                    b.platform,
                    b.minos,
                    b.sdk,
                    b.tools.iter().collect::<Vec<_>>(),
                ));
            }
            _ => {}
        }
    }
    let theirs_uuid = theirs.mach_uuid().ok().flatten();
    check.seq("uuid", &[uuid], &[theirs_uuid]);
    check.seq("entry", &[entry.unwrap_or(0)], &[theirs.entry()]);
    let theirs_build = theirs.build_version().ok().flatten().map(|(b, tools)| {
        (
            b.platform.get(e).0,
            b.minos.get(e).0,
            b.sdk.get(e).0,
            tools
                .iter()
                .map(|t| (t.tool.get(e).0, t.version.get(e).0))
                .collect::<Vec<_>>(),
        )
    });
    check.seq("build version", &[build], &[theirs_build]);
}

#[derive(Debug, PartialEq)]
struct SegmentRow<'a> {
    name: B<'a>,
    vmaddr: u64,
    vmsize: u64,
    fileoff: u64,
    filesize: u64,
    maxprot: u32,
    initprot: u32,
    nsects: u32,
    flags: u32,
}

fn segments<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) {
    use object::read::macho::Segment as _;
    let e = theirs.endian();
    let a = ours
        .segments()
        .map(|seg| {
            seg.map(|seg| SegmentRow {
                name: B(seg.name()),
                vmaddr: seg.vmaddr(),
                vmsize: seg.vmsize(),
                fileoff: seg.fileoff(),
                filesize: seg.filesize(),
                maxprot: seg.maxprot() as u32,
                initprot: seg.initprot() as u32,
                nsects: seg.nsects(),
                flags: seg.flags(),
            })
            .map_err(s)
        })
        .collect::<Result<Vec<_>, _>>();
    let b = theirs
        .segments()
        .map(|seg| {
            let r = seg.macho_segment();
            SegmentRow {
                name: B(r.name()),
                vmaddr: r.vmaddr(e).into(),
                vmsize: r.vmsize(e).into(),
                fileoff: r.fileoff(e).into(),
                filesize: r.filesize(e).into(),
                maxprot: r.maxprot(e).0,
                initprot: r.initprot(e).0,
                nsects: r.nsects(e),
                flags: r.flags(e).0,
            }
        })
        .collect();
    check.results("segments", a, Ok(b));
}

#[derive(Debug, PartialEq)]
struct SectionRow<'a> {
    segname: B<'a>,
    sectname: B<'a>,
    addr: u64,
    size: u64,
    offset: u32,
    align: u32,
    reloff: u32,
    nreloc: u32,
    flags: u32,
    reserved1: u32,
    reserved2: u32,
}

fn sections<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) {
    let a = (|| {
        let mut v = Vec::new();
        for seg in ours.segments() {
            for sec in seg.map_err(s)?.sections() {
                v.push(SectionRow {
                    segname: B(sec.segment_name()),
                    sectname: B(sec.name()),
                    addr: sec.addr(),
                    size: sec.size(),
                    offset: sec.offset(),
                    align: sec.align(),
                    reloff: sec.reloff(),
                    nreloc: sec.nreloc(),
                    flags: sec.flags(),
                    reserved1: sec.reserved1(),
                    reserved2: sec.reserved2(),
                });
            }
        }
        Ok(v)
    })();
    let e = theirs.endian();
    let b: Vec<SectionRow<'_>> = theirs
        .sections()
        .map(|sec| {
            let r = sec.macho_section();
            SectionRow {
                segname: B(r.segment_name()),
                sectname: B(r.name()),
                addr: r.addr(e).into(),
                size: r.size(e).into(),
                offset: r.offset(e),
                align: r.align(e),
                reloff: r.reloff(e),
                nreloc: r.nreloc(e),
                flags: r.flags(e).0,
                reserved1: r.reserved1(e),
                reserved2: r.reserved2(e),
            }
        })
        .collect();
    // object's generic accessors must say the same as its raw ones.
    for (sec, row) in theirs.sections().zip(&b) {
        let generic = (
            sec.segment_name_bytes().ok().flatten(),
            sec.name_bytes().ok(),
            sec.address(),
            sec.size(),
        );
        if generic
            != (
                Some(row.segname.0),
                Some(row.sectname.0),
                row.addr,
                row.size,
            )
        {
            check.diff(
                "sections",
                format!("object's generic view {generic:?} of {row:?}"),
            );
        }
    }
    check.results("sections", a, Ok(b));
}

// ---------------------------------------------------------------------------------------------
// Symbols.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct SymbolRow<'a> {
    name: Option<B<'a>>,
    n_strx: u32,
    n_type: u8,
    n_sect: u8,
    n_desc: u16,
    n_value: u64,
}

/// object's generic view of a non-stab symbol, and darling's equivalent.
#[derive(Debug, PartialEq)]
struct SymbolView<'a> {
    index: usize,
    name: Option<B<'a>>,
    address: u64,
    undefined: bool,
    common: bool,
    external: bool,
}

fn symbols<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) {
    let e = theirs.endian();
    let table = theirs.macho_symbol_table();
    let strings = table.strings();
    let ours_table = match ours.symbol_table() {
        Ok(t) => t,
        Err(err) => {
            check.diff("symbols", format!("darling fails: {err}"));
            return;
        }
    };
    let a: Vec<SymbolRow<'a>> = ours_table
        .iter()
        .flat_map(|t| t.iter())
        .map(|sym| SymbolRow {
            name: sym.name().ok().map(|n| B(n.unwrap_or_default())),
            n_strx: sym.n_strx,
            n_type: sym.n_type,
            n_sect: sym.n_sect,
            n_desc: sym.n_desc,
            n_value: sym.n_value,
        })
        .collect();
    let b: Vec<SymbolRow<'a>> = table
        .symbols()
        .iter()
        .map(|n| {
            let n_strx = n.n_strx(e);
            let mut name = n.name(e, strings).ok().map(B);
            if n_strx == 0 && name != Some(B(b"")) {
                check.explain(STRX_ZERO);
                name = Some(B(b""));
            }
            SymbolRow {
                name,
                n_strx,
                n_type: n.n_type().0,
                n_sect: n.n_sect(),
                n_desc: n.n_desc(e).0,
                n_value: n.n_value(e).into(),
            }
        })
        .collect();
    check.seq("symbols", &a, &b);

    let a: Vec<SymbolView<'a>> = ours_table
        .iter()
        .flat_map(|t| t.iter())
        .filter(|sym| !sym.is_stab())
        .map(|sym| {
            let mut undefined = sym.is_undefined() && !sym.is_common();
            let mut common = sym.is_common();
            if undefined && sym.n_value != 0 && !sym.is_external() {
                check.explain(COMMON_WITHOUT_EXT);
                (undefined, common) = (false, true);
            }
            SymbolView {
                index: sym.index as usize,
                name: sym.name().ok().flatten().map(B),
                address: if common { 0 } else { sym.n_value },
                undefined,
                common,
                external: sym.is_external(),
            }
        })
        .collect();
    let b: Vec<SymbolView<'a>> = theirs
        .symbols()
        .map(|sym| {
            let n = sym.macho_symbol();
            SymbolView {
                index: sym.index().0,
                name: if n.n_strx(e) == 0 {
                    None
                } else {
                    sym.name_bytes().ok().map(B)
                },
                address: sym.address(),
                undefined: sym.is_undefined(),
                common: sym.is_common(),
                external: n.n_type().is_ext(),
            }
        })
        .collect();
    check.seq("symbols (generic)", &a, &b);
}

// ---------------------------------------------------------------------------------------------
// Dylibs.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct DylibRow<'a> {
    cmd: u32,
    name: B<'a>,
    current_version: u32,
    compatibility_version: u32,
    use_flags: Option<u32>,
}

/// Compares the dependencies; returns darling's install names (ordinal `i` is entry `i - 1`).
fn dylibs<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) -> Vec<&'a [u8]> {
    let a = (|| {
        let mut v = Vec::new();
        for lc in ours.load_commands() {
            let lc = lc.map_err(s)?;
            if let dm::Command::Dylib(d) = lc.parse().map_err(s)?
                && d.kind != dm::DylibKind::Id
            {
                v.push(DylibRow {
                    cmd: lc.cmd(),
                    name: B(d.name.bytes().map_err(s)?),
                    current_version: d.current_version,
                    compatibility_version: d.compatibility_version,
                    use_flags: d.use_flags,
                });
            }
        }
        Ok(v)
    })();
    let b = (|| {
        let mut v = Vec::new();
        for lib in theirs.import_libraries().map_err(s)? {
            let lib = lib.map_err(s)?;
            let ImportLibraryFlags::MachO {
                cmd,
                current_version,
                compatibility_version,
                use_flags,
                ..
            } = lib.flags()
            else {
                return Err("not Mach-O flags".to_string());
            };
            v.push(DylibRow {
                cmd: cmd.0,
                name: B(lib.name()),
                current_version: current_version.0,
                compatibility_version: compatibility_version.0,
                use_flags: use_flags.map(|f| f.0),
            });
        }
        Ok(v)
    })();
    let names = a
        .as_ref()
        .map(|v| v.iter().map(|d| d.name.0).collect())
        .unwrap_or_default();
    check.results("dylibs", a, b);
    names
}

// ---------------------------------------------------------------------------------------------
// Exports.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq, PartialOrd, Eq, Ord)]
enum TrieData<'a> {
    Regular(u64),
    Reexport(u64, B<'a>),
    StubAndResolver(u64, u64),
}

#[derive(Debug, PartialEq, PartialOrd, Eq, Ord)]
struct TrieRow<'a> {
    name: Name,
    flags: u64,
    data: TrieData<'a>,
}

/// Which trie darling reads (`LC_DYLD_EXPORTS_TRIE`, else `LC_DYLD_INFO`), found in object's
/// own load-command walk and read with object's trie walker.
fn object_trie<'a, Mach: MachHeader<Endian = Endianness>>(
    theirs: &MachOFile<'a, Mach>,
) -> Result<Option<object::read::macho::ExportsTrieIterator<'a>>, String> {
    let e = theirs.endian();
    let data = theirs.data();
    let mut it = theirs.macho_load_commands().map_err(s)?;
    let mut from_dyld_info = None;
    while let Some(c) = it.next().map_err(s)? {
        if let Some(t) = c.dyld_exports_trie().map_err(s)? {
            if t.datasize.get(e) == 0 {
                // object's walker fails on an empty trie (EMPTY_TRIE); darling has no exports.
                return Ok(None);
            }
            return t.exports_trie(e, data).map(Some).map_err(s);
        }
        if let Some(d) = c.dyld_info().map_err(s)?
            && from_dyld_info.is_none()
            && d.export_size.get(e) != 0
        {
            from_dyld_info = Some(d);
        }
    }
    from_dyld_info
        .map(|d| d.exports_trie(e, data).map_err(s))
        .transpose()
}

fn exports_trie<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) {
    let a = (|| {
        let Some(trie) = ours.exports_trie().map_err(s)? else {
            return Ok(None);
        };
        if trie.iter().next().is_none() {
            // An empty trie: no exports, as object_trie says.
            return Ok(None);
        }
        let mut v = Vec::new();
        for x in trie.iter() {
            let x = x.map_err(s)?;
            let data = match x.kind {
                dm::ExportKind::Regular { address }
                | dm::ExportKind::ThreadLocal { address }
                | dm::ExportKind::Absolute { address } => TrieData::Regular(address),
                dm::ExportKind::Reexport {
                    library_ordinal,
                    imported_name,
                } => TrieData::Reexport(library_ordinal, B(imported_name)),
                dm::ExportKind::StubAndResolver { stub, resolver } => {
                    TrieData::StubAndResolver(stub, resolver)
                }
            };
            if x.function_variant.is_some() {
                check.explain(FUNCTION_VARIANT);
            }
            v.push(TrieRow {
                name: Name(x.name),
                flags: x.flags,
                data,
            });
        }
        Ok(Some(v))
    })();
    let b = (|| {
        let Some(trie) = object_trie(theirs)? else {
            return Ok(None);
        };
        let mut v = Vec::new();
        for x in trie {
            let x = x.map_err(s)?;
            let data = match *x.data() {
                object::read::macho::ExportData::Regular { address } => TrieData::Regular(address),
                object::read::macho::ExportData::Reexport {
                    dylib_ordinal,
                    import_name,
                } => TrieData::Reexport(dylib_ordinal, B(import_name)),
                object::read::macho::ExportData::StubAndResolver {
                    stub_address,
                    resolver_address,
                } => TrieData::StubAndResolver(stub_address, resolver_address),
            };
            v.push(TrieRow {
                name: Name(x.name().to_vec()),
                flags: x.flags().0,
                data,
            });
        }
        Ok(Some(v))
    })();
    match (a, b) {
        (Ok(None), Ok(None)) => {}
        (Ok(Some(mut a)), Ok(Some(mut b))) => {
            if a.len() > 1 {
                check.explain(TRIE_ORDER);
            }
            a.sort();
            b.sort();
            check.seq("exports trie", &a, &b);
        }
        (a, b) => {
            let a = a.map(|v| v.unwrap_or_default());
            let b = b.map(|v| v.unwrap_or_default());
            check.results("exports trie", a, b);
        }
    }
}

/// An export as object's `exports()` describes it.
#[derive(Debug, PartialEq, PartialOrd, Eq, Ord)]
enum Target {
    Address(u64),
    Absolute(u64),
    Tlv(u64),
    Resolver(u64, Option<u64>),
    Reexport(Name, Name),
    Other(String),
}

#[derive(Debug, PartialEq, PartialOrd, Eq, Ord)]
struct ExportRow {
    name: Name,
    target: Target,
    weak: bool,
}

fn text_vmaddr(ours: &dm::MachO<'_>) -> u64 {
    ours.segments()
        .filter_map(Result::ok)
        .find(|seg| seg.name() == b"__TEXT")
        .map_or(0, |seg| seg.vmaddr())
}

/// object's `exports()` next to darling's data read by object's rules: the trie of the last
/// `LC_DYLD_EXPORTS_TRIE`, else of the last `LC_DYLD_INFO[_ONLY]` (even an empty one), else
/// every external, non-private, non-stab `N_ABS`/`N_INDR`/`N_SECT` symbol of the table.
fn exports<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    dylibs: &[&'a [u8]],
    check: &mut Check,
) {
    let b = (|| {
        let mut v = Vec::new();
        for x in theirs.exports().map_err(s)? {
            let x = x.map_err(s)?;
            let NameOrOrdinal::Name(name) = x.name() else {
                return Err("export by ordinal".to_string());
            };
            let target = match x.target() {
                ExportTarget::Address { address } => Target::Address(address),
                ExportTarget::Absolute { value } => Target::Absolute(value),
                ExportTarget::TlvDescriptor { address } => Target::Tlv(address),
                ExportTarget::Resolver { resolver, stub } => Target::Resolver(resolver, stub),
                ExportTarget::Reexport {
                    library,
                    name: NameOrOrdinal::Name(n),
                } => Target::Reexport(Name(library.to_vec()), Name(n.to_vec())),
                other => Target::Other(format!("{other:?}")),
            };
            v.push(ExportRow {
                name: Name(name.to_vec()),
                target,
                weak: x.is_weak(),
            });
        }
        Ok(v)
    })();
    let a = (|| {
        // The size of the first LC_DYLD_EXPORTS_TRIE, and whether there is an LC_DYLD_INFO.
        let (mut trie_size, mut has_dyld_info) = (None, false);
        for lc in ours.load_commands() {
            let lc = lc.map_err(s)?;
            if lc.cmd() == dm::raw::LC_DYLD_EXPORTS_TRIE
                && trie_size.is_none()
                && let dm::Command::LinkeditData(l) = lc.parse().map_err(s)?
            {
                trie_size = Some(l.datasize);
            }
            has_dyld_info |= matches!(lc.cmd(), dm::raw::LC_DYLD_INFO | dm::raw::LC_DYLD_INFO_ONLY);
        }
        let mut v = Vec::new();
        if trie_size.is_some() || has_dyld_info {
            let trie = ours.exports_trie().map_err(s)?;
            let Some(trie) = trie.filter(|_| trie_size != Some(0)) else {
                check.explain(EMPTY_TRIE);
                return Err("empty trie".to_string());
            };
            let base = text_vmaddr(ours);
            for x in trie.iter() {
                let x = x.map_err(s)?;
                let target = match x.kind {
                    dm::ExportKind::Regular { address } => {
                        Target::Address(base.wrapping_add(address))
                    }
                    dm::ExportKind::ThreadLocal { address } => {
                        Target::Tlv(base.wrapping_add(address))
                    }
                    dm::ExportKind::Absolute { address } => Target::Absolute(address),
                    dm::ExportKind::StubAndResolver { stub, resolver } => {
                        Target::Resolver(base.wrapping_add(resolver), Some(base.wrapping_add(stub)))
                    }
                    dm::ExportKind::Reexport {
                        library_ordinal,
                        imported_name,
                    } => {
                        let library = usize::try_from(library_ordinal)
                            .ok()
                            .and_then(|i| i.checked_sub(1))
                            .and_then(|i| dylibs.get(i))
                            .ok_or("re-export from a library that is not there")?;
                        Target::Reexport(Name(library.to_vec()), Name(imported_name.to_vec()))
                    }
                };
                let weak = x.is_weak();
                v.push(ExportRow {
                    name: Name(x.name),
                    target,
                    weak,
                });
            }
            v.sort();
            return Ok((v, true));
        }
        let Some(table) = ours.symbol_table().map_err(s)? else {
            return Ok((v, false));
        };
        let section_types: Vec<u32> = ours
            .segments()
            .filter_map(Result::ok)
            .flat_map(|seg| seg.sections())
            .map(|sec| sec.section_type())
            .collect();
        for sym in table.iter() {
            if sym.is_stab() || !sym.is_external() || sym.is_private_external() {
                continue;
            }
            let target = match sym.kind() {
                dm::raw::N_ABS => Target::Absolute(sym.n_value),
                dm::raw::N_INDR => Target::Reexport(
                    Name(Vec::new()),
                    Name(sym.indirect_name().map_err(s)?.unwrap_or_default().to_vec()),
                ),
                dm::raw::N_SECT if sym.n_desc & dm::raw::N_SYMBOL_RESOLVER != 0 => {
                    Target::Resolver(sym.n_value, None)
                }
                dm::raw::N_SECT => {
                    let ty = usize::from(sym.n_sect)
                        .checked_sub(1)
                        .and_then(|i| section_types.get(i))
                        .ok_or("symbol in a section that is not there")?;
                    if *ty == dm::raw::S_THREAD_LOCAL_VARIABLES {
                        Target::Tlv(sym.n_value)
                    } else {
                        Target::Address(sym.n_value)
                    }
                }
                _ => continue,
            };
            v.push(ExportRow {
                name: Name(sym.name().map_err(s)?.unwrap_or_default().to_vec()),
                target,
                weak: sym.n_desc & dm::raw::N_WEAK_DEF != 0,
            });
        }
        Ok((v, false))
    })();
    match (a, b) {
        (Ok((a, true)), Ok(mut b)) => {
            b.sort();
            check.seq("exports", &a, &b);
        }
        (a, b) => check.results("exports", a.map(|(v, _)| v), b),
    }
}

// ---------------------------------------------------------------------------------------------
// Imports.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct ImportRow<'a> {
    name: B<'a>,
    library: B<'a>,
    weak: bool,
    /// The raw ordinal object reports: `n_desc >> 8` for symbol imports, the bind or import
    /// ordinal otherwise.
    ordinal: i64,
}

/// object's `imports()` next to darling's data read by object's rules: the chained imports
/// (but self-ordinal ones) of the last `LC_DYLD_CHAINED_FIXUPS`, else the first bind after
/// each symbol of the bind, weak-bind and lazy-bind streams (but self-ordinal ones), else the
/// undefined symbols (library by ordinal only in a two-level namespace image).
fn imports<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    dylibs: &[&'a [u8]],
    check: &mut Check,
) {
    let library = |ordinal: i64| -> Result<B<'a>, String> {
        if ordinal <= 0 {
            return Ok(B(b""));
        }
        usize::try_from(ordinal - 1)
            .ok()
            .and_then(|i| dylibs.get(i).copied())
            .map(B)
            .ok_or_else(|| format!("ordinal {ordinal} names no dylib"))
    };
    let b = (|| {
        let mut v = Vec::new();
        for x in theirs.imports().map_err(s)? {
            let x = x.map_err(s)?;
            let NameOrOrdinal::Name(name) = x.name() else {
                return Err("import by ordinal".to_string());
            };
            let ordinal = match x.flags() {
                ImportFlags::MachO { n_desc, .. } => i64::from(n_desc.0 >> 8),
                ImportFlags::MachOBind { dylib, .. } => i64::from(dylib.0),
                other => return Err(format!("flags {other:?}")),
            };
            v.push(ImportRow {
                name: B(name),
                library: B(x.library()),
                weak: x.is_weak(),
                ordinal,
            });
        }
        Ok(v)
    })();
    let a = (|| {
        if let Some(cf) = ours.chained_fixups().map_err(s)? {
            let mut v = Vec::new();
            for i in 0..cf.header().imports_count {
                let imp = cf.import(i).map_err(s)?;
                if imp.lib_ordinal == 0 {
                    continue;
                }
                let ordinal = i64::from(imp.lib_ordinal);
                v.push(ImportRow {
                    name: B(imp.name.ok_or("import name outside the symbols")?),
                    library: library(ordinal)?,
                    weak: imp.weak_import,
                    ordinal,
                });
            }
            return Ok(v);
        }
        if let Some(d) = ours.dyld_info().map_err(s)? {
            let mut v = Vec::new();
            for (kind, off, size) in [
                (dm::BindKind::Bind, d.bind_off, d.bind_size),
                (dm::BindKind::Weak, d.weak_bind_off, d.weak_bind_size),
                (dm::BindKind::Lazy, d.lazy_bind_off, d.lazy_bind_size),
            ] {
                let mut last: Option<*const u8> = None;
                for b in dm::Binds::new(ours, kind, off, size).map_err(s)? {
                    let b = b.map_err(s)?;
                    if b.strong_definition {
                        continue;
                    }
                    // A new symbol opcode gives a new name slice: only its first bind counts.
                    if last == Some(b.symbol.as_ptr()) {
                        continue;
                    }
                    last = Some(b.symbol.as_ptr());
                    let ordinal = if kind == dm::BindKind::Weak {
                        check.explain(WEAK_BIND_ORDINAL);
                        i64::from(om::BIND_SPECIAL_DYLIB_WEAK_LOOKUP.0)
                    } else {
                        b.library_ordinal
                    };
                    if ordinal == 0 {
                        continue;
                    }
                    v.push(ImportRow {
                        name: B(b.symbol),
                        library: library(ordinal)?,
                        weak: b.is_weak_import(),
                        ordinal,
                    });
                }
            }
            return Ok(v);
        }
        let twolevel = ours.header().flags & dm::raw::MH_TWOLEVEL != 0;
        let mut v = Vec::new();
        for sym in ours
            .symbol_table()
            .map_err(s)?
            .iter()
            .flat_map(|t| t.iter())
        {
            // object's undefined: N_UNDF with value 0, external or not.
            if !sym.is_undefined() || sym.n_value != 0 {
                continue;
            }
            let ordinal = sym.library_ordinal();
            let lib = if twolevel && (1..=0xfd).contains(&ordinal) {
                library(ordinal.into())?
            } else {
                B(b"")
            };
            v.push(ImportRow {
                name: B(sym.name().map_err(s)?.unwrap_or_default()),
                library: lib,
                weak: sym.n_desc & dm::raw::N_WEAK_REF != 0,
                ordinal: ordinal.into(),
            });
        }
        Ok(v)
    })();
    check.results("imports", a, b);
}

// ---------------------------------------------------------------------------------------------
// Rebases and binds of LC_DYLD_INFO.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct BindRow<'a> {
    segment_index: u8,
    segment_offset: u64,
    bind_type: u8,
    ordinal: Option<i64>,
    symbol: B<'a>,
    flags: u8,
    addend: i64,
}

fn dyld_info<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) {
    let e = theirs.endian();
    let data = theirs.data();
    let pointer_size = if ours.is_64() { 8 } else { 4 };
    let theirs_cmd = (|| {
        let mut it = theirs.macho_load_commands().map_err(s)?;
        while let Some(c) = it.next().map_err(s)? {
            if let Some(d) = c.dyld_info().map_err(s)? {
                return Ok(Some(d));
            }
        }
        Ok::<_, String>(None)
    })();
    let d = match (ours.dyld_info(), theirs_cmd) {
        (Ok(Some(d)), Ok(Some(t))) => (d, t),
        (Ok(None), Ok(None)) | (Err(_), Err(_)) => return,
        (a, b) => {
            check.diff(
                "dyld info",
                format!(
                    "darling {:?}, object {:?}",
                    a.map(|x| x.is_some()),
                    b.map(|x| x.is_some())
                ),
            );
            return;
        }
    };
    let (ours_cmd, theirs_cmd) = d;

    let a = (|| {
        dm::Rebases::new(ours, ours_cmd.rebase_off, ours_cmd.rebase_size)
            .map_err(s)?
            .map(|r| {
                r.map(|r| (r.segment_index, r.segment_offset, r.kind))
                    .map_err(s)
            })
            .collect::<Result<Vec<_>, _>>()
    })();
    let b = (|| {
        theirs_cmd
            .rebases(e, data, pointer_size)
            .map_err(s)?
            .map(|r| {
                r.map(|r| (r.segment_index, r.segment_offset, r.kind.0))
                    .map_err(s)
            })
            .collect::<Result<Vec<_>, _>>()
    })();
    check.results("rebases", a, b);

    for (kind, off, size) in [
        (dm::BindKind::Bind, ours_cmd.bind_off, ours_cmd.bind_size),
        (
            dm::BindKind::Weak,
            ours_cmd.weak_bind_off,
            ours_cmd.weak_bind_size,
        ),
        (
            dm::BindKind::Lazy,
            ours_cmd.lazy_bind_off,
            ours_cmd.lazy_bind_size,
        ),
    ] {
        let weak = kind == dm::BindKind::Weak;
        let mut a = (|| {
            let mut v = Vec::new();
            for b in dm::Binds::new(ours, kind, off, size).map_err(s)? {
                let b = b.map_err(s)?;
                if b.strong_definition {
                    check.explain(STRONG_DEFINITION);
                    continue;
                }
                v.push(BindRow {
                    segment_index: b.segment_index,
                    segment_offset: b.segment_offset,
                    bind_type: b.bind_type,
                    ordinal: (!weak).then_some(b.library_ordinal),
                    symbol: B(b.symbol),
                    flags: b.flags,
                    addend: b.addend,
                });
            }
            Ok(v)
        })();
        let b = (|| {
            let it = match kind {
                dm::BindKind::Bind => theirs_cmd.binds(e, data, pointer_size),
                dm::BindKind::Weak => theirs_cmd.weak_binds(e, data, pointer_size),
                dm::BindKind::Lazy => theirs_cmd.lazy_binds(e, data, pointer_size),
            }
            .map_err(s)?;
            it.map(|b| {
                b.map(|b| BindRow {
                    segment_index: b.segment_index,
                    segment_offset: b.segment_offset,
                    bind_type: b.kind.0,
                    ordinal: (!weak).then_some(b.dylib.0.into()),
                    symbol: B(b.symbol),
                    flags: b.flags.0,
                    addend: b.addend,
                })
                .map_err(s)
            })
            .collect::<Result<Vec<_>, _>>()
        })();
        if weak && let Ok(rows) = &mut a {
            if !rows.is_empty() {
                check.explain(WEAK_BIND_ORDINAL);
            }
            {
                for r in rows.iter_mut().filter(|r| r.bind_type == 0) {
                    check.explain(WEAK_BIND_TYPE);
                    r.bind_type = om::BIND_TYPE_POINTER.0;
                }
            }
        }
        let aspect = match kind {
            dm::BindKind::Bind => "binds",
            dm::BindKind::Weak => "weak binds",
            dm::BindKind::Lazy => "lazy binds",
        };
        check.results(aspect, a, b);
    }
}

// ---------------------------------------------------------------------------------------------
// Chained fixups.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum FixupRow {
    Bind {
        ordinal: u32,
        addend: i64,
    },
    /// The target as an offset from the image's start, `high8` in the top byte.
    Rebase(u64),
}

fn chained_fixups<'a, Mach: MachHeader<Endian = Endianness>>(
    ours: &dm::MachO<'a>,
    theirs: &MachOFile<'a, Mach>,
    check: &mut Check,
) {
    let e = theirs.endian();
    let base = text_vmaddr(ours);
    let cf = match ours.chained_fixups() {
        Ok(Some(cf)) => cf,
        Ok(None) => return,
        Err(err) => {
            check.diff("chained fixups", format!("darling fails: {err}"));
            return;
        }
    };
    let mut non_pointer = 0;
    let a = (|| {
        let mut v = Vec::new();
        for f in cf.fixups() {
            let f = f.map_err(s)?;
            let row = match f.target() {
                dm::FixupTarget::Bind { ordinal, addend } => FixupRow::Bind { ordinal, addend },
                dm::FixupTarget::Rebase {
                    target,
                    high8,
                    is_offset,
                } => {
                    let t = if is_offset {
                        target
                    } else {
                        target.wrapping_sub(base)
                    };
                    FixupRow::Rebase(t | u64::from(high8) << 56)
                }
                dm::FixupTarget::NonPointer { .. } => {
                    // object decodes the raw 26-bit target as a rebase: compare that.
                    non_pointer += 1;
                    FixupRow::Rebase((f.raw & 0x03ff_ffff).wrapping_sub(base))
                }
            };
            v.push((f.segment_index, f.segment_offset, row));
        }
        Ok(v)
    })();
    for _ in 0..non_pointer {
        check.explain(CHAINED_32_NON_POINTER);
    }
    let b = (|| {
        let mut v = Vec::new();
        let mut it = theirs.macho_load_commands().map_err(s)?;
        let mut cmd = None;
        while let Some(c) = it.next().map_err(s)? {
            if let Some(l) = c.dyld_chained_fixups().map_err(s)? {
                cmd = Some(l);
                break;
            }
        }
        let cmd = cmd.ok_or("no LC_DYLD_CHAINED_FIXUPS")?;
        let fixups = cmd.chained_fixups(e, theirs.data()).map_err(s)?;
        let segments: Vec<_> = theirs.segments().collect();
        for seg in fixups.segments(e).map_err(s)? {
            let seg = seg.map_err(s)?;
            let data = segments
                .get(seg.index() as usize)
                .ok_or("fixups for a segment that is not there")?
                .data()
                .map_err(s)?;
            for f in seg.fixups(e, base, data) {
                let (offset, f) = f.map_err(s)?;
                let row = match f {
                    object::read::macho::Fixup::Bind(b) => FixupRow::Bind {
                        ordinal: b.ordinal,
                        addend: b.addend.into(),
                    },
                    object::read::macho::Fixup::Rebase(r) => FixupRow::Rebase(r.target_offset),
                    object::read::macho::Fixup::KernelCacheRebase(r) => {
                        FixupRow::Rebase(r.target_offset)
                    }
                    object::read::macho::Fixup::SegmentedRebase(_) => {
                        return Err("segmented rebase".to_string());
                    }
                };
                v.push((seg.index(), offset, row));
            }
        }
        Ok(v)
    })();
    check.results("chained fixups", a, b);
}

// ---------------------------------------------------------------------------------------------
// The test.
// ---------------------------------------------------------------------------------------------

fn run(name: &str, files: &[PathBuf]) -> Tally {
    let mut tally = Tally::default();
    let start = Instant::now();
    for path in files {
        let label = path.file_name().unwrap_or_default().to_string_lossy();
        compare_file(path, &label, &mut tally);
    }
    eprintln!(
        "object oracle ({name}): {} of {} files/slices agree; {} of {} fat tables agree \
         ({} files, {} skipped, {:.1?})",
        tally.agree,
        tally.images,
        tally.fat_agree,
        tally.fat_tables,
        files.len(),
        tally.skipped.len(),
        start.elapsed()
    );
    let compared: Vec<String> = tally
        .compared
        .iter()
        .map(|(aspect, n)| format!("{n} {aspect}"))
        .collect();
    eprintln!("  compared: {}", compared.join(", "));
    for skip in &tally.skipped {
        eprintln!("  skipped {skip}");
    }
    for (why, n) in &tally.explained {
        eprintln!("  documented difference x{n}: {why}");
    }
    for f in &tally.failures {
        eprintln!("  DISAGREE {f}");
    }
    tally
}

#[test]
fn object_agrees_on_fixtures() {
    let dir = files::fixtures_dir();
    let files = files_in(&dir);
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let tally = run("fixtures", &files);
    assert!(tally.images > 0, "object parsed no fixture");
    assert!(
        tally.failures.is_empty(),
        "{} unexplained disagreement(s) with object; see the DISAGREE lines",
        tally.failures.len()
    );
}

#[test]
#[ignore = "needs the Mach-O corpus (tests/corpus/ci.sh fetches it)"]
fn object_agrees_on_corpus() {
    let dir = files::corpus_dir();
    let files = files_in(&dir);
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    let tally = run("corpus", &files);
    assert!(
        tally.failures.is_empty(),
        "{} unexplained disagreement(s) with object; see the DISAGREE lines",
        tally.failures.len()
    );
}

/// A minimal 64-bit image whose only load command is an `LC_DYLD_CHAINED_FIXUPS` with one
/// import per entry of `ordinals`, in `imports_format` 1 (`DYLD_CHAINED_IMPORT`) or 3
/// (`DYLD_CHAINED_IMPORT_ADDEND64`).
fn chained_imports_image(format: u32, ordinals: &[u16]) -> Vec<u8> {
    let entry = if format == 3 { 16 } else { 4 };
    let imports_offset = 32u32;
    let symbols_offset = imports_offset + entry * ordinals.len() as u32;
    let mut blob = Vec::new();
    for w in [
        0,
        28,
        imports_offset,
        symbols_offset,
        ordinals.len() as u32,
        format,
        0,
        0, // dyld_chained_starts_in_image: seg_count 0
    ] {
        blob.extend_from_slice(&w.to_le_bytes());
    }
    for &o in ordinals {
        if format == 3 {
            blob.extend_from_slice(&u64::from(o).to_le_bytes());
            blob.extend_from_slice(&0u64.to_le_bytes());
        } else {
            blob.extend_from_slice(&u32::from(o).to_le_bytes());
        }
    }
    blob.extend_from_slice(b"_f\0\0");
    let dataoff = 32 + 16;
    let mut image = Vec::new();
    for w in [
        0xfeed_facf_u32,
        0x0100_000c, // CPU_TYPE_ARM64
        0,
        2, // MH_EXECUTE
        1,
        16,
        0,
        0,
        dm::raw::LC_DYLD_CHAINED_FIXUPS,
        16,
        dataoff,
        blob.len() as u32,
    ] {
        image.extend_from_slice(&w.to_le_bytes());
    }
    image.extend_from_slice(&blob);
    image
}

/// The library ordinals of chained imports, by both crates. dyld (`MachOFile::
/// forEachChainedFixupTarget`) and object read `lib_ordinal` as unsigned unless it is above
/// 0xF0 (0xFFF0 for `DYLD_CHAINED_IMPORT_ADDEND64`), where it is a negative special ordinal.
#[test]
fn object_agrees_on_chained_import_ordinals() {
    for (format, ordinals) in [
        (
            1,
            &[1u16, 0x7f, 0x80, 0x90, 0xf0, 0xf1, 0xfd, 0xfe, 0xff][..],
        ),
        (
            3,
            &[1, 0x7fff, 0x8000, 0xfff0, 0xfff1, 0xfffd, 0xfffe, 0xffff][..],
        ),
    ] {
        let image = chained_imports_image(format, ordinals);
        let ours = dm::MachO::parse(&image).expect("darling parses the image");
        let cf = ours.chained_fixups().unwrap().expect("chained fixups");
        let a: Vec<i64> = (0..cf.header().imports_count)
            .map(|i| i64::from(cf.import(i).unwrap().lib_ordinal))
            .collect();
        let theirs = MachOFile::<om::MachHeader64<Endianness>>::parse(&*image).unwrap();
        let e = theirs.endian();
        let mut it = theirs.macho_load_commands().unwrap();
        let cmd = it
            .next()
            .unwrap()
            .unwrap()
            .dyld_chained_fixups()
            .unwrap()
            .unwrap();
        let b: Vec<i64> = cmd
            .chained_fixups(e, &*image)
            .unwrap()
            .imports(e)
            .unwrap()
            .map(|i| i64::from(i.unwrap().dylib.0))
            .collect();
        assert_eq!(
            a, b,
            "imports_format {format}: darling (left) vs object (right)"
        );
    }
}

/// `(name, data offset, data size, is a symbol table)` of every member, as darling sees it.
fn darling_members(data: &[u8]) -> Vec<(Vec<u8>, u64, u64)> {
    let a = dm::Archive::parse(data).unwrap();
    a.members()
        .map(Result::unwrap)
        .filter(|m| m.kind == dm::MemberKind::File)
        .map(|m| (m.name.to_vec(), m.data_offset, m.data.len() as u64))
        .collect()
}

/// The same, as object sees it.
fn object_members(data: &[u8]) -> Vec<(Vec<u8>, u64, u64)> {
    let a = object::read::archive::ArchiveFile::parse(data).unwrap();
    a.members()
        .map(|m| {
            let m = m.unwrap();
            let (offset, size) = m.file_range();
            (m.name().to_vec(), offset, size)
        })
        .collect()
}

/// An archive in `kind`'s naming ("bsd" or "gnu"), with one long and one short name.
fn synthetic_archive(kind: &str) -> Vec<u8> {
    let members: [(&str, &[u8]); 2] = [("a_rather_long_member_name.o", b"odd"), ("b.o", b"1234")];
    let mut out = b"!<arch>\n".to_vec();
    let header = |out: &mut Vec<u8>, name: &str, size: usize| {
        let h = format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n",
            0, 0, 0, "644"
        );
        out.extend_from_slice(h.as_bytes());
    };
    let pad = |out: &mut Vec<u8>| {
        if out.len() % 2 == 1 {
            out.push(b'\n');
        }
    };
    if kind == "gnu" {
        let table = format!("{}/\n", members[0].0);
        header(&mut out, "//", table.len());
        out.extend_from_slice(table.as_bytes());
        pad(&mut out);
    }
    for (name, data) in members {
        if name.len() > 15 && kind == "bsd" {
            let padded = name.len().div_ceil(8) * 8;
            header(&mut out, &format!("#1/{padded}"), padded + data.len());
            out.extend_from_slice(name.as_bytes());
            out.resize(out.len() + padded - name.len(), 0);
        } else if name.len() > 15 {
            header(&mut out, "/0", data.len());
        } else if kind == "gnu" {
            header(&mut out, &format!("{name}/"), data.len());
        } else {
            header(&mut out, name, data.len());
        }
        out.extend_from_slice(data);
        pad(&mut out);
    }
    out
}

#[test]
fn object_agrees_on_archive_members() {
    let fixture =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin/synth-archive.a"))
            .unwrap();
    for (what, data) in [
        ("synth-archive.a", fixture),
        ("BSD names", synthetic_archive("bsd")),
        ("GNU names", synthetic_archive("gnu")),
    ] {
        let ours = darling_members(&data);
        assert_eq!(ours.len(), 2, "{what}");
        assert_eq!(ours, object_members(&data), "{what}");
    }
}
