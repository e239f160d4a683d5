//! Signal numbers on both systems ([`DarwinSignal`], [`LinuxSignal`]) and their translation.
//!
//! Darwin numbers are those of XNU's `bsd/sys/signal.h` with the `strsignal` text of Apple's
//! Libc; Linux numbers are x86-64's (`arch/x86/include/uapi/asm/signal.h`) with glibc's text.
//!
//! # Where this differs from Darling
//! Darling (darling-xnu, `conversion/signal/duct_signals.c`) sends Darwin `SIGSTOP` as Linux
//! `SIGSTKFLT` and reads Linux `SIGSTKFLT` back as `SIGSTOP`, so that its own signal handler
//! can tell its server before stopping; a Linux process receiving it dies instead. It also
//! maps Darwin `SIGINFO` to Linux `SIGPWR` but not back. Here `SIGSTOP` is `SIGSTOP`,
//! `SIGSTKFLT` has no Darwin counterpart, and `SIGINFO` ↔ `SIGPWR` holds both ways (Linux
//! defines `SIGINFO` as `SIGPWR` on the architectures that have it). `tests/darling.rs` checks
//! every difference.

use crate::error::Table;
use crate::table::numbered_type;

numbered_type! {
    /// A Darwin signal number, 1..=31 (`NSIG` is 32; Darwin has no real-time signals).
    ///
    /// ```
    /// use darling_bsd_errno::DarwinSignal;
    ///
    /// assert_eq!(DarwinSignal::SIGINFO.raw(), 29);
    /// assert_eq!(DarwinSignal::SIGINFO.message(), Some("Information request"));
    /// assert_eq!("USR1".parse::<DarwinSignal>(), Ok(DarwinSignal::SIGUSR1));
    /// assert!(DarwinSignal::try_from(32).is_err());
    /// ```
    pub struct DarwinSignal;
    table: Table::DarwinSignal, signed: false, len: 32, static: DARWIN_SIGNAL;
    entries {
        SIGHUP = 1 => "Hangup";
        SIGINT = 2 => "Interrupt";
        SIGQUIT = 3 => "Quit";
        SIGILL = 4 => "Illegal instruction";
        SIGTRAP = 5 => "Trace/BPT trap";
        SIGABRT = 6 => "Abort trap";
        SIGEMT = 7 => "EMT trap";
        SIGFPE = 8 => "Floating point exception";
        SIGKILL = 9 => "Killed";
        SIGBUS = 10 => "Bus error";
        SIGSEGV = 11 => "Segmentation fault";
        SIGSYS = 12 => "Bad system call";
        SIGPIPE = 13 => "Broken pipe";
        SIGALRM = 14 => "Alarm clock";
        SIGTERM = 15 => "Terminated";
        SIGURG = 16 => "Urgent I/O condition";
        SIGSTOP = 17 => "Suspended (signal)";
        SIGTSTP = 18 => "Suspended";
        SIGCONT = 19 => "Continued";
        SIGCHLD = 20 => "Child exited";
        SIGTTIN = 21 => "Stopped (tty input)";
        SIGTTOU = 22 => "Stopped (tty output)";
        SIGIO = 23 => "I/O possible";
        SIGXCPU = 24 => "Cputime limit exceeded";
        SIGXFSZ = 25 => "Filesize limit exceeded";
        SIGVTALRM = 26 => "Virtual timer expired";
        SIGPROF = 27 => "Profiling timer expired";
        SIGWINCH = 28 => "Window size changes";
        SIGINFO = 29 => "Information request";
        SIGUSR1 = 30 => "User defined signal 1";
        SIGUSR2 = 31 => "User defined signal 2";
    }
    unnamed {}
    aliases {
        /// `SIGIOT`: another name for [`SIGABRT`](Self::SIGABRT) (6).
        SIGIOT = SIGABRT;
        /// `SIGPOLL`: how strict POSIX builds (`_POSIX_C_SOURCE` without `_DARWIN_C_SOURCE`)
        /// spell [`SIGEMT`](Self::SIGEMT) (7). Unlike Linux's `SIGPOLL`, it is not `SIGIO`.
        SIGPOLL = SIGEMT;
    }
}

impl DarwinSignal {
    /// `NSIG`: one past the highest Darwin signal number.
    pub const NSIG: i32 = 32;
}

numbered_type! {
    /// A Linux signal number on x86-64, 1..=64, real-time signals included.
    ///
    /// Real-time signals are named from the kernel's `SIGRTMIN` (32): `SIGRTMIN+1` is 33 and
    /// [`SIGRTMAX`](Self::SIGRTMAX) is 64. glibc keeps 32 and 33 for its threads and starts
    /// its own `SIGRTMIN` at 34 ([`GLIBC_SIGRTMIN`](Self::GLIBC_SIGRTMIN)), which is why its
    /// `strsignal` (and so [`message`](Self::message)) says `Unknown signal 32` and
    /// `Real-time signal 0` for 34. Darling takes glibc's first two for itself: 34 suspends a
    /// thread for a debugger, 35 carries calls from its server.
    ///
    /// ```
    /// use darling_bsd_errno::LinuxSignal;
    ///
    /// assert_eq!(LinuxSignal::SIGUSR1.raw(), 10);
    /// assert_eq!("SIGRTMIN+2".parse::<LinuxSignal>(), Ok(LinuxSignal::GLIBC_SIGRTMIN));
    /// assert_eq!(LinuxSignal::from_raw(40).name(), Some("SIGRTMIN+8"));
    /// assert_eq!(LinuxSignal::SIGPOLL, LinuxSignal::SIGIO);
    /// ```
    pub struct LinuxSignal;
    table: Table::LinuxSignal, signed: false, len: 65, static: LINUX_SIGNAL;
    entries {
        SIGHUP = 1 => "Hangup";
        SIGINT = 2 => "Interrupt";
        SIGQUIT = 3 => "Quit";
        SIGILL = 4 => "Illegal instruction";
        SIGTRAP = 5 => "Trace/breakpoint trap";
        SIGABRT = 6 => "Aborted";
        SIGBUS = 7 => "Bus error";
        SIGFPE = 8 => "Floating point exception";
        SIGKILL = 9 => "Killed";
        SIGUSR1 = 10 => "User defined signal 1";
        SIGSEGV = 11 => "Segmentation fault";
        SIGUSR2 = 12 => "User defined signal 2";
        SIGPIPE = 13 => "Broken pipe";
        SIGALRM = 14 => "Alarm clock";
        SIGTERM = 15 => "Terminated";
        SIGSTKFLT = 16 => "Stack fault";
        SIGCHLD = 17 => "Child exited";
        SIGCONT = 18 => "Continued";
        SIGSTOP = 19 => "Stopped (signal)";
        SIGTSTP = 20 => "Stopped";
        SIGTTIN = 21 => "Stopped (tty input)";
        SIGTTOU = 22 => "Stopped (tty output)";
        SIGURG = 23 => "Urgent I/O condition";
        SIGXCPU = 24 => "CPU time limit exceeded";
        SIGXFSZ = 25 => "File size limit exceeded";
        SIGVTALRM = 26 => "Virtual timer expired";
        SIGPROF = 27 => "Profiling timer expired";
        SIGWINCH = 28 => "Window changed";
        SIGIO = 29 => "I/O possible";
        SIGPWR = 30 => "Power failure";
        SIGSYS = 31 => "Bad system call";
        SIGRTMIN = 32 => "Unknown signal 32";
        SIGRTMAX = 64 => "Real-time signal 30";
    }
    unnamed {
        33 => "SIGRTMIN+1", "Unknown signal 33";
        34 => "SIGRTMIN+2", "Real-time signal 0";
        35 => "SIGRTMIN+3", "Real-time signal 1";
        36 => "SIGRTMIN+4", "Real-time signal 2";
        37 => "SIGRTMIN+5", "Real-time signal 3";
        38 => "SIGRTMIN+6", "Real-time signal 4";
        39 => "SIGRTMIN+7", "Real-time signal 5";
        40 => "SIGRTMIN+8", "Real-time signal 6";
        41 => "SIGRTMIN+9", "Real-time signal 7";
        42 => "SIGRTMIN+10", "Real-time signal 8";
        43 => "SIGRTMIN+11", "Real-time signal 9";
        44 => "SIGRTMIN+12", "Real-time signal 10";
        45 => "SIGRTMIN+13", "Real-time signal 11";
        46 => "SIGRTMIN+14", "Real-time signal 12";
        47 => "SIGRTMIN+15", "Real-time signal 13";
        48 => "SIGRTMIN+16", "Real-time signal 14";
        49 => "SIGRTMIN+17", "Real-time signal 15";
        50 => "SIGRTMIN+18", "Real-time signal 16";
        51 => "SIGRTMIN+19", "Real-time signal 17";
        52 => "SIGRTMIN+20", "Real-time signal 18";
        53 => "SIGRTMIN+21", "Real-time signal 19";
        54 => "SIGRTMIN+22", "Real-time signal 20";
        55 => "SIGRTMIN+23", "Real-time signal 21";
        56 => "SIGRTMIN+24", "Real-time signal 22";
        57 => "SIGRTMIN+25", "Real-time signal 23";
        58 => "SIGRTMIN+26", "Real-time signal 24";
        59 => "SIGRTMIN+27", "Real-time signal 25";
        60 => "SIGRTMIN+28", "Real-time signal 26";
        61 => "SIGRTMIN+29", "Real-time signal 27";
        62 => "SIGRTMIN+30", "Real-time signal 28";
        63 => "SIGRTMIN+31", "Real-time signal 29";
    }
    aliases {
        /// `SIGIOT`: another name for [`SIGABRT`](Self::SIGABRT) (6).
        SIGIOT = SIGABRT;
        /// `SIGPOLL`: another name for [`SIGIO`](Self::SIGIO) (29).
        SIGPOLL = SIGIO;
        /// `SIGCLD`: the System V name for [`SIGCHLD`](Self::SIGCHLD) (17).
        SIGCLD = SIGCHLD;
        /// `SIGUNUSED`: the old name for [`SIGSYS`](Self::SIGSYS) (31).
        SIGUNUSED = SIGSYS;
    }
}

impl LinuxSignal {
    /// `_NSIG`: one past the highest signal number the kernel's 64-bit `sigset_t` holds.
    pub const NSIG: i32 = 65;
    /// glibc's `SIGRTMIN` (34): the first real-time signal glibc leaves to programs.
    pub const GLIBC_SIGRTMIN: Self = Self(34);

    /// Whether this is a real-time signal (32..=64).
    pub const fn is_realtime(self) -> bool {
        self.0 >= Self::SIGRTMIN.0 && self.0 <= Self::SIGRTMAX.0
    }
}

/// Darwin → Linux by Darwin number; 0 where Linux has no counterpart.
const DARWIN_TO_LINUX: [u8; 32] = {
    let mut t = [0u8; 32];
    let mut i = 0;
    while i < SIGNAL_PAIRS.len() {
        let (d, l) = SIGNAL_PAIRS[i];
        t[d.0 as usize] = l.0 as u8;
        i += 1;
    }
    t
};

/// Linux → Darwin by Linux number; 0 where Darwin has no counterpart.
const LINUX_TO_DARWIN: [u8; 65] = {
    let mut t = [0u8; 65];
    let mut i = 0;
    while i < SIGNAL_PAIRS.len() {
        let (d, l) = SIGNAL_PAIRS[i];
        t[l.0 as usize] = d.0 as u8;
        i += 1;
    }
    t
};

/// The one-to-one correspondence between the two numberings. Darwin `SIGEMT`, Linux
/// `SIGSTKFLT` and Linux's real-time signals have no counterpart.
const SIGNAL_PAIRS: &[(DarwinSignal, LinuxSignal)] = {
    use DarwinSignal as D;
    use LinuxSignal as L;
    &[
        (D::SIGHUP, L::SIGHUP),
        (D::SIGINT, L::SIGINT),
        (D::SIGQUIT, L::SIGQUIT),
        (D::SIGILL, L::SIGILL),
        (D::SIGTRAP, L::SIGTRAP),
        (D::SIGABRT, L::SIGABRT),
        (D::SIGFPE, L::SIGFPE),
        (D::SIGKILL, L::SIGKILL),
        (D::SIGBUS, L::SIGBUS),
        (D::SIGSEGV, L::SIGSEGV),
        (D::SIGSYS, L::SIGSYS),
        (D::SIGPIPE, L::SIGPIPE),
        (D::SIGALRM, L::SIGALRM),
        (D::SIGTERM, L::SIGTERM),
        (D::SIGURG, L::SIGURG),
        (D::SIGSTOP, L::SIGSTOP),
        (D::SIGTSTP, L::SIGTSTP),
        (D::SIGCONT, L::SIGCONT),
        (D::SIGCHLD, L::SIGCHLD),
        (D::SIGTTIN, L::SIGTTIN),
        (D::SIGTTOU, L::SIGTTOU),
        (D::SIGIO, L::SIGIO),
        (D::SIGXCPU, L::SIGXCPU),
        (D::SIGXFSZ, L::SIGXFSZ),
        (D::SIGVTALRM, L::SIGVTALRM),
        (D::SIGPROF, L::SIGPROF),
        (D::SIGWINCH, L::SIGWINCH),
        // Not the same signal: SIGINFO asks for a status line, SIGPWR warns of power loss.
        // Linux aliases them where it has SIGINFO, and both default to being ignored.
        (D::SIGINFO, L::SIGPWR),
        (D::SIGUSR1, L::SIGUSR1),
        (D::SIGUSR2, L::SIGUSR2),
    ]
};

/// The Linux signal for a Darwin one, or `None` for `SIGEMT` and unknown numbers.
///
/// ```
/// use darling_bsd_errno::{DarwinSignal, LinuxSignal, darwin_signal_to_linux};
///
/// assert_eq!(darwin_signal_to_linux(DarwinSignal::SIGBUS), Some(LinuxSignal::SIGBUS)); // 10 -> 7
/// assert_eq!(darwin_signal_to_linux(DarwinSignal::SIGSTOP), Some(LinuxSignal::SIGSTOP)); // Darling: SIGSTKFLT
/// assert_eq!(darwin_signal_to_linux(DarwinSignal::SIGEMT), None);
/// ```
#[inline]
pub const fn darwin_signal_to_linux(sig: DarwinSignal) -> Option<LinuxSignal> {
    if sig.0 <= 0 || sig.0 as usize >= DARWIN_TO_LINUX.len() {
        return None;
    }
    match DARWIN_TO_LINUX[sig.0 as usize] {
        0 => None,
        l => Some(LinuxSignal(l as i32)),
    }
}

/// The Darwin signal for a Linux one, or `None` for `SIGSTKFLT`, real-time signals and
/// unknown numbers.
///
/// ```
/// use darling_bsd_errno::{DarwinSignal, LinuxSignal, linux_signal_to_darwin};
///
/// assert_eq!(linux_signal_to_darwin(LinuxSignal::SIGUSR1), Some(DarwinSignal::SIGUSR1)); // 10 -> 30
/// assert_eq!(linux_signal_to_darwin(LinuxSignal::SIGPWR), Some(DarwinSignal::SIGINFO)); // Darling: none
/// assert_eq!(linux_signal_to_darwin(LinuxSignal::GLIBC_SIGRTMIN), None);
/// ```
#[inline]
pub const fn linux_signal_to_darwin(sig: LinuxSignal) -> Option<DarwinSignal> {
    if sig.0 <= 0 || sig.0 as usize >= LINUX_TO_DARWIN.len() {
        return None;
    }
    match LINUX_TO_DARWIN[sig.0 as usize] {
        0 => None,
        d => Some(DarwinSignal(d as i32)),
    }
}

impl DarwinSignal {
    /// The Linux signal; see [`darwin_signal_to_linux`].
    #[inline]
    pub const fn to_linux(self) -> Option<LinuxSignal> {
        darwin_signal_to_linux(self)
    }
}

impl LinuxSignal {
    /// The Darwin signal; see [`linux_signal_to_darwin`].
    #[inline]
    pub const fn to_darwin(self) -> Option<DarwinSignal> {
        linux_signal_to_darwin(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_one_to_one() {
        for d in DarwinSignal::all() {
            if let Some(l) = d.to_linux() {
                assert_eq!(l.to_darwin(), Some(d), "{d:?} -> {l:?} does not come back");
            }
        }
        for l in LinuxSignal::all() {
            if let Some(d) = l.to_darwin() {
                assert_eq!(d.to_linux(), Some(l), "{l:?} -> {d:?} does not come back");
            }
        }
    }

    #[test]
    fn only_documented_signals_have_no_counterpart() {
        let lost: Vec<_> = DarwinSignal::all()
            .filter(|d| d.to_linux().is_none())
            .collect();
        assert_eq!(lost, [DarwinSignal::SIGEMT]);
        let lost: Vec<_> = LinuxSignal::all()
            .filter(|l| l.to_darwin().is_none())
            .collect();
        let mut expected = vec![LinuxSignal::SIGSTKFLT];
        expected.extend((32..=64).map(LinuxSignal::from_raw));
        assert_eq!(lost, expected);
    }

    #[test]
    fn same_names_map_to_each_other() {
        for d in DarwinSignal::all() {
            let Some(l) = d.to_linux() else { continue };
            if d != DarwinSignal::SIGINFO {
                assert_eq!(d.name(), l.name());
            }
        }
    }

    #[test]
    fn out_of_range_numbers_have_no_counterpart() {
        for raw in [0, -1, 32, 65, i32::MIN, i32::MAX] {
            assert_eq!(darwin_signal_to_linux(DarwinSignal::from_raw(raw)), None);
        }
        for raw in [0, -1, 65, i32::MIN, i32::MAX] {
            assert_eq!(linux_signal_to_darwin(LinuxSignal::from_raw(raw)), None);
        }
    }
}
