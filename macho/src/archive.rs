//! Static archives (`ar`, `.a`): the container that `libtool -static` and `ar` put object
//! files in, Mach-O ones included.
//!
//! An archive is the magic `!<arch>\n` followed by members, each a 60-byte ASCII header and
//! its data, padded to an even offset. Member names come in three forms, all read here:
//! short names in the header (`a.o` padded with spaces, or `a.o/` in the GNU form), BSD long
//! names (`#1/<len>`: the name is the first `len` bytes of the member's data, which is what
//! Apple's tools write), and GNU long names (`/<offset>` into the `//` member). Symbol-table
//! members (`__.SYMDEF`, `__.SYMDEF SORTED`, `__.SYMDEF_64`, and the GNU `/` and `/SYM64/`)
//! and the GNU name table are marked as such, so that tools can pass over them.

use crate::error::{Error, Result};
use crate::read;

/// The magic that starts an archive.
pub const ARMAG: &[u8; 8] = b"!<arch>\n";
/// The magic of a thin archive, whose members live in other files (not supported).
pub const THIN_ARMAG: &[u8; 8] = b"!<thin>\n";
/// The two bytes that end every member header.
pub const ARFMAG: &[u8; 2] = b"`\n";
/// Size of a member header.
pub const AR_HDR_SIZE: usize = 60;
/// The prefix of a BSD long name: `#1/` and the name's length.
pub const AR_EFMT1: &[u8; 3] = b"#1/";

/// An `ar` archive, checked to start with [`ARMAG`].
#[derive(Clone, Copy, Debug)]
pub struct Archive<'data> {
    data: &'data [u8],
}

/// What a member holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberKind {
    /// A file (an object file, usually).
    File,
    /// The symbol table (`__.SYMDEF…` in BSD archives, `/` or `/SYM64/` in GNU ones).
    SymbolTable,
    /// The GNU long-name table (`//`).
    NameTable,
}

/// One member of an archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member<'data> {
    /// The member's name (a BSD long name without its NUL padding).
    pub name: &'data [u8],
    /// The member's contents (after a BSD long name).
    pub data: &'data [u8],
    /// What the member holds.
    pub kind: MemberKind,
    /// File offset of the member's header.
    pub header_offset: u64,
    /// File offset of the member's contents.
    pub data_offset: u64,
    header: &'data [u8],
}

impl Member<'_> {
    fn field(&self, at: usize, len: usize, radix: u32) -> Option<u64> {
        let text = core::str::from_utf8(&self.header[at..at + len])
            .ok()?
            .trim_end();
        u64::from_str_radix(text, radix).ok()
    }

    /// The modification time (`ar_date`, seconds since 1970), if the field is a number.
    pub fn date(&self) -> Option<u64> {
        self.field(16, 12, 10)
    }

    /// The owner's user id (`ar_uid`), if the field is a number.
    pub fn uid(&self) -> Option<u64> {
        self.field(28, 6, 10)
    }

    /// The owner's group id (`ar_gid`), if the field is a number.
    pub fn gid(&self) -> Option<u64> {
        self.field(34, 6, 10)
    }

    /// The file mode (`ar_mode`, octal), if the field is a number.
    pub fn mode(&self) -> Option<u64> {
        self.field(40, 8, 8)
    }

    /// The raw 60-byte header.
    pub fn header(&self) -> &[u8] {
        self.header
    }
}

impl<'data> Archive<'data> {
    /// Whether `data` starts with the archive magic.
    pub fn is_archive(data: &[u8]) -> bool {
        data.starts_with(ARMAG)
    }

    /// Checks the magic of an archive.
    ///
    /// # Errors
    /// [`Error::BadMagic`] if `data` does not start with `!<arch>\n` (a thin archive,
    /// `!<thin>\n`, is refused the same way: its members are not in `data`).
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        if !Self::is_archive(data) {
            let magic = data
                .get(..4)
                .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            return Err(Error::BadMagic { offset: 0, magic });
        }
        Ok(Archive { data })
    }

    /// The archive's bytes.
    pub fn data(&self) -> &'data [u8] {
        self.data
    }

    /// The members, in order; the first malformed header is an error and ends the walk.
    pub fn members(&self) -> Members<'data> {
        Members {
            data: self.data,
            offset: ARMAG.len() as u64,
            names: None,
            done: false,
        }
    }
}

/// The walk over an [`Archive`]'s members.
#[derive(Clone, Debug)]
pub struct Members<'data> {
    data: &'data [u8],
    offset: u64,
    /// The GNU long-name table, once its member has been read.
    names: Option<&'data [u8]>,
    done: bool,
}

impl<'data> Members<'data> {
    fn malformed(&mut self, offset: u64, expected: &'static str) -> Error {
        self.done = true;
        Error::Malformed {
            what: "archive member header",
            offset,
            expected,
        }
    }

    fn member(&mut self) -> Result<Member<'data>> {
        let at = self.offset;
        let header = read::bytes(self.data, at, AR_HDR_SIZE as u64, "archive member header")
            .inspect_err(|_| self.done = true)?;
        if &header[58..60] != ARFMAG {
            return Err(self.malformed(at + 58, "the header terminator \"`\\n\""));
        }
        let size = core::str::from_utf8(&header[48..58])
            .ok()
            .map(str::trim_end)
            .and_then(|s| s.parse::<u64>().ok());
        let Some(size) = size else {
            return Err(self.malformed(at + 48, "a decimal member size"));
        };
        let data_offset = at + AR_HDR_SIZE as u64;
        let body = read::bytes(self.data, data_offset, size, "archive member")
            .inspect_err(|_| self.done = true)?;
        let raw_name = &header[..16];
        let (name, data, data_offset) = if let Some(len) = raw_name.strip_prefix(AR_EFMT1) {
            // BSD: the name opens the data.
            let len = core::str::from_utf8(len)
                .ok()
                .map(str::trim_end)
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|&n| n as u64 <= size);
            let Some(len) = len else {
                return Err(self.malformed(at, "a BSD long-name length inside the member"));
            };
            let name = &body[..len];
            let name = &name[..memchr::memchr(0, name).unwrap_or(len)];
            (name, &body[len..], data_offset + len as u64)
        } else if raw_name[0] == b'/' && raw_name[1].is_ascii_digit() {
            // GNU: an offset into the long-name table, where the name ends with "/\n".
            let off = core::str::from_utf8(&raw_name[1..])
                .ok()
                .map(str::trim_end)
                .and_then(|s| s.parse::<usize>().ok());
            let name = match (off, self.names) {
                (Some(off), Some(names)) if off < names.len() => {
                    let rest = &names[off..];
                    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                    let name = &rest[..end];
                    name.strip_suffix(b"/").unwrap_or(name)
                }
                _ => {
                    return Err(self.malformed(at, "a GNU long-name offset inside the name table"));
                }
            };
            (name, body, data_offset)
        } else {
            let trimmed = trim_spaces(raw_name);
            // GNU short names end with '/'; "/" and "//" are special members.
            let name = match trimmed {
                b"/" | b"//" | b"/SYM64/" => trimmed,
                _ => trimmed.strip_suffix(b"/").unwrap_or(trimmed),
            };
            (name, body, data_offset)
        };
        let kind = match name {
            b"/" | b"/SYM64/" => MemberKind::SymbolTable,
            b"//" => {
                self.names = Some(data);
                MemberKind::NameTable
            }
            n if n.starts_with(b"__.SYMDEF") => MemberKind::SymbolTable,
            _ => MemberKind::File,
        };
        // Members start at even offsets: an odd-sized one is followed by a '\n' pad.
        let end = at + AR_HDR_SIZE as u64 + size;
        self.offset = end + (end & 1);
        Ok(Member {
            name,
            data,
            kind,
            header_offset: at,
            data_offset,
            header,
        })
    }
}

fn trim_spaces(name: &[u8]) -> &[u8] {
    let end = name.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    &name[..end]
}

impl<'data> Iterator for Members<'data> {
    type Item = Result<Member<'data>>;

    fn next(&mut self) -> Option<Self::Item> {
        // The archive ends where the data does (a trailing pad byte may remain).
        if self.done || self.offset + 1 >= self.data.len() as u64 {
            return None;
        }
        Some(self.member())
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    fn header(name: &str, size: usize) -> Vec<u8> {
        let h = alloc::format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{size:<10}`\n",
            0,
            0,
            0,
            "644"
        );
        assert_eq!(h.len(), AR_HDR_SIZE);
        h.into_bytes()
    }

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut a = ARMAG.to_vec();
        for (name, data) in members {
            a.extend(header(name, data.len()));
            a.extend_from_slice(data);
            if a.len() % 2 == 1 {
                a.push(b'\n');
            }
        }
        a
    }

    #[test]
    fn reads_bsd_gnu_and_short_names() {
        let long = b"long_name.o\0\0\0\0\0ABC";
        let data = archive(&[
            ("__.SYMDEF", b"xx"),
            ("short.o", b"odd"),
            ("#1/16", long),
            ("//", b"gnu_long_name.o/\n"),
            ("/0", b"1234"),
            ("gnu.o/", b"z"),
        ]);
        let a = Archive::parse(&data).unwrap();
        let m: Vec<_> = a.members().map(Result::unwrap).collect();
        let names: Vec<&[u8]> = m.iter().map(|m| m.name).collect();
        assert_eq!(
            names,
            [
                &b"__.SYMDEF"[..],
                b"short.o",
                b"long_name.o",
                b"//",
                b"gnu_long_name.o",
                b"gnu.o"
            ]
        );
        assert_eq!(m[0].kind, MemberKind::SymbolTable);
        assert_eq!(m[1].data, b"odd");
        assert_eq!(m[2].data, b"ABC");
        assert_eq!(m[2].data_offset, m[2].header_offset + 60 + 16);
        assert_eq!(m[3].kind, MemberKind::NameTable);
        assert_eq!(m[4].data, b"1234");
        assert_eq!(m[1].mode(), Some(0o644));
        assert_eq!(m[1].date(), Some(0));
    }

    #[test]
    fn damaged_headers_are_errors() {
        assert!(Archive::parse(b"!<thin>\n").is_err());
        let mut data = archive(&[("a.o", b"1234")]);
        data[8 + 58] = b'x';
        let mut it = Archive::parse(&data).unwrap().members();
        assert!(matches!(
            it.next(),
            Some(Err(Error::Malformed { offset: 66, .. }))
        ));
        assert!(it.next().is_none());

        let data = archive(&[("a.o", b"1234")]);
        let cut = &data[..data.len() - 1];
        let mut it = Archive::parse(cut).unwrap().members();
        assert!(matches!(it.next(), Some(Err(Error::Truncated { .. }))));

        let data = archive(&[("#1/99", b"1234")]);
        let mut it = Archive::parse(&data).unwrap().members();
        assert!(matches!(it.next(), Some(Err(Error::Malformed { .. }))));

        let data = archive(&[("/5", b"1234")]);
        let mut it = Archive::parse(&data).unwrap().members();
        assert!(matches!(it.next(), Some(Err(Error::Malformed { .. }))));
    }
}
