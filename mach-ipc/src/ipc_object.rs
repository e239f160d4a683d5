//! Rights outside any space (XNU's `ipc_object_destroy` and `ipc_port_destroy`): made,
//! copied, released; and what happens when the last send right goes or a receive right is
//! destroyed.

use std::sync::Arc;

use crate::ipc_kmsg::{Carried, Kmsg};
use crate::ipc_notify::Deferred;
use crate::ipc_port::{KObject, Port, PortObj, PortRef, Receiver};
use crate::ipc_pset::PsetRef;
use crate::lock::Guard;

/// A new send right to the locked `port` (for the kernel or a message).
pub(crate) fn make_send(port: &mut Port) {
    port.mscount = port.mscount.wrapping_add(1);
    port.srights += 1;
}

/// Another send right to the locked `port`, from one already held.
pub(crate) fn copy_send(port: &mut Port) {
    port.srights += 1;
}

/// A new send-once right to the locked `port`.
pub(crate) fn make_send_once(port: &mut Port) {
    port.sorights += 1;
}

/// Releases a right carried outside any space (in a message, a request, a kernel slot):
/// the last send right may fire a no-senders notification, an unused send-once right
/// fires a send-once notification, a receive right is destroyed.
pub(crate) fn release(right: Carried, d: &mut Deferred) {
    match right {
        Carried::Null | Carried::Dead => {}
        Carried::Send(p) => release_send(&p, d),
        Carried::SendOnce(p) => {
            let mut port = p.lock();
            if port.is_active() {
                // The right itself carries the notification to its port.
                drop(port);
                d.send(Kmsg::send_once(p));
            } else {
                port.sorights = port.sorights.saturating_sub(1);
            }
        }
        Carried::Receive(p) => destroy_receive(&p, d),
    }
}

/// Drops a send-once right without any notification (it was used: a message went to it).
pub(crate) fn consume_send_once(p: &PortObj) {
    let mut port = p.lock();
    port.sorights = port.sorights.saturating_sub(1);
}

/// Drops one send right; the last one fires an armed no-senders notification.
pub(crate) fn release_send(p: &PortObj, d: &mut Deferred) {
    release_send_locked(&mut p.lock(), d);
}

/// [`release_send`] with the port already locked.
#[inline]
pub(crate) fn release_send_locked(port: &mut Port, d: &mut Deferred) {
    port.srights = port.srights.saturating_sub(1);
    check_no_senders(port, d);
}

/// Sends the locked port's no-senders notification if one is armed and no send rights are
/// left. (The request's `sync` was compared when it was made: once armed, it fires on the
/// next drop to zero, as in XNU.)
#[inline]
pub(crate) fn check_no_senders(port: &mut Port, d: &mut Deferred) {
    if let Some(k) = take_no_senders(port) {
        d.send(k);
    }
}

/// The locked port's no-senders notification, taken off it, if one is armed and no send
/// rights are left; for a caller that must send it later than now.
#[inline]
pub(crate) fn take_no_senders(port: &mut Port) -> Option<Kmsg> {
    if port.srights != 0 || !port.is_active() {
        return None;
    }
    let (notify, _) = port.nsrequest.take()?;
    Some(Kmsg::no_senders(notify, port.mscount))
}

/// Destroys a receive right (or, with a port-destroyed request armed, sends it away in the
/// notification instead).
pub(crate) fn destroy_receive(p: &PortRef, d: &mut Deferred) {
    let mut port = p.lock();
    if !port.is_active() {
        return;
    }
    if port.kobject == KObject::None
        && let Some(notify) = port.pdrequest.take()
    {
        // The receive right travels in the notification, as if moved.
        let sets = clear_receiver(p, &mut port);
        drop(port);
        unlink_all(p, sets);
        d.send(Kmsg::port_destroyed(notify, Arc::clone(p)));
        return;
    }
    p.kill(&mut port);
    let queue = std::mem::take(&mut port.queue);
    let sets = std::mem::take(&mut port.psets);
    let requests = std::mem::take(&mut port.requests);
    let ns = port.nsrequest.take();
    let pd = port.pdrequest.take();
    // Every request still holding its right gets a dead-name notification, send-possible
    // ones too (xnu-7195 `ipc_port_dnnotify`); each such name gets its extra uref when next
    // looked at. A used send-possible slot gets neither.
    let requests: Vec<_> = requests
        .into_iter()
        .filter_map(|r| Some((r.task, r.name, r.notify?)))
        .collect();
    port.fired = requests
        .iter()
        .map(|&(task, name, _)| (task, name))
        .collect();
    wake_everyone(p, &mut port);
    drop(port);
    unlink_all(p, sets);
    // xnu-7195.141.2 ipc_port_destroy's order: the no-senders request gets its send-once
    // notification, the queued messages are destroyed, then the dead-name notifications go
    // out in request order. (xnu-11417 destroys the messages first.)
    if let Some((notify, _)) = ns {
        d.release(Carried::SendOnce(notify));
    }
    for k in queue {
        d.destroy(k);
    }
    for (_, name, notify) in requests {
        d.send(Kmsg::dead_name(notify, name));
    }
    // A kernel object's port-destroyed request cannot be honoured.
    if let Some(notify) = pd {
        d.release(Carried::SendOnce(notify));
    }
}

/// Wakes every receiver and sender waiting on the locked port `p`.
pub(crate) fn wake_everyone(p: &PortObj, port: &mut Guard<'_, Port>) {
    p.signal();
    if port.recv_waiters > 0 {
        p.recv_cv.notify_all();
    }
    if port.send_waiters > 0 {
        p.send_cv.notify_all();
    }
}

/// A receive right leaving its space (moved in a message, or sent away by a port-destroyed
/// notification) starts afresh, as XNU's `ipc_port_clear_receiver` does: in transit,
/// make-send count, sequence number, context and guard reset, and its waiting receivers
/// told. Returns the sets it was in, for [`unlink_all`] once the port's lock is dropped.
pub(crate) fn clear_receiver(p: &PortObj, port: &mut Guard<'_, Port>) -> Vec<PsetRef> {
    port.set_receiver(Receiver::Transit(None));
    port.mscount = 0;
    port.seqno = 0;
    port.context = 0;
    port.guarded = false;
    port.strict_guard = false;
    port.immovable_receive = false;
    wake_everyone(p, port);
    std::mem::take(&mut port.psets)
}

/// Takes `p` out of the member lists of `sets` (its own list was emptied, with its lock) and
/// wakes their receivers. Call with no port locked.
pub(crate) fn unlink_all(p: &PortRef, sets: Vec<PsetRef>) {
    for set in sets {
        let mut s = set.lock();
        s.members.retain(|m| !Arc::ptr_eq(m, p));
        set.signal(&s);
    }
}
