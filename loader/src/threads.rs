//! Threads that run Darwin code: each gets an Apple TSD that GS points at (`darling-tls`),
//! its `errno` slot the thread's Darwin `errno` (the one `__error()` gives), before any of
//! the program's code runs on it; `pthread_create` is the shim that sees to it for the
//! program's own threads.
//!
//! This module is an unsafe edge: `pthread_create` takes raw pointers and a start routine
//! from Darwin code and hands them to glibc.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};

use darling_tls::slots::__TSD_ERRNO;

use crate::translate::darwin_errno;

/// Gives the calling thread an Apple TSD and points GS at it, with the thread's Darwin
/// `errno` in its `errno` slot (`gs:[8]`), so that Darwin code reading either finds the same
/// place. Call it on every thread before Darwin code runs there.
///
/// # Errors
/// Why GS could not be pointed at the block (`darling-tls`).
pub fn enter_darwin_thread() -> Result<(), darling_tls::Error> {
    darling_tls::install()?;
    darling_tls::set(__TSD_ERRNO, crate::translate::darwin_errno_place() as usize)
}

/// As [`enter_darwin_thread`], for a thread about to run on the stack from `bottom` up to
/// `top` (the macOS-style stack [`run_main`](crate::run_main) makes): the TSD records that
/// stack, as libpthread's does, and the thread's current stack is not looked up (glibc
/// reads `/proc/self/maps` to find a process's main-thread stack).
///
/// # Errors
/// Why GS could not be pointed at the block (`darling-tls`).
pub fn enter_darwin_thread_on_stack(top: usize, bottom: usize) -> Result<(), darling_tls::Error> {
    let block = darling_tls::TsdBlock::new();
    // SAFETY: gettid takes no arguments and cannot fail.
    block.set_thread_id(unsafe { libc::gettid() } as u64);
    block.set_stack(top, bottom);
    darling_tls::install_block(block)?;
    darling_tls::set(__TSD_ERRNO, crate::translate::darwin_errno_place() as usize)
}

/// A start routine as `pthread_create` takes it.
type Start = unsafe extern "C" fn(*mut c_void) -> *mut c_void;

/// What the new thread is to run.
struct Entry {
    start: Start,
    arg: *mut c_void,
}

/// The new thread's first function: its TSD, then the program's start routine.
extern "C" fn trampoline(entry: *mut c_void) -> *mut c_void {
    // SAFETY: `pthread_create` below passes the Entry it leaked, to this thread alone.
    let entry = unsafe { Box::from_raw(entry.cast::<Entry>()) };
    if let Err(e) = enter_darwin_thread() {
        eprintln!("darling-loader: a new thread cannot get its TSD: {e}");
        std::process::abort();
    }
    // SAFETY: the start routine and argument the program gave pthread_create.
    unsafe { (entry.start)(entry.arg) }
}

/// `int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
/// void *arg)`. Darwin's `pthread_attr_t` is not glibc's (64 bytes against 56, other
/// fields), so only default attributes are taken: any other gives `EINVAL`. The result is a
/// Darwin error number.
unsafe extern "C" fn pthread_create(
    thread: *mut libc::pthread_t,
    attr: *const c_void,
    start: Option<Start>,
    arg: *mut c_void,
) -> c_int {
    let einval = darwin_errno(libc::EINVAL);
    let (false, Some(start)) = (!attr.is_null(), start) else {
        return einval;
    };
    if thread.is_null() {
        return einval;
    }
    let entry = Box::into_raw(Box::new(Entry { start, arg })).cast::<c_void>();
    // SAFETY: a place for the handle (checked not NULL), default attributes, and a start
    // routine that takes the leaked Entry back.
    let r = unsafe { libc::pthread_create(thread, std::ptr::null(), trampoline, entry) };
    let r = if r != 0 {
        // SAFETY: the thread was not made, so the Entry is still ours.
        drop(unsafe { Box::from_raw(entry.cast::<Entry>()) });
        darwin_errno(r)
    } else {
        0
    };
    crate::trace::trace!(
        "pthread_create({thread:p}, NULL, {:p}, {arg:p}) = {r}",
        start as *const ()
    );
    r
}

/// The address of the thread shims, by libSystem name (without the leading underscore).
pub(crate) fn shim(name: &str) -> Option<u64> {
    match name {
        "pthread_create" => Some(pthread_create as *const () as u64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn report(arg: *mut c_void) -> *mut c_void {
        // The thread's TSD is in place before its start routine runs.
        let errno_slot = darling_tls::get(__TSD_ERRNO);
        let own = errno_slot == Some(crate::translate::darwin_error() as usize);
        // SAFETY: `arg` is the test's AtomicBool, alive until the join.
        unsafe { &*arg.cast::<std::sync::atomic::AtomicBool>() }
            .store(own, std::sync::atomic::Ordering::SeqCst);
        arg
    }

    #[test]
    fn a_thread_on_a_stack_of_its_own() {
        std::thread::spawn(|| {
            let (top, bottom) = (0x7000_0000_usize, 0x6f00_0000_usize);
            enter_darwin_thread_on_stack(top, bottom).unwrap();
            let block = darling_tls::block().unwrap();
            assert_eq!(block.stack(), (top, bottom));
            assert_eq!(
                darling_tls::get(__TSD_ERRNO),
                Some(crate::translate::darwin_errno_place() as usize)
            );
        })
        .join()
        .unwrap();
    }

    #[test]
    fn threads_made_by_the_shim_have_their_tsd() {
        std::thread::spawn(|| {
            enter_darwin_thread().unwrap();
            assert_eq!(
                darling_tls::get(__TSD_ERRNO),
                Some(crate::translate::darwin_error() as usize)
            );
            let seen = std::sync::atomic::AtomicBool::new(false);
            let mut t: libc::pthread_t = 0;
            let arg = (&seen as *const std::sync::atomic::AtomicBool)
                .cast_mut()
                .cast();
            // SAFETY: a place for the handle, default attributes, a start routine and its
            // argument, which outlives the thread (joined below).
            let r = unsafe { pthread_create(&mut t, std::ptr::null(), Some(report), arg) };
            assert_eq!(r, 0);
            // SAFETY: the thread just made, joined once.
            assert_eq!(unsafe { libc::pthread_join(t, std::ptr::null_mut()) }, 0);
            assert!(seen.load(std::sync::atomic::Ordering::SeqCst));
            // Attributes (Darwin's layout) and a missing routine are refused: Darwin's EINVAL.
            let attr = [0u8; 64];
            // SAFETY: refused before anything is used.
            let r = unsafe { pthread_create(&mut t, attr.as_ptr().cast(), Some(report), arg) };
            assert_eq!(r, 22);
            // SAFETY: refused before anything is used.
            let r = unsafe { pthread_create(&mut t, std::ptr::null(), None, arg) };
            assert_eq!(r, 22);
        })
        .join()
        .unwrap();
    }
}
