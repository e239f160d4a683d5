//! `darling errno`: show an errno or signal on both systems.

use std::fmt::Write;

use clap::ValueEnum;
use darling_bsd_errno::{
    CallContext, DarwinErrno, DarwinSignal, Fidelity, LinuxErrno, LinuxSignal, ParseError,
    darwin_to_linux_detailed, linux_to_darwin_detailed,
};

/// Arguments of `darling errno`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  darling errno ENOENT\n  darling errno EOWNERDEAD --from linux\n  \
                        darling errno -- -61 --context xattr\n  darling errno 102 --from darwin\n  \
                        darling errno --signal SIGINFO --from darwin"
)]
pub struct Args {
    /// A name (ENOENT, -ENOENT, SIGHUP, HUP) or a number (2, -2).
    #[arg(allow_hyphen_values = true)]
    pub value: String,
    /// The system the value belongs to.
    #[arg(long, value_enum, default_value_t = System::Linux)]
    pub from: System,
    /// The kind of call that produced a Linux errno (changes EOPNOTSUPP and ENODATA).
    #[arg(long, value_enum, default_value_t = Context::Generic)]
    pub context: Context,
    /// Treat the value as a signal instead of an errno.
    #[arg(long)]
    pub signal: bool,
}

/// Which numbering the input is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum System {
    /// Linux (x86-64).
    Linux,
    /// Darwin (macOS, XNU).
    Darwin,
}

/// [`CallContext`] on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Context {
    /// Any call.
    Generic,
    /// A socket call.
    Socket,
    /// An extended-attribute call.
    Xattr,
}

impl From<Context> for CallContext {
    fn from(c: Context) -> Self {
        match c {
            Context::Generic => CallContext::Generic,
            Context::Socket => CallContext::Socket,
            Context::Xattr => CallContext::Xattr,
        }
    }
}

/// One side of the answer: system, number, name, message.
struct Row {
    system: &'static str,
    number: i32,
    name: Option<&'static str>,
    message: Option<&'static str>,
}

/// Runs `darling errno`, returning the text to print.
pub fn run(args: &Args) -> Result<String, String> {
    let value = args.value.trim();
    let (from, to, note) = if args.signal {
        signal_rows(value, args.from)
    } else {
        errno_rows(value, args)
    }
    .map_err(|e| explain(e, value, args))?;
    let mut out = String::new();
    for (row, note) in [(from, None), (to, note)] {
        let Some(row) = row else {
            // Only a signal can lack a counterpart.
            let other = match args.from {
                System::Linux => "darwin",
                System::Darwin => "linux",
            };
            let _ = writeln!(out, "{other:<7}{:>5}  {:<16}(no counterpart)", "-", "-");
            continue;
        };
        let sign = if row.number < 0 { "-" } else { "" };
        let name = row
            .name
            .map_or_else(|| "?".to_owned(), |n| format!("{sign}{n}"));
        let message = row.message.unwrap_or("(unknown)");
        let _ = write!(
            out,
            "{:<7}{:>5}  {name:<16}{message}",
            row.system, row.number
        );
        match note {
            Some(note) => {
                let _ = writeln!(out, "  [{note}]");
            }
            None => out.push('\n'),
        }
    }
    Ok(out)
}

type Rows = (Option<Row>, Option<Row>, Option<&'static str>);

fn errno_rows(value: &str, args: &Args) -> Result<Rows, ParseError> {
    let linux_row = |e: LinuxErrno| Row {
        system: "linux",
        number: e.raw(),
        name: e.name(),
        message: e.message(),
    };
    let darwin_row = |e: DarwinErrno| Row {
        system: "darwin",
        number: e.raw(),
        name: e.name(),
        message: e.message(),
    };
    let fidelity = |f: Fidelity| match f {
        Fidelity::Exact => "same error",
        Fidelity::Nearest => "nearest: no such error on the other side",
        Fidelity::Unchanged => "unknown: passed through unchanged",
    };
    Ok(match args.from {
        System::Linux => {
            let e: LinuxErrno = value.parse()?;
            let t = linux_to_darwin_detailed(e, args.context.into());
            (
                Some(linux_row(e)),
                Some(darwin_row(t.value)),
                Some(fidelity(t.fidelity)),
            )
        }
        System::Darwin => {
            let e: DarwinErrno = value.parse()?;
            let t = darwin_to_linux_detailed(e);
            (
                Some(darwin_row(e)),
                Some(linux_row(t.value)),
                Some(fidelity(t.fidelity)),
            )
        }
    })
}

fn signal_rows(value: &str, from: System) -> Result<Rows, ParseError> {
    let linux_row = |s: LinuxSignal| Row {
        system: "linux",
        number: s.raw(),
        name: s.name(),
        message: s.message(),
    };
    let darwin_row = |s: DarwinSignal| Row {
        system: "darwin",
        number: s.raw(),
        name: s.name(),
        message: s.message(),
    };
    // The one pair that is not the same signal under both names.
    let note = |d: Option<DarwinSignal>| {
        (d == Some(DarwinSignal::SIGINFO))
            .then_some("nearest: Linux has no SIGINFO, SIGPWR stands in")
    };
    Ok(match from {
        System::Linux => {
            let s: LinuxSignal = value.parse()?;
            (
                Some(linux_row(s)),
                s.to_darwin().map(darwin_row),
                note(s.to_darwin()),
            )
        }
        System::Darwin => {
            let s: DarwinSignal = value.parse()?;
            (
                Some(darwin_row(s)),
                s.to_linux().map(linux_row),
                note(Some(s)),
            )
        }
    })
}

/// The error message, with a hint when the value is one of the other system's, or a signal
/// given as an errno (or an errno given with `--signal`): the flags that would read it.
fn explain(error: ParseError, value: &str, args: &Args) -> String {
    let knows = |signal: bool, from: System| match (signal, from) {
        (false, System::Linux) => value.parse::<LinuxErrno>().is_ok(),
        (false, System::Darwin) => value.parse::<DarwinErrno>().is_ok(),
        (true, System::Linux) => value.parse::<LinuxSignal>().is_ok(),
        (true, System::Darwin) => value.parse::<DarwinSignal>().is_ok(),
    };
    let other = match args.from {
        System::Linux => System::Darwin,
        System::Darwin => System::Linux,
    };
    let name = |s: System| match s {
        System::Linux => "linux",
        System::Darwin => "darwin",
    };
    let kind = |signal: bool| if signal { "signal" } else { "errno" };
    // The nearest reading first: the other system, then the other kind on this system,
    // then both changed. A number names an errno and a signal alike: only a name is read
    // as the other kind.
    let is_number = value
        .trim_start_matches('-')
        .starts_with(|c: char| c.is_ascii_digit());
    let hint = [
        (args.signal, other),
        (!args.signal, args.from),
        (!args.signal, other),
    ]
    .into_iter()
    .filter(|&(signal, _)| !is_number || signal == args.signal)
    .find(|&(signal, from)| knows(signal, from))
    .map(|(signal, from)| {
        let mut flags = Vec::new();
        if signal != args.signal {
            flags.push(if signal {
                "add --signal"
            } else {
                "drop --signal"
            });
        }
        if from != args.from {
            flags.push(if from == System::Darwin {
                "add --from darwin"
            } else {
                "add --from linux"
            });
        }
        format!(
            " (it is a {} {}: {})",
            name(from),
            kind(signal),
            flags.join(", ")
        )
    });
    format!("{error}{}", hint.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(value: &str, from: System) -> Args {
        Args {
            value: value.into(),
            from,
            context: Context::Generic,
            signal: false,
        }
    }

    #[test]
    fn eownerdead_from_linux_gives_darwin_105() {
        let out = run(&args("EOWNERDEAD", System::Linux)).unwrap();
        assert_eq!(
            out,
            "linux    130  EOWNERDEAD      Owner died\n\
             darwin   105  EOWNERDEAD      Previous owner died  [same error]\n"
        );
    }

    #[test]
    fn negative_numbers_keep_their_sign() {
        let out = run(&args("-2", System::Linux)).unwrap();
        assert!(out.starts_with("linux     -2  -ENOENT"), "{out}");
        assert!(out.contains("darwin    -2  -ENOENT"), "{out}");
    }

    #[test]
    fn a_darwin_only_name_gets_a_hint() {
        let err = run(&args("EBADMACHO", System::Linux)).unwrap_err();
        assert_eq!(
            err,
            "`EBADMACHO` is not a Linux errno name (it is a darwin errno: add --from darwin)"
        );
    }

    #[test]
    fn a_signal_given_as_an_errno_suggests_signal() {
        let err = run(&args("SIGKILL", System::Linux)).unwrap_err();
        assert_eq!(
            err,
            "`SIGKILL` is not a Linux errno name (it is a linux signal: add --signal)"
        );
        let err = run(&args("SIGINFO", System::Linux)).unwrap_err();
        assert_eq!(
            err,
            "`SIGINFO` is not a Linux errno name \
             (it is a darwin signal: add --signal, add --from darwin)"
        );
        let mut a = args("ENOENT", System::Darwin);
        a.signal = true;
        assert_eq!(
            run(&a).unwrap_err(),
            "`ENOENT` is not a Darwin signal name (it is a darwin errno: drop --signal)"
        );
        assert_eq!(
            run(&args("EFOO", System::Linux)).unwrap_err(),
            "`EFOO` is not a Linux errno name"
        );
    }

    #[test]
    fn out_of_range_numbers_are_errors() {
        let err = run(&args("999", System::Darwin)).unwrap_err();
        assert_eq!(err, "999 is not a Darwin errno number (known: 1..=107)");
    }

    #[test]
    fn signals_without_counterpart_say_so() {
        let mut a = args("SIGEMT", System::Darwin);
        a.signal = true;
        let out = run(&a).unwrap();
        assert!(out.contains("(no counterpart)"), "{out}");
    }
}
