//! The compressed dyld information of `LC_DYLD_INFO[_ONLY]`: rebase and bind opcode streams,
//! decoded into records.
//!
//! The decoders are iterators that stop at the first error, so a damaged stream can neither
//! loop nor read past its end. Every record's address is checked to lie inside its segment.

use crate::error::{Error, Result};
use crate::file::MachO;
use crate::leb128::{read_sleb128, read_uleb128};
use crate::raw::*;
use crate::segment::Segment;

/// A segment as the opcode decoders see it: its index among the segment commands.
#[derive(Clone, Copy, Debug)]
struct SegmentRef<'data> {
    index: u8,
    segment: Segment<'data>,
}

fn find_segment<'data>(file: &MachO<'data>, index: u8) -> Option<Segment<'data>> {
    file.segments().filter_map(|s| s.ok()).nth(index.into())
}

/// One rebase: a pointer that dyld slides by the image's load offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rebase {
    /// Index of the segment among the file's segment commands.
    pub segment_index: u8,
    /// Offset of the pointer from the segment's start.
    pub segment_offset: u64,
    /// Address of the pointer (segment `vmaddr` + offset).
    pub address: u64,
    /// `REBASE_TYPE_POINTER`, `REBASE_TYPE_TEXT_ABSOLUTE32` or `REBASE_TYPE_TEXT_PCREL32`.
    pub kind: u8,
}

/// Which of the four opcode streams a decoder reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindKind {
    /// The non-lazy bind stream: bound at load.
    Bind,
    /// The lazy bind stream: bound on first call.
    Lazy,
    /// The weak bind stream: coalesced across images.
    Weak,
}

/// One bind: a location that dyld fills with a symbol's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bind<'data> {
    /// Which stream the record comes from.
    pub kind: BindKind,
    /// Index of the segment among the file's segment commands.
    pub segment_index: u8,
    /// Offset of the location from the segment's start.
    pub segment_offset: u64,
    /// Address of the location.
    pub address: u64,
    /// `BIND_TYPE_POINTER`, `BIND_TYPE_TEXT_ABSOLUTE32` or `BIND_TYPE_TEXT_PCREL32`.
    pub bind_type: u8,
    /// The symbol's name.
    pub symbol: &'data [u8],
    /// `BIND_SYMBOL_FLAGS_*` given with the name.
    pub flags: u8,
    /// The library: 1-based dependency index, or a special ordinal
    /// (`BIND_SPECIAL_DYLIB_SELF` 0, `_MAIN_EXECUTABLE` -1, `_FLAT_LOOKUP` -2,
    /// `_WEAK_LOOKUP` -3).
    pub library_ordinal: i64,
    /// Added to the symbol's address.
    pub addend: i64,
    /// For a weak-bind record that only announces a strong (non-weak) definition of
    /// `symbol` in this image: there is no location, and `address` is 0.
    pub strong_definition: bool,
}

impl Bind<'_> {
    /// Whether the import is weak (`BIND_SYMBOL_FLAGS_WEAK_IMPORT`).
    pub fn is_weak_import(&self) -> bool {
        self.flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT != 0
    }
}

/// State shared by both decoders.
#[derive(Clone, Debug)]
struct Cursor<'data> {
    file: MachO<'data>,
    data: &'data [u8],
    base: u64,
    pos: usize,
    what: &'static str,
    pointer_size: u64,
    segment: Option<SegmentRef<'data>>,
    offset: u64,
    done: bool,
}

impl<'data> Cursor<'data> {
    fn new(file: &MachO<'data>, off: u32, size: u32, what: &'static str) -> Result<Self> {
        let data = file.bytes_at(off.into(), size.into(), what)?;
        Ok(Cursor {
            file: *file,
            data,
            base: off.into(),
            pos: 0,
            what,
            pointer_size: if file.is_64() { 8 } else { 4 },
            segment: None,
            offset: 0,
            done: false,
        })
    }

    fn error(&mut self, expected: &'static str) -> Error {
        self.done = true;
        Error::Malformed {
            what: self.what,
            offset: self.base + self.pos as u64,
            expected,
        }
    }

    fn uleb(&mut self) -> Result<u64> {
        read_uleb128(self.data, &mut self.pos, self.what, self.base)
            .inspect_err(|_| self.done = true)
    }

    fn sleb(&mut self) -> Result<i64> {
        read_sleb128(self.data, &mut self.pos, self.what, self.base)
            .inspect_err(|_| self.done = true)
    }

    fn set_segment(&mut self, index: u8, offset: u64) -> Result<()> {
        let Some(segment) = find_segment(&self.file, index) else {
            return Err(self.error("a segment index that names a segment"));
        };
        self.segment = Some(SegmentRef { index, segment });
        self.offset = offset;
        Ok(())
    }

    /// The current location, checked to be inside its segment.
    fn location(&mut self) -> Result<(u8, u64, u64)> {
        let Some(s) = self.segment else {
            return Err(self.error("a segment set before the first record"));
        };
        if self.offset >= s.segment.vmsize() {
            return Err(self.error("a location inside its segment"));
        }
        Ok((
            s.index,
            self.offset,
            s.segment.vmaddr().wrapping_add(self.offset),
        ))
    }

    /// Moves by a delta from an ADD_ADDR opcode. Linkers encode backward moves as wrapped
    /// ULEB128 numbers, so this wraps.
    fn advance(&mut self, by: u64) {
        self.offset = self.offset.wrapping_add(by);
    }

    /// Moves past a record by `step` (at least a pointer). Saturates, so that a run of records
    /// can only move forward and must leave the segment (an error) rather than wrap around.
    fn step_past(&mut self, step: u64) {
        self.offset = self.offset.saturating_add(step);
    }

    /// The step between the records of a repeating opcode: `skip` plus a pointer, which must
    /// not wrap (a zero or backward step would repeat a location forever).
    fn repeat_step(&mut self, skip: u64) -> Result<u64> {
        match skip.checked_add(self.pointer_size) {
            Some(step) => Ok(step),
            None => Err(self.error("a skip that moves forward")),
        }
    }
}

/// The rebase records of an `LC_DYLD_INFO` rebase stream.
#[derive(Clone, Debug)]
pub struct Rebases<'data> {
    cur: Cursor<'data>,
    kind: u8,
    /// Records still to emit for the current DO_REBASE opcode, and the step between them.
    repeat: u64,
    step: u64,
    /// Whether the step belongs to a repeating opcode (which may only move forward) or to a
    /// single record (which may move backward, as linkers encode it).
    repeating: bool,
}

impl<'data> Rebases<'data> {
    /// Decodes `size` bytes of rebase opcodes at file offset `off`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the stream is not inside the file.
    pub fn new(file: &MachO<'data>, off: u32, size: u32) -> Result<Self> {
        Ok(Rebases {
            cur: Cursor::new(file, off, size, "rebase opcodes")?,
            kind: 0,
            repeat: 0,
            step: 0,
            repeating: false,
        })
    }

    fn emit(&mut self) -> Result<Rebase> {
        let (segment_index, segment_offset, address) = self.cur.location()?;
        if self.repeating {
            self.cur.step_past(self.step);
        } else {
            self.cur.advance(self.step);
        }
        Ok(Rebase {
            segment_index,
            segment_offset,
            address,
            kind: self.kind,
        })
    }

    fn step(&mut self) -> Result<Option<Rebase>> {
        if self.repeat > 0 {
            self.repeat -= 1;
            return self.emit().map(Some);
        }
        let c = &mut self.cur;
        let Some(&byte) = c.data.get(c.pos) else {
            c.done = true;
            return Ok(None);
        };
        c.pos += 1;
        let imm = byte & REBASE_IMMEDIATE_MASK;
        let ptr = c.pointer_size;
        match byte & REBASE_OPCODE_MASK {
            REBASE_OPCODE_DONE => {
                c.done = true;
                Ok(None)
            }
            REBASE_OPCODE_SET_TYPE_IMM => {
                self.kind = imm;
                Ok(None)
            }
            REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB => {
                let offset = c.uleb()?;
                c.set_segment(imm, offset)?;
                Ok(None)
            }
            REBASE_OPCODE_ADD_ADDR_ULEB => {
                let by = c.uleb()?;
                c.advance(by);
                Ok(None)
            }
            REBASE_OPCODE_ADD_ADDR_IMM_SCALED => {
                c.advance(u64::from(imm) * ptr);
                Ok(None)
            }
            REBASE_OPCODE_DO_REBASE_IMM_TIMES => {
                (self.repeat, self.step, self.repeating) = (imm.into(), ptr, true);
                Ok(None)
            }
            REBASE_OPCODE_DO_REBASE_ULEB_TIMES => {
                let n = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (n, ptr, true);
                Ok(None)
            }
            REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB => {
                let skip = c.uleb()?;
                (self.step, self.repeating) = (skip.wrapping_add(ptr), false);
                self.emit().map(Some)
            }
            REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB => {
                let n = c.uleb()?;
                let skip = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (n, c.repeat_step(skip)?, true);
                Ok(None)
            }
            _ => Err(c.error("a known rebase opcode")),
        }
    }
}

impl<'data> Iterator for Rebases<'data> {
    type Item = Result<Rebase>;

    fn next(&mut self) -> Option<Result<Rebase>> {
        while !self.cur.done || self.repeat > 0 {
            match self.step() {
                Ok(Some(r)) => return Some(Ok(r)),
                Ok(None) => {}
                Err(e) => {
                    self.cur.done = true;
                    self.repeat = 0;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// The bind records of one `LC_DYLD_INFO` bind stream.
#[derive(Clone, Debug)]
pub struct Binds<'data> {
    cur: Cursor<'data>,
    kind: BindKind,
    bind_type: u8,
    symbol: &'data [u8],
    flags: u8,
    ordinal: i64,
    addend: i64,
    repeat: u64,
    step: u64,
    repeating: bool,
}

impl<'data> Binds<'data> {
    /// Decodes `size` bytes of bind opcodes of stream `kind` at file offset `off`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if the stream is not inside the file.
    pub fn new(file: &MachO<'data>, kind: BindKind, off: u32, size: u32) -> Result<Self> {
        let what = match kind {
            BindKind::Bind => "bind opcodes",
            BindKind::Lazy => "lazy bind opcodes",
            BindKind::Weak => "weak bind opcodes",
        };
        Ok(Binds {
            cur: Cursor::new(file, off, size, what)?,
            kind,
            // The lazy stream never sets a type: it is always a pointer.
            bind_type: if kind == BindKind::Lazy {
                BIND_TYPE_POINTER
            } else {
                0
            },
            symbol: b"",
            flags: 0,
            ordinal: 0,
            addend: 0,
            repeat: 0,
            step: 0,
            repeating: false,
        })
    }

    fn record(&self, segment_index: u8, segment_offset: u64, address: u64) -> Bind<'data> {
        Bind {
            kind: self.kind,
            segment_index,
            segment_offset,
            address,
            bind_type: self.bind_type,
            symbol: self.symbol,
            flags: self.flags,
            library_ordinal: self.ordinal,
            addend: self.addend,
            strong_definition: false,
        }
    }

    fn emit(&mut self) -> Result<Bind<'data>> {
        let (segment_index, segment_offset, address) = self.cur.location()?;
        if self.repeating {
            self.cur.step_past(self.step);
        } else {
            self.cur.advance(self.step);
        }
        Ok(self.record(segment_index, segment_offset, address))
    }

    fn step(&mut self) -> Result<Option<Bind<'data>>> {
        if self.repeat > 0 {
            self.repeat -= 1;
            return self.emit().map(Some);
        }
        let c = &mut self.cur;
        let Some(&byte) = c.data.get(c.pos) else {
            c.done = true;
            return Ok(None);
        };
        c.pos += 1;
        let imm = byte & BIND_IMMEDIATE_MASK;
        let ptr = c.pointer_size;
        match byte & BIND_OPCODE_MASK {
            BIND_OPCODE_DONE => {
                // In the lazy stream DONE ends one symbol's entry; elsewhere, the stream.
                if self.kind != BindKind::Lazy {
                    c.done = true;
                }
                Ok(None)
            }
            BIND_OPCODE_SET_DYLIB_ORDINAL_IMM => {
                self.ordinal = imm.into();
                Ok(None)
            }
            BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB => {
                let n = c.uleb()?;
                self.ordinal = i64::try_from(n)
                    .map_err(|_| c.error("a library ordinal that fits in 63 bits"))?;
                Ok(None)
            }
            BIND_OPCODE_SET_DYLIB_SPECIAL_IMM => {
                // 0 is SELF; otherwise the immediate is the low nibble of a negative number.
                self.ordinal = if imm == 0 {
                    0
                } else {
                    i64::from((BIND_OPCODE_MASK | imm) as i8)
                };
                Ok(None)
            }
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM => {
                let rest = &c.data[c.pos..];
                let Some(len) = rest.iter().position(|&b| b == 0) else {
                    return Err(c.error("a NUL-terminated symbol name"));
                };
                self.symbol = &rest[..len];
                self.flags = imm;
                c.pos += len + 1;
                if self.kind == BindKind::Weak && imm & BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION != 0 {
                    let mut r = self.record(0, 0, 0);
                    r.strong_definition = true;
                    return Ok(Some(r));
                }
                Ok(None)
            }
            BIND_OPCODE_SET_TYPE_IMM => {
                self.bind_type = imm;
                Ok(None)
            }
            BIND_OPCODE_SET_ADDEND_SLEB => {
                self.addend = c.sleb()?;
                Ok(None)
            }
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB => {
                let offset = c.uleb()?;
                c.set_segment(imm, offset)?;
                Ok(None)
            }
            BIND_OPCODE_ADD_ADDR_ULEB => {
                let by = c.uleb()?;
                c.advance(by);
                Ok(None)
            }
            BIND_OPCODE_DO_BIND => {
                (self.step, self.repeating) = (ptr, false);
                self.emit().map(Some)
            }
            BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB => {
                let skip = c.uleb()?;
                (self.step, self.repeating) = (skip.wrapping_add(ptr), false);
                self.emit().map(Some)
            }
            BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED => {
                (self.step, self.repeating) = (u64::from(imm) * ptr + ptr, false);
                self.emit().map(Some)
            }
            BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB => {
                let n = c.uleb()?;
                let skip = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (n, c.repeat_step(skip)?, true);
                Ok(None)
            }
            BIND_OPCODE_THREADED => {
                Err(c.error("no BIND_OPCODE_THREADED (pre-chained arm64e binds are not supported)"))
            }
            _ => Err(c.error("a known bind opcode")),
        }
    }
}

impl<'data> Iterator for Binds<'data> {
    type Item = Result<Bind<'data>>;

    fn next(&mut self) -> Option<Result<Bind<'data>>> {
        while !self.cur.done || self.repeat > 0 {
            match self.step() {
                Ok(Some(b)) => return Some(Ok(b)),
                Ok(None) => {}
                Err(e) => {
                    self.cur.done = true;
                    self.repeat = 0;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
