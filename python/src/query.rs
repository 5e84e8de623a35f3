//! The read-only SQL channel from Python: parameters in, a `QueryResult` (a [`Frame`] of Arrow
//! columns) out, and its DataFrames.

use std::collections::HashSet;
use std::time::Duration;

use licstore::{Params, Value, ValueRef};
use pyo3::exceptions::{PyImportError, PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyCapsule, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList,
    PyMapping, PySequence, PyString, PyTuple,
};

use arrow_array::Array;

use crate::frame::{null_mask, parse_date, parse_timestamp, Column, Frame, Hint};

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
/// ``rows``, and DataFrames: ``to_pandas()``, ``to_arrow()``, ``to_polars()`` (and the Arrow
/// PyCapsule interface, ``__arrow_c_stream__``, which pyarrow, polars, DuckDB and others read
/// directly). Values are SQL's: None, int, float, str or bytes (timestamps are ISO-8601 UTC
/// text; the DataFrames turn them into datetimes).
#[pyclass(frozen, module = "licstore", name = "QueryResult", sequence)]
#[derive(Debug)]
pub struct PyQueryResult {
    frame: Frame,
}

impl From<Frame> for PyQueryResult {
    fn from(frame: Frame) -> PyQueryResult {
        PyQueryResult { frame }
    }
}

fn value_to_py<'py>(py: Python<'py>, v: ValueRef<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        ValueRef::Null => py.None().into_bound(py),
        ValueRef::Integer(i) => i.into_pyobject(py)?.into_any(),
        ValueRef::Real(f) => f.into_pyobject(py)?.into_any(),
        ValueRef::Text(s) => PyString::new(py, s).into_any(),
        ValueRef::Blob(b) => PyBytes::new(py, b).into_any(),
    })
}

impl PyQueryResult {
    fn row<'py>(&self, py: Python<'py>, i: usize) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            self.frame
                .columns
                .iter()
                .map(|c| value_to_py(py, c.get(i)))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    fn column_objects<'py>(&self, py: Python<'py>, ci: usize) -> PyResult<Bound<'py, PyList>> {
        let c = &self.frame.columns[ci];
        PyList::new(
            py,
            (0..self.frame.len)
                .map(|i| value_to_py(py, c.get(i)))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    /// The Arrow C stream of the rows, in a capsule (the PyCapsule interface).
    fn capsule<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let stream = py.detach(|| self.frame.stream());
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
}

#[pymethods]
impl PyQueryResult {
    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.frame.names.clone()
    }

    /// Every row, as a list of tuples.
    #[getter]
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            (0..self.frame.len)
                .map(|i| self.row(py, i))
                .collect::<PyResult<Vec<_>>>()?,
        )
    }

    fn __len__(&self) -> usize {
        self.frame.len
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyTuple>> {
        let n = self.frame.len as isize;
        let i = if index < 0 { index + n } else { index };
        if !(0..n).contains(&i) {
            return Err(PyIndexError::new_err(format!(
                "row index {index} out of range ({n} rows)"
            )));
        }
        self.row(py, i as usize)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.rows(py)?.into_any().try_iter().map(Bound::into_any)
    }

    /// The rows as an Arrow C stream (the Arrow PyCapsule interface): ``pyarrow.table(result)``,
    /// ``polars.DataFrame(result)`` and other Arrow consumers read the columns without a copy.
    /// ``requested_schema`` is accepted and ignored (the stream has one schema).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        self.capsule(py)
    }

    /// The rows as a ``pyarrow.Table``: integers ``int64``, reals ``float64``, store timestamps
    /// ``timestamp[s, tz=UTC]``, dates (``YYYY-MM-DD``) ``date32``, other text ``large_string``,
    /// bytes ``large_binary``; a column that mixes kinds of values comes as text. Needs pyarrow
    /// (``pip install 'licstore[arrow]'``).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let pa = import_optional(slf.py(), "pyarrow", "to_arrow()", "arrow")?;
        pa.getattr("table")?.call1((slf,))
    }

    /// The rows as a ``polars.DataFrame`` with the types of ``to_arrow()``. Needs polars
    /// (``pip install 'licstore[polars]'``); pyarrow is not needed.
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let pl = import_optional(py, "polars", "to_polars()", "polars")?;
        if this.frame.names.iter().collect::<HashSet<_>>().len() < this.frame.names.len() {
            return Err(invalid(
                "to_polars()",
                this.frame.names.join(", "),
                "polars needs distinct column names; name the columns with AS",
            ));
        }
        pl.getattr("DataFrame")?.call1((slf,))
    }

    /// The rows as a pandas DataFrame with typed columns: integers as ``Int64`` (nullable),
    /// reals as ``float64``, store timestamps as ``datetime64[s, UTC]``, dates (``YYYY-MM-DD``) as
    /// ``datetime64[s]``, other text as ``string``, bytes and mixed columns as ``object``.
    /// With pyarrow installed the columns go through Arrow (fast, no Python object per value);
    /// without it, through numpy buffers.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let (py, this) = (slf.py(), slf.get());
        let frame_mod = py.import("licstore._frame")?;
        let have_arrow: bool = frame_mod.call_method0("have_pyarrow")?.extract()?;
        if have_arrow {
            let mixed = PyDict::new(py);
            for ci in this.frame.mixed() {
                mixed.set_item(ci, this.column_objects(py, ci)?)?;
            }
            return frame_mod.call_method1(
                "arrow_to_pandas",
                (Self::to_arrow(slf)?, this.columns(), mixed),
            );
        }
        this.to_pandas_numpy(py)
    }

    /// ``to_pandas()`` without pyarrow, through numpy buffers (what it does when pyarrow is not
    /// installed; the same dtypes).
    fn _to_pandas_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_pandas_numpy(py)
    }

    fn __repr__(&self) -> String {
        let cols = &self.frame.names;
        let shown: Vec<&str> = cols.iter().take(8).map(String::as_str).collect();
        format!(
            "<QueryResult: {} rows x {} columns ({}{})>",
            self.frame.len,
            cols.len(),
            shown.join(", "),
            if cols.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        )
    }

    /// An HTML table of the first rows, for notebooks (every value escaped).
    fn _repr_html_(&self) -> String {
        const MAX: usize = 50;
        let mut h = String::from("<table class=\"licstore-result\"><thead><tr>");
        for c in &self.frame.names {
            h.push_str(&format!("<th>{}</th>", escape(c)));
        }
        h.push_str("</tr></thead><tbody>");
        for i in 0..self.frame.len.min(MAX) {
            h.push_str("<tr>");
            for c in &self.frame.columns {
                let cell = match c.get(i) {
                    ValueRef::Null => "<i>NULL</i>".to_string(),
                    ValueRef::Integer(i) => i.to_string(),
                    ValueRef::Real(f) => f.to_string(),
                    ValueRef::Text(s) => escape(s),
                    ValueRef::Blob(b) => format!("<i>{} bytes</i>", b.len()),
                };
                h.push_str(&format!("<td>{cell}</td>"));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        let n = self.frame.len;
        h.push_str(&format!(
            "<p>{n} rows &times; {} columns{}</p>",
            self.frame.names.len(),
            if n > MAX {
                format!(" (first {MAX} shown)")
            } else {
                String::new()
            }
        ));
        h
    }
}

impl PyQueryResult {
    fn to_pandas_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let typed = py.detach(|| {
            (0..self.frame.columns.len())
                .map(|ci| typed_column(&self.frame, ci))
                .collect::<Vec<_>>()
        });
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
                Typed::Objects { kind } => (kind, self.column_objects(py, ci)?)
                    .into_pyobject(py)?
                    .into_any(),
            };
            specs.append(spec)?;
        }
        py.import("licstore._frame")?
            .call_method1("to_pandas", (self.columns(), specs))
    }
}

/// Imports an optional dependency, or raises ImportError saying which extra installs it.
fn import_optional<'py>(
    py: Python<'py>,
    module: &str,
    what: &str,
    extra: &str,
) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|e| {
        if e.is_instance_of::<PyImportError>(py) {
            let err = PyImportError::new_err(format!(
                "{what} needs {module}: pip install 'licstore[{extra}]'"
            ));
            err.set_cause(py, Some(e));
            err
        } else {
            e
        }
    })
}

pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#x27;"),
            _ => o.push(ch),
        }
    }
    o
}

// --- typed columns for numpy (pandas without pyarrow) ---

/// One column for `_frame.to_pandas`. Numeric columns are little-endian buffers that numpy
/// reads without a copy per value.
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

fn le_bytes<T: Copy, const N: usize>(values: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * N);
    for &v in values {
        out.extend_from_slice(&f(v));
    }
    out
}

fn typed_column(frame: &Frame, ci: usize) -> Typed {
    let n = frame.len;
    match &frame.columns[ci] {
        Column::Null(_) => Typed::Objects { kind: "object" },
        Column::Int(a) => Typed::Int {
            values: le_bytes(a.values(), i64::to_le_bytes),
            mask: null_mask(a.nulls(), n),
        },
        Column::Float(a) => {
            let values: Vec<f64> = (0..n)
                .map(|i| if a.is_valid(i) { a.value(i) } else { f64::NAN })
                .collect();
            Typed::Float {
                values: le_bytes(&values, f64::to_le_bytes),
            }
        }
        Column::Text { array, hint } => {
            let all_null = array.null_count() == n;
            let parsed = |parse: fn(&str) -> Option<i64>| -> Option<Vec<i64>> {
                (0..n)
                    .map(|i| {
                        if array.is_valid(i) {
                            parse(array.value(i))
                        } else {
                            Some(0)
                        }
                    })
                    .collect()
            };
            let seconds = |kind, values: Vec<i64>| Typed::Seconds {
                kind,
                values: le_bytes(&values, i64::to_le_bytes),
                mask: null_mask(array.nulls(), n),
            };
            if all_null {
                return match hint {
                    Hint::Timestamp => seconds("timestamp", vec![0; n]),
                    Hint::Date => seconds("date", vec![0; n]),
                    Hint::Text => Typed::Objects { kind: "string" },
                };
            }
            if let Some(v) = parsed(parse_timestamp) {
                return seconds("timestamp", v);
            }
            if let Some(v) = parsed(parse_date) {
                return seconds("date", v);
            }
            Typed::Objects { kind: "string" }
        }
        Column::Blob(_) | Column::Mixed(_) => Typed::Objects { kind: "object" },
    }
}
