//! `darling nm`: the symbol table, printed exactly as `llvm-nm-19` prints it for Mach-O.

use std::fmt::Write;
use std::path::PathBuf;

use darling_macho::{Command, MachO, Symbol, raw};

use super::macho_files::{self, Failure, Output, Slice};

/// Arguments of `darling nm`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Where darling nm deliberately differs from llvm-nm-19:\n  \
        it reads Mach-O only: an ELF file is an error ('object is not a Mach-O file type.');\n  \
        symbols with equal name and address keep symbol-table order (LLVM's sort is unstable);\n  \
        the slice of a fat file shown without --arch is x86_64's on every host.\n\
        Errors are LLVM's, prefixed 'darling nm: error:'; exit status 1 as LLVM's."
)]
pub struct Args {
    /// Darwin `nm -m` style: section, visibility and library of each symbol.
    #[arg(short = 'm')]
    pub darwin: bool,
    /// Only external (global) symbols.
    #[arg(short = 'g')]
    pub extern_only: bool,
    /// Only undefined symbols.
    #[arg(short = 'u')]
    pub undefined_only: bool,
    /// Only defined symbols.
    #[arg(short = 'U')]
    pub defined_only: bool,
    /// Show only these architectures of a fat file ("all" for every one): a comma list,
    /// or the option repeated, as llvm-nm takes them. Also `-arch A`.
    #[arg(long)]
    pub arch: Vec<String>,
    /// The Mach-O or fat files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// One symbol as nm shows it.
struct Entry<'data> {
    name: &'data [u8],
    address: u64,
    sym: Symbol<'data>,
}

/// Runs `darling nm`: each file's symbols on stdout as it is done. As `llvm-nm` does, an
/// error about one file is reported and the run goes on with the next; the exit status is
/// then 1. The `Err` is a usage error.
pub fn run(args: &Args, o: &mut Output<'_>) -> Result<(), String> {
    let many_files = args.files.len() > 1;
    // `--arch a,b` and repeated `--arch` both ask for several slices, as in llvm-nm.
    let arches: Vec<String> = args
        .arch
        .iter()
        .flat_map(|a| a.split(','))
        .map(str::to_owned)
        .collect();
    for path in &args.files {
        let name = macho_files::display(path);
        let data = match macho_files::read(path) {
            Ok(data) => data,
            Err(e) => {
                o.error(&format!("{name}: {}", macho_files::io_message(&e)));
                o.note("\n");
                continue;
            }
        };
        let sel = match macho_files::select(&data, &arches) {
            Ok(sel) => sel,
            Err(Failure::NotObject) => {
                o.error(&format!(
                    "{name}: The file was not recognized as a valid object file"
                ));
                o.note("\n");
                continue;
            }
            // llvm-nm lists an ELF file's own symbols; darling nm reads Mach-O only.
            Err(Failure::NotMachO) => {
                o.error(&format!("{name}: object is not a Mach-O file type."));
                o.note("\n");
                continue;
            }
            Err(Failure::Malformed(m)) => {
                o.error(&format!("{name}: {m}"));
                o.note("\n");
                continue;
            }
            Err(Failure::UnknownArch(a)) => {
                o.error(&format!(
                    "for the --arch option: Unknown architecture named '{a}'"
                ));
                return Ok(());
            }
            Err(Failure::ArchMismatch) => {
                o.error(&format!("{name}: No architecture specified"));
                continue;
            }
        };
        for arch in &sel.missing {
            o.error(&format!(
                "file: {name} does not contain architecture: {arch}"
            ));
        }
        let several = sel.several;
        // Refused slices are reported where they come in the file, between the others.
        for k in 0..=sel.slices.len() {
            for (_, arch, m) in sel.refused.iter().filter(|r| r.0 == k) {
                o.error(&format!("{name} (for architecture {arch}): {m}"));
                o.note("\n");
            }
            let Some(slice) = sel.slices.get(k) else {
                break;
            };
            let mut out = String::new();
            match (&slice.arch, several) {
                // An archive member is headed by its own name.
                _ if slice.member.is_some() => {
                    let member = slice.member.as_deref().unwrap_or_default();
                    let _ = write!(out, "\n{member}:\n");
                }
                (Some(arch), true) => {
                    let _ = write!(out, "\n{name} (for architecture {arch}):\n");
                }
                (_, true) => {
                    let _ = write!(out, "\n{name}:\n");
                }
                (None, false) if many_files && !args.darwin => {
                    let _ = write!(out, "\n{name}:\n");
                }
                _ => {}
            }
            let found = symbols(&mut out, slice, args);
            o.print(&out);
            match found {
                Ok(true) => {}
                Ok(false) => match (&slice.arch, several) {
                    _ if slice.member.is_some() => {
                        let member = slice.member.as_deref().unwrap_or_default();
                        o.note(&format!("{name}:{member}: no symbols\n"));
                    }
                    (Some(arch), true) => {
                        o.note(&format!("(for architecture {arch}):{name}: no symbols\n"))
                    }
                    _ => o.note(&format!("{name}: no symbols\n")),
                },
                Err(e) => {
                    o.error(&format!("{name}: {e}"));
                    o.note("\n");
                }
            }
        }
    }
    Ok(())
}

/// Prints the slice's symbols; false when its symbol table is empty.
fn symbols(out: &mut String, slice: &Slice<'_>, args: &Args) -> darling_macho::Result<bool> {
    let m = &slice.macho;
    let Some(table) = m.symbol_table()?.filter(|t| !t.is_empty()) else {
        return Ok(false);
    };
    let sections = section_names(m)?;
    let libraries = library_names(m)?;
    let mut entries = Vec::with_capacity(table.len());
    for sym in table.iter() {
        if sym.is_stab() {
            continue;
        }
        let undefined = sym.is_external() && sym.kind() == raw::N_UNDF && sym.n_value == 0;
        if args.extern_only && !sym.is_external() {
            continue;
        }
        if args.undefined_only && !undefined {
            continue;
        }
        if args.defined_only && undefined {
            continue;
        }
        // An index past the string table names nothing; LLVM says so in these words. An
        // n_strx of 0 (no name) prints as the empty name.
        let name = sym
            .name()
            .map(Option::unwrap_or_default)
            .unwrap_or(b"bad string index");
        entries.push(Entry {
            name,
            address: sym.n_value,
            sym,
        });
    }
    // By name, then address; equal pairs keep symbol-table order (LLVM's unstable sort may
    // order such ties differently).
    entries.sort_by(|a, b| a.name.cmp(b.name).then(a.address.cmp(&b.address)));
    let width = if m.is_64() { 16 } else { 8 };
    let kext64 = m.is_64() && m.header().filetype == raw::MH_KEXT_BUNDLE;
    for e in &entries {
        if args.darwin {
            darwin_line(out, m, e, width, &sections, &libraries)?;
        } else {
            plain_line(out, e, width, &sections, kext64, args.undefined_only);
        }
    }
    Ok(true)
}

/// `(segment, section)` names by 1-based section number.
fn section_names<'data>(
    m: &MachO<'data>,
) -> darling_macho::Result<Vec<(&'data [u8], &'data [u8])>> {
    let mut names = Vec::new();
    for lc in m.load_commands() {
        if let Command::Segment(s) = lc?.parse()? {
            for sect in s.sections() {
                // In a linked image the section's own segment name is the segment's.
                names.push((sect.segment_name(), sect.name()));
            }
        }
    }
    Ok(names)
}

/// The install names of the dependencies, by library ordinal (1-based).
fn library_names<'data>(m: &MachO<'data>) -> darling_macho::Result<Vec<Option<&'data [u8]>>> {
    let mut names = Vec::new();
    for lc in m.load_commands() {
        if let Command::Dylib(d) = lc?.parse()?
            && d.kind != darling_macho::DylibKind::Id
        {
            names.push(d.name.bytes().ok());
        }
    }
    Ok(names)
}

fn type_char(e: &Entry<'_>, sections: &[(&[u8], &[u8])], kext64: bool) -> char {
    let s = &e.sym;
    let c = if s.is_external() && s.kind() == raw::N_UNDF {
        return if s.n_value != 0 { 'C' } else { 'U' };
    } else {
        match s.kind() {
            raw::N_ABS => 'a',
            raw::N_INDR => 'i',
            raw::N_SECT => match sections.get(usize::from(s.n_sect).wrapping_sub(1)) {
                Some((b"__TEXT", b"__text")) => 't',
                Some((b"__TEXT_EXEC", b"__text")) if kext64 => 't',
                Some((b"__DATA", b"__data")) => 'd',
                Some((b"__DATA", b"__bss")) => 'b',
                _ => 's',
            },
            _ => '?',
        }
    };
    if s.is_external() {
        c.to_ascii_uppercase()
    } else {
        c
    }
}

fn plain_line(
    out: &mut String,
    e: &Entry<'_>,
    width: usize,
    sections: &[(&[u8], &[u8])],
    kext64: bool,
    undefined_only: bool,
) {
    let c = type_char(e, sections, kext64);
    let name = String::from_utf8_lossy(e.name);
    if undefined_only {
        let _ = writeln!(out, "{name}");
        return;
    }
    if c == 'U' || c == 'I' {
        let _ = write!(out, "{:width$} {c} {name}", "");
    } else {
        let _ = write!(out, "{:0width$x} {c} {name}", e.address);
    }
    if c == 'I' {
        let target = e.sym.indirect_name().ok().flatten().unwrap_or(b"?");
        let _ = write!(out, " (indirect for {})", String::from_utf8_lossy(target));
    }
    out.push('\n');
}

/// The short name nm gives a library in `(from NAME)`.
fn short_library_name(path: &[u8]) -> String {
    String::from_utf8_lossy(darling_macho::dylib_short_name(path).unwrap_or(path)).into_owned()
}

fn darwin_line(
    out: &mut String,
    m: &MachO<'_>,
    e: &Entry<'_>,
    width: usize,
    sections: &[(&[u8], &[u8])],
    libraries: &[Option<&[u8]>],
) -> darling_macho::Result<()> {
    let s = &e.sym;
    let kind = s.kind();
    let undefined = kind == raw::N_UNDF && s.n_value == 0;
    if (undefined && s.is_external()) || kind == raw::N_INDR {
        let _ = write!(out, "{:width$} ", "");
    } else {
        let _ = write!(out, "{:0width$x} ", e.address);
    }
    match kind {
        raw::N_UNDF if s.n_value != 0 => {
            out.push_str("(common) ");
            if s.common_align() != 0 {
                let _ = write!(out, "(alignment 2^{}) ", s.common_align());
            }
        }
        raw::N_UNDF => {
            out.push('(');
            out.push_str(match s.n_desc & raw::REFERENCE_TYPE {
                raw::REFERENCE_FLAG_UNDEFINED_LAZY => "undefined [lazy bound]) ",
                raw::REFERENCE_FLAG_PRIVATE_UNDEFINED_LAZY => "undefined [private lazy bound]) ",
                raw::REFERENCE_FLAG_PRIVATE_UNDEFINED_NON_LAZY => "undefined [private]) ",
                _ => "undefined) ",
            });
        }
        raw::N_ABS => out.push_str("(absolute) "),
        raw::N_INDR => out.push_str("(indirect) "),
        raw::N_SECT => match sections.get(usize::from(s.n_sect).wrapping_sub(1)) {
            Some((seg, sect)) => {
                let _ = write!(
                    out,
                    "({},{}) ",
                    String::from_utf8_lossy(seg),
                    String::from_utf8_lossy(sect)
                );
            }
            None => out.push_str("(?,?) "),
        },
        _ => out.push_str("(?) "),
    }
    if s.is_external() {
        if s.n_desc & raw::REFERENCED_DYNAMICALLY != 0 {
            out.push_str("[referenced dynamically] ");
        }
        if s.is_private_external() {
            out.push_str(if s.n_desc & raw::N_WEAK_DEF != 0 {
                "weak private external "
            } else {
                "private external "
            });
        } else if s.n_desc & (raw::N_WEAK_REF | raw::N_WEAK_DEF)
            == raw::N_WEAK_REF | raw::N_WEAK_DEF
        {
            out.push_str("weak external automatically hidden ");
        } else if s.n_desc & (raw::N_WEAK_REF | raw::N_WEAK_DEF) != 0 {
            out.push_str("weak external ");
        } else {
            out.push_str("external ");
        }
    } else if s.is_private_external() {
        out.push_str("non-external (was a private external) ");
    } else {
        out.push_str("non-external ");
    }
    let h = m.header();
    if h.filetype == raw::MH_OBJECT {
        if s.n_desc & raw::N_NO_DEAD_STRIP != 0 {
            out.push_str("[no dead strip] ");
        }
        if kind != raw::N_UNDF && s.n_desc & raw::N_SYMBOL_RESOLVER != 0 {
            out.push_str("[symbol resolver] ");
        }
        if kind != raw::N_UNDF && s.n_desc & raw::N_ALT_ENTRY != 0 {
            out.push_str("[alt entry] ");
        }
        if kind != raw::N_UNDF && s.n_desc & raw::N_COLD_FUNC != 0 {
            out.push_str("[cold func] ");
        }
    }
    if s.n_desc & raw::N_ARM_THUMB_DEF != 0 {
        out.push_str("[Thumb] ");
    }
    out.push_str(&String::from_utf8_lossy(e.name));
    if kind == raw::N_INDR {
        let target = s.indirect_name().ok().flatten().unwrap_or(b"?");
        let _ = write!(out, " (for {})", String::from_utf8_lossy(target));
    }
    if h.flags & raw::MH_TWOLEVEL != 0 && (undefined || kind == raw::N_PBUD) {
        match s.library_ordinal() {
            raw::EXECUTABLE_ORDINAL => out.push_str(" (from executable)"),
            raw::DYNAMIC_LOOKUP_ORDINAL => out.push_str(" (dynamically looked up)"),
            raw::SELF_LIBRARY_ORDINAL => {}
            n => match libraries.get(usize::from(n) - 1) {
                Some(Some(path)) => {
                    let _ = write!(out, " (from {})", short_library_name(path));
                }
                _ => {
                    let _ = write!(out, " (from bad library ordinal {n})");
                }
            },
        }
    }
    out.push('\n');
    Ok(())
}
