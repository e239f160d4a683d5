//! `darling otool`: the Mach header (`-h`), load commands (`-l`) and shared libraries (`-L`),
//! printed exactly as `llvm-otool-19` prints them.

use std::fmt::Write;
use std::path::PathBuf;

use darling_macho::{Command, LoadCommand, MachO, Section, Segment, raw};

use super::macho_files::{self, Slice};

/// Arguments of `darling otool`.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
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
    #[arg(long)]
    pub arch: Option<String>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// The Mach-O or fat files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `darling otool`, returning the text to print.
pub fn run(args: &Args) -> Result<String, String> {
    if !(args.header || args.load_commands || args.libraries) {
        return Err("one of -h, -l or -L must be given".into());
    }
    let mut out = String::new();
    for path in &args.files {
        let data = macho_files::read(path)?;
        if !macho_files::is_object(&data) {
            let _ = writeln!(out, "{}: is not an object file", path.display());
            continue;
        }
        let (slices, several) = macho_files::select(path, &data, args.arch.as_deref())?;
        let name = macho_files::display(path);
        for slice in &slices {
            dump(&mut out, &name, slice, several, args)?;
        }
    }
    Ok(out)
}

fn dump(
    out: &mut String,
    name: &str,
    slice: &Slice<'_>,
    several: bool,
    args: &Args,
) -> Result<(), String> {
    // -h alone prints no label; -l and -L do.
    if args.load_commands || args.libraries {
        match (&slice.arch, several) {
            (Some(arch), true) => writeln!(out, "{name} (architecture {arch}):"),
            _ => writeln!(out, "{name}:"),
        }
        .ok();
    }
    let m = &slice.macho;
    // LLVM's fixed order: -L, then -l (header and commands), then -h.
    if args.libraries {
        libraries(out, m).map_err(|e| format!("{name}: {e}"))?;
    }
    if args.load_commands {
        header(out, m);
        load_commands(out, m).map_err(|e| format!("{name}: {e}"))?;
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

fn lc_name(cmd: u32) -> Option<&'static str> {
    use darling_macho::raw::*;
    Some(match cmd {
        LC_SEGMENT => "LC_SEGMENT",
        LC_SEGMENT_64 => "LC_SEGMENT_64",
        LC_SYMTAB => "LC_SYMTAB",
        LC_DYSYMTAB => "LC_DYSYMTAB",
        LC_LOAD_DYLIB => "LC_LOAD_DYLIB",
        LC_ID_DYLIB => "LC_ID_DYLIB",
        LC_LOAD_WEAK_DYLIB => "LC_LOAD_WEAK_DYLIB",
        LC_REEXPORT_DYLIB => "LC_REEXPORT_DYLIB",
        LC_LAZY_LOAD_DYLIB => "LC_LAZY_LOAD_DYLIB",
        LC_LOAD_UPWARD_DYLIB => "LC_LOAD_UPWARD_DYLIB",
        LC_LOAD_DYLINKER => "LC_LOAD_DYLINKER",
        LC_ID_DYLINKER => "LC_ID_DYLINKER",
        LC_DYLD_ENVIRONMENT => "LC_DYLD_ENVIRONMENT",
        LC_UUID => "LC_UUID",
        LC_RPATH => "LC_RPATH",
        LC_CODE_SIGNATURE => "LC_CODE_SIGNATURE",
        LC_SEGMENT_SPLIT_INFO => "LC_SEGMENT_SPLIT_INFO",
        LC_FUNCTION_STARTS => "LC_FUNCTION_STARTS",
        LC_DATA_IN_CODE => "LC_DATA_IN_CODE",
        LC_DYLIB_CODE_SIGN_DRS => "LC_DYLIB_CODE_SIGN_DRS",
        LC_LINKER_OPTIMIZATION_HINT => "LC_LINKER_OPTIMIZATION_HINT",
        LC_DYLD_EXPORTS_TRIE => "LC_DYLD_EXPORTS_TRIE",
        LC_DYLD_CHAINED_FIXUPS => "LC_DYLD_CHAINED_FIXUPS",
        LC_DYLD_INFO => "LC_DYLD_INFO",
        LC_DYLD_INFO_ONLY => "LC_DYLD_INFO_ONLY",
        LC_VERSION_MIN_MACOSX => "LC_VERSION_MIN_MACOSX",
        LC_VERSION_MIN_IPHONEOS => "LC_VERSION_MIN_IPHONEOS",
        LC_VERSION_MIN_TVOS => "LC_VERSION_MIN_TVOS",
        LC_VERSION_MIN_WATCHOS => "LC_VERSION_MIN_WATCHOS",
        LC_BUILD_VERSION => "LC_BUILD_VERSION",
        LC_SOURCE_VERSION => "LC_SOURCE_VERSION",
        LC_MAIN => "LC_MAIN",
        LC_ENCRYPTION_INFO => "LC_ENCRYPTION_INFO",
        LC_ENCRYPTION_INFO_64 => "LC_ENCRYPTION_INFO_64",
        LC_THREAD => "LC_THREAD",
        LC_UNIXTHREAD => "LC_UNIXTHREAD",
        LC_LINKER_OPTION => "LC_LINKER_OPTION",
        LC_NOTE => "LC_NOTE",
        LC_FILESET_ENTRY => "LC_FILESET_ENTRY",
        LC_SUB_FRAMEWORK => "LC_SUB_FRAMEWORK",
        LC_SUB_UMBRELLA => "LC_SUB_UMBRELLA",
        LC_SUB_CLIENT => "LC_SUB_CLIENT",
        LC_SUB_LIBRARY => "LC_SUB_LIBRARY",
        LC_TWOLEVEL_HINTS => "LC_TWOLEVEL_HINTS",
        LC_PREBIND_CKSUM => "LC_PREBIND_CKSUM",
        LC_ROUTINES => "LC_ROUTINES",
        LC_ROUTINES_64 => "LC_ROUTINES_64",
        _ => return None,
    })
}

fn load_commands(out: &mut String, m: &MachO<'_>) -> darling_macho::Result<()> {
    for lc in m.load_commands() {
        let lc = lc?;
        let _ = writeln!(out, "Load command {}", lc.index());
        command(out, m, &lc)?;
    }
    Ok(())
}

/// Prints `label value` lines right-aligned on the label, as otool does for each command.
fn field(out: &mut String, width: usize, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{label:>width$} {value}");
}

fn string(s: &darling_macho::LcStr<'_>) -> String {
    match s.bytes() {
        Ok(b) => format!("{} (offset {})", String::from_utf8_lossy(b), s.offset()),
        Err(_) => format!("?(bad offset {})", s.offset()),
    }
}

fn command(out: &mut String, m: &MachO<'_>, lc: &LoadCommand<'_>) -> darling_macho::Result<()> {
    let name = lc_name(lc.cmd());
    let cmd_text = name.map_or_else(|| format!("{}", lc.cmd()), str::to_owned);
    match lc.parse()? {
        Command::Segment(s) => segment(out, m, lc, &cmd_text, &s),
        Command::Symtab(s) => {
            field(out, 8, "cmd", &cmd_text);
            field(out, 8, "cmdsize", lc.cmdsize());
            field(out, 8, "symoff", s.symoff);
            field(out, 8, "nsyms", s.nsyms);
            field(out, 8, "stroff", s.stroff);
            field(out, 8, "strsize", s.strsize);
        }
        Command::Dysymtab(d) => {
            let w = 15;
            field(out, w, "cmd", &cmd_text);
            field(out, w, "cmdsize", lc.cmdsize());
            for (label, v) in [
                ("ilocalsym", d.ilocalsym),
                ("nlocalsym", d.nlocalsym),
                ("iextdefsym", d.iextdefsym),
                ("nextdefsym", d.nextdefsym),
                ("iundefsym", d.iundefsym),
                ("nundefsym", d.nundefsym),
                ("tocoff", d.tocoff),
                ("ntoc", d.ntoc),
                ("modtaboff", d.modtaboff),
                ("nmodtab", d.nmodtab),
                ("extrefsymoff", d.extrefsymoff),
                ("nextrefsyms", d.nextrefsyms),
                ("indirectsymoff", d.indirectsymoff),
                ("nindirectsyms", d.nindirectsyms),
                ("extreloff", d.extreloff),
                ("nextrel", d.nextrel),
                ("locreloff", d.locreloff),
                ("nlocrel", d.nlocrel),
            ] {
                field(out, w, label, v);
            }
        }
        Command::Dylib(d) => {
            field(out, 13, "cmd", &cmd_text);
            field(out, 13, "cmdsize", lc.cmdsize());
            field(out, 13, "name", string(&d.name));
            field(
                out,
                13,
                "time stamp",
                format!("{} {}", d.timestamp, ctime(d.timestamp)),
            );
            field(out, 21, "current version", dylib_version(d.current_version));
            field(
                out,
                21,
                "compatibility version",
                dylib_version(d.compatibility_version),
            );
        }
        Command::Dylinker(s) => {
            field(out, 13, "cmd", &cmd_text);
            field(out, 13, "cmdsize", lc.cmdsize());
            field(out, 13, "name", string(&s));
        }
        Command::Rpath(s) => {
            field(out, 13, "cmd", &cmd_text);
            field(out, 13, "cmdsize", lc.cmdsize());
            field(out, 13, "path", string(&s));
        }
        Command::Uuid(u) => {
            field(out, 8, "cmd", &cmd_text);
            field(out, 8, "cmdsize", lc.cmdsize());
            let hex: Vec<String> = u.iter().map(|b| format!("{b:02X}")).collect();
            let h = hex.concat();
            field(
                out,
                8,
                "uuid",
                format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                ),
            );
        }
        Command::LinkeditData(l) => {
            field(out, 9, "cmd", &cmd_text);
            field(out, 9, "cmdsize", lc.cmdsize());
            field(out, 9, "dataoff", l.dataoff);
            field(out, 9, "datasize", l.datasize);
        }
        Command::DyldInfo(d) => {
            let w = 15;
            field(out, w, "cmd", &cmd_text);
            field(out, w, "cmdsize", lc.cmdsize());
            for (label, v) in [
                ("rebase_off", d.rebase_off),
                ("rebase_size", d.rebase_size),
                ("bind_off", d.bind_off),
                ("bind_size", d.bind_size),
                ("weak_bind_off", d.weak_bind_off),
                ("weak_bind_size", d.weak_bind_size),
                ("lazy_bind_off", d.lazy_bind_off),
                ("lazy_bind_size", d.lazy_bind_size),
                ("export_off", d.export_off),
                ("export_size", d.export_size),
            ] {
                field(out, w, label, v);
            }
        }
        Command::VersionMin(v) => {
            field(out, 9, "cmd", &cmd_text);
            field(out, 9, "cmdsize", lc.cmdsize());
            field(out, 9, "version", short_version(v.version));
            field(
                out,
                9,
                "sdk",
                if v.sdk == 0 {
                    "n/a".to_owned()
                } else {
                    short_version(v.sdk)
                },
            );
        }
        Command::BuildVersion(b) => {
            field(out, 10, "cmd", &cmd_text);
            field(out, 10, "cmdsize", lc.cmdsize());
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
            field(out, 9, "cmd", &cmd_text);
            field(out, 9, "cmdsize", lc.cmdsize());
            field(out, 9, "version", source_version(v));
        }
        Command::Main(e) => {
            field(out, 10, "cmd", &cmd_text);
            field(out, 10, "cmdsize", lc.cmdsize());
            field(out, 10, "entryoff", e.entryoff);
            field(out, 10, "stacksize", e.stacksize);
        }
        Command::EncryptionInfo(c) => {
            field(out, 13, "cmd", &cmd_text);
            field(out, 13, "cmdsize", lc.cmdsize());
            field(out, 13, "cryptoff", c.cryptoff);
            field(out, 13, "cryptsize", c.cryptsize);
            field(out, 13, "cryptid", c.cryptid);
            if let Some(pad) = c.pad {
                field(out, 13, "pad", pad);
            }
        }
        Command::Thread(t) => thread(out, m, lc, &cmd_text, &t),
        _ => {
            field(out, 8, "cmd", &cmd_text);
            field(out, 8, "cmdsize", lc.cmdsize());
        }
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

fn segment(out: &mut String, m: &MachO<'_>, lc: &LoadCommand<'_>, cmd_text: &str, s: &Segment<'_>) {
    let _ = m;
    field(out, 9, "cmd", cmd_text);
    field(out, 9, "cmdsize", lc.cmdsize());
    field(out, 9, "segname", String::from_utf8_lossy(s.name()));
    if s.is_64() {
        field(out, 9, "vmaddr", format!("0x{:016x}", s.vmaddr()));
        field(out, 9, "vmsize", format!("0x{:016x}", s.vmsize()));
    } else {
        field(out, 9, "vmaddr", format!("0x{:08x}", s.vmaddr()));
        field(out, 9, "vmsize", format!("0x{:08x}", s.vmsize()));
    }
    field(out, 9, "fileoff", s.fileoff());
    field(out, 9, "filesize", s.filesize());
    field(out, 9, "maxprot", format!("0x{:08x}", s.maxprot()));
    field(out, 9, "initprot", format!("0x{:08x}", s.initprot()));
    field(out, 9, "nsects", s.nsects());
    field(out, 9, "flags", format!("0x{:x}", s.flags()));
    for sect in s.sections() {
        section(out, s.is_64(), &sect);
    }
}

fn section(out: &mut String, is_64: bool, s: &Section<'_>) {
    out.push_str("Section\n");
    field(out, 10, "sectname", String::from_utf8_lossy(s.name()));
    field(
        out,
        10,
        "segname",
        String::from_utf8_lossy(s.segment_name()),
    );
    if is_64 {
        field(out, 10, "addr", format!("0x{:016x}", s.addr()));
        field(out, 10, "size", format!("0x{:016x}", s.size()));
    } else {
        field(out, 10, "addr", format!("0x{:08x}", s.addr()));
        field(out, 10, "size", format!("0x{:08x}", s.size()));
    }
    field(out, 10, "offset", s.offset());
    field(
        out,
        10,
        "align",
        format!(
            "2^{} ({})",
            s.align(),
            1u64.checked_shl(s.align()).unwrap_or(0)
        ),
    );
    field(out, 10, "reloff", s.reloff());
    field(out, 10, "nreloc", s.nreloc());
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
    if indirect {
        field(
            out,
            10,
            "reserved1",
            format!("{} (index into indirect symbol table)", s.reserved1()),
        );
    } else {
        field(out, 10, "reserved1", s.reserved1());
    }
    if t == raw::S_SYMBOL_STUBS {
        field(
            out,
            10,
            "reserved2",
            format!("{} (size of stubs)", s.reserved2()),
        );
    } else {
        field(out, 10, "reserved2", s.reserved2());
    }
}

fn thread(
    out: &mut String,
    m: &MachO<'_>,
    lc: &LoadCommand<'_>,
    cmd_text: &str,
    t: &darling_macho::ThreadStates<'_>,
) {
    field(out, 11, "cmd", cmd_text);
    field(out, 11, "cmdsize", lc.cmdsize());
    let e = lc.endian();
    for state in t.iter() {
        let words: Vec<u64> = state
            .state
            .chunks_exact(8)
            .map(|c| {
                let a = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
                match e {
                    darling_macho::Endianness::Little => u64::from_le_bytes(a),
                    darling_macho::Endianness::Big => u64::from_be_bytes(a),
                }
            })
            .collect();
        if m.header().cputype == raw::CPU_TYPE_X86_64 && state.flavor == raw::X86_THREAD_STATE64 {
            field(out, 11, "flavor", "x86_THREAD_STATE64");
            if state.count == raw::X86_THREAD_STATE64_COUNT {
                field(out, 11, "count", "x86_THREAD_STATE64_COUNT");
            } else {
                field(
                    out,
                    11,
                    "count",
                    format!("{} (not x86_THREAD_STATE64_COUNT)", state.count),
                );
            }
            let r = |i: usize| words.get(i).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "   rax  0x{:016x} rbx 0x{:016x} rcx  0x{:016x}",
                r(0),
                r(1),
                r(2)
            );
            let _ = writeln!(
                out,
                "   rdx  0x{:016x} rdi 0x{:016x} rsi  0x{:016x}",
                r(3),
                r(4),
                r(5)
            );
            let _ = writeln!(
                out,
                "   rbp  0x{:016x} rsp 0x{:016x} r8   0x{:016x}",
                r(6),
                r(7),
                r(8)
            );
            let _ = writeln!(
                out,
                "    r9  0x{:016x} r10 0x{:016x} r11  0x{:016x}",
                r(9),
                r(10),
                r(11)
            );
            let _ = writeln!(
                out,
                "   r12  0x{:016x} r13 0x{:016x} r14  0x{:016x}",
                r(12),
                r(13),
                r(14)
            );
            let _ = writeln!(out, "   r15  0x{:016x} rip 0x{:016x}", r(15), r(16));
            let _ = writeln!(
                out,
                "rflags  0x{:016x} cs  0x{:016x} fs   0x{:016x}",
                r(17),
                r(18),
                r(19)
            );
            let _ = writeln!(out, "    gs  0x{:016x}", r(20));
        } else {
            field(out, 11, "flavor", state.flavor);
            field(out, 11, "count", state.count);
        }
    }
}
