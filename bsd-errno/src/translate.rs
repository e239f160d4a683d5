//! errno translation between Linux and Darwin, in both directions.
//!
//! Each direction is one dense table indexed by the errno's magnitude, built at compile time
//! from the lists below, so a translation is one bounds check and one load. The lists are the
//! single statement of every choice: each Linux value (and each Darwin value) appears once,
//! with the Darwin (or Linux) value it becomes and whether the two are the same error under
//! the same name ([`Fidelity::Exact`]) or the nearest meaning where the other system has no
//! such error ([`Fidelity::Nearest`]).
//!
//! # Sign and unknown values
//! Both directions keep the sign, as Darling's `errno_linux_to_bsd` does: syscall emulators
//! return `-errno`, so `-ENOENT` in gives `-ENOENT` out. A number outside the table (0, or
//! anything the system does not define) comes back unchanged, also as in Darling, and is
//! reported as [`Fidelity::Unchanged`] by the `*_detailed` functions.
//!
//! # Where this differs from Darling
//! Darling's table (darling-xnu, `conversion/errno.c`) leaves 47 Linux values out; it returns
//! them unchanged, and 31 of those numbers mean a *different* Darwin error (Linux `EBADFD`
//! 77 comes out as Darwin `ENOLCK`, `ERESTART` 85 as `EBADEXEC`). Here every Linux value has
//! an explicit answer, `EOWNERDEAD`/`ENOTRECOVERABLE` map to Darwin's own (105/104), Linux's
//! `EOPNOTSUPP` becomes `ENOTSUP` (45) unless the call was a socket call, and a missing
//! extended attribute can be reported as `ENOATTR` (see [`CallContext`]). The test
//! `tests/darling.rs` lists every difference from Darling's table.

use crate::{DarwinErrno, LinuxErrno};

/// How faithfully a translation carries the error across.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fidelity {
    /// Both systems have this error under the same name (or a documented alias of it).
    Exact,
    /// The other system has no such error; this is the one nearest in meaning.
    Nearest,
    /// The number is not in the source table; it was passed through unchanged.
    Unchanged,
}

/// A translated value and how faithful the translation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Translation<T> {
    /// The translated value (sign kept).
    pub value: T,
    /// Whether `value` is the same error, the nearest one, or the input passed through.
    pub fidelity: Fidelity,
}

/// What kind of call produced a Linux errno, for the two Linux values that stand for two
/// distinct Darwin errors.
///
/// | Linux value | `Generic` | `Socket` | `Xattr` |
/// |---|---|---|---|
/// | `EOPNOTSUPP`/`ENOTSUP` (95) | `ENOTSUP` (45) | `EOPNOTSUPP` (102) | `ENOTSUP` (45) |
/// | `ENODATA` (61) | `ENODATA` (96) | `ENODATA` (96) | `ENOATTR` (93) |
///
/// Every other value translates the same way in every context. Darling always gives 102
/// for 95 (macOS reports `ENOTSUP` for non-socket calls) and always 96 for 61 (macOS code
/// tests a missing extended attribute against `ENOATTR`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallContext {
    /// Any call not listed below.
    #[default]
    Generic,
    /// A socket call (`socket`, `bind`, `connect`, `setsockopt`, `sendmsg`, …).
    Socket,
    /// An extended-attribute call (`getxattr`, `setxattr`, `removexattr`, `listxattr` and
    /// their `f`/`l` forms).
    Xattr,
}

use Fidelity::{Exact, Nearest};

/// Every Linux errno with the Darwin errno it becomes in [`CallContext::Generic`].
const LINUX_TO_DARWIN: &[(LinuxErrno, DarwinErrno, Fidelity)] = {
    use DarwinErrno as D;
    use LinuxErrno as L;
    &[
        (L::EPERM, D::EPERM, Exact),
        (L::ENOENT, D::ENOENT, Exact),
        (L::ESRCH, D::ESRCH, Exact),
        (L::EINTR, D::EINTR, Exact),
        (L::EIO, D::EIO, Exact),
        (L::ENXIO, D::ENXIO, Exact),
        (L::E2BIG, D::E2BIG, Exact),
        (L::ENOEXEC, D::ENOEXEC, Exact),
        (L::EBADF, D::EBADF, Exact),
        (L::ECHILD, D::ECHILD, Exact),
        (L::EAGAIN, D::EAGAIN, Exact),
        (L::ENOMEM, D::ENOMEM, Exact),
        (L::EACCES, D::EACCES, Exact),
        (L::EFAULT, D::EFAULT, Exact),
        (L::ENOTBLK, D::ENOTBLK, Exact),
        (L::EBUSY, D::EBUSY, Exact),
        (L::EEXIST, D::EEXIST, Exact),
        (L::EXDEV, D::EXDEV, Exact),
        (L::ENODEV, D::ENODEV, Exact),
        (L::ENOTDIR, D::ENOTDIR, Exact),
        (L::EISDIR, D::EISDIR, Exact),
        (L::EINVAL, D::EINVAL, Exact),
        (L::ENFILE, D::ENFILE, Exact),
        (L::EMFILE, D::EMFILE, Exact),
        (L::ENOTTY, D::ENOTTY, Exact),
        (L::ETXTBSY, D::ETXTBSY, Exact),
        (L::EFBIG, D::EFBIG, Exact),
        (L::ENOSPC, D::ENOSPC, Exact),
        (L::ESPIPE, D::ESPIPE, Exact),
        (L::EROFS, D::EROFS, Exact),
        (L::EMLINK, D::EMLINK, Exact),
        (L::EPIPE, D::EPIPE, Exact),
        (L::EDOM, D::EDOM, Exact),
        (L::ERANGE, D::ERANGE, Exact),
        (L::EDEADLK, D::EDEADLK, Exact),
        (L::ENAMETOOLONG, D::ENAMETOOLONG, Exact),
        (L::ENOLCK, D::ENOLCK, Exact),
        (L::ENOSYS, D::ENOSYS, Exact),
        (L::ENOTEMPTY, D::ENOTEMPTY, Exact),
        (L::ELOOP, D::ELOOP, Exact),
        (L::ENOMSG, D::ENOMSG, Exact),
        (L::EIDRM, D::EIDRM, Exact),
        // STREAMS-era and ISDN-era values Darwin never had.
        (L::ECHRNG, D::EINVAL, Nearest),
        (L::EL2NSYNC, D::EIO, Nearest),
        (L::EL3HLT, D::EIO, Nearest),
        (L::EL3RST, D::EIO, Nearest),
        (L::ELNRNG, D::EINVAL, Nearest),
        (L::EUNATCH, D::ENXIO, Nearest),
        (L::ENOCSI, D::EIO, Nearest),
        (L::EL2HLT, D::EIO, Nearest),
        (L::EBADE, D::EINVAL, Nearest),
        (L::EBADR, D::EINVAL, Nearest),
        (L::EXFULL, D::ENOSPC, Nearest),
        (L::ENOANO, D::EIO, Nearest),
        (L::EBADRQC, D::EINVAL, Nearest),
        (L::EBADSLT, D::EINVAL, Nearest),
        (L::EBFONT, D::EFTYPE, Nearest),
        (L::ENOSTR, D::ENOSTR, Exact),
        // `CallContext::Xattr` turns this into ENOATTR.
        (L::ENODATA, D::ENODATA, Exact),
        (L::ETIME, D::ETIME, Exact),
        (L::ENOSR, D::ENOSR, Exact),
        (L::ENONET, D::ENETDOWN, Nearest),
        (L::ENOPKG, D::ENOTSUP, Nearest),
        (L::EREMOTE, D::EREMOTE, Exact),
        (L::ENOLINK, D::ENOLINK, Exact),
        (L::EADV, D::EIO, Nearest),
        (L::ESRMNT, D::EIO, Nearest),
        (L::ECOMM, D::EIO, Nearest),
        (L::EPROTO, D::EPROTO, Exact),
        (L::EMULTIHOP, D::EMULTIHOP, Exact),
        (L::EDOTDOT, D::EIO, Nearest),
        (L::EBADMSG, D::EBADMSG, Exact),
        (L::EOVERFLOW, D::EOVERFLOW, Exact),
        (L::ENOTUNIQ, D::EEXIST, Nearest),
        (L::EBADFD, D::EBADF, Nearest),
        (L::EREMCHG, D::EADDRNOTAVAIL, Nearest),
        // The a.out/ELF shared-library family: Darwin's word for a bad image is EBADEXEC.
        (L::ELIBACC, D::EBADEXEC, Nearest),
        (L::ELIBBAD, D::EBADEXEC, Nearest),
        (L::ELIBSCN, D::EBADEXEC, Nearest),
        (L::ELIBMAX, D::EBADEXEC, Nearest),
        (L::ELIBEXEC, D::ENOEXEC, Nearest),
        (L::EILSEQ, D::EILSEQ, Exact),
        (L::ERESTART, D::EINTR, Nearest),
        (L::ESTRPIPE, D::EPIPE, Nearest),
        (L::EUSERS, D::EUSERS, Exact),
        (L::ENOTSOCK, D::ENOTSOCK, Exact),
        (L::EDESTADDRREQ, D::EDESTADDRREQ, Exact),
        (L::EMSGSIZE, D::EMSGSIZE, Exact),
        (L::EPROTOTYPE, D::EPROTOTYPE, Exact),
        (L::ENOPROTOOPT, D::ENOPROTOOPT, Exact),
        (L::EPROTONOSUPPORT, D::EPROTONOSUPPORT, Exact),
        (L::ESOCKTNOSUPPORT, D::ESOCKTNOSUPPORT, Exact),
        // Linux's ENOTSUP alias; `CallContext::Socket` turns this into EOPNOTSUPP.
        (L::EOPNOTSUPP, D::ENOTSUP, Exact),
        (L::EPFNOSUPPORT, D::EPFNOSUPPORT, Exact),
        (L::EAFNOSUPPORT, D::EAFNOSUPPORT, Exact),
        (L::EADDRINUSE, D::EADDRINUSE, Exact),
        (L::EADDRNOTAVAIL, D::EADDRNOTAVAIL, Exact),
        (L::ENETDOWN, D::ENETDOWN, Exact),
        (L::ENETUNREACH, D::ENETUNREACH, Exact),
        (L::ENETRESET, D::ENETRESET, Exact),
        (L::ECONNABORTED, D::ECONNABORTED, Exact),
        (L::ECONNRESET, D::ECONNRESET, Exact),
        (L::ENOBUFS, D::ENOBUFS, Exact),
        (L::EISCONN, D::EISCONN, Exact),
        (L::ENOTCONN, D::ENOTCONN, Exact),
        (L::ESHUTDOWN, D::ESHUTDOWN, Exact),
        (L::ETOOMANYREFS, D::ETOOMANYREFS, Exact),
        (L::ETIMEDOUT, D::ETIMEDOUT, Exact),
        (L::ECONNREFUSED, D::ECONNREFUSED, Exact),
        (L::EHOSTDOWN, D::EHOSTDOWN, Exact),
        (L::EHOSTUNREACH, D::EHOSTUNREACH, Exact),
        (L::EALREADY, D::EALREADY, Exact),
        (L::EINPROGRESS, D::EINPROGRESS, Exact),
        (L::ESTALE, D::ESTALE, Exact),
        (L::EUCLEAN, D::EIO, Nearest),
        (L::ENOTNAM, D::EFTYPE, Nearest),
        (L::ENAVAIL, D::ENOSPC, Nearest),
        (L::EISNAM, D::EFTYPE, Nearest),
        (L::EREMOTEIO, D::EIO, Nearest),
        (L::EDQUOT, D::EDQUOT, Exact),
        (L::ENOMEDIUM, D::ENXIO, Nearest),
        (L::EMEDIUMTYPE, D::ENODEV, Nearest),
        (L::ECANCELED, D::ECANCELED, Exact),
        (L::ENOKEY, D::ENEEDAUTH, Nearest),
        (L::EKEYEXPIRED, D::EAUTH, Nearest),
        (L::EKEYREVOKED, D::EAUTH, Nearest),
        (L::EKEYREJECTED, D::EAUTH, Nearest),
        (L::EOWNERDEAD, D::EOWNERDEAD, Exact),
        (L::ENOTRECOVERABLE, D::ENOTRECOVERABLE, Exact),
        (L::ERFKILL, D::EPWROFF, Nearest),
        (L::EHWPOISON, D::EIO, Nearest),
        // Kernel-internal restart codes: what the caller would see had the call not been
        // restarted is EINTR; the kernel itself reports ENOIOCTLCMD as ENOTTY.
        (L::ERESTARTSYS, D::EINTR, Nearest),
        (L::ERESTARTNOINTR, D::EINTR, Nearest),
        (L::ERESTARTNOHAND, D::EINTR, Nearest),
        (L::ENOIOCTLCMD, D::ENOTTY, Nearest),
        (L::ERESTART_RESTARTBLOCK, D::EINTR, Nearest),
    ]
};

/// Every Darwin errno with the Linux errno it becomes.
const DARWIN_TO_LINUX: &[(DarwinErrno, LinuxErrno, Fidelity)] = {
    use DarwinErrno as D;
    use LinuxErrno as L;
    &[
        (D::EPERM, L::EPERM, Exact),
        (D::ENOENT, L::ENOENT, Exact),
        (D::ESRCH, L::ESRCH, Exact),
        (D::EINTR, L::EINTR, Exact),
        (D::EIO, L::EIO, Exact),
        (D::ENXIO, L::ENXIO, Exact),
        (D::E2BIG, L::E2BIG, Exact),
        (D::ENOEXEC, L::ENOEXEC, Exact),
        (D::EBADF, L::EBADF, Exact),
        (D::ECHILD, L::ECHILD, Exact),
        (D::EDEADLK, L::EDEADLK, Exact),
        (D::ENOMEM, L::ENOMEM, Exact),
        (D::EACCES, L::EACCES, Exact),
        (D::EFAULT, L::EFAULT, Exact),
        (D::ENOTBLK, L::ENOTBLK, Exact),
        (D::EBUSY, L::EBUSY, Exact),
        (D::EEXIST, L::EEXIST, Exact),
        (D::EXDEV, L::EXDEV, Exact),
        (D::ENODEV, L::ENODEV, Exact),
        (D::ENOTDIR, L::ENOTDIR, Exact),
        (D::EISDIR, L::EISDIR, Exact),
        (D::EINVAL, L::EINVAL, Exact),
        (D::ENFILE, L::ENFILE, Exact),
        (D::EMFILE, L::EMFILE, Exact),
        (D::ENOTTY, L::ENOTTY, Exact),
        (D::ETXTBSY, L::ETXTBSY, Exact),
        (D::EFBIG, L::EFBIG, Exact),
        (D::ENOSPC, L::ENOSPC, Exact),
        (D::ESPIPE, L::ESPIPE, Exact),
        (D::EROFS, L::EROFS, Exact),
        (D::EMLINK, L::EMLINK, Exact),
        (D::EPIPE, L::EPIPE, Exact),
        (D::EDOM, L::EDOM, Exact),
        (D::ERANGE, L::ERANGE, Exact),
        (D::EAGAIN, L::EAGAIN, Exact),
        (D::EINPROGRESS, L::EINPROGRESS, Exact),
        (D::EALREADY, L::EALREADY, Exact),
        (D::ENOTSOCK, L::ENOTSOCK, Exact),
        (D::EDESTADDRREQ, L::EDESTADDRREQ, Exact),
        (D::EMSGSIZE, L::EMSGSIZE, Exact),
        (D::EPROTOTYPE, L::EPROTOTYPE, Exact),
        (D::ENOPROTOOPT, L::ENOPROTOOPT, Exact),
        (D::EPROTONOSUPPORT, L::EPROTONOSUPPORT, Exact),
        (D::ESOCKTNOSUPPORT, L::ESOCKTNOSUPPORT, Exact),
        (D::ENOTSUP, L::ENOTSUP, Exact),
        (D::EPFNOSUPPORT, L::EPFNOSUPPORT, Exact),
        (D::EAFNOSUPPORT, L::EAFNOSUPPORT, Exact),
        (D::EADDRINUSE, L::EADDRINUSE, Exact),
        (D::EADDRNOTAVAIL, L::EADDRNOTAVAIL, Exact),
        (D::ENETDOWN, L::ENETDOWN, Exact),
        (D::ENETUNREACH, L::ENETUNREACH, Exact),
        (D::ENETRESET, L::ENETRESET, Exact),
        (D::ECONNABORTED, L::ECONNABORTED, Exact),
        (D::ECONNRESET, L::ECONNRESET, Exact),
        (D::ENOBUFS, L::ENOBUFS, Exact),
        (D::EISCONN, L::EISCONN, Exact),
        (D::ENOTCONN, L::ENOTCONN, Exact),
        (D::ESHUTDOWN, L::ESHUTDOWN, Exact),
        (D::ETOOMANYREFS, L::ETOOMANYREFS, Exact),
        (D::ETIMEDOUT, L::ETIMEDOUT, Exact),
        (D::ECONNREFUSED, L::ECONNREFUSED, Exact),
        (D::ELOOP, L::ELOOP, Exact),
        (D::ENAMETOOLONG, L::ENAMETOOLONG, Exact),
        (D::EHOSTDOWN, L::EHOSTDOWN, Exact),
        (D::EHOSTUNREACH, L::EHOSTUNREACH, Exact),
        (D::ENOTEMPTY, L::ENOTEMPTY, Exact),
        // fork(2) past RLIMIT_NPROC fails with EAGAIN on Linux.
        (D::EPROCLIM, L::EAGAIN, Nearest),
        (D::EUSERS, L::EUSERS, Exact),
        (D::EDQUOT, L::EDQUOT, Exact),
        (D::ESTALE, L::ESTALE, Exact),
        (D::EREMOTE, L::EREMOTE, Exact),
        // Sun RPC errors: Linux reports malformed and mismatched protocol data this way.
        (D::EBADRPC, L::EBADMSG, Nearest),
        (D::ERPCMISMATCH, L::EPROTO, Nearest),
        (D::EPROGUNAVAIL, L::EPROTONOSUPPORT, Nearest),
        (D::EPROGMISMATCH, L::EPROTONOSUPPORT, Nearest),
        (D::EPROCUNAVAIL, L::EOPNOTSUPP, Nearest),
        (D::ENOLCK, L::ENOLCK, Exact),
        (D::ENOSYS, L::ENOSYS, Exact),
        (D::EFTYPE, L::EINVAL, Nearest),
        (D::EAUTH, L::EACCES, Nearest),
        (D::ENEEDAUTH, L::EACCES, Nearest),
        (D::EPWROFF, L::EIO, Nearest),
        (D::EDEVERR, L::EIO, Nearest),
        (D::EOVERFLOW, L::EOVERFLOW, Exact),
        (D::EBADEXEC, L::ENOEXEC, Nearest),
        (D::EBADARCH, L::ENOEXEC, Nearest),
        (D::ESHLIBVERS, L::ELIBBAD, Nearest),
        (D::EBADMACHO, L::ENOEXEC, Nearest),
        (D::ECANCELED, L::ECANCELED, Exact),
        (D::EIDRM, L::EIDRM, Exact),
        (D::ENOMSG, L::ENOMSG, Exact),
        (D::EILSEQ, L::EILSEQ, Exact),
        // Linux spells a missing extended attribute ENODATA (libattr's ENOATTR is an alias).
        (D::ENOATTR, L::ENODATA, Exact),
        (D::EBADMSG, L::EBADMSG, Exact),
        (D::EMULTIHOP, L::EMULTIHOP, Exact),
        (D::ENODATA, L::ENODATA, Exact),
        (D::ENOLINK, L::ENOLINK, Exact),
        (D::ENOSR, L::ENOSR, Exact),
        (D::ENOSTR, L::ENOSTR, Exact),
        (D::EPROTO, L::EPROTO, Exact),
        (D::ETIME, L::ETIME, Exact),
        (D::EOPNOTSUPP, L::EOPNOTSUPP, Exact),
        // A MAC policy that is not loaded: "not found".
        (D::ENOPOLICY, L::ENOENT, Nearest),
        (D::ENOTRECOVERABLE, L::ENOTRECOVERABLE, Exact),
        (D::EOWNERDEAD, L::EOWNERDEAD, Exact),
        // Linux reports a full transmit queue as ENOBUFS.
        (D::EQFULL, L::ENOBUFS, Nearest),
        (D::ENOTCAPABLE, L::EPERM, Nearest),
    ]
};

/// A by-magnitude translation table: `to[n]` is the magnitude `n` becomes (0: not in the
/// table), `exact[n]` whether that is [`Fidelity::Exact`].
struct Map<const N: usize> {
    to: [u8; N],
    exact: [bool; N],
}

impl<const N: usize> Map<N> {
    const fn new(pairs: &[(i32, i32, Fidelity)]) -> Self {
        let mut to = [0u8; N];
        let mut exact = [false; N];
        let mut i = 0;
        while i < pairs.len() {
            let (from, into, fidelity) = pairs[i];
            assert!(from > 0 && (from as usize) < N, "source errno out of range");
            assert!(
                into > 0 && into <= u8::MAX as i32,
                "target errno out of range"
            );
            assert!(to[from as usize] == 0, "source errno listed twice");
            to[from as usize] = into as u8;
            exact[from as usize] = matches!(fidelity, Fidelity::Exact);
            i += 1;
        }
        Map { to, exact }
    }

    #[inline(always)]
    const fn translate(&self, raw: i32) -> (i32, Fidelity) {
        let n = raw.unsigned_abs() as usize;
        if n < N && self.to[n] != 0 {
            let to = self.to[n] as i32;
            let fidelity = if self.exact[n] {
                Fidelity::Exact
            } else {
                Fidelity::Nearest
            };
            (if raw < 0 { -to } else { to }, fidelity)
        } else {
            (raw, Fidelity::Unchanged)
        }
    }
}

/// Turns a typed translation list into the raw `(from, into, fidelity)` rows [`Map::new`] takes.
macro_rules! raw_pairs {
    ($list:expr) => {{
        let mut out = [(0, 0, Exact); $list.len()];
        let mut i = 0;
        while i < out.len() {
            let (from, into, fidelity) = $list[i];
            out[i] = (from.raw(), into.raw(), fidelity);
            i += 1;
        }
        out
    }};
}

static LINUX_MAP: Map<517> = Map::new(&raw_pairs!(LINUX_TO_DARWIN));
static DARWIN_MAP: Map<108> = Map::new(&raw_pairs!(DARWIN_TO_LINUX));

/// Translates a Linux errno into the Darwin errno a macOS program expects, keeping its sign.
///
/// The same as [`linux_to_darwin_in`] with [`CallContext::Generic`]. Darling's name for this is
/// `errno_linux_to_bsd`.
///
/// ```
/// use darling_bsd_errno::{DarwinErrno, LinuxErrno, linux_to_darwin};
///
/// assert_eq!(linux_to_darwin(LinuxErrno::EAGAIN), DarwinErrno::EAGAIN); // 11 -> 35
/// assert_eq!(linux_to_darwin(LinuxErrno::from_raw(-130)), DarwinErrno::from_raw(-105));
/// assert_eq!(linux_to_darwin(LinuxErrno::EBADFD), DarwinErrno::EBADF); // Darling: ENOLCK
/// ```
#[inline]
pub const fn linux_to_darwin(err: LinuxErrno) -> DarwinErrno {
    DarwinErrno::from_raw(LINUX_MAP.translate(err.raw()).0)
}

/// Translates a Linux errno produced by a call of kind `context`, keeping its sign.
///
/// ```
/// use darling_bsd_errno::{CallContext, DarwinErrno, LinuxErrno, linux_to_darwin_in};
///
/// let e = LinuxErrno::EOPNOTSUPP;
/// assert_eq!(linux_to_darwin_in(e, CallContext::Generic), DarwinErrno::ENOTSUP);
/// assert_eq!(linux_to_darwin_in(e, CallContext::Socket), DarwinErrno::EOPNOTSUPP);
/// let e = LinuxErrno::from_raw(-61); // -ENODATA from fgetxattr(2)
/// assert_eq!(linux_to_darwin_in(e, CallContext::Xattr), DarwinErrno::from_raw(-93));
/// ```
#[inline]
pub const fn linux_to_darwin_in(err: LinuxErrno, context: CallContext) -> DarwinErrno {
    linux_to_darwin_detailed(err, context).value
}

/// Like [`linux_to_darwin_in`], also saying how faithful the translation is.
///
/// ```
/// use darling_bsd_errno::{CallContext, DarwinErrno, Fidelity, LinuxErrno, linux_to_darwin_detailed};
///
/// let t = linux_to_darwin_detailed(LinuxErrno::ESTRPIPE, CallContext::Generic);
/// assert_eq!((t.value, t.fidelity), (DarwinErrno::EPIPE, Fidelity::Nearest));
/// let t = linux_to_darwin_detailed(LinuxErrno::from_raw(4000), CallContext::Generic);
/// assert_eq!((t.value.raw(), t.fidelity), (4000, Fidelity::Unchanged));
/// ```
#[inline]
pub const fn linux_to_darwin_detailed(
    err: LinuxErrno,
    context: CallContext,
) -> Translation<DarwinErrno> {
    let raw = err.raw();
    let (mut value, fidelity) = LINUX_MAP.translate(raw);
    let sign = if raw < 0 { -1 } else { 1 };
    match (context, raw.unsigned_abs()) {
        (CallContext::Socket, 95) => value = sign * DarwinErrno::EOPNOTSUPP.raw(),
        (CallContext::Xattr, 61) => value = sign * DarwinErrno::ENOATTR.raw(),
        _ => {}
    }
    Translation {
        value: DarwinErrno::from_raw(value),
        fidelity,
    }
}

/// Translates a Darwin errno into the Linux errno a Linux program expects, keeping its sign.
///
/// Darling has no such function; this is the inverse of [`linux_to_darwin`] wherever both
/// systems name the error the same, and the nearest Linux error for Darwin's own
/// (`EBADMACHO` → `ENOEXEC`, `EQFULL` → `ENOBUFS`, …).
///
/// ```
/// use darling_bsd_errno::{DarwinErrno, LinuxErrno, darwin_to_linux};
///
/// assert_eq!(darwin_to_linux(DarwinErrno::EDEADLK), LinuxErrno::EDEADLK); // 11 -> 35
/// assert_eq!(darwin_to_linux(DarwinErrno::ENOATTR), LinuxErrno::ENODATA);
/// assert_eq!(darwin_to_linux(DarwinErrno::from_raw(-88)), LinuxErrno::from_raw(-8));
/// ```
#[inline]
pub const fn darwin_to_linux(err: DarwinErrno) -> LinuxErrno {
    LinuxErrno::from_raw(DARWIN_MAP.translate(err.raw()).0)
}

/// Like [`darwin_to_linux`], also saying how faithful the translation is.
#[inline]
pub const fn darwin_to_linux_detailed(err: DarwinErrno) -> Translation<LinuxErrno> {
    let (value, fidelity) = DARWIN_MAP.translate(err.raw());
    Translation {
        value: LinuxErrno::from_raw(value),
        fidelity,
    }
}

impl LinuxErrno {
    /// The Darwin errno for this value; see [`linux_to_darwin`].
    #[inline]
    pub const fn to_darwin(self) -> DarwinErrno {
        linux_to_darwin(self)
    }

    /// The Darwin errno for this value produced by a call of kind `context`; see
    /// [`linux_to_darwin_in`].
    #[inline]
    pub const fn to_darwin_in(self, context: CallContext) -> DarwinErrno {
        linux_to_darwin_in(self, context)
    }
}

impl DarwinErrno {
    /// The Linux errno for this value; see [`darwin_to_linux`].
    #[inline]
    pub const fn to_linux(self) -> LinuxErrno {
        darwin_to_linux(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linux_errno_has_an_answer() {
        for e in LinuxErrno::all() {
            let t = linux_to_darwin_detailed(e, CallContext::Generic);
            assert_ne!(t.fidelity, Fidelity::Unchanged, "{e:?} is not in the table");
            assert!(t.value.is_known(), "{e:?} maps to unknown {:?}", t.value);
        }
    }

    #[test]
    fn every_darwin_errno_has_an_answer() {
        for e in DarwinErrno::all() {
            let t = darwin_to_linux_detailed(e);
            assert_ne!(t.fidelity, Fidelity::Unchanged, "{e:?} is not in the table");
            assert!(t.value.is_known(), "{e:?} maps to unknown {:?}", t.value);
        }
    }

    #[test]
    fn exact_means_same_name_or_documented_alias() {
        // (Linux name, Darwin name) pairs that are one error under two spellings.
        let aliases = [("EOPNOTSUPP", "ENOTSUP"), ("ENODATA", "ENOATTR")];
        for e in LinuxErrno::all() {
            let t = linux_to_darwin_detailed(e, CallContext::Generic);
            let pair = (e.name().unwrap(), t.value.name().unwrap());
            match t.fidelity {
                Fidelity::Exact => assert!(
                    pair.0 == pair.1 || aliases.contains(&pair),
                    "{pair:?} marked exact"
                ),
                _ => assert!(
                    DarwinErrno::from_name(pair.0).is_err(),
                    "{pair:?}: Darwin has {}",
                    pair.0
                ),
            }
        }
        for e in DarwinErrno::all() {
            let t = darwin_to_linux_detailed(e);
            let pair = (t.value.name().unwrap(), e.name().unwrap());
            match t.fidelity {
                Fidelity::Exact => assert!(
                    pair.0 == pair.1
                        || aliases.contains(&pair)
                        || LinuxErrno::from_name(pair.1) == Ok(t.value),
                    "{pair:?} marked exact"
                ),
                _ => assert!(
                    LinuxErrno::from_name(pair.1).is_err(),
                    "{pair:?}: Linux has {}",
                    pair.1
                ),
            }
        }
    }

    #[test]
    fn zero_and_extremes_pass_through() {
        for raw in [0, i32::MIN, i32::MAX, 517, -517, 134, 41, -58] {
            let t = linux_to_darwin_detailed(LinuxErrno::from_raw(raw), CallContext::Socket);
            assert_eq!((t.value.raw(), t.fidelity), (raw, Fidelity::Unchanged));
        }
        for raw in [0, i32::MIN, i32::MAX, 108, -108] {
            let t = darwin_to_linux_detailed(DarwinErrno::from_raw(raw));
            assert_eq!((t.value.raw(), t.fidelity), (raw, Fidelity::Unchanged));
        }
    }
}
