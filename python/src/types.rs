//! Typed results: frozen classes with attribute access, equality and a readable `repr`, one per
//! core result type; and the conversions between the store's ISO-8601 UTC text and `datetime`.

use licstore::{AuditEntry, Customer, ImportReport, RowError, Violation};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateTime, PyString};
use pyo3::IntoPyObjectExt;

use crate::errors::invalid;

/// Adds the result classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCustomer>()?;
    m.add_class::<PyAuditEntry>()?;
    m.add_class::<PyImportReport>()?;
    m.add_class::<PyRowError>()?;
    m.add_class::<PyViolation>()?;
    Ok(())
}

// --- time ---

static FROMISOFORMAT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn utc(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    UTC.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("datetime")?
                .getattr("timezone")?
                .getattr("utc")?
                .unbind(),
        )
    })
    .map(|u| u.bind(py))
}

/// The store's timestamp text (`2024-05-06T07:08:09Z`) as an aware `datetime` in UTC.
pub fn to_datetime<'py>(py: Python<'py>, ts: &str) -> PyResult<Bound<'py, PyAny>> {
    let parse = FROMISOFORMAT.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("datetime")?
                .getattr("datetime")?
                .getattr("fromisoformat")?
                .unbind(),
        )
    })?;
    // N.B. Python 3.9 and 3.10 do not read a trailing `Z`; the offset form means the same.
    let text = match ts.strip_suffix('Z') {
        Some(head) => format!("{head}+00:00"),
        None => ts.to_string(),
    };
    parse.bind(py).call1((text,))
}

/// An aware `datetime` as the store's timestamp text, in UTC, whole seconds. A naive datetime is
/// refused (`InvalidArgument`): which instant it means depends on a time zone nobody said.
pub fn from_datetime(what: &str, dt: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = dt.py();
    if !dt.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime, not {}",
            type_name(dt)
        )));
    }
    if dt.call_method0("utcoffset")?.is_none() {
        return Err(invalid(
            what,
            dt.str()?.to_string(),
            "a naive datetime (no tzinfo) is ambiguous; pass an aware one, e.g. datetime.now(timezone.utc) or dt.replace(tzinfo=timezone.utc)",
        ));
    }
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("microsecond", 0)?;
    kwargs.set_item("tzinfo", py.None())?;
    let naive_utc =
        dt.call_method1("astimezone", (utc(py)?,))?
            .call_method("replace", (), Some(&kwargs))?;
    let text: String = naive_utc.call_method0("isoformat")?.extract()?;
    Ok(format!("{text}Z"))
}

/// The type name of an object, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// `repr()` of a value, for the classes' own `__repr__`.
pub(crate) fn r<'py, T: IntoPyObject<'py> + Clone>(py: Python<'py>, v: &T) -> String {
    v.clone()
        .into_bound_py_any(py)
        .and_then(|o| o.repr())
        .ok()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "?".into())
}

pub(crate) fn repr_ts(py: Python<'_>, ts: &str) -> String {
    to_datetime(py, ts)
        .and_then(|d| d.repr())
        .map(|s| s.to_string())
        .unwrap_or_else(|_| format!("{ts:?}"))
}

// --- Customer ---

/// A customer: an organization whose licenses the store manages.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Customer")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyCustomer {
    /// Unique name (without regard to case).
    #[pyo3(get)]
    name: String,
    /// The Microsoft 365 tenant's domain, e.g. ``contoso.onmicrosoft.com`` (unique), or None.
    #[pyo3(get)]
    tenant_domain: Option<String>,
    /// ISO 3166-1 alpha-2 country for subscribers without a usage location of their own, or None.
    #[pyo3(get)]
    default_usage_location: Option<String>,
    created: String,
    updated: String,
}

impl From<Customer> for PyCustomer {
    fn from(c: Customer) -> PyCustomer {
        PyCustomer {
            name: c.name,
            tenant_domain: c.tenant_domain,
            default_usage_location: c.default_usage_location,
            created: c.created_at,
            updated: c.updated_at,
        }
    }
}

#[pymethods]
impl PyCustomer {
    /// When the customer was added (aware datetime, UTC).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.created)
    }

    /// When the customer was last changed (aware datetime, UTC).
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.updated)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Customer(name={}, tenant_domain={}, default_usage_location={}, created_at={}, updated_at={})",
            r(py, &self.name),
            r(py, &self.tenant_domain),
            r(py, &self.default_usage_location),
            repr_ts(py, &self.created),
            repr_ts(py, &self.updated),
        )
    }
}

// --- AuditEntry ---

/// One row of the append-only audit log: who changed what, when, and the entity before and
/// after.
#[pyclass(frozen, eq, hash, module = "licstore", name = "AuditEntry")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyAuditEntry {
    /// Monotonic id (insertion order).
    #[pyo3(get)]
    id: i64,
    at_text: String,
    /// Who acted (the store's actor at the time).
    #[pyo3(get)]
    actor: String,
    /// What was done: ``customer.add``, ``customer.update``, ``customer.remove``, ...
    #[pyo3(get)]
    action: String,
    /// The kind of entity: ``customer``, ...
    #[pyo3(get)]
    entity: String,
    /// The entity's natural key (a customer's name, ...).
    #[pyo3(get)]
    entity_key: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl From<AuditEntry> for PyAuditEntry {
    fn from(e: AuditEntry) -> PyAuditEntry {
        PyAuditEntry {
            id: e.id,
            at_text: e.at,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_key: e.entity_key,
            before_json: e.before,
            after_json: e.after,
        }
    }
}

fn json_loads<'py>(py: Python<'py>, text: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    match text {
        None => Ok(py.None().into_bound(py)),
        Some(t) => py
            .import("json")?
            .call_method1("loads", (PyString::new(py, t),)),
    }
}

#[pymethods]
impl PyAuditEntry {
    /// When (aware datetime, UTC).
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.at_text)
    }

    /// The entity before the change, as a dict (None for an addition).
    #[getter]
    fn before<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, self.before_json.as_deref())
    }

    /// The entity after the change, as a dict (None for a removal).
    #[getter]
    fn after<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, self.after_json.as_deref())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AuditEntry(id={}, at={}, actor={}, action={}, entity={}, entity_key={})",
            self.id,
            repr_ts(py, &self.at_text),
            r(py, &self.actor),
            r(py, &self.action),
            r(py, &self.entity),
            r(py, &self.entity_key),
        )
    }
}

// --- RowError ---

/// One rejected row (or header) of an import: where it is and why it was rejected.
#[pyclass(frozen, eq, hash, module = "licstore", name = "RowError")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyRowError {
    /// The file name as given.
    #[pyo3(get)]
    file: String,
    /// 1-based line where the record starts (the header is line 1).
    #[pyo3(get)]
    line: u64,
    /// The column's name, when the error is about one field.
    #[pyo3(get)]
    column: Option<String>,
    /// The offending value, when there is one.
    #[pyo3(get)]
    value: Option<String>,
    /// Why the row was rejected.
    #[pyo3(get)]
    reason: String,
}

impl From<RowError> for PyRowError {
    fn from(e: RowError) -> PyRowError {
        PyRowError {
            file: e.file,
            line: e.line,
            column: e.column,
            value: e.value,
            reason: e.reason,
        }
    }
}

impl PyRowError {
    fn core(&self) -> RowError {
        RowError {
            file: self.file.clone(),
            line: self.line,
            column: self.column.clone(),
            value: self.value.clone(),
            reason: self.reason.clone(),
        }
    }
}

#[pymethods]
impl PyRowError {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "RowError(file={}, line={}, column={}, value={}, reason={})",
            r(py, &self.file),
            self.line,
            r(py, &self.column),
            r(py, &self.value),
            r(py, &self.reason),
        )
    }

    fn __str__(&self) -> String {
        self.core().to_string()
    }
}

// --- Violation ---

/// A domain rule's refusal for one subject (a user, a key, ...): one failure of a bulk
/// operation.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Violation")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyViolation {
    /// The error code's name, e.g. ``CountViolation`` (the exception class it would raise alone).
    #[pyo3(get)]
    code_name: &'static str,
    /// The error code's number.
    #[pyo3(get)]
    code: u32,
    /// What the rule was checked for: a user principal name, a key's last characters, ...
    #[pyo3(get)]
    subject: String,
    /// What was wrong.
    #[pyo3(get)]
    message: String,
}

impl From<Violation> for PyViolation {
    fn from(v: Violation) -> PyViolation {
        PyViolation {
            code_name: v.code.name(),
            code: v.code.number(),
            subject: v.subject,
            message: v.message,
        }
    }
}

#[pymethods]
impl PyViolation {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Violation(code_name={}, subject={}, message={})",
            r(py, &self.code_name),
            r(py, &self.subject),
            r(py, &self.message),
        )
    }

    fn __str__(&self) -> String {
        format!("{}: {}: {}", self.code_name, self.subject, self.message)
    }
}

// --- ImportReport ---

/// What an import did: rows read, inserted, updated, unchanged and rejected (rejections only in
/// ``skip_invalid`` mode; ``all_or_nothing`` raises ``CsvError`` instead).
#[pyclass(frozen, eq, hash, module = "licstore", name = "ImportReport")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyImportReport {
    /// Data rows read.
    #[pyo3(get)]
    rows: u64,
    /// New entities.
    #[pyo3(get)]
    inserted: u64,
    /// Existing entities changed.
    #[pyo3(get)]
    updated: u64,
    /// Rows equal to what the store holds.
    #[pyo3(get)]
    unchanged: u64,
    /// Rows rejected (all of them counted).
    #[pyo3(get)]
    rejected: u64,
    errors_: Vec<PyRowError>,
}

impl From<ImportReport> for PyImportReport {
    fn from(r: ImportReport) -> PyImportReport {
        PyImportReport {
            rows: r.rows,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
            errors_: r.errors.into_iter().map(PyRowError::from).collect(),
        }
    }
}

#[pymethods]
impl PyImportReport {
    /// The first rejected rows (up to 1000 kept), in file order.
    #[getter]
    fn errors(&self) -> Vec<PyRowError> {
        self.errors_.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "ImportReport(rows={}, inserted={}, updated={}, unchanged={}, rejected={})",
            self.rows, self.inserted, self.updated, self.unchanged, self.rejected
        )
    }
}
