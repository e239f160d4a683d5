//! `struct elf_calls`: the table of host functions the loader hands to Mach-O code.
//!
//! The member order is ABI: libsystem_kernel and every wrapper dylib index the table by it. It
//! is Darling's (`src/startup/mldr/elfcalls/elfcalls.h`), 31 pointers: 248 bytes on x86-64, 124
//! on i386; each member's offset is asserted below. [`ElfCalls::host`] fills the members that
//! are plain host calls and, on x86-64, the thread members ([`crate::threads`]); the
//! darlingserver members belong to the runtime and are set by it ([`ElfCalls::with_dserver`];
//! [`ElfCalls::with_threads`] replaces the thread members).
//!
//! The C declaration Mach-O code compiles against, [`C_HEADER`], is written from the same list
//! of members as the Rust struct, so the two cannot disagree.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong, c_ushort, c_void};
use std::io::Write as _;

/// The callbacks a thread-creating call receives (`struct darling_thread_create_callbacks`):
/// libsystem_kernel's own Mach `thread_self` trap, its TSD-base setter (machdep trap 3) and its
/// descriptor guards.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct DarlingThreadCreateCallbacks {
    /// Returns the calling thread's Mach port name.
    pub thread_self_trap: Option<unsafe extern "C" fn() -> c_uint>,
    /// Sets the calling thread's TSD base (GS on x86-64).
    pub thread_set_tsd_base: Option<unsafe extern "C" fn(base: *mut c_void, unused: c_int)>,
    /// Guards a descriptor against Darwin code closing it.
    pub rpc_guard: Option<unsafe extern "C" fn(fd: c_int)>,
    /// Lifts [`DarlingThreadCreateCallbacks::rpc_guard`].
    pub rpc_unguard: Option<unsafe extern "C" fn(fd: c_int)>,
}

/// `darling_thread_create`'s signature: stack size, pthread object size, the Darwin entry
/// point, its four arguments, the callbacks and the dthread.
pub type ThreadCreateFn = unsafe extern "C" fn(
    c_ulong,
    c_ulong,
    *mut c_void,
    usize,
    usize,
    usize,
    usize,
    *const DarlingThreadCreateCallbacks,
    *mut c_void,
) -> *mut c_void;

/// `darling_thread_terminate`'s signature: stack address, size to free, pthread object size.
pub type ThreadTerminateFn = unsafe extern "C" fn(*mut c_void, c_ulong, c_ulong) -> c_int;

/// Defines [`ElfCalls`] and [`C_HEADER`] from one list: member, Rust type, C declaration.
macro_rules! elf_calls {
    ($( $(#[$doc:meta])* $name:ident ($c:literal) : $ty:ty, )*) => {
        /// The table of host functions, in Darling's member order (see the [module](self)).
        ///
        /// Every member is an `Option` of a function pointer, which has a null pointer's
        /// representation when `None`: a member the runtime does not provide is NULL to C.
        #[repr(C)]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct ElfCalls {
            $( $(#[$doc])* pub $name: Option<$ty>, )*
        }

        /// The members' names, in order.
        pub const MEMBERS: &[&str] = &[$(stringify!($name)),*];

        impl ElfCalls {
            /// Whether each member is set, in order.
            fn set_members(&self) -> impl Iterator<Item = bool> {
                [$(self.$name.is_some()),*].into_iter()
            }
        }

        /// `elfcalls.h`: the C declaration of the table, for wrappers and libsystem_kernel.
        pub const C_HEADER: &str = concat!(
            "/* struct elf_calls, written by darling-elfbridge from its Rust definition. */\n",
            "#ifndef _ELFCALLS_H_\n#define _ELFCALLS_H_\n",
            "#include <stdint.h>\n\n",
            "struct darling_thread_create_callbacks {\n",
            "\tunsigned int (*thread_self_trap)(void);\n",
            "\tvoid (*thread_set_tsd_base)(void *base, int unused);\n",
            "\tvoid (*rpc_guard)(int fd);\n",
            "\tvoid (*rpc_unguard)(int fd);\n",
            "};\n\n",
            "struct elf_calls {\n",
            $( "\t", $c, ";\n", )*
            "};\n\n#endif\n",
        );
    };
}

elf_calls! {
    /// `dlopen(name, RTLD_LAZY)`.
    dlopen("void *(*dlopen)(const char *name)"):
        unsafe extern "C" fn(*const c_char) -> *mut c_void,
    /// `dlclose`.
    dlclose("int (*dlclose)(void *lib)"):
        unsafe extern "C" fn(*mut c_void) -> c_int,
    /// `dlsym`.
    dlsym("void *(*dlsym)(void *lib, const char *name)"):
        unsafe extern "C" fn(*mut c_void, *const c_char) -> *mut c_void,
    /// `dlerror`.
    dlerror("char *(*dlerror)(void)"):
        unsafe extern "C" fn() -> *mut c_char,
    /// Starts a host thread that runs Darwin code on a Darwin stack (the runtime's).
    darling_thread_create("void *(*darling_thread_create)(unsigned long stack_size, unsigned long pthobj_size, void *entry_point, uintptr_t arg3, uintptr_t arg4, uintptr_t arg5, uintptr_t arg6, const struct darling_thread_create_callbacks *callbacks, void *dthread)"):
        ThreadCreateFn,
    /// Ends such a thread and frees its Darwin stack (the runtime's).
    darling_thread_terminate("int (*darling_thread_terminate)(void *stackaddr, unsigned long freesize, unsigned long pthobj_size)"):
        ThreadTerminateFn,
    /// The main thread's stack top.
    darling_thread_get_stack("void *(*darling_thread_get_stack)(void)"):
        unsafe extern "C" fn() -> *mut c_void,
    /// `dlopen`, or print why and abort.
    dlopen_fatal("void *(*dlopen_fatal)(const char *name)"):
        unsafe extern "C" fn(*const c_char) -> *mut c_void,
    /// `dlclose`, or print why and abort.
    dlclose_fatal("int (*dlclose_fatal)(void *lib)"):
        unsafe extern "C" fn(*mut c_void) -> c_int,
    /// `dlsym`, or print why and abort.
    dlsym_fatal("void *(*dlsym_fatal)(void *lib, const char *name)"):
        unsafe extern "C" fn(*mut c_void, *const c_char) -> *mut c_void,
    /// The host's (Linux) `errno` of the calling thread.
    get_errno("int (*get_errno)(void)"):
        unsafe extern "C" fn() -> c_int,
    /// `sem_open(name, oflag, mode, value)` (a `sem_t *` seen as `int *`).
    sem_open("int *(*sem_open)(const char *name, int oflag, unsigned short mode, unsigned int value)"):
        unsafe extern "C" fn(*const c_char, c_int, c_ushort, c_uint) -> *mut c_int,
    /// `sem_wait`.
    sem_wait("int (*sem_wait)(int *sem)"):
        unsafe extern "C" fn(*mut c_int) -> c_int,
    /// `sem_trywait`.
    sem_trywait("int (*sem_trywait)(int *sem)"):
        unsafe extern "C" fn(*mut c_int) -> c_int,
    /// `sem_post`.
    sem_post("int (*sem_post)(int *sem)"):
        unsafe extern "C" fn(*mut c_int) -> c_int,
    /// `sem_close`.
    sem_close("int (*sem_close)(int *sem)"):
        unsafe extern "C" fn(*mut c_int) -> c_int,
    /// `sem_unlink`.
    sem_unlink("int (*sem_unlink)(const char *name)"):
        unsafe extern "C" fn(*const c_char) -> c_int,
    /// `shm_open(name, oflag, mode)`.
    shm_open("int (*shm_open)(const char *name, int oflag, unsigned short mode)"):
        unsafe extern "C" fn(*const c_char, c_int, c_ushort) -> c_int,
    /// `shm_unlink`.
    shm_unlink("int (*shm_unlink)(const char *name)"):
        unsafe extern "C" fn(*const c_char) -> c_int,
    /// The host's `exit` (runs the host's atexit handlers).
    exit("void (*exit)(int status)"):
        unsafe extern "C" fn(c_int) -> !,
    /// The host's `malloc`.
    malloc("void *(*malloc)(unsigned long size)"):
        unsafe extern "C" fn(usize) -> *mut c_void,
    /// The host's `free`.
    free("void (*free)(void *ptr)"):
        unsafe extern "C" fn(*mut c_void),
    /// The host's `realloc`.
    realloc("void *(*realloc)(void *ptr, unsigned long size)"):
        unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
    /// The host's `sysconf` (Linux `_SC_*` numbering).
    sysconf("long (*sysconf)(int name)"):
        unsafe extern "C" fn(c_int) -> c_long,
    /// The darlingserver socket's address (the runtime's).
    dserver_socket_address("const void *(*dserver_socket_address)(void)"):
        unsafe extern "C" fn() -> *const c_void,
    /// This thread's RPC socket (the runtime's).
    dserver_per_thread_socket("int (*dserver_per_thread_socket)(void)"):
        unsafe extern "C" fn() -> c_int,
    /// A new RPC socket for this thread, after fork (the runtime's).
    dserver_per_thread_socket_refresh("void (*dserver_per_thread_socket_refresh)(void)"):
        unsafe extern "C" fn(),
    /// Closes an RPC socket (the runtime's).
    dserver_close_socket("void (*dserver_close_socket)(int fd)"):
        unsafe extern "C" fn(c_int),
    /// The process-lifetime pipe's write end (the runtime's).
    dserver_get_process_lifetime_pipe("int (*dserver_get_process_lifetime_pipe)(void)"):
        unsafe extern "C" fn() -> c_int,
    /// A new process-lifetime pipe; returns its read end (the runtime's).
    dserver_process_lifetime_pipe_refresh("int (*dserver_process_lifetime_pipe_refresh)(void)"):
        unsafe extern "C" fn() -> c_int,
    /// Closes the process-lifetime pipe (the runtime's).
    dserver_close_process_lifetime_pipe("void (*dserver_close_process_lifetime_pipe)(int fd)"):
        unsafe extern "C" fn(c_int),
}

/// A pointer's size: every member is one.
const PTR: usize = size_of::<usize>();

// Darling's order, member by member (the reference's numbering).
const _: () = {
    use std::mem::offset_of;
    assert!(size_of::<ElfCalls>() == 31 * PTR);
    assert!(MEMBERS.len() == 31);
    assert!(offset_of!(ElfCalls, dlopen) == 0);
    assert!(offset_of!(ElfCalls, dlclose) == PTR);
    assert!(offset_of!(ElfCalls, dlsym) == 2 * PTR);
    assert!(offset_of!(ElfCalls, dlerror) == 3 * PTR);
    assert!(offset_of!(ElfCalls, darling_thread_create) == 4 * PTR);
    assert!(offset_of!(ElfCalls, darling_thread_terminate) == 5 * PTR);
    assert!(offset_of!(ElfCalls, darling_thread_get_stack) == 6 * PTR);
    assert!(offset_of!(ElfCalls, dlopen_fatal) == 7 * PTR);
    assert!(offset_of!(ElfCalls, dlclose_fatal) == 8 * PTR);
    assert!(offset_of!(ElfCalls, dlsym_fatal) == 9 * PTR);
    assert!(offset_of!(ElfCalls, get_errno) == 10 * PTR);
    assert!(offset_of!(ElfCalls, sem_open) == 11 * PTR);
    assert!(offset_of!(ElfCalls, sem_wait) == 12 * PTR);
    assert!(offset_of!(ElfCalls, sem_trywait) == 13 * PTR);
    assert!(offset_of!(ElfCalls, sem_post) == 14 * PTR);
    assert!(offset_of!(ElfCalls, sem_close) == 15 * PTR);
    assert!(offset_of!(ElfCalls, sem_unlink) == 16 * PTR);
    assert!(offset_of!(ElfCalls, shm_open) == 17 * PTR);
    assert!(offset_of!(ElfCalls, shm_unlink) == 18 * PTR);
    assert!(offset_of!(ElfCalls, exit) == 19 * PTR);
    assert!(offset_of!(ElfCalls, malloc) == 20 * PTR);
    assert!(offset_of!(ElfCalls, free) == 21 * PTR);
    assert!(offset_of!(ElfCalls, realloc) == 22 * PTR);
    assert!(offset_of!(ElfCalls, sysconf) == 23 * PTR);
    assert!(offset_of!(ElfCalls, dserver_socket_address) == 24 * PTR);
    assert!(offset_of!(ElfCalls, dserver_per_thread_socket) == 25 * PTR);
    assert!(offset_of!(ElfCalls, dserver_per_thread_socket_refresh) == 26 * PTR);
    assert!(offset_of!(ElfCalls, dserver_close_socket) == 27 * PTR);
    assert!(offset_of!(ElfCalls, dserver_get_process_lifetime_pipe) == 28 * PTR);
    assert!(offset_of!(ElfCalls, dserver_process_lifetime_pipe_refresh) == 29 * PTR);
    assert!(offset_of!(ElfCalls, dserver_close_process_lifetime_pipe) == 30 * PTR);
    assert!(size_of::<DarlingThreadCreateCallbacks>() == 4 * PTR);
};

/// The thread members (4–6): [`ThreadCalls::host`] on x86-64, or a runtime's own.
#[derive(Debug, Clone, Copy)]
pub struct ThreadCalls {
    /// Member 4.
    pub create: ThreadCreateFn,
    /// Member 5.
    pub terminate: ThreadTerminateFn,
    /// Member 6.
    pub get_stack: unsafe extern "C" fn() -> *mut c_void,
}

/// The darlingserver members (24–30), which only a runtime with a server can provide.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)] // each is the member of the same name
pub struct DserverCalls {
    pub socket_address: unsafe extern "C" fn() -> *const c_void,
    pub per_thread_socket: unsafe extern "C" fn() -> c_int,
    pub per_thread_socket_refresh: unsafe extern "C" fn(),
    pub close_socket: unsafe extern "C" fn(c_int),
    pub get_process_lifetime_pipe: unsafe extern "C" fn() -> c_int,
    pub process_lifetime_pipe_refresh: unsafe extern "C" fn() -> c_int,
    pub close_process_lifetime_pipe: unsafe extern "C" fn(c_int),
}

impl ElfCalls {
    /// The table with every host member filled as mldr fills it: the dl calls (`dlopen` with
    /// `RTLD_LAZY`), the `_fatal` forms (which print to stderr and abort), `get_errno`, the
    /// semaphore and shared-memory calls, `exit`, the allocator and `sysconf`; on x86-64 the
    /// thread members too ([`ThreadCalls::host`]). The darlingserver members are `None` until
    /// the runtime sets them.
    pub fn host() -> Self {
        let table = Self {
            dlopen: Some(host_dlopen),
            dlclose: Some(libc::dlclose),
            dlsym: Some(libc::dlsym),
            dlerror: Some(libc::dlerror),
            dlopen_fatal: Some(host_dlopen_fatal),
            dlclose_fatal: Some(host_dlclose_fatal),
            dlsym_fatal: Some(host_dlsym_fatal),
            get_errno: Some(host_get_errno),
            sem_open: Some(host_sem_open),
            sem_wait: Some(host_sem_wait),
            sem_trywait: Some(host_sem_trywait),
            sem_post: Some(host_sem_post),
            sem_close: Some(host_sem_close),
            sem_unlink: Some(libc::sem_unlink),
            shm_open: Some(host_shm_open),
            shm_unlink: Some(libc::shm_unlink),
            exit: Some(libc::exit),
            malloc: Some(libc::malloc),
            free: Some(libc::free),
            realloc: Some(libc::realloc),
            sysconf: Some(libc::sysconf),
            ..Self::default()
        };
        #[cfg(target_arch = "x86_64")]
        let table = table.with_threads(ThreadCalls::host());
        table
    }

    /// The table with the runtime's thread members set.
    pub fn with_threads(self, calls: ThreadCalls) -> Self {
        Self {
            darling_thread_create: Some(calls.create),
            darling_thread_terminate: Some(calls.terminate),
            darling_thread_get_stack: Some(calls.get_stack),
            ..self
        }
    }

    /// The table with the runtime's darlingserver members set.
    pub fn with_dserver(self, calls: DserverCalls) -> Self {
        Self {
            dserver_socket_address: Some(calls.socket_address),
            dserver_per_thread_socket: Some(calls.per_thread_socket),
            dserver_per_thread_socket_refresh: Some(calls.per_thread_socket_refresh),
            dserver_close_socket: Some(calls.close_socket),
            dserver_get_process_lifetime_pipe: Some(calls.get_process_lifetime_pipe),
            dserver_process_lifetime_pipe_refresh: Some(calls.process_lifetime_pipe_refresh),
            dserver_close_process_lifetime_pipe: Some(calls.close_process_lifetime_pipe),
            ..self
        }
    }

    /// The members the runtime has not set (NULL to C code), by name.
    pub fn missing(&self) -> impl Iterator<Item = &'static str> + '_ {
        MEMBERS
            .iter()
            .zip(self.set_members())
            .filter(|(_, set)| !set)
            .map(|(name, _)| *name)
    }
}

// The host members. Each is what mldr's elfcalls.c does, as a Rust `extern "C"` function.

unsafe extern "C" fn host_dlopen(name: *const c_char) -> *mut c_void {
    // SAFETY: the caller passes a C string (or NULL, which dlopen takes as "the program").
    unsafe { libc::dlopen(name, libc::RTLD_LAZY) }
}

/// Prints `message` to stderr and aborts, as mldr's `_fatal` members do.
fn fatal(message: std::fmt::Arguments<'_>) -> ! {
    let _ = writeln!(std::io::stderr(), "{message}");
    std::process::abort()
}

/// `dlerror()`'s text, or "unknown error".
fn dlerror_text() -> String {
    crate::host::take_dlerror().unwrap_or_else(|| "unknown error".to_owned())
}

/// A C string argument for a message (NULL shown as such).
///
/// # Safety
/// `s` is NULL or a valid C string.
unsafe fn show(s: *const c_char) -> String {
    if s.is_null() {
        "(null)".to_owned()
    } else {
        // SAFETY: the caller's promise.
        unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
    }
}

unsafe extern "C" fn host_dlopen_fatal(name: *const c_char) -> *mut c_void {
    // SAFETY: as host_dlopen.
    let handle = unsafe { host_dlopen(name) };
    if handle.is_null() {
        let error = dlerror_text();
        // SAFETY: `name` is NULL or a C string (the caller's contract).
        let name = unsafe { show(name) };
        fatal(format_args!("Cannot load {name} (ELF): {error}"));
    }
    handle
}

unsafe extern "C" fn host_dlclose_fatal(handle: *mut c_void) -> c_int {
    // SAFETY: the caller passes a handle from dlopen.
    let status = unsafe { libc::dlclose(handle) };
    if status != 0 {
        fatal(format_args!("Cannot close ELF library: {}", dlerror_text()));
    }
    status
}

unsafe extern "C" fn host_dlsym_fatal(handle: *mut c_void, name: *const c_char) -> *mut c_void {
    // SAFETY: dlerror has no preconditions; clearing it tells a NULL value from a failure.
    unsafe { libc::dlerror() };
    // SAFETY: the caller passes a handle from dlopen and a C string.
    let address = unsafe { libc::dlsym(handle, name) };
    if address.is_null() {
        let error = dlerror_text();
        // SAFETY: `name` is a C string (the caller's contract).
        let name = unsafe { show(name) };
        fatal(format_args!("Failed to lookup symbol {name}: {error}"));
    }
    address
}

unsafe extern "C" fn host_get_errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

unsafe extern "C" fn host_sem_open(
    name: *const c_char,
    oflag: c_int,
    mode: c_ushort,
    value: c_uint,
) -> *mut c_int {
    // SAFETY: the caller passes a C string; the variadic mode and value are passed with the
    // types sem_open reads them as (mode_t, unsigned int).
    unsafe { libc::sem_open(name, oflag, libc::mode_t::from(mode), value) }.cast()
}

macro_rules! sem_call {
    ($name:ident, $host:path) => {
        unsafe extern "C" fn $name(sem: *mut c_int) -> c_int {
            // SAFETY: the caller passes a semaphore from sem_open (seen as int * by C code).
            unsafe { $host(sem.cast()) }
        }
    };
}
sem_call!(host_sem_wait, libc::sem_wait);
sem_call!(host_sem_trywait, libc::sem_trywait);
sem_call!(host_sem_post, libc::sem_post);
sem_call!(host_sem_close, libc::sem_close);

unsafe extern "C" fn host_shm_open(name: *const c_char, oflag: c_int, mode: c_ushort) -> c_int {
    // SAFETY: the caller passes a C string; mode is widened to mode_t as shm_open reads it.
    unsafe { libc::shm_open(name, oflag, libc::mode_t::from(mode)) }
}
