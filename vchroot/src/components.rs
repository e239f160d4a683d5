//! A path taken apart component by component, with symlink targets spliced in front of what
//! is left, as a lookup needs it.
//!
//! The walk never builds a new path string: a symlink's target becomes a new frame on a
//! stack of frames, read before the rest of the frame below it. A frame is the caller's
//! path, a symlink target, a relative path's base directory, or the `Volumes` component that
//! `..` from the host's root leads to.

use std::sync::Arc;

/// The bytes of one frame.
#[derive(Debug)]
enum Bytes<'a> {
    Borrowed(&'a [u8]),
    Shared(Arc<[u8]>),
}

impl Bytes<'_> {
    fn get(&self) -> &[u8] {
        match self {
            Bytes::Borrowed(b) => b,
            Bytes::Shared(b) => b,
        }
    }
}

#[derive(Debug)]
struct Frame<'a> {
    bytes: Bytes<'a>,
    /// Where the next component starts (or the end); never at a `/`.
    pos: usize,
    /// Whether the frame counts towards Darwin's path length limit (the caller's path and
    /// symlink targets do; a base directory and the `Volumes` step do not).
    counted: bool,
}

impl Frame<'_> {
    fn skip_slashes(&mut self) {
        let b = self.bytes.get();
        while self.pos < b.len() && b[self.pos] == b'/' {
            self.pos += 1;
        }
    }

    fn done(&self) -> bool {
        self.pos == self.bytes.get().len()
    }
}

/// How many frames fit without allocating: the path, a base, and a few symlink targets.
const INLINE: usize = 4;

/// The components still to be looked up.
#[derive(Debug)]
pub(crate) struct Components<'a> {
    /// The first frames pushed (innermost last), then `more`.
    inline: [Option<Frame<'a>>; INLINE],
    len: usize,
    more: Vec<Frame<'a>>,
}

impl<'a> Components<'a> {
    /// The components of `path`, which counts towards the length limit.
    pub(crate) fn new(path: &'a [u8]) -> Self {
        let mut c = Components {
            inline: [const { None }; INLINE],
            len: 0,
            more: Vec::new(),
        };
        c.push(Bytes::Borrowed(path), true);
        c
    }

    /// Reads `target`'s components before everything that is left.
    pub(crate) fn push_target(&mut self, target: Arc<[u8]>) {
        self.push(Bytes::Shared(target), true);
    }

    /// Reads `path`'s components before everything that is left, outside the length limit.
    pub(crate) fn push_uncounted(&mut self, path: &'a [u8]) {
        self.push(Bytes::Borrowed(path), false);
    }

    fn push(&mut self, bytes: Bytes<'a>, counted: bool) {
        let mut f = Frame {
            bytes,
            pos: 0,
            counted,
        };
        f.skip_slashes();
        if f.done() {
            return;
        }
        if self.len < INLINE {
            self.inline[self.len] = Some(f);
        } else {
            self.more.push(f);
        }
        self.len += 1;
    }

    fn top(&self) -> Option<&Frame<'a>> {
        match self.len {
            0 => None,
            n if n <= INLINE => self.inline[n - 1].as_ref(),
            _ => self.more.last(),
        }
    }

    fn top_mut(&mut self) -> Option<&mut Frame<'a>> {
        match self.len {
            0 => None,
            n if n <= INLINE => self.inline[n - 1].as_mut(),
            _ => self.more.last_mut(),
        }
    }

    fn pop(&mut self) {
        if self.len > INLINE {
            self.more.pop();
        } else if self.len > 0 {
            self.inline[self.len - 1] = None;
        }
        self.len = self.len.saturating_sub(1);
    }

    fn frames(&self) -> impl Iterator<Item = &Frame<'a>> {
        self.inline.iter().flatten().chain(&self.more)
    }

    /// Copies the next component into `out` and says whether a `/` followed it in its
    /// frame; `None` when none is left.
    pub(crate) fn next(&mut self, out: &mut Vec<u8>) -> Option<bool> {
        let f = self.top_mut()?;
        let b = f.bytes.get();
        let start = f.pos;
        let end = b[start..]
            .iter()
            .position(|&c| c == b'/')
            .map_or(b.len(), |i| start + i);
        out.clear();
        out.extend_from_slice(&b[start..end]);
        let slash_after = end < b.len();
        f.pos = end;
        f.skip_slashes();
        if f.done() {
            self.pop();
        }
        Some(slash_after)
    }

    /// The next component, without taking it.
    pub(crate) fn peek(&self) -> Option<&[u8]> {
        let f = self.top()?;
        let b = &f.bytes.get()[f.pos..];
        Some(&b[..b.iter().position(|&c| c == b'/').unwrap_or(b.len())])
    }

    /// Whether no component is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many bytes of counted frames are left, as XNU's `ni_pathlen` counts them before
    /// splicing in a symlink target: with the separator before them and the final NUL.
    pub(crate) fn remaining_len(&self) -> usize {
        let rest: usize = self
            .frames()
            .filter(|f| f.counted)
            .map(|f| f.bytes.get().len() - f.pos)
            .sum();
        if rest == 0 { 1 } else { rest + 2 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(c: &mut Components<'_>) -> Vec<(String, bool, bool)> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while let Some(slash) = c.next(&mut buf) {
            out.push((String::from_utf8(buf.clone()).unwrap(), slash, c.is_empty()));
        }
        out
    }

    #[test]
    fn splits_on_slashes_and_sees_the_last_one() {
        let mut c = Components::new(b"//a/./b//c/");
        let got = all(&mut c);
        let want = [
            ("a", true, false),
            (".", true, false),
            ("b", true, false),
            ("c", true, true),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1, g.2), w);
        }
        assert!(Components::new(b"///").is_empty());
        assert!(Components::new(b"").is_empty());
    }

    #[test]
    fn targets_come_before_the_rest() {
        let mut c = Components::new(b"a/l/x");
        let mut buf = Vec::new();
        assert_eq!(c.peek(), Some(&b"a"[..]));
        c.next(&mut buf);
        assert_eq!(c.peek(), Some(&b"l"[..]));
        c.next(&mut buf);
        assert_eq!(buf, b"l");
        // "/x" and the NUL are left.
        assert_eq!(c.remaining_len(), 3);
        c.push_target(Arc::from(&b"../t/"[..]));
        let got: Vec<_> = all(&mut c).into_iter().map(|g| g.0).collect();
        assert_eq!(got, ["..", "t", "x"]);
        assert_eq!(c.remaining_len(), 1);
    }

    #[test]
    fn many_frames_spill() {
        let mut c = Components::new(b"end");
        for _ in 0..20 {
            c.push_target(Arc::from(&b"x/"[..]));
        }
        assert_eq!(c.remaining_len(), 20 * 2 + 3 + 2);
        let got: Vec<_> = all(&mut c).into_iter().map(|g| g.0).collect();
        assert_eq!(got.len(), 21);
        assert_eq!(got[20], "end");
        assert!(c.is_empty());
    }

    #[test]
    fn uncounted_frames_are_outside_the_length() {
        let mut c = Components::new(b"x");
        c.push_uncounted(b"/base/dir");
        assert_eq!(c.remaining_len(), 3);
    }
}
