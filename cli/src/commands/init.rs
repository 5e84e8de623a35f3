//! `licstore init`: create a new store.

use std::io::Write;

use licstore::{ErrorCode, Value};

use super::{Ctx, Failure};
use crate::args::OutputFormat;
use crate::exit::exit_code;
use crate::output::{io_error, Table};

/// Creates the store at `--db`. An existing non-empty file is refused and left untouched: `init`
/// never upgrades, adopts or overwrites a file (an empty file is taken as a new store).
pub fn run(ctx: &mut Ctx) -> Result<(), Failure> {
    let path = ctx.db_path()?.to_path_buf();
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > 0 || m.is_dir() => {
            return Err(Failure {
                exit: exit_code(ErrorCode::AlreadyExists),
                message: format!(
                    "{}: already exists; init only creates new stores (the file was not touched)",
                    path.display()
                ),
                details: vec![],
            })
        }
        _ => {}
    }
    let store = ctx.open_or_create()?;
    let version = store.schema_version()?;
    drop(store);
    match ctx.format_or(OutputFormat::Table) {
        OutputFormat::Table => writeln!(
            ctx.out,
            "Created {} (schema version {version}).",
            path.display()
        )
        .map_err(|e| io_error(None, e))?,
        f => Table {
            columns: vec!["db".into(), "schema_version".into()],
            rows: vec![vec![
                Value::Text(path.display().to_string()),
                Value::Integer(version),
            ]],
        }
        .print(&mut ctx.out, f)?,
    }
    Ok(())
}
