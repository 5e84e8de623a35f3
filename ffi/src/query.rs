//! The read-only SQL channel as a statement: prepare, bind, step, read columns, free.
//!
//! Lifecycle: `licstore_query_prepare` checks the statement at once (a write, a base table or a
//! PRAGMA is refused there with `LICSTORE_QUERY_REFUSED`) and knows its columns and parameters.
//! Parameters are bound before the first `licstore_query_step`, which runs the query. N.B. this
//! round the first step materializes the whole result (core's channel is push-based); later steps
//! walk it. `licstore_query_reset` forgets the result (keeping the bindings) so the next step runs
//! the query again, with any new bindings. Use `licstore_query_to_csv` to stream a large result to
//! a file instead.

use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use licstore::{
    Error, InterruptHandle, Params, QueryOptions, QueryResult, QueryShape, Result, Store, Value,
};

use crate::boundary::{c_string, free_raw, guard, handle, handle_mut, into_raw, str_arg, Out};
use crate::error::licstore_result;
use crate::store::{arm_interrupt, licstore_store, lock};

/// The storage class of a column value in the current row.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_column_type {
    /// SQL NULL.
    Null = 0,
    /// A 64-bit signed integer.
    Integer = 1,
    /// A double.
    Double = 2,
    /// UTF-8 text.
    Text = 3,
    /// Bytes.
    Blob = 4,
}

/// A prepared statement of the read-only SQL channel. Free it with `licstore_query_free`.
///
/// It keeps its store's database open (even after `licstore_store_free`) until it is freed. A
/// statement must not be used by two threads at once.
#[derive(Debug)]
pub struct licstore_query {
    store: Arc<Mutex<Store>>,
    /// The store handle's interrupt slot (`licstore_store_interrupt`).
    interrupt: Arc<OnceLock<InterruptHandle>>,
    /// `licstore_query_set_timeout`; `None`: no timeout.
    timeout: Option<Duration>,
    sql: String,
    shape: QueryShape,
    column_names: Vec<CString>,
    bindings: Vec<Option<Value>>,
    result: Option<QueryResult>,
    /// The current row: `None` before the first step and after the last.
    row: Option<usize>,
    /// Text of the current row as C strings, made on first access.
    texts: Vec<Option<CString>>,
}

impl licstore_query {
    fn parameter(&self, index: usize) -> Result<usize> {
        if index == 0 || index > self.shape.parameters.len() {
            return Err(Error::invalid(
                "argument index",
                index.to_string(),
                format!(
                    "parameter indexes start at 1; the statement has {} parameter(s)",
                    self.shape.parameters.len()
                ),
            ));
        }
        if self.result.is_some() {
            return Err(Error::InvalidState(
                "the statement has run; call licstore_query_reset before binding again".into(),
            ));
        }
        Ok(index - 1)
    }

    fn bind(&mut self, index: usize, v: Value) -> Result<()> {
        let i = self.parameter(index)?;
        self.bindings[i] = Some(v);
        Ok(())
    }

    fn run(&mut self) -> Result<QueryResult> {
        let mut values = Vec::with_capacity(self.bindings.len());
        for (i, b) in self.bindings.iter().enumerate() {
            match b {
                Some(v) => values.push(v.clone()),
                None => {
                    return Err(Error::invalid(
                        "query parameter",
                        self.shape.parameters[i]
                            .clone()
                            .unwrap_or_else(|| format!("?{}", i + 1)),
                        format!(
                            "parameter {} has no value (bind NULL explicitly with licstore_query_bind_null)",
                            i + 1
                        ),
                    ))
                }
            }
        }
        let mut store = lock(&self.store);
        arm_interrupt(&self.interrupt, &mut store)?;
        let opts = QueryOptions {
            timeout: self.timeout,
            ..QueryOptions::default()
        };
        store.query_with(&self.sql, &Params::Positional(values), opts)
    }

    fn column(&self, index: usize) -> Result<&Value> {
        let (Some(result), Some(row)) = (&self.result, self.row) else {
            return Err(Error::InvalidState(
                "there is no current row: call licstore_query_step until it reports a row".into(),
            ));
        };
        result.rows[row].get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!(
                    "column indexes start at 0; the statement has {} column(s)",
                    self.column_names.len()
                ),
            )
        })
    }

    fn type_error(&self, index: usize, v: &Value, wanted: &str) -> Error {
        let actual = match v {
            Value::Null => "NULL",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a double",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        };
        Error::invalid(
            "argument index",
            index.to_string(),
            format!(
                "column {:?} holds {actual} in this row, not {wanted} (check licstore_query_column_type)",
                self.shape.columns[index]
            ),
        )
    }
}

/// Prepares `sql` (one statement over the public views; parameters as `?`, `?NNN`, `:name`,
/// `@name` or `$name`) on the store's read-only SQL channel. The statement is checked now: a
/// write, a read of a base table, a PRAGMA and anything else but reading the public views fails
/// with `LICSTORE_QUERY_REFUSED`; invalid SQL with `LICSTORE_INVALID_ARGUMENT`.
///
/// On success `*query_out` receives a new statement the caller owns and frees with
/// `licstore_query_free`. `sql` is copied. The statement keeps the store's database open until
/// it is freed.
///
/// # Safety
/// `store` is NULL or a live handle; `sql` is NULL or NUL-terminated; `query_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_prepare(
    store: *const licstore_store,
    sql: *const c_char,
    query_out: *mut *mut licstore_query,
) -> licstore_result {
    guard("licstore_query_prepare", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let sql = unsafe { str_arg(sql, "sql") }?;
        let out = Out::new(query_out, "query_out")?;
        let shape = store.lock().query_describe(sql)?;
        let column_names = shape
            .columns
            .iter()
            .map(|c| c_string(c, "column name"))
            .collect::<Result<Vec<_>>>()?;
        let q = licstore_query {
            store: Arc::clone(&store.inner),
            interrupt: store.interrupt_slot(),
            timeout: None,
            sql: sql.to_string(),
            bindings: vec![None; shape.parameters.len()],
            column_names,
            shape,
            result: None,
            row: None,
            texts: vec![],
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(into_raw(q)) };
        Ok(())
    })
}

/// Sets a time limit for each run of the statement, in milliseconds (0: none, the default). A
/// `licstore_query_step` that runs the query longer fails with `LICSTORE_INTERRUPTED` (the
/// message says it ran longer than its timeout); the statement can be reset and stepped again.
/// Takes effect at the next run.
///
/// # Safety
/// `query` is NULL or a live statement.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_set_timeout(
    query: *mut licstore_query,
    milliseconds: u64,
) -> licstore_result {
    guard("licstore_query_set_timeout", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle_mut(query, "query") }?;
        q.timeout = (milliseconds > 0).then(|| Duration::from_millis(milliseconds));
        Ok(())
    })
}

/// Frees a statement (and its result, and every string read from it). NULL is a no-op.
///
/// # Safety
/// `query` is NULL or a statement from `licstore_query_prepare`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_free(query: *mut licstore_query) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(query) }
}

/// Writes the number of parameters of the statement to `*count_out` (the highest index).
///
/// # Safety
/// `query` is NULL or a live statement; `count_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_parameter_count(
    query: *const licstore_query,
    count_out: *mut usize,
) -> licstore_result {
    guard("licstore_query_parameter_count", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let out = Out::new(count_out, "count_out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(q.shape.parameters.len()) };
        Ok(())
    })
}

/// Binding by name: writes the 1-based index of the parameter called `name` to `*index_out`.
/// `name` may be given with its prefix (`":who"`) or without (`"who"`). Fails with
/// `LICSTORE_NOT_FOUND` when the statement has no such parameter.
///
/// # Safety
/// `query` is NULL or a live statement; `name` is NULL or NUL-terminated; `index_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_parameter_index(
    query: *const licstore_query,
    name: *const c_char,
    index_out: *mut usize,
) -> licstore_result {
    guard("licstore_query_parameter_index", || {
        // SAFETY (both): the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let name = unsafe { str_arg(name, "name") }?;
        let out = Out::new(index_out, "index_out")?;
        let matches = |p: &str| {
            p == name || (p.starts_with([':', '@', '$']) && !p.starts_with('?') && &p[1..] == name)
        };
        let i = q
            .shape
            .parameters
            .iter()
            .position(|p| p.as_deref().is_some_and(matches))
            .ok_or_else(|| Error::not_found("query parameter", name))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(i + 1) };
        Ok(())
    })
}

unsafe fn bind(
    function: &'static str,
    query: *mut licstore_query,
    index: usize,
    value: impl FnOnce() -> Result<Value>,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle_mut(query, "query") }?;
        let v = value()?;
        q.bind(index, v)
    })
}

/// Binds a 64-bit integer to the parameter at 1-based `index`. Bindings are allowed before the
/// first step or after `licstore_query_reset` (otherwise `LICSTORE_INVALID_STATE`).
///
/// # Safety
/// `query` is NULL or a live statement.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_bind_int64(
    query: *mut licstore_query,
    index: usize,
    value: i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        bind("licstore_query_bind_int64", query, index, || {
            Ok(Value::Integer(value))
        })
    }
}

/// Binds a double to the parameter at 1-based `index` (see `licstore_query_bind_int64`).
///
/// # Safety
/// `query` is NULL or a live statement.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_bind_double(
    query: *mut licstore_query,
    index: usize,
    value: f64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        bind("licstore_query_bind_double", query, index, || {
            Ok(Value::Real(value))
        })
    }
}

/// Binds NUL-terminated UTF-8 text (copied) to the parameter at 1-based `index` (see
/// `licstore_query_bind_int64`). NULL `value` is refused; bind SQL NULL with
/// `licstore_query_bind_null`.
///
/// # Safety
/// `query` is NULL or a live statement; `value` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_bind_text(
    query: *mut licstore_query,
    index: usize,
    value: *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        bind("licstore_query_bind_text", query, index, || {
            Ok(Value::Text(str_arg(value, "value")?.to_string()))
        })
    }
}

/// The length variant of `licstore_query_bind_text`: binds the `len` bytes at `value` (UTF-8,
/// copied; no terminating NUL needed, NUL bytes allowed) to the parameter at 1-based `index`.
/// `value` may be NULL only when `len` is 0 (the empty string).
///
/// # Safety
/// `query` is NULL or a live statement; `value` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_bind_text_len(
    query: *mut licstore_query,
    index: usize,
    value: *const c_char,
    len: usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        bind("licstore_query_bind_text_len", query, index, || {
            let bytes: &[u8] = if len == 0 {
                &[]
            } else if value.is_null() {
                return Err(Error::invalid(
                    "argument value",
                    "NULL",
                    format!("must not be a NULL pointer when len is {len}"),
                ));
            } else {
                // SAFETY: non-NULL and `len` readable bytes per the caller's contract.
                std::slice::from_raw_parts(value.cast::<u8>(), len)
            };
            let text = std::str::from_utf8(bytes).map_err(|e| {
                Error::invalid(
                    "argument value",
                    String::from_utf8_lossy(bytes),
                    format!(
                        "is not valid UTF-8 (bad byte at offset {})",
                        e.valid_up_to()
                    ),
                )
            })?;
            Ok(Value::Text(text.to_string()))
        })
    }
}

/// Binds SQL NULL to the parameter at 1-based `index` (see `licstore_query_bind_int64`).
///
/// # Safety
/// `query` is NULL or a live statement.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_bind_null(
    query: *mut licstore_query,
    index: usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { bind("licstore_query_bind_null", query, index, || Ok(Value::Null)) }
}

/// Forgets the statement's result so that the next step runs the query again; bindings stay
/// and may be changed. Strings read from the statement's rows become invalid.
///
/// # Safety
/// `query` is NULL or a live statement.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_reset(query: *mut licstore_query) -> licstore_result {
    guard("licstore_query_reset", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle_mut(query, "query") }?;
        q.result = None;
        q.row = None;
        q.texts.clear();
        Ok(())
    })
}

/// Moves to the next row: `*has_row_out` becomes 1 when there is one, 0 after the last row (and
/// on every later step until `licstore_query_reset`). The first step runs the query; every
/// parameter must be bound by then (`LICSTORE_INVALID_ARGUMENT` names the missing one). Strings
/// read from the previous row become invalid.
///
/// # Safety
/// `query` is NULL or a live statement; `has_row_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_step(
    query: *mut licstore_query,
    has_row_out: *mut i32,
) -> licstore_result {
    guard("licstore_query_step", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle_mut(query, "query") }?;
        let out = Out::new(has_row_out, "has_row_out")?;
        let next = match (&q.result, q.row) {
            (None, _) => {
                q.result = Some(q.run()?);
                0
            }
            (Some(_), Some(r)) => r + 1,
            // Past the end: stay there.
            (Some(r), None) => r.rows.len(),
        };
        let n = q.result.as_ref().map_or(0, |r| r.rows.len());
        q.row = (next < n).then_some(next);
        // Sized by the row itself: the columns were read at prepare, the row at the first step.
        let width = match (&q.result, q.row) {
            (Some(r), Some(i)) => r.rows[i].len(),
            _ => 0,
        };
        q.texts.clear();
        q.texts.resize(width, None);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(i32::from(q.row.is_some())) };
        Ok(())
    })
}

/// Writes the number of result columns to `*count_out` (known from prepare on).
///
/// # Safety
/// `query` is NULL or a live statement; `count_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_count(
    query: *const licstore_query,
    count_out: *mut usize,
) -> licstore_result {
    guard("licstore_query_column_count", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let out = Out::new(count_out, "count_out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(q.column_names.len()) };
        Ok(())
    })
}

/// Writes the name of the column at 0-based `index` to `*name_out` (UTF-8, owned by the
/// statement: valid until it is freed).
///
/// # Safety
/// `query` is NULL or a live statement; `name_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_name(
    query: *const licstore_query,
    index: usize,
    name_out: *mut *const c_char,
) -> licstore_result {
    guard("licstore_query_column_name", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let out = Out::new(name_out, "name_out")?;
        let name = q.column_names.get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!(
                    "column indexes start at 0; the statement has {} column(s)",
                    q.column_names.len()
                ),
            )
        })?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(name.as_ptr()) };
        Ok(())
    })
}

/// Writes the type of the value at 0-based column `index` of the current row to `*type_out`
/// (SQLite types values, not columns: it can differ from row to row).
///
/// # Safety
/// `query` is NULL or a live statement; `type_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_type(
    query: *const licstore_query,
    index: usize,
    type_out: *mut licstore_column_type,
) -> licstore_result {
    guard("licstore_query_column_type", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let out = Out::new(type_out, "type_out")?;
        let t = match q.column(index)? {
            Value::Null => licstore_column_type::Null,
            Value::Integer(_) => licstore_column_type::Integer,
            Value::Real(_) => licstore_column_type::Double,
            Value::Text(_) => licstore_column_type::Text,
            Value::Blob(_) => licstore_column_type::Blob,
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(t) };
        Ok(())
    })
}

/// Writes the integer at 0-based column `index` of the current row to `*value_out`. Any other
/// type (NULL included) fails with `LICSTORE_INVALID_ARGUMENT`, naming the column and its type.
///
/// # Safety
/// `query` is NULL or a live statement; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_int64(
    query: *const licstore_query,
    index: usize,
    value_out: *mut i64,
) -> licstore_result {
    guard("licstore_query_column_int64", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let out = Out::new(value_out, "value_out")?;
        let v = match q.column(index)? {
            Value::Integer(i) => *i,
            other => return Err(q.type_error(index, other, "an integer")),
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// Writes the number at 0-based column `index` of the current row to `*value_out`: a double, or
/// an integer converted to double. Any other type fails with `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `query` is NULL or a live statement; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_double(
    query: *const licstore_query,
    index: usize,
    value_out: *mut f64,
) -> licstore_result {
    guard("licstore_query_column_double", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let out = Out::new(value_out, "value_out")?;
        let v = match q.column(index)? {
            Value::Real(f) => *f,
            Value::Integer(i) => *i as f64,
            other => return Err(q.type_error(index, other, "a number")),
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// Writes the value at 0-based column `index` of the current row as NUL-terminated UTF-8 text to
/// `*text_out`: text as it is, a number in decimal, and NULL as a NULL pointer. A blob (or text
/// holding a NUL byte) fails with `LICSTORE_INVALID_ARGUMENT`. The string is owned by the
/// statement: valid until the next step, reset or free.
///
/// # Safety
/// `query` is NULL or a live statement; `text_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_text(
    query: *mut licstore_query,
    index: usize,
    text_out: *mut *const c_char,
) -> licstore_result {
    guard("licstore_query_column_text", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle_mut(query, "query") }?;
        let out = Out::new(text_out, "text_out")?;
        let text = match q.column(index)? {
            Value::Null => None,
            Value::Integer(i) => Some(i.to_string()),
            Value::Real(f) => Some(f.to_string()),
            Value::Text(t) => Some(t.clone()),
            other => return Err(q.type_error(index, other, "text or a number")),
        };
        let p = match text {
            None => ptr::null(),
            Some(t) => {
                if q.texts[index].is_none() {
                    q.texts[index] = Some(c_string(&t, "column text")?);
                }
                q.texts[index].as_ref().map_or(ptr::null(), |s| s.as_ptr())
            }
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(p) };
        Ok(())
    })
}

/// The length variant: writes the bytes of the text or blob at 0-based column `index` of the
/// current row to `*data_out` and their count to `*len_out` (text without a terminating NUL; an
/// empty value gives a non-NULL pointer and 0). NULL and numbers fail with
/// `LICSTORE_INVALID_ARGUMENT`. The bytes are owned by the statement: valid until the next step,
/// reset or free.
///
/// # Safety
/// `query` is NULL or a live statement; `data_out` and `len_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_query_column_bytes(
    query: *const licstore_query,
    index: usize,
    data_out: *mut *const u8,
    len_out: *mut usize,
) -> licstore_result {
    guard("licstore_query_column_bytes", || {
        // SAFETY: the caller's contract.
        let q = unsafe { handle(query, "query") }?;
        let data = Out::new(data_out, "data_out")?;
        let len = Out::new(len_out, "len_out")?;
        let bytes: &[u8] = match q.column(index)? {
            Value::Text(t) => t.as_bytes(),
            Value::Blob(b) => b,
            other => return Err(q.type_error(index, other, "text or a blob")),
        };
        // SAFETY: both checked non-NULL; writable per the contract.
        unsafe {
            data.write(bytes.as_ptr());
            len.write(bytes.len());
        }
        Ok(())
    })
}
