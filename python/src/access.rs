//! Access (docs/access.md): principals, their roles per licensing ID, agreement contacts,
//! permission requests, and scoped stores.
//!
//! `licstore.Access(store)` manages the access of a store (the owner's, or a scoped one, whose
//! principal's roles then apply); `licstore.open_scoped(path, email)` and
//! `licstore.scoped(store, email)` return a `Store` acting for one principal: it sees only that
//! principal's licensing IDs and each call checks its roles (`PermissionDenied` otherwise).
//! Roles, role groups, contact kinds and statuses cross the boundary as `str`, parsed by core
//! without regard to case, spaces, `-` and `_`.

use std::path::PathBuf;

use licstore::{
    AccessChange, ContactKind, Permission, PermissionRequest, PermissionRequestFilter, Principal,
    Role, RoleGroup, Store,
};
use pyo3::prelude::*;

use crate::errors::OrRaise;
use crate::store::PyStore;
use crate::types::{r, to_datetime};
use crate::volume::parse;

/// Adds the access classes and functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAccess>()?;
    m.add_class::<PyPrincipal>()?;
    m.add_class::<PyPermission>()?;
    m.add_class::<PyAccessChange>()?;
    m.add_class::<PyPermissionRequest>()?;
    m.add_function(wrap_pyfunction!(open_scoped, m)?)?;
    m.add_function(wrap_pyfunction!(scoped, m)?)?;
    Ok(())
}

fn roles(names: &[String]) -> PyResult<Vec<Role>> {
    names.iter().map(|n| parse::<Role>(n)).collect()
}

fn names(roles: &[Role]) -> Vec<&'static str> {
    roles.iter().map(|r| r.as_str()).collect()
}

/// Opens the store file at ``path`` (which must exist) acting for the principal ``email``.
#[pyfunction]
fn open_scoped(py: Python<'_>, path: PathBuf, email: String) -> PyResult<PyStore> {
    let s = py.detach(|| Store::open_scoped(&path, &email)).or_raise()?;
    Ok(PyStore::from_store(s))
}

/// Another handle on the same store as ``store`` (file or in-memory), acting for ``email``.
#[pyfunction]
fn scoped(py: Python<'_>, store: &PyStore, email: String) -> PyResult<PyStore> {
    let s = store.with(py, |s| s.scoped(&email))?;
    Ok(PyStore::from_store(s))
}

/// A principal: a person (business e-mail) who may hold roles on licensing IDs.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Principal")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyPrincipal {
    /// The business e-mail.
    #[pyo3(get)]
    email: String,
    /// First name.
    #[pyo3(get)]
    first_name: String,
    /// Last name.
    #[pyo3(get)]
    last_name: String,
    /// Whether it holds at least one role.
    #[pyo3(get)]
    active: bool,
}

impl From<Principal> for PyPrincipal {
    fn from(p: Principal) -> PyPrincipal {
        PyPrincipal {
            email: p.email,
            first_name: p.first_name,
            last_name: p.last_name,
            active: p.active,
        }
    }
}

#[pymethods]
impl PyPrincipal {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Principal(email={}, first_name={}, last_name={}, active={})",
            r(py, &self.email),
            r(py, &self.first_name),
            r(py, &self.last_name),
            r(py, &self.active)
        )
    }
}

/// One role a principal holds on a licensing ID.
#[pyclass(frozen, eq, hash, module = "licstore", name = "Permission")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyPermission {
    /// The principal's e-mail.
    #[pyo3(get)]
    email: String,
    /// The licensing ID's number.
    #[pyo3(get)]
    licensing_id: String,
    /// Its customer.
    #[pyo3(get)]
    customer: String,
    /// The role (or the ``ManageReservation`` permission).
    #[pyo3(get)]
    role: &'static str,
    /// Who granted it.
    #[pyo3(get)]
    granted_by: String,
    granted_at: String,
}

impl From<Permission> for PyPermission {
    fn from(p: Permission) -> PyPermission {
        PyPermission {
            email: p.email,
            licensing_id: p.licensing_id,
            customer: p.customer,
            role: p.role.as_str(),
            granted_by: p.granted_by,
            granted_at: p.granted_at,
        }
    }
}

#[pymethods]
impl PyPermission {
    /// When it was (last) granted (an aware ``datetime`` in UTC).
    #[getter]
    fn granted_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.granted_at)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Permission(email={}, licensing_id={}, role={})",
            r(py, &self.email),
            r(py, &self.licensing_id),
            r(py, &self.role)
        )
    }
}

/// What a grant or revocation did.
#[pyclass(frozen, eq, hash, module = "licstore", name = "AccessChange")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyAccessChange {
    /// The principal's e-mail.
    #[pyo3(get)]
    email: String,
    /// The licensing ID's number.
    #[pyo3(get)]
    licensing_id: String,
    /// The roles this call added or removed.
    #[pyo3(get)]
    changed: Vec<&'static str>,
    /// The roles held on the licensing ID afterwards.
    #[pyo3(get)]
    roles: Vec<&'static str>,
    /// Set when the change left the licensing ID with a single Administrator.
    #[pyo3(get)]
    warning: Option<String>,
}

impl From<AccessChange> for PyAccessChange {
    fn from(c: AccessChange) -> PyAccessChange {
        PyAccessChange {
            email: c.email,
            licensing_id: c.licensing_id,
            changed: names(&c.changed),
            roles: names(&c.roles),
            warning: c.warning.map(|w| w.to_string()),
        }
    }
}

#[pymethods]
impl PyAccessChange {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "AccessChange(email={}, licensing_id={}, changed={}, roles={}, warning={})",
            r(py, &self.email),
            r(py, &self.licensing_id),
            r(py, &self.changed),
            r(py, &self.roles),
            r(py, &self.warning)
        )
    }
}

/// A permission request.
#[pyclass(frozen, eq, hash, module = "licstore", name = "PermissionRequest")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyPermissionRequest {
    /// The request number.
    #[pyo3(get)]
    id: i64,
    /// The requester's e-mail.
    #[pyo3(get)]
    email: String,
    /// The licensing ID asked for.
    #[pyo3(get)]
    licensing_id: String,
    /// Its customer.
    #[pyo3(get)]
    customer: String,
    /// The roles asked for.
    #[pyo3(get)]
    roles: Vec<&'static str>,
    /// The requester's comment.
    #[pyo3(get)]
    comment: Option<String>,
    /// ``Pending``, ``Accepted`` or ``Denied``.
    #[pyo3(get)]
    status: &'static str,
    /// Who decided it.
    #[pyo3(get)]
    decided_by: Option<String>,
    /// The Administrator's note.
    #[pyo3(get)]
    note: Option<String>,
    requested_at: String,
    decided_at: Option<String>,
}

impl From<PermissionRequest> for PyPermissionRequest {
    fn from(q: PermissionRequest) -> PyPermissionRequest {
        PyPermissionRequest {
            id: q.id,
            email: q.email,
            licensing_id: q.licensing_id,
            customer: q.customer,
            roles: names(&q.roles),
            comment: q.comment,
            status: q.status.as_str(),
            decided_by: q.decided_by,
            note: q.note,
            requested_at: q.requested_at,
            decided_at: q.decided_at,
        }
    }
}

#[pymethods]
impl PyPermissionRequest {
    /// When it was made (an aware ``datetime`` in UTC).
    #[getter]
    fn requested_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_datetime(py, &self.requested_at)
    }

    /// When it was decided, or None.
    #[getter]
    fn decided_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.decided_at
            .as_deref()
            .map(|t| to_datetime(py, t))
            .transpose()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "PermissionRequest(id={}, email={}, licensing_id={}, roles={}, status={})",
            self.id,
            r(py, &self.email),
            r(py, &self.licensing_id),
            r(py, &self.roles),
            r(py, &self.status)
        )
    }
}

/// The access of a store: principals, roles per licensing ID, agreement contacts and permission
/// requests. On a scoped store, the principal's roles apply (docs/access.md).
#[pyclass(frozen, module = "licstore", name = "Access")]
#[derive(Debug)]
pub struct PyAccess {
    store: Py<PyStore>,
}

#[pymethods]
impl PyAccess {
    #[new]
    fn new(store: Py<PyStore>) -> PyAccess {
        PyAccess { store }
    }

    /// The e-mail of the principal the store acts for, or None for the store's owner.
    #[getter]
    fn principal_scope(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.store
            .get()
            .with(py, |s| Ok(s.principal_scope().map(str::to_string)))
    }

    /// Adds a principal (business e-mail, first and last name), with no role yet.
    fn add_principal(
        &self,
        py: Python<'_>,
        email: String,
        first_name: String,
        last_name: String,
    ) -> PyResult<PyPrincipal> {
        self.store
            .get()
            .with(py, |s| s.add_principal(&email, &first_name, &last_name))
            .map(PyPrincipal::from)
    }

    /// The principal with this e-mail; raises ``NotFound``.
    fn principal(&self, py: Python<'_>, email: String) -> PyResult<PyPrincipal> {
        self.store
            .get()
            .with(py, |s| s.principal(&email))
            .map(PyPrincipal::from)
    }

    /// Every principal the store may see, active or not, by e-mail.
    fn principals(&self, py: Python<'_>) -> PyResult<Vec<PyPrincipal>> {
        let v = self.store.get().with(py, |s| s.principals())?;
        Ok(v.into_iter().map(PyPrincipal::from).collect())
    }

    /// Grants roles (and the roles of ``group``, a role group) on a licensing ID.
    #[pyo3(signature = (email, licensing_id, roles = Vec::new(), group = None))]
    fn grant_roles(
        &self,
        py: Python<'_>,
        email: String,
        licensing_id: String,
        roles: Vec<String>,
        group: Option<String>,
    ) -> PyResult<PyAccessChange> {
        let mut wanted = self::roles(&roles)?;
        if let Some(g) = group {
            wanted.extend_from_slice(parse::<RoleGroup>(&g)?.roles());
        }
        self.store
            .get()
            .with(py, |s| s.grant_roles(&email, &licensing_id, &wanted))
            .map(PyAccessChange::from)
    }

    /// Revokes roles on a licensing ID.
    fn revoke_roles(
        &self,
        py: Python<'_>,
        email: String,
        licensing_id: String,
        roles: Vec<String>,
    ) -> PyResult<PyAccessChange> {
        let wanted = self::roles(&roles)?;
        self.store
            .get()
            .with(py, |s| s.revoke_roles(&email, &licensing_id, &wanted))
            .map(PyAccessChange::from)
    }

    /// Removes a licensing ID from a principal's permission set (every role on it).
    fn remove_licensing_id_access(
        &self,
        py: Python<'_>,
        email: String,
        licensing_id: String,
    ) -> PyResult<PyAccessChange> {
        self.store
            .get()
            .with(py, |s| s.remove_licensing_id_access(&email, &licensing_id))
            .map(PyAccessChange::from)
    }

    /// The roles held (of one principal and/or on one licensing ID).
    #[pyo3(signature = (email = None, licensing_id = None))]
    fn permissions(
        &self,
        py: Python<'_>,
        email: Option<String>,
        licensing_id: Option<String>,
    ) -> PyResult<Vec<PyPermission>> {
        let v = self.store.get().with(py, |s| {
            s.permissions(email.as_deref(), licensing_id.as_deref())
        })?;
        Ok(v.into_iter().map(PyPermission::from).collect())
    }

    /// Sets a licensing ID's ``PrimaryContact`` or ``NoticesCorrespondent`` (an Administrator).
    fn set_agreement_contact(
        &self,
        py: Python<'_>,
        licensing_id: String,
        kind: String,
        email: String,
        first_name: String,
        last_name: String,
    ) -> PyResult<PyAccessChange> {
        let kind = parse::<ContactKind>(&kind)?;
        self.store
            .get()
            .with(py, |s| {
                s.set_agreement_contact(&licensing_id, kind, &email, &first_name, &last_name)
            })
            .map(PyAccessChange::from)
    }

    /// Asks for roles on a licensing ID; returns the request number.
    #[pyo3(signature = (email, licensing_id, roles, comment = None))]
    fn request_permission(
        &self,
        py: Python<'_>,
        email: String,
        licensing_id: String,
        roles: Vec<String>,
        comment: Option<String>,
    ) -> PyResult<i64> {
        let wanted = self::roles(&roles)?;
        self.store.get().with(py, |s| {
            s.request_permission(&email, &licensing_id, &wanted, comment.as_deref())
        })
    }

    /// Accepts (granting the roles) or denies a pending request.
    #[pyo3(signature = (id, accept, note = None))]
    fn decide_permission_request(
        &self,
        py: Python<'_>,
        id: i64,
        accept: bool,
        note: Option<String>,
    ) -> PyResult<PyPermissionRequest> {
        self.store
            .get()
            .with(py, |s| {
                s.decide_permission_request(id, accept, note.as_deref())
            })
            .map(PyPermissionRequest::from)
    }

    /// The permission requests, narrowed by status, licensing ID and requester.
    #[pyo3(signature = (status = None, licensing_id = None, email = None))]
    fn permission_requests(
        &self,
        py: Python<'_>,
        status: Option<String>,
        licensing_id: Option<String>,
        email: Option<String>,
    ) -> PyResult<Vec<PyPermissionRequest>> {
        let f = PermissionRequestFilter {
            status: status.as_deref().map(parse).transpose()?,
            licensing_id,
            email,
        };
        let v = self.store.get().with(py, |s| s.permission_requests(&f))?;
        Ok(v.into_iter().map(PyPermissionRequest::from).collect())
    }

    /// The licensing IDs with a single Administrator, as warning sentences.
    fn single_administrator_warnings(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let v = self
            .store
            .get()
            .with(py, |s| s.single_administrator_warnings())?;
        Ok(v.into_iter().map(|w| w.to_string()).collect())
    }
}
