//! XNU's machine words, from `mach/machine/vm_types.h` (`mach/i386/vm_types.h`,
//! `mach/arm/vm_types.h`: the same for 64-bit user space): `natural_t` and `integer_t`, of
//! which Mach's counts, sizes and names are made.

/// `natural_t`: XNU's unsigned machine word for counts, sizes and names (32 bits).
pub type natural_t = u32;
/// `integer_t`: XNU's signed machine word (32 bits).
pub type integer_t = i32;
