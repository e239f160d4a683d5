//! What both benches of darling-macho against the `object` crate (0.40) run: the images and
//! the operations, each written once for each crate.
//!
//! The images are every thin file and fat slice of the third-party corpus
//! (`$MACHO_CORPUS`, default `target/macho-corpus/files` of the workspace, fetched by
//! `../shared/corpus/fetch-dev-corpus.sh`) or, without it, of the committed fixtures
//! (`tests/data/bin`). Every operation starts from the raw bytes of an image and does the
//! same work in both crates:
//!
//! - `header`: parse the header and read `ncmds` (darling: `MachO::parse`; object:
//!   `MachHeader::parse` and `endian`).
//! - `walk`: the header, then a plain walk over the load commands that counts them and sums
//!   their `cmdsize`, decoding none (darling: `MachO::load_commands`; object:
//!   `MachHeader::load_commands`).
//! - `load_commands`: the header, a walk over every load command and the decoding of each
//!   into its typed view (darling: `LoadCommand::parse`; object: `LoadCommandData::variant`).
//! - `symbols`: find `LC_SYMTAB` and read the name of every symbol-table entry (darling:
//!   `MachO::symbol_table`; object: `SymtabCommand::symbols`, `Nlist::name`).
//! - `exports_trie`: walk the whole exports trie of `LC_DYLD_EXPORTS_TRIE`, else of
//!   `LC_DYLD_INFO` (darling: `ExportsTrie::iter`; object: its own trie walker,
//!   `ExportsTrieIterator`, which is what `Object::exports` uses). Both build every name.
//! - `rebases`, `binds`: decode the `LC_DYLD_INFO` rebase stream and the bind, weak-bind and
//!   lazy-bind streams into records (darling: `Rebases`, `MachO::binds`; object:
//!   `DyldInfoCommand::rebases`, `binds`, `weak_binds`, `lazy_binds`).
//! - `chained_fixups`: walk every chain of `LC_DYLD_CHAINED_FIXUPS` and decode every fixup
//!   (darling: `ChainedFixups::fixups`; object: `DyldChainedFixups::segments` then
//!   `DyldChainedSegment::fixups`, given each segment's bytes).
//! - `chained_imports`: read every import of `LC_DYLD_CHAINED_FIXUPS` with its name
//!   (darling: `ChainedFixups::imports`; object: `DyldChainedFixups::imports`).
//!
//! object's higher-level `Object::imports` is not measured: it reports one entry per imported
//! symbol, not per location, so it is not the same work as a full bind or fixup walk.

use std::hint::black_box;

use darling_macho as dm;
use object::Endianness;
use object::macho as om;
use object::read::macho::{MachHeader, Nlist as _, Segment as _};

/// One thin image: a whole thin file, or one slice of a fat file.
pub struct Image {
    /// The image's bytes.
    pub data: &'static [u8],
}

#[path = "../../tests/files/mod.rs"]
mod files;

use files::files_in;

/// The images of the corpus, or of the fixtures if there is no corpus; `who` names the bench
/// in the line that says which set was used. Files are leaked: they live as long as the
/// benchmark process.
pub fn images(who: &str) -> Vec<Image> {
    let (set, mut files) = ("corpus", files_in(&files::corpus_dir()));
    let set = if files.is_empty() {
        files = files_in(&files::fixtures_dir());
        "fixtures"
    } else {
        set
    };
    let mut images = Vec::new();
    let mut bytes = 0;
    for path in &files {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        let data: &'static [u8] = Vec::leak(data);
        let mut push = |slice: &'static [u8]| {
            // Only images both crates can read.
            let Ok(m) = dm::MachO::parse(slice) else {
                return;
            };
            let ok = if m.is_64() {
                om::MachHeader64::<Endianness>::parse(slice, 0).is_ok()
            } else {
                om::MachHeader32::<Endianness>::parse(slice, 0).is_ok()
            };
            if ok {
                bytes += slice.len();
                images.push(Image { data: slice });
            }
        };
        match dm::File::parse(data) {
            Ok(dm::File::MachO(_)) => push(data),
            Ok(dm::File::Fat(fat)) => {
                for a in fat.arches() {
                    if let Ok(slice) = fat.slice_data(&a) {
                        push(slice);
                    }
                }
            }
            Ok(_) | Err(_) => {}
        }
    }
    eprintln!(
        "{who}: {} images ({set}, {} files, {:.1} MB)",
        images.len(),
        files.len(),
        bytes as f64 / 1e6
    );
    images
}

/// One operation: its name and what each crate runs for it on one image. Both return how
/// many items they produced, so that the two can be checked to agree.
pub struct Operation {
    /// The operation's name (the criterion group, the row of the ratios table).
    pub name: &'static str,
    /// darling-macho's run over one image.
    pub darling: fn(&Image) -> usize,
    /// object's run over one image.
    pub object: fn(&Image) -> usize,
}

/// Calls the 64- or 32-bit instance of an object function, chosen from the image's own
/// magic number by `object::FileKind` as an object user reading an unknown file must (darling's
/// `MachO::parse` finds the width the same way; handing object the width found beforehand
/// would leave that work out of its side).
macro_rules! by_width {
    ($f:ident) => {
        |image: &Image| match object::FileKind::parse(image.data) {
            Ok(object::FileKind::MachO64) => $f::<Mach64>(image.data),
            Ok(object::FileKind::MachO32) => $f::<Mach32>(image.data),
            _ => 0,
        }
    };
}

/// Every operation, in the order they are reported.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        name: "header",
        darling: |i| darling_header(i.data),
        object: by_width!(object_header),
    },
    Operation {
        name: "walk",
        darling: |i| darling_walk(i.data),
        object: by_width!(object_walk),
    },
    Operation {
        name: "load_commands",
        darling: |i| darling_load_commands(i.data),
        object: by_width!(object_load_commands),
    },
    Operation {
        name: "symbols",
        darling: |i| darling_symbols(i.data),
        object: by_width!(object_symbols),
    },
    Operation {
        name: "exports_trie",
        darling: |i| darling_exports(i.data),
        object: by_width!(object_exports),
    },
    Operation {
        name: "rebases",
        darling: |i| darling_rebases(i.data),
        object: by_width!(object_rebases),
    },
    Operation {
        name: "binds",
        darling: |i| darling_binds(i.data),
        object: by_width!(object_binds),
    },
    Operation {
        name: "chained_fixups",
        darling: |i| darling_chained_fixups(i.data),
        object: by_width!(object_chained_fixups),
    },
    Operation {
        name: "chained_imports",
        darling: |i| darling_chained_imports(i.data),
        object: by_width!(object_chained_imports),
    },
];

/// The images an operation has something to do on, after checking that both crates find the
/// same number of items there (a line on stderr says so, or says they differ).
pub fn used_images<'a>(images: &'a [Image], op: &Operation) -> Vec<&'a Image> {
    let used: Vec<&Image> = images.iter().filter(|i| (op.darling)(i) > 0).collect();
    let ours: usize = used.iter().map(|i| (op.darling)(i)).sum();
    let theirs: usize = used.iter().map(|i| (op.object)(i)).sum();
    eprintln!(
        "{}: {} images, {ours} items by darling, {theirs} by object{}",
        op.name,
        used.len(),
        if ours == theirs { "" } else { " (differ)" }
    );
    used
}

/// One pass of `run` over every image.
#[inline(never)]
pub fn pass(images: &[&Image], run: fn(&Image) -> usize) -> usize {
    images.iter().map(|i| run(black_box(i))).sum()
}

// ---------------------------------------------------------------------------------------------
// darling.
// ---------------------------------------------------------------------------------------------

#[inline(never)]
fn darling_header(data: &[u8]) -> usize {
    dm::MachO::parse(data).map_or(0, |m| m.header().ncmds as usize)
}

#[inline(never)]
fn darling_walk(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let (mut n, mut size) = (0usize, 0u64);
    for lc in m.load_commands() {
        let Ok(lc) = lc else { break };
        n += 1;
        size += u64::from(lc.cmdsize());
    }
    black_box(size);
    n
}

#[inline(never)]
fn darling_load_commands(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let mut n = 0;
    for lc in m.load_commands() {
        let Ok(lc) = lc else { break };
        if black_box(lc.parse()).is_ok() {
            n += 1;
        }
    }
    n
}

#[inline(never)]
fn darling_symbols(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let Ok(Some(table)) = m.symbol_table() else {
        return 0;
    };
    let mut n = 0;
    for sym in table.iter() {
        if black_box(sym.name()).is_ok() {
            n += 1;
        }
    }
    n
}

#[inline(never)]
fn darling_exports(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let Ok(Some(trie)) = m.exports_trie() else {
        return 0;
    };
    trie.iter().map_while(Result::ok).map(black_box).count()
}

#[inline(never)]
fn darling_rebases(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let Ok(Some(d)) = m.dyld_info() else {
        return 0;
    };
    dm::Rebases::new(&m, d.rebase_off, d.rebase_size)
        .map(|r| r.map_while(Result::ok).map(black_box).count())
        .unwrap_or(0)
}

#[inline(never)]
fn darling_binds(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    [dm::BindKind::Bind, dm::BindKind::Weak, dm::BindKind::Lazy]
        .into_iter()
        .map(|kind| match m.binds(kind) {
            Ok(Some(b)) => b.map_while(Result::ok).map(black_box).count(),
            Ok(None) | Err(_) => 0,
        })
        .sum()
}

#[inline(never)]
fn darling_chained_fixups(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let Ok(Some(cf)) = m.chained_fixups() else {
        return 0;
    };
    // What object yields for each fixup: the location's offset in its segment and the decoded
    // fixup. darling's fixup holds the raw value and decodes it when asked: ask.
    cf.fixups()
        .map_while(Result::ok)
        .inspect(|f| {
            black_box((f.segment_offset, f.target(), f.auth()));
        })
        .count()
}

#[inline(never)]
fn darling_chained_imports(data: &[u8]) -> usize {
    let Ok(m) = dm::MachO::parse(data) else {
        return 0;
    };
    let Ok(Some(cf)) = m.chained_fixups() else {
        return 0;
    };
    cf.imports()
        .map_while(Result::ok)
        .inspect(|i| {
            black_box(i.name);
        })
        .count()
}

// ---------------------------------------------------------------------------------------------
// object, generic over 32- and 64-bit headers.
// ---------------------------------------------------------------------------------------------

type Mach64 = om::MachHeader64<Endianness>;
type Mach32 = om::MachHeader32<Endianness>;

#[inline(never)]
fn object_header<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Ok(h) = Mach::parse(data, 0) else {
        return 0;
    };
    h.endian().map_or(0, |e| h.ncmds(e) as usize)
}

#[inline(never)]
fn object_walk<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Ok(h) = Mach::parse(data, 0) else {
        return 0;
    };
    let Ok(e) = h.endian() else { return 0 };
    let Ok(mut it) = h.load_commands(e, data, 0) else {
        return 0;
    };
    let (mut n, mut size) = (0usize, 0u64);
    while let Ok(Some(c)) = it.next() {
        n += 1;
        size += u64::from(c.cmdsize());
    }
    black_box(size);
    n
}

#[inline(never)]
fn object_load_commands<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Ok(h) = Mach::parse(data, 0) else {
        return 0;
    };
    let Ok(e) = h.endian() else { return 0 };
    let Ok(mut it) = h.load_commands(e, data, 0) else {
        return 0;
    };
    let mut n = 0;
    while let Ok(Some(c)) = it.next() {
        if black_box(c.variant()).is_ok() {
            n += 1;
        }
    }
    n
}

#[inline(never)]
fn object_symbols<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Ok(h) = Mach::parse(data, 0) else {
        return 0;
    };
    let Ok(e) = h.endian() else { return 0 };
    let Ok(mut it) = h.load_commands(e, data, 0) else {
        return 0;
    };
    while let Ok(Some(c)) = it.next() {
        if let Ok(Some(symtab)) = c.symtab() {
            let Ok(table) = symtab.symbols::<Mach, _>(e, data) else {
                return 0;
            };
            let strings = table.strings();
            let mut n = 0;
            for nlist in table.iter() {
                if black_box(nlist.name(e, strings)).is_ok() {
                    n += 1;
                }
            }
            return n;
        }
    }
    0
}

#[inline(never)]
fn object_exports<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Ok(h) = Mach::parse(data, 0) else {
        return 0;
    };
    let Ok(e) = h.endian() else { return 0 };
    let Ok(mut it) = h.load_commands(e, data, 0) else {
        return 0;
    };
    // As darling chooses: LC_DYLD_EXPORTS_TRIE, else the first non-empty LC_DYLD_INFO trie.
    let mut trie = None;
    while let Ok(Some(c)) = it.next() {
        if let Ok(Some(t)) = c.dyld_exports_trie() {
            trie = t.exports_trie(e, data).ok();
            break;
        }
        if let Ok(Some(d)) = c.dyld_info()
            && trie.is_none()
            && d.export_size.get(e) != 0
        {
            trie = d.exports_trie(e, data).ok();
        }
    }
    trie.map_or(0, |t| t.map_while(Result::ok).map(black_box).count())
}

/// The first `LC_DYLD_INFO[_ONLY]`, the byte order and the pointer size.
type DyldInfo<'a> = (&'a om::DyldInfoCommand<Endianness>, Endianness, u8);

#[inline(never)]
fn object_dyld_info<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> Option<DyldInfo<'_>> {
    let h = Mach::parse(data, 0).ok()?;
    let e = h.endian().ok()?;
    let ptr = if h.is_type_64() { 8 } else { 4 };
    let mut it = h.load_commands(e, data, 0).ok()?;
    while let Ok(Some(c)) = it.next() {
        if let Ok(Some(d)) = c.dyld_info() {
            return Some((d, e, ptr));
        }
    }
    None
}

#[inline(never)]
fn object_rebases<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Some((d, e, ptr)) = object_dyld_info::<Mach>(data) else {
        return 0;
    };
    d.rebases(e, data, ptr)
        .map(|r| r.map_while(Result::ok).map(black_box).count())
        .unwrap_or(0)
}

#[inline(never)]
fn object_binds<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Some((d, e, ptr)) = object_dyld_info::<Mach>(data) else {
        return 0;
    };
    [
        d.binds(e, data, ptr),
        d.weak_binds(e, data, ptr),
        d.lazy_binds(e, data, ptr),
    ]
    .into_iter()
    .map(|b| {
        b.map(|b| b.map_while(Result::ok).map(black_box).count())
            .unwrap_or(0)
    })
    .sum()
}

/// The first `LC_DYLD_CHAINED_FIXUPS`'s data, with the byte order.
#[inline(never)]
fn object_chained<Mach: MachHeader<Endian = Endianness>>(
    data: &[u8],
) -> Option<(
    object::read::macho::DyldChainedFixups<'_, Endianness>,
    Endianness,
)> {
    let h = Mach::parse(data, 0).ok()?;
    let e = h.endian().ok()?;
    let mut it = h.load_commands(e, data, 0).ok()?;
    while let Ok(Some(c)) = it.next() {
        if let Ok(Some(l)) = c.dyld_chained_fixups() {
            return l.chained_fixups(e, data).ok().map(|f| (f, e));
        }
    }
    None
}

#[inline(never)]
fn object_chained_fixups<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Ok(h) = Mach::parse(data, 0) else {
        return 0;
    };
    let Ok(e) = h.endian() else { return 0 };
    let Ok(mut it) = h.load_commands(e, data, 0) else {
        return 0;
    };
    // The segments' bytes (fixups are given per segment) and __TEXT's address.
    let mut segments: Vec<&[u8]> = Vec::new();
    let (mut text, mut cmd) = (0, None);
    while let Ok(Some(c)) = it.next() {
        if let Ok(Some((seg, _))) = Mach::Segment::from_command(c) {
            if seg.name() == b"__TEXT" {
                text = seg.vmaddr(e).into();
            }
            segments.push(seg.data(e, data).unwrap_or(&[]));
        } else if let Ok(Some(l)) = c.dyld_chained_fixups() {
            cmd.get_or_insert(l);
        }
    }
    let Some(fixups) = cmd.and_then(|l| l.chained_fixups(e, data).ok()) else {
        return 0;
    };
    let Ok(segs) = fixups.segments(e) else {
        return 0;
    };
    let mut n = 0;
    for seg in segs.map_while(Result::ok) {
        let bytes = segments.get(seg.index() as usize).copied().unwrap_or(&[]);
        n += seg
            .fixups(e, text, bytes)
            .map_while(Result::ok)
            .map(black_box)
            .count();
    }
    n
}

#[inline(never)]
fn object_chained_imports<Mach: MachHeader<Endian = Endianness>>(data: &[u8]) -> usize {
    let Some((fixups, e)) = object_chained::<Mach>(data) else {
        return 0;
    };
    fixups.imports(e).map_or(0, |i| {
        i.map_while(Result::ok)
            .inspect(|i| {
                black_box(i.name);
            })
            .count()
    })
}
