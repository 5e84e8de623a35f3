//! Access (DOMAIN.md section 4, docs/access.md): principals, their roles per licensing ID,
//! agreement contacts and permission requests, and scoped store handles (`store.rs`:
//! `licstore_store_open_scoped`, `licstore_store_scoped`) that act for one principal.
//!
//! Reads go through the SQL channel (the `principals`, `permissions`, `agreement_contacts` and
//! `permission_requests` views, filtered on a scoped handle), so this module only writes.

use std::ffi::c_char;

use licstore::{AccessChange, ContactKind, Error, Result, Role, RoleGroup};

use crate::boundary::{guard, handle, opt_str_arg, str_arg, Out};
use crate::enums::licstore_decision;
use crate::error::licstore_result;
use crate::handles::enum_arg;
use crate::store::licstore_store;

/// A role on a licensing ID. Passed to functions as `uint32_t` (arrays of `uint32_t`); any other
/// value is refused with `LICSTORE_INVALID_ARGUMENT`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_role {
    /// Manages the licensing ID's principals and roles.
    Administrator = 0,
    /// Reads licenses, entitlements and the summary.
    LicensingInfoViewer = 1,
    /// Downloads software.
    Download = 2,
    /// Reads and reveals product keys, records activations.
    ProductKeys = 3,
    /// Manages Software Assurance benefits.
    SoftwareAssuranceManager = 4,
    /// Manages online services.
    OnlineServicesManager = 5,
    /// Manages subscriptions.
    SubscriptionsManager = 6,
    /// Submits and cancels reservations (a permission, held only with OnlineServicesManager).
    ManageReservation = 7,
}

/// A group of roles granted together.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_role_group {
    /// SoftwareAssuranceManager and LicensingInfoViewer.
    SoftwareAssuranceManager = 0,
    /// OnlineServicesManager and LicensingInfoViewer.
    OnlineServicesManager = 1,
    /// SubscriptionsManager and LicensingInfoViewer.
    SubscriptionsManager = 2,
}

/// The kind of an agreement contact.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_contact_kind {
    /// The primary contact.
    PrimaryContact = 0,
    /// The notices correspondent.
    NoticesCorrespondent = 1,
}

/// An array of `count` role values; NULL only when `count` is 0.
///
/// # Safety
/// `p` is NULL or points to `count` values.
unsafe fn roles_arg(p: *const u32, count: usize) -> Result<Vec<Role>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(Error::invalid(
            "argument roles",
            "NULL",
            format!("must not be a NULL pointer (count is {count})"),
        ));
    }
    // SAFETY: non-NULL with `count` elements per the caller's contract.
    let values = unsafe { std::slice::from_raw_parts(p, count) };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| enum_arg::<Role>(*v, &format!("roles[{i}]")))
        .collect()
}

/// Writes the optional outputs of a role change.
fn write_change(
    c: &AccessChange,
    changed: Option<Out<usize>>,
    single_administrator: Option<Out<i32>>,
) {
    // SAFETY (both): checked non-NULL; writable per the callers' contracts.
    if let Some(o) = changed {
        unsafe { o.write(c.changed.len()) };
    }
    if let Some(o) = single_administrator {
        unsafe { o.write(i32::from(c.warning.is_some())) };
    }
}

/// Adds a principal: a business e-mail (the key, case-insensitive) with first and last name. It
/// holds no role yet. On a scoped handle the acting principal must be an Administrator of some
/// licensing ID (`LICSTORE_PERMISSION_DENIED`). An existing e-mail is `LICSTORE_ALREADY_EXISTS`;
/// a malformed one `LICSTORE_INVALID_ARGUMENT`. The strings are only read during the call.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_principals_add(
    store: *const licstore_store,
    email: *const c_char,
    first_name: *const c_char,
    last_name: *const c_char,
) -> licstore_result {
    guard("licstore_principals_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let first = unsafe { str_arg(first_name, "first_name") }?;
        let last = unsafe { str_arg(last_name, "last_name") }?;
        store.lock().add_principal(email, first, last).map(|_| ())
    })
}

/// Grants `count` roles (`licstore_role` values in `roles`) to the principal `email` on the
/// licensing ID `licensing_id`; roles held already are kept. `LICSTORE_MANAGE_RESERVATION` needs
/// `LICSTORE_ROLE_ONLINE_SERVICES_MANAGER`, held or granted in the same call
/// (`LICSTORE_INVALID_STATE`). On a scoped handle the acting principal must be an Administrator
/// of the licensing ID. `changed_out` (may be NULL) receives how many roles were new;
/// `single_administrator_out` (may be NULL) 1 when this change left the licensing ID with
/// exactly one Administrator (it had another count before), else 0. The inputs are only read
/// during the call.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `roles` is NULL or
/// points to `count` values; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_roles_grant(
    store: *const licstore_store,
    email: *const c_char,
    licensing_id: *const c_char,
    roles: *const u32,
    count: usize,
    changed_out: *mut usize,
    single_administrator_out: *mut i32,
) -> licstore_result {
    guard("licstore_roles_grant", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let lid = unsafe { str_arg(licensing_id, "licensing_id") }?;
        let roles = unsafe { roles_arg(roles, count) }?;
        let (changed, single) = (
            Out::optional(changed_out),
            Out::optional(single_administrator_out),
        );
        let c = store.lock().grant_roles(email, lid, &roles)?;
        write_change(&c, changed, single);
        Ok(())
    })
}

/// Grants the roles of a role group (`group`, a `licstore_role_group`), as `licstore_roles_grant`.
///
/// # Safety
/// As `licstore_roles_grant`.
#[no_mangle]
pub unsafe extern "C" fn licstore_roles_grant_group(
    store: *const licstore_store,
    email: *const c_char,
    licensing_id: *const c_char,
    group: u32,
    changed_out: *mut usize,
    single_administrator_out: *mut i32,
) -> licstore_result {
    guard("licstore_roles_grant_group", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let lid = unsafe { str_arg(licensing_id, "licensing_id") }?;
        let group = enum_arg::<RoleGroup>(group, "group")?;
        let (changed, single) = (
            Out::optional(changed_out),
            Out::optional(single_administrator_out),
        );
        let c = store.lock().grant_role_group(email, lid, group)?;
        write_change(&c, changed, single);
        Ok(())
    })
}

/// Revokes `count` roles of the principal `email` on `licensing_id`; roles not held are ignored.
/// Refused with `LICSTORE_INVALID_STATE` when the licensing ID would lose its last
/// Administrator. Outputs and scoped handles as `licstore_roles_grant`.
///
/// # Safety
/// As `licstore_roles_grant`.
#[no_mangle]
pub unsafe extern "C" fn licstore_roles_revoke(
    store: *const licstore_store,
    email: *const c_char,
    licensing_id: *const c_char,
    roles: *const u32,
    count: usize,
    changed_out: *mut usize,
    single_administrator_out: *mut i32,
) -> licstore_result {
    guard("licstore_roles_revoke", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let lid = unsafe { str_arg(licensing_id, "licensing_id") }?;
        let roles = unsafe { roles_arg(roles, count) }?;
        let (changed, single) = (
            Out::optional(changed_out),
            Out::optional(single_administrator_out),
        );
        let c = store.lock().revoke_roles(email, lid, &roles)?;
        write_change(&c, changed, single);
        Ok(())
    })
}

/// Revokes every role of the principal `email` on `licensing_id`, with the refusals of
/// `licstore_roles_revoke`. A scoped principal may do this for itself, or for others as an
/// Administrator of the licensing ID. Outputs as `licstore_roles_grant`.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; the outputs are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_roles_revoke_all(
    store: *const licstore_store,
    email: *const c_char,
    licensing_id: *const c_char,
    changed_out: *mut usize,
    single_administrator_out: *mut i32,
) -> licstore_result {
    guard("licstore_roles_revoke_all", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let lid = unsafe { str_arg(licensing_id, "licensing_id") }?;
        let (changed, single) = (
            Out::optional(changed_out),
            Out::optional(single_administrator_out),
        );
        let c = store.lock().remove_licensing_id_access(email, lid)?;
        write_change(&c, changed, single);
        Ok(())
    })
}

/// Sets the agreement contact of kind `kind` (a `licstore_contact_kind`) of `licensing_id` to
/// the principal `email` (added with `first_name` and `last_name` when new; an existing one keeps
/// its names) and grants it Administrator there; the previous contact keeps its roles. Owner's
/// handle only (`LICSTORE_PERMISSION_DENIED` on a scoped one). The strings are only read during
/// the call.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_agreement_contacts_set(
    store: *const licstore_store,
    licensing_id: *const c_char,
    kind: u32,
    email: *const c_char,
    first_name: *const c_char,
    last_name: *const c_char,
) -> licstore_result {
    guard("licstore_agreement_contacts_set", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let lid = unsafe { str_arg(licensing_id, "licensing_id") }?;
        let kind = enum_arg::<ContactKind>(kind, "kind")?;
        let email = unsafe { str_arg(email, "email") }?;
        let first = unsafe { str_arg(first_name, "first_name") }?;
        let last = unsafe { str_arg(last_name, "last_name") }?;
        store
            .lock()
            .set_agreement_contact(lid, kind, email, first, last)
            .map(|_| ())
    })
}

/// Asks for `count` roles for the principal `email` on `licensing_id`, with an optional
/// `comment` (NULL or `""` for none). A second pending request of the same principal for the
/// same licensing ID is `LICSTORE_INVALID_STATE`; a scoped principal asks only for itself.
/// `request_id_out` (may be NULL) receives the request's id. The inputs are only read during the
/// call.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `roles` is NULL or
/// points to `count` values; `request_id_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_permission_requests_add(
    store: *const licstore_store,
    email: *const c_char,
    licensing_id: *const c_char,
    roles: *const u32,
    count: usize,
    comment: *const c_char,
    request_id_out: *mut i64,
) -> licstore_result {
    guard("licstore_permission_requests_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let lid = unsafe { str_arg(licensing_id, "licensing_id") }?;
        let roles = unsafe { roles_arg(roles, count) }?;
        let comment = unsafe { opt_str_arg(comment, "comment") }?.filter(|c| !c.is_empty());
        let out = Out::optional(request_id_out);
        let id = store
            .lock()
            .request_permission(email, lid, &roles, comment)?;
        if let Some(out) = out {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(id) };
        }
        Ok(())
    })
}

/// Decides a pending permission request: `decision` is a `licstore_decision` (grant gives the
/// requested roles), `note` optional (NULL or `""`). A decided request is
/// `LICSTORE_INVALID_STATE`, an unknown one `LICSTORE_NOT_FOUND`; on a scoped handle the acting
/// principal must be an Administrator of the request's licensing ID.
///
/// # Safety
/// `store` is NULL or a live handle; `note` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_permission_requests_decide(
    store: *const licstore_store,
    request_id: i64,
    decision: u32,
    note: *const c_char,
) -> licstore_result {
    guard("licstore_permission_requests_decide", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let accept = match decision {
            d if d == licstore_decision::Grant as u32 => true,
            d if d == licstore_decision::Deny as u32 => false,
            d => {
                return Err(Error::invalid(
                    "argument decision",
                    d.to_string(),
                    "must be LICSTORE_DECISION_DENY (0) or LICSTORE_DECISION_GRANT (1)",
                ))
            }
        };
        let note = unsafe { opt_str_arg(note, "note") }?.filter(|c| !c.is_empty());
        store
            .lock()
            .decide_permission_request(request_id, accept, note)
            .map(|_| ())
    })
}
