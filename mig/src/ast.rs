//! The syntax tree of a `.defs` file, as written (before types are resolved).

use crate::Location;
pub use crate::lexer::{Flag, Symbolic};

/// A whole `.defs` file: its statements in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Defs {
    /// The statements, in source order.
    pub statements: Vec<Statement>,
}

/// One statement, with where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// What the statement says.
    pub kind: StatementKind,
    /// Where it starts.
    pub location: Location,
}

/// Which `import` statement brought a file in (which generated headers include it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// `import`: user and server headers.
    Import,
    /// `uimport`: the user header.
    UImport,
    /// `simport`: the server header.
    SImport,
    /// `dimport`: both headers (the "definitions" import).
    DImport,
    /// `iimport`: accepted, emits nothing.
    IImport,
}

/// `ConsumeOnSendError`'s setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConsumeOnSendError {
    /// `None`: the sender keeps its rights and memory when a send fails (the default).
    #[default]
    None,
    /// `Timeout`: they are destroyed when the send times out.
    Timeout,
    /// `Any`: they are destroyed whatever the send error.
    Any,
}

/// What a statement says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// `subsystem [KernelUser] [KernelServer] name base;`
    Subsystem {
        /// The subsystem's name.
        name: String,
        /// The first message id.
        base: u32,
        /// `KernelUser`: the client runs in the kernel.
        kernel_user: bool,
        /// `KernelServer`: the server runs in the kernel.
        kernel_server: bool,
    },
    /// `routine` or `simpleroutine`.
    Routine(RoutineDecl),
    /// `skip;`: one message id left unused.
    Skip,
    /// `type name = spec …;`
    Type(TypeDecl),
    /// `import`, `uimport`, `simport`, `dimport`, `iimport`: a file for the generated headers
    /// (with its delimiters, `"f.h"` or `<f.h>`).
    Import(ImportKind, String),
    /// `ServerPrefix p;`
    ServerPrefix(String),
    /// `UserPrefix p;`
    UserPrefix(String),
    /// `serverdemux name;`
    ServerDemux(String),
    /// `waittime t;` (`Some`) or `nowaittime;` (`None`).
    WaitTime(Option<String>),
    /// `sendtime t;` (`Some`) or `nosendtime;` (`None`).
    SendTime(Option<String>),
    /// `msgoption X;` (`None` for `MACH_MSG_OPTION_NONE`, which cancels it).
    MsgOption(Option<String>),
    /// `UseSpecialReplyPort n;`
    UseSpecialReplyPort(bool),
    /// `ConsumeOnSendError None|Timeout|Any;`
    ConsumeOnSendError(ConsumeOnSendError),
    /// `UserTypeLimit n;`
    UserTypeLimit(u32),
    /// `OnStackLimit n;`
    OnStackLimit(u32),
    /// `error proc;`: the function generated stubs call on errors.
    ErrorProc(String),
    /// `rcsid "…";` (with its quotes).
    RcsId(String),
}

/// `routine` or `simpleroutine`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutineKind {
    /// A request and a reply.
    Routine,
    /// A one-way message.
    SimpleRoutine,
}

/// A routine declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutineDecl {
    /// `routine` or `simpleroutine`.
    pub kind: RoutineKind,
    /// The routine's name.
    pub name: String,
    /// Its arguments in order.
    pub args: Vec<ArgDecl>,
}

/// How an argument travels (the word before its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Direction {
    /// No word: the first such argument is the request port, the others are `in`.
    None,
    In,
    Out,
    InOut,
    RequestPort,
    ReplyPort,
    SReplyPort,
    UReplyPort,
    WaitTime,
    SendTime,
    MsgOption,
    SecToken,
    ServerSecToken,
    UserSecToken,
    AuditToken,
    ServerAuditToken,
    UserAuditToken,
    ServerContextToken,
    MsgSeqno,
    /// `ServerImpl name : type` (a trailer declaration).
    ServerImpl,
    /// `UserImpl name : type` (a trailer declaration).
    UserImpl,
}

/// An argument's type: a declared name, or a type declared right there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `: name`
    Named(String),
    /// `: name = spec …`
    Decl(Box<TypeDecl>),
    /// `: PointerTo(…)` and its kin.
    Native(NativeType),
}

/// An argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    /// How it travels.
    pub direction: Direction,
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: ArgType,
    /// Flags after the type (`, Dealloc`, …), in order.
    pub flags: Vec<Flag>,
    /// Where the argument starts.
    pub location: Location,
}

/// `type name = spec` with its translation clauses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDecl {
    /// The new type's name.
    pub name: String,
    /// What it is.
    pub spec: TypeSpec,
    /// `ctype:`, `intran:` … in order.
    pub clauses: Vec<TypeClause>,
    /// Where the name is.
    pub location: Location,
}

/// A C-level clause of a type declaration; none changes the wire format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeClause {
    /// `ctype: T` (both sides' C type).
    CType(String),
    /// `cusertype: T`
    CUserType(String),
    /// `cservertype: T`
    CServerType(String),
    /// `intran: trans_type function(server_type)`
    InTran {
        /// The type the server's routine sees.
        trans_type: String,
        /// The translating function.
        function: String,
        /// The type in the message.
        server_type: String,
    },
    /// `outtran: server_type function(trans_type)`
    OutTran {
        /// The type in the message.
        server_type: String,
        /// The translating function.
        function: String,
        /// The type the server's routine returns.
        trans_type: String,
    },
    /// `destructor: function(trans_type)`
    Destructor {
        /// The function.
        function: String,
        /// Its argument's type.
        trans_type: String,
    },
}

/// An array's bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrayBound {
    /// `array[n]`
    Fixed(u32),
    /// `array[*:n]`
    Bounded(u32),
    /// `array[]` or `array[*]`
    Unbounded,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeSpec {
    /// `MACH_MSG_TYPE_…`, `polymorphic` or a number, optionally `in | out`.
    Basic {
        /// The sending side's type.
        send: Symbolic,
        /// The receiving side's type (`A | B`), if different.
        receive: Option<Symbolic>,
    },
    /// A type declared before.
    Named(String, Location),
    /// `array[…] of T`
    Array(ArrayBound, Box<TypeSpec>),
    /// `^ T`: out of line.
    Pointer(Box<TypeSpec>),
    /// `struct[n] of T`
    Struct(u32, Box<TypeSpec>),
    /// `c_string[n]` (`varying` false) or `c_string[*:n]`.
    CString {
        /// The most characters, NUL included.
        max: u32,
        /// Whether only the used part is sent.
        varying: bool,
    },
    /// `PointerTo(…)`, `PointerToIfNot(…, …)`, `ValueOf(…)`.
    Native(NativeType),
}

/// A native (C-only) type: data MIG copies as bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativeType {
    /// The C type phrase (`struct foo`).
    pub c_type: String,
    /// `PointerTo` / `PointerToIfNot`: passed by pointer.
    pub pointer: bool,
    /// `PointerToIfNot`'s "absent" value.
    pub bad_value: Option<String>,
}
