//! What the Mach-O tools share: reading a file, and choosing which slices of a fat file to
//! show the way LLVM's tools do.

use std::path::{Path, PathBuf};

use darling_macho::{File, MachO, arch_from_name, arch_name, raw};

/// One Mach-O image to show, and the name of its architecture when it came out of a fat file.
pub struct Slice<'data> {
    pub macho: MachO<'data>,
    /// `Some` for a slice of a fat file.
    pub arch: Option<String>,
}

/// The architecture name LLVM's tools print for a slice ("x86_64", or the numbers when the
/// pair has no name).
pub fn slice_arch_name(cputype: i32, cpusubtype: i32) -> String {
    match arch_name(cputype, cpusubtype) {
        Some(n) => n.to_owned(),
        None => format!(
            "cputype ({cputype}) cpusubtype ({})",
            cpusubtype & !raw::CPU_SUBTYPE_MASK
        ),
    }
}

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The architecture LLVM's tools call the host's.
fn host_arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "arm64"
    } else if cfg!(target_arch = "x86") {
        "i386"
    } else {
        "x86_64"
    }
}

/// The slices to show. With `arch` (a name, or "all"), only that slice (every slice for "all").
/// Without it, LLVM's rule: the host's slice if the fat file has one, else every slice.
pub fn select<'data>(
    path: &Path,
    data: &'data [u8],
    arch: Option<&str>,
) -> Result<(Vec<Slice<'data>>, bool), String> {
    let name = path.display();
    let file = File::parse(data).map_err(|e| format!("{name}: {e}"))?;
    let fat = match file {
        File::MachO(macho) => {
            if let Some(a) = arch.filter(|a| *a != "all") {
                let (t, s) =
                    arch_from_name(a).ok_or_else(|| format!("unknown architecture name '{a}'"))?;
                let h = macho.header();
                if h.cputype != t || (h.cpusubtype & !raw::CPU_SUBTYPE_MASK) != s {
                    return Err(format!("{name}: file does not contain architecture {a}"));
                }
            }
            return Ok((vec![Slice { macho, arch: None }], false));
        }
        File::Fat(fat) => fat,
    };
    let mut chosen = Vec::new();
    let wanted: Option<(i32, i32)> = match arch {
        Some("all") => None,
        Some(a) => {
            Some(arch_from_name(a).ok_or_else(|| format!("unknown architecture name '{a}'"))?)
        }
        None => fat
            .arches()
            .find(|a| arch_name(a.cputype, a.cpusubtype) == Some(host_arch()))
            .map(|a| (a.cputype, a.cpusubtype & !raw::CPU_SUBTYPE_MASK)),
    };
    for a in fat.arches() {
        if let Some((t, s)) = wanted {
            if a.cputype != t || (a.cpusubtype & !raw::CPU_SUBTYPE_MASK) != s {
                continue;
            }
        }
        let macho = fat
            .macho(&a)
            .map_err(|e| format!("{name} (slice {}): {e}", a.index))?;
        chosen.push(Slice {
            macho,
            arch: Some(slice_arch_name(a.cputype, a.cpusubtype)),
        });
    }
    if chosen.is_empty() {
        return Err(format!(
            "{name}: file does not contain architecture {}",
            arch.unwrap_or("?")
        ));
    }
    // One slice picked by the host rule or by -arch is shown without its architecture.
    let several = chosen.len() > 1 || (arch.is_none() && wanted.is_none());
    Ok((chosen, several))
}

/// The display name of a file: as given on the command line.
pub fn display(path: &PathBuf) -> String {
    path.display().to_string()
}
