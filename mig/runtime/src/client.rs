//! The client's side: its reply port and `mach_msg` call, the checks migcom's client makes
//! on a reply, and the out-of-line regions a request leaves behind.

use std::cell::Cell;

use darling_mach_abi::consts::*;
use darling_mach_abi::message::read;
use darling_mach_abi::wire::MigReplyError;
use darling_mach_ipc::{KernReturn, Task};

use crate::fail;
use crate::reader::{Reader, descriptor_count, header};

/// Whether a `mach_msg` error is the send's (the message was not sent, and no reply can
/// have come), as opposed to the receive's.
fn is_send_error(e: &KernReturn) -> bool {
    (MACH_SEND_IN_PROGRESS..=MACH_SEND_NO_GRANT_DEST).contains(&e.0)
}

/// A client's reply port: a receive right in the client's task, made on first use and
/// made afresh after a call that may have left a message on it (as MIG's per-thread reply
/// port is). One per client; a client is used by one thread at a time.
#[derive(Debug)]
pub struct ReplyPort {
    task: Task,
    name: Cell<mach_port_name_t>,
}

impl ReplyPort {
    /// No port yet; one is allocated in `task` on the first call.
    pub fn new(task: &Task) -> ReplyPort {
        ReplyPort {
            task: task.clone(),
            name: Cell::new(MACH_PORT_NULL),
        }
    }

    /// The client's task.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The port's name, allocating it if needed.
    ///
    /// # Errors
    /// `mach_port_allocate`'s.
    pub fn get(&self) -> Result<mach_port_name_t, KernReturn> {
        let n = self.name.get();
        if n != MACH_PORT_NULL {
            return Ok(n);
        }
        let n = self.task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        self.name.set(n);
        Ok(n)
    }

    /// Destroys the port (a stale reply may sit on it); the next call makes another.
    pub fn reset(&self) {
        let n = self.name.replace(MACH_PORT_NULL);
        if n != MACH_PORT_NULL {
            let _ = self.task.mach_port_mod_refs(n, MACH_PORT_RIGHT_RECEIVE, -1);
        }
    }

    /// Sends the request in `buf[..size]` and receives the reply (at most `rcv_size` bytes,
    /// the reply and its trailer, as migcom sizes the receive) into `buf`, as MIG's
    /// `mach_msg(SEND | RCV)` call does, on the request's reply port (its local port), with
    /// `options` (timeouts, trailer elements) and `timeout` (milliseconds, for the timeout
    /// options).
    ///
    /// # Errors
    /// `mach_msg`'s; after a failed receive the reply port is made afresh.
    pub fn call(
        &self,
        buf: &mut [u8],
        size: u32,
        rcv_size: u32,
        options: mach_msg_option_t,
        timeout: u32,
    ) -> Result<(), KernReturn> {
        let reply = header(buf).msgh_local_port;
        let r = self.task.mach_msg(
            buf,
            MACH_SEND_MSG | MACH_RCV_MSG | options,
            size,
            rcv_size,
            reply,
            timeout,
            MACH_PORT_NULL,
        );
        if let Err(e) = &r
            && !is_send_error(e)
        {
            self.reset();
        }
        r
    }

    /// Sends a one-way message in `buf[..size]`.
    ///
    /// # Errors
    /// `mach_msg`'s.
    pub fn send(
        &self,
        buf: &mut [u8],
        size: u32,
        options: mach_msg_option_t,
        timeout: u32,
    ) -> Result<(), KernReturn> {
        self.task.mach_msg(
            buf,
            MACH_SEND_MSG | options,
            size,
            0,
            MACH_PORT_NULL,
            timeout,
            MACH_PORT_NULL,
        )
    }
}

impl Drop for ReplyPort {
    fn drop(&mut self) {
        self.reset();
    }
}

/// Checks a reply's header as migcom's client does and returns a reader of its body.
///
/// `id` is the reply id, `descriptors` whether a successful reply carries descriptors (and
/// how many), `min`/`max` the sizes a successful reply may have. A `mig_reply_error_t` with
/// a nonzero return code gives that code; a send-once notification instead of a reply is
/// `MIG_SERVER_DIED`.
///
/// # Errors
/// `MIG_SERVER_DIED`, `MIG_REPLY_MISMATCH`, `MIG_TYPE_ERROR`, or the server's return code.
pub fn check_reply(
    buf: &[u8],
    id: mach_msg_id_t,
    descriptors: Option<u32>,
    min: u32,
    max: u32,
) -> Result<Reader<'_>, KernReturn> {
    let head = header(buf);
    if head.msgh_id == MACH_NOTIFY_SEND_ONCE {
        return fail(MIG_SERVER_DIED);
    }
    if head.msgh_id != id {
        return fail(MIG_REPLY_MISMATCH);
    }
    if head.msgh_remote_port != MACH_PORT_NULL {
        return fail(MIG_TYPE_ERROR);
    }
    let size = head.msgh_size;
    let msg = buf.get(..size as usize).ok_or(KernReturn(MIG_TYPE_ERROR))?;
    if !head.is_complex()
        && size as usize == size_of::<MigReplyError>()
        && let Some(error) = read::<MigReplyError>(msg, 0)
        && error.ret_code != KERN_SUCCESS
    {
        return fail(error.ret_code);
    }
    let descriptors_ok = match descriptors {
        Some(n) => head.is_complex() && descriptor_count(buf) == n,
        None => !head.is_complex(),
    };
    if !descriptors_ok || size < min || size > max {
        return fail(MIG_TYPE_ERROR);
    }
    let mut r = Reader::new(msg, MIG_TYPE_ERROR);
    if descriptors.is_some() {
        r.u32()?;
    }
    Ok(r)
}

/// Frees the out-of-line regions a client's request left in its task: those the send did
/// not take (no `deallocate`), and all of them when the message was never sent.
pub fn release_regions(task: &Task, regions: &[(u64, bool)], sent: &Result<(), KernReturn>) {
    let unsent = matches!(sent, Err(e) if is_send_error(e));
    for &(address, taken) in regions {
        if !taken || unsent {
            let _ = task.vm_deallocate(address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Writer, reply_error, reply_header};
    use darling_mach_abi::message::HEADER_SIZE;

    /// A reply to request id 100, as a server would send it.
    fn reply(code: kern_return_t, f: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
        let mut request = [0u8; HEADER_SIZE];
        Writer::new(&mut request)
            .header(MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), 0, 5, 100)
            .unwrap();
        let mut buf = vec![0u8; 64];
        reply_header(&request, &mut buf);
        if code != KERN_SUCCESS {
            reply_error(&mut buf, code);
        } else {
            let mut w = Writer::after_header(&mut buf);
            f(&mut w);
            w.finish();
        }
        // As received: the reply port (remote) is gone, the destination is local.
        let mut head = header(&buf);
        head.msgh_local_port = head.msgh_remote_port;
        head.msgh_remote_port = MACH_PORT_NULL;
        head.write(&mut buf).unwrap();
        buf
    }

    #[test]
    fn replies_are_checked_as_migcom_s_client_checks_them() {
        let ok = reply(KERN_SUCCESS, |w| {
            w.bytes(&NDR_record).unwrap();
            w.u32(0).unwrap();
            w.u32(7).unwrap();
        });
        let mut r = check_reply(&ok, 200, None, 40, 40).expect("reply");
        r.bytes(12).unwrap();
        assert_eq!(r.u32(), Ok(7));
        assert!(r.at_end());
        assert_eq!(
            check_reply(&ok, 201, None, 40, 40).err(),
            Some(KernReturn(MIG_REPLY_MISMATCH))
        );
        assert_eq!(
            check_reply(&ok, 200, None, 44, 44).err(),
            Some(KernReturn(MIG_TYPE_ERROR))
        );
        assert_eq!(
            check_reply(&ok, 200, Some(1), 40, 40).err(),
            Some(KernReturn(MIG_TYPE_ERROR))
        );
        let error = reply(MIG_BAD_ID, |_| {});
        assert_eq!(
            check_reply(&error, 200, None, 40, 40).err(),
            Some(KernReturn(MIG_BAD_ID))
        );
        let mut died = ok.clone();
        let mut head = header(&died);
        head.msgh_id = MACH_NOTIFY_SEND_ONCE;
        head.write(&mut died).unwrap();
        assert_eq!(
            check_reply(&died, 200, None, 40, 40).err(),
            Some(KernReturn(MIG_SERVER_DIED))
        );
    }
}
