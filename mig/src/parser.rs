//! The `.defs` parser: preprocessed lines in, a [`Defs`] syntax tree out.
//!
//! It follows migcom's grammar (bootstrap_cmds `parser.y`) statement by statement. Unlike
//! migcom it stops at the first error, which it reports with its file, line and column.

use crate::Location;
use crate::ast::*;
use crate::lexer::{Keyword, Lexer, Mode, Token, TokenKind};

/// Why the parser refused its input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// A character that starts no token.
    #[error("unexpected character `{}`", .0.escape_default())]
    UnexpectedCharacter(char),
    /// A number that does not fit 32 bits.
    #[error("number {0} is too large")]
    NumberTooLarge(String),
    /// A quoted string or file name without its closing delimiter on the same line.
    #[error("unterminated string or file name")]
    UnterminatedString,
    /// A token that cannot start or continue what is being parsed.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What the grammar needs.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// Integer arithmetic in a size that overflows or divides by zero.
    #[error("bad arithmetic in a constant expression")]
    Arithmetic,
    /// `ConsumeOnSendError` with a value other than None, Timeout or Any.
    #[error("ConsumeOnSendError must be None, Timeout or Any, not {0}")]
    ConsumeOnSendError(String),
    /// migcom refuses the long form `(type, size)` of a type declaration.
    #[error("long form type declarations aren't allowed any longer")]
    LongFormType,
    /// `Dealloc[]` is the only flag that takes brackets.
    #[error("only Dealloc takes []")]
    BracketsOnFlag,
    /// Too deeply nested type or expression.
    #[error("nesting too deep")]
    TooDeep,
}

/// How deep type specs and expressions may nest (a bound, so hostile input cannot exhaust
/// the stack).
const MAX_DEPTH: u32 = 64;

/// Parses the preprocessor's output; errors name each token's own line and column (see
/// [`crate::cpp::Line::origins`]).
///
/// # Errors
/// The first syntax error, with its location.
pub fn parse_preprocessed(
    pp: &crate::cpp::Preprocessed,
    end: Location,
) -> Result<Defs, crate::Error> {
    parse_lines(
        pp.lines
            .iter()
            .map(|l| (l.text.as_str(), &l.location, l.origins.as_slice()))
            .collect(),
        end,
    )
}

fn parse_lines(
    lines: Vec<(&str, &Location, &[crate::cpp::Origin])>,
    end: Location,
) -> Result<Defs, crate::Error> {
    let mut p = Parser {
        lexer: Lexer::new(lines, end),
        peeked: None,
        depth: 0,
    };
    let mut statements = Vec::new();
    loop {
        let t = p.next()?;
        if t.kind == TokenKind::Eof {
            return Ok(Defs { statements });
        }
        if t.kind == TokenKind::Punct(';') {
            continue;
        }
        let location = t.location.clone();
        let kind = p.statement(t)?;
        p.expect_punct(';')?;
        statements.push(Statement { kind, location });
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    depth: u32,
}

fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Keyword(k) => format!("keyword `{}`", k.spelling()),
        TokenKind::Flag(f) => format!("flag `{}`", f.spelling()),
        TokenKind::Symbolic(s) => s.name.to_string(),
        TokenKind::Ident(s) | TokenKind::Word(s) => format!("`{s}`"),
        TokenKind::FileName(s) | TokenKind::QuotedString(s) => s.clone(),
        TokenKind::Number(n) => n.to_string(),
        TokenKind::Punct(c) => format!("`{c}`"),
        TokenKind::Eof => "end of input".to_string(),
    }
}

impl Parser<'_> {
    fn next(&mut self) -> Result<Token, crate::Error> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lexer.next(Mode::Normal),
        }
    }

    fn next_in(&mut self, mode: Mode) -> Result<Token, crate::Error> {
        match self.peeked.take() {
            // A statement keyword's operand is never peeked at; should it ever be, it is
            // read again in the right mode from where the peeked token started.
            Some(t) => Err(Self::unexpected(&t, "an operand")),
            None => self.lexer.next(mode),
        }
    }

    fn peek(&mut self) -> Result<&TokenKind, crate::Error> {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => self.lexer.next(Mode::Normal)?,
        };
        Ok(&self.peeked.insert(t).kind)
    }

    /// Nesting too deep, at the token that would have gone one level deeper (the token is
    /// peeked: the one before it may have been consumed already).
    fn too_deep(&mut self) -> crate::Error {
        crate::Error::Syntax {
            location: self.lexer_location(),
            kind: SyntaxError::TooDeep,
        }
    }

    fn unexpected(t: &Token, expected: &'static str) -> crate::Error {
        crate::Error::Syntax {
            location: t.location.clone(),
            kind: SyntaxError::Unexpected {
                expected,
                found: describe(&t.kind),
            },
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<Token, crate::Error> {
        let t = self.next()?;
        if t.kind == TokenKind::Punct(c) {
            return Ok(t);
        }
        Err(Self::unexpected(
            &t,
            match c {
                ';' => "`;`",
                ':' => "`:`",
                '(' => "`(`",
                ')' => "`)`",
                '[' => "`[`",
                ']' => "`]`",
                '=' => "`=`",
                _ => "punctuation",
            },
        ))
    }

    fn eat_punct(&mut self, c: char) -> Result<bool, crate::Error> {
        if *self.peek()? == TokenKind::Punct(c) {
            self.peeked = None;
            return Ok(true);
        }
        Ok(false)
    }

    fn ident(&mut self, what: &'static str) -> Result<String, crate::Error> {
        let t = self.next()?;
        match t.kind {
            TokenKind::Ident(s) => Ok(s),
            _ => Err(Self::unexpected(&t, what)),
        }
    }

    fn number(&mut self, what: &'static str) -> Result<u32, crate::Error> {
        let t = self.next()?;
        match t.kind {
            TokenKind::Number(n) => Ok(n),
            _ => Err(Self::unexpected(&t, what)),
        }
    }

    fn word(&mut self, what: &'static str) -> Result<String, crate::Error> {
        self.word_at(what).map(|(w, _)| w)
    }

    fn word_at(&mut self, what: &'static str) -> Result<(String, Location), crate::Error> {
        let t = self.next_in(Mode::Word)?;
        match t.kind {
            TokenKind::Word(s) => Ok((s, t.location)),
            _ => Err(Self::unexpected(&t, what)),
        }
    }

    fn statement(&mut self, first: Token) -> Result<StatementKind, crate::Error> {
        let TokenKind::Keyword(k) = first.kind else {
            return Err(Self::unexpected(&first, "a statement"));
        };
        Ok(match k {
            Keyword::Subsystem => self.subsystem()?,
            Keyword::Routine => StatementKind::Routine(self.routine(RoutineKind::Routine)?),
            Keyword::SimpleRoutine => {
                StatementKind::Routine(self.routine(RoutineKind::SimpleRoutine)?)
            }
            Keyword::Skip => StatementKind::Skip,
            Keyword::Type => StatementKind::Type(self.named_type_spec()?),
            Keyword::Import => self.import(ImportKind::Import)?,
            Keyword::UImport => self.import(ImportKind::UImport)?,
            Keyword::SImport => self.import(ImportKind::SImport)?,
            Keyword::DImport => self.import(ImportKind::DImport)?,
            Keyword::IImport => self.import(ImportKind::IImport)?,
            Keyword::ServerPrefix => StatementKind::ServerPrefix(self.ident("a prefix")?),
            Keyword::UserPrefix => StatementKind::UserPrefix(self.ident("a prefix")?),
            Keyword::ServerDemux => StatementKind::ServerDemux(self.ident("a function name")?),
            Keyword::Error => StatementKind::ErrorProc(self.ident("a function name")?),
            Keyword::WaitTime => StatementKind::WaitTime(Some(self.word("a timeout")?)),
            Keyword::NoWaitTime => StatementKind::WaitTime(None),
            Keyword::SendTime => StatementKind::SendTime(Some(self.word("a timeout")?)),
            Keyword::NoSendTime => StatementKind::SendTime(None),
            Keyword::MsgOption => {
                let w = self.word("a message option")?;
                StatementKind::MsgOption((w != "MACH_MSG_OPTION_NONE").then_some(w))
            }
            Keyword::ConsumeOnSendError => {
                let (w, at) = self.word_at("None, Timeout or Any")?;
                StatementKind::ConsumeOnSendError(match w.to_ascii_lowercase().as_str() {
                    "none" => ConsumeOnSendError::None,
                    "timeout" => ConsumeOnSendError::Timeout,
                    "any" => ConsumeOnSendError::Any,
                    _ => {
                        return Err(crate::Error::Syntax {
                            location: at,
                            kind: SyntaxError::ConsumeOnSendError(w),
                        });
                    }
                })
            }
            Keyword::UseSpecialReplyPort => {
                StatementKind::UseSpecialReplyPort(self.number("a number")? != 0)
            }
            Keyword::UserTypeLimit => StatementKind::UserTypeLimit(self.number("a number")?),
            Keyword::OnStackLimit => StatementKind::OnStackLimit(self.number("a number")?),
            Keyword::RcsId => {
                let t = self.next_in(Mode::QuotedString)?;
                match t.kind {
                    TokenKind::QuotedString(s) => StatementKind::RcsId(s),
                    _ => return Err(Self::unexpected(&t, "a quoted string")),
                }
            }
            _ => {
                return Err(Self::unexpected(
                    &Token {
                        kind: TokenKind::Keyword(k),
                        location: first.location,
                    },
                    "a statement",
                ));
            }
        })
    }

    fn lexer_location(&mut self) -> Location {
        match self.peek() {
            Ok(_) => self
                .peeked
                .as_ref()
                .map_or_else(|| Location::new("", 0, 0), |t| t.location.clone()),
            Err(e) => e
                .location()
                .cloned()
                .unwrap_or_else(|| Location::new("", 0, 0)),
        }
    }

    fn subsystem(&mut self) -> Result<StatementKind, crate::Error> {
        let (mut kernel_user, mut kernel_server) = (false, false);
        loop {
            match self.peek()? {
                TokenKind::Keyword(Keyword::KernelUser) => kernel_user = true,
                TokenKind::Keyword(Keyword::KernelServer) => kernel_server = true,
                _ => break,
            }
            self.peeked = None;
        }
        let name = self.ident("the subsystem's name")?;
        let base = self.number("the subsystem's base message id")?;
        Ok(StatementKind::Subsystem {
            name,
            base,
            kernel_user,
            kernel_server,
        })
    }

    fn import(&mut self, kind: ImportKind) -> Result<StatementKind, crate::Error> {
        let t = self.next_in(Mode::FileName)?;
        match t.kind {
            TokenKind::FileName(f) => Ok(StatementKind::Import(kind, f)),
            _ => Err(Self::unexpected(&t, "a file name")),
        }
    }

    fn routine(&mut self, kind: RoutineKind) -> Result<RoutineDecl, crate::Error> {
        let name = self.ident("the routine's name")?;
        self.expect_punct('(')?;
        let mut args = Vec::new();
        if !self.eat_punct(')')? {
            loop {
                args.push(self.argument()?);
                let t = self.next()?;
                match t.kind {
                    TokenKind::Punct(';') => continue,
                    TokenKind::Punct(')') => break,
                    _ => return Err(Self::unexpected(&t, "`;` or `)`")),
                }
            }
        }
        Ok(RoutineDecl { kind, name, args })
    }

    fn argument(&mut self) -> Result<ArgDecl, crate::Error> {
        let t = self.next()?;
        let location = t.location.clone();
        let direction = match &t.kind {
            TokenKind::Ident(_) => Direction::None,
            TokenKind::Keyword(k) => match direction_of(*k) {
                Some(d) => d,
                None => return Err(Self::unexpected(&t, "an argument")),
            },
            _ => return Err(Self::unexpected(&t, "an argument")),
        };
        let name = match t.kind {
            TokenKind::Ident(s) => s,
            _ => self.ident("the argument's name")?,
        };
        self.expect_punct(':')?;
        let ty = self.arg_type()?;
        let mut flags = Vec::new();
        // Trailer declarations take no flags.
        if !matches!(direction, Direction::ServerImpl | Direction::UserImpl) {
            while self.eat_punct(',')? {
                let t = self.next()?;
                let TokenKind::Flag(f) = t.kind else {
                    return Err(Self::unexpected(&t, "a flag"));
                };
                if self.eat_punct('[')? {
                    if f != Flag::Dealloc {
                        return Err(crate::Error::Syntax {
                            location: t.location,
                            kind: SyntaxError::BracketsOnFlag,
                        });
                    }
                    self.expect_punct(']')?;
                    flags.push(Flag::MaybeDealloc);
                } else {
                    flags.push(f);
                }
            }
        }
        Ok(ArgDecl {
            direction,
            name,
            ty,
            flags,
            location,
        })
    }

    fn arg_type(&mut self) -> Result<ArgType, crate::Error> {
        let t = self.next()?;
        match t.kind {
            TokenKind::Ident(name) => {
                if self.eat_punct('=')? {
                    let decl = self.type_decl_rest(name, t.location)?;
                    Ok(ArgType::Decl(Box::new(decl)))
                } else {
                    Ok(ArgType::Named(name))
                }
            }
            TokenKind::Keyword(
                k @ (Keyword::PointerTo | Keyword::PointerToIfNot | Keyword::ValueOf),
            ) => Ok(ArgType::Native(self.native(k)?)),
            _ => Err(Self::unexpected(&t, "a type")),
        }
    }

    /// `name = spec clauses` after `type`.
    fn named_type_spec(&mut self) -> Result<TypeDecl, crate::Error> {
        let t = self.next()?;
        let TokenKind::Ident(name) = t.kind else {
            return Err(Self::unexpected(&t, "the type's name"));
        };
        self.expect_punct('=')?;
        self.type_decl_rest(name, t.location)
    }

    fn type_decl_rest(
        &mut self,
        name: String,
        location: Location,
    ) -> Result<TypeDecl, crate::Error> {
        let spec = self.type_spec()?;
        let mut clauses = Vec::new();
        loop {
            let clause = match self.peek()? {
                TokenKind::Keyword(Keyword::CType) => Keyword::CType,
                TokenKind::Keyword(Keyword::CUserType) => Keyword::CUserType,
                TokenKind::Keyword(Keyword::CServerType) => Keyword::CServerType,
                TokenKind::Keyword(Keyword::InTran) => Keyword::InTran,
                TokenKind::Keyword(Keyword::OutTran) => Keyword::OutTran,
                TokenKind::Keyword(Keyword::Destructor) => Keyword::Destructor,
                _ => break,
            };
            self.peeked = None;
            self.expect_punct(':')?;
            clauses.push(match clause {
                Keyword::CType => TypeClause::CType(self.ident("a C type")?),
                Keyword::CUserType => TypeClause::CUserType(self.ident("a C type")?),
                Keyword::CServerType => TypeClause::CServerType(self.ident("a C type")?),
                Keyword::InTran => {
                    let trans_type = self.ident("a C type")?;
                    let function = self.ident("a function name")?;
                    self.expect_punct('(')?;
                    let server_type = self.ident("a C type")?;
                    self.expect_punct(')')?;
                    TypeClause::InTran {
                        trans_type,
                        function,
                        server_type,
                    }
                }
                Keyword::OutTran => {
                    let server_type = self.ident("a C type")?;
                    let function = self.ident("a function name")?;
                    self.expect_punct('(')?;
                    let trans_type = self.ident("a C type")?;
                    self.expect_punct(')')?;
                    TypeClause::OutTran {
                        server_type,
                        function,
                        trans_type,
                    }
                }
                _ => {
                    let function = self.ident("a function name")?;
                    self.expect_punct('(')?;
                    let trans_type = self.ident("a C type")?;
                    self.expect_punct(')')?;
                    TypeClause::Destructor {
                        function,
                        trans_type,
                    }
                }
            });
        }
        Ok(TypeDecl {
            name,
            spec,
            clauses,
            location,
        })
    }

    fn type_spec(&mut self) -> Result<TypeSpec, crate::Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        let r = self.type_spec_inner();
        self.depth -= 1;
        r
    }

    fn type_spec_inner(&mut self) -> Result<TypeSpec, crate::Error> {
        let t = self.next()?;
        match t.kind {
            TokenKind::Symbolic(_) | TokenKind::Number(_) => {
                let send = prim_type(&t)?;
                let receive = if self.eat_punct('|')? {
                    let t2 = self.next()?;
                    Some(prim_type(&t2)?)
                } else {
                    None
                };
                Ok(TypeSpec::Basic { send, receive })
            }
            TokenKind::Punct('(') => Err(crate::Error::Syntax {
                location: t.location,
                kind: SyntaxError::LongFormType,
            }),
            TokenKind::Ident(name) => Ok(TypeSpec::Named(name, t.location)),
            TokenKind::Punct('^') => Ok(TypeSpec::Pointer(Box::new(self.type_spec()?))),
            TokenKind::Keyword(Keyword::Array) => {
                self.expect_punct('[')?;
                let bound = if self.eat_punct(']')? {
                    ArrayBound::Unbounded
                } else if self.eat_punct('*')? {
                    if self.eat_punct(':')? {
                        let n = self.int_exp()?;
                        self.expect_punct(']')?;
                        ArrayBound::Bounded(n)
                    } else {
                        self.expect_punct(']')?;
                        ArrayBound::Unbounded
                    }
                } else {
                    let n = self.int_exp()?;
                    self.expect_punct(']')?;
                    ArrayBound::Fixed(n)
                };
                self.expect_of()?;
                Ok(TypeSpec::Array(bound, Box::new(self.type_spec()?)))
            }
            TokenKind::Keyword(Keyword::Struct) => {
                self.expect_punct('[')?;
                let n = self.int_exp()?;
                self.expect_punct(']')?;
                self.expect_of()?;
                Ok(TypeSpec::Struct(n, Box::new(self.type_spec()?)))
            }
            TokenKind::Keyword(Keyword::CString) => {
                self.expect_punct('[')?;
                let varying = self.eat_punct('*')?;
                if varying {
                    self.expect_punct(':')?;
                }
                let max = self.int_exp()?;
                self.expect_punct(']')?;
                Ok(TypeSpec::CString { max, varying })
            }
            TokenKind::Keyword(
                k @ (Keyword::PointerTo | Keyword::PointerToIfNot | Keyword::ValueOf),
            ) => Ok(TypeSpec::Native(self.native(k)?)),
            _ => Err(Self::unexpected(&t, "a type")),
        }
    }

    fn expect_of(&mut self) -> Result<(), crate::Error> {
        let t = self.next()?;
        if t.kind == TokenKind::Keyword(Keyword::Of) {
            return Ok(());
        }
        Err(Self::unexpected(&t, "`of`"))
    }

    fn native(&mut self, k: Keyword) -> Result<NativeType, crate::Error> {
        self.expect_punct('(')?;
        let c_type = self.type_phrase()?;
        let bad_value = if k == Keyword::PointerToIfNot {
            let t = self.next()?;
            if t.kind != TokenKind::Punct(',') {
                return Err(Self::unexpected(&t, "`,`"));
            }
            Some(self.type_phrase()?)
        } else {
            None
        };
        self.expect_punct(')')?;
        Ok(NativeType {
            c_type,
            pointer: k != Keyword::ValueOf,
            bad_value,
        })
    }

    /// One or more identifiers (`struct foo`).
    fn type_phrase(&mut self) -> Result<String, crate::Error> {
        let mut phrase = self.ident("a C type")?;
        while let TokenKind::Ident(_) = self.peek()? {
            if let Some(Token {
                kind: TokenKind::Ident(s),
                ..
            }) = self.peeked.take()
            {
                phrase.push(' ');
                phrase.push_str(&s);
            }
        }
        Ok(phrase)
    }

    /// `IntExp`: numbers with `+ - * /` and parentheses (usual precedence).
    fn int_exp(&mut self) -> Result<u32, crate::Error> {
        let mut value = self.int_term()?;
        loop {
            let op = match self.peek()? {
                TokenKind::Punct(c @ ('+' | '-')) => *c,
                _ => return Ok(value),
            };
            let at = self.lexer_location();
            self.peeked = None;
            let rhs = self.int_term()?;
            value = arith(op, value, rhs).ok_or(crate::Error::Syntax {
                location: at,
                kind: SyntaxError::Arithmetic,
            })?;
        }
    }

    fn int_term(&mut self) -> Result<u32, crate::Error> {
        let mut value = self.int_atom()?;
        loop {
            let op = match self.peek()? {
                TokenKind::Punct(c @ ('*' | '/')) => *c,
                _ => return Ok(value),
            };
            let at = self.lexer_location();
            self.peeked = None;
            let rhs = self.int_atom()?;
            value = arith(op, value, rhs).ok_or(crate::Error::Syntax {
                location: at,
                kind: SyntaxError::Arithmetic,
            })?;
        }
    }

    fn int_atom(&mut self) -> Result<u32, crate::Error> {
        let t = self.next()?;
        match t.kind {
            TokenKind::Number(n) => Ok(n),
            TokenKind::Punct('(') => {
                // Only parentheses nest (a number inside a type is no deeper than the type).
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(crate::Error::Syntax {
                        location: t.location,
                        kind: SyntaxError::TooDeep,
                    });
                }
                let v = self.int_exp()?;
                self.expect_punct(')')?;
                self.depth -= 1;
                Ok(v)
            }
            _ => Err(Self::unexpected(&t, "a number")),
        }
    }
}

fn arith(op: char, a: u32, b: u32) -> Option<u32> {
    match op {
        '+' => a.checked_add(b),
        '-' => a.checked_sub(b),
        '*' => a.checked_mul(b),
        _ => a.checked_div(b),
    }
}

/// A `PrimIPCType`: a type name, or a bare number (a type number of unknown size).
fn prim_type(t: &Token) -> Result<Symbolic, crate::Error> {
    match t.kind {
        TokenKind::Symbolic(s) => Ok(s),
        TokenKind::Number(n) => Ok(Symbolic {
            name: "",
            in_name: n,
            out_name: n,
            bits: 0,
        }),
        _ => Err(Parser::unexpected(t, "a MACH_MSG_TYPE_* name")),
    }
}

fn direction_of(k: Keyword) -> Option<Direction> {
    Some(match k {
        Keyword::In => Direction::In,
        Keyword::Out => Direction::Out,
        Keyword::InOut => Direction::InOut,
        Keyword::RequestPort => Direction::RequestPort,
        Keyword::ReplyPort => Direction::ReplyPort,
        Keyword::SReplyPort => Direction::SReplyPort,
        Keyword::UReplyPort => Direction::UReplyPort,
        Keyword::WaitTime => Direction::WaitTime,
        Keyword::SendTime => Direction::SendTime,
        Keyword::MsgOption => Direction::MsgOption,
        Keyword::SecToken => Direction::SecToken,
        Keyword::ServerSecToken => Direction::ServerSecToken,
        Keyword::UserSecToken => Direction::UserSecToken,
        Keyword::AuditToken => Direction::AuditToken,
        Keyword::ServerAuditToken => Direction::ServerAuditToken,
        Keyword::UserAuditToken => Direction::UserAuditToken,
        Keyword::ServerContextToken => Direction::ServerContextToken,
        Keyword::MsgSeqno => Direction::MsgSeqno,
        Keyword::ServerImpl => Direction::ServerImpl,
        Keyword::UserImpl => Direction::UserImpl,
        _ => return None,
    })
}
