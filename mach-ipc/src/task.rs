//! Tasks (XNU's `task.c` and `ipc_tt.c`): an IPC space, special and registered ports, the
//! task's own ports, and its (simulated) memory.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::consts::*;
use crate::ipc_kmsg::{Carried, Sender};
use crate::ipc_notify::Deferred;
use crate::ipc_object::{copy_send, make_send};
use crate::ipc_port::{Census, KObject, PortObj, PortRef, Receiver, TaskId};
use crate::ipc_right::{copyin, copyout, destroy_name};
use crate::ipc_space::Space;
use crate::kernel::Kernel;
use crate::lock::{Guard, Locked, Rank};
use crate::vm::Vm;

/// Special ports a task holds send rights to.
pub(crate) const SPECIAL_SLOTS: usize = TASK_MAX_SPECIAL_PORT as usize + 1;

/// A task's IPC state, behind the space's lock.
#[derive(Debug)]
pub(crate) struct TaskState {
    pub space: Space,
    pub alive: bool,
    /// Send rights held for `task_get_special_port` (index = `TASK_*_PORT`).
    pub special: [Option<PortRef>; SPECIAL_SLOTS],
    /// `mach_ports_register` slots.
    pub registered: [Option<PortRef>; TASK_PORT_REGISTER_MAX],
    /// The task's control and name ports (receive rights held by the kernel, destroyed when
    /// the task terminates).
    pub own: Vec<PortRef>,
}

/// A task as the kernel holds it. Aligned to its own cache lines: tasks made one after the
/// other sit next to each other in memory, and threads of different tasks must not write
/// one line (each operation writes the space's lock word).
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct TaskObj {
    pub id: TaskId,
    /// Counts the ports and sets this task makes.
    pub census: Arc<Census>,
    pub sender: Sender,
    state: Locked<TaskState>,
    vm: Locked<Vm>,
    /// Guard exceptions raised and not yet taken (the last lock in the order, so it may be
    /// taken under any of the others).
    guard_exceptions: Locked<Vec<GuardException>>,
}

impl TaskObj {
    /// Locks the task's space (and special ports).
    pub(crate) fn lock(&self) -> Guard<'_, TaskState> {
        self.state.lock()
    }

    /// Locks the task's memory.
    pub(crate) fn vm(&self) -> Guard<'_, Vm> {
        self.vm.lock()
    }

    /// Records a fatal guard exception for `name` (xnu-7195.141.2
    /// `mach_port_guard_exception`, for the reasons that always kill the task).
    pub(crate) fn raise(&self, name: mach_port_name_t, reason: u32, subcode: u64) {
        debug_assert!(reason <= MAX_FATAL_kGUARD_EXC_CODE);
        self.guard_exceptions.lock().push(GuardException {
            name,
            reason,
            subcode,
        });
    }
}

/// A Mach port guard violation a call made (xnu-7195.141.2 `mach_port_guard_exception`).
///
/// XNU raises these as an `EXC_GUARD` exception when the thread returns to user space, and
/// for every reason recorded here (those up to `MAX_FATAL_kGUARD_EXC_CODE`: destroying or
/// dropping a guarded receive right without its guard, setting a strict guard's context,
/// unguarding with no or the wrong guard, moving an immovable right) it then kills the
/// task. The call itself still returns its error code. This crate records them for the
/// runtime to act on ([`Task::take_guard_exceptions`]); the non-fatal reasons, which XNU
/// delivers only under a task's `TASK_EXC_GUARD_MP_DELIVER` behaviour, are not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardException {
    /// The port's name in the task.
    pub name: mach_port_name_t,
    /// The `kGUARD_EXC_*` reason.
    pub reason: u32,
    /// The exception's subcode: the port's guard (or context) where XNU reports one, else 0.
    pub subcode: u64,
}

impl GuardException {
    /// The exception's `EXC_GUARD` code: type `GUARD_TYPE_MACH_PORT`, flavor the reason,
    /// target the name.
    pub const fn code(&self) -> u64 {
        EXC_GUARD_ENCODE(GUARD_TYPE_MACH_PORT, self.reason, self.name)
    }
}

/// A task: an IPC space (its names for port rights), its special ports and its memory.
///
/// Cheap to clone; any thread may use it, as threads of one task do.
#[derive(Clone)]
pub struct Task {
    pub(crate) kernel: Kernel,
    pub(crate) obj: Arc<TaskObj>,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").field("pid", &self.pid()).finish()
    }
}

fn special_slot(which: i32) -> Result<usize, KernReturn> {
    match usize::try_from(which) {
        Ok(slot) if (1..SPECIAL_SLOTS).contains(&slot) => Ok(slot),
        _ => Err(KernReturn(KERN_INVALID_ARGUMENT)),
    }
}

/// A copy of the send right the slot holds.
fn copy_slot(slot: &Option<PortRef>) -> Option<PortRef> {
    let p = slot.as_ref()?;
    copy_send(&mut p.lock());
    Some(Arc::clone(p))
}

impl Task {
    pub(crate) fn create(kernel: &Kernel, parent: Option<&Task>) -> Task {
        let shared = &kernel.shared;
        let id = shared
            .next_task
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let census = Arc::new(Census::default());
        let (pid, default_bootstrap) = {
            let mut tasks = shared.tasks.lock();
            tasks.count += 1;
            tasks.next_pid += 1;
            // Counts nothing can add to any more, of tasks gone, are dropped.
            tasks.censuses.retain(|c| {
                Arc::strong_count(c) > 1
                    || c.ports.load(Ordering::Relaxed) != 0
                    || c.psets.load(Ordering::Relaxed) != 0
            });
            tasks.censuses.push(Arc::clone(&census));
            (tasks.next_pid, copy_slot(&tasks.default_bootstrap))
        };
        let mut special: [Option<PortRef>; SPECIAL_SLOTS] = Default::default();
        let mut registered: [Option<PortRef>; TASK_PORT_REGISTER_MAX] = Default::default();
        let inherited = parent.map(|p| {
            let ps = p.obj.lock();
            (
                copy_slot(&ps.special[TASK_BOOTSTRAP_PORT as usize]),
                ps.registered.each_ref().map(copy_slot),
            )
        });
        let mut d = Deferred::default();
        special[TASK_BOOTSTRAP_PORT as usize] = match inherited {
            Some((bootstrap, reg)) => {
                registered = reg;
                d.release(default_bootstrap.map_or(Carried::Null, Carried::Send));
                bootstrap
            }
            None => default_bootstrap,
        };
        special[TASK_HOST_PORT as usize] = copy_slot(&Some(Arc::clone(&shared.host)));
        // The task's own ports, held by the kernel.
        let own = [KObject::Task(id), KObject::TaskName(id)]
            .map(|k| PortObj::new(&census, Receiver::Kernel, k));
        for (slot, p) in [TASK_KERNEL_PORT, TASK_NAME_PORT].into_iter().zip(&own) {
            make_send(&mut p.lock());
            special[slot as usize] = Some(Arc::clone(p));
        }
        let obj = Arc::new(TaskObj {
            id,
            census,
            sender: Sender::task(pid),
            state: Locked::new(
                Rank::Space,
                TaskState {
                    space: Space::new(id),
                    alive: true,
                    special,
                    registered,
                    own: own.into(),
                },
            ),
            vm: Locked::new(Rank::Memory, Vm::default()),
            guard_exceptions: Locked::new(Rank::Exceptions, Vec::new()),
        });
        kernel.run(&mut d);
        Task {
            kernel: kernel.clone(),
            obj,
        }
    }

    /// The kernel the task lives in.
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    pub(crate) fn id(&self) -> TaskId {
        self.obj.id
    }

    /// The task's space, locked, if the task is alive.
    pub(crate) fn space(&self) -> Result<Guard<'_, TaskState>, KernReturn> {
        let ts = self.obj.lock();
        if ts.alive {
            Ok(ts)
        } else {
            Err(KernReturn(KERN_INVALID_TASK))
        }
    }

    /// Runs deferred work (with no lock held).
    pub(crate) fn run(&self, d: &mut Deferred) {
        self.kernel.run(d);
    }

    /// The task's process id (as its audit token reports it).
    pub fn pid(&self) -> u32 {
        self.obj.sender.pid
    }

    /// Whether the task has not been terminated.
    pub fn is_alive(&self) -> bool {
        self.obj.lock().alive
    }

    /// The guard exceptions this task's calls raised since the last call, oldest first. On
    /// XNU each of them kills the task once the offending thread returns to user space
    /// ([`GuardException`]); a runtime built on this crate does that here.
    pub fn take_guard_exceptions(&self) -> Vec<GuardException> {
        std::mem::take(&mut *self.obj.guard_exceptions.lock())
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
        let mut ts = self.space().map_err(|_| KernReturn(KERN_FAILURE))?;
        // xnu-7195 serves these; 8 and TASK_RESOURCE_NOTIFY_PORT (11) are unknown to it.
        let slot = match which {
            TASK_KERNEL_PORT..=TASK_SEATBELT_PORT | TASK_ACCESS_PORT | TASK_DEBUG_CONTROL_PORT => {
                special_slot(which)?
            }
            _ => return Err(KernReturn(KERN_INVALID_ARGUMENT)),
        };
        let Some(p) = copy_slot(&ts.special[slot]) else {
            return Ok(MACH_PORT_NULL);
        };
        let mut d = Deferred::default();
        let name = copyout(&mut ts.space, Carried::Send(p), &mut d);
        drop(ts);
        self.run(&mut d);
        Ok(name)
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
        let mut ts = self.space().map_err(|_| KernReturn(KERN_FAILURE))?;
        // task_set_special_port_internal: only these slots can be set, and the seatbelt and
        // access ports only once.
        let slot = match which {
            TASK_BOOTSTRAP_PORT
            | TASK_SEATBELT_PORT
            | TASK_ACCESS_PORT
            | TASK_DEBUG_CONTROL_PORT => special_slot(which)?,
            _ => return Err(KernReturn(KERN_INVALID_ARGUMENT)),
        };
        if (which == TASK_SEATBELT_PORT || which == TASK_ACCESS_PORT) && ts.special[slot].is_some()
        {
            return Err(KernReturn(KERN_NO_ACCESS));
        }
        let mut d = Deferred::default();
        let right = copyin(&mut ts.space, port, MACH_MSG_TYPE_COPY_SEND, &mut d)
            .map_err(|e| e.kern_return())?;
        let new = match right {
            Carried::Send(p) => Some(p),
            other => {
                d.release(other);
                None
            }
        };
        let old = std::mem::replace(&mut ts.special[slot], new);
        drop(ts);
        d.release(old.map_or(Carried::Null, Carried::Send));
        self.run(&mut d);
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
        let mut ts = self.obj.lock();
        let mut d = Deferred::default();
        let mut new: [Option<PortRef>; TASK_PORT_REGISTER_MAX] = Default::default();
        for (i, &name) in ports.iter().enumerate() {
            match copyin(&mut ts.space, name, MACH_MSG_TYPE_COPY_SEND, &mut d) {
                Ok(Carried::Send(p)) => new[i] = Some(p),
                Ok(other) => d.release(other),
                Err(e) => {
                    drop(ts);
                    for p in new.into_iter().flatten() {
                        d.release(Carried::Send(p));
                    }
                    self.run(&mut d);
                    return Err(e.kern_return());
                }
            }
        }
        let old = if ts.alive {
            std::mem::replace(&mut ts.registered, new)
        } else {
            new
        };
        drop(ts);
        for p in old.into_iter().flatten() {
            d.release(Carried::Send(p));
        }
        self.run(&mut d);
        Ok(())
    }

    /// `mach_ports_lookup`: copies of the three registered ports (`MACH_PORT_NULL` for empty
    /// slots).
    pub fn mach_ports_lookup(&self) -> [mach_port_name_t; TASK_PORT_REGISTER_MAX] {
        let mut ts = self.obj.lock();
        let mut d = Deferred::default();
        let copies = ts.registered.each_ref().map(copy_slot);
        let names = copies.map(|p| match p {
            Some(p) => copyout(&mut ts.space, Carried::Send(p), &mut d),
            None => MACH_PORT_NULL,
        });
        drop(ts);
        self.run(&mut d);
        names
    }

    /// Terminates the task: every right in its space is destroyed (receive rights die, so
    /// their senders see dead names; send-once rights send their notifications), its special
    /// and registered ports are released, and its memory is freed. Idempotent.
    pub fn terminate(&self) {
        let mut d = Deferred::default();
        {
            let mut ts = self.obj.lock();
            if !ts.alive {
                return;
            }
            ts.alive = false;
            for name in ts.space.names() {
                destroy_name(&mut ts.space, name, &mut d);
            }
            let special = std::mem::take(&mut ts.special);
            let registered = std::mem::take(&mut ts.registered);
            for p in special.into_iter().chain(registered).flatten() {
                d.release(Carried::Send(p));
            }
            // The task's own ports die with it.
            for p in std::mem::take(&mut ts.own) {
                d.release(Carried::Receive(p));
            }
        }
        *self.obj.vm() = Vm::default();
        self.kernel.shared.tasks.lock().count -= 1;
        self.run(&mut d);
    }

    /// `vm_allocate` and copy: a new region of the task's (simulated) memory holding `data`,
    /// for out-of-line descriptors. Returns its address.
    pub fn vm_allocate(&self, data: Vec<u8>) -> u64 {
        if !self.is_alive() {
            return 0;
        }
        self.obj.vm().allocate(data)
    }

    /// `vm_read`: a copy of `len` bytes at `address` of the task's memory.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if one region does not hold them all.
    pub fn vm_read(&self, address: u64, len: u64) -> Result<Vec<u8>, KernReturn> {
        self.obj
            .vm()
            .read(address, len)
            .ok_or(KernReturn(KERN_INVALID_ADDRESS))
    }

    /// `vm_deallocate` of the region starting at `address`.
    ///
    /// # Errors
    /// `KERN_INVALID_ADDRESS` if no region starts there.
    pub fn vm_deallocate(&self, address: u64) -> Result<(), KernReturn> {
        if self.obj.vm().deallocate(address) {
            Ok(())
        } else {
            Err(KernReturn(KERN_INVALID_ADDRESS))
        }
    }

    /// Number of regions in the task's memory (a leak check for out-of-line data).
    pub fn vm_region_count(&self) -> usize {
        self.obj.vm().regions()
    }
}
