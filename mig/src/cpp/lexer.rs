//! Translation phases 1 to 3: backslash-newlines spliced away, comments dropped, the text cut
//! into preprocessing tokens and logical lines, each token keeping its line and column in
//! the file as written. The only input it refuses is an unterminated `/*` comment.

use std::sync::Arc;

use super::PreprocessError;
use super::token::{HideSet, Kind, Token};
use crate::{Error, Location};

/// Punctuators, longest first so that the first match is the longest.
const PUNCTUATORS: &[&str] = &[
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=",
    "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "[", "]", "(", ")", "{", "}", ".", "&", "*",
    "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?", ":", ";", "=", ",", "#",
];

/// A file's bytes with backslash-newlines removed, and where each original line starts in
/// them (to give tokens their original line and column).
struct Spliced {
    bytes: Vec<u8>,
    /// The offset in `bytes` where each physical line starts; line 1 at 0.
    line_starts: Vec<usize>,
}

impl Spliced {
    /// The original 1-based line and column of `bytes[offset]`.
    fn position(&self, offset: usize) -> (u32, u32) {
        let index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(index).copied().unwrap_or(0);
        let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (as_u32(index + 1), as_u32(offset - start + 1))
    }
}

/// Translation phases 1–2: `\r\n` becomes `\n`, and a backslash followed by a newline
/// (GCC and clang allow blanks between them) disappears.
fn splice(text: &str) -> Spliced {
    let b = text.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut line_starts = vec![0];
    let mut i = 0;
    while i < b.len() {
        let rest = b.get(i..).unwrap_or_default();
        let plain = rest
            .iter()
            .position(|&c| matches!(c, b'\\' | b'\r' | b'\n'))
            .unwrap_or(rest.len());
        bytes.extend_from_slice(rest.get(..plain).unwrap_or_default());
        i += plain;
        let Some(&c) = b.get(i) else {
            break;
        };
        if c == b'\\'
            && let Some(next) = end_of_splice(b, i + 1)
        {
            line_starts.push(bytes.len());
            i = next;
            continue;
        }
        if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        bytes.push(c);
        if c == b'\n' {
            line_starts.push(bytes.len());
        }
        i += 1;
    }
    Spliced { bytes, line_starts }
}

/// If blanks then a newline start at `i`, the index after the newline.
fn end_of_splice(b: &[u8], mut i: usize) -> Option<usize> {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match (b.get(i), b.get(i + 1)) {
        (Some(b'\n'), _) => Some(i + 1),
        (Some(b'\r'), Some(b'\n')) => Some(i + 2),
        _ => None,
    }
}

/// Turns spliced text into logical lines of tokens (phase 3). A newline inside a `/* */`
/// comment does not end a logical line, as in C.
pub(super) struct Lexer<'a> {
    bytes: &'a [u8],
    spliced: &'a Spliced,
    file: &'a Arc<str>,
    i: usize,
}

impl Lexer<'_> {
    /// The non-empty logical lines of `text`.
    pub(super) fn lex(text: &str, file: &Arc<str>) -> Result<Vec<Vec<Token>>, Error> {
        let spliced = splice(text);
        let mut lexer = Lexer {
            bytes: &spliced.bytes,
            spliced: &spliced,
            file,
            i: 0,
        };
        lexer.lines()
    }

    fn lines(&mut self) -> Result<Vec<Vec<Token>>, Error> {
        let mut lines = Vec::new();
        let mut line = Vec::new();
        let mut space = false;
        while let Some(&c) = self.bytes.get(self.i) {
            let next = self.bytes.get(self.i + 1).copied();
            match (c, next) {
                (b'\n', _) => {
                    if !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    space = false;
                    self.i += 1;
                }
                (b' ' | b'\t' | b'\r' | 0x0b | 0x0c, _) => {
                    space = true;
                    self.i += 1;
                }
                (b'/', Some(b'/')) => {
                    self.skip_line_comment();
                    space = true;
                }
                (b'/', Some(b'*')) => {
                    self.skip_block_comment()?;
                    space = true;
                }
                _ => {
                    let token = self.token(&line, space);
                    line.push(token);
                    space = false;
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        Ok(lines)
    }

    fn position(&self, i: usize) -> (u32, u32) {
        self.spliced.position(i)
    }

    fn skip_line_comment(&mut self) {
        let rest = self.bytes.get(self.i..).unwrap_or_default();
        self.i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    }

    fn skip_block_comment(&mut self) -> Result<(), Error> {
        let body = self.bytes.get(self.i + 2..).unwrap_or_default();
        // Byte tests, not a two-byte slice comparison: XNU's files open with long licence
        // comments, and a call per position was an eighth of the whole run.
        match body.windows(2).position(|w| w[0] == b'*' && w[1] == b'/') {
            Some(end) => {
                self.i += 2 + end + 2;
                Ok(())
            }
            None => {
                let (line, column) = self.position(self.i);
                Err(Error::Preprocess {
                    location: Location::new(self.file.clone(), line, column),
                    kind: PreprocessError::UnterminatedComment,
                })
            }
        }
    }

    fn token(&mut self, line: &[Token], space: bool) -> Token {
        let start = self.i;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let (kind, len) = classify(rest, is_include_line(line));
        self.i = (start + len.max(1)).min(self.bytes.len());
        let text = String::from_utf8_lossy(self.bytes.get(start..self.i).unwrap_or_default());
        let (line, column) = self.position(start);
        Token {
            kind,
            text: text.into(),
            file: self.file.clone(),
            line,
            column,
            space,
            hide: HideSet::default(),
        }
    }
}

/// Whether `line` so far is `# include` (or `import`, `include_next`): a `<` now starts a
/// header name.
fn is_include_line(line: &[Token]) -> bool {
    matches!(line, [hash, name]
        if hash.is("#") && matches!(&*name.text, "include" | "import" | "include_next"))
}

/// The kind and length of the token at the start of `rest` (not empty, not a comment).
fn classify(rest: &[u8], header_name_allowed: bool) -> (Kind, usize) {
    let Some(&c) = rest.first() else {
        return (Kind::Other, 1);
    };
    if c == b'<'
        && header_name_allowed
        && let Some(end) = rest.iter().position(|&b| b == b'>' || b == b'\n')
        && rest.get(end) == Some(&b'>')
    {
        return (Kind::HeaderName, end + 1);
    }
    if is_ident_start(c) {
        return classify_word(rest);
    }
    if c.is_ascii_digit() || (c == b'.' && rest.get(1).is_some_and(u8::is_ascii_digit)) {
        return (Kind::Number, number_len(rest));
    }
    if c == b'"' || c == b'\'' {
        return quoted(rest);
    }
    // The first byte decides most candidates without a slice comparison (a call each).
    if let Some(p) = PUNCTUATORS
        .iter()
        .find(|p| p.as_bytes()[0] == c && rest.starts_with(p.as_bytes()))
    {
        return (Kind::Punct, p.len());
    }
    (Kind::Other, utf8_len(c))
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_ident_char(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

/// An identifier, or a prefixed literal (`L"…"`, `u8'…'`).
fn classify_word(rest: &[u8]) -> (Kind, usize) {
    let len = rest
        .iter()
        .position(|&b| !is_ident_char(b))
        .unwrap_or(rest.len());
    let prefix = rest.get(..len).unwrap_or_default();
    if matches!(prefix, b"L" | b"u" | b"U" | b"u8")
        && let Some(tail @ [b'"' | b'\'', ..]) = rest.get(len..)
    {
        let (kind, quoted_len) = quoted(tail);
        return (kind, len + quoted_len);
    }
    (Kind::Ident, len)
}

fn number_len(rest: &[u8]) -> usize {
    let mut j = 1;
    while let Some(&b) = rest.get(j) {
        let exponent_sign =
            matches!(b, b'+' | b'-') && matches!(rest.get(j - 1), Some(b'e' | b'E' | b'p' | b'P'));
        if is_ident_char(b) || b == b'.' || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// A string or character literal starting at its quote; unterminated on its line, it is an
/// `Other` token up to the end of the line (as clang does).
fn quoted(rest: &[u8]) -> (Kind, usize) {
    let quote = rest.first().copied().unwrap_or(b'"');
    let kind = if quote == b'"' { Kind::Str } else { Kind::Char };
    let mut j = 1;
    loop {
        match rest.get(j) {
            None | Some(b'\n') => return (Kind::Other, j),
            Some(b'\\') => j += 2,
            Some(&b) if b == quote => return (kind, j + 1),
            Some(_) => j += 1,
        }
    }
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_joins_lines_and_keeps_positions() {
        let s = splice("ab\\\ncd\\  \r\ne\n");
        assert_eq!(s.bytes, b"abcde\n");
        assert_eq!(s.position(1), (1, 2));
        assert_eq!(s.position(2), (2, 1));
        assert_eq!(s.position(4), (3, 1));
        assert_eq!(s.position(5), (3, 2));
        let s = splice("a\n\nb\\\n\\\nc");
        assert_eq!(s.bytes, b"a\n\nbc");
        assert_eq!(s.position(3), (3, 1));
        assert_eq!(s.position(4), (5, 1));
    }

    #[test]
    fn classify_tokens() {
        assert_eq!(classify(b"0x1fUL+", false), (Kind::Number, 6));
        assert_eq!(classify(b"1e+5", false), (Kind::Number, 4));
        assert_eq!(classify(b"L'a'", false), (Kind::Char, 4));
        assert_eq!(classify(b"\"a\\\"b\" x", false), (Kind::Str, 6));
        assert_eq!(classify(b"'abc\nx", false), (Kind::Other, 4));
        assert_eq!(classify(b"<a/b.h> x", true), (Kind::HeaderName, 7));
        assert_eq!(classify(b"<a/b.h> x", false), (Kind::Punct, 1));
        assert_eq!(classify(b"<<=", false), (Kind::Punct, 3));
        assert_eq!(classify("é".as_bytes(), false), (Kind::Other, 2));
    }
}
