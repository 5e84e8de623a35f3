//! File formats: one module per format, and the machinery they share.
//!
//! Imports stream: a record is read, validated and applied inside one transaction, and only the
//! id maps an entity needs stay in memory. Errors carry the file name, the 1-based line, the
//! column name and the value. By default an import is all-or-nothing: every row is checked, every
//! rejected row is reported (the first [`CsvErrors::MAX_KEPT`] kept, all counted), and the
//! transaction is rolled back if any row was rejected. [`ImportMode::SkipInvalid`] applies the good
//! rows and reports (and can write) the rejected ones.
//!
//! Exports go through the public views and the read-only channel, so what a user can export is
//! exactly what a user can query.

pub mod assignments;
pub mod customers;
pub mod entity;
pub mod graph_skus;
pub mod m365_users;
pub mod ms_catalog;
pub(crate) mod online_entities;
pub mod vlsc_keys;
pub(crate) mod volume_entities;

use std::io::{Read, Write};
use std::ops::ControlFlow;

use serde::Serialize;

use crate::error::{CsvErrors, Error, Result, RowError};
use crate::query::{Params, QueryOptions, RowSink, ValueRef};
use crate::store::{Store, WriteCtx};

/// What an import does with rejected rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Any rejected row rejects the whole file; the store is unchanged.
    #[default]
    AllOrNothing,
    /// Apply the valid rows; report the rejected ones.
    SkipInvalid,
}

/// Progress of a long import, reported every [`PROGRESS_EVERY`] rows and once at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows read so far.
    pub rows: u64,
    /// Bytes read so far.
    pub bytes: u64,
    /// The input's size, when known ([`ImportOptions::total_bytes`]): `bytes / total_bytes` is
    /// the fraction done.
    pub total_bytes: Option<u64>,
}

/// How many rows an import reads between two progress calls.
pub const PROGRESS_EVERY: u64 = 4096;

/// Options of an import.
pub struct ImportOptions<'a> {
    /// The name errors give for the input (a path, or `<stdin>`).
    pub file_name: String,
    /// All-or-nothing (default) or skip-invalid.
    pub mode: ImportMode,
    /// Field delimiter: `b','` (CSV, default) or `b'\t'` (TSV).
    pub delimiter: u8,
    /// Where rejected rows go, as CSV (their original fields plus `error_line`, `error_column`,
    /// `error_reason`), ready to be fixed and imported again.
    pub rejects: Option<&'a mut dyn Write>,
    /// Called with progress every [`PROGRESS_EVERY`] rows and at the end. Returning
    /// `ControlFlow::Break(())` cancels the import: it fails with [`Error::Interrupted`] and the
    /// store is unchanged (how Ctrl-C reaches an import from the CLI, Python or C).
    pub progress: Option<&'a mut dyn FnMut(Progress) -> ControlFlow<()>>,
    /// The input's size in bytes, when known (a file's length), passed on in [`Progress`].
    pub total_bytes: Option<u64>,
}

impl std::fmt::Debug for ImportOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("file_name", &self.file_name)
            .field("mode", &self.mode)
            .field("delimiter", &(self.delimiter as char))
            .field("total_bytes", &self.total_bytes)
            .finish_non_exhaustive()
    }
}

impl<'a> ImportOptions<'a> {
    /// Defaults for a file name: CSV, all-or-nothing, no rejects file, no progress.
    pub fn new(file_name: impl Into<String>) -> ImportOptions<'a> {
        ImportOptions {
            file_name: file_name.into(),
            mode: ImportMode::AllOrNothing,
            delimiter: b',',
            rejects: None,
            progress: None,
            total_bytes: None,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: u64,
    /// New entities.
    pub inserted: u64,
    /// Existing entities changed.
    pub updated: u64,
    /// Rows equal to what the store holds.
    pub unchanged: u64,
    /// Rows rejected (only in skip-invalid mode; in all-or-nothing mode a rejection is an error).
    pub rejected: u64,
    /// The first rejected rows.
    pub errors: Vec<RowError>,
}

/// One column of a canonical format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub required: bool,
}

/// A header matched against a format's columns, by name.
#[derive(Debug)]
pub(crate) struct Header {
    /// For each format column, the position of its field in a record.
    pub pos: Vec<Option<usize>>,
    /// The header's own names (for the rejects file).
    pub names: Vec<String>,
    /// Positions of the error columns of a rejects file being imported again (ignored).
    pub ignored: Vec<usize>,
}

/// The columns a rejects file adds to the file's own; an import ignores them, so a fixed rejects
/// file imports as it is.
pub(crate) const REJECT_COLUMNS: [&str; 3] = ["error_line", "error_column", "error_reason"];

/// Streams the records of a delimited file, decoding UTF-8 per field with line-accurate errors.
pub(crate) struct Records<R: Read> {
    rdr: csv::Reader<R>,
    file: String,
    record: csv::ByteRecord,
    width: usize,
    scratch: Vec<u8>,
}

impl<R: Read> Records<R> {
    /// Reads and checks the header: every required column present, no unknown or duplicate names;
    /// a UTF-8 BOM is skipped and trailing empty header cells are ignored.
    pub fn open(
        input: R,
        file: &str,
        delimiter: u8,
        columns: &[Column],
    ) -> Result<(Records<R>, Header)> {
        // Records end at LF; a CR before it is removed from the record's last field by `next`.
        // (With the csv crate's CRLF terminator, a record's line is one too low after a CRLF.)
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut rec = csv::ByteRecord::new();
        let herr = |col: Option<String>, value: Option<String>, reason: String| {
            Error::csv(RowError {
                file: file.to_string(),
                line: 1,
                column: col,
                value,
                reason,
            })
        };
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => {
                return Err(herr(
                    None,
                    None,
                    "the file is empty: a header line is required".into(),
                ))
            }
            Err(e) => return Err(csv_read_error(file, e)),
        }
        let mut names = Vec::with_capacity(rec.len());
        for (i, raw) in rec.iter().enumerate() {
            let raw = if i == 0 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            let s = std::str::from_utf8(raw).map_err(|_| {
                herr(
                    None,
                    Some(String::from_utf8_lossy(raw).into_owned()),
                    "the header is not valid UTF-8".into(),
                )
            })?;
            names.push(s.trim_matches(|c: char| c.is_whitespace()).to_string());
        }
        while names.last().is_some_and(String::is_empty) {
            names.pop();
        }
        let mut pos = vec![None; columns.len()];
        let mut ignored = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() {
                return Err(herr(
                    None,
                    Some(String::new()),
                    format!("header field {} is empty", i + 1),
                ));
            }
            if REJECT_COLUMNS.iter().any(|r| r.eq_ignore_ascii_case(n)) {
                // A rejects file imported again after fixing: its error columns are ignored.
                ignored.push(i);
                continue;
            }
            let Some(ci) = columns.iter().position(|c| c.name.eq_ignore_ascii_case(n)) else {
                let known: Vec<&str> = columns.iter().map(|c| c.name).collect();
                return Err(herr(
                    Some(n.clone()),
                    None,
                    format!("unknown column; the columns are: {}", known.join(", ")),
                ));
            };
            if pos[ci].is_some() {
                return Err(herr(Some(n.clone()), None, "duplicate column".into()));
            }
            pos[ci] = Some(i);
        }
        let missing: Vec<&str> = columns
            .iter()
            .zip(&pos)
            .filter(|(c, p)| c.required && p.is_none())
            .map(|(c, _)| c.name)
            .collect();
        if !missing.is_empty() {
            return Err(herr(
                None,
                None,
                format!("missing required column(s): {}", missing.join(", ")),
            ));
        }
        let width = names.len();
        Ok((
            Records {
                rdr,
                file: file.to_string(),
                record: csv::ByteRecord::new(),
                width,
                scratch: Vec::new(),
            },
            Header {
                pos,
                names,
                ignored,
            },
        ))
    }

    /// The next record, or `None` at the end. A malformed record (too many fields, broken quoting)
    /// is an `Err` row error; the caller decides whether it stops the import.
    pub fn next(&mut self) -> Result<Option<std::result::Result<Record<'_>, RowError>>> {
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                if self.record.as_slice().last() == Some(&b'\r') {
                    strip_cr(&mut self.record, &mut self.scratch);
                }
                if self.record.len() > self.width
                    && self.record.iter().skip(self.width).any(|f| !f.is_empty())
                {
                    return Ok(Some(Err(RowError {
                        file: self.file.clone(),
                        line,
                        column: None,
                        value: None,
                        reason: format!(
                            "too many fields: {} where the header has {}",
                            self.record.len(),
                            self.width
                        ),
                    })));
                }
                Ok(Some(Ok(Record {
                    rec: &self.record,
                    file: &self.file,
                    line,
                })))
            }
            Err(e) => Err(csv_read_error(&self.file, e)),
        }
    }

    /// The fields of the record last read, lossily decoded (for the rejects file, when the
    /// record itself was malformed).
    pub fn current_fields(&self) -> Vec<String> {
        self.record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    /// Bytes consumed so far.
    pub fn bytes(&self) -> u64 {
        self.rdr.position().byte()
    }
}

/// Removes the CR of a CRLF line end from a record's last field.
fn strip_cr(rec: &mut csv::ByteRecord, scratch: &mut Vec<u8>) {
    let n = rec.len();
    let pos = rec.position().cloned();
    scratch.clear();
    scratch.extend_from_slice(&rec[n - 1][..rec[n - 1].len() - 1]);
    rec.truncate(n - 1);
    rec.push_field(scratch);
    if let Some(p) = pos {
        rec.set_position(Some(p));
    }
}

fn csv_read_error(file: &str, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io {
            path: Some(file.into()),
            source: io,
        },
        other => Error::csv(RowError {
            file: file.into(),
            line,
            column: None,
            value: None,
            reason: format!("malformed record: {other:?}"),
        }),
    }
}

/// One record of a delimited file.
pub(crate) struct Record<'a> {
    rec: &'a csv::ByteRecord,
    file: &'a str,
    /// 1-based line where the record starts.
    pub line: u64,
}

impl Record<'_> {
    /// A row error for this record.
    pub fn error(
        &self,
        column: Option<&str>,
        value: Option<&str>,
        reason: impl Into<String>,
    ) -> RowError {
        RowError {
            file: self.file.to_string(),
            line: self.line,
            column: column.map(String::from),
            value: value.map(String::from),
            reason: reason.into(),
        }
    }

    /// The field of format column `ci` (trimmed), or `None` when the column is absent or blank.
    pub fn get(
        &self,
        header: &Header,
        columns: &[Column],
        ci: usize,
    ) -> std::result::Result<Option<&str>, RowError> {
        let Some(pos) = header.pos[ci] else {
            return Ok(None);
        };
        let raw = self.rec.get(pos).unwrap_or(b"");
        let s = std::str::from_utf8(raw).map_err(|e| {
            self.error(
                Some(columns[ci].name),
                Some(&String::from_utf8_lossy(raw)),
                format!("not valid UTF-8 (at byte {})", e.valid_up_to()),
            )
        })?;
        let s = s.trim_matches(|c: char| c.is_whitespace());
        Ok(if s.is_empty() { None } else { Some(s) })
    }

    /// Like [`Record::get`] but a missing value is an error.
    pub fn require(
        &self,
        header: &Header,
        columns: &[Column],
        ci: usize,
    ) -> std::result::Result<&str, RowError> {
        self.get(header, columns, ci)?
            .ok_or_else(|| self.error(Some(columns[ci].name), Some(""), "a value is required"))
    }

    /// The raw fields, lossily decoded (for the rejects file).
    pub fn fields(&self) -> Vec<String> {
        self.rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }
}

/// Turns a domain error about one field into a row error naming the CSV column.
pub(crate) fn row_error(rec: &Record<'_>, column: &str, e: Error) -> RowError {
    match e {
        Error::InvalidArgument { value, reason, .. } => {
            rec.error(Some(column), Some(&value), reason)
        }
        other => rec.error(Some(column), None, other.to_string()),
    }
}

/// Collects rejected rows: keeps the first few, counts all, optionally writes them as CSV.
pub(crate) struct Rejects<'a> {
    pub errors: Vec<RowError>,
    pub count: u64,
    writer: Option<csv::Writer<&'a mut dyn Write>>,
    header_written: bool,
}

impl<'a> Rejects<'a> {
    pub fn new(out: Option<&'a mut dyn Write>) -> Rejects<'a> {
        Rejects {
            errors: Vec::new(),
            count: 0,
            writer: out.map(csv::Writer::from_writer),
            header_written: false,
        }
    }

    pub fn add(&mut self, header: &Header, fields: Vec<String>, err: RowError) -> Result<()> {
        if let Some(w) = &mut self.writer {
            let io = |e: csv::Error| Error::Io {
                path: None,
                source: std::io::Error::other(e.to_string()),
            };
            let keep = |i: &usize| !header.ignored.contains(i);
            if !self.header_written {
                let mut h: Vec<String> = (0..header.names.len())
                    .filter(keep)
                    .map(|i| header.names[i].clone())
                    .collect();
                h.extend(REJECT_COLUMNS.map(String::from));
                w.write_record(&h).map_err(io)?;
                self.header_written = true;
            }
            let mut fields = fields;
            fields.resize(header.names.len(), String::new());
            let mut f: Vec<String> = fields
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep(i))
                .map(|(_, v)| v)
                .collect();
            f.push(err.line.to_string());
            f.push(err.column.clone().unwrap_or_default());
            f.push(match &err.value {
                Some(v) => format!("{} (value {v:?})", err.reason),
                None => err.reason.clone(),
            });
            w.write_record(&f).map_err(io)?;
        }
        self.count += 1;
        if self.errors.len() < CsvErrors::MAX_KEPT {
            self.errors.push(err);
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<(Vec<RowError>, u64)> {
        if let Some(w) = &mut self.writer {
            w.flush().map_err(|e| Error::Io {
                path: None,
                source: e,
            })?;
        }
        Ok((self.errors, self.count))
    }
}

/// Ends an import: in all-or-nothing mode any rejected row is an error (and the caller's
/// transaction rolls back); otherwise the rejections go into the report.
pub(crate) fn conclude(
    mode: ImportMode,
    rejects: Rejects<'_>,
    mut report: ImportReport,
) -> Result<ImportReport> {
    let (errors, count) = rejects.finish()?;
    if count > 0 && mode == ImportMode::AllOrNothing {
        return Err(Error::Csv(Box::new(CsvErrors {
            errors,
            rejected: count,
        })));
    }
    report.rejected = count;
    report.errors = errors;
    Ok(report)
}

/// What one imported row did to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowOutcome {
    /// A new entity.
    Inserted,
    /// An existing entity changed.
    Updated,
    /// The row equals what the store holds.
    Unchanged,
}

/// Why a row was not applied: the row is bad (reported, the import goes on), or the store failed
/// (the import stops and rolls back).
#[derive(Debug)]
pub(crate) enum RowFail {
    /// A rejected row.
    Reject(RowError),
    /// An error that is not about the row (I/O, SQLite, an interrupted transaction).
    Fatal(Error),
}

impl From<RowError> for RowFail {
    fn from(e: RowError) -> RowFail {
        RowFail::Reject(e)
    }
}

impl From<Error> for RowFail {
    fn from(e: Error) -> RowFail {
        RowFail::Fatal(e)
    }
}

impl From<rusqlite::Error> for RowFail {
    fn from(e: rusqlite::Error) -> RowFail {
        RowFail::Fatal(e.into())
    }
}

/// What a row handler returns.
pub(crate) type RowResult = std::result::Result<RowOutcome, RowFail>;

/// Rewrites a rejected row's fields and error before they are reported (e.g. to mask secrets).
pub(crate) type Redact<'r> = &'r dyn Fn(&Header, &mut Vec<String>, &mut RowError);

/// Runs an import: one IMMEDIATE transaction, each record handed to `row`, rejected rows
/// collected (and written to the rejects file), progress reported every [`PROGRESS_EVERY`] rows
/// and at the end (a `Break` from the callback stops the import with [`Error::Interrupted`]), and
/// the end decided by the mode: in all-or-nothing mode any rejected row rolls everything back.
/// Every canonical import goes through here (or [`run_import_with`]), so no import writes its
/// own loop.
pub(crate) fn run_import<R: Read>(
    store: &mut Store,
    records: Records<R>,
    header: Header,
    opts: ImportOptions<'_>,
    redact: Option<Redact<'_>>,
    mut row: impl FnMut(&WriteCtx<'_>, &Header, &Record<'_>) -> RowResult,
) -> Result<ImportReport> {
    run_import_with(store, records, header, opts, redact, |ctx, run| {
        run.rows(|header, rec| row(ctx, header, rec))
    })
}

/// Like [`run_import`], for an import that needs state built inside the transaction (prepared
/// statements, id maps) or work after the last row (deferred checks, batched writes): `body`
/// gets the transaction and the run, calls [`ImportRun::rows`] once with its row handler, and may
/// then adjust the report and the rejects before the run concludes (final progress report, mode).
pub(crate) fn run_import_with<R: Read>(
    store: &mut Store,
    records: Records<R>,
    header: Header,
    mut opts: ImportOptions<'_>,
    redact: Option<Redact<'_>>,
    body: impl FnOnce(&WriteCtx<'_>, &mut ImportRun<'_, '_, R>) -> Result<()>,
) -> Result<ImportReport> {
    let mode = opts.mode;
    let total_bytes = opts.total_bytes;
    let rejects_out = opts.rejects.take();
    let progress = opts.progress.take();
    store.write(|ctx| {
        let mut run = ImportRun {
            records,
            header,
            report: ImportReport::default(),
            rejects: Rejects::new(rejects_out),
            progress,
            total_bytes,
            redact,
        };
        body(ctx, &mut run)?;
        let (rows, bytes) = (run.report.rows, run.records.bytes());
        run.tell(rows, bytes)?;
        conclude(mode, run.rejects, run.report)
    })
}

/// One import in progress (see [`run_import_with`]).
pub(crate) struct ImportRun<'o, 'r, R: Read> {
    records: Records<R>,
    /// The file's header.
    pub header: Header,
    /// The counts so far.
    pub report: ImportReport,
    /// The rejected rows so far.
    pub rejects: Rejects<'o>,
    progress: Option<&'o mut dyn FnMut(Progress) -> ControlFlow<()>>,
    total_bytes: Option<u64>,
    redact: Option<Redact<'r>>,
}

impl<R: Read> ImportRun<'_, '_, R> {
    fn tell(&mut self, rows: u64, bytes: u64) -> Result<()> {
        if let Some(p) = self.progress.as_mut() {
            if p(Progress {
                rows,
                bytes,
                total_bytes: self.total_bytes,
            })
            .is_break()
            {
                return Err(Error::Interrupted(format!(
                    "import interrupted after {rows} rows; nothing was written"
                )));
            }
        }
        Ok(())
    }

    /// Reads every record, hands each to `row` and counts what it did; rejected rows (malformed
    /// records included) go to the rejects, a fatal error stops the import.
    pub fn rows(&mut self, mut row: impl FnMut(&Header, &Record<'_>) -> RowResult) -> Result<()> {
        while let Some(next) = self.records.next()? {
            self.report.rows += 1;
            let failed = match next {
                Err(e) => Some((None, e)),
                Ok(rec) => match row(&self.header, &rec) {
                    Ok(RowOutcome::Inserted) => {
                        self.report.inserted += 1;
                        None
                    }
                    Ok(RowOutcome::Updated) => {
                        self.report.updated += 1;
                        None
                    }
                    Ok(RowOutcome::Unchanged) => {
                        self.report.unchanged += 1;
                        None
                    }
                    Err(RowFail::Reject(e)) => Some((Some(rec.fields()), e)),
                    Err(RowFail::Fatal(e)) => return Err(e),
                },
            };
            if let Some((fields, mut e)) = failed {
                let mut fields = fields.unwrap_or_else(|| self.records.current_fields());
                if let Some(r) = self.redact {
                    r(&self.header, &mut fields, &mut e);
                }
                self.rejects.add(&self.header, fields, e)?;
            }
            if self.report.rows.is_multiple_of(PROGRESS_EVERY) {
                let (rows, bytes) = (self.report.rows, self.records.bytes());
                self.tell(rows, bytes)?;
            }
        }
        Ok(())
    }
}

/// Parses an optional count (a whole number, zero or more) of a record; `None` when blank.
pub(crate) fn get_count(
    rec: &Record<'_>,
    header: &Header,
    columns: &[Column],
    ci: usize,
) -> std::result::Result<Option<i64>, RowError> {
    let Some(v) = rec.get(header, columns, ci)? else {
        return Ok(None);
    };
    match v.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(Some(n)),
        Ok(_) => Err(rec.error(Some(columns[ci].name), Some(v), "must not be negative")),
        Err(_) => Err(rec.error(
            Some(columns[ci].name),
            Some(v),
            "must be a whole number such as 25",
        )),
    }
}

/// Turns a domain error about one field into a rejected row naming the CSV column; errors that
/// are not about the row (SQLite, I/O, a busy store, an interruption) stop the import instead.
pub(crate) fn fail(rec: &Record<'_>, column: &str, e: Error) -> RowFail {
    match e {
        Error::Database(_) | Error::Io { .. } | Error::Busy(_) | Error::Interrupted(_) => {
            RowFail::Fatal(e)
        }
        other => RowFail::Reject(row_error(rec, column, other)),
    }
}

/// An output format for exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// RFC 4180 CSV with a header line.
    #[default]
    Csv,
    /// Tab-separated, with a header line.
    Tsv,
    /// One JSON object per line.
    JsonLines,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "jsonl" | "jsonlines" | "ndjson" => Ok(Format::JsonLines),
            _ => Err(Error::invalid("format", s, "must be csv, tsv or jsonl")),
        }
    }
}

/// Writes rows in a [`Format`]; a [`RowSink`] so any query streams straight to a file.
pub struct TableWriter<W: Write> {
    format: Format,
    csv: Option<csv::Writer<W>>,
    raw: Option<W>,
    names: Vec<String>,
    rows: u64,
    buf: String,
}

impl<W: Write> std::fmt::Debug for TableWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("format", &self.format)
            .field("rows", &self.rows)
            .finish()
    }
}

fn io_err(e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: None,
        source: std::io::Error::other(e.to_string()),
    }
}

impl<W: Write> TableWriter<W> {
    /// A writer of `format` into `out`.
    pub fn new(out: W, format: Format) -> TableWriter<W> {
        match format {
            Format::Csv | Format::Tsv => {
                let delim = if format == Format::Tsv { b'\t' } else { b',' };
                let w = csv::WriterBuilder::new().delimiter(delim).from_writer(out);
                TableWriter {
                    format,
                    csv: Some(w),
                    raw: None,
                    names: vec![],
                    rows: 0,
                    buf: String::new(),
                }
            }
            Format::JsonLines => TableWriter {
                format,
                csv: None,
                raw: Some(out),
                names: vec![],
                rows: 0,
                buf: String::new(),
            },
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> Result<W> {
        match (self.csv, self.raw) {
            (Some(w), _) => w.into_inner().map_err(|e| io_err(e.error())),
            (None, Some(mut w)) => {
                w.flush().map_err(io_err)?;
                Ok(w)
            }
            (None, None) => unreachable!("a TableWriter has one of its writers"),
        }
    }
}

impl<W: Write> RowSink for TableWriter<W> {
    fn columns(&mut self, names: &[String], _decl: &[Option<String>]) -> Result<()> {
        self.names = names.to_vec();
        if let Some(w) = &mut self.csv {
            w.write_record(names).map_err(io_err)?;
        }
        Ok(())
    }

    fn row(&mut self, values: &[ValueRef<'_>]) -> Result<()> {
        use std::fmt::Write as _;
        self.rows += 1;
        if let Some(w) = &mut self.csv {
            for v in values {
                match v {
                    ValueRef::Null => w.write_field(b""),
                    ValueRef::Integer(i) => w.write_field(itoa_buf(*i, &mut self.buf)),
                    ValueRef::Real(f) => {
                        self.buf.clear();
                        let _ = write!(self.buf, "{f}");
                        w.write_field(self.buf.as_bytes())
                    }
                    ValueRef::Text(t) => w.write_field(t.as_bytes()),
                    ValueRef::Blob(b) => w.write_field(hex(b).as_bytes()),
                }
                .map_err(io_err)?;
            }
            w.write_record(None::<&[u8]>).map_err(io_err)?;
        } else if let Some(w) = &mut self.raw {
            let mut obj = serde_json::Map::with_capacity(values.len());
            for (n, v) in self.names.iter().zip(values) {
                let j = match v {
                    ValueRef::Null => serde_json::Value::Null,
                    ValueRef::Integer(i) => (*i).into(),
                    ValueRef::Real(f) => {
                        serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
                    }
                    ValueRef::Text(t) => (*t).into(),
                    ValueRef::Blob(b) => hex(b).into(),
                };
                obj.insert(n.clone(), j);
            }
            serde_json::to_writer(&mut *w, &obj).map_err(io_err)?;
            w.write_all(b"\n").map_err(io_err)?;
        }
        Ok(())
    }
}

fn itoa_buf(i: i64, buf: &mut String) -> &[u8] {
    use std::fmt::Write as _;
    buf.clear();
    let _ = write!(buf, "{i}");
    buf.as_bytes()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Store {
    /// Streams a query's result (over the public views) to `out` in `format`; returns the row count.
    pub fn export_query(
        &mut self,
        sql: &str,
        params: &Params,
        format: Format,
        out: &mut dyn Write,
    ) -> Result<u64> {
        let mut w = TableWriter::new(out, format);
        self.query_stream(
            sql,
            params,
            QueryOptions {
                timeout: None,
                max_rows: u64::MAX,
            },
            &mut w,
        )?;
        let n = w.rows();
        w.finish()?;
        Ok(n)
    }

    /// Exports a whole public view.
    pub fn export_view(&mut self, view: &str, format: Format, out: &mut dyn Write) -> Result<u64> {
        if !self.views()?.iter().any(|v| v == view) {
            return Err(Error::not_found("view", view));
        }
        self.export_query(
            &format!("SELECT * FROM \"{view}\""),
            &Params::None,
            format,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[Column] = &[
        Column {
            name: "a",
            required: true,
        },
        Column {
            name: "b",
            required: false,
        },
    ];

    /// (line, a, b) of a record, or a row error's line and reason.
    type Outcome = std::result::Result<(u64, String, String), (u64, String)>;

    /// What [`Records`] makes of every record of `input`.
    fn read(input: &[u8]) -> Result<Vec<Outcome>> {
        let (mut records, header) = Records::open(input, "t.csv", b',', SPEC)?;
        let mut out = Vec::new();
        while let Some(next) = records.next()? {
            out.push(match next {
                Ok(r) => Ok((
                    r.line,
                    r.get(&header, SPEC, 0).unwrap().unwrap_or("").to_string(),
                    r.fields().get(1).cloned().unwrap_or_default(),
                )),
                Err(e) => Err((e.line, e.reason)),
            });
        }
        Ok(out)
    }

    #[test]
    fn lines_are_counted_the_same_with_lf_crlf_and_quoted_line_breaks() -> Result<()> {
        let want = |b2: &str| {
            vec![
                Ok((2, "x".to_string(), "1".to_string())),
                Ok((3, "y".to_string(), b2.to_string())),
                Ok((5, "z".to_string(), "3".to_string())),
            ]
        };
        assert_eq!(
            read(b"a,b\nx,1\ny,\"two\nlines\"\nz,3\n")?,
            want("two\nlines")
        );
        // CRLF: the record's line is right and the CR is not part of the last field.
        assert_eq!(
            read(b"\xEF\xBB\xBFa,b\r\nx,1\r\ny,\"two\r\nlines\"\r\nz,3\r\n")?,
            want("two\r\nlines")
        );
        // Mixed line ends, no final line end.
        assert_eq!(
            read(b"a,b\r\nx,1\ny,\"two\nlines\"\r\nz,3")?,
            want("two\nlines")
        );
        // Trailing empty fields (CRLF too) are not "too many fields"; a real extra one is.
        assert_eq!(
            read(b"a,b,\r\nx,1,\r\nq,2,3\r\n")?,
            vec![
                Ok((2, "x".to_string(), "1".to_string())),
                Err((3, "too many fields: 3 where the header has 2".to_string()))
            ]
        );
        Ok(())
    }

    #[test]
    fn a_rejects_files_error_columns_are_ignored_and_not_repeated() -> Result<()> {
        let input = b"a,b,error_line,error_column,error_reason\nx,1,2,b,bad\n";
        let (_, header) = Records::open(&input[..], "r.csv", b',', SPEC)?;
        assert_eq!(header.pos, vec![Some(0), Some(1)]);
        assert_eq!(header.ignored, vec![2, 3, 4]);
        let mut out = Vec::new();
        let mut rejects = Rejects::new(Some(&mut out));
        let err = RowError {
            file: "r.csv".into(),
            line: 2,
            column: Some("b".into()),
            value: Some("1".into()),
            reason: "still bad".into(),
        };
        rejects.add(
            &header,
            vec!["x".into(), "1".into(), "2".into(), "b".into(), "bad".into()],
            err,
        )?;
        rejects.finish()?;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b,error_line,error_column,error_reason\nx,1,2,b,\"still bad (value \"\"1\"\")\"\n"
        );
        Ok(())
    }
}
