//! Files: every entity's canonical CSV in (`licstore_import`) and out (`licstore_export`, which
//! also writes any public view), canonical customers CSV in and out, and any query's result to
//! CSV.
//!
//! Exports write a temporary file beside the target and rename it over the target only when
//! everything was written, so a failed export never leaves a truncated file behind.

use std::ffi::{c_char, c_void};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use licstore::{Entity, Error, Format, ImportMode, ImportOptions, Params, Progress, Result, Store};

use crate::boundary::{guard, handle, path_arg, str_arg, struct_arg, Out};
use crate::error::licstore_result;
use crate::store::{arm_interrupt, licstore_store};

/// What an import does with rejected rows. Passed to functions as `uint32_t`; any other value
/// is refused with `LICSTORE_INVALID_ARGUMENT`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_import_mode {
    /// Any rejected row rejects the whole file; the store is unchanged (the default).
    AllOrNothing = 0,
    /// Apply the valid rows; count the rejected ones in the report.
    SkipInvalid = 1,
}

/// What an import did. The caller provides the struct; licstore fills it on success.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct licstore_import_report {
    /// Data rows read.
    pub rows: u64,
    /// New customers.
    pub inserted: u64,
    /// Existing customers changed.
    pub updated: u64,
    /// Rows equal to what the store holds.
    pub unchanged: u64,
    /// Rows rejected (only in `LICSTORE_IMPORT_MODE_SKIP_INVALID`; in all-or-nothing mode a
    /// rejection fails the call with `LICSTORE_CSV_ERROR`).
    pub rejected: u64,
}

pub(crate) fn import_mode(mode: u32) -> Result<ImportMode> {
    match mode {
        m if m == licstore_import_mode::AllOrNothing as u32 => Ok(ImportMode::AllOrNothing),
        m if m == licstore_import_mode::SkipInvalid as u32 => Ok(ImportMode::SkipInvalid),
        _ => Err(Error::invalid(
            "argument mode",
            mode.to_string(),
            "must be LICSTORE_IMPORT_MODE_ALL_OR_NOTHING (0) or LICSTORE_IMPORT_MODE_SKIP_INVALID (1)",
        )),
    }
}

/// Imports customers from a canonical customers CSV file (`name,tenant_domain,
/// default_usage_location`, see docs/formats.md): an upsert by name. `mode` is a
/// `licstore_import_mode`. On success `*report_out` (caller-owned) receives the counts.
///
/// On a rejected row in all-or-nothing mode the call fails with `LICSTORE_CSV_ERROR`, nothing is
/// written, and the message names the file, line, column and value of the first rejected row
/// (and how many more were rejected). `path` is only read during the call.
///
/// # Safety
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `report_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_import_csv(
    store: *const licstore_store,
    path: *const c_char,
    mode: u32,
    report_out: *mut licstore_import_report,
) -> licstore_result {
    guard("licstore_customers_import_csv", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let mode = import_mode(mode)?;
        let out = Out::new(report_out, "report_out")?;
        let file = File::open(&path).map_err(|source| Error::Io {
            path: Some(path.clone()),
            source,
        })?;
        let mut opts = ImportOptions::new(path.display().to_string());
        opts.mode = mode;
        let r = store.lock().import_customers(BufReader::new(file), opts)?;
        let report = licstore_import_report {
            rows: r.rows,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(report) };
        Ok(())
    })
}

/// Writes a file through a temporary sibling that replaces `path` only on success.
pub(crate) fn write_atomically(
    path: &Path,
    store: &mut Store,
    f: impl FnOnce(&mut Store, &mut dyn Write) -> Result<u64>,
) -> Result<u64> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            path: Some(p),
            source,
        }
    };
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp).map_err(io(&tmp))?);
        let n = f(store, &mut w)?;
        w.into_inner()
            .map_err(|e| io(&tmp)(e.into_error()))?
            .sync_all()
            .map_err(io(&tmp))?;
        std::fs::rename(&tmp, path).map_err(io(path))?;
        Ok(n)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Exports every customer as canonical CSV to the file at `path` (created or replaced; on
/// failure an existing file is left as it was). `rows_out` may be NULL; otherwise it receives
/// the number of data rows written. `path` is only read during the call.
///
/// # Safety
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `rows_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_export_csv(
    store: *const licstore_store,
    path: *const c_char,
    rows_out: *mut u64,
) -> licstore_result {
    guard("licstore_customers_export_csv", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::optional(rows_out);
        let n = write_atomically(&path, &mut store.lock(), |s, w| {
            s.export_customers(Format::Csv, w)
        })?;
        if let Some(out) = out {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(n) };
        }
        Ok(())
    })
}

/// Runs `sql` on the read-only SQL channel (public views only) and streams its result as CSV
/// (a header line, then one line per row) to the file at `path` (created or replaced; on
/// failure an existing file is left as it was). The statement takes no parameters; use
/// `licstore_query_prepare` for those. `rows_out` may be NULL; otherwise it receives the number
/// of data rows written. A write or any other refused statement fails with
/// `LICSTORE_QUERY_REFUSED`.
///
/// # Safety
/// `store` is NULL or a live handle; `sql` and `path` are NULL or NUL-terminated; `rows_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_to_csv(
    store: *const licstore_store,
    sql: *const c_char,
    path: *const c_char,
    rows_out: *mut u64,
) -> licstore_result {
    guard("licstore_query_to_csv", || {
        // SAFETY (all three): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let sql = unsafe { str_arg(sql, "sql") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::optional(rows_out);
        let slot = store.interrupt_slot();
        let mut store = store.lock();
        // Refuse a bad statement before creating any file.
        store.query_describe(sql)?;
        arm_interrupt(&slot, &mut store)?;
        let n = write_atomically(&path, &mut store, |s, w| {
            s.export_query(sql, &Params::None, Format::Csv, w)
        })?;
        if let Some(out) = out {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(n) };
        }
        Ok(())
    })
}

/// The format of an export (and of an import: CSV or TSV). Passed to functions as `uint32_t`;
/// any other value is refused with `LICSTORE_INVALID_ARGUMENT`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_format {
    /// RFC 4180 CSV with a header line (the canonical format).
    Csv = 0,
    /// Tab-separated, with a header line.
    Tsv = 1,
    /// One JSON object per line (export only).
    JsonLines = 2,
}

fn format_arg(format: u32) -> Result<Format> {
    match format {
        f if f == licstore_format::Csv as u32 => Ok(Format::Csv),
        f if f == licstore_format::Tsv as u32 => Ok(Format::Tsv),
        f if f == licstore_format::JsonLines as u32 => Ok(Format::JsonLines),
        _ => Err(Error::invalid(
            "argument format",
            format.to_string(),
            "is not a licstore_format value (LICSTORE_FORMAT_*): must be one of 0 (CSV), 1 (TSV), \
             2 (JSON Lines)",
        )),
    }
}

/// The progress callback of `licstore_import`: called every 4096 rows and once at the end with
/// the rows and bytes read so far and the file's size in bytes (`bytes / total_bytes` is the
/// fraction done), and `user_data` as given in the options. Return 0 to go on; any other value
/// cancels the import, which then fails with `LICSTORE_INTERRUPTED` and leaves the store
/// unchanged. It runs on the calling thread, inside the import's transaction: it must not call
/// licstore with the same store (the call would wait for itself).
pub type licstore_progress_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, rows: u64, bytes: u64, total_bytes: u64) -> i32,
>;

/// Options of `licstore_import`. Zero-initialize it (`licstore_import_options opts = {0};`): all
/// zeros are the defaults (all-or-nothing, CSV, no rejects file, no progress). The struct belongs
/// to the caller and is only read during the call.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct licstore_import_options {
    /// A `licstore_import_mode`.
    pub mode: u32,
    /// `LICSTORE_FORMAT_CSV` or `LICSTORE_FORMAT_TSV` (a `licstore_format`).
    pub format: u32,
    /// NULL, or a file to create (or replace) with the rejected rows: their fields plus
    /// `error_line`, `error_column` and `error_reason`, ready to be fixed and imported again.
    /// Written only when rows were rejected (skip-invalid mode: the import succeeded with
    /// `rejected > 0`; all-or-nothing: it failed with `LICSTORE_CSV_ERROR`); otherwise it is not
    /// created, and an existing file is left as it was.
    pub rejects_path: *const c_char,
    /// NULL, or called with the import's progress (see `licstore_progress_callback`).
    pub progress: licstore_progress_callback,
    /// Passed to `progress` as it is; licstore never reads it.
    pub user_data: *mut c_void,
}

/// Imports the canonical CSV (or TSV) of an entity from the file at `path`: an upsert by the
/// entity's natural key, streamed, in one transaction (docs/formats.md has every entity's
/// columns). `entity` is an entity's name: `"customers"`, `"skus"`, `"subscribers"`, `"groups"`,
/// `"group_members"`, `"assignments"`, `"numbers"`, `"licensing_ids"`, `"products"`,
/// `"entitlements"`, `"keys"`, `"activations"`, `"benefits"` or `"reservations"` (anything else
/// is `LICSTORE_INVALID_ARGUMENT`, the message listing them). `options` may be NULL for the
/// defaults. On success `*report_out` (caller-owned) receives the counts.
///
/// All-or-nothing mode: a rejected row fails the call with `LICSTORE_CSV_ERROR`, nothing is
/// written, and the message names file, line, column and value. Skip-invalid mode applies the
/// valid rows and counts the others in `rejected`. A progress callback returning non-zero fails
/// the call with `LICSTORE_INTERRUPTED`, nothing written. `entity`, `path` and `options` (with
/// its `rejects_path`) are only read during the call.
///
/// # Safety
/// `store` is NULL or a live handle; `entity` and `path` are NULL or NUL-terminated; `options` is
/// NULL or points to a `licstore_import_options` whose `rejects_path` is NULL or NUL-terminated
/// and whose `progress` is NULL or a function of that signature; `report_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_import(
    store: *const licstore_store,
    entity: *const c_char,
    path: *const c_char,
    options: *const licstore_import_options,
    report_out: *mut licstore_import_report,
) -> licstore_result {
    guard("licstore_import", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let entity = Entity::from_name(unsafe { str_arg(entity, "entity") }?)?;
        let path = unsafe { path_arg(path, "path") }?;
        let options = if options.is_null() {
            None
        } else {
            Some(*unsafe { struct_arg(options, "options") }?)
        };
        let out = Out::new(report_out, "report_out")?;
        let mut opts = ImportOptions::new(path.display().to_string());
        let mut callback = None;
        let mut rejects_path = None;
        if let Some(o) = options {
            opts.mode = import_mode(o.mode)?;
            opts.delimiter = match format_arg(o.format)? {
                Format::Csv => b',',
                Format::Tsv => b'\t',
                Format::JsonLines => {
                    return Err(Error::invalid(
                        "argument options.format",
                        "2",
                        "imports read CSV or TSV, not JSON Lines",
                    ))
                }
            };
            if !o.rejects_path.is_null() {
                // SAFETY: the caller's contract.
                rejects_path = Some(unsafe { path_arg(o.rejects_path, "options.rejects_path") }?);
            }
            callback = o.progress.map(|f| (f, o.user_data));
        }
        let file = File::open(&path).map_err(|source| Error::Io {
            path: Some(path.clone()),
            source,
        })?;
        opts.total_bytes = file.metadata().ok().map(|m| m.len());
        let mut progress = |p: Progress| {
            let Some((f, user_data)) = callback else {
                return ControlFlow::Continue(());
            };
            // SAFETY: a function of this signature per the caller's contract; `user_data` is
            // passed through untouched.
            let rc = unsafe { f(user_data, p.rows, p.bytes, p.total_bytes.unwrap_or(0)) };
            if rc == 0 {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        };
        if callback.is_some() {
            opts.progress = Some(&mut progress);
        }
        // Rejected rows go to memory first: the rejects file is written only when there is
        // something to say, so a failed import never truncates an existing one.
        let mut rejects = Vec::new();
        if rejects_path.is_some() {
            opts.rejects = Some(&mut rejects);
        }
        let result = store
            .lock()
            .import_entity(entity, BufReader::new(file), opts);
        let bad_rows =
            matches!(&result, Err(Error::Csv(_))) || matches!(&result, Ok(r) if r.rejected > 0);
        if let (Some(rp), true) = (&rejects_path, bad_rows) {
            std::fs::write(rp, &rejects).map_err(|source| Error::Io {
                path: Some(rp.clone()),
                source,
            })?;
        }
        let r = result?;
        let report = licstore_import_report {
            rows: r.rows,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(report) };
        Ok(())
    })
}

/// Exports to the file at `path` (created or replaced; on failure an existing file is left as it
/// was) in `format` (a `licstore_format`): for an entity's name (see `licstore_import`) its
/// canonical columns, which `licstore_import` reads back unchanged; for any other public view
/// (`"sku_usage"`, `"audit_log"`, ...; docs/sql.md) the whole view as it is. Entity names win
/// where a view has the same name. An unknown name is `LICSTORE_NOT_FOUND`. `rows_out` may be
/// NULL; otherwise it receives the number of data rows written. `entity_or_view` and `path` are
/// only read during the call.
///
/// # Safety
/// `store` is NULL or a live handle; `entity_or_view` and `path` are NULL or NUL-terminated;
/// `rows_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_export(
    store: *const licstore_store,
    entity_or_view: *const c_char,
    format: u32,
    path: *const c_char,
    rows_out: *mut u64,
) -> licstore_result {
    guard("licstore_export", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let name = unsafe { str_arg(entity_or_view, "entity_or_view") }?;
        let format = format_arg(format)?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::optional(rows_out);
        let slot = store.interrupt_slot();
        let mut store = store.lock();
        arm_interrupt(&slot, &mut store)?;
        let entity = Entity::ALL.iter().copied().find(|e| e.name() == name);
        // Refuse an unknown name before creating any file.
        if entity.is_none() && !store.views()?.iter().any(|v| v == name) {
            return Err(Error::not_found("entity or view", name));
        }
        let n = write_atomically(&path, &mut store, |s, w| match entity {
            Some(e) => s.export_entity(e, format, w),
            None => s.export_view(name, format, w),
        })?;
        if let Some(out) = out {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(n) };
        }
        Ok(())
    })
}

/// Exports every product key in the canonical `keys` columns with the **full** keys to the file
/// at `path` (created or replaced; on failure an existing file is left as it was), in `format`
/// (a `licstore_format`); each key written is audited as `product_key.reveal` with `reason`, in
/// the same transaction (a failed export leaves no reveal rows). The file imports into another
/// store with `licstore_import(store, "keys", ...)`. Owner's handle only
/// (`LICSTORE_PERMISSION_DENIED` on a scoped one). `rows_out` may be NULL; otherwise it receives
/// the number of keys written. The file holds secrets: protect and delete it.
///
/// # Safety
/// `store` is NULL or a live handle; `path` and `reason` are NULL or NUL-terminated; `rows_out`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_keys_export_revealed(
    store: *const licstore_store,
    format: u32,
    path: *const c_char,
    reason: *const c_char,
    rows_out: *mut u64,
) -> licstore_result {
    guard("licstore_keys_export_revealed", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let format = format_arg(format)?;
        let path = unsafe { path_arg(path, "path") }?;
        let reason = unsafe { str_arg(reason, "reason") }?;
        let out = Out::optional(rows_out);
        let n = write_atomically(&path, &mut store.lock(), |s, w| {
            s.export_keys_revealed(format, w, reason)
        })?;
        if let Some(out) = out {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(n) };
        }
        Ok(())
    })
}
