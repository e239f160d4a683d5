//! [`Builder`]: compiling `.defs` files from a build script.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cpp::Preprocessor;
use crate::interface::Interface;

/// Compiles `.defs` files into Rust modules, for `build.rs`.
///
/// Each `NAME.defs` becomes `NAME.rs` in the output directory (`OUT_DIR` by default),
/// holding `pub mod <subsystem> { … }`; include it where the module should live:
///
/// ```no_run
/// // build.rs
/// darling_mig::Builder::new()
///     .include("defs/include")
///     .define("MY_FEATURE", "1")
///     .compile(&["defs/window.defs"])
///     .expect("window.defs");
/// ```
///
/// ```ignore
/// // src/lib.rs
/// include!(concat!(env!("OUT_DIR"), "/window.rs"));
/// ```
///
/// The code comes out indented; [`Builder::rustfmt`] also runs `rustfmt` over it. That is
/// off by default: the output then depends on nothing but the input (not on whether or
/// which `rustfmt` is installed), and a large interface is not held up by the formatter
/// (rustfmt takes some 2 ms per routine, far longer than generating it).
#[derive(Clone, Debug, Default)]
pub struct Builder {
    preprocessor: Preprocessor,
    includes: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    cargo_metadata: bool,
    rustfmt: bool,
}

impl Builder {
    /// A builder with the `mig` driver's predefined macros and no include directory, writing
    /// to `OUT_DIR` and telling Cargo to rerun when an input changes.
    pub fn new() -> Builder {
        Builder {
            preprocessor: Preprocessor::new(),
            includes: Vec::new(),
            out_dir: None,
            cargo_metadata: true,
            rustfmt: false,
        }
    }

    /// Adds an include directory (`-I`).
    pub fn include(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        let dir = dir.into();
        self.preprocessor.include_dir(dir.clone());
        self.includes.push(dir);
        self
    }

    /// Defines a macro (`-Dname=value`).
    pub fn define(&mut self, name: &str, value: &str) -> &mut Self {
        self.preprocessor.define(name, value);
        self
    }

    /// Removes a macro (`-Uname`).
    pub fn undefine(&mut self, name: &str) -> &mut Self {
        self.preprocessor.undefine(name);
        self
    }

    /// Where the `.rs` files go (default: the `OUT_DIR` Cargo gives build scripts).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` lines (default: yes).
    pub fn cargo_metadata(&mut self, on: bool) -> &mut Self {
        self.cargo_metadata = on;
        self
    }

    /// Whether to run the code through `rustfmt` (`RUSTFMT`, else `rustfmt` on the `PATH`;
    /// default: no). If it cannot be run or fails, the code is kept as generated.
    pub fn rustfmt(&mut self, on: bool) -> &mut Self {
        self.rustfmt = on;
        self
    }

    /// The interface in one `.defs` file, preprocessed with this builder's include
    /// directories and macros (for its [`layout`](crate::layout)).
    ///
    /// # Errors
    /// The first problem in the file, with its location.
    pub fn load(&self, defs: &Path) -> Result<Interface, crate::Error> {
        Interface::load(defs, &self.preprocessor)
    }

    /// The generated Rust for one `.defs` file.
    ///
    /// # Errors
    /// The first problem in the file, with its location.
    pub fn generate(&self, defs: &Path) -> Result<String, crate::Error> {
        let iface = self.load(defs)?;
        let code = crate::codegen::generate(&iface, &source_name(defs))?;
        if !self.rustfmt {
            return Ok(code);
        }
        Ok(rustfmt(&code).unwrap_or(code))
    }

    /// As [`Builder::generate`], writing the code to `out` as it is generated (with
    /// [`Builder::rustfmt`], once formatted): a large interface's code is not held in memory.
    ///
    /// # Errors
    /// The first problem in the file, with its location; [`crate::Error::Write`] if writing
    /// to `out` fails.
    pub fn generate_to(&self, defs: &Path, out: &mut dyn Write) -> Result<(), crate::Error> {
        if self.rustfmt {
            let code = self.generate(defs)?;
            return out.write_all(code.as_bytes()).map_err(crate::Error::Write);
        }
        let iface = self.load(defs)?;
        crate::codegen::generate_to(&iface, &source_name(defs), out)
    }

    /// Compiles each file into `<stem>.rs` in the output directory; returns the paths
    /// written.
    ///
    /// # Errors
    /// The first problem in a file, or an I/O error writing the output (no `OUT_DIR` and
    /// no [`Builder::out_dir`] is an I/O error of kind `NotFound`).
    pub fn compile(&self, files: &[impl AsRef<Path>]) -> Result<Vec<PathBuf>, crate::Error> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| crate::Error::Io {
                    path: PathBuf::from("$OUT_DIR"),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "OUT_DIR is not set"),
                })?,
        };
        if self.cargo_metadata {
            for dir in &self.includes {
                println!("cargo:rerun-if-changed={}", dir.display());
            }
        }
        let mut written = Vec::new();
        for f in files {
            let f = f.as_ref();
            if self.cargo_metadata {
                println!("cargo:rerun-if-changed={}", f.display());
            }
            let stem = f
                .file_stem()
                .map_or_else(|| "mig".into(), |s| s.to_string_lossy().into_owned());
            let out = out_dir.join(format!("{stem}.rs"));
            self.generate_file(f, &out)?;
            written.push(out);
        }
        Ok(written)
    }

    /// Generates the code for `defs` into the file `out` (created or truncated), writing it
    /// as it is generated.
    ///
    /// # Errors
    /// The first problem in `defs`, with its location; [`crate::Error::Io`] naming `out` if it
    /// cannot be created or written.
    pub fn generate_file(&self, defs: &Path, out: &Path) -> Result<(), crate::Error> {
        let io = |source| crate::Error::Io {
            path: out.to_path_buf(),
            source,
        };
        let mut file = BufWriter::new(File::create(out).map_err(io)?);
        self.generate_to(defs, &mut file).map_err(|e| match e {
            crate::Error::Write(source) => io(source),
            e => e,
        })?;
        file.flush().map_err(io)
    }
}

/// How the header of the generated code names `defs`: its file name.
fn source_name(defs: &Path) -> String {
    defs.file_name().map_or_else(
        || defs.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `code` formatted by rustfmt (edition 2024), if one runs.
fn rustfmt(code: &str) -> Option<String> {
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(program)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}
