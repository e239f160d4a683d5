//! The kernel's locks, each with a rank, and the lock order they obey.
//!
//! As in XNU, there is no kernel-wide lock: each IPC space, port set and port has its own,
//! plus two kernel-wide ones taken rarely. A thread takes locks in increasing rank and
//! never two of one rank:
//!
//! | rank | lock | held while taking |
//! |---|---|---|
//! | [`Rank::Transit`] | the circularity lock (XNU's `ipc_port_multiple_lock`): sending receive rights | ports along a transit chain, one at a time, then the destination port |
//! | [`Rank::Tasks`] | the kernel's task table and its defaults | a space (task creation) |
//! | [`Rank::Space`] | a task's IPC space (names, entries) and its special ports | a port set, then a port (copyin, copyout, `mach_port_*`); the thread's own mailbox (a receive starting or ending its wait) |
//! | [`Rank::Pset`] | a port set's member list | member ports, one at a time (receiving from a set) |
//! | [`Rank::Port`] | a port: queue, counts, requests, receiver | a thread's mailbox (handing a message over, or seeing whether the registered thread waits), or a task's memory (out-of-line data) |
//! | [`Rank::Mailbox`] | a thread's handoff mailbox (`ipc_mqueue`) | nothing |
//! | [`Rank::Memory`] | a task's simulated memory | nothing |
//! | [`Rank::Exceptions`] | a task's raised guard exceptions | nothing |
//!
//! Work that would take a lock out of order — a notification sent while a port is locked,
//! a right released while a space is locked — is deferred ([`crate::ipc_notify::Deferred`])
//! and done once the locks are dropped, as XNU defers `ipc_notify_*` and `ipc_kmsg_destroy`.
//!
//! Debug builds check the order on every acquisition (a thread-local list of the ranks it
//! holds) and panic on a violation, so the stress tests check it under contention.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A lock's place in the lock order: a thread takes locks in increasing rank only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// The circularity lock.
    Transit,
    /// The task table.
    Tasks,
    /// An IPC space.
    Space,
    /// A port set.
    Pset,
    /// A port.
    Port,
    /// A thread's handoff mailbox.
    Mailbox,
    /// A task's memory.
    Memory,
    /// A task's list of raised guard exceptions (taken under any of the others).
    Exceptions,
}

#[cfg(debug_assertions)]
mod order {
    use std::cell::RefCell;

    use super::Rank;

    thread_local! {
        static HELD: RefCell<Vec<Rank>> = const { RefCell::new(Vec::new()) };
    }

    /// Records that `rank` is being taken; panics if that breaks the order. (A thread whose
    /// locals are being destroyed, calling the kernel from a destructor, goes unchecked.)
    pub(super) fn acquire(rank: Rank) {
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(&top) = h.iter().max() {
                assert!(
                    rank > top,
                    "lock order violated: taking {rank:?} while holding {:?}",
                    *h
                );
            }
            h.push(rank);
        });
    }

    /// Records that `rank` was released.
    pub(super) fn release(rank: Rank) {
        let _ = HELD.try_with(|h| {
            let mut h = h.borrow_mut();
            if let Some(at) = h.iter().rposition(|&r| r == rank) {
                h.remove(at);
            }
        });
    }

    /// The ranks the calling thread holds.
    #[cfg(test)]
    pub(super) fn held() -> Vec<Rank> {
        HELD.with(|h| h.borrow().clone())
    }
}

#[cfg(not(debug_assertions))]
mod order {
    use super::Rank;

    #[inline(always)]
    pub(super) fn acquire(_: Rank) {}

    #[inline(always)]
    pub(super) fn release(_: Rank) {}
}

/// A mutex with a rank in the lock order. In C order, the mutex (its lock word, then the
/// value) first: a structure that starts with a `Locked` has its lock word at its start.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Locked<T> {
    inner: Mutex<T>,
    rank: Rank,
}

impl<T> Locked<T> {
    pub(crate) const fn new(rank: Rank, value: T) -> Locked<T> {
        Locked {
            inner: Mutex::new(value),
            rank,
        }
    }

    /// Takes the lock. Nothing panics while a kernel lock is held (but for the order check
    /// itself), so a poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        order::acquire(self.rank);
        Guard {
            guard: self.inner.lock().unwrap_or_else(PoisonError::into_inner),
            held: Held(self.rank),
        }
    }
}

/// A rank held, released (in the order check) when dropped.
#[derive(Debug)]
struct Held(Rank);

impl Drop for Held {
    fn drop(&mut self) {
        order::release(self.0);
    }
}

/// A held [`Locked`].
#[derive(Debug)]
pub(crate) struct Guard<'a, T> {
    /// Dropped first: the lock is released, then its rank.
    guard: MutexGuard<'a, T>,
    held: Held,
}

impl<'a, T> Guard<'a, T> {
    /// Waits on `cv` (which is only ever used with this lock), releasing the lock meanwhile;
    /// returns the lock and, with a timeout, whether it ran out.
    pub(crate) fn wait(self, cv: &Condvar, timeout: Option<Duration>) -> (Guard<'a, T>, bool) {
        let Guard { guard, held } = self;
        let rank = held.0;
        drop(held);
        let (guard, timed_out) = match timeout {
            None => (
                cv.wait(guard).unwrap_or_else(PoisonError::into_inner),
                false,
            ),
            Some(d) => {
                let (g, r) = cv
                    .wait_timeout(guard, d)
                    .unwrap_or_else(PoisonError::into_inner);
                (g, r.timed_out())
            }
        };
        order::acquire(rank);
        let held = Held(rank);
        (Guard { guard, held }, timed_out)
    }
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::*;

    #[test]
    fn increasing_ranks_are_allowed_and_tracked() {
        let space = Locked::new(Rank::Space, 1);
        let port = Locked::new(Rank::Port, 2);
        {
            let _s = space.lock();
            let _p = port.lock();
            assert_eq!(order::held(), [Rank::Space, Rank::Port]);
        }
        assert!(order::held().is_empty());
    }

    #[test]
    #[should_panic(expected = "lock order violated")]
    fn a_space_taken_under_a_port_panics() {
        let space = Locked::new(Rank::Space, 1);
        let port = Locked::new(Rank::Port, 2);
        let _p = port.lock();
        let _s = space.lock();
    }

    #[test]
    #[should_panic(expected = "lock order violated")]
    fn two_ports_at_once_panic() {
        let a = Locked::new(Rank::Port, 1);
        let b = Locked::new(Rank::Port, 2);
        let _a = a.lock();
        let _b = b.lock();
    }

    #[test]
    fn a_wait_releases_the_rank() {
        let port = Locked::new(Rank::Port, 0);
        let cv = Condvar::new();
        let (g, timed_out) = port.lock().wait(&cv, Some(Duration::from_millis(1)));
        assert!(timed_out);
        assert_eq!(order::held(), [Rank::Port]);
        drop(g);
        assert!(order::held().is_empty());
    }
}
