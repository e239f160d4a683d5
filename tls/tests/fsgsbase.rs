//! `rdgsbase`/`wrgsbase`: run only where the kernel enabled FSGSBASE (`.ci/run` runs these
//! when `AT_HWCAP2` has `HWCAP2_FSGSBASE`).
#![cfg(target_arch = "x86_64")]

use darling_tls::gs::*;

fn token() -> Fsgsbase {
    Fsgsbase::detect().expect("the kernel has not enabled FSGSBASE (AT_HWCAP2 bit 1)")
}

#[test]
#[ignore = "needs FSGSBASE enabled by the kernel (Linux 5.9+, AT_HWCAP2 bit 1)"]
fn wrgsbase_and_arch_prctl_see_each_other() {
    let token = token();
    std::thread::spawn(move || {
        token.write_gs_base(0x7000).unwrap();
        assert_eq!(arch_prctl_get_gs().unwrap(), 0x7000);
        arch_prctl_set_gs(0x8000).unwrap();
        assert_eq!(token.read_gs_base(), 0x8000);
        assert_eq!(token.read_fs_base(), arch_prctl_get_fs().unwrap());
        set_gs_base(0x9000).unwrap();
        assert_eq!(token.read_gs_base(), 0x9000);
        token.write_gs_base(0).unwrap();
    })
    .join()
    .unwrap();
}

#[test]
#[ignore = "needs FSGSBASE enabled by the kernel (Linux 5.9+, AT_HWCAP2 bit 1)"]
fn a_base_written_by_wrgsbase_survives_context_switches() {
    let token = token();
    let threads: Vec<_> = (0..4u64)
        .map(|i| {
            std::thread::spawn(move || {
                let base = 0x10_0000 * (i + 1);
                token.write_gs_base(base).unwrap();
                for _ in 0..2000 {
                    std::thread::yield_now();
                    assert_eq!(token.read_gs_base(), base);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                assert_eq!(arch_prctl_get_gs().unwrap(), base);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
#[ignore = "needs FSGSBASE enabled by the kernel (Linux 5.9+, AT_HWCAP2 bit 1)"]
fn the_tsd_is_reached_after_wrgsbase() {
    use darling_tls::slots::__TSD_MIG_REPLY;
    let token = token();
    std::thread::spawn(move || {
        let block = darling_tls::TsdBlock::new();
        block.set(__TSD_MIG_REPLY, 0x907);
        token.write_gs_base(block.tsd_base() as u64).unwrap();
        // SAFETY: GS points at `block`, which outlives this read.
        assert_eq!(unsafe { read_gs_word(16) }, 0x907);
        token.write_gs_base(0).unwrap();
    })
    .join()
    .unwrap();
}
