//! The GS base on x86-64: `arch_prctl` round trips, the kernel's refusals, the choice of
//! `wrgsbase` from `AT_HWCAP2`, FS left alone, and the thread id read through GS at a
//! negative offset as libpthread reads it.
#![cfg(target_arch = "x86_64")]

use darling_tls::gs::*;
use darling_tls::{Error, TsdBlock, layout::NATIVE, segment};

/// `AT_HWCAP2` from `/proc/self/auxv`, the kernel's own copy of the auxiliary vector.
fn hwcap2_from_procfs() -> u64 {
    let auxv = std::fs::read("/proc/self/auxv").unwrap();
    auxv.chunks_exact(16)
        .map(|pair| {
            let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap());
            (word(&pair[..8]), word(&pair[8..]))
        })
        .find(|&(key, _)| key == AT_HWCAP2)
        .map_or(0, |(_, value)| value)
}

#[test]
fn the_token_follows_the_kernels_word() {
    let word = hwcap2_from_procfs();
    assert_eq!(Fsgsbase::hwcap2(), word);
    assert_eq!(Fsgsbase::detect().is_some(), word & HWCAP2_FSGSBASE != 0);
    if Fsgsbase::detect().is_some() {
        // The kernel only enables it where the CPU has it (CPUID.7.0:EBX bit 0).
        let leaf7 = std::arch::x86_64::__cpuid_count(7, 0);
        assert_eq!(leaf7.ebx & 1, 1);
    }
}

#[test]
fn arch_prctl_round_trips_and_leaves_fs_alone() {
    std::thread::spawn(|| {
        let fs = arch_prctl_get_fs().unwrap();
        let block = TsdBlock::new();
        let base = block.tsd_base() as u64;
        arch_prctl_set_gs(base).unwrap();
        assert_eq!(arch_prctl_get_gs().unwrap(), base);
        assert_eq!(gs_base(), base);
        assert_eq!(segment::base(), base as usize);
        assert_eq!(arch_prctl_get_fs().unwrap(), fs);
        assert_eq!(fs_base(), fs);
        set_gs_base(0x1000).unwrap();
        assert_eq!(arch_prctl_get_gs().unwrap(), 0x1000);
        set_gs_base(0).unwrap();
        assert_eq!(arch_prctl_get_gs().unwrap(), 0);
    })
    .join()
    .unwrap();
}

#[test]
fn bases_that_are_not_user_addresses_are_refused_and_change_nothing() {
    std::thread::spawn(|| {
        set_gs_base(0x2000).unwrap();
        // Kernel addresses, refused with 4- and 5-level paging alike.
        for bad in [
            0xffff_8000_0000_0000,
            0xffff_ffff_ffff_f000,
            u64::MAX,
            1 << 63,
        ] {
            assert_eq!(
                arch_prctl_set_gs(bad),
                Err(Error::NotUserAddress { base: bad }),
                "the kernel refuses {bad:#x} with EPERM"
            );
            assert_eq!(set_gs_base(bad), Err(Error::NotUserAddress { base: bad }));
            assert_eq!(gs_base(), 0x2000);
        }
        // The wrgsbase path draws the line at 4-level paging's user space whatever the
        // kernel's paging; above it, set_gs_base leaves the decision to arch_prctl.
        if let Some(token) = Fsgsbase::detect() {
            for bad in [USER_ADDRESS_END, 0x8000_0000_0000, 0xffff_8000_0000_0000] {
                assert_eq!(
                    token.write_gs_base(bad),
                    Err(Error::NotUserAddress { base: bad })
                );
            }
            assert_eq!(gs_base(), 0x2000);
        }
        assert_eq!(Error::NotUserAddress { base: 0 }.errno(), libc::EPERM);
        // The highest user page is fine.
        set_gs_base(USER_ADDRESS_END - 4096).unwrap();
        assert_eq!(arch_prctl_get_gs().unwrap(), USER_ADDRESS_END - 4096);
        set_gs_base(0).unwrap();
    })
    .join()
    .unwrap();
}

#[test]
fn libpthread_reads_the_thread_id_at_gs_minus_8() {
    std::thread::spawn(|| {
        let block = darling_tls::install().unwrap();
        // SAFETY: GS points at the block's slot 0, and 8 bytes before it is the thread id.
        let id = unsafe { read_gs_word(NATIVE.thread_id_from_tsd) };
        assert_eq!(id as u64, block.thread_id());
        // SAFETY: as above; the stack fields are in front of the TSD too.
        let top = unsafe { read_gs_word(NATIVE.stackaddr_from_tsd) };
        assert_eq!(top, block.stack().0);
    })
    .join()
    .unwrap();
}
