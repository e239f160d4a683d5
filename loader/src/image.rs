//! An executable mapped into this process: its segments at a slide with their protections,
//! every fixup written. The crate's unsafe edge for memory: each block says why it holds.
#![allow(unsafe_code)]

use std::ffi::c_void;
use std::ptr::NonNull;

use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};

use crate::plan::{FixupKind, PAGE_SIZE, Plan, SegmentPlan};
use crate::shims::LoadError;

/// An executable mapped by [`LoadedImage::load`]; its address space is unmapped when this
/// is dropped.
#[derive(Debug)]
pub struct LoadedImage {
    start: NonNull<c_void>,
    len: usize,
    slide: u64,
    entry: u64,
    base: u64,
}

/// `x` rounded up to a whole number of pages.
fn page_up(x: u64) -> u64 {
    x.div_ceil(PAGE_SIZE) * PAGE_SIZE
}

/// The `PROT_*` flags of Mach `VM_PROT_*` bits (read 1, write 2, execute 4, as on Linux).
fn prot(vm_prot: i32) -> MprotectFlags {
    let mut flags = MprotectFlags::empty();
    if vm_prot & 1 != 0 {
        flags |= MprotectFlags::READ;
    }
    if vm_prot & 2 != 0 {
        flags |= MprotectFlags::WRITE;
    }
    if vm_prot & 4 != 0 {
        flags |= MprotectFlags::EXEC;
    }
    flags
}

impl LoadedImage {
    /// Maps the image of `file` that `plan` describes, at an address the kernel chooses
    /// (or, for an image that is not `MH_PIE`, at its own addresses), and writes every fixup:
    /// a rebase's target slid, a bind's `addresses[import]` plus its addend. `addresses` are
    /// the imports' addresses, in `plan.imports` order.
    ///
    /// # Errors
    /// [`LoadError::Map`] if the memory cannot be had (for a fixed-address image, if the
    /// addresses are taken).
    pub fn load(file: &[u8], plan: &Plan, addresses: &[u64]) -> Result<Self, LoadError> {
        assert_eq!(addresses.len(), plan.imports.len(), "an address per import");
        let (low, high) = plan
            .mapped_range()
            .ok_or(LoadError::Map("no segment to map".into()))?;
        let len = usize::try_from(page_up(high - low))
            .map_err(|_| LoadError::Map("the image is larger than the address space".into()))?;
        let image = file
            .get(usize::try_from(plan.image_offset).unwrap_or(usize::MAX)..)
            .ok_or(LoadError::Map("the image is outside the file".into()))?;
        let hint = if plan.pie {
            std::ptr::null_mut()
        } else {
            low as *mut c_void
        };
        let flags = if plan.pie {
            MapFlags::PRIVATE | MapFlags::NORESERVE
        } else {
            MapFlags::PRIVATE | MapFlags::NORESERVE | MapFlags::FIXED_NOREPLACE
        };
        // SAFETY: an anonymous, inaccessible reservation of `len` bytes: it replaces nothing
        // (no MAP_FIXED; a fixed-address image asks for MAP_FIXED_NOREPLACE, which fails
        // rather than replace), so no memory anyone uses is touched.
        let start = unsafe { rustix::mm::mmap_anonymous(hint, len, ProtFlags::empty(), flags) }
            .map_err(|e| LoadError::Map(format!("cannot reserve {len:#x} bytes: {e}")))?;
        let start = NonNull::new(start).ok_or(LoadError::Map("mmap gave NULL".into()))?;
        if !plan.pie && start.as_ptr() as u64 != low {
            // A kernel without MAP_FIXED_NOREPLACE treats it as a hint.
            // SAFETY: the mapping was just made, for `len` bytes, and nothing uses it.
            let _ = unsafe { rustix::mm::munmap(start.as_ptr(), len) };
            return Err(LoadError::Map(format!(
                "the addresses at {low:#x} are taken"
            )));
        }
        // From here on, dropping `loaded` unmaps the reservation, on every error path too.
        let slide = (start.as_ptr() as u64).wrapping_sub(low);
        let loaded = LoadedImage {
            start,
            len,
            slide,
            entry: plan.entry.wrapping_add(slide),
            base: plan.base_address.wrapping_add(slide),
        };
        let mapped: Vec<&SegmentPlan> = plan
            .segments
            .iter()
            .filter(|s| !s.is_reservation() && s.vmsize > 0)
            .collect();
        for s in &mapped {
            let at = loaded.address(s.vmaddr);
            let size = page_up(s.vmsize) as usize;
            // SAFETY: [at, at + size) lies inside the reservation (the plan's segments are
            // inside its mapped range and do not overlap); it becomes readable and
            // writable for the copy and the fixups.
            unsafe { rustix::mm::mprotect(at, size, MprotectFlags::READ | MprotectFlags::WRITE) }
                .map_err(|e| LoadError::Map(format!("segment {}: {e}", s.name)))?;
            let bytes = image
                .get(s.fileoff as usize..(s.fileoff + s.filesize) as usize)
                .ok_or_else(|| LoadError::Map(format!("segment {} outside the file", s.name)))?;
            // SAFETY: the destination is `filesize <= vmsize` bytes of the segment just made
            // writable, and cannot overlap `file`, which this process mapped elsewhere.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), at.cast(), bytes.len()) };
        }
        for fixup in &plan.fixups {
            let value = match fixup.kind {
                FixupKind::Rebase { target } => target.wrapping_add(loaded.slide),
                FixupKind::Bind { import, addend } => addresses[import].wrapping_add(addend as u64),
            };
            let at = loaded.address(fixup.address);
            // SAFETY: the plan checked that the 8 bytes at `fixup.address` lie in a mapped
            // segment, which is readable and writable until the protections below.
            unsafe { at.cast::<u64>().write_unaligned(value) };
        }
        for s in &mapped {
            let size = page_up(s.vmsize) as usize;
            // SAFETY: as for the mprotect above; the segment gets the protection its load
            // command gives it.
            unsafe { rustix::mm::mprotect(loaded.address(s.vmaddr), size, prot(s.initprot)) }
                .map_err(|e| LoadError::Map(format!("segment {}: {e}", s.name)))?;
        }
        Ok(loaded)
    }

    /// Where unslid `address` is in this process.
    fn address(&self, address: u64) -> *mut c_void {
        address.wrapping_add(self.slide) as *mut c_void
    }

    /// What was added to every unslid address.
    pub fn slide(&self) -> u64 {
        self.slide
    }

    /// The address of `main` in this process.
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The address of the Mach header in this process.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The `len` bytes mapped at unslid `address`, if they lie in a readable segment.
    ///
    /// Only the bytes the image maps are given out: the plan's segments, not the gaps.
    pub fn bytes(&self, plan: &Plan, address: u64, len: u64) -> Option<&[u8]> {
        let inside = plan.segments.iter().any(|s| {
            !s.is_reservation()
                && s.initprot & 1 != 0
                && address >= s.vmaddr
                && address
                    .checked_add(len)
                    .is_some_and(|end| end <= s.vmaddr + s.vmsize)
        });
        // SAFETY: the bytes lie in a segment of this image that is mapped readable for as
        // long as `self` lives; the image's code may write them (writable segments), as any
        // shared memory may change, but they stay mapped.
        inside.then(|| unsafe {
            std::slice::from_raw_parts(self.address(address).cast::<u8>(), len as usize)
        })
    }
}

impl Drop for LoadedImage {
    fn drop(&mut self) {
        // SAFETY: the reservation was made by `load` for `len` bytes and is this value's
        // alone; code of the image must not run after it is dropped (see `run`).
        let _ = unsafe { rustix::mm::munmap(self.start.as_ptr(), self.len) };
    }
}
