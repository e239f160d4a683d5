//! A dynamic symbol as the `.dynsym` table, its version and its section describe it.

use std::fmt;

/// What a symbol names (`STT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// `STT_NOTYPE`: no type given (linker-made markers such as `_end`, or assembly labels).
    NoType,
    /// `STT_OBJECT`: a variable.
    Object,
    /// `STT_FUNC`: a function.
    Function,
    /// `STT_SECTION`: a section's start.
    Section,
    /// `STT_FILE`: a source file's name.
    File,
    /// `STT_COMMON`: an unallocated common block.
    Common,
    /// `STT_TLS`: a thread-local variable; its value is an offset in the TLS block.
    Tls,
    /// `STT_GNU_IFUNC`: an indirect function; the loader calls it and binds to what it returns.
    Ifunc,
    /// Any other type value.
    Other(u8),
}

impl SymbolKind {
    pub(crate) fn from_st_type(value: u8) -> Self {
        match value {
            0 => Self::NoType,
            1 => Self::Object,
            2 => Self::Function,
            3 => Self::Section,
            4 => Self::File,
            5 => Self::Common,
            6 => Self::Tls,
            10 => Self::Ifunc,
            other => Self::Other(other),
        }
    }

    /// Whether callers reach the symbol by calling it (a function or an indirect function).
    pub fn is_code(self) -> bool {
        matches!(self, Self::Function | Self::Ifunc)
    }
}

/// How widely a symbol is seen (`STB_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binding {
    /// `STB_LOCAL`: not visible outside the object.
    Local,
    /// `STB_GLOBAL`: visible to every object.
    Global,
    /// `STB_WEAK`: global, but another object's global definition takes precedence.
    Weak,
    /// `STB_GNU_UNIQUE`: global, and one definition is used process-wide.
    Unique,
    /// Any other binding value.
    Other(u8),
}

impl Binding {
    pub(crate) fn from_st_bind(value: u8) -> Self {
        match value {
            0 => Self::Local,
            1 => Self::Global,
            2 => Self::Weak,
            10 => Self::Unique,
            other => Self::Other(other),
        }
    }
}

/// Who may bind to a symbol (`STV_*`, the low bits of `st_other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// `STV_DEFAULT`: as the binding says; another object may preempt it.
    Default,
    /// `STV_INTERNAL`: hidden, and never called from outside.
    Internal,
    /// `STV_HIDDEN`: not visible outside the object.
    Hidden,
    /// `STV_PROTECTED`: visible, but references inside the object are not preempted.
    Protected,
}

impl Visibility {
    pub(crate) fn from_st_other(value: u8) -> Self {
        match value & 3 {
            0 => Self::Default,
            1 => Self::Internal,
            2 => Self::Hidden,
            _ => Self::Protected,
        }
    }
}

/// Where a symbol is defined (`st_shndx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// `SHN_UNDEF`: not defined here; imported from another object.
    Undefined,
    /// `SHN_ABS`: an absolute value, not an address in a section.
    Absolute,
    /// `SHN_COMMON`: a common block the linker has not allocated.
    Common,
    /// Defined in the section with this index (`SHN_XINDEX` already resolved).
    Section(u32),
    /// A reserved index this crate does not interpret (processor- or OS-specific).
    Reserved(u16),
}

/// The version a definition carries (from `.gnu.version` and `.gnu.version_d`).
///
/// A library may define one name several times, once per version; the one loaders pick for an
/// unversioned reference (and `dlsym`) is the *default* version, written `name@@VERSION`. The
/// others are *hidden* (`name@VERSION`), reachable only by name and version (`dlvsym`, or an old
/// binary that recorded the version when it was linked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SymbolVersion<'data> {
    /// The version's name, such as `GLIBC_2.2.5`.
    pub name: &'data [u8],
    /// Whether the `VERSYM_HIDDEN` bit is set: `name@VERSION` rather than `name@@VERSION`.
    pub hidden: bool,
}

impl SymbolVersion<'_> {
    /// The separator between a symbol's name and this version: `"@"` when hidden, else `"@@"`.
    pub fn separator(&self) -> &'static str {
        if self.hidden { "@" } else { "@@" }
    }
}

/// One entry of the dynamic symbol table.
///
/// Names and versions are borrowed from the file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DynamicSymbol<'data> {
    /// The index in `.dynsym`.
    pub index: usize,
    /// The name, without version.
    pub name: &'data [u8],
    /// `st_value`: the address (an offset in the TLS block for [`SymbolKind::Tls`]).
    pub value: u64,
    /// `st_size`.
    pub size: u64,
    /// `STT_*`.
    pub kind: SymbolKind,
    /// `STB_*`.
    pub binding: Binding,
    /// `STV_*`.
    pub visibility: Visibility,
    /// `st_shndx`.
    pub placement: Placement,
    /// The version of the definition, or `None` when the file has no version table or the
    /// symbol is unversioned (`VER_NDX_LOCAL`, `VER_NDX_GLOBAL`).
    pub version: Option<SymbolVersion<'data>>,
}

impl<'data> DynamicSymbol<'data> {
    /// Whether the symbol is defined in this object (not `SHN_UNDEF`).
    pub fn is_defined(&self) -> bool {
        self.placement != Placement::Undefined
    }

    /// Whether another object can bind to this definition: defined, bound global, weak or
    /// unique, and of default or protected visibility.
    ///
    /// This is the set a dynamic loader (and `dlsym`) can find by name. It is wider than
    /// Darling's wrapgen takes: weak, unique, indirect and thread-local definitions are exports
    /// too.
    pub fn is_exported(&self) -> bool {
        self.is_defined()
            && matches!(
                self.binding,
                Binding::Global | Binding::Weak | Binding::Unique
            )
            && matches!(self.visibility, Visibility::Default | Visibility::Protected)
            && !matches!(self.kind, SymbolKind::Section | SymbolKind::File)
    }

    /// The name with its version as tools print it: `name@@VERSION`, `name@VERSION` or `name`.
    pub fn versioned_name(&self) -> VersionedName<'data> {
        VersionedName {
            name: self.name,
            version: self.version,
        }
    }
}

/// A symbol's name with its version, displayed as `name@@VERSION`, `name@VERSION` or `name`.
///
/// Bytes that are not UTF-8 are shown as U+FFFD, as in [`String::from_utf8_lossy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionedName<'data> {
    name: &'data [u8],
    version: Option<SymbolVersion<'data>>,
}

impl<'data> VersionedName<'data> {
    pub(crate) fn new(name: &'data [u8], version: Option<SymbolVersion<'data>>) -> Self {
        Self { name, version }
    }
}

impl fmt::Display for VersionedName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_lossy(f, self.name)?;
        if let Some(version) = self.version {
            f.write_str(version.separator())?;
            write_lossy(f, version.name)?;
        }
        Ok(())
    }
}

/// Writes bytes as UTF-8, each invalid sequence as U+FFFD.
pub(crate) fn write_lossy(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        f.write_str(chunk.valid())?;
        if !chunk.invalid().is_empty() {
            f.write_char(char::REPLACEMENT_CHARACTER)?;
        }
    }
    Ok(())
}
