//! Darling's ABI: the argument blocks of `vchroot_expand`, `vchroot_unexpand` and
//! `vchroot_fdpath` (darling-xnu's `vchroot_expand.h`), and entry points that take them and
//! return 0 or a negative Linux errno, so a runtime can call them as Darling's
//! libsystem_kernel does.

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::consts::VCHROOT_PATH_SIZE;
use crate::error::Error;
use crate::expand::ExpandFlags;
use crate::vchroot::Vchroot;

/// `struct vchroot_expand_args` (4104 bytes on x86-64 and i386).
#[repr(C)]
#[derive(Clone, Debug, FromBytes, IntoBytes, KnownLayout, Immutable)]
pub struct VchrootExpandArgs {
    /// In: the Darwin path, NUL-terminated. Out: the host path, NUL-terminated.
    pub path: [u8; VCHROOT_PATH_SIZE],
    /// `VCHROOT_FOLLOW` or 0.
    pub flags: u32,
    /// The directory a relative path starts from: a descriptor, or `AT_FDCWD` (Linux's -100
    /// or Darwin's -2).
    pub dfd: i32,
}

const_assert_eq!(size_of::<VchrootExpandArgs>(), 4104);
const_assert_eq!(std::mem::offset_of!(VchrootExpandArgs, path), 0);
const_assert_eq!(std::mem::offset_of!(VchrootExpandArgs, flags), 4096);
const_assert_eq!(std::mem::offset_of!(VchrootExpandArgs, dfd), 4100);

/// `struct vchroot_unexpand_args` (4096 bytes).
#[repr(C)]
#[derive(Clone, Debug, FromBytes, IntoBytes, KnownLayout, Immutable)]
pub struct VchrootUnexpandArgs {
    /// In: the host path, NUL-terminated. Out: the Darwin path, NUL-terminated.
    pub path: [u8; VCHROOT_PATH_SIZE],
}

const_assert_eq!(size_of::<VchrootUnexpandArgs>(), 4096);

/// `struct vchroot_fdpath_args` as an x86-64 caller lays it out (24 bytes). The path is a
/// pointer into the caller's memory: [`Vchroot::fdpath_into`] takes that buffer as a slice.
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable)]
pub struct VchrootFdpathArgs64 {
    /// The descriptor.
    pub fd: i32,
    /// Alignment padding.
    pub _pad0: u32,
    /// `char *path`: the caller's buffer.
    pub path: u64,
    /// `unsigned int maxlen`: the buffer's size.
    pub maxlen: u32,
    /// Alignment padding.
    pub _pad1: u32,
}

const_assert_eq!(size_of::<VchrootFdpathArgs64>(), 24);
const_assert_eq!(std::mem::offset_of!(VchrootFdpathArgs64, path), 8);
const_assert_eq!(std::mem::offset_of!(VchrootFdpathArgs64, maxlen), 16);

/// `struct vchroot_fdpath_args` as an i386 caller lays it out (12 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, FromBytes, IntoBytes, KnownLayout, Immutable)]
pub struct VchrootFdpathArgs32 {
    /// The descriptor.
    pub fd: i32,
    /// `char *path`: the caller's buffer.
    pub path: u32,
    /// `unsigned int maxlen`: the buffer's size.
    pub maxlen: u32,
}

const_assert_eq!(size_of::<VchrootFdpathArgs32>(), 12);
const_assert_eq!(std::mem::offset_of!(VchrootFdpathArgs32, path), 4);
const_assert_eq!(std::mem::offset_of!(VchrootFdpathArgs32, maxlen), 8);

impl VchrootExpandArgs {
    /// A block asking for `path` (at most 4095 bytes; longer is cut) with `flags` and `dfd`.
    pub fn new(path: &[u8], flags: u32, dfd: i32) -> Self {
        let mut args = VchrootExpandArgs {
            path: [0; VCHROOT_PATH_SIZE],
            flags,
            dfd,
        };
        put(&mut args.path, path);
        args
    }

    /// The path in the block, up to its NUL.
    pub fn path(&self) -> &[u8] {
        until_nul(&self.path)
    }
}

impl VchrootUnexpandArgs {
    /// A block holding `path` (at most 4095 bytes; longer is cut).
    pub fn new(path: &[u8]) -> Self {
        let mut args = VchrootUnexpandArgs {
            path: [0; VCHROOT_PATH_SIZE],
        };
        put(&mut args.path, path);
        args
    }

    /// The path in the block, up to its NUL.
    pub fn path(&self) -> &[u8] {
        until_nul(&self.path)
    }
}

fn until_nul(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

fn put(buf: &mut [u8; VCHROOT_PATH_SIZE], path: &[u8]) {
    let n = path.len().min(VCHROOT_PATH_SIZE - 1);
    buf[..n].copy_from_slice(&path[..n]);
    buf[n..].fill(0);
}

/// The path of a block, which must hold a NUL.
fn block_path(buf: &[u8; VCHROOT_PATH_SIZE]) -> Result<&[u8], Error> {
    match buf.iter().position(|&c| c == 0) {
        Some(n) => Ok(&buf[..n]),
        None => Err(Error::PathTooLong {
            len: VCHROOT_PATH_SIZE + 1,
            max: VCHROOT_PATH_SIZE,
        }),
    }
}

impl Vchroot {
    /// Darling's `vchroot_expand`: expands `args.path` in place. Returns 0, or a negative
    /// Linux errno with `args.path` unchanged.
    pub fn expand_args(&self, args: &mut VchrootExpandArgs) -> i32 {
        let result = block_path(&args.path).and_then(|path| {
            let flags =
                ExpandFlags::from_bits(args.flags).ok_or(Error::BadFlags { flags: args.flags })?;
            self.expand_bytes(path, flags, Some(args.dfd))
        });
        match result {
            Ok(found) => {
                // The host path is shorter than 4096 bytes: expand checked it.
                put(
                    &mut args.path,
                    found.host_path().as_os_str().as_encoded_bytes(),
                );
                0
            }
            Err(e) => -e.errno(),
        }
    }

    /// Darling's `vchroot_unexpand`: unexpands `args.path` in place. Returns 0, or a
    /// negative Linux errno with `args.path` unchanged.
    pub fn unexpand_args(&self, args: &mut VchrootUnexpandArgs) -> i32 {
        let result = block_path(&args.path).and_then(|p| self.unexpand_bytes(p));
        match result {
            Ok(p) if p.len() < VCHROOT_PATH_SIZE => {
                put(&mut args.path, &p);
                0
            }
            Ok(_) => -rustix::io::Errno::NAMETOOLONG.raw_os_error(),
            Err(e) => -e.errno(),
        }
    }

    /// Darling's `vchroot_fdpath`: writes the Darwin path of `fd`, NUL-terminated, into
    /// `buf` (the block's `path` and `maxlen`). Returns 0, or a negative Linux errno
    /// (`-ENAMETOOLONG` if `buf` is too small).
    pub fn fdpath_into(&self, fd: i32, buf: &mut [u8]) -> i32 {
        match self.fdpath_bytes(fd) {
            Ok(p) if p.len() < buf.len() => {
                buf[..p.len()].copy_from_slice(&p);
                buf[p.len()] = 0;
                0
            }
            Ok(p) => -Error::PathTooLong {
                len: p.len() + 1,
                max: buf.len(),
            }
            .errno(),
            Err(e) => -e.errno(),
        }
    }
}
