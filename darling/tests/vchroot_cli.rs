//! `darling vchroot` run as a process: the host path as the last line, errors on stderr with
//! the errno's name and a non-zero status, output that cannot be written is an error.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};

mod common;

fn darling(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let mut cmd = common::command(args);
    cmd.env_remove("DPREFIX");
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run(&mut cmd)
}

fn prefix() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().canonicalize().unwrap();
    fs::create_dir_all(p.join("usr/lib")).unwrap();
    symlink("/usr/lib", p.join("lib")).unwrap();
    (dir, p.display().to_string())
}

#[test]
fn expand_prints_the_host_path_last() {
    let (_d, p) = prefix();
    let (code, out, err) = darling(&["vchroot", "expand", "--prefix", &p, "/lib/x"], &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, format!("{p}/usr/lib/x\n"));
    let (_, out, _) = darling(&["vchroot", "expand", "--prefix", &p, "/lib"], &[]);
    assert_eq!(out, format!("{p}/lib\n"));
    let (_, out, _) = darling(
        &["vchroot", "expand", "--follow", "--prefix", &p, "/lib"],
        &[],
    );
    assert_eq!(out, format!("{p}/usr/lib\n"));
    let (_, out, _) = darling(&["vchroot", "expand", "-v", "--prefix", &p, "/lib/x"], &[]);
    assert_eq!(
        out,
        format!(
            "darwin path: /usr/lib/x\nunder: the prefix\n\
             exists: no (its directory does; missing: x)\n{p}/usr/lib/x\n"
        )
    );
}

#[test]
fn the_door_and_its_switch() {
    let (_d, p) = prefix();
    let (_, out, _) = darling(
        &[
            "vchroot",
            "expand",
            "--prefix",
            &p,
            "/Volumes/SystemRoot/etc",
        ],
        &[],
    );
    assert_eq!(out, "/etc\n");
    let args = [
        "vchroot",
        "expand",
        "--no-system-root",
        "--prefix",
        &p,
        "/Volumes/SystemRoot/etc",
    ];
    let (code, _, err) = darling(&args, &[]);
    assert_ne!(code, 0);
    assert!(
        err.starts_with("darling: ENOENT (No such file or directory): "),
        "{err}"
    );
}

#[test]
fn unexpand() {
    let (_d, p) = prefix();
    let (code, out, _) = darling(
        &[
            "vchroot",
            "unexpand",
            "--prefix",
            &p,
            &format!("{p}/usr/lib"),
        ],
        &[],
    );
    assert_eq!((code, out.as_str()), (0, "/usr/lib\n"));
    let (_, out, _) = darling(&["vchroot", "unexpand", "--prefix", &p, "/etc"], &[]);
    assert_eq!(out, "/Volumes/SystemRoot/etc\n");
    let (code, _, err) = darling(&["vchroot", "unexpand", "--prefix", &p, "etc"], &[]);
    assert_ne!(code, 0);
    assert!(
        err.starts_with("darling: EINVAL (Invalid argument): "),
        "{err}"
    );
}

#[test]
fn errors_name_the_errno() {
    let (_d, p) = prefix();
    let (code, out, err) = darling(&["vchroot", "expand", "--prefix", &p, "/nope/x"], &[]);
    assert_ne!(code, 0);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "darling: ENOENT (No such file or directory): /nope: no such file or directory\n"
    );
    fs::write(format!("{p}/f"), b"").unwrap();
    let (_, _, err) = darling(&["vchroot", "expand", "--prefix", &p, "/f/x"], &[]);
    assert_eq!(
        err,
        "darling: ENOTDIR (Not a directory): /f: not a directory\n"
    );
    let (code, _, err) = darling(
        &["vchroot", "expand", "--prefix", "/nonexistent-prefix", "/"],
        &[],
    );
    assert_ne!(code, 0);
    assert!(
        err.starts_with("darling: prefix /nonexistent-prefix: ENOENT"),
        "{err}"
    );
}

#[test]
fn the_prefix_defaults_as_darlings() {
    let (d, p) = prefix();
    let (_, out, _) = darling(&["vchroot", "expand", "/usr"], &[("DPREFIX", d.path())]);
    assert_eq!(out, format!("{p}/usr\n"));
    let home = tempfile::tempdir().unwrap();
    fs::create_dir(home.path().join(".darling")).unwrap();
    let (code, out, _) = darling(&["vchroot", "expand", "/"], &[("HOME", home.path())]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "{}\n",
            home.path()
                .canonicalize()
                .unwrap()
                .join(".darling")
                .display()
        )
    );
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    let (_d, p) = prefix();
    let full = fs::File::options().write(true).open("/dev/full").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_darling"))
        .args(["vchroot", "expand", "--prefix", &p, "/usr"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the output"));
}
