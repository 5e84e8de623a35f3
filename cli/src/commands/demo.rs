//! `licstore demo`: a store full of deterministic sample data, and its summaries.

use std::io::Write;

use licstore::{ErrorCode, Params, Value};

use super::{Ctx, Failure};
use crate::args::{DemoArgs, OutputFormat};
use crate::exit::exit_code;
use crate::output::io_error;
use crate::summary;

/// Creates the store if needed, refuses one that holds anything, builds the demo data and prints
/// the summaries.
pub fn run(ctx: &mut Ctx, a: DemoArgs) -> Result<(), Failure> {
    let format = ctx.format_or(OutputFormat::Table);
    if !matches!(format, OutputFormat::Table | OutputFormat::Json) {
        // Checked before the store is touched.
        return summary::print(&mut ctx.out, &[], format);
    }
    let path = ctx.db_path()?.to_path_buf();
    let mut store = ctx.open_or_create()?;
    // Every change since the first one is in the audit log, so an empty log is an empty store.
    let r = store.query("SELECT count(*) FROM audit_log", &Params::None)?;
    if let Some(Value::Integer(n)) = r.rows.first().and_then(|r| r.first()) {
        if *n > 0 {
            return Err(Failure {
                exit: exit_code(ErrorCode::InvalidState),
                message: format!(
                    "{}: the store is not empty ({n} changes in its audit log); demo fills only a new or empty store",
                    path.display()
                ),
                details: vec![],
            });
        }
    }
    licstore::demo::build(&mut store, a.seed)?;
    let sections = summary::build(&mut store)?;
    if format == OutputFormat::Table {
        writeln!(
            ctx.out,
            "Created {} with the demo data (seed {}).\n",
            path.display(),
            a.seed
        )
        .map_err(|e| io_error(None, e))?;
    }
    summary::print(&mut ctx.out, &sections, format)
}
