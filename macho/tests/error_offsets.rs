//! Errors carry the file offset of what is wrong, whatever structure it is nested in: a
//! string inside a load command, a name in the string table, a CodeDirectory field, a chained
//! fixups starts structure or a fixup location. Each test damages one field of a committed
//! fixture and checks the offset the error reports.

use darling_macho::{Command, Error, MachO, raw};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bin")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn put32(data: &mut [u8], at: u64, value: u32) {
    let at = at as usize;
    data[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put16(data: &mut [u8], at: u64, value: u16) {
    let at = at as usize;
    data[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

fn malformed_offset(e: Error) -> u64 {
    match e {
        Error::Malformed { offset, .. } => offset,
        other => panic!("expected Error::Malformed, got {other:?}"),
    }
}

#[test]
fn load_command_string_errors_point_into_the_command() {
    let mut data = fixture("exe-x86_64-dyldinfo");
    let m = MachO::parse(&data).unwrap();
    let lc = m
        .load_commands()
        .map(Result::unwrap)
        .find(|lc| lc.cmd() == raw::LC_LOAD_DYLIB)
        .expect("an LC_LOAD_DYLIB");
    let (at, cmdsize, index) = (lc.offset(), lc.cmdsize(), lc.index());
    // dylib_command.dylib.name.offset is at byte 8: point it past the command's end.
    let bad = cmdsize + 40;
    put32(&mut data, at + 8, bad);

    let m = MachO::parse(&data).unwrap();
    let lc = m
        .load_commands()
        .map(Result::unwrap)
        .nth(index as usize)
        .unwrap();
    let Command::Dylib(d) = lc.parse().unwrap() else {
        panic!("not a dylib command");
    };
    assert_eq!(
        malformed_offset(d.name.bytes().unwrap_err()),
        at + u64::from(bad)
    );
}

#[test]
fn symbol_name_errors_point_into_the_string_table() {
    let mut data = fixture("exe-x86_64-dyldinfo");
    let m = MachO::parse(&data).unwrap();
    let symtab = m
        .load_commands()
        .map(|lc| lc.unwrap().parse().unwrap())
        .find_map(|c| match c {
            Command::Symtab(s) => Some(s),
            _ => None,
        })
        .expect("LC_SYMTAB");
    // nlist_64.n_strx of the first entry: past the string table.
    let bad = symtab.strsize + 7;
    put32(&mut data, symtab.symoff.into(), bad);

    let m = MachO::parse(&data).unwrap();
    let table = m.symbol_table().unwrap().unwrap();
    let err = table.iter().next().unwrap().name().unwrap_err();
    assert_eq!(
        malformed_offset(err),
        u64::from(symtab.stroff) + u64::from(bad)
    );
}

#[test]
fn code_directory_string_errors_point_into_the_blob() {
    let mut data = fixture("exe-arm64-chained");
    let m = MachO::parse(&data).unwrap();
    let sig = m.code_signature().unwrap().expect("a signed arm64 fixture");
    let cd = sig.code_directory().unwrap().expect("a CodeDirectory");
    let (blob_at, len) = (cd.file_offset, cd.blob.len() as u32);
    // CS_CodeDirectory.identOffset (big-endian, byte 20): past the blob.
    let bad = len + 3;
    let at = blob_at as usize + 20;
    data[at..at + 4].copy_from_slice(&bad.to_be_bytes());

    let m = MachO::parse(&data).unwrap();
    let cd = m
        .code_signature()
        .unwrap()
        .unwrap()
        .code_directory()
        .unwrap()
        .unwrap();
    assert_eq!(
        malformed_offset(cd.identifier().unwrap_err()),
        blob_at + u64::from(bad)
    );
}

/// The file offset of the first segment's `dyld_chained_starts_in_segment` in the chained
/// fixture, with the file's parsed `MachO`.
fn first_segment_starts(data: &[u8]) -> (u64, u32) {
    let m = MachO::parse(data).unwrap();
    let dataoff = m
        .linkedit_data(raw::LC_DYLD_CHAINED_FIXUPS)
        .unwrap()
        .unwrap()
        .dataoff;
    let cf = m.chained_fixups().unwrap().unwrap();
    let index = (0..cf.segment_count().unwrap())
        .find(|&i| cf.segment_starts(i).unwrap().is_some())
        .expect("a segment with fixups");
    let starts = cf.segment_starts(index).unwrap().unwrap();
    let at =
        u64::from(dataoff) + u64::from(cf.header().starts_offset) + u64::from(starts.info_offset);
    (at, index)
}

#[test]
fn chained_starts_errors_point_at_the_segment_starts() {
    let mut data = fixture("exe-x86_64-chained");
    let (at, _) = first_segment_starts(&data);
    // dyld_chained_starts_in_segment.page_size (byte 4) = 0.
    put16(&mut data, at + 4, 0);

    let m = MachO::parse(&data).unwrap();
    let err = m
        .chained_fixups()
        .unwrap()
        .unwrap()
        .fixups()
        .find_map(Result::err)
        .expect("an error");
    assert_eq!(malformed_offset(err), at);
}

#[test]
fn chained_location_errors_give_the_location() {
    let mut data = fixture("exe-x86_64-chained");
    let (at, index) = first_segment_starts(&data);
    let m = MachO::parse(&data).unwrap();
    let cf = m.chained_fixups().unwrap().unwrap();
    let starts = cf.segment_starts(index).unwrap().unwrap();
    let page_size = u64::from(starts.page_size);
    let fileoff = m.segments().nth(index as usize).unwrap().unwrap().fileoff();
    // page_start[0] (byte 22): a chain that starts 2 bytes before the page's end, where an
    // 8-byte pointer cannot fit.
    let in_page = page_size - 2;
    put16(&mut data, at + 22, in_page as u16);

    let m = MachO::parse(&data).unwrap();
    let err = m
        .chained_fixups()
        .unwrap()
        .unwrap()
        .fixups()
        .find_map(Result::err)
        .expect("an error");
    assert_eq!(malformed_offset(err), fileoff + in_page);
}
