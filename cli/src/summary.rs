//! The store's summaries, as `demo` prints them: the customers, the license summary of every
//! customer and the MAK usage of every key (masked). The `summary` command prints the license
//! summary with the same tables ([`license_summary_tables`]).
//!
//! A summary is a list of [`Section`]s, each a title and a table built from the public views.
//! A capability adds its section by writing one `fn(&mut Store) -> Result<Section>` and listing it
//! in [`SECTIONS`]; printing, formats and tests need no change.

use std::io::Write;

use licstore::{KeyType, Params, Store, SummaryLine, SummaryQuery, Value};

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
    /// The rows (the columns scripts get with `--format json`).
    pub table: Table,
    /// The same rows as people read them, when they differ (numbers with marks).
    pub people: Option<Table>,
    /// A line printed under the people's table (what a mark means).
    pub note: Option<String>,
}

/// Builds one section from the store.
pub type SectionFn = fn(&mut Store) -> licstore::Result<Section>;

/// Every section, in the order printed.
pub const SECTIONS: &[SectionFn] = &[customers, sku_usage, license_summary, mak_usage];

fn customers(store: &mut Store) -> licstore::Result<Section> {
    let r = store.query(
        "SELECT name, tenant_domain, default_usage_location FROM customers ORDER BY name",
        &Params::None,
    )?;
    Ok(Section {
        key: "customers",
        title: format!("Customers ({})", r.rows.len()),
        table: r.into(),
        people: None,
        note: None,
    })
}

/// Per-customer SKU usage (online services): units, assigned, available and drift by friendly
/// name; scripts get the columns of the `sku_usage` view.
fn sku_usage(store: &mut Store) -> licstore::Result<Section> {
    let skus = crate::commands::online::all_skus(store, None)?;
    let people = crate::commands::online::sku_people_table(&skus);
    let people = Table {
        // The demo's table for people: the figures of the issue, no status or term.
        columns: [
            "customer",
            "sku",
            "part_number",
            "enabled",
            "assigned",
            "available",
            "drift",
        ]
        .map(String::from)
        .to_vec(),
        rows: people
            .rows
            .into_iter()
            .map(|r| {
                vec![
                    r[0].clone(),
                    r[1].clone(),
                    r[2].clone(),
                    r[4].clone(),
                    r[6].clone(),
                    r[7].clone(),
                    r[8].clone(),
                ]
            })
            .collect(),
    };
    let customers = skus
        .iter()
        .map(|k| k.customer.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Ok(Section {
        key: "sku_usage",
        title: format!("SKU usage ({} SKUs of {customers} customers)", skus.len()),
        table: crate::commands::online::sku_table(&skus),
        people: Some(people),
        note: (!skus.is_empty()).then(|| {
            "available = enabled + warning - assigned; drift = reported consumed - assigned"
                .to_string()
        }),
    })
}

/// The columns of the license summary for scripts: those of the `license_summary` view.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "customer",
    "family",
    "version",
    "pool",
    "effective_quantity",
    "active_sa_quantity",
    "unresolved_quantity",
    "granted_quantity",
    "grant_mark",
    "deployed_quantity",
    "balance",
    "shortfall",
    "surplus",
    "as_of",
];

/// What the `*` of the people's license summary means.
pub const GRANT_NOTE: &str =
    "* includes promotional grants; deployed: MAK activations; shortfall: deployed beyond \
     effective.";

/// The license summary as a table for scripts (the view's columns) and one for people (short
/// headings, `*` after an effective quantity that includes grants), and whether any line has
/// grants.
pub fn license_summary_tables(lines: &[SummaryLine], as_of: &str) -> (Table, Table, bool) {
    let text = |s: &str| Value::Text(s.to_string());
    let int = Value::Integer;
    let machine = Table {
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    text(&l.customer),
                    text(&l.family),
                    text(&l.version),
                    text(l.pool.as_str()),
                    int(l.effective_quantity),
                    int(l.active_sa_quantity),
                    int(l.unresolved_quantity),
                    int(l.granted_quantity),
                    text(if l.has_grants() { "*" } else { "" }),
                    int(l.deployed_quantity),
                    int(l.balance),
                    int(l.shortfall()),
                    int(l.surplus()),
                    text(as_of),
                ]
            })
            .collect(),
        ..Table::new(SUMMARY_COLUMNS)
    };
    // The effective column carries the mark, so it is text: pad the numbers to one width (at
    // least the heading's) so that they still line up on the right, the mark after them.
    let heading = "effective";
    let width = lines
        .iter()
        .map(|l| l.effective_quantity.to_string().len())
        .max()
        .unwrap_or(0)
        .max(heading.len() - 1);
    let people = Table {
        rows: lines
            .iter()
            .map(|l| {
                let mark = if l.has_grants() { '*' } else { ' ' };
                vec![
                    text(&l.customer),
                    text(&l.family),
                    text(&l.version),
                    text(l.pool.as_str()),
                    Value::Text(format!("{:>width$}{mark}", l.effective_quantity)),
                    int(l.active_sa_quantity),
                    int(l.unresolved_quantity),
                    int(l.deployed_quantity),
                    int(l.shortfall()),
                    int(l.surplus()),
                ]
            })
            .collect(),
        ..Table::new(&[
            "customer",
            "family",
            "version",
            "pool",
            heading,
            "active_sa",
            "unresolved",
            "deployed",
            "shortfall",
            "surplus",
        ])
    };
    (machine, people, lines.iter().any(SummaryLine::has_grants))
}

/// The license summary of every customer as of the store's today.
fn license_summary(store: &mut Store) -> licstore::Result<Section> {
    let as_of = store.now().date_naive().to_string();
    let mut lines = vec![];
    for c in store.customers()? {
        lines.extend(store.license_summary(&SummaryQuery::customer(c.name))?);
    }
    let (table, people, grants) = license_summary_tables(&lines, &as_of);
    Ok(Section {
        key: "license_summary",
        title: format!("License summary as of {as_of}"),
        table,
        people: Some(people),
        note: grants.then(|| GRANT_NOTE.to_string()),
    })
}

/// Every MAK: limit, used and available activations; keys masked.
fn mak_usage(store: &mut Store) -> licstore::Result<Section> {
    let keys: Vec<_> = store
        .product_keys(None)?
        .into_iter()
        .filter(|k| k.key_type == KeyType::Mak)
        .collect();
    let opt = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
    Ok(Section {
        key: "mak_usage",
        title: format!("MAK usage ({} keys)", keys.len()),
        table: Table {
            rows: keys
                .iter()
                .map(|k| {
                    vec![
                        Value::Integer(k.id),
                        Value::Text(k.licensing_id.clone()),
                        Value::Text(k.product.clone()),
                        Value::Text(k.masked.clone()),
                        opt(k.activation_limit),
                        Value::Integer(k.activations_used),
                        opt(k.activations_available),
                    ]
                })
                .collect(),
            ..Table::new(&[
                "id",
                "licensing_id",
                "product",
                "key",
                "limit",
                "used",
                "available",
            ])
        },
        people: None,
        note: None,
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
                s.people
                    .as_ref()
                    .unwrap_or(&s.table)
                    .print(out, OutputFormat::Table)?;
                if let Some(note) = &s.note {
                    writeln!(out, "{note}").map_err(io)?;
                }
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
