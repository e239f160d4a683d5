//! Each rule of `Vchroot::expand`, `unexpand` and `fdpath` on a real tree in a temporary
//! directory.

mod common;

use std::fs;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use common::*;
use darling_vchroot::abi::VchrootExpandArgs;
use darling_vchroot::{Base, Error, ExpandFlags, Options, Root, Vchroot};

fn in_dir(vc: &Vchroot, dir: &fs::File, path: &str) -> Result<PathBuf, Error> {
    let found = vc.expand(path, ExpandFlags::empty(), Base::Dir(dir.as_fd()))?;
    check_fd(&found);
    Ok(found.into_host_path())
}

#[test]
fn absolute_paths_start_at_the_prefix() {
    let t = Tree::new();
    t.dir("usr/lib").file("usr/lib/libc.dylib");
    let vc = t.open();
    assert_eq!(
        host(&vc, "/usr/lib/libc.dylib").unwrap(),
        t.p("usr/lib/libc.dylib")
    );
    assert_eq!(host(&vc, "//usr///lib/./").unwrap(), t.p("usr/lib"));
    assert_eq!(vc.prefix(), t.prefix);
}

#[test]
fn relative_paths_start_at_their_base() {
    let t = Tree::new();
    t.dir("home/u/docs").file("home/u/docs/a.txt");
    let vc = t.open();
    let docs = fs::File::open(t.p("home/u/docs")).unwrap();
    assert_eq!(
        in_dir(&vc, &docs, "a.txt").unwrap(),
        t.p("home/u/docs/a.txt")
    );
    assert_eq!(in_dir(&vc, &docs, ".").unwrap(), t.p("home/u/docs"));
    assert_eq!(in_dir(&vc, &docs, "../..").unwrap(), t.p("home"));
    // `..` from a base in the prefix stops at the prefix's root.
    assert_eq!(in_dir(&vc, &docs, "../../../../../..").unwrap(), t.p(""));
    // An absolute path ignores the base.
    assert_eq!(in_dir(&vc, &docs, "/home").unwrap(), t.p("home"));
}

#[test]
fn the_working_directory_under_both_at_fdcwd_values() {
    let t = Tree::new();
    let vc = t.open();
    // The test runs in the crate's directory, on the host.
    let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
    let found = vc
        .expand("Cargo.toml", ExpandFlags::empty(), Base::Cwd)
        .unwrap();
    assert_eq!(found.host_path(), cwd.join("Cargo.toml"));
    assert_eq!(found.root(), Root::Host);
    assert_eq!(
        found.darwin_path(),
        PathBuf::from(format!("/Volumes/SystemRoot{}/Cargo.toml", cwd.display()))
    );
    for dfd in [-100, -2] {
        let mut args = VchrootExpandArgs::new(b"Cargo.toml", 0, dfd);
        assert_eq!(vc.expand_args(&mut args), 0);
        assert_eq!(
            args.path(),
            cwd.join("Cargo.toml").as_os_str().as_encoded_bytes()
        );
    }
}

#[test]
fn follow_flag_trailing_slash_and_intermediate_links() {
    let t = Tree::new();
    t.dir("real/sub")
        .file("real/file")
        .link("l", "real")
        .link("lf", "real/file");
    let vc = t.open();
    assert_eq!(host(&vc, "/l").unwrap(), t.p("l"));
    assert_eq!(host_follow(&vc, "/l").unwrap(), t.p("real"));
    assert_eq!(host(&vc, "/l/").unwrap(), t.p("real"));
    assert_eq!(host(&vc, "/l/.").unwrap(), t.p("real"));
    assert_eq!(host(&vc, "/l/sub").unwrap(), t.p("real/sub"));
    assert_eq!(host_follow(&vc, "/lf").unwrap(), t.p("real/file"));
    // A trailing slash on a link to a file: not a directory.
    assert_eq!(errno(host(&vc, "/lf/")), ENOTDIR);
    // The descriptor of an unfollowed link is the link.
    let found = vc.expand("/l", ExpandFlags::empty(), Base::Cwd).unwrap();
    let st = rustix::fs::fstat(found.fd()).unwrap();
    assert_eq!(
        rustix::fs::FileType::from_raw_mode(st.st_mode),
        rustix::fs::FileType::Symlink
    );
}

#[test]
fn link_targets() {
    let t = Tree::new();
    t.dir("a/b/c")
        .dir("usr/lib")
        .link("a/b/rel", "c")
        .link("a/b/up", "../b/c")
        .link("a/b/abs", "/usr/lib")
        .link("a/b/dots", "./../../usr/./lib/");
    let vc = t.open();
    assert_eq!(host_follow(&vc, "/a/b/rel").unwrap(), t.p("a/b/c"));
    assert_eq!(host_follow(&vc, "/a/b/up").unwrap(), t.p("a/b/c"));
    assert_eq!(host_follow(&vc, "/a/b/abs").unwrap(), t.p("usr/lib"));
    assert_eq!(host_follow(&vc, "/a/b/dots").unwrap(), t.p("usr/lib"));
    // Links to links.
    t.link("chain", "/a/b/abs");
    assert_eq!(host_follow(&t.open(), "/chain").unwrap(), t.p("usr/lib"));
}

#[test]
fn absolute_links_on_the_host_lead_back_into_the_prefix() {
    let t = Tree::new();
    t.dir("usr/lib");
    symlink("/usr/lib", t.outside.join("tolib")).unwrap();
    symlink("/proc/self", t.outside.join("toproc")).unwrap();
    symlink("//./proc/self", t.outside.join("toproc2")).unwrap();
    let vc = t.open();
    let host_link = format!("/Volumes/SystemRoot{}", t.outside.display());
    // Darling's rule: an absolute target is a Darwin path, wherever the link is.
    assert_eq!(
        host_follow(&vc, &format!("{host_link}/tolib")).unwrap(),
        t.p("usr/lib")
    );
    // Except under /proc, which stays under the current root (here the host's).
    assert_eq!(
        host_follow(&vc, &format!("{host_link}/toproc")).unwrap(),
        PathBuf::from(format!("/proc/{}", std::process::id()))
    );
    // Its first component decides: `//./proc` is `/proc` too.
    assert_eq!(
        host_follow(&vc, &format!("{host_link}/toproc2")).unwrap(),
        PathBuf::from(format!("/proc/{}", std::process::id()))
    );
}

#[test]
fn proc_targets_stay_under_the_current_root() {
    let t = Tree::new();
    t.dir("proc/self");
    t.link("p", "/proc/self");
    let vc = t.open();
    // In the prefix, `/proc` is the prefix's own (darlingserver mounts one there).
    assert_eq!(host_follow(&vc, "/p").unwrap(), t.p("proc/self"));
    // `/procfoo` is no `/proc`: Darling's bare prefix test would take it for one.
    t.dir("procfoo");
    t.link("q", "/procfoo");
    assert_eq!(host_follow(&t.open(), "/q").unwrap(), t.p("procfoo"));
}

#[test]
fn dotdot_is_clamped_and_leaves_the_host_for_volumes() {
    let t = Tree::new();
    t.dir("a");
    let vc = t.open();
    assert_eq!(host(&vc, "/a/../../../a").unwrap(), t.p("a"));
    assert_eq!(host(&vc, "/Volumes/SystemRoot/../..").unwrap(), t.p(""));
    assert_eq!(
        host(&vc, "/Volumes/SystemRoot/etc/../..").unwrap(),
        t.p("Volumes")
    );
    assert_eq!(
        host(&vc, "/Volumes/SystemRoot/../SystemRoot/etc").unwrap(),
        PathBuf::from("/etc")
    );
}

#[test]
fn the_door() {
    let t = Tree::new();
    t.file("Volumes/SystemRoot/hidden");
    let vc = t.open();
    // Like a mount point, the door covers what the prefix has there.
    let hidden = vc
        .expand(
            "/Volumes/SystemRoot/hidden",
            ExpandFlags::empty(),
            Base::Cwd,
        )
        .unwrap();
    assert_eq!(
        (hidden.root(), hidden.host_path()),
        (Root::Host, Path::new("/hidden"))
    );
    assert_eq!(errno(host(&vc, "/Volumes/SystemRoot/hidden/x")), ENOENT);
    assert_eq!(
        host(&vc, "/Volumes/./SystemRoot/etc").unwrap(),
        PathBuf::from("/etc")
    );
    assert_eq!(
        host(&vc, "/VOLUMES/systemROOT/etc").unwrap(),
        PathBuf::from("/etc")
    );
    // Closed, it is an ordinary directory and nothing leads outside.
    let closed = t.open_with(Options::new().system_root(false));
    assert_eq!(
        host(&closed, "/Volumes/SystemRoot/hidden").unwrap(),
        t.p("Volumes/SystemRoot/hidden")
    );
    t.link("escape", "/Volumes/SystemRoot/etc");
    assert_eq!(
        host_follow(&closed, "/escape").unwrap(),
        t.p("Volumes/SystemRoot/etc")
    );
    let tmp = fs::File::open("/tmp").unwrap();
    assert!(matches!(
        closed.expand("x", ExpandFlags::empty(), Base::Dir(tmp.as_fd())),
        Err(Error::OutsidePrefix { .. })
    ));
    assert!(matches!(
        closed.unexpand("/etc"),
        Err(Error::OutsidePrefix { .. })
    ));
}

#[test]
fn the_door_covers_a_symlinked_volumes() {
    let t = Tree::new();
    fs::remove_dir_all(t.p("Volumes")).unwrap();
    t.dir("elsewhere/SystemRoot").link("Volumes", "/elsewhere");
    let vc = t.open();
    assert_eq!(
        host(&vc, "/Volumes/SystemRoot/etc").unwrap(),
        PathBuf::from("/etc")
    );
    // Any other name under it follows the symlink.
    assert_eq!(host(&vc, "/Volumes/x").unwrap(), t.p("elsewhere/x"));
}

#[test]
fn the_door_needs_no_volumes_directory() {
    let t = Tree::new();
    fs::remove_dir_all(t.p("Volumes")).unwrap();
    let vc = t.open();
    assert_eq!(
        host(&vc, "/Volumes/SystemRoot/etc").unwrap(),
        PathBuf::from("/etc")
    );
    // `..` from the host's root leads to the prefix's `/Volumes`, missing here.
    let up = vc
        .expand("/Volumes/SystemRoot/..", ExpandFlags::empty(), Base::Cwd)
        .unwrap();
    assert_eq!(up.host_path(), t.p("Volumes"));
    assert!(!up.exists());
}

#[test]
fn case_insensitive_fallback() {
    let t = Tree::new();
    t.dir("Library/Frameworks")
        .file("Library/Frameworks/AppKit");
    let vc = t.open();
    assert_eq!(
        host(&vc, "/library/FRAMEWORKS/appkit").unwrap(),
        t.p("Library/Frameworks/AppKit")
    );
    // Only ASCII letters fold.
    t.file("Ä");
    assert_eq!(errno(host(&vc, "/ä/x")), ENOENT);
    // Several spellings: the smallest in byte order, whatever the directory order.
    t.dir("CaSe").dir("case2").dir("cASE");
    assert_eq!(host(&vc, "/CASE").unwrap(), t.p("CaSe"));
    // Off: the missing name is just missing.
    let exact = t.open_with(Options::new().case_insensitive(false));
    let missing = exact
        .expand("/library", ExpandFlags::empty(), Base::Cwd)
        .unwrap();
    assert!(!missing.exists());
    assert_eq!(errno(host(&exact, "/library/Frameworks")), ENOENT);
}

#[test]
fn a_missing_last_component_is_kept() {
    let t = Tree::new();
    t.dir("d");
    let vc = t.open();
    for (path, flags) in [
        ("/d/new", ExpandFlags::empty()),
        ("/d/new/", ExpandFlags::FOLLOW),
    ] {
        let found = vc.expand(path, flags, Base::Cwd).unwrap();
        assert!(!found.exists());
        assert_eq!(found.missing_name(), Some("new".as_ref()));
        assert_eq!(found.host_path(), t.p("d/new"));
        assert_eq!(found.darwin_path(), Path::new("/d/new"));
        check_fd(&found);
        // It can be made where the descriptor is.
        rustix::fs::mkdirat(found.fd(), "new", rustix::fs::Mode::RWXU).unwrap();
        fs::remove_dir(t.p("d/new")).unwrap();
        assert!(found.reopen(fs::OpenOptions::new().read(true)).is_err());
    }
    // A link to a missing target: the target's parent and name.
    t.link("dangling", "d/gone");
    let found = vc
        .expand("/dangling", ExpandFlags::FOLLOW, Base::Cwd)
        .unwrap();
    assert_eq!(found.host_path(), t.p("d/gone"));
    assert!(!found.exists());
    // Missing in the middle: ENOENT.
    assert_eq!(errno(host(&vc, "/d/gone/x")), ENOENT);
    assert_eq!(errno(host(&vc, "/nope/..")), ENOENT);
}

#[test]
fn not_a_directory() {
    let t = Tree::new();
    t.file("f");
    let vc = t.open();
    for p in ["/f/x", "/f/", "/f/.", "/f/..", "/f/../f"] {
        assert_eq!(errno(host(&vc, p)), ENOTDIR, "{p}");
    }
    // A relative path whose base is a file, or a pipe.
    let file = fs::File::open(t.p("f")).unwrap();
    assert_eq!(in_dir(&vc, &file, "x").unwrap_err().errno(), ENOTDIR);
    let (r, _w) = std::io::pipe().unwrap();
    let found = vc.expand("x", ExpandFlags::empty(), Base::Dir(r.as_fd()));
    assert_eq!(found.unwrap_err().errno(), ENOTDIR);
}

#[test]
fn name_too_long() {
    let t = Tree::new();
    let vc = t.open();
    // The path: 1023 bytes pass Darwin's MAXPATHLEN, 1024 do not.
    let ok = format!("/{}", "a/".repeat(511));
    assert_eq!(ok.len(), 1023);
    assert_eq!(errno(host(&vc, &ok)), ENOENT);
    assert_eq!(errno(host(&vc, &format!("{ok}b"))), ENAMETOOLONG);
    // A component: 255 bytes pass.
    let name = "n".repeat(255);
    t.dir(&name);
    assert_eq!(host(&vc, &format!("/{name}")).unwrap(), t.p(&name));
    assert_eq!(errno(host(&vc, &format!("/{name}n"))), ENAMETOOLONG);
    // A link whose target and the rest of the path are too long together (XNU's check).
    let target = format!("/{}", "x/".repeat(300));
    t.link("big", &target);
    let rest = "/y".repeat(250);
    assert_eq!(errno(host(&vc, &format!("/big{rest}"))), ENAMETOOLONG);
    // Limits are options.
    let linux = t.open_with(Options::new().max_path_len(4096));
    assert_eq!(errno(host(&linux, &format!("/big{rest}"))), ENOENT);
}

#[test]
fn host_paths_longer_than_path_max() {
    let t = Tree::new();
    // Base directories deep in the prefix, made one step at a time (no path to them fits a
    // system call).
    let name = "d".repeat(200);
    let mut dirs = Vec::new();
    let flags = rustix::fs::OFlags::DIRECTORY;
    let mut dir = rustix::fs::open(&t.prefix, flags, rustix::fs::Mode::empty()).unwrap();
    for _ in 0..21 {
        rustix::fs::mkdirat(&dir, name.as_str(), rustix::fs::Mode::RWXU).unwrap();
        dir = rustix::fs::openat(&dir, name.as_str(), flags, rustix::fs::Mode::empty()).unwrap();
        dirs.push(rustix::io::fcntl_dupfd_cloexec(&dir, 0).unwrap());
    }
    let vc = t.open();
    // 20 levels: the base's path fits, the answer does not.
    let base = &dirs[19];
    let e = vc
        .expand(
            "x".repeat(255),
            ExpandFlags::empty(),
            Base::Dir(base.as_fd()),
        )
        .unwrap_err();
    assert!(
        matches!(e, Error::HostPathTooLong { len } if len > 4096),
        "{e:?}"
    );
    assert_eq!(e.errno(), ENAMETOOLONG);
    assert!(
        vc.expand("x", ExpandFlags::empty(), Base::Dir(base.as_fd()))
            .is_ok()
    );
    // 21 levels: not even the kernel can say where the base is.
    let e = vc
        .expand("x", ExpandFlags::empty(), Base::Dir(dirs[20].as_fd()))
        .unwrap_err();
    assert_eq!(e.errno(), ENAMETOOLONG, "{e:?}");
    drop(dirs);
    // Too deep for remove_dir_all's paths: take it down from the inside.
    let mut chain = vec![rustix::fs::open(&t.prefix, flags, rustix::fs::Mode::empty()).unwrap()];
    for _ in 0..20 {
        let next = rustix::fs::openat(
            chain.last().unwrap(),
            name.as_str(),
            flags,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        chain.push(next);
    }
    while let Some(d) = chain.pop() {
        if let Some(parent) = chain.last() {
            drop(d);
            let _ = rustix::fs::unlinkat(parent, name.as_str(), rustix::fs::AtFlags::REMOVEDIR);
        }
    }
    let _ = rustix::fs::unlinkat(&dir, ".", rustix::fs::AtFlags::REMOVEDIR);
}

#[test]
fn symlink_loops_and_budget() {
    let t = Tree::new();
    t.link("self", "self").link("a", "b").link("b", "a/x");
    let vc = t.open();
    assert_eq!(errno(host_follow(&vc, "/self")), ELOOP);
    assert_eq!(errno(host(&vc, "/self/x")), ELOOP);
    assert_eq!(errno(host(&vc, "/a/y")), ELOOP);
    // Not followed, a looping link is a fine answer.
    assert_eq!(host(&vc, "/self").unwrap(), t.p("self"));
    // The budget is an option.
    for i in 0..3 {
        t.link(&format!("n{i}"), &format!("n{}", i + 1));
    }
    t.dir("n3");
    let two = t.open_with(Options::new().max_symlinks(2));
    assert_eq!(errno(host_follow(&two, "/n0")), ELOOP);
    assert_eq!(host_follow(&two, "/n1").unwrap(), t.p("n3"));
    match host_follow(&two, "/n0") {
        Err(Error::TooManySymlinks { limit: 2, path }) => assert_eq!(path, Path::new("/n2")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_input() {
    let t = Tree::new();
    let vc = t.open();
    assert_eq!(errno(host(&vc, "")), ENOENT);
    assert!(matches!(host(&vc, "/a\0b"), Err(Error::Nul { at: 2 })));
    assert_eq!(errno(host(&vc, "/a\0b")), EINVAL);
    let mut args = VchrootExpandArgs::new(b"x", 0, 12345);
    assert_eq!(vc.expand_args(&mut args), -EBADF);
    let mut args = VchrootExpandArgs::new(b"x", 0, -7);
    assert_eq!(vc.expand_args(&mut args), -EBADF);
    let mut args = VchrootExpandArgs::new(b"/x", 2, -100);
    assert_eq!(vc.expand_args(&mut args), -EINVAL);
    assert!(matches!(
        vc.unexpand("relative"),
        Err(Error::NotAbsolute { .. })
    ));
}

#[test]
fn removed_base_directory() {
    let t = Tree::new();
    t.dir("tmp/gone");
    let vc = t.open();
    let gone = fs::File::open(t.p("tmp/gone")).unwrap();
    fs::remove_dir(t.p("tmp/gone")).unwrap();
    assert_eq!(in_dir(&vc, &gone, "x").unwrap_err().errno(), ENOENT);
}

#[test]
fn expanded_opens_without_a_second_lookup() {
    let t = Tree::new();
    t.dir("etc");
    fs::write(t.p("etc/hosts"), b"127.0.0.1 localhost\n").unwrap();
    let vc = t.open();
    let found = vc
        .expand("/etc/hosts", ExpandFlags::FOLLOW, Base::Cwd)
        .unwrap();
    // Renaming the file afterwards does not matter: the descriptor is what was found.
    fs::rename(t.p("etc/hosts"), t.p("etc/moved")).unwrap();
    let mut text = String::new();
    found
        .reopen(fs::OpenOptions::new().read(true))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "127.0.0.1 localhost\n");
    assert_eq!(vc.fdpath(found.fd()).unwrap(), Path::new("/etc/moved"));
    let (host, fd) = found.into_parts();
    assert_eq!(host, t.p("etc/hosts"));
    assert!(fd.as_raw_fd() >= 0);
}

#[test]
fn unexpand_normalizes_slashes() {
    let t = Tree::new();
    let vc = t.open();
    let p = t.prefix.display();
    assert_eq!(
        vc.unexpand(format!("{p}//usr/./lib/")).unwrap(),
        Path::new("/usr/lib")
    );
    assert_eq!(vc.unexpand(format!("{p}/")).unwrap(), Path::new("/"));
    assert_eq!(
        vc.unexpand("//etc/").unwrap(),
        Path::new("/Volumes/SystemRoot/etc")
    );
    assert_eq!(
        vc.unexpand(format!("{p}/a/../b")).unwrap(),
        Path::new("/a/../b")
    );
}

#[test]
fn memo_follows_changes() {
    let t = Tree::new();
    t.dir("x/one")
        .dir("x/two")
        .dir("x/three")
        .link("l", "x/one");
    let vc = t.open();
    let walk = t.open_with(Options::new().link_memo(false));
    let both = |p: &str, f: ExpandFlags| {
        let a = expand(&vc, p, f).map_err(|e| e.errno());
        let b = expand(&walk, p, f).map_err(|e| e.errno());
        assert_eq!(a, b, "{p}");
        a
    };
    for _ in 0..3 {
        assert_eq!(both("/l/", ExpandFlags::empty()), Ok(t.p("x/one")));
    }
    // Retarget the link.
    fs::remove_file(t.p("l")).unwrap();
    symlink("x/two", t.p("l")).unwrap();
    assert_eq!(both("/l/", ExpandFlags::empty()), Ok(t.p("x/two")));
    // Make it a directory.
    fs::remove_file(t.p("l")).unwrap();
    fs::create_dir(t.p("l")).unwrap();
    assert_eq!(both("/l/", ExpandFlags::empty()), Ok(t.p("l")));
    // A directory on the way becomes a link.
    t.dir("x/one/deep");
    assert_eq!(
        both("/x/one/deep", ExpandFlags::empty()),
        Ok(t.p("x/one/deep"))
    );
    fs::rename(t.p("x/one"), t.p("x/was")).unwrap();
    symlink("three", t.p("x/one")).unwrap();
    t.dir("x/three/deep");
    assert_eq!(
        both("/x/one/deep", ExpandFlags::empty()),
        Ok(t.p("x/three/deep"))
    );
    // And `..` through it.
    assert_eq!(
        both("/x/one/deep/../..", ExpandFlags::empty()),
        Ok(t.p("x"))
    );
    fs::remove_file(t.p("x/one")).unwrap();
    fs::rename(t.p("x/was"), t.p("x/one")).unwrap();
    assert_eq!(
        both("/x/one/deep/../..", ExpandFlags::empty()),
        Ok(t.p("x"))
    );
    assert_eq!(
        both("/x/one/deep", ExpandFlags::empty()),
        Ok(t.p("x/one/deep"))
    );
}

/// Search permission: run as a user who has none on one directory. Root has every
/// permission, so as root the check runs in a child process (this test binary again) with
/// another uid.
#[test]
fn permission_denied() {
    let t = Tree::new();
    t.dir("locked").file("locked/f").dir("open");
    for (p, mode) in [
        (t.dir.path(), 0o755),
        (&t.prefix, 0o755),
        (&t.p("open"), 0o755),
        (&t.p("locked"), 0o700),
    ] {
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }
    // /proc/self belongs to the effective user.
    if fs::metadata("/proc/self").unwrap().uid() == 0 {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "permission_denied_as_another_user",
                "--ignored",
                "--test-threads=1",
            ])
            .env("VCHROOT_TEST_PREFIX", &t.prefix)
            .uid(65534)
            .gid(65534)
            .status()
            .unwrap();
        assert!(status.success());
    } else {
        check_permission_denied(&t.prefix);
    }
}

#[test]
#[ignore = "run by permission_denied as another user"]
fn permission_denied_as_another_user() {
    let prefix = std::env::var_os("VCHROOT_TEST_PREFIX").expect("VCHROOT_TEST_PREFIX");
    check_permission_denied(Path::new(&prefix));
}

fn check_permission_denied(prefix: &Path) {
    let vc = Vchroot::open(prefix).unwrap();
    let e = vc
        .expand("/locked/f", ExpandFlags::empty(), Base::Cwd)
        .unwrap_err();
    assert_eq!(e.errno(), EACCES, "{e:?}");
    assert!(matches!(e, Error::PermissionDenied { ref path } if path == Path::new("/locked/f")));
    assert!(vc.expand("/open", ExpandFlags::empty(), Base::Cwd).is_ok());
    // A readlink that fails on the way (another user's /proc links) is that failure, not
    // "not a directory".
    let me = fs::metadata("/proc/self").unwrap().uid();
    if fs::metadata("/proc/1").unwrap().uid() != me {
        let e = vc.expand(
            "/Volumes/SystemRoot/proc/1/cwd/x",
            ExpandFlags::empty(),
            Base::Cwd,
        );
        assert_eq!(e.unwrap_err().errno(), EACCES);
    }
}

#[test]
fn expand_in_a_thread_local_destructor() {
    struct Guard(Vchroot);
    impl Drop for Guard {
        fn drop(&mut self) {
            // The crate's own per-thread scratch may be gone by now.
            let found = self.0.expand("/Volumes/x", ExpandFlags::empty(), Base::Cwd);
            assert!(found.is_ok_and(|f| !f.exists()));
        }
    }
    thread_local! {
        static GUARD: std::cell::RefCell<Option<Guard>> = const { std::cell::RefCell::new(None) };
    }
    let t = Tree::new();
    let prefix = t.prefix.clone();
    std::thread::spawn(move || {
        let vc = Vchroot::open(&prefix).unwrap();
        vc.expand("/Volumes", ExpandFlags::empty(), Base::Cwd)
            .unwrap();
        GUARD.with(|g| *g.borrow_mut() = Some(Guard(vc)));
    })
    .join()
    .unwrap();
}
