//! The Rust wrapper: a module a Rust runtime includes (`include!` from `OUT_DIR`, or a
//! committed file) to reach a host library's exports.
//!
//! It holds the library's load name, its export table ([`crate::Export`], sorted by name, each
//! with the version it binds by `dlvsym`), a [`crate::Wrapped`] static that opens the library
//! on first use, and one resolver per export in modules `functions` and `variables`. A loader
//! binding Mach-O imports calls `LIBRARY.resolve(b"_name")`.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::{Entry, ExportKind, Plan, is_identifier};

/// Words that cannot name a Rust item as they are (strict and reserved keywords, 2024 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that `r#` cannot escape.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// A Rust identifier for `name`, unique among `taken` (which it joins).
fn identifier(name: &[u8], taken: &mut HashSet<String>) -> String {
    let text = String::from_utf8_lossy(name);
    let mut base = if is_identifier(name) {
        text.into_owned()
    } else {
        let mut s: String = text
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            s.insert(0, '_');
        }
        s
    };
    if NOT_RAW.contains(&base.as_str()) {
        base.push('_');
    }
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{base}_{n}");
    }
    taken.insert(candidate.clone());
    if KEYWORDS.contains(&candidate.as_str()) {
        format!("r#{candidate}")
    } else {
        candidate
    }
}

/// `bytes` (checked representable) as a Rust C-string literal.
fn c_literal(bytes: &[u8]) -> String {
    format!("c{:?}", String::from_utf8_lossy(bytes))
}

fn kind_path(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Function => "Function",
        ExportKind::IndirectFunction => "IndirectFunction",
        ExportKind::Object => "Object",
        ExportKind::ThreadLocal => "ThreadLocal",
    }
}

const RESULT: &str = "::core::result::Result<::core::ptr::NonNull<::core::ffi::c_void>, \
                      ::darling_elfbridge::host::DlError>";

/// Writes the Rust wrapper module for `plan`.
pub fn generate(plan: &Plan<'_>) -> String {
    let mut s = String::new();
    let (generated, summary) = plan.banner();
    let _ = writeln!(s, "// @{}\n// {summary}", generated.replacen('G', "g", 1));
    for skipped in &plan.skipped {
        let _ = writeln!(
            s,
            "//   not wrapped: {:?} ({})",
            String::from_utf8_lossy(skipped.name),
            skipped.reason.describe()
        );
    }
    // One table for both kinds, sorted by name, so that lookups by Mach-O name can bisect.
    let mut all: Vec<&Entry<'_>> = plan.entries().collect();
    all.sort_by_key(|e| e.name);
    let index_of = |entry: &Entry<'_>| {
        all.binary_search_by_key(&entry.name, |e| e.name)
            .unwrap_or(0)
    };

    let _ = write!(
        s,
        r#"
/// The name the host library is loaded by{from_file}.
pub const LOAD_NAME: &::core::ffi::CStr = {load};

/// Every wrapped export, sorted by name, with the version each binds.
pub static EXPORTS: &[::darling_elfbridge::Export] = &[
"#,
        from_file = if plan.load_name_from_file {
            " (its file name: it has no SONAME)"
        } else {
            " (its SONAME)"
        },
        load = c_literal(plan.load_name),
    );
    for entry in &all {
        let version = match entry.version {
            Some(v) => format!("Some({})", c_literal(v)),
            None => "None".to_owned(),
        };
        let _ = writeln!(
            s,
            "    ::darling_elfbridge::Export::new({}, {version}, ::darling_elfbridge::wrapgen::ExportKind::{}),",
            c_literal(entry.name),
            kind_path(entry.kind)
        );
    }
    let _ = write!(
        s,
        r#"];

/// The host library, opened on first use.
// SAFETY: whoever includes this module vouches for the host library it names (loading runs the
// library's initialisers).
pub static LIBRARY: ::darling_elfbridge::Wrapped =
    unsafe {{ ::darling_elfbridge::Wrapped::new(LOAD_NAME, EXPORTS) }};
"#
    );

    for (module, doc, entries) in [
        (
            "functions",
            "One resolver per function: the host address callers bind to.",
            &plan.functions,
        ),
        (
            "variables",
            "One accessor per variable: its host address (a thread-local variable's instance \
             for the calling thread).",
            &plan.variables,
        ),
    ] {
        if entries.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            "\n/// {doc}\n#[allow(non_snake_case, clippy::all)]\npub mod {module} {{\n"
        );
        let mut taken = HashSet::new();
        for (n, entry) in entries.iter().enumerate() {
            if n > 0 {
                s.push('\n');
            }
            let note = match entry.kind {
                ExportKind::IndirectFunction => " (indirect function)",
                ExportKind::ThreadLocal => " (thread-local)",
                _ => "",
            };
            let _ = write!(
                s,
                "    /// `{}`{note}\n    pub fn {}() -> {RESULT} {{\n        super::LIBRARY.resolve_index({})\n    }}\n",
                entry.display_name(),
                identifier(entry.name, &mut taken),
                index_of(entry)
            );
        }
        s.push_str("}\n");
    }
    s
}
