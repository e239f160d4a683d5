//! Compiles arbitrary bytes (as lossy UTF-8) as a `.defs` file with darling-mig's front end:
//! preprocessor, lexer, parser, types, routines and message layouts. Nothing may panic, loop
//! or overflow the stack. An accepted interface must be laid out consistently (each message's
//! fields contiguous from offset 0 and adding up to its size, smallest size at most the size,
//! both multiples of 4, ids the base plus the slot) and its layout tables must be printable; a
//! refusal must name a place in a file.
//!
//! The preprocessor has no predefined macros and reads files from memory: `#include
//! <mach/std_types.defs>` and `<mach/mach_types.defs>` are darling-mig's test type
//! vocabularies (as the seeds, our test interfaces, expect) and `#include "inc.defs"` a small
//! file of its own.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use darling_mig::{Error, Interface, Preprocessor, SemanticError, layout};
use libfuzzer_sys::fuzz_target;

const STD_TYPES: &str = include_str!("../../mig/tests/data/defs/include/mach/std_types.defs");
const MACH_TYPES: &str = include_str!("../../mig/tests/data/defs/include/mach/mach_types.defs");
const INC_DEFS: &str = "type inc_t = MACH_MSG_TYPE_INTEGER_32;\n#define INC_N 8\n";

static PREPROCESSOR: LazyLock<Preprocessor> = LazyLock::new(|| {
    let mut pp = Preprocessor::empty();
    pp.include_dir("inc");
    pp.source(|path| {
        let text = if path == Path::new("inc.defs") {
            INC_DEFS
        } else if path == Path::new("inc/mach/std_types.defs") {
            STD_TYPES
        } else if path == Path::new("inc/mach/mach_types.defs") {
            MACH_TYPES
        } else {
            return Err(std::io::ErrorKind::NotFound.into());
        };
        Ok(text.to_string())
    });
    pp
});

fn check_interface(iface: &Interface) {
    assert_eq!(
        u64::from(iface.end()),
        u64::from(iface.base) + iface.slots.len() as u64
    );
    for (slot, r) in iface.slots.iter().enumerate() {
        let Some(r) = r else { continue };
        assert_eq!(r.number() as usize, slot);
        assert_eq!(
            u64::from(r.request_id(iface.base)),
            u64::from(iface.base) + slot as u64
        );
        for m in [&r.request, &r.reply] {
            let mut offset = 0u64;
            for f in &m.fields {
                assert_eq!(u64::from(f.offset), offset, "{}: {}", r.name(), f.name);
                offset += u64::from(f.size);
            }
            assert_eq!(offset, u64::from(m.size));
            assert!(m.min_size <= m.size);
            assert_eq!(m.size % 4, 0);
            assert_eq!(m.min_size % 4, 0);
        }
    }
    let _ = layout::all_tables("fuzz", iface);
}

fn check_error(e: &Error) {
    let _ = e.to_string();
    // `Interface::resolve` has no place to name for these when the input has no routine.
    let no_routine = matches!(
        e,
        Error::Semantic {
            kind: SemanticError::NoSubsystem | SemanticError::TooManyRoutines,
            location,
        } if location.line == 0
    );
    if no_routine || matches!(e, Error::Io { .. }) {
        return;
    }
    let at = e.location().expect("a location");
    assert!(
        !at.file.is_empty() && at.line >= 1 && at.column >= 1,
        "{e:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Interface::load_str("t.defs", &text, &PREPROCESSOR) {
        Ok(iface) => check_interface(&iface),
        Err(e) => check_error(&e),
    }
});
