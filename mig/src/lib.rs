//! A MIG (Mach Interface Generator) for Rust: `.defs` interface definitions in, Rust client
//! stubs and server demux out, with every request and reply laid out byte for byte as
//! Apple's MIG compiler (migcom) lays it out.
//!
//! What a user needs is at the root:
//! - [`Builder`] compiles `.defs` files into Rust from a build script (or [`generate`] does
//!   it for one [`Interface`]); the code it writes runs on the `darling-mig-runtime` crate,
//!   which is a dependency of the crate that includes it, as this one is a build dependency;
//! - [`Interface`] is a `.defs` file resolved into its subsystem and routines, each with the
//!   layout of its request and reply ([`layout`]: every field's offset and size, and the
//!   layout tables in the columns of migcom's measurements);
//! - [`Preprocessor`] is the C preprocessor subset `.defs` files go through, with the macros
//!   Apple's `mig` driver predefines on x86-64;
//! - [`Error`] says what stopped a file and where ([`Location`]), with
//!   [`PreprocessError`], [`SyntaxError`] and [`SemanticError`] for the stage that did.
//!
//! Inside, one private module per stage: the preprocessor (`cpp`), the lexer and parser into
//! a syntax tree (`ast`), what each type and argument means on the wire by migcom's rules
//! (`types`, `routine`: hidden counts, poly and dealloc arguments, request and reply ports,
//! NDR record, return code), the layouts (`layout`), the whole file (`interface`) and the
//! Rust generator (`codegen`).
//!
//! ```
//! use darling_mig::{Interface, Preprocessor};
//!
//! let defs = "
//!     subsystem window 35000;
//!     type int = MACH_MSG_TYPE_INTEGER_32;
//!     type mach_port_t = MACH_MSG_TYPE_COPY_SEND;
//!     routine create_window(server : mach_port_t; out window : mach_port_t);
//!     routine window_set_frame(window : mach_port_t; x, y : int; width, height : int);
//! ";
//! # let defs = defs.replace("x, y : int; width, height : int", "x : int; y : int; width : int; height : int");
//! let iface = Interface::load_str("window.defs", &defs, &Preprocessor::new())?;
//! let set_frame = iface.routines().nth(1).unwrap();
//! assert_eq!(set_frame.request_id(iface.base), 35001);
//! // migcom's layout: header, NDR record, four ints.
//! assert_eq!(set_frame.request.size, 48);
//! assert_eq!(set_frame.request.field("width").unwrap().offset, 40);
//! // A successful complex reply carries no return code: create_window's is 40 bytes.
//! assert_eq!(iface.routines().next().unwrap().reply.size, 40);
//! let rust = darling_mig::generate(&iface, "window.defs")?;
//! assert!(rust.contains("pub trait Server"));
//! # Ok::<(), darling_mig::Error>(())
//! ```
//!
//! From a build script, [`Builder`] writes `window.rs` into `OUT_DIR`; `include!` it and
//! use `window::Client`, `window::Server`, `window::serve` (the `mig_window` example of
//! the workspace runs exactly that).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ast;
mod builder;
mod codegen;
mod cpp;
mod error;
mod interface;
pub mod layout;
mod lexer;
mod parser;
mod routine;
mod tables;
mod types;

pub use builder::Builder;
pub use codegen::{generate, generate_to};
pub use cpp::{
    Line, Origin, PREDEFINED_MACROS, PreprocessError, Preprocessed, Preprocessor, Warning,
};
pub use error::{Error, Location};
pub use interface::Interface;
pub use parser::SyntaxError;
pub use types::SemanticError;
