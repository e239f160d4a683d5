//! [`Reader`]: a received message read field after field, its out-of-line data read out of
//! the receiving task's memory.

use darling_mach_abi::consts::*;
use darling_mach_abi::message::{HEADER_SIZE, MessageReader, read};
use darling_mach_abi::wire::{
    MachMsgBody, MachMsgHeader, MachMsgOolDescriptor64, MachMsgOolPortsDescriptor64,
    MachMsgPortDescriptor,
};
use darling_mach_ipc::{KernReturn, Task};
use zerocopy::FromBytes;

use crate::fail;
use crate::values::{from_bytes, from_c_string, items};

/// The header at the start of `msg` (all zero if `msg` is too short to hold one, which a
/// received message never is).
pub fn header(msg: &[u8]) -> MachMsgHeader {
    MachMsgHeader::read(msg).unwrap_or_default()
}

/// Reads a received message field after field, over the ABI's [`MessageReader`], checking
/// each read against the message's size: reading past it is `error` (`MIG_TYPE_ERROR` for a
/// client reading a reply, `MIG_BAD_ARGUMENTS` for a server reading a request).
#[derive(Debug)]
pub struct Reader<'a> {
    message: MessageReader<'a>,
    error: kern_return_t,
}

impl<'a> Reader<'a> {
    /// A reader of `msg` (exactly the message: `msgh_size` bytes) after its header.
    pub fn new(msg: &'a [u8], error: kern_return_t) -> Reader<'a> {
        Reader {
            message: MessageReader::new(msg),
            error,
        }
    }

    /// The reader's error code, as an error.
    fn short(&self) -> KernReturn {
        KernReturn(self.error)
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// The reader's error code past the end.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], KernReturn> {
        let error = self.short();
        self.message.bytes(n).map_err(|_| error)
    }

    /// Skips to the next multiple of 4.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn pad(&mut self) -> Result<(), KernReturn> {
        let error = self.short();
        self.message.pad().map_err(|_| error)
    }

    /// The next `u32`.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn u32(&mut self) -> Result<u32, KernReturn> {
        self.get()
    }

    /// The next fixed-size value.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn get<T: FromBytes>(&mut self) -> Result<T, KernReturn> {
        let error = self.short();
        self.message.get().map_err(|_| error)
    }

    /// The next `n` values.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn get_vec<T: FromBytes>(&mut self, n: usize) -> Result<Vec<T>, KernReturn> {
        let len = n.checked_mul(size_of::<T>()).ok_or(self.short())?;
        Ok(items(self.bytes(len)?))
    }

    /// A port descriptor: its name and (received) disposition, checking its type and, unless
    /// `expect` is `MACH_MSG_TYPE_POLYMORPHIC`, its disposition.
    ///
    /// # Errors
    /// As [`Reader::bytes`]; `type_error` for a descriptor of another type or disposition.
    pub fn port(
        &mut self,
        expect: mach_msg_type_name_t,
        type_error: kern_return_t,
    ) -> Result<(mach_port_name_t, mach_msg_type_name_t), KernReturn> {
        let d: MachMsgPortDescriptor = self.get()?;
        if d.type_() != MACH_MSG_PORT_DESCRIPTOR
            || (expect != MACH_MSG_TYPE_POLYMORPHIC && d.disposition() != expect)
        {
            return fail(type_error);
        }
        Ok((d.name, d.disposition()))
    }

    /// An out-of-line descriptor: the data, read out of `task`'s memory (the region stays
    /// until the message is released: [`release_memory`](crate::release_memory) once
    /// taken, [`destroy_request`](crate::destroy_request) on failure).
    ///
    /// # Errors
    /// As [`Reader::port`].
    pub fn ool(&mut self, task: &Task, type_error: kern_return_t) -> Result<Vec<u8>, KernReturn> {
        let d: MachMsgOolDescriptor64 = self.get()?;
        if d.type_() != MACH_MSG_OOL_DESCRIPTOR {
            return fail(type_error);
        }
        read_memory(task, d.address, u64::from(d.size))
    }

    /// An out-of-line ports descriptor: the names (read out of `task`'s memory, which stays
    /// as for [`Reader::ool`]) and the right type they arrived as.
    ///
    /// # Errors
    /// As [`Reader::port`].
    pub fn ool_ports(
        &mut self,
        task: &Task,
        expect: mach_msg_type_name_t,
        type_error: kern_return_t,
    ) -> Result<(Vec<mach_port_name_t>, mach_msg_type_name_t), KernReturn> {
        let d: MachMsgOolPortsDescriptor64 = self.get()?;
        if d.type_() != MACH_MSG_OOL_PORTS_DESCRIPTOR
            || (expect != MACH_MSG_TYPE_POLYMORPHIC && d.disposition() != expect)
        {
            return fail(type_error);
        }
        Ok((read_names(task, d.address, d.count)?, d.disposition()))
    }

    /// A `c_string` of at most `n` bytes: it must end within them (migcom's server checks
    /// with `memchr`), else `error`.
    ///
    /// # Errors
    /// As [`Reader::bytes`]; `error` without a NUL.
    pub fn c_string(&mut self, n: usize, error: kern_return_t) -> Result<String, KernReturn> {
        let b = self.bytes(n)?;
        if !b.contains(&0) {
            return fail(error);
        }
        Ok(from_c_string(b))
    }

    /// Whether every byte of the message was read.
    pub fn at_end(&self) -> bool {
        self.message.at_end()
    }
}

/// The `size` bytes at `address` in `task`'s memory (nothing for an empty region, which
/// MIG sends as address 0).
pub(crate) fn read_memory(task: &Task, address: u64, size: u64) -> Result<Vec<u8>, KernReturn> {
    if size == 0 {
        return Ok(Vec::new());
    }
    task.vm_read(address, size)
}

/// The `count` port names of an out-of-line ports array at `address` in `task`'s memory.
pub(crate) fn read_names(
    task: &Task,
    address: u64,
    count: u32,
) -> Result<Vec<mach_port_name_t>, KernReturn> {
    let bytes = read_memory(task, address, u64::from(count) * 4)?;
    from_bytes(&bytes, MIG_TYPE_ERROR)
}

/// The descriptor count of the complex message in `msg` (0 if it is too short to hold one).
pub(crate) fn descriptor_count(msg: &[u8]) -> u32 {
    read::<MachMsgBody>(msg, HEADER_SIZE).map_or(0, |b| b.msgh_descriptor_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Writer;
    use darling_mach_ipc::Kernel;

    #[test]
    fn descriptors_of_another_type_or_disposition_are_type_errors() {
        let kernel = Kernel::new();
        let task = kernel.task_create(None);
        let mut buf = [0u8; 80];
        let mut w = Writer::new(&mut buf);
        w.header(MACH_MSGH_BITS_COMPLEX, 0, 0, 1).unwrap();
        w.u32(3).unwrap();
        w.port(0x103, MACH_MSG_TYPE_MOVE_SEND).unwrap();
        w.ool(&task, vec![9; 5], false, false).unwrap();
        w.ool_ports(&task, &[0x203], MACH_MSG_TYPE_MOVE_SEND, false)
            .unwrap();
        let size = w.finish() as usize;
        let msg = &buf[..size];
        assert_eq!(descriptor_count(msg), 3);

        let mut r = Reader::new(msg, MIG_BAD_ARGUMENTS);
        r.u32().unwrap();
        assert_eq!(
            r.port(MACH_MSG_TYPE_MOVE_SEND_ONCE, MIG_TYPE_ERROR),
            Err(KernReturn(MIG_TYPE_ERROR))
        );
        let mut r = Reader::new(msg, MIG_BAD_ARGUMENTS);
        r.u32().unwrap();
        assert_eq!(
            r.port(MACH_MSG_TYPE_POLYMORPHIC, MIG_TYPE_ERROR),
            Ok((0x103, MACH_MSG_TYPE_MOVE_SEND))
        );
        assert_eq!(r.ool(&task, MIG_TYPE_ERROR), Ok(vec![9; 5]));
        assert_eq!(
            r.ool_ports(&task, MACH_MSG_TYPE_MOVE_SEND, MIG_TYPE_ERROR),
            Ok((vec![0x203], MACH_MSG_TYPE_MOVE_SEND))
        );
        assert!(r.at_end());
        assert_eq!(r.u32(), Err(KernReturn(MIG_BAD_ARGUMENTS)));

        // An out-of-line descriptor where a port is expected.
        let mut r = Reader::new(msg, MIG_BAD_ARGUMENTS);
        r.bytes(16).unwrap();
        assert_eq!(
            r.port(MACH_MSG_TYPE_POLYMORPHIC, MIG_TYPE_ERROR),
            Err(KernReturn(MIG_TYPE_ERROR))
        );
    }

    #[test]
    fn c_strings_must_end_within_their_field() {
        let mut msg = [0u8; HEADER_SIZE + 8];
        msg[HEADER_SIZE..].copy_from_slice(b"abcda\0\0\0");
        let mut r = Reader::new(&msg, MIG_TYPE_ERROR);
        assert_eq!(
            r.c_string(4, MIG_BAD_ARGUMENTS),
            Err(KernReturn(MIG_BAD_ARGUMENTS))
        );
        assert_eq!(r.c_string(4, MIG_BAD_ARGUMENTS), Ok("a".to_string()));
        assert_eq!(
            r.c_string(4, MIG_BAD_ARGUMENTS),
            Err(KernReturn(MIG_TYPE_ERROR))
        );
    }
}
