//! LEB128 numbers, as the dyld opcode streams, the exports trie and function starts use them.

use crate::error::{Error, Result};

/// Reads an unsigned LEB128 number at `*pos` of `data`, advancing `*pos`.
///
/// # Errors
/// [`Error::Malformed`] if the number runs past the end of `data` or does not fit in 64
/// bits. `what` names the stream, `base` is `data`'s file offset (both for the error).
#[inline]
pub fn read_uleb128(data: &[u8], pos: &mut usize, what: &'static str, base: u64) -> Result<u64> {
    // Most numbers in opcode streams and tries are one byte.
    if let Some(&byte) = data.get(*pos)
        && byte < 0x80
    {
        *pos += 1;
        return Ok(byte.into());
    }
    read_uleb128_long(data, pos, what, base)
}

fn read_uleb128_long(data: &[u8], pos: &mut usize, what: &'static str, base: u64) -> Result<u64> {
    let start = *pos;
    // Nine bytes carry 63 bits, which cannot overflow: numbers that end by then (every
    // offset and count in practice) take no overflow test per byte.
    if let Some(head) = data.get(start..) {
        let mut value = 0u64;
        for (i, &byte) in head.iter().take(9).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                *pos = start + i + 1;
                return Ok(value);
            }
        }
    }
    let mut value = 0u64;
    let mut shift = 0u32;
    loop {
        let Some(&byte) = data.get(*pos) else {
            return Err(Error::Malformed {
                what,
                offset: base.wrapping_add(start as u64),
                expected: "a ULEB128 number that ends before the data does",
            });
        };
        *pos += 1;
        let bits = u64::from(byte & 0x7f);
        if shift >= 64 || (shift == 63 && bits > 1) {
            if bits != 0 {
                return Err(Error::Malformed {
                    what,
                    offset: base.wrapping_add(start as u64),
                    expected: "a ULEB128 number that fits in 64 bits",
                });
            }
        } else {
            value |= bits << shift;
        }
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift = shift.saturating_add(7);
    }
}

/// Reads a signed LEB128 number at `*pos` of `data`, advancing `*pos`.
///
/// # Errors
/// As for [`read_uleb128`].
pub fn read_sleb128(data: &[u8], pos: &mut usize, what: &'static str, base: u64) -> Result<i64> {
    let start = *pos;
    let err = |expected| Error::Malformed {
        what,
        offset: base.wrapping_add(start as u64),
        expected,
    };
    // Up to 18 bytes (126 bits) are read exactly, which covers any sign-extension padding
    // an encoder uses; the value must then fit in 64 bits.
    let mut value = 0i128;
    let mut shift = 0u32;
    loop {
        let Some(&byte) = data.get(*pos) else {
            return Err(err("a SLEB128 number that ends before the data does"));
        };
        *pos += 1;
        if shift >= 126 {
            return Err(err("a SLEB128 number of at most 18 bytes"));
        }
        value |= i128::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            if byte & 0x40 != 0 {
                value |= -1i128 << shift;
            }
            return i64::try_from(value).map_err(|_| err("a SLEB128 number that fits in 64 bits"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(bytes: &[u8]) -> Result<u64> {
        read_uleb128(bytes, &mut 0, "test", 0)
    }

    fn s(bytes: &[u8]) -> Result<i64> {
        read_sleb128(bytes, &mut 0, "test", 0)
    }

    #[test]
    fn decodes_known_values() {
        assert_eq!(u(&[0x00]), Ok(0));
        assert_eq!(u(&[0xe5, 0x8e, 0x26]), Ok(624_485));
        assert_eq!(
            u(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Ok(u64::MAX)
        );
        assert_eq!(s(&[0x7f]), Ok(-1));
        assert_eq!(s(&[0xc0, 0xbb, 0x78]), Ok(-123_456));
        assert_eq!(
            s(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]),
            Ok(i64::MIN)
        );
    }

    #[test]
    fn every_length_up_to_ten_bytes() {
        // 1..=9 bytes end inside the fast loop, 10 in the checked one; each length's largest
        // value, and the position after it.
        for len in 1..=10usize {
            let mut bytes = alloc::vec![0xff; len - 1];
            bytes.push(if len == 10 { 0x01 } else { 0x7f });
            bytes.push(0xaa);
            let mut pos = 0;
            let want = if len == 10 {
                u64::MAX
            } else {
                (1u64 << (7 * len)) - 1
            };
            assert_eq!(read_uleb128(&bytes, &mut pos, "test", 0), Ok(want));
            assert_eq!(pos, len);
        }
        // Cut after nine continuation bytes: the error names the number's start.
        let mut pos = 3;
        let cut = [
            0u8, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
        ];
        assert_eq!(
            read_uleb128(&cut, &mut pos, "test", 0x100),
            Err(Error::Malformed {
                what: "test",
                offset: 0x103,
                expected: "a ULEB128 number that ends before the data does",
            })
        );
    }

    #[test]
    fn rejects_truncated_and_oversized_numbers() {
        assert!(u(&[0x80]).is_err());
        assert!(u(&[]).is_err());
        assert!(u(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).is_err());
        assert!(s(&[0xff]).is_err());
        // Redundant zero padding is fine.
        assert_eq!(
            u(&[
                0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00
            ]),
            Ok(1)
        );
    }
}
