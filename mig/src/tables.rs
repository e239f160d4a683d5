//! Layout tables: an interface's ids, sizes and field offsets in the tab-separated columns
//! of the migcom measurements (`golden.tsv`, `fields.tsv`, `subsystems.tsv`), so that a
//! layout can be compared with migcom's line by line.

use std::fmt::Write;

use crate::ast::RoutineKind;
use crate::interface::Interface;

/// Header line of the routine table.
pub const GOLDEN_HEADER: &str = "defs\troutine\tkind\tmsgh_id_request\tmsgh_id_reply\trequest_size\treply_size\trequest_min_size\treply_min_size";
/// Header line of the field table.
pub const FIELDS_HEADER: &str = "defs\troutine\tdirection\tfield\toffset\tsize";
/// Header line of the subsystem table.
pub const SUBSYSTEMS_HEADER: &str =
    "defs\tsubsystem\tstart\tend\trequest_union_size\treply_union_size";

/// One line per routine (no header): ids, sizes and smallest sizes. `defs` fills the
/// first column.
pub fn routine_rows(defs: &str, iface: &Interface) -> String {
    let mut out = String::new();
    for r in iface.routines() {
        let id = r.request_id(iface.base);
        let (kind, reply_id) = match r.routine.kind {
            RoutineKind::Routine => ("Routine", (id + 100).to_string()),
            RoutineKind::SimpleRoutine => ("SimpleRoutine", "-".to_string()),
        };
        let _ = writeln!(
            out,
            "{defs}\t{}\t{kind}\t{id}\t{reply_id}\t{}\t{}\t{}\t{}",
            r.routine.name, r.request.size, r.reply.size, r.request.min_size, r.reply.min_size
        );
    }
    out
}

/// One line per field of every request and reply (no header).
pub fn field_rows(defs: &str, iface: &Interface) -> String {
    let mut out = String::new();
    for r in iface.routines() {
        for (direction, layout) in [("request", &r.request), ("reply", &r.reply)] {
            for f in &layout.fields {
                let _ = writeln!(
                    out,
                    "{defs}\t{}\t{direction}\t{}\t{}\t{}",
                    r.routine.name, f.name, f.offset, f.size
                );
            }
        }
    }
    out
}

/// The subsystem's line (no header): id range and the sizes of the request and reply
/// unions.
pub fn subsystem_row(defs: &str, iface: &Interface) -> String {
    format!(
        "{defs}\t{}\t{}\t{}\t{}\t{}\n",
        iface.subsystem_symbol(),
        iface.base,
        iface.end(),
        iface.max_request_size(),
        iface.max_reply_size()
    )
}

/// All three tables, each with its header line, separated by blank lines.
pub fn all_tables(defs: &str, iface: &Interface) -> String {
    format!(
        "{GOLDEN_HEADER}\n{}\n{FIELDS_HEADER}\n{}\n{SUBSYSTEMS_HEADER}\n{}",
        routine_rows(defs, iface),
        field_rows(defs, iface),
        subsystem_row(defs, iface)
    )
}
