//! The load plan: everything about a Mach-O executable that the runtime needs before it
//! maps a byte, checked and decided from the file alone.
//!
//! [`Plan::new`] picks the x86-64 image (the `x86_64` slice of a fat file), checks that it
//! is an executable the runtime can run, and lays out what loading means: the segments to
//! map with their protections, the entry point and stack size, the libraries, every import
//! (deduplicated, with the library it comes from) and every pointer to fix up, whether the
//! image says so with dyld-info opcodes (rebase, bind, weak and lazy bind streams) or with
//! chained fixups. Lazy binds are planned like the others: the runtime binds them eagerly.
//!
//! Nothing here maps memory or runs code, so a plan can be made for any bytes, and is: the
//! planning step is fuzzed. Every refusal is a [`PlanError`] that says what was wrong.

use std::collections::HashMap;

use darling_macho::raw::{
    self, CPU_TYPE_X86_64, MH_EXECUTE, MH_PIE, VM_PROT_EXECUTE, VM_PROT_READ, VM_PROT_WRITE,
};
use darling_macho::{
    BindKind, ChainedFixups, Command, DylibKind, File, FixupTarget, MachO, Rebases, arch_name,
};

/// The page size the segments are laid out in (x86-64 macOS: 4 KiB).
pub const PAGE_SIZE: u64 = 0x1000;

/// Why a file cannot be loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// The bytes are not a Mach-O or fat file at all.
    #[error("not a Mach-O file (magic {magic:#010x})")]
    NotMachO {
        /// The first four bytes, big-endian.
        magic: u32,
    },
    /// A fat file with no x86-64 slice.
    #[error("no x86_64 slice in the fat file (it has {})", .arches.join(", "))]
    NoX86_64Slice {
        /// The architectures the file has.
        arches: Vec<String>,
    },
    /// A Mach-O for another processor.
    #[error("a Mach-O for {arch}, expected x86_64")]
    WrongArchitecture {
        /// The architecture's name (or its CPU type in hex).
        arch: String,
    },
    /// A Mach-O that is not an executable (a dylib, a bundle, an object file…).
    #[error("a Mach-O {kind} (filetype {filetype}), expected an executable (MH_EXECUTE)")]
    NotExecutable {
        /// `MH_*` file type.
        filetype: u32,
        /// What it is, in words.
        kind: &'static str,
    },
    /// The file is damaged: the message says where and what was expected.
    #[error("malformed Mach-O: {0}")]
    Malformed(#[from] darling_macho::Error),
    /// A segment the runtime cannot map as the file describes it.
    #[error("segment {name}: {problem}")]
    BadSegment {
        /// The segment's name.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Two segments claim the same addresses.
    #[error("segments {first} and {second} overlap in memory")]
    OverlappingSegments {
        /// The earlier segment's name.
        first: String,
        /// The later segment's name.
        second: String,
    },
    /// No `LC_MAIN`.
    #[error("no entry point: expected an LC_MAIN load command")]
    NoEntryPoint,
    /// An entry point outside the executable code.
    #[error("entry point {entry:#x} is not inside an executable segment")]
    BadEntryPoint {
        /// The entry's unslid address.
        entry: u64,
    },
    /// A load command the runtime does not support.
    #[error("load command {index} ({name}): {why}")]
    Unsupported {
        /// Position among the load commands.
        index: u32,
        /// The command's name (`LC_*`) or number.
        name: String,
        /// Why it cannot be honoured.
        why: &'static str,
    },
    /// An import naming a library the file does not load.
    #[error("import {symbol}: library ordinal {ordinal}, but the file loads {dylibs} libraries")]
    BadLibraryOrdinal {
        /// The symbol imported.
        symbol: String,
        /// Its library ordinal.
        ordinal: i64,
        /// How many libraries the file loads.
        dylibs: usize,
    },
    /// A fixup the runtime cannot apply.
    #[error("fixup at {address:#x}: {problem}")]
    BadFixup {
        /// The unslid address of the location.
        address: u64,
        /// What is wrong with it.
        problem: &'static str,
    },
}

/// One segment to map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentPlan {
    /// The segment's name (`__TEXT`, `__DATA`…).
    pub name: String,
    /// Unslid address.
    pub vmaddr: u64,
    /// Bytes of address space, a whole number of pages.
    pub vmsize: u64,
    /// File offset of the bytes mapped at `vmaddr`.
    pub fileoff: u64,
    /// How many bytes come from the file; the rest of `vmsize` is zero-filled.
    pub filesize: u64,
    /// Initial protection (`VM_PROT_*`).
    pub initprot: i32,
    /// Maximum protection (`VM_PROT_*`).
    pub maxprot: i32,
}

impl SegmentPlan {
    /// Whether the segment only reserves address space (`__PAGEZERO`: no access at all).
    pub fn is_reservation(&self) -> bool {
        self.initprot == 0 && self.maxprot == 0 && self.filesize == 0
    }

    fn contains(&self, address: u64, len: u64) -> bool {
        address >= self.vmaddr
            && address
                .checked_add(len)
                .is_some_and(|end| end <= self.vmaddr + self.vmsize)
    }
}

/// Where an import is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportSource {
    /// One of the libraries the file loads: index into [`Plan::dylibs`].
    Dylib(usize),
    /// The image itself (`BIND_SPECIAL_DYLIB_SELF`).
    SelfImage,
    /// The main executable (`BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE`).
    MainExecutable,
    /// Every loaded image, in load order (`BIND_SPECIAL_DYLIB_FLAT_LOOKUP`).
    FlatLookup,
    /// The weak-definition table (`BIND_SPECIAL_DYLIB_WEAK_LOOKUP`).
    WeakLookup,
}

/// One symbol the executable imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The symbol's name as the file spells it (with the leading underscore).
    pub symbol: Vec<u8>,
    /// Where it is looked up.
    pub source: ImportSource,
    /// Whether a missing definition is allowed (the location then gets 0).
    pub weak: bool,
}

/// What a fixup writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixupKind {
    /// The unslid address `target`, slid by the load offset.
    Rebase {
        /// The unslid address.
        target: u64,
    },
    /// The address of import `import` (an index into [`Plan::imports`]) plus `addend`.
    Bind {
        /// Index into [`Plan::imports`].
        import: usize,
        /// Added to the import's address.
        addend: i64,
    },
}

/// One pointer-sized location to write before the program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixup {
    /// The location's unslid address.
    pub address: u64,
    /// What to write there.
    pub kind: FixupKind,
}

/// How the image describes its fixups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixupFormat {
    /// `LC_DYLD_INFO[_ONLY]` opcode streams.
    Opcodes,
    /// `LC_DYLD_CHAINED_FIXUPS`.
    Chained,
    /// Neither: nothing to fix up.
    None,
}

/// Everything loading an executable needs, decided from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Offset of the chosen image in the file (non-zero for a fat file's slice).
    pub image_offset: u64,
    /// Whether the image may be loaded anywhere (`MH_PIE`); if not, only at its own
    /// addresses.
    pub pie: bool,
    /// The segments, in file order, `__PAGEZERO` included.
    pub segments: Vec<SegmentPlan>,
    /// The unslid address of the Mach header (the segment that maps file offset 0).
    pub base_address: u64,
    /// The unslid address of `main`.
    pub entry: u64,
    /// The stack size `LC_MAIN` asks for (0: the default).
    pub stack_size: u64,
    /// The install names of the libraries loaded, in load order (library ordinal - 1).
    pub dylibs: Vec<String>,
    /// Every symbol imported, once each.
    pub imports: Vec<Import>,
    /// Every location to fix up, in the order the image lists them.
    pub fixups: Vec<Fixup>,
    /// How the image lists them.
    pub fixup_format: FixupFormat,
}

impl Plan {
    /// Plans loading the executable in `file` (a thin Mach-O, or a fat file whose x86_64
    /// slice is taken).
    ///
    /// # Errors
    /// A [`PlanError`] for anything the runtime cannot load, before anything is mapped.
    pub fn new(file: &[u8]) -> Result<Self, PlanError> {
        let (macho, image_offset) = x86_64_image(file)?;
        Planner::new(macho, image_offset)?.plan()
    }

    /// The span of address space the mapped segments need, from the lowest `vmaddr` to the
    /// end of the highest segment (reservations such as `__PAGEZERO` left out).
    pub fn mapped_range(&self) -> Option<(u64, u64)> {
        let mapped = self.segments.iter().filter(|s| !s.is_reservation());
        let start = mapped.clone().map(|s| s.vmaddr).min()?;
        let end = mapped.map(|s| s.vmaddr + s.vmsize).max()?;
        Some((start, end))
    }
}

/// The x86-64 image of `file` and its offset in the file.
fn x86_64_image(file: &[u8]) -> Result<(MachO<'_>, u64), PlanError> {
    let parsed = File::parse(file).map_err(|e| match e {
        darling_macho::Error::BadMagic { magic, .. } => PlanError::NotMachO { magic },
        e => PlanError::Malformed(e),
    })?;
    match parsed {
        File::MachO(m) => Ok((m, 0)),
        File::Fat(fat) => {
            let mut names = Vec::new();
            for arch in fat.arches() {
                if arch.cputype == CPU_TYPE_X86_64 {
                    return Ok((fat.macho(&arch)?, arch.offset));
                }
                names.push(arch_label(arch.cputype, arch.cpusubtype));
            }
            Err(PlanError::NoX86_64Slice { arches: names })
        }
        File::Archive(_) => Err(PlanError::NotExecutable {
            filetype: 0,
            kind: "static archive",
        }),
        _ => Err(PlanError::NotMachO {
            magic: file
                .first_chunk::<4>()
                .map_or(0, |m| u32::from_be_bytes(*m)),
        }),
    }
}

fn arch_label(cputype: i32, cpusubtype: i32) -> String {
    arch_name(cputype, cpusubtype).map_or_else(
        || format!("cputype {cputype:#x} subtype {cpusubtype:#x}"),
        str::to_owned,
    )
}

/// What a file type is, in words.
fn filetype_kind(filetype: u32) -> &'static str {
    match filetype {
        raw::MH_OBJECT => "object file",
        raw::MH_DYLIB => "dynamic library",
        raw::MH_BUNDLE => "bundle",
        raw::MH_DYLINKER => "dynamic linker",
        raw::MH_CORE => "core file",
        raw::MH_DSYM => "debug symbols file",
        raw::MH_KEXT_BUNDLE => "kernel extension",
        raw::MH_FILESET => "file set",
        raw::MH_PRELOAD => "preloaded executable",
        raw::MH_FVMLIB => "fixed VM library",
        raw::MH_DYLIB_STUB => "dylib stub",
        _ => "file of unknown type",
    }
}

/// The load commands the runtime reads, or may pass over because they do not change how the
/// image is loaded. Any other command is refused.
fn passes_over(cmd: u32) -> bool {
    matches!(
        cmd,
        raw::LC_SYMTAB
            | raw::LC_DYSYMTAB
            | raw::LC_LOAD_DYLINKER
            | raw::LC_UUID
            | raw::LC_BUILD_VERSION
            | raw::LC_VERSION_MIN_MACOSX
            | raw::LC_SOURCE_VERSION
            | raw::LC_FUNCTION_STARTS
            | raw::LC_DATA_IN_CODE
            | raw::LC_CODE_SIGNATURE
            | raw::LC_DYLIB_CODE_SIGN_DRS
            | raw::LC_SEGMENT_SPLIT_INFO
            | raw::LC_RPATH
            | raw::LC_DYLD_ENVIRONMENT
            | raw::LC_DYLD_EXPORTS_TRIE
            | raw::LC_LINKER_OPTIMIZATION_HINT
            | raw::LC_NOTE
            | raw::LC_ATOM_INFO
            | raw::LC_FUNCTION_VARIANTS
            | raw::LC_FUNCTION_VARIANT_FIXUPS
    )
}

struct Planner<'data> {
    macho: MachO<'data>,
    image_offset: u64,
    segments: Vec<SegmentPlan>,
    dylibs: Vec<String>,
    main: Option<(u32, u64, u64)>,
    imports: Vec<Import>,
    import_index: HashMap<(Vec<u8>, ImportSource), usize>,
    fixups: Vec<Fixup>,
}

impl<'data> Planner<'data> {
    fn new(macho: MachO<'data>, image_offset: u64) -> Result<Self, PlanError> {
        let h = macho.header();
        if !macho.is_64() || h.cputype != CPU_TYPE_X86_64 {
            return Err(PlanError::WrongArchitecture {
                arch: arch_label(h.cputype, h.cpusubtype),
            });
        }
        if h.filetype != MH_EXECUTE {
            return Err(PlanError::NotExecutable {
                filetype: h.filetype,
                kind: filetype_kind(h.filetype),
            });
        }
        Ok(Planner {
            macho,
            image_offset,
            segments: Vec::new(),
            dylibs: Vec::new(),
            main: None,
            imports: Vec::new(),
            import_index: HashMap::new(),
            fixups: Vec::new(),
        })
    }

    fn plan(mut self) -> Result<Plan, PlanError> {
        self.read_load_commands()?;
        self.check_segments()?;
        let base_address = self
            .segments
            .iter()
            .find(|s| s.fileoff == 0 && s.filesize > 0)
            .map(|s| s.vmaddr)
            .ok_or_else(|| PlanError::BadSegment {
                name: "__TEXT".into(),
                problem: "no segment maps the Mach header (file offset 0)".into(),
            })?;
        let Some((_, entryoff, stack_size)) = self.main else {
            return Err(PlanError::NoEntryPoint);
        };
        let entry = base_address.wrapping_add(entryoff);
        let executable = self
            .segments
            .iter()
            .any(|s| s.initprot & VM_PROT_EXECUTE != 0 && s.contains(entry, 1));
        if !executable {
            return Err(PlanError::BadEntryPoint { entry });
        }
        let fixup_format = self.read_fixups(base_address)?;
        Ok(Plan {
            image_offset: self.image_offset,
            pie: self.macho.header().flags & MH_PIE != 0,
            segments: self.segments,
            base_address,
            entry,
            stack_size,
            dylibs: self.dylibs,
            imports: self.imports,
            fixups: self.fixups,
            fixup_format,
        })
    }

    fn read_load_commands(&mut self) -> Result<(), PlanError> {
        for lc in self.macho.load_commands() {
            let lc = lc?;
            let index = lc.index();
            let unsupported = |why| PlanError::Unsupported {
                index,
                name: raw::load_command_name(lc.cmd())
                    .map_or_else(|| format!("cmd {:#x}", lc.cmd()), str::to_owned),
                why,
            };
            match lc.parse()? {
                Command::Segment(s) if s.is_64() => self.segments.push(SegmentPlan {
                    name: String::from_utf8_lossy(s.name()).into_owned(),
                    vmaddr: s.vmaddr(),
                    vmsize: s.vmsize(),
                    fileoff: s.fileoff(),
                    filesize: s.filesize(),
                    initprot: s.initprot(),
                    maxprot: s.maxprot(),
                }),
                Command::Segment(_) => {
                    return Err(unsupported("a 32-bit segment in a 64-bit image"));
                }
                Command::Dylib(d) => match d.kind {
                    DylibKind::Id => return Err(unsupported("an executable has no install name")),
                    _ => {
                        let name = d.name.bytes()?;
                        self.dylibs.push(String::from_utf8_lossy(name).into_owned());
                    }
                },
                Command::Main(m) => {
                    if self.main.is_some() {
                        return Err(unsupported("a second LC_MAIN"));
                    }
                    self.main = Some((index, m.entryoff, m.stacksize));
                }
                Command::Thread(_) if lc.cmd() == raw::LC_UNIXTHREAD => {
                    return Err(unsupported(
                        "an entry given as a thread state (pre-10.8 executables): \
                         expected LC_MAIN",
                    ));
                }
                Command::EncryptionInfo(e) if e.cryptid != 0 => {
                    return Err(unsupported("the image is encrypted"));
                }
                Command::EncryptionInfo(_) | Command::DyldInfo(_) => {}
                Command::LinkeditData(_) if lc.cmd() == raw::LC_DYLD_CHAINED_FIXUPS => {}
                _ if passes_over(lc.cmd()) => {}
                _ => return Err(unsupported("not something the runtime can load")),
            }
        }
        Ok(())
    }

    /// Each segment fits in the file and in the address space, is page-aligned, and no two
    /// overlap.
    fn check_segments(&self) -> Result<(), PlanError> {
        let len = self.macho.data().len() as u64;
        for s in &self.segments {
            let bad = |problem: String| PlanError::BadSegment {
                name: s.name.clone(),
                problem,
            };
            if s.filesize > s.vmsize {
                return Err(bad(format!(
                    "filesize {:#x} larger than vmsize {:#x}",
                    s.filesize, s.vmsize
                )));
            }
            if s.fileoff
                .checked_add(s.filesize)
                .is_none_or(|end| end > len)
            {
                return Err(bad(format!(
                    "file bytes {:#x}..{:#x} past the end of the file ({len:#x} bytes)",
                    s.fileoff,
                    s.fileoff.saturating_add(s.filesize)
                )));
            }
            if s.vmaddr.checked_add(s.vmsize).is_none() {
                return Err(bad(format!(
                    "vmaddr {:#x} + vmsize {:#x} past the end of the address space",
                    s.vmaddr, s.vmsize
                )));
            }
            if s.vmaddr % PAGE_SIZE != 0 || s.fileoff % PAGE_SIZE != 0 {
                return Err(bad(format!(
                    "vmaddr {:#x} and fileoff {:#x} must be multiples of the page size",
                    s.vmaddr, s.fileoff
                )));
            }
            let prot = VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE;
            if s.initprot & !prot != 0 || s.initprot & !s.maxprot != 0 {
                return Err(bad(format!(
                    "initprot {:#x} is not within maxprot {:#x}",
                    s.initprot, s.maxprot
                )));
            }
        }
        let mut spans: Vec<&SegmentPlan> = self.segments.iter().filter(|s| s.vmsize > 0).collect();
        spans.sort_by_key(|s| s.vmaddr);
        for pair in spans.windows(2) {
            if pair[0].vmaddr + pair[0].vmsize > pair[1].vmaddr {
                return Err(PlanError::OverlappingSegments {
                    first: pair[0].name.clone(),
                    second: pair[1].name.clone(),
                });
            }
        }
        Ok(())
    }

    /// The import `symbol` from library `ordinal`, added once.
    fn import(&mut self, symbol: &[u8], ordinal: i64, weak: bool) -> Result<usize, PlanError> {
        let source = match ordinal {
            0 => ImportSource::SelfImage,
            -1 => ImportSource::MainExecutable,
            -2 => ImportSource::FlatLookup,
            -3 => ImportSource::WeakLookup,
            n if n >= 1 && (n as u64) <= self.dylibs.len() as u64 => {
                ImportSource::Dylib(n as usize - 1)
            }
            _ => {
                return Err(PlanError::BadLibraryOrdinal {
                    symbol: String::from_utf8_lossy(symbol).into_owned(),
                    ordinal,
                    dylibs: self.dylibs.len(),
                });
            }
        };
        let key = (symbol.to_vec(), source);
        if let Some(&i) = self.import_index.get(&key) {
            // Weak only if every reference is weak.
            self.imports[i].weak &= weak;
            return Ok(i);
        }
        self.imports.push(Import {
            symbol: symbol.to_vec(),
            source,
            weak,
        });
        self.import_index.insert(key, self.imports.len() - 1);
        Ok(self.imports.len() - 1)
    }

    /// A pointer-sized location at unslid `address`, which must lie in a mapped segment.
    fn location(&self, address: u64) -> Result<&SegmentPlan, PlanError> {
        self.segments
            .iter()
            .find(|s| !s.is_reservation() && s.contains(address, 8))
            .ok_or(PlanError::BadFixup {
                address,
                problem: "not inside a mapped segment",
            })
    }

    /// The 8 bytes the file holds for unslid `address` (0 in a segment's zero-fill part).
    fn file_pointer(&self, address: u64) -> Result<u64, PlanError> {
        let s = self.location(address)?;
        let in_segment = address - s.vmaddr;
        if in_segment + 8 > s.filesize {
            return Ok(0);
        }
        let bytes = self
            .macho
            .bytes_at(s.fileoff + in_segment, 8, "rebased pointer")?;
        let word: [u8; 8] = bytes.try_into().unwrap_or([0; 8]);
        Ok(u64::from_le_bytes(word))
    }

    fn read_fixups(&mut self, base_address: u64) -> Result<FixupFormat, PlanError> {
        if let Some(chained) = self.macho.chained_fixups()? {
            self.read_chained(&chained, base_address)?;
            return Ok(FixupFormat::Chained);
        }
        let Some(info) = self.macho.dyld_info()? else {
            return Ok(FixupFormat::None);
        };
        for rebase in Rebases::new(&self.macho, info.rebase_off, info.rebase_size)? {
            let rebase = rebase?;
            if rebase.kind != raw::REBASE_TYPE_POINTER {
                return Err(PlanError::BadFixup {
                    address: rebase.address,
                    problem: "a text relocation (only pointer rebases are supported)",
                });
            }
            let target = self.file_pointer(rebase.address)?;
            self.fixups.push(Fixup {
                address: rebase.address,
                kind: FixupKind::Rebase { target },
            });
        }
        for kind in [BindKind::Bind, BindKind::Lazy, BindKind::Weak] {
            let Some(binds) = self.macho.binds(kind)? else {
                continue;
            };
            for bind in binds {
                let bind = bind?;
                if bind.strong_definition {
                    continue;
                }
                if bind.bind_type != raw::BIND_TYPE_POINTER {
                    return Err(PlanError::BadFixup {
                        address: bind.address,
                        problem: "a text relocation (only pointer binds are supported)",
                    });
                }
                self.location(bind.address)?;
                // A weak bind overrides a definition only if another image has one; with
                // no other image defining the symbol, the image's own binding stands.
                if kind == BindKind::Weak {
                    continue;
                }
                let import =
                    self.import(bind.symbol, bind.library_ordinal, bind.is_weak_import())?;
                self.fixups.push(Fixup {
                    address: bind.address,
                    kind: FixupKind::Bind {
                        import,
                        addend: bind.addend,
                    },
                });
            }
        }
        Ok(FixupFormat::Opcodes)
    }

    fn read_chained(
        &mut self,
        chained: &ChainedFixups<'data>,
        base_address: u64,
    ) -> Result<(), PlanError> {
        let mut imports = Vec::new();
        for import in chained.imports() {
            let import = import?;
            let name = import.name.ok_or(PlanError::BadFixup {
                address: 0,
                problem: "a chained import whose name is outside the symbols area",
            })?;
            let index = self.import(name, import.lib_ordinal.into(), import.weak_import)?;
            imports.push((index, import.addend));
        }
        for fixup in chained.fixups() {
            let fixup = fixup?;
            let address = base_address.wrapping_add(fixup.image_offset);
            self.location(address)?;
            let kind = match fixup.target() {
                FixupTarget::Rebase { .. } => FixupKind::Rebase {
                    target: fixup.target_address(base_address).unwrap_or(0),
                },
                FixupTarget::Bind { ordinal, addend } => {
                    let Some(&(import, import_addend)) = imports.get(ordinal as usize) else {
                        return Err(PlanError::BadFixup {
                            address,
                            problem: "a bind to an import the imports table does not have",
                        });
                    };
                    FixupKind::Bind {
                        import,
                        addend: addend.wrapping_add(import_addend),
                    }
                }
                FixupTarget::NonPointer { .. } => {
                    return Err(PlanError::BadFixup {
                        address,
                        problem: "a 32-bit chained value in a 64-bit image",
                    });
                }
            };
            self.fixups.push(Fixup { address, kind });
        }
        Ok(())
    }
}
