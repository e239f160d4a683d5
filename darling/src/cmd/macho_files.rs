//! What the Mach-O tools share: reading a file, and choosing which slices of a fat file to
//! show the way LLVM's tools do.

use std::path::Path;

use darling_macho::{File, MachO, MemberKind, arch_from_name, arch_name, raw};

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
}

/// The slice LLVM's tools pick from a fat file when no architecture is asked for is the first
/// one named exactly like the host. LLVM takes the host from its build's default triple, so
/// the same file prints differently on another machine; we always use x86_64, the host the
/// reference outputs were made on, so that the output depends on the file only.
const HOST_ARCH: &str = "x86_64";

/// Whether `data` starts like a Mach-O or fat file.
pub fn is_object(data: &[u8]) -> bool {
    !matches!(
        File::parse(data),
        Err(darling_macho::Error::BadMagic { .. }
            | darling_macho::Error::Truncated { offset: 0, .. })
    )
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn same_arch(cputype: i32, cpusubtype: i32, wanted: (i32, i32)) -> bool {
    cputype == wanted.0 && (cpusubtype & !raw::CPU_SUBTYPE_MASK) == wanted.1
}

fn thin(slices: Vec<Slice<'_>>) -> Selection<'_> {
    Selection {
        slices,
        several: false,
        archive: false,
    }
}

/// The slices to show, and how to label them.
///
/// With `arch` (a name, or "all"), that slice (every slice for "all"). Without it, LLVM's
/// rule: the host's slice if the fat file has one, shown like a thin file, else every slice.
/// An archive gives its Mach-O members (of architecture `arch`, if given), in order.
pub fn select<'data>(
    path: &Path,
    data: &'data [u8],
    arch: Option<&str>,
) -> Result<Selection<'data>, String> {
    let name = path.display();
    let unknown = |a: &str| format!("unknown architecture name '{a}'");
    let wanted_thin = |a: Option<&str>| -> Result<Option<(i32, i32)>, String> {
        match a.filter(|a| *a != "all") {
            Some(a) => arch_from_name(a).map(Some).ok_or_else(|| unknown(a)),
            None => Ok(None),
        }
    };
    let fat = match File::parse(data).map_err(|e| format!("{name}: {e}"))? {
        File::MachO(macho) => {
            if let Some(wanted) = wanted_thin(arch)? {
                let h = macho.header();
                if !same_arch(h.cputype, h.cpusubtype, wanted) {
                    let a = arch.unwrap_or("?");
                    return Err(format!("{name}: file does not contain architecture {a}"));
                }
            }
            return Ok(thin(vec![Slice {
                macho,
                arch: None,
                member: None,
            }]));
        }
        File::Archive(archive) => {
            let wanted = wanted_thin(arch)?;
            let mut slices = Vec::new();
            for member in archive.members() {
                let member = member.map_err(|e| format!("{name}: {e}"))?;
                if member.kind != MemberKind::File {
                    continue;
                }
                // Members that are not Mach-O files (LLVM bitcode, text) are passed over.
                let Ok(macho) = MachO::parse(member.data) else {
                    continue;
                };
                let h = macho.header();
                if wanted.is_some_and(|w| !same_arch(h.cputype, h.cpusubtype, w)) {
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
            });
        }
        File::Fat(fat) => fat,
        _ => return Err(format!("{name}: a kind of file the tools do not read")),
    };
    let wanted: Option<(i32, i32)> = match arch {
        Some("all") => None,
        Some(a) => Some(arch_from_name(a).ok_or_else(|| unknown(a))?),
        None => fat
            .arches()
            .find(|a| arch_name(a.cputype, a.cpusubtype) == Some(HOST_ARCH))
            .map(|a| (a.cputype, a.cpusubtype & !raw::CPU_SUBTYPE_MASK)),
    };
    let mut chosen = Vec::new();
    for a in fat.arches() {
        if wanted.is_some_and(|w| !same_arch(a.cputype, a.cpusubtype, w)) {
            continue;
        }
        let macho = fat
            .macho(&a)
            .map_err(|e| format!("{name} (slice {}): {e}", a.index))?;
        let arch = arch_name(a.cputype, a.cpusubtype)
            .filter(|_| fat.len() > 1)
            .map(str::to_owned);
        chosen.push(Slice {
            macho,
            arch,
            member: None,
        });
        if wanted.is_some() {
            break;
        }
    }
    if chosen.is_empty() {
        return Err(format!(
            "{name}: file does not contain architecture {}",
            arch.unwrap_or("?")
        ));
    }
    // A slice picked by the host rule or by -arch is shown like a thin file.
    Ok(Selection {
        slices: chosen,
        several: wanted.is_none(),
        archive: false,
    })
}

/// The display name of a file: as given on the command line.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}
