//! The exports trie (from `LC_DYLD_INFO` or `LC_DYLD_EXPORTS_TRIE`): every symbol an image
//! exports, walked depth-first.
//!
//! The walk is bounded: a child must lie inside the trie, no node may be reached twice (so
//! cycles and shared subtrees, which could make a walk exponential, are errors), and the
//! depth is at most [`MAX_TRIE_DEPTH`].

use alloc::vec;
use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::file::MachO;
use crate::leb128::read_uleb128;
use crate::raw::*;

/// The deepest trie the walker accepts. A trie node per distinct prefix byte run means real
/// tries stay far shallower (ld64 and lld tries rarely pass 30).
pub const MAX_TRIE_DEPTH: usize = 128;

/// `EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT`: the export has a function-variant table index.
pub const EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT: u64 = 0x20;

/// What an exported symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind<'data> {
    /// A regular symbol at `address` (an offset from the image's base).
    Regular {
        /// Offset from the start of the image (the `__TEXT` segment's address).
        address: u64,
    },
    /// A thread-local variable's descriptor at `address`.
    ThreadLocal {
        /// Offset from the start of the image.
        address: u64,
    },
    /// An absolute symbol whose value is `address`.
    Absolute {
        /// The value.
        address: u64,
    },
    /// A re-export of a symbol of a dependency.
    Reexport {
        /// The dependency (1-based, as in the load commands).
        library_ordinal: u64,
        /// The symbol's name in the dependency; empty if it is the same as the export's.
        imported_name: &'data [u8],
    },
    /// A stub whose target a resolver function chooses at load.
    StubAndResolver {
        /// Offset of the stub from the image's start.
        stub: u64,
        /// Offset of the resolver function.
        resolver: u64,
    },
}

/// One exported symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export<'data> {
    /// The symbol's name (the edges from the root to its node, joined).
    pub name: Vec<u8>,
    /// The raw `EXPORT_SYMBOL_FLAGS_*`.
    pub flags: u64,
    /// What the symbol is.
    pub kind: ExportKind<'data>,
    /// For `EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT`, the index into the function-variants table.
    pub function_variant: Option<u64>,
    /// File offset of the node that holds the symbol.
    pub node_offset: u64,
}

impl Export<'_> {
    /// Whether the export is a weak definition.
    pub fn is_weak(&self) -> bool {
        self.flags & EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION != 0
    }
}

/// An exports trie, checked to lie inside the file.
#[derive(Clone, Copy, Debug)]
pub struct ExportsTrie<'data> {
    data: &'data [u8],
    base: u64,
}

impl<'data> ExportsTrie<'data> {
    /// The trie of `size` bytes at file offset `off`.
    ///
    /// # Errors
    /// [`Error::Truncated`] if it is not inside the file.
    pub fn new(file: &MachO<'data>, off: u32, size: u32) -> Result<Self> {
        Ok(ExportsTrie {
            data: file.bytes_at(off.into(), size.into(), "exports trie")?,
            base: off.into(),
        })
    }

    /// The trie of a buffer, for tries that are not in a file (`base` is used in errors).
    pub fn from_bytes(data: &'data [u8], base: u64) -> Self {
        ExportsTrie { data, base }
    }

    /// The trie's bytes.
    pub fn data(&self) -> &'data [u8] {
        self.data
    }

    /// The file offset of the trie (the base of the offsets in errors and
    /// [`Export::node_offset`]).
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The exports, depth-first, a node's own symbol after its children's (the order LLVM's
    /// tools list them in).
    pub fn iter(&self) -> Exports<'data> {
        Exports {
            data: self.data,
            base: self.base,
            stack: Vec::new(),
            name: Vec::new(),
            visited: vec![0; self.data.len().div_ceil(64)],
            started: self.data.is_empty(),
            done: false,
        }
    }
}

#[derive(Clone, Debug)]
struct Frame<'data> {
    /// Where the next child edge starts.
    child_pos: usize,
    /// Child edges not read yet.
    children_left: u8,
    /// Length of the name at this node.
    name_len: usize,
    /// The node's own export, yielded once its children are done (its name is the walk's
    /// name at that point, copied then).
    export: Option<Terminal<'data>>,
}

/// An export without its name.
#[derive(Clone, Copy, Debug)]
struct Terminal<'data> {
    flags: u64,
    kind: ExportKind<'data>,
    function_variant: Option<u64>,
    node_offset: u64,
}

/// The walk over an [`ExportsTrie`].
#[derive(Clone, Debug)]
pub struct Exports<'data> {
    data: &'data [u8],
    base: u64,
    stack: Vec<Frame<'data>>,
    name: Vec<u8>,
    /// One bit per byte offset: the nodes reached so far.
    visited: Vec<u64>,
    started: bool,
    done: bool,
}

impl<'data> Exports<'data> {
    #[cold]
    fn error(&mut self, at: usize, expected: &'static str) -> Error {
        self.done = true;
        Error::Malformed {
            what: "exports trie",
            offset: self.base.wrapping_add(at as u64),
            expected,
        }
    }

    fn uleb(&mut self, pos: &mut usize) -> Result<u64> {
        read_uleb128(self.data, pos, "exports trie", self.base).inspect_err(|_| self.done = true)
    }

    /// Enters the node at `node`: pushes its frame with its export, if it has one.
    fn visit(&mut self, node: usize) -> Result<()> {
        if node >= self.data.len() {
            return Err(self.error(node, "a child node inside the trie"));
        }
        let (word, bit) = (node / 64, 1u64 << (node % 64));
        if self.visited[word] & bit != 0 {
            return Err(self.error(node, "a tree: no node reached twice"));
        }
        self.visited[word] |= bit;
        if self.stack.len() >= MAX_TRIE_DEPTH {
            return Err(self.error(node, "a trie at most 128 levels deep"));
        }
        let mut pos = node;
        let terminal_size = self.uleb(&mut pos)?;
        let info_start = pos;
        let Some(info_end) = usize::try_from(terminal_size)
            .ok()
            .and_then(|n| info_start.checked_add(n))
        else {
            return Err(self.error(node, "terminal information inside the trie"));
        };
        if info_end >= self.data.len() {
            return Err(self.error(
                node,
                "terminal information and a child count inside the trie",
            ));
        }
        let export = if terminal_size > 0 {
            Some(self.terminal(node, info_start, info_end)?)
        } else {
            None
        };
        let children_left = self.data[info_end];
        self.stack.push(Frame {
            child_pos: info_end + 1,
            children_left,
            name_len: self.name.len(),
            export,
        });
        Ok(())
    }

    fn terminal(&mut self, node: usize, start: usize, end: usize) -> Result<Terminal<'data>> {
        let mut pos = start;
        let flags = self.uleb(&mut pos)?;
        let mut function_variant = None;
        let kind = if flags & EXPORT_SYMBOL_FLAGS_REEXPORT != 0 {
            let library_ordinal = self.uleb(&mut pos)?;
            let rest = &self.data[pos.min(end)..end];
            let Some(len) = memchr::memchr(0, rest) else {
                return Err(self.error(
                    pos,
                    "a NUL-terminated imported name inside the terminal information",
                ));
            };
            pos += len + 1;
            ExportKind::Reexport {
                library_ordinal,
                imported_name: &rest[..len],
            }
        } else if flags & EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER != 0 {
            let stub = self.uleb(&mut pos)?;
            let resolver = self.uleb(&mut pos)?;
            ExportKind::StubAndResolver { stub, resolver }
        } else {
            let address = self.uleb(&mut pos)?;
            if flags & EXPORT_SYMBOL_FLAGS_FUNCTION_VARIANT != 0 {
                function_variant = Some(self.uleb(&mut pos)?);
            }
            match flags & EXPORT_SYMBOL_FLAGS_KIND_MASK {
                EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL => ExportKind::ThreadLocal { address },
                EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE => ExportKind::Absolute { address },
                EXPORT_SYMBOL_FLAGS_KIND_REGULAR => ExportKind::Regular { address },
                _ => return Err(self.error(start, "a known export kind")),
            }
        };
        if pos > end {
            return Err(self.error(start, "terminal information no longer than its size"));
        }
        Ok(Terminal {
            flags,
            kind,
            function_variant,
            node_offset: self.base.wrapping_add(node as u64),
        })
    }

    fn step(&mut self) -> Result<Option<Export<'data>>> {
        if !self.started {
            self.started = true;
            self.visit(0)?;
            return Ok(None);
        }
        let Some(top) = self.stack.last_mut() else {
            self.done = true;
            return Ok(None);
        };
        if top.children_left == 0 {
            let (terminal, name_len) = (top.export, top.name_len);
            self.stack.pop();
            // The node's name, then (back at the parent) the parent's.
            self.name.truncate(name_len);
            let export = terminal.map(|t| Export {
                name: self.name.clone(),
                flags: t.flags,
                kind: t.kind,
                function_variant: t.function_variant,
                node_offset: t.node_offset,
            });
            let parent_len = self.stack.last().map_or(0, |f| f.name_len);
            self.name.truncate(parent_len);
            return Ok(export);
        }
        top.children_left -= 1;
        let (mut pos, name_len) = (top.child_pos, top.name_len);
        let rest = self.data.get(pos..).unwrap_or(&[]);
        let Some(len) = memchr::memchr(0, rest) else {
            return Err(self.error(pos, "a NUL-terminated edge label"));
        };
        self.name.truncate(name_len);
        self.name.extend_from_slice(&rest[..len]);
        pos += len + 1;
        let child = self.uleb(&mut pos)?;
        if let Some(top) = self.stack.last_mut() {
            top.child_pos = pos;
        }
        let Ok(child) = usize::try_from(child) else {
            return Err(self.error(pos, "a child node inside the trie"));
        };
        self.visit(child)?;
        Ok(None)
    }
}

impl<'data> Iterator for Exports<'data> {
    type Item = Result<Export<'data>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.step() {
                Ok(Some(e)) => return Some(Ok(e)),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

impl<'data> MachO<'data> {
    /// The exports trie, from `LC_DYLD_EXPORTS_TRIE` or else `LC_DYLD_INFO`'s export range;
    /// `None` when the file has neither (or an empty one).
    ///
    /// # Errors
    /// A malformed load command, or a trie that is not inside the file.
    pub fn exports_trie(&self) -> Result<Option<ExportsTrie<'data>>> {
        let mut from_dyld_info = None;
        for lc in self.load_commands() {
            let lc = lc?;
            match lc.parse()? {
                crate::Command::LinkeditData(l) if lc.cmd() == LC_DYLD_EXPORTS_TRIE => {
                    return ExportsTrie::new(self, l.dataoff, l.datasize).map(Some);
                }
                crate::Command::DyldInfo(d) if from_dyld_info.is_none() && d.export_size != 0 => {
                    from_dyld_info = Some((d.export_off, d.export_size));
                }
                _ => {}
            }
        }
        from_dyld_info
            .map(|(off, size)| ExportsTrie::new(self, off, size))
            .transpose()
    }
}
