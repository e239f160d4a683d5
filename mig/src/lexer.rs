//! Tokens of the `.defs` language, read from preprocessed lines.
//!
//! The token set is migcom's: keywords, flags and `polymorphic` match in any case,
//! `MACH_MSG_TYPE_*` names only in upper case, numbers are decimal. Three statements
//! switch the lexer into another mode for their operand, as migcom's lexer does: `import`
//! and its kin read a file name (`"f.h"` or `<f.h>`), `rcsid` a quoted string, and
//! `waittime` / `sendtime` / `msgoption` / `ConsumeOnSendError` a bare word that may hold
//! `-/._$` (a C expression such as `MACH_SEND_TIMEOUT` or a number).

use crate::Location;
use crate::parser::SyntaxError;

/// A keyword of the language (matched without regard to case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Keyword {
    Routine,
    SimpleRoutine,
    Subsystem,
    MsgOption,
    UseSpecialReplyPort,
    ConsumeOnSendError,
    MsgSeqno,
    WaitTime,
    SendTime,
    NoWaitTime,
    NoSendTime,
    In,
    Out,
    InOut,
    UserImpl,
    ServerImpl,
    SecToken,
    ServerSecToken,
    UserSecToken,
    AuditToken,
    ServerAuditToken,
    UserAuditToken,
    ServerContextToken,
    RequestPort,
    ReplyPort,
    UReplyPort,
    SReplyPort,
    Array,
    Of,
    Error,
    ServerPrefix,
    UserPrefix,
    ServerDemux,
    RcsId,
    Import,
    UImport,
    SImport,
    DImport,
    IImport,
    Type,
    KernelServer,
    KernelUser,
    Skip,
    Struct,
    InTran,
    OutTran,
    Destructor,
    CType,
    CUserType,
    CServerType,
    CString,
    PointerTo,
    PointerToIfNot,
    ValueOf,
    UserTypeLimit,
    OnStackLimit,
}

/// Keywords that match in any case, by their lower-case spelling.
const KEYWORDS: &[(&str, Keyword)] = &[
    ("routine", Keyword::Routine),
    ("simpleroutine", Keyword::SimpleRoutine),
    ("subsystem", Keyword::Subsystem),
    ("msgoption", Keyword::MsgOption),
    ("usespecialreplyport", Keyword::UseSpecialReplyPort),
    ("consumeonsenderror", Keyword::ConsumeOnSendError),
    ("msgseqno", Keyword::MsgSeqno),
    ("waittime", Keyword::WaitTime),
    ("sendtime", Keyword::SendTime),
    ("nowaittime", Keyword::NoWaitTime),
    ("nosendtime", Keyword::NoSendTime),
    ("in", Keyword::In),
    ("out", Keyword::Out),
    ("inout", Keyword::InOut),
    ("userimpl", Keyword::UserImpl),
    ("serverimpl", Keyword::ServerImpl),
    ("sectoken", Keyword::SecToken),
    ("serversectoken", Keyword::ServerSecToken),
    ("usersectoken", Keyword::UserSecToken),
    ("audittoken", Keyword::AuditToken),
    ("serveraudittoken", Keyword::ServerAuditToken),
    ("useraudittoken", Keyword::UserAuditToken),
    ("servercontexttoken", Keyword::ServerContextToken),
    ("requestport", Keyword::RequestPort),
    ("replyport", Keyword::ReplyPort),
    ("ureplyport", Keyword::UReplyPort),
    ("sreplyport", Keyword::SReplyPort),
    ("array", Keyword::Array),
    ("of", Keyword::Of),
    ("error", Keyword::Error),
    ("serverprefix", Keyword::ServerPrefix),
    ("userprefix", Keyword::UserPrefix),
    ("serverdemux", Keyword::ServerDemux),
    ("rcsid", Keyword::RcsId),
    ("import", Keyword::Import),
    ("uimport", Keyword::UImport),
    ("simport", Keyword::SImport),
    ("dimport", Keyword::DImport),
    ("iimport", Keyword::IImport),
    ("type", Keyword::Type),
    ("kernelserver", Keyword::KernelServer),
    ("kerneluser", Keyword::KernelUser),
    ("skip", Keyword::Skip),
    ("struct", Keyword::Struct),
    ("intran", Keyword::InTran),
    ("outtran", Keyword::OutTran),
    ("destructor", Keyword::Destructor),
    ("ctype", Keyword::CType),
    ("cusertype", Keyword::CUserType),
    ("cservertype", Keyword::CServerType),
    ("c_string", Keyword::CString),
];

/// Keywords that match only as spelled.
const EXACT_KEYWORDS: &[(&str, Keyword)] = &[
    ("PointerTo", Keyword::PointerTo),
    ("PointerToIfNot", Keyword::PointerToIfNot),
    ("ValueOf", Keyword::ValueOf),
    ("UserTypeLimit", Keyword::UserTypeLimit),
    ("OnStackLimit", Keyword::OnStackLimit),
];

/// An argument flag (matched without regard to case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `SameCount`: this variable array has the count of the one before it.
    SameCount,
    /// `RetCode`: a simpleroutine argument that carries the return code.
    RetCode,
    /// `PhysicalCopy`: out-of-line data is copied, not mapped.
    PhysicalCopy,
    /// `Overwrite`: out-of-line out data lands in the caller's buffer.
    Overwrite,
    /// `Dealloc`: the sender's copy of out-of-line memory or a port right is given up.
    Dealloc,
    /// `NotDealloc`: the opposite of `Dealloc`.
    NotDealloc,
    /// `Dealloc[]`: the caller decides at run time (a hidden boolean argument).
    MaybeDealloc,
    /// `CountInOut`: the caller's count of an out array is sent in the request.
    CountInOut,
    /// `Auto`: out-of-line memory the server stub frees after the call.
    Auto,
    /// `Const`: a `const` C parameter.
    Const,
    /// `ServerCopy`: the server sees out-of-line data as a copy.
    ServerCopy,
}

const FLAGS: &[(&str, Flag)] = &[
    ("samecount", Flag::SameCount),
    ("retcode", Flag::RetCode),
    ("physicalcopy", Flag::PhysicalCopy),
    ("overwrite", Flag::Overwrite),
    ("dealloc", Flag::Dealloc),
    ("notdealloc", Flag::NotDealloc),
    ("countinout", Flag::CountInOut),
    ("auto", Flag::Auto),
    ("const", Flag::Const),
    ("servercopy", Flag::ServerCopy),
];

/// A `MACH_MSG_TYPE_*` name (or `polymorphic`): the type number a sender uses, the one a
/// receiver sees, and the size in bits (0 for `MACH_MSG_TYPE_UNSTRUCTURED`).
impl Keyword {
    /// How the keyword is written (the lower-case form, or the exact one for those matched
    /// with their case), for messages.
    pub fn spelling(self) -> &'static str {
        KEYWORDS
            .iter()
            .chain(EXACT_KEYWORDS)
            .find(|&&(_, k)| k == self)
            .map_or("?", |&(name, _)| name)
    }
}

impl Flag {
    /// How MIG's documentation writes the flag, for messages.
    pub fn spelling(self) -> &'static str {
        match self {
            Flag::SameCount => "SameCount",
            Flag::RetCode => "RetCode",
            Flag::PhysicalCopy => "PhysicalCopy",
            Flag::Overwrite => "Overwrite",
            Flag::Dealloc => "Dealloc",
            Flag::NotDealloc => "NotDealloc",
            Flag::MaybeDealloc => "Dealloc[]",
            Flag::CountInOut => "CountInOut",
            Flag::Auto => "Auto",
            Flag::Const => "Const",
            Flag::ServerCopy => "ServerCopy",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symbolic {
    /// The name as written.
    pub name: &'static str,
    /// Type number on the sending side (`itInName`).
    pub in_name: u32,
    /// Type number on the receiving side (`itOutName`).
    pub out_name: u32,
    /// Size in bits.
    pub bits: u32,
}

/// `MACH_MSG_TYPE_POLYMORPHIC`: the disposition is chosen at run time.
pub const MACH_MSG_TYPE_POLYMORPHIC: u32 = u32::MAX;
/// `MACH_MSG_TYPE_STRING_C`: the element type of `c_string`.
pub const MACH_MSG_TYPE_STRING_C: u32 = 12;

const fn sym(name: &'static str, in_name: u32, out_name: u32, bits: u32) -> Symbolic {
    Symbolic {
        name,
        in_name,
        out_name,
        bits,
    }
}

/// The bits of a port (a `mach_port_t` is 32 bits).
const PORT_BITS: u32 = 32;
const POLY: u32 = MACH_MSG_TYPE_POLYMORPHIC;

/// migcom's type names, numbers (from its own `type.h`, not `message.h`: INTEGER_64 is 3
/// there) and sizes.
const SYMBOLIC: &[Symbolic] = &[
    sym("MACH_MSG_TYPE_UNSTRUCTURED", 0, 0, 0),
    sym("MACH_MSG_TYPE_BIT", 0, 0, 1),
    sym("MACH_MSG_TYPE_BOOLEAN", 0, 0, 32),
    sym("MACH_MSG_TYPE_INTEGER_8", 9, 9, 8),
    sym("MACH_MSG_TYPE_INTEGER_16", 1, 1, 16),
    sym("MACH_MSG_TYPE_INTEGER_32", 2, 2, 32),
    sym("MACH_MSG_TYPE_INTEGER_64", 3, 3, 64),
    sym("MACH_MSG_TYPE_REAL_32", 10, 10, 32),
    sym("MACH_MSG_TYPE_REAL_64", 11, 11, 64),
    sym("MACH_MSG_TYPE_CHAR", 8, 8, 8),
    sym("MACH_MSG_TYPE_BYTE", 9, 9, 8),
    sym("MACH_MSG_TYPE_MOVE_RECEIVE", 16, 16, PORT_BITS),
    sym("MACH_MSG_TYPE_COPY_SEND", 19, 17, PORT_BITS),
    sym("MACH_MSG_TYPE_MAKE_SEND", 20, 17, PORT_BITS),
    sym("MACH_MSG_TYPE_MOVE_SEND", 17, 17, PORT_BITS),
    sym("MACH_MSG_TYPE_MAKE_SEND_ONCE", 21, 18, PORT_BITS),
    sym("MACH_MSG_TYPE_MOVE_SEND_ONCE", 18, 18, PORT_BITS),
    sym("MACH_MSG_TYPE_PORT_NAME", 15, 15, PORT_BITS),
    sym("MACH_MSG_TYPE_PORT_RECEIVE", POLY, 16, PORT_BITS),
    sym("MACH_MSG_TYPE_PORT_SEND", POLY, 17, PORT_BITS),
    sym("MACH_MSG_TYPE_PORT_SEND_ONCE", POLY, 18, PORT_BITS),
    sym("MACH_MSG_TYPE_POLYMORPHIC", POLY, POLY, PORT_BITS),
];

const POLYMORPHIC: Symbolic = sym("polymorphic", POLY, POLY, PORT_BITS);

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword.
    Keyword(Keyword),
    /// An argument flag.
    Flag(Flag),
    /// A `MACH_MSG_TYPE_*` name or `polymorphic`.
    Symbolic(Symbolic),
    /// An identifier.
    Ident(String),
    /// A decimal number.
    Number(u32),
    /// A bare word (the operand of `waittime`, `msgoption`, …).
    Word(String),
    /// A file name with its delimiters (`"f.h"` or `<f.h>`).
    FileName(String),
    /// A quoted string with its quotes (the operand of `rcsid`).
    QuotedString(String),
    /// One of `: ; , + - * / ( ) = ^ ~ < > [ ] |`.
    Punct(char),
    /// The end of the input.
    Eof,
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it starts.
    pub location: Location,
}

/// What the next token is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    Word,
    FileName,
    QuotedString,
}

/// Reads tokens from preprocessed lines on demand (the parser picks the mode).
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    lines: Vec<(&'a str, &'a Location, &'a [crate::cpp::Origin])>,
    line: usize,
    col: usize,
    /// The location of the end of input.
    end: Location,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-/._$".contains(&c)
}

impl<'a> Lexer<'a> {
    /// A lexer over `lines` (text, where the line starts); `end` names the end of input.
    pub(crate) fn new(
        lines: Vec<(&'a str, &'a Location, &'a [crate::cpp::Origin])>,
        end: Location,
    ) -> Lexer<'a> {
        Lexer {
            lines,
            line: 0,
            col: 0,
            end,
        }
    }

    fn here(&self) -> Location {
        let Some((_, at, origins)) = self.lines.get(self.line) else {
            return self.end.clone();
        };
        // The token's own place in the source, when the preprocessor recorded it.
        let col = self.col as u32;
        let known = origins.partition_point(|o| o.offset <= col);
        match known.checked_sub(1).map(|i| origins[i]) {
            Some(o) => Location {
                file: at.file.clone(),
                line: o.line,
                column: o.column + (col - o.offset),
            },
            None => Location {
                file: at.file.clone(),
                line: at.line,
                column: at.column + col,
            },
        }
    }

    /// Skips blanks and finished lines; the rest of the current line, if any.
    fn skip_space(&mut self) -> Option<&'a [u8]> {
        loop {
            let (text, _, _) = *self.lines.get(self.line)?;
            let bytes = text.as_bytes();
            while self.col < bytes.len() && bytes[self.col].is_ascii_whitespace() {
                self.col += 1;
            }
            if self.col < bytes.len() {
                return Some(bytes);
            }
            self.line += 1;
            self.col = 0;
        }
    }

    fn error(&self, location: Location, kind: SyntaxError) -> crate::Error {
        crate::Error::Syntax { location, kind }
    }

    /// The next token, read in `mode`. A token without the form `mode` asks for is read as in
    /// [`Mode::Normal`], so that the parser names it in its error.
    pub(crate) fn next(&mut self, mode: Mode) -> Result<Token, crate::Error> {
        let Some(bytes) = self.skip_space() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                location: self.end.clone(),
            });
        };
        let location = self.here();
        let start = self.col;
        let c = bytes[start];
        let take = |lexer: &mut Self, end: usize| {
            lexer.col = end;
            String::from_utf8_lossy(&bytes[start..end]).into_owned()
        };
        let kind = match mode {
            Mode::Word if is_word(c) => {
                let end = scan(bytes, start, is_word);
                TokenKind::Word(take(self, end))
            }
            Mode::FileName if c == b'"' || c == b'<' => {
                let close = if c == b'"' { b'"' } else { b'>' };
                let Some(len) = bytes[start + 1..].iter().position(|&b| b == close) else {
                    return Err(self.error(location, SyntaxError::UnterminatedString));
                };
                TokenKind::FileName(take(self, start + len + 2))
            }
            Mode::QuotedString if c == b'"' => {
                let Some(len) = bytes[start + 1..].iter().position(|&b| b == b'"') else {
                    return Err(self.error(location, SyntaxError::UnterminatedString));
                };
                TokenKind::QuotedString(take(self, start + len + 2))
            }
            // Not the operand's form: read as an ordinary token, which the parser reports as
            // unexpected where it wanted the operand ("expected a timeout, found `;`").
            _ if is_ident_start(c) => {
                let end = scan(bytes, start, is_ident);
                classify(take(self, end))
            }
            _ if c.is_ascii_digit() => {
                let end = scan(bytes, start, |b| b.is_ascii_digit());
                let text = take(self, end);
                match text.parse::<u32>() {
                    Ok(n) => TokenKind::Number(n),
                    Err(_) => return Err(self.error(location, SyntaxError::NumberTooLarge(text))),
                }
            }
            _ if b":;,+-*/()=^~<>[]|".contains(&c) => {
                self.col += 1;
                TokenKind::Punct(char::from(c))
            }
            _ => {
                let ch = std::str::from_utf8(&bytes[start..])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(self.error(location, SyntaxError::UnexpectedCharacter(ch)));
            }
        };
        Ok(Token { kind, location })
    }
}

fn scan(bytes: &[u8], start: usize, ok: impl Fn(u8) -> bool) -> usize {
    let mut end = start;
    while end < bytes.len() && ok(bytes[end]) {
        end += 1;
    }
    end
}

/// An identifier-shaped word: keyword, flag, type name or identifier.
fn classify(word: String) -> TokenKind {
    if let Some(&(_, k)) = EXACT_KEYWORDS.iter().find(|(w, _)| *w == word) {
        return TokenKind::Keyword(k);
    }
    if let Some(s) = SYMBOLIC.iter().find(|s| s.name == word) {
        return TokenKind::Symbolic(*s);
    }
    let lower = word.to_ascii_lowercase();
    if lower == "polymorphic" {
        return TokenKind::Symbolic(POLYMORPHIC);
    }
    if let Some(&(_, k)) = KEYWORDS.iter().find(|(w, _)| *w == lower) {
        return TokenKind::Keyword(k);
    }
    if let Some(&(_, f)) = FLAGS.iter().find(|(w, _)| *w == lower) {
        return TokenKind::Flag(f);
    }
    TokenKind::Ident(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_all(text: &str) -> Vec<TokenKind> {
        let at = Location::new("t.defs", 1, 1);
        let mut lexer = Lexer::new(vec![(text, &at, &[])], Location::new("t.defs", 2, 1));
        let mut out = Vec::new();
        loop {
            let t = lexer.next(Mode::Normal).expect("token");
            if t.kind == TokenKind::Eof {
                return out;
            }
            out.push(t.kind);
        }
    }

    #[test]
    fn keywords_match_in_any_case_but_type_names_do_not() {
        let toks = lex_all(
            "ROUTINE SimpleRoutine Polymorphic MACH_MSG_TYPE_COPY_SEND mach_msg_type_copy_send int",
        );
        assert_eq!(toks[0], TokenKind::Keyword(Keyword::Routine));
        assert_eq!(toks[1], TokenKind::Keyword(Keyword::SimpleRoutine));
        assert!(matches!(toks[2], TokenKind::Symbolic(s) if s.in_name == POLY));
        assert!(matches!(toks[3], TokenKind::Symbolic(s) if s.in_name == 19 && s.out_name == 17));
        assert_eq!(toks[4], TokenKind::Ident("mach_msg_type_copy_send".into()));
        assert_eq!(toks[5], TokenKind::Ident("int".into()));
    }

    #[test]
    fn columns_and_bad_characters() {
        let at = Location::new("t.defs", 7, 1);
        let mut lexer = Lexer::new(vec![("  x @", &at, &[])], Location::new("t.defs", 8, 1));
        let x = lexer.next(Mode::Normal).expect("x");
        assert_eq!((x.location.line, x.location.column), (7, 3));
        let err = lexer.next(Mode::Normal).expect_err("@");
        assert_eq!(err.location().map(|l| l.column), Some(5));
    }

    #[test]
    fn numbers_too_large_are_errors() {
        let at = Location::new("t.defs", 1, 1);
        let mut lexer = Lexer::new(vec![("99999999999", &at, &[])], at.clone());
        assert!(matches!(
            lexer.next(Mode::Normal),
            Err(crate::Error::Syntax {
                kind: SyntaxError::NumberTooLarge(_),
                ..
            })
        ));
    }
}
