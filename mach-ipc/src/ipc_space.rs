//! IPC spaces (XNU's `ipc_space.c` and `ipc_entry.c`): a task's names for port rights, each
//! name an entry holding rights to one port or port set (or a dead name), with its user
//! references.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use crate::consts::*;
use crate::ipc_port::{PortRef, TaskId, port_key};
use crate::ipc_pset::PsetRef;

/// What a name in a space refers to.
#[derive(Clone, Debug)]
pub(crate) enum Obj {
    /// A dead name.
    None,
    Port(PortRef),
    Pset(PsetRef),
}

/// A name's entry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// `MACH_PORT_TYPE_*` right bits.
    pub rights: mach_port_type_t,
    pub urefs: u32,
    pub object: Obj,
    /// A dead-name or send-possible request may be armed on the name: the port's request
    /// list says whether one is (a send-possible request that fired leaves it there).
    pub request: bool,
}

impl Entry {
    /// An entry for `object` with `rights` and `urefs`, no request.
    pub(crate) fn new(rights: mach_port_type_t, urefs: u32, object: Obj) -> Entry {
        Entry {
            rights,
            urefs,
            object,
            request: false,
        }
    }

    /// The port the entry names, if any.
    pub(crate) fn port(&self) -> Option<&PortRef> {
        match &self.object {
            Obj::Port(p) => Some(p),
            _ => None,
        }
    }
}

/// Names per index: index `n` and generation `g` make the name `n << 8 | g`.
pub(crate) const GEN_FIRST: u32 = 0x03;
/// A reused index gets a generation 4 higher, so kernel-chosen names always end in binary 11.
pub(crate) const GEN_STEP: u32 = 0x04;

/// A map keyed by the kernel's small integers (name indices, port keys), hashed by
/// [`IdHasher`]: every `mach_msg` looks names up several times, and SipHash was a third of a
/// message's cost.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// The Fx hash (as rustc's own maps use): one rotate, xor and multiply per word. Not
/// resistant to chosen collisions, which here could only slow a task's own lookups down.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// Indices below this are kept in a table (every index the kernel hands out, until a task
/// has this many names); a name a task chose with a larger index goes in a map.
const TABLE_INDICES: u32 = 4096;

/// A space's entries by name index, each with the generation it was made with: a table
/// indexed by the index, as XNU's `is_table` is, so that the look-up every `mach_msg` makes
/// is an index and a compare; and a map for the indices beyond it, which only names a task
/// chose itself (`mach_port_allocate_name`, `mach_port_insert_right`) reach.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    table: Vec<Option<(u32, Entry)>>,
    far: IdMap<u32, (u32, Entry)>,
}

impl Entries {
    pub(crate) fn get(&self, index: u32) -> Option<&(u32, Entry)> {
        if index < TABLE_INDICES {
            self.table.get(index as usize)?.as_ref()
        } else {
            self.far.get(&index)
        }
    }

    pub(crate) fn get_mut(&mut self, index: u32) -> Option<&mut (u32, Entry)> {
        if index < TABLE_INDICES {
            self.table.get_mut(index as usize)?.as_mut()
        } else {
            self.far.get_mut(&index)
        }
    }

    pub(crate) fn contains(&self, index: u32) -> bool {
        self.get(index).is_some()
    }

    fn insert(&mut self, index: u32, generation: u32, entry: Entry) {
        if index < TABLE_INDICES {
            let at = index as usize;
            if self.table.len() <= at {
                self.table.resize_with(at + 1, || None);
            }
            self.table[at] = Some((generation, entry));
        } else {
            self.far.insert(index, (generation, entry));
        }
    }

    fn remove(&mut self, index: u32) -> Option<(u32, Entry)> {
        if index < TABLE_INDICES {
            self.table.get_mut(index as usize)?.take()
        } else {
            self.far.remove(&index)
        }
    }

    /// Every entry with its index, in no particular order.
    fn iter(&self) -> impl Iterator<Item = (u32, &(u32, Entry))> {
        let table = (0..)
            .zip(&self.table)
            .filter_map(|(i, e)| Some((i, e.as_ref()?)));
        table.chain(self.far.iter().map(|(&i, e)| (i, e)))
    }
}

/// An IPC space: a task's names.
#[derive(Debug)]
pub(crate) struct Space {
    /// The task whose space this is.
    pub task: TaskId,
    /// By index (`name >> 8`): the generation the entry was made with, and the entry.
    pub entries: Entries,
    next_index: u32,
    /// Freed indices (most recent first, as XNU reuses them) and the generation each will
    /// be reused with.
    free: VecDeque<(u32, u32)>,
    /// The name of the entry holding send or receive rights for a port (rights of one port
    /// share one name).
    pub reverse: IdMap<usize, mach_port_name_t>,
}

fn name_of(index: u32, generation: u32) -> mach_port_name_t {
    index << 8 | (generation & 0xff)
}

impl Space {
    /// An empty space for `task`.
    pub(crate) fn new(task: TaskId) -> Space {
        Space {
            task,
            entries: Entries::default(),
            next_index: 0,
            free: VecDeque::new(),
            reverse: IdMap::default(),
        }
    }

    pub(crate) fn get(&self, name: mach_port_name_t) -> Option<&Entry> {
        match self.entries.get(name >> 8) {
            Some((g, e)) if *g == name & 0xff => Some(e),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, name: mach_port_name_t) -> Option<&mut Entry> {
        match self.entries.get_mut(name >> 8) {
            Some((g, e)) if *g == name & 0xff => Some(e),
            _ => None,
        }
    }

    /// A new kernel-chosen name for `entry`.
    pub(crate) fn alloc(&mut self, entry: Entry) -> mach_port_name_t {
        loop {
            let (index, generation) = match self.free.pop_front() {
                Some(f) => f,
                None => {
                    self.next_index += 1;
                    (self.next_index, GEN_FIRST)
                }
            };
            // An index a user-chosen name took meanwhile is skipped.
            if self.entries.contains(index) {
                continue;
            }
            self.entries.insert(index, generation, entry);
            return name_of(index, generation);
        }
    }

    /// Takes `name` (chosen by the caller) for `entry`: `KERN_FAILURE` for index 0 or an
    /// index in use under another generation, `KERN_NAME_EXISTS` if the name is in use.
    pub(crate) fn alloc_name(
        &mut self,
        name: mach_port_name_t,
        entry: Entry,
    ) -> Result<(), kern_return_t> {
        let index = name >> 8;
        if index == 0 {
            return Err(KERN_FAILURE);
        }
        if let Some(&(generation, _)) = self.entries.get(index) {
            return Err(if generation == name & 0xff {
                KERN_NAME_EXISTS
            } else {
                KERN_FAILURE
            });
        }
        // A freed index taken this way is no longer free; a fresh one is skipped when the
        // kernel's own allocation reaches it.
        self.free.retain(|&(i, _)| i != index);
        self.entries.insert(index, name & 0xff, entry);
        Ok(())
    }

    /// Frees `name`; its index comes back later with the next generation.
    pub(crate) fn free(&mut self, name: mach_port_name_t) -> Option<Entry> {
        let index = name >> 8;
        let (generation, entry) = self.entries.remove(index)?;
        let mut next = generation.wrapping_add(GEN_STEP) & 0xff;
        // Wrapped: start the cycle again. XNU takes the new generation modulo 0xff (roll
        // bits 0, IE_BITS_ROLL), so 0xfb + 4 gives 0, below the old one: 0xff is never
        // handed out and a cycle has 63 generations, 0x03..=0xfb.
        if next < GEN_STEP || next == 0xff {
            next = GEN_FIRST;
        }
        self.free.push_front((index, next));
        if let Obj::Port(p) = &entry.object
            && self.reverse.get(&port_key(p)) == Some(&name)
        {
            self.reverse.remove(&port_key(p));
        }
        Some(entry)
    }

    /// Every name, in index order.
    pub(crate) fn names(&self) -> Vec<mach_port_name_t> {
        let mut v: Vec<_> = self
            .entries
            .iter()
            .map(|(i, &(g, _))| name_of(i, g))
            .collect();
        v.sort_unstable();
        v
    }
}
