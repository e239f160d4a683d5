//! The segment register Darwin code reaches its TSD through on this target: GS on x86-64
//! (as on macOS), FS on i386 (as under Darling, because glibc holds GS there; see
//! the `i386` module, built for i386 targets). Everything above this module is the same on both.

use crate::Error;

/// A segment register that can hold a TLS base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    /// FS: glibc's on x86-64, Darwin's on i386 under Darling.
    Fs,
    /// GS: Darwin's on x86-64, glibc's on i386.
    Gs,
}

impl core::fmt::Display for Register {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Register::Fs => "fs",
            Register::Gs => "gs",
        })
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::{Error, Register};
    use crate::gs;

    pub const DARWIN: Option<Register> = Some(Register::Gs);

    pub type Saved = u64;

    pub fn save() -> Saved {
        gs::gs_base()
    }

    pub fn restore(saved: Saved) -> Result<(), Error> {
        gs::set_gs_base(saved)
    }

    #[inline]
    pub fn set_base(base: usize) -> Result<(), Error> {
        gs::set_gs_base(base as u64)
    }

    #[inline]
    pub fn base() -> usize {
        gs::gs_base() as usize
    }

    #[inline]
    pub unsafe fn read_word(offset: isize) -> usize {
        // SAFETY: passed on to the caller.
        unsafe { gs::read_gs_word(offset) }
    }

    #[inline]
    pub unsafe fn write_word(offset: isize, value: usize) {
        // SAFETY: passed on to the caller.
        unsafe { gs::write_gs_word(offset, value) }
    }
}

#[cfg(target_arch = "x86")]
mod imp {
    use super::{Error, Register};
    use crate::i386;

    pub const DARWIN: Option<Register> = Some(Register::Fs);

    pub type Saved = i386::SavedFs;

    pub fn save() -> Saved {
        i386::save_fs()
    }

    pub fn restore(saved: Saved) -> Result<(), Error> {
        i386::restore_fs(saved)
    }

    #[inline]
    pub fn set_base(base: usize) -> Result<(), Error> {
        i386::set_fs_base(base as u32)
    }

    #[inline]
    pub fn base() -> usize {
        i386::fs_base() as usize
    }

    #[inline]
    pub unsafe fn read_word(offset: isize) -> usize {
        // SAFETY: passed on to the caller.
        unsafe { i386::read_fs_word(offset) }
    }

    #[inline]
    pub unsafe fn write_word(offset: isize, value: usize) {
        // SAFETY: passed on to the caller.
        unsafe { i386::write_fs_word(offset, value) }
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
mod imp {
    use super::{Error, Register};

    pub const DARWIN: Option<Register> = None;

    pub type Saved = ();

    pub fn save() -> Saved {}

    pub fn restore(_saved: Saved) -> Result<(), Error> {
        Ok(())
    }

    pub fn set_base(_base: usize) -> Result<(), Error> {
        Err(Error::Unsupported {
            what: "Apple's x86 TSD needs an x86 or x86-64 host",
        })
    }

    pub fn base() -> usize {
        0
    }
}

/// The register Darwin code finds its TSD through on this target (`None` off x86).
pub const DARWIN_REGISTER: Option<Register> = imp::DARWIN;

/// Points [`DARWIN_REGISTER`] at `base` (0 to clear it). On x86-64 this is
/// `gs::set_gs_base`; on i386, `i386::set_fs_base`.
///
/// This sets the register only: [`crate::base`] and the safe slot accessors follow what
/// [`crate::install`] and [`crate::adopt`] set, not this.
pub fn set_base(base: usize) -> Result<(), Error> {
    imp::set_base(base)
}

/// The Darwin register as it is now, for [`restore`]: its base on x86-64; on i386 FS's
/// selector and, if it selects the thread's Darwin entry, that entry's base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved(imp::Saved);

/// Saves the Darwin register.
pub fn save() -> Saved {
    Saved(imp::save())
}

/// Puts the Darwin register back as [`save`] found it.
pub fn restore(saved: Saved) -> Result<(), Error> {
    imp::restore(saved.0)
}

/// The base in [`DARWIN_REGISTER`] as the CPU has it now (0 if none).
pub fn base() -> usize {
    imp::base()
}

/// Reads the pointer at byte `offset` from the Darwin register's base (`gs:[offset]` on
/// x86-64, `fs:[offset]` on i386).
///
/// # Safety
/// The register's base plus `offset` (wrapping) must be a readable, pointer-aligned
/// address.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
#[inline]
pub unsafe fn read_word(offset: isize) -> usize {
    // SAFETY: passed on to the caller.
    unsafe { imp::read_word(offset) }
}

/// Writes the pointer at byte `offset` from the Darwin register's base.
///
/// # Safety
/// The register's base plus `offset` (wrapping) must be a writable, pointer-aligned address
/// that Rust reaches only through atomics or cells.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
#[inline]
pub unsafe fn write_word(offset: isize, value: usize) {
    // SAFETY: passed on to the caller.
    unsafe { imp::write_word(offset, value) }
}
