//! `darling mig`: compile a `.defs` file into Rust, or print its message layouts.

use std::path::PathBuf;

use darling_mig::Builder;
use darling_mig::layout;

/// Arguments of `darling mig`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  darling mig -I include window.defs -o window.rs\n  \
                        darling mig --layout -I include window.defs\n  \
                        darling mig --layout --table fields -DLIBSYSCALL_INTERFACE -I xnu/osfmk mach_port.defs"
)]
pub struct Args {
    /// The interface definition.
    pub file: PathBuf,
    /// Adds an include directory.
    #[arg(short = 'I', value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// Defines a macro (`NAME` or `NAME=VALUE`).
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    pub define: Vec<String>,
    /// Removes a predefined macro.
    #[arg(short = 'U', value_name = "NAME")]
    pub undefine: Vec<String>,
    /// Where the Rust goes (default: standard output).
    #[arg(short = 'o', value_name = "OUT.rs")]
    pub output: Option<PathBuf>,
    /// Print the layout tables instead of code, in the columns of migcom's measurements
    /// (golden.tsv, fields.tsv, subsystems.tsv).
    #[arg(long)]
    pub layout: bool,
    /// With --layout: only this table.
    #[arg(long, value_enum, default_value_t = Table::All, requires = "layout")]
    pub table: Table,
    /// Run the code through rustfmt (`RUSTFMT`, else `rustfmt` on the PATH); without it the
    /// code comes out indented but not otherwise formatted.
    #[arg(long, conflicts_with = "layout")]
    pub rustfmt: bool,
    /// The first column of the layout tables (default: the file's stem).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Which layout table to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    /// All three, each with its header.
    All,
    /// Routines: ids and sizes (golden.tsv).
    Routines,
    /// Every field's offset and size (fields.tsv).
    Fields,
    /// The subsystem: id range and union sizes (subsystems.tsv).
    Subsystem,
}

/// Runs `darling mig`.
pub fn run(args: &Args) -> Result<String, String> {
    let mut mig = Builder::new();
    mig.cargo_metadata(false).rustfmt(args.rustfmt);
    for dir in &args.include {
        mig.include(dir.clone());
    }
    for d in &args.define {
        // `-D X` defines X as 1, as cc's does.
        let (name, value) = d.split_once('=').unwrap_or((d, "1"));
        mig.define(name, value);
    }
    for u in &args.undefine {
        mig.undefine(u);
    }
    if args.layout {
        let iface = mig.load(&args.file).map_err(|e| e.to_string())?;
        let name = args.name.clone().unwrap_or_else(|| {
            args.file
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        });
        return Ok(match args.table {
            Table::All => layout::all_tables(&name, &iface),
            Table::Routines => format!(
                "{}\n{}",
                layout::GOLDEN_HEADER,
                layout::routine_rows(&name, &iface)
            ),
            Table::Fields => format!(
                "{}\n{}",
                layout::FIELDS_HEADER,
                layout::field_rows(&name, &iface)
            ),
            Table::Subsystem => format!(
                "{}\n{}",
                layout::SUBSYSTEMS_HEADER,
                layout::subsystem_row(&name, &iface)
            ),
        });
    }
    match &args.output {
        // Straight to the file as it is generated.
        Some(out) => {
            mig.generate_file(&args.file, out)
                .map_err(|e| e.to_string())?;
            Ok(String::new())
        }
        None => mig.generate(&args.file).map_err(|e| e.to_string()),
    }
}
