//! `darling run` on the loader's test programs (`loader/tests/data`: our own C sources, built
//! for macOS 10.15 with dyld-info opcodes and lazy binding, and for 13.0 with chained fixups),
//! and on files it must refuse.

mod common;

use std::path::{Path, PathBuf};

use common::{command, darling, run};

const BUILDS: [&str; 2] = ["10.15", "13.0"];

fn programs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/tests/data")
}

fn expected(name: &str, ext: &str) -> Option<String> {
    std::fs::read_to_string(programs().join("expected").join(format!("{name}.{ext}"))).ok()
}

/// Runs `bin/<name>-<build>` as the data README says: the arguments of `<name>.argv`, the
/// environment of `<name>.env` (and `DARLING_TEST` otherwise unset), `argv[0]` the path
/// given; checks stdout against `<name>.stdout` with its placeholders filled in, the exit
/// status against `<name>.status` (or 0), and that nothing went to stderr.
fn runs_as_expected(name: &str) {
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get());
    for build in BUILDS {
        let program = programs().join("bin").join(format!("{name}-{build}"));
        let program = program.to_str().expect("UTF-8 path");
        let mut cmd = command(&["run", program]);
        cmd.env_remove("DARLING_TEST");
        if let Some(argv) = expected(name, "argv") {
            cmd.args(argv.lines());
        }
        if let Some(env) = expected(name, "env") {
            for line in env.lines() {
                let (k, v) = line.split_once('=').expect("NAME=value");
                cmd.env(k, v);
            }
        }
        let (status, stdout, stderr) = run(&mut cmd);
        let want = expected(name, "stdout")
            .expect("expected stdout")
            .replace("{NCPU}", &ncpu.to_string())
            .replace("{ARGV0}", program);
        let want_status = expected(name, "status").map_or(0, |s| s.trim().parse().unwrap());
        assert_eq!(stderr, "", "{name}-{build}");
        assert_eq!(stdout, want, "{name}-{build}");
        assert_eq!(status, want_status, "{name}-{build}");
    }
}

#[test]
fn hello() {
    runs_as_expected("hello");
}

/// argc/argv/envp, and exit(42) flushing what printf buffered.
#[test]
fn args() {
    runs_as_expected("args");
}

/// The CPU count read straight from the commpage the runtime maps.
#[test]
fn commpage() {
    runs_as_expected("commpage");
}

/// Two threads and main, each with its own Darwin errno through __error().
#[test]
fn threads() {
    runs_as_expected("threads");
}

/// open (Darwin's flags), write, read, close, stat$INODE64 (Darwin's struct stat), unlink,
/// errno and strerror, with the paths in the prefix: `/tmp` is the prefix's.
#[test]
fn fileio() {
    let prefix = tempfile::tempdir().unwrap();
    std::fs::create_dir(prefix.path().join("tmp")).unwrap();
    let want = expected("fileio", "stdout").unwrap();
    for build in BUILDS {
        let program = programs().join("bin").join(format!("fileio-{build}"));
        let (status, stdout, stderr) = darling(&[
            "run",
            "--prefix",
            prefix.path().to_str().unwrap(),
            program.to_str().unwrap(),
        ]);
        assert_eq!(
            (status, stdout.as_str(), stderr.as_str()),
            (0, want.as_str(), "")
        );
        assert!(!prefix.path().join("tmp/darling-loader-test.txt").exists());
    }
    // A prefix without /tmp: the program's open fails there, whatever the host's /tmp has.
    let bare = tempfile::tempdir().unwrap();
    let program = programs().join("bin").join("fileio-13.0");
    let (status, stdout, _) = darling(&[
        "run",
        "--prefix",
        bare.path().to_str().unwrap(),
        program.to_str().unwrap(),
    ]);
    assert_eq!(status, 1);
    assert_eq!(stdout, "");
    // The default prefix is $DPREFIX, made if missing.
    let parent = tempfile::tempdir().unwrap();
    let made = parent.path().join("made/here");
    let (status, _, _) = run(command(&["run", program.to_str().unwrap()]).env("DPREFIX", &made));
    assert_eq!(status, 1);
    assert!(made.is_dir());
}

/// The Darling documentation's Mach sender and receiver as two threads of one program:
/// mach_task_self_, mach_port_allocate, mach_port_insert_right and mach_msg on a
/// darling-mach-ipc task, the received header and trailer as XNU gives them.
#[test]
fn mach_msg() {
    runs_as_expected("mach_msg");
}

/// host_info over MIG: mach_host_self and the routine answered by the runtime's host
/// server with this machine's CPU count.
#[test]
fn host_info() {
    runs_as_expected("host_info");
}

/// bootstrap_register and bootstrap_look_up on the runtime's bootstrap server, and a message
/// to the port found.
#[test]
fn bootstrap() {
    runs_as_expected("bootstrap");
}

/// GS points at an Apple TSD on every thread, its errno slot the place __error() gives.
#[test]
fn tsd() {
    runs_as_expected("tsd");
}

/// --trace: every call into the shims on stderr, one line each with its arguments and
/// result (and where each import was bound); the program's output is unchanged.
#[test]
fn trace() {
    let prefix = tempfile::tempdir().unwrap();
    std::fs::create_dir(prefix.path().join("tmp")).unwrap();
    let program = programs().join("bin/fileio-13.0");
    let (status, stdout, stderr) = darling(&[
        "run",
        "--trace",
        "--prefix",
        prefix.path().to_str().unwrap(),
        program.to_str().unwrap(),
    ]);
    assert_eq!(status, 0);
    assert_eq!(stdout, expected("fileio", "stdout").unwrap());
    for line in stderr.lines() {
        let (tid, call) = line.split_once("] ").expect("[tid] call");
        assert!(
            tid.starts_with('[') && tid[1..].parse::<u32>().is_ok(),
            "{line}"
        );
        assert!(call.starts_with("bind ") || call.contains(") = "), "{line}");
    }
    for want in [
        "] bind _open -> 0x",
        "] open(\"/tmp/darling-loader-test.txt\", 0x601, 0o644) = ",
        "] write(",
        "] stat$INODE64(\"/tmp/darling-loader-test.txt\", 0x",
        "] strerror(2) = \"No such file or directory\"",
        "] unlink(\"/tmp/darling-loader-test.txt\") = 0",
    ] {
        assert!(stderr.contains(want), "no {want:?} in\n{stderr}");
    }
    let missing = stderr
        .lines()
        .find(|l| l.contains("open(\"/tmp/darling-loader-test-missing.txt\""))
        .expect("the missing file's open");
    assert!(missing.ends_with(" = -1 ENOENT"), "{missing}");

    // A MIG call is named by its routine.
    let program = programs().join("bin/host_info-13.0");
    let (status, _, stderr) = darling(&["run", "--trace", program.to_str().unwrap()]);
    assert_eq!(status, 0);
    assert!(
        stderr.contains("(count 12) [MIG id 200 (mach_host host_info)]"),
        "{stderr}"
    );
}

/// A program linked without PIE (macOS 10.9, a custom __PAGEZERO) is mapped at its own
/// addresses (darling-macho's fixture exe-x86_64-legacy).
#[test]
fn a_fixed_address_program() {
    let program =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../macho/tests/data/bin/exe-x86_64-legacy");
    let (status, stdout, stderr) = darling(&["run", program.to_str().unwrap()]);
    assert_eq!(
        (status, stdout.as_str(), stderr.as_str()),
        (0, "legacy one\nlegacy two\n2\n", "")
    );
}

/// A program importing what nothing provides is refused before anything runs, naming the
/// import and its library (darling-macho's fixture exe-x86_64-dyldinfo imports from its own
/// libhelper).
#[test]
fn imports_without_a_shim_are_refused_before_running() {
    let program =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../macho/tests/data/bin/exe-x86_64-dyldinfo");
    let program = program.to_str().unwrap();
    let (status, stdout, stderr) = darling(&["run", program]);
    assert_eq!(
        (status, stdout.as_str(), stderr),
        (
            1,
            "",
            format!(
                "darling run: error: {program}: no shim for _helper_version from @rpath/libhelper.dylib\n"
            )
        )
    );
}

/// hello-13.0 damaged by `damage` (given the bytes and the file offset of each load command
/// with its `cmd`), written to a file in `dir`.
fn damaged(dir: &Path, name: &str, damage: impl FnOnce(&mut Vec<u8>, &[(usize, u32)])) -> PathBuf {
    let mut bytes = std::fs::read(programs().join("bin/hello-13.0")).unwrap();
    let commands: Vec<(usize, u32)> = {
        let m = darling_macho::MachO::parse(&bytes).unwrap();
        m.load_commands()
            .map(|lc| lc.unwrap())
            .map(|lc| (lc.offset() as usize, lc.cmd()))
            .collect()
    };
    damage(&mut bytes, &commands);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// main's result is the exit status: hello-13.0 with its main replaced by `mov eax, 3;
/// ret`, entered on the macOS-style stack run_main builds.
#[test]
fn main_returns_the_exit_status() {
    const LC_MAIN: u32 = 0x8000_0028;
    let dir = tempfile::tempdir().unwrap();
    let three = damaged(dir.path(), "three", |b, cmds| {
        let (at, _) = cmds.iter().find(|c| c.1 == LC_MAIN).unwrap();
        let entry = u64::from_le_bytes(b[at + 8..at + 16].try_into().unwrap()) as usize;
        b[entry..entry + 6].copy_from_slice(&[0xb8, 3, 0, 0, 0, 0xc3]);
    });
    let (status, stdout, stderr) = darling(&["run", three.to_str().unwrap()]);
    assert_eq!((status, stdout.as_str(), stderr.as_str()), (3, "", ""));
}

/// Damaged programs: each refused with what is wrong, exit status 1, nothing run.
#[test]
fn damaged_programs_are_refused() {
    const LC_SEGMENT_64: u32 = 0x19;
    const LC_UUID: u32 = 0x1b;
    const LC_IDENT: u32 = 0x8;
    let dir = tempfile::tempdir().unwrap();
    let truncated = damaged(dir.path(), "truncated", |b, _| b.truncate(0x1800));
    // __DATA_CONST (the third segment) moved onto __TEXT.
    let overlapping = damaged(dir.path(), "overlapping", |b, cmds| {
        let (at, _) = cmds.iter().filter(|c| c.1 == LC_SEGMENT_64).nth(2).unwrap();
        b[at + 24..at + 32].copy_from_slice(&0x1_0000_0000_u64.to_le_bytes());
    });
    // LC_UUID turned into the obsolete LC_IDENT.
    let unsupported = damaged(dir.path(), "unsupported", |b, cmds| {
        let (at, _) = cmds.iter().find(|c| c.1 == LC_UUID).unwrap();
        b[*at..at + 4].copy_from_slice(&LC_IDENT.to_le_bytes());
    });
    for (path, message) in [
        (
            truncated,
            "segment __DATA_CONST: file bytes 0x1000..0x2000 past the end of the file (0x1800 bytes)",
        ),
        (
            overlapping,
            "segments __TEXT and __DATA_CONST overlap in memory",
        ),
        (
            unsupported,
            "load command 9 (LC_IDENT): not something the runtime can load",
        ),
    ] {
        let path = path.to_str().unwrap();
        let (status, stdout, stderr) = darling(&["run", path]);
        assert_eq!(
            (status, stdout.as_str(), stderr),
            (1, "", format!("darling run: error: {path}: {message}\n"))
        );
    }
}

#[test]
fn files_it_cannot_run() {
    let macho = Path::new(env!("CARGO_MANIFEST_DIR")).join("../macho/tests/data/bin");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let missing = dir.path().join("missing");
    let cases: [(PathBuf, &str); 5] = [
        (script, "not a Mach-O file (magic 0x23212f62)"),
        (
            PathBuf::from(env!("CARGO_BIN_EXE_darling")),
            "not a Mach-O file (magic 0x7f454c46)",
        ),
        (
            macho.join("libhelper-x86_64.dylib"),
            "a Mach-O dynamic library (filetype 6), expected an executable (MH_EXECUTE)",
        ),
        (
            macho.join("exe-arm64-chained"),
            "a Mach-O for arm64, expected x86_64",
        ),
        (missing, "No such file or directory (os error 2)"),
    ];
    for (path, message) in cases {
        let path = path.to_str().unwrap();
        let (status, stdout, stderr) = darling(&["run", path]);
        assert_eq!(
            (status, stdout.as_str(), stderr),
            (1, "", format!("darling run: error: {path}: {message}\n"))
        );
    }
}
