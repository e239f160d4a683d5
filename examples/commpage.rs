//! Fills XNU's commpage from this machine, maps it where Apple's code looks for it, keeps its
//! time fresh from a background thread, and reads it back through a raw pointer as Apple's
//! `mach_absolute_time` and the string routines do.
//!
//! Run with `cargo run --example commpage`.

use std::sync::Arc;
use std::time::Duration;

use darling_commpage::consts::*;
use darling_commpage::{Arch, Commpage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let page = Commpage::from_host(Arch::X86_64)?;
    println!("capabilities: {}", page.capabilities());
    let mapped = Arc::new(page.map()?);
    let _refresher = mapped.refresh_every(Duration::from_millis(500));
    let base = mapped.address();
    println!("mapped read-only at {base:#x}");

    // What a Darwin program sees at the fixed address.
    // SAFETY: the page is mapped at `base` for as long as `mapped` lives, and these fields
    // are naturally aligned.
    let (sig, caps, ncpus) = unsafe {
        (
            std::ptr::read_volatile(base as usize as *const [u8; 16]),
            std::ptr::read_volatile((base as usize + _COMM_PAGE_CPU_CAPABILITIES64) as *const u64),
            std::ptr::read_volatile((base as usize + _COMM_PAGE_NCPUS) as *const u8),
        )
    };
    println!("signature {:?}", String::from_utf8_lossy(&sig[..15]));
    println!("_COMM_PAGE_NCPUS = {ncpus}");
    let variant = if caps & kHasAVX512F != 0 {
        "AVX-512"
    } else if caps & kHasAVX2_0 != 0 {
        "AVX2"
    } else if caps & kHasSSE4_2 != 0 {
        "SSE4.2"
    } else {
        "SSE2"
    };
    println!("the widest vector unit Apple's string routines may pick: {variant}");
    for _ in 0..3 {
        // `None`: the page says to make the system call (its time data is not valid).
        let tod = mapped.gettimeofday().map_or_else(
            || "the system call's (the page's time data is not valid)".to_owned(),
            |t| format!("{}.{:06} s", t.sec, t.usec),
        );
        println!(
            "mach_absolute_time() = {} ns, gettimeofday() = {tod}",
            mapped.nanotime()
        );
        std::thread::sleep(Duration::from_millis(700));
    }
    Ok(())
}
