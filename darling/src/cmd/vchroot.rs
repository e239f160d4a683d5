//! `darling vchroot`: map a Darwin path into a Darling prefix, or a host path back.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use darling_bsd_errno::LinuxErrno;
use darling_vchroot::{Base, Error, ExpandFlags, Options, Root};

/// Arguments of `darling vchroot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// What to map.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the host path of a Darwin path as its last line (Darling's vchroot_expand).
    #[command(
        after_help = "Examples:\n  darling vchroot expand --prefix ~/.darling /usr/lib\n  \
                            darling vchroot expand --follow /System/Library/Frameworks/Foo.framework/Foo\n  \
                            darling vchroot expand -v /Volumes/SystemRoot/etc/hosts"
    )]
    Expand(Expand),
    /// Print the Darwin path of a host path (Darling's vchroot_unexpand).
    Unexpand(Unexpand),
}

/// Options shared by both directions.
#[derive(Debug, clap::Args)]
pub struct Prefix {
    /// The prefix (Darwin's `/`). Default: $DPREFIX, else ~/.darling, as Darling chooses it.
    #[arg(long)]
    pub prefix: Option<PathBuf>,
    /// Close the door to the host: /Volumes/SystemRoot is then an ordinary directory.
    #[arg(long)]
    pub no_system_root: bool,
}

/// Arguments of `darling vchroot expand`.
#[derive(Debug, clap::Args)]
pub struct Expand {
    #[command(flatten)]
    pub prefix: Prefix,
    /// Follow a symlink in the last component too (VCHROOT_FOLLOW).
    #[arg(long)]
    pub follow: bool,
    /// Do not look a missing name up again ignoring case (as Darling's dyld).
    #[arg(long)]
    pub case_sensitive: bool,
    /// Also print the canonical Darwin path, where it is, and whether it exists.
    #[arg(short, long)]
    pub verbose: bool,
    /// The Darwin path; a relative one starts at the working directory.
    pub path: OsString,
}

/// Arguments of `darling vchroot unexpand`.
#[derive(Debug, clap::Args)]
pub struct Unexpand {
    #[command(flatten)]
    pub prefix: Prefix,
    /// The host path.
    pub host_path: PathBuf,
}

/// The prefix as Darling picks it: `DPREFIX`, else `$HOME/.darling`.
pub fn default_prefix() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("DPREFIX") {
        return Ok(p.into());
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".darling")),
        None => Err("neither --prefix, DPREFIX nor HOME is set".to_owned()),
    }
}

fn open(p: &Prefix, case_sensitive: bool) -> Result<darling_vchroot::Vchroot, String> {
    let prefix = match &p.prefix {
        Some(p) => p.clone(),
        None => default_prefix()?,
    };
    Options::new()
        .system_root(!p.no_system_root)
        .case_insensitive(!case_sensitive)
        .open(&prefix)
        .map_err(|e| format!("prefix {}: {}", prefix.display(), explain(&e)))
}

/// An error as the user should see it: its errno's name and message, then what failed.
fn explain(e: &Error) -> String {
    let errno = LinuxErrno::from_raw(e.errno());
    let name = errno.name().unwrap_or("errno");
    match errno.message() {
        Some(message) => format!("{name} ({message}): {e}"),
        None => format!("{name} {}: {e}", e.errno()),
    }
}

/// Runs `darling vchroot`, returning the bytes to print.
pub fn run(args: &Args) -> Result<Vec<u8>, String> {
    match &args.command {
        Command::Expand(a) => expand(a),
        Command::Unexpand(a) => {
            let vc = open(&a.prefix, false)?;
            let darwin = vc.unexpand(&a.host_path).map_err(|e| explain(&e))?;
            Ok(line(darwin.as_os_str().as_bytes()))
        }
    }
}

fn expand(a: &Expand) -> Result<Vec<u8>, String> {
    let vc = open(&a.prefix, a.case_sensitive)?;
    let flags = if a.follow {
        ExpandFlags::FOLLOW
    } else {
        ExpandFlags::empty()
    };
    let found = vc
        .expand(&a.path, flags, Base::Cwd)
        .map_err(|e| explain(&e))?;
    let mut out = Vec::new();
    if a.verbose {
        out.extend(b"darwin path: ");
        out.extend(line(found.darwin_path().as_os_str().as_bytes()));
        let root = match found.root() {
            Root::Prefix => "the prefix",
            Root::Host => "the host (through /Volumes/SystemRoot)",
        };
        out.extend(format!("under: {root}\n").as_bytes());
        match found.missing_name() {
            None => out.extend(b"exists: yes\n"),
            Some(name) => {
                out.extend(b"exists: no (its directory does; missing: ");
                out.extend(name.as_bytes());
                out.extend(b")\n");
            }
        }
    }
    out.extend(line(found.host_path().as_os_str().as_bytes()));
    Ok(out)
}

fn line(bytes: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v.push(b'\n');
    v
}
