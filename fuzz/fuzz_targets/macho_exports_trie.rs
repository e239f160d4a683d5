//! Walks arbitrary bytes as an exports trie, twice: at base 0 and at another base. Both walks
//! must yield the same exports (node offsets moved by the base) and end the same way.
#![no_main]

use darling_fuzz::walk::{MAX_RECORDS, Summary, walk_exports};
use darling_macho::{Error, ExportsTrie};
use libfuzzer_sys::fuzz_target;

const BASE: u64 = 0x4000;

fuzz_target!(|data: &[u8]| {
    let mut s = Summary::default();
    walk_exports(
        &mut s,
        ExportsTrie::from_bytes(data, 0),
        Some((0, data.len() as u64)),
    );

    let at0 = ExportsTrie::from_bytes(data, 0).iter().take(MAX_RECORDS);
    let at_base = ExportsTrie::from_bytes(data, BASE).iter().take(MAX_RECORDS);
    for (a, b) in at0.zip(at_base) {
        match (a, b) {
            (Ok(a), Ok(mut b)) => {
                b.node_offset -= BASE;
                assert_eq!(a, b);
            }
            (
                Err(Error::Malformed {
                    what,
                    offset,
                    expected,
                }),
                Err(Error::Malformed {
                    what: w,
                    offset: o,
                    expected: x,
                }),
            ) => assert_eq!((what, offset.wrapping_add(BASE), expected), (w, o, x)),
            (a, b) => panic!("the base changed the walk: {a:?} vs {b:?}"),
        }
    }
});
