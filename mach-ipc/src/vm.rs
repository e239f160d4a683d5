//! A task's memory as out-of-line descriptors see it.
//!
//! Out-of-line (OOL) descriptors carry addresses: the sender's data is read from its address
//! space and the receiver finds a copy at a new address in its own. Tasks here share one Linux
//! process, so the crate gives each task a simulated address space of regions
//! ([`Task::vm_allocate`](crate::Task::vm_allocate), [`Task::vm_read`](crate::Task::vm_read),
//! [`Task::vm_deallocate`](crate::Task::vm_deallocate)): a message can only name memory its
//! sender owns, and arbitrary bytes sent as a message can never reach the process's real
//! memory.

use std::collections::BTreeMap;

/// Page size of the simulated address spaces.
pub const VM_PAGE_SIZE: u64 = 0x4000;

/// Where the first region of every task starts.
const VM_FIRST_ADDRESS: u64 = 0x1_0000_0000;

/// Largest single region (1 GiB): anything larger is refused as bad memory.
pub const VM_MAX_REGION: u64 = 1 << 30;

/// A task's regions, by start address.
#[derive(Debug, Default)]
pub(crate) struct Vm {
    regions: BTreeMap<u64, Vec<u8>>,
    next: u64,
}

impl Vm {
    /// A new region holding `data`; returns its address.
    pub(crate) fn allocate(&mut self, data: Vec<u8>) -> u64 {
        if self.next == 0 {
            self.next = VM_FIRST_ADDRESS;
        }
        let address = self.next;
        let pages = (data.len() as u64).max(1).div_ceil(VM_PAGE_SIZE);
        // One unmapped guard page between regions.
        self.next = address + (pages + 1) * VM_PAGE_SIZE;
        self.regions.insert(address, data);
        address
    }

    /// The region containing `[address, address + len)`.
    fn find(&self, address: u64, len: u64) -> Option<(u64, &Vec<u8>)> {
        let (&start, region) = self.regions.range(..=address).next_back()?;
        let end = start.checked_add(region.len() as u64)?;
        (address.checked_add(len)? <= end).then_some((start, region))
    }

    /// A copy of `len` bytes at `address`, if one region holds them all.
    pub(crate) fn read(&self, address: u64, len: u64) -> Option<Vec<u8>> {
        if len > VM_MAX_REGION {
            return None;
        }
        if len == 0 {
            return Some(Vec::new());
        }
        let (start, region) = self.find(address, len)?;
        let at = (address - start) as usize;
        Some(region[at..at + len as usize].to_vec())
    }

    /// Removes the region that starts at `address`.
    pub(crate) fn deallocate(&mut self, address: u64) -> bool {
        self.regions.remove(&address).is_some()
    }

    /// Out-of-line memory being sent: a copy of `len` bytes at `address`, the region then
    /// removed if `deallocate` asks and the bytes are the whole of it.
    pub(crate) fn copyin(&mut self, address: u64, len: u64, deallocate: bool) -> Option<Vec<u8>> {
        let data = self.read(address, len)?;
        if deallocate {
            self.deallocate_range(address, len);
        }
        Some(data)
    }

    /// Removes the part `[address, address + len)` of a region, when it is the whole region
    /// (the only deallocation OOL `deallocate` needs here).
    fn deallocate_range(&mut self, address: u64, len: u64) {
        if let Some(r) = self.regions.get(&address)
            && r.len() as u64 == len
        {
            self.regions.remove(&address);
        }
    }

    /// Number of regions.
    pub(crate) fn regions(&self) -> usize {
        self.regions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_bounded() {
        let mut vm = Vm::default();
        let a = vm.allocate(vec![1, 2, 3]);
        let b = vm.allocate(vec![4; 10]);
        assert_ne!(a, b);
        assert_eq!(vm.read(a + 1, 2), Some(vec![2, 3]));
        assert_eq!(vm.read(a + 1, 3), None);
        assert_eq!(vm.read(a - 1, 1), None);
        assert_eq!(vm.read(u64::MAX, 2), None);
        assert_eq!(vm.read(b + 8, 2), Some(vec![4, 4]));
        assert_eq!(vm.read(b + 9, 2), None);
        assert!(vm.deallocate(a));
        assert_eq!(vm.read(a, 1), None);
        assert_eq!(vm.regions(), 1);
    }
}
