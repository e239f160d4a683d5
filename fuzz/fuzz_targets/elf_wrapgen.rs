//! Reads arbitrary bytes as an ELF shared object, lists it as llvm-nm would and, when it has
//! something to wrap, generates both wrappers: an error or output, never a panic.
#![no_main]

use darling_elfbridge::SharedObject;
use darling_elfbridge::nm::{Filter, write_listing};
use darling_elfbridge::wrapgen::{self, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(object) = SharedObject::parse(data) else {
        return;
    };
    let mut listing = Vec::new();
    write_listing(&mut listing, &object, Filter::All).expect("writing to a Vec");
    if let Ok(plan) = Plan::new(&object, b"fuzz.so") {
        let c = wrapgen::c::generate(&plan);
        assert!(c.source.contains("#include <elfcalls.h>"));
        let _ = wrapgen::rust::generate(&plan);
    }
});
