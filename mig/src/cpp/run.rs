//! A run: the state one preprocessing carries (the macro table, the files open inside one
//! another, the output) and its main loop, which reads logical lines, carries out
//! directives and expands the active text lines.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use super::directives::Conditional;
use super::expand::Ctx;
use super::lexer::Lexer;
use super::macros::Macro;
use super::token::{Token, spell_with_origins};
use super::{
    COMMAND_LINE, Line, MAX_RUN_WORK, PreprocessError, Preprocessed, Preprocessor, Warning,
};
use crate::{Error, Location};

/// A file being read.
#[derive(Debug)]
pub(super) struct Frame {
    /// Its normalized path (`None` for the command-line definitions).
    pub(super) path: Option<PathBuf>,
    /// Where `#include "f"` looks first.
    pub(super) dir: Option<PathBuf>,
    /// The `-I` directory it was found in, where `#include_next` continues.
    pub(super) dir_index: Option<usize>,
    pub(super) lines: std::vec::IntoIter<Vec<Token>>,
    pub(super) conditionals: Vec<Conditional>,
}

/// The state of one run: the macro table, the open files, the output.
pub(super) struct Run<'p> {
    pub(super) pp: &'p Preprocessor,
    pub(super) macros: HashMap<Rc<str>, Rc<Macro>>,
    pub(super) frames: Vec<Frame>,
    /// A line read to look for a `(` that was not one, to be read again.
    pub(super) pushback: Option<Vec<Token>>,
    /// Files not to include again (`#import`, `#pragma once`).
    pub(super) once: HashSet<PathBuf>,
    pub(super) warnings: Vec<Warning>,
    /// Expansion work done so far (of [`MAX_RUN_WORK`]).
    work: usize,
    /// `#include`s carried out so far (of [`MAX_INCLUDES`](super::MAX_INCLUDES)).
    pub(super) includes: usize,
    /// Bytes read so far (of [`MAX_INPUT_BYTES`](super::MAX_INPUT_BYTES)).
    pub(super) bytes: usize,
}

impl<'p> Run<'p> {
    pub(super) fn new(pp: &'p Preprocessor) -> Run<'p> {
        Run {
            pp,
            macros: HashMap::new(),
            frames: Vec::new(),
            pushback: None,
            once: HashSet::new(),
            warnings: Vec::new(),
            work: 0,
            includes: 0,
            bytes: 0,
        }
    }

    /// Expands `tokens` in a fresh context, counting its work against the run's.
    pub(super) fn expand_all(
        &mut self,
        tokens: Vec<Token>,
        pull: bool,
        if_mode: bool,
    ) -> Result<Vec<Token>, Error> {
        let mut ctx = Ctx {
            pull,
            if_mode,
            depth: 0,
            work: 0,
            run_budget: MAX_RUN_WORK.saturating_sub(self.work),
        };
        let result = self.expand(tokens, &mut ctx);
        self.work = self.work.saturating_add(ctx.work);
        result
    }

    /// Reads lines until all files are done, expanding each active text line.
    pub(super) fn lines(mut self) -> Result<Preprocessed, Error> {
        let mut lines = Vec::new();
        while let Some(tokens) = self.next_line(None)? {
            let Some(first) = tokens.first() else {
                continue;
            };
            let location = Location::new(first.file.clone(), first.line, 1);
            let expanded = self.expand_all(tokens, true, false)?;
            if !expanded.is_empty() {
                let (text, origins) = spell_with_origins(&expanded, Some(&location.file));
                lines.push(Line {
                    text,
                    location,
                    origins,
                });
            }
        }
        Ok(Preprocessed {
            lines,
            warnings: self.warnings,
        })
    }

    pub(super) fn push_file(
        &mut self,
        path: Option<PathBuf>,
        dir: Option<PathBuf>,
        dir_index: Option<usize>,
        text: &str,
    ) -> Result<(), Error> {
        let name: Arc<str> = match &path {
            Some(path) => path.display().to_string().into(),
            None => COMMAND_LINE.into(),
        };
        let lines = Lexer::lex(text, &name)?;
        self.frames.push(Frame {
            path,
            dir,
            dir_index,
            lines: lines.into_iter(),
            conditionals: Vec::new(),
        });
        Ok(())
    }

    /// The next active text line, directives in between carried out. With `stop` set, returns
    /// `None` rather than leave the file open at that depth.
    pub(super) fn next_line(&mut self, stop: Option<usize>) -> Result<Option<Vec<Token>>, Error> {
        if let Some(line) = self.pushback.take() {
            return Ok(Some(line));
        }
        loop {
            let depth = self.frames.len();
            let Some(frame) = self.frames.last_mut() else {
                return Ok(None);
            };
            let Some(line) = frame.lines.next() else {
                self.close_file()?;
                if stop.is_some_and(|stop| depth <= stop) {
                    return Ok(None);
                }
                continue;
            };
            if line.first().is_some_and(|t| t.is("#")) {
                self.directive(line)?;
            } else if self.active() {
                return Ok(Some(line));
            }
        }
    }

    fn close_file(&mut self) -> Result<(), Error> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        match frame.conditionals.last() {
            Some(open) => Err(Error::Preprocess {
                location: open.opener.clone(),
                kind: PreprocessError::UnterminatedConditional {
                    directive: open.directive.to_owned(),
                },
            }),
            None => Ok(()),
        }
    }

    pub(super) fn active(&self) -> bool {
        self.frames
            .last()
            .and_then(|f| f.conditionals.last())
            .is_none_or(|c| c.active)
    }

    pub(super) fn conditionals(&mut self) -> Option<&mut Vec<Conditional>> {
        self.frames.last_mut().map(|f| &mut f.conditionals)
    }
}
