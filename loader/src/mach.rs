//! Mach for the running program: one task of a `darling-mach-ipc` kernel with a bootstrap
//! server, and the libSystem calls that reach it (`mach_task_self_`, `mach_port_allocate`,
//! `mach_port_insert_right`, `mach_msg`, `bootstrap_port`, `bootstrap_look_up`,
//! `bootstrap_register`, `bootstrap_check_in`), with XNU's and launchd's return codes.
//!
//! This module is an unsafe edge: the calls take raw pointers from Darwin code, which
//! promises what the C prototypes say (a message buffer of the sizes given, a place for a
//! port name).
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use darling_mach_ipc::consts::{
    BOOTSTRAP_NOT_PRIVILEGED, KERN_INVALID_ARGUMENT, KERN_SUCCESS, MACH_RCV_MSG,
    MACH_SEND_INVALID_DEST, MACH_SEND_MSG,
};
use darling_mach_ipc::wire::MachMsgHeader;
use darling_mach_ipc::{BootstrapServer, KernReturn, Kernel, Task};

use crate::trace::{c_str, detail, message_id, trace};

static TASK: OnceLock<Task> = OnceLock::new();

/// The kernel's bootstrap server (launchd's part), running for the life of the process.
static BOOTSTRAP: OnceLock<Option<BootstrapServer>> = OnceLock::new();

/// `mach_task_self_`: the variable Darwin's `mach_task_self()` reads, the name of the task's
/// own send right. Zero until [`task`] makes the task.
static MACH_TASK_SELF: AtomicU32 = AtomicU32::new(0);

/// `bootstrap_port`: the variable libSystem's bootstrap calls are given, the name of the
/// task's send right to the bootstrap server (0 if the server could not start).
static BOOTSTRAP_PORT: AtomicU32 = AtomicU32::new(0);

/// The program's task, made on first use in a kernel of its own whose bootstrap server is
/// the task's bootstrap port.
pub fn task() -> &'static Task {
    TASK.get_or_init(|| {
        let kernel = Kernel::new();
        let server = BOOTSTRAP.get_or_init(|| BootstrapServer::start(&kernel).ok());
        let task = kernel.task_create(None);
        MACH_TASK_SELF.store(task.mach_task_self(), Ordering::Release);
        if server.is_some() {
            BOOTSTRAP_PORT.store(task.bootstrap_port(), Ordering::Release);
        }
        task
    })
}

/// The result of a call as the `kern_return_t` the C function returns.
fn code(result: Result<(), darling_mach_ipc::KernReturn>) -> c_int {
    match result {
        Ok(()) => KERN_SUCCESS,
        Err(e) => e.0,
    }
}

/// Whether `target` names this task (the only task a program here can act on).
fn is_self(target: u32) -> bool {
    target == task().mach_task_self()
}

/// `kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
/// mach_port_name_t *name)`.
unsafe extern "C" fn mach_port_allocate(target: u32, right: u32, name: *mut u32) -> c_int {
    // SAFETY: Darwin code passes a place for the name.
    let r = unsafe { mach_port_allocate_inner(target, right, name) };
    let got = detail(r == KERN_SUCCESS, || {
        // SAFETY: filled on success.
        format!(" (name {:#x})", unsafe { name.read_unaligned() })
    });
    trace!(
        "mach_port_allocate({target:#x}, {right}) = {}{got}",
        KernReturn(r)
    );
    r
}

/// [`mach_port_allocate`], untraced.
unsafe fn mach_port_allocate_inner(target: u32, right: u32, name: *mut u32) -> c_int {
    if !is_self(target) {
        return MACH_SEND_INVALID_DEST;
    }
    if name.is_null() {
        return KERN_INVALID_ARGUMENT;
    }
    code(task().mach_port_allocate(right).map(|n| {
        // SAFETY: Darwin code passes a place for the name (checked not NULL above).
        unsafe { name.write_unaligned(n) }
    }))
}

/// `kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
/// mach_port_t poly, mach_msg_type_name_t polyPoly)`.
extern "C" fn mach_port_insert_right(target: u32, name: u32, poly: u32, poly_poly: u32) -> c_int {
    let r = if is_self(target) {
        code(task().mach_port_insert_right(name, poly, poly_poly))
    } else {
        MACH_SEND_INVALID_DEST
    };
    trace!(
        "mach_port_insert_right({target:#x}, {name:#x}, {poly:#x}, {poly_poly}) = {}",
        KernReturn(r)
    );
    r
}

/// `mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
/// mach_msg_size_t send_size, mach_msg_size_t rcv_size, mach_port_name_t rcv_name,
/// mach_msg_timeout_t timeout, mach_port_name_t notify)`.
unsafe extern "C" fn mach_msg(
    msg: *mut u8,
    option: i32,
    send_size: u32,
    rcv_size: u32,
    rcv_name: u32,
    timeout: u32,
    notify: u32,
) -> c_int {
    let send = if option & MACH_SEND_MSG != 0 {
        send_size
    } else {
        0
    };
    let receive = if option & MACH_RCV_MSG != 0 {
        rcv_size
    } else {
        0
    };
    let len = send.max(receive) as usize;
    let buffer: &mut [u8] = if len == 0 || msg.is_null() {
        &mut []
    } else {
        // SAFETY: Darwin code passes a buffer of `send_size` bytes to send from and
        // `rcv_size` bytes to receive into: `len` bytes, the larger.
        unsafe { std::slice::from_raw_parts_mut(msg, len) }
    };
    let id = |b: &[u8]| MachMsgHeader::read(b).map_or(0, |h| h.msgh_id);
    let sent = detail(send > 0, || format!(" sending {}", message_id(id(buffer))));
    let r = code(task().mach_msg(
        buffer, option, send_size, rcv_size, rcv_name, timeout, notify,
    ));
    let received = detail(receive > 0 && r == KERN_SUCCESS, || {
        format!(" received {}", message_id(id(buffer)))
    });
    trace!(
        "mach_msg({msg:p}, {option:#x}, {send_size}, {rcv_size}, {rcv_name:#x}, {timeout}){sent} = {}{received}",
        KernReturn(r)
    );
    r
}

/// The service name a bootstrap call is given: launchd's `name_t`, a C string of at most
/// 127 bytes (`BOOTSTRAP_MAX_NAME_LEN` 128 with its NUL).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn service_name<'a>(name: *const c_char) -> Result<&'a str, c_int> {
    if name.is_null() {
        return Err(BOOTSTRAP_NOT_PRIVILEGED);
    }
    // SAFETY: the caller's promise: a NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) };
    name.to_str().map_err(|_| BOOTSTRAP_NOT_PRIVILEGED)
}

/// A bootstrap call that gives a port for a service name, as libSystem's function `call`
/// named `what`: the port written to `sp`, the call traced.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `sp` is NULL or a place for a port name.
unsafe fn port_for_service(
    what: &str,
    call: fn(&Task, u32, &str) -> Result<u32, KernReturn>,
    bp: u32,
    name: *const c_char,
    sp: *mut u32,
) -> c_int {
    // SAFETY: the caller's promise: a NUL-terminated service name.
    let r = match unsafe { service_name(name) } {
        Err(code) => code,
        Ok(_) if sp.is_null() => KERN_INVALID_ARGUMENT,
        Ok(service) => code(call(task(), bp, service).map(|port| {
            // SAFETY: the caller's promise: a place for the port (checked not NULL).
            unsafe { sp.write_unaligned(port) }
        })),
    };
    let got = detail(r == KERN_SUCCESS, || {
        // SAFETY: written just above.
        format!(" (port {:#x})", unsafe { sp.read_unaligned() })
    });
    trace!(
        "{what}({bp:#x}, {}) = {}{got}",
        // SAFETY: the caller's promise: a NUL-terminated service name.
        unsafe { c_str(name) },
        KernReturn(r)
    );
    r
}

/// `kern_return_t bootstrap_look_up(mach_port_t bp, const name_t service_name,
/// mach_port_t *sp)`: a send right to the service.
unsafe extern "C" fn bootstrap_look_up(bp: u32, name: *const c_char, sp: *mut u32) -> c_int {
    let call = darling_mach_ipc::bootstrap_look_up;
    // SAFETY: Darwin code passes a NUL-terminated service name and a place for the port.
    unsafe { port_for_service("bootstrap_look_up", call, bp, name, sp) }
}

/// `kern_return_t bootstrap_check_in(mach_port_t bp, const name_t service_name,
/// mach_port_t *sp)`: the receive right of the service.
unsafe extern "C" fn bootstrap_check_in(bp: u32, name: *const c_char, sp: *mut u32) -> c_int {
    let call = darling_mach_ipc::bootstrap_check_in;
    // SAFETY: Darwin code passes a NUL-terminated service name and a place for the port.
    unsafe { port_for_service("bootstrap_check_in", call, bp, name, sp) }
}

/// `kern_return_t bootstrap_register(mach_port_t bp, name_t service_name, mach_port_t sp)`:
/// registers a send right under the name.
unsafe extern "C" fn bootstrap_register(bp: u32, name: *const c_char, sp: u32) -> c_int {
    // SAFETY: Darwin code passes a NUL-terminated service name.
    let r = unsafe { bootstrap_register_inner(bp, name, sp) };
    // SAFETY: as above.
    trace!(
        "bootstrap_register({bp:#x}, {}, {sp:#x}) = {}",
        // SAFETY: Darwin code passes a NUL-terminated service name.
        unsafe { c_str(name) },
        KernReturn(r)
    );
    r
}

/// [`bootstrap_register`], untraced.
unsafe fn bootstrap_register_inner(bp: u32, name: *const c_char, sp: u32) -> c_int {
    // SAFETY: Darwin code passes a NUL-terminated service name.
    let name = match unsafe { service_name(name) } {
        Ok(name) => name,
        Err(code) => return code,
    };
    code(darling_mach_ipc::bootstrap_register(task(), bp, name, sp))
}

/// The addresses of the Mach calls and data, by libSystem name (without the leading
/// underscore).
pub(crate) fn shim(name: &str) -> Option<u64> {
    let address = match name {
        "mach_task_self_" => {
            task();
            &MACH_TASK_SELF as *const AtomicU32 as *const ()
        }
        "mach_port_allocate" => mach_port_allocate as *const (),
        "mach_port_insert_right" => mach_port_insert_right as *const (),
        "mach_msg" => mach_msg as *const (),
        "bootstrap_port" => {
            task();
            &BOOTSTRAP_PORT as *const AtomicU32 as *const ()
        }
        "bootstrap_look_up" => bootstrap_look_up as *const (),
        "bootstrap_check_in" => bootstrap_check_in as *const (),
        "bootstrap_register" => bootstrap_register as *const (),
        _ => return None,
    };
    Some(address as u64)
}

#[cfg(test)]
mod tests {
    use darling_mach_ipc::consts::{
        MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_RIGHT_RECEIVE,
        MACH_SEND_MSG_TOO_SMALL,
    };

    use super::*;

    fn call(name: &str) -> u64 {
        shim(name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn a_message_to_a_port_of_our_own() {
        let me = {
            let at = call("mach_task_self_") as *const u32;
            // SAFETY: the shim's address is MACH_TASK_SELF, a u32 set before it is given.
            unsafe { *at }
        };
        assert_eq!(me, task().mach_task_self());
        let mut port = 0u32;
        // SAFETY: a place for the name.
        let allocated = unsafe { mach_port_allocate(me, MACH_PORT_RIGHT_RECEIVE, &mut port) };
        assert_eq!(allocated, KERN_SUCCESS);
        assert_eq!(
            mach_port_insert_right(me, port, port, MACH_MSG_TYPE_MAKE_SEND),
            KERN_SUCCESS
        );
        // A bare header to the port (COPY_SEND), id 77, then received into 64 bytes.
        let mut msg = [0u8; 64];
        MachMsgHeader {
            msgh_bits: MACH_MSG_TYPE_COPY_SEND,
            msgh_size: 24,
            msgh_remote_port: port,
            msgh_local_port: 0,
            msgh_voucher_port: 0,
            msgh_id: 77,
        }
        .write(&mut msg);
        // SAFETY: a 64-byte buffer, larger than both sizes.
        let sent = unsafe { mach_msg(msg.as_mut_ptr(), MACH_SEND_MSG, 24, 0, 0, 0, 0) };
        assert_eq!(sent, KERN_SUCCESS);
        msg.fill(0);
        // SAFETY: as above.
        let got = unsafe { mach_msg(msg.as_mut_ptr(), MACH_RCV_MSG, 0, 64, port, 0, 0) };
        assert_eq!(got, KERN_SUCCESS);
        let header = MachMsgHeader::read(&msg).unwrap();
        assert_eq!(header.msgh_id, 77);
        assert_eq!(header.msgh_local_port, port);
    }

    #[test]
    fn services_through_the_bootstrap_server() {
        let me = task().mach_task_self();
        let bp = {
            let at = call("bootstrap_port") as *const u32;
            // SAFETY: the shim's address is BOOTSTRAP_PORT, a u32 set with the task.
            unsafe { *at }
        };
        assert_ne!(bp, 0);
        let mut port = 0u32;
        let mut found = 0u32;
        // SAFETY: NUL-terminated names and places for the ports, NULL where NULL is tested.
        unsafe {
            assert_eq!(
                mach_port_allocate(me, MACH_PORT_RIGHT_RECEIVE, &mut port),
                0
            );
            assert_eq!(
                mach_port_insert_right(me, port, port, MACH_MSG_TYPE_MAKE_SEND),
                KERN_SUCCESS
            );
            let name = c"org.darlinghq.loader-unit";
            assert_eq!(bootstrap_register(bp, name.as_ptr(), port), KERN_SUCCESS);
            assert_eq!(
                bootstrap_look_up(bp, name.as_ptr(), &mut found),
                KERN_SUCCESS
            );
            assert_eq!(found, port);
            let nobody = c"org.darlinghq.nobody-here";
            assert_eq!(
                bootstrap_look_up(bp, nobody.as_ptr(), &mut found),
                darling_mach_ipc::consts::BOOTSTRAP_UNKNOWN_SERVICE
            );
            let mut received = 0u32;
            let fresh = c"org.darlinghq.loader-check-in";
            assert_eq!(
                bootstrap_check_in(bp, fresh.as_ptr(), &mut received),
                KERN_SUCCESS
            );
            assert_ne!(received, 0);
            assert_eq!(
                bootstrap_look_up(bp, std::ptr::null(), &mut found),
                BOOTSTRAP_NOT_PRIVILEGED
            );
            assert_eq!(
                bootstrap_look_up(bp, name.as_ptr(), std::ptr::null_mut()),
                KERN_INVALID_ARGUMENT
            );
        }
    }

    #[test]
    fn xnu_codes_for_what_cannot_be_done() {
        let me = task().mach_task_self();
        let mut port = 0u32;
        // SAFETY: each call gets a place for the name, or NULL where NULL is the point.
        unsafe {
            assert_eq!(
                mach_port_allocate(me + 1, MACH_PORT_RIGHT_RECEIVE, &mut port),
                MACH_SEND_INVALID_DEST
            );
            assert_eq!(
                mach_port_allocate(me, MACH_PORT_RIGHT_RECEIVE, std::ptr::null_mut()),
                KERN_INVALID_ARGUMENT
            );
            let mut msg = [0u8; 16];
            assert_eq!(
                mach_msg(msg.as_mut_ptr(), MACH_SEND_MSG, 16, 0, 0, 0, 0),
                MACH_SEND_MSG_TOO_SMALL
            );
        }
        assert_eq!(
            mach_port_insert_right(me + 1, 1, 1, MACH_MSG_TYPE_MAKE_SEND),
            MACH_SEND_INVALID_DEST
        );
    }
}
