//! `licstore report --html FILE`: the HTML audit report (`crate::report`).

use std::io::Write;

use licstore::Value;

use super::customers::{same_file, write_replacing};
use super::{Ctx, Failure};
use crate::args::{OutputFormat, ReportArgs};
use crate::output::{io_error, Table};
use crate::report;

/// Gathers the report from the store and writes it to the file (replaced only when complete) or
/// to standard output; then says what it wrote (unless the report went to standard output).
pub fn run(ctx: &mut Ctx, a: ReportArgs) -> Result<(), Failure> {
    let to_stdout = a.html.as_os_str() == "-";
    if !to_stdout && same_file(&a.html, ctx.db_path()?) {
        return Err(Failure::usage(format!(
            "--html {}: that is the store; name another file",
            a.html.display()
        )));
    }
    let mut store = ctx.open_existing()?;
    let r = report::gather(
        &mut store,
        report::Options {
            days: a.days,
            jobs: a.jobs,
        },
    )?;
    let html = report::render(&r);
    if to_stdout {
        ctx.out
            .write_all(html.as_bytes())
            .map_err(|e| io_error(None, e))?;
        return Ok(());
    }
    write_replacing(&a.html, |w| {
        w.write_all(html.as_bytes())
            .map_err(|e| io_error(Some(&a.html), e).into())
    })?;
    let expiring: u64 = r.expiring.iter().map(|g| g.count).sum();
    match ctx.format_or(OutputFormat::Table) {
        OutputFormat::Table => writeln!(
            ctx.out,
            "Wrote {} ({} KB): {} customer(s), {} SKU(s), {} expiring within {} days, \
             {} license summary line(s), {} MAK key(s), {} job(s).",
            a.html.display(),
            html.len().div_ceil(1024),
            r.customers.len(),
            r.skus.len(),
            expiring,
            a.days,
            r.summary.len(),
            r.maks.len(),
            r.jobs.len()
        )
        .map_err(|e| io_error(None, e))?,
        f => {
            let n = |v: usize| Value::Integer(i64::try_from(v).unwrap_or(i64::MAX));
            Table {
                rows: vec![vec![
                    Value::Text(a.html.display().to_string()),
                    n(html.len()),
                    n(r.customers.len()),
                    n(r.skus.len()),
                    Value::Integer(i64::try_from(expiring).unwrap_or(i64::MAX)),
                    n(r.summary.len()),
                    n(r.maks.len()),
                    n(r.jobs.len()),
                ]],
                ..Table::new(&[
                    "file",
                    "bytes",
                    "customers",
                    "skus",
                    "expiring",
                    "summary_lines",
                    "mak_keys",
                    "jobs",
                ])
            }
            .print(&mut ctx.out, f)?
        }
    }
    Ok(())
}
