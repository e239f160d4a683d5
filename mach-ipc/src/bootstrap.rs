//! A bootstrap server, as launchd is on Darwin: services are published under reverse-DNS
//! names and looked up by name, through each task's bootstrap port.
//!
//! [`BootstrapServer::start`] runs the server on its own thread, in its own task, and makes
//! its port the bootstrap port of every task created afterwards without a parent (children
//! inherit their parent's). The client calls ([`bootstrap_register`], [`bootstrap_look_up`],
//! [`bootstrap_check_in`]) send the same messages as Apple's `liblaunch` (launchd's MIG
//! subsystem `job`, 400: `check_in2` 402, `register2` 403, `look_up2` 404, replies 100
//! higher), so a client built from Apple's sources could talk to this server.
//!
//! Rules, after launchd (`src/core.c`): `register` publishes a send right (a name already
//! taken gives `BOOTSTRAP_SERVICE_ACTIVE` to the task that registered it and
//! `BOOTSTRAP_NOT_PRIVILEGED` to any other; registering `MACH_PORT_NULL` withdraws the
//! service); `look_up` gives a copy of the send right or `BOOTSTRAP_UNKNOWN_SERVICE`;
//! `check_in` creates the service's port and hands its receive right to the caller
//! (`BOOTSTRAP_SERVICE_ACTIVE` if the service exists). A service whose port has died is
//! forgotten. Names are fixed 128-byte fields: longer names are cut to 127 bytes, as
//! `strlcpy` in `liblaunch` does.

use std::collections::HashMap;
use std::thread::JoinHandle;

use zerocopy::IntoBytes;

use crate::consts::*;
use crate::msg::{get32, put32};
use crate::task::{Kernel, Task};
use crate::wire::MachMsgPortDescriptor;

/// `check_in2` request id.
pub const BOOTSTRAP_CHECK_IN_ID: mach_msg_id_t = 402;
/// `register2` request id.
pub const BOOTSTRAP_REGISTER_ID: mach_msg_id_t = 403;
/// `look_up2` request id.
pub const BOOTSTRAP_LOOK_UP_ID: mach_msg_id_t = 404;

/// Size of a `check_in2` request.
const CHECK_IN_SIZE: usize = 168;
/// Size of a `register2` request.
const REGISTER_SIZE: usize = 184;
/// Size of a `look_up2` request.
const LOOK_UP_SIZE: usize = 188;
/// Size of a reply carrying one port.
const PORT_REPLY_SIZE: usize = 40;
/// Size of a `check_in2` reply (port, NDR, instance id).
const CHECK_IN_REPLY_SIZE: usize = 64;
/// Size of a `mig_reply_error_t`.
const ERROR_REPLY_SIZE: usize = 36;
/// Receive buffer: the largest request plus the audit trailer.
const BUFFER: usize = 256;

/// Writes a header.
fn header(b: &mut [u8], bits: u32, size: usize, remote: u32, local: u32, id: i32) {
    put32(b, 0, bits);
    put32(b, 4, size as u32);
    put32(b, 8, remote);
    put32(b, 12, local);
    put32(b, 16, 0);
    put32(b, 20, id as u32);
}

/// Writes a port descriptor at `at`.
fn port_descriptor(b: &mut [u8], at: usize, name: u32, disposition: u32) {
    b[at..at + 12].copy_from_slice(MachMsgPortDescriptor::new(name, disposition).as_bytes());
}

/// A service name as a fixed, NUL-terminated 128-byte field.
fn name_field(name: &str) -> [u8; BOOTSTRAP_MAX_NAME_LEN] {
    let mut f = [0u8; BOOTSTRAP_MAX_NAME_LEN];
    let n = name.len().min(BOOTSTRAP_MAX_NAME_LEN - 1);
    f[..n].copy_from_slice(&name.as_bytes()[..n]);
    f
}

fn read_name(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// A service the server knows.
#[derive(Debug)]
struct Service {
    /// The server's name for its send right.
    port: mach_port_name_t,
    /// Process id of the task that published it.
    owner: u32,
}

/// A running bootstrap server. Dropping it (or [`stop`](Self::stop)) terminates its task and
/// joins its thread.
#[derive(Debug)]
pub struct BootstrapServer {
    task: Task,
    thread: Option<JoinHandle<()>>,
}

impl BootstrapServer {
    /// Starts a server in a new task of `kernel` and makes it the default bootstrap port.
    ///
    /// # Errors
    /// A failure to allocate the server's port.
    pub fn start(kernel: &Kernel) -> Result<BootstrapServer, KernReturn> {
        let task = kernel.task_create(None);
        let port = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        task.mach_port_insert_right(port, port, MACH_MSG_TYPE_MAKE_SEND)?;
        kernel.set_default_bootstrap(&task, port)?;
        // The kernel holds its own copy now.
        task.mach_port_deallocate(port)?;
        let server = task.clone();
        let thread = std::thread::Builder::new()
            .name("bootstrap".into())
            .spawn(move || serve(&server, port))
            .map_err(|_| KernReturn(KERN_RESOURCE_SHORTAGE))?;
        Ok(BootstrapServer {
            task,
            thread: Some(thread),
        })
    }

    /// The server's task.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// Stops the server: its task (and every service port it holds) goes away.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.task.is_alive() {
            let _ = self
                .task
                .kernel()
                .set_default_bootstrap(&self.task, MACH_PORT_NULL);
        }
        self.task.terminate();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for BootstrapServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The server loop: one request at a time, until the port goes away.
fn serve(task: &Task, port: mach_port_name_t) {
    let mut services: HashMap<String, Service> = HashMap::new();
    let mut buf = [0u8; BUFFER];
    let option = MACH_RCV_MSG
        | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0 as i32)
        | MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT);
    loop {
        match task.mach_msg(&mut buf, option, 0, BUFFER as u32, port, 0, 0) {
            Ok(()) => {}
            Err(KernReturn(MACH_RCV_TOO_LARGE)) => continue,
            Err(_) => return,
        }
        let size = get32(&buf, 4) as usize;
        // The audit token's pid (word 5), after the security token in the trailer.
        let pid = get32(&buf, size + 20 + 5 * 4);
        let reply_port = get32(&buf, 8);
        let id = get32(&buf, 20) as i32;
        let mut reply = [0u8; CHECK_IN_REPLY_SIZE];
        let len = handle(task, &mut services, &buf, size, id, pid, &mut reply);
        if reply_port != MACH_PORT_NULL {
            let bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(get32(&buf, 0)), 0)
                | (get32(&reply, 0) & MACH_MSGH_BITS_COMPLEX);
            put32(&mut reply, 0, bits);
            put32(&mut reply, 8, reply_port);
            // A reply that cannot be delivered is the client's problem, as for launchd;
            // whatever it carried comes back to us on failure and is released.
            let _ = task.mach_msg(
                &mut reply,
                MACH_SEND_MSG | MACH_SEND_TIMEOUT,
                len as u32,
                0,
                MACH_PORT_NULL,
                0,
                0,
            );
        } else {
            // Nothing to reply to: drop what the request carried.
        }
        // A register request's port right now lives in `services` or was deallocated.
    }
}

/// Handles one request; writes the reply (its header bits, size, id and body) into `reply`
/// and returns its size.
fn handle(
    task: &Task,
    services: &mut HashMap<String, Service>,
    req: &[u8],
    size: usize,
    id: mach_msg_id_t,
    pid: u32,
    reply: &mut [u8],
) -> usize {
    // Services whose ports died are forgotten.
    services.retain(|_, s| {
        let dead = task.mach_port_type(s.port) == Ok(MACH_PORT_TYPE_DEAD_NAME);
        if dead {
            let _ = task.mach_port_deallocate(s.port);
        }
        !dead
    });
    let code = match id {
        BOOTSTRAP_REGISTER_ID if size == REGISTER_SIZE => {
            let name = read_name(&req[48..176]);
            let port = get32(req, 28);
            register(task, services, name, port, pid)
        }
        BOOTSTRAP_LOOK_UP_ID if size == LOOK_UP_SIZE => {
            let name = read_name(&req[32..160]);
            match services.get(&name) {
                Some(s) => {
                    header(
                        reply,
                        MACH_MSGH_BITS_COMPLEX,
                        PORT_REPLY_SIZE,
                        0,
                        0,
                        id + 100,
                    );
                    put32(reply, 24, 1);
                    port_descriptor(reply, 28, s.port, MACH_MSG_TYPE_COPY_SEND);
                    return PORT_REPLY_SIZE;
                }
                None => BOOTSTRAP_UNKNOWN_SERVICE,
            }
        }
        BOOTSTRAP_CHECK_IN_ID if size == CHECK_IN_SIZE => {
            let name = read_name(&req[32..160]);
            match services.entry(name) {
                std::collections::hash_map::Entry::Occupied(_) => BOOTSTRAP_SERVICE_ACTIVE,
                std::collections::hash_map::Entry::Vacant(slot) => match new_service_port(task) {
                    Ok(port) => {
                        slot.insert(Service { port, owner: pid });
                        header(
                            reply,
                            MACH_MSGH_BITS_COMPLEX,
                            CHECK_IN_REPLY_SIZE,
                            0,
                            0,
                            id + 100,
                        );
                        put32(reply, 24, 1);
                        port_descriptor(reply, 28, port, MACH_MSG_TYPE_MOVE_RECEIVE);
                        reply[40..48].copy_from_slice(&NDR_record);
                        // The instance id (a UUID) stays zero: no per-instance jobs here.
                        return CHECK_IN_REPLY_SIZE;
                    }
                    Err(e) => e.0,
                },
            }
        }
        // A malformed request or an unknown routine.
        BOOTSTRAP_REGISTER_ID | BOOTSTRAP_LOOK_UP_ID | BOOTSTRAP_CHECK_IN_ID => MIG_BAD_ARGUMENTS,
        _ => MIG_BAD_ID,
    };
    header(reply, 0, ERROR_REPLY_SIZE, 0, 0, id.wrapping_add(100));
    reply[24..32].copy_from_slice(&NDR_record);
    put32(reply, 32, code as u32);
    ERROR_REPLY_SIZE
}

/// A port whose receive right goes to the checking-in task and whose send right the server
/// keeps.
fn new_service_port(task: &Task) -> Result<mach_port_name_t, KernReturn> {
    let port = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    task.mach_port_insert_right(port, port, MACH_MSG_TYPE_MAKE_SEND)?;
    Ok(port)
}

fn register(
    task: &Task,
    services: &mut HashMap<String, Service>,
    name: String,
    port: mach_port_name_t,
    pid: u32,
) -> kern_return_t {
    if let Some(s) = services.get(&name) {
        if s.owner != pid {
            let _ = task.mach_port_deallocate(port);
            return BOOTSTRAP_NOT_PRIVILEGED;
        }
        if port == MACH_PORT_NULL {
            if let Some(s) = services.remove(&name) {
                let _ = task.mach_port_deallocate(s.port);
            }
            return BOOTSTRAP_SUCCESS;
        }
        let _ = task.mach_port_deallocate(port);
        return BOOTSTRAP_SERVICE_ACTIVE;
    }
    match port {
        MACH_PORT_NULL => BOOTSTRAP_SUCCESS,
        MACH_PORT_DEAD => BOOTSTRAP_NO_MEMORY,
        _ => {
            services.insert(name, Service { port, owner: pid });
            BOOTSTRAP_SUCCESS
        }
    }
}

// ---- the client side ------------------------------------------------------------------------

/// Sends `request` (its header's remote port is filled in with `bp`) with a fresh reply port,
/// and returns the reply.
fn call(task: &Task, bp: mach_port_name_t, request: &mut [u8]) -> Result<Vec<u8>, KernReturn> {
    let reply_port = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    let bits =
        get32(request, 0) | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    put32(request, 0, bits);
    put32(request, 8, bp);
    put32(request, 12, reply_port);
    let len = request.len();
    let mut buf = vec![0u8; BUFFER.max(len)];
    buf[..len].copy_from_slice(request);
    let result = task.mach_msg(
        &mut buf,
        MACH_SEND_MSG | MACH_RCV_MSG,
        len as u32,
        BUFFER as u32,
        reply_port,
        0,
        0,
    );
    let _ = task.mach_port_mod_refs(reply_port, MACH_PORT_RIGHT_RECEIVE, -1);
    result?;
    // The server died without replying: the send-once right came back as a notification.
    if get32(&buf, 20) as i32 == MACH_NOTIFY_SEND_ONCE {
        return Err(KernReturn(MIG_SERVER_DIED));
    }
    Ok(buf)
}

/// The RetCode of an error reply, or success for a complex (port-carrying) reply.
fn ret_code(reply: &[u8]) -> Result<(), KernReturn> {
    if get32(reply, 0) & MACH_MSGH_BITS_COMPLEX != 0 {
        return Ok(());
    }
    match get32(reply, 32) as i32 {
        0 => Ok(()),
        code => Err(KernReturn(code)),
    }
}

/// `bootstrap_register`: publishes a copy of the send right `port` (a name in `task`) under
/// `name`, through the bootstrap port `bp`. `MACH_PORT_NULL` withdraws the service.
///
/// # Errors
/// `BOOTSTRAP_SERVICE_ACTIVE`, `BOOTSTRAP_NOT_PRIVILEGED`, or the `mach_msg` failure.
pub fn bootstrap_register(
    task: &Task,
    bp: mach_port_name_t,
    name: &str,
    port: mach_port_name_t,
) -> Result<(), KernReturn> {
    let mut req = [0u8; REGISTER_SIZE];
    header(
        &mut req,
        MACH_MSGH_BITS_COMPLEX,
        REGISTER_SIZE,
        0,
        0,
        BOOTSTRAP_REGISTER_ID,
    );
    put32(&mut req, 24, 1);
    port_descriptor(&mut req, 28, port, MACH_MSG_TYPE_COPY_SEND);
    req[40..48].copy_from_slice(&NDR_record);
    req[48..176].copy_from_slice(&name_field(name));
    ret_code(&call(task, bp, &mut req)?)
}

/// Sends a request that is a service name only (`look_up2`, `check_in2`: the name at 32,
/// zeroed arguments after it) and returns the port of the reply.
fn port_for_name(
    task: &Task,
    bp: mach_port_name_t,
    name: &str,
    id: mach_msg_id_t,
    size: usize,
) -> Result<mach_port_name_t, KernReturn> {
    let mut req = vec![0u8; size];
    header(&mut req, 0, size, 0, 0, id);
    req[24..32].copy_from_slice(&NDR_record);
    req[32..160].copy_from_slice(&name_field(name));
    let reply = call(task, bp, &mut req)?;
    ret_code(&reply)?;
    Ok(get32(&reply, 28))
}

/// `bootstrap_look_up`: a send right to the service `name`, through the bootstrap port `bp`.
///
/// # Errors
/// `BOOTSTRAP_UNKNOWN_SERVICE`, or the `mach_msg` failure.
pub fn bootstrap_look_up(
    task: &Task,
    bp: mach_port_name_t,
    name: &str,
) -> Result<mach_port_name_t, KernReturn> {
    port_for_name(task, bp, name, BOOTSTRAP_LOOK_UP_ID, LOOK_UP_SIZE)
}

/// `bootstrap_check_in`: the receive right of the service `name`, created by the server
/// (which keeps a send right for lookups).
///
/// # Errors
/// `BOOTSTRAP_SERVICE_ACTIVE` if the service exists, or the `mach_msg` failure.
pub fn bootstrap_check_in(
    task: &Task,
    bp: mach_port_name_t,
    name: &str,
) -> Result<mach_port_name_t, KernReturn> {
    port_for_name(task, bp, name, BOOTSTRAP_CHECK_IN_ID, CHECK_IN_SIZE)
}
