//! Where Darling's machdep handling differs from XNU's, restated from Darling's sources
//! (`xnu_syscall/machdep/machdep_syscall.S`, `machdep_syscall_table.c`, `impl/tls.c`,
//! `common/base.c`) and set against this crate, which follows XNU.

use darling_mach_ipc::consts::KERN_INVALID_ARGUMENT;
use darling_tls::machdep::*;

/// Darling's number: `andq $0xff, %rax` on x86-64.
fn darling_number(rax: u64) -> u64 {
    rax & 0xff
}

/// Darling's number on i386: `andl $0xffff, %eax`.
fn darling_number32(eax: u32) -> u32 {
    eax & 0xffff
}

/// Darling's `__machdep_syscall_table[10]`: only slot 3 is filled.
const DARLING_TABLE_LEN: u64 = 10;

/// What Darling's dispatcher does with a (masked) number.
#[derive(Debug, PartialEq)]
enum Darling {
    /// `sys_thread_set_tsd_base`: `arch_prctl(ARCH_SET_GS)`, result ignored, returns void.
    SetsTsd,
    /// `__unknown_syscall_machdep`: Linux's `-ENOSYS` in rax.
    LinuxEnosys,
    /// An index past the 10-entry table: reads whatever follows it in memory.
    ReadsPastTable,
}

fn darling(rax: u64) -> Darling {
    match darling_number(rax) {
        3 => Darling::SetsTsd,
        n if n < DARLING_TABLE_LEN => Darling::LinuxEnosys,
        _ => Darling::ReadsPastTable,
    }
}

#[test]
fn darling_masks_the_number_to_eight_bits() {
    for rax in [0x300_0103u64, 0x300_0203, 0x300_ff03, 0x3ff_ff03] {
        assert_eq!(darling(rax), Darling::SetsTsd, "{rax:#x}");
        assert_eq!(
            decode64(rax, 0x1000, 0, 0),
            Some(Request::Invalid {
                number: rax & 0xff_ffff
            }),
            "XNU refuses {rax:#x}"
        );
    }
}

#[test]
fn darling_masks_the_i386_number_to_sixteen_bits() {
    for eax in [0x1_0003u32, 0x300_0003, 0xffff_0003] {
        assert_eq!(
            darling_number32(eax),
            3,
            "Darling sets the TSD for {eax:#x}"
        );
        assert_eq!(
            decode32(eax, &[0x1000]),
            Ok(Request::Invalid {
                number: u64::from(eax)
            }),
            "XNU takes all of eax"
        );
    }
}

#[test]
fn darling_reads_past_its_table_where_xnu_answers_kern_invalid_argument() {
    for number in 10..=255u64 {
        let rax = u64::from(SYSCALL_CONSTRUCT_MDEP(number as u32));
        assert_eq!(darling(rax), Darling::ReadsPastTable);
        // SAFETY: an invalid number touches no register.
        let reply = unsafe { machdep_syscall64(rax, 0, 0, 0) }.unwrap();
        assert_eq!(reply, Reply::kern(KERN_INVALID_ARGUMENT));
    }
}

#[test]
fn darling_answers_unknown_calls_with_linux_enosys() {
    for number in [0u32, 1, 2, 4, 5, 6, 7, 8, 9] {
        let rax = u64::from(SYSCALL_CONSTRUCT_MDEP(number));
        assert_eq!(darling(rax), Darling::LinuxEnosys);
        // SAFETY: none of these touch the TLS register.
        let ours = unsafe { machdep_syscall64(rax, 0, 0, 0) }.unwrap();
        let darling_rax = (-38i64) as u64; // -ENOSYS, Linux's number
        assert_ne!(ours.value, darling_rax);
        let expected = if MACHDEP_CALL_TABLE64
            .get(number as usize)
            .is_some_and(|c| c.bsd_style)
        {
            78 // Darwin's ENOSYS, BSD-style with the carry flag: not emulated here
        } else {
            4 // KERN_INVALID_ARGUMENT
        };
        assert_eq!(ours.value, expected, "call {number}");
    }
}

#[cfg(target_arch = "x86_64")]
mod on_this_thread {
    use darling_tls::gs;
    use darling_tls::machdep::*;

    /// Darling's `sys_thread_set_tsd_base` returns void: the caller's rax keeps whatever the
    /// `arch_prctl` left there (0 on success), not `USER_CTHREAD`.
    #[test]
    fn darling_returns_nothing_from_trap_3() {
        std::thread::spawn(|| {
            let block = darling_tls::TsdBlock::new();
            let darling_rax = match gs::arch_prctl_set_gs(block.tsd_base() as u64) {
                Ok(()) => 0u64,
                Err(e) => e.errno() as u64,
            };
            assert_eq!(darling_rax, 0);
            // SAFETY: `block` outlives its use as this thread's TSD.
            let ours = unsafe {
                machdep_syscall64(
                    u64::from(SYSCALL_CONSTRUCT_MDEP(3)),
                    block.tsd_base() as u64,
                    0,
                    0,
                )
            }
            .unwrap();
            assert_eq!(ours.value, u64::from(USER_CTHREAD));
            darling_tls::uninstall().unwrap();
        })
        .join()
        .unwrap();
    }

    /// Darling hands any base to `arch_prctl` and ignores its `EPERM`: the old TSD stays in
    /// GS. XNU replaces the base by 0.
    #[test]
    fn darling_keeps_the_old_tsd_when_the_kernel_refuses_the_base() {
        std::thread::spawn(|| {
            let block = darling_tls::install().unwrap();
            // A kernel address: every kernel refuses it (a user address above XNU's limit
            // would do on 4-level paging, but 5-level paging takes it).
            let bad = 0xffff_8000_0000_0000;
            assert_eq!(tsd_base_kept(bad, true), 0);
            // Darling's handler, for real.
            assert!(gs::arch_prctl_set_gs(bad).is_err());
            assert_eq!(
                gs::gs_base(),
                block.tsd_base() as u64,
                "Darling: old TSD still in GS"
            );
            // Ours.
            // SAFETY: the base is replaced by 0.
            let reply =
                unsafe { machdep_syscall64(u64::from(SYSCALL_CONSTRUCT_MDEP(3)), bad, 0, 0) };
            assert_eq!(reply.unwrap().value, u64::from(USER_CTHREAD));
            assert_eq!(gs::gs_base(), 0, "XNU: the base became 0");
            assert_eq!(darling_tls::base(), None);
        })
        .join()
        .unwrap();
    }
}
