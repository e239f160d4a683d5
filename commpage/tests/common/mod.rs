//! Processors described by hand, for the rules that depend on them.
#![allow(dead_code)]

use darling_commpage::{CpuidTable, Regs};

/// A processor's CPUID, as far as the commpage reads it.
#[derive(Clone, Debug)]
pub struct Cpu {
    pub vendor: &'static [u8; 12],
    pub family: u32,
    pub model: u32,
    /// Leaf 1 ECX and EDX.
    pub ecx: u32,
    pub edx: u32,
    /// Leaf 7 sub-leaf 0 EBX and ECX.
    pub l7_ebx: u32,
    pub l7_ecx: u32,
    pub max_basic: u32,
    /// Leaf 4 (Intel): the L1 data and L2 line sizes; `None` leaves leaf 4 empty (AMD).
    pub leaf4_lines: Option<(u32, u32)>,
    /// Leaf 0x80000006 `ECX[7:0]`.
    pub ext_line: u32,
    /// Leaf 0x80000001 EDX (bit 29: long mode).
    pub ext_edx: u32,
}

/// Bits of leaf 1 EDX.
pub mod edx {
    pub const FPU: u32 = 1 << 0;
    pub const APIC: u32 = 1 << 9;
    pub const MTRR: u32 = 1 << 12;
    pub const CLFSH: u32 = 1 << 19;
    pub const MMX: u32 = 1 << 23;
    pub const SSE: u32 = 1 << 25;
    pub const SSE2: u32 = 1 << 26;
    pub const HTT: u32 = 1 << 28;
    pub const TM: u32 = 1 << 29;
}

/// Bits of leaf 1 ECX.
pub mod ecx {
    pub const SSE3: u32 = 1 << 0;
    pub const SSSE3: u32 = 1 << 9;
    pub const FMA: u32 = 1 << 12;
    pub const SSE4_1: u32 = 1 << 19;
    pub const SSE4_2: u32 = 1 << 20;
    pub const POPCNT: u32 = 1 << 23;
    pub const AES: u32 = 1 << 25;
    pub const XSAVE: u32 = 1 << 26;
    pub const OSXSAVE: u32 = 1 << 27;
    pub const AVX: u32 = 1 << 28;
    pub const F16C: u32 = 1 << 29;
    pub const RDRAND: u32 = 1 << 30;
}

/// Bits of leaf 7 EBX.
pub mod l7 {
    pub const SGX: u32 = 1 << 2;
    pub const BMI1: u32 = 1 << 3;
    pub const HLE: u32 = 1 << 4;
    pub const AVX2: u32 = 1 << 5;
    pub const BMI2: u32 = 1 << 8;
    pub const ERMS: u32 = 1 << 9;
    pub const RTM: u32 = 1 << 11;
    pub const MPX: u32 = 1 << 14;
    pub const AVX512F: u32 = 1 << 16;
    pub const AVX512DQ: u32 = 1 << 17;
    pub const RDSEED: u32 = 1 << 18;
    pub const ADX: u32 = 1 << 19;
    pub const AVX512CD: u32 = 1 << 28;
    pub const AVX512BW: u32 = 1 << 30;
    pub const AVX512VL: u32 = 1 << 31;
}

pub const LM: u32 = 1 << 29;

impl Cpu {
    /// A Haswell desktop (family 6 model 0x3c): SSE through AVX2, TSX, no AVX-512.
    pub fn haswell() -> Cpu {
        Cpu {
            vendor: b"GenuineIntel",
            family: 6,
            model: 0x3c,
            ecx: ecx::SSE3
                | ecx::SSSE3
                | ecx::FMA
                | ecx::SSE4_1
                | ecx::SSE4_2
                | ecx::POPCNT
                | ecx::AES
                | ecx::XSAVE
                | ecx::OSXSAVE
                | ecx::AVX
                | ecx::F16C
                | ecx::RDRAND,
            edx: edx::FPU
                | edx::APIC
                | edx::MTRR
                | edx::CLFSH
                | edx::MMX
                | edx::SSE
                | edx::SSE2
                | edx::HTT,
            l7_ebx: l7::BMI1 | l7::HLE | l7::AVX2 | l7::BMI2 | l7::ERMS | l7::RTM,
            l7_ecx: 0,
            max_basic: 0xd,
            leaf4_lines: Some((64, 64)),
            ext_line: 64,
            ext_edx: LM,
        }
    }

    /// A Zen 4 part (AuthenticAMD family 0x19): AVX-512, no leaf 4, no TSX.
    pub fn zen4() -> Cpu {
        Cpu {
            vendor: b"AuthenticAMD",
            family: 0x19,
            model: 0x11,
            ecx: Cpu::haswell().ecx,
            edx: Cpu::haswell().edx,
            l7_ebx: l7::BMI1
                | l7::AVX2
                | l7::BMI2
                | l7::ERMS
                | l7::AVX512F
                | l7::AVX512DQ
                | l7::RDSEED
                | l7::ADX
                | l7::AVX512CD
                | l7::AVX512BW
                | l7::AVX512VL,
            l7_ecx: (1 << 1) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 14),
            max_basic: 0x10,
            leaf4_lines: None,
            ext_line: 64,
            ext_edx: LM,
        }
    }

    /// CPUID leaf 1's EAX for this family and model.
    pub fn signature(&self) -> u32 {
        let (base_family, ext_family) = if self.family >= 0xf {
            (0xf, self.family - 0xf)
        } else {
            (self.family, 0)
        };
        (self.model & 0xf) << 4 | base_family << 8 | (self.model >> 4) << 16 | ext_family << 20
    }

    /// The CPUID table.
    pub fn table(&self) -> CpuidTable {
        let mut t = CpuidTable::new();
        let v = self.vendor;
        let word = |i: usize| u32::from_le_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]]);
        t.set(
            0,
            0,
            Regs {
                eax: self.max_basic,
                ebx: word(0),
                edx: word(4),
                ecx: word(8),
            },
        );
        t.set(
            1,
            0,
            Regs {
                eax: self.signature(),
                ebx: 0,
                ecx: self.ecx,
                edx: self.edx,
            },
        );
        if let Some((l1d, l2)) = self.leaf4_lines {
            // Type in `EAX[4:0]` (1 data, 3 unified), level in `EAX[7:5]`, line - 1 in `EBX[11:0]`.
            t.set(
                4,
                0,
                Regs {
                    eax: 1 | 1 << 5,
                    ebx: l1d - 1,
                    ..Regs::default()
                },
            );
            t.set(
                4,
                1,
                Regs {
                    eax: 2 | 1 << 5,
                    ebx: 63,
                    ..Regs::default()
                },
            );
            t.set(
                4,
                2,
                Regs {
                    eax: 3 | 2 << 5,
                    ebx: l2 - 1,
                    ..Regs::default()
                },
            );
        }
        t.set(
            7,
            0,
            Regs {
                eax: 0,
                ebx: self.l7_ebx,
                ecx: self.l7_ecx,
                edx: 0,
            },
        );
        t.set(
            0x8000_0000,
            0,
            Regs {
                eax: 0x8000_0008,
                ..Regs::default()
            },
        );
        t.set(
            0x8000_0001,
            0,
            Regs {
                edx: self.ext_edx,
                ..Regs::default()
            },
        );
        t.set(
            0x8000_0006,
            0,
            Regs {
                ecx: self.ext_line,
                ..Regs::default()
            },
        );
        t.set(
            0x8000_0007,
            0,
            Regs {
                edx: 1 << 8,
                ..Regs::default()
            },
        );
        t
    }
}
