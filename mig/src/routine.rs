//! Routines: their arguments as migcom sees them, hidden ones included.
//!
//! A routine's declared arguments are augmented as migcom's `routine.c` does: the NDR record
//! and return code lead the list, the first undirected argument becomes the request port, a
//! reply port is supplied if none is declared, and each argument may bring hidden
//! companions right after it (a count for a variable array, a disposition for a
//! polymorphic port, a deallocate flag for `Dealloc[]`, a count sent ahead for
//! `CountInOut`). Every argument carries migcom's kind bits, which decide where it
//! travels: in the request or reply, in a descriptor or the inline body.

use std::rc::Rc;

use crate::Location;
use crate::ast::{ArgDecl, ConsumeOnSendError, Direction, Flag, RoutineKind};
use crate::lexer::MACH_MSG_TYPE_POLYMORPHIC;
use crate::types::{IpcType, SemanticError};

/// What an argument is (migcom's `ake*` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgRole {
    /// A declared data or port argument.
    Normal,
    /// The request port (the message's destination).
    RequestPort,
    /// The per-call timeout.
    WaitTime,
    /// The per-call send-only timeout.
    SendTime,
    /// The reply port.
    ReplyPort,
    /// Per-call `mach_msg` options.
    MsgOption,
    /// The sequence number from the trailer.
    MsgSeqno,
    /// The return code.
    RetCode,
    /// The NDR record.
    Ndr,
    /// The element count of a variable array.
    Count,
    /// The disposition of a polymorphic port.
    Poly,
    /// The deallocate flag of a `Dealloc[]` argument.
    Dealloc,
    /// A `CountInOut` array's count, sent in the request.
    CountInOut,
    /// The count of a `SameCount` array (shared with the array before it; not sent).
    SameCount,
    /// An implicit trailer argument (`ServerImpl` / `UserImpl`).
    Implicit,
    /// The security token from the trailer.
    SecToken,
    /// The audit token from the trailer.
    AuditToken,
    /// The port context from the trailer.
    ContextToken,
}

bitflags::bitflags! {
    /// migcom's argument kind bits (`akb*`, in its `routine.h`), as a set: which side sees an
    /// argument, which message carries it, and how.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
    pub struct Bits: u32 {
        /// `akbRequest`: in the request message.
        const REQUEST = 0x0000_0040;
        /// `akbReply`: in the reply message.
        const REPLY = 0x0000_0080;
        /// `akbUserArg`: a parameter of the user (client) stub.
        const USER_ARG = 0x0000_0100;
        /// `akbServerArg`: a parameter of the server routine.
        const SERVER_ARG = 0x0000_0200;
        /// `akbSend`: sent in the request.
        const SEND = 0x0000_0400;
        /// `akbSendBody`: in the request's body.
        const SEND_BODY = 0x0000_0800;
        /// `akbSendSnd`: the user stub writes it into the request.
        const SEND_SND = 0x0000_1000;
        /// `akbSendRcv`: the server stub reads it from the request.
        const SEND_RCV = 0x0000_2000;
        /// `akbReturn`: returned in the reply.
        const RETURN = 0x0000_4000;
        /// `akbReturnBody`: in the reply's body.
        const RETURN_BODY = 0x0000_8000;
        /// `akbReturnSnd`: the server stub writes it into the reply.
        const RETURN_SND = 0x0001_0000;
        /// `akbReturnRcv`: the user stub reads it from the reply.
        const RETURN_RCV = 0x0002_0000;
        /// `akbReturnNdr`: it needs an NDR record in the reply.
        const RETURN_NDR = 0x0004_0000;
        /// `akbReplyInit`: the server initialises it in the reply.
        const REPLY_INIT = 0x0008_0000;
        /// `akbReplyCopy`: the reply's value is copied from the request's.
        const REPLY_COPY = 0x0020_0000;
        /// `akbVarNeeded`: the server stub needs a local variable for it.
        const VAR_NEEDED = 0x0040_0000;
        /// `akbVariable`: its size varies (fields after it move).
        const VARIABLE = 0x0100_0000;
        /// `akbSendNdr`: it needs an NDR record in the request.
        const SEND_NDR = 0x0400_0000;
        /// `akbSendKPD`: sent as a descriptor of the request.
        const SEND_KPD = 0x0800_0000;
        /// `akbReturnKPD`: returned as a descriptor of the reply.
        const RETURN_KPD = 0x1000_0000;
        /// `akbUserImplicit`: the user side reads it from the trailer.
        const USER_IMPLICIT = 0x2000_0000;
        /// `akbServerImplicit`: the server side reads it from the trailer.
        const SERVER_IMPLICIT = 0x4000_0000;

        /// `akbSendBits`: every bit of sending.
        const SEND_BITS = Self::SEND.bits()
            | Self::SEND_BODY.bits()
            | Self::SEND_SND.bits()
            | Self::SEND_RCV.bits();
        /// `akbReturnBits`: every bit of returning.
        const RETURN_BITS = Self::RETURN.bits()
            | Self::RETURN_BODY.bits()
            | Self::RETURN_SND.bits()
            | Self::RETURN_RCV.bits();
    }
}

/// Whether a `Dealloc` flag applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Deallocate {
    /// The sender keeps its copy.
    #[default]
    No,
    /// The sender gives its copy up.
    Yes,
    /// Decided per call (`Dealloc[]`).
    Maybe,
}

/// One argument of a routine, declared or hidden.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The name (hidden arguments: `xCnt`, `xPoly`, `xDealloc`, `NDR`, `RetCode`, …).
    pub name: String,
    /// What it is.
    pub role: ArgRole,
    /// Where it travels.
    pub bits: Bits,
    /// Its type.
    pub ty: Rc<IpcType>,
    /// Its flags.
    pub flags: Vec<Flag>,
    /// Whether a `Dealloc` applies.
    pub deallocate: Deallocate,
    /// For hidden arguments: the argument they belong to (an index into the list).
    pub parent: Option<usize>,
    /// The argument's count (for variable arrays).
    pub count: Option<usize>,
    /// The argument's poly disposition (for polymorphic ports).
    pub poly: Option<usize>,
    /// The argument's dealloc flag (for `Dealloc[]`).
    pub dealloc: Option<usize>,
    /// The argument's request-side count (for `CountInOut`).
    pub count_in_out: Option<usize>,
    /// Where it was declared (hidden arguments: their routine).
    pub location: Location,
    /// Declared by the user (as opposed to hidden).
    pub declared: bool,
}

impl Arg {
    fn hidden(
        name: String,
        role: ArgRole,
        ty: Rc<IpcType>,
        bits: Bits,
        location: &Location,
    ) -> Arg {
        Arg {
            name,
            role,
            bits,
            ty,
            flags: Vec::new(),
            deallocate: Deallocate::No,
            parent: None,
            count: None,
            poly: None,
            dealloc: None,
            count_in_out: None,
            location: location.clone(),
            declared: false,
        }
    }

    /// Has `flag`.
    pub fn has(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}

/// Subsystem-wide settings in force when a routine is declared.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// `KernelUser`.
    pub kernel_user: bool,
    /// `KernelServer`.
    pub kernel_server: bool,
    /// `ServerPrefix`.
    pub server_prefix: String,
    /// `UserPrefix`.
    pub user_prefix: String,
    /// `waittime`.
    pub wait_time: Option<String>,
    /// `sendtime`.
    pub send_time: Option<String>,
    /// `msgoption`.
    pub msg_option: Option<String>,
    /// `UseSpecialReplyPort`.
    pub special_reply_port: bool,
    /// `ConsumeOnSendError`.
    pub consume_on_send_error: ConsumeOnSendError,
    /// `error`.
    pub error_proc: Option<String>,
}

/// Where a routine's timeout comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timeout {
    /// A `waittime` argument or statement: send and receive timeout.
    Wait(TimeoutSource),
    /// A `sendtime` argument or statement: send timeout only.
    Send(TimeoutSource),
}

/// A timeout's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeoutSource {
    /// A per-call argument of this name.
    Argument(String),
    /// A C expression from the statement (a number or a constant's name).
    Expression(String),
}

/// A routine, resolved.
#[derive(Clone, Debug)]
pub struct Routine {
    /// `routine` or `simpleroutine`.
    pub kind: RoutineKind,
    /// Its name as declared.
    pub name: String,
    /// Its slot in the subsystem (0 = the base id).
    pub number: u32,
    /// Every argument, hidden ones included, in migcom's order.
    pub args: Vec<Arg>,
    /// The request port.
    pub request_port: usize,
    /// The reply port (a hidden one when none is declared).
    pub reply_port: usize,
    /// Whether the reply port is declared (`replyport` / `ureplyport` / `sreplyport`).
    pub reply_port_declared: bool,
    /// The request carries no descriptors.
    pub simple_request: bool,
    /// The reply carries no descriptors.
    pub simple_reply: bool,
    /// The timeout in force.
    pub timeout: Option<Timeout>,
    /// A per-call `msgoption` argument.
    pub msg_option_arg: Option<String>,
    /// The `msgoption` statement in force.
    pub msg_option: Option<String>,
    /// The trailer elements the client asks for (`MACH_RCV_TRAILER_*` in
    /// `MACH_RCV_TRAILER_ELEMENTS`), from `UserSecToken` / `UserAuditToken` arguments.
    pub user_trailer_elements: u32,
    /// The trailer elements the server stub needs from the request.
    pub server_trailer_elements: u32,
    /// `UseSpecialReplyPort` applies. Resolved as migcom resolves it; the Rust client does
    /// not call on a special reply port (nor honour `ConsumeOnSendError`) yet.
    #[allow(dead_code)]
    pub special_reply_port: bool,
    /// `ConsumeOnSendError` in force.
    #[allow(dead_code)]
    pub consume_on_send_error: ConsumeOnSendError,
    /// Where the routine was declared.
    pub location: Location,
}

/// `MACH_RCV_TRAILER_SEQNO`.
pub const MACH_RCV_TRAILER_SEQNO: u32 = 1;
/// `MACH_RCV_TRAILER_SENDER`.
pub const MACH_RCV_TRAILER_SENDER: u32 = 2;
/// `MACH_RCV_TRAILER_AUDIT`.
pub const MACH_RCV_TRAILER_AUDIT: u32 = 3;
/// `MACH_RCV_TRAILER_CTX`.
pub const MACH_RCV_TRAILER_CTX: u32 = 4;

/// The most bytes a routine's declared arguments may take in its messages, all together (a
/// type alone may take [`crate::types::MAX_BYTES`]): keeps every offset and size of a layout
/// well within `u32`.
const MAX_MESSAGE_BYTES: u64 = 1 << 30;

/// The most bytes `it` takes in a message: its data and pad, or its descriptors at their real
/// size.
fn wire_bytes(it: &IpcType) -> u64 {
    if it.is_kpd() {
        16 * u64::from(it.kpd_number.max(1))
    } else {
        it.type_size() + it.pad_size()
    }
}

fn sem(location: &Location, kind: SemanticError) -> crate::Error {
    crate::Error::Semantic {
        location: location.clone(),
        kind,
    }
}

fn direction_bits(d: Direction) -> (ArgRole, Bits) {
    use Bits as B;
    let token = B::SERVER_ARG | B::SERVER_IMPLICIT | B::SEND | B::SEND_RCV;
    let user_token = B::USER_ARG | B::USER_IMPLICIT | B::RETURN | B::RETURN_RCV;
    match d {
        Direction::None | Direction::In => (
            ArgRole::Normal,
            B::USER_ARG | B::SERVER_ARG | B::REQUEST | B::SEND_BITS,
        ),
        Direction::Out => (
            ArgRole::Normal,
            B::USER_ARG | B::SERVER_ARG | B::REPLY | B::RETURN_BITS,
        ),
        Direction::InOut => (
            ArgRole::Normal,
            B::USER_ARG
                | B::SERVER_ARG
                | B::REQUEST
                | B::REPLY
                | B::SEND_BITS
                | B::RETURN_BITS
                | B::REPLY_COPY,
        ),
        Direction::RequestPort => (
            ArgRole::RequestPort,
            B::USER_ARG | B::SERVER_ARG | B::SEND | B::SEND_SND | B::SEND_RCV,
        ),
        Direction::ReplyPort => (
            ArgRole::ReplyPort,
            B::USER_ARG | B::SERVER_ARG | B::SEND | B::SEND_SND | B::SEND_RCV,
        ),
        Direction::UReplyPort => (
            ArgRole::ReplyPort,
            B::USER_ARG | B::SEND | B::SEND_SND | B::SEND_RCV,
        ),
        Direction::SReplyPort => (
            ArgRole::ReplyPort,
            B::SERVER_ARG | B::SEND | B::SEND_SND | B::SEND_RCV,
        ),
        Direction::WaitTime => (ArgRole::WaitTime, B::USER_ARG),
        Direction::SendTime => (ArgRole::SendTime, B::USER_ARG),
        Direction::MsgOption => (ArgRole::MsgOption, B::USER_ARG),
        Direction::SecToken => (ArgRole::SecToken, token | user_token),
        Direction::ServerSecToken => (ArgRole::SecToken, token),
        Direction::UserSecToken => (ArgRole::SecToken, user_token),
        Direction::AuditToken => (ArgRole::AuditToken, token | user_token),
        Direction::ServerAuditToken => (ArgRole::AuditToken, token),
        Direction::UserAuditToken => (ArgRole::AuditToken, user_token),
        Direction::ServerContextToken => (ArgRole::ContextToken, token),
        Direction::MsgSeqno => (ArgRole::MsgSeqno, token),
        Direction::ServerImpl => (ArgRole::Implicit, token),
        Direction::UserImpl => (ArgRole::Implicit, user_token),
    }
}

impl Routine {
    /// Builds a routine from its declaration: `args` are the declared arguments with their
    /// resolved types, `number` its slot.
    ///
    /// # Errors
    /// What migcom refuses: no request port, a bad request/reply port, out arguments in a
    /// simpleroutine, inline variable arrays declared inout, trailer arguments of the wrong
    /// type.
    pub fn build(
        kind: RoutineKind,
        name: &str,
        number: u32,
        args: Vec<(ArgDecl, Rc<IpcType>)>,
        settings: &Settings,
        location: &Location,
    ) -> Result<Routine, crate::Error> {
        let one_way = kind == RoutineKind::SimpleRoutine;
        let int = Rc::new(IpcType::int32());
        let mut ndr_type = IpcType::basic(0, 0, 64);
        ndr_type.name = Some("NDR_record_t".into());
        let mut list = vec![
            Arg::hidden(
                "NDR_record".into(),
                ArgRole::Ndr,
                Rc::new(ndr_type),
                Bits::empty(),
                location,
            ),
            Arg::hidden(
                "RetCode".into(),
                ArgRole::RetCode,
                Rc::clone(&int),
                Bits::REPLY | Bits::RETURN_BODY,
                location,
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        let mut request_port = None;
        let mut reply_port = None;
        let mut wait_arg: Option<(ArgRole, String)> = None;
        let mut msg_option_arg = None;
        let mut total_bytes = 0;
        for (decl, ty) in args {
            if !seen.insert(decl.name.clone()) {
                return Err(sem(
                    &decl.location,
                    SemanticError::DuplicateArgument(decl.name.clone()),
                ));
            }
            total_bytes += wire_bytes(&ty);
            if total_bytes > MAX_MESSAGE_BYTES {
                return Err(sem(&decl.location, SemanticError::TooLarge));
            }
            let (mut role, bits) = direction_bits(decl.direction);
            let mut bits = bits;
            if decl.direction == Direction::None && request_port.is_none() {
                role = ArgRole::RequestPort;
                bits = direction_bits(Direction::RequestPort).1;
            }
            let index = list.len();
            match role {
                ArgRole::RequestPort => request_port = Some(index),
                ArgRole::ReplyPort => reply_port = Some(index),
                // A sendtime after a waittime is not used.
                ArgRole::SendTime if matches!(wait_arg, Some((ArgRole::WaitTime, _))) => {}
                ArgRole::WaitTime | ArgRole::SendTime => {
                    wait_arg = Some((role, decl.name.clone()));
                }
                ArgRole::MsgOption => msg_option_arg = Some(decl.name.clone()),
                _ => {}
            }
            let mut arg = Arg {
                name: decl.name.clone(),
                role,
                bits,
                ty: Rc::clone(&ty),
                flags: decl.flags.clone(),
                deallocate: Deallocate::No,
                parent: None,
                count: None,
                poly: None,
                dealloc: None,
                count_in_out: None,
                location: decl.location.clone(),
                declared: true,
            };
            process_flags(&mut arg, kind, settings)?;
            augment_kind(&mut arg)?;
            list.push(arg);
            add_companions(&mut list, index, settings, &int);
        }
        let Some(request_port) = request_port else {
            return Err(sem(
                location,
                SemanticError::NoRequestPort(name.to_string()),
            ));
        };
        // The reply port the stub supplies when none is declared: none at all for a
        // simpleroutine, a send-once right made from the thread's reply port otherwise.
        let reply_port_declared = reply_port.is_some();
        let reply_port = match reply_port {
            Some(r) => r,
            None => {
                let ty = if one_way {
                    IpcType::basic(0, 0, 32)
                } else {
                    IpcType::basic(21, 18, 32)
                };
                let at = request_port + 1;
                let mut arg = Arg::hidden(
                    "dummy ReplyPort arg".into(),
                    ArgRole::ReplyPort,
                    Rc::new(ty),
                    Bits::empty(),
                    location,
                );
                arg.bits = Bits::empty();
                insert_at(&mut list, at, arg);
                at
            }
        };
        let special_reply_port = settings.special_reply_port
            && !one_way
            && !(reply_port_declared && list[reply_port].bits.intersects(Bits::USER_ARG));
        if settings.special_reply_port && (settings.kernel_user || settings.kernel_server) {
            return Err(sem(location, SemanticError::SpecialReplyPortInKernel));
        }
        check_port(&list[request_port], "request", false, location)?;
        if reply_port_declared {
            check_port(&list[reply_port], "reply", true, location)?;
        }
        for a in &list {
            // migcom checks the wait time and message option arguments; its trailer-token
            // checks and its refusal of implicit data in kernel subsystems never run (they
            // test a count not yet computed), so those pass, as there.
            if matches!(
                a.role,
                ArgRole::WaitTime | ArgRole::SendTime | ArgRole::MsgOption
            ) && a.declared
            {
                check_int(a)?;
            }
        }
        // Reported at the first argument that would come back (a hidden one has its
        // argument's location).
        if one_way
            && let Some(out) = list
                .iter()
                .find(|a| a.bits.intersects(Bits::RETURN) && a.role != ArgRole::RetCode)
        {
            return Err(sem(
                &out.location,
                SemanticError::OutInSimpleRoutine(name.to_string()),
            ));
        }
        let simple_request = !list
            .iter()
            .any(|a| a.bits.intersects(Bits::REQUEST) && a.ty.is_kpd());
        let simple_reply = !list
            .iter()
            .any(|a| a.bits.intersects(Bits::REPLY) && a.ty.is_kpd());
        apply_same_count(&mut list);
        // A complex reply carries no return code: success is implied.
        if !one_way && !simple_reply {
            list[1].bits.remove(Bits::REPLY);
            list[1].bits.insert(Bits::VAR_NEEDED);
        }
        process_ndr(&mut list, one_way);
        let timeout = match (wait_arg, &settings.wait_time, &settings.send_time) {
            (Some((ArgRole::WaitTime, n)), _, _) => Some(Timeout::Wait(TimeoutSource::Argument(n))),
            (Some((_, n)), _, _) => Some(Timeout::Send(TimeoutSource::Argument(n))),
            (None, Some(w), _) => Some(Timeout::Wait(TimeoutSource::Expression(w.clone()))),
            (None, None, Some(s)) => Some(Timeout::Send(TimeoutSource::Expression(s.clone()))),
            (None, None, None) => None,
        };
        let trailer = |bit: Bits| {
            let mut elements = 0;
            for a in list.iter().filter(|a| a.bits.intersects(bit)) {
                let e = match a.role {
                    ArgRole::MsgSeqno => MACH_RCV_TRAILER_SEQNO,
                    ArgRole::SecToken => MACH_RCV_TRAILER_SENDER,
                    ArgRole::AuditToken => MACH_RCV_TRAILER_AUDIT,
                    ArgRole::ContextToken => MACH_RCV_TRAILER_CTX,
                    _ => 0,
                };
                elements = elements.max(e);
            }
            elements
        };
        // The client asks only for tokens (migcom's rtProcessMsgOption ignores seqno).
        let user_trailer_elements = match trailer(Bits::USER_IMPLICIT) {
            MACH_RCV_TRAILER_SEQNO => 0,
            e => e,
        };
        let server_trailer_elements = trailer(Bits::SERVER_IMPLICIT);
        Ok(Routine {
            kind,
            name: name.to_string(),
            number,
            request_port,
            reply_port,
            reply_port_declared,
            simple_request,
            simple_reply,
            timeout,
            msg_option_arg,
            msg_option: settings.msg_option.clone(),
            user_trailer_elements,
            server_trailer_elements,
            special_reply_port,
            consume_on_send_error: settings.consume_on_send_error,
            location: location.clone(),
            args: list,
        })
    }

    /// A simpleroutine (no reply).
    pub fn is_one_way(&self) -> bool {
        self.kind == RoutineKind::SimpleRoutine
    }
}

/// Inserts `arg` at `at`, renumbering the links of the arguments after it.
fn insert_at(list: &mut Vec<Arg>, at: usize, arg: Arg) {
    let bump = |x: &mut Option<usize>| {
        if let Some(i) = x
            && *i >= at
        {
            *i += 1;
        }
    };
    for a in list.iter_mut() {
        bump(&mut a.parent);
        bump(&mut a.count);
        bump(&mut a.poly);
        bump(&mut a.dealloc);
        bump(&mut a.count_in_out);
    }
    list.insert(at, arg);
}

fn process_flags(
    arg: &mut Arg,
    kind: RoutineKind,
    settings: &Settings,
) -> Result<(), crate::Error> {
    let it = Rc::clone(&arg.ty);
    let mut flags = arg.flags.clone();
    let has = |flags: &Vec<Flag>, f| flags.contains(&f);
    let drop = |flags: &mut Vec<Flag>, f| flags.retain(|&x| x != f);
    // Dealloc
    if has(&flags, Flag::MaybeDealloc) {
        drop(&mut flags, Flag::Dealloc);
        drop(&mut flags, Flag::NotDealloc);
    }
    if has(&flags, Flag::Dealloc) && has(&flags, Flag::NotDealloc) {
        drop(&mut flags, Flag::Dealloc);
        drop(&mut flags, Flag::NotDealloc);
    }
    let kernel_side = (settings.kernel_server && arg.bits.intersects(Bits::RETURN))
        || (settings.kernel_user && arg.bits.intersects(Bits::SEND));
    if kernel_side && has(&flags, Flag::Dealloc) {
        arg.deallocate = Deallocate::Yes;
    } else if has(&flags, Flag::MaybeDealloc) || has(&flags, Flag::Dealloc) {
        if it.inline && !it.port {
            drop(&mut flags, Flag::MaybeDealloc);
            drop(&mut flags, Flag::Dealloc);
        } else {
            arg.deallocate = if has(&flags, Flag::MaybeDealloc) {
                Deallocate::Maybe
            } else {
                Deallocate::Yes
            };
        }
    }
    // CountInOut: only for inline variable out arrays.
    if has(&flags, Flag::CountInOut)
        && (!arg.bits.intersects(Bits::REPLY) || !it.var_array || !it.inline)
    {
        drop(&mut flags, Flag::CountInOut);
    }
    if has(&flags, Flag::SameCount) && !it.var_array {
        drop(&mut flags, Flag::SameCount);
    }
    if has(&flags, Flag::PhysicalCopy) && (it.inline || it.port) {
        drop(&mut flags, Flag::PhysicalCopy);
    }
    if has(&flags, Flag::RetCode) {
        if !it.inline || !it.is_struct || it.size_bits != 32 || it.number != 1 {
            drop(&mut flags, Flag::RetCode);
        } else if kind != RoutineKind::SimpleRoutine {
            return Err(sem(
                &arg.location,
                SemanticError::RetCodeInRoutine(arg.name.clone()),
            ));
        }
    }
    if has(&flags, Flag::Overwrite)
        && (it.inline
            || it.mig_inline
            || !arg.bits.intersects(Bits::RETURN)
            || arg.bits.intersects(Bits::SEND))
    {
        drop(&mut flags, Flag::Overwrite);
    }
    arg.flags = flags;
    Ok(())
}

fn augment_kind(arg: &mut Arg) -> Result<(), crate::Error> {
    let it = Rc::clone(&arg.ty);
    if it.is_variable_inline() {
        if arg.bits.contains(Bits::REQUEST | Bits::REPLY) {
            return Err(sem(
                &arg.location,
                SemanticError::VariableInOut(arg.name.clone()),
            ));
        }
        arg.bits.insert(Bits::VARIABLE);
    }
    if it
        .native
        .as_ref()
        .is_some_and(|n| n.pointer && n.bad_value.is_some())
    {
        arg.bits.insert(Bits::VARIABLE);
    }
    let b = arg.bits;
    if (it.out_trans.is_some() && b.intersects(Bits::RETURN_SND))
        || (it.in_trans.is_some() && b.contains(Bits::SEND_RCV | Bits::RETURN_SND))
        || (it.destructor.is_some()
            && b.intersects(Bits::SEND_RCV)
            && !b.intersects(Bits::RETURN_SND)
            && it.in_trans.is_some())
        || it.is_multiple_kpd()
    {
        arg.bits.remove(Bits::REPLY_COPY);
        arg.bits.insert(Bits::VAR_NEEDED);
    }
    Ok(())
}

/// Adds the hidden arguments that follow `list[index]`, in migcom's order: poly, count-in-out,
/// count, dealloc (each is inserted right after the argument, the later ones first).
fn add_companions(list: &mut Vec<Arg>, index: usize, settings: &Settings, int: &Rc<IpcType>) {
    let it = Rc::clone(&list[index].ty);
    let kind = list[index].bits;
    let name = list[index].name.clone();
    let location = list[index].location.clone();
    let mut after: Vec<Arg> = Vec::new();
    let is_poly =
        it.in_name == MACH_MSG_TYPE_POLYMORPHIC || it.out_name == MACH_MSG_TYPE_POLYMORPHIC;
    if is_poly {
        let (mut send, mut ret) = (Bits::SEND, Bits::RETURN);
        if it.in_name == MACH_MSG_TYPE_POLYMORPHIC {
            send |= Bits::USER_ARG | Bits::SEND_SND;
            if !settings.kernel_server {
                ret |= Bits::SERVER_ARG | Bits::RETURN_SND;
            }
        }
        if it.out_name == MACH_MSG_TYPE_POLYMORPHIC {
            send |= Bits::SERVER_ARG | Bits::SEND_RCV;
            ret |= Bits::USER_ARG | Bits::RETURN_RCV;
            if settings.kernel_server {
                ret |= Bits::SERVER_ARG | Bits::RETURN_SND;
            }
        }
        let mut bits = Bits::empty();
        if kind.intersects(Bits::SEND) {
            bits |= kind & send;
        }
        if kind.intersects(Bits::RETURN) {
            bits |= kind & ret;
        }
        after.push(Arg::hidden(
            format!("{name}Poly"),
            ArgRole::Poly,
            Rc::clone(int),
            bits,
            &location,
        ));
    }
    if list[index].has(Flag::CountInOut) {
        after.push(Arg::hidden(
            format!("{name}Cnt"),
            ArgRole::CountInOut,
            Rc::clone(int),
            Bits::REQUEST | Bits::SEND_BITS,
            &location,
        ));
    }
    if it.var_array || (it.is_multiple_kpd() && it.element_type().var_array) {
        let mut bits;
        if it.string {
            bits = if kind.intersects(Bits::SEND) {
                Bits::SEND_RCV
            } else {
                Bits::RETURN_RCV
            };
        } else {
            bits = Bits::USER_ARG | Bits::SERVER_ARG | Bits::from_bits_retain(kind.bits() & !0x3f);
            bits &= !(Bits::VARIABLE | Bits::VAR_NEEDED);
            if it.is_variable_inline() {
                bits &= !(Bits::REQUEST | Bits::REPLY);
            }
        }
        after.push(Arg::hidden(
            format!("{name}Cnt"),
            ArgRole::Count,
            Rc::clone(int),
            bits,
            &location,
        ));
    }
    if list[index].deallocate == Deallocate::Maybe {
        let mut bits = Bits::empty();
        if kind.intersects(Bits::SEND) {
            bits |= kind & (Bits::USER_ARG | Bits::SEND | Bits::SEND_SND);
        }
        if kind.intersects(Bits::RETURN) {
            bits |= kind & (Bits::SERVER_ARG | Bits::RETURN | Bits::RETURN_SND);
        }
        let mut dealloc_type = IpcType::basic(0, 0, 32);
        dealloc_type.name = Some("boolean_t".into());
        after.push(Arg::hidden(
            format!("{name}Dealloc"),
            ArgRole::Dealloc,
            Rc::new(dealloc_type),
            bits,
            &location,
        ));
    }
    // Descriptors: body bits become descriptor bits.
    if it.is_kpd() {
        let a = &mut list[index];
        if a.bits.intersects(Bits::SEND_BODY) {
            a.bits.remove(Bits::SEND_BODY);
            a.bits.insert(Bits::SEND_KPD);
        }
        if a.bits.intersects(Bits::RETURN_BODY) {
            a.bits.remove(Bits::RETURN_BODY);
            a.bits.insert(Bits::RETURN_KPD);
        }
    }
    for (offset, mut a) in after.into_iter().enumerate() {
        let at = index + 1 + offset;
        a.parent = Some(index);
        let role = a.role;
        insert_at(list, at, a);
        match role {
            ArgRole::Poly => list[index].poly = Some(at),
            ArgRole::CountInOut => list[index].count_in_out = Some(at),
            ArgRole::Count => list[index].count = Some(at),
            _ => list[index].dealloc = Some(at),
        }
    }
}

/// `SameCount`: the array's own count goes; it shares the count of the array before it.
fn apply_same_count(list: &mut [Arg]) {
    let mut previous: Option<usize> = None;
    for i in 0..list.len() {
        if list[i].parent.is_some() {
            continue;
        }
        if list[i].has(Flag::SameCount) {
            let ok = previous.is_some_and(|p| {
                list[p].ty.var_array
                    && (list[p].bits & SAME_COUNT_MASK) == (list[i].bits & SAME_COUNT_MASK)
                    && list[p].has(Flag::CountInOut) == list[i].has(Flag::CountInOut)
            });
            if ok && let Some(c) = list[i].count {
                list[c].role = ArgRole::SameCount;
                list[c].bits = Bits::empty();
            } else {
                list[i].flags.retain(|&f| f != Flag::SameCount);
            }
        }
        if list[i].declared {
            previous = Some(i);
        }
    }
}

/// The bits two `SameCount` arrays must share (migcom also compares the argument-kind number
/// in the low six bits, which these sets never hold).
const SAME_COUNT_MASK: Bits = Bits::SEND
    .union(Bits::RETURN)
    .union(Bits::REQUEST)
    .union(Bits::REPLY)
    .union(Bits::USER_ARG)
    .union(Bits::SERVER_ARG);

/// Whether the NDR record is in the request and in the reply.
fn process_ndr(list: &mut [Arg], one_way: bool) {
    let send = Bits::REQUEST | Bits::SEND | Bits::SEND_SND | Bits::SEND_BODY;
    let rcv = Bits::REPLY | Bits::REPLY_INIT | Bits::RETURN | Bits::RETURN_BODY;
    list[0].bits.insert(send | rcv);
    let data_or_count = |a: &Arg| {
        !a.ty.port && (a.parent.is_none() || matches!(a.role, ArgRole::Count | ArgRole::CountInOut))
    };
    let mut found = false;
    for a in list.iter_mut().skip(1) {
        if a.bits.intersects(Bits::SEND_RCV | Bits::SEND_BODY)
            && !a.bits.intersects(Bits::SERVER_IMPLICIT)
            && data_or_count(a)
        {
            a.bits.insert(Bits::SEND_NDR);
            found = true;
        }
    }
    if !found {
        list[0].bits.remove(send);
    }
    let mut found = false;
    if !one_way {
        for a in list.iter_mut().skip(1) {
            let hit = if a.role == ArgRole::RetCode {
                a.bits.intersects(Bits::REPLY)
            } else {
                a.bits.intersects(Bits::RETURN_RCV | Bits::RETURN_BODY)
                    && !a.bits.intersects(Bits::USER_IMPLICIT)
                    && data_or_count(a)
            };
            if hit {
                a.bits.insert(Bits::RETURN_NDR);
                found = true;
            }
        }
    }
    if !found && !list[1].bits.intersects(Bits::REPLY) {
        list[0].bits.remove(rcv);
    }
}

fn check_port(
    arg: &Arg,
    which: &'static str,
    zero_ok: bool,
    at: &Location,
) -> Result<(), crate::Error> {
    let it = &arg.ty;
    let ok_name = matches!(it.out_name, 17 | 18)
        || it.out_name == MACH_MSG_TYPE_POLYMORPHIC
        || (zero_ok && it.out_name == 0);
    if !ok_name
        || it.number != 1
        || it.size_bits != 32
        || !it.inline
        || !it.is_struct
        || it.var_array
    {
        let location = if arg.declared { &arg.location } else { at };
        return Err(sem(
            location,
            SemanticError::BadPort(arg.name.clone(), which),
        ));
    }
    Ok(())
}

fn check_int(arg: &Arg) -> Result<(), crate::Error> {
    let it = &arg.ty;
    if it.in_name != 2
        || it.out_name != 2
        || it.number != 1
        || it.size_bits != 32
        || !it.inline
        || !it.is_struct
        || it.var_array
    {
        return Err(sem(
            &arg.location,
            SemanticError::NotAnInteger(arg.name.clone()),
        ));
    }
    Ok(())
}
