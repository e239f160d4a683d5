//! `darling wrapgen`: the wrapper that makes a host ELF library callable from Mach-O code.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use darling_elfbridge::SharedObject;
use darling_elfbridge::system;
use darling_elfbridge::wrapgen::{self, Plan};

/// The language of the wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// C for a Darwin target, compiled into a Mach-O wrapper dylib (Darling's wrapgen output).
    C,
    /// A Rust module for a Rust runtime (over darling_elfbridge::Wrapped).
    Rust,
}

/// Arguments of `darling wrapgen`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "A LIBRARY without a slash that is not a file here is looked for in LD_LIBRARY_PATH \
                  and the system library directories (by file name, without loading it).\n\n\
                  Examples:\n  darling wrapgen libasound.so.2 -o asound.c --header asound_vars.h\n  \
                  darling wrapgen --lang rust /usr/lib/x86_64-linux-gnu/libz.so.1 -o libz.rs"
)]
pub struct Args {
    /// The host ELF shared object.
    pub library: OsString,
    /// The wrapper's language.
    #[arg(long, value_enum, default_value_t = Lang::C)]
    pub lang: Lang,
    /// Where the wrapper goes (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// C only: where the header for the library's variables goes (Darling's `<name>_vars.h`;
    /// written empty of declarations when there are none).
    #[arg(long)]
    pub header: Option<PathBuf>,
}

fn locate(library: &OsString) -> Result<PathBuf, String> {
    let path = PathBuf::from(library);
    if path.exists() || library.as_bytes().contains(&b'/') {
        return Ok(path);
    }
    system::find_library(library).ok_or_else(|| {
        format!(
            "{}: no such file here, in LD_LIBRARY_PATH or in {}",
            path.display(),
            system::SEARCH_DIRS.join(", ")
        )
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Generates the wrapper; returns what goes to standard output.
pub fn run(args: &Args) -> Result<String, String> {
    if args.header.is_some() && args.lang != Lang::C {
        return Err("--header is for --lang c: a Rust wrapper has no header".to_owned());
    }
    let path = locate(&args.library)?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let object = SharedObject::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let file_name = path.file_name().map_or(&[][..], |n| n.as_bytes());
    let plan = Plan::new(&object, file_name).map_err(|e| format!("{}: {e}", path.display()))?;
    if plan.load_name_from_file {
        eprintln!(
            "darling wrapgen: warning: {} has no SONAME; the wrapper loads it as {}",
            path.display(),
            String::from_utf8_lossy(plan.load_name)
        );
    }
    let code = match args.lang {
        Lang::C => {
            let c = wrapgen::c::generate(&plan);
            if let Some(header) = &args.header {
                write(header, c.header.as_deref().unwrap_or(""))?;
            }
            c.source
        }
        Lang::Rust => wrapgen::rust::generate(&plan),
    };
    match &args.output {
        Some(out) => write(out, &code).map(|()| String::new()),
        None => Ok(code),
    }
}
