//! Online services: the typed results of the online calls (catalog, SKUs and their usage,
//! subscribers, licenses, bulk previews, jobs and their items, expiring items, profiles, the
//! M365 users and Graph SKU sync differences) and the argument conversions they share.
//!
//! Statuses, outcomes and kinds cross the boundary as Python `str` with the spelling the views
//! show (`Active`, `FinishedWithException`, `ok`, `New`, ...). SKU terms are `datetime.date`;
//! instants (license expiry, job times) aware `datetime`s in UTC.

use chrono::NaiveDate;
use licstore::{
    BulkMode, BulkOutcome, BulkPreview, CatalogReport, CatalogSku, Expiring, HeldBy, ItemOutcome,
    ItemResult, Job, JobStatus, Profile, Sku, SkuChange, SkuChangeKind, Subscriber,
    SubscriberFilter, SubscriberStatus, Targets, UserChange, UserChangeKind, UserSyncDiff,
};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDate, PyDateTime, PyDict, PyList, PyTuple};

use crate::errors::{invalid, OrRaise};
use crate::query::escape;
use crate::types::{from_datetime, r, repr_ts, to_datetime, type_name, PyRowError};

/// Adds the online result classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCatalogSku>()?;
    m.add_class::<PyCatalogReport>()?;
    m.add_class::<PySku>()?;
    m.add_class::<PySkuUsage>()?;
    m.add_class::<PySubscriber>()?;
    m.add_class::<PyLicense>()?;
    m.add_class::<PyJobItem>()?;
    m.add_class::<PyJobItems>()?;
    m.add_class::<PyJob>()?;
    m.add_class::<PyBulkOutcome>()?;
    m.add_class::<PySkuPreview>()?;
    m.add_class::<PyBulkPreview>()?;
    m.add_class::<PyExpiring>()?;
    m.add_class::<PyProfile>()?;
    m.add_class::<PySkuChange>()?;
    m.add_class::<PySkuSync>()?;
    m.add_class::<PyUserChange>()?;
    m.add_class::<PyUserSyncDiff>()?;
    Ok(())
}

// --- arguments ---

/// An instant argument: an aware `datetime`, or a `datetime.date` (midnight UTC), as the text
/// core reads.
pub fn instant(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if obj.is_instance_of::<PyDateTime>() {
        return from_datetime(what, obj);
    }
    if obj.is_instance_of::<PyDate>() {
        let d: NaiveDate = obj.extract()?;
        return Ok(d.format("%Y-%m-%d").to_string());
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a datetime or a datetime.date, not {}",
        type_name(obj)
    )))
}

/// An optional instant argument (None stays None).
pub fn opt_instant(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    obj.filter(|o| !o.is_none())
        .map(|o| instant(what, o))
        .transpose()
}

/// A subscriber status given as text (case-insensitive).
pub fn status(text: &str) -> PyResult<SubscriberStatus> {
    SubscriberStatus::parse(text).or_raise()
}

/// `mode="atomic"` or `"best_effort"`.
pub fn bulk_mode(mode: &str) -> PyResult<BulkMode> {
    match mode.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "atomic" => Ok(BulkMode::Atomic),
        "best_effort" => Ok(BulkMode::BestEffort),
        _ => Err(invalid(
            "bulk mode",
            mode,
            "must be \"atomic\" or \"best_effort\"",
        )),
    }
}

const FILTER_KEYS: [&str; 4] = ["department", "usage_location", "status", "domain"];

/// A subscriber filter from a dict with the keys of [`FILTER_KEYS`] (all optional).
pub fn subscriber_filter(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<SubscriberFilter> {
    let d = obj.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a dict, not {}", type_name(obj)))
    })?;
    for k in d.keys() {
        let k: String = k.extract()?;
        if !FILTER_KEYS.contains(&k.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "{what} has an unknown key '{k}' (allowed: {})",
                FILTER_KEYS.join(", ")
            )));
        }
    }
    let get = |k: &str| -> PyResult<Option<String>> {
        match d.get_item(k)? {
            Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
            _ => Ok(None),
        }
    };
    Ok(SubscriberFilter {
        department: get("department")?,
        usage_location: get("usage_location")?,
        status: get("status")?.map(|s| status(&s)).transpose()?,
        domain: get("domain")?,
    })
}

/// Exactly one of `users`, `groups`, `filter`.
pub fn targets(
    users: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    filter: Option<&Bound<'_, PyAny>>,
) -> PyResult<Targets> {
    match (users, groups, filter.filter(|f| !f.is_none())) {
        (Some(u), None, None) => Ok(Targets::Users(u)),
        (None, Some(g), None) => Ok(Targets::Groups(g)),
        (None, None, Some(f)) => Ok(Targets::Filter(subscriber_filter("filter", f)?)),
        _ => Err(PyTypeError::new_err(
            "name the target users with exactly one of users=, groups= or filter=",
        )),
    }
}

fn filter_dict<'py>(py: Python<'py>, f: &SubscriberFilter) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    if let Some(v) = &f.department {
        d.set_item("department", v)?;
    }
    if let Some(v) = &f.usage_location {
        d.set_item("usage_location", v)?;
    }
    if let Some(v) = f.status {
        d.set_item("status", v.as_str())?;
    }
    if let Some(v) = &f.domain {
        d.set_item("domain", v)?;
    }
    Ok(d)
}

fn date_of(text: &Option<String>) -> Option<NaiveDate> {
    text.as_deref()
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
}

fn ts_or_none<'py>(py: Python<'py>, ts: &Option<String>) -> PyResult<Option<Bound<'py, PyAny>>> {
    ts.as_deref().map(|t| to_datetime(py, t)).transpose()
}

fn repr_opt_ts(py: Python<'_>, ts: &Option<String>) -> String {
    match ts {
        Some(t) => repr_ts(py, t),
        None => "None".into(),
    }
}

fn index<T: Clone>(items: &[T], index: isize, what: &str) -> PyResult<T> {
    let n = items.len() as isize;
    let i = if index < 0 { index + n } else { index };
    if i < 0 || i >= n {
        return Err(PyIndexError::new_err(format!("{what} index out of range")));
    }
    Ok(items[i as usize].clone())
}

fn iter_of<'py, T>(py: Python<'py>, items: Vec<T>) -> PyResult<Bound<'py, PyAny>>
where
    T: IntoPyObject<'py>,
{
    PyList::new(py, items)?
        .into_any()
        .try_iter()
        .map(Bound::into_any)
}

fn frame<'py>(
    py: Python<'py>,
    columns: &[(&str, &str)],
    rows: Bound<'py, PyList>,
) -> PyResult<Bound<'py, PyAny>> {
    let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let kinds: Vec<&str> = columns.iter().map(|c| c.1).collect();
    py.import("licstore._frame")?
        .call_method1("records_to_pandas", (names, kinds, rows))
}

/// An HTML table for notebooks: a caption, a header row, the rows (escaped), and a footer line.
fn html_table(
    class: &str,
    caption: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    foot: &str,
) -> String {
    let mut h = format!(
        "<table class=\"licstore-{class}\"><caption>{}</caption><thead><tr>",
        escape(caption)
    );
    for c in headers {
        h.push_str(&format!("<th>{}</th>", escape(c)));
    }
    h.push_str("</tr></thead><tbody>");
    for row in rows {
        h.push_str("<tr>");
        for cell in row {
            h.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        h.push_str("</tr>");
    }
    h.push_str(&format!("</tbody></table><p>{}</p>", escape(foot)));
    h
}

fn opt_text<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or(String::new(), |x| x.to_string())
}

// --- catalog ---

/// One SKU of Microsoft's product catalog, with its service plans.
#[pyclass(frozen, eq, hash, module = "licstore", name = "CatalogSku")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyCatalogSku {
    /// The GUID (Graph ``skuId``).
    #[pyo3(get)]
    sku_id: String,
    /// The part number (Graph ``skuPartNumber``), e.g. ``ENTERPRISEPACK``.
    #[pyo3(get)]
    part_number: String,
    /// The friendly name, e.g. ``Office 365 E3``.
    #[pyo3(get)]
    display_name: String,
    /// The service plans, as ``(id, name, friendly name)`` tuples.
    #[pyo3(get)]
    plans: Vec<(String, String, String)>,
}

impl From<CatalogSku> for PyCatalogSku {
    fn from(c: CatalogSku) -> PyCatalogSku {
        PyCatalogSku {
            sku_id: c.sku_id,
            part_number: c.part_number,
            display_name: c.display_name,
            plans: c.plans,
        }
    }
}

#[pymethods]
impl PyCatalogSku {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "CatalogSku(sku_id={}, part_number={}, display_name={}, plans=<{} plans>)",
            r(py, &self.sku_id),
            r(py, &self.part_number),
            r(py, &self.display_name),
            self.plans.len()
        )
    }
}

/// What a catalog import loaded.
#[pyclass(frozen, eq, hash, module = "licstore", name = "CatalogReport")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyCatalogReport {
    /// Where the catalog came from (the file's name).
    #[pyo3(get)]
    source: String,
    /// SKUs loaded.
    #[pyo3(get)]
    skus: u64,
    /// (SKU, service plan) pairs loaded.
    #[pyo3(get)]
    plans: u64,
    /// Duplicate rows dropped.
    #[pyo3(get)]
    duplicate_rows: u64,
}

impl From<CatalogReport> for PyCatalogReport {
    fn from(c: CatalogReport) -> PyCatalogReport {
        PyCatalogReport {
            source: c.source,
            skus: c.skus,
            plans: c.plans,
            duplicate_rows: c.duplicate_rows,
        }
    }
}

#[pymethods]
impl PyCatalogReport {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "CatalogReport(source={}, skus={}, plans={}, duplicate_rows={})",
            r(py, &self.source),
            self.skus,
            self.plans,
            self.duplicate_rows
        )
    }
}

// --- SKUs ---

/// A customer's subscribed SKU with its derived figures, as the ``sku_usage`` view shows it.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Sku")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PySku {
    /// The customer's name.
    #[pyo3(get)]
    customer: String,
    /// The GUID.
    #[pyo3(get)]
    sku_id: String,
    /// The part number.
    #[pyo3(get)]
    sku_part_number: String,
    /// The friendly name from the catalog.
    #[pyo3(get)]
    display_name: String,
    /// Prepaid units that can be assigned.
    #[pyo3(get)]
    enabled: i64,
    /// Units in the grace period (still assignable).
    #[pyo3(get)]
    warning: i64,
    /// Suspended units (not assignable).
    #[pyo3(get)]
    suspended: i64,
    /// Locked-out units (not assignable).
    #[pyo3(get)]
    locked_out: i64,
    /// ``Enabled``, ``Warning``, ``Suspended``, ``Deleted`` or ``LockedOut``.
    #[pyo3(get)]
    capability_status: String,
    /// ``User`` or ``Company``.
    #[pyo3(get)]
    applies_to: String,
    /// The renewal or expiry date (``datetime.date``), or None.
    #[pyo3(get)]
    term_end: Option<NaiveDate>,
    /// Assignments held (counted from the assignments, never stored).
    #[pyo3(get)]
    assigned: i64,
    /// ``enabled + warning - assigned``.
    #[pyo3(get)]
    available: i64,
    /// The consumed count an external system reported (Graph ``consumedUnits``), or None.
    #[pyo3(get)]
    reported_consumed: Option<i64>,
    /// ``reported_consumed - assigned`` when a report exists, else None.
    #[pyo3(get)]
    drift: Option<i64>,
}

impl From<Sku> for PySku {
    fn from(s: Sku) -> PySku {
        PySku {
            term_end: date_of(&s.term_end),
            customer: s.customer,
            sku_id: s.sku_id,
            sku_part_number: s.sku_part_number,
            display_name: s.display_name,
            enabled: s.units.enabled,
            warning: s.units.warning,
            suspended: s.units.suspended,
            locked_out: s.units.locked_out,
            capability_status: s.capability_status,
            applies_to: s.applies_to,
            assigned: s.assigned,
            available: s.available,
            reported_consumed: s.reported_consumed,
            drift: s.drift,
        }
    }
}

#[pymethods]
impl PySku {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Sku(customer={}, sku_part_number={}, display_name={}, enabled={}, warning={}, suspended={}, locked_out={}, capability_status={}, term_end={}, assigned={}, available={}, reported_consumed={}, drift={})",
            r(py, &self.customer),
            r(py, &self.sku_part_number),
            r(py, &self.display_name),
            self.enabled,
            self.warning,
            self.suspended,
            self.locked_out,
            r(py, &self.capability_status),
            r(py, &self.term_end),
            self.assigned,
            self.available,
            r(py, &self.reported_consumed),
            r(py, &self.drift),
        )
    }
}

const SKU_COLUMNS: [(&str, &str); 15] = [
    ("customer", "string"),
    ("sku_id", "string"),
    ("sku_part_number", "string"),
    ("display_name", "string"),
    ("enabled", "int"),
    ("warning", "int"),
    ("suspended", "int"),
    ("locked_out", "int"),
    ("capability_status", "string"),
    ("applies_to", "string"),
    ("term_end", "date"),
    ("assigned", "int"),
    ("available", "int"),
    ("reported_consumed", "int"),
    ("drift", "int"),
];

/// A customer's SKU usage: a sequence of ``Sku`` (by friendly name) with ``to_pandas()``.
#[pyclass(frozen, eq, module = "licstore", name = "SkuUsage", sequence)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PySkuUsage {
    /// The customer's name, as stored.
    #[pyo3(get)]
    customer: String,
    skus_: Vec<PySku>,
}

impl PySkuUsage {
    pub fn new(customer: String, skus: Vec<Sku>) -> PySkuUsage {
        PySkuUsage {
            customer,
            skus_: skus.into_iter().map(PySku::from).collect(),
        }
    }
}

#[pymethods]
impl PySkuUsage {
    /// The SKUs, as a list.
    #[getter]
    fn skus(&self) -> Vec<PySku> {
        self.skus_.clone()
    }

    fn __len__(&self) -> usize {
        self.skus_.len()
    }

    fn __getitem__(&self, index: isize) -> PyResult<PySku> {
        self::index(&self.skus_, index, "SKU")
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        iter_of(py, self.skus_.clone())
    }

    /// The usage as a pandas DataFrame, one row per SKU with the attributes of ``Sku`` as
    /// columns: counts as ``Int64`` (``reported_consumed`` and ``drift`` may be ``<NA>``), text
    /// as ``string``, ``term_end`` as ``datetime64[s]``. pandas is imported on first use.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rows = PyList::empty(py);
        for s in &self.skus_ {
            let head = (
                &s.customer,
                &s.sku_id,
                &s.sku_part_number,
                &s.display_name,
                s.enabled,
                s.warning,
                s.suspended,
                s.locked_out,
                &s.capability_status,
                &s.applies_to,
                s.term_end,
                s.assigned,
            );
            let mut items: Vec<Bound<'py, PyAny>> = head
                .into_pyobject(py)?
                .into_any()
                .cast_into::<PyTuple>()?
                .iter()
                .collect();
            items.push(s.available.into_pyobject(py)?.into_any());
            items.push(s.reported_consumed.into_pyobject(py)?.into_any());
            items.push(s.drift.into_pyobject(py)?.into_any());
            rows.append(PyTuple::new(py, items)?)?;
        }
        frame(py, &SKU_COLUMNS, rows)
    }

    /// An HTML table, for notebooks: per SKU its units, assigned, available and drift.
    fn _repr_html_(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .skus_
            .iter()
            .map(|s| {
                vec![
                    s.display_name.clone(),
                    s.sku_part_number.clone(),
                    s.capability_status.clone(),
                    s.enabled.to_string(),
                    s.warning.to_string(),
                    s.assigned.to_string(),
                    s.available.to_string(),
                    opt_text(&s.term_end),
                    opt_text(&s.drift),
                ]
            })
            .collect();
        html_table(
            "sku-usage",
            &format!("SKU usage of {}", self.customer),
            &[
                "display_name",
                "sku_part_number",
                "capability_status",
                "enabled",
                "warning",
                "assigned",
                "available",
                "term_end",
                "drift",
            ],
            &rows,
            &format!("{} SKUs", self.skus_.len()),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<SkuUsage of {}: {} SKUs>",
            r(py, &self.customer),
            self.skus_.len()
        )
    }
}

// --- subscribers and licenses ---

/// A subscriber: a user of a customer's tenant.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Subscriber")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PySubscriber {
    /// The customer's name.
    #[pyo3(get)]
    customer: String,
    /// The user principal name (unique in the store without regard to case).
    #[pyo3(get)]
    user_principal_name: String,
    /// The display name, or None.
    #[pyo3(get)]
    display_name: Option<String>,
    /// The user's own usage location (ISO 3166 alpha-2), or None (then the customer's default).
    #[pyo3(get)]
    usage_location: Option<String>,
    /// The department, or None.
    #[pyo3(get)]
    department: Option<String>,
    /// The Entra object id (a GUID), or None.
    #[pyo3(get)]
    object_id: Option<String>,
    /// ``Staged``, ``Active`` or ``Offboarded``.
    #[pyo3(get)]
    status: &'static str,
}

impl From<Subscriber> for PySubscriber {
    fn from(s: Subscriber) -> PySubscriber {
        PySubscriber {
            customer: s.customer,
            user_principal_name: s.user_principal_name,
            display_name: s.display_name,
            usage_location: s.usage_location,
            department: s.department,
            object_id: s.object_id,
            status: s.status.as_str(),
        }
    }
}

#[pymethods]
impl PySubscriber {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Subscriber(customer={}, user_principal_name={}, display_name={}, usage_location={}, department={}, object_id={}, status={})",
            r(py, &self.customer),
            r(py, &self.user_principal_name),
            r(py, &self.display_name),
            r(py, &self.usage_location),
            r(py, &self.department),
            r(py, &self.object_id),
            r(py, &self.status),
        )
    }
}

/// A license a user holds now: a SKU, and when it expires (a temporary license).
#[pyclass(frozen, eq, hash, module = "licstore", name = "License")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyLicense {
    /// The SKU's GUID.
    #[pyo3(get)]
    sku_id: String,
    /// The SKU's friendly name.
    #[pyo3(get)]
    display_name: String,
    expires: Option<String>,
}

impl From<(String, String, Option<String>)> for PyLicense {
    fn from((sku_id, display_name, expires): (String, String, Option<String>)) -> PyLicense {
        PyLicense {
            sku_id,
            display_name,
            expires,
        }
    }
}

#[pymethods]
impl PyLicense {
    /// When the license ends (aware datetime, UTC), or None for a permanent one.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        ts_or_none(py, &self.expires)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "License(sku_id={}, display_name={}, expires_at={})",
            r(py, &self.sku_id),
            r(py, &self.display_name),
            repr_opt_ts(py, &self.expires),
        )
    }
}

// --- jobs ---

fn outcome_str(o: ItemOutcome) -> &'static str {
    match o {
        ItemOutcome::Ok => "ok",
        ItemOutcome::Skipped => "skipped",
        ItemOutcome::Error => "error",
    }
}

fn job_status_str(s: JobStatus) -> &'static str {
    match s {
        JobStatus::Pending => "Pending",
        JobStatus::Running => "Running",
        JobStatus::Finished => "Finished",
        JobStatus::FinishedWithException => "FinishedWithException",
        JobStatus::Failed => "Failed",
    }
}

/// One user's result in a bulk run (or in a preview's failures).
#[pyclass(frozen, eq, hash, module = "licstore", name = "JobItem")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyJobItem {
    /// The UPN (as stored, or as given when unknown).
    #[pyo3(get)]
    subject: String,
    /// ``ok``, ``skipped`` or ``error``.
    #[pyo3(get)]
    outcome: &'static str,
    /// ``AlreadyAssigned`` / ``NotAssigned`` for skips, the error code's name (the exception
    /// class name, e.g. ``CountViolation``) for errors, None for ``ok``.
    #[pyo3(get)]
    code: Option<String>,
    /// What happened, or None.
    #[pyo3(get)]
    message: Option<String>,
}

impl From<ItemResult> for PyJobItem {
    fn from(i: ItemResult) -> PyJobItem {
        PyJobItem {
            subject: i.subject,
            outcome: outcome_str(i.outcome),
            code: i.code,
            message: i.message,
        }
    }
}

#[pymethods]
impl PyJobItem {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "JobItem(subject={}, outcome={}, code={}, message={})",
            r(py, &self.subject),
            r(py, &self.outcome),
            r(py, &self.code),
            r(py, &self.message),
        )
    }
}

const ITEM_COLUMNS: [(&str, &str); 4] = [
    ("subject", "string"),
    ("outcome", "string"),
    ("code", "string"),
    ("message", "string"),
];

/// A job's items in run order: a sequence of ``JobItem`` with ``to_pandas()``.
#[pyclass(frozen, eq, module = "licstore", name = "JobItems", sequence)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyJobItems {
    /// The job's id.
    #[pyo3(get)]
    job_id: i64,
    items_: Vec<PyJobItem>,
}

impl PyJobItems {
    pub fn new(job_id: i64, items: Vec<ItemResult>) -> PyJobItems {
        PyJobItems {
            job_id,
            items_: items.into_iter().map(PyJobItem::from).collect(),
        }
    }
}

#[pymethods]
impl PyJobItems {
    /// The items, as a list.
    #[getter]
    fn items(&self) -> Vec<PyJobItem> {
        self.items_.clone()
    }

    /// The items whose outcome is ``error``.
    #[getter]
    fn failures(&self) -> Vec<PyJobItem> {
        self.items_
            .iter()
            .filter(|i| i.outcome == "error")
            .cloned()
            .collect()
    }

    fn __len__(&self) -> usize {
        self.items_.len()
    }

    fn __getitem__(&self, index: isize) -> PyResult<PyJobItem> {
        self::index(&self.items_, index, "job item")
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        iter_of(py, self.items_.clone())
    }

    /// The items as a pandas DataFrame with the columns ``subject``, ``outcome``, ``code``,
    /// ``message`` (all ``string``). pandas is imported on first use.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rows = PyList::empty(py);
        for i in &self.items_ {
            rows.append((&i.subject, i.outcome, &i.code, &i.message))?;
        }
        frame(py, &ITEM_COLUMNS, rows)
    }

    /// An HTML table of the items, for notebooks.
    fn _repr_html_(&self) -> String {
        items_html(
            Some(self.job_id),
            &self.items_,
            &format!("job {}", self.job_id),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "<JobItems of job {}: {} items, {} failed>",
            self.job_id,
            self.items_.len(),
            self.items_.iter().filter(|i| i.outcome == "error").count()
        )
    }
}

const HTML_ITEMS_SHOWN: usize = 50;

fn items_html(job_id: Option<i64>, items: &[PyJobItem], title: &str) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .take(HTML_ITEMS_SHOWN)
        .map(|i| {
            vec![
                i.subject.clone(),
                i.outcome.to_string(),
                opt_text(&i.code),
                opt_text(&i.message),
            ]
        })
        .collect();
    let more = match job_id {
        _ if items.len() <= HTML_ITEMS_SHOWN => format!("{} items", items.len()),
        Some(id) => format!(
            "{} items (first {HTML_ITEMS_SHOWN} shown; store.job_items({id}).to_pandas() has all)",
            items.len()
        ),
        None => format!("{} items (first {HTML_ITEMS_SHOWN} shown)", items.len()),
    };
    html_table(
        "job-items",
        title,
        &["subject", "outcome", "code", "message"],
        &rows,
        &more,
    )
}

/// A recorded job: a bulk run, a rerun, an expiry or a sync.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Job")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyJob {
    /// The id.
    #[pyo3(get)]
    id: i64,
    /// The customer's name, or None for store-wide jobs (expiry).
    #[pyo3(get)]
    customer: Option<String>,
    /// ``assign``, ``remove``, ``replace``, ``expire``, ``sync_users``, ``sync_skus``, ...
    #[pyo3(get)]
    kind: String,
    /// The request, as JSON text.
    #[pyo3(get)]
    parameters: String,
    /// Who ran it.
    #[pyo3(get)]
    actor: String,
    created: String,
    started: Option<String>,
    finished: Option<String>,
    /// ``Pending``, ``Running``, ``Finished``, ``FinishedWithException`` or ``Failed``.
    #[pyo3(get)]
    status: &'static str,
    /// The id of the job this one reran, or None.
    #[pyo3(get)]
    rerun_of: Option<i64>,
    /// Items applied.
    #[pyo3(get)]
    ok: u64,
    /// Items with nothing to do.
    #[pyo3(get)]
    skipped: u64,
    /// Items that failed.
    #[pyo3(get)]
    failed: u64,
}

impl From<Job> for PyJob {
    fn from(j: Job) -> PyJob {
        PyJob {
            id: j.id,
            customer: j.customer,
            kind: j.kind,
            parameters: j.parameters,
            actor: j.actor,
            created: j.created_at,
            started: j.started_at,
            finished: j.finished_at,
            status: job_status_str(j.status),
            rerun_of: j.rerun_of,
            ok: j.ok,
            skipped: j.skipped,
            failed: j.failed,
        }
    }
}

#[pymethods]
impl PyJob {
    /// When the job was recorded (aware datetime, UTC).
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.created)
    }

    /// When it started, or None.
    #[getter]
    fn started_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        ts_or_none(py, &self.started)
    }

    /// When it ended, or None.
    #[getter]
    fn finished_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        ts_or_none(py, &self.finished)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Job(id={}, customer={}, kind={}, status={}, ok={}, skipped={}, failed={}, rerun_of={}, actor={}, created_at={})",
            self.id,
            r(py, &self.customer),
            r(py, &self.kind),
            r(py, &self.status),
            self.ok,
            self.skipped,
            self.failed,
            r(py, &self.rerun_of),
            r(py, &self.actor),
            repr_ts(py, &self.created),
        )
    }
}

/// What an applied bulk run did: its job, counts, and every user's item.
#[pyclass(frozen, eq, module = "licstore", name = "BulkOutcome")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyBulkOutcome {
    /// The job's id (``store.job(job_id)``).
    #[pyo3(get)]
    job_id: i64,
    /// ``Finished`` or ``FinishedWithException`` (best effort with failures).
    #[pyo3(get)]
    status: &'static str,
    /// Users changed.
    #[pyo3(get)]
    ok: u64,
    /// Users with nothing to do.
    #[pyo3(get)]
    skipped: u64,
    /// Users that failed (best effort only; atomic refusals raise ``BulkOperationFailed``).
    #[pyo3(get)]
    failed: u64,
    items_: PyJobItems,
}

impl PyBulkOutcome {
    pub fn new(o: BulkOutcome, items: Vec<ItemResult>) -> PyBulkOutcome {
        PyBulkOutcome {
            job_id: o.job_id,
            status: job_status_str(o.status),
            ok: o.ok,
            skipped: o.skipped,
            failed: o.failed,
            items_: PyJobItems::new(o.job_id, items),
        }
    }
}

#[pymethods]
impl PyBulkOutcome {
    /// Every user's result, in run order (``JobItems``, with ``to_pandas()``).
    #[getter]
    fn items(&self) -> PyJobItems {
        self.items_.clone()
    }

    /// An HTML table of the items under the job's status and counts, for notebooks.
    fn _repr_html_(&self) -> String {
        items_html(
            Some(self.job_id),
            &self.items_.items_,
            &format!(
                "job {}: {} (ok {}, skipped {}, failed {})",
                self.job_id, self.status, self.ok, self.skipped, self.failed
            ),
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "BulkOutcome(job_id={}, status={}, ok={}, skipped={}, failed={})",
            self.job_id,
            r(py, &self.status),
            self.ok,
            self.skipped,
            self.failed
        )
    }
}

// --- previews ---

/// One SKU of a preview: whether all, some or none of the targets hold it, and the seats.
#[pyclass(frozen, eq, hash, module = "licstore", name = "SkuPreview")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PySkuPreview {
    /// The GUID.
    #[pyo3(get)]
    sku_id: String,
    /// The part number.
    #[pyo3(get)]
    sku_part_number: String,
    /// The friendly name.
    #[pyo3(get)]
    display_name: String,
    /// ``all``, ``some`` or ``none``: how many of the targets hold it already.
    #[pyo3(get)]
    held_by: &'static str,
    /// How many targets hold it.
    #[pyo3(get)]
    holders: u64,
    /// Seats the run would take.
    #[pyo3(get)]
    seats_needed: u64,
    /// Seats the run would free.
    #[pyo3(get)]
    seats_freed: u64,
    /// Seats available before the run.
    #[pyo3(get)]
    seats_available: i64,
}

#[pymethods]
impl PySkuPreview {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SkuPreview(sku_part_number={}, display_name={}, held_by={}, holders={}, seats_needed={}, seats_freed={}, seats_available={})",
            r(py, &self.sku_part_number),
            r(py, &self.display_name),
            r(py, &self.held_by),
            self.holders,
            self.seats_needed,
            self.seats_freed,
            self.seats_available,
        )
    }
}

/// A dry run of a bulk operation: what would happen; nothing is written.
#[pyclass(frozen, eq, module = "licstore", name = "BulkPreview")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyBulkPreview {
    /// Distinct target users (unknown UPNs included).
    #[pyo3(get)]
    targets: u64,
    /// Users that would be changed.
    #[pyo3(get)]
    ok: u64,
    /// Users with nothing to do.
    #[pyo3(get)]
    skipped: u64,
    skus_: Vec<PySkuPreview>,
    failures_: Vec<PyJobItem>,
}

impl From<BulkPreview> for PyBulkPreview {
    fn from(p: BulkPreview) -> PyBulkPreview {
        PyBulkPreview {
            targets: p.targets,
            ok: p.ok,
            skipped: p.skipped,
            skus_: p
                .skus
                .into_iter()
                .map(|s| PySkuPreview {
                    sku_id: s.sku_id,
                    sku_part_number: s.sku_part_number,
                    display_name: s.display_name,
                    held_by: match s.held_by {
                        HeldBy::All => "all",
                        HeldBy::Some => "some",
                        HeldBy::None => "none",
                    },
                    holders: s.holders,
                    seats_needed: s.seats_needed,
                    seats_freed: s.seats_freed,
                    seats_available: s.seats_available,
                })
                .collect(),
            failures_: p.failures.into_iter().map(PyJobItem::from).collect(),
        }
    }
}

#[pymethods]
impl PyBulkPreview {
    /// One ``SkuPreview`` per SKU the operation names.
    #[getter]
    fn skus(&self) -> Vec<PySkuPreview> {
        self.skus_.clone()
    }

    /// The users that would fail (``JobItem`` with outcome ``error`` and the code's name).
    #[getter]
    fn failures(&self) -> Vec<PyJobItem> {
        self.failures_.clone()
    }

    /// An HTML table per SKU (held by, seats) and the failures, for notebooks.
    fn _repr_html_(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .skus_
            .iter()
            .map(|s| {
                vec![
                    s.display_name.clone(),
                    s.held_by.to_string(),
                    s.holders.to_string(),
                    s.seats_needed.to_string(),
                    s.seats_freed.to_string(),
                    s.seats_available.to_string(),
                ]
            })
            .collect();
        let mut h = html_table(
            "preview",
            &format!(
                "Preview: {} targets, {} would change, {} skipped, {} would fail",
                self.targets,
                self.ok,
                self.skipped,
                self.failures_.len()
            ),
            &[
                "display_name",
                "held_by",
                "holders",
                "seats_needed",
                "seats_freed",
                "seats_available",
            ],
            &rows,
            "",
        );
        if !self.failures_.is_empty() {
            h.push_str(&items_html(None, &self.failures_, "Failures"));
        }
        h
    }

    fn __repr__(&self) -> String {
        format!(
            "BulkPreview(targets={}, ok={}, skipped={}, failed={}, skus=<{} SKUs>)",
            self.targets,
            self.ok,
            self.skipped,
            self.failures_.len(),
            self.skus_.len()
        )
    }
}

// --- expiring, profiles ---

/// One line of the expiring report: a temporary license or a SKU's term that ends soon.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Expiring")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyExpiring {
    /// ``license`` (a temporary license) or ``sku_term`` (a SKU's term end).
    #[pyo3(get)]
    kind: String,
    /// The customer's name.
    #[pyo3(get)]
    customer: String,
    /// The user, for licenses; None for SKU terms.
    #[pyo3(get)]
    user_principal_name: Option<String>,
    /// The SKU's GUID.
    #[pyo3(get)]
    sku_id: String,
    /// The SKU's friendly name.
    #[pyo3(get)]
    display_name: String,
    at_text: String,
}

impl From<Expiring> for PyExpiring {
    fn from(e: Expiring) -> PyExpiring {
        PyExpiring {
            kind: e.kind,
            customer: e.customer,
            user_principal_name: e.user_principal_name,
            sku_id: e.sku_id,
            display_name: e.display_name,
            at_text: e.at,
        }
    }
}

impl PyExpiring {
    fn at_obj<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match NaiveDate::parse_from_str(&self.at_text, "%Y-%m-%d") {
            Ok(d) => Ok(d.into_pyobject(py)?.into_any()),
            Err(_) => to_datetime(py, &self.at_text),
        }
    }
}

#[pymethods]
impl PyExpiring {
    /// When it ends: an aware datetime (UTC) for a license, a ``datetime.date`` for a SKU term.
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.at_obj(py)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let at = self
            .at_obj(py)
            .and_then(|a| a.repr())
            .map(|s| s.to_string())
            .unwrap_or_else(|_| self.at_text.clone());
        format!(
            "Expiring(kind={}, customer={}, user_principal_name={}, display_name={}, at={})",
            r(py, &self.kind),
            r(py, &self.customer),
            r(py, &self.user_principal_name),
            r(py, &self.display_name),
            at,
        )
    }
}

/// A provisioning profile: the customer's Staged users matching the filter get the SKUs.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Profile")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyProfile {
    /// The customer's name.
    #[pyo3(get)]
    customer: String,
    /// The name (unique per customer without regard to case).
    #[pyo3(get)]
    name: String,
    /// The SKUs, as GUIDs.
    #[pyo3(get)]
    skus: Vec<String>,
    filter_: SubscriberFilterKey,
}

/// The filter's fields, kept hashable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SubscriberFilterKey {
    department: Option<String>,
    usage_location: Option<String>,
    domain: Option<String>,
}

impl From<Profile> for PyProfile {
    fn from(p: Profile) -> PyProfile {
        PyProfile {
            customer: p.customer,
            name: p.name,
            skus: p.skus,
            filter_: SubscriberFilterKey {
                department: p.filter.department,
                usage_location: p.filter.usage_location,
                domain: p.filter.domain,
            },
        }
    }
}

#[pymethods]
impl PyProfile {
    /// The filter, as a dict with the keys given (``department``, ``usage_location``,
    /// ``domain``).
    #[getter]
    fn filter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        filter_dict(
            py,
            &SubscriberFilter {
                department: self.filter_.department.clone(),
                usage_location: self.filter_.usage_location.clone(),
                status: None,
                domain: self.filter_.domain.clone(),
            },
        )
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let f = self
            .filter(py)
            .and_then(|d| d.repr())
            .map(|s| s.to_string())
            .unwrap_or_default();
        format!(
            "Profile(customer={}, name={}, filter={}, skus={})",
            r(py, &self.customer),
            r(py, &self.name),
            f,
            r(py, &self.skus),
        )
    }
}

// --- syncs ---

/// One SKU of a Graph ``subscribedSkus`` sync difference.
#[pyclass(frozen, eq, hash, module = "licstore", name = "SkuChange")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PySkuChange {
    /// ``New``, ``Changed``, ``Gone`` or ``Unchanged``.
    #[pyo3(get)]
    kind: &'static str,
    /// The GUID.
    #[pyo3(get)]
    sku_id: String,
    /// The part number.
    #[pyo3(get)]
    sku_part_number: String,
    /// The friendly name.
    #[pyo3(get)]
    display_name: String,
    /// The fields that differ, as ``field: old -> new``.
    #[pyo3(get)]
    changes: Vec<String>,
}

impl From<SkuChange> for PySkuChange {
    fn from(c: SkuChange) -> PySkuChange {
        PySkuChange {
            kind: match c.kind {
                SkuChangeKind::New => "New",
                SkuChangeKind::Changed => "Changed",
                SkuChangeKind::Gone => "Gone",
                SkuChangeKind::Unchanged => "Unchanged",
            },
            sku_id: c.sku_id,
            sku_part_number: c.sku_part_number,
            display_name: c.display_name,
            changes: c.changes,
        }
    }
}

#[pymethods]
impl PySkuChange {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SkuChange(kind={}, sku_part_number={}, display_name={}, changes={})",
            r(py, &self.kind),
            r(py, &self.sku_part_number),
            r(py, &self.display_name),
            r(py, &self.changes),
        )
    }
}

/// What ``apply_graph_skus`` did: its ``sync_skus`` job and the changes applied.
#[pyclass(frozen, eq, module = "licstore", name = "SkuSync")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PySkuSync {
    /// The job.
    #[pyo3(get)]
    job: PyJob,
    /// The changes, as ``diff_graph_skus`` reported them.
    #[pyo3(get)]
    changes: Vec<PySkuChange>,
}

impl PySkuSync {
    pub fn new(job: Job, changes: Vec<SkuChange>) -> PySkuSync {
        PySkuSync {
            job: job.into(),
            changes: changes.into_iter().map(PySkuChange::from).collect(),
        }
    }
}

#[pymethods]
impl PySkuSync {
    fn __repr__(&self) -> String {
        format!(
            "<SkuSync job {}: {} changes>",
            self.job.id,
            self.changes
                .iter()
                .filter(|c| c.kind != "Unchanged")
                .count()
        )
    }
}

/// One user of an M365 "Export users" sync difference.
#[pyclass(frozen, eq, hash, module = "licstore", name = "UserChange")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyUserChange {
    /// ``New``, ``Changed``, ``Unchanged`` or ``Gone``.
    #[pyo3(get)]
    kind: &'static str,
    /// The line of the file (0 for gone users).
    #[pyo3(get)]
    line: u64,
    /// The UPN.
    #[pyo3(get)]
    user_principal_name: String,
    /// What differs, as ``field: old -> new``, and ``+License`` / ``-License`` lines.
    #[pyo3(get)]
    changes: Vec<String>,
}

impl From<UserChange> for PyUserChange {
    fn from(c: UserChange) -> PyUserChange {
        PyUserChange {
            kind: match c.kind {
                UserChangeKind::New => "New",
                UserChangeKind::Changed => "Changed",
                UserChangeKind::Unchanged => "Unchanged",
                UserChangeKind::Gone => "Gone",
            },
            line: c.line,
            user_principal_name: c.user_principal_name,
            changes: c.changes,
        }
    }
}

#[pymethods]
impl PyUserChange {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "UserChange(kind={}, line={}, user_principal_name={}, changes={})",
            r(py, &self.kind),
            self.line,
            r(py, &self.user_principal_name),
            r(py, &self.changes),
        )
    }
}

/// The difference between an M365 admin center "Export users" file and a customer's users.
#[pyclass(frozen, eq, module = "licstore", name = "UserSyncDiff")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyUserSyncDiff {
    /// One entry per user of the file, then the gone users.
    #[pyo3(get)]
    users: Vec<PyUserChange>,
    /// The rejected rows (line, column, value, reason); ``apply_m365_users`` refuses a file
    /// with any.
    #[pyo3(get)]
    errors: Vec<PyRowError>,
}

impl From<UserSyncDiff> for PyUserSyncDiff {
    fn from(d: UserSyncDiff) -> PyUserSyncDiff {
        PyUserSyncDiff {
            users: d.users.into_iter().map(PyUserChange::from).collect(),
            errors: d.errors.into_iter().map(PyRowError::from).collect(),
        }
    }
}

impl PyUserSyncDiff {
    fn of(&self, kind: &str) -> Vec<PyUserChange> {
        self.users
            .iter()
            .filter(|u| u.kind == kind)
            .cloned()
            .collect()
    }
}

#[pymethods]
impl PyUserSyncDiff {
    /// Users of the file not in the store (a sync adds them as Staged).
    #[getter(new)]
    fn new_users(&self) -> Vec<PyUserChange> {
        self.of("New")
    }

    /// Users whose fields or licenses differ.
    #[getter]
    fn changed(&self) -> Vec<PyUserChange> {
        self.of("Changed")
    }

    /// Users of the customer absent from the file (a sync leaves them as they are).
    #[getter]
    fn gone(&self) -> Vec<PyUserChange> {
        self.of("Gone")
    }

    /// Users identical in the file and the store.
    #[getter]
    fn unchanged(&self) -> Vec<PyUserChange> {
        self.of("Unchanged")
    }

    fn __repr__(&self) -> String {
        format!(
            "<UserSyncDiff: {} new, {} changed, {} gone, {} unchanged, {} errors>",
            self.of("New").len(),
            self.of("Changed").len(),
            self.of("Gone").len(),
            self.of("Unchanged").len(),
            self.errors.len()
        )
    }
}
