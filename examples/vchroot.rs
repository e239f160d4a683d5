//! Builds a small Darling prefix in a temporary directory (a framework with its
//! `Versions/Current` symlinks, `/dev` pointing at the host's, a hostile symlink) and shows
//! what Darwin paths expand to, what comes back, and what does not get out.
//!
//! Run with `cargo run --example vchroot`.

use std::fs;
use std::os::unix::fs::symlink;

use darling_vchroot::{Base, ExpandFlags, Vchroot};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let prefix = dir.path().join("prefix");
    let framework = prefix.join("System/Library/Frameworks/Foo.framework");
    fs::create_dir_all(framework.join("Versions/A"))?;
    fs::write(framework.join("Versions/A/Foo"), b"not really a Mach-O")?;
    symlink("A", framework.join("Versions/Current"))?;
    symlink("Versions/Current/Foo", framework.join("Foo"))?;
    fs::create_dir_all(prefix.join("Users/me"))?;
    fs::create_dir_all(prefix.join("Volumes/SystemRoot"))?;
    symlink("/Volumes/SystemRoot/dev", prefix.join("dev"))?;
    // A program in the prefix tries to reach the host's /etc/passwd.
    symlink(
        "../../../../../../../etc/passwd",
        prefix.join("Users/me/passwd"),
    )?;

    let vc = Vchroot::open(&prefix)?;
    println!("prefix: {}\n", vc.prefix().display());
    let paths = [
        (
            "/System/Library/Frameworks/Foo.framework/Foo",
            ExpandFlags::FOLLOW,
        ),
        (
            "/System/Library/Frameworks/Foo.framework/Foo",
            ExpandFlags::empty(),
        ),
        (
            "/system/library/frameworks/foo.framework/versions/a/foo",
            ExpandFlags::empty(),
        ),
        ("/dev/null", ExpandFlags::FOLLOW),
        ("/Users/me/passwd", ExpandFlags::FOLLOW),
        ("/Users/me/../../../../etc", ExpandFlags::empty()),
        ("/Users/me/new-file.txt", ExpandFlags::empty()),
        ("/Users/nobody/file", ExpandFlags::empty()),
    ];
    for (path, flags) in paths {
        let follow = if flags.is_empty() {
            "        "
        } else {
            "(follow)"
        };
        match vc.expand(path, flags, Base::Cwd) {
            Ok(found) => {
                let note = match found.missing_name() {
                    Some(name) => format!("  [missing: {}]", name.to_string_lossy()),
                    None => String::new(),
                };
                println!(
                    "{path} {follow}\n    host:   {}{note}",
                    found.host_path().display()
                );
                println!("    darwin: {}", found.darwin_path().display());
                // The descriptor is what was found; its Darwin name, read back from it:
                println!("    fdpath: {}", vc.fdpath(found.fd())?.display());
            }
            Err(e) => println!("{path} {follow}\n    error:  {e} (errno {})", e.errno()),
        }
    }
    println!();
    for host in [framework.join("Versions/A/Foo"), "/etc/hosts".into()] {
        println!(
            "unexpand {} -> {}",
            host.display(),
            vc.unexpand(&host)?.display()
        );
    }
    Ok(())
}
