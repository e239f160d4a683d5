//! Messages sent to kernel-object ports (task ports, the host port): the kernel answers
//! each as xnu-7195.141.2 `ipc_kobject_server` does, with a `mig_reply_error_t` built as
//! xnu-11417.121.6 `ipc_kobject_init_reply` builds it. No routine is served yet, so every
//! request gets `MIG_BAD_ID`.

mod msgkit;

use std::thread;
use std::time::{Duration, Instant};

use darling_mach_ipc::Task;
use darling_mach_ipc::consts::*;
use darling_mach_ipc::wire::{MigReplyError, NdrRecord};
use msgkit::*;

/// The task's kernel-object ports: its control port, its name port, the host port.
fn kernel_ports(t: &Task) -> [(&'static str, u32); 3] {
    [
        ("task", t.mach_task_self()),
        (
            "task name",
            t.task_get_special_port(TASK_NAME_PORT).unwrap(),
        ),
        ("host", t.task_get_special_port(TASK_HOST_PORT).unwrap()),
    ]
}

/// Receives the kernel's reply on `r` (with the audit trailer) and checks it is a
/// `mig_reply_error_t` for request `id`: 36 bytes, the reply right of type `reply_type` as
/// its destination, no reply port, no voucher, id + 100, NDR_record, `ret_code`, and the
/// kernel's security and audit tokens in the trailer.
fn kernel_reply(t: &Task, r: u32, id: i32, reply_type: u32, ret_code: i32) {
    let (res, b) = recv_opts(
        t,
        r,
        256,
        MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
        0,
    );
    res.unwrap_or_else(|e| panic!("no reply to {id} on {r:#x}: {e}"));
    let h = hdr(&b);
    // Received, the header is swapped: the reply's remote disposition shows as the local one.
    assert_eq!(
        (
            h.msgh_bits,
            h.msgh_size,
            h.msgh_remote_port,
            h.msgh_local_port,
            h.msgh_voucher_port,
            h.msgh_id
        ),
        (
            MACH_MSGH_BITS(0, reply_type),
            size_of::<MigReplyError>() as u32,
            0,
            r,
            0,
            id.wrapping_add(100)
        ),
        "reply to {id}"
    );
    let reply: MigReplyError = at(&b, 0);
    assert_eq!(reply.ndr, NdrRecord::NATIVE);
    assert_eq!(reply.ret_code, ret_code, "RetCode of the reply to {id}");
    // Trailer: format 0, 52 bytes, then the kernel's security token {0, 1} and its audit
    // token (all zero).
    let tr = trailer(&b);
    assert_eq!((tr.format(), tr.size()), (0, 52));
    assert_eq!(tr.sender().map(|s| s.val), Some([0, 1]));
    assert_eq!(tr.audit().map(|a| a.val), Some([0; 8]));
}

/// Receives a notification on `n` and returns its id (panics if there is none).
fn notification_id(t: &Task, n: u32) -> i32 {
    hdr(&recv(t, n)).msgh_id
}

#[test]
fn unknown_id_gets_mig_bad_id_on_a_send_once_reply() {
    let (_k, t) = setup();
    let r = recv_port(&t);
    for (what, dest) in kernel_ports(&t) {
        for id in [0, 1, 0x1234, MACH_NOTIFY_SEND_ONCE, -7] {
            let (res, b) = Msg::new(dest, COPY, r, MAKE_SO).id(id).send_opts(&t, 0, 0);
            assert_eq!(res, Ok(()), "{what} {id}");
            // Nothing comes back into the send buffer.
            assert_eq!(b, Msg::new(dest, COPY, r, MAKE_SO).id(id).bytes());
            kernel_reply(&t, r, id, MACH_MSG_TYPE_PORT_SEND_ONCE, MIG_BAD_ID);
            // Only the reply: no send-once notification for the reply right.
            assert!(empty(&t, r), "{what} {id}");
            // The send-once right was used by the reply.
            assert_eq!(status(&t, r)[ST_SORIGHTS], 0);
        }
    }
    // A send-once right the task already holds (MOVE_SEND_ONCE) travels the same way.
    let (so, _) = t.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    let me = t.mach_task_self();
    Msg::new(me, COPY, so, MOVE_SO).id(5).send(&t).unwrap();
    kernel_reply(&t, r, 5, MACH_MSG_TYPE_PORT_SEND_ONCE, MIG_BAD_ID);
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
    assert!(empty(&t, r));
}

#[test]
fn send_reply_right_gets_the_reply_with_a_send_right() {
    let (_k, t) = setup();
    let r = recv_port(&t);
    for (what, dest) in kernel_ports(&t) {
        Msg::new(dest, COPY, r, MAKE).id(40).send(&t).unwrap();
        kernel_reply(&t, r, 40, MACH_MSG_TYPE_PORT_SEND, MIG_BAD_ID);
        assert!(empty(&t, r), "{what}");
    }
    // Three send rights made, each used up by its reply's delivery.
    assert_eq!(status(&t, r)[ST_MSCOUNT], 3);
    assert_eq!(status(&t, r)[ST_SRIGHTS], 0);
    // COPY_SEND and MOVE_SEND of a send right the task holds: the same reply.
    let s = port_with_send(&t);
    let me = t.mach_task_self();
    Msg::new(me, COPY, s, COPY).id(41).send(&t).unwrap();
    kernel_reply(&t, s, 41, MACH_MSG_TYPE_PORT_SEND, MIG_BAD_ID);
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    Msg::new(me, COPY, s, MOVE).id(42).send(&t).unwrap();
    kernel_reply(&t, s, 42, MACH_MSG_TYPE_PORT_SEND, MIG_BAD_ID);
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(status(&t, s)[ST_SRIGHTS], 0);
}

#[test]
fn no_reply_port_means_no_reply() {
    let (_k, t) = setup();
    let me = t.mach_task_self();
    let host = t.task_get_special_port(TASK_HOST_PORT).unwrap();
    let r = recv_port(&t);
    let before = names(&t);
    // No reply port; MACH_PORT_DEAD as the reply port; a reply port that is a kernel port.
    Msg::new(me, COPY, 0, 0).send(&t).unwrap();
    Msg::new(me, COPY, MACH_PORT_DEAD, COPY).send(&t).unwrap();
    Msg::new(me, COPY, host, COPY).send(&t).unwrap();
    assert_eq!(names(&t), before);
    // A send-once reply right whose port died: it arrives dead, and nothing is sent.
    let (so, _) = t.mach_port_extract_right(r, MAKE_SO, &t).unwrap();
    t.mach_port_mod_refs(r, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(ty(&t, so), Ok(MACH_PORT_TYPE_DEAD_NAME));
    Msg::new(me, COPY, so, MOVE_SO).send(&t).unwrap();
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
    // The destination right itself is released by the kernel: moved, it is gone.
    assert_eq!(refs(&t, me, MACH_PORT_RIGHT_SEND), 1);
    Msg::new(me, MOVE, 0, 0).send(&t).unwrap();
    assert_eq!(ty(&t, me), e(KERN_INVALID_NAME));
    let host_urefs = refs(&t, host, MACH_PORT_RIGHT_SEND);
    // Nothing was queued anywhere: the next request's reply is the first message.
    let r = recv_port(&t);
    Msg::new(host, COPY, r, MAKE_SO).id(9).send(&t).unwrap();
    kernel_reply(&t, r, 9, MACH_MSG_TYPE_PORT_SEND_ONCE, MIG_BAD_ID);
    assert!(empty(&t, r));
    assert_eq!(refs(&t, host, MACH_PORT_RIGHT_SEND), host_urefs);
}

#[test]
fn failed_request_is_destroyed_but_for_its_reply_right() {
    let (k, t) = setup();
    let me = t.mach_task_self();
    let r = recv_port(&t);
    // A send right moved in the request, its port's no-senders request armed.
    let p = port_with_send(&t);
    let np = recv_port(&t);
    t.mach_port_request_notification(p, MACH_NOTIFY_NO_SENDERS, 0, np, MAKE_SO)
        .unwrap();
    // A send-once right made in the request.
    let q = recv_port(&t);
    // A receive right moved in the request (its name keeps a send right).
    let x = port_with_send(&t);
    // Out-of-line memory the request deallocates.
    let region = t.vm_allocate(vec![7; 64]);
    let regions = t.vm_region_count();
    Msg::new(me, COPY, r, MAKE_SO)
        .id(1000)
        .port(p, MOVE)
        .port(q, MAKE_SO)
        .port(x, MACH_MSG_TYPE_MOVE_RECEIVE)
        .ool(region, 64, true, MACH_MSG_VIRTUAL_COPY)
        .send(&t)
        .unwrap();
    kernel_reply(&t, r, 1000, MACH_MSG_TYPE_PORT_SEND_ONCE, MIG_BAD_ID);
    // The reply right went into the reply: no send-once notification on r.
    assert!(empty(&t, r));
    // The moved send right was released: no senders left.
    assert_eq!(ty(&t, p), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(status(&t, p)[ST_SRIGHTS], 0);
    assert_eq!(notification_id(&t, np), MACH_NOTIFY_NO_SENDERS);
    assert!(empty(&t, np));
    // The send-once right in the body was destroyed unused (ipc_kmsg_clean notifies).
    assert_eq!(notification_id(&t, q), MACH_NOTIFY_SEND_ONCE);
    assert!(empty(&t, q));
    // The receive right was destroyed: the send right left behind is a dead name.
    assert_eq!(ty(&t, x), Ok(MACH_PORT_TYPE_DEAD_NAME));
    // The memory left with the message and was freed with it.
    assert_eq!(t.vm_region_count(), regions - 1);
    t.terminate();
    assert_eq!(k.port_count(), 1, "only the host port is left");
}

#[test]
fn a_send_once_reply_right_ignores_the_queue_limit() {
    let (_k, t) = setup();
    let me = t.mach_task_self();
    let r = recv_port(&t);
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[0])
        .unwrap();
    let (res, _) = Msg::new(me, COPY, r, MAKE_SO)
        .id(7)
        .send_opts(&t, MACH_SEND_TIMEOUT, 0);
    assert_eq!(res, Ok(()));
    kernel_reply(&t, r, 7, MACH_MSG_TYPE_PORT_SEND_ONCE, MIG_BAD_ID);
}

#[test]
fn a_reply_that_times_out_is_destroyed_and_the_send_succeeds() {
    let (_k, t) = setup();
    let me = t.mach_task_self();
    let r = recv_port(&t);
    let n = recv_port(&t);
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[0])
        .unwrap();
    // Fires when the next send right made for r goes away.
    t.mach_port_request_notification(r, MACH_NOTIFY_NO_SENDERS, 1, n, MAKE_SO)
        .unwrap();
    let before = names(&t);
    let m = Msg::new(me, COPY, r, MAKE).id(8);
    let start = Instant::now();
    let (res, b) = m.send_opts(&t, MACH_SEND_TIMEOUT, 50);
    // The reply waited for room with the sender's timeout, then was destroyed; the send
    // still succeeds and nothing comes back (no pseudo-receive).
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!(res, Ok(()));
    assert_eq!(b, m.bytes());
    assert_eq!(names(&t), before);
    assert_eq!(status(&t, r)[ST_MSGCOUNT], 0);
    // The reply's send right was released: r has no senders again.
    assert_eq!(status(&t, r)[ST_MSCOUNT], 1);
    assert_eq!(status(&t, r)[ST_SRIGHTS], 0);
    assert_eq!(notification_id(&t, n), MACH_NOTIFY_NO_SENDERS);
    // With room, the reply comes.
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[1])
        .unwrap();
    m.send_opts(&t, MACH_SEND_TIMEOUT, 0).0.unwrap();
    kernel_reply(&t, r, 8, MACH_MSG_TYPE_PORT_SEND, MIG_BAD_ID);
}

#[test]
fn a_reply_to_a_full_queue_blocks_the_sender() {
    let (_k, t) = setup();
    let me = t.mach_task_self();
    let r = recv_port(&t);
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[0])
        .unwrap();
    let t2 = t.clone();
    let sender = thread::spawn(move || Msg::new(me, COPY, r, MAKE).id(9).send(&t2));
    thread::sleep(Duration::from_millis(50));
    assert!(
        !sender.is_finished(),
        "the send waits for room for the reply"
    );
    assert_eq!(status(&t, r)[ST_MSGCOUNT], 0);
    t.mach_port_set_attributes(r, MACH_PORT_LIMITS_INFO, &[1])
        .unwrap();
    assert_eq!(sender.join().unwrap(), Ok(()));
    kernel_reply(&t, r, 9, MACH_MSG_TYPE_PORT_SEND, MIG_BAD_ID);
}
