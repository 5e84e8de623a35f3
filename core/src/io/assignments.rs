//! Canonical assignments CSV: one held license per row, with the user it belongs to
//! (`customer,user_principal_name,display_name,usage_location,sku,assigned_at,expires_at,disabled_plans`,
//! documented in `docs/formats.md`).
//!
//! # What an import does
//! Each row is an upsert of the assignment `(user_principal_name, sku)`:
//! - the customer must exist; the SKU (GUID or part number) must be one it subscribes to;
//! - an unknown user is created (Active) in the row's customer with the row's display name and
//!   usage location; a known one must belong to that customer and not be offboarded, and gets the
//!   row's display name and usage location when they differ (a blank field keeps the stored value);
//! - a new assignment starts at `assigned_at` (default: the import's time; never in the future)
//!   and opens a history interval from then (`start_reason` `import`); an existing one keeps its
//!   start (history is not rewritten) and takes the row's `expires_at` and `disabled_plans` when
//!   the file has those columns.
//!
//! # Rules
//! The rules of a single assignment hold for every new one, checked against the store and the
//! rows before it: usage location (own or the customer's default; `blocked_in`), exclusive SKUs,
//! and available units (`enabled + warning - assigned`, counted in memory, exact because the
//! import is the only writer of its transaction). A SKU that `requires` a base is accepted when
//! the user holds a base already; otherwise the check waits for the end of the file (the base may
//! come on a later row) and the rows still without a base are refused then, with their line.
//! Rejected rows carry the rule's code (`CountViolation: ...`) in their reason.
//!
//! # Audit
//! One audit row per import (`assignment.import`, keyed by the file name) with the counts (rows,
//! assignments inserted / updated / unchanged, rows rejected, users created / updated). The
//! per-assignment record is the history: every new assignment has its interval (who, when,
//! `import`). Changes to what the store held before the import (a user's display name or usage
//! location, an assignment's expiry or disabled plans) get one audit row each with before and
//! after, as any other change does, so no earlier value is lost without a trace.
//!
//! # Speed and memory
//! Rows stream; memory holds the customers, SKUs and users the file names (and what those users
//! hold), not the rows. Ids are integers allocated in memory, lookups are hash maps, and rows are
//! written with cached multi-row `INSERT` statements in id order. See `docs/performance.md`.

// N.B. The importer's maps are keyed by what the file says (UPNs, customer names, SKU keys) and
// hold up to a million entries, looked up several times per row: SipHash (std's default) was an
// eighth of the importer's own time. aHash is several times faster on short keys and, with its
// per-process random keys (`ahash::RandomState`), keeps the protection against crafted collisions
// (HashDoS) that a fixed hash such as FxHash would give up for maps keyed by user input.
type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
type HashSet<T> = std::collections::HashSet<T, ahash::RandomState>;
use std::io::{Read, Write};
use std::ops::ControlFlow;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::{
    conclude, Column, Format, Header, ImportOptions, ImportReport, Progress, Record, Records,
    Rejects, PROGRESS_EVERY,
};
use crate::error::{Error, ErrorCode, Result, RowError};
use crate::online::{self, SubscriberStatus};
use crate::query::Params;
use crate::store::{format_ts, Store, WriteCtx};
use crate::validate;

/// The columns of the canonical assignments file, in export order.
pub const COLUMNS: &[&str] = &[
    "customer",
    "user_principal_name",
    "display_name",
    "usage_location",
    "sku",
    "assigned_at",
    "expires_at",
    "disabled_plans",
];

const CUSTOMER: usize = 0;
const UPN: usize = 1;
const DISPLAY: usize = 2;
const LOCATION: usize = 3;
const SKU: usize = 4;
const ASSIGNED: usize = 5;
const EXPIRES: usize = 6;
const PLANS: usize = 7;

const SPEC: &[Column] = &[
    Column {
        name: "customer",
        required: true,
    },
    Column {
        name: "user_principal_name",
        required: true,
    },
    Column {
        name: "display_name",
        required: false,
    },
    Column {
        name: "usage_location",
        required: false,
    },
    Column {
        name: "sku",
        required: true,
    },
    Column {
        name: "assigned_at",
        required: false,
    },
    Column {
        name: "expires_at",
        required: false,
    },
    Column {
        name: "disabled_plans",
        required: false,
    },
];

/// The rows (estimated from the file's size, 80 bytes a row) from which an import may take the
/// bulk path ([`Importer::BULK_INDEXES`]).
const BULK_ROWS: u64 = 100_000;

// ---------------------------------------------------------------------------------------------
// Field parsing
// ---------------------------------------------------------------------------------------------

/// An instant as the store keeps it (`2024-05-06T07:08:09Z`), without an allocation.
type Ts = [u8; 20];

fn ts_str(t: &Ts) -> &str {
    std::str::from_utf8(t).unwrap_or("")
}

fn ts_of(s: &str) -> Option<Ts> {
    s.as_bytes().try_into().ok()
}

/// Parses an instant (or a date: midnight UTC) into the stored form. The stored form itself and
/// bare dates are checked by hand (the common case, and the fast one); anything else goes
/// through [`validate::instant`].
fn parse_ts(what: &str, v: &str) -> Result<Ts> {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |a, d| a * 10 + u32::from(d.wrapping_sub(b'0')))
    };
    let date_ok = |b: &[u8]| {
        b[4] == b'-'
            && b[7] == b'-'
            && digits(0..4)
            && digits(5..7)
            && digits(8..10)
            && chrono::NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)).is_some()
    };
    if b.len() == 20
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && date_ok(b)
        && digits(11..13)
        && digits(14..16)
        && digits(17..19)
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 60
    {
        return Ok(b.try_into().expect("20 bytes"));
    }
    if b.len() == 10 && date_ok(b) {
        let mut t = *b"0000-00-00T00:00:00Z";
        t[..10].copy_from_slice(b);
        return Ok(t);
    }
    let s = format_ts(validate::instant(what, v)?);
    ts_of(&s).ok_or_else(|| Error::invalid(what, v, "the year must have four digits"))
}

/// A location code (ISO 3166-1 alpha-2, upper case) as two bytes.
type Loc = [u8; 2];

fn loc_str(l: &Loc) -> &str {
    std::str::from_utf8(l).unwrap_or("")
}

fn parse_loc(v: &str) -> Result<Loc> {
    let c = validate::country("usage location", v)?;
    Ok(c.as_bytes().try_into().expect("two ASCII letters"))
}

/// Disabled service plans: a JSON array of GUIDs (as exported) or GUIDs separated by `;`, `,` or
/// blanks. Returns the GUIDs normalized, in their order, without duplicates (the order is kept
/// so that an export imports back to the same bytes).
fn parse_plans(v: &str) -> Result<Vec<String>> {
    let inner = v.trim();
    let inner = inner
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(inner);
    let mut out = Vec::new();
    for p in inner.split(|c: char| c == ';' || c == ',' || c.is_whitespace()) {
        let p = p.trim().trim_matches('"');
        if !p.is_empty() {
            let g = validate::guid("disabled plan", p)?;
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    Ok(out)
}

/// The stored form of a plan list (`None` for none: the column's default `[]`), as the bulk
/// engine writes it.
fn plans_json(p: &[String]) -> Option<Box<str>> {
    if p.is_empty() {
        None
    } else {
        Some(serde_json::to_string(p).unwrap_or_default().into())
    }
}

/// A display name's hash; 0 for none. It only tells whether a row changes a user's display name,
/// within one process: random keys drawn once (as the maps' own), so no file can be crafted to
/// make a new name look unchanged.
fn display_hash(d: Option<&str>) -> u64 {
    static KEYS: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    d.map_or(0, |d| {
        KEYS.get_or_init(ahash::RandomState::new).hash_one(d) | 1
    })
}

/// A UPN folded for lookups as SQLite's NOCASE compares it (ASCII only).
fn fold(s: &str, buf: &mut String) {
    buf.clear();
    buf.push_str(s);
    buf.make_ascii_lowercase();
}

// ---------------------------------------------------------------------------------------------
// In-memory state: what the file names, with what it holds
// ---------------------------------------------------------------------------------------------

struct Cust {
    id: i64,
    name: String,
    default_loc: Option<Loc>,
    /// SKU keys as written in the file (folded) -> SKU index, or why the key does not resolve.
    sku_keys: HashMap<String, std::result::Result<u32, String>>,
    /// Store row id -> SKU index.
    sku_refs: HashMap<i64, u32>,
    /// The index of the customer's first SKU in `Importer::skus` (its SKUs are consecutive).
    first_sku: u32,
}

struct SkuSt {
    id: i64,
    guid: String,
    name: String,
    capacity: i64,
    assigned: i64,
    blocked: Vec<Loc>,
    excludes: Vec<u32>,
    requires: Vec<u32>,
    /// The catalog's service plans, loaded when a row names disabled plans.
    plans: Option<HashSet<String>>,
}

/// One SKU a user holds (32 bytes: there is one per assignment the file names).
struct Held {
    sku: u32,
    /// Disabled plans, interned ([`Importer::intern`]); 0 for none.
    plans: u32,
    expires: Option<Ts>,
    /// Created by this import (its rows may still be buffered).
    new: bool,
}

struct User {
    id: i64,
    cust: u32,
    status: SubscriberStatus,
    /// A hash of the display name ([`display_hash`]), to tell a changed one; the name itself is
    /// read from the store the rare times it is needed (an audit row's "before").
    display: u64,
    loc: Option<Loc>,
    held: Vec<Held>,
    /// Created by this import.
    new: bool,
}

/// A new assignment of a SKU that requires a base the user did not hold yet: checked at the end.
struct Deferred {
    line: u64,
    user: u32,
    sku: u32,
    fields: Vec<String>,
}

enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

type RowResult = std::result::Result<Outcome, RowError>;

// ---------------------------------------------------------------------------------------------
// Buffered multi-row inserts
// ---------------------------------------------------------------------------------------------

/// One bound value of a buffered row; text lives in the buffer's arena (no allocation per value).
#[derive(Clone, Copy)]
enum V {
    Int(i64),
    Ts(Ts),
    Loc(Loc),
    Text(u32, u32),
    Lit(&'static str),
    Null,
}

/// One slot of a row template.
enum Slot {
    /// A value of the row.
    P,
    /// A parameter shared by every row of the statement: `?1` (now) or `?2` (actor).
    Shared(u8),
}

/// Rows of one table written `ROWS` at a time with one cached `INSERT ... VALUES (...), ...`.
struct Buf {
    head: &'static str,
    slots: &'static [Slot],
    width: usize,
    vals: Vec<V>,
    arena: String,
    full_sql: String,
    /// Rows are dropped instead of written (see [`Importer::dry`]).
    dry: bool,
}

impl Buf {
    const ROWS: usize = 256;

    fn new(head: &'static str, slots: &'static [Slot]) -> Buf {
        let width = slots.iter().filter(|s| matches!(s, Slot::P)).count();
        let mut b = Buf {
            head,
            slots,
            width,
            vals: Vec::with_capacity(Self::ROWS * width),
            arena: String::new(),
            full_sql: String::new(),
            dry: false,
        };
        b.full_sql = b.sql(Self::ROWS);
        b
    }

    fn sql(&self, rows: usize) -> String {
        use std::fmt::Write as _;
        let mut s = String::from(self.head);
        s.push_str(" VALUES ");
        let mut n = 3;
        for r in 0..rows {
            if r > 0 {
                s.push(',');
            }
            s.push('(');
            for (i, slot) in self.slots.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                match slot {
                    Slot::P => {
                        let _ = write!(s, "?{n}");
                        n += 1;
                    }
                    Slot::Shared(k) => {
                        let _ = write!(s, "?{k}");
                    }
                }
            }
            s.push(')');
        }
        s
    }

    fn text(&mut self, t: &str) -> V {
        let a = self.arena.len() as u32;
        self.arena.push_str(t);
        V::Text(a, self.arena.len() as u32)
    }

    fn opt_text(&mut self, t: Option<&str>) -> V {
        t.map_or(V::Null, |t| self.text(t))
    }

    fn full(&self) -> bool {
        self.vals.len() >= Self::ROWS * self.width
    }

    fn flush(&mut self, ctx: &WriteCtx<'_>) -> Result<()> {
        let rows = self.vals.len() / self.width;
        if rows == 0 || self.dry {
            self.vals.clear();
            self.arena.clear();
            return Ok(());
        }
        let tail;
        let mut st = if rows == Self::ROWS {
            ctx.tx.prepare_cached(&self.full_sql)?
        } else {
            tail = self.sql(rows);
            ctx.tx.prepare_cached(&tail)?
        };
        st.raw_bind_parameter(1, ctx.now.as_str())?;
        st.raw_bind_parameter(2, ctx.actor)?;
        for (i, v) in self.vals.iter().enumerate() {
            let n = i + 3;
            match v {
                V::Int(x) => st.raw_bind_parameter(n, x)?,
                V::Ts(t) => st.raw_bind_parameter(n, ts_str(t))?,
                V::Loc(l) => st.raw_bind_parameter(n, loc_str(l))?,
                V::Text(a, b) => st.raw_bind_parameter(n, &self.arena[*a as usize..*b as usize])?,
                V::Lit(s) => st.raw_bind_parameter(n, s)?,
                V::Null => st.raw_bind_parameter(n, rusqlite::types::Null)?,
            }
        }
        st.raw_execute()?;
        self.vals.clear();
        self.arena.clear();
        Ok(())
    }
}

const SUB_SLOTS: &[Slot] = &[
    Slot::P,
    Slot::P,
    Slot::P,
    Slot::P,
    Slot::P,
    Slot::Shared(1),
    Slot::Shared(1),
];
const ASG_SLOTS: &[Slot] = &[Slot::P, Slot::P, Slot::P, Slot::P, Slot::P, Slot::Shared(2)];
const INT_SLOTS: &[Slot] = &[Slot::P, Slot::P, Slot::P, Slot::P, Slot::Shared(2)];

// ---------------------------------------------------------------------------------------------
// The importer
// ---------------------------------------------------------------------------------------------

struct Importer<'c> {
    ctx: &'c WriteCtx<'c>,
    now: Ts,
    has: [bool; 8],
    custs: Vec<Cust>,
    cust_names: HashMap<String, Option<u32>>,
    skus: Vec<SkuSt>,
    /// Every rule of the store: (kind, sku GUID, other GUID, country).
    rules: Vec<(String, String, Option<String>, Option<String>)>,
    users: Vec<User>,
    upns: HashMap<Box<str>, u32>,
    next_sub_id: i64,
    /// Subscribers in the store that belong to customers not loaded yet: while there are any, a
    /// new UPN is looked up in the store (it may belong to another customer).
    unloaded_subscribers: i64,
    subs: Buf,
    asgs: Buf,
    ints: Buf,
    deferred: Vec<Deferred>,
    users_created: u64,
    users_updated: u64,
    key: String,
    /// Bulk mode (see [`Importer::BULK_INDEXES`]): the secondary indexes dropped for the import,
    /// as (name, CREATE statement), and each SKU's assignments before the import.
    dropped: Vec<(String, String)>,
    sku_counts: Option<HashMap<i64, i64>>,
    /// Distinct disabled-plan lists (stored JSON), by id; id 0 is "none".
    plan_lists: Vec<Box<str>>,
    plan_ids: HashMap<Box<str>, u32>,
    /// SKU keys as written (folded) -> the catalog's GUID, when the catalog names one.
    catalog: HashMap<String, Option<String>>,
    /// Set once an all-or-nothing import has rejected a row: it will be rolled back, so the
    /// rows after are only checked (against the in-memory state), not written.
    dry: bool,
}

impl<'c> Importer<'c> {
    /// The secondary indexes a bulk import drops and rebuilds: not the UPN's (it guards a unique
    /// key) nor, unless the store has no subscribers, the customer's
    /// ([`Self::BULK_EMPTY_INDEXES`]).
    const BULK_INDEXES: &'static [&'static str] = &[
        "assignment_sku",
        "assignment_expiry",
        "assignment_interval_sku",
    ];

    /// Also dropped in bulk mode when the store has no subscriber yet: loading a customer's users
    /// reads `subscriber_customer`, but there are none to load (`unloaded_subscribers` is 0, so
    /// [`Self::load_customer`] does not query them), and nothing else the import runs reads it.
    const BULK_EMPTY_INDEXES: &'static [&'static str] = &["subscriber_customer"];

    fn new(ctx: &'c WriteCtx<'c>, header: &Header, expected_rows: u64) -> Result<Importer<'c>> {
        online::ensure_catalog(ctx)?;
        // N.B. Bulk mode: when the file is expected to at least double the history (and is big),
        // the indexes that every new assignment would update one entry at a time are dropped
        // and built again at the end in one sorted pass (SQLite's CREATE INDEX), which is much
        // cheaper than a million B-tree insertions with page rebalancing. All of it is inside the
        // import's transaction: a failed or refused import leaves the schema as it was.
        let history: i64 = ctx.tx.query_row(
            "SELECT coalesce(max(id), 0) FROM assignment_interval",
            [],
            |r| r.get(0),
        )?;
        let bulk = expected_rows >= BULK_ROWS && expected_rows as i64 >= history;
        let (max_id, count): (i64, i64) = ctx.tx.query_row(
            "SELECT coalesce(max(id), 0), count(*) FROM subscriber",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut dropped = Vec::new();
        let mut sku_counts = None;
        if bulk {
            sku_counts = Some(
                ctx.tx
                    .prepare("SELECT sku_ref, count(*) FROM assignment GROUP BY sku_ref")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<HashMap<i64, i64>>>()?,
            );
            let empty: &[&str] = if count == 0 {
                Self::BULK_EMPTY_INDEXES
            } else {
                &[]
            };
            for name in Self::BULK_INDEXES.iter().chain(empty) {
                let sql: Option<String> = ctx
                    .tx
                    .query_row(
                        "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                        [name],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(sql) = sql {
                    ctx.tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
                    dropped.push((name.to_string(), sql));
                }
            }
        }
        let rules = ctx
            .tx
            .prepare("SELECT kind, sku_id, other_sku_id, country FROM sku_rule")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut has = [false; 8];
        for (h, p) in has.iter_mut().zip(&header.pos) {
            *h = p.is_some();
        }
        Ok(Importer {
            ctx,
            now: ts_of(&ctx.now).ok_or_else(|| Error::Internal("the store's clock".into()))?,
            has,
            custs: Vec::new(),
            cust_names: HashMap::default(),
            skus: Vec::new(),
            rules,
            users: Vec::new(),
            upns: HashMap::default(),
            next_sub_id: max_id + 1,
            unloaded_subscribers: count,
            subs: Buf::new(
                "INSERT OR FAIL INTO subscriber (id, customer_id, user_principal_name, display_name, usage_location, created_at, updated_at)",
                SUB_SLOTS,
            ),
            asgs: Buf::new(
                "INSERT OR FAIL INTO assignment (subscriber_id, sku_ref, assigned_at, expires_at, disabled_plans, assigned_by)",
                ASG_SLOTS,
            ),
            ints: Buf::new(
                "INSERT OR FAIL INTO assignment_interval (subscriber_id, sku_ref, from_at, start_reason, assigned_by)",
                INT_SLOTS,
            ),
            deferred: Vec::new(),
            users_created: 0,
            users_updated: 0,
            key: String::new(),
            dropped,
            sku_counts,
            plan_lists: vec!["[]".into()],
            plan_ids: HashMap::default(),
            catalog: HashMap::default(),
            dry: false,
        })
    }

    /// Stops writing: the import is refused already (all-or-nothing), only the checks go on.
    fn go_dry(&mut self) {
        self.dry = true;
        for b in [&mut self.subs, &mut self.asgs, &mut self.ints] {
            b.dry = true;
        }
    }

    /// The id of a disabled-plan list (0 for none).
    fn intern(&mut self, plans: Option<Box<str>>) -> u32 {
        let Some(p) = plans else { return 0 };
        if let Some(&id) = self.plan_ids.get(&p) {
            return id;
        }
        let id = self.plan_lists.len() as u32;
        self.plan_lists.push(p.clone());
        self.plan_ids.insert(p, id);
        id
    }

    /// Builds the indexes bulk mode dropped (after the last row is written).
    fn rebuild_indexes(&mut self) -> Result<()> {
        self.flush()?;
        for (_, sql) in std::mem::take(&mut self.dropped) {
            self.ctx.tx.execute_batch(&sql)?;
        }
        Ok(())
    }

    fn tx(&self) -> &Connection {
        self.ctx.tx
    }

    /// Writes every buffered row (before an UPDATE or DELETE of rows this import wrote).
    fn flush(&mut self) -> Result<()> {
        self.subs.flush(self.ctx)?;
        self.asgs.flush(self.ctx)?;
        self.ints.flush(self.ctx)
    }

    /// The customer named `name` (loaded with its SKUs, rules, users and their assignments the
    /// first time), or `None` when there is no such customer.
    fn customer(&mut self, name: &str) -> Result<Option<u32>> {
        fold(name, &mut self.key);
        if let Some(c) = self.cust_names.get(self.key.as_str()) {
            return Ok(*c);
        }
        let key = self.key.clone();
        let found = crate::customers::find(self.ctx.tx, name)?;
        let idx = match found {
            None => None,
            Some(c) => {
                let idx = self.custs.len() as u32;
                self.custs.push(Cust {
                    id: c.id,
                    name: c.name.clone(),
                    default_loc: c
                        .default_usage_location
                        .as_deref()
                        .and_then(|l| l.as_bytes().try_into().ok()),
                    sku_keys: HashMap::default(),
                    sku_refs: HashMap::default(),
                    first_sku: self.skus.len() as u32,
                });
                self.load_customer(idx)?;
                Some(idx)
            }
        };
        self.cust_names.insert(key, idx);
        Ok(idx)
    }

    fn load_customer(&mut self, ci: u32) -> Result<()> {
        let cid = self.custs[ci as usize].id;
        let first = self.skus.len();
        {
            let mut q = self.ctx.tx.prepare_cached(
                "SELECT k.id, k.sku_id, coalesce(cs.display_name, k.sku_part_number), k.enabled + k.warning, \
                 CASE WHEN ?2 THEN 0 ELSE (SELECT count(*) FROM assignment a WHERE a.sku_ref = k.id) END \
                 FROM sku k LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id WHERE k.customer_id = ?1 ORDER BY k.id",
            )?;
            let mut rows = q.query(params![cid, self.sku_counts.is_some()])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let assigned = match &self.sku_counts {
                    Some(m) => m.get(&id).copied().unwrap_or(0),
                    None => r.get(4)?,
                };
                self.custs[ci as usize]
                    .sku_refs
                    .insert(id, self.skus.len() as u32);
                self.skus.push(SkuSt {
                    id,
                    guid: r.get(1)?,
                    name: r.get(2)?,
                    capacity: r.get(3)?,
                    assigned,
                    blocked: Vec::new(),
                    excludes: Vec::new(),
                    requires: Vec::new(),
                    plans: None,
                });
            }
        }
        let by_guid: HashMap<String, u32> = self.skus[first..]
            .iter()
            .enumerate()
            .map(|(i, s)| (s.guid.clone(), (first + i) as u32))
            .collect();
        let mut bases = HashMap::<u32, bool>::default();
        for (kind, sku, other, country) in &self.rules {
            let Some(&i) = by_guid.get(sku.as_str()) else {
                continue;
            };
            let j = other.as_deref().and_then(|o| by_guid.get(o)).copied();
            match (kind.as_str(), j) {
                ("requires", j) => {
                    // A base the customer does not subscribe to cannot be held here: an add-on
                    // whose bases are all such needs one that does not exist (`u32::MAX`).
                    let any = bases.entry(i).or_insert(false);
                    if let Some(j) = j {
                        *any = true;
                        self.skus[i as usize].requires.push(j);
                    }
                }
                ("excludes", Some(j)) => {
                    self.skus[i as usize].excludes.push(j);
                    self.skus[j as usize].excludes.push(i);
                }
                ("blocked_in", _) => {
                    if let Some(l) = country
                        .as_deref()
                        .and_then(|c| c.as_bytes().try_into().ok())
                    {
                        self.skus[i as usize].blocked.push(l);
                    }
                }
                _ => {}
            }
        }
        for (i, any) in bases {
            if !any {
                self.skus[i as usize].requires.push(u32::MAX);
            }
        }
        if self.unloaded_subscribers == 0 {
            return Ok(());
        }
        let mut by_id: HashMap<i64, u32> = HashMap::default();
        {
            let mut q = self.ctx.tx.prepare_cached(
                "SELECT id, user_principal_name, display_name, usage_location, status FROM subscriber WHERE customer_id = ?1",
            )?;
            let mut rows = q.query([cid])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let upn: String = r.get(1)?;
                let idx = self.users.len() as u32;
                by_id.insert(id, idx);
                self.upns
                    .insert(upn.to_ascii_lowercase().into_boxed_str(), idx);
                let loc: Option<String> = r.get(3)?;
                self.users.push(User {
                    id,
                    cust: ci,
                    status: SubscriberStatus::parse(r.get_ref(4)?.as_str().unwrap_or("Active"))
                        .unwrap_or_default(),
                    display: display_hash(r.get_ref(2)?.as_str_or_null().ok().flatten()),
                    loc: loc.and_then(|l| l.as_bytes().try_into().ok()),
                    held: Vec::new(),
                    new: false,
                });
            }
        }
        self.unloaded_subscribers -= by_id.len() as i64;
        let mut q = self.ctx.tx.prepare_cached(
            "SELECT a.subscriber_id, a.sku_ref, a.expires_at, a.disabled_plans FROM assignment a \
             JOIN subscriber s ON s.id = a.subscriber_id WHERE s.customer_id = ?1",
        )?;
        let mut rows = q.query([cid])?;
        while let Some(r) = rows.next()? {
            let (Some(&u), Some(&k)) = (
                by_id.get(&r.get::<_, i64>(0)?),
                self.custs[ci as usize].sku_refs.get(&r.get::<_, i64>(1)?),
            ) else {
                continue;
            };
            let plans = r.get_ref(3)?.as_str().unwrap_or("[]");
            let plans = parse_plans(plans).unwrap_or_default();
            let plans = self.intern(plans_json(&plans));
            self.users[u as usize].held.push(Held {
                sku: k,
                expires: r.get::<_, Option<String>>(2)?.as_deref().and_then(ts_of),
                plans,
                new: false,
            });
        }
        Ok(())
    }

    /// The SKU a row names for customer `ci`, or why it does not resolve.
    fn sku(&mut self, ci: u32, key: &str) -> Result<std::result::Result<u32, String>> {
        fold(key, &mut self.key);
        if let Some(r) = self.custs[ci as usize].sku_keys.get(self.key.as_str()) {
            return Ok(r.clone());
        }
        // The catalog's answer does not depend on the customer: one lookup per key and file.
        let folded = self.key.clone();
        let guid = match self.catalog.get(&folded) {
            Some(g) => g.clone(),
            None => {
                let g = online::catalog_resolve(self.ctx.tx, key).ok();
                self.catalog.insert(folded.clone(), g.clone());
                g
            }
        };
        let c = &self.custs[ci as usize];
        if let Some(&k) = guid
            .and_then(|g| {
                self.skus
                    .iter()
                    .enumerate()
                    .skip(c.first_sku as usize)
                    .take(c.sku_refs.len())
                    .find(|(_, s)| s.guid == g)
                    .map(|(i, _)| i as u32)
            })
            .as_ref()
        {
            self.custs[ci as usize].sku_keys.insert(folded, Ok(k));
            return Ok(Ok(k));
        }
        // Not in the catalog (a SKU a sync brought in) or not subscribed: the API's own lookup,
        // for its answer and its message.
        let r = match online::sku_ref(self.ctx.tx, c.id, key) {
            Ok((id, _)) => Ok(*c.sku_refs.get(&id).ok_or_else(|| {
                Error::Internal(format!("SKU {id} of customer {} not loaded", c.name))
            })?),
            Err(Error::Violation(v)) => Err(format!("{}: {}", v.code.name(), v.message)),
            Err(Error::InvalidArgument { reason, .. }) => Err(reason),
            Err(e) => return Err(e),
        };
        let key = self.key.clone();
        self.custs[ci as usize].sku_keys.insert(key, r.clone());
        Ok(r)
    }

    fn sku_plans(&mut self, k: u32) -> Result<&HashSet<String>> {
        if self.skus[k as usize].plans.is_none() {
            let set = self
                .ctx
                .tx
                .prepare_cached("SELECT plan_id FROM catalog_plan WHERE sku_id = ?1")?
                .query_map([&self.skus[k as usize].guid], |r| r.get(0))?
                .collect::<rusqlite::Result<HashSet<String>>>()?;
            self.skus[k as usize].plans = Some(set);
        }
        Ok(self.skus[k as usize].plans.as_ref().expect("loaded above"))
    }

    /// Which customer (if any) holds `upn` in the store, among those not loaded yet.
    fn owner_elsewhere(&self, upn: &str) -> Result<Option<String>> {
        if self.unloaded_subscribers == 0 {
            return Ok(None);
        }
        Ok(self
            .tx()
            .prepare_cached(
                "SELECT c.name FROM subscriber s JOIN customer c ON c.id = s.customer_id WHERE s.user_principal_name = ?1",
            )?
            .query_row([upn], |r| r.get(0))
            .optional()?)
    }

    /// Applies one record. `Err` stops the import (the store failed); `Ok(Err)` rejects the row.
    fn row(&mut self, header: &Header, rec: &Record<'_>) -> Result<RowResult> {
        macro_rules! tryrow {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                }
            };
        }
        let field = |ci: usize| rec.get(header, SPEC, ci);
        let bad = |ci: usize, v: &str, e: Error| match e {
            Error::InvalidArgument { reason, .. } => {
                rec.error(Some(SPEC[ci].name), Some(v), reason)
            }
            other => rec.error(Some(SPEC[ci].name), Some(v), other.to_string()),
        };
        // Field syntax first (no store access).
        let cust_name = tryrow!(rec.require(header, SPEC, CUSTOMER));
        let upn = tryrow!(rec.require(header, SPEC, UPN));
        let sku_key = tryrow!(rec.require(header, SPEC, SKU));
        let display = match tryrow!(field(DISPLAY)) {
            None => None,
            Some(v) => Some(tryrow!(
                validate::name("display name", v, 256).map_err(|e| bad(DISPLAY, v, e))
            )),
        };
        let loc = match tryrow!(field(LOCATION)) {
            None => None,
            Some(v) => Some(tryrow!(parse_loc(v).map_err(|e| bad(LOCATION, v, e)))),
        };
        let assigned = match tryrow!(field(ASSIGNED)) {
            None => None,
            Some(v) => {
                let t = tryrow!(parse_ts("assigned at", v).map_err(|e| bad(ASSIGNED, v, e)));
                if t > self.now {
                    return Ok(Err(rec.error(
                        Some("assigned_at"),
                        Some(v),
                        format!("must not be in the future (now is {})", ts_str(&self.now)),
                    )));
                }
                Some(t)
            }
        };
        let expires = match tryrow!(field(EXPIRES)) {
            None => None,
            Some(v) => {
                let t = tryrow!(parse_ts("expires at", v).map_err(|e| bad(EXPIRES, v, e)));
                if assigned.is_some_and(|a| t <= a) {
                    return Ok(Err(rec.error(
                        Some("expires_at"),
                        Some(v),
                        "must be after assigned_at",
                    )));
                }
                Some(t)
            }
        };
        let plans_given = match tryrow!(field(PLANS)) {
            None => Vec::new(),
            Some(v) => tryrow!(parse_plans(v).map_err(|e| bad(PLANS, v, e))),
        };
        // Names resolved against the store.
        let Some(ci) = self.customer(cust_name)? else {
            return Ok(Err(rec.error(
                Some("customer"),
                Some(cust_name),
                "no customer with this name",
            )));
        };
        let k = match self.sku(ci, sku_key)? {
            Ok(k) => k,
            Err(reason) => return Ok(Err(rec.error(Some("sku"), Some(sku_key), reason))),
        };
        if !plans_given.is_empty() {
            let set = self.sku_plans(k)?;
            if let Some(p) = plans_given.iter().find(|p| !set.contains(*p)) {
                let msg = format!(
                    "{p} is not a service plan of {}",
                    self.skus[k as usize].name
                );
                return Ok(Err(rec.error(
                    Some("disabled_plans"),
                    tryrow!(field(PLANS)),
                    msg,
                )));
            }
        }
        let plans = self.intern(plans_json(&plans_given));
        let cust_loc = self.custs[ci as usize].default_loc;
        fold(upn, &mut self.key);
        let existing = self.upns.get(self.key.as_str()).copied();
        let ui = match existing {
            Some(ui) => {
                let u = &self.users[ui as usize];
                if u.cust != ci {
                    let owner = &self.custs[u.cust as usize].name;
                    return Ok(Err(rec.error(
                        Some("user_principal_name"),
                        Some(upn),
                        format!(
                            "{}: the user belongs to customer {owner:?}",
                            ErrorCode::UserNotFound.name()
                        ),
                    )));
                }
                if u.status == SubscriberStatus::Offboarded {
                    return Ok(Err(rec.error(
                        Some("user_principal_name"),
                        Some(upn),
                        format!(
                            "{}: the user has been offboarded and cannot receive licenses",
                            ErrorCode::UserOffboarded.name()
                        ),
                    )));
                }
                Some(ui)
            }
            None => {
                let v = tryrow!(online::validate_upn(upn).map_err(|e| bad(UPN, upn, e)));
                if let Some(owner) = self.owner_elsewhere(&v)? {
                    return Ok(Err(rec.error(
                        Some("user_principal_name"),
                        Some(upn),
                        format!(
                            "{}: the user belongs to customer {owner:?}",
                            ErrorCode::UserNotFound.name()
                        ),
                    )));
                }
                None
            }
        };
        // The rules, against what the user holds (and will hold) and where it works.
        let (held_pos, old_loc, old_display) = match ui {
            Some(ui) => {
                let u = &self.users[ui as usize];
                (u.held.iter().position(|h| h.sku == k), u.loc, u.display)
            }
            None => (None, None, 0),
        };
        let new_loc = loc.or(old_loc);
        let loc_changes = loc.is_some() && loc != old_loc;
        let display_changes = display.is_some() && display_hash(display.as_deref()) != old_display;
        let eff_loc = new_loc.or(cust_loc);
        let sku = &self.skus[k as usize];
        let held: &[Held] = ui.map_or(&[], |u| &self.users[u as usize].held);
        let Some(eff) = eff_loc else {
            return Ok(Err(rec.error(
                Some("usage_location"),
                Some(""),
                format!(
                    "{}: the user has no usage location and the customer has no default",
                    ErrorCode::UsageLocationMissing.name()
                ),
            )));
        };
        // A new usage location must suit what the user holds already, and the new SKU.
        let blocked_here = |s: &SkuSt| s.blocked.contains(&eff);
        if let Some(h) = held
            .iter()
            .find(|h| blocked_here(&self.skus[h.sku as usize]))
        {
            return Ok(Err(rec.error(
                Some("usage_location"),
                Some(loc_str(&eff)),
                format!(
                    "{}: {} cannot be held in usage location {}",
                    ErrorCode::ProhibitedInUsageLocationViolation.name(),
                    self.skus[h.sku as usize].name,
                    loc_str(&eff)
                ),
            )));
        }
        let mut defer = false;
        if held_pos.is_none() {
            if blocked_here(sku) {
                return Ok(Err(rec.error(
                    Some("sku"),
                    Some(sku_key),
                    format!(
                        "{}: {} cannot be assigned in usage location {}",
                        ErrorCode::ProhibitedInUsageLocationViolation.name(),
                        sku.name,
                        loc_str(&eff)
                    ),
                )));
            }
            if let Some(x) = held.iter().find(|h| sku.excludes.contains(&h.sku)) {
                return Ok(Err(rec.error(
                    Some("sku"),
                    Some(sku_key),
                    format!(
                        "{}: {} cannot be held together with {}",
                        ErrorCode::MutuallyExclusiveViolation.name(),
                        sku.name,
                        self.skus[x.sku as usize].name
                    ),
                )));
            }
            if sku.assigned >= sku.capacity {
                return Ok(Err(rec.error(
                    Some("sku"),
                    Some(sku_key),
                    format!(
                        "{}: {}: no available units ({} of {} assigned)",
                        ErrorCode::CountViolation.name(),
                        sku.name,
                        sku.assigned,
                        sku.capacity
                    ),
                )));
            }
            defer = !sku.requires.is_empty() && !held.iter().any(|h| sku.requires.contains(&h.sku));
        }
        // Apply: the user, then the assignment.
        let mut changed = false;
        let ui = match ui {
            Some(ui) => {
                if loc_changes || display_changes {
                    changed = true;
                    self.update_user(ui, display, loc)?;
                }
                ui
            }
            None => {
                let id = self.next_sub_id;
                self.next_sub_id += 1;
                let v = [
                    V::Int(id),
                    V::Int(self.custs[ci as usize].id),
                    self.subs.text(upn),
                    self.subs.opt_text(display.as_deref()),
                    loc.map_or(V::Null, V::Loc),
                ];
                self.subs.vals.extend(v);
                if self.subs.full() {
                    self.subs.flush(self.ctx)?;
                }
                let idx = self.users.len() as u32;
                self.users.push(User {
                    id,
                    cust: ci,
                    status: SubscriberStatus::Active,
                    display: display_hash(display.as_deref()),
                    loc,
                    held: Vec::new(),
                    new: true,
                });
                self.upns.insert(self.key.as_str().into(), idx);
                self.users_created += 1;
                idx
            }
        };
        match held_pos {
            Some(p) => {
                let h = &self.users[ui as usize].held[p];
                let new_expires = if self.has[EXPIRES] {
                    expires
                } else {
                    h.expires
                };
                let new_plans = if self.has[PLANS] { plans } else { h.plans };
                if new_expires != h.expires || new_plans != h.plans {
                    self.update_assignment(ui, p, new_expires, new_plans)?;
                    changed = true;
                }
                Ok(Ok(if changed {
                    Outcome::Updated
                } else {
                    Outcome::Unchanged
                }))
            }
            None => {
                let sid = self.users[ui as usize].id;
                let sku = &mut self.skus[k as usize];
                sku.assigned += 1;
                let start = assigned.unwrap_or(self.now);
                let v = [
                    V::Int(sid),
                    V::Int(sku.id),
                    V::Ts(start),
                    expires.map_or(V::Null, V::Ts),
                    match plans {
                        0 => V::Lit("[]"),
                        id => {
                            let json = &self.plan_lists[id as usize];
                            let a = self.asgs.arena.len() as u32;
                            self.asgs.arena.push_str(json);
                            V::Text(a, self.asgs.arena.len() as u32)
                        }
                    },
                ];
                self.asgs.vals.extend(v);
                self.ints.vals.extend([
                    V::Int(sid),
                    V::Int(sku.id),
                    V::Ts(start),
                    V::Lit("import"),
                ]);
                if self.asgs.full() {
                    self.flush()?;
                }
                self.users[ui as usize].held.push(Held {
                    sku: k,
                    expires,
                    plans,
                    new: true,
                });
                if defer {
                    self.deferred.push(Deferred {
                        line: rec.line,
                        user: ui,
                        sku: k,
                        fields: rec.fields(),
                    });
                }
                Ok(Ok(Outcome::Inserted))
            }
        }
    }

    /// Gives an existing user the row's display name and usage location (audited with before
    /// and after when the user was in the store before the import).
    fn update_user(&mut self, ui: u32, display: Option<String>, loc: Option<Loc>) -> Result<()> {
        if self.dry {
            let u = &mut self.users[ui as usize];
            if display.is_some() {
                u.display = display_hash(display.as_deref());
            }
            u.loc = loc.or(u.loc);
            return Ok(());
        }
        self.flush()?;
        let id = self.users[ui as usize].id;
        let (upn, old_display, old_loc): (String, Option<String>, Option<String>) =
            self.ctx.tx.query_row(
                "SELECT user_principal_name, display_name, usage_location FROM subscriber WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
        let new_display = display.or_else(|| old_display.clone());
        let u = &mut self.users[ui as usize];
        u.display = display_hash(new_display.as_deref());
        if loc.is_some() {
            u.loc = loc;
        }
        let (l, new_user) = (u.loc, u.new);
        self.ctx
            .tx
            .prepare_cached(
                "UPDATE subscriber SET display_name = ?2, usage_location = ?3, updated_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, new_display, l.as_ref().map(loc_str), self.ctx.now])?;
        if !new_user {
            self.users_updated += 1;
            self.ctx.audit(
                "subscriber.update",
                "subscriber",
                &upn,
                Some(&json!({ "display_name": old_display, "usage_location": old_loc })),
                Some(&json!({ "display_name": new_display, "usage_location": l.as_ref().map(loc_str) })),
            )?;
        }
        Ok(())
    }

    /// Gives an assignment the row's expiry and disabled plans (audited with before and after
    /// when it was in the store before the import).
    fn update_assignment(
        &mut self,
        ui: u32,
        p: usize,
        expires: Option<Ts>,
        plans: u32,
    ) -> Result<()> {
        if self.dry {
            let h = &mut self.users[ui as usize].held[p];
            h.expires = expires;
            h.plans = plans;
            return Ok(());
        }
        self.flush()?;
        let u = &self.users[ui as usize];
        let h = &u.held[p];
        let sku = &self.skus[h.sku as usize];
        self.ctx
            .tx
            .prepare_cached(
                "UPDATE assignment SET expires_at = ?3, disabled_plans = ?4 WHERE subscriber_id = ?1 AND sku_ref = ?2",
            )?
            .execute(params![
                u.id,
                sku.id,
                expires.as_ref().map(ts_str),
                &*self.plan_lists[plans as usize]
            ])?;
        if !h.new {
            let upn: String = self.ctx.tx.query_row(
                "SELECT user_principal_name FROM subscriber WHERE id = ?1",
                [u.id],
                |r| r.get(0),
            )?;
            let plans_value = |id: u32| {
                serde_json::from_str::<serde_json::Value>(&self.plan_lists[id as usize])
                    .unwrap_or_else(|_| json!([]))
            };
            self.ctx.audit(
                "assignment.update",
                "assignment",
                &format!("{upn}/{}", sku.guid),
                Some(&json!({ "sku": sku.name, "expires_at": h.expires.as_ref().map(ts_str), "disabled_plans": plans_value(h.plans) })),
                Some(&json!({ "sku": sku.name, "expires_at": expires.as_ref().map(ts_str), "disabled_plans": plans_value(plans) })),
            )?;
        }
        let h = &mut self.users[ui as usize].held[p];
        h.expires = expires;
        h.plans = plans;
        Ok(())
    }

    /// The `requires` checks that waited for the end of the file: a new assignment whose user
    /// still holds none of its bases is refused (and, in skip-invalid mode, taken back, which may
    /// leave another add-on without its base: repeated until nothing changes).
    fn finish_deferred(
        &mut self,
        file: &str,
        apply: bool,
        report: &mut ImportReport,
        rejects: &mut Rejects<'_>,
        header: &Header,
    ) -> Result<()> {
        let mut pending = std::mem::take(&mut self.deferred);
        loop {
            let mut failed = Vec::new();
            pending.retain(|d| {
                let u = &self.users[d.user as usize];
                let req = &self.skus[d.sku as usize].requires;
                let ok = u.held.iter().any(|h| req.contains(&h.sku));
                if !ok {
                    failed.push((d.line, d.user, d.sku, d.fields.clone()));
                }
                ok
            });
            if failed.is_empty() {
                return Ok(());
            }
            if apply {
                self.flush()?;
            }
            for (line, ui, k, fields) in failed {
                let sku = &self.skus[k as usize];
                let bases: Vec<&str> = sku
                    .requires
                    .iter()
                    .filter_map(|&b| self.skus.get(b as usize).map(|s| s.name.as_str()))
                    .collect();
                let reason = if bases.is_empty() {
                    format!(
                        "{}: {} requires a base SKU the customer does not subscribe to",
                        ErrorCode::DependencyViolation.name(),
                        sku.name
                    )
                } else {
                    format!(
                        "{}: {} requires one of: {} (none held at the end of the file)",
                        ErrorCode::DependencyViolation.name(),
                        sku.name,
                        bases.join(", ")
                    )
                };
                let value = header.pos[SKU].and_then(|p| fields.get(p).cloned());
                let err = RowError {
                    file: file.to_string(),
                    line,
                    column: Some("sku".into()),
                    value,
                    reason,
                };
                let sid = self.users[ui as usize].id;
                let sref = self.skus[k as usize].id;
                if apply {
                    self.tx()
                        .prepare_cached(
                            "DELETE FROM assignment WHERE subscriber_id = ?1 AND sku_ref = ?2",
                        )?
                        .execute(params![sid, sref])?;
                    self.tx()
                        .prepare_cached(
                            "DELETE FROM assignment_interval WHERE sku_ref = ?2 AND subscriber_id = ?1 AND to_at IS NULL",
                        )?
                        .execute(params![sid, sref])?;
                }
                self.users[ui as usize].held.retain(|h| h.sku != k);
                self.skus[k as usize].assigned -= 1;
                report.inserted -= 1;
                rejects.add(header, fields, err)?;
            }
        }
    }
}

impl Store {
    /// Imports assignments from canonical CSV (upsert by user and SKU): see the module
    /// documentation for what a row does and which rules it must pass, and [`ImportOptions`] for
    /// the all-or-nothing and skip-invalid modes.
    pub fn import_assignments(
        &mut self,
        input: impl Read,
        mut opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        let (mut records, header) = Records::open(input, &opts.file_name, opts.delimiter, SPEC)?;
        let mode = opts.mode;
        let total_bytes = opts.total_bytes;
        let rejects_out = opts.rejects.take();
        let progress = opts.progress.take();
        let file = opts.file_name.clone();
        // N.B. Foreign keys are off for the import's transaction (and back on after it, whatever
        // happens): every id the import writes comes from the store or from its own allocation,
        // and with them on each multi-row INSERT "may abort" half-way, so SQLite keeps a
        // statement journal of every page it touches (a fifth of the time, in a temporary file).
        // `INSERT OR FAIL` does the same for the other constraints, which the rows were checked
        // against already; a failure still fails the import, which rolls everything back.
        // The statement journal SQLite still keeps for a multi-row INSERT into a STRICT table (its
        // type checks may abort) stays in memory rather than in a temporary file.
        // (Changing temp_store drops the connection's TEMP objects: only when it has none.)
        let temp_objects: i64 =
            self.conn()
                .query_row("SELECT count(*) FROM temp.sqlite_schema", [], |r| r.get(0))?;
        let mut settings: Vec<(&str, i64)> = Vec::new();
        if temp_objects == 0 {
            settings.push(("temp_store", 2));
        }
        settings.push(("foreign_keys", 0));
        // Worker threads for the sorter of CREATE INDEX (the indexes bulk mode rebuilds; each
        // sorts a million keys): one per core, up to four.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        settings.push(("threads", cores as i64));
        let mut saved = Vec::with_capacity(settings.len());
        let mut failed = None;
        for (name, value) in settings {
            let before = self
                .conn()
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0))
                .and_then(|before| {
                    self.conn().pragma_update(None, name, value)?;
                    Ok(before)
                });
            match before {
                Ok(before) => saved.push((name, before)),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let result = match failed {
            Some(e) => Err(e.into()),
            None => self.import_assignments_tx(
                &mut records,
                &header,
                mode,
                total_bytes,
                rejects_out,
                progress,
                &file,
            ),
        };
        // The connection's settings are back, whatever happened.
        let mut restored = Ok(());
        for (name, before) in saved.into_iter().rev() {
            if let Err(e) = self.conn().pragma_update(None, name, before) {
                restored = restored.and(Err(e));
            }
        }
        let report = result?;
        restored?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    fn import_assignments_tx<R: Read>(
        &mut self,
        records: &mut Records<R>,
        header: &Header,
        mode: super::ImportMode,
        total_bytes: Option<u64>,
        rejects_out: Option<&mut dyn Write>,
        mut progress: Option<&mut dyn FnMut(Progress) -> ControlFlow<()>>,
        file: &str,
    ) -> Result<ImportReport> {
        self.write(|ctx| {
            let mut report = ImportReport::default();
            let mut rejects = Rejects::new(rejects_out);
            // Rows expected: the file's size over a short row's (an overestimate is harmless).
            let expected_rows = total_bytes.map_or(0, |b| b / 80);
            let mut imp = Importer::new(ctx, header, expected_rows)?;
            let mut tell = |rows: u64, bytes: u64| -> Result<()> {
                if let Some(p) = progress.as_mut() {
                    if let ControlFlow::Break(()) = p(Progress {
                        rows,
                        bytes,
                        total_bytes,
                    }) {
                        return Err(Error::Interrupted(format!(
                            "import interrupted after {rows} rows; nothing was written"
                        )));
                    }
                }
                Ok(())
            };
            while let Some(next) = records.next()? {
                report.rows += 1;
                let failed = match next {
                    Err(e) => Some((Vec::new(), e)),
                    Ok(rec) => match imp.row(header, &rec)? {
                        Ok(Outcome::Inserted) => {
                            report.inserted += 1;
                            None
                        }
                        Ok(Outcome::Updated) => {
                            report.updated += 1;
                            None
                        }
                        Ok(Outcome::Unchanged) => {
                            report.unchanged += 1;
                            None
                        }
                        Err(e) => Some((rec.fields(), e)),
                    },
                };
                if let Some((fields, e)) = failed {
                    rejects.add(header, fields, e)?;
                    if mode == super::ImportMode::AllOrNothing && !imp.dry {
                        imp.go_dry();
                    }
                }
                if report.rows % PROGRESS_EVERY == 0 {
                    tell(report.rows, records.bytes())?;
                }
            }
            let apply = mode == super::ImportMode::SkipInvalid || rejects.count == 0;
            if apply {
                imp.rebuild_indexes()?;
            }
            imp.finish_deferred(file, apply, &mut report, &mut rejects, header)?;
            imp.flush()?;
            tell(report.rows, records.bytes())?;
            let audit = json!({
                "rows": report.rows, "inserted": report.inserted, "updated": report.updated,
                "unchanged": report.unchanged, "rejected": rejects.count,
                "users_created": imp.users_created, "users_updated": imp.users_updated,
            });
            let report = conclude(mode, rejects, report)?;
            ctx.audit(
                "assignment.import",
                "assignment_import",
                file,
                None,
                Some(&audit),
            )?;
            Ok(report)
        })
    }

    /// Exports every assignment in the canonical columns ([`COLUMNS`]), by customer, user and
    /// SKU GUID; returns the row count. The export imports back unchanged.
    pub fn export_assignments(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_query(
            "SELECT l.customer, l.user_principal_name, l.user_display_name AS display_name, \
             s.usage_location, l.sku_id AS sku, l.assigned_at, l.expires_at, \
             nullif(l.disabled_plans, '[]') AS disabled_plans \
             FROM subscriber_licenses l JOIN subscribers s ON s.user_principal_name = l.user_principal_name \
             ORDER BY l.customer, l.user_principal_name, l.sku_id",
            &Params::None,
            format,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::NewCustomer;
    use crate::io::ImportMode;
    use crate::online::{NewSku, NewSubscriber, SkuRule, Units};
    use crate::query::Value;
    use crate::store::Clock;

    const E3: &str = "ENTERPRISEPACK";
    const E3_GUID: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
    const M365E3: &str = "SPE_E3";
    const PHONE: &str = "MCOEV";
    const BI: &str = "POWER_BI_PRO";
    const HEAD: &str =
        "customer,user_principal_name,display_name,usage_location,sku,assigned_at,expires_at\n";

    /// Contoso (default US) with E3 (5 units), M365 E3 (2), Phone (2, requires E3 or M365 E3),
    /// Power BI (10, blocked in CN); E3 and M365 E3 exclude each other. Fabrikam (no default
    /// location) with E3, and its user nobody@fabrikam.com.
    fn fixture() -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        s.set_clock(Clock::Fixed(
            chrono::DateTime::parse_from_rfc3339("2026-01-10T08:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        s.set_actor("importer@contoso.com")?;
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named("Contoso")
        })?;
        s.add_customer(&NewCustomer::named("Fabrikam"))?;
        for (c, sku, n) in [
            ("Contoso", E3, 5),
            ("Contoso", M365E3, 2),
            ("Contoso", PHONE, 2),
            ("Contoso", BI, 10),
            ("Fabrikam", E3, 5),
        ] {
            s.set_sku(&NewSku {
                customer: c.into(),
                sku: sku.into(),
                units: Units {
                    enabled: n,
                    ..Units::default()
                },
                ..NewSku::default()
            })?;
        }
        s.add_subscriber(&NewSubscriber {
            customer: "Fabrikam".into(),
            user_principal_name: "nobody@fabrikam.com".into(),
            ..NewSubscriber::default()
        })?;
        s.add_sku_rule(&SkuRule::Requires {
            sku: PHONE.into(),
            any_of: vec![E3.into(), M365E3.into()],
        })?;
        s.add_sku_rule(&SkuRule::Excludes {
            sku: E3.into(),
            other: M365E3.into(),
        })?;
        s.add_sku_rule(&SkuRule::BlockedIn {
            sku: BI.into(),
            countries: vec!["CN".into()],
        })?;
        Ok(s)
    }

    fn import(s: &mut Store, text: &str) -> Result<ImportReport> {
        s.import_assignments(text.as_bytes(), ImportOptions::new("a.csv"))
    }

    fn count(s: &Store, sql: &str) -> Result<i64> {
        Ok(s.conn().query_row(sql, [], |r| r.get(0))?)
    }

    /// Everything an import may change, to compare before and after a refused one.
    fn snapshot(s: &Store) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for sql in [
            "SELECT * FROM subscriber ORDER BY id",
            "SELECT * FROM assignment ORDER BY subscriber_id, sku_ref",
            "SELECT * FROM assignment_interval ORDER BY id",
            "SELECT * FROM audit_event ORDER BY id",
        ] {
            let mut q = s.conn().prepare(sql)?;
            let n = q.column_count();
            let rows = q.query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join("|"))
            })?;
            for r in rows {
                out.push(r?);
            }
        }
        Ok(out)
    }

    #[test]
    fn import_creates_users_assignments_history_and_one_audit_row() -> Result<()> {
        let mut s = fixture()?;
        let r = import(
            &mut s,
            &format!(
                "{HEAD}Contoso,Ann@Contoso.com,Ann Lee,pl,{E3},2025-03-01,\n\
                 contoso,ann@contoso.com,,,{PHONE},2025-03-02T10:00:00+02:00,2026-12-31\n\
                 Contoso,bob@contoso.com,Bob,,{E3_GUID},,\n"
            ),
        )?;
        assert_eq!(
            (r.rows, r.inserted, r.updated, r.unchanged, r.rejected),
            (3, 3, 0, 0, 0)
        );
        let ann = s.subscriber("ann@contoso.com")?;
        assert_eq!(ann.user_principal_name, "Ann@Contoso.com");
        assert_eq!(ann.display_name.as_deref(), Some("Ann Lee"));
        assert_eq!(ann.usage_location.as_deref(), Some("PL"));
        assert_eq!(s.subscriber("bob@contoso.com")?.usage_location, None);
        // Instants normalized to UTC; a date is midnight UTC; no assigned_at means the import's time.
        let rows = s.query(
            "SELECT user_principal_name, sku_part_number, assigned_at, expires_at, source, assigned_by \
             FROM subscriber_licenses ORDER BY 1, 2",
            &Params::None,
        )?;
        let text = |v: &Value| match v {
            Value::Text(t) => t.clone(),
            Value::Null => "-".into(),
            other => format!("{other:?}"),
        };
        let got: Vec<String> = rows
            .rows
            .iter()
            .map(|r| r.iter().map(text).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(
            got,
            [
                "Ann@Contoso.com ENTERPRISEPACK 2025-03-01T00:00:00Z - direct importer@contoso.com",
                "Ann@Contoso.com MCOEV 2025-03-02T08:00:00Z 2026-12-31T00:00:00Z direct importer@contoso.com",
                "bob@contoso.com ENTERPRISEPACK 2026-01-10T08:00:00Z - direct importer@contoso.com",
            ]
        );
        // History from assigned_at, so a past date is answerable.
        assert_eq!(
            s.holders_at("Contoso", E3, "2025-06-01")?,
            ["Ann@Contoso.com"]
        );
        assert_eq!(
            count(&s, "SELECT count(*) FROM assignment_interval WHERE start_reason = 'import' AND to_at IS NULL")?,
            3
        );
        assert_eq!(s.sku("Contoso", E3)?.assigned, 2);
        let audit = s.audit_entries(Some(("assignment_import", "a.csv")))?;
        assert_eq!(audit.len(), 1);
        let after: serde_json::Value = serde_json::from_str(audit[0].after.as_deref().unwrap())?;
        assert_eq!(after["inserted"], 3);
        assert_eq!(after["users_created"], 2);
        assert_eq!(audit[0].actor, "importer@contoso.com");
        Ok(())
    }

    #[test]
    fn reimport_is_unchanged_and_changes_are_updates_with_audit() -> Result<()> {
        let mut s = fixture()?;
        import(
            &mut s,
            &format!("{HEAD}Contoso,ann@contoso.com,Ann,US,{E3},2025-03-01,2026-06-30\n"),
        )?;
        let mut out = Vec::new();
        assert_eq!(s.export_assignments(Format::Csv, &mut out)?, 1);
        let exported = String::from_utf8(out).unwrap();
        assert_eq!(
            exported,
            format!(
                "{}\nContoso,ann@contoso.com,Ann,US,{E3_GUID},2025-03-01T00:00:00Z,2026-06-30T00:00:00Z,\n",
                COLUMNS.join(",")
            )
        );
        // The export imports back unchanged; so does a file without the optional columns.
        let r = import(&mut s, &exported)?;
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 1));
        let r = import(
            &mut s,
            &format!("customer,user_principal_name,sku\nContoso,ANN@contoso.com,{E3}\n"),
        )?;
        assert_eq!(r.unchanged, 1);
        // A new display name and a new expiry: one updated row, one audit row each with before/after.
        let audit_before = s.audit_entries(None)?.len();
        let r = import(
            &mut s,
            &format!("{HEAD}Contoso,ann@contoso.com,Ann Lee,,{E3},2020-01-01,2027-01-01\n"),
        )?;
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 0));
        let entries = s.audit_entries(None)?;
        let actions: Vec<&str> = entries[audit_before..]
            .iter()
            .map(|e| e.action.as_str())
            .collect();
        assert_eq!(
            actions,
            [
                "subscriber.update",
                "assignment.update",
                "assignment.import"
            ]
        );
        assert!(entries[audit_before]
            .before
            .as_deref()
            .unwrap()
            .contains("\"Ann\""));
        assert!(entries[audit_before + 1]
            .after
            .as_deref()
            .unwrap()
            .contains("2027-01-01T00:00:00Z"));
        // An existing assignment keeps its start: history is not rewritten.
        let (at, from): (String, String) = s.conn().query_row(
            "SELECT a.assigned_at, h.from_at FROM assignment a JOIN assignment_interval h USING (subscriber_id, sku_ref)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        assert_eq!(
            (at.as_str(), from.as_str()),
            ("2025-03-01T00:00:00Z", "2025-03-01T00:00:00Z")
        );
        // Disabled plans: a plan of the SKU, as JSON or a list; exported as JSON.
        let plan = s
            .catalog_sku(E3)?
            .plans
            .into_iter()
            .next()
            .map(|p| p.0)
            .unwrap();
        let r = import(
            &mut s,
            &format!(
                "customer,user_principal_name,sku,disabled_plans\nContoso,ann@contoso.com,{E3},{}\n",
                plan.to_uppercase()
            ),
        )?;
        assert_eq!(r.updated, 1);
        let mut out = Vec::new();
        s.export_entity(crate::Entity::Assignments, Format::Csv, &mut out)?;
        let exported = String::from_utf8(out).unwrap();
        assert!(
            exported.contains(&format!("\"[\"\"{plan}\"\"]\"")),
            "{exported}"
        );
        assert_eq!(import(&mut s, &exported)?.unchanged, 1);
        let e = import(
            &mut s,
            &format!(
                "customer,user_principal_name,sku,disabled_plans\nContoso,ann@contoso.com,{E3},{E3_GUID}\n"
            ),
        )
        .unwrap_err();
        assert!(e.to_string().contains("is not a service plan of"), "{e}");
        Ok(())
    }

    #[test]
    fn rules_are_enforced_with_their_codes_and_lines() -> Result<()> {
        let mut s = fixture()?;
        s.add_subscriber(&NewSubscriber {
            customer: "Contoso".into(),
            user_principal_name: "gone@contoso.com".into(),
            ..NewSubscriber::default()
        })?;
        s.offboard("gone@contoso.com")?;
        let before = snapshot(&s)?;
        let text = format!(
            "{HEAD}\
             Contoso,a@contoso.com,,,{M365E3},,\n\
             Contoso,b@contoso.com,,,{M365E3},,\n\
             Contoso,c@contoso.com,,,{M365E3},,\n\
             Contoso,a@contoso.com,,,{E3},,\n\
             Contoso,d@contoso.com,,CN,{BI},,\n\
             Fabrikam,e@fabrikam.com,,,{E3},,\n\
             Contoso,f@contoso.com,,,{PHONE},,\n\
             Contoso,g@contoso.com,,,{PHONE},,\n\
             Contoso,g@contoso.com,,,{E3},,\n\
             Contoso,gone@contoso.com,,,{E3},,\n\
             Contoso,nobody@fabrikam.com,,,{E3},,\n\
             Initech,h@initech.com,,,{E3},,\n\
             Contoso,i@contoso.com,,,VISIOCLIENT,,\n\
             Contoso,j@contoso.com,,,{E3},2030-01-01,\n\
             Contoso,k@contoso.com,,,{E3},2025-01-01,2024-01-01\n"
        );
        let e = import(&mut s, &text).unwrap_err();
        assert_eq!(e.code(), ErrorCode::CsvError);
        let errs = e.csv_errors().unwrap();
        let got: Vec<(u64, &str, &str)> = errs
            .errors
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.column.as_deref().unwrap_or(""),
                    r.reason.split(':').next().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (4, "sku", "CountViolation"),
                (5, "sku", "MutuallyExclusiveViolation"),
                (6, "sku", "ProhibitedInUsageLocationViolation"),
                (7, "usage_location", "UsageLocationMissing"),
                (11, "user_principal_name", "UserOffboarded"),
                (12, "user_principal_name", "UserNotFound"),
                (13, "customer", "no customer with this name"),
                (14, "sku", "SkuNotFound"),
                (
                    15,
                    "assigned_at",
                    "must not be in the future (now is 2026-01-10T08"
                ),
                (16, "expires_at", "must be after assigned_at"),
                // Checked at the end: the add-on's base never came (g's came on a later row).
                (8, "sku", "DependencyViolation"),
            ]
        );
        assert_eq!(errs.rejected, 11);
        assert!(e.to_string().contains("a.csv:4: column \"sku\""), "{e}");
        assert_eq!(
            snapshot(&s)?,
            before,
            "all-or-nothing: the store is unchanged"
        );

        // Skip-invalid: the good rows are applied, the bad ones written out with their reasons.
        let mut rejects = Vec::new();
        let mut opts = ImportOptions::new("a.csv");
        opts.mode = ImportMode::SkipInvalid;
        opts.rejects = Some(&mut rejects);
        let r = s.import_assignments(text.as_bytes(), opts)?;
        assert_eq!((r.rows, r.inserted, r.rejected), (15, 4, 11));
        let rejects = String::from_utf8(rejects).unwrap();
        assert_eq!(rejects.lines().count(), 12, "{rejects}");
        assert!(rejects.lines().last().unwrap().starts_with(&format!(
            "Contoso,f@contoso.com,,,{PHONE},,,8,sku,\"DependencyViolation"
        )));
        let phone_holders = s.holders_at("Contoso", PHONE, "2026-01-10T08:00:00Z")?;
        assert_eq!(phone_holders, ["g@contoso.com"]);
        assert_eq!(s.sku("Contoso", PHONE)?.assigned, 1);
        assert_eq!(
            count(&s, "SELECT count(*) FROM assignment_interval")?,
            count(&s, "SELECT count(*) FROM assignment")?
        );
        // The rejects file reads back as it is (its error columns ignored): unfixed, the same
        // rows are refused again.
        let e = import(&mut s, &rejects).unwrap_err();
        assert_eq!(e.csv_errors().unwrap().rejected, 11, "{e}");
        Ok(())
    }

    #[test]
    fn a_user_of_a_customer_the_file_does_not_name_is_not_taken_over() -> Result<()> {
        let mut s = fixture()?;
        let before = snapshot(&s)?;
        let e = import(
            &mut s,
            &format!("{HEAD}Contoso,NOBODY@Fabrikam.com,,,{E3},,\n"),
        )
        .unwrap_err();
        let first = e.csv_errors().unwrap().first().clone();
        assert_eq!(first.column.as_deref(), Some("user_principal_name"));
        assert!(
            first
                .reason
                .starts_with("UserNotFound: the user belongs to customer \"Fabrikam\""),
            "{e}"
        );
        assert_eq!(snapshot(&s)?, before);
        Ok(())
    }

    #[test]
    fn bad_files_are_reported_clearly() -> Result<()> {
        let mut s = fixture()?;
        let before = snapshot(&s)?;
        for (text, line, needle) in [
            (
                "customer,user_principal_name\nContoso,a@contoso.com\n".to_string(),
                1,
                "missing required column(s): sku",
            ),
            (
                format!("{}colour\n", HEAD.trim_end().to_string() + ","),
                1,
                "unknown column",
            ),
            (
                "customer,sku,sku,user_principal_name\n".to_string(),
                1,
                "duplicate column",
            ),
            (
                format!("{HEAD}Contoso,a@contoso.com,,,{E3},,,extra\n"),
                2,
                "too many fields",
            ),
            (
                format!("{HEAD}Contoso,a@contoso.com,,,{E3},2025-02-30,\n"),
                2,
                "must be a date",
            ),
            (
                format!("{HEAD}Contoso,a@contoso.com,,,{E3},2025-02-03T10:00:00,\n"),
                2,
                "with an offset",
            ),
            (
                format!("{HEAD}Contoso,not-a-upn,,,{E3},,\n"),
                2,
                "name@domain",
            ),
            (
                format!("{HEAD}Contoso,a@contoso.com,,USA,{E3},,\n"),
                2,
                "ISO 3166",
            ),
            (
                format!("{HEAD}Contoso,a@contoso.com,\"Two\nLines\",,{E3},,\n"),
                2,
                "control characters",
            ),
            (
                format!("{HEAD},a@contoso.com,,,{E3},,\n"),
                2,
                "a value is required",
            ),
        ] {
            let e = import(&mut s, &text).unwrap_err();
            let first = e.csv_errors().unwrap().first().clone();
            assert_eq!(first.line, line, "{text:?}: {e}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        let mut bytes = HEAD.as_bytes().to_vec();
        bytes.extend_from_slice(b"Contoso,a@contoso.com,Bad\xff,,ENTERPRISEPACK,,\n");
        let e = s
            .import_assignments(&bytes[..], ImportOptions::new("a.csv"))
            .unwrap_err();
        let first = e.csv_errors().unwrap().first().clone();
        assert_eq!(
            (first.line, first.column.as_deref()),
            (2, Some("display_name"))
        );
        assert!(first.reason.contains("UTF-8"));
        assert_eq!(snapshot(&s)?, before);
        // The import's connection settings are back after a refused import.
        let (fk, temp): (i64, i64) = s.conn().query_row(
            "SELECT foreign_keys, temp_store FROM pragma_foreign_keys, pragma_temp_store",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        assert_eq!((fk, temp), (1, 0));
        // BOM, CRLF, trailing empty columns and TSV are fine.
        let mut opts = ImportOptions::new("a.tsv");
        opts.delimiter = b'\t';
        let r = s.import_assignments(
            format!("\u{feff}customer\tuser_principal_name\tsku\t\r\nContoso\ta@contoso.com\t{E3}\t\r\n")
                .as_bytes(),
            opts,
        )?;
        assert_eq!(r.inserted, 1);
        Ok(())
    }

    #[test]
    fn progress_break_interrupts_and_writes_nothing() -> Result<()> {
        let mut s = fixture()?;
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: BI.into(),
            units: Units {
                enabled: 100_000,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let before = snapshot(&s)?;
        let mut text = String::from(HEAD);
        for i in 0..10_000 {
            text.push_str(&format!("Contoso,u{i}@contoso.com,,,{BI},,\n"));
        }
        let mut calls = Vec::new();
        let mut progress = |p: Progress| {
            calls.push(p.rows);
            if p.rows >= 8192 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let mut opts = ImportOptions::new("a.csv");
        opts.total_bytes = Some(text.len() as u64);
        opts.progress = Some(&mut progress);
        let e = s.import_assignments(text.as_bytes(), opts).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Interrupted);
        assert_eq!(calls, [4096, 8192]);
        assert_eq!(snapshot(&s)?, before);
        Ok(())
    }

    /// What a bulk-mode import (indexes dropped and rebuilt) leaves equals what a row-by-row one
    /// does: same rows, same indexes, and a store that passes SQLite's integrity check.
    #[test]
    fn bulk_mode_rebuilds_the_indexes_and_matches_row_by_row() -> Result<()> {
        let mut text = String::from(HEAD);
        for i in 0..600 {
            // Users get Power BI, a Phone without a base for one in ten (refused at the end), and E3.
            text.push_str(&format!(
                "Contoso,u{i}@contoso.com,User {i},,{BI},2025-01-01,2027-01-01\n"
            ));
            if i % 10 == 0 {
                text.push_str(&format!("Contoso,u{i}@contoso.com,,,{PHONE},,\n"));
            } else if i % 3 == 0 {
                text.push_str(&format!("Contoso,u{i}@contoso.com,,,{E3},,\n"));
            }
        }
        let mut results = Vec::new();
        for bulk in [false, true] {
            let mut s = fixture()?;
            for (sku, n) in [(BI, 1000), (E3, 1000), (PHONE, 1000)] {
                s.set_sku(&NewSku {
                    customer: "Contoso".into(),
                    sku: sku.into(),
                    units: Units {
                        enabled: n,
                        ..Units::default()
                    },
                    ..NewSku::default()
                })?;
            }
            let mut opts = ImportOptions::new("a.csv");
            opts.mode = ImportMode::SkipInvalid;
            // An overstated size makes the import take the bulk path on this small file.
            opts.total_bytes = Some(if bulk { 100_000_000 } else { text.len() as u64 });
            let r = s.import_assignments(text.as_bytes(), opts)?;
            assert_eq!((r.inserted, r.rejected), (600 + 180, 60));
            let ok: String = s
                .conn()
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            assert_eq!(ok, "ok");
            let indexes = count(
                &s,
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN \
                 ('assignment_sku', 'assignment_expiry', 'assignment_interval_sku')",
            )?;
            assert_eq!(indexes, 3);
            assert_eq!(s.sku("Contoso", PHONE)?.assigned, 0);
            assert_eq!(s.expiring(400, Some("Contoso"))?.len(), 600);
            let mut rows = snapshot(&s)?;
            rows.retain(|r| !r.contains("assignment.import"));
            results.push(rows);
        }
        assert_eq!(results[0], results[1]);
        Ok(())
    }

    /// Bulk mode into a store without subscribers also drops and rebuilds the customer index of
    /// the users, and the connection's settings (worker threads among them) are back after.
    #[test]
    fn bulk_mode_into_an_empty_store_rebuilds_the_customer_index() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        s.set_actor("importer@contoso.com")?;
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named("Contoso")
        })?;
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: E3.into(),
            units: Units {
                enabled: 1000,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let threads: i64 = s.conn().query_row("PRAGMA threads", [], |r| r.get(0))?;
        let index_sql = |s: &Store| -> Result<Option<String>> {
            Ok(s.conn()
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE name = 'subscriber_customer'",
                    [],
                    |r| r.get(0),
                )
                .optional()?)
        };
        let before = index_sql(&s)?;
        assert!(before.is_some());
        let mut text = String::from(HEAD);
        for i in 0..300 {
            text.push_str(&format!("Contoso,u{i}@contoso.com,User {i},,{E3},,\n"));
        }
        let mut opts = ImportOptions::new("a.csv");
        opts.total_bytes = Some(100_000_000);
        let r = s.import_assignments(text.as_bytes(), opts)?;
        assert_eq!(r.inserted, 300);
        assert_eq!(index_sql(&s)?, before);
        let ok: String = s
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(ok, "ok");
        let by_index: i64 = s.conn().query_row(
            "SELECT count(*) FROM subscriber INDEXED BY subscriber_customer WHERE customer_id = 1",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(by_index, 300);
        assert_eq!(
            s.conn()
                .query_row("PRAGMA threads", [], |r| r.get::<_, i64>(0))?,
            threads
        );
        Ok(())
    }

    /// 10,000 bad rows among 1,000,000 good ones, all-or-nothing: every bad row is counted, the
    /// first ones are reported with line, column and value, the rejects file has all 10,000, and
    /// the store (schema included: the file is big enough for the bulk path) is unchanged.
    #[test]
    fn ten_thousand_bad_rows_among_a_million_good_ones() -> Result<()> {
        let mut s = fixture()?;
        for sku in [E3, BI] {
            s.set_sku(&NewSku {
                customer: "Contoso".into(),
                sku: sku.into(),
                units: Units {
                    enabled: 1_000_000,
                    ..Units::default()
                },
                ..NewSku::default()
            })?;
        }
        let mut text = Vec::with_capacity(60_000_000);
        text.extend_from_slice(HEAD.as_bytes());
        let mut bad = 0;
        for i in 0..1_000_000u32 {
            let (user, sku) = (i / 2, if i % 2 == 0 { E3 } else { BI });
            writeln!(text, "Contoso,u{user}@contoso.com,,,{sku},2025-01-01,").unwrap();
            if i % 100 == 99 {
                bad += 1;
                if bad % 2 == 1 {
                    writeln!(text, "Contoso,bad{bad}@contoso.com,,XX,{E3},,").unwrap();
                } else {
                    writeln!(text, "Contoso,bad{bad}@contoso.com,,,{E3},2025-02-30,").unwrap();
                }
            }
        }
        assert_eq!(bad, 10_000);
        let before = snapshot(&s)?;
        let schema = count(&s, "SELECT count(*) FROM sqlite_schema")?;
        let mut rejects = Vec::new();
        let mut opts = ImportOptions::new("big.csv");
        opts.total_bytes = Some(text.len() as u64);
        opts.rejects = Some(&mut rejects);
        let e = s.import_assignments(&text[..], opts).unwrap_err();
        let errs = e.csv_errors().expect("a CSV error");
        assert_eq!(errs.rejected, 10_000);
        assert_eq!(errs.errors.len(), crate::error::CsvErrors::MAX_KEPT);
        // Line 1 is the header, then 100 good rows before each bad one.
        let first = &errs.errors[0];
        assert_eq!(
            (first.line, first.column.as_deref(), first.value.as_deref()),
            (102, Some("usage_location"), Some("XX"))
        );
        let second = &errs.errors[1];
        assert_eq!(
            (
                second.line,
                second.column.as_deref(),
                second.value.as_deref()
            ),
            (203, Some("assigned_at"), Some("2025-02-30"))
        );
        assert!(
            e.to_string().contains("(and 9999 more rejected rows)"),
            "{e}"
        );
        let rejects = String::from_utf8(rejects).unwrap();
        assert_eq!(rejects.lines().count(), 1 + 10_000);
        assert!(rejects
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("Contoso,bad1@contoso.com,,XX,"));
        assert_eq!(snapshot(&s)?, before);
        assert_eq!(count(&s, "SELECT count(*) FROM sqlite_schema")?, schema);
        Ok(())
    }
}
