//! The kernel (every port, set and task, behind one lock) and tasks, the handles through which
//! everything is done.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::consts::*;
use crate::kmsg::{Carried, Sender};
use crate::state::{KObject, Receiver, SPECIAL_SLOTS, State, TaskData, TaskId};
use crate::vm::Vm;

/// The Mach kernel of this process: ports, port sets and tasks.
///
/// Cheap to clone (a shared handle). Every operation takes the kernel's one lock for its
/// whole duration, so each is atomic as a Mach trap is; blocking receives and sends wait
/// without holding it.
#[derive(Clone)]
pub struct Kernel {
    pub(crate) shared: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("Kernel")
            .field("tasks", &s.tasks.len())
            .field("ports", &s.ports.len())
            .field("port_sets", &s.psets.len())
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
        let mut state = State::default();
        let host = state.new_port(Receiver::Kernel, KObject::Host);
        state.host = Some(host);
        Kernel {
            shared: Arc::new(Mutex::new(state)),
        }
    }

    /// The state, locked. A panic in another thread cannot leave it half-changed (nothing
    /// here panics while holding it), so a poisoned lock is taken as is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new task. With a parent it inherits the parent's bootstrap and registered ports (as a
    /// forked task does); without one it gets the kernel's default bootstrap port, if a
    /// bootstrap server set one.
    pub fn task_create(&self, parent: Option<&Task>) -> Task {
        let mut s = self.lock();
        s.next_pid += 1;
        let pid = s.next_pid;
        let mut special = [None; SPECIAL_SLOTS];
        let mut registered = [None; TASK_PORT_REGISTER_MAX];
        let inherited = parent
            .and_then(|p| s.tasks.get(p.id))
            .map(|t| (t.special[TASK_BOOTSTRAP_PORT as usize], t.registered));
        let bootstrap = match inherited {
            Some((b, reg)) => {
                for (slot, r) in registered.iter_mut().zip(reg) {
                    if let Some(p) = r {
                        s.copy_send(p);
                        *slot = Some(p);
                    }
                }
                b
            }
            None => s.default_bootstrap,
        };
        if let Some(b) = bootstrap {
            s.copy_send(b);
            special[TASK_BOOTSTRAP_PORT as usize] = Some(b);
        }
        if let Some(host) = s.host {
            s.copy_send(host);
            special[TASK_HOST_PORT as usize] = Some(host);
        }
        // The task's own ports, held by the kernel; they learn whose they are below.
        let self_port = s.new_port(Receiver::Kernel, KObject::None);
        let name_port = s.new_port(Receiver::Kernel, KObject::None);
        s.make_send(self_port);
        s.make_send(name_port);
        special[TASK_KERNEL_PORT as usize] = Some(self_port);
        special[TASK_NAME_PORT as usize] = Some(name_port);
        let id = s.tasks.insert(TaskData {
            space: Default::default(),
            alive: true,
            self_port,
            name_port,
            special,
            registered,
            vm: Vm::default(),
            sender: Sender::task(pid),
        });
        for (p, k) in [
            (self_port, KObject::Task(id)),
            (name_port, KObject::TaskName(id)),
        ] {
            if let Some(port) = s.port_mut(p) {
                port.kobject = k;
            }
        }
        Task {
            kernel: self.clone(),
            id,
        }
    }

    /// Ports that exist (live, or dead but still named somewhere), the host port included.
    /// A leak check: once every task has terminated, only the host port (and the ports a
    /// bootstrap server's own task holds) remain.
    pub fn port_count(&self) -> usize {
        self.lock().ports.len()
    }

    /// Port sets that exist.
    pub fn port_set_count(&self) -> usize {
        self.lock().psets.len()
    }

    /// Tasks that exist.
    pub fn task_count(&self) -> usize {
        self.lock().tasks.len()
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
        let mut s = self.lock();
        let mut work = Vec::new();
        let right = s
            .copyin(task.id, port, MACH_MSG_TYPE_COPY_SEND, &mut work)
            .map_err(|e| KernReturn(e.kern_return()))?;
        let new = match right {
            Carried::Send(p) => Some(p),
            Carried::Null => None,
            other => {
                s.release(other);
                return Err(KernReturn(KERN_INVALID_CAPABILITY));
            }
        };
        if let Some(old) = std::mem::replace(&mut s.default_bootstrap, new) {
            s.release(Carried::Send(old));
        }
        s.drain(&mut work);
        Ok(())
    }
}

/// A task: an IPC space (its names for port rights), its special ports and its memory.
///
/// Cheap to clone; any thread may use it, as threads of one task do.
#[derive(Clone)]
pub struct Task {
    pub(crate) kernel: Kernel,
    pub(crate) id: TaskId,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").field("pid", &self.pid()).finish()
    }
}

impl Task {
    /// The kernel the task lives in.
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.kernel.lock()
    }

    /// The task's process id (as its audit token reports it).
    pub fn pid(&self) -> u32 {
        self.lock().tasks.get(self.id).map_or(0, |t| t.sender.pid)
    }

    /// Whether the task has not been terminated.
    pub fn is_alive(&self) -> bool {
        self.lock().tasks.get(self.id).is_some_and(|t| t.alive)
    }

    /// `mach_task_self()`: a send right to the task's own control port, added to the name
    /// that holds it (one more uref per call, as the trap gives).
    pub fn mach_task_self(&self) -> mach_port_name_t {
        self.task_get_special_port(TASK_KERNEL_PORT)
            .unwrap_or(MACH_PORT_NULL)
    }

    /// `task_get_special_port`: a copy of the send right in slot `which` (`TASK_*_PORT`),
    /// `MACH_PORT_NULL` if the slot is empty.
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` for an unknown slot, `KERN_FAILURE` for a terminated task.
    pub fn task_get_special_port(&self, which: i32) -> Result<mach_port_name_t, KernReturn> {
        let mut s = self.lock();
        let Some(t) = s.tasks.get(self.id).filter(|t| t.alive) else {
            return Err(KernReturn(KERN_FAILURE));
        };
        // xnu-7195 serves these; 8 and TASK_RESOURCE_NOTIFY_PORT (11) are unknown to it.
        let slot = match which {
            TASK_KERNEL_PORT..=TASK_SEATBELT_PORT | TASK_ACCESS_PORT | TASK_DEBUG_CONTROL_PORT => {
                special_slot(which)?
            }
            _ => return Err(KernReturn(KERN_INVALID_ARGUMENT)),
        };
        let Some(p) = t.special[slot] else {
            return Ok(MACH_PORT_NULL);
        };
        s.copy_send(p);
        Ok(s.copyout(self.id, Carried::Send(p)))
    }

    /// `task_set_special_port`: puts a copy of the send right `port` (or nothing, for
    /// `MACH_PORT_NULL`) in slot `which`, releasing the right that was there.
    ///
    /// # Errors
    /// `KERN_NO_ACCESS` for `TASK_KERNEL_PORT` and `TASK_HOST_PORT` (XNU refuses them with
    /// System Integrity Protection on) and for a second `TASK_SEATBELT_PORT` or
    /// `TASK_ACCESS_PORT` (set once), `KERN_INVALID_ARGUMENT` for `TASK_NAME_PORT` and
    /// unknown slots, `KERN_INVALID_NAME` / `KERN_INVALID_RIGHT` for `port`.
    pub fn task_set_special_port(
        &self,
        which: i32,
        port: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        if which == TASK_KERNEL_PORT || which == TASK_HOST_PORT {
            return Err(KernReturn(KERN_NO_ACCESS));
        }
        let mut s = self.lock();
        if !s.tasks.get(self.id).is_some_and(|t| t.alive) {
            return Err(KernReturn(KERN_FAILURE));
        }
        // task_set_special_port_internal: only these slots can be set, and the seatbelt and
        // access ports only once.
        let slot = match which {
            TASK_BOOTSTRAP_PORT
            | TASK_SEATBELT_PORT
            | TASK_ACCESS_PORT
            | TASK_DEBUG_CONTROL_PORT => special_slot(which)?,
            _ => return Err(KernReturn(KERN_INVALID_ARGUMENT)),
        };
        if (which == TASK_SEATBELT_PORT || which == TASK_ACCESS_PORT)
            && s.tasks
                .get(self.id)
                .is_some_and(|t| t.special[slot].is_some())
        {
            return Err(KernReturn(KERN_NO_ACCESS));
        }
        let mut work = Vec::new();
        let right = s
            .copyin(self.id, port, MACH_MSG_TYPE_COPY_SEND, &mut work)
            .map_err(|e| KernReturn(e.kern_return()))?;
        let new = match right {
            Carried::Send(p) => Some(p),
            other => {
                s.release(other);
                None
            }
        };
        let old = s
            .tasks
            .get_mut(self.id)
            .and_then(|t| std::mem::replace(&mut t.special[slot], new));
        if let Some(old) = old {
            s.release(Carried::Send(old));
        }
        s.drain(&mut work);
        Ok(())
    }

    /// The task's bootstrap port (`task_get_special_port(TASK_BOOTSTRAP_PORT)`), as libSystem
    /// puts it in `bootstrap_port`.
    pub fn bootstrap_port(&self) -> mach_port_name_t {
        self.task_get_special_port(TASK_BOOTSTRAP_PORT)
            .unwrap_or(MACH_PORT_NULL)
    }

    /// `mach_ports_register`: replaces all three registered-port slots with copies of the send
    /// rights `ports` (missing ones become empty).
    ///
    /// # Errors
    /// `KERN_INVALID_ARGUMENT` for more than `TASK_PORT_REGISTER_MAX` ports; the copy-in errors
    /// of a bad name (nothing is changed then).
    pub fn mach_ports_register(&self, ports: &[mach_port_name_t]) -> Result<(), KernReturn> {
        if ports.len() > TASK_PORT_REGISTER_MAX {
            return Err(KernReturn(KERN_INVALID_ARGUMENT));
        }
        let mut s = self.lock();
        let mut work = Vec::new();
        let mut new = [None; TASK_PORT_REGISTER_MAX];
        for (i, &name) in ports.iter().enumerate() {
            match s.copyin(self.id, name, MACH_MSG_TYPE_COPY_SEND, &mut work) {
                Ok(Carried::Send(p)) => new[i] = Some(p),
                Ok(other) => s.release(other),
                Err(e) => {
                    for p in new.iter().flatten() {
                        s.release(Carried::Send(*p));
                    }
                    s.drain(&mut work);
                    return Err(KernReturn(e.kern_return()));
                }
            }
        }
        let old = match s.tasks.get_mut(self.id) {
            Some(t) => std::mem::replace(&mut t.registered, new),
            None => new,
        };
        for p in old.into_iter().flatten() {
            s.release(Carried::Send(p));
        }
        s.drain(&mut work);
        Ok(())
    }

    /// `mach_ports_lookup`: copies of the three registered ports (`MACH_PORT_NULL` for empty
    /// slots).
    pub fn mach_ports_lookup(&self) -> [mach_port_name_t; TASK_PORT_REGISTER_MAX] {
        let mut s = self.lock();
        let reg = s
            .tasks
            .get(self.id)
            .map(|t| t.registered)
            .unwrap_or_default();
        reg.map(|r| match r {
            Some(p) => {
                s.copy_send(p);
                s.copyout(self.id, Carried::Send(p))
            }
            None => MACH_PORT_NULL,
        })
    }

    /// Terminates the task: every right in its space is destroyed (receive rights die, so
    /// their senders see dead names; send-once rights send their notifications), its special
    /// and registered ports are released, and its memory is freed. Idempotent.
    pub fn terminate(&self) {
        let mut s = self.lock();
        let Some(t) = s.tasks.get_mut(self.id) else {
            return;
        };
        if !t.alive {
            return;
        }
        t.alive = false;
        let names = t.space.names();
        let special = std::mem::replace(&mut t.special, [None; SPECIAL_SLOTS]);
        let registered = std::mem::take(&mut t.registered);
        let (self_port, name_port) = (t.self_port, t.name_port);
        let mut work = Vec::new();
        for name in names {
            s.destroy_name(self.id, name, &mut work);
        }
        for p in special.into_iter().chain(registered).flatten() {
            work.push(Carried::Send(p));
        }
        // The task's own ports die with it.
        for p in [self_port, name_port] {
            work.push(Carried::Receive(p));
        }
        s.drain(&mut work);
        s.tasks.remove(self.id);
    }

    /// `vm_allocate` and copy: a new region of the task's (simulated) memory holding `data`,
    /// for out-of-line descriptors. Returns its address.
    pub fn vm_allocate(&self, data: Vec<u8>) -> u64 {
        let mut s = self.lock();
        s.tasks.get_mut(self.id).map_or(0, |t| t.vm.allocate(data))
    }

    /// `vm_read`: a copy of `len` bytes at `address` of the task's memory.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if one region does not hold them all.
    pub fn vm_read(&self, address: u64, len: u64) -> Result<Vec<u8>, KernReturn> {
        let s = self.lock();
        s.tasks
            .get(self.id)
            .and_then(|t| t.vm.read(address, len))
            .ok_or(KernReturn(KERN_INVALID_ADDRESS))
    }

    /// `vm_deallocate` of the region starting at `address`.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if no region starts there.
    pub fn vm_deallocate(&self, address: u64) -> Result<(), KernReturn> {
        let mut s = self.lock();
        if s.tasks
            .get_mut(self.id)
            .is_some_and(|t| t.vm.deallocate(address))
        {
            Ok(())
        } else {
            Err(KernReturn(KERN_INVALID_ADDRESS))
        }
    }

    /// Number of regions in the task's memory (a leak check for out-of-line data).
    pub fn vm_region_count(&self) -> usize {
        let s = self.lock();
        s.tasks.get(self.id).map_or(0, |t| t.vm.regions())
    }
}

fn special_slot(which: i32) -> Result<usize, KernReturn> {
    match usize::try_from(which) {
        Ok(slot) if (1..SPECIAL_SLOTS).contains(&slot) => Ok(slot),
        _ => Err(KernReturn(KERN_INVALID_ARGUMENT)),
    }
}
