//! Deferred work: notifications to send and rights to release once every lock is dropped
//! (XNU's `ipc_notify.c` sends, and the kmsg destruction it defers).
//!
//! An operation collects what it cannot do under its locks in a [`Deferred`] and calls
//! [`Deferred::run`] after dropping them. The work runs in the order it was collected, and
//! whatever one piece of work leads to (the notifications a released right sends, the rights
//! of a destroyed message) runs before the next piece: the order XNU's code, which does it
//! all on the spot, emits its notifications in.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::kernel::Shared;

use crate::ipc_kmsg::{Carried, Kmsg};
use crate::ipc_object::release;
use crate::ipc_port::{Port, PortObj, PortRef, Receiver};
use crate::ipc_pset::PsetRef;
use crate::lock::Guard;

/// One piece of work left for when the locks are dropped.
#[derive(Debug)]
enum Work {
    /// A kernel message to queue on its destination (its `remote` right).
    Send(Kmsg),
    /// A right to release.
    Release(Carried),
    /// A port set whose receivers must look again.
    Wake(PsetRef),
}

/// Work left for when the locks are dropped, in order.
#[derive(Debug, Default)]
pub(crate) struct Deferred {
    work: Vec<Work>,
}

impl Deferred {
    /// Sends the kernel message `k` (to its send-once `remote` right) later.
    pub(crate) fn send(&mut self, k: Kmsg) {
        self.work.push(Work::Send(k));
    }

    /// Whether nothing is left to do.
    pub(crate) fn is_empty(&self) -> bool {
        self.work.is_empty()
    }

    /// Releases `right` later.
    pub(crate) fn release(&mut self, right: Carried) {
        if !matches!(right, Carried::Null | Carried::Dead) {
            self.work.push(Work::Release(right));
        }
    }

    /// Releases every right of `k` later, in the order of XNU's `ipc_kmsg_clean`: the
    /// destination, the reply, then the body's rights in order.
    pub(crate) fn destroy(&mut self, k: Kmsg) {
        let mut rights = Vec::new();
        k.release_into(&mut rights);
        for r in rights {
            self.release(r);
        }
    }

    /// Wakes the receivers of these sets later.
    pub(crate) fn wake(&mut self, sets: impl IntoIterator<Item = PsetRef>) {
        self.work.extend(sets.into_iter().map(Work::Wake));
    }

    /// Does it all, and whatever it leads to, depth first. Call with no lock held.
    #[inline]
    pub(crate) fn run(&mut self, shared: &Shared) {
        // Most operations leave nothing: no call for them.
        if !self.work.is_empty() {
            self.run_all(shared);
        }
    }

    /// [`Deferred::run`] when there is work.
    fn run_all(&mut self, shared: &Shared) {
        // A stack: the next piece of work on top.
        let mut stack: Vec<Work> = self.work.drain(..).rev().collect();
        while let Some(w) = stack.pop() {
            match w {
                Work::Send(k) => send_kernel(k, shared, self),
                Work::Release(r) => release(r, self),
                Work::Wake(set) => set.wake(),
            }
            stack.extend(self.work.drain(..).rev());
        }
    }
}

/// Queues a kernel-made message on its destination (no queue limit: it goes to a send-once
/// right); a dead destination destroys it.
///
/// A port-destroyed notification that would carry a receive right into its own queue (the
/// notify port is the port, or sits in a message queued on it) is destroyed instead, as
/// xnu-7195's `ipc_kmsg_copyin_from_kernel` marks it `MACH_MSGH_BITS_CIRCULAR` and
/// `ipc_kmsg_send` destroys it: the notify right gets a send-once notification and the
/// port, its request now gone, really dies.
fn send_kernel(k: Kmsg, shared: &Shared, d: &mut Deferred) {
    let Some(p) = k.remote.port().cloned() else {
        d.destroy(k);
        return;
    };
    let carries_receive = k.receive_rights().next().is_some();
    let transit = carries_receive.then(|| shared.transit.lock());
    if carries_receive {
        if k.receive_rights().any(|r| would_be_circular(r, &p)) {
            drop(transit);
            d.destroy(k);
            return;
        }
        mark_in_transit(&k, &p);
    }
    let port = p.lock();
    if !port.is_active() {
        drop(port);
        drop(transit);
        d.destroy(k);
        return;
    }
    enqueue(&p, port, k, &shared.order, d);
}

/// Whether `inner`'s receive right is (transitively) inside a message queued on `outer`, or
/// is `outer` itself: sending it there would make a cycle. Called with the circularity lock
/// held, taking one port lock at a time.
pub(crate) fn would_be_circular(inner: &PortRef, outer: &PortRef) -> bool {
    let mut at = Arc::clone(outer);
    for _ in 0..1_000_000 {
        if Arc::ptr_eq(&at, inner) {
            return true;
        }
        let next = match &at.lock().receiver {
            Receiver::Transit(Some(w)) => w.upgrade(),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return false,
        }
    }
    true
}

/// The receive rights `k` carries are now inside `dest`'s queue (for the circularity check).
/// Call before locking `dest`.
pub(crate) fn mark_in_transit(k: &Kmsg, dest: &PortRef) {
    for r in k.receive_rights() {
        let mut port = r.lock();
        if matches!(port.receiver, Receiver::Transit(_)) {
            port.set_receiver(Receiver::Transit(Some(Arc::downgrade(dest))));
        }
    }
}

/// Puts the receive rights `rights` (those a message carries) back to "in transit, nowhere
/// yet".
pub(crate) fn unmark_in_transit<'a>(rights: impl IntoIterator<Item = &'a PortRef>) {
    for r in rights {
        let mut port = r.lock();
        if matches!(port.receiver, Receiver::Transit(_)) {
            port.set_receiver(Receiver::Transit(None));
        }
    }
}

/// Puts `k` on the locked port `p`, unlocks it and wakes its receiver; the sets it is in are
/// woken through `d` (after the port's lock is dropped).
///
/// The activity a spinning receiver watches moves only once the lock is free: moved with it
/// held, the receiver would find the lock taken, block on it and cost the sender a wake-up
/// system call on unlock.
pub(crate) fn enqueue(
    p: &PortObj,
    mut port: Guard<'_, Port>,
    mut k: Kmsg,
    order: &AtomicU64,
    d: &mut Deferred,
) {
    if !port.psets.is_empty() {
        // Receivers of a set take the message that came first among its members.
        k.order = order.fetch_add(1, Ordering::Relaxed);
        d.wake(port.psets.iter().cloned());
    }
    // A queued message's destination right is the port's own: its reference is given up
    // here, by the sender, so that a receiver on another core never writes the port's
    // reference count; `remote_type` still says which right it was, and the receive counts
    // it off (a port that dies with messages queued has no counts left to keep).
    let dest = std::mem::replace(&mut k.remote, Carried::Null);
    port.queue.push_back(k);
    if port.recv_waiters > 0 {
        p.recv_cv.notify_all();
    }
    drop(port);
    p.signal();
    drop(dest);
}
