//! The `mach_port_*` calls (XNU's `mach_port.c`), as methods of [`Task`] (the task whose
//! space they work on), with XNU's return codes (xnu-7195, the release Darling's kernel is
//! based on, where later releases differ).

use std::sync::Arc;

use crate::consts::*;
use crate::ipc_kmsg::{Carried, Kmsg};
use crate::ipc_notify::Deferred;
use crate::ipc_object::unlink_all;
use crate::ipc_port::{
    KObject, NameRequest, Port, PortObj, PortRef, Receiver, RequestKind, port_key,
};
use crate::ipc_pset::{PsetObj, PsetRef, same};
use crate::ipc_right::{
    RightError, cancel_request, copyin, copyout, destroy_name, drop_urefs, free_name, lookup,
};
use crate::ipc_space::{Entry, Obj, Space};
use crate::mach_msg::make_trailer;
use crate::task::Task;
use crate::wire::MachPortOptions;
use zerocopy::IntoBytes;

/// What [`Task::mach_port_peek`] reports of a queued message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeekedMessage {
    /// The sequence number the message will be received with.
    pub seqno: mach_port_seqno_t,
    /// The message's size as the kernel holds it (see [`Task::mach_port_peek`]).
    pub size: mach_msg_size_t,
    /// Its `msgh_id`.
    pub id: mach_msg_id_t,
    /// How many trailer bytes were written.
    pub trailer_size: mach_msg_size_t,
}

fn err<T>(code: kern_return_t) -> Result<T, KernReturn> {
    Err(KernReturn(code))
}

fn valid(name: mach_port_name_t) -> bool {
    name != MACH_PORT_NULL && name != MACH_PORT_DEAD
}

/// The receive right (its port) under `name`: `KERN_INVALID_NAME` if there is no such name,
/// `KERN_INVALID_RIGHT` if it holds no receive right.
pub(crate) fn receive_port(sp: &mut Space, name: mach_port_name_t) -> Result<PortRef, KernReturn> {
    let e = lookup(sp, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
    match &e.object {
        Obj::Port(p) if e.rights & MACH_PORT_TYPE_RECEIVE != 0 => Ok(Arc::clone(p)),
        _ => err(KERN_INVALID_RIGHT),
    }
}

fn pset_of(sp: &mut Space, name: mach_port_name_t) -> Result<PsetRef, KernReturn> {
    let e = lookup(sp, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
    match &e.object {
        Obj::Pset(p) => Ok(Arc::clone(p)),
        _ => err(KERN_INVALID_RIGHT),
    }
}

/// The receive right `name` and the port set `pset`, as ipc_object_translate_two checks
/// them: both names must exist (`KERN_INVALID_NAME`) before either right is checked
/// (`KERN_INVALID_RIGHT`).
fn member_and_set(
    sp: &mut Space,
    name: mach_port_name_t,
    pset: mach_port_name_t,
) -> Result<(PortRef, PsetRef), KernReturn> {
    if lookup(sp, name).is_none() || lookup(sp, pset).is_none() {
        return err(KERN_INVALID_NAME);
    }
    Ok((receive_port(sp, name)?, pset_of(sp, pset)?))
}

/// The type bits of an entry: its rights, and the bits of the request on the name
/// (xnu-7195 `ipc_port_request_type`). `mach_port_names` reports them all; `mach_port_type`
/// (`ipc_right_info`) strips `SPREQUEST` and `SPREQUEST_DELAYED`, as XNU does for
/// CoreFoundation's sake (`sp_bits` false).
fn type_bits(task: u64, name: mach_port_name_t, e: &Entry, sp_bits: bool) -> mach_port_type_t {
    let mut bits = e.rights;
    if e.request
        && let Obj::Port(p) = &e.object
        && let Some(r) = p
            .lock()
            .requests
            .iter()
            .find(|r| r.task == task && r.name == name)
    {
        bits |= r.type_bits();
    }
    if !sp_bits {
        bits &= !(MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED);
    }
    bits
}

impl Task {
    /// Runs `f` on the locked port of the receive right `name`: `invalid` for
    /// `MACH_PORT_NULL` or `MACH_PORT_DEAD`, then the task and name checks of a
    /// receive-right call.
    fn with_receive<R>(
        &self,
        name: mach_port_name_t,
        invalid: kern_return_t,
        f: impl FnOnce(&PortObj, &mut Port) -> Result<R, KernReturn>,
    ) -> Result<R, KernReturn> {
        if !valid(name) {
            return err(invalid);
        }
        let mut ts = self.space()?;
        let p = receive_port(&mut ts.space, name)?;
        let mut port = p.lock();
        f(&p, &mut port)
    }

    /// Allocates a right of kind `right` under `name`, or under a new name.
    fn allocate_in(
        &self,
        right: mach_port_right_t,
        name: Option<mach_port_name_t>,
    ) -> Result<mach_port_name_t, KernReturn> {
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let task = sp.task;
        let census = &self.obj.census;
        if right == MACH_PORT_RIGHT_DEAD_NAME {
            // XNU allocates dead names under a name of its own choice, even from
            // mach_port_allocate_name.
            return Ok(sp.alloc(Entry::new(MACH_PORT_TYPE_DEAD_NAME, 1, Obj::None)));
        }
        let rights = match right {
            MACH_PORT_RIGHT_RECEIVE => MACH_PORT_TYPE_RECEIVE,
            MACH_PORT_RIGHT_PORT_SET => MACH_PORT_TYPE_PORT_SET,
            _ => return err(KERN_INVALID_VALUE),
        };
        let placeholder = Entry::new(rights, 0, Obj::None);
        let name = match name {
            Some(name) => {
                sp.alloc_name(name, placeholder).map_err(KernReturn)?;
                name
            }
            None => sp.alloc(placeholder),
        };
        let object = if right == MACH_PORT_RIGHT_RECEIVE {
            let p = PortObj::new(census, Receiver::Task(task, name), KObject::None);
            sp.reverse.insert(port_key(&p), name);
            Obj::Port(p)
        } else {
            Obj::Pset(PsetObj::new(census, (task, name)))
        };
        if let Some(e) = sp.get_mut(name) {
            e.object = object;
        }
        Ok(name)
    }

    /// `mach_port_allocate`: a new receive right, port set or dead name, under a new name.
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` for another kind of right.
    pub fn mach_port_allocate(
        &self,
        right: mach_port_right_t,
    ) -> Result<mach_port_name_t, KernReturn> {
        self.allocate_in(right, None)
    }

    /// `mach_port_allocate_name`: as [`mach_port_allocate`](Self::mach_port_allocate), under
    /// the caller's `name` (except dead names, which XNU names itself).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` for `MACH_PORT_NULL`/`MACH_PORT_DEAD` or another kind of right,
    /// `KERN_NAME_EXISTS` if the name is in use, `KERN_FAILURE` for a name below 0x100 or one
    /// whose index is in use under another generation.
    pub fn mach_port_allocate_name(
        &self,
        right: mach_port_right_t,
        name: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        if !valid(name) {
            return err(KERN_INVALID_VALUE);
        }
        self.allocate_in(right, Some(name)).map(|_| ())
    }

    /// `mach_port_deallocate`: drops one user reference of a send, send-once or dead-name
    /// right (a port set is destroyed).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME` for an unknown name, `KERN_INVALID_RIGHT` for a receive right
    /// alone. `MACH_PORT_NULL` and `MACH_PORT_DEAD` succeed doing nothing.
    pub fn mach_port_deallocate(&self, name: mach_port_name_t) -> Result<(), KernReturn> {
        if !valid(name) {
            return Ok(());
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let rights = lookup(sp, name)
            .ok_or(KernReturn(KERN_INVALID_NAME))?
            .rights;
        let mut d = Deferred::default();
        if rights & (MACH_PORT_TYPE_PORT_SET | MACH_PORT_TYPE_SEND_ONCE) != 0 {
            destroy_name(sp, name, &mut d);
        } else if rights & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME) != 0 {
            drop_urefs(sp, name, 1, &mut d);
        } else {
            return err(KERN_INVALID_RIGHT);
        }
        drop(ts);
        self.run(&mut d);
        Ok(())
    }

    /// `mach_port_destroy`: removes every right under `name`, whatever its references (a
    /// receive right destroys the port).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME` for an unknown name, `KERN_INVALID_RIGHT` for a guarded receive
    /// right. `MACH_PORT_NULL` and `MACH_PORT_DEAD` succeed doing nothing.
    pub fn mach_port_destroy(&self, name: mach_port_name_t) -> Result<(), KernReturn> {
        if !valid(name) {
            return Ok(());
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let e = lookup(sp, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
        // ipc_right_destroy checks the guard against 0: a port guarded with 0 is destroyed.
        // (xnu-7195.141.2 also clears the name's type bits before refusing, so the name then
        // looks unknown while the port lives on; xnu-10002 and later keep the name, as here.)
        if let Obj::Port(p) = &e.object
            && e.rights & MACH_PORT_TYPE_RECEIVE != 0
        {
            let port = p.lock();
            if port.guarded && port.context != 0 {
                self.obj.raise(name, kGUARD_EXC_DESTROY, port.context);
                return err(KERN_INVALID_RIGHT);
            }
        }
        let mut d = Deferred::default();
        destroy_name(sp, name, &mut d);
        drop(ts);
        self.run(&mut d);
        Ok(())
    }

    /// `mach_port_mod_refs`: adds `delta` user references of kind `right` to `name`.
    ///
    /// Send and dead-name references saturate at `MACH_PORT_UREFS_MAX`: once there, every
    /// delta but `-MACH_PORT_UREFS_MAX` is ignored (XNU's "pegged" references;
    /// `KERN_UREFS_OVERFLOW` is never returned). Receive, send-once and port-set rights take
    /// only 0 and -1 (-1 destroys them).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` for an unknown kind, a delta out of range or one that would take
    /// the count below zero; `KERN_INVALID_NAME`; `KERN_INVALID_RIGHT` when the name holds no
    /// right of that kind.
    pub fn mach_port_mod_refs(
        &self,
        name: mach_port_name_t,
        right: mach_port_right_t,
        delta: i32,
    ) -> Result<(), KernReturn> {
        if right >= MACH_PORT_RIGHT_NUMBER {
            return err(KERN_INVALID_VALUE);
        }
        if !valid(name) {
            return if right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE {
                Ok(())
            } else {
                err(KERN_INVALID_NAME)
            };
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        // Whether the port behind a send or send-once entry has died (the lookup turns such
        // an entry into a dead name).
        let before = sp
            .get(name)
            .map(|e| e.rights)
            .ok_or(KernReturn(KERN_INVALID_NAME))?;
        let e = lookup(sp, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
        let (rights, urefs) = (e.rights, e.urefs);
        let converted = rights != before;
        let mut d = Deferred::default();
        match right {
            MACH_PORT_RIGHT_PORT_SET => {
                if rights & MACH_PORT_TYPE_PORT_SET == 0 {
                    return err(KERN_INVALID_RIGHT);
                }
                match delta {
                    0 => {}
                    -1 => destroy_name(sp, name, &mut d),
                    _ => return err(KERN_INVALID_VALUE),
                }
            }
            MACH_PORT_RIGHT_RECEIVE => {
                let Obj::Port(p) = &e.object else {
                    return err(KERN_INVALID_RIGHT);
                };
                if rights & MACH_PORT_TYPE_RECEIVE == 0 {
                    return err(KERN_INVALID_RIGHT);
                }
                let p = Arc::clone(p);
                match delta {
                    0 => {}
                    -1 => {
                        let port = p.lock();
                        if port.guarded {
                            // xnu-7195 raises MOD_REFS here; xnu-11417 raises DESTROY.
                            self.obj.raise(name, kGUARD_EXC_MOD_REFS, port.context);
                            return err(KERN_INVALID_RIGHT);
                        }
                        drop(port);
                        destroy_receive_of(sp, name, p, &mut d);
                    }
                    _ => return err(KERN_INVALID_VALUE),
                }
            }
            MACH_PORT_RIGHT_SEND_ONCE => {
                if converted || rights & MACH_PORT_TYPE_SEND_ONCE == 0 {
                    return err(KERN_INVALID_RIGHT);
                }
                match delta {
                    0 => {}
                    -1 => destroy_name(sp, name, &mut d),
                    _ => return err(KERN_INVALID_VALUE),
                }
            }
            MACH_PORT_RIGHT_DEAD_NAME | MACH_PORT_RIGHT_SEND => {
                let bit = if right == MACH_PORT_RIGHT_SEND {
                    MACH_PORT_TYPE_SEND
                } else {
                    MACH_PORT_TYPE_DEAD_NAME
                };
                if rights & bit == 0 || (right == MACH_PORT_RIGHT_SEND && converted) {
                    return err(KERN_INVALID_RIGHT);
                }
                let max = MACH_PORT_UREFS_MAX as i64;
                let delta = i64::from(delta);
                if delta.abs() > max {
                    return err(KERN_INVALID_VALUE);
                }
                let u = i64::from(urefs);
                if u == max && delta != -max {
                    // Pegged: the delta is ignored.
                } else if delta < 0 {
                    if -delta > u {
                        return err(KERN_INVALID_VALUE);
                    }
                    drop_urefs(sp, name, (-delta) as u32, &mut d);
                } else if delta > 0
                    && let Some(e) = sp.get_mut(name)
                {
                    e.urefs = (u + delta).min(max) as u32;
                }
            }
            _ => return err(KERN_INVALID_RIGHT),
        }
        drop(ts);
        self.run(&mut d);
        Ok(())
    }

    /// `mach_port_get_refs`: the user references of kind `right` under `name` (1 for a
    /// receive, send-once or port-set right, 0 if the name holds no such right).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` for an unknown kind, `KERN_INVALID_NAME`.
    pub fn mach_port_get_refs(
        &self,
        name: mach_port_name_t,
        right: mach_port_right_t,
    ) -> Result<u32, KernReturn> {
        if right >= MACH_PORT_RIGHT_NUMBER {
            return err(KERN_INVALID_VALUE);
        }
        if !valid(name) {
            return if right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE {
                Ok(1)
            } else {
                err(KERN_INVALID_NAME)
            };
        }
        let mut ts = self.space()?;
        let e = lookup(&mut ts.space, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
        let has = |bit| e.rights & bit != 0;
        Ok(match right {
            MACH_PORT_RIGHT_SEND if has(MACH_PORT_TYPE_SEND) => e.urefs,
            MACH_PORT_RIGHT_DEAD_NAME if has(MACH_PORT_TYPE_DEAD_NAME) => e.urefs,
            MACH_PORT_RIGHT_RECEIVE if has(MACH_PORT_TYPE_RECEIVE) => 1,
            MACH_PORT_RIGHT_SEND_ONCE if has(MACH_PORT_TYPE_SEND_ONCE) => 1,
            MACH_PORT_RIGHT_PORT_SET if has(MACH_PORT_TYPE_PORT_SET) => 1,
            _ => 0,
        })
    }

    /// `mach_port_type`: the `MACH_PORT_TYPE_*` bits of `name` (with
    /// `MACH_PORT_TYPE_DNREQUEST` when a dead-name request is armed).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME` (`MACH_PORT_DEAD` gives `MACH_PORT_TYPE_DEAD_NAME`).
    pub fn mach_port_type(&self, name: mach_port_name_t) -> Result<mach_port_type_t, KernReturn> {
        if name == MACH_PORT_NULL {
            return err(KERN_INVALID_NAME);
        }
        if name == MACH_PORT_DEAD {
            return Ok(MACH_PORT_TYPE_DEAD_NAME);
        }
        let mut ts = self.space()?;
        let task = ts.space.task;
        let e = lookup(&mut ts.space, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
        Ok(type_bits(task, name, e, false))
    }

    /// `mach_port_names`: every name in the space with its type bits, in name order.
    ///
    /// # Errors
    /// `KERN_INVALID_TASK` for a terminated task.
    pub fn mach_port_names(&self) -> Result<Vec<(mach_port_name_t, mach_port_type_t)>, KernReturn> {
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let task = sp.task;
        Ok(sp
            .names()
            .into_iter()
            .filter_map(|n| lookup(sp, n).map(|e| (n, type_bits(task, n, e, true))))
            .collect())
    }

    /// `mach_port_insert_right`: puts the right `poly` (a name in this task, copied in with
    /// disposition `poly_poly`) into this task under `name`.
    ///
    /// # Errors
    /// As [`mach_port_insert_right_into`](Self::mach_port_insert_right_into).
    pub fn mach_port_insert_right(
        &self,
        name: mach_port_name_t,
        poly: mach_port_name_t,
        poly_poly: mach_msg_type_name_t,
    ) -> Result<(), KernReturn> {
        self.mach_port_insert_right_into(self, name, poly, poly_poly)
    }

    /// `mach_port_insert_right` with a target task: the right `poly` of this task (copied in
    /// with `poly_poly`) goes into `target` under `name`.
    ///
    /// As the xnu-7195 trap does: with `name == poly` and `MAKE_SEND`/`COPY_SEND` (into this
    /// task) the send right is added in place; otherwise `poly` is copied in as a message
    /// right would be (a dead name copied or moved as a send right yields `MACH_PORT_DEAD`,
    /// which `mach_port_insert_right` refuses), then inserted under `name`.
    ///
    /// # Errors
    /// For `poly`: `KERN_INVALID_NAME` (no such name, `MACH_PORT_NULL`, `MACH_PORT_DEAD`),
    /// `KERN_INVALID_RIGHT` (wrong right for the disposition, or no disposition at all),
    /// `KERN_INVALID_CAPABILITY` (a dead name or a dead port). For `name`:
    /// `KERN_INVALID_VALUE` (`MACH_PORT_NULL`/`DEAD`), `KERN_FAILURE` (index 0, generation
    /// clash), `KERN_RIGHT_EXISTS` (the target already has send or receive rights for the
    /// port under another name), `KERN_NAME_EXISTS` (it holds another right). After a
    /// failure the copied-in right is destroyed, as XNU does.
    pub fn mach_port_insert_right_into(
        &self,
        target: &Task,
        name: mach_port_name_t,
        poly: mach_port_name_t,
        poly_poly: mach_msg_type_name_t,
    ) -> Result<(), KernReturn> {
        if !Arc::ptr_eq(&self.obj, &target.obj) {
            target.space()?;
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let mut d = Deferred::default();
        if name == poly
            && Arc::ptr_eq(&self.obj, &target.obj)
            && (poly_poly == MACH_MSG_TYPE_MAKE_SEND || poly_poly == MACH_MSG_TYPE_COPY_SEND)
        {
            // ipc_object_insert_send_right: no copyin, so a dead name or a dead port is
            // KERN_INVALID_CAPABILITY whatever the disposition.
            let e = lookup(sp, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
            let needed = if poly_poly == MACH_MSG_TYPE_MAKE_SEND {
                MACH_PORT_TYPE_RECEIVE
            } else {
                MACH_PORT_TYPE_SEND
            };
            match e.object {
                Obj::None => return err(KERN_INVALID_CAPABILITY),
                _ if e.rights & needed == 0 => return err(KERN_INVALID_RIGHT),
                _ => {}
            }
        }
        // ipc_object_copyin: the name is looked up before the disposition is looked at.
        if !valid(poly) || lookup(sp, poly).is_none() {
            return err(KERN_INVALID_NAME);
        }
        let right = copyin(sp, poly, poly_poly, &mut d).map_err(|e| {
            self.immovable(poly, e);
            KernReturn(KERN_INVALID_RIGHT)
        })?;
        let result = if Arc::ptr_eq(&self.obj, &target.obj) {
            insert(sp, name, right, &mut d)
        } else {
            drop(ts);
            match target.space() {
                Ok(mut tt) => insert(&mut tt.space, name, right, &mut d),
                Err(e) => Err((e, right)),
            }
        };
        let result = result.map_err(|(e, right)| {
            d.release(right);
            e
        });
        self.run(&mut d);
        result
    }

    /// `mach_port_extract_right`: takes the right under `name` (with disposition
    /// `msgt_name`) out of this task and puts it into `into` under a new name (send rights
    /// join the name already holding rights for the port). Returns that name and the type
    /// of the right (`MACH_MSG_TYPE_PORT_*`).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` for a disposition that is no right, `KERN_INVALID_RIGHT` for
    /// `MACH_PORT_NULL`/`DEAD`, a dead name or the wrong right, `KERN_INVALID_NAME`.
    pub fn mach_port_extract_right(
        &self,
        name: mach_port_name_t,
        msgt_name: mach_msg_type_name_t,
        into: &Task,
    ) -> Result<(mach_port_name_t, mach_msg_type_name_t), KernReturn> {
        if !(MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MAKE_SEND_ONCE).contains(&msgt_name) {
            return err(KERN_INVALID_VALUE);
        }
        if !valid(name) {
            return err(KERN_INVALID_RIGHT);
        }
        into.space()?;
        let mut d = Deferred::default();
        // ipc_object_copyin takes dead names (DEADOK): copied or moved as a send or
        // send-once right, a dead name comes out as MACH_PORT_DEAD (a move uses a uref up).
        let right = {
            let mut ts = self.space()?;
            copyin(&mut ts.space, name, msgt_name, &mut d).map_err(|e| {
                self.immovable(name, e);
                e.kern_return()
            })?
        };
        let type_name = crate::ipc_right::carried_type(msgt_name);
        let out = match into.space() {
            Ok(mut it) => copyout(&mut it.space, right, &mut d),
            Err(_) => {
                d.release(right);
                MACH_PORT_DEAD
            }
        };
        self.run(&mut d);
        Ok((out, type_name))
    }

    /// `mach_port_move_member`: puts the receive right `member` into the set `after` (leaving
    /// every other set), or with `after` = `MACH_PORT_NULL` takes it out of all sets.
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT` for an invalid `member`, `after` = `MACH_PORT_DEAD`, or names that
    /// hold the wrong rights; `KERN_INVALID_NAME`. Taking a port that is in no set out of
    /// all sets succeeds (xnu-7195; later releases return `KERN_NOT_IN_SET`).
    pub fn mach_port_move_member(
        &self,
        member: mach_port_name_t,
        after: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        if !valid(member) || after == MACH_PORT_DEAD {
            return err(KERN_INVALID_RIGHT);
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        // xnu-7195 looks the set up first (ipc_pset_lazy_allocate), then both names.
        let target = if after == MACH_PORT_NULL {
            None
        } else {
            Some(pset_of(sp, after)?)
        };
        let p = receive_port(sp, member)?;
        // Leaving no set at all is not an error in xnu-7195 (it ignores the KERN_NOT_IN_SET
        // of ipc_pset_remove_from_all; later releases return it).
        let old = p.lock().psets.clone();
        for set in old {
            if target.as_ref().is_none_or(|t| !same(t, &set)) {
                unlink(&p, &set);
            }
        }
        if let Some(set) = target {
            link(&p, &set);
        }
        Ok(())
    }

    /// `mach_port_insert_member`: adds the receive right `name` to the set `pset` (a port may
    /// be in several sets).
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT` (invalid names, wrong rights), `KERN_INVALID_NAME`,
    /// `KERN_ALREADY_IN_SET`.
    pub fn mach_port_insert_member(
        &self,
        name: mach_port_name_t,
        pset: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        if !valid(name) || !valid(pset) {
            return err(KERN_INVALID_RIGHT);
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        // The set first (ipc_pset_lazy_allocate), then both names, then both rights.
        pset_of(sp, pset)?;
        let (p, set) = member_and_set(sp, name, pset)?;
        if p.lock().psets.iter().any(|s| same(s, &set)) {
            return err(KERN_ALREADY_IN_SET);
        }
        link(&p, &set);
        Ok(())
    }

    /// `mach_port_extract_member`: takes the receive right `name` out of the set `pset`.
    ///
    /// # Errors
    /// As [`mach_port_insert_member`](Self::mach_port_insert_member); `KERN_NOT_IN_SET`.
    pub fn mach_port_extract_member(
        &self,
        name: mach_port_name_t,
        pset: mach_port_name_t,
    ) -> Result<(), KernReturn> {
        if !valid(name) || !valid(pset) {
            return err(KERN_INVALID_RIGHT);
        }
        let mut ts = self.space()?;
        let (p, set) = member_and_set(&mut ts.space, name, pset)?;
        if !p.lock().psets.iter().any(|s| same(s, &set)) {
            return err(KERN_NOT_IN_SET);
        }
        unlink(&p, &set);
        Ok(())
    }

    /// `mach_port_get_set_status`: the names of the members of the set `pset`, ascending.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`.
    pub fn mach_port_get_set_status(
        &self,
        pset: mach_port_name_t,
    ) -> Result<Vec<mach_port_name_t>, KernReturn> {
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let task = sp.task;
        let set = pset_of(sp, pset)?;
        let set = set.lock();
        let mut names: Vec<_> = set
            .members
            .iter()
            .filter_map(|p| match p.lock().receiver {
                Receiver::Task(t, n) if t == task => Some(n),
                _ => None,
            })
            .collect();
        names.sort_unstable();
        Ok(names)
    }

    /// `mach_port_request_notification`: arms notification `msgid` for `name`, to be sent to
    /// the send-once right made or moved from `notify` with `notify_disposition`
    /// (`MACH_MSG_TYPE_MAKE_SEND_ONCE` or `MACH_MSG_TYPE_MOVE_SEND_ONCE`; `MACH_PORT_NULL`
    /// cancels). Returns the name of the send-once right of the request it replaced
    /// (`MACH_PORT_NULL` if none).
    ///
    /// - `MACH_NOTIFY_NO_SENDERS` on a receive right: if there are no send rights and the
    ///   make-send count is at least `sync`, it fires at once; otherwise it fires the next
    ///   time the send rights drop to none.
    /// - `MACH_NOTIFY_PORT_DESTROYED` on a receive right (`sync` 0): instead of dying, the
    ///   port's receive right is sent to `notify`.
    /// - `MACH_NOTIFY_DEAD_NAME` on a send, send-once or receive right: when the port dies,
    ///   `notify` learns the name (which gets one more uref). On a name that is already dead
    ///   and `sync` non-zero, it fires at once (xnu-7195).
    /// - `MACH_NOTIFY_SEND_POSSIBLE` on a send, send-once or receive right: with `sync`
    ///   non-zero it fires at once if a send would not block (room in the queue, or a
    ///   send-once right), else it is armed and fires on the next receive from the port.
    ///   With `sync` 0 it is delayed: a `MACH_SEND_NOTIFY` send that finds the queue full
    ///   arms it. A request that fired is used up (request again for another). While it
    ///   waits, the port's death sends it a dead-name notification. `mach_port_names` shows
    ///   it as `MACH_PORT_TYPE_SPREQUEST` (plus `_DELAYED` until armed).
    ///
    /// # Errors
    /// `KERN_INVALID_VALUE` for another `msgid` or a non-zero `sync` with port-destroyed;
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_NAME`, `KERN_INVALID_ARGUMENT` (dead-name request
    /// on an invalid or dead name), `KERN_INVALID_CAPABILITY` (`notify` is `MACH_PORT_DEAD`),
    /// `KERN_FAILURE` (a port-destroyed request is already armed). After a failure, a made
    /// send-once right is destroyed (so `notify` gets a send-once notification).
    pub fn mach_port_request_notification(
        &self,
        name: mach_port_name_t,
        msgid: mach_msg_id_t,
        sync: u32,
        notify: mach_port_name_t,
        notify_disposition: mach_msg_type_name_t,
    ) -> Result<mach_port_name_t, KernReturn> {
        if notify == MACH_PORT_DEAD {
            return err(KERN_INVALID_CAPABILITY);
        }
        if notify != MACH_PORT_NULL
            && notify_disposition != MACH_MSG_TYPE_MAKE_SEND_ONCE
            && notify_disposition != MACH_MSG_TYPE_MOVE_SEND_ONCE
        {
            return err(KERN_INVALID_VALUE);
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let mut d = Deferred::default();
        let so = if notify == MACH_PORT_NULL {
            None
        } else {
            match copyin(sp, notify, notify_disposition, &mut d) {
                Ok(Carried::SendOnce(p)) => Some(p),
                Ok(_) => {
                    // A dead name moved as the notify right comes in as MACH_PORT_DEAD
                    // (ipc_object_copyin is DEADOK), which the request refuses.
                    drop(ts);
                    self.run(&mut d);
                    return err(KERN_INVALID_CAPABILITY);
                }
                Err(e) => return Err(e.kern_return()),
            }
        };
        let result = request(sp, name, msgid, sync, so.clone(), &mut d);
        let out = match result {
            Ok(previous) => Ok(match previous {
                Some(p) => copyout(sp, Carried::SendOnce(p), &mut d),
                None => MACH_PORT_NULL,
            }),
            Err(e) => {
                if let Some(p) = so {
                    d.release(Carried::SendOnce(p));
                }
                Err(KernReturn(e))
            }
        };
        drop(ts);
        self.run(&mut d);
        out
    }

    /// `mach_port_get_attributes`: writes flavor `flavor` of the receive right `name` into
    /// `info` (`natural_t` words) and returns how many words it wrote.
    ///
    /// Flavors: `MACH_PORT_LIMITS_INFO` (1 word: the queue limit), `MACH_PORT_RECEIVE_STATUS`
    /// (10 words: `mach_port_status_t`), `MACH_PORT_DNREQUESTS_SIZE` (1 word),
    /// `MACH_PORT_INFO_EXT` (17 words: the status, then the boost count and 6 reserved).
    ///
    /// # Errors
    /// `KERN_FAILURE` if `info` is too short, `KERN_INVALID_ARGUMENT` for another flavor,
    /// `KERN_INVALID_RIGHT` / `KERN_INVALID_NAME` for `name`.
    pub fn mach_port_get_attributes(
        &self,
        name: mach_port_name_t,
        flavor: i32,
        info: &mut [u32],
    ) -> Result<usize, KernReturn> {
        let need = match flavor {
            MACH_PORT_LIMITS_INFO | MACH_PORT_DNREQUESTS_SIZE => 1,
            MACH_PORT_RECEIVE_STATUS => 10,
            MACH_PORT_INFO_EXT => 17,
            _ => return err(KERN_INVALID_ARGUMENT),
        };
        if info.len() < need {
            return err(KERN_FAILURE);
        }
        if !valid(name) {
            return match flavor {
                MACH_PORT_LIMITS_INFO => Ok(0),
                MACH_PORT_DNREQUESTS_SIZE => {
                    info[0] = 0;
                    Ok(1)
                }
                _ => err(KERN_INVALID_RIGHT),
            };
        }
        self.with_receive(name, KERN_INVALID_RIGHT, |_, port| {
            match flavor {
                MACH_PORT_LIMITS_INFO => info[0] = port.qlimit,
                MACH_PORT_DNREQUESTS_SIZE => info[0] = port.requests.len() as u32,
                _ => {
                    // xnu-7195.141.2 mach_port_get_status_helper.
                    let mut flags = 0;
                    if port.impdonation {
                        flags |= MACH_PORT_STATUS_FLAG_IMP_DONATION;
                        if port.tempowner {
                            flags |= MACH_PORT_STATUS_FLAG_TEMPOWNER;
                        }
                    }
                    if port.guarded {
                        flags |= MACH_PORT_STATUS_FLAG_GUARDED;
                        if port.strict_guard {
                            flags |= MACH_PORT_STATUS_FLAG_STRICT_GUARD;
                        }
                        if port.immovable_receive {
                            flags |= MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE;
                        }
                    }
                    let status = [
                        u32::from(!port.psets.is_empty()),
                        port.seqno,
                        port.mscount,
                        port.qlimit,
                        port.queue.len() as u32,
                        port.sorights,
                        u32::from(port.srights > 0),
                        u32::from(port.pdrequest.is_some()),
                        u32::from(port.nsrequest.is_some()),
                        flags,
                    ];
                    info[..10].copy_from_slice(&status);
                    if flavor == MACH_PORT_INFO_EXT {
                        info[10..17].fill(0);
                    }
                }
            }
            Ok(need)
        })
    }

    /// `mach_port_set_attributes`: sets flavor `flavor` of the receive right `name` from
    /// `info`: `MACH_PORT_LIMITS_INFO` (the queue limit, at most `MACH_PORT_QLIMIT_MAX`);
    /// `MACH_PORT_DNREQUESTS_SIZE` is accepted and changes nothing; the importance flavors
    /// (`MACH_PORT_TEMPOWNER`, `MACH_PORT_IMPORTANCE_RECEIVER`, `MACH_PORT_DENAP_RECEIVER`,
    /// which take no data) are recorded for the status flags (`IMP_DONATION`, `TEMPOWNER`)
    /// and have no other effect here.
    ///
    /// # Errors
    /// `KERN_FAILURE` for a short `info`, `KERN_INVALID_VALUE` for a queue limit above the
    /// maximum, `KERN_INVALID_ARGUMENT` for another flavor, `KERN_INVALID_RIGHT` /
    /// `KERN_INVALID_NAME` for `name`.
    pub fn mach_port_set_attributes(
        &self,
        name: mach_port_name_t,
        flavor: i32,
        info: &[u32],
    ) -> Result<(), KernReturn> {
        let value = match flavor {
            MACH_PORT_LIMITS_INFO | MACH_PORT_DNREQUESTS_SIZE => match info.first() {
                Some(&value) => value,
                None => return err(KERN_FAILURE),
            },
            MACH_PORT_TEMPOWNER | MACH_PORT_IMPORTANCE_RECEIVER | MACH_PORT_DENAP_RECEIVER => 0,
            _ => return err(KERN_INVALID_ARGUMENT),
        };
        if flavor == MACH_PORT_LIMITS_INFO && value > MACH_PORT_QLIMIT_MAX {
            return err(KERN_INVALID_VALUE);
        }
        self.with_receive(name, KERN_INVALID_RIGHT, |p, port| {
            match flavor {
                MACH_PORT_LIMITS_INFO => {
                    port.qlimit = value;
                    // Room for blocked senders, perhaps.
                    if port.send_waiters > 0 {
                        p.send_cv.notify_all();
                    }
                }
                MACH_PORT_DNREQUESTS_SIZE => {}
                // Importance donation is not modelled; the status reports what was asked.
                _ if port.kobject != KObject::None => return err(KERN_INVALID_ARGUMENT),
                MACH_PORT_TEMPOWNER => {
                    port.impdonation = true;
                    port.tempowner = true;
                }
                _ => port.impdonation = true,
            }
            Ok(())
        })
    }

    /// `mach_port_get_context`: the context value of the receive right `name` (0 for a
    /// strictly guarded port).
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_NAME`.
    pub fn mach_port_get_context(&self, name: mach_port_name_t) -> Result<u64, KernReturn> {
        self.with_receive(name, KERN_INVALID_RIGHT, |_, port| {
            // A strict guard is not disclosed.
            Ok(if port.strict_guard { 0 } else { port.context })
        })
    }

    /// `mach_port_set_context`: sets the context value of the receive right `name` (it comes
    /// back in the `MACH_RCV_TRAILER_CTX` trailer of messages received from it).
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_NAME`, `KERN_INVALID_ARGUMENT` for a strictly
    /// guarded port (a plain guard is overwritten, as in XNU).
    pub fn mach_port_set_context(
        &self,
        name: mach_port_name_t,
        context: u64,
    ) -> Result<(), KernReturn> {
        self.with_receive(name, KERN_INVALID_RIGHT, |_, port| {
            if port.strict_guard {
                self.obj.raise(name, kGUARD_EXC_SET_CONTEXT, port.context);
                return err(KERN_INVALID_ARGUMENT);
            }
            port.context = context;
            Ok(())
        })
    }

    /// `mach_port_guard`: guards the receive right `name` with `guard` (stored as its
    /// context); a guarded receive right cannot be destroyed without its guard. A `strict`
    /// guard also hides the context from `mach_port_get_context` and refuses
    /// `mach_port_set_context`. The same as [`mach_port_guard_with_flags`] with
    /// `MPG_STRICT` or no flags.
    ///
    /// [`mach_port_guard_with_flags`]: Self::mach_port_guard_with_flags
    ///
    /// # Errors
    /// As [`mach_port_guard_with_flags`](Self::mach_port_guard_with_flags).
    pub fn mach_port_guard(
        &self,
        name: mach_port_name_t,
        guard: u64,
        strict: bool,
    ) -> Result<(), KernReturn> {
        let flags = if strict { MPG_STRICT } else { 0 };
        self.mach_port_guard_with_flags(name, guard, flags)
    }

    /// `mach_port_guard_with_flags`: guards the receive right `name` with `guard`;
    /// `MPG_STRICT` makes the guard strict, `MPG_IMMOVABLE_RECEIVE` makes the receive right
    /// immovable for good (unguarding does not undo it).
    ///
    /// As xnu-7195.141.2's `mach_port_guard_locked`, the only thing checked is that the port
    /// has no context: a guard of 0 is a guard, and a port guarded with 0 can be guarded
    /// again (the new guard and strictness replace the old).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME` (also for `MACH_PORT_NULL`/`DEAD`), `KERN_INVALID_RIGHT`,
    /// `KERN_INVALID_ARGUMENT` if the port has a context (a non-zero guard included).
    pub fn mach_port_guard_with_flags(
        &self,
        name: mach_port_name_t,
        guard: u64,
        flags: u64,
    ) -> Result<(), KernReturn> {
        self.with_receive(name, KERN_INVALID_NAME, |_, port| {
            guard_locked(port, guard, flags)
        })
    }

    /// Raises `kGUARD_EXC_IMMOVABLE` for `name` if `e` says its receive right could not
    /// move (xnu-7195.141.2 `ipc_right_copyin`).
    pub(crate) fn immovable(&self, name: mach_port_name_t, e: RightError) {
        if e == RightError::Immovable {
            self.obj.raise(name, kGUARD_EXC_IMMOVABLE, 0);
        }
    }

    /// `mach_port_construct`: a new receive right made as `options` say, its name chosen
    /// by the kernel. `MPO_INSERT_SEND_RIGHT` adds a send right under the same name;
    /// `MPO_CONTEXT_AS_GUARD` guards the port with `context` (strictly with `MPO_STRICT`,
    /// immovable with `MPO_IMMOVABLE_RECEIVE`), otherwise `context` is its context;
    /// `MPO_QLIMIT` sets the queue limit from `options.mpl`; `MPO_TEMPOWNER`,
    /// `MPO_IMPORTANCE_RECEIVER` and `MPO_DENAP_RECEIVER` are recorded as the matching
    /// attributes. Other flags are accepted and ignored, as XNU ignores unknown ones
    /// (`MPO_FILTER_MSG` has no sandbox filter to apply here).
    ///
    /// In xnu-7195.141.2's order: the port is made and guarded first, then the attributes
    /// are set one by one; if one fails, the port is destructed again and that error is
    /// returned.
    ///
    /// # Errors
    /// `KERN_DENIED` for `MPO_TG_BLOCK_TRACKING` (only the graphics server's task role may
    /// ask for it, and no task has it here); `KERN_INVALID_VALUE` for a queue limit above
    /// `MACH_PORT_QLIMIT_MAX`; `KERN_NO_SPACE` when no name is left; `KERN_INVALID_TASK`.
    pub fn mach_port_construct(
        &self,
        options: &MachPortOptions,
        context: u64,
    ) -> Result<mach_port_name_t, KernReturn> {
        let flags = options.flags;
        if flags & MPO_TG_BLOCK_TRACKING != 0 {
            return err(KERN_DENIED);
        }
        let name = self.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        let with_send = flags & MPO_INSERT_SEND_RIGHT != 0;
        let made = if with_send {
            self.mach_port_insert_right(name, name, MACH_MSG_TYPE_MAKE_SEND)
        } else {
            Ok(())
        };
        let made = made.and_then(|()| {
            self.with_receive(name, KERN_INVALID_NAME, |_, port| {
                if flags & MPO_CONTEXT_AS_GUARD == 0 {
                    port.context = context;
                    return Ok(());
                }
                let mut guard_flags = 0;
                if flags & MPO_STRICT != 0 {
                    guard_flags |= MPG_STRICT;
                }
                if flags & MPO_IMMOVABLE_RECEIVE != 0 {
                    guard_flags |= MPG_IMMOVABLE_RECEIVE;
                }
                guard_locked(port, context, guard_flags)
            })
        });
        let attributes = [
            (MPO_QLIMIT, MACH_PORT_LIMITS_INFO),
            (MPO_TEMPOWNER, MACH_PORT_TEMPOWNER),
            (MPO_IMPORTANCE_RECEIVER, MACH_PORT_IMPORTANCE_RECEIVER),
            (MPO_DENAP_RECEIVER, MACH_PORT_DENAP_RECEIVER),
        ];
        let made = made.and_then(|()| {
            attributes
                .into_iter()
                .filter(|&(bit, _)| flags & bit != 0)
                .try_for_each(|(_, flavor)| {
                    self.mach_port_set_attributes(name, flavor, &[options.mpl.mpl_qlimit])
                })
        });
        if let Err(e) = made {
            // The task may have torn it down meanwhile: then there is nothing to undo.
            let _ = self.mach_port_destruct(name, if with_send { -1 } else { 0 }, context);
            return Err(e);
        }
        Ok(name)
    }

    /// `mach_port_unguard`: removes the guard `guard` from the receive right `name` (its
    /// context becomes 0; an immovable receive right stays immovable).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`, `KERN_INVALID_ARGUMENT` if the port is not
    /// guarded or `guard` is not its guard.
    pub fn mach_port_unguard(&self, name: mach_port_name_t, guard: u64) -> Result<(), KernReturn> {
        self.with_receive(name, KERN_INVALID_NAME, |_, port| {
            if let Some((reason, subcode)) = guard_violation(port, guard) {
                self.obj.raise(name, reason, subcode);
                return err(KERN_INVALID_ARGUMENT);
            }
            port.context = 0;
            port.guarded = false;
            port.strict_guard = false;
            Ok(())
        })
    }

    /// `mach_port_swap_guard`: replaces the guard `old_guard` of the receive right `name`
    /// with `new_guard` (xnu-7195.141.2 `mach_port_swap_guard`).
    ///
    /// # Errors
    /// `KERN_INVALID_NAME`, `KERN_INVALID_RIGHT`; `KERN_INVALID_ARGUMENT` if the port is not
    /// guarded, its guard is strict, or `old_guard` is not its guard (checked in that order).
    pub fn mach_port_swap_guard(
        &self,
        name: mach_port_name_t,
        old_guard: u64,
        new_guard: u64,
    ) -> Result<(), KernReturn> {
        self.with_receive(name, KERN_INVALID_NAME, |_, port| {
            // A strict guard cannot be swapped, even by its holder.
            let violation = if port.guarded && port.strict_guard {
                Some((kGUARD_EXC_SET_CONTEXT, port.context))
            } else {
                guard_violation(port, old_guard)
            };
            if let Some((reason, subcode)) = violation {
                self.obj.raise(name, reason, subcode);
                return err(KERN_INVALID_ARGUMENT);
            }
            port.context = new_guard;
            Ok(())
        })
    }

    /// `mach_port_set_mscount`: sets the make-send count of the receive right `name`.
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_NAME`.
    pub fn mach_port_set_mscount(
        &self,
        name: mach_port_name_t,
        mscount: u32,
    ) -> Result<(), KernReturn> {
        self.with_receive(name, KERN_INVALID_RIGHT, |_, port| {
            port.mscount = mscount;
            Ok(())
        })
    }

    /// `mach_port_set_seqno`: sets the sequence number the next message received from the
    /// receive right `name` gets.
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT`, `KERN_INVALID_NAME`.
    pub fn mach_port_set_seqno(
        &self,
        name: mach_port_name_t,
        seqno: u32,
    ) -> Result<(), KernReturn> {
        self.with_receive(name, KERN_INVALID_RIGHT, |_, port| {
            port.seqno = seqno;
            Ok(())
        })
    }

    /// `mach_port_peek`: looks at a message queued on the receive right `name` without
    /// taking it. `seqno` 0 means the first message; any other value picks the message that
    /// will be received with that sequence number. `trailer_type` asks for a trailer (up to
    /// `MACH_RCV_TRAILER_AUDIT`, as `mach_msg`'s `MACH_RCV_TRAILER_ELEMENTS` bits), written
    /// into `trailer`, whose length is the room offered.
    ///
    /// As xnu-7195.141.2 (`mach_port_peek`, `ipc_mqueue_peek_locked`) reports it, the size is
    /// the kernel's own `msgh_size`: 8 bytes more than the sender's (the kernel's header is
    /// 32 bytes) and 4 more for each port descriptor (16 bytes in the kernel). The trailer is
    /// the one stored when the message was sent: `msgh_trailer_size` 8 whatever was asked,
    /// the peeked sequence number, the sender's security and audit tokens.
    ///
    /// # Errors
    /// `KERN_INVALID_RIGHT` for `MACH_PORT_NULL`/`DEAD`; `KERN_INVALID_VALUE` for a trailer
    /// beyond the audit token or larger than `trailer`; `KERN_INVALID_NAME`,
    /// `KERN_INVALID_RIGHT` for `name`; `KERN_FAILURE` when the queue is empty or holds no
    /// message with that sequence number.
    pub fn mach_port_peek(
        &self,
        name: mach_port_name_t,
        trailer_type: mach_msg_trailer_type_t,
        seqno: mach_port_seqno_t,
        trailer: &mut [u8],
    ) -> Result<PeekedMessage, KernReturn> {
        if !valid(name) {
            return err(KERN_INVALID_RIGHT);
        }
        let option = trailer_type as mach_msg_option_t;
        let trailer_size = REQUESTED_TRAILER_SIZE(option);
        if GET_RCV_ELEMENTS(option) > MACH_RCV_TRAILER_AUDIT
            || trailer_size as usize > trailer.len()
        {
            return err(KERN_INVALID_VALUE);
        }
        self.with_receive(name, KERN_INVALID_RIGHT, |_, port| {
            let first = port.seqno;
            let seqno = if seqno == 0 { first } else { seqno };
            let at = seqno.wrapping_sub(first) as usize;
            let Some(k) = port.queue.get(at) else {
                return err(KERN_FAILURE);
            };
            let mut t = make_trailer(seqno, k.sender, 0, trailer_size as usize);
            t.msgh_trailer_size = MACH_MSG_TRAILER_MINIMUM_SIZE;
            let n = trailer_size as usize;
            trailer[..n].copy_from_slice(&t.as_bytes()[..n]);
            Ok(PeekedMessage {
                seqno,
                size: k.kernel_size() as mach_msg_size_t,
                id: k.id,
                trailer_size,
            })
        })
    }

    /// `mach_port_destruct`: removes `-srdelta` send urefs from `name` and destroys its
    /// receive right, which `guard` must match if the port is guarded (the way to destroy a
    /// guarded port). What `mach_port_construct` made, this unmakes.
    ///
    /// As xnu-7195.141.2 `ipc_right_destruct`: the send urefs go first (the last one sends
    /// the no-senders notification), then the port is destroyed, then a request on a name left
    /// empty gets its port-deleted notification. Send urefs that remain become a dead name.
    ///
    /// # Errors
    /// `KERN_INVALID_NAME` (also `MACH_PORT_NULL`/`DEAD`); `KERN_INVALID_RIGHT` without a
    /// receive right, or with `srdelta` non-zero and no send right; `KERN_INVALID_VALUE` for
    /// a positive `srdelta` or more urefs than held; `KERN_INVALID_ARGUMENT` for a wrong
    /// guard. Nothing changes on an error.
    pub fn mach_port_destruct(
        &self,
        name: mach_port_name_t,
        srdelta: mach_port_delta_t,
        guard: u64,
    ) -> Result<(), KernReturn> {
        if !valid(name) {
            return err(KERN_INVALID_NAME);
        }
        let mut ts = self.space()?;
        let sp = &mut ts.space;
        let e = lookup(sp, name).ok_or(KernReturn(KERN_INVALID_NAME))?;
        let (rights, urefs) = (e.rights, e.urefs);
        let Obj::Port(p) = &e.object else {
            return err(KERN_INVALID_RIGHT);
        };
        if rights & MACH_PORT_TYPE_RECEIVE == 0
            || (srdelta != 0 && rights & MACH_PORT_TYPE_SEND == 0)
        {
            return err(KERN_INVALID_RIGHT);
        }
        if srdelta > 0 {
            return err(KERN_INVALID_VALUE);
        }
        let p = Arc::clone(p);
        {
            let port = p.lock();
            if port.guarded && port.context != guard {
                self.obj.raise(name, kGUARD_EXC_DESTROY, port.context);
                return err(KERN_INVALID_ARGUMENT);
            }
        }
        let remove = srdelta.unsigned_abs();
        if remove > urefs {
            return err(KERN_INVALID_VALUE);
        }
        let mut d = Deferred::default();
        if remove > 0 {
            // Pegged urefs ignore any delta but all of them (drop_urefs knows).
            drop_urefs(sp, name, remove, &mut d);
        }
        destroy_receive_of(sp, name, p, &mut d);
        drop(ts);
        self.run(&mut d);
        Ok(())
    }
}

/// What is wrong with `guard` as the locked port's guard, as the guard exception's reason
/// and subcode (xnu-7195.141.2 `mach_port_unguard_locked`, `mach_port_swap_guard`): the
/// port is not guarded, or has another guard.
fn guard_violation(port: &Port, guard: u64) -> Option<(u32, u64)> {
    if !port.guarded {
        Some((kGUARD_EXC_UNGUARDED, 0))
    } else if port.context != guard {
        Some((kGUARD_EXC_INCORRECT_GUARD, port.context))
    } else {
        None
    }
}

/// Guards the locked port with `guard` and the `MPG_*` `flags`, as xnu-7195.141.2
/// `mach_port_guard_locked` does: refused only if the port has a context; strictness is
/// replaced, immovability only ever added.
fn guard_locked(port: &mut Port, guard: u64, flags: u64) -> Result<(), KernReturn> {
    if port.context != 0 {
        return err(KERN_INVALID_ARGUMENT);
    }
    port.context = guard;
    port.guarded = true;
    port.strict_guard = flags & MPG_STRICT != 0;
    port.immovable_receive |= flags & MPG_IMMOVABLE_RECEIVE != 0;
    Ok(())
}

/// Destroys the receive right under `name` (the name keeps its send rights, which then
/// belong to a dead port, unless a port-destroyed request saves the port).
fn destroy_receive_of(sp: &mut Space, name: mach_port_name_t, p: PortRef, d: &mut Deferred) {
    let Some(e) = sp.get_mut(name) else {
        return;
    };
    e.rights &= !MACH_PORT_TYPE_RECEIVE;
    let free = e.rights & MACH_PORT_TYPE_SEND == 0;
    p.lock().set_receiver(Receiver::Transit(None));
    // xnu-7195.141.2 ipc_right_delta: the port is destroyed, then a request on a name left
    // with no right gets PORT_DELETED. A name keeping send rights keeps its request, which
    // the port's death answers with DEAD_NAME.
    d.release(Carried::Receive(p));
    if free {
        free_name(sp, name, d);
    }
}

/// Puts `p` in `set` (the caller holds the space of both).
fn link(p: &PortRef, set: &PsetRef) {
    let mut s = set.lock();
    let mut port = p.lock();
    if port.psets.iter().any(|x| same(x, set)) {
        return;
    }
    port.psets.push(Arc::clone(set));
    s.members.push(Arc::clone(p));
    if !port.queue.is_empty() {
        set.signal(&s);
    }
}

/// Takes `p` out of `set`.
fn unlink(p: &PortRef, set: &PsetRef) {
    p.lock().psets.retain(|x| !same(x, set));
    unlink_all(p, vec![Arc::clone(set)]);
}

/// Copies `right` out into the space under the caller-chosen `name`; on failure the right
/// comes back with the error. The checks are those of `mach_port_insert_right` and
/// `ipc_object_copyout_name`, in their order.
fn insert(
    sp: &mut Space,
    name: mach_port_name_t,
    right: Carried,
    d: &mut Deferred,
) -> Result<(), (KernReturn, Carried)> {
    if !valid(name) {
        return Err((KernReturn(KERN_INVALID_VALUE), right));
    }
    let Some(p) = right.port().cloned() else {
        return Err((KernReturn(KERN_INVALID_CAPABILITY), right));
    };
    // ipc_entry_alloc_name: index 0 and an index in use under another generation.
    let index = name >> 8;
    if index == 0
        || sp
            .entries
            .get(index)
            .is_some_and(|&(g, _)| g != name & 0xff)
    {
        return Err((KernReturn(KERN_FAILURE), right));
    }
    if !p.is_active() {
        return Err((KernReturn(KERN_INVALID_CAPABILITY), right));
    }
    let send_once = matches!(right, Carried::SendOnce(_));
    if !send_once {
        match sp.reverse.get(&port_key(&p)).copied() {
            // Only a send or receive right may join the name that holds rights for its port.
            Some(n) if n == name => {
                let merged = copyout(sp, right, d);
                debug_assert_eq!(merged, name);
                return Ok(());
            }
            Some(_) => return Err((KernReturn(KERN_RIGHT_EXISTS), right)),
            None => {}
        }
    }
    if sp.get(name).is_some() {
        return Err((KernReturn(KERN_NAME_EXISTS), right));
    }
    let (rights, urefs) = match right {
        Carried::Send(_) => (MACH_PORT_TYPE_SEND, 1),
        Carried::SendOnce(_) => (MACH_PORT_TYPE_SEND_ONCE, 1),
        _ => (MACH_PORT_TYPE_RECEIVE, 0),
    };
    if let Err(code) = sp.alloc_name(name, Entry::new(rights, urefs, Obj::Port(Arc::clone(&p)))) {
        return Err((KernReturn(code), right));
    }
    if !send_once {
        sp.reverse.insert(port_key(&p), name);
    }
    if let Carried::Receive(_) = right {
        p.lock().set_receiver(Receiver::Task(sp.task, name));
    }
    Ok(())
}

/// Arms (or replaces, or cancels) a notification request; returns the replaced request's
/// send-once right.
fn request(
    sp: &mut Space,
    name: mach_port_name_t,
    msgid: mach_msg_id_t,
    sync: u32,
    notify: Option<PortRef>,
    d: &mut Deferred,
) -> Result<Option<PortRef>, kern_return_t> {
    match msgid {
        MACH_NOTIFY_PORT_DESTROYED => {
            if sync != 0 {
                return Err(KERN_INVALID_VALUE);
            }
            if !valid(name) {
                return Err(KERN_INVALID_RIGHT);
            }
            let p = receive_port(sp, name).map_err(|e| e.0)?;
            let mut port = p.lock();
            if port.kobject != KObject::None {
                return Err(KERN_INVALID_RIGHT);
            }
            if port.pdrequest.is_some() {
                return Err(KERN_FAILURE);
            }
            port.pdrequest = notify;
            Ok(None)
        }
        MACH_NOTIFY_NO_SENDERS => {
            if !valid(name) {
                return Err(KERN_INVALID_RIGHT);
            }
            let p = receive_port(sp, name).map_err(|e| e.0)?;
            let mut port = p.lock();
            let previous = port.nsrequest.take().map(|(n, _)| n);
            if let Some(n) = notify {
                if port.srights == 0 && sync <= port.mscount {
                    // Already due: fires now, nothing stays armed.
                    d.send(Kmsg::no_senders(n, port.mscount));
                } else {
                    port.nsrequest = Some((n, sync));
                }
            }
            Ok(previous)
        }
        MACH_NOTIFY_DEAD_NAME | MACH_NOTIFY_SEND_POSSIBLE => {
            if !valid(name) {
                return Err(KERN_INVALID_ARGUMENT);
            }
            // ipc_right_request_alloc: nothing asked for and nothing armed is a success,
            // whatever the name holds.
            let armed = sp.get(name).map(|e| e.request);
            if notify.is_none() && armed == Some(false) {
                return Ok(None);
            }
            let task = sp.task;
            let e = lookup(sp, name).ok_or(KERN_INVALID_NAME)?;
            if e.rights & MACH_PORT_TYPE_DEAD_NAME != 0 {
                // Already dead: with sync (or for send-possible), notify at once; the name
                // gets the uref the notification carries.
                let Some(n) = notify.filter(|_| sync != 0 || msgid == MACH_NOTIFY_SEND_POSSIBLE)
                else {
                    return Err(KERN_INVALID_ARGUMENT);
                };
                if e.urefs < MACH_PORT_UREFS_MAX {
                    e.urefs += 1;
                }
                d.send(Kmsg::dead_name(n, name));
                return Ok(None);
            }
            let Obj::Port(p) = &e.object else {
                return Err(KERN_INVALID_RIGHT);
            };
            let send_once_right = e.rights & MACH_PORT_TYPE_SEND_ONCE != 0;
            let p = Arc::clone(p);
            let previous = cancel_request(sp, &p, name, d, false);
            if let Some(n) = notify {
                let mut port = p.lock();
                let kind = if msgid == MACH_NOTIFY_SEND_POSSIBLE {
                    // xnu-7195 ipc_right_request_alloc: with `sync`, possible now (room in
                    // the queue, a send-once right, or a kernel port) fires at once and
                    // nothing stays; otherwise `sync` arms the request, and without it the
                    // request is delayed until a MACH_SEND_NOTIFY send arms it.
                    let kernel = matches!(port.receiver, Receiver::Kernel);
                    if sync != 0 && (send_once_right || kernel || !port.is_full()) {
                        drop(port);
                        d.send(Kmsg::send_possible(n, name));
                        return Ok(previous);
                    }
                    if sync != 0 {
                        port.sprequests = true;
                    }
                    RequestKind::SendPossible { armed: sync != 0 }
                } else {
                    RequestKind::DeadName
                };
                port.requests.push(NameRequest {
                    task,
                    name,
                    notify: Some(n),
                    kind,
                });
                drop(port);
                if let Some(e) = sp.get_mut(name) {
                    e.request = true;
                }
            }
            Ok(previous)
        }
        _ => Err(KERN_INVALID_VALUE),
    }
}
