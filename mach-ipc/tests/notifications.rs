//! Notifications: no-senders, dead-name, port-destroyed, send-once and port-deleted, when
//! each fires, the exact messages (ids, sizes, layouts) and the request errors of
//! `mach_port_request_notification` (xnu-7195).

mod msgkit;

use darling_mach_ipc::Task;
use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::DESCRIPTORS_START;
use darling_mach_ipc::wire::{MachPortDestroyedNotification, NdrRecord};
use msgkit::*;

/// Receives one notification on `n` (with the audit trailer) and checks the header every
/// kernel notification has: a send-once destination, no reply, the given id and the size of
/// its `wire` struct.
fn notification(t: &Task, n: u32, id: i32) -> Vec<u8> {
    let (r, b) = recv_opts(
        t,
        n,
        256,
        MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
        0,
    );
    r.unwrap_or_else(|e| panic!("no notification {id} on {n:#x}: {e}"));
    let h = hdr(&b);
    let complex = if id == MACH_NOTIFY_PORT_DESTROYED {
        MACH_MSGH_BITS_COMPLEX
    } else {
        0
    };
    assert_eq!(
        (
            h.msgh_bits,
            h.msgh_size,
            h.msgh_remote_port,
            h.msgh_local_port,
            h.msgh_id
        ),
        (complex | 0x1200, notification_size(id) as u32, 0, n, id),
        "notification {id}"
    );
    // The kernel sent it: security token {0, 1}.
    let tr = trailer(&b);
    assert_eq!(
        (tr.format(), tr.size(), tr.sender().map(|s| s.val)),
        (0, 52, Some([0, 1]))
    );
    if !matches!(id, MACH_NOTIFY_SEND_ONCE | MACH_NOTIFY_PORT_DESTROYED) {
        assert_eq!(notification_body(&b).0, NdrRecord::NATIVE);
    }
    b
}

// ---- no-senders ---------------------------------------------------------------------------

#[test]
fn no_senders_immediately_when_due() {
    let (_k, t) = setup();
    let r = recv_port(&t);
    let n = recv_port(&t);
    assert_eq!(
        request(&t, r, MACH_NOTIFY_NO_SENDERS, 0, n),
        Ok(MACH_PORT_NULL)
    );
    let b = notification(&t, n, MACH_NOTIFY_NO_SENDERS);
    assert_eq!(notification_word(&b), 0);
    // Nothing stays armed.
    assert_eq!(status(&t, r)[ST_NSREQUEST], 0);
    // Due means: no send rights and sync <= mscount.
    t.mach_port_set_mscount(r, 7).unwrap();
    request(&t, r, MACH_NOTIFY_NO_SENDERS, 7, n).unwrap();
    assert_eq!(
        notification_word(&notification(&t, n, MACH_NOTIFY_NO_SENDERS)),
        7
    );
    request(&t, r, MACH_NOTIFY_NO_SENDERS, 8, n).unwrap();
    assert!(empty(&t, n));
    assert_eq!(status(&t, r)[ST_NSREQUEST], 1);
}

#[test]
fn no_senders_fires_at_the_next_zero_whatever_the_sync() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let r = recv_port(&t);
    let n = recv_port(&t);
    // Armed with a sync above the make-send count: it still fires at the next zero.
    request(&t, r, MACH_NOTIFY_NO_SENDERS, 100, n).unwrap();
    assert!(empty(&t, n));
    let (s1, _) = t.mach_port_extract_right(r, MAKE, &other).unwrap();
    t.mach_port_insert_right(r, r, MAKE).unwrap();
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_SEND, 2).unwrap();
    // Urefs do not count, entries do.
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_SEND, -3).unwrap();
    assert!(empty(&t, n));
    other.mach_port_deallocate(s1).unwrap();
    let b = notification(&t, n, MACH_NOTIFY_NO_SENDERS);
    assert_eq!(notification_word(&b), 2);
    // Fired once, then disarmed.
    t.mach_port_insert_right(r, r, MAKE).unwrap();
    t.mach_port_deallocate(r).unwrap();
    assert!(empty(&t, n));
    assert_eq!(status(&t, r)[ST_NSREQUEST], 0);
}

#[test]
fn no_senders_counts_rights_in_messages_and_kernel_slots() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let r = recv_port(&t);
    let n = recv_port(&t);
    let (s, _) = t.mach_port_extract_right(r, MAKE, &other).unwrap();
    request(&t, r, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    // The right travels in a message (moved), then is consumed as the destination.
    let q = port_with_send(&other);
    Msg::new(q, COPY, 0, 0)
        .port(s, MACH_MSG_TYPE_MOVE_SEND)
        .send(&other)
        .unwrap();
    assert_eq!(ty(&other, s), e(KERN_INVALID_NAME));
    assert!(empty(&t, n));
    let m = recv(&other, q);
    let s2 = port_desc(&m, DESCRIPTORS_START).0;
    Msg::new(s2, MACH_MSG_TYPE_MOVE_SEND, 0, 0)
        .send(&other)
        .unwrap();
    assert!(empty(&t, n));
    recv(&t, r);
    assert_eq!(
        notification_word(&notification(&t, n, MACH_NOTIFY_NO_SENDERS)),
        1
    );
    // A kernel slot (a registered port) holds one too.
    let (s3, _) = t.mach_port_extract_right(r, MAKE, &other).unwrap();
    other.mach_ports_register(&[s3]).unwrap();
    other.mach_port_deallocate(s3).unwrap();
    request(&t, r, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    assert!(empty(&t, n));
    other.terminate();
    assert_eq!(
        notification_word(&notification(&t, n, MACH_NOTIFY_NO_SENDERS)),
        2
    );
}

#[test]
fn no_senders_request_replace_cancel_and_errors() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let r = port_with_send(&t);
    let n = recv_port(&t);
    let n2 = recv_port(&t);
    assert_eq!(request(&t, r, MACH_NOTIFY_NO_SENDERS, 0, n), Ok(0));
    // Replaced: the old send-once right comes back under a new name.
    let prev = request(&t, r, MACH_NOTIFY_NO_SENDERS, 0, n2).unwrap();
    assert_ne!(prev, 0);
    assert_eq!(ty(&t, prev), Ok(MACH_PORT_TYPE_SEND_ONCE));
    Msg::new(prev, MOVE_SO, 0, 0).id(1).send(&t).unwrap();
    assert_eq!(hdr(&recv(&t, n)).msgh_id, 1);
    // Cancelled with MACH_PORT_NULL.
    let prev = t
        .mach_port_request_notification(r, MACH_NOTIFY_NO_SENDERS, 0, 0, 0)
        .unwrap();
    assert_ne!(prev, 0);
    t.mach_port_deallocate(prev).unwrap();
    assert_eq!(hdr(&recv(&t, n2)).msgh_id, MACH_NOTIFY_SEND_ONCE);
    t.mach_port_deallocate(r).unwrap();
    assert!(empty(&t, n2));
    // Errors; the send-once right made for the request is destroyed.
    let (s, _) = other
        .mach_port_extract_right(recv_port(&other), MAKE, &t)
        .unwrap();
    for (name, code) in [
        (MACH_PORT_NULL, KERN_INVALID_RIGHT),
        (MACH_PORT_DEAD, KERN_INVALID_RIGHT),
        (0x7703, KERN_INVALID_NAME),
        (s, KERN_INVALID_RIGHT),
    ] {
        assert_eq!(request(&t, name, MACH_NOTIFY_NO_SENDERS, 0, n), e(code));
        notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    }
    assert_eq!(status(&t, n)[ST_SORIGHTS], 0);
}

#[test]
fn port_death_turns_a_no_senders_request_into_send_once() {
    let (_k, t) = setup();
    let r = port_with_send(&t);
    let n = recv_port(&t);
    request(&t, r, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    assert!(empty(&t, n));
}

// ---- dead-name ---------------------------------------------------------------------------

#[test]
fn dead_name_notification_and_extra_uref() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = recv_port(&owner);
    let (s, _) = owner.mach_port_extract_right(r, MAKE, &t).unwrap();
    let (so, _) = owner.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    let n = recv_port(&t);
    assert_eq!(request(&t, s, MACH_NOTIFY_DEAD_NAME, 0, n), Ok(0));
    assert_eq!(request(&t, so, MACH_NOTIFY_DEAD_NAME, 0, n), Ok(0));
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 2).unwrap();
    owner.mach_port_destroy(r).unwrap();
    let mut got = [
        notification_word(&notification(&t, n, MACH_NOTIFY_DEAD_NAME)),
        notification_word(&notification(&t, n, MACH_NOTIFY_DEAD_NAME)),
    ];
    got.sort_unstable();
    let mut want = [s, so];
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(empty(&t, n));
    // The notification carries a uref: send 3 + 1, send-once 1 + 1.
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_DEAD_NAME), 4);
    assert_eq!(refs(&t, so, MACH_PORT_RIGHT_DEAD_NAME), 2);
    // Pegged urefs stay pegged.
    let r2 = recv_port(&owner);
    let (s2, _) = owner.mach_port_extract_right(r2, MAKE, &t).unwrap();
    request(&t, s2, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, 0xffff)
        .unwrap();
    owner.mach_port_destroy(r2).unwrap();
    notification(&t, n, MACH_NOTIFY_DEAD_NAME);
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_DEAD_NAME), 0xffff);
}

#[test]
fn dead_name_request_on_a_dead_name() {
    // xnu-7195: with sync != 0 the notification comes at once (and its uref); otherwise
    // KERN_INVALID_ARGUMENT.
    let (_k, t) = setup();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    let n = recv_port(&t);
    assert_eq!(
        request(&t, d, MACH_NOTIFY_DEAD_NAME, 0, n),
        e(KERN_INVALID_ARGUMENT)
    );
    notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    assert_eq!(request(&t, d, MACH_NOTIFY_DEAD_NAME, 1, n), Ok(0));
    let b = notification(&t, n, MACH_NOTIFY_DEAD_NAME);
    assert_eq!(notification_word(&b), d);
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 2);
    assert_eq!(ty(&t, d), Ok(MACH_PORT_TYPE_DEAD_NAME));
    // Nothing to cancel: fine.
    assert_eq!(
        t.mach_port_request_notification(d, MACH_NOTIFY_DEAD_NAME, 0, 0, 0),
        Ok(0)
    );
    assert_eq!(
        t.mach_port_request_notification(d, MACH_NOTIFY_DEAD_NAME, 1, 0, 0),
        Ok(0)
    );
}

#[test]
fn dead_name_request_replace_cancel_and_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = recv_port(&owner);
    let (s, _) = owner.mach_port_extract_right(r, MAKE, &t).unwrap();
    let n = recv_port(&t);
    let n2 = recv_port(&t);
    request(&t, s, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    assert_eq!(
        ty(&t, s),
        Ok(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DNREQUEST)
    );
    let prev = request(&t, s, MACH_NOTIFY_DEAD_NAME, 0, n2).unwrap();
    assert_eq!(ty(&t, prev), Ok(MACH_PORT_TYPE_SEND_ONCE));
    t.mach_port_deallocate(prev).unwrap();
    notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    let prev = t
        .mach_port_request_notification(s, MACH_NOTIFY_DEAD_NAME, 0, 0, 0)
        .unwrap();
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_SEND));
    t.mach_port_deallocate(prev).unwrap();
    notification(&t, n2, MACH_NOTIFY_SEND_ONCE);
    owner.mach_port_destroy(r).unwrap();
    assert!(empty(&t, n) && empty(&t, n2));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_DEAD_NAME), 1);
    // Errors.
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    for (name, code) in [
        (MACH_PORT_NULL, KERN_INVALID_ARGUMENT),
        (MACH_PORT_DEAD, KERN_INVALID_ARGUMENT),
        (0x7703, KERN_INVALID_NAME),
        (set, KERN_INVALID_RIGHT),
    ] {
        assert_eq!(request(&t, name, MACH_NOTIFY_DEAD_NAME, 0, n), e(code));
        notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    }
    // Nothing armed and nothing asked for: success, whatever the name holds.
    assert_eq!(
        t.mach_port_request_notification(set, MACH_NOTIFY_DEAD_NAME, 0, 0, 0),
        Ok(0)
    );
    // Other message ids.
    let r2 = recv_port(&t);
    for id in [
        0,
        64,
        MACH_NOTIFY_PORT_DELETED,
        MACH_NOTIFY_SEND_ONCE,
        73,
        1000,
    ] {
        assert_eq!(request(&t, r2, id, 0, n), e(KERN_INVALID_VALUE), "{id}");
        notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    }
}

#[test]
fn notify_right_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = recv_port(&t);
    let (s, _) = owner
        .mach_port_extract_right(recv_port(&owner), MAKE, &t)
        .unwrap();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 1)
        .unwrap();
    for id in [MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_DEAD_NAME] {
        assert_eq!(
            t.mach_port_request_notification(r, id, 0, MACH_PORT_DEAD, MAKE_SO),
            e(KERN_INVALID_CAPABILITY)
        );
        assert_eq!(
            t.mach_port_request_notification(r, id, 0, 0x7703, MAKE_SO),
            e(KERN_INVALID_NAME)
        );
        assert_eq!(
            t.mach_port_request_notification(r, id, 0, s, MAKE_SO),
            e(KERN_INVALID_RIGHT)
        );
        assert_eq!(
            t.mach_port_request_notification(r, id, 0, s, MOVE_SO),
            e(KERN_INVALID_RIGHT)
        );
    }
    // A dead name moved as the notify right: MACH_PORT_DEAD, refused (a uref is used up).
    assert_eq!(
        t.mach_port_request_notification(r, MACH_NOTIFY_NO_SENDERS, 0, d, MOVE_SO),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(status(&t, r)[ST_NSREQUEST], 0);
    // A send-once right moved in.
    let (so, _) = t.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    t.mach_port_request_notification(r, MACH_NOTIFY_NO_SENDERS, 1, so, MOVE_SO)
        .unwrap();
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
    assert_eq!(status(&t, r)[ST_NSREQUEST], 1);
}

// ---- port-destroyed -----------------------------------------------------------------------

#[test]
fn port_destroyed_hands_the_receive_right_over() {
    let (k, t) = setup();
    let sender = k.task_create(None);
    let keeper = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let kp = recv_port(&keeper);
    keeper
        .mach_port_insert_right_into(&t, 0x4403, kp, MAKE_SO)
        .unwrap();
    let (s, _) = t.mach_port_extract_right(r, MAKE, &sender).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    t.mach_port_insert_member(r, set).unwrap();
    t.mach_port_set_context(r, 5).unwrap();
    Msg::new(s, COPY, 0, 0).id(11).send(&sender).unwrap();
    Msg::new(s, COPY, 0, 0).id(12).send(&sender).unwrap();
    recv(&t, r);
    assert_eq!(
        t.mach_port_request_notification(r, MACH_NOTIFY_PORT_DESTROYED, 0, 0x4403, MOVE_SO),
        Ok(0)
    );
    assert_eq!(status(&t, r)[ST_PDREQUEST], 1);
    t.mach_port_destroy(r).unwrap();
    assert_eq!(ty(&t, r), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_get_set_status(set), Ok(vec![]));
    // The senders did not notice.
    assert_eq!(ty(&sender, s), Ok(MACH_PORT_TYPE_SEND));
    let b = notification(&keeper, kp, MACH_NOTIFY_PORT_DESTROYED);
    let d: MachPortDestroyedNotification = at(&b, 0);
    assert_eq!(d.not_body.msgh_descriptor_count, 1);
    let name = d.not_port.name;
    assert_eq!((d.not_port.disposition(), d.not_port.type_()), (16, 0));
    assert_eq!(ty(&keeper, name), Ok(MACH_PORT_TYPE_RECEIVE));
    // The queue came along; mscount, seqno, context start afresh; the request is used up.
    let st = status(&keeper, name);
    assert_eq!(
        (
            st[ST_MSGCOUNT],
            st[ST_MSCOUNT],
            st[ST_SEQNO],
            st[ST_PSET],
            st[ST_PDREQUEST]
        ),
        (1, 0, 0, 0, 0)
    );
    assert_eq!(keeper.mach_port_get_context(name), Ok(0));
    assert_eq!(hdr(&recv(&keeper, name)).msgh_id, 12);
    Msg::new(s, COPY, 0, 0).id(13).send(&sender).unwrap();
    assert_eq!(hdr(&recv(&keeper, name)).msgh_id, 13);
    // This time it dies.
    keeper.mach_port_destroy(name).unwrap();
    assert_eq!(ty(&sender, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
}

#[test]
fn port_destroyed_with_send_rights_under_the_name() {
    let (k, t) = setup();
    let keeper = k.task_create(None);
    let r = port_with_send(&t);
    let kp = recv_port(&keeper);
    keeper
        .mach_port_insert_right_into(&t, 0x4403, kp, MAKE_SO)
        .unwrap();
    t.mach_port_request_notification(r, MACH_NOTIFY_PORT_DESTROYED, 0, 0x4403, MOVE_SO)
        .unwrap();
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    // The name keeps a plain send right to the rescued port.
    assert_eq!(ty(&t, r), Ok(MACH_PORT_TYPE_SEND));
    let b = notification(&keeper, kp, MACH_NOTIFY_PORT_DESTROYED);
    let name = at::<MachPortDestroyedNotification>(&b, 0).not_port.name;
    Msg::new(r, COPY, 0, 0).id(3).send(&t).unwrap();
    assert_eq!(hdr(&recv(&keeper, name)).msgh_id, 3);
    // Task termination rescues it too.
    let n2 = recv_port(&t);
    let (kps, _) = t.mach_port_extract_right(n2, MAKE_SO, &keeper).unwrap();
    keeper
        .mach_port_request_notification(name, MACH_NOTIFY_PORT_DESTROYED, 0, kps, MOVE_SO)
        .unwrap();
    keeper.terminate();
    let b = notification(&t, n2, MACH_NOTIFY_PORT_DESTROYED);
    let back = at::<MachPortDestroyedNotification>(&b, 0).not_port.name;
    // It came home to the name holding its send right.
    assert_eq!(back, r);
    assert_eq!(ty(&t, r), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
}

#[test]
fn port_destroyed_request_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = recv_port(&t);
    let n = recv_port(&t);
    let (s, _) = owner
        .mach_port_extract_right(recv_port(&owner), MAKE, &t)
        .unwrap();
    assert_eq!(
        request(&t, r, MACH_NOTIFY_PORT_DESTROYED, 1, n),
        e(KERN_INVALID_VALUE)
    );
    notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    for (name, code) in [
        (MACH_PORT_NULL, KERN_INVALID_RIGHT),
        (MACH_PORT_DEAD, KERN_INVALID_RIGHT),
        (0x7703, KERN_INVALID_NAME),
        (s, KERN_INVALID_RIGHT),
    ] {
        assert_eq!(request(&t, name, MACH_NOTIFY_PORT_DESTROYED, 0, n), e(code));
        notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    }
    assert_eq!(request(&t, r, MACH_NOTIFY_PORT_DESTROYED, 0, n), Ok(0));
    // Only one, and it cannot be replaced or cancelled.
    assert_eq!(
        request(&t, r, MACH_NOTIFY_PORT_DESTROYED, 0, n),
        e(KERN_FAILURE)
    );
    notification(&t, n, MACH_NOTIFY_SEND_ONCE);
    assert_eq!(
        t.mach_port_request_notification(r, MACH_NOTIFY_PORT_DESTROYED, 0, 0, 0),
        e(KERN_FAILURE)
    );
    // Task ports are kernel objects: no requests on them either (the task holds only
    // send rights to them, so INVALID_RIGHT).
    let me = t.mach_task_self();
    assert_eq!(
        request(&t, me, MACH_NOTIFY_PORT_DESTROYED, 0, n),
        e(KERN_INVALID_RIGHT)
    );
    notification(&t, n, MACH_NOTIFY_SEND_ONCE);
}

// ---- send-once ----------------------------------------------------------------------------

#[test]
fn send_once_notification_when_unused() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let r = recv_port(&t);
    let mk = |to: &Task| t.mach_port_extract_right(r, MAKE_SO, to).unwrap().0;
    // deallocate, mod_refs -1, destroy, task termination.
    let a = mk(&other);
    other.mach_port_deallocate(a).unwrap();
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    let a = mk(&other);
    other
        .mach_port_mod_refs(a, MACH_PORT_RIGHT_SEND_ONCE, -1)
        .unwrap();
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    let a = mk(&other);
    other.mach_port_destroy(a).unwrap();
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    // A message holding one (as reply, in a descriptor) destroyed unreceived.
    let q = port_with_send(&other);
    let a = mk(&other);
    let b = mk(&other);
    Msg::new(q, COPY, a, MOVE_SO)
        .port(b, MOVE_SO)
        .send(&other)
        .unwrap();
    other.mach_port_destroy(q).unwrap();
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    let _c = mk(&other);
    let _d = mk(&other);
    other.terminate();
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
    assert!(empty(&t, r));
    assert_eq!(status(&t, r)[ST_SORIGHTS], 0);
    // Used: no notification; the message arrives instead.
    let c = mk(&t);
    Msg::new(c, MOVE_SO, 0, 0).id(9).send(&t).unwrap();
    assert_eq!(hdr(&recv(&t, r)).msgh_id, 9);
    assert!(empty(&t, r));
    // Its port dead: nothing to notify.
    let s = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (so, _) = t.mach_port_extract_right(s, MAKE_SO, &t).unwrap();
    t.mach_port_destroy(s).unwrap();
    t.mach_port_deallocate(so).unwrap();
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
}

#[test]
fn send_once_notification_is_not_held_back_by_a_full_queue() {
    let (_k, t) = setup();
    let r = port_with_send(&t);
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[0])
        .unwrap();
    let (so, _) = t.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    t.mach_port_deallocate(so).unwrap();
    notification(&t, r, MACH_NOTIFY_SEND_ONCE);
}

// ---- port-deleted -------------------------------------------------------------------------

#[test]
fn port_deleted_when_a_requested_name_loses_its_right() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let n = recv_port(&t);
    let r = recv_port(&owner);
    let fresh = |t: &Task| {
        let (s, _) = owner.mach_port_extract_right(r, MAKE, t).unwrap();
        request(t, s, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
        s
    };
    let deleted = |t: &Task, s: u32| {
        let b = notification(t, n, MACH_NOTIFY_PORT_DELETED);
        assert_eq!(notification_word(&b), s);
    };
    // deallocate of the last uref (not before).
    let s = fresh(&t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    t.mach_port_deallocate(s).unwrap();
    assert!(empty(&t, n));
    t.mach_port_deallocate(s).unwrap();
    deleted(&t, s);
    // mod_refs to zero; destroy.
    let s = fresh(&t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, -1).unwrap();
    deleted(&t, s);
    let s = fresh(&t);
    t.mach_port_destroy(s).unwrap();
    deleted(&t, s);
    // Moved away in a message.
    let s = fresh(&t);
    let q = port_with_send(&t);
    Msg::new(q, COPY, 0, 0)
        .port(s, MACH_MSG_TYPE_MOVE_SEND)
        .send(&t)
        .unwrap();
    deleted(&t, s);
    let back = port_desc(&recv(&t, q), DESCRIPTORS_START).0;
    t.mach_port_deallocate(back).unwrap();
    // As a destination, moved.
    let s = fresh(&t);
    Msg::new(s, MACH_MSG_TYPE_MOVE_SEND, 0, 0).send(&t).unwrap();
    deleted(&t, s);
    assert_eq!(hdr(&recv(&owner, r)).msgh_bits, 0x1100);
    // A send-once right with a request, dropped: send-once to its port, port-deleted to us.
    let (so, _) = owner.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    request(&t, so, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    t.mach_port_deallocate(so).unwrap();
    deleted(&t, so);
    notification(&owner, r, MACH_NOTIFY_SEND_ONCE);
    // A receive-only name with a request loses its receive right.
    let rr = recv_port(&t);
    request(&t, rr, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    t.mach_port_mod_refs(rr, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    deleted(&t, rr);
    let rr = recv_port(&t);
    request(&t, rr, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    t.mach_port_extract_right(rr, MACH_MSG_TYPE_MOVE_RECEIVE, &owner)
        .unwrap();
    deleted(&t, rr);
    // Task termination: each request is port-deleted.
    let other = k.task_create(None);
    let (os, _) = owner.mach_port_extract_right(r, MAKE, &other).unwrap();
    let (nso, _) = t.mach_port_extract_right(n, MAKE_SO, &other).unwrap();
    other
        .mach_port_request_notification(os, MACH_NOTIFY_DEAD_NAME, 0, nso, MOVE_SO)
        .unwrap();
    other.terminate();
    deleted(&t, os);
    assert!(empty(&t, n));
    assert_eq!(status(&t, n)[ST_SORIGHTS], 0);
    owner.terminate();
    t.terminate();
    assert_eq!(k.port_count(), 1);
}

/// A reply right moved with a message, its name carrying a dead-name request: the name's
/// port-deleted notification is sent while the header is copied in, so it is queued before
/// the message itself when both go to one port (xnu-7195.141.2 `ipc_kmsg_copyin_header`
/// sends it before `ipc_kmsg_send` queues the message).
#[test]
fn reply_rights_port_deleted_comes_before_the_message() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let r = recv_port(&owner);
    let n = port_with_send(&t);
    let (so, _) = owner.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    request(&t, so, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    Msg::new(n, COPY, so, MOVE_SO).id(77).send(&t).unwrap();
    let first = notification(&t, n, MACH_NOTIFY_PORT_DELETED);
    assert_eq!(notification_word(&first), so);
    let second = recv(&t, n);
    assert_eq!(hdr(&second).msgh_id, 77);
    assert_eq!(hdr(&second).msgh_bits & 0xffff, 0x1112);
}
