//! `mach_msg`: sending a message (copying its rights and memory in from the sender's space),
//! queueing it, and receiving it (copying them out into the receiver's space), with XNU's
//! return codes and XNU's 64-bit user-space byte layout.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, MutexGuard};
use std::time::{Duration, Instant};

use crate::consts::*;
use crate::kmsg::{Carried, KDesc, Kmsg};
use crate::state::{Obj, PortId, Receiver, RightError, State, TaskId, wake_one};
use crate::task::Task;

/// Size of `mach_msg_header_t`.
const HEADER: usize = 24;

/// The native-endian `u32` at `at` of `b` (0 past its end).
pub(crate) fn get32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_ne_bytes([x[0], x[1], x[2], x[3]]))
}

/// The native-endian `u64` at `at` of `b` (0 past its end).
pub(crate) fn get64(b: &[u8], at: usize) -> u64 {
    u64::from(get32(b, at)) | u64::from(get32(b, at + 4)) << 32
}

/// Writes `v` at `at` of `b` (nothing past its end).
pub(crate) fn put32(b: &mut [u8], at: usize, v: u32) {
    if let Some(x) = b.get_mut(at..at + 4) {
        x.copy_from_slice(&v.to_ne_bytes());
    }
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    put32(b, at, v as u32);
    put32(b, at + 4, (v >> 32) as u32);
}

fn fail<T>(code: mach_msg_return_t) -> Result<T, KernReturn> {
    Err(KernReturn(code))
}

/// One descriptor found by the structural walk, before any right is touched.
#[derive(Clone, Copy, Debug)]
enum Walked {
    Port {
        at: usize,
        name: u32,
        disposition: u32,
    },
    Ool {
        at: usize,
        address: u64,
        size: u32,
        deallocate: bool,
    },
    OolPorts {
        at: usize,
        address: u64,
        count: u32,
        copy: u32,
        disposition: u32,
        deallocate: bool,
    },
    Guarded {
        at: usize,
        name: u32,
        disposition: u32,
        flags: u32,
        context: u64,
    },
    /// A type byte XNU does not know: 12 bytes in the walk, MACH_SEND_INVALID_TYPE when its
    /// turn comes to be copied in.
    Unknown,
}

/// Walks the descriptors of a complex message (`body` = the bytes after the header) as
/// xnu-7195's first pass in ipc_kmsg_copyin_body does: sizes, OOL copy options, guarded
/// descriptor flags and the number of rights, before any descriptor is copied in.
fn walk_descriptors(body: &[u8]) -> Result<Vec<Walked>, KernReturn> {
    let count = get32(body, 0) as usize;
    // Each descriptor takes at least 12 bytes: more than fit cannot all be walked.
    let mut out = Vec::with_capacity(count.min(body.len() / 12));
    let mut at = 4;
    let mut ports: u64 = 0;
    for _ in 0..count {
        if body.len() < at + 12 {
            return fail(MACH_SEND_MSG_TOO_SMALL);
        }
        let ty = u32::from(body[at + 11]);
        let size = match ty {
            MACH_MSG_OOL_DESCRIPTOR
            | MACH_MSG_OOL_VOLATILE_DESCRIPTOR
            | MACH_MSG_OOL_PORTS_DESCRIPTOR
            | MACH_MSG_GUARDED_PORT_DESCRIPTOR => 16,
            _ => 12,
        };
        if body.len() < at + size {
            return fail(MACH_SEND_MSG_TOO_SMALL);
        }
        let disposition = u32::from(body[at + 10]);
        let walked = match ty {
            MACH_MSG_PORT_DESCRIPTOR => {
                ports += 1;
                Walked::Port {
                    at,
                    name: get32(body, at),
                    disposition,
                }
            }
            MACH_MSG_OOL_DESCRIPTOR | MACH_MSG_OOL_VOLATILE_DESCRIPTOR => {
                let copy = u32::from(body[at + 9]);
                if copy != MACH_MSG_PHYSICAL_COPY && copy != MACH_MSG_VIRTUAL_COPY {
                    return fail(MACH_SEND_INVALID_TYPE);
                }
                Walked::Ool {
                    at,
                    address: get64(body, at),
                    size: get32(body, at + 12),
                    deallocate: body[at + 8] != 0,
                }
            }
            MACH_MSG_OOL_PORTS_DESCRIPTOR => {
                let count = get32(body, at + 12);
                ports += u64::from(count);
                Walked::OolPorts {
                    at,
                    address: get64(body, at),
                    count,
                    // Checked when the descriptor is copied in.
                    copy: u32::from(body[at + 9]),
                    disposition,
                    deallocate: body[at + 8] != 0,
                }
            }
            MACH_MSG_GUARDED_PORT_DESCRIPTOR => {
                // Guarded port: only a receive right, with a valid guard flag.
                let flags = u32::from(u16::from_ne_bytes([body[at + 8], body[at + 9]]));
                let context = get64(body, at);
                if disposition != MACH_MSG_TYPE_MOVE_RECEIVE
                    || flags == 0
                    || flags & !MACH_MSG_GUARD_FLAGS_MASK != 0
                    || (flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND != 0 && context != 0)
                {
                    return fail(MACH_SEND_INVALID_TYPE);
                }
                ports += 1;
                Walked::Guarded {
                    at,
                    name: get32(body, at + 12),
                    disposition,
                    flags,
                    context,
                }
            }
            _ => Walked::Unknown,
        };
        out.push(walked);
        at += size;
    }
    // xnu-7195: `total_ool_port_count >= MACH_PORT_UREFS_MAX / 4`, so 16383 rights are
    // already too many (later releases allow exactly 16383).
    if ports >= IPC_KMSG_MAX_OOL_PORT_COUNT {
        return fail(MACH_SEND_TOO_LARGE);
    }
    Ok(out)
}

fn is_send_disposition(d: u32) -> bool {
    (MACH_MSG_TYPE_MOVE_SEND..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&d)
}

/// The type a right copied in with disposition `d` travels as.
fn carried_type(d: u32) -> u32 {
    match d {
        MACH_MSG_TYPE_MOVE_RECEIVE => MACH_MSG_TYPE_PORT_RECEIVE,
        MACH_MSG_TYPE_MOVE_SEND_ONCE | MACH_MSG_TYPE_MAKE_SEND_ONCE => MACH_MSG_TYPE_PORT_SEND_ONCE,
        _ => MACH_MSG_TYPE_PORT_SEND,
    }
}

/// Whether the entry `name` of `t` holds what disposition `d` needs (dead names: never).
fn holds(s: &mut State, t: TaskId, name: u32, d: u32) -> Option<bool> {
    let e = s.lookup(t, name)?;
    Some(entry_holds(e.rights, d))
}

/// Whether an entry with `rights` holds what disposition `d` needs.
fn entry_holds(rights: mach_port_type_t, d: u32) -> bool {
    rights & crate::state::needed_right(d) != 0
}

fn valid_name(name: mach_port_name_t) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

/// Whether the reply right `name` can be copied in with `d` (ipc_right_copyin_check_reply):
/// a dead name (or a right whose port died) is fine for the dispositions that copy or move
/// a send or send-once right, and travels as `MACH_PORT_DEAD`.
fn reply_copyin_ok(s: &mut State, t: TaskId, name: u32, d: u32) -> bool {
    match s.lookup(t, name) {
        Some(e) if e.rights & MACH_PORT_TYPE_DEAD_NAME != 0 => matches!(
            d,
            MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE
        ),
        Some(_) => holds(s, t, name, d) == Some(true),
        None => false,
    }
}

/// Copies the reply right in (a null or dead name as it is).
fn copyin_reply(
    s: &mut State,
    t: TaskId,
    name: u32,
    d: u32,
    work: &mut Vec<Carried>,
) -> Result<Carried, RightError> {
    match name {
        MACH_PORT_NULL => Ok(Carried::Null),
        MACH_PORT_DEAD => Ok(Carried::Dead),
        _ => s.copyin(t, name, d, work),
    }
}

/// Where a receive waits: one port, or a port set.
#[derive(Clone, Copy)]
enum Source {
    Port(PortId),
    Set(crate::state::PsetId),
}

impl Task {
    /// `mach_msg`: sends the message in `msg[..send_size]` (with `MACH_SEND_MSG`), then
    /// receives one from `rcv_name` into `msg[..rcv_size]` (with `MACH_RCV_MSG`).
    ///
    /// The bytes are XNU's 64-bit user-space layout: a `mach_msg_header_t`, for complex
    /// messages a descriptor count and port / out-of-line / out-of-line-ports / guarded port
    /// descriptors, then inline data; a received message is followed by the trailer its
    /// `MACH_RCV_TRAILER_ELEMENTS` asks for. Out-of-line addresses are in the task's
    /// simulated memory ([`Task::vm_allocate`]). `timeout` (milliseconds) applies to the
    /// halves whose `MACH_SEND_TIMEOUT` / `MACH_RCV_TIMEOUT` bit is set; 0 then means "do not
    /// wait". `_notify` is accepted for the C signature's sake and unused, as in XNU.
    ///
    /// # Errors
    /// The `MACH_SEND_*` and `MACH_RCV_*` codes of XNU for every failure, e.g.
    /// `MACH_SEND_INVALID_DEST`, `MACH_SEND_INVALID_RIGHT`, `MACH_SEND_TIMED_OUT` (the message
    /// comes back in `msg`, its rights in the sender's space), `MACH_RCV_TOO_LARGE`,
    /// `MACH_RCV_TIMED_OUT`, `MACH_RCV_PORT_CHANGED` (the port or set went away while
    /// waiting), `MACH_RCV_INVALID_NAME`. A buffer shorter than the sizes given is
    /// `MACH_SEND_INVALID_DATA` / `MACH_RCV_INVALID_DATA`.
    #[allow(clippy::too_many_arguments)]
    pub fn mach_msg(
        &self,
        msg: &mut [u8],
        option: mach_msg_option_t,
        send_size: mach_msg_size_t,
        rcv_size: mach_msg_size_t,
        rcv_name: mach_port_name_t,
        timeout: mach_msg_timeout_t,
        _notify: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        // A send followed by a receive keeps the lock in between: one critical section
        // instead of two, as if no other thread had run in between (which it may not have).
        let mut held = None;
        if option & MACH_SEND_MSG != 0 {
            let t = (option & MACH_SEND_TIMEOUT != 0).then_some(timeout);
            held = Some(self.send(msg, send_size, t)?);
        }
        if option & MACH_RCV_MSG != 0 {
            let t = (option & MACH_RCV_TIMEOUT != 0).then_some(timeout);
            self.receive(held, msg, option, rcv_size, rcv_name, t)?;
        }
        Ok(())
    }

    /// Sends; on success returns the lock, still held.
    fn send(
        &self,
        msg: &mut [u8],
        send_size: u32,
        timeout: Option<u32>,
    ) -> Result<MutexGuard<'_, State>, KernReturn> {
        if send_size < HEADER as u32 || !send_size.is_multiple_of(4) {
            return fail(MACH_SEND_MSG_TOO_SMALL);
        }
        if send_size > IPC_KMSG_MAX_BODY_SPACE {
            return fail(MACH_SEND_TOO_LARGE);
        }
        let size = send_size as usize;
        if msg.len() < size {
            return fail(MACH_SEND_INVALID_DATA);
        }
        let bits = get32(msg, 0);
        let remote = get32(msg, 8);
        let local = get32(msg, 12);
        let voucher = get32(msg, 16);
        let id = get32(msg, 20) as i32;
        let complex = bits & MACH_MSGH_BITS_COMPLEX != 0;
        if complex && size < HEADER + 4 {
            return fail(MACH_SEND_MSG_TOO_SMALL);
        }
        // The header (ipc_kmsg_copyin_header, in xnu-7195's order), checked before any right
        // moves.
        if bits & !MACH_MSGH_BITS_USER != 0 {
            return fail(MACH_SEND_INVALID_HEADER);
        }
        let (rd, ld, vd) = (bits & 0x1f, bits >> 8 & 0x1f, bits >> 16 & 0x1f);
        if !is_send_disposition(rd)
            || (ld == 0 && local != MACH_PORT_NULL)
            || (ld != 0 && !is_send_disposition(ld))
        {
            return fail(MACH_SEND_INVALID_HEADER);
        }
        if remote == MACH_PORT_NULL || remote == MACH_PORT_DEAD {
            return fail(MACH_SEND_INVALID_DEST);
        }
        let mut s = self.lock();
        if !s.tasks.get(self.id).is_some_and(|t| t.alive) {
            return fail(MACH_SEND_INVALID_DEST);
        }
        // No voucher objects exist here: a voucher right is never a valid voucher.
        if vd != 0
            && (voucher != MACH_PORT_NULL
                || (vd != MACH_MSG_TYPE_MOVE_SEND && vd != MACH_MSG_TYPE_COPY_SEND))
        {
            return fail(MACH_SEND_INVALID_VOUCHER);
        }
        let t = self.id;
        let mut work = Vec::new();
        // The destination name must exist (any entry will do at this point); then the reply
        // right must be one the copyin below can take; then the destination right.
        let Some(dest_entry) = s.space(t).and_then(|sp| sp.get(remote)).copied() else {
            return fail(MACH_SEND_INVALID_DEST);
        };
        if valid_name(local) {
            if s.space(t).and_then(|sp| sp.get(local)).is_none()
                || !reply_copyin_ok(&mut s, t, local, ld)
            {
                return fail(MACH_SEND_INVALID_REPLY);
            }
            if remote == local
                && (rd == MACH_MSG_TYPE_MOVE_SEND_ONCE || ld == MACH_MSG_TYPE_MOVE_SEND_ONCE)
            {
                // ipc_right_copyin_two: one send-once right cannot be both.
                return fail(MACH_SEND_INVALID_DEST);
            }
        }
        // A send-once right whose port died (with no dead-name request) is still a
        // destination (ALLOW_DEAD_SEND_ONCE): the message is destroyed on delivery.
        let dead_send_once = match dest_entry.object {
            Obj::Port(p) => {
                rd == MACH_MSG_TYPE_MOVE_SEND_ONCE
                    && dest_entry.rights & MACH_PORT_TYPE_SEND_ONCE != 0
                    && !dest_entry.request
                    && !s.is_active(p)
            }
            _ => false,
        };
        // The entry read above answers for a live port; only a dead one needs the lookup that
        // turns it into a dead name (and then it holds no right).
        let dest_ok = match dest_entry.object {
            Obj::Port(p) => {
                entry_holds(dest_entry.rights, rd)
                    && (dest_entry.rights & MACH_PORT_TYPE_RECEIVE != 0 || s.is_active(p))
            }
            _ => false,
        };
        if !dead_send_once && !dest_ok {
            let _ = s.lookup(t, remote);
            return fail(MACH_SEND_INVALID_DEST);
        }
        if remote == local && rd == MACH_MSG_TYPE_MOVE_SEND && ld == MACH_MSG_TYPE_MOVE_SEND {
            let urefs = s.lookup(t, remote).map_or(0, |e| e.urefs);
            if urefs < 2 {
                return fail(MACH_SEND_INVALID_DEST);
            }
        }
        // Copy the header rights in: on one name, the one that does not move goes first.
        let moves = |d| d == MACH_MSG_TYPE_MOVE_SEND || d == MACH_MSG_TYPE_MOVE_SEND_ONCE;
        let (dest, reply) = if dead_send_once {
            let Obj::Port(p) = dest_entry.object else {
                // (dead_send_once holds only for a port entry.)
                return fail(MACH_SEND_INVALID_DEST);
            };
            // The entry's reference goes with the right.
            s.free_name(t, remote, &mut work);
            let reply = copyin_reply(&mut s, t, local, ld, &mut work);
            (Ok(Carried::SendOnce(p)), reply)
        } else if remote == local && moves(rd) && !moves(ld) {
            let reply = s.copyin(t, local, ld, &mut work);
            let dest = s.copyin(t, remote, rd, &mut work);
            (dest, reply)
        } else {
            let dest = s.copyin(t, remote, rd, &mut work);
            let reply = copyin_reply(&mut s, t, local, ld, &mut work);
            (dest, reply)
        };
        let (dest, reply) = match (dest, reply) {
            (Ok(d), Ok(r)) => (d, r),
            (d, r) => {
                // Checked above; undo whatever did get copied in.
                for x in [d, r].into_iter().flatten() {
                    work.push(x);
                }
                s.drain(&mut work);
                return fail(MACH_SEND_INVALID_DEST);
            }
        };
        let mut k = Kmsg {
            bits: bits & !(MACH_MSGH_BITS_PORTS_MASK),
            remote: dest,
            remote_type: carried_type(rd),
            local: reply,
            local_type: if ld == 0 { 0 } else { carried_type(ld) },
            id,
            body: {
                // A recycled buffer, if there is one: no allocation per message.
                let mut body = s.bodies.pop().unwrap_or_default();
                body.extend_from_slice(&msg[HEADER..size]);
                body
            },
            descs: Vec::new(),
            sender: s.tasks.get(t).map(|t| t.sender).unwrap_or_default(),
            order: 0,
            voucher_name: 0,
        };
        // A voucher name sent without a disposition arrives as it was.
        if vd == 0 {
            k.voucher_name = voucher;
        }
        // The body (ipc_kmsg_copyin_body): xnu-7195 walks the descriptors only now, after the
        // header rights were copied in, so any failure from here on destroys those rights
        // (and the descriptors copied in before the failing one).
        let body = if complex {
            walk_descriptors(&msg[HEADER..size]).and_then(|walked| {
                copyin_body(&mut s, t, &walked, &mut k, &mut work).map_err(KernReturn)
            })
        } else {
            Ok(())
        };
        if let Err(code) = body {
            k.release_into(&mut work);
            s.drain(&mut work);
            return Err(code);
        }
        s.drain(&mut work);
        let (Carried::Send(p) | Carried::SendOnce(p)) = k.remote else {
            k.release_into(&mut work);
            s.drain(&mut work);
            return Ok(s);
        };
        self.deliver(s, p, k, timeout, msg)
    }

    /// Queues `k` on `p`, waiting for room if the queue is full.
    fn deliver<'a>(
        &'a self,
        mut s: MutexGuard<'a, State>,
        p: PortId,
        k: Kmsg,
        timeout: Option<u32>,
        msg: &mut [u8],
    ) -> Result<MutexGuard<'a, State>, KernReturn> {
        let mut work = Vec::new();
        // A receive right sent into its own port (or into a port inside it) makes a cycle:
        // the message is destroyed, and the send succeeds.
        let circular = k.receive_rights().any(|r| s.would_be_circular(r, p));
        let kernel_owned = s.port(p).is_some_and(|x| x.receiver == Receiver::Kernel);
        if circular || !s.is_active(p) || kernel_owned {
            // Kernel objects serve no messages here: the request is destroyed, so a
            // send-once reply right tells the client (MACH_NOTIFY_SEND_ONCE).
            k.release_into(&mut work);
            s.drain(&mut work);
            return Ok(s);
        }
        let exempt = matches!(k.remote, Carried::SendOnce(_));
        let deadline = timeout.map(|ms| Instant::now() + Duration::from_millis(ms.into()));
        loop {
            let Some(port) = s.port(p) else {
                k.release_into(&mut work);
                s.drain(&mut work);
                return Ok(s);
            };
            if !port.is_active() {
                // Died while we waited: delivered and destroyed.
                k.release_into(&mut work);
                s.drain(&mut work);
                return Ok(s);
            }
            let len = port.queue.len() as u32;
            if len >= MACH_PORT_QLIMIT_KERNEL {
                return self.pseudo_receive(s, k, msg, MACH_SEND_NO_BUFFER);
            }
            if len < port.qlimit || exempt {
                break;
            }
            let cv = Arc::clone(&port.send_cv);
            s = match deadline {
                None => cv.wait(s).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return self.pseudo_receive(s, k, msg, MACH_SEND_TIMED_OUT);
                    }
                    cv.wait_timeout(s, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        s.enqueue(p, k);
        Ok(s)
    }

    /// A send that failed after its message was copied in gives the message back: its rights
    /// go into the sender's space as if received (header not swapped, no trailer).
    fn pseudo_receive<T>(
        &self,
        mut s: MutexGuard<'_, State>,
        k: Kmsg,
        msg: &mut [u8],
        code: mach_msg_return_t,
    ) -> Result<T, KernReturn> {
        let bits = k.bits & !MACH_MSGH_BITS_PORTS_MASK | k.remote_type | k.local_type << 8;
        let (remote, local) = (k.remote, k.local);
        let remote_name = s.copyout(self.id, remote);
        let local_name = s.copyout(self.id, local);
        put32(msg, 0, bits);
        put32(msg, 4, k.size() as u32);
        put32(msg, 8, remote_name);
        put32(msg, 12, local_name);
        put32(msg, 20, k.id as u32);
        let mut work = Vec::new();
        copyout_body(&mut s, self.id, k, msg, true, &mut work);
        s.drain(&mut work);
        fail(code)
    }

    /// Receives, with the lock `held` since a send, if any.
    fn receive(
        &self,
        held: Option<MutexGuard<'_, State>>,
        msg: &mut [u8],
        option: mach_msg_option_t,
        rcv_size: u32,
        rcv_name: mach_port_name_t,
        timeout: Option<u32>,
    ) -> Result<(), KernReturn> {
        let rcv_size = rcv_size as usize;
        if msg.len() < rcv_size {
            return fail(MACH_RCV_INVALID_DATA);
        }
        let mut s = held.unwrap_or_else(|| self.lock());
        let t = self.id;
        let source = match s.lookup(t, rcv_name).map(|e| (e.rights, e.object)) {
            Some((r, Obj::Port(p))) if r & MACH_PORT_TYPE_RECEIVE != 0 => Source::Port(p),
            Some((_, Obj::Pset(set))) => Source::Set(set),
            _ => return fail(MACH_RCV_INVALID_NAME),
        };
        let deadline = timeout.map(|ms| Instant::now() + Duration::from_millis(ms.into()));
        let mut spin = SPIN_LIMIT;
        // Taken once: cloning per look would write the Arc's counts while senders read them.
        let activity = Arc::clone(&s.activity);
        loop {
            // Still ours? (Moved away or destroyed while we waited.)
            let still_ours = match source {
                Source::Port(p) => s
                    .port(p)
                    .is_some_and(|port| port.receiver == Receiver::Task(t, rcv_name)),
                Source::Set(set) => s.psets.get(set).is_some_and(|x| x.owner == (t, rcv_name)),
            };
            if !still_ours {
                return fail(MACH_RCV_PORT_CHANGED);
            }
            let from = match source {
                Source::Port(p) => s.port(p).filter(|x| !x.queue.is_empty()).map(|_| p),
                Source::Set(set) => first_ready(&s, set),
            };
            if let Some(p) = from {
                return self.take(s, p, msg, option, rcv_size);
            }
            // Before sleeping (a wake-up costs microseconds), watch for a message for a
            // moment without the lock; whatever is seen, everything is looked at again with it.
            if spin > 0 && deadline.is_none_or(|d| Instant::now() < d) {
                let seen = activity.0.load(Ordering::Relaxed);
                drop(s);
                spin = spin_for_activity(&activity.0, seen, spin, deadline);
                s = self.lock();
                continue;
            }
            // Going to sleep: holding a clone of the Condvar's Arc is what tells senders to
            // notify it.
            let cv: Arc<Condvar> = match source {
                Source::Port(p) => match s.port(p) {
                    Some(port) => Arc::clone(&port.recv_cv),
                    None => return fail(MACH_RCV_PORT_CHANGED),
                },
                Source::Set(set) => match s.psets.get(set) {
                    Some(x) => Arc::clone(&x.cv),
                    None => return fail(MACH_RCV_PORT_CHANGED),
                },
            };
            s = match deadline {
                None => cv.wait(s).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return fail(MACH_RCV_TIMED_OUT);
                    }
                    cv.wait_timeout(s, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Takes the first message of `p` into `msg`.
    fn take(
        &self,
        mut s: MutexGuard<'_, State>,
        p: PortId,
        msg: &mut [u8],
        option: mach_msg_option_t,
        rcv_size: usize,
    ) -> Result<(), KernReturn> {
        let t = self.id;
        let trailer = REQUESTED_TRAILER_SIZE(option) as usize;
        let Some(port) = s.port(p) else {
            return fail(MACH_RCV_PORT_CHANGED);
        };
        let dest_name = match port.receiver {
            Receiver::Task(owner, n) if owner == t => n,
            _ => MACH_PORT_NULL,
        };
        let Some(head) = port.queue.front() else {
            return fail(MACH_RCV_PORT_CHANGED);
        };
        let guarded_ok = option & MACH_RCV_GUARDED_DESC != 0;
        let needed = head.size_for(guarded_ok);
        if needed + trailer > rcv_size {
            if option & MACH_RCV_LARGE != 0 {
                // The message stays; the caller learns its size (without the trailer).
                if rcv_size >= 16 {
                    put32(msg, 4, needed as u32);
                    if option & MACH_RCV_LARGE_IDENTITY != 0 {
                        put32(msg, 12, dest_name);
                    }
                }
                return fail(MACH_RCV_TOO_LARGE);
            }
            // Dequeued and destroyed: the receiver gets a bare header and what trailer fits.
            let Some((k, seqno, context)) = dequeue(&mut s, p) else {
                return fail(MACH_RCV_PORT_CHANGED);
            };
            if rcv_size < HEADER {
                let mut work = Vec::new();
                k.release_into(&mut work);
                s.drain(&mut work);
                return fail(MACH_RCV_INVALID_DATA);
            }
            // ipc_kmsg_copyout_dest: the reply right is destroyed (a dead one still reads
            // MACH_PORT_DEAD), the voucher name is passed through as on a normal receive.
            let bits = k.bits & !MACH_MSGH_BITS_PORTS_MASK | k.local_type | k.remote_type << 8;
            let reply = if k.local == Carried::Dead {
                MACH_PORT_DEAD
            } else {
                MACH_PORT_NULL
            };
            put32(msg, 0, bits);
            put32(msg, 4, HEADER as u32);
            put32(msg, 8, reply);
            put32(msg, 12, dest_name);
            put32(msg, 16, k.voucher_name);
            put32(msg, 20, k.id as u32);
            // msg_receive_error: the trailer is the kernel's template (kernel security
            // token), with the seqno, context and requested size; it is cut to the buffer.
            let fits = trailer.min(rcv_size - HEADER);
            let bare = Kmsg::notification(Carried::Null, 0, Vec::new());
            write_trailer(msg, HEADER, fits, seqno, &bare, context);
            if fits >= 8 {
                put32(msg, HEADER + 4, trailer as u32);
            }
            let mut work = Vec::new();
            k.release_into(&mut work);
            s.drain(&mut work);
            return fail(MACH_RCV_TOO_LARGE);
        }
        let Some((k, seqno, context)) = dequeue(&mut s, p) else {
            return fail(MACH_RCV_PORT_CHANGED);
        };
        s.send_possible(p);
        let size = k.size_for(guarded_ok);
        // The destination right is used up by the delivery.
        let (remote, local) = (k.remote, k.local);
        match remote {
            Carried::Send(x) => s.release_send(x),
            Carried::SendOnce(x) => s.drop_send_once(x),
            _ => {}
        }
        let reply = s.copyout(t, local);
        let bits = k.bits & !MACH_MSGH_BITS_PORTS_MASK | k.local_type | k.remote_type << 8;
        put32(msg, 0, bits);
        put32(msg, 4, size as u32);
        put32(msg, 8, reply);
        put32(msg, 12, dest_name);
        put32(msg, 16, k.voucher_name);
        put32(msg, 20, k.id as u32);
        write_trailer(msg, size, trailer, seqno, &k, context);
        let mut work = Vec::new();
        copyout_body(&mut s, t, k, msg, guarded_ok, &mut work);
        s.drain(&mut work);
        Ok(())
    }
}

/// How many times, in all, a receiver looks at [`State::activity`] before it sleeps.
const SPIN_LIMIT: u32 = 1024;
/// Of those, the first ones only pause the CPU; the rest also yield it.
const SPIN_BUSY: u32 = 256;

/// Watches `activity` until it moves away from `seen`, `budget` looks are used up or the
/// deadline passes; returns the looks left.
fn spin_for_activity(
    activity: &AtomicU64,
    seen: u64,
    mut budget: u32,
    deadline: Option<Instant>,
) -> u32 {
    while budget > 0 {
        budget -= 1;
        if activity.load(Ordering::Relaxed) != seen {
            break;
        }
        if SPIN_LIMIT - budget <= SPIN_BUSY {
            std::hint::spin_loop();
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        } else {
            std::thread::yield_now();
        }
    }
    budget
}

/// The port of set `set` whose first message was queued first.
fn first_ready(s: &State, set: crate::state::PsetId) -> Option<PortId> {
    let members = &s.psets.get(set)?.members;
    members
        .iter()
        .filter_map(|&m| {
            s.port(m)
                .and_then(|p| p.queue.front())
                .map(|k| (k.order, m))
        })
        .min()
        .map(|(_, m)| m)
}

/// Takes the first message off `p`: the message, its sequence number and the port's
/// context. Wakes a sender waiting for room.
fn dequeue(s: &mut State, p: PortId) -> Option<(Kmsg, u32, u64)> {
    let port = s.port_mut(p)?;
    let k = port.queue.pop_front()?;
    let seqno = port.seqno;
    port.seqno = port.seqno.wrapping_add(1);
    wake_one(&port.send_cv);
    let context = port.context;
    Some((k, seqno, context))
}

/// Writes `len` bytes of the format-0 trailer at `at`.
fn write_trailer(msg: &mut [u8], at: usize, len: usize, seqno: u32, k: &Kmsg, context: u64) {
    let mut t = [0u8; 68];
    t[4..8].copy_from_slice(&(len as u32).to_ne_bytes());
    t[8..12].copy_from_slice(&seqno.to_ne_bytes());
    for (i, w) in k.sender.security().iter().enumerate() {
        t[12 + i * 4..16 + i * 4].copy_from_slice(&w.to_ne_bytes());
    }
    for (i, w) in k.sender.audit().iter().enumerate() {
        t[20 + i * 4..24 + i * 4].copy_from_slice(&w.to_ne_bytes());
    }
    t[52..60].copy_from_slice(&context.to_ne_bytes());
    if let Some(dst) = msg.get_mut(at..at + len) {
        dst.copy_from_slice(&t[..len]);
    }
}

/// Copies in the rights and memory of the walked descriptors into `k`, in order. On
/// failure, the descriptors already copied in are in `k` (to be released with it).
fn copyin_body(
    s: &mut State,
    t: TaskId,
    walked: &[Walked],
    k: &mut Kmsg,
    work: &mut Vec<Carried>,
) -> Result<(), mach_msg_return_t> {
    // ipc_object_copyin: a null or dead name passes as it is, whatever the disposition;
    // dead names are taken with the send dispositions (DEADOK); every failure is
    // MACH_SEND_INVALID_RIGHT.
    let copyin = |s: &mut State, name: u32, d: u32, work: &mut Vec<Carried>| match name {
        MACH_PORT_NULL => Ok(Carried::Null),
        MACH_PORT_DEAD => Ok(Carried::Dead),
        _ => s
            .copyin(t, name, d, work)
            .map_err(|_| MACH_SEND_INVALID_RIGHT),
    };
    for w in walked {
        match *w {
            Walked::Port {
                at,
                name,
                disposition,
            } => {
                let right = copyin(s, name, disposition, work)?;
                k.descs.push(KDesc::Port {
                    at,
                    right,
                    type_name: carried_type(disposition),
                    guarded: false,
                });
            }
            Walked::Guarded {
                at,
                name,
                disposition,
                flags,
                context,
            } => {
                if valid_name(name) {
                    // ipc_right_copyin_check_guard_locked: the port must be unguarded (with
                    // UNGUARDED_ON_SEND) or guarded with exactly `context`.
                    let guard_ok = match s.lookup(t, name) {
                        Some(e) if e.rights & MACH_PORT_TYPE_RECEIVE != 0 => {
                            let Obj::Port(p) = e.object else {
                                return Err(MACH_SEND_INVALID_RIGHT);
                            };
                            s.port(p).is_some_and(|port| {
                                (flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND != 0
                                    && !port.guarded
                                    && context == 0)
                                    || (port.guarded && port.context == context)
                            })
                        }
                        _ => true,
                    };
                    if !guard_ok {
                        return Err(MACH_SEND_INVALID_RIGHT);
                    }
                }
                let right = copyin(s, name, disposition, work)?;
                k.descs.push(KDesc::Port {
                    at,
                    right,
                    type_name: carried_type(disposition),
                    guarded: true,
                });
            }
            Walked::Ool {
                at,
                address,
                size,
                deallocate,
            } => {
                let vm = &mut s.tasks.get_mut(t).ok_or(MACH_SEND_INVALID_MEMORY)?.vm;
                let data = vm
                    .read(address, size.into())
                    .ok_or(MACH_SEND_INVALID_MEMORY)?;
                if deallocate {
                    vm.deallocate_range(address, size.into());
                }
                k.descs.push(KDesc::Ool { at, data });
            }
            Walked::OolPorts {
                at,
                address,
                count,
                copy,
                disposition,
                deallocate,
            } => {
                if copy != MACH_MSG_PHYSICAL_COPY && copy != MACH_MSG_VIRTUAL_COPY {
                    return Err(MACH_SEND_INVALID_TYPE);
                }
                let len = u64::from(count) * 4;
                let vm = &mut s.tasks.get_mut(t).ok_or(MACH_SEND_INVALID_MEMORY)?.vm;
                let names = vm.read(address, len).ok_or(MACH_SEND_INVALID_MEMORY)?;
                if deallocate {
                    vm.deallocate_range(address, len);
                }
                let mut rights = Vec::with_capacity(count as usize);
                for i in 0..count as usize {
                    match copyin(s, get32(&names, i * 4), disposition, work) {
                        Ok(r) => rights.push(r),
                        Err(e) => {
                            work.extend(rights);
                            return Err(e);
                        }
                    }
                }
                k.descs.push(KDesc::OolPorts {
                    at,
                    rights,
                    type_name: carried_type(disposition),
                });
            }
            Walked::Unknown => return Err(MACH_SEND_INVALID_TYPE),
        }
    }
    Ok(())
}

/// Largest message-body buffer kept for reuse.
const BODY_POOL_MAX_BYTES: usize = 4096;
/// Most message-body buffers kept for reuse.
const BODY_POOL_MAX: usize = 64;

/// Writes the body of `k` into `msg` after the header, its rights copied out into `t` and
/// its out-of-line memory into `t`'s memory; returns the body's size as written.
///
/// Without `guarded_ok` (`MACH_RCV_GUARDED_DESC`), a guarded port descriptor is not delivered:
/// as in xnu-7195, its right is destroyed and a 12-byte port descriptor naming
/// `MACH_PORT_NULL` takes its place, so the message shrinks by 4 bytes.
fn copyout_body(
    s: &mut State,
    t: TaskId,
    k: Kmsg,
    msg: &mut [u8],
    guarded_ok: bool,
    work: &mut Vec<Carried>,
) -> usize {
    let Kmsg {
        mut body, descs, ..
    } = k;
    // Bytes of `body` already written (`pos`) and where the next ones go in `msg` (`out`).
    let (mut pos, mut out) = (0, HEADER);
    let copy = |msg: &mut [u8], from: usize, to: usize, out: &mut usize| {
        let n = to.saturating_sub(from);
        if let (Some(src), Some(dst)) = (body.get(from..to), msg.get_mut(*out..*out + n)) {
            dst.copy_from_slice(src);
        }
        *out += n;
    };
    for d in descs {
        let (at, size) = match &d {
            KDesc::Port { at, guarded, .. } => (*at, if *guarded { 16 } else { 12 }),
            KDesc::Ool { at, .. } | KDesc::OolPorts { at, .. } => (*at, 16),
        };
        // What lies before the descriptor (the count, before the first one).
        copy(msg, pos, at, &mut out);
        pos = at + size;
        if !guarded_ok
            && let KDesc::Port {
                right,
                type_name,
                guarded: true,
                ..
            } = d
        {
            work.push(right);
            if let Some(b) = msg.get_mut(out..out + 12) {
                b.fill(0);
                b[10] = type_name as u8;
                b[11] = MACH_MSG_PORT_DESCRIPTOR as u8;
            }
            out += 12;
            continue;
        }
        copy(msg, at, at + size, &mut out);
        let at = out - size;
        match d {
            KDesc::Port {
                right,
                type_name,
                guarded,
                ..
            } => {
                let name = s.copyout(t, right);
                if guarded {
                    // The guarded layout stays (flags, disposition, type, name); the context
                    // is not the sender's to show (xnu-7195 writes 0).
                    put64(msg, at, 0);
                    if let Some(b) = msg.get_mut(at + 10..at + 11) {
                        b[0] = type_name as u8;
                    }
                    put32(msg, at + 12, name);
                } else if let Some(b) = msg.get_mut(at..at + 12) {
                    b[0..4].copy_from_slice(&name.to_ne_bytes());
                    b[4..8].fill(0);
                    b[8..10].fill(0);
                    b[10] = type_name as u8;
                    b[11] = MACH_MSG_PORT_DESCRIPTOR as u8;
                }
            }
            KDesc::Ool { data, .. } => {
                let len = data.len() as u32;
                let address = match s.tasks.get_mut(t) {
                    Some(task) if !data.is_empty() => task.vm.allocate(data),
                    _ => 0,
                };
                put64(msg, at, address);
                if let Some(b) = msg.get_mut(at + 8..at + 10) {
                    // Received memory is the receiver's to deallocate.
                    b[0] = 0;
                    b[1] = MACH_MSG_VIRTUAL_COPY as u8;
                }
                put32(msg, at + 12, len);
            }
            KDesc::OolPorts {
                rights, type_name, ..
            } => {
                let mut names = Vec::with_capacity(rights.len() * 4);
                for r in rights {
                    names.extend_from_slice(&s.copyout(t, r).to_ne_bytes());
                }
                let count = (names.len() / 4) as u32;
                let address = match s.tasks.get_mut(t) {
                    Some(task) if !names.is_empty() => task.vm.allocate(names),
                    _ => 0,
                };
                put64(msg, at, address);
                if let Some(b) = msg.get_mut(at + 8..at + 11) {
                    b[0] = 0;
                    b[1] = MACH_MSG_VIRTUAL_COPY as u8;
                    b[2] = type_name as u8;
                }
                put32(msg, at + 12, count);
            }
        }
    }
    // The inline data after the last descriptor.
    copy(msg, pos, body.len(), &mut out);
    // The buffer goes back for the next message (small ones only, and not too many).
    if body.capacity() <= BODY_POOL_MAX_BYTES && s.bodies.len() < BODY_POOL_MAX {
        body.clear();
        s.bodies.push(body);
    }
    out - HEADER
}
