//! `licstore customers ...`: the customers of the store (DOMAIN.md section 1).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use licstore::{
    Customer, CustomerUpdate, Error, ErrorCode, Format, ImportMode, ImportOptions, ImportReport,
    NewCustomer, Progress, Store, Value,
};

use super::{Ctx, Failure, MAX_DETAIL_LINES};
use crate::args::{
    CustomerAddArgs, CustomerUpdateArgs, CustomersCommand, ExportArgs, ImportArgs, OutputFormat,
};
use crate::exit::exit_code;
use crate::output::{io_error, write_aligned, Table};
use crate::progress::{Bar, Cancellable};

/// The columns customers are printed with: those of the `customers` view.
const COLUMNS: &[&str] = &[
    "name",
    "tenant_domain",
    "default_usage_location",
    "created_at",
    "updated_at",
];

fn opt(v: &Option<String>) -> Value {
    v.clone().map_or(Value::Null, Value::Text)
}

fn row(c: &Customer) -> Vec<Value> {
    vec![
        Value::Text(c.name.clone()),
        opt(&c.tenant_domain),
        opt(&c.default_usage_location),
        Value::Text(c.created_at.clone()),
        Value::Text(c.updated_at.clone()),
    ]
}

fn table(customers: &[Customer]) -> Table {
    Table {
        rows: customers.iter().map(row).collect(),
        ..Table::new(COLUMNS)
    }
}

/// One customer: field by field for people, one-row output for scripts.
fn print_one(ctx: &mut Ctx, c: &Customer) -> Result<(), Failure> {
    match ctx.format_or(OutputFormat::Table) {
        OutputFormat::Table => {
            let lines: Vec<Vec<String>> = COLUMNS
                .iter()
                .zip(row(c))
                .map(|(k, v)| vec![format!("{k}:"), crate::output::text(v.as_ref())])
                .collect();
            write_aligned(&mut ctx.out, &lines, &[], false).map_err(|e| io_error(None, e))?;
        }
        f => table(std::slice::from_ref(c)).print(&mut ctx.out, f)?,
    }
    Ok(())
}

/// Runs a `customers` subcommand.
pub fn run(ctx: &mut Ctx, cmd: CustomersCommand) -> Result<(), Failure> {
    match cmd {
        CustomersCommand::Add(a) => add(ctx, a),
        CustomersCommand::Update(a) => update(ctx, a),
        CustomersCommand::Show { name } => {
            let store = ctx.open_existing()?;
            let c = store.customer(&name)?;
            print_one(ctx, &c)
        }
        CustomersCommand::List => {
            let store = ctx.open_existing()?;
            let all = store.customers()?;
            let format = ctx.format_or(OutputFormat::Table);
            table(&all).print(&mut ctx.out, format)?;
            Ok(())
        }
        CustomersCommand::Remove { name } => {
            let mut store = ctx.open_existing()?;
            let c = store.customer(&name)?;
            store.remove_customer(&c.name)?;
            match ctx.format_or(OutputFormat::Table) {
                OutputFormat::Table => writeln!(ctx.out, "Removed customer {:?}.", c.name)
                    .map_err(|e| io_error(None, e))?,
                f => table(&[c]).print(&mut ctx.out, f)?,
            }
            Ok(())
        }
        CustomersCommand::Import(a) => import(ctx, a),
        CustomersCommand::Export(a) => export(ctx, a),
    }
}

fn add(ctx: &mut Ctx, a: CustomerAddArgs) -> Result<(), Failure> {
    let mut store = ctx.open_existing()?;
    let c = store.add_customer(&NewCustomer {
        name: a.name,
        tenant_domain: a.tenant_domain,
        default_usage_location: a.usage_location,
    })?;
    print_one(ctx, &c)
}

fn update(ctx: &mut Ctx, a: CustomerUpdateArgs) -> Result<(), Failure> {
    if a.new_name.is_none()
        && a.tenant_domain.is_none()
        && a.usage_location.is_none()
        && !a.clear_tenant_domain
        && !a.clear_usage_location
    {
        return Err(Failure::usage(
            "nothing to change: give --name, --tenant-domain, --usage-location, \
             --clear-tenant-domain or --clear-usage-location",
        ));
    }
    let mut store = ctx.open_existing()?;
    let clear_or = |clear: bool, v: Option<String>| if clear { Some(None) } else { v.map(Some) };
    let c = store.update_customer(
        &a.name,
        &CustomerUpdate {
            name: a.new_name,
            tenant_domain: clear_or(a.clear_tenant_domain, a.tenant_domain),
            default_usage_location: clear_or(a.clear_usage_location, a.usage_location),
        },
    )?;
    print_one(ctx, &c)
}

/// A rejects file that is removed again when nothing was rejected (or the import failed before
/// reading rows), so that a stale file from an earlier run never looks like this run's rejects.
struct RejectsFile {
    path: PathBuf,
    file: std::io::BufWriter<File>,
}

impl RejectsFile {
    fn create(path: &Path) -> Result<RejectsFile, Failure> {
        let file = File::create(path).map_err(|e| io_error(Some(path), e))?;
        Ok(RejectsFile {
            path: path.to_path_buf(),
            file: std::io::BufWriter::new(file),
        })
    }

    /// Flushes the file; removes it when it is empty. Returns whether it was kept.
    fn close(mut self) -> Result<bool, Failure> {
        self.file
            .flush()
            .map_err(|e| io_error(Some(&self.path), e))?;
        let empty = self
            .file
            .get_ref()
            .metadata()
            .map(|m| m.len() == 0)
            .unwrap_or(true);
        drop(self.file);
        if empty {
            let _ = std::fs::remove_file(&self.path);
        }
        Ok(!empty)
    }
}

fn import(ctx: &mut Ctx, a: ImportArgs) -> Result<(), Failure> {
    import_with(ctx, a, |store, input, opts| {
        store.import_customers(input, opts)
    })
}

/// Runs an import of a file (or standard input) through `import`: the rejects file, progress on
/// a terminal, the report and the all-or-nothing failure are the same for every kind of import.
pub fn import_with(
    ctx: &mut Ctx,
    a: ImportArgs,
    import: impl FnOnce(&mut Store, Box<dyn Read>, ImportOptions<'_>) -> licstore::Result<ImportReport>,
) -> Result<(), Failure> {
    let stdin = a.file.as_os_str() == "-";
    let (input, name, total_bytes): (Box<dyn Read>, String, Option<u64>) = if stdin {
        (Box::new(std::io::stdin().lock()), "<stdin>".into(), None)
    } else {
        let f = File::open(&a.file).map_err(|e| io_error(Some(&a.file), e))?;
        // A regular file's size gives the bar its length (not a pipe's or a device's).
        let len = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        (Box::new(f), a.file.display().to_string(), len)
    };
    let tsv = a.tsv
        || a.file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mut store = ctx.open_existing()?;
    if let Some(r) = &a.rejects {
        for (other, what) in [
            (a.file.as_path(), "the file being imported"),
            (ctx.db_path()?, "the store"),
        ] {
            if same_file(r, other) {
                return Err(Failure::usage(format!(
                    "--rejects {}: that is {what}; name another file",
                    r.display()
                )));
            }
        }
    }

    let mut rejects = a.rejects.as_deref().map(RejectsFile::create).transpose()?;
    // Ctrl-C from here on cancels the import (nothing written, exit 10); the bar shows on a
    // terminal only.
    let cancel = Cancellable::begin();
    let bar = Bar::import(&name, total_bytes);
    let mut rows_read = 0;
    let mut progress = |p: Progress| {
        rows_read = p.rows;
        bar.set(if p.total_bytes.is_some() {
            p.bytes
        } else {
            p.rows
        });
        cancel.check()
    };
    let mut opts = ImportOptions::new(name.clone());
    opts.delimiter = if tsv { b'\t' } else { b',' };
    opts.mode = if a.skip_invalid {
        ImportMode::SkipInvalid
    } else {
        ImportMode::AllOrNothing
    };
    opts.rejects = rejects.as_mut().map(|r| &mut r.file as &mut dyn Write);
    opts.progress = Some(&mut progress);
    opts.total_bytes = total_bytes;
    let result = import(&mut store, input, opts);
    drop(bar);
    let interrupted = cancel.interrupted();
    if result.is_ok() {
        cancel.finished(&format!("the import of {name}"));
    } else {
        drop(cancel);
    }
    let kept = match rejects {
        Some(r) => r.close()?,
        None => false,
    };
    let rejects_note = |f: Failure| match (&a.rejects, kept) {
        (Some(p), true) => f.hint(format!("the rejected rows are in {}", p.display())),
        _ => f,
    };
    let report = match result {
        Ok(r) => r,
        Err(e @ Error::Csv(_)) => {
            let f = Failure::from(e).hint(if a.skip_invalid {
                "nothing was imported".to_string()
            } else {
                "nothing was imported (all-or-nothing; --skip-invalid imports the valid rows)"
                    .to_string()
            });
            return Err(rejects_note(f));
        }
        Err(e) if e.code() == ErrorCode::Interrupted && interrupted => {
            return Err(rejects_note(Failure {
                exit: exit_code(ErrorCode::Interrupted),
                message: format!(
                    "{name}: interrupted (Ctrl-C) after {rows_read} rows; nothing was imported, \
                     the store is unchanged"
                ),
                details: vec![],
            }))
        }
        Err(e) => return Err(e.into()),
    };
    if report.rejected > 0 {
        eprintln!(
            "licstore: warning: {name}: {} rows rejected",
            report.rejected
        );
        for r in report.errors.iter().take(MAX_DETAIL_LINES) {
            eprintln!("  {r}");
        }
        if report.rejected > MAX_DETAIL_LINES as u64 {
            eprintln!(
                "  ... and {} more",
                report.rejected - MAX_DETAIL_LINES as u64
            );
        }
        if let (Some(p), true) = (&a.rejects, kept) {
            eprintln!("  the rejected rows are in {}", p.display());
        }
    }
    match ctx.format_or(OutputFormat::Table) {
        OutputFormat::Table => writeln!(
            ctx.out,
            "{name}: {} rows: {} added, {} updated, {} unchanged, {} rejected.",
            report.rows, report.inserted, report.updated, report.unchanged, report.rejected
        )
        .map_err(|e| io_error(None, e))?,
        f => Table {
            rows: vec![vec![
                Value::Text(name),
                Value::Integer(report.rows as i64),
                Value::Integer(report.inserted as i64),
                Value::Integer(report.updated as i64),
                Value::Integer(report.unchanged as i64),
                Value::Integer(report.rejected as i64),
            ]],
            ..Table::new(&["file", "rows", "added", "updated", "unchanged", "rejected"])
        }
        .print(&mut ctx.out, f)?,
    }
    Ok(())
}

fn export(ctx: &mut Ctx, a: ExportArgs) -> Result<(), Failure> {
    let format = match ctx.format_or(OutputFormat::Csv) {
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Tsv => Format::Tsv,
        OutputFormat::Jsonl => Format::JsonLines,
        f @ (OutputFormat::Table | OutputFormat::Json) => {
            return Err(Failure::usage(format!(
                "customers export writes csv, tsv or jsonl, not {}",
                match f {
                    OutputFormat::Table => "table (use `customers list` for a table)",
                    _ => "json (use jsonl)",
                }
            )))
        }
    };
    let mut store = ctx.open_existing()?;
    if let Some(o) = &a.output {
        if same_file(o, ctx.db_path()?) {
            return Err(Failure::usage(format!(
                "-o {}: that is the store; name another file",
                o.display()
            )));
        }
    }
    match a.output {
        None => {
            store.export_customers(format, &mut ctx.out)?;
        }
        Some(path) => write_replacing(&path, |w| {
            store.export_customers(format, w)?;
            Ok(())
        })?,
    }
    Ok(())
}

/// Whether two paths name one existing file (so that writing one would destroy the other).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Writes `path` through a temporary file in the same directory, renamed over `path` only when
/// `write` succeeded: an interrupted or failed export never leaves half a file behind.
pub fn write_replacing(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .ok_or_else(|| Failure::usage(format!("{}: not a file name", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.licstore-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let f = File::create(&tmp).map_err(|e| io_error(Some(path), e))?;
        let mut w = std::io::BufWriter::new(f);
        write(&mut w)?;
        let f = w
            .into_inner()
            .map_err(|e| io_error(Some(path), e.into_error()))?;
        f.sync_all().map_err(|e| io_error(Some(path), e))?;
        std::fs::rename(&tmp, path).map_err(|e| io_error(Some(path), e).into())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
