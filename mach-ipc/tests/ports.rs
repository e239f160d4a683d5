//! The `mach_port_*` calls, special and registered ports: every error path with XNU's exact
//! return code (xnu-7195, Darling's base, where releases differ), and the naming rules.

mod msgkit;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{KernReturn, Kernel, Task};
use msgkit::*;

const UMAX: u32 = MACH_PORT_UREFS_MAX;

/// A send right (only) in `t` to a port whose receive right `owner` holds; returns
/// (receive name in owner, send name in t).
fn foreign_send(owner: &Task, t: &Task) -> (u32, u32) {
    let r = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (s, ty) = owner
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND, t)
        .unwrap();
    assert_eq!(ty, MACH_MSG_TYPE_PORT_SEND);
    (r, s)
}

/// A send-once right in `t` to a port `owner` receives on.
fn foreign_send_once(owner: &Task, t: &Task) -> (u32, u32) {
    let r = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (s, ty) = owner
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND_ONCE, t)
        .unwrap();
    assert_eq!(ty, MACH_MSG_TYPE_PORT_SEND_ONCE);
    (r, s)
}

fn notification_id(t: &Task, port: u32) -> i32 {
    hdr(&recv(t, port)).msgh_id
}

// ---- names --------------------------------------------------------------------------------

#[test]
fn first_names_of_a_fresh_space() {
    let (_k, t) = setup();
    let a = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let b = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let c = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!((a, b, c), (0x103, 0x203, 0x303));
}

#[test]
fn reused_index_gets_next_generation_lifo() {
    let (_k, t) = setup();
    let a = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let b = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!((a, b), (0x103, 0x203));
    t.mach_port_destroy(a).unwrap();
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x107));
    // Freed last, reused first.
    t.mach_port_destroy(b).unwrap();
    t.mach_port_destroy(0x107).unwrap();
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x10b));
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x207));
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x303));
    // The stale names no longer resolve.
    assert_eq!(ty(&t, 0x103), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_deallocate(0x203), e(KERN_INVALID_NAME));
}

#[test]
fn generation_cycle_of_an_index() {
    // Gens 0x03, 0x07, ..., 0xfb (63 of them), then the cycle starts again at 0x03
    // (0xff would need the modulus XNU applies: (0xfb + 4) % 0xff wraps).
    let (_k, t) = setup();
    let mut seen = Vec::new();
    for _ in 0..64 {
        let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
        assert_eq!(n >> 8, 1);
        assert_eq!(n & 3, 3, "kernel-chosen names end in binary 11: {n:#x}");
        seen.push(n & 0xff);
        t.mach_port_destroy(n).unwrap();
    }
    let expected: Vec<u32> = (0..63).map(|i| 3 + 4 * i).chain([3]).collect();
    assert_eq!(seen, expected);
}

#[test]
fn kernel_names_end_in_binary_11() {
    let (_k, t) = setup();
    let mut names = Vec::new();
    for i in 0..40 {
        names.push(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap());
        if i % 3 == 0 {
            let n = names.remove(0);
            t.mach_port_destroy(n).unwrap();
        }
    }
    for n in names {
        assert_eq!(n & 3, 3, "{n:#x}");
    }
}

#[test]
fn send_rights_coalesce_send_once_rights_do_not() {
    let k = Kernel::new();
    let t = k.task_create(None);
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    // A send right made on the receive right's name lands on that name.
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    let (n, _) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND, &t)
        .unwrap();
    assert_eq!(n, r);
    assert_eq!(refs(&t, r, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(ty(&t, r), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    // Send rights received from elsewhere coalesce on one name.
    let (or, s1) = foreign_send(&owner, &t);
    let (s2, _) = owner
        .mach_port_extract_right(or, MACH_MSG_TYPE_MAKE_SEND, &t)
        .unwrap();
    assert_eq!(s1, s2);
    assert_eq!(refs(&t, s1, MACH_PORT_RIGHT_SEND), 2);
    // Send-once rights never do.
    let (o1, _) = owner
        .mach_port_extract_right(or, MACH_MSG_TYPE_MAKE_SEND_ONCE, &t)
        .unwrap();
    let (o2, _) = owner
        .mach_port_extract_right(or, MACH_MSG_TYPE_MAKE_SEND_ONCE, &t)
        .unwrap();
    assert_ne!(o1, o2);
    assert_ne!(o1, s1);
    assert_eq!(ty(&t, o1), Ok(MACH_PORT_TYPE_SEND_ONCE));
    let (o3, _) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND_ONCE, &t)
        .unwrap();
    assert_ne!(o3, r);
    // mach_task_self: one name, one more uref per call.
    let me = t.mach_task_self();
    assert_eq!(t.mach_task_self(), me);
    assert_eq!(refs(&t, me, MACH_PORT_RIGHT_SEND), 2);
}

// ---- allocate / allocate_name ---------------------------------------------------------------

#[test]
fn allocate_each_right() {
    let (k, t) = setup();
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(ty(&t, r), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(refs(&t, r, MACH_PORT_RIGHT_RECEIVE), 1);
    assert_eq!(refs(&t, r, MACH_PORT_RIGHT_SEND), 0);
    let st = status(&t, r);
    assert_eq!(st, [0, 0, 0, 5, 0, 0, 0, 0, 0, 0]);
    let s = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_PORT_SET));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_PORT_SET), 1);
    assert_eq!(t.mach_port_get_set_status(s), Ok(vec![]));
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(ty(&t, d), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(k.port_set_count(), 1);
}

#[test]
fn allocate_errors() {
    let (k, t) = setup();
    for right in [
        MACH_PORT_RIGHT_SEND,
        MACH_PORT_RIGHT_SEND_ONCE,
        MACH_PORT_RIGHT_LABELH,
        MACH_PORT_RIGHT_NUMBER,
        100,
    ] {
        assert_eq!(
            t.mach_port_allocate(right),
            e(KERN_INVALID_VALUE),
            "{right}"
        );
    }
    assert_eq!(names(&t), vec![]);
    let before = k.port_count();
    t.terminate();
    assert_eq!(
        t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE),
        e(KERN_INVALID_TASK)
    );
    assert_eq!(t.mach_port_names(), e(KERN_INVALID_TASK));
    assert!(k.port_count() < before);
}

/// Names a task chooses can have any index, small (the space's table) or large (beyond it):
/// each works as a name, is listed in order, and frees its index for reuse.
#[test]
fn chosen_names_of_any_index_work_alike() {
    let (_k, t) = setup();
    let kernel_chosen = recv_port(&t);
    let chosen = [
        0x0fff_ff03_u32,
        0x0010_0007,
        0x0000_0f03,
        0x0000_1003,
        0x7fff_ff0b,
    ];
    for &name in &chosen {
        t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, name)
            .unwrap();
        t.mach_port_insert_right(name, name, MAKE).unwrap();
        Msg::new(name, COPY, 0, 0).id(name as i32).send(&t).unwrap();
        assert_eq!(hdr(&recv(&t, name)).msgh_id, name as i32);
        assert_eq!(
            t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, name),
            e(KERN_NAME_EXISTS)
        );
        assert_eq!(
            t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, name ^ 0x04),
            e(KERN_FAILURE),
            "{name:#x}: its index is taken"
        );
    }
    let mut listed: Vec<u32> = names(&t).into_iter().map(|(n, _)| n).collect();
    let mut expected = chosen.to_vec();
    expected.push(kernel_chosen);
    expected.sort_unstable();
    listed.retain(|n| expected.contains(n));
    assert_eq!(listed, expected);
    for &name in &chosen {
        t.mach_port_destroy(name).unwrap();
        assert_eq!(ty(&t, name), e(KERN_INVALID_NAME));
        // The index is free again, under any generation.
        t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, name ^ 0x04)
            .unwrap();
    }
}

#[test]
fn allocate_name_errors_in_order() {
    let (_k, t) = setup();
    // Invalid names first, whatever the right.
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(
            t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, name),
            e(KERN_INVALID_VALUE)
        );
        assert_eq!(t.mach_port_allocate_name(77, name), e(KERN_INVALID_VALUE));
    }
    // Then the right.
    assert_eq!(
        t.mach_port_allocate_name(MACH_PORT_RIGHT_SEND, 0x503),
        e(KERN_INVALID_VALUE)
    );
    // Index 0.
    for name in [0x1, 0x3, 0x7f, 0xfe] {
        assert_eq!(
            t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, name),
            e(KERN_FAILURE),
            "{name:#x}"
        );
    }
    // In use with the same generation; with another one.
    t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x503)
        .unwrap();
    assert_eq!(
        t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x503),
        e(KERN_NAME_EXISTS)
    );
    assert_eq!(
        t.mach_port_allocate_name(MACH_PORT_RIGHT_PORT_SET, 0x503),
        e(KERN_NAME_EXISTS)
    );
    assert_eq!(
        t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x507),
        e(KERN_FAILURE)
    );
    // xnu-7195 takes names whose low bits are not 11.
    t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x1000)
        .unwrap();
    t.mach_port_allocate_name(MACH_PORT_RIGHT_PORT_SET, 0x2001)
        .unwrap();
    assert_eq!(ty(&t, 0x1000), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(ty(&t, 0x2001), Ok(MACH_PORT_TYPE_PORT_SET));
    t.terminate();
    assert_eq!(
        t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x603),
        e(KERN_INVALID_TASK)
    );
}

#[test]
fn allocate_name_dead_name_ignores_the_name() {
    let (_k, t) = setup();
    t.mach_port_allocate_name(MACH_PORT_RIGHT_DEAD_NAME, 0x5003)
        .unwrap();
    assert_eq!(ty(&t, 0x5003), e(KERN_INVALID_NAME));
    assert_eq!(names(&t), vec![(0x103, MACH_PORT_TYPE_DEAD_NAME)]);
}

#[test]
fn user_names_and_kernel_names_share_the_table() {
    let (_k, t) = setup();
    t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x205)
        .unwrap();
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x103));
    // Index 2 is taken: the kernel skips it.
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x303));
    // Freed, the user's index comes back with its generation + 4.
    t.mach_port_destroy(0x205).unwrap();
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x209));
    // A freed kernel index taken by a user name is no longer handed out.
    t.mach_port_destroy(0x103).unwrap();
    t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x1ff)
        .unwrap();
    assert_eq!(t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE), Ok(0x403));
}

// ---- deallocate -------------------------------------------------------------------------------

#[test]
fn deallocate_errors() {
    let (k, t) = setup();
    assert_eq!(t.mach_port_deallocate(MACH_PORT_NULL), Ok(()));
    assert_eq!(t.mach_port_deallocate(MACH_PORT_DEAD), Ok(()));
    assert_eq!(t.mach_port_deallocate(0x103), e(KERN_INVALID_NAME));
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(t.mach_port_deallocate(r ^ 0x4), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_deallocate(r), e(KERN_INVALID_RIGHT));
    assert_eq!(ty(&t, r), Ok(MACH_PORT_TYPE_RECEIVE));
    let _ = k;
    t.terminate();
    assert_eq!(t.mach_port_deallocate(r), e(KERN_INVALID_TASK));
}

#[test]
fn deallocate_each_right() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    // Send: one uref at a time, then the name goes.
    let (or, s) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    t.mach_port_deallocate(s).unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    t.mach_port_deallocate(s).unwrap();
    assert_eq!(ty(&t, s), e(KERN_INVALID_NAME));
    assert_eq!(status(&owner, or)[ST_SRIGHTS], 0);
    // Send + receive: the send bit goes, the receive right stays.
    let p = port_with_send(&t);
    t.mach_port_deallocate(p).unwrap();
    assert_eq!(ty(&t, p), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(t.mach_port_deallocate(p), e(KERN_INVALID_RIGHT));
    // Send-once: destroyed, the port learns it.
    let (_, so) = foreign_send_once(&owner, &t);
    let so_port = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (so2, _) = owner
        .mach_port_extract_right(so_port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &t)
        .unwrap();
    t.mach_port_deallocate(so2).unwrap();
    assert_eq!(ty(&t, so2), e(KERN_INVALID_NAME));
    assert_eq!(notification_id(&owner, so_port), MACH_NOTIFY_SEND_ONCE);
    assert_eq!(status(&owner, so_port)[ST_SORIGHTS], 0);
    assert_eq!(ty(&t, so), Ok(MACH_PORT_TYPE_SEND_ONCE));
    // Dead name: urefs.
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 2)
        .unwrap();
    t.mach_port_deallocate(d).unwrap();
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 2);
    t.mach_port_deallocate(d).unwrap();
    t.mach_port_deallocate(d).unwrap();
    assert_eq!(ty(&t, d), e(KERN_INVALID_NAME));
    // Port set: destroyed, members live on.
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let m = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_insert_member(m, set).unwrap();
    t.mach_port_deallocate(set).unwrap();
    assert_eq!(ty(&t, set), e(KERN_INVALID_NAME));
    assert_eq!(status(&t, m)[ST_PSET], 0);
    assert_eq!(k.port_set_count(), 0);
}

#[test]
fn deallocate_send_right_to_a_dead_port() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 2).unwrap();
    owner.mach_port_destroy(or).unwrap();
    // Converted to a dead name with its 3 urefs, then one goes.
    t.mach_port_deallocate(s).unwrap();
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_DEAD_NAME), 2);
    // A send-once right to a dead port becomes a dead name with one uref: freed.
    let (or2, so) = foreign_send_once(&owner, &t);
    owner.mach_port_destroy(or2).unwrap();
    t.mach_port_deallocate(so).unwrap();
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
}

#[test]
fn deallocate_pegged_urefs_stay_pegged() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0x20000 - 1)
        .unwrap_err();
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0xfffe)
        .unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), UMAX);
    t.mach_port_deallocate(s).unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), UMAX);
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 0xffff)
        .unwrap();
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), UMAX);
    t.mach_port_deallocate(d).unwrap();
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), UMAX);
}

// ---- destroy ------------------------------------------------------------------------------

#[test]
fn destroy_each_right() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    assert_eq!(t.mach_port_destroy(MACH_PORT_NULL), Ok(()));
    assert_eq!(t.mach_port_destroy(MACH_PORT_DEAD), Ok(()));
    assert_eq!(t.mach_port_destroy(0x4403), e(KERN_INVALID_NAME));
    // Send, whatever the urefs.
    let (or, s) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 4).unwrap();
    t.mach_port_destroy(s).unwrap();
    assert_eq!(ty(&t, s), e(KERN_INVALID_NAME));
    assert_eq!(status(&owner, or)[ST_SRIGHTS], 0);
    // Receive (with send rights elsewhere): the port dies, senders hold dead names.
    let (r, s2) = foreign_send(&t, &owner);
    t.mach_port_destroy(r).unwrap();
    assert_eq!(ty(&t, r), e(KERN_INVALID_NAME));
    assert_eq!(ty(&owner, s2), Ok(MACH_PORT_TYPE_DEAD_NAME));
    // Send + receive under one name.
    let p = port_with_send(&t);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 3).unwrap();
    t.mach_port_destroy(p).unwrap();
    assert_eq!(ty(&t, p), e(KERN_INVALID_NAME));
    // Send-once: the port is told.
    let nport = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (so, _) = owner
        .mach_port_extract_right(nport, MACH_MSG_TYPE_MAKE_SEND_ONCE, &t)
        .unwrap();
    t.mach_port_destroy(so).unwrap();
    assert_eq!(notification_id(&owner, nport), MACH_NOTIFY_SEND_ONCE);
    // Dead name with many urefs.
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 9)
        .unwrap();
    t.mach_port_destroy(d).unwrap();
    assert_eq!(ty(&t, d), e(KERN_INVALID_NAME));
    // Port set.
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    t.mach_port_destroy(set).unwrap();
    assert_eq!(k.port_set_count(), 0);
    // Guarded receive right.
    let g = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_guard(g, 0xfeed, false).unwrap();
    assert_eq!(t.mach_port_destroy(g), e(KERN_INVALID_RIGHT));
    assert_eq!(ty(&t, g), Ok(MACH_PORT_TYPE_RECEIVE));
    t.mach_port_unguard(g, 0xfeed).unwrap();
    t.mach_port_destroy(g).unwrap();
    t.terminate();
    assert_eq!(t.mach_port_destroy(0x103), e(KERN_INVALID_TASK));
}

#[test]
fn destroy_last_send_right_under_a_receive_name_fires_no_senders() {
    // xnu-7195 ipc_right_destroy drops the send right (no-senders) before it destroys the
    // port, so the armed request gets NO_SENDERS, not SEND_ONCE.
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(
        p,
        MACH_NOTIFY_NO_SENDERS,
        0,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    t.mach_port_destroy(p).unwrap();
    let b = recv(&t, n);
    assert_eq!(hdr(&b).msgh_id, MACH_NOTIFY_NO_SENDERS);
    assert_eq!(notification_word(&b), 1);
    assert!(empty(&t, n));
}

// ---- mod_refs -----------------------------------------------------------------------------

#[test]
fn mod_refs_argument_errors() {
    let (_k, t) = setup();
    assert_eq!(
        t.mach_port_mod_refs(0x103, MACH_PORT_RIGHT_NUMBER, 0),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(t.mach_port_mod_refs(0x103, 77, 0), e(KERN_INVALID_VALUE));
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(t.mach_port_mod_refs(name, MACH_PORT_RIGHT_SEND, -1), Ok(()));
        assert_eq!(
            t.mach_port_mod_refs(name, MACH_PORT_RIGHT_SEND_ONCE, 5),
            Ok(())
        );
        for right in [
            MACH_PORT_RIGHT_RECEIVE,
            MACH_PORT_RIGHT_PORT_SET,
            MACH_PORT_RIGHT_DEAD_NAME,
            MACH_PORT_RIGHT_LABELH,
        ] {
            assert_eq!(t.mach_port_mod_refs(name, right, 0), e(KERN_INVALID_NAME));
        }
    }
    for right in 0..6 {
        assert_eq!(t.mach_port_mod_refs(0x103, right, 0), e(KERN_INVALID_NAME));
    }
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_LABELH, 0),
        e(KERN_INVALID_RIGHT)
    );
}

#[test]
fn mod_refs_port_set() {
    let (k, t) = setup();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_PORT_SET, 0),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_mod_refs(set, MACH_PORT_RIGHT_PORT_SET, 0),
        Ok(())
    );
    assert_eq!(
        t.mach_port_mod_refs(set, MACH_PORT_RIGHT_PORT_SET, 1),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(set, MACH_PORT_RIGHT_PORT_SET, -2),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(set, MACH_PORT_RIGHT_SEND, 1),
        e(KERN_INVALID_RIGHT)
    );
    t.mach_port_mod_refs(set, MACH_PORT_RIGHT_PORT_SET, -1)
        .unwrap();
    assert_eq!(ty(&t, set), e(KERN_INVALID_NAME));
    assert_eq!(k.port_set_count(), 0);
}

#[test]
fn mod_refs_receive() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(set, MACH_PORT_RIGHT_RECEIVE, -1),
        e(KERN_INVALID_RIGHT)
    );
    let (_, s) = foreign_send(&owner, &t);
    assert_eq!(
        t.mach_port_mod_refs(s, MACH_PORT_RIGHT_RECEIVE, 0),
        e(KERN_INVALID_RIGHT)
    );
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, 0), Ok(()));
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, 1),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, -2),
        e(KERN_INVALID_VALUE)
    );
    // Guarded: 0 and bad deltas answer as usual, -1 is refused.
    t.mach_port_guard(r, 7, false).unwrap();
    assert_eq!(t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, 0), Ok(()));
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, 2),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, -1),
        e(KERN_INVALID_RIGHT)
    );
    t.mach_port_unguard(r, 7).unwrap();
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(ty(&t, r), e(KERN_INVALID_NAME));
    // With send urefs under the name: the name turns into a dead name keeping them.
    let p = port_with_send(&t);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 2).unwrap();
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(ty(&t, p), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_DEAD_NAME), 3);
    // ... plus one for an armed dead-name request.
    let q = port_with_send(&t);
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(q, MACH_NOTIFY_DEAD_NAME, 0, n, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .unwrap();
    t.mach_port_mod_refs(q, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(ty(&t, q), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, q, MACH_PORT_RIGHT_DEAD_NAME), 2);
    let b = recv(&t, n);
    assert_eq!(hdr(&b).msgh_id, MACH_NOTIFY_DEAD_NAME);
    assert_eq!(notification_word(&b), q);
}

#[test]
fn mod_refs_send_once() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, so) = foreign_send_once(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_SEND_ONCE, 0),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_mod_refs(so, MACH_PORT_RIGHT_SEND_ONCE, 0),
        Ok(())
    );
    assert_eq!(
        t.mach_port_mod_refs(so, MACH_PORT_RIGHT_SEND_ONCE, 1),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(so, MACH_PORT_RIGHT_SEND_ONCE, -2),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(so, MACH_PORT_RIGHT_SEND, -1),
        e(KERN_INVALID_RIGHT)
    );
    t.mach_port_mod_refs(so, MACH_PORT_RIGHT_SEND_ONCE, -1)
        .unwrap();
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
    assert_eq!(notification_id(&owner, or), MACH_NOTIFY_SEND_ONCE);
    // The port died: the right turns into a dead name, and the call fails.
    let (or2, so2) = foreign_send_once(&owner, &t);
    owner.mach_port_destroy(or2).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(so2, MACH_PORT_RIGHT_SEND_ONCE, 0),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(ty(&t, so2), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, so2, MACH_PORT_RIGHT_DEAD_NAME), 1);
}

#[test]
fn mod_refs_send() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = foreign_send(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_SEND, 1),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_mod_refs(d, MACH_PORT_RIGHT_SEND, 1),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0x10000),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, -0x10000),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, -2),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0), Ok(()));
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 4).unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 5);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, -5).unwrap();
    assert_eq!(ty(&t, s), e(KERN_INVALID_NAME));
    assert_eq!(status(&owner, or)[ST_SRIGHTS], 0);
    // Send + receive: at zero the receive right stays.
    let p = port_with_send(&t);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, -1).unwrap();
    assert_eq!(ty(&t, p), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(
        t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 1),
        e(KERN_INVALID_RIGHT)
    );
    // The port died: converted to a dead name, and the call fails.
    let (or2, s2) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, 1).unwrap();
    owner.mach_port_destroy(or2).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, 0),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(ty(&t, s2), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_DEAD_NAME), 2);
}

#[test]
fn mod_refs_send_pegging() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = foreign_send(&owner, &t);
    // Overflow clamps at MACH_PORT_UREFS_MAX (u + d >= 0xFFFF), no KERN_UREFS_OVERFLOW.
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0xfff0)
        .unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 0xfff1);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0xffff)
        .unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), UMAX);
    // Pegged: every delta but -0xFFFF is ignored, even an underflowing one.
    for d in [1, -1, -0xfffe, 0xffff, 0] {
        assert_eq!(t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, d), Ok(()));
        assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), UMAX);
    }
    assert_eq!(
        t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 0x10000),
        e(KERN_INVALID_VALUE)
    );
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, -0xffff)
        .unwrap();
    assert_eq!(ty(&t, s), e(KERN_INVALID_NAME));
    // Reaching exactly 0xFFFE does not peg.
    let (_, s2) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, 0xfffd)
        .unwrap();
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_SEND), 0xfffe);
    t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, -1).unwrap();
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_SEND), 0xfffd);
    t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, 2).unwrap();
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_SEND), UMAX);
    // Pegged copy-outs: another send right arriving leaves 0xFFFF.
    let (or2, _) = foreign_send(&owner, &owner);
    let _ = or2;
    let (or3, s3) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s3, MACH_PORT_RIGHT_SEND, 0xffff)
        .unwrap();
    let (again, _) = owner
        .mach_port_extract_right(or3, MACH_MSG_TYPE_MAKE_SEND, &t)
        .unwrap();
    assert_eq!(again, s3);
    assert_eq!(refs(&t, s3, MACH_PORT_RIGHT_SEND), UMAX);
}

#[test]
fn mod_refs_dead_name() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = foreign_send(&owner, &t);
    let (_, so) = foreign_send_once(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    for live in [s, so, r] {
        assert_eq!(
            t.mach_port_mod_refs(live, MACH_PORT_RIGHT_DEAD_NAME, 1),
            e(KERN_INVALID_RIGHT)
        );
    }
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, -2),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 0x10000),
        e(KERN_INVALID_VALUE)
    );
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 0xffff)
        .unwrap();
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), UMAX);
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, -1)
        .unwrap();
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), UMAX);
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, -0xffff)
        .unwrap();
    assert_eq!(ty(&t, d), e(KERN_INVALID_NAME));
    // A send right to a dead port is converted first, then the delta applies.
    let (or3, s3) = foreign_send(&owner, &t);
    owner.mach_port_destroy(or3).unwrap();
    t.mach_port_mod_refs(s3, MACH_PORT_RIGHT_DEAD_NAME, 1)
        .unwrap();
    assert_eq!(refs(&t, s3, MACH_PORT_RIGHT_DEAD_NAME), 2);
    t.mach_port_mod_refs(s3, MACH_PORT_RIGHT_DEAD_NAME, -2)
        .unwrap();
    assert_eq!(ty(&t, s3), e(KERN_INVALID_NAME));
}

// ---- get_refs, type, names ---------------------------------------------------------------

#[test]
fn get_refs_table() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    assert_eq!(
        t.mach_port_get_refs(0x103, MACH_PORT_RIGHT_NUMBER),
        e(KERN_INVALID_VALUE)
    );
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(t.mach_port_get_refs(name, MACH_PORT_RIGHT_SEND), Ok(1));
        assert_eq!(t.mach_port_get_refs(name, MACH_PORT_RIGHT_SEND_ONCE), Ok(1));
        assert_eq!(
            t.mach_port_get_refs(name, MACH_PORT_RIGHT_RECEIVE),
            e(KERN_INVALID_NAME)
        );
        assert_eq!(
            t.mach_port_get_refs(name, MACH_PORT_RIGHT_DEAD_NAME),
            e(KERN_INVALID_NAME)
        );
    }
    assert_eq!(
        t.mach_port_get_refs(0x103, MACH_PORT_RIGHT_SEND),
        e(KERN_INVALID_NAME)
    );
    let p = port_with_send(&t);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 6).unwrap();
    let all = |n| -> Vec<u32> { (0..6).map(|r| refs(&t, n, r)).collect() };
    assert_eq!(all(p), vec![7, 1, 0, 0, 0, 0]);
    let (_, so) = foreign_send_once(&owner, &t);
    assert_eq!(all(so), vec![0, 0, 1, 0, 0, 0]);
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(all(set), vec![0, 0, 0, 1, 0, 0]);
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 3)
        .unwrap();
    assert_eq!(all(d), vec![0, 0, 0, 0, 4, 0]);
    // A send right to a dead port reads as a dead name.
    let (or, s) = foreign_send(&owner, &t);
    owner.mach_port_destroy(or).unwrap();
    assert_eq!(all(s), vec![0, 0, 0, 0, 1, 0]);
}

#[test]
fn type_and_names() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    assert_eq!(ty(&t, MACH_PORT_NULL), e(KERN_INVALID_NAME));
    assert_eq!(ty(&t, MACH_PORT_DEAD), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(ty(&t, 0x103), e(KERN_INVALID_NAME));
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (or, s) = foreign_send(&owner, &t);
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(s, MACH_NOTIFY_DEAD_NAME, 0, n, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .unwrap();
    assert_eq!(
        ty(&t, s),
        Ok(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST)
    );
    t.mach_port_request_notification(r, MACH_NOTIFY_DEAD_NAME, 0, n, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .unwrap();
    assert_eq!(
        ty(&t, r),
        Ok(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_DNREQUEST)
    );
    assert_eq!(
        names(&t),
        vec![
            (r, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_DNREQUEST),
            (s, MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST),
            (set, MACH_PORT_TYPE_PORT_SET),
            (n, MACH_PORT_TYPE_RECEIVE),
        ]
    );
    // The port dies: the send right reads as a dead name (+1 uref for the request).
    owner.mach_port_destroy(or).unwrap();
    assert_eq!(names(&t)[1], (s, MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
    t.terminate();
    assert_eq!(ty(&t, r), e(KERN_INVALID_TASK));
}

// ---- insert_right ---------------------------------------------------------------------------

#[test]
fn insert_right_fast_path() {
    // name == poly with MAKE_SEND / COPY_SEND: ipc_object_insert_send_right.
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_COPY_SEND)
        .unwrap();
    assert_eq!(refs(&t, r, MACH_PORT_RIGHT_SEND), 3);
    assert_eq!(status(&t, r)[ST_MSCOUNT], 2);
    for d in [MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_COPY_SEND] {
        assert_eq!(
            t.mach_port_insert_right(0x7703, 0x7703, d),
            e(KERN_INVALID_NAME)
        );
        assert_eq!(
            t.mach_port_insert_right(MACH_PORT_NULL, MACH_PORT_NULL, d),
            e(KERN_INVALID_NAME)
        );
    }
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    let r2 = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    for disp in [MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_COPY_SEND] {
        assert_eq!(
            t.mach_port_insert_right(d, d, disp),
            e(KERN_INVALID_CAPABILITY)
        );
        assert_eq!(
            t.mach_port_insert_right(set, set, disp),
            e(KERN_INVALID_RIGHT)
        );
    }
    assert_eq!(
        t.mach_port_insert_right(s, s, MACH_MSG_TYPE_MAKE_SEND),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_insert_right(r2, r2, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_INVALID_RIGHT)
    );
    t.mach_port_insert_right(s, s, MACH_MSG_TYPE_COPY_SEND)
        .unwrap();
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    // Pegged: the make-send count still counts, the urefs stay.
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_SEND, 0xffff)
        .unwrap();
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    assert_eq!(refs(&t, r, MACH_PORT_RIGHT_SEND), UMAX);
    assert_eq!(status(&t, r)[ST_MSCOUNT], 3);
    // A send right whose port died.
    let (or3, s3) = foreign_send(&owner, &t);
    owner.mach_port_destroy(or3).unwrap();
    assert_eq!(
        t.mach_port_insert_right(s3, s3, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_INVALID_CAPABILITY)
    );
}

#[test]
fn insert_right_copyin_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    // poly NULL / DEAD / absent: the lookup fails.
    for poly in [MACH_PORT_NULL, MACH_PORT_DEAD, 0x7703] {
        for d in [MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_COPY_SEND, 0, 99] {
            assert_eq!(
                t.mach_port_insert_right(0x5503, poly, d),
                e(KERN_INVALID_NAME),
                "{poly:#x} {d}"
            );
        }
    }
    // Invalid dispositions.
    for d in [0, 15, 22, 24, 25, 255] {
        assert_eq!(
            t.mach_port_insert_right(0x5503, r, d),
            e(KERN_INVALID_RIGHT)
        );
    }
    // Wrong right for the disposition.
    assert_eq!(
        t.mach_port_insert_right(0x5503, s, MACH_MSG_TYPE_MAKE_SEND),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_insert_right(0x5503, s, MACH_MSG_TYPE_MOVE_RECEIVE),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_insert_right(0x5503, s, MACH_MSG_TYPE_MOVE_SEND_ONCE),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_insert_right(0x5503, r, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_INVALID_RIGHT)
    );
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(
        t.mach_port_insert_right(0x5503, set, MACH_MSG_TYPE_MOVE_SEND),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(ty(&t, 0x5503), e(KERN_INVALID_NAME));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(status(&t, r)[ST_MSCOUNT], 0);
}

#[test]
fn insert_right_dead_name_poly() {
    // ipc_object_copyin takes dead names (DEADOK): the copied-in right is MACH_PORT_DEAD, so
    // mach_port_insert_right answers KERN_INVALID_CAPABILITY -- after checking the name.
    let (_k, t) = setup();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 2)
        .unwrap();
    assert_eq!(
        t.mach_port_insert_right(0x5503, d, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 3);
    // A move uses up a uref.
    assert_eq!(
        t.mach_port_insert_right(0x5503, d, MACH_MSG_TYPE_MOVE_SEND),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_eq!(
        t.mach_port_insert_right(0x5503, d, MACH_MSG_TYPE_MOVE_SEND_ONCE),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(
        t.mach_port_insert_right(0x5503, d, MACH_MSG_TYPE_MAKE_SEND),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_insert_right(MACH_PORT_NULL, d, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
}

#[test]
fn insert_right_name_errors_destroy_the_right() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    // Invalid target names: KERN_INVALID_VALUE, and the right copied in is destroyed.
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(
            t.mach_port_insert_right(name, r, MACH_MSG_TYPE_MAKE_SEND_ONCE),
            e(KERN_INVALID_VALUE)
        );
        assert_eq!(notification_id(&t, r), MACH_NOTIFY_SEND_ONCE);
    }
    let (or, s) = foreign_send(&owner, &t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    assert_eq!(
        t.mach_port_insert_right(MACH_PORT_NULL, s, MACH_MSG_TYPE_MOVE_SEND),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    // Index 0, and a generation clash (even with the space's own name for the port).
    for name in [0x3, 0x7f] {
        assert_eq!(
            t.mach_port_insert_right(name, r, MACH_MSG_TYPE_MAKE_SEND),
            e(KERN_FAILURE)
        );
    }
    assert_eq!(
        t.mach_port_insert_right(s ^ 0x4, s, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_FAILURE)
    );
    assert_eq!(
        t.mach_port_insert_right(r ^ 0x8, s, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_FAILURE)
    );
    // The space already has send rights for the port under another name.
    assert_eq!(
        t.mach_port_insert_right(0x5503, s, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_RIGHT_EXISTS)
    );
    // ... even if the name asked for holds something else.
    assert_eq!(
        t.mach_port_insert_right(r, s, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_RIGHT_EXISTS)
    );
    // The name holds another right (and the space has none for this port).
    let c = k.task_create(None);
    let cr = c.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(
        t.mach_port_insert_right_into(&c, cr, s, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_NAME_EXISTS)
    );
    assert_eq!(ty(&c, cr), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    // A send-once right never joins a name.
    assert_eq!(
        t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND_ONCE),
        e(KERN_NAME_EXISTS)
    );
    assert_eq!(notification_id(&t, r), MACH_NOTIFY_SEND_ONCE);
    // Dead port.
    owner.mach_port_destroy(or).unwrap();
    assert_eq!(
        t.mach_port_insert_right(0x5503, s, MACH_MSG_TYPE_COPY_SEND),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(ty(&t, 0x5503), e(KERN_INVALID_NAME));
    assert_eq!(names(&t).len(), 2);
}

#[test]
fn insert_right_successes() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    // A send right under a chosen name of another task.
    t.mach_port_insert_right_into(&other, 0x4243, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    assert_eq!(ty(&other, 0x4243), Ok(MACH_PORT_TYPE_SEND));
    // Again: merges with that name.
    t.mach_port_insert_right_into(&other, 0x4243, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    assert_eq!(refs(&other, 0x4243, MACH_PORT_RIGHT_SEND), 2);
    // A send-once right under a chosen name.
    t.mach_port_insert_right_into(&other, 0x5003, r, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .unwrap();
    assert_eq!(ty(&other, 0x5003), Ok(MACH_PORT_TYPE_SEND_ONCE));
    // The receive right moves to a new name.
    let q = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_insert_right(0x6003, q, MACH_MSG_TYPE_MOVE_RECEIVE)
        .unwrap();
    assert_eq!(ty(&t, q), e(KERN_INVALID_NAME));
    assert_eq!(ty(&t, 0x6003), Ok(MACH_PORT_TYPE_RECEIVE));
    // ... and joins the name holding send rights for its port.
    let other_r = other.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let _ = other_r;
    t.mach_port_insert_right_into(&other, 0x7003, 0x6003, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    t.mach_port_insert_right_into(&other, 0x7003, 0x6003, MACH_MSG_TYPE_MOVE_RECEIVE)
        .unwrap();
    assert_eq!(ty(&other, 0x7003), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    // Moving a send right onto its own name keeps it.
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MOVE_SEND)
        .unwrap();
    assert_eq!(refs(&t, r, MACH_PORT_RIGHT_SEND), 1);
    t.terminate();
    assert_eq!(
        other.mach_port_insert_right_into(&t, 0x103, 0x7003, MACH_MSG_TYPE_MAKE_SEND),
        e(KERN_INVALID_TASK)
    );
}

#[test]
fn insert_receive_right_onto_a_send_name_elsewhere_destroys_it() {
    // KERN_RIGHT_EXISTS after a MOVE_RECEIVE: the receive right is destroyed (the port dies).
    let (k, t) = setup();
    let other = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_insert_right_into(&other, 0x4243, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    assert_eq!(
        t.mach_port_insert_right_into(&other, 0x5003, r, MACH_MSG_TYPE_MOVE_RECEIVE),
        e(KERN_RIGHT_EXISTS)
    );
    assert_eq!(ty(&t, r), e(KERN_INVALID_NAME));
    assert_eq!(ty(&other, 0x4243), Ok(MACH_PORT_TYPE_DEAD_NAME));
}

// ---- extract_right -------------------------------------------------------------------------

#[test]
fn extract_right_errors_and_results() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    for d in [0, 15, 22, 25] {
        assert_eq!(
            t.mach_port_extract_right(MACH_PORT_NULL, d, &owner),
            e(KERN_INVALID_VALUE)
        );
        assert_eq!(
            t.mach_port_extract_right(r, d, &owner),
            e(KERN_INVALID_VALUE)
        );
    }
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(
            t.mach_port_extract_right(name, MACH_MSG_TYPE_COPY_SEND, &owner),
            e(KERN_INVALID_RIGHT)
        );
    }
    assert_eq!(
        t.mach_port_extract_right(0x7703, MACH_MSG_TYPE_COPY_SEND, &owner),
        e(KERN_INVALID_NAME)
    );
    assert_eq!(
        t.mach_port_extract_right(r, MACH_MSG_TYPE_COPY_SEND, &owner),
        e(KERN_INVALID_RIGHT)
    );
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    assert_eq!(
        t.mach_port_extract_right(set, MACH_MSG_TYPE_MOVE_RECEIVE, &owner),
        e(KERN_INVALID_RIGHT)
    );
    // Rights and the type each arrives as.
    let (n, tn) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND, &owner)
        .unwrap();
    assert_eq!(tn, MACH_MSG_TYPE_PORT_SEND);
    assert_eq!(ty(&owner, n), Ok(MACH_PORT_TYPE_SEND));
    let (n2, tn2) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND_ONCE, &owner)
        .unwrap();
    assert_eq!(tn2, MACH_MSG_TYPE_PORT_SEND_ONCE);
    assert_ne!(n2, n);
    let (n3, tn3) = owner
        .mach_port_extract_right(n, MACH_MSG_TYPE_COPY_SEND, &owner)
        .unwrap();
    assert_eq!((n3, tn3), (n, MACH_MSG_TYPE_PORT_SEND));
    assert_eq!(refs(&owner, n, MACH_PORT_RIGHT_SEND), 2);
    let (n4, tn4) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MOVE_RECEIVE, &owner)
        .unwrap();
    assert_eq!((n4, tn4), (n, MACH_MSG_TYPE_PORT_RECEIVE));
    assert_eq!(ty(&owner, n), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    assert_eq!(ty(&t, r), e(KERN_INVALID_NAME));
    // Dead names come out as MACH_PORT_DEAD (a move uses a uref up).
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 1)
        .unwrap();
    assert_eq!(
        t.mach_port_extract_right(d, MACH_MSG_TYPE_COPY_SEND, &owner),
        Ok((MACH_PORT_DEAD, MACH_MSG_TYPE_PORT_SEND))
    );
    assert_eq!(
        t.mach_port_extract_right(d, MACH_MSG_TYPE_MOVE_SEND, &owner),
        Ok((MACH_PORT_DEAD, MACH_MSG_TYPE_PORT_SEND))
    );
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(
        t.mach_port_extract_right(d, MACH_MSG_TYPE_MOVE_SEND_ONCE, &owner),
        Ok((MACH_PORT_DEAD, MACH_MSG_TYPE_PORT_SEND_ONCE))
    );
    assert_eq!(ty(&t, d), e(KERN_INVALID_NAME));
    let d2 = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(
        t.mach_port_extract_right(d2, MACH_MSG_TYPE_MAKE_SEND, &owner),
        e(KERN_INVALID_RIGHT)
    );
    owner.terminate();
    assert_eq!(
        t.mach_port_extract_right(d2, MACH_MSG_TYPE_COPY_SEND, &owner),
        e(KERN_INVALID_TASK)
    );
}

// ---- port sets ------------------------------------------------------------------------------

#[test]
fn insert_member_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    for (a, b) in [
        (MACH_PORT_NULL, set),
        (MACH_PORT_DEAD, set),
        (r, MACH_PORT_NULL),
        (r, MACH_PORT_DEAD),
    ] {
        assert_eq!(t.mach_port_insert_member(a, b), e(KERN_INVALID_RIGHT));
        assert_eq!(t.mach_port_extract_member(a, b), e(KERN_INVALID_RIGHT));
    }
    // The set is looked at first (xnu-7195 ipc_pset_lazy_allocate).
    assert_eq!(
        t.mach_port_insert_member(0x7703, 0x7803),
        e(KERN_INVALID_NAME)
    );
    assert_eq!(t.mach_port_insert_member(s, 0x7803), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_insert_member(0x7703, r), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_insert_member(0x7703, set), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_insert_member(s, set), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_insert_member(set, set), e(KERN_INVALID_RIGHT));
    t.mach_port_insert_member(r, set).unwrap();
    assert_eq!(t.mach_port_insert_member(r, set), e(KERN_ALREADY_IN_SET));
    // A port may be in several sets.
    let set2 = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    t.mach_port_insert_member(r, set2).unwrap();
    assert_eq!(t.mach_port_get_set_status(set), Ok(vec![r]));
    assert_eq!(t.mach_port_get_set_status(set2), Ok(vec![r]));
    assert_eq!(status(&t, r)[ST_PSET], 1);
}

#[test]
fn extract_member_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    // Both names are looked up before either right is checked.
    assert_eq!(t.mach_port_extract_member(s, 0x7803), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_extract_member(0x7703, r), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_extract_member(s, r), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_extract_member(r, r), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_extract_member(r, set), e(KERN_NOT_IN_SET));
    let set2 = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    t.mach_port_insert_member(r, set2).unwrap();
    assert_eq!(t.mach_port_extract_member(r, set), e(KERN_NOT_IN_SET));
    t.mach_port_extract_member(r, set2).unwrap();
    assert_eq!(t.mach_port_get_set_status(set2), Ok(vec![]));
    assert_eq!(status(&t, r)[ST_PSET], 0);
}

#[test]
fn move_member_errors_and_moves() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let set2 = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    for m in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(t.mach_port_move_member(m, set), e(KERN_INVALID_RIGHT));
    }
    assert_eq!(
        t.mach_port_move_member(r, MACH_PORT_DEAD),
        e(KERN_INVALID_RIGHT)
    );
    // The set first, then the member.
    assert_eq!(t.mach_port_move_member(s, 0x7803), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_move_member(0x7703, r), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_move_member(0x7703, set), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_move_member(s, set), e(KERN_INVALID_RIGHT));
    assert_eq!(
        t.mach_port_move_member(0x7703, MACH_PORT_NULL),
        e(KERN_INVALID_NAME)
    );
    assert_eq!(
        t.mach_port_move_member(s, MACH_PORT_NULL),
        e(KERN_INVALID_RIGHT)
    );
    // xnu-7195 ignores ipc_pset_remove_from_all's KERN_NOT_IN_SET.
    assert_eq!(t.mach_port_move_member(r, MACH_PORT_NULL), Ok(()));
    // Into one set, out of all others.
    t.mach_port_insert_member(r, set).unwrap();
    t.mach_port_insert_member(r, set2).unwrap();
    let set3 = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    t.mach_port_move_member(r, set3).unwrap();
    assert_eq!(t.mach_port_get_set_status(set), Ok(vec![]));
    assert_eq!(t.mach_port_get_set_status(set2), Ok(vec![]));
    assert_eq!(t.mach_port_get_set_status(set3), Ok(vec![r]));
    // Already a member: still fine.
    t.mach_port_move_member(r, set3).unwrap();
    assert_eq!(t.mach_port_get_set_status(set3), Ok(vec![r]));
    t.mach_port_move_member(r, MACH_PORT_NULL).unwrap();
    assert_eq!(t.mach_port_get_set_status(set3), Ok(vec![]));
}

#[test]
fn set_status_is_sorted_and_members_leave_when_moved() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let mut ms: Vec<u32> = (0..4)
        .map(|_| t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap())
        .collect();
    for &m in ms.iter().rev() {
        t.mach_port_insert_member(m, set).unwrap();
    }
    ms.sort_unstable();
    assert_eq!(t.mach_port_get_set_status(set), Ok(ms.clone()));
    assert_eq!(t.mach_port_get_set_status(ms[0]), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_get_set_status(0x7703), e(KERN_INVALID_NAME));
    // A member's receive right moves away: it leaves the set.
    t.mach_port_extract_right(ms[1], MACH_MSG_TYPE_MOVE_RECEIVE, &other)
        .unwrap();
    // Destroyed: likewise.
    t.mach_port_destroy(ms[2]).unwrap();
    assert_eq!(t.mach_port_get_set_status(set), Ok(vec![ms[0], ms[3]]));
}

// ---- attributes, context, guard, mscount, seqno -------------------------------------------

#[test]
fn get_attributes() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    let mut big = [0xeeu32; 17];
    for flavor in [0, 4, 5, 6, 8, 100] {
        assert_eq!(
            t.mach_port_get_attributes(r, flavor, &mut big),
            e(KERN_INVALID_ARGUMENT)
        );
    }
    // Short buffers, before the name.
    assert_eq!(
        t.mach_port_get_attributes(0x7703, MACH_PORT_LIMITS_INFO, &mut []),
        e(KERN_FAILURE)
    );
    assert_eq!(
        t.mach_port_get_attributes(0x7703, MACH_PORT_RECEIVE_STATUS, &mut [0; 9]),
        e(KERN_FAILURE)
    );
    assert_eq!(
        t.mach_port_get_attributes(0x7703, MACH_PORT_INFO_EXT, &mut [0; 16]),
        e(KERN_FAILURE)
    );
    // Invalid names.
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(
            t.mach_port_get_attributes(name, MACH_PORT_LIMITS_INFO, &mut big),
            Ok(0)
        );
        assert_eq!(big[0], 0xee);
        assert_eq!(
            t.mach_port_get_attributes(name, MACH_PORT_DNREQUESTS_SIZE, &mut big),
            Ok(1)
        );
        assert_eq!(big[0], 0);
        big[0] = 0xee;
        assert_eq!(
            t.mach_port_get_attributes(name, MACH_PORT_RECEIVE_STATUS, &mut big),
            e(KERN_INVALID_RIGHT)
        );
        assert_eq!(
            t.mach_port_get_attributes(name, MACH_PORT_INFO_EXT, &mut big),
            e(KERN_INVALID_RIGHT)
        );
    }
    assert_eq!(
        t.mach_port_get_attributes(0x7703, MACH_PORT_LIMITS_INFO, &mut big),
        e(KERN_INVALID_NAME)
    );
    assert_eq!(
        t.mach_port_get_attributes(s, MACH_PORT_LIMITS_INFO, &mut big),
        e(KERN_INVALID_RIGHT)
    );
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    assert_eq!(
        t.mach_port_get_attributes(d, MACH_PORT_RECEIVE_STATUS, &mut big),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_get_attributes(r, MACH_PORT_LIMITS_INFO, &mut big),
        Ok(1)
    );
    assert_eq!(big[0], 5);
    assert_eq!(
        t.mach_port_get_attributes(r, MACH_PORT_INFO_EXT, &mut big),
        Ok(17)
    );
    assert_eq!(
        &big[..],
        &[0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
}

#[test]
fn receive_status_fields() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    t.mach_port_insert_member(r, set).unwrap();
    let (s, _) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND, &owner)
        .unwrap();
    let (_so, _) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND_ONCE, &owner)
        .unwrap();
    Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .send(&owner)
        .unwrap();
    Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .send(&owner)
        .unwrap();
    recv(&t, r);
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(
        r,
        MACH_NOTIFY_NO_SENDERS,
        9,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    t.mach_port_request_notification(
        r,
        MACH_NOTIFY_PORT_DESTROYED,
        0,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[16])
        .unwrap();
    t.mach_port_guard(r, 99, false).unwrap();
    assert_eq!(
        status(&t, r),
        [1, 1, 1, 16, 1, 1, 1, 1, 1, MACH_PORT_STATUS_FLAG_GUARDED]
    );
}

#[test]
fn set_attributes() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (_, s) = foreign_send(&owner, &t);
    for flavor in [0, MACH_PORT_RECEIVE_STATUS, MACH_PORT_INFO_EXT, 8, 100] {
        assert_eq!(
            t.mach_port_set_attributes(r, flavor, &[1; 17]),
            e(KERN_INVALID_ARGUMENT),
            "{flavor}"
        );
    }
    assert_eq!(
        t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[]),
        e(KERN_FAILURE)
    );
    // The limit is checked before the name.
    assert_eq!(
        t.mach_port_set_attributes(MACH_PORT_NULL, MACH_PORT_LIMITS_INFO, &[1025]),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_set_attributes(MACH_PORT_NULL, MACH_PORT_LIMITS_INFO, &[1024]),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_set_attributes(0x7703, MACH_PORT_LIMITS_INFO, &[1]),
        e(KERN_INVALID_NAME)
    );
    assert_eq!(
        t.mach_port_set_attributes(s, MACH_PORT_LIMITS_INFO, &[1]),
        e(KERN_INVALID_RIGHT)
    );
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[1024])
        .unwrap();
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[0])
        .unwrap();
    assert_eq!(status(&t, r)[ST_QLIMIT], 0);
    // Dead-name table size: name checks, then accepted.
    assert_eq!(
        t.mach_port_set_attributes(r, MACH_PORT_DNREQUESTS_SIZE, &[]),
        e(KERN_FAILURE)
    );
    assert_eq!(
        t.mach_port_set_attributes(MACH_PORT_NULL, MACH_PORT_DNREQUESTS_SIZE, &[4]),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(
        t.mach_port_set_attributes(s, MACH_PORT_DNREQUESTS_SIZE, &[4]),
        e(KERN_INVALID_RIGHT)
    );
    t.mach_port_set_attributes(r, MACH_PORT_DNREQUESTS_SIZE, &[4])
        .unwrap();
    // Importance flavors: accepted on ordinary receive rights, no data needed.
    for flavor in [
        MACH_PORT_TEMPOWNER,
        MACH_PORT_IMPORTANCE_RECEIVER,
        MACH_PORT_DENAP_RECEIVER,
    ] {
        assert_eq!(
            t.mach_port_set_attributes(r, flavor, &[]),
            Ok(()),
            "{flavor}"
        );
        assert_eq!(
            t.mach_port_set_attributes(MACH_PORT_NULL, flavor, &[]),
            e(KERN_INVALID_RIGHT)
        );
        assert_eq!(
            t.mach_port_set_attributes(0x7703, flavor, &[]),
            e(KERN_INVALID_NAME)
        );
        assert_eq!(
            t.mach_port_set_attributes(s, flavor, &[]),
            e(KERN_INVALID_RIGHT)
        );
    }
}

#[test]
fn context() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = foreign_send(&owner, &t);
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(t.mach_port_get_context(name), e(KERN_INVALID_RIGHT));
        assert_eq!(t.mach_port_set_context(name, 1), e(KERN_INVALID_RIGHT));
    }
    assert_eq!(t.mach_port_get_context(0x7703), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_set_context(0x7703, 1), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_get_context(s), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_set_context(s, 1), e(KERN_INVALID_RIGHT));
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(t.mach_port_get_context(r), Ok(0));
    t.mach_port_set_context(r, 0xdead_beef_0000_0001).unwrap();
    assert_eq!(t.mach_port_get_context(r), Ok(0xdead_beef_0000_0001));
    // Cleared when the receive right moves.
    let (n, _) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MOVE_RECEIVE, &owner)
        .unwrap();
    assert_eq!(owner.mach_port_get_context(n), Ok(0));
}

#[test]
fn guard_and_unguard() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = foreign_send(&owner, &t);
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(t.mach_port_guard(name, 1, false), e(KERN_INVALID_NAME));
        assert_eq!(t.mach_port_unguard(name, 1), e(KERN_INVALID_NAME));
    }
    assert_eq!(t.mach_port_guard(0x7703, 1, false), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_guard(s, 1, false), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_unguard(s, 1), e(KERN_INVALID_RIGHT));
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(t.mach_port_unguard(r, 0), e(KERN_INVALID_ARGUMENT));
    // A context already set counts as a guard.
    t.mach_port_set_context(r, 5).unwrap();
    assert_eq!(t.mach_port_guard(r, 6, false), e(KERN_INVALID_ARGUMENT));
    t.mach_port_set_context(r, 0).unwrap();
    t.mach_port_guard(r, 6, false).unwrap();
    assert_eq!(t.mach_port_guard(r, 7, false), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_unguard(r, 7), e(KERN_INVALID_ARGUMENT));
    assert_eq!(status(&t, r)[ST_FLAGS], MACH_PORT_STATUS_FLAG_GUARDED);
    t.mach_port_unguard(r, 6).unwrap();
    assert_eq!(status(&t, r)[ST_FLAGS], 0);
    assert_eq!(t.mach_port_get_context(r), Ok(0));
    assert_eq!(t.mach_port_unguard(r, 6), e(KERN_INVALID_ARGUMENT));
    // A guard does not stop a move; the move clears it.
    t.mach_port_guard(r, 8, false).unwrap();
    let (n, _) = t
        .mach_port_extract_right(r, MACH_MSG_TYPE_MOVE_RECEIVE, &owner)
        .unwrap();
    assert_eq!(status(&owner, n)[ST_FLAGS], 0);
    owner.mach_port_destroy(n).unwrap();
}

#[test]
fn mscount_and_seqno() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = foreign_send(&owner, &t);
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        assert_eq!(t.mach_port_set_mscount(name, 1), e(KERN_INVALID_RIGHT));
        assert_eq!(t.mach_port_set_seqno(name, 1), e(KERN_INVALID_RIGHT));
    }
    assert_eq!(t.mach_port_set_mscount(0x7703, 1), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_set_seqno(0x7703, 1), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_set_mscount(s, 1), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_set_seqno(s, 1), e(KERN_INVALID_RIGHT));
    let r = port_with_send(&t);
    t.mach_port_set_mscount(r, 41).unwrap();
    t.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    assert_eq!(status(&t, r)[ST_MSCOUNT], 42);
    t.mach_port_set_seqno(r, 1000).unwrap();
    Msg::new(r, MACH_MSG_TYPE_COPY_SEND, 0, 0).send(&t).unwrap();
    let (res, b) = recv_opts(
        &t,
        r,
        64,
        MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO),
        0,
    );
    res.unwrap();
    assert_eq!(trailer(&b).seqno(), Some(1000));
    assert_eq!(status(&t, r)[ST_SEQNO], 1001);
}

// ---- special and registered ports ---------------------------------------------------------

#[test]
fn task_get_special_port() {
    let (k, t) = setup();
    for which in [-1, 0, 8, 11, 12, 1000] {
        assert_eq!(
            t.task_get_special_port(which),
            e(KERN_INVALID_ARGUMENT),
            "{which}"
        );
    }
    let kp = t.task_get_special_port(TASK_KERNEL_PORT).unwrap();
    assert_eq!(t.task_get_special_port(TASK_KERNEL_PORT), Ok(kp));
    assert_eq!(t.mach_task_self(), kp);
    assert_eq!(refs(&t, kp, MACH_PORT_RIGHT_SEND), 3);
    let host = t.task_get_special_port(TASK_HOST_PORT).unwrap();
    let name = t.task_get_special_port(TASK_NAME_PORT).unwrap();
    assert!(host != kp && name != kp && name != host);
    assert_eq!(ty(&t, host), Ok(MACH_PORT_TYPE_SEND));
    assert_eq!(ty(&t, name), Ok(MACH_PORT_TYPE_SEND));
    // The host port is one port for every task.
    let t2 = k.task_create(None);
    let host2 = t2.task_get_special_port(TASK_HOST_PORT).unwrap();
    let (h, _) = t2
        .mach_port_extract_right(host2, MACH_MSG_TYPE_COPY_SEND, &t)
        .unwrap();
    assert_eq!(h, host);
    for which in [
        TASK_BOOTSTRAP_PORT,
        TASK_SEATBELT_PORT,
        TASK_ACCESS_PORT,
        TASK_DEBUG_CONTROL_PORT,
    ] {
        assert_eq!(t.task_get_special_port(which), Ok(MACH_PORT_NULL));
    }
    t.terminate();
    assert_eq!(t.task_get_special_port(TASK_KERNEL_PORT), e(KERN_FAILURE));
    assert_eq!(t.task_get_special_port(99), e(KERN_FAILURE));
}

#[test]
fn task_set_special_port() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    assert_eq!(
        t.task_set_special_port(TASK_KERNEL_PORT, p),
        e(KERN_NO_ACCESS)
    );
    assert_eq!(
        t.task_set_special_port(TASK_HOST_PORT, p),
        e(KERN_NO_ACCESS)
    );
    for which in [
        -1,
        0,
        TASK_NAME_PORT,
        TASK_INSPECT_PORT,
        TASK_READ_PORT,
        8,
        11,
        12,
    ] {
        assert_eq!(
            t.task_set_special_port(which, p),
            e(KERN_INVALID_ARGUMENT),
            "{which}"
        );
    }
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_SEND), 1);
    // Bootstrap: a copy goes in; getting it back adds a uref to our name.
    t.task_set_special_port(TASK_BOOTSTRAP_PORT, p).unwrap();
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(t.task_get_special_port(TASK_BOOTSTRAP_PORT), Ok(p));
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_SEND), 2);
    // The kernel's copy keeps the port's send count up; replacing it releases it.
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, -2).unwrap();
    t.mach_port_request_notification(
        p,
        MACH_NOTIFY_NO_SENDERS,
        0,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    assert!(empty(&t, n));
    t.task_set_special_port(TASK_BOOTSTRAP_PORT, MACH_PORT_NULL)
        .unwrap();
    assert_eq!(notification_id(&t, n), MACH_NOTIFY_NO_SENDERS);
    assert_eq!(
        t.task_get_special_port(TASK_BOOTSTRAP_PORT),
        Ok(MACH_PORT_NULL)
    );
    // Access and seatbelt ports are set once.
    let q = port_with_send(&t);
    for which in [TASK_ACCESS_PORT, TASK_SEATBELT_PORT] {
        t.task_set_special_port(which, MACH_PORT_NULL).unwrap();
        t.task_set_special_port(which, q).unwrap();
        assert_eq!(t.task_set_special_port(which, q), e(KERN_NO_ACCESS));
        assert_eq!(
            t.task_set_special_port(which, MACH_PORT_NULL),
            e(KERN_NO_ACCESS)
        );
        assert_eq!(t.task_get_special_port(which), Ok(q));
    }
    t.task_set_special_port(TASK_DEBUG_CONTROL_PORT, q).unwrap();
    t.task_set_special_port(TASK_DEBUG_CONTROL_PORT, q).unwrap();
    t.terminate();
    assert_eq!(
        t.task_set_special_port(TASK_BOOTSTRAP_PORT, MACH_PORT_NULL),
        e(KERN_FAILURE)
    );
    assert_eq!(
        t.task_set_special_port(TASK_HOST_PORT, MACH_PORT_NULL),
        e(KERN_NO_ACCESS)
    );
}

#[test]
fn registered_ports() {
    let (k, t) = setup();
    let a = port_with_send(&t);
    let b = port_with_send(&t);
    assert_eq!(
        t.mach_ports_register(&[a, b, a, b]),
        e(KERN_INVALID_ARGUMENT)
    );
    assert_eq!(t.mach_ports_lookup(), [0, 0, 0]);
    t.mach_ports_register(&[a, b]).unwrap();
    assert_eq!(t.mach_ports_lookup(), [a, b, 0]);
    assert_eq!(refs(&t, a, MACH_PORT_RIGHT_SEND), 2);
    // A child inherits them.
    let child = k.task_create(Some(&t));
    let got = child.mach_ports_lookup();
    assert!(got[0] != 0 && got[1] != 0 && got[2] == 0);
    assert_eq!(
        child.mach_port_extract_right(got[0], MACH_MSG_TYPE_COPY_SEND, &t),
        Ok((a, MACH_MSG_TYPE_PORT_SEND))
    );
    // Registering fewer replaces all three slots; the old rights are released.
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(
        b,
        MACH_NOTIFY_NO_SENDERS,
        0,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    t.mach_port_mod_refs(b, MACH_PORT_RIGHT_SEND, -2).unwrap();
    child.terminate();
    assert!(empty(&t, n));
    t.mach_ports_register(&[a]).unwrap();
    assert_eq!(notification_id(&t, n), MACH_NOTIFY_NO_SENDERS);
    assert_eq!(t.mach_ports_lookup(), [a, 0, 0]);
    t.mach_ports_register(&[]).unwrap();
    assert_eq!(t.mach_ports_lookup(), [0, 0, 0]);
}

#[test]
fn terminated_task_reports_invalid_task_everywhere() {
    let (_k, t) = setup();
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.terminate();
    assert_eq!(
        t.mach_port_get_refs(r, MACH_PORT_RIGHT_RECEIVE),
        e(KERN_INVALID_TASK)
    );
    assert_eq!(
        t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, 0),
        e(KERN_INVALID_TASK)
    );
    assert_eq!(t.mach_port_insert_member(r, r), e(KERN_INVALID_TASK));
    assert_eq!(t.mach_port_set_mscount(r, 0), e(KERN_INVALID_TASK));
    assert_eq!(t.mach_port_get_context(r), e(KERN_INVALID_TASK));
    assert_eq!(
        t.mach_port_request_notification(r, MACH_NOTIFY_NO_SENDERS, 0, 0, 0),
        e(KERN_INVALID_TASK)
    );
    let _ = KernReturn::SUCCESS;
}

/// A strict guard hides the context and refuses a new one; a plain guard is overwritten by
/// `mach_port_set_context`, as in XNU.
#[test]
fn strict_guards_hide_and_keep_the_context() {
    let k = Kernel::new();
    let t = k.task_create(None);
    let strict = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_guard(strict, 0x5157, true).unwrap();
    assert_eq!(t.mach_port_get_context(strict), Ok(0));
    assert_eq!(
        t.mach_port_set_context(strict, 1),
        Err(KernReturn(KERN_INVALID_ARGUMENT))
    );
    t.mach_port_unguard(strict, 0x5157).unwrap();
    t.mach_port_set_context(strict, 1).unwrap();
    assert_eq!(t.mach_port_get_context(strict), Ok(1));

    let plain = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_guard(plain, 0x77, false).unwrap();
    assert_eq!(t.mach_port_get_context(plain), Ok(0x77));
    t.mach_port_set_context(plain, 0x78).unwrap();
    assert_eq!(t.mach_port_get_context(plain), Ok(0x78));
}
