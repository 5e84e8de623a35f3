//! Exceptions: `licstore.LicstoreError` and one subclass per core [`ErrorCode`].
//!
//! The subclasses are made at module init from [`ErrorCode::ALL`], so a code added to core gets
//! its Python class without anyone writing it here; the class name is the code's name, the
//! docstring its [`ErrorCode::description`]. Keep in sync with the declarations in
//! `licstore/_native.pyi` and the imports in `licstore/__init__.py`;
//! `tests/test_exceptions.py` fails when they disagree.
//!
//! Every class has `code` (the stable number) and `code_name`. Some also derive from the
//! built-in exception a Python programmer would catch ([`extra_base`]).

use licstore::{Error, ErrorCode, RowError, Violation};
use pyo3::exceptions::{PyException, PyLookupError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::types::{PyRowError, PyViolation};

pyo3::create_exception!(
    licstore,
    LicstoreError,
    PyException,
    "The base class of every error licstore raises. `str(e)` says what was wrong with which input;\n`e.code` is the stable error number and `e.code_name` its name (the class name)."
);

/// One class per code, in [`ErrorCode::ALL`] order.
static CLASSES: PyOnceLock<Vec<(ErrorCode, Py<PyType>)>> = PyOnceLock::new();

/// The built-in exception a subclass also derives from, so that `except ValueError` and friends
/// catch what they mean.
fn extra_base(py: Python<'_>, code: ErrorCode) -> Option<Bound<'_, PyType>> {
    match code {
        ErrorCode::InvalidArgument => Some(py.get_type::<PyValueError>()),
        ErrorCode::NotFound => Some(py.get_type::<PyLookupError>()),
        ErrorCode::IoError => Some(py.get_type::<PyOSError>()),
        _ => None,
    }
}

fn classes(py: Python<'_>) -> PyResult<&Vec<(ErrorCode, Py<PyType>)>> {
    CLASSES.get_or_try_init(py, || {
        let base = py.get_type::<LicstoreError>();
        let type_ = py.get_type::<PyType>();
        ErrorCode::ALL
            .iter()
            .map(|&code| {
                let mut bases = vec![base.clone().into_any()];
                if let Some(extra) = extra_base(py, code) {
                    bases.push(extra.into_any());
                }
                let ns = PyDict::new(py);
                ns.set_item("__module__", "licstore")?;
                ns.set_item("__qualname__", code.name())?;
                ns.set_item("__doc__", code.description())?;
                ns.set_item("code", code.number())?;
                ns.set_item("code_name", code.name())?;
                let cls = type_.call1((code.name(), PyTuple::new(py, bases)?, ns))?;
                Ok((code, cls.cast_into::<PyType>()?.unbind()))
            })
            .collect()
    })
}

/// Adds `LicstoreError`, every subclass and `error_codes()` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("LicstoreError", py.get_type::<LicstoreError>())?;
    for (code, cls) in classes(py)? {
        m.add(code.name(), cls.bind(py))?;
    }
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    Ok(())
}

/// Every error code, as a dict from its name (the exception class name) to its stable number,
/// in numeric order.
#[pyfunction]
fn error_codes(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for c in ErrorCode::ALL {
        d.set_item(c.name(), c.number())?;
    }
    Ok(d)
}

/// The exception for a core error: the class of its code, with the details as attributes.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| build(py, e).unwrap_or_else(|err| err))
}

fn build(py: Python<'_>, e: Error) -> PyResult<PyErr> {
    let code = e.code();
    let cls = classes(py)?
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, cls)| cls.bind(py).clone())
        // N.B. Unreachable while the classes are made from ErrorCode::ALL; kept as the
        // fallback arm so that a mismatch still raises a LicstoreError, not a crash.
        .unwrap_or_else(|| py.get_type::<LicstoreError>());
    // N.B. A violation's Display (for C and the CLI) starts with the code's name, which in
    // Python is the class name already; say the subject only when the message does not.
    let text = match &e {
        Error::Violation(v) if v.message.contains(&v.subject) => v.message.clone(),
        Error::Violation(v) => format!("{}: {}", v.subject, v.message),
        _ => e.to_string(),
    };
    let err = PyErr::from_type(cls, text);
    let value = err.value(py);
    match &e {
        Error::Csv(csv) => {
            let first = csv.first();
            value.setattr("file", &first.file)?;
            value.setattr("line", first.line)?;
            value.setattr("column", first.column.as_deref())?;
            value.setattr("value", first.value.as_deref())?;
            value.setattr("reason", &first.reason)?;
            value.setattr("errors", row_errors(py, &csv.errors)?)?;
            value.setattr("rejected", csv.rejected)?;
        }
        Error::BulkOperationFailed { job_id, failures } => {
            value.setattr("job_id", *job_id)?;
            value.setattr("failures", violations(py, failures)?)?;
        }
        Error::Violation(v) => {
            value.setattr("subject", &v.subject)?;
            value.setattr("message", &v.message)?;
        }
        _ => {}
    }
    Ok(err)
}

/// A Python list of [`PyRowError`]s.
pub fn row_errors<'py>(py: Python<'py>, errors: &[RowError]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, errors.iter().map(|r| PyRowError::from(r.clone())))
}

fn violations<'py>(py: Python<'py>, failures: &[Violation]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, failures.iter().map(|v| PyViolation::from(v.clone())))
}

/// `?` for core results inside the binding: `store.add_customer(..).or_raise()?`.
pub trait OrRaise<T> {
    /// The core error as its Python exception.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for licstore::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An `InvalidArgument` raised by the binding itself (for a check only Python can make, such as
/// a naive datetime), worded like core's.
pub fn invalid(what: &str, value: impl Into<String>, reason: &str) -> PyErr {
    to_py(Error::invalid(what, value, reason))
}
