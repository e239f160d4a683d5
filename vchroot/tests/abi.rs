//! Darling's argument blocks, as a runtime holding raw memory would use them.

mod common;

use common::*;
use darling_vchroot::abi::{VchrootExpandArgs, VchrootUnexpandArgs};
use darling_vchroot::consts::VCHROOT_FOLLOW;
use zerocopy::{FromBytes, IntoBytes};

#[test]
fn expand_in_place_over_raw_bytes() {
    let t = Tree::new();
    t.dir("usr/lib").link("lib", "usr/lib");
    let vc = t.open();
    // 4104 bytes as a runtime finds them in the calling program's memory.
    let mut block = vec![0u8; 4104];
    block[..4].copy_from_slice(b"/lib");
    block[4096..4100].copy_from_slice(&VCHROOT_FOLLOW.to_ne_bytes());
    block[4100..].copy_from_slice(&(-100i32).to_ne_bytes());
    let args = VchrootExpandArgs::mut_from_bytes(&mut block).unwrap();
    assert_eq!(vc.expand_args(args), 0);
    let want = t.p("usr/lib");
    let want = want.as_os_str().as_encoded_bytes();
    assert_eq!(&block[..want.len()], want);
    assert_eq!(block[want.len()], 0);
}

#[test]
fn errors_leave_the_path_alone() {
    let t = Tree::new();
    let vc = t.open();
    let mut args = VchrootExpandArgs::new(b"/missing/x", 0, -100);
    assert_eq!(vc.expand_args(&mut args), -ENOENT);
    assert_eq!(args.path(), b"/missing/x");
    // A block with no NUL in its path.
    let mut args = VchrootExpandArgs::new(b"", 0, -100);
    args.path.fill(b'a');
    assert_eq!(vc.expand_args(&mut args), -ENAMETOOLONG);
    assert_eq!(args.as_bytes()[..4096], [b'a'; 4096]);
}

#[test]
fn unexpand_in_place() {
    let t = Tree::new();
    let vc = t.open();
    let host = t.p("usr/lib");
    let mut args = VchrootUnexpandArgs::new(host.as_os_str().as_encoded_bytes());
    assert_eq!(vc.unexpand_args(&mut args), 0);
    assert_eq!(args.path(), b"/usr/lib");
    let mut args = VchrootUnexpandArgs::new(b"/etc");
    assert_eq!(vc.unexpand_args(&mut args), 0);
    assert_eq!(args.path(), b"/Volumes/SystemRoot/etc");
    // Darling prepends without a bound; here a result that does not fit is ENAMETOOLONG.
    let long = format!("/{}", "x".repeat(4090));
    let mut args = VchrootUnexpandArgs::new(long.as_bytes());
    assert_eq!(vc.unexpand_args(&mut args), -ENAMETOOLONG);
    assert_eq!(args.path(), long.as_bytes());
    let mut args = VchrootUnexpandArgs::new(b"relative");
    assert_eq!(vc.unexpand_args(&mut args), -EINVAL);
}
