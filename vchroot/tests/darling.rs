//! Every row of the behaviour tables in Darling's vchroot reference (`vchroot.md` §5, §6, §8,
//! §9 in the repository's shared reference), on a real tree: what Darling returns, and what
//! this crate returns. Where they differ, the test says why Darling is wrong.

mod common;

use std::fs;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use common::*;
use darling_vchroot::{Base, ExpandFlags, Root};

/// The tree the reference's rows were measured on: `/usr/lib`, `abslink -> /usr/lib`,
/// `hostetc -> /Volumes/SystemRoot/etc`, `usr/lib/up3 -> ../../..`, `MixedCase/Sub`,
/// `MixedCase/ELink -> /etc`.
fn reference_tree() -> Tree {
    let t = Tree::new();
    t.dir("usr/lib/x/y")
        .dir("MixedCase/Sub")
        .dir("etc/rel")
        .link("abslink", "/usr/lib")
        .link("hostetc", "/Volumes/SystemRoot/etc")
        .link("usr/lib/up3", "../../..")
        .link("MixedCase/ELink", "/etc");
    t
}

#[test]
fn root() {
    let t = reference_tree();
    assert_eq!(host(&t.open(), "/").unwrap(), t.p(""));
}

#[test]
fn dotdot_at_the_root_stays_there() {
    let t = reference_tree();
    let vc = t.open();
    // Darling: -ENOENT, with P's parent left in the buffer. A chroot, and the kernel's
    // RESOLVE_IN_ROOT, stay at the root: so do we.
    for p in ["/..", "/../..", "/usr/../.."] {
        assert_eq!(host(&vc, p).unwrap(), t.p(""), "{p}");
    }
    assert_eq!(host(&vc, "/usr/..").unwrap(), t.p(""));
}

#[test]
fn system_root_door() {
    let t = reference_tree();
    let vc = t.open();
    assert_eq!(
        host(&vc, "/Volumes/SystemRoot").unwrap(),
        PathBuf::from("/")
    );
    assert_eq!(
        host(&vc, "/Volumes/SystemRoot/").unwrap(),
        PathBuf::from("/")
    );
    // Matched ignoring case, as Darling does.
    assert_eq!(
        host(&vc, "/volumes/systemroot/etc").unwrap(),
        PathBuf::from("/etc")
    );
    // Only the exact component (here it does not exist: its parent and name).
    let x = vc
        .expand("/Volumes/SystemRootX", ExpandFlags::empty(), Base::Cwd)
        .unwrap();
    assert_eq!(x.host_path(), t.p("Volumes/SystemRootX"));
    assert!(!x.exists());
    // `..` above the host's root re-enters the prefix.
    assert_eq!(host(&vc, "/Volumes/SystemRoot/..").unwrap(), t.p("Volumes"));
    // No canonicalisation: the prefix seen from the host has its host path.
    let via_host = format!("/Volumes/SystemRoot{}/etc", t.prefix.display());
    assert_eq!(host(&vc, &via_host).unwrap(), t.p("etc"));
}

#[test]
fn symlinks() {
    let t = reference_tree();
    let vc = t.open();
    assert_eq!(host(&vc, "/abslink").unwrap(), t.p("abslink"));
    assert_eq!(host_follow(&vc, "/abslink").unwrap(), t.p("usr/lib"));
    assert_eq!(host(&vc, "/abslink/x/y").unwrap(), t.p("usr/lib/x/y"));
    assert_eq!(host(&vc, "/abslink/").unwrap(), t.p("usr/lib"));
    // The reference gives `/etc` for `/hostetc`: that is the link followed (with
    // VCHROOT_FOLLOW, or a trailing `/`); without either the link itself is the answer.
    assert_eq!(host_follow(&vc, "/hostetc").unwrap(), PathBuf::from("/etc"));
    assert_eq!(host(&vc, "/hostetc/").unwrap(), PathBuf::from("/etc"));
    assert_eq!(host(&vc, "/hostetc").unwrap(), t.p("hostetc"));
}

#[test]
fn relative_link_climbing_out_is_clamped() {
    let t = reference_tree();
    let vc = t.open();
    // Darling: -ENOENT (its `..` refuses to pass the root). Clamped at the root like any
    // other `..`, the link leads to the prefix itself.
    assert_eq!(host_follow(&vc, "/usr/lib/up3").unwrap(), t.p(""));
    assert_eq!(host(&vc, "/usr/lib/up3/usr").unwrap(), t.p("usr"));
}

#[test]
fn symlink_budget_is_darwins() {
    let t = reference_tree();
    // A chain: c0 -> c1 -> ... -> cN -> usr.
    for i in 0..40 {
        t.link(&format!("c{i}"), &format!("c{}", i + 1));
    }
    t.link("c40", "usr");
    let vc = t.open();
    // Darling resolves a chain of 10 and refuses 11 (nesting depth 10). Darwin's namei
    // follows up to MAXSYMLINKS = 32 links in one lookup, and fails the 33rd.
    assert_eq!(host_follow(&vc, "/c30").unwrap(), t.p("usr"), "11 links");
    assert_eq!(host_follow(&vc, "/c9").unwrap(), t.p("usr"), "32 links");
    assert_eq!(errno(host_follow(&vc, "/c8")), ELOOP, "33 links");
    // A loop.
    t.link("loop1", "loop2").link("loop2", "loop1");
    assert_eq!(errno(host_follow(&t.open(), "/loop1")), ELOOP);
}

#[test]
fn sequential_links_count_too() {
    let t = reference_tree();
    // Darling counts nesting only, so any number of links one after another passes: here
    // 40 links, none nested in another. Darwin counts every link of the lookup.
    let mut path = String::new();
    for i in 0..40 {
        t.link(&format!("d{i}/s"), ".");
        path.push_str(&format!("/d{i}/s/.."));
    }
    let vc = t.open();
    assert_eq!(errno(host(&vc, &path)), ELOOP);
    let short: String = path
        .split("/..")
        .take(30)
        .map(|s| format!("{s}/.."))
        .collect();
    assert_eq!(host(&vc, &short).unwrap(), t.p(""));
}

#[test]
fn case_insensitive_fallback() {
    let t = reference_tree();
    let vc = t.open();
    assert_eq!(host(&vc, "/mixedcase/sub").unwrap(), t.p("MixedCase/Sub"));
    // Darling gives P/MixedCase/ELink/rel: the link found through the fallback is left
    // for the kernel, which follows `/etc` on the host, outside the prefix. Followed like
    // any other link, it stays inside.
    assert_eq!(host(&vc, "/MIXEDCASE/elink/rel").unwrap(), t.p("etc/rel"));
}

#[test]
fn missing_component_then_dotdot() {
    let t = reference_tree();
    let vc = t.open();
    // Darling: P/nonexist (`..` after a missing component is taken lexically). The kernel
    // says ENOENT for P/nonexist/x/.. , and so do we, before any system call is made with
    // it.
    assert_eq!(errno(host(&vc, "/nonexist/x/..")), ENOENT);
}

#[test]
fn relative_from_outside_the_prefix() {
    let t = reference_tree();
    let vc = t.open();
    // The reference's cwd is /opt; any host directory one level below `/` will do.
    let opt = fs::File::open("/tmp").unwrap();
    let found = vc
        .expand(
            "../../..",
            ExpandFlags::empty(),
            Base::Dir(std::os::fd::AsFd::as_fd(&opt)),
        )
        .unwrap();
    assert_eq!(found.host_path(), t.p(""));
}

#[test]
fn long_link_targets_are_read_whole() {
    let t = reference_tree();
    // Darling reads targets into 512 bytes and cuts them at 511. A 600-byte target.
    let deep: String = (0..70).map(|i| format!("dir{i:05}/")).collect();
    t.dir(&deep);
    let target = format!("/{deep}");
    assert!(target.len() > 600);
    t.link("longlink", &target);
    let vc = t.open();
    assert_eq!(host_follow(&vc, "/longlink").unwrap(), t.p(&deep));
}

#[test]
fn proc_magic_links() {
    let t = reference_tree();
    let vc = t.open();
    let (r, _w) = std::io::pipe().unwrap();
    let n = r.as_raw_fd();
    let path = format!("/Volumes/SystemRoot/proc/self/fd/{n}");
    // `/proc/self` is an ordinary symlink (to the process's number), followed like any
    // other; the reference's row shows `/proc/self/fd/0`, which its own algorithm does not
    // give. The magic link itself, `fd/N -> pipe:[...]`, keeps its own path.
    let link = PathBuf::from(format!("/proc/{}/fd/{n}", std::process::id()));
    assert_eq!(host(&vc, &path).unwrap(), link);
    // Followed: still the link's path (the pipe has no other), and the descriptor is the
    // pipe.
    let found = vc.expand(&path, ExpandFlags::FOLLOW, Base::Cwd).unwrap();
    assert_eq!(found.host_path(), link);
    let a = rustix::fs::fstat(found.fd()).unwrap();
    let b = rustix::fs::fstat(&r).unwrap();
    assert_eq!((a.st_dev, a.st_ino), (b.st_dev, b.st_ino));
}

#[test]
fn empty_path() {
    let t = reference_tree();
    assert_eq!(errno(host(&t.open(), "")), ENOENT);
}

#[test]
fn darwin_at_fdcwd() {
    let t = reference_tree();
    let vc = t.open();
    // Darling: -ENOENT (it reads /proc/self/fd/-2). Darwin's AT_FDCWD means the working
    // directory, as Linux's -100 does.
    let mut a = darling_vchroot::abi::VchrootExpandArgs::new(b"x", 0, -2);
    let mut b = darling_vchroot::abi::VchrootExpandArgs::new(b"x", 0, -100);
    assert_eq!(vc.expand_args(&mut a), vc.expand_args(&mut b));
    assert_eq!(a.path(), b.path());
}

#[test]
fn unexpand() {
    let t = reference_tree();
    let vc = t.open();
    assert_eq!(
        vc.unexpand(t.p("usr/lib")).unwrap(),
        PathBuf::from("/usr/lib")
    );
    assert_eq!(vc.unexpand(t.p("")).unwrap(), PathBuf::from("/"));
    assert_eq!(
        vc.unexpand("/etc").unwrap(),
        PathBuf::from("/Volumes/SystemRoot/etc")
    );
    assert_eq!(
        vc.unexpand("/").unwrap(),
        PathBuf::from("/Volumes/SystemRoot")
    );
    // Darling compares raw bytes: with prefix P, `P2/x` becomes `2/x`.
    let sibling = PathBuf::from(format!("{}2/x", t.prefix.display()));
    assert_eq!(
        vc.unexpand(&sibling).unwrap(),
        PathBuf::from(format!("/Volumes/SystemRoot{}", sibling.display()))
    );
    // Darling never initialises the prefix in unexpand, so every path gets
    // /Volumes/SystemRoot until something expanded first; here the prefix is known from
    // the start.
}

#[test]
fn fdpath() {
    let t = reference_tree();
    let vc = t.open();
    let dir = fs::File::open(t.p("usr/lib")).unwrap();
    assert_eq!(vc.fdpath(&dir).unwrap(), PathBuf::from("/usr/lib"));
    let etc = fs::File::open("/etc").unwrap();
    assert_eq!(
        vc.fdpath(&etc).unwrap(),
        PathBuf::from("/Volumes/SystemRoot/etc")
    );
    // Darling: `/Volumes/SystemRootpipe:[N]`. F_GETPATH on a pipe is EBADF on Darwin.
    let (r, _w) = std::io::pipe().unwrap();
    assert_eq!(vc.fdpath(&r).unwrap_err().errno(), EBADF);
    // Darling passes " (deleted)" through; a removed file keeps the name it had.
    t.file("gone");
    let gone = fs::File::open(t.p("gone")).unwrap();
    fs::remove_file(t.p("gone")).unwrap();
    assert_eq!(vc.fdpath(&gone).unwrap(), PathBuf::from("/gone"));
    // Darling's maxlen checks underflow with 0; here a short buffer is ENAMETOOLONG.
    let mut buf = [0u8; 4];
    assert_eq!(vc.fdpath_into(dir.as_raw_fd(), &mut buf), -ENAMETOOLONG);
    let mut buf = [0u8; 0];
    assert_eq!(vc.fdpath_into(dir.as_raw_fd(), &mut buf), -ENAMETOOLONG);
    let mut buf = [0u8; 9];
    assert_eq!(vc.fdpath_into(dir.as_raw_fd(), &mut buf), 0);
    assert_eq!(&buf, b"/usr/lib\0");
}

#[test]
fn name_too_long_not_enoent() {
    let t = reference_tree();
    let vc = t.open();
    // Darling overflows its 4096-byte buffer into ENOENT and has no Darwin MAXPATHLEN.
    // Darwin refuses a path of 1024 bytes or more, and a component over 255, with
    // ENAMETOOLONG.
    let long = "/a".repeat(512);
    assert_eq!(long.len(), 1024);
    assert_eq!(errno(host(&vc, &long)), ENAMETOOLONG);
    assert!(host(&vc, &long[..1022]).is_err_and(|e| e.errno() == ENOENT));
    let name = format!("/{}", "n".repeat(256));
    assert_eq!(errno(host(&vc, &name)), ENAMETOOLONG);
}

#[test]
fn prefix_boundary_in_relative_bases() {
    // Darling's "inside the prefix?" test for a relative path's base is a raw prefix
    // comparison: a sibling `<prefix>2` counts as inside. Here it is the host.
    let t = reference_tree();
    let sibling = PathBuf::from(format!("{}2", t.prefix.display()));
    fs::create_dir_all(sibling.join("d")).unwrap();
    let vc = t.open();
    let base = fs::File::open(&sibling).unwrap();
    let found = vc
        .expand(
            "d",
            ExpandFlags::empty(),
            Base::Dir(std::os::fd::AsFd::as_fd(&base)),
        )
        .unwrap();
    assert_eq!(found.root(), Root::Host);
    assert_eq!(found.host_path(), sibling.join("d"));
    fs::remove_dir_all(&sibling).unwrap();
}
