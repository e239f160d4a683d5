//! The checks LLVM 19 makes on a Mach-O or universal file before its tools print anything
//! (`MachOObjectFile`'s and `MachOUniversalBinary`'s construction), in LLVM's order and with
//! LLVM's words, so that `darling otool`, `nm` and `dyldinfo` refuse exactly the files
//! `llvm-otool-19`, `llvm-nm-19` and `llvm-objdump-19 --macho` refuse, with the same message.
//!
//! This module reads raw bytes only; it never trusts a field before it has checked it, and
//! never panics. It owns the "is this file acceptable" decision and nothing about printing.
//! Every rule here was measured against the LLVM 19.1.7 binaries on crafted files (see
//! `darling/tests/malformed.rs` and its table); where LLVM's text has a slip (a missing space,
//! "than than"), the slip is kept, because scripts match on these messages.

use darling_macho::raw::*;
use darling_macho::{Endianness, U16, U32, U64};

/// What kind of file LLVM's tools see, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A thin Mach-O image (magic, a whole header and a known file type).
    MachO,
    /// A universal (fat) file.
    Fat,
    /// A `!<arch>` archive.
    Archive,
    /// An object file of another format (ELF) that LLVM reads but is not Mach-O.
    OtherObject,
    /// Anything else: empty, too short, unknown magic, Java class file.
    NotObject,
}

/// Classifies `data` the way LLVM's `identify_magic` and `createBinary` do for the formats
/// that matter here.
pub fn identify(data: &[u8]) -> Kind {
    let be32 = |at: usize| read_u32(data, at, false);
    match data.get(..4) {
        Some([0xfe, 0xed, 0xfa, 0xce] | [0xce, 0xfa, 0xed, 0xfe]) => macho_kind(data, 28),
        Some([0xfe, 0xed, 0xfa, 0xcf] | [0xcf, 0xfa, 0xed, 0xfe]) => macho_kind(data, 32),
        // 0xcafebabe is also a Java class file; LLVM takes it as universal only when the
        // next word (nfat_arch, or a class file's version) is below 43.
        Some([0xca, 0xfe, 0xba, 0xbe | 0xbf]) => match be32(4) {
            Some(n) if n < 43 => Kind::Fat,
            _ => Kind::NotObject,
        },
        Some([0x7f, b'E', b'L', b'F']) if elf_is_whole(data) => Kind::OtherObject,
        _ if data.starts_with(b"!<arch>\n") => Kind::Archive,
        _ => Kind::NotObject,
    }
}

fn macho_kind(data: &[u8], header_size: usize) -> Kind {
    if data.len() < header_size {
        return Kind::NotObject;
    }
    let little = data[0] != 0xfe;
    match read_u32(data, 12, little) {
        // MH_OBJECT .. MH_FILESET
        Some(1..=12) => Kind::MachO,
        _ => Kind::NotObject,
    }
}

/// Whether an ELF file's header and section header table are in the file (LLVM's ELF reader
/// refuses it otherwise, and the tools then call it "not an object file").
fn elf_is_whole(data: &[u8]) -> bool {
    let little = data.get(5) == Some(&1);
    match data.get(4) {
        Some(1) => {
            let (Some(shoff), Some(entsize), Some(num)) = (
                read_u32(data, 32, little),
                read_u16(data, 46, little),
                read_u16(data, 48, little),
            ) else {
                return false;
            };
            data.len() >= 52
                && u64::from(shoff) + u64::from(entsize) * u64::from(num) <= data.len() as u64
        }
        Some(2) => {
            let (Some(shoff), Some(entsize), Some(num)) = (
                read_u64(data, 40, little),
                read_u16(data, 58, little),
                read_u16(data, 60, little),
            ) else {
                return false;
            };
            data.len() >= 64
                && shoff
                    .checked_add(u64::from(entsize) * u64::from(num))
                    .is_some_and(|end| end <= data.len() as u64)
        }
        _ => false,
    }
}

/// The `N` bytes at `at`, or `None` past the end.
fn field<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The file's byte order, as darling-macho names it.
fn order(little: bool) -> Endianness {
    if little {
        Endianness::Little
    } else {
        Endianness::Big
    }
}

fn read_u16(data: &[u8], at: usize, little: bool) -> Option<u16> {
    Some(U16(field(data, at)?).get(order(little)))
}

fn read_u32(data: &[u8], at: usize, little: bool) -> Option<u32> {
    Some(U32(field(data, at)?).get(order(little)))
}

fn read_u64(data: &[u8], at: usize, little: bool) -> Option<u64> {
    Some(U64(field(data, at)?).get(order(little)))
}

/// Checks a universal file's header and slice table as LLVM does. The error is the whole
/// message, `truncated or malformed fat file (...)`.
pub fn check_fat(data: &[u8]) -> Result<(), String> {
    let bad = |m: String| Err(format!("truncated or malformed fat file ({m})"));
    let (Some(magic), Some(count)) = (read_u32(data, 0, false), read_u32(data, 4, false)) else {
        return Err("File too small to be a Mach-O universal file".into());
    };
    if count == 0 {
        return bad("contains zero architecture types".into());
    }
    let is64 = magic == 0xcafe_babf;
    let entry = if is64 { 32u64 } else { 20 };
    let min = 8 + entry * u64::from(count);
    if (data.len() as u64) < min {
        let suffix = if is64 { "_64" } else { "" };
        return bad(format!(
            "fat_arch{suffix} structs would extend past the end of the file"
        ));
    }
    // The slice table is in the file now: every read below succeeds.
    let arch = |i: u32| -> (i32, i32, u64, u64, u32) {
        let at = 8 + (entry * u64::from(i)) as usize;
        let w = |o: usize| read_u32(data, at + o, false).unwrap_or(0);
        let d = |o: usize| read_u64(data, at + o, false).unwrap_or(0);
        if is64 {
            (w(0) as i32, w(4) as i32, d(8), d(16), w(24))
        } else {
            (
                w(0) as i32,
                w(4) as i32,
                u64::from(w(8)),
                u64::from(w(12)),
                w(16),
            )
        }
    };
    let sub = |s: i32| s & 0x00ff_ffff;
    for i in 0..count {
        let (cpu, subtype, offset, size, align) = arch(i);
        let subtype = sub(subtype);
        if offset.wrapping_add(size) > data.len() as u64 {
            return bad(format!(
                "offset plus size of cputype ({cpu}) cpusubtype ({subtype}) extends past the end of the file"
            ));
        }
        if align > 15 {
            return bad(format!(
                "align (2^{align}) too large for cputype ({cpu}) cpusubtype ({subtype}) (maximum 2^15)"
            ));
        }
        if offset % (1u64 << align) != 0 {
            return bad(format!(
                "offset: {offset} for cputype ({cpu}) cpusubtype ({subtype}) not aligned on it's alignment (2^{align})"
            ));
        }
        if offset < min {
            return bad(format!(
                "cputype ({cpu}) cpusubtype ({subtype}) offset {offset} overlaps universal headers"
            ));
        }
    }
    for i in 0..count {
        let (acpu, asub, aoff, asize, _) = arch(i);
        for j in i + 1..count {
            let (bcpu, bsub, boff, bsize, _) = arch(j);
            if acpu == bcpu && sub(asub) == sub(bsub) {
                return bad(format!(
                    "contains two of the same architecture (cputype ({acpu}) cpusubtype ({}))",
                    sub(asub)
                ));
            }
            let (aend, bend) = (aoff.wrapping_add(asize), boff.wrapping_add(bsize));
            if (aoff >= boff && aoff < bend)
                || (aend > boff && aend < bend)
                || (aoff <= boff && aend >= bend)
            {
                return bad(format!(
                    "cputype ({acpu}) cpusubtype ({}) at offset {aoff} with a size of {asize}, overlaps cputype ({bcpu}) cpusubtype ({}) at offset {boff} with a size of {bsize}",
                    sub(asub),
                    sub(bsub)
                ));
            }
        }
    }
    Ok(())
}

/// A byte range of the file that belongs to one thing; LLVM refuses two that overlap.
struct Element {
    offset: u64,
    size: u64,
    name: &'static str,
}

/// The file's elements, kept in LLVM's order: a new element goes before the first one it
/// ends at or before, once it has been compared with every element up to there.
struct Elements(Vec<Element>);

impl Elements {
    fn add(&mut self, offset: u64, size: u64, name: &'static str) -> Result<(), String> {
        if size == 0 {
            return Ok(());
        }
        let end = offset.wrapping_add(size);
        for i in 0..self.0.len() {
            let e = &self.0[i];
            let e_end = e.offset.wrapping_add(e.size);
            if (offset >= e.offset && offset < e_end)
                || (end > e.offset && end < e_end)
                || (offset <= e.offset && end >= e_end)
            {
                return Err(malformed(format!(
                    "{name} at offset {offset} with a size of {size}, overlaps {} at offset {} with a size of {}",
                    e.name, e.offset, e.size
                )));
            }
            if let Some(next) = self.0.get(i + 1)
                && end <= next.offset
            {
                self.0.insert(i + 1, Element { offset, size, name });
                return Ok(());
            }
        }
        self.0.push(Element { offset, size, name });
        Ok(())
    }
}

fn malformed(message: String) -> String {
    format!("truncated or malformed object ({message})")
}

// Load command numbers, as XNU's <mach-o/loader.h> names them.
/// One load command being checked: where it starts, its fields, and the file it is in.
struct Cmd<'a> {
    data: &'a [u8],
    at: usize,
    cmd: u32,
    size: u32,
    index: u32,
    little: bool,
}

impl Cmd<'_> {
    /// The 32-bit field at `off` in the command, or LLVM's error when a struct of
    /// `struct_size` bytes there would run past the end of the file.
    fn u32(&self, off: usize) -> u32 {
        read_u32(self.data, self.at + off, self.little).unwrap_or(0)
    }
    fn u64(&self, off: usize) -> u64 {
        read_u64(self.data, self.at + off, self.little).unwrap_or(0)
    }
    /// LLVM reads a command's struct whole; it fails when the struct runs past the file.
    fn fits(&self, struct_size: usize) -> Result<(), String> {
        if self.at + struct_size > self.data.len() {
            return Err(malformed("Structure read out-of-range".into()));
        }
        Ok(())
    }
    fn err(&self, what: impl std::fmt::Display) -> String {
        malformed(format!("load command {} {what}", self.index))
    }
    /// The NUL-terminated string at `offset` in the command must end inside it.
    fn string_ends(&self, offset: u32) -> bool {
        let (start, end) = (self.at + offset as usize, self.at + self.size as usize);
        self.data.get(start..end).is_some_and(|s| s.contains(&0))
    }
}

/// The file size every "extends past the end of the file" check compares with.
fn past_end(value: u64, file_size: u64) -> bool {
    value > file_size
}

/// Checks one Mach-O image as LLVM 19's `MachOObjectFile` does on construction. `universal`
/// is the `(cputype, index)` of the fat slice the image is, if it is one. The error is the
/// whole message, `truncated or malformed object (...)`.
pub fn check_macho(data: &[u8], universal: Option<(i32, u32)>) -> Result<(), String> {
    let little = matches!(data.first(), Some(0xce | 0xcf));
    let is64 = matches!(
        data.get(..4),
        Some([0xfe, 0xed, 0xfa, 0xcf] | [0xcf, 0xfa, 0xed, 0xfe])
    );
    let header_size: u64 = if is64 { 32 } else { 28 };
    if (data.len() as u64) < header_size {
        return Err(malformed(
            "the mach header extends past the end of the file".into(),
        ));
    }
    let h = |off: usize| read_u32(data, off, little).unwrap_or(0);
    let (cputype, filetype, ncmds, sizeofcmds) = (h(4), h(12), h(16), h(20));
    let file_size = data.len() as u64;
    let size_of_headers = header_size + u64::from(sizeofcmds);
    if size_of_headers > file_size {
        return Err(malformed(
            "load commands extend past the end of the file".into(),
        ));
    }
    if let Some((cpu, index)) = universal
        && cpu != 0
        && cputype != cpu as u32
    {
        return Err(malformed(format!(
            "universal header architecture: {index}'s cputype does not match object file's mach header"
        )));
    }
    let mut elements = Elements(vec![Element {
        offset: 0,
        size: size_of_headers,
        name: "Mach-O headers",
    }]);
    let commands_end = size_of_headers;
    let load = |at: u64, index: u32| -> Result<Cmd<'_>, String> {
        let (Some(cmd), Some(size)) = (
            read_u32(data, at as usize, little),
            read_u32(data, at as usize + 4, little),
        ) else {
            return Err(malformed("Structure read out-of-range".into()));
        };
        if at + u64::from(size) > file_size {
            return Err(malformed(format!(
                "load command {index} extends past end of file"
            )));
        }
        if size < 8 {
            return Err(malformed(format!(
                "load command {index} with size less than 8 bytes"
            )));
        }
        Ok(Cmd {
            data,
            at: at as usize,
            cmd,
            size,
            index,
            little,
        })
    };
    let mut state = State::default();
    if ncmds != 0 {
        if sizeofcmds < 8 {
            return Err(malformed(
                "load command 0 extends past the end all load commands in the file".into(),
            ));
        }
        let mut c = load(header_size, 0)?;
        for i in 0..ncmds {
            let aligned = if is64 {
                // Core files from the macOS kernel have LC_THREADs that are 4-aligned only.
                c.size % 8 == 0 || (filetype == MH_CORE && c.cmd == LC_THREAD && c.size % 4 == 0)
            } else {
                c.size % 4 == 0
            };
            if !aligned {
                let n = if is64 { 8 } else { 4 };
                return Err(malformed(format!(
                    "load command {i} cmdsize not a multiple of {n}"
                )));
            }
            // LLVM 19 "continues" past an LC_IDENT without stepping to the next command,
            // so nothing after it is ever checked.
            if c.cmd == LC_IDENT {
                break;
            }
            check_command(
                &c,
                &mut state,
                &mut elements,
                Header {
                    is64,
                    cputype,
                    filetype,
                    size_of_headers,
                    file_size,
                },
            )?;
            if i + 1 < ncmds {
                let next = c.at as u64 + u64::from(c.size);
                if next + 8 > commands_end {
                    return Err(malformed(format!(
                        "load command {} extends past the end all load commands in the file",
                        i + 1
                    )));
                }
                c = load(next, i + 1)?;
            }
        }
    }
    match (state.symtab, state.dysymtab) {
        (None, Some(_)) => {
            return Err(malformed(
                "contains LC_DYSYMTAB load command without a LC_SYMTAB load command".into(),
            ));
        }
        (Some(nsyms), Some(d)) => {
            let nsyms = u64::from(nsyms);
            let ranges = [
                (d[0], d[1], "ilocalsym", "nlocalsym", " "),
                (d[2], d[3], "iextdefsym", "nextdefsym", " "),
                (d[4], d[5], "iundefsym", "nundefsym", "  "),
            ];
            for (first, n, fname, nname, space) in ranges {
                if n != 0 && u64::from(first) > nsyms {
                    return Err(malformed(format!(
                        "{fname} in LC_DYSYMTAB load command extends past the end of the symbol table"
                    )));
                }
                if n != 0 && u64::from(first) + u64::from(n) > nsyms {
                    return Err(malformed(format!(
                        "{fname} plus {nname} in LC_DYSYMTAB load{space}command extends past the end of the symbol table"
                    )));
                }
            }
        }
        _ => {}
    }
    if (filetype == MH_DYLIB || filetype == MH_DYLIB_STUB) && !state.id_dylib {
        return Err(malformed(
            "no LC_ID_DYLIB load command in dynamic library filetype".into(),
        ));
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Header {
    is64: bool,
    cputype: u32,
    filetype: u32,
    size_of_headers: u64,
    file_size: u64,
}

/// The commands LLVM allows only once, and what later checks need from them.
#[derive(Default)]
struct State {
    /// nsyms of the LC_SYMTAB.
    symtab: Option<u32>,
    /// ilocalsym, nlocalsym, iextdefsym, nextdefsym, iundefsym, nundefsym of the LC_DYSYMTAB.
    dysymtab: Option<[u32; 6]>,
    id_dylib: bool,
    /// The linkedit_data commands seen, by cmd.
    linkedit: Vec<u32>,
    dyld_info: bool,
    uuid: bool,
    version_min: bool,
    source_version: bool,
    main: bool,
    encryption: bool,
    routines: bool,
    unixthread: bool,
    twolevel_hints: bool,
}

fn once(seen: &mut bool, message: &str) -> Result<(), String> {
    if std::mem::replace(seen, true) {
        return Err(malformed(message.into()));
    }
    Ok(())
}

fn check_command(
    c: &Cmd<'_>,
    st: &mut State,
    elements: &mut Elements,
    h: Header,
) -> Result<(), String> {
    let fsize = h.file_size;
    let i = c.index;
    match c.cmd {
        LC_SYMTAB => {
            if c.size < 24 {
                return Err(c.err("LC_SYMTAB cmdsize too small"));
            }
            if st.symtab.is_some() {
                return Err(malformed("more than one LC_SYMTAB command".into()));
            }
            c.fits(24)?;
            if c.size != 24 {
                return Err(malformed(format!(
                    "LC_SYMTAB command {i} has incorrect cmdsize"
                )));
            }
            let (symoff, nsyms, stroff, strsize) = (c.u32(8), c.u32(12), c.u32(16), c.u32(20));
            if past_end(symoff.into(), fsize) {
                return Err(malformed(format!(
                    "symoff field of LC_SYMTAB command {i} extends past the end of the file"
                )));
            }
            let (entry, nlist) = if h.is64 {
                (16u64, "struct nlist_64")
            } else {
                (12, "struct nlist")
            };
            let table = u64::from(nsyms) * entry;
            if past_end(table + u64::from(symoff), fsize) {
                return Err(malformed(format!(
                    "symoff field plus nsyms field times sizeof({nlist}) of LC_SYMTAB command {i} extends past the end of the file"
                )));
            }
            elements.add(symoff.into(), table, "symbol table")?;
            if past_end(stroff.into(), fsize) {
                return Err(malformed(format!(
                    "stroff field of LC_SYMTAB command {i} extends past the end of the file"
                )));
            }
            if past_end(u64::from(stroff) + u64::from(strsize), fsize) {
                return Err(malformed(format!(
                    "stroff field plus strsize field of LC_SYMTAB command {i} extends past the end of the file"
                )));
            }
            elements.add(stroff.into(), strsize.into(), "string table")?;
            st.symtab = Some(nsyms);
        }
        LC_DYSYMTAB => check_dysymtab(c, st, elements, h)?,
        LC_DATA_IN_CODE => linkedit(c, st, elements, "LC_DATA_IN_CODE", "data in code info")?,
        LC_LINKER_OPTIMIZATION_HINT => linkedit(
            c,
            st,
            elements,
            "LC_LINKER_OPTIMIZATION_HINT",
            "linker optimization hints",
        )?,
        LC_FUNCTION_STARTS => linkedit(
            c,
            st,
            elements,
            "LC_FUNCTION_STARTS",
            "function starts data",
        )?,
        LC_SEGMENT_SPLIT_INFO => {
            linkedit(c, st, elements, "LC_SEGMENT_SPLIT_INFO", "split info data")?
        }
        LC_DYLIB_CODE_SIGN_DRS => linkedit(
            c,
            st,
            elements,
            "LC_DYLIB_CODE_SIGN_DRS",
            "code signing RDs data",
        )?,
        LC_CODE_SIGNATURE => linkedit(c, st, elements, "LC_CODE_SIGNATURE", "code signature data")?,
        LC_DYLD_INFO => dyld_info(c, st, elements, "LC_DYLD_INFO", fsize)?,
        LC_DYLD_INFO_ONLY => dyld_info(c, st, elements, "LC_DYLD_INFO_ONLY", fsize)?,
        LC_DYLD_CHAINED_FIXUPS => {
            linkedit(c, st, elements, "LC_DYLD_CHAINED_FIXUPS", "chained fixups")?
        }
        LC_DYLD_EXPORTS_TRIE => linkedit(c, st, elements, "LC_DYLD_EXPORTS_TRIE", "exports trie")?,
        LC_UUID => {
            if c.size != 24 {
                return Err(malformed(format!(
                    "LC_UUID command {i} has incorrect cmdsize"
                )));
            }
            once(&mut st.uuid, "more than one LC_UUID command")?;
        }
        LC_SEGMENT_64 => segment(c, elements, h, "LC_SEGMENT_64")?,
        LC_SEGMENT => segment(c, elements, h, "LC_SEGMENT")?,
        LC_ID_DYLIB => {
            name_command(c, 24, "LC_ID_DYLIB", "dylib_command", "library name")?;
            once(&mut st.id_dylib, "more than one LC_ID_DYLIB command")?;
            if h.filetype != MH_DYLIB && h.filetype != MH_DYLIB_STUB {
                return Err(malformed(
                    "LC_ID_DYLIB load command in non-dynamic library file type".into(),
                ));
            }
        }
        LC_LOAD_DYLIB => name_command(c, 24, "LC_LOAD_DYLIB", "dylib_command", "library name")?,
        LC_LOAD_WEAK_DYLIB => {
            name_command(c, 24, "LC_LOAD_WEAK_DYLIB", "dylib_command", "library name")?
        }
        LC_LAZY_LOAD_DYLIB => {
            name_command(c, 24, "LC_LAZY_LOAD_DYLIB", "dylib_command", "library name")?
        }
        LC_REEXPORT_DYLIB => {
            name_command(c, 24, "LC_REEXPORT_DYLIB", "dylib_command", "library name")?
        }
        LC_LOAD_UPWARD_DYLIB => name_command(
            c,
            24,
            "LC_LOAD_UPWARD_DYLIB",
            "dylib_command",
            "library name",
        )?,
        LC_ID_DYLINKER => name_command(c, 12, "LC_ID_DYLINKER", "dylinker_command", "dyld name")?,
        LC_LOAD_DYLINKER => {
            name_command(c, 12, "LC_LOAD_DYLINKER", "dylinker_command", "dyld name")?
        }
        LC_DYLD_ENVIRONMENT => name_command(
            c,
            12,
            "LC_DYLD_ENVIRONMENT",
            "dylinker_command",
            "dyld name",
        )?,
        LC_VERSION_MIN_MACOSX => version_min(c, st, "LC_VERSION_MIN_MACOSX")?,
        LC_VERSION_MIN_IPHONEOS => version_min(c, st, "LC_VERSION_MIN_IPHONEOS")?,
        LC_VERSION_MIN_TVOS => version_min(c, st, "LC_VERSION_MIN_TVOS")?,
        LC_VERSION_MIN_WATCHOS => version_min(c, st, "LC_VERSION_MIN_WATCHOS")?,
        LC_NOTE => {
            if c.size != 40 {
                return Err(c.err("LC_NOTE has incorrect cmdsize"));
            }
            c.fits(40)?;
            let (offset, size) = (c.u64(24), c.u64(32));
            if past_end(offset, fsize) {
                return Err(malformed(format!(
                    "offset field of LC_NOTE command {i} extends past the end of the file"
                )));
            }
            if past_end(offset.wrapping_add(size), fsize) {
                return Err(malformed(format!(
                    "size field plus offset field of LC_NOTE command {i} extends past the end of the file"
                )));
            }
            elements.add(offset, size, "LC_NOTE data")?;
        }
        LC_BUILD_VERSION => {
            c.fits(24)?;
            if u64::from(c.size) != 24 + u64::from(c.u32(20)) * 8 {
                return Err(c.err("LC_BUILD_VERSION_COMMAND has incorrect cmdsize"));
            }
        }
        LC_RPATH => {
            if c.size < 12 {
                return Err(c.err("LC_RPATH cmdsize too small"));
            }
            c.fits(12)?;
            let path = c.u32(8);
            if path < 12 {
                return Err(c.err(
                    "LC_RPATH path.offset field too small, not past the end of the rpath_command struct",
                ));
            }
            if path >= c.size {
                return Err(
                    c.err("LC_RPATH path.offset field extends past the end of the load command")
                );
            }
            if !c.string_ends(path) {
                return Err(c.err("LC_RPATH library name extends past the end of the load command"));
            }
        }
        LC_SOURCE_VERSION => {
            if c.size != 16 {
                return Err(malformed(format!(
                    "LC_SOURCE_VERSION command {i} has incorrect cmdsize"
                )));
            }
            once(
                &mut st.source_version,
                "more than one LC_SOURCE_VERSION command",
            )?;
        }
        LC_MAIN => {
            if c.size != 24 {
                return Err(malformed(format!(
                    "LC_MAIN command {i} has incorrect cmdsize"
                )));
            }
            once(&mut st.main, "more than one LC_MAIN command")?;
        }
        LC_ENCRYPTION_INFO | LC_ENCRYPTION_INFO_64 => {
            let (name, size) = if c.cmd == LC_ENCRYPTION_INFO {
                ("LC_ENCRYPTION_INFO", 20)
            } else {
                ("LC_ENCRYPTION_INFO_64", 24)
            };
            if c.size != size {
                return Err(malformed(format!(
                    "{name} command {i} has incorrect cmdsize"
                )));
            }
            once(
                &mut st.encryption,
                "more than one LC_ENCRYPTION_INFO and or LC_ENCRYPTION_INFO_64 command",
            )?;
            let (off, len) = (c.u32(8), c.u32(12));
            if past_end(off.into(), fsize) {
                return Err(malformed(format!(
                    "cryptoff field of {name} command {i} extends past the end of the file"
                )));
            }
            if past_end(u64::from(off) + u64::from(len), fsize) {
                return Err(malformed(format!(
                    "cryptoff field plus cryptsize field of {name} command {i} extends past the end of the file"
                )));
            }
        }
        LC_LINKER_OPTION => linker_option(c)?,
        LC_SUB_FRAMEWORK => {
            sub_command(c, "LC_SUB_FRAMEWORK", "sub_framework_command", "umbrella")?
        }
        LC_SUB_UMBRELLA => {
            sub_command(c, "LC_SUB_UMBRELLA", "sub_umbrella_command", "sub_umbrella")?
        }
        LC_SUB_LIBRARY => sub_command(c, "LC_SUB_LIBRARY", "sub_library_command", "sub_library")?,
        LC_SUB_CLIENT => sub_command(c, "LC_SUB_CLIENT", "sub_client_command", "client")?,
        LC_ROUTINES | LC_ROUTINES_64 => {
            let (name, size, message) = if c.cmd == LC_ROUTINES {
                (
                    "LC_ROUTINES",
                    40,
                    "more than one LC_ROUTINES and or LC_ROUTINES_64 command",
                )
            } else {
                (
                    "LC_ROUTINES_64",
                    72,
                    "more than one LC_ROUTINES_64 and or LC_ROUTINES command",
                )
            };
            if c.size != size {
                return Err(malformed(format!(
                    "{name} command {i} has incorrect cmdsize"
                )));
            }
            once(&mut st.routines, message)?;
        }
        LC_UNIXTHREAD => {
            thread(c, h, "LC_UNIXTHREAD")?;
            once(&mut st.unixthread, "more than one LC_UNIXTHREAD command")?;
        }
        LC_THREAD => thread(c, h, "LC_THREAD")?,
        LC_TWOLEVEL_HINTS => {
            if c.size != 16 {
                return Err(c.err("LC_TWOLEVEL_HINTS has incorrect cmdsize"));
            }
            once(
                &mut st.twolevel_hints,
                "more than one LC_TWOLEVEL_HINTS command",
            )?;
            c.fits(16)?;
            let (offset, n) = (c.u32(8), c.u32(12));
            if past_end(offset.into(), fsize) {
                return Err(malformed(format!(
                    "offset field of LC_TWOLEVEL_HINTS command {i} extends past the end of the file"
                )));
            }
            let size = u64::from(n) * 4;
            if past_end(size + u64::from(offset), fsize) {
                return Err(malformed(format!(
                    "offset field plus nhints times sizeof(struct twolevel_hint) field of LC_TWOLEVEL_HINTS command {i} extends past the end of the file"
                )));
            }
            elements.add(offset.into(), size, "two level hints")?;
        }
        LC_SYMSEG | LC_LOADFVMLIB | LC_IDFVMLIB | LC_FVMFILE | LC_PREPAGE | LC_PREBOUND_DYLIB
        | LC_PREBIND_CKSUM => {
            return Err(malformed(format!(
                "load command {i} for cmd value of: {} is obsolete and not supported",
                c.cmd
            )));
        }
        // Unknown commands, LC_ATOM_INFO and the rest are not checked by LLVM 19.
        _ => {}
    }
    Ok(())
}

fn check_dysymtab(
    c: &Cmd<'_>,
    st: &mut State,
    elements: &mut Elements,
    h: Header,
) -> Result<(), String> {
    let i = c.index;
    if c.size < 80 {
        return Err(c.err("LC_DYSYMTAB cmdsize too small"));
    }
    if st.dysymtab.is_some() {
        return Err(malformed("more than one LC_DYSYMTAB command".into()));
    }
    c.fits(80)?;
    if c.size != 80 {
        return Err(malformed(format!(
            "LC_DYSYMTAB command {i} has incorrect cmdsize"
        )));
    }
    let modtab = if h.is64 {
        (56, "struct dylib_module_64")
    } else {
        (52, "struct dylib_module")
    };
    // (offset field, count field, offset, entry size, struct name, element name)
    let tables: [(&str, &str, usize, u64, &str, &'static str); 6] = [
        (
            "tocoff",
            "ntoc",
            32,
            8,
            "struct dylib_table_of_contents",
            "table of contents",
        ),
        (
            "modtaboff",
            "nmodtab",
            40,
            modtab.0,
            modtab.1,
            "module table",
        ),
        (
            "extrefsymoff",
            "nextrefsyms",
            48,
            4,
            "struct dylib_reference",
            "reference table",
        ),
        (
            "indirectsymoff",
            "nindirectsyms",
            56,
            4,
            "uint32_t",
            "indirect table",
        ),
        (
            "extreloff",
            "nextrel",
            64,
            8,
            "struct relocation_info",
            "external relocation table",
        ),
        (
            "locreloff",
            "nlocrel",
            72,
            8,
            "struct relocation_info",
            "local relocation table",
        ),
    ];
    for (off_name, n_name, at, entry, struct_name, element) in tables {
        let (offset, n) = (c.u32(at), c.u32(at + 4));
        if past_end(offset.into(), h.file_size) {
            return Err(malformed(format!(
                "{off_name} field of LC_DYSYMTAB command {i} extends past the end of the file"
            )));
        }
        let size = u64::from(n) * entry;
        if past_end(size + u64::from(offset), h.file_size) {
            return Err(malformed(format!(
                "{off_name} field plus {n_name} field times sizeof({struct_name}) of LC_DYSYMTAB command {i} extends past the end of the file"
            )));
        }
        elements.add(offset.into(), size, element)?;
    }
    let f = |o: usize| c.u32(o);
    st.dysymtab = Some([f(8), f(12), f(16), f(20), f(24), f(28)]);
    Ok(())
}

fn linkedit(
    c: &Cmd<'_>,
    st: &mut State,
    elements: &mut Elements,
    name: &str,
    element: &'static str,
) -> Result<(), String> {
    let i = c.index;
    if c.size < 16 {
        return Err(c.err(format!("{name} cmdsize too small")));
    }
    if st.linkedit.contains(&c.cmd) {
        return Err(malformed(format!("more than one {name} command")));
    }
    c.fits(16)?;
    if c.size != 16 {
        return Err(malformed(format!(
            "{name} command {i} has incorrect cmdsize"
        )));
    }
    let (off, size) = (c.u32(8), c.u32(12));
    if past_end(off.into(), c.data.len() as u64) {
        return Err(malformed(format!(
            "dataoff field of {name} command {i} extends past the end of the file"
        )));
    }
    if past_end(u64::from(off) + u64::from(size), c.data.len() as u64) {
        return Err(malformed(format!(
            "dataoff field plus datasize field of {name} command {i} extends past the end of the file"
        )));
    }
    elements.add(off.into(), size.into(), element)?;
    st.linkedit.push(c.cmd);
    Ok(())
}

fn dyld_info(
    c: &Cmd<'_>,
    st: &mut State,
    elements: &mut Elements,
    name: &str,
    fsize: u64,
) -> Result<(), String> {
    let i = c.index;
    if c.size < 48 {
        return Err(c.err(format!("{name} cmdsize too small")));
    }
    if st.dyld_info {
        return Err(malformed(
            "more than one LC_DYLD_INFO and or LC_DYLD_INFO_ONLY command".into(),
        ));
    }
    c.fits(48)?;
    if c.size != 48 {
        return Err(malformed(format!(
            "{name} command {i} has incorrect cmdsize"
        )));
    }
    let parts: [(&str, usize, &'static str); 5] = [
        ("rebase", 8, "dyld rebase info"),
        ("bind", 16, "dyld bind info"),
        ("weak_bind", 24, "dyld weak bind info"),
        ("lazy_bind", 32, "dyld lazy bind info"),
        ("export", 40, "dyld export info"),
    ];
    for (part, at, element) in parts {
        let (off, size) = (c.u32(at), c.u32(at + 4));
        if past_end(off.into(), fsize) {
            return Err(malformed(format!(
                "{part}_off field of {name} command {i} extends past the end of the file"
            )));
        }
        if past_end(u64::from(off) + u64::from(size), fsize) {
            return Err(malformed(format!(
                "{part}_off field plus {part}_size field of {name} command {i} extends past the end of the file"
            )));
        }
        elements.add(off.into(), size.into(), element)?;
    }
    st.dyld_info = true;
    Ok(())
}

/// A command that holds one string at an offset given at byte 8: dylibs, dylinkers.
fn name_command(
    c: &Cmd<'_>,
    struct_size: u32,
    name: &str,
    struct_name: &str,
    what: &str,
) -> Result<(), String> {
    if c.size < struct_size {
        return Err(c.err(format!("{name} cmdsize too small")));
    }
    c.fits(struct_size as usize)?;
    let offset = c.u32(8);
    if offset < struct_size {
        return Err(c.err(format!(
            "{name} name.offset field too small, not past the end of the {struct_name} struct"
        )));
    }
    if offset >= c.size {
        return Err(c.err(format!(
            "{name} name.offset field extends past the end of the load command"
        )));
    }
    if !c.string_ends(offset) {
        return Err(c.err(format!(
            "{name} {what} extends past the end of the load command"
        )));
    }
    Ok(())
}

fn sub_command(c: &Cmd<'_>, name: &str, struct_name: &str, field: &str) -> Result<(), String> {
    if c.size < 12 {
        return Err(c.err(format!("{name} cmdsize too small")));
    }
    let offset = c.u32(8);
    if offset < 12 {
        return Err(c.err(format!(
            "{name} {field}.offset field too small, not past the end of the {struct_name}"
        )));
    }
    if offset >= c.size {
        return Err(c.err(format!(
            "{name} {field}.offset field extends past the end of the load command"
        )));
    }
    if !c.string_ends(offset) {
        return Err(c.err(format!(
            "{name} {field} name extends past the end of the load command"
        )));
    }
    Ok(())
}

fn version_min(c: &Cmd<'_>, st: &mut State, name: &str) -> Result<(), String> {
    if c.size != 16 {
        return Err(c.err(format!("{name} has incorrect cmdsize")));
    }
    once(
        &mut st.version_min,
        "more than one LC_VERSION_MIN_MACOSX, LC_VERSION_MIN_IPHONEOS, LC_VERSION_MIN_TVOS or LC_VERSION_MIN_WATCHOS command",
    )
}

fn linker_option(c: &Cmd<'_>) -> Result<(), String> {
    if c.size < 12 {
        return Err(c.err("LC_LINKER_OPTION cmdsize too small"));
    }
    let count = c.u32(8);
    let mut rest = &c.data[c.at + 12..c.at + c.size as usize];
    let mut found = 0u32;
    loop {
        while let [0, tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            break;
        }
        found += 1;
        let Some(nul) = rest.iter().position(|&b| b == 0) else {
            return Err(c.err(format!(
                "LC_LINKER_OPTION string #{found} is not NULL terminated"
            )));
        };
        rest = &rest[nul + 1..];
    }
    if count != found {
        return Err(c.err(format!(
            "LC_LINKER_OPTION string count {count} does not match number of strings"
        )));
    }
    Ok(())
}

fn segment(c: &Cmd<'_>, elements: &mut Elements, h: Header, name: &str) -> Result<(), String> {
    let i = c.index;
    let (seg_size, sect_size) = if h.is64 { (72u32, 80u32) } else { (56, 68) };
    if c.size < seg_size {
        return Err(c.err(format!("{name} cmdsize too small")));
    }
    c.fits(seg_size as usize)?;
    let wide = |o32: usize, o64: usize| {
        if h.is64 {
            c.u64(o64)
        } else {
            c.u32(o32).into()
        }
    };
    let (vmaddr, vmsize, fileoff, filesize) =
        (wide(24, 24), wide(28, 32), wide(32, 40), wide(36, 48));
    let nsects = if h.is64 { c.u32(64) } else { c.u32(48) };
    if nsects > u32::MAX / sect_size || nsects * sect_size > c.size - seg_size {
        return Err(c.err(format!(
            "inconsistent cmdsize in {name} for the number of sections"
        )));
    }
    let fsize = h.file_size;
    let checked = h.filetype != MH_DYLIB_STUB && h.filetype != MH_DSYM;
    for j in 0..nsects {
        let at = c.at + (seg_size + j * sect_size) as usize;
        let s = |o32: usize, o64: usize| -> u32 {
            read_u32(c.data, at + if h.is64 { o64 } else { o32 }, c.little).unwrap_or(0)
        };
        let (addr, size) = if h.is64 {
            (
                read_u64(c.data, at + 32, c.little).unwrap_or(0),
                read_u64(c.data, at + 40, c.little).unwrap_or(0),
            )
        } else {
            (u64::from(s(32, 0)), u64::from(s(36, 0)))
        };
        let (offset, reloff, nreloc, flags) = (s(40, 48), s(48, 56), s(52, 60), s(56, 64));
        let has_bytes = checked && flags != S_ZEROFILL && flags != S_THREAD_LOCAL_ZEROFILL;
        let sect = |what: &str| {
            malformed(format!(
                "{what} of section {j} in {name} command {i} extends past the end of the file"
            ))
        };
        if has_bytes && past_end(offset.into(), fsize) {
            return Err(sect("offset field"));
        }
        if has_bytes && fileoff == 0 && u64::from(offset) < h.size_of_headers && size != 0 {
            return Err(malformed(format!(
                "offset field of section {j} in {name} command {i} not past the headers of the file"
            )));
        }
        if has_bytes && past_end(u64::from(offset).wrapping_add(size), fsize) {
            return Err(sect("offset field plus size field"));
        }
        if has_bytes && size > filesize {
            return Err(malformed(format!(
                "size field of section {j} in {name} command {i} greater than the segment"
            )));
        }
        if checked && size != 0 && addr < vmaddr {
            return Err(malformed(format!(
                "addr field of section {j} in {name} command {i} less than the segment's vmaddr"
            )));
        }
        if vmsize != 0 && size != 0 && addr.wrapping_add(size) > vmaddr.wrapping_add(vmsize) {
            return Err(malformed(format!(
                "addr field plus size of section {j} in {name} command {i} greater than than the segment's vmaddr plus vmsize"
            )));
        }
        if has_bytes {
            elements.add(offset.into(), size, "section contents")?;
        }
        if past_end(reloff.into(), fsize) {
            return Err(sect("reloff field"));
        }
        let relocs = u64::from(nreloc) * 8;
        if past_end(relocs + u64::from(reloff), fsize) {
            return Err(sect(
                "reloff field plus nreloc field times sizeof(struct relocation_info)",
            ));
        }
        elements.add(reloff.into(), relocs, "section relocation entries")?;
    }
    if past_end(fileoff, fsize) {
        return Err(c.err(format!(
            "fileoff field in {name} extends past the end of the file"
        )));
    }
    if past_end(fileoff.wrapping_add(filesize), fsize) {
        return Err(c.err(format!(
            "fileoff field plus filesize field in {name} extends past the end of the file"
        )));
    }
    if vmsize != 0 && filesize > vmsize {
        return Err(c.err(format!(
            "filesize field in {name} greater than vmsize field"
        )));
    }
    Ok(())
}

/// The thread states LLVM knows, by cputype: (flavor, count in words, name).
fn thread_flavors(cputype: u32) -> Option<&'static [(u32, u32, &'static str)]> {
    /// `PPC_THREAD_STATE` and its count (`ppc_thread_state_t`: 40 words), which LLVM still
    /// checks and darling-macho does not lay out.
    const PPC_THREAD_STATE: (u32, u32, &str) = (1, 40, "PPC_THREAD_STATE");
    const CPU_TYPE_POWERPC: u32 = 18;
    Some(match cputype as i32 {
        CPU_TYPE_I386 => &[(
            X86_THREAD_STATE32,
            X86_THREAD_STATE32_COUNT,
            "x86_THREAD_STATE32",
        )],
        CPU_TYPE_X86_64 => &[
            (X86_THREAD_STATE, X86_THREAD_STATE_COUNT, "x86_THREAD_STATE"),
            (X86_FLOAT_STATE, X86_FLOAT_STATE_COUNT, "x86_FLOAT_STATE"),
            (
                X86_EXCEPTION_STATE,
                X86_EXCEPTION_STATE_COUNT,
                "x86_EXCEPTION_STATE",
            ),
            (
                X86_THREAD_STATE64,
                X86_THREAD_STATE64_COUNT,
                "x86_THREAD_STATE64",
            ),
            (
                X86_EXCEPTION_STATE64,
                X86_EXCEPTION_STATE64_COUNT,
                "x86_EXCEPTION_STATE64",
            ),
        ],
        CPU_TYPE_ARM => &[(ARM_THREAD_STATE, ARM_THREAD_STATE_COUNT, "ARM_THREAD_STATE")],
        CPU_TYPE_ARM64 | CPU_TYPE_ARM64_32 => &[(
            ARM_THREAD_STATE64,
            ARM_THREAD_STATE64_COUNT,
            "ARM_THREAD_STATE64",
        )],
        c if c as u32 == CPU_TYPE_POWERPC => &[PPC_THREAD_STATE],
        _ => return None,
    })
}

fn thread(c: &Cmd<'_>, h: Header, name: &str) -> Result<(), String> {
    let i = c.index;
    // LLVM's own text has no space between the number and the name in these two.
    if c.size < 8 {
        return Err(malformed(format!(
            "load command {i}{name} cmdsize too small"
        )));
    }
    let end = c.at + c.size as usize;
    let mut at = c.at + 8;
    let mut n = 0u32;
    while at < end {
        if at + 4 > end {
            return Err(malformed(format!(
                "load command {i}flavor in {name} extends past end of command"
            )));
        }
        let flavor = read_u32(c.data, at, c.little).unwrap_or(0);
        at += 4;
        if at + 4 > end {
            return Err(c.err(format!("count in {name} extends past end of command")));
        }
        let count = read_u32(c.data, at, c.little).unwrap_or(0);
        at += 4;
        let Some(flavors) = thread_flavors(h.cputype) else {
            return Err(malformed(format!(
                "unknown cputype ({}) load command {i} for {name} command can't be checked",
                h.cputype
            )));
        };
        let Some(&(_, words, state)) = flavors.iter().find(|f| f.0 == flavor) else {
            return Err(c.err(format!(
                "unknown flavor ({flavor}) for flavor number {n} in {name} command"
            )));
        };
        if count != words {
            return Err(c.err(format!(
                "count not {state}_COUNT for flavor number {n} which is a {state} flavor in {name} command"
            )));
        }
        if at + words as usize * 4 > end {
            return Err(c.err(format!(
                "{state} extends past end of command in {name} command"
            )));
        }
        at += words as usize * 4;
        n += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(identify(b""), Kind::NotObject);
        assert_eq!(identify(b"hello\n"), Kind::NotObject);
        assert_eq!(
            identify(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 43]),
            Kind::NotObject
        );
        assert_eq!(identify(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 42]), Kind::Fat);
        assert_eq!(identify(b"!<arch>\n"), Kind::Archive);
        assert_eq!(identify(b"\x7fELF"), Kind::NotObject);
    }

    #[test]
    fn overlap_order() {
        let mut e = Elements(vec![Element {
            offset: 0,
            size: 100,
            name: "Mach-O headers",
        }]);
        e.add(200, 10, "a").unwrap();
        e.add(150, 10, "b").unwrap();
        let err = e.add(205, 1, "c").unwrap_err();
        assert!(err.contains("c at offset 205 with a size of 1, overlaps a at offset 200"));
    }
}
