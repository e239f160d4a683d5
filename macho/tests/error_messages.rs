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

#[test]
fn malformed_data_and_load_commands_say_what_was_expected() {
    // An exports trie whose root claims a child past the end of the trie.
    let e = darling_macho::ExportsTrie::from_bytes(&[0, 1, b'a', 0, 0x7f], 0)
        .iter()
        .find_map(Result::err)
        .expect("a bad child offset is an error");
    assert!(
        e.to_string()
            .contains(": expected a child node inside the trie"),
        "{e}"
    );
    let e = Error::BadLoadCommand {
        index: 3,
        cmd: 0x19,
        offset: 0x20,
        expected: "cmdsize that holds nsects sections",
    };
    assert_eq!(
        e.to_string(),
        "load command 3 (cmd 0x19) at offset 0x20: expected cmdsize that holds nsects sections"
    );
}
