//! A MIG (Mach Interface Generator) for Rust.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ast;
mod builder;
pub mod codegen;
pub mod cpp;
mod error;
pub mod interface;
pub mod layout;
mod lexer;
pub mod parser;
pub mod routine;
#[cfg(feature = "runtime")]
pub mod rt;
pub mod tables;
pub mod types;

pub use builder::{Builder, rustfmt};
pub use error::{Error, Location};
pub use interface::{Interface, RoutineLayout};
