//! `darling otool`: the Mach header (`-h`), load commands (`-l`) and shared libraries (`-L`),
//! printed exactly as `llvm-otool-19` prints them.

use std::fmt::Write;
use std::path::PathBuf;

use darling_macho::{Command, Endianness, LoadCommand, MachO, Section, Segment, raw};

use super::macho_files::{self, Failure, Output, Selection, Slice};

/// Arguments of `darling otool`.
#[derive(Debug, clap::Args)]
#[command(
    disable_help_flag = true,
    after_help = "Where darling otool deliberately differs from llvm-otool-19:\n  \
        -arch selects slices of a fat file (llvm-otool ignores it and shows the host's slice);\n  \
        -h labels each slice of a fat file as -l and -L do (llvm-otool labels no -h output);\n  \
        a file that is not Mach-O is reported as 'FILE', with both quotes;\n  \
        the slice of a fat file shown without -arch is x86_64's on every host.\n\
        Errors are LLVM's, prefixed 'darling otool: error:'; exit status 1 as LLVM's."
)]
pub struct Args {
    /// Print the Mach header.
    #[arg(short = 'h')]
    pub header: bool,
    /// Print the load commands.
    #[arg(short = 'l')]
    pub load_commands: bool,
    /// Print the shared libraries used.
    #[arg(short = 'L')]
    pub libraries: bool,
    /// Show only this architecture of a fat file ("all" for every one). Also `-arch A`.
    /// A deliberate difference: llvm-otool ignores -arch and shows the host's slice.
    #[arg(long)]
    pub arch: Option<String>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// The Mach-O or fat files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `darling otool`: each file's text on stdout as it is done. A file LLVM refuses
/// (`truncated or malformed object`) ends the run with an error, as `llvm-otool` does; a file
/// that is not an object, or not Mach-O, is reported and the run goes on. The `Err` is a
/// usage error.
pub fn run(args: &Args, o: &mut Output<'_>) -> Result<(), String> {
    if !(args.header || args.load_commands || args.libraries) {
        return Err("one of -h, -l or -L must be given".into());
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
        let sel = match macho_files::select(&data, &arches) {
            Ok(sel) => sel,
            Err(Failure::NotObject) => {
                o.print(&format!("{name}: is not an object file\n"));
                continue;
            }
            // llvm-otool names itself llvm-objdump here, drops the opening quote and exits 0.
            Err(Failure::NotMachO) => {
                o.warn(&format!("'{name}': object is not a Mach-O file type."));
                continue;
            }
            Err(Failure::Malformed(m)) => {
                o.error(&format!("'{name}': {m}"));
                return Ok(());
            }
            Err(Failure::UnknownArch(a)) => {
                o.error(&format!(
                    "unknown architecture named '{a}' for the -arch option"
                ));
                return Ok(());
            }
            Err(Failure::ArchMismatch) => {
                o.error(&format!("{name}: no architecture specified."));
                return Ok(());
            }
        };
        for arch in &sel.missing {
            o.error(&format!(
                "file: {name} does not contain architecture: {arch}"
            ));
        }
        if !o.print_slices(&name, &sel, |out, slice| {
            dump(out, &name, slice, &sel, args)
        }) {
            return Ok(());
        }
    }
    Ok(())
}

fn dump(
    out: &mut String,
    name: &str,
    slice: &Slice<'_>,
    sel: &Selection<'_>,
    args: &Args,
) -> darling_macho::Result<()> {
    // -l and -L label each image. -h labels a fat file's slices the same way, so that each
    // header says which slice it is; LLVM labels no -h at all (a deliberate difference), and
    // a thin file's -h stays unlabelled as in LLVM.
    if args.load_commands || args.libraries || (args.header && sel.fat) {
        match (&slice.arch, sel.several) {
            (Some(arch), true) => writeln!(out, "{name} (architecture {arch}):"),
            _ => writeln!(out, "{}:", slice.label(name)),
        }
        .ok();
    }
    let m = &slice.macho;
    // LLVM's fixed order: -L, then -l (header and commands), then -h.
    if args.libraries {
        libraries(out, m)?;
    }
    if args.load_commands {
        header(out, m);
        load_commands(out, m)?;
    }
    if args.header {
        header(out, m);
    }
    Ok(())
}

fn header(out: &mut String, m: &MachO<'_>) {
    let h = m.header();
    out.push_str("Mach header\n");
    out.push_str("      magic cputype cpusubtype  caps    filetype ncmds sizeofcmds      flags\n");
    let caps = (h.cpusubtype as u32 & raw::CPU_SUBTYPE_MASK as u32) >> 24;
    let _ = writeln!(
        out,
        " 0x{:08x} {:7} {:10}  0x{:02x} {:11} {:5} {:10} 0x{:08x}",
        h.magic,
        h.cputype,
        h.cpusubtype & !raw::CPU_SUBTYPE_MASK,
        caps,
        h.filetype,
        h.ncmds,
        h.sizeofcmds,
        h.flags
    );
}

fn libraries(out: &mut String, m: &MachO<'_>) -> darling_macho::Result<()> {
    for lc in m.load_commands() {
        let lc = lc?;
        if let Command::Dylib(d) = lc.parse()? {
            let name = match d.name.bytes() {
                Ok(b) => String::from_utf8_lossy(b).into_owned(),
                Err(_) => format!("?(bad offset {})", d.name.offset()),
            };
            let _ = write!(
                out,
                "\t{name} (compatibility version {}, current version {}",
                dylib_version(d.compatibility_version),
                dylib_version(d.current_version)
            );
            let note = match d.kind {
                darling_macho::DylibKind::Weak => ", weak",
                darling_macho::DylibKind::Reexport => ", reexport",
                darling_macho::DylibKind::Upward => ", upward",
                darling_macho::DylibKind::Lazy => ", lazy",
                _ => "",
            };
            let _ = writeln!(out, "{note})");
        }
    }
    Ok(())
}

/// `X.Y.Z` from a version packed as `xxxx.yy.zz`.
fn dylib_version(v: u32) -> String {
    format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// `X.Y` or `X.Y.Z` (the patch only when non-zero) from a packed `xxxx.yy.zz`.
fn short_version(v: u32) -> String {
    match v & 0xff {
        0 => format!("{}.{}", v >> 16, (v >> 8) & 0xff),
        z => format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, z),
    }
}

fn load_commands(out: &mut String, m: &MachO<'_>) -> darling_macho::Result<()> {
    for lc in m.load_commands() {
        let lc = lc?;
        let _ = writeln!(out, "Load command {}", lc.index());
        command(out, m, &lc)?;
    }
    Ok(())
}

/// Prints `label value` with the label right-aligned to `width`, as otool does.
fn field(out: &mut String, width: usize, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{label:>width$} {value}");
}

/// `" (past end of file)"` when `end` is past the image, else nothing.
fn past_end(end: u64, size: u64) -> &'static str {
    if end > size {
        " (past end of file)"
    } else {
        ""
    }
}

fn string(s: &darling_macho::LcStr<'_>) -> String {
    match s.bytes() {
        Ok(b) => format!("{} (offset {})", String::from_utf8_lossy(b), s.offset()),
        Err(_) => format!("?(bad offset {})", s.offset()),
    }
}

/// `cmd` and `cmdsize`, with `" Incorrect size"` when `expected` says the size is wrong.
fn head(out: &mut String, width: usize, cmd: &str, lc: &LoadCommand<'_>, incorrect: bool) {
    field(out, width, "cmd", cmd);
    let note = if incorrect { " Incorrect size" } else { "" };
    field(out, width, "cmdsize", format!("{}{note}", lc.cmdsize()));
}

fn command(out: &mut String, m: &MachO<'_>, lc: &LoadCommand<'_>) -> darling_macho::Result<()> {
    let size = m.data().len() as u64;
    let cmdsize = lc.cmdsize();
    // LLVM 19 predates the function-variant commands and prints them as unknown ones.
    let llvm_knows = !matches!(
        lc.cmd(),
        raw::LC_FUNCTION_VARIANTS | raw::LC_FUNCTION_VARIANT_FIXUPS
    );
    let Some(cmd) = raw::load_command_name(lc.cmd()).filter(|_| llvm_knows) else {
        field(out, 9, "cmd", format!("?(0x{:08x})", lc.cmd()));
        field(out, 9, "cmdsize", cmdsize);
        return Ok(());
    };
    match lc.parse()? {
        Command::Segment(s) => segment(out, m, lc, cmd, &s),
        Command::Symtab(s) => {
            head(out, 8, cmd, lc, cmdsize != 24);
            let entry = if m.is_64() { 16 } else { 12 };
            let (symoff, stroff) = (u64::from(s.symoff), u64::from(s.stroff));
            field(
                out,
                8,
                "symoff",
                format!("{}{}", s.symoff, past_end(symoff, size)),
            );
            let syms_end = symoff + u64::from(s.nsyms) * entry;
            field(
                out,
                8,
                "nsyms",
                format!("{}{}", s.nsyms, past_end(syms_end, size)),
            );
            field(
                out,
                8,
                "stroff",
                format!("{}{}", s.stroff, past_end(stroff, size)),
            );
            let str_end = stroff + u64::from(s.strsize);
            field(
                out,
                8,
                "strsize",
                format!("{}{}", s.strsize, past_end(str_end, size)),
            );
        }
        Command::Dysymtab(d) => dysymtab(out, m, lc, cmd, &d)?,
        Command::Dylib(d) => {
            head(out, 13, cmd, lc, false);
            field(out, 13, "name", string(&d.name));
            field(
                out,
                13,
                "time stamp",
                format!("{} {}", d.timestamp, ctime(d.timestamp)),
            );
            let version = |v: u32| {
                if v == u32::MAX {
                    "n/a".to_owned()
                } else {
                    dylib_version(v)
                }
            };
            field(out, 21, "current version", version(d.current_version));
            field(
                out,
                21,
                "compatibility version",
                version(d.compatibility_version),
            );
        }
        Command::Dylinker(s) => {
            head(out, 13, cmd, lc, false);
            field(out, 13, "name", string(&s));
        }
        Command::Rpath(s) => {
            head(out, 13, cmd, lc, false);
            field(out, 13, "path", string(&s));
        }
        Command::Sub(s) => {
            head(out, 13, cmd, lc, false);
            let label = match lc.cmd() {
                raw::LC_SUB_FRAMEWORK => "umbrella",
                raw::LC_SUB_UMBRELLA => "sub_umbrella",
                raw::LC_SUB_CLIENT => "client",
                _ => "sub_library",
            };
            field(out, 13, label, string(&s));
        }
        Command::Uuid(u) => {
            head(out, 8, cmd, lc, cmdsize != 24);
            let h: String = u.iter().map(|b| format!("{b:02X}")).collect();
            let uuid = format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            );
            field(out, 8, "uuid", uuid);
        }
        Command::LinkeditData(l) => {
            head(out, 9, cmd, lc, cmdsize != 16);
            let off = u64::from(l.dataoff);
            field(
                out,
                9,
                "dataoff",
                format!("{}{}", l.dataoff, past_end(off, size)),
            );
            let end = off + u64::from(l.datasize);
            field(
                out,
                9,
                "datasize",
                format!("{}{}", l.datasize, past_end(end, size)),
            );
        }
        Command::DyldInfo(d) => {
            head(out, 15, cmd, lc, cmdsize != 48);
            for (label, off, label_size, len) in [
                ("rebase_off", d.rebase_off, "rebase_size", d.rebase_size),
                ("bind_off", d.bind_off, "bind_size", d.bind_size),
                (
                    "weak_bind_off",
                    d.weak_bind_off,
                    "weak_bind_size",
                    d.weak_bind_size,
                ),
                (
                    "lazy_bind_off",
                    d.lazy_bind_off,
                    "lazy_bind_size",
                    d.lazy_bind_size,
                ),
                ("export_off", d.export_off, "export_size", d.export_size),
            ] {
                let (off64, end) = (u64::from(off), u64::from(off) + u64::from(len));
                field(out, 15, label, format!("{off}{}", past_end(off64, size)));
                field(out, 15, label_size, format!("{len}{}", past_end(end, size)));
            }
        }
        Command::VersionMin(v) => {
            head(out, 9, cmd, lc, cmdsize != 16);
            field(out, 9, "version", short_version(v.version));
            let sdk = if v.sdk == 0 {
                "n/a".to_owned()
            } else {
                short_version(v.sdk)
            };
            field(out, 9, "sdk", sdk);
        }
        Command::BuildVersion(b) => {
            head(out, 10, cmd, lc, cmdsize as usize != 24 + 8 * b.tools.len());
            field(out, 10, "platform", b.platform);
            field(
                out,
                10,
                "sdk",
                if b.sdk == 0 {
                    "n/a".to_owned()
                } else {
                    short_version(b.sdk)
                },
            );
            field(out, 10, "minos", short_version(b.minos));
            field(out, 10, "ntools", b.tools.len());
            for (tool, version) in b.tools.iter() {
                field(out, 10, "tool", tool);
                field(out, 10, "version", short_version(version));
            }
        }
        Command::SourceVersion(v) => {
            head(out, 9, cmd, lc, cmdsize != 16);
            field(out, 9, "version", source_version(v));
        }
        Command::Main(e) => {
            head(out, 10, cmd, lc, cmdsize != 24);
            field(out, 10, "entryoff", e.entryoff);
            field(out, 10, "stacksize", e.stacksize);
        }
        Command::EncryptionInfo(c) => {
            let want = if c.pad.is_some() { 24 } else { 20 };
            head(out, 13, cmd, lc, cmdsize != want);
            field(
                out,
                13,
                "cryptoff",
                format!("{}{}", c.cryptoff, past_end(c.cryptoff.into(), size)),
            );
            field(
                out,
                13,
                "cryptsize",
                format!("{}{}", c.cryptsize, past_end(c.cryptsize.into(), size)),
            );
            field(out, 13, "cryptid", c.cryptid);
            if let Some(pad) = c.pad {
                field(out, 13, "pad", pad);
            }
        }
        Command::Routines(r) => {
            let is64 = lc.cmd() == raw::LC_ROUTINES_64;
            head(out, 13, cmd, lc, cmdsize != if is64 { 72 } else { 40 });
            let addr = if is64 {
                format!("0x{:016x}", r.init_address())
            } else {
                format!("0x{:08x}", r.init_address())
            };
            field(out, 13, "init_address", addr);
            field(out, 13, "init_module", r.init_module());
            for (i, v) in r.reserved().iter().enumerate() {
                field(out, 13, &format!("reserved{}", i + 1), v);
            }
        }
        Command::LinkerOption(l) => {
            head(out, 8, cmd, lc, false);
            let strings: Vec<&[u8]> = l
                .strings
                .split(|&b| b == 0)
                .filter(|s| !s.is_empty())
                .collect();
            if strings.len() == l.count as usize {
                field(out, 8, "count", l.count);
            } else {
                field(
                    out,
                    8,
                    "count",
                    format!(
                        "{} does not match number of strings {}",
                        l.count,
                        strings.len()
                    ),
                );
            }
            for (i, s) in strings.iter().enumerate() {
                let _ = writeln!(out, "  string #{} {}", i + 1, String::from_utf8_lossy(s));
            }
        }
        Command::Note(n) => {
            head(out, 10, cmd, lc, cmdsize != 40);
            let owner = &n.data_owner[..n.data_owner.iter().position(|&b| b == 0).unwrap_or(16)];
            field(out, 10, "data_owner", String::from_utf8_lossy(owner));
            field(
                out,
                10,
                "offset",
                format!("{}{}", n.offset, past_end(n.offset, size)),
            );
            field(
                out,
                10,
                "size",
                format!(
                    "{}{}",
                    n.size,
                    past_end(n.offset.saturating_add(n.size), size)
                ),
            );
        }
        Command::Thread(t) => thread(out, m, lc, cmd, &t),
        _ => {
            // Commands LLVM has no printer for (LC_IDENT, LC_TWOLEVEL_HINTS, LC_FILESET_ENTRY,
            // and the obsolete ones its parser rejects outright).
            field(out, 9, "cmd", format!("?(0x{:08x})", lc.cmd()));
            field(out, 9, "cmdsize", cmdsize);
        }
    }
    Ok(())
}

fn dysymtab(
    out: &mut String,
    m: &MachO<'_>,
    lc: &LoadCommand<'_>,
    cmd: &str,
    d: &darling_macho::Dysymtab<'_>,
) -> darling_macho::Result<()> {
    let w = 15;
    let size = m.data().len() as u64;
    head(out, w, cmd, lc, lc.cmdsize() != 80);
    let nsyms = m
        .symbol_table()
        .ok()
        .flatten()
        .map_or(0, |t| t.len() as u64);
    for (ilabel, index, nlabel, count) in [
        ("ilocalsym", d.ilocalsym(), "nlocalsym", d.nlocalsym()),
        ("iextdefsym", d.iextdefsym(), "nextdefsym", d.nextdefsym()),
        ("iundefsym", d.iundefsym(), "nundefsym", d.nundefsym()),
    ] {
        let big = if u64::from(index) > nsyms {
            " (greater than the number of symbols)"
        } else {
            ""
        };
        field(out, w, ilabel, format!("{index}{big}"));
        let past = u64::from(index) + u64::from(count) > nsyms;
        let past = if past {
            " (past the end of the symbol table)"
        } else {
            ""
        };
        field(out, w, nlabel, format!("{count}{past}"));
    }
    let module = if m.is_64() { 56 } else { 52 };
    for (olabel, off, nlabel, count, entry) in [
        ("tocoff", d.tocoff(), "ntoc", d.ntoc(), 8),
        ("modtaboff", d.modtaboff(), "nmodtab", d.nmodtab(), module),
        (
            "extrefsymoff",
            d.extrefsymoff(),
            "nextrefsyms",
            d.nextrefsyms(),
            4,
        ),
        (
            "indirectsymoff",
            d.indirectsymoff(),
            "nindirectsyms",
            d.nindirectsyms(),
            4,
        ),
        ("extreloff", d.extreloff(), "nextrel", d.nextrel(), 8),
        ("locreloff", d.locreloff(), "nlocrel", d.nlocrel(), 8),
    ] {
        let off64 = u64::from(off);
        field(out, w, olabel, format!("{off}{}", past_end(off64, size)));
        let end = off64 + u64::from(count) * entry;
        field(out, w, nlabel, format!("{count}{}", past_end(end, size)));
    }
    Ok(())
}

/// `A.B.C.D.E` from the 24.10.10.10.10-bit packing, trailing zero parts after `A.B` left off.
fn source_version(v: u64) -> String {
    let parts = [
        v >> 40,
        (v >> 30) & 0x3ff,
        (v >> 20) & 0x3ff,
        (v >> 10) & 0x3ff,
        v & 0x3ff,
    ];
    let mut s = format!("{}.{}", parts[0], parts[1]);
    let keep = parts
        .iter()
        .rposition(|&p| p != 0)
        .map_or(2, |i| i + 1)
        .max(2);
    for p in &parts[2..keep] {
        let _ = write!(s, ".{p}");
    }
    s
}

/// `ctime(3)` in UTC, without its newline: `Thu Jan  1 00:00:02 1970`.
fn ctime(t: u32) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = u64::from(t);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (h, mi, s) = (rem / 3600, (rem / 60) % 60, rem % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, restated).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {d:2} {h:02}:{mi:02}:{s:02} {year}",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

fn segment(out: &mut String, m: &MachO<'_>, lc: &LoadCommand<'_>, cmd: &str, s: &Segment<'_>) {
    let size = m.data().len() as u64;
    let (fixed, entry) = if s.is_64() { (72, 80) } else { (56, 68) };
    let consistent = u64::from(lc.cmdsize()) == fixed + entry * u64::from(s.nsects());
    field(out, 9, "cmd", cmd);
    let note = if consistent { "" } else { " Inconsistent size" };
    field(out, 9, "cmdsize", format!("{}{note}", lc.cmdsize()));
    // At most the 16 bytes of the field: LLVM reads a name with no NUL on into vmaddr.
    field(out, 9, "segname", String::from_utf8_lossy(s.name()));
    let hex = |v: u64| {
        if s.is_64() {
            format!("0x{v:016x}")
        } else {
            format!("0x{v:08x}")
        }
    };
    field(out, 9, "vmaddr", hex(s.vmaddr()));
    field(out, 9, "vmsize", hex(s.vmsize()));
    field(
        out,
        9,
        "fileoff",
        format!("{}{}", s.fileoff(), past_end(s.fileoff(), size)),
    );
    let end = s.fileoff().saturating_add(s.filesize());
    field(
        out,
        9,
        "filesize",
        format!("{}{}", s.filesize(), past_end(end, size)),
    );
    field(out, 9, "maxprot", format!("0x{:08x}", s.maxprot()));
    field(out, 9, "initprot", format!("0x{:08x}", s.initprot()));
    field(out, 9, "nsects", s.nsects());
    field(out, 9, "flags", format!("0x{:x}", s.flags()));
    for sect in s.sections() {
        section(out, m, s, &sect);
    }
}

fn section(out: &mut String, m: &MachO<'_>, seg: &Segment<'_>, s: &Section<'_>) {
    let size = m.data().len() as u64;
    out.push_str("Section\n");
    field(out, 10, "sectname", String::from_utf8_lossy(s.name()));
    let mismatch = m.header().filetype != raw::MH_OBJECT && s.segment_name() != seg.name();
    let note = if mismatch {
        " (does not match segment)"
    } else {
        ""
    };
    field(
        out,
        10,
        "segname",
        format!("{}{note}", String::from_utf8_lossy(s.segment_name())),
    );
    let hex = |v: u64| {
        if seg.is_64() {
            format!("0x{v:016x}")
        } else {
            format!("0x{v:08x}")
        }
    };
    field(out, 10, "addr", hex(s.addr()));
    // A section past the end of the file is worth a note; a zero-fill section has no bytes
    // in the file at all. (LLVM tests `flags & 1` instead, and so flags big __bss sections
    // and misses every other kind.)
    let zerofill = matches!(
        s.section_type(),
        raw::S_ZEROFILL | raw::S_GB_ZEROFILL | raw::S_THREAD_LOCAL_ZEROFILL
    );
    let end = u64::from(s.offset()).saturating_add(s.size());
    let note = if zerofill { "" } else { past_end(end, size) };
    field(out, 10, "size", format!("{}{note}", hex(s.size())));
    field(
        out,
        10,
        "offset",
        format!("{}{}", s.offset(), past_end(s.offset().into(), size)),
    );
    field(
        out,
        10,
        "align",
        format!("2^{} ({})", s.align(), 1u32.wrapping_shl(s.align())),
    );
    field(
        out,
        10,
        "reloff",
        format!("{}{}", s.reloff(), past_end(s.reloff().into(), size)),
    );
    let rel_end = u64::from(s.reloff()) + u64::from(s.nreloc()) * 8;
    field(
        out,
        10,
        "nreloc",
        format!("{}{}", s.nreloc(), past_end(rel_end, size)),
    );
    field(out, 10, "flags", format!("0x{:08x}", s.flags()));
    let t = s.section_type();
    let indirect = matches!(
        t,
        raw::S_SYMBOL_STUBS
            | raw::S_LAZY_SYMBOL_POINTERS
            | raw::S_NON_LAZY_SYMBOL_POINTERS
            | raw::S_LAZY_DYLIB_SYMBOL_POINTERS
            | raw::S_THREAD_LOCAL_VARIABLE_POINTERS
    );
    let note = if indirect {
        " (index into indirect symbol table)"
    } else {
        ""
    };
    field(out, 10, "reserved1", format!("{}{note}", s.reserved1()));
    let note = if t == raw::S_SYMBOL_STUBS {
        " (size of stubs)"
    } else {
        ""
    };
    field(out, 10, "reserved2", format!("{}{note}", s.reserved2()));
}

fn flavor_count(out: &mut String, flavor: &str, count: u32, expected: u32) {
    field(out, 11, "flavor", flavor);
    if count == expected {
        field(out, 11, "count", format!("{flavor}_COUNT"));
    } else {
        field(out, 11, "count", format!("{count} (not {flavor}_COUNT)"));
    }
}

fn x86_64_registers(out: &mut String, r: &raw::X86ThreadState64, e: Endianness) {
    let _ = writeln!(
        out,
        "   rax  0x{:016x} rbx 0x{:016x} rcx  0x{:016x}",
        r.rax.get(e),
        r.rbx.get(e),
        r.rcx.get(e)
    );
    let _ = writeln!(
        out,
        "   rdx  0x{:016x} rdi 0x{:016x} rsi  0x{:016x}",
        r.rdx.get(e),
        r.rdi.get(e),
        r.rsi.get(e)
    );
    let _ = writeln!(
        out,
        "   rbp  0x{:016x} rsp 0x{:016x} r8   0x{:016x}",
        r.rbp.get(e),
        r.rsp.get(e),
        r.r8.get(e)
    );
    let _ = writeln!(
        out,
        "    r9  0x{:016x} r10 0x{:016x} r11  0x{:016x}",
        r.r9.get(e),
        r.r10.get(e),
        r.r11.get(e)
    );
    let _ = writeln!(
        out,
        "   r12  0x{:016x} r13 0x{:016x} r14  0x{:016x}",
        r.r12.get(e),
        r.r13.get(e),
        r.r14.get(e)
    );
    let _ = writeln!(
        out,
        "   r15  0x{:016x} rip 0x{:016x}",
        r.r15.get(e),
        r.rip.get(e)
    );
    let _ = writeln!(
        out,
        "rflags  0x{:016x} cs  0x{:016x} fs   0x{:016x}",
        r.rflags.get(e),
        r.cs.get(e),
        r.fs.get(e)
    );
    let _ = writeln!(out, "    gs  0x{:016x}", r.gs.get(e));
}

fn x86_64_exception(out: &mut String, s: &raw::X86ExceptionState64, e: Endianness) {
    let _ = writeln!(
        out,
        "\t    trapno 0x{:08x} err 0x{:08x} faultvaddr 0x{:016x}",
        s.trapno.get(e),
        s.err.get(e),
        s.faultvaddr.get(e)
    );
}

/// Prints an `x86_float_state64` as otool does.
fn x86_64_float_state(out: &mut String, s: &raw::X86FloatState64, e: Endianness) {
    let bit = |v: u16, b: u32| (v >> b) & 1;
    let _ = writeln!(
        out,
        "\t    fpu_reserved[0] {} fpu_reserved[1] {}",
        s.fpu_reserved[0].get(e),
        s.fpu_reserved[1].get(e)
    );
    let fcw = s.fpu_fcw.get(e);
    let _ = writeln!(
        out,
        "\t    control: invalid {} denorm {} zdiv {} ovrfl {} undfl {} precis {}",
        bit(fcw, 0),
        bit(fcw, 1),
        bit(fcw, 2),
        bit(fcw, 3),
        bit(fcw, 4),
        bit(fcw, 5)
    );
    let pc = match (fcw >> 8) & 3 {
        0 => "FP_PREC_24B ".to_owned(),
        2 => "FP_PREC_53B ".to_owned(),
        3 => "FP_PREC_64B ".to_owned(),
        n => format!("{n} "),
    };
    let rc =
        ["FP_RND_NEAR ", "FP_RND_DOWN ", "FP_RND_UP ", "FP_CHOP "][usize::from((fcw >> 10) & 3)];
    let _ = writeln!(out, "\t\t     pc {pc}rc {rc}");
    let fsw = s.fpu_fsw.get(e);
    let _ = writeln!(
        out,
        "\t    status: invalid {} denorm {} zdiv {} ovrfl {} undfl {} precis {} stkflt {}",
        bit(fsw, 0),
        bit(fsw, 1),
        bit(fsw, 2),
        bit(fsw, 3),
        bit(fsw, 4),
        bit(fsw, 5),
        bit(fsw, 6)
    );
    let _ = writeln!(
        out,
        "\t            errsumm {} c0 {} c1 {} c2 {} tos {} c3 {} busy {}",
        bit(fsw, 7),
        bit(fsw, 8),
        bit(fsw, 9),
        bit(fsw, 10),
        (fsw >> 11) & 7,
        bit(fsw, 14),
        bit(fsw, 15)
    );
    let _ = writeln!(
        out,
        "\t    fpu_ftw 0x{:02x} fpu_rsrv1 0x{:02x} fpu_fop 0x{:04x} fpu_ip 0x{:08x}",
        s.fpu_ftw,
        s.fpu_rsrv1,
        s.fpu_fop.get(e),
        s.fpu_ip.get(e)
    );
    let _ = writeln!(
        out,
        "\t    fpu_cs 0x{:04x} fpu_rsrv2 0x{:04x} fpu_dp 0x{:08x} fpu_ds 0x{:04x}",
        s.fpu_cs.get(e),
        s.fpu_rsrv2.get(e),
        s.fpu_dp.get(e),
        s.fpu_ds.get(e)
    );
    let _ = writeln!(
        out,
        "\t    fpu_rsrv3 0x{:04x} fpu_mxcsr 0x{:08x} fpu_mxcsrmask 0x{:08x}",
        s.fpu_rsrv3.get(e),
        s.fpu_mxcsr.get(e),
        s.fpu_mxcsrmask.get(e)
    );
    let hex_bytes =
        |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x} ")).collect() };
    for (i, r) in s.fpu_stmm.iter().enumerate() {
        let _ = writeln!(out, "\t    fpu_stmm{i}:");
        let _ = writeln!(out, "\t      mmst_reg  {}", hex_bytes(&r.mmst_reg));
        let _ = writeln!(out, "\t      mmst_rsrv {}", hex_bytes(&r.mmst_rsrv));
    }
    for (i, r) in s.fpu_xmm.iter().enumerate() {
        let _ = writeln!(out, "\t    fpu_xmm{i}:");
        let _ = writeln!(out, "\t      xmm_reg {}", hex_bytes(&r.xmm_reg));
    }
    // The 96 reserved bytes, 16 to a line. (LLVM prints element f*j of line f, column j,
    // and sign-extends each byte; these are the bytes as they are.)
    out.push_str("\t    fpu_rsrv4:\n");
    for line in s.fpu_rsrv4.chunks(16) {
        let _ = writeln!(out, "\t            {}", hex_bytes(line));
    }
    let _ = writeln!(
        out,
        "\t    fpu_reserved1 0x{:08x}",
        s.fpu_reserved1.get(e) as u32
    );
}

/// Prints 32-bit registers four to a line; each label carries the padding otool gives it.
fn register_rows(out: &mut String, rows: &[[(&str, u32); 4]]) {
    for row in rows {
        out.push_str("\t   ");
        for (label, value) in row {
            let _ = write!(out, " {label} 0x{value:08x}");
        }
        out.push('\n');
    }
}

fn thread(
    out: &mut String,
    m: &MachO<'_>,
    lc: &LoadCommand<'_>,
    cmd: &str,
    t: &darling_macho::ThreadStates<'_>,
) {
    use darling_macho::ThreadStateView as V;
    field(out, 11, "cmd", cmd);
    if lc.cmdsize() < 16 {
        field(
            out,
            11,
            "cmdsize",
            format!("{} Incorrect size", lc.cmdsize()),
        );
        return;
    }
    field(out, 11, "cmdsize", lc.cmdsize());
    let cputype = m.header().cputype;
    let e = lc.endian();
    for state in t.iter() {
        // Like LLVM, read a state shorter than its layout as if zero-filled. (The largest
        // layout printed here is x86_FLOAT_STATE's.)
        let mut padded = [0u8; size_of::<raw::X86FloatState>()];
        let bytes = match padded.get_mut(..state.state.len()) {
            Some(head) => {
                head.copy_from_slice(state.state);
                &padded[..]
            }
            None => state.state,
        };
        match (cputype, V::parse(cputype, state.flavor, bytes)) {
            (raw::CPU_TYPE_X86_64, V::X86ThreadState64(r)) => {
                flavor_count(
                    out,
                    "x86_THREAD_STATE64",
                    state.count,
                    raw::X86_THREAD_STATE64_COUNT,
                );
                x86_64_registers(out, r, e);
            }
            (raw::CPU_TYPE_X86_64, V::X86ThreadState(s)) => {
                flavor_count(
                    out,
                    "x86_THREAD_STATE",
                    state.count,
                    raw::X86_THREAD_STATE_COUNT,
                );
                let (flavor, count) = (s.tsh.flavor.get(e) as u32, s.tsh.count.get(e) as u32);
                if flavor == raw::X86_THREAD_STATE64 {
                    if count == raw::X86_THREAD_STATE64_COUNT {
                        out.push_str("\t    tsh.flavor x86_THREAD_STATE64 tsh.count x86_THREAD_STATE64_COUNT\n");
                    } else {
                        // LLVM prints no closing parenthesis here; neither do we.
                        let _ = writeln!(
                            out,
                            "\t    tsh.flavor x86_THREAD_STATE64 tsh.count {count} (not x86_THREAD_STATE64_COUNT"
                        );
                    }
                    x86_64_registers(out, s.ts64(), e);
                } else {
                    let _ = writeln!(out, "\t    tsh.flavor {flavor}  tsh.count {count}");
                }
            }
            (raw::CPU_TYPE_X86_64, V::X86FloatState(s)) => {
                flavor_count(
                    out,
                    "x86_FLOAT_STATE",
                    state.count,
                    raw::X86_FLOAT_STATE_COUNT,
                );
                let (flavor, count) = (s.fsh.flavor.get(e) as u32, s.fsh.count.get(e) as u32);
                if flavor == raw::X86_FLOAT_STATE64 && count == raw::X86_FLOAT_STATE64_COUNT {
                    out.push_str(
                        "\t    fsh.flavor x86_FLOAT_STATE64 fsh.count x86_FLOAT_STATE64_COUNT\n",
                    );
                    x86_64_float_state(out, s.fs64(), e);
                } else {
                    let _ = writeln!(out, "\t    fsh.flavor {flavor}  fsh.count {count}");
                }
            }
            (raw::CPU_TYPE_X86_64, V::X86ExceptionState(s)) => {
                flavor_count(
                    out,
                    "x86_EXCEPTION_STATE",
                    state.count,
                    raw::X86_EXCEPTION_STATE_COUNT,
                );
                let (flavor, count) = (s.esh.flavor.get(e) as u32, s.esh.count.get(e) as u32);
                if flavor == raw::X86_EXCEPTION_STATE64 {
                    out.push_str("\t    esh.flavor x86_EXCEPTION_STATE64\n");
                    if count == raw::X86_EXCEPTION_STATE64_COUNT {
                        out.push_str("\t    esh.count x86_EXCEPTION_STATE64_COUNT\n");
                    } else {
                        // LLVM prints no closing parenthesis here; neither do we.
                        let _ = writeln!(
                            out,
                            "\t    esh.count {count} (not x86_EXCEPTION_STATE64_COUNT"
                        );
                    }
                    x86_64_exception(out, s.es64(), e);
                } else {
                    let _ = writeln!(out, "\t    esh.flavor {flavor}  esh.count {count}");
                }
            }
            (raw::CPU_TYPE_X86_64, V::X86ExceptionState64(s)) => {
                flavor_count(
                    out,
                    "x86_EXCEPTION_STATE64",
                    state.count,
                    raw::X86_EXCEPTION_STATE64_COUNT,
                );
                x86_64_exception(out, s, e);
            }
            (raw::CPU_TYPE_I386, V::X86ThreadState32(r)) => {
                flavor_count(
                    out,
                    "i386_THREAD_STATE",
                    state.count,
                    raw::X86_THREAD_STATE32_COUNT,
                );
                let v = |f: darling_macho::U32| f.get(e);
                register_rows(
                    out,
                    &[
                        [
                            ("eax", v(r.eax)),
                            ("ebx   ", v(r.ebx)),
                            ("ecx", v(r.ecx)),
                            ("edx", v(r.edx)),
                        ],
                        [
                            ("edi", v(r.edi)),
                            ("esi   ", v(r.esi)),
                            ("ebp", v(r.ebp)),
                            ("esp", v(r.esp)),
                        ],
                        [
                            ("ss ", v(r.ss)),
                            ("eflags", v(r.eflags)),
                            ("eip", v(r.eip)),
                            ("cs ", v(r.cs)),
                        ],
                        [
                            ("ds ", v(r.ds)),
                            ("es    ", v(r.es)),
                            ("fs ", v(r.fs)),
                            ("gs ", v(r.gs)),
                        ],
                    ],
                );
            }
            (raw::CPU_TYPE_ARM64 | raw::CPU_TYPE_ARM64_32, V::ArmThreadState64(r)) => {
                flavor_count(
                    out,
                    "ARM_THREAD_STATE64",
                    state.count,
                    raw::ARM_THREAD_STATE64_COUNT,
                );
                for (row, x) in r.x.chunks(3).take(9).enumerate() {
                    out.push_str("\t   ");
                    for (col, v) in x.iter().enumerate() {
                        let name = format!("x{}", row * 3 + col);
                        let _ = write!(out, " {name:<3} 0x{:016x}", v.get(e));
                    }
                    out.push('\n');
                }
                let _ = writeln!(
                    out,
                    "\t    x27 0x{:016x} x28 0x{:016x}  fp 0x{:016x}",
                    r.x[27].get(e),
                    r.x[28].get(e),
                    r.fp.get(e)
                );
                let _ = writeln!(
                    out,
                    "\t     lr 0x{:016x} sp  0x{:016x}  pc 0x{:016x}",
                    r.lr.get(e),
                    r.sp.get(e),
                    r.pc.get(e)
                );
                let _ = writeln!(out, "\t   cpsr 0x{:08x}", r.cpsr.get(e));
            }
            (raw::CPU_TYPE_ARM, V::ArmThreadState32(r))
                if state.flavor == raw::ARM_THREAD_STATE =>
            {
                flavor_count(
                    out,
                    "ARM_THREAD_STATE",
                    state.count,
                    raw::ARM_THREAD_STATE_COUNT,
                );
                let v = |i: usize| r.r[i].get(e);
                register_rows(
                    out,
                    &[
                        [
                            ("r0 ", v(0)),
                            ("r1    ", v(1)),
                            ("r2 ", v(2)),
                            ("r3 ", v(3)),
                        ],
                        [
                            ("r4 ", v(4)),
                            ("r5    ", v(5)),
                            ("r6 ", v(6)),
                            ("r7 ", v(7)),
                        ],
                        [
                            ("r8 ", v(8)),
                            ("r9    ", v(9)),
                            ("r10", v(10)),
                            ("r11", v(11)),
                        ],
                        [
                            ("r12", v(12)),
                            ("sp    ", r.sp.get(e)),
                            ("lr ", r.lr.get(e)),
                            ("pc ", r.pc.get(e)),
                        ],
                    ],
                );
                let _ = writeln!(out, "\t   cpsr 0x{:08x}", r.cpsr.get(e));
            }
            (
                raw::CPU_TYPE_X86_64
                | raw::CPU_TYPE_I386
                | raw::CPU_TYPE_ARM
                | raw::CPU_TYPE_ARM64
                | raw::CPU_TYPE_ARM64_32,
                _,
            ) => {
                field(out, 11, "flavor", format!("{} (unknown)", state.flavor));
                field(out, 11, "count", state.count);
                field(out, 11, "state", "(unknown)");
            }
            _ => {
                field(out, 11, "flavor", state.flavor);
                field(out, 11, "count", state.count);
                field(out, 11, "state", "(Unknown cputype/cpusubtype)");
            }
        }
    }
}
