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
//! which is glibc's (the one GS selects). A thread's Darwin entry is the one FS selects: a new
//! thread starts with copies of its creator's entries and its creator's FS, so it reuses the
//! entry number its creator's TSD is in, overwriting only its own copy; a thread whose FS
//! selects no TLS entry asks the kernel for a free one. The crate assumes, as Darling does,
//! that nothing else in the process loads FS on i386. Unlike on x86-64, the signal frame of a
//! 32-bit process holds FS and `sigreturn` reloads it (from the entry as the handler left it).

use core::arch::asm;
use std::cell::Cell;

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

/// `syscall(nr, desc)`, with errno put back as it was (a signal handler may get here).
fn thread_area_call(
    call: &'static str,
    nr: libc::c_long,
    desc: &mut UserDesc,
) -> Result<(), Error> {
    // SAFETY: the kernel reads and writes the 16-byte user_desc `desc` points at; errno is
    // this thread's int.
    unsafe {
        let errno = libc::__errno_location();
        let saved = *errno;
        let r = libc::syscall(nr, desc as *mut UserDesc);
        let failed = *errno;
        *errno = saved;
        if r == 0 {
            Ok(())
        } else {
            Err(Error::Sys {
                call,
                errno: failed,
            })
        }
    }
}

/// `set_thread_area(desc)`: installs (or, with entry -1, allocates) a TLS entry of this
/// thread's GDT.
///
/// # Safety
/// The entry must not be one that code on this thread addresses memory through: rewriting
/// glibc's (the one GS selects) moves every `thread_local!` of the thread.
pub unsafe fn set_thread_area(desc: &mut UserDesc) -> Result<(), Error> {
    thread_area_call("set_thread_area", libc::SYS_set_thread_area, desc)
}

/// `get_thread_area`: the descriptor of this thread's TLS entry `entry`.
pub fn get_thread_area(entry: u32) -> Result<UserDesc, Error> {
    let mut desc = UserDesc {
        entry_number: entry,
        ..UserDesc::default()
    };
    thread_area_call("get_thread_area", libc::SYS_get_thread_area, &mut desc)?;
    Ok(desc)
}

thread_local! {
    /// The TLS entry this thread's Darwin TSD is in; -1 until it has one.
    static ENTRY: Cell<i32> = const { Cell::new(-1) };
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

/// The GDT TLS entry `sel` selects, if it selects one (not the null selector, not the LDT).
fn tls_entry_of(sel: u16) -> Option<u32> {
    let entry = u32::from(sel >> 3);
    (sel & 4 == 0 && entry != 0 && get_thread_area(entry).is_ok()).then_some(entry)
}

/// The entry this thread's Darwin TSD goes in: its own, else the one FS selects (a copy of
/// its creator's Darwin entry), else -1 (the kernel picks a free one). Never glibc's.
fn darwin_entry() -> i32 {
    let own = ENTRY.get();
    if own >= 0 {
        return own;
    }
    let glibc = tls_entry_of(gs_selector());
    match tls_entry_of(fs_selector()) {
        Some(entry) if Some(entry) != glibc => entry as i32,
        _ => -1,
    }
}

/// Whether `sel` can be loaded into a data segment register and read (`verr`).
fn readable(sel: u16) -> bool {
    let ok: u8;
    // SAFETY: verr only sets ZF from the descriptor's access rights; it does not fault on
    // any selector value.
    unsafe {
        asm!(
            "verr {sel:x}",
            "setz {ok}",
            sel = in(reg) sel,
            ok = out(reg_byte) ok,
            options(nomem, nostack),
        );
    }
    ok != 0
}

/// Loads `sel` into FS if the CPU takes it, else the null selector.
fn load_fs(sel: u16) {
    let sel = if sel & !3 == 0 || readable(sel) {
        sel
    } else {
        0
    };
    // SAFETY: `sel` is the null selector or one `verr` just found readable at this privilege
    // level, so the load cannot fault. Rust and glibc never address memory through FS on
    // i386.
    unsafe { asm!("mov fs, {0:x}", in(reg) sel, options(nostack, preserves_flags)) };
}

/// Points FS at `base`: a 32-bit, writable, 4 GiB data segment in this thread's Darwin TLS
/// entry (see the module docs for which), then reloads FS so the CPU takes the new base. A
/// base of 0 loads the null selector instead. errno is left alone.
pub fn set_fs_base(base: u32) -> Result<(), Error> {
    if base == 0 {
        load_fs(0);
        return Ok(());
    }
    let mut desc = UserDesc {
        entry_number: darwin_entry() as u32,
        base_addr: base,
        limit: 0xfffff,
        flags: USER_DESC_SEG_32BIT | USER_DESC_LIMIT_IN_PAGES | USER_DESC_USEABLE,
    };
    // SAFETY: the entry is this thread's Darwin entry or a free one, never glibc's.
    unsafe { set_thread_area(&mut desc)? };
    ENTRY.set(desc.entry_number as i32);
    load_fs(selector(desc.entry_number));
    Ok(())
}

/// FS as [`save_fs`] found it: the selector, and the base of this thread's Darwin entry if
/// FS selected it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedFs {
    selector: u16,
    darwin_base: Option<u32>,
}

/// Saves FS (see [`SavedFs`]).
pub fn save_fs() -> SavedFs {
    let sel = fs_selector();
    let own = ENTRY.get();
    let darwin_base = if own >= 0 && sel == selector(own as u32) {
        get_thread_area(own as u32).ok().map(|d| d.base_addr)
    } else {
        None
    };
    SavedFs {
        selector: sel,
        darwin_base,
    }
}

/// Puts FS back as [`save_fs`] found it: the Darwin entry's base, then the selector (the
/// null selector if the CPU no longer takes it).
pub fn restore_fs(saved: SavedFs) -> Result<(), Error> {
    match saved.darwin_base {
        Some(base) if save_fs() != saved => set_fs_base(base),
        Some(_) => Ok(()),
        None => {
            load_fs(saved.selector);
            Ok(())
        }
    }
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
