//! Translating shims: the libSystem functions whose Darwin ABI differs from glibc's, written
//! here as the C functions Darwin code calls, each doing the host's call in Linux terms.
//!
//! - `errno`: each thread's Darwin `errno` lives here (the shim of `__error`); a
//!   failed host call's Linux errno is translated with `darling-bsd-errno` before it is
//!   stored, and `strerror` gives Darwin's text.
//! - Paths go through `darling-vchroot` with the prefix set by [`set_prefix`] (Darwin's `/`),
//!   and the file is then reached through the descriptor the walk opened, so nothing is
//!   looked up twice.
//! - `open`'s flags are Darwin's bits, turned into Linux's; `stat$INODE64` fills Darwin's
//!   `struct stat` (144 bytes) from Linux's.
//!
//! This module is an unsafe edge: the shims take raw pointers from Darwin code, which
//! promises what the C prototypes say (a NUL-terminated path, a buffer of `n` bytes…).
#![allow(unsafe_code)]

use std::cell::Cell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use darling_bsd_errno::{DarwinErrno, LinuxErrno, linux_to_darwin};
use darling_vchroot::{Base, ExpandFlags, Expanded, Vchroot};

use crate::trace::{c_str, trace};

static PREFIX: OnceLock<Vchroot> = OnceLock::new();

/// The prefix of the file shims is set once per process.
#[derive(Debug, thiserror::Error)]
#[error("the prefix is already set (once per process)")]
pub struct PrefixAlreadySet;

/// Sets the prefix that paths given to the file shims are resolved in: Darwin's `/` is its
/// root, `/Volumes/SystemRoot` the host's. Once per process.
///
/// # Errors
/// [`PrefixAlreadySet`] if a prefix is already set.
pub fn set_prefix(prefix: Vchroot) -> Result<(), PrefixAlreadySet> {
    PREFIX.set(prefix).map_err(|_| PrefixAlreadySet)
}

thread_local! {
    /// This thread's Darwin `errno`, which `__error()` points Darwin code at.
    static DARWIN_ERRNO: Cell<c_int> = const { Cell::new(0) };
}

/// `int *__error(void)`: the address of the calling thread's Darwin `errno`. Host functions
/// bound straight set glibc's `errno` (Linux numbers), which this one does not show: only
/// the translating shims write here.
pub(crate) extern "C" fn darwin_error() -> *mut c_int {
    let place = darwin_errno_place();
    trace!("__error() = {place:p}");
    place
}

/// The calling thread's Darwin `errno`: where [`darwin_error`] points Darwin code.
pub(crate) fn darwin_errno_place() -> *mut c_int {
    DARWIN_ERRNO.with(Cell::as_ptr)
}

/// Darwin's number for Linux errno `linux` (`darling-bsd-errno`'s translation).
pub(crate) fn darwin_errno(linux: i32) -> c_int {
    linux_to_darwin(LinuxErrno::from_raw(linux)).raw()
}

/// Sets this thread's Darwin `errno` to the translation of Linux errno `linux`; returns -1.
fn fail(linux: i32) -> c_int {
    DARWIN_ERRNO.with(|e| e.set(darwin_errno(linux)));
    -1
}

/// The Linux errno the last host call left.
fn host_errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// Darwin's `open` flags and Linux's for the same request (xnu `bsd/sys/fcntl.h`; the access
/// mode, the low two bits, is the same on both).
const OPEN_FLAGS: &[(c_int, c_int)] = &[
    (0x0000_0004, libc::O_NONBLOCK),  // O_NONBLOCK
    (0x0000_0008, libc::O_APPEND),    // O_APPEND
    (0x0000_0080, libc::O_SYNC),      // O_SYNC
    (0x0000_0100, libc::O_NOFOLLOW),  // O_NOFOLLOW
    (0x0000_0200, libc::O_CREAT),     // O_CREAT
    (0x0000_0400, libc::O_TRUNC),     // O_TRUNC
    (0x0000_0800, libc::O_EXCL),      // O_EXCL
    (0x0002_0000, libc::O_NOCTTY),    // O_NOCTTY
    (0x0010_0000, libc::O_DIRECTORY), // O_DIRECTORY
    (0x0040_0000, libc::O_DSYNC),     // O_DSYNC
    (0x0100_0000, libc::O_CLOEXEC),   // O_CLOEXEC
];

/// Linux's flags for Darwin's `open` flags `darwin`, or `None` if one has no Linux meaning
/// (`O_SHLOCK`, `O_EXLOCK`, `O_EVTONLY`, `O_SYMLINK`…).
pub fn open_flags(darwin: c_int) -> Option<c_int> {
    let mut linux = darwin & libc::O_ACCMODE;
    let mut left = darwin & !libc::O_ACCMODE;
    for &(d, l) in OPEN_FLAGS {
        if left & d != 0 {
            linux |= l;
            left &= !d;
        }
    }
    (left == 0).then_some(linux)
}

/// The Darwin path `path` points at, resolved in the prefix (following a symlink in the
/// last component if `follow`), or the Linux errno why not.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn expand(path: *const c_char, follow: bool) -> Result<Expanded, i32> {
    if path.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: the caller's promise: a NUL-terminated string.
    let path = unsafe { CStr::from_ptr(path) };
    let prefix = PREFIX.get().ok_or(libc::ENOENT)?;
    let flags = if follow {
        ExpandFlags::FOLLOW
    } else {
        ExpandFlags::empty()
    };
    let path = std::ffi::OsStr::from_bytes(path.to_bytes());
    prefix.expand(path, flags, Base::Cwd).map_err(|e| e.errno())
}

/// `/proc/self/fd/N` of a descriptor: opening it opens what the descriptor names, with new
/// flags, without looking its path up again.
fn proc_fd(fd: impl AsRawFd) -> CString {
    CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).expect("no NUL in a number")
}

/// [`open`], untraced.
unsafe fn open_inner(path: *const c_char, flags: c_int, mode: c_int) -> c_int {
    let Some(linux_flags) = open_flags(flags) else {
        return fail(libc::EINVAL);
    };
    // SAFETY: Darwin code passes `open` a NUL-terminated path.
    let found = match unsafe { expand(path, linux_flags & libc::O_NOFOLLOW == 0) } {
        Ok(found) => found,
        Err(errno) => return fail(errno),
    };
    let fd = match found.missing_name() {
        // A file to create: in the directory the walk opened, by name.
        Some(name) => {
            let name = CString::new(name.as_bytes()).expect("a path component has no NUL");
            // SAFETY: a directory descriptor and a NUL-terminated name; mode as given.
            unsafe { libc::openat(found.fd().as_raw_fd(), name.as_ptr(), linux_flags, mode) }
        }
        // What the walk found, opened again with the flags asked for.
        None => {
            let at = proc_fd(found.fd());
            // SAFETY: a NUL-terminated path; mode as given.
            unsafe { libc::open(at.as_ptr(), linux_flags, mode) }
        }
    };
    if fd < 0 { fail(host_errno()) } else { fd }
}

/// [`read`], untraced.
unsafe fn read_inner(fd: c_int, buf: *mut c_void, n: usize) -> isize {
    // SAFETY: Darwin code passes a buffer of `n` writable bytes.
    let got = unsafe { libc::read(fd, buf, n) };
    if got < 0 {
        fail(host_errno()) as isize
    } else {
        got
    }
}

/// [`write`], untraced.
unsafe fn write_inner(fd: c_int, buf: *const c_void, n: usize) -> isize {
    // SAFETY: Darwin code passes `n` readable bytes.
    let put = unsafe { libc::write(fd, buf, n) };
    if put < 0 {
        fail(host_errno()) as isize
    } else {
        put
    }
}

/// [`close`], untraced.
fn close_inner(fd: c_int) -> c_int {
    // SAFETY: closing a number the program owns; a bad one is EBADF.
    if unsafe { libc::close(fd) } < 0 {
        fail(host_errno())
    } else {
        0
    }
}

/// [`unlink`], untraced.
unsafe fn unlink_inner(path: *const c_char) -> c_int {
    // SAFETY: Darwin code passes a NUL-terminated path.
    let found = match unsafe { expand(path, false) } {
        Ok(found) if found.exists() => found,
        Ok(_) => return fail(libc::ENOENT),
        Err(errno) => return fail(errno),
    };
    let host = CString::new(found.host_path().as_os_str().as_bytes()).expect("no NUL");
    // SAFETY: a NUL-terminated host path the walk just resolved inside the prefix.
    if unsafe { libc::unlink(host.as_ptr()) } < 0 {
        fail(host_errno())
    } else {
        0
    }
}

/// Darwin's `struct stat` with 64-bit inodes (`__DARWIN_STRUCT_STAT64`, xnu
/// `bsd/sys/stat.h`): what `stat$INODE64` fills.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DarwinStat64 {
    /// Device: major in the top 8 bits, minor in the low 24.
    pub st_dev: i32,
    /// File type and permissions (the same bits as Linux's).
    pub st_mode: u16,
    /// Hard links.
    pub st_nlink: u16,
    /// Inode number.
    pub st_ino: u64,
    /// Owner.
    pub st_uid: u32,
    /// Group.
    pub st_gid: u32,
    /// Device, for a device file.
    pub st_rdev: i32,
    /// Last access, modification, status change, birth: seconds and nanoseconds.
    pub st_atimespec: [i64; 2],
    /// Last modification.
    pub st_mtimespec: [i64; 2],
    /// Last status change.
    pub st_ctimespec: [i64; 2],
    /// Creation.
    pub st_birthtimespec: [i64; 2],
    /// Size in bytes.
    pub st_size: i64,
    /// 512-byte blocks.
    pub st_blocks: i64,
    /// Preferred I/O size.
    pub st_blksize: i32,
    /// `chflags` flags.
    pub st_flags: u32,
    /// File generation.
    pub st_gen: u32,
    /// Reserved.
    pub st_lspare: i32,
    /// Reserved.
    pub st_qspare: [i64; 2],
}

const _: () = assert!(size_of::<DarwinStat64>() == 144);
const _: () = assert!(std::mem::offset_of!(DarwinStat64, st_size) == 96);

/// A Linux device number as Darwin's `dev_t`: major in the top 8 bits, minor in the low 24.
fn darwin_dev(dev: u64) -> i32 {
    let (major, minor) = (libc::major(dev), libc::minor(dev));
    ((major & 0xff) << 24 | (minor & 0xff_ffff)) as i32
}

impl DarwinStat64 {
    /// Darwin's view of Linux's `st`. There is no birth time in `struct stat` on Linux: the
    /// status change time stands in for it.
    pub fn from_linux(st: &libc::stat) -> Self {
        DarwinStat64 {
            st_dev: darwin_dev(st.st_dev),
            st_mode: st.st_mode as u16,
            st_nlink: u16::try_from(st.st_nlink).unwrap_or(u16::MAX),
            st_ino: st.st_ino,
            st_uid: st.st_uid,
            st_gid: st.st_gid,
            st_rdev: darwin_dev(st.st_rdev),
            st_atimespec: [st.st_atime, st.st_atime_nsec],
            st_mtimespec: [st.st_mtime, st.st_mtime_nsec],
            st_ctimespec: [st.st_ctime, st.st_ctime_nsec],
            st_birthtimespec: [st.st_ctime, st.st_ctime_nsec],
            st_size: st.st_size,
            st_blocks: st.st_blocks,
            st_blksize: st.st_blksize as i32,
            ..DarwinStat64::default()
        }
    }
}

/// [`stat64`], untraced.
unsafe fn stat64_inner(path: *const c_char, buf: *mut DarwinStat64) -> c_int {
    // SAFETY: Darwin code passes a NUL-terminated path.
    let found = match unsafe { expand(path, true) } {
        Ok(found) if found.exists() => found,
        Ok(_) => return fail(libc::ENOENT),
        Err(errno) => return fail(errno),
    };
    if buf.is_null() {
        return fail(libc::EFAULT);
    }
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: an O_PATH descriptor (fstat accepts them) and room for a Linux `struct stat`.
    if unsafe { libc::fstat(found.fd().as_raw_fd(), st.as_mut_ptr()) } < 0 {
        return fail(host_errno());
    }
    // SAFETY: fstat succeeded, so it filled `st`.
    let st = unsafe { st.assume_init() };
    // SAFETY: Darwin code passes room for its `struct stat`; unaligned writes are fine.
    unsafe { buf.write_unaligned(DarwinStat64::from_linux(&st)) };
    0
}

/// A shim's result as a trace shows it: the value, or -1 and the Darwin errno's name.
fn outcome(r: i64) -> String {
    if r < 0 {
        let e = DARWIN_ERRNO.with(Cell::get);
        let name = DarwinErrno::from_raw(e).name().unwrap_or("?");
        format!("{r} {name}")
    } else {
        r.to_string()
    }
}

/// `int open(const char *path, int flags, ...)`, the mode read as the third argument (where
/// the SysV x86-64 convention passes a variadic `int`).
pub(crate) unsafe extern "C" fn open(path: *const c_char, flags: c_int, mode: c_int) -> c_int {
    // SAFETY: Darwin code passes `open` a NUL-terminated path.
    let r = unsafe { open_inner(path, flags, mode) };
    // SAFETY: as above.
    trace!(
        "open({}, {flags:#x}, {mode:#o}) = {}",
        // SAFETY: Darwin code passes a NUL-terminated path.
        unsafe { c_str(path) },
        outcome(r.into())
    );
    r
}

/// `ssize_t read(int fd, void *buf, size_t n)`.
pub(crate) unsafe extern "C" fn read(fd: c_int, buf: *mut c_void, n: usize) -> isize {
    // SAFETY: Darwin code passes a buffer of `n` writable bytes.
    let r = unsafe { read_inner(fd, buf, n) };
    trace!("read({fd}, {buf:p}, {n}) = {}", outcome(r as i64));
    r
}

/// `ssize_t write(int fd, const void *buf, size_t n)`.
pub(crate) unsafe extern "C" fn write(fd: c_int, buf: *const c_void, n: usize) -> isize {
    // SAFETY: Darwin code passes `n` readable bytes.
    let r = unsafe { write_inner(fd, buf, n) };
    trace!("write({fd}, {buf:p}, {n}) = {}", outcome(r as i64));
    r
}

/// `int close(int fd)`.
pub(crate) extern "C" fn close(fd: c_int) -> c_int {
    let r = close_inner(fd);
    trace!("close({fd}) = {}", outcome(r.into()));
    r
}

/// `int unlink(const char *path)`: the last component is not followed.
pub(crate) unsafe extern "C" fn unlink(path: *const c_char) -> c_int {
    // SAFETY: Darwin code passes a NUL-terminated path.
    let r = unsafe { unlink_inner(path) };
    // SAFETY: as above.
    trace!("unlink({}) = {}", unsafe { c_str(path) }, outcome(r.into()));
    r
}

/// `int stat(const char *path, struct stat *buf)` with Darwin's 64-bit-inode `struct stat`.
pub(crate) unsafe extern "C" fn stat64(path: *const c_char, buf: *mut DarwinStat64) -> c_int {
    // SAFETY: Darwin code passes a NUL-terminated path and room for its `struct stat`.
    let r = unsafe { stat64_inner(path, buf) };
    // SAFETY: as above.
    trace!(
        "stat$INODE64({}, {buf:p}) = {}",
        // SAFETY: Darwin code passes a NUL-terminated path.
        unsafe { c_str(path) },
        outcome(r.into())
    );
    r
}

/// Darwin's message for every Darwin errno, NUL-terminated, made once.
fn messages() -> &'static [Option<CString>] {
    static MESSAGES: OnceLock<Vec<Option<CString>>> = OnceLock::new();
    MESSAGES.get_or_init(|| {
        let max = DarwinErrno::all().map(|e| e.raw()).max().unwrap_or(0);
        (0..=max)
            .map(|n| {
                DarwinErrno::from_raw(n)
                    .message()
                    .and_then(|m| CString::new(m).ok())
            })
            .collect()
    })
}

thread_local! {
    /// The text `strerror` last gave on this thread for a number without a message: it
    /// stays valid until the next such call on the thread, as Darwin's static buffer does.
    static UNKNOWN: std::cell::RefCell<CString> = std::cell::RefCell::new(CString::default());
}

/// `char *strerror(int errnum)`: Darwin's text for a Darwin errno (`Unknown error: N` for
/// any other number, `Undefined error: 0` for 0, as Darwin's libc says them).
pub(crate) extern "C" fn strerror(errnum: c_int) -> *const c_char {
    let text = strerror_inner(errnum);
    // SAFETY: a NUL-terminated string, valid until the next call on this thread.
    trace!("strerror({errnum}) = {}", unsafe { c_str(text) });
    text
}

fn strerror_inner(errnum: c_int) -> *const c_char {
    if let Some(Some(m)) = usize::try_from(errnum).ok().and_then(|i| messages().get(i))
        && errnum != 0
    {
        return m.as_ptr();
    }
    let text = if errnum == 0 {
        "Undefined error: 0".to_owned()
    } else {
        format!("Unknown error: {errnum}")
    };
    UNKNOWN.with(|u| {
        let mut u = u.borrow_mut();
        *u = CString::new(text).expect("no NUL in a number");
        u.as_ptr()
    })
}

static EXECUTABLE_PATH: OnceLock<CString> = OnceLock::new();

/// Sets the path `_NSGetExecutablePath` gives (the program's path, as `executable_path=` in
/// the Apple strings). Once per process.
///
/// # Errors
/// The path given back if one is already set.
pub fn set_executable_path(path: CString) -> Result<(), CString> {
    EXECUTABLE_PATH.set(path)
}

/// `int _NSGetExecutablePath(char *buf, uint32_t *bufsize)`: the program's path into `buf`
/// with its NUL, 0; or, if it does not fit in `*bufsize` bytes, -1 with the size it needs
/// in `*bufsize`, as dyld does.
unsafe extern "C" fn ns_get_executable_path(buf: *mut c_char, bufsize: *mut u32) -> c_int {
    let path = EXECUTABLE_PATH
        .get()
        .map_or(&[0u8][..], |p| p.as_bytes_with_nul());
    if bufsize.is_null() {
        return -1;
    }
    // SAFETY: Darwin code passes the size's place (checked not NULL).
    let room = unsafe { bufsize.read_unaligned() } as usize;
    let r = if buf.is_null() || room < path.len() {
        // SAFETY: as above.
        unsafe { bufsize.write_unaligned(path.len() as u32) };
        -1
    } else {
        // SAFETY: `buf` has room for `room >= path.len()` bytes.
        unsafe { std::ptr::copy_nonoverlapping(path.as_ptr(), buf.cast(), path.len()) };
        0
    };
    trace!("_NSGetExecutablePath({buf:p}, {room}) = {r}");
    r
}

/// The translating shims, by libSystem name (without the leading underscore).
fn table() -> [(&'static str, *const ()); 9] {
    [
        ("_NSGetExecutablePath", ns_get_executable_path as *const ()),
        ("__error", darwin_error as *const ()),
        ("open", open as *const ()),
        ("read", read as *const ()),
        ("write", write as *const ()),
        ("close", close as *const ()),
        ("unlink", unlink as *const ()),
        ("stat$INODE64", stat64 as *const ()),
        ("strerror", strerror as *const ()),
    ]
}

/// The address of the translating shim for libSystem's `name` (without the leading
/// underscore), if there is one.
pub(crate) fn shim(name: &str) -> Option<u64> {
    table()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, f)| f as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefix every test here shares (the process has one): a directory with `tmp/`.
    fn prefix() -> &'static std::path::Path {
        static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
        DIR.get_or_init(|| {
            let dir = std::env::temp_dir().join(format!("darling-loader-{}", std::process::id()));
            std::fs::create_dir_all(dir.join("tmp")).unwrap();
            set_prefix(Vchroot::open(&dir).unwrap()).ok();
            dir
        })
    }

    fn errno() -> c_int {
        // SAFETY: the calling thread's Darwin errno.
        unsafe { *darwin_error() }
    }

    #[test]
    fn open_flags_are_translated_bit_by_bit() {
        // What the fileio program passes: O_WRONLY | O_CREAT | O_TRUNC in Darwin's bits.
        assert_eq!(
            open_flags(0x601),
            Some(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)
        );
        assert_eq!(open_flags(0x2), Some(libc::O_RDWR));
        assert_eq!(
            open_flags(0x0100_0008 | 0x0010_0000),
            Some(libc::O_CLOEXEC | libc::O_APPEND | libc::O_DIRECTORY)
        );
        // O_SHLOCK and O_SYMLINK mean nothing to Linux.
        assert_eq!(open_flags(0x10), None);
        assert_eq!(open_flags(0x0020_0000), None);
    }

    #[test]
    fn darwin_stat_from_linux() {
        assert_eq!(std::mem::offset_of!(DarwinStat64, st_ino), 8);
        assert_eq!(std::mem::offset_of!(DarwinStat64, st_atimespec), 32);
        assert_eq!(std::mem::offset_of!(DarwinStat64, st_blksize), 112);
        // SAFETY: all-zero is a valid libc::stat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_dev = libc::makedev(8, 1);
        st.st_mode = libc::S_IFREG | 0o644;
        st.st_nlink = 70_000;
        st.st_size = 27;
        st.st_mtime = 1_700_000_000;
        st.st_mtime_nsec = 5;
        let d = DarwinStat64::from_linux(&st);
        assert_eq!(d.st_dev, 0x0800_0001);
        assert_eq!(u32::from(d.st_mode), libc::S_IFREG | 0o644);
        assert_eq!(d.st_nlink, u16::MAX);
        assert_eq!(d.st_size, 27);
        assert_eq!(d.st_mtimespec, [1_700_000_000, 5]);
    }

    #[test]
    fn strerror_speaks_darwin() {
        let text = |n| {
            // SAFETY: strerror returns a NUL-terminated string valid until the next call.
            unsafe { CStr::from_ptr(strerror(n)) }
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(text(2), "No such file or directory");
        // Darwin's 35 is EAGAIN (Linux's 35 is EDEADLK).
        assert_eq!(text(35), "Resource temporarily unavailable");
        assert_eq!(text(0), "Undefined error: 0");
        assert_eq!(text(9999), "Unknown error: 9999");
        assert_eq!(text(-1), "Unknown error: -1");
    }

    #[test]
    fn failures_leave_darwin_errno_numbers() {
        // Linux EAGAIN (11) is Darwin's 35.
        assert_eq!(fail(libc::EAGAIN), -1);
        assert_eq!(errno(), 35);
        // Each thread its own.
        std::thread::spawn(|| {
            assert_eq!(errno(), 0);
            fail(libc::ENOENT);
            assert_eq!(errno(), 2);
        })
        .join()
        .unwrap();
        assert_eq!(errno(), 35);
    }

    #[test]
    fn the_executable_path_as_dyld_gives_it() {
        set_executable_path(CString::new("/bin/prog").unwrap()).ok();
        let mut buf = [0 as c_char; 16];
        let mut size = 4u32;
        // SAFETY: (each call) a 16-byte buffer, and the size's place.
        unsafe {
            assert_eq!(ns_get_executable_path(buf.as_mut_ptr(), &mut size), -1);
            assert_eq!(size, 10);
            size = 16;
            assert_eq!(ns_get_executable_path(buf.as_mut_ptr(), &mut size), 0);
            assert_eq!(CStr::from_ptr(buf.as_ptr()), c"/bin/prog");
            assert_eq!(
                ns_get_executable_path(buf.as_mut_ptr(), std::ptr::null_mut()),
                -1
            );
        }
    }

    #[test]
    fn files_in_the_prefix() {
        let dir = prefix();
        let path = c"/tmp/translate-test";
        // SAFETY: every call below gets NUL-terminated paths and buffers of the sizes given.
        unsafe {
            let fd = open(path.as_ptr(), 0x601, 0o600);
            assert!(fd >= 0, "errno {}", errno());
            assert_eq!(write(fd, b"hello".as_ptr().cast(), 5), 5);
            assert_eq!(close(fd), 0);
            assert_eq!(
                std::fs::read(dir.join("tmp/translate-test")).unwrap(),
                b"hello"
            );
            let fd = open(path.as_ptr(), 0, 0);
            let mut buf = [0u8; 8];
            assert_eq!(read(fd, buf.as_mut_ptr().cast(), 8), 5);
            assert_eq!(close(fd), 0);
            let mut st = DarwinStat64::default();
            assert_eq!(stat64(path.as_ptr(), &mut st), 0);
            assert_eq!(st.st_size, 5);
            // O_EXCL on an existing file: Darwin's EEXIST (17, as Linux's).
            assert_eq!(open(path.as_ptr(), 0x0a01, 0o600), -1);
            assert_eq!(errno(), 17);
            assert_eq!(unlink(path.as_ptr()), 0);
            assert_eq!(stat64(path.as_ptr(), &mut st), -1);
            assert_eq!(errno(), 2);
            assert_eq!(unlink(path.as_ptr()), -1);
            // `..` stops at the prefix's root: this is the prefix's /tmp again.
            let up = c"/../../tmp/up";
            let fd = open(up.as_ptr(), 0x601, 0o600);
            assert!(fd >= 0);
            assert_eq!(close(fd), 0);
            assert!(dir.join("tmp/up").exists());
            assert_eq!(unlink(up.as_ptr()), 0);
            // Bad descriptors and flags.
            assert_eq!(close(-5), -1);
            assert_eq!(errno(), 9);
            assert_eq!(open(path.as_ptr(), 0x10, 0), -1);
            assert_eq!(errno(), 22);
            assert_eq!(open(std::ptr::null(), 0, 0), -1);
            assert_eq!(errno(), 14);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
