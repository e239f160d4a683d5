//! `mach_msg` (XNU's `mach_msg.c`, `ipc_kmsg.c` and `ipc_mqueue.c`): sending a message
//! (copying its rights and memory in from the sender's space), queueing it, and receiving
//! it (copying them out into the receiver's space), with XNU's return codes and XNU's
//! 64-bit user-space byte layout, read and written through [`crate::wire`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use zerocopy::{FromZeros, IntoBytes};

use crate::consts::*;
use crate::ipc_kmsg::{Body, Carried, Descs, KDesc, Kmsg};
use crate::ipc_mqueue::{Mailbox, Taken, count_off_delivered, dequeue, post};
use crate::ipc_notify::{Deferred, mark_in_transit, unmark_in_transit, would_be_circular};
use crate::ipc_object::{copy_send, make_send, make_send_once};
use crate::ipc_port::{Activity, Port, PortRef, Receiver};
use crate::ipc_pset::{PsetRef, same};
use crate::ipc_right::{
    RightError, carried_type, copyin, copyout, free_name, lookup, needed_right,
};
use crate::ipc_space::{Obj, Space};
use crate::lock::Guard;
use crate::message::{Descriptor, Descriptors, HEADER_SIZE, read, write};
use crate::task::{Task, TaskState};
use crate::wire::{
    MachMsgGuardedPortDescriptor64, MachMsgHeader, MachMsgMaxTrailer, MachMsgOolDescriptor64,
    MachMsgOolPortsDescriptor64, MachMsgPortDescriptor,
};

fn fail<T>(code: mach_msg_return_t) -> Result<T, KernReturn> {
    Err(KernReturn(code))
}

fn valid_name(name: mach_port_name_t) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

fn is_send_disposition(d: u32) -> bool {
    (MACH_MSG_TYPE_MOVE_SEND..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&d)
}

/// Walks the descriptors of a complex message (`body` = the bytes after the header) as
/// xnu-7195's first pass in `ipc_kmsg_copyin_body` does: sizes, OOL copy options, guarded
/// descriptor flags and the number of rights, before any descriptor is copied in.
fn walk_descriptors(body: &[u8]) -> Result<Vec<(usize, Descriptor)>, KernReturn> {
    let walk = Descriptors::in_body(body);
    let mut out = Vec::with_capacity(walk.size_hint().1.unwrap_or(0));
    let mut ports: u64 = 0;
    for d in walk {
        let (at, d) = d.map_err(|_| KernReturn(MACH_SEND_MSG_TOO_SMALL))?;
        match d {
            Descriptor::Port(_) => ports += 1,
            Descriptor::Ool(o) => {
                if o.copy() != MACH_MSG_PHYSICAL_COPY && o.copy() != MACH_MSG_VIRTUAL_COPY {
                    return fail(MACH_SEND_INVALID_TYPE);
                }
            }
            // The copy option is checked when the descriptor is copied in.
            Descriptor::OolPorts(o) => ports += u64::from(o.count),
            Descriptor::GuardedPort(g) => {
                // Guarded port: only a receive right, with a valid guard flag.
                let (flags, context) = (g.flags(), g.context);
                if g.disposition() != MACH_MSG_TYPE_MOVE_RECEIVE
                    || flags == 0
                    || flags & !MACH_MSG_GUARD_FLAGS_MASK != 0
                    || (flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND != 0 && context != 0)
                {
                    return fail(MACH_SEND_INVALID_TYPE);
                }
                ports += 1;
            }
            Descriptor::Unknown(_) => {}
        }
        out.push((at, d));
    }
    // xnu-7195: `total_ool_port_count >= MACH_PORT_UREFS_MAX / 4`, so 16383 rights are
    // already too many (later releases allow exactly 16383).
    if ports >= IPC_KMSG_MAX_OOL_PORT_COUNT {
        return fail(MACH_SEND_TOO_LARGE);
    }
    Ok(out)
}

/// Whether the reply right `name` can be copied in with `d` (ipc_right_copyin_check_reply):
/// a dead name (or a right whose port died) is fine for the dispositions that copy or move
/// a send or send-once right, and travels as `MACH_PORT_DEAD`.
fn reply_copyin_ok(sp: &mut Space, name: u32, d: u32) -> bool {
    match lookup(sp, name) {
        Some(e) if e.rights & MACH_PORT_TYPE_DEAD_NAME != 0 => matches!(
            d,
            MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE
        ),
        Some(e) => e.rights & needed_right(d) != 0,
        None => false,
    }
}

/// Copies a right named in a message in (a null or dead name as it is).
fn copyin_any(
    sp: &mut Space,
    name: u32,
    disposition: u32,
    d: &mut Deferred,
) -> Result<Carried, RightError> {
    match name {
        MACH_PORT_NULL => Ok(Carried::Null),
        MACH_PORT_DEAD => Ok(Carried::Dead),
        _ => copyin(sp, name, disposition, d),
    }
}

/// `MACH_SEND_NOTIFY` (xnu-7195 `ipc_kmsg_copyin_header`, after the header rights were
/// copied in): when the destination was not copied in as a send-once right and the sender's
/// name for it still has a request, a full queue arms that name's send-possible request;
/// a queue with room makes the send `MACH_SEND_ALWAYS` (returned true), so that no armed
/// notification can be missed between this check and the queueing. The last send uref
/// moved away frees the name, and then nothing happens.
fn send_notify(sp: &Space, remote: mach_port_name_t, dest: &Carried) -> bool {
    let Carried::Send(p) = dest else {
        return false;
    };
    if !sp.get(remote).is_some_and(|e| e.request) {
        return false;
    }
    let mut port = p.lock();
    if !port.is_active() || matches!(port.receiver, Receiver::Kernel) {
        return false;
    }
    if port.is_full() {
        port.request_sparm(sp.task, remote);
        false
    } else {
        true
    }
}

/// What a receive does with a guarded port descriptor.
#[derive(Clone, Copy, Debug)]
enum GuardedDesc {
    /// The receiver did not ask for them (`MACH_RCV_GUARDED_DESC`): as in xnu-7195.141.2
    /// (`ipc_kmsg_copyout_guarded_port_descriptor`) the right is destroyed and a 12-byte port
    /// descriptor naming `MACH_PORT_NULL` takes its place, so the message shrinks by 4 bytes.
    Destroy,
    /// Delivered, in the 16-byte layout; an immovable receive right is guarded with the
    /// receive buffer's `address` (and made immovable again, if `immovable`).
    Deliver { address: u64, immovable: bool },
}

/// How many times a receiver looks at a port's activity, pausing the CPU (`spin_loop`)
/// between two looks, before it starts yielding: some 2 µs where a pause takes 35 ns (the
/// AMD EPYC measured; recent Intel parts pause longer), more than a reply from another core
/// takes to come.
const SPIN_BUSY: u32 = 64;
/// Then it yields the CPU at every this many looks, so that a sender sharing its core can
/// run (a round trip between two threads on one core took 16 µs with 256 busy looks before
/// the first yield, 10 µs with these; crossbeam's channel, 9 µs).
const SPIN_YIELD_EVERY: u32 = 64;
/// It sleeps after this many yields: some 50 µs of looking in all. More than a sleeper
/// takes to wake (some 25 µs there), so that a receiver whose sender was asleep does not
/// fall asleep in turn (with 9 µs of looking, chains of sleeps made ten times as many futex
/// calls); few, as each yield to a runnable thread of lower priority may hand it the core
/// for a time slice (under EEVDF, every yield puts off the yielder's deadline by a slice),
/// while a sleeper woken by a message preempts it. With 768 yields back to back, round trips
/// on two cores shared with niced compilers took some 1.3 times as long.
const SPIN_YIELDS: u32 = 16;
/// How many times, in all, a receiver looks at a port's activity before it sleeps.
const SPIN_LIMIT: u32 = SPIN_BUSY + SPIN_YIELDS * SPIN_YIELD_EVERY;

/// Watches `activity` until it moves away from `seen`, `arrived` says yes (a message was
/// handed over), `budget` looks are used up or the deadline passes; returns the looks left.
fn spin_for_activity(
    activity: &AtomicU64,
    seen: u64,
    mut budget: u32,
    deadline: Option<Instant>,
    mut arrived: impl FnMut() -> bool,
) -> u32 {
    while budget > 0 {
        budget -= 1;
        if activity.load(Ordering::Acquire) != seen || arrived() {
            break;
        }
        // Looks made so far, this one included.
        let made = SPIN_LIMIT - budget;
        if made <= SPIN_BUSY || !(made - SPIN_BUSY).is_multiple_of(SPIN_YIELD_EVERY) {
            std::hint::spin_loop();
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        } else {
            std::thread::yield_now();
        }
    }
    budget
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
        if option & MACH_SEND_MSG != 0 {
            let t = (option & MACH_SEND_TIMEOUT != 0).then_some(timeout);
            self.send(msg, option, send_size, t)?;
        }
        if option & MACH_RCV_MSG != 0 {
            let t = (option & MACH_RCV_TIMEOUT != 0).then_some(timeout);
            self.receive(msg, option, rcv_size, rcv_name, t)?;
        }
        Ok(())
    }

    fn send(
        &self,
        msg: &mut [u8],
        option: mach_msg_option_t,
        send_size: u32,
        timeout: Option<u32>,
    ) -> Result<(), KernReturn> {
        if send_size < HEADER_SIZE as u32 || !send_size.is_multiple_of(4) {
            return fail(MACH_SEND_MSG_TOO_SMALL);
        }
        if send_size > IPC_KMSG_MAX_BODY_SPACE {
            return fail(MACH_SEND_TOO_LARGE);
        }
        let size = send_size as usize;
        let Some(h) = msg.get(..size).and_then(MachMsgHeader::read) else {
            return fail(MACH_SEND_INVALID_DATA);
        };
        let (bits, remote, local, voucher) = (
            h.msgh_bits,
            h.msgh_remote_port,
            h.msgh_local_port,
            h.msgh_voucher_port,
        );
        if h.is_complex() && size < HEADER_SIZE + 4 {
            return fail(MACH_SEND_MSG_TOO_SMALL);
        }
        // The header (ipc_kmsg_copyin_header, in xnu-7195's order), checked before any right
        // moves.
        if bits & !MACH_MSGH_BITS_USER != 0 {
            return fail(MACH_SEND_INVALID_HEADER);
        }
        let (rd, ld, vd) = (
            h.remote_disposition(),
            h.local_disposition(),
            h.voucher_disposition(),
        );
        if !is_send_disposition(rd)
            || (ld == 0 && local != MACH_PORT_NULL)
            || (ld != 0 && !is_send_disposition(ld))
        {
            return fail(MACH_SEND_INVALID_HEADER);
        }
        if remote == MACH_PORT_NULL || remote == MACH_PORT_DEAD {
            return fail(MACH_SEND_INVALID_DEST);
        }
        let mut ts = self
            .space()
            .map_err(|_| KernReturn(MACH_SEND_INVALID_DEST))?;
        // No voucher objects exist here: a voucher right is never a valid voucher.
        if vd != 0
            && (voucher != MACH_PORT_NULL
                || (vd != MACH_MSG_TYPE_MOVE_SEND && vd != MACH_MSG_TYPE_COPY_SEND))
        {
            return fail(MACH_SEND_INVALID_VOUCHER);
        }
        let sp = &mut ts.space;
        let mut d = Deferred::default();
        // The destination name must exist (any entry will do at this point); then the reply
        // right must be one the copyin below can take; then the destination right.
        let Some(dest_entry) = sp.get(remote) else {
            return fail(MACH_SEND_INVALID_DEST);
        };
        let (dest_rights, dest_request) = (dest_entry.rights, dest_entry.request);
        // Whether the name holds a port, and whether that port is alive (read without a
        // reference to it: the entry's own is enough while the space is locked).
        let dest_alive = dest_entry.port().map(|p| p.is_active());
        if valid_name(local) {
            if sp.get(local).is_none() || !reply_copyin_ok(sp, local, ld) {
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
        let dead_send_once = dest_alive == Some(false)
            && rd == MACH_MSG_TYPE_MOVE_SEND_ONCE
            && dest_rights & MACH_PORT_TYPE_SEND_ONCE != 0
            && !dest_request;
        // The entry read above answers for a live port; only a dead one needs the lookup that
        // turns it into a dead name (and then it holds no right).
        let dest_ok = dest_alive.is_some_and(|alive| {
            dest_rights & needed_right(rd) != 0
                && (dest_rights & MACH_PORT_TYPE_RECEIVE != 0 || alive)
        });
        if !dead_send_once && !dest_ok {
            let _ = lookup(sp, remote);
            return fail(MACH_SEND_INVALID_DEST);
        }
        if remote == local
            && rd == MACH_MSG_TYPE_MOVE_SEND
            && ld == MACH_MSG_TYPE_MOVE_SEND
            && lookup(sp, remote).map_or(0, |e| e.urefs) < 2
        {
            return fail(MACH_SEND_INVALID_DEST);
        }
        // Copy the header rights in: on one name, the one that does not move goes first.
        let moves = |d| d == MACH_MSG_TYPE_MOVE_SEND || d == MACH_MSG_TYPE_MOVE_SEND_ONCE;
        if !h.is_complex()
            && remote != local
            && option & MACH_SEND_NOTIFY == 0
            && !dead_send_once
            && (matches!(
                rd,
                MACH_MSG_TYPE_COPY_SEND | MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE
            ) || rd == MACH_MSG_TYPE_MOVE_SEND_ONCE && !dest_request)
        {
            return self.send_simple(ts, msg, size, h, timeout, d);
        }
        let (dest, reply) = match () {
            () if dead_send_once => {
                // The entry's port, out of the freed entry: the right it held moves.
                let p = free_name(sp, remote, &mut d).and_then(|e| match e.object {
                    Obj::Port(p) => Some(p),
                    _ => None,
                });
                let reply = copyin_any(sp, local, ld, &mut d);
                (p.map(Carried::SendOnce).ok_or(RightError::Name), reply)
            }
            _ if remote == local && moves(rd) && !moves(ld) => {
                let reply = copyin(sp, local, ld, &mut d);
                let dest = copyin(sp, remote, rd, &mut d);
                (dest, reply)
            }
            _ => {
                let dest = copyin(sp, remote, rd, &mut d);
                let reply = copyin_any(sp, local, ld, &mut d);
                (dest, reply)
            }
        };
        let (dest, reply) = match (dest, reply) {
            (Ok(dest), Ok(reply)) => (dest, reply),
            (dest, reply) => {
                // Checked above; undo whatever did get copied in.
                for x in [dest, reply].into_iter().flatten() {
                    d.release(x);
                }
                drop(ts);
                self.run(&mut d);
                return fail(MACH_SEND_INVALID_DEST);
            }
        };
        let always = option & MACH_SEND_NOTIFY != 0 && send_notify(sp, remote, &dest);
        let mut k = self.kmsg(&h, &msg[HEADER_SIZE..size], dest, reply);
        // The body (ipc_kmsg_copyin_body): xnu-7195 walks the descriptors only now, after the
        // header rights were copied in, so any failure from here on destroys those rights
        // (and the descriptors copied in before the failing one).
        let body = if h.is_complex() {
            walk_descriptors(&msg[HEADER_SIZE..size])
                .and_then(|walked| self.copyin_body(sp, &walked, &mut k, &mut d))
        } else {
            Ok(())
        };
        drop(ts);
        if let Err(code) = body {
            d.destroy(k);
            self.run(&mut d);
            return Err(code);
        }
        self.run(&mut d);
        match k.remote.port().cloned() {
            Some(p) => self.queue(p, k, always, timeout, Some(msg)),
            None => {
                d.destroy(k);
                self.run(&mut d);
                Ok(())
            }
        }
    }

    /// The message this task sends with header `h` and the bytes `body` after it, its header
    /// rights copied in as `dest` and `reply` (no descriptors yet).
    fn kmsg(&self, h: &MachMsgHeader, body: &[u8], dest: Carried, reply: Carried) -> Kmsg {
        let (ld, vd) = (h.local_disposition(), h.voucher_disposition());
        Kmsg {
            bits: h.msgh_bits & !MACH_MSGH_BITS_PORTS_MASK,
            remote: dest,
            remote_type: carried_type(h.remote_disposition()),
            local: reply,
            local_type: if ld == 0 { 0 } else { carried_type(ld) },
            id: h.msgh_id,
            body: Body::copy_of(body),
            descs: Descs::default(),
            sender: self.obj.sender,
            order: 0,
            // A voucher name sent without a disposition arrives as it was.
            voucher_name: if vd == 0 { h.msgh_voucher_port } else { 0 },
        }
    }

    /// The rest of a send (its header checked, the destination and reply rights shown to be
    /// there) for the messages most sends are: no descriptors, a reply right on another
    /// name, no `MACH_SEND_NOTIFY`, and a destination right that is copied (`COPY_SEND`),
    /// made (`MAKE_SEND`, `MAKE_SEND_ONCE`) or is a send-once right with no request on its
    /// name: a MIG request or reply.
    ///
    /// The same as the general path, with one lock fewer: the destination right is counted
    /// under the port lock that queues the message, the space still locked (space before
    /// port, in the lock order), so the send takes the port's lock once and no reference to
    /// it. The reply right is copied in first, where XNU copies the destination first; on two
    /// names, copying the destination in has no effect but its count, so the order shows
    /// nowhere. Whatever stops the message from being queued at once (a full queue, a dead
    /// port, a kernel object, a notification the reply's copyin left to send first) goes on
    /// as the general path does, from `queue`.
    fn send_simple(
        &self,
        mut ts: Guard<'_, TaskState>,
        msg: &mut [u8],
        size: usize,
        h: MachMsgHeader,
        timeout: Option<u32>,
        mut d: Deferred,
    ) -> Result<(), KernReturn> {
        let (remote, rd) = (h.msgh_remote_port, h.remote_disposition());
        let sp = &mut ts.space;
        let Ok(reply) = copyin_any(sp, h.msgh_local_port, h.local_disposition(), &mut d) else {
            // Checked by the caller (reply_copyin_ok).
            drop(ts);
            self.run(&mut d);
            return fail(MACH_SEND_INVALID_DEST);
        };
        let mut k = self.kmsg(&h, &msg[HEADER_SIZE..size], Carried::Null, reply);
        // A moved send-once right leaves the space with its name (no request: nothing to
        // tell); the others stay, and the entry's reference to the port serves.
        let moved = if rd == MACH_MSG_TYPE_MOVE_SEND_ONCE {
            free_name(sp, remote, &mut d)
        } else {
            None
        };
        let Some(p) = moved
            .as_ref()
            .map_or_else(|| sp.get(remote), Some)
            .and_then(|e| e.port())
        else {
            // Checked by the caller (dest_ok).
            d.destroy(k);
            drop(ts);
            self.run(&mut d);
            return fail(MACH_SEND_INVALID_DEST);
        };
        let send_once = carried_type(rd) == MACH_MSG_TYPE_PORT_SEND_ONCE;
        let mut port = p.lock();
        match rd {
            MACH_MSG_TYPE_COPY_SEND => copy_send(&mut port),
            MACH_MSG_TYPE_MAKE_SEND => make_send(&mut port),
            MACH_MSG_TYPE_MAKE_SEND_ONCE => make_send_once(&mut port),
            _ => {}
        }
        if d.is_empty()
            && port.is_active()
            && !matches!(port.receiver, Receiver::Kernel)
            && (port.queue.len() as u32) < MACH_PORT_QLIMIT_KERNEL
            && (send_once || !port.is_full())
        {
            // Given to a receiver already waiting, or queued as `queue` would at once; the
            // right the message carries to its destination is the one just counted (the
            // queue holds no reference for it).
            post(p, port, k, &self.kernel.shared.order, &mut d);
            drop(ts);
            drop(moved);
            self.run(&mut d);
            return Ok(());
        }
        drop(port);
        let p = Arc::clone(p);
        k.remote = if send_once {
            Carried::SendOnce(Arc::clone(&p))
        } else {
            Carried::Send(Arc::clone(&p))
        };
        drop(ts);
        drop(moved);
        self.run(&mut d);
        self.queue(p, k, false, timeout, Some(msg))
    }

    /// Queues `k` on `p`, waiting for room if the queue is full (unless `always`, XNU's
    /// `MACH_SEND_ALWAYS`: then only the kernel's limit of 65534 counts). A message that
    /// cannot be queued comes back into `msg` (a pseudo-receive); a kernel reply to a message
    /// sent to a kernel object (`msg` = `None`) is destroyed instead, and the send succeeds.
    pub(crate) fn queue(
        &self,
        p: PortRef,
        mut k: Kmsg,
        always: bool,
        timeout: Option<u32>,
        msg: Option<&mut [u8]>,
    ) -> Result<(), KernReturn> {
        let shared = &self.kernel.shared;
        let mut d = Deferred::default();
        let exempt = always || matches!(k.remote, Carried::SendOnce(_));
        let carries_receive = k.receive_rights().next().is_some();
        let deadline = timeout.map(|ms| Instant::now() + Duration::from_millis(ms.into()));
        loop {
            // A receive right sent into its own port (or into a port inside it) makes a
            // cycle: the message is destroyed, and the send succeeds.
            let transit = carries_receive.then(|| shared.transit.lock());
            if carries_receive {
                if k.receive_rights().any(|r| would_be_circular(r, &p)) {
                    drop(transit);
                    d.destroy(k);
                    self.run(&mut d);
                    return Ok(());
                }
                mark_in_transit(&k, &p);
            }
            let mut port = p.lock();
            // A kernel object's port: the kernel receives the message and answers it.
            if matches!(port.receiver, Receiver::Kernel) {
                port.seqno = port.seqno.wrapping_add(1);
                drop(port);
                drop(transit);
                return self.kobject_send(k, timeout);
            }
            // A port that died meanwhile: delivered, then destroyed.
            if !port.is_active() {
                drop(port);
                drop(transit);
                d.destroy(k);
                self.run(&mut d);
                return Ok(());
            }
            let len = port.queue.len() as u32;
            if len >= MACH_PORT_QLIMIT_KERNEL {
                drop(port);
                if carries_receive {
                    unmark_in_transit(k.receive_rights());
                }
                drop(transit);
                return self.pseudo_receive(k, msg, MACH_SEND_NO_BUFFER);
            }
            if exempt || !port.is_full() {
                // Given to a receiver already waiting, or queued. Either way the reference the
                // message holds on its destination goes (after the port's lock), and the right
                // is counted off by the handoff or the receive.
                let dest = std::mem::replace(&mut k.remote, Carried::Null);
                let carried: Vec<PortRef> = if carries_receive {
                    k.receive_rights().cloned().collect()
                } else {
                    Vec::new()
                };
                if post(&p, port, k, &shared.order, &mut d) {
                    // Handed to a thread, the receive rights are in no queue: a right sent
                    // into one of them before the copyout makes no cycle through this port.
                    // (Still under the circularity lock, so no check saw the marks; one the
                    // receiver has already copied out is left as it is.)
                    unmark_in_transit(&carried);
                }
                drop(dest);
                drop(transit);
                self.run(&mut d);
                return Ok(());
            }
            // Full: wait for room, holding nothing but the port.
            if carries_receive {
                drop(port);
                unmark_in_transit(k.receive_rights());
                drop(transit);
                port = p.lock();
                if !port.is_active() || !port.is_full() {
                    continue;
                }
            }
            let wait = match deadline {
                None => None,
                Some(dl) => {
                    let now = Instant::now();
                    if now >= dl {
                        drop(port);
                        return self.pseudo_receive(k, msg, MACH_SEND_TIMED_OUT);
                    }
                    Some(dl - now)
                }
            };
            port.send_waiters += 1;
            (port, _) = port.wait(&p.send_cv, wait);
            port.send_waiters -= 1;
        }
    }

    /// A send that failed after its message was copied in gives the message back: its rights
    /// go into the sender's space as if received (header not swapped, no trailer).
    ///
    /// A kernel reply (no `msg`) is destroyed instead, and the send it answers succeeds
    /// (xnu-7195.141.2 `ipc_kmsg_send`).
    fn pseudo_receive(
        &self,
        mut k: Kmsg,
        msg: Option<&mut [u8]>,
        code: mach_msg_return_t,
    ) -> Result<(), KernReturn> {
        let mut d = Deferred::default();
        let Some(msg) = msg else {
            d.destroy(k);
            self.run(&mut d);
            return Ok(());
        };
        let mut ts = self.obj.lock();
        let bits = k.bits & !MACH_MSGH_BITS_PORTS_MASK | k.remote_type | k.local_type << 8;
        let size = k.size_for(true) as u32;
        let remote = copyout(&mut ts.space, k.remote.clone(), &mut d);
        let local = copyout(&mut ts.space, k.local.clone(), &mut d);
        let voucher = read::<MachMsgHeader>(msg, 0).map_or(0, |h| h.msgh_voucher_port);
        MachMsgHeader {
            msgh_bits: bits,
            msgh_size: size,
            msgh_remote_port: remote,
            msgh_local_port: local,
            msgh_voucher_port: voucher,
            msgh_id: k.id,
        }
        .write(msg);
        // A pseudo-receive takes guarded descriptors whatever the options, without making
        // the right immovable (xnu-7195.141.2 ipc_right_copyout, ITH_KNOTE_PSEUDO).
        let guarded = GuardedDesc::Deliver {
            address: msg.as_ptr() as u64,
            immovable: false,
        };
        self.copyout_body(&mut ts.space, &mut k, msg, guarded, &mut d);
        drop(ts);
        self.run(&mut d);
        fail(code)
    }

    fn receive(
        &self,
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
        let task = self.id();
        let mut d = Deferred::default();
        let deadline = timeout.map(|ms| Instant::now() + Duration::from_millis(ms.into()));
        let mut spin = SPIN_LIMIT;
        // The port's activity, once this receive has waited: the port is looked up by name
        // again at every look, so that a waiting receiver does not hold the port itself
        // (but while it waits in its mailbox, below, when no send's copyin writes the
        // port's reference count).
        let mut watching: Option<Arc<Activity>> = None;
        // The port this receive waits on in its mailbox, while it does (see `ipc_mqueue`).
        let mut armed: Option<PortRef> = None;
        loop {
            let wait = deadline.map(|dl| dl.saturating_duration_since(Instant::now()));
            // Out of time (or given none): the queue is looked at, and no wait follows.
            let expired = wait.is_some_and(|w| w.is_zero());
            let mut ts = self.obj.lock();
            if let Some(ap) = armed.take() {
                // Stopped waiting first; then a message handed off before that is this
                // receive's, whatever became of the port since.
                if let Some(taken) = Mailbox::with(Mailbox::disarm).flatten() {
                    return self.deliver_to_user(
                        taken,
                        msg,
                        option,
                        rcv_size,
                        (Some(ts), Some(&ap)),
                        d,
                    );
                }
            }
            let p = match lookup(&mut ts.space, rcv_name) {
                Some(e) if e.rights & MACH_PORT_TYPE_RECEIVE != 0 => match &e.object {
                    Obj::Port(p) => p,
                    _ if watching.is_some() => return fail(MACH_RCV_PORT_CHANGED),
                    _ => return fail(MACH_RCV_INVALID_NAME),
                },
                Some(e) if watching.is_none() => match &e.object {
                    Obj::Pset(s) => {
                        let set = Arc::clone(s);
                        drop(ts);
                        let (taken, from) = self.receive_from_set(
                            &set, msg, option, rcv_size, rcv_name, deadline, &mut d,
                        )?;
                        return self.deliver_to_user(
                            taken,
                            msg,
                            option,
                            rcv_size,
                            (None, Some(&from)),
                            d,
                        );
                    }
                    _ => return fail(MACH_RCV_INVALID_NAME),
                },
                None if watching.is_none() => return fail(MACH_RCV_INVALID_NAME),
                // Destroyed or moved away while we waited.
                _ => return fail(MACH_RCV_PORT_CHANGED),
            };
            if watching
                .as_ref()
                .is_some_and(|a| !Arc::ptr_eq(a, &p.activity))
            {
                return fail(MACH_RCV_PORT_CHANGED);
            }
            let trailer = REQUESTED_TRAILER_SIZE(option) as usize;
            // A port this thread saw empty, with nothing queued since, is waited on without
            // its lock (the receive right is this space's, the space being locked): the
            // lock's line stays with the senders. (See `ipc_mqueue`.) A receive that will not
            // wait looks at the queue itself.
            let known = if spin > 0 && !expired {
                Mailbox::with(|m| m.known_empty(p)).flatten()
            } else {
                None
            };
            let seen = if let Some(seen) = known {
                seen
            } else {
                // The port is taken with the space still locked (space before port, in the
                // lock order), and the message copied out under that same lock.
                let mut port = p.lock();
                if !port.receiver.is(task, rcv_name) {
                    return fail(MACH_RCV_PORT_CHANGED);
                }
                if port.queue.front().is_some_and(|head| {
                    head.descs.is_empty() && head.size_for(true) + trailer <= rcv_size
                }) && let Some((mut k, seqno)) = dequeue(p, &mut port)
                {
                    // The usual receive, taken and copied out at once: a message with no
                    // descriptors that fits (`take` and `deliver_to_user` with none of their
                    // other cases).
                    count_off_delivered(&mut port, k.remote_type, &mut d);
                    let got = (seqno, port.context, rcv_name);
                    drop(port);
                    self.write_out(&mut ts.space, &mut k, got, msg, option, &mut d);
                    drop(ts);
                    drop(k);
                    self.run(&mut d);
                    return Ok(());
                }
                if !port.queue.is_empty() {
                    let taken = self.take(p, &mut port, msg, option, rcv_size, &mut d)?;
                    drop(port);
                    return self.deliver_to_user(taken, msg, option, rcv_size, (Some(ts), None), d);
                }
                if spin == 0 && !expired {
                    // Sleep on the port, holding only its lock (and a reference to it).
                    watching.get_or_insert_with(|| Arc::clone(&p.activity));
                    let p = Arc::clone(p);
                    drop(port);
                    drop(ts);
                    let mut port = p.lock();
                    if port.queue.is_empty() && port.receiver.is(task, rcv_name) {
                        port.recv_waiters += 1;
                        (port, _) = port.wait(&p.recv_cv, wait);
                        port.recv_waiters -= 1;
                    }
                    continue;
                }
                let seen = p.activity.0.load(Ordering::Acquire);
                Mailbox::with(|m| m.register(p, &mut port, seen));
                seen
            };
            if expired {
                return fail(MACH_RCV_TIMED_OUT);
            }
            // Before sleeping (a wake-up costs microseconds), watch for a message for a
            // moment with no lock held, waiting in the mailbox for a send to hand its message
            // straight over if it can.
            let activity = watching.get_or_insert_with(|| Arc::clone(&p.activity));
            let room = rcv_size.saturating_sub(trailer);
            let room = u32::try_from(room).unwrap_or(u32::MAX);
            let guarded_ok = option & MACH_RCV_GUARDED_DESC != 0;
            if Mailbox::with(|m| m.arm(p, room, guarded_ok)) == Some(true) {
                armed = Some(Arc::clone(p));
            }
            drop(ts);
            let mut handed = None;
            spin = match armed {
                Some(_) => Mailbox::with(|m| {
                    let left = spin_for_activity(&activity.0, seen, spin, deadline, || m.raised());
                    handed = m.arrived();
                    left
                }),
                None => None,
            }
            .unwrap_or_else(|| spin_for_activity(&activity.0, seen, spin, deadline, || false));
            if let Some(taken) = handed {
                // The sender stopped this thread's waiting.
                let from = armed.take();
                return self.deliver_to_user(
                    taken,
                    msg,
                    option,
                    rcv_size,
                    (None, from.as_ref()),
                    d,
                );
            }
        }
    }

    /// Waits for a message on a member of `set` (a receive on a port set) and takes it off
    /// its port.
    #[allow(clippy::too_many_arguments)]
    fn receive_from_set(
        &self,
        set: &PsetRef,
        msg: &mut [u8],
        option: mach_msg_option_t,
        rcv_size: usize,
        rcv_name: mach_port_name_t,
        deadline: Option<Instant>,
        d: &mut Deferred,
    ) -> Result<(Taken, PortRef), KernReturn> {
        let task = self.id();
        let mut spin = SPIN_LIMIT;
        loop {
            let wait = deadline.map(|dl| dl.saturating_duration_since(Instant::now()));
            let mut s = set.lock();
            if s.owner != Some((task, rcv_name)) {
                return fail(MACH_RCV_PORT_CHANGED);
            }
            // Read before the members are looked at: a message queued on one after its look
            // bumps the set's activity after that (once its port is unlocked), so a spin from
            // here sees it.
            let seen = set.activity.0.load(Ordering::Acquire);
            // The member whose first message was queued first.
            let ready = s
                .members
                .iter()
                .filter_map(|m| {
                    let port = m.lock();
                    let member = port.psets.iter().any(|x| same(x, set));
                    port.queue
                        .front()
                        .filter(|_| member)
                        .map(|k| (k.order, Arc::clone(m)))
                })
                .min_by_key(|(order, _)| *order);
            if let Some((_, p)) = ready {
                let mut port = p.lock();
                if port.queue.is_empty() {
                    continue;
                }
                drop(s);
                let taken = self.take(&p, &mut port, msg, option, rcv_size, d)?;
                drop(port);
                return Ok((taken, p));
            }
            if wait.is_some_and(|w| w.is_zero()) {
                return fail(MACH_RCV_TIMED_OUT);
            }
            if spin > 0 {
                drop(s);
                spin = spin_for_activity(&set.activity.0, seen, spin, deadline, || false);
                continue;
            }
            s.waiters += 1;
            (s, _) = s.wait(&set.cv, wait);
            s.waiters -= 1;
        }
    }

    /// Takes the first message off the locked port `p`, or leaves it there for
    /// `MACH_RCV_LARGE` (then fails with `MACH_RCV_TOO_LARGE`, the size written into `msg`).
    fn take(
        &self,
        p: &PortRef,
        port: &mut Guard<'_, Port>,
        msg: &mut [u8],
        option: mach_msg_option_t,
        rcv_size: usize,
        d: &mut Deferred,
    ) -> Result<Taken, KernReturn> {
        let trailer = REQUESTED_TRAILER_SIZE(option) as usize;
        let dest_name = match port.receiver {
            Receiver::Task(_, n) => n,
            _ => MACH_PORT_NULL,
        };
        let Some(head) = port.queue.front() else {
            return fail(MACH_RCV_PORT_CHANGED);
        };
        let needed = head.size_for(option & MACH_RCV_GUARDED_DESC != 0);
        let too_large = needed + trailer > rcv_size;
        if too_large && option & MACH_RCV_LARGE != 0 {
            // The message stays; the caller learns its size (without the trailer).
            if rcv_size >= 16 {
                write(msg, 4, &(needed as u32));
                if option & MACH_RCV_LARGE_IDENTITY != 0 {
                    write(msg, 12, &dest_name);
                }
            }
            return fail(MACH_RCV_TOO_LARGE);
        }
        let Some((mut k, seqno)) = dequeue(p, port) else {
            return fail(MACH_RCV_PORT_CHANGED);
        };
        if too_large {
            // Destroyed with the rest of the message, as a right: the queue holds no
            // reference for it (see `enqueue`), so the right gets one back.
            k.remote = match k.remote_type {
                MACH_MSG_TYPE_PORT_SEND => Carried::Send(Arc::clone(p)),
                MACH_MSG_TYPE_PORT_SEND_ONCE => Carried::SendOnce(Arc::clone(p)),
                _ => Carried::Null,
            };
        } else {
            // The destination right is used up by the delivery: counted off here, under the
            // lock already held.
            count_off_delivered(port, k.remote_type, d);
        }
        Ok(Taken {
            k,
            seqno,
            context: port.context,
            dest_name,
            too_large,
        })
    }

    /// Writes a taken message into `msg`: header, body with its rights and memory copied out
    /// into this task, trailer. `at.0` is this task's state, if the caller holds it since it
    /// took the message; `at.1` the port the message came from if it was taken without this
    /// space locked (handed over, or off a member of a port set), when the space may have
    /// died or the receive right moved since.
    fn deliver_to_user(
        &self,
        taken: Taken,
        msg: &mut [u8],
        option: mach_msg_option_t,
        rcv_size: usize,
        at: (Option<Guard<'_, TaskState>>, Option<&PortRef>),
        mut d: Deferred,
    ) -> Result<(), KernReturn> {
        let Taken {
            mut k,
            seqno,
            context,
            mut dest_name,
            too_large,
        } = taken;
        let (ts, from) = at;
        let mut ts = ts.unwrap_or_else(|| self.obj.lock());
        if let Some(p) = from {
            dest_name = receiver_name_now(&ts.space, p, dest_name, k.remote_type, &mut d);
            if !ts.alive && !too_large {
                // xnu-7195.141.2 ipc_kmsg_copyout_header: no space to copy into; the
                // message is destroyed (its destination right was dealt with above).
                drop(ts);
                d.destroy(k);
                self.run(&mut d);
                return fail(MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE);
            }
        }
        if too_large {
            let trailer = REQUESTED_TRAILER_SIZE(option) as usize;
            // Dequeued and destroyed: the receiver gets a bare header and what trailer fits.
            let result = if rcv_size < HEADER_SIZE {
                fail(MACH_RCV_INVALID_DATA)
            } else {
                // ipc_kmsg_copyout_dest: the reply right is destroyed (a dead one still reads
                // MACH_PORT_DEAD), the voucher name is passed through as on a normal receive.
                let reply = if matches!(k.local, Carried::Dead) {
                    MACH_PORT_DEAD
                } else {
                    MACH_PORT_NULL
                };
                received_header(&k, HEADER_SIZE, reply, dest_name).write(msg);
                // msg_receive_error: the trailer is the kernel's template (kernel security
                // token), with the seqno, context and requested size; it is cut to the buffer.
                let fits = trailer.min(rcv_size - HEADER_SIZE);
                let mut t = make_trailer(seqno, crate::ipc_kmsg::Sender::KERNEL, context, trailer);
                t.msgh_trailer_size = trailer as u32;
                copy_prefix(msg, HEADER_SIZE, &t.as_bytes()[..fits]);
                fail(MACH_RCV_TOO_LARGE)
            };
            drop(ts);
            d.destroy(k);
            self.run(&mut d);
            return result;
        }
        self.write_out(
            &mut ts.space,
            &mut k,
            (seqno, context, dest_name),
            msg,
            option,
            &mut d,
        );
        drop(ts);
        self.run(&mut d);
        Ok(())
    }

    /// Copies the received message `k` out into `msg` and this task's space `sp`: header,
    /// body with its rights and memory, and the trailer `option` asks for. `got` is what the
    /// receive learnt from the port: sequence number, context, and the name the message
    /// arrived on. (The destination right was counted off when the message was taken.)
    fn write_out(
        &self,
        sp: &mut Space,
        k: &mut Kmsg,
        got: (u32, u64, mach_port_name_t),
        msg: &mut [u8],
        option: mach_msg_option_t,
        d: &mut Deferred,
    ) {
        let (seqno, context, dest_name) = got;
        let trailer = REQUESTED_TRAILER_SIZE(option) as usize;
        let size = k.size_for(option & MACH_RCV_GUARDED_DESC != 0);
        let reply = copyout(sp, std::mem::replace(&mut k.local, Carried::Null), d);
        received_header(k, size, reply, dest_name).write(msg);
        let t = make_trailer(seqno, k.sender, context, trailer);
        copy_prefix(msg, size, &t.as_bytes()[..trailer]);
        let guarded = if option & MACH_RCV_GUARDED_DESC != 0 {
            GuardedDesc::Deliver {
                address: msg.as_ptr() as u64,
                immovable: true,
            }
        } else {
            GuardedDesc::Destroy
        };
        self.copyout_body(sp, k, msg, guarded, d);
    }

    /// Copies in the rights and memory of the walked descriptors into `k`, in order. On
    /// failure, the descriptors already copied in are in `k` (to be released with it).
    fn copyin_body(
        &self,
        sp: &mut Space,
        walked: &[(usize, Descriptor)],
        k: &mut Kmsg,
        d: &mut Deferred,
    ) -> Result<(), KernReturn> {
        // ipc_object_copyin: a null or dead name passes as it is, whatever the disposition;
        // dead names are taken with the send dispositions (DEADOK); every failure is
        // MACH_SEND_INVALID_RIGHT.
        let copyin = |sp: &mut Space, name: u32, disposition: u32, d: &mut Deferred| {
            copyin_any(sp, name, disposition, d).map_err(|e| {
                self.immovable(name, e);
                KernReturn(MACH_SEND_INVALID_RIGHT)
            })
        };
        for &(at, desc) in walked {
            match desc {
                Descriptor::Port(pd) => {
                    let right = copyin(sp, pd.name, pd.disposition(), d)?;
                    k.descs.push(KDesc::Port {
                        at,
                        right,
                        type_name: carried_type(pd.disposition()),
                        guarded: None,
                    });
                }
                Descriptor::GuardedPort(g) => {
                    let (name, flags, context) = (g.name, g.flags(), g.context);
                    if valid_name(name) {
                        // ipc_right_copyin_check_guard_locked: the port must be unguarded
                        // (with UNGUARDED_ON_SEND) or guarded with exactly `context`.
                        let guard_ok = match lookup(sp, name) {
                            Some(e) if e.rights & MACH_PORT_TYPE_RECEIVE != 0 => {
                                let Some(p) = e.port() else {
                                    return fail(MACH_SEND_INVALID_RIGHT);
                                };
                                let port = p.lock();
                                let ok = (flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND != 0
                                    && !port.guarded
                                    && context == 0)
                                    || (port.guarded && port.context == context);
                                // ipc_right_copyin refuses an immovable right before it
                                // looks at the guard.
                                if !ok && port.immovable_receive {
                                    self.obj.raise(name, kGUARD_EXC_IMMOVABLE, 0);
                                } else if !ok {
                                    self.obj
                                        .raise(name, kGUARD_EXC_INCORRECT_GUARD, port.context);
                                }
                                ok
                            }
                            _ => true,
                        };
                        if !guard_ok {
                            return fail(MACH_SEND_INVALID_RIGHT);
                        }
                    }
                    let right = copyin(sp, name, g.disposition(), d)?;
                    // The right has left its space unguarded (ipc_port_clear_receiver), and
                    // its descriptor says so until the receiver guards it again.
                    let flags = if matches!(right, Carried::Receive(_)) {
                        flags | MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND
                    } else {
                        flags
                    };
                    k.descs.push(KDesc::Port {
                        at,
                        right,
                        type_name: carried_type(g.disposition()),
                        guarded: Some(flags),
                    });
                }
                Descriptor::Ool(o) => {
                    let data = self
                        .obj
                        .vm()
                        .copyin(o.address, u64::from(o.size), o.deallocate())
                        .ok_or(KernReturn(MACH_SEND_INVALID_MEMORY))?;
                    k.descs.push(KDesc::Ool { at, data });
                }
                Descriptor::OolPorts(o) => {
                    if o.copy() != MACH_MSG_PHYSICAL_COPY && o.copy() != MACH_MSG_VIRTUAL_COPY {
                        return fail(MACH_SEND_INVALID_TYPE);
                    }
                    let names = self
                        .obj
                        .vm()
                        .copyin(o.address, u64::from(o.count) * 4, o.deallocate())
                        .ok_or(KernReturn(MACH_SEND_INVALID_MEMORY))?;
                    let mut rights = Vec::with_capacity(o.count as usize);
                    for i in 0..o.count as usize {
                        let name = read::<u32>(&names, i * 4).unwrap_or(MACH_PORT_NULL);
                        match copyin(sp, name, o.disposition(), d) {
                            Ok(r) => rights.push(r),
                            Err(e) => {
                                for r in rights {
                                    d.release(r);
                                }
                                return Err(e);
                            }
                        }
                    }
                    k.descs.push(KDesc::OolPorts {
                        at,
                        rights,
                        type_name: carried_type(o.disposition()),
                    });
                }
                Descriptor::Unknown(_) => return fail(MACH_SEND_INVALID_TYPE),
            }
        }
        Ok(())
    }

    /// Writes the body of `k` into `msg` after the header, its rights copied out into the
    /// space and its out-of-line memory into this task's memory; returns the body's size as
    /// written.
    ///
    /// `guarded` says what becomes of guarded port descriptors.
    fn copyout_body(
        &self,
        sp: &mut Space,
        k: &mut Kmsg,
        msg: &mut [u8],
        guarded: GuardedDesc,
        d: &mut Deferred,
    ) -> usize {
        if k.descs.is_empty() {
            // A simple message: its bytes as they were sent (a buffer back to the pool).
            copy_prefix(msg, HEADER_SIZE, &k.body);
            let len = k.body.len();
            if matches!(k.body, Body::Heap(_)) {
                k.body.take().recycle();
            }
            return len;
        }
        let (body, descs) = (k.body.take(), std::mem::take(&mut k.descs));
        // Bytes of `body` already written (`pos`) and where the next ones go in `msg` (`out`).
        let (mut pos, mut out) = (0, HEADER_SIZE);
        let copy = |msg: &mut [u8], from: usize, to: usize, out: &mut usize| {
            if let Some(src) = body.get(from..to) {
                copy_prefix(msg, *out, src);
            }
            *out += to.saturating_sub(from);
        };
        for desc in descs {
            let (at, size) = desc.span();
            // What lies before the descriptor (the count, before the first one).
            copy(msg, pos, at, &mut out);
            pos = at + size;
            let written = match desc {
                KDesc::Port {
                    right,
                    type_name,
                    guarded: Some(mut flags),
                    ..
                } if matches!(guarded, GuardedDesc::Deliver { .. }) => {
                    // xnu-7195.141.2 ipc_right_copyout: a receive right sent immovable
                    // arrives guarded (not strictly) by the address of the receive buffer,
                    // and immovable; otherwise unguarded, its context not shown.
                    let mut context = 0;
                    if let (Carried::Receive(p), GuardedDesc::Deliver { address, immovable }) =
                        (&right, guarded)
                        && flags & MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE != 0
                    {
                        let mut port = p.lock();
                        port.guarded = true;
                        port.strict_guard = false;
                        port.immovable_receive |= immovable;
                        port.context = address;
                        context = address;
                        flags &= !MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND;
                    }
                    let name = copyout(sp, right, d);
                    let g = MachMsgGuardedPortDescriptor64::new(name, type_name, flags, context);
                    write(msg, out, &g).map(|_| size_of_val(&g))
                }
                KDesc::Port {
                    right,
                    type_name,
                    guarded,
                    ..
                } => {
                    let name = if guarded.is_some() {
                        // Not asked for: destroyed, and a null port descriptor instead.
                        d.release(right);
                        MACH_PORT_NULL
                    } else {
                        copyout(sp, right, d)
                    };
                    let pd = MachMsgPortDescriptor::new(name, type_name);
                    write(msg, out, &pd).map(|_| size_of_val(&pd))
                }
                KDesc::Ool { data, .. } => {
                    let len = data.len() as u32;
                    let address = if data.is_empty() {
                        0
                    } else {
                        self.obj.vm().allocate(data)
                    };
                    // Received memory is the receiver's to deallocate.
                    let o = MachMsgOolDescriptor64::new(address, len, false, MACH_MSG_VIRTUAL_COPY);
                    write(msg, out, &o).map(|_| size_of_val(&o))
                }
                KDesc::OolPorts {
                    rights, type_name, ..
                } => {
                    let names: Vec<u32> = rights.into_iter().map(|r| copyout(sp, r, d)).collect();
                    let count = names.len() as u32;
                    let address = if names.is_empty() {
                        0
                    } else {
                        self.obj.vm().allocate(names.as_bytes().to_vec())
                    };
                    let o = MachMsgOolPortsDescriptor64::new(
                        address,
                        count,
                        false,
                        MACH_MSG_VIRTUAL_COPY,
                        type_name,
                    );
                    write(msg, out, &o).map(|_| size_of_val(&o))
                }
            };
            out += written.unwrap_or(0);
        }
        // The inline data after the last descriptor.
        copy(msg, pos, body.len(), &mut out);
        body.recycle();
        out - HEADER_SIZE
    }
}

/// The header of the message `k` as its receiver sees it: `size` bytes, the reply right
/// (now named `reply`) as the remote port, the port it arrived on (`dest_name`) as the
/// local one, their types swapped to match.
fn received_header(
    k: &Kmsg,
    size: usize,
    reply: mach_port_name_t,
    dest_name: mach_port_name_t,
) -> MachMsgHeader {
    MachMsgHeader {
        msgh_bits: k.bits & !MACH_MSGH_BITS_PORTS_MASK | k.local_type | k.remote_type << 8,
        msgh_size: size as u32,
        msgh_remote_port: reply,
        msgh_local_port: dest_name,
        msgh_voucher_port: k.voucher_name,
        msgh_id: k.id,
    }
}

/// The name a message taken off port `p` as `name`, without the receiving space `sp`
/// locked, is received under now (xnu-7195.141.2 `ipc_kmsg_copyout_header` and
/// `ipc_object_copyout_dest`): the name the space holds the receive right under (it moves
/// in and out of the space only with the space locked, as it is here); `MACH_PORT_DEAD` if
/// the port died; `MACH_PORT_NULL` if the right is elsewhere, and then a send-once
/// destination right, counted off when the message was taken, cannot have been used up
/// quietly: it gets its send-once notification. (XNU answers `MACH_PORT_NULL` for a dead
/// port too when a live reply port died before it; port deaths are not ordered here.)
fn receiver_name_now(
    sp: &Space,
    p: &PortRef,
    name: mach_port_name_t,
    remote_type: mach_msg_type_name_t,
    d: &mut Deferred,
) -> mach_port_name_t {
    let held = |e: &crate::ipc_space::Entry| {
        e.rights & MACH_PORT_TYPE_RECEIVE != 0 && e.port().is_some_and(|q| Arc::ptr_eq(q, p))
    };
    if sp.get(name).is_some_and(held) {
        return name;
    }
    let mut port = p.lock();
    match port.receiver {
        Receiver::Task(task, now) if task == sp.task => now,
        Receiver::Dead => MACH_PORT_DEAD,
        _ => {
            if remote_type == MACH_MSG_TYPE_PORT_SEND_ONCE {
                port.sorights += 1;
                drop(port);
                d.send(Kmsg::send_once(Arc::clone(p)));
            }
            MACH_PORT_NULL
        }
    }
}

/// The format-0 trailer of a message from `sender`, with `len` its requested size.
pub(crate) fn make_trailer(
    seqno: u32,
    sender: crate::ipc_kmsg::Sender,
    context: u64,
    len: usize,
) -> MachMsgMaxTrailer {
    let mut t = MachMsgMaxTrailer::new_zeroed();
    t.msgh_trailer_type = MACH_MSG_TRAILER_FORMAT_0;
    t.msgh_trailer_size = len as u32;
    t.msgh_seqno = seqno;
    t.msgh_sender.val = sender.security();
    t.msgh_audit.val = sender.audit();
    t.msgh_context = context;
    t
}

/// Copies `src` to `msg` at `at`, as much of it as fits.
fn copy_prefix(msg: &mut [u8], at: usize, src: &[u8]) {
    if let Some(dst) = msg.get_mut(at..) {
        let n = src.len().min(dst.len());
        dst[..n].copy_from_slice(&src[..n]);
    }
}
