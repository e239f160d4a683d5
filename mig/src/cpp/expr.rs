//! `#if` arithmetic: C's integer constant expressions in `intmax_t`/`uintmax_t`, wrapping.

use super::token::{Kind, Token};
use super::{MAX_EXPRESSION_DEPTH, PreprocessError};

/// A value and whether it is unsigned (the usual arithmetic conversions apply).
#[derive(Clone, Copy, Debug)]
struct Value {
    bits: u64,
    unsigned: bool,
}

impl Value {
    fn signed(v: i64) -> Value {
        Value {
            bits: v as u64,
            unsigned: false,
        }
    }

    fn truth(b: bool) -> Value {
        Value::signed(i64::from(b))
    }

    fn is_true(self) -> bool {
        self.bits != 0
    }
}

/// Evaluates macro-expanded `#if` tokens; remaining identifiers are 0.
pub(super) fn evaluate(tokens: &[Token]) -> Result<bool, PreprocessError> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let value = parser.comma(true)?;
    match parser.peek() {
        Some(t) => Err(unexpected(Some(t))),
        None => Ok(value.is_true()),
    }
}

fn unexpected(token: Option<&Token>) -> PreprocessError {
    PreprocessError::BadExpression {
        found: token.map_or_else(|| "end of line".to_owned(), |t| format!("`{}`", t.text)),
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    depth: usize,
}

/// Binary operators and their precedence (higher binds tighter).
fn binary_precedence(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | "<=" | ">" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.pos);
        self.pos += 1;
        token
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.is(punct));
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, punct: &str) -> Result<(), PreprocessError> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(unexpected(self.peek()))
        }
    }

    fn enter(&mut self) -> Result<(), PreprocessError> {
        self.depth += 1;
        if self.depth > MAX_EXPRESSION_DEPTH {
            return Err(PreprocessError::ExpressionTooDeep {
                limit: MAX_EXPRESSION_DEPTH,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `a , b`
    fn comma(&mut self, eval: bool) -> Result<Value, PreprocessError> {
        let mut value = self.conditional(eval)?;
        while self.eat(",") {
            value = self.conditional(eval)?;
        }
        Ok(value)
    }

    /// `c ? a : b`, right-associative; only the chosen branch is evaluated.
    fn conditional(&mut self, eval: bool) -> Result<Value, PreprocessError> {
        let condition = self.binary(1, eval)?;
        if !self.eat("?") {
            return Ok(condition);
        }
        self.enter()?;
        let take = condition.is_true();
        let then = self.comma(eval && take)?;
        self.expect(":")?;
        let otherwise = self.conditional(eval && !take)?;
        self.leave();
        Ok(Value {
            bits: if take { then.bits } else { otherwise.bits },
            unsigned: then.unsigned || otherwise.unsigned,
        })
    }

    /// Precedence climbing over the binary operators of at least `min` precedence.
    fn binary(&mut self, min: u8, eval: bool) -> Result<Value, PreprocessError> {
        let mut left = self.unary(eval)?;
        while let Some(token) = self.peek().filter(|t| t.kind == Kind::Punct) {
            let op = token.text.clone();
            let Some(precedence) = binary_precedence(&op).filter(|&p| p >= min) else {
                break;
            };
            self.pos += 1;
            let right_eval = match &*op {
                "&&" => eval && left.is_true(),
                "||" => eval && !left.is_true(),
                _ => eval,
            };
            let right = self.binary(precedence + 1, right_eval)?;
            left = apply(&op, left, right, eval)?;
        }
        Ok(left)
    }

    fn unary(&mut self, eval: bool) -> Result<Value, PreprocessError> {
        let op = match self.peek() {
            Some(t) if t.kind == Kind::Punct && matches!(&*t.text, "+" | "-" | "~" | "!") => {
                t.text.clone()
            }
            _ => return self.primary(eval),
        };
        self.pos += 1;
        self.enter()?;
        let v = self.unary(eval)?;
        self.leave();
        Ok(match &*op {
            "-" => Value {
                bits: v.bits.wrapping_neg(),
                ..v
            },
            "~" => Value { bits: !v.bits, ..v },
            "!" => Value::truth(!v.is_true()),
            _ => v,
        })
    }

    fn primary(&mut self, eval: bool) -> Result<Value, PreprocessError> {
        let Some(token) = self.next().cloned() else {
            return Err(unexpected(None));
        };
        match token.kind {
            Kind::Number => number(&token.text),
            Kind::Char => character(&token.text),
            Kind::Ident => Ok(Value::signed(0)),
            Kind::Punct if token.is("(") => {
                self.enter()?;
                let value = self.comma(eval)?;
                self.expect(")")?;
                self.leave();
                Ok(value)
            }
            _ => Err(unexpected(Some(&token))),
        }
    }
}

/// A binary operator; `eval` is false in a branch that is not evaluated (no division
/// error there).
fn apply(op: &str, l: Value, r: Value, eval: bool) -> Result<Value, PreprocessError> {
    let unsigned = l.unsigned || r.unsigned;
    let arith = |bits: u64| Value { bits, unsigned };
    let less = |a: Value, b: Value| {
        if unsigned {
            a.bits < b.bits
        } else {
            (a.bits as i64) < (b.bits as i64)
        }
    };
    Ok(match op {
        "*" => arith(l.bits.wrapping_mul(r.bits)),
        "/" | "%" => return divide(op, l, r, eval),
        "+" => arith(l.bits.wrapping_add(r.bits)),
        "-" => arith(l.bits.wrapping_sub(r.bits)),
        "<<" => shift(l, r, true),
        ">>" => shift(l, r, false),
        "<" => Value::truth(less(l, r)),
        ">" => Value::truth(less(r, l)),
        "<=" => Value::truth(!less(r, l)),
        ">=" => Value::truth(!less(l, r)),
        "==" => Value::truth(l.bits == r.bits),
        "!=" => Value::truth(l.bits != r.bits),
        "&" => arith(l.bits & r.bits),
        "^" => arith(l.bits ^ r.bits),
        "|" => arith(l.bits | r.bits),
        "&&" => Value::truth(l.is_true() && r.is_true()),
        _ => Value::truth(l.is_true() || r.is_true()),
    })
}

fn divide(op: &str, l: Value, r: Value, eval: bool) -> Result<Value, PreprocessError> {
    let unsigned = l.unsigned || r.unsigned;
    if r.bits == 0 {
        return if eval {
            Err(PreprocessError::DivisionByZero)
        } else {
            Ok(Value { bits: 0, unsigned })
        };
    }
    let bits = match (op, unsigned) {
        ("/", true) => l.bits / r.bits,
        (_, true) => l.bits % r.bits,
        ("/", false) => (l.bits as i64).wrapping_div(r.bits as i64) as u64,
        (_, false) => (l.bits as i64).wrapping_rem(r.bits as i64) as u64,
    };
    Ok(Value { bits, unsigned })
}

/// `<<` and `>>` as clang (Apple's `cc`) computes them, the count taken as unsigned: a
/// left shift by 64 or more is 0; a right shift takes the count's low 32 bits and shifts
/// by at most 63 (GCC differs: it shifts by a negative count the other way).
fn shift(l: Value, r: Value, left: bool) -> Value {
    let bits = if left {
        u32::try_from(r.bits)
            .ok()
            .and_then(|count| l.bits.checked_shl(count))
            .unwrap_or(0)
    } else {
        let count = (r.bits as u32).min(63);
        if l.unsigned {
            l.bits >> count
        } else {
            ((l.bits as i64) >> count) as u64
        }
    };
    Value {
        bits,
        unsigned: l.unsigned,
    }
}

/// An integer constant: decimal, `0x` hex, `0b` binary or `0` octal, with `u`/`l` suffixes.
fn number(text: &str) -> Result<Value, PreprocessError> {
    let invalid = || PreprocessError::InvalidNumber {
        text: text.to_owned(),
    };
    let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
    let suffix = text.get(digits.len()..).unwrap_or_default();
    let us = suffix
        .chars()
        .filter(|c| c.eq_ignore_ascii_case(&'u'))
        .count();
    if us > 1 || suffix.len() - us > 2 {
        return Err(invalid());
    }
    let lower = digits.to_ascii_lowercase();
    let (radix, digits) = if let Some(hex) = lower.strip_prefix("0x") {
        (16, hex)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        (2, bin)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.get(1..).unwrap_or_default())
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid());
    }
    let bits = u64::from_str_radix(digits, radix).map_err(|_| invalid())?;
    Ok(Value {
        bits,
        unsigned: us == 1 || bits > i64::MAX as u64,
    })
}

/// A character constant: plain ones are `char` (signed) if one character, `int` built a
/// byte at a time if more (as GCC); `L`, `u`, `U` ones are the last character's value.
fn character(text: &str) -> Result<Value, PreprocessError> {
    let invalid = || PreprocessError::InvalidCharacter {
        text: text.to_owned(),
    };
    let (prefix, quoted) = text.split_at(text.find('\'').ok_or_else(invalid)?);
    let body = quoted
        .strip_prefix('\'')
        .and_then(|b| b.strip_suffix('\''))
        .ok_or_else(invalid)?;
    let units = decode(body, prefix.is_empty());
    let last = *units.last().ok_or_else(invalid)?;
    Ok(match prefix {
        "" if units.len() == 1 => Value::signed(i64::from(last as u8 as i8)),
        "" => {
            let folded = units.iter().fold(0u32, |acc, &u| (acc << 8) | (u & 0xff));
            Value::signed(i64::from(folded as i32))
        }
        "L" => Value::signed(i64::from(last as i32)),
        _ => Value {
            bits: u64::from(last),
            unsigned: true,
        },
    })
}

/// The code units of a character constant's body, escapes decoded; `bytes` splits
/// non-ASCII characters into their UTF-8 bytes.
fn decode(body: &str, bytes: bool) -> Vec<u32> {
    let mut units = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        let unit = if c == '\\' {
            escape(&mut chars)
        } else if bytes && !c.is_ascii() {
            let mut buf = [0u8; 4];
            units.extend(c.encode_utf8(&mut buf).bytes().map(u32::from));
            continue;
        } else {
            u32::from(c)
        };
        units.push(unit);
    }
    units
}

fn escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> u32 {
    let Some(c) = chars.next() else {
        return u32::from('\\');
    };
    match c {
        'n' => 10,
        't' => 9,
        'r' => 13,
        'a' => 7,
        'b' => 8,
        'f' => 12,
        'v' => 11,
        'e' | 'E' => 27,
        'x' => digits_from(chars, 0, 16, usize::MAX),
        '0'..='7' => {
            let first = c.to_digit(8).unwrap_or(0);
            digits_from(chars, first, 8, 2)
        }
        other => u32::from(other),
    }
}

/// Reads up to `max` more digits of `radix` after a value of `value`; the total, wrapping.
fn digits_from(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    mut value: u32,
    radix: u32,
    max: usize,
) -> u32 {
    let mut count = 0;
    while count < max {
        let Some(d) = chars.peek().and_then(|c| c.to_digit(radix)) else {
            break;
        };
        value = value.wrapping_mul(radix).wrapping_add(d);
        chars.next();
        count += 1;
    }
    value
}
