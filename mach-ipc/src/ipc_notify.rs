//! Deferred work: notifications to send and rights to release once every lock is dropped
//! (XNU's `ipc_notify.c` sends, and the kmsg destruction it defers).
//!
//! An operation collects what it cannot do under its locks in a [`Deferred`] and calls
//! [`Deferred::run`] after dropping them. Notifications go out first, in the order they
//! were made; then released rights are processed last-in first-out, each one's own
//! notifications going out before the next right is released.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ipc_kmsg::{Carried, Kmsg};
use crate::ipc_object::release;
use crate::ipc_port::{Port, PortObj, PortRef, Receiver};
use crate::ipc_pset::PsetRef;
use crate::lock::Guard;

/// Work left for when the locks are dropped.
#[derive(Debug, Default)]
pub(crate) struct Deferred {
    /// Kernel messages to queue on their destination (their `remote` right).
    sends: Vec<Kmsg>,
    /// Rights to release.
    releases: Vec<Carried>,
    /// Port sets whose receivers must look again.
    wakes: Vec<PsetRef>,
}

impl Deferred {
    /// Sends the kernel message `k` (to its send-once `remote` right) later.
    pub(crate) fn send(&mut self, k: Kmsg) {
        self.sends.push(k);
    }

    /// Releases `right` later.
    pub(crate) fn release(&mut self, right: Carried) {
        if !matches!(right, Carried::Null | Carried::Dead) {
            self.releases.push(right);
        }
    }

    /// Releases every right of `k` later.
    pub(crate) fn destroy(&mut self, k: Kmsg) {
        k.release_into(&mut self.releases);
    }

    /// Wakes the receivers of these sets later.
    pub(crate) fn wake(&mut self, sets: impl IntoIterator<Item = PsetRef>) {
        self.wakes.extend(sets);
    }

    /// Does it all, and whatever it leads to. Call with no lock held.
    pub(crate) fn run(&mut self, order: &AtomicU64) {
        loop {
            for set in self.wakes.drain(..) {
                set.wake();
            }
            if !self.sends.is_empty() {
                let sends = std::mem::take(&mut self.sends);
                for k in sends {
                    send_kernel(k, order, self);
                }
                continue;
            }
            match self.releases.pop() {
                Some(r) => release(r, self),
                None => break,
            }
        }
    }
}

/// Queues a kernel-made message on its destination (no queue limit: it goes to a send-once
/// right); a dead destination destroys it.
fn send_kernel(k: Kmsg, order: &AtomicU64, d: &mut Deferred) {
    let Some(p) = k.remote.port().cloned() else {
        d.destroy(k);
        return;
    };
    mark_in_transit(&k, &p);
    let mut port = p.lock();
    if !port.is_active() {
        drop(port);
        d.destroy(k);
        return;
    }
    enqueue(&p, &mut port, k, order, d);
}

/// The receive rights `k` carries are now inside `dest`'s queue (for the circularity check).
/// Call before locking `dest`.
pub(crate) fn mark_in_transit(k: &Kmsg, dest: &PortRef) {
    for r in k.receive_rights() {
        let mut port = r.lock();
        if matches!(port.receiver, Receiver::Transit(_)) {
            port.receiver = Receiver::Transit(Some(Arc::downgrade(dest)));
        }
    }
}

/// Puts `k` on the locked port `p` and wakes its receiver; the sets it is in are woken
/// through `d` (after the port's lock is dropped).
pub(crate) fn enqueue(
    p: &PortObj,
    port: &mut Guard<'_, Port>,
    mut k: Kmsg,
    order: &AtomicU64,
    d: &mut Deferred,
) {
    if !port.psets.is_empty() {
        // Receivers of a set take the message that came first among its members.
        k.order = order.fetch_add(1, Ordering::Relaxed);
        d.wake(port.psets.iter().cloned());
    }
    port.queue.push_back(k);
    p.signal();
    if port.recv_waiters > 0 {
        p.recv_cv.notify_all();
    }
}
