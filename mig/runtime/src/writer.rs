//! [`Writer`]: a message written field after field, its out-of-line data placed in the
//! sending task's memory.

use darling_mach_abi::consts::*;
use darling_mach_abi::message::{HEADER_SIZE, MessageError, MessageWriter};
use darling_mach_ipc::{KernReturn, Task};
use zerocopy::{Immutable, IntoBytes};

use crate::fail;

/// Writes a message from its start, field after field (each 4-aligned as migcom packs
/// them), over the ABI's [`MessageWriter`]. Writing past the buffer is refused with
/// `MIG_ARRAY_TOO_LARGE`, as migcom's stubs refuse data larger than the message.
#[derive(Debug)]
pub struct Writer<'a> {
    message: MessageWriter<'a>,
    regions: Vec<(u64, bool)>,
}

/// A full buffer, in MIG's words.
fn too_large(_: MessageError) -> KernReturn {
    KernReturn(MIG_ARRAY_TOO_LARGE)
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Writer<'a> {
        Writer {
            message: MessageWriter::new(buf),
            regions: Vec::new(),
        }
    }

    /// A writer of `buf`'s body: the header is already there, as
    /// [`reply_header`](crate::reply_header) wrote it.
    pub fn after_header(buf: &'a mut [u8]) -> Writer<'a> {
        Writer {
            message: MessageWriter::at(buf, HEADER_SIZE),
            regions: Vec::new(),
        }
    }

    /// Appends `bytes`.
    ///
    /// # Errors
    /// `MIG_ARRAY_TOO_LARGE` when the buffer is full.
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), KernReturn> {
        self.message.bytes(bytes).map_err(too_large)
    }

    /// Appends zeros up to the next multiple of 4.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn pad(&mut self) -> Result<(), KernReturn> {
        self.message.pad().map_err(too_large)
    }

    /// Appends a `u32`.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn u32(&mut self, v: u32) -> Result<(), KernReturn> {
        self.put(&v)
    }

    /// Appends a fixed-size value.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn put<T: IntoBytes + Immutable + ?Sized>(&mut self, v: &T) -> Result<(), KernReturn> {
        self.message.put(v).map_err(too_large)
    }

    /// Appends a message header (its size is filled in by [`Writer::finish`]).
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn header(
        &mut self,
        bits: mach_msg_bits_t,
        remote: mach_port_name_t,
        local: mach_port_name_t,
        id: mach_msg_id_t,
    ) -> Result<(), KernReturn> {
        self.message
            .header(bits, remote, local, id)
            .map_err(too_large)
    }

    /// Appends a port descriptor.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn port(
        &mut self,
        name: mach_port_name_t,
        disposition: mach_msg_type_name_t,
    ) -> Result<(), KernReturn> {
        self.message.port(name, disposition).map_err(too_large)
    }

    /// Appends an out-of-line descriptor for `data`, first placed in `task`'s memory, with
    /// migcom's flags: `deallocate` for a `Dealloc` argument (the send then takes the
    /// region away), physical or virtual copy. A region the send does not take is the
    /// caller's to free afterwards ([`Writer::regions`]).
    ///
    /// # Errors
    /// As [`Writer::bytes`]; `MIG_ARRAY_TOO_LARGE` for more than 4 GiB.
    pub fn ool(
        &mut self,
        task: &Task,
        data: Vec<u8>,
        deallocate: bool,
        physical: bool,
    ) -> Result<(), KernReturn> {
        let size = u32::try_from(data.len()).or_else(|_| fail(MIG_ARRAY_TOO_LARGE))?;
        let address = self.allocate(task, data, deallocate);
        let copy = if physical {
            MACH_MSG_PHYSICAL_COPY
        } else {
            MACH_MSG_VIRTUAL_COPY
        };
        self.message
            .ool(address, size, deallocate, copy)
            .map_err(too_large)
    }

    /// Appends an out-of-line ports descriptor for `names`, each sent with `disposition`
    /// (migcom always asks for a physical copy of port arrays).
    ///
    /// # Errors
    /// As [`Writer::ool`].
    pub fn ool_ports(
        &mut self,
        task: &Task,
        names: &[mach_port_name_t],
        disposition: mach_msg_type_name_t,
        deallocate: bool,
    ) -> Result<(), KernReturn> {
        let count = u32::try_from(names.len()).or_else(|_| fail(MIG_ARRAY_TOO_LARGE))?;
        let address = self.allocate(task, names.as_bytes().to_vec(), deallocate);
        self.message
            .ool_ports(
                address,
                count,
                deallocate,
                MACH_MSG_PHYSICAL_COPY,
                disposition,
            )
            .map_err(too_large)
    }

    /// Places `data` in `task`'s memory (nothing for no data: address 0, as MIG sends an
    /// empty array) and remembers the region.
    fn allocate(&mut self, task: &Task, data: Vec<u8>, deallocate: bool) -> u64 {
        if data.is_empty() {
            return 0;
        }
        let address = task.vm_allocate(data);
        self.regions.push((address, deallocate));
        address
    }

    /// The out-of-line regions placed in the sender's memory, each with whether the send
    /// takes it (`deallocate`).
    pub fn regions(&self) -> Vec<(u64, bool)> {
        self.regions.clone()
    }

    /// Writes the size into the header and returns it.
    pub fn finish(&mut self) -> u32 {
        self.message.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use darling_mach_abi::message::{Descriptor, Descriptors};
    use darling_mach_ipc::Kernel;

    #[test]
    fn writes_descriptors_with_migcom_s_flags_and_refuses_overflow() {
        let kernel = Kernel::new();
        let task = kernel.task_create(None);
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        w.header(MACH_MSGH_BITS_COMPLEX, 1, 0, 7).unwrap();
        w.u32(2).unwrap();
        w.ool(&task, vec![1, 2, 3], false, true).unwrap();
        w.ool_ports(&task, &[5, 6], MACH_MSG_TYPE_COPY_SEND, true)
            .unwrap();
        let size = w.finish();
        assert_eq!(size, 60);
        let regions = w.regions();
        assert_eq!(regions.len(), 2);
        assert_eq!(w.put(&[0u8; 5]), Err(KernReturn(MIG_ARRAY_TOO_LARGE)));
        let walked: Vec<_> = Descriptors::in_message(&buf[..60])
            .map(|d| d.unwrap().1)
            .collect();
        let Descriptor::Ool(ool) = walked[0] else {
            panic!("{walked:?}")
        };
        assert_eq!(
            (ool.copy(), ool.deallocate(), { ool.size }),
            (MACH_MSG_PHYSICAL_COPY, false, 3)
        );
        assert_eq!({ ool.address }, regions[0].0);
        let Descriptor::OolPorts(ports) = walked[1] else {
            panic!("{walked:?}")
        };
        assert_eq!(ports.disposition(), MACH_MSG_TYPE_COPY_SEND);
        assert!(ports.deallocate());
        assert_eq!(
            task.vm_read(ports.address, 8),
            Ok(vec![5, 0, 0, 0, 6, 0, 0, 0])
        );
    }
}
