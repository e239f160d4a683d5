//! The two stack switches of a Darwin thread on x86-64: from the host thread's own frame onto
//! the Darwin stack (never to come back by a return), and from wherever Darwin code ends the
//! thread back to that frame.
//!
//! This is `setjmp`/`longjmp` reduced to what it needs to be, written out so that no C
//! runtime's jump-buffer mangling or signal-mask bookkeeping is involved: [`enter_darwin`]
//! saves the System V callee-saved state (rbx, rbp, r12–r15, the stack pointer, the MXCSR
//! control bits and the x87 control word) in a [`NativeContext`], loads the registers Darwin's
//! thread entry points expect and jumps; [`resume_native`] restores the saved state and
//! returns from [`enter_darwin`] as if the jump had been a call that returned.

use std::arch::naked_asm;
use std::mem::offset_of;

/// The host frame saved by [`enter_darwin`]: what a function call must preserve.
#[repr(C)]
#[derive(Debug, Default)]
pub(super) struct NativeContext {
    rsp: u64,
    rbx: u64,
    rbp: u64,
    r12: u64,
    r13: u64,
    r14: u64,
    r15: u64,
    mxcsr: u32,
    x87_control: u16,
    _pad: u16,
}

/// The machine state Darwin code starts with: the six argument registers, the stack pointer
/// and the address jumped to.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(super) struct DarwinEntry {
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub r8: u64,
    pub r9: u64,
    pub rsp: u64,
    pub rip: u64,
}

/// `naked_asm!` with the offsets of [`NativeContext`]'s fields as the named operands `rsp`,
/// `rbx`, `rbp`, `r12`–`r15`, `mxcsr` and `x87`, and any further `name = const value`.
macro_rules! context_asm {
    ($($template:literal),* ; $($name:ident = const $value:expr),* $(,)?) => {
        naked_asm!(
            concat!($($template, "\n"),*),
            rsp = const offset_of!(NativeContext, rsp),
            rbx = const offset_of!(NativeContext, rbx),
            rbp = const offset_of!(NativeContext, rbp),
            r12 = const offset_of!(NativeContext, r12),
            r13 = const offset_of!(NativeContext, r13),
            r14 = const offset_of!(NativeContext, r14),
            r15 = const offset_of!(NativeContext, r15),
            mxcsr = const offset_of!(NativeContext, mxcsr),
            x87 = const offset_of!(NativeContext, x87_control),
            $($name = const $value,)*
        )
    };
}

/// Saves the caller's frame in `*context`, switches to `entry.rsp` and jumps to `entry.rip`
/// with the argument registers of `entry` (and rbp zero: the outermost frame).
///
/// Returns only when [`resume_native`] is called with the same context on the same thread.
///
/// # Safety
/// `context` is writable and stays valid and unmoved until [`resume_native`] uses it; `entry`
/// is readable; `entry.rsp` is a stack the code at `entry.rip` may use and `entry.rip` code
/// that never returns (it has no return address to return to).
#[unsafe(naked)]
pub(super) unsafe extern "C" fn enter_darwin(
    context: *mut NativeContext,
    entry: *const DarwinEntry,
) {
    context_asm!(
        "mov [rdi + {rbx}], rbx",
        "mov [rdi + {rbp}], rbp",
        "mov [rdi + {r12}], r12",
        "mov [rdi + {r13}], r13",
        "mov [rdi + {r14}], r14",
        "mov [rdi + {r15}], r15",
        "stmxcsr [rdi + {mxcsr}]",
        "fnstcw [rdi + {x87}]",
        // The stack pointer as it is now: pointing at our return address.
        "mov [rdi + {rsp}], rsp",
        "mov rax, [rsi + {e_rip}]",
        "mov rsp, [rsi + {e_rsp}]",
        "mov rdi, [rsi + {e_rdi}]",
        "mov rdx, [rsi + {e_rdx}]",
        "mov rcx, [rsi + {e_rcx}]",
        "mov r8, [rsi + {e_r8}]",
        "mov r9, [rsi + {e_r9}]",
        "mov rsi, [rsi + {e_rsi}]",
        "xor ebp, ebp",
        "cld",
        "jmp rax";
        e_rdi = const offset_of!(DarwinEntry, rdi),
        e_rsi = const offset_of!(DarwinEntry, rsi),
        e_rdx = const offset_of!(DarwinEntry, rdx),
        e_rcx = const offset_of!(DarwinEntry, rcx),
        e_r8 = const offset_of!(DarwinEntry, r8),
        e_r9 = const offset_of!(DarwinEntry, r9),
        e_rsp = const offset_of!(DarwinEntry, rsp),
        e_rip = const offset_of!(DarwinEntry, rip),
    )
}

/// Restores the frame [`enter_darwin`] saved in `*context` and returns from that call.
///
/// # Safety
/// `context` was filled by [`enter_darwin`] on this thread, whose call has not yet returned:
/// the host frame it saved is still on this thread's host stack, untouched.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn resume_native(context: *const NativeContext) -> ! {
    context_asm!(
        "mov rbx, [rdi + {rbx}]",
        "mov rbp, [rdi + {rbp}]",
        "mov r12, [rdi + {r12}]",
        "mov r13, [rdi + {r13}]",
        "mov r14, [rdi + {r14}]",
        "mov r15, [rdi + {r15}]",
        "ldmxcsr [rdi + {mxcsr}]",
        "fldcw [rdi + {x87}]",
        "mov rsp, [rdi + {rsp}]",
        "cld",
        "ret";
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static CONTEXT: Cell<*const NativeContext> = const { Cell::new(std::ptr::null()) };
        static SEEN: Cell<[u64; 8]> = const { Cell::new([0; 8]) };
    }

    /// The "Darwin" side: records its registers (the seventh value is its entry stack
    /// pointer, handed over by the trampoline) and resumes the saved frame.
    extern "C" fn body(rdi: u64, rsi: u64, rdx: u64, rcx: u64, r8: u64, r9: u64, rsp: u64) -> ! {
        SEEN.set([rdi, rsi, rdx, rcx, r8, r9, rsp, 0]);
        // SAFETY: the context was saved by enter_darwin on this thread, whose frame is live.
        unsafe { resume_native(CONTEXT.get()) }
    }

    /// An entry point as Darwin's are entered: 16-byte aligned stack, no return address of
    /// its own. It passes its stack pointer on as the seventh argument, spoils every
    /// callee-saved register and the MXCSR rounding mode (as Darwin code may), and calls `body`.
    #[unsafe(naked)]
    extern "C" fn trampoline() -> ! {
        naked_asm!(
            "mov rax, rsp",
            "sub rsp, 16",
            "mov [rsp], rax",
            // All exceptions masked, rounding toward zero.
            "mov dword ptr [rsp + 8], 0x7f80",
            "ldmxcsr [rsp + 8]",
            "mov rbx, -1",
            "mov rbp, -1",
            "mov r12, -1",
            "mov r13, -1",
            "mov r14, -1",
            "mov r15, -1",
            "call {body}",
            "ud2",
            body = sym body,
        )
    }

    fn mxcsr() -> u32 {
        let mut value = 0u32;
        // SAFETY: stmxcsr writes four bytes to the address given, a local u32.
        unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut value, options(nostack)) };
        value
    }

    #[test]
    fn enters_on_the_given_stack_and_comes_back_with_callee_saved_state() {
        let mut stack = vec![0u64; 4096];
        let top = stack.as_mut_ptr_range().end as u64 - 64;
        let entry = DarwinEntry {
            rdi: 1,
            rsi: 2,
            rdx: 3,
            rcx: 4,
            r8: 5,
            r9: 6,
            rsp: top,
            rip: trampoline as *const () as u64,
        };
        let mut context = NativeContext::default();
        CONTEXT.set(&context);
        // Values live across the switch: the optimiser keeps them in callee-saved registers.
        let keep = std::hint::black_box([11u64, 12, 13, 14, 15, 16]);
        let (a, b, c, d, e, f) = (keep[0], keep[1], keep[2], keep[3], keep[4], keep[5]);
        let control = mxcsr();
        // SAFETY: `context` lives on this frame until after the call returns; the stack is
        // ours and big enough; `trampoline` never returns and resumes this context.
        unsafe { enter_darwin(&mut context, &entry) };
        assert_eq!(
            std::hint::black_box([a, b, c, d, e, f]),
            [11, 12, 13, 14, 15, 16]
        );
        assert_eq!(mxcsr(), control, "MXCSR restored");
        let seen = SEEN.get();
        assert_eq!(&seen[..6], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(seen[6], top, "the entry saw the stack pointer it was given");
        assert_ne!(context.rsp, 0, "the host stack pointer was saved");
        drop(stack);
    }
}
