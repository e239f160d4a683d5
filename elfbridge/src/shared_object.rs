//! Reading a host ELF shared object: its SONAME, its NEEDED list and its dynamic symbols.

use object::read::elf::{
    Dyn as _, Dynamic, FileHeader, ProgramHeader as _, SectionHeader as _, Sym as _,
};
use object::{Endianness, FileKind, SectionIndex, SymbolIndex, elf};

use crate::error::{Context, Error};
use crate::symbol::{Binding, DynamicSymbol, Placement, SymbolKind, SymbolVersion, Visibility};

/// The ELF class and machine of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Whether the file is ELFCLASS64.
    pub is_64: bool,
    /// Whether the file is little-endian.
    pub little_endian: bool,
    /// `e_machine` (`EM_X86_64` is 62, `EM_386` is 3, `EM_AARCH64` is 183).
    pub machine: u16,
    /// `e_type` (`ET_DYN` is 3, `ET_EXEC` is 2).
    pub file_type: u16,
}

/// One section header, as much of it as symbol classification needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionInfo<'data> {
    /// The section's name, or `None` when the name could not be read.
    pub name: Option<&'data [u8]>,
    /// `sh_type` (`SHT_PROGBITS` 1, `SHT_NOBITS` 8…).
    pub sh_type: u32,
    /// `sh_flags` (`SHF_WRITE` 1, `SHF_ALLOC` 2, `SHF_EXECINSTR` 4…).
    pub flags: u64,
}

/// A parsed ELF shared object (or executable): what a loader and a wrapper generator need.
///
/// Parsing reads the headers, the dynamic section and the dynamic symbol table once; names,
/// versions and the SONAME stay borrowed from the file's bytes.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bytes = std::fs::read("/lib/x86_64-linux-gnu/libm.so.6")?;
/// let libm = darling_elfbridge::SharedObject::parse(&bytes)?;
/// assert_eq!(libm.soname(), Some(&b"libm.so.6"[..]));
/// let cos = libm.exports().find(|s| s.name == b"cos").expect("libm exports cos");
/// println!("{}", cos.versioned_name()); // cos@@GLIBC_2.2.5
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SharedObject<'data> {
    target: Target,
    soname: Option<&'data [u8]>,
    needed: Vec<&'data [u8]>,
    sections: Vec<SectionInfo<'data>>,
    symbols: Vec<DynamicSymbol<'data>>,
    has_dynsym: bool,
    version_error: Option<Error>,
}

impl<'data> SharedObject<'data> {
    /// Parses `data` as a 32- or 64-bit ELF file of either byte order.
    ///
    /// # Errors
    /// [`Error::NotElf`] for other files, [`Error::UnsupportedElf`] for an unknown class or byte
    /// order, and [`Error::Malformed`] when a header, the dynamic section or the dynamic symbol
    /// table is out of bounds or inconsistent. A malformed *version* table is not fatal (tools
    /// print unversioned names then): see [`SharedObject::version_error`].
    pub fn parse(data: &'data [u8]) -> Result<Self, Error> {
        if !data.starts_with(&elf::ELFMAG) {
            return Err(Error::NotElf);
        }
        match FileKind::parse(data) {
            Ok(FileKind::Elf32) => parse_elf::<elf::FileHeader32<Endianness>>(data),
            Ok(FileKind::Elf64) => parse_elf::<elf::FileHeader64<Endianness>>(data),
            _ => Err(Error::UnsupportedElf),
        }
    }

    /// The file's class, byte order, machine and type.
    pub fn target(&self) -> Target {
        self.target
    }

    /// `DT_SONAME`: the name a loader records for this library, or `None` if it has none.
    pub fn soname(&self) -> Option<&'data [u8]> {
        self.soname
    }

    /// The `DT_NEEDED` entries, in order: the libraries this one depends on.
    pub fn needed(&self) -> &[&'data [u8]] {
        &self.needed
    }

    /// Whether the file has a dynamic symbol table (`SHT_DYNSYM`).
    pub fn has_dynamic_symbols(&self) -> bool {
        self.has_dynsym
    }

    /// Every entry of the dynamic symbol table but the null entry 0, in table order: defined
    /// and undefined, local and global.
    pub fn symbols(&self) -> &[DynamicSymbol<'data>] {
        &self.symbols
    }

    /// The defined entries of the dynamic symbol table (what `nm -D --defined-only` lists).
    pub fn defined(&self) -> impl Iterator<Item = &DynamicSymbol<'data>> + '_ {
        self.symbols.iter().filter(|s| s.is_defined())
    }

    /// The definitions other objects can bind to (see [`DynamicSymbol::is_exported`]).
    pub fn exports(&self) -> impl Iterator<Item = &DynamicSymbol<'data>> + '_ {
        self.symbols.iter().filter(|s| s.is_exported())
    }

    /// The section with this index, if the file has section headers and the index is in range.
    pub fn section(&self, index: u32) -> Option<&SectionInfo<'data>> {
        self.sections.get(usize::try_from(index).ok()?)
    }

    /// Why the symbol versions could not be read, if they could not: the symbols then carry no
    /// version (as `llvm-nm` prints them after its warning).
    pub fn version_error(&self) -> Option<&Error> {
        self.version_error.as_ref()
    }
}

fn parse_elf<'data, Elf>(data: &'data [u8]) -> Result<SharedObject<'data>, Error>
where
    Elf: FileHeader<Endian = Endianness>,
{
    let header = Elf::parse(data).map_err(|e| Error::malformed(Context::Header, e))?;
    let endian = header
        .endian()
        .map_err(|e| Error::malformed(Context::Header, e))?;
    let target = Target {
        is_64: header.is_type_64(),
        little_endian: endian == Endianness::Little,
        machine: header.e_machine(endian).0,
        file_type: header.e_type(endian).0,
    };
    let sections = header
        .sections(endian, data)
        .map_err(|e| Error::malformed(Context::Sections, e))?;
    let infos = sections
        .iter()
        .map(|section| SectionInfo {
            name: sections.section_name(endian, section).ok(),
            sh_type: section.sh_type(endian).0,
            flags: section.sh_flags(endian).0,
        })
        .collect();

    let (soname, needed) = match sections
        .dynamic_table(endian, data)
        .map_err(|e| Error::malformed(Context::Dynamic, e))?
    {
        table if !table.is_empty() => names(table.iter().map(|d| (d.tag, d.val)), |entry| {
            table
                .string(entry)
                .map_err(|e| Error::malformed(Context::Dynamic, e))
        })?,
        _ => dynamic_from_segments(header, endian, data)?,
    };

    let table = sections
        .symbols(endian, data, elf::SHT_DYNSYM)
        .map_err(|e| Error::malformed(Context::Symbols, e))?;
    let (versions, version_error) = match sections.versions(endian, data) {
        Ok(versions) => (versions, None),
        Err(e) => (None, Some(Error::malformed(Context::Version(None), e))),
    };

    let mut symbols = Vec::with_capacity(table.len().saturating_sub(1));
    let mut version_error = version_error;
    for (index, sym) in table.enumerate().skip(1) {
        let i = index.0;
        let name = table
            .symbol_name(endian, sym)
            .map_err(|e| Error::malformed(Context::SymbolName(i), e))?;
        let shndx = sym.st_shndx(endian);
        let placement = if shndx == elf::SHN_UNDEF {
            Placement::Undefined
        } else if shndx == elf::SHN_ABS {
            Placement::Absolute
        } else if shndx == elf::SHN_COMMON {
            Placement::Common
        } else {
            match table.symbol_section(endian, sym, SymbolIndex(i)) {
                Ok(Some(SectionIndex(s))) => {
                    Placement::Section(u32::try_from(s).unwrap_or(u32::MAX))
                }
                _ => Placement::Reserved(shndx.0),
            }
        };
        let version = match (&versions, &version_error) {
            (Some(table), None) => {
                let versym = table.version_index(endian, SymbolIndex(i));
                match table.version(versym.index()) {
                    Ok(Some(v)) if !v.name().is_empty() => Some(SymbolVersion {
                        name: v.name(),
                        // `@@` marks a version this file defines, on a definition, when the
                        // hidden bit is clear; a needed version or a hidden one prints `@`.
                        hidden: versym.is_hidden()
                            || v.file().is_some()
                            || placement == Placement::Undefined,
                    }),
                    Ok(_) => None,
                    Err(e) => {
                        version_error = Some(Error::malformed(Context::Version(Some(i)), e));
                        None
                    }
                }
            }
            _ => None,
        };
        symbols.push(DynamicSymbol {
            index: i,
            name,
            value: sym.st_value(endian).into(),
            size: sym.st_size(endian).into(),
            kind: SymbolKind::from_st_type(sym.st_type().0),
            binding: Binding::from_st_bind(sym.st_bind().0),
            visibility: Visibility::from_st_other(sym.st_other().0),
            placement,
            version,
        });
    }
    if version_error.is_some() {
        // One bad entry makes every version doubtful: report none, and say why.
        for symbol in &mut symbols {
            symbol.version = None;
        }
    }

    Ok(SharedObject {
        target,
        soname,
        needed,
        sections: infos,
        has_dynsym: !table.is_empty(),
        symbols,
        version_error,
    })
}

/// The SONAME and NEEDED list from `PT_DYNAMIC`, for files without section headers.
///
/// `DT_STRTAB` is an address, translated to file bytes through the `PT_LOAD` that maps it.
#[allow(clippy::type_complexity)]
fn dynamic_from_segments<'data, Elf>(
    header: &Elf,
    endian: Endianness,
    data: &'data [u8],
) -> Result<(Option<&'data [u8]>, Vec<&'data [u8]>), Error>
where
    Elf: FileHeader<Endian = Endianness>,
{
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| Error::malformed(Context::ProgramHeaders, e))?;
    let Some(dynamic) = phdrs
        .iter()
        .find_map(|p| p.dynamic(endian, data).transpose())
        .transpose()
        .map_err(|e| Error::malformed(Context::Dynamic, e))?
    else {
        return Ok((None, Vec::new()));
    };
    let mut strtab = None;
    let mut strsz = None;
    for entry in dynamic {
        let tag = entry.d_tag(endian);
        if tag == elf::DT_NULL {
            break;
        }
        if tag == elf::DT_STRTAB {
            strtab = Some(entry.d_val(endian).into());
        } else if tag == elf::DT_STRSZ {
            strsz = Some(entry.d_val(endian).into());
        }
    }
    let malformed = Error::BadDynamicSegment;
    let (Some(strtab), Some(strsz)) = (strtab, strsz) else {
        return Err(malformed("DT_STRTAB or DT_STRSZ missing"));
    };
    let strings = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == elf::PT_LOAD)
        .find_map(|p| p.data_range(endian, data, strtab, strsz).ok().flatten())
        .ok_or_else(|| malformed("DT_STRTAB is not mapped by a PT_LOAD segment"))?;
    let string = |entry: Dynamic| -> Result<&'data [u8], Error> {
        let tail = usize::try_from(entry.val)
            .ok()
            .and_then(|o| strings.get(o..))
            .ok_or_else(|| malformed("string offset past DT_STRSZ"))?;
        let end = tail
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| malformed("unterminated string"))?;
        Ok(&tail[..end])
    };
    let entries = dynamic
        .iter()
        .map(|d| (d.d_tag(endian), d.d_val(endian).into()))
        .take_while(|&(tag, _)| tag != elf::DT_NULL);
    names(entries, string)
}

/// The `DT_SONAME` and `DT_NEEDED` strings among dynamic entries (tag, value), in order;
/// `string` reads an entry's string from whichever string table the entries use.
#[allow(clippy::type_complexity)]
fn names<'data>(
    entries: impl Iterator<Item = (elf::DynamicTag, u64)>,
    string: impl Fn(Dynamic) -> Result<&'data [u8], Error>,
) -> Result<(Option<&'data [u8]>, Vec<&'data [u8]>), Error> {
    let mut soname = None;
    let mut needed = Vec::new();
    for (tag, val) in entries {
        if tag == elf::DT_SONAME {
            soname = Some(string(Dynamic { tag, val })?);
        } else if tag == elf::DT_NEEDED {
            needed.push(string(Dynamic { tag, val })?);
        }
    }
    Ok((soname, needed))
}
