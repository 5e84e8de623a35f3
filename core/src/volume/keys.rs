//! Product keys (DOMAIN.md section 3): format, types, MAK activation counts, KMS host rules, OSA
//! single use, activation records (independent or proxy, all-or-nothing), limit-increase requests.
//!
//! Keys are secrets. Everything this module returns shows only the last 5 characters
//! ([`ProductKey::last5`], [`ProductKey::masked`]); audit rows of key changes hold the masked form
//! too. The one way to read a full key back is [`Store::reveal_key`], which writes an audit row.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{product_by_name, require_lid, text_enum};
use crate::access::{read, Role};
use crate::error::{Error, ErrorCode, Result};
use crate::store::{Store, WriteCtx};
use crate::validate;

/// The characters of a product key (Microsoft's 24 plus `N`, which Windows 8 and later keys use).
pub const KEY_ALPHABET: &str = "BCDFGHJKMNPQRTVWXY2346789";

/// How many distinct hosts a KMS host key activates unless a limit increase was granted.
pub const KMS_DEFAULT_HOSTS: i64 = 6;

/// How many activations one KMS host may use.
pub const KMS_ACTIVATIONS_PER_HOST: i64 = 10;

text_enum! {
    /// The type of a product key.
    KeyType, "key type" {
        /// Multiple Activation Key: a number of one-time activations.
        Mak = "MAK",
        /// Key Management Service host key: 6 hosts, 10 activations each.
        Kms = "KMS",
        /// Volume License Key (no activation).
        Vlk = "VLK",
        /// Setup key (bypasses activation; never activated).
        Setup = "Setup",
        /// Online Service Activation key: single use.
        Osa = "OSA",
        /// Retail key (activations recorded, no limit tracked).
        Retail = "Retail",
    }
}

text_enum! {
    /// How an activation was made.
    ActivationMethod, "activation method" {
        /// The machine activated itself with Microsoft.
        Independent = "Independent",
        /// A proxy (VAMT) activated it, possibly with many others in one request.
        Proxy = "Proxy",
    }
}

text_enum! {
    /// The status of a limit-increase request.
    RequestStatus, "request status" {
        /// Submitted, not decided.
        Pending = "Pending",
        /// Granted: the limit was raised.
        Granted = "Granted",
        /// Denied.
        Denied = "Denied",
    }
}

/// Validates and normalizes a product key: five groups of five characters from
/// [`KEY_ALPHABET`], separated by `-` (25 characters without dashes are accepted too; case and
/// surrounding spaces are ignored). The error shows only the last 5 characters of the input.
pub fn normalize_key(value: &str) -> Result<String> {
    let v: String = value
        .trim()
        .chars()
        .filter(|c| *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    let compact: String = if v.len() == 25 && !v.contains('-') {
        v.clone()
    } else {
        let groups: Vec<&str> = v.split('-').collect();
        if groups.len() != 5 || groups.iter().any(|g| g.chars().count() != 5) {
            return Err(Error::invalid(
                "product key",
                mask_any(value),
                "must be five groups of five characters separated by '-' (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)",
            ));
        }
        groups.concat()
    };
    if let Some((i, c)) = compact
        .chars()
        .enumerate()
        .find(|(_, c)| !KEY_ALPHABET.contains(*c))
    {
        return Err(Error::invalid(
            "product key",
            mask_any(value),
            format!(
                "character {} ({c:?}) is not a product-key character (allowed: {KEY_ALPHABET})",
                i + 1
            ),
        ));
    }
    let b = compact.as_bytes();
    Ok((0..5)
        .map(|g| std::str::from_utf8(&b[g * 5..g * 5 + 5]).expect("ASCII"))
        .collect::<Vec<_>>()
        .join("-"))
}

/// The masked form of a key: `*****-*****-*****-*****-` and its last 5 characters.
pub fn mask_key(last5: &str) -> String {
    format!("*****-*****-*****-*****-{last5}")
}

/// Masks any text that may be a key: everything but the last 5 characters becomes `*`.
pub(crate) fn mask_any(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    let keep = chars.len().saturating_sub(5);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep && *c != '-' { '*' } else { *c })
        .collect()
}

/// A product key, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductKey {
    /// Row id: how the key is named in calls and views.
    pub id: i64,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The product name as VLSC shows it.
    pub product: String,
    /// The type.
    pub key_type: KeyType,
    /// The last 5 characters.
    pub last5: String,
    /// `*****-*****-*****-*****-` + the last 5 characters.
    pub masked: String,
    /// MAK: how many activations the key allows (None for other types).
    pub activation_limit: Option<i64>,
    /// Activations used: the imported baseline plus the recorded activations.
    pub activations_used: i64,
    /// MAK: `activation_limit - activations_used` (None for other types).
    pub activations_available: Option<i64>,
    /// KMS: how many distinct hosts the key may activate (None for other types).
    pub host_limit: Option<i64>,
    /// KMS: distinct hosts activated so far (0 for other types).
    pub hosts_used: i64,
}

/// The fields of a new product key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProductKey {
    /// An existing licensing ID's number.
    pub licensing_id: String,
    /// The product name ("Office Professional Plus 2021"); linked to the product of that
    /// "family version" name when there is one.
    pub product: String,
    /// The key (validated by [`normalize_key`]).
    pub key: String,
    /// The type.
    pub key_type: KeyType,
    /// Required (>= 0) for MAK, refused for other types.
    pub activation_limit: Option<i64>,
    /// MAK only: activations already used before the store recorded any (from a VLSC download).
    pub baseline_used: i64,
}

/// One recorded activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activation {
    /// Row id.
    pub id: i64,
    /// The key's id.
    pub key_id: i64,
    /// The machine (or KMS host) name.
    pub machine: String,
    /// When (ISO-8601 UTC).
    pub activated_at: String,
    /// Independent or proxy.
    pub method: ActivationMethod,
}

/// A request to raise a key's limit (MAK activations or KMS hosts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitIncreaseRequest {
    /// Row id.
    pub id: i64,
    /// The key's id.
    pub key_id: i64,
    /// The key's last 5 characters (what VLSC support asks for).
    pub key_last5: String,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The product name.
    pub product: String,
    /// How many more activations (MAK) or hosts (KMS) are asked for.
    pub activations_requested: i64,
    /// The business justification.
    pub justification: String,
    /// Pending, Granted or Denied.
    pub status: RequestStatus,
    /// When it was requested.
    pub requested_at: String,
    /// Who requested it.
    pub requested_by: String,
    /// When it was decided.
    pub decided_at: Option<String>,
    /// Who decided it.
    pub decided_by: Option<String>,
}

const KEY_COLUMNS: &str = "k.id, l.number, k.product_name, k.type, k.last5, k.activation_limit, \
    k.baseline_used + k.recorded, k.host_limit, \
    CASE WHEN k.type = 'KMS' THEN (SELECT count(DISTINCT lower(a.machine)) FROM key_activation a WHERE a.key_id = k.id) ELSE 0 END";
const KEY_FROM: &str = "product_key k JOIN licensing_id l ON l.id = k.licensing_id_id";

fn key_from_row(r: &Row<'_>) -> rusqlite::Result<ProductKey> {
    let last5: String = r.get(4)?;
    let limit: Option<i64> = r.get(5)?;
    let used: i64 = r.get(6)?;
    Ok(ProductKey {
        id: r.get(0)?,
        licensing_id: r.get(1)?,
        product: r.get(2)?,
        key_type: r.get(3)?,
        masked: mask_key(&last5),
        last5,
        activation_limit: limit,
        activations_used: used,
        activations_available: limit.map(|l| l - used),
        host_limit: r.get(7)?,
        hosts_used: r.get(8)?,
    })
}

pub(crate) fn require_key(conn: &rusqlite::Connection, id: i64) -> Result<ProductKey> {
    conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE k.id = ?1"
    ))?
    .query_row([id], key_from_row)
    .optional()?
    .ok_or_else(|| Error::not_found("product key", id.to_string()))
}

pub(crate) fn find_key_by_value(
    conn: &rusqlite::Connection,
    normalized: &str,
) -> Result<Option<ProductKey>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE k.key_value = ?1"
        ))?
        .query_row([normalized], key_from_row)
        .optional()?)
}

/// The keys of a licensing ID (by its row id) whose last 5 characters are `last5`: how a masked
/// key (`*****-*****-*****-*****-ABCDE`) names a key the store holds.
pub(crate) fn find_keys_by_last5(
    conn: &rusqlite::Connection,
    licensing_id_id: i64,
    last5: &str,
) -> Result<Vec<ProductKey>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE k.licensing_id_id = ?1 AND k.last5 = ?2 ORDER BY k.id"
    ))?;
    let rows = st.query_map(params![licensing_id_id, last5], key_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Renames a key's product (linking it to the product of that "family version" name, if any);
/// an audit row `product_key.update`. Returns whether it changed.
pub(crate) fn set_key_product(ctx: &WriteCtx<'_>, key: &ProductKey, product: &str) -> Result<bool> {
    let product = validate::name("product", product, 300)?;
    if product == key.product {
        return Ok(false);
    }
    let product_id = product_by_name(ctx.tx, &product)?;
    ctx.tx
        .prepare_cached(
            "UPDATE product_key SET product_name = ?2, product_id = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![key.id, product, product_id, ctx.now])?;
    let after = require_key(ctx.tx, key.id)?;
    audit_key(ctx, "product_key.update", Some(key), &after)?;
    Ok(true)
}

fn audit_key(
    ctx: &WriteCtx<'_>,
    action: &str,
    before: Option<&ProductKey>,
    after: &ProductKey,
) -> Result<()> {
    let b = before.map(serde_json::to_value).transpose()?;
    ctx.audit(
        action,
        "product_key",
        &after.id.to_string(),
        b.as_ref(),
        Some(&serde_json::to_value(after)?),
    )
}

/// Inserts a validated key inside a write transaction (with its audit row, masked).
pub(crate) fn insert_key(ctx: &WriteCtx<'_>, n: &NewProductKey) -> Result<ProductKey> {
    insert_key_with(ctx, n, None)
}

/// [`insert_key`] with a KMS host limit other than [`KMS_DEFAULT_HOSTS`] (a key brought in with
/// the limit its granted increases gave it): not below the default, refused on other types.
pub(crate) fn insert_key_with(
    ctx: &WriteCtx<'_>,
    n: &NewProductKey,
    host_limit: Option<i64>,
) -> Result<ProductKey> {
    match (n.key_type, host_limit) {
        (KeyType::Kms, Some(h)) if h < KMS_DEFAULT_HOSTS => {
            return Err(Error::invalid(
                "host limit",
                h.to_string(),
                format!("a KMS host key activates {KMS_DEFAULT_HOSTS} hosts unless increased; the limit cannot be lower"),
            ))
        }
        (t, Some(h)) if t != KeyType::Kms => {
            return Err(Error::invalid(
                "host limit",
                h.to_string(),
                format!("only a KMS key has a host limit, not a {t} key"),
            ))
        }
        _ => {}
    }
    let key = normalize_key(&n.key)?;
    let product = validate::name("product", &n.product, 300)?;
    match (n.key_type, n.activation_limit) {
        (KeyType::Mak, None) => {
            return Err(Error::invalid(
                "activation limit",
                "",
                "a MAK needs an activation limit",
            ))
        }
        (KeyType::Mak, Some(l)) if l < 0 => {
            return Err(Error::invalid(
                "activation limit",
                l.to_string(),
                "must not be negative",
            ))
        }
        (t, Some(l)) if t != KeyType::Mak => {
            return Err(Error::invalid(
                "activation limit",
                l.to_string(),
                format!("only a MAK has an activation limit, not a {t} key"),
            ))
        }
        _ => {}
    }
    if n.baseline_used < 0 {
        return Err(Error::invalid(
            "activations used",
            n.baseline_used.to_string(),
            "must not be negative",
        ));
    }
    if n.baseline_used > 0 && n.key_type != KeyType::Mak {
        return Err(Error::invalid(
            "activations used",
            n.baseline_used.to_string(),
            format!(
                "only a MAK has a baseline of used activations, not a {} key",
                n.key_type
            ),
        ));
    }
    if let Some(l) = n.activation_limit {
        if n.baseline_used > l {
            return Err(Error::invalid(
                "activations used",
                n.baseline_used.to_string(),
                format!("exceeds the activation limit {l}"),
            ));
        }
    }
    let lid = require_lid(ctx.tx, &n.licensing_id)?;
    if find_key_by_value(ctx.tx, &key)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "product key",
            key: mask_key(&key[24..]),
        });
    }
    let product_id = product_by_name(ctx.tx, &product)?;
    ctx.tx
        .prepare_cached(
            "INSERT INTO product_key (licensing_id_id, product_name, product_id, key_value, last5, type, \
             activation_limit, baseline_used, host_limit, created_at, updated_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10)",
        )?
        .execute(params![
            lid.id,
            product,
            product_id,
            key,
            &key[24..],
            n.key_type,
            n.activation_limit,
            n.baseline_used,
            (n.key_type == KeyType::Kms).then_some(host_limit.unwrap_or(KMS_DEFAULT_HOSTS)),
            ctx.now
        ])?;
    let k = require_key(ctx.tx, ctx.tx.last_insert_rowid())?;
    audit_key(ctx, "product_key.add", None, &k)?;
    Ok(k)
}

/// Sets a MAK's figures from a VLSC download: the limit is used + available, and the baseline is
/// what VLSC counts as used beyond what the store has recorded (VLSC's figure is authoritative).
pub(crate) fn set_mak_counts(
    ctx: &WriteCtx<'_>,
    key: &ProductKey,
    used: i64,
    available: i64,
) -> Result<bool> {
    let recorded: i64 = ctx.tx.query_row(
        "SELECT recorded FROM product_key WHERE id = ?1",
        [key.id],
        |r| r.get(0),
    )?;
    let limit = used + available;
    let baseline = (used - recorded).max(0);
    if key.activation_limit == Some(limit) && key.activations_used == baseline + recorded {
        return Ok(false);
    }
    ctx.tx.execute(
        "UPDATE product_key SET activation_limit = ?2, baseline_used = ?3, updated_at = ?4 WHERE id = ?1",
        params![key.id, limit, baseline, ctx.now],
    )?;
    let after = require_key(ctx.tx, key.id)?;
    audit_key(ctx, "product_key.update", Some(key), &after)?;
    Ok(true)
}

pub(crate) fn validate_machines(machines: &[&str]) -> Result<Vec<String>> {
    if machines.is_empty() {
        return Err(Error::invalid(
            "machines",
            "",
            "at least one machine is required",
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(machines.len());
    let mut seen = std::collections::HashSet::new();
    for m in machines {
        let n = validate::name("machine", m, 255)?;
        if !seen.insert(n.to_lowercase()) {
            return Err(Error::invalid(
                "machine",
                n,
                "appears twice in one proxy activation",
            ));
        }
        out.push(n);
    }
    Ok(out)
}

/// Checks the key's rules for activating `machines` and records them all, or nothing.
fn record(
    ctx: &WriteCtx<'_>,
    key_id: i64,
    machines: &[String],
    method: ActivationMethod,
) -> Result<Vec<Activation>> {
    record_at(ctx, key_id, machines, method, &ctx.now)
}

/// [`record`] of activations made at `at` (ISO-8601 UTC, not after the store's now: recording
/// activations a proxy or VAMT made earlier). The key's rules are the same: they count
/// activations, whenever they were made.
pub(crate) fn record_at(
    ctx: &WriteCtx<'_>,
    key_id: i64,
    machines: &[String],
    method: ActivationMethod,
    at: &str,
) -> Result<Vec<Activation>> {
    if at > ctx.now.as_str() {
        return Err(Error::invalid(
            "activated at",
            at,
            format!("must not be after now ({})", ctx.now),
        ));
    }
    let key = require_key(ctx.tx, key_id)?;
    let subject = key.masked.clone();
    let n = machines.len() as i64;
    match key.key_type {
        KeyType::Mak => {
            let limit = key.activation_limit.unwrap_or(0);
            if key.activations_used + n > limit {
                return Err(Error::violation(
                    ErrorCode::ActivationLimitReached,
                    subject,
                    format!(
                        "MAK {} has {} of {limit} activations available; {n} requested",
                        key.masked,
                        (limit - key.activations_used).max(0)
                    ),
                ));
            }
        }
        KeyType::Osa => {
            if key.activations_used + n > 1 {
                return Err(Error::violation(
                    ErrorCode::ActivationLimitReached,
                    subject,
                    format!(
                        "OSA key {} is single use and {}",
                        key.masked,
                        if key.activations_used > 0 {
                            "has been used already"
                        } else {
                            "cannot activate several machines"
                        }
                    ),
                ));
            }
        }
        KeyType::Kms => {
            let mut counts: std::collections::HashMap<String, i64> = Default::default();
            let mut st = ctx.tx.prepare_cached(
                "SELECT lower(machine), count(*) FROM key_activation WHERE key_id = ?1 GROUP BY 1",
            )?;
            for r in st.query_map([key_id], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (m, c): (String, i64) = r?;
                counts.insert(m, c);
            }
            let host_limit = key.host_limit.unwrap_or(KMS_DEFAULT_HOSTS);
            for m in machines {
                let c = counts.entry(m.to_lowercase()).or_insert(0);
                *c += 1;
                if *c > KMS_ACTIVATIONS_PER_HOST {
                    return Err(Error::violation(
                        ErrorCode::KmsHostLimitReached,
                        subject,
                        format!(
                            "KMS host {m} has used its {KMS_ACTIVATIONS_PER_HOST} activations of key {}",
                            key.masked
                        ),
                    ));
                }
                if counts.len() as i64 > host_limit {
                    return Err(Error::violation(
                        ErrorCode::KmsHostLimitReached,
                        subject,
                        format!(
                            "KMS key {} activates at most {host_limit} distinct hosts; {m} would be one more",
                            key.masked
                        ),
                    ));
                }
            }
        }
        KeyType::Vlk | KeyType::Setup => {
            return Err(Error::InvalidState(format!(
                "product key {}: a {} key is not activated",
                key.masked, key.key_type
            )))
        }
        KeyType::Retail => {}
    }
    // key_activation_daily and product_key.recorded follow from these rows by triggers
    // (sql/0003_volume.sql).
    let mut ins = ctx.tx.prepare_cached(
        "INSERT INTO key_activation (key_id, machine, activated_at, method, actor) VALUES (?1,?2,?3,?4,?5)",
    )?;
    let mut out = Vec::with_capacity(machines.len());
    for m in machines {
        ins.execute(params![key_id, m, at, method, ctx.actor])?;
        out.push(Activation {
            id: ctx.tx.last_insert_rowid(),
            key_id,
            machine: m.clone(),
            activated_at: at.to_string(),
            method,
        });
    }
    ctx.tx
        .prepare_cached("UPDATE product_key SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![key_id, ctx.now])?;
    let first = &out[0].machine;
    ctx.audit(
        "product_key.activate",
        "product_key",
        &key_id.to_string(),
        None,
        Some(&serde_json::json!({
            "key": key.masked,
            "method": method,
            "machines": n,
            "first_machine": first,
            "first_activation_id": out[0].id,
        })),
    )?;
    Ok(out)
}

const REQ_COLUMNS: &str =
    "r.id, r.key_id, k.last5, l.number, k.product_name, r.activations_requested, \
    r.justification, r.status, r.requested_at, r.requested_by, r.decided_at, r.decided_by";
const REQ_FROM: &str = "limit_increase_request r JOIN product_key k ON k.id = r.key_id \
    JOIN licensing_id l ON l.id = k.licensing_id_id";

fn req_from_row(r: &Row<'_>) -> rusqlite::Result<LimitIncreaseRequest> {
    Ok(LimitIncreaseRequest {
        id: r.get(0)?,
        key_id: r.get(1)?,
        key_last5: r.get(2)?,
        licensing_id: r.get(3)?,
        product: r.get(4)?,
        activations_requested: r.get(5)?,
        justification: r.get(6)?,
        status: r.get(7)?,
        requested_at: r.get(8)?,
        requested_by: r.get(9)?,
        decided_at: r.get(10)?,
        decided_by: r.get(11)?,
    })
}

fn require_request(conn: &rusqlite::Connection, id: i64) -> Result<LimitIncreaseRequest> {
    conn.prepare_cached(&format!(
        "SELECT {REQ_COLUMNS} FROM {REQ_FROM} WHERE r.id = ?1"
    ))?
    .query_row([id], req_from_row)
    .optional()?
    .ok_or_else(|| Error::not_found("limit increase request", id.to_string()))
}

impl Store {
    /// Adds a product key. Refuses a malformed key, an unknown licensing ID, a key that exists
    /// already, a MAK without a limit (or another type with one), a negative or excessive
    /// baseline; the errors show only the key's last 5 characters.
    pub fn add_product_key(&mut self, key: &NewProductKey) -> Result<ProductKey> {
        let _ok = self.require_role(&key.licensing_id, Role::Administrator)?;
        self.write(|ctx| insert_key(ctx, key))
    }

    /// The key with this id (masked), or [`Error::NotFound`].
    pub fn product_key(&self, id: i64) -> Result<ProductKey> {
        self.require_key_role(id, Role::ProductKeys)?;
        require_key(self.conn(), id)
    }

    /// The key with this value (masked): for callers who hold a key and need its id.
    pub fn find_product_key(&self, key: &str) -> Result<ProductKey> {
        let k = normalize_key(key)?;
        let found = find_key_by_value(self.conn(), &k)?
            .ok_or_else(|| Error::not_found("product key", mask_key(&k[24..])))?;
        self.require_role(&found.licensing_id, Role::ProductKeys)
            .map(|_| found)
    }

    /// Every key (of one licensing ID, when given), masked, by id.
    pub fn product_keys(&self, licensing_id: Option<&str>) -> Result<Vec<ProductKey>> {
        licensing_id
            .map(|n| self.require_any(n, read::KEYS))
            .transpose()?;
        let lid = match licensing_id {
            Some(n) => Some(require_lid(self.conn(), n)?.id),
            None => None,
        };
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE ?1 IS NULL OR k.licensing_id_id = ?1 ORDER BY k.id"
        ))?;
        let rows = st.query_map([lid], key_from_row)?;
        self.visible_only(
            rows.collect::<rusqlite::Result<_>>()?,
            |k| &k.licensing_id,
            read::KEYS,
        )
    }

    /// Returns the full key and writes an audit row (`product_key.reveal`) saying who saw it.
    /// `reason` is recorded with it (may be empty).
    pub fn reveal_key(&mut self, id: i64, reason: &str) -> Result<String> {
        let _ok = self.require_key_role(id, Role::ProductKeys)?;
        self.write(|ctx| {
            let k = require_key(ctx.tx, id)?;
            let full: String = ctx.tx.query_row(
                "SELECT key_value FROM product_key WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?;
            ctx.audit(
                "product_key.reveal",
                "product_key",
                &id.to_string(),
                None,
                Some(&serde_json::json!({ "key": k.masked, "reason": reason.trim() })),
            )?;
            Ok(full)
        })
    }

    /// Records one activation of a key by a machine (independent activation). Refused with
    /// `ActivationLimitReached` past a MAK's limit or on a used OSA key, `KmsHostLimitReached`
    /// past the KMS host rules, [`Error::InvalidState`] for VLK and Setup keys.
    pub fn activate_key(&mut self, key_id: i64, machine: &str) -> Result<Activation> {
        let _ok = self.require_key_role(key_id, Role::ProductKeys)?;
        let m = validate_machines(&[machine])?;
        let mut v = self.write(|ctx| record(ctx, key_id, &m, ActivationMethod::Independent))?;
        Ok(v.remove(0))
    }

    /// Proxy activation: records every machine, or none when any would break a rule.
    pub fn proxy_activate(&mut self, key_id: i64, machines: &[&str]) -> Result<Vec<Activation>> {
        let _ok = self.require_key_role(key_id, Role::ProductKeys)?;
        let m = validate_machines(machines)?;
        self.write(|ctx| record(ctx, key_id, &m, ActivationMethod::Proxy))
    }

    /// The activations of a key, oldest first.
    pub fn key_activations(&self, key_id: i64) -> Result<Vec<Activation>> {
        self.require_key_role(key_id, Role::ProductKeys)?;
        require_key(self.conn(), key_id)?;
        let mut st = self.conn().prepare_cached(
            "SELECT id, key_id, machine, activated_at, method FROM key_activation WHERE key_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([key_id], |r| {
            Ok(Activation {
                id: r.get(0)?,
                key_id: r.get(1)?,
                machine: r.get(2)?,
                activated_at: r.get(3)?,
                method: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Requests more activations for a MAK (or more hosts for a KMS key); the request is Pending.
    pub fn request_limit_increase(
        &mut self,
        key_id: i64,
        activations: i64,
        justification: &str,
    ) -> Result<LimitIncreaseRequest> {
        let _ok = self.require_key_role(key_id, Role::ProductKeys)?;
        if activations <= 0 {
            return Err(Error::invalid(
                "activations requested",
                activations.to_string(),
                "must be greater than zero",
            ));
        }
        let just = validate::name("business justification", justification, 2000)?;
        self.write(|ctx| {
            let k = require_key(ctx.tx, key_id)?;
            if !matches!(k.key_type, KeyType::Mak | KeyType::Kms) {
                return Err(Error::invalid(
                    "product key",
                    k.masked,
                    format!(
                        "a {} key has no limit to increase (only MAK and KMS)",
                        k.key_type
                    ),
                ));
            }
            ctx.tx.execute(
                "INSERT INTO limit_increase_request (key_id, activations_requested, justification, \
                 status, requested_at, requested_by) VALUES (?1, ?2, ?3, 'Pending', ?4, ?5)",
                params![key_id, activations, just, ctx.now, ctx.actor],
            )?;
            let r = require_request(ctx.tx, ctx.tx.last_insert_rowid())?;
            ctx.audit(
                "limit_increase.request",
                "limit_increase_request",
                &r.id.to_string(),
                None,
                Some(&serde_json::to_value(&r)?),
            )?;
            Ok(r)
        })
    }

    /// Grants (raising the key's MAK limit or KMS host limit by the requested number) or denies a
    /// Pending request; a decided request is [`Error::InvalidState`].
    pub fn decide_limit_increase(
        &mut self,
        request_id: i64,
        grant: bool,
    ) -> Result<LimitIncreaseRequest> {
        self.require_owner("decide limit increase requests (Microsoft decides them)")?;
        self.write(|ctx| {
            let before = require_request(ctx.tx, request_id)?;
            if before.status != RequestStatus::Pending {
                return Err(Error::InvalidState(format!(
                    "limit increase request {request_id} is {} already",
                    before.status
                )));
            }
            let status = if grant {
                RequestStatus::Granted
            } else {
                RequestStatus::Denied
            };
            ctx.tx.execute(
                "UPDATE limit_increase_request SET status = ?2, decided_at = ?3, decided_by = ?4 WHERE id = ?1",
                params![request_id, status, ctx.now, ctx.actor],
            )?;
            if grant {
                let k = require_key(ctx.tx, before.key_id)?;
                ctx.tx.execute(
                    "UPDATE product_key SET \
                     activation_limit = CASE WHEN type = 'MAK' THEN activation_limit + ?2 ELSE activation_limit END, \
                     host_limit = CASE WHEN type = 'KMS' THEN host_limit + ?2 ELSE host_limit END, \
                     updated_at = ?3 WHERE id = ?1",
                    params![before.key_id, before.activations_requested, ctx.now],
                )?;
                let after = require_key(ctx.tx, before.key_id)?;
                audit_key(ctx, "product_key.update", Some(&k), &after)?;
            }
            let after = require_request(ctx.tx, request_id)?;
            ctx.audit(
                if grant {
                    "limit_increase.grant"
                } else {
                    "limit_increase.deny"
                },
                "limit_increase_request",
                &request_id.to_string(),
                Some(&serde_json::to_value(&before)?),
                Some(&serde_json::to_value(&after)?),
            )?;
            Ok(after)
        })
    }

    /// The limit-increase requests (of one key, when given), by id.
    pub fn limit_increase_requests(
        &self,
        key_id: Option<i64>,
    ) -> Result<Vec<LimitIncreaseRequest>> {
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {REQ_COLUMNS} FROM {REQ_FROM} WHERE ?1 IS NULL OR r.key_id = ?1 ORDER BY r.id"
        ))?;
        let rows = st.query_map([key_id], req_from_row)?;
        self.visible_only(
            rows.collect::<rusqlite::Result<_>>()?,
            |r| &r.licensing_id,
            read::KEYS,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::volume::tests::store;

    pub(crate) const MAK: &str = "BCDFG-HJKMN-PQRTV-WXY23-46789";
    pub(crate) const KMS: &str = "W269N-WFGWX-YVC9B-4J6C9-T83GX";

    pub(crate) fn mak(limit: i64) -> NewProductKey {
        NewProductKey {
            licensing_id: "E1".into(),
            product: "Office Standard 2019".into(),
            key: MAK.into(),
            key_type: KeyType::Mak,
            activation_limit: Some(limit),
            baseline_used: 0,
        }
    }

    #[test]
    fn key_format() -> Result<()> {
        assert_eq!(normalize_key(" bcdfg-hjkmn-pqrtv-wxy23-46789 ")?, MAK);
        assert_eq!(normalize_key("BCDFGHJKMNPQRTVWXY2346789")?, MAK);
        for bad in [
            "BCDFG-HJKMN-PQRTV-WXY23",
            "BCDFG-HJKMN-PQRTV-WXY23-4678",
            "ACDFG-HJKMN-PQRTV-WXY23-46789",
            "BCDFG-HJKMN-PQRTV-WXY23-46780",
            "BCDFG_HJKMN_PQRTV_WXY23_46789",
        ] {
            let e = normalize_key(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidArgument, "{bad}");
            let msg = e.to_string();
            assert!(msg.contains("product key"), "{msg}");
            assert!(
                !msg.contains("PQRTV-WXY23"),
                "the error must not echo the key: {msg}"
            );
        }
        Ok(())
    }

    #[test]
    fn mak_counts_limit_and_proxy_all_or_nothing() -> Result<()> {
        let mut s = store()?;
        let k = s.add_product_key(&NewProductKey {
            baseline_used: 2,
            ..mak(5)
        })?;
        assert_eq!(
            (
                k.activations_used,
                k.activations_available,
                k.last5.as_str()
            ),
            (2, Some(3), "46789")
        );
        let a = s.activate_key(k.id, "PC-001")?;
        assert_eq!(a.method, ActivationMethod::Independent);
        // A proxy batch of 3 would exceed the 2 left: nothing recorded.
        let e = s
            .proxy_activate(k.id, &["PC-002", "PC-003", "PC-004"])
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::ActivationLimitReached);
        assert!(
            e.to_string().contains("2 of 5 activations available"),
            "{e}"
        );
        assert_eq!(s.key_activations(k.id)?.len(), 1);
        let v = s.proxy_activate(k.id, &["PC-002", "PC-003"])?;
        assert!(v.iter().all(|a| a.method == ActivationMethod::Proxy));
        // A re-image spends another activation; the key is now full.
        let e = s.activate_key(k.id, "PC-001").unwrap_err();
        assert_eq!(e.code(), ErrorCode::ActivationLimitReached);
        let k = s.product_key(k.id)?;
        assert_eq!((k.activations_used, k.activations_available), (5, Some(0)));
        // Bad machine lists write nothing.
        assert!(s.proxy_activate(k.id, &[]).is_err());
        assert!(s.proxy_activate(k.id, &["A", "a"]).is_err());
        assert_eq!(s.key_activations(k.id)?.len(), 3);
        Ok(())
    }

    #[test]
    fn limit_increase_requests_raise_the_limit_when_granted() -> Result<()> {
        let mut s = store()?;
        let k = s.add_product_key(&mak(1))?;
        s.activate_key(k.id, "PC-1")?;
        assert!(s.activate_key(k.id, "PC-2").is_err());
        let r = s.request_limit_increase(k.id, 10, "New branch office")?;
        assert_eq!(
            (r.status, r.key_last5.as_str()),
            (RequestStatus::Pending, "46789")
        );
        assert_eq!(r.licensing_id, "E1");
        let r = s.decide_limit_increase(r.id, true)?;
        assert_eq!(r.status, RequestStatus::Granted);
        assert_eq!(s.product_key(k.id)?.activation_limit, Some(11));
        s.activate_key(k.id, "PC-2")?;
        assert_eq!(
            s.decide_limit_increase(r.id, false).unwrap_err().code(),
            ErrorCode::InvalidState
        );
        let r2 = s.request_limit_increase(k.id, 5, "More")?;
        s.decide_limit_increase(r2.id, false)?;
        assert_eq!(s.product_key(k.id)?.activation_limit, Some(11));
        assert!(s.request_limit_increase(k.id, 0, "x").is_err());
        assert!(s.request_limit_increase(k.id, 3, " ").is_err());
        assert_eq!(s.limit_increase_requests(Some(k.id))?.len(), 2);
        Ok(())
    }

    #[test]
    fn kms_host_rules_and_osa_single_use() -> Result<()> {
        let mut s = store()?;
        let kms = s.add_product_key(&NewProductKey {
            key: KMS.into(),
            key_type: KeyType::Kms,
            activation_limit: None,
            product: "Windows Enterprise 10".into(),
            ..mak(0)
        })?;
        assert_eq!(kms.host_limit, Some(6));
        let hosts: Vec<String> = (1..=6).map(|i| format!("KMS-{i}")).collect();
        let refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
        s.proxy_activate(kms.id, &refs)?;
        let e = s.activate_key(kms.id, "KMS-7").unwrap_err();
        assert_eq!(e.code(), ErrorCode::KmsHostLimitReached);
        for _ in 0..9 {
            s.activate_key(kms.id, "kms-1")?;
        }
        let e = s.activate_key(kms.id, "KMS-1").unwrap_err();
        assert_eq!(e.code(), ErrorCode::KmsHostLimitReached);
        assert!(e.to_string().contains("10 activations"), "{e}");
        assert_eq!(s.product_key(kms.id)?.hosts_used, 6);
        // A granted request allows one more host.
        let r = s.request_limit_increase(kms.id, 1, "DR site")?;
        s.decide_limit_increase(r.id, true)?;
        s.activate_key(kms.id, "KMS-7")?;
        let osa = s.add_product_key(&NewProductKey {
            key: "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4".into(),
            key_type: KeyType::Osa,
            activation_limit: None,
            ..mak(0)
        })?;
        assert!(s.proxy_activate(osa.id, &["A", "B"]).is_err());
        s.activate_key(osa.id, "A")?;
        assert_eq!(
            s.activate_key(osa.id, "B").unwrap_err().code(),
            ErrorCode::ActivationLimitReached
        );
        let setup = s.add_product_key(&NewProductKey {
            key: "NPPR9-FWDCX-D2C8J-H872K-2YT43".into(),
            key_type: KeyType::Setup,
            activation_limit: None,
            ..mak(0)
        })?;
        assert_eq!(
            s.activate_key(setup.id, "A").unwrap_err().code(),
            ErrorCode::InvalidState
        );
        Ok(())
    }

    #[test]
    fn keys_are_secrets_in_results_audit_and_views() -> Result<()> {
        let mut s = store()?;
        let k = s.add_product_key(&mak(3))?;
        assert_eq!(k.masked, "*****-*****-*****-*****-46789");
        let e = s.add_product_key(&mak(3)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AlreadyExists);
        assert!(!e.to_string().contains("HJKMN"));
        let r = s.request_limit_increase(k.id, 1, "x")?;
        s.decide_limit_increase(r.id, true)?;
        s.activate_key(k.id, "PC")?;
        let no_full = |s: &mut Store| -> Result<()> {
            for a in s.audit_entries(None)? {
                let text = format!("{:?} {:?}", a.before, a.after);
                assert!(!text.contains(MAK), "audit row {} holds the key", a.action);
            }
            let rows = s.query("SELECT * FROM product_keys", &crate::Params::None)?;
            assert!(!format!("{:?}", rows.rows).contains("HJKMN"));
            Ok(())
        };
        no_full(&mut s)?;
        let n = s.audit_entries(None)?.len();
        assert_eq!(s.reveal_key(k.id, "re-imaging lab")?, MAK);
        let audit = s.audit_entries(None)?;
        assert_eq!(audit.len(), n + 1);
        let last = audit.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("product_key.reveal", "tester")
        );
        assert!(last.after.as_deref().unwrap().contains("re-imaging lab"));
        no_full(&mut s)?;
        assert_eq!(s.find_product_key("bcdfghjkmnpqrtvwxy2346789")?.id, k.id);
        assert_eq!(
            s.reveal_key(999, "").unwrap_err().code(),
            ErrorCode::NotFound
        );
        Ok(())
    }

    #[test]
    fn key_bad_input_writes_nothing() -> Result<()> {
        let mut s = store()?;
        let n = s.audit_entries(None)?.len();
        for (k, code) in [
            (
                NewProductKey {
                    key: "BCDFG-HJKMN".into(),
                    ..mak(1)
                },
                ErrorCode::InvalidArgument,
            ),
            (
                NewProductKey {
                    licensing_id: "NOPE".into(),
                    ..mak(1)
                },
                ErrorCode::NotFound,
            ),
            (
                NewProductKey {
                    activation_limit: None,
                    ..mak(1)
                },
                ErrorCode::InvalidArgument,
            ),
            (
                NewProductKey {
                    activation_limit: Some(-1),
                    ..mak(1)
                },
                ErrorCode::InvalidArgument,
            ),
            (
                NewProductKey {
                    baseline_used: 2,
                    ..mak(1)
                },
                ErrorCode::InvalidArgument,
            ),
            (
                NewProductKey {
                    key_type: KeyType::Kms,
                    ..mak(1)
                },
                ErrorCode::InvalidArgument,
            ),
        ] {
            assert_eq!(s.add_product_key(&k).unwrap_err().code(), code, "{k:?}");
        }
        assert!(s.product_keys(None)?.is_empty());
        assert_eq!(s.audit_entries(None)?.len(), n);
        assert_eq!(
            s.activate_key(42, "PC").unwrap_err().code(),
            ErrorCode::NotFound
        );
        Ok(())
    }

    /// (key, day, count) rows.
    type Daily = Vec<(i64, String, i64)>;

    /// (key, day, count) from the activation rows, and the triggers' per-day aggregate.
    fn daily(s: &Store) -> Result<(Daily, Daily)> {
        let rows = |sql: &str| -> Result<Daily> {
            let mut st = s.conn().prepare(sql)?;
            let v = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(v)
        };
        Ok((
            rows(
                "SELECT key_id, substr(activated_at, 1, 10), count(*) FROM key_activation \
                 GROUP BY 1, 2 ORDER BY 1, 2",
            )?,
            rows("SELECT key_id, day, n FROM key_activation_daily ORDER BY 1, 2")?,
        ))
    }

    /// Asserts that both aggregates (per day, per key) equal a recount of the activation rows.
    fn assert_aggregates_match(s: &Store) -> Result<()> {
        let (recount, daily) = daily(s)?;
        assert_eq!(daily, recount, "key_activation_daily");
        let mut st = s.conn().prepare(
            "SELECT k.id, k.recorded, (SELECT count(*) FROM key_activation a WHERE a.key_id = k.id) \
             FROM product_key k ORDER BY k.id",
        )?;
        for r in st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (id, recorded, count) = r?;
            assert_eq!(recorded, count, "product_key.recorded of key {id}");
        }
        Ok(())
    }

    #[test]
    fn activation_aggregates_equal_a_recount() -> Result<()> {
        let mut s = store()?;
        let at = |s: &mut Store, t: &str| {
            s.set_clock(crate::Clock::Fixed(
                chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc(),
            ))
        };
        // Keys from a VLSC import (a MAK with a baseline and a KMS key), and one added directly.
        let tsv = "Licensing ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\tMAK Activations-Used/Available\n\
            E1\tEnterprise\tContoso\tOffice Standard 2019\tBCDFG-HJKMN-PQRTV-WXY23-46789\tMAK\t12/88\n\
            E1\tEnterprise\tContoso\tWindows Enterprise 10\tW269N-WFGWX-YVC9B-4J6C9-T83GX\tKMS\t\n";
        s.import_vlsc_keys(tsv.as_bytes(), crate::ImportOptions::new("keys.tsv"))?;
        let m = s.find_product_key(MAK)?;
        let k = s.find_product_key(KMS)?;
        let other = s.add_product_key(&NewProductKey {
            key: "NPPR9-FWDCX-D2C8J-H872K-2YT43".into(),
            ..mak(3)
        })?;
        s.activate_key(m.id, "PC-1")?;
        s.proxy_activate(m.id, &["PC-2", "PC-3", "PC-4"])?;
        s.activate_key(k.id, "KMS-HOST-1")?;
        at(&mut s, "2025-06-02T23:59:59Z");
        s.proxy_activate(m.id, &["PC-5", "PC-6"])?;
        s.activate_key(k.id, "KMS-HOST-1")?;
        s.activate_key(other.id, "PC-9")?;
        // Refused batches record nothing, in either aggregate.
        assert!(s.proxy_activate(other.id, &["A", "B", "C"]).is_err());
        at(&mut s, "2025-06-03T00:00:00Z");
        s.proxy_activate(other.id, &["A", "B"])?;
        // A re-import keeps the recorded activations and takes VLSC's totals as the baseline.
        s.import_vlsc_keys(
            tsv.replace("12/88", "30/70").as_bytes(),
            crate::ImportOptions::new("keys.tsv"),
        )?;
        assert_eq!(s.product_key(m.id)?.activations_used, 30);
        assert_aggregates_match(&s)?;
        let (recount, _) = daily(&s)?;
        assert_eq!(recount.len(), 6, "{recount:?}");
        // No code path changes or removes activations, but if one did, the aggregates follow.
        s.write(|ctx| {
            ctx.tx.execute(
                "UPDATE key_activation SET activated_at = '2025-06-03T10:00:00Z' \
                 WHERE key_id = ?1 AND machine = 'PC-5'",
                [m.id],
            )?;
            ctx.tx.execute(
                "DELETE FROM key_activation WHERE key_id = ?1 AND machine = 'PC-9'",
                [other.id],
            )?;
            ctx.tx.execute(
                "UPDATE key_activation SET key_id = ?1 WHERE machine = 'PC-1'",
                [other.id],
            )?;
            Ok(())
        })?;
        assert_aggregates_match(&s)?;
        Ok(())
    }
}
