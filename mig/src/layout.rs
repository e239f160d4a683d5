//! What an [`Interface`](crate::Interface)'s messages look like: each routine's request and
//! reply ([`RoutineLayout`]), every field at the offset migcom gives it ([`MessageLayout`],
//! [`Field`]), and the layout tables in the tab-separated columns of migcom's measurements
//! ([`routine_rows`], [`field_rows`], [`subsystem_row`], [`all_tables`]), which
//! `darling mig --layout` prints.
//!
//! migcom declares each message as a C struct under `#pragma pack(4)`: the header; for a
//! complex message the descriptor count and one descriptor per port or out-of-line
//! argument; then the inline body in argument order (NDR record, return code, data,
//! counts), each field padded to 4 bytes. The struct's size is the largest message; a
//! variable array may send less, and the smallest size the checkers accept leaves every
//! variable array empty.

pub use crate::ast::RoutineKind;
pub use crate::tables::{
    FIELDS_HEADER, GOLDEN_HEADER, SUBSYSTEMS_HEADER, all_tables, field_rows, routine_rows,
    subsystem_row,
};
pub use crate::types::DescriptorKind;

use crate::routine::{Arg, ArgRole, Bits, Routine};

/// Size of `mach_msg_header_t`.
pub(crate) const HEADER_SIZE: u32 = 24;
/// Size of `mach_msg_body_t`.
pub(crate) const BODY_SIZE: u32 = 4;
/// Size of `NDR_record_t`.
pub(crate) const NDR_SIZE: u32 = 8;

/// A routine and its two messages.
#[derive(Clone, Debug)]
pub struct RoutineLayout {
    /// The routine, with its hidden arguments.
    pub(crate) routine: Routine,
    /// Its request.
    pub request: MessageLayout,
    /// Its reply (a simpleroutine's is the `mig_reply_error_t` shape migcom declares).
    pub reply: MessageLayout,
}

impl RoutineLayout {
    /// The routine's name, as declared.
    pub fn name(&self) -> &str {
        &self.routine.name
    }

    /// `routine` or `simpleroutine`.
    pub fn kind(&self) -> RoutineKind {
        self.routine.kind
    }

    /// Its slot in the subsystem: the request's id less the subsystem's base.
    pub fn number(&self) -> u32 {
        self.routine.number
    }

    /// The request's message id.
    pub fn request_id(&self, base: u32) -> u32 {
        base.wrapping_add(self.routine.number)
    }

    /// The `msgh_bits` the client's request carries: the request port's disposition, the
    /// reply port's (0 for none), and `MACH_MSGH_BITS_COMPLEX`. A polymorphic request or
    /// reply port's disposition is chosen per call; 0 stands for it here.
    pub fn request_bits(&self) -> u32 {
        let routine = &self.routine;
        let disposition = |a: &Arg| {
            let n = a.ty.in_name;
            if crate::types::is_port_name(n) { n } else { 0 }
        };
        let remote = disposition(&routine.args[routine.request_port]);
        let local = disposition(&routine.args[routine.reply_port]);
        let complex = if routine.simple_request {
            0
        } else {
            0x8000_0000
        };
        remote | local << 8 | complex
    }
}

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `mach_msg_header_t Head`.
    Header,
    /// `mach_msg_body_t msgh_body`: the descriptor count.
    Body,
    /// One descriptor, or `count` of them for an array of ports or regions.
    Descriptor {
        /// Which.
        kind: DescriptorKind,
        /// How many.
        count: u32,
    },
    /// `NDR_record_t NDR`.
    Ndr,
    /// `kern_return_t RetCode`.
    RetCode,
    /// Inline data of fixed size.
    Data,
    /// The always-zero offset of a variable string (`xOffset`).
    StringOffset,
    /// The element count of the variable array that follows (`xCnt`).
    ArrayCount,
    /// A variable array's elements, at their maximum.
    VariableArray {
        /// Bytes per element.
        element_size: u32,
        /// Most elements.
        max: u32,
    },
    /// An out-of-line array's count (`xCnt`), a `CountInOut` count.
    Count,
    /// Padding after data whose size is not a multiple of 4 (`xPad`).
    Pad,
}

/// One field of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The C struct member's name.
    pub name: String,
    /// Byte offset in the message.
    pub offset: u32,
    /// Byte size (at its maximum).
    pub size: u32,
    /// What it holds.
    pub kind: FieldKind,
    /// The routine argument it belongs to (an index into the routine's arguments).
    pub(crate) arg: Option<usize>,
}

/// A request or reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageLayout {
    /// Its fields in order.
    pub fields: Vec<Field>,
    /// The struct's size: the largest message.
    pub size: u32,
    /// The smallest size the receiving stub accepts (every variable array empty).
    pub min_size: u32,
    /// `MACH_MSGH_BITS_COMPLEX`: it carries descriptors.
    pub complex: bool,
    /// Descriptors it carries.
    pub descriptors: u32,
}

impl MessageLayout {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether the size varies.
    pub fn is_variable(&self) -> bool {
        self.size != self.min_size
    }
}

/// Which message of a routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The request (client to server).
    Request,
    /// The reply (server to client).
    Reply,
}

struct Builder {
    fields: Vec<Field>,
    offset: u32,
    shrink: u32,
    descriptors: u32,
}

impl Builder {
    fn push(&mut self, name: String, size: u32, kind: FieldKind, arg: Option<usize>) {
        self.fields.push(Field {
            name,
            offset: self.offset,
            size,
            kind,
            arg,
        });
        self.offset += size;
    }

    fn pad(&mut self, arg: &Arg, index: usize) {
        let pad = arg.ty.pad_size() as u32;
        if pad != 0 {
            self.push(format!("{}Pad", arg.name), pad, FieldKind::Pad, Some(index));
        }
    }
}

/// Lays out `routine`'s request or reply.
pub(crate) fn layout(routine: &Routine, direction: Direction) -> MessageLayout {
    let (mask, kpd, body, simple) = match direction {
        Direction::Request => (
            Bits::REQUEST,
            Bits::SEND_KPD,
            Bits::SEND_BODY,
            routine.simple_request,
        ),
        Direction::Reply => (
            Bits::REPLY,
            Bits::RETURN_KPD,
            Bits::RETURN_BODY,
            routine.simple_reply,
        ),
    };
    let mut b = Builder {
        fields: Vec::new(),
        offset: 0,
        shrink: 0,
        descriptors: 0,
    };
    b.push("Head".into(), HEADER_SIZE, FieldKind::Header, None);
    if !simple {
        b.push("msgh_body".into(), BODY_SIZE, FieldKind::Body, None);
        for (i, a) in routine.args.iter().enumerate() {
            if !a.bits.contains(mask | kpd) {
                continue;
            }
            let Some(kind) = a.ty.descriptor() else {
                continue;
            };
            let count = a.ty.kpd_number.max(1);
            b.descriptors += count;
            b.push(
                a.name.clone(),
                kind.size() as u32 * count,
                FieldKind::Descriptor { kind, count },
                Some(i),
            );
        }
    }
    for (i, a) in routine.args.iter().enumerate() {
        if !a.bits.contains(mask | body) {
            continue;
        }
        body_field(&mut b, routine, a, i);
    }
    MessageLayout {
        size: b.offset,
        min_size: b.offset - b.shrink,
        complex: !simple,
        descriptors: b.descriptors,
        fields: b.fields,
    }
}

fn body_field(b: &mut Builder, routine: &Routine, a: &Arg, i: usize) {
    let it = &a.ty;
    match a.role {
        ArgRole::Ndr => return b.push("NDR".into(), NDR_SIZE, FieldKind::Ndr, None),
        ArgRole::RetCode => return b.push("RetCode".into(), 4, FieldKind::RetCode, None),
        ArgRole::Count | ArgRole::CountInOut => {
            return b.push(a.name.clone(), 4, FieldKind::Count, Some(i));
        }
        _ => {}
    }
    if it.is_variable_inline() {
        if it.string {
            b.push(
                format!("{}Offset", a.name),
                4,
                FieldKind::StringOffset,
                Some(i),
            );
        }
        let same_count = a
            .count
            .is_some_and(|c| routine.args[c].role == ArgRole::SameCount);
        if !same_count {
            let name = a.count.map_or_else(
                || format!("{}Cnt", a.name),
                |c| routine.args[c].name.clone(),
            );
            b.push(name, 4, FieldKind::ArrayCount, a.count);
        }
        let bytes = it.type_size() as u32;
        let element = it.element_type();
        let per = element.type_size().max(1) as u32;
        let max = it.number / element.number.max(1);
        b.push(
            a.name.clone(),
            bytes,
            FieldKind::VariableArray {
                element_size: if max == 0 { per } else { bytes / max.max(1) },
                max,
            },
            Some(i),
        );
        b.pad(a, i);
        b.shrink += bytes + it.pad_size() as u32;
        return;
    }
    b.push(
        a.name.clone(),
        it.type_size() as u32,
        FieldKind::Data,
        Some(i),
    );
    b.pad(a, i);
}
