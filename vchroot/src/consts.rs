//! The numbers of Darling's vchroot ABI and the Darwin and Linux path limits it applies, with
//! the names their sources give them.
//!
//! Sources: Darling's `vchroot_expand.h` and `common_at.h` (darling-xnu), XNU's
//! `bsd/sys/param.h` and `bsd/sys/syslimits.h`, Linux's `include/uapi/linux/limits.h`,
//! `fcntl.h` and `magic.h`.

/// `VCHROOT_FOLLOW`: bit 0 of `vchroot_expand_args.flags`; resolve a symlink in the last
/// component too.
pub const VCHROOT_FOLLOW: u32 = 1;

/// The size of `vchroot_expand_args.path` and `vchroot_unexpand_args.path`, NUL included
/// (Linux `PATH_MAX`, which is also the longest host path a Linux system call accepts).
pub const VCHROOT_PATH_SIZE: usize = 4096;

/// Linux `PATH_MAX`: the longest path, terminating NUL included, that a Linux system call
/// takes. A host path of this length or more is refused with `ENAMETOOLONG`.
pub const LINUX_PATH_MAX: usize = 4096;

/// Darwin `MAXPATHLEN` (`PATH_MAX` in `syslimits.h`): the longest path XNU's `namei` takes,
/// NUL included. Longer input, or a symlink target that would make the rest of the path
/// longer, fails with `ENAMETOOLONG`.
pub const MAXPATHLEN: usize = 1024;

/// Darwin `MAXSYMLINKS`: how many symlinks one lookup may follow; XNU's `namei` fails the
/// 33rd with `ELOOP` (`if (ndp->ni_loopcnt++ >= MAXSYMLINKS)`). Linux allows 40.
pub const MAXSYMLINKS: u32 = 32;

/// Linux `MAXSYMLINKS` (`include/linux/namei.h`): how many symlinks one Linux lookup may
/// follow. For comparing with the kernel's own resolver.
pub const LINUX_MAXSYMLINKS: u32 = 40;

/// Darwin and Linux `NAME_MAX`: the longest path component, in bytes.
pub const NAME_MAX: usize = 255;

/// Linux `AT_FDCWD`: "relative to the working directory" in an `*at` call. Darling's
/// `vchroot_expand` understands only this value.
pub const LINUX_AT_FDCWD: i32 = -100;

/// Darwin `AT_FDCWD`. Darling's callers convert it first (`atfd()`); this crate accepts it
/// directly, with the same meaning as [`LINUX_AT_FDCWD`].
pub const DARWIN_AT_FDCWD: i32 = -2;

/// The Darwin path of the host's root: the door out of the prefix, matched case-insensitively
/// as Darling matches it.
pub const SYSTEM_ROOT: &str = "/Volumes/SystemRoot";

/// Linux `PROC_SUPER_MAGIC`: `statfs.f_type` of a procfs mount. Symlinks in such a directory
/// whose targets are not paths (`pipe:[N]`, `socket:[N]`, `anon_inode:[...]`) are "magic"
/// links to objects without a name.
pub const PROC_SUPER_MAGIC: u32 = 0x9fa0;
