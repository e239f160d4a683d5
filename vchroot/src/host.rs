//! Host paths as strings: where the prefix ends, and what is inside it.
//!
//! Darling compares raw bytes (`memcmp` over the prefix's length), so `<prefix>2/x` counts as
//! inside `<prefix>`. Here the prefix must end at a component boundary.

/// A host path with repeated `/`, `.` components and a trailing `/` taken out (`..` stays:
/// only the file system can say where it leads). `None` if the path is not absolute.
pub(crate) fn normalize(path: &[u8]) -> Option<Vec<u8>> {
    if path.first() != Some(&b'/') {
        return None;
    }
    let mut out = Vec::with_capacity(path.len());
    for c in path.split(|&b| b == b'/') {
        if c.is_empty() || c == b"." {
            continue;
        }
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Some(out)
}

/// What follows `prefix` in the normalized host path `host` (empty, or components each
/// after a `/`), if `host` is `prefix` or below it. `prefix` is canonical with no trailing
/// `/`, and empty for the host's root.
pub(crate) fn below<'h>(prefix: &[u8], host: &'h [u8]) -> Option<&'h [u8]> {
    if prefix.is_empty() {
        return Some(if host == b"/" { &[] } else { host });
    }
    let rest = host.strip_prefix(prefix)?;
    (rest.is_empty() || rest[0] == b'/').then_some(rest)
}

/// `base`, then `names` (components each after a `/`), then `/name` if `name` is not empty:
/// a path, `/` where all three are empty.
pub(crate) fn join(base: &[u8], names: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(base.len() + names.len() + name.len() + 2);
    p.extend_from_slice(base);
    p.extend_from_slice(names);
    if !name.is_empty() {
        p.push(b'/');
        p.extend_from_slice(name);
    }
    if p.is_empty() {
        p.push(b'/');
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_slashes_and_dots() {
        assert_eq!(normalize(b"//a/./b//").unwrap(), b"/a/b");
        assert_eq!(normalize(b"/").unwrap(), b"/");
        assert_eq!(normalize(b"/./.").unwrap(), b"/");
        assert_eq!(normalize(b"/a/../b").unwrap(), b"/a/../b");
        assert!(normalize(b"a/b").is_none());
        assert!(normalize(b"").is_none());
    }

    #[test]
    fn joins() {
        assert_eq!(join(b"", b"", b""), b"/");
        assert_eq!(join(b"/p", b"", b""), b"/p");
        assert_eq!(join(b"/p", b"/a", b"b"), b"/p/a/b");
        assert_eq!(join(b"", b"", b"b"), b"/b");
    }

    #[test]
    fn prefix_ends_at_a_component() {
        assert_eq!(below(b"/p", b"/p"), Some(&b""[..]));
        assert_eq!(below(b"/p", b"/p/x"), Some(&b"/x"[..]));
        assert_eq!(below(b"/p", b"/p2/x"), None);
        assert_eq!(below(b"/p", b"/"), None);
        assert_eq!(below(b"", b"/"), Some(&b""[..]));
        assert_eq!(below(b"", b"/x"), Some(&b"/x"[..]));
    }
}
