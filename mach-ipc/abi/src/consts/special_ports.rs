//! Special port numbers, from `mach/task_special_ports.h`, `mach/thread_special_ports.h`
//! and `mach/host_special_ports.h`: the `which` of `task_get_special_port`,
//! `thread_get_special_port` and `host_get_special_port`; and, from `mach/mach_param.h`, how
//! many ports `mach_ports_register` keeps. Numbers retired or renamed after
//! xnu-7195.141.2 say so.

// ---------------------------------------------------------------------------------
// mach/task_special_ports.h
// ---------------------------------------------------------------------------------

/// Task special port: the task's own control port.
pub const TASK_KERNEL_PORT: i32 = 1;
/// Task special port: the host port.
pub const TASK_HOST_PORT: i32 = 2;
/// Task special port: the task name port.
pub const TASK_NAME_PORT: i32 = 3;
/// Task special port: the bootstrap (launchd) port.
pub const TASK_BOOTSTRAP_PORT: i32 = 4;
/// Task special port: the inspect port.
pub const TASK_INSPECT_PORT: i32 = 5;
/// Task special port: the read port.
pub const TASK_READ_PORT: i32 = 6;
/// Task special port: Seatbelt port (xnu-7195 only; retired later).
pub const TASK_SEATBELT_PORT: i32 = 7;
/// Task special port: task_for_pid permission checker.
pub const TASK_ACCESS_PORT: i32 = 9;
/// Task special port: debug control port.
pub const TASK_DEBUG_CONTROL_PORT: i32 = 10;
/// Task special port: resource notifications (overrides the host's).
pub const TASK_RESOURCE_NOTIFY_PORT: i32 = 11;
/// Highest task special port number.
pub const TASK_MAX_SPECIAL_PORT: i32 = TASK_RESOURCE_NOTIFY_PORT;

// ---------------------------------------------------------------------------------
// mach/thread_special_ports.h
// ---------------------------------------------------------------------------------

/// Thread special port: the thread's control port.
pub const THREAD_KERNEL_PORT: i32 = 1;
/// Thread special port: the inspect port.
pub const THREAD_INSPECT_PORT: i32 = 2;
/// Thread special port: the read port.
pub const THREAD_READ_PORT: i32 = 3;
/// Highest thread special port number.
pub const THREAD_MAX_SPECIAL_PORT: i32 = THREAD_READ_PORT;

// ---------------------------------------------------------------------------------
// mach/host_special_ports.h
// ---------------------------------------------------------------------------------

/// Host special port: security port.
pub const HOST_SECURITY_PORT: i32 = 0;
/// Lowest host special port number.
pub const HOST_MIN_SPECIAL_PORT: i32 = HOST_SECURITY_PORT;
/// Host special port: the host name port.
pub const HOST_PORT: i32 = 1;
/// Host special port: the privileged host port.
pub const HOST_PRIV_PORT: i32 = 2;
/// Host special port: the IOKit main port (`HOST_IO_MASTER_PORT` in xnu-7195).
pub const HOST_IO_MAIN_PORT: i32 = 3;
/// Numbers up to this one are reserved for kernel-provided host ports.
pub const HOST_MAX_SPECIAL_KERNEL_PORT: i32 = 7;
/// Last kernel-provided host port actually assigned.
pub const HOST_LAST_SPECIAL_KERNEL_PORT: i32 = HOST_IO_MAIN_PORT;
/// Host special port: dynamic pager.
pub const HOST_DYNAMIC_PAGER_PORT: i32 = 8;
/// Host special port: audit control.
pub const HOST_AUDIT_CONTROL_PORT: i32 = 9;
/// Host special port: user notification daemon.
pub const HOST_USER_NOTIFICATION_PORT: i32 = 10;
/// Host special port: automountd.
pub const HOST_AUTOMOUNTD_PORT: i32 = 11;
/// Host special port: lockd.
pub const HOST_LOCKD_PORT: i32 = 12;
/// Host special port: ktrace background.
pub const HOST_KTRACE_BACKGROUND_PORT: i32 = 13;
/// Host special port: Seatbelt.
pub const HOST_SEATBELT_PORT: i32 = 14;
/// Host special port: kextd.
pub const HOST_KEXTD_PORT: i32 = 15;
/// Host special port: launchctl.
pub const HOST_LAUNCHCTL_PORT: i32 = 16;
/// Older name of [`HOST_LAUNCHCTL_PORT`].
pub const HOST_CHUD_PORT: i32 = HOST_LAUNCHCTL_PORT;
/// Host special port: unfreed-memory reporting.
pub const HOST_UNFREED_PORT: i32 = 17;
/// Host special port: amfid.
pub const HOST_AMFID_PORT: i32 = 18;
/// Host special port: gssd.
pub const HOST_GSSD_PORT: i32 = 19;
/// Host special port: telemetry.
pub const HOST_TELEMETRY_PORT: i32 = 20;
/// Host special port: ATM notifications.
pub const HOST_ATM_NOTIFICATION_PORT: i32 = 21;
/// Host special port: coalitions.
pub const HOST_COALITION_PORT: i32 = 22;
/// Host special port: sysdiagnose.
pub const HOST_SYSDIAGNOSE_PORT: i32 = 23;
/// Host special port: XPC exceptions.
pub const HOST_XPC_EXCEPTION_PORT: i32 = 24;
/// Host special port: containerd.
pub const HOST_CONTAINERD_PORT: i32 = 25;
/// Host special port: node.
pub const HOST_NODE_PORT: i32 = 26;
/// Host special port: resource notifications.
pub const HOST_RESOURCE_NOTIFY_PORT: i32 = 27;
/// Host special port: closured.
pub const HOST_CLOSURED_PORT: i32 = 28;
/// Host special port: syspolicyd.
pub const HOST_SYSPOLICYD_PORT: i32 = 29;
/// Host special port: filecoordinationd.
pub const HOST_FILECOORDINATIOND_PORT: i32 = 30;
/// Host special port: fairplayd.
pub const HOST_FAIRPLAYD_PORT: i32 = 31;
/// Host special port: IO compression statistics.
pub const HOST_IOCOMPRESSIONSTATS_PORT: i32 = 32;
/// Host special port: memory error reporting.
pub const HOST_MEMORY_ERROR_PORT: i32 = 33;
/// Host special port: managedappdistributiond.
pub const HOST_MANAGEDAPPDISTD_PORT: i32 = 34;
/// Host special port: doubleagentd.
pub const HOST_DOUBLEAGENTD_PORT: i32 = 35;
/// Highest host special port number.
pub const HOST_MAX_SPECIAL_PORT: i32 = HOST_DOUBLEAGENTD_PORT;

// ---------------------------------------------------------------------------------
// mach/mach_param.h
// ---------------------------------------------------------------------------------

/// Number of "registered ports" `mach_ports_register` passes to children.
pub const TASK_PORT_REGISTER_MAX: usize = 3;
