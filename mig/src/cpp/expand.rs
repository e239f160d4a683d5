//! Macro expansion by Prosser's hide-set algorithm, iteratively over a queue: invocations,
//! their arguments (read from following lines when an invocation spans them), substitution,
//! `#` and `##`, GNU's `, ## __VA_ARGS__`, and `__FILE__`/`__LINE__`. Every token and hide-set
//! entry produced is charged to a [`Ctx`], so that no input expands without bound.

use std::collections::VecDeque;

use super::lexer::Lexer;
use super::macros::{BodyItem, Macro, Params};
use super::run::Run;
use super::token::{HideSet, Kind, Token};
use super::{MAX_EXPANSION_DEPTH, MAX_EXPANSION_WORK, MAX_RUN_WORK, PreprocessError};
use crate::Error;

/// How an expansion runs.
#[derive(Debug)]
pub(super) struct Ctx {
    /// Whether more source lines may be read (to find a `(` or close an argument list).
    pub(super) pull: bool,
    /// Whether `defined` is an operator (in `#if`).
    pub(super) if_mode: bool,
    /// How deeply arguments are being pre-expanded.
    pub(super) depth: usize,
    /// Tokens and hide-set entries produced so far.
    pub(super) work: usize,
    /// What the run has left of [`MAX_RUN_WORK`].
    pub(super) run_budget: usize,
}

impl Ctx {
    fn charge(&mut self, amount: usize, at: &Token) -> Result<(), Error> {
        self.work = self.work.saturating_add(amount);
        if self.work > MAX_EXPANSION_WORK {
            return Err(at.error(PreprocessError::ExpansionTooLarge {
                limit: MAX_EXPANSION_WORK,
            }));
        }
        if self.work > self.run_budget {
            return Err(at.error(PreprocessError::RunTooLarge {
                limit: MAX_RUN_WORK,
            }));
        }
        Ok(())
    }
}

/// `#x`: the argument's spelling as a string literal.
fn stringize(arg: &[Token], at: &Token, space: bool) -> Token {
    let mut text = String::from("\"");
    for (i, token) in arg.iter().enumerate() {
        if i > 0 && token.space {
            text.push(' ');
        }
        if matches!(token.kind, Kind::Str | Kind::Char) {
            for c in token.text.chars() {
                if c == '"' || c == '\\' {
                    text.push('\\');
                }
                text.push(c);
            }
        } else {
            text.push_str(&token.text);
        }
    }
    text.push('"');
    let mut token = at.derive(Kind::Str, &text);
    token.space = space;
    token
}

/// `a ## b`: the single token their spellings form, if they form one.
fn paste(left: &Token, right: &Token) -> Result<Token, Error> {
    let joined = format!("{}{}", left.text, right.text);
    let invalid = || {
        left.error(PreprocessError::InvalidPaste {
            left: left.text.to_string(),
            right: right.text.to_string(),
        })
    };
    let lines = Lexer::lex(&joined, &left.file).map_err(|_| invalid())?;
    match lines.as_slice() {
        [line] => match line.as_slice() {
            [token] if *token.text == *joined => Ok(left.derive(token.kind, &joined)),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

/// A step of substitution before `##` is applied.
#[derive(Debug)]
enum Piece {
    Token(Token),
    /// An empty argument next to `##`.
    Placemarker,
    Paste,
}

impl Run<'_> {
    /// Macro-expands `tokens` (and, in a text line, as many following lines as an invocation
    /// needs): Prosser's algorithm, iteratively over a queue.
    pub(super) fn expand(
        &mut self,
        tokens: Vec<Token>,
        ctx: &mut Ctx,
    ) -> Result<Vec<Token>, Error> {
        let mut queue: VecDeque<Token> = tokens.into();
        let mut out = Vec::new();
        while let Some(token) = queue.pop_front() {
            if token.kind != Kind::Ident {
                out.push(token);
            } else if ctx.if_mode && &*token.text == "defined" {
                out.push(self.defined_operator(&token, &mut queue)?);
            } else if token.hide.contains(&token.text) {
                out.push(token);
            } else if let Some(definition) = self.macros.get(&*token.text).cloned() {
                match self.invoke(&definition, &token, &mut queue, ctx)? {
                    Some(expansion) => {
                        for t in expansion.into_iter().rev() {
                            queue.push_front(t);
                        }
                    }
                    None => out.push(token),
                }
            } else {
                out.push(builtin(token));
            }
        }
        Ok(out)
    }

    /// `defined X` or `defined ( X )` in `#if`: 1 or 0.
    fn defined_operator(&self, at: &Token, queue: &mut VecDeque<Token>) -> Result<Token, Error> {
        let missing = || at.error(PreprocessError::DefinedWithoutName);
        let mut name = queue.pop_front().ok_or_else(missing)?;
        let parenthesized = name.is("(");
        if parenthesized {
            name = queue.pop_front().ok_or_else(missing)?;
        }
        if name.kind != Kind::Ident {
            return Err(missing());
        }
        if parenthesized && !queue.pop_front().is_some_and(|t| t.is(")")) {
            return Err(name.error(PreprocessError::BadExpression {
                found: "missing `)` after `defined(`".to_owned(),
            }));
        }
        let value = if self.is_defined(&name) { "1" } else { "0" };
        Ok(at.derive(Kind::Number, value))
    }

    /// Expands one invocation of `definition` named by `name`; `None` if a function-like macro
    /// is not followed by `(`.
    fn invoke(
        &mut self,
        definition: &Macro,
        name: &Token,
        queue: &mut VecDeque<Token>,
        ctx: &mut Ctx,
    ) -> Result<Option<Vec<Token>>, Error> {
        let (args, hide) = match &definition.params {
            None => (Vec::new(), name.hide.with(&definition.name)),
            Some(params) => {
                if !self.next_is_paren(queue, ctx)? {
                    return Ok(None);
                }
                let (args, close) = self.collect_args(params, name, queue, ctx)?;
                let args = check_arity(params, name, args)?;
                let hide = name.hide.intersect(&close.hide).with(&definition.name);
                (args, hide)
            }
        };
        ctx.charge(hide.names().len(), name)?;
        let mut expansion = self.substitute(definition, name, &args, ctx)?;
        ctx.charge(expansion.len(), name)?;
        add_hide_set(&mut expansion, &hide, ctx, name)?;
        if let Some(first) = expansion.first_mut() {
            first.space = name.space;
        }
        Ok(Some(expansion))
    }

    /// Whether a `(` comes next, reading the next line (of this file) if the queue is empty.
    fn next_is_paren(&mut self, queue: &mut VecDeque<Token>, ctx: &Ctx) -> Result<bool, Error> {
        if let Some(next) = queue.front() {
            return Ok(next.is("("));
        }
        if !ctx.pull {
            return Ok(false);
        }
        let Some(line) = self.next_line(Some(self.frames.len()))? else {
            return Ok(false);
        };
        if line.first().is_some_and(|t| t.is("(")) {
            queue.extend(continuation(line));
            Ok(true)
        } else {
            self.pushback = Some(line);
            Ok(false)
        }
    }

    /// Reads an argument list (the queue starts at its `(`), pulling lines as needed; returns
    /// the arguments and the closing `)`.
    fn collect_args(
        &mut self,
        params: &Params,
        name: &Token,
        queue: &mut VecDeque<Token>,
        ctx: &Ctx,
    ) -> Result<(Vec<Vec<Token>>, Token), Error> {
        queue.pop_front();
        let mut args: Vec<Vec<Token>> = vec![Vec::new()];
        let mut depth = 0usize;
        loop {
            let Some(token) = queue.pop_front() else {
                self.pull_line(queue, ctx, name)?;
                continue;
            };
            if token.is("(") {
                depth += 1;
            } else if token.is(")") {
                if depth == 0 {
                    return Ok((args, token));
                }
                depth -= 1;
            } else if token.is(",")
                && depth == 0
                && (!params.variadic || args.len() < params.names.len())
            {
                args.push(Vec::new());
                continue;
            }
            if let Some(arg) = args.last_mut() {
                arg.push(token);
            }
        }
    }

    fn pull_line(
        &mut self,
        queue: &mut VecDeque<Token>,
        ctx: &Ctx,
        name: &Token,
    ) -> Result<(), Error> {
        let unterminated = || {
            name.error(PreprocessError::UnterminatedArguments {
                name: name.text.to_string(),
            })
        };
        if !ctx.pull {
            return Err(unterminated());
        }
        let line = self.next_line(Some(self.frames.len()))?;
        queue.extend(continuation(line.ok_or_else(unterminated)?));
        Ok(())
    }

    /// The replacement list with arguments substituted and `#`/`##` applied.
    fn substitute(
        &mut self,
        definition: &Macro,
        name: &Token,
        args: &[Vec<Token>],
        ctx: &mut Ctx,
    ) -> Result<Vec<Token>, Error> {
        let mut expanded: Vec<Option<Vec<Token>>> = vec![None; args.len()];
        let mut pieces = Vec::with_capacity(definition.body.len());
        let body = &definition.body;
        for (i, item) in body.iter().enumerate() {
            let arg = |index: usize| args.get(index).map_or(&[][..], Vec::as_slice);
            match item {
                BodyItem::Token(t) => pieces.push(Piece::Token(relocate(t, name))),
                BodyItem::Paste if gnu_comma(definition, i) => {
                    if args.last().is_none_or(Vec::is_empty) {
                        pieces.pop();
                    }
                }
                BodyItem::Paste => pieces.push(Piece::Paste),
                BodyItem::Stringize { index, space } => {
                    pieces.push(Piece::Token(stringize(arg(*index), name, *space)));
                }
                BodyItem::Param { index, space } => {
                    let next_to_paste = matches!(
                        i.checked_sub(1).and_then(|p| body.get(p)),
                        Some(BodyItem::Paste)
                    ) || matches!(body.get(i + 1), Some(BodyItem::Paste));
                    let tokens = if next_to_paste {
                        arg(*index).to_vec()
                    } else {
                        self.expanded_arg(&mut expanded, args, *index, name, ctx)?
                    };
                    push_arg(&mut pieces, tokens, *space, next_to_paste);
                }
            }
        }
        paste_pieces(pieces)
    }

    /// An argument fully macro-expanded on its own (once per invocation).
    fn expanded_arg(
        &mut self,
        cache: &mut [Option<Vec<Token>>],
        args: &[Vec<Token>],
        index: usize,
        name: &Token,
        ctx: &mut Ctx,
    ) -> Result<Vec<Token>, Error> {
        if let Some(Some(done)) = cache.get(index) {
            return Ok(done.clone());
        }
        if ctx.depth >= MAX_EXPANSION_DEPTH {
            return Err(name.error(PreprocessError::ExpansionTooDeep {
                limit: MAX_EXPANSION_DEPTH,
            }));
        }
        let arg = args.get(index).cloned().unwrap_or_default();
        ctx.charge(arg.len(), name)?;
        let pull = std::mem::replace(&mut ctx.pull, false);
        ctx.depth += 1;
        let result = self.expand(arg, ctx);
        ctx.depth -= 1;
        ctx.pull = pull;
        let result = result?;
        if let Some(slot) = cache.get_mut(index) {
            *slot = Some(result.clone());
        }
        Ok(result)
    }
}

/// Tokens of a line read to continue an invocation: the line break counts as a space.
fn continuation(mut line: Vec<Token>) -> Vec<Token> {
    if let Some(first) = line.first_mut() {
        first.space = true;
    }
    line
}

/// Checks the argument count; an absent variadic argument becomes an empty one.
fn check_arity(
    params: &Params,
    name: &Token,
    mut args: Vec<Vec<Token>>,
) -> Result<Vec<Vec<Token>>, Error> {
    let count = params.names.len();
    let found = args.len();
    if count == 0 && found == 1 && args.first().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    if params.variadic {
        if found + 1 == count {
            args.push(Vec::new());
        } else if found < count {
            return Err(name.error(PreprocessError::TooFewArguments {
                name: name.text.to_string(),
                at_least: count - 1,
                found,
            }));
        }
    } else if found != count {
        return Err(name.error(PreprocessError::WrongArgumentCount {
            name: name.text.to_string(),
            expected: count,
            found,
        }));
    }
    Ok(args)
}

/// Whether the `##` at `i` is GNU's `, ## __VA_ARGS__`, which pastes nothing: it removes the
/// comma when the variadic argument is empty and does nothing otherwise.
fn gnu_comma(definition: &Macro, i: usize) -> bool {
    let Some(params) = definition.params.as_ref().filter(|p| p.variadic) else {
        return false;
    };
    let body = &definition.body;
    let comma_before =
        matches!(i.checked_sub(1).and_then(|p| body.get(p)), Some(BodyItem::Token(t)) if t.is(","));
    let va_after = matches!(body.get(i + 1), Some(BodyItem::Param { index, .. }) if *index + 1 == params.names.len());
    comma_before && va_after
}

/// Pushes an argument's tokens (first one spaced like the parameter); an empty argument next to
/// `##` is a placemarker.
fn push_arg(pieces: &mut Vec<Piece>, tokens: Vec<Token>, space: bool, next_to_paste: bool) {
    if tokens.is_empty() {
        if next_to_paste {
            pieces.push(Piece::Placemarker);
        }
        return;
    }
    for (i, mut token) in tokens.into_iter().enumerate() {
        if i == 0 {
            token.space = space;
        }
        pieces.push(Piece::Token(token));
    }
}

/// Applies `##` left to right and drops placemarkers.
fn paste_pieces(pieces: Vec<Piece>) -> Result<Vec<Token>, Error> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    let mut pieces = pieces.into_iter();
    while let Some(piece) = pieces.next() {
        let Piece::Paste = piece else {
            out.push(piece);
            continue;
        };
        let left = out.pop().unwrap_or(Piece::Placemarker);
        let right = match pieces.next() {
            Some(Piece::Paste) | None => Piece::Placemarker,
            Some(right) => right,
        };
        out.push(match (left, right) {
            (Piece::Token(l), Piece::Token(r)) => Piece::Token(paste(&l, &r)?),
            (Piece::Token(l), _) => Piece::Token(l),
            (_, right) => right,
        });
    }
    Ok(out
        .into_iter()
        .filter_map(|p| match p {
            Piece::Token(t) => Some(t),
            _ => None,
        })
        .collect())
}

/// A replacement-list token placed at the invocation.
fn relocate(token: &Token, at: &Token) -> Token {
    let mut token = token.clone();
    token.file = at.file.clone();
    token.line = at.line;
    token.column = at.column;
    token
}

/// Adds `hide` to every token's hide set, sharing the result between tokens that had the same
/// set (which is nearly all of them).
fn add_hide_set(
    tokens: &mut [Token],
    hide: &HideSet,
    ctx: &mut Ctx,
    at: &Token,
) -> Result<(), Error> {
    let mut memo: Option<(HideSet, HideSet)> = None;
    for token in tokens {
        if token.hide.is_empty() {
            token.hide = hide.clone();
            continue;
        }
        if let Some((from, to)) = &memo
            && from.same(&token.hide)
        {
            token.hide = to.clone();
            continue;
        }
        ctx.charge(token.hide.names().len() + hide.names().len(), at)?;
        let merged = token.hide.union(hide);
        memo = Some((token.hide.clone(), merged.clone()));
        token.hide = merged;
    }
    Ok(())
}

pub(super) fn is_builtin(name: &str) -> bool {
    matches!(name, "__FILE__" | "__LINE__")
}

/// `__FILE__` and `__LINE__` (when not defined by the user); any other token as it is.
fn builtin(token: Token) -> Token {
    match &*token.text {
        "__LINE__" => token.derive(Kind::Number, &token.line.to_string()),
        "__FILE__" => {
            let escaped = token.file.replace('\\', "\\\\").replace('"', "\\\"");
            token.derive(Kind::Str, &format!("\"{escaped}\""))
        }
        _ => token,
    }
}
