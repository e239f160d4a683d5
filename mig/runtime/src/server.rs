//! The server's side: the checks migcom's server makes on a request, the reply its demux
//! starts and the error replies it sends, the trailer, and `mach_msg_server`.

use darling_mach_abi::consts::*;
use darling_mach_abi::message::{read, write};
use darling_mach_abi::wire::{MachMsgMaxTrailer, MigReplyError, NdrRecord};
use darling_mach_ipc::{KernReturn, Task};
use zerocopy::IntoBytes;

use crate::fail;
use crate::reader::{Reader, descriptor_count, header};
use crate::release::{destroy_request, destroy_unsent};

/// Checks a request's header as migcom's server does (`__MIG_check__Request__`) and returns
/// a reader of its body.
///
/// `descriptors` is whether the request carries descriptors (and how many), `min`/`max` the
/// sizes it may have.
///
/// # Errors
/// `MIG_BAD_ARGUMENTS` for a request of another shape.
pub fn check_request(
    request: &[u8],
    descriptors: Option<u32>,
    min: u32,
    max: u32,
) -> Result<Reader<'_>, KernReturn> {
    let head = header(request);
    let size = head.msgh_size;
    let Some(msg) = request.get(..size as usize) else {
        return fail(MIG_BAD_ARGUMENTS);
    };
    let shape_ok = match descriptors {
        Some(n) => head.is_complex() && descriptor_count(request) == n,
        None => !head.is_complex(),
    };
    if !shape_ok || !(min..=max).contains(&size) {
        return fail(MIG_BAD_ARGUMENTS);
    }
    let mut r = Reader::new(msg, MIG_BAD_ARGUMENTS);
    if descriptors.is_some() {
        r.u32()?;
    }
    Ok(r)
}

/// The start of a server's reply to `request`, as migcom's demux writes it before
/// dispatching: a `mig_reply_error_t` (`MigReplyError::reply_to`) carrying `KERN_SUCCESS`,
/// to the request's reply port with its disposition as received, id + 100.
pub fn reply_header(request: &[u8], reply: &mut [u8]) {
    let _ = write(
        reply,
        0,
        &MigReplyError::reply_to(&header(request), KERN_SUCCESS),
    );
}

/// Makes `reply` (already started by [`reply_header`]) a `mig_reply_error_t` carrying
/// `code`.
pub fn reply_error(reply: &mut [u8], code: kern_return_t) {
    let mut head = header(reply);
    head.msgh_bits &= !MACH_MSGH_BITS_COMPLEX;
    head.msgh_size = size_of::<MigReplyError>() as mach_msg_size_t;
    let error = MigReplyError {
        head,
        ndr: NdrRecord::NATIVE,
        ret_code: code,
    };
    let _ = write(reply, 0, &error);
}

/// Marks the message in `buf` complex.
pub fn set_complex(buf: &mut [u8]) {
    let mut head = header(buf);
    head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    let _ = head.write(buf);
}

/// Reads the trailer after the message in `buf`, which must be format 0 and hold the
/// `elements` asked for (`MACH_RCV_TRAILER_SEQNO` … `_CTX`), as migcom's stubs check.
/// Fields beyond those elements are zero.
///
/// # Errors
/// `MIG_TRAILER_ERROR` for another format or a trailer too short.
pub fn trailer(buf: &[u8], elements: mach_msg_option_t) -> Result<MachMsgMaxTrailer, KernReturn> {
    let at = header(buf).msgh_size as usize;
    let needed = REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(elements)) as usize;
    let mut trailer = MachMsgMaxTrailer::default();
    match (
        buf.get(at..).and_then(|b| b.get(..needed)),
        trailer.as_mut_bytes().get_mut(..needed),
    ) {
        (Some(received), Some(fields)) => fields.copy_from_slice(received),
        _ => return fail(MIG_TRAILER_ERROR),
    }
    if trailer.msgh_trailer_type != MACH_MSG_TRAILER_FORMAT_0
        || (trailer.msgh_trailer_size as usize) < needed
    {
        return fail(MIG_TRAILER_ERROR);
    }
    Ok(trailer)
}

/// `mach_msg_server`: receives requests on `port` (a port or port set of `task`) and
/// answers each with what `demux` writes into the reply buffer, until a receive fails.
/// A complex reply is sent as is; a simple one carrying `MIG_NO_REPLY` is not sent; one
/// carrying another error is sent after the request's rights and memory are destroyed.
/// `rcv_options` adds trailer elements to the receive.
///
/// # Errors
/// The receive error that ended the loop.
pub fn serve(
    task: &Task,
    port: mach_port_name_t,
    max_request: usize,
    max_reply: usize,
    rcv_options: mach_msg_option_t,
    mut demux: impl FnMut(&[u8], &mut [u8]) -> bool,
) -> Result<(), KernReturn> {
    let trailer = size_of::<MachMsgMaxTrailer>();
    let mut request = vec![0u8; max_request + trailer];
    let mut reply = vec![0u8; max_reply.max(size_of::<MigReplyError>()) + trailer];
    let size = request.len() as u32;
    loop {
        task.mach_msg(
            &mut request,
            MACH_RCV_MSG | rcv_options,
            0,
            size,
            port,
            0,
            MACH_PORT_NULL,
        )?;
        reply.fill(0);
        demux(&request, &mut reply);
        send_reply(task, &request, &mut reply);
    }
}

/// Sends (or drops) the reply `demux` made, by `mach_msg_server`'s rules.
pub fn send_reply(task: &Task, request: &[u8], reply: &mut [u8]) {
    let head = header(reply);
    if !head.is_complex() {
        let code = read::<MigReplyError>(reply, 0).map_or(KERN_SUCCESS, |e| e.ret_code);
        if code != KERN_SUCCESS {
            if code == MIG_NO_REPLY {
                return;
            }
            destroy_request(task, request);
        }
    }
    if head.msgh_remote_port == MACH_PORT_NULL {
        return;
    }
    // A reply that cannot go (the client's reply port died, say) is destroyed, as
    // mach_msg_server does: what it would have moved is released here.
    if task
        .mach_msg(
            reply,
            MACH_SEND_MSG,
            head.msgh_size,
            0,
            MACH_PORT_NULL,
            0,
            MACH_PORT_NULL,
        )
        .is_err()
    {
        destroy_unsent(task, reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Writer;
    use darling_mach_abi::message::HEADER_SIZE;
    use darling_mach_abi::wire::SecurityToken;

    fn request(complex: bool) -> Vec<u8> {
        let mut buf = vec![0u8; 128];
        let mut w = Writer::new(&mut buf);
        let bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
        if complex {
            w.header(bits | MACH_MSGH_BITS_COMPLEX, 0x103, 0x207, 500)
                .unwrap();
            w.u32(1).unwrap();
            w.port(0x303, MACH_MSG_TYPE_COPY_SEND).unwrap();
        } else {
            w.header(bits, 0x103, 0x207, 500).unwrap();
            w.bytes(&NDR_record).unwrap();
            w.u32(9).unwrap();
        }
        w.finish();
        buf
    }

    #[test]
    fn requests_are_checked_as_migcom_s_server_checks_them() {
        let simple = request(false);
        let mut r = check_request(&simple, None, 36, 36).expect("simple");
        r.bytes(8).unwrap();
        assert_eq!(r.u32(), Ok(9));
        let bad = Err(KernReturn(MIG_BAD_ARGUMENTS));
        assert_eq!(check_request(&simple, None, 40, 44).map(|_| ()), bad);
        assert_eq!(check_request(&simple, Some(0), 36, 36).map(|_| ()), bad);
        let complex = request(true);
        assert!(check_request(&complex, Some(1), 40, 40).is_ok());
        assert_eq!(check_request(&complex, Some(2), 40, 40).map(|_| ()), bad);
        assert_eq!(check_request(&complex, None, 40, 40).map(|_| ()), bad);
        assert_eq!(
            check_request(&complex[..30], Some(1), 40, 40).map(|_| ()),
            bad
        );
    }

    #[test]
    fn replies_start_as_migcom_s_demux_starts_them() {
        let request = request(true);
        let mut reply = [0xffu8; 48];
        reply_header(&request, &mut reply);
        let head = header(&reply);
        assert_eq!(head.msgh_bits, MACH_MSG_TYPE_COPY_SEND);
        assert_eq!(head.msgh_remote_port, 0x103);
        assert_eq!(head.msgh_local_port, MACH_PORT_NULL);
        assert_eq!(head.msgh_id, 600);
        assert_eq!(head.msgh_size, 36);
        set_complex(&mut reply);
        assert!(header(&reply).is_complex());
        reply_error(&mut reply, MIG_BAD_ID);
        let error: MigReplyError = read(&reply, 0).unwrap();
        assert!(!error.head.is_complex());
        assert_eq!((error.head.msgh_id, error.ret_code), (600, MIG_BAD_ID));
        assert_eq!(error.ndr, NdrRecord::NATIVE);
    }

    #[test]
    fn trailers_must_hold_the_elements_asked_for() {
        let mut buf = request(false);
        let at = header(&buf).msgh_size as usize;
        assert!(at > HEADER_SIZE);
        let sent = MachMsgMaxTrailer {
            msgh_trailer_size: 20,
            msgh_seqno: 4,
            msgh_sender: SecurityToken { val: [501, 20] },
            msgh_context: 0x77,
            ..Default::default()
        };
        buf[at..at + 68].copy_from_slice(sent.as_bytes());
        let t = trailer(&buf, MACH_RCV_TRAILER_SENDER).expect("sender trailer");
        assert_eq!((t.msgh_seqno, t.msgh_sender.val), (4, [501, 20]));
        // Not asked for: not read.
        assert_eq!({ t.msgh_context }, 0);
        assert_eq!(
            trailer(&buf, MACH_RCV_TRAILER_AUDIT).map(|_| ()),
            Err(KernReturn(MIG_TRAILER_ERROR))
        );
        buf[at] = 1;
        assert_eq!(
            trailer(&buf, MACH_RCV_TRAILER_NULL).map(|_| ()),
            Err(KernReturn(MIG_TRAILER_ERROR))
        );
        assert_eq!(
            trailer(&buf[..at + 4], MACH_RCV_TRAILER_NULL).map(|_| ()),
            Err(KernReturn(MIG_TRAILER_ERROR))
        );
    }
}
