//! Sends arbitrary bytes as a Mach message and receives whatever comes back, in one
//! `mach_msg(SEND | RCV | RCV_TIMEOUT)` with timeout 0, from a task holding one right of
//! every kind. Nothing may panic, and once the task terminates no port may be left but the
//! host port: every right the message moved, made, copied or lost is accounted for.
//!
//! The task's names are the kernel's first choices, so seeds can name them:
//!
//! | name    | right                                                  |
//! | ------- | ------------------------------------------------------ |
//! | `0x103` | receive right R, with a send right (the receive name)  |
//! | `0x203` | send-once right to R                                   |
//! | `0x303` | dead name                                              |
//! | `0x403` | port set holding R                                     |
//! | `0x503` | receive right Q, no send right                         |
//!
//! and an out-of-line region at `0x1_0000_0000` holds 64 bytes: the names above as
//! `u32`s (then `MACH_PORT_NULL`, `MACH_PORT_DEAD`), then a byte pattern.
//!
//! The input is the message (`send_size` is its length rounded down to a multiple of 4,
//! unless the length is 3 more than one: then the length itself, which must be refused).
//! `msgh_size`, which a send ignores, picks the receive: its low 16 bits are `rcv_size`
//! (at most the buffer), bits 24–27 the trailer elements, bit 31 `MACH_RCV_LARGE`.
#![no_main]

use std::mem::offset_of;

use darling_mach_ipc::Kernel;
use darling_mach_ipc::consts::*;
use darling_mach_ipc::message;
use darling_mach_ipc::wire::MachMsgHeader;
use libfuzzer_sys::fuzz_target;

/// Room after the message for a received one's growth (descriptors rewritten, trailer).
const SLACK: usize = 512;

fuzz_target!(|data: &[u8]| {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);

    let r = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).expect("R");
    task.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .expect("send right to R");
    let (once, _) = task
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND_ONCE, &task)
        .expect("send-once right to R");
    let dead = task
        .mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME)
        .expect("dead name");
    let set = task
        .mach_port_allocate(MACH_PORT_RIGHT_PORT_SET)
        .expect("port set");
    task.mach_port_insert_member(r, set).expect("R in the set");
    let q = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).expect("Q");
    let mut region = Vec::with_capacity(64);
    for name in [r, once, dead, set, q, MACH_PORT_NULL, MACH_PORT_DEAD] {
        region.extend_from_slice(&name.to_ne_bytes());
    }
    region.extend((region.len()..64).map(|i| i as u8));
    let ool = task.vm_allocate(region);
    debug_assert_eq!(
        (r, once, dead, set, q, ool),
        (0x103, 0x203, 0x303, 0x403, 0x503, 0x1_0000_0000)
    );

    let send_size = if data.len() % 4 == 3 {
        data.len()
    } else {
        data.len() & !3
    };
    let mut buf = data.to_vec();
    buf.resize(data.len() + SLACK, 0);
    let selector = message::read::<u32>(data, offset_of!(MachMsgHeader, msgh_size)).unwrap_or(0);
    let rcv_size = (selector & 0xffff).min(buf.len() as u32);
    let mut option = MACH_SEND_MSG
        | MACH_RCV_MSG
        | MACH_RCV_TIMEOUT
        | MACH_RCV_TRAILER_ELEMENTS((selector >> 24 & 0xf) as mach_msg_option_t);
    if selector & 0x8000_0000 != 0 {
        option |= MACH_RCV_LARGE;
    }
    let _ = task.mach_msg(
        &mut buf,
        option,
        send_size as u32,
        rcv_size,
        r,
        0,
        MACH_PORT_NULL,
    );
    // Whatever happened, the space can still be listed and every name looked up.
    let names = task.mach_port_names().expect("a live task");
    for (name, _) in names {
        let _ = task.mach_port_type(name);
    }

    task.terminate();
    assert_eq!(kernel.port_count(), 1, "ports leaked");
    assert_eq!(kernel.port_set_count(), 0, "port sets leaked");
    assert_eq!(kernel.task_count(), 0);
});
