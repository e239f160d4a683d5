//! An interface: a whole `.defs` file resolved into a subsystem, its routines and their
//! message layouts.

use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;

use crate::Location;
use crate::ast::{ArgType, Defs, StatementKind, TypeDecl, TypeSpec};
use crate::cpp::Preprocessor;
use crate::layout::{Direction, RoutineLayout, layout};
use crate::routine::{Routine, Settings};
use crate::types::{IpcType, SemanticError, TypeTable};

/// A resolved interface.
#[derive(Clone, Debug)]
pub struct Interface {
    /// The subsystem's name.
    pub name: String,
    /// The first message id.
    pub base: u32,
    /// `KernelUser`.
    pub kernel_user: bool,
    /// `KernelServer`.
    pub kernel_server: bool,
    /// One slot per message id from `base`: a routine, or `None` for a `skip`.
    pub slots: Vec<Option<RoutineLayout>>,
    /// `ServerPrefix` in force at the end (it names the subsystem table).
    pub server_prefix: String,
    /// `UserPrefix` in force at the end.
    pub user_prefix: String,
    /// `serverdemux`, if given (default `<name>_server`).
    pub server_demux: Option<String>,
    /// `rcsid`, with its quotes.
    pub rcs_id: Option<String>,
}

impl Interface {
    /// Preprocesses, parses and resolves the `.defs` file at `path`.
    ///
    /// # Errors
    /// The first problem found, with its location.
    pub fn load(path: &Path, preprocessor: &Preprocessor) -> Result<Interface, crate::Error> {
        // As Apple's `mig` driver does, the file's own directory is searched for includes
        // too (after the configured ones).
        let mut with_dir;
        let preprocessor = match path.parent() {
            Some(dir) => {
                with_dir = preprocessor.clone();
                with_dir.include_dir(if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                });
                &with_dir
            }
            None => preprocessor,
        };
        // The preprocessed text is gone before the routines are resolved.
        let defs = {
            let pp = preprocessor.run_file(path)?;
            let end = end_of(&pp, &path.display().to_string());
            crate::parser::parse_preprocessed(&pp, end)?
        };
        Interface::resolve(&defs).map_err(|e| locate(e, &path.display().to_string()))
    }

    /// As [`Interface::load`], for text already in memory (`name` names it in errors).
    ///
    /// # Errors
    /// The first problem found, with its location.
    pub fn load_str(
        name: &str,
        text: &str,
        preprocessor: &Preprocessor,
    ) -> Result<Interface, crate::Error> {
        let defs = {
            let pp = preprocessor.run_str(name, text)?;
            let end = end_of(&pp, name);
            crate::parser::parse_preprocessed(&pp, end)?
        };
        Interface::resolve(&defs).map_err(|e| locate(e, name))
    }

    /// Resolves a parsed file.
    ///
    /// # Errors
    /// Undefined types, types or routines migcom refuses, no subsystem.
    pub(crate) fn resolve(defs: &Defs) -> Result<Interface, crate::Error> {
        let mut types = TypeTable::default();
        let mut settings = Settings::default();
        let mut subsystem: Option<(String, u32)> = None;
        let mut slots: Vec<Option<RoutineLayout>> = Vec::new();
        let mut server_demux = None;
        let mut rcs_id = None;
        let mut first_routine: Option<Location> = None;
        // The routine names seen so far, for the duplicate check (one lookup per routine).
        let mut names: HashSet<&str> = HashSet::new();
        for st in &defs.statements {
            match &st.kind {
                StatementKind::Subsystem {
                    name,
                    base,
                    kernel_user,
                    kernel_server,
                } => {
                    subsystem = Some((name.clone(), *base));
                    settings.kernel_user = *kernel_user;
                    settings.kernel_server = *kernel_server;
                }
                StatementKind::Skip => {
                    first_routine.get_or_insert_with(|| st.location.clone());
                    slots.push(None);
                }
                StatementKind::Routine(decl) => {
                    first_routine.get_or_insert_with(|| st.location.clone());
                    if !names.insert(&decl.name) {
                        return Err(crate::Error::Semantic {
                            location: st.location.clone(),
                            kind: SemanticError::DuplicateRoutine(decl.name.clone()),
                        });
                    }
                    let mut args = Vec::with_capacity(decl.args.len());
                    for a in &decl.args {
                        let ty = arg_type(&types, &a.ty, &a.location)?;
                        args.push((a.clone(), ty));
                    }
                    let number =
                        u32::try_from(slots.len()).map_err(|_| crate::Error::Semantic {
                            location: st.location.clone(),
                            kind: SemanticError::TooManyRoutines,
                        })?;
                    let routine = Routine::build(
                        decl.kind,
                        &decl.name,
                        number,
                        args,
                        &settings,
                        &st.location,
                    )?;
                    let request = layout(&routine, Direction::Request);
                    let reply = layout(&routine, Direction::Reply);
                    slots.push(Some(RoutineLayout {
                        routine,
                        request,
                        reply,
                    }));
                }
                StatementKind::Type(decl) => {
                    types.declare(decl)?;
                }
                StatementKind::ServerPrefix(p) => settings.server_prefix = p.clone(),
                StatementKind::UserPrefix(p) => settings.user_prefix = p.clone(),
                StatementKind::ServerDemux(d) => server_demux = Some(d.clone()),
                StatementKind::WaitTime(w) => settings.wait_time = w.clone(),
                StatementKind::SendTime(s) => settings.send_time = s.clone(),
                StatementKind::MsgOption(m) => settings.msg_option = m.clone(),
                StatementKind::UseSpecialReplyPort(b) => settings.special_reply_port = *b,
                StatementKind::ConsumeOnSendError(c) => settings.consume_on_send_error = *c,
                StatementKind::ErrorProc(e) => settings.error_proc = Some(e.clone()),
                StatementKind::RcsId(r) => rcs_id = Some(r.clone()),
                // What the C headers migcom writes would hold; nothing in the Rust.
                StatementKind::Import(..)
                | StatementKind::UserTypeLimit(_)
                | StatementKind::OnStackLimit(_) => {}
            }
        }
        let Some((name, base)) = subsystem else {
            let location = first_routine.unwrap_or_else(|| Location::new("", 0, 0));
            return Err(crate::Error::Semantic {
                location,
                kind: SemanticError::NoSubsystem,
            });
        };
        if u64::from(base) + slots.len() as u64 + 100 > u64::from(u32::MAX) {
            return Err(crate::Error::Semantic {
                location: first_routine.unwrap_or_else(|| Location::new("", 0, 0)),
                kind: SemanticError::TooManyRoutines,
            });
        }
        Ok(Interface {
            name,
            base,
            kernel_user: settings.kernel_user,
            kernel_server: settings.kernel_server,
            slots,
            server_prefix: settings.server_prefix,
            user_prefix: settings.user_prefix,
            server_demux,
            rcs_id,
        })
    }

    /// The routines, in id order.
    pub fn routines(&self) -> impl Iterator<Item = &RoutineLayout> {
        self.slots.iter().flatten()
    }

    /// The id after the last: `base` + number of slots.
    pub fn end(&self) -> u32 {
        self.base + self.slots.len() as u32
    }

    /// The subsystem table's name: `<ServerPrefix><name>_subsystem`.
    pub fn subsystem_symbol(&self) -> String {
        format!("{}{}_subsystem", self.server_prefix, self.name)
    }

    /// The largest request.
    pub fn max_request_size(&self) -> u32 {
        self.routines().map(|r| r.request.size).max().unwrap_or(0)
    }

    /// The largest reply (migcom's `maxsize`).
    pub fn max_reply_size(&self) -> u32 {
        self.routines().map(|r| r.reply.size).max().unwrap_or(0)
    }
}

/// An error about the file as a whole (no subsystem, too many routines in an empty file)
/// names the file, line 1.
fn locate(e: crate::Error, file: &str) -> crate::Error {
    match e {
        crate::Error::Semantic { location, kind } if location.line == 0 => crate::Error::Semantic {
            location: Location::new(file, 1, 1),
            kind,
        },
        e => e,
    }
}

fn end_of(pp: &crate::cpp::Preprocessed, name: &str) -> Location {
    match pp.lines.last() {
        Some(l) => Location::new(l.location.file.clone(), l.location.line + 1, 1),
        None => Location::new(name, 1, 1),
    }
}

/// An argument's type: declared by name, declared in place, or native.
fn arg_type(types: &TypeTable, ty: &ArgType, at: &Location) -> Result<Rc<IpcType>, crate::Error> {
    match ty {
        ArgType::Named(name) => types
            .get(name)
            .cloned()
            .ok_or_else(|| crate::Error::Semantic {
                location: at.clone(),
                kind: SemanticError::UndefinedType(name.clone()),
            }),
        ArgType::Decl(decl) => types.resolve(decl),
        ArgType::Native(n) => types.resolve(&TypeDecl {
            name: n.c_type.clone(),
            spec: TypeSpec::Native(n.clone()),
            clauses: Vec::new(),
            location: at.clone(),
        }),
    }
}
