//! Access (DOMAIN.md section 4, docs/access.md): principals, their roles per licensing ID, role
//! groups, agreement contacts, permission requests, and scoped handles.
//!
//! # Rules
//! - A **principal** is a business e-mail with a first and last name. It is *active* while it
//!   holds at least one role (derived); removing all its roles deactivates it, it stays listed, and
//!   granting a role reactivates it.
//! - **Roles** are held per licensing ID ([`Role`]). `ManageReservation` is a permission, not a
//!   role: it is granted only to a principal that holds `OnlineServicesManager` on that licensing
//!   ID, and revoking `OnlineServicesManager` revokes it too.
//! - **Role groups** ([`RoleGroup`]) expand to their namesake role plus `LicensingInfoViewer`.
//! - **Agreement contacts** (primary contact, notices correspondent) are Administrators of their
//!   licensing ID by default.
//! - A licensing ID that has Administrators never loses its last one (refused); one with a single
//!   Administrator is reported by [`Store::single_administrator_warnings`] and in the
//!   [`AccessChange::warning`] of the change that made it so.
//! - Roles on a licensing ID whose end date has passed cannot be removed (the seed: "It is NOT
//!   possible to remove users for expired licenses").
//! - **Permission requests**: a principal asks for roles on a licensing ID; an Administrator of it
//!   (or the store's owner) accepts, which grants them, or denies, with an optional note.
//!
//! # Scoped handles
//! [`Store::open_scoped`] and [`Store::scoped`] give a handle acting for one principal. Every
//! action checks the role it needs through [`Store::require_role`] (one helper, called at the top
//! of each volume-licensing function); every volume-licensing read returns only rows of the
//! licensing IDs the principal may see; and [`Store::write`] refuses any change on a scoped handle
//! that no role check authorized, so online services, customers, imports and anything added later
//! are owner-only until someone decides which role covers them. The query channel of a scoped
//! handle shows the same rows (TEMP views over the public ones, see [`scope_reader`]).

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{Location, Store, WriteCtx};
use crate::validate;
use crate::volume::{require_lid, text_enum, LicensingId};

text_enum! {
    /// A VLSC permission role, held per licensing ID; and the `ManageReservation` permission.
    Role, "role" {
        /// Assigns, edits and removes permissions; may do everything the other roles may.
        Administrator = "Administrator",
        /// Views licensing reports: entitlements, the license summary, the SA summary.
        LicensingInfoViewer = "LicensingInfoViewer",
        /// Downloads licensed software (no action in licstore needs it).
        Download = "Download",
        /// Views product keys and records their activations.
        ProductKeys = "ProductKeys",
        /// Manages Software Assurance benefits.
        SoftwareAssuranceManager = "SoftwareAssuranceManager",
        /// Service activation and reservations (submitting them needs `ManageReservation` too).
        OnlineServicesManager = "OnlineServicesManager",
        /// Manages subscription assignments (Visual Studio subscriptions; no action in licstore).
        SubscriptionsManager = "SubscriptionsManager",
        /// The permission an Administrator grants an OnlineServicesManager, per enrollment, to
        /// submit and cancel reservations. Not a role: held only together with
        /// `OnlineServicesManager`.
        ManageReservation = "ManageReservation",
    }
}

impl Role {
    /// The seven roles (every [`Role`] but the `ManageReservation` permission).
    pub const ROLES: &'static [Role] = &[
        Role::Administrator,
        Role::LicensingInfoViewer,
        Role::Download,
        Role::ProductKeys,
        Role::SoftwareAssuranceManager,
        Role::OnlineServicesManager,
        Role::SubscriptionsManager,
    ];

    /// Whether this is the `ManageReservation` permission rather than a role.
    pub fn is_permission(self) -> bool {
        self == Role::ManageReservation
    }
}

text_enum! {
    /// A role group: assigns several roles at once (see [`RoleGroup::roles`]).
    RoleGroup, "role group" {
        /// Software Assurance Manager group.
        SoftwareAssuranceManager = "SoftwareAssuranceManager",
        /// Online Services Manager group.
        OnlineServicesManager = "OnlineServicesManager",
        /// Subscriptions Manager group.
        SubscriptionsManager = "SubscriptionsManager",
    }
}

impl RoleGroup {
    /// The roles of the group: its namesake role and `LicensingInfoViewer` (a decision, written
    /// down in docs/access.md: VLSC does not list the groups' members; a manager needs to see the
    /// licensing information it manages). To grant part of a group, grant those roles.
    pub fn roles(self) -> &'static [Role] {
        match self {
            RoleGroup::SoftwareAssuranceManager => {
                &[Role::SoftwareAssuranceManager, Role::LicensingInfoViewer]
            }
            RoleGroup::OnlineServicesManager => {
                &[Role::OnlineServicesManager, Role::LicensingInfoViewer]
            }
            RoleGroup::SubscriptionsManager => {
                &[Role::SubscriptionsManager, Role::LicensingInfoViewer]
            }
        }
    }
}

text_enum! {
    /// Which agreement contact a principal is.
    ContactKind, "contact kind" {
        /// The agreement's primary contact.
        PrimaryContact = "PrimaryContact",
        /// The agreement's notices correspondent.
        NoticesCorrespondent = "NoticesCorrespondent",
    }
}

text_enum! {
    /// Where a permission request stands.
    PermissionRequestStatus, "permission request status" {
        /// Waiting for an Administrator.
        Pending = "Pending",
        /// Accepted: the roles were granted.
        Accepted = "Accepted",
        /// Denied.
        Denied = "Denied",
    }
}

/// Roles that let a scoped principal read each kind of volume-licensing row (Administrator
/// always may). The same lists filter the scoped query channel's views and the API's reads.
pub(crate) mod read {
    use super::Role;
    /// Licensing IDs themselves: any role.
    pub const LICENSING_IDS: &[Role] = Role::ALL;
    /// Entitlements and the license summary.
    pub const ENTITLEMENTS: &[Role] = &[Role::LicensingInfoViewer];
    /// Product keys, their activations and limit-increase requests.
    pub const KEYS: &[Role] = &[Role::ProductKeys];
    /// Software Assurance benefits ("View ... reports, including the Software Assurance Summary").
    pub const BENEFITS: &[Role] = &[Role::SoftwareAssuranceManager, Role::LicensingInfoViewer];
    /// Reservations.
    pub const RESERVATIONS: &[Role] = &[Role::OnlineServicesManager, Role::LicensingInfoViewer];
}

/// A principal: a person (business e-mail) who may hold roles on licensing IDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The business e-mail (unique, case-insensitive).
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Whether it holds at least one role (derived).
    pub active: bool,
    /// When it was added.
    pub created_at: String,
    /// When its names last changed.
    pub updated_at: String,
}

/// One role a principal holds on a licensing ID (a row of the `permissions` view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Permission {
    /// The principal's e-mail.
    pub email: String,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The customer the licensing ID belongs to.
    pub customer: String,
    /// The role (or the `ManageReservation` permission).
    pub role: Role,
    /// When it was (last) granted.
    pub granted_at: String,
    /// Who granted it.
    pub granted_by: String,
}

/// What a grant or revocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessChange {
    /// The principal's e-mail.
    pub email: String,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The roles this call added (grant) or removed (revocation); empty when nothing changed.
    pub changed: Vec<Role>,
    /// The roles the principal holds on the licensing ID afterwards.
    pub roles: Vec<Role>,
    /// Set when this change left the licensing ID with a single Administrator.
    pub warning: Option<AdministratorWarning>,
}

/// A licensing ID with a single Administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdministratorWarning {
    /// The licensing ID's number.
    pub licensing_id: String,
    /// Its customer.
    pub customer: String,
    /// The single Administrator's e-mail.
    pub administrator: String,
}

impl fmt::Display for AdministratorWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "licensing ID {} ({}) has a single Administrator ({}): assign at least one alternate Administrator",
            self.licensing_id, self.customer, self.administrator
        )
    }
}

/// An agreement contact of a licensing ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementContact {
    /// The licensing ID's number.
    pub licensing_id: String,
    /// Which contact.
    pub kind: ContactKind,
    /// The principal's e-mail.
    pub email: String,
    /// When it was set.
    pub set_at: String,
}

/// A permission request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionRequest {
    /// The request number.
    pub id: i64,
    /// The requester's e-mail.
    pub email: String,
    /// The requester's first name.
    pub first_name: String,
    /// The requester's last name.
    pub last_name: String,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// Its customer.
    pub customer: String,
    /// The roles asked for.
    pub roles: Vec<Role>,
    /// The requester's comment.
    pub comment: Option<String>,
    /// Pending, Accepted or Denied.
    pub status: PermissionRequestStatus,
    /// When it was made.
    pub requested_at: String,
    /// Who made it (the store's actor).
    pub requested_by: String,
    /// When it was decided.
    pub decided_at: Option<String>,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// The Administrator's note.
    pub note: Option<String>,
}

/// Which permission requests to list (every field narrows; the default lists all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionRequestFilter {
    /// Only requests with this status.
    pub status: Option<PermissionRequestStatus>,
    /// Only requests for this licensing ID.
    pub licensing_id: Option<String>,
    /// Only requests of this principal.
    pub email: Option<String>,
}

impl PermissionRequestFilter {
    /// The pending requests.
    pub fn pending() -> PermissionRequestFilter {
        PermissionRequestFilter {
            status: Some(PermissionRequestStatus::Pending),
            ..Default::default()
        }
    }
}

/// Mail services for consumers: an address there is not a business e-mail (VLSC requires one that
/// matches the agreement).
const CONSUMER_DOMAINS: &[&str] = &[
    "aol.com",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "googlemail.com",
    "hotmail.com",
    "icloud.com",
    "live.com",
    "mail.com",
    "me.com",
    "msn.com",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "web.de",
    "yahoo.com",
    "yandex.ru",
];

/// Validates a business e-mail: `local@domain` with a valid domain, not a consumer mail service;
/// returned trimmed with the domain in lower case.
pub fn validate_email(value: &str) -> Result<String> {
    let v = value.trim();
    let bad = || Error::invalid("business e-mail", value, "must look like name@company.com");
    let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    if !local_ok || v.len() > 254 {
        return Err(bad());
    }
    let d = validate::domain("domain", domain).map_err(|_| bad())?;
    if CONSUMER_DOMAINS.binary_search(&d.as_str()).is_ok() {
        return Err(Error::invalid(
            "business e-mail",
            value,
            format!("must be a business e-mail; {d} is a consumer mail service"),
        ));
    }
    Ok(format!("{local}@{d}"))
}

// ---------------------------------------------------------------------------------------------
// The scope of a handle

/// The principal a scoped handle acts for.
#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) principal_id: i64,
    pub(crate) email: String,
    /// How many role checks authorize writes right now (see [`Authorized`]).
    authorized: Arc<AtomicU32>,
}

/// Proof that a role check passed: while it lives, the scoped handle may write. Dropping it ends
/// the authorization. On an owner's handle it authorizes nothing and is not needed.
#[derive(Debug)]
pub(crate) struct Authorized(Option<Arc<AtomicU32>>);

impl Drop for Authorized {
    fn drop(&mut self) {
        if let Some(n) = &self.0 {
            n.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Scope {
    fn authorize(&self) -> Authorized {
        self.authorized.fetch_add(1, Ordering::SeqCst);
        Authorized(Some(Arc::clone(&self.authorized)))
    }

    /// Called by [`Store::write`]: a scoped handle writes only what a role check authorized.
    pub(crate) fn check_write(&self) -> Result<()> {
        if self.authorized.load(Ordering::SeqCst) > 0 {
            Ok(())
        } else {
            Err(Error::PermissionDenied(format!(
                "{} may not do this: on a scoped handle only volume-licensing actions of the \
                 principal's licensing IDs are allowed (roles are per licensing ID; online \
                 services, customers and imports are the store owner's)",
                self.email
            )))
        }
    }
}

/// The tables a scoped handle's connection may read: volume licensing, access, customers (the
/// names of its licensing IDs' customers), the schema, and SQLite's JSON table functions.
const SCOPED_TABLES: &[&str] = &[
    "agreement_contact",
    "customer",
    "entitlement",
    "json_each",
    "json_tree",
    "key_activation",
    "key_activation_daily",
    "licensing_id",
    "limit_increase_request",
    "permission_request",
    "principal",
    "principal_role",
    "product",
    "product_key",
    "reservation",
    "sa_benefit",
    "sqlite_master",
    "sqlite_schema",
];

fn roles_json(roles: &[Role]) -> String {
    let mut v: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    v.push(Role::Administrator.as_str());
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

/// The roles a principal holds on a licensing ID (by row ids).
fn held(conn: &Connection, principal_id: i64, lid_id: i64) -> Result<Vec<Role>> {
    let mut st = conn.prepare_cached(
        "SELECT role FROM principal_role WHERE principal_id = ?1 AND licensing_id_id = ?2 \
         AND revoked_at IS NULL",
    )?;
    let mut v: Vec<Role> = st
        .query_map([principal_id, lid_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    v.sort();
    Ok(v)
}

fn administrators(conn: &Connection, lid_id: i64) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT p.email FROM principal_role r JOIN principal p ON p.id = r.principal_id \
         WHERE r.licensing_id_id = ?1 AND r.role = 'Administrator' AND r.revoked_at IS NULL \
         ORDER BY p.email",
    )?;
    let v = st
        .query_map([lid_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(v)
}

/// The ids of the licensing IDs on which the principal holds one of `roles` or Administrator.
pub(crate) fn visible_lid_ids(
    conn: &Connection,
    principal_id: i64,
    roles: &[Role],
) -> Result<HashSet<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT licensing_id_id FROM principal_role WHERE principal_id = ?1 \
         AND revoked_at IS NULL AND role IN (SELECT value FROM json_each(?2))",
    )?;
    let v = st
        .query_map(params![principal_id, roles_json(roles)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(v)
}

fn any_of(roles: &[Role]) -> String {
    let mut names: Vec<&str> = roles
        .iter()
        .filter(|r| **r != Role::Administrator)
        .map(|r| r.as_str())
        .collect();
    names.dedup();
    if names.is_empty() {
        "Administrator".into()
    } else {
        format!("{} (or Administrator)", names.join(" or "))
    }
}

impl Store {
    /// Opens the store at `path` (which must exist) as a handle acting for the principal with
    /// this e-mail: it sees only that principal's licensing IDs and every action checks its
    /// roles. The store's actor is the principal's e-mail. Fails with [`Error::NotFound`] for an
    /// unknown principal.
    pub fn open_scoped(path: impl AsRef<std::path::Path>, email: &str) -> Result<Store> {
        let mut s = Store::open_existing(path)?;
        s.set_scope(email)?;
        Ok(s)
    }

    /// Another handle on the same store (file or in-memory), acting for the principal with this
    /// e-mail (see [`Store::open_scoped`]); it has this handle's clock.
    pub fn scoped(&self, email: &str) -> Result<Store> {
        let mut s = match &self.location {
            Location::File(p) => Store::open_existing(p)?,
            Location::Memory(uri) => Store::open_memory_uri(uri)?,
        };
        s.set_clock(self.clock());
        s.set_scope(email)?;
        Ok(s)
    }

    fn set_scope(&mut self, email: &str) -> Result<()> {
        let p = require_principal(self.conn(), email)?;
        self.actor = p.1.email.clone();
        self.reader = None;
        // The handle's own connection reads only the tables of volume licensing and access:
        // any other read (online services, jobs, the audit log) fails, whichever function tries.
        let _ = self
            .conn
            .authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
                use rusqlite::hooks::{AuthAction, Authorization};
                match ctx.action {
                    AuthAction::Read { table_name, .. }
                        if !SCOPED_TABLES.contains(&table_name.to_ascii_lowercase().as_str()) =>
                    {
                        Authorization::Deny
                    }
                    _ => Authorization::Allow,
                }
            }));
        self.scope = Some(Scope {
            principal_id: p.0,
            email: p.1.email,
            authorized: Arc::new(AtomicU32::new(0)),
        });
        Ok(())
    }

    /// The e-mail of the principal this handle acts for, or `None` on the owner's handle.
    pub fn principal_scope(&self) -> Option<&str> {
        self.scope.as_ref().map(|s| s.email.as_str())
    }

    /// Checks that the handle may act on `licensing_id` with `role`: always on the owner's handle;
    /// on a scoped handle when the principal holds `role` or Administrator there
    /// (`ManageReservation` is held only with OnlineServicesManager). Refused with
    /// `PermissionDenied` naming the principal, the licensing ID and the missing role; an
    /// unknown licensing ID is [`Error::NotFound`]. The returned guard authorizes the handle's
    /// writes while it lives.
    pub(crate) fn require_role(&self, licensing_id: &str, role: Role) -> Result<Authorized> {
        self.require_any(licensing_id, &[role])
    }

    /// [`Store::require_role`] for any one of `roles`.
    pub(crate) fn require_any(&self, licensing_id: &str, roles: &[Role]) -> Result<Authorized> {
        let Some(scope) = &self.scope else {
            return Ok(Authorized(None));
        };
        let lid = require_lid(self.conn(), licensing_id)?;
        let held = held(self.conn(), scope.principal_id, lid.id)?;
        if held.contains(&Role::Administrator) || roles.iter().any(|r| held.contains(r)) {
            return Ok(scope.authorize());
        }
        Err(Error::PermissionDenied(format!(
            "{} lacks the role {} on licensing ID {}{}",
            scope.email,
            any_of(roles),
            lid.number,
            if held.is_empty() {
                String::new()
            } else {
                format!(
                    " (holds {})",
                    held.iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )))
    }

    /// [`Store::require_role`] for the licensing ID of a product key.
    pub(crate) fn require_key_role(&self, key_id: i64, role: Role) -> Result<Authorized> {
        if self.scope.is_none() {
            return Ok(Authorized(None));
        }
        let k = crate::volume::keys::require_key(self.conn(), key_id)?;
        self.require_role(&k.licensing_id, role)
    }

    /// Refuses on a scoped handle: actions only the store's owner may take.
    pub(crate) fn require_owner(&self, what: &str) -> Result<()> {
        match &self.scope {
            None => Ok(()),
            Some(s) => Err(Error::PermissionDenied(format!(
                "{} may not {what}: only the store's owner may (a scoped handle acts for a principal)",
                s.email
            ))),
        }
    }

    /// Keeps the rows whose licensing ID (`key`) the scoped principal may read with one of
    /// `roles`; all rows on the owner's handle.
    pub(crate) fn visible_only<T>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> &str,
        roles: &[Role],
    ) -> Result<Vec<T>> {
        let Some(scope) = &self.scope else {
            return Ok(rows);
        };
        let ids = visible_lid_ids(self.conn(), scope.principal_id, roles)?;
        let mut st = self
            .conn()
            .prepare_cached("SELECT number FROM licensing_id WHERE id = ?1")?;
        let mut numbers = HashSet::new();
        for id in ids {
            let n: String = st.query_row([id], |r| r.get(0))?;
            numbers.insert(n.to_lowercase());
        }
        rows.retain(|r| numbers.contains(&key(r).to_lowercase()));
        Ok(rows)
    }

    /// Keeps the customers that own a licensing ID on which the scoped principal holds a role;
    /// all on the owner's handle.
    pub(crate) fn visible_customers(
        &self,
        mut customers: Vec<crate::customers::Customer>,
    ) -> Result<Vec<crate::customers::Customer>> {
        let Some(scope) = &self.scope else {
            return Ok(customers);
        };
        let ids = visible_lid_ids(self.conn(), scope.principal_id, read::LICENSING_IDS)?;
        let mut st = self
            .conn()
            .prepare_cached("SELECT customer_id FROM licensing_id WHERE id = ?1")?;
        let mut owners = HashSet::new();
        for id in ids {
            owners.insert(st.query_row([id], |r| r.get::<_, i64>(0))?);
        }
        customers.retain(|c| owners.contains(&c.id));
        Ok(customers)
    }

    /// On a scoped handle, a license summary query limited to the licensing IDs the principal may
    /// read (LicensingInfoViewer); asking for others is refused. Unchanged on the owner's handle.
    pub(crate) fn scoped_summary_query(
        &self,
        q: &crate::volume::SummaryQuery,
    ) -> Result<crate::volume::SummaryQuery> {
        let Some(scope) = &self.scope else {
            return Ok(q.clone());
        };
        let mut q = q.clone();
        if q.licensing_ids.is_empty() {
            let customer = crate::customers::require(self.conn(), &q.customer)?;
            let lids = self.visible_only(
                self.licensing_ids(Some(&customer.name))?,
                |l| &l.number,
                read::ENTITLEMENTS,
            )?;
            if lids.is_empty() {
                return Err(Error::PermissionDenied(format!(
                    "{} lacks the role {} on every licensing ID of {}",
                    scope.email,
                    any_of(read::ENTITLEMENTS),
                    customer.name
                )));
            }
            q.licensing_ids = lids.into_iter().map(|l| l.number).collect();
        } else {
            for n in &q.licensing_ids {
                self.require_any(n, read::ENTITLEMENTS)?;
            }
        }
        Ok(q)
    }

    /// The licensing ID ids a scoped handle may read with `roles` (`None` on the owner's handle).
    fn scope_filter(&self, roles: &[Role]) -> Result<Option<HashSet<i64>>> {
        match &self.scope {
            None => Ok(None),
            Some(s) => Ok(Some(visible_lid_ids(self.conn(), s.principal_id, roles)?)),
        }
    }

    fn scope_id(&self) -> Option<i64> {
        self.scope.as_ref().map(|s| s.principal_id)
    }

    /// Authorizes managing the access of `lid` (Administrator there).
    fn require_admin(&self, lid: &str) -> Result<Authorized> {
        self.require_role(lid, Role::Administrator)
    }

    // -----------------------------------------------------------------------------------------
    // Principals

    /// Adds a principal (business e-mail, first and last name). It holds no role yet (inactive).
    /// On a scoped handle the principal must be an Administrator of some licensing ID.
    pub fn add_principal(
        &mut self,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<Principal> {
        let email = validate_email(email)?;
        let first = validate::name("first name", first_name, 100)?;
        let last = validate::name("last name", last_name, 100)?;
        let _ok = match &self.scope {
            None => None,
            Some(s) => {
                if self
                    .scope_filter(&[Role::Administrator])?
                    .is_some_and(|v| v.is_empty())
                {
                    return Err(Error::PermissionDenied(format!(
                        "{} lacks the role Administrator on every licensing ID: only an Administrator adds principals",
                        s.email
                    )));
                }
                Some(s.authorize())
            }
        };
        self.write(|ctx| insert_principal(ctx, &email, &first, &last))
    }

    /// The principal with this e-mail, or [`Error::NotFound`] (also on a scoped handle that may
    /// not see it: itself and the principals of its Administrator licensing IDs).
    pub fn principal(&self, email: &str) -> Result<Principal> {
        let v = self.principals_where(Some(email))?;
        v.into_iter()
            .next()
            .ok_or_else(|| Error::not_found("principal", email))
    }

    /// Every principal, active or not, by e-mail. A scoped handle sees itself and the principals
    /// that hold or held roles, asked for them or are contacts on its Administrator licensing IDs.
    pub fn principals(&self) -> Result<Vec<Principal>> {
        self.principals_where(None)
    }

    fn principals_where(&self, email: Option<&str>) -> Result<Vec<Principal>> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principal p WHERE (?1 IS NULL OR p.email = ?1) AND ({}) ORDER BY p.email",
            principal_filter(self.scope_id())
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let v = st
            .query_map([email.map(str::trim)], principal_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    // -----------------------------------------------------------------------------------------
    // Roles

    /// Grants roles on a licensing ID (roles held already are kept). `ManageReservation` needs
    /// OnlineServicesManager, held or granted in the same call ([`Error::InvalidState`]
    /// otherwise). On a scoped handle the principal must be an Administrator of the licensing ID.
    pub fn grant_roles(
        &mut self,
        email: &str,
        licensing_id: &str,
        roles: &[Role],
    ) -> Result<AccessChange> {
        let _ok = self.require_admin(licensing_id)?;
        self.write(|ctx| {
            let (pid, p) = require_principal(ctx.tx, email)?;
            let lid = require_lid(ctx.tx, licensing_id)?;
            grant_in(ctx, pid, &p.email, &lid, roles)
        })
    }

    /// Grants the roles of a role group ([`RoleGroup::roles`]).
    pub fn grant_role_group(
        &mut self,
        email: &str,
        licensing_id: &str,
        group: RoleGroup,
    ) -> Result<AccessChange> {
        self.grant_roles(email, licensing_id, group.roles())
    }

    /// Revokes roles on a licensing ID (roles not held are ignored; revoking
    /// OnlineServicesManager revokes ManageReservation too). Refused ([`Error::InvalidState`])
    /// when the licensing ID would lose its last Administrator, or has ended. On a scoped handle
    /// the principal must be an Administrator of the licensing ID.
    pub fn revoke_roles(
        &mut self,
        email: &str,
        licensing_id: &str,
        roles: &[Role],
    ) -> Result<AccessChange> {
        let _ok = self.require_admin(licensing_id)?;
        self.write(|ctx| {
            let (pid, p) = require_principal(ctx.tx, email)?;
            let lid = require_lid(ctx.tx, licensing_id)?;
            revoke_in(ctx, pid, &p.email, &lid, roles)
        })
    }

    /// Removes a licensing ID from a principal's permission set: revokes every role it holds
    /// there, with the same refusals as [`Store::revoke_roles`]. A scoped principal may do this
    /// for itself, or for others as an Administrator of the licensing ID.
    pub fn remove_licensing_id_access(
        &mut self,
        email: &str,
        licensing_id: &str,
    ) -> Result<AccessChange> {
        let own = self
            .scope
            .as_ref()
            .is_some_and(|s| validate_email(email).is_ok_and(|e| e.eq_ignore_ascii_case(&s.email)));
        let _ok = match (&self.scope, own) {
            (Some(s), true) => {
                require_lid(self.conn(), licensing_id)?;
                s.authorize()
            }
            _ => self.require_admin(licensing_id)?,
        };
        self.write(|ctx| {
            let (pid, p) = require_principal(ctx.tx, email)?;
            let lid = require_lid(ctx.tx, licensing_id)?;
            revoke_in(ctx, pid, &p.email, &lid, Role::ALL)
        })
    }

    /// The roles a principal holds, by licensing ID and role (see [`Store::permissions`]).
    pub fn roles_of(&self, email: &str) -> Result<Vec<Permission>> {
        require_principal(self.conn(), email)?;
        self.permissions(Some(email), None)
    }

    /// The roles held, of one principal and/or on one licensing ID when given. A scoped handle
    /// sees its own roles and every role on its Administrator licensing IDs.
    pub fn permissions(
        &self,
        email: Option<&str>,
        licensing_id: Option<&str>,
    ) -> Result<Vec<Permission>> {
        let lid = match licensing_id {
            Some(n) => Some(require_lid(self.conn(), n)?.id),
            None => None,
        };
        let sql = format!(
            "SELECT p.email, l.number, c.name, r.role, r.granted_at, r.granted_by \
             FROM principal_role r JOIN principal p ON p.id = r.principal_id \
             JOIN licensing_id l ON l.id = r.licensing_id_id JOIN customer c ON c.id = l.customer_id \
             WHERE r.revoked_at IS NULL AND (?1 IS NULL OR p.email = ?1) AND (?2 IS NULL OR l.id = ?2) \
             AND ({}) ORDER BY p.email, l.number, r.role",
            permission_filter(self.scope_id(), "p.id", "l.id")
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let v = st
            .query_map(params![email.map(str::trim), lid], |r| {
                Ok(Permission {
                    email: r.get(0)?,
                    licensing_id: r.get(1)?,
                    customer: r.get(2)?,
                    role: r.get(3)?,
                    granted_at: r.get(4)?,
                    granted_by: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// The licensing IDs with exactly one Administrator (on a scoped handle: of those it
    /// administers), by number.
    pub fn single_administrator_warnings(&self) -> Result<Vec<AdministratorWarning>> {
        let only = self.scope_filter(&[Role::Administrator])?;
        let mut st = self.conn().prepare_cached(
            "SELECT l.id, l.number, c.name, min(p.email) FROM principal_role r \
             JOIN principal p ON p.id = r.principal_id JOIN licensing_id l ON l.id = r.licensing_id_id \
             JOIN customer c ON c.id = l.customer_id \
             WHERE r.role = 'Administrator' AND r.revoked_at IS NULL \
             GROUP BY l.id HAVING count(*) = 1 ORDER BY l.number",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                AdministratorWarning {
                    licensing_id: r.get(1)?,
                    customer: r.get(2)?,
                    administrator: r.get(3)?,
                },
            ))
        })?;
        let mut v = Vec::new();
        for row in rows {
            let (id, w) = row?;
            if only.as_ref().is_none_or(|o| o.contains(&id)) {
                v.push(w);
            }
        }
        Ok(v)
    }

    // -----------------------------------------------------------------------------------------
    // Agreement contacts

    /// Sets a licensing ID's primary contact or notices correspondent: adds the principal when
    /// the e-mail is new (an existing principal keeps its names) and grants it Administrator. The
    /// previous contact keeps its roles. Owner only: contacts change through the reseller.
    pub fn set_agreement_contact(
        &mut self,
        licensing_id: &str,
        kind: ContactKind,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> Result<AccessChange> {
        self.require_owner("change agreement contacts")?;
        let email = validate_email(email)?;
        let first = validate::name("first name", first_name, 100)?;
        let last = validate::name("last name", last_name, 100)?;
        self.write(|ctx| {
            let lid = require_lid(ctx.tx, licensing_id)?;
            let (pid, p) = match find_principal(ctx.tx, &email)? {
                Some(p) => p,
                None => {
                    insert_principal(ctx, &email, &first, &last)?;
                    require_principal(ctx.tx, &email)?
                }
            };
            let before = contact(ctx.tx, lid.id, kind)?;
            ctx.tx.execute(
                "INSERT INTO agreement_contact (licensing_id_id, kind, principal_id, set_at, set_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (licensing_id_id, kind) DO UPDATE SET \
                 principal_id = excluded.principal_id, set_at = excluded.set_at, set_by = excluded.set_by",
                params![lid.id, kind, pid, ctx.now, ctx.actor],
            )?;
            let after = contact(ctx.tx, lid.id, kind)?;
            ctx.audit(
                "agreement_contact.set",
                "agreement_contact",
                &format!("{}/{kind}", lid.number),
                before.map(serde_json::to_value).transpose()?.as_ref(),
                after.map(serde_json::to_value).transpose()?.as_ref(),
            )?;
            grant_in(ctx, pid, &p.email, &lid, &[Role::Administrator])
        })
    }

    /// The agreement contacts of a licensing ID (any role there lets a scoped handle see them).
    pub fn agreement_contacts(&self, licensing_id: &str) -> Result<Vec<AgreementContact>> {
        let _ = self.require_any(licensing_id, read::LICENSING_IDS)?;
        let lid = require_lid(self.conn(), licensing_id)?;
        let mut v = Vec::new();
        for kind in ContactKind::ALL {
            if let Some(c) = contact(self.conn(), lid.id, *kind)? {
                v.push(c);
            }
        }
        Ok(v)
    }

    // -----------------------------------------------------------------------------------------
    // Permission requests

    /// Asks for roles on a licensing ID; returns the request number. Refused: no roles, roles
    /// all held already, ManageReservation without OnlineServicesManager (held or asked for), a
    /// pending request of the same principal for the same licensing ID. A scoped principal asks
    /// only for itself.
    pub fn request_permission(
        &mut self,
        email: &str,
        licensing_id: &str,
        roles: &[Role],
        comment: Option<&str>,
    ) -> Result<i64> {
        let comment = validate::optional(comment, |c| validate::name("comment", c, 2000))?;
        let _ok = match &self.scope {
            None => None,
            Some(s) => {
                let (_, p) = require_principal(self.conn(), email)?;
                if !p.email.eq_ignore_ascii_case(&s.email) {
                    return Err(Error::PermissionDenied(format!(
                        "{} may not request permissions for {}: a principal requests only for itself",
                        s.email, p.email
                    )));
                }
                Some(s.authorize())
            }
        };
        self.write(|ctx| {
            let (pid, p) = require_principal(ctx.tx, email)?;
            let lid = require_lid(ctx.tx, licensing_id)?;
            let mut wanted = roles.to_vec();
            wanted.sort();
            wanted.dedup();
            if wanted.is_empty() {
                return Err(Error::invalid("roles", "", "ask for at least one role"));
            }
            let have = held(ctx.tx, pid, lid.id)?;
            check_manage_reservation(&p.email, &lid, &have, &wanted)?;
            if wanted.iter().all(|r| have.contains(r)) {
                return Err(Error::InvalidState(format!(
                    "{} holds every requested role on licensing ID {} already",
                    p.email, lid.number
                )));
            }
            let pending: Option<i64> = ctx
                .tx
                .query_row(
                    "SELECT id FROM permission_request WHERE principal_id = ?1 AND licensing_id_id = ?2 \
                     AND status = 'Pending'",
                    [pid, lid.id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = pending {
                return Err(Error::InvalidState(format!(
                    "{} has a pending request ({id}) for licensing ID {} already",
                    p.email, lid.number
                )));
            }
            ctx.tx.execute(
                "INSERT INTO permission_request (principal_id, licensing_id_id, roles, comment, status, \
                 requested_at, requested_by) VALUES (?1, ?2, ?3, ?4, 'Pending', ?5, ?6)",
                params![
                    pid,
                    lid.id,
                    serde_json::to_string(&wanted)?,
                    comment,
                    ctx.now,
                    ctx.actor
                ],
            )?;
            let id = ctx.tx.last_insert_rowid();
            let r = require_request(ctx.tx, id)?;
            ctx.audit(
                "permission_request.add",
                "permission_request",
                &id.to_string(),
                None,
                Some(&serde_json::to_value(&r)?),
            )?;
            Ok(id)
        })
    }

    /// Accepts (granting the roles) or denies a pending request, with an optional note. A decided
    /// request is [`Error::InvalidState`]. On a scoped handle the principal must be an
    /// Administrator of the request's licensing ID.
    pub fn decide_permission_request(
        &mut self,
        id: i64,
        accept: bool,
        note: Option<&str>,
    ) -> Result<PermissionRequest> {
        let note = validate::optional(note, |c| validate::name("note", c, 2000))?;
        let lid = require_request(self.conn(), id)?.licensing_id;
        let _ok = self.require_admin(&lid)?;
        self.write(|ctx| {
            let before = require_request(ctx.tx, id)?;
            if before.status != PermissionRequestStatus::Pending {
                return Err(Error::InvalidState(format!(
                    "permission request {id} is {} already",
                    before.status
                )));
            }
            let status = if accept {
                PermissionRequestStatus::Accepted
            } else {
                PermissionRequestStatus::Denied
            };
            if accept {
                let (pid, p) = require_principal(ctx.tx, &before.email)?;
                let lid = require_lid(ctx.tx, &before.licensing_id)?;
                grant_in(ctx, pid, &p.email, &lid, &before.roles)?;
            }
            ctx.tx.execute(
                "UPDATE permission_request SET status = ?2, decided_at = ?3, decided_by = ?4, note = ?5 WHERE id = ?1",
                params![id, status, ctx.now, ctx.actor, note],
            )?;
            let after = require_request(ctx.tx, id)?;
            ctx.audit(
                if accept {
                    "permission_request.accept"
                } else {
                    "permission_request.deny"
                },
                "permission_request",
                &id.to_string(),
                Some(&serde_json::to_value(&before)?),
                Some(&serde_json::to_value(&after)?),
            )?;
            Ok(after)
        })
    }

    /// The permission requests matching `filter`, by number. A scoped handle sees its own
    /// requests and those on its Administrator licensing IDs.
    pub fn permission_requests(
        &self,
        filter: &PermissionRequestFilter,
    ) -> Result<Vec<PermissionRequest>> {
        let lid = match &filter.licensing_id {
            Some(n) => Some(require_lid(self.conn(), n)?.id),
            None => None,
        };
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} WHERE (?1 IS NULL OR q.status = ?1) \
             AND (?2 IS NULL OR q.licensing_id_id = ?2) AND (?3 IS NULL OR p.email = ?3) AND ({}) ORDER BY q.id",
            permission_filter(self.scope_id(), "p.id", "q.licensing_id_id")
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let v = st
            .query_map(
                params![filter.status, lid, filter.email.as_deref().map(str::trim)],
                request_from_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }
}

// ---------------------------------------------------------------------------------------------
// Rows and writes

const PRINCIPAL_COLUMNS: &str = "p.email, p.first_name, p.last_name, \
    EXISTS (SELECT 1 FROM principal_role r WHERE r.principal_id = p.id AND r.revoked_at IS NULL), \
    p.created_at, p.updated_at, p.id";

fn principal_from_row(r: &Row<'_>) -> rusqlite::Result<Principal> {
    Ok(Principal {
        email: r.get(0)?,
        first_name: r.get(1)?,
        last_name: r.get(2)?,
        active: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

fn find_principal(conn: &Connection, email: &str) -> Result<Option<(i64, Principal)>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principal p WHERE p.email = ?1"
    ))?;
    Ok(st
        .query_row([email.trim()], |r| Ok((r.get(6)?, principal_from_row(r)?)))
        .optional()?)
}

fn require_principal(conn: &Connection, email: &str) -> Result<(i64, Principal)> {
    find_principal(conn, email)?.ok_or_else(|| Error::not_found("principal", email))
}

fn insert_principal(ctx: &WriteCtx<'_>, email: &str, first: &str, last: &str) -> Result<Principal> {
    if find_principal(ctx.tx, email)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "principal",
            key: email.to_string(),
        });
    }
    ctx.tx.execute(
        "INSERT INTO principal (email, first_name, last_name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![email, first, last, ctx.now],
    )?;
    let (_, p) = require_principal(ctx.tx, email)?;
    ctx.audit(
        "principal.add",
        "principal",
        &p.email,
        None,
        Some(&serde_json::to_value(&p)?),
    )?;
    Ok(p)
}

/// Scope filters in SQL over principal ids and licensing ID ids, shared by the API and the
/// scoped channel's views. `None`: the owner's handle, everything.
fn admin_lids(pid: i64) -> String {
    format!(
        "SELECT x.licensing_id_id FROM main.principal_role x WHERE x.principal_id = {pid} \
         AND x.role = 'Administrator' AND x.revoked_at IS NULL"
    )
}

fn principal_filter(scope: Option<i64>) -> String {
    match scope {
        None => "1".into(),
        Some(pid) => {
            let admin = admin_lids(pid);
            format!(
                "p.id = {pid} OR p.id IN (SELECT r.principal_id FROM main.principal_role r WHERE r.licensing_id_id IN ({admin}) \
                 UNION SELECT q.principal_id FROM main.permission_request q WHERE q.licensing_id_id IN ({admin}) \
                 UNION SELECT a.principal_id FROM main.agreement_contact a WHERE a.licensing_id_id IN ({admin}))"
            )
        }
    }
}

fn permission_filter(scope: Option<i64>, principal_col: &str, lid_col: &str) -> String {
    match scope {
        None => "1".into(),
        Some(pid) => format!(
            "{principal_col} = {pid} OR {lid_col} IN ({})",
            admin_lids(pid)
        ),
    }
}

fn check_manage_reservation(
    email: &str,
    lid: &LicensingId,
    have: &[Role],
    adding: &[Role],
) -> Result<()> {
    if adding.contains(&Role::ManageReservation)
        && !have.contains(&Role::OnlineServicesManager)
        && !adding.contains(&Role::OnlineServicesManager)
    {
        return Err(Error::InvalidState(format!(
            "ManageReservation is granted only to an OnlineServicesManager: {email} is not one on licensing ID {}",
            lid.number
        )));
    }
    Ok(())
}

fn warning(
    conn: &Connection,
    lid: &LicensingId,
    before: usize,
) -> Result<Option<AdministratorWarning>> {
    let admins = administrators(conn, lid.id)?;
    Ok(
        (admins.len() == 1 && before != 1).then(|| AdministratorWarning {
            licensing_id: lid.number.clone(),
            customer: lid.customer.clone(),
            administrator: admins[0].clone(),
        }),
    )
}

fn audit_roles(
    ctx: &WriteCtx<'_>,
    action: &str,
    email: &str,
    lid: &LicensingId,
    before: &[Role],
    after: &[Role],
) -> Result<()> {
    let v = |roles: &[Role]| serde_json::json!({ "email": email, "licensing_id": lid.number, "roles": roles });
    ctx.audit(
        action,
        "principal_role",
        &format!("{email}/{}", lid.number),
        Some(&v(before)),
        Some(&v(after)),
    )
}

fn grant_in(
    ctx: &WriteCtx<'_>,
    pid: i64,
    email: &str,
    lid: &LicensingId,
    roles: &[Role],
) -> Result<AccessChange> {
    if roles.is_empty() {
        return Err(Error::invalid("roles", "", "grant at least one role"));
    }
    let before = held(ctx.tx, pid, lid.id)?;
    check_manage_reservation(email, lid, &before, roles)?;
    let admins_before = administrators(ctx.tx, lid.id)?.len();
    let mut changed: Vec<Role> = roles
        .iter()
        .copied()
        .filter(|r| !before.contains(r))
        .collect();
    changed.sort();
    changed.dedup();
    let mut st = ctx.tx.prepare_cached(
        "INSERT INTO principal_role (principal_id, licensing_id_id, role, granted_at, granted_by) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (principal_id, licensing_id_id, role) DO UPDATE SET \
         granted_at = excluded.granted_at, granted_by = excluded.granted_by, revoked_at = NULL, revoked_by = NULL",
    )?;
    for r in &changed {
        st.execute(params![pid, lid.id, r, ctx.now, ctx.actor])?;
    }
    let after = held(ctx.tx, pid, lid.id)?;
    if !changed.is_empty() {
        audit_roles(ctx, "principal_role.grant", email, lid, &before, &after)?;
    }
    Ok(AccessChange {
        email: email.to_string(),
        licensing_id: lid.number.clone(),
        changed,
        roles: after,
        warning: warning(ctx.tx, lid, admins_before)?,
    })
}

fn revoke_in(
    ctx: &WriteCtx<'_>,
    pid: i64,
    email: &str,
    lid: &LicensingId,
    roles: &[Role],
) -> Result<AccessChange> {
    if roles.is_empty() {
        return Err(Error::invalid("roles", "", "revoke at least one role"));
    }
    let before = held(ctx.tx, pid, lid.id)?;
    let mut changed: Vec<Role> = roles
        .iter()
        .copied()
        .filter(|r| before.contains(r))
        .collect();
    if changed.contains(&Role::OnlineServicesManager) && before.contains(&Role::ManageReservation) {
        changed.push(Role::ManageReservation);
    }
    changed.sort();
    changed.dedup();
    if !changed.is_empty() {
        if let Some(end) = lid.end_date {
            if crate::volume::fmt_date(end).as_str() < &ctx.now[..10] {
                return Err(Error::InvalidState(format!(
                    "licensing ID {} ended on {}: roles on an expired licensing ID cannot be removed",
                    lid.number,
                    crate::volume::fmt_date(end)
                )));
            }
        }
    }
    let admins_before = administrators(ctx.tx, lid.id)?.len();
    if changed.contains(&Role::Administrator) && admins_before == 1 {
        return Err(Error::InvalidState(format!(
            "{email} is the only Administrator of licensing ID {}: grant Administrator to another principal first",
            lid.number
        )));
    }
    let mut st = ctx.tx.prepare_cached(
        "UPDATE principal_role SET revoked_at = ?4, revoked_by = ?5 \
         WHERE principal_id = ?1 AND licensing_id_id = ?2 AND role = ?3 AND revoked_at IS NULL",
    )?;
    for r in &changed {
        st.execute(params![pid, lid.id, r, ctx.now, ctx.actor])?;
    }
    let after = held(ctx.tx, pid, lid.id)?;
    if !changed.is_empty() {
        audit_roles(ctx, "principal_role.revoke", email, lid, &before, &after)?;
    }
    Ok(AccessChange {
        email: email.to_string(),
        licensing_id: lid.number.clone(),
        changed,
        roles: after,
        warning: warning(ctx.tx, lid, admins_before)?,
    })
}

fn contact(conn: &Connection, lid_id: i64, kind: ContactKind) -> Result<Option<AgreementContact>> {
    let mut st = conn.prepare_cached(
        "SELECT l.number, a.kind, p.email, a.set_at FROM agreement_contact a \
         JOIN principal p ON p.id = a.principal_id JOIN licensing_id l ON l.id = a.licensing_id_id \
         WHERE a.licensing_id_id = ?1 AND a.kind = ?2",
    )?;
    Ok(st
        .query_row(params![lid_id, kind], |r| {
            Ok(AgreementContact {
                licensing_id: r.get(0)?,
                kind: r.get(1)?,
                email: r.get(2)?,
                set_at: r.get(3)?,
            })
        })
        .optional()?)
}

const REQUEST_COLUMNS: &str =
    "q.id, p.email, p.first_name, p.last_name, l.number, c.name, q.roles, \
    q.comment, q.status, q.requested_at, q.requested_by, q.decided_at, q.decided_by, q.note";
const REQUEST_FROM: &str = "permission_request q JOIN principal p ON p.id = q.principal_id \
    JOIN licensing_id l ON l.id = q.licensing_id_id JOIN customer c ON c.id = l.customer_id";

fn request_from_row(r: &Row<'_>) -> rusqlite::Result<PermissionRequest> {
    let roles: String = r.get(6)?;
    let roles: Vec<Role> = serde_json::from_str(&roles).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(PermissionRequest {
        id: r.get(0)?,
        email: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        licensing_id: r.get(4)?,
        customer: r.get(5)?,
        roles,
        comment: r.get(7)?,
        status: r.get(8)?,
        requested_at: r.get(9)?,
        requested_by: r.get(10)?,
        decided_at: r.get(11)?,
        decided_by: r.get(12)?,
        note: r.get(13)?,
    })
}

fn require_request(conn: &Connection, id: i64) -> Result<PermissionRequest> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} WHERE q.id = ?1"
    ))?;
    st.query_row([id], request_from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("permission request", id.to_string()))
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Role, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// The scoped query channel

/// The public views a scoped handle's query channel shows, each filtered to the principal's rows:
/// (view, filter over the view's columns). `{lids:ROLES}` is replaced by the numbers of the
/// licensing IDs where the principal holds one of ROLES or Administrator. Every other view
/// (online services, jobs, the audit log, views added later) is refused on a scoped channel;
/// `products` (a global catalog of product names) and `license_summary` (filtered where it is
/// computed) are shown as they are.
const SCOPED_VIEWS: &[(&str, &str, &[Role])] = &[
    ("licensing_ids", "number", read::LICENSING_IDS),
    ("entitlements", "licensing_id", read::ENTITLEMENTS),
    ("product_keys", "licensing_id", read::KEYS),
    ("key_activations", "licensing_id", read::KEYS),
    ("limit_increase_requests", "licensing_id", read::KEYS),
    ("sa_benefits", "licensing_id", read::BENEFITS),
    ("reservations", "licensing_id", read::RESERVATIONS),
];

/// The views filtered on a scoped channel besides [`SCOPED_VIEWS`].
const SCOPED_ACCESS_VIEWS: &[&str] = &[
    "customers",
    "permissions",
    "permission_requests",
    "agreement_contacts",
    "principals",
];

/// Whether a scoped channel shows `view` (filtered or not); every other view is refused there.
pub(crate) fn shown_when_scoped(view: &str) -> bool {
    SCOPED_VIEWS.iter().any(|(v, _, _)| *v == view)
        || SCOPED_ACCESS_VIEWS.contains(&view)
        || SCOPED_UNFILTERED.contains(&view)
        || view == "license_summary"
}

/// Views shown unfiltered on a scoped channel.
pub(crate) const SCOPED_UNFILTERED: &[&str] = &["products"];

/// The prefix of the TEMP views holding a scoped channel's filtered rows.
pub(crate) const SCOPED_PREFIX: &str = "licstore_scoped_";

fn lids_sql(pid: i64, roles: &[Role]) -> String {
    let mut names: Vec<String> = roles.iter().map(|r| format!("'{}'", r.as_str())).collect();
    names.push("'Administrator'".into());
    format!(
        "SELECT sl.number FROM main.licensing_id sl JOIN main.principal_role sr ON sr.licensing_id_id = sl.id \
         WHERE sr.principal_id = {pid} AND sr.revoked_at IS NULL AND sr.role IN ({})",
        names.join(", ")
    )
}

/// The body of a public view (`CREATE VIEW name AS <body>`), from its SQL text.
fn view_body(sql: &str) -> Option<&str> {
    let upper = sql.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = upper[from..].find("AS") {
        let at = from + i;
        let before = upper[..at].chars().last().is_none_or(|c| c.is_whitespace());
        let after = upper[at + 2..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == '(');
        if before && after {
            return Some(&sql[at + 2..]);
        }
        from = at + 2;
    }
    None
}

/// Creates a scoped channel's TEMP views on the read-only connection `conn` (before it is set
/// `query_only`): for each filtered public view V, `temp.licstore_scoped_V` is V's own definition
/// (read from the schema, so it never drifts) with the principal's filter, and `temp.V` reads it,
/// so unqualified names in users' SQL resolve to the filtered rows. The channel's authorizer
/// allows base-table reads only through `licstore_scoped_*` views on a scoped channel (and the
/// unfiltered ones above), so `main.V` and look-alike CTEs are refused. The filters read
/// `principal_role` when a statement runs: a revoked role hides its rows at once.
pub(crate) fn scope_reader(conn: &Connection, principal_id: i64) -> Result<Vec<String>> {
    let pid = principal_id;
    let mut views: Vec<(String, String)> = Vec::new();
    let lid_filter = |col: &str, roles: &[Role]| format!("{col} IN ({})", lids_sql(pid, roles));
    for (v, col, roles) in SCOPED_VIEWS {
        views.push((v.to_string(), lid_filter(col, roles)));
    }
    views.push((
        "customers".into(),
        format!(
            "name IN (SELECT sc.name FROM main.customer sc JOIN main.licensing_id l2 ON l2.customer_id = sc.id \
             WHERE l2.number IN ({}))",
            lids_sql(pid, read::LICENSING_IDS)
        ),
    ));
    let self_email = format!("(SELECT se.email FROM main.principal se WHERE se.id = {pid})");
    let admin_numbers = lids_sql(pid, &[Role::Administrator]);
    for v in ["permissions", "permission_requests", "agreement_contacts"] {
        views.push((
            v.into(),
            format!("email = {self_email} OR licensing_id IN ({admin_numbers})"),
        ));
    }
    views.push((
        "principals".into(),
        format!(
            "email IN (SELECT p.email FROM main.principal p WHERE {})",
            principal_filter(Some(pid))
        ),
    ));
    let mut created = Vec::new();
    for (name, filter) in views {
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM main.sqlite_schema WHERE type = 'view' AND name = ?1",
                [&name],
                |r| r.get(0),
            )
            .optional()?;
        let Some(sql) = sql else { continue };
        let body = view_body(&sql)
            .ok_or_else(|| Error::Internal(format!("cannot read the definition of view {name}")))?;
        conn.execute_batch(&format!(
            "CREATE TEMP VIEW \"{SCOPED_PREFIX}{name}\" AS SELECT * FROM ({body}) WHERE {filter};\n\
             CREATE TEMP VIEW \"{name}\" AS SELECT * FROM temp.\"{SCOPED_PREFIX}{name}\";"
        ))?;
        created.push(format!("{SCOPED_PREFIX}{name}"));
        created.push(name);
    }
    Ok(created)
}

/// For the `license_summary` table: the licensing IDs a scoped channel may summarize
/// (LicensingInfoViewer), narrowed by the ones asked for. `None` on the owner's channel.
pub(crate) fn summary_lids(
    conn: &Connection,
    principal_id: Option<i64>,
    asked: Option<Vec<i64>>,
) -> Result<Option<Vec<i64>>> {
    let Some(pid) = principal_id else {
        return Ok(asked);
    };
    let visible = visible_lid_ids(conn, pid, read::ENTITLEMENTS)?;
    let mut v: Vec<i64> = match asked {
        Some(a) => a.into_iter().filter(|id| visible.contains(id)).collect(),
        None => visible.into_iter().collect(),
    };
    v.sort_unstable();
    Ok(Some(v))
}

/// The error a scoped channel gives for a view it does not show.
pub(crate) fn refused_view(view: &str) -> String {
    format!(
        "view {view} is not available on a handle scoped to a principal: roles are held per \
         licensing ID and cover the volume-licensing views (docs/access.md); read the unqualified \
         views, which show the principal's rows"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::NewCustomer;
    use crate::error::ErrorCode;
    use crate::volume::keys::tests::mak;
    use crate::volume::tests::{d, line, store};
    use crate::volume::{
        BenefitStatus, EntitlementKind, NewLicensingId, NewReservation, NewSaBenefit, Program,
        ReservationHistory, SummaryQuery,
    };
    use crate::{Params, Value};

    const ANN: &str = "ann@contoso.com";
    const BOB: &str = "bob@contoso.com";
    const CAT: &str = "cat@contoso.com";

    /// The volume test store (Contoso with E1 and OV1, 2025-06-01) plus Fabrikam's F1, an
    /// entitlement and a MAK on E1 and F1, and principals Ann, Bob and Cat without roles.
    fn setup() -> Result<Store> {
        let mut s = store()?;
        s.add_customer(&NewCustomer::named("Fabrikam"))?;
        let mut f1 = NewLicensingId::new("F1", "Fabrikam", Program::Enterprise);
        f1.end_date = Some(d("2027-12-31"));
        s.add_licensing_id(&f1)?;
        for lid in ["E1", "F1"] {
            s.add_entitlement(&line(
                lid,
                "Office Standard",
                "2019",
                10,
                EntitlementKind::Full,
                "2024-02-01",
            ))?;
        }
        s.add_product_key(&mak(5))?;
        s.add_product_key(&NewProductKey {
            licensing_id: "F1".into(),
            key: "W269N-WFGWX-YVC9B-4J6C9-T83GX".into(),
            ..mak(5)
        })?;
        for (e, f, l) in [
            (ANN, "Ann", "Lee"),
            (BOB, "Bob", "Ray"),
            (CAT, "Cat", "Moe"),
        ] {
            s.add_principal(e, f, l)?;
        }
        Ok(s)
    }

    use crate::volume::NewProductKey;

    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        r.unwrap_err().code()
    }

    fn actions(s: &Store, prefix: &str) -> Result<usize> {
        Ok(s.audit_entries(None)?
            .iter()
            .filter(|a| a.action.starts_with(prefix))
            .count())
    }

    #[test]
    fn business_emails_are_validated() -> Result<()> {
        assert_eq!(
            validate_email(" Ann.Lee@Contoso.COM ")?,
            "Ann.Lee@contoso.com"
        );
        for bad in [
            "ann",
            "ann@",
            "@contoso.com",
            "ann lee@contoso.com",
            "ann@contoso",
            "a..b@contoso.com",
            "ann@@contoso.com",
        ] {
            let e = validate_email(bad).unwrap_err();
            assert!(e.to_string().contains("business e-mail"), "{bad}: {e}");
        }
        let e = validate_email("ann@gmail.com").unwrap_err();
        assert!(e.to_string().contains("consumer"), "{e}");
        assert!(CONSUMER_DOMAINS.windows(2).all(|w| w[0] < w[1]));
        Ok(())
    }

    #[test]
    fn principals_are_active_while_they_hold_a_role_and_stay_listed() -> Result<()> {
        let mut s = setup()?;
        assert_eq!(
            code(s.add_principal("ANN@contoso.com", "A", "L")),
            ErrorCode::AlreadyExists
        );
        assert_eq!(
            code(s.add_principal("x@contoso.com", " ", "L")),
            ErrorCode::InvalidArgument
        );
        assert!(!s.principal(ANN)?.active);
        s.grant_roles(ANN, "E1", &[Role::Administrator])?;
        s.grant_roles(BOB, "E1", &[Role::ProductKeys, Role::Download])?;
        assert!(s.principal("bob@CONTOSO.com")?.active);
        let c = s.remove_licensing_id_access(BOB, "E1")?;
        assert_eq!(c.changed, [Role::Download, Role::ProductKeys]);
        assert!(c.roles.is_empty());
        let bob = s.principal(BOB)?;
        assert!(!bob.active, "removing every role deactivates");
        assert_eq!(s.principals()?.len(), 3, "and the principal stays listed");
        s.grant_roles(BOB, "E1", &[Role::Download])?;
        assert!(s.principal(BOB)?.active, "granting reactivates");
        let r = s.query(
            "SELECT email, active, licensing_ids FROM principals ORDER BY email",
            &Params::None,
        )?;
        assert_eq!(
            r.rows[1],
            vec![Value::from(BOB), Value::Integer(1), Value::Integer(1)]
        );
        assert_eq!(r.rows[2][1], Value::Integer(0));
        assert_eq!(actions(&s, "principal.add")?, 3);
        assert_eq!(actions(&s, "principal_role.")?, 4);
        Ok(())
    }

    #[test]
    fn role_groups_and_manage_reservation() -> Result<()> {
        let mut s = setup()?;
        let c = s.grant_role_group(ANN, "E1", RoleGroup::SoftwareAssuranceManager)?;
        assert_eq!(
            c.changed,
            [Role::LicensingInfoViewer, Role::SoftwareAssuranceManager]
        );
        let c = s.grant_role_group(ANN, "E1", "online services manager".parse()?)?;
        assert_eq!(
            c.changed,
            [Role::OnlineServicesManager],
            "held roles are kept, not re-granted"
        );
        let e = s
            .grant_roles(BOB, "E1", &[Role::ManageReservation])
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidState);
        assert!(e.to_string().contains("OnlineServicesManager"), "{e}");
        s.grant_roles(
            BOB,
            "E1",
            &[Role::OnlineServicesManager, Role::ManageReservation],
        )?;
        s.grant_roles(ANN, "E1", &[Role::ManageReservation])?;
        let c = s.revoke_roles(ANN, "E1", &[Role::OnlineServicesManager])?;
        assert_eq!(
            c.changed,
            [Role::OnlineServicesManager, Role::ManageReservation]
        );
        assert!(!c.roles.contains(&Role::ManageReservation));
        let roles: Vec<Role> = s.roles_of(BOB)?.iter().map(|p| p.role).collect();
        assert_eq!(
            roles,
            [Role::ManageReservation, Role::OnlineServicesManager]
        );
        assert_eq!(
            code(s.grant_roles(BOB, "E1", &[])),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(s.grant_roles("nobody@contoso.com", "E1", &[Role::Download])),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(s.grant_roles(BOB, "NOPE", &[Role::Download])),
            ErrorCode::NotFound
        );
        assert_eq!(
            "Licensing Info Viewer".parse::<Role>()?,
            Role::LicensingInfoViewer
        );
        assert_eq!(Role::ROLES.len(), 7);
        Ok(())
    }

    #[test]
    fn single_administrators_are_warned_and_never_removed() -> Result<()> {
        let mut s = setup()?;
        let c = s.grant_roles(ANN, "E1", &[Role::Administrator])?;
        let w = c.warning.expect("a first Administrator is a single one");
        assert_eq!(
            (w.licensing_id.as_str(), w.administrator.as_str()),
            ("E1", ANN)
        );
        assert!(w.to_string().contains("alternate"), "{w}");
        assert_eq!(s.single_administrator_warnings()?, vec![w.clone()]);
        let c = s.grant_roles(BOB, "E1", &[Role::Administrator])?;
        assert_eq!(c.warning, None);
        assert!(s.single_administrator_warnings()?.is_empty());
        let c = s.revoke_roles(BOB, "E1", &[Role::Administrator])?;
        assert_eq!(c.warning.map(|w| w.administrator), Some(ANN.to_string()));
        let e = s.remove_licensing_id_access(ANN, "E1").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidState);
        assert!(e.to_string().contains("only Administrator"), "{e}");
        assert!(s.principal(ANN)?.active);
        // Roles on an ended licensing ID cannot be removed.
        s.grant_roles(CAT, "OV1", &[Role::Download])?;
        s.set_clock(crate::Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        let e = s.revoke_roles(CAT, "OV1", &[Role::Download]).unwrap_err();
        assert!(e.to_string().contains("expired"), "{e}");
        Ok(())
    }

    #[test]
    fn agreement_contacts_are_administrators() -> Result<()> {
        let mut s = setup()?;
        let c = s.set_agreement_contact(
            "E1",
            ContactKind::PrimaryContact,
            "dan@contoso.com",
            "Dan",
            "Poe",
        )?;
        assert_eq!(c.roles, [Role::Administrator]);
        assert!(c.warning.is_some());
        assert_eq!(s.principal("dan@contoso.com")?.first_name, "Dan");
        let c = s.set_agreement_contact(
            "E1",
            ContactKind::NoticesCorrespondent,
            ANN,
            "Other",
            "Name",
        )?;
        assert_eq!(c.changed, [Role::Administrator]);
        assert_eq!(
            s.principal(ANN)?.first_name,
            "Ann",
            "an existing principal keeps its names"
        );
        s.set_agreement_contact("E1", ContactKind::PrimaryContact, BOB, "Bob", "Ray")?;
        let contacts = s.agreement_contacts("E1")?;
        assert_eq!(
            contacts
                .iter()
                .map(|c| c.email.as_str())
                .collect::<Vec<_>>(),
            [BOB, ANN]
        );
        assert!(
            s.roles_of("dan@contoso.com")?
                .iter()
                .any(|p| p.role == Role::Administrator),
            "a replaced contact keeps its roles"
        );
        assert_eq!(actions(&s, "agreement_contact.set")?, 3);
        let r = s.query(
            "SELECT kind, email FROM agreement_contacts ORDER BY kind",
            &Params::None,
        )?;
        assert_eq!(
            r.rows[0],
            vec![Value::from("NoticesCorrespondent"), Value::from(ANN)]
        );
        Ok(())
    }

    #[test]
    fn permission_requests_are_decided_by_administrators() -> Result<()> {
        let mut s = setup()?;
        s.grant_roles(ANN, "E1", &[Role::Administrator])?;
        let id = s.request_permission(
            BOB,
            "E1",
            &[Role::ProductKeys, Role::Download],
            Some("keys for the rollout"),
        )?;
        let e = s
            .request_permission(BOB, "e1", &[Role::LicensingInfoViewer], None)
            .unwrap_err();
        assert!(e.to_string().contains("pending request"), "{e}");
        assert_eq!(
            code(s.request_permission(CAT, "E1", &[Role::ManageReservation], None)),
            ErrorCode::InvalidState
        );
        assert_eq!(
            code(s.request_permission(ANN, "E1", &[Role::Administrator], None)),
            ErrorCode::InvalidState
        );
        assert_eq!(
            code(s.request_permission(CAT, "E1", &[], None)),
            ErrorCode::InvalidArgument
        );
        let pending = s.permission_requests(&PermissionRequestFilter::pending())?;
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].roles, [Role::Download, Role::ProductKeys]);
        let r = s.decide_permission_request(id, true, Some("welcome"))?;
        assert_eq!(
            (r.status, r.note.as_deref()),
            (PermissionRequestStatus::Accepted, Some("welcome"))
        );
        assert_eq!(s.roles_of(BOB)?.len(), 2, "accepting grants the roles");
        assert_eq!(
            code(s.decide_permission_request(id, false, None)),
            ErrorCode::InvalidState
        );
        let id2 = s.request_permission(CAT, "E1", &[Role::Administrator], None)?;
        let r = s.decide_permission_request(id2, false, Some("ask your manager"))?;
        assert_eq!(r.status, PermissionRequestStatus::Denied);
        assert!(s.roles_of(CAT)?.is_empty());
        let f = PermissionRequestFilter {
            email: Some(CAT.into()),
            ..Default::default()
        };
        assert_eq!(s.permission_requests(&f)?.len(), 1);
        let q = s.query(
            "SELECT status, roles FROM permission_requests ORDER BY id",
            &Params::None,
        )?;
        assert_eq!(
            q.rows[0],
            vec![
                Value::from("Accepted"),
                Value::from("[\"Download\",\"ProductKeys\"]")
            ]
        );
        assert_eq!(actions(&s, "permission_request.")?, 4);
        Ok(())
    }

    /// Ann administers E1; Bob holds ProductKeys and LicensingInfoViewer on E1; Cat holds nothing.
    fn roles() -> Result<Store> {
        let mut s = setup()?;
        s.grant_roles(ANN, "E1", &[Role::Administrator])?;
        s.grant_roles(BOB, "E1", &[Role::ProductKeys, Role::LicensingInfoViewer])?;
        s.grant_roles(CAT, "F1", &[Role::Administrator])?;
        Ok(s)
    }

    #[test]
    fn a_scoped_handle_reads_only_its_licensing_ids() -> Result<()> {
        let s = roles()?;
        let bob = s.scoped(BOB)?;
        assert_eq!(bob.principal_scope(), Some(BOB));
        assert_eq!(
            bob.licensing_ids(None)?
                .iter()
                .map(|l| l.number.as_str())
                .collect::<Vec<_>>(),
            ["E1"]
        );
        assert_eq!(bob.entitlements(None)?.len(), 1);
        assert_eq!(bob.product_keys(None)?.len(), 1);
        let e = bob.product_keys(Some("F1")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::PermissionDenied);
        let msg = e.to_string();
        assert!(
            msg.contains(BOB) && msg.contains("F1") && msg.contains("ProductKeys"),
            "{msg}"
        );
        assert_eq!(code(bob.licensing_id("F1")), ErrorCode::PermissionDenied);
        let f1_key = s.product_keys(Some("F1"))?[0].id;
        assert_eq!(code(bob.product_key(f1_key)), ErrorCode::PermissionDenied);
        assert_eq!(
            code(bob.key_activations(f1_key)),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(bob.find_product_key("W269N-WFGWX-YVC9B-4J6C9-T83GX")),
            ErrorCode::PermissionDenied
        );
        assert!(bob.sa_benefits(None)?.is_empty());
        let summary = bob.license_summary(&SummaryQuery::customer("Contoso"))?;
        assert_eq!(summary[0].effective_quantity, 10);
        assert_eq!(
            code(bob.license_summary(&SummaryQuery::customer("Fabrikam"))),
            ErrorCode::PermissionDenied
        );
        assert_eq!(bob.permissions(None, None)?.len(), 2, "its own roles only");
        assert_eq!(bob.principals()?.len(), 1);
        let ann = s.scoped(ANN)?;
        assert_eq!(
            ann.permissions(None, None)?.len(),
            3,
            "an Administrator sees every role on its licensing IDs"
        );
        assert_eq!(
            ann.principals()?
                .iter()
                .map(|p| p.email.as_str())
                .collect::<Vec<_>>(),
            [ANN, BOB]
        );
        assert_eq!(code(ann.principal(CAT)), ErrorCode::NotFound);
        assert!(ann
            .single_administrator_warnings()?
            .iter()
            .all(|w| w.licensing_id == "E1"));
        assert_eq!(
            code(Store::scoped(&s, "nobody@contoso.com")),
            ErrorCode::NotFound
        );
        Ok(())
    }

    #[test]
    fn each_action_checks_its_role() -> Result<()> {
        let mut s = roles()?;
        s.add_sa_benefit(&NewSaBenefit {
            licensing_id: "E1".into(),
            benefit: "Training Vouchers".into(),
            eligible_quantity: 5,
            status: BenefitStatus::Activated,
        })?;
        let key = s.product_keys(Some("E1"))?[0].id;
        let mut bob = s.scoped(BOB)?;
        assert_eq!(bob.reveal_key(key, "rollout")?.len(), 29);
        assert_eq!(bob.activate_key(key, "PC-1")?.machine, "PC-1");
        bob.proxy_activate(key, &["PC-2", "PC-3"])?;
        bob.request_limit_increase(key, 5, "more machines")?;
        let req = bob.limit_increase_requests(None)?[0].id;
        assert_eq!(
            code(bob.decide_limit_increase(req, true)),
            ErrorCode::PermissionDenied
        );
        let benefit = bob.sa_benefits(None)?[0].id;
        let e = bob.use_sa_benefit(benefit, 1).unwrap_err();
        assert!(e.to_string().contains("SoftwareAssuranceManager"), "{e}");
        let res = NewReservation {
            licensing_id: "E1".into(),
            service: "Microsoft 365 E3".into(),
            sku: "SPE_E3".into(),
            quantity: 5,
            usage_date: d("2025-07-01"),
        };
        assert_eq!(
            code(bob.submit_reservation(&res)),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(bob.add_entitlement(&line(
                "E1",
                "Office Standard",
                "2021",
                1,
                EntitlementKind::Full,
                "2025-01-01"
            ))),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(bob.grant_roles(CAT, "E1", &[Role::Download])),
            ErrorCode::PermissionDenied
        );
        // Online services, customers, the actor: owner only.
        let e = bob.add_customer(&NewCustomer::named("Mine")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::PermissionDenied);
        assert!(e.to_string().contains("online services"), "{e}");
        assert_eq!(
            code(bob.set_actor("someone else")),
            ErrorCode::PermissionDenied
        );
        // Reads of online services, jobs and the audit log fail on a scoped handle's connection.
        let e = bob.audit_entries(None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::PermissionDenied, "{e}");
        assert_eq!(
            code(bob.subscribers("Contoso")),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            bob.customers()?
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["Contoso"]
        );
        assert_eq!(code(bob.customer("Fabrikam")), ErrorCode::NotFound);
        let mut out = Vec::new();
        assert_eq!(
            code(bob.export_entity(crate::Entity::Keys, crate::Format::Csv, &mut out)),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(bob.add_licensing_id(&NewLicensingId::new("X1", "Contoso", Program::Open))),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(bob.set_agreement_contact("E1", ContactKind::PrimaryContact, BOB, "B", "R")),
            ErrorCode::PermissionDenied
        );
        // The Administrator may do anything on its licensing ID, nothing on others.
        let mut ann = s.scoped(ANN)?;
        ann.grant_roles(BOB, "E1", &[Role::OnlineServicesManager])?;
        assert_eq!(
            code(bob.submit_reservation(&res)),
            ErrorCode::PermissionDenied,
            "OSM alone may not reserve"
        );
        ann.grant_roles(BOB, "E1", &[Role::ManageReservation])?;
        let r = bob.submit_reservation(&res)?;
        bob.cancel_reservation(r.id)?;
        assert_eq!(bob.reservations(&ReservationHistory::All)?.len(), 1);
        ann.use_sa_benefit(benefit, 2)?;
        ann.add_entitlement(&line(
            "E1",
            "Office Standard",
            "2021",
            1,
            EntitlementKind::Full,
            "2025-01-01",
        ))?;
        assert_eq!(
            code(ann.grant_roles(BOB, "F1", &[Role::Download])),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(ann.reveal_key(s.product_keys(Some("F1"))?[0].id, "")),
            ErrorCode::PermissionDenied
        );
        // The audit log names the principal.
        let last = s.audit_entries(None)?.pop().unwrap();
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("entitlement.add", ANN)
        );
        Ok(())
    }

    #[test]
    fn scoped_requests_and_self_removal() -> Result<()> {
        let s = roles()?;
        let mut cat = s.scoped(CAT)?;
        let id = cat.request_permission(CAT, "E1", &[Role::LicensingInfoViewer], Some("audit"))?;
        assert_eq!(
            code(cat.request_permission(BOB, "F1", &[Role::Download], None)),
            ErrorCode::PermissionDenied
        );
        assert_eq!(
            code(cat.decide_permission_request(id, true, None)),
            ErrorCode::PermissionDenied,
            "not an Administrator of E1"
        );
        assert_eq!(
            cat.permission_requests(&PermissionRequestFilter::default())?
                .len(),
            1,
            "its own request"
        );
        let mut ann = s.scoped(ANN)?;
        assert_eq!(
            ann.permission_requests(&PermissionRequestFilter::pending())?
                .len(),
            1
        );
        ann.decide_permission_request(id, true, Some("ok"))?;
        assert_eq!(
            cat.entitlements(Some("E1"))?.len(),
            1,
            "the accepted role works at once"
        );
        // A principal may remove a licensing ID from its own permission set, not from others'.
        let mut bob = s.scoped(BOB)?;
        assert_eq!(
            code(bob.remove_licensing_id_access(CAT, "E1")),
            ErrorCode::PermissionDenied
        );
        bob.remove_licensing_id_access(BOB, "E1")?;
        assert!(bob.licensing_ids(None)?.is_empty());
        assert_eq!(
            code(bob.entitlements(Some("E1"))),
            ErrorCode::PermissionDenied
        );
        // An Administrator adds principals; others may not.
        assert_eq!(
            code(bob.add_principal("eve@contoso.com", "Eve", "Ng")),
            ErrorCode::PermissionDenied
        );
        ann.add_principal("eve@contoso.com", "Eve", "Ng")?;
        Ok(())
    }

    fn rows(s: &mut Store, sql: &str) -> Result<Vec<Vec<Value>>> {
        Ok(s.query(sql, &Params::None)?.rows)
    }

    #[test]
    fn the_scoped_query_channel_shows_only_its_rows() -> Result<()> {
        let mut s = roles()?;
        let mut bob = s.scoped(BOB)?;
        for (sql, n) in [
            ("SELECT * FROM licensing_ids", 1),
            ("SELECT * FROM entitlements", 1),
            ("SELECT * FROM product_keys", 1),
            ("SELECT * FROM customers", 1),
            ("SELECT * FROM permissions", 2),
            ("SELECT * FROM principals", 1),
            ("SELECT * FROM license_summary", 1),
            ("SELECT * FROM license_summary('2025-06-01')", 1),
            ("SELECT * FROM license_summary('2025-06-01', 'F1')", 0),
            (
                "SELECT * FROM license_summary WHERE customer = 'Fabrikam'",
                0,
            ),
            ("SELECT * FROM temp.product_keys", 1),
            ("SELECT * FROM products", 8),
        ] {
            assert_eq!(rows(&mut bob, sql)?.len(), n, "{sql}");
        }
        assert_eq!(
            rows(&mut bob, "SELECT count(*) FROM product_keys")?[0][0],
            Value::Integer(1)
        );
        assert_eq!(
            rows(&mut s, "SELECT count(*) FROM product_keys")?[0][0],
            Value::Integer(2)
        );
        for sql in [
            "SELECT * FROM main.product_keys",
            "SELECT count(*) FROM main.product_keys",
            "SELECT count(*) FROM \"main\".\"licensing_ids\"",
            "SELECT (SELECT count(*) FROM main.entitlements), * FROM entitlements",
            "WITH product_keys AS (SELECT * FROM main.product_keys) SELECT * FROM product_keys",
            "WITH licstore_scoped_product_keys AS (SELECT * FROM product_key) SELECT * FROM licstore_scoped_product_keys",
            "SELECT * FROM sku_usage",
            "SELECT * FROM audit_log",
            "SELECT count(*) FROM jobs",
            "SELECT * FROM product_key",
            "SELECT * FROM principal_role",
        ] {
            let e = bob.query(sql, &Params::None).unwrap_err();
            assert_eq!(e.code(), ErrorCode::QueryRefused, "{sql}: {e}");
        }
        // The views a scoped handle lists are exactly those its channel reads.
        let listed = bob.views()?;
        assert!(listed.contains(&"product_keys".to_string()));
        assert!(!listed.contains(&"audit_log".to_string()));
        for v in s.views()? {
            let ok = bob
                .query(&format!("SELECT * FROM {v} LIMIT 0"), &Params::None)
                .is_ok();
            assert_eq!(ok, listed.contains(&v), "{v}");
        }
        let e = bob
            .query("SELECT * FROM audit_log", &Params::None)
            .unwrap_err();
        assert!(e.to_string().contains("scoped to a principal"), "{e}");
        // A revoked role hides its rows at once, on the channel already open.
        s.revoke_roles(BOB, "E1", &[Role::ProductKeys])?;
        assert!(rows(&mut bob, "SELECT * FROM product_keys")?.is_empty());
        assert_eq!(rows(&mut bob, "SELECT * FROM entitlements")?.len(), 1);
        Ok(())
    }

    #[test]
    fn ctes_named_like_views_are_refused_on_every_channel() -> Result<()> {
        let mut s = roles()?;
        for sql in [
            "WITH product_keys AS (SELECT key_value FROM product_key) SELECT * FROM product_keys",
            "with \"Customers\"(n) as (select name from customer) select * from customers",
            "WITH x AS (SELECT 1), audit_log AS MATERIALIZED (SELECT * FROM audit_event) SELECT * FROM audit_log",
        ] {
            let e = s.query(sql, &Params::None).unwrap_err();
            assert_eq!(e.code(), ErrorCode::QueryRefused, "{sql}: {e}");
        }
        // Names in strings and comments, aliases and ordinary CTEs are fine.
        let r = rows(&mut s, "WITH k AS (SELECT * FROM product_keys) SELECT 'product_keys AS (', count(*) AS customers FROM k -- customers AS (\n")?;
        assert_eq!(r[0][1], Value::Integer(2));
        Ok(())
    }

    #[test]
    fn the_demo_holds_every_kind_of_access_row() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        crate::demo::build(&mut s, 7)?;
        for (view, n) in [
            ("principals", 6),
            ("permissions", 10),
            ("agreement_contacts", 3),
            ("permission_requests", 3),
        ] {
            let r = rows(&mut s, &format!("SELECT count(*) FROM {view}"))?;
            assert_eq!(r[0][0], Value::Integer(n), "{view}");
        }
        // Contoso's enrollment has two Administrators; the other two agreements one each.
        let w = s.single_administrator_warnings()?;
        assert_eq!(
            w.iter()
                .map(|w| w.licensing_id.as_str())
                .collect::<Vec<_>>(),
            ["7810042", "V3309871"]
        );
        let mut lynne = s.scoped("lynne.robbins@contoso.com")?;
        assert_eq!(
            rows(&mut lynne, "SELECT DISTINCT customer FROM license_summary")?.len(),
            1
        );
        assert_eq!(
            rows(&mut lynne, "SELECT * FROM sa_benefits")?.len(),
            s.sa_benefits(Some("5612345"))?.len()
        );
        Ok(())
    }
}
