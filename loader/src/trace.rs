//! `--trace`: one line on stderr for every call that crosses the shim layer into the
//! runtime's own shims, with its arguments and result (what Darling's xtrace prints), and one
//! line per import at load saying where it was bound. Mach messages are shown with their MIG
//! routine's name where it is known.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static TRACE: AtomicBool = AtomicBool::new(false);

/// Turns tracing on or off for the whole process.
pub fn set_enabled(on: bool) {
    TRACE.store(on, Ordering::Relaxed);
}

/// Whether calls are traced.
#[inline]
pub fn enabled() -> bool {
    TRACE.load(Ordering::Relaxed)
}

/// Writes one trace line (`[tid] …`) to stderr, in one write so that threads do not
/// interleave within a line.
pub(crate) fn line(args: fmt::Arguments<'_>) {
    #[allow(unsafe_code)]
    // SAFETY: gettid takes no arguments and cannot fail.
    let tid = unsafe { libc::gettid() };
    let text = format!("[{tid}] {args}\n");
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A part of a trace line (what a call wrote back, say), made only when tracing is on and
/// `shown` holds (the call succeeded, so its out-parameter is written): untraced calls
/// format nothing.
pub(crate) fn detail(shown: bool, part: impl FnOnce() -> String) -> String {
    if shown && enabled() {
        part()
    } else {
        String::new()
    }
}

/// Traces `$($arg)*` if tracing is on (the arguments are not formatted otherwise).
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::trace::enabled() {
            $crate::trace::line(format_args!($($arg)*));
        }
    };
}
pub(crate) use trace;

/// The MIG routines whose message ids the runtime knows: `(request id, subsystem, routine)`;
/// a reply's id is the request's plus 100.
pub const MIG_ROUTINES: &[(i32, &str, &str)] = &[
    (200, "mach_host", "host_info"),
    (218, "mach_host", "host_statistics"),
    (402, "bootstrap", "bootstrap_check_in"),
    (403, "bootstrap", "bootstrap_register"),
    (404, "bootstrap", "bootstrap_look_up"),
];

/// How a message id reads in a trace: `id 200 (mach_host host_info)`, `id 300 (mach_host
/// host_info reply)`, or the bare id.
pub fn message_id(id: i32) -> String {
    let known = |want: i32| MIG_ROUTINES.iter().find(|(i, _, _)| *i == want);
    if let Some((_, subsystem, routine)) = known(id) {
        format!("id {id} ({subsystem} {routine})")
    } else if let Some((_, subsystem, routine)) = known(id - 100) {
        format!("id {id} ({subsystem} {routine} reply)")
    } else {
        format!("id {id}")
    }
}

/// A C string argument as a trace shows it: quoted, or `NULL`.
///
/// # Safety
/// `s` is NULL or a NUL-terminated string.
#[allow(unsafe_code)]
pub(crate) unsafe fn c_str(s: *const std::ffi::c_char) -> String {
    if s.is_null() {
        return "NULL".to_owned();
    }
    // SAFETY: the caller's promise: a NUL-terminated string.
    let s = unsafe { std::ffi::CStr::from_ptr(s) };
    format!("{:?}", s.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_by_routine() {
        assert_eq!(message_id(200), "id 200 (mach_host host_info)");
        assert_eq!(message_id(300), "id 300 (mach_host host_info reply)");
        assert_eq!(message_id(404), "id 404 (bootstrap bootstrap_look_up)");
        assert_eq!(message_id(1234), "id 1234");
    }

    #[test]
    #[allow(unsafe_code)]
    fn c_strings_quoted_or_null() {
        // SAFETY: NULL and a NUL-terminated string.
        unsafe {
            assert_eq!(c_str(std::ptr::null()), "NULL");
            assert_eq!(c_str(c"a \"b\"".as_ptr()), "\"a \\\"b\\\"\"");
        }
    }
}
