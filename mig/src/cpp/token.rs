//! Preprocessing tokens: their kinds, where each came from, the macro names each must not be
//! expanded by again (Prosser's hide sets), and tokens spelled back into text without two
//! of them running together.

use std::rc::Rc;
use std::sync::Arc;

use super::lexer::Lexer;
use super::{Origin, PreprocessError};
use crate::{Error, Location};

/// What kind of preprocessing token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Ident,
    /// A pp-number: any digits, letters, `.` and exponent signs after a digit.
    Number,
    /// A string literal with its quotes (and prefix).
    Str,
    /// A character constant with its quotes (and prefix).
    Char,
    /// `<...>` right after `#include`.
    HeaderName,
    Punct,
    /// Any other character, or an unterminated quote up to the end of the line.
    Other,
}

/// The macro names a token must not be expanded by again (Prosser's hide set), sorted.
#[derive(Clone, Debug, Default)]
pub(super) struct HideSet(Option<Rc<[Rc<str>]>>);

impl HideSet {
    pub(super) fn names(&self) -> &[Rc<str>] {
        self.0.as_deref().unwrap_or(&[])
    }

    pub(super) fn contains(&self, name: &str) -> bool {
        self.names().binary_search_by(|n| (**n).cmp(name)).is_ok()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    pub(super) fn same(&self, other: &HideSet) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// A set from names already sorted and distinct.
    fn from_sorted(names: Vec<Rc<str>>) -> HideSet {
        if names.is_empty() {
            HideSet(None)
        } else {
            HideSet(Some(names.into()))
        }
    }

    pub(super) fn with(&self, name: &Rc<str>) -> HideSet {
        let names = self.names();
        match names.binary_search_by(|n| (**n).cmp(name)) {
            Ok(_) => self.clone(),
            Err(at) => {
                let mut names = names.to_vec();
                names.insert(at, name.clone());
                HideSet::from_sorted(names)
            }
        }
    }

    pub(super) fn union(&self, other: &HideSet) -> HideSet {
        if other.is_empty() || self.same(other) {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let (mut a, mut b) = (
            self.names().iter().peekable(),
            other.names().iter().peekable(),
        );
        let mut names = Vec::with_capacity(self.names().len() + other.names().len());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => names.extend(a.next().cloned()),
                std::cmp::Ordering::Greater => names.extend(b.next().cloned()),
                std::cmp::Ordering::Equal => {
                    names.extend(a.next().cloned());
                    b.next();
                }
            }
        }
        names.extend(a.cloned());
        names.extend(b.cloned());
        HideSet::from_sorted(names)
    }

    pub(super) fn intersect(&self, other: &HideSet) -> HideSet {
        if self.same(other) {
            return self.clone();
        }
        let names = self
            .names()
            .iter()
            .filter(|n| other.contains(n))
            .cloned()
            .collect();
        HideSet::from_sorted(names)
    }
}

/// A preprocessing token and where it came from (for expansions: the invocation).
#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) text: Rc<str>,
    pub(super) file: Arc<str>,
    pub(super) line: u32,
    pub(super) column: u32,
    /// Whitespace (or a comment) came before it on its line.
    pub(super) space: bool,
    pub(super) hide: HideSet,
}

impl Token {
    pub(super) fn is(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && &*self.text == punct
    }

    pub(super) fn location(&self) -> Location {
        Location::new(self.file.clone(), self.line, self.column)
    }

    pub(super) fn error(&self, kind: PreprocessError) -> Error {
        Error::Preprocess {
            location: self.location(),
            kind,
        }
    }

    /// A new token of `kind` spelled `text`, at `self`'s place.
    pub(super) fn derive(&self, kind: Kind, text: &str) -> Token {
        Token {
            kind,
            text: text.into(),
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            space: self.space,
            hide: HideSet::default(),
        }
    }
}

/// Tokens joined as text: a space wherever the source had one, and wherever two tokens that
/// came together from different places would otherwise lex as something else.
pub(super) fn spell(tokens: &[Token]) -> String {
    spell_with_origins(tokens, None).0
}

/// As [`spell`], also recording where each token came from (tokens of `file` only: a
/// token from another file keeps the place of the one before it).
pub(super) fn spell_with_origins(tokens: &[Token], file: Option<&str>) -> (String, Vec<Origin>) {
    let mut text = String::new();
    let mut origins = Vec::new();
    let mut previous: Option<&Token> = None;
    for token in tokens {
        if let Some(prev) = previous
            && (token.space || would_merge(&prev.text, &token.text))
        {
            text.push(' ');
        }
        if file.is_some_and(|f| *token.file == *f) {
            origins.push(Origin {
                offset: text.len() as u32,
                line: token.line,
                column: token.column,
            });
        }
        text.push_str(&token.text);
        previous = Some(token);
    }
    (text, origins)
}

/// Whether `a` then `b` without a space would not lex as exactly `a`, `b`.
fn would_merge(a: &str, b: &str) -> bool {
    const INERT: &[u8] = b"(),;[]{}?~";
    let (Some(&last), Some(&first)) = (a.as_bytes().last(), b.as_bytes().first()) else {
        return false;
    };
    if INERT.contains(&last) || INERT.contains(&first) {
        return false;
    }
    let joined = format!("{a}{b}");
    let file: Arc<str> = Arc::from("");
    match Lexer::lex(&joined, &file) {
        Ok(lines) => !matches!(lines.as_slice(), [line] if line.len() == 2 && &*line[0].text == a),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn would_merge_detects_accidental_pasting() {
        assert!(would_merge("-", "-"));
        assert!(would_merge("a", "b"));
        assert!(would_merge("/", "/"));
        assert!(would_merge("1", ".5"));
        assert!(!would_merge("a", "("));
        assert!(!would_merge("a", "+"));
        assert!(!would_merge(")", "x"));
    }

    #[test]
    fn hide_sets_are_sorted_sets() {
        let a: Rc<str> = "a".into();
        let b: Rc<str> = "b".into();
        let ab = HideSet::default().with(&b).with(&a).with(&b);
        assert_eq!(ab.names(), &[a.clone(), b.clone()]);
        assert!(ab.contains("a") && !ab.contains("c"));
        let only_b = ab.intersect(&HideSet::default().with(&b));
        assert_eq!(only_b.names(), std::slice::from_ref(&b));
        assert_eq!(only_b.union(&HideSet::default().with(&a)).names(), &[a, b]);
    }
}
