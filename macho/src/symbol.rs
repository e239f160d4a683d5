//! The symbol table (`LC_SYMTAB`): nlist entries, 32- and 64-bit behind one view, and their
//! names from the string table.

use crate::endian::Endianness;
use crate::error::{Error, Result};
use crate::file::MachO;
use crate::load_command::{Command, Symtab};
use crate::raw::{self, Nlist32, Nlist64};
use crate::read;

/// The symbol table of a Mach-O file, checked to lie inside the file.
#[derive(Clone, Copy, Debug)]
pub struct SymbolTable<'data> {
    nlists: Nlists<'data>,
    strings: &'data [u8],
    /// File offset of the string table (for errors).
    stroff: u32,
    endian: Endianness,
}

#[derive(Clone, Copy, Debug)]
enum Nlists<'data> {
    N32(&'data [Nlist32]),
    N64(&'data [Nlist64]),
}

impl<'data> SymbolTable<'data> {
    /// The symbol table that `symtab` describes in `file`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the nlist array or the string table is not inside the file.
    pub fn new(file: &MachO<'data>, symtab: &Symtab) -> Result<Self> {
        let data = file.data();
        let n = u64::from(symtab.nsyms);
        let nlists = if file.is_64() {
            Nlists::N64(read::slice(data, symtab.symoff.into(), n, "symbol table")?)
        } else {
            Nlists::N32(read::slice(data, symtab.symoff.into(), n, "symbol table")?)
        };
        let strings = read::bytes(
            data,
            symtab.stroff.into(),
            symtab.strsize.into(),
            "string table",
        )?;
        Ok(SymbolTable {
            nlists,
            strings,
            stroff: symtab.stroff,
            endian: file.endian(),
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match self.nlists {
            Nlists::N32(n) => n.len(),
            Nlists::N64(n) => n.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The string table.
    pub fn strings(&self) -> &'data [u8] {
        self.strings
    }

    /// The entry at `index`.
    pub fn get(&self, index: usize) -> Option<Symbol<'data>> {
        Symbols {
            nlists: self.nlists,
            strings: self.strings,
            stroff: self.stroff,
            endian: self.endian,
            next: index,
        }
        .next()
    }

    /// The entries in table order.
    #[inline]
    pub fn iter(&self) -> Symbols<'data> {
        Symbols {
            nlists: self.nlists,
            strings: self.strings,
            stroff: self.stroff,
            endian: self.endian,
            next: 0,
        }
    }
}

/// The entries of a [`SymbolTable`], decoded one by one. The word size is decided once per
/// table, not per entry.
#[derive(Clone, Debug)]
pub struct Symbols<'data> {
    nlists: Nlists<'data>,
    strings: &'data [u8],
    stroff: u32,
    endian: Endianness,
    next: usize,
}

impl<'data> Iterator for Symbols<'data> {
    type Item = Symbol<'data>;

    #[inline]
    fn next(&mut self) -> Option<Symbol<'data>> {
        let e = self.endian;
        let index = self.next;
        let (n_strx, n_type, n_sect, n_desc, n_value) = match self.nlists {
            Nlists::N64(n) => {
                let s = n.get(index)?;
                (
                    s.n_strx.get(e),
                    s.n_type,
                    s.n_sect,
                    s.n_desc.get(e),
                    s.n_value.get(e),
                )
            }
            Nlists::N32(n) => {
                let s = n.get(index)?;
                (
                    s.n_strx.get(e),
                    s.n_type,
                    s.n_sect,
                    s.n_desc.get(e),
                    u64::from(s.n_value.get(e)),
                )
            }
        };
        self.next += 1;
        Some(Symbol {
            index: index as u32,
            n_strx,
            n_type,
            n_sect,
            n_desc,
            n_value,
            strings: self.strings,
            stroff: self.stroff,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match self.nlists {
            Nlists::N32(n) => n.len(),
            Nlists::N64(n) => n.len(),
        };
        let left = len.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Symbols<'_> {}

/// One symbol table entry, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symbol<'data> {
    /// Position in the symbol table.
    pub index: u32,
    /// Offset of the name in the string table.
    pub n_strx: u32,
    /// Type bits (`N_STAB`, `N_PEXT`, `N_TYPE`, `N_EXT`).
    pub n_type: u8,
    /// Section number (1-based) or `NO_SECT`.
    pub n_sect: u8,
    /// Description bits.
    pub n_desc: u16,
    /// Value (usually an address; for `N_INDR`, a string-table offset).
    pub n_value: u64,
    strings: &'data [u8],
    /// File offset of the string table (for errors).
    stroff: u32,
}

impl<'data> Symbol<'data> {
    /// The name, up to its NUL or the end of the string table, or `None` for an `n_strx` of
    /// 0, which in Mach-O means the symbol has no name (linkers put a `" "` at offset 0 of the
    /// string table so that no real name starts there).
    ///
    /// ```
    /// use darling_macho::MachO;
    ///
    /// let data = std::fs::read("tests/data/bin/exe-x86_64-dyldinfo")?;
    /// let macho = MachO::parse(&data)?;
    /// let table = macho.symbol_table()?.expect("LC_SYMTAB");
    /// for symbol in table.iter() {
    ///     match symbol.name()? {
    ///         Some(name) => println!("{}", String::from_utf8_lossy(name)),
    ///         None => println!("(no name) at {:#x}", symbol.n_value),
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Malformed`] if `n_strx` is past the end of the string table; its offset is
    /// where the name would start in the file.
    #[inline]
    pub fn name(&self) -> Result<Option<&'data [u8]>> {
        if self.n_strx == 0 {
            return Ok(None);
        }
        self.string_at(self.n_strx).map(Some)
    }

    #[inline]
    fn string_at(&self, strx: u32) -> Result<&'data [u8]> {
        match self.strings.get(strx as usize..) {
            Some(rest) => Ok(read::c_str(rest)),
            None => Err(Error::Malformed {
                what: "symbol name",
                offset: u64::from(self.stroff) + u64::from(strx),
                expected: "a string index inside the string table",
            }),
        }
    }

    /// For an `N_INDR` symbol, the name of the symbol it stands for (`n_value` is its
    /// string-table offset).
    ///
    /// # Errors
    /// As for [`name`](Self::name).
    pub fn indirect_name(&self) -> Result<Option<&'data [u8]>> {
        if self.is_stab() || self.kind() != raw::N_INDR {
            return Ok(None);
        }
        let strx = u32::try_from(self.n_value).map_err(|_| Error::Malformed {
            what: "indirect symbol name",
            offset: self.n_value,
            expected: "a string index inside the string table",
        })?;
        self.string_at(strx).map(Some)
    }

    /// Whether this is a debugging (stab) entry.
    pub fn is_stab(&self) -> bool {
        self.n_type & raw::N_STAB != 0
    }

    /// `n_type & N_TYPE`: `N_UNDF`, `N_ABS`, `N_SECT`, `N_PBUD` or `N_INDR`.
    pub fn kind(&self) -> u8 {
        self.n_type & raw::N_TYPE
    }

    /// Whether `N_EXT` is set.
    pub fn is_external(&self) -> bool {
        self.n_type & raw::N_EXT != 0
    }

    /// Whether `N_PEXT` is set.
    pub fn is_private_external(&self) -> bool {
        self.n_type & raw::N_PEXT != 0
    }

    /// Whether the symbol is undefined (including common symbols, which are undefined with a
    /// size).
    pub fn is_undefined(&self) -> bool {
        !self.is_stab() && self.kind() == raw::N_UNDF
    }

    /// Whether the symbol is a common symbol: undefined, external, with a non-zero value
    /// (its size).
    pub fn is_common(&self) -> bool {
        self.is_undefined() && self.is_external() && self.n_value != 0
    }

    /// The library ordinal of an undefined symbol in a two-level namespace image
    /// (`GET_LIBRARY_ORDINAL`): 1-based dependency index, or `SELF_LIBRARY_ORDINAL`,
    /// `DYNAMIC_LOOKUP_ORDINAL`, `EXECUTABLE_ORDINAL`.
    pub fn library_ordinal(&self) -> u8 {
        (self.n_desc >> 8) as u8
    }

    /// The alignment of a common symbol (`GET_COMM_ALIGN`), as a power of 2.
    pub fn common_align(&self) -> u8 {
        ((self.n_desc >> 8) & 0x0f) as u8
    }
}

impl<'data> MachO<'data> {
    /// The `LC_SYMTAB` symbol table, or `None` if the file has none.
    ///
    /// # Errors
    /// A malformed load command, or a table that is not inside the file.
    #[inline]
    pub fn symbol_table(&self) -> Result<Option<SymbolTable<'data>>> {
        for lc in self.load_commands() {
            if let Command::Symtab(s) = lc?.parse()? {
                return SymbolTable::new(self, &s).map(Some);
            }
        }
        Ok(None)
    }
}
