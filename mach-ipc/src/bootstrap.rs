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
use crate::message::{DESCRIPTORS_START, MessageError, MessageWriter, read};
use crate::wire::{
    MachMsgAuditTrailer, MachMsgHeader, MachMsgPortDescriptor, MigReplyError, NdrRecord,
};
use crate::{Kernel, Task};

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
/// Size of a `check_in2` reply (port, NDR, instance id).
const CHECK_IN_REPLY_SIZE: usize = 64;
/// Receive buffer: the largest request plus the audit trailer.
const BUFFER: usize = 256;
/// Where a request's service name starts: after the header and the NDR record (simple
/// requests), or after the port descriptor and the NDR record (`register2`).
const NAME_AT: usize = 32;
const REGISTER_NAME_AT: usize = 48;

/// Writes a reply carrying one port right (and, for `check_in2`, the NDR record and a zero
/// instance id) to request `id`; returns its size.
fn port_reply(
    reply: &mut [u8],
    id: mach_msg_id_t,
    port: mach_port_name_t,
    disposition: mach_msg_type_name_t,
    check_in: bool,
) -> Result<usize, MessageError> {
    let mut w = MessageWriter::new(reply);
    w.header(0, 0, 0, id.wrapping_add(100))?;
    w.body(1)?;
    w.port(port, disposition)?;
    if check_in {
        w.put(&NdrRecord::NATIVE)?;
        // The instance id (a UUID) stays zero: no per-instance jobs here.
        w.put(&[0u8; 16])?;
    }
    Ok(w.finish() as usize)
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
        let Some(request) = MachMsgHeader::read(&buf) else {
            continue;
        };
        let size = request.msgh_size as usize;
        // The audit token's pid.
        let pid = read::<MachMsgAuditTrailer>(&buf, size).map_or(0, |t| t.msgh_audit.val[5]);
        let mut reply = [0u8; CHECK_IN_REPLY_SIZE];
        let len = handle(task, &mut services, &buf[..size], &request, pid, &mut reply);
        if request.msgh_remote_port != MACH_PORT_NULL {
            // To the reply right, with the type it arrived as.
            if let Some(mut h) = MachMsgHeader::read(&reply) {
                h.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(request.msgh_bits), 0)
                    | (h.msgh_bits & MACH_MSGH_BITS_COMPLEX);
                h.msgh_remote_port = request.msgh_remote_port;
                h.write(&mut reply);
            }
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
    request: &MachMsgHeader,
    pid: u32,
    reply: &mut [u8],
) -> usize {
    let (id, size) = (request.msgh_id, req.len());
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
            let name = read_name(&req[REGISTER_NAME_AT..][..BOOTSTRAP_MAX_NAME_LEN]);
            let port = read::<MachMsgPortDescriptor>(req, DESCRIPTORS_START).map_or(0, |d| d.name);
            register(task, services, name, port, pid)
        }
        BOOTSTRAP_LOOK_UP_ID if size == LOOK_UP_SIZE => {
            let name = read_name(&req[NAME_AT..][..BOOTSTRAP_MAX_NAME_LEN]);
            match services.get(&name) {
                Some(s) => match port_reply(reply, id, s.port, MACH_MSG_TYPE_COPY_SEND, false) {
                    Ok(len) => return len,
                    Err(_) => MIG_ARRAY_TOO_LARGE,
                },
                None => BOOTSTRAP_UNKNOWN_SERVICE,
            }
        }
        BOOTSTRAP_CHECK_IN_ID if size == CHECK_IN_SIZE => {
            let name = read_name(&req[NAME_AT..][..BOOTSTRAP_MAX_NAME_LEN]);
            match services.entry(name) {
                std::collections::hash_map::Entry::Occupied(_) => BOOTSTRAP_SERVICE_ACTIVE,
                std::collections::hash_map::Entry::Vacant(slot) => match new_service_port(task) {
                    Ok(port) => {
                        slot.insert(Service { port, owner: pid });
                        match port_reply(reply, id, port, MACH_MSG_TYPE_MOVE_RECEIVE, true) {
                            Ok(len) => return len,
                            Err(_) => MIG_ARRAY_TOO_LARGE,
                        }
                    }
                    Err(e) => e.0,
                },
            }
        }
        // A malformed request or an unknown routine.
        BOOTSTRAP_REGISTER_ID | BOOTSTRAP_LOOK_UP_ID | BOOTSTRAP_CHECK_IN_ID => MIG_BAD_ARGUMENTS,
        _ => MIG_BAD_ID,
    };
    let error = MigReplyError::reply_to(request, code);
    let _ = error.write_to_prefix(reply);
    size_of_val(&error)
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
    let mut h = MachMsgHeader::read(request).ok_or(KernReturn(MIG_ARRAY_TOO_LARGE))?;
    let reply_port = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
    h.msgh_bits |= MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    h.msgh_remote_port = bp;
    h.msgh_local_port = reply_port;
    h.write(request);
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
    if MachMsgHeader::read(&buf).is_some_and(|h| h.msgh_id == MACH_NOTIFY_SEND_ONCE) {
        return Err(KernReturn(MIG_SERVER_DIED));
    }
    Ok(buf)
}

/// The RetCode of an error reply, or success for a complex (port-carrying) reply.
fn ret_code(reply: &[u8]) -> Result<(), KernReturn> {
    if MachMsgHeader::read(reply).is_some_and(|h| h.is_complex()) {
        return Ok(());
    }
    match read::<MigReplyError>(reply, 0).map_or(MIG_TYPE_ERROR, |e| e.ret_code) {
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
    let mut w = MessageWriter::new(&mut req);
    let built = (|| {
        w.header(0, 0, 0, BOOTSTRAP_REGISTER_ID)?;
        w.body(1)?;
        w.port(port, MACH_MSG_TYPE_COPY_SEND)?;
        w.put(&NdrRecord::NATIVE)?;
        w.put(&name_field(name))?;
        // The flags argument of register2, zero.
        w.put(&[0u32; 2])?;
        Ok::<_, MessageError>(w.finish())
    })();
    built.or(Err(KernReturn(MIG_ARRAY_TOO_LARGE)))?;
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
    let mut w = MessageWriter::new(&mut req);
    let built = (|| {
        w.header(0, 0, 0, id)?;
        w.put(&NdrRecord::NATIVE)?;
        w.put(&name_field(name))?;
        // The zeroed arguments after the name.
        w.bytes(&vec![
            0;
            size.saturating_sub(NAME_AT + BOOTSTRAP_MAX_NAME_LEN)
        ])?;
        Ok::<_, MessageError>(w.finish())
    })();
    built.or(Err(KernReturn(MIG_ARRAY_TOO_LARGE)))?;
    let reply = call(task, bp, &mut req)?;
    ret_code(&reply)?;
    read::<MachMsgPortDescriptor>(&reply, DESCRIPTORS_START)
        .map(|d| d.name)
        .ok_or(KernReturn(MIG_TYPE_ERROR))
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
