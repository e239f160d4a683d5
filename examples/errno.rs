//! Prints the Linux → Darwin errno translation table, then Darwin's own errors going the other
//! way, then the signal correspondence.
//!
//! Run with `cargo run --example errno`.

use darling_bsd_errno::{
    CallContext, DarwinErrno, DarwinSignal, Fidelity, LinuxErrno, LinuxSignal,
    darwin_to_linux_detailed, linux_to_darwin_detailed,
};

fn mark(f: Fidelity) -> &'static str {
    match f {
        Fidelity::Exact => "=",
        Fidelity::Nearest => "≈",
        Fidelity::Unchanged => "?",
    }
}

fn main() {
    println!("Linux errno → Darwin errno   (= same error, ≈ nearest: Darwin has no such error)\n");
    println!(
        "{:>4}  {:<22}   {:>4}  {:<16} Darwin's message",
        "L#", "Linux", "D#", "Darwin"
    );
    for linux in LinuxErrno::all() {
        let t = linux_to_darwin_detailed(linux, CallContext::Generic);
        println!(
            "{:>4}  {:<22} {} {:>4}  {:<16} {}",
            linux.raw(),
            linux.name().unwrap_or("?"),
            mark(t.fidelity),
            t.value.raw(),
            t.value.name().unwrap_or("?"),
            t.value.message().unwrap_or("")
        );
    }
    println!(
        "\nIn a socket call, EOPNOTSUPP (95) becomes {}.",
        LinuxErrno::EOPNOTSUPP.to_darwin_in(CallContext::Socket)
    );
    println!(
        "In an xattr call, ENODATA (61) becomes {}.",
        LinuxErrno::ENODATA.to_darwin_in(CallContext::Xattr)
    );

    println!("\nDarwin errors with no same-named Linux error → Linux\n");
    for darwin in DarwinErrno::all() {
        let t = darwin_to_linux_detailed(darwin);
        if t.fidelity != Fidelity::Exact {
            println!(
                "{:>4}  {:<16} {} {:>4}  {}",
                darwin.raw(),
                darwin.name().unwrap_or("?"),
                mark(t.fidelity),
                t.value.raw(),
                t.value.name().unwrap_or("?")
            );
        }
    }

    println!("\nSignals: Darwin ↔ Linux\n");
    for darwin in DarwinSignal::all() {
        match darwin.to_linux() {
            Some(linux) => println!(
                "{:>4}  {:<10} ↔ {:>4}  {}",
                darwin.raw(),
                darwin.name().unwrap_or("?"),
                linux.raw(),
                linux.name().unwrap_or("?")
            ),
            None => println!(
                "{:>4}  {:<10} → (none on Linux)",
                darwin.raw(),
                darwin.name().unwrap_or("?")
            ),
        }
    }
    let lost: Vec<_> = LinuxSignal::all()
        .filter(|s| s.to_darwin().is_none())
        .map(|s| s.raw())
        .collect();
    println!("\nLinux signals with no Darwin counterpart: {lost:?}");
}
