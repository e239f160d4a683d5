//! `#include`, `#include_next` and `#import`: the name of the file wanted, the search (the
//! including file's directory, then the `-I` directories), files not to read twice
//! (`#import`, `#pragma once`), and the limits on nesting, count and bytes read.

use std::io;
use std::path::{Component, Path, PathBuf};

use super::run::Run;
use super::token::{Kind, Token, spell};
use super::{MAX_INCLUDE_DEPTH, MAX_INCLUDES, MAX_INPUT_BYTES, PreprocessError};
use crate::Error;

/// A file `#include` found.
struct Found {
    path: PathBuf,
    /// The `-I` directory it is in, if found in one.
    dir_index: Option<usize>,
    text: String,
}

impl Run<'_> {
    pub(super) fn include(
        &mut self,
        directive: &str,
        args: &[Token],
        hash: &Token,
    ) -> Result<(), Error> {
        let (name, angled) = self.include_target(args, hash)?;
        let spelled = if angled {
            format!("<{name}>")
        } else {
            format!("\"{name}\"")
        };
        let found = self.find_include(&name, angled, directive == "include_next")?;
        let Some(Found {
            path,
            dir_index,
            text,
        }) = found
        else {
            return Err(hash.error(PreprocessError::IncludeNotFound { name: spelled }));
        };
        let key = normalize(&path);
        if self.once.contains(&key) {
            return Ok(());
        }
        if directive == "import" {
            self.once.insert(key.clone());
        }
        if self.frames.len() >= MAX_INCLUDE_DEPTH {
            return Err(hash.error(PreprocessError::IncludeTooDeep {
                limit: MAX_INCLUDE_DEPTH,
            }));
        }
        self.includes += 1;
        if self.includes > MAX_INCLUDES {
            return Err(hash.error(PreprocessError::TooManyIncludes {
                limit: MAX_INCLUDES,
            }));
        }
        self.bytes = self.bytes.saturating_add(text.len());
        if self.bytes > MAX_INPUT_BYTES {
            return Err(hash.error(PreprocessError::InputTooLarge {
                limit: MAX_INPUT_BYTES,
            }));
        }
        let dir = key.parent().map(Path::to_path_buf);
        self.push_file(Some(key), dir, dir_index, &text)
    }

    /// The file an `#include` names, and whether it was `<angled>`.
    fn include_target(&mut self, args: &[Token], hash: &Token) -> Result<(String, bool), Error> {
        if let Some(target) = args.first().and_then(header_name) {
            return Ok(target);
        }
        let expanded = self.expand_all(args.to_vec(), false, false)?;
        let bad = |found: &str| {
            hash.error(PreprocessError::BadInclude {
                found: found.to_owned(),
            })
        };
        match expanded.first() {
            Some(first) if first.is("<") => {
                let close = expanded.iter().position(|t| t.is(">"));
                match close.and_then(|close| expanded.get(1..close)) {
                    Some(inner) if !inner.is_empty() => Ok((spell(inner), true)),
                    _ => Err(bad(&spell(&expanded))),
                }
            }
            Some(first) => header_name(first).ok_or_else(|| bad(&first.text)),
            None => Err(bad("end of line")),
        }
    }

    /// Reads the first file `name` resolves to: the including file's directory first (unless
    /// angled), then the `-I` directories (from after the current file's, for
    /// `#include_next`).
    fn find_include(&self, name: &str, angled: bool, next: bool) -> Result<Option<Found>, Error> {
        let frame = self.frames.last();
        let mut candidates: Vec<(PathBuf, Option<usize>)> = Vec::new();
        if Path::new(name).is_absolute() {
            candidates.push((PathBuf::from(name), None));
        } else {
            let current = frame.and_then(|f| f.dir_index);
            if !angled
                && !next
                && let Some(dir) = frame.and_then(|f| f.dir.as_ref())
            {
                candidates.push((dir.join(name), current));
            }
            let first = if next {
                current.map_or(0, |i| i + 1)
            } else {
                0
            };
            for (i, dir) in self.pp.include_dirs.iter().enumerate().skip(first) {
                candidates.push((dir.join(name), Some(i)));
            }
        }
        for (path, dir_index) in candidates {
            match (self.pp.read)(&path) {
                Ok(text) => {
                    return Ok(Some(Found {
                        path,
                        dir_index,
                        text,
                    }));
                }
                Err(e) if is_not_there(&e) => {}
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
        Ok(None)
    }
}

pub(super) fn read_file(path: &Path) -> io::Result<String> {
    std::fs::read(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// `path` with `.` components dropped and `dir/..` pairs folded (lexically), so that one file
/// reached two ways is one `#import`/`#pragma once` key.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether a `#include` candidate's error means "not in this directory".
fn is_not_there(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory | io::ErrorKind::NotADirectory
    )
}

/// A header name from a `<…>` or plain `"…"` token, and whether it was angled.
fn header_name(token: &Token) -> Option<(String, bool)> {
    let (inner, angled) = match token.kind {
        Kind::HeaderName => (token.text.strip_prefix('<')?.strip_suffix('>')?, true),
        Kind::Str => (token.text.strip_prefix('"')?.strip_suffix('"')?, false),
        _ => return None,
    };
    (!inner.is_empty()).then(|| (inner.to_owned(), angled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(
            normalize(Path::new("/a/./b/../c.h")),
            PathBuf::from("/a/c.h")
        );
        assert_eq!(normalize(Path::new("../x/./y")), PathBuf::from("../x/y"));
        assert_eq!(normalize(Path::new("/../y")), PathBuf::from("/y"));
    }
}
