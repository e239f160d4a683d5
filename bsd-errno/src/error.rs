//! Errors for turning text or raw numbers into typed errno and signal values.
//!
//! The crate allocates nothing, so an error cannot own the text that failed. It keeps an
//! [`Excerpt`] instead: the first bytes of the input, enough to show the user what they typed.

use core::fmt;

/// Which numbering a value or a name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Table {
    /// Linux errno numbers ([`LinuxErrno`](crate::LinuxErrno)).
    LinuxErrno,
    /// Darwin (XNU, BSD) errno numbers ([`DarwinErrno`](crate::DarwinErrno)).
    DarwinErrno,
    /// Linux signal numbers ([`LinuxSignal`](crate::LinuxSignal)).
    LinuxSignal,
    /// Darwin signal numbers ([`DarwinSignal`](crate::DarwinSignal)).
    DarwinSignal,
}

impl Table {
    /// The known numbers of this table, as text for error messages.
    pub const fn known_numbers(self) -> &'static str {
        match self {
            Table::LinuxErrno => "1..=133 except 41 and 58, and 512..=516",
            Table::DarwinErrno => "1..=107",
            Table::LinuxSignal => "1..=64",
            Table::DarwinSignal => "1..=31",
        }
    }

    /// An example of a valid name, for error messages.
    pub const fn example_name(self) -> &'static str {
        match self {
            Table::LinuxErrno | Table::DarwinErrno => "ENOENT",
            Table::LinuxSignal | Table::DarwinSignal => "SIGINT",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Table::LinuxErrno => "Linux errno",
            Table::DarwinErrno => "Darwin errno",
            Table::LinuxSignal => "Linux signal",
            Table::DarwinSignal => "Darwin signal",
        })
    }
}

/// Why a name, a number or a piece of text is not a value of a [`Table`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The text was empty.
    #[error("empty input: expected a {table} name such as {} or a number", table.example_name())]
    Empty {
        /// The table that was searched.
        table: Table,
    },
    /// The text looks like a name but no value of the table has that name.
    #[error("`{input}` is not a {table} name")]
    UnknownName {
        /// The table that was searched.
        table: Table,
        /// The start of the text that was given.
        input: Excerpt,
    },
    /// The number is well formed but names no value of the table.
    #[error("{value} is not a {table} number (known: {})", table.known_numbers())]
    UnknownNumber {
        /// The table that was searched.
        table: Table,
        /// The number that was given.
        value: i32,
    },
    /// The text starts like a number but is not a decimal `i32`.
    #[error(
        "`{input}` is not a valid {table} number: expected a decimal integer that fits in 32 bits"
    )]
    InvalidNumber {
        /// The table that was searched.
        table: Table,
        /// The start of the text that was given.
        input: Excerpt,
    },
}

impl ParseError {
    /// The table the failed lookup was made in.
    pub const fn table(&self) -> Table {
        match *self {
            ParseError::Empty { table }
            | ParseError::UnknownName { table, .. }
            | ParseError::UnknownNumber { table, .. }
            | ParseError::InvalidNumber { table, .. } => table,
        }
    }
}

/// The first bytes of a rejected input, kept without allocating.
///
/// Holds up to [`Excerpt::CAPACITY`] bytes, cut at a character boundary; when the input was
/// longer, [`is_truncated`](Excerpt::is_truncated) is true and `Display` ends with `…`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Excerpt {
    bytes: [u8; Excerpt::CAPACITY],
    len: u8,
    truncated: bool,
}

impl Excerpt {
    /// How many bytes of the input an excerpt keeps.
    pub const CAPACITY: usize = 32;

    /// Keeps the start of `input`.
    pub fn new(input: &str) -> Self {
        let mut end = input.len().min(Self::CAPACITY);
        while !input.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0; Self::CAPACITY];
        bytes[..end].copy_from_slice(&input.as_bytes()[..end]);
        Excerpt {
            bytes,
            // `end` is at most CAPACITY, which fits in a u8.
            len: end as u8,
            truncated: end < input.len(),
        }
    }

    /// The kept text.
    pub fn as_str(&self) -> &str {
        // The bytes were copied from a `&str` and cut at a character boundary, so this cannot
        // fail; the fallback keeps the function total all the same.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }

    /// Whether the input was longer than what is kept.
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.truncated {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())?;
        if self.truncated {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_input_whole() {
        let e = Excerpt::new("ENOPE");
        assert_eq!(e.as_str(), "ENOPE");
        assert!(!e.is_truncated());
        assert_eq!(format!("{e}"), "ENOPE");
    }

    #[test]
    fn excerpt_cuts_long_input_at_a_char_boundary() {
        // 31 ASCII bytes then a 3-byte character: byte 32 falls inside it.
        let input = format!("{}€tail", "a".repeat(31));
        let e = Excerpt::new(&input);
        assert_eq!(e.as_str(), "a".repeat(31));
        assert!(e.is_truncated());
        assert!(format!("{e}").ends_with('…'));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let e = ParseError::UnknownNumber {
            table: Table::DarwinErrno,
            value: 999,
        };
        assert_eq!(
            e.to_string(),
            "999 is not a Darwin errno number (known: 1..=107)"
        );
        let e = ParseError::Empty {
            table: Table::LinuxSignal,
        };
        assert_eq!(
            e.to_string(),
            "empty input: expected a Linux signal name such as SIGINT or a number"
        );
    }
}
