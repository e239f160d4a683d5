//! What the imports of an executable bind to: the shim table for `/usr/lib/libSystem.B.dylib`.
//!
//! A libSystem function whose ABI is glibc's (the SysV x86-64 calling convention, the same
//! argument and result types, the same meaning) binds straight to the host's function,
//! found with `dlsym` through `darling-elfbridge`: [`HOST_FUNCTIONS`]. A few imports are
//! data, not functions, and bind to the host's variable of the same meaning
//! ([`HOST_DATA`]) or to the runtime's own: `__stack_chk_guard` (the canary, a random word:
//! glibc keeps its own in the thread block, where Darwin code does not look),
//! `dyld_stub_binder` (never called: lazy binds are bound at load), and the translating
//! shims of [`crate::translate`] for the calls whose Darwin ABI differs (`__error`, `open`,
//! `stat$INODE64`, `strerror`…). Anything else (an import whose Darwin ABI differs from
//! glibc's and has no translating shim yet, or an import from any other library) is refused
//! before the program runs, naming the symbol and the library.

use std::ffi::CString;

use darling_elfbridge::Library;

use crate::plan::{Import, ImportSource, Plan, PlanError};

/// libSystem's install name: the library every import here comes from.
pub const LIB_SYSTEM: &str = "/usr/lib/libSystem.B.dylib";

/// libSystem functions that bind straight to glibc's: the same C prototype, the SysV x86-64
/// calling convention on both sides, and no Darwin-specific value crossing them (no errno,
/// no flags, no structure laid out differently). Names without Darwin's leading underscore.
pub const HOST_FUNCTIONS: &[&str] = &[
    // stdio on FILE *, which the program only gets from the host (__stdoutp & co. below).
    "printf",
    "fprintf",
    "puts",
    "putchar",
    "fputs",
    "fflush",
    "snprintf",
    "sprintf",
    // Strings and memory.
    "strlen",
    "strcmp",
    "strncmp",
    "strcpy",
    "strncpy",
    "strchr",
    "strrchr",
    "strstr",
    "strdup",
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "malloc",
    "calloc",
    "realloc",
    "free",
    "atoi",
    "strtol",
    "strtoul",
    "qsort",
    // Process and threads. pthread_t is a pointer-sized handle on both sides (threads are
    // made by the `threads` shim, which gives each its TSD).
    "getenv",
    "exit",
    "abort",
    "sched_yield",
    "pthread_join",
    // Stack protector: glibc's prints "stack smashing detected" and aborts.
    "__stack_chk_fail",
];

/// libSystem variables that bind to the host's variable of the same meaning:
/// `(Darwin name without the underscore, glibc name)`. Darwin's `__stdoutp` is a `FILE *`
/// variable, as glibc's `stdout` is; the `FILE` behind it is glibc's, which the functions
/// above expect.
pub const HOST_DATA: &[(&str, &str)] = &[
    ("__stdinp", "stdin"),
    ("__stdoutp", "stdout"),
    ("__stderrp", "stderr"),
    // `char **environ`: the environment, which the runtime gives the program as its own.
    ("environ", "environ"),
];

/// Why an executable cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file cannot be loaded as it is.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// An import nothing provides.
    #[error("no shim for {symbol} from {library}")]
    UnknownImport {
        /// The symbol, as the file spells it.
        symbol: String,
        /// The library it is imported from.
        library: String,
    },
    /// The host library that should provide an import cannot be had.
    #[error("host library: {0}")]
    Host(#[from] darling_elfbridge::DlError),
    /// The memory for the image cannot be had.
    #[error("mapping the image: {0}")]
    Map(String),
}

/// The runtime's own data that imports bind to; lives as long as the shims.
#[derive(Debug)]
struct RuntimeData {
    canary: u64,
}

/// The shim table: resolves each import of a plan to an address in this process.
#[derive(Debug)]
pub struct Shims {
    libc: Library,
    data: Box<RuntimeData>,
}

/// Called if lazy-bound code ever reaches `dyld_stub_binder`: it cannot, since every lazy
/// pointer is bound at load, so reaching it means the image is not what its plan said.
extern "C" fn stub_binder_reached() -> ! {
    eprintln!("darling-loader: dyld_stub_binder called, but lazy binds are bound at load");
    std::process::abort()
}

/// A random word for the stack canary, from the hasher keys std draws from the OS.
fn random_word() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x6461_726c_696e_6721);
    // glibc's canaries keep a zero low byte, so that a string overflow cannot copy it.
    h.finish() & !0xff
}

impl Shims {
    /// The shim table over this process's C library.
    ///
    /// # Errors
    /// [`LoadError::Host`] if the C library cannot be opened.
    pub fn new() -> Result<Self, LoadError> {
        // SAFETY of the open: libc.so.6 is already loaded in this process (Rust's std links
        // it), so opening it again runs no initialisers.
        #[allow(unsafe_code)]
        // SAFETY: see above.
        let libc = unsafe { Library::open(c"libc.so.6") }?;
        Ok(Shims {
            libc,
            data: Box::new(RuntimeData {
                canary: random_word(),
            }),
        })
    }

    /// The stack canary `__stack_chk_guard` holds.
    pub fn canary(&self) -> u64 {
        self.data.canary
    }

    /// The address `import` of `plan` binds to.
    ///
    /// # Errors
    /// [`LoadError::UnknownImport`] for an import nothing here provides.
    pub fn resolve(&self, plan: &Plan, import: &Import) -> Result<u64, LoadError> {
        let library = match import.source {
            ImportSource::Dylib(i) => plan.dylibs[i].as_str(),
            ImportSource::SelfImage => "the executable itself",
            ImportSource::MainExecutable => "the main executable",
            ImportSource::FlatLookup => "a flat lookup",
            ImportSource::WeakLookup => "the weak-definition table",
        };
        let unknown = || LoadError::UnknownImport {
            symbol: String::from_utf8_lossy(&import.symbol).into_owned(),
            library: library.to_owned(),
        };
        let lib_system = matches!(import.source, ImportSource::Dylib(_)) && library == LIB_SYSTEM;
        let name = import.symbol.strip_prefix(b"_").unwrap_or(&import.symbol);
        let name = std::str::from_utf8(name).map_err(|_| unknown())?;
        if !lib_system {
            return Err(unknown());
        }
        let host = |c_name: &str| -> Result<u64, LoadError> {
            let c_name = CString::new(c_name).map_err(|_| unknown())?;
            Ok(self.libc.symbol(&c_name)?.as_ptr() as u64)
        };
        if HOST_FUNCTIONS.contains(&name) {
            return host(name);
        }
        if let Some((_, glibc)) = HOST_DATA.iter().find(|(darwin, _)| *darwin == name) {
            return host(glibc);
        }
        let shimmed = crate::translate::shim(name)
            .or_else(|| crate::mach::shim(name))
            .or_else(|| crate::host::shim(name))
            .or_else(|| crate::threads::shim(name));
        if let Some(address) = shimmed {
            return Ok(address);
        }
        match import.symbol.as_slice() {
            b"___stack_chk_guard" => Ok(&self.data.canary as *const u64 as u64),
            b"dyld_stub_binder" => Ok(stub_binder_reached as *const () as u64),
            _ => Err(unknown()),
        }
    }

    /// The addresses of every import of `plan`, in its order; the first import nothing
    /// provides is an error.
    ///
    /// # Errors
    /// [`LoadError::UnknownImport`] naming that import and its library.
    pub fn resolve_all(&self, plan: &Plan) -> Result<Vec<u64>, LoadError> {
        plan.imports
            .iter()
            .map(|import| {
                let address = self.resolve(plan, import)?;
                crate::trace::trace!(
                    "bind {} -> {address:#x}",
                    String::from_utf8_lossy(&import.symbol)
                );
                Ok(address)
            })
            .collect()
    }
}
