//! Volume licensing: the typed results of the volume calls (licensing IDs, products,
//! entitlements, the license summary, product keys and their activations, limit-increase
//! requests, SA benefits, reservations) and the argument conversions they share.
//!
//! Enumerations (program, pool, entitlement kind, key type, statuses) cross the boundary as
//! Python `str`: core parses them without regard to case, spaces, `-` and `_`, and results carry
//! the canonical spelling (the one the views show). Dates are `datetime.date`, instants aware
//! `datetime`s in UTC.

use chrono::NaiveDate;
use licstore::{
    Activation, Entitlement, LicensingId, LimitIncreaseRequest, Product, ProductKey, Reservation,
    SaBenefit, SummaryLine,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDate, PyDateTime, PyList, PyTuple};

use crate::errors::OrRaise;
use crate::query::escape;
use crate::types::{r, repr_ts, to_datetime, type_name};

/// Adds the volume result classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLicensingId>()?;
    m.add_class::<PyProduct>()?;
    m.add_class::<PyEntitlement>()?;
    m.add_class::<PySummaryLine>()?;
    m.add_class::<PyLicenseSummary>()?;
    m.add_class::<PyProductKey>()?;
    m.add_class::<PyActivation>()?;
    m.add_class::<PyLimitIncreaseRequest>()?;
    m.add_class::<PySaBenefit>()?;
    m.add_class::<PyReservation>()?;
    Ok(())
}

// --- arguments ---

/// A `datetime.date` argument named `what`. A `datetime` is refused (`TypeError`): it names an
/// instant, and which day that is depends on a time zone; pass ``dt.date()`` when that is meant.
pub fn day(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<NaiveDate> {
    if obj.is_instance_of::<PyDateTime>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.date, not a datetime (which day an instant is depends on a time zone; pass dt.date())"
        )));
    }
    if !obj.is_instance_of::<PyDate>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime.date, not {}",
            type_name(obj)
        )));
    }
    obj.extract()
}

/// An optional `datetime.date` argument (None stays None).
pub fn opt_day(what: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<NaiveDate>> {
    obj.filter(|o| !o.is_none())
        .map(|o| day(what, o))
        .transpose()
}

/// An enumeration given as text, parsed by core (its error lists the allowed values).
pub fn parse<T>(text: &str) -> PyResult<T>
where
    T: std::str::FromStr<Err = licstore::Error>,
{
    text.parse::<T>().or_raise()
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

// --- LicensingId ---

/// A licensing ID: an agreement, enrollment or license number of a customer, under a program.
#[pyclass(frozen, eq, hash, module = "licstore", name = "LicensingId")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyLicensingId {
    /// The number (unique without regard to case).
    #[pyo3(get)]
    number: String,
    /// The customer's name.
    #[pyo3(get)]
    customer: String,
    /// The program: ``Enterprise``, ``EnterpriseSubscription``, ``Select``, ``SelectPlus``,
    /// ``Open``, ``OpenValue``, ``OpenValueSubscription``, ``Academic`` or ``Other``.
    #[pyo3(get)]
    program: &'static str,
    /// The parent program as VLSC names it, or None.
    #[pyo3(get)]
    parent_program: Option<String>,
    /// The Microsoft Business and Services Agreement number, or None.
    #[pyo3(get)]
    mbsa: Option<String>,
    /// The reseller, or None.
    #[pyo3(get)]
    partner: Option<String>,
    /// The first day (a ``datetime.date``), or None when unknown.
    #[pyo3(get)]
    start_date: Option<NaiveDate>,
    /// The last day (a ``datetime.date``), or None when unknown.
    #[pyo3(get)]
    end_date: Option<NaiveDate>,
}

impl From<LicensingId> for PyLicensingId {
    fn from(l: LicensingId) -> PyLicensingId {
        PyLicensingId {
            number: l.number,
            customer: l.customer,
            program: l.program.as_str(),
            parent_program: l.parent_program,
            mbsa: l.mbsa,
            partner: l.partner,
            start_date: l.start_date,
            end_date: l.end_date,
        }
    }
}

#[pymethods]
impl PyLicensingId {
    /// Whether the licensing ID is active on ``day`` (a missing date does not limit).
    fn is_active_on(&self, day: Bound<'_, PyAny>) -> PyResult<bool> {
        let d = self::day("day", &day)?;
        Ok(self.start_date.is_none_or(|s| s <= d) && self.end_date.is_none_or(|e| d <= e))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "LicensingId(number={}, customer={}, program={}, parent_program={}, mbsa={}, partner={}, start_date={}, end_date={})",
            r(py, &self.number),
            r(py, &self.customer),
            r(py, &self.program),
            r(py, &self.parent_program),
            r(py, &self.mbsa),
            r(py, &self.partner),
            r(py, &self.start_date),
            r(py, &self.end_date),
        )
    }
}

// --- Product ---

/// A product: a family and a version, in a pool.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Product")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyProduct {
    /// The family, e.g. ``Office Professional Plus``.
    #[pyo3(get)]
    family: String,
    /// The version, e.g. ``2021``.
    #[pyo3(get)]
    version: String,
    /// ``Applications``, ``Systems`` or ``Servers``.
    #[pyo3(get)]
    pool: &'static str,
}

impl From<Product> for PyProduct {
    fn from(p: Product) -> PyProduct {
        PyProduct {
            family: p.family,
            version: p.version,
            pool: p.pool.as_str(),
        }
    }
}

#[pymethods]
impl PyProduct {
    /// ``"family version"``, the name product keys use.
    #[getter]
    fn name(&self) -> String {
        format!("{} {}", self.family, self.version)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Product(family={}, version={}, pool={})",
            r(py, &self.family),
            r(py, &self.version),
            r(py, &self.pool),
        )
    }
}

// --- Entitlement ---

/// An entitlement: one order line of a licensing ID.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Entitlement")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyEntitlement {
    /// The line's id (how calls and views name it).
    #[pyo3(get)]
    id: i64,
    /// The licensing ID's number.
    #[pyo3(get)]
    licensing_id: String,
    /// The product's family.
    #[pyo3(get)]
    family: String,
    /// The product's version.
    #[pyo3(get)]
    version: String,
    /// How many licenses (> 0).
    #[pyo3(get)]
    quantity: i64,
    /// ``full``, ``license_and_sa``, ``grant``, ``upgrade``, ``sa`` or ``step_up``.
    #[pyo3(get)]
    kind: &'static str,
    /// For a step-up: the family stepped up from; else None.
    #[pyo3(get)]
    from_family: Option<String>,
    /// The order date.
    #[pyo3(get)]
    order_date: NaiveDate,
    /// The end of SA coverage as ordered, or None (then the licensing ID's end date).
    #[pyo3(get)]
    sa_end: Option<NaiveDate>,
    /// For a grant: the id of the line that earned it, or None.
    #[pyo3(get)]
    granted_by: Option<i64>,
}

impl From<Entitlement> for PyEntitlement {
    fn from(e: Entitlement) -> PyEntitlement {
        PyEntitlement {
            id: e.id,
            licensing_id: e.licensing_id,
            family: e.family,
            version: e.version,
            quantity: e.quantity,
            kind: e.kind.as_str(),
            from_family: e.from_family,
            order_date: e.order_date,
            sa_end: e.sa_end,
            granted_by: e.granted_by,
        }
    }
}

#[pymethods]
impl PyEntitlement {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Entitlement(id={}, licensing_id={}, family={}, version={}, quantity={}, kind={}, from_family={}, order_date={}, sa_end={}, granted_by={})",
            self.id,
            r(py, &self.licensing_id),
            r(py, &self.family),
            r(py, &self.version),
            self.quantity,
            r(py, &self.kind),
            r(py, &self.from_family),
            r(py, &self.order_date),
            r(py, &self.sa_end),
            r(py, &self.granted_by),
        )
    }
}

// --- the license summary ---

/// One line of the license summary: a customer's position in one product.
#[pyclass(frozen, eq, hash, module = "licstore", name = "SummaryLine")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PySummaryLine {
    /// The customer's name.
    #[pyo3(get)]
    customer: String,
    /// The product's family.
    #[pyo3(get)]
    family: String,
    /// The product's version.
    #[pyo3(get)]
    version: String,
    /// The product's pool.
    #[pyo3(get)]
    pool: &'static str,
    /// Licenses whose current version is this one after upgrades and step-ups.
    #[pyo3(get)]
    effective_quantity: i64,
    /// Of those, licenses under SA coverage active on the summary's date.
    #[pyo3(get)]
    active_sa_quantity: i64,
    /// Upgrade, step-up and active SA licenses of this product that found no qualifying base.
    #[pyo3(get)]
    unresolved_quantity: i64,
    /// Of the effective licenses, those from promotional grants.
    #[pyo3(get)]
    granted_quantity: i64,
    /// MAK activations of keys for this product (baseline + recorded up to the date).
    #[pyo3(get)]
    deployed_quantity: i64,
    /// ``effective_quantity - deployed_quantity``.
    #[pyo3(get)]
    balance: i64,
}

impl From<SummaryLine> for PySummaryLine {
    fn from(l: SummaryLine) -> PySummaryLine {
        PySummaryLine {
            customer: l.customer,
            family: l.family,
            version: l.version,
            pool: l.pool.as_str(),
            effective_quantity: l.effective_quantity,
            active_sa_quantity: l.active_sa_quantity,
            unresolved_quantity: l.unresolved_quantity,
            granted_quantity: l.granted_quantity,
            deployed_quantity: l.deployed_quantity,
            balance: l.balance,
        }
    }
}

/// The summary's columns, as the `license_summary` view names them, and their kinds for pandas.
const SUMMARY_COLUMNS: [(&str, &str); 14] = [
    ("customer", "string"),
    ("family", "string"),
    ("version", "string"),
    ("pool", "string"),
    ("effective_quantity", "int"),
    ("active_sa_quantity", "int"),
    ("unresolved_quantity", "int"),
    ("granted_quantity", "int"),
    ("grant_mark", "string"),
    ("deployed_quantity", "int"),
    ("balance", "int"),
    ("shortfall", "int"),
    ("surplus", "int"),
    ("as_of", "date"),
];

impl PySummaryLine {
    fn grant_mark(&self) -> &'static str {
        if self.granted_quantity > 0 {
            "*"
        } else {
            ""
        }
    }

    fn shortfall(&self) -> i64 {
        (-self.balance).max(0)
    }

    fn surplus(&self) -> i64 {
        self.balance.max(0)
    }

    /// The line's cells in [`SUMMARY_COLUMNS`] order, without `as_of`, as display text.
    fn cells(&self) -> [String; 13] {
        [
            self.customer.clone(),
            self.family.clone(),
            self.version.clone(),
            self.pool.to_string(),
            self.effective_quantity.to_string(),
            self.active_sa_quantity.to_string(),
            self.unresolved_quantity.to_string(),
            self.granted_quantity.to_string(),
            self.grant_mark().to_string(),
            self.deployed_quantity.to_string(),
            self.balance.to_string(),
            self.shortfall().to_string(),
            self.surplus().to_string(),
        ]
    }
}

#[pymethods]
impl PySummaryLine {
    /// ``"*"`` when some of the licenses are promotional grants, else ``""``.
    #[getter(grant_mark)]
    fn py_grant_mark(&self) -> &'static str {
        self.grant_mark()
    }

    /// Licenses missing for what is deployed: ``max(-balance, 0)``.
    #[getter(shortfall)]
    fn py_shortfall(&self) -> i64 {
        self.shortfall()
    }

    /// Licenses not deployed: ``max(balance, 0)``.
    #[getter(surplus)]
    fn py_surplus(&self) -> i64 {
        self.surplus()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SummaryLine(customer={}, family={}, version={}, pool={}, effective_quantity={}, active_sa_quantity={}, unresolved_quantity={}, granted_quantity={}, deployed_quantity={}, balance={})",
            r(py, &self.customer),
            r(py, &self.family),
            r(py, &self.version),
            r(py, &self.pool),
            self.effective_quantity,
            self.active_sa_quantity,
            self.unresolved_quantity,
            self.granted_quantity,
            self.deployed_quantity,
            self.balance,
        )
    }
}

/// A customer's license summary as of a date: a sequence of ``SummaryLine`` (by family, then
/// version), convertible to a pandas DataFrame with ``to_pandas()`` and shown as a table in
/// notebooks.
#[pyclass(frozen, eq, module = "licstore", name = "LicenseSummary", sequence)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyLicenseSummary {
    /// The customer's name, as stored.
    #[pyo3(get)]
    customer: String,
    /// The date the summary is computed for.
    #[pyo3(get)]
    as_of: NaiveDate,
    lines_: Vec<PySummaryLine>,
}

impl PyLicenseSummary {
    pub fn new(customer: String, as_of: NaiveDate, lines: Vec<SummaryLine>) -> PyLicenseSummary {
        PyLicenseSummary {
            customer,
            as_of,
            lines_: lines.into_iter().map(PySummaryLine::from).collect(),
        }
    }
}

#[pymethods]
impl PyLicenseSummary {
    /// The lines, as a list.
    #[getter]
    fn lines(&self) -> Vec<PySummaryLine> {
        self.lines_.clone()
    }

    fn __len__(&self) -> usize {
        self.lines_.len()
    }

    fn __getitem__(&self, index: isize) -> PyResult<PySummaryLine> {
        let n = self.lines_.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if i < 0 || i >= n {
            return Err(pyo3::exceptions::PyIndexError::new_err(
                "summary line index out of range",
            ));
        }
        Ok(self.lines_[i as usize].clone())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.lines_.clone())?
            .into_any()
            .try_iter()
            .map(Bound::into_any)
    }

    /// The summary as a pandas DataFrame with the columns of the ``license_summary`` view
    /// (``customer`` ... ``surplus``, ``as_of``): quantities as ``Int64``, text as ``string``,
    /// ``as_of`` as ``datetime64[s]``, like ``sql("SELECT * FROM license_summary").to_pandas()``.
    /// pandas is imported on first use.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let columns: Vec<&str> = SUMMARY_COLUMNS.iter().map(|c| c.0).collect();
        let kinds: Vec<&str> = SUMMARY_COLUMNS.iter().map(|c| c.1).collect();
        let rows = PyList::empty(py);
        for l in &self.lines_ {
            let row = (
                &l.customer,
                &l.family,
                &l.version,
                l.pool,
                l.effective_quantity,
                l.active_sa_quantity,
                l.unresolved_quantity,
                l.granted_quantity,
                l.grant_mark(),
                l.deployed_quantity,
                l.balance,
                l.shortfall(),
            );
            let mut items: Vec<Bound<'py, PyAny>> = row
                .into_pyobject(py)?
                .into_any()
                .cast_into::<PyTuple>()?
                .iter()
                .collect();
            items.push(l.surplus().into_pyobject(py)?.into_any());
            items.push(self.as_of.into_pyobject(py)?.into_any());
            rows.append(PyTuple::new(py, items)?)?;
        }
        py.import("licstore._frame")?
            .call_method1("records_to_pandas", (columns, kinds, rows))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<LicenseSummary of {} as of {}: {} lines>",
            r(py, &self.customer),
            self.as_of,
            self.lines_.len()
        )
    }

    /// An HTML table, for notebooks; granted quantities are marked ``*`` and shortfalls shown
    /// in the ``shortfall`` column.
    fn _repr_html_(&self) -> String {
        let mut h = format!(
            "<table class=\"licstore-summary\"><caption>License summary of {} as of {}</caption><thead><tr>",
            escape(&self.customer),
            self.as_of
        );
        for (c, _) in &SUMMARY_COLUMNS[..13] {
            h.push_str(&format!("<th>{}</th>", escape(c)));
        }
        h.push_str("</tr></thead><tbody>");
        for l in &self.lines_ {
            h.push_str("<tr>");
            for cell in l.cells() {
                h.push_str(&format!("<td>{}</td>", escape(&cell)));
            }
            h.push_str("</tr>");
        }
        h.push_str(&format!(
            "</tbody></table><p>{} lines</p>",
            self.lines_.len()
        ));
        h
    }
}

// --- ProductKey ---

/// A product key, masked: only its last 5 characters are ever shown (``reveal_key`` returns the
/// full key and audits it).
#[pyclass(frozen, eq, hash, module = "licstore", name = "ProductKey")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyProductKey {
    /// The key's id (how calls and views name it).
    #[pyo3(get)]
    id: i64,
    /// The licensing ID's number.
    #[pyo3(get)]
    licensing_id: String,
    /// The product name as VLSC shows it.
    #[pyo3(get)]
    product: String,
    /// ``MAK``, ``KMS``, ``VLK``, ``Setup``, ``OSA`` or ``Retail``.
    #[pyo3(get)]
    key_type: &'static str,
    /// The key's last 5 characters.
    #[pyo3(get)]
    last5: String,
    /// ``*****-*****-*****-*****-`` and the last 5 characters.
    #[pyo3(get)]
    masked: String,
    /// MAK: activations allowed; None for other types.
    #[pyo3(get)]
    activation_limit: Option<i64>,
    /// The baseline (from VLSC) plus the recorded activations.
    #[pyo3(get)]
    activations_used: i64,
    /// MAK: ``activation_limit - activations_used``; None for other types.
    #[pyo3(get)]
    activations_available: Option<i64>,
    /// KMS: distinct hosts allowed (6 unless increased); None for other types.
    #[pyo3(get)]
    host_limit: Option<i64>,
    /// KMS: distinct hosts activated; 0 for other types.
    #[pyo3(get)]
    hosts_used: i64,
}

impl From<ProductKey> for PyProductKey {
    fn from(k: ProductKey) -> PyProductKey {
        PyProductKey {
            id: k.id,
            licensing_id: k.licensing_id,
            product: k.product,
            key_type: k.key_type.as_str(),
            last5: k.last5,
            masked: k.masked,
            activation_limit: k.activation_limit,
            activations_used: k.activations_used,
            activations_available: k.activations_available,
            host_limit: k.host_limit,
            hosts_used: k.hosts_used,
        }
    }
}

#[pymethods]
impl PyProductKey {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "ProductKey(id={}, licensing_id={}, product={}, key_type={}, masked={}, activation_limit={}, activations_used={}, activations_available={}, host_limit={}, hosts_used={})",
            self.id,
            r(py, &self.licensing_id),
            r(py, &self.product),
            r(py, &self.key_type),
            r(py, &self.masked),
            r(py, &self.activation_limit),
            self.activations_used,
            r(py, &self.activations_available),
            r(py, &self.host_limit),
            self.hosts_used,
        )
    }
}

// --- Activation ---

/// One recorded activation of a product key by a machine (a KMS host for KMS keys).
#[pyclass(frozen, eq, hash, module = "licstore", name = "Activation")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyActivation {
    /// The activation's id.
    #[pyo3(get)]
    id: i64,
    /// The key's id.
    #[pyo3(get)]
    key_id: i64,
    /// The machine (or KMS host) activated.
    #[pyo3(get)]
    machine: String,
    at: String,
    /// ``Independent`` or ``Proxy``.
    #[pyo3(get)]
    method: &'static str,
}

impl From<Activation> for PyActivation {
    fn from(a: Activation) -> PyActivation {
        PyActivation {
            id: a.id,
            key_id: a.key_id,
            machine: a.machine,
            at: a.activated_at,
            method: a.method.as_str(),
        }
    }
}

#[pymethods]
impl PyActivation {
    /// When (aware datetime, UTC).
    #[getter]
    fn activated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.at)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Activation(id={}, key_id={}, machine={}, activated_at={}, method={})",
            self.id,
            self.key_id,
            r(py, &self.machine),
            repr_ts(py, &self.at),
            r(py, &self.method),
        )
    }
}

// --- LimitIncreaseRequest ---

/// A request to raise a key's limit: more activations for a MAK, more hosts for a KMS key.
#[pyclass(frozen, eq, hash, module = "licstore", name = "LimitIncreaseRequest")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyLimitIncreaseRequest {
    /// The request's id.
    #[pyo3(get)]
    id: i64,
    /// The key's id.
    #[pyo3(get)]
    key_id: i64,
    /// The key's last 5 characters (what VLSC support asks for).
    #[pyo3(get)]
    key_last5: String,
    /// The key's licensing ID.
    #[pyo3(get)]
    licensing_id: String,
    /// The key's product name.
    #[pyo3(get)]
    product: String,
    /// How many more activations (MAK) or hosts (KMS).
    #[pyo3(get)]
    activations_requested: i64,
    /// The business justification.
    #[pyo3(get)]
    justification: String,
    /// ``Pending``, ``Granted`` or ``Denied``.
    #[pyo3(get)]
    status: &'static str,
    requested: String,
    /// Who requested it.
    #[pyo3(get)]
    requested_by: String,
    decided: Option<String>,
    /// Who decided it, or None.
    #[pyo3(get)]
    decided_by: Option<String>,
}

impl From<LimitIncreaseRequest> for PyLimitIncreaseRequest {
    fn from(q: LimitIncreaseRequest) -> PyLimitIncreaseRequest {
        PyLimitIncreaseRequest {
            id: q.id,
            key_id: q.key_id,
            key_last5: q.key_last5,
            licensing_id: q.licensing_id,
            product: q.product,
            activations_requested: q.activations_requested,
            justification: q.justification,
            status: q.status.as_str(),
            requested: q.requested_at,
            requested_by: q.requested_by,
            decided: q.decided_at,
            decided_by: q.decided_by,
        }
    }
}

#[pymethods]
impl PyLimitIncreaseRequest {
    /// When it was requested (aware datetime, UTC).
    #[getter]
    fn requested_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.requested)
    }

    /// When it was decided (aware datetime, UTC), or None while pending.
    #[getter]
    fn decided_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        ts_or_none(py, &self.decided)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "LimitIncreaseRequest(id={}, key_id={}, key_last5={}, licensing_id={}, product={}, activations_requested={}, status={}, requested_at={}, requested_by={}, decided_at={}, decided_by={})",
            self.id,
            self.key_id,
            r(py, &self.key_last5),
            r(py, &self.licensing_id),
            r(py, &self.product),
            self.activations_requested,
            r(py, &self.status),
            repr_ts(py, &self.requested),
            r(py, &self.requested_by),
            repr_opt_ts(py, &self.decided),
            r(py, &self.decided_by),
        )
    }
}

// --- SaBenefit ---

/// A Software Assurance benefit of a licensing ID (training vouchers, planning services, ...).
#[pyclass(frozen, eq, hash, module = "licstore", name = "SaBenefit")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PySaBenefit {
    /// The benefit's id.
    #[pyo3(get)]
    id: i64,
    /// The licensing ID's number.
    #[pyo3(get)]
    licensing_id: String,
    /// The benefit's name.
    #[pyo3(get)]
    benefit: String,
    /// Units the licensing ID is eligible for.
    #[pyo3(get)]
    eligible_quantity: i64,
    /// Units left.
    #[pyo3(get)]
    remaining_quantity: i64,
    /// ``RequiresActivation``, ``Activated``, ``HoldAwaitingReactivation`` or ``Expired``.
    #[pyo3(get)]
    status: &'static str,
}

impl From<SaBenefit> for PySaBenefit {
    fn from(b: SaBenefit) -> PySaBenefit {
        PySaBenefit {
            id: b.id,
            licensing_id: b.licensing_id,
            benefit: b.benefit,
            eligible_quantity: b.eligible_quantity,
            remaining_quantity: b.remaining_quantity,
            status: b.status.as_str(),
        }
    }
}

#[pymethods]
impl PySaBenefit {
    /// ``eligible_quantity - remaining_quantity``.
    #[getter]
    fn used_quantity(&self) -> i64 {
        self.eligible_quantity - self.remaining_quantity
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "SaBenefit(id={}, licensing_id={}, benefit={}, eligible_quantity={}, remaining_quantity={}, status={})",
            self.id,
            r(py, &self.licensing_id),
            r(py, &self.benefit),
            self.eligible_quantity,
            self.remaining_quantity,
            r(py, &self.status),
        )
    }
}

// --- Reservation ---

/// A reservation of an online service under an Enterprise enrollment; cancellable for 72 hours,
/// then committed.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Reservation")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyReservation {
    /// The reservation's id.
    #[pyo3(get)]
    id: i64,
    /// The licensing ID's number.
    #[pyo3(get)]
    licensing_id: String,
    /// The online service.
    #[pyo3(get)]
    service: String,
    /// The SKU as given (part number or GUID).
    #[pyo3(get)]
    sku: String,
    /// How many.
    #[pyo3(get)]
    quantity: i64,
    /// The date from which it is used.
    #[pyo3(get)]
    usage_date: NaiveDate,
    submitted: String,
    /// Who submitted it.
    #[pyo3(get)]
    submitted_by: String,
    /// ``Submitted``, ``Cancelled`` or ``Committed``.
    #[pyo3(get)]
    status: &'static str,
    cancellable: String,
    closed: Option<String>,
}

impl From<Reservation> for PyReservation {
    fn from(v: Reservation) -> PyReservation {
        PyReservation {
            id: v.id,
            licensing_id: v.licensing_id,
            service: v.service,
            sku: v.sku,
            quantity: v.quantity,
            usage_date: v.usage_date,
            submitted: v.submitted_at,
            submitted_by: v.submitted_by,
            status: v.status.as_str(),
            cancellable: v.cancellable_until,
            closed: v.closed_at,
        }
    }
}

#[pymethods]
impl PyReservation {
    /// When it was submitted (aware datetime, UTC).
    #[getter]
    fn submitted_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.submitted)
    }

    /// Until when it can be cancelled: ``submitted_at`` + 72 hours (aware datetime, UTC).
    #[getter]
    fn cancellable_until<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.cancellable)
    }

    /// When it was cancelled or committed (aware datetime, UTC), or None.
    #[getter]
    fn closed_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        ts_or_none(py, &self.closed)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Reservation(id={}, licensing_id={}, service={}, sku={}, quantity={}, usage_date={}, status={}, submitted_at={}, cancellable_until={}, closed_at={})",
            self.id,
            r(py, &self.licensing_id),
            r(py, &self.service),
            r(py, &self.sku),
            self.quantity,
            r(py, &self.usage_date),
            r(py, &self.status),
            repr_ts(py, &self.submitted),
            repr_ts(py, &self.cancellable),
            repr_opt_ts(py, &self.closed),
        )
    }
}
