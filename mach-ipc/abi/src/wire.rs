//! Byte layouts of Mach messages as 64-bit user space lays them out in memory.
//!
//! Every struct mirrors one XNU C type of LP64 user space (x86_64/arm64, little-endian)
//! and derives zerocopy's traits so a message buffer can be viewed or built without
//! `unsafe`. Fields are native integers: messages are host memory of this process.
//!
//! XNU declares its message types under `#pragma pack(4)`, so 64-bit fields may sit at
//! 4-aligned offsets; the structs holding such fields are `#[repr(C, packed(4))]`.
//! C bitfields (descriptor type, disposition, flags) are kept as one `u32` word with
//! accessors; on a little-endian target the first-declared bitfield occupies the low
//! bits, which puts a descriptor's type in byte 11 and its disposition in byte 10.
//!
//! Sizes and offsets are checked at compile time against XNU's.

use core::mem::offset_of;

use static_assertions::const_assert_eq;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::consts::*;

// ---------------------------------------------------------------------------------
// Bitfield word shared by all descriptors: bits 24..31 are the descriptor type,
// bits 16..23 the disposition (where there is one), the low bits vary.
// ---------------------------------------------------------------------------------

const TYPE_SHIFT: u32 = 24;
const DISPOSITION_SHIFT: u32 = 16;

const fn bits_type(word: u32) -> mach_msg_descriptor_type_t {
    word >> TYPE_SHIFT
}

const fn bits_byte(word: u32, shift: u32) -> u32 {
    (word >> shift) & 0xff
}

const fn bits_with_byte(word: u32, shift: u32, value: u32) -> u32 {
    (word & !(0xff << shift)) | ((value & 0xff) << shift)
}

// ---------------------------------------------------------------------------------
// Header and body
// ---------------------------------------------------------------------------------

/// `mach_msg_header_t` (24 bytes): the fixed start of every message.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgHeader {
    /// Dispositions of the three header ports plus flags such as the complex bit.
    pub msgh_bits: mach_msg_bits_t,
    /// Message size in bytes, header included, trailer excluded.
    pub msgh_size: mach_msg_size_t,
    /// Send: destination name. Receive: the reply right's name.
    pub msgh_remote_port: mach_port_name_t,
    /// Send: reply port name. Receive: the destination's name in the receiver's space.
    pub msgh_local_port: mach_port_name_t,
    /// Voucher name (formerly `msgh_reserved`).
    pub msgh_voucher_port: mach_port_name_t,
    /// Free-form message id (MIG routine number).
    pub msgh_id: mach_msg_id_t,
}

impl MachMsgHeader {
    /// The header at the start of `msg`, or `None` if `msg` is shorter than 24 bytes.
    #[inline]
    pub fn read(msg: &[u8]) -> Option<MachMsgHeader> {
        crate::message::read(msg, 0)
    }

    /// Writes the header at the start of `msg`; `None` (nothing written) if it is shorter.
    #[inline]
    pub fn write(&self, msg: &mut [u8]) -> Option<()> {
        crate::message::write(msg, 0, self)
    }

    /// The remote (destination) disposition from `msgh_bits`.
    #[inline]
    pub const fn remote_disposition(&self) -> mach_msg_type_name_t {
        MACH_MSGH_BITS_REMOTE(self.msgh_bits)
    }

    /// The local (reply) disposition from `msgh_bits`.
    #[inline]
    pub const fn local_disposition(&self) -> mach_msg_type_name_t {
        MACH_MSGH_BITS_LOCAL(self.msgh_bits)
    }

    /// The voucher disposition from `msgh_bits`.
    #[inline]
    pub const fn voucher_disposition(&self) -> mach_msg_type_name_t {
        MACH_MSGH_BITS_VOUCHER(self.msgh_bits)
    }

    /// Whether the complex bit is set (a [`MachMsgBody`] and descriptors follow).
    #[inline]
    pub const fn is_complex(&self) -> bool {
        self.msgh_bits & MACH_MSGH_BITS_COMPLEX != 0
    }

    /// Sets (`true`) or clears the complex bit, leaving every other bit of `msgh_bits`.
    ///
    /// ```
    /// use darling_mach_abi::consts::{MACH_MSG_TYPE_COPY_SEND, MACH_MSGH_BITS_COMPLEX};
    /// use darling_mach_abi::wire::MachMsgHeader;
    ///
    /// let mut h = MachMsgHeader { msgh_bits: MACH_MSG_TYPE_COPY_SEND, ..Default::default() };
    /// h.set_complex(true);
    /// assert_eq!(h.msgh_bits, MACH_MSGH_BITS_COMPLEX | MACH_MSG_TYPE_COPY_SEND);
    /// h.set_complex(false);
    /// assert_eq!(h.msgh_bits, MACH_MSG_TYPE_COPY_SEND);
    /// ```
    #[inline]
    pub const fn set_complex(&mut self, complex: bool) {
        if complex {
            self.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
        } else {
            self.msgh_bits &= !MACH_MSGH_BITS_COMPLEX;
        }
    }
}

/// `mach_msg_body_t` (4 bytes): the descriptor count following a complex header.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgBody {
    /// Number of descriptors that follow.
    pub msgh_descriptor_count: mach_msg_size_t,
}

/// `mach_msg_base_t` (28 bytes): header plus body, the start of a complex message.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgBase {
    /// The message header.
    pub header: MachMsgHeader,
    /// The descriptor count.
    pub body: MachMsgBody,
}

// ---------------------------------------------------------------------------------
// Descriptors
// ---------------------------------------------------------------------------------

/// Byte size of a descriptor of type `type_` in 64-bit user space, or `None` for an
/// unknown type. The type is byte 11 of every descriptor (see [`MachMsgTypeDescriptor`]).
pub const fn descriptor_size(type_: mach_msg_descriptor_type_t) -> Option<usize> {
    match type_ {
        MACH_MSG_PORT_DESCRIPTOR => Some(size_of::<MachMsgPortDescriptor>()),
        MACH_MSG_OOL_DESCRIPTOR | MACH_MSG_OOL_VOLATILE_DESCRIPTOR => {
            Some(size_of::<MachMsgOolDescriptor64>())
        }
        MACH_MSG_OOL_PORTS_DESCRIPTOR => Some(size_of::<MachMsgOolPortsDescriptor64>()),
        MACH_MSG_GUARDED_PORT_DESCRIPTOR => Some(size_of::<MachMsgGuardedPortDescriptor64>()),
        _ => None,
    }
}

/// `mach_msg_type_descriptor_t` (12 bytes): the common prefix of all descriptors,
/// used to read the type (byte 11) before knowing the descriptor's size.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgTypeDescriptor {
    /// Descriptor-specific (bytes 0..4).
    pub pad1: natural_t,
    /// Descriptor-specific (bytes 4..8).
    pub pad2: mach_msg_size_t,
    /// Bitfield word: `pad3:24`, `type:8` (bytes 8..12).
    pub bits: u32,
}

impl MachMsgTypeDescriptor {
    /// The descriptor type (`MACH_MSG_*_DESCRIPTOR`).
    #[inline]
    pub const fn type_(&self) -> mach_msg_descriptor_type_t {
        bits_type(self.bits)
    }
}

/// `mach_msg_port_descriptor_t` (12 bytes): one port right.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgPortDescriptor {
    /// Name of the right in the sender's (or, on receive, the receiver's) space.
    pub name: mach_port_name_t,
    /// Padding (user-space only field).
    pub pad1: mach_msg_size_t,
    /// Bitfield word: `pad2:16`, `disposition:8`, `type:8`.
    pub bits: u32,
}

impl MachMsgPortDescriptor {
    /// A port descriptor sending `name` with `disposition`.
    #[inline]
    pub const fn new(name: mach_port_name_t, disposition: mach_msg_type_name_t) -> Self {
        Self {
            name,
            pad1: 0,
            bits: ((disposition & 0xff) << DISPOSITION_SHIFT)
                | (MACH_MSG_PORT_DESCRIPTOR << TYPE_SHIFT),
        }
    }

    /// The disposition (send) or received right type (receive).
    #[inline]
    pub const fn disposition(&self) -> mach_msg_type_name_t {
        bits_byte(self.bits, DISPOSITION_SHIFT)
    }

    /// Replaces the disposition, e.g. with the right type the receiver gets.
    #[inline]
    pub const fn set_disposition(&mut self, disposition: mach_msg_type_name_t) {
        self.bits = bits_with_byte(self.bits, DISPOSITION_SHIFT, disposition);
    }

    /// The descriptor type (0 for a well-formed port descriptor).
    #[inline]
    pub const fn type_(&self) -> mach_msg_descriptor_type_t {
        bits_type(self.bits)
    }
}

/// `mach_msg_ool_descriptor64_t` (16 bytes, pack 4): out-of-line memory.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C, packed(4))]
pub struct MachMsgOolDescriptor64 {
    /// Address of the data in the sender's (or receiver's) address space.
    pub address: u64,
    /// Bitfield word: `deallocate:8`, `copy:8`, `pad1:8`, `type:8`.
    pub bits: u32,
    /// Size of the data in bytes.
    pub size: mach_msg_size_t,
}

impl MachMsgOolDescriptor64 {
    /// An out-of-line memory descriptor (type [`MACH_MSG_OOL_DESCRIPTOR`]).
    #[inline]
    pub const fn new(
        address: u64,
        size: mach_msg_size_t,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
    ) -> Self {
        Self::with_type(address, size, deallocate, copy, MACH_MSG_OOL_DESCRIPTOR)
    }

    /// The volatile variant (type [`MACH_MSG_OOL_VOLATILE_DESCRIPTOR`]), same shape.
    #[inline]
    pub const fn new_volatile(
        address: u64,
        size: mach_msg_size_t,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
    ) -> Self {
        Self::with_type(
            address,
            size,
            deallocate,
            copy,
            MACH_MSG_OOL_VOLATILE_DESCRIPTOR,
        )
    }

    const fn with_type(
        address: u64,
        size: mach_msg_size_t,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
        type_: mach_msg_descriptor_type_t,
    ) -> Self {
        Self {
            address,
            bits: (deallocate as u32) | ((copy & 0xff) << 8) | (type_ << TYPE_SHIFT),
            size,
        }
    }

    /// Whether the sender's copy of the memory is deallocated by the send.
    #[inline]
    pub const fn deallocate(&self) -> bool {
        bits_byte(self.bits, 0) != 0
    }

    /// The copy option (`MACH_MSG_PHYSICAL_COPY` …).
    #[inline]
    pub const fn copy(&self) -> mach_msg_copy_options_t {
        bits_byte(self.bits, 8)
    }

    /// The descriptor type (1 or 3).
    #[inline]
    pub const fn type_(&self) -> mach_msg_descriptor_type_t {
        bits_type(self.bits)
    }
}

/// `mach_msg_ool_ports_descriptor64_t` (16 bytes, pack 4): an out-of-line array of
/// 32-bit port names, all sent with one disposition.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C, packed(4))]
pub struct MachMsgOolPortsDescriptor64 {
    /// Address of the name array.
    pub address: u64,
    /// Bitfield word: `deallocate:8`, `copy:8`, `disposition:8`, `type:8`.
    pub bits: u32,
    /// Number of names in the array.
    pub count: mach_msg_size_t,
}

impl MachMsgOolPortsDescriptor64 {
    /// An out-of-line ports descriptor.
    #[inline]
    pub const fn new(
        address: u64,
        count: mach_msg_size_t,
        deallocate: bool,
        copy: mach_msg_copy_options_t,
        disposition: mach_msg_type_name_t,
    ) -> Self {
        Self {
            address,
            bits: (deallocate as u32)
                | ((copy & 0xff) << 8)
                | ((disposition & 0xff) << DISPOSITION_SHIFT)
                | (MACH_MSG_OOL_PORTS_DESCRIPTOR << TYPE_SHIFT),
            count,
        }
    }

    /// Whether the sender's array is deallocated by the send.
    #[inline]
    pub const fn deallocate(&self) -> bool {
        bits_byte(self.bits, 0) != 0
    }

    /// The copy option.
    #[inline]
    pub const fn copy(&self) -> mach_msg_copy_options_t {
        bits_byte(self.bits, 8)
    }

    /// The disposition applied to every name (received: the right type).
    #[inline]
    pub const fn disposition(&self) -> mach_msg_type_name_t {
        bits_byte(self.bits, DISPOSITION_SHIFT)
    }

    /// Replaces the disposition.
    #[inline]
    pub const fn set_disposition(&mut self, disposition: mach_msg_type_name_t) {
        self.bits = bits_with_byte(self.bits, DISPOSITION_SHIFT, disposition);
    }

    /// The descriptor type (2).
    #[inline]
    pub const fn type_(&self) -> mach_msg_descriptor_type_t {
        bits_type(self.bits)
    }
}

/// `mach_msg_guarded_port_descriptor64_t` (16 bytes, pack 4): a port right with a guard.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C, packed(4))]
pub struct MachMsgGuardedPortDescriptor64 {
    /// Guard context value.
    pub context: mach_port_context_t,
    /// Bitfield word: `flags:16`, `disposition:8`, `type:8`.
    pub bits: u32,
    /// Name of the right.
    pub name: mach_port_name_t,
}

impl MachMsgGuardedPortDescriptor64 {
    /// A guarded port descriptor.
    #[inline]
    pub const fn new(
        name: mach_port_name_t,
        disposition: mach_msg_type_name_t,
        flags: mach_msg_guard_flags_t,
        context: mach_port_context_t,
    ) -> Self {
        Self {
            context,
            bits: (flags & 0xffff)
                | ((disposition & 0xff) << DISPOSITION_SHIFT)
                | (MACH_MSG_GUARDED_PORT_DESCRIPTOR << TYPE_SHIFT),
            name,
        }
    }

    /// The guard flags (`MACH_MSG_GUARD_FLAGS_*`).
    #[inline]
    pub const fn flags(&self) -> mach_msg_guard_flags_t {
        self.bits & 0xffff
    }

    /// The disposition (received: the right type).
    #[inline]
    pub const fn disposition(&self) -> mach_msg_type_name_t {
        bits_byte(self.bits, DISPOSITION_SHIFT)
    }

    /// Replaces the disposition.
    #[inline]
    pub const fn set_disposition(&mut self, disposition: mach_msg_type_name_t) {
        self.bits = bits_with_byte(self.bits, DISPOSITION_SHIFT, disposition);
    }

    /// The descriptor type (4).
    #[inline]
    pub const fn type_(&self) -> mach_msg_descriptor_type_t {
        bits_type(self.bits)
    }
}

// ---------------------------------------------------------------------------------
// Tokens and trailers
// ---------------------------------------------------------------------------------

/// `security_token_t` (8 bytes): the sender's uid and gid.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct SecurityToken {
    /// `[uid, gid]`; the kernel sends `[0, 1]`.
    pub val: [u32; 2],
}

/// `audit_token_t` (32 bytes): auid, euid, egid, ruid, rgid, pid, asid, pid version.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct AuditToken {
    /// The eight words in the order above; all zero for the kernel.
    pub val: [u32; 8],
}

/// `msg_labels_t` (4 bytes): the label part of the MAC trailer.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MsgLabels {
    /// Sender label name.
    pub sender: mach_port_name_t,
}

/// `mach_msg_trailer_t` (8 bytes): the minimal trailer every received message gets.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgTrailer {
    /// Trailer format (always 0).
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    /// Size of the trailer actually produced.
    pub msgh_trailer_size: mach_msg_trailer_size_t,
}

/// `mach_msg_seqno_trailer_t` (12 bytes): adds the sequence number.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgSeqnoTrailer {
    /// Trailer format (always 0).
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    /// Size of the trailer actually produced.
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    /// The port's sequence number for this message.
    pub msgh_seqno: mach_port_seqno_t,
}

/// `mach_msg_security_trailer_t` (20 bytes): adds the sender's security token.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgSecurityTrailer {
    /// Trailer format (always 0).
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    /// Size of the trailer actually produced.
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    /// The port's sequence number for this message.
    pub msgh_seqno: mach_port_seqno_t,
    /// Sender's uid/gid.
    pub msgh_sender: SecurityToken,
}

/// `mach_msg_format_0_trailer_t`: XNU's name for the 20-byte security trailer.
pub type MachMsgFormat0Trailer = MachMsgSecurityTrailer;

/// `mach_msg_audit_trailer_t` (52 bytes): adds the sender's audit token.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachMsgAuditTrailer {
    /// Trailer format (always 0).
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    /// Size of the trailer actually produced.
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    /// The port's sequence number for this message.
    pub msgh_seqno: mach_port_seqno_t,
    /// Sender's uid/gid.
    pub msgh_sender: SecurityToken,
    /// Sender's audit token.
    pub msgh_audit: AuditToken,
}

/// `mach_msg_context_trailer_t` (60 bytes, pack 4): adds the receiving port's context.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C, packed(4))]
pub struct MachMsgContextTrailer {
    /// Trailer format (always 0).
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    /// Size of the trailer actually produced.
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    /// The port's sequence number for this message.
    pub msgh_seqno: mach_port_seqno_t,
    /// Sender's uid/gid.
    pub msgh_sender: SecurityToken,
    /// Sender's audit token.
    pub msgh_audit: AuditToken,
    /// Context of the port the message was received on (at a 4-aligned offset).
    pub msgh_context: mach_port_context_t,
}

/// `mach_msg_mac_trailer_t` (68 bytes, pack 4): the largest trailer.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C, packed(4))]
pub struct MachMsgMacTrailer {
    /// Trailer format (always 0).
    pub msgh_trailer_type: mach_msg_trailer_type_t,
    /// Size of the trailer actually produced.
    pub msgh_trailer_size: mach_msg_trailer_size_t,
    /// The port's sequence number for this message.
    pub msgh_seqno: mach_port_seqno_t,
    /// Sender's uid/gid.
    pub msgh_sender: SecurityToken,
    /// Sender's audit token.
    pub msgh_audit: AuditToken,
    /// Context of the port the message was received on.
    pub msgh_context: mach_port_context_t,
    /// Message-filter verdict.
    pub msgh_ad: mach_msg_filter_id,
    /// Sender labels.
    pub msgh_labels: MsgLabels,
}

/// `mach_msg_max_trailer_t`: XNU's name for the largest (MAC) trailer.
pub type MachMsgMaxTrailer = MachMsgMacTrailer;

// ---------------------------------------------------------------------------------
// NDR and MIG
// ---------------------------------------------------------------------------------

/// `NDR_record_t` (8 bytes): MIG's data-representation label.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct NdrRecord {
    /// Reserved (`mig_vers`), 0.
    pub mig_vers: u8,
    /// Reserved (`if_vers`), 0.
    pub if_vers: u8,
    /// Reserved, 0.
    pub reserved1: u8,
    /// Protocol (`NDR_PROTOCOL_2_0`).
    pub mig_encoding: u8,
    /// Integer byte order (`NDR_INT_LITTLE_ENDIAN` here).
    pub int_rep: u8,
    /// Character set (`NDR_CHAR_ASCII`).
    pub char_rep: u8,
    /// Float format (`NDR_FLOAT_IEEE`).
    pub float_rep: u8,
    /// Reserved, 0.
    pub reserved2: u8,
}

impl NdrRecord {
    /// The record for x86_64/arm64, i.e. [`NDR_record`].
    pub const NATIVE: NdrRecord = NdrRecord {
        mig_vers: NDR_record[0],
        if_vers: NDR_record[1],
        reserved1: NDR_record[2],
        mig_encoding: NDR_record[3],
        int_rep: NDR_record[4],
        char_rep: NDR_record[5],
        float_rep: NDR_record[6],
        reserved2: NDR_record[7],
    };
}

/// `mig_reply_error_t` (36 bytes): MIG's reply carrying only a return code.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MigReplyError {
    /// Header (`Head`).
    pub head: MachMsgHeader,
    /// NDR record (`NDR`).
    pub ndr: NdrRecord,
    /// Return code (`RetCode`).
    pub ret_code: kern_return_t,
}

impl MigReplyError {
    /// The reply a MIG server (or XNU's `ipc_kobject_server`) sends to `request` carrying
    /// only `ret_code`: to the request's reply port with the right type it arrived as, no
    /// local port, `msgh_id` the request's plus 100, 36 bytes.
    #[inline]
    pub const fn reply_to(request: &MachMsgHeader, ret_code: kern_return_t) -> MigReplyError {
        MigReplyError {
            head: MachMsgHeader {
                msgh_bits: MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(request.msgh_bits), 0),
                msgh_size: size_of::<MigReplyError>() as mach_msg_size_t,
                msgh_remote_port: request.msgh_remote_port,
                msgh_local_port: MACH_PORT_NULL,
                msgh_voucher_port: MACH_PORT_NULL,
                msgh_id: request.msgh_id.wrapping_add(100),
            },
            ndr: NdrRecord::NATIVE,
            ret_code,
        }
    }
}

// ---------------------------------------------------------------------------------
// Notification messages as sent (XNU's C structs additionally end in a 20-byte
// format-0 trailer, which is not part of msgh_size; these omit it)
// ---------------------------------------------------------------------------------

/// `mach_port_deleted_notification_t` without trailer (36 bytes), id 65.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortDeletedNotification {
    /// Header.
    pub not_header: MachMsgHeader,
    /// NDR record (`NDR`).
    pub ndr: NdrRecord,
    /// The name the request was armed on.
    pub not_port: mach_port_name_t,
}

/// `mach_send_possible_notification_t` without trailer (36 bytes), id 66.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachSendPossibleNotification {
    /// Header.
    pub not_header: MachMsgHeader,
    /// NDR record (`NDR`).
    pub ndr: NdrRecord,
    /// The name the request was armed on.
    pub not_port: mach_port_name_t,
}

/// `mach_port_destroyed_notification_t` without trailer (40 bytes, complex), id 69.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortDestroyedNotification {
    /// Header (complex bit set).
    pub not_header: MachMsgHeader,
    /// Descriptor count (1).
    pub not_body: MachMsgBody,
    /// The rescued receive right (disposition `MOVE_RECEIVE`).
    pub not_port: MachMsgPortDescriptor,
}

/// `mach_no_senders_notification_t` without trailer (36 bytes), id 70.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachNoSendersNotification {
    /// Header.
    pub not_header: MachMsgHeader,
    /// NDR record (`NDR`).
    pub ndr: NdrRecord,
    /// The port's make-send count when the notification fired.
    pub not_count: mach_msg_type_number_t,
}

/// `mach_send_once_notification_t` without trailer (24 bytes: header only), id 71.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachSendOnceNotification {
    /// Header.
    pub not_header: MachMsgHeader,
}

/// `mach_dead_name_notification_t` without trailer (36 bytes), id 72.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachDeadNameNotification {
    /// Header.
    pub not_header: MachMsgHeader,
    /// NDR record (`NDR`).
    pub ndr: NdrRecord,
    /// The requester's name, now a dead name.
    pub not_port: mach_port_name_t,
}

/// The header of a notification `id` of `size` bytes the kernel sends to the send-once
/// right `notify` (`ipc_notify_*` in xnu-7195's `ipc_notify.c`).
const fn notification_header(
    notify: mach_port_name_t,
    id: mach_msg_id_t,
    size: usize,
    complex: bool,
) -> MachMsgHeader {
    MachMsgHeader {
        msgh_bits: MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0)
            | if complex { MACH_MSGH_BITS_COMPLEX } else { 0 },
        msgh_size: size as mach_msg_size_t,
        msgh_remote_port: notify,
        msgh_local_port: MACH_PORT_NULL,
        msgh_voucher_port: MACH_PORT_NULL,
        msgh_id: id,
    }
}

/// Constructors of the notifications whose body is the NDR record and one word.
macro_rules! ndr_word_notifications {
    ($($ty:ident, $id:ident, $field:ident: $what:literal;)*) => {$(
        impl $ty {
            #[doc = concat!("The notification as the kernel sends it to `notify`, with ", $what, ".")]
            pub const fn new(notify: mach_port_name_t, $field: u32) -> $ty {
                $ty {
                    not_header: notification_header(notify, $id, size_of::<$ty>(), false),
                    ndr: NdrRecord::NATIVE,
                    $field,
                }
            }
        }
    )*};
}

ndr_word_notifications! {
    MachPortDeletedNotification, MACH_NOTIFY_PORT_DELETED, not_port: "the deleted name";
    MachSendPossibleNotification, MACH_NOTIFY_SEND_POSSIBLE, not_port: "the name the request was armed on";
    MachNoSendersNotification, MACH_NOTIFY_NO_SENDERS, not_count: "the make-send count";
    MachDeadNameNotification, MACH_NOTIFY_DEAD_NAME, not_port: "the name that died";
}

impl MachSendOnceNotification {
    /// The notification as the kernel sends it to `notify`.
    #[inline]
    pub const fn new(notify: mach_port_name_t) -> MachSendOnceNotification {
        MachSendOnceNotification {
            not_header: notification_header(
                notify,
                MACH_NOTIFY_SEND_ONCE,
                size_of::<MachSendOnceNotification>(),
                false,
            ),
        }
    }
}

impl MachPortDestroyedNotification {
    /// The notification as the kernel sends it to `notify`, carrying the receive right
    /// `name` (`MACH_MSG_TYPE_MOVE_RECEIVE`; the kernel fills the name in on receive).
    #[inline]
    pub const fn new(
        notify: mach_port_name_t,
        name: mach_port_name_t,
    ) -> MachPortDestroyedNotification {
        MachPortDestroyedNotification {
            not_header: notification_header(
                notify,
                MACH_NOTIFY_PORT_DESTROYED,
                size_of::<MachPortDestroyedNotification>(),
                true,
            ),
            not_body: MachMsgBody {
                msgh_descriptor_count: 1,
            },
            not_port: MachMsgPortDescriptor::new(name, MACH_MSG_TYPE_MOVE_RECEIVE),
        }
    }
}

// ---------------------------------------------------------------------------------
// Port attributes
// ---------------------------------------------------------------------------------

/// `mach_port_limits_t` (4 bytes): `MACH_PORT_LIMITS_INFO` data.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortLimits {
    /// Queue limit.
    pub mpl_qlimit: mach_port_msgcount_t,
}

/// `mach_port_status_t` (40 bytes): `MACH_PORT_RECEIVE_STATUS` data.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortStatus {
    /// Number of port sets containing the port.
    pub mps_pset: mach_port_rights_t,
    /// Current sequence number.
    pub mps_seqno: mach_port_seqno_t,
    /// Make-send count.
    pub mps_mscount: mach_port_mscount_t,
    /// Queue limit.
    pub mps_qlimit: mach_port_msgcount_t,
    /// Messages currently queued.
    pub mps_msgcount: mach_port_msgcount_t,
    /// Outstanding send-once rights.
    pub mps_sorights: mach_port_rights_t,
    /// `boolean_t`: whether send rights exist.
    pub mps_srights: u32,
    /// `boolean_t`: whether a port-destroyed request is armed.
    pub mps_pdrequest: u32,
    /// `boolean_t`: whether a no-senders request is armed.
    pub mps_nsrequest: u32,
    /// `MACH_PORT_STATUS_FLAG_*` bits.
    pub mps_flags: natural_t,
}

/// `mach_port_info_ext_t` (68 bytes): `MACH_PORT_INFO_EXT` data.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortInfoExt {
    /// The receive status.
    pub mpie_status: MachPortStatus,
    /// Importance boost count.
    pub mpie_boost_cnt: mach_port_msgcount_t,
    /// Reserved, zero.
    pub reserved: [u32; 6],
}

/// `mach_port_guard_info_t` (8 bytes): `MACH_PORT_GUARD_INFO` data.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortGuardInfo {
    /// The guard value to check.
    pub mpgi_guard: u64,
}

/// `mach_port_options_t` (24 bytes, 8-aligned): what `mach_port_construct` makes.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable,
)]
#[repr(C)]
pub struct MachPortOptions {
    /// `MPO_*` flags.
    pub flags: u32,
    /// The queue limit, used with `MPO_QLIMIT`.
    pub mpl: MachPortLimits,
    /// A union in XNU: reserved words, or (with `MPO_TG_BLOCK_TRACKING`) the work interval
    /// port in the first four bytes; see [`MachPortOptions::work_interval_port`].
    pub reserved: [u64; 2],
}

impl MachPortOptions {
    /// Options with these `MPO_*` flags and nothing else.
    #[inline]
    pub const fn new(flags: u32) -> Self {
        MachPortOptions {
            flags,
            mpl: MachPortLimits { mpl_qlimit: 0 },
            reserved: [0; 2],
        }
    }

    /// The same, with `MPO_QLIMIT` and the queue limit `qlimit`.
    #[inline]
    pub const fn with_qlimit(mut self, qlimit: mach_port_msgcount_t) -> Self {
        self.flags |= crate::consts::MPO_QLIMIT;
        self.mpl.mpl_qlimit = qlimit;
        self
    }

    /// The union read as `work_interval_port` (its first four bytes, little-endian as on
    /// the platforms this layout is for).
    #[inline]
    pub const fn work_interval_port(&self) -> mach_port_name_t {
        self.reserved[0] as u32
    }
}

// ---------------------------------------------------------------------------------
// Layout checks (numbers from XNU's headers measured on x86_64)
// ---------------------------------------------------------------------------------

const_assert_eq!(size_of::<MachMsgHeader>(), 24);
const_assert_eq!(offset_of!(MachMsgHeader, msgh_bits), 0);
const_assert_eq!(offset_of!(MachMsgHeader, msgh_size), 4);
const_assert_eq!(offset_of!(MachMsgHeader, msgh_remote_port), 8);
const_assert_eq!(offset_of!(MachMsgHeader, msgh_local_port), 12);
const_assert_eq!(offset_of!(MachMsgHeader, msgh_voucher_port), 16);
const_assert_eq!(offset_of!(MachMsgHeader, msgh_id), 20);

const_assert_eq!(size_of::<MachMsgBody>(), 4);
const_assert_eq!(offset_of!(MachMsgBody, msgh_descriptor_count), 0);

const_assert_eq!(size_of::<MachMsgBase>(), 28);
const_assert_eq!(offset_of!(MachMsgBase, header), 0);
const_assert_eq!(offset_of!(MachMsgBase, body), 24);

const_assert_eq!(size_of::<MachMsgTypeDescriptor>(), 12);
const_assert_eq!(offset_of!(MachMsgTypeDescriptor, pad1), 0);
const_assert_eq!(offset_of!(MachMsgTypeDescriptor, pad2), 4);
const_assert_eq!(offset_of!(MachMsgTypeDescriptor, bits), 8);

const_assert_eq!(size_of::<MachMsgPortDescriptor>(), 12);
const_assert_eq!(offset_of!(MachMsgPortDescriptor, name), 0);
const_assert_eq!(offset_of!(MachMsgPortDescriptor, pad1), 4);
const_assert_eq!(offset_of!(MachMsgPortDescriptor, bits), 8);

const_assert_eq!(size_of::<MachMsgOolDescriptor64>(), 16);
const_assert_eq!(align_of::<MachMsgOolDescriptor64>(), 4);
const_assert_eq!(offset_of!(MachMsgOolDescriptor64, address), 0);
const_assert_eq!(offset_of!(MachMsgOolDescriptor64, bits), 8);
const_assert_eq!(offset_of!(MachMsgOolDescriptor64, size), 12);

const_assert_eq!(size_of::<MachMsgOolPortsDescriptor64>(), 16);
const_assert_eq!(align_of::<MachMsgOolPortsDescriptor64>(), 4);
const_assert_eq!(offset_of!(MachMsgOolPortsDescriptor64, address), 0);
const_assert_eq!(offset_of!(MachMsgOolPortsDescriptor64, bits), 8);
const_assert_eq!(offset_of!(MachMsgOolPortsDescriptor64, count), 12);

const_assert_eq!(size_of::<MachMsgGuardedPortDescriptor64>(), 16);
const_assert_eq!(align_of::<MachMsgGuardedPortDescriptor64>(), 4);
const_assert_eq!(offset_of!(MachMsgGuardedPortDescriptor64, context), 0);
const_assert_eq!(offset_of!(MachMsgGuardedPortDescriptor64, bits), 8);
const_assert_eq!(offset_of!(MachMsgGuardedPortDescriptor64, name), 12);

const_assert_eq!(size_of::<SecurityToken>(), 8);
const_assert_eq!(offset_of!(SecurityToken, val), 0);
const_assert_eq!(size_of::<AuditToken>(), 32);
const_assert_eq!(offset_of!(AuditToken, val), 0);
const_assert_eq!(size_of::<MsgLabels>(), 4);
const_assert_eq!(offset_of!(MsgLabels, sender), 0);

const_assert_eq!(size_of::<MachMsgTrailer>(), 8);
const_assert_eq!(
    size_of::<MachMsgTrailer>(),
    MACH_MSG_TRAILER_MINIMUM_SIZE as usize
);
const_assert_eq!(offset_of!(MachMsgTrailer, msgh_trailer_type), 0);
const_assert_eq!(offset_of!(MachMsgTrailer, msgh_trailer_size), 4);

const_assert_eq!(size_of::<MachMsgSeqnoTrailer>(), 12);
const_assert_eq!(offset_of!(MachMsgSeqnoTrailer, msgh_trailer_type), 0);
const_assert_eq!(offset_of!(MachMsgSeqnoTrailer, msgh_trailer_size), 4);
const_assert_eq!(offset_of!(MachMsgSeqnoTrailer, msgh_seqno), 8);

const_assert_eq!(size_of::<MachMsgSecurityTrailer>(), 20);
const_assert_eq!(
    size_of::<MachMsgFormat0Trailer>(),
    MACH_MSG_TRAILER_FORMAT_0_SIZE as usize
);
const_assert_eq!(offset_of!(MachMsgSecurityTrailer, msgh_trailer_type), 0);
const_assert_eq!(offset_of!(MachMsgSecurityTrailer, msgh_trailer_size), 4);
const_assert_eq!(offset_of!(MachMsgSecurityTrailer, msgh_seqno), 8);
const_assert_eq!(offset_of!(MachMsgSecurityTrailer, msgh_sender), 12);

const_assert_eq!(size_of::<MachMsgAuditTrailer>(), 52);
const_assert_eq!(offset_of!(MachMsgAuditTrailer, msgh_trailer_type), 0);
const_assert_eq!(offset_of!(MachMsgAuditTrailer, msgh_trailer_size), 4);
const_assert_eq!(offset_of!(MachMsgAuditTrailer, msgh_seqno), 8);
const_assert_eq!(offset_of!(MachMsgAuditTrailer, msgh_sender), 12);
const_assert_eq!(offset_of!(MachMsgAuditTrailer, msgh_audit), 20);

const_assert_eq!(size_of::<MachMsgContextTrailer>(), 60);
const_assert_eq!(offset_of!(MachMsgContextTrailer, msgh_trailer_type), 0);
const_assert_eq!(offset_of!(MachMsgContextTrailer, msgh_trailer_size), 4);
const_assert_eq!(offset_of!(MachMsgContextTrailer, msgh_seqno), 8);
const_assert_eq!(offset_of!(MachMsgContextTrailer, msgh_sender), 12);
const_assert_eq!(offset_of!(MachMsgContextTrailer, msgh_audit), 20);
const_assert_eq!(offset_of!(MachMsgContextTrailer, msgh_context), 52);

const_assert_eq!(size_of::<MachMsgMacTrailer>(), 68);
const_assert_eq!(size_of::<MachMsgMaxTrailer>(), MAX_TRAILER_SIZE as usize);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_trailer_type), 0);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_trailer_size), 4);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_seqno), 8);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_sender), 12);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_audit), 20);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_context), 52);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_ad), 60);
const_assert_eq!(offset_of!(MachMsgMacTrailer, msgh_labels), 64);

const_assert_eq!(size_of::<NdrRecord>(), 8);
const_assert_eq!(offset_of!(NdrRecord, mig_vers), 0);
const_assert_eq!(offset_of!(NdrRecord, if_vers), 1);
const_assert_eq!(offset_of!(NdrRecord, reserved1), 2);
const_assert_eq!(offset_of!(NdrRecord, mig_encoding), 3);
const_assert_eq!(offset_of!(NdrRecord, int_rep), 4);
const_assert_eq!(offset_of!(NdrRecord, char_rep), 5);
const_assert_eq!(offset_of!(NdrRecord, float_rep), 6);
const_assert_eq!(offset_of!(NdrRecord, reserved2), 7);

const_assert_eq!(size_of::<MigReplyError>(), 36);
const_assert_eq!(offset_of!(MigReplyError, head), 0);
const_assert_eq!(offset_of!(MigReplyError, ndr), 24);
const_assert_eq!(offset_of!(MigReplyError, ret_code), 32);

const_assert_eq!(size_of::<MachPortDeletedNotification>(), 36);
const_assert_eq!(offset_of!(MachPortDeletedNotification, not_header), 0);
const_assert_eq!(offset_of!(MachPortDeletedNotification, ndr), 24);
const_assert_eq!(offset_of!(MachPortDeletedNotification, not_port), 32);

const_assert_eq!(size_of::<MachSendPossibleNotification>(), 36);
const_assert_eq!(offset_of!(MachSendPossibleNotification, not_header), 0);
const_assert_eq!(offset_of!(MachSendPossibleNotification, ndr), 24);
const_assert_eq!(offset_of!(MachSendPossibleNotification, not_port), 32);

const_assert_eq!(size_of::<MachPortDestroyedNotification>(), 40);
const_assert_eq!(offset_of!(MachPortDestroyedNotification, not_header), 0);
const_assert_eq!(offset_of!(MachPortDestroyedNotification, not_body), 24);
const_assert_eq!(offset_of!(MachPortDestroyedNotification, not_port), 28);

const_assert_eq!(size_of::<MachNoSendersNotification>(), 36);
const_assert_eq!(offset_of!(MachNoSendersNotification, not_header), 0);
const_assert_eq!(offset_of!(MachNoSendersNotification, ndr), 24);
const_assert_eq!(offset_of!(MachNoSendersNotification, not_count), 32);

const_assert_eq!(size_of::<MachSendOnceNotification>(), 24);
const_assert_eq!(offset_of!(MachSendOnceNotification, not_header), 0);

const_assert_eq!(size_of::<MachDeadNameNotification>(), 36);
const_assert_eq!(offset_of!(MachDeadNameNotification, not_header), 0);
const_assert_eq!(offset_of!(MachDeadNameNotification, ndr), 24);
const_assert_eq!(offset_of!(MachDeadNameNotification, not_port), 32);

const_assert_eq!(size_of::<MachPortLimits>(), 4);
const_assert_eq!(
    size_of::<MachPortLimits>() / 4,
    MACH_PORT_LIMITS_INFO_COUNT as usize
);
const_assert_eq!(offset_of!(MachPortLimits, mpl_qlimit), 0);

const_assert_eq!(size_of::<MachPortStatus>(), 40);
const_assert_eq!(
    size_of::<MachPortStatus>() / 4,
    MACH_PORT_RECEIVE_STATUS_COUNT as usize
);
const_assert_eq!(offset_of!(MachPortStatus, mps_pset), 0);
const_assert_eq!(offset_of!(MachPortStatus, mps_seqno), 4);
const_assert_eq!(offset_of!(MachPortStatus, mps_mscount), 8);
const_assert_eq!(offset_of!(MachPortStatus, mps_qlimit), 12);
const_assert_eq!(offset_of!(MachPortStatus, mps_msgcount), 16);
const_assert_eq!(offset_of!(MachPortStatus, mps_sorights), 20);
const_assert_eq!(offset_of!(MachPortStatus, mps_srights), 24);
const_assert_eq!(offset_of!(MachPortStatus, mps_pdrequest), 28);
const_assert_eq!(offset_of!(MachPortStatus, mps_nsrequest), 32);
const_assert_eq!(offset_of!(MachPortStatus, mps_flags), 36);
const_assert_eq!(size_of::<MachPortOptions>(), 24);
// 8-aligned where `uint64_t` is (not on i386, whose layout is the same otherwise).
#[cfg(target_pointer_width = "64")]
const_assert_eq!(align_of::<MachPortOptions>(), 8);
const_assert_eq!(offset_of!(MachPortOptions, flags), 0);
const_assert_eq!(offset_of!(MachPortOptions, mpl), 4);
const_assert_eq!(offset_of!(MachPortOptions, reserved), 8);

const_assert_eq!(size_of::<MachPortInfoExt>(), 68);
const_assert_eq!(
    size_of::<MachPortInfoExt>() / 4,
    MACH_PORT_INFO_EXT_COUNT as usize
);
const_assert_eq!(offset_of!(MachPortInfoExt, mpie_status), 0);
const_assert_eq!(offset_of!(MachPortInfoExt, mpie_boost_cnt), 40);
const_assert_eq!(offset_of!(MachPortInfoExt, reserved), 44);

const_assert_eq!(size_of::<MachPortGuardInfo>(), 8);
const_assert_eq!(
    size_of::<MachPortGuardInfo>() / 4,
    MACH_PORT_GUARD_INFO_COUNT as usize
);
const_assert_eq!(offset_of!(MachPortGuardInfo, mpgi_guard), 0);

// The only trailer format is 0; a freshly zeroed trailer is already well-formed in type.
const_assert_eq!(MACH_MSG_TRAILER_FORMAT_0, 0);

#[cfg(test)]
mod tests {
    use zerocopy::FromZeros;

    use super::*;
    use crate::consts::{
        MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE, MACH_MSG_TYPE_COPY_SEND,
        MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND,
        MACH_MSG_TYPE_PORT_SEND, MACH_MSG_VIRTUAL_COPY, MACH_MSGH_BITS,
    };

    #[test]
    fn set_complex_touches_only_the_complex_bit() {
        let mut h = MachMsgHeader {
            msgh_bits: MACH_MSGH_BITS_USED,
            ..MachMsgHeader::default()
        };
        h.set_complex(false);
        assert_eq!(h.msgh_bits, MACH_MSGH_BITS_USED & !MACH_MSGH_BITS_COMPLEX);
        assert!(!h.is_complex());
        h.set_complex(true);
        h.set_complex(true);
        assert_eq!(h.msgh_bits, MACH_MSGH_BITS_USED);
        assert!(h.is_complex());
        h.msgh_bits = 0;
        h.set_complex(true);
        assert_eq!(h.msgh_bits, MACH_MSGH_BITS_COMPLEX);
    }

    #[test]
    fn port_descriptor_round_trip() {
        let d = MachMsgPortDescriptor::new(0x1103, MACH_MSG_TYPE_COPY_SEND);
        assert_eq!(d.disposition(), MACH_MSG_TYPE_COPY_SEND);
        assert_eq!(d.type_(), MACH_MSG_PORT_DESCRIPTOR);
        let bytes = d.as_bytes();
        assert_eq!(bytes, &[0x03, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 19, 0]);
        let back = MachMsgPortDescriptor::read_from_bytes(bytes).unwrap();
        assert_eq!(back, d);

        let mut received = back;
        received.set_disposition(MACH_MSG_TYPE_PORT_SEND);
        assert_eq!(received.as_bytes()[10], 17);
        assert_eq!(received.type_(), MACH_MSG_PORT_DESCRIPTOR);
        assert_eq!(received.name, 0x1103);
    }

    #[test]
    fn type_byte_is_byte_11() {
        let ool = MachMsgOolDescriptor64::new(0x7fff_0000_1000, 4096, true, MACH_MSG_VIRTUAL_COPY);
        let ports = MachMsgOolPortsDescriptor64::new(0x1000, 3, false, 0, MACH_MSG_TYPE_MOVE_SEND);
        let guarded = MachMsgGuardedPortDescriptor64::new(
            0x203,
            MACH_MSG_TYPE_MOVE_RECEIVE,
            MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE,
            0xdead_beef_cafe,
        );
        let volatile = MachMsgOolDescriptor64::new_volatile(0, 0, false, 0);
        let port = MachMsgPortDescriptor::new(0x103, MACH_MSG_TYPE_MAKE_SEND_ONCE);

        let cases: [(&[u8], u32); 5] = [
            (port.as_bytes(), MACH_MSG_PORT_DESCRIPTOR),
            (ool.as_bytes(), MACH_MSG_OOL_DESCRIPTOR),
            (ports.as_bytes(), MACH_MSG_OOL_PORTS_DESCRIPTOR),
            (volatile.as_bytes(), MACH_MSG_OOL_VOLATILE_DESCRIPTOR),
            (guarded.as_bytes(), MACH_MSG_GUARDED_PORT_DESCRIPTOR),
        ];
        for (bytes, ty) in cases {
            assert_eq!(u32::from(bytes[11]), ty);
            let (view, _) = MachMsgTypeDescriptor::read_from_prefix(bytes).unwrap();
            assert_eq!(view.type_(), ty);
            assert_eq!(descriptor_size(ty), Some(bytes.len()));
        }
        assert_eq!(descriptor_size(5), None);

        let ool_bytes = ool.as_bytes();
        assert_eq!(&ool_bytes[0..8], &0x7fff_0000_1000u64.to_le_bytes());
        assert_eq!(ool_bytes[8], 1, "deallocate");
        assert_eq!(ool_bytes[9], 1, "copy");
        assert_eq!(&ool_bytes[12..16], &4096u32.to_le_bytes());
        let ool_back = MachMsgOolDescriptor64::read_from_bytes(ool_bytes).unwrap();
        assert_eq!(ool_back, ool);
        assert!(ool_back.deallocate());
        assert_eq!(ool_back.copy(), MACH_MSG_VIRTUAL_COPY);
        assert_eq!({ ool_back.size }, 4096);

        let ports_bytes = ports.as_bytes();
        assert_eq!(ports_bytes[10], MACH_MSG_TYPE_MOVE_SEND as u8);
        assert_eq!(&ports_bytes[12..16], &3u32.to_le_bytes());
        let ports_back = MachMsgOolPortsDescriptor64::read_from_bytes(ports_bytes).unwrap();
        assert_eq!(ports_back.disposition(), MACH_MSG_TYPE_MOVE_SEND);
        assert!(!ports_back.deallocate());

        let guarded_bytes = guarded.as_bytes();
        assert_eq!(&guarded_bytes[0..8], &0xdead_beef_cafeu64.to_le_bytes());
        assert_eq!(guarded_bytes[8], 1, "flags low byte");
        assert_eq!(guarded_bytes[10], MACH_MSG_TYPE_MOVE_RECEIVE as u8);
        assert_eq!(&guarded_bytes[12..16], &0x203u32.to_le_bytes());
        let guarded_back = MachMsgGuardedPortDescriptor64::read_from_bytes(guarded_bytes).unwrap();
        assert_eq!(guarded_back.flags(), MACH_MSG_GUARD_FLAGS_IMMOVABLE_RECEIVE);
        assert_eq!(guarded_back, guarded);
    }

    #[test]
    fn packed_descriptors_read_at_4_aligned_offsets() {
        // After a 28-byte base, a 16-byte descriptor starts at a 4- but not 8-aligned offset.
        let mut buf = [0u8; 28 + 16];
        let ool = MachMsgOolDescriptor64::new(0x1122_3344_5566_7788, 8, false, 0);
        buf[28..].copy_from_slice(ool.as_bytes());
        let (_, rest) = MachMsgBase::read_from_prefix(&buf).unwrap();
        assert_eq!(MachMsgOolDescriptor64::read_from_bytes(rest).unwrap(), ool);
    }

    #[test]
    fn header_and_message_round_trip() {
        let msg = MachPortDestroyedNotification {
            not_header: MachMsgHeader {
                msgh_bits: MACH_MSGH_BITS(18, 0) | MACH_MSGH_BITS_COMPLEX,
                msgh_size: 40,
                msgh_remote_port: 0x103,
                msgh_local_port: 0,
                msgh_voucher_port: 0,
                msgh_id: 69,
            },
            not_body: MachMsgBody {
                msgh_descriptor_count: 1,
            },
            not_port: MachMsgPortDescriptor::new(0x207, MACH_MSG_TYPE_MOVE_RECEIVE),
        };
        let bytes = msg.as_bytes();
        assert_eq!(bytes.len(), 40);
        assert_eq!(&bytes[0..4], &0x8000_0012u32.to_le_bytes());
        assert_eq!(bytes[38], 16);
        assert_eq!(bytes[39], 0);
        let back = MachPortDestroyedNotification::read_from_bytes(bytes).unwrap();
        assert_eq!(back, msg);
        assert!(back.not_header.is_complex());
        assert_eq!(back.not_header.remote_disposition(), 18);
        assert_eq!(back.not_header.local_disposition(), 0);
    }

    #[test]
    fn ndr_and_trailers() {
        assert_eq!(NdrRecord::NATIVE.as_bytes(), &[0, 0, 0, 0, 1, 0, 0, 0]);
        let err = MigReplyError {
            head: MachMsgHeader {
                msgh_size: 36,
                msgh_id: 35100,
                ..Default::default()
            },
            ndr: NdrRecord::NATIVE,
            ret_code: -303,
        };
        assert_eq!(&err.as_bytes()[32..36], &(-303i32).to_le_bytes());

        let mut trailer = MachMsgMacTrailer::new_zeroed();
        trailer.msgh_trailer_size = 68;
        trailer.msgh_context = 0x0102_0304_0506_0708;
        trailer.msgh_ad = -1;
        let bytes = trailer.as_bytes();
        assert_eq!(&bytes[4..8], &68u32.to_le_bytes());
        assert_eq!(&bytes[52..60], &0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(&bytes[60..64], &(-1i32).to_le_bytes());
        // The smaller trailers are prefixes of the largest.
        let (ctx, _) = MachMsgContextTrailer::read_from_prefix(bytes).unwrap();
        assert_eq!({ ctx.msgh_context }, 0x0102_0304_0506_0708);
        let (audit, _) = MachMsgAuditTrailer::read_from_prefix(bytes).unwrap();
        assert_eq!(audit.msgh_trailer_size, 68);
    }
}
