//! The compressed dyld information of `LC_DYLD_INFO[_ONLY]`: rebase and bind opcode streams,
//! decoded into records.
//!
//! The decoders are iterators that stop at the first error, so a damaged stream can neither
//! loop nor read past its end. Every record's address is checked to lie inside its segment.

use crate::error::{Error, Result};
use crate::file::MachO;
use crate::leb128::{read_sleb128, read_uleb128};
use crate::raw::*;

/// A segment as the opcode decoders see it: its index among the segment commands.
#[derive(Clone, Copy, Debug)]
struct SegmentRef {
    index: u8,
    vmaddr: u64,
    vmsize: u64,
    fileoff: u64,
}

/// The file's segments, read once per decoder (when the first SET_SEGMENT opcode needs them):
/// SET_SEGMENT opcodes are frequent, and walking the load commands for each would dominate
/// decoding. A damaged load command ends the list. Out of line and cold: it runs once per
/// decoder, and set_segment, which runs for every SET_SEGMENT opcode, stays small.
#[cold]
#[inline(never)]
fn segment_table(file: &MachO<'_>) -> alloc::vec::Vec<SegmentRef> {
    let mut table = alloc::vec::Vec::with_capacity(8);
    // Opcodes name a segment by a 4-bit immediate: only the first 16 can be named.
    for (index, segment) in (0..=REBASE_IMMEDIATE_MASK).zip(file.segments().map_while(|s| s.ok())) {
        table.push(SegmentRef {
            index,
            vmaddr: segment.vmaddr(),
            vmsize: segment.vmsize(),
            fileoff: segment.fileoff(),
        });
    }
    table
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
    segment: Option<SegmentRef>,
    /// Built by the first SET_SEGMENT opcode.
    segments: Option<alloc::vec::Vec<SegmentRef>>,
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
            segments: None,
            offset: 0,
            done: false,
        })
    }

    #[cold]
    fn error(&mut self, expected: &'static str) -> Error {
        self.done = true;
        Error::Malformed {
            what: self.what,
            offset: self.base.wrapping_add(self.pos as u64),
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
        let file = self.file;
        let table = self.segments.get_or_insert_with(|| segment_table(&file));
        let Some(&segment) = table.get(usize::from(index)) else {
            return Err(self.error("a segment index that names a segment"));
        };
        self.segment = Some(segment);
        self.offset = offset;
        Ok(())
    }

    /// The current location, checked to be inside its segment.
    #[inline]
    fn location(&mut self) -> Result<(u8, u64, u64)> {
        match self.segment {
            Some(s) if self.offset < s.vmsize => {
                Ok((s.index, self.offset, s.vmaddr.wrapping_add(self.offset)))
            }
            Some(_) => Err(self.error("a location inside its segment")),
            None => Err(self.error("a segment set before the first record")),
        }
    }

    /// Moves by a delta from an ADD_ADDR opcode. Linkers encode backward moves as wrapped
    /// ULEB128 numbers, so this wraps.
    #[inline]
    fn advance(&mut self, by: u64) {
        self.offset = self.offset.wrapping_add(by);
    }

    /// Moves past a record by `step` (at least a pointer). Saturates, so that a run of records
    /// can only move forward and must leave the segment (an error) rather than wrap around.
    #[inline]
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

    #[inline]
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

    /// Decodes opcodes until one leaves records to emit (`true`) or the stream ends
    /// (`false`). Kept out of line, and returning only that answer, so that `next` builds
    /// every record itself: most records come from a repeating opcode and take no call.
    #[inline(never)]
    fn decode(&mut self) -> Result<bool> {
        while !self.cur.done {
            if let Err(e) = self.opcode() {
                return Err(self.stop(e));
            }
            if self.repeat > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    #[cold]
    fn stop(&mut self, e: Error) -> Error {
        self.cur.done = true;
        self.repeat = 0;
        e
    }

    /// Decodes one opcode. Those that emit records set `repeat` (1 for a single record).
    fn opcode(&mut self) -> Result<()> {
        let c = &mut self.cur;
        let Some(&byte) = c.data.get(c.pos) else {
            c.done = true;
            return Ok(());
        };
        c.pos += 1;
        let imm = byte & REBASE_IMMEDIATE_MASK;
        let ptr = c.pointer_size;
        match byte & REBASE_OPCODE_MASK {
            REBASE_OPCODE_DONE => {
                c.done = true;
                Ok(())
            }
            REBASE_OPCODE_SET_TYPE_IMM => {
                self.kind = imm;
                Ok(())
            }
            REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB => {
                let offset = c.uleb()?;
                c.set_segment(imm, offset)?;
                Ok(())
            }
            REBASE_OPCODE_ADD_ADDR_ULEB => {
                let by = c.uleb()?;
                c.advance(by);
                Ok(())
            }
            REBASE_OPCODE_ADD_ADDR_IMM_SCALED => {
                c.advance(u64::from(imm) * ptr);
                Ok(())
            }
            REBASE_OPCODE_DO_REBASE_IMM_TIMES => {
                (self.repeat, self.step, self.repeating) = (imm.into(), ptr, true);
                Ok(())
            }
            REBASE_OPCODE_DO_REBASE_ULEB_TIMES => {
                let n = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (n, ptr, true);
                Ok(())
            }
            REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB => {
                let skip = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (1, skip.wrapping_add(ptr), false);
                Ok(())
            }
            REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB => {
                let n = c.uleb()?;
                let skip = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (n, c.repeat_step(skip)?, true);
                Ok(())
            }
            _ => Err(c.error("a known rebase opcode")),
        }
    }
}

impl<'data> Iterator for Rebases<'data> {
    type Item = Result<Rebase>;

    #[inline]
    fn next(&mut self) -> Option<Result<Rebase>> {
        if self.repeat == 0 {
            match self.decode() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        self.repeat -= 1;
        Some(self.emit().map_err(|e| self.stop(e)))
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
    /// Threaded binding (`BIND_OPCODE_THREADED`, arm64e before chained fixups): once the
    /// ordinal table is sized, DO_BIND adds the current symbol to it instead of binding.
    threaded: Option<alloc::vec::Vec<ThreadedImport<'data>>>,
    /// The chain an APPLY is walking: segment offset of its next location.
    chain: Option<u64>,
}

/// What [`Binds::decode`] found.
enum Decoded<'data> {
    /// `repeat` records to emit from the decoder's state.
    Pending,
    /// A record of its own.
    Record(Bind<'data>),
    /// The end of the stream.
    End,
}

/// What [`Binds::opcode`] did.
enum Step<'data> {
    /// Changed the decoder's state only: decode the next opcode.
    Next,
    /// Set `repeat` records to emit (possibly none).
    Records,
    /// Gave a record of its own (a strong-definition announcement).
    Record(Bind<'data>),
    /// Began threaded binding: sized the ordinal table or started an APPLY's chain.
    Threaded,
    /// Ended the stream.
    End,
}

/// One entry of the ordinal table of threaded binding.
#[derive(Clone, Copy, Debug)]
struct ThreadedImport<'data> {
    symbol: &'data [u8],
    flags: u8,
    ordinal: i64,
    addend: i64,
    bind_type: u8,
}

/// Most entries a threaded ordinal table may declare (its ordinals are 16 bits).
const MAX_THREADED_IMPORTS: u64 = 1 << 16;

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
            // The weak stream names no library: its binds are looked up among weak definitions.
            ordinal: if kind == BindKind::Weak {
                i64::from(BIND_SPECIAL_DYLIB_WEAK_LOOKUP)
            } else {
                0
            },
            addend: 0,
            repeat: 0,
            step: 0,
            repeating: false,
            threaded: None,
            chain: None,
        })
    }

    /// Follows the chain of a threaded APPLY by one location: a bind yields a record, a
    /// rebase (which the rebase stream does not list either) is passed over.
    fn chain_step(&mut self, offset: u64) -> Result<Option<Bind<'data>>> {
        self.cur.offset = offset;
        let (segment_index, segment_offset, address) = self.cur.location()?;
        // location() found the offset inside the segment, so a segment is set. The error is
        // built only if not: building it marks the stream done.
        let Some(segment) = self.cur.segment else {
            return Err(self.cur.error("a segment for the chain"));
        };
        let file_offset = segment.fileoff.saturating_add(segment_offset);
        let bytes = self
            .cur
            .file
            .bytes_at(file_offset, 8, "threaded bind location")?;
        // bytes_at returned exactly 8 bytes.
        let value = crate::read::u64_at(bytes, 0, self.cur.file.endian()).unwrap_or(0);
        // arm64e layout: bit 62 bind, bits 51..62 the distance to the next location in
        // 8-byte units, the low 16 bits the index into the ordinal table.
        let next = (value >> 51) & 0x7ff;
        self.chain = (next != 0).then(|| offset.saturating_add(next * 8));
        if value >> 62 & 1 == 0 {
            return Ok(None);
        }
        let index = (value & 0xffff) as usize;
        let Some(import) = self.threaded.as_ref().and_then(|t| t.get(index)).copied() else {
            return Err(self
                .cur
                .error("a threaded bind whose ordinal is in the table"));
        };
        // Non-authenticated binds carry a signed 19-bit addend in bits 32..51.
        let inline = if value >> 63 == 0 {
            ((value << 13) as i64) >> 45
        } else {
            0
        };
        Ok(Some(Bind {
            kind: self.kind,
            segment_index,
            segment_offset,
            address,
            bind_type: import.bind_type,
            symbol: import.symbol,
            flags: import.flags,
            library_ordinal: import.ordinal,
            addend: import.addend.wrapping_add(inline),
            strong_definition: false,
        }))
    }

    #[inline]
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

    #[inline]
    fn emit(&mut self) -> Result<Bind<'data>> {
        let (segment_index, segment_offset, address) = self.cur.location()?;
        if self.repeating {
            self.cur.step_past(self.step);
        } else {
            self.cur.advance(self.step);
        }
        Ok(self.record(segment_index, segment_offset, address))
    }

    /// Decodes opcodes until one leaves records to emit, one yields a record of its own (a
    /// strong-definition announcement, a threaded bind), or the stream ends. A plain stream
    /// (no threaded binding) is decoded by a loop that asks one question per opcode;
    /// threaded binding, rare, goes to [`Binds::decode_threaded`].
    // Inline, unlike Rebases::decode: most binds come one per DO_BIND (every lazy bind
    // does), so a call here would be a call per record (with fat LTO, inlining took binds
    // from 0.99-1.05x object's time to 0.84-0.89x).
    #[inline]
    fn decode(&mut self) -> Result<Decoded<'data>> {
        if self.threaded.is_some() || self.chain.is_some() {
            return self.decode_threaded();
        }
        if self.cur.done {
            return Ok(Decoded::End);
        }
        loop {
            match self.opcode() {
                Ok(Step::Next) => {}
                Ok(Step::Records) => {
                    if self.repeat > 0 {
                        return Ok(Decoded::Pending);
                    }
                }
                Ok(Step::Threaded) => return self.decode_threaded(),
                Ok(Step::Record(b)) => return Ok(Decoded::Record(b)),
                Ok(Step::End) => return Ok(Decoded::End),
                Err(e) => return Err(self.stop(e)),
            }
        }
    }

    /// [`Binds::decode`] once threaded binding has begun: an APPLY's chain is followed
    /// before the next opcode, and repeats add to the ordinal table instead of binding.
    #[cold]
    #[inline(never)]
    fn decode_threaded(&mut self) -> Result<Decoded<'data>> {
        loop {
            if self.repeat > 0 && self.threaded.is_none() {
                return Ok(Decoded::Pending);
            }
            if self.cur.done && self.repeat == 0 && self.chain.is_none() {
                return Ok(Decoded::End);
            }
            match self.step() {
                Ok(Some(b)) => return Ok(Decoded::Record(b)),
                Ok(None) => {}
                Err(e) => return Err(self.stop(e)),
            }
        }
    }

    #[cold]
    fn stop(&mut self, e: Error) -> Error {
        self.cur.done = true;
        self.repeat = 0;
        self.chain = None;
        e
    }

    /// One step of threaded decoding: a location of the chain, an entry of the ordinal
    /// table, or an opcode.
    fn step(&mut self) -> Result<Option<Bind<'data>>> {
        if let Some(offset) = self.chain.take() {
            return self.chain_step(offset);
        }
        if self.repeat > 0 {
            // Only threaded repeats reach here (`decode_threaded` hands the others to
            // `next`): each adds the symbol to the ordinal table.
            self.repeat -= 1;
            return self.add_threaded().map(|()| None);
        }
        match self.opcode()? {
            Step::Record(b) => Ok(Some(b)),
            Step::Next | Step::Records | Step::Threaded | Step::End => Ok(None),
        }
    }

    /// Decodes one opcode. Those that emit records set `repeat` (1 for a single record).
    #[inline(always)]
    fn opcode(&mut self) -> Result<Step<'data>> {
        let c = &mut self.cur;
        let Some(&byte) = c.data.get(c.pos) else {
            c.done = true;
            return Ok(Step::End);
        };
        c.pos += 1;
        let imm = byte & BIND_IMMEDIATE_MASK;
        let ptr = c.pointer_size;
        match byte & BIND_OPCODE_MASK {
            BIND_OPCODE_DONE => {
                // In the lazy stream DONE ends one symbol's entry; elsewhere, the stream.
                if self.kind == BindKind::Lazy {
                    return Ok(Step::Next);
                }
                c.done = true;
                Ok(Step::End)
            }
            BIND_OPCODE_SET_DYLIB_ORDINAL_IMM => {
                self.ordinal = imm.into();
                Ok(Step::Next)
            }
            BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB => {
                let n = c.uleb()?;
                self.ordinal = i64::try_from(n)
                    .map_err(|_| c.error("a library ordinal that fits in 63 bits"))?;
                Ok(Step::Next)
            }
            BIND_OPCODE_SET_DYLIB_SPECIAL_IMM => {
                // 0 is SELF; otherwise the immediate is the low nibble of a negative number.
                self.ordinal = if imm == 0 {
                    0
                } else {
                    i64::from((BIND_OPCODE_MASK | imm) as i8)
                };
                Ok(Step::Next)
            }
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM => {
                let rest = &c.data[c.pos..];
                let Some(len) = memchr::memchr(0, rest) else {
                    return Err(c.error("a NUL-terminated symbol name"));
                };
                self.symbol = &rest[..len];
                self.flags = imm;
                c.pos += len + 1;
                if self.kind == BindKind::Weak && imm & BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION != 0 {
                    let mut r = self.record(0, 0, 0);
                    r.strong_definition = true;
                    return Ok(Step::Record(r));
                }
                Ok(Step::Next)
            }
            BIND_OPCODE_SET_TYPE_IMM => {
                self.bind_type = imm;
                Ok(Step::Next)
            }
            BIND_OPCODE_SET_ADDEND_SLEB => {
                self.addend = c.sleb()?;
                Ok(Step::Next)
            }
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB => {
                let offset = c.uleb()?;
                c.set_segment(imm, offset)?;
                Ok(Step::Next)
            }
            BIND_OPCODE_ADD_ADDR_ULEB => {
                let by = c.uleb()?;
                c.advance(by);
                Ok(Step::Next)
            }
            BIND_OPCODE_DO_BIND if self.threaded.is_some() => {
                self.add_threaded().map(|()| Step::Next)
            }
            BIND_OPCODE_DO_BIND => {
                (self.repeat, self.step, self.repeating) = (1, ptr, false);
                Ok(Step::Records)
            }
            BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB => {
                let skip = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (1, skip.wrapping_add(ptr), false);
                Ok(Step::Records)
            }
            BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED => {
                (self.repeat, self.step, self.repeating) = (1, u64::from(imm) * ptr + ptr, false);
                Ok(Step::Records)
            }
            BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB => {
                let n = c.uleb()?;
                let skip = c.uleb()?;
                (self.repeat, self.step, self.repeating) = (n, c.repeat_step(skip)?, true);
                Ok(Step::Records)
            }
            BIND_OPCODE_THREADED => match imm {
                BIND_SUBOPCODE_THREADED_SET_BIND_ORDINAL_TABLE_SIZE_ULEB => {
                    let n = c.uleb()?;
                    if n > MAX_THREADED_IMPORTS {
                        return Err(c.error("a threaded ordinal table of at most 65536 entries"));
                    }
                    self.threaded = Some(alloc::vec::Vec::with_capacity(n as usize));
                    Ok(Step::Threaded)
                }
                BIND_SUBOPCODE_THREADED_APPLY => {
                    let Some(s) = c.segment else {
                        return Err(c.error("a segment set before BIND_SUBOPCODE_THREADED_APPLY"));
                    };
                    let _ = s;
                    self.chain = Some(c.offset);
                    Ok(Step::Threaded)
                }
                _ => Err(c.error("a known BIND_OPCODE_THREADED subopcode")),
            },
            _ => Err(c.error("a known bind opcode")),
        }
    }
}

impl<'data> Binds<'data> {
    fn add_threaded(&mut self) -> Result<()> {
        let import = ThreadedImport {
            symbol: self.symbol,
            flags: self.flags,
            ordinal: self.ordinal,
            addend: self.addend,
            bind_type: self.bind_type,
        };
        let Some(table) = self.threaded.as_mut() else {
            return Ok(());
        };
        if table.len() as u64 >= MAX_THREADED_IMPORTS {
            return Err(self
                .cur
                .error("a threaded ordinal table of at most 65536 entries"));
        }
        table.push(import);
        Ok(())
    }
}

impl<'data> Iterator for Binds<'data> {
    type Item = Result<Bind<'data>>;

    #[inline]
    fn next(&mut self) -> Option<Result<Bind<'data>>> {
        if self.repeat == 0 || self.threaded.is_some() {
            match self.decode() {
                Ok(Decoded::Pending) => {}
                Ok(Decoded::Record(b)) => return Some(Ok(b)),
                Ok(Decoded::End) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        self.repeat -= 1;
        Some(self.emit().map_err(|e| self.stop(e)))
    }
}

impl crate::load_command::DyldInfo {
    /// File offset and size of the bind stream `kind`.
    pub fn bind_stream(&self, kind: BindKind) -> (u32, u32) {
        match kind {
            BindKind::Bind => (self.bind_off, self.bind_size),
            BindKind::Lazy => (self.lazy_bind_off, self.lazy_bind_size),
            BindKind::Weak => (self.weak_bind_off, self.weak_bind_size),
        }
    }
}

impl<'data> MachO<'data> {
    /// The records of bind stream `kind` of the first `LC_DYLD_INFO[_ONLY]`, or `None` if the
    /// file has no such command (an image with chained fixups binds through those instead).
    /// An empty stream gives no records.
    ///
    /// ```
    /// use darling_macho::{BindKind, MachO};
    ///
    /// let data = std::fs::read("tests/data/bin/exe-x86_64-dyldinfo")?;
    /// let macho = MachO::parse(&data)?;
    /// let binds = macho.binds(BindKind::Bind)?.expect("LC_DYLD_INFO_ONLY");
    /// for bind in binds {
    ///     let bind = bind?;
    ///     println!("{:#x} {}", bind.address, String::from_utf8_lossy(bind.symbol));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A malformed load command, or a stream that is not inside the file. The records' own
    /// errors come from the iterator, which stops after the first.
    pub fn binds(&self, kind: BindKind) -> Result<Option<Binds<'data>>> {
        let Some(info) = self.dyld_info()? else {
            return Ok(None);
        };
        let (off, size) = info.bind_stream(kind);
        Binds::new(self, kind, off, size).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    /// A 64-bit little-endian Mach-O with one segment (vmaddr 0x1000, file bytes 0x100..0x200)
    /// holding `content`, followed at 0x200 by `opcodes`.
    fn image(content: &[u8], opcodes: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        let w32 = |f: &mut Vec<u8>, v: u32| f.extend_from_slice(&v.to_le_bytes());
        let w64 = |f: &mut Vec<u8>, v: u64| f.extend_from_slice(&v.to_le_bytes());
        for v in [
            MH_MAGIC_64,
            CPU_TYPE_ARM64 as u32,
            2,
            MH_EXECUTE,
            1,
            72,
            0,
            0,
        ] {
            w32(&mut f, v);
        }
        w32(&mut f, LC_SEGMENT_64);
        w32(&mut f, 72);
        f.extend_from_slice(b"__DATA\0\0\0\0\0\0\0\0\0\0");
        for v in [0x1000, 0x100, 0x100, 0x100] {
            w64(&mut f, v);
        }
        for v in [3, 3, 0, 0] {
            w32(&mut f, v);
        }
        f.resize(0x100, 0);
        f.extend_from_slice(content);
        f.resize(0x200, 0);
        f.extend_from_slice(opcodes);
        f
    }

    #[test]
    fn threaded_binds_follow_the_chain() {
        // Three chained locations: bind #1 (+8), a rebase (+8), bind #0 with addend 4 (end).
        let mut content = Vec::new();
        content.extend_from_slice(&((1u64 << 62) | (1 << 51) | 1).to_le_bytes());
        content.extend_from_slice(&((1u64 << 51) | 0x1234).to_le_bytes());
        content.extend_from_slice(&((1u64 << 62) | (4 << 32)).to_le_bytes());
        let opcodes = [
            BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_SET_BIND_ORDINAL_TABLE_SIZE_ULEB,
            2,
            BIND_OPCODE_SET_DYLIB_ORDINAL_IMM | 1,
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM,
            b'_',
            b'a',
            0,
            BIND_OPCODE_DO_BIND,
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM | BIND_SYMBOL_FLAGS_WEAK_IMPORT,
            b'_',
            b'b',
            0,
            BIND_OPCODE_DO_BIND,
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            0,
            BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_APPLY,
            BIND_OPCODE_DONE,
        ];
        let data = image(&content, &opcodes);
        let file = MachO::parse(&data).unwrap();
        let binds: Vec<_> = Binds::new(&file, BindKind::Bind, 0x200, opcodes.len() as u32)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        let got: Vec<_> = binds
            .iter()
            .map(|b| (b.address, b.symbol, b.addend, b.is_weak_import()))
            .collect();
        assert_eq!(
            got,
            [
                (0x1000, &b"_b"[..], 0, true),
                (0x1010, &b"_a"[..], 4, false)
            ]
        );
    }

    #[test]
    fn plain_and_threaded_decoding_meet() {
        // The lazy stream goes on past DONE; a strong definition in the weak stream is a
        // record of its own; the ordinary stream ends at DONE.
        let entry = [
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            8,
            BIND_OPCODE_SET_DYLIB_ORDINAL_IMM | 1,
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM,
            b'_',
            b'f',
            0,
            BIND_OPCODE_DO_BIND,
            BIND_OPCODE_DONE,
        ];
        let opcodes = [&entry[..], &entry[..]].concat();
        let data = image(&[], &opcodes);
        let file = MachO::parse(&data).unwrap();
        let count = |kind| {
            Binds::new(&file, kind, 0x200, opcodes.len() as u32)
                .unwrap()
                .collect::<Result<Vec<_>>>()
                .unwrap()
                .len()
        };
        assert_eq!((count(BindKind::Lazy), count(BindKind::Bind)), (2, 1));
        let opcodes = [
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM | BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION,
            b'_',
            b's',
            0,
            BIND_OPCODE_DONE,
        ];
        let data = image(&[], &opcodes);
        let file = MachO::parse(&data).unwrap();
        let weak: Vec<_> = Binds::new(&file, BindKind::Weak, 0x200, opcodes.len() as u32)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert!(weak.len() == 1 && weak[0].strong_definition && weak[0].symbol == b"_s");
        // An APPLY with no ordinal table: its first bind names no import, and the stream
        // stops there with the error at the opcode's end.
        let content = (1u64 << 62).to_le_bytes();
        let opcodes = [
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            0,
            BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_APPLY,
            BIND_OPCODE_DONE,
        ];
        let data = image(&content, &opcodes);
        let file = MachO::parse(&data).unwrap();
        let results: Vec<_> = Binds::new(&file, BindKind::Bind, 0x200, opcodes.len() as u32)
            .unwrap()
            .collect();
        assert_eq!(
            results,
            [Err(Error::Malformed {
                what: "bind opcodes",
                offset: 0x203,
                expected: "a threaded bind whose ordinal is in the table",
            })]
        );
    }

    #[test]
    fn a_second_apply_follows_its_own_chain() {
        // Two one-location chains, each bind #0, at segment offsets 0 and 8: the stream goes
        // on after the first chain ends, and the second APPLY yields its bind too.
        let mut content = Vec::new();
        content.extend_from_slice(&(1u64 << 62).to_le_bytes());
        content.extend_from_slice(&(1u64 << 62).to_le_bytes());
        let opcodes = [
            BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_SET_BIND_ORDINAL_TABLE_SIZE_ULEB,
            1,
            BIND_OPCODE_SET_DYLIB_ORDINAL_IMM | 1,
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM,
            b'_',
            b'a',
            0,
            BIND_OPCODE_DO_BIND,
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            0,
            BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_APPLY,
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            8,
            BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_APPLY,
            BIND_OPCODE_DONE,
        ];
        let data = image(&content, &opcodes);
        let file = MachO::parse(&data).unwrap();
        let addresses: Vec<_> = Binds::new(&file, BindKind::Bind, 0x200, opcodes.len() as u32)
            .unwrap()
            .map(|b| b.map(|b| b.address))
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(addresses, [0x1000, 0x1008]);
    }

    #[test]
    fn records_need_a_segment_inside_which_they_lie() {
        // A record before any SET_SEGMENT, one past its segment's end (0x100 bytes), and an
        // APPLY before any SET_SEGMENT: each error at the opcode that found it.
        let cases: [(&[u8], u64, &str); 3] = [
            (
                &[
                    REBASE_OPCODE_SET_TYPE_IMM | 1,
                    REBASE_OPCODE_DO_REBASE_IMM_TIMES | 1,
                ],
                0x202,
                "a segment set before the first record",
            ),
            (
                &[
                    REBASE_OPCODE_SET_TYPE_IMM | 1,
                    REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
                    0x80,
                    0x02,
                    REBASE_OPCODE_DO_REBASE_IMM_TIMES | 1,
                ],
                0x205,
                "a location inside its segment",
            ),
            (
                &[BIND_OPCODE_THREADED | BIND_SUBOPCODE_THREADED_APPLY],
                0x201,
                "a segment set before BIND_SUBOPCODE_THREADED_APPLY",
            ),
        ];
        for (i, (opcodes, offset, expected)) in cases.into_iter().enumerate() {
            let data = image(&[], opcodes);
            let file = MachO::parse(&data).unwrap();
            let size = opcodes.len() as u32;
            let results: Vec<_> = if i < 2 {
                Rebases::new(&file, 0x200, size)
                    .unwrap()
                    .map(|r| r.map(|_| ()))
                    .collect()
            } else {
                Binds::new(&file, BindKind::Bind, 0x200, size)
                    .unwrap()
                    .map(|r| r.map(|_| ()))
                    .collect()
            };
            let what = if i < 2 {
                "rebase opcodes"
            } else {
                "bind opcodes"
            };
            assert_eq!(
                results,
                [Err(Error::Malformed {
                    what,
                    offset,
                    expected,
                })],
                "case {i}"
            );
        }
    }

    #[test]
    fn repeats_cannot_move_backwards_or_leave_the_segment() {
        // DO_BIND_ULEB_TIMES_SKIPPING_ULEB with a skip that wraps to a zero step.
        let opcodes = [
            BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM,
            b'_',
            b'x',
            0,
            BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            0,
            BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB,
            0xff,
            0xff,
            0xff,
            0xff,
            0x0f,
            0xf8,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0x01,
        ];
        let data = image(&[], &opcodes);
        let file = MachO::parse(&data).unwrap();
        let results: Vec<_> = Binds::new(&file, BindKind::Bind, 0x200, opcodes.len() as u32)
            .unwrap()
            .collect();
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
        // A huge repeat count runs out of segment (0x100 bytes: 32 pointers), then stops.
        let opcodes = [
            REBASE_OPCODE_SET_TYPE_IMM | 1,
            REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB,
            0,
            REBASE_OPCODE_DO_REBASE_ULEB_TIMES,
            0xff,
            0xff,
            0xff,
            0xff,
            0x0f,
        ];
        let data = image(&[], &opcodes);
        let file = MachO::parse(&data).unwrap();
        let results: Vec<_> = Rebases::new(&file, 0x200, opcodes.len() as u32)
            .unwrap()
            .collect();
        assert_eq!(results.len(), 33);
        assert!(results[..32].iter().all(|r| r.is_ok()));
        assert!(results[32].is_err());
    }
}
