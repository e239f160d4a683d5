//! Error messages say what was found and what was expected.

use darling_macho::{Error, FatFile, MAX_FAT_ARCHES, raw};

#[test]
fn too_many_fat_slices_says_how_many_and_what_was_expected() {
    let mut data = vec![0u8; 8];
    data[..4].copy_from_slice(&raw::FAT_MAGIC.to_be_bytes());
    data[4..8].copy_from_slice(&300u32.to_be_bytes());
    let e = FatFile::parse(&data).unwrap_err();
    assert_eq!(
        e,
        Error::TooMany {
            what: "fat header",
            offset: 4,
            found: 300,
            items: "slices",
            max: MAX_FAT_ARCHES.into(),
        }
    );
    assert_eq!(
        e.to_string(),
        "fat header at offset 0x4: 300 slices, expected at most 256"
    );
}
