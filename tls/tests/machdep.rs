//! XNU's machdep calls: numbering, decoding and `thread_fast_set_cthread_self` carried out
//! as XNU's `machdep_syscall64`/`machdep_syscall` and `machine_thread_set_tsd_base` do.

use darling_bsd_errno::DarwinErrno;
use darling_mach_ipc::consts::{KERN_INVALID_ADDRESS, KERN_INVALID_ARGUMENT};
use darling_tls::machdep::*;

#[test]
fn numbers_are_xnus() {
    assert_eq!(SYSCALL_CONSTRUCT_MDEP(3), 0x300_0003);
    assert_eq!(SYSCALL_NUMBER_MASK, 0x00ff_ffff);
    assert_eq!(syscall_class(0x300_0003), SYSCALL_CLASS_MDEP);
    assert_eq!(syscall_class(0x200_0004), SYSCALL_CLASS_UNIX);
    assert_eq!(syscall_class(0x100_001f), SYSCALL_CLASS_MACH);
    // XNU's entry code compares the low 32 bits only.
    assert_eq!(syscall_class(0xffff_ffff_0300_0003), SYSCALL_CLASS_MDEP);
    assert_eq!((USER_CTHREAD, MACHDEP_INT), (0x0f, 0x82));
    assert_eq!(VM_MAX_USER_PAGE_ADDRESS, 0x7fff_ffff_f000);
    assert_eq!(
        MACHDEP_CALL_TABLE64[3].name,
        "thread_fast_set_cthread_self64"
    );
    assert_eq!(MACHDEP_CALL_TABLE[3].name, "thread_fast_set_cthread_self");
    assert_eq!(
        MACHDEP_CALL_TABLE[THREAD_FAST_SET_CTHREAD_SELF as usize].nargs,
        1
    );
    let bsd: Vec<usize> = (0..MACHDEP_CALL_COUNT)
        .filter(|&i| MACHDEP_CALL_TABLE64[i].bsd_style)
        .collect();
    assert_eq!(bsd, [5, 6]);
}

#[test]
fn decode64_follows_the_table() {
    let base = 0x7f00_0000_1000;
    assert_eq!(
        decode64(0x300_0003, base, 0, 0),
        Some(Request::ThreadFastSetCthreadSelf { base })
    );
    assert_eq!(decode64(0x200_0003, base, 0, 0), None, "a BSD call");
    assert_eq!(
        decode64(0x300_0001, 4, 5, 6),
        Some(Request::HypervisorTrap {
            thread: true,
            index: 4,
            arg: 5
        })
    );
    assert_eq!(
        decode64(0x300_0005, 1, 2, 3),
        Some(Request::Ldt {
            set: true,
            start_sel: 1,
            descs: 2,
            num_sels: 3
        })
    );
    for number in [2, 4, 7, 10, 0x103, 0xff_ffff] {
        assert_eq!(
            decode64(0x300_0000 | number, base, 0, 0),
            Some(Request::Invalid { number }),
            "{number:#x}"
        );
    }
    // The upper half of rax is not part of the number.
    assert_eq!(
        decode64(0x1_0300_0003, base, 0, 0),
        Some(Request::ThreadFastSetCthreadSelf { base })
    );
}

#[test]
fn decode32_reads_as_many_words_as_the_call_takes() {
    assert_eq!(
        decode32(3, &[0x1000, 0]),
        Ok(Request::ThreadFastSetCthreadSelf { base: 0x1000 })
    );
    assert_eq!(decode32(3, &[]), Err(Reply::kern(KERN_INVALID_ADDRESS)));
    assert_eq!(
        decode32(6, &[1, 2, 3]),
        Ok(Request::Ldt {
            set: false,
            start_sel: 1,
            descs: 2,
            num_sels: 3
        })
    );
    assert_eq!(decode32(6, &[1, 2]), Err(Reply::kern(KERN_INVALID_ADDRESS)));
    // On i386 the whole of eax is the number: no class.
    assert_eq!(
        decode32(0x300_0003, &[0x1000]),
        Ok(Request::Invalid { number: 0x300_0003 })
    );
    assert_eq!(decode32(1, &[]), Ok(Request::Invalid { number: 1 }));
}

#[test]
fn bases_xnu_keeps() {
    assert_eq!(tsd_base_kept(0x7fff_ffff_efff, true), 0x7fff_ffff_efff);
    // The test is `<`: even the last user page is refused.
    assert_eq!(tsd_base_kept(VM_MAX_USER_PAGE_ADDRESS, true), 0);
    assert_eq!(tsd_base_kept(0xffff_8000_0000_0000, true), 0);
    assert_eq!(tsd_base_kept(0x8000_0000_0000, true), 0);
    assert_eq!(tsd_base_kept(0xffff_ffff, false), 0xffff_ffff);
    assert_eq!(tsd_base_kept(0x1_0000_0000, false), 0);
}

#[test]
fn calls_other_than_the_tsd_are_answered_as_xnu_answers_them() {
    let invalid = Reply::kern(KERN_INVALID_ARGUMENT);
    // SAFETY: none of these touch the TLS register.
    unsafe {
        assert_eq!(
            machdep_syscall64(0x300_0000, 0, 0, 0),
            Some(invalid),
            "no hypervisor"
        );
        assert_eq!(machdep_syscall64(0x300_0002, 0, 0, 0), Some(invalid));
        assert_eq!(machdep_syscall64(0x300_0007, 0, 0, 0), Some(invalid));
        assert_eq!(machdep_syscall64(0x300_0103, 0x1000, 0, 0), Some(invalid));
        assert_eq!(machdep_syscall64(0x200_0003, 0, 0, 0), None);
        let ldt = machdep_syscall64(0x300_0006, 0, 0, 0).unwrap();
        assert_eq!(ldt, Reply::bsd_error(DarwinErrno::ENOSYS));
        assert_eq!((ldt.value, ldt.carry), (78, Some(true)));
        assert_eq!(machdep_syscall32(9, &[]), invalid);
        assert_eq!(
            machdep_syscall32(4, &[0]),
            Reply::kern(KERN_INVALID_ADDRESS)
        );
        // thread_set_user_ldt answers kern-style: its own failure, -1, flags untouched.
        let ldt = machdep_syscall32(4, &[0x1000, 0x1000, 0]);
        assert_eq!((ldt.value, ldt.carry), (0xffff_ffff, None));
    }
    assert_eq!(invalid.value, 4);
    assert_eq!(
        invalid.carry, None,
        "kern_return_t calls leave the flags alone"
    );
}

#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
mod on_this_thread {
    use darling_tls::machdep::*;
    use darling_tls::slots::__TSD_MIG_REPLY;
    use darling_tls::{TsdBlock, segment};

    #[test]
    fn thread_fast_set_cthread_self_points_the_register_and_returns_user_cthread() {
        std::thread::spawn(|| {
            let block = TsdBlock::new();
            block.set(__TSD_MIG_REPLY, 0x4403);
            let rax = SYSCALL_CONSTRUCT_MDEP(THREAD_FAST_SET_CTHREAD_SELF) as u64;
            let is_64bit = cfg!(target_pointer_width = "64");
            let reply = if is_64bit {
                // SAFETY: `block` outlives its use as this thread's TSD.
                unsafe { machdep_syscall64(rax, block.tsd_base() as u64, 0, 0) }.unwrap()
            } else {
                // SAFETY: as above.
                unsafe { machdep_syscall32(3, &[block.tsd_base() as u32, 0]) }
            };
            assert_eq!(reply, Reply::kern(USER_CTHREAD as i32));
            assert_eq!(segment::base(), block.tsd_base());
            assert_eq!(darling_tls::base(), Some(block.tsd_base()));
            // SAFETY: the register points at `block`.
            assert_eq!(unsafe { darling_tls::get_direct(__TSD_MIG_REPLY) }, 0x4403);
            assert_eq!(darling_tls::get(__TSD_MIG_REPLY), Some(0x4403));

            // A base XNU would not keep clears the register, and still answers USER_CTHREAD.
            let reply = if is_64bit {
                // SAFETY: the base is replaced by 0.
                unsafe { machdep_syscall64(rax, VM_MAX_USER_PAGE_ADDRESS, 0, 0) }.unwrap()
            } else {
                // SAFETY: a zero base clears the register.
                unsafe { machdep_syscall32(3, &[0, 0]) }
            };
            assert_eq!(reply.value, u64::from(USER_CTHREAD));
            assert_eq!(segment::base(), 0);
            assert_eq!(darling_tls::base(), None);
        })
        .join()
        .unwrap();
    }
}

mod any_registers {
    use darling_tls::machdep::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decode64_is_xnus_rule(rax: u64, rdi: u64, rsi: u64, rdx: u64) {
            let decoded = decode64(rax, rdi, rsi, rdx);
            let class = (rax as u32) >> 24;
            prop_assert_eq!(decoded.is_some(), class == SYSCALL_CLASS_MDEP);
            if let Some(request) = decoded {
                let number = rax & 0xff_ffff;
                let known = (number as usize) < MACHDEP_CALL_COUNT
                    && MACHDEP_CALL_TABLE64[number as usize].name != "kern_invalid";
                prop_assert_eq!(!matches!(request, Request::Invalid { .. }), known);
                if number == 3 {
                    prop_assert_eq!(request, Request::ThreadFastSetCthreadSelf { base: rdi });
                }
            }
        }

        #[test]
        fn decode32_needs_exactly_the_calls_arguments(eax: u32, stack in proptest::collection::vec(any::<u32>(), 0..5)) {
            let decoded = decode32(eax, &stack);
            match MACHDEP_CALL_TABLE.get(eax as usize) {
                Some(call) if call.name != "kern_invalid" => {
                    prop_assert_eq!(decoded.is_err(), stack.len() < call.nargs as usize);
                }
                _ => prop_assert_eq!(decoded, Ok(Request::Invalid { number: u64::from(eax) })),
            }
        }
    }
}
