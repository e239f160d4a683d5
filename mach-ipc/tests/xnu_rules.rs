//! Rules where XNU's behaviour is easy to get wrong, each checked against the XNU function
//! that implements it (xnu-7195 unless said otherwise).

mod msgkit;

use darling_mach_ipc::Kernel;
use darling_mach_ipc::Task;
use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::DESCRIPTORS_START;
use darling_mach_ipc::message::HEADER_SIZE;
use darling_mach_ipc::wire::{
    MachMsgAuditTrailer, MachMsgGuardedPortDescriptor64, MachMsgPortDescriptor, MachPortOptions,
};
use msgkit::{
    MAKE_SO, MOVE_RECV, Msg, ST_FLAGS, ST_MSCOUNT, ST_MSGCOUNT, ST_QLIMIT, ST_SORIGHTS, ST_SRIGHTS,
    at, e, empty, hdr, names, notification_word, port_desc, port_with_send, recv, recv_port, refs,
    request, setup, status, trailer, try_recv,
};

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
    let (k, t) = setup();
    let p = port_with_send(&t);
    request(&t, p, MACH_NOTIFY_PORT_DESTROYED, 0, p).unwrap();
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
    let (k, t) = setup();
    let p = port_with_send(&t);
    let n = port_with_send(&t);
    request(&t, p, MACH_NOTIFY_PORT_DESTROYED, 0, n).unwrap();
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
    let (k, t) = setup();
    let p = port_with_send(&t);
    let n = recv_port(&t);
    request(&t, p, MACH_NOTIFY_PORT_DESTROYED, 0, n).unwrap();
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

// ---------------------------------------------------------------------------------------
// Send-possible requests (xnu-7195.141.2: ipc_right_request_alloc, ipc_port_request_sparm,
// ipc_port_spnotify, ipc_port_request_type, ipc_kmsg_copyin_header; the same in
// xnu-11417.121.6).

/// A task with a port `p` (receive and send under one name, queue limit 1) and a port `n`
/// for notifications.
fn one_slot_port() -> (Kernel, Task, u32, u32) {
    let (k, t) = setup();
    let p = port_with_send(&t);
    t.mach_port_set_attributes(p, MACH_PORT_LIMITS_INFO, &[1])
        .unwrap();
    let n = recv_port(&t);
    (k, t, p, n)
}

fn request_send_possible(t: &Task, p: u32, sync: u32, n: u32) -> u32 {
    request(t, p, MACH_NOTIFY_SEND_POSSIBLE, sync, n).unwrap()
}

/// A plain message to `p` with `option` (no waiting).
fn send_to(
    t: &Task,
    p: u32,
    option: mach_msg_option_t,
) -> Result<(), darling_mach_ipc::KernReturn> {
    Msg::new(p, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .id(7)
        .send_opts(t, option | MACH_SEND_TIMEOUT, 0)
        .0
}

/// The next notification on `n`: its id and the name it carries (after the NDR record).
fn notification(t: &Task, n: u32) -> Option<(i32, u32)> {
    let b = try_recv(t, n).ok()?;
    Some((hdr(&b).msgh_id, notification_word(&b)))
}

/// The type bits `mach_port_names` gives `name`.
fn names_bits(t: &Task, name: u32) -> u32 {
    names(t).into_iter().find(|&(x, _)| x == name).unwrap().1
}

/// The name a client's right gets in these tests.
const CLIENT_NAME: u32 = 0x1003;

/// A server task with a receive right `p` (queue limit `qlimit`, if given) and a client task
/// holding a `right` made from it under [`CLIENT_NAME`]: (server, client, p).
fn server_and_client(k: &Kernel, qlimit: Option<u32>, right: u32) -> (Task, Task, u32) {
    let server = k.task_create(None);
    let client = k.task_create(None);
    let p = recv_port(&server);
    if let Some(q) = qlimit {
        server
            .mach_port_set_attributes(p, MACH_PORT_LIMITS_INFO, &[q])
            .unwrap();
    }
    server
        .mach_port_insert_right_into(&client, CLIENT_NAME, p, right)
        .unwrap();
    (server, client, p)
}

const SP_ARMED: u32 = MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST;
const SP_DELAYED: u32 = SP_ARMED | MACH_PORT_TYPE_SPREQUEST_DELAYED;

/// Without `sync` the request is delayed: receives do not fire it until a MACH_SEND_NOTIFY
/// send finds the queue full and arms it (ipc_port_request_sparm); the next receive then
/// fires it, and the used slot reports no request bits any more.
#[test]
fn delayed_send_possible_waits_for_send_notify() {
    let (_k, t, p, n) = one_slot_port();
    request_send_possible(&t, p, 0, n);
    let rights = MACH_PORT_TYPE_SEND_RECEIVE;
    assert_eq!(names_bits(&t, p), rights | SP_DELAYED);
    // mach_port_type strips the send-possible bits (ipc_right_info).
    assert_eq!(t.mach_port_type(p), Ok(rights | MACH_PORT_TYPE_DNREQUEST));
    send_to(&t, p, 0).unwrap();
    recv(&t, p);
    assert_eq!(notification(&t, n), None, "a delayed request fired");
    // Full: a plain send times out and arms nothing; MACH_SEND_NOTIFY arms the request.
    send_to(&t, p, 0).unwrap();
    assert_eq!(send_to(&t, p, 0), e(MACH_SEND_TIMED_OUT));
    assert_eq!(names_bits(&t, p), rights | SP_DELAYED);
    assert_eq!(send_to(&t, p, MACH_SEND_NOTIFY), e(MACH_SEND_TIMED_OUT));
    assert_eq!(names_bits(&t, p), rights | SP_ARMED);
    assert_eq!(notification(&t, n), None);
    recv(&t, p);
    assert_eq!(notification(&t, n), Some((MACH_NOTIFY_SEND_POSSIBLE, p)));
    assert_eq!(names_bits(&t, p), rights);
    // Used up: another full queue and receive send nothing.
    send_to(&t, p, 0).unwrap();
    assert_eq!(send_to(&t, p, MACH_SEND_NOTIFY), e(MACH_SEND_TIMED_OUT));
    recv(&t, p);
    assert_eq!(notification(&t, n), None);
    // Asking again finds no right to give back.
    assert_eq!(request_send_possible(&t, p, 0, n), MACH_PORT_NULL);
    assert_eq!(names_bits(&t, p), rights | SP_DELAYED);
}

/// With `sync` and a full queue the request is armed at once, and fires on the next receive
/// even though the queue is still full after it (ipc_port_spnotify never looks at the
/// queue's length).
#[test]
fn armed_send_possible_fires_on_any_receive() {
    let (_k, t, p, n) = one_slot_port();
    send_to(&t, p, 0).unwrap();
    // A send-once right is not held to the queue limit: two messages, limit one.
    Msg::new(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, 0)
        .send(&t)
        .unwrap();
    request_send_possible(&t, p, 1, n);
    assert_eq!(names_bits(&t, p), MACH_PORT_TYPE_SEND_RECEIVE | SP_ARMED);
    recv(&t, p);
    assert_eq!(status(&t, p)[ST_MSGCOUNT], 1, "still full");
    assert_eq!(notification(&t, n), Some((MACH_NOTIFY_SEND_POSSIBLE, p)));
}

/// With `sync` and room in the queue, the notification goes at once and nothing stays.
#[test]
fn sync_send_possible_with_room_fires_at_once() {
    let (_k, t, p, n) = one_slot_port();
    request_send_possible(&t, p, 1, n);
    assert_eq!(notification(&t, n), Some((MACH_NOTIFY_SEND_POSSIBLE, p)));
    assert_eq!(names_bits(&t, p), MACH_PORT_TYPE_SEND_RECEIVE);
}

/// A message thrown away by MACH_RCV_TOO_LARGE (without MACH_RCV_LARGE) is not copied out,
/// so an armed request does not fire (ipc_kmsg_copyout_dest does not call
/// ipc_port_spnotify).
#[test]
fn too_large_receive_does_not_fire_send_possible() {
    let (_k, t, p, n) = one_slot_port();
    send_to(&t, p, 0).unwrap();
    request_send_possible(&t, p, 1, n);
    let (r, _) = msgkit::recv_opts(&t, p, HEADER_SIZE + 4, MACH_RCV_TIMEOUT, 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    assert_eq!(notification(&t, n), None);
    assert_eq!(names_bits(&t, p), MACH_PORT_TYPE_SEND_RECEIVE | SP_ARMED);
}

/// A server's port (queue limit 1) whose send right the client holds under `name`, with
/// the client's send-possible request on it used up (armed on a full queue, fired by the
/// server's receive); `n` is the client's notification port.
fn used_send_possible(k: &Kernel) -> (Task, Task, u32, u32) {
    let (server, client, p) = server_and_client(k, Some(1), MACH_MSG_TYPE_MAKE_SEND);
    let name = CLIENT_NAME;
    let n = recv_port(&client);
    send_to(&client, name, 0).unwrap();
    request_send_possible(&client, name, 1, n);
    recv(&server, p);
    assert_eq!(
        notification(&client, n),
        Some((MACH_NOTIFY_SEND_POSSIBLE, name))
    );
    assert_eq!(names_bits(&client, name), MACH_PORT_TYPE_SEND);
    (server, client, name, n)
}

/// A used send-possible slot holds no right: the port's death sends no dead-name
/// notification and adds no uref (ipc_port_dnnotify skips it, ipc_right_check adds the uref
/// only for a slot with a request type).
#[test]
fn used_send_possible_slot_ignores_port_death() {
    let k = Kernel::new();
    let (server, client, name, n) = used_send_possible(&k);
    server.terminate();
    assert_eq!(client.mach_port_type(name), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&client, name, MACH_PORT_RIGHT_DEAD_NAME), 1);
    assert_eq!(notification(&client, n), None);
}

/// Deallocating the name of a used slot sends no port-deleted notification.
#[test]
fn used_send_possible_slot_sends_no_port_deleted() {
    let k = Kernel::new();
    let (_server, client, name, n) = used_send_possible(&k);
    client.mach_port_deallocate(name).unwrap();
    assert_eq!(notification(&client, n), None);
}

/// A request still waiting (delayed) gets a dead-name notification when the port dies, and
/// the name an extra uref for it (ipc_port_dnnotify treats send-possible slots alike).
#[test]
fn waiting_send_possible_gets_dead_name() {
    let k = Kernel::new();
    let (server, client, _) = server_and_client(&k, None, MACH_MSG_TYPE_MAKE_SEND);
    let name = CLIENT_NAME;
    let n = recv_port(&client);
    request_send_possible(&client, name, 0, n);
    server.terminate();
    assert_eq!(
        notification(&client, n),
        Some((MACH_NOTIFY_DEAD_NAME, name))
    );
    assert_eq!(refs(&client, name, MACH_PORT_RIGHT_DEAD_NAME), 2);
}

/// Moving the last send uref frees the sender's name: MACH_SEND_NOTIFY then arms nothing,
/// and the request gets its port-deleted notification instead.
#[test]
fn send_notify_moving_the_last_uref_arms_nothing() {
    let k = Kernel::new();
    let (server, client, p) = server_and_client(&k, Some(1), MACH_MSG_TYPE_MAKE_SEND);
    let name = CLIENT_NAME;
    let n = recv_port(&client);
    send_to(&client, name, 0).unwrap();
    request_send_possible(&client, name, 0, n);
    let (r, _) = Msg::new(name, MACH_MSG_TYPE_MOVE_SEND, 0, 0).send_opts(
        &client,
        MACH_SEND_NOTIFY | MACH_SEND_TIMEOUT,
        0,
    );
    // The message comes back (pseudo-receive) with its right, under a new name.
    assert_eq!(r, e(MACH_SEND_TIMED_OUT));
    assert_eq!(
        notification(&client, n),
        Some((MACH_NOTIFY_PORT_DELETED, name))
    );
    recv(&server, p);
    assert_eq!(notification(&client, n), None);
}

// ---------------------------------------------------------------------------------------
// The order of the notifications when rights are destroyed or deallocated
// (xnu-7195.141.2 ipc_right_destroy, ipc_right_dealloc, ipc_right_delta, ipc_port_destroy).

/// The ids of every message waiting on `n`, in order.
fn drain_ids(t: &Task, n: u32) -> Vec<i32> {
    std::iter::from_fn(|| try_recv(t, n).ok().map(|b| hdr(&b).msgh_id)).collect()
}

/// A message queued on `p` carrying a send-once right to `n` (its destruction sends
/// SEND_ONCE to `n`).
fn queue_send_once_to(t: &Task, p: u32, n: u32) {
    Msg::new(p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, 0)
        .port(n, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .send(t)
        .unwrap();
}

/// mach_port_destroy on a name holding the receive right and the only send right, with a
/// dead-name request on it, a no-senders request, a queued message and another name's
/// dead-name request: the port dies first (the message destroyed: SEND_ONCE; the other
/// name's DEAD_NAME), then NO_SENDERS (the request was taken with the last send right, so it
/// gets no SEND_ONCE), then PORT_DELETED.
#[test]
fn destroy_notifies_death_then_no_senders_then_port_deleted() {
    let (_k, t) = setup();
    let n = recv_port(&t);
    let p = port_with_send(&t);
    let s1 = recv_port(&t);
    t.mach_port_destroy(s1).unwrap();
    // A send-once right to p under a name of its own, with a dead-name request.
    Msg::new(n, MACH_MSG_TYPE_MAKE_SEND_ONCE, 0, 0)
        .port(p, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .send(&t)
        .unwrap();
    let so = port_desc(&recv(&t, n), DESCRIPTORS_START).0;
    request(&t, so, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    request(&t, p, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    request(&t, p, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    queue_send_once_to(&t, p, n);
    t.mach_port_destroy(p).unwrap();
    assert_eq!(
        drain_ids(&t, n),
        [
            MACH_NOTIFY_SEND_ONCE,
            MACH_NOTIFY_DEAD_NAME,
            MACH_NOTIFY_NO_SENDERS,
            MACH_NOTIFY_PORT_DELETED
        ]
    );
}

/// A send-once right to `n` (a receive right of `server`) for `client`, to arm its
/// requests with.
fn send_once_for(server: &Task, client: &Task, n: u32) -> u32 {
    let cn = 0x1103;
    server
        .mach_port_insert_right_into(client, cn, n, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .unwrap();
    cn
}

/// The client's dead-name request on its name, answered to the send-once right `cn`.
fn client_request(client: &Task, cn: u32) {
    client
        .mach_port_request_notification(
            CLIENT_NAME,
            MACH_NOTIFY_DEAD_NAME,
            0,
            cn,
            MACH_MSG_TYPE_MOVE_SEND_ONCE,
        )
        .unwrap();
}

/// A port destroyed while its no-senders request is still armed (a client still holds a
/// send right): ipc_port_destroy sends that request SEND_ONCE before it destroys the queued
/// messages and before the dead-name notifications (xnu-7195; xnu-11417 destroys the
/// messages first).
#[test]
fn port_death_sends_no_senders_send_once_before_dead_names() {
    let k = Kernel::new();
    let (t, client, p) = server_and_client(&k, None, MACH_MSG_TYPE_MAKE_SEND);
    let n = recv_port(&t);
    let cn = send_once_for(&t, &client, n);
    client_request(&client, cn);
    request(&t, p, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    queue_send_once_to(&t, p, n);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(
        drain_ids(&t, n),
        [
            MACH_NOTIFY_SEND_ONCE,
            MACH_NOTIFY_SEND_ONCE,
            MACH_NOTIFY_DEAD_NAME
        ]
    );
}

/// Deallocating the last send uref of a send-only name with a request: NO_SENDERS first,
/// then PORT_DELETED (ipc_right_dealloc).
#[test]
fn dealloc_send_notifies_no_senders_then_port_deleted() {
    let k = Kernel::new();
    let (t, client, p) = server_and_client(&k, None, MACH_MSG_TYPE_MAKE_SEND);
    let n = recv_port(&t);
    let cn = send_once_for(&t, &client, n);
    client_request(&client, cn);
    request(&t, p, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    client.mach_port_deallocate(CLIENT_NAME).unwrap();
    assert_eq!(
        drain_ids(&t, n),
        [MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DELETED]
    );
}

/// Deallocating a send-once name with a request: SEND_ONCE to the port first, then
/// PORT_DELETED (ipc_right_dealloc); here both go to the port itself.
#[test]
fn dealloc_send_once_notifies_send_once_then_port_deleted() {
    let k = Kernel::new();
    let (t, client, p) = server_and_client(&k, None, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    // The request answers to p too.
    let cn = send_once_for(&t, &client, p);
    client_request(&client, cn);
    client.mach_port_deallocate(CLIENT_NAME).unwrap();
    assert_eq!(
        drain_ids(&t, p),
        [MACH_NOTIFY_SEND_ONCE, MACH_NOTIFY_PORT_DELETED]
    );
}

/// mach_port_mod_refs(RECEIVE, -1) on a receive-only name with a request: the port is
/// destroyed (its queued message: SEND_ONCE), then the request gets PORT_DELETED
/// (ipc_right_delta).
#[test]
fn receive_dealloc_notifies_death_then_port_deleted() {
    let (_k, t) = setup();
    let n = recv_port(&t);
    let p = recv_port(&t);
    request(&t, p, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    queue_send_once_to(&t, p, n);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    assert_eq!(
        drain_ids(&t, n),
        [MACH_NOTIFY_SEND_ONCE, MACH_NOTIFY_PORT_DELETED]
    );
}

// ---------------------------------------------------------------------------------------
// Port guards (xnu-7195.141.2 mach_port.c: mach_port_guard_locked, mach_port_unguard_locked,
// mach_port_swap_guard, mach_port_get_status_helper; ipc_right.c: ipc_right_destroy,
// ipc_right_copyin, ipc_right_copyout).

fn status_flags(t: &Task, p: u32) -> u32 {
    status(t, p)[ST_FLAGS]
}

/// mach_port_guard_locked only refuses a port that has a context: 0 is a valid guard, and a
/// port guarded with 0 can be guarded again (strictness replaced).
#[test]
fn a_zero_guard_is_a_guard_and_can_be_replaced() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    t.mach_port_guard(p, 0, true).unwrap();
    assert_eq!(
        status_flags(&t, p),
        MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_STRICT_GUARD
    );
    t.mach_port_guard(p, 0x55, false).unwrap();
    assert_eq!(status_flags(&t, p), MACH_PORT_STATUS_FLAG_GUARDED);
    assert_eq!(t.mach_port_get_context(p), Ok(0x55));
    assert_eq!(t.mach_port_guard(p, 0x66, false), e(KERN_INVALID_ARGUMENT));
    // A context set without a guard refuses a guard too.
    let q = recv_port(&t);
    t.mach_port_set_context(q, 9).unwrap();
    assert_eq!(t.mach_port_guard(q, 1, false), e(KERN_INVALID_ARGUMENT));
}

/// ipc_right_destroy compares the guard with 0 (mach_port_destroy passes no guard): a port
/// guarded with 0 is destroyed, any other guard refuses. (xnu-7195 also clears the name's
/// type bits on the refusal, so the name then looks unknown while the port lives; later
/// releases keep the name, as this crate does.)
#[test]
fn destroy_refuses_a_guard_other_than_zero() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    t.mach_port_guard(p, 7, false).unwrap();
    assert_eq!(t.mach_port_destroy(p), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_RECEIVE));
    let z = recv_port(&t);
    t.mach_port_guard(z, 0, false).unwrap();
    t.mach_port_destroy(z).unwrap();
    assert_eq!(t.mach_port_type(z), e(KERN_INVALID_NAME));
}

/// ipc_right_delta refuses to drop a guarded receive right whatever its guard, 0 included.
#[test]
fn mod_refs_refuses_any_guarded_receive_right() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    t.mach_port_guard(p, 0, false).unwrap();
    assert_eq!(
        t.mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1),
        e(KERN_INVALID_RIGHT)
    );
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_RECEIVE));
}

/// MPG_IMMOVABLE_RECEIVE is sticky: unguarding keeps the right immovable (the status shows
/// it only while guarded), and ipc_right_copyin refuses to move it: KERN_INVALID_CAPABILITY
/// from mach_port_extract_right, MACH_SEND_INVALID_RIGHT from a message.
#[test]
fn immovable_receive_outlives_its_guard() {
    let (k, t) = setup();
    let other = k.task_create(None);
    let s = port_with_send(&t);
    let p = recv_port(&t);
    t.mach_port_guard_with_flags(p, 3, MPG_IMMOVABLE_RECEIVE)
        .unwrap();
    assert_eq!(
        status_flags(&t, p),
        MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE
    );
    t.mach_port_unguard(p, 3).unwrap();
    assert_eq!(status_flags(&t, p), 0);
    assert_eq!(
        t.mach_port_extract_right(p, MACH_MSG_TYPE_MOVE_RECEIVE, &other),
        e(KERN_INVALID_CAPABILITY)
    );
    assert_eq!(
        Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
            .port(p, MACH_MSG_TYPE_MOVE_RECEIVE)
            .send(&t),
        e(MACH_SEND_INVALID_RIGHT)
    );
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_RECEIVE));
    t.mach_port_guard(p, 4, false).unwrap();
    assert_eq!(
        status_flags(&t, p),
        MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE
    );
}

/// mach_port_swap_guard: unguarded, strict and wrong-guard ports are refused, in that order.
#[test]
fn swap_guard_checks_in_order() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    assert_eq!(t.mach_port_swap_guard(p, 0, 1), e(KERN_INVALID_ARGUMENT));
    t.mach_port_guard(p, 5, true).unwrap();
    assert_eq!(t.mach_port_swap_guard(p, 5, 6), e(KERN_INVALID_ARGUMENT));
    t.mach_port_unguard(p, 5).unwrap();
    t.mach_port_guard(p, 5, false).unwrap();
    assert_eq!(t.mach_port_swap_guard(p, 4, 6), e(KERN_INVALID_ARGUMENT));
    t.mach_port_swap_guard(p, 5, 6).unwrap();
    assert_eq!(t.mach_port_get_context(p), Ok(6));
    assert_eq!(t.mach_port_unguard(p, 5), e(KERN_INVALID_ARGUMENT));
    t.mach_port_unguard(p, 6).unwrap();
    assert_eq!(t.mach_port_swap_guard(0, 0, 0), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_swap_guard(0x4403, 0, 0), e(KERN_INVALID_NAME));
}

/// A receive right sent in a guarded descriptor with MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE
/// arrives, for a receiver that asked for guarded descriptors, guarded (not strictly) by the
/// address of the receive buffer and immovable; the descriptor shows that context and only
/// the IMMOVABLE_RECEIVE flag (ipc_right_copyout). Without the flag it arrives unguarded and
/// the descriptor keeps UNGUARDED_ON_SEND, which the copy-in set (ipc_right_copyin).
#[test]
fn guarded_descriptor_guards_with_the_receive_buffer() {
    let (k, t) = setup();
    let server = k.task_create(None);
    let r = server.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let s = 0x2003;
    server
        .mach_port_insert_right_into(&t, s, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    let a = recv_port(&t);
    t.mach_port_guard(a, 0x99, true).unwrap();
    Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .guarded(a, MACH_MSG_TYPE_MOVE_RECEIVE, 1, 0x99)
        .send(&t)
        .unwrap();
    let b = recv_port(&t);
    Msg::new(s, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .guarded(b, MACH_MSG_TYPE_MOVE_RECEIVE, 2, 0)
        .send(&t)
        .unwrap();
    let recv_guarded = || {
        let (res, m) =
            msgkit::recv_opts(&server, r, 256, MACH_RCV_GUARDED_DESC | MACH_RCV_TIMEOUT, 0);
        res.unwrap();
        let g: MachMsgGuardedPortDescriptor64 = msgkit::at(&m, DESCRIPTORS_START);
        (m.as_ptr() as u64, g)
    };
    let (address, g) = recv_guarded();
    let (name, flags, context) = (g.name, g.flags(), g.context);
    assert_eq!(flags, MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE);
    assert_eq!(context, address);
    assert_eq!(
        status_flags(&server, name),
        MACH_PORT_STATUS_FLAG_GUARDED | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE
    );
    assert_eq!(server.mach_port_get_context(name), Ok(address));
    assert_eq!(
        server.mach_port_extract_right(name, MACH_MSG_TYPE_MOVE_RECEIVE, &t),
        e(KERN_INVALID_CAPABILITY)
    );
    server.mach_port_unguard(name, address).unwrap();

    let (_, g) = recv_guarded();
    let (name, flags, context) = (g.name, g.flags(), g.context);
    assert_eq!(flags, MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND);
    assert_eq!(context, 0);
    assert_eq!(status_flags(&server, name), 0);
}

/// The importance attributes are recorded for the status (mach_port_get_status_helper):
/// IMPORTANCE_RECEIVER gives IMP_DONATION, TEMPOWNER gives IMP_DONATION and TEMPOWNER.
#[test]
fn importance_attributes_show_in_the_status() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    t.mach_port_set_attributes(p, MACH_PORT_IMPORTANCE_RECEIVER, &[])
        .unwrap();
    assert_eq!(status_flags(&t, p), MACH_PORT_STATUS_FLAG_IMP_DONATION);
    t.mach_port_set_attributes(p, MACH_PORT_TEMPOWNER, &[])
        .unwrap();
    assert_eq!(
        status_flags(&t, p),
        MACH_PORT_STATUS_FLAG_IMP_DONATION | MACH_PORT_STATUS_FLAG_TEMPOWNER
    );
}

// ---------------------------------------------------------------------------------------
// mach_port_peek (xnu-7195.141.2 mach_port_peek, ipc_mqueue_peek_locked) and
// mach_port_destruct (ipc_right_destruct).

const AUDIT: u32 = (MACH_RCV_TRAILER_AUDIT as u32) << 24;

#[test]
fn peek_errors_in_order() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    let set = t.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    let mut tr = [0u8; 68];
    assert_eq!(t.mach_port_peek(0, 0, 0, &mut tr), e(KERN_INVALID_RIGHT));
    // The context trailer is refused so as not to leak it, even with room for it.
    let ctx = (MACH_RCV_TRAILER_CTX as u32) << 24;
    assert_eq!(t.mach_port_peek(p, ctx, 0, &mut tr), e(KERN_INVALID_VALUE));
    assert_eq!(
        t.mach_port_peek(p, AUDIT, 0, &mut tr[..size_of::<MachMsgAuditTrailer>() - 1]),
        e(KERN_INVALID_VALUE)
    );
    assert_eq!(
        t.mach_port_peek(0x7703, 0, 0, &mut tr),
        e(KERN_INVALID_NAME)
    );
    assert_eq!(t.mach_port_peek(set, 0, 0, &mut tr), e(KERN_INVALID_RIGHT));
    assert_eq!(t.mach_port_peek(p, 0, 0, &mut tr), e(KERN_FAILURE));
}

/// Peeking reports the kernel's message size (+8 for the header, +4 per port descriptor),
/// finds messages by sequence number, writes the stored trailer (trailer size 8 whatever
/// was asked) and leaves the queue alone.
#[test]
fn peek_reports_the_kernel_size_and_the_stored_trailer() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let other = recv_port(&t);
    t.mach_port_set_seqno(p, 10).unwrap();
    Msg::new(p, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .id(41)
        .port(other, MACH_MSG_TYPE_MAKE_SEND)
        .data(b"abcd")
        .send(&t)
        .unwrap();
    Msg::new(p, MACH_MSG_TYPE_COPY_SEND, 0, 0)
        .id(42)
        .send(&t)
        .unwrap();
    let mut tr = [0xAAu8; 68];
    let first = t.mach_port_peek(p, AUDIT, 0, &mut tr).unwrap();
    assert_eq!(
        first,
        darling_mach_ipc::PeekedMessage {
            seqno: 10,
            // The message with its 4 bytes of data, +8 and +4 in the kernel.
            size: (DESCRIPTORS_START + size_of::<MachMsgPortDescriptor>() + 4 + 8 + 4) as u32,
            id: 41,
            trailer_size: 52,
        }
    );
    let second = t.mach_port_peek(p, AUDIT, 11, &mut tr).unwrap();
    assert_eq!(
        (second.seqno, second.size, second.id),
        (11, HEADER_SIZE as u32 + 8, 42)
    );
    let peeked: MachMsgAuditTrailer = at(&tr, 0);
    assert_eq!(peeked.msgh_trailer_type, MACH_MSG_TRAILER_FORMAT_0);
    assert_eq!(peeked.msgh_trailer_size, MACH_MSG_TRAILER_MINIMUM_SIZE);
    assert_eq!(peeked.msgh_seqno, 11);
    assert_eq!(
        tr[size_of::<MachMsgAuditTrailer>()],
        0xAA,
        "nothing past the trailer asked for"
    );
    for seqno in [9, 12] {
        assert_eq!(t.mach_port_peek(p, 0, seqno, &mut tr), e(KERN_FAILURE));
    }
    assert_eq!(status(&t, p)[ST_MSGCOUNT], 2);
    // The tokens are those a receive gets.
    let (r, m) = msgkit::recv_opts(&t, p, 256, AUDIT as i32 | MACH_RCV_TIMEOUT, 0);
    r.unwrap();
    t.mach_port_peek(p, AUDIT, 0, &mut tr).unwrap();
    let peeked: MachMsgAuditTrailer = at(&tr, 0);
    let received = trailer(&m);
    assert_eq!(
        (Some(peeked.msgh_sender), Some(peeked.msgh_audit)),
        (received.sender(), received.audit())
    );
}

#[test]
fn destruct_errors_in_order() {
    let (_k, t) = setup();
    let p = port_with_send(&t);
    let r = recv_port(&t);
    assert_eq!(t.mach_port_destruct(0, 0, 0), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_destruct(0x7703, 0, 0), e(KERN_INVALID_NAME));
    assert_eq!(t.mach_port_destruct(r, -1, 0), e(KERN_INVALID_RIGHT));
    t.mach_port_guard(p, 7, false).unwrap();
    assert_eq!(t.mach_port_destruct(p, 1, 6), e(KERN_INVALID_VALUE));
    assert_eq!(t.mach_port_destruct(p, -1, 6), e(KERN_INVALID_ARGUMENT));
    assert_eq!(t.mach_port_destruct(p, -2, 7), e(KERN_INVALID_VALUE));
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    // The guard opens it.
    t.mach_port_destruct(p, -1, 7).unwrap();
    assert_eq!(t.mach_port_type(p), e(KERN_INVALID_NAME));
    // On an unguarded port the guard is not looked at.
    t.mach_port_destruct(r, 0, 12345).unwrap();
    assert_eq!(t.mach_port_type(r), e(KERN_INVALID_NAME));
}

/// ipc_right_destruct: the last send uref goes first (NO_SENDERS), then the port dies (its
/// queued message: SEND_ONCE), then PORT_DELETED; unlike mach_port_destroy, where
/// NO_SENDERS follows the death.
#[test]
fn destruct_notifies_no_senders_then_death_then_port_deleted() {
    let (_k, t) = setup();
    let n = recv_port(&t);
    let p = port_with_send(&t);
    request(&t, p, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    request(&t, p, MACH_NOTIFY_NO_SENDERS, 0, n).unwrap();
    queue_send_once_to(&t, p, n);
    t.mach_port_destruct(p, -1, 0).unwrap();
    assert_eq!(
        drain_ids(&t, n),
        [
            MACH_NOTIFY_NO_SENDERS,
            MACH_NOTIFY_SEND_ONCE,
            MACH_NOTIFY_PORT_DELETED
        ]
    );
}

/// Send urefs left after the destruct become a dead name (with one more uref for its
/// request, whose dead-name notification goes out).
#[test]
fn destruct_leaves_remaining_send_urefs_dead() {
    let (_k, t) = setup();
    let n = recv_port(&t);
    let p = port_with_send(&t);
    t.mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 2).unwrap();
    request(&t, p, MACH_NOTIFY_DEAD_NAME, 0, n).unwrap();
    t.mach_port_destruct(p, -1, 0).unwrap();
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_DEAD_NAME));
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_DEAD_NAME), 3);
    assert_eq!(drain_ids(&t, n), [MACH_NOTIFY_DEAD_NAME]);
}

// ---------------------------------------------------------------------------------------
// mach_port_construct (xnu-7195.141.2 mach_port_construct).

#[test]
fn construct_makes_what_the_options_say() {
    let (_k, t) = setup();
    let with_send = MachPortOptions::new(MPO_INSERT_SEND_RIGHT).with_qlimit(5);
    let p = t.mach_port_construct(&with_send, 0x1234).unwrap();
    assert_eq!(t.mach_port_type(p), Ok(MACH_PORT_TYPE_SEND_RECEIVE));
    assert_eq!(refs(&t, p, MACH_PORT_RIGHT_SEND), 1);
    let st = status(&t, p);
    assert_eq!((st[ST_MSCOUNT], st[ST_SRIGHTS], st[ST_QLIMIT]), (1, 1, 5));
    assert_eq!(st[ST_FLAGS], 0);
    assert_eq!(t.mach_port_get_context(p), Ok(0x1234), "a plain context");

    let guarded = MachPortOptions::new(
        MPO_CONTEXT_AS_GUARD | MPO_STRICT | MPO_IMMOVABLE_RECEIVE | MPO_TEMPOWNER,
    );
    let g = t.mach_port_construct(&guarded, 0x77).unwrap();
    assert_eq!(t.mach_port_type(g), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(
        status_flags(&t, g),
        MACH_PORT_STATUS_FLAG_GUARDED
            | MACH_PORT_STATUS_FLAG_STRICT_GUARD
            | MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE
            | MACH_PORT_STATUS_FLAG_IMP_DONATION
            | MACH_PORT_STATUS_FLAG_TEMPOWNER
    );
    assert_eq!(
        t.mach_port_get_context(g),
        Ok(0),
        "a strict guard is hidden"
    );
    assert_eq!(t.mach_port_destroy(g), e(KERN_INVALID_RIGHT));
    t.mach_port_destruct(g, 0, 0x77).unwrap();
    assert_eq!(t.mach_port_type(g), e(KERN_INVALID_NAME));
}

/// An attribute that fails after the port was made tears it down again
/// (mach_port_destruct with -1 for the inserted send right) and returns the error; thread
/// group tracking is refused before anything is made.
#[test]
fn construct_failures_leave_nothing() {
    let (k, t) = setup();
    let before = names(&t);
    let ports = k.port_count();
    // Guarded, with a send right: the destruct needs the guard and the -1.
    let too_long = MachPortOptions::new(MPO_INSERT_SEND_RIGHT | MPO_CONTEXT_AS_GUARD)
        .with_qlimit(MACH_PORT_QLIMIT_MAX + 1);
    assert_eq!(t.mach_port_construct(&too_long, 9), e(KERN_INVALID_VALUE));
    assert_eq!(names(&t), before);
    assert_eq!(k.port_count(), ports);
    assert_eq!(
        t.mach_port_construct(&MachPortOptions::new(MPO_TG_BLOCK_TRACKING), 0),
        e(KERN_DENIED)
    );
    assert_eq!(names(&t), before);
}

/// A queued message's destination right counts among the port's rights until it is
/// received (xnu-7195.141.2: `ipc_kmsg_copyin_header` takes it, `ipc_kmsg_copyout_header`
/// uses it up): the send and send-once counts in the status include it, and the no-senders
/// notification waits for the receive.
#[test]
fn queued_destination_rights_count_until_received() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    let ns = recv_port(&t);
    Msg::new(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0).send(&t).unwrap();
    Msg::new(p, MAKE_SO, 0, 0).send(&t).unwrap();
    // (Made with no send right anywhere, the request would fire at once.)
    request(&t, p, MACH_NOTIFY_NO_SENDERS, 0, ns).unwrap();
    let st = status(&t, p);
    assert_eq!(
        (st[ST_SRIGHTS], st[ST_SORIGHTS], st[ST_MSGCOUNT]),
        (1, 1, 2)
    );
    assert!(empty(&t, ns));
    assert_eq!(
        MACH_MSGH_BITS_LOCAL(hdr(&recv(&t, p)).msgh_bits),
        MACH_MSG_TYPE_PORT_SEND
    );
    let st = status(&t, p);
    assert_eq!((st[ST_SRIGHTS], st[ST_SORIGHTS]), (0, 1));
    assert_eq!(hdr(&recv(&t, ns)).msgh_id, MACH_NOTIFY_NO_SENDERS);
    assert_eq!(
        MACH_MSGH_BITS_LOCAL(hdr(&recv(&t, p)).msgh_bits),
        MACH_MSG_TYPE_PORT_SEND_ONCE
    );
    assert_eq!(status(&t, p)[ST_SORIGHTS], 0);
}

/// A message destroyed by a too-large receive destroys its destination right like any
/// other: a send-once one sends its port a send-once notification (xnu-7195.141.2
/// `ipc_kmsg_clean` → `ipc_object_destroy_dest` → `ipc_notify_send_once_and_unlock`).
#[test]
fn too_large_receive_destroys_a_send_once_destination_with_a_notification() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    Msg::new(p, MAKE_SO, 0, 0).data(&[1; 16]).send(&t).unwrap();
    let (r, _) = msgkit::recv_opts(&t, p, HEADER_SIZE + 4, MACH_RCV_TIMEOUT, 0);
    assert_eq!(r, e(MACH_RCV_TOO_LARGE));
    assert_eq!(hdr(&recv(&t, p)).msgh_id, MACH_NOTIFY_SEND_ONCE);
    assert_eq!(status(&t, p)[ST_SORIGHTS], 0);
    assert!(empty(&t, p));
}

/// A port destroyed with messages queued frees them and itself: nothing of it is left
/// (`ipc_port_destroy` destroys the queue), whatever rights the messages were sent with.
#[test]
fn a_port_destroyed_with_queued_messages_is_freed() {
    let (k, t) = setup();
    let before = k.port_count();
    let p = recv_port(&t);
    let q = recv_port(&t);
    Msg::new(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0).send(&t).unwrap();
    Msg::new(p, MAKE_SO, q, MAKE_SO).send(&t).unwrap();
    // p's receive right inside a message queued on q, itself holding a message for q.
    Msg::new(q, MACH_MSG_TYPE_MAKE_SEND, 0, 0)
        .port(p, MOVE_RECV)
        .send(&t)
        .unwrap();
    t.mach_port_destroy(q).unwrap();
    assert_eq!(k.port_count(), before);
}

/// A receiver waiting on a name whose port is destroyed, the name then given to a new
/// port, is told its port changed: it does not go on to receive from the new port.
#[test]
fn a_waiting_receive_does_not_follow_its_name_to_a_new_port() {
    let (_k, t) = setup();
    let p = recv_port(&t);
    std::thread::scope(|s| {
        let waiter = s.spawn(|| msgkit::recv_opts(&t, p, 64, 0, 0).0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        t.mach_port_destroy(p).unwrap();
        // Whether or not the waiter has looked again yet, the name may come back.
        let _ = t.mach_port_allocate_name(MACH_PORT_RIGHT_RECEIVE, p);
        let _ = t.mach_port_insert_right(p, p, MACH_MSG_TYPE_MAKE_SEND);
        let _ = Msg::new(p, MACH_MSG_TYPE_COPY_SEND, 0, 0).send(&t);
        assert_eq!(waiter.join().unwrap(), e(MACH_RCV_PORT_CHANGED));
    });
}
