//! Loading the test programs into this process: the mapping, the fixups, the shims and the
//! call into `main` (the crate's unsafe edges), checked from outside.

use std::ffi::CString;
use std::path::Path;

use darling_loader::{FixupKind, Import, ImportSource, LoadError, LoadedImage, Plan, Shims};

fn program(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bin")
        .join(name);
    std::fs::read(path).expect("program")
}

fn load(name: &str) -> (Vec<u8>, Plan, Shims, LoadedImage) {
    let file = program(name);
    let plan = Plan::new(&file).expect("plan");
    let shims = Shims::new().expect("shims");
    let addresses = shims.resolve_all(&plan).expect("every import has a shim");
    let image = LoadedImage::load(&file, &plan, &addresses).expect("load");
    (file, plan, shims, image)
}

#[test]
fn segments_hold_the_file_and_fixups_hold_the_shims() {
    for name in ["hello-10.15", "hello-13.0", "threads-10.15", "threads-13.0"] {
        let (file, plan, shims, image) = load(name);
        assert_eq!(image.base().wrapping_sub(plan.base_address), image.slide());
        assert_eq!(image.entry(), plan.entry.wrapping_add(image.slide()));
        assert_eq!(image.base() % 0x1000, 0);
        // __TEXT is the file's first page, header included.
        let text = plan.segments.iter().find(|s| s.name == "__TEXT").unwrap();
        let mapped = image.bytes(&plan, text.vmaddr, text.filesize).unwrap();
        assert_eq!(mapped, &file[..text.filesize as usize], "{name}");
        // Every bind holds its import's address, every rebase its target slid; the last
        // fixup at an address wins (a lazy pointer is rebased, then bound).
        let addresses = shims.resolve_all(&plan).unwrap();
        let mut last = std::collections::HashMap::new();
        for f in &plan.fixups {
            last.insert(f.address, f.kind);
        }
        for (&address, kind) in &last {
            let want = match *kind {
                FixupKind::Bind { import, addend } => addresses[import].wrapping_add(addend as u64),
                FixupKind::Rebase { target } => target.wrapping_add(image.slide()),
            };
            let bytes = image.bytes(&plan, address, 8).unwrap();
            let got = u64::from_le_bytes(bytes.try_into().unwrap());
            assert_eq!(got, want, "{name}: fixup at {address:#x}");
        }
        // Outside the image's segments nothing is given out.
        assert!(image.bytes(&plan, 0, 8).is_none());
        assert!(image.bytes(&plan, u64::MAX - 4, 8).is_none());
    }
}

#[test]
fn loaded_images_do_not_share_memory_and_are_unmapped_when_dropped() {
    let (_, _, _, a) = load("hello-13.0");
    let (_, _, _, b) = load("hello-13.0");
    assert_ne!(a.base(), b.base());
    let base = a.base();
    drop(a);
    // The kernel may hand the same addresses out again: the old image is gone.
    let (_, _, _, c) = load("hello-13.0");
    assert!(c.base() == base || c.base() != b.base());
}

#[test]
fn main_returns_to_the_caller() {
    for name in ["hello-10.15", "hello-13.0", "threads-13.0"] {
        let (_, _, _shims, image) = load(name);
        let args = [CString::new(name).unwrap()];
        let apple = [CString::new(format!("executable_path={name}")).unwrap()];
        // SAFETY: our own test program, its imports bound to the shims, which (with the
        // image) outlive the call; hello and threads start no thread that outlives main.
        #[allow(unsafe_code)]
        let status = unsafe { darling_loader::call_main(&image, &args, &[], &apple) };
        assert_eq!(status, 0, "{name}");
    }
}

#[test]
fn an_import_without_a_shim_is_named_with_its_library() {
    let file = program("hello-13.0");
    let mut plan = Plan::new(&file).unwrap();
    let shims = Shims::new().unwrap();
    plan.imports[0].symbol = b"_no_such_function".to_vec();
    let err = shims.resolve_all(&plan).unwrap_err();
    assert!(matches!(err, LoadError::UnknownImport { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "no shim for _no_such_function from /usr/lib/libSystem.B.dylib"
    );
    // From another library, even a name libSystem's shims know is refused.
    let mut other = plan.clone();
    other.dylibs[0] = "/usr/lib/libc++.1.dylib".into();
    let printf = Import {
        symbol: b"_printf".to_vec(),
        source: ImportSource::Dylib(0),
        weak: false,
    };
    assert_eq!(
        shims.resolve(&other, &printf).unwrap_err().to_string(),
        "no shim for _printf from /usr/lib/libc++.1.dylib"
    );
    let flat = Import {
        source: ImportSource::FlatLookup,
        ..printf
    };
    assert_eq!(
        shims.resolve(&plan, &flat).unwrap_err().to_string(),
        "no shim for _printf from a flat lookup"
    );
}

#[test]
fn darwin_errno_is_per_thread_and_apart_from_glibc() {
    let file = program("threads-13.0");
    let plan = Plan::new(&file).unwrap();
    let shims = Shims::new().unwrap();
    let error = plan
        .imports
        .iter()
        .find(|i| i.symbol == b"___error")
        .unwrap();
    let address = shims.resolve(&plan, error).unwrap();
    // SAFETY: `__error`'s shim is `extern "C" fn() -> *mut c_int`.
    #[allow(unsafe_code)]
    let f: extern "C" fn() -> *mut i32 = unsafe { std::mem::transmute(address as usize) };
    let here = f() as usize;
    let there = std::thread::spawn(move || f() as usize).join().unwrap();
    assert_ne!(here, there);
    // SAFETY: glibc's errno location for this thread.
    #[allow(unsafe_code)]
    let glibc = unsafe { libc_errno() };
    assert_ne!(here, glibc);
    let canary = plan
        .imports
        .iter()
        .find(|i| i.symbol == b"___stack_chk_guard")
        .unwrap();
    let canary = shims.resolve(&plan, canary).unwrap();
    // SAFETY: the canary shim is a u64 that lives as long as `shims`.
    #[allow(unsafe_code)]
    let value = unsafe { *(canary as *const u64) };
    assert_eq!(value, shims.canary());
    assert_eq!(value & 0xff, 0);
}

unsafe extern "C" {
    fn __errno_location() -> *mut i32;
}

/// glibc's `errno` address for this thread.
unsafe fn libc_errno() -> usize {
    // SAFETY: a glibc function without arguments.
    unsafe { __errno_location() as usize }
}
