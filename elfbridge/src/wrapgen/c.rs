//! The C wrapper: compiled for a Darwin target into a Mach-O dylib that stands for the host
//! library.
//!
//! Shape (Darling's, with the fixes the [module docs](super) list):
//! - `#include <elfcalls.h>` and `extern struct elf_calls *_elfcalls`, the table
//!   libsystem_kernel exports;
//! - the library's load name in section `__TEXT,__elfname` (what packagers read to list a
//!   wrapper's ELF dependency);
//! - a handle opened on first use (by the constructor, or by whichever resolver dyld calls
//!   first) through `dlopen_fatal`, closed by a destructor through `dlclose_fatal`;
//! - per function `F`, a global function whose Mach-O symbol is `_F`, marked
//!   `.symbol_resolver`, returning `dlsym_fatal(handle, "F")`: dyld binds callers straight to the
//!   host's code;
//! - per variable `V`, an accessor `__elf_get_V` returning its address, and in the separate
//!   header `#define V (*__elf_get_V())`.

use std::fmt::Write as _;

use super::{Entry, ExportKind, Plan, SkipReason, helper_prefix, is_identifier};

/// The generated C: the source, and the header for variables (Darling's `<name>_vars.h`), which
/// exists only when the library exports variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CWrapper {
    /// The C source to compile into the wrapper dylib.
    pub source: String,
    /// The header declaring each variable's accessor and its macro, if there are variables.
    pub header: Option<String>,
}

/// `bytes` (already checked representable) inside a C string or assembler string literal.
fn quoted(bytes: &[u8]) -> String {
    format!("\"{}\"", String::from_utf8_lossy(bytes))
}

/// The load name inside a C string literal: printable ASCII as is, everything else octal.
fn escaped(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push('"');
    out
}

/// The C name of the function that carries `entry`'s Mach-O symbol.
fn function_name(prefix: &str, index: usize, entry: &Entry<'_>) -> String {
    if is_identifier(entry.name) {
        format!("{prefix}fn_{}", String::from_utf8_lossy(entry.name))
    } else {
        format!("{prefix}fn_{index}")
    }
}

fn kind_note(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Function => "",
        ExportKind::IndirectFunction => " (indirect function: the host loader picks the code)",
        ExportKind::Object => "",
        ExportKind::ThreadLocal => " (thread-local: the calling thread's instance)",
    }
}

/// Writes the C wrapper for `plan`.
pub fn generate(plan: &Plan<'_>) -> CWrapper {
    let p = helper_prefix(plan);
    let mut s = String::new();
    let load_name = String::from_utf8_lossy(plan.load_name);
    let (generated, summary) = plan.banner();
    let _ = writeln!(s, "/* {generated} */\n/* {summary} */");
    if plan.load_name_from_file {
        let _ = writeln!(
            s,
            "/* The library has no SONAME: it is loaded by its file name, {load_name}. */"
        );
    }
    let _ = write!(
        s,
        r#"#include <elfcalls.h>

extern struct elf_calls *_elfcalls;

/* The host library's load name, where packagers look for it. */
__attribute__((used, section("__TEXT,__elfname")))
static const char {p}name[] = {name};

static void *{p}handle;

/* The handle, opened by whichever comes first: the constructor or a resolver dyld calls
   while binding. A second opener gives its reference back. */
static void *{p}library(void) {{
    void *handle = __atomic_load_n(&{p}handle, __ATOMIC_ACQUIRE);
    if (handle == 0) {{
        void *expected = 0;
        handle = _elfcalls->dlopen_fatal({p}name);
        if (!__atomic_compare_exchange_n(&{p}handle, &expected, handle, 0,
                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {{
            _elfcalls->dlclose_fatal(handle);
            handle = expected;
        }}
    }}
    return handle;
}}

__attribute__((constructor)) static void {p}open(void) {{
    (void){p}library();
}}

__attribute__((destructor)) static void {p}close(void) {{
    void *handle = __atomic_exchange_n(&{p}handle, (void *)0, __ATOMIC_ACQ_REL);
    if (handle != 0)
        _elfcalls->dlclose_fatal(handle);
}}
"#,
        name = escaped(plan.load_name),
    );

    for (index, entry) in plan.functions.iter().enumerate() {
        let c_name = function_name(&p, index, entry);
        let symbol = {
            let mut v = b"_".to_vec();
            v.extend_from_slice(entry.name);
            v
        };
        let _ = write!(
            s,
            r#"
/* {display}{note} */
void *{c_name}(void) __asm__({label});
void *{c_name}(void) {{
    __asm__(".symbol_resolver " {directive_name});
    return _elfcalls->dlsym_fatal({p}library(), {elf_name});
}}
"#,
            display = entry.display_name(),
            note = kind_note(entry.kind),
            label = quoted(&symbol),
            directive_name = if is_identifier(entry.name) {
                quoted(&symbol)
            } else {
                // The assembler takes a quoted name for symbols with other characters.
                format!("\"\\\"{}\\\"\"", String::from_utf8_lossy(&symbol))
            },
            elf_name = quoted(entry.name),
        );
    }

    let mut header = None;
    if !plan.variables.is_empty() {
        let mut h = String::new();
        let _ = writeln!(h, "/* {generated} */");
        h.push_str(
            "/* Each variable V of the host library is reached through __elf_get_V(), which\n   \
             returns its address. Declare V's real type before including this header. */\n\
             #pragma once\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n",
        );
        for (index, entry) in plan.variables.iter().enumerate() {
            // The accessor's Mach-O symbol: `___elf_get_V`, which C code reaches as
            // `__elf_get_V` (the header's prototype).
            let mut symbol = b"___elf_get_".to_vec();
            symbol.extend_from_slice(entry.name);
            let _ = write!(
                s,
                r#"
/* {display}{note} */
void *{p}var_{index}(void) __asm__({label});
void *{p}var_{index}(void) {{
    return _elfcalls->dlsym_fatal({p}library(), {elf_name});
}}
"#,
                display = entry.display_name(),
                note = kind_note(entry.kind),
                label = quoted(&symbol),
                elf_name = quoted(entry.name),
            );
            if is_identifier(entry.name) {
                let v = String::from_utf8_lossy(entry.name);
                let _ = writeln!(
                    h,
                    "extern __typeof({v}) *__elf_get_{v}(void);\n#define {v} (*__elf_get_{v}())"
                );
            } else {
                let _ = writeln!(
                    h,
                    "/* {}: not a C identifier; reach it through {} */",
                    entry.display_name(),
                    quoted(&symbol)
                );
            }
        }
        h.push_str("#ifdef __cplusplus\n}\n#endif\n");
        header = Some(h);
    }

    if !plan.skipped.is_empty() {
        s.push_str("\n/* Exports not wrapped:\n");
        for skipped in &plan.skipped {
            let reason = skipped.reason.describe();
            let name = if skipped.reason == SkipReason::Unrepresentable {
                escaped(skipped.name)
            } else {
                String::from_utf8_lossy(skipped.name).into_owned()
            };
            // A name containing "*/" would end the comment early.
            let name = name.replace("*/", "*\\/");
            let _ = writeln!(s, "   {name}: {reason}");
        }
        s.push_str("*/\n");
    }
    CWrapper { source: s, header }
}
