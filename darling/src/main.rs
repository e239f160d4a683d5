//! `darling`: command-line tools built from the darling-rs crates.
//!
//! Each subcommand is a thin layer over one crate; its logic lives in `cmd/`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Tools for Mach-O files, Mach IPC and Darwin compatibility on Linux.
#[derive(Debug, Parser)]
#[command(name = "darling", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Translate an errno (or, with --signal, a signal) between Linux and Darwin.
    Errno(cmd::errno::Args),
    /// Show a Mach-O file's header, load commands or libraries, as llvm-otool does.
    Otool(cmd::otool::Args),
    /// List a Mach-O file's symbols, as llvm-nm does.
    Nm(cmd::nm::Args),
    /// Show a Mach-O file's rebase and bind tables, exports trie and chained fixups, as
    /// llvm-objdump --macho does.
    Dyldinfo(cmd::dyldinfo::Args),
    /// Compile a MIG .defs file into Rust client stubs and server demux, or print its
    /// message layouts as migcom lays them out.
    Mig(cmd::mig::Args),
    /// Map a Darwin path into a Darling prefix (Darwin's `/`) and a host path back, as
    /// Darling's vchroot does, without ever leaving the prefix.
    Vchroot(cmd::vchroot::Args),
    /// Fill XNU's commpage from this machine, as XNU fills it, and print every field.
    Commpage(cmd::commpage::Args),
    /// Write the wrapper (C for a Mach-O dylib, or Rust) that makes a host ELF library's
    /// exports callable from Mach-O code, as Darling's wrapgen does.
    Wrapgen(cmd::wrapgen::Args),
    /// Run an x86-64 macOS executable on this machine.
    Run(cmd::run::Args),
}

fn main() -> ExitCode {
    // Apple's tools spell the architecture option `-arch NAME`; clap wants `--arch NAME`.
    let args = std::env::args_os().map(|a| if a == "-arch" { "--arch".into() } else { a });
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Errno(args) => cmd::errno::run(&args).map(String::into_bytes),
        Command::Otool(args) => return macho_tool("darling otool", |o| cmd::otool::run(&args, o)),
        Command::Nm(args) => return macho_tool("darling nm", |o| cmd::nm::run(&args, o)),
        Command::Dyldinfo(args) => {
            return macho_tool("darling dyldinfo", |o| cmd::dyldinfo::run(&args, o));
        }
        Command::Mig(args) => cmd::mig::run(&args).map(String::into_bytes),
        Command::Vchroot(args) => cmd::vchroot::run(&args),
        Command::Commpage(args) => cmd::commpage::run(&args).map(String::into_bytes),
        Command::Wrapgen(args) => cmd::wrapgen::run(&args).map(String::into_bytes),
        Command::Run(args) => {
            // Returns only if the program cannot be loaded.
            eprintln!("darling run: error: {}", cmd::run::run(&args));
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(bytes) => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (`darling errno … | head -0`) ends quietly, as it would
                // under SIGPIPE.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("darling: cannot write the output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            eprintln!("darling: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs a Mach-O tool, which writes its own output and errors as it goes (as LLVM's tools
/// do), and turns the outcome into LLVM's exit status: 1 after an error, 0 otherwise.
fn macho_tool(
    tool: &'static str,
    run: impl FnOnce(&mut cmd::macho_files::Output<'_>) -> Result<(), String>,
) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr();
    let mut o = cmd::macho_files::Output::new(tool, &mut stdout, &mut stderr);
    let usage = run(&mut o);
    if o.write_error.is_none()
        && let Err(e) = o.flush()
    {
        o.write_error = Some(e);
    }
    let (failed, write_error) = (o.failed, o.write_error.take());
    if let Err(message) = usage {
        eprintln!("darling: {message}");
        return ExitCode::from(2);
    }
    match write_error {
        // A closed pipe (`darling nm … | head -1`) ends quietly, as it would under SIGPIPE.
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Some(e) => {
            eprintln!("darling: cannot write the output: {e}");
            ExitCode::FAILURE
        }
        None if failed => ExitCode::FAILURE,
        None => ExitCode::SUCCESS,
    }
}
