//! The `elf_calls=` apple string: mldr's format both ways, Darling's reader's mistakes, and
//! every bad string refused with a reason.

use darling_elfbridge::applep::{self, ApplepError, EscapedByte};
use proptest::prelude::*;

#[test]
fn mldrs_format() {
    assert_eq!(applep::encode(0x7f12_a4b0_c010), "elf_calls=7f12a4b0c010");
    assert_eq!(
        applep::parse(b"elf_calls=7f12a4b0c010"),
        Ok(0x7f12_a4b0_c010)
    );
    let apple: [&[u8]; 3] = [b"executable_path=/bin/x", b"kernfd=5", b"elf_calls=1000"];
    assert_eq!(applep::find(apple), Some(Ok(0x1000)));
    assert_eq!(applep::find([&b"kernfd=5"[..]]), None);
}

#[test]
fn upper_case_f_is_fifteen() {
    // Darling's __simple_atoi16 tests `< 'F'` and reads 'F' as 0: it would give 0xA0.
    assert_eq!(applep::parse(b"elf_calls=AF"), Ok(0xaf));
}

#[test]
fn bad_strings() {
    assert_eq!(applep::parse(b"kernfd=5"), Err(ApplepError::MissingKey));
    assert_eq!(applep::parse(b"elf_calls="), Err(ApplepError::Empty));
    assert_eq!(
        applep::parse(b"elf_calls=0x10"),
        Err(ApplepError::NotHex {
            position: 11,
            found: EscapedByte(b'x')
        })
    );
    assert_eq!(
        applep::parse(b"elf_calls=12 "),
        Err(ApplepError::NotHex {
            position: 12,
            found: EscapedByte(b' ')
        })
    );
    assert_eq!(
        applep::parse(b"elf_calls=00000000000000001"),
        Err(ApplepError::TooLong(17))
    );
    assert_eq!(applep::parse(b"elf_calls=0"), Err(ApplepError::Null));
    assert_eq!(
        applep::parse(b"elf_calls=1\xff").unwrap_err().to_string(),
        "expected a hexadecimal digit at byte 11, found \\xff"
    );
}

proptest! {
    #[test]
    fn every_address_round_trips(address in 1usize..) {
        let s = applep::encode(address);
        prop_assert!(s.len() <= applep::ELF_CALLS_MAX_LEN);
        prop_assert_eq!(applep::parse(s.as_bytes()), Ok(address));
    }

    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut s = b"elf_calls=".to_vec();
        s.extend(&bytes);
        match applep::parse(&s) {
            Ok(a) => prop_assert_eq!(applep::parse(applep::encode(a).as_bytes()), Ok(a)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
