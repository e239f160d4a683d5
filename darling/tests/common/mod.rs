//! Running the `darling` binary the way a user does.
#![allow(dead_code)]

use std::process::Command;

/// Runs `cmd`: its exit status (-1 if killed by a signal), stdout and stderr.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("darling runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

/// The `darling` command, not yet run.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_darling"));
    cmd.args(args);
    cmd
}

/// Runs `darling args…`.
pub fn darling(args: &[&str]) -> (i32, String, String) {
    run(&mut command(args))
}
