//! One module per subcommand. Each exposes `Args` (clap) and `run`, which returns the text to
//! print or the error message, so that tests can call it without a process.

pub mod chained;
pub mod commpage;
pub mod dyldinfo;
pub mod errno;
pub mod macho_files;
pub mod malformed;
pub mod mig;
pub mod nm;
pub mod otool;
pub mod run;
pub mod vchroot;
pub mod wrapgen;
