//! The generated `Client`: one method per routine, which writes the request, calls
//! (`mach_msg` send and receive on the client's reply port, with the routine's timeouts and
//! options), checks the reply as migcom's client does and hands back its values.

use std::fmt::Write;

use crate::layout::RoutineLayout;
use crate::routine::{ArgRole, Bits, Timeout, TimeoutSource};

use super::fields::{Side, disposition_expr, has_body};
use super::types::{plan, tuple_expr, tuple_type};
use super::{Gen, descriptors_expr, ident};

impl Gen<'_, '_> {
    pub(super) fn client(&mut self) -> Result<(), crate::Error> {
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
        let local = if r.reply_port_declared && reply_port.bits.intersects(Bits::USER_ARG) {
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
        let descriptors = descriptors_expr(&rl.reply);
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
            if let (Some(c), true) = (a.count_in_out, a.bits.intersects(Bits::RETURN)) {
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
}

/// A client method's name: the routine's, moved aside when it is one of `Client`'s own.
fn method_name(name: &str) -> String {
    match name {
        "new" | "task" => format!("{name}_"),
        _ => ident(name),
    }
}

fn timeout_expr(s: &TimeoutSource) -> String {
    match s {
        TimeoutSource::Argument(n) => ident(n),
        TimeoutSource::Expression(e) => format!("({e}) as mach_msg_timeout_t"),
    }
}
