//! Port sets (XNU's `ipc_pset.c`): a receive right that receives from any of its member
//! ports.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar};

use crate::consts::mach_port_name_t;
use crate::ipc_port::{Activity, Census, PortRef, TaskId};
use crate::lock::{Guard, Locked, Rank};

/// A shared port set.
pub(crate) type PsetRef = Arc<PsetObj>;

/// A port set's state, behind its lock.
#[derive(Debug)]
pub(crate) struct Pset {
    /// The task and name holding the set; `None` once destroyed.
    pub owner: Option<(TaskId, mach_port_name_t)>,
    pub members: Vec<PortRef>,
    /// Receivers waiting on the set's condition variable.
    pub waiters: u32,
}

/// A port set: its lock and the condition variable its receivers wait on.
#[derive(Debug)]
pub(crate) struct PsetObj {
    state: Locked<Pset>,
    /// Receivers blocked on the set wait here (with the set's lock).
    pub cv: Condvar,
    /// Bumped whenever a member gets a message or the set changes: a receiver about to
    /// block watches it for a moment without the lock first.
    pub activity: Activity,
    census: Arc<Census>,
}

impl PsetObj {
    pub(crate) fn new(census: &Arc<Census>, owner: (TaskId, mach_port_name_t)) -> PsetRef {
        census.psets.fetch_add(1, Ordering::Relaxed);
        Arc::new(PsetObj {
            state: Locked::new(
                Rank::Pset,
                Pset {
                    owner: Some(owner),
                    members: Vec::new(),
                    waiters: 0,
                },
            ),
            cv: Condvar::new(),
            activity: Activity::default(),
            census: Arc::clone(census),
        })
    }

    pub(crate) fn lock(&self) -> Guard<'_, Pset> {
        self.state.lock()
    }

    /// Wakes the set's waiting receivers: a member got a message, or left, or the set died.
    /// Takes the set's lock (so a receiver between looking and sleeping cannot miss it): call
    /// it with no port locked.
    pub(crate) fn wake(&self) {
        let set = self.lock();
        self.signal(&set);
    }

    /// [`wake`](Self::wake) with the set's lock already held (as `set`): the spinning
    /// receivers see the activity move, the sleeping ones are woken.
    pub(crate) fn signal(&self, set: &Pset) {
        self.activity.0.fetch_add(1, Ordering::Release);
        if set.waiters > 0 {
            self.cv.notify_all();
        }
    }
}

impl Drop for PsetObj {
    fn drop(&mut self) {
        self.census.psets.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whether `a` and `b` are the same set.
pub(crate) fn same(a: &PsetRef, b: &PsetRef) -> bool {
    Arc::ptr_eq(a, b)
}
