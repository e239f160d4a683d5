//! Rust code generation: for a resolved [`Interface`], a module holding the message
//! structs (migcom's layouts, checked at compile time), a `Client` with one method per
//! routine, a `Server` trait with one method per routine, the demux function that checks
//! and dispatches requests as migcom's server does, and a `serve` loop.
//!
//! The generated code runs on `darling-mig-runtime` over `darling-mach-ipc`. Messages are written
//! and read field by field at migcom's offsets, so that a variable array shifts the fields
//! after it exactly as migcom's stubs do.

use std::fmt::Write;

use crate::Location;
use crate::interface::{Interface, RoutineLayout};
use crate::layout::{FieldKind, MessageLayout};
use crate::lexer::MACH_MSG_TYPE_POLYMORPHIC;
use crate::routine::{Arg, ArgRole, Bits, Routine, Timeout, TimeoutSource};
use crate::types::{DescriptorKind, IpcType};

/// How a value travels and what Rust type stands for it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
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
    fn bytes(&self) -> u32 {
        match self {
            Shape::Scalar(_, b) => *b,
            Shape::Array(e, n) => e.bytes() * n,
            Shape::Str(n) => *n,
            _ => 0,
        }
    }

    /// The Rust type of a fixed-size value.
    fn rust(&self) -> String {
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

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// A Rust identifier for a MIG name.
fn ident(name: &str) -> String {
    if ["self", "Self", "super", "crate"].contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// A value the generated code cannot represent.
fn unsupported(location: &Location, what: String) -> crate::Error {
    crate::Error::Unsupported {
        location: location.clone(),
        what,
    }
}

/// Generates the Rust module for `iface`; `source` names the `.defs` file in the header.
///
/// # Errors
/// [`crate::Error::Unsupported`] for what the generator cannot express (native C types,
/// arrays of out-of-line arrays).
pub fn generate(iface: &Interface, source: &str) -> Result<String, crate::Error> {
    let mut g = Gen {
        out: String::new(),
        iface,
    };
    g.module(source)?;
    Ok(g.out)
}

struct Gen<'a> {
    out: String,
    iface: &'a Interface,
}

fn arg_shape(a: &Arg) -> Result<Shape, crate::Error> {
    shape(&a.ty).map_err(|w| unsupported(&a.location, format!("argument `{}`: {w}", a.name)))
}

/// The values a routine's client passes (inputs) and gets back (outputs).
struct Plan {
    inputs: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
    server_inputs: Vec<(String, String)>,
    server_outputs: Vec<(String, String)>,
}

fn plan(r: &Routine) -> Result<Plan, crate::Error> {
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
                if a.bits.any(Bits::USER_ARG) {
                    p.inputs.push((name.clone(), "mach_port_t".into()));
                }
                p.server_inputs.push((name, "mach_port_t".into()));
            }
            ArgRole::ReplyPort if a.declared => {
                if a.bits.any(Bits::USER_ARG) {
                    p.inputs.push((name.clone(), "mach_port_t".into()));
                }
                if a.bits.any(Bits::SERVER_ARG) {
                    p.server_inputs.push((name, "mach_port_t".into()));
                }
            }
            ArgRole::Normal => {
                let s = arg_shape(a)?;
                if a.bits.any(Bits::SEND) {
                    p.inputs.push((name.clone(), s.param()));
                    p.server_inputs.push((name.clone(), s.owned()));
                }
                if a.bits.any(Bits::RETURN) {
                    p.outputs.push((name.clone(), s.owned()));
                    p.server_outputs.push((name, s.owned()));
                }
            }
            ArgRole::Poly => {
                let t = "mach_msg_type_name_t".to_string();
                if a.bits.all(Bits::USER_ARG | Bits::SEND_SND) {
                    p.inputs.push((name.clone(), t.clone()));
                }
                if a.bits.all(Bits::SERVER_ARG | Bits::SEND_RCV) {
                    p.server_inputs.push((name.clone(), t.clone()));
                }
                if a.bits.all(Bits::USER_ARG | Bits::RETURN_RCV) {
                    p.outputs.push((name.clone(), t.clone()));
                }
                if a.bits.all(Bits::SERVER_ARG | Bits::RETURN_SND) {
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
                if a.bits.any(Bits::SERVER_IMPLICIT) {
                    p.server_inputs.push((name.clone(), t.clone()));
                }
                if a.bits.any(Bits::USER_IMPLICIT) {
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

fn token_expr(role: ArgRole, trailer: &str) -> String {
    match role {
        ArgRole::MsgSeqno => format!("{trailer}.msgh_seqno"),
        ArgRole::AuditToken => format!("{trailer}.msgh_audit.val"),
        ArgRole::ContextToken => format!("{trailer}.msgh_context"),
        _ => format!("{trailer}.msgh_sender.val"),
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

fn tuple_type(items: &[(String, String)]) -> String {
    tuple(items, true)
}

fn tuple_expr(items: &[(String, String)]) -> String {
    tuple(items, false)
}

fn params(items: &[(String, String)]) -> String {
    items.iter().map(|(n, t)| format!(", {n}: {t}")).collect()
}

/// The statement that writes a fixed value.
fn write_fixed(shape: &Shape, value: &str, side: Side) -> String {
    match shape {
        Shape::Str(n) => format!(
            "mig_w.bytes(&rt::c_string::<{n}>({}))?;",
            side.borrow(value)
        ),
        _ => format!("mig_w.put(&{value})?;"),
    }
}

/// The expression that reads a fixed value from `r`.
fn read_fixed(shape: &Shape, side: Side) -> String {
    match shape {
        // migcom's server refuses a string without its NUL; its client takes what comes.
        Shape::Str(n) if matches!(side, Side::Server) => {
            format!("mig_r.c_string({n}, MIG_BAD_ARGUMENTS)?")
        }
        Shape::Str(n) => format!("rt::from_c_string(mig_r.bytes({n})?)"),
        _ => format!("mig_r.get::<{}>()?", shape.rust()),
    }
}

impl Gen<'_> {
    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn module(&mut self, source: &str) -> Result<(), crate::Error> {
        let i = self.iface;
        let name = ident(&i.name);
        let _ = writeln!(
            self.out,
            "// @generated by darling-mig {} from {source}: do not edit.\n",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(
            self.out,
            "/// The `{}` subsystem (MIG ids {}..{}).",
            i.name,
            i.base,
            i.end()
        );
        // MIG's C names, and APIs that mirror the routines' own arity.
        self.line("#[allow(non_snake_case, non_camel_case_types, clippy::type_complexity)]");
        let _ = writeln!(self.out, "pub mod {name} {{");
        self.line("#[allow(unused_imports)]\nuse super::*;");
        self.line("use ::darling_mig_runtime as rt;");
        self.line("#[allow(unused_imports)]\nuse ::darling_mig_runtime::mach::consts::*;");
        self.line("use ::darling_mig_runtime::mach::{KernReturn, Task};");
        let _ = writeln!(
            self.out,
            "/// The first message id.\npub const SUBSYSTEM_BASE: mach_msg_id_t = {};",
            i.base
        );
        let _ = writeln!(
            self.out,
            "/// One past the last message id.\npub const SUBSYSTEM_END: mach_msg_id_t = {};",
            i.end()
        );
        let _ = writeln!(
            self.out,
            "/// The largest request.\npub const MAX_REQUEST_SIZE: usize = {};",
            i.max_request_size()
        );
        let _ = writeln!(
            self.out,
            "/// The largest reply (migcom's `maxsize`).\npub const MAX_REPLY_SIZE: usize = {};",
            i.max_reply_size()
        );
        self.messages()?;
        self.client()?;
        self.server()?;
        self.line("}");
        Ok(())
    }

    fn messages(&mut self) -> Result<(), crate::Error> {
        self.line("/// Every request and reply as migcom declares it (`__Request__<routine>_t`), its size and offsets checked at compile time.");
        self.line("pub mod messages {");
        self.line("#[allow(unused_imports)]\nuse super::*;");
        self.line("#[allow(unused_imports)]\nuse ::darling_mig_runtime::mach::wire::*;");
        for r in self.iface.routines() {
            self.message_struct(r, "Request", &r.request)?;
            self.message_struct(r, "Reply", &r.reply)?;
        }
        self.line("}");
        Ok(())
    }

    fn message_struct(
        &mut self,
        r: &RoutineLayout,
        suffix: &str,
        l: &MessageLayout,
    ) -> Result<(), crate::Error> {
        let name = format!("{}_{suffix}", r.routine.name);
        let _ = writeln!(
            self.out,
            "/// `{}`'s {} ({} bytes at most).",
            r.routine.name,
            suffix.to_lowercase(),
            l.size
        );
        self.line("#[repr(C, packed(4))]");
        self.line("#[derive(Clone, Copy, Debug, rt::zerocopy::FromBytes, rt::zerocopy::IntoBytes, rt::zerocopy::KnownLayout, rt::zerocopy::Immutable)]");
        self.line("#[zerocopy(crate = \"::darling_mig_runtime::zerocopy\")]");
        let _ = writeln!(self.out, "pub struct {name} {{");
        for f in &l.fields {
            let ty = self.field_type(r, f)?;
            let _ = writeln!(self.out, "pub {}: {ty},", ident(&f.name));
        }
        self.line("}");
        let _ = writeln!(
            self.out,
            "const _: () = assert!(::core::mem::size_of::<{name}>() == {});",
            l.size
        );
        for f in &l.fields {
            let _ = writeln!(
                self.out,
                "const _: () = assert!(::core::mem::offset_of!({name}, {}) == {});",
                ident(&f.name),
                f.offset
            );
        }
        Ok(())
    }

    fn field_type(
        &self,
        r: &RoutineLayout,
        f: &crate::layout::Field,
    ) -> Result<String, crate::Error> {
        let arg = f.arg.map(|i| &r.routine.args[i]);
        Ok(match f.kind {
            FieldKind::Header => "MachMsgHeader".into(),
            FieldKind::Body => "MachMsgBody".into(),
            FieldKind::Ndr => "NdrRecord".into(),
            FieldKind::RetCode => "kern_return_t".into(),
            FieldKind::Descriptor { kind, count } => {
                let t = match kind {
                    DescriptorKind::Port => "MachMsgPortDescriptor",
                    DescriptorKind::Ool => "MachMsgOolDescriptor64",
                    DescriptorKind::OolPorts => "MachMsgOolPortsDescriptor64",
                };
                if count > 1 {
                    format!("[{t}; {count}]")
                } else {
                    t.into()
                }
            }
            FieldKind::StringOffset | FieldKind::ArrayCount | FieldKind::Count => "u32".into(),
            FieldKind::Pad => format!("[u8; {}]", f.size),
            FieldKind::Data => match arg {
                Some(a) => {
                    let s = arg_shape(a)?;
                    if s.bytes() == f.size {
                        s.rust()
                    } else {
                        format!("[u8; {}]", f.size)
                    }
                }
                None => format!("[u8; {}]", f.size),
            },
            FieldKind::VariableArray { element_size, max } => {
                match arg.map(arg_shape).transpose()? {
                    Some(Shape::VarArray(e, _)) if e.bytes() == element_size => {
                        format!("[{}; {max}]", e.rust())
                    }
                    _ => format!("[u8; {}]", f.size),
                }
            }
        })
    }

    fn client(&mut self) -> Result<(), crate::Error> {
        let i = self.iface;
        let _ = writeln!(
            self.out,
            "/// A client of `{}`: one method per routine. Its reply port lives in the client's task; use one client per thread.",
            i.name
        );
        self.line("#[derive(Debug)]\npub struct Client { mig_reply: rt::ReplyPort }");
        self.line("impl Client {");
        self.line("/// A client calling from `task`.\npub fn new(task: &Task) -> Client { Client { mig_reply: rt::ReplyPort::new(task) } }");
        self.line("/// The task the client calls from.\npub fn task(&self) -> &Task { self.mig_reply.task() }");
        for r in i.routines() {
            self.client_method(r)?;
        }
        self.line("}");
        Ok(())
    }

    fn client_method(&mut self, rl: &RoutineLayout) -> Result<(), crate::Error> {
        let r = &rl.routine;
        let p = plan(r)?;
        let id = rl.request_id(self.iface.base);
        let _ = writeln!(
            self.out,
            "/// `{}{}` (message id {id}){}.",
            if r.is_one_way() {
                "simpleroutine "
            } else {
                "routine "
            },
            r.name,
            if r.is_one_way() { ", one way" } else { "" }
        );
        self.line("///\n/// # Errors\n/// `mach_msg`'s codes, MIG's (`MIG_TYPE_ERROR`, `MIG_REPLY_MISMATCH`, `MIG_SERVER_DIED`, `MIG_ARRAY_TOO_LARGE`), or the server's return code.");
        self.signature("pub fn", &method_name(&r.name), &p.inputs, &p.outputs, " {");
        let buf = (rl.request.size.max(rl.reply.size) as usize) + 68;
        self.line("let mig_task = self.mig_reply.task();");
        // Small messages are built on the stack: a heap buffer per call costs more than the
        // stub's own work.
        if buf <= 16 * 1024 {
            let _ = writeln!(self.out, "let mut mig_buf = [0u8; {buf}];");
        } else {
            let _ = writeln!(self.out, "let mut mig_buf = vec![0u8; {buf}];");
        }
        // A request port argument the message does not carry (migcom drops all but the
        // last one declared).
        for (i, a) in r.args.iter().enumerate() {
            if a.role == ArgRole::RequestPort && a.declared && i != r.request_port {
                let _ = writeln!(self.out, "let _ = {};", ident(&a.name));
            }
        }
        // Header.
        let request_port = &r.args[r.request_port];
        let reply_port = &r.args[r.reply_port];
        let remote_d = disposition_expr(r, r.request_port, request_port.ty.in_name);
        let local_d = if r.reply_port_declared {
            disposition_expr(r, r.reply_port, reply_port.ty.in_name)
        } else if r.is_one_way() {
            "0".into()
        } else {
            "MACH_MSG_TYPE_MAKE_SEND_ONCE".into()
        };
        let complex = if rl.request.complex {
            " | MACH_MSGH_BITS_COMPLEX"
        } else {
            ""
        };
        let local = if r.reply_port_declared && reply_port.bits.any(Bits::USER_ARG) {
            ident(&reply_port.name)
        } else if r.is_one_way() {
            "MACH_PORT_NULL".into()
        } else {
            "self.mig_reply.get()?".into()
        };
        self.length_checks(r, &rl.request)?;
        self.line("let mut mig_w = rt::Writer::new(&mut mig_buf);");
        let _ = writeln!(
            self.out,
            "mig_w.header(MACH_MSGH_BITS({remote_d}, {local_d}){complex}, {}, {local}, {id})?;",
            ident(&request_port.name)
        );
        self.write_fields(r, &rl.request, Side::Client)?;
        self.line("let mig_size = mig_w.finish();\nlet mig_regions = mig_w.regions();");
        // Options and timeout.
        let mut options: Vec<String> = Vec::new();
        let timeout = match &r.timeout {
            Some(Timeout::Wait(s)) => {
                options.push("MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT".into());
                timeout_expr(s)
            }
            Some(Timeout::Send(s)) => {
                options.push("MACH_SEND_TIMEOUT".into());
                timeout_expr(s)
            }
            None => "0".to_string(),
        };
        if let Some(m) = &r.msg_option {
            options.push(format!("({m}) as mach_msg_option_t"));
        }
        if let Some(m) = &r.msg_option_arg {
            options.push(ident(m));
        }
        if r.user_trailer_elements != 0 && !r.is_one_way() {
            options.push(format!(
                "MACH_RCV_TRAILER_ELEMENTS({})",
                r.user_trailer_elements
            ));
        }
        let options = if options.is_empty() {
            "0".to_string()
        } else {
            options.join(" | ")
        };
        if r.is_one_way() {
            let _ = writeln!(
                self.out,
                "let mig_sent = self.mig_reply.send(&mut mig_buf, mig_size, {options}, {timeout});\nrt::release_regions(mig_task, &mig_regions, &mig_sent);\nmig_sent\n}}"
            );
            return Ok(());
        }
        // migcom receives the reply and the trailer it asked for, no more.
        let trailer = if r.user_trailer_elements == 0 { 8 } else { 68 };
        let _ = writeln!(
            self.out,
            "let mig_sent = self.mig_reply.call(&mut mig_buf, mig_size, {}, {options}, {timeout});\nrt::release_regions(mig_task, &mig_regions, &mig_sent);\nmig_sent?;",
            rl.reply.size + trailer
        );
        // Whatever fails from here destroys what the reply brought (mach_msg_destroy).
        let _ = writeln!(
            self.out,
            "let mig_result = (|| -> Result<{}, KernReturn> {{",
            tuple_type(&p.outputs)
        );
        let descriptors = if rl.reply.complex {
            format!("Some({})", rl.reply.descriptors)
        } else {
            "None".into()
        };
        let _ = writeln!(
            self.out,
            "let {}mig_r = rt::check_reply(&mig_buf, {}, {descriptors}, {}, {})?;",
            if has_body(&rl.reply) { "mut " } else { "" },
            id + 100,
            rl.reply.min_size,
            rl.reply.size
        );
        self.read_fields(r, &rl.reply, Side::Client)?;
        self.line("if !mig_r.at_end() { return rt::fail(MIG_TYPE_ERROR); }");
        // An out array longer than the caller's CountInOut limit: MIG_ARRAY_TOO_LARGE.
        for a in &r.args {
            if let (Some(c), true) = (a.count_in_out, a.bits.any(Bits::RETURN)) {
                let _ = writeln!(
                    self.out,
                    "if {}.len() > {} as usize {{ return rt::fail(MIG_ARRAY_TOO_LARGE); }}",
                    ident(&a.name),
                    ident(&r.args[c].name)
                );
            }
        }
        // Trailer outputs.
        self.trailer_values(r, Bits::USER_IMPLICIT, "&mig_buf", r.user_trailer_elements);
        let _ = writeln!(self.out, "Ok({})\n}})();", tuple_expr(&p.outputs));
        self.line("match &mig_result { Ok(_) => rt::release_memory(mig_task, &mig_buf), Err(_) => rt::destroy_request(mig_task, &mig_buf) }\nmig_result\n}");
        Ok(())
    }

    /// A client method's or server method's signature: `&self`, the inputs, the outputs as
    /// a `Result`; `end` is `" {"` or `";"`.
    fn signature(
        &mut self,
        head: &str,
        name: &str,
        inputs: &[(String, String)],
        outputs: &[(String, String)],
        end: &str,
    ) {
        if inputs.len() + 1 > 7 {
            // The routine's own arity.
            self.line("#[allow(clippy::too_many_arguments)]");
        }
        let _ = writeln!(
            self.out,
            "{head} {name}(&self{}) -> Result<{}, KernReturn>{end}",
            params(inputs),
            tuple_type(outputs)
        );
    }

    /// Binds the trailer values the arguments marked `bit` take from the message in `buf`
    /// (checked to hold `elements`).
    fn trailer_values(&mut self, r: &Routine, bit: u32, buf: &str, elements: u32) {
        if !r.args.iter().any(|a| a.bits.any(bit)) {
            return;
        }
        let _ = writeln!(
            self.out,
            "let mig_trailer = rt::trailer({buf}, {elements})?;"
        );
        for a in r.args.iter().filter(|a| a.bits.any(bit)) {
            let _ = writeln!(
                self.out,
                "let {} = {};",
                ident(&a.name),
                token_expr(a.role, "mig_trailer")
            );
        }
    }

    /// Refuses, before anything is written or allocated, values that do not fit `l`:
    /// variable arrays over their bound, fixed out-of-line arrays of the wrong length,
    /// `SameCount` arrays of different lengths.
    fn length_checks(&mut self, r: &Routine, l: &MessageLayout) -> Result<(), crate::Error> {
        let mut previous: Option<String> = None;
        for f in &l.fields {
            let Some(i) = f.arg else { continue };
            let a = &r.args[i];
            if !a.declared
                || !matches!(
                    f.kind,
                    FieldKind::VariableArray { .. } | FieldKind::Descriptor { .. }
                )
            {
                continue;
            }
            let v = ident(&a.name);
            match arg_shape(a)? {
                Shape::VarArray(_, n) | Shape::PortArray { n, var: true, .. } => {
                    let _ = writeln!(
                        self.out,
                        "if {v}.len() > {n} {{ return rt::fail(MIG_ARRAY_TOO_LARGE); }}"
                    );
                }
                Shape::Ool(_, Some(n)) => {
                    let _ = writeln!(
                        self.out,
                        "if {v}.len() != {n} {{ return rt::fail(MIG_ARRAY_TOO_LARGE); }}"
                    );
                }
                _ => {}
            }
            if a.has(crate::ast::Flag::SameCount)
                && let Some(p) = &previous
            {
                let _ = writeln!(
                    self.out,
                    "if {v}.len() != {p}.len() {{ return rt::fail(MIG_ARRAY_TOO_LARGE); }}"
                );
            }
            if a.ty.var_array {
                previous = Some(v);
            }
        }
        Ok(())
    }

    /// Writes the fields after the header of `l` (request: client side; reply: server
    /// side), reading values from variables named after the arguments.
    fn write_fields(
        &mut self,
        r: &Routine,
        l: &MessageLayout,
        side: Side,
    ) -> Result<(), crate::Error> {
        let mut skip_pad = None;
        for f in &l.fields {
            let arg = f.arg.map(|i| (i, &r.args[i]));
            match f.kind {
                FieldKind::Header => {}
                FieldKind::Body => {
                    let _ = writeln!(self.out, "mig_w.u32({})?;", l.descriptors);
                }
                FieldKind::Ndr => self.line("mig_w.bytes(&NDR_record)?;"),
                FieldKind::RetCode => self.line("mig_w.u32(KERN_SUCCESS as u32)?;"),
                FieldKind::Pad => {
                    if skip_pad != f.arg {
                        let _ = writeln!(self.out, "mig_w.bytes(&[0u8; {}])?;", f.size);
                    }
                }
                FieldKind::StringOffset => self.line("mig_w.u32(0)?;"),
                FieldKind::Descriptor { .. } => {
                    let (i, a) = arg.ok_or_else(|| {
                        unsupported(&r.location, "a descriptor without argument".into())
                    })?;
                    self.write_descriptor(r, i, a, side)?;
                }
                FieldKind::ArrayCount => {
                    let parent = f.arg.and_then(|c| r.args[c].parent).or(f.arg);
                    if let Some(pi) = parent {
                        let pa = &r.args[pi];
                        let s = arg_shape(pa)?;
                        let v = ident(&pa.name);
                        let (len, max) = match s {
                            Shape::VarStr(n) => {
                                (format!("rt::c_string_len({}, {n})", side.borrow(&v)), n)
                            }
                            Shape::VarArray(_, n) => (format!("{v}.len()"), n),
                            _ => ("0".into(), 0),
                        };
                        let _ = writeln!(
                            self.out,
                            "let mig_n = {len}; if mig_n > {max} {{ return rt::fail(MIG_ARRAY_TOO_LARGE); }} mig_w.u32(mig_n as u32)?;"
                        );
                    }
                }
                FieldKind::VariableArray { .. } => {
                    let (_, a) = arg.ok_or_else(|| {
                        unsupported(&r.location, "an array without argument".into())
                    })?;
                    let v = ident(&a.name);
                    match arg_shape(a)? {
                        Shape::VarStr(n) => {
                            let _ = writeln!(
                                self.out,
                                "mig_w.bytes(&rt::c_string_bytes({}, {n}))?; mig_w.pad()?;",
                                side.borrow(&v)
                            );
                        }
                        Shape::VarArray(..) => {
                            let _ = writeln!(
                                self.out,
                                "for mig_x in {v}.iter() {{ mig_w.put(mig_x)?; }} mig_w.pad()?;"
                            );
                        }
                        _ => {}
                    }
                    skip_pad = f.arg;
                }
                FieldKind::Count => {
                    let (_, a) = arg.ok_or_else(|| {
                        unsupported(&r.location, "a count without argument".into())
                    })?;
                    if a.role == ArgRole::CountInOut {
                        // The caller's limit, never more than the array's bound (migcom).
                        let _ = writeln!(
                            self.out,
                            "mig_w.u32({}.min({}))?;",
                            ident(&a.name),
                            count_in_out_max(r, a)?
                        );
                    } else if let Some(pi) = a.parent {
                        let pa = &r.args[pi];
                        let v = ident(&pa.name);
                        match arg_shape(pa)? {
                            Shape::PortArray { n, .. } => {
                                let _ = writeln!(
                                    self.out,
                                    "let mig_n = {v}.len(); if mig_n > {n} {{ return rt::fail(MIG_ARRAY_TOO_LARGE); }} mig_w.u32(mig_n as u32)?;"
                                );
                            }
                            _ => {
                                let _ = writeln!(
                                    self.out,
                                    "let mig_n = u32::try_from({v}.len()).or_else(|_| rt::fail(MIG_ARRAY_TOO_LARGE))?; mig_w.u32(mig_n)?;"
                                );
                            }
                        }
                    }
                }
                FieldKind::Data => {
                    let (_, a) = arg
                        .ok_or_else(|| unsupported(&r.location, "data without argument".into()))?;
                    let s = arg_shape(a)?;
                    let v = ident(&a.name);
                    let code = write_fixed(&s, &v, side);
                    self.line(&code);
                }
            }
        }
        Ok(())
    }

    fn write_descriptor(
        &mut self,
        r: &Routine,
        i: usize,
        a: &Arg,
        side: Side,
    ) -> Result<(), crate::Error> {
        let v = ident(&a.name);
        let s = arg_shape(a)?;
        let d = disposition_expr(r, i, a.ty.in_name);
        match s {
            Shape::Port(..) => {
                let _ = writeln!(self.out, "mig_w.port({v}, {d})?;");
            }
            Shape::PortArray { n, var, .. } => {
                if var {
                    let _ = writeln!(
                        self.out,
                        "for mig_k in 0..{n} {{ mig_w.port({v}.get(mig_k).copied().unwrap_or(MACH_PORT_NULL), {d})?; }}"
                    );
                } else {
                    let _ = writeln!(
                        self.out,
                        "for mig_p in {v}.iter() {{ mig_w.port(*mig_p, {d})?; }}"
                    );
                }
            }
            Shape::Ool(..) => {
                let _ = writeln!(
                    self.out,
                    "mig_w.ool(mig_task, rt::to_bytes({}), {}, {})?;",
                    side.borrow(&v),
                    side.deallocate(a),
                    a.has(crate::ast::Flag::PhysicalCopy)
                );
            }
            Shape::OolPorts(..) => {
                let _ = writeln!(
                    self.out,
                    "mig_w.ool_ports(mig_task, {}, {d}, {})?;",
                    side.borrow(&v),
                    side.deallocate(a)
                );
            }
            _ => {
                return Err(unsupported(
                    &a.location,
                    format!("argument `{}` in a descriptor", a.name),
                ));
            }
        }
        Ok(())
    }

    /// Reads the fields after the header (and descriptor count) of `l` into variables named
    /// after the arguments.
    fn read_fields(
        &mut self,
        r: &Routine,
        l: &MessageLayout,
        side: Side,
    ) -> Result<(), crate::Error> {
        // A descriptor of the wrong type or disposition: MIG_TYPE_ERROR on both sides.
        let type_error = "MIG_TYPE_ERROR";
        let mut skip_pad = None;
        let mut counts: Vec<(usize, String)> = Vec::new();
        for f in &l.fields {
            let arg = f.arg.map(|i| (i, &r.args[i]));
            match f.kind {
                FieldKind::Header | FieldKind::Body => {}
                FieldKind::Ndr => self.line("mig_r.bytes(8)?;"),
                FieldKind::RetCode => {
                    self.line("let mig_code = mig_r.u32()? as kern_return_t; if mig_code != KERN_SUCCESS { return rt::fail(mig_code); }");
                }
                FieldKind::Pad => {
                    if skip_pad != f.arg {
                        let _ = writeln!(self.out, "mig_r.bytes({})?;", f.size);
                    }
                }
                FieldKind::StringOffset => self.line("mig_r.u32()?;"),
                FieldKind::Descriptor { .. } => {
                    let (_, a) = arg.ok_or_else(|| {
                        unsupported(&r.location, "a descriptor without argument".into())
                    })?;
                    let v = ident(&a.name);
                    let recv = a.ty.out_name;
                    let expect = if recv == MACH_MSG_TYPE_POLYMORPHIC {
                        "MACH_MSG_TYPE_POLYMORPHIC".to_string()
                    } else {
                        recv.to_string()
                    };
                    match arg_shape(a)? {
                        Shape::Port(..) => {
                            let poly = poly_binding(r, a, side);
                            let _ = writeln!(
                                self.out,
                                "let ({v}, {poly}) = mig_r.port({expect}, {type_error})?;"
                            );
                        }
                        Shape::PortArray { n, .. } => {
                            let poly = poly_binding(r, a, side);
                            let keep = if poly == "_" {
                                "let _ = mig_d;".to_string()
                            } else {
                                let _ = writeln!(self.out, "let mut {poly} = 0;");
                                format!("{poly} = mig_d;")
                            };
                            let _ = writeln!(
                                self.out,
                                "let mut {v} = Vec::with_capacity({n}); for _ in 0..{n} {{ let (mig_name, mig_d) = mig_r.port({expect}, {type_error})?; {v}.push(mig_name); {keep} }}"
                            );
                        }
                        Shape::Ool(e, fixed) => {
                            let _ = writeln!(
                                self.out,
                                "let {v}: Vec<{}> = rt::from_bytes(&mig_r.ool(mig_task, MIG_TYPE_ERROR)?, MIG_TYPE_ERROR)?;",
                                e.rust()
                            );
                            if let Some(n) = fixed {
                                let _ = writeln!(
                                    self.out,
                                    "if {v}.len() != {n} {{ return rt::fail(MIG_TYPE_ERROR); }}"
                                );
                            }
                        }
                        Shape::OolPorts(..) => {
                            let poly = poly_binding(r, a, side);
                            let _ = writeln!(
                                self.out,
                                "let ({v}, {poly}) = mig_r.ool_ports(mig_task, {expect}, {type_error})?;"
                            );
                        }
                        _ => {}
                    }
                }
                FieldKind::ArrayCount => {
                    let parent = f.arg.and_then(|c| r.args[c].parent).or(f.arg);
                    if let Some(pi) = parent {
                        let pa = &r.args[pi];
                        let max = match arg_shape(pa)? {
                            Shape::VarStr(n) | Shape::VarArray(_, n) => n,
                            _ => 0,
                        };
                        let _ = writeln!(
                            self.out,
                            "let mig_count_{pi} = mig_r.u32()? as usize; if mig_count_{pi} > {max} {{ return rt::fail({}); }}",
                            side.bad_args()
                        );
                        counts.push((pi, format!("mig_count_{pi}")));
                    }
                }
                FieldKind::VariableArray { .. } => {
                    let (i, a) = arg.ok_or_else(|| {
                        unsupported(&r.location, "an array without argument".into())
                    })?;
                    let v = ident(&a.name);
                    let count = counts
                        .iter()
                        .find(|(p, _)| *p == i)
                        .map(|(_, c)| c.clone())
                        .or_else(|| same_count_source(r, i, &counts))
                        .unwrap_or_else(|| "0".into());
                    match arg_shape(a)? {
                        Shape::VarStr(_) => {
                            let _ = writeln!(
                                self.out,
                                "let {v} = rt::from_c_string(mig_r.bytes({count})?); mig_r.pad()?;"
                            );
                        }
                        Shape::VarArray(e, _) => {
                            let _ = writeln!(
                                self.out,
                                "let {v} = mig_r.get_vec::<{}>({count})?; mig_r.pad()?;",
                                e.rust()
                            );
                        }
                        _ => {}
                    }
                    skip_pad = f.arg;
                }
                FieldKind::Count => {
                    let (_, a) = arg.ok_or_else(|| {
                        unsupported(&r.location, "a count without argument".into())
                    })?;
                    let v = ident(&a.name);
                    if a.role == ArgRole::CountInOut {
                        let _ = writeln!(
                            self.out,
                            "let {v} = mig_r.u32()?.min({});",
                            count_in_out_max(r, a)?
                        );
                    } else if let Some(pi) = a.parent {
                        let pa = &r.args[pi];
                        let pv = ident(&pa.name);
                        match arg_shape(pa)? {
                            Shape::PortArray { n, .. } => {
                                let _ = writeln!(
                                    self.out,
                                    "let mig_n = mig_r.u32()? as usize; if mig_n > {n} {{ return rt::fail({}); }} {pv}.truncate(mig_n);",
                                    side.bad_args()
                                );
                            }
                            // A count that disagrees with its descriptor's size is a
                            // type error on both sides, as in migcom's checks.
                            Shape::OolPorts(..) | Shape::Ool(..) => {
                                let _ = writeln!(
                                    self.out,
                                    "if mig_r.u32()? as usize != {pv}.len() {{ return rt::fail(MIG_TYPE_ERROR); }}"
                                );
                            }
                            _ => self.line("mig_r.u32()?;"),
                        }
                    }
                }
                FieldKind::Data => {
                    let (_, a) = arg
                        .ok_or_else(|| unsupported(&r.location, "data without argument".into()))?;
                    let s = arg_shape(a)?;
                    let _ = writeln!(
                        self.out,
                        "let {} = {};",
                        ident(&a.name),
                        read_fixed(&s, side)
                    );
                }
            }
        }
        // Port arrays read as vectors become fixed arrays where the API says so.
        for f in &l.fields {
            if let (FieldKind::Descriptor { .. }, Some(i)) = (f.kind, f.arg) {
                let a = &r.args[i];
                if let Shape::PortArray { n, var: false, .. } = arg_shape(a)? {
                    let v = ident(&a.name);
                    let _ = writeln!(self.out, "let {v}: [mach_port_t; {n}] = rt::array_of({v});");
                }
            }
        }
        Ok(())
    }

    fn server(&mut self) -> Result<(), crate::Error> {
        let i = self.iface;
        let _ = writeln!(
            self.out,
            "/// What a `{}` server implements: one method per routine. A method's `Err` is sent back as the routine's return code (`MIG_NO_REPLY` sends nothing).",
            i.name
        );
        self.line("pub trait Server {");
        for rl in i.routines() {
            let r = &rl.routine;
            let p = plan(r)?;
            let _ = writeln!(
                self.out,
                "/// `{}` (message id {}).",
                r.name,
                rl.request_id(i.base)
            );
            self.signature(
                "fn",
                &ident(&r.name),
                &p.server_inputs,
                &p.server_outputs,
                ";",
            );
        }
        self.line("}");
        let demux = i
            .server_demux
            .clone()
            .unwrap_or_else(|| format!("{}_server", i.name));
        let _ = writeln!(
            self.out,
            "/// The demux (`{demux}`): checks the request in `mig_request` as migcom's server does, calls `mig_server`, and writes the reply into `mig_reply` (at least `MAX_REPLY_SIZE` bytes, 36 for an error). `false` when the id is not this subsystem's. OOL data and rights live in `mig_task`, the server's task."
        );
        let _ = writeln!(
            self.out,
            "pub fn {}<S: Server + ?Sized>(mig_server: &S, mig_task: &Task, mig_request: &[u8], mig_reply: &mut [u8]) -> bool {{",
            ident(&demux)
        );
        self.line("rt::reply_header(mig_request, mig_reply);");
        self.line("let mig_id = rt::header(mig_request).msgh_id;");
        if i.routines().next().is_none() {
            // Every id is a skip.
            self.line("let _ = (mig_server, mig_task, mig_id);");
            self.line("rt::reply_error(mig_reply, MIG_BAD_ID);\nfalse\n}");
        } else {
            self.line("let mig_result: Result<(), KernReturn> = match mig_id.wrapping_sub(SUBSYSTEM_BASE) {");
            for rl in i.routines() {
                let _ = writeln!(
                    self.out,
                    "{} => stub_{}(mig_server, mig_task, mig_request, mig_reply),",
                    rl.routine.number, rl.routine.name
                );
            }
            self.line("_ => { rt::reply_error(mig_reply, MIG_BAD_ID); return false; }\n};");
            self.line(
                "if let Err(mig_e) = mig_result {\n// An error that says success would read as one: MIG_REMOTE_ERROR instead.\nrt::reply_error(mig_reply, if mig_e.0 == KERN_SUCCESS { MIG_REMOTE_ERROR } else { mig_e.0 });\n}\ntrue\n}",
            );
        }
        let rcv = i
            .routines()
            .map(|r| r.routine.server_trailer_elements)
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            self.out,
            "/// `mach_msg_server` for this subsystem: serves requests arriving on `port` (in `task`) until a receive fails.\n///\n/// # Errors\n/// The receive error that ended the loop.\npub fn serve<S: Server + ?Sized>(server: &S, task: &Task, port: mach_port_name_t) -> Result<(), KernReturn> {{\nrt::serve(task, port, MAX_REQUEST_SIZE, MAX_REPLY_SIZE, MACH_RCV_TRAILER_ELEMENTS({rcv}), |mig_req, mig_rep| {}(server, task, mig_req, mig_rep))\n}}",
            ident(&demux)
        );
        for rl in i.routines() {
            self.stub(rl)?;
        }
        Ok(())
    }

    fn stub(&mut self, rl: &RoutineLayout) -> Result<(), crate::Error> {
        let r = &rl.routine;
        let p = plan(r)?;
        let task = "mig_task";
        let reply = if r.is_one_way() {
            "_mig_reply"
        } else {
            "mig_reply"
        };
        let _ = writeln!(
            self.out,
            "fn stub_{}<S: Server + ?Sized>(mig_server: &S, {task}: &Task, mig_request: &[u8], {reply}: &mut [u8]) -> Result<(), KernReturn> {{",
            r.name
        );
        let descriptors = if rl.request.complex {
            format!("Some({})", rl.request.descriptors)
        } else {
            "None".into()
        };
        let _ = writeln!(
            self.out,
            "let {}mig_r = rt::check_request(mig_request, {descriptors}, {}, {})?;",
            if has_body(&rl.request) { "mut " } else { "" },
            rl.request.min_size,
            rl.request.size
        );
        self.read_fields(r, &rl.request, Side::Server)?;
        self.line("if !mig_r.at_end() { return rt::fail(MIG_BAD_ARGUMENTS); }");
        // Header-carried values.
        for a in &r.args {
            match a.role {
                ArgRole::RequestPort if a.declared => {
                    let _ = writeln!(
                        self.out,
                        "let {} = rt::header(mig_request).msgh_local_port;",
                        ident(&a.name)
                    );
                }
                ArgRole::ReplyPort if a.declared && a.bits.any(Bits::SERVER_ARG) => {
                    let _ = writeln!(
                        self.out,
                        "let {} = rt::header(mig_request).msgh_remote_port;",
                        ident(&a.name)
                    );
                }
                _ => {}
            }
        }
        self.trailer_values(
            r,
            Bits::SERVER_IMPLICIT,
            "mig_request",
            r.server_trailer_elements,
        );
        let args: Vec<String> = p.server_inputs.iter().map(|(n, _)| n.clone()).collect();
        let _ = writeln!(
            self.out,
            "let {} = mig_server.{}({})?;",
            tuple_expr(&p.server_outputs),
            ident(&r.name),
            args.join(", ")
        );
        // The request was taken: its out-of-line regions go (its rights are the
        // implementation's now).
        self.line("rt::release_memory(mig_task, mig_request);");
        if r.is_one_way() {
            self.line("Ok(())\n}");
            return Ok(());
        }
        // The reply: checked whole before anything is written or allocated, then written
        // after the header reply_header made.
        self.length_checks(r, &rl.reply)?;
        if rl.reply.complex {
            self.line("rt::set_complex(mig_reply);");
        }
        self.line("let mut mig_w = rt::Writer::after_header(mig_reply);");
        self.write_fields(r, &rl.reply, Side::Server)?;
        self.line("mig_w.finish();\nOk(())\n}");
        Ok(())
    }
}

fn same_count_source(r: &Routine, i: usize, counts: &[(usize, String)]) -> Option<String> {
    // A SameCount array shares the count of the variable array declared before it.
    let before = r.args[..i]
        .iter()
        .rposition(|a| a.declared && a.ty.var_array)?;
    counts
        .iter()
        .find(|(p, _)| *p == before)
        .map(|(_, c)| c.clone())
}

/// The variable a received polymorphic right's type goes into (`_` when that side has no
/// use for it).
fn poly_binding(r: &Routine, a: &Arg, side: Side) -> String {
    let Some(p) = a.poly else {
        return "_".into();
    };
    let needed = match side {
        Side::Client => r.args[p].bits.all(Bits::USER_ARG | Bits::RETURN_RCV),
        Side::Server => r.args[p].bits.all(Bits::SERVER_ARG | Bits::SEND_RCV),
    };
    if needed {
        ident(&r.args[p].name)
    } else {
        "_".into()
    }
}

/// Whether `l` has fields after its header and descriptor count (a reader of it moves).
fn has_body(l: &MessageLayout) -> bool {
    l.fields
        .iter()
        .any(|f| !matches!(f.kind, FieldKind::Header | FieldKind::Body))
}

/// A client method's name: the routine's, moved aside when it is one of `Client`'s own.
fn method_name(name: &str) -> String {
    match name {
        "new" | "task" => format!("{name}_"),
        _ => ident(name),
    }
}

/// The bound a `CountInOut` count is clamped to: its out array's.
fn count_in_out_max(r: &Routine, a: &Arg) -> Result<u32, crate::Error> {
    let array = a.parent.map(|p| &r.args[p]);
    match array.map(arg_shape).transpose()? {
        Some(Shape::VarArray(_, n)) => Ok(n),
        _ => Ok(u32::MAX),
    }
}

fn timeout_expr(s: &TimeoutSource) -> String {
    match s {
        TimeoutSource::Argument(n) => ident(n),
        TimeoutSource::Expression(e) => format!("({e}) as mach_msg_timeout_t"),
    }
}

/// The disposition a port argument is sent with: its type's, or the poly argument's.
fn disposition_expr(r: &Routine, i: usize, in_name: u32) -> String {
    if in_name == MACH_MSG_TYPE_POLYMORPHIC {
        match r.args[i].poly {
            Some(p) => ident(&r.args[p].name),
            None => "MACH_MSG_TYPE_COPY_SEND".into(),
        }
    } else {
        in_name.to_string()
    }
}

#[derive(Clone, Copy)]
enum Side {
    Client,
    Server,
}

impl Side {
    /// Whether out-of-line data this side sends is deallocated by the send: the client
    /// follows the argument's `Dealloc`; a server's reply always gives its private copy
    /// away (the demux has no later moment to free it).
    fn deallocate(self, a: &Arg) -> bool {
        match self {
            Side::Client => a.deallocate == crate::routine::Deallocate::Yes,
            Side::Server => true,
        }
    }

    /// `v` as a reference: the client's inputs are references already, the server's
    /// outputs are owned.
    fn borrow(self, v: &str) -> String {
        match self {
            Side::Client => v.to_string(),
            Side::Server => format!("&{v}"),
        }
    }

    fn bad_args(self) -> &'static str {
        match self {
            Side::Client => "MIG_TYPE_ERROR",
            Side::Server => "MIG_BAD_ARGUMENTS",
        }
    }
}
