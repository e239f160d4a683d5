//! The macros Apple's `mig` driver predefines: the value [`Preprocessor::new`] starts from.
//!
//! [`Preprocessor::new`]: super::Preprocessor::new

/// The macros [`Preprocessor::new`](super::Preprocessor::new) starts with: what Apple's `mig`
/// driver defines on x86-64.
///
/// `mig` (bootstrap_cmds `migcom.tproj/mig.sh`) runs `cc -E -arch <host arch>` with
/// `-D__MACH30__` and `-I <the .defs file's directory>`; everything else here is what that
/// compiler (Apple clang, x86-64, C mode) predefines itself, with the values
/// `clang -target x86_64-apple-macosx -x c -dM -E` prints. XNU's `.defs` files and the headers
/// they include test `__LP64__`, `__x86_64__` (and `__i386__`, `__arm__`, `__arm64__`, which
/// stay undefined); the others are the ones C headers commonly test.
pub const PREDEFINED_MACROS: &[(&str, &str)] = &[
    // mig.sh: the only -D it adds itself.
    ("__MACH30__", "1"),
    // clang, Apple targets.
    ("__APPLE__", "1"),
    ("__MACH__", "1"),
    ("__APPLE_CC__", "6000"),
    ("__DYNAMIC__", "1"),
    // clang, x86-64 (`-arch x86_64`) and its LP64 data model.
    ("__x86_64__", "1"),
    ("__x86_64", "1"),
    ("__amd64__", "1"),
    ("__amd64", "1"),
    ("__LP64__", "1"),
    ("_LP64", "1"),
    ("__LITTLE_ENDIAN__", "1"),
    ("__ORDER_LITTLE_ENDIAN__", "1234"),
    ("__ORDER_BIG_ENDIAN__", "4321"),
    ("__ORDER_PDP_ENDIAN__", "3412"),
    ("__BYTE_ORDER__", "__ORDER_LITTLE_ENDIAN__"),
    ("__CHAR_BIT__", "8"),
    ("__SIZEOF_INT__", "4"),
    ("__SIZEOF_LONG__", "8"),
    ("__SIZEOF_POINTER__", "8"),
    // clang, C mode (its default is gnu17) and its GCC compatibility claims.
    ("__STDC__", "1"),
    ("__STDC_HOSTED__", "1"),
    ("__STDC_VERSION__", "201710L"),
    ("__GNUC__", "4"),
    ("__GNUC_MINOR__", "2"),
    ("__GNUC_PATCHLEVEL__", "1"),
    ("__GNUC_STDC_INLINE__", "1"),
    ("__clang__", "1"),
];
