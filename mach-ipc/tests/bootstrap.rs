//! The bootstrap server: launchd's rules for register, look-up and check-in, and the exchange
//! of Darling's "Mach ports" documentation byte for byte.

mod msgkit;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message::{self, HEADER_SIZE};
use darling_mach_ipc::wire::MachMsgHeader;
use darling_mach_ipc::{
    BootstrapServer, KernReturn, Kernel, bootstrap_check_in, bootstrap_look_up, bootstrap_register,
};
use msgkit::{at, hdr, trailer};

#[test]
fn register_look_up_and_check_in_follow_launchd() {
    let kernel = Kernel::new();
    let server = BootstrapServer::start(&kernel).unwrap();
    let a = kernel.task_create(None);
    let b = kernel.task_create(None);
    let (bpa, bpb) = (a.bootstrap_port(), b.bootstrap_port());
    assert_ne!(bpa, MACH_PORT_NULL);

    assert_eq!(
        bootstrap_look_up(&a, bpa, "com.example.none"),
        Err(KernReturn(BOOTSTRAP_UNKNOWN_SERVICE))
    );

    let port = a.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    a.mach_port_insert_right(port, port, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    bootstrap_register(&a, bpa, "com.example.a", port).unwrap();
    // The same task again: active; another task: not privileged.
    assert_eq!(
        bootstrap_register(&a, bpa, "com.example.a", port),
        Err(KernReturn(BOOTSTRAP_SERVICE_ACTIVE))
    );
    let other = b.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    b.mach_port_insert_right(other, other, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    assert_eq!(
        bootstrap_register(&b, bpb, "com.example.a", other),
        Err(KernReturn(BOOTSTRAP_NOT_PRIVILEGED))
    );

    // b gets a send right to a's port.
    let looked = bootstrap_look_up(&b, bpb, "com.example.a").unwrap();
    assert_eq!(b.mach_port_type(looked), Ok(MACH_PORT_TYPE_SEND));

    // Check-in hands out a new receive right; a second check-in finds the service active.
    let checked = bootstrap_check_in(&b, bpb, "com.example.b").unwrap();
    assert_eq!(b.mach_port_type(checked), Ok(MACH_PORT_TYPE_RECEIVE));
    assert_eq!(
        bootstrap_check_in(&a, bpa, "com.example.b"),
        Err(KernReturn(BOOTSTRAP_SERVICE_ACTIVE))
    );
    let to_b = bootstrap_look_up(&a, bpa, "com.example.b").unwrap();
    assert_eq!(a.mach_port_type(to_b), Ok(MACH_PORT_TYPE_SEND));

    // When a service's port dies, the name is free again.
    a.mach_port_mod_refs(port, MACH_PORT_RIGHT_RECEIVE, -1)
        .unwrap();
    let again = a.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    a.mach_port_insert_right(again, again, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    // (The dead name still held by `a` for its old send right does not matter.)
    bootstrap_register(&a, bpa, "com.example.a", again).unwrap();

    a.terminate();
    b.terminate();
    server.stop();
    assert_eq!(kernel.port_count(), 1, "only the host port is left");
}

#[test]
fn the_documentation_exchange_byte_for_byte() {
    let kernel = Kernel::new();
    let _server = BootstrapServer::start(&kernel).unwrap();
    let receiver = kernel.task_create(None);
    let sender = kernel.task_create(None);

    let port = receiver
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .unwrap();
    // The first kernel-chosen name of a space: index 1, generation 3.
    assert_eq!(port, 0x103);
    receiver
        .mach_port_insert_right(port, port, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    let bp = receiver.bootstrap_port();
    bootstrap_register(&receiver, bp, "org.darlinghq.example", port).unwrap();

    let to = bootstrap_look_up(&sender, sender.bootstrap_port(), "org.darlinghq.example").unwrap();
    // The documentation's message: a header, `char text[12]`, `int number`.
    const TEXT: usize = HEADER_SIZE;
    const NUMBER: usize = TEXT + 12;
    let mut msg = [0u8; 40];
    MachMsgHeader {
        msgh_bits: 0x13,
        msgh_remote_port: to,
        ..MachMsgHeader::default()
    }
    .write(&mut msg)
    .unwrap();
    msg[TEXT..TEXT + 5].copy_from_slice(b"Hello");
    message::write(&mut msg, NUMBER, &35i32).unwrap();
    sender
        .mach_msg(&mut msg, MACH_SEND_MSG, 40, 0, 0, MACH_MSG_TIMEOUT_NONE, 0)
        .unwrap();

    let mut buf = [0xAAu8; 48];
    receiver
        .mach_msg(
            &mut buf,
            MACH_RCV_MSG,
            0,
            48,
            port,
            MACH_MSG_TIMEOUT_NONE,
            0,
        )
        .unwrap();
    let h = hdr(&buf);
    assert_eq!(
        h.msgh_bits, 0x1100,
        "COPY_SEND arrives as a send right, local"
    );
    assert_eq!(h.msgh_size, 40);
    assert_eq!(h.msgh_remote_port, MACH_PORT_NULL);
    assert_eq!(h.msgh_local_port, port);
    assert_eq!(&buf[TEXT..TEXT + 5], b"Hello");
    assert_eq!(at::<i32>(&buf, NUMBER), 35);
    // The minimal trailer, after the message: format 0, 8 bytes.
    let tr = trailer(&buf);
    assert_eq!((tr.offset(), tr.format(), tr.size()), (40, 0, 8));
}
