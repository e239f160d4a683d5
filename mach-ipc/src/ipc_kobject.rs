//! Messages sent to kernel-object ports (XNU's `ipc_kobject.c`): the kernel receives them
//! itself and answers each with a MIG reply, as xnu-7195.141.2 `ipc_kobject_server` does.
//!
//! Task ports and the host port have the kernel as their receiver ([`Receiver::Kernel`]).
//! A message sent to one never waits in a queue: the sender's thread serves it on the spot
//! and sends the reply to the request's reply right with the sender's own send options.
//! No kernel subsystem is served yet, so every request gets `MIG_BAD_ID`.

use zerocopy::IntoBytes;

use crate::consts::*;
use crate::ipc_kmsg::{Body, Carried, Descs, Kmsg, Sender};
use crate::ipc_notify::Deferred;
use crate::ipc_object::{consume_send_once, release_send};
use crate::ipc_port::{PortRef, Receiver};
use crate::message::HEADER_SIZE;
use crate::task::Task;
use crate::wire::{MachMsgHeader, MigReplyError};

/// A kernel routine: serves the request (taking out of it the rights it keeps) and returns
/// the `RetCode` of its reply.
type Routine = fn(&mut Kmsg, &mut Deferred) -> kern_return_t;

/// The routine for `msgh_id`. XNU looks every id up in one table of all the kernel's MIG
/// subsystems (mach_port 3200, task 3400, mach_vm 4800, ...), whatever kind of object the
/// port stands for (xnu-7195.141.2 `find_mig_hash_entry`). None is served yet.
fn find_routine(_id: mach_msg_id_t) -> Option<Routine> {
    None
}

impl Task {
    /// The kernel receives `request`, sent by this task to a kernel-object port whose
    /// sequence number the caller has already advanced (xnu-7195.141.2 `ipc_kmsg_send`), and
    /// sends its reply with the sender's `timeout`. The send succeeds whatever becomes of the
    /// reply.
    pub(crate) fn kobject_send(
        &self,
        request: Kmsg,
        timeout: Option<u32>,
    ) -> Result<(), KernReturn> {
        let mut d = Deferred::default();
        let reply = server(request, &mut d);
        // The request's rights are released before the reply goes out.
        self.run(&mut d);
        match reply {
            // A reply that cannot be queued is destroyed rather than given back. It is
            // not MACH_SEND_ALWAYS: MACH_SEND_NOTIFY does not look at a kernel port.
            Some((port, reply)) => self.queue(port, reply, false, timeout, None),
            None => Ok(()),
        }
    }
}

/// Serves `request` as xnu-7195.141.2 `ipc_kobject_server` does and returns the reply with
/// the port it goes to, or nothing when there is nothing to send. Rights to release go to
/// `d`.
///
/// The reply is a `mig_reply_error_t` laid out as xnu-11417.121.6 `ipc_kobject_init_reply`
/// lays it out: the request's reply right moved into it as its destination (with the type
/// it was copied in as), no local port, no voucher, `msgh_id` the request's plus 100. The
/// destination right of the request is used up without a send-once notification. When the
/// routine fails (or there is none), the rest of the request is destroyed but for its reply
/// right. A null or dead reply right, or one to a kernel port, means no reply.
pub(crate) fn server(mut request: Kmsg, d: &mut Deferred) -> Option<(PortRef, Kmsg)> {
    // The request as a server reads it: its reply right is the remote one.
    let seen = MachMsgHeader {
        msgh_bits: MACH_MSGH_BITS(request.local_type, request.remote_type),
        msgh_id: request.id,
        ..MachMsgHeader::default()
    };
    let ret_code = match find_routine(request.id) {
        Some(routine) => routine(&mut request, d),
        None => MIG_BAD_ID,
    };
    release_quietly(std::mem::replace(&mut request.remote, Carried::Null), d);
    // On success the routine has taken the rights it keeps; on failure the request is
    // intact. Either way what is left of it, but for its reply right, is destroyed.
    let reply_right = std::mem::replace(&mut request.local, Carried::Null);
    d.destroy(request);
    if ret_code == MIG_NO_REPLY {
        // The routine answers later, with the reply right it took out of the request;
        // nothing is sent now.
        d.release(reply_right);
        return None;
    }
    let port = match &reply_right {
        Carried::Send(p) | Carried::SendOnce(p) => p.clone(),
        _ => {
            d.release(reply_right);
            return None;
        }
    };
    if matches!(port.lock().receiver, Receiver::Kernel) {
        // The kernel sends no reply to its own ports (xnu-7195.141.2 ipc_kobject_server).
        // A send-once right to one would notify the kernel, which would drop the
        // notification: released without one.
        release_quietly(reply_right, d);
        return None;
    }
    let mig = MigReplyError::reply_to(&seen, ret_code);
    let reply = Kmsg {
        bits: mig.head.msgh_bits & !MACH_MSGH_BITS_PORTS_MASK,
        remote: reply_right,
        remote_type: MACH_MSGH_BITS_REMOTE(mig.head.msgh_bits),
        local: Carried::Null,
        local_type: 0,
        id: mig.head.msgh_id,
        body: Body::copy_of(&mig.as_bytes()[HEADER_SIZE..]),
        descs: Descs::default(),
        sender: Sender::KERNEL,
        order: 0,
        voucher_name: 0,
    };
    Some((port, reply))
}

/// Releases a send or send-once right the kernel received: a send-once right is used up
/// without its notification, which would only come back to the kernel (xnu-7195.141.2
/// `ipc_kobject_server` releases the destination so).
fn release_quietly(right: Carried, d: &mut Deferred) {
    match right {
        Carried::Send(p) => release_send(&p, d),
        Carried::SendOnce(p) => consume_send_once(&p),
        other => d.release(other),
    }
}

#[cfg(test)]
mod tests {
    use crate::Kernel;
    use crate::consts::*;
    use crate::wire::MachMsgHeader;

    fn seqno(p: &crate::ipc_port::PortRef) -> u32 {
        p.lock().seqno
    }

    /// xnu-7195.141.2 ipc_kmsg_send: the kernel port's sequence number counts every
    /// message the kernel receives on it, replied to or not.
    #[test]
    fn each_message_to_a_kernel_port_advances_its_seqno() {
        let kernel = Kernel::new();
        let task = kernel.task_create(None);
        let me = task.mach_task_self();
        let host = task.task_get_special_port(TASK_HOST_PORT).unwrap();
        let reply = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
        let task_port = task.obj.lock().own[0].clone();
        let host_port = kernel.shared.host.clone();
        assert_eq!((seqno(&task_port), seqno(&host_port)), (0, 0));
        let send = |dest, local, ld| {
            let mut b = [0u8; 24];
            MachMsgHeader {
                msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, ld),
                msgh_size: 24,
                msgh_remote_port: dest,
                msgh_local_port: local,
                msgh_voucher_port: 0,
                msgh_id: 1,
            }
            .write(&mut b);
            task.mach_msg(&mut b, MACH_SEND_MSG, 24, 0, 0, 0, 0)
        };
        send(me, 0, 0).unwrap();
        send(me, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE).unwrap();
        send(host, reply, MACH_MSG_TYPE_MAKE_SEND).unwrap();
        assert_eq!((seqno(&task_port), seqno(&host_port)), (2, 1));
        task.terminate();
    }
}
