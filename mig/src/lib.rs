//! A MIG (Mach Interface Generator) for Rust.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod ast;
pub mod cpp;
mod error;
pub mod interface;
pub mod layout;
mod lexer;
pub mod parser;
pub mod routine;
pub mod tables;
pub mod types;

pub use error::{Error, Location};
pub use interface::{Interface, RoutineLayout};
