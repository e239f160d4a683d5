//! A procfs mounted inside the prefix (darlingserver mounts one at `<prefix>/proc`): its magic
//! links are recognized because of the file system they are on, not because their host path
//! starts with `/proc` (Darling's test, which misses this mount). Needs a mount namespace, so
//! it runs as root, in a child process of this test binary under `unshare`.

mod common;

use std::fs;
use std::os::fd::{AsFd, AsRawFd};
use std::path::Path;
use std::process::Command;

use darling_vchroot::{Base, ExpandFlags, Options, Root};

#[test]
#[ignore = "needs root and util-linux's unshare and mount (a private mount namespace)"]
fn procfs_inside_the_prefix() {
    let t = common::Tree::new();
    t.dir("proc");
    let script = r#"mount --bind /proc "$1" && exec "$2" --exact procfs_inside_the_prefix_child --ignored --nocapture"#;
    let status = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(t.p("proc"))
        .arg(std::env::current_exe().unwrap())
        .env("VCHROOT_TEST_PREFIX", &t.prefix)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
#[ignore = "run by procfs_inside_the_prefix in a mount namespace"]
fn procfs_inside_the_prefix_child() {
    let prefix = std::env::var_os("VCHROOT_TEST_PREFIX").expect("VCHROOT_TEST_PREFIX");
    let prefix = Path::new(&prefix);
    assert!(
        prefix.join("proc/self").exists(),
        "procfs is mounted in the prefix"
    );
    // The door shut: nothing may lead outside, and /proc is the prefix's own.
    let vc = Options::new().system_root(false).open(prefix).unwrap();
    let (r, _w) = std::io::pipe().unwrap();
    let path = format!("/proc/self/fd/{}", r.as_raw_fd());
    let found = vc.expand(&path, ExpandFlags::FOLLOW, Base::Cwd).unwrap();
    assert_eq!(found.root(), Root::Prefix);
    assert_eq!(
        found.host_path(),
        prefix.join(format!("proc/{}/fd/{}", std::process::id(), r.as_raw_fd()))
    );
    let a = rustix::fs::fstat(found.fd()).unwrap();
    let b = rustix::fs::fstat(r.as_fd()).unwrap();
    assert_eq!(
        (a.st_dev, a.st_ino),
        (b.st_dev, b.st_ino),
        "the descriptor is the pipe"
    );
    // Magic links that name paths are paths: re-rooted in the prefix, never followed by the
    // kernel. /proc/self/root is the host's `/`, /proc/self/cwd the crate's directory.
    let root = vc
        .expand("/proc/self/root", ExpandFlags::FOLLOW, Base::Cwd)
        .unwrap();
    assert_eq!(root.host_path(), prefix);
    let cwd = vc.expand("/proc/self/cwd/x", ExpandFlags::empty(), Base::Cwd);
    assert!(cwd.is_err_and(|e| e.errno() == common::ENOENT));
    // A descriptor of a directory: its magic link names a path, which is re-rooted in the
    // prefix (where that host path does not exist), not followed to the directory.
    let dir = fs::File::open(prefix).unwrap();
    let through = format!("/proc/self/fd/{}/proc", dir.as_raw_fd());
    let e = vc
        .expand(&through, ExpandFlags::empty(), Base::Cwd)
        .unwrap_err();
    assert_eq!(e.errno(), common::ENOENT);
}
