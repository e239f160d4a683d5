//! The chained-fixups part of `darling dyldinfo`: `--chained-fixups` (the header, starts and
//! imports) and `--dyld-info` (every fixup, resolved), as `llvm-objdump-19 --macho` prints
//! them.

use std::fmt::Write;

use darling_macho::chained_fixups::{
    DYLD_CHAINED_IMPORT, DYLD_CHAINED_IMPORT_ADDEND, DYLD_CHAINED_IMPORT_ADDEND64,
    DYLD_CHAINED_PTR_START_MULTI, DYLD_CHAINED_PTR_START_NONE, pointer_format_name,
};
use darling_macho::{ChainedFixups, FixupTarget, MachO};

use super::dyldinfo::{DumpError, Places};

/// Prints the chained fixups (`--chained-fixups`) and the resolved fixups (`--dyld-info`).
pub fn dump(
    out: &mut String,
    m: &MachO<'_>,
    places: &Places<'_>,
    header: bool,
    fixups: bool,
) -> Result<(), DumpError> {
    let chained = m.chained_fixups()?;
    // llvm-objdump reads the imports table before it prints anything of the chained fixups
    // (the resolved table's header aside), and refuses one of no known format, even empty.
    let bad_format = chained
        .as_ref()
        .map(|c| c.header().imports_format)
        .filter(|f| {
            !matches!(
                *f,
                DYLD_CHAINED_IMPORT | DYLD_CHAINED_IMPORT_ADDEND | DYLD_CHAINED_IMPORT_ADDEND64
            )
        })
        .map(|f| {
            DumpError::Llvm(
                "bad chained fixups: unknown imports format: ",
                f.to_string(),
            )
        });
    if header && let Some(e) = bad_format {
        return Err(e);
    }
    if header && let Some(c) = &chained {
        print_header(out, c, places)?;
    }
    if fixups {
        if let Some(e) = bad_format {
            print_fixups(out, m, None, places)?;
            return Err(e);
        }
        print_fixups(out, m, chained.as_ref(), places)?;
    }
    Ok(())
}

fn import_format_name(format: u32) -> &'static str {
    match format {
        DYLD_CHAINED_IMPORT => "DYLD_CHAINED_IMPORT",
        DYLD_CHAINED_IMPORT_ADDEND => "DYLD_CHAINED_IMPORT_ADDEND",
        DYLD_CHAINED_IMPORT_ADDEND64 => "DYLD_CHAINED_IMPORT_ADDEND64",
        _ => "unknown",
    }
}

fn print_header(
    out: &mut String,
    c: &ChainedFixups<'_>,
    places: &Places<'_>,
) -> darling_macho::Result<()> {
    let h = c.header();
    out.push_str("chained fixups header (LC_DYLD_CHAINED_FIXUPS)\n");
    let _ = writeln!(out, "  fixups_version = {}", h.fixups_version);
    let _ = writeln!(out, "  starts_offset  = {}", h.starts_offset);
    let _ = writeln!(out, "  imports_offset = {}", h.imports_offset);
    let _ = writeln!(out, "  symbols_offset = {}", h.symbols_offset);
    let _ = writeln!(out, "  imports_count  = {}", h.imports_count);
    let _ = writeln!(
        out,
        "  imports_format = {} ({})",
        h.imports_format,
        import_format_name(h.imports_format)
    );
    let _ = writeln!(out, "  symbols_format = {}", h.symbols_format);
    let count = c.segment_count()?;
    out.push_str("chained starts in image\n");
    let _ = writeln!(out, "  seg_count = {count}");
    let segment_name = |i: u32| {
        places
            .segments
            .get(i as usize)
            .map_or("", |s| s.name.as_str())
    };
    for i in 0..count {
        let _ = writeln!(
            out,
            "    seg_offset[{i}] = {} ({})",
            c.segment_info_offset(i)?,
            segment_name(i)
        );
    }
    for i in 0..count {
        let Some(s) = c.segment_starts(i)? else {
            continue;
        };
        let _ = writeln!(out, "chained starts in segment {i} ({})", segment_name(i));
        let _ = writeln!(out, "  size = {}", s.size);
        let _ = writeln!(out, "  page_size = 0x{:x}", s.page_size);
        let format = pointer_format_name(s.pointer_format).unwrap_or("unknown");
        let _ = writeln!(out, "  pointer_format = {} ({format})", s.pointer_format);
        let _ = writeln!(out, "  segment_offset = 0x{:x}", s.segment_offset);
        let _ = writeln!(out, "  max_valid_pointer = {}", s.max_valid_pointer);
        let _ = writeln!(out, "  page_count = {}", s.page_count);
        for p in 0..usize::from(s.page_count) {
            let start = s.page_start(p).unwrap_or(0);
            let note = if start == DYLD_CHAINED_PTR_START_NONE {
                " (DYLD_CHAINED_PTR_START_NONE)"
            } else if start & DYLD_CHAINED_PTR_START_MULTI != 0 {
                " (DYLD_CHAINED_PTR_START_MULTI)"
            } else {
                ""
            };
            let _ = writeln!(out, "    page_start[{p}] = {start}{note}");
        }
    }
    let label = match h.imports_format {
        DYLD_CHAINED_IMPORT_ADDEND => "dyld chained import addend",
        DYLD_CHAINED_IMPORT_ADDEND64 => "dyld chained import addend64",
        _ => "dyld chained import",
    };
    for i in 0..h.imports_count {
        let imp = c.import(i)?;
        let _ = writeln!(out, "{label}[{i}]");
        let _ = writeln!(
            out,
            "  lib_ordinal = {} ({})",
            imp.lib_ordinal,
            places.ordinal_name(imp.lib_ordinal.into())
        );
        let _ = writeln!(out, "  weak_import = {}", u8::from(imp.weak_import));
        let name = imp.name.map_or_else(
            || "?".to_owned(),
            |n| String::from_utf8_lossy(n).into_owned(),
        );
        let _ = writeln!(out, "  name_offset = {} ({name})", imp.name_offset);
        if h.imports_format != DYLD_CHAINED_IMPORT {
            let _ = writeln!(out, "  addend      = {}", imp.addend);
        }
    }
    Ok(())
}

/// LLVM's width of a hex number in its table: one digit per started nibble of the highest set
/// bit's position, which is one digit short for numbers whose bit length is a multiple of 4
/// plus one. Kept so that columns line up as LLVM's do.
fn hex_width(n: u64) -> usize {
    if n == 0 {
        1
    } else {
        (63 - n.leading_zeros()).div_ceil(4) as usize
    }
}

fn print_fixups(
    out: &mut String,
    m: &MachO<'_>,
    chained: Option<&ChainedFixups<'_>>,
    places: &Places<'_>,
) -> darling_macho::Result<()> {
    struct Row {
        segment: String,
        section: String,
        address: u64,
        raw: u64,
        bind: Option<(i64, String, String, bool)>,
        target: u64,
    }
    let mut rows = Vec::new();
    if let Some(c) = chained {
        let imports_count = c.header().imports_count;
        for f in c.fixups() {
            let f = f?;
            let address = places.base_address.wrapping_add(f.image_offset);
            let (segment, section) = places.names(f.segment_index as u8, address);
            let (bind, target) = match f.target() {
                FixupTarget::Bind { ordinal, addend } if ordinal < imports_count => {
                    let imp = c.import(ordinal)?;
                    let name = imp.name.map_or_else(
                        || "?".to_owned(),
                        |n| String::from_utf8_lossy(n).into_owned(),
                    );
                    let dylib = places.ordinal_name(imp.lib_ordinal.into());
                    (
                        Some((
                            addend.wrapping_add(imp.addend),
                            dylib,
                            name,
                            imp.weak_import,
                        )),
                        0,
                    )
                }
                FixupTarget::Bind { .. } => (Some((0, "?".into(), "?".into(), false)), 0),
                FixupTarget::NonPointer { value } => (None, value),
                FixupTarget::Rebase { .. } => {
                    (None, f.target_address(places.base_address).unwrap_or(0))
                }
            };
            rows.push(Row {
                segment: segment.to_owned(),
                section: section.to_owned(),
                address,
                raw: f.raw,
                bind,
                target,
            });
        }
    }
    let (mut sw, mut cw, mut aw, mut dw) = (
        "segment".len(),
        "section".len(),
        "address".len(),
        "dylib".len(),
    );
    let mut addw = "addend".len();
    for r in &rows {
        sw = sw.max(r.segment.len());
        cw = cw.max(r.section.len());
        aw = aw.max(hex_width(r.address) + 2);
        if let Some((addend, _, symbol, _)) = &r.bind {
            addw = addw.max(hex_width(*addend as u64) + 2);
            // LLVM widens the dylib column by the symbol names (its column then lines up
            // with nothing in particular); we keep its widths.
            dw = dw.max(symbol.len());
        }
    }
    let pw = if m.is_64() { 18 } else { 10 };
    out.push_str("dyld information:\n");
    let _ = writeln!(
        out,
        "{:sw$} {:cw$} {:aw$} {:pw$} type   {:addw$} {:dw$} symbol/vm address",
        "segment", "section", "address", "pointer", "addend", "dylib"
    );
    for r in &rows {
        let _ = write!(
            out,
            "{:sw$} {:cw$} 0x{:<aw2$X} 0x{:0pw2$X} ",
            r.segment,
            r.section,
            r.address,
            r.raw,
            aw2 = aw - 2,
            pw2 = pw - 2
        );
        match &r.bind {
            Some((addend, dylib, symbol, weak)) => {
                let weak = if *weak { " (weak import)" } else { "" };
                let _ = writeln!(
                    out,
                    "bind   0x{:<a2$X} {dylib:dw$} {symbol}{weak}",
                    addend,
                    a2 = addw - 2
                );
            }
            None => {
                let _ = writeln!(out, "rebase{:w$}0x{:X}", "", r.target, w = addw + dw + 2);
            }
        }
    }
    Ok(())
}
