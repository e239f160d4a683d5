//! Message bodies written and read field by field, the same for both sides: the client writes
//! requests and reads replies, the server reads requests and writes replies. Each field is
//! written at migcom's offset and checked as migcom's stubs check it; where the two sides of
//! migcom differ (a string without its NUL, a count too large), [`Side`] says which applies.

use std::fmt::Write;

use crate::layout::{FieldKind, MessageLayout};
use crate::lexer::MACH_MSG_TYPE_POLYMORPHIC;
use crate::routine::{Arg, ArgRole, Bits, Routine};

use super::types::{Shape, arg_shape};
use super::{Gen, ident, unsupported};

impl Gen<'_, '_> {
    /// Binds the trailer values the arguments marked `bit` take from the message in `buf`
    /// (checked to hold `elements`).
    pub(super) fn trailer_values(&mut self, r: &Routine, bit: Bits, buf: &str, elements: u32) {
        if !r.args.iter().any(|a| a.bits.intersects(bit)) {
            return;
        }
        let _ = writeln!(
            self.out,
            "let mig_trailer = rt::trailer({buf}, {elements})?;"
        );
        for a in r.args.iter().filter(|a| a.bits.intersects(bit)) {
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
    pub(super) fn length_checks(
        &mut self,
        r: &Routine,
        l: &MessageLayout,
    ) -> Result<(), crate::Error> {
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
    pub(super) fn write_fields(
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
    pub(super) fn read_fields(
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

fn token_expr(role: ArgRole, trailer: &str) -> String {
    match role {
        ArgRole::MsgSeqno => format!("{trailer}.msgh_seqno"),
        ArgRole::AuditToken => format!("{trailer}.msgh_audit.val"),
        ArgRole::ContextToken => format!("{trailer}.msgh_context"),
        _ => format!("{trailer}.msgh_sender.val"),
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
        Side::Client => r.args[p].bits.contains(Bits::USER_ARG | Bits::RETURN_RCV),
        Side::Server => r.args[p].bits.contains(Bits::SERVER_ARG | Bits::SEND_RCV),
    };
    if needed {
        ident(&r.args[p].name)
    } else {
        "_".into()
    }
}

/// Whether `l` has fields after its header and descriptor count (a reader of it moves).
pub(super) fn has_body(l: &MessageLayout) -> bool {
    l.fields
        .iter()
        .any(|f| !matches!(f.kind, FieldKind::Header | FieldKind::Body))
}

/// The bound a `CountInOut` count is clamped to: its out array's.
fn count_in_out_max(r: &Routine, a: &Arg) -> Result<u32, crate::Error> {
    let array = a.parent.map(|p| &r.args[p]);
    match array.map(arg_shape).transpose()? {
        Some(Shape::VarArray(_, n)) => Ok(n),
        _ => Ok(u32::MAX),
    }
}

/// The disposition a port argument is sent with: its type's, or the poly argument's.
pub(super) fn disposition_expr(r: &Routine, i: usize, in_name: u32) -> String {
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
pub(super) enum Side {
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
