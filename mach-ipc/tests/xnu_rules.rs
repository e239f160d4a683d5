//! Rules where XNU's behaviour is easy to get wrong, each checked against the XNU function
//! that implements it (xnu-7195 unless said otherwise).

mod msgkit;

use darling_mach_ipc::Kernel;
use darling_mach_ipc::Task;
use darling_mach_ipc::consts::*;
use msgkit::{Msg, port_with_send};

/// Sends the receive right `carried` to `dest` (a copied send right) in a complex message.
fn send_receive_right(t: &Task, dest: u32, carried: u32) {
    Msg::new(dest, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .id(100)
        .port(carried, MACH_MSG_TYPE_MOVE_RECEIVE)
        .send(t)
        .unwrap();
}

/// ipc_port_destroy → ipc_notify_port_destroyed: a port-destroyed request whose notify
/// port is the port itself would queue the receive right inside its own port. XNU marks the
/// message circular (ipc_kmsg_copyin_from_kernel / ipc_port_check_circularity) and
/// ipc_kmsg_send destroys it: the port really dies (Darling's kernel is XNU's here too).
#[test]
fn port_destroyed_into_itself_destroys_the_port() {
    let k = Kernel::new();
    let t = k.task_create(None);
    let p = port_with_send(&t);
    t.mach_port_request_notification(
        p,
        MACH_NOTIFY_PORT_DESTROYED,
        0,
        p,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    // The name's send right now names a dead port.
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_DEAD_NAME));
    t.terminate();
    assert_eq!(k.port_count(), 1, "the port did not outlive its task");
}

/// The same when the notify port's receive right sits in a message queued on the port:
/// following ip_destination from the notify port ends at the port (ipc_port_check_circularity),
/// so the notification is destroyed and both ports die.
#[test]
fn port_destroyed_into_a_port_inside_it_destroys_both() {
    let k = Kernel::new();
    let t = k.task_create(None);
    let p = port_with_send(&t);
    let n = port_with_send(&t);
    t.mach_port_request_notification(
        p,
        MACH_NOTIFY_PORT_DESTROYED,
        0,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    // n's receive right goes into p's queue.
    send_receive_right(&t, p, n);
    assert_eq!(t.mach_port_type(n), Ok(MACH_PORT_TYPE_SEND));
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(t.mach_port_type(n), Ok(MACH_PORT_TYPE_DEAD_NAME));
    t.terminate();
    assert_eq!(k.port_count(), 1);
}

/// Not circular: a notify port elsewhere gets the receive right, and the port lives on.
#[test]
fn port_destroyed_elsewhere_rescues_the_port() {
    let k = Kernel::new();
    let t = k.task_create(None);
    let p = port_with_send(&t);
    let n = t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    t.mach_port_request_notification(
        p,
        MACH_NOTIFY_PORT_DESTROYED,
        0,
        n,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )
    .unwrap();
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    // Alive, in transit: the send right is still a send right.
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_SEND));
    let mut buf = [0u8; 128];
    t.mach_msg(&mut buf, MACH_RCV_MSG, 0, 128, n, 0, 0).unwrap();
    let h = darling_mach_ipc::wire::MachMsgHeader::read(&buf).unwrap();
    assert_eq!(h.msgh_id, MACH_NOTIFY_PORT_DESTROYED);
    // The receive right came back under the name that holds the send right.
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    t.terminate();
    assert_eq!(k.port_count(), 1);
}
