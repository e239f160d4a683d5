//! The generated server side: the `Server` trait (one method per routine), the demux that
//! checks each request as migcom's server does and writes the reply, and `serve`, the
//! `mach_msg_server` loop over the demux.

use std::fmt::Write;

use crate::layout::RoutineLayout;
use crate::routine::{ArgRole, Bits};

use super::fields::{Side, has_body};
use super::types::{plan, tuple_expr};
use super::{Gen, descriptors_expr, ident};

impl Gen<'_, '_> {
    pub(super) fn server(&mut self) -> Result<(), crate::Error> {
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
        let descriptors = descriptors_expr(&rl.request);
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
                ArgRole::ReplyPort if a.declared && a.bits.intersects(Bits::SERVER_ARG) => {
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
