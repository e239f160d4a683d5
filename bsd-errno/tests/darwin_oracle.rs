//! Darwin tables checked against a second, independent statement of the facts: the numbers
//! below were written from XNU's `bsd/sys/errno.h` and `bsd/sys/signal.h` (xnu-11417), and
//! the messages from Apple Libc's `gen/errlst.c` and `gen/FreeBSD/siglist.c` (Libc-1725).

use darling_bsd_errno::{DarwinErrno, DarwinSignal};

/// XNU's errno.h, in its order: `#define NAME NUMBER`.
const XNU_ERRNO: &[(&str, i32)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EDEADLK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EAGAIN", 35),
    ("EWOULDBLOCK", 35),
    ("EINPROGRESS", 36),
    ("EALREADY", 37),
    ("ENOTSOCK", 38),
    ("EDESTADDRREQ", 39),
    ("EMSGSIZE", 40),
    ("EPROTOTYPE", 41),
    ("ENOPROTOOPT", 42),
    ("EPROTONOSUPPORT", 43),
    ("ESOCKTNOSUPPORT", 44),
    ("ENOTSUP", 45),
    ("EPFNOSUPPORT", 46),
    ("EAFNOSUPPORT", 47),
    ("EADDRINUSE", 48),
    ("EADDRNOTAVAIL", 49),
    ("ENETDOWN", 50),
    ("ENETUNREACH", 51),
    ("ENETRESET", 52),
    ("ECONNABORTED", 53),
    ("ECONNRESET", 54),
    ("ENOBUFS", 55),
    ("EISCONN", 56),
    ("ENOTCONN", 57),
    ("ESHUTDOWN", 58),
    ("ETOOMANYREFS", 59),
    ("ETIMEDOUT", 60),
    ("ECONNREFUSED", 61),
    ("ELOOP", 62),
    ("ENAMETOOLONG", 63),
    ("EHOSTDOWN", 64),
    ("EHOSTUNREACH", 65),
    ("ENOTEMPTY", 66),
    ("EPROCLIM", 67),
    ("EUSERS", 68),
    ("EDQUOT", 69),
    ("ESTALE", 70),
    ("EREMOTE", 71),
    ("EBADRPC", 72),
    ("ERPCMISMATCH", 73),
    ("EPROGUNAVAIL", 74),
    ("EPROGMISMATCH", 75),
    ("EPROCUNAVAIL", 76),
    ("ENOLCK", 77),
    ("ENOSYS", 78),
    ("EFTYPE", 79),
    ("EAUTH", 80),
    ("ENEEDAUTH", 81),
    ("EPWROFF", 82),
    ("EDEVERR", 83),
    ("EOVERFLOW", 84),
    ("EBADEXEC", 85),
    ("EBADARCH", 86),
    ("ESHLIBVERS", 87),
    ("EBADMACHO", 88),
    ("ECANCELED", 89),
    ("EIDRM", 90),
    ("ENOMSG", 91),
    ("EILSEQ", 92),
    ("ENOATTR", 93),
    ("EBADMSG", 94),
    ("EMULTIHOP", 95),
    ("ENODATA", 96),
    ("ENOLINK", 97),
    ("ENOSR", 98),
    ("ENOSTR", 99),
    ("EPROTO", 100),
    ("ETIME", 101),
    ("EOPNOTSUPP", 102),
    ("ENOPOLICY", 103),
    ("ENOTRECOVERABLE", 104),
    ("EOWNERDEAD", 105),
    ("EQFULL", 106),
];

/// XNU's signal.h: `#define SIGNAME NUMBER`, aliases included.
const XNU_SIGNALS: &[(&str, i32)] = &[
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGIOT", 6),
    ("SIGEMT", 7),
    ("SIGPOLL", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGBUS", 10),
    ("SIGSEGV", 11),
    ("SIGSYS", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGURG", 16),
    ("SIGSTOP", 17),
    ("SIGTSTP", 18),
    ("SIGCONT", 19),
    ("SIGCHLD", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGIO", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGINFO", 29),
    ("SIGUSR1", 30),
    ("SIGUSR2", 31),
];

#[test]
fn errno_names_and_numbers_match_xnu() {
    for &(name, number) in XNU_ERRNO {
        assert_eq!(
            DarwinErrno::from_name(name).map(DarwinErrno::raw),
            Ok(number),
            "{name}"
        );
    }
    // The crate knows exactly XNU's numbers, plus ENOTCAPABLE past ELAST.
    let ours: Vec<i32> = DarwinErrno::all().map(DarwinErrno::raw).collect();
    let mut xnu: Vec<i32> = XNU_ERRNO.iter().map(|&(_, n)| n).collect();
    xnu.dedup();
    xnu.push(107);
    assert_eq!(ours, xnu);
    assert_eq!(DarwinErrno::ELAST.raw(), 106);
    assert_eq!(DarwinErrno::ENOTCAPABLE.raw(), 107);
}

#[test]
fn signal_names_and_numbers_match_xnu() {
    for &(name, number) in XNU_SIGNALS {
        assert_eq!(
            DarwinSignal::from_name(name).map(DarwinSignal::raw),
            Ok(number),
            "{name}"
        );
    }
    assert_eq!(DarwinSignal::all().count(), 31);
    assert_eq!(DarwinSignal::NSIG, 32);
}

#[test]
fn errno_messages_are_apples() {
    // A sample across the table, including the ones Linux words differently.
    let expected = [
        (1, "Operation not permitted"),
        (6, "Device not configured"),
        (11, "Resource deadlock avoided"),
        (16, "Resource busy"),
        (19, "Operation not supported by device"),
        (35, "Resource temporarily unavailable"),
        (47, "Address family not supported by protocol family"),
        (49, "Can't assign requested address"),
        (69, "Disc quota exceeded"),
        (74, "RPC prog. not avail"),
        (88, "Malformed Mach-o file"),
        (93, "Attribute not found"),
        (95, "EMULTIHOP (Reserved)"),
        (97, "ENOLINK (Reserved)"),
        (102, "Operation not supported on socket"),
        (106, "Interface output queue is full"),
        (107, "Capabilities insufficient"),
    ];
    for (n, text) in expected {
        assert_eq!(DarwinErrno::from_raw(n).message(), Some(text), "errno {n}");
    }
    assert_eq!(DarwinErrno::from_raw(0).message(), None);
    assert_eq!(DarwinErrno::from_raw(108).message(), None);
}

#[test]
fn signal_messages_are_apples() {
    let expected = [
        (5, "Trace/BPT trap"),
        (6, "Abort trap"),
        (7, "EMT trap"),
        (17, "Suspended (signal)"),
        (18, "Suspended"),
        (24, "Cputime limit exceeded"),
        (28, "Window size changes"),
        (29, "Information request"),
    ];
    for (n, text) in expected {
        assert_eq!(
            DarwinSignal::from_raw(n).message(),
            Some(text),
            "signal {n}"
        );
    }
}
