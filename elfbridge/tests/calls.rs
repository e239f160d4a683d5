//! `elf_calls` filled from the host: libc and libm loaded and called through the table, the
//! `_fatal` members' messages, the C header.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::process::Command;

use darling_elfbridge::calls::{C_HEADER, MEMBERS};
use darling_elfbridge::{ElfCalls, Library, SharedObject, wrapgen::Plan};

#[test]
fn the_host_table_leaves_only_the_runtimes_members_unset() {
    let calls = ElfCalls::host();
    let missing: Vec<_> = calls.missing().collect();
    assert_eq!(
        missing,
        [
            #[cfg(not(target_arch = "x86_64"))]
            "darling_thread_create",
            #[cfg(not(target_arch = "x86_64"))]
            "darling_thread_terminate",
            #[cfg(not(target_arch = "x86_64"))]
            "darling_thread_get_stack",
            "dserver_socket_address",
            "dserver_per_thread_socket",
            "dserver_per_thread_socket_refresh",
            "dserver_close_socket",
            "dserver_get_process_lifetime_pipe",
            "dserver_process_lifetime_pipe_refresh",
            "dserver_close_process_lifetime_pipe",
        ]
    );
}

#[test]
fn libm_and_libc_through_the_table() {
    let calls = ElfCalls::host();
    // SAFETY: each member is the host function it names, called with valid arguments; the
    // symbols are cast to their C signatures.
    unsafe {
        let libm = calls.dlopen.unwrap()(c"libm.so.6".as_ptr());
        assert!(!libm.is_null());
        let cos: unsafe extern "C" fn(f64) -> f64 =
            std::mem::transmute(calls.dlsym_fatal.unwrap()(libm, c"cos".as_ptr()));
        assert_eq!(cos(0.0), 1.0);
        let pow: unsafe extern "C" fn(f64, f64) -> f64 =
            std::mem::transmute(calls.dlsym.unwrap()(libm, c"pow".as_ptr()));
        assert_eq!(pow(2.0, 10.0), 1024.0);
        assert_eq!(calls.dlclose_fatal.unwrap()(libm), 0);

        let libc = calls.dlopen_fatal.unwrap()(c"libc.so.6".as_ptr());
        let strlen: unsafe extern "C" fn(*const c_char) -> usize =
            std::mem::transmute(calls.dlsym.unwrap()(libc, c"strlen".as_ptr()));
        assert_eq!(strlen(c"darling".as_ptr()), 7);
        let snprintf: unsafe extern "C" fn(*mut c_char, usize, *const c_char, ...) -> c_int =
            std::mem::transmute(calls.dlsym.unwrap()(libc, c"snprintf".as_ptr()));
        let mut buffer = [0 as c_char; 32];
        snprintf(
            buffer.as_mut_ptr(),
            buffer.len(),
            c"%d-%s".as_ptr(),
            35,
            c"x".as_ptr(),
        );
        assert_eq!(CStr::from_ptr(buffer.as_ptr()), c"35-x");
        assert_eq!(calls.dlclose.unwrap()(libc), 0);

        // A failed dlopen leaves its message for dlerror.
        assert!(calls.dlopen.unwrap()(c"libdoes-not-exist.so.9".as_ptr()).is_null());
        let message = CStr::from_ptr(calls.dlerror.unwrap()());
        assert!(message.to_string_lossy().contains("libdoes-not-exist.so.9"));

        // The host's errno after a failing host call.
        assert_eq!(libc::close(-1), -1);
        assert_eq!(calls.get_errno.unwrap()(), libc::EBADF);

        // Allocator and sysconf (Linux numbering).
        let p = calls.malloc.unwrap()(16).cast::<u8>();
        p.write_bytes(7, 16);
        let p = calls.realloc.unwrap()(p.cast(), 4096).cast::<u8>();
        assert_eq!(*p.add(15), 7);
        calls.free.unwrap()(p.cast());
        assert_eq!(calls.sysconf.unwrap()(libc::_SC_PAGESIZE), 4096);
    }
}

#[test]
fn semaphores_and_shared_memory_through_the_table() {
    let calls = ElfCalls::host();
    let name = format!("/darling-elfbridge-{}\0", std::process::id());
    let name = CStr::from_bytes_with_nul(name.as_bytes()).unwrap();
    // SAFETY: host semaphore and shm calls with a valid name; the semaphore is used only
    // between open and close.
    unsafe {
        let sem = calls.sem_open.unwrap()(name.as_ptr(), libc::O_CREAT | libc::O_EXCL, 0o600, 1);
        assert_ne!(sem.cast::<libc::sem_t>(), libc::SEM_FAILED);
        assert_eq!(calls.sem_trywait.unwrap()(sem), 0);
        assert_eq!(calls.sem_trywait.unwrap()(sem), -1, "the count was 1");
        assert_eq!(calls.sem_post.unwrap()(sem), 0);
        assert_eq!(calls.sem_wait.unwrap()(sem), 0);
        assert_eq!(calls.sem_close.unwrap()(sem), 0);
        assert_eq!(calls.sem_unlink.unwrap()(name.as_ptr()), 0);

        let fd = calls.shm_open.unwrap()(name.as_ptr(), libc::O_CREAT | libc::O_RDWR, 0o600);
        assert!(fd >= 0);
        libc::close(fd);
        assert_eq!(calls.shm_unlink.unwrap()(name.as_ptr()), 0);
    }
}

/// On the host's libc and libm, each wrapped name's default definition (what `dlsym` gives
/// and the C wrapper binds) is the definition of the version the plan recorded (what `dlvsym`
/// gives and the Rust wrapper binds).
#[test]
fn plans_of_libc_and_libm_name_the_versions_dlsym_binds() {
    for soname in [c"libc.so.6", c"libm.so.6"] {
        // SAFETY: the host's own libc and libm, already loaded in this process.
        let library = unsafe { Library::open(soname) }.unwrap();
        let path = library_path(&library);
        let bytes = std::fs::read(&path).unwrap();
        let object = SharedObject::parse(&bytes).unwrap();
        let plan = Plan::new(&object, b"").unwrap();
        assert!(
            plan.functions.len() > 100,
            "{path}: {} functions",
            plan.functions.len()
        );
        for entry in plan.entries() {
            let name = std::ffi::CString::new(entry.name).unwrap();
            let by_name = library.symbol(&name);
            let by_version = match entry.version {
                Some(v) => library.versioned_symbol(&name, &std::ffi::CString::new(v).unwrap()),
                None => library.symbol(&name),
            };
            assert_eq!(
                by_name.map_err(|e| e.message),
                by_version.map_err(|e| e.message),
                "{path}: {}",
                entry.display_name()
            );
        }
    }
}

/// The file a loaded library came from (`dlinfo(RTLD_DI_LINKMAP)`).
fn library_path(library: &Library) -> String {
    let mut map: *mut libc::c_void = std::ptr::null_mut();
    // SAFETY: a live handle; RTLD_DI_LINKMAP writes a `struct link_map *` into `map`, whose
    // second member is the file name (a C string owned by the loader while the handle lives).
    unsafe {
        assert_eq!(
            libc::dlinfo(
                library.as_raw(),
                libc::RTLD_DI_LINKMAP,
                (&raw mut map).cast()
            ),
            0
        );
        let name = *map.cast::<*const c_char>().add(1);
        CStr::from_ptr(name).to_string_lossy().into_owned()
    }
}

#[test]
fn fatal_members_print_darlings_messages_and_abort() {
    for (child, expected) in [
        (
            "child_dlopen_fatal",
            "Cannot load libdoes-not-exist.so.9 (ELF): ",
        ),
        (
            "child_dlsym_fatal",
            "Failed to lookup symbol no_such_symbol_here: ",
        ),
    ] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                child,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGABRT),
            "{child}: {stderr}"
        );
        assert!(stderr.contains(expected), "{child}: {stderr}");
    }
}

#[test]
#[ignore = "a child process of fatal_members_print_darlings_messages_and_abort"]
fn child_dlopen_fatal() {
    // SAFETY: a valid C string; the call aborts.
    unsafe { ElfCalls::host().dlopen_fatal.unwrap()(c"libdoes-not-exist.so.9".as_ptr()) };
}

#[test]
#[ignore = "a child process of fatal_members_print_darlings_messages_and_abort"]
fn child_dlsym_fatal() {
    let calls = ElfCalls::host();
    // SAFETY: libc is loaded; a valid C string; the lookup fails and aborts.
    unsafe {
        let libc = calls.dlopen.unwrap()(c"libc.so.6".as_ptr());
        calls.dlsym_fatal.unwrap()(libc, c"no_such_symbol_here".as_ptr());
    }
}

#[test]
fn the_c_header_declares_the_members_in_order() {
    let mut rest = C_HEADER.split_once("struct elf_calls {").unwrap().1;
    for member in MEMBERS {
        let at = rest
            .find(&format!("(*{member})"))
            .unwrap_or_else(|| panic!("{member} missing or out of order"));
        rest = &rest[at..];
    }
}
