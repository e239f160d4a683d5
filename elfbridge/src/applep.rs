//! The `elf_calls=<address>` apple string: how the table's address reaches Mach-O code.
//!
//! mldr puts three strings after the environment's terminating NULL, in this order:
//! `executable_path=<path>`, `kernfd=<fd>`, `elf_calls=<address>`. The address is written in
//! lower-case hexadecimal without `0x` (`%lx`; `%x` for i386), and libsystem_kernel finds the
//! string by its prefix and reads the digits back.
//!
//! Darling's reader (`__simple_atoi16`) takes upper-case `F` as 0 and no `0x`; it is right only
//! because the writer never produces either. [`parse`] reads every hexadecimal digit correctly
//! and refuses what is not this format, with the position of the first wrong byte.

use std::fmt;

/// The prefix of the apple string that carries the table's address.
pub const ELF_CALLS_KEY: &str = "elf_calls=";

/// The longest apple string [`encode`] writes: the key and 16 digits (mldr's buffer is 27 bytes
/// with the NUL).
pub const ELF_CALLS_MAX_LEN: usize = ELF_CALLS_KEY.len() + 16;

/// Why an `elf_calls=` string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplepError {
    /// The string does not start with `elf_calls=`.
    #[error("expected the prefix \"elf_calls=\"")]
    MissingKey,
    /// Nothing follows the key.
    #[error("expected a hexadecimal address after \"elf_calls=\", found nothing")]
    Empty,
    /// A byte that is not a hexadecimal digit (`0x` is refused too: mldr never writes it and
    /// Darling's reader does not accept it).
    #[error("expected a hexadecimal digit at byte {position}, found {found}")]
    NotHex {
        /// The byte's position in the whole string.
        position: usize,
        /// The byte, escaped.
        found: EscapedByte,
    },
    /// More digits than a 64-bit address has (leading zeros included; mldr writes none).
    #[error("expected at most 16 hexadecimal digits, found {0}")]
    TooLong(usize),
    /// The address does not fit this process's pointers (a 64-bit address in a 32-bit process).
    #[error("expected an address that fits a {bits}-bit pointer, found {address:#x}")]
    TooWide {
        /// The address read.
        address: u64,
        /// `usize::BITS`.
        bits: u32,
    },
    /// The address is zero: no table.
    #[error("expected a non-null table address, found 0")]
    Null,
}

/// A byte shown as a character when printable, else as `\xNN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscapedByte(pub u8);

impl fmt::Display for EscapedByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() {
            write!(f, "'{}'", char::from(self.0))
        } else {
            write!(f, "\\x{:02x}", self.0)
        }
    }
}

/// The apple string for a table at `address`, as mldr writes it: `elf_calls=7f12a4b0c010`.
pub fn encode(address: usize) -> String {
    format!("{ELF_CALLS_KEY}{address:x}")
}

/// Reads the table's address back from an `elf_calls=` string.
///
/// # Errors
/// See [`ApplepError`]: a missing key, no digits, a non-digit, more than 16 digits, an address
/// too wide for this process, or zero.
pub fn parse(string: &[u8]) -> Result<usize, ApplepError> {
    let digits = string
        .strip_prefix(ELF_CALLS_KEY.as_bytes())
        .ok_or(ApplepError::MissingKey)?;
    if digits.is_empty() {
        return Err(ApplepError::Empty);
    }
    let mut address: u64 = 0;
    for (i, &byte) in digits.iter().enumerate() {
        let digit = char::from(byte).to_digit(16).ok_or(ApplepError::NotHex {
            position: ELF_CALLS_KEY.len() + i,
            found: EscapedByte(byte),
        })?;
        if i == 16 {
            return Err(ApplepError::TooLong(digits.len()));
        }
        address = address << 4 | u64::from(digit);
    }
    let address = usize::try_from(address).map_err(|_| ApplepError::TooWide {
        address,
        bits: usize::BITS,
    })?;
    if address == 0 {
        return Err(ApplepError::Null);
    }
    Ok(address)
}

/// Finds the `elf_calls=` string among the apple strings and reads it.
///
/// Returns `None` when no string has the key (a process not started by a bridge-aware loader).
///
/// # Errors
/// Those of [`parse`], for the first string that has the key.
pub fn find<'a>(apple: impl IntoIterator<Item = &'a [u8]>) -> Option<Result<usize, ApplepError>> {
    apple
        .into_iter()
        .find(|s| s.starts_with(ELF_CALLS_KEY.as_bytes()))
        .map(parse)
}
