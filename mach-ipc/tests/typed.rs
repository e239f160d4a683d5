//! The typed layer: handles release exactly what they hold, messages carry rights and memory,
//! and a send that times out gives everything back.

use std::mem::offset_of;
use std::time::Duration;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::{self, HEADER_SIZE};
use darling_mach_ipc::typed::{Message, PortSet, ReceiveRight, ReceivedRight, SendRight};
use darling_mach_ipc::wire::MachPortDeletedNotification;
use darling_mach_ipc::{KernReturn, Kernel};

const NOW: Option<Duration> = Some(Duration::ZERO);

#[test]
fn handles_count_user_references() {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);
    let port = ReceiveRight::allocate(&task).unwrap();
    let send = port.make_send().unwrap();
    let more = send.clone();
    assert_eq!(
        task.mach_port_get_refs(port.name(), MACH_PORT_RIGHT_SEND),
        Ok(2)
    );
    drop(more);
    assert_eq!(
        task.mach_port_get_refs(port.name(), MACH_PORT_RIGHT_SEND),
        Ok(1)
    );
    drop(send);
    assert_eq!(task.mach_port_type(port.name()), Ok(MACH_PORT_TYPE_RECEIVE));
    let name = port.name();
    drop(port);
    assert_eq!(
        task.mach_port_type(name),
        Err(KernReturn(KERN_INVALID_NAME))
    );
    task.terminate();
    assert_eq!(kernel.port_count(), 1);
}

#[test]
fn messages_carry_rights_memory_and_data() {
    let kernel = Kernel::new();
    let a = kernel.task_create(None);
    let b = kernel.task_create(None);
    let inbox = ReceiveRight::allocate(&b).unwrap();
    // a gets a send right to b's inbox.
    let (to_b, _) = b
        .mach_port_extract_right(inbox.name(), MACH_MSG_TYPE_MAKE_SEND, &a)
        .unwrap();
    let to_b = SendRight::from_name(&a, to_b);

    let gift = ReceiveRight::allocate(&a).unwrap();
    let gift_send = gift.make_send().unwrap();
    let reply = ReceiveRight::allocate(&a).unwrap();
    to_b.send(
        Message::new(42)
            .copy_send(&gift_send)
            .move_receive(gift)
            .ool(vec![9; 5000])
            .data(b"abc")
            .reply_to(&reply),
        NOW,
    )
    .unwrap();

    let got = inbox.receive(NOW).unwrap();
    assert_eq!(got.id, 42);
    assert_eq!(got.local, inbox.name());
    assert_eq!(&got.data[..3], b"abc");
    assert_eq!(got.ool, vec![vec![9; 5000]]);
    assert_eq!(got.sender_pid, a.pid());
    assert_eq!(got.seqno, 0);
    let [ReceivedRight::Send(s), ReceivedRight::Receive(r)] = &got.ports[..] else {
        panic!("{:?}", got.ports);
    };
    // The send right and the receive right of one port share one name in b.
    assert_eq!(s.name(), r.name());
    assert_eq!(b.mach_port_type(r.name()), Ok(MACH_PORT_TYPE_SEND_RECEIVE));

    // Answer on the send-once reply right.
    let ReceivedRight::SendOnce(answer) = got.reply else {
        panic!("no send-once reply");
    };
    answer.send(Message::new(142), NOW).unwrap();
    assert_eq!(reply.receive(NOW).unwrap().id, 142);
    // The memory b received was copied out and freed from its space.
    assert_eq!(b.vm_region_count(), 0);

    drop(got.ports);
    drop((to_b, gift_send, reply, inbox));
    a.terminate();
    b.terminate();
    assert_eq!(kernel.port_count(), 1);
}

#[test]
fn port_sets_receive_from_any_member() {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);
    let set = PortSet::allocate(&task).unwrap();
    let (p1, p2) = (
        ReceiveRight::allocate(&task).unwrap(),
        ReceiveRight::allocate(&task).unwrap(),
    );
    set.insert(&p1).unwrap();
    set.insert(&p2).unwrap();
    assert_eq!(
        set.receive(NOW).unwrap_err(),
        KernReturn(MACH_RCV_TIMED_OUT)
    );
    let s2 = p2.make_send().unwrap();
    let s1 = p1.make_send().unwrap();
    s2.send(Message::new(2), NOW).unwrap();
    s1.send(Message::new(1), NOW).unwrap();
    let first = set.receive(NOW).unwrap();
    let second = set.receive(NOW).unwrap();
    assert_eq!((first.id, first.local), (2, p2.name()));
    assert_eq!((second.id, second.local), (1, p1.name()));
}

#[test]
fn a_timed_out_send_gives_its_rights_back() {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);
    let port = ReceiveRight::allocate(&task).unwrap();
    task.mach_port_set_attributes(port.name(), MACH_PORT_LIMITS_INFO, &[1])
        .unwrap();
    let send = port.make_send().unwrap();
    send.send(Message::new(1), NOW).unwrap();
    let other = ReceiveRight::allocate(&task).unwrap();
    let carried = other.make_send().unwrap();
    assert_eq!(
        send.send(Message::new(2).move_send(carried), NOW),
        Err(KernReturn(MACH_SEND_TIMED_OUT))
    );
    // The moved send right came back and was released: `other` is receive-only again, and
    // `port` has its one send right.
    assert_eq!(
        task.mach_port_type(other.name()),
        Ok(MACH_PORT_TYPE_RECEIVE)
    );
    assert_eq!(
        task.mach_port_get_refs(port.name(), MACH_PORT_RIGHT_SEND),
        Ok(1)
    );
    assert_eq!(port.receive(NOW).unwrap().id, 1);
}

#[test]
fn notification_requests_through_handles() {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);
    let port = ReceiveRight::allocate(&task).unwrap();
    let notify = ReceiveRight::allocate(&task).unwrap();
    let send = {
        // A send right under its own name: made in another task and given back.
        let other = kernel.task_create(None);
        let (name, _) = task
            .mach_port_extract_right(port.name(), MACH_MSG_TYPE_MAKE_SEND, &other)
            .unwrap();
        let (back, _) = other
            .mach_port_extract_right(name, MACH_MSG_TYPE_MOVE_SEND, &task)
            .unwrap();
        other.terminate();
        SendRight::from_name(&task, back)
    };
    port.request_no_senders(&notify, 1).unwrap();
    send.request_dead_name(&notify).unwrap();
    // The send right shares the receive right's name in this task, so the dead-name request
    // sits on that name.
    assert_eq!(send.name(), port.name());
    drop(send);
    let got = notify.receive(NOW).unwrap();
    assert_eq!(got.id, MACH_NOTIFY_NO_SENDERS);
    // Destroying the receive right takes the name away with the request still armed on it:
    // that is a port-deleted notification (XNU), not a dead-name one.
    let name = port.name();
    drop(port);
    let got = notify.receive(NOW).unwrap();
    assert_eq!(got.id, MACH_NOTIFY_PORT_DELETED);
    // The data is what follows the header: the NDR record, then the name.
    let not_port = offset_of!(MachPortDeletedNotification, not_port) - HEADER_SIZE;
    assert_eq!(message::read::<u32>(&got.data, not_port), Some(name));
    assert_eq!(
        notify.receive(NOW).unwrap_err(),
        KernReturn(MACH_RCV_TIMED_OUT)
    );
}
