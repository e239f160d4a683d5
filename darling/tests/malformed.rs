//! Malformed and non-Mach-O files against LLVM 19: each case is one of our fixtures
//! (`macho/tests/data/bin`) damaged in one field, by code below, and darling's stdout, stderr
//! and exit status must be LLVM's, as recorded in `tests/data/malformed/llvm.tsv`.
//!
//! The table is made by the ignored test `llvm_table_is_current`, which runs `llvm-otool-19
//! -l`, `llvm-nm-19` and `llvm-objdump-19 --macho --bind` on every case (needs llvm-19;
//! `DARLING_BLESS=1` rewrites the table, otherwise it checks that the table is LLVM's).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../macho/tests/data/bin")
}

fn table_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed/llvm.tsv")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(bin_dir().join(name)).unwrap()
}

fn get_u32(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}

fn set_u32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn set_be32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// File offset of load command `index` of a little-endian thin Mach-O.
fn command(d: &[u8], index: usize) -> usize {
    let mut at = if get_u32(d, 0) == 0xfeed_facf { 32 } else { 28 };
    for _ in 0..index {
        at += get_u32(d, at + 4) as usize;
    }
    at
}

/// `base` with the 32-bit field `field` of load command `cmd` set to `value`.
fn field(base: &str, cmd: usize, field: usize, value: u32) -> Vec<u8> {
    let mut d = fixture(base);
    let at = command(&d, cmd) + field;
    set_u32(&mut d, at, value);
    d
}

/// A 64-bit section field: section `sect` of segment command `cmd`.
fn section(base: &str, cmd: usize, sect: usize, field: usize, value: u32) -> Vec<u8> {
    self::field(base, cmd, 72 + sect * 80 + field, value)
}

const EXE: &str = "exe-x86_64-dyldinfo";
const ARM: &str = "exe-arm64-chained";
const DYLIB: &str = "libhelper-x86_64.dylib";
const I386: &str = "obj-i386.o";
const SYNTH: &str = "synth-loadcmds-x86_64";
const FAT: &str = "fat-exe";

/// Every case: a name (its file name) and its bytes.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let exe = fixture(EXE);
    let big = 0x0100_0000;
    let mut v: Vec<(&'static str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"hello\n".to_vec()),
        ("short-header", exe[..20].to_vec()),
        ("header-only", exe[..32].to_vec()),
        ("half", exe[..exe.len() / 2].to_vec()),
        ("elf", elf()),
        ("sizeofcmds", {
            let mut d = exe.clone();
            set_u32(&mut d, 20, big);
            d
        }),
        ("ncmds-plus-one", {
            let mut d = exe.clone();
            let n = get_u32(&d, 16);
            set_u32(&mut d, 16, n + 1);
            d
        }),
        ("cmdsize-zero", field(EXE, 3, 4, 0)),
        ("cmdsize-unaligned", field(EXE, 10, 4, 28)),
        ("cmdsize-past-end", field(EXE, 17, 4, 0x0010_0000)),
        ("segment-fileoff", field(EXE, 4, 40, big)),
        ("segment-filesize", field(EXE, 4, 48, big)),
        ("segment-filesize-vmsize", field(EXE, 3, 48, 0x8000)),
        ("segment-nsects", field(EXE, 1, 64, 40)),
        ("section-offset", section(EXE, 1, 0, 48, big)),
        ("section-size", section(EXE, 1, 0, 40, big)),
        ("section-in-headers", section(EXE, 1, 0, 48, 16)),
        ("section-reloff", section(EXE, 1, 0, 56, big)),
        ("section-nreloc", section(EXE, 1, 0, 60, big)),
        ("section-addr", section(EXE, 1, 0, 32, 0x10)),
        ("section-overlap", {
            // __stubs on top of __text.
            let mut d = exe.clone();
            let text = command(&d, 1) + 72;
            let off = get_u32(&d, text + 48);
            set_u32(&mut d, text + 80 + 48, off);
            d
        }),
        ("symtab-symoff", field(EXE, 6, 8, big)),
        ("symtab-nsyms", field(EXE, 6, 12, big)),
        ("symtab-stroff", field(EXE, 6, 16, big)),
        ("symtab-strsize", field(EXE, 6, 20, big)),
        ("symtab-cmdsize", field(EXE, 6, 4, 16)),
        ("symtab-twice", field(EXE, 7, 0, 0x2)),
        ("dysymtab-indirectsymoff", field(EXE, 7, 56, big)),
        ("dysymtab-nindirectsyms", field(EXE, 7, 60, big)),
        ("dysymtab-tocoff", field(EXE, 7, 32, big)),
        ("dysymtab-nmodtab", field(EXE, 7, 44, big)),
        ("dysymtab-extreloff", field(EXE, 7, 64, big)),
        ("dysymtab-nlocrel", field(EXE, 7, 76, big)),
        ("dysymtab-iundefsym", field(EXE, 7, 24, 0xffff)),
        ("dysymtab-nlocalsym", field(EXE, 7, 12, 0xffff)),
        ("dysymtab-no-symtab", field(EXE, 6, 0, 0x99)),
        ("dyldinfo-rebase-off", field(EXE, 5, 8, big)),
        ("dyldinfo-bind-off", field(EXE, 5, 16, big)),
        ("dyldinfo-weak-bind-off", field(EXE, 5, 24, big)),
        ("dyldinfo-lazy-bind-off", field(EXE, 5, 32, big)),
        ("dyldinfo-export-off", field(EXE, 5, 40, big)),
        ("dyldinfo-bind-size", field(EXE, 5, 20, big)),
        ("dyldinfo-cmdsize", field(EXE, 5, 4, 40)),
        ("function-starts-off", field(EXE, 16, 8, big)),
        ("function-starts-size", field(EXE, 16, 12, big)),
        ("data-in-code-cmdsize", field(EXE, 17, 4, 24)),
        ("function-starts-twice", field(EXE, 17, 0, 0x26)),
        ("linkedit-overlap", {
            let mut d = exe.clone();
            let symoff = get_u32(&d, command(&d, 6) + 8);
            let fs = command(&d, 16);
            set_u32(&mut d, fs + 8, symoff);
            d
        }),
        ("code-signature-off", field(ARM, 19, 8, big)),
        ("chained-fixups-size", field(ARM, 5, 12, big)),
        ("exports-trie-off", field(ARM, 6, 8, big)),
        ("dylib-name-small", field(EXE, 13, 8, 4)),
        ("dylib-name-past", field(EXE, 13, 8, 0x100)),
        ("dylib-name-unterminated", {
            let mut d = exe.clone();
            let at = command(&d, 13);
            let size = get_u32(&d, at + 4) as usize;
            d[at + 24..at + size].fill(b'a');
            d
        }),
        ("dylinker-name-small", field(EXE, 9, 8, 8)),
        ("rpath-path-past", field(EXE, 8, 8, 0x100)),
        ("uuid-twice", {
            let mut d = field(EXE, 12, 0, 0x1b);
            let at = command(&d, 12);
            set_u32(&mut d, at + 4, 24);
            d
        }),
        ("main-cmdsize", field(EXE, 12, 4, 32)),
        ("obsolete-command", field(EXE, 8, 0, 0x6)),
        ("id-dylib-in-exe", field(EXE, 13, 0, 0xd)),
        ("dylib-without-id", field(DYLIB, 9, 0, 0xc)),
        ("build-version-ntools", field(EXE, 11, 20, 2)),
        ("i386-section-reloff", field(I386, 0, 56 + 48, big)),
        ("i386-cmdsize-unaligned", field(I386, 1, 4, 18)),
        ("thread-count", field(SYNTH, 19, 12, 3)),
        ("thread-flavor", field(SYNTH, 19, 8, 99)),
        ("linker-option-count", field(SYNTH, 21, 8, 9)),
        ("note-offset", field(SYNTH, 22, 24, big)),
        ("sub-framework-offset", field(SYNTH, 14, 8, 4)),
        ("routines-cmdsize", field(SYNTH, 18, 4, 80)),
        ("encryption-cryptoff", field(SYNTH, 20, 8, big)),
    ];
    let fat = fixture(FAT);
    let fat_case = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut d = fat.clone();
        f(&mut d);
        d
    };
    v.push(("fat-truncated", fat[..30].to_vec()));
    v.push(("fat-zero-arches", fat_case(&|d| set_be32(d, 4, 0))));
    v.push(("fat-java", fat_case(&|d| set_be32(d, 4, 50))));
    v.push((
        "fat-slice-past-end",
        fat_case(&|d| set_be32(d, 8 + 12, big)),
    ));
    v.push(("fat-slice-align", fat_case(&|d| set_be32(d, 8 + 16, 20))));
    v.push((
        "fat-slice-misaligned",
        fat_case(&|d| set_be32(d, 8 + 8, 0x10)),
    ));
    v.push((
        "fat-same-arch",
        fat_case(&|d| {
            let cpu = u32::from_be_bytes(d[8..12].try_into().unwrap());
            let sub = u32::from_be_bytes(d[12..16].try_into().unwrap());
            set_be32(d, 28, cpu);
            set_be32(d, 32, sub);
        }),
    ));
    v.push((
        "fat-cputype-mismatch",
        fat_case(&|d| {
            // The x86_64 slice's entry says i386.
            set_be32(d, 8, 7);
            set_be32(d, 12, 3);
        }),
    ));
    v.push((
        "fat-slice-malformed",
        fat_case(&|d| {
            let off = u32::from_be_bytes(d[16..20].try_into().unwrap()) as usize;
            set_u32(d, off + 20, 0x0100_0000);
        }),
    ));
    v
}

/// A 64-bit little-endian ELF header with no sections: the least LLVM reads as ELF.
fn elf() -> Vec<u8> {
    let mut d = vec![0u8; 64];
    d[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    d[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    d[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    d[20..24].copy_from_slice(&1u32.to_le_bytes());
    d[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    d
}

/// Cases where darling deliberately differs from LLVM: `(case, tool, darling's exit status,
/// darling's stderr, why)`.
const DELIBERATE: &[(&str, &str, i32, &str, &str)] = &[(
    "elf",
    "nm",
    1,
    "darling nm: error: elf: object is not a Mach-O file type.\n\n",
    "llvm-nm reads ELF files as ELF; darling nm reads Mach-O only and says so",
)];

/// The tools compared, as `(darling args, LLVM command, LLVM's name for itself)`.
const TOOLS: &[(&[&str], &[&str])] = &[
    (&["otool", "-l"], &["llvm-otool-19", "-l"]),
    (&["nm"], &["llvm-nm-19"]),
    (
        &["dyldinfo", "--bind"],
        &["llvm-objdump-19", "--macho", "--bind"],
    ),
];

struct Outcome {
    status: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(program: &str, args: &[&str], file: &str, dir: &Path) -> Outcome {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    Outcome {
        status: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// FNV-1a, to record a long stdout by its length and digest.
fn digest(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}:{h:016x}", bytes.len())
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// One table row: case, tool, exit status, stdout digest, stderr.
fn row(case: &str, tool: &str, o: &Outcome) -> String {
    format!(
        "{case}\t{tool}\t{}\t{}\t{}",
        o.status,
        digest(&o.stdout),
        escape(&o.stderr)
    )
}

/// LLVM's stderr in darling's words: `llvm-otool-19: error:` (or whatever LLVM called
/// itself) becomes `darling TOOL: error:`, and the file name LLVM quotes on one side only
/// (`elf': object is not a Mach-O file type.`) is quoted on both.
fn as_darling(stderr: &str, tool: &str) -> String {
    let mut out = String::new();
    for line in stderr.split_inclusive('\n') {
        match line.split_once(": error: ") {
            Some((prefix, rest)) if prefix.starts_with("llvm-") => {
                let rest = match rest.strip_suffix("': object is not a Mach-O file type.\n") {
                    Some(file) if !file.starts_with('\'') => {
                        format!("'{file}': object is not a Mach-O file type.\n")
                    }
                    _ => rest.to_owned(),
                };
                out.push_str(&format!("darling {tool}: error: {rest}"));
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// Writes every case into a fresh directory.
fn write_cases(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("darling-malformed-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in cases() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

#[test]
fn darling_matches_llvm_on_malformed_files() {
    let table = std::fs::read_to_string(table_path()).unwrap();
    let dir = write_cases("darling");
    let mut failures = Vec::new();
    let mut compared = 0;
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(
        rows.len(),
        cases().len() * TOOLS.len(),
        "table out of date: rerun the ignored test with DARLING_BLESS=1"
    );
    for line in rows {
        let f: Vec<&str> = line.splitn(5, '\t').collect();
        let (case, tool) = (f[0], f[1]);
        let (args, _) = TOOLS.iter().find(|(a, _)| a[0] == tool).unwrap();
        let ours = run(env!("CARGO_BIN_EXE_darling"), args, case, &dir);
        let llvm_stderr = f[4]
            .replace("\\n", "\n")
            .replace("\\t", "\t")
            .replace("\\\\", "\\");
        let mut expected = Outcome {
            status: f[2].parse().unwrap(),
            stdout: Vec::new(),
            stderr: as_darling(&llvm_stderr, tool),
        };
        let mut stdout = f[3].to_owned();
        if let Some(d) = DELIBERATE.iter().find(|d| d.0 == case && d.1 == tool) {
            assert!(
                expected.status != d.2 || expected.stderr != d.3,
                "{case} ({tool}): listed as deliberate but LLVM agrees"
            );
            expected.status = d.2;
            expected.stderr = d.3.to_owned();
            stdout = digest(b"");
        }
        let mut why = Vec::new();
        if ours.status != expected.status {
            why.push(format!("exit {} (LLVM {})", ours.status, expected.status));
        }
        if digest(&ours.stdout) != stdout {
            why.push(format!("stdout {} (LLVM {stdout})", digest(&ours.stdout)));
        }
        if ours.stderr != expected.stderr {
            why.push(format!(
                "stderr {:?} (LLVM {:?})",
                ours.stderr, expected.stderr
            ));
        }
        if why.is_empty() {
            compared += 1;
        } else {
            failures.push(format!("{case} ({tool}): {}", why.join("; ")));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("malformed: {compared} equal to LLVM 19");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[ignore = "needs llvm-19"]
fn llvm_table_is_current() {
    let dir = write_cases("llvm");
    let mut table = String::from("case\ttool\texit\tstdout\tstderr\n");
    for (case, _) in cases() {
        for (args, llvm) in TOOLS {
            let o = run(llvm[0], &llvm[1..], case, &dir);
            table.push_str(&row(case, args[0], &o));
            table.push('\n');
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if std::env::var_os("DARLING_BLESS").is_some() {
        std::fs::create_dir_all(table_path().parent().unwrap()).unwrap();
        std::fs::write(table_path(), &table).unwrap();
    }
    let committed = std::fs::read_to_string(table_path()).unwrap_or_default();
    assert!(
        committed == table,
        "tests/data/malformed/llvm.tsv is not LLVM 19's output: rerun with DARLING_BLESS=1"
    );
}
