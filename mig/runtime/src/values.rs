//! Values as MIG lays them out: C strings cut and terminated as `mig_strncpy` does, and
//! arrays of fixed-size items as the bytes of out-of-line data.
//!
//! A fixed-size value is any zerocopy `IntoBytes`/`FromBytes` type (the numbers, arrays of
//! them, the generated message structs): native byte order, no padding inside, which is how
//! migcom's C structs hold them.

use darling_mach_abi::consts::kern_return_t;
use darling_mach_ipc::KernReturn;
use zerocopy::{FromBytes, Immutable, IntoBytes};

use crate::fail;

/// `items` laid end to end (the bytes of out-of-line data).
pub fn to_bytes<T: IntoBytes + Immutable>(items: &[T]) -> Vec<u8> {
    items.as_bytes().to_vec()
}

/// The items in `b`; `error` if its length is not a multiple of an item's.
///
/// # Errors
/// `error` for a partial item (or an item of no size).
pub fn from_bytes<T: FromBytes>(b: &[u8], error: kern_return_t) -> Result<Vec<T>, KernReturn> {
    let size = size_of::<T>();
    if size == 0 || !b.len().is_multiple_of(size) {
        return fail(error);
    }
    Ok(items(b))
}

/// The whole items at the start of `b`, each `size_of::<T>()` bytes.
pub(crate) fn items<T: FromBytes>(b: &[u8]) -> Vec<T> {
    b.chunks_exact(size_of::<T>().max(1))
        .filter_map(|c| T::read_from_bytes(c).ok())
        .collect()
}

/// A `c_string[N]` field: `s` cut to `N - 1` bytes and NUL-terminated, as `mig_strncpy`.
pub fn c_string<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let n = s.len().min(N.saturating_sub(1));
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out
}

/// The bytes a `c_string[*:max]` sends: `s` cut to `max - 1` bytes, then a NUL.
pub fn c_string_bytes(s: &str, max: usize) -> Vec<u8> {
    let n = s.len().min(max.saturating_sub(1));
    let mut out = s.as_bytes()[..n].to_vec();
    out.push(0);
    out
}

/// The count a `c_string[*:max]` sends: its length with the NUL.
pub fn c_string_len(s: &str, max: usize) -> usize {
    s.len().min(max.saturating_sub(1)) + 1
}

/// The string in a received C string field (up to its first NUL; invalid UTF-8 replaced).
pub fn from_c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The first `N` items of `v` as an array (missing ones `Default`).
pub fn array_of<T: Copy + Default, const N: usize>(v: Vec<T>) -> [T; N] {
    std::array::from_fn(|i| v.get(i).copied().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use darling_mach_abi::consts::MIG_TYPE_ERROR;

    #[test]
    fn items_round_trip_through_bytes() {
        let words = [1u32, 0xdead_beef, 7];
        let bytes = to_bytes(&words);
        assert_eq!(bytes.len(), 12);
        assert_eq!(
            from_bytes::<u32>(&bytes, MIG_TYPE_ERROR),
            Ok(words.to_vec())
        );
        let pairs: Vec<[i16; 2]> = from_bytes(&bytes, MIG_TYPE_ERROR).expect("pairs");
        assert_eq!(pairs.len(), 3);
        assert_eq!(
            from_bytes::<u64>(&bytes, MIG_TYPE_ERROR),
            Err(KernReturn(MIG_TYPE_ERROR))
        );
        assert_eq!(from_bytes::<()>(&bytes, -1), Err(KernReturn(-1)));
    }

    #[test]
    fn c_strings_are_cut_and_terminated_as_mig_strncpy() {
        assert_eq!(c_string::<4>("abcdef"), *b"abc\0");
        assert_eq!(c_string::<4>("a"), *b"a\0\0\0");
        assert_eq!(c_string::<0>("a"), [0u8; 0]);
        assert_eq!(c_string_bytes("abcdef", 4), b"abc\0");
        assert_eq!(c_string_len("abcdef", 4), 4);
        assert_eq!(c_string_len("", 4), 1);
        assert_eq!(from_c_string(b"ab\0cd"), "ab");
        assert_eq!(from_c_string(b"ab"), "ab");
        assert_eq!(array_of::<u32, 3>(vec![5]), [5, 0, 0]);
    }
}
