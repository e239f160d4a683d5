//! Runs arbitrary bytes as every `LC_DYLD_INFO` opcode stream (rebase, bind, weak bind, lazy
//! bind) inside small valid x86_64 and i386 executables with five segments (the pointer size
//! changes how records step), and walks the whole images.
#![no_main]

use darling_fuzz::image_with_dyld_info;
use darling_fuzz::walk::{Summary, walk_macho};
use darling_macho::MachO;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(size) = u32::try_from(data.len()) else {
        return;
    };
    for is_64 in [true, false] {
        let file = image_with_dyld_info(is_64, data);
        let m = MachO::parse(&file).expect("the built image parses");
        assert_eq!(m.is_64(), is_64);
        let d = m
            .dyld_info()
            .expect("a well-formed command")
            .expect("an LC_DYLD_INFO_ONLY");
        assert_eq!(
            (d.rebase_size, d.bind_size, d.lazy_bind_size, d.export_size),
            (size, size, size, 0)
        );
        let mut s = Summary::default();
        walk_macho(&mut s, &m);
        assert_eq!((s.images, s.load_commands, s.segments), (1, 6, 5));
    }
});
