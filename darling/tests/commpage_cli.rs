//! `darling commpage` run as a process: every field named, the capability flags decoded with
//! XNU's, `machdep.cpu`'s and `/proc/cpuinfo`'s names.

mod common;

use common::darling;

#[test]
fn prints_every_field() {
    let (code, out, err) = darling(&["commpage"]);
    assert_eq!((code, err.as_str()), (0, ""));
    for name in [
        "_COMM_PAGE_SIGNATURE",
        "_COMM_PAGE_CPU_CAPABILITIES64",
        "_COMM_PAGE_VERSION",
        "_COMM_PAGE_CPU_CAPABILITIES",
        "_COMM_PAGE_NCPUS",
        "_COMM_PAGE_CACHE_LINESIZE",
        "_COMM_PAGE_MEMORY_PRESSURE",
        "_COMM_PAGE_ACTIVE_CPUS",
        "_COMM_PAGE_PHYSICAL_CPUS",
        "_COMM_PAGE_LOGICAL_CPUS",
        "_COMM_PAGE_CPU_CLUSTERS",
        "_COMM_PAGE_MEMORY_SIZE",
        "_COMM_PAGE_CPUFAMILY",
        "_COMM_PAGE_KDEBUG_ENABLE",
        "_COMM_PAGE_ATM_DIAGNOSTIC_CONFIG",
        "_COMM_PAGE_DTRACE_DOF_ENABLED",
        "_COMM_PAGE_KERNEL_PAGE_SHIFT",
        "_COMM_PAGE_USER_PAGE_SHIFT_64",
        "_COMM_PAGE_NT_TSC_BASE",
        "_COMM_PAGE_NT_SCALE",
        "_COMM_PAGE_NT_SHIFT",
        "_COMM_PAGE_NT_NS_BASE",
        "_COMM_PAGE_NT_GENERATION",
        "_COMM_PAGE_GTOD_GENERATION",
        "_COMM_PAGE_GTOD_NS_BASE",
        "_COMM_PAGE_GTOD_SEC_BASE",
        "_COMM_PAGE_APPROX_TIME",
        "_COMM_PAGE_APPROX_TIME_SUPPORTED",
        "_COMM_PAGE_CONT_TIMEBASE",
        "_COMM_PAGE_BOOTTIME_USEC",
        "_COMM_PAGE_NEWTIMEOFDAY_DATA",
        "TimeStamp_tick",
        "TimeStamp_sec",
        "TimeStamp_frac",
        "Ticks_scale",
        "Ticks_per_sec",
        "_COMM_PAGE_DYLD_FLAGS",
        "_COMM_PAGE_CPU_TO_CLUSTER",
        "_COMM_PAGE_ASB_TARGET_VALUE",
        "_COMM_PAGE_ASB_TARGET_KERN_ADDRESS",
    ] {
        assert!(out.contains(name), "{name} missing:\n{out}");
    }
    assert!(
        out.contains("0x000  _COMM_PAGE_SIGNATURE                 \"commpage 64-bit\""),
        "{out}"
    );
    assert!(
        out.contains("0x01e  _COMM_PAGE_VERSION                   14"),
        "{out}"
    );
    // Every x86-64 processor has SSE2, named three ways.
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["kHasSSE2", "SSE2", "sse2"]),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("kNumCPUs")),
        "{out}"
    );
}

#[test]
fn i386_and_translated() {
    let (code, out, _) = darling(&["commpage", "--arch", "i386", "--translated"]);
    assert_eq!(code, 0);
    assert!(out.contains("commpage (i386) at 0xffff0000"), "{out}");
    assert!(out.contains("\"commpage 32-bit\""), "{out}");
    assert!(out.contains("kIsTranslated"), "{out}");
}

#[test]
fn mapped_and_read_back() {
    // Address-space randomization may put something at the address: a clear error (then
    // try again in a new process), never a crash.
    for _ in 0..5 {
        let (code, out, err) = darling(&["commpage", "--map"]);
        if code != 0 {
            assert!(err.contains("is already mapped"), "{err}");
            continue;
        }
        assert!(
            out.starts_with("mapped read-only at 0x7fffffe00000"),
            "{out}"
        );
        assert!(out.contains("mach_absolute_time()"), "{out}");
        assert!(out.contains("gettimeofday()"), "{out}");
        return;
    }
    panic!("the address was taken five times");
}

#[test]
fn bad_arguments() {
    let (code, _, err) = darling(&["commpage", "--arch", "arm64"]);
    assert_eq!(code, 2);
    assert!(err.contains("arm64"), "{err}");
}
