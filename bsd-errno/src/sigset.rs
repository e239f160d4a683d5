//! Signal sets as the two kernels store them, and their conversion.
//!
//! Both kernels give signal `n` the bit `1 << (n - 1)`. Darwin's `sigset_t` is 32 bits
//! (signals 1..=31); the Linux kernel's is 64 bits (1..=64, as `rt_sigprocmask` takes it).
//! glibc's 1024-bit user-space `sigset_t` begins with the kernel's 64 bits.

use crate::{DarwinSignal, LinuxSignal};

/// Defines a bit-set newtype over `$bits` for the signal type `$sig` numbered 1..=`$max`.
macro_rules! sigset_type {
    ($(#[$meta:meta])* $name:ident, $sig:ident, $bits:ty, $max:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        #[repr(transparent)]
        pub struct $name($bits);

        impl $name {
            /// The set with no signal.
            pub const EMPTY: Self = Self(0);
            /// Every signal number this set can hold.
            pub const FULL: Self = Self(<$bits>::MAX >> (<$bits>::BITS - $max));

            /// The set with exactly these bits; bits past the highest signal are dropped.
            #[inline]
            pub const fn from_bits(bits: $bits) -> Self {
                Self(bits & Self::FULL.0)
            }

            /// The raw bits (signal `n` is bit `n - 1`).
            #[inline]
            pub const fn bits(self) -> $bits {
                self.0
            }

            /// The bit of `sig`, or 0 for a number the set cannot hold.
            #[inline]
            const fn bit(sig: $sig) -> $bits {
                let n = sig.raw();
                if n >= 1 && n <= $max { 1 << (n - 1) } else { 0 }
            }

            /// Whether `sig` is in the set.
            #[inline]
            pub const fn contains(self, sig: $sig) -> bool {
                self.0 & Self::bit(sig) != 0
            }

            /// Adds `sig`; returns false (and changes nothing) for a number outside 1..=max.
            #[inline]
            pub fn insert(&mut self, sig: $sig) -> bool {
                let bit = Self::bit(sig);
                self.0 |= bit;
                bit != 0
            }

            /// Removes `sig`.
            #[inline]
            pub fn remove(&mut self, sig: $sig) {
                self.0 &= !Self::bit(sig);
            }

            /// Whether the set holds no signal.
            #[inline]
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// The signals in the set, ascending.
            pub fn iter(self) -> impl Iterator<Item = $sig> + Clone {
                let mut rest = self.0;
                core::iter::from_fn(move || {
                    if rest == 0 {
                        return None;
                    }
                    let n = rest.trailing_zeros();
                    rest &= rest - 1;
                    // n < BITS <= 64, so n + 1 fits in an i32.
                    Some($sig::from_raw(n as i32 + 1))
                })
            }
        }

        impl FromIterator<$sig> for $name {
            fn from_iter<I: IntoIterator<Item = $sig>>(iter: I) -> Self {
                let mut set = Self::EMPTY;
                for sig in iter {
                    set.insert(sig);
                }
                set
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), " "))?;
                f.debug_set()
                    .entries(self.iter().map(|s| DebugName(s.name(), s.raw())))
                    .finish()
            }
        }
    };
}

/// Shows a signal in a set as its bare name, or its number when it has none.
struct DebugName(Option<&'static str>, i32);

impl core::fmt::Debug for DebugName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.1),
        }
    }
}

sigset_type! {
    /// Darwin's `sigset_t`: 32 bits, signal `n` at bit `n - 1`.
    ///
    /// ```
    /// use darling_bsd_errno::{DarwinSigSet, DarwinSignal, LinuxSignal};
    ///
    /// let set: DarwinSigSet = [DarwinSignal::SIGUSR1, DarwinSignal::SIGEMT].into_iter().collect();
    /// assert_eq!(set.bits(), (1 << 29) | (1 << 6));
    /// let linux = set.to_linux();
    /// assert!(linux.contains(LinuxSignal::SIGUSR1)); // bit 9 on Linux
    /// assert_eq!(set.untranslatable().iter().collect::<Vec<_>>(), [DarwinSignal::SIGEMT]);
    /// ```
    DarwinSigSet, DarwinSignal, u32, 31
}

sigset_type! {
    /// The Linux kernel's `sigset_t`: 64 bits, signal `n` at bit `n - 1`, real-time signals
    /// included.
    LinuxSigSet, LinuxSignal, u64, 64
}

impl DarwinSigSet {
    /// The same signals as a Linux set. Signals without a Linux counterpart (`SIGEMT`) are
    /// left out; [`untranslatable`](Self::untranslatable) says which.
    pub fn to_linux(self) -> LinuxSigSet {
        self.iter().filter_map(DarwinSignal::to_linux).collect()
    }

    /// The signals of this set that [`to_linux`](Self::to_linux) drops.
    pub fn untranslatable(self) -> DarwinSigSet {
        self.iter().filter(|s| s.to_linux().is_none()).collect()
    }
}

impl LinuxSigSet {
    /// The same signals as a Darwin set. Signals without a Darwin counterpart (`SIGSTKFLT`
    /// and every real-time signal) are left out; [`untranslatable`](Self::untranslatable)
    /// says which.
    pub fn to_darwin(self) -> DarwinSigSet {
        self.iter().filter_map(LinuxSignal::to_darwin).collect()
    }

    /// The signals of this set that [`to_darwin`](Self::to_darwin) drops.
    pub fn untranslatable(self) -> LinuxSigSet {
        self.iter().filter(|s| s.to_darwin().is_none()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_sets_hold_every_signal() {
        assert_eq!(DarwinSigSet::FULL.bits(), 0x7fff_ffff);
        assert_eq!(LinuxSigSet::FULL.bits(), u64::MAX);
        assert_eq!(DarwinSigSet::FULL.iter().count(), 31);
        assert_eq!(LinuxSigSet::FULL.iter().count(), 64);
    }

    #[test]
    fn insert_rejects_numbers_the_set_cannot_hold() {
        let mut set = DarwinSigSet::EMPTY;
        assert!(!set.insert(DarwinSignal::from_raw(0)));
        assert!(!set.insert(DarwinSignal::from_raw(32)));
        assert!(!set.insert(DarwinSignal::from_raw(-5)));
        assert!(set.is_empty());
        assert!(set.insert(DarwinSignal::SIGHUP));
        assert_eq!(set.bits(), 1);
        set.remove(DarwinSignal::SIGHUP);
        assert!(set.is_empty());
    }

    #[test]
    fn from_bits_drops_bit_31_on_darwin() {
        assert_eq!(DarwinSigSet::from_bits(u32::MAX), DarwinSigSet::FULL);
    }

    #[test]
    fn darwin_full_set_becomes_every_classic_linux_signal_but_stkflt() {
        let linux = DarwinSigSet::FULL.to_linux();
        assert_eq!(linux.bits(), 0x7fff_ffff & !(1 << 15));
        assert_eq!(linux.to_darwin(), DarwinSigSet::FULL.to_linux().to_darwin());
        assert_eq!(linux.to_darwin().bits(), 0x7fff_ffff & !(1 << 6));
    }

    #[test]
    fn debug_lists_names() {
        let set: LinuxSigSet = [LinuxSignal::SIGINT, LinuxSignal::from_raw(40)]
            .into_iter()
            .collect();
        assert_eq!(format!("{set:?}"), "LinuxSigSet {SIGINT, SIGRTMIN+8}");
    }
}
