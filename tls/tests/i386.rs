//! The i386 path: Darwin's TSD in FS through a GDT TLS entry, glibc's GS left alone.
#![cfg(target_arch = "x86")]

use darling_tls::i386::*;
use darling_tls::layout::NATIVE;
use darling_tls::segment::{self, DARWIN_REGISTER, Register};

#[test]
fn darwin_code_gets_fs() {
    assert_eq!(DARWIN_REGISTER, Some(Register::Fs));
}

#[test]
fn the_entry_is_a_flat_writable_data_segment_in_a_tls_slot() {
    std::thread::spawn(|| {
        let gs = gs_selector();
        let glibc = get_thread_area(u32::from(gs >> 3)).unwrap();
        let block = darling_tls::install().unwrap();
        let fs = fs_selector();
        assert_eq!(fs & 7, 3, "a GDT selector at ring 3");
        let entry = u32::from(fs >> 3);
        assert!(
            (6..=8).contains(&entry) || (12..=14).contains(&entry),
            "TLS entry {entry}"
        );
        assert_ne!(fs, gs);
        let desc = get_thread_area(entry).unwrap();
        assert_eq!(desc.base_addr as usize, block.tsd_base());
        assert_eq!(desc.limit, 0xfffff);
        assert_eq!(
            desc.flags
                & (USER_DESC_SEG_32BIT | USER_DESC_LIMIT_IN_PAGES | USER_DESC_SEG_NOT_PRESENT),
            USER_DESC_SEG_32BIT | USER_DESC_LIMIT_IN_PAGES
        );
        assert_eq!(fs_base() as usize, block.tsd_base());
        assert_eq!(segment::base(), block.tsd_base());
        // glibc's GS and its entry are untouched.
        assert_eq!(gs_selector(), gs);
        assert_eq!(get_thread_area(u32::from(gs >> 3)).unwrap(), glibc);
    })
    .join()
    .unwrap();
}

#[test]
fn offsets_wrap_as_through_gs_on_x86_64() {
    std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        // SAFETY: FS's base is the block's slot 0; 16 bytes before it is the thread id.
        let low = unsafe { segment::read_word(NATIVE.thread_id_from_tsd) };
        assert_eq!(low as u64, block.thread_id() & 0xffff_ffff);
    })
    .join()
    .unwrap();
}

#[test]
fn moving_the_base_reloads_fs() {
    std::thread::spawn(|| {
        let a = darling_tls::TsdBlock::new();
        let b = darling_tls::TsdBlock::new();
        a.set(darling_tls::slots::__TSD_MIG_REPLY, 1);
        b.set(darling_tls::slots::__TSD_MIG_REPLY, 2);
        set_fs_base(a.tsd_base() as u32).unwrap();
        // SAFETY: FS points at `a`, then at `b`, both alive.
        assert_eq!(unsafe { read_fs_word(8) }, 1);
        set_fs_base(b.tsd_base() as u32).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { read_fs_word(8) }, 2);
        set_fs_base(0).unwrap();
        assert_eq!(fs_selector(), 0);
        assert_eq!(fs_base(), 0);
    })
    .join()
    .unwrap();
}

#[test]
fn another_users_entry_is_left_alone() {
    std::thread::spawn(|| {
        assert_eq!(
            fs_selector(),
            0,
            "a thread of the test harness starts without FS"
        );
        let mut library = UserDesc {
            entry_number: u32::MAX,
            base_addr: 0x1234_5000,
            limit: 0xfff,
            flags: USER_DESC_SEG_32BIT | USER_DESC_USEABLE,
        };
        // SAFETY: a new, free entry that nothing addresses memory through.
        unsafe { set_thread_area(&mut library).unwrap() };
        let block = darling_tls::install().unwrap();
        let ours = u32::from(fs_selector() >> 3);
        assert_ne!(ours, library.entry_number);
        assert_eq!(
            get_thread_area(library.entry_number).unwrap().base_addr,
            0x1234_5000
        );
        assert_eq!(fs_base() as usize, block.tsd_base());
    })
    .join()
    .unwrap();
}

#[test]
fn a_new_thread_reuses_its_creators_entry_in_its_own_copy() {
    std::thread::spawn(|| {
        let parent = darling_tls::install().unwrap();
        let entry = fs_selector() >> 3;
        let (child_entry, child_base) = std::thread::spawn(|| {
            let child = darling_tls::install().unwrap();
            (fs_selector() >> 3, child.tsd_base())
        })
        .join()
        .unwrap();
        assert_eq!(child_entry, entry);
        assert_ne!(child_base, parent.tsd_base());
        assert_eq!(
            fs_base() as usize,
            parent.tsd_base(),
            "the creator's copy is its own"
        );
    })
    .join()
    .unwrap();
}

#[test]
fn preserve_puts_back_the_selector_and_the_entrys_base() {
    std::thread::spawn(|| {
        let mine = darling_tls::install().unwrap();
        let sel = fs_selector();
        let other = darling_tls::TsdBlock::new();
        {
            let _keep = darling_tls::preserve();
            // SAFETY: `other` outlives the scope, and the Preserve is dropped before it.
            unsafe { darling_tls::adopt(other.tsd_base()).unwrap() };
            assert_eq!(fs_base() as usize, other.tsd_base());
        }
        assert_eq!((fs_selector(), fs_base() as usize), (sel, mine.tsd_base()));
        darling_tls::uninstall().unwrap();
        assert_eq!(fs_selector(), 0);
        {
            let _keep = darling_tls::preserve();
            // SAFETY: as above.
            unsafe { darling_tls::adopt(other.tsd_base()).unwrap() };
        }
        assert_eq!(fs_selector(), 0, "the null selector comes back too");
        assert_eq!(darling_tls::base(), None);
    })
    .join()
    .unwrap();
}
