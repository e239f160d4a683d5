//! Segments and their sections (`LC_SEGMENT`, `LC_SEGMENT_64`), 32- and 64-bit behind one
//! view.

use crate::endian::Endianness;
use crate::error::Result;
use crate::raw::{SECTION_TYPE, Section32, Section64, SegmentCommand32, SegmentCommand64};
use crate::read;

/// A segment load command and its section headers, viewed in place.
#[derive(Clone, Copy, Debug)]
pub struct Segment<'data> {
    raw: RawSegment<'data>,
    endian: Endianness,
}

#[derive(Clone, Copy, Debug)]
enum RawSegment<'data> {
    S32(&'data SegmentCommand32, &'data [Section32]),
    S64(&'data SegmentCommand64, &'data [Section64]),
}

macro_rules! segment_field {
    ($(#[$m:meta])* $name:ident, $ty:ty) => {
        $(#[$m])*
        #[inline]
        pub fn $name(&self) -> $ty {
            match self.raw {
                RawSegment::S32(s, _) => s.$name.get(self.endian).into(),
                RawSegment::S64(s, _) => s.$name.get(self.endian).into(),
            }
        }
    };
}

impl<'data> Segment<'data> {
    pub(crate) fn new32(
        s: &'data SegmentCommand32,
        sections: &'data [Section32],
        endian: Endianness,
    ) -> Self {
        Segment {
            raw: RawSegment::S32(s, sections),
            endian,
        }
    }

    pub(crate) fn new64(
        s: &'data SegmentCommand64,
        sections: &'data [Section64],
        endian: Endianness,
    ) -> Self {
        Segment {
            raw: RawSegment::S64(s, sections),
            endian,
        }
    }

    /// Whether this is an `LC_SEGMENT_64`.
    pub fn is_64(&self) -> bool {
        matches!(self.raw, RawSegment::S64(..))
    }

    /// The segment name (`__TEXT`), up to its first NUL.
    pub fn name(&self) -> &'data [u8] {
        match self.raw {
            RawSegment::S32(s, _) => read::fixed_name(&s.segname),
            RawSegment::S64(s, _) => read::fixed_name(&s.segname),
        }
    }

    /// The raw 16-byte name field.
    pub fn name_field(&self) -> &'data [u8; 16] {
        match self.raw {
            RawSegment::S32(s, _) => &s.segname,
            RawSegment::S64(s, _) => &s.segname,
        }
    }

    segment_field!(
        /// Memory address.
        vmaddr, u64
    );
    segment_field!(
        /// Memory size.
        vmsize, u64
    );
    segment_field!(
        /// File offset of the mapped bytes.
        fileoff, u64
    );
    segment_field!(
        /// Number of mapped bytes.
        filesize, u64
    );
    segment_field!(
        /// Maximum VM protection (`VM_PROT_*`).
        maxprot, i32
    );
    segment_field!(
        /// Initial VM protection (`VM_PROT_*`).
        initprot, i32
    );
    segment_field!(
        /// Number of sections, as the command says (checked against its size).
        nsects, u32
    );
    segment_field!(
        /// `SG_*` flags.
        flags, u32
    );

    /// The section headers.
    pub fn sections(&self) -> Sections<'data> {
        let raw = match self.raw {
            RawSegment::S32(_, s) => RawSections::S32(s),
            RawSegment::S64(_, s) => RawSections::S64(s),
        };
        Sections {
            raw,
            endian: self.endian,
            next: 0,
        }
    }

    /// The bytes the segment maps from `file` (`fileoff`, `filesize`).
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) if they are not inside `file`.
    pub fn data(&self, file: &'data [u8]) -> Result<&'data [u8]> {
        read::bytes(file, self.fileoff(), self.filesize(), "segment data")
    }
}

/// The section headers of a [`Segment`].
#[derive(Clone, Debug)]
pub struct Sections<'data> {
    raw: RawSections<'data>,
    endian: Endianness,
    next: usize,
}

#[derive(Clone, Copy, Debug)]
enum RawSections<'data> {
    S32(&'data [Section32]),
    S64(&'data [Section64]),
}

impl<'data> Iterator for Sections<'data> {
    type Item = Section<'data>;

    #[inline]
    fn next(&mut self) -> Option<Section<'data>> {
        let raw = match self.raw {
            RawSections::S32(s) => RawSection::S32(s.get(self.next)?),
            RawSections::S64(s) => RawSection::S64(s.get(self.next)?),
        };
        self.next += 1;
        Some(Section {
            raw,
            endian: self.endian,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match self.raw {
            RawSections::S32(s) => s.len(),
            RawSections::S64(s) => s.len(),
        };
        let left = len.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Sections<'_> {}

/// A section header, viewed in place.
#[derive(Clone, Copy, Debug)]
pub struct Section<'data> {
    raw: RawSection<'data>,
    endian: Endianness,
}

#[derive(Clone, Copy, Debug)]
enum RawSection<'data> {
    S32(&'data Section32),
    S64(&'data Section64),
}

macro_rules! section_field {
    ($(#[$m:meta])* $name:ident, $ty:ty) => {
        $(#[$m])*
        #[inline]
        pub fn $name(&self) -> $ty {
            match self.raw {
                RawSection::S32(s) => s.$name.get(self.endian).into(),
                RawSection::S64(s) => s.$name.get(self.endian).into(),
            }
        }
    };
}

impl<'data> Section<'data> {
    /// The section name (`__text`), up to its first NUL.
    pub fn name(&self) -> &'data [u8] {
        read::fixed_name(self.name_field())
    }

    /// The raw 16-byte section name field.
    pub fn name_field(&self) -> &'data [u8; 16] {
        match self.raw {
            RawSection::S32(s) => &s.sectname,
            RawSection::S64(s) => &s.sectname,
        }
    }

    /// The name of the segment the section says it belongs to.
    pub fn segment_name(&self) -> &'data [u8] {
        read::fixed_name(self.segment_name_field())
    }

    /// The raw 16-byte segment name field.
    pub fn segment_name_field(&self) -> &'data [u8; 16] {
        match self.raw {
            RawSection::S32(s) => &s.segname,
            RawSection::S64(s) => &s.segname,
        }
    }

    section_field!(
        /// Memory address.
        addr, u64
    );
    section_field!(
        /// Size in bytes.
        size, u64
    );
    section_field!(
        /// File offset.
        offset, u32
    );
    section_field!(
        /// Alignment as a power of 2.
        align, u32
    );
    section_field!(
        /// File offset of the relocation entries.
        reloff, u32
    );
    section_field!(
        /// Number of relocation entries.
        nreloc, u32
    );
    section_field!(
        /// Type (`S_*`, low byte) and attributes (`S_ATTR_*`).
        flags, u32
    );
    section_field!(
        /// For symbol pointers and stubs, the index of the first indirect symbol.
        reserved1, u32
    );
    section_field!(
        /// For stubs, the size of one stub.
        reserved2, u32
    );

    /// `section_64`'s third reserved field (`None` for 32-bit sections).
    pub fn reserved3(&self) -> Option<u32> {
        match self.raw {
            RawSection::S32(_) => None,
            RawSection::S64(s) => Some(s.reserved3.get(self.endian)),
        }
    }

    /// The section type (`flags & SECTION_TYPE`).
    pub fn section_type(&self) -> u32 {
        self.flags() & SECTION_TYPE
    }

    /// The section's bytes in `file`, or `None` for a zero-fill section, which has none.
    ///
    /// # Errors
    /// [`Error::Truncated`](crate::Error::Truncated) if they are not inside `file`.
    pub fn data(&self, file: &'data [u8]) -> Result<Option<&'data [u8]>> {
        use crate::raw::{S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL, S_ZEROFILL};
        if matches!(
            self.section_type(),
            S_ZEROFILL | S_GB_ZEROFILL | S_THREAD_LOCAL_ZEROFILL
        ) {
            return Ok(None);
        }
        read::bytes(file, self.offset().into(), self.size(), "section data").map(Some)
    }
}
