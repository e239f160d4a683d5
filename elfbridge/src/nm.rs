//! Listing dynamic symbols as `llvm-nm -D` does: the type letter, the address column, the
//! order.
//!
//! The rules are LLVM 19's (`llvm-nm`'s `getSymbolNMTypeChar` for ELF and its sort), so that a
//! listing can be compared with the tool's line for line.

use std::cmp::Ordering;
use std::io;

use crate::shared_object::SharedObject;
use crate::symbol::{Binding, DynamicSymbol, Placement, SymbolKind};

const SHT_NOBITS: u32 = 8;
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;

/// The letter `nm` shows for a symbol: `T` text, `D` data, `B` bss, `R` read-only, `W`/`V`
/// weak, `i` indirect function, `u` unique, `A` absolute, `C` common, `U` undefined, `?` unknown;
/// lower case for local symbols.
pub fn type_letter(object: &SharedObject<'_>, symbol: &DynamicSymbol<'_>) -> char {
    let weak = symbol.binding == Binding::Weak;
    let is_object = symbol.kind == SymbolKind::Object;
    let section = match symbol.placement {
        Placement::Undefined => {
            return match (weak, is_object) {
                (true, true) => 'v',
                (true, false) => 'w',
                (false, _) => 'U',
            };
        }
        Placement::Section(index) if symbol.kind != SymbolKind::Common => {
            match object.section(index) {
                Some(section) if section.name.is_some() => Some(section),
                _ => return '?',
            }
        }
        Placement::Reserved(_) if symbol.kind != SymbolKind::Common => return '?',
        _ => None,
    };
    if symbol.kind == SymbolKind::Ifunc {
        return 'i';
    }
    if weak {
        return if is_object { 'V' } else { 'W' };
    }
    if is_common(symbol) {
        return 'C';
    }
    let letter = if symbol.placement == Placement::Absolute {
        'a'
    } else if symbol.binding == Binding::Unique {
        return 'u';
    } else if !matches!(symbol.binding, Binding::Global | Binding::Local) {
        '?'
    } else if let Some(section) = section {
        if section.flags & SHF_EXECINSTR != 0 {
            't'
        } else if section.sh_type == SHT_NOBITS {
            'b'
        } else if section.flags & SHF_ALLOC != 0 {
            if section.flags & SHF_WRITE != 0 {
                'd'
            } else {
                'r'
            }
        } else if section.name.is_some_and(|n| n.starts_with(b".debug")) {
            'N'
        } else if section.flags & SHF_WRITE == 0 {
            'n'
        } else {
            '?'
        }
    } else {
        '?'
    };
    if symbol.binding == Binding::Local {
        letter
    } else {
        letter.to_ascii_uppercase()
    }
}

/// Whether `nm` treats the symbol as common: typed `STT_COMMON` or placed in `SHN_COMMON`.
fn is_common(symbol: &DynamicSymbol<'_>) -> bool {
    symbol.kind == SymbolKind::Common || symbol.placement == Placement::Common
}

/// The value `nm` prints in the address column: `st_value`, or the size for a common symbol.
pub fn address(symbol: &DynamicSymbol<'_>) -> u64 {
    if is_common(symbol) {
        symbol.size
    } else {
        symbol.value
    }
}

/// `llvm-nm`'s order: by versioned name (bytes), then size, then address.
fn compare(a: &(Vec<u8>, &DynamicSymbol<'_>), b: &(Vec<u8>, &DynamicSymbol<'_>)) -> Ordering {
    a.0.cmp(&b.0)
        .then(a.1.size.cmp(&b.1.size))
        .then(address(a.1).cmp(&address(b.1)))
}

/// Which symbols a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every dynamic symbol but the null entry (`nm -D`).
    #[default]
    All,
    /// Defined symbols only (`nm -D --defined-only`).
    DefinedOnly,
}

/// Writes the dynamic symbols as `llvm-nm -D` lists them, sorted, one line each:
/// address (16 hex digits for ELF64, 8 for ELF32; blank when undefined), the type letter, the
/// name with its version (`name@@VER` / `name@VER`).
///
/// Names are written as the file's bytes. `STT_SECTION` and `STT_FILE` entries are left out,
/// as `llvm-nm` leaves them out.
///
/// # Errors
/// Those of writing to `out`.
pub fn write_listing(
    out: &mut impl io::Write,
    object: &SharedObject<'_>,
    filter: Filter,
) -> io::Result<()> {
    let mut rows: Vec<(Vec<u8>, &DynamicSymbol<'_>)> = object
        .symbols()
        .iter()
        .filter(|s| !matches!(s.kind, SymbolKind::Section | SymbolKind::File))
        .filter(|s| filter == Filter::All || s.is_defined())
        .map(|s| {
            let mut key = s.name.to_vec();
            if let Some(v) = s.version {
                key.extend_from_slice(v.separator().as_bytes());
                key.extend_from_slice(v.name);
            }
            (key, s)
        })
        .collect();
    rows.sort_by(compare);
    let width = if object.target().is_64 { 16 } else { 8 };
    for (key, symbol) in rows {
        if symbol.is_defined() {
            write!(out, "{:0width$x} ", address(symbol))?;
        } else {
            write!(out, "{:width$} ", "")?;
        }
        let mut letter = [0; 4];
        out.write_all(
            type_letter(object, symbol)
                .encode_utf8(&mut letter)
                .as_bytes(),
        )?;
        out.write_all(b" ")?;
        out.write_all(&key)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
