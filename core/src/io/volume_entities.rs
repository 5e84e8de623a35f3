//! Canonical CSV of the volume-licensing entities (DOMAIN.md section 3): licensing IDs,
//! products, entitlements, product keys, activations, SA benefits and reservations. Documented
//! entity by entity in `docs/formats.md`.
//!
//! Every import is an upsert by the entity's natural key, and every row goes through the
//! functions the API uses (`volume::insert_lid`, `keys::record_at`, `benefits::use_benefit`,
//! ...), so an import is never a way around a rule: quantities, entitlement kinds, dates, MAK and
//! KMS limits, benefit transitions and usage, reservation windows are checked exactly as for a
//! call. Where the API has no way to change something (a key's limits, a benefit's eligible
//! quantity, a reservation's quantity), an import refuses to change it too.
//!
//! Natural keys:
//! - licensing IDs: `number`; products: `family` + `version` (both case-insensitive);
//! - entitlements: `licensing_id` + `id`, the line's id in the store (order lines have no
//!   identifier of their own; a row without `id` adds a line, a row whose `id` the store lacks
//!   adds the line under that id, so a restore keeps the ids `granted_by` refers to);
//! - keys: the key itself, full or masked (`*****-*****-*****-*****-ABCDE` names the key of that
//!   licensing ID ending in ABCDE);
//! - activations: `licensing_id` + `key` + `machine` + `activated_at`;
//! - benefits: `licensing_id` + `benefit`;
//! - reservations: `licensing_id` + `service` + `sku` + `usage_date` + `submitted_at`.
//!
//! Imports (and the export of full keys) are for the store's owner: a scoped handle is refused
//! (`PermissionDenied`), as the API refuses it adding licensing IDs and products.
//!
//! Keys are secrets: exports write them masked, as every view does ([`Store::export_keys_revealed`]
//! writes full keys and audits each one), and rejected rows never echo a full key.

use std::collections::HashMap;
use std::io::{Read, Write};

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use super::entity::Entity;
use super::{
    row_error, run_import, Column, Format, Header, ImportOptions, ImportReport, Record, Records,
    RowFail, RowOutcome, TableWriter,
};
use crate::error::{Error, Result, RowError};
use crate::query::{Params, RowSink, ValueRef};
use crate::store::{format_ts, Store, WriteCtx};
use crate::validate;
use crate::volume::benefits::{self, BenefitStatus, NewReservation, NewSaBenefit};
use crate::volume::keys::{self, mask_any, ActivationMethod, KeyType, NewProductKey, ProductKey};
use crate::volume::{
    self, EntitlementKind, LicensingId, NewEntitlement, NewLicensingId, NewProduct, Pool, Program,
    ReservationStatus,
};

const fn req(name: &'static str) -> Column {
    Column {
        name,
        required: true,
    }
}

const fn opt(name: &'static str) -> Column {
    Column {
        name,
        required: false,
    }
}

macro_rules! columns {
    ($names:ident, $spec:ident: $($kind:ident($name:literal)),* $(,)?) => {
        /// The canonical columns, in export order.
        pub const $names: &[&str] = &[$($name),*];
        const $spec: &[Column] = &[$($kind($name)),*];
    };
}

columns!(LICENSING_ID_COLUMNS, LID_SPEC:
    req("number"), opt("customer"), opt("program"), opt("parent_program"), opt("mbsa"),
    opt("partner"), opt("start_date"), opt("end_date"));
columns!(PRODUCT_COLUMNS, PRODUCT_SPEC: req("family"), req("version"), opt("pool"));
columns!(ENTITLEMENT_COLUMNS, ENT_SPEC:
    opt("id"), req("licensing_id"), req("family"), req("version"), req("quantity"), req("kind"),
    opt("from_family"), req("order_date"), opt("sa_end"), opt("granted_by"));
columns!(KEY_COLUMNS, KEY_SPEC:
    req("licensing_id"), req("product"), req("key"), req("type"), opt("activation_limit"),
    opt("baseline_used"), opt("host_limit"));
columns!(ACTIVATION_COLUMNS, ACT_SPEC:
    req("licensing_id"), req("key"), req("machine"), opt("activated_at"), opt("method"));
columns!(BENEFIT_COLUMNS, BEN_SPEC:
    req("licensing_id"), req("benefit"), opt("eligible_quantity"), opt("remaining_quantity"),
    opt("status"));
columns!(RESERVATION_COLUMNS, RES_SPEC:
    req("licensing_id"), req("service"), req("sku"), req("quantity"), req("usage_date"),
    opt("submitted_at"), opt("status"));

/// One record read against one entity's columns.
struct Fields<'r, 'a> {
    rec: &'r Record<'a>,
    header: &'r Header,
    spec: &'static [Column],
}

type RowRes<T> = std::result::Result<T, RowFail>;

impl<'r, 'a> Fields<'r, 'a> {
    fn name(&self, ci: usize) -> &'static str {
        self.spec[ci].name
    }

    /// Whether the file has column `ci` (an absent column leaves the stored value alone).
    fn has(&self, ci: usize) -> bool {
        self.header.pos[ci].is_some()
    }

    fn get(&self, ci: usize) -> RowRes<Option<&'r str>> {
        Ok(self.rec.get(self.header, self.spec, ci)?)
    }

    fn require(&self, ci: usize) -> RowRes<&'r str> {
        Ok(self.rec.require(self.header, self.spec, ci)?)
    }

    /// A value a new entity needs and the row lacks (absent column or empty field).
    fn missing(&self, ci: usize, what: &str) -> RowFail {
        self.reject(ci, Some(""), format!("a value is required to add {what}"))
    }

    /// A required field left empty.
    fn blank(&self, ci: usize) -> RowFail {
        self.reject(ci, Some(""), "a value is required")
    }

    fn reject(&self, ci: usize, value: Option<&str>, reason: impl Into<String>) -> RowFail {
        RowFail::Reject(self.rec.error(Some(self.name(ci)), value, reason))
    }

    /// A domain error about column `ci` (whose value was `value`) as a rejected row; errors that
    /// are not about the row stop the import.
    fn fail(&self, ci: usize, value: &str, e: Error) -> RowFail {
        match e {
            Error::Database(_)
            | Error::Io { .. }
            | Error::Busy(_)
            | Error::Interrupted(_)
            | Error::Internal(_) => RowFail::Fatal(e),
            e @ Error::InvalidArgument { .. } => {
                RowFail::Reject(row_error(self.rec, self.name(ci), e))
            }
            other => self.reject(ci, Some(value), other.to_string()),
        }
    }

    /// Like [`Fields::fail`], the column chosen by the `what` of an `InvalidArgument` (the
    /// domain's name of a field) through `map`, else `ci`.
    fn fail_by(&self, map: &[(&str, usize)], ci: usize, e: Error) -> RowFail {
        let col = match &e {
            Error::InvalidArgument { what, .. } => map
                .iter()
                .find(|(w, _)| w.eq_ignore_ascii_case(what))
                .map_or(ci, |(_, c)| *c),
            _ => ci,
        };
        let value = self.get(col).ok().flatten().unwrap_or("").to_string();
        self.fail(col, &value, e)
    }

    fn parse<T>(&self, ci: usize, f: impl FnOnce(&str) -> Result<T>) -> RowRes<Option<T>> {
        match self.get(ci)? {
            None => Ok(None),
            Some(v) => f(v).map(Some).map_err(|e| self.fail(ci, v, e)),
        }
    }

    /// A whole number (any sign: the domain says which are allowed, and says so naming the field).
    fn int(&self, ci: usize) -> RowRes<Option<i64>> {
        match self.get(ci)? {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.reject(ci, Some(v), "must be a whole number such as 25")),
        }
    }

    fn date(&self, ci: usize) -> RowRes<Option<NaiveDate>> {
        self.parse(ci, |v| validate::date(self.name(ci), v))
    }

    /// The value of column `ci` when the file has it, else `stored`.
    fn keep<T>(&self, ci: usize, stored: Option<T>, parsed: Option<T>) -> Option<T> {
        if self.has(ci) {
            parsed
        } else {
            stored
        }
    }
}

fn outcome(changed: bool) -> RowOutcome {
    if changed {
        RowOutcome::Updated
    } else {
        RowOutcome::Unchanged
    }
}

fn licensing_id(f: &Fields<'_, '_>, ctx: &WriteCtx<'_>, ci: usize) -> RowRes<LicensingId> {
    let number = f.require(ci)?;
    volume::find_lid(ctx.tx, number)
        .map_err(|e| f.fail(ci, number, e))?
        .ok_or_else(|| {
            f.reject(
                ci,
                Some(number),
                "no licensing ID with this number in the store",
            )
        })
}

/// Masks the `key` column of a rejected row and of its error: a rejects file or an error message
/// never shows more of a key than its last 5 characters.
fn redact_key(header: &Header, fields: &mut [String], e: &mut RowError, ci: usize) {
    if let Some(p) = header.pos[ci] {
        if let Some(v) = fields.get_mut(p) {
            *v = mask_any(v);
        }
    }
    if e.column.as_deref() == Some("key") {
        e.value = e.value.as_deref().map(mask_any);
    }
}

/// Resolves the `key` column: a full key (any licensing ID; the caller checks it) or a masked one
/// (`*****-*****-*****-*****-ABCDE`, the last 5 characters naming a key of `lid`). `Ok(Err(full))`
/// is a full key the store does not hold.
fn resolve_key(
    f: &Fields<'_, '_>,
    ctx: &WriteCtx<'_>,
    ci: usize,
    lid: &LicensingId,
) -> RowRes<std::result::Result<ProductKey, String>> {
    let raw = f.require(ci)?;
    if raw.starts_with('*') {
        let last5 = raw
            .rsplit('-')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase();
        let masked_ok = raw.len() == 29
            && raw[..24].chars().all(|c| c == '*' || c == '-')
            && last5.len() == 5
            && last5.chars().all(|c| keys::KEY_ALPHABET.contains(c));
        if !masked_ok {
            return Err(f.reject(
                ci,
                Some(raw),
                "a masked key is *****-*****-*****-*****- and the key's last 5 characters",
            ));
        }
        let found =
            keys::find_keys_by_last5(ctx.tx, lid.id, &last5).map_err(|e| f.fail(ci, raw, e))?;
        return match found.len() {
            1 => Ok(Ok(found.into_iter().next().expect("one"))),
            0 => Err(f.reject(
                ci,
                Some(raw),
                format!(
                    "licensing ID {} has no key ending in {last5}; a masked key names a key the \
                     store holds (give the full key to add one)",
                    lid.number
                ),
            )),
            n => Err(f.reject(
                ci,
                Some(raw),
                format!(
                    "licensing ID {} has {n} keys ending in {last5}; give the full key",
                    lid.number
                ),
            )),
        };
    }
    let key = keys::normalize_key(raw).map_err(|e| f.fail(ci, raw, e))?;
    match keys::find_key_by_value(ctx.tx, &key).map_err(|e| f.fail(ci, raw, e))? {
        Some(k) if k.licensing_id != lid.number => Err(f.reject(
            ci,
            Some(&k.masked),
            format!(
                "the store has this key under licensing ID {}",
                k.licensing_id
            ),
        )),
        Some(k) => Ok(Ok(k)),
        None => Ok(Err(key)),
    }
}

impl Store {
    // -----------------------------------------------------------------------------------------
    // Licensing IDs

    /// Imports licensing IDs (upsert by `number`): a new number needs `customer` (an existing
    /// customer) and `program`; a known one updates program, parent program, MBSA, partner and
    /// dates (the columns the file has), never its customer.
    pub fn import_licensing_ids(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import licensing IDs")?;
        const NUMBER: usize = 0;
        const CUSTOMER: usize = 1;
        const PROGRAM: usize = 2;
        const PARENT: usize = 3;
        const MBSA: usize = 4;
        const PARTNER: usize = 5;
        const START: usize = 6;
        const END: usize = 7;
        const WHAT: &[(&str, usize)] = &[
            ("licensing ID", NUMBER),
            ("parent program", PARENT),
            ("MBSA", MBSA),
            ("partner", PARTNER),
            ("end date", END),
        ];
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, LID_SPEC)?;
        run_import(self, records, header, opts, None, |ctx, header, rec| {
            let f = Fields {
                rec,
                header,
                spec: LID_SPEC,
            };
            let number = f.require(NUMBER)?;
            let program = f.parse(PROGRAM, str::parse::<Program>)?;
            let text = |ci: usize| -> RowRes<Option<String>> { Ok(f.get(ci)?.map(String::from)) };
            let (start, end) = (f.date(START)?, f.date(END)?);
            let existing =
                volume::find_lid(ctx.tx, number).map_err(|e| f.fail(NUMBER, number, e))?;
            match existing {
                None => {
                    let customer = f
                        .get(CUSTOMER)?
                        .ok_or_else(|| f.missing(CUSTOMER, "a licensing ID"))?;
                    let program = program.ok_or_else(|| f.missing(PROGRAM, "a licensing ID"))?;
                    let n = NewLicensingId {
                        number: number.to_string(),
                        customer: customer.to_string(),
                        program,
                        parent_program: text(PARENT)?,
                        mbsa: text(MBSA)?,
                        partner: text(PARTNER)?,
                        start_date: start,
                        end_date: end,
                    };
                    volume::insert_lid(ctx, &n).map_err(|e| match e {
                        Error::NotFound {
                            entity: "customer", ..
                        } => f.fail(CUSTOMER, customer, e),
                        e => f.fail_by(WHAT, NUMBER, e),
                    })?;
                    Ok(RowOutcome::Inserted)
                }
                Some(l) => {
                    if let Some(c) = f.get(CUSTOMER)? {
                        if !c.eq_ignore_ascii_case(&l.customer) {
                            return Err(f.reject(
                                CUSTOMER,
                                Some(c),
                                format!(
                                    "licensing ID {} belongs to {}; an import does not move a \
                                     licensing ID to another customer",
                                    l.number, l.customer
                                ),
                            ));
                        }
                    }
                    if f.has(PROGRAM) && program.is_none() {
                        return Err(f.blank(PROGRAM));
                    }
                    let n = NewLicensingId {
                        number: l.number.clone(),
                        customer: l.customer.clone(),
                        program: program.unwrap_or(l.program),
                        parent_program: f.keep(PARENT, l.parent_program.clone(), text(PARENT)?),
                        mbsa: f.keep(MBSA, l.mbsa.clone(), text(MBSA)?),
                        partner: f.keep(PARTNER, l.partner.clone(), text(PARTNER)?),
                        start_date: f.keep(START, l.start_date, start),
                        end_date: f.keep(END, l.end_date, end),
                    };
                    let (_, changed) =
                        volume::update_lid(ctx, &l, &n).map_err(|e| f.fail_by(WHAT, NUMBER, e))?;
                    Ok(outcome(changed))
                }
            }
        })
    }

    /// Exports licensing IDs in [`LICENSING_ID_COLUMNS`], by number.
    pub fn export_licensing_ids(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns("licensing_ids", LICENSING_ID_COLUMNS, "number", format, out)
    }

    // -----------------------------------------------------------------------------------------
    // Products

    /// Imports products (upsert by `family` + `version`): a new product needs its `pool`; a known
    /// one moves to the pool given.
    pub fn import_products(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import products")?;
        const FAMILY: usize = 0;
        const VERSION: usize = 1;
        const POOL: usize = 2;
        const WHAT: &[(&str, usize)] = &[("product family", FAMILY), ("product version", VERSION)];
        let (records, header) =
            Records::open(input, &opts.file_name, opts.delimiter, PRODUCT_SPEC)?;
        run_import(self, records, header, opts, None, |ctx, header, rec| {
            let f = Fields {
                rec,
                header,
                spec: PRODUCT_SPEC,
            };
            let family = f.require(FAMILY)?;
            let version = f.require(VERSION)?;
            let pool = f.parse(POOL, str::parse::<Pool>)?;
            if f.has(POOL) && pool.is_none() {
                return Err(f.blank(POOL));
            }
            match volume::find_product(ctx.tx, family, version)
                .map_err(|e| f.fail(FAMILY, family, e))?
            {
                None => {
                    let pool = pool.ok_or_else(|| f.missing(POOL, "a product"))?;
                    let p = NewProduct {
                        family: family.to_string(),
                        version: version.to_string(),
                        pool,
                    };
                    volume::insert_product(ctx, &p).map_err(|e| f.fail_by(WHAT, FAMILY, e))?;
                    Ok(RowOutcome::Inserted)
                }
                Some(p) => match pool {
                    Some(pool) => {
                        let changed = volume::set_product_pool(ctx, &p, pool)
                            .map_err(|e| f.fail(POOL, pool.as_str(), e))?;
                        Ok(outcome(changed))
                    }
                    None => Ok(RowOutcome::Unchanged),
                },
            }
        })
    }

    /// Exports products in [`PRODUCT_COLUMNS`], by family and version.
    pub fn export_products(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns("products", PRODUCT_COLUMNS, "family, version", format, out)
    }

    // -----------------------------------------------------------------------------------------
    // Entitlements

    /// Imports entitlements (order lines), upsert by `licensing_id` + `id`: a row without `id`
    /// adds a line; a row whose `id` the store lacks adds the line under that id; a row naming a
    /// line of the store updates its quantity, order date, SA end and `granted_by` (its licensing
    /// ID, product, kind and from family do not change). Every rule of
    /// [`Store::add_entitlement`] applies.
    pub fn import_entitlements(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import entitlements")?;
        const ID: usize = 0;
        const LID: usize = 1;
        const FAMILY: usize = 2;
        const VERSION: usize = 3;
        const QUANTITY: usize = 4;
        const KIND: usize = 5;
        const FROM: usize = 6;
        const ORDER: usize = 7;
        const SA_END: usize = 8;
        const GRANTED_BY: usize = 9;
        const WHAT: &[(&str, usize)] = &[
            ("entitlement id", ID),
            ("licensing ID", LID),
            ("family", FAMILY),
            ("version", VERSION),
            ("quantity", QUANTITY),
            ("kind", KIND),
            ("from family", FROM),
            ("sa end", SA_END),
            ("granted by", GRANTED_BY),
        ];
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, ENT_SPEC)?;
        run_import(self, records, header, opts, None, |ctx, header, rec| {
            let f = Fields {
                rec,
                header,
                spec: ENT_SPEC,
            };
            let id = f.int(ID)?;
            let lid = licensing_id(&f, ctx, LID)?;
            let family = f.require(FAMILY)?;
            let version = f.require(VERSION)?;
            let quantity = f.int(QUANTITY)?.ok_or_else(|| f.blank(QUANTITY))?;
            let kind = f
                .parse(KIND, str::parse::<EntitlementKind>)?
                .ok_or_else(|| f.blank(KIND))?;
            let order_date = f.date(ORDER)?.ok_or_else(|| f.blank(ORDER))?;
            let existing = match id {
                Some(id) => volume::find_entitlement(ctx.tx, id)
                    .map_err(|e| f.fail(ID, &id.to_string(), e))?,
                None => None,
            };
            let mut n = NewEntitlement {
                licensing_id: lid.number.clone(),
                family: family.to_string(),
                version: version.to_string(),
                quantity,
                kind,
                from_family: f.get(FROM)?.map(String::from),
                order_date,
                sa_end: f.date(SA_END)?,
                granted_by: f.int(GRANTED_BY)?,
            };
            match existing {
                None => {
                    volume::insert_entitlement_with_id(ctx, &n, id).map_err(|e| match e {
                        Error::AlreadyExists { .. } => f.fail(ID, &id.unwrap_or(0).to_string(), e),
                        Error::NotFound {
                            entity: "product", ..
                        } => f.reject(
                            VERSION,
                            Some(version),
                            format!("no product {family} {version} in the store"),
                        ),
                        Error::NotFound { .. } => {
                            f.fail(FROM, n.from_family.as_deref().unwrap_or(""), e)
                        }
                        e => f.fail_by(WHAT, QUANTITY, e),
                    })?;
                    Ok(RowOutcome::Inserted)
                }
                Some(before) => {
                    if !f.has(FROM) {
                        n.from_family = before.from_family.clone();
                    }
                    n.sa_end = f.keep(SA_END, before.sa_end, n.sa_end);
                    n.granted_by = f.keep(GRANTED_BY, before.granted_by, n.granted_by);
                    let (_, changed) =
                        volume::update_entitlement(ctx, &before, &n).map_err(|e| match e {
                            Error::NotFound { .. } => {
                                f.fail(FROM, n.from_family.as_deref().unwrap_or(""), e)
                            }
                            e => f.fail_by(WHAT, QUANTITY, e),
                        })?;
                    Ok(outcome(changed))
                }
            }
        })
    }

    /// Exports entitlements in [`ENTITLEMENT_COLUMNS`], by id.
    pub fn export_entitlements(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns("entitlements", ENTITLEMENT_COLUMNS, "id", format, out)
    }

    // -----------------------------------------------------------------------------------------
    // Product keys

    /// Imports product keys (upsert by the key). A full key the store lacks is added with every
    /// rule of [`Store::add_product_key`] (and `host_limit` for a KMS key whose limit was
    /// increased). A key the store holds, full or masked, may get a new product name; its
    /// licensing ID, type and limits do not change by import (limits change through limit-increase
    /// requests or a VLSC download), so a row that differs there is refused.
    pub fn import_product_keys(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import product keys")?;
        const LID: usize = 0;
        const PRODUCT: usize = 1;
        const KEY: usize = 2;
        const TYPE: usize = 3;
        const LIMIT: usize = 4;
        const BASELINE: usize = 5;
        const HOSTS: usize = 6;
        const WHAT: &[(&str, usize)] = &[
            ("product key", KEY),
            ("product", PRODUCT),
            ("activation limit", LIMIT),
            ("activations used", BASELINE),
            ("host limit", HOSTS),
        ];
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, KEY_SPEC)?;
        let redact =
            |h: &Header, fields: &mut Vec<String>, e: &mut RowError| redact_key(h, fields, e, KEY);
        run_import(
            self,
            records,
            header,
            opts,
            Some(&redact),
            |ctx, header, rec| {
                let f = Fields {
                    rec,
                    header,
                    spec: KEY_SPEC,
                };
                let lid = licensing_id(&f, ctx, LID)?;
                let product = f.require(PRODUCT)?;
                let key_type = f
                    .parse(TYPE, str::parse::<KeyType>)?
                    .ok_or_else(|| f.blank(TYPE))?;
                let limit = f.int(LIMIT)?;
                let baseline = f.int(BASELINE)?;
                let hosts = f.int(HOSTS)?;
                match resolve_key(&f, ctx, KEY, &lid)? {
                    Err(full) => {
                        let n = NewProductKey {
                            licensing_id: lid.number.clone(),
                            product: product.to_string(),
                            key: full,
                            key_type,
                            activation_limit: limit,
                            baseline_used: baseline.unwrap_or(0),
                        };
                        keys::insert_key_with(ctx, &n, hosts)
                            .map_err(|e| f.fail_by(WHAT, KEY, e))?;
                        Ok(RowOutcome::Inserted)
                    }
                    Ok(k) => {
                        if k.key_type != key_type {
                            return Err(f.reject(
                            TYPE,
                            Some(key_type.as_str()),
                            format!("the store has key {} as a {} key; a key's type does not change", k.masked, k.key_type),
                        ));
                        }
                        let stored_baseline: i64 = ctx.tx.query_row(
                            "SELECT baseline_used FROM product_key WHERE id = ?1",
                            [k.id],
                            |r| r.get(0),
                        )?;
                        let limits = [
                            (LIMIT, limit, k.activation_limit),
                            (BASELINE, baseline, Some(stored_baseline)),
                            (HOSTS, hosts, k.host_limit),
                        ];
                        for (ci, given, stored) in limits {
                            if f.has(ci) && given.or(Some(0)) != stored.or(Some(0)) {
                                return Err(f.reject(
                                ci,
                                Some(&given.map(|v| v.to_string()).unwrap_or_default()),
                                format!(
                                    "key {} has {} {}; the limits of a key the store holds change \
                                     through a limit-increase request or a VLSC download, not an import",
                                    k.masked,
                                    f.name(ci),
                                    stored.map_or_else(|| "none".to_string(), |v| v.to_string())
                                ),
                            ));
                            }
                        }
                        let changed = keys::set_key_product(ctx, &k, product)
                            .map_err(|e| f.fail(PRODUCT, product, e))?;
                        Ok(outcome(changed))
                    }
                }
            },
        )
    }

    /// Exports product keys in [`KEY_COLUMNS`], keys **masked** as in the `product_keys` view
    /// (`*****-*****-*****-*****-` and the last 5 characters), by licensing ID, product and key.
    /// Re-importing such a file into the same store finds every key by its licensing ID and last
    /// 5 characters; it cannot add keys to another store: for that, see
    /// [`Store::export_keys_revealed`].
    pub fn export_product_keys(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns(
            "product_keys",
            KEY_COLUMNS,
            "licensing_id, product, last5, id",
            format,
            out,
        )
    }

    /// Exports product keys in [`KEY_COLUMNS`] with the **full** keys, in the order of
    /// [`Store::export_product_keys`]; each key written is audited as `product_key.reveal` with
    /// `reason`, in the same transaction (an export that fails leaves no reveal rows). The file
    /// imports into another store as it is.
    pub fn export_keys_revealed(
        &mut self,
        format: Format,
        out: &mut dyn Write,
        reason: &str,
    ) -> Result<u64> {
        self.require_owner("export full product keys")?;
        let reason = reason.trim().to_string();
        self.write(|ctx| {
            let mut w = TableWriter::new(out, format);
            let names: Vec<String> = KEY_COLUMNS.iter().map(|c| c.to_string()).collect();
            w.columns(&names, &vec![None; names.len()])?;
            let mut st = ctx.tx.prepare(
                "SELECT k.id, l.number, k.product_name, k.key_value, k.type, k.activation_limit, \
                 k.baseline_used, k.host_limit, k.last5 \
                 FROM product_key k JOIN licensing_id l ON l.id = k.licensing_id_id \
                 ORDER BY l.number, k.product_name, k.last5, k.id",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let text = |i: usize| -> Result<String> { Ok(r.get::<_, String>(i)?) };
                let int = |i: usize| -> Result<ValueRef<'static>> {
                    Ok(r.get::<_, Option<i64>>(i)?
                        .map_or(ValueRef::Null, ValueRef::Integer))
                };
                let (number, product, key, ty) = (text(1)?, text(2)?, text(3)?, text(4)?);
                w.row(&[
                    ValueRef::Text(&number),
                    ValueRef::Text(&product),
                    ValueRef::Text(&key),
                    ValueRef::Text(&ty),
                    int(5)?,
                    int(6)?,
                    int(7)?,
                ])?;
                let last5 = text(8)?;
                ctx.audit(
                    "product_key.reveal",
                    "product_key",
                    &id.to_string(),
                    None,
                    Some(&serde_json::json!({
                        "key": keys::mask_key(&last5),
                        "reason": reason,
                        "via": "export",
                    })),
                )?;
            }
            let n = w.rows();
            w.finish()?;
            Ok(n)
        })
    }

    // -----------------------------------------------------------------------------------------
    // Activations

    /// Imports activation records (upsert by `licensing_id` + `key` + `machine` +
    /// `activated_at`). A record the store lacks is recorded with every rule of
    /// [`Store::activate_key`] (MAK limit, OSA single use, KMS hosts, no VLK or Setup
    /// activations), at `activated_at` (not in the future; empty: now) and by `method`
    /// (empty: Independent). A record the store holds is unchanged; records never change.
    pub fn import_activations(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import activations")?;
        const LID: usize = 0;
        const KEY: usize = 1;
        const MACHINE: usize = 2;
        const AT: usize = 3;
        const METHOD: usize = 4;
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, ACT_SPEC)?;
        let redact =
            |h: &Header, fields: &mut Vec<String>, e: &mut RowError| redact_key(h, fields, e, KEY);
        // Keys named in the file, by (licensing ID, key as written): one lookup per distinct key.
        let mut key_ids: HashMap<(String, String), (i64, String)> = HashMap::new();
        run_import(
            self,
            records,
            header,
            opts,
            Some(&redact),
            |ctx, header, rec| {
                let f = Fields {
                    rec,
                    header,
                    spec: ACT_SPEC,
                };
                let number = f.require(LID)?;
                let raw_key = f.require(KEY)?;
                let cache_key = (number.to_ascii_lowercase(), raw_key.to_ascii_uppercase());
                let (key_id, masked) = match key_ids.get(&cache_key) {
                    Some(k) => k.clone(),
                    None => {
                        let lid = licensing_id(&f, ctx, LID)?;
                        let k = match resolve_key(&f, ctx, KEY, &lid)? {
                            Ok(k) => k,
                            Err(full) => {
                                return Err(f.reject(
                                    KEY,
                                    Some(&mask_any(&full)),
                                    "no such key in the store (import the keys first)",
                                ))
                            }
                        };
                        key_ids.insert(cache_key, (k.id, k.masked.clone()));
                        (k.id, k.masked)
                    }
                };
                let machine_raw = f.require(MACHINE)?;
                let machine = keys::validate_machines(&[machine_raw])
                    .map_err(|e| f.fail(MACHINE, machine_raw, e))?
                    .remove(0);
                let at = match f.parse(AT, |v| validate::instant("activated at", v))? {
                    Some(t) => format_ts(t),
                    None => ctx.now.clone(),
                };
                let method = f
                    .parse(METHOD, str::parse::<ActivationMethod>)?
                    .unwrap_or(ActivationMethod::Independent);
                let stored: Option<ActivationMethod> = ctx
                    .tx
                    .prepare_cached(
                        "SELECT method FROM key_activation WHERE key_id = ?1 AND machine = ?2 \
                     AND activated_at = ?3 LIMIT 1",
                    )?
                    .query_row(params![key_id, machine, at], |r| r.get(0))
                    .optional()?;
                match stored {
                Some(m) if m == method => Ok(RowOutcome::Unchanged),
                Some(m) => Err(f.reject(
                    METHOD,
                    Some(method.as_str()),
                    format!("the store has this activation as {m}; activation records do not change"),
                )),
                None => {
                    keys::record_at(ctx, key_id, &[machine], method, &at).map_err(|e| match e {
                        Error::InvalidArgument { .. } => f.fail(AT, &at, e),
                        e => f.fail(KEY, &masked, e),
                    })?;
                    Ok(RowOutcome::Inserted)
                }
            }
            },
        )
    }

    /// Exports activation records in [`ACTIVATION_COLUMNS`] (keys masked), by licensing ID, key
    /// and time.
    pub fn export_activations(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns(
            "key_activations",
            ACTIVATION_COLUMNS,
            "licensing_id, key, activated_at, id",
            format,
            out,
        )
    }

    // -----------------------------------------------------------------------------------------
    // SA benefits

    /// Imports Software Assurance benefits (upsert by `licensing_id` + `benefit`). A new benefit
    /// needs `eligible_quantity` and `status` (`remaining_quantity` defaults to all). For a known
    /// one the row says where it stands now: a lower `remaining_quantity` is a use (only of an
    /// Activated benefit, never below zero), a different `status` a transition (only those the
    /// API allows); units are never given back and the eligible quantity does not change.
    pub fn import_sa_benefits(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import SA benefits")?;
        const LID: usize = 0;
        const BENEFIT: usize = 1;
        const ELIGIBLE: usize = 2;
        const REMAINING: usize = 3;
        const STATUS: usize = 4;
        const WHAT: &[(&str, usize)] = &[
            ("benefit", BENEFIT),
            ("eligible quantity", ELIGIBLE),
            ("remaining quantity", REMAINING),
        ];
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, BEN_SPEC)?;
        run_import(self, records, header, opts, None, |ctx, header, rec| {
            let f = Fields {
                rec,
                header,
                spec: BEN_SPEC,
            };
            let lid = licensing_id(&f, ctx, LID)?;
            let name = f.require(BENEFIT)?;
            let eligible = f.int(ELIGIBLE)?;
            let remaining = f.int(REMAINING)?;
            let status = f.parse(STATUS, str::parse::<BenefitStatus>)?;
            for (ci, v) in [(ELIGIBLE, eligible), (REMAINING, remaining)] {
                if let Some(v) = v.filter(|v| *v < 0) {
                    return Err(f.reject(ci, Some(&v.to_string()), "must not be negative"));
                }
            }
            let existing = benefits::find_benefit(ctx.tx, lid.id, name)
                .map_err(|e| f.fail(BENEFIT, name, e))?;
            let Some(b) = existing else {
                let eligible = eligible.ok_or_else(|| f.missing(ELIGIBLE, "a benefit"))?;
                let status = status.ok_or_else(|| f.missing(STATUS, "a benefit"))?;
                let n = NewSaBenefit {
                    licensing_id: lid.number.clone(),
                    benefit: name.to_string(),
                    eligible_quantity: eligible,
                    status,
                };
                benefits::insert_benefit(ctx, &n, remaining)
                    .map_err(|e| f.fail_by(WHAT, BENEFIT, e))?;
                return Ok(RowOutcome::Inserted);
            };
            if let Some(e) = eligible.filter(|e| *e != b.eligible_quantity) {
                return Err(f.reject(
                    ELIGIBLE,
                    Some(&e.to_string()),
                    format!(
                        "{} of {} is eligible for {}; an import does not change the eligible quantity",
                        b.benefit, b.licensing_id, b.eligible_quantity
                    ),
                ));
            }
            let target = status.unwrap_or(b.status);
            let remaining = remaining.unwrap_or(b.remaining_quantity);
            if remaining > b.remaining_quantity {
                return Err(f.reject(
                    REMAINING,
                    Some(&remaining.to_string()),
                    format!(
                        "{} of {} has {} remaining; used units are not given back",
                        b.benefit, b.licensing_id, b.remaining_quantity
                    ),
                ));
            }
            let used = b.remaining_quantity - remaining;
            let to = |ctx: &WriteCtx<'_>, s: BenefitStatus| {
                benefits::set_benefit_status(ctx, b.id, s)
                    .map_err(|e| f.fail(STATUS, s.as_str(), e))
            };
            let spend = |ctx: &WriteCtx<'_>| {
                benefits::use_benefit(ctx, b.id, used)
                    .map_err(|e| f.fail(REMAINING, &remaining.to_string(), e))
            };
            if used > 0 {
                // Activation comes before a use, a hold or expiry after it.
                if target == BenefitStatus::Activated && b.status != BenefitStatus::Activated {
                    to(ctx, target)?;
                    spend(ctx)?;
                } else {
                    spend(ctx)?;
                    if target != BenefitStatus::Activated {
                        to(ctx, target)?;
                    }
                }
                Ok(RowOutcome::Updated)
            } else if target != b.status {
                to(ctx, target)?;
                Ok(RowOutcome::Updated)
            } else {
                Ok(RowOutcome::Unchanged)
            }
        })
    }

    /// Exports SA benefits in [`BENEFIT_COLUMNS`], by licensing ID and benefit.
    pub fn export_sa_benefits(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns(
            "sa_benefits",
            BENEFIT_COLUMNS,
            "licensing_id, benefit",
            format,
            out,
        )
    }

    // -----------------------------------------------------------------------------------------
    // Reservations

    /// Imports reservations. A row without `submitted_at` submits a new reservation now, with
    /// every rule of [`Store::submit_reservation`] (Enterprise programs, 6-month horizon,
    /// enrollment end). A row with `submitted_at` names a reservation the store holds (by
    /// `licensing_id`, `service`, `sku`, `usage_date` and `submitted_at`): it is unchanged, or
    /// `status` Cancelled cancels it under [`Store::cancel_reservation`]'s rule (within 72 hours).
    /// No row backdates a submission, changes a quantity or reopens a reservation.
    pub fn import_reservations(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        self.require_owner("import reservations")?;
        const LID: usize = 0;
        const SERVICE: usize = 1;
        const SKU: usize = 2;
        const QUANTITY: usize = 3;
        const USAGE: usize = 4;
        const SUBMITTED: usize = 5;
        const STATUS: usize = 6;
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, RES_SPEC)?;
        run_import(self, records, header, opts, None, |ctx, header, rec| {
            let f = Fields {
                rec,
                header,
                spec: RES_SPEC,
            };
            let lid = licensing_id(&f, ctx, LID)?;
            let service = f.require(SERVICE)?;
            let sku = f.require(SKU)?;
            let quantity = f.int(QUANTITY)?.ok_or_else(|| f.blank(QUANTITY))?;
            let usage_date = f.date(USAGE)?.ok_or_else(|| f.blank(USAGE))?;
            let status = f.parse(STATUS, str::parse::<ReservationStatus>)?;
            let submitted = f.parse(SUBMITTED, |v| validate::instant("submitted at", v))?;
            let Some(submitted) = submitted else {
                if let Some(s) = status.filter(|s| *s != ReservationStatus::Submitted) {
                    return Err(f.reject(
                        STATUS,
                        Some(s.as_str()),
                        "a row without submitted_at submits a new reservation, which starts Submitted",
                    ));
                }
                let n = NewReservation {
                    licensing_id: lid.number.clone(),
                    service: service.to_string(),
                    sku: sku.to_string(),
                    quantity,
                    usage_date,
                };
                benefits::submit_reservation_in(ctx, &n).map_err(|e| match e {
                    Error::InvalidArgument { ref what, .. } if what == "quantity" => {
                        f.fail(QUANTITY, &quantity.to_string(), e)
                    }
                    Error::InvalidArgument { ref what, .. } if what == "service" => {
                        f.fail(SERVICE, service, e)
                    }
                    Error::InvalidArgument { .. } => f.fail(SKU, sku, e),
                    Error::Violation(ref v) if v.message.starts_with("usage date") => {
                        f.fail(USAGE, &volume::fmt_date(usage_date), e)
                    }
                    e => f.fail(LID, &lid.number, e),
                })?;
                return Ok(RowOutcome::Inserted);
            };
            let at = format_ts(submitted);
            let Some(r) = benefits::find_reservation(ctx, lid.id, service, sku, usage_date, &at)
                .map_err(|e| f.fail(SUBMITTED, &at, e))?
            else {
                return Err(f.reject(
                    SUBMITTED,
                    Some(&at),
                    format!(
                        "licensing ID {} has no reservation of {service} ({sku}) for {} submitted \
                         at this instant; leave submitted_at empty to submit a new reservation",
                        lid.number,
                        volume::fmt_date(usage_date)
                    ),
                ));
            };
            if quantity != r.quantity {
                return Err(f.reject(
                    QUANTITY,
                    Some(&quantity.to_string()),
                    format!(
                        "reservation {} is for {}; a reservation's quantity does not change \
                         (cancel it and submit another)",
                        r.id, r.quantity
                    ),
                ));
            }
            use ReservationStatus::*;
            match (r.status, status.unwrap_or(r.status)) {
                (a, b) if a == b => Ok(RowOutcome::Unchanged),
                // Committed is Submitted plus 72 hours: a file written before that is not a change.
                (Committed, Submitted) => Ok(RowOutcome::Unchanged),
                (_, Cancelled) => {
                    benefits::cancel_reservation_in(ctx, r.id)
                        .map_err(|e| f.fail(STATUS, Cancelled.as_str(), e))?;
                    Ok(RowOutcome::Updated)
                }
                (Submitted, Committed) => Err(f.reject(
                    STATUS,
                    Some(Committed.as_str()),
                    format!(
                        "reservation {} commits at {} (72 hours after submission), not earlier",
                        r.id, r.cancellable_until
                    ),
                )),
                (from, to) => Err(f.reject(
                    STATUS,
                    Some(to.as_str()),
                    format!("reservation {} is {from}; it cannot become {to}", r.id),
                )),
            }
        })
    }

    /// Exports reservations in [`RESERVATION_COLUMNS`] (status as of the store's clock), by
    /// licensing ID and submission.
    pub fn export_reservations(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_columns(
            "reservations",
            RESERVATION_COLUMNS,
            "licensing_id, submitted_at, service, sku, usage_date, id",
            format,
            out,
        )
    }

    /// `SELECT <columns> FROM <view> ORDER BY <order>` through the query channel.
    fn export_columns(
        &mut self,
        view: &str,
        columns: &[&str],
        order: &str,
        format: Format,
        out: &mut dyn Write,
    ) -> Result<u64> {
        self.export_query(
            &format!("SELECT {} FROM {view} ORDER BY {order}", columns.join(", ")),
            &Params::None,
            format,
            out,
        )
    }
}

impl Store {
    /// [`Store::import_entity`] for the volume-licensing entities.
    pub(crate) fn import_volume_entity(
        &mut self,
        entity: Entity,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        match entity {
            Entity::LicensingIds => self.import_licensing_ids(input, opts),
            Entity::Products => self.import_products(input, opts),
            Entity::Entitlements => self.import_entitlements(input, opts),
            Entity::Keys => self.import_product_keys(input, opts),
            Entity::Activations => self.import_activations(input, opts),
            Entity::Benefits => self.import_sa_benefits(input, opts),
            Entity::Reservations => self.import_reservations(input, opts),
            other => Err(Error::Internal(format!(
                "{other} is not a volume-licensing entity"
            ))),
        }
    }

    /// [`Store::export_entity`] for the volume-licensing entities.
    pub(crate) fn export_volume_entity(
        &mut self,
        entity: Entity,
        format: Format,
        out: &mut dyn Write,
    ) -> Result<u64> {
        match entity {
            Entity::LicensingIds => self.export_licensing_ids(format, out),
            Entity::Products => self.export_products(format, out),
            Entity::Entitlements => self.export_entitlements(format, out),
            Entity::Keys => self.export_product_keys(format, out),
            Entity::Activations => self.export_activations(format, out),
            Entity::Benefits => self.export_sa_benefits(format, out),
            Entity::Reservations => self.export_reservations(format, out),
            other => Err(Error::Internal(format!(
                "{other} is not a volume-licensing entity"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::io::ImportMode;
    use crate::volume::keys::tests::{KMS, MAK};
    use crate::volume::tests::{d, line, store};
    use crate::{Clock, NewCustomer};

    /// A third valid key value (OSA).
    const OSA: &str = "CDFGH-JKMNP-QRTVW-XY234-6789B";

    const ORDER: &[Entity] = &[
        Entity::LicensingIds,
        Entity::Products,
        Entity::Entitlements,
        Entity::Keys,
        Entity::Activations,
        Entity::Benefits,
        Entity::Reservations,
    ];

    fn at(s: &mut Store, t: &str) {
        s.set_clock(Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc(),
        ));
    }

    fn export(s: &mut Store, e: Entity) -> Result<String> {
        let mut out = Vec::new();
        s.export_entity(e, Format::Csv, &mut out)?;
        Ok(String::from_utf8(out).expect("UTF-8"))
    }

    fn import(s: &mut Store, e: Entity, text: &str) -> Result<ImportReport> {
        s.import_entity(
            e,
            text.as_bytes(),
            ImportOptions::new(format!("{}.csv", e.name())),
        )
    }

    fn skip_invalid(s: &mut Store, e: Entity, text: &str) -> Result<ImportReport> {
        let mut opts = ImportOptions::new(format!("{}.csv", e.name()));
        opts.mode = ImportMode::SkipInvalid;
        s.import_entity(e, text.as_bytes(), opts)
    }

    /// Everything an import could touch, to check that a refused import changed nothing.
    fn snapshot(s: &mut Store) -> Result<(Vec<String>, usize)> {
        let mut v = Vec::new();
        for e in ORDER {
            v.push(export(s, *e)?);
        }
        Ok((v, s.audit_entries(None)?.len()))
    }

    /// The first rejected row of a refused all-or-nothing import.
    fn first_error(e: &Error) -> RowError {
        assert_eq!(e.code(), ErrorCode::CsvError, "{e}");
        e.csv_errors().expect("CSV errors").first().clone()
    }

    /// A store holding every volume entity in most of its states (clock 2025-06-01T12:00:00Z):
    /// lines of every kind with a grant, a step-up and SA; a MAK with a baseline and
    /// activations, a KMS key with a granted host increase, an OSA key; benefits used,
    /// untouched and expired; a committed, a cancelled and a submitted reservation.
    fn source() -> Result<Store> {
        use EntitlementKind::*;
        let mut s = store()?;
        let base = s.add_entitlement(&line(
            "E1",
            "Office Standard",
            "2016",
            10,
            Full,
            "2024-02-01",
        ))?;
        s.add_entitlement(&NewEntitlement {
            granted_by: Some(base.id),
            ..line("E1", "Office Standard", "2016", 2, Grant, "2024-02-02")
        })?;
        s.add_entitlement(&line(
            "E1",
            "Office Standard",
            "2019",
            4,
            Upgrade,
            "2024-03-01",
        ))?;
        s.add_entitlement(&NewEntitlement {
            sa_end: Some(d("2026-06-30")),
            ..line(
                "E1",
                "Office Standard",
                "2021",
                6,
                LicenseAndSa,
                "2024-03-01",
            )
        })?;
        s.add_entitlement(&NewEntitlement {
            from_family: Some("Office Standard".into()),
            ..line(
                "E1",
                "Office Professional Plus",
                "2021",
                3,
                StepUp,
                "2024-04-01",
            )
        })?;
        s.add_entitlement(&line(
            "OV1",
            "Windows Enterprise",
            "10",
            25,
            LicenseAndSa,
            "2023-02-01",
        ))?;

        at(&mut s, "2025-05-20T09:00:00Z");
        let mak = s.add_product_key(&NewProductKey {
            baseline_used: 3,
            ..keys::tests::mak(10)
        })?;
        let kms = s.add_product_key(&NewProductKey {
            licensing_id: "E1".into(),
            product: "Windows Server Standard 2022".into(),
            key: KMS.into(),
            key_type: KeyType::Kms,
            activation_limit: None,
            baseline_used: 0,
        })?;
        s.add_product_key(&NewProductKey {
            licensing_id: "OV1".into(),
            product: "Office Professional Plus 2021".into(),
            key: OSA.into(),
            key_type: KeyType::Osa,
            activation_limit: None,
            baseline_used: 0,
        })?;
        s.activate_key(mak.id, "PC-001")?;
        s.proxy_activate(mak.id, &["PC-002", "PC-003"])?;
        let r = s.request_limit_increase(kms.id, 2, "two more data centres")?;
        s.decide_limit_increase(r.id, true)?;
        s.activate_key(kms.id, "KMS-A")?;
        s.submit_reservation(&NewReservation {
            licensing_id: "E1".into(),
            service: "Microsoft 365 E3".into(),
            sku: "SPE_E3".into(),
            quantity: 20,
            usage_date: d("2025-07-01"),
        })?;

        at(&mut s, "2025-06-01T12:00:00Z");
        s.activate_key(mak.id, "PC-004")?;
        s.activate_key(kms.id, "KMS-A")?;
        let cancelled = s.submit_reservation(&NewReservation {
            licensing_id: "E1".into(),
            service: "Microsoft 365 E5".into(),
            sku: "SPE_E5".into(),
            quantity: 5,
            usage_date: d("2025-08-01"),
        })?;
        s.cancel_reservation(cancelled.id)?;
        s.submit_reservation(&NewReservation {
            licensing_id: "E1".into(),
            service: "Microsoft 365 E3".into(),
            sku: "SPE_E3".into(),
            quantity: 8,
            usage_date: d("2025-09-01"),
        })?;

        let tv = s.add_sa_benefit(&NewSaBenefit {
            licensing_id: "E1".into(),
            benefit: "Training Vouchers".into(),
            eligible_quantity: 10,
            status: BenefitStatus::Activated,
        })?;
        s.use_sa_benefit(tv.id, 3)?;
        s.add_sa_benefit(&NewSaBenefit {
            licensing_id: "E1".into(),
            benefit: "Planning Services".into(),
            eligible_quantity: 5,
            status: BenefitStatus::RequiresActivation,
        })?;
        let hup = s.add_sa_benefit(&NewSaBenefit {
            licensing_id: "OV1".into(),
            benefit: "Home Use Program".into(),
            eligible_quantity: 0,
            status: BenefitStatus::RequiresActivation,
        })?;
        s.set_sa_benefit_status(hup.id, BenefitStatus::Expired)?;
        Ok(s)
    }

    /// An empty store with the same clock and customer as [`source`].
    fn fresh() -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        at(&mut s, "2025-06-01T12:00:00Z");
        s.set_actor("restorer")?;
        s.add_customer(&NewCustomer::named("Contoso"))?;
        Ok(s)
    }

    #[test]
    fn columns_are_the_entity_columns_and_exports_write_them() -> Result<()> {
        let mut s = source()?;
        for (e, spec) in [
            (Entity::LicensingIds, LID_SPEC),
            (Entity::Products, PRODUCT_SPEC),
            (Entity::Entitlements, ENT_SPEC),
            (Entity::Keys, KEY_SPEC),
            (Entity::Activations, ACT_SPEC),
            (Entity::Benefits, BEN_SPEC),
            (Entity::Reservations, RES_SPEC),
        ] {
            let names: Vec<&str> = spec.iter().map(|c| c.name).collect();
            assert_eq!(names, e.columns(), "{e}");
            let text = export(&mut s, e)?;
            assert_eq!(
                text.lines().next(),
                Some(e.columns().join(",").as_str()),
                "{e}"
            );
            assert!(text.lines().count() > 1, "{e}: the source store has rows");
        }
        let keys = export(&mut s, Entity::Keys)?;
        assert_eq!(
            keys,
            "licensing_id,product,key,type,activation_limit,baseline_used,host_limit\n\
             E1,Office Standard 2019,*****-*****-*****-*****-46789,MAK,10,3,\n\
             E1,Windows Server Standard 2022,*****-*****-*****-*****-T83GX,KMS,,0,8\n\
             OV1,Office Professional Plus 2021,*****-*****-*****-*****-6789B,OSA,,0,\n"
        );
        assert!(!keys.contains("BCDFG"), "exports mask keys");
        let ents = export(&mut s, Entity::Entitlements)?;
        assert!(
            ents.contains("\n2,E1,Office Standard,2016,2,grant,,2024-02-02,,1\n"),
            "{ents}"
        );
        Ok(())
    }

    #[test]
    fn export_import_into_a_fresh_store_export_gives_the_same_bytes() -> Result<()> {
        let mut src = source()?;
        let mut dst = fresh()?;
        let mut revealed = Vec::new();
        src.export_keys_revealed(Format::Csv, &mut revealed, "move to the new store")?;
        let revealed = String::from_utf8(revealed).unwrap();
        assert!(revealed.contains(MAK) && revealed.contains(KMS) && revealed.contains(OSA));
        // One audited reveal per key.
        let reveals = src
            .audit_entries(None)?
            .iter()
            .filter(|a| a.action == "product_key.reveal")
            .count();
        assert_eq!(reveals, 3);
        for e in [
            Entity::LicensingIds,
            Entity::Products,
            Entity::Entitlements,
            Entity::Keys,
            Entity::Activations,
            Entity::Benefits,
        ] {
            let text = if e == Entity::Keys {
                revealed.clone()
            } else {
                export(&mut src, e)?
            };
            let r = import(&mut dst, e, &text)?;
            assert_eq!(r.inserted, r.rows, "{e}: {r:?}");
            assert_eq!(export(&mut dst, e)?, export(&mut src, e)?, "{e}");
        }
        let mut again = Vec::new();
        dst.export_keys_revealed(Format::Csv, &mut again, "check")?;
        assert_eq!(String::from_utf8(again).unwrap(), revealed);
        // The restored store computes the same figures (benefits and keys get new ids; lines
        // keep theirs).
        let figures = |s: &Store| -> Result<Vec<String>> {
            let mut v: Vec<String> = s
                .product_keys(None)?
                .into_iter()
                .map(|k| {
                    format!(
                        "{} {:?} {:?} {:?}",
                        k.masked, k.activation_limit, k.activations_available, k.host_limit
                    )
                })
                .collect();
            v.extend(s.sa_benefits(None)?.into_iter().map(|b| {
                format!(
                    "{} {} {} {}",
                    b.licensing_id, b.benefit, b.remaining_quantity, b.status
                )
            }));
            Ok(v)
        };
        assert_eq!(figures(&dst)?, figures(&src)?);
        assert_eq!(dst.entitlements(None)?, src.entitlements(None)?);
        Ok(())
    }

    #[test]
    fn reimporting_an_export_leaves_every_row_unchanged_and_writes_nothing() -> Result<()> {
        let mut s = source()?;
        let before = snapshot(&mut s)?;
        for e in ORDER {
            let text = export(&mut s, *e)?;
            let r = import(&mut s, *e, &text)?;
            assert_eq!(
                (r.inserted, r.updated, r.unchanged, r.rejected),
                (0, 0, r.rows, 0),
                "{e}"
            );
            assert!(r.rows > 0, "{e}");
        }
        assert_eq!(snapshot(&mut s)?, before, "no change, no audit row");
        Ok(())
    }

    #[test]
    fn masked_keys_and_reservations_do_not_move_to_another_store() -> Result<()> {
        let mut src = source()?;
        let mut dst = fresh()?;
        for e in [Entity::LicensingIds, Entity::Products] {
            import(&mut dst, e, &export(&mut src, e)?)?;
        }
        let err = import(&mut dst, Entity::Keys, &export(&mut src, Entity::Keys)?).unwrap_err();
        let first = first_error(&err);
        assert_eq!(
            (first.line, first.column.as_deref(), first.value.as_deref()),
            (2, Some("key"), Some("*****-*****-*****-*****-46789"))
        );
        assert!(
            first.reason.contains("give the full key"),
            "{}",
            first.reason
        );
        assert_eq!(err.csv_errors().unwrap().rejected, 3);
        let err = import(
            &mut dst,
            Entity::Reservations,
            &export(&mut src, Entity::Reservations)?,
        )
        .unwrap_err();
        let first = first_error(&err);
        assert_eq!(first.column.as_deref(), Some("submitted_at"));
        assert!(
            first.reason.contains("leave submitted_at empty"),
            "{}",
            first.reason
        );
        assert!(dst.product_keys(None)?.is_empty());
        Ok(())
    }

    #[test]
    fn upserts_update_through_the_domain_rules() -> Result<()> {
        let mut s = source()?;
        // Licensing IDs: a column subset leaves the rest alone; a new one needs its customer.
        let r = import(
            &mut s,
            Entity::LicensingIds,
            "number,partner,end_date\ne1,Fabrikam Reseller,2027-12-31\nOV1,,2025-12-31\n",
        )?;
        assert_eq!((r.updated, r.unchanged), (1, 1));
        let e1 = s.licensing_id("E1")?;
        assert_eq!(e1.partner.as_deref(), Some("Fabrikam Reseller"));
        assert_eq!(
            (e1.program, e1.start_date),
            (Program::Enterprise, Some(d("2024-01-01")))
        );
        // Products: a new product, a pool change.
        let r = import(
            &mut s,
            Entity::Products,
            "family,version,pool\nVisio Professional,2021,Applications\nWindows Enterprise,10,Applications\n",
        )?;
        assert_eq!((r.inserted, r.updated), (1, 1));
        assert_eq!(
            s.product("windows enterprise", "10")?.pool,
            Pool::Applications
        );
        // Entitlements: a quantity change of line 1 and a new line without id.
        let r = import(
            &mut s,
            Entity::Entitlements,
            "id,licensing_id,family,version,quantity,kind,order_date\n\
             1,E1,Office Standard,2016,12,full,2024-02-01\n\
             ,E1,Visio Professional,2021,1,full,2025-05-01\n",
        )?;
        assert_eq!((r.inserted, r.updated), (1, 1));
        assert_eq!(s.entitlements(None)?[0].quantity, 12);
        assert_eq!(
            s.entitlements(None)?.last().unwrap().family,
            "Visio Professional"
        );
        let audit = s.audit_entries(Some(("entitlement", "1")))?;
        assert_eq!(audit.last().unwrap().action, "entitlement.update");
        // Keys: a product rename of a key named by its masked value.
        let r = import(
            &mut s,
            Entity::Keys,
            "licensing_id,product,key,type\nE1,Office Standard 2021,*****-*****-*****-*****-46789,MAK\n",
        )?;
        assert_eq!(r.updated, 1);
        assert_eq!(s.find_product_key(MAK)?.product, "Office Standard 2021");
        // Benefits: activate and use in one row; the use is audited as a use.
        let r = import(
            &mut s,
            Entity::Benefits,
            "licensing_id,benefit,remaining_quantity,status\nE1,Planning Services,3,Activated\n",
        )?;
        assert_eq!(r.updated, 1);
        let ps = &s.sa_benefits(Some("E1"))?[0];
        assert_eq!(
            (ps.remaining_quantity, ps.status),
            (3, BenefitStatus::Activated)
        );
        let actions: Vec<String> = s
            .audit_entries(Some(("sa_benefit", &ps.id.to_string())))?
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert_eq!(
            actions,
            ["sa_benefit.add", "sa_benefit.status", "sa_benefit.use"]
        );
        // Reservations: cancel the submitted one (within 72 hours), submit a new one now.
        let r = import(
            &mut s,
            Entity::Reservations,
            "licensing_id,service,sku,quantity,usage_date,submitted_at,status\n\
             E1,Microsoft 365 E3,SPE_E3,8,2025-09-01,2025-06-01T12:00:00Z,Cancelled\n\
             E1,Microsoft 365 F3,SPE_F3,30,2025-10-01,,\n",
        )?;
        assert_eq!((r.updated, r.inserted), (1, 1));
        let text = export(&mut s, Entity::Reservations)?;
        assert!(
            text.contains("SPE_E3,8,2025-09-01,2025-06-01T12:00:00Z,Cancelled"),
            "{text}"
        );
        assert!(
            text.contains("SPE_F3,30,2025-10-01,2025-06-01T12:00:00Z,Submitted"),
            "{text}"
        );
        // Activations: a new record at a past instant.
        let r = import(
            &mut s,
            Entity::Activations,
            "licensing_id,key,machine,activated_at,method\nE1,*****-*****-*****-*****-46789,PC-005,2025-05-30T08:00:00Z,Proxy\n",
        )?;
        assert_eq!(r.inserted, 1);
        assert_eq!(s.find_product_key(MAK)?.activations_used, 3 + 4 + 1);
        Ok(())
    }

    /// Each case: entity, file, expected (line, column, value, reason fragment).
    #[allow(clippy::type_complexity)]
    fn refusals() -> Vec<(
        Entity,
        &'static str,
        (
            u64,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
        ),
    )> {
        let m = "*****-*****-*****-*****-46789";
        let _ = m;
        vec![
            // Header problems.
            (Entity::Entitlements, "licensing_id,family,version,kind,order_date\nE1,Office Standard,2019,full,2024-01-01\n",
             (1, None, None, "missing required column(s): quantity")),
            (Entity::Products, "family,version,pool,colour\nVisio,2021,Applications,red\n",
             (1, Some("colour"), None, "unknown column")),
            // Values.
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nE1,Office Standard,2019,5,full,2024-02-30\n",
             (2, Some("order_date"), Some("2024-02-30"), "YYYY-MM-DD")),
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nE1,Office Standard,2019,five,full,2024-02-01\n",
             (2, Some("quantity"), Some("five"), "whole number")),
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nE1,Office Standard,2019,-5,full,2024-02-01\n",
             (2, Some("quantity"), Some("-5"), "greater than zero")),
            (Entity::Benefits, "licensing_id,benefit,eligible_quantity,status\nE1,E-Learning,-1,Activated\n",
             (2, Some("eligible_quantity"), Some("-1"), "must not be negative")),
            (Entity::Benefits, "licensing_id,benefit,eligible_quantity,status\nE1,E-Learning,lots,Activated\n",
             (2, Some("eligible_quantity"), Some("lots"), "whole number")),
            (Entity::Reservations, "licensing_id,service,sku,quantity,usage_date\nE1,Microsoft 365 E3,SPE_E3,0,2025-07-01\n",
             (2, Some("quantity"), Some("0"), "greater than zero")),
            // References.
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nNOPE,Office Standard,2019,5,full,2024-02-01\n",
             (2, Some("licensing_id"), Some("NOPE"), "no licensing ID")),
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nE1,Office Standard,1999,5,full,2024-02-01\n",
             (2, Some("version"), Some("1999"), "no product Office Standard 1999")),
            (Entity::LicensingIds, "number,customer,program\nE9,Nobody,Enterprise\n",
             (2, Some("customer"), Some("Nobody"), "customer not found")),
            (Entity::Keys, "licensing_id,product,key,type,activation_limit\nNOPE,Office,BCDFG-HJKMN-PQRTV-WXY23-4678B,MAK,5\n",
             (2, Some("licensing_id"), Some("NOPE"), "no licensing ID")),
            (Entity::Activations, "licensing_id,key,machine\nE1,*****-*****-*****-*****-BBBBB,PC-9\n",
             (2, Some("key"), Some("*****-*****-*****-*****-BBBBB"), "has no key ending in BBBBB")),
            // Domain rules an import cannot get around.
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nE1,Office Standard,2021,5,step_up,2024-02-01\n",
             (2, Some("from_family"), Some(""), "must name the family")),
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date,sa_end\nE1,Office Standard,2021,5,full,2024-02-01,2026-01-01\n",
             (2, Some("sa_end"), Some("2026-01-01"), "no SA coverage")),
            (Entity::Entitlements, "id,licensing_id,family,version,quantity,kind,order_date\n1,OV1,Office Standard,2016,10,full,2024-02-01\n",
             (2, Some("licensing_id"), Some("OV1"), "do not change")),
            (Entity::Entitlements, "licensing_id,family,version,quantity,kind,order_date\nE1,Office Standard,2021,5,bundle,2024-02-01\n",
             (2, Some("kind"), Some("bundle"), "must be one of")),
            (Entity::LicensingIds, "number,end_date\nE1,2023-01-01\n",
             (2, Some("end_date"), Some("2023-01-01"), "before the start date")),
            (Entity::LicensingIds, "number,customer\nE1,Adatum\n",
             (2, Some("customer"), Some("Adatum"), "does not move")),
            (Entity::Keys, "licensing_id,product,key,type\nE1,Office,BCDFG-HJKMN-PQRTV-WXY23-4678B,MAK\n",
             (2, Some("activation_limit"), Some(""), "needs an activation limit")),
            (Entity::Keys, "licensing_id,product,key,type,activation_limit\nE1,Office Standard 2019,*****-*****-*****-*****-46789,MAK,500\n",
             (2, Some("activation_limit"), Some("500"), "limit-increase request")),
            (Entity::Keys, "licensing_id,product,key,type\nE1,Office,BCDFG-HJKMN-PQRTV-WXY23-467A9,MAK\n",
             (2, Some("key"), Some("*****-*****-*****-*****-467A9"), "not a product-key character")),
            (Entity::Activations, "licensing_id,key,machine\nE1,*****-*****-*****-*****-46789,PC-10\nE1,*****-*****-*****-*****-46789,PC-11\nE1,*****-*****-*****-*****-46789,PC-12\nE1,*****-*****-*****-*****-46789,PC-13\n",
             (5, Some("key"), Some("*****-*****-*****-*****-46789"), "has 0 of 10 activations available")),
            (Entity::Activations, "licensing_id,key,machine\nOV1,*****-*****-*****-*****-6789B,PC-1\nOV1,*****-*****-*****-*****-6789B,PC-2\n",
             (3, Some("key"), Some("*****-*****-*****-*****-6789B"), "single use")),
            (Entity::Activations, "licensing_id,key,machine,activated_at\nE1,*****-*****-*****-*****-46789,PC-10,2030-01-01T00:00:00Z\n",
             (2, Some("activated_at"), Some("2030-01-01T00:00:00Z"), "must not be after now")),
            (Entity::Benefits, "licensing_id,benefit,remaining_quantity\nE1,Planning Services,4\n",
             (2, Some("remaining_quantity"), Some("4"), "only an Activated benefit can be used")),
            (Entity::Benefits, "licensing_id,benefit,remaining_quantity\nE1,Training Vouchers,9\n",
             (2, Some("remaining_quantity"), Some("9"), "not given back")),
            (Entity::Benefits, "licensing_id,benefit,remaining_quantity\nE1,Training Vouchers,-2\n",
             (2, Some("remaining_quantity"), Some("-2"), "must not be negative")),
            (Entity::Benefits, "licensing_id,benefit,status\nOV1,Home Use Program,Activated\n",
             (2, Some("status"), Some("Activated"), "cannot go from Expired")),
            (Entity::Reservations, "licensing_id,service,sku,quantity,usage_date\nE1,Microsoft 365 E3,SPE_E3,5,2026-03-01\n",
             (2, Some("usage_date"), Some("2026-03-01"), "6 months ahead")),
            (Entity::Reservations, "licensing_id,service,sku,quantity,usage_date\nOV1,Microsoft 365 E3,SPE_E3,5,2025-07-01\n",
             (2, Some("licensing_id"), Some("OV1"), "only for Enterprise")),
            (Entity::Reservations, "licensing_id,service,sku,quantity,usage_date,submitted_at,status\nE1,Microsoft 365 E3,SPE_E3,20,2025-07-01,2025-05-20T09:00:00Z,Cancelled\n",
             (2, Some("status"), Some("Cancelled"), "can no longer be cancelled")),
            (Entity::Reservations, "licensing_id,service,sku,quantity,usage_date,submitted_at\nE1,Microsoft 365 E3,SPE_E3,25,2025-07-01,2025-05-20T09:00:00Z\n",
             (2, Some("quantity"), Some("25"), "does not change")),
        ]
    }

    #[test]
    fn bad_input_is_reported_with_its_place_and_changes_nothing() -> Result<()> {
        let mut s = source()?;
        let before = snapshot(&mut s)?;
        for (e, text, (line, column, value, reason)) in refusals() {
            let err = import(&mut s, e, text).unwrap_err();
            let first = first_error(&err);
            assert_eq!(first.file, format!("{}.csv", e.name()));
            assert_eq!(
                (first.line, first.column.as_deref(), first.value.as_deref()),
                (line, column, value),
                "{e}: {text:?}: {err}"
            );
            assert!(
                first.reason.contains(reason),
                "{e}: {text:?}: {}",
                first.reason
            );
            assert!(
                !err.to_string().contains("PQRTV-WXY23"),
                "a full key in an error: {err}"
            );
            assert_eq!(
                snapshot(&mut s)?,
                before,
                "{e}: {text:?}: the store changed"
            );
        }
        Ok(())
    }

    #[test]
    fn formats_md_documents_every_column_and_its_samples_import() -> Result<()> {
        let doc = include_str!("../../../docs/formats.md");
        for e in ORDER {
            let start = doc
                .find(&format!("\n## {}\n", e.name()))
                .unwrap_or_else(|| panic!("docs/formats.md has no section {e}"));
            let section = &doc[start + 1..];
            let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
            let documented: Vec<&str> = section
                .lines()
                .filter_map(|l| l.strip_prefix("| `"))
                .filter_map(|l| l.split('`').next())
                .collect();
            assert_eq!(documented, e.columns(), "{e}: the table of docs/formats.md");
            let sample = section
                .split("```csv\n")
                .nth(1)
                .and_then(|s| s.split("```").next())
                .unwrap_or_else(|| panic!("{e}: no sample"));
            assert_eq!(
                sample.lines().next(),
                Some(e.columns().join(",").as_str()),
                "{e}"
            );
        }
        // The samples of the sections that add entities import into a store that has what they
        // refer to.
        let mut s = source()?;
        for e in [Entity::LicensingIds, Entity::Products, Entity::Benefits] {
            let section = &doc[doc.find(&format!("\n## {}\n", e.name())).unwrap()..];
            let sample = section
                .split("```csv\n")
                .nth(1)
                .unwrap()
                .split("```")
                .next()
                .unwrap();
            let r = import(&mut s, e, sample)?;
            assert_eq!(r.rejected, 0, "{e}");
        }
        Ok(())
    }

    #[test]
    fn imports_and_full_key_exports_are_for_the_owner() -> Result<()> {
        let mut s = source()?;
        s.add_principal("ann@contoso.com", "Ann", "Admin")?;
        s.grant_roles(
            "ann@contoso.com",
            "E1",
            &[crate::access::Role::Administrator],
        )?;
        let mut scoped = s.scoped("ann@contoso.com")?;
        let before = snapshot(&mut s)?;
        let err = import(
            &mut scoped,
            Entity::Products,
            "family,version,pool\nVisio Professional,2021,Applications\n",
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
        let err = scoped
            .export_keys_revealed(Format::Csv, &mut Vec::new(), "")
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
        assert_eq!(snapshot(&mut s)?, before);
        Ok(())
    }

    #[test]
    fn tsv_exports_import_back_and_json_lines_carry_the_same_columns() -> Result<()> {
        let mut s = source()?;
        for e in ORDER {
            let mut tsv = Vec::new();
            s.export_entity(*e, Format::Tsv, &mut tsv)?;
            let mut opts = ImportOptions::new(format!("{}.tsv", e.name()));
            opts.delimiter = b'\t';
            let r = s.import_entity(*e, &tsv[..], opts)?;
            assert_eq!((r.unchanged, r.rejected), (r.rows, 0), "{e}");
            let mut jsonl = Vec::new();
            let n = s.export_entity(*e, Format::JsonLines, &mut jsonl)?;
            assert_eq!(n, r.rows, "{e}");
            let first: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(jsonl.split(|b| *b == b'\n').next().unwrap()).unwrap();
            let keys: Vec<&str> = first.keys().map(String::as_str).collect();
            let mut cols = e.columns().to_vec();
            cols.sort_unstable();
            let mut keys = keys;
            keys.sort_unstable();
            assert_eq!(keys, cols, "{e}");
        }
        Ok(())
    }

    #[test]
    fn skip_invalid_applies_good_rows_and_writes_masked_rejects() -> Result<()> {
        let mut s = source()?;
        let mut rejects = Vec::new();
        let mut opts = ImportOptions::new("keys.csv");
        opts.mode = ImportMode::SkipInvalid;
        opts.rejects = Some(&mut rejects);
        let r = s.import_entity(
            Entity::Keys,
            "licensing_id,product,key,type,activation_limit\n\
             E1,Office Standard 2021,DFGHJ-KMNPQ-RTVWX-Y2346-789BC,MAK,50\n\
             E1,Office Standard 2021,DFGHJ-KMNPQ-RTVWX-Y2346-789BD,MAK,lots\n\
             NOPE,Office Standard 2021,FGHJK-MNPQR-TVWXY-23467-89BCD,MAK,5\n"
                .as_bytes(),
            opts,
        )?;
        assert_eq!((r.rows, r.inserted, r.rejected), (3, 1, 2));
        assert_eq!(r.errors[0].column.as_deref(), Some("activation_limit"));
        assert_eq!(r.errors[1].value.as_deref(), Some("NOPE"));
        let text = String::from_utf8(rejects).unwrap();
        assert!(text.starts_with(
            "licensing_id,product,key,type,activation_limit,error_line,error_column,error_reason\n"
        ));
        assert!(
            text.contains("*****-*****-*****-*****-789BD,MAK,lots,3,activation_limit"),
            "{text}"
        );
        assert!(!text.contains("DFGHJ") && !text.contains("FGHJK"), "{text}");
        assert_eq!(
            s.find_product_key("DFGHJ-KMNPQ-RTVWX-Y2346-789BC")?
                .activation_limit,
            Some(50)
        );

        let r = skip_invalid(
            &mut s,
            Entity::Entitlements,
            "licensing_id,family,version,quantity,kind,order_date\n\
             E1,Office Standard,2019,5,full,2024-02-01\n\
             E1,Office Standard,2019,-5,full,2024-02-01\n\
             E1,Office Standard,2019,5,full,2024-13-01\n",
        )?;
        assert_eq!((r.inserted, r.rejected), (1, 2));
        assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
        Ok(())
    }
}
