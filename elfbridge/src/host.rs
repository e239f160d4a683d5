//! Host libraries through the host's dynamic loader (`dlopen`, `dlsym`, `dlvsym`, `dlclose`).
//!
//! This is one of the two places in the crate that call foreign code (the other is
//! [`crate::calls`]'s table of host functions); every `unsafe` block says why it holds.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_void};
use std::ptr::NonNull;

/// Why the host loader refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DlError {
    /// `dlerror()`'s text, or our own when the loader gave none.
    pub message: String,
}

/// Takes the calling thread's pending `dlerror()` message, if there is one.
pub(crate) fn take_dlerror() -> Option<String> {
    // SAFETY: dlerror takes no arguments; it returns NULL or a NUL-terminated string that stays
    // valid until the next dl* call on this thread, and we copy it out before returning.
    let text = unsafe { libc::dlerror() };
    (!text.is_null()).then(|| {
        // SAFETY: not NULL, so a valid NUL-terminated string (see above).
        unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned()
    })
}

/// The pending `dlerror()` message as an error, or `fallback` if there is none.
fn last_error(fallback: impl FnOnce() -> String) -> DlError {
    DlError {
        message: take_dlerror().unwrap_or_else(fallback),
    }
}

/// A host library opened with `dlopen(RTLD_LAZY | RTLD_LOCAL)`, closed on drop.
///
/// Handles are reference-counted by the host loader, so opening a library twice gives two
/// independent `Library` values.
#[derive(Debug)]
pub struct Library {
    handle: NonNull<c_void>,
}

// SAFETY: a dlopen handle is an opaque token that glibc's loader accepts from any thread (its
// dl* functions take the loader's own lock); we never touch the memory behind it.
unsafe impl Send for Library {}
// SAFETY: as above; `&Library` only allows dlsym/dlvsym, which are thread-safe.
unsafe impl Sync for Library {}

impl Library {
    /// Opens `name` (a SONAME searched as the host loader searches, or a path).
    ///
    /// # Safety
    /// Loading runs the library's initialisers (and those of what it needs), which can do
    /// anything; the caller vouches for the library.
    ///
    /// # Errors
    /// The host loader's message when the library cannot be found or loaded.
    pub unsafe fn open(name: &CStr) -> Result<Self, DlError> {
        // SAFETY: `name` is a valid C string; the caller accepts the initialisers' effects.
        let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
        NonNull::new(handle)
            .map(|handle| Self { handle })
            .ok_or_else(|| last_error(|| format!("cannot load {}", name.to_string_lossy())))
    }

    /// The address of `name`'s default definition (`name@@VERSION`, or the unversioned one),
    /// as `dlsym` finds it; an indirect function's resolver has already been called.
    ///
    /// # Errors
    /// When the library (or what it depends on) does not define `name`.
    pub fn symbol(&self, name: &CStr) -> Result<NonNull<c_void>, DlError> {
        // Clear a stale message so that a NULL result is told apart from a NULL value.
        // SAFETY: dlerror has no preconditions.
        unsafe { libc::dlerror() };
        // SAFETY: the handle is live (we own a reference) and `name` is a valid C string.
        let address = unsafe { libc::dlsym(self.handle.as_ptr(), name.as_ptr()) };
        NonNull::new(address)
            .ok_or_else(|| last_error(|| format!("{} is NULL", name.to_string_lossy())))
    }

    /// The address of `name@version` exactly, default or hidden, as `dlvsym` finds it: the
    /// definition a program linked against this version would bind to.
    ///
    /// # Errors
    /// When no definition of `name` carries `version`.
    pub fn versioned_symbol(
        &self,
        name: &CStr,
        version: &CStr,
    ) -> Result<NonNull<c_void>, DlError> {
        // SAFETY: dlerror has no preconditions.
        unsafe { libc::dlerror() };
        // SAFETY: the handle is live and both strings are valid C strings.
        let address =
            unsafe { libc::dlvsym(self.handle.as_ptr(), name.as_ptr(), version.as_ptr()) };
        NonNull::new(address).ok_or_else(|| {
            last_error(|| {
                format!(
                    "{}@{} is NULL",
                    name.to_string_lossy(),
                    version.to_string_lossy()
                )
            })
        })
    }

    /// The raw `dlopen` handle, for code that calls the host loader itself.
    pub fn as_raw(&self) -> *mut c_void {
        self.handle.as_ptr()
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        // SAFETY: we own one reference to a live handle and give it back exactly once; addresses
        // taken from it must not be used afterwards, which `symbol`'s docs cannot enforce but a
        // caller holding raw addresses already accepts.
        unsafe { libc::dlclose(self.handle.as_ptr()) };
    }
}
