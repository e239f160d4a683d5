//! Parses arbitrary text as each of the four numbered types and checks what a success or an
//! error promises: a parsed value is known and shows the same number back; an error message
//! can be formatted.
#![no_main]

use darling_bsd_errno::{DarwinErrno, DarwinSignal, LinuxErrno, LinuxSignal};
use libfuzzer_sys::fuzz_target;

macro_rules! check {
    ($ty:ty, $text:expr) => {
        match $text.parse::<$ty>() {
            Ok(v) => {
                assert!(v.is_known());
                let name = v.name().expect("a known value has a name");
                assert_eq!(<$ty>::from_name(name).map(|n| n.raw()), Ok(v.raw().abs()));
                let shown = v.to_string();
                assert!(shown.ends_with(&format!("({})", v.raw())), "{shown}");
                assert_eq!(v.raw().to_string().parse::<$ty>(), Ok(v));
            }
            Err(e) => {
                let _ = e.to_string();
                assert!(<$ty>::from_name($text).is_err() || $text.starts_with(['-', '+']));
            }
        }
    };
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check!(LinuxErrno, text);
    check!(DarwinErrno, text);
    check!(LinuxSignal, text);
    check!(DarwinSignal, text);
    if let Ok(n) = text.parse::<i32>() {
        let linux = LinuxErrno::from_raw(n);
        assert_eq!(linux.to_darwin().raw().signum(), n.signum());
        assert_eq!(
            DarwinErrno::from_raw(n).to_linux().raw().signum(),
            n.signum()
        );
        let _ = (
            LinuxSignal::from_raw(n).to_darwin(),
            DarwinSignal::from_raw(n).to_linux(),
        );
    }
});
