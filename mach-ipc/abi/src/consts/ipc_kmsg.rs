//! Limits of a message in the kernel, from XNU's `ipc/ipc_kmsg.h` (kernel-private): how
//! large a body and how many out-of-line port rights a message may carry.

/// The largest message body XNU accepts (`IPC_KMSG_MAX_BODY_SPACE`, `ipc_kmsg.h`).
pub const IPC_KMSG_MAX_BODY_SPACE: u32 = 64 * 1024 * 1024 * 3 / 4 - 68;
/// The most port rights one out-of-line ports descriptor may carry
/// (`IPC_KMSG_MAX_OOL_PORT_COUNT`, `ipc_kmsg.h`).
pub const IPC_KMSG_MAX_OOL_PORT_COUNT: u64 = 16383;
