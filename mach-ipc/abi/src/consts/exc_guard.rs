//! `EXC_GUARD` exception codes, from `kern/exc_guard.h` (and `EXC_GUARD` itself from
//! `mach/exception_types.h`): how a guard violation is packed into the 64-bit code an
//! exception message carries. Laid out as `[63:61]` guard type, `[60:32]` flavor (for Mach
//! ports, a `kGUARD_EXC_*` reason), `[31:0]` target (for Mach ports, the port's name).

/// The exception type of guard violations.
pub const EXC_GUARD: u32 = 12;

/// No guard type.
pub const GUARD_TYPE_NONE: u64 = 0;
/// A guarded Mach port: flavor `kGUARD_EXC_*`, target the port's name, subcode the guard.
pub const GUARD_TYPE_MACH_PORT: u64 = 1;

/// Bits of the guard type in an `EXC_GUARD` code.
const TYPE_SHIFT: u32 = 61;
/// Bits of the flavor in an `EXC_GUARD` code.
const FLAVOR_SHIFT: u32 = 32;
const FLAVOR_MASK: u64 = (1 << (TYPE_SHIFT - FLAVOR_SHIFT)) - 1;

/// The `EXC_GUARD` code of a violation (`EXC_GUARD_ENCODE_TYPE`, `_FLAVOR` and `_TARGET` in
/// one); the flavor keeps its low 29 bits, as the macros do.
#[inline]
pub const fn EXC_GUARD_ENCODE(guard_type: u64, flavor: u32, target: u32) -> u64 {
    (guard_type << TYPE_SHIFT) | ((flavor as u64 & FLAVOR_MASK) << FLAVOR_SHIFT) | target as u64
}

/// The guard type of an `EXC_GUARD` code.
#[inline]
pub const fn EXC_GUARD_DECODE_GUARD_TYPE(code: u64) -> u64 {
    code >> TYPE_SHIFT
}

/// The flavor of an `EXC_GUARD` code.
#[inline]
pub const fn EXC_GUARD_DECODE_GUARD_FLAVOR(code: u64) -> u32 {
    ((code >> FLAVOR_SHIFT) & FLAVOR_MASK) as u32
}

/// The target of an `EXC_GUARD` code.
#[inline]
pub const fn EXC_GUARD_DECODE_GUARD_TARGET(code: u64) -> u32 {
    code as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::kGUARD_EXC_INCORRECT_GUARD;

    #[test]
    fn codes_round_trip() {
        let code = EXC_GUARD_ENCODE(GUARD_TYPE_MACH_PORT, kGUARD_EXC_INCORRECT_GUARD, 0x1303);
        assert_eq!(code, 0x2000_0010_0000_1303);
        assert_eq!(EXC_GUARD_DECODE_GUARD_TYPE(code), GUARD_TYPE_MACH_PORT);
        assert_eq!(
            EXC_GUARD_DECODE_GUARD_FLAVOR(code),
            kGUARD_EXC_INCORRECT_GUARD
        );
        assert_eq!(EXC_GUARD_DECODE_GUARD_TARGET(code), 0x1303);
    }
}
