//! The seeds of the `mach_msg_send` fuzz target (`fuzz/seeds/mach_msg_send`), and what
//! regenerates them: each seed is one builder below, written with XNU's names and the wire
//! structs, so the committed bytes can be read and remade.
//!
//! `seeds_are_regenerable` checks that every builder still makes its file byte for byte (run
//! it with `DARLING_BLESS=1` to rewrite the files after changing a builder), and that no file
//! lacks a builder. `seeds_do_what_they_say` replays each seed as the fuzz target does and
//! checks the `mach_msg` result it was written to produce, and that nothing leaks.
//!
//! The file names are the first 8 hex digits of the MD5 of the bytes as first written; they
//! are kept as they are (a blessed change does not rename a file), so a new seed needs only a
//! new, unused name.

use std::collections::BTreeSet;
use std::mem::offset_of;
use std::path::Path;

mod msgkit;

use darling_mach_ipc::consts::*;
use darling_mach_ipc::message;
use darling_mach_ipc::wire::{
    MachMsgGuardedPortDescriptor64, MachMsgHeader, MachMsgOolDescriptor64,
    MachMsgOolPortsDescriptor64, MachMsgPortDescriptor,
};
use darling_mach_ipc::{KernReturn, Kernel};
use msgkit::{Msg, hdr};
use zerocopy::IntoBytes;

const SEED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds/mach_msg_send");

// The fuzz target's task: the kernel's first names, in the order it allocates them.
/// Receive right R, with a send right on the same name.
const R: mach_port_name_t = 0x103;
/// A send-once right to R.
const ONCE: mach_port_name_t = 0x203;
/// A dead name.
const DEAD_NAME: mach_port_name_t = 0x303;
/// A port set holding R.
const SET: mach_port_name_t = 0x403;
/// Receive right Q, no send right.
const Q: mach_port_name_t = 0x503;
/// The out-of-line region: the seven names above (R … Q, then `MACH_PORT_NULL`,
/// `MACH_PORT_DEAD`) as `u32`s, then the bytes 28..64 (each byte its own offset).
const OOL: u64 = 0x1_0000_0000;
/// Bytes in the region.
const OOL_SIZE: u32 = 64;
/// The region's last 16 bytes: pattern only (`0x30..=0x3f`).
const OOL_TAIL: u64 = OOL + OOL_SIZE as u64 - 16;
/// Names at the start of the region.
const OOL_NAMES: u32 = 7;

/// Room the fuzz target leaves after the message for the received one's growth.
const SLACK: usize = 512;
/// The fuzz target's `msgh_size` bit for `MACH_RCV_LARGE`.
const SELECT_RCV_LARGE: u32 = 0x8000_0000;

/// The `msgh_size` that makes the fuzz target receive the message back (a send ignores
/// `msgh_size`): into `rcv_size` bytes, with `option`'s `MACH_RCV_TRAILER_ELEMENTS` and
/// `MACH_RCV_LARGE`.
fn receive(rcv_size: u16, option: mach_msg_option_t) -> u32 {
    let elements = MACH_RCV_TRAILER_ELEMENTS(GET_RCV_ELEMENTS(option));
    assert_eq!(
        option & !(elements | MACH_RCV_LARGE),
        0,
        "the fuzz target cannot select {option:#x}"
    );
    // The trailer elements sit in bits 24..27 in both.
    let mut selector = u32::from(rcv_size) | elements as u32;
    if option & MACH_RCV_LARGE != 0 {
        selector |= SELECT_RCV_LARGE;
    }
    selector
}

/// The id every seed but one uses.
const ID: mach_msg_id_t = 1000;

/// 8 bytes of inline data sent to R and received back.
fn simple() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(256, 0))
        .data(b"payload!")
        .bytes()
}

/// A send-once reply right made on the destination's own name, received with the audit
/// trailer and `MACH_RCV_LARGE` (which the message does not need).
fn reply_send_once_audit_trailer() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_COPY_SEND, R, MACH_MSG_TYPE_MAKE_SEND_ONCE)
        .id(ID)
        .size(receive(
            256,
            MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT) | MACH_RCV_LARGE,
        ))
        .data(&[1, 2, 3, 4])
        .bytes()
}

/// The send-once right as destination (used up), with the dead name copied as reply.
fn send_once_destination_dead_reply() -> Vec<u8> {
    Msg::new(
        ONCE,
        MACH_MSG_TYPE_MOVE_SEND_ONCE,
        DEAD_NAME,
        MACH_MSG_TYPE_COPY_SEND,
    )
    .id(7)
    .size(receive(256, 0))
    .bytes()
}

/// A 56-byte message received into 24 bytes without `MACH_RCV_LARGE`: destroyed.
fn receive_buffer_too_small() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(24, 0))
        .data(&[0; 32])
        .bytes()
}

/// Port descriptors moving the send-once right and the dead name, plus null and dead names.
fn port_descriptors_send_once_dead_null() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(256, 0))
        .descriptor(MachMsgPortDescriptor::new(
            ONCE,
            MACH_MSG_TYPE_MOVE_SEND_ONCE,
        ))
        .descriptor(MachMsgPortDescriptor::new(
            DEAD_NAME,
            MACH_MSG_TYPE_MOVE_SEND,
        ))
        .descriptor(MachMsgPortDescriptor::new(
            MACH_PORT_NULL,
            MACH_MSG_TYPE_COPY_SEND,
        ))
        .descriptor(MachMsgPortDescriptor::new(
            MACH_PORT_DEAD,
            MACH_MSG_TYPE_MOVE_SEND,
        ))
        .bytes()
}

/// Q's receive right in a guarded descriptor (unguarded on send), and the whole OOL region
/// deallocated by the send.
fn guarded_receive_and_ool_deallocate() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(256, 0))
        .descriptor(MachMsgGuardedPortDescriptor64::new(
            Q,
            MACH_MSG_TYPE_MOVE_RECEIVE,
            MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND,
            0,
        ))
        .descriptor(MachMsgOolDescriptor64::new(
            OOL,
            OOL_SIZE,
            true,
            MACH_MSG_VIRTUAL_COPY,
        ))
        .bytes()
}

/// A send right, Q's receive right, 16 bytes of OOL memory and an OOL-ports array making a
/// send right to R, then inline data.
fn mixed_descriptors() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(256, 0))
        .descriptor(MachMsgPortDescriptor::new(R, MACH_MSG_TYPE_COPY_SEND))
        .descriptor(MachMsgPortDescriptor::new(Q, MACH_MSG_TYPE_MOVE_RECEIVE))
        .descriptor(MachMsgOolDescriptor64::new(
            OOL_TAIL,
            16,
            false,
            MACH_MSG_VIRTUAL_COPY,
        ))
        .descriptor(MachMsgOolPortsDescriptor64::new(
            OOL,
            1,
            false,
            MACH_MSG_VIRTUAL_COPY,
            MACH_MSG_TYPE_MAKE_SEND,
        ))
        .data(b"tail")
        .bytes()
}

/// The port set as a port descriptor, then an OOL copy option that does not exist: the first
/// pass over the descriptors refuses the option before any right is looked at.
fn bad_ool_copy_option_before_bad_port() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(256, 0))
        .descriptor(MachMsgPortDescriptor::new(SET, MACH_MSG_TYPE_COPY_SEND))
        .descriptor(MachMsgOolDescriptor64::new(OOL, 8, false, 7))
        .bytes()
}

/// R's receive right moved into R, then every name of the region copied as a send right:
/// the send-once name fails, and the receive right already copied in is destroyed.
fn bad_ool_port_after_moving_receive() -> Vec<u8> {
    Msg::new(R, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_PORT_NULL, 0)
        .id(ID)
        .size(receive(256, 0))
        .descriptor(MachMsgPortDescriptor::new(R, MACH_MSG_TYPE_MOVE_RECEIVE))
        .descriptor(MachMsgOolPortsDescriptor64::new(
            OOL,
            OOL_NAMES,
            false,
            MACH_MSG_VIRTUAL_COPY,
            MACH_MSG_TYPE_COPY_SEND,
        ))
        .bytes()
}

/// A committed seed: its file, what builds it, and the `mach_msg` result it produces.
#[derive(Debug)]
struct Seed {
    file: &'static str,
    build: fn() -> Vec<u8>,
    expect: mach_msg_return_t,
}

impl Seed {
    fn expect_name(&self) -> String {
        KernReturn(self.expect).to_string()
    }
}

const SEEDS: &[Seed] = &[
    Seed {
        file: "seed_39e9e740",
        build: simple,
        expect: MACH_MSG_SUCCESS,
    },
    Seed {
        file: "seed_b960035c",
        build: reply_send_once_audit_trailer,
        expect: MACH_MSG_SUCCESS,
    },
    Seed {
        file: "seed_a9854ef1",
        build: send_once_destination_dead_reply,
        expect: MACH_MSG_SUCCESS,
    },
    Seed {
        file: "seed_be796152",
        build: receive_buffer_too_small,
        expect: MACH_RCV_TOO_LARGE,
    },
    Seed {
        file: "seed_a4cb440e",
        build: port_descriptors_send_once_dead_null,
        expect: MACH_MSG_SUCCESS,
    },
    Seed {
        file: "seed_61deb34a",
        build: guarded_receive_and_ool_deallocate,
        expect: MACH_MSG_SUCCESS,
    },
    Seed {
        file: "seed_d805ddea",
        build: mixed_descriptors,
        expect: MACH_MSG_SUCCESS,
    },
    Seed {
        file: "seed_0fbbe5d3",
        build: bad_ool_copy_option_before_bad_port,
        expect: MACH_SEND_INVALID_TYPE,
    },
    Seed {
        file: "seed_c9697626",
        build: bad_ool_port_after_moving_receive,
        expect: MACH_SEND_INVALID_RIGHT,
    },
];

/// The seed files are the workspace's (`fuzz/seeds/`) and do not travel with the packaged
/// crate, so this runs where they are: `.ci/run` runs it with `--ignored`.
#[test]
#[ignore = "needs the workspace's fuzz/seeds folder (run by .ci/run)"]
fn seeds_are_regenerable() {
    let dir = Path::new(SEED_DIR);
    let bless = std::env::var_os("DARLING_BLESS").is_some();
    let mut stale = Vec::new();
    for seed in SEEDS {
        let path = dir.join(seed.file);
        let built = (seed.build)();
        if bless {
            std::fs::write(&path, &built).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if committed != built {
            stale.push(format!(
                "{} ({}):\n  committed {committed:02x?}\n  built     {built:02x?}",
                seed.file,
                seed.expect_name()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "seeds differ from their builders (DARLING_BLESS=1 rewrites them):\n{}",
        stale.join("\n")
    );

    // Every file has a builder, and no two builders share one.
    let files: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let listed: BTreeSet<String> = SEEDS.iter().map(|s| s.file.to_owned()).collect();
    assert_eq!(listed.len(), SEEDS.len(), "a file listed twice");
    assert_eq!(
        files, listed,
        "seed files without a builder, or builders without a file"
    );
}

/// Sends `data` from a task set up as the fuzz target's, receiving on R in the same call,
/// then terminates the task and checks that only the host port is left. Returns the result
/// and the buffer.
fn replay(data: &[u8]) -> (Result<(), KernReturn>, Vec<u8>) {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);

    let r = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    task.mach_port_insert_right(r, r, MACH_MSG_TYPE_MAKE_SEND)
        .unwrap();
    let (once, _) = task
        .mach_port_extract_right(r, MACH_MSG_TYPE_MAKE_SEND_ONCE, &task)
        .unwrap();
    let dead = task.mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME).unwrap();
    let set = task.mach_port_allocate(MACH_PORT_RIGHT_PORT_SET).unwrap();
    task.mach_port_insert_member(r, set).unwrap();
    let q = task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).unwrap();
    let mut region = [r, once, dead, set, q, MACH_PORT_NULL, MACH_PORT_DEAD]
        .as_bytes()
        .to_vec();
    region.extend((region.len()..OOL_SIZE as usize).map(|i| i as u8));
    let ool = task.vm_allocate(region);
    assert_eq!(
        (r, once, dead, set, q, ool),
        (R, ONCE, DEAD_NAME, SET, Q, OOL)
    );

    // As the fuzz target reads the input.
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
    if selector & SELECT_RCV_LARGE != 0 {
        option |= MACH_RCV_LARGE;
    }
    let result = task.mach_msg(
        &mut buf,
        option,
        send_size as u32,
        rcv_size,
        r,
        0,
        MACH_PORT_NULL,
    );
    for (name, _) in task.mach_port_names().unwrap() {
        task.mach_port_type(name).unwrap();
    }

    task.terminate();
    assert_eq!(kernel.port_count(), 1, "ports leaked");
    assert_eq!(kernel.port_set_count(), 0, "port sets leaked");
    assert_eq!(kernel.task_count(), 0);
    (result, buf)
}

#[test]
fn seeds_do_what_they_say() {
    for seed in SEEDS {
        let data = (seed.build)();
        let (result, buf) = replay(&data);
        let code = result.err().map_or(MACH_MSG_SUCCESS, |e| e.0);
        assert_eq!(
            KernReturn(code),
            KernReturn(seed.expect),
            "{}: expected {}",
            seed.file,
            seed.expect_name()
        );
        // A message that reached the receive came back to us (whole, or as a bare header).
        if code == MACH_MSG_SUCCESS || code == MACH_RCV_TOO_LARGE {
            assert_eq!(
                hdr(&buf).msgh_id,
                hdr(&data).msgh_id,
                "{}: received msgh_id",
                seed.file
            );
        }
    }
}
