//! Generated client → mach_msg → generated demux → server trait → reply → client, over
//! darling-mach-ipc, for several of darling-mig's test interfaces: inline data, variable
//! and out-of-line arrays, strings, port rights of every disposition, polymorphic rights,
//! trailer tokens, one-way messages, error replies and the demux's own checks.

use std::sync::Mutex;
use std::thread::{self, JoinHandle};

use darling_mach_ipc::consts::*;
use darling_mach_ipc::{KernReturn, Kernel, Task};

include!(concat!(env!("OUT_DIR"), "/window.rs"));
include!(concat!(env!("OUT_DIR"), "/arrays.rs"));
include!(concat!(env!("OUT_DIR"), "/kitchen_sink.rs"));
include!(concat!(env!("OUT_DIR"), "/notify_like.rs"));
include!(concat!(env!("OUT_DIR"), "/ports.rs"));
include!(concat!(env!("OUT_DIR"), "/server_side.rs"));

/// C constants kitchen_sink.defs names in `waittime` / `sendtime` statements.
const KS_DEFAULT_TIMEOUT: u32 = 1000;
const KS_SEND_TIMEOUT: u32 = 250;

/// A client task, a server task serving one port on its own thread, and the client's
/// send right to that port.
struct Rig {
    kernel: Kernel,
    client: Task,
    server: Task,
    port: mach_port_name_t,
    server_port: mach_port_name_t,
    serving: Option<JoinHandle<Result<(), KernReturn>>>,
}

impl Rig {
    fn new(
        serve: impl FnOnce(Task, mach_port_name_t) -> Result<(), KernReturn> + Send + 'static,
    ) -> Rig {
        let kernel = Kernel::new();
        let client = kernel.task_create(None);
        let server = kernel.task_create(None);
        let server_port = server
            .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
            .expect("port");
        let (port, _) = server
            .mach_port_extract_right(server_port, MACH_MSG_TYPE_MAKE_SEND, &client)
            .expect("send right");
        let task = server.clone();
        // A server that panics takes its task down with it, as a crashing process would:
        // the reply rights it held die, and the client learns MIG_SERVER_DIED instead of
        // waiting for ever.
        let serving = Some(thread::spawn(move || {
            let dying = task.clone();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve(task, server_port)))
                .unwrap_or_else(|_| {
                    dying.terminate();
                    Err(KernReturn(KERN_ABORTED))
                })
        }));
        Rig {
            kernel,
            client,
            server,
            port,
            server_port,
            serving,
        }
    }

    /// Stops the server (its port dies under its receive) and checks nothing leaked.
    fn finish(mut self) {
        self.server
            .mach_port_destroy(self.server_port)
            .expect("destroy");
        let end = self
            .serving
            .take()
            .expect("thread")
            .join()
            .expect("server thread");
        assert_eq!(end, Err(KernReturn(MACH_RCV_PORT_CHANGED)));
        // Nothing out of line left behind in either task (before termination, which
        // would reclaim it).
        assert_eq!(self.client.vm_region_count(), 0, "client memory leaked");
        assert_eq!(self.server.vm_region_count(), 0, "server memory leaked");
        self.client.terminate();
        self.server.terminate();
        assert_eq!(self.kernel.port_count(), 1, "ports leaked");
    }
}

// ---- window ---------------------------------------------------------------------------

struct WindowServer {
    task: Task,
    frames: Mutex<Vec<(mach_port_t, [i32; 4])>>,
}

impl window::Server for WindowServer {
    fn create_window(&self, _server: mach_port_t) -> Result<mach_port_t, KernReturn> {
        // A send right only: the window is a name the server keeps, never receives on.
        let w = self.task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        self.task
            .mach_port_insert_right(w, w, MACH_MSG_TYPE_MAKE_SEND)?;
        Ok(w)
    }

    fn window_set_frame(
        &self,
        window: mach_port_t,
        x: i32,
        y: i32,
        width: i32,
        height: i32,
    ) -> Result<(), KernReturn> {
        if width < 0 {
            return Err(KernReturn(KERN_INVALID_ARGUMENT));
        }
        self.frames
            .lock()
            .expect("frames")
            .push((window, [x, y, width, height]));
        Ok(())
    }
}

#[test]
fn window_round_trip_and_error_reply() {
    let frames = std::sync::Arc::new(Mutex::new(Vec::new()));
    let seen = frames.clone();
    let rig = Rig::new(move |task, port| {
        let s = WindowServer {
            task: task.clone(),
            frames: Mutex::new(Vec::new()),
        };
        let r = window::serve(&s, &task, port);
        *seen.lock().expect("seen") = s.frames.into_inner().expect("frames");
        r
    });
    let c = window::Client::new(&rig.client);
    let w = c.create_window(rig.port).expect("create_window");
    assert_ne!(w, MACH_PORT_NULL);
    // The window's port is not served: requests to it go nowhere. Send the frame to the
    // service port instead, as a request port argument.
    c.window_set_frame(rig.port, 1, 2, 3, 4).expect("set frame");
    assert_eq!(
        c.window_set_frame(rig.port, 1, 2, -3, 4),
        Err(KernReturn(KERN_INVALID_ARGUMENT))
    );
    rig.client
        .mach_port_deallocate(w)
        .expect("drop window right");
    rig.finish();
    let frames = frames.lock().expect("frames");
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].1, [1, 2, 3, 4]);
}

/// The request the client writes is byte for byte migcom's: received raw by the server.
#[test]
fn client_requests_have_migcom_bytes() {
    let kernel = Kernel::new();
    let client = kernel.task_create(None);
    let server = kernel.task_create(None);
    let port = server
        .mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)
        .expect("port");
    let (send, _) = server
        .mach_port_extract_right(port, MACH_MSG_TYPE_MAKE_SEND, &client)
        .expect("send");
    let raw = thread::spawn(move || {
        let mut buf = [0u8; 256];
        server
            .mach_msg(&mut buf, MACH_RCV_MSG, 0, 256, port, 0, 0)
            .expect("receive");
        // Answer with a migcom error reply so that the client returns.
        let mut reply = [0u8; 64];
        darling_mig_runtime::reply_header(&buf, &mut reply);
        darling_mig_runtime::reply_error(&mut reply, KERN_NOT_SUPPORTED);
        server
            .mach_msg(&mut reply, MACH_SEND_MSG, 36, 0, 0, 0, 0)
            .expect("reply");
        buf
    });
    let c = window::Client::new(&client);
    assert_eq!(
        c.window_set_frame(send, 10, -20, 30, 40),
        Err(KernReturn(KERN_NOT_SUPPORTED))
    );
    let buf = raw.join().expect("server");
    let get = |at: usize| u32::from_ne_bytes(buf[at..at + 4].try_into().expect("4"));
    // As received: remote is the reply right (send-once), local the service port.
    assert_eq!(get(0), 0x0000_1112, "bits as received");
    assert_eq!(get(4), 48, "msgh_size: migcom's 48");
    assert_eq!(get(20), 35001, "msgh_id");
    assert_eq!(&buf[24..32], &NDR_record, "NDR at 24");
    assert_eq!(
        (get(32), get(36) as i32, get(40), get(44)),
        (10, -20, 30, 40)
    );
}

// ---- arrays ---------------------------------------------------------------------------

struct ArraysServer;

impl arrays::Server for ArraysServer {
    fn fixed_small(
        &self,
        _: mach_port_t,
        chars: [u8; 3],
        shorts: [i16; 5],
        bytes: [u8; 7],
        after: i32,
    ) -> Result<(), KernReturn> {
        assert_eq!(
            (chars, shorts, bytes, after),
            (*b"abc", [1, -2, 3, -4, 5], *b"1234567", 99)
        );
        Ok(())
    }

    fn var_in(
        &self,
        _: mach_port_t,
        before: i32,
        list: Vec<i32>,
        after: i32,
    ) -> Result<(), KernReturn> {
        if list.len() == 3 {
            assert_eq!((before, list, after), (7, vec![1, 2, 3], 8));
        }
        Ok(())
    }

    fn var_many(
        &self,
        _: mach_port_t,
        chars: Vec<u8>,
        shorts: Vec<i16>,
        wides: Vec<u64>,
        tail: i32,
    ) -> Result<(), KernReturn> {
        assert_eq!(
            (chars, shorts, wides, tail),
            (b"xy".to_vec(), vec![5], vec![u64::MAX, 1], -1)
        );
        Ok(())
    }

    fn var_out(&self, _: mach_port_t) -> Result<(i32, Vec<u64>, Vec<u8>, i32), KernReturn> {
        Ok((1, vec![10, 20, 30], b"hello".to_vec(), 2))
    }

    fn count_in_out(
        &self,
        _: mach_port_t,
        flavor: i32,
        info_cnt: u32,
        extra_cnt: u32,
    ) -> Result<(Vec<i32>, Vec<i32>), KernReturn> {
        let n = flavor as usize;
        Ok((
            vec![flavor; n.min(info_cnt as usize + 1)],
            vec![-1; (extra_cnt as usize).min(16)],
        ))
    }

    fn same_count(
        &self,
        _: mach_port_t,
        keys: Vec<i32>,
        values: Vec<i32>,
    ) -> Result<(), KernReturn> {
        assert_eq!((keys, values), (vec![1, 2], vec![10, 20]));
        Ok(())
    }

    fn var_inout(
        &self,
        _: mach_port_t,
        fixed: [i16; 5],
        list: Vec<i32>,
        tail: i32,
    ) -> Result<([i16; 5], Vec<i32>), KernReturn> {
        let mut f = fixed;
        f.reverse();
        Ok((f, list.iter().map(|x| x * tail).collect()))
    }

    fn ool_in(
        &self,
        _: mach_port_t,
        bytes: Vec<u8>,
        ints: Vec<i32>,
        shorts: Vec<i16>,
        tail: i32,
    ) -> Result<(), KernReturn> {
        assert_eq!(
            (bytes.len(), ints, shorts, tail),
            (10_000, vec![1, -1], vec![], 5)
        );
        Ok(())
    }

    fn ool_fixed(&self, _: mach_port_t, block: Vec<i32>) -> Result<(), KernReturn> {
        assert_eq!(block, (0..64).collect::<Vec<_>>());
        Ok(())
    }

    fn ool_out(&self, _: mach_port_t) -> Result<(Vec<u8>, i32), KernReturn> {
        Ok((vec![0xab; 5000], 3))
    }

    fn ool_out_count_only(&self, _: mach_port_t) -> Result<Vec<i32>, KernReturn> {
        Ok(vec![4, 5, 6])
    }

    fn ool_overwrite(&self, _: mach_port_t, given: Vec<i32>) -> Result<Vec<i16>, KernReturn> {
        Ok(given.iter().map(|&x| x as i16).collect())
    }

    fn strings(
        &self,
        _: mach_port_t,
        label: String,
        text: String,
        tail: i32,
    ) -> Result<(String, i32), KernReturn> {
        Ok((format!("{label}/{text}"), tail + 1))
    }

    fn structs(
        &self,
        _: mach_port_t,
        triple: [i16; 3],
        pairs: Vec<[i32; 2]>,
    ) -> Result<([i16; 3], Vec<[i32; 2]>), KernReturn> {
        Ok((
            triple.map(|x| -x),
            pairs.iter().map(|[a, b]| [*b, *a]).collect(),
        ))
    }

    fn var_reply_only(&self, _: mach_port_t) -> Result<Vec<u8>, KernReturn> {
        Ok(Vec::new())
    }

    fn flavored(
        &self,
        _: mach_port_t,
        flavor: i32,
        state: Vec<u32>,
    ) -> Result<Vec<u32>, KernReturn> {
        Ok(state.iter().map(|x| x + flavor as u32).collect())
    }
}

#[test]
fn arrays_round_trip() {
    let rig = Rig::new(|task, port| arrays::serve(&ArraysServer, &task, port));
    let c = arrays::Client::new(&rig.client);
    let p = rig.port;
    c.fixed_small(p, *b"abc", [1, -2, 3, -4, 5], *b"1234567", 99)
        .expect("fixed_small");
    c.var_in(p, 7, &[1, 2, 3], 8).expect("var_in");
    c.var_in(p, 0, &[], 0).expect("an empty variable array");
    assert_eq!(
        c.var_in(p, 0, &[0; 17], 0),
        Err(KernReturn(MIG_ARRAY_TOO_LARGE)),
        "17 > 16"
    );
    c.var_many(p, b"xy", &[5], &[u64::MAX, 1], -1)
        .expect("var_many");
    assert_eq!(
        c.var_out(p),
        Ok((1, vec![10, 20, 30], b"hello".to_vec(), 2))
    );
    // CountInOut: within the limit, and beyond it.
    assert_eq!(
        c.count_in_out(p, 3, 5, 2),
        Ok((vec![3, 3, 3], vec![-1, -1]))
    );
    assert_eq!(
        c.count_in_out(p, 3, 2, 2),
        Err(KernReturn(MIG_ARRAY_TOO_LARGE))
    );
    c.same_count(p, &[1, 2], &[10, 20]).expect("same_count");
    assert_eq!(
        c.var_inout(p, [1, 2, 3, 4, 5], &[1, 2], 3),
        Ok(([5, 4, 3, 2, 1], vec![3, 6]))
    );
    c.ool_in(p, &[7u8; 10_000], &[1, -1], &[], 5)
        .expect("ool_in");
    c.ool_fixed(p, &(0..64).collect::<Vec<_>>())
        .expect("ool_fixed");
    assert_eq!(c.ool_out(p), Ok((vec![0xab; 5000], 3)));
    assert_eq!(c.ool_out_count_only(p), Ok(vec![4, 5, 6]));
    assert_eq!(c.ool_overwrite(p, &[1, 2]), Ok(vec![1, 2]));
    assert_eq!(
        c.strings(p, "label", "some text", 41),
        Ok(("label/some text".into(), 42))
    );
    assert_eq!(
        c.structs(p, [1, 2, 3], &[[1, 2], [3, 4]]),
        Ok(([-1, -2, -3], vec![[2, 1], [4, 3]]))
    );
    assert_eq!(c.var_reply_only(p), Ok(Vec::new()));
    assert_eq!(c.flavored(p, 1, &[1, 2, 3]), Ok(vec![2, 3, 4]));
    // The client's task holds no out-of-line memory afterwards (all read and released).
    assert_eq!(rig.client.vm_region_count(), 0);
    rig.finish();
}

// ---- ports ----------------------------------------------------------------------------

struct PortsServer {
    task: Task,
    got: Mutex<Vec<(mach_port_t, u32)>>,
}

impl PortsServer {
    fn right_type(&self, name: mach_port_t) -> u32 {
        self.task.mach_port_type(name).unwrap_or(0)
    }
}

impl ports::Server for PortsServer {
    fn give_rights(
        &self,
        _: mach_port_t,
        r_recv: mach_port_t,
        r_copy: mach_port_t,
        r_make: mach_port_t,
        r_move: mach_port_t,
        r_once: mach_port_t,
        r_move_once: mach_port_t,
    ) -> Result<(), KernReturn> {
        let mut got = self.got.lock().expect("got");
        for n in [r_recv, r_copy, r_make, r_move, r_once, r_move_once] {
            got.push((n, self.right_type(n)));
        }
        Ok(())
    }

    fn take_rights(
        &self,
        _: mach_port_t,
    ) -> Result<
        (
            mach_port_t,
            mach_port_t,
            mach_port_t,
            mach_port_t,
            mach_port_t,
            mach_port_t,
        ),
        KernReturn,
    > {
        Err(KernReturn(KERN_NOT_SUPPORTED))
    }

    fn paired_rights(
        &self,
        _: mach_port_t,
        _: mach_port_t,
        _: mach_port_t,
        _: mach_port_t,
    ) -> Result<
        (
            mach_port_t,
            mach_msg_type_name_t,
            mach_port_t,
            mach_msg_type_name_t,
            mach_port_t,
            mach_msg_type_name_t,
        ),
        KernReturn,
    > {
        Err(KernReturn(KERN_NOT_SUPPORTED))
    }

    fn poly_rights(
        &self,
        _: mach_port_t,
        what: mach_port_t,
        what_poly: mach_msg_type_name_t,
        name: u32,
    ) -> Result<(mach_port_t, mach_msg_type_name_t, i32), KernReturn> {
        self.got.lock().expect("got").push((what, what_poly));
        // Give a new port back, as a send right made from its receive right.
        let back = self.task.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE)?;
        Ok((back, MACH_MSG_TYPE_MAKE_SEND, name as i32))
    }

    fn names(
        &self,
        _: mach_port_t,
        one: u32,
        some: Vec<u32>,
    ) -> Result<(Vec<u32>, Vec<u32>, i32), KernReturn> {
        Ok((some.clone(), vec![one], some.len() as i32))
    }

    fn port_arrays(
        &self,
        _: mach_port_t,
        list: Vec<mach_port_t>,
        made: Vec<mach_port_t>,
        four: [mach_port_t; 4],
    ) -> Result<(Vec<mach_port_t>, Vec<mach_port_t>, mach_msg_type_name_t), KernReturn> {
        let mut got = self.got.lock().expect("got");
        got.push((list.len() as u32, made.len() as u32));
        for n in list.iter().chain(&made).chain(&four) {
            if *n != MACH_PORT_NULL {
                got.push((*n, self.right_type(*n)));
            }
        }
        Ok((Vec::new(), Vec::new(), MACH_MSG_TYPE_COPY_SEND))
    }

    fn aimed(&self, _: mach_port_t, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }

    fn reply_here(&self, _: mach_port_t, _: mach_port_t, value: i32) -> Result<i32, KernReturn> {
        Ok(value * 2)
    }

    fn user_reply(&self, _: mach_port_t, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }

    fn server_reply(&self, _: mach_port_t, _: mach_port_t, value: i32) -> Result<i32, KernReturn> {
        Ok(value + 1)
    }

    fn mixed_reply(&self, _: mach_port_t) -> Result<(mach_port_t, i32, Vec<u32>, u64), KernReturn> {
        Ok((MACH_PORT_NULL, 5, vec![1, 2], u64::MAX))
    }

    fn objects(
        &self,
        _: mach_port_t,
        _: mach_port_t,
        _: mach_port_t,
    ) -> Result<(Vec<mach_port_t>, Vec<mach_port_t>, mach_port_t), KernReturn> {
        Err(KernReturn(KERN_NOT_SUPPORTED))
    }

    fn hand_over(&self, _: mach_port_t, right: mach_port_t, value: i32) -> Result<(), KernReturn> {
        self.got.lock().expect("got").push((right, value as u32));
        Ok(())
    }

    fn aimed_late(&self, _: mach_port_t, _: mach_port_t, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }
}

#[test]
fn ports_round_trip() {
    let got = std::sync::Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    let rig = Rig::new(move |task, port| {
        let s = PortsServer {
            task: task.clone(),
            got: Mutex::new(Vec::new()),
        };
        let r = ports::serve(&s, &task, port);
        *seen.lock().expect("seen") = s.got.into_inner().expect("got");
        r
    });
    let c = ports::Client::new(&rig.client);
    let t = &rig.client;
    let new_port = || t.mach_port_allocate(MACH_PORT_RIGHT_RECEIVE).expect("port");
    let (recv, copy, make, mv, once, move_once) = (
        new_port(),
        new_port(),
        new_port(),
        new_port(),
        new_port(),
        new_port(),
    );
    for n in [copy, mv] {
        t.mach_port_insert_right(n, n, MACH_MSG_TYPE_MAKE_SEND)
            .expect("send right");
    }
    assert_eq!(
        c.poly_rights(rig.port, copy, MACH_MSG_TYPE_COPY_SEND, 77)
            .map(|r| (r.1, r.2)),
        Ok((MACH_MSG_TYPE_PORT_SEND, 77))
    );
    // A reply port of the caller's own choosing.
    let reply = new_port();
    assert_eq!(c.reply_here(rig.port, reply, 21), Ok(42));
    t.mach_port_mod_refs(reply, MACH_PORT_RIGHT_RECEIVE, -1)
        .expect("drop the reply port");
    assert_eq!(c.server_reply(rig.port, 1), Ok(2));
    assert_eq!(
        c.names(rig.port, 9, &[1, 2, 3]),
        Ok((vec![1, 2, 3], vec![9], 3))
    );
    assert_eq!(
        c.mixed_reply(rig.port),
        Ok((MACH_PORT_NULL, 5, vec![1, 2], u64::MAX))
    );
    assert_eq!(c.take_rights(rig.port), Err(KernReturn(KERN_NOT_SUPPORTED)));
    // Every disposition in one request.
    let (so, _) = t
        .mach_port_extract_right(move_once, MACH_MSG_TYPE_MAKE_SEND_ONCE, t)
        .expect("a send-once right");
    c.give_rights(rig.port, recv, copy, make, mv, once, so)
        .expect("give_rights");
    assert_eq!(
        t.mach_port_type(recv),
        Err(KernReturn(KERN_INVALID_NAME)),
        "the receive right moved"
    );
    assert_eq!(
        t.mach_port_type(so),
        Err(KernReturn(KERN_INVALID_NAME)),
        "the send-once right moved"
    );
    rig.finish();
    let got = got.lock().expect("got");
    // The polymorphic right arrived as a send right.
    assert_eq!(got[0].1, MACH_MSG_TYPE_PORT_SEND);
    let types: Vec<u32> = got[1..7].iter().map(|g| g.1).collect();
    assert_eq!(
        types,
        [
            MACH_PORT_TYPE_RECEIVE,
            MACH_PORT_TYPE_SEND,
            MACH_PORT_TYPE_SEND,
            MACH_PORT_TYPE_SEND,
            MACH_PORT_TYPE_SEND_ONCE,
            MACH_PORT_TYPE_SEND_ONCE
        ]
    );
}

// ---- kitchen sink ---------------------------------------------------------------------

struct Sink;

impl kitchen_sink::Server for Sink {
    fn ping(&self, _: mach_port_t) -> Result<(), KernReturn> {
        Ok(())
    }

    fn scalars(
        &self,
        _: mach_port_t,
        a_i8: i8,
        a_i16: i16,
        a_i32: i32,
        a_i64: i64,
        a_f32: f32,
        a_f64: f64,
        a_char: u8,
        a_byte: u8,
        a_bool: i32,
    ) -> Result<(), KernReturn> {
        assert_eq!((a_i8, a_i16, a_i32, a_i64), (-8, -16, -32, -64));
        assert_eq!(
            (a_f32, a_f64, a_char, a_byte, a_bool),
            (1.5, -2.25, b'c', 0xff, 1)
        );
        Ok(())
    }

    fn wide_values(
        &self,
        _: mach_port_t,
        tag: i32,
        value: u64,
    ) -> Result<(i32, u64, u64, u64), KernReturn> {
        Ok((tag, value, !value, value.rotate_left(8)))
    }

    fn fixed_shapes(
        &self,
        _: mach_port_t,
        r#where: [i32; 2],
        _: [i32; 4],
        words: [i32; 7],
        label: String,
        stamps: [u64; 3],
    ) -> Result<(String, [i32; 2]), KernReturn> {
        assert_eq!((words[6], stamps[2]), (7, 3));
        Ok((label.to_uppercase(), [r#where[1], r#where[0]]))
    }

    fn counters(
        &self,
        _: mach_port_t,
        counter: i32,
        total: u64,
        step: i16,
    ) -> Result<(i32, u64), KernReturn> {
        Ok((
            counter + i32::from(step),
            total.wrapping_add_signed(i64::from(step)),
        ))
    }

    fn feature_two(&self, _: mach_port_t, level: i32) -> Result<i32, KernReturn> {
        Ok(level)
    }

    fn translated(
        &self,
        _: mach_port_t,
        object: mach_port_t,
        _: i32,
        _: u64,
    ) -> Result<mach_port_t, KernReturn> {
        Ok(object)
    }

    fn who_replied(&self, _: mach_port_t, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }

    fn sec_replied(&self, _: mach_port_t) -> Result<i32, KernReturn> {
        Ok(1)
    }

    fn timed_call(&self, _: mach_port_t, value: i32) -> Result<(), KernReturn> {
        if value < 0 {
            Err(KernReturn(MIG_NO_REPLY))
        } else {
            Ok(())
        }
    }

    fn default_timed(&self, _: mach_port_t, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }

    fn send_timed(&self, _: mach_port_t, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }

    fn inline_type(&self, _: mach_port_t, raw: [i16; 6]) -> Result<[u8; 5], KernReturn> {
        Ok([
            raw[0] as u8,
            raw[1] as u8,
            raw[2] as u8,
            raw[3] as u8,
            raw[4] as u8,
        ])
    }

    fn special_reply(&self, _: mach_port_t, value: i32) -> Result<i32, KernReturn> {
        assert!(value != i32::MIN, "the server crashes on i32::MIN");
        Ok(-value)
    }
}

#[test]
fn kitchen_sink_round_trip() {
    let rig = Rig::new(|task, port| kitchen_sink::serve(&Sink, &task, port));
    let c = kitchen_sink::Client::new(&rig.client);
    let p = rig.port;
    c.ping(p).expect("ping");
    c.scalars(p, -8, -16, -32, -64, 1.5, -2.25, b'c', 0xff, 1)
        .expect("scalars");
    let v = 0x0123_4567_89ab_cdef;
    assert_eq!(c.wide_values(p, 3, v), Ok((3, v, !v, v.rotate_left(8))));
    assert_eq!(
        c.fixed_shapes(p, [1, 2], [0; 4], [1, 2, 3, 4, 5, 6, 7], "abc", [1, 2, 3]),
        Ok(("ABC".into(), [2, 1]))
    );
    assert_eq!(c.counters(p, 10, 100, -1), Ok((9, 99)));
    assert_eq!(c.inline_type(p, [1, 2, 3, 4, 5, 6]), Ok([1, 2, 3, 4, 5]));
    assert_eq!(c.special_reply(p, 4), Ok(-4));
    c.timed_call(p, 1, 1000, 0)
        .expect("a timed call that is answered");
    // MIG_NO_REPLY: the server sends nothing, the call times out on receive.
    assert_eq!(
        c.timed_call(p, -1, 50, 0),
        Err(KernReturn(MACH_RCV_TIMED_OUT))
    );
    c.send_timed(p, 5)
        .expect("a one-way message with a send timeout");
    rig.finish();
}

#[test]
fn a_server_that_dies_is_mig_server_died() {
    let rig = Rig::new(|task, port| kitchen_sink::serve(&Sink, &task, port));
    let c = kitchen_sink::Client::new(&rig.client);
    // The server panics on this value; its task terminates with the reply right.
    assert_eq!(
        c.special_reply(rig.port, i32::MIN),
        Err(KernReturn(MIG_SERVER_DIED))
    );
    let mut rig = rig;
    let end = rig
        .serving
        .take()
        .expect("thread")
        .join()
        .expect("server thread");
    assert_eq!(end, Err(KernReturn(KERN_ABORTED)));
    rig.client.terminate();
}

// ---- server side: trailer values ----------------------------------------------------

/// What a server routine saw: sequence number, security token, audit token.
type Seen = (u32, [u32; 2], [u32; 8]);

struct Tokens {
    seen: Mutex<Vec<Seen>>,
}

impl server_side::Server for Tokens {
    fn with_seqno(&self, _: mach_port_t, seqno: u32, _: i32) -> Result<(), KernReturn> {
        self.seen
            .lock()
            .expect("seen")
            .push((seqno, [0; 2], [0; 8]));
        Ok(())
    }

    fn with_sectoken(&self, _: mach_port_t, token: [u32; 2], _: i32) -> Result<(), KernReturn> {
        self.seen.lock().expect("seen").push((0, token, [0; 8]));
        Ok(())
    }

    fn with_audittoken(&self, _: mach_port_t, token: [u32; 8]) -> Result<i32, KernReturn> {
        Ok(token[5] as i32)
    }

    fn with_server_tokens(
        &self,
        _: mach_port_t,
        _: [u32; 2],
        _: [u32; 8],
        _: u64,
    ) -> Result<(), KernReturn> {
        Ok(())
    }

    fn with_context(&self, _: mach_port_t, _: u64, _: i32) -> Result<(), KernReturn> {
        Ok(())
    }

    fn with_everything(
        &self,
        _: mach_port_t,
        seqno: u32,
        first: i32,
        _: [u32; 2],
        atoken: [u32; 8],
    ) -> Result<i32, KernReturn> {
        Ok(first + seqno as i32 + atoken[5] as i32)
    }

    fn translated_ports(
        &self,
        _: mach_port_t,
        _: mach_port_t,
    ) -> Result<(mach_port_t, i32), KernReturn> {
        Err(KernReturn(KERN_NOT_SUPPORTED))
    }

    fn one_way(&self, _: mach_port_t, seqno: u32, _: i32) -> Result<(), KernReturn> {
        self.seen
            .lock()
            .expect("seen")
            .push((seqno, [9; 2], [9; 8]));
        Ok(())
    }
}

#[test]
fn server_side_trailer_values() {
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let out = seen.clone();
    let rig = Rig::new(move |task, port| {
        let s = Tokens {
            seen: Mutex::new(Vec::new()),
        };
        let r = server_side::serve(&s, &task, port);
        *out.lock().expect("out") = s.seen.into_inner().expect("seen");
        r
    });
    let c = server_side::Client::new(&rig.client);
    let p = rig.port;
    c.with_seqno(p, 1).expect("seqno");
    c.with_seqno(p, 1).expect("seqno");
    c.with_sectoken(p, 1).expect("sectoken");
    // The audit token's pid slot: the client task's pid.
    // Both sides see audit tokens: the server the client's, the client the server's.
    let (server_token, client_pid) = c.with_audittoken(p).expect("audit token");
    assert_eq!(client_pid, rig.client.pid() as i32);
    assert_eq!(server_token[5], rig.server.pid());
    c.one_way(p, 3).expect("one way");
    // A call after the one-way one: the server has handled it by then.
    c.with_seqno(p, 1).expect("seqno");
    rig.finish();
    let seen = seen.lock().expect("seen");
    // Sequence numbers count the port's messages: 0, 1, then the sectoken call (2), the
    // audit call (3), the one-way message (4), the last call (5).
    assert_eq!(seen[0].0, 0);
    assert_eq!(seen[1].0, 1);
    assert_eq!(seen[2].1, [0, 0], "security token of a task: uid 0, gid 0");
    assert_eq!(seen[3].0, 4);
    assert_eq!(seen[4].0, 5);
}

// ---- the demux's own checks -----------------------------------------------------------

#[test]
fn demux_rejects_as_migcom_does() {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);
    let mut request = [0u8; 64];
    let put = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    let mut reply = [0u8; 64];
    let ret = |reply: &[u8]| i32::from_ne_bytes(reply[32..36].try_into().expect("4"));
    let s = WindowServer {
        task: task.clone(),
        frames: Mutex::new(Vec::new()),
    };
    // An id outside the subsystem: MIG_BAD_ID, reply id = id + 100, false.
    put(&mut request, 0, 0x1112);
    put(&mut request, 4, 48);
    put(&mut request, 20, 34999);
    assert!(!window::window_server(&s, &task, &request, &mut reply));
    assert_eq!(
        (
            ret(&reply),
            u32::from_ne_bytes(reply[20..24].try_into().expect("4"))
        ),
        (MIG_BAD_ID, 35099)
    );
    // window_set_frame with a wrong size: MIG_BAD_ARGUMENTS in a 36-byte reply.
    put(&mut request, 20, 35001);
    put(&mut request, 4, 44);
    assert!(window::window_server(&s, &task, &request, &mut reply));
    assert_eq!(ret(&reply), MIG_BAD_ARGUMENTS);
    assert_eq!(u32::from_ne_bytes(reply[4..8].try_into().expect("4")), 36);
    // Marked complex although the request has no descriptors: MIG_BAD_ARGUMENTS.
    put(&mut request, 4, 48);
    put(&mut request, 0, 0x8000_1112);
    assert!(window::window_server(&s, &task, &request, &mut reply));
    assert_eq!(ret(&reply), MIG_BAD_ARGUMENTS);
    // A well-formed one reaches the server.
    put(&mut request, 0, 0x1112);
    assert!(window::window_server(&s, &task, &request, &mut reply));
    assert_eq!(ret(&reply), KERN_SUCCESS);
    assert_eq!(s.frames.lock().expect("frames").len(), 1);
}

/// migcom's server refuses a `c_string` without its NUL (MIG_BAD_ARGUMENTS).
#[test]
fn demux_refuses_unterminated_strings() {
    let kernel = Kernel::new();
    let task = kernel.task_create(None);
    let put = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    // kitchen_sink fixed_shapes: where[2], bounds[4], words[7], label (c_string), stamps[3].
    let layout = darling_mig::Interface::load(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../mig/tests/data/defs/kitchen_sink.defs"
        )),
        &{
            let mut pp = darling_mig::Preprocessor::new();
            pp.include_dir(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../mig/tests/data/defs/include"
            ));
            pp
        },
    )
    .expect("kitchen_sink");
    let r = layout
        .routines()
        .find(|r| r.name() == "fixed_shapes")
        .expect("fixed_shapes");
    let label = r.request.field("label").expect("label");
    let mut request = vec![0u8; r.request.size as usize];
    put(&mut request, 0, 0x1112);
    put(&mut request, 4, r.request.size);
    put(&mut request, 20, r.request_id(layout.base));
    let at = label.offset as usize;
    request[at..at + label.size as usize].fill(b'A');
    let mut reply = [0u8; 256];
    assert!(kitchen_sink::kitchen_sink_server(
        &Sink, &task, &request, &mut reply
    ));
    assert_eq!(
        i32::from_ne_bytes(reply[32..36].try_into().expect("4")),
        MIG_BAD_ARGUMENTS
    );
    // With its NUL it reaches the implementation (which wants words[6] = 7, stamps[2] = 3).
    request[at + 3] = 0;
    let words = r.request.field("words").expect("words").offset as usize;
    put(&mut request, words + 24, 7);
    let stamps = r.request.field("stamps").expect("stamps").offset as usize;
    put(&mut request, stamps + 16, 3);
    let mut reply = [0u8; 256];
    assert!(kitchen_sink::kitchen_sink_server(
        &Sink, &task, &request, &mut reply
    ));
    assert_eq!(
        i32::from_ne_bytes(reply[32..36].try_into().expect("4")),
        KERN_SUCCESS
    );
}
