//! Canonical CSV of the online-services entities: `skus`, `subscribers`, `groups`,
//! `group_members` and `numbers` (columns in [`Entity::columns`], documented in
//! `docs/formats.md`). Every import is an upsert by the entity's natural key through
//! [`run_import`]; every export reads a public view, ordered by the natural key, in the canonical
//! columns, so an export imports back unchanged and a second export is byte for byte the first.

use std::collections::HashMap;
use std::io::{Read, Write};

use rusqlite::{params, OptionalExtension};

use super::entity::Entity;
use super::{
    fail, get_count, run_import, Column, Format, Header, ImportOptions, ImportReport, Record,
    Records, RowFail, RowOutcome,
};
use crate::customers;
use crate::error::{Error, ErrorCode, Result};
use crate::online::{self, NewSku, NewSubscriber, Subscriber, SubscriberStatus, Units};
use crate::query::Params;
use crate::store::{Store, WriteCtx};
use crate::validate;

const fn col(name: &'static str, required: bool) -> Column {
    Column { name, required }
}

/// Import specs, in [`Entity::columns`] order (a test checks that they agree).
const SKUS: &[Column] = &[
    col("customer", true),
    col("sku_id", false),
    col("sku_part_number", false),
    col("enabled", false),
    col("warning", false),
    col("suspended", false),
    col("locked_out", false),
    col("capability_status", false),
    col("applies_to", false),
    col("term_end", false),
    col("reported_consumed", false),
];
const SUBSCRIBERS: &[Column] = &[
    col("customer", false),
    col("user_principal_name", true),
    col("display_name", false),
    col("usage_location", false),
    col("department", false),
    col("object_id", false),
    col("status", false),
];
const GROUPS: &[Column] = &[col("customer", true), col("name", true)];
const GROUP_MEMBERS: &[Column] = &[
    col("customer", true),
    col("group", true),
    col("user_principal_name", true),
];
const NUMBERS: &[Column] = &[
    col("customer", true),
    col("number", true),
    col("status", false),
    col("user_principal_name", false),
];

/// The column a domain error is about, from the field name (`what`) the validators give.
fn column_of<'c>(e: &Error, map: &[(&str, &'c str)], default: &'c str) -> &'c str {
    match e {
        Error::InvalidArgument { what, .. } => map
            .iter()
            .find(|(w, _)| w == what)
            .map_or(default, |(_, c)| c),
        _ => default,
    }
}

/// Customers by lower-cased name, looked up once per import.
#[derive(Default)]
pub(crate) struct CustomerIds(HashMap<String, Option<(i64, String)>>);

impl CustomerIds {
    /// The id and stored name of a customer, or `NotFound`.
    pub(crate) fn get(&mut self, conn: &rusqlite::Connection, name: &str) -> Result<(i64, String)> {
        let key = name.trim().to_ascii_lowercase();
        if let Some(hit) = self.0.get(&key) {
            return hit
                .clone()
                .ok_or_else(|| Error::not_found("customer", name));
        }
        let found = customers::find(conn, name)?.map(|c| (c.id, c.name));
        self.0.insert(key, found.clone());
        found.ok_or_else(|| Error::not_found("customer", name))
    }
}

// ---------------------------------------------------------------------------------------------
// Subscribers
// ---------------------------------------------------------------------------------------------

const SUB_WHAT: &[(&str, &str)] = &[
    ("user principal name", "user_principal_name"),
    ("display name", "display_name"),
    ("usage location", "usage_location"),
    ("department", "department"),
    ("object id", "object_id"),
    ("subscriber status", "status"),
];

/// Writes subscribers with cached statements and a cached customer map: the one path for
/// `import_entity(Subscribers)` and [`Store::add_subscribers`].
#[derive(Default)]
pub(crate) struct SubscriberWriter {
    customers: CustomerIds,
    /// Rows that were new users, and rows that named a user the store has: which of the two a
    /// file mostly holds decides whether a row is tried as an insert first or looked up first.
    new_rows: u64,
    known_rows: u64,
}

/// A stored subscriber row: id, customer id, and the public record.
type StoredSub = (i64, i64, Subscriber);

impl SubscriberWriter {
    fn find(ctx: &WriteCtx<'_>, upn: &str) -> Result<Option<StoredSub>> {
        Ok(ctx
            .tx
            .prepare_cached(
                "SELECT s.id, s.customer_id, c.name, s.user_principal_name, s.display_name, \
                 s.usage_location, s.department, s.object_id, s.status \
                 FROM subscriber s JOIN customer c ON c.id = s.customer_id \
                 WHERE s.user_principal_name = ?1",
            )?
            .query_row([upn], |r| {
                let st: String = r.get(8)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    Subscriber {
                        customer: r.get(2)?,
                        user_principal_name: r.get(3)?,
                        display_name: r.get(4)?,
                        usage_location: r.get(5)?,
                        department: r.get(6)?,
                        object_id: r.get(7)?,
                        status: SubscriberStatus::parse(&st).unwrap_or_default(),
                    },
                ))
            })
            .optional()?)
    }

    /// Inserts a validated new subscriber of customer `cid` (one audit row). A UPN already in the
    /// store is `AlreadyExists`, or, with `if_new`, leaves the store alone and returns false.
    fn insert_valid(ctx: &WriteCtx<'_>, cid: i64, s: &Subscriber, if_new: bool) -> Result<bool> {
        const INSERT: &str =
            "INSERT INTO subscriber (customer_id, user_principal_name, display_name, \
             usage_location, department, object_id, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
        const INSERT_IF_NEW: &str = "INSERT INTO subscriber (customer_id, user_principal_name, display_name, \
             usage_location, department, object_id, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (user_principal_name) DO NOTHING";
        let r = ctx
            .tx
            .prepare_cached(if if_new { INSERT_IF_NEW } else { INSERT })?
            .execute(params![
                cid,
                s.user_principal_name,
                s.display_name,
                s.usage_location,
                s.department,
                s.object_id,
                s.status.as_str(),
                ctx.now
            ]);
        match r {
            Ok(0) => return Ok(false),
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ffi::ErrorCode::ConstraintViolation =>
            {
                return Err(Error::AlreadyExists {
                    entity: "subscriber",
                    key: s.user_principal_name.clone(),
                })
            }
            Err(e) => return Err(e.into()),
        }
        ctx.audit(
            "subscriber.add",
            "subscriber",
            &s.user_principal_name,
            None,
            Some(&serde_json::json!({
                "customer": s.customer, "display_name": s.display_name,
                "usage_location": s.usage_location, "department": s.department,
                "object_id": s.object_id, "status": s.status.as_str(),
            })),
        )?;
        Ok(true)
    }

    /// Adds one new subscriber (the UPN must be new to the store).
    pub(crate) fn add(&mut self, ctx: &WriteCtx<'_>, s: &NewSubscriber) -> Result<()> {
        let (cid, cname) = self.customers.get(ctx.tx, &s.customer)?;
        let valid = online::validate_subscriber(s)?;
        Self::insert_valid(
            ctx,
            cid,
            &Subscriber {
                customer: cname,
                ..valid
            },
            false,
        )?;
        Ok(())
    }

    /// One import row: insert or update by UPN.
    fn upsert(
        &mut self,
        ctx: &WriteCtx<'_>,
        header: &Header,
        rec: &Record<'_>,
    ) -> super::RowResult {
        let c = SUBSCRIBERS;
        let upn_raw = rec.require(header, c, 1)?;
        let upn = online::validate_upn(upn_raw).map_err(|e| fail(rec, "user_principal_name", e))?;
        let customer = rec.get(header, c, 0)?;
        // A column the file lacks keeps the stored value; a blank field clears it.
        let field =
            |ci: usize, cur: Option<&String>| -> std::result::Result<Option<String>, RowFail> {
                Ok(if header.pos[ci].is_some() {
                    rec.get(header, c, ci)?.map(String::from)
                } else {
                    cur.cloned()
                })
            };
        let status = rec
            .get(header, c, 6)?
            .map(SubscriberStatus::parse)
            .transpose()
            .map_err(|e| fail(rec, "status", e))?;
        // A file of new users (the bulk of a big first import) is inserted first, a user looked up
        // only when its UPN is taken; a file of known users (a re-import, an update) is looked up
        // first. Either way one statement does the common case.
        let mut known = None;
        if self.known_rows > self.new_rows {
            known = Self::find(ctx, &upn)?;
        }
        if let (None, Some(customer)) = (&known, customer) {
            let (cid, cname) = self
                .customers
                .get(ctx.tx, customer)
                .map_err(|e| fail_value(rec, "customer", customer, e))?;
            let new = NewSubscriber {
                customer: cname,
                user_principal_name: upn.clone(),
                display_name: field(2, None)?,
                usage_location: field(3, None)?,
                department: field(4, None)?,
                object_id: field(5, None)?,
                status: status.unwrap_or_default(),
            };
            let valid = online::validate_subscriber(&new)
                .map_err(|e| fail(rec, column_of(&e, SUB_WHAT, "user_principal_name"), e))?;
            if Self::insert_valid(ctx, cid, &valid, true)? {
                self.new_rows += 1;
                return Ok(RowOutcome::Inserted);
            }
        }
        if known.is_none() {
            known = Self::find(ctx, &upn)?;
        }
        let Some((id, cid, before)) = known else {
            return Err(rec
                .error(Some("customer"), Some(""), "a new user needs its customer")
                .into());
        };
        self.known_rows += 1;
        if let Some(cust) = customer {
            let (want, _) = self
                .customers
                .get(ctx.tx, cust)
                .map_err(|e| fail_value(rec, "customer", cust, e))?;
            if want != cid {
                return Err(rec
                    .error(
                        Some("customer"),
                        Some(cust),
                        format!(
                            "user {} belongs to customer {:?}; an import does not move users",
                            before.user_principal_name, before.customer
                        ),
                    )
                    .into());
            }
        }
        let status = status.unwrap_or(before.status);
        if status == SubscriberStatus::Offboarded && before.status != SubscriberStatus::Offboarded {
            return Err(rec
                .error(
                    Some("status"),
                    Some(status.as_str()),
                    "use offboard to offboard a user (it removes its licenses and releases its number)",
                )
                .into());
        }
        let new = NewSubscriber {
            customer: before.customer.clone(),
            user_principal_name: before.user_principal_name.clone(),
            display_name: field(2, before.display_name.as_ref())?,
            usage_location: field(3, before.usage_location.as_ref())?,
            department: field(4, before.department.as_ref())?,
            object_id: field(5, before.object_id.as_ref())?,
            status,
        };
        let after = online::validate_subscriber(&new)
            .map_err(|e| fail(rec, column_of(&e, SUB_WHAT, "user_principal_name"), e))?;
        if after == before {
            return Ok(RowOutcome::Unchanged);
        }
        ctx.tx
            .prepare_cached(
                "UPDATE subscriber SET display_name = ?2, usage_location = ?3, department = ?4, \
                 object_id = ?5, status = ?6, updated_at = ?7 WHERE id = ?1",
            )?
            .execute(params![
                id,
                after.display_name,
                after.usage_location,
                after.department,
                after.object_id,
                after.status.as_str(),
                ctx.now
            ])?;
        ctx.audit(
            "subscriber.update",
            "subscriber",
            &after.user_principal_name,
            Some(&serde_json::to_value(&before).map_err(Error::from)?),
            Some(&serde_json::to_value(&after).map_err(Error::from)?),
        )?;
        Ok(RowOutcome::Updated)
    }
}

/// Like [`fail`], naming the value the error is about.
fn fail_value(rec: &Record<'_>, column: &str, value: &str, e: Error) -> RowFail {
    match fail(rec, column, e) {
        RowFail::Reject(mut r) => {
            if r.value.is_none() {
                r.value = Some(value.to_string());
            }
            RowFail::Reject(r)
        }
        fatal => fatal,
    }
}

// ---------------------------------------------------------------------------------------------
// SKUs
// ---------------------------------------------------------------------------------------------

const SKU_WHAT: &[(&str, &str)] = &[
    ("capability status", "capability_status"),
    ("applies to", "applies_to"),
    ("term end", "term_end"),
    ("reported consumed", "reported_consumed"),
];

fn import_sku_row(
    ctx: &WriteCtx<'_>,
    header: &Header,
    rec: &Record<'_>,
    catalog_loaded: &mut bool,
    ids: &mut CustomerIds,
) -> super::RowResult {
    let c = SKUS;
    if !*catalog_loaded {
        online::ensure_catalog(ctx)?;
        *catalog_loaded = true;
    }
    let customer = rec.require(header, c, 0)?;
    let (cust_id, cust_name) = ids
        .get(ctx.tx, customer)
        .map_err(|e| fail_value(rec, "customer", customer, e))?;
    let by_id = rec.get(header, c, 1)?;
    let by_part = rec.get(header, c, 2)?;
    let (key_col, key) = match (by_id, by_part) {
        (Some(id), _) => ("sku_id", id),
        (None, Some(p)) => ("sku_part_number", p),
        (None, None) => {
            return Err(rec
                .error(
                    Some("sku_id"),
                    Some(""),
                    "name the SKU by sku_id (GUID) or sku_part_number",
                )
                .into())
        }
    };
    if by_id.is_some() {
        validate::guid("SKU", key).map_err(|e| fail(rec, "sku_id", e))?;
    }
    let guid =
        online::catalog_resolve(ctx.tx, key).map_err(|e| fail_value(rec, key_col, key, e))?;
    let catalog_part: String = ctx
        .tx
        .prepare_cached("SELECT part_number FROM catalog_sku WHERE sku_id = ?1")?
        .query_row([&guid], |r| r.get(0))?;
    if let (Some(_), Some(p)) = (by_id, by_part) {
        if !p.eq_ignore_ascii_case(&catalog_part) {
            return Err(rec
                .error(
                    Some("sku_part_number"),
                    Some(p),
                    format!("SKU {guid} is {catalog_part} in the catalog"),
                )
                .into());
        }
    }
    let before_id: Option<i64> = ctx
        .tx
        .prepare_cached("SELECT id FROM sku WHERE customer_id = ?1 AND sku_id = ?2")?
        .query_row(params![cust_id, guid], |r| r.get(0))
        .optional()?;
    let before = before_id
        .map(|id| online::sku_by_ref(ctx.tx, id))
        .transpose()?;
    let count = |ci: usize, cur: i64| -> std::result::Result<i64, RowFail> {
        Ok(if header.pos[ci].is_some() {
            get_count(rec, header, c, ci)?.unwrap_or(0)
        } else {
            cur
        })
    };
    let cur = before.as_ref().map(|s| s.units).unwrap_or_default();
    let units = Units {
        enabled: count(3, cur.enabled)?,
        warning: count(4, cur.warning)?,
        suspended: count(5, cur.suspended)?,
        locked_out: count(6, cur.locked_out)?,
    };
    let text = |ci: usize, cur: Option<&String>| -> std::result::Result<Option<String>, RowFail> {
        Ok(if header.pos[ci].is_some() {
            rec.get(header, c, ci)?.map(String::from)
        } else {
            cur.cloned()
        })
    };
    let reported_consumed = if header.pos[10].is_some() {
        get_count(rec, header, c, 10)?
    } else {
        before.as_ref().and_then(|s| s.reported_consumed)
    };
    let spec = NewSku {
        customer: cust_name,
        sku: guid,
        units,
        capability_status: text(7, before.as_ref().map(|s| &s.capability_status))?,
        applies_to: text(8, before.as_ref().map(|s| &s.applies_to))?,
        term_end: text(9, before.as_ref().and_then(|s| s.term_end.as_ref()))?,
        reported_consumed,
    };
    // A row equal to the stored SKU writes nothing (not even its update time).
    if let Some(b) = &before {
        let same_text = |v: &Option<String>, cur: &str| {
            v.as_deref().is_none_or(|v| v.eq_ignore_ascii_case(cur))
        };
        if b.units == spec.units
            && same_text(&spec.capability_status, &b.capability_status)
            && same_text(&spec.applies_to, &b.applies_to)
            && spec.term_end == b.term_end
            && spec.reported_consumed == b.reported_consumed
        {
            return Ok(RowOutcome::Unchanged);
        }
    }
    let after = online::set_sku_tx(ctx, &spec)
        .map_err(|e| fail(rec, column_of(&e, SKU_WHAT, key_col), e))?;
    Ok(match before {
        None => RowOutcome::Inserted,
        Some(b) if b == after => RowOutcome::Unchanged,
        Some(_) => RowOutcome::Updated,
    })
}

// ---------------------------------------------------------------------------------------------
// Groups and members
// ---------------------------------------------------------------------------------------------

fn group_lookup(ctx: &WriteCtx<'_>, cid: i64, name: &str) -> Result<Option<(i64, String)>> {
    Ok(ctx
        .tx
        .prepare_cached("SELECT id, name FROM user_group WHERE customer_id = ?1 AND name = ?2")?
        .query_row(params![cid, name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

fn import_group_row(
    ctx: &WriteCtx<'_>,
    header: &Header,
    rec: &Record<'_>,
    ids: &mut CustomerIds,
) -> super::RowResult {
    let customer = rec.require(header, GROUPS, 0)?;
    let (cid, cname) = ids
        .get(ctx.tx, customer)
        .map_err(|e| fail_value(rec, "customer", customer, e))?;
    let name = validate::name("group name", rec.require(header, GROUPS, 1)?, 256)
        .map_err(|e| fail(rec, "name", e))?;
    if group_lookup(ctx, cid, &name)?.is_some() {
        return Ok(RowOutcome::Unchanged);
    }
    ctx.tx
        .prepare_cached(
            "INSERT INTO user_group (customer_id, name, created_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![cid, name, ctx.now])?;
    ctx.audit("group.add", "group", &format!("{cname}/{name}"), None, None)?;
    Ok(RowOutcome::Inserted)
}

fn import_member_row(
    ctx: &WriteCtx<'_>,
    header: &Header,
    rec: &Record<'_>,
    ids: &mut CustomerIds,
) -> super::RowResult {
    let c = GROUP_MEMBERS;
    let customer = rec.require(header, c, 0)?;
    let (cid, cname) = ids
        .get(ctx.tx, customer)
        .map_err(|e| fail_value(rec, "customer", customer, e))?;
    let group = rec.require(header, c, 1)?;
    let (gid, gname) = group_lookup(ctx, cid, group)?.ok_or_else(|| {
        rec.error(
            Some("group"),
            Some(group),
            format!("customer {cname:?} has no such group (import groups first)"),
        )
    })?;
    let upn = rec.require(header, c, 2)?;
    let (sid, sub) = online::require_subscriber(ctx.tx, upn)
        .map_err(|e| fail_value(rec, "user_principal_name", upn, e))?;
    if !sub.customer.eq_ignore_ascii_case(&cname) {
        return Err(rec
            .error(
                Some("user_principal_name"),
                Some(upn),
                format!(
                    "not a user of customer {cname:?} (it belongs to {:?})",
                    sub.customer
                ),
            )
            .into());
    }
    let added = ctx
        .tx
        .prepare_cached(
            "INSERT OR IGNORE INTO group_member (group_id, subscriber_id) VALUES (?1, ?2)",
        )?
        .execute(params![gid, sid])?;
    if added == 0 {
        return Ok(RowOutcome::Unchanged);
    }
    ctx.audit(
        "group.add_members",
        "group",
        &format!("{cname}/{gname}"),
        None,
        Some(&serde_json::json!({ "members": [sub.user_principal_name] })),
    )?;
    Ok(RowOutcome::Inserted)
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

const NUMBER_STATUS: &[&str] = &["Available", "Assigned", "Reserved"];

fn import_number_row(
    ctx: &WriteCtx<'_>,
    header: &Header,
    rec: &Record<'_>,
    ids: &mut CustomerIds,
) -> super::RowResult {
    let c = NUMBERS;
    let customer = rec.require(header, c, 0)?;
    let (cid, cname) = ids
        .get(ctx.tx, customer)
        .map_err(|e| fail_value(rec, "customer", customer, e))?;
    let number =
        online::validate_e164(rec.require(header, c, 1)?).map_err(|e| fail(rec, "number", e))?;
    let existing: Option<(i64, i64, String, Option<String>)> = ctx
        .tx
        .prepare_cached(
            "SELECT p.id, p.customer_id, p.status, s.user_principal_name FROM phone_number p \
             LEFT JOIN subscriber s ON s.id = p.subscriber_id WHERE p.number = ?1",
        )?
        .query_row([&number], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((_, owner, _, _)) = &existing {
        if *owner != cid {
            return Err(rec
                .error(
                    Some("number"),
                    Some(&number),
                    "the number belongs to another customer",
                )
                .into());
        }
    }
    let status_given = if header.pos[2].is_some() {
        rec.get(header, c, 2)?
            .map(|v| {
                NUMBER_STATUS
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(v))
                    .copied()
                    .ok_or_else(|| {
                        rec.error(
                            Some("status"),
                            Some(v),
                            format!("must be one of {}", NUMBER_STATUS.join(", ")),
                        )
                    })
            })
            .transpose()?
    } else {
        None
    };
    let upn_col = header.pos[3].is_some();
    let upn = rec.get(header, c, 3)?;
    let (cur_status, cur_upn) = existing
        .as_ref()
        .map_or(("Available", None), |(_, _, s, u)| (s.as_str(), u.clone()));
    // The status: as given; else Assigned when a user is named; else what the store has.
    let status = match (status_given, upn) {
        (Some(s), _) => s,
        (None, Some(_)) => "Assigned",
        (None, None) if upn_col && existing.is_some() && cur_status == "Assigned" => "Available",
        (None, None) => NUMBER_STATUS
            .iter()
            .find(|s| **s == cur_status)
            .copied()
            .unwrap_or("Available"),
    };
    let upn = if status == "Assigned" {
        match (upn, upn_col) {
            (Some(u), _) => Some(u.to_string()),
            (None, false) => cur_upn.clone(),
            (None, true) => None,
        }
    } else {
        if let Some(u) = upn {
            return Err(rec
                .error(
                    Some("user_principal_name"),
                    Some(u),
                    format!("a {status} number has no user"),
                )
                .into());
        }
        None
    };
    let holder = match (status, &upn) {
        ("Assigned", None) => {
            return Err(rec
                .error(
                    Some("user_principal_name"),
                    Some(""),
                    "an Assigned number needs its user",
                )
                .into())
        }
        (_, Some(u)) => {
            let (sid, sub) = online::require_subscriber(ctx.tx, u)
                .map_err(|e| fail_value(rec, "user_principal_name", u, e))?;
            if sub.customer != cname {
                return Err(rec
                    .error(
                        Some("user_principal_name"),
                        Some(u),
                        format!("not a user of customer {cname:?}"),
                    )
                    .into());
            }
            if sub.status == SubscriberStatus::Offboarded {
                return Err(fail_value(
                    rec,
                    "user_principal_name",
                    u,
                    Error::violation(
                        ErrorCode::UserOffboarded,
                        u.as_str(),
                        "the user has been offboarded",
                    ),
                ));
            }
            Some((sid, sub))
        }
        _ => None,
    };
    let same_holder = match (&holder, &cur_upn) {
        (Some((_, s)), Some(cur)) => s.user_principal_name.eq_ignore_ascii_case(cur),
        (None, None) => true,
        _ => false,
    };
    if existing.is_some() && cur_status == status && same_holder {
        return Ok(RowOutcome::Unchanged);
    }
    let (sid, name) = match &holder {
        Some((sid, s)) => (
            Some(*sid),
            Some(
                s.display_name
                    .clone()
                    .unwrap_or_else(|| s.user_principal_name.clone()),
            ),
        ),
        None => (None, None),
    };
    let after = serde_json::json!({
        "customer": cname, "status": status,
        "user": holder.as_ref().map(|(_, s)| s.user_principal_name.clone()),
    });
    match existing {
        None => {
            ctx.tx
                .prepare_cached(
                    "INSERT INTO phone_number (customer_id, number, status, subscriber_id, assigned_name, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![cid, number, status, sid, name, ctx.now])?;
            ctx.audit("number.add", "phone_number", &number, None, Some(&after))?;
            Ok(RowOutcome::Inserted)
        }
        Some((id, _, before_status, before_upn)) => {
            ctx.tx
                .prepare_cached(
                    "UPDATE phone_number SET status = ?2, subscriber_id = ?3, assigned_name = ?4, updated_at = ?5 \
                     WHERE id = ?1",
                )?
                .execute(params![id, status, sid, name, ctx.now])?;
            ctx.audit(
                "number.update",
                "phone_number",
                &number,
                Some(&serde_json::json!({ "customer": cname, "status": before_status, "user": before_upn })),
                Some(&after),
            )?;
            Ok(RowOutcome::Updated)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/// The query an entity's export runs: its canonical columns from a public view, in natural-key
/// order.
pub(crate) fn export_sql(entity: Entity) -> Option<String> {
    let (view, order) = match entity {
        Entity::Skus => ("sku_usage", "customer, sku_id"),
        Entity::Subscribers => ("subscribers", "customer, user_principal_name"),
        Entity::Groups => ("groups", "customer, name"),
        Entity::GroupMembers => ("group_members", "customer, \"group\", user_principal_name"),
        Entity::Numbers => ("numbers", "customer, number"),
        _ => return None,
    };
    let cols: Vec<String> = entity
        .columns()
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect();
    Some(format!(
        "SELECT {} FROM {view} ORDER BY {order}",
        cols.join(", ")
    ))
}

impl Store {
    /// Imports one of the online-services entities (see the module doc).
    pub(crate) fn import_online_entity(
        &mut self,
        entity: Entity,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        let spec = match entity {
            Entity::Skus => SKUS,
            Entity::Subscribers => SUBSCRIBERS,
            Entity::Groups => GROUPS,
            Entity::GroupMembers => GROUP_MEMBERS,
            Entity::Numbers => NUMBERS,
            other => {
                return Err(Error::invalid(
                    "entity",
                    other.name(),
                    "not an online-services entity",
                ))
            }
        };
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, spec)?;
        if entity == Entity::Skus && header.pos[1].is_none() && header.pos[2].is_none() {
            return Err(Error::csv(crate::error::RowError {
                file: opts.file_name.clone(),
                line: 1,
                column: None,
                value: None,
                reason: "missing required column(s): sku_id or sku_part_number".into(),
            }));
        }
        let mut ids = CustomerIds::default();
        match entity {
            Entity::Skus => {
                let mut loaded = false;
                run_import(self, records, header, opts, None, |ctx, h, r| {
                    import_sku_row(ctx, h, r, &mut loaded, &mut ids)
                })
            }
            Entity::Subscribers => {
                let mut w = SubscriberWriter::default();
                run_import(self, records, header, opts, None, |ctx, h, r| {
                    w.upsert(ctx, h, r)
                })
            }
            Entity::Groups => run_import(self, records, header, opts, None, |ctx, h, r| {
                import_group_row(ctx, h, r, &mut ids)
            }),
            Entity::GroupMembers => run_import(self, records, header, opts, None, |ctx, h, r| {
                import_member_row(ctx, h, r, &mut ids)
            }),
            _ => run_import(self, records, header, opts, None, |ctx, h, r| {
                import_number_row(ctx, h, r, &mut ids)
            }),
        }
    }

    /// Exports one of the online-services entities in its canonical columns.
    pub(crate) fn export_online_entity(
        &mut self,
        entity: Entity,
        format: Format,
        out: &mut dyn Write,
    ) -> Result<u64> {
        let sql = export_sql(entity).ok_or_else(|| {
            Error::invalid("entity", entity.name(), "not an online-services entity")
        })?;
        self.export_query(&sql, &Params::None, format, out)
    }
}

#[cfg(test)]
mod tests;
