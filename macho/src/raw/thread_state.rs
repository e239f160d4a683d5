//! Thread states of `LC_THREAD` and `LC_UNIXTHREAD` (`mach/i386/thread_status.h`,
//! `mach/arm/thread_status.h` and their `_structs.h`): the register layouts and their
//! flavors.
//!
//! A state's `*_COUNT` is its size in 32-bit words, as XNU computes it; here it is computed
//! from the structure, so the two cannot disagree. The tagged `x86_THREAD_STATE`,
//! `x86_FLOAT_STATE` and `x86_EXCEPTION_STATE` are a header and a C union; the union is kept
//! as bytes and viewed as the member the header names.

use core::mem::offset_of;

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::endian::{I32, U16, U32, U64};

/// `x86_THREAD_STATE32`: i386 general registers ([`X86ThreadState32`]).
pub const X86_THREAD_STATE32: u32 = 1;
/// `x86_FLOAT_STATE32`.
pub const X86_FLOAT_STATE32: u32 = 2;
/// `x86_EXCEPTION_STATE32`.
pub const X86_EXCEPTION_STATE32: u32 = 3;
/// `x86_THREAD_STATE64`: x86_64 general registers ([`X86ThreadState64`]).
pub const X86_THREAD_STATE64: u32 = 4;
/// `x86_FLOAT_STATE64`: x87, MMX and SSE registers ([`X86FloatState64`]).
pub const X86_FLOAT_STATE64: u32 = 5;
/// `x86_EXCEPTION_STATE64`: the last exception ([`X86ExceptionState64`]).
pub const X86_EXCEPTION_STATE64: u32 = 6;
/// `x86_THREAD_STATE`: a tagged 32- or 64-bit general register state ([`X86ThreadState`]).
pub const X86_THREAD_STATE: u32 = 7;
/// `x86_FLOAT_STATE`: a tagged float state ([`X86FloatState`]).
pub const X86_FLOAT_STATE: u32 = 8;
/// `x86_EXCEPTION_STATE`: a tagged exception state ([`X86ExceptionState`]).
pub const X86_EXCEPTION_STATE: u32 = 9;
/// `ARM_THREAD_STATE`: 32-bit ARM general registers ([`ArmThreadState32`]).
pub const ARM_THREAD_STATE: u32 = 1;
/// `ARM_THREAD_STATE64`: arm64 general registers ([`ArmThreadState64`]).
pub const ARM_THREAD_STATE64: u32 = 6;
/// `ARM_THREAD_STATE32`: 32-bit ARM general registers, the flavor's newer name.
pub const ARM_THREAD_STATE32: u32 = 9;

/// A state's size in 32-bit words (`mach_msg_type_number_t`), as XNU's `*_COUNT` macros.
const fn count<T>() -> u32 {
    (size_of::<T>() / size_of::<u32>()) as u32
}

/// `x86_THREAD_STATE32_COUNT` (also `i386_THREAD_STATE_COUNT`).
pub const X86_THREAD_STATE32_COUNT: u32 = count::<X86ThreadState32>();
/// `x86_THREAD_STATE64_COUNT`.
pub const X86_THREAD_STATE64_COUNT: u32 = count::<X86ThreadState64>();
/// `x86_FLOAT_STATE64_COUNT`.
pub const X86_FLOAT_STATE64_COUNT: u32 = count::<X86FloatState64>();
/// `x86_EXCEPTION_STATE64_COUNT`.
pub const X86_EXCEPTION_STATE64_COUNT: u32 = count::<X86ExceptionState64>();
/// `x86_THREAD_STATE_COUNT`.
pub const X86_THREAD_STATE_COUNT: u32 = count::<X86ThreadState>();
/// `x86_FLOAT_STATE_COUNT`.
pub const X86_FLOAT_STATE_COUNT: u32 = count::<X86FloatState>();
/// `x86_EXCEPTION_STATE_COUNT`.
pub const X86_EXCEPTION_STATE_COUNT: u32 = count::<X86ExceptionState>();
/// `ARM_THREAD_STATE_COUNT` (also `ARM_THREAD_STATE32_COUNT`).
pub const ARM_THREAD_STATE_COUNT: u32 = count::<ArmThreadState32>();
/// `ARM_THREAD_STATE64_COUNT`.
pub const ARM_THREAD_STATE64_COUNT: u32 = count::<ArmThreadState64>();
const_assert_eq!(X86_THREAD_STATE32_COUNT, 16);
const_assert_eq!(X86_THREAD_STATE64_COUNT, 42);
const_assert_eq!(X86_FLOAT_STATE64_COUNT, 131);
const_assert_eq!(X86_EXCEPTION_STATE64_COUNT, 4);
const_assert_eq!(X86_THREAD_STATE_COUNT, 44);
const_assert_eq!(X86_FLOAT_STATE_COUNT, 133);
const_assert_eq!(X86_EXCEPTION_STATE_COUNT, 6);
const_assert_eq!(ARM_THREAD_STATE_COUNT, 17);
const_assert_eq!(ARM_THREAD_STATE64_COUNT, 68);

/// `x86_thread_state32_t` (`_STRUCT_X86_THREAD_STATE32`): the i386 general registers.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86ThreadState32 {
    /// `eax`.
    pub eax: U32,
    /// `ebx`.
    pub ebx: U32,
    /// `ecx`.
    pub ecx: U32,
    /// `edx`.
    pub edx: U32,
    /// `edi`.
    pub edi: U32,
    /// `esi`.
    pub esi: U32,
    /// `ebp`.
    pub ebp: U32,
    /// `esp`.
    pub esp: U32,
    /// `ss`.
    pub ss: U32,
    /// `eflags`.
    pub eflags: U32,
    /// `eip`.
    pub eip: U32,
    /// `cs`.
    pub cs: U32,
    /// `ds`.
    pub ds: U32,
    /// `es`.
    pub es: U32,
    /// `fs`.
    pub fs: U32,
    /// `gs`.
    pub gs: U32,
}
const_assert_eq!(size_of::<X86ThreadState32>(), 64);
const_assert_eq!(offset_of!(X86ThreadState32, eflags), 36);
const_assert_eq!(offset_of!(X86ThreadState32, eip), 40);
const_assert_eq!(offset_of!(X86ThreadState32, gs), 60);

/// `x86_thread_state64_t` (`_STRUCT_X86_THREAD_STATE64`): the x86_64 general registers.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86ThreadState64 {
    /// `rax`.
    pub rax: U64,
    /// `rbx`.
    pub rbx: U64,
    /// `rcx`.
    pub rcx: U64,
    /// `rdx`.
    pub rdx: U64,
    /// `rdi`.
    pub rdi: U64,
    /// `rsi`.
    pub rsi: U64,
    /// `rbp`.
    pub rbp: U64,
    /// `rsp`.
    pub rsp: U64,
    /// `r8`.
    pub r8: U64,
    /// `r9`.
    pub r9: U64,
    /// `r10`.
    pub r10: U64,
    /// `r11`.
    pub r11: U64,
    /// `r12`.
    pub r12: U64,
    /// `r13`.
    pub r13: U64,
    /// `r14`.
    pub r14: U64,
    /// `r15`.
    pub r15: U64,
    /// `rip`.
    pub rip: U64,
    /// `rflags`.
    pub rflags: U64,
    /// `cs`.
    pub cs: U64,
    /// `fs`.
    pub fs: U64,
    /// `gs`.
    pub gs: U64,
}
const_assert_eq!(size_of::<X86ThreadState64>(), 168);
const_assert_eq!(offset_of!(X86ThreadState64, r8), 64);
const_assert_eq!(offset_of!(X86ThreadState64, rip), 128);
const_assert_eq!(offset_of!(X86ThreadState64, gs), 160);

/// `x86_state_hdr_t`: the header of a tagged x86 state, naming the member that follows.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86StateHdr {
    /// The member's flavor (`x86_THREAD_STATE64`, …).
    pub flavor: I32,
    /// The member's size in words.
    pub count: I32,
}
const_assert_eq!(size_of::<X86StateHdr>(), 8);

/// `x86_thread_state_t`: `x86_THREAD_STATE`, a header and the union of
/// [`X86ThreadState32`] and [`X86ThreadState64`].
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86ThreadState {
    /// Which member `uts` holds.
    pub tsh: X86StateHdr,
    /// The union `uts` (`ts32` or `ts64`), as bytes: see [`ts32`](Self::ts32) and
    /// [`ts64`](Self::ts64).
    pub uts: [u8; size_of::<X86ThreadState64>()],
}
const_assert_eq!(size_of::<X86ThreadState>(), 176);
const_assert_eq!(offset_of!(X86ThreadState, uts), 8);

impl X86ThreadState {
    /// `uts.ts64`.
    pub fn ts64(&self) -> &X86ThreadState64 {
        zerocopy::transmute_ref!(&self.uts)
    }

    /// `uts.ts32` (the union's first 64 bytes).
    pub fn ts32(&self) -> Option<&X86ThreadState32> {
        X86ThreadState32::ref_from_prefix(&self.uts)
            .ok()
            .map(|(s, _)| s)
    }
}

/// `_STRUCT_MMST_REG`: an x87 or MMX register.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct MmstReg {
    /// The 80-bit register.
    pub mmst_reg: [u8; 10],
    /// Reserved.
    pub mmst_rsrv: [u8; 6],
}
const_assert_eq!(size_of::<MmstReg>(), 16);

/// `_STRUCT_XMM_REG`: an SSE register.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct XmmReg {
    /// The 128-bit register.
    pub xmm_reg: [u8; 16],
}
const_assert_eq!(size_of::<XmmReg>(), 16);

/// `x86_float_state64_t` (`_STRUCT_X86_FLOAT_STATE64`): the x87, MMX and SSE state.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86FloatState64 {
    /// Reserved.
    pub fpu_reserved: [I32; 2],
    /// x87 control word (`struct fp_control`: the exception masks in bits 0-5, precision
    /// control in bits 8-9, rounding control in bits 10-11).
    pub fpu_fcw: U16,
    /// x87 status word (`struct fp_status`: the exception flags in bits 0-6, then errsumm,
    /// c0, c1, c2, a 3-bit tos, c3 and busy).
    pub fpu_fsw: U16,
    /// x87 tag word, abridged.
    pub fpu_ftw: u8,
    /// Reserved.
    pub fpu_rsrv1: u8,
    /// Last x87 opcode.
    pub fpu_fop: U16,
    /// x87 instruction pointer: offset.
    pub fpu_ip: U32,
    /// x87 instruction pointer: selector.
    pub fpu_cs: U16,
    /// Reserved.
    pub fpu_rsrv2: U16,
    /// x87 operand pointer: offset.
    pub fpu_dp: U32,
    /// x87 operand pointer: selector.
    pub fpu_ds: U16,
    /// Reserved.
    pub fpu_rsrv3: U16,
    /// SSE control and status.
    pub fpu_mxcsr: U32,
    /// The MXCSR bits the processor supports.
    pub fpu_mxcsrmask: U32,
    /// `fpu_stmm0` to `fpu_stmm7`.
    pub fpu_stmm: [MmstReg; 8],
    /// `fpu_xmm0` to `fpu_xmm15`.
    pub fpu_xmm: [XmmReg; 16],
    /// Reserved.
    pub fpu_rsrv4: [u8; 6 * 16],
    /// Reserved.
    pub fpu_reserved1: I32,
}
const_assert_eq!(size_of::<X86FloatState64>(), 524);
const_assert_eq!(offset_of!(X86FloatState64, fpu_fcw), 8);
const_assert_eq!(offset_of!(X86FloatState64, fpu_ip), 16);
const_assert_eq!(offset_of!(X86FloatState64, fpu_cs), 20);
const_assert_eq!(offset_of!(X86FloatState64, fpu_dp), 24);
const_assert_eq!(offset_of!(X86FloatState64, fpu_mxcsr), 32);
const_assert_eq!(offset_of!(X86FloatState64, fpu_stmm), 40);
const_assert_eq!(offset_of!(X86FloatState64, fpu_xmm), 168);
const_assert_eq!(offset_of!(X86FloatState64, fpu_rsrv4), 424);
const_assert_eq!(offset_of!(X86FloatState64, fpu_reserved1), 520);

/// `x86_float_state_t`: `x86_FLOAT_STATE`, a header and the union of the 32- and 64-bit
/// float states (the same size).
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86FloatState {
    /// Which member `ufs` holds.
    pub fsh: X86StateHdr,
    /// The union `ufs`, as bytes: see [`fs64`](Self::fs64).
    pub ufs: [u8; size_of::<X86FloatState64>()],
}
const_assert_eq!(size_of::<X86FloatState>(), 532);

impl X86FloatState {
    /// `ufs.fs64`.
    pub fn fs64(&self) -> &X86FloatState64 {
        zerocopy::transmute_ref!(&self.ufs)
    }
}

/// `x86_exception_state64_t` (`_STRUCT_X86_EXCEPTION_STATE64`): the last exception.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86ExceptionState64 {
    /// Trap number.
    pub trapno: U16,
    /// CPU the exception was taken on.
    pub cpu: U16,
    /// Error code.
    pub err: U32,
    /// Faulting address.
    pub faultvaddr: U64,
}
const_assert_eq!(size_of::<X86ExceptionState64>(), 16);
const_assert_eq!(offset_of!(X86ExceptionState64, err), 4);
const_assert_eq!(offset_of!(X86ExceptionState64, faultvaddr), 8);

/// `x86_exception_state_t`: `x86_EXCEPTION_STATE`, a header and the union of the 32- and
/// 64-bit exception states.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct X86ExceptionState {
    /// Which member `ues` holds.
    pub esh: X86StateHdr,
    /// The union `ues`, as bytes: see [`es64`](Self::es64).
    pub ues: [u8; size_of::<X86ExceptionState64>()],
}
const_assert_eq!(size_of::<X86ExceptionState>(), 24);

impl X86ExceptionState {
    /// `ues.es64`.
    pub fn es64(&self) -> &X86ExceptionState64 {
        zerocopy::transmute_ref!(&self.ues)
    }
}

/// `arm_thread_state32_t` (`_STRUCT_ARM_THREAD_STATE`): the 32-bit ARM general registers.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct ArmThreadState32 {
    /// `r0` to `r12`.
    pub r: [U32; 13],
    /// Stack pointer (`r13`).
    pub sp: U32,
    /// Link register (`r14`).
    pub lr: U32,
    /// Program counter (`r15`).
    pub pc: U32,
    /// Current program status register.
    pub cpsr: U32,
}
const_assert_eq!(size_of::<ArmThreadState32>(), 68);
const_assert_eq!(offset_of!(ArmThreadState32, pc), 60);
const_assert_eq!(offset_of!(ArmThreadState32, cpsr), 64);

/// `arm_thread_state64_t` (`_STRUCT_ARM_THREAD_STATE64`): the arm64 general registers.
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct ArmThreadState64 {
    /// `x0` to `x28`.
    pub x: [U64; 29],
    /// Frame pointer (`x29`).
    pub fp: U64,
    /// Link register (`x30`).
    pub lr: U64,
    /// Stack pointer.
    pub sp: U64,
    /// Program counter.
    pub pc: U64,
    /// Current program status register.
    pub cpsr: U32,
    /// Padding (`__pad`, or `__opaque_flags` in later SDKs).
    pub pad: U32,
}
const_assert_eq!(size_of::<ArmThreadState64>(), 272);
const_assert_eq!(offset_of!(ArmThreadState64, fp), 232);
const_assert_eq!(offset_of!(ArmThreadState64, pc), 256);
const_assert_eq!(offset_of!(ArmThreadState64, cpsr), 264);
