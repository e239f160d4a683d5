//! Deferred work: notifications to send and rights to release once every lock is dropped
//! (XNU's `ipc_notify.c` sends, and the kmsg destruction it defers).
//!
//! An operation collects what it cannot do under its locks in a [`Deferred`] and calls
//! [`Deferred::run`] after dropping them. Notifications go out first, in the order they
//! were made; then released rights are processed last-in first-out, each one's own
//! notifications going out before the next right is released.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::kernel::Shared;

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

    /// Releases every right of `k` later, in the order of XNU's `ipc_kmsg_clean`: the
    /// destination, the reply, then the body's rights in order.
    pub(crate) fn destroy(&mut self, k: Kmsg) {
        let mut rights = Vec::new();
        k.release_into(&mut rights);
        // `releases` is a stack.
        self.releases.extend(
            rights
                .into_iter()
                .rev()
                .filter(|r| !matches!(r, Carried::Null | Carried::Dead)),
        );
    }

    /// Wakes the receivers of these sets later.
    pub(crate) fn wake(&mut self, sets: impl IntoIterator<Item = PsetRef>) {
        self.wakes.extend(sets);
    }

    /// Does it all, and whatever it leads to. Call with no lock held.
    pub(crate) fn run(&mut self, shared: &Shared) {
        loop {
            for set in self.wakes.drain(..) {
                set.wake();
            }
            if !self.sends.is_empty() {
                let sends = std::mem::take(&mut self.sends);
                for k in sends {
                    send_kernel(k, shared, self);
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
    let mut port = p.lock();
    if !port.is_active() {
        drop(port);
        drop(transit);
        d.destroy(k);
        return;
    }
    enqueue(&p, &mut port, k, &shared.order, d);
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
            port.receiver = Receiver::Transit(Some(Arc::downgrade(dest)));
        }
    }
}

/// Puts the receive rights `k` carries back to "in transit, nowhere yet".
pub(crate) fn unmark_in_transit(k: &Kmsg) {
    for r in k.receive_rights() {
        let mut port = r.lock();
        if matches!(port.receiver, Receiver::Transit(_)) {
            port.receiver = Receiver::Transit(None);
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
