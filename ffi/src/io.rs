//! Files: canonical customers CSV in and out, and any query's result to CSV.
//!
//! Exports write a temporary file beside the target and rename it over the target only when
//! everything was written, so a failed export never leaves a truncated file behind.

use std::ffi::c_char;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use licstore::{Error, Format, ImportMode, ImportOptions, Params, Result, Store};

use crate::boundary::{guard, handle, path_arg, str_arg, Out};
use crate::error::licstore_result;
use crate::store::licstore_store;

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
        let mut store = store.lock();
        // Refuse a bad statement before creating any file.
        store.query_describe(sql)?;
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
