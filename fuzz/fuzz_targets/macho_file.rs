//! Parses arbitrary bytes as a thin or fat Mach-O file and walks everything darling-macho
//! can read in it (see `darling_fuzz::walk`): nothing may panic, and every view must keep
//! its promises.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    darling_fuzz::walk::walk_file(data);
});
