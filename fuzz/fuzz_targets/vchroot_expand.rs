//! Expands arbitrary path bytes, under arbitrary options, against a fixed tree full of
//! symlinks that try to leave the prefix, and checks what an answer promises: its
//! descriptor (read back through `/proc/self/fd`) and its host path are inside the prefix
//! unless the answer is on the host (which needs the door open), and the host path
//! unexpands to the answer's Darwin path.
#![no_main]

use std::fs;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use darling_vchroot::abi::VchrootExpandArgs;
use darling_vchroot::{Base, ExpandFlags, Options, Root, Vchroot};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    prefix: PathBuf,
    base: fs::File,
    /// Every combination of door, case-insensitive fallback and memo.
    roots: Vec<(bool, Vchroot)>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vchroot-fuzz-{}", std::process::id()));
        let prefix = dir.join("prefix");
        let _ = fs::remove_dir_all(&dir);
        for d in [
            "a/b/c/d",
            "Volumes/SystemRoot",
            "MixedCase/Sub",
            "proc/self",
            "usr/lib",
        ] {
            fs::create_dir_all(prefix.join(d)).unwrap();
        }
        fs::create_dir_all(dir.join("secret")).unwrap();
        fs::write(prefix.join("a/file"), b"x").unwrap();
        let links: &[(&str, &str)] = &[
            ("up", "../../../../.."),
            ("abs", "/usr/lib"),
            ("root", "/"),
            ("secret", "../secret"),
            ("hostsecret", "/Volumes/SystemRoot/tmp"),
            ("proc_root", "/proc/self/root"),
            ("a/b/loop", "loop"),
            ("a/b/ping", "pong"),
            ("a/b/pong", "ping"),
            ("a/b/c/climb", "../../../../../../secret"),
            ("MixedCase/ELink", "/etc"),
            ("a/dev", "/Volumes/SystemRoot/dev"),
            ("a/file_link", "file"),
        ];
        for (at, target) in links {
            symlink(target, prefix.join(at)).unwrap();
        }
        let prefix = prefix.canonicalize().unwrap();
        let base = fs::File::open(prefix.join("a/b")).unwrap();
        let mut roots = Vec::new();
        for bits in 0..8u8 {
            let door = bits & 1 != 0;
            let o = Options::new()
                .system_root(door)
                .case_insensitive(bits & 2 != 0)
                .link_memo(bits & 4 != 0);
            roots.push((door, o.open(&prefix).unwrap()));
        }
        Fixture {
            prefix,
            base,
            roots,
        }
    })
}

fn inside(prefix: &Path, p: &Path) -> bool {
    p.starts_with(prefix)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, path)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let (door, vc) = &f.roots[usize::from(ctl & 7)];
    let flags = if ctl & 8 != 0 {
        ExpandFlags::FOLLOW
    } else {
        ExpandFlags::empty()
    };
    let base = if ctl & 16 != 0 {
        Base::Dir(f.base.as_fd())
    } else {
        Base::Cwd
    };
    let path = std::ffi::OsStr::from_bytes(path);
    let result = vc.expand(path, flags, base);
    if let Ok(found) = &result {
        let at = fs::read_link(format!("/proc/self/fd/{}", found.fd().as_raw_fd())).unwrap();
        match found.root() {
            Root::Prefix => {
                assert!(inside(&f.prefix, &at), "{path:?} -> {}", at.display());
                assert!(inside(&f.prefix, found.host_path()));
                assert_eq!(vc.unexpand(found.host_path()).unwrap(), found.darwin_path());
            }
            Root::Host => assert!(*door, "{path:?} reached the host with the door shut"),
        }
    }
    // The ABI entry point says the same.
    let bytes = path.as_bytes();
    if !bytes.contains(&0) && bytes.len() < 4096 {
        let dfd = if ctl & 16 != 0 {
            f.base.as_raw_fd()
        } else {
            -100
        };
        let mut args = VchrootExpandArgs::new(bytes, flags.bits(), dfd);
        let rc = vc.expand_args(&mut args);
        match &result {
            Ok(found) => {
                assert_eq!(rc, 0);
                assert_eq!(args.path(), found.host_path().as_os_str().as_bytes());
            }
            Err(e) => assert_eq!(rc, -e.errno()),
        }
    }
});
