//! Architecture names (`x86_64`, `arm64e`, …) for CPU type and subtype pairs, as LLVM's and
//! Apple's tools spell them. Pairs outside this list have no name (LLVM then leaves the
//! architecture out of its labels).

use crate::raw::*;

/// Known `(name, cputype, cpusubtype)` triples, subtypes without capability bits.
const ARCHES: &[(&str, i32, i32)] = &[
    ("i386", CPU_TYPE_I386, CPU_SUBTYPE_I386_ALL),
    ("x86_64", CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_ALL),
    ("x86_64h", CPU_TYPE_X86_64, CPU_SUBTYPE_X86_64_H),
    ("arm64", CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64_ALL),
    ("arm64e", CPU_TYPE_ARM64, CPU_SUBTYPE_ARM64E),
    ("arm64_32", CPU_TYPE_ARM64_32, CPU_SUBTYPE_ARM64_32_V8),
    ("armv4t", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V4T),
    ("armv5e", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V5TEJ),
    ("armv6", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V6),
    ("armv6m", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V6M),
    ("armv7", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7),
    ("armv7em", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7EM),
    ("armv7k", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7K),
    ("armv7m", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7M),
    ("armv7s", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_V7S),
    ("xscale", CPU_TYPE_ARM, CPU_SUBTYPE_ARM_XSCALE),
    ("ppc", CPU_TYPE_POWERPC, CPU_SUBTYPE_POWERPC_ALL),
    ("ppc64", CPU_TYPE_POWERPC64, CPU_SUBTYPE_POWERPC_ALL),
];

/// The architecture name of a CPU type and subtype (capability bits ignored), or `None`
/// for a pair Apple's tools have no name for.
///
/// ```
/// use darling_macho::{arch_name, raw};
///
/// assert_eq!(arch_name(raw::CPU_TYPE_X86_64, 3), Some("x86_64"));
/// assert_eq!(arch_name(raw::CPU_TYPE_ARM64, raw::CPU_SUBTYPE_ARM64E | raw::CPU_SUBTYPE_PTRAUTH_ABI), Some("arm64e"));
/// ```
pub fn arch_name(cputype: i32, cpusubtype: i32) -> Option<&'static str> {
    let sub = cpusubtype & !CPU_SUBTYPE_MASK;
    ARCHES
        .iter()
        .find(|&&(_, t, s)| t == cputype && s == sub)
        .map(|&(n, _, _)| n)
}

/// The CPU type and subtype of an architecture name (`"arm64"`), or `None`.
pub fn arch_from_name(name: &str) -> Option<(i32, i32)> {
    ARCHES
        .iter()
        .find(|&&(n, _, _)| n == name)
        .map(|&(_, t, s)| (t, s))
}
