//! `darling dyldinfo`: the rebase, bind, lazy-bind and weak-bind tables, the exports trie and
//! the chained fixups of a Mach-O file, printed exactly as `llvm-objdump-19 --macho` prints
//! them (`--rebase`, `--bind`, `--lazy-bind`, `--weak-bind`, `--exports-trie`,
//! `--chained-fixups`, `--dyld-info`).

use std::fmt::Write;
use std::path::PathBuf;

use darling_macho::{BindKind, Binds, Command, DylibKind, ExportKind, MachO, Rebases, raw};

use super::macho_files::{self, Failure, Output, Slice};

/// Arguments of `darling dyldinfo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rebase table.
    #[arg(long)]
    pub rebase: bool,
    /// The bind table.
    #[arg(long)]
    pub bind: bool,
    /// The lazy-bind table.
    #[arg(long = "lazy-bind")]
    pub lazy_bind: bool,
    /// The weak-bind table.
    #[arg(long = "weak-bind")]
    pub weak_bind: bool,
    /// The exports trie.
    #[arg(long, alias = "exports-trie")]
    pub exports: bool,
    /// The chained-fixups header, starts and imports.
    #[arg(long = "chained-fixups")]
    pub chained_fixups: bool,
    /// Every chained fixup, resolved.
    #[arg(long = "dyld-info")]
    pub dyld_info: bool,
    /// Show only this architecture of a fat file. Also `-arch A`.
    #[arg(long)]
    pub arch: Option<String>,
    /// The Mach-O or fat files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `darling dyldinfo`: each file's tables on stdout as it is done, errors as
/// `llvm-objdump --macho` reports them. The `Err` is a usage error.
pub fn run(args: &Args, o: &mut Output<'_>) -> Result<(), String> {
    let any = args.rebase
        || args.bind
        || args.lazy_bind
        || args.weak_bind
        || args.exports
        || args.chained_fixups
        || args.dyld_info;
    if !any {
        return Err(
            "give at least one of --rebase, --bind, --lazy-bind, --weak-bind, --exports, \
                    --chained-fixups, --dyld-info"
                .into(),
        );
    }
    let arches: Vec<String> = args.arch.iter().cloned().collect();
    for path in &args.files {
        let name = macho_files::display(path);
        let data = match macho_files::read(path) {
            Ok(data) => data,
            Err(e) => {
                o.error(&format!("'{name}': {}", macho_files::io_message(&e)));
                return Ok(());
            }
        };
        // llvm-objdump reports a wrong architecture, or a file that is not Mach-O, and goes
        // on with exit status 0; a malformed file ends the run with 1.
        let sel = match macho_files::select(&data, &arches) {
            Ok(sel) => sel,
            Err(Failure::NotObject) => {
                o.print(&format!("{name}: is not an object file\n"));
                continue;
            }
            Err(Failure::NotMachO) => {
                o.warn(&format!("'{name}': object is not a Mach-O file type."));
                continue;
            }
            Err(Failure::Malformed(m)) => {
                o.error(&format!("'{name}': {m}"));
                return Ok(());
            }
            Err(Failure::UnknownArch(a)) => {
                o.warn(&format!(
                    "unknown architecture named '{a}'for the -arch option"
                ));
                return Ok(());
            }
            Err(Failure::ArchMismatch) => {
                o.warn(&format!("{name}: no architecture specified."));
                continue;
            }
        };
        for arch in &sel.missing {
            o.warn(&format!(
                "file: {name} does not contain architecture: {arch}"
            ));
        }
        if !o.print_slices(&name, &sel, |out, slice| {
            match (&slice.arch, sel.several) {
                (Some(arch), true) => writeln!(out, "{name} (architecture {arch}):"),
                _ => writeln!(out, "{}:", slice.label(&name)),
            }
            .ok();
            dump(out, slice, args)
        }) {
            return Ok(());
        }
    }
    Ok(())
}

/// Why a table could not be printed: darling-macho's error, or one of the checks
/// `llvm-objdump` makes while printing (its message, without the "truncated or malformed
/// object" frame).
#[derive(Debug)]
pub enum DumpError {
    /// darling-macho could not read the table.
    Macho(darling_macho::Error),
    /// llvm-objdump refuses the table while printing it.
    Llvm(&'static str, String),
}

impl From<darling_macho::Error> for DumpError {
    fn from(e: darling_macho::Error) -> Self {
        DumpError::Macho(e)
    }
}

impl std::fmt::Display for DumpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DumpError::Macho(e) => e.fmt(f),
            DumpError::Llvm(what, detail) => {
                write!(f, "truncated or malformed object ({what}{detail})")
            }
        }
    }
}

fn dump(out: &mut String, slice: &Slice<'_>, args: &Args) -> Result<(), DumpError> {
    let m = &slice.macho;
    let places = Places::new(m)?;
    if args.exports {
        exports(out, m, &places)?;
    }
    let info = m.dyld_info()?;
    if args.rebase {
        out.push_str("\nRebase table:\nsegment  section            address     type\n");
        if let Some(d) = info.filter(|d| d.rebase_size != 0) {
            for r in Rebases::new(m, d.rebase_off, d.rebase_size)? {
                let r = r?;
                let (seg, sect) = places.names(r.segment_index, r.address);
                let _ = writeln!(
                    out,
                    "{seg:<8} {sect:<18} 0x{:08X}  {}",
                    r.address,
                    type_name(r.kind)
                );
            }
        }
    }
    if args.bind {
        out.push_str("\nBind table:\nsegment  section            address    type       addend dylib            symbol\n");
        binds(
            out,
            m,
            &places,
            BindKind::Bind,
            info.map(|d| (d.bind_off, d.bind_size)),
        )?;
    }
    if args.lazy_bind {
        out.push_str(
            "\nLazy bind table:\nsegment  section            address     dylib            symbol\n",
        );
        binds(
            out,
            m,
            &places,
            BindKind::Lazy,
            info.map(|d| (d.lazy_bind_off, d.lazy_bind_size)),
        )?;
    }
    if args.weak_bind {
        out.push_str("\nWeak bind table:\nsegment  section            address     type       addend   symbol\n");
        binds(
            out,
            m,
            &places,
            BindKind::Weak,
            info.map(|d| (d.weak_bind_off, d.weak_bind_size)),
        )?;
    }
    if args.chained_fixups || args.dyld_info {
        super::chained::dump(out, m, &places, args.chained_fixups, args.dyld_info)?;
    }
    Ok(())
}

fn type_name(kind: u8) -> &'static str {
    match kind {
        raw::REBASE_TYPE_POINTER => "pointer",
        raw::REBASE_TYPE_TEXT_ABSOLUTE32 => "text abs32",
        raw::REBASE_TYPE_TEXT_PCREL32 => "text rel32",
        _ => "unknown",
    }
}

fn binds(
    out: &mut String,
    m: &MachO<'_>,
    places: &Places<'_>,
    kind: BindKind,
    range: Option<(u32, u32)>,
) -> darling_macho::Result<()> {
    let Some((off, size)) = range.filter(|&(_, size)| size != 0) else {
        return Ok(());
    };
    for b in Binds::new(m, kind, off, size)? {
        let b = b?;
        let symbol = String::from_utf8_lossy(b.symbol);
        if b.strong_definition {
            let _ = writeln!(out, "{:40}strong              {symbol}", "");
            continue;
        }
        let (seg, sect) = places.names(b.segment_index, b.address);
        match kind {
            BindKind::Bind => {
                let weak = if b.is_weak_import() {
                    " (weak_import)"
                } else {
                    ""
                };
                let dylib = places.ordinal_name(b.library_ordinal);
                let _ = writeln!(
                    out,
                    "{seg:<8} {sect:<18} 0x{:08X} {:<8} {:>8} {dylib:<16} {symbol}{weak}",
                    b.address,
                    type_name(b.bind_type),
                    b.addend
                );
            }
            BindKind::Lazy => {
                let dylib = places.ordinal_name(b.library_ordinal);
                let _ = writeln!(
                    out,
                    "{seg:<8} {sect:<18} 0x{:08X} {dylib:<16} {symbol}",
                    b.address
                );
            }
            BindKind::Weak => {
                let _ = writeln!(
                    out,
                    "{seg:<8} {sect:<18} 0x{:08X} {:<8} {:>8}   {symbol}",
                    b.address,
                    type_name(b.bind_type),
                    b.addend
                );
            }
        }
    }
    Ok(())
}

fn exports(out: &mut String, m: &MachO<'_>, places: &Places<'_>) -> Result<(), DumpError> {
    out.push_str("\nExports trie:\n");
    let Some(trie) = m.exports_trie()? else {
        return Ok(());
    };
    // llvm-objdump refuses a trie whose root exports nothing and has no children (a trie with
    // nothing in it is an empty one, not one such node).
    if let [0, 0, ..] = trie.data() {
        return Err(DumpError::Llvm(
            "node is not an export node in export trie data at node: 0x0",
            String::new(),
        ));
    }
    for e in trie.iter() {
        let e = e?;
        let flags = e.flags;
        let (reexport, address) = match e.kind {
            ExportKind::Reexport { .. } => (true, 0),
            ExportKind::Regular { address }
            | ExportKind::ThreadLocal { address }
            | ExportKind::Absolute { address } => (false, address),
            ExportKind::StubAndResolver { stub, .. } => (false, stub),
        };
        if reexport {
            out.push_str("[re-export] ");
        } else {
            let _ = write!(out, "0x{:08X}  ", address.wrapping_add(places.base_address));
        }
        out.push_str(&String::from_utf8_lossy(&e.name));
        let mut notes = Vec::new();
        if flags & raw::EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION != 0 {
            notes.push("weak_def".to_owned());
        }
        if matches!(e.kind, ExportKind::ThreadLocal { .. }) {
            notes.push("per-thread".to_owned());
        }
        if matches!(e.kind, ExportKind::Absolute { .. }) {
            notes.push("absolute".to_owned());
        }
        if let ExportKind::StubAndResolver { resolver, .. } = e.kind {
            notes.push(format!("resolver=0x{resolver:08X}"));
        }
        if !notes.is_empty() {
            let _ = write!(out, " [{}]", notes.join(", "));
        }
        if let ExportKind::Reexport {
            library_ordinal,
            imported_name,
        } = e.kind
        {
            let dylib = usize::try_from(library_ordinal)
                .ok()
                .and_then(|o| o.checked_sub(1))
                .and_then(|i| places.libraries.get(i))
                .map_or_else(|| "unknown".to_owned(), |n| short(n));
            if imported_name.is_empty() {
                let _ = write!(out, " (from {dylib})");
            } else {
                let _ = write!(
                    out,
                    " ({} from {dylib})",
                    String::from_utf8_lossy(imported_name)
                );
            }
        }
        out.push('\n');
    }
    Ok(())
}

fn short(install_name: &[u8]) -> String {
    String::from_utf8_lossy(darling_macho::dylib_short_name(install_name).unwrap_or(install_name))
        .into_owned()
}

/// A segment's name and its sections.
pub struct SegmentPlace {
    pub name: String,
    /// `(name, addr, size)` of each section.
    pub sections: Vec<(String, u64, u64)>,
}

/// What the tables need to name a location: segments with their sections, the libraries, and
/// the image's base address.
pub struct Places<'data> {
    /// The segments, by segment index.
    pub segments: Vec<SegmentPlace>,
    /// Install names of the dependencies, by ordinal - 1.
    pub libraries: Vec<&'data [u8]>,
    /// Address of the first segment that maps the start of the file (`__TEXT`).
    pub base_address: u64,
}

impl<'data> Places<'data> {
    pub fn new(m: &MachO<'data>) -> darling_macho::Result<Self> {
        let mut segments = Vec::new();
        let mut libraries = Vec::new();
        let mut base_address = None;
        for lc in m.load_commands() {
            match lc?.parse()? {
                Command::Segment(s) => {
                    if base_address.is_none() && s.fileoff() == 0 && s.filesize() != 0 {
                        base_address = Some(s.vmaddr());
                    }
                    let sections = s
                        .sections()
                        .map(|x| {
                            (
                                String::from_utf8_lossy(x.name()).into_owned(),
                                x.addr(),
                                x.size(),
                            )
                        })
                        .collect();
                    segments.push(SegmentPlace {
                        name: String::from_utf8_lossy(s.name()).into_owned(),
                        sections,
                    });
                }
                Command::Dylib(d) if d.kind != DylibKind::Id => {
                    libraries.push(d.name.bytes().unwrap_or(b""))
                }
                _ => {}
            }
        }
        Ok(Places {
            segments,
            libraries,
            base_address: base_address.unwrap_or(0),
        })
    }

    /// The segment and section names of `address` in segment `index`.
    pub fn names(&self, index: u8, address: u64) -> (&str, &str) {
        let Some(SegmentPlace {
            name: seg,
            sections,
        }) = self.segments.get(usize::from(index))
        else {
            return ("", "");
        };
        let sect = sections
            .iter()
            .find(|(_, addr, size)| address >= *addr && address - addr < *size)
            .map_or("", |(n, _, _)| n.as_str());
        (seg.as_str(), sect)
    }

    /// The name a bind table gives a library ordinal.
    pub fn ordinal_name(&self, ordinal: i64) -> String {
        match ordinal {
            0 => "this-image".into(),
            -1 => "main-executable".into(),
            -2 => "flat-namespace".into(),
            -3 => "weak".into(),
            n if n > 0 => usize::try_from(n - 1)
                .ok()
                .and_then(|i| self.libraries.get(i))
                .map_or_else(|| "<<bad library ordinal>>".to_owned(), |n| short(n)),
            _ => "<<unknown special ordinal>>".into(),
        }
    }
}
