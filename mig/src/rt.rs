//! What generated stubs run on: message writing and reading at migcom's offsets, the
//! client's reply port and call, the server's reply conventions and receive loop
//! (`mach_msg_server`), over [`darling_mach_ipc`].
//!
//! Generated code calls these; applications normally do not.

use std::cell::Cell;

pub use darling_mach_ipc as mach;
pub use zerocopy;

use mach::consts::*;
use mach::{KernReturn, Task};

/// Size of `mach_msg_header_t`.
pub const HEADER: usize = 24;
/// The largest trailer a receive may ask for (`mach_msg_max_trailer_t`).
pub const MAX_TRAILER: usize = 68;

/// `Err(code)` as a [`KernReturn`].
pub fn fail<T>(code: kern_return_t) -> Result<T, KernReturn> {
    Err(KernReturn(code))
}

/// A fixed-size value as it sits in a message: native byte order, no padding inside.
pub trait Wire: Sized + Copy {
    /// Its size in bytes.
    const SIZE: usize;
    /// Writes it into `out` (`SIZE` bytes).
    fn put(&self, out: &mut [u8]);
    /// Reads it from `b` (`SIZE` bytes).
    fn get(b: &[u8]) -> Self;
}

macro_rules! wire_number {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const SIZE: usize = size_of::<$t>();
            fn put(&self, out: &mut [u8]) {
                out[..Self::SIZE].copy_from_slice(&self.to_ne_bytes());
            }
            fn get(b: &[u8]) -> Self {
                let mut a = [0u8; size_of::<$t>()];
                a.copy_from_slice(&b[..Self::SIZE]);
                <$t>::from_ne_bytes(a)
            }
        }
    )*};
}

wire_number!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

impl<T: Wire, const N: usize> Wire for [T; N] {
    const SIZE: usize = T::SIZE * N;
    fn put(&self, out: &mut [u8]) {
        for (i, x) in self.iter().enumerate() {
            x.put(&mut out[i * T::SIZE..]);
        }
    }
    fn get(b: &[u8]) -> Self {
        std::array::from_fn(|i| T::get(&b[i * T::SIZE..]))
    }
}

/// `items` laid end to end (the bytes of out-of-line data).
pub fn to_bytes<T: Wire>(items: &[T]) -> Vec<u8> {
    let mut out = vec![0u8; items.len() * T::SIZE];
    for (i, x) in items.iter().enumerate() {
        x.put(&mut out[i * T::SIZE..]);
    }
    out
}

/// The items in `b`; `error` if its length is not a multiple of an item's.
///
/// # Errors
/// `error` for a partial item.
pub fn from_bytes<T: Wire>(b: &[u8], error: kern_return_t) -> Result<Vec<T>, KernReturn> {
    if T::SIZE == 0 || !b.len().is_multiple_of(T::SIZE) {
        return fail(error);
    }
    Ok(b.chunks_exact(T::SIZE).map(T::get).collect())
}

/// A `c_string[N]` field: `s` cut to `N - 1` bytes and NUL-terminated, as `mig_strncpy`.
pub fn c_string<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let n = s.len().min(N.saturating_sub(1));
    out[..n].copy_from_slice(&s.as_bytes()[..n]);
    out
}

/// The bytes a `c_string[*:max]` sends: `s` cut to `max - 1` bytes, then a NUL.
pub fn c_string_bytes(s: &str, max: usize) -> Vec<u8> {
    let n = s.len().min(max.saturating_sub(1));
    let mut out = s.as_bytes()[..n].to_vec();
    out.push(0);
    out
}

/// The count a `c_string[*:max]` sends: its length with the NUL.
pub fn c_string_len(s: &str, max: usize) -> usize {
    s.len().min(max.saturating_sub(1)) + 1
}

/// The string in a received C string field (up to its first NUL; invalid UTF-8 replaced).
pub fn from_c_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The first `N` items of `v` as an array (missing ones `Default`).
pub fn array_of<T: Copy + Default, const N: usize>(v: Vec<T>) -> [T; N] {
    std::array::from_fn(|i| v.get(i).copied().unwrap_or_default())
}

/// Writes a message from its start, field after field (each 4-aligned as migcom packs
/// them). Writing past the buffer is refused with `MIG_ARRAY_TOO_LARGE`.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    at: usize,
    regions: Vec<(u64, bool)>,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Writer<'a> {
        Writer {
            buf,
            at: 0,
            regions: Vec::new(),
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.at
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.at == 0
    }

    /// Appends `bytes`.
    ///
    /// # Errors
    /// `MIG_ARRAY_TOO_LARGE` when the buffer is full.
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), KernReturn> {
        let end = self.at + bytes.len();
        let Some(dst) = self.buf.get_mut(self.at..end) else {
            return fail(MIG_ARRAY_TOO_LARGE);
        };
        dst.copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }

    /// Appends zeros up to the next multiple of 4.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn pad(&mut self) -> Result<(), KernReturn> {
        let n = (4 - self.at % 4) % 4;
        self.bytes(&[0; 3][..n])
    }

    /// Appends a `u32`.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn u32(&mut self, v: u32) -> Result<(), KernReturn> {
        self.bytes(&v.to_ne_bytes())
    }

    /// A writer of `buf`'s body: the header (24 bytes) is already there, as
    /// [`reply_header`] wrote it.
    pub fn after_header(buf: &'a mut [u8]) -> Writer<'a> {
        Writer {
            buf,
            at: HEADER,
            regions: Vec::new(),
        }
    }

    /// Appends a fixed-size value.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn put<T: Wire>(&mut self, v: &T) -> Result<(), KernReturn> {
        let end = self.at + T::SIZE;
        let Some(dst) = self.buf.get_mut(self.at..end) else {
            return fail(MIG_ARRAY_TOO_LARGE);
        };
        v.put(dst);
        self.at = end;
        Ok(())
    }

    /// Overwrites the `u32` at `at` (a field written before).
    pub fn set_u32(&mut self, at: usize, v: u32) {
        put32(self.buf, at, v);
    }

    /// Appends a message header (its size is filled in by [`Writer::finish`]).
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn header(
        &mut self,
        bits: u32,
        remote: u32,
        local: u32,
        id: i32,
    ) -> Result<(), KernReturn> {
        for v in [bits, 0, remote, local, 0, id as u32] {
            self.u32(v)?;
        }
        Ok(())
    }

    /// Appends a port descriptor.
    ///
    /// # Errors
    /// As [`Writer::bytes`].
    pub fn port(&mut self, name: mach_port_name_t, disposition: u32) -> Result<(), KernReturn> {
        self.u32(name)?;
        self.u32(0)?;
        self.u32((disposition & 0xff) << 16 | MACH_MSG_PORT_DESCRIPTOR << 24)
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
        self.bytes(&address.to_ne_bytes())?;
        let copy = if physical {
            MACH_MSG_PHYSICAL_COPY
        } else {
            MACH_MSG_VIRTUAL_COPY
        };
        let bits = u32::from(deallocate) | copy << 8 | MACH_MSG_OOL_DESCRIPTOR << 24;
        self.u32(bits)?;
        self.u32(size)
    }

    /// Appends an out-of-line ports descriptor for `names`, each sent with `disposition`
    /// (migcom always asks for a physical copy of port arrays).
    ///
    /// # Errors
    /// As [`Writer::ool`].
    pub fn ool_ports(
        &mut self,
        task: &Task,
        names: &[u32],
        disposition: u32,
        deallocate: bool,
    ) -> Result<(), KernReturn> {
        let count = u32::try_from(names.len()).or_else(|_| fail(MIG_ARRAY_TOO_LARGE))?;
        let data = names.iter().flat_map(|n| n.to_ne_bytes()).collect();
        let address = self.allocate(task, data, deallocate);
        self.bytes(&address.to_ne_bytes())?;
        let bits = u32::from(deallocate)
            | MACH_MSG_PHYSICAL_COPY << 8
            | (disposition & 0xff) << 16
            | MACH_MSG_OOL_PORTS_DESCRIPTOR << 24;
        self.u32(bits)?;
        self.u32(count)
    }

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
        let size = self.at as u32;
        self.set_u32(4, size);
        size
    }
}

/// Reads a received message field after field, checking each read against the message's
/// size: reading past it is `error` (MIG_TYPE_ERROR for a client reading a reply,
/// MIG_BAD_ARGUMENTS for a server reading a request).
#[derive(Debug)]
pub struct Reader<'a> {
    msg: &'a [u8],
    at: usize,
    error: kern_return_t,
}

impl<'a> Reader<'a> {
    /// A reader of `msg` (exactly the message: `msgh_size` bytes) after its header.
    pub fn new(msg: &'a [u8], error: kern_return_t) -> Reader<'a> {
        Reader {
            msg,
            at: HEADER,
            error,
        }
    }

    /// Where the next field starts.
    pub fn offset(&self) -> usize {
        self.at
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// The reader's error code past the end.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], KernReturn> {
        let end = self.at.checked_add(n).ok_or(KernReturn(self.error))?;
        let Some(b) = self.msg.get(self.at..end) else {
            return fail(self.error);
        };
        self.at = end;
        Ok(b)
    }

    /// Skips to the next multiple of 4.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn pad(&mut self) -> Result<(), KernReturn> {
        let n = (4 - self.at % 4) % 4;
        self.bytes(n).map(|_| ())
    }

    /// The next `u32`.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn u32(&mut self) -> Result<u32, KernReturn> {
        Ok(get32(self.bytes(4)?, 0))
    }

    /// The next fixed-size value.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn get<T: Wire>(&mut self) -> Result<T, KernReturn> {
        Ok(T::get(self.bytes(T::SIZE)?))
    }

    /// The next `n` values.
    ///
    /// # Errors
    /// As [`Reader::bytes`].
    pub fn get_vec<T: Wire>(&mut self, n: usize) -> Result<Vec<T>, KernReturn> {
        let b = self.bytes(n.checked_mul(T::SIZE).ok_or(KernReturn(self.error))?)?;
        Ok(b.chunks_exact(T::SIZE.max(1)).map(T::get).collect())
    }

    /// A port descriptor: its name, checking its type and (received) disposition.
    ///
    /// # Errors
    /// As [`Reader::bytes`]; the reader's type error (`type_error`) for a descriptor of
    /// another type or disposition.
    pub fn port(
        &mut self,
        expect: u32,
        type_error: kern_return_t,
    ) -> Result<(u32, u32), KernReturn> {
        let name = self.u32()?;
        self.u32()?;
        let bits = self.u32()?;
        let (disposition, ty) = (bits >> 16 & 0xff, bits >> 24);
        if ty != MACH_MSG_PORT_DESCRIPTOR
            || (expect != MACH_MSG_TYPE_POLYMORPHIC && disposition != expect)
        {
            return fail(type_error);
        }
        Ok((name, disposition))
    }

    /// An out-of-line descriptor: the data, read out of `task`'s memory (the region stays
    /// until the message is released: [`release_memory`] once taken, [`destroy_request`]
    /// on failure).
    ///
    /// # Errors
    /// As [`Reader::port`].
    pub fn ool(&mut self, task: &Task, type_error: kern_return_t) -> Result<Vec<u8>, KernReturn> {
        let address = self.get::<u64>()?;
        let bits = self.u32()?;
        let size = self.u32()?;
        if bits >> 24 != MACH_MSG_OOL_DESCRIPTOR {
            return fail(type_error);
        }
        read_memory(task, address, u64::from(size))
    }

    /// An out-of-line ports descriptor: the names (read out of `task`'s memory, which stays
    /// as for [`Reader::ool`]) and the right type they arrived as.
    ///
    /// # Errors
    /// As [`Reader::port`].
    pub fn ool_ports(
        &mut self,
        task: &Task,
        expect: u32,
        type_error: kern_return_t,
    ) -> Result<(Vec<u32>, u32), KernReturn> {
        let address = self.get::<u64>()?;
        let bits = self.u32()?;
        let count = self.u32()?;
        if bits >> 24 != MACH_MSG_OOL_PORTS_DESCRIPTOR
            || (expect != MACH_MSG_TYPE_POLYMORPHIC && bits >> 16 & 0xff != expect)
        {
            return fail(type_error);
        }
        let bytes = read_memory(task, address, u64::from(count) * 4)?;
        let names = bytes.chunks_exact(4).map(|c| get32(c, 0)).collect();
        Ok((names, bits >> 16 & 0xff))
    }

    /// A `c_string` of at most `max` bytes: it must end within them (migcom's server
    /// checks with `memchr`), else `error`.
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
        self.at == self.msg.len()
    }
}

fn read_memory(task: &Task, address: u64, size: u64) -> Result<Vec<u8>, KernReturn> {
    if size == 0 {
        return Ok(Vec::new());
    }
    task.vm_read(address, size)
}

/// Frees the out-of-line regions of a message in `buf` that was fully taken (its data
/// copied out, its rights kept by their new owner).
pub fn release_memory(task: &Task, buf: &[u8]) {
    for_descriptors(buf, |kind, at| {
        if kind != MACH_MSG_PORT_DESCRIPTOR {
            let address = u64::from(get32(buf, at)) | u64::from(get32(buf, at + 4)) << 32;
            if get32(buf, at + 12) != 0 {
                let _ = task.vm_deallocate(address);
            }
        }
    });
}

/// Calls `f(type, offset)` for each descriptor of the complex message in `buf`.
fn for_descriptors(buf: &[u8], mut f: impl FnMut(u32, usize)) {
    if get32(buf, 0) & MACH_MSGH_BITS_COMPLEX == 0 {
        return;
    }
    let size = (get32(buf, 4) as usize).min(buf.len());
    let mut at = 28;
    for _ in 0..get32(buf, 24) {
        let kind = get32(buf, at + 8) >> 24;
        let len = if kind == MACH_MSG_PORT_DESCRIPTOR {
            12
        } else {
            16
        };
        if at + len > size {
            return;
        }
        f(kind, at);
        at += len;
    }
}

/// The native-endian `u32` at `at` of `b` (0 past its end).
pub fn get32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_ne_bytes([x[0], x[1], x[2], x[3]]))
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    if let Some(x) = b.get_mut(at..at + 4) {
        x.copy_from_slice(&v.to_ne_bytes());
    }
}

/// A client's reply port: a receive right in the client's task, made on first use and
/// made afresh after a call that may have left a message on it (as MIG's per-thread reply
/// port is). One per client; a client is used by one thread at a time.
#[derive(Debug)]
pub struct ReplyPort {
    task: Task,
    name: Cell<mach_port_name_t>,
}

impl ReplyPort {
    /// No port yet; one is allocated in `task` on the first call.
    pub fn new(task: &Task) -> ReplyPort {
        ReplyPort {
            task: task.clone(),
            name: Cell::new(MACH_PORT_NULL),
        }
    }

    /// The client's task.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The port's name, allocating it if needed.
    ///
    /// # Errors
    /// `mach_port_allocate`'s.
    pub fn get(&self) -> Result<mach_port_name_t, KernReturn> {
        let n = self.name.get();
        if n != MACH_PORT_NULL {
            return Ok(n);
        }
        let n = self.task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        self.name.set(n);
        Ok(n)
    }

    /// Destroys the port (a stale reply may sit on it); the next call makes another.
    pub fn reset(&self) {
        let n = self.name.replace(MACH_PORT_NULL);
        if n != MACH_PORT_NULL {
            let _ = self.task.mach_port_mod_refs(n, MACH_PORT_RIGHT_RECEIVE, -1);
        }
    }

    /// Sends the request in `buf[..size]` and receives the reply (at most `rcv_size` bytes,
    /// the reply and its trailer, as migcom sizes the receive) into `buf`, as MIG's
    /// `mach_msg(SEND | RCV)` call does, with `options` (timeouts, trailer elements) and
    /// `timeout` (milliseconds, for the timeout options).
    ///
    /// # Errors
    /// `mach_msg`'s; after a failed receive the reply port is made afresh.
    pub fn call(
        &self,
        buf: &mut [u8],
        size: u32,
        rcv_size: u32,
        options: mach_msg_option_t,
        timeout: u32,
    ) -> Result<(), KernReturn> {
        let reply = get32(buf, 12);
        let r = self.task.mach_msg(
            buf,
            MACH_SEND_MSG | MACH_RCV_MSG | options,
            size,
            rcv_size,
            reply,
            timeout,
            MACH_PORT_NULL,
        );
        if let Err(e) = r
            && !(MACH_SEND_IN_PROGRESS..=MACH_SEND_NO_GRANT_DEST).contains(&e.0)
        {
            self.reset();
        }
        r
    }

    /// Sends a one-way message in `buf[..size]`.
    ///
    /// # Errors
    /// `mach_msg`'s.
    pub fn send(
        &self,
        buf: &mut [u8],
        size: u32,
        options: mach_msg_option_t,
        timeout: u32,
    ) -> Result<(), KernReturn> {
        self.task.mach_msg(
            buf,
            MACH_SEND_MSG | options,
            size,
            0,
            MACH_PORT_NULL,
            timeout,
            MACH_PORT_NULL,
        )
    }
}

impl Drop for ReplyPort {
    fn drop(&mut self) {
        self.reset();
    }
}

/// Checks a reply's header as migcom's client does and returns a reader of its body.
///
/// `id` is the reply id, `complex` whether a successful reply carries descriptors (and
/// how many), `min`/`max` the sizes a successful reply may have. A 36-byte
/// `mig_reply_error_t` with a nonzero return code gives that code; a send-once
/// notification instead of a reply is `MIG_SERVER_DIED`.
///
/// # Errors
/// `MIG_SERVER_DIED`, `MIG_REPLY_MISMATCH`, `MIG_TYPE_ERROR`, or the server's return code.
pub fn check_reply(
    buf: &[u8],
    id: i32,
    descriptors: Option<u32>,
    min: u32,
    max: u32,
) -> Result<Reader<'_>, KernReturn> {
    let msgh_id = get32(buf, 20) as i32;
    if msgh_id == MACH_NOTIFY_SEND_ONCE {
        return fail(MIG_SERVER_DIED);
    }
    if msgh_id != id {
        return fail(MIG_REPLY_MISMATCH);
    }
    let bits = get32(buf, 0);
    let size = get32(buf, 4);
    if get32(buf, 8) != MACH_PORT_NULL {
        return fail(MIG_TYPE_ERROR);
    }
    let complex = bits & MACH_MSGH_BITS_COMPLEX != 0;
    let msg = buf.get(..size as usize).ok_or(KernReturn(MIG_TYPE_ERROR))?;
    // An error reply.
    if !complex && size == 36 {
        let code = get32(buf, 32) as i32;
        if code != KERN_SUCCESS {
            return fail(code);
        }
    }
    let descriptors_ok = match descriptors {
        Some(n) => complex && get32(buf, 24) == n,
        None => !complex,
    };
    if !descriptors_ok {
        return fail(MIG_TYPE_ERROR);
    }
    if size < min || size > max {
        return fail(MIG_TYPE_ERROR);
    }
    let mut r = Reader::new(msg, MIG_TYPE_ERROR);
    if descriptors.is_some() {
        r.u32()?;
    }
    Ok(r)
}

/// The start of a server's reply to `request`, as migcom's demux writes it before
/// dispatching: remote = the request's reply port with its disposition as received,
/// no local port, size of a `mig_reply_error_t`, id + 100, and the NDR record.
pub fn reply_header(request: &[u8], reply: &mut [u8]) {
    let bits = get32(request, 0);
    put32(reply, 0, MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(bits), 0));
    put32(reply, 4, 36);
    put32(reply, 8, get32(request, 8));
    put32(reply, 12, MACH_PORT_NULL);
    put32(reply, 16, MACH_PORT_NULL);
    put32(reply, 20, get32(request, 20).wrapping_add(100));
    if let Some(ndr) = reply.get_mut(24..32) {
        ndr.copy_from_slice(&NDR_record);
    }
}

/// Marks the message in `buf` complex.
pub fn set_complex(buf: &mut [u8]) {
    let bits = get32(buf, 0) | MACH_MSGH_BITS_COMPLEX;
    put32(buf, 0, bits);
}

/// Frees the out-of-line regions a client's request left in its task: those the send did
/// not take (no `deallocate`), and all of them when the message was never sent.
pub fn release_regions(task: &Task, regions: &[(u64, bool)], sent: &Result<(), KernReturn>) {
    let unsent =
        matches!(sent, Err(e) if (MACH_SEND_IN_PROGRESS..=MACH_SEND_NO_GRANT_DEST).contains(&e.0));
    for &(address, taken) in regions {
        if !taken || unsent {
            let _ = task.vm_deallocate(address);
        }
    }
}

/// Makes `reply` (already started by [`reply_header`]) a `mig_reply_error_t` carrying
/// `code`.
pub fn reply_error(reply: &mut [u8], code: kern_return_t) {
    let bits = get32(reply, 0) & !MACH_MSGH_BITS_COMPLEX;
    put32(reply, 0, bits);
    put32(reply, 4, 36);
    if let Some(ndr) = reply.get_mut(24..32) {
        ndr.copy_from_slice(&NDR_record);
    }
    put32(reply, 32, code as u32);
}

/// A request's trailer, located after its `msgh_size` bytes (the fields the server asked
/// for with its receive options).
#[derive(Clone, Copy, Debug, Default)]
pub struct Trailer {
    /// `msgh_seqno`.
    pub seqno: u32,
    /// `msgh_sender`: uid, gid.
    pub sender: [u32; 2],
    /// `msgh_audit`.
    pub audit: [u32; 8],
    /// `msgh_context`.
    pub context: u64,
}

/// Reads the trailer after the message in `buf`, which must be format 0 and hold the
/// `elements` asked for (`MACH_RCV_TRAILER_SEQNO` … `_CTX`), as migcom's stubs check.
///
/// # Errors
/// `MIG_TRAILER_ERROR` for another format or a trailer too short.
pub fn trailer(buf: &[u8], elements: u32) -> Result<Trailer, KernReturn> {
    /// `mach_msg_trailer_t` and the seqno, security, audit and context trailers.
    const SIZES: [u32; 5] = [8, 12, 20, 52, 60];
    let at = get32(buf, 4) as usize;
    let needed = SIZES[(elements as usize).min(SIZES.len() - 1)];
    if get32(buf, at) != MACH_MSG_TRAILER_FORMAT_0
        || get32(buf, at + 4) < needed
        || buf.len() < at + needed as usize
    {
        return fail(MIG_TRAILER_ERROR);
    }
    let mut t = Trailer {
        seqno: get32(buf, at + 8),
        ..Trailer::default()
    };
    for (i, s) in t.sender.iter_mut().enumerate() {
        *s = get32(buf, at + 12 + 4 * i);
    }
    for (i, a) in t.audit.iter_mut().enumerate() {
        *a = get32(buf, at + 20 + 4 * i);
    }
    t.context = u64::from(get32(buf, at + 52)) | u64::from(get32(buf, at + 56)) << 32;
    Ok(t)
}

/// `mach_msg_server`: receives requests on `port` (a port or port set of `task`) and
/// answers each with what `demux` writes into the reply buffer, until a receive fails.
/// A complex reply is sent as is; a simple one carrying `MIG_NO_REPLY` is not sent; one
/// carrying another error is sent after the request's rights and memory are destroyed.
/// `rcv_options` adds trailer elements to the receive.
///
/// # Errors
/// The receive error that ended the loop.
pub fn serve(
    task: &Task,
    port: mach_port_name_t,
    max_request: usize,
    max_reply: usize,
    rcv_options: mach_msg_option_t,
    mut demux: impl FnMut(&[u8], &mut [u8]) -> bool,
) -> Result<(), KernReturn> {
    let mut request = vec![0u8; max_request + MAX_TRAILER];
    let mut reply = vec![0u8; max_reply.max(36) + MAX_TRAILER];
    let size = request.len() as u32;
    loop {
        task.mach_msg(
            &mut request,
            MACH_RCV_MSG | rcv_options,
            0,
            size,
            port,
            0,
            MACH_PORT_NULL,
        )?;
        reply.fill(0);
        demux(&request, &mut reply);
        send_reply(task, &request, &mut reply);
    }
}

/// Sends (or drops) the reply `demux` made, by `mach_msg_server`'s rules.
pub fn send_reply(task: &Task, request: &[u8], reply: &mut [u8]) {
    let bits = get32(reply, 0);
    let code = get32(reply, 32) as i32;
    if bits & MACH_MSGH_BITS_COMPLEX == 0 && code != KERN_SUCCESS {
        if code == MIG_NO_REPLY {
            return;
        }
        destroy_request(task, request);
    }
    if get32(reply, 8) == MACH_PORT_NULL {
        return;
    }
    let size = get32(reply, 4);
    // A reply that cannot go (the client's reply port died, say) is destroyed, as
    // mach_msg_server does: what it would have moved is released here.
    if task
        .mach_msg(
            reply,
            MACH_SEND_MSG,
            size,
            0,
            MACH_PORT_NULL,
            0,
            MACH_PORT_NULL,
        )
        .is_err()
    {
        destroy_unsent(task, reply);
    }
}

/// Releases what an unsent message in `buf` would have moved out of `task`: rights sent
/// with a `MOVE_*` disposition, and out-of-line regions marked `deallocate`.
fn destroy_unsent(task: &Task, buf: &[u8]) {
    for_descriptors(buf, |kind, at| {
        let bits = get32(buf, at + 8);
        let disposition = bits >> 16 & 0xff;
        let moved = |name| {
            if (MACH_MSG_TYPE_MOVE_RECEIVE..=MACH_MSG_TYPE_MOVE_SEND_ONCE).contains(&disposition) {
                release_right(task, name, disposition);
            }
        };
        if kind == MACH_MSG_PORT_DESCRIPTOR {
            moved(get32(buf, at));
            return;
        }
        let address = u64::from(get32(buf, at)) | u64::from(get32(buf, at + 4)) << 32;
        let n = get32(buf, at + 12);
        if kind == MACH_MSG_OOL_PORTS_DESCRIPTOR
            && let Ok(names) = read_memory(task, address, u64::from(n) * 4)
        {
            names.chunks_exact(4).for_each(|c| moved(get32(c, 0)));
        }
        if bits & 0xff != 0 && n != 0 {
            let _ = task.vm_deallocate(address);
        }
    });
}

/// Releases what a request that failed carries (`mach_msg_destroy` of its body): the port
/// rights of its descriptors and its out-of-line memory, in the receiving task.
pub fn destroy_request(task: &Task, request: &[u8]) {
    for_descriptors(request, |kind, at| {
        let bits = get32(request, at + 8);
        let received = bits >> 16 & 0xff;
        match kind {
            MACH_MSG_PORT_DESCRIPTOR => release_right(task, get32(request, at), received),
            _ => {
                let address =
                    u64::from(get32(request, at)) | u64::from(get32(request, at + 4)) << 32;
                let n = get32(request, at + 12);
                if kind == MACH_MSG_OOL_PORTS_DESCRIPTOR
                    && let Ok(names) = read_memory(task, address, u64::from(n) * 4)
                {
                    for c in names.chunks_exact(4) {
                        release_right(task, get32(c, 0), received);
                    }
                }
                if n != 0 {
                    let _ = task.vm_deallocate(address);
                }
            }
        }
    });
}

fn release_right(task: &Task, name: mach_port_name_t, received: u32) {
    if name == MACH_PORT_NULL || name == MACH_PORT_DEAD {
        return;
    }
    let right = match received {
        MACH_MSG_TYPE_PORT_RECEIVE => MACH_PORT_RIGHT_RECEIVE,
        MACH_MSG_TYPE_PORT_SEND_ONCE => MACH_PORT_RIGHT_SEND_ONCE,
        _ => MACH_PORT_RIGHT_SEND,
    };
    let _ = task.mach_port_mod_refs(name, right, -1);
}
