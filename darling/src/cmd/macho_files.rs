//! What the Mach-O tools share: reading a file, and choosing which slices of a fat file to
//! show the way LLVM's tools do.

use std::io::Write;
use std::path::Path;

use darling_macho::{File, MachO, MemberKind, arch_from_name, arch_name, raw};

use super::malformed;

/// One Mach-O image to show.
pub struct Slice<'data> {
    pub macho: MachO<'data>,
    /// The architecture to name in the label: `Some` for a slice of a fat file with several
    /// slices, when the slice's architecture has a name.
    pub arch: Option<String>,
    /// For a member of an archive, its name.
    pub member: Option<String>,
}

impl Slice<'_> {
    /// `file(member)` for an archive member, else `file`: how LLVM's tools name an image.
    pub fn label(&self, name: &str) -> String {
        match &self.member {
            Some(member) => format!("{name}({member})"),
            None => name.to_owned(),
        }
    }
}

/// What [`select`] chose.
pub struct Selection<'data> {
    pub slices: Vec<Slice<'data>>,
    /// Whether the slices are labelled with their architecture (several slices of a fat
    /// file shown).
    pub several: bool,
    /// Whether the file is an archive (the tools print `Archive : FILE` first).
    pub archive: bool,
    /// Whether the file is a fat (universal) file.
    pub fat: bool,
    /// The architectures asked for that the fat file does not have.
    pub missing: Vec<String>,
    /// Slices LLVM's checks refuse: `(index in slices it would have had, architecture,
    /// message)`.
    pub refused: Vec<(usize, String, String)>,
}

/// The slice LLVM's tools pick from a fat file when no architecture is asked for is the first
/// one named exactly like the host. LLVM takes the host from its build's default triple, so
/// the same file prints differently on another machine; we always use x86_64, the host the
/// reference outputs were made on, so that the output depends on the file only.
const HOST_ARCH: &str = "x86_64";

/// Why a file gives no images to show, in the terms LLVM's tools report it.
#[derive(Debug)]
pub enum Failure {
    /// Not an object file at all (empty, too short, unknown magic): otool and objdump say
    /// `FILE: is not an object file` on stdout; nm calls it an error.
    NotObject,
    /// An object file of another format (ELF).
    NotMachO,
    /// LLVM's refusal of the file, e.g. `truncated or malformed object (...)`; printed
    /// after the quoted file name.
    Malformed(String),
    /// An architecture name asked for that LLVM does not know.
    UnknownArch(String),
    /// A thin file that is not of the architecture asked for.
    ArchMismatch,
}

impl From<darling_macho::Error> for Failure {
    fn from(e: darling_macho::Error) -> Self {
        Failure::Malformed(e.to_string())
    }
}

/// Reads a whole file.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

fn same_arch(cputype: i32, cpusubtype: i32, wanted: (i32, i32)) -> bool {
    cputype == wanted.0 && (cpusubtype & !raw::CPU_SUBTYPE_MASK) == wanted.1
}

fn thin(slices: Vec<Slice<'_>>) -> Selection<'_> {
    Selection {
        slices,
        several: false,
        archive: false,
        fat: false,
        missing: Vec::new(),
        refused: Vec::new(),
    }
}

/// The slices to show, and how to label them, after LLVM's checks of the file (and of
/// each chosen slice) have passed.
///
/// `arches` are the architectures asked for (names, or "all"). None: LLVM's rule, the
/// host's slice if the fat file has one, shown like a thin file, else every slice. One: that
/// slice, shown like a thin file. Several: those slices, labelled. An archive gives its
/// Mach-O members (of the architecture asked for, if one is), in order.
pub fn select<'data>(data: &'data [u8], arches: &[String]) -> Result<Selection<'data>, Failure> {
    let all = arches.iter().any(|a| a == "all");
    let wanted: Vec<(&str, (i32, i32))> = if all {
        Vec::new()
    } else {
        let mut w = Vec::new();
        for a in arches {
            let Some(arch) = arch_from_name(a) else {
                return Err(Failure::UnknownArch(a.clone()));
            };
            w.push((a.as_str(), arch));
        }
        w
    };
    match malformed::identify(data) {
        malformed::Kind::NotObject => return Err(Failure::NotObject),
        malformed::Kind::OtherObject => return Err(Failure::NotMachO),
        malformed::Kind::Fat => malformed::check_fat(data).map_err(Failure::Malformed)?,
        malformed::Kind::MachO => malformed::check_macho(data, None).map_err(Failure::Malformed)?,
        malformed::Kind::Archive => {}
    }
    let fat = match File::parse(data)? {
        File::MachO(macho) => {
            let h = macho.header();
            if !wanted.is_empty()
                && !wanted
                    .iter()
                    .any(|w| same_arch(h.cputype, h.cpusubtype, w.1))
            {
                return Err(Failure::ArchMismatch);
            }
            return Ok(thin(vec![Slice {
                macho,
                arch: None,
                member: None,
            }]));
        }
        File::Archive(archive) => {
            let mut slices = Vec::new();
            for member in archive.members() {
                let member = member?;
                if member.kind != MemberKind::File
                    || malformed::identify(member.data) != malformed::Kind::MachO
                {
                    // Members that are not Mach-O files (LLVM bitcode, text) are passed over.
                    continue;
                }
                malformed::check_macho(member.data, None).map_err(Failure::Malformed)?;
                let Ok(macho) = MachO::parse(member.data) else {
                    continue;
                };
                let h = macho.header();
                if !wanted.is_empty()
                    && !wanted
                        .iter()
                        .any(|w| same_arch(h.cputype, h.cpusubtype, w.1))
                {
                    continue;
                }
                slices.push(Slice {
                    macho,
                    arch: None,
                    member: Some(String::from_utf8_lossy(member.name).into_owned()),
                });
            }
            return Ok(Selection {
                slices,
                several: false,
                archive: true,
                fat: false,
                missing: Vec::new(),
                refused: Vec::new(),
            });
        }
        File::Fat(fat) => fat,
        _ => return Err(Failure::NotObject),
    };
    let host = fat
        .arches()
        .find(|a| arch_name(a.cputype, a.cpusubtype) == Some(HOST_ARCH))
        .map(|a| (a.cputype, a.cpusubtype & !raw::CPU_SUBTYPE_MASK));
    let chosen_by_host = wanted.is_empty() && !all && host.is_some();
    let mut chosen = Vec::new();
    let mut refused = Vec::new();
    let mut found = vec![false; wanted.len()];
    for a in fat.arches() {
        let keep = if chosen_by_host {
            host.is_some_and(|h| same_arch(a.cputype, a.cpusubtype, h))
        } else if wanted.is_empty() {
            true
        } else {
            let mut any = false;
            for (i, w) in wanted.iter().enumerate() {
                // The first slice of each asked-for architecture.
                if !found[i] && same_arch(a.cputype, a.cpusubtype, w.1) {
                    found[i] = true;
                    any = true;
                }
            }
            any
        };
        if !keep {
            continue;
        }
        let bytes = fat.slice_data(&a)?;
        let arch = arch_name(a.cputype, a.cpusubtype)
            .filter(|_| fat.len() > 1)
            .map(str::to_owned);
        if let Err(m) = malformed::check_macho(bytes, Some((a.cputype, a.index))) {
            // A slice shown like a thin file is named like one; otherwise LLVM names the
            // slice after the file, and nm goes on with the next slice.
            match &arch {
                Some(arch) if !chosen_by_host => {
                    refused.push((chosen.len(), arch.clone(), m));
                    continue;
                }
                _ => return Err(Failure::Malformed(m)),
            }
        }
        let macho = fat.macho(&a)?;
        chosen.push(Slice {
            macho,
            arch,
            member: None,
        });
        if chosen_by_host {
            break;
        }
    }
    let missing = wanted
        .iter()
        .zip(&found)
        .filter(|(_, f)| !**f)
        .map(|(w, _)| w.0.to_owned())
        .collect();
    Ok(Selection {
        slices: chosen,
        // A slice picked by the host rule or by a single architecture is shown like a
        // thin file.
        several: !chosen_by_host && wanted.len() != 1,
        archive: false,
        fat: true,
        missing,
        refused,
    })
}

/// Where a Mach-O tool's text goes: stdout as each file is done, errors on stderr (after
/// what came before them on stdout), and whether the run failed.
pub struct Output<'w> {
    out: &'w mut dyn Write,
    err: &'w mut dyn Write,
    /// The tool's name in error lines: `darling otool`.
    tool: &'static str,
    /// Set once an error has been reported: the exit status is 1.
    pub failed: bool,
    /// The first failed write to stdout; nothing more is written after it.
    pub write_error: Option<std::io::Error>,
}

impl<'w> Output<'w> {
    pub fn new(tool: &'static str, out: &'w mut dyn Write, err: &'w mut dyn Write) -> Self {
        Output {
            out,
            err,
            tool,
            failed: false,
            write_error: None,
        }
    }

    /// Writes text to stdout.
    pub fn print(&mut self, text: &str) {
        if self.write_error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.write_error = Some(e);
        }
    }

    /// Writes `TOOL: error: REST` to stderr and marks the run failed.
    pub fn error(&mut self, rest: &str) {
        self.failed = true;
        self.note(&format!("{}: error: {rest}\n", self.tool));
    }

    /// Writes `TOOL: error: REST` to stderr without failing the run (llvm-objdump goes on,
    /// with exit status 0, after a file that is not Mach-O or an architecture it lacks).
    pub fn warn(&mut self, rest: &str) {
        self.note(&format!("{}: error: {rest}\n", self.tool));
    }

    /// Prints the slices of `sel` as llvm-objdump's Mach-O printers do (otool, dyldinfo):
    /// `Archive : NAME` first for an archive, each slice's text from `dump` in file order, a
    /// refused slice reported where it comes between the others. The first refused slice or
    /// error of `dump` is reported after what came before it, and ends the run: the result is
    /// `false` then.
    pub fn print_slices<E: std::fmt::Display>(
        &mut self,
        name: &str,
        sel: &Selection<'_>,
        mut dump: impl FnMut(&mut String, &Slice<'_>) -> Result<(), E>,
    ) -> bool {
        let mut out = String::new();
        if sel.archive {
            out.push_str(&format!("Archive : {name}\n"));
        }
        for k in 0..=sel.slices.len() {
            if let Some((_, arch, m)) = sel.refused.iter().find(|r| r.0 == k) {
                self.print(&out);
                self.error(&format!("'{name}' (for architecture {arch}): {m}"));
                return false;
            }
            let Some(slice) = sel.slices.get(k) else {
                break;
            };
            if let Err(e) = dump(&mut out, slice) {
                self.print(&out);
                self.error(&format!("'{name}': {e}"));
                return false;
            }
        }
        self.print(&out);
        true
    }

    /// Flushes stdout.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Writes text to stderr without failing the run (nm's `no symbols`).
    pub fn note(&mut self, text: &str) {
        if self.write_error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.write_error = Some(e);
        }
        let _ = self.err.write_all(text.as_bytes());
    }
}

/// How LLVM words a file that cannot be read: the system's message without Rust's
/// `(os error N)`.
pub fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The display name of a file: as given on the command line.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}
