//! Linux tables checked against independent sources: the `libc` crate's constants for the
//! numbers, and the host glibc's own `strerrorname_np`, `strerror`, `sigabbrev_np` and
//! `strsignal` for names and messages.

use std::ffi::{CStr, c_char, c_int};

use darling_bsd_errno::{LinuxErrno, LinuxSignal};

/// `(name, libc's value)` for every name the crate knows, aliases included.
macro_rules! libc_values {
    ($($name:ident),* $(,)?) => { [$((stringify!($name), libc::$name)),*] };
}

// glibc 2.32 and later; the libc crate does not bind them.
unsafe extern "C" {
    fn strerrorname_np(errnum: c_int) -> *const c_char;
    fn sigabbrev_np(sig: c_int) -> *const c_char;
}

/// Reads a C string that glibc returned, or `None` for NULL.
fn c_text(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: glibc returns NULL or a pointer to a NUL-terminated string that lives as long as
    // the process (its static tables or, for strerror/strsignal, a per-thread buffer that is
    // not reused before we copy it here).
    Some(
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned(),
    )
}

#[test]
fn errno_numbers_match_the_libc_crate() {
    let expected = libc_values!(
        EPERM,
        ENOENT,
        ESRCH,
        EINTR,
        EIO,
        ENXIO,
        E2BIG,
        ENOEXEC,
        EBADF,
        ECHILD,
        EAGAIN,
        ENOMEM,
        EACCES,
        EFAULT,
        ENOTBLK,
        EBUSY,
        EEXIST,
        EXDEV,
        ENODEV,
        ENOTDIR,
        EISDIR,
        EINVAL,
        ENFILE,
        EMFILE,
        ENOTTY,
        ETXTBSY,
        EFBIG,
        ENOSPC,
        ESPIPE,
        EROFS,
        EMLINK,
        EPIPE,
        EDOM,
        ERANGE,
        EDEADLK,
        ENAMETOOLONG,
        ENOLCK,
        ENOSYS,
        ENOTEMPTY,
        ELOOP,
        ENOMSG,
        EIDRM,
        ECHRNG,
        EL2NSYNC,
        EL3HLT,
        EL3RST,
        ELNRNG,
        EUNATCH,
        ENOCSI,
        EL2HLT,
        EBADE,
        EBADR,
        EXFULL,
        ENOANO,
        EBADRQC,
        EBADSLT,
        EBFONT,
        ENOSTR,
        ENODATA,
        ETIME,
        ENOSR,
        ENONET,
        ENOPKG,
        EREMOTE,
        ENOLINK,
        EADV,
        ESRMNT,
        ECOMM,
        EPROTO,
        EMULTIHOP,
        EDOTDOT,
        EBADMSG,
        EOVERFLOW,
        ENOTUNIQ,
        EBADFD,
        EREMCHG,
        ELIBACC,
        ELIBBAD,
        ELIBSCN,
        ELIBMAX,
        ELIBEXEC,
        EILSEQ,
        ERESTART,
        ESTRPIPE,
        EUSERS,
        ENOTSOCK,
        EDESTADDRREQ,
        EMSGSIZE,
        EPROTOTYPE,
        ENOPROTOOPT,
        EPROTONOSUPPORT,
        ESOCKTNOSUPPORT,
        EOPNOTSUPP,
        EPFNOSUPPORT,
        EAFNOSUPPORT,
        EADDRINUSE,
        EADDRNOTAVAIL,
        ENETDOWN,
        ENETUNREACH,
        ENETRESET,
        ECONNABORTED,
        ECONNRESET,
        ENOBUFS,
        EISCONN,
        ENOTCONN,
        ESHUTDOWN,
        ETOOMANYREFS,
        ETIMEDOUT,
        ECONNREFUSED,
        EHOSTDOWN,
        EHOSTUNREACH,
        EALREADY,
        EINPROGRESS,
        ESTALE,
        EUCLEAN,
        ENOTNAM,
        ENAVAIL,
        EISNAM,
        EREMOTEIO,
        EDQUOT,
        ENOMEDIUM,
        EMEDIUMTYPE,
        ECANCELED,
        ENOKEY,
        EKEYEXPIRED,
        EKEYREVOKED,
        EKEYREJECTED,
        EOWNERDEAD,
        ENOTRECOVERABLE,
        ERFKILL,
        EHWPOISON,
        EWOULDBLOCK,
        EDEADLOCK,
        ENOTSUP,
    );
    for (name, value) in expected {
        assert_eq!(
            LinuxErrno::from_name(name).map(LinuxErrno::raw),
            Ok(value),
            "{name}"
        );
    }
    // Every number the crate names (below the kernel-internal range) is one libc knows.
    let known: Vec<i32> = expected.iter().map(|&(_, v)| v).collect();
    for e in LinuxErrno::all().filter(|e| e.raw() < 512) {
        assert!(known.contains(&e.raw()), "{e:?} is not a libc errno");
    }
    assert_eq!(LinuxErrno::all().filter(|e| e.raw() < 512).count(), 131);
}

#[test]
fn errno_names_match_glibc() {
    for n in 1..=140 {
        // SAFETY: strerrorname_np accepts any int and returns NULL or a static string.
        let glibc = c_text(unsafe { strerrorname_np(n) });
        assert_eq!(
            LinuxErrno::from_raw(n).name().map(str::to_owned),
            glibc,
            "errno {n}"
        );
    }
}

#[test]
fn errno_messages_match_glibc() {
    for n in (1..=140).chain(512..=520) {
        // SAFETY: strerror accepts any int; the returned string is copied before the next call.
        let glibc = c_text(unsafe { libc::strerror(n) }).unwrap();
        match LinuxErrno::from_raw(n).message() {
            Some(ours) => assert_eq!(ours, glibc, "errno {n}"),
            None => assert_eq!(
                glibc,
                format!("Unknown error {n}"),
                "errno {n} has no message here"
            ),
        }
    }
}

#[test]
fn signal_numbers_match_the_libc_crate() {
    let expected = libc_values!(
        SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1,
        SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP,
        SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR,
        SIGSYS, SIGIOT, SIGPOLL,
    );
    for (name, value) in expected {
        assert_eq!(
            LinuxSignal::from_name(name).map(LinuxSignal::raw),
            Ok(value),
            "{name}"
        );
    }
    let (rtmin, rtmax) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    assert_eq!(LinuxSignal::GLIBC_SIGRTMIN.raw(), rtmin);
    assert_eq!(LinuxSignal::SIGRTMAX.raw(), rtmax);
}

#[test]
fn signal_names_match_glibc() {
    for n in 1..=31 {
        // SAFETY: sigabbrev_np accepts any int and returns NULL or a static string.
        let glibc = c_text(unsafe { sigabbrev_np(n) }).unwrap();
        let ours = LinuxSignal::from_raw(n).name().unwrap();
        // glibc abbreviates 29 by its System V name POLL; the kernel headers and this crate
        // call it SIGIO and accept SIGPOLL as an alias.
        let glibc = if n == 29 { "IO".to_owned() } else { glibc };
        assert_eq!(ours, format!("SIG{glibc}"), "signal {n}");
    }
}

#[test]
fn signal_messages_match_glibc() {
    for n in 0..=66 {
        // SAFETY: strsignal accepts any int; the returned string is copied before the next call.
        let glibc = c_text(unsafe { libc::strsignal(n) }).unwrap();
        match LinuxSignal::from_raw(n).message() {
            Some(ours) => assert_eq!(ours, glibc, "signal {n}"),
            None => assert_eq!(glibc, format!("Unknown signal {n}"), "signal {n}"),
        }
    }
}
