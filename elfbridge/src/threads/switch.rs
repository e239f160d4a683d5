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
    use std::sync::atomic::{AtomicPtr, Ordering::SeqCst};

    thread_local! {
        static CONTEXT: Cell<*mut NativeContext> = const { Cell::new(std::ptr::null_mut()) };
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
    /// its own. It passes its stack pointer on as the seventh argument and calls `body`.
    #[unsafe(naked)]
    extern "C" fn trampoline() -> ! {
        naked_asm!(
            "mov rax, rsp",
            "sub rsp, 16",
            "mov [rsp], rax",
            "call {body}",
            "ud2",
            body = sym body,
        )
    }

    /// The context [`spoiler`] resumes.
    static SPOILED: AtomicPtr<NativeContext> = AtomicPtr::new(std::ptr::null_mut());

    /// Darwin code at its worst: every callee-saved register, MXCSR (rounding toward zero),
    /// the x87 control word (24-bit precision, rounding toward zero) and the direction flag
    /// changed, then the thread ended.
    #[unsafe(naked)]
    extern "C" fn spoiler() -> ! {
        naked_asm!(
            "mov rbx, -1",
            "mov rbp, -1",
            "mov r12, -1",
            "mov r13, -1",
            "mov r14, -1",
            "mov r15, -1",
            "sub rsp, 16",
            "mov dword ptr [rsp], 0x7f80",
            "ldmxcsr [rsp]",
            "mov word ptr [rsp + 4], 0x0c7f",
            "fldcw [rsp + 4]",
            "std",
            "mov rdi, qword ptr [rip + {context}]",
            "jmp {resume}",
            context = sym SPOILED,
            resume = sym resume_native,
        )
    }

    /// Calls [`enter_darwin`] with known values in every callee-saved register and answers
    /// which came back changed (bits 0–5: rbx, rbp, r12–r15; bit 6: the direction flag set).
    #[unsafe(naked)]
    unsafe extern "C" fn switch_and_check(
        context: *mut NativeContext,
        entry: *const DarwinEntry,
    ) -> u64 {
        naked_asm!(
            "push rbx",
            "push rbp",
            "push r12",
            "push r13",
            "push r14",
            "push r15",
            "sub rsp, 8",
            "mov rbx, 0x1001",
            "mov rbp, 0x1002",
            "mov r12, 0x1003",
            "mov r13, 0x1004",
            "mov r14, 0x1005",
            "mov r15, 0x1006",
            "call {enter}",
            "xor eax, eax",
            "cmp rbx, 0x1001",
            "je 2f",
            "or eax, 1",
            "2:",
            "cmp rbp, 0x1002",
            "je 3f",
            "or eax, 2",
            "3:",
            "cmp r12, 0x1003",
            "je 4f",
            "or eax, 4",
            "4:",
            "cmp r13, 0x1004",
            "je 5f",
            "or eax, 8",
            "5:",
            "cmp r14, 0x1005",
            "je 6f",
            "or eax, 16",
            "6:",
            "cmp r15, 0x1006",
            "je 7f",
            "or eax, 32",
            "7:",
            "pushfq",
            "pop rcx",
            "test ecx, 0x400",
            "jz 8f",
            "or eax, 64",
            "8:",
            "cld",
            "add rsp, 8",
            "pop r15",
            "pop r14",
            "pop r13",
            "pop r12",
            "pop rbp",
            "pop rbx",
            "ret",
            enter = sym enter_darwin,
        )
    }

    fn mxcsr() -> u32 {
        let mut value = 0u32;
        // SAFETY: stmxcsr writes four bytes to the address given, a local u32.
        unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut value, options(nostack)) };
        value
    }

    fn x87_control() -> u16 {
        let mut value = 0u16;
        // SAFETY: fnstcw writes two bytes to the address given, a local u16.
        unsafe { std::arch::asm!("fnstcw [{}]", in(reg) &mut value, options(nostack)) };
        value
    }

    fn entry_on(stack: &mut [u64], rip: u64) -> DarwinEntry {
        DarwinEntry {
            rdi: 1,
            rsi: 2,
            rdx: 3,
            rcx: 4,
            r8: 5,
            r9: 6,
            rsp: stack.as_mut_ptr_range().end as u64 - 64,
            rip,
        }
    }

    #[test]
    fn enters_on_the_given_stack_with_the_given_registers() {
        let mut stack = vec![0u64; 4096];
        let entry = entry_on(&mut stack, trampoline as *const () as u64);
        let mut context = NativeContext::default();
        let context = &raw mut context;
        CONTEXT.set(context);
        // SAFETY: `context` lives on this frame until after the call returns; the stack is
        // ours and big enough; `trampoline` never returns and resumes this context.
        unsafe { enter_darwin(context, &entry) };
        let seen = SEEN.get();
        assert_eq!(&seen[..6], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(
            seen[6], entry.rsp,
            "the entry saw the stack pointer it was given"
        );
    }

    #[test]
    fn comes_back_with_every_callee_saved_register_and_control_word() {
        let mut stack = vec![0u64; 4096];
        let entry = entry_on(&mut stack, spoiler as *const () as u64);
        let mut context = NativeContext::default();
        let context = &raw mut context;
        SPOILED.store(context, SeqCst);
        let (mxcsr_before, x87_before) = (mxcsr(), x87_control());
        // SAFETY: as above; `spoiler` resumes the context switch_and_check's call saved.
        let changed = unsafe { switch_and_check(context, &entry) };
        assert_eq!(
            changed, 0,
            "registers changed (bits: rbx rbp r12-r15 DF): {changed:#b}"
        );
        assert_eq!(mxcsr(), mxcsr_before, "MXCSR restored");
        assert_eq!(x87_control(), x87_before, "x87 control word restored");
    }
}
