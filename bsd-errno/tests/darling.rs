//! Where this crate agrees with Darling and where it is deliberately different.
//!
//! Darling's behaviour is restated here as plain tables of numbers, taken from darling-xnu's
//! `conversion/errno.c` (`errno_linux_to_bsd`) and `conversion/signal/duct_signals.c`
//! (`signum_linux_to_bsd`, `signum_bsd_to_linux`). Every input on which this crate answers
//! differently must be in one of the lists below, each with its reason; everywhere else the
//! answers must be equal.

use darling_bsd_errno::{
    CallContext, DarwinErrno, DarwinSignal, LinuxErrno, LinuxSignal, linux_to_darwin,
    linux_to_darwin_in,
};

/// The 84 entries of Darling's `linux_to_bsd` table, `(linux, bsd)`.
const DARLING_ERRNO_TABLE: &[(i32, i32)] = &[
    (1, 1),
    (2, 2),
    (3, 3),
    (4, 4),
    (5, 5),
    (6, 6),
    (8, 8),
    (9, 9),
    (10, 10),
    (11, 35),
    (12, 12),
    (13, 13),
    (14, 14),
    (15, 15),
    (16, 16),
    (17, 17),
    (18, 18),
    (19, 19),
    (20, 20),
    (21, 21),
    (22, 22),
    (23, 23),
    (24, 24),
    (25, 25),
    (26, 26),
    (27, 27),
    (28, 28),
    (29, 29),
    (30, 30),
    (31, 31),
    (32, 32),
    (33, 33),
    (34, 34),
    (35, 11),
    (36, 63),
    (37, 77),
    (38, 78),
    (39, 66),
    (40, 62),
    (42, 91),
    (43, 90),
    (60, 99),
    (61, 96),
    (62, 101),
    (63, 98),
    (66, 71),
    (67, 97),
    (71, 100),
    (72, 95),
    (74, 94),
    (75, 84),
    (84, 92),
    (87, 68),
    (88, 38),
    (89, 39),
    (90, 40),
    (91, 41),
    (92, 42),
    (93, 43),
    (94, 44),
    (95, 102),
    (96, 46),
    (97, 47),
    (98, 48),
    (99, 49),
    (100, 50),
    (101, 51),
    (102, 52),
    (103, 53),
    (104, 54),
    (105, 55),
    (106, 56),
    (107, 57),
    (108, 58),
    (109, 59),
    (110, 60),
    (111, 61),
    (112, 64),
    (113, 65),
    (114, 37),
    (115, 36),
    (116, 70),
    (122, 69),
    (125, 89),
];

/// Darling's `errno_linux_to_bsd`: look up the magnitude in a 512-slot table, keep the sign,
/// return the input unchanged where the slot is empty or out of range.
fn darling_errno_linux_to_bsd(err: i32) -> i32 {
    let magnitude = err.unsigned_abs();
    let found = DARLING_ERRNO_TABLE
        .iter()
        .find(|&&(l, _)| l as u32 == magnitude);
    match found {
        Some(&(_, bsd)) if err < 0 => -bsd,
        Some(&(_, bsd)) => bsd,
        None => err,
    }
}

/// Linux values Darling passes through raw although their number means another Darwin
/// error; here each gets the Darwin error nearest in meaning.
const RAW_BUT_WRONG_IN_DARLING: &[i32] = &[
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 59, 64, 65, 68, 69, 70, 73, 76, 77, 78,
    79, 80, 81, 82, 83, 85, 86,
];

/// Linux values Darling passes through raw past Darwin's ELAST (so a macOS program prints
/// "Unknown error"); here each gets a real Darwin error.
const RAW_PAST_ELAST_IN_DARLING: &[i32] = &[
    117, 118, 119, 120, 121, 123, 124, 126, 127, 128, 129, 130, 131, 132, 133,
];

/// Kernel-internal restart codes, past the end of Darling's 512-slot table.
const KERNEL_INTERNAL: &[i32] = &[512, 513, 514, 515, 516];

#[test]
fn darling_raw_values_really_alias_other_darwin_errors() {
    // The defect this crate fixes: each raw number is a different, valid Darwin errno.
    assert_eq!(RAW_BUT_WRONG_IN_DARLING.len(), 31);
    for &l in RAW_BUT_WRONG_IN_DARLING {
        let darling = DarwinErrno::from_raw(darling_errno_linux_to_bsd(l));
        let linux_name = LinuxErrno::from_raw(l).name().unwrap();
        assert!(darling.is_known());
        assert_ne!(
            darling.name(),
            Some(linux_name),
            "{l} is not an alias in Darling"
        );
    }
    for &l in RAW_PAST_ELAST_IN_DARLING {
        assert!(!DarwinErrno::from_raw(darling_errno_linux_to_bsd(l)).is_known());
    }
}

#[test]
fn errno_differs_from_darling_only_where_documented() {
    let mut differences = Vec::new();
    for magnitude in 0..=600 {
        for l in [magnitude, -magnitude] {
            let ours = linux_to_darwin(LinuxErrno::from_raw(l)).raw();
            let darling = darling_errno_linux_to_bsd(l);
            if ours != darling {
                assert_eq!(ours.signum(), l.signum(), "sign of {l}");
                if l > 0 {
                    differences.push(l);
                }
            }
        }
    }
    let mut expected: Vec<i32> = [
        RAW_BUT_WRONG_IN_DARLING,
        RAW_PAST_ELAST_IN_DARLING,
        KERNEL_INTERNAL,
    ]
    .concat();
    // EOPNOTSUPP: Darling always answers 102 (EOPNOTSUPP), which macOS only uses for sockets;
    // outside a socket call this crate answers ENOTSUP (45), as macOS does.
    expected.push(95);
    expected.sort();
    assert_eq!(differences, expected);
    for x in [i32::MIN, i32::MAX, 100_000, -100_000] {
        assert_eq!(
            linux_to_darwin(LinuxErrno::from_raw(x)).raw(),
            darling_errno_linux_to_bsd(x)
        );
    }
}

#[test]
fn contexts_fix_the_two_ambiguous_values() {
    // A socket call gets Darling's answer for EOPNOTSUPP back.
    let socket = linux_to_darwin_in(LinuxErrno::EOPNOTSUPP, CallContext::Socket);
    assert_eq!(socket.raw(), darling_errno_linux_to_bsd(95));
    // Darling answers ENODATA (96) from getxattr; macOS code tests for ENOATTR (93).
    assert_eq!(darling_errno_linux_to_bsd(61), 96);
    let xattr = linux_to_darwin_in(LinuxErrno::ENODATA, CallContext::Xattr);
    assert_eq!(xattr, DarwinErrno::ENOATTR);
    assert_eq!(
        linux_to_darwin_in(LinuxErrno::from_raw(-61), CallContext::Xattr).raw(),
        -93
    );
}

#[test]
fn eownerdead_and_enotrecoverable_are_mapped() {
    // Darling leaves both raw (130, 131): "Unknown error" on macOS.
    assert_eq!(darling_errno_linux_to_bsd(130), 130);
    assert_eq!(LinuxErrno::EOWNERDEAD.to_darwin(), DarwinErrno::EOWNERDEAD);
    assert_eq!(
        LinuxErrno::ENOTRECOVERABLE.to_darwin(),
        DarwinErrno::ENOTRECOVERABLE
    );
}

/// Darling's `signum_bsd_to_linux`, indexed by Darwin number (0: none).
const DARLING_BSD_TO_LINUX: [i32; 32] = [
    0, 1, 2, 3, 4, 5, 6, 0, 8, 9, 7, 11, 31, 13, 14, 15, 23, 16, 20, 18, 17, 21, 22, 29, 24, 25,
    26, 27, 28, 30, 10, 12,
];

/// Darling's `signum_linux_to_bsd`, indexed by Linux number (0: none); 32..=64 are all 0.
const DARLING_LINUX_TO_BSD: [i32; 32] = [
    0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, 17, 20, 19, 17, 18, 21, 22, 16, 24, 25,
    26, 27, 28, 23, 0, 12,
];

#[test]
fn signals_differ_from_darling_only_where_documented() {
    let mut differences = Vec::new();
    for d in 1..32 {
        let ours = DarwinSignal::from_raw(d)
            .to_linux()
            .map_or(0, LinuxSignal::raw);
        if ours != DARLING_BSD_TO_LINUX[d as usize] {
            differences.push(("darwin", d, DARLING_BSD_TO_LINUX[d as usize], ours));
        }
    }
    for l in 1..=64 {
        let ours = LinuxSignal::from_raw(l)
            .to_darwin()
            .map_or(0, DarwinSignal::raw);
        let darling = DARLING_LINUX_TO_BSD.get(l as usize).copied().unwrap_or(0);
        if ours != darling {
            differences.push(("linux", l, darling, ours));
        }
    }
    assert_eq!(
        differences,
        [
            // SIGSTOP: Darling sends SIGSTKFLT (16) so that its own handler can notify its
            // server; any non-Darling Linux process then dies instead of stopping.
            ("darwin", 17, 16, 19),
            // SIGSTKFLT is not SIGSTOP: it has no Darwin counterpart.
            ("linux", 16, 17, 0),
            // SIGPWR: Darling maps SIGINFO to it but not back, so a SIGINFO sent to a Darling
            // process is dropped as unmapped. Here the pair holds both ways.
            ("linux", 30, 0, 29),
        ]
    );
}
