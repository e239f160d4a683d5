//! Uses arbitrary bytes as the `LC_DYLD_CHAINED_FIXUPS` data of a small valid x86_64
//! executable whose segments map those same bytes (so the chains run through them), and
//! walks header, segment starts, chain starts, imports and every fixup.
#![no_main]

use darling_fuzz::image_with_chained_fixups;
use darling_fuzz::walk::{Summary, walk_macho};
use darling_macho::MachO;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if u32::try_from(data.len()).is_err() {
        return;
    }
    let file = image_with_chained_fixups(data);
    let m = MachO::parse(&file).expect("the built image parses");
    match m.chained_fixups() {
        Ok(Some(c)) => assert!(
            data.len() >= 28
                && c.header().fixups_version == u32::from_le_bytes(data[..4].try_into().unwrap())
        ),
        Ok(None) => unreachable!("the image has LC_DYLD_CHAINED_FIXUPS"),
        Err(_) => assert!(data.len() < 28, "only a short header is an error here"),
    }
    let mut s = Summary::default();
    walk_macho(&mut s, &m);
    assert_eq!((s.images, s.load_commands, s.segments), (1, 6, 5));
});
