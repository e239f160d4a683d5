//! A port right sent in a message, and the no-senders notification that follows when the
//! last send right goes away.
//!
//! A server task owns a port and asks for a no-senders notification on it. It sends a client
//! task a send right to that port inside a message (a port descriptor). The client uses the
//! right to send a request back, then deallocates it: with no send rights left anywhere, the
//! kernel tells the server with a `MACH_NOTIFY_NO_SENDERS` message.
//!
//! Run with `cargo run --example port_rights`.

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{KernReturn, Kernel, Task};

fn put(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

fn get(buf: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(buf[at..at + 4].try_into().expect("4 bytes"))
}

/// Receives one message on `port` (without waiting) into a 128-byte buffer.
fn receive(task: &Task, port: mach_port_name_t) -> Result<[u8; 128], KernReturn> {
    let mut buf = [0u8; 128];
    let size = buf.len() as u32;
    task.mach_msg(
        &mut buf,
        MACH_RCV_MSG | MACH_RCV_TIMEOUT,
        0,
        size,
        port,
        0,
        MACH_PORT_NULL,
    )?;
    Ok(buf)
}

fn main() -> Result<(), KernReturn> {
    let kernel = Kernel::new();
    let server = kernel.task_create(None);
    let client = kernel.task_create(None);

    // The server's service port, and a port for notifications about it.
    let service = server.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    let notifications = server.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    let previous = server.mach_port_request_notification(
        service,
        MACH_NOTIFY_NO_SENDERS,
        1,
        notifications,
        MACH_MSG_TYPE_MAKE_SEND_ONCE,
    )?;
    println!("server: service port {service}, no-senders request armed (previous {previous})");

    // The client's inbox; the server gets a send right to it (as a lookup would give).
    let inbox = client.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    let (to_client, _) = client.mach_port_extract_right(inbox, MACH_MSG_TYPE_MAKE_SEND, &server)?;

    // A complex message: one port descriptor making a send right from the receive right.
    let mut msg = [0u8; 40];
    put(
        &mut msg,
        0,
        MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
    );
    put(&mut msg, 8, to_client);
    put(&mut msg, 20, 1000);
    put(&mut msg, 24, 1);
    put(&mut msg, 28, service);
    put(
        &mut msg,
        36,
        MACH_MSG_TYPE_MAKE_SEND << 16 | MACH_MSG_PORT_DESCRIPTOR << 24,
    );
    server.mach_msg(
        &mut msg,
        MACH_SEND_MSG,
        40,
        0,
        MACH_PORT_NULL,
        0,
        MACH_PORT_NULL,
    )?;
    println!("server: sent a send right to the service in message 1000");

    let got = receive(&client, inbox)?;
    let right = get(&got, 28);
    let disposition = got[38];
    println!(
        "client: message {} carries port {right} (disposition {disposition}, MACH_MSG_TYPE_PORT_SEND = {MACH_MSG_TYPE_PORT_SEND}), type {:#x}",
        get(&got, 20),
        client.mach_port_type(right)?
    );

    // Use the right: a plain request to the service.
    let mut req = [0u8; 24];
    put(&mut req, 0, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0));
    put(&mut req, 8, right);
    put(&mut req, 20, 2000);
    client.mach_msg(
        &mut req,
        MACH_SEND_MSG,
        24,
        0,
        MACH_PORT_NULL,
        0,
        MACH_PORT_NULL,
    )?;
    let got = receive(&server, service)?;
    println!(
        "server: request {} arrived on port {}",
        get(&got, 20),
        get(&got, 12)
    );

    // The last send right goes away: the kernel notifies the server.
    client.mach_port_deallocate(right)?;
    println!("client: deallocated its send right");
    let note = receive(&server, notifications)?;
    println!(
        "server: notification {} (MACH_NOTIFY_NO_SENDERS = {MACH_NOTIFY_NO_SENDERS}), {} bytes, make-send count {}",
        get(&note, 20),
        get(&note, 4),
        get(&note, 32)
    );

    client.terminate();
    server.terminate();
    println!(
        "ports left in the kernel: {} (the host port)",
        kernel.port_count()
    );
    Ok(())
}
