//! [`Out`]: the generated code as it is written, indented as it goes.
//!
//! The generator writes lines with no indentation; `Out` indents each by four spaces per
//! brace open at its start (a line that starts by closing a brace is indented for the depth
//! it closes to), so the code reads well without a formatter, in one pass over the output.
//! Braces inside string and character literals and after `//` do not count.
//!
//! Given a writer, `Out` hands it the code in blocks as lines are finished, so a large
//! interface's code is never held whole in memory.

use std::{fmt, io};

/// Indentation per open brace.
const INDENT: &str = "    ";

/// How much finished code `Out` keeps before handing it to its writer.
const BLOCK: usize = 64 * 1024;

/// Generated code, indented line by line as it is written.
#[derive(Default)]
pub(super) struct Out<'w> {
    /// The finished lines (not yet written, with a writer).
    code: String,
    /// The line being written (not yet indented).
    line: String,
    /// Braces open before `line`.
    depth: usize,
    /// Where finished code goes; `None` keeps it all in `code`.
    sink: Option<&'w mut dyn io::Write>,
    /// The first write that failed (nothing more is written after it).
    error: Option<io::Error>,
}

impl fmt::Debug for Out<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Out")
            .field("depth", &self.depth)
            .field("streaming", &self.sink.is_some())
            .finish_non_exhaustive()
    }
}

impl<'w> Out<'w> {
    /// Code handed to `sink` as it is finished.
    pub(super) fn to(sink: &'w mut dyn io::Write) -> Out<'w> {
        Out {
            sink: Some(sink),
            ..Out::default()
        }
    }

    /// Appends `s`; each line it ends is indented and added to the code.
    pub(super) fn push_str(&mut self, s: &str) {
        let mut rest = s;
        while let Some(at) = rest.find('\n') {
            self.line.push_str(&rest[..at]);
            self.end_line();
            rest = &rest[at + 1..];
        }
        self.line.push_str(rest);
    }

    /// Appends one character.
    pub(super) fn push(&mut self, c: char) {
        if c == '\n' {
            self.end_line();
        } else {
            self.line.push(c);
        }
    }

    /// The code, with any unfinished last line ended; with a writer, what is left is
    /// written (and the code returned is empty).
    ///
    /// # Errors
    /// The first write to the writer that failed.
    pub(super) fn finish(mut self) -> io::Result<String> {
        if !self.line.is_empty() {
            self.end_line();
        }
        self.hand_over();
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.code),
        }
    }

    /// Writes the finished code to the writer, if there is one.
    fn hand_over(&mut self) {
        if let Some(sink) = &mut self.sink {
            if self.error.is_none() {
                self.error = sink.write_all(self.code.as_bytes()).err();
            }
            self.code.clear();
        }
    }

    fn end_line(&mut self) {
        let text = self.line.trim();
        if !text.is_empty() {
            let (closed_first, net) = braces(text);
            let at = self.depth.saturating_sub(closed_first);
            for _ in 0..at {
                self.code.push_str(INDENT);
            }
            self.code.push_str(text);
            self.depth = self.depth.saturating_add_signed(net);
        }
        self.code.push('\n');
        self.line.clear();
        if self.code.len() >= BLOCK {
            self.hand_over();
        }
    }
}

impl fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// For one line of code: how many braces it closes before it opens any (its leading `}`s),
/// and its net change in open braces, not counting braces in literals or a `//` comment.
fn braces(line: &str) -> (usize, isize) {
    let b = line.as_bytes();
    let (mut net, mut lowest) = (0isize, 0isize);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => net += 1,
            b'}' => {
                net -= 1;
                lowest = lowest.min(net);
            }
            b'/' if b.get(i + 1) == Some(&b'/') => break,
            b'"' => {
                // A string literal: to its closing quote, over escapes.
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A character literal of a brace (a lifetime's `'` is left alone).
            b'\'' if matches!(b.get(i + 1), Some(b'{' | b'}')) && b.get(i + 2) == Some(&b'\'') => {
                i += 2;
            }
            _ => {}
        }
        i += 1;
    }
    (lowest.unsigned_abs(), net)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use super::*;

    fn indent(code: &str) -> String {
        let mut out = Out::default();
        out.push_str(code);
        out.finish().unwrap()
    }

    #[test]
    fn nesting_is_indented_and_closers_dedent_first() {
        let code =
            "pub mod m {\nfn f() {\nif x { y(); }\nlet z = (|| {\n1\n})();\n} else {\nw\n}\n}\n";
        assert_eq!(
            indent(code),
            "pub mod m {\n    fn f() {\n        if x { y(); }\n        let z = (|| {\n            1\n        })();\n    } else {\n        w\n    }\n}\n"
        );
    }

    #[test]
    fn braces_in_literals_and_comments_do_not_count() {
        let code = "a(\"{\\\"{\", '{');\n/// `{` opens\nb(); // {\nc\n";
        assert_eq!(
            indent(code),
            "a(\"{\\\"{\", '{');\n/// `{` opens\nb(); // {\nc\n"
        );
        assert_eq!(braces("fn f<'a>(x: &'a u8) {"), (0, 1));
    }

    #[test]
    fn pieces_written_across_calls_make_one_line() {
        let mut out = Out::default();
        let _ = write!(out, "fn f() ");
        let _ = writeln!(out, "{{");
        out.push_str("x\n");
        out.push('}');
        assert_eq!(out.finish().unwrap(), "fn f() {\n    x\n}\n");
    }

    #[test]
    fn a_writer_gets_the_same_code_in_blocks() {
        let mut code = String::new();
        for i in 0..20_000 {
            let _ = writeln!(code, "fn f{i}() {{\nx\n}}");
        }
        let whole = indent(&code);
        let mut written = Vec::new();
        let mut out = Out::to(&mut written);
        out.push_str(&code);
        assert_eq!(out.finish().unwrap(), "");
        assert_eq!(String::from_utf8(written).unwrap(), whole);
    }

    #[test]
    fn a_failed_write_is_reported_once_and_stops_writing() {
        struct Full(usize);
        impl io::Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                self.0 += 1;
                Err(io::Error::new(io::ErrorKind::StorageFull, "full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut full = Full(0);
        let mut out = Out::to(&mut full);
        for _ in 0..20_000 {
            out.push_str("let x = 1;\n");
        }
        let err = out.finish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(full.0, 1);
    }

    #[test]
    fn unbalanced_input_never_underflows() {
        assert_eq!(indent("}\n}\nx\n"), "}\n}\nx\n");
    }
}
