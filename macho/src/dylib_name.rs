//! The short name of a library (`libSystem`, `Foundation`), as Apple's and LLVM's tools show
//! it after "(from …)" and in bind tables.

/// The short name of a dylib install name: `Foundation` for
/// `/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation`, `libSystem` for
/// `/usr/lib/libSystem.B.dylib`. `_debug` and `_profile` variants and one-character versions
/// are dropped. `None` when the name fits none of the patterns (tools then show it whole).
///
/// ```
/// use darling_macho::dylib_short_name;
///
/// assert_eq!(dylib_short_name(b"/usr/lib/libSystem.B.dylib"), Some(&b"libSystem"[..]));
/// assert_eq!(dylib_short_name(b"@rpath/libsodium.26.dylib"), Some(&b"libsodium.26"[..]));
/// assert_eq!(dylib_short_name(b"/usr/lib/libc.so"), None);
/// ```
pub fn dylib_short_name(name: &[u8]) -> Option<&[u8]> {
    let short = guess(name);
    if short.is_empty() { None } else { Some(short) }
}

fn rfind(s: &[u8], b: u8) -> Option<usize> {
    s.iter().rposition(|&c| c == b)
}

/// Where a `_debug` or `_profile` variant suffix starts, or the length.
fn variant_start(s: &[u8]) -> usize {
    match rfind(s, b'_') {
        Some(i) if matches!(&s[i..], b"_debug" | b"_profile") => i,
        _ => s.len(),
    }
}

/// The length of `lib` without a trailing one-character version (`.A`).
fn without_version(lib: &[u8]) -> usize {
    let n = lib.len();
    if n >= 3 && lib[n - 2] == b'.' {
        n - 2
    } else {
        n
    }
}

fn guess(name: &[u8]) -> &[u8] {
    if let Some(slash) = rfind(name, b'/').filter(|&a| a > 0) {
        let tail = &name[slash + 1..];
        let stem = &tail[..variant_start(tail)];
        let is_framework = |dir: &[u8]| {
            dir.strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with(b".framework/"))
        };
        // …/Foo.framework/Foo
        let parent_start = rfind(&name[..slash], b'/').map_or(0, |i| i + 1);
        if !stem.is_empty() && is_framework(&name[parent_start..]) {
            return stem;
        }
        // …/Foo.framework/Versions/X/Foo
        if let Some(c) = parent_start
            .checked_sub(1)
            .and_then(|b| rfind(&name[..b], b'/'))
            && name[c + 1..].starts_with(b"Versions/")
        {
            let d = rfind(&name[..c], b'/').map_or(0, |i| i + 1);
            if !stem.is_empty() && is_framework(&name[d..]) {
                return stem;
            }
        }
    }
    let Some(mut a) = rfind(name, b'.').filter(|&a| a > 0) else {
        return b"";
    };
    match &name[a..] {
        b".dylib" => {
            // libFoo.A.dylib: a one-character version.
            if a >= 3 && name[a - 2] == b'.' {
                a -= 2;
            }
            let b = rfind(&name[..a], b'/').map_or(0, |i| i + 1);
            let mut lib = &name[b..a];
            if let Some(u) = rfind(name, b'_').filter(|&u| u > b && u < a)
                && matches!(&name[u..a], b"_debug" | b"_profile")
            {
                lib = &name[b..u];
            }
            // Misnamed libraries such as libATS.A_profile.dylib.
            &lib[..without_version(lib)]
        }
        b".qtx" => {
            let b = rfind(&name[..a], b'/').map_or(0, |i| i + 1);
            let lib = &name[b..a];
            &lib[..without_version(lib)]
        }
        _ => b"",
    }
}

#[cfg(test)]
mod tests {
    use super::dylib_short_name;

    fn short(name: &str) -> &str {
        core::str::from_utf8(dylib_short_name(name.as_bytes()).unwrap_or(name.as_bytes())).unwrap()
    }

    #[test]
    fn short_names_follow_apples_rules() {
        for (name, expected) in [
            ("/usr/lib/libSystem.B.dylib", "libSystem"),
            ("@rpath/libhelper.dylib", "libhelper"),
            (
                "/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation",
                "Foundation",
            ),
            ("/usr/lib/libz.1.dylib", "libz"),
            ("/usr/lib/libncurses.5.4.dylib", "libncurses"),
            ("@loader_path/libsodium.26.dylib", "libsodium.26"),
            ("/usr/lib/libz.1.2.11.dylib", "libz.1.2.11"),
            ("/a/Bar.framework/Versions/A/Bar_profile", "Bar"),
            ("Foo.framework/Foo", "Foo"),
            ("/usr/lib/libfoo_debug.dylib", "libfoo"),
            ("/usr/lib/libc++.1.dylib", "libc++"),
            ("libplain.A.dylib", "libplain"),
            ("/x/y/zz.dylib", "zz"),
            ("weird/noext", "weird/noext"),
            ("/usr/lib/libc.so", "/usr/lib/libc.so"),
            ("@loader_path/libgcc_s.1.1.dylib", "libgcc_s"),
            ("/usr/lib/libATS.A_profile.dylib", "libATS"),
            ("@rpath/Python.framework/Python", "Python"),
        ] {
            assert_eq!(short(name), expected, "{name}");
        }
    }
}
