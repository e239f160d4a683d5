//! Apple's TSD slots: the numbers of the pointers in a thread's TSD array, with the names
//! XNU's `os/tsd.h` and libpthread's `tsd_private.h` give them, and who owns each range.
//!
//! Slots 0–255 are static keys that Apple's libraries read directly (`gs:[slot * 8]`);
//! 256–767 are what `pthread_key_create` hands out. Only the reserved slots 0–9 mean something
//! to the system itself; the rest are keys of libraries, listed in [`SLOT_RANGES`].
#![allow(non_upper_case_globals)]

/// The number of slots in a TSD array: 256 internal keys and 512 for
/// `pthread_key_create` (`_INTERNAL_POSIX_THREAD_KEYS_MAX + _EXTERNAL_POSIX_THREAD_KEYS_MAX`).
pub const TSD_SLOT_COUNT: usize = 768;
/// The first slot `pthread_key_create` hands out (`_INTERNAL_POSIX_THREAD_KEYS_MAX`).
pub const FIRST_DYNAMIC_KEY: usize = 256;

/// A slot number: an index into a thread's TSD array, below [`TSD_SLOT_COUNT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(u16);

impl Slot {
    /// The slot `index`, if the array has it.
    pub const fn new(index: usize) -> Option<Slot> {
        if index < TSD_SLOT_COUNT {
            Some(Slot(index as u16))
        } else {
            None
        }
    }

    /// Its index in the TSD array.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Its byte offset from the TSD base for a pointer `width` (8 on x86-64, 4 on i386).
    pub const fn offset(self, width: usize) -> usize {
        self.0 as usize * width
    }

    /// Apple's name for the slot where it has one (`__TSD_ERRNO`, `__PTK_LIBC_LOCALE_KEY`), else
    /// the name of its key in its range (`__PTK_FRAMEWORK_OBJC_KEY3`).
    pub fn name(self) -> Option<String> {
        if let Some((_, name)) = NAMED_SLOTS.iter().find(|(s, _)| *s == self) {
            return Some((*name).to_string());
        }
        let range = SlotRange::of(self)?;
        let (prefix, first_key) = range.keys?;
        let key = first_key as usize + self.index() - range.first.index();
        Some(format!("{prefix}{key}"))
    }
}

impl core::fmt::Display for Slot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

const fn slot(index: u16) -> Slot {
    assert!((index as usize) < TSD_SLOT_COUNT);
    Slot(index)
}

/// `pthread_t` of the thread (the pointer `pthread_self()` returns).
pub const __TSD_THREAD_SELF: Slot = slot(0);
/// `int *` pointing at the thread's `errno`.
pub const __TSD_ERRNO: Slot = slot(1);
/// The thread's MIG reply port (`mig_get_reply_port`).
pub const __TSD_MIG_REPLY: Slot = slot(2);
/// The thread's Mach port (`mach_thread_self` without a new reference).
pub const __TSD_MACH_THREAD_SELF: Slot = slot(3);
/// The thread's QoS class as a `pthread_priority_t`.
pub const __TSD_THREAD_QOS_CLASS: Slot = slot(4);
/// Set while the thread must return to the kernel (workqueue threads).
pub const __TSD_RETURN_TO_KERNEL: Slot = slot(5);
/// Left empty: code built for the Win64 ABI bakes `%gs` accesses into this range, and the Go
/// runtime keeps its own thread pointer here (libpthread's commented-out name).
pub const _PTHREAD_TSD_SLOT_RESERVED_WIN64: Slot = slot(6);
/// The pointer-mangling token (`_OS_PTR_MUNGE`); 0 means no mangling.
pub const __TSD_PTR_MUNGE: Slot = slot(7);
/// The thread's special reply port.
pub const __TSD_MACH_SPECIAL_REPLY: Slot = slot(8);
/// The thread's cached semaphore.
pub const __TSD_SEMAPHORE_CACHE: Slot = slot(9);
/// The first slot reserved for libsyscall and libplatform.
pub const __TSD_RESERVED_BASE: Slot = slot(0);
/// The last slot reserved for libsyscall and libplatform.
pub const __TSD_RESERVED_MAX: Slot = slot(9);
/// Auxiliary data of `mach_msg2` (XNU's `os/tsd.h`; libpthread also lists it as a libdispatch key).
pub const __TSD_MACH_MSG_AUX: Slot = slot(123);

/// libc's locale.
pub const __PTK_LIBC_LOCALE_KEY: Slot = slot(10);
/// Left empty for the Win64 ABI, as slot 6 is.
pub const __PTK_LIBC_RESERVED_WIN64: Slot = slot(11);
/// libc's `localtime` buffer.
pub const __PTK_LIBC_LOCALTIME_KEY: Slot = slot(12);
/// libc's `gmtime` buffer.
pub const __PTK_LIBC_GMTIME_KEY: Slot = slot(13);
/// libc's gdtoa big integers.
pub const __PTK_LIBC_GDTOA_BIGINT_KEY: Slot = slot(14);
/// libc's float parser.
pub const __PTK_LIBC_PARSEFLOAT_KEY: Slot = slot(15);
/// libc's `ttyname` buffer.
pub const __PTK_LIBC_TTYNAME_KEY: Slot = slot(16);
/// dyld's setjmp/longjmp unwinder.
pub const __PTK_LIBC_DYLD_Unwind_SjLj_Key: Slot = slot(18);

/// OpenGL's key (the graphics range's first, `_PTHREAD_TSD_SLOT_OPENGL`).
pub const __PTK_FRAMEWORK_OPENGL_KEY: Slot = slot(30);

/// Darling's xtrace state (Darling's `__PTK_DARLING_KEY0`).
pub const __PTK_DARLING_XTRACE_TLS: Slot = slot(200);
/// Darling: set when the thread has its own working directory (`__PTK_DARLING_KEY1`).
pub const __PTK_DARLING_PERTHREAD_CWD_IS_SET: Slot = slot(201);
/// Darling: the thread's own working directory fd (`__PTK_DARLING_KEY2`).
pub const __PTK_DARLING_PERTHREAD_CWD_FD: Slot = slot(202);

/// Darling: the thread's darlingserver RPC socket (mldr's `DTHREAD_TSD_SLOT_DSERVER_RPC_FD`).
/// Darling takes libc's reserved slot [`__PTK_LIBC_RESERVED_WIN64`] for it; -1 when the thread
/// has none yet.
pub const DTHREAD_TSD_SLOT_DSERVER_RPC_FD: Slot = slot(11);

const NAMED_SLOTS: &[(Slot, &str)] = &[
    (__TSD_THREAD_SELF, "__TSD_THREAD_SELF"),
    (__TSD_ERRNO, "__TSD_ERRNO"),
    (__TSD_MIG_REPLY, "__TSD_MIG_REPLY"),
    (__TSD_MACH_THREAD_SELF, "__TSD_MACH_THREAD_SELF"),
    (__TSD_THREAD_QOS_CLASS, "__TSD_THREAD_QOS_CLASS"),
    (__TSD_RETURN_TO_KERNEL, "__TSD_RETURN_TO_KERNEL"),
    (
        _PTHREAD_TSD_SLOT_RESERVED_WIN64,
        "_PTHREAD_TSD_SLOT_RESERVED_WIN64",
    ),
    (__PTK_LIBC_RESERVED_WIN64, "__PTK_LIBC_RESERVED_WIN64"),
    (__TSD_PTR_MUNGE, "__TSD_PTR_MUNGE"),
    (__TSD_MACH_SPECIAL_REPLY, "__TSD_MACH_SPECIAL_REPLY"),
    (__TSD_SEMAPHORE_CACHE, "__TSD_SEMAPHORE_CACHE"),
    (__PTK_LIBC_LOCALE_KEY, "__PTK_LIBC_LOCALE_KEY"),
    (__PTK_LIBC_LOCALTIME_KEY, "__PTK_LIBC_LOCALTIME_KEY"),
    (__PTK_LIBC_GMTIME_KEY, "__PTK_LIBC_GMTIME_KEY"),
    (__PTK_LIBC_GDTOA_BIGINT_KEY, "__PTK_LIBC_GDTOA_BIGINT_KEY"),
    (__PTK_LIBC_PARSEFLOAT_KEY, "__PTK_LIBC_PARSEFLOAT_KEY"),
    (__PTK_LIBC_TTYNAME_KEY, "__PTK_LIBC_TTYNAME_KEY"),
    (
        __PTK_LIBC_DYLD_Unwind_SjLj_Key,
        "__PTK_LIBC_DYLD_Unwind_SjLj_Key",
    ),
    (__PTK_FRAMEWORK_OPENGL_KEY, "__PTK_FRAMEWORK_OPENGL_KEY"),
    (__TSD_MACH_MSG_AUX, "__TSD_MACH_MSG_AUX"),
    (__PTK_DARLING_XTRACE_TLS, "__PTK_DARLING_KEY0"),
    (__PTK_DARLING_PERTHREAD_CWD_IS_SET, "__PTK_DARLING_KEY1"),
    (__PTK_DARLING_PERTHREAD_CWD_FD, "__PTK_DARLING_KEY2"),
];

/// A run of slots that one library owns, as libpthread's `tsd_private.h` hands them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotRange {
    /// The first slot.
    pub first: Slot,
    /// The last slot (inclusive).
    pub last: Slot,
    /// Who uses it.
    pub owner: &'static str,
    /// How Apple names the keys of the range: a prefix (`__PTK_FRAMEWORK_OBJC_KEY`) and the
    /// number of the range's first key (libdispatch's slots 120–124 are its keys 10–14).
    pub keys: Option<(&'static str, u16)>,
}

impl SlotRange {
    /// The range `slot` falls in.
    pub fn of(slot: Slot) -> Option<&'static SlotRange> {
        SLOT_RANGES
            .iter()
            .find(|r| r.first <= slot && slot <= r.last)
    }

    /// Whether `slot` is in the range.
    pub fn contains(&self, slot: Slot) -> bool {
        self.first <= slot && slot <= self.last
    }
}

const fn range(
    first: u16,
    last: u16,
    owner: &'static str,
    keys: Option<(&'static str, u16)>,
) -> SlotRange {
    SlotRange {
        first: slot(first),
        last: slot(last),
        owner,
        keys,
    }
}

/// Who owns which slots, in order and without overlap. Slots that fall in no range are
/// unassigned static keys.
pub const SLOT_RANGES: &[SlotRange] = &[
    range(0, 9, "libsyscall and libplatform (reserved)", None),
    range(10, 19, "libc", None),
    range(20, 29, "libdispatch", Some(("__PTK_LIBDISPATCH_KEY", 0))),
    range(
        30,
        39,
        "graphics frameworks",
        Some(("__PTK_FRAMEWORK_GRAPHICS_KEY", 0)),
    ),
    range(
        40,
        49,
        "Objective-C runtime",
        Some(("__PTK_FRAMEWORK_OBJC_KEY", 0)),
    ),
    range(
        50,
        59,
        "CoreFoundation",
        Some(("__PTK_FRAMEWORK_COREFOUNDATION_KEY", 0)),
    ),
    range(
        60,
        69,
        "Foundation",
        Some(("__PTK_FRAMEWORK_FOUNDATION_KEY", 0)),
    ),
    range(
        70,
        79,
        "QuartzCore",
        Some(("__PTK_FRAMEWORK_QUARTZCORE_KEY", 0)),
    ),
    range(
        80,
        89,
        "CoreData",
        Some(("__PTK_FRAMEWORK_COREDATA_KEY", 0)),
    ),
    range(
        90,
        94,
        "JavaScriptCore",
        Some(("__PTK_FRAMEWORK_JAVASCRIPTCORE_KEY", 0)),
    ),
    range(
        95,
        95,
        "CoreText",
        Some(("__PTK_FRAMEWORK_CORETEXT_KEY", 0)),
    ),
    range(
        100,
        109,
        "Swift runtime",
        Some(("__PTK_FRAMEWORK_SWIFT_KEY", 0)),
    ),
    range(110, 114, "libmalloc", Some(("__PTK_LIBMALLOC_KEY", 0))),
    range(
        115,
        119,
        "libdispatch workgroups",
        Some(("__PTK_LIBDISPATCH_WORKGROUP_KEY", 0)),
    ),
    range(120, 124, "libdispatch", Some(("__PTK_LIBDISPATCH_KEY", 10))),
    range(125, 199, "__thread variables of shared-cache dylibs", None),
    // Apple gives 125-209 to the shared cache; Darling's libpthread takes 200-209 for itself.
    range(200, 209, "Darling", Some(("__PTK_DARLING_KEY", 0))),
    range(210, 229, "libSystem in the iOS simulator", None),
    range(
        230,
        230,
        "objc_trace (PerfUtils)",
        Some(("__PTK_PERF_UTILS_KEY", 0)),
    ),
    range(
        231,
        232,
        "libsanitizers",
        Some(("__PTK_LIBSANITIZERS_KEY", 0)),
    ),
    range(
        FIRST_DYNAMIC_KEY as u16,
        TSD_SLOT_COUNT as u16 - 1,
        "pthread_key_create",
        None,
    ),
];
