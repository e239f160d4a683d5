//! The kernel: what every task shares — the host port, the task table with the default
//! bootstrap port, the circularity lock, and the counts of ports and sets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::consts::*;
use crate::ipc_kmsg::Carried;
use crate::ipc_notify::Deferred;
use crate::ipc_port::{Census, KObject, PortObj, PortRef, Receiver};
use crate::ipc_right::copyin;
use crate::lock::{Locked, Rank};
use crate::task::Task;

/// The task table: what task creation reads and writes.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    pub count: usize,
    pub next_pid: u32,
    /// Send right the kernel gives new tasks as their bootstrap port.
    pub default_bootstrap: Option<PortRef>,
    /// The counts of ports and sets each task made (kept while any of them exists).
    pub censuses: Vec<Arc<Census>>,
}

/// What the tasks of one kernel share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The kernel's own count (the host port).
    pub census: Arc<Census>,
    pub tasks: Locked<Tasks>,
    pub host: PortRef,
    /// Held while a message carrying receive rights is checked for circularity and queued
    /// (XNU's `ipc_port_multiple_lock`).
    pub transit: Locked<()>,
    /// Order of messages queued on ports in sets, for fair receives from a set.
    pub order: AtomicU64,
    /// Task ids, never reused.
    pub next_task: AtomicU64,
}

/// The Mach kernel of this process: ports, port sets and tasks.
///
/// Cheap to clone (a shared handle). There is no kernel-wide lock: as in XNU each IPC space,
/// port set and port has its own, so tasks working on their own ports do not wait for each
/// other (the lock order is documented in the crate's `lock` module and checked in debug
/// builds). Each operation is atomic as a Mach trap is; blocking receives and sends wait
/// holding no lock.
#[derive(Clone)]
pub struct Kernel {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("tasks", &self.task_count())
            .field("ports", &self.port_count())
            .field("port_sets", &self.port_set_count())
            .finish()
    }
}

impl Default for Kernel {
    fn default() -> Self {
        Self::new()
    }
}

impl Kernel {
    /// A kernel with a host port and no tasks.
    pub fn new() -> Kernel {
        let census = Arc::new(Census::default());
        let host = PortObj::new(&census, Receiver::Kernel, KObject::Host);
        Kernel {
            shared: Arc::new(Shared {
                census,
                tasks: Locked::new(Rank::Tasks, Tasks::default()),
                host,
                transit: Locked::new(Rank::Transit, ()),
                order: AtomicU64::new(0),
                next_task: AtomicU64::new(1),
            }),
        }
    }

    /// Runs deferred work (with no lock held).
    pub(crate) fn run(&self, d: &mut Deferred) {
        d.run(&self.shared);
    }

    /// A new task. With a parent it inherits the parent's bootstrap and registered ports (as a
    /// forked task does); without one it gets the kernel's default bootstrap port, if a
    /// bootstrap server set one.
    pub fn task_create(&self, parent: Option<&Task>) -> Task {
        Task::create(self, parent)
    }

    /// Ports that exist (live, or dead but still named somewhere), the host port included.
    /// A leak check: once every task has terminated, only the host port (and the ports a
    /// bootstrap server's own task holds) remain.
    pub fn port_count(&self) -> usize {
        self.census_sum(|c| c.ports.load(Ordering::Relaxed))
    }

    /// The sum of `f` over the kernel's count and every task's.
    fn census_sum(&self, f: impl Fn(&Census) -> isize) -> usize {
        let tasks = self.shared.tasks.lock();
        let sum: isize = std::iter::once(&self.shared.census)
            .chain(&tasks.censuses)
            .map(|c| f(c))
            .sum();
        usize::try_from(sum).unwrap_or(0)
    }

    /// Port sets that exist.
    pub fn port_set_count(&self) -> usize {
        self.census_sum(|c| c.psets.load(Ordering::Relaxed))
    }

    /// Tasks that exist.
    pub fn task_count(&self) -> usize {
        self.shared.tasks.lock().count
    }

    /// Makes `port` (a send right in `task`'s space, copied) the bootstrap port that tasks
    /// created without a parent get; `MACH_PORT_NULL` clears it.
    ///
    /// # Errors
    /// As for copying a send right: `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`.
    pub fn set_default_bootstrap(
        &self,
        task: &Task,
        port: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        let mut d = Deferred::default();
        let right = {
            let mut ts = task.obj.lock();
            copyin(&mut ts.space, port, MACH_MSG_TYPE_COPY_SEND, &mut d)
        };
        let result = match right {
            Ok(Carried::Send(p)) => {
                let old = self.shared.tasks.lock().default_bootstrap.replace(p);
                d.release(old.map_or(Carried::Null, Carried::Send));
                Ok(())
            }
            Ok(Carried::Null) => {
                let old = self.shared.tasks.lock().default_bootstrap.take();
                d.release(old.map_or(Carried::Null, Carried::Send));
                Ok(())
            }
            Ok(other) => {
                d.release(other);
                Err(KernReturn(KERN_INVALID_CAPABILITY))
            }
            Err(e) => Err(e.kern_return()),
        };
        self.run(&mut d);
        result
    }
}
