//! Numeric constants and scalar types of XNU's Mach IPC, under XNU's own names, one module
//! per header they come from.
//!
//! Values are those of 64-bit user space on x86_64/arm64 (xnu-11417; where Darling's
//! xnu-7195.141.2 base differs the doc comment says so). Everything a message, a port right
//! or a `kern_return_t` carries across the user/kernel boundary is defined here, so
//! the rest of the crate never spells a bare number.
//!
//! Function-like XNU macros are `const fn`s with the macro's (upper-case) name, beside the
//! constants of their header.
//!
//! The source has one file per header; everything is re-exported here, flat, as C code
//! includes `<mach/mach.h>` and sees them all:
//!
//! | file | header | holds |
//! |------|--------|-------|
//! | `vm_types.rs` | `mach/machine/vm_types.h` | `natural_t`, `integer_t` |
//! | `kern_return.rs` | `mach/kern_return.h` | `kern_return_t`, `KERN_*`, [`KernReturn`] |
//! | `mig_errors.rs` | `mach/mig_errors.h` | `MIG_*` codes |
//! | `message.rs` | `mach/message.h` | message types, `mach_msg` codes and options, trailers, `msgh_bits`, dispositions, descriptors |
//! | `port.rs` | `mach/port.h` | port types, rights, names, queue limits, attributes, `MPO_*`, `MPG_*`, `kGUARD_EXC_*` |
//! | `notify.rs` | `mach/notify.h` | notification ids |
//! | `special_ports.rs` | `mach/{task,thread,host}_special_ports.h`, `mach/mach_param.h` | special port numbers |
//! | `ndr.rs` | `mach/ndr.h` | `NDR_record` |
//! | `ipc_kmsg.rs` | `ipc/ipc_kmsg.h` (kernel) | message size limits |
//! | `exc_guard.rs` | `kern/exc_guard.h`, `mach/exception_types.h` | `EXC_GUARD` codes |
//! | `bootstrap.rs` | launchd's `bootstrap.h` | `BOOTSTRAP_*` codes and name lengths |
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

/// Declares documented `kern_return_t` constants plus a `(value, name)` table, private to
/// this module and its children, that [`KernReturn::name`] searches.
macro_rules! named_codes {
    ($table:ident; $( $(#[$meta:meta])* $name:ident = $value:expr; )*) => {
        $(
            $(#[$meta])*
            pub const $name: kern_return_t = $value;
        )*
        pub(super) const $table: &[(kern_return_t, &str)] = &[$(($name, stringify!($name))),*];
    };
}

mod bootstrap;
mod exc_guard;
mod ipc_kmsg;
mod kern_return;
mod message;
mod mig_errors;
mod ndr;
mod notify;
mod port;
mod special_ports;
mod vm_types;

pub use bootstrap::*;
pub use exc_guard::*;
pub use ipc_kmsg::*;
pub use kern_return::*;
pub use message::*;
pub use mig_errors::*;
pub use ndr::*;
pub use notify::*;
pub use port::*;
pub use special_ports::*;
pub use vm_types::*;
