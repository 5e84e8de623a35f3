//! Online services (DOMAIN.md section 2): the catalog, customers' subscribed SKUs, subscribers,
//! groups, SKU rules, assignments with their history, and the bulk engine with its jobs
//! ([`assignments`]). Concepts and decisions: `docs/online.md`.
//!
//! SKUs are named by GUID or by part number (`String_Id`) wherever an API takes a SKU; a part
//! number that the catalog maps to two GUIDs (`MCOPSTN5`) is refused as ambiguous and the GUIDs are
//! listed. UPNs are unique in the whole store without regard to (ASCII) case.

pub mod assignments;
mod rules;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::customers;
pub(crate) use crate::customers::require as customers_require;
use crate::error::{Error, ErrorCode, Result};
use crate::io::ms_catalog::{self, ParsedCatalog};
use crate::store::{Store, WriteCtx};
use crate::validate;

pub use assignments::{
    AssignOptions, BulkMode, BulkOp, BulkOutcome, BulkPreview, BulkRequest, Expiring, HeldBy,
    ItemOutcome, ItemResult, Job, JobProgress, JobStatus, Profile, ReplaceFrom, SkuPreview,
    SubscriberFilter, Targets, VOICE_PLAN,
};

// ---------------------------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------------------------

/// One SKU of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogSku {
    /// GUID (Graph `skuId`).
    pub sku_id: String,
    /// Part number (Graph `skuPartNumber`).
    pub part_number: String,
    /// Friendly name.
    pub display_name: String,
    /// Service plans: (id, name, friendly name).
    pub plans: Vec<(String, String, String)>,
}

/// What a catalog (re)load did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogReport {
    /// Where it came from (`built-in` or the imported file's name).
    pub source: String,
    /// SKUs loaded.
    pub skus: u64,
    /// (SKU, plan) pairs loaded.
    pub plans: u64,
    /// Duplicate rows dropped.
    pub duplicate_rows: u64,
}

fn load_catalog(ctx: &WriteCtx<'_>, c: &ParsedCatalog, source: &str) -> Result<CatalogReport> {
    let tx = ctx.tx;
    tx.execute_batch(
        "DELETE FROM catalog_plan; DELETE FROM catalog_name; DELETE FROM catalog_sku;",
    )?;
    let mut plans = 0u64;
    {
        let mut ins_sku = tx.prepare_cached(
            "INSERT INTO catalog_sku (sku_id, part_number, display_name) VALUES (?1, ?2, ?3)",
        )?;
        let mut ins_name = tx.prepare_cached(
            "INSERT OR IGNORE INTO catalog_name (display_name, sku_id) VALUES (?1, ?2)",
        )?;
        let mut ins_plan = tx.prepare_cached(
            "INSERT INTO catalog_plan (sku_id, plan_id, plan_name, plan_display_name) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for s in &c.skus {
            ins_sku.execute(params![s.sku_id, s.part_number, s.display_name])?;
            ins_name.execute(params![s.display_name, s.sku_id])?;
            for a in &s.aliases {
                ins_name.execute(params![a, s.sku_id])?;
            }
            for p in &s.plans {
                ins_plan.execute(params![s.sku_id, p.0, p.1, p.2])?;
                plans += 1;
            }
        }
    }
    tx.execute(
        "INSERT OR REPLACE INTO catalog_info (id, source, skus, plans, loaded_at) VALUES (1, ?1, ?2, ?3, ?4)",
        params![source, c.skus.len() as i64, plans as i64, ctx.now],
    )?;
    let report = CatalogReport {
        source: source.to_string(),
        skus: c.skus.len() as u64,
        plans,
        duplicate_rows: c.duplicate_rows,
    };
    ctx.audit(
        "catalog.load",
        "catalog",
        source,
        None,
        Some(&serde_json::to_value(&report)?),
    )?;
    Ok(report)
}

/// Loads the built-in catalog if the store has none yet (first use; opening stays fast).
pub(crate) fn ensure_catalog(ctx: &WriteCtx<'_>) -> Result<()> {
    let n: i64 = ctx
        .tx
        .query_row("SELECT count(*) FROM catalog_info", [], |r| r.get(0))?;
    if n == 0 {
        load_catalog(ctx, &ms_catalog::built_in()?, "built-in")?;
    }
    Ok(())
}

/// Resolves a SKU key (GUID or part number) against the catalog to its GUID.
pub(crate) fn catalog_resolve(conn: &Connection, key: &str) -> Result<String> {
    let k = key.replace('\u{a0}', " ");
    let k = k.trim();
    if let Ok(g) = validate::guid("SKU", k) {
        let found: Option<String> = conn
            .prepare_cached("SELECT sku_id FROM catalog_sku WHERE sku_id = ?1")?
            .query_row([&g], |r| r.get(0))
            .optional()?;
        return found.ok_or_else(|| {
            Error::violation(
                ErrorCode::SkuNotFound,
                key,
                "no SKU with this GUID in the catalog",
            )
        });
    }
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT sku_id FROM catalog_sku WHERE part_number = ?1 COLLATE NOCASE ORDER BY sku_id",
        )?
        .query_map([k], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match ids.len() {
        1 => Ok(ids.into_iter().next().expect("one id")),
        0 => Err(Error::violation(
            ErrorCode::SkuNotFound,
            key,
            "neither a SKU GUID nor a part number of the catalog",
        )),
        _ => Err(Error::invalid(
            "SKU",
            key,
            format!(
                "the part number names {} SKUs in the catalog ({}); give the GUID",
                ids.len(),
                ids.join(", ")
            ),
        )),
    }
}

fn catalog_get(conn: &Connection, sku_id: &str) -> Result<CatalogSku> {
    let (part_number, display_name) = conn
        .prepare_cached("SELECT part_number, display_name FROM catalog_sku WHERE sku_id = ?1")?
        .query_row([sku_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::violation(ErrorCode::SkuNotFound, sku_id, "not in the catalog"))?;
    let plans = conn
        .prepare_cached(
            "SELECT plan_id, plan_name, plan_display_name FROM catalog_plan WHERE sku_id = ?1 ORDER BY plan_name",
        )?
        .query_map([sku_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(CatalogSku {
        sku_id: sku_id.to_string(),
        part_number,
        display_name,
        plans,
    })
}

impl Store {
    /// Replaces the catalog with a newer copy of Microsoft's CSV (all-or-nothing). SKUs already
    /// subscribed keep working; their friendly names follow the new file.
    pub fn import_catalog(
        &mut self,
        input: impl std::io::Read,
        file_name: &str,
    ) -> Result<CatalogReport> {
        let parsed = ms_catalog::parse(input, file_name)?;
        self.write(|ctx| load_catalog(ctx, &parsed, file_name))
    }

    /// Looks a SKU up in the catalog by GUID or part number (loading the built-in catalog on first use).
    pub fn catalog_sku(&mut self, key: &str) -> Result<CatalogSku> {
        self.write(|ctx| {
            ensure_catalog(ctx)?;
            let id = catalog_resolve(ctx.tx, key)?;
            catalog_get(ctx.tx, &id)
        })
    }

    /// Every SKU GUID the catalog knows under a display name (primary name or alias),
    /// compared without regard to case.
    pub fn catalog_by_name(&mut self, display_name: &str) -> Result<Vec<String>> {
        self.write(|ctx| {
            ensure_catalog(ctx)?;
            Ok(ctx
                .tx
                .prepare_cached(
                    "SELECT sku_id FROM catalog_name WHERE display_name = ?1 ORDER BY sku_id",
                )?
                .query_map([display_name.trim()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// SKUs
// ---------------------------------------------------------------------------------------------

/// The prepaid units of a SKU (as Graph `prepaidUnits`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    /// Units that can be assigned.
    pub enabled: i64,
    /// Units in the grace period (still assignable).
    pub warning: i64,
    /// Suspended units (not assignable).
    pub suspended: i64,
    /// Locked-out units (not assignable).
    pub locked_out: i64,
}

/// A customer's subscribed SKU to add or update ([`Store::set_sku`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSku {
    /// The customer's name.
    pub customer: String,
    /// GUID or part number (resolved against the catalog).
    pub sku: String,
    /// Prepaid units.
    pub units: Units,
    /// Enabled | Warning | Suspended | Deleted | LockedOut (default Enabled).
    pub capability_status: Option<String>,
    /// User | Company (default User).
    pub applies_to: Option<String>,
    /// Renewal or expiry date (`YYYY-MM-DD`).
    pub term_end: Option<String>,
    /// The consumed count an external system reported (Graph `consumedUnits`).
    pub reported_consumed: Option<i64>,
}

/// A customer's SKU with its derived figures (as the `sku_usage` view shows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sku {
    /// The customer's name.
    pub customer: String,
    /// GUID.
    pub sku_id: String,
    /// Part number.
    pub sku_part_number: String,
    /// Friendly name from the catalog.
    pub display_name: String,
    /// Prepaid units.
    pub units: Units,
    /// Capability status.
    pub capability_status: String,
    /// User | Company.
    pub applies_to: String,
    /// Term end date.
    pub term_end: Option<String>,
    /// Assignments held (counted, never stored).
    pub assigned: i64,
    /// `enabled + warning - assigned`.
    pub available: i64,
    /// The externally reported consumed count.
    pub reported_consumed: Option<i64>,
    /// `reported_consumed - assigned`, when a report exists.
    pub drift: Option<i64>,
}

const CAPABILITY: &[&str] = &["Enabled", "Warning", "Suspended", "Deleted", "LockedOut"];

fn pick(what: &str, value: &str, allowed: &[&str]) -> Result<String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
        .map(|a| a.to_string())
        .ok_or_else(|| {
            Error::invalid(
                what,
                value,
                format!("must be one of {}", allowed.join(", ")),
            )
        })
}

fn check_units(u: &Units) -> Result<()> {
    for (n, v) in [
        ("enabled units", u.enabled),
        ("warning units", u.warning),
        ("suspended units", u.suspended),
        ("locked-out units", u.locked_out),
    ] {
        if v < 0 {
            return Err(Error::invalid(n, v.to_string(), "must not be negative"));
        }
    }
    Ok(())
}

/// The store row id of a customer's SKU, by GUID or part number.
pub(crate) fn sku_ref(conn: &Connection, customer_id: i64, key: &str) -> Result<(i64, String)> {
    let guid = catalog_resolve(conn, key).or_else(|e| {
        // A SKU can be subscribed (from Graph) without being in the catalog: try the part number.
        conn.prepare_cached(
            "SELECT sku_id FROM sku WHERE customer_id = ?1 AND (sku_id = ?2 OR sku_part_number = ?2 COLLATE NOCASE)",
        )?
        .query_row(params![customer_id, key.trim()], |r| r.get::<_, String>(0))
        .optional()?
        .ok_or(e)
    })?;
    let id: Option<i64> = conn
        .prepare_cached("SELECT id FROM sku WHERE customer_id = ?1 AND sku_id = ?2")?
        .query_row(params![customer_id, guid], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => Ok((id, guid)),
        None => Err(Error::violation(
            ErrorCode::SkuNotFound,
            key,
            "the customer does not subscribe to this SKU",
        )),
    }
}

const SKU_SELECT: &str = "SELECT c.name, k.sku_id, k.sku_part_number, coalesce(cs.display_name, k.sku_part_number), \
     k.enabled, k.warning, k.suspended, k.locked_out, k.capability_status, k.applies_to, k.term_end, \
     (SELECT count(*) FROM assignment a WHERE a.sku_ref = k.id), k.reported_consumed \
     FROM sku k JOIN customer c ON c.id = k.customer_id LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id";

fn sku_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Sku> {
    let units = Units {
        enabled: r.get(4)?,
        warning: r.get(5)?,
        suspended: r.get(6)?,
        locked_out: r.get(7)?,
    };
    let assigned: i64 = r.get(11)?;
    let reported: Option<i64> = r.get(12)?;
    Ok(Sku {
        customer: r.get(0)?,
        sku_id: r.get(1)?,
        sku_part_number: r.get(2)?,
        display_name: r.get(3)?,
        units,
        capability_status: r.get(8)?,
        applies_to: r.get(9)?,
        term_end: r.get(10)?,
        assigned,
        available: units.enabled + units.warning - assigned,
        reported_consumed: reported,
        drift: reported.map(|x| x - assigned),
    })
}

pub(crate) fn sku_by_ref(conn: &Connection, id: i64) -> Result<Sku> {
    Ok(conn
        .prepare_cached(&format!("{SKU_SELECT} WHERE k.id = ?1"))?
        .query_row([id], sku_row)?)
}

fn sku_json(s: &Sku) -> serde_json::Value {
    serde_json::json!({
        "sku_id": s.sku_id, "sku_part_number": s.sku_part_number, "display_name": s.display_name,
        "units": s.units, "capability_status": s.capability_status, "applies_to": s.applies_to,
        "term_end": s.term_end, "reported_consumed": s.reported_consumed,
    })
}

/// Adds or updates a subscribed SKU inside a write transaction.
pub(crate) fn set_sku_tx(ctx: &WriteCtx<'_>, s: &NewSku) -> Result<Sku> {
    ensure_catalog(ctx)?;
    let cust = customers::require(ctx.tx, &s.customer)?;
    check_units(&s.units)?;
    let guid = catalog_resolve(ctx.tx, &s.sku)?;
    let cat = catalog_get(ctx.tx, &guid)?;
    let status = s
        .capability_status
        .as_deref()
        .map(|v| pick("capability status", v, CAPABILITY))
        .transpose()?;
    let applies = s
        .applies_to
        .as_deref()
        .map(|v| pick("applies to", v, &["User", "Company"]))
        .transpose()?;
    let term_end = validate::optional(s.term_end.as_deref(), |v| {
        validate::date("term end", v).map(|d| d.to_string())
    })?;
    if let Some(r) = s.reported_consumed {
        if r < 0 {
            return Err(Error::invalid(
                "reported consumed",
                r.to_string(),
                "must not be negative",
            ));
        }
    }
    let existing: Option<i64> = ctx
        .tx
        .prepare_cached("SELECT id FROM sku WHERE customer_id = ?1 AND sku_id = ?2")?
        .query_row(params![cust.id, guid], |r| r.get(0))
        .optional()?;
    let id = match existing {
        Some(id) => {
            let before = sku_by_ref(ctx.tx, id)?;
            ctx.tx.prepare_cached(
                "UPDATE sku SET enabled = ?2, warning = ?3, suspended = ?4, locked_out = ?5, \
                 capability_status = coalesce(?6, capability_status), applies_to = coalesce(?7, applies_to), \
                 term_end = ?8, reported_consumed = ?9, updated_at = ?10 WHERE id = ?1",
            )?
            .execute(params![
                id, s.units.enabled, s.units.warning, s.units.suspended, s.units.locked_out,
                status, applies, term_end, s.reported_consumed, ctx.now
            ])?;
            let after = sku_by_ref(ctx.tx, id)?;
            if sku_json(&before) != sku_json(&after) {
                ctx.audit(
                    "sku.update",
                    "sku",
                    &format!("{}/{}", cust.name, guid),
                    Some(&sku_json(&before)),
                    Some(&sku_json(&after)),
                )?;
            }
            id
        }
        None => {
            ctx.tx.prepare_cached(
                "INSERT INTO sku (customer_id, sku_id, sku_part_number, enabled, warning, suspended, locked_out, \
                 capability_status, applies_to, term_end, reported_consumed, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, coalesce(?8, 'Enabled'), coalesce(?9, 'User'), ?10, ?11, ?12, ?12)",
            )?
            .execute(params![
                cust.id, guid, cat.part_number, s.units.enabled, s.units.warning, s.units.suspended,
                s.units.locked_out, status, applies, term_end, s.reported_consumed, ctx.now
            ])?;
            let id = ctx.tx.last_insert_rowid();
            let after = sku_by_ref(ctx.tx, id)?;
            ctx.audit(
                "sku.add",
                "sku",
                &format!("{}/{}", cust.name, guid),
                None,
                Some(&sku_json(&after)),
            )?;
            id
        }
    };
    sku_by_ref(ctx.tx, id)
}

impl Store {
    /// Adds a subscribed SKU to a customer, or updates its units, status, term end and reported
    /// consumption when it is there already.
    pub fn set_sku(&mut self, sku: &NewSku) -> Result<Sku> {
        self.write(|ctx| set_sku_tx(ctx, sku))
    }

    /// One of a customer's SKUs with its derived figures.
    pub fn sku(&self, customer: &str, sku: &str) -> Result<Sku> {
        let c = customers::require(self.conn(), customer)?;
        let (id, _) = sku_ref(self.conn(), c.id, sku)?;
        sku_by_ref(self.conn(), id)
    }

    /// A customer's SKUs with assigned, available and drift (per-customer SKU usage), by friendly name.
    pub fn sku_usage(&self, customer: &str) -> Result<Vec<Sku>> {
        let c = customers::require(self.conn(), customer)?;
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "{SKU_SELECT} WHERE k.customer_id = ?1 ORDER BY 4, k.sku_id"
            ))?
            .query_map([c.id], sku_row)?
            .collect::<rusqlite::Result<_>>()?)
    }
}

// ---------------------------------------------------------------------------------------------
// Subscribers and groups
// ---------------------------------------------------------------------------------------------

/// Staged | Active | Offboarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SubscriberStatus {
    /// Exists (a sync brought it in) but is not provisioned yet.
    Staged,
    /// Provisioned.
    #[default]
    Active,
    /// Left; holds no licenses; kept for history.
    Offboarded,
}

impl SubscriberStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Staged => "Staged",
            SubscriberStatus::Active => "Active",
            SubscriberStatus::Offboarded => "Offboarded",
        }
    }

    /// Parses a stored or user-given name (case-insensitive).
    pub fn parse(s: &str) -> Result<SubscriberStatus> {
        match s.trim().to_ascii_lowercase().as_str() {
            "staged" => Ok(SubscriberStatus::Staged),
            "active" => Ok(SubscriberStatus::Active),
            "offboarded" => Ok(SubscriberStatus::Offboarded),
            _ => Err(Error::invalid(
                "subscriber status",
                s,
                "must be Staged, Active or Offboarded",
            )),
        }
    }
}

/// A new subscriber (user).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSubscriber {
    /// The customer's name.
    pub customer: String,
    /// The user principal name (an e-mail-like `name@domain`).
    pub user_principal_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// ISO 3166 alpha-2.
    pub usage_location: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Entra object id (GUID).
    pub object_id: Option<String>,
    /// Initial status (default Active).
    pub status: SubscriberStatus,
}

/// A subscriber as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    /// The customer's name.
    pub customer: String,
    /// The UPN.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Usage location of its own.
    pub usage_location: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Entra object id.
    pub object_id: Option<String>,
    /// Status.
    pub status: SubscriberStatus,
}

/// Validates a user principal name: `local@domain`, no blanks; returned trimmed.
pub fn validate_upn(value: &str) -> Result<String> {
    let v = value.trim();
    let ok = v.len() <= 256
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && !d.contains('@') && validate::domain("d", d).is_ok()
        });
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::invalid(
            "user principal name",
            value,
            "must look like name@domain.com",
        ))
    }
}

struct SubscriberFields {
    upn: String,
    display_name: Option<String>,
    usage_location: Option<String>,
    department: Option<String>,
    object_id: Option<String>,
}

fn subscriber_fields(s: &NewSubscriber) -> Result<SubscriberFields> {
    Ok(SubscriberFields {
        upn: validate_upn(&s.user_principal_name)?,
        display_name: validate::optional(s.display_name.as_deref(), |v| {
            validate::name("display name", v, 256)
        })?,
        usage_location: validate::optional(s.usage_location.as_deref(), |v| {
            validate::country("usage location", v)
        })?,
        department: validate::optional(s.department.as_deref(), |v| {
            validate::name("department", v, 256)
        })?,
        object_id: validate::optional(s.object_id.as_deref(), |v| validate::guid("object id", v))?,
    })
}

const SUB_SELECT: &str = "SELECT c.name, s.user_principal_name, s.display_name, s.usage_location, s.department, s.object_id, s.status, s.id \
     FROM subscriber s JOIN customer c ON c.id = s.customer_id";

fn sub_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscriber> {
    let st: String = r.get(6)?;
    Ok(Subscriber {
        customer: r.get(0)?,
        user_principal_name: r.get(1)?,
        display_name: r.get(2)?,
        usage_location: r.get(3)?,
        department: r.get(4)?,
        object_id: r.get(5)?,
        status: SubscriberStatus::parse(&st).unwrap_or_default(),
    })
}

pub(crate) fn subscriber_by_upn(conn: &Connection, upn: &str) -> Result<Option<(i64, Subscriber)>> {
    Ok(conn
        .prepare_cached(&format!("{SUB_SELECT} WHERE s.user_principal_name = ?1"))?
        .query_row([upn.trim()], |r| Ok((r.get(7)?, sub_row(r)?)))
        .optional()?)
}

pub(crate) fn require_subscriber(conn: &Connection, upn: &str) -> Result<(i64, Subscriber)> {
    subscriber_by_upn(conn, upn)?.ok_or_else(|| {
        Error::violation(
            ErrorCode::UserNotFound,
            upn,
            "no user with this principal name",
        )
    })
}

fn sub_json(s: &Subscriber) -> serde_json::Value {
    serde_json::to_value(s).unwrap_or(serde_json::Value::Null)
}

/// Validates a new subscriber's fields (the customer is taken as given).
pub(crate) fn validate_subscriber(s: &NewSubscriber) -> Result<Subscriber> {
    let f = subscriber_fields(s)?;
    Ok(Subscriber {
        customer: s.customer.clone(),
        user_principal_name: f.upn,
        display_name: f.display_name,
        usage_location: f.usage_location,
        department: f.department,
        object_id: f.object_id,
        status: s.status,
    })
}

/// Inserts many subscribers in one transaction (with one audit row each), through the same
/// cached-statement path as the subscribers import.
pub(crate) fn insert_subscribers(ctx: &WriteCtx<'_>, subs: &[NewSubscriber]) -> Result<u64> {
    let mut w = crate::io::online_entities::SubscriberWriter::default();
    for s in subs {
        w.add(ctx, s)?;
    }
    Ok(subs.len() as u64)
}

/// A change to a subscriber: `None` keeps a field, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriberUpdate {
    /// New display name.
    pub display_name: Option<Option<String>>,
    /// New usage location.
    pub usage_location: Option<Option<String>>,
    /// New department.
    pub department: Option<Option<String>>,
    /// New object id.
    pub object_id: Option<Option<String>>,
    /// New status (use [`Store::offboard`] to offboard: it also removes licenses).
    pub status: Option<SubscriberStatus>,
}

pub(crate) fn update_subscriber_tx(
    ctx: &WriteCtx<'_>,
    upn: &str,
    u: &SubscriberUpdate,
) -> Result<Subscriber> {
    let (id, before) = require_subscriber(ctx.tx, upn)?;
    if u.status == Some(SubscriberStatus::Offboarded)
        && before.status != SubscriberStatus::Offboarded
    {
        return Err(Error::InvalidState(format!(
            "{upn}: use offboard to offboard a user (it removes its licenses and releases its number)"
        )));
    }
    let pick_opt = |o: &Option<Option<String>>, cur: &Option<String>| match o {
        Some(v) => v.clone(),
        None => cur.clone(),
    };
    let f = subscriber_fields(&NewSubscriber {
        customer: before.customer.clone(),
        user_principal_name: before.user_principal_name.clone(),
        display_name: pick_opt(&u.display_name, &before.display_name),
        usage_location: pick_opt(&u.usage_location, &before.usage_location),
        department: pick_opt(&u.department, &before.department),
        object_id: pick_opt(&u.object_id, &before.object_id),
        status: before.status,
    })?;
    let status = u.status.unwrap_or(before.status);
    ctx.tx.prepare_cached(
        "UPDATE subscriber SET display_name = ?2, usage_location = ?3, department = ?4, object_id = ?5, status = ?6, updated_at = ?7 WHERE id = ?1",
    )?
    .execute(params![id, f.display_name, f.usage_location, f.department, f.object_id, status.as_str(), ctx.now])?;
    let (_, after) = require_subscriber(ctx.tx, upn)?;
    if after != before {
        ctx.audit(
            "subscriber.update",
            "subscriber",
            &after.user_principal_name,
            Some(&sub_json(&before)),
            Some(&sub_json(&after)),
        )?;
    }
    Ok(after)
}

impl Store {
    /// Adds a subscriber. The UPN must be new to the store (case-insensitive).
    pub fn add_subscriber(&mut self, s: &NewSubscriber) -> Result<Subscriber> {
        self.write(|ctx| {
            insert_subscribers(ctx, std::slice::from_ref(s))?;
            Ok(require_subscriber(ctx.tx, &s.user_principal_name)?.1)
        })
    }

    /// Adds many subscribers in one transaction (all or nothing); returns how many.
    pub fn add_subscribers(&mut self, subs: &[NewSubscriber]) -> Result<u64> {
        self.write(|ctx| insert_subscribers(ctx, subs))
    }

    /// Changes a subscriber's fields.
    pub fn update_subscriber(&mut self, upn: &str, u: &SubscriberUpdate) -> Result<Subscriber> {
        self.write(|ctx| update_subscriber_tx(ctx, upn, u))
    }

    /// A subscriber by UPN (case-insensitive).
    pub fn subscriber(&self, upn: &str) -> Result<Subscriber> {
        Ok(require_subscriber(self.conn(), upn)?.1)
    }

    /// A customer's subscribers, by UPN.
    pub fn subscribers(&self, customer: &str) -> Result<Vec<Subscriber>> {
        let c = customers::require(self.conn(), customer)?;
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "{SUB_SELECT} WHERE s.customer_id = ?1 ORDER BY s.user_principal_name"
            ))?
            .query_map([c.id], sub_row)?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Adds an (empty) group to a customer.
    pub fn add_group(&mut self, customer: &str, name: &str) -> Result<()> {
        let n = validate::name("group name", name, 256)?;
        self.write(|ctx| {
            let c = customers::require(ctx.tx, customer)?;
            let r = ctx.tx.execute(
                "INSERT INTO user_group (customer_id, name, created_at) VALUES (?1, ?2, ?3)",
                params![c.id, n, ctx.now],
            );
            if let Err(rusqlite::Error::SqliteFailure(e, _)) = &r {
                if e.code == rusqlite::ffi::ErrorCode::ConstraintViolation {
                    return Err(Error::AlreadyExists {
                        entity: "group",
                        key: n.clone(),
                    });
                }
            }
            r?;
            ctx.audit("group.add", "group", &format!("{}/{n}", c.name), None, None)
        })
    }

    /// Adds users (by UPN) to a group; users already in it are left as they are. Every UPN must
    /// be a user of the group's customer, or nothing is added.
    pub fn add_group_members(&mut self, customer: &str, group: &str, upns: &[&str]) -> Result<u64> {
        self.write(|ctx| {
            let c = customers::require(ctx.tx, customer)?;
            let gid = group_id(ctx.tx, c.id, group)?;
            let mut added = 0;
            for upn in upns {
                let (sid, s) = require_subscriber(ctx.tx, upn)?;
                if !s.customer.eq_ignore_ascii_case(&c.name) {
                    return Err(Error::violation(
                        ErrorCode::UserNotFound,
                        *upn,
                        format!("not a user of customer {:?}", c.name),
                    ));
                }
                added += ctx.tx.prepare_cached(
                    "INSERT OR IGNORE INTO group_member (group_id, subscriber_id) VALUES (?1, ?2)",
                )?
                .execute(params![gid, sid])? as u64;
            }
            ctx.audit(
                "group.add_members",
                "group",
                &format!("{}/{group}", c.name),
                None,
                Some(&serde_json::json!({ "members": upns })),
            )?;
            Ok(added)
        })
    }

    /// The UPNs of a group's members.
    pub fn group_members(&self, customer: &str, group: &str) -> Result<Vec<String>> {
        let c = customers::require(self.conn(), customer)?;
        let gid = group_id(self.conn(), c.id, group)?;
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT s.user_principal_name FROM group_member m JOIN subscriber s ON s.id = m.subscriber_id \
                 WHERE m.group_id = ?1 ORDER BY 1",
            )?
            .query_map([gid], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }
}

pub(crate) fn group_id(conn: &Connection, customer_id: i64, name: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM user_group WHERE customer_id = ?1 AND name = ?2")?
        .query_row(params![customer_id, name.trim()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found("group", name))
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

/// A rule between SKUs, valid for every customer (SKUs by GUID or part number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkuRule {
    /// `sku` (an add-on) needs one of `any_of` held by the same user.
    Requires {
        /// The add-on.
        sku: String,
        /// The base SKUs, any one of which suffices.
        any_of: Vec<String>,
    },
    /// The two SKUs cannot be held by one user.
    Excludes {
        /// One SKU.
        sku: String,
        /// The other.
        other: String,
    },
    /// `sku` cannot be assigned to users whose usage location is one of `countries`.
    BlockedIn {
        /// The SKU.
        sku: String,
        /// ISO 3166 alpha-2 codes.
        countries: Vec<String>,
    },
}

impl Store {
    /// Adds a rule (idempotent: an existing identical rule is kept, and a rule that adds
    /// nothing new writes nothing, not even an audit row).
    pub fn add_sku_rule(&mut self, rule: &SkuRule) -> Result<()> {
        self.write(|ctx| {
            ensure_catalog(ctx)?;
            let before: i64 = ctx.tx.query_row("SELECT count(*) FROM sku_rule", [], |r| r.get(0))?;
            let mut ins = ctx.tx.prepare_cached(
                "INSERT OR IGNORE INTO sku_rule (kind, sku_id, other_sku_id, country, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            match rule {
                SkuRule::Requires { sku, any_of } => {
                    let s = catalog_resolve(ctx.tx, sku)?;
                    if any_of.is_empty() {
                        return Err(Error::invalid("requires", "", "name at least one base SKU"));
                    }
                    for b in any_of {
                        let b = catalog_resolve(ctx.tx, b)?;
                        ins.execute(params!["requires", s, b, None::<String>, ctx.now])?;
                    }
                }
                SkuRule::Excludes { sku, other } => {
                    let (a, b) = (catalog_resolve(ctx.tx, sku)?, catalog_resolve(ctx.tx, other)?);
                    if a == b {
                        return Err(Error::invalid("excludes", other, "a SKU cannot exclude itself"));
                    }
                    let (a, b) = if a < b { (a, b) } else { (b, a) };
                    ins.execute(params!["excludes", a, b, None::<String>, ctx.now])?;
                }
                SkuRule::BlockedIn { sku, countries } => {
                    let s = catalog_resolve(ctx.tx, sku)?;
                    for c in countries {
                        let c = validate::country("blocked usage location", c)?;
                        ins.execute(params!["blocked_in", s, None::<String>, c, ctx.now])?;
                    }
                }
            }
            drop(ins);
            let after: i64 = ctx.tx.query_row("SELECT count(*) FROM sku_rule", [], |r| r.get(0))?;
            if after == before {
                return Ok(());
            }
            ctx.audit(
                "rule.add",
                "sku_rule",
                match rule {
                    SkuRule::Requires { sku, .. }
                    | SkuRule::Excludes { sku, .. }
                    | SkuRule::BlockedIn { sku, .. } => sku,
                },
                None,
                Some(&serde_json::to_value(rule)?),
            )
        })
    }
}

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------------------------
// Number inventory
// ---------------------------------------------------------------------------------------------

/// Validates an E.164 phone number (`+` and 7 to 15 digits, no leading zero); spaces, dashes,
/// dots and parentheses are removed first.
pub fn validate_e164(value: &str) -> Result<String> {
    let v: String = value
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')')))
        .collect();
    let digits = v.strip_prefix('+').unwrap_or("");
    if (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
    {
        Ok(v)
    } else {
        Err(Error::invalid(
            "phone number",
            value,
            "must be an E.164 number such as +14255550100",
        ))
    }
}

fn number_row(conn: &Connection, number: &str) -> Result<(i64, i64, String, Option<i64>)> {
    let n = validate_e164(number)?;
    conn.prepare_cached(
        "SELECT id, customer_id, status, subscriber_id FROM phone_number WHERE number = ?1",
    )?
    .query_row([&n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
    .optional()?
    .ok_or_else(|| Error::not_found("phone number", number))
}

impl Store {
    /// Adds numbers to a customer's inventory as Available (all or nothing; a number already
    /// in the store is an error naming it).
    pub fn add_numbers(&mut self, customer: &str, numbers: &[&str]) -> Result<u64> {
        let valid: Vec<String> = numbers
            .iter()
            .map(|n| validate_e164(n))
            .collect::<Result<_>>()?;
        self.write(|ctx| {
            let c = customers::require(ctx.tx, customer)?;
            for n in &valid {
                let r = ctx
                    .tx
                    .prepare_cached(
                        "INSERT INTO phone_number (customer_id, number, status, updated_at) VALUES (?1, ?2, 'Available', ?3)",
                    )?
                    .execute(params![c.id, n, ctx.now]);
                if let Err(rusqlite::Error::SqliteFailure(e, _)) = &r {
                    if e.code == rusqlite::ffi::ErrorCode::ConstraintViolation {
                        return Err(Error::AlreadyExists {
                            entity: "phone number",
                            key: n.clone(),
                        });
                    }
                }
                r?;
            }
            ctx.audit(
                "number.add",
                "customer",
                &c.name,
                None,
                Some(&serde_json::json!({ "numbers": valid })),
            )?;
            Ok(valid.len() as u64)
        })
    }

    /// Gives a user a number: the one named (which must be Available or Reserved) or the
    /// customer's next Available one. Returns the number.
    pub fn assign_number(&mut self, upn: &str, number: Option<&str>) -> Result<String> {
        self.write(|ctx| {
            let (sid, sub) = require_subscriber(ctx.tx, upn)?;
            if sub.status == SubscriberStatus::Offboarded {
                return Err(Error::violation(ErrorCode::UserOffboarded, upn, "the user has been offboarded"));
            }
            let c = customers::require(ctx.tx, &sub.customer)?;
            let (id, n) = match number {
                Some(num) => {
                    let (id, cid, status, _) = number_row(ctx.tx, num)?;
                    if cid != c.id || status == "Assigned" {
                        return Err(Error::violation(
                            ErrorCode::NumberUnavailable,
                            num,
                            "the number is assigned already or belongs to another customer",
                        ));
                    }
                    (id, validate_e164(num)?)
                }
                None => ctx
                    .tx
                    .prepare_cached(
                        "SELECT id, number FROM phone_number WHERE customer_id = ?1 AND status = 'Available' ORDER BY number LIMIT 1",
                    )?
                    .query_row([c.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                    .ok_or_else(|| {
                        Error::violation(
                            ErrorCode::NumberUnavailable,
                            upn,
                            format!("customer {:?} has no available number", c.name),
                        )
                    })?,
            };
            ctx.tx.execute(
                "UPDATE phone_number SET status = 'Assigned', subscriber_id = ?2, assigned_name = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, sid, sub.display_name.clone().unwrap_or_else(|| sub.user_principal_name.clone()), ctx.now],
            )?;
            ctx.audit("number.assign", "phone_number", &n, None, Some(&serde_json::json!({ "user": sub.user_principal_name })))?;
            Ok(n)
        })
    }

    /// Sets a number's status: `Available` (releases it from its user) or `Reserved`.
    pub fn set_number_status(&mut self, number: &str, status: &str) -> Result<()> {
        let st = pick("number status", status, &["Available", "Reserved"])?;
        self.write(|ctx| {
            let (id, _, before, _) = number_row(ctx.tx, number)?;
            ctx.tx.execute(
                "UPDATE phone_number SET status = ?2, subscriber_id = NULL, assigned_name = NULL, updated_at = ?3 WHERE id = ?1",
                params![id, st, ctx.now],
            )?;
            ctx.audit(
                "number.status",
                "phone_number",
                &validate_e164(number)?,
                Some(&serde_json::json!({ "status": before })),
                Some(&serde_json::json!({ "status": st })),
            )
        })
    }
}
