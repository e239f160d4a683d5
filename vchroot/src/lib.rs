//! Darling's virtual chroot: Darwin paths expanded into a Linux directory (the prefix) that no
//! path can lead out of, and host paths unexpanded back.
//!
//! Darling runs macOS programs on Linux without a real chroot: libsystem_kernel rewrites
//! every path a program gives it, so that Darwin's `/` is the prefix (`~/.darling`) while
//! Linux libraries in the same process still see the host's `/`. The host is reachable from
//! Darwin as `/Volumes/SystemRoot`. This crate does that rewriting.
//!
//! - [`Vchroot::open`] holds the prefix as a directory descriptor;
//!   [`Options`] turns the door to the host and the case-insensitive fallback off, or sets
//!   the limits.
//! - [`Vchroot::expand`] gives the host path of a Darwin path (Darling's string) **and** an
//!   `O_PATH` descriptor of what it names, opened while resolving it ([`Expanded`]), so the
//!   caller never looks the path up a second time.
//! - [`Vchroot::unexpand`] and [`Vchroot::fdpath`] give the Darwin path of a host path or of
//!   an open descriptor.
//! - [`abi`] has Darling's argument blocks and entry points that return a negative Linux
//!   errno, for runtimes that call vchroot as Darling's libsystem_kernel does.
//!
//! ```
//! use std::fs;
//! use darling_vchroot::{Base, ExpandFlags, Vchroot};
//!
//! let prefix = tempfile::tempdir()?;
//! fs::create_dir_all(prefix.path().join("System/Library"))?;
//! std::os::unix::fs::symlink("/System/Library", prefix.path().join("lib"))?;
//!
//! let vc = Vchroot::open(prefix.path())?;
//! let p = vc.prefix().to_owned();
//!
//! // Symlinks resolve inside the prefix; `..` stops at its root.
//! let found = vc.expand("/lib/../../lib/", ExpandFlags::empty(), Base::Cwd)?;
//! assert_eq!(found.host_path(), p.join("System/Library"));
//! assert_eq!(found.darwin_path(), std::path::Path::new("/System/Library"));
//!
//! // A file about to be created: its parent is resolved, its name kept.
//! let new = vc.expand("/lib/new.txt", ExpandFlags::FOLLOW, Base::Cwd)?;
//! assert_eq!(new.missing_name(), Some("new.txt".as_ref()));
//!
//! // The host's root is behind /Volumes/SystemRoot, and the way back is unexpand.
//! let etc = vc.expand("/Volumes/SystemRoot/etc", ExpandFlags::empty(), Base::Cwd)?;
//! assert_eq!(etc.host_path(), std::path::Path::new("/etc"));
//! assert_eq!(vc.unexpand("/etc")?, std::path::Path::new("/Volumes/SystemRoot/etc"));
//! assert_eq!(vc.unexpand(p.join("lib"))?, std::path::Path::new("/lib"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How it cannot escape
//! Darling builds a string and `lstat`s it at each step, so a rename between its checks and
//! the real system call can lead anywhere. Here each component is opened with
//! `openat(O_PATH | O_NOFOLLOW)` from the descriptor of the directory before it, symlinks are
//! read from the descriptor of the link itself, and `..` pops the walk's own stack instead of
//! asking the kernel: no string with more than one component is ever resolved by the kernel
//! with symlinks or `..` allowed. A walk can only leave the prefix through the door, when it
//! is open.
//!
//! Lookups that go through symlinks seen before are planned from a memo of their targets and
//! then proved with as few system calls as they need (one `openat2` with
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` for the answer, plus one `readlinkat` per link);
//! anything that does not hold falls back to the walk. See [`Options::link_memo`].
//!
//! # Compared with Darling
//! The behaviour is Darling's (`vchroot_userspace.c` in darlinghq/darling-xnu's
//! libsystem_kernel emulation) except where Darling is wrong or leaves a question open;
//! `tests/darling.rs` shows each wrong case both ways.
//!
//! Where Darling is wrong:
//! - `..` at the prefix's root stays there (Darling: `ENOENT`, with a host path above the
//!   prefix left in the buffer), as a chroot and `openat2(RESOLVE_IN_ROOT)` do.
//! - A symlink found through the case-insensitive fallback is followed like any other
//!   (Darling leaves it for the kernel, which resolves it against the host's `/`: an escape).
//! - Symlink targets are read whole (Darling cuts them at 511 bytes).
//! - The symlink budget is Darwin's: 32 links per lookup in all (Darling: nesting depth 10,
//!   but any number one after another).
//! - Paths of 1024 bytes or more, and symlink targets that make the rest too long, fail with
//!   `ENAMETOOLONG` as on Darwin (Darling: `ENOENT`, or nothing).
//! - The prefix ends at a component boundary everywhere (Darling: `<prefix>2` is "inside").
//! - A procfs magic link is recognized by the file system it is on (Darling: by a host path
//!   beginning with `/proc`, so not in the prefix's own `/proc`). What the kernel opens
//!   through it is checked by its own name: a file or directory (the descriptor may have
//!   been pointed at one meanwhile) is treated as a symlink to its path, re-rooted like any
//!   other.
//! - `fdpath` of a pipe or socket is `EBADF`, as `F_GETPATH` on Darwin (Darling:
//!   `/Volumes/SystemRootpipe:[N]`); a removed file keeps its name (Darling appends
//!   ` (deleted)`).
//! - A relative path may start from Darwin's `AT_FDCWD` (-2) as well as Linux's (-100).
//!
//! Where the two differ by design:
//! - A missing component fails at once with `ENOENT`, as the kernel would fail the host path
//!   Darling returns: `/nonexist/x` and `/nonexist/x/..` (Darling: `<prefix>/nonexist/x`,
//!   `<prefix>/nonexist`). A missing *last* component is an answer: its parent and name.
//! - `file/..` and `file/.` are `ENOTDIR`, as in the kernel (Darling: lexical).
//! - A relative path's base directory is taken by its Darwin name and walked under the same
//!   rules (Darling appends to the base's host path as text): a base at
//!   `<prefix>/Volumes/SystemRoot` is the host's `/`.
//! - The door `/Volumes/SystemRoot` is matched before anything is looked up, as a mount
//!   point covers what is under it: it opens even where the prefix has no `/Volumes`, or a
//!   symlink there (Darling follows such a symlink first and opens no door). `..` from the
//!   host's `/` looks up the prefix's `/Volumes` like any name (Darling steps to the text
//!   `<prefix>/Volumes`).
//! - A target is a `/proc` one if its first component is `proc`: `//proc/x` and `/./proc/x`
//!   count (Darling compares bytes).
//! - Bad input is refused instead of passed through: a bad `dfd` is `EBADF` (Darling: its
//!   readlink's `ENOENT`), unknown flag bits `EINVAL` (Darling ignores them), and a failed
//!   call leaves the argument block unchanged (Darling writes a partial host path).
//! - `unexpand` takes out repeated `/`, `.` components and a trailing `/`, refuses a relative
//!   path (`EINVAL`) and, with the door closed, a path outside the prefix (`ENOENT`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod abi;
mod components;
pub mod consts;
mod engine;
mod error;
mod expand;
mod fast;
mod host;
mod memo;
mod sys;
mod unexpand;
mod vchroot;
mod walk;

pub use engine::Root;
pub use error::Error;
pub use expand::{Base, ExpandFlags, Expanded};
pub use vchroot::{Options, Vchroot};
