//! What a message leaves behind when it is taken, refused or not sent: out-of-line regions
//! in a task's memory and the port rights its descriptors carry (`mach_msg_destroy`).

use darling_mach_abi::consts::*;
use darling_mach_abi::message::{Descriptor, Descriptors};
use darling_mach_ipc::Task;

use crate::reader::read_names;

/// The descriptors of the complex message in `buf` (within its `msgh_size`), as XNU walks
/// them; the walk stops at the first that does not fit.
fn descriptors(buf: &[u8]) -> impl Iterator<Item = Descriptor> + '_ {
    Descriptors::in_message(buf)
        .map_while(Result::ok)
        .map(|(_, d)| d)
}

/// Frees the out-of-line regions of a message in `buf` that was fully taken (its data
/// copied out, its rights kept by their new owner).
pub fn release_memory(task: &Task, buf: &[u8]) {
    for d in descriptors(buf) {
        let (address, len) = match d {
            Descriptor::Ool(d) => (d.address, d.size),
            Descriptor::OolPorts(d) => (d.address, d.count),
            _ => continue,
        };
        if len != 0 {
            let _ = task.vm_deallocate(address);
        }
    }
}

/// Releases what a request that failed carries (`mach_msg_destroy` of its body): the port
/// rights of its descriptors and its out-of-line memory, in the receiving task.
pub fn destroy_request(task: &Task, request: &[u8]) {
    destroy(task, request, false);
}

/// Releases what an unsent message in `buf` would have moved out of `task`: rights sent
/// with a `MOVE_*` disposition, and out-of-line regions marked `deallocate`.
pub(crate) fn destroy_unsent(task: &Task, buf: &[u8]) {
    destroy(task, buf, true);
}

/// Releases the rights and regions of the message in `buf`: all of them for a received
/// message, those the send would have taken away for an `unsent` one.
fn destroy(task: &Task, buf: &[u8], unsent: bool) {
    let right = |name, disposition| {
        let moved =
            (MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MOVE_SEND_ONCE).contains(&disposition);
        if !unsent || moved {
            release_right(task, name, disposition);
        }
    };
    let region = |address, len, deallocate| {
        if len != 0 && (!unsent || deallocate) {
            let _ = task.vm_deallocate(address);
        }
    };
    for d in descriptors(buf) {
        match d {
            Descriptor::Port(p) => right(p.name, p.disposition()),
            Descriptor::GuardedPort(p) => right(p.name, p.disposition()),
            Descriptor::Ool(d) => region(d.address, d.size, d.deallocate()),
            Descriptor::OolPorts(d) => {
                if let Ok(names) = read_names(task, d.address, d.count) {
                    for name in names {
                        right(name, d.disposition());
                    }
                }
                region(d.address, d.count, d.deallocate());
            }
            Descriptor::Unknown(_) => {}
        }
    }
}

/// Drops one reference of the right `name` names, of the type `received` says (a port
/// descriptor's disposition as received, or as sent with `MOVE_*`).
fn release_right(task: &Task, name: mach_port_name_t, received: mach_msg_type_name_t) {
    if name == MACH_PORT_NULL || name == MACH_PORT_DEAD {
        return;
    }
    let right = match received {
        MACH_MSG_TYPE_PORT_RECEIVE => MACH_PORT_RIGHT_RECEIVE,
        MACH_MSG_TYPE_PORT_SEND_ONCE => MACH_PORT_RIGHT_SEND_ONCE,
        _ => MACH_PORT_RIGHT_SEND,
    };
    let _ = task.mach_port_mod_refs(name, right, -1);
}
