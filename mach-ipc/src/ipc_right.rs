//! Rights in a space (XNU's `ipc_right.c` and `ipc_object.c`): looking a name up, copying a
//! right in from a name (into a message or the kernel) and out into a space, dropping user
//! references, destroying a name's rights.
//!
//! Everything here runs with the space's lock held (the `&mut Space`), taking port locks
//! one at a time under it; notifications and released rights go to a [`Deferred`].

use std::sync::Arc;

use crate::consts::*;
use crate::ipc_kmsg::{Carried, Kmsg};
use crate::ipc_notify::Deferred;
use crate::ipc_object::{
    clear_receiver, copy_send, make_send, make_send_once, release_send, take_no_senders, unlink_all,
};
use crate::ipc_port::{PortRef, Receiver, port_key};
use crate::ipc_pset::PsetRef;
use crate::ipc_space::{Entry, Obj, Space};

/// The right (`MACH_PORT_TYPE_*` bit) a name must hold to be copied in with `disposition`
/// (0, which no name holds, for a disposition that is no right).
pub(crate) fn needed_right(disposition: mach_msg_type_name_t) -> mach_port_type_t {
    match disposition {
        MACH_MSG_TYPE_MOVE_RECEIVE | MACH_MSG_TYPE_MAKE_SEND | MACH_MSG_TYPE_MAKE_SEND_ONCE => {
            MACH_PORT_TYPE_RECEIVE
        }
        MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_COPY_SEND => MACH_PORT_TYPE_SEND,
        MACH_MSG_TYPE_MOVE_SEND_ONCE => MACH_PORT_TYPE_SEND_ONCE,
        _ => 0,
    }
}

/// The type a right copied in with disposition `d` travels as.
pub(crate) fn carried_type(d: mach_msg_type_name_t) -> mach_msg_type_name_t {
    match d {
        MACH_MSG_TYPE_MOVE_RECEIVE => MACH_MSG_TYPE_PORT_RECEIVE,
        MACH_MSG_TYPE_MOVE_SEND_ONCE | MACH_MSG_TYPE_MAKE_SEND_ONCE => MACH_MSG_TYPE_PORT_SEND_ONCE,
        _ => MACH_MSG_TYPE_PORT_SEND,
    }
}

/// A failure while copying in a right, before the caller maps it to its return code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RightError {
    /// No such name.
    Name,
    /// The name does not hold the right the disposition needs.
    Right,
    /// The disposition is not one a right can be sent with.
    Disposition,
    /// The receive right cannot move: its port is immovable (xnu-7195.141.2
    /// `ipc_right_copyin`, `ip_immovable_receive`).
    Immovable,
}

impl RightError {
    /// The `mach_port_*` return code for the failure.
    pub(crate) fn kern_return(self) -> KernReturn {
        KernReturn(match self {
            RightError::Name => KERN_INVALID_NAME,
            RightError::Right => KERN_INVALID_RIGHT,
            RightError::Disposition => KERN_INVALID_VALUE,
            RightError::Immovable => KERN_INVALID_CAPABILITY,
        })
    }
}

/// The entry of `name`, first turning send and send-once rights to a dead port into a dead
/// name (as XNU does lazily, `ipc_right_check`): the dead name keeps the send urefs (1 for
/// send-once) plus one for a dead-name request that fired.
pub(crate) fn lookup(sp: &mut Space, name: mach_port_name_t) -> Option<&mut Entry> {
    let task = sp.task;
    // One look-up: the entries and the reverse map are borrowed apart.
    let Space {
        entries, reverse, ..
    } = sp;
    let e = match entries.get_mut(name >> 8) {
        Some((generation, e)) if *generation == name & 0xff => e,
        _ => return None,
    };
    let dead = match &e.object {
        Obj::Port(p) if e.rights & MACH_PORT_TYPE_RECEIVE == 0 && !p.is_active() => {
            Some(Arc::clone(p))
        }
        _ => None,
    };
    if let Some(p) = dead {
        let mut port = p.lock();
        let mut urefs = if e.rights & MACH_PORT_TYPE_SEND_ONCE != 0 {
            port.sorights = port.sorights.saturating_sub(1);
            1
        } else {
            port.srights = port.srights.saturating_sub(1);
            e.urefs
        };
        if let Some(at) = port.fired.iter().position(|&f| f == (task, name)) {
            port.fired.swap_remove(at);
            urefs = (urefs + 1).min(MACH_PORT_UREFS_MAX);
        }
        drop(port);
        *e = Entry::new(MACH_PORT_TYPE_DEAD_NAME, urefs, Obj::None);
        reverse.remove(&port_key(&p));
    }
    Some(e)
}

/// Removes `name` from the space; a request armed on it sends a port-deleted notification.
pub(crate) fn free_name(sp: &mut Space, name: mach_port_name_t, d: &mut Deferred) -> Option<Entry> {
    let entry = sp.free(name)?;
    if entry.request
        && let Obj::Port(p) = &entry.object
    {
        cancel_request(sp, p, name, d, true);
    }
    Some(entry)
}

/// Takes the request of `name` off port `p`; with `deleted`, its notify port gets a
/// port-deleted notification, else its send-once right is returned (none for a used
/// send-possible slot).
pub(crate) fn cancel_request(
    sp: &mut Space,
    p: &PortRef,
    name: mach_port_name_t,
    d: &mut Deferred,
    deleted: bool,
) -> Option<PortRef> {
    if let Some(e) = sp.get_mut(name) {
        e.request = false;
    }
    let task = sp.task;
    let mut port = p.lock();
    let at = port
        .requests
        .iter()
        .position(|r| r.task == task && r.name == name)?;
    let r = port.requests.remove(at);
    drop(port);
    // A slot whose send-possible notification already went holds no right: nothing to tell.
    let notify = r.notify?;
    if deleted {
        d.send(Kmsg::port_deleted(notify, name));
        None
    } else {
        Some(notify)
    }
}

/// Copies a right into a message (or the kernel) from `name` with `disposition`.
pub(crate) fn copyin(
    sp: &mut Space,
    name: mach_port_name_t,
    disposition: mach_msg_type_name_t,
    d: &mut Deferred,
) -> Result<Carried, RightError> {
    if !(MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&disposition) {
        return Err(RightError::Disposition);
    }
    if name == MACH_PORT_NULL {
        return Ok(Carried::Null);
    }
    if name == MACH_PORT_DEAD {
        return Ok(Carried::Dead);
    }
    let e = lookup(sp, name).ok_or(RightError::Name)?;
    if e.rights & MACH_PORT_TYPE_DEAD_NAME != 0 {
        // A dead name travels as MACH_PORT_DEAD; moving it uses up a uref.
        return match disposition {
            MACH_MSG_TYPE_COPY_SEND => Ok(Carried::Dead),
            MACH_MSG_TYPE_MOVE_SEND | MACH_MSG_TYPE_MOVE_SEND_ONCE => {
                drop_urefs(sp, name, 1, d);
                Ok(Carried::Dead)
            }
            _ => Err(RightError::Right),
        };
    }
    let Obj::Port(p) = &e.object else {
        return Err(RightError::Right);
    };
    if e.rights & needed_right(disposition) == 0 {
        return Err(RightError::Right);
    }
    let p = Arc::clone(p);
    match disposition {
        MACH_MSG_TYPE_MOVE_RECEIVE => {
            if p.lock().immovable_receive {
                return Err(RightError::Immovable);
            }
            e.rights &= !MACH_PORT_TYPE_RECEIVE;
            if e.rights & MACH_PORT_TYPE_SEND == 0 {
                free_name(sp, name, d);
            }
            let mut port = p.lock();
            let sets = clear_receiver(&p, &mut port);
            drop(port);
            unlink_all(&p, sets);
            Ok(Carried::Receive(p))
        }
        MACH_MSG_TYPE_COPY_SEND => {
            copy_send(&mut p.lock());
            Ok(Carried::Send(p))
        }
        MACH_MSG_TYPE_MOVE_SEND => {
            if e.urefs > 1 {
                // Pegged urefs stay pegged.
                if e.urefs < MACH_PORT_UREFS_MAX {
                    e.urefs -= 1;
                }
                copy_send(&mut p.lock());
            } else {
                // The entry's send right itself moves.
                e.urefs = 0;
                e.rights &= !MACH_PORT_TYPE_SEND;
                if e.rights & MACH_PORT_TYPE_RECEIVE == 0 {
                    free_name(sp, name, d);
                }
            }
            Ok(Carried::Send(p))
        }
        MACH_MSG_TYPE_MAKE_SEND => {
            make_send(&mut p.lock());
            Ok(Carried::Send(p))
        }
        MACH_MSG_TYPE_MAKE_SEND_ONCE => {
            make_send_once(&mut p.lock());
            Ok(Carried::SendOnce(p))
        }
        MACH_MSG_TYPE_MOVE_SEND_ONCE => {
            free_name(sp, name, d);
            Ok(Carried::SendOnce(p))
        }
        _ => Err(RightError::Disposition),
    }
}

/// Puts a carried right into the space and returns its name there. Send rights join the
/// name that already holds rights for their port; send-once rights always get a new name;
/// rights to a dead port arrive as `MACH_PORT_DEAD`.
#[inline]
pub(crate) fn copyout(sp: &mut Space, right: Carried, d: &mut Deferred) -> mach_port_name_t {
    match right {
        Carried::Null => MACH_PORT_NULL,
        Carried::Dead => MACH_PORT_DEAD,
        right => copyout_port(sp, right, d),
    }
}

/// [`copyout`] of a right to a port.
fn copyout_port(sp: &mut Space, right: Carried, d: &mut Deferred) -> mach_port_name_t {
    match right {
        Carried::Null => MACH_PORT_NULL,
        Carried::Dead => MACH_PORT_DEAD,
        Carried::Send(p) => {
            if !p.is_active() {
                d.release(Carried::Send(p));
                return MACH_PORT_DEAD;
            }
            if let Some(name) = sp.reverse.get(&port_key(&p)).copied()
                && let Some(e) = sp.get_mut(name)
            {
                if e.rights & MACH_PORT_TYPE_SEND != 0 {
                    // Merged into the right already there.
                    e.urefs = (e.urefs + 1).min(MACH_PORT_UREFS_MAX);
                    let mut port = p.lock();
                    port.srights = port.srights.saturating_sub(1);
                } else {
                    e.rights |= MACH_PORT_TYPE_SEND;
                    e.urefs = 1;
                }
                return name;
            }
            let key = port_key(&p);
            let name = sp.alloc(Entry::new(MACH_PORT_TYPE_SEND, 1, Obj::Port(p)));
            sp.reverse.insert(key, name);
            name
        }
        Carried::SendOnce(p) => {
            if !p.is_active() {
                d.release(Carried::SendOnce(p));
                return MACH_PORT_DEAD;
            }
            sp.alloc(Entry::new(MACH_PORT_TYPE_SEND_ONCE, 1, Obj::Port(p)))
        }
        Carried::Receive(p) => {
            let key = port_key(&p);
            let name = if let Some(name) = sp.reverse.get(&key).copied()
                && let Some(e) = sp.get_mut(name)
            {
                e.rights |= MACH_PORT_TYPE_RECEIVE;
                name
            } else {
                let name = sp.alloc(Entry::new(
                    MACH_PORT_TYPE_RECEIVE,
                    0,
                    Obj::Port(Arc::clone(&p)),
                ));
                sp.reverse.insert(key, name);
                name
            };
            p.lock().set_receiver(Receiver::Task(sp.task, name));
            name
        }
    }
}

/// Takes `delta` urefs off a send or dead-name entry (the caller checked the count),
/// freeing the name when none are left.
pub(crate) fn drop_urefs(sp: &mut Space, name: mach_port_name_t, delta: u32, d: &mut Deferred) {
    let Some(e) = sp.get_mut(name) else {
        return;
    };
    let pegged = e.urefs == MACH_PORT_UREFS_MAX && delta != MACH_PORT_UREFS_MAX;
    if pegged {
        return;
    }
    e.urefs -= delta.min(e.urefs);
    if e.urefs > 0 {
        return;
    }
    if e.rights & MACH_PORT_TYPE_DEAD_NAME != 0 {
        free_name(sp, name, d);
        return;
    }
    let Obj::Port(p) = &e.object else {
        return;
    };
    let p = Arc::clone(p);
    e.rights &= !MACH_PORT_TYPE_SEND;
    let free = e.rights & MACH_PORT_TYPE_RECEIVE == 0;
    // xnu-7195.141.2 ipc_right_dealloc / ipc_right_delta: NO_SENDERS, then PORT_DELETED.
    release_send(&p, d);
    if free {
        free_name(sp, name, d);
    }
}

/// Destroys every right of `name` (mach_port_destroy, task termination), with XNU's
/// notifications in xnu-7195.141.2 `ipc_right_destroy`'s order: the name's request is taken
/// off and the name freed; its send right goes (taking the no-senders request if it was the
/// last); then the receive right is destroyed (the port's own notifications) or the
/// send-once right sends its notification; then NO_SENDERS; then PORT_DELETED to the request.
pub(crate) fn destroy_name(sp: &mut Space, name: mach_port_name_t, d: &mut Deferred) {
    let Some(e) = lookup(sp, name) else {
        return;
    };
    let (rights, request) = (e.rights, e.request);
    let deleted = match (&e.object, request) {
        (Obj::Port(p), true) => {
            let p = Arc::clone(p);
            cancel_request(sp, &p, name, d, false)
        }
        _ => None,
    };
    let Some(entry) = sp.free(name) else {
        return;
    };
    match entry.object {
        Obj::None => {}
        Obj::Pset(set) => destroy_pset(&set),
        Obj::Port(p) => {
            let no_senders = if rights & MACH_PORT_TYPE_SEND != 0 {
                let mut port = p.lock();
                port.srights = port.srights.saturating_sub(1);
                take_no_senders(&mut port)
            } else {
                None
            };
            if rights & MACH_PORT_TYPE_SEND_ONCE != 0 {
                d.release(Carried::SendOnce(p));
            } else if rights & MACH_PORT_TYPE_RECEIVE != 0 {
                p.lock().set_receiver(Receiver::Transit(None));
                d.release(Carried::Receive(p));
            }
            if let Some(k) = no_senders {
                d.send(k);
            }
        }
    }
    if let Some(n) = deleted {
        d.send(Kmsg::port_deleted(n, name));
    }
}

/// Destroys a port set: its members leave it and its receivers are told.
pub(crate) fn destroy_pset(set: &PsetRef) {
    let members = {
        let mut s = set.lock();
        s.owner = None;
        set.signal(&s);
        std::mem::take(&mut s.members)
    };
    for m in members {
        m.lock().psets.retain(|x| !crate::ipc_pset::same(x, set));
        m.signal();
    }
}
