//! Macro definitions: what follows `#define` parsed once into a name, a parameter list and a
//! replacement list whose parameters, `#` and `##` are already resolved. Expanding them is
//! `expand`'s.

use std::rc::Rc;

use super::PreprocessError;
use super::token::{Kind, Token};
use crate::Error;

/// One element of a macro's replacement list, parameters already resolved.
#[derive(Clone, Debug)]
pub(super) enum BodyItem {
    Token(Token),
    /// A parameter (its index); `space` is whether whitespace came before it.
    Param {
        index: usize,
        space: bool,
    },
    /// `# parameter`.
    Stringize {
        index: usize,
        space: bool,
    },
    /// The `##` operator.
    Paste,
}

#[derive(Clone, Debug)]
pub(super) struct Params {
    /// Named parameters, plus the variadic one (`__VA_ARGS__` or `name...`) last.
    pub(super) names: Vec<Rc<str>>,
    pub(super) variadic: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Macro {
    pub(super) name: Rc<str>,
    /// `None` for object-like macros.
    pub(super) params: Option<Params>,
    pub(super) body: Vec<BodyItem>,
}

/// Parses what follows `#define`.
pub(super) fn parse_define(tokens: &[Token], directive: &Token) -> Result<Macro, Error> {
    let name = macro_name(tokens, directive, "define")?;
    let mut rest = tokens.get(1..).unwrap_or_default();
    let params = match rest.first() {
        Some(paren) if paren.is("(") && !paren.space => {
            let (params, used) = parse_params(rest, name)?;
            rest = rest.get(used..).unwrap_or_default();
            Some(params)
        }
        _ => None,
    };
    let body = parse_body(rest, params.as_ref(), name)?;
    Ok(Macro {
        name: name.text.clone(),
        params,
        body,
    })
}

/// The identifier a directive names (`#define X`, `#ifdef X`, …).
pub(super) fn macro_name<'t>(
    tokens: &'t [Token],
    directive: &Token,
    name: &str,
) -> Result<&'t Token, Error> {
    match tokens.first() {
        Some(t) if t.kind == Kind::Ident && &*t.text == "defined" => {
            Err(t.error(PreprocessError::InvalidMacroName {
                name: t.text.to_string(),
            }))
        }
        Some(t) if t.kind == Kind::Ident => Ok(t),
        _ => Err(directive.error(PreprocessError::MissingMacroName {
            directive: name.to_owned(),
        })),
    }
}

/// Parses `( a, b, ... )` at the start of `tokens`; returns the parameters and how many tokens
/// the list took.
fn parse_params(tokens: &[Token], name: &Token) -> Result<(Params, usize), Error> {
    let bad = || {
        name.error(PreprocessError::BadParameterList {
            name: name.text.to_string(),
        })
    };
    let mut names: Vec<Rc<str>> = Vec::new();
    let mut variadic = false;
    let mut i = 1;
    if tokens.get(i).is_some_and(|t| t.is(")")) {
        return Ok((Params { names, variadic }, i + 1));
    }
    loop {
        let token = tokens.get(i).ok_or_else(bad)?;
        if token.is("...") {
            names.push("__VA_ARGS__".into());
            variadic = true;
        } else if token.kind == Kind::Ident && &*token.text != "__VA_ARGS__" {
            if names.contains(&token.text) {
                return Err(token.error(PreprocessError::DuplicateParameter {
                    name: name.text.to_string(),
                    parameter: token.text.to_string(),
                }));
            }
            names.push(token.text.clone());
            if tokens.get(i + 1).is_some_and(|t| t.is("...")) {
                variadic = true;
                i += 1;
            }
        } else {
            return Err(bad());
        }
        i += 1;
        match tokens.get(i) {
            Some(t) if t.is(")") => return Ok((Params { names, variadic }, i + 1)),
            Some(t) if t.is(",") && !variadic => i += 1,
            _ => return Err(bad()),
        }
    }
}

/// Resolves a replacement list: parameters, `#` and `##`.
fn parse_body(
    tokens: &[Token],
    params: Option<&Params>,
    name: &Token,
) -> Result<Vec<BodyItem>, Error> {
    let param = |t: &Token| {
        let params = params?;
        if t.kind != Kind::Ident {
            return None;
        }
        params.names.iter().position(|n| *n == t.text)
    };
    let mut body = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(token) = tokens.get(i) {
        let space = token.space && i > 0;
        let item = if token.is("##") {
            BodyItem::Paste
        } else if let Some(index) = param(token) {
            BodyItem::Param { index, space }
        } else if token.is("#") && params.is_some() {
            let index = tokens.get(i + 1).and_then(param).ok_or_else(|| {
                token.error(PreprocessError::StringizeWithoutParameter {
                    name: name.text.to_string(),
                })
            })?;
            i += 1;
            BodyItem::Stringize { index, space }
        } else {
            let mut token = token.clone();
            token.space = space;
            BodyItem::Token(token)
        };
        body.push(item);
        i += 1;
    }
    if matches!(body.first(), Some(BodyItem::Paste)) || matches!(body.last(), Some(BodyItem::Paste))
    {
        return Err(name.error(PreprocessError::PasteAtEdge {
            name: name.text.to_string(),
        }));
    }
    Ok(body)
}
