//! The ELF bridge on the host's libm: its SONAME and exports as llvm-nm lists them, the plan a
//! wrapper is made from, `cos` called through the `elf_calls` table, and the apple string that
//! hands the table to Mach-O code.
//!
//! `cargo run --example elfbridge`
#![allow(unsafe_code)]

use darling_elfbridge::wrapgen::Plan;
use darling_elfbridge::{ElfCalls, SharedObject, applep};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = [
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib64/libm.so.6",
        "/usr/lib/libm.so.6",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .ok_or("libm.so.6 not found in the usual directories")?;
    let bytes = std::fs::read(path)?;
    let libm = SharedObject::parse(&bytes)?;
    println!(
        "{path}: SONAME {}",
        String::from_utf8_lossy(libm.soname().unwrap_or(b"(none)"))
    );
    for needed in libm.needed() {
        println!("  needs {}", String::from_utf8_lossy(needed));
    }
    let cos = libm.exports().find(|s| s.name == b"cos").ok_or("no cos")?;
    println!(
        "  exports {} ({:?}, {:?}) at {:#x}",
        cos.versioned_name(),
        cos.kind,
        cos.binding,
        cos.value
    );

    let plan = Plan::new(&libm, b"libm.so.6")?;
    println!(
        "wrapper plan: {} functions, {} variables, {} exports not wrapped",
        plan.functions.len(),
        plan.variables.len(),
        plan.skipped.len()
    );

    let calls = Box::leak(Box::new(ElfCalls::host()));
    // SAFETY: the table's host members, called with C strings; cos has this signature.
    let value = unsafe {
        let handle = calls.dlopen_fatal.ok_or("no dlopen_fatal")?(c"libm.so.6".as_ptr());
        let cos: unsafe extern "C" fn(f64) -> f64 = std::mem::transmute(calls
            .dlsym_fatal
            .ok_or("no dlsym_fatal")?(
            handle, c"cos".as_ptr()
        ));
        cos(0.0)
    };
    println!("cos(0) through elf_calls = {value}");

    let apple = applep::encode(std::ptr::from_ref(calls) as usize);
    println!("apple string: {apple}");
    println!("read back: {:#x}", applep::parse(apple.as_bytes())?);
    Ok(())
}
