//! `darling errno` run as a process: what a user sees, and the exit status.

mod common;

use common::darling;

#[test]
fn eownerdead_from_linux() {
    let (code, stdout, _) = darling(&["errno", "EOWNERDEAD", "--from", "linux"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "linux    130  EOWNERDEAD      Owner died\n\
         darwin   105  EOWNERDEAD      Previous owner died  [same error]\n"
    );
}

#[test]
fn negative_input_is_a_value_not_a_flag() {
    let (code, stdout, _) = darling(&["errno", "-61", "--context", "xattr"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("darwin   -93  -ENOATTR"), "{stdout}");
}

#[test]
fn bad_input_fails_with_a_message() {
    for (args, message) in [
        (
            &["errno", "EFOO"][..],
            "darling: `EFOO` is not a Linux errno name\n",
        ),
        (
            &["errno", "200", "--from", "darwin"][..],
            "darling: 200 is not a Darwin errno number (known: 1..=107)\n",
        ),
        (
            &["errno", "--signal", "65"][..],
            "darling: 65 is not a Linux signal number (known: 1..=64)\n",
        ),
    ] {
        let (code, stdout, stderr) = darling(args);
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (2, "", message),
            "{args:?}"
        );
    }
}
