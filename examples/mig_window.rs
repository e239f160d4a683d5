//! The MIG example of Darling's "Mach ports" documentation, `window.defs`, compiled by
//! darling-mig from the example crate's build script and run: a window server and its
//! client in two tasks of one darling-mach-ipc kernel.
//!
//! The server registers `org.darlinghq.window` with the bootstrap server and serves every
//! port it owns through a port set. The client looks the service up, asks for a window
//! (`create_window` returns a send right to a new port) and moves it (`window_set_frame`
//! is sent to the window's port and reaches the server with the numbers); a frame with a
//! negative size comes back as the server's error code.
//!
//! Run with `cargo run --example mig_window`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{BootstrapServer, KernReturn, Kernel, Task};
use darling_mach_ipc::{bootstrap_look_up, bootstrap_register};

include!(concat!(env!("OUT_DIR"), "/window.rs"));

const SERVICE: &str = "org.darlinghq.window";

/// The window server: each window is a port whose receive right it keeps in `set`.
struct Windows {
    task: Task,
    set: mach_port_name_t,
    frames: Mutex<HashMap<mach_port_t, [i32; 4]>>,
}

impl window::Server for Windows {
    fn create_window(&self, server: mach_port_t) -> Result<mach_port_t, KernReturn> {
        let w = self.task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        // The reply copies a send right (`mach_port_t` is MACH_MSG_TYPE_COPY_SEND).
        self.task
            .mach_port_insert_right(w, w, MACH_MSG_TYPE_MAKE_SEND)?;
        self.task.mach_port_move_member(w, self.set)?;
        self.frames
            .lock()
            .map_err(|_| KernReturn(KERN_FAILURE))?
            .insert(w, [0; 4]);
        println!("server: create_window() on port {server}: new window port {w}");
        Ok(w)
    }

    fn window_set_frame(
        &self,
        window: mach_port_t,
        x: i32,
        y: i32,
        width: i32,
        height: i32,
    ) -> Result<(), KernReturn> {
        println!(
            "server: window_set_frame() on window {window}: x={x} y={y} width={width} height={height}"
        );
        if width < 0 || height < 0 {
            return Err(KernReturn(KERN_INVALID_ARGUMENT));
        }
        let mut frames = self.frames.lock().map_err(|_| KernReturn(KERN_FAILURE))?;
        let frame = frames
            .get_mut(&window)
            .ok_or(KernReturn(KERN_INVALID_NAME))?;
        *frame = [x, y, width, height];
        Ok(())
    }
}

fn main() -> Result<(), KernReturn> {
    let kernel = Kernel::new();
    let _bootstrap = BootstrapServer::start(&kernel)?;
    let server_task = kernel.task_create(None);
    let client_task = kernel.task_create(None);

    // The server: a service port, registered, and a port set for it and every window.
    let set = server_task.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET)?;
    let service = server_task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    server_task.mach_port_insert_right(service, service, MACH_MSG_TYPE_MAKE_SEND)?;
    server_task.mach_port_move_member(service, set)?;
    bootstrap_register(&server_task, server_task.bootstrap_port(), SERVICE, service)?;
    println!("server: registered {SERVICE} (port {service})");
    let windows = Windows {
        task: server_task.clone(),
        set,
        frames: Mutex::new(HashMap::new()),
    };
    let serving = thread::spawn(move || {
        let task = windows.task.clone();
        // Ends when the port set is destroyed under it.
        let end = window::serve(&windows, &task, windows.set);
        (windows, end)
    });

    // The client.
    let server = bootstrap_look_up(&client_task, client_task.bootstrap_port(), SERVICE)?;
    println!("client: looked up {SERVICE}: port {server}");
    let client = window::Client::new(&client_task);
    let w = client.create_window(server)?;
    println!("client: create_window() returned window port {w}");
    client.window_set_frame(w, 10, 20, 640, 480)?;
    println!("client: window_set_frame(10, 20, 640, 480) succeeded");
    match client.window_set_frame(w, 0, 0, -1, 100) {
        Err(e) => println!("client: window_set_frame(0, 0, -1, 100) failed: {e}"),
        Ok(()) => println!("client: window_set_frame(0, 0, -1, 100) unexpectedly succeeded"),
    }

    // Stop the server and show what it holds.
    server_task.mach_port_destroy(set)?;
    let (windows, end) = serving.join().map_err(|_| KernReturn(KERN_FAILURE))?;
    println!(
        "server: stopped ({})",
        end.err().map_or("no error".into(), |e| e.to_string())
    );
    let frames = windows
        .frames
        .lock()
        .map_err(|_| KernReturn(KERN_FAILURE))?;
    for (port, [x, y, width, height]) in frames.iter() {
        println!("server: window {port} has frame x={x} y={y} width={width} height={height}");
    }
    Ok(())
}
