//! The sender and receiver of Darling's "Mach ports" documentation, as two tasks of one
//! darling-mach-ipc kernel, each on its own thread.
//!
//! The receiver allocates a port, makes a send right for it, registers it with the bootstrap
//! server as `org.darlinghq.example` and waits for a message. The sender looks the service up
//! and sends the text "Hello" and the number 35 in the documentation's layout. Each step prints
//! what the documentation's C programs print, with the port names these tasks actually got.
//!
//! Run with `cargo run --example mach_ports`.

use std::sync::mpsc;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{BootstrapServer, KernReturn, Kernel, Task};
use darling_mach_ipc::{bootstrap_look_up, bootstrap_register};

const SERVICE: &str = "org.darlinghq.example";

/// The documentation's message: header, `char some_text[10]`, `int some_number` (40 bytes).
const MESSAGE_SIZE: usize = 40;
/// What the receiver's buffer holds: the message and a minimal trailer.
const RECEIVE_SIZE: usize = MESSAGE_SIZE + 8;

/// Prints the C programs' failure line and exits as they do.
fn check<T>(call: &str, r: Result<T, KernReturn>) -> T {
    r.unwrap_or_else(|e| {
        println!("{call}() failed with code 0x{:x}", e.0);
        std::process::exit(1)
    })
}

fn receiver(task: &Task, registered: mpsc::Sender<()>, sent: mpsc::Receiver<()>) {
    let port = check(
        "mach_port_allocate",
        task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE),
    );
    println!("mach_port_allocate() created port right name {port}");

    check(
        "mach_port_insert_right",
        task.mach_port_insert_right(port, port, MACH_MSG_TYPE_MAKE_SEND),
    );
    println!("mach_port_insert_right() inserted a send right");

    let bootstrap_port = task.bootstrap_port();
    check(
        "bootstrap_register",
        bootstrap_register(task, bootstrap_port, SERVICE, port),
    );
    println!("bootstrap_register()'ed our port");
    registered.send(()).expect("the sender is waiting");

    let mut message = [0u8; RECEIVE_SIZE];
    check(
        "mach_msg",
        task.mach_msg(
            &mut message,
            MACH_RCV_MSG,
            0,
            RECEIVE_SIZE as u32,
            port,
            MACH_MSG_TIMEOUT_NONE,
            MACH_PORT_NULL,
        ),
    );
    // Keep the documentation's order of lines: the sender reports first.
    let _ = sent.recv();
    println!("Got a message");

    message[24 + 9] = 0;
    let text = &message[24..34];
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(10)];
    let number = i32::from_ne_bytes(message[36..40].try_into().expect("4 bytes"));
    println!("Text: {}, number: {number}", String::from_utf8_lossy(text));
}

fn sender(task: &Task, sent: mpsc::Sender<()>) {
    let bootstrap_port = task.bootstrap_port();
    let port = check(
        "bootstrap_look_up",
        bootstrap_look_up(task, bootstrap_port, SERVICE),
    );
    println!("bootstrap_look_up() returned port right name {port}");

    let mut message = [0u8; MESSAGE_SIZE];
    let bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    message[0..4].copy_from_slice(&bits.to_ne_bytes());
    message[8..12].copy_from_slice(&port.to_ne_bytes());
    message[12..16].copy_from_slice(&MACH_PORT_NULL.to_ne_bytes());
    message[24..29].copy_from_slice(b"Hello");
    message[36..40].copy_from_slice(&35i32.to_ne_bytes());
    check(
        "mach_msg",
        task.mach_msg(
            &mut message,
            MACH_SEND_MSG,
            MESSAGE_SIZE as u32,
            0,
            MACH_PORT_NULL,
            MACH_MSG_TIMEOUT_NONE,
            MACH_PORT_NULL,
        ),
    );
    println!("Sent a message");
    let _ = sent.send(());
}

fn main() {
    let kernel = Kernel::new();
    let server = check("bootstrap_server", BootstrapServer::start(&kernel));

    let receiving = kernel.task_create(None);
    let sending = kernel.task_create(None);
    let (registered_tx, registered_rx) = mpsc::channel();
    let (sent_tx, sent_rx) = mpsc::channel();

    let r = std::thread::spawn(move || receiver(&receiving, registered_tx, sent_rx));
    registered_rx.recv().expect("the receiver registered");
    let s = std::thread::spawn(move || sender(&sending, sent_tx));
    s.join().expect("sender");
    r.join().expect("receiver");
    server.stop();
}
