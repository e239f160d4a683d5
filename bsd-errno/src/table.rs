//! The machinery shared by the four numbered tables (Linux and Darwin errno, Linux and Darwin
//! signals): a list of named numbers, a dense index built from it at compile time, and the
//! lookups every typed value offers (name, message, parse).
//!
//! Nothing here knows what an errno or a signal means; the translations live in
//! [`crate::translate`] and [`crate::signal`].

use crate::error::{Excerpt, ParseError, Table};

/// One named number of a table.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) number: i32,
    pub(crate) name: &'static str,
    pub(crate) message: &'static str,
}

/// A table of named numbers with a dense by-number index.
///
/// `N` is one past the highest number. `index[n]` is one plus the position of `n`'s entry in
/// `entries`, or 0 where `n` has no entry.
#[derive(Debug)]
pub(crate) struct NumberTable<const N: usize> {
    pub(crate) table: Table,
    /// Errno tables follow the syscall convention where `-ENOENT` is ENOENT too; signal
    /// tables have no negative values.
    pub(crate) signed: bool,
    pub(crate) entries: &'static [Entry],
    pub(crate) aliases: &'static [(&'static str, i32)],
    index: [u16; N],
}

impl<const N: usize> NumberTable<N> {
    /// Builds the index; a duplicate or out-of-range number is a compile-time error.
    pub(crate) const fn new(
        table: Table,
        signed: bool,
        entries: &'static [Entry],
        aliases: &'static [(&'static str, i32)],
    ) -> Self {
        let mut index = [0u16; N];
        let mut i = 0;
        while i < entries.len() {
            let n = entries[i].number;
            assert!(n > 0 && (n as usize) < N, "table number out of range");
            assert!(index[n as usize] == 0, "table number listed twice");
            index[n as usize] = (i + 1) as u16;
            i += 1;
        }
        NumberTable {
            table,
            signed,
            entries,
            aliases,
            index,
        }
    }

    /// The entry for `raw`; a negative errno looks up its magnitude.
    pub(crate) const fn entry(&self, raw: i32) -> Option<&'static Entry> {
        if raw < 0 && !self.signed {
            return None;
        }
        let n = raw.unsigned_abs() as usize;
        if n >= N {
            return None;
        }
        match self.index[n] {
            0 => None,
            k => Some(&self.entries[k as usize - 1]),
        }
    }

    /// The number that `name` (canonical name or alias, exact case) stands for.
    ///
    /// Signal names may also be given without their `SIG` prefix (`HUP`), as `kill -l` lists them.
    pub(crate) fn lookup_name(&self, name: &str) -> Option<i32> {
        let short = matches!(self.table, Table::LinuxSignal | Table::DarwinSignal);
        let matches =
            |known: &str| known == name || (short && known.strip_prefix("SIG") == Some(name));
        if let Some(e) = self.entries.iter().find(|e| matches(e.name)) {
            return Some(e.number);
        }
        self.aliases
            .iter()
            .find(|(alias, _)| matches(alias))
            .map(|&(_, n)| n)
    }

    /// Like [`lookup_name`](Self::lookup_name), with a clear error.
    pub(crate) fn find_name(&self, name: &str) -> Result<i32, ParseError> {
        if name.is_empty() {
            return Err(ParseError::Empty { table: self.table });
        }
        self.lookup_name(name).ok_or(ParseError::UnknownName {
            table: self.table,
            input: Excerpt::new(name),
        })
    }

    /// Checks that `raw` (or, for errno, its magnitude) is a known number.
    pub(crate) const fn check(&self, raw: i32) -> Result<i32, ParseError> {
        match self.entry(raw) {
            Some(_) => Ok(raw),
            None => Err(ParseError::UnknownNumber {
                table: self.table,
                value: raw,
            }),
        }
    }

    /// Parses a name, a decimal number, or (for errno) either with a leading `-`.
    pub(crate) fn parse(&self, text: &str) -> Result<i32, ParseError> {
        let (negative, body) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if body.is_empty() {
            return Err(match text.is_empty() {
                true => ParseError::Empty { table: self.table },
                false => ParseError::InvalidNumber {
                    table: self.table,
                    input: Excerpt::new(text),
                },
            });
        }
        if body.as_bytes()[0].is_ascii_digit() {
            // `str::parse::<i32>` accepts the sign itself, which keeps i32::MIN parseable.
            let value: i32 = text.parse().map_err(|_| ParseError::InvalidNumber {
                table: self.table,
                input: Excerpt::new(text),
            })?;
            return self.check(value);
        }
        if negative && !self.signed {
            return Err(ParseError::UnknownName {
                table: self.table,
                input: Excerpt::new(text),
            });
        }
        let number = self.lookup_name(body).ok_or(ParseError::UnknownName {
            table: self.table,
            input: Excerpt::new(text),
        })?;
        Ok(if negative { -number } else { number })
    }

    /// Every known number, ascending.
    pub(crate) fn numbers(&'static self) -> impl DoubleEndedIterator<Item = i32> + Clone {
        self.index
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k != 0)
            .map(|(n, _)| n as i32)
    }
}

/// Writes `value` as `NAME (n)`, `-NAME (-n)` or, for an unknown value, `unknown <table> n`.
pub(crate) fn display<const N: usize>(
    table: &NumberTable<N>,
    raw: i32,
    f: &mut core::fmt::Formatter<'_>,
) -> core::fmt::Result {
    match table.entry(raw) {
        Some(e) if raw < 0 => write!(f, "-{} ({raw})", e.name),
        Some(e) => write!(f, "{} ({raw})", e.name),
        None => write!(f, "unknown {} {raw}", table.table),
    }
}

/// Writes `Type(NAME = n)`, `Type(-NAME = -n)` or `Type(n)`.
pub(crate) fn debug<const N: usize>(
    type_name: &str,
    table: &NumberTable<N>,
    raw: i32,
    f: &mut core::fmt::Formatter<'_>,
) -> core::fmt::Result {
    match table.entry(raw) {
        Some(e) if raw < 0 => write!(f, "{type_name}(-{} = {raw})", e.name),
        Some(e) => write!(f, "{type_name}({} = {raw})", e.name),
        None => write!(f, "{type_name}({raw})"),
    }
}

/// Defines a `#[repr(transparent)]` newtype over `i32` with one associated constant per named
/// number, plus the lookups shared by every table (name, message, parse, display).
macro_rules! numbered_type {
    (
        $(#[$meta:meta])*
        pub struct $ty:ident;
        table: $table:expr, signed: $signed:literal, len: $len:literal, static: $static:ident;
        entries { $( $name:ident = $num:literal => $msg:literal; )* }
        unnamed { $( $xnum:literal => $xname:literal, $xmsg:literal; )* }
        aliases { $( $(#[$ameta:meta])* $alias:ident = $target:ident; )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(transparent)]
        pub struct $ty(i32);

        impl $ty {
            $(
                #[doc = concat!("`", stringify!($name), "` (", stringify!($num), "): ", $msg, ".")]
                pub const $name: Self = Self($num);
            )*
            $(
                $(#[$ameta])*
                pub const $alias: Self = Self::$target;
            )*
        }

        static $static: $crate::table::NumberTable<$len> = $crate::table::NumberTable::new(
            $table,
            $signed,
            &[
                $( $crate::table::Entry { number: $num, name: stringify!($name), message: $msg }, )*
                $( $crate::table::Entry { number: $xnum, name: $xname, message: $xmsg }, )*
            ],
            &[ $( (stringify!($alias), $ty::$target.0), )* ],
        );

        impl $ty {
            /// Wraps a raw number, known or not. Use [`TryFrom<i32>`] to reject unknown numbers.
            #[inline]
            pub const fn from_raw(raw: i32) -> Self {
                Self(raw)
            }

            /// The raw number.
            #[inline]
            pub const fn raw(self) -> i32 {
                self.0
            }

            /// The canonical name (`"ENOENT"`, `"SIGINT"`), or `None` for an unknown number.
            ///
            /// For errno values a negative number (the syscall convention, `-ENOENT`) has the
            /// name of its magnitude.
            #[inline]
            pub const fn name(self) -> Option<&'static str> {
                match $static.entry(self.0) {
                    Some(e) => Some(e.name),
                    None => None,
                }
            }

            /// The system's own description of the value (its C library's `strerror` or
            /// `strsignal` text), or `None` for an unknown number.
            #[inline]
            pub const fn message(self) -> Option<&'static str> {
                match $static.entry(self.0) {
                    Some(e) => Some(e.message),
                    None => None,
                }
            }

            /// Whether the number (for errno, its magnitude) is in this table.
            #[inline]
            pub const fn is_known(self) -> bool {
                $static.entry(self.0).is_some()
            }

            /// Looks a value up by its canonical name or an alias, in exact (upper) case.
            ///
            /// # Errors
            /// [`ParseError::Empty`](crate::ParseError::Empty) or
            /// [`ParseError::UnknownName`](crate::ParseError::UnknownName).
            pub fn from_name(name: &str) -> Result<Self, $crate::ParseError> {
                $static.find_name(name).map(Self)
            }

            /// Every known value in ascending order, one per number (aliases are not repeated).
            pub fn all() -> impl DoubleEndedIterator<Item = Self> + Clone {
                $static.numbers().map(Self)
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                $crate::table::display(&$static, self.0, f)
            }
        }

        impl core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                $crate::table::debug(stringify!($ty), &$static, self.0, f)
            }
        }

        impl core::str::FromStr for $ty {
            type Err = $crate::ParseError;

            /// Parses a name or alias, or a decimal number that is in the table.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $static.parse(text).map(Self)
            }
        }

        impl TryFrom<i32> for $ty {
            type Error = $crate::ParseError;

            /// Accepts only numbers in the table.
            fn try_from(raw: i32) -> Result<Self, Self::Error> {
                $static.check(raw).map(Self)
            }
        }

        impl From<$ty> for i32 {
            fn from(value: $ty) -> i32 {
                value.0
            }
        }
    };
}

pub(crate) use numbered_type;
