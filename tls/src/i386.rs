//! The i386 path: a GDT TLS entry made with `set_thread_area` and loaded into FS.
//!
//! On i386 Linux, glibc's thread pointer is in GS, where Apple's i386 code wants its TSD
//! (XNU gives it LDT selector `USER_CTHREAD`, 0x0f). Both cannot have GS, so Darwin code gets
//! FS, as under Darling, whose i386 libSystem is built to address its TSD through FS (clang
//! address space 257). Apple-built i386 binaries that hard-code `%gs` cannot run beside
//! glibc; nothing here loads GS.
//!
//! The entry covers the whole 4 GiB from the TSD base (limit 0xfffff pages), so offsets
//! wrap as they do through GS on x86-64: `fs:-16` reads the thread id in front of the TSD.
//! XNU's own descriptor is 2 pages long, so everything Apple's code reaches through it
//! works here too; Darling's is 16 MiB.
//!
//! A 64-bit kernel has three TLS entries per thread (12–14; 6–8 on a 32-bit kernel), one of
//! which is glibc's. The first `set_thread_area` asks the kernel for a free one and the
//! number is kept for every later thread (each thread has its own copy of the entries, so
//! the same number is free on each). Unlike on x86-64, the signal frame of a 32-bit process
//! holds FS and `sigreturn` reloads it.

use core::arch::asm;
use std::sync::atomic::{AtomicI32, Ordering};

use static_assertions::const_assert_eq;

use crate::Error;

/// `struct user_desc` from `<asm/ldt.h>`: a segment descriptor as `set_thread_area` takes
/// it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserDesc {
    /// The GDT entry; `u32::MAX` (-1) asks the kernel for a free TLS entry and gets its number
    /// back here.
    pub entry_number: u32,
    /// The segment base.
    pub base_addr: u32,
    /// The segment limit, in pages if [`USER_DESC_LIMIT_IN_PAGES`] is set.
    pub limit: u32,
    /// The bit fields `seg_32bit:1, contents:2, read_exec_only:1, limit_in_pages:1,
    /// seg_not_present:1, useable:1`.
    pub flags: u32,
}
const_assert_eq!(size_of::<UserDesc>(), 16);

/// `seg_32bit`: a 32-bit segment.
pub const USER_DESC_SEG_32BIT: u32 = 1 << 0;
/// `limit_in_pages`: the limit counts 4 KiB pages.
pub const USER_DESC_LIMIT_IN_PAGES: u32 = 1 << 4;
/// `seg_not_present`: the descriptor is not present.
pub const USER_DESC_SEG_NOT_PRESENT: u32 = 1 << 5;
/// `useable`: the AVL bit.
pub const USER_DESC_USEABLE: u32 = 1 << 6;

/// The entry number this process's Darwin TSD uses; -1 until the kernel chose one.
static ENTRY: AtomicI32 = AtomicI32::new(-1);

/// `set_thread_area(desc)`: installs (or, with entry -1, allocates) a TLS entry of this
/// thread's GDT.
pub fn set_thread_area(desc: &mut UserDesc) -> Result<(), Error> {
    // SAFETY: the kernel reads and writes the 16-byte user_desc `desc` points at.
    let r = unsafe { libc::syscall(libc::SYS_set_thread_area, desc as *mut UserDesc) };
    if r == 0 {
        Ok(())
    } else {
        Err(Error::sys(
            "set_thread_area",
            std::io::Error::last_os_error(),
        ))
    }
}

/// `get_thread_area`: the descriptor of this thread's TLS entry `entry`.
pub fn get_thread_area(entry: u32) -> Result<UserDesc, Error> {
    let mut desc = UserDesc {
        entry_number: entry,
        ..UserDesc::default()
    };
    // SAFETY: as in `set_thread_area`.
    let r = unsafe { libc::syscall(libc::SYS_get_thread_area, &mut desc as *mut UserDesc) };
    if r == 0 {
        Ok(desc)
    } else {
        Err(Error::sys(
            "get_thread_area",
            std::io::Error::last_os_error(),
        ))
    }
}

/// The selector of GDT entry `entry` at privilege level 3.
pub const fn selector(entry: u32) -> u16 {
    (entry * 8 + 3) as u16
}

/// The selector in FS.
pub fn fs_selector() -> u16 {
    let sel: u16;
    // SAFETY: reads a segment register.
    unsafe { asm!("mov {0:x}, fs", out(reg) sel, options(nomem, nostack, preserves_flags)) };
    sel
}

/// The selector in GS (glibc's).
pub fn gs_selector() -> u16 {
    let sel: u16;
    // SAFETY: reads a segment register.
    unsafe { asm!("mov {0:x}, gs", out(reg) sel, options(nomem, nostack, preserves_flags)) };
    sel
}

fn load_fs(sel: u16) {
    // SAFETY: `sel` is the null selector or a present, user-level data descriptor this thread
    // just installed, so the load cannot fault. Rust and glibc never address memory through
    // FS on i386.
    unsafe { asm!("mov fs, {0:x}", in(reg) sel, options(nostack, preserves_flags)) };
}

/// Points FS at `base`: a 32-bit, writable, 4 GiB data segment in this process's TLS entry
/// (allocated on first use), then reloads FS so the CPU takes the new base. A base of 0
/// loads the null selector instead.
pub fn set_fs_base(base: u32) -> Result<(), Error> {
    if base == 0 {
        load_fs(0);
        return Ok(());
    }
    let mut desc = UserDesc {
        entry_number: ENTRY.load(Ordering::Relaxed) as u32,
        base_addr: base,
        limit: 0xfffff,
        flags: USER_DESC_SEG_32BIT | USER_DESC_LIMIT_IN_PAGES | USER_DESC_USEABLE,
    };
    set_thread_area(&mut desc)?;
    let _ = ENTRY.compare_exchange(
        -1,
        desc.entry_number as i32,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    load_fs(selector(desc.entry_number));
    Ok(())
}

/// FS's base: 0 for the null selector, else its GDT TLS entry's base.
pub fn fs_base() -> u32 {
    let sel = fs_selector();
    if sel & !3 == 0 || sel & 4 != 0 {
        return 0;
    }
    get_thread_area(u32::from(sel >> 3)).map_or(0, |d| d.base_addr)
}

/// Reads the pointer at byte `offset` from FS's base (`mov reg, fs:[offset]`).
///
/// # Safety
/// FS's base plus `offset` (wrapping) must be a readable, 4-byte aligned address.
#[inline]
pub unsafe fn read_fs_word(offset: isize) -> usize {
    let value: usize;
    // SAFETY: the caller guarantees FS base + offset is readable.
    unsafe {
        asm!(
            "mov {value}, dword ptr fs:[{offset}]",
            value = out(reg) value,
            offset = in(reg) offset,
            options(nostack, readonly, preserves_flags),
        );
    }
    value
}

/// Writes the pointer at byte `offset` from FS's base (`mov fs:[offset], reg`).
///
/// # Safety
/// FS's base plus `offset` (wrapping) must be a writable, 4-byte aligned address that Rust
/// reaches only through atomics or cells.
#[inline]
pub unsafe fn write_fs_word(offset: isize, value: usize) {
    // SAFETY: the caller guarantees FS base + offset is writable.
    unsafe {
        asm!(
            "mov dword ptr fs:[{offset}], {value}",
            value = in(reg) value,
            offset = in(reg) offset,
            options(nostack, preserves_flags),
        );
    }
}
