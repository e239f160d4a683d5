//! Property tests: translation keeps signs and round-trips, parsing and display agree, and no
//! input makes anything panic.

use darling_bsd_errno::{
    CallContext, DarwinErrno, DarwinSigSet, DarwinSignal, Fidelity, LinuxErrno, LinuxSigSet,
    LinuxSignal, darwin_to_linux, darwin_to_linux_detailed, linux_to_darwin,
    linux_to_darwin_detailed,
};
use proptest::prelude::*;

const CONTEXTS: [CallContext; 3] = [
    CallContext::Generic,
    CallContext::Socket,
    CallContext::Xattr,
];

/// Any i32, with the interesting small range (both signs) drawn often.
fn errno_number() -> impl Strategy<Value = i32> {
    prop_oneof![-600..600i32, any::<i32>()]
}

proptest! {
    #[test]
    fn linux_to_darwin_keeps_the_sign_and_depends_only_on_the_magnitude(raw in errno_number()) {
        for context in CONTEXTS {
            let out = linux_to_darwin_detailed(LinuxErrno::from_raw(raw), context);
            prop_assert_eq!(out.value.raw().signum(), raw.signum());
            if raw != i32::MIN {
                let positive = linux_to_darwin_detailed(LinuxErrno::from_raw(raw.abs()), context);
                let expected = if raw < 0 { -positive.value.raw() } else { positive.value.raw() };
                prop_assert_eq!(out.value.raw(), expected);
                prop_assert_eq!(out.fidelity, positive.fidelity);
            }
            if out.fidelity == Fidelity::Unchanged {
                prop_assert_eq!(out.value.raw(), raw);
                prop_assert!(!LinuxErrno::from_raw(raw).is_known());
            }
        }
    }

    #[test]
    fn darwin_to_linux_keeps_the_sign(raw in errno_number()) {
        let out = darwin_to_linux_detailed(DarwinErrno::from_raw(raw));
        prop_assert_eq!(out.value.raw().signum(), raw.signum());
        prop_assert_eq!(out.fidelity == Fidelity::Unchanged, !DarwinErrno::from_raw(raw).is_known());
    }

    #[test]
    fn exact_linux_translations_round_trip(raw in errno_number()) {
        let linux = LinuxErrno::from_raw(raw);
        let there = linux_to_darwin_detailed(linux, CallContext::Generic);
        if there.fidelity == Fidelity::Exact {
            prop_assert_eq!(darwin_to_linux(there.value), linux);
        }
    }

    #[test]
    fn exact_darwin_translations_round_trip_in_some_context(raw in errno_number()) {
        let darwin = DarwinErrno::from_raw(raw);
        let there = darwin_to_linux_detailed(darwin);
        if there.fidelity == Fidelity::Exact {
            prop_assert!(CONTEXTS.iter().any(|&c| there.value.to_darwin_in(c) == darwin));
        }
    }

    #[test]
    fn known_values_display_and_parse_back(raw in errno_number()) {
        for (known, shown, parsed_number, parsed_name) in [
            {
                let e = LinuxErrno::from_raw(raw);
                (e.is_known(), e.to_string(), raw.to_string().parse::<LinuxErrno>().map(|e| e.raw()),
                 e.name().map(|n| LinuxErrno::from_name(n).map(|e| e.raw())))
            },
            {
                let e = DarwinErrno::from_raw(raw);
                (e.is_known(), e.to_string(), raw.to_string().parse::<DarwinErrno>().map(|e| e.raw()),
                 e.name().map(|n| DarwinErrno::from_name(n).map(|e| e.raw())))
            },
        ] {
            prop_assert_eq!(parsed_number.is_ok(), known, "{}", shown);
            if known {
                prop_assert_eq!(parsed_number, Ok(raw));
                prop_assert_eq!(parsed_name, Some(Ok(raw.abs())));
                let suffix = format!("({raw})");
                prop_assert!(shown.ends_with(&suffix));
            } else {
                prop_assert!(shown.starts_with("unknown"));
            }
        }
    }

    #[test]
    fn parsing_any_text_never_panics_and_ok_means_known(text in ".{0,40}") {
        if let Ok(e) = text.parse::<LinuxErrno>() { prop_assert!(e.is_known()); }
        if let Ok(e) = text.parse::<DarwinErrno>() { prop_assert!(e.is_known()); }
        if let Ok(s) = text.parse::<LinuxSignal>() { prop_assert!(s.is_known()); }
        if let Ok(s) = text.parse::<DarwinSignal>() { prop_assert!(s.is_known()); }
    }

    #[test]
    fn darwin_sigsets_survive_a_round_trip_but_for_untranslatable_signals(bits in any::<u32>()) {
        let set = DarwinSigSet::from_bits(bits);
        let back = set.to_linux().to_darwin();
        prop_assert_eq!(back.bits() | set.untranslatable().bits(), set.bits());
        prop_assert_eq!(back.bits() & set.untranslatable().bits(), 0);
        prop_assert_eq!(set.to_linux().iter().count() + set.untranslatable().iter().count(), set.iter().count());
    }

    #[test]
    fn linux_sigsets_survive_a_round_trip_but_for_untranslatable_signals(bits in any::<u64>()) {
        let set = LinuxSigSet::from_bits(bits);
        let back = set.to_darwin().to_linux();
        prop_assert_eq!(back.bits() | set.untranslatable().bits(), set.bits());
        prop_assert_eq!(back.bits() & set.untranslatable().bits(), 0);
    }

    #[test]
    fn signal_translation_is_an_involution_where_defined(raw in -5..80i32) {
        if let Some(l) = DarwinSignal::from_raw(raw).to_linux() {
            prop_assert_eq!(l.to_darwin(), Some(DarwinSignal::from_raw(raw)));
        }
        if let Some(d) = LinuxSignal::from_raw(raw).to_darwin() {
            prop_assert_eq!(d.to_linux(), Some(LinuxSignal::from_raw(raw)));
        }
    }
}

#[test]
fn every_name_round_trips() {
    for e in LinuxErrno::all() {
        assert_eq!(LinuxErrno::from_name(e.name().unwrap()), Ok(e));
        assert_eq!(e.name().unwrap().parse::<LinuxErrno>(), Ok(e));
        assert_eq!(
            format!("-{}", e.name().unwrap()).parse::<LinuxErrno>(),
            Ok(LinuxErrno::from_raw(-e.raw()))
        );
    }
    for e in DarwinErrno::all() {
        assert_eq!(DarwinErrno::from_name(e.name().unwrap()), Ok(e));
    }
    for s in LinuxSignal::all() {
        assert_eq!(LinuxSignal::from_name(s.name().unwrap()), Ok(s));
    }
    for s in DarwinSignal::all() {
        assert_eq!(DarwinSignal::from_name(s.name().unwrap()), Ok(s));
        let short = s.name().unwrap().strip_prefix("SIG").unwrap();
        assert_eq!(DarwinSignal::from_name(short), Ok(s));
    }
    assert_eq!(
        linux_to_darwin(LinuxErrno::EAGAIN),
        DarwinErrno::EWOULDBLOCK
    );
}
