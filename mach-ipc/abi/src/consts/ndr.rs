//! The NDR record, from `mach/ndr.h`: the 8 bytes that describe the data representation of
//! a MIG message (integer byte order, character set, float format), with the values that
//! make it up.

/// NDR protocol version 2.0 (`mig_encoding`).
pub const NDR_PROTOCOL_2_0: u8 = 0;
/// NDR integer representation: big-endian.
pub const NDR_INT_BIG_ENDIAN: u8 = 0;
/// NDR integer representation: little-endian.
pub const NDR_INT_LITTLE_ENDIAN: u8 = 1;
/// NDR float representation: IEEE 754.
pub const NDR_FLOAT_IEEE: u8 = 0;
/// NDR character representation: ASCII.
pub const NDR_CHAR_ASCII: u8 = 0;

/// The 8 bytes of `NDR_record` on x86_64 and arm64: NDR 2.0, little-endian ints,
/// ASCII chars, IEEE floats. MIG puts it first in every message's inline data.
#[allow(non_upper_case_globals)]
pub const NDR_record: [u8; 8] = [
    0,
    0,
    0,
    NDR_PROTOCOL_2_0,
    NDR_INT_LITTLE_ENDIAN,
    NDR_CHAR_ASCII,
    NDR_FLOAT_IEEE,
    0,
];
