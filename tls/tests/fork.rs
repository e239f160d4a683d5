//! A forked child keeps the thread's TSD: the register, the block (its own copy) and the
//! crate's record of it.
#![cfg(any(target_arch = "x86_64", target_arch = "x86"))]

use darling_tls::segment;
use darling_tls::slots::*;

#[test]
fn a_forked_child_keeps_its_block() {
    std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        darling_tls::set(__TSD_MIG_REPLY, 0x3103).unwrap();
        block.set_errno(4);
        let tsd = block.tsd_base();

        // SAFETY: the child only reads and writes its copy of the block through the register
        // and this crate's record (no allocation, no locks), then leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid == 0 {
            let mut code = 0;
            if segment::base() != tsd {
                code |= 1;
            }
            if darling_tls::base() != Some(tsd) {
                code |= 2;
            }
            // SAFETY: the child's register points at its copy of the block.
            if unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) } != 0x3103 {
                code |= 4;
            }
            if darling_tls::get(__TSD_ERRNO) != Some(block.errno_address()) || block.errno() != 4 {
                code |= 8;
            }
            // A write in the child stays in the child.
            // SAFETY: as above.
            unsafe { darling_tls::set_direct(__TSD_MIG_REPLY, 0xdead) };
            if darling_tls::get(__TSD_MIG_REPLY) != Some(0xdead) {
                code |= 16;
            }
            // SAFETY: leaves the child without running the parent's destructors.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status), "child status {status:#x}");
        assert_eq!(
            libc::WEXITSTATUS(status),
            0,
            "bits of the checks that failed"
        );
        assert_eq!(darling_tls::get(__TSD_MIG_REPLY), Some(0x3103));
    })
    .join()
    .unwrap();
}

extern "C" fn check_at_exit() {
    let ok = darling_tls::base().is_some_and(|base| segment::base() == base)
        && darling_tls::get(__TSD_MIG_REPLY) == Some(0x5103);
    // SAFETY: ends the process with the verdict.
    unsafe { libc::_exit(if ok { 0 } else { 1 }) };
}

/// glibc's `exit` runs the thread-local destructors and then the `atexit` handlers; the
/// block is released by neither, so Darwin code in an `atexit` handler still has its TSD.
#[test]
fn atexit_handlers_still_have_the_tsd() {
    std::thread::spawn(|| {
        // SAFETY: the child installs a TSD (glibc's malloc is usable after fork), registers
        // an atexit handler and exits; it never returns into the test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let code = match darling_tls::install() {
                Ok(_) => {
                    darling_tls::set(__TSD_MIG_REPLY, 0x5103).unwrap();
                    // SAFETY: registers a handler that only reads and _exits.
                    unsafe { libc::atexit(check_at_exit) };
                    0
                }
                Err(_) => 2,
            };
            // SAFETY: runs the exit path under test (the handler _exits with its verdict).
            unsafe { libc::exit(code + 3) };
        }
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status), "child status {status:#x}");
        assert_eq!(
            libc::WEXITSTATUS(status),
            0,
            "1: no TSD at exit; 3+: no handler ran"
        );
    })
    .join()
    .unwrap();
}
