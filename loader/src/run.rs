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
