//! Working with the bytes of a message: values at offsets, the descriptor walk, writing or
//! reading a message field after field, and the trailer that follows a received message.
//!
//! Messages are host memory of this process, so every value is native-endian; reads and
//! writes are unaligned copies (XNU packs messages to 4 bytes, so 64-bit fields sit at
//! 4-aligned offsets).

use core::fmt;
use core::mem::offset_of;

use zerocopy::{FromBytes, Immutable, IntoBytes};

use crate::consts::{
    MACH_MSG_GUARDED_PORT_DESCRIPTOR, MACH_MSG_OOL_DESCRIPTOR, MACH_MSG_OOL_PORTS_DESCRIPTOR,
    MACH_MSG_OOL_VOLATILE_DESCRIPTOR, MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_TRAILER_FORMAT_0,
    MACH_MSG_TRAILER_MINIMUM_SIZE, MACH_MSGH_BITS_COMPLEX, MAX_TRAILER_SIZE,
    mach_msg_copy_options_t, mach_msg_filter_id, mach_msg_guard_flags_t, mach_msg_id_t,
    mach_msg_size_t, mach_msg_trailer_size_t, mach_msg_trailer_type_t, mach_msg_type_name_t,
    mach_port_context_t, mach_port_name_t, mach_port_seqno_t,
};
use crate::wire::{
    AuditToken, MachMsgBody, MachMsgGuardedPortDescriptor64, MachMsgHeader, MachMsgMaxTrailer,
    MachMsgOolDescriptor64, MachMsgOolPortsDescriptor64, MachMsgPortDescriptor, MachMsgTrailer,
    MachMsgTypeDescriptor, MsgLabels, SecurityToken,
};

/// Size of `mach_msg_header_t`: where a message's body starts.
pub const HEADER_SIZE: usize = size_of::<MachMsgHeader>();

/// Where the first descriptor of a complex message starts (`mach_msg_base_t`).
pub const DESCRIPTORS_START: usize = HEADER_SIZE + size_of::<MachMsgBody>();

/// The `T` at byte offset `at` of `buf`, or `None` if it does not fit.
#[inline]
pub fn read<T: FromBytes>(buf: &[u8], at: usize) -> Option<T> {
    T::read_from_prefix(buf.get(at..)?).ok().map(|(v, _)| v)
}

/// Writes `value` at byte offset `at` of `buf`; `None` (nothing written) if it does not fit.
#[inline]
pub fn write<T: IntoBytes + Immutable>(buf: &mut [u8], at: usize, value: &T) -> Option<()> {
    value.write_to_prefix(buf.get_mut(at..)?).ok()
}

/// Why a message could not be walked, read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageError {
    /// The message ends inside a field or descriptor (XNU's `MACH_SEND_MSG_TOO_SMALL` when
    /// sending, `MIG_TYPE_ERROR`/`MIG_BAD_ARGUMENTS` when MIG reads it).
    Truncated {
        /// Where the field starts.
        at: usize,
        /// How many bytes it needs.
        needed: usize,
    },
    /// The buffer being written has no room for the next field (`needed` bytes at `at`).
    NoSpace {
        /// Where the field would start.
        at: usize,
        /// How many bytes it needs.
        needed: usize,
    },
    /// The header's `msgh_size` is smaller than the header itself, so nothing after the
    /// message (its trailer) can be found.
    BadSize {
        /// The `msgh_size` read.
        size: mach_msg_size_t,
    },
    /// What follows the message at `at` is no trailer XNU writes: its format is not
    /// `MACH_MSG_TRAILER_FORMAT_0` or its size is outside
    /// `MACH_MSG_TRAILER_MINIMUM_SIZE..=MAX_TRAILER_SIZE` (8..=68 bytes).
    BadTrailer {
        /// Where the trailer starts.
        at: usize,
        /// Its `msgh_trailer_type`.
        format: mach_msg_trailer_type_t,
        /// Its `msgh_trailer_size`.
        size: mach_msg_trailer_size_t,
    },
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MessageError::Truncated { at, needed } => {
                write!(
                    f,
                    "message truncated: expected {needed} more bytes at offset {at}"
                )
            }
            MessageError::NoSpace { at, needed } => {
                write!(
                    f,
                    "message buffer full: expected room for {needed} bytes at offset {at}"
                )
            }
            MessageError::BadSize { size } => {
                write!(f, "msgh_size {size} is smaller than a message header")
            }
            MessageError::BadTrailer { at, format, size } => {
                write!(
                    f,
                    "no format-0 trailer at offset {at}: format {format}, size {size} \
                     (expected format 0, size 8 to 68)"
                )
            }
        }
    }
}

impl core::error::Error for MessageError {}

// ---------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------

/// One descriptor of a complex message, decoded by its type byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Descriptor {
    /// `MACH_MSG_PORT_DESCRIPTOR`: one port right.
    Port(MachMsgPortDescriptor),
    /// `MACH_MSG_OOL_DESCRIPTOR` or `MACH_MSG_OOL_VOLATILE_DESCRIPTOR`: out-of-line memory.
    Ool(MachMsgOolDescriptor64),
    /// `MACH_MSG_OOL_PORTS_DESCRIPTOR`: an out-of-line array of port names.
    OolPorts(MachMsgOolPortsDescriptor64),
    /// `MACH_MSG_GUARDED_PORT_DESCRIPTOR`: a port right with a guard.
    GuardedPort(MachMsgGuardedPortDescriptor64),
    /// A type XNU does not know: 12 bytes in the walk, rejected when it is copied in.
    Unknown(MachMsgTypeDescriptor),
}

impl Descriptor {
    /// The bytes a descriptor of type `type_` takes in XNU's walk of a sent message
    /// (`ipc_kmsg_copyin_body`): 16 for the 64-bit OOL, OOL-ports and guarded port
    /// descriptors, 12 for a port descriptor and for an unknown type.
    #[inline]
    pub const fn walk_size(type_: u32) -> usize {
        match type_ {
            MACH_MSG_OOL_DESCRIPTOR
            | MACH_MSG_OOL_VOLATILE_DESCRIPTOR
            | MACH_MSG_OOL_PORTS_DESCRIPTOR
            | MACH_MSG_GUARDED_PORT_DESCRIPTOR => 16,
            _ => 12,
        }
    }

    /// The descriptor at the start of `bytes`, and its size.
    ///
    /// # Errors
    /// [`MessageError::Truncated`] (at 0) when `bytes` ends inside it.
    #[inline]
    pub fn parse(bytes: &[u8]) -> Result<(Descriptor, usize), MessageError> {
        let short = |needed| MessageError::Truncated { at: 0, needed };
        let head: MachMsgTypeDescriptor = read(bytes, 0).ok_or(short(12))?;
        let size = Descriptor::walk_size(head.type_());
        if bytes.len() < size {
            return Err(short(size));
        }
        let d = match head.type_() {
            MACH_MSG_PORT_DESCRIPTOR => Descriptor::Port(read(bytes, 0).ok_or(short(size))?),
            MACH_MSG_OOL_DESCRIPTOR | MACH_MSG_OOL_VOLATILE_DESCRIPTOR => {
                Descriptor::Ool(read(bytes, 0).ok_or(short(size))?)
            }
            MACH_MSG_OOL_PORTS_DESCRIPTOR => {
                Descriptor::OolPorts(read(bytes, 0).ok_or(short(size))?)
            }
            MACH_MSG_GUARDED_PORT_DESCRIPTOR => {
                Descriptor::GuardedPort(read(bytes, 0).ok_or(short(size))?)
            }
            _ => Descriptor::Unknown(head),
        };
        Ok((d, size))
    }

    /// The descriptor's type byte.
    #[inline]
    pub const fn type_(&self) -> u32 {
        match self {
            Descriptor::Port(d) => d.type_(),
            Descriptor::Ool(d) => d.type_(),
            Descriptor::OolPorts(d) => d.type_(),
            Descriptor::GuardedPort(d) => d.type_(),
            Descriptor::Unknown(d) => d.type_(),
        }
    }
}

/// The descriptors of a complex message, in order, each with its byte offset; the walk
/// XNU's `ipc_kmsg_copyin_body` makes before copying anything in. Stops after the first
/// error.
#[derive(Clone, Debug)]
pub struct Descriptors<'a> {
    bytes: &'a [u8],
    at: usize,
    remaining: u32,
    failed: bool,
}

impl<'a> Descriptors<'a> {
    /// The descriptors of the body `body` (the bytes after the header, starting with the
    /// `mach_msg_body_t` count); offsets are relative to `body`.
    #[inline]
    pub fn in_body(body: &'a [u8]) -> Descriptors<'a> {
        Descriptors::at(body, 0)
    }

    /// The descriptors of the whole message `msg` (within its `msgh_size`; a buffer may hold
    /// a trailer or stale bytes after it), none if it is not complex; offsets are relative to
    /// `msg`.
    #[inline]
    pub fn in_message(msg: &'a [u8]) -> Descriptors<'a> {
        match MachMsgHeader::read(msg) {
            Some(h) if h.is_complex() => {
                let size = (h.msgh_size as usize).min(msg.len());
                Descriptors::at(&msg[..size], HEADER_SIZE)
            }
            _ => Descriptors {
                bytes: msg,
                at: 0,
                remaining: 0,
                failed: false,
            },
        }
    }

    fn at(bytes: &'a [u8], body: usize) -> Descriptors<'a> {
        match read::<MachMsgBody>(bytes, body) {
            Some(b) => Descriptors {
                bytes,
                at: body + size_of::<MachMsgBody>(),
                remaining: b.msgh_descriptor_count,
                failed: false,
            },
            // No room for the count: one error, then the end.
            None => Descriptors {
                bytes,
                at: body,
                remaining: 1,
                failed: false,
            },
        }
    }

    /// How many descriptors the message says follow and have not been walked yet.
    #[inline]
    pub fn remaining(&self) -> u32 {
        if self.failed { 0 } else { self.remaining }
    }
}

impl Iterator for Descriptors<'_> {
    type Item = Result<(usize, Descriptor), MessageError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let at = self.at;
        let parsed = self
            .bytes
            .get(at..)
            .ok_or(MessageError::Truncated { at, needed: 12 })
            .and_then(|rest| {
                Descriptor::parse(rest).map_err(|e| match e {
                    MessageError::Truncated { needed, .. } => {
                        MessageError::Truncated { at, needed }
                    }
                    other => other,
                })
            });
        match parsed {
            Ok((d, size)) => {
                self.at += size;
                Some(Ok((at, d)))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Each descriptor takes at least 12 bytes: more than fit cannot all be walked.
        let fit = self.bytes.len().saturating_sub(self.at) / 12 + 1;
        (0, Some((self.remaining() as usize).min(fit)))
    }
}

// ---------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------

/// Writes a message into a buffer from its start, field after field, as MIG and the kernel
/// lay messages out; nothing is allocated. [`MessageWriter::finish`] writes `msgh_size`.
#[derive(Debug)]
pub struct MessageWriter<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl<'a> MessageWriter<'a> {
    /// A writer at the start of `buf`.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> MessageWriter<'a> {
        MessageWriter { buf, at: 0 }
    }

    /// A writer at byte `at` of `buf` (e.g. after a header written before).
    #[inline]
    pub fn at(buf: &'a mut [u8], at: usize) -> MessageWriter<'a> {
        MessageWriter { buf, at }
    }

    /// Where the next field starts: the bytes written so far.
    #[inline]
    pub fn offset(&self) -> usize {
        self.at
    }

    /// The buffer written so far.
    #[inline]
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.at.min(self.buf.len())]
    }

    /// Appends raw bytes.
    ///
    /// # Errors
    /// [`MessageError::NoSpace`] when they do not fit (nothing is written).
    #[inline]
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), MessageError> {
        let no_space = MessageError::NoSpace {
            at: self.at,
            needed: bytes.len(),
        };
        let end = self.at.checked_add(bytes.len()).ok_or(no_space)?;
        self.buf
            .get_mut(self.at..end)
            .ok_or(no_space)?
            .copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }

    /// Appends a fixed-size value (a number, an array, a [`crate::wire`] struct).
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn put<T: IntoBytes + Immutable + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), MessageError> {
        self.bytes(value.as_bytes())
    }

    /// Appends zeros up to the next multiple of 4.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn pad(&mut self) -> Result<(), MessageError> {
        let n = (4 - self.at % 4) % 4;
        self.bytes(&[0u8; 4][..n])
    }

    /// Overwrites the value at `at` (a field written before).
    ///
    /// # Errors
    /// [`MessageError::NoSpace`] when it does not fit in the buffer.
    #[inline]
    pub fn set<T: IntoBytes + Immutable>(
        &mut self,
        at: usize,
        value: &T,
    ) -> Result<(), MessageError> {
        write(self.buf, at, value).ok_or(MessageError::NoSpace {
            at,
            needed: size_of::<T>(),
        })
    }

    /// Appends a header with `bits`, the two port names and the id; the size is written by
    /// [`MessageWriter::finish`], the voucher is `MACH_PORT_NULL`.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn header(
        &mut self,
        bits: u32,
        remote: mach_port_name_t,
        local: mach_port_name_t,
        id: mach_msg_id_t,
    ) -> Result<(), MessageError> {
        self.put(&MachMsgHeader {
            msgh_bits: bits,
            msgh_size: 0,
            msgh_remote_port: remote,
            msgh_local_port: local,
            msgh_voucher_port: 0,
            msgh_id: id,
        })
    }

    /// Appends the descriptor count (`mach_msg_body_t`) and sets the complex bit of the
    /// header at the start of the buffer.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn body(&mut self, descriptors: u32) -> Result<(), MessageError> {
        let bits: u32 = read(self.buf, 0).unwrap_or(0);
        self.set(0, &(bits | MACH_MSGH_BITS_COMPLEX))?;
        self.put(&MachMsgBody {
            msgh_descriptor_count: descriptors,
        })
    }

    /// Appends a port descriptor.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn port(
        &mut self,
        name: mach_port_name_t,
        disposition: mach_msg_type_name_t,
    ) -> Result<(), MessageError> {
        self.put(&MachMsgPortDescriptor::new(name, disposition))
    }

    /// Appends an out-of-line memory descriptor.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn ool(
        &mut self,
        address: u64,
        size: u32,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
    ) -> Result<(), MessageError> {
        self.put(&MachMsgOolDescriptor64::new(
            address, size, deallocate, copy,
        ))
    }

    /// Appends an out-of-line ports descriptor.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn ool_ports(
        &mut self,
        address: u64,
        count: u32,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
        disposition: mach_msg_type_name_t,
    ) -> Result<(), MessageError> {
        self.put(&MachMsgOolPortsDescriptor64::new(
            address,
            count,
            deallocate,
            copy,
            disposition,
        ))
    }

    /// Appends a guarded port descriptor.
    ///
    /// # Errors
    /// As [`MessageWriter::bytes`].
    #[inline]
    pub fn guarded_port(
        &mut self,
        name: mach_port_name_t,
        disposition: mach_msg_type_name_t,
        flags: mach_msg_guard_flags_t,
        context: mach_port_context_t,
    ) -> Result<(), MessageError> {
        self.put(&MachMsgGuardedPortDescriptor64::new(
            name,
            disposition,
            flags,
            context,
        ))
    }

    /// Writes the bytes written so far as `msgh_size` and returns it.
    #[inline]
    pub fn finish(&mut self) -> u32 {
        let size = self.at as u32;
        // A buffer too small for a header has no size field to write.
        let _ = self.set(4, &size);
        size
    }
}

// ---------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------

/// Reads a received message field after field, each read checked against the end of the
/// message.
#[derive(Clone, Debug)]
pub struct MessageReader<'a> {
    msg: &'a [u8],
    at: usize,
}

impl<'a> MessageReader<'a> {
    /// A reader of `msg` (exactly the message, `msgh_size` bytes) after its header.
    #[inline]
    pub fn new(msg: &'a [u8]) -> MessageReader<'a> {
        MessageReader::at(msg, HEADER_SIZE)
    }

    /// A reader of `msg` at byte `at`.
    #[inline]
    pub fn at(msg: &'a [u8], at: usize) -> MessageReader<'a> {
        MessageReader { msg, at }
    }

    /// Where the next field starts.
    #[inline]
    pub fn offset(&self) -> usize {
        self.at
    }

    /// Whether every byte of the message was read.
    #[inline]
    pub fn at_end(&self) -> bool {
        self.at >= self.msg.len()
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// [`MessageError::Truncated`] past the end of the message.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], MessageError> {
        let short = MessageError::Truncated {
            at: self.at,
            needed: n,
        };
        let end = self.at.checked_add(n).ok_or(short)?;
        let b = self.msg.get(self.at..end).ok_or(short)?;
        self.at = end;
        Ok(b)
    }

    /// The next fixed-size value.
    ///
    /// # Errors
    /// As [`MessageReader::bytes`].
    #[inline]
    pub fn get<T: FromBytes>(&mut self) -> Result<T, MessageError> {
        let b = self.bytes(size_of::<T>())?;
        read(b, 0).ok_or(MessageError::Truncated {
            at: self.at,
            needed: size_of::<T>(),
        })
    }

    /// Skips to the next multiple of 4.
    ///
    /// # Errors
    /// As [`MessageReader::bytes`].
    #[inline]
    pub fn pad(&mut self) -> Result<(), MessageError> {
        let n = (4 - self.at % 4) % 4;
        self.bytes(n).map(|_| ())
    }

    /// The next descriptor.
    ///
    /// # Errors
    /// As [`MessageReader::bytes`].
    #[inline]
    pub fn descriptor(&mut self) -> Result<Descriptor, MessageError> {
        let at = self.at;
        let rest = self.msg.get(at..).unwrap_or_default();
        let (d, size) = Descriptor::parse(rest).map_err(|e| match e {
            MessageError::Truncated { needed, .. } => MessageError::Truncated { at, needed },
            other => other,
        })?;
        self.at += size;
        Ok(d)
    }
}

// ---------------------------------------------------------------------------------
// Trailer
// ---------------------------------------------------------------------------------

/// The trailer XNU appends to a received message, as far as the buffer holds it: the prefix
/// of the format-0 trailer (`mach_msg_max_trailer_t`, [`MachMsgMaxTrailer`]) that starts at
/// `round_msg(msgh_size)`, where `ipc_kmsg` puts it.
///
/// A receive writes as many trailer elements as the receiver asked for
/// (`MACH_RCV_TRAILER_ELEMENTS`, see [`REQUESTED_TRAILER_SIZE`]) and says how many bytes in
/// `msgh_trailer_size`; after `MACH_RCV_TOO_LARGE` the trailer is cut at the end of the
/// buffer but keeps the size asked for. So each element is `Some` only when both the
/// trailer's size and the buffer cover it.
///
/// [`REQUESTED_TRAILER_SIZE`]: crate::consts::REQUESTED_TRAILER_SIZE
///
/// ```
/// use darling_mach_abi::consts::*;
/// use darling_mach_abi::message::{MessageWriter, Trailer};
/// use darling_mach_abi::wire::MachMsgSeqnoTrailer;
///
/// // A received message (a header and 2 bytes of data: msgh_size 26) and the 12-byte
/// // trailer of MACH_RCV_TRAILER_SEQNO after it, at round_msg(26) = 28.
/// let mut buf = [0u8; 64];
/// let mut w = MessageWriter::new(&mut buf);
/// w.header(0, 0, 0x103, 7)?;
/// w.bytes(b"hi")?;
/// assert_eq!(w.finish(), 26);
/// w.pad()?;
/// w.put(&MachMsgSeqnoTrailer {
///     msgh_trailer_type: MACH_MSG_TRAILER_FORMAT_0,
///     msgh_trailer_size: 12,
///     msgh_seqno: 5,
/// })?;
///
/// let trailer = Trailer::in_message(&buf)?;
/// assert_eq!((trailer.offset(), trailer.size()), (28, 12));
/// assert_eq!(trailer.seqno(), Some(5));
/// // Not asked for: past the trailer's size, whatever the buffer holds there.
/// assert_eq!(trailer.sender(), None);
/// # Ok::<(), darling_mach_abi::message::MessageError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailer<'a> {
    at: usize,
    format: mach_msg_trailer_type_t,
    size: mach_msg_trailer_size_t,
    /// The trailer's bytes the buffer holds, at most `size`.
    bytes: &'a [u8],
}

impl<'a> Trailer<'a> {
    /// The trailer after the message at the start of `buf` (a receive buffer: the message,
    /// then its trailer).
    ///
    /// # Errors
    /// - [`MessageError::Truncated`] when `buf` ends before the header (at 0) or before the
    ///   trailer's type and size (at the trailer);
    /// - [`MessageError::BadSize`] when `msgh_size` is below a header;
    /// - [`MessageError::BadTrailer`] when the trailer is not format 0 or its size is not
    ///   one of a trailer (8 to 68 bytes).
    #[inline]
    pub fn in_message(buf: &'a [u8]) -> Result<Trailer<'a>, MessageError> {
        let header = MachMsgHeader::read(buf).ok_or(MessageError::Truncated {
            at: 0,
            needed: HEADER_SIZE,
        })?;
        let size = header.msgh_size;
        if (size as usize) < HEADER_SIZE {
            return Err(MessageError::BadSize { size });
        }
        // round_msg, in usize: a msgh_size near u32::MAX must not wrap to the start.
        let at = (size as usize)
            .checked_next_multiple_of(4)
            .ok_or(MessageError::Truncated {
                at: size as usize,
                needed: size_of::<MachMsgTrailer>(),
            })?;
        let head: MachMsgTrailer = read(buf, at).ok_or(MessageError::Truncated {
            at,
            needed: size_of::<MachMsgTrailer>(),
        })?;
        let (format, trailer_size) = (head.msgh_trailer_type, head.msgh_trailer_size);
        if format != MACH_MSG_TRAILER_FORMAT_0
            || !(MACH_MSG_TRAILER_MINIMUM_SIZE..=MAX_TRAILER_SIZE).contains(&trailer_size)
        {
            return Err(MessageError::BadTrailer {
                at,
                format,
                size: trailer_size,
            });
        }
        let held = buf.len().saturating_sub(at).min(trailer_size as usize);
        Ok(Trailer {
            at,
            format,
            size: trailer_size,
            bytes: &buf[at..at + held],
        })
    }

    /// Where the trailer starts in the buffer: `msgh_size` rounded up to 4.
    #[inline]
    pub fn offset(&self) -> usize {
        self.at
    }

    /// `msgh_trailer_type`: the format, `MACH_MSG_TRAILER_FORMAT_0`.
    #[inline]
    pub fn format(&self) -> mach_msg_trailer_type_t {
        self.format
    }

    /// `msgh_trailer_size`: the bytes of trailer the receiver asked for, which the buffer may
    /// not all hold.
    #[inline]
    pub fn size(&self) -> mach_msg_trailer_size_t {
        self.size
    }

    /// The trailer's bytes the buffer holds (at most [`Trailer::size`]).
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether the buffer holds the whole trailer, [`Trailer::size`] bytes.
    #[inline]
    pub fn is_whole(&self) -> bool {
        self.bytes.len() == self.size as usize
    }

    /// `msgh_seqno`: the port's sequence number for this message (`MACH_RCV_TRAILER_SEQNO`
    /// and up).
    #[inline]
    pub fn seqno(&self) -> Option<mach_port_seqno_t> {
        self.field(offset_of!(MachMsgMaxTrailer, msgh_seqno))
    }

    /// `msgh_sender`: the sender's uid and gid (`MACH_RCV_TRAILER_SENDER` and up).
    #[inline]
    pub fn sender(&self) -> Option<SecurityToken> {
        self.field(offset_of!(MachMsgMaxTrailer, msgh_sender))
    }

    /// `msgh_audit`: the sender's audit token (`MACH_RCV_TRAILER_AUDIT` and up).
    #[inline]
    pub fn audit(&self) -> Option<AuditToken> {
        self.field(offset_of!(MachMsgMaxTrailer, msgh_audit))
    }

    /// `msgh_context`: the context of the port the message was received on
    /// (`MACH_RCV_TRAILER_CTX` and up).
    #[inline]
    pub fn context(&self) -> Option<mach_port_context_t> {
        self.field(offset_of!(MachMsgMaxTrailer, msgh_context))
    }

    /// `msgh_ad`: the message filter's verdict (`MACH_RCV_TRAILER_AV` and up).
    #[inline]
    pub fn filter_id(&self) -> Option<mach_msg_filter_id> {
        self.field(offset_of!(MachMsgMaxTrailer, msgh_ad))
    }

    /// `msgh_labels`: the sender's labels (`MACH_RCV_TRAILER_LABELS`).
    #[inline]
    pub fn labels(&self) -> Option<MsgLabels> {
        self.field(offset_of!(MachMsgMaxTrailer, msgh_labels))
    }

    fn field<T: FromBytes>(&self, at: usize) -> Option<T> {
        read(self.bytes, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::*;
    use crate::wire::{MachMsgAuditTrailer, MachMsgMacTrailer};

    /// A 24-byte message followed by the whole largest trailer (all its elements set) in a
    /// buffer of `len` bytes, the rest 0xAA.
    fn received(msgh_size: u32, trailer_size: u32, len: usize) -> Vec<u8> {
        let mut buf = vec![0xAA; len];
        let header = MachMsgHeader {
            msgh_size,
            ..MachMsgHeader::default()
        };
        header.write(&mut buf);
        let trailer = MachMsgMacTrailer {
            msgh_trailer_type: MACH_MSG_TRAILER_FORMAT_0,
            msgh_trailer_size: trailer_size,
            msgh_seqno: 3,
            msgh_sender: SecurityToken { val: [501, 20] },
            msgh_audit: AuditToken {
                val: [1, 2, 3, 4, 5, 6, 7, 8],
            },
            msgh_context: 0x1122_3344_5566_7788,
            msgh_ad: 9,
            msgh_labels: MsgLabels { sender: 10 },
        };
        let at = (msgh_size as usize).next_multiple_of(4);
        if let Some(rest) = buf.get_mut(at..) {
            let bytes = trailer.as_bytes();
            let n = bytes.len().min(rest.len());
            rest[..n].copy_from_slice(&bytes[..n]);
        }
        buf
    }

    #[test]
    fn each_trailer_size_shows_its_elements_only() {
        // The trailer of each element count, and how many of the elements (seqno, sender,
        // audit, context, filter verdict, labels) it holds.
        for (elements, held) in [
            (MACH_RCV_TRAILER_NULL, 0),
            (MACH_RCV_TRAILER_SEQNO, 1),
            (MACH_RCV_TRAILER_SENDER, 2),
            (MACH_RCV_TRAILER_AUDIT, 3),
            (MACH_RCV_TRAILER_CTX, 4),
            (MACH_RCV_TRAILER_AV, 6),
            (MACH_RCV_TRAILER_LABELS, 6),
        ] {
            let size = REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(elements));
            let buf = received(24, size, 128);
            let t = Trailer::in_message(&buf).unwrap();
            assert_eq!((t.offset(), t.format(), t.size()), (24, 0, size));
            assert!(t.is_whole());
            assert_eq!(t.bytes().len(), size as usize);
            let present = [
                t.seqno().is_some(),
                t.sender().is_some(),
                t.audit().is_some(),
                t.context().is_some(),
                t.filter_id().is_some(),
                t.labels().is_some(),
            ];
            assert_eq!(
                present,
                core::array::from_fn(|i| i < held),
                "elements {elements}"
            );
        }
        let buf = received(24, 68, 128);
        let t = Trailer::in_message(&buf).unwrap();
        assert_eq!(t.seqno(), Some(3));
        assert_eq!(t.sender(), Some(SecurityToken { val: [501, 20] }));
        assert_eq!(t.audit().map(|a| a.val[5]), Some(6));
        assert_eq!(t.context(), Some(0x1122_3344_5566_7788));
        assert_eq!(t.filter_id(), Some(9));
        assert_eq!(t.labels(), Some(MsgLabels { sender: 10 }));
    }

    #[test]
    fn the_trailer_follows_msgh_size_rounded_up() {
        for (msgh_size, at) in [(25, 28), (26, 28), (27, 28), (28, 28), (29, 32)] {
            let buf = received(msgh_size, 12, 64);
            let t = Trailer::in_message(&buf).unwrap();
            assert_eq!((t.offset(), t.seqno()), (at, Some(3)), "{msgh_size}");
        }
    }

    #[test]
    fn a_cut_trailer_holds_what_the_buffer_does() {
        // As after MACH_RCV_TOO_LARGE: an audit trailer asked for, 16 bytes of it kept.
        let buf = received(24, size_of::<MachMsgAuditTrailer>() as u32, 40);
        let t = Trailer::in_message(&buf).unwrap();
        assert_eq!((t.size(), t.bytes().len()), (52, 16));
        assert!(!t.is_whole());
        assert_eq!(t.seqno(), Some(3));
        assert_eq!(t.sender(), None, "half a token is no token");
        assert_eq!(t.audit(), None);
        // Type and size only.
        let buf = received(24, 52, 32);
        assert_eq!(Trailer::in_message(&buf).unwrap().seqno(), None);
    }

    #[test]
    fn what_is_no_trailer_is_refused() {
        assert_eq!(
            Trailer::in_message(&[0; 23]),
            Err(MessageError::Truncated { at: 0, needed: 24 })
        );
        assert_eq!(
            Trailer::in_message(&received(20, 8, 64)),
            Err(MessageError::BadSize { size: 20 })
        );
        assert_eq!(
            Trailer::in_message(&received(24, 8, 31)),
            Err(MessageError::Truncated { at: 24, needed: 8 })
        );
        assert_eq!(
            Trailer::in_message(&received(u32::MAX, 8, 64)),
            Err(MessageError::Truncated {
                at: 1 << 32,
                needed: 8
            })
        );
        for size in [0, 7, 69, 0xAAAA_AAAA] {
            assert_eq!(
                Trailer::in_message(&received(24, size, 128)),
                Err(MessageError::BadTrailer {
                    at: 24,
                    format: 0,
                    size
                })
            );
        }
        let mut buf = received(24, 8, 64);
        write(&mut buf, 24, &1u32).unwrap();
        assert_eq!(
            Trailer::in_message(&buf),
            Err(MessageError::BadTrailer {
                at: 24,
                format: 1,
                size: 8
            })
        );
        // Nothing written after the message: 0xAA bytes are no trailer.
        let mut buf = vec![0xAA; 64];
        MachMsgHeader {
            msgh_size: 24,
            ..MachMsgHeader::default()
        }
        .write(&mut buf);
        assert!(matches!(
            Trailer::in_message(&buf),
            Err(MessageError::BadTrailer { at: 24, .. })
        ));
        assert_eq!(
            MessageError::BadTrailer {
                at: 24,
                format: 1,
                size: 8
            }
            .to_string(),
            "no format-0 trailer at offset 24: format 1, size 8 (expected format 0, size 8 to 68)"
        );
    }

    #[test]
    fn read_and_write_refuse_out_of_range() {
        let mut buf = [0u8; 8];
        assert_eq!(write(&mut buf, 4, &7u32), Some(()));
        assert_eq!(read::<u32>(&buf, 4), Some(7));
        assert_eq!(read::<u32>(&buf, 5), None);
        assert_eq!(read::<u64>(&buf, usize::MAX), None);
        assert_eq!(write(&mut buf, 6, &1u32), None);
        assert_eq!(buf[6..], [0, 0], "a refused write writes nothing");
    }

    #[test]
    fn walk_matches_xnu_sizes_and_stops_at_the_first_error() {
        let mut buf = [0u8; 128];
        let mut w = MessageWriter::new(&mut buf);
        w.header(0, 0, 0, 1).unwrap();
        w.body(4).unwrap();
        w.port(0x103, MACH_MSG_TYPE_COPY_SEND).unwrap();
        w.ool(0x1000, 8, false, MACH_MSG_VIRTUAL_COPY).unwrap();
        w.guarded_port(0x203, MACH_MSG_TYPE_MOVE_RECEIVE, 1, 9)
            .unwrap();
        // An unknown type (9): 12 bytes in the walk.
        w.put(&[0u32, 0, 9 << 24]).unwrap();
        let size = w.finish() as usize;
        let walked: Vec<_> = Descriptors::in_message(&buf[..size])
            .map(|r| r.map(|(at, d)| (at, d.type_())))
            .collect();
        assert_eq!(walked, [Ok((28, 0)), Ok((40, 1)), Ok((56, 4)), Ok((72, 9))]);
        // Cut inside the guarded descriptor: two, then the error, then nothing.
        let walked: Vec<_> = Descriptors::in_message(&buf[..68]).collect();
        assert_eq!(walked.len(), 3);
        assert_eq!(
            walked[2],
            Err(MessageError::Truncated { at: 56, needed: 16 })
        );
    }

    #[test]
    fn the_walk_stops_at_msgh_size() {
        // A message claiming two descriptors but sized for one, in a larger buffer whose
        // bytes after the message would read as a second descriptor.
        let mut buf = [0u8; 64];
        let mut w = MessageWriter::new(&mut buf);
        w.header(0, 0, 0, 1).unwrap();
        w.body(2).unwrap();
        w.port(0x103, MACH_MSG_TYPE_COPY_SEND).unwrap();
        let size = w.finish() as usize;
        write(
            &mut buf,
            size,
            &MachMsgPortDescriptor::new(0x203, MACH_MSG_TYPE_COPY_SEND),
        );
        let walked: Vec<_> = Descriptors::in_message(&buf).collect();
        assert_eq!(walked.len(), 2);
        assert!(walked[0].is_ok());
        assert_eq!(
            walked[1],
            Err(MessageError::Truncated { at: 40, needed: 12 })
        );
    }

    #[test]
    fn a_plain_message_has_no_descriptors() {
        let mut buf = [0u8; 32];
        MessageWriter::new(&mut buf).header(0, 1, 2, 3).unwrap();
        assert_eq!(Descriptors::in_message(&buf).count(), 0);
    }

    #[test]
    fn writer_refuses_what_does_not_fit_and_reader_what_is_not_there() {
        let mut buf = [0u8; 26];
        let mut w = MessageWriter::new(&mut buf);
        w.header(0, 0, 0, 0).unwrap();
        assert_eq!(
            w.put(&1u32),
            Err(MessageError::NoSpace { at: 24, needed: 4 })
        );
        w.bytes(&[1]).unwrap();
        w.pad().unwrap_err();
        assert_eq!(w.finish(), 25);
        let mut r = MessageReader::new(&buf[..25]);
        assert_eq!(r.get::<u8>(), Ok(1));
        assert!(r.at_end());
        assert_eq!(
            r.get::<u32>(),
            Err(MessageError::Truncated { at: 25, needed: 4 })
        );
    }
}
