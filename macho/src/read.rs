//! Bounds-checked views into the file's bytes. Every read of the crate goes through here, so
//! no offset or size from the file can index out of bounds or overflow.

use zerocopy::{FromBytes, Immutable, KnownLayout, Unaligned};

use crate::endian::Endianness;
use crate::error::{Error, Result};

/// `len` bytes of `data` at `offset`, or a [`Error::Truncated`] naming `what`.
#[inline]
pub(crate) fn bytes<'a>(
    data: &'a [u8],
    offset: u64,
    len: u64,
    what: &'static str,
) -> Result<&'a [u8]> {
    let available = (data.len() as u64).saturating_sub(offset);
    if offset > data.len() as u64 || len > available {
        return Err(Error::Truncated {
            what,
            offset,
            size: len,
            available,
        });
    }
    // Both fit in usize: they are bounded by data.len().
    Ok(&data[offset as usize..(offset + len) as usize])
}

/// A `T` viewed in place at `offset`.
#[inline]
pub(crate) fn pod<'a, T>(data: &'a [u8], offset: u64, what: &'static str) -> Result<&'a T>
where
    T: FromBytes + KnownLayout + Immutable + Unaligned,
{
    let b = bytes(data, offset, size_of::<T>() as u64, what)?;
    // The size is exact and T has alignment 1, so the cast cannot fail.
    T::ref_from_bytes(b).map_err(|_| Error::Truncated {
        what,
        offset,
        size: size_of::<T>() as u64,
        available: b.len() as u64,
    })
}

/// `count` `T`s viewed in place at `offset`.
#[inline]
pub(crate) fn slice<'a, T>(
    data: &'a [u8],
    offset: u64,
    count: u64,
    what: &'static str,
) -> Result<&'a [T]>
where
    T: FromBytes + KnownLayout + Immutable + Unaligned,
{
    let size = count
        .checked_mul(size_of::<T>() as u64)
        .ok_or(Error::Malformed {
            what,
            offset,
            expected: "a count whose total size fits in 64 bits",
        })?;
    let b = bytes(data, offset, size, what)?;
    <[T]>::ref_from_bytes(b).map_err(|_| Error::Truncated {
        what,
        offset,
        size,
        available: b.len() as u64,
    })
}

/// A `T` viewed in place at byte `at` of `data`, or `None` if it does not fit (for readers
/// that report their own error, with their own offset).
#[inline]
pub(crate) fn view<T>(data: &[u8], at: usize) -> Option<&T>
where
    T: FromBytes + KnownLayout + Immutable + Unaligned,
{
    T::ref_from_prefix(data.get(at..)?).ok().map(|(t, _)| t)
}

/// The `u32` at byte `at` of `data` in byte order `e`, or `None` past the end.
#[inline]
pub(crate) fn u32_at(data: &[u8], at: usize, e: Endianness) -> Option<u32> {
    let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(match e {
        Endianness::Little => u32::from_le_bytes(b),
        Endianness::Big => u32::from_be_bytes(b),
    })
}

/// The `u64` at byte `at` of `data` in byte order `e`, or `None` past the end.
#[inline]
pub(crate) fn u64_at(data: &[u8], at: usize, e: Endianness) -> Option<u64> {
    let b: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(match e {
        Endianness::Little => u64::from_le_bytes(b),
        Endianness::Big => u64::from_be_bytes(b),
    })
}

/// The NUL-terminated string at the start of `data` (without the NUL), or all of `data` if
/// it has no NUL.
#[inline]
pub(crate) fn c_str(data: &[u8]) -> &[u8] {
    // Symbol and string tables are searched a lot: memchr's vectorised search pays.
    match memchr::memchr(0, data) {
        Some(end) => &data[..end],
        None => data,
    }
}

/// A fixed 16-byte name (segment, section, note owner): up to the first NUL.
#[inline]
pub(crate) fn fixed_name(name: &[u8; 16]) -> &[u8] {
    c_str(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded() {
        let data = [1u8, 2, 3, 4];
        assert_eq!(bytes(&data, 1, 3, "x"), Ok(&data[1..]));
        assert!(bytes(&data, 2, 3, "x").is_err());
        assert!(bytes(&data, 5, 0, "x").is_err());
        assert!(bytes(&data, u64::MAX, 1, "x").is_err());
        assert!(slice::<crate::endian::U32>(&data, 0, u64::MAX, "x").is_err());
        assert_eq!(
            slice::<crate::endian::U32>(&data, 0, 1, "x").unwrap().len(),
            1
        );
    }

    #[test]
    fn c_strings_stop_at_nul_or_end() {
        assert_eq!(c_str(b"ab\0cd"), b"ab");
        assert_eq!(c_str(b"abcd"), b"abcd");
        assert_eq!(fixed_name(b"__TEXT\0\0\0\0\0\0\0\0\0\0"), b"__TEXT");
    }
}
