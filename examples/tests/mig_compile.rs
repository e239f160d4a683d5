//! The generated code of every test interface compiles.

include!(concat!(env!("OUT_DIR"), "/window.rs"));
include!(concat!(env!("OUT_DIR"), "/arrays.rs"));
include!(concat!(env!("OUT_DIR"), "/kitchen_sink.rs"));
include!(concat!(env!("OUT_DIR"), "/notify_like.rs"));
include!(concat!(env!("OUT_DIR"), "/options.rs"));
include!(concat!(env!("OUT_DIR"), "/ports.rs"));
include!(concat!(env!("OUT_DIR"), "/server_side.rs"));

#[test]
fn window_compiles() {
    assert_eq!(window::SUBSYSTEM_BASE, 35000);
}

/// C constants the test interfaces name in `waittime` / `sendtime` statements: the
/// generated modules see them through `use super::*`.
const KS_DEFAULT_TIMEOUT: u32 = 1000;
const KS_SEND_TIMEOUT: u32 = 250;
