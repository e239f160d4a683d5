//! Byte order, handled once: every multi-byte field of an on-disk structure is one of the
//! types here, stored as raw bytes and decoded with the file's [`Endianness`].
//!
//! The field types have alignment 1, so a structure can be viewed in place at any offset of
//! a borrowed buffer, as Mach-O files inside fat files or archives may require.

// zerocopy's KnownLayout derive adds hidden helper types that have no Debug.
#![allow(missing_debug_implementations)]

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The byte order of a Mach-O file, found from its magic number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endianness {
    /// Least significant byte first (x86, arm64, every current Mach-O).
    Little,
    /// Most significant byte first (PowerPC files; fat headers always).
    Big,
}

macro_rules! field {
    ($(#[$meta:meta])* $name:ident, $ty:ty, $n:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
        #[repr(transparent)]
        pub struct $name(pub [u8; $n]);

        impl $name {
            /// Decodes the value in byte order `endian`.
            #[inline(always)]
            pub fn get(self, endian: Endianness) -> $ty {
                match endian {
                    Endianness::Little => <$ty>::from_le_bytes(self.0),
                    Endianness::Big => <$ty>::from_be_bytes(self.0),
                }
            }

            /// Encodes `value` in byte order `endian`.
            #[inline]
            pub fn new(value: $ty, endian: Endianness) -> Self {
                match endian {
                    Endianness::Little => Self(value.to_le_bytes()),
                    Endianness::Big => Self(value.to_be_bytes()),
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}({:02x?})", stringify!($name), self.0)
            }
        }
    };
}

field!(
    /// A `uint16_t` in the file's byte order.
    U16, u16, 2
);
field!(
    /// A `uint32_t` in the file's byte order.
    U32, u32, 4
);
field!(
    /// A `uint64_t` in the file's byte order.
    U64, u64, 8
);
field!(
    /// An `int32_t` in the file's byte order.
    I32, i32, 4
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode_in_both_orders() {
        let x = U32([0xfe, 0xed, 0xfa, 0xcf]);
        assert_eq!(x.get(Endianness::Big), 0xfeed_facf);
        assert_eq!(x.get(Endianness::Little), 0xcffa_edfe);
        assert_eq!(U64::new(7, Endianness::Big).get(Endianness::Big), 7);
        assert_eq!(I32::new(-2, Endianness::Little).get(Endianness::Little), -2);
    }
}
