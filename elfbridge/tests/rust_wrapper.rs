//! The Rust wrapper generated for our fixture (`data/golden/libdemo.rs`, checked against the
//! generator by `tests/wrapgen.rs`), compiled into this test and called: functions, an indirect
//! function, variables, a thread-local variable, pinned versions.

#[allow(dead_code, unsafe_code)]
mod demo {
    include!("data/golden/libdemo.rs");
}

/// Loads the fixture by path, so that the wrapper's `dlopen("libdemo.so.1")` finds it by SONAME.
fn preload() -> darling_elfbridge::Library {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/libdemo.so.1\0");
    let path = std::ffi::CStr::from_bytes_with_nul(path.as_bytes()).unwrap();
    // SAFETY: our own fixture library; its initialisers do nothing.
    unsafe { darling_elfbridge::Library::open(path) }.unwrap()
}

#[test]
#[allow(unsafe_code)]
fn the_rust_wrapper_calls_the_host_library() {
    let _keep = preload();
    type Binary = unsafe extern "C" fn(i32, i32) -> i32;
    type Nullary = unsafe extern "C" fn() -> i32;
    type Unary = unsafe extern "C" fn(i32) -> i32;
    // SAFETY: every address below is the named function or variable of our fixture, used with
    // the signature and type demo.c gives it.
    unsafe {
        let add: Binary = std::mem::transmute(demo::functions::demo_add().unwrap().as_ptr());
        assert_eq!(add(5, 3), 8, "demo_add@@DEMO_2.0");
        let ifunc: Nullary = std::mem::transmute(demo::functions::demo_ifunc().unwrap().as_ptr());
        assert_eq!(ifunc(), 42, "the ifunc's selected implementation");
        let matcher: Unary = std::mem::transmute(demo::functions::r#match().unwrap().as_ptr());
        assert_eq!(matcher(21), 42);
        let dotted: Nullary = std::mem::transmute(demo::functions::demo_dotted().unwrap().as_ptr());
        assert_eq!(dotted(), 77);
        let this: Nullary = std::mem::transmute(demo::functions::self_().unwrap().as_ptr());
        assert_eq!(this(), 9);
        let weak: Nullary = std::mem::transmute(demo::functions::demo_weak().unwrap().as_ptr());
        assert_eq!(weak(), 17);
        assert_eq!(
            *demo::variables::demo_counter()
                .unwrap()
                .cast::<i32>()
                .as_ptr(),
            7
        );
        let greeting =
            std::ffi::CStr::from_ptr(demo::variables::demo_greeting().unwrap().as_ptr().cast());
        assert_eq!(greeting, c"hello from demo");

        // Thread-local: each thread its own instance, the one the library itself uses.
        let tls_address: unsafe extern "C" fn() -> *mut i32 =
            std::mem::transmute(demo::functions::demo_tls_address().unwrap().as_ptr());
        let here = demo::variables::demo_tls().unwrap().as_ptr() as usize;
        assert_eq!(here, tls_address() as usize);
        let there = std::thread::spawn(|| demo::variables::demo_tls().unwrap().as_ptr() as usize)
            .join()
            .unwrap();
        assert_ne!(here, there);
    }
    // Lookup by Mach-O name, as a loader binding imports asks.
    assert!(demo::LIBRARY.resolve(b"_demo_add").unwrap().is_ok());
    assert!(demo::LIBRARY.resolve(b"_demo.dotted").unwrap().is_ok());
    assert!(
        demo::LIBRARY.resolve(b"demo_add").is_none(),
        "not a Mach-O name"
    );
    assert!(
        demo::LIBRARY.resolve(b"_demo_legacy").is_none(),
        "not wrapped"
    );
    assert!(demo::LIBRARY.resolve(b"_demo_hidden").is_none());
}

#[test]
#[allow(unsafe_code)]
fn versions_bind_exactly() {
    let library = preload();
    // SAFETY: demo_add and demo_legacy have these signatures in demo.c.
    unsafe {
        let old: unsafe extern "C" fn(i32, i32) -> i32 = std::mem::transmute(
            library
                .versioned_symbol(c"demo_add", c"DEMO_1.0")
                .unwrap()
                .as_ptr(),
        );
        assert_eq!(old(5, 3), -998, "demo_add@DEMO_1.0");
        let legacy: unsafe extern "C" fn() -> i32 = std::mem::transmute(
            library
                .versioned_symbol(c"demo_legacy", c"DEMO_1.0")
                .unwrap()
                .as_ptr(),
        );
        assert_eq!(legacy(), 1234);
    }
    // dlsym cannot find a name defined only in a hidden version: why the plan skips it.
    let error = library.symbol(c"demo_legacy").unwrap_err();
    assert!(error.message.contains("demo_legacy"), "{error}");
    assert!(library.versioned_symbol(c"demo_add", c"DEMO_9.9").is_err());
}
