//! Guard exceptions: the fatal `EXC_GUARD` violations Mach port calls raise, as
//! xnu-7195.141.2's `mach_port_guard_exception` and its callers raise them.

mod msgkit;

use darling_mach_ipc::Task;
use darling_mach_ipc::consts::*;
use msgkit::{Msg, e, port_with_send, recv_port, setup};

fn exceptions(t: &Task) -> Vec<(u32, u32, u64)> {
    t.take_guard_exceptions()
        .into_iter()
        .map(|x| (x.name, x.reason, x.subcode))
        .collect()
}

/// Every fatal guard violation is recorded with XNU's reason and subcode (the port's guard
/// where XNU reports it), and the call still returns its error.
#[test]
fn guard_violations_raise_exc_guard() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    let u = recv_port(&t);
    t.mach_port_guard(p, 0x51, false).unwrap();
    assert_eq!(t.mach_port_destroy(p), e(KERN_INVALID_RIGHT));
    assert_eq!(
        t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(t.mach_port_destruct(p, 0, 0x52), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_unguard(p, 0x52), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_unguard(u, 0), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_swap_guard(u, 0, 1), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_swap_guard(p, 0x50, 1), e(KERN_INVALID_ARGUMENT));
    assert_eq!(
        exceptions(&t),
        [
            (p, kGUARD_EXC_DESTROY, 0x51),
            (p, kGUARD_EXC_MOD_REFS, 0x51),
            (p, kGUARD_EXC_DESTROY, 0x51),
            (p, kGUARD_EXC_INCORRECT_GUARD, 0x51),
            (u, kGUARD_EXC_UNGUARDED, 0),
            (u, kGUARD_EXC_UNGUARDED, 0),
            (p, kGUARD_EXC_INCORRECT_GUARD, 0x51),
        ]
    );
    assert!(t.take_guard_exceptions().is_empty(), "taken once");

    let s = recv_port(&t);
    t.mach_port_guard(s, 0x61, true).unwrap();
    assert_eq!(t.mach_port_set_context(s, 1), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_swap_guard(s, 0x61, 1), e(KERN_INVALID_ARGUMENT));
    assert_eq!(
        exceptions(&t),
        [
            (s, kGUARD_EXC_SET_CONTEXT, 0x61),
            (s, kGUARD_EXC_SET_CONTEXT, 0x61)
        ]
    );
    // What succeeds raises nothing.
    t.mach_port_unguard(p, 0x51).unwrap();
    t.mach_port_destroy(p).unwrap();
    assert_eq!(exceptions(&t), []);
}

/// Moving an immovable receive right raises IMMOVABLE (ipc_right_copyin), from a message or
/// from mach_port_extract_right; a guarded descriptor with the wrong guard raises
/// INCORRECT_GUARD with the port's guard (ipc_right_copyin_check_guard_locked). The EXC_GUARD
/// code packs type, reason and name as kern/exc_guard.h does.
#[test]
fn moving_rights_raises_exc_guard() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let s = port_with_send(&t);
    let im = recv_port(&t);
    t.mach_port_guard_with_flags(im, 5, MPG_IMMOVABLE_RECEIVE)
        .unwrap();
    let g = recv_port(&t);
    t.mach_port_guard(g, 6, false).unwrap();
    assert_eq!(
        Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
            .port(im, MACH_MSG_TYPE_MOVE_RECEIVE)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_extract_right(im, MACH_MSG_TYPE_MOVE_RECEIVE, &other),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(
        Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
            .guarded(g, MACH_MSG_TYPE_MOVE_RECEIVE, 1, 7)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(
        Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
            .guarded(im, MACH_MSG_TYPE_MOVE_RECEIVE, 1, 5)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    let raised = t.take_guard_exceptions();
    let seen: Vec<_> = raised
        .iter()
        .map(|x| (x.name, x.reason, x.subcode))
        .collect();
    assert_eq!(
        seen,
        [
            (im, kGUARD_EXC_IMMOVABLE, 0),
            (im, kGUARD_EXC_IMMOVABLE, 0),
            (g, kGUARD_EXC_INCORRECT_GUARD, 6),
            (im, kGUARD_EXC_IMMOVABLE, 0),
        ]
    );
    assert_eq!(
        raised[2].code(),
        (GUARD_TYPE_MACH_PORT << 61) | (u64::from(kGUARD_EXC_INCORRECT_GUARD) << 32) | u64::from(g)
    );
}
