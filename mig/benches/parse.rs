//! How long preprocessing, parsing and laying out take: every test interface of this
//! crate, and every `.defs` of XNU's `osfmk/mach` when `XNU_DIR` names an XNU tree.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use darling_mig::{Interface, Preprocessor};

fn own() -> (Preprocessor, Vec<PathBuf>) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/defs");
    let mut pp = Preprocessor::new();
    pp.include_dir(data.join("include"));
    let files = [
        "window",
        "arrays",
        "kitchen_sink",
        "notify_like",
        "options",
        "ports",
        "server_side",
    ]
    .iter()
    .map(|n| data.join(format!("{n}.defs")))
    .collect();
    (pp, files)
}

fn xnu() -> Option<Vec<(PathBuf, Preprocessor)>> {
    let root = PathBuf::from(std::env::var_os("XNU_DIR")?);
    let dir = root.join("osfmk/mach");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).ok()? {
        let path = e.ok()?.path();
        let stem = path.file_stem()?.to_str()?.to_string();
        if path.extension().is_none_or(|x| x != "defs")
            || ["std_types", "mach_types", "clock_types"].contains(&stem.as_str())
        {
            continue;
        }
        let mut pp = Preprocessor::new();
        pp.include_dir(root.join("osfmk"));
        match stem.as_str() {
            "notify" => pp.define("MACH_NOTIFY_SEND_POSSIBLE_EXPECTED", "1"),
            "upl" => pp.define("KERNEL_PRIVATE", "1"),
            _ => pp.define("LIBSYSCALL_INTERFACE", "1"),
        };
        out.push((path, pp));
    }
    Some(out)
}

fn parse(c: &mut Criterion) {
    let (pp, files) = own();
    c.bench_function("mig/parse_layout_own_7_defs", |b| {
        b.iter(|| {
            for f in &files {
                let i = Interface::load(f, &pp).expect("own interface");
                std::hint::black_box(i.max_reply_size());
            }
        });
    });
    match xnu() {
        Some(all) => {
            let name = format!("mig/parse_layout_xnu_osfmk_mach_{}_defs", all.len());
            c.bench_function(&name, |b| {
                b.iter(|| {
                    for (f, pp) in &all {
                        let i = Interface::load(f, pp).expect("XNU interface");
                        std::hint::black_box(i.max_reply_size());
                    }
                });
            });
        }
        None => eprintln!("skipped: set XNU_DIR to an XNU source tree to time XNU's .defs"),
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);
