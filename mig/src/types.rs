//! MIG types: what a type declaration means on the wire.
//!
//! Each declaration is resolved, in source order, into an [`IpcType`] with migcom's
//! properties (bootstrap_cmds `type.c`): element size and count, in line or out of line,
//! port or data, fixed or variable, and the descriptors it needs. Sizes follow migcom's
//! rules: data is rounded up to 4 bytes with a pad, a port or out-of-line item is one
//! descriptor, an unbounded array travels out of line but looks in line to the caller.

use std::collections::HashMap;
use std::rc::Rc;

use crate::Location;
use crate::ast::{ArrayBound, NativeType, Symbolic, TypeClause, TypeDecl, TypeSpec};
use crate::lexer::{MACH_MSG_TYPE_POLYMORPHIC, MACH_MSG_TYPE_STRING_C};

/// Why a parsed `.defs` cannot be laid out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SemanticError {
    /// A type name used before any declaration.
    #[error("type `{0}` not defined")]
    UndefinedType(String),
    /// A type number written without a `MACH_MSG_TYPE_*` name has no size.
    #[error("must use full IPC type decl (a bare type number has no size)")]
    NoSize,
    /// `A | B` with two different sizes.
    #[error("sizes in IPC types ({0}, {1}) aren't equal")]
    SizeMismatch(u32, u32),
    /// An array of variable arrays, a struct of out-of-line data and the like.
    #[error("IPC type decl is too complicated")]
    TooComplicated,
    /// `^` applied to what is already out of line.
    #[error("IPC type decl is already defined to be out-of-line")]
    AlreadyOutOfLine,
    /// A size that does not fit the message: one type's, or a routine's arguments' together.
    #[error("type is too large")]
    TooLarge,
    /// A variable-sized array with a translation or destructor.
    #[error("{0}: can't translate or destroy variable-sized arrays")]
    VariableTranslation(String),
    /// A routine without a request port.
    #[error("{0} doesn't have a server port argument")]
    NoRequestPort(String),
    /// The request or reply port is not a single port right.
    #[error("argument {0} isn't a proper {1} port")]
    BadPort(String, &'static str),
    /// A wait time, message option or sequence number that is not a 32-bit integer.
    #[error("argument {0} isn't a proper integer")]
    NotAnInteger(String),
    /// A simpleroutine with an argument that would come back in a reply.
    #[error("simpleroutine {0} has an out argument")]
    OutInSimpleRoutine(String),
    /// An inline variable-sized array cannot be both in and out.
    #[error("{0}: inline variable-sized arguments can't be inout")]
    VariableInOut(String),
    /// `RetCode` on an argument of a routine (only simpleroutines take it).
    #[error("{0}: RetCode is allowed only for simpleroutines")]
    RetCodeInRoutine(String),
    /// A routine or skip before any `subsystem` statement.
    #[error("no subsystem declared before the first routine")]
    NoSubsystem,
    /// More message ids than fit after the subsystem base.
    #[error("too many routines: message ids overflow")]
    TooManyRoutines,
    /// Two routines with one name.
    #[error("routine {0} is declared twice")]
    DuplicateRoutine(String),
    /// Two arguments of one routine with one name.
    #[error("argument {0} is declared twice")]
    DuplicateArgument(String),
    /// `UseSpecialReplyPort` in a KernelUser or KernelServer subsystem.
    #[error("UseSpecialReplyPort cannot be used with KernelUser or KernelServer")]
    SpecialReplyPortInKernel,
}

/// The largest inline size a message may declare (bits in a `u32` byte count).
pub(crate) const MAX_BYTES: u64 = 1 << 28;

/// A resolved MIG type (migcom's `ipc_type_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpcType {
    /// The declared name (`None` for an anonymous part of a declaration).
    pub name: Option<String>,
    /// Type number on the sending side (`MACH_MSG_TYPE_*`; a disposition for ports).
    pub in_name: u32,
    /// Type number on the receiving side.
    pub out_name: u32,
    /// Size of one element in bits.
    pub size_bits: u32,
    /// Elements (the maximum for a bounded array; 0 for unbounded).
    pub number: u32,
    /// Descriptors the type takes (ports and out-of-line data; 0 for plain data).
    pub kpd_number: u32,
    /// Carried in the message body rather than out of line.
    pub inline: bool,
    /// Out of line on the wire, but presented to the caller like in-line data (`array[]`).
    pub mig_inline: bool,
    /// A port right (or ports).
    pub port: bool,
    /// A C struct (as opposed to an array) at the C level.
    pub is_struct: bool,
    /// A `c_string`.
    pub string: bool,
    /// A variable-sized array.
    pub var_array: bool,
    /// A native C type copied as bytes.
    pub native: Option<NativeType>,
    /// The element type of an array, struct or string.
    pub element: Option<Rc<IpcType>>,
    /// The bound of a variable array of descriptors.
    pub ool_number: u32,
    /// C type for the user side.
    pub user_type: Option<String>,
    /// C type for the server side.
    pub server_type: Option<String>,
    /// The type the server routine sees after translation.
    pub trans_type: Option<String>,
    /// `intran` function.
    pub in_trans: Option<String>,
    /// `outtran` function.
    pub out_trans: Option<String>,
    /// `destructor` function.
    pub destructor: Option<String>,
}

impl IpcType {
    fn new() -> IpcType {
        IpcType {
            name: None,
            in_name: 0,
            out_name: 0,
            size_bits: 0,
            number: 1,
            kpd_number: 0,
            inline: true,
            mig_inline: false,
            port: false,
            is_struct: true,
            string: false,
            var_array: false,
            native: None,
            element: None,
            ool_number: 0,
            user_type: None,
            server_type: None,
            trans_type: None,
            in_trans: None,
            out_trans: None,
            destructor: None,
        }
    }

    /// A basic type from its `MACH_MSG_TYPE_*` names.
    pub(crate) fn basic(in_name: u32, out_name: u32, bits: u32) -> IpcType {
        let mut it = IpcType::new();
        it.in_name = in_name;
        it.out_name = out_name;
        it.size_bits = bits;
        if in_name == MACH_MSG_TYPE_STRING_C {
            it.is_struct = false;
            it.string = true;
        }
        if is_port_name(in_name) || in_name == MACH_MSG_TYPE_POLYMORPHIC {
            it.port = true;
            it.kpd_number = 1;
        }
        it
    }

    /// A 32-bit integer (counts, poly dispositions, dealloc flags, return codes).
    pub(crate) fn int32() -> IpcType {
        IpcType::basic(2, 2, 32)
    }

    /// A copy of `self` as the element of a new type: name and C information dropped.
    fn derived(self: &Rc<Self>) -> IpcType {
        let mut it = IpcType::clone(self);
        it.name = None;
        it.element = Some(Rc::clone(self));
        it.reset_c();
        it
    }

    fn reset_c(&mut self) {
        self.user_type = None;
        self.server_type = None;
        self.trans_type = None;
        self.in_trans = None;
        self.out_trans = None;
        self.destructor = None;
    }

    /// Port rights or out-of-line data: carried in descriptors ("kernel processed data").
    pub fn is_kpd(&self) -> bool {
        !self.inline || self.port
    }

    /// More than one descriptor (an array of ports or of out-of-line regions).
    pub fn is_multiple_kpd(&self) -> bool {
        self.kpd_number > 1
    }

    /// A variable-sized array of plain data carried in line.
    pub fn is_variable_inline(&self) -> bool {
        self.var_array && self.inline && !self.port
    }

    /// Bytes of the data (`itTypeSize`); for descriptors, 12 per descriptor as migcom
    /// counts them (the message struct uses the descriptor's real size).
    pub fn type_size(&self) -> u64 {
        if self.is_kpd() {
            12 * u64::from(self.kpd_number.max(1))
        } else {
            (u64::from(self.number) * u64::from(self.size_bits)).div_ceil(8)
        }
    }

    /// Padding that rounds the data up to 4 bytes.
    pub fn pad_size(&self) -> u64 {
        if self.is_kpd() {
            0
        } else {
            (4 - self.type_size() % 4) % 4
        }
    }

    /// The descriptor the type travels in, if any.
    pub fn descriptor(&self) -> Option<DescriptorKind> {
        if !self.is_kpd() {
            None
        } else if self.inline {
            Some(DescriptorKind::Port)
        } else if self.port {
            Some(DescriptorKind::OolPorts)
        } else {
            Some(DescriptorKind::Ool)
        }
    }

    /// The element type (the type itself if it has none).
    pub fn element_type(&self) -> &IpcType {
        self.element.as_deref().unwrap_or(self)
    }
}

/// Drops a chain of element types one link at a time: every `type t = t;` or `array … of t`
/// adds a link, and the default recursive drop of a long chain (tens of thousands of
/// declarations) would overflow the stack.
impl Drop for IpcType {
    fn drop(&mut self) {
        let mut next = self.element.take();
        while let Some(rc) = next {
            next = match Rc::try_unwrap(rc) {
                Ok(mut it) => it.element.take(),
                Err(_) => None,
            };
        }
    }
}

/// The kinds of descriptor a message may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptorKind {
    /// `mach_msg_port_descriptor_t`, 12 bytes.
    Port,
    /// `mach_msg_ool_descriptor_t`, 16 bytes.
    Ool,
    /// `mach_msg_ool_ports_descriptor_t`, 16 bytes.
    OolPorts,
}

impl DescriptorKind {
    /// Its size in a 64-bit message.
    pub fn size(self) -> u64 {
        match self {
            DescriptorKind::Port => 12,
            DescriptorKind::Ool | DescriptorKind::OolPorts => 16,
        }
    }

    /// The `MACH_MSG_*_DESCRIPTOR` type number.
    pub fn type_number(self) -> u8 {
        match self {
            DescriptorKind::Port => 0,
            DescriptorKind::Ool => 1,
            DescriptorKind::OolPorts => 2,
        }
    }
}

/// Whether `n` names a port right type (`MACH_MSG_TYPE_PORT_ANY`: 16..=21).
pub(crate) fn is_port_name(n: u32) -> bool {
    (16..=21).contains(&n)
}

/// The declared types, by name (a later declaration replaces an earlier one).
#[derive(Clone, Debug, Default)]
pub struct TypeTable {
    types: HashMap<String, Rc<IpcType>>,
}

fn sem(location: &Location, kind: SemanticError) -> crate::Error {
    crate::Error::Semantic {
        location: location.clone(),
        kind,
    }
}

impl TypeTable {
    /// The type declared as `name`.
    pub fn get(&self, name: &str) -> Option<&Rc<IpcType>> {
        self.types.get(name)
    }

    /// Resolves `decl` (against the types declared so far) without recording it.
    ///
    /// # Errors
    /// An undefined name, or a type migcom refuses.
    pub fn resolve(&self, decl: &TypeDecl) -> Result<Rc<IpcType>, crate::Error> {
        let mut it = self.spec(&decl.spec, &decl.location)?;
        // Whatever C information the spec's own type carried is replaced by the clauses.
        it.reset_c();
        for c in &decl.clauses {
            match c {
                TypeClause::CType(t) => {
                    it.user_type = Some(t.clone());
                    it.server_type = Some(t.clone());
                }
                TypeClause::CUserType(t) => it.user_type = Some(t.clone()),
                TypeClause::CServerType(t) => it.server_type = Some(t.clone()),
                TypeClause::InTran {
                    trans_type,
                    function,
                    server_type,
                } => {
                    it.trans_type = Some(trans_type.clone());
                    it.in_trans = Some(function.clone());
                    it.server_type = Some(server_type.clone());
                }
                TypeClause::OutTran {
                    server_type,
                    function,
                    trans_type,
                } => {
                    it.server_type = Some(server_type.clone());
                    it.out_trans = Some(function.clone());
                    it.trans_type = Some(trans_type.clone());
                }
                TypeClause::Destructor {
                    function,
                    trans_type,
                } => {
                    it.destructor = Some(function.clone());
                    it.trans_type = Some(trans_type.clone());
                }
            }
        }
        it.name = Some(decl.name.clone());
        if it.user_type.is_none() {
            it.user_type = Some(decl.name.clone());
        }
        if it.server_type.is_none() {
            it.server_type = Some(decl.name.clone());
        }
        if it.trans_type.is_none() {
            it.trans_type = it.server_type.clone();
        }
        if it.var_array
            && (it.in_trans.is_some() || it.out_trans.is_some() || it.destructor.is_some())
        {
            return Err(sem(
                &decl.location,
                SemanticError::VariableTranslation(decl.name.clone()),
            ));
        }
        Ok(Rc::new(it))
    }

    /// Resolves and records `decl`.
    ///
    /// # Errors
    /// As [`TypeTable::resolve`].
    pub fn declare(&mut self, decl: &TypeDecl) -> Result<Rc<IpcType>, crate::Error> {
        let it = self.resolve(decl)?;
        self.types.insert(decl.name.clone(), Rc::clone(&it));
        Ok(it)
    }

    fn spec(&self, spec: &TypeSpec, at: &Location) -> Result<IpcType, crate::Error> {
        let it = match spec {
            TypeSpec::Basic { send, receive } => basic(*send, *receive, at)?,
            TypeSpec::Named(name, loc) => match self.types.get(name) {
                Some(t) => t.derived(),
                None => return Err(sem(loc, SemanticError::UndefinedType(name.clone()))),
            },
            TypeSpec::Array(bound, elem) => {
                let old = Rc::new(self.spec(elem, at)?);
                match bound {
                    ArrayBound::Fixed(n) => array(&old, *n, at)?,
                    ArrayBound::Bounded(n) => var_array(&old, *n, at)?,
                    ArrayBound::Unbounded => var_array(&old, 0, at)?,
                }
            }
            TypeSpec::Pointer(inner) => {
                let mut it = self.spec(inner, at)?;
                if !it.inline && !it.mig_inline {
                    return Err(sem(at, SemanticError::AlreadyOutOfLine));
                }
                it.inline = false;
                it.is_struct = true;
                it.string = false;
                it.mig_inline = false;
                it.kpd_number = 1;
                it
            }
            TypeSpec::Struct(n, elem) => {
                let old = Rc::new(self.spec(elem, at)?);
                let mut it = old.derived();
                if !it.inline || it.var_array {
                    return Err(sem(at, SemanticError::TooComplicated));
                }
                it.number = checked_mul(it.number, *n, at)?;
                it.is_struct = true;
                it.string = false;
                it
            }
            TypeSpec::CString { max, varying } => {
                let mut element = IpcType::basic(MACH_MSG_TYPE_STRING_C, MACH_MSG_TYPE_STRING_C, 8);
                element.name = Some("char".into());
                element.user_type = Some("char".into());
                element.server_type = Some("char".into());
                element.trans_type = Some("char".into());
                let element = Rc::new(element);
                let mut it = element.derived();
                it.number = *max;
                it.var_array = *varying;
                it.is_struct = false;
                it.string = true;
                it
            }
            TypeSpec::Native(n) => {
                let mut it = IpcType::basic(9, 9, 0);
                it.native = Some(n.clone());
                it
            }
        };
        if it.type_size() + it.pad_size() > MAX_BYTES {
            return Err(sem(at, SemanticError::TooLarge));
        }
        Ok(it)
    }
}

fn checked_mul(a: u32, b: u32, at: &Location) -> Result<u32, crate::Error> {
    a.checked_mul(b)
        .filter(|&n| u64::from(n) <= MAX_BYTES)
        .ok_or_else(|| sem(at, SemanticError::TooLarge))
}

fn basic(
    send: Symbolic,
    receive: Option<Symbolic>,
    at: &Location,
) -> Result<IpcType, crate::Error> {
    let (out_name, bits) = match receive {
        None => (send.out_name, send.bits),
        Some(r) => {
            let bits = match (send.bits, r.bits) {
                (a, b) if a == b => a,
                (0, b) => b,
                (a, 0) => a,
                (a, b) => return Err(sem(at, SemanticError::SizeMismatch(a, b))),
            };
            (r.out_name, bits)
        }
    };
    if bits == 0 {
        return Err(sem(at, SemanticError::NoSize));
    }
    Ok(IpcType::basic(send.in_name, out_name, bits))
}

/// `array[n] of old`.
fn array(old: &Rc<IpcType>, n: u32, at: &Location) -> Result<IpcType, crate::Error> {
    let mut it = old.derived();
    if !it.inline {
        if it.kpd_number != 1 {
            return Err(sem(at, SemanticError::TooComplicated));
        }
        it.kpd_number = checked_mul(it.kpd_number, n, at)?;
        it.number = 1;
        it.is_struct = false;
        it.string = false;
        it.var_array = false;
    } else if it.var_array {
        return Err(sem(at, SemanticError::TooComplicated));
    } else {
        it.number = checked_mul(it.number, n, at)?;
        it.is_struct = false;
        it.string = false;
        if it.port {
            it.kpd_number = checked_mul(it.kpd_number, n, at)?;
        }
    }
    Ok(it)
}

/// `array[*:n] of old` (`n` = 0: `array[]`).
fn var_array(old: &Rc<IpcType>, n: u32, at: &Location) -> Result<IpcType, crate::Error> {
    let mut it = old.derived();
    if !it.inline {
        // Already out-of-line data: a bounded array of descriptors.
        if it.kpd_number != 1 || n == 0 {
            return Err(sem(at, SemanticError::TooComplicated));
        }
        it.kpd_number = checked_mul(it.kpd_number, n, at)?;
        it.number = 1;
        it.inline = false;
        it.is_struct = false;
        it.ool_number = n;
    } else if it.var_array {
        return Err(sem(at, SemanticError::TooComplicated));
    } else if n != 0 {
        it.number = checked_mul(it.number, n, at)?;
        it.inline = true;
        it.is_struct = false;
        if it.port {
            it.kpd_number = checked_mul(it.kpd_number, n, at)?;
        }
        it.ool_number = n;
    } else {
        it.number = 0;
        it.mig_inline = true;
        it.inline = false;
        it.is_struct = true;
        it.kpd_number = 1;
        it.ool_number = 0;
    }
    it.var_array = true;
    it.string = false;
    Ok(it)
}
