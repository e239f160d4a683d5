//! Typed thread-state views: every state of the fixtures' thread commands is viewed as its
//! flavor's layout, agrees with `entry_pc`, and short or unknown states are raw words.

use darling_macho::{Command, MachO, ThreadStateView, raw};

fn states(path: &str, mut f: impl FnMut(&MachO<'_>, ThreadStateView<'_>, u32)) {
    let data = std::fs::read(path).unwrap();
    let m = MachO::parse(&data).unwrap();
    for lc in m.load_commands() {
        if let Command::Thread(t) = lc.unwrap().parse().unwrap() {
            for s in t.iter() {
                f(&m, s.view(m.header().cputype), s.flavor);
            }
        }
    }
}

#[test]
fn fixture_states_have_their_layouts() {
    let mut seen = 0;
    states("tests/data/bin/synth-core-x86_64", |m, v, flavor| {
        let e = m.endian();
        seen += 1;
        match v {
            ThreadStateView::X86ThreadState64(_) => assert_eq!(flavor, raw::X86_THREAD_STATE64),
            // The fixture also has tagged states whose header names another member.
            ThreadStateView::X86ThreadState(s) => {
                let inner = s.tsh.flavor.get(e) as u32;
                if inner == raw::X86_THREAD_STATE64 {
                    assert_ne!(s.ts64().rip.get(e), 0);
                }
                assert!(s.ts32().is_some());
            }
            ThreadStateView::X86FloatState(_)
            | ThreadStateView::X86ExceptionState(_)
            | ThreadStateView::X86ExceptionState64(_) => {}
            other => panic!("flavor {flavor}: {other:?}"),
        }
    });
    assert!(seen > 0);
    states("tests/data/bin/synth-thread-arm64", |m, v, _| {
        let ThreadStateView::ArmThreadState64(r) = v else {
            panic!("{v:?}")
        };
        let pc = r.pc.get(m.endian());
        let entry = m
            .load_commands()
            .find_map(|lc| match lc.ok()?.parse().ok()? {
                Command::Thread(t) => t.entry_pc(m.header().cputype),
                _ => None,
            });
        assert_eq!(entry, Some(pc));
    });
    states("tests/data/bin/synth-thread-armv7", |_, v, _| {
        assert!(matches!(v, ThreadStateView::ArmThreadState32(_)), "{v:?}");
    });
}

#[test]
fn short_and_unknown_states_are_words() {
    let state = [1u8, 0, 0, 0, 2, 0, 0, 0, 3];
    let v = ThreadStateView::parse(raw::CPU_TYPE_X86_64, raw::X86_THREAD_STATE64, &state);
    let ThreadStateView::Unknown { flavor, words } = v else {
        panic!("{v:?}")
    };
    assert_eq!((flavor, words.len()), (raw::X86_THREAD_STATE64, 2));
    // Flavor 6 is ARM_THREAD_STATE64 on arm64 but x86_EXCEPTION_STATE64 on x86_64.
    let state = [0u8; 272];
    let arm = ThreadStateView::parse(raw::CPU_TYPE_ARM64, 6, &state);
    assert!(matches!(arm, ThreadStateView::ArmThreadState64(_)));
    let x86 = ThreadStateView::parse(raw::CPU_TYPE_X86_64, 6, &state);
    assert!(matches!(x86, ThreadStateView::X86ExceptionState64(_)));
    let ppc = ThreadStateView::parse(raw::CPU_TYPE_POWERPC, 1, &state);
    assert!(matches!(ppc, ThreadStateView::Unknown { flavor: 1, .. }));
}
