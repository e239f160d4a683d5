//! The `messages` submodule of the generated code: one `#[repr(C, packed(4))]` zerocopy
//! struct per request and reply, named and laid out as migcom's `__Request__`/`__Reply__`
//! structs, with its size and every offset asserted at compile time.

use std::fmt::Write;

use crate::layout::RoutineLayout;
use crate::layout::{Field, FieldKind, MessageLayout};
use crate::types::DescriptorKind;

use super::types::{Shape, arg_shape};
use super::{Gen, ident};

impl Gen<'_, '_> {
    pub(super) fn messages(&mut self) -> Result<(), crate::Error> {
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

    fn field_type(&self, r: &RoutineLayout, f: &Field) -> Result<String, crate::Error> {
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
}
