//! `darling run`: load an x86-64 Mach-O executable into this process and run it, with
//! darling-loader (plan, shims, mapping) and darling-commpage.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use std::sync::Arc;
use std::time::Duration;

use darling_commpage::{Arch, Clock, Commpage, FillOptions, Host};
use darling_loader::{LoadedImage, Plan, Shims};
use darling_vchroot::Vchroot;

/// Run an x86-64 macOS executable.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "The program's imports from libSystem bind to the host's C library where \
        their ABI is the same, and to darling's shims otherwise; an import nothing provides \
        is an error before the program runs. Exit status: the program's, or 1 if it cannot \
        be loaded."
)]
pub struct Args {
    /// The prefix: Darwin's `/` for the program's paths (the host's is
    /// /Volumes/SystemRoot). Default: $DPREFIX, else ~/.darling, created if missing.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
    /// Print every call into darling's shims, with its arguments and result, one line each
    /// on stderr (and where each import was bound), as Darling's xtrace does.
    #[arg(long)]
    pub trace: bool,
    /// The executable (of a fat file, its x86_64 slice).
    pub program: PathBuf,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

fn c_string(bytes: &[u8], what: &str) -> Result<CString, String> {
    CString::new(bytes).map_err(|_| format!("{what} contains a NUL byte"))
}

/// Loads the program and runs it; returns only if it cannot be loaded (the message), since
/// the program's end ends this process.
pub fn run(args: &Args) -> String {
    match load_and_run(args) {
        Ok(never) => match never {},
        Err(message) => message,
    }
}

fn load_and_run(args: &Args) -> Result<std::convert::Infallible, String> {
    let name = args.program.display();
    darling_loader::trace::set_enabled(args.trace);
    let file = std::fs::read(&args.program).map_err(|e| format!("{name}: {e}"))?;
    let plan = Plan::new(&file).map_err(|e| format!("{name}: {e}"))?;
    let shims = Shims::new().map_err(|e| format!("{name}: {e}"))?;
    let addresses = shims
        .resolve_all(&plan)
        .map_err(|e| format!("{name}: {e}"))?;
    let image = LoadedImage::load(&file, &plan, &addresses).map_err(|e| format!("{name}: {e}"))?;
    let prefix = match &args.prefix {
        Some(p) => p.clone(),
        None => super::vchroot::default_prefix()?,
    };
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    let root = Vchroot::open(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    if darling_loader::translate::set_prefix(root).is_err() {
        return Err("the prefix is already set".to_owned());
    }
    // Darwin code reads the CPU count, page size and time straight from the commpage. A
    // short first measurement of the TSC (the default, 5 ms, would be most of a small
    // program's run), which every refresh measures again over all the time since.
    let options = FillOptions {
        calibration: Duration::from_micros(250),
        ..FillOptions::default()
    };
    let host = Host::read().map_err(|e| format!("the commpage: {e}"))?;
    let clock = Clock::calibrate(options.calibration);
    let commpage = Commpage::fill(Arch::X86_64, &host, clock, &options)
        .map()
        .map(Arc::new)
        .map_err(|e| format!("the commpage: {e}"))?;
    let refresher = commpage.refresh_every(Duration::from_millis(500));

    let program = args.program.as_os_str().as_bytes();
    let mut argv = vec![c_string(program, "the program's path")?];
    for a in &args.args {
        argv.push(c_string(a.as_bytes(), "an argument")?);
    }
    let mut env = Vec::new();
    for (k, v) in std::env::vars_os() {
        let mut entry = k.as_bytes().to_vec();
        entry.push(b'=');
        entry.extend_from_slice(v.as_bytes());
        env.push(c_string(&entry, "the environment")?);
    }
    let mut executable_path = b"executable_path=".to_vec();
    executable_path.extend_from_slice(program);
    let apple = [c_string(&executable_path, "the program's path")?];
    darling_loader::translate::set_executable_path(argv[0].clone())
        .map_err(|_| "the executable path is already set".to_owned())?;

    // The stack LC_MAIN asks for, or macOS's default.
    let stack = match plan.stack_size {
        0 => darling_loader::DEFAULT_STACK_SIZE,
        n => usize::try_from(n).map_err(|_| format!("{name}: a stack of {n:#x} bytes"))?,
    };
    std::mem::forget((commpage, refresher, shims));
    #[allow(unsafe_code)]
    // SAFETY: the user asked to run this program; its imports are bound to the shims, which
    // live (with the image and the commpage) until the process ends: run_main never returns.
    unsafe {
        darling_loader::run_main(&image, &argv, &env, &apple, stack)
    }
}
