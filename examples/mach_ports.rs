//! The sender and receiver of Darling's "Mach ports" documentation, as two tasks of one
//! darling-mach-ipc kernel, each on its own thread.
//!
//! The receiver allocates a port, makes a send right for it, registers it with the bootstrap
//! server as `org.darlinghq.example` and waits for a message. The sender looks the service up
//! and sends the text "Hello" and the number 35 in the documentation's layout. Each step prints
//! what the documentation's C programs print, with the port names these tasks actually got,
//! after the name of the task that prints it.
//!
//! The two names printed differ (259 in the receiver, 771 in the sender) though they name one
//! port: a port name means something only in its own task's IPC space, as a file descriptor
//! does in its process. The bootstrap server's reply carried a send right, and the sender's
//! task gave it a name of its own.
//!
//! Run with `cargo run --example mach_ports`.

use std::sync::mpsc;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::wire::MachMsgHeader;
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

/// A line of the receiver's program.
fn receiver_says(line: &str) {
    println!("[receiver] {line}");
}

/// A line of the sender's program.
fn sender_says(line: &str) {
    println!("[sender]   {line}");
}

fn receiver(task: &Task, registered: mpsc::Sender<()>, sent: mpsc::Receiver<()>) {
    let port = check(
        "mach_port_allocate",
        task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE),
    );
    receiver_says(&format!(
        "mach_port_allocate() created port right name {port}"
    ));

    check(
        "mach_port_insert_right",
        task.mach_port_insert_right(port, port, MACH_MSG_TYPE_MAKE_SEND),
    );
    receiver_says("mach_port_insert_right() inserted a send right");

    let bootstrap_port = task.bootstrap_port();
    check(
        "bootstrap_register",
        bootstrap_register(task, bootstrap_port, SERVICE, port),
    );
    receiver_says("bootstrap_register()'ed our port");
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
    receiver_says("Got a message");

    message[24 + 9] = 0;
    let text = &message[24..34];
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(10)];
    let number = i32::from_ne_bytes(message[36..40].try_into().expect("4 bytes"));
    receiver_says(&format!(
        "Text: {}, number: {number}",
        String::from_utf8_lossy(text)
    ));
}

fn sender(task: &Task, sent: mpsc::Sender<()>) {
    let bootstrap_port = task.bootstrap_port();
    let port = check(
        "bootstrap_look_up",
        bootstrap_look_up(task, bootstrap_port, SERVICE),
    );
    sender_says(&format!(
        "bootstrap_look_up() returned port right name {port}"
    ));

    let mut message = [0u8; MESSAGE_SIZE];
    MachMsgHeader {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
        msgh_size: MESSAGE_SIZE as u32,
        msgh_remote_port: port,
        msgh_local_port: MACH_PORT_NULL,
        msgh_voucher_port: MACH_PORT_NULL,
        msgh_id: 0,
    }
    .write(&mut message);
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
    sender_says("Sent a message");
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
    println!(
        "(the receiver's name for its port and the sender's name for its send right differ: \
         a port name is local to its task)"
    );
}
