//! Printing results: aligned tables for people; CSV, TSV, JSON and JSON Lines for scripts.
//!
//! Everything that prints rows goes through [`RowPrinter`], a [`RowSink`]: machine formats stream
//! row by row (a `sql` query of millions of rows never sits in memory), the table format collects
//! the rows first because it needs every column's width.
//!
//! N.B. The table aligner is written here rather than taken from a table crate: the tables are
//! plain (a header, a rule, two spaces between columns, numbers right-aligned), and the only hard
//! part, the display width of text such as "Société Générale" or "株式会社", is `unicode-width`.

use std::cell::Cell;
use std::io::{self, Write};
use std::path::PathBuf;

use licstore::{Error, QueryResult, RowSink, Value, ValueRef};
use unicode_width::UnicodeWidthStr;

use crate::args::OutputFormat;

thread_local! {
    /// Set when standard output turned out to be a closed pipe (`licstore ... | head`).
    static STDOUT_CLOSED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a write to standard output failed because the reader went away.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.with(Cell::get)
}

/// Standard output, buffered, remembering a broken pipe so that `main` can exit quietly.
#[derive(Debug)]
pub struct Stdout(io::BufWriter<io::Stdout>);

impl Stdout {
    /// The process's standard output.
    pub fn new() -> Stdout {
        Stdout(io::BufWriter::new(io::stdout()))
    }
}

fn watch<T>(r: io::Result<T>) -> io::Result<T> {
    if let Err(e) = &r {
        if e.kind() == io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.with(|c| c.set(true));
        }
    }
    r
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        watch(self.0.write(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        watch(self.0.flush())
    }
}

/// An I/O error on standard output (or another named output) as a licstore error.
pub fn io_error(path: Option<&std::path::Path>, e: io::Error) -> Error {
    Error::Io {
        path: Some(path.map_or_else(|| PathBuf::from("<stdout>"), PathBuf::from)),
        source: e,
    }
}

/// A table of values with column names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: &[&str]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![],
        }
    }

    /// Prints the table in `format`.
    pub fn print(&self, out: &mut dyn Write, format: OutputFormat) -> licstore::Result<()> {
        let mut p = RowPrinter::new(out, format);
        p.columns(&self.columns, &[])?;
        for r in &self.rows {
            let refs: Vec<ValueRef<'_>> = r.iter().map(Value::as_ref).collect();
            p.row(&refs)?;
        }
        p.finish()
    }
}

impl From<QueryResult> for Table {
    fn from(r: QueryResult) -> Table {
        Table {
            columns: r.columns,
            rows: r.rows,
        }
    }
}

/// A value as text for tables and CSV: NULL is empty, blobs are hex.
pub fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => t.to_string(),
        ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// A value as JSON: NULL is null, numbers are numbers, blobs are hex strings.
pub fn json(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => {
            serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        }
        ValueRef::Text(t) => t.into(),
        ValueRef::Blob(_) => text(v).into(),
    }
}

/// Text for one table cell: control characters (a newline in a value) would break the
/// alignment, so they are shown escaped.
fn cell(v: ValueRef<'_>) -> String {
    let s = text(v);
    if s.chars().any(char::is_control) {
        s.chars().flat_map(char::escape_default).collect()
    } else {
        s
    }
}

enum Out<'a> {
    Raw(&'a mut dyn Write),
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
}

/// Prints rows in one of the output formats; feed it like any [`RowSink`], then call
/// [`RowPrinter::finish`].
pub struct RowPrinter<'a> {
    out: Out<'a>,
    format: OutputFormat,
    names: Vec<String>,
    /// Table format: the cells and whether each column is numeric so far.
    cells: Vec<Vec<String>>,
    numeric: Vec<bool>,
    rows: u64,
}

impl std::fmt::Debug for RowPrinter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowPrinter")
            .field("format", &self.format)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

fn csv_err(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io_error(None, io),
        other => Error::Internal(format!("writing CSV failed: {other:?}")),
    }
}

impl<'a> RowPrinter<'a> {
    /// A printer writing to `out`.
    pub fn new(out: &'a mut dyn Write, format: OutputFormat) -> RowPrinter<'a> {
        let out = match format {
            OutputFormat::Csv | OutputFormat::Tsv => Out::Csv(Box::new(
                csv::WriterBuilder::new()
                    .delimiter(if format == OutputFormat::Tsv {
                        b'\t'
                    } else {
                        b','
                    })
                    .from_writer(out),
            )),
            _ => Out::Raw(out),
        };
        RowPrinter {
            out,
            format,
            names: vec![],
            cells: vec![],
            numeric: vec![],
            rows: 0,
        }
    }

    /// Rows printed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Ends the output (the table is printed now; the JSON array is closed).
    pub fn finish(mut self) -> licstore::Result<()> {
        let io = |e| io_error(None, e);
        match &mut self.out {
            Out::Csv(w) => w.flush().map_err(io),
            Out::Raw(out) => {
                match self.format {
                    OutputFormat::Table => {
                        let mut all = Vec::with_capacity(self.cells.len() + 1);
                        all.push(self.names.clone());
                        all.append(&mut self.cells);
                        write_aligned(*out, &all, &self.numeric, true).map_err(io)?;
                        if self.rows == 0 {
                            writeln!(out, "(no rows)").map_err(io)?;
                        }
                    }
                    OutputFormat::Json => {
                        let end = if self.rows == 0 { "]\n" } else { "\n]\n" };
                        out.write_all(end.as_bytes()).map_err(io)?;
                    }
                    _ => {}
                }
                out.flush().map_err(io)
            }
        }
    }
}

impl RowSink for RowPrinter<'_> {
    fn columns(&mut self, names: &[String], _decl: &[Option<String>]) -> licstore::Result<()> {
        self.names = names.to_vec();
        self.numeric = vec![true; names.len()];
        match &mut self.out {
            Out::Csv(w) => w.write_record(names).map_err(csv_err),
            Out::Raw(out) if self.format == OutputFormat::Json => {
                out.write_all(b"[").map_err(|e| io_error(None, e))
            }
            Out::Raw(_) => Ok(()),
        }
    }

    fn row(&mut self, values: &[ValueRef<'_>]) -> licstore::Result<()> {
        let io = |e| io_error(None, e);
        match &mut self.out {
            Out::Csv(w) => {
                for v in values {
                    w.write_field(text(*v)).map_err(csv_err)?;
                }
                w.write_record(None::<&[u8]>).map_err(csv_err)?;
            }
            Out::Raw(_) if self.format == OutputFormat::Table => {
                for (i, v) in values.iter().enumerate() {
                    if !matches!(v, ValueRef::Null | ValueRef::Integer(_) | ValueRef::Real(_)) {
                        self.numeric[i] = false;
                    }
                }
                self.cells.push(values.iter().map(|v| cell(*v)).collect());
            }
            Out::Raw(out) => {
                let obj: serde_json::Map<String, serde_json::Value> = self
                    .names
                    .iter()
                    .zip(values)
                    .map(|(n, v)| (n.clone(), json(*v)))
                    .collect();
                if self.format == OutputFormat::Json {
                    out.write_all(if self.rows == 0 { b"\n" } else { b",\n" })
                        .map_err(io)?;
                }
                serde_json::to_writer(&mut **out, &obj).map_err(json_err)?;
                if self.format == OutputFormat::Jsonl {
                    out.write_all(b"\n").map_err(io)?;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }
}

/// A JSON serialization error (only I/O can fail for these values).
pub fn json_err(e: serde_json::Error) -> Error {
    match e.io_error_kind() {
        Some(k) => io_error(None, io::Error::from(k)),
        None => Error::Internal(format!("writing JSON failed: {e}")),
    }
}

/// Writes rows as aligned columns separated by two spaces; with `header`, the first row is a
/// header followed by a rule. Numeric columns are right-aligned; trailing spaces are trimmed.
pub fn write_aligned(
    out: &mut dyn Write,
    rows: &[Vec<String>],
    numeric: &[bool],
    header: bool,
) -> io::Result<()> {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; ncols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.width());
        }
    }
    let mut line = String::new();
    for (ri, r) in rows.iter().enumerate() {
        line.clear();
        for (i, c) in r.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i] - c.width();
            let right = numeric.get(i).copied().unwrap_or(false) && !(header && ri == 0);
            if right {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(c);
            } else {
                line.push_str(c);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
        if header && ri == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            writeln!(out, "{}", rule.join("  "))?;
        }
    }
    Ok(())
}
