//! A MIG (Mach Interface Generator) for Rust: `.defs` interface definitions in, Rust client
//! stubs and server demux out, with every request and reply laid out byte for byte as
//! Apple's MIG compiler (migcom) lays it out.
//!
//! The pipeline, one module each:
//! - [`cpp`]: the C preprocessor subset `.defs` files use, with the macros Apple's `mig`
//!   driver predefines on x86-64;
//! - [`parser`] (over an internal lexer) into the [`ast`];
//! - [`types`] and [`routine`]: what each type and argument means on the wire, by migcom's
//!   rules (hidden count, poly and dealloc arguments, request and reply ports, NDR record,
//!   return code);
//! - [`layout`]: every field's offset and size, the largest and smallest message;
//! - [`interface`]: a whole file resolved; [`tables`] prints its layouts in the columns of
//!   migcom's measurements;
//! - [`codegen`]: the Rust module, which runs on the `darling-mig-runtime` crate over
//!   `darling-mach-ipc`; [`Builder`] drives it from a build script.
//!
//! ```
//! use darling_mig::{Interface, cpp::Preprocessor};
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
//! let rust = darling_mig::codegen::generate(&iface, "window.defs")?;
//! assert!(rust.contains("pub trait Server"));
//! # Ok::<(), darling_mig::Error>(())
//! ```
//!
//! From a build script, [`Builder`] writes `window.rs` into `OUT_DIR`; `include!` it and
//! use `window::Client`, `window::Server`, `window::serve` (the `mig_window` example of
//! the workspace runs exactly that).
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
pub mod tables;
pub mod types;

pub use builder::{Builder, rustfmt};
pub use error::{Error, Location};
pub use interface::{Interface, RoutineLayout};
