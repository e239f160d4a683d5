//! Directives: `#define` and `#undef`, `#error`, `#warning` and `#pragma`, and conditional
//! groups (`#if`, `#ifdef`, `#elif`… `#endif`), whose state belongs to the file that opened
//! them. `#include` is `include`'s.

use std::rc::Rc;

use super::expand::is_builtin;
use super::expr;
use super::macros::{macro_name, parse_define};
use super::run::Run;
use super::token::{Kind, Token, spell};
use super::{PreprocessError, Warning};
use crate::{Error, Location};

/// An open conditional group.
#[derive(Debug)]
pub(super) struct Conditional {
    /// The directive that opened it, for errors.
    pub(super) directive: &'static str,
    pub(super) opener: Location,
    /// Whether the enclosing group is active.
    parent_active: bool,
    /// Whether the current group is active.
    pub(super) active: bool,
    /// Whether some group has been taken (or none may be).
    taken: bool,
    seen_else: bool,
}

impl Run<'_> {
    pub(super) fn directive(&mut self, line: Vec<Token>) -> Result<(), Error> {
        let (Some(hash), Some(name)) = (line.first(), line.get(1)) else {
            return Ok(()); // `#` alone
        };
        let args = line.get(2..).unwrap_or_default();
        let active = self.active();
        if name.kind != Kind::Ident {
            return match name.kind {
                _ if !active => Ok(()),
                Kind::Number => Ok(()), // a line marker: `# 12 "file"`
                _ => Err(name.error(PreprocessError::UnknownDirective {
                    name: name.text.to_string(),
                })),
            };
        }
        match &*name.text {
            "if" => self.open_if("if", args, hash),
            "ifdef" => self.open_if("ifdef", args, hash),
            "ifndef" => self.open_if("ifndef", args, hash),
            "elif" => self.elif("elif", args, hash),
            "elifdef" => self.elif("elifdef", args, hash),
            "elifndef" => self.elif("elifndef", args, hash),
            "else" => self.else_(hash),
            "endif" => self.endif(hash),
            _ if !active => Ok(()),
            "define" => self.define(args, hash),
            "undef" => self.undef(args, hash),
            "include" | "include_next" | "import" => self.include(&name.text, args, hash),
            "error" => Err(hash.error(PreprocessError::ErrorDirective {
                message: spell(args),
            })),
            "warning" => {
                self.warnings.push(Warning {
                    message: spell(args),
                    location: hash.location(),
                });
                Ok(())
            }
            "pragma" => {
                self.pragma(args);
                Ok(())
            }
            "line" | "ident" | "sccs" => Ok(()),
            other => Err(name.error(PreprocessError::UnknownDirective {
                name: other.to_owned(),
            })),
        }
    }

    fn define(&mut self, args: &[Token], hash: &Token) -> Result<(), Error> {
        let definition = parse_define(args, hash)?;
        self.macros
            .insert(definition.name.clone(), Rc::new(definition));
        Ok(())
    }

    fn undef(&mut self, args: &[Token], hash: &Token) -> Result<(), Error> {
        let name = macro_name(args, hash, "undef")?;
        self.macros.remove(&*name.text);
        Ok(())
    }

    fn pragma(&mut self, args: &[Token]) {
        if args.first().is_some_and(|t| &*t.text == "once")
            && let Some(path) = self.frames.last().and_then(|f| f.path.clone())
        {
            self.once.insert(path);
        }
    }

    /// Evaluates the condition of `#if`/`#ifdef`/`#ifndef` (or an `#elif` form).
    fn condition(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<bool, Error> {
        match directive {
            "if" | "elif" => self.evaluate(directive, args, hash),
            "ifdef" | "elifdef" => Ok(self.is_defined(macro_name(args, hash, directive)?)),
            _ => Ok(!self.is_defined(macro_name(args, hash, directive)?)),
        }
    }

    pub(super) fn is_defined(&self, name: &Token) -> bool {
        self.macros.contains_key(&*name.text) || is_builtin(&name.text)
    }

    fn open_if(
        &mut self,
        directive: &'static str,
        args: &[Token],
        hash: &Token,
    ) -> Result<(), Error> {
        let parent_active = self.active();
        let value = parent_active && self.condition(directive, args, hash)?;
        if let Some(conditionals) = self.conditionals() {
            conditionals.push(Conditional {
                directive,
                opener: hash.location(),
                parent_active,
                active: value,
                taken: value || !parent_active,
                seen_else: false,
            });
        }
        Ok(())
    }

    /// The innermost open conditional, checked to accept `directive`.
    fn open_conditional(
        &mut self,
        directive: &str,
        hash: &Token,
    ) -> Result<&mut Conditional, Error> {
        let open = self.conditionals().and_then(|c| c.last_mut());
        let open = open.ok_or_else(|| {
            hash.error(PreprocessError::UnmatchedConditional {
                directive: directive.to_owned(),
            })
        })?;
        if open.seen_else && directive != "endif" {
            return Err(hash.error(PreprocessError::AfterElse {
                directive: directive.to_owned(),
            }));
        }
        Ok(open)
    }

    fn elif(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<(), Error> {
        let open = self.open_conditional(directive, hash)?;
        let evaluate = open.parent_active && !open.taken;
        open.active = false;
        if evaluate {
            let value = self.condition(directive, args, hash)?;
            let open = self.open_conditional(directive, hash)?;
            open.active = value;
            open.taken = value;
        }
        Ok(())
    }

    fn else_(&mut self, hash: &Token) -> Result<(), Error> {
        let open = self.open_conditional("else", hash)?;
        open.active = open.parent_active && !open.taken;
        open.taken = true;
        open.seen_else = true;
        Ok(())
    }

    fn endif(&mut self, hash: &Token) -> Result<(), Error> {
        self.open_conditional("endif", hash)?;
        if let Some(conditionals) = self.conditionals() {
            conditionals.pop();
        }
        Ok(())
    }

    fn evaluate(&mut self, directive: &str, args: &[Token], hash: &Token) -> Result<bool, Error> {
        if args.is_empty() {
            return Err(hash.error(PreprocessError::MissingExpression {
                directive: directive.to_owned(),
            }));
        }
        let tokens = self.expand_all(args.to_vec(), false, true)?;
        expr::evaluate(&tokens).map_err(|kind| hash.error(kind))
    }
}
