//! Entering a loaded executable: `main(argc, argv, envp, apple)` as dyld calls it. The
//! crate's unsafe edge for running code.
#![allow(unsafe_code)]

use std::ffi::{CString, c_char, c_int};

use crate::image::LoadedImage;

/// `main` as dyld calls it: the arguments, the environment and Apple's strings
/// (`executable_path=…`), each a NULL-terminated array of C strings.
type Main = unsafe extern "C" fn(
    c_int,
    *const *const c_char,
    *const *const c_char,
    *const *const c_char,
) -> c_int;

/// A NULL-terminated array of pointers to `strings`, which must outlive it.
fn pointers(strings: &[CString]) -> Vec<*const c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// Calls the image's `main` on this thread with `args` (`argv[0]` first), `env`
/// (`NAME=value`) and `apple` (`executable_path=…`), and returns what it returns.
///
/// # Safety
/// This runs the image's code, which can do anything the process can: the caller vouches
/// for the image, for its imports having been bound to what it expects, and for keeping the
/// image (and the shims its imports point into) alive while any of its code may still run,
/// here and on threads it starts.
pub unsafe fn call_main(
    image: &LoadedImage,
    args: &[CString],
    env: &[CString],
    apple: &[CString],
) -> c_int {
    let (argv, envp, applep) = (pointers(args), pointers(env), pointers(apple));
    let argc = c_int::try_from(args.len()).unwrap_or(c_int::MAX);
    // SAFETY: `entry` is the address of `main` in the mapped, executable __TEXT of `image`
    // (the plan checked it lies in an executable segment); the caller vouches for the code.
    let main: Main = unsafe { std::mem::transmute::<usize, Main>(image.entry() as usize) };
    // SAFETY: the arrays and the strings they point to live until `main` returns; dyld
    // passes the same four arguments.
    unsafe { main(argc, argv.as_ptr(), envp.as_ptr(), applep.as_ptr()) }
}

/// The default stack of a macOS main thread (8 MiB), used when `LC_MAIN` asks for none.
pub const DEFAULT_STACK_SIZE: usize = 8 << 20;

/// The start of a macOS process, laid out as XNU lays it on a new stack: `argc`, the
/// `argv`, `envp` and `apple` pointer arrays each ended by NULL, and above them the strings
/// they point to. Built in a buffer first, then copied to the stack's top.
struct StartBlock {
    /// The bytes, as they will be at `base`.
    bytes: Vec<u8>,
    /// Offsets in `bytes` of `argv`, `envp` and `apple`.
    argv: usize,
    envp: usize,
    apple: usize,
}

impl StartBlock {
    /// The block for a stack whose top is `top`, placed just below it, 16-byte aligned.
    fn new(top: usize, args: &[CString], env: &[CString], apple: &[CString]) -> (usize, Self) {
        let strings: Vec<&CString> = args.iter().chain(env).chain(apple).collect();
        let strings_len: usize = strings.iter().map(|s| s.as_bytes_with_nul().len()).sum();
        let pointers = 1 + (args.len() + 1) + (env.len() + 1) + (apple.len() + 1);
        let len = (pointers * 8 + strings_len).next_multiple_of(16);
        let base = (top - len) & !15;
        let mut bytes = vec![0u8; top - base];
        let mut words = Vec::with_capacity(pointers);
        words.push(args.len());
        let mut at = base + pointers * 8;
        let mut string_at = Vec::new();
        for s in &strings {
            string_at.push(at);
            let b = s.as_bytes_with_nul();
            bytes[at - base..at - base + b.len()].copy_from_slice(b);
            at += b.len();
        }
        let mut next = string_at.into_iter();
        let (argv, envp, applep);
        argv = words.len() * 8;
        words.extend(next.by_ref().take(args.len()));
        words.push(0);
        envp = words.len() * 8;
        words.extend(next.by_ref().take(env.len()));
        words.push(0);
        applep = words.len() * 8;
        words.extend(next.by_ref().take(apple.len()));
        words.push(0);
        for (i, w) in words.iter().enumerate() {
            bytes[i * 8..i * 8 + 8].copy_from_slice(&(*w as u64).to_le_bytes());
        }
        let block = StartBlock {
            bytes,
            argv,
            envp,
            apple: applep,
        };
        (base, block)
    }
}

/// Runs the image's `main` as a macOS process starts: on a stack of its own of `stack_size`
/// bytes (below a guard page), whose top holds `argc`, `argv`, `envp`, the Apple strings
/// and the strings they point to as XNU lays them out, with GS pointing at a TSD that
/// records that stack; `main`'s result goes to `exit`, which flushes stdio. Never returns.
///
/// # Safety
/// As for [`call_main`]; besides, the image, the shims and everything the program reaches
/// must live until the process ends.
#[cfg(target_arch = "x86_64")]
pub unsafe fn run_main(
    image: &LoadedImage,
    args: &[CString],
    env: &[CString],
    apple: &[CString],
    stack_size: usize,
) -> ! {
    use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};
    const GUARD: usize = 0x1000;
    let size = stack_size.max(0x10000).next_multiple_of(0x1000);
    // SAFETY: a new anonymous mapping, replacing nothing.
    let stack = unsafe {
        rustix::mm::mmap_anonymous(
            std::ptr::null_mut(),
            size + GUARD,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::NORESERVE,
        )
    }
    .unwrap_or_else(|e| {
        eprintln!("darling-loader: cannot map a {size:#x}-byte stack: {e}");
        std::process::exit(1)
    });
    // SAFETY: the lowest page of the mapping just made becomes the guard.
    let _ = unsafe { rustix::mm::mprotect(stack, GUARD, MprotectFlags::empty()) };
    let top = stack as usize + GUARD + size;
    // Darwin code finds its thread's data through GS: the thread's TSD, recording this stack.
    if let Err(e) = crate::threads::enter_darwin_thread_on_stack(top, stack as usize + GUARD) {
        eprintln!("darling-loader: the main thread cannot get its TSD: {e}");
        std::process::exit(1)
    }
    let (base, block) = StartBlock::new(top, args, env, apple);
    // SAFETY: [base, top) lies in the stack just mapped, readable and writable.
    unsafe {
        std::ptr::copy_nonoverlapping(block.bytes.as_ptr(), base as *mut u8, block.bytes.len())
    };
    let argc = args.len();
    let (argv, envp, applep) = (base + block.argv, base + block.envp, base + block.apple);
    // Below the block, 16-byte aligned, as `call` wants it.
    let sp = base & !15;
    let exit: extern "C" fn(c_int) -> ! = libc_exit;
    // SAFETY: the new stack is ours and large; `main` is entered as dyld's start enters it
    // (argc, argv, envp, apple in rdi, rsi, rdx, rcx; rsp 16-byte aligned before the call);
    // its result goes to exit (kept in r12, which main preserves), so nothing returns to the
    // Rust stack, which stays intact.
    unsafe {
        std::arch::asm!(
            "mov rsp, {sp}",
            "call {main}",
            "mov edi, eax",
            "call r12",
            "ud2",
            sp = in(reg) sp,
            main = in(reg) image.entry(),
            // r12 survives the call to main (callee-saved in the SysV convention).
            in("r12") exit,
            in("rdi") argc,
            in("rsi") argv,
            in("rdx") envp,
            in("rcx") applep,
            options(noreturn)
        )
    }
}

/// `exit` from the C library: runs the `atexit` handlers and flushes stdio.
extern "C" fn libc_exit(status: c_int) -> ! {
    std::process::exit(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_block_as_xnu_lays_it() {
        let c = |s: &str| CString::new(s).unwrap();
        let args = [c("prog"), c("-v")];
        let env = [c("A=1")];
        let apple = [c("executable_path=/bin/prog")];
        let top = 0x7000_0000;
        let (base, block) = StartBlock::new(top, &args, &env, &apple);
        assert_eq!(base % 16, 0);
        assert_eq!(base + block.bytes.len(), top);
        let word = |i: usize| u64::from_le_bytes(block.bytes[i..i + 8].try_into().unwrap());
        let string = |address: u64| {
            let at = address as usize - base;
            let end = block.bytes[at..].iter().position(|&b| b == 0).unwrap();
            String::from_utf8(block.bytes[at..at + end].to_vec()).unwrap()
        };
        // argc, then argv[0], argv[1], NULL, envp[0], NULL, apple[0], NULL.
        assert_eq!(word(0), 2);
        assert_eq!((block.argv, block.envp, block.apple), (8, 32, 48));
        assert_eq!(string(word(8)), "prog");
        assert_eq!(string(word(16)), "-v");
        assert_eq!(word(24), 0);
        assert_eq!(string(word(32)), "A=1");
        assert_eq!(word(40), 0);
        assert_eq!(string(word(48)), "executable_path=/bin/prog");
        assert_eq!(word(56), 0);
        // The strings lie above the pointers, inside the block.
        assert!(word(8) as usize >= base + 64 && (word(48) as usize) < top);
    }
}
