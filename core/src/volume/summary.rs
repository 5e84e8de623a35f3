//! The license summary: per customer, product family and version, as of a date, what the
//! entitlements amount to once upgrades, step-ups and Software Assurance are resolved, and how
//! that compares with what is deployed (MAK activations of the product).
//!
//! The algorithm and its decisions are written down with worked examples in
//! `docs/summary-algorithm.md`; in short:
//!
//! 1. Only lines ordered on or before the date count. A line with coverage (license_and_sa, sa,
//!    step_up) has *active* coverage when the date is on or before its `sa_end` (or, without one,
//!    the licensing ID's end date; without either, coverage does not end).
//! 2. Base lines (full, license_and_sa, grant) add licenses at their product. Each license is in
//!    one of four *lots* at its product: uncovered, uncovered grant, covered, covered grant.
//! 3. Moving lines (upgrade, step_up) are processed by target version ascending (then upgrades
//!    before step-ups, then by family). An upgrade claims licenses of the same family at an older
//!    version; a step-up claims licenses of `from_family` at the same or an older version. Claims
//!    take the newest qualifying version first and, within a version, the lots in the order above.
//!    Claimed licenses move to the line's product and keep their grant mark and their own
//!    coverage; a step-up with active coverage covers what it moves.
//! 4. Then sa lines with active coverage, by version ascending, cover uncovered licenses of their
//!    family at the same or an older version (newest first). An sa line whose coverage has ended
//!    claims nothing and is not unresolved: it is history.
//! 5. Whatever a moving or an active sa line cannot claim is unresolved, at the line's product.
//!
//! Performance: one `GROUP BY` query reduces any number of lines to at most
//! (products x kinds x from-families x 2) rows, one more sums MAK activations per product from a
//! per-day table; the resolution then runs in memory on those few rows.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ffi::{c_int, CStr};
use std::sync::Arc;

use chrono::NaiveDate;
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConnection, VTabCursor,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{compare_versions, fmt_date, require_lid, EntitlementKind, Pool};
use crate::error::{Error, Result};
use crate::query::ChannelState;
use crate::store::Store;

/// What to summarize: one customer, as of a date, optionally only some licensing IDs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SummaryQuery {
    /// The customer's name.
    pub customer: String,
    /// The date (default: today by the store's clock).
    pub as_of: Option<NaiveDate>,
    /// Only these licensing IDs (numbers) of the customer; empty means all of them.
    pub licensing_ids: Vec<String>,
}

impl SummaryQuery {
    /// All of a customer's licensing IDs, as of today.
    pub fn customer(name: impl Into<String>) -> SummaryQuery {
        SummaryQuery {
            customer: name.into(),
            ..Default::default()
        }
    }
}

/// One line of the license summary: a customer's position in one product (family and version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryLine {
    /// The customer.
    pub customer: String,
    /// The product family.
    pub family: String,
    /// The product version.
    pub version: String,
    /// The product's pool.
    pub pool: Pool,
    /// Licenses whose current version is this one after upgrades and step-ups.
    pub effective_quantity: i64,
    /// Of those, licenses under SA coverage active on the date.
    pub active_sa_quantity: i64,
    /// Upgrade, step-up and (active) SA licenses of this product that found no qualifying base.
    pub unresolved_quantity: i64,
    /// Of the effective licenses, how many come from promotional grants.
    pub granted_quantity: i64,
    /// MAK activations of keys for this product (baseline + recorded on or before the date).
    pub deployed_quantity: i64,
    /// `effective_quantity - deployed_quantity`: a surplus when positive, a shortfall when negative.
    pub balance: i64,
}

impl SummaryLine {
    /// Whether part of the effective quantity comes from grants (shown with `*`).
    pub fn has_grants(&self) -> bool {
        self.granted_quantity > 0
    }

    /// The shortfall (licenses missing for what is deployed), zero when there is none.
    pub fn shortfall(&self) -> i64 {
        (-self.balance).max(0)
    }

    /// The surplus (licenses not deployed), zero when there is none.
    pub fn surplus(&self) -> i64 {
        self.balance.max(0)
    }
}

/// One aggregated group of entitlement lines, the input of [`resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub product_id: i64,
    pub kind: EntitlementKind,
    pub from_family: Option<String>,
    /// Whether the line's own SA coverage is active on the date.
    pub covered: bool,
    pub quantity: i64,
}

/// What one product holds after resolution. Lot index: `covered * 2 + grant`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub lots: [i64; 4],
    pub unresolved: i64,
}

/// A product as the resolution needs it.
#[derive(Debug, Clone)]
pub(crate) struct ProductInfo {
    pub family: String,
    pub version: String,
    pub pool: Pool,
}

/// The claim order of the lots within one product: uncovered before covered (an upgrade is
/// bought for licenses without SA; SA ones have new-version rights), bought before granted.
const LOT_ORDER: [usize; 4] = [0, 1, 2, 3];

/// Resolves aggregated lines into per-product tallies (the algorithm in the module doc).
pub(crate) fn resolve(
    products: &HashMap<i64, ProductInfo>,
    groups: &[Group],
) -> HashMap<i64, Tally> {
    // Products of each family, versions ascending.
    let mut families: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, p) in products {
        families
            .entry(p.family.to_lowercase())
            .or_default()
            .push(*id);
    }
    for ids in families.values_mut() {
        ids.sort_by(|a, b| compare_versions(&products[a].version, &products[b].version));
    }
    let mut t: HashMap<i64, Tally> = HashMap::new();
    let ver = |id: i64| products[&id].version.as_str();

    // 1. Base lines.
    for g in groups.iter().filter(|g| g.kind.is_base()) {
        let lot = match g.kind {
            EntitlementKind::Grant => 1,
            EntitlementKind::LicenseAndSa if g.covered => 2,
            _ => 0,
        };
        t.entry(g.product_id).or_default().lots[lot] += g.quantity;
    }

    // 2. Moving lines: by target version ascending, upgrades first, then family.
    let mut moving: Vec<&Group> = groups
        .iter()
        .filter(|g| matches!(g.kind, EntitlementKind::Upgrade | EntitlementKind::StepUp))
        .collect();
    moving.sort_by(|a, b| {
        compare_versions(ver(a.product_id), ver(b.product_id))
            .then_with(|| {
                (a.kind == EntitlementKind::StepUp).cmp(&(b.kind == EntitlementKind::StepUp))
            })
            .then_with(|| {
                products[&a.product_id]
                    .family
                    .to_lowercase()
                    .cmp(&products[&b.product_id].family.to_lowercase())
            })
            .then_with(|| a.product_id.cmp(&b.product_id))
    });
    for g in moving {
        let target = &products[&g.product_id];
        let (source_family, qualifies): (String, fn(Ordering) -> bool) = match g.kind {
            EntitlementKind::Upgrade => (target.family.to_lowercase(), |o| o == Ordering::Less),
            _ => (
                g.from_family.clone().unwrap_or_default().to_lowercase(),
                |o| o != Ordering::Greater,
            ),
        };
        let candidates: Vec<i64> = families
            .get(&source_family)
            .map(|ids| {
                ids.iter()
                    .rev()
                    .copied()
                    .filter(|&id| id != g.product_id)
                    .filter(|&id| qualifies(compare_versions(ver(id), &target.version)))
                    .collect()
            })
            .unwrap_or_default();
        let mut remaining = g.quantity;
        for src in candidates {
            for lot in LOT_ORDER {
                if remaining == 0 {
                    break;
                }
                let have = t.get(&src).map_or(0, |x| x.lots[lot]);
                let take = have.min(remaining);
                if take == 0 {
                    continue;
                }
                t.entry(src).or_default().lots[lot] -= take;
                let to_lot = if g.kind == EntitlementKind::StepUp && g.covered {
                    lot | 2
                } else {
                    lot
                };
                t.entry(g.product_id).or_default().lots[to_lot] += take;
                remaining -= take;
            }
        }
        t.entry(g.product_id).or_default().unresolved += remaining;
    }

    // 3. SA lines with active coverage: by version ascending, then family.
    let mut sa: Vec<&Group> = groups
        .iter()
        .filter(|g| g.kind == EntitlementKind::Sa && g.covered)
        .collect();
    sa.sort_by(|a, b| {
        compare_versions(ver(a.product_id), ver(b.product_id))
            .then_with(|| a.product_id.cmp(&b.product_id))
    });
    for g in sa {
        let target = &products[&g.product_id];
        let candidates: Vec<i64> = families[&target.family.to_lowercase()]
            .iter()
            .rev()
            .copied()
            .filter(|&id| compare_versions(ver(id), &target.version) != Ordering::Greater)
            .collect();
        let mut remaining = g.quantity;
        for src in candidates {
            for lot in [0, 1] {
                let have = t.get(&src).map_or(0, |x| x.lots[lot]);
                let take = have.min(remaining);
                if take > 0 {
                    let e = t.entry(src).or_default();
                    e.lots[lot] -= take;
                    e.lots[lot | 2] += take;
                    remaining -= take;
                }
            }
        }
        t.entry(g.product_id).or_default().unresolved += remaining;
    }
    t
}

fn load_products(conn: &Connection) -> Result<HashMap<i64, ProductInfo>> {
    let mut st = conn.prepare_cached("SELECT id, family, version, pool FROM product")?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            ProductInfo {
                family: r.get(1)?,
                version: r.get(2)?,
                pool: r.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Per licensing ID: lines ordered on or before the date, summed per product, kind and
/// from-family, with the part whose coverage is active on the date. Served by the covering index
/// `entitlement_summary` in index order (no sort).
const GROUPS_SQL: &str = "\
SELECT product_id, kind, from_family, SUM(quantity),
       SUM(CASE WHEN coverage_end >= ?2 THEN quantity ELSE 0 END)
FROM entitlement INDEXED BY entitlement_summary
WHERE licensing_id_id = ?1 AND order_date <= ?2
GROUP BY product_id, kind, from_family";

/// The licensing IDs (and their customers) to summarize.
const LIDS_SQL: &str = "\
SELECT id, customer_id FROM licensing_id
WHERE (?1 IS NULL OR customer_id = ?1)
  AND (?2 IS NULL OR id IN (SELECT value FROM json_each(?2)))";

const DEPLOYED_SQL: &str = "\
SELECT l.customer_id, k.product_id,
       SUM(k.baseline_used + COALESCE((SELECT SUM(d.n) FROM key_activation_daily d
                                       WHERE d.key_id = k.id AND d.day <= ?1), 0))
FROM licensing_id l JOIN product_key k ON k.licensing_id_id = l.id
WHERE k.type = 'MAK' AND k.product_id IS NOT NULL
  AND (?2 IS NULL OR l.customer_id = ?2)
  AND (?3 IS NULL OR l.id IN (SELECT value FROM json_each(?3)))
GROUP BY 1, 2";

type Computed = Vec<(i64, i64, Tally, i64)>;

/// Computes (customer id, product id, tally, deployed) for one or every customer.
fn compute(
    conn: &Connection,
    as_of: NaiveDate,
    customer_id: Option<i64>,
    lids: Option<&[i64]>,
) -> Result<Computed> {
    let day = fmt_date(as_of);
    let lids_json = lids.map(|l| serde_json::Value::from(l.to_vec()).to_string());
    let products = load_products(conn)?;
    let mut by_customer: HashMap<i64, Vec<Group>> = HashMap::new();
    {
        let targets: Vec<(i64, i64)> = conn
            .prepare_cached(LIDS_SQL)?
            .query_map(params![customer_id, lids_json], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = conn.prepare_cached(GROUPS_SQL)?;
        for (lid, cid) in targets {
            let groups = by_customer.entry(cid).or_default();
            let mut rows = st.query(params![lid, day])?;
            while let Some(r) = rows.next()? {
                let product_id: i64 = r.get(0)?;
                let kind: EntitlementKind = r.get(1)?;
                let from_family: Option<String> = r.get(2)?;
                let total: i64 = r.get(3)?;
                let covered: i64 = r.get(4)?;
                for (q, c) in [(covered, true), (total - covered, false)] {
                    if q > 0 {
                        groups.push(Group {
                            product_id,
                            kind,
                            from_family: from_family.clone(),
                            covered: c,
                            quantity: q,
                        });
                    }
                }
            }
        }
    }
    let mut deployed: HashMap<(i64, i64), i64> = HashMap::new();
    {
        let mut st = conn.prepare_cached(DEPLOYED_SQL)?;
        let mut rows = st.query(params![day, customer_id, lids_json])?;
        while let Some(r) = rows.next()? {
            deployed.insert((r.get(0)?, r.get(1)?), r.get(2)?);
        }
    }
    let mut out = Vec::new();
    for (cid, groups) in &by_customer {
        for (pid, tally) in resolve(&products, groups) {
            let dep = deployed.remove(&(*cid, pid)).unwrap_or(0);
            out.push((*cid, pid, tally, dep));
        }
    }
    for ((cid, pid), dep) in deployed {
        out.push((cid, pid, Tally::default(), dep));
    }
    Ok(out)
}

fn to_line(customer: &str, p: &ProductInfo, t: &Tally, deployed: i64) -> SummaryLine {
    let effective: i64 = t.lots.iter().sum();
    SummaryLine {
        customer: customer.to_string(),
        family: p.family.clone(),
        version: p.version.clone(),
        pool: p.pool,
        effective_quantity: effective,
        active_sa_quantity: t.lots[2] + t.lots[3],
        unresolved_quantity: t.unresolved,
        granted_quantity: t.lots[1] + t.lots[3],
        deployed_quantity: deployed,
        balance: effective - deployed,
    }
}

impl Store {
    /// The license summary of one customer as of a date (see [`SummaryQuery`]), one line per
    /// product with any entitlement or MAK deployment, by family and version.
    ///
    /// Fails with [`Error::NotFound`] for an unknown customer or licensing ID, and with
    /// [`Error::InvalidArgument`] for a licensing ID of another customer.
    pub fn license_summary(&self, q: &SummaryQuery) -> Result<Vec<SummaryLine>> {
        let q = &self.scoped_summary_query(q)?;
        let customer = crate::customers::require(self.conn(), &q.customer)?;
        let as_of = q.as_of.unwrap_or_else(|| self.now().date_naive());
        let lids = if q.licensing_ids.is_empty() {
            None
        } else {
            let mut ids = Vec::with_capacity(q.licensing_ids.len());
            for n in &q.licensing_ids {
                let l = require_lid(self.conn(), n)?;
                if l.customer != customer.name {
                    return Err(Error::invalid(
                        "licensing ID",
                        n,
                        format!("belongs to {}, not to {}", l.customer, customer.name),
                    ));
                }
                ids.push(l.id);
            }
            Some(ids)
        };
        let products = load_products(self.conn())?;
        let rows = compute(self.conn(), as_of, Some(customer.id), lids.as_deref())?;
        let mut lines: Vec<SummaryLine> = rows
            .iter()
            .map(|(_, pid, t, dep)| to_line(&customer.name, &products[pid], t, *dep))
            .collect();
        lines.sort_by(|a, b| {
            a.family
                .to_lowercase()
                .cmp(&b.family.to_lowercase())
                .then_with(|| compare_versions(&a.version, &b.version))
        });
        Ok(lines)
    }
}

// ---------------------------------------------------------------------------------------------
// The `license_summary` table of the query channel: the summary of every customer (or of one
// licensing ID) as of a date, computed when it is read. Nothing is stored, so reading never
// writes and is always as of the clock.

/// The columns, in order; the last two are hidden (the table-valued function's arguments).
const VTAB_SCHEMA: &CStr = c"CREATE TABLE x(
    customer TEXT, family TEXT, version TEXT, pool TEXT,
    effective_quantity INTEGER, active_sa_quantity INTEGER, unresolved_quantity INTEGER,
    granted_quantity INTEGER, grant_mark TEXT, deployed_quantity INTEGER, balance INTEGER,
    shortfall INTEGER, surplus INTEGER, as_of TEXT,
    on_date HIDDEN, licensing_id HIDDEN)";
const COL_CUSTOMER: c_int = 0;
const COL_AS_OF: c_int = 13;
const COL_ON_DATE: c_int = 14;
const COL_LICENSING_ID: c_int = 15;

/// Plan bits (`idx_num`): which arguments `filter` receives, in this order.
const ARG_DATE: c_int = 1;
const ARG_AS_OF: c_int = 2;
const ARG_LICENSING_ID: c_int = 4;
const ARG_CUSTOMER: c_int = 8;

/// Registers `license_summary` on the query channel's connection.
pub(crate) fn register(conn: &Connection, state: Arc<ChannelState>) -> rusqlite::Result<()> {
    const MODULE: Module<'static, SummaryTab> = Module::eponymous_only_module();
    conn.create_module(c"license_summary", &MODULE, Some(state))
}

#[repr(C)]
struct SummaryTab {
    /// Base class; must be first.
    base: rusqlite::ffi::sqlite3_vtab,
    /// The connection the table lives on: the summary is computed on it, inside the reading
    /// statement's transaction, so it sees the same snapshot as the rest of the statement.
    db: *mut rusqlite::ffi::sqlite3,
    state: Arc<ChannelState>,
}

unsafe impl<'vtab> VTab<'vtab> for SummaryTab {
    type Aux = Arc<ChannelState>;
    type Cursor = SummaryCursor<'vtab>;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Arc<ChannelState>>,
        _module_name: &[u8],
        _database_name: &[u8],
        _table_name: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, SummaryTab)> {
        let state = aux
            .cloned()
            .ok_or_else(|| rusqlite::Error::ModuleError("license_summary: no channel".into()))?;
        // SAFETY: the handle is the connection this table is registered on; the table never
        // outlives it (SQLite disconnects the table before closing the connection).
        let handle = unsafe { db.handle() };
        Ok((
            Cow::Borrowed(VTAB_SCHEMA),
            SummaryTab {
                base: rusqlite::ffi::sqlite3_vtab::default(),
                db: handle,
                state,
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        // The first usable `=` constraint on each input column, by argument.
        let mut found: [Option<usize>; 4] = [None; 4];
        for (i, c) in info.constraints().enumerate() {
            let slot = match c.column() {
                COL_ON_DATE => 0,
                COL_AS_OF => 1,
                COL_LICENSING_ID => 2,
                COL_CUSTOMER => 3,
                _ => continue,
            };
            if c.operator() != IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ {
                continue;
            }
            if !c.is_usable() {
                // An argument that depends on a table not read yet: ask for another plan.
                if slot == 0 || slot == 2 {
                    return Ok(false);
                }
                continue;
            }
            found[slot].get_or_insert(i);
        }
        let mut idx_num = 0;
        let mut argv = 0;
        let mut cost = 1_000_000.0;
        for (slot, bit) in [ARG_DATE, ARG_AS_OF, ARG_LICENSING_ID, ARG_CUSTOMER]
            .into_iter()
            .enumerate()
        {
            let Some(i) = found[slot] else { continue };
            idx_num |= bit;
            argv += 1;
            let mut usage = info.constraint_usage(i);
            usage.set_argv_index(argv);
            // The function's arguments are consumed; `as_of` and `customer` are rechecked by
            // SQLite (the customer lookup here is case-insensitive, the column's `=` may not be).
            usage.set_omit(bit == ARG_DATE || bit == ARG_LICENSING_ID);
            if bit == ARG_LICENSING_ID || bit == ARG_CUSTOMER {
                cost /= 10.0;
            }
        }
        info.set_idx_num(idx_num);
        info.set_estimated_cost(cost);
        info.set_estimated_rows(1_000);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<SummaryCursor<'vtab>> {
        Ok(SummaryCursor {
            base: rusqlite::ffi::sqlite3_vtab_cursor::default(),
            tab: self,
            rows: Vec::new(),
            at: 0,
            as_of: String::new(),
            on_date: None,
            licensing_id: None,
        })
    }
}

#[repr(C)]
struct SummaryCursor<'vtab> {
    /// Base class; must be first.
    base: rusqlite::ffi::sqlite3_vtab_cursor,
    tab: &'vtab SummaryTab,
    rows: Vec<SummaryLine>,
    at: usize,
    as_of: String,
    on_date: Option<String>,
    licensing_id: Option<String>,
}

fn module_error(e: Error) -> rusqlite::Error {
    rusqlite::Error::ModuleError(format!("license_summary: {e}"))
}

impl SummaryCursor<'_> {
    /// Computes the rows for one plan and its arguments.
    fn compute_rows(
        &mut self,
        conn: &Connection,
        idx_num: c_int,
        args: &Filters<'_>,
    ) -> Result<()> {
        let mut next = 0;
        let mut arg = |bit: c_int| -> rusqlite::Result<Option<String>> {
            if idx_num & bit == 0 {
                return Ok(None);
            }
            next += 1;
            args.get::<Option<String>>(next - 1)
        };
        let on_date = arg(ARG_DATE)?;
        let as_of_column = arg(ARG_AS_OF)?;
        let licensing_id = arg(ARG_LICENSING_ID)?;
        let customer = arg(ARG_CUSTOMER)?;
        self.on_date = on_date.clone();
        self.licensing_id = licensing_id.clone();
        let as_of = match (&on_date, &as_of_column) {
            (Some(d), _) => crate::validate::date("license_summary date", d)?,
            // `WHERE as_of = 'x'`: a value that is no date matches no row.
            (None, Some(text)) => match crate::validate::date("as_of", text) {
                Ok(d) if fmt_date(d) == *text => d,
                _ => return Ok(()),
            },
            (None, None) => self.tab.state.now().date_naive(),
        };
        self.as_of = fmt_date(as_of);
        let customer_id = match &customer {
            Some(name) => match conn
                .prepare_cached("SELECT id FROM customer WHERE name = ?1")?
                .query_row([name], |r| r.get::<_, i64>(0))
                .optional()?
            {
                Some(id) => Some(id),
                None => return Ok(()),
            },
            None => None,
        };
        let lids = match &licensing_id {
            Some(n) => Some(vec![require_lid(conn, n)?.id]),
            None => None,
        };
        let lids = crate::access::summary_lids(conn, self.tab.state.scope, lids)?;
        let products = load_products(conn)?;
        let mut customers: HashMap<i64, String> = HashMap::new();
        {
            let mut st = conn.prepare_cached("SELECT id, name FROM customer")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                customers.insert(r.get(0)?, r.get(1)?);
            }
        }
        let computed = compute(conn, as_of, customer_id, lids.as_deref())?;
        self.rows = computed
            .iter()
            .map(|(cid, pid, t, dep)| {
                let name = customers.get(cid).map_or("", String::as_str);
                to_line(name, &products[pid], t, *dep)
            })
            .collect();
        self.rows.sort_by(|a, b| {
            a.customer
                .to_lowercase()
                .cmp(&b.customer.to_lowercase())
                .then_with(|| a.family.to_lowercase().cmp(&b.family.to_lowercase()))
                .then_with(|| compare_versions(&a.version, &b.version))
        });
        Ok(())
    }
}

unsafe impl VTabCursor for SummaryCursor<'_> {
    fn filter(
        &mut self,
        idx_num: c_int,
        _idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<()> {
        self.rows.clear();
        self.at = 0;
        let state = Arc::clone(&self.tab.state);
        let _internal = state.internal();
        // SAFETY: `db` is the live connection running this statement (see `SummaryTab::db`); the
        // borrowed `Connection` does not close it when dropped.
        let conn = unsafe { Connection::from_handle(self.tab.db) }?;
        let r = self.compute_rows(&conn, idx_num, args);
        drop(conn);
        r.map_err(module_error)
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.at += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.at >= self.rows.len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        let l = &self.rows[self.at];
        match i {
            0 => ctx.set_result(&l.customer),
            1 => ctx.set_result(&l.family),
            2 => ctx.set_result(&l.version),
            3 => ctx.set_result(l.pool.as_str()),
            4 => ctx.set_result(l.effective_quantity),
            5 => ctx.set_result(l.active_sa_quantity),
            6 => ctx.set_result(l.unresolved_quantity),
            7 => ctx.set_result(l.granted_quantity),
            8 => ctx.set_result(if l.has_grants() { "*" } else { "" }),
            9 => ctx.set_result(l.deployed_quantity),
            10 => ctx.set_result(l.balance),
            11 => ctx.set_result(l.shortfall()),
            12 => ctx.set_result(l.surplus()),
            13 => ctx.set_result(&self.as_of),
            COL_ON_DATE => ctx.set_result(&self.on_date),
            _ => ctx.set_result(&self.licensing_id),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.at as i64 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::tests::{d, line, store};
    use crate::volume::EntitlementKind::*;
    use crate::volume::NewEntitlement;

    fn summary(s: &Store, as_of: &str) -> Result<Vec<SummaryLine>> {
        s.license_summary(&SummaryQuery {
            customer: "Contoso".into(),
            as_of: Some(d(as_of)),
            licensing_ids: vec![],
        })
    }

    /// (family, version) -> (effective, active_sa, unresolved, granted)
    fn get(lines: &[SummaryLine], family: &str, version: &str) -> (i64, i64, i64, i64) {
        lines
            .iter()
            .find(|l| l.family == family && l.version == version)
            .map_or((0, 0, 0, 0), |l| {
                (
                    l.effective_quantity,
                    l.active_sa_quantity,
                    l.unresolved_quantity,
                    l.granted_quantity,
                )
            })
    }

    const OS: &str = "Office Standard";
    const PP: &str = "Office Professional Plus";

    #[test]
    fn upgrade_with_a_qualifying_older_base_moves_it() -> Result<()> {
        let mut s = store()?;
        s.add_entitlement(&line("E1", OS, "2016", 10, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2021", 6, Upgrade, "2024-03-01"))?;
        let l = summary(&s, "2025-01-01")?;
        assert_eq!(get(&l, OS, "2016"), (4, 0, 0, 0));
        assert_eq!(get(&l, OS, "2021"), (6, 0, 0, 0));
        Ok(())
    }

    #[test]
    fn upgrade_without_a_qualifying_base_is_unresolved() -> Result<()> {
        let mut s = store()?;
        // Same version is not older: nothing qualifies.
        s.add_entitlement(&line("E1", OS, "2021", 3, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2021", 5, Upgrade, "2024-03-01"))?;
        // Partly resolvable: 2 older bases for 4 upgrades.
        s.add_entitlement(&line("E1", PP, "2016", 2, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", PP, "2019", 4, Upgrade, "2024-03-01"))?;
        let l = summary(&s, "2025-01-01")?;
        assert_eq!(get(&l, OS, "2021"), (3, 0, 5, 0));
        assert_eq!(get(&l, PP, "2016"), (0, 0, 0, 0));
        assert_eq!(get(&l, PP, "2019"), (2, 0, 2, 0));
        Ok(())
    }

    #[test]
    fn sa_covers_same_version_and_older_newest_first() -> Result<()> {
        let mut s = store()?;
        s.add_entitlement(&line("E1", OS, "2016", 5, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2019", 3, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2019", 4, Sa, "2024-02-01"))?;
        s.add_entitlement(&line("E1", OS, "2016", 10, Sa, "2024-02-01"))?;
        let l = summary(&s, "2025-01-01")?;
        // The 2016 line (processed first) covers the 5 at 2016 and has 5 left over; the 2019 line
        // covers the 3 at 2019, then finds no uncovered 2016 left: 1 unresolved.
        assert_eq!(get(&l, OS, "2016"), (5, 5, 5, 0));
        assert_eq!(get(&l, OS, "2019"), (3, 3, 1, 0));
        Ok(())
    }

    #[test]
    fn license_and_sa_coverage_ends_and_can_be_renewed() -> Result<()> {
        let mut s = store()?;
        let mut ls = line("E1", OS, "2019", 10, LicenseAndSa, "2024-01-10");
        ls.sa_end = Some(d("2024-12-31"));
        s.add_entitlement(&ls)?;
        assert_eq!(get(&summary(&s, "2024-06-01")?, OS, "2019"), (10, 10, 0, 0));
        // Coverage ended: licenses stay, SA does not.
        assert_eq!(get(&summary(&s, "2025-03-01")?, OS, "2019"), (10, 0, 0, 0));
        // Before the order date nothing exists yet.
        assert!(summary(&s, "2024-01-09")?.is_empty());
        // A renewal covers 6 of them from its order date; an ended sa line is history, not unresolved.
        let mut renew = line("E1", OS, "2019", 6, Sa, "2025-02-01");
        renew.sa_end = Some(d("2025-12-31"));
        s.add_entitlement(&renew)?;
        let mut old = line("E1", OS, "2019", 50, Sa, "2023-01-01");
        old.sa_end = Some(d("2023-12-31"));
        s.add_entitlement(&old)?;
        assert_eq!(get(&summary(&s, "2025-03-01")?, OS, "2019"), (10, 6, 0, 0));
        // Without sa_end, coverage ends with the licensing ID (E1 ends 2026-12-31).
        s.add_entitlement(&line("E1", PP, "2021", 2, LicenseAndSa, "2024-01-10"))?;
        assert_eq!(get(&summary(&s, "2026-12-31")?, PP, "2021"), (2, 2, 0, 0));
        assert_eq!(get(&summary(&s, "2027-01-01")?, PP, "2021"), (2, 0, 0, 0));
        // When the licensing ID's end date changes, so does that coverage (kept by a trigger).
        s.write(|ctx| {
            ctx.tx.execute(
                "UPDATE licensing_id SET end_date = '2027-06-30' WHERE number = 'E1'",
                [],
            )?;
            Ok(())
        })?;
        assert_eq!(get(&summary(&s, "2027-01-01")?, PP, "2021"), (2, 2, 0, 0));
        assert_eq!(
            get(&summary(&s, "2027-01-01")?, OS, "2019"),
            (10, 0, 0, 0),
            "a line with its own sa_end keeps it"
        );
        Ok(())
    }

    #[test]
    fn sa_coverage_follows_an_upgraded_license() -> Result<()> {
        let mut s = store()?;
        s.add_entitlement(&line("E1", OS, "2016", 4, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2016", 4, LicenseAndSa, "2024-01-10"))?;
        // Uncovered licenses are upgraded first; then covered ones, which stay covered.
        s.add_entitlement(&line("E1", OS, "2019", 6, Upgrade, "2024-03-01"))?;
        let l = summary(&s, "2025-01-01")?;
        assert_eq!(get(&l, OS, "2016"), (2, 2, 0, 0));
        assert_eq!(get(&l, OS, "2019"), (6, 2, 0, 0));
        Ok(())
    }

    #[test]
    fn step_up_moves_licenses_across_families_with_coverage() -> Result<()> {
        let mut s = store()?;
        s.add_entitlement(&line("E1", OS, "2016", 3, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2021", 5, Full, "2024-01-10"))?;
        let step = NewEntitlement {
            from_family: Some(OS.into()),
            ..line("E1", PP, "2019", 4, StepUp, "2024-05-01")
        };
        s.add_entitlement(&step)?;
        let l = summary(&s, "2025-01-01")?;
        // 2021 is newer than the step-up's 2019: only the 3 at 2016 qualify; 1 unresolved.
        assert_eq!(get(&l, OS, "2016"), (0, 0, 0, 0));
        assert_eq!(get(&l, OS, "2021"), (5, 0, 0, 0));
        assert_eq!(get(&l, PP, "2019"), (3, 3, 1, 0));
        // A step-up at the same version claims it.
        let step = NewEntitlement {
            from_family: Some(OS.into()),
            ..line("E1", PP, "2021", 2, StepUp, "2024-05-01")
        };
        s.add_entitlement(&step)?;
        let l = summary(&s, "2025-01-01")?;
        assert_eq!(get(&l, OS, "2021"), (3, 0, 0, 0));
        assert_eq!(get(&l, PP, "2021"), (2, 2, 0, 0));
        Ok(())
    }

    #[test]
    fn a_chain_of_upgrades_ends_at_the_newest_version() -> Result<()> {
        let mut s = store()?;
        s.add_entitlement(&line("E1", OS, "2016", 10, Full, "2022-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2019", 8, Upgrade, "2023-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2021", 5, Upgrade, "2024-01-10"))?;
        let l = summary(&s, "2025-01-01")?;
        assert_eq!(get(&l, OS, "2016"), (2, 0, 0, 0));
        assert_eq!(get(&l, OS, "2019"), (3, 0, 0, 0));
        assert_eq!(get(&l, OS, "2021"), (5, 0, 0, 0));
        // As of a date before the second upgrade was ordered, it does not exist yet.
        let l = summary(&s, "2023-06-01")?;
        assert_eq!(get(&l, OS, "2019"), (8, 0, 0, 0));
        assert_eq!(get(&l, OS, "2021"), (0, 0, 0, 0));
        Ok(())
    }

    #[test]
    fn grants_are_marked_and_filter_by_licensing_id() -> Result<()> {
        let mut s = store()?;
        let base = s.add_entitlement(&line("E1", OS, "2019", 10, Full, "2024-01-10"))?;
        s.add_entitlement(&NewEntitlement {
            granted_by: Some(base.id),
            ..line("E1", OS, "2019", 2, Grant, "2024-01-10")
        })?;
        s.add_entitlement(&line("OV1", OS, "2019", 7, Full, "2024-01-10"))?;
        let l = summary(&s, "2025-01-01")?;
        assert_eq!(get(&l, OS, "2019"), (19, 0, 0, 2));
        assert!(l[0].has_grants());
        let only = s.license_summary(&SummaryQuery {
            customer: "Contoso".into(),
            as_of: Some(d("2025-01-01")),
            licensing_ids: vec!["ov1".into()],
        })?;
        assert_eq!(get(&only, OS, "2019"), (7, 0, 0, 0));
        assert!(!only[0].has_grants());
        let e = s.license_summary(&SummaryQuery {
            licensing_ids: vec!["NOPE".into()],
            ..SummaryQuery::customer("Contoso")
        });
        assert_eq!(e.unwrap_err().code(), crate::ErrorCode::NotFound);
        Ok(())
    }

    #[test]
    fn the_view_follows_the_store_clock() -> Result<()> {
        let mut s = store()?;
        let mut ls = line("E1", OS, "2019", 10, LicenseAndSa, "2024-01-10");
        ls.sa_end = Some(d("2025-06-30"));
        s.add_entitlement(&ls)?;
        let q = |s: &mut Store| -> Result<Vec<Vec<crate::Value>>> {
            Ok(s.query(
                "SELECT customer, family, version, effective_quantity, active_sa_quantity, as_of \
                 FROM license_summary",
                &crate::Params::None,
            )?
            .rows)
        };
        let rows = q(&mut s)?;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][4], crate::Value::Integer(10));
        assert_eq!(rows[0][5], "2025-06-01".into());
        s.set_clock(crate::Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2025-07-01T00:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        let rows = q(&mut s)?;
        assert_eq!(rows[0][4], crate::Value::Integer(0));
        assert_eq!(rows[0][5], "2025-07-01".into());
        Ok(())
    }

    fn rows(s: &mut Store, sql: &str) -> Result<Vec<Vec<crate::Value>>> {
        Ok(s.query(sql, &crate::Params::None)?.rows)
    }

    #[test]
    fn the_table_takes_a_date_and_a_licensing_id() -> Result<()> {
        let mut s = store()?;
        s.add_customer(&crate::NewCustomer::named("Adatum"))?;
        s.add_licensing_id(&crate::NewLicensingId::new(
            "A1",
            "Adatum",
            crate::Program::Select,
        ))?;
        s.add_entitlement(&line("E1", OS, "2016", 10, Full, "2024-01-10"))?;
        s.add_entitlement(&line("E1", OS, "2021", 6, Upgrade, "2025-03-01"))?;
        s.add_entitlement(&line("OV1", OS, "2016", 7, Full, "2024-01-10"))?;
        s.add_entitlement(&line("A1", PP, "2019", 3, Full, "2024-01-10"))?;
        let cols = "customer, family, version, effective_quantity, unresolved_quantity, as_of";
        // Today (2025-06-01), every customer, by customer, family and version.
        let today = rows(&mut s, &format!("SELECT {cols} FROM license_summary"))?;
        let expect = |c: &str, f: &str, v: &str, e: i64, u: i64, d: &str| -> Vec<crate::Value> {
            vec![c.into(), f.into(), v.into(), e.into(), u.into(), d.into()]
        };
        assert_eq!(
            today,
            vec![
                expect("Adatum", PP, "2019", 3, 0, "2025-06-01"),
                expect("Contoso", OS, "2016", 11, 0, "2025-06-01"),
                expect("Contoso", OS, "2021", 6, 0, "2025-06-01"),
            ]
        );
        // As of a date before the upgrade; the same through the as_of column.
        let before = rows(
            &mut s,
            &format!("SELECT {cols} FROM license_summary('2025-01-01') WHERE customer = 'Contoso'"),
        )?;
        assert_eq!(
            before,
            vec![expect("Contoso", OS, "2016", 17, 0, "2025-01-01")]
        );
        assert_eq!(
            rows(
                &mut s,
                &format!("SELECT {cols} FROM license_summary WHERE as_of = '2025-01-01' AND customer = 'Contoso'"),
            )?,
            before
        );
        // One licensing ID (any case), as of today when the date is NULL.
        assert_eq!(
            rows(
                &mut s,
                &format!("SELECT {cols} FROM license_summary(NULL, 'ov1')")
            )?,
            vec![expect("Contoso", OS, "2016", 7, 0, "2025-06-01")]
        );
        // A customer constraint, also from a join, matches as the customers view does.
        assert_eq!(
            rows(
                &mut s,
                "SELECT count(*) FROM license_summary WHERE customer = 'Contoso'"
            )?,
            vec![vec![crate::Value::Integer(2)]]
        );
        assert_eq!(
            rows(
                &mut s,
                "SELECT c.name, sum(l.effective_quantity) FROM customers c \
                 JOIN license_summary l ON l.customer = c.name GROUP BY c.name ORDER BY c.name",
            )?,
            vec![
                vec!["Adatum".into(), crate::Value::Integer(3)],
                vec!["Contoso".into(), crate::Value::Integer(17)],
            ]
        );
        // Clear errors for a bad date or an unknown licensing ID; no row for an as_of that is no date.
        let e = s
            .query(
                "SELECT * FROM license_summary('2025-13-01')",
                &crate::Params::None,
            )
            .unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
        let e = s
            .query(
                "SELECT * FROM license_summary(NULL, 'NOPE')",
                &crate::Params::None,
            )
            .unwrap_err();
        assert!(e.to_string().contains("NOPE"), "{e}");
        assert!(rows(&mut s, "SELECT * FROM license_summary WHERE as_of = 'soon'")?.is_empty());
        // The base tables it reads stay private.
        for sql in [
            "SELECT * FROM entitlement",
            "SELECT * FROM license_summary l JOIN entitlement e ON e.quantity = l.effective_quantity",
        ] {
            let e = s.query(sql, &crate::Params::None).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::QueryRefused, "{sql}: {e}");
        }
        Ok(())
    }

    #[test]
    fn the_table_agrees_with_the_api() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.set_clock(crate::Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        crate::demo::build(&mut s, 7)?;
        let mut total = 0;
        for c in s.customers()? {
            for day in ["2024-06-30", "2025-06-01", "2027-01-01"] {
                let api = s.license_summary(&SummaryQuery {
                    customer: c.name.clone(),
                    as_of: Some(d(day)),
                    licensing_ids: vec![],
                })?;
                let sql = s.query(
                    "SELECT family, version, effective_quantity, active_sa_quantity, \
                     unresolved_quantity, granted_quantity, deployed_quantity, balance \
                     FROM license_summary(?1) WHERE customer = ?2",
                    &crate::Params::Positional(vec![day.into(), c.name.clone().into()]),
                )?;
                let api: Vec<Vec<crate::Value>> = api
                    .iter()
                    .map(|l| {
                        vec![
                            l.family.clone().into(),
                            l.version.clone().into(),
                            l.effective_quantity.into(),
                            l.active_sa_quantity.into(),
                            l.unresolved_quantity.into(),
                            l.granted_quantity.into(),
                            l.deployed_quantity.into(),
                            l.balance.into(),
                        ]
                    })
                    .collect();
                total += api.len();
                assert_eq!(sql.rows, api, "{} as of {day}", c.name);
            }
        }
        assert!(total > 0);
        Ok(())
    }
}
