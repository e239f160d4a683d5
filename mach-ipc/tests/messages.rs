//! `mach_msg`: the send and receive paths with XNU's exact return codes (xnu-7195 order),
//! what happens to the rights on each failure, and what a receiver sees (header swap,
//! dispositions, descriptors, out-of-line memory and ports, trailers, port sets).

mod msgkit;

use std::thread;
use std::time::{Duration, Instant};

use std::mem::offset_of;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::{DESCRIPTORS_START, HEADER_SIZE};
use darling_mach_ipc::wire::{
    AuditToken, MachMsgGuardedPortDescriptor64, MachMsgHeader, MachMsgOolDescriptor64,
    MachMsgOolPortsDescriptor64, MachMsgSecurityTrailer, MachNoSendersNotification, MsgLabels,
    SecurityToken,
};
use darling_mach_ipc::{IPC_KMSG_MAX_BODY_SPACE, Task};
use msgkit::*;
use zerocopy::IntoBytes;

/// A receive right in `owner` and a send right (only) to it in `t`: (receive, send).
fn send_right(owner: &Task, t: &Task) -> (u32, u32) {
    let r = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (s, _) = owner.mach_port_extract_right(r, MAKE, t).unwrap();
    (r, s)
}

fn send_once_right(owner: &Task, t: &Task) -> (u32, u32) {
    let r = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (s, _) = owner.mach_port_extract_right(r, MAKE_SO, t).unwrap();
    (r, s)
}

fn trailer_opt(elements: i32) -> i32 {
    MACH_RCV_TIMEOUT | MACH_RCV_TRAILER_ELEMENTS(elements)
}

// ---- send: sizes and buffer --------------------------------------------------------------

#[test]
fn send_size_checks() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let mut b = Msg::new(p, COPY, 0, 0).bytes();
    for size in [0, 4, 20, 26, 30] {
        assert_eq!(
            t.mach_msg(&mut b, MACH_SEND_MSG, size, 0, 0, 0, 0),
            e(MACH_SEND_MSG_TOO_SMALL),
            "{size}"
        );
    }
    assert_eq!(
        t.mach_msg(
            &mut b,
            MACH_SEND_MSG,
            IPC_KMSG_MAX_BODY_SPACE + 4,
            0,
            0,
            0,
            0
        ),
        e(MACH_SEND_TOO_LARGE)
    );
    // The buffer must hold send_size bytes.
    assert_eq!(
        t.mach_msg(&mut b, MACH_SEND_MSG, 28, 0, 0, 0, 0),
        e(MACH_SEND_INVALID_DATA)
    );
    // A complex message needs its descriptor count.
    let mut c = Msg::new(p, COPY, 0, 0).bytes();
    let mut h = hdr(&c);
    h.set_complex(true);
    h.write(&mut c).unwrap();
    assert_eq!(
        t.mach_msg(&mut c, MACH_SEND_MSG, 24, 0, 0, 0, 0),
        e(MACH_SEND_MSG_TOO_SMALL)
    );
    assert!(empty(&t, p));
    // IPC_KMSG_MAX_BODY_SPACE is the largest accepted size.
    assert_eq!(IPC_KMSG_MAX_BODY_SPACE, 50_331_580);
    let big = Msg::new(p, COPY, 0, 0).data(&vec![7u8; IPC_KMSG_MAX_BODY_SPACE as usize - 24]);
    big.send(&t).unwrap();
    let (r, _) = recv_opts(&t, p, 64, MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
}

// ---- send: header -------------------------------------------------------------------------

#[test]
fn header_errors_in_order() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    // Bits outside MACH_MSGH_BITS_USER.
    let mut m = Msg::new(p, COPY, 0, 0);
    m.bits |= 0x4000_0000;
    assert_eq!(m.send(&t), e(MACH_SEND_INVALID_HEADER));
    // Remote dispositions that are no send disposition (before the destination name).
    for rd in [0, 15, MOVE_RECV, 22, 31] {
        assert_eq!(
            Msg::new(MACH_PORT_NULL, rd, 0, 0).send(&t),
            e(MACH_SEND_INVALID_HEADER),
            "{rd}"
        );
    }
    // A local name without a disposition; a local disposition that is not a send one.
    assert_eq!(
        Msg::new(p, COPY, p, 0).send(&t),
        e(MACH_SEND_INVALID_HEADER)
    );
    assert_eq!(
        Msg::new(p, COPY, p, MOVE_RECV).send(&t),
        e(MACH_SEND_INVALID_HEADER)
    );
    assert_eq!(
        Msg::new(p, COPY, MACH_PORT_NULL, 22).send(&t),
        e(MACH_SEND_INVALID_HEADER)
    );
    // Header checks come before the voucher's.
    let mut m = Msg::new(p, 0, 0, 0);
    m.bits |= 18 << 16;
    assert_eq!(m.send(&t), e(MACH_SEND_INVALID_HEADER));
    // Destination name.
    for dest in [MACH_PORT_NULL, MACH_PORT_DEAD] {
        let mut m = Msg::new(dest, COPY, 0, 0);
        m.bits |= 18 << 16;
        assert_eq!(m.send(&t), e(MACH_SEND_INVALID_DEST));
    }
    // Vouchers: a bad disposition, MACH_PORT_DEAD, or a right that is no voucher.
    for (vd, name) in [(18, 0), (MAKE, 0), (MOVE, MACH_PORT_DEAD), (COPY, p)] {
        let mut m = Msg::new(p, COPY, 0, 0);
        m.bits |= vd << 16;
        m.voucher = name;
        assert_eq!(m.send(&t), e(MACH_SEND_INVALID_VOUCHER), "{vd} {name:#x}");
    }
    // A voucher disposition with no voucher is fine.
    let mut m = Msg::new(p, COPY, 0, 0);
    m.bits |= MOVE << 16;
    m.send(&t).unwrap();
    let h = hdr(&recv(&t, p));
    assert_eq!((h.msgh_bits, h.msgh_voucher_port), (0x1100, 0));
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_SEND), 1);
}

#[test]
fn invalid_destination() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = send_right(&owner, &t);
    let (_, so) = send_once_right(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    let cases = [
        (0x7703, COPY),
        (d, COPY),
        (d, MOVE),
        (d, MOVE_SO),
        (set, COPY),
        (set, MAKE),
        (r, COPY),
        (r, MOVE),
        (r, MOVE_SO),
        (s, MAKE),
        (s, MAKE_SO),
        (s, MOVE_SO),
        (so, COPY),
        (so, MOVE),
        (so, MAKE),
    ];
    for (name, rd) in cases {
        assert_eq!(
            Msg::new(name, rd, 0, 0).send(&t),
            e(MACH_SEND_INVALID_DEST),
            "{name:#x} {rd}"
        );
    }
    // Nothing was consumed.
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(ty(&t, so), Ok(MACH_PORT_TYPE_SEND_ONCE));
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(status(&t, r)[ST_MSCOUNT], 0);
    assert_eq!(status(&t, r)[ST_SORIGHTS], 0);
}

#[test]
fn destination_and_reply_on_one_name() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let (_, so) = send_once_right(&owner, &t);
    // Two moves of one send right need two urefs.
    assert_eq!(
        Msg::new(s, MOVE, s, MOVE).send(&t),
        e(MACH_SEND_INVALID_DEST)
    );
    // One send-once right cannot be both.
    assert_eq!(
        Msg::new(so, MOVE_SO, so, MOVE_SO).send(&t),
        e(MACH_SEND_INVALID_DEST)
    );
    // ... but the reply is checked first.
    assert_eq!(
        Msg::new(s, COPY, s, MOVE_SO).send(&t),
        e(MACH_SEND_INVALID_REPLY)
    );
    assert_eq!(
        Msg::new(s, COPY, s, MAKE).send(&t),
        e(MACH_SEND_INVALID_REPLY)
    );
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    Msg::new(s, MOVE, s, MOVE).send(&t).unwrap();
    assert_eq!(ty(&t, s), e(KERN_INVALID_NAME));
    let h = hdr(&recv(&owner, or));
    assert_eq!((h.msgh_bits, h.msgh_local_port), (0x1111, or));
    assert_eq!(
        ty(&owner, h.msgh_remote_port),
        Ok(MACH_PORT_TYPE_SEND_RECEIVE)
    );
    // Make-send and copy-send on one receive+send name.
    let p = port_with_send(&t);
    Msg::new(p, COPY, p, MAKE_SO).send(&t).unwrap();
    let h = hdr(&recv(&t, p));
    assert_eq!(h.msgh_bits, 0x1112);
    assert_eq!(ty(&t, h.msgh_remote_port), Ok(MACH_PORT_TYPE_SEND_ONCE));
    Msg::new(p, MOVE, p, COPY).send(&t).unwrap();
    let h = hdr(&recv(&t, p));
    assert_eq!(
        (h.msgh_bits, h.msgh_remote_port, h.msgh_local_port),
        (0x1111, p, p)
    );
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_SEND), 1);
}

#[test]
fn invalid_reply() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let (_, s2) = send_right(&owner, &t);
    let (_, so) = send_once_right(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    let cases = [
        (0x7703, COPY),
        (s2, MAKE),
        (s2, MAKE_SO),
        (s2, MOVE_SO),
        (r, COPY),
        (r, MOVE),
        (so, COPY),
        (so, MOVE),
        (set, MAKE_SO),
        (set, COPY),
        (d, MAKE_SO),
        (d, MAKE),
    ];
    for (reply, ld) in cases {
        assert_eq!(
            Msg::new(s, MOVE, reply, ld).send(&t),
            e(MACH_SEND_INVALID_REPLY),
            "{reply:#x} {ld}"
        );
    }
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 2);
    // The destination name is looked up first: a missing one is the destination's fault...
    assert_eq!(
        Msg::new(0x7703, COPY, 0x7803, COPY).send(&t),
        e(MACH_SEND_INVALID_DEST)
    );
    // ... but a destination entry of the wrong kind is only found out after the reply.
    assert_eq!(
        Msg::new(d, COPY, 0x7803, COPY).send(&t),
        e(MACH_SEND_INVALID_REPLY)
    );
    assert_eq!(
        Msg::new(set, COPY, 0x7803, COPY).send(&t),
        e(MACH_SEND_INVALID_REPLY)
    );
    // A dead name as reply travels as MACH_PORT_DEAD (xnu-7195); a move uses a uref.
    t.mach_port_mod_refs(d, MACH_PORT_RIGHT_DEAD_NAME, 1)
        .unwrap();
    Msg::new(s, COPY, d, COPY).send(&t).unwrap();
    Msg::new(s, COPY, d, MOVE).send(&t).unwrap();
    Msg::new(s, COPY, MACH_PORT_DEAD, MOVE_SO).send(&t).unwrap();
    assert_eq!(refs(&t, d, MACH_PORT_RIGHT_DEAD_NAME), 1);
    for local_type in [17, 17, 18] {
        let h = hdr(&recv(&owner, or));
        assert_eq!(h.msgh_remote_port, MACH_PORT_DEAD);
        assert_eq!(h.msgh_bits, local_type | 17 << 8);
    }
}

#[test]
fn destination_whose_port_died() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    owner.mach_port_destroy(or).unwrap();
    // A send right to a dead port: invalid destination, and the name is now a dead name.
    assert_eq!(Msg::new(s, COPY, 0, 0).send(&t), e(MACH_SEND_INVALID_DEST));
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_DEAD_NAME), 2);
    // A send-once right to a dead port (no dead-name request): accepted, the message is
    // destroyed with everything in it.
    let reply = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (or2, so) = send_once_right(&owner, &t);
    owner.mach_port_destroy(or2).unwrap();
    let (_, carried) = send_right(&owner, &t);
    Msg::new(so, MOVE_SO, reply, MAKE_SO)
        .port(carried, MOVE)
        .send(&t)
        .unwrap();
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
    assert_eq!(ty(&t, carried), e(KERN_INVALID_NAME));
    assert_eq!(hdr(&recv(&t, reply)).msgh_id, MACH_NOTIFY_SEND_ONCE);
    // With a dead-name request on it, it is converted instead, and refused.
    let (or3, so3) = send_once_right(&owner, &t);
    t.mach_port_request_notification(so3, MACH_NOTIFY_DEAD_NAME, 0, reply, MAKE_SO)
        .unwrap();
    owner.mach_port_destroy(or3).unwrap();
    assert_eq!(hdr(&recv(&t, reply)).msgh_id, MACH_NOTIFY_DEAD_NAME);
    assert_eq!(
        Msg::new(so3, MOVE_SO, 0, 0).send(&t),
        e(MACH_SEND_INVALID_DEST)
    );
    assert_eq!(ty(&t, so3), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, so3, MACH_PORT_RIGHT_DEAD_NAME), 2);
    // Copy-send on a send-once right to a dead port is still refused.
    let (or4, so4) = send_once_right(&owner, &t);
    owner.mach_port_destroy(or4).unwrap();
    assert_eq!(
        Msg::new(so4, COPY, 0, 0).send(&t),
        e(MACH_SEND_INVALID_DEST)
    );
}

// ---- send: body ---------------------------------------------------------------------------

#[test]
fn descriptor_walk_errors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (_, s) = send_right(&owner, &t);
    let a = t.vm_allocate(vec![1; 8]);
    let cases: Vec<(Msg, i32)> = vec![
        // More descriptors than bytes.
        (
            Msg {
                count: Some(1),
                ..Msg::new(s, COPY, 0, 0)
            },
            MACH_SEND_MSG_TOO_SMALL,
        ),
        (
            Msg {
                count: Some(2),
                ..Msg::new(s, COPY, 0, 0).port(0, COPY)
            },
            MACH_SEND_MSG_TOO_SMALL,
        ),
        (
            Msg {
                count: Some(u32::MAX),
                ..Msg::new(s, COPY, 0, 0).port(0, COPY)
            },
            MACH_SEND_MSG_TOO_SMALL,
        ),
        // A 16-byte descriptor cut short.
        (
            Msg::new(s, COPY, 0, 0).raw_desc(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            MACH_SEND_MSG_TOO_SMALL,
        ),
        // Copy options.
        (
            Msg::new(s, COPY, 0, 0).ool(a, 8, false, 2),
            MACH_SEND_INVALID_TYPE,
        ),
        // Guarded descriptors: receive only, a flag, no unknown flag, no context when
        // unguarded on send.
        (
            Msg::new(s, COPY, 0, 0).guarded(0, COPY, 1, 0),
            MACH_SEND_INVALID_TYPE,
        ),
        (
            Msg::new(s, COPY, 0, 0).guarded(0, MOVE_RECV, 0, 0),
            MACH_SEND_INVALID_TYPE,
        ),
        (
            Msg::new(s, COPY, 0, 0).guarded(0, MOVE_RECV, 4, 0),
            MACH_SEND_INVALID_TYPE,
        ),
        (
            Msg::new(s, COPY, 0, 0).guarded(0, MOVE_RECV, 2, 9),
            MACH_SEND_INVALID_TYPE,
        ),
    ];
    for (m, code) in cases {
        assert_eq!(m.send(&t), e(code), "{m:?}");
    }
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(t.vm_read(a, 8), Ok(vec![1; 8]));
}

#[test]
fn body_failures_destroy_the_header_rights() {
    // xnu-7195 copies the header in before it walks the body: a body failure of any kind
    // destroys the header rights (a moved destination is gone, a made send-once reply
    // sends MACH_NOTIFY_SEND_ONCE).
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let reply = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 20).unwrap();
    let failing: Vec<(Msg, i32)> = vec![
        (
            Msg {
                count: Some(3),
                ..Msg::new(s, MOVE, reply, MAKE_SO)
            },
            MACH_SEND_MSG_TOO_SMALL,
        ),
        (
            Msg::new(s, MOVE, reply, MAKE_SO).ool(0, 8, false, 7),
            MACH_SEND_INVALID_TYPE,
        ),
        (
            Msg::new(s, MOVE, reply, MAKE_SO).raw_desc(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]),
            MACH_SEND_INVALID_TYPE,
        ),
        (
            Msg::new(s, MOVE, reply, MAKE_SO).port(0x7703, COPY),
            MACH_SEND_INVALID_RIGHT,
        ),
        (
            Msg::new(s, MOVE, reply, MAKE_SO).ool(0x5000, 8, false, 0),
            MACH_SEND_INVALID_MEMORY,
        ),
        (
            Msg::new(s, MOVE, reply, MAKE_SO).ool_ports(0x5000, 2, COPY, false, 0),
            MACH_SEND_INVALID_MEMORY,
        ),
    ];
    let n = failing.len() as u32;
    for (m, code) in failing {
        assert_eq!(m.send(&t), e(code), "{m:?}");
        assert_eq!(hdr(&recv(&t, reply)).msgh_id, MACH_NOTIFY_SEND_ONCE);
    }
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 21 - n);
    assert!(empty(&t, reply));
    assert!(empty(&owner, or));
    assert_eq!(status(&t, reply)[ST_SORIGHTS], 0);
}

#[test]
fn invalid_right_in_body() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, dest) = send_right(&owner, &t);
    let (_, s1) = send_right(&owner, &t);
    let (_, s2) = send_right(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    // Wrong right, missing name, bad disposition.
    for (name, disp) in [
        (0x7703, COPY),
        (s1, MAKE),
        (s1, MOVE_RECV),
        (s1, MOVE_SO),
        (r, COPY),
        (d, MAKE_SO),
        (s1, 15),
        (s1, 22),
    ] {
        assert_eq!(
            Msg::new(dest, COPY, 0, 0).port(name, disp).send(&t),
            e(MACH_SEND_INVALID_RIGHT),
            "{name:#x} {disp}"
        );
    }
    // Null and dead names pass whatever the disposition.
    Msg::new(dest, COPY, 0, 0)
        .port(MACH_PORT_NULL, 15)
        .port(MACH_PORT_DEAD, MOVE)
        .send(&t)
        .unwrap();
    recv(&owner, or);
    // Descriptors before the failing one are destroyed, later ones untouched.
    t.mach_port_mod_refs(s2, MACH_PORT_RIGHT_SEND, 1).unwrap();
    assert_eq!(
        Msg::new(dest, COPY, 0, 0)
            .port(s1, MOVE)
            .port(0x7703, COPY)
            .port(s2, MOVE)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(ty(&t, s1), e(KERN_INVALID_NAME));
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_SEND), 2);
    // Out-of-line ports: the rights of the array before the bad one are destroyed too.
    let (_, s3) = send_right(&owner, &t);
    let arr = t.vm_allocate([s3, s2, 0x7703].as_bytes().to_vec());
    assert_eq!(
        Msg::new(dest, COPY, 0, 0)
            .ool_ports(arr, 3, MOVE, false, 0)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(ty(&t, s3), e(KERN_INVALID_NAME));
    assert_eq!(refs(&t, s2, MACH_PORT_RIGHT_SEND), 1);
    // Its copy option is checked when its turn comes, after earlier descriptors.
    assert_eq!(
        Msg::new(dest, COPY, 0, 0)
            .port(s2, MOVE)
            .ool_ports(arr, 0, MOVE, false, 5)
            .send(&t),
        e(MACH_SEND_INVALID_TYPE)
    );
    assert_eq!(ty(&t, s2), e(KERN_INVALID_NAME));
    assert!(empty(&owner, or));
    assert_eq!(refs(&t, dest, MACH_PORT_RIGHT_SEND), 1);
}

#[test]
fn too_many_rights() {
    // xnu-7195 refuses 16383 rights in one message (total >= MACH_PORT_UREFS_MAX / 4).
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let zeros = t.vm_allocate(vec![0; 16383 * 4]);
    assert_eq!(
        Msg::new(p, COPY, 0, 0)
            .ool_ports(zeros, 16383, COPY, false, 0)
            .send(&t),
        e(MACH_SEND_TOO_LARGE)
    );
    assert_eq!(
        Msg::new(p, COPY, 0, 0)
            .port(0, COPY)
            .ool_ports(zeros, 16382, COPY, false, 0)
            .send(&t),
        e(MACH_SEND_TOO_LARGE)
    );
    assert_eq!(
        Msg::new(p, COPY, 0, 0)
            .ool_ports(zeros, u32::MAX, COPY, false, 0)
            .send(&t),
        e(MACH_SEND_TOO_LARGE)
    );
    Msg::new(p, COPY, 0, 0)
        .ool_ports(zeros, 16382, COPY, false, 0)
        .send(&t)
        .unwrap();
    let b = recv(&t, p);
    let d: MachMsgOolPortsDescriptor64 = at(&b, DESCRIPTORS_START);
    assert_eq!({ d.count }, 16382);
}

#[test]
fn invalid_memory() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let a = t.vm_allocate(vec![5; 100]);
    for (addr, size) in [(0x1000, 4), (a + 50, 51), (a - 1, 2), (u64::MAX - 1, 4)] {
        assert_eq!(
            Msg::new(p, COPY, 0, 0).ool(addr, size, false, 0).send(&t),
            e(MACH_SEND_INVALID_MEMORY)
        );
    }
    // Nothing to read: no address needed.
    Msg::new(p, COPY, 0, 0)
        .ool(0xdead, 0, false, 0)
        .send(&t)
        .unwrap();
    Msg::new(p, COPY, 0, 0)
        .ool_ports(0xdead, 0, COPY, false, 0)
        .send(&t)
        .unwrap();
    let d: MachMsgOolDescriptor64 = at(&recv(&t, p), DESCRIPTORS_START);
    assert_eq!((d.address, d.size), (0, 0));
    let d: MachMsgOolPortsDescriptor64 = at(&recv(&t, p), DESCRIPTORS_START);
    assert_eq!((d.address, d.count), (0, 0));
    assert_eq!(t.vm_region_count(), 1);
}

// ---- queue limits -------------------------------------------------------------------------

#[test]
fn queue_full_with_zero_timeout_pseudo_receives() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let (_, carried) = send_right(&owner, &t);
    owner
        .mach_port_set_attributes(or, MACH_PORT_LIMITS_INFO, &[1])
        .unwrap();
    Msg::new(s, COPY, 0, 0).send(&t).unwrap();
    let reply = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let m = Msg::new(s, COPY, reply, MAKE_SO).port(carried, MOVE).id(77);
    let (r, b) = m.send_opts(&t, MACH_SEND_TIMEOUT, 0);
    assert_eq!(r, e(MACH_SEND_TIMED_OUT));
    // The message comes back: header not swapped, in-flight types, rights re-inserted.
    let h = hdr(&b);
    assert_eq!(h.msgh_bits, MACH_MSGH_BITS_COMPLEX | 17 | 18 << 8);
    assert_eq!(h.msgh_remote_port, s);
    assert_ne!(h.msgh_local_port, reply);
    assert_eq!(ty(&t, h.msgh_local_port), Ok(MACH_PORT_TYPE_SEND_ONCE));
    assert_eq!(h.msgh_id, 77);
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 2);
    // The moved send right left its name at copyin and comes back under a new one (the
    // send-once reply took the freed index first).
    let (cn, disp, _) = port_desc(&b, DESCRIPTORS_START);
    assert_eq!(disp, 17);
    assert_eq!(
        h.msgh_local_port,
        (carried & !0xff) | ((carried + 4) & 0xff)
    );
    assert_eq!(ty(&t, carried), e(KERN_INVALID_NAME));
    assert_eq!(refs(&t, cn, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(names(&owner).len(), 2);
    assert_eq!(status(&t, reply)[ST_SORIGHTS], 1);
    assert_eq!(status(&owner, or)[ST_MSGCOUNT], 1);
    // A timeout waits about that long.
    let start = Instant::now();
    let (r, _) = Msg::new(s, COPY, 0, 0).send_opts(&t, MACH_SEND_TIMEOUT, 30);
    assert_eq!(r, e(MACH_SEND_TIMED_OUT));
    assert!(start.elapsed() >= Duration::from_millis(30));
    // Send-once destinations are not held back by the limit.
    let (so, _) = owner.mach_port_extract_right(or, MAKE_SO, &t).unwrap();
    let (r, _) = Msg::new(so, MOVE_SO, 0, 0).send_opts(&t, MACH_SEND_TIMEOUT, 0);
    assert_eq!(r, Ok(()));
    assert_eq!(status(&owner, or)[ST_MSGCOUNT], 2);
    // A limit of zero holds back every other send.
    owner
        .mach_port_set_attributes(or, MACH_PORT_LIMITS_INFO, &[0])
        .unwrap();
    recv(&owner, or);
    recv(&owner, or);
    let (r, _) = Msg::new(s, COPY, 0, 0).send_opts(&t, MACH_SEND_TIMEOUT, 0);
    assert_eq!(r, e(MACH_SEND_TIMED_OUT));
}

#[test]
fn blocked_sender_proceeds_when_room_is_made() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    owner
        .mach_port_set_attributes(or, MACH_PORT_LIMITS_INFO, &[1])
        .unwrap();
    Msg::new(s, COPY, 0, 0).id(1).send(&t).unwrap();
    let t2 = t.clone();
    let h = thread::spawn(move || Msg::new(s, COPY, 0, 0).id(2).send(&t2));
    thread::sleep(Duration::from_millis(20));
    assert_eq!(hdr(&recv(&owner, or)).msgh_id, 1);
    assert_eq!(h.join().unwrap(), Ok(()));
    assert_eq!(hdr(&recv(&owner, or)).msgh_id, 2);
    // A sender blocked on a port that dies: delivered and destroyed, success.
    Msg::new(s, COPY, 0, 0).send(&t).unwrap();
    let t2 = t.clone();
    let (_, carried) = send_right(&owner, &t);
    let h = thread::spawn(move || Msg::new(s, COPY, 0, 0).port(carried, MOVE).send(&t2));
    thread::sleep(Duration::from_millis(20));
    owner.mach_port_destroy(or).unwrap();
    assert_eq!(h.join().unwrap(), Ok(()));
    assert_eq!(ty(&t, carried), e(KERN_INVALID_NAME));
}

// ---- receive ------------------------------------------------------------------------------

#[test]
fn receive_timeouts_and_invalid_names() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let p = port_with_send(&t);
    let (r, _) = recv_opts(&t, p, 64, MACH_RCV_TIMEOUT, 0);
    assert_eq!(r, e(MACH_RCV_TIMED_OUT));
    let start = Instant::now();
    let (r, _) = recv_opts(&t, p, 64, MACH_RCV_TIMEOUT, 25);
    assert_eq!(r, e(MACH_RCV_TIMED_OUT));
    assert!(start.elapsed() >= Duration::from_millis(25));
    let (_, s) = send_right(&owner, &t);
    let (_, so) = send_once_right(&owner, &t);
    let d = t.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    for name in [MACH_PORT_NULL, MACH_PORT_DEAD, 0x7703, p ^ 4, s, so, d] {
        let (r, _) = recv_opts(&t, name, 64, MACH_RCV_TIMEOUT, 0);
        assert_eq!(r, e(MACH_RCV_INVALID_NAME), "{name:#x}");
    }
    // A short buffer.
    let mut b = [0u8; 16];
    assert_eq!(
        t.mach_msg(&mut b, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, p, 0, 0),
        e(MACH_RCV_INVALID_DATA)
    );
}

#[test]
fn receive_too_large_without_rcv_large() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let reply = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    // The carried send right is destroyed with the message: no-senders fires.
    let (c, _) = t.mach_port_extract_right(n, MAKE, &t).unwrap();
    let ns = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(n, MACH_NOTIFY_NO_SENDERS, 0, ns, MAKE_SO)
        .unwrap();
    t.mach_port_set_context(p, 0xc0ffee).unwrap();
    Msg::new(p, COPY, reply, MAKE_SO)
        .port(c, MOVE)
        .data(&[1; 8])
        .id(4242)
        .send(&t)
        .unwrap();
    // 48 bytes of message, 8 of trailer: 55 is one short.
    let (r, b) = recv_opts(&t, p, 55, MACH_RCV_TIMEOUT, 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    let h = hdr(&b);
    assert_eq!(
        h,
        MachMsgHeader {
            msgh_bits: MACH_MSGH_BITS_COMPLEX | 18 | 17 << 8,
            msgh_size: 24,
            msgh_remote_port: 0,
            msgh_local_port: p,
            msgh_voucher_port: 0,
            msgh_id: 4242,
        }
    );
    let tr = trailer(&b);
    assert_eq!((tr.format(), tr.size()), (0, 8));
    assert_eq!(b[tr.offset() + tr.size() as usize], 0xAA);
    assert!(empty(&t, p));
    assert_eq!(hdr(&recv(&t, reply)).msgh_id, MACH_NOTIFY_SEND_ONCE);
    assert_eq!(hdr(&recv(&t, ns)).msgh_id, MACH_NOTIFY_NO_SENDERS);
    // The seqno was used up.
    Msg::new(p, COPY, 0, 0).send(&t).unwrap();
    let (r, b) = recv_opts(&t, p, 64, trailer_opt(MACH_RCV_TRAILER_SEQNO), 0);
    r.unwrap();
    assert_eq!(trailer(&b).seqno(), Some(1));
    // The trailer is cut to the buffer but says how big it was asked to be; its sender is
    // the kernel.
    Msg::new(p, COPY, 0, 0).data(&[0; 4]).send(&t).unwrap();
    let (r, b) = recv_opts(&t, p, 40, trailer_opt(MACH_RCV_TRAILER_AUDIT), 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    assert_eq!(hdr(&b).msgh_size, 24);
    let tr = trailer(&b);
    // Half of the security token is there: its uid.
    let uid = at::<u32>(tr.bytes(), offset_of!(MachMsgSecurityTrailer, msgh_sender));
    assert_eq!(
        (tr.format(), tr.size(), tr.seqno(), uid),
        (0, 52, Some(2), 0)
    );
    // Too small even for the header: the message is destroyed all the same.
    Msg::new(p, COPY, 0, 0).send(&t).unwrap();
    let (r, _) = recv_opts(&t, p, 20, MACH_RCV_TIMEOUT, 0);
    assert_eq!(r, e(MACH_RCV_INVALID_DATA));
    assert!(empty(&t, p));
}

#[test]
fn receive_too_large_with_rcv_large() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    Msg::new(p, COPY, 0, 0).data(&[9; 16]).send(&t).unwrap();
    let (r, b) = recv_opts(&t, p, 47, MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    // Only the size (without trailer) is written.
    assert_eq!(hdr(&b).msgh_size, 40);
    assert_eq!(hdr(&b).msgh_bits, 0xAAAA_AAAA);
    assert_eq!(hdr(&b).msgh_local_port, 0xAAAA_AAAA);
    let (r, b) = recv_opts(
        &t,
        p,
        16,
        MACH_RCV_TIMEOUT | MACH_RCV_LARGE | MACH_RCV_LARGE_IDENTITY,
        0,
    );
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    // 16 bytes: the header up to its local port.
    assert_eq!(
        (
            at::<u32>(&b, offset_of!(MachMsgHeader, msgh_size)),
            at::<u32>(&b, offset_of!(MachMsgHeader, msgh_local_port))
        ),
        (40, p)
    );
    // Below 16 bytes (xnu-7195), nothing is written.
    let (r, b) = recv_opts(&t, p, 12, MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    assert_eq!(
        at::<u32>(&b, offset_of!(MachMsgHeader, msgh_size)),
        0xAAAA_AAAA
    );
    // The trailer asked for counts.
    let (r, _) = recv_opts(
        &t,
        p,
        48,
        trailer_opt(MACH_RCV_TRAILER_SEQNO) | MACH_RCV_LARGE,
        0,
    );
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    // Still queued, seqno untouched.
    let (r, b) = recv_opts(
        &t,
        p,
        52,
        trailer_opt(MACH_RCV_TRAILER_SEQNO) | MACH_RCV_LARGE,
        0,
    );
    r.unwrap();
    assert_eq!((hdr(&b).msgh_size, trailer(&b).seqno()), (40, Some(0)));
    assert_eq!(&b[HEADER_SIZE..HEADER_SIZE + 16], &[9; 16]);
}

#[test]
fn receive_port_changed() {
    let (k, t) = setup();
    let other = k.task_create(None);
    // Destroyed while a thread waits.
    let p = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let t2 = t.clone();
    let h = thread::spawn(move || recv_opts(&t2, p, 64, 0, 0).0);
    thread::sleep(Duration::from_millis(20));
    t.mach_port_destroy(p).unwrap();
    assert_eq!(h.join().unwrap(), e(MACH_RCV_PORT_CHANGED));
    // Moved away while a thread waits.
    let q = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let t2 = t.clone();
    let h = thread::spawn(move || recv_opts(&t2, q, 64, MACH_RCV_TIMEOUT, 5000).0);
    thread::sleep(Duration::from_millis(20));
    t.mach_port_extract_right(q, MOVE_RECV, &other).unwrap();
    assert_eq!(h.join().unwrap(), e(MACH_RCV_PORT_CHANGED));
    // Port set destroyed while a thread waits on it.
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let t2 = t.clone();
    let h = thread::spawn(move || recv_opts(&t2, set, 64, 0, 0).0);
    thread::sleep(Duration::from_millis(20));
    t.mach_port_deallocate(set).unwrap();
    assert_eq!(h.join().unwrap(), e(MACH_RCV_PORT_CHANGED));
    // Taken away by a port-destroyed request.
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let keeper = other.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    other
        .mach_port_insert_right_into(&t, 0x9903, keeper, MAKE_SO)
        .unwrap();
    t.mach_port_request_notification(r, MACH_NOTIFY_PORT_DESTROYED, 0, 0x9903, MOVE_SO)
        .unwrap();
    let t2 = t.clone();
    let h = thread::spawn(move || recv_opts(&t2, r, 64, 0, 0).0);
    thread::sleep(Duration::from_millis(20));
    t.mach_port_destroy(r).unwrap();
    assert_eq!(h.join().unwrap(), e(MACH_RCV_PORT_CHANGED));
    assert_eq!(
        hdr(&recv(&other, keeper)).msgh_id,
        MACH_NOTIFY_PORT_DESTROYED
    );
    // A waiting receiver gets a message sent meanwhile.
    let w = port_with_send(&t);
    let t2 = t.clone();
    let h = thread::spawn(move || {
        let (r, b) = recv_opts(&t2, w, 64, 0, 0);
        r.map(|()| hdr(&b).msgh_id)
    });
    thread::sleep(Duration::from_millis(20));
    Msg::new(w, COPY, 0, 0).id(5).send(&t).unwrap();
    assert_eq!(h.join().unwrap(), Ok(5));
}

// ---- what the receiver sees ---------------------------------------------------------------

#[test]
fn header_swap_and_dispositions() {
    let (k, t) = setup();
    let client = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (s, _) = t.mach_port_extract_right(r, MAKE, &client).unwrap();
    let cr = client.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    // (COPY_SEND, 0) = 0x13 arrives as 0x1100.
    let mut m = Msg::new(s, COPY, 0, 0).data(b"Hello\0\0\0\0\0\0\0\x23\0\0\0");
    m.voucher = 0x1234;
    m.send(&client).unwrap();
    let b = recv(&t, r);
    assert_eq!(
        hdr(&b),
        MachMsgHeader {
            msgh_bits: 0x1100,
            msgh_size: 40,
            msgh_remote_port: 0,
            msgh_local_port: r,
            msgh_voucher_port: 0x1234,
            msgh_id: 0x1234,
        }
    );
    assert_eq!(&b[HEADER_SIZE..HEADER_SIZE + 5], b"Hello");
    let tr = trailer(&b);
    assert_eq!((tr.offset(), tr.format(), tr.size()), (40, 0, 8));
    // (COPY_SEND, MAKE_SEND_ONCE) = 0x1513 arrives as 0x1112 with a new send-once name.
    Msg::new(s, COPY, cr, MAKE_SO).send(&client).unwrap();
    let h = hdr(&recv(&t, r));
    assert_eq!(h.msgh_bits, 0x1112);
    assert_eq!(ty(&t, h.msgh_remote_port), Ok(MACH_PORT_TYPE_SEND_ONCE));
    // Reply with it: (MOVE_SEND_ONCE, 0) arrives as 0x1200.
    Msg::new(h.msgh_remote_port, MOVE_SO, 0, 0)
        .send(&t)
        .unwrap();
    let h2 = hdr(&recv(&client, cr));
    assert_eq!(
        (h2.msgh_bits, h2.msgh_remote_port, h2.msgh_local_port),
        (0x1200, 0, cr)
    );
    assert_eq!(ty(&t, h.msgh_remote_port), e(KERN_INVALID_NAME));
    // MAKE_SEND reply: the receiver's send right coalesces on one name.
    Msg::new(s, COPY, cr, MAKE).send(&client).unwrap();
    Msg::new(s, COPY, cr, MAKE).send(&client).unwrap();
    let a = hdr(&recv(&t, r));
    let b2 = hdr(&recv(&t, r));
    assert_eq!(a.msgh_bits, 0x1111);
    assert_eq!(a.msgh_remote_port, b2.msgh_remote_port);
    assert_eq!(refs(&t, a.msgh_remote_port, MACH_PORT_RIGHT_SEND), 2);
    // MAKE_SEND / MAKE_SEND_ONCE destinations from the receive right itself.
    Msg::new(r, MAKE, 0, 0).send(&t).unwrap();
    Msg::new(r, MAKE_SO, 0, 0).send(&t).unwrap();
    assert_eq!(hdr(&recv(&t, r)).msgh_bits, 0x1100);
    assert_eq!(hdr(&recv(&t, r)).msgh_bits, 0x1200);
    assert_eq!(status(&t, r)[ST_MSCOUNT], 2);
    assert_eq!(status(&t, r)[ST_SORIGHTS], 0);
    // The destination right is used up, never added to the receiver's urefs.
    assert_eq!(ty(&t, r), Ok(MACH_PORT_TYPE_RECEIVE));
    // Messages queued before the receive right moved are received under the new name.
    let q = client.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (qs, _) = client.mach_port_extract_right(q, MAKE, &client).unwrap();
    Msg::new(qs, COPY, 0, 0).send(&client).unwrap();
    let (qn, _) = client.mach_port_extract_right(q, MOVE_RECV, &t).unwrap();
    let h = hdr(&recv(&t, qn));
    assert_eq!((h.msgh_bits, h.msgh_local_port), (0x1100, qn));
}

#[test]
fn port_descriptors_of_each_disposition() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let dest = owner.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (ds, _) = owner.mach_port_extract_right(dest, MAKE, &t).unwrap();
    let (_, s) = send_right(&owner, &t);
    let (_, so) = send_once_right(&owner, &t);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r2 = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_mod_refs(s, MACH_PORT_RIGHT_SEND, 1).unwrap();
    Msg::new(ds, COPY, 0, 0)
        .port(r2, MOVE_RECV)
        .port(s, MOVE)
        .port(so, MOVE_SO)
        .port(s, COPY)
        .port(r, MAKE)
        .port(r, MAKE_SO)
        .port(MACH_PORT_NULL, MAKE)
        .port(MACH_PORT_DEAD, COPY)
        .data(&[0xEE; 4])
        .send(&t)
        .unwrap();
    assert_eq!(ty(&t, r2), e(KERN_INVALID_NAME));
    assert_eq!(refs(&t, s, MACH_PORT_RIGHT_SEND), 1);
    assert_eq!(ty(&t, so), e(KERN_INVALID_NAME));
    let b = recv(&owner, dest);
    let h = hdr(&b);
    assert_eq!(h.msgh_bits, MACH_MSGH_BITS_COMPLEX | 0x1100);
    assert_eq!(h.msgh_size as usize, after_port_descs(8) + 4);
    assert_eq!(descriptor_count(&b), 8);
    let d: Vec<_> = (0..8).map(|i| port_desc(&b, after_port_descs(i))).collect();
    assert_eq!(d[0].1, 16);
    assert_eq!(ty(&owner, d[0].0), Ok(MACH_PORT_TYPE_RECEIVE));
    // Send rights of one port coalesce on the receiver's receive name.
    assert_eq!(d[1], (d[3].0, 17, 0));
    assert_eq!(ty(&owner, d[1].0), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    assert_eq!(d[2].1, 18);
    assert_eq!(ty(&owner, d[2].0), Ok(MACH_PORT_TYPE_SEND_ONCE));
    assert_eq!(d[3].1, 17);
    assert_eq!(d[4].1, 17);
    assert_eq!(ty(&owner, d[4].0), Ok(MACH_PORT_TYPE_SEND));
    assert_eq!(d[5].1, 18);
    assert_ne!(d[5].0, d[2].0);
    assert_eq!(d[6], (MACH_PORT_NULL, 17, 0));
    assert_eq!(d[7], (MACH_PORT_DEAD, 17, 0));
    assert_eq!(&b[after_port_descs(8)..][..4], &[0xEE; 4]);
    assert_eq!(status(&t, r)[ST_MSCOUNT], 1);
    assert_eq!(status(&t, r)[ST_SORIGHTS], 1);
}

#[test]
fn out_of_line_memory() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let data: Vec<u8> = (0..=255).cycle().take(100_000).collect();
    let a = t.vm_allocate(data.clone());
    let b = t.vm_allocate(vec![3; 10]);
    Msg::new(s, COPY, 0, 0)
        .ool(a + 1000, 5000, false, MACH_MSG_PHYSICAL_COPY)
        .ool(b, 10, true, MACH_MSG_VIRTUAL_COPY)
        .send(&t)
        .unwrap();
    // A deallocated region is gone from the sender.
    assert_eq!(t.vm_read(b, 1), e(KERN_INVALID_ADDRESS));
    assert_eq!(t.vm_read(a, 4), Ok(data[..4].to_vec()));
    let m = recv(&owner, or);
    assert_eq!(
        hdr(&m).msgh_size as usize,
        DESCRIPTORS_START + 2 * size_of::<MachMsgOolDescriptor64>()
    );
    let d1: MachMsgOolDescriptor64 = at(&m, DESCRIPTORS_START);
    let d2: MachMsgOolDescriptor64 = at(&m, DESCRIPTORS_START + size_of_val(&d1));
    let ((a1, n1), (a2, n2)) = ((d1.address, d1.size), (d2.address, d2.size));
    assert_eq!((n1, n2), (5000, 10));
    assert_eq!(descriptor_count(&m), 2);
    assert_eq!(
        (d1.type_(), d2.type_()),
        (MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_DESCRIPTOR)
    );
    assert_eq!(owner.vm_read(a1, 5000), Ok(data[1000..6000].to_vec()));
    assert_eq!(owner.vm_read(a2, 10), Ok(vec![3; 10]));
    assert_eq!(owner.vm_region_count(), 2);
    owner.vm_deallocate(a1).unwrap();
    owner.vm_deallocate(a2).unwrap();
    assert_eq!(owner.vm_region_count(), 0);
}

#[test]
fn out_of_line_ports() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let r1 = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let r2 = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let names = [r1, MACH_PORT_NULL, r2, MACH_PORT_DEAD, r1];
    let arr = t.vm_allocate(names.as_bytes().to_vec());
    Msg::new(s, COPY, 0, 0)
        .ool_ports(arr, 5, MAKE, true, MACH_MSG_PHYSICAL_COPY)
        .send(&t)
        .unwrap();
    assert_eq!(t.vm_region_count(), 0);
    assert_eq!(status(&t, r1)[ST_MSCOUNT], 2);
    let m = recv(&owner, or);
    assert_eq!(descriptor_count(&m), 1);
    let d: MachMsgOolPortsDescriptor64 = at(&m, DESCRIPTORS_START);
    assert_eq!(d.disposition(), 17);
    assert_eq!(d.type_(), MACH_MSG_OOL_PORTS_DESCRIPTOR);
    assert_eq!({ d.count }, 5);
    let got: [mach_port_name_t; 5] = at(&owner.vm_read(d.address, 20).unwrap(), 0);
    assert_eq!(got[1], MACH_PORT_NULL);
    assert_eq!(got[3], MACH_PORT_DEAD);
    assert_eq!(got[0], got[4]);
    assert_ne!(got[0], got[2]);
    assert_eq!(refs(&owner, got[0], MACH_PORT_RIGHT_SEND), 2);
    assert_eq!(refs(&owner, got[2], MACH_PORT_RIGHT_SEND), 1);
    // Receive rights travel in arrays too.
    let arr = t.vm_allocate(r2.as_bytes().to_vec());
    Msg::new(s, COPY, 0, 0)
        .ool_ports(arr, 1, MOVE_RECV, false, MACH_MSG_VIRTUAL_COPY)
        .send(&t)
        .unwrap();
    let d: MachMsgOolPortsDescriptor64 = at(&recv(&owner, or), DESCRIPTORS_START);
    let n: mach_port_name_t = at(&owner.vm_read(d.address, 4).unwrap(), 0);
    assert_eq!(d.disposition(), 16);
    assert_eq!(ty(&owner, n), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    assert_eq!(ty(&t, r2), e(KERN_INVALID_NAME));
}

#[test]
fn trailers_of_each_size() {
    let (k, t) = setup();
    let sender = k.task_create(None);
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (s, _) = t.mach_port_extract_right(r, MAKE, &sender).unwrap();
    t.mach_port_set_context(r, 0x1122_3344_5566_7788).unwrap();
    let sizes = [
        (MACH_RCV_TRAILER_NULL, 8),
        (MACH_RCV_TRAILER_SEQNO, 12),
        (MACH_RCV_TRAILER_SENDER, 20),
        (MACH_RCV_TRAILER_AUDIT, 52),
        (MACH_RCV_TRAILER_CTX, 60),
        (5, 68),
        (6, 68),
        (MACH_RCV_TRAILER_AV, 68),
        (MACH_RCV_TRAILER_LABELS, 68),
        (15, 68),
    ];
    for (i, &(elements, size)) in sizes.iter().enumerate() {
        Msg::new(s, COPY, 0, 0)
            .data(&[1, 2, 3, 4])
            .send(&sender)
            .unwrap();
        let (res, b) = recv_opts(&t, r, 28 + size, trailer_opt(elements), 0);
        res.unwrap_or_else(|e| panic!("elements {elements}: {e}"));
        assert_eq!(hdr(&b).msgh_size, 28);
        let tr = trailer(&b);
        assert_eq!(tr.offset(), 28);
        assert_eq!((tr.format(), tr.size()), (0, size as u32));
        assert!(tr.is_whole());
        if size >= 12 {
            assert_eq!(tr.seqno(), Some(i as u32), "seqno");
        }
        if size >= 20 {
            assert_eq!(tr.sender(), Some(SecurityToken { val: [0, 0] }));
        }
        if size >= 52 {
            // The audit token's fifth word is the pid.
            assert_eq!(tr.audit().unwrap().val[5], sender.pid());
        }
        if size >= 60 {
            assert_eq!(tr.context(), Some(0x1122_3344_5566_7788));
        }
        if size >= 68 {
            assert_eq!(
                (tr.filter_id(), tr.labels()),
                (Some(0), Some(MsgLabels { sender: 0 }))
            );
        }
        // Nothing beyond the trailer is touched.
        let end = tr.offset() + size;
        if end < b.len() {
            assert_eq!(b[end], 0xAA);
        }
    }
    // One byte short of the trailer asked for is too small.
    Msg::new(s, COPY, 0, 0).send(&sender).unwrap();
    let (res, _) = recv_opts(
        &t,
        r,
        HEADER_SIZE + 51,
        trailer_opt(MACH_RCV_TRAILER_AUDIT) | MACH_RCV_LARGE,
        0,
    );
    assert_eq!(res, e(MACH_RCV_TOO_LARGE));
    // Notifications come from the kernel: security token {0, 1}, audit token zero.
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (so, _) = t.mach_port_extract_right(n, MAKE_SO, &t).unwrap();
    t.mach_port_deallocate(so).unwrap();
    let (res, b) = recv_opts(
        &t,
        n,
        HEADER_SIZE + 52,
        trailer_opt(MACH_RCV_TRAILER_AUDIT),
        0,
    );
    res.unwrap();
    let tr = trailer(&b);
    assert_eq!(tr.sender(), Some(SecurityToken { val: [0, 1] }));
    assert_eq!(tr.audit(), Some(AuditToken::default()));
    // Pids differ per task.
    assert_ne!(sender.pid(), t.pid());
}

#[test]
fn port_sets() {
    let (k, t) = setup();
    let sender = k.task_create(None);
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let a = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let b = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_insert_member(a, set).unwrap();
    t.mach_port_insert_member(b, set).unwrap();
    let (sa, _) = t.mach_port_extract_right(a, MAKE, &sender).unwrap();
    let (sb, _) = t.mach_port_extract_right(b, MAKE, &sender).unwrap();
    t.mach_port_set_seqno(b, 10).unwrap();
    // Queued in the order b, a, b: served in that order, each from its member.
    Msg::new(sb, COPY, 0, 0).id(1).send(&sender).unwrap();
    Msg::new(sa, COPY, 0, 0).id(2).send(&sender).unwrap();
    Msg::new(sb, COPY, 0, 0).id(3).send(&sender).unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        let (r, m) = recv_opts(&t, set, 64, trailer_opt(MACH_RCV_TRAILER_SEQNO), 0);
        r.unwrap();
        let seqno = trailer(&m).seqno().unwrap();
        got.push((hdr(&m).msgh_id, hdr(&m).msgh_local_port, seqno));
    }
    assert_eq!(got, vec![(1, b, 10), (2, a, 0), (3, b, 11)]);
    let (r, _) = recv_opts(&t, set, 64, MACH_RCV_TIMEOUT, 0);
    assert_eq!(r, e(MACH_RCV_TIMED_OUT));
    // Receiving on a member directly still works.
    Msg::new(sa, COPY, 0, 0).id(4).send(&sender).unwrap();
    assert_eq!(hdr(&recv(&t, a)).msgh_id, 4);
    // A port with messages joining a set makes them available there.
    let c = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (sc, _) = t.mach_port_extract_right(c, MAKE, &sender).unwrap();
    Msg::new(sc, COPY, 0, 0).id(5).send(&sender).unwrap();
    let t2 = t.clone();
    let h = thread::spawn(move || {
        let (r, m) = recv_opts(&t2, set, 64, 0, 0);
        r.map(|()| (hdr(&m).msgh_id, hdr(&m).msgh_local_port))
    });
    thread::sleep(Duration::from_millis(20));
    t.mach_port_insert_member(c, set).unwrap();
    assert_eq!(h.join().unwrap(), Ok((5, c)));
    // A set is neither a destination nor a right to send.
    assert_eq!(
        Msg::new(set, MAKE, 0, 0).send(&t),
        e(MACH_SEND_INVALID_DEST)
    );
    assert_eq!(
        Msg::new(a, MAKE, 0, 0).port(set, MOVE_RECV).send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(status(&t, a)[ST_MSCOUNT], 2);
    assert_eq!(status(&t, a)[ST_SRIGHTS], 1);
}

#[test]
fn circular_receive_rights_destroy_the_message() {
    let (k, t) = setup();
    // A receive right sent into its own port: success, and the port is destroyed.
    let q = port_with_send(&t);
    Msg::new(q, COPY, 0, 0).port(q, MOVE_RECV).send(&t).unwrap();
    assert_eq!(ty(&t, q), Ok(MACH_PORT_TYPE_DEAD_NAME));
    // A chain: a's receive right waits in b's queue; b's receive right sent to a closes the
    // loop. The message is destroyed, b with it, and a with b's queue.
    let a = port_with_send(&t);
    let b = port_with_send(&t);
    Msg::new(b, COPY, 0, 0).port(a, MOVE_RECV).send(&t).unwrap();
    assert_eq!(ty(&t, a), Ok(MACH_PORT_TYPE_SEND));
    Msg::new(a, COPY, 0, 0).port(b, MOVE_RECV).send(&t).unwrap();
    assert_eq!(ty(&t, b), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(ty(&t, a), Ok(MACH_PORT_TYPE_DEAD_NAME));
    // Not a loop: a receive right sent to another port is delivered.
    let c = port_with_send(&t);
    let d = port_with_send(&t);
    Msg::new(c, COPY, 0, 0).port(d, MOVE_RECV).send(&t).unwrap();
    let m = recv(&t, c);
    assert_eq!(port_desc(&m, DESCRIPTORS_START), (d, 16, 0));
    assert_eq!(ty(&t, d), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    t.terminate();
    assert_eq!(k.port_count(), 1);
}

#[test]
fn a_message_destroyed_unreceived_releases_its_rights() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let carried = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let ns = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let moved = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let (ms, _) = t.mach_port_extract_right(moved, MAKE, &owner).unwrap();
    let mem = t.vm_allocate(vec![1; 64]);
    Msg::new(s, COPY, n, MAKE_SO)
        .port(carried, MAKE)
        .port(moved, MOVE_RECV)
        .ool(mem, 64, false, 0)
        .send(&t)
        .unwrap();
    assert_eq!(status(&t, carried)[ST_SRIGHTS], 1);
    t.mach_port_request_notification(carried, MACH_NOTIFY_NO_SENDERS, 0, ns, MAKE_SO)
        .unwrap();
    assert!(empty(&t, ns));
    owner.mach_port_destroy(or).unwrap();
    // The send-once reply tells its port, the send right's port sees no senders, the
    // receive right dies.
    assert_eq!(hdr(&recv(&t, n)).msgh_id, MACH_NOTIFY_SEND_ONCE);
    assert_eq!(hdr(&recv(&t, ns)).msgh_id, MACH_NOTIFY_NO_SENDERS);
    assert_eq!(ty(&owner, ms), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(ty(&t, s), Ok(MACH_PORT_TYPE_DEAD_NAME));
    t.terminate();
    owner.terminate();
    assert_eq!(k.port_count(), 1);
}

#[test]
fn self_send_with_make_send_fires_no_senders_at_receive() {
    let (_k, t) = setup();
    let r = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    Msg::new(r, MAKE, 0, 0).send(&t).unwrap();
    t.mach_port_request_notification(r, MACH_NOTIFY_NO_SENDERS, 0, n, MAKE_SO)
        .unwrap();
    assert!(empty(&t, n));
    recv(&t, r);
    let b = recv(&t, n);
    assert_eq!(hdr(&b).msgh_id, MACH_NOTIFY_NO_SENDERS);
    assert_eq!(at::<MachNoSendersNotification>(&b, 0).not_count, 1);
}

#[test]
fn send_and_receive_in_one_call() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let mut b = Msg::new(p, COPY, 0, 0).id(99).bytes();
    b.resize(64, 0);
    t.mach_msg(&mut b, MACH_SEND_MSG | MACH_RCV_MSG, 24, 64, p, 0, 0)
        .unwrap();
    assert_eq!(hdr(&b).msgh_id, 99);
    // A send error stops before the receive.
    let mut b = Msg::new(0x7703, COPY, 0, 0).bytes();
    b.resize(64, 0);
    assert_eq!(
        t.mach_msg(&mut b, MACH_SEND_MSG | MACH_RCV_MSG, 24, 64, 0x7703, 0, 0),
        e(MACH_SEND_INVALID_DEST)
    );
    // The receive half's own errors.
    let mut b = Msg::new(p, COPY, 0, 0).bytes();
    b.resize(64, 0);
    assert_eq!(
        t.mach_msg(&mut b, MACH_SEND_MSG | MACH_RCV_MSG, 24, 64, 0x7703, 0, 0),
        e(MACH_RCV_INVALID_NAME)
    );
    recv(&t, p);
}

#[test]
fn guarded_port_descriptors() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    let g = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_guard(g, 0x77, false).unwrap();
    // The guard must match.
    assert_eq!(
        Msg::new(s, COPY, 0, 0)
            .guarded(g, MOVE_RECV, 1, 0x78)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(
        Msg::new(s, COPY, 0, 0).guarded(g, MOVE_RECV, 2, 0).send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(ty(&t, g), Ok(MACH_PORT_TYPE_RECEIVE));
    Msg::new(s, COPY, 0, 0)
        .guarded(g, MOVE_RECV, 1, 0x77)
        .send(&t)
        .unwrap();
    assert_eq!(ty(&t, g), e(KERN_INVALID_NAME));
    // An unguarded port with UNGUARDED_ON_SEND.
    let u = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    assert_eq!(
        Msg::new(s, COPY, 0, 0).guarded(u, MOVE_RECV, 1, 0).send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    Msg::new(s, COPY, 0, 0)
        .guarded(u, MOVE_RECV, 2, 0)
        .send(&t)
        .unwrap();
    assert_eq!(ty(&t, u), e(KERN_INVALID_NAME));
    assert_eq!(status(&owner, or)[ST_MSGCOUNT], 2);
}

/// A guarded port descriptor reaches only a receiver that asks for it
/// (`MACH_RCV_GUARDED_DESC`); any other receiver gets a 12-byte port descriptor naming
/// `MACH_PORT_NULL` and the right is destroyed, so the message is 4 bytes shorter
/// (xnu-7195's `ipc_kmsg_copyout_guarded_port_descriptor`).
#[test]
fn guarded_descriptors_need_the_receive_option() {
    let (k, t) = setup();
    let owner = k.task_create(None);
    let (or, s) = send_right(&owner, &t);
    // Two unguarded ports sent with UNGUARDED_ON_SEND, each followed by 4 bytes of data; t
    // keeps a send right to the first to see it die.
    let a = port_with_send(&t);
    let b = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    for (port, data) in [(a, b"AAAA"), (b, b"BBBB")] {
        Msg::new(s, COPY, 0, 0)
            .guarded(port, MOVE_RECV, 2, 0)
            .data(data)
            .send(&t)
            .unwrap();
    }

    // Without the option: a plain port descriptor with no name, then the data.
    let m = recv(&owner, or);
    assert_eq!(hdr(&m).msgh_size as usize, after_port_descs(1) + 4);
    assert_eq!(
        port_desc(&m, DESCRIPTORS_START),
        (MACH_PORT_NULL, MOVE_RECV, MACH_MSG_PORT_DESCRIPTOR)
    );
    assert_eq!(&m[after_port_descs(1)..][..4], b"AAAA");
    assert_eq!(
        ty(&t, a),
        Ok(MACH_PORT_TYPE_DEAD_NAME),
        "the receive right was destroyed"
    );

    // With it: the guarded descriptor, naming the receive right now in `owner`.
    let (r, m) = recv_opts(&owner, or, 256, MACH_RCV_GUARDED_DESC | MACH_RCV_TIMEOUT, 0);
    r.unwrap();
    let data_at = DESCRIPTORS_START + size_of::<MachMsgGuardedPortDescriptor64>();
    assert_eq!(hdr(&m).msgh_size as usize, data_at + 4);
    let d: MachMsgGuardedPortDescriptor64 = at(&m, DESCRIPTORS_START);
    assert_eq!(d.type_(), MACH_MSG_GUARDED_PORT_DESCRIPTOR);
    assert_eq!(d.disposition(), MOVE_RECV);
    let name = d.name;
    assert_eq!(ty(&owner, name), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(&m[data_at..][..4], b"BBBB");
}
