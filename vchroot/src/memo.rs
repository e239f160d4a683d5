//! What earlier lookups learned: the targets of the symlinks they followed, and the plans
//! that held, by the path they were made for.
//!
//! It is a hint and never an authority. A lookup planned from it ([`crate::fast`]) checks
//! every link it relied on (its target read again) and every directory it assumed (opened
//! with `RESOLVE_NO_SYMLINKS`) before answering, and falls back to the real walk when
//! anything differs; what was wrong is dropped. A stale or hostile memo can only make a
//! lookup slower.
//!
//! It is bounded: when it holds [`LINKS`] links, or [`PLANS`] plans or [`PLAN_BYTES`] bytes
//! of them, the next insertion of that kind starts again from empty.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use crate::engine::Root;
use crate::fast::Plan;

/// How many times a lookup tries the memo's lock before going without it.
const SPINS: usize = 64;

/// How many symlinks the memo holds before it starts again.
pub(crate) const LINKS: usize = 1024;

/// How many plans the memo holds before it starts again.
pub(crate) const PLANS: usize = 4096;

/// How many bytes of plans and their keys the memo holds before it starts again.
pub(crate) const PLAN_BYTES: usize = 4 << 20;

type Table<V> = HashMap<Vec<u8>, V, BuildHasherDefault<Fx>>;

/// The memo's contents.
#[derive(Debug, Default)]
pub(crate) struct Map {
    /// Symlink targets by the link's place: its root, then its path below the root
    /// (`P/a/b/link`, see [`key`]).
    links: Table<Arc<[u8]>>,
    /// A bit for the hash of each link's own name: most names are not links, and this
    /// says so without building a key.
    names: [u64; 4],
    /// Plans that held, by what they were made for (see [`plan_key`]).
    plans: Table<Arc<Plan>>,
    plan_bytes: usize,
}

impl Map {
    /// Whether a link named `name` may be in the memo.
    pub(crate) fn may_hold(&self, name: &[u8]) -> bool {
        let bit = name_bit(name);
        self.names[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The target of the link at `key`.
    pub(crate) fn link(&self, key: &[u8]) -> Option<&Arc<[u8]>> {
        self.links.get(key)
    }

    /// The plan kept for `key`.
    pub(crate) fn plan(&self, key: &[u8]) -> Option<&Arc<Plan>> {
        self.plans.get(key)
    }
}

/// The bit of `name` in [`Map::names`].
fn name_bit(name: &[u8]) -> usize {
    let mut h = Fx::default();
    h.write(name);
    (h.finish() >> 56) as usize
}

/// The memo of one [`Vchroot`](crate::Vchroot), shared by its threads.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    map: Mutex<Map>,
}

/// Writes the key of the link `name` in the directory `dir` (components after `/`) under
/// `root`.
pub(crate) fn key(out: &mut Vec<u8>, root: Root, dir: &[u8], name: &[u8]) {
    out.clear();
    out.push(root_byte(root));
    out.extend_from_slice(dir);
    out.push(b'/');
    out.extend_from_slice(name);
}

/// Writes the key of a lookup of `path` from `root` after `base`'s components, following a
/// last symlink or not. (No path holds a NUL, so the NUL between `base` and `path` keeps
/// keys apart.)
pub(crate) fn plan_key(out: &mut Vec<u8>, root: Root, follow: bool, base: &[u8], path: &[u8]) {
    out.clear();
    out.push(root_byte(root));
    out.push(u8::from(follow));
    out.extend_from_slice(base);
    out.push(0);
    out.extend_from_slice(path);
}

fn root_byte(root: Root) -> u8 {
    match root {
        Root::Prefix => b'P',
        Root::Host => b'H',
    }
}

impl Memo {
    /// The map, if no other thread holds it. Planning holds the lock for a walk through
    /// memory only (no system call runs under it).
    ///
    /// Nothing waits for the lock: a lookup that finds it taken goes without the memo. So
    /// a child forked while another thread held it (the lock stays taken in the child)
    /// still resolves paths, by walking; and no thread ever waits behind another's lookup.
    pub(crate) fn lock(&self) -> Option<MutexGuard<'_, Map>> {
        // Another thread holds it for a few hundred nanoseconds at most, unless it was
        // descheduled (or is not in this process): try for about as long.
        for _ in 0..SPINS {
            match self.map.try_lock() {
                Ok(map) => return Some(map),
                // A panic elsewhere cannot leave the map inconsistent: every change is one
                // insert, remove or clear.
                Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => std::hint::spin_loop(),
            }
        }
        None
    }

    /// Remembers that the link at `key` points to `target`.
    pub(crate) fn learn_link(&self, key: &[u8], target: Arc<[u8]>) {
        let Some(mut map) = self.lock() else {
            return;
        };
        if map.links.len() >= LINKS && !map.links.contains_key(key) {
            map.links.clear();
            map.names = [0; 4];
        }
        let name = &key[key.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1)..];
        let bit = name_bit(name);
        map.names[bit / 64] |= 1 << (bit % 64);
        map.links.insert(key.to_vec(), target);
    }

    /// Forgets the link at `key`. (Plans that followed it keep their own copy of its
    /// target, and find out themselves.)
    pub(crate) fn forget_link(&self, key: &[u8]) {
        if let Some(mut map) = self.lock() {
            map.links.remove(key);
        }
    }

    /// Keeps `plan`, which held, for `key`.
    pub(crate) fn keep_plan(&self, key: &[u8], plan: Arc<Plan>) {
        let size = key.len() + plan.size();
        if size > PLAN_BYTES / 64 {
            return;
        }
        let Some(mut map) = self.lock() else {
            return;
        };
        if map.plans.len() >= PLANS || map.plan_bytes + size > PLAN_BYTES {
            map.plans.clear();
            map.plan_bytes = 0;
        }
        if let Some(old) = map.plans.insert(key.to_vec(), plan) {
            map.plan_bytes -= key.len() + old.size();
        }
        map.plan_bytes += size;
    }

    /// Forgets the plan for `key`.
    pub(crate) fn forget_plan(&self, key: &[u8]) {
        let Some(mut map) = self.lock() else {
            return;
        };
        if let Some(old) = map.plans.remove(key) {
            map.plan_bytes -= key.len() + old.size();
        }
    }

    /// How many links and plans it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> (usize, usize) {
        let map = self.lock().unwrap();
        (map.links.len(), map.plans.len())
    }
}

/// The multiply-rotate hash of rustc's FxHasher, eight bytes at a time: the keys are short
/// paths, and SipHash's resistance to chosen collisions buys nothing here (the memo is
/// bounded, and a collision costs a comparison).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded() {
        let memo = Memo::default();
        let mut k = Vec::new();
        for i in 0..LINKS + 10 {
            key(&mut k, Root::Prefix, b"/d", i.to_string().as_bytes());
            memo.learn_link(&k, Arc::from(&b"t"[..]));
            assert!(memo.len().0 <= LINKS);
        }
        assert_eq!(memo.len().0, 10);
        memo.forget_link(&k);
        assert_eq!(memo.len().0, 9);
    }

    #[test]
    fn never_waits() {
        let memo = Memo::default();
        let held = memo.lock().unwrap();
        assert!(memo.lock().is_none());
        memo.learn_link(b"P/l", Arc::from(&b"t"[..]));
        drop(held);
        assert_eq!(memo.len().0, 0);
    }

    #[test]
    fn names_filter_lookups() {
        let memo = Memo::default();
        assert!(!memo.lock().unwrap().may_hold(b"l"));
        memo.learn_link(b"P/a/b/l", Arc::from(&b"c"[..]));
        let map = memo.lock().unwrap();
        assert!(map.may_hold(b"l"));
        assert_eq!(map.link(b"P/a/b/l").map(|t| &t[..]), Some(&b"c"[..]));
        assert!(map.link(b"P/a/b/m").is_none());
    }

    #[test]
    fn keys_keep_apart() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        key(&mut a, Root::Prefix, b"/x", b"l");
        key(&mut b, Root::Host, b"/x", b"l");
        assert_eq!(a, b"P/x/l");
        assert_ne!(a, b);
        plan_key(&mut a, Root::Prefix, false, b"/ab", b"c");
        plan_key(&mut b, Root::Prefix, false, b"/a", b"bc");
        assert_ne!(a, b);
        plan_key(&mut b, Root::Prefix, true, b"/ab", b"c");
        assert_ne!(a, b);
    }

    #[test]
    fn hashes_differ_by_length_and_content() {
        let h = |b: &[u8]| {
            let mut f = Fx::default();
            f.write(b);
            f.finish()
        };
        assert_ne!(h(b"P/a/b"), h(b"P/a/c"));
        assert_ne!(h(b"P/a"), h(b"P/a\0"));
        assert_ne!(h(b"P/abcdefgh"), h(b"P/abcdefg"));
    }
}
