//! Which Rust type stands for each MIG type ([`Shape`]) and what each side of a routine
//! passes and gets back ([`Plan`]): numbers keep their C signedness, C strings become `&str`
//! and `String`, variable and out-of-line arrays slices and vectors, ports `mach_port_t`.

use crate::routine::{Arg, ArgRole, Bits, Routine};
use crate::types::IpcType;

use super::{ident, unsupported};

/// How a value travels and what Rust type stands for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// A number: its Rust type and size.
    Scalar(&'static str, u32),
    /// A fixed array of `n` elements.
    Array(Box<Shape>, u32),
    /// A `c_string[n]`.
    Str(u32),
    /// An inline variable array of at most `n` elements.
    VarArray(Box<Shape>, u32),
    /// A `c_string[*:n]`.
    VarStr(u32),
    /// One port right: the disposition sent, the right type received.
    Port(u32, u32),
    /// Several port descriptors in line (fixed, or variable with a count).
    PortArray {
        send: u32,
        recv: u32,
        n: u32,
        var: bool,
    },
    /// Out-of-line data: its elements, and their number when it is fixed (`^array[n]`).
    Ool(Box<Shape>, Option<u32>),
    /// Out-of-line port names.
    OolPorts(u32, u32),
}

impl Shape {
    pub(super) fn bytes(&self) -> u32 {
        match self {
            Shape::Scalar(_, b) => *b,
            Shape::Array(e, n) => e.bytes() * n,
            Shape::Str(n) => *n,
            _ => 0,
        }
    }

    /// The Rust type of a fixed-size value.
    pub(super) fn rust(&self) -> String {
        match self {
            Shape::Scalar(t, _) => (*t).to_string(),
            Shape::Array(e, n) => format!("[{}; {n}]", e.rust()),
            Shape::Str(n) => format!("[u8; {n}]"),
            _ => "u32".into(),
        }
    }

    /// The type a caller passes in.
    fn param(&self) -> String {
        match self {
            Shape::Scalar(..) | Shape::Array(..) => self.rust(),
            Shape::Str(_) | Shape::VarStr(_) => "&str".into(),
            Shape::VarArray(e, _) | Shape::Ool(e, _) => format!("&[{}]", e.rust()),
            Shape::Port(..) => "mach_port_t".into(),
            Shape::PortArray { n, var: false, .. } => format!("[mach_port_t; {n}]"),
            Shape::PortArray { var: true, .. } | Shape::OolPorts(..) => "&[mach_port_t]".into(),
        }
    }

    /// The type handed back.
    fn owned(&self) -> String {
        match self {
            Shape::Scalar(..) | Shape::Array(..) => self.rust(),
            Shape::Str(_) | Shape::VarStr(_) => "String".into(),
            Shape::VarArray(e, _) | Shape::Ool(e, _) => format!("Vec<{}>", e.rust()),
            Shape::Port(..) => "mach_port_t".into(),
            Shape::PortArray { n, var: false, .. } => format!("[mach_port_t; {n}]"),
            Shape::PortArray { var: true, .. } | Shape::OolPorts(..) => "Vec<mach_port_t>".into(),
        }
    }
}

/// Names whose integers are signed, and unsigned, as their C types are.
const SIGNED: &[&str] = &[
    "int",
    "int8_t",
    "int16_t",
    "int32_t",
    "int64_t",
    "integer_t",
    "short",
    "long",
    "kern_return_t",
    "boolean_t",
    "intptr_t",
    "register_t",
    "int32",
    "int64",
];

const UNSIGNED: &[&str] = &[
    "unsigned",
    "uint8_t",
    "uint16_t",
    "uint32_t",
    "uint64_t",
    "natural_t",
    "uintptr_t",
    "unsigned32",
    "unsigned64",
    "vm_size_t",
    "vm_address_t",
    "vm_offset_t",
    "mach_vm_size_t",
    "mach_vm_address_t",
    "mach_vm_offset_t",
    "mach_port_context_t",
    "u_int",
    "byte",
];

fn signedness(it: &IpcType) -> Option<bool> {
    let mut at = Some(it);
    while let Some(t) = at {
        for name in [t.name.as_deref(), t.user_type.as_deref()]
            .into_iter()
            .flatten()
        {
            if SIGNED.contains(&name) {
                return Some(true);
            }
            if UNSIGNED.contains(&name) {
                return Some(false);
            }
        }
        at = t.element.as_deref();
    }
    None
}

fn scalar(it: &IpcType) -> Option<Shape> {
    let signed = signedness(it);
    let t = match (it.in_name, it.size_bits) {
        (10, 32) => "f32",
        (11, 64) => "f64",
        (_, 8) => {
            if signed == Some(true) {
                "i8"
            } else {
                "u8"
            }
        }
        (_, 16) => {
            if signed == Some(false) {
                "u16"
            } else {
                "i16"
            }
        }
        (_, 32) => {
            if signed == Some(false) || it.in_name == 15 {
                "u32"
            } else {
                "i32"
            }
        }
        (_, 64) => {
            if signed == Some(true) {
                "i64"
            } else {
                "u64"
            }
        }
        _ => return None,
    };
    Some(Shape::Scalar(t, it.size_bits / 8))
}

fn shape(it: &IpcType) -> Result<Shape, String> {
    if it.native.is_some() {
        return Err("a native C type (PointerTo / ValueOf)".into());
    }
    if it.port {
        return Ok(if !it.inline {
            if it.kpd_number > 1 {
                return Err("an array of out-of-line port arrays".into());
            }
            Shape::OolPorts(it.in_name, it.out_name)
        } else if it.kpd_number > 1 {
            Shape::PortArray {
                send: it.in_name,
                recv: it.out_name,
                n: it.kpd_number,
                var: it.var_array,
            }
        } else {
            Shape::Port(it.in_name, it.out_name)
        });
    }
    if !it.inline {
        if it.kpd_number > 1 {
            return Err("an array of out-of-line regions".into());
        }
        let fixed =
            (!it.var_array).then(|| it.number / it.element.as_ref().map_or(1, |e| e.number.max(1)));
        return Ok(Shape::Ool(Box::new(element_shape(it)?), fixed));
    }
    if it.var_array {
        if it.string {
            return Ok(Shape::VarStr(it.number));
        }
        let e = element_shape(it)?;
        let per = it.element.as_ref().map_or(1, |e| e.number.max(1));
        return Ok(Shape::VarArray(Box::new(e), it.number / per));
    }
    if it.string {
        return Ok(Shape::Str(it.number));
    }
    match &it.element {
        Some(e) if e.number == it.number => shape(e),
        Some(e) if it.number > 1 || e.number > 1 => {
            let inner = shape(e)?;
            Ok(Shape::Array(Box::new(inner), it.number / e.number.max(1)))
        }
        _ => scalar(it).ok_or_else(|| format!("a {}-bit value", it.size_bits)),
    }
}

/// The shape of one element of an array type.
fn element_shape(it: &IpcType) -> Result<Shape, String> {
    match &it.element {
        Some(e) if e.var_array || !e.inline => element_shape(e),
        Some(e) => shape(e),
        None => scalar(it).ok_or_else(|| format!("a {}-bit element", it.size_bits)),
    }
}

pub(super) fn arg_shape(a: &Arg) -> Result<Shape, crate::Error> {
    shape(&a.ty).map_err(|w| unsupported(&a.location, format!("argument `{}`: {w}", a.name)))
}

/// The values a routine's client passes (inputs) and gets back (outputs).
pub(super) struct Plan {
    pub(super) inputs: Vec<(String, String)>,
    pub(super) outputs: Vec<(String, String)>,
    pub(super) server_inputs: Vec<(String, String)>,
    pub(super) server_outputs: Vec<(String, String)>,
}

pub(super) fn plan(r: &Routine) -> Result<Plan, crate::Error> {
    let mut p = Plan {
        inputs: Vec::new(),
        outputs: Vec::new(),
        server_inputs: Vec::new(),
        server_outputs: Vec::new(),
    };
    for a in &r.args {
        let name = ident(&a.name);
        match a.role {
            ArgRole::RequestPort if a.declared => {
                if a.bits.intersects(Bits::USER_ARG) {
                    p.inputs.push((name.clone(), "mach_port_t".into()));
                }
                p.server_inputs.push((name, "mach_port_t".into()));
            }
            ArgRole::ReplyPort if a.declared => {
                if a.bits.intersects(Bits::USER_ARG) {
                    p.inputs.push((name.clone(), "mach_port_t".into()));
                }
                if a.bits.intersects(Bits::SERVER_ARG) {
                    p.server_inputs.push((name, "mach_port_t".into()));
                }
            }
            ArgRole::Normal => {
                let s = arg_shape(a)?;
                if a.bits.intersects(Bits::SEND) {
                    p.inputs.push((name.clone(), s.param()));
                    p.server_inputs.push((name.clone(), s.owned()));
                }
                if a.bits.intersects(Bits::RETURN) {
                    p.outputs.push((name.clone(), s.owned()));
                    p.server_outputs.push((name, s.owned()));
                }
            }
            ArgRole::Poly => {
                let t = "mach_msg_type_name_t".to_string();
                if a.bits.contains(Bits::USER_ARG | Bits::SEND_SND) {
                    p.inputs.push((name.clone(), t.clone()));
                }
                if a.bits.contains(Bits::SERVER_ARG | Bits::SEND_RCV) {
                    p.server_inputs.push((name.clone(), t.clone()));
                }
                if a.bits.contains(Bits::USER_ARG | Bits::RETURN_RCV) {
                    p.outputs.push((name.clone(), t.clone()));
                }
                if a.bits.contains(Bits::SERVER_ARG | Bits::RETURN_SND) {
                    p.server_outputs.push((name, t));
                }
            }
            ArgRole::CountInOut => {
                p.inputs.push((name.clone(), "u32".into()));
                p.server_inputs.push((name, "u32".into()));
            }
            ArgRole::WaitTime | ArgRole::SendTime if a.declared => {
                p.inputs.push((name, "mach_msg_timeout_t".into()));
            }
            ArgRole::MsgOption if a.declared => {
                p.inputs.push((name, "mach_msg_option_t".into()));
            }
            ArgRole::MsgSeqno
            | ArgRole::SecToken
            | ArgRole::AuditToken
            | ArgRole::ContextToken
            | ArgRole::Implicit => {
                let t = token_type(a.role).to_string();
                if a.bits.intersects(Bits::SERVER_IMPLICIT) {
                    p.server_inputs.push((name.clone(), t.clone()));
                }
                if a.bits.intersects(Bits::USER_IMPLICIT) {
                    p.outputs.push((name, t));
                }
            }
            _ => {}
        }
    }
    Ok(p)
}

fn token_type(role: ArgRole) -> &'static str {
    match role {
        ArgRole::MsgSeqno => "u32",
        ArgRole::SecToken => "[u32; 2]",
        ArgRole::AuditToken => "[u32; 8]",
        ArgRole::ContextToken => "u64",
        _ => "[u32; 2]",
    }
}

/// The items' types (`types`) or names, as one value: nothing, the one item, or a tuple.
fn tuple(items: &[(String, String)], types: bool) -> String {
    let pick = |(n, t): &(String, String)| if types { t.clone() } else { n.clone() };
    match items {
        [] => "()".into(),
        [one] => pick(one),
        _ => format!(
            "({})",
            items.iter().map(pick).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub(super) fn tuple_type(items: &[(String, String)]) -> String {
    tuple(items, true)
}

pub(super) fn tuple_expr(items: &[(String, String)]) -> String {
    tuple(items, false)
}

pub(super) fn params(items: &[(String, String)]) -> String {
    items.iter().map(|(n, t)| format!(", {n}: {t}")).collect()
}
