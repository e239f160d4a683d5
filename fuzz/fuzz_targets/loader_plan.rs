//! Plans loading arbitrary bytes as an executable (darling-loader's pure planning step):
//! nothing may panic, and a plan that is made keeps every promise the runtime relies on
//! (the loader's `tests/invariants`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../loader/tests/invariants/mod.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = darling_loader::Plan::new(data) {
        invariants::check_plan(&plan);
    }
});
