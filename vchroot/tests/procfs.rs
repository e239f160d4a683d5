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

    magic_link_repointed_meanwhile(prefix);
    memo_does_not_replay_a_link_where_procfs_now_is(prefix);
}

/// A magic link's descriptor re-pointed between the read of its target (a pipe) and the
/// open (now a file outside the prefix): the file is not taken.
fn magic_link_repointed_meanwhile(prefix: &Path) {
    let vc = Options::new().system_root(false).open(prefix).unwrap();
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = fs::File::create(secret_dir.path().join("secret")).unwrap();
    let (pipe, _w) = std::io::pipe().unwrap();
    let mut slot = rustix::io::fcntl_dupfd_cloexec(&pipe, 100).unwrap();
    let path = format!("/proc/self/fd/{}", slot.as_raw_fd());
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (mut tries, mut files, mut outside) = (0, 0, Vec::new());
    std::thread::scope(|s| {
        let slot = &mut slot;
        let stop = &stop;
        let (secret, pipe) = (&secret, &pipe);
        s.spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                rustix::io::dup2(secret, slot).unwrap();
                rustix::io::dup2(pipe, slot).unwrap();
            }
        });
        let started = std::time::Instant::now();
        while started.elapsed().as_secs_f64() < 1.0 {
            tries += 1;
            if let Ok(found) = vc.expand(&path, ExpandFlags::FOLLOW, Base::Cwd) {
                let at =
                    fs::read_link(format!("/proc/self/fd/{}", found.fd().as_raw_fd())).unwrap();
                if at.is_absolute() {
                    files += 1;
                    if !at.starts_with(prefix) {
                        outside.push(at);
                    }
                }
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(
        outside.is_empty(),
        "{} of {tries} answers outside: {:?}",
        outside.len(),
        outside[0]
    );
    println!("repointed magic link: {tries} lookups, {files} answered a file, none outside");
}

/// A plain symlink whose target looks like a magic link's, learned before a procfs is
/// mounted over its directory: afterwards the memo must give what the walk gives.
fn memo_does_not_replay_a_link_where_procfs_now_is(prefix: &Path) {
    let (pipe, _w) = std::io::pipe().unwrap();
    let fd = pipe.as_raw_fd();
    let target = fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
    let q = prefix.join("q");
    fs::create_dir_all(&q).unwrap();
    std::os::unix::fs::symlink(&target, q.join(fd.to_string())).unwrap();
    let memo = darling_vchroot::Vchroot::open(prefix).unwrap();
    let path = format!("/q/{fd}");
    let before = memo.expand(&path, ExpandFlags::FOLLOW, Base::Cwd).unwrap();
    assert!(!before.exists());
    let fds = format!("/proc/{}/fd", std::process::id());
    let ok = Command::new("mount")
        .arg("--bind")
        .arg(&fds)
        .arg(&q)
        .status()
        .unwrap();
    assert!(ok.success());
    let walk = Options::new().link_memo(false).open(prefix).unwrap();
    let a = memo.expand(&path, ExpandFlags::FOLLOW, Base::Cwd).unwrap();
    let b = walk.expand(&path, ExpandFlags::FOLLOW, Base::Cwd).unwrap();
    assert_eq!((a.host_path(), a.exists()), (b.host_path(), b.exists()));
    assert!(a.exists(), "the magic link leads to the pipe");
    let _ = Command::new("umount").arg(&q).status();
}
