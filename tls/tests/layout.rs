//! The TSD layout against libpthread-539's `struct pthread_s` (its static asserts and
//! `offsets_internal.h`), for both ABIs and for the block this build allocates.

use darling_tls::TsdBlock;
use darling_tls::layout::{ILP32, LEGACY_DEFAULT_PRIORITY, LP64, NATIVE};
use darling_tls::slots::*;

#[test]
fn lp64_matches_libpthread() {
    assert_eq!(LP64.tsd, 224, "_PTHREAD_STRUCT_DIRECT_TSD_OFFSET");
    assert_eq!(
        LP64.thread_id_from_tsd, -8,
        "_PTHREAD_STRUCT_DIRECT_THREADID_OFFSET"
    );
    assert_eq!(LP64.stackaddr_from_tsd, -48);
    assert_eq!(LP64.stackbottom_from_tsd, -40);
    assert_eq!(LP64.tsd as isize + LP64.err_no_from_tsd, 172);
    assert_eq!(LP64.tsd as isize + LP64.name_from_tsd, 80);
    assert_eq!(LP64.sig_from_tsd, -224);
    assert_eq!(LP64.size(), 6368);
    assert_eq!(LP64.tsd_size(), 6144);
}

#[test]
fn ilp32_matches_libpthread() {
    assert_eq!(ILP32.tsd, 176);
    assert_eq!(ILP32.thread_id_from_tsd, -16);
    // i386's stack offsets are absolute in offsets_internal.h.
    assert_eq!(ILP32.tsd as isize + ILP32.stackaddr_from_tsd, 140);
    assert_eq!(ILP32.tsd as isize + ILP32.stackbottom_from_tsd, 144);
    assert_eq!(ILP32.tsd as isize + ILP32.err_no_from_tsd, 136);
    assert_eq!(ILP32.tsd as isize + ILP32.thread_id_from_tsd, 160);
    assert_eq!(ILP32.size(), 3248);
    assert_eq!(ILP32.tsd_size(), 3072);
}

#[test]
fn block_is_laid_out_by_the_native_abi() {
    let block = TsdBlock::new();
    assert_eq!(size_of::<TsdBlock>(), NATIVE.size());
    assert_eq!(
        block.pthread() % 16,
        0,
        "the TSD is 16-byte aligned in pthread_s"
    );
    assert_eq!(block.tsd_base() - block.pthread(), NATIVE.tsd);
    let from_tsd = |addr: usize| addr as isize - block.tsd_base() as isize;
    assert_eq!(from_tsd(block.errno_address()), NATIVE.err_no_from_tsd);
    assert_eq!(from_tsd(block.pthread()), NATIVE.sig_from_tsd);
}

#[test]
fn new_block_is_filled_as_libpthread_and_darling_fill_a_thread() {
    let block = TsdBlock::new();
    assert_eq!(block.get(__TSD_THREAD_SELF), block.pthread());
    assert_eq!(block.get(__TSD_ERRNO), block.errno_address());
    assert_eq!(block.get(__TSD_THREAD_QOS_CLASS), LEGACY_DEFAULT_PRIORITY);
    assert_eq!(block.get(__TSD_PTR_MUNGE), 0);
    // libpthread-539 checks `sig ^ munge token == pthread`.
    assert_eq!(block.sig() ^ block.get(__TSD_PTR_MUNGE), block.pthread());
    for index in (0..TSD_SLOT_COUNT).filter(|i| ![0, 1, 4].contains(i)) {
        assert_eq!(block.get(Slot::new(index).unwrap()), 0, "slot {index}");
    }
    assert_eq!(
        (block.thread_id(), block.errno(), block.stack()),
        (0, 0, (0, 0))
    );
}

#[test]
fn errno_goes_through_the_slot_pointer() {
    let block = TsdBlock::new();
    block.set_errno(35);
    let ptr = block.get(__TSD_ERRNO) as *const i32;
    // SAFETY: slot 1 points at the block's err_no, which lives as long as `block`.
    assert_eq!(unsafe { ptr.read_volatile() }, 35);
}

#[test]
fn slots_have_apples_numbers_and_names() {
    let numbered = [
        (__TSD_THREAD_SELF, 0, "__TSD_THREAD_SELF"),
        (__TSD_ERRNO, 1, "__TSD_ERRNO"),
        (__TSD_MIG_REPLY, 2, "__TSD_MIG_REPLY"),
        (__TSD_MACH_THREAD_SELF, 3, "__TSD_MACH_THREAD_SELF"),
        (__TSD_THREAD_QOS_CLASS, 4, "__TSD_THREAD_QOS_CLASS"),
        (__TSD_RETURN_TO_KERNEL, 5, "__TSD_RETURN_TO_KERNEL"),
        (
            _PTHREAD_TSD_SLOT_RESERVED_WIN64,
            6,
            "_PTHREAD_TSD_SLOT_RESERVED_WIN64",
        ),
        (__TSD_PTR_MUNGE, 7, "__TSD_PTR_MUNGE"),
        (__TSD_MACH_SPECIAL_REPLY, 8, "__TSD_MACH_SPECIAL_REPLY"),
        (__TSD_SEMAPHORE_CACHE, 9, "__TSD_SEMAPHORE_CACHE"),
        (__PTK_LIBC_LOCALE_KEY, 10, "__PTK_LIBC_LOCALE_KEY"),
        (__PTK_LIBC_TTYNAME_KEY, 16, "__PTK_LIBC_TTYNAME_KEY"),
        (__TSD_MACH_MSG_AUX, 123, "__TSD_MACH_MSG_AUX"),
        (__PTK_DARLING_PERTHREAD_CWD_FD, 202, "__PTK_DARLING_KEY2"),
    ];
    for (slot, index, name) in numbered {
        assert_eq!(slot.index(), index);
        assert_eq!(slot.name().as_deref(), Some(name));
    }
    let name = |i| Slot::new(i).unwrap().name();
    assert_eq!(name(43).as_deref(), Some("__PTK_FRAMEWORK_OBJC_KEY3"));
    assert_eq!(name(121).as_deref(), Some("__PTK_LIBDISPATCH_KEY11"));
    assert_eq!(name(30).as_deref(), Some("__PTK_FRAMEWORK_OPENGL_KEY"));
    assert_eq!(name(31).as_deref(), Some("__PTK_FRAMEWORK_GRAPHICS_KEY1"));
    assert_eq!(name(300), None);
    assert_eq!(__TSD_MIG_REPLY.offset(8), 16);
    assert_eq!(Slot::new(TSD_SLOT_COUNT), None);
    assert_eq!(Slot::new(TSD_SLOT_COUNT - 1).map(Slot::index), Some(767));
}

#[test]
fn slot_ranges_are_ordered_and_disjoint() {
    for pair in SLOT_RANGES.windows(2) {
        assert!(pair[0].first <= pair[0].last, "{:?}", pair[0]);
        assert!(
            pair[0].last < pair[1].first,
            "{:?} overlaps {:?}",
            pair[0],
            pair[1]
        );
    }
    let dynamic = SlotRange::of(Slot::new(FIRST_DYNAMIC_KEY).unwrap()).unwrap();
    assert_eq!(dynamic.owner, "pthread_key_create");
    assert_eq!(dynamic.last.index(), TSD_SLOT_COUNT - 1);
    assert!(
        SlotRange::of(__TSD_PTR_MUNGE)
            .unwrap()
            .contains(__TSD_ERRNO)
    );
    assert_eq!(SlotRange::of(Slot::new(96).unwrap()), None);
}
