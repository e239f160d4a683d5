//! Parses arbitrary bytes as a fat file: the slice table must be checked as promised (slices
//! inside the file, after the table, aligned, not overlapping, not duplicated), `File::parse`
//! must agree, and every slice is walked as a Mach-O image.
#![no_main]

use darling_fuzz::walk::{Summary, check_error, walk_fat};
use darling_macho::{FatFile, File};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut s = Summary::default();
    match FatFile::parse(data) {
        Ok(fat) => {
            assert!(matches!(File::parse(data), Ok(File::Fat(_))));
            walk_fat(&mut s, &fat);
        }
        Err(e) => check_error(&mut s, &e),
    }
});
