//! The read-only SQL channel from Python: parameters in, a `QueryResult` out, and the typed
//! columns `to_pandas()` builds its DataFrame from.

use std::time::Duration;

use licstore::{Params, QueryResult, Value};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateTime, PyFloat, PyInt, PyList, PyMapping,
    PySequence, PyString, PyTuple,
};

use crate::errors::invalid;
use crate::types::{from_datetime, type_name};

/// Adds the result class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyQueryResult>()
}

// --- parameters ---

/// `params` of `Store.sql`: None, a sequence (positional `?`/`?1`) or a mapping (named `:name`).
pub fn to_params(params: Option<&Bound<'_, PyAny>>) -> PyResult<Params> {
    let Some(p) = params.filter(|p| !p.is_none()) else {
        return Ok(Params::None);
    };
    // N.B. A str is a sequence of characters; binding "abc" as three parameters is never meant.
    if p.is_instance_of::<PyString>()
        || p.is_instance_of::<PyBytes>()
        || p.is_instance_of::<PyByteArray>()
    {
        return Err(PyTypeError::new_err(format!(
            "params must be a sequence (positional) or a mapping (named), not {}; wrap a single value in a list: [value]",
            type_name(p)
        )));
    }
    if let Ok(m) = p.cast::<PyMapping>() {
        let mut named = Vec::new();
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let name: String = k.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "parameter names must be str, not {}",
                    type_name(&k)
                ))
            })?;
            let value = to_value(&v, || format!("query parameter {name:?}"))?;
            named.push((name, value));
        }
        return Ok(Params::Named(named));
    }
    if let Ok(s) = p.cast::<PySequence>() {
        let mut values = Vec::with_capacity(s.len().unwrap_or(0));
        for (i, v) in s.try_iter()?.enumerate() {
            values.push(to_value(&v?, || format!("query parameter {}", i + 1))?);
        }
        return Ok(Params::Positional(values));
    }
    Err(PyTypeError::new_err(format!(
        "params must be a sequence (positional) or a mapping (named), not {}",
        type_name(p)
    )))
}

/// One parameter value. `what` names it in errors ("query parameter 2").
fn to_value(v: &Bound<'_, PyAny>, what: impl Fn() -> String) -> PyResult<Value> {
    if v.is_none() {
        Ok(Value::Null)
    } else if let Ok(b) = v.cast::<PyBool>() {
        Ok(Value::Integer(i64::from(b.is_true())))
    } else if v.is_instance_of::<PyInt>() || v.hasattr("__index__")? {
        // `__index__` admits numpy's integers, which are not `int` subclasses.
        let i = v.call_method0("__index__")?;
        i.extract::<i64>().map(Value::Integer).map_err(|_| {
            invalid(
                &what(),
                i.str().map(|s| s.to_string()).unwrap_or_default(),
                "is outside SQLite's 64-bit integer range",
            )
        })
    } else if let Ok(f) = v.cast::<PyFloat>() {
        Ok(Value::Real(f.value()))
    } else if let Ok(s) = v.cast::<PyString>() {
        Ok(Value::Text(s.to_cow()?.into_owned()))
    } else if let Ok(b) = v.cast::<PyBytes>() {
        Ok(Value::Blob(b.as_bytes().to_vec()))
    } else if let Ok(b) = v.cast::<PyByteArray>() {
        Ok(Value::Blob(b.to_vec()))
    } else if v.is_instance_of::<PyDateTime>() {
        // As the store keeps instants: ISO-8601 UTC text, so comparisons with view columns work.
        Ok(Value::Text(from_datetime(&what(), v)?))
    } else if v.is_instance_of::<PyDate>() {
        Ok(Value::Text(v.call_method0("isoformat")?.extract()?))
    } else {
        Err(PyTypeError::new_err(format!(
            "{}: unsupported type {} (use None, int, float, str, bytes, datetime or date)",
            what(),
            type_name(v)
        )))
    }
}

/// `timeout` of `Store.sql`: seconds (int or float) or a `timedelta`.
pub fn to_timeout(t: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Duration>> {
    let Some(t) = t.filter(|t| !t.is_none()) else {
        return Ok(None);
    };
    let secs: f64 = if t.hasattr("total_seconds")? {
        t.call_method0("total_seconds")?.extract()?
    } else if t.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "timeout must be seconds or a timedelta, not bool",
        ));
    } else {
        t.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "timeout must be seconds (int or float) or a timedelta, not {}",
                type_name(t)
            ))
        })?
    };
    Duration::try_from_secs_f64(secs).map(Some).map_err(|_| {
        invalid(
            "timeout",
            secs.to_string(),
            "must be a finite, non-negative number of seconds",
        )
    })
}

// --- results ---

/// The rows of a query over the public views: ``columns``, ``len()``, iteration (tuples),
/// ``rows`` and ``to_pandas()``. Values are SQL's: None, int, float, str or bytes (timestamps
/// are ISO-8601 UTC text; ``to_pandas()`` turns them into datetime64).
#[pyclass(frozen, module = "licstore", name = "QueryResult", sequence)]
#[derive(Debug)]
pub struct PyQueryResult {
    result: QueryResult,
}

impl From<QueryResult> for PyQueryResult {
    fn from(result: QueryResult) -> PyQueryResult {
        PyQueryResult { result }
    }
}

fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        Value::Real(f) => f.into_pyobject(py)?.into_any(),
        Value::Text(s) => PyString::new(py, s).into_any(),
        Value::Blob(b) => PyBytes::new(py, b).into_any(),
    })
}

fn row_to_py<'py>(py: Python<'py>, row: &[Value]) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        row.iter()
            .map(|v| value_to_py(py, v))
            .collect::<PyResult<Vec<_>>>()?,
    )
}

#[pymethods]
impl PyQueryResult {
    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.result.columns.clone()
    }

    /// Every row, as a list of tuples.
    #[getter]
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            self.result
                .rows
                .iter()
                .map(|r| row_to_py(py, r))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    fn __len__(&self) -> usize {
        self.result.rows.len()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyTuple>> {
        let n = self.result.rows.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if !(0..n).contains(&i) {
            return Err(PyIndexError::new_err(format!(
                "row index {index} out of range ({n} rows)"
            )));
        }
        row_to_py(py, &self.result.rows[i as usize])
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.rows(py)?.into_any().try_iter().map(Bound::into_any)
    }

    /// The rows as a pandas DataFrame with typed columns: integers as ``Int64`` (nullable),
    /// reals as ``float64``, store timestamps as ``datetime64[s, UTC]``, dates (``YYYY-MM-DD``) as
    /// ``datetime64[s]``, other text as ``string``. pandas is imported on first use.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let typed = py.detach(|| typed_columns(&self.result));
        let specs = PyList::empty(py);
        for (ci, col) in typed.into_iter().enumerate() {
            let spec = match col {
                Typed::Int { values, mask } => (
                    "int",
                    PyByteArray::new(py, &values),
                    PyByteArray::new(py, &mask),
                )
                    .into_pyobject(py)?
                    .into_any(),
                Typed::Float { values } => ("float", PyByteArray::new(py, &values))
                    .into_pyobject(py)?
                    .into_any(),
                Typed::Seconds { kind, values, mask } => (
                    kind,
                    PyByteArray::new(py, &values),
                    PyByteArray::new(py, &mask),
                )
                    .into_pyobject(py)?
                    .into_any(),
                Typed::Objects { kind } => {
                    let items = PyList::new(
                        py,
                        self.result
                            .rows
                            .iter()
                            .map(|r| value_to_py(py, &r[ci]))
                            .collect::<PyResult<Vec<_>>>()?,
                    )?;
                    (kind, items).into_pyobject(py)?.into_any()
                }
            };
            specs.append(spec)?;
        }
        py.import("licstore._frame")?
            .call_method1("to_pandas", (self.columns(), specs))
    }

    fn __repr__(&self) -> String {
        let cols = &self.result.columns;
        let shown: Vec<&str> = cols.iter().take(8).map(String::as_str).collect();
        format!(
            "<QueryResult: {} rows x {} columns ({}{})>",
            self.result.rows.len(),
            cols.len(),
            shown.join(", "),
            if cols.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        )
    }

    /// An HTML table of the first rows, for notebooks.
    fn _repr_html_(&self) -> String {
        const MAX: usize = 50;
        let mut h = String::from("<table class=\"licstore-result\"><thead><tr>");
        for c in &self.result.columns {
            h.push_str(&format!("<th>{}</th>", escape(c)));
        }
        h.push_str("</tr></thead><tbody>");
        for row in self.result.rows.iter().take(MAX) {
            h.push_str("<tr>");
            for v in row {
                let cell = match v {
                    Value::Null => "<i>NULL</i>".to_string(),
                    Value::Integer(i) => i.to_string(),
                    Value::Real(f) => f.to_string(),
                    Value::Text(s) => escape(s),
                    Value::Blob(b) => format!("<i>{} bytes</i>", b.len()),
                };
                h.push_str(&format!("<td>{cell}</td>"));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        let n = self.result.rows.len();
        h.push_str(&format!(
            "<p>{n} rows &times; {} columns{}</p>",
            self.result.columns.len(),
            if n > MAX {
                format!(" (first {MAX} shown)")
            } else {
                String::new()
            }
        ));
        h
    }
}

pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(ch),
        }
    }
    o
}

// --- typed columns for DataFrames ---

/// One column, typed from its values (or, when every value is NULL, from its declared type).
/// Numeric columns are little-endian buffers that numpy reads without a copy per value.
#[derive(Debug)]
enum Typed {
    /// `int64` values and a null mask (1 = null).
    Int { values: Vec<u8>, mask: Vec<u8> },
    /// `float64` values, NaN for null.
    Float { values: Vec<u8> },
    /// Seconds since the epoch: kind `timestamp` (UTC instants) or `date` (midnight).
    Seconds {
        kind: &'static str,
        values: Vec<u8>,
        mask: Vec<u8>,
    },
    /// Python objects: kind `string` (text) or `object` (bytes or mixed types).
    Objects { kind: &'static str },
}

fn typed_columns(r: &QueryResult) -> Vec<Typed> {
    (0..r.columns.len()).map(|ci| typed_column(r, ci)).collect()
}

fn typed_column(r: &QueryResult, ci: usize) -> Typed {
    let (mut ints, mut reals, mut texts, mut blobs) = (0usize, 0usize, 0usize, 0usize);
    let (mut all_ts, mut all_dates) = (true, true);
    for row in &r.rows {
        match &row[ci] {
            Value::Null => {}
            Value::Integer(_) => ints += 1,
            Value::Real(_) => reals += 1,
            Value::Text(s) => {
                texts += 1;
                all_ts = all_ts && parse_timestamp(s).is_some();
                all_dates = all_dates && parse_date(s).is_some();
            }
            Value::Blob(_) => blobs += 1,
        }
    }
    let non_null = ints + reals + texts + blobs;
    let n = r.rows.len();
    if non_null == 0 {
        let decl = r.decl_types[ci]
            .as_deref()
            .unwrap_or("")
            .to_ascii_uppercase();
        return if decl.contains("INT") {
            Typed::Int {
                values: vec![0; n * 8],
                mask: vec![1; n],
            }
        } else if decl.contains("REAL") || decl.contains("FLOA") || decl.contains("DOUB") {
            Typed::Float {
                values: f64::NAN.to_le_bytes().repeat(n),
            }
        } else if decl.contains("TEXT") || decl.contains("CHAR") {
            Typed::Objects { kind: "string" }
        } else {
            Typed::Objects { kind: "object" }
        };
    }
    if ints == non_null {
        let mut values = Vec::with_capacity(n * 8);
        let mut mask = Vec::with_capacity(n);
        for row in &r.rows {
            let (v, m) = match row[ci] {
                Value::Integer(i) => (i, 0u8),
                _ => (0, 1),
            };
            values.extend_from_slice(&v.to_le_bytes());
            mask.push(m);
        }
        return Typed::Int { values, mask };
    }
    if ints + reals == non_null {
        let mut values = Vec::with_capacity(n * 8);
        for row in &r.rows {
            let f = match row[ci] {
                Value::Integer(i) => i as f64,
                Value::Real(f) => f,
                _ => f64::NAN,
            };
            values.extend_from_slice(&f.to_le_bytes());
        }
        return Typed::Float { values };
    }
    if texts == non_null && (all_ts || all_dates) {
        let (kind, parse): (&'static str, fn(&str) -> Option<i64>) = if all_ts {
            ("timestamp", parse_timestamp)
        } else {
            ("date", parse_date)
        };
        let mut values = Vec::with_capacity(n * 8);
        let mut mask = Vec::with_capacity(n);
        for row in &r.rows {
            let (v, m) = match &row[ci] {
                Value::Text(s) => (parse(s).unwrap_or(0), 0u8),
                _ => (0, 1),
            };
            values.extend_from_slice(&v.to_le_bytes());
            mask.push(m);
        }
        return Typed::Seconds { kind, values, mask };
    }
    if texts == non_null {
        Typed::Objects { kind: "string" }
    } else {
        Typed::Objects { kind: "object" }
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` as seconds since the epoch at midnight, if it is a real date.
fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// The store's timestamp form `YYYY-MM-DDTHH:MM:SSZ` as seconds since the epoch.
fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let day = parse_date(&s[..10])?;
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    Some(day + h * 3600 + mi * 60 + se)
}
