//! Parses arbitrary bytes as an `elf_calls=` apple string: a success round-trips through
//! `encode` (modulo leading zeros and case), an error message can be formatted.
#![no_main]

use darling_elfbridge::applep;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match applep::parse(data) {
        Ok(address) => {
            assert_ne!(address, 0);
            assert_eq!(
                applep::parse(applep::encode(address).as_bytes()),
                Ok(address)
            );
            assert!(data.len() <= applep::ELF_CALLS_MAX_LEN);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
