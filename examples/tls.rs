//! Gives threads Apple's GS-based TSD beside glibc's FS-based TLS: each thread gets its own
//! block, Darwin-style reads go through `gs:[slot * 8]`, Apple's libpthread switches GS with
//! the machdep trap `thread_fast_set_cthread_self`, and Rust's `thread_local!` keeps working
//! throughout.
//!
//! Run with `cargo run --example tls`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    #[cfg(target_arch = "x86_64")]
    x86_64::run()?;
    #[cfg(not(target_arch = "x86_64"))]
    println!("this example shows the x86-64 GS path; build it for x86_64");
    Ok(())
}

#[cfg(target_arch = "x86_64")]
mod x86_64 {
    use std::cell::Cell;

    use darling_tls::gs::{self, Fsgsbase};
    use darling_tls::machdep::{self, SYSCALL_CONSTRUCT_MDEP, THREAD_FAST_SET_CTHREAD_SELF};
    use darling_tls::slots::*;
    use darling_tls::{TsdBlock, layout::NATIVE};

    thread_local!(static RUST_SIDE: Cell<u32> = const { Cell::new(0) });

    pub fn run() -> Result<(), Box<dyn std::error::Error>> {
        match Fsgsbase::detect() {
            Some(_) => println!("FSGSBASE: enabled by the kernel, GS is set with wrgsbase"),
            None => println!("FSGSBASE: not enabled, GS is set with arch_prctl"),
        }
        println!("glibc's FS base on the main thread: {:#x}", gs::fs_base());

        let threads: Vec<_> = (0..3u32)
            .map(|i| {
                std::thread::spawn(move || -> Result<(), darling_tls::Error> {
                    RUST_SIDE.with(|c| c.set(100 + i));
                    let block = darling_tls::install()?;
                    darling_tls::set(__TSD_MIG_REPLY, 0x1503 + i as usize)?;
                    // What Apple's code compiles `_os_tsd_get_direct(__TSD_MIG_REPLY)` and
                    // `pthread_threadid_np` to: loads through GS.
                    // SAFETY: install pointed GS at this thread's block.
                    let (reply, id) = unsafe {
                        (
                            darling_tls::get_direct(__TSD_MIG_REPLY),
                            gs::read_gs_word(NATIVE.thread_id_from_tsd),
                        )
                    };
                    println!(
                        "thread {i}: GS={:#x} pthread_t={:#x} tid={id} gs:[2*8]={reply:#x} \
                         thread_local={}",
                        gs::gs_base(),
                        block.pthread(),
                        RUST_SIDE.with(Cell::get),
                    );
                    Ok(())
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread")?;
        }

        // Apple's libpthread points GS at its own pthread_s with the machdep trap.
        let libpthreads_own = TsdBlock::new();
        libpthreads_own.set(__TSD_MIG_REPLY, 0x2703);
        let rax = SYSCALL_CONSTRUCT_MDEP(THREAD_FAST_SET_CTHREAD_SELF);
        // SAFETY: `libpthreads_own` outlives its use as this thread's TSD (uninstalled below).
        let reply = unsafe {
            machdep::machdep_syscall64(rax.into(), libpthreads_own.tsd_base() as u64, 0, 0)
        };
        let reply = reply.expect("a machdep call");
        println!(
            "syscall rax={rax:#x} (thread_fast_set_cthread_self64) -> rax={:#x} (USER_CTHREAD); \
             gs:[2*8]={:#x}",
            reply.value,
            darling_tls::get(__TSD_MIG_REPLY).unwrap_or(0),
        );
        darling_tls::uninstall()?;
        Ok(())
    }
}
