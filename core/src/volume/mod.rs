//! Volume licensing (DOMAIN.md section 3): licensing IDs, products, entitlements (order lines),
//! the license summary ([`summary`]), product keys and their activations ([`keys`]), Software
//! Assurance benefits and reservations ([`benefits`]).
//!
//! Natural keys: a licensing ID by its `number` (case-insensitive), a product by `family` and
//! `version` (case-insensitive). Entitlements, keys, activations, requests, benefits and
//! reservations have no natural key and are named by their row `id` (stable for the life of the
//! store, shown in the views). Product keys are secrets: nothing but [`Store::reveal_key`] (audited)
//! returns a full key.

pub mod benefits;
pub mod keys;
pub mod summary;

use std::cmp::Ordering;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use crate::access::{read, Role};
use crate::error::{Error, Result};
use crate::store::{Store, WriteCtx};
use crate::validate;

pub use benefits::{
    BenefitStatus, NewReservation, NewSaBenefit, Reservation, ReservationHistory,
    ReservationStatus, SaBenefit,
};
pub use keys::{
    Activation, ActivationMethod, KeyType, LimitIncreaseRequest, NewProductKey, ProductKey,
    RequestStatus,
};
pub use summary::{SummaryLine, SummaryQuery};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $( $(#[$vdoc:meta])* $var:ident = $text:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub enum $name {
            $( $(#[$vdoc])* #[serde(rename = $text)] $var, )*
        }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$var, )* ];
            /// The name as stored and shown in the views.
            pub const fn as_str(self) -> &'static str {
                match self { $( $name::$var => $text, )* }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.pad(self.as_str()) }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::error::Error;
            /// Parses the name without regard to case, spaces, `-` and `_`.
            fn from_str(s: &str) -> $crate::error::Result<$name> {
                let norm = |t: &str| t.chars().filter(|c| !matches!(c, ' ' | '-' | '_')).collect::<String>().to_ascii_lowercase();
                let n = norm(s);
                $( if n == norm($text) { return Ok($name::$var); } )*
                let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                Err($crate::error::Error::invalid($what, s, format!("must be one of {}", all.join(", "))))
            }
        }
        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<$name> {
                let s = v.as_str()?;
                s.parse().map_err(|e: $crate::error::Error| rusqlite::types::FromSqlError::Other(Box::new(std::io::Error::other(e.to_string()))))
            }
        }
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }
    };
}
pub(crate) use text_enum;

text_enum! {
    /// The volume-licensing program a licensing ID belongs to.
    Program, "program" {
        /// Enterprise Agreement enrollment.
        Enterprise = "Enterprise",
        /// Enterprise Agreement Subscription.
        EnterpriseSubscription = "EnterpriseSubscription",
        /// Select agreement.
        Select = "Select",
        /// Select Plus (PCN).
        SelectPlus = "SelectPlus",
        /// Open License.
        Open = "Open",
        /// Open Value agreement.
        OpenValue = "OpenValue",
        /// Open Value Subscription.
        OpenValueSubscription = "OpenValueSubscription",
        /// Academic programs.
        Academic = "Academic",
        /// Anything else.
        Other = "Other",
    }
}

impl Program {
    /// Whether online-service reservations may be placed under this program (Enterprise
    /// Agreements and Enterprise Agreement Subscriptions only).
    pub fn allows_reservations(self) -> bool {
        matches!(self, Program::Enterprise | Program::EnterpriseSubscription)
    }

    /// Guesses the program from a VLSC "Parent Program" text ("Enterprise Agreement",
    /// "Open Value", "Select Plus", ...); [`Program::Other`] when nothing fits.
    pub fn from_vlsc(text: &str) -> Program {
        let t = text.to_ascii_lowercase();
        if let Ok(p) = text.parse() {
            return p;
        }
        if t.contains("enterprise") && t.contains("subscription") {
            Program::EnterpriseSubscription
        } else if t.contains("enterprise") {
            Program::Enterprise
        } else if t.contains("select plus") || t.contains("select+") {
            Program::SelectPlus
        } else if t.contains("select") {
            Program::Select
        } else if t.contains("open value") && t.contains("subscription") {
            Program::OpenValueSubscription
        } else if t.contains("open value") {
            Program::OpenValue
        } else if t.contains("open") {
            Program::Open
        } else if t.contains("academic") || t.contains("campus") || t.contains("school") {
            Program::Academic
        } else {
            Program::Other
        }
    }
}

text_enum! {
    /// The product pool a product belongs to (keys are issued per pool).
    Pool, "pool" {
        /// Office, Visio, Project ...
        Applications = "Applications",
        /// Client operating systems.
        Systems = "Systems",
        /// Server products.
        Servers = "Servers",
    }
}

text_enum! {
    /// The kind of an entitlement (an order line).
    EntitlementKind, "entitlement kind" {
        /// A full license.
        Full = "full",
        /// A full license with Software Assurance coverage.
        LicenseAndSa = "license_and_sa",
        /// A promotional full license (shown with `*`), earned by `granted_by`.
        Grant = "grant",
        /// A version upgrade of an older base license of the same family.
        Upgrade = "upgrade",
        /// Software Assurance coverage only, for existing licenses.
        Sa = "sa",
        /// A step-up from another family (`from_family`) to this one, with SA coverage.
        StepUp = "step_up",
    }
}

impl EntitlementKind {
    /// Whether the line adds base licenses (full, license_and_sa, grant).
    pub fn is_base(self) -> bool {
        matches!(
            self,
            EntitlementKind::Full | EntitlementKind::LicenseAndSa | EntitlementKind::Grant
        )
    }

    /// Whether the line carries Software Assurance coverage (license_and_sa, sa, step_up).
    pub fn has_coverage(self) -> bool {
        matches!(
            self,
            EntitlementKind::LicenseAndSa | EntitlementKind::Sa | EntitlementKind::StepUp
        )
    }
}

/// Compares two versions the way people read them: runs of digits as numbers, the rest as text
/// without regard to case ("2019" < "2021", "9" < "10", "2016 R2" > "2016").
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.trim().chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((kd, t)) if *kd == d => t.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (p, q) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                p.len().cmp(&q.len()).then_with(|| p.cmp(q))
            }
            _ => x.1.to_lowercase().cmp(&y.1.to_lowercase()),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len())
}

// ---------------------------------------------------------------------------------------------
// Licensing IDs

/// A licensing ID: the number under which orders are placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicensingId {
    /// Row id.
    pub id: i64,
    /// The number (unique, case-insensitive).
    pub number: String,
    /// The customer's name.
    pub customer: String,
    /// The program.
    pub program: Program,
    /// The parent program as VLSC names it (free text).
    pub parent_program: Option<String>,
    /// The Microsoft Business and Services Agreement number.
    pub mbsa: Option<String>,
    /// The reseller.
    pub partner: Option<String>,
    /// First day (absent: unknown, treated as open).
    pub start_date: Option<NaiveDate>,
    /// Last day (absent: unknown, treated as open).
    pub end_date: Option<NaiveDate>,
}

impl LicensingId {
    /// Whether `day` is within the licensing ID's dates (a missing date does not limit).
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.start_date.is_none_or(|s| s <= day) && self.end_date.is_none_or(|e| day <= e)
    }
}

/// The fields of a new licensing ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLicensingId {
    /// Required, unique.
    pub number: String,
    /// An existing customer's name.
    pub customer: String,
    /// The program.
    pub program: Program,
    /// Optional parent program text.
    pub parent_program: Option<String>,
    /// Optional MBSA number.
    pub mbsa: Option<String>,
    /// Optional reseller.
    pub partner: Option<String>,
    /// Optional first day.
    pub start_date: Option<NaiveDate>,
    /// Optional last day (not before `start_date`).
    pub end_date: Option<NaiveDate>,
}

impl NewLicensingId {
    /// A licensing ID with just its number, customer and program.
    pub fn new(number: impl Into<String>, customer: impl Into<String>, program: Program) -> Self {
        NewLicensingId {
            number: number.into(),
            customer: customer.into(),
            program,
            parent_program: None,
            mbsa: None,
            partner: None,
            start_date: None,
            end_date: None,
        }
    }
}

const LID_COLUMNS: &str = "l.id, l.number, c.name, l.program, l.parent_program, l.mbsa, l.partner, l.start_date, l.end_date";

pub(crate) fn opt_date(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let s: Option<String> = r.get(i)?;
    Ok(s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()))
}

pub(crate) fn req_date(r: &Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = r.get(i)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn lid_from_row(r: &Row<'_>) -> rusqlite::Result<LicensingId> {
    Ok(LicensingId {
        id: r.get(0)?,
        number: r.get(1)?,
        customer: r.get(2)?,
        program: r.get(3)?,
        parent_program: r.get(4)?,
        mbsa: r.get(5)?,
        partner: r.get(6)?,
        start_date: opt_date(r, 7)?,
        end_date: opt_date(r, 8)?,
    })
}

pub(crate) fn find_lid(conn: &rusqlite::Connection, number: &str) -> Result<Option<LicensingId>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {LID_COLUMNS} FROM licensing_id l JOIN customer c ON c.id = l.customer_id WHERE l.number = ?1"
    ))?;
    Ok(st.query_row([number.trim()], lid_from_row).optional()?)
}

pub(crate) fn require_lid(conn: &rusqlite::Connection, number: &str) -> Result<LicensingId> {
    find_lid(conn, number)?.ok_or_else(|| Error::not_found("licensing ID", number))
}

fn opt_text(what: &str, v: Option<&str>) -> Result<Option<String>> {
    validate::optional(v, |s| validate::name(what, s, 200))
}

/// The validated text fields of a licensing ID: number, parent program, MBSA, partner (and the
/// dates checked against each other).
type LidText = (String, Option<String>, Option<String>, Option<String>);

fn checked_lid(n: &NewLicensingId) -> Result<LidText> {
    let number = validate::name("licensing ID", &n.number, 64)?;
    let parent = opt_text("parent program", n.parent_program.as_deref())?;
    let mbsa = opt_text("MBSA", n.mbsa.as_deref())?;
    let partner = opt_text("partner", n.partner.as_deref())?;
    if let (Some(s), Some(e)) = (n.start_date, n.end_date) {
        if e < s {
            return Err(Error::invalid(
                "end date",
                fmt_date(e),
                format!("must not be before the start date {}", fmt_date(s)),
            ));
        }
    }
    Ok((number, parent, mbsa, partner))
}

/// Changes a licensing ID's program, parent program, MBSA, partner and dates to those of `n`
/// (validated as [`insert_lid`] validates them); its number and customer do not change. Returns
/// the licensing ID and whether anything changed (an audit row `licensing_id.update` when so).
pub(crate) fn update_lid(
    ctx: &WriteCtx<'_>,
    before: &LicensingId,
    n: &NewLicensingId,
) -> Result<(LicensingId, bool)> {
    let (_, parent, mbsa, partner) = checked_lid(n)?;
    let after = LicensingId {
        program: n.program,
        parent_program: parent,
        mbsa,
        partner,
        start_date: n.start_date,
        end_date: n.end_date,
        ..before.clone()
    };
    if &after == before {
        return Ok((after, false));
    }
    // The licensing_id_coverage_end trigger moves the SA coverage of its lines with the end date.
    ctx.tx
        .prepare_cached(
            "UPDATE licensing_id SET program = ?2, parent_program = ?3, mbsa = ?4, partner = ?5, \
             start_date = ?6, end_date = ?7, updated_at = ?8 WHERE id = ?1",
        )?
        .execute(params![
            before.id,
            after.program,
            after.parent_program,
            after.mbsa,
            after.partner,
            after.start_date.map(fmt_date),
            after.end_date.map(fmt_date),
            ctx.now
        ])?;
    let after = require_lid(ctx.tx, &before.number)?;
    ctx.audit(
        "licensing_id.update",
        "licensing_id",
        &after.number,
        Some(&serde_json::to_value(before)?),
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok((after, true))
}

pub(crate) fn insert_lid(ctx: &WriteCtx<'_>, n: &NewLicensingId) -> Result<LicensingId> {
    let (number, parent, mbsa, partner) = checked_lid(n)?;
    let customer = crate::customers::require(ctx.tx, &n.customer)?;
    if find_lid(ctx.tx, &number)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "licensing ID",
            key: number,
        });
    }
    ctx.tx
        .prepare_cached(
            "INSERT INTO licensing_id (number, customer_id, program, parent_program, mbsa, partner, \
             start_date, end_date, created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?9)",
        )?
        .execute(params![
            number,
            customer.id,
            n.program,
            parent,
            mbsa,
            partner,
            n.start_date.map(fmt_date),
            n.end_date.map(fmt_date),
            ctx.now
        ])?;
    let l = require_lid(ctx.tx, &number)?;
    ctx.audit(
        "licensing_id.add",
        "licensing_id",
        &l.number,
        None,
        Some(&serde_json::to_value(&l)?),
    )?;
    Ok(l)
}

// ---------------------------------------------------------------------------------------------
// Products

/// A product: a family at a version, in a pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// Row id.
    pub id: i64,
    /// e.g. "Office Professional Plus".
    pub family: String,
    /// e.g. "2021".
    pub version: String,
    /// The pool.
    pub pool: Pool,
}

impl Product {
    /// "family version", the name VLSC shows.
    pub fn name(&self) -> String {
        format!("{} {}", self.family, self.version)
    }
}

/// The fields of a new product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    /// Required.
    pub family: String,
    /// Required.
    pub version: String,
    /// The pool.
    pub pool: Pool,
}

fn product_from_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: r.get(0)?,
        family: r.get(1)?,
        version: r.get(2)?,
        pool: r.get(3)?,
    })
}

pub(crate) fn find_product(
    conn: &rusqlite::Connection,
    family: &str,
    version: &str,
) -> Result<Option<Product>> {
    let mut st = conn.prepare_cached(
        "SELECT id, family, version, pool FROM product WHERE family = ?1 AND version = ?2",
    )?;
    Ok(st
        .query_row([family.trim(), version.trim()], product_from_row)
        .optional()?)
}

pub(crate) fn require_product(
    conn: &rusqlite::Connection,
    family: &str,
    version: &str,
) -> Result<Product> {
    find_product(conn, family, version)?
        .ok_or_else(|| Error::not_found("product", format!("{} {}", family.trim(), version.trim())))
}

/// The product whose "family version" name is `name` (case-insensitive), if any.
pub(crate) fn product_by_name(conn: &rusqlite::Connection, name: &str) -> Result<Option<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT id FROM product WHERE (family || ' ' || version) = ?1 COLLATE NOCASE",
    )?;
    Ok(st.query_row([name.trim()], |r| r.get(0)).optional()?)
}

/// Adds a product inside a write transaction (see [`Store::add_product`]).
pub(crate) fn insert_product(ctx: &WriteCtx<'_>, p: &NewProduct) -> Result<Product> {
    let family = validate::name("product family", &p.family, 200)?;
    let version = validate::name("product version", &p.version, 50)?;
    if find_product(ctx.tx, &family, &version)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "product",
            key: format!("{family} {version}"),
        });
    }
    ctx.tx
        .prepare_cached(
            "INSERT INTO product (family, version, pool, created_at) VALUES (?1,?2,?3,?4)",
        )?
        .execute(params![family, version, p.pool, ctx.now])?;
    let prod = require_product(ctx.tx, &family, &version)?;
    ctx.tx
        .prepare_cached(
            "UPDATE product_key SET product_id = ?1 WHERE product_id IS NULL \
             AND product_name = ?2 COLLATE NOCASE",
        )?
        .execute(params![prod.id, prod.name()])?;
    ctx.audit(
        "product.add",
        "product",
        &prod.name(),
        None,
        Some(&serde_json::to_value(&prod)?),
    )?;
    Ok(prod)
}

/// Moves a product to another pool (an audit row `product.update`); returns whether it changed.
pub(crate) fn set_product_pool(ctx: &WriteCtx<'_>, before: &Product, pool: Pool) -> Result<bool> {
    if before.pool == pool {
        return Ok(false);
    }
    ctx.tx
        .prepare_cached("UPDATE product SET pool = ?2 WHERE id = ?1")?
        .execute(params![before.id, pool])?;
    let after = Product {
        pool,
        ..before.clone()
    };
    ctx.audit(
        "product.update",
        "product",
        &after.name(),
        Some(&serde_json::to_value(before)?),
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Entitlements

/// An entitlement: one order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    /// Row id.
    pub id: i64,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The product's family.
    pub family: String,
    /// The product's version.
    pub version: String,
    /// How many licenses (> 0).
    pub quantity: i64,
    /// The kind of line.
    pub kind: EntitlementKind,
    /// For `step_up`: the family stepped up from.
    pub from_family: Option<String>,
    /// When it was ordered.
    pub order_date: NaiveDate,
    /// When its SA coverage ends (absent: the licensing ID's end date).
    pub sa_end: Option<NaiveDate>,
    /// For a grant: the entitlement that earned it.
    pub granted_by: Option<i64>,
}

/// The fields of a new entitlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntitlement {
    /// An existing licensing ID's number.
    pub licensing_id: String,
    /// An existing product's family.
    pub family: String,
    /// An existing product's version.
    pub version: String,
    /// How many (must be > 0).
    pub quantity: i64,
    /// The kind.
    pub kind: EntitlementKind,
    /// Required for `step_up` (an existing product family), refused otherwise.
    pub from_family: Option<String>,
    /// The order date.
    pub order_date: NaiveDate,
    /// Coverage end; only for kinds with coverage (license_and_sa, sa, step_up).
    pub sa_end: Option<NaiveDate>,
    /// Only for `grant`: an existing entitlement of the same licensing ID that earned it.
    pub granted_by: Option<i64>,
}

const ENT_COLUMNS: &str = "e.id, l.number, p.family, p.version, e.quantity, e.kind, e.from_family, e.order_date, e.sa_end, e.granted_by";
const ENT_FROM: &str = "entitlement e JOIN licensing_id l ON l.id = e.licensing_id_id JOIN product p ON p.id = e.product_id";

fn ent_from_row(r: &Row<'_>) -> rusqlite::Result<Entitlement> {
    Ok(Entitlement {
        id: r.get(0)?,
        licensing_id: r.get(1)?,
        family: r.get(2)?,
        version: r.get(3)?,
        quantity: r.get(4)?,
        kind: r.get(5)?,
        from_family: r.get(6)?,
        order_date: req_date(r, 7)?,
        sa_end: opt_date(r, 8)?,
        granted_by: r.get(9)?,
    })
}

/// An entitlement's checked references: its licensing ID, its product and the canonical spelling
/// of the family a step_up comes from.
struct CheckedLine {
    lid: LicensingId,
    product: Product,
    from_family: Option<String>,
}

/// Every rule of a new or changed order line (see [`Store::add_entitlement`]).
fn check_entitlement(ctx: &WriteCtx<'_>, n: &NewEntitlement) -> Result<CheckedLine> {
    if n.quantity <= 0 {
        return Err(Error::invalid(
            "quantity",
            n.quantity.to_string(),
            "must be greater than zero",
        ));
    }
    let from_family = match (n.kind, n.from_family.as_deref().map(str::trim)) {
        (EntitlementKind::StepUp, Some(f)) if !f.is_empty() => {
            let canonical: Option<String> = ctx
                .tx
                .prepare_cached("SELECT family FROM product WHERE family = ?1 LIMIT 1")?
                .query_row([f], |r| r.get(0))
                .optional()?;
            let Some(c) = canonical else {
                return Err(Error::not_found("product family", f));
            };
            if c.eq_ignore_ascii_case(n.family.trim()) {
                return Err(Error::invalid(
                    "from family",
                    f,
                    "a step-up comes from another family (use an upgrade within a family)",
                ));
            }
            Some(c)
        }
        (EntitlementKind::StepUp, _) => {
            return Err(Error::invalid(
                "from family",
                n.from_family.clone().unwrap_or_default(),
                "a step_up line must name the family it steps up from",
            ))
        }
        (_, Some(f)) if !f.is_empty() => {
            return Err(Error::invalid(
                "from family",
                f,
                format!(
                    "only a step_up line has a from family, not a {} line",
                    n.kind
                ),
            ))
        }
        _ => None,
    };
    if n.sa_end.is_some() && !n.kind.has_coverage() {
        return Err(Error::invalid(
            "sa end",
            fmt_date(n.sa_end.unwrap_or_default()),
            format!("a {} line has no SA coverage to end", n.kind),
        ));
    }
    if let Some(e) = n.sa_end {
        if e < n.order_date {
            return Err(Error::invalid(
                "sa end",
                fmt_date(e),
                format!(
                    "must not be before the order date {}",
                    fmt_date(n.order_date)
                ),
            ));
        }
    }
    let lid = require_lid(ctx.tx, &n.licensing_id)?;
    let product = require_product(ctx.tx, &n.family, &n.version)?;
    match (n.kind, n.granted_by) {
        (EntitlementKind::Grant, Some(g)) => {
            let by: Option<i64> = ctx
                .tx
                .prepare_cached(
                    "SELECT licensing_id_id FROM entitlement WHERE id = ?1 AND kind <> 'grant'",
                )?
                .query_row([g], |r| r.get(0))
                .optional()?;
            if by != Some(lid.id) {
                return Err(Error::invalid(
                    "granted by",
                    g.to_string(),
                    format!(
                        "must be a non-grant entitlement of licensing ID {}",
                        lid.number
                    ),
                ));
            }
        }
        (EntitlementKind::Grant, None) => {}
        (k, Some(g)) => {
            return Err(Error::invalid(
                "granted by",
                g.to_string(),
                format!("only a grant line is granted by another line, not a {k} line"),
            ))
        }
        _ => {}
    }
    Ok(CheckedLine {
        lid,
        product,
        from_family,
    })
}

/// The last day of a line's SA coverage (kinds with coverage only): `sa_end`, else the licensing
/// ID's end date, else open.
fn coverage_end(n: &NewEntitlement, lid: &LicensingId) -> Option<String> {
    n.kind.has_coverage().then(|| {
        n.sa_end
            .or(lid.end_date)
            .map_or_else(|| "9999-12-31".to_string(), fmt_date)
    })
}

/// The entitlement with this id, if any.
pub(crate) fn find_entitlement(
    conn: &rusqlite::Connection,
    id: i64,
) -> Result<Option<Entitlement>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ENT_COLUMNS} FROM {ENT_FROM} WHERE e.id = ?1"
        ))?
        .query_row([id], ent_from_row)
        .optional()?)
}

fn insert_entitlement(ctx: &WriteCtx<'_>, n: &NewEntitlement) -> Result<Entitlement> {
    insert_entitlement_with_id(ctx, n, None)
}

/// Adds an order line with every rule of [`Store::add_entitlement`]; `id`, when given, is the
/// line's id (an unused one: restoring lines keeps their ids, which `granted_by` refers to).
pub(crate) fn insert_entitlement_with_id(
    ctx: &WriteCtx<'_>,
    n: &NewEntitlement,
    id: Option<i64>,
) -> Result<Entitlement> {
    let c = check_entitlement(ctx, n)?;
    if let Some(id) = id {
        if id <= 0 {
            return Err(Error::invalid(
                "entitlement id",
                id.to_string(),
                "must be greater than zero",
            ));
        }
        if find_entitlement(ctx.tx, id)?.is_some() {
            return Err(Error::AlreadyExists {
                entity: "entitlement",
                key: id.to_string(),
            });
        }
    }
    ctx.tx
        .prepare_cached(
            "INSERT INTO entitlement (id, licensing_id_id, product_id, quantity, kind, from_family, \
             order_date, sa_end, coverage_end, granted_by, created_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
        )?
        .execute(params![
            id,
            c.lid.id,
            c.product.id,
            n.quantity,
            n.kind,
            c.from_family,
            fmt_date(n.order_date),
            n.sa_end.map(fmt_date),
            coverage_end(n, &c.lid),
            n.granted_by,
            ctx.now
        ])?;
    let id = ctx.tx.last_insert_rowid();
    let e = find_entitlement(ctx.tx, id)?
        .ok_or_else(|| Error::Internal(format!("entitlement {id} vanished after its insert")))?;
    ctx.audit(
        "entitlement.add",
        "entitlement",
        &id.to_string(),
        None,
        Some(&serde_json::to_value(&e)?),
    )?;
    Ok(e)
}

/// Changes an order line's quantity, order date, SA end and `granted_by` to those of `n`, with
/// every rule of [`Store::add_entitlement`]. What a line *is* does not change: a different
/// licensing ID, product, kind or step-up family is refused ([`Error::InvalidArgument`] naming
/// the field). Returns the line and whether anything changed (an audit row `entitlement.update`).
pub(crate) fn update_entitlement(
    ctx: &WriteCtx<'_>,
    before: &Entitlement,
    n: &NewEntitlement,
) -> Result<(Entitlement, bool)> {
    let fixed = |what: &str, given: &str, stored: &str| -> Result<()> {
        if given.trim().eq_ignore_ascii_case(stored) {
            Ok(())
        } else {
            Err(Error::invalid(
                what,
                given.trim(),
                format!(
                    "entitlement {} has {what} {stored:?}; an order line's licensing ID, product, \
                     kind and from family do not change (add a new line instead)",
                    before.id
                ),
            ))
        }
    };
    fixed("licensing ID", &n.licensing_id, &before.licensing_id)?;
    fixed("family", &n.family, &before.family)?;
    fixed("version", &n.version, &before.version)?;
    fixed("kind", n.kind.as_str(), before.kind.as_str())?;
    fixed(
        "from family",
        n.from_family.as_deref().unwrap_or(""),
        before.from_family.as_deref().unwrap_or(""),
    )?;
    let c = check_entitlement(ctx, n)?;
    let after = Entitlement {
        quantity: n.quantity,
        order_date: n.order_date,
        sa_end: n.sa_end,
        granted_by: n.granted_by,
        ..before.clone()
    };
    if &after == before {
        return Ok((after, false));
    }
    ctx.tx
        .prepare_cached(
            "UPDATE entitlement SET quantity = ?2, order_date = ?3, sa_end = ?4, coverage_end = ?5, \
             granted_by = ?6 WHERE id = ?1",
        )?
        .execute(params![
            before.id,
            n.quantity,
            fmt_date(n.order_date),
            n.sa_end.map(fmt_date),
            coverage_end(n, &c.lid),
            n.granted_by
        ])?;
    let after = find_entitlement(ctx.tx, before.id)?
        .ok_or_else(|| Error::Internal(format!("entitlement {} vanished", before.id)))?;
    ctx.audit(
        "entitlement.update",
        "entitlement",
        &before.id.to_string(),
        Some(&serde_json::to_value(before)?),
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok((after, true))
}

impl Store {
    /// Adds a licensing ID for an existing customer. Fails with [`Error::NotFound`] for an
    /// unknown customer, [`Error::AlreadyExists`] for a taken number, [`Error::InvalidArgument`]
    /// for an empty number or an end date before the start date.
    pub fn add_licensing_id(&mut self, lid: &NewLicensingId) -> Result<LicensingId> {
        self.require_owner("add licensing IDs")?;
        self.write(|ctx| insert_lid(ctx, lid))
    }

    /// The licensing ID with this number, or [`Error::NotFound`].
    pub fn licensing_id(&self, number: &str) -> Result<LicensingId> {
        self.require_any(number, read::LICENSING_IDS)?;
        require_lid(self.conn(), number)
    }

    /// Every licensing ID (of one customer, when given), by number.
    pub fn licensing_ids(&self, customer: Option<&str>) -> Result<Vec<LicensingId>> {
        let cid = match customer {
            Some(c) => Some(crate::customers::require(self.conn(), c)?.id),
            None => None,
        };
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {LID_COLUMNS} FROM licensing_id l JOIN customer c ON c.id = l.customer_id \
             WHERE ?1 IS NULL OR l.customer_id = ?1 ORDER BY l.number"
        ))?;
        let rows = st.query_map([cid], lid_from_row)?;
        self.visible_only(
            rows.collect::<rusqlite::Result<_>>()?,
            |l| &l.number,
            read::LICENSING_IDS,
        )
    }

    /// Adds a product. Fails with [`Error::AlreadyExists`] when the family and version exist.
    /// Product keys whose product name is "family version" are linked to it.
    pub fn add_product(&mut self, p: &NewProduct) -> Result<Product> {
        self.require_owner("add products")?;
        self.write(|ctx| insert_product(ctx, p))
    }

    /// The product with this family and version, or [`Error::NotFound`].
    pub fn product(&self, family: &str, version: &str) -> Result<Product> {
        require_product(self.conn(), family, version)
    }

    /// Every product, by family and version (versions in reading order).
    pub fn products(&self) -> Result<Vec<Product>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT id, family, version, pool FROM product")?;
        let mut v: Vec<Product> = st
            .query_map([], product_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        v.sort_by(|a, b| {
            a.family
                .to_lowercase()
                .cmp(&b.family.to_lowercase())
                .then_with(|| compare_versions(&a.version, &b.version))
        });
        Ok(v)
    }

    /// Adds an entitlement (order line). Refuses, naming the input and writing nothing: a
    /// quantity of zero or less, an unknown licensing ID or product, a step_up without an
    /// existing `from_family` (or any other kind with one), an `sa_end` on a kind without
    /// coverage or before the order date, a `granted_by` that is not a line of the same
    /// licensing ID.
    pub fn add_entitlement(&mut self, e: &NewEntitlement) -> Result<Entitlement> {
        let _ok = self.require_role(&e.licensing_id, Role::Administrator)?;
        self.write(|ctx| insert_entitlement(ctx, e))
    }

    /// Adds many entitlements in one transaction, all or none (the first refusal is returned).
    pub fn add_entitlements(&mut self, lines: &[NewEntitlement]) -> Result<Vec<Entitlement>> {
        let _ok = (lines
            .iter()
            .map(|e| self.require_role(&e.licensing_id, Role::Administrator)))
        .collect::<Result<Vec<_>>>()?;
        self.write(|ctx| lines.iter().map(|e| insert_entitlement(ctx, e)).collect())
    }

    /// The entitlements (of one licensing ID, when given), by id.
    pub fn entitlements(&self, licensing_id: Option<&str>) -> Result<Vec<Entitlement>> {
        licensing_id
            .map(|n| self.require_any(n, read::ENTITLEMENTS))
            .transpose()?;
        let lid = match licensing_id {
            Some(n) => Some(require_lid(self.conn(), n)?.id),
            None => None,
        };
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {ENT_COLUMNS} FROM {ENT_FROM} WHERE ?1 IS NULL OR e.licensing_id_id = ?1 ORDER BY e.id"
        ))?;
        let rows = st.query_map([lid], ent_from_row)?;
        self.visible_only(
            rows.collect::<rusqlite::Result<_>>()?,
            |e| &e.licensing_id,
            read::ENTITLEMENTS,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::customers::NewCustomer;
    use crate::error::ErrorCode;
    use crate::Clock;

    pub(crate) fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A store at 2025-06-01 with customer Contoso, an Enterprise licensing ID "E1"
    /// (2024-01-01..2026-12-31), an Open Value "OV1" and Office/Windows products.
    pub(crate) fn store() -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        s.set_clock(Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        s.set_actor("tester")?;
        s.add_customer(&NewCustomer::named("Contoso"))?;
        let mut e1 = NewLicensingId::new("E1", "Contoso", Program::Enterprise);
        e1.start_date = Some(d("2024-01-01"));
        e1.end_date = Some(d("2026-12-31"));
        s.add_licensing_id(&e1)?;
        let mut ov = NewLicensingId::new("OV1", "Contoso", Program::OpenValue);
        ov.start_date = Some(d("2023-01-01"));
        ov.end_date = Some(d("2025-12-31"));
        s.add_licensing_id(&ov)?;
        for (f, v, p) in [
            ("Office Standard", "2016", Pool::Applications),
            ("Office Standard", "2019", Pool::Applications),
            ("Office Standard", "2021", Pool::Applications),
            ("Office Professional Plus", "2016", Pool::Applications),
            ("Office Professional Plus", "2019", Pool::Applications),
            ("Office Professional Plus", "2021", Pool::Applications),
            ("Windows Enterprise", "10", Pool::Systems),
            ("Windows Server Standard", "2022", Pool::Servers),
        ] {
            s.add_product(&NewProduct {
                family: f.into(),
                version: v.into(),
                pool: p,
            })?;
        }
        Ok(s)
    }

    pub(crate) fn line(
        lid: &str,
        family: &str,
        version: &str,
        q: i64,
        kind: EntitlementKind,
        order: &str,
    ) -> NewEntitlement {
        NewEntitlement {
            licensing_id: lid.into(),
            family: family.into(),
            version: version.into(),
            quantity: q,
            kind,
            from_family: None,
            order_date: d(order),
            sa_end: None,
            granted_by: None,
        }
    }

    #[test]
    fn versions_compare_as_people_read_them() {
        assert_eq!(compare_versions("2019", "2021"), Ordering::Less);
        assert_eq!(compare_versions("9", "10"), Ordering::Less);
        assert_eq!(compare_versions("2016 R2", "2016"), Ordering::Greater);
        assert_eq!(compare_versions("LTSC 2021", "ltsc 2021"), Ordering::Equal);
        assert_eq!(compare_versions("007", "7"), Ordering::Equal);
    }

    #[test]
    fn licensing_ids_and_products() -> Result<()> {
        let mut s = store()?;
        let e1 = s.licensing_id("e1")?;
        assert_eq!(
            (e1.customer.as_str(), e1.program),
            ("Contoso", Program::Enterprise)
        );
        assert!(e1.is_active_on(d("2025-06-01")));
        assert!(!e1.is_active_on(d("2027-01-01")));
        assert_eq!(s.licensing_ids(Some("contoso"))?.len(), 2);
        let e = s.add_licensing_id(&NewLicensingId::new("E1", "Contoso", Program::Open));
        assert_eq!(e.unwrap_err().code(), ErrorCode::AlreadyExists);
        let e = s.add_licensing_id(&NewLicensingId::new("X", "Nobody", Program::Open));
        assert!(e.unwrap_err().to_string().contains("Nobody"));
        let mut bad = NewLicensingId::new("X", "Contoso", Program::Open);
        bad.start_date = Some(d("2025-01-01"));
        bad.end_date = Some(d("2024-01-01"));
        assert_eq!(
            s.add_licensing_id(&bad).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!("open value".parse::<Program>()?, Program::OpenValue);
        assert_eq!(
            Program::from_vlsc("Enterprise Agreement"),
            Program::Enterprise
        );
        assert_eq!(
            Program::from_vlsc("Select Plus for Government"),
            Program::SelectPlus
        );
        assert_eq!(
            s.product("office standard", "2019")?.pool,
            Pool::Applications
        );
        let v: Vec<String> = s.products()?.iter().map(|p| p.name()).collect();
        assert_eq!(v[0], "Office Professional Plus 2016");
        Ok(())
    }

    #[test]
    fn entitlement_bad_input_names_it_and_writes_nothing() -> Result<()> {
        let mut s = store()?;
        let audit = s.audit_entries(None)?.len();
        let ok = line(
            "E1",
            "Office Standard",
            "2019",
            5,
            EntitlementKind::Full,
            "2024-02-01",
        );
        let cases: Vec<(NewEntitlement, ErrorCode, &str)> = vec![
            (
                NewEntitlement {
                    quantity: 0,
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "quantity \"0\"",
            ),
            (
                NewEntitlement {
                    quantity: -3,
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "quantity \"-3\"",
            ),
            (
                NewEntitlement {
                    licensing_id: "NOPE".into(),
                    ..ok.clone()
                },
                ErrorCode::NotFound,
                "NOPE",
            ),
            (
                NewEntitlement {
                    version: "1999".into(),
                    ..ok.clone()
                },
                ErrorCode::NotFound,
                "Office Standard 1999",
            ),
            (
                NewEntitlement {
                    kind: EntitlementKind::StepUp,
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "from family",
            ),
            (
                NewEntitlement {
                    kind: EntitlementKind::StepUp,
                    from_family: Some("Visio".into()),
                    ..ok.clone()
                },
                ErrorCode::NotFound,
                "Visio",
            ),
            (
                NewEntitlement {
                    from_family: Some("Office Standard".into()),
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "from family",
            ),
            (
                NewEntitlement {
                    sa_end: Some(d("2026-01-01")),
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "sa end",
            ),
            (
                NewEntitlement {
                    kind: EntitlementKind::Sa,
                    sa_end: Some(d("2020-01-01")),
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "sa end",
            ),
            (
                NewEntitlement {
                    kind: EntitlementKind::Grant,
                    granted_by: Some(999),
                    ..ok.clone()
                },
                ErrorCode::InvalidArgument,
                "granted by",
            ),
        ];
        for (e, code, needle) in cases {
            let err = s.add_entitlement(&e).unwrap_err();
            assert_eq!(err.code(), code, "{e:?}: {err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
        assert!(s.entitlements(None)?.is_empty());
        assert_eq!(s.audit_entries(None)?.len(), audit);
        // All-or-nothing batches.
        let err = s.add_entitlements(&[
            ok.clone(),
            NewEntitlement {
                quantity: 0,
                ..ok.clone()
            },
        ]);
        assert!(err.is_err());
        assert!(s.entitlements(None)?.is_empty());
        let base = s.add_entitlement(&ok)?;
        let g = s.add_entitlement(&NewEntitlement {
            kind: EntitlementKind::Grant,
            granted_by: Some(base.id),
            ..ok.clone()
        })?;
        assert_eq!(g.granted_by, Some(base.id));
        assert_eq!(s.entitlements(Some("E1"))?.len(), 2);
        assert_eq!(
            s.audit_entries(Some(("entitlement", &g.id.to_string())))?
                .len(),
            1
        );
        Ok(())
    }
}
