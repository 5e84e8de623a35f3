//! The store's summaries, as `demo` prints them (and a later `summary` command will).
//!
//! A summary is a list of [`Section`]s, each a title and a table built from the public views.
//! A capability adds its section by writing one `fn(&mut Store) -> Result<Section>` and listing it
//! in [`SECTIONS`]; printing, formats and tests need no change.

use std::io::Write;

use licstore::{Params, Store};

use crate::args::OutputFormat;
use crate::commands::Failure;
use crate::output::{io_error, json, Table};

/// One titled table of a summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// A short key for scripts (`customers`).
    pub key: &'static str,
    /// The heading for people (`Customers`).
    pub title: String,
    /// The rows.
    pub table: Table,
}

/// Builds one section from the store.
pub type SectionFn = fn(&mut Store) -> licstore::Result<Section>;

/// Every section, in the order printed.
pub const SECTIONS: &[SectionFn] = &[customers];

fn customers(store: &mut Store) -> licstore::Result<Section> {
    let r = store.query(
        "SELECT name, tenant_domain, default_usage_location FROM customers ORDER BY name",
        &Params::None,
    )?;
    Ok(Section {
        key: "customers",
        title: format!("Customers ({})", r.rows.len()),
        table: r.into(),
    })
}

/// Builds every section.
pub fn build(store: &mut Store) -> licstore::Result<Vec<Section>> {
    SECTIONS.iter().map(|f| f(store)).collect()
}

/// Prints sections: headed tables for people, or one JSON object `{key: [rows...]}` for scripts.
pub fn print(
    out: &mut dyn Write,
    sections: &[Section],
    format: OutputFormat,
) -> Result<(), Failure> {
    let io = |e| io_error(None, e);
    match format {
        OutputFormat::Table => {
            for (i, s) in sections.iter().enumerate() {
                if i > 0 {
                    writeln!(out).map_err(io)?;
                }
                writeln!(out, "{}", s.title).map_err(io)?;
                writeln!(out, "{}", "=".repeat(s.title.chars().count())).map_err(io)?;
                s.table.print(out, OutputFormat::Table)?;
            }
        }
        OutputFormat::Json => {
            let obj: serde_json::Map<String, serde_json::Value> = sections
                .iter()
                .map(|s| {
                    let rows = s
                        .table
                        .rows
                        .iter()
                        .map(|r| {
                            s.table
                                .columns
                                .iter()
                                .zip(r)
                                .map(|(c, v)| (c.clone(), json(v.as_ref())))
                                .collect::<serde_json::Map<_, _>>()
                                .into()
                        })
                        .collect::<Vec<serde_json::Value>>();
                    (s.key.to_string(), rows.into())
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &obj).map_err(crate::output::json_err)?;
            writeln!(out).map_err(io)?;
        }
        other => {
            return Err(Failure::usage(format!(
                "summaries print as table or json, not {}",
                match other {
                    OutputFormat::Csv => "csv",
                    OutputFormat::Tsv => "tsv",
                    _ => "jsonl",
                }
            ))
            .hint("use `licstore sql` to get one view as csv"))
        }
    }
    Ok(())
}
