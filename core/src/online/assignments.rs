//! Assignments, their history, and the bulk engine (assign / remove / replace as jobs).
//!
//! # How a run works
//! 1. Inside one IMMEDIATE transaction the customer's state is loaded once into memory: its SKUs
//!    with their assigned counts, the rules that concern them, its users and what each holds.
//! 2. Each target user is evaluated in order, as one step (for `replace`, the removal frees seats
//!    before the addition takes them), against the in-memory state, which the step then updates.
//! 3. Preview stops here and reports. Atomic mode (the default) refuses the whole run if any user
//!    fails: the transaction is rolled back, and the refused run is then recorded in a second
//!    transaction as a `Failed` job with every item (so it can be inspected and rerun), and
//!    [`Error::BulkOperationFailed`] carries its id and the failures. Best effort applies the users
//!    that pass and records the others (`FinishedWithException`).
//! 4. The writes use cached prepared statements; the audit log receives one row per job (the job
//!    and its items are the per-user record; history keeps every interval).
//!
//! Single-user calls ([`Store::assign_license`], [`Store::remove_license`]) run the same rules
//! on a state loaded for that user only, write one audit row per change, and are not jobs.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::ControlFlow;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{customers_require, require_subscriber, SubscriberStatus};
use crate::error::{Error, ErrorCode, Result, Violation};
use crate::io::Format;
use crate::query::{Params, Value};
use crate::store::{format_ts, Store, WriteCtx};
use crate::validate;

/// Options of an assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignOptions {
    /// When the license ends (a temporary license); a date or an instant with an offset.
    pub expires_at: Option<String>,
    /// Usage location to set on users that have none of their own.
    pub usage_location: Option<String>,
    /// Service plans (GUIDs) to switch off; each must belong to one of the SKUs assigned.
    pub disabled_plans: Vec<String>,
    /// Give a user who receives a voice-capable SKU (one that includes the [`VOICE_PLAN`]
    /// service plan) and has no phone number the customer's next available number; a user for
    /// whom none is left fails with `NumberUnavailable`.
    #[serde(default)]
    pub take_number: bool,
}

/// The service plan that makes a SKU voice-capable: Microsoft Teams Phone System (`MCOEV`),
/// included in Teams Phone Standard, Microsoft 365 E5, Business Voice and the like.
pub const VOICE_PLAN: &str = "MCOEV";

/// Which users a bulk run targets (all of one customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Targets {
    /// These UPNs.
    Users(Vec<String>),
    /// The members of these groups.
    Groups(Vec<String>),
    /// The customer's users matching a filter.
    Filter(SubscriberFilter),
}

/// A filter over a customer's users; every given field must match. Offboarded users are only
/// matched when `status` asks for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberFilter {
    /// Department (case-insensitive).
    pub department: Option<String>,
    /// Own usage location.
    pub usage_location: Option<String>,
    /// Status.
    pub status: Option<SubscriberStatus>,
    /// UPN domain (the part after `@`, case-insensitive).
    pub domain: Option<String>,
}

/// What `replace` removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplaceFrom {
    /// Every SKU the user holds.
    All,
    /// These SKUs.
    Skus(Vec<String>),
}

/// A bulk operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkOp {
    /// Give each user these SKUs.
    Assign {
        /// SKUs (GUID or part number).
        skus: Vec<String>,
        /// Expiry, usage location, disabled plans.
        options: AssignOptions,
    },
    /// Take these SKUs away.
    Remove {
        /// SKUs.
        skus: Vec<String>,
    },
    /// Remove `from` and add `to` in one step per user.
    Replace {
        /// What goes.
        from: ReplaceFrom,
        /// What comes.
        to: Vec<String>,
        /// Options of the new assignments.
        options: AssignOptions,
    },
}

/// Atomic (default) or best effort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkMode {
    /// Any failure refuses the whole run.
    #[default]
    Atomic,
    /// Apply what passes, record the failures.
    BestEffort,
}

/// A bulk run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    /// The customer.
    pub customer: String,
    /// The users.
    pub targets: Targets,
    /// The operation.
    pub op: BulkOp,
    /// Atomic or best effort.
    pub mode: BulkMode,
}

/// The result of one user in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ItemOutcome {
    /// Applied.
    Ok,
    /// Nothing to do (`AlreadyAssigned`, `NotAssigned`).
    Skipped,
    /// Refused by a rule (or not applied because the atomic run was refused).
    Error,
}

impl ItemOutcome {
    fn as_str(self) -> &'static str {
        match self {
            ItemOutcome::Ok => "ok",
            ItemOutcome::Skipped => "skipped",
            ItemOutcome::Error => "error",
        }
    }
}

/// One user's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemResult {
    /// The UPN (as stored, or as given when unknown).
    pub subject: String,
    /// Ok, skipped or error.
    pub outcome: ItemOutcome,
    /// `AlreadyAssigned` / `NotAssigned` for skips, the [`ErrorCode`] name for errors.
    pub code: Option<String>,
    /// What happened.
    pub message: Option<String>,
}

/// How many targets already hold a SKU (the Partner Center check box).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HeldBy {
    /// Every target.
    All,
    /// Some.
    Some,
    /// None.
    None,
}

/// One SKU of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuPreview {
    /// GUID.
    pub sku_id: String,
    /// Part number.
    pub sku_part_number: String,
    /// Friendly name.
    pub display_name: String,
    /// All / some / none of the targets hold it.
    pub held_by: HeldBy,
    /// How many targets hold it.
    pub holders: u64,
    /// Seats the run would take (targets that do not hold it and would receive it).
    pub seats_needed: u64,
    /// Seats the run would free.
    pub seats_freed: u64,
    /// Available seats before the run.
    pub seats_available: i64,
}

/// A dry run: what would happen; nothing written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkPreview {
    /// Distinct target users (unknown UPNs included).
    pub targets: u64,
    /// Per SKU named by the operation.
    pub skus: Vec<SkuPreview>,
    /// Users that would be changed.
    pub ok: u64,
    /// Users with nothing to do.
    pub skipped: u64,
    /// The users that would fail.
    pub failures: Vec<ItemResult>,
}

/// Pending | Running | Finished | FinishedWithException | Failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JobStatus {
    /// Recorded, not started.
    Pending,
    /// Running.
    Running,
    /// Every item ok or skipped.
    Finished,
    /// Best effort: some items failed.
    FinishedWithException,
    /// Nothing applied.
    Failed,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "Pending",
            JobStatus::Running => "Running",
            JobStatus::Finished => "Finished",
            JobStatus::FinishedWithException => "FinishedWithException",
            JobStatus::Failed => "Failed",
        }
    }
    fn parse(s: &str) -> JobStatus {
        match s {
            "Pending" => JobStatus::Pending,
            "Running" => JobStatus::Running,
            "Finished" => JobStatus::Finished,
            "FinishedWithException" => JobStatus::FinishedWithException,
            _ => JobStatus::Failed,
        }
    }
}

/// A recorded job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// The customer (none for store-wide jobs such as expiry).
    pub customer: Option<String>,
    /// `assign`, `remove`, `replace`, `expire`, ...
    pub kind: String,
    /// The request, as JSON.
    pub parameters: String,
    /// Who ran it.
    pub actor: String,
    /// Times.
    pub created_at: String,
    /// Start.
    pub started_at: Option<String>,
    /// End.
    pub finished_at: Option<String>,
    /// Status.
    pub status: JobStatus,
    /// The job this one reran.
    pub rerun_of: Option<i64>,
    /// Items ok.
    pub ok: u64,
    /// Items skipped.
    pub skipped: u64,
    /// Items failed.
    pub failed: u64,
}

/// Progress of a bulk run, for progress bars: target users handled so far, of all targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JobProgress {
    /// Target users handled so far.
    pub done: u64,
    /// Target users of the run.
    pub total: u64,
}

impl JobProgress {
    /// How many users are written between two progress reports.
    pub const EVERY: usize = 1024;
}

/// Calls a progress callback; `Break` becomes [`Error::Interrupted`] (the caller's transaction
/// then rolls back).
fn report(
    progress: &mut dyn FnMut(JobProgress) -> ControlFlow<()>,
    done: u64,
    total: u64,
) -> Result<()> {
    match progress(JobProgress { done, total }) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(Error::Interrupted(format!(
            "the bulk run was cancelled after {done} of {total} users; nothing was written"
        ))),
    }
}

/// What an applied run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkOutcome {
    /// The job.
    pub job_id: i64,
    /// Finished or FinishedWithException.
    pub status: JobStatus,
    /// Users changed.
    pub ok: u64,
    /// Users with nothing to do.
    pub skipped: u64,
    /// Users that failed (best effort only).
    pub failed: u64,
}

// ---------------------------------------------------------------------------------------------
// In-memory state
// ---------------------------------------------------------------------------------------------

struct SkuSt {
    id: i64,
    guid: String,
    part: String,
    name: String,
    capacity: i64,
    assigned: i64,
    plans: HashSet<String>,
    voice: bool,
}

struct UserSt {
    id: i64,
    upn: String,
    status: SubscriberStatus,
    loc: Option<String>,
    held: Vec<usize>,
}

struct State {
    customer_id: i64,
    default_loc: Option<String>,
    skus: Vec<SkuSt>,
    by_ref: HashMap<i64, usize>,
    requires: HashMap<usize, Vec<usize>>,
    excludes: HashMap<usize, Vec<usize>>,
    blocked: HashMap<usize, HashSet<String>>,
    users: Vec<UserSt>,
    /// The customer's available numbers (in order) and the users holding one; loaded only
    /// when a run may hand out numbers.
    numbers: Option<NumberPool>,
    /// For users targeted through a group: the group's name (the assignment's `source`).
    sources: HashMap<usize, String>,
}

struct NumberPool {
    free: std::collections::VecDeque<(i64, String)>,
    holders: HashSet<i64>,
}

fn load_numbers(conn: &Connection, st: &mut State) -> Result<()> {
    let free = conn
        .prepare_cached(
            "SELECT id, number FROM phone_number WHERE customer_id = ?1 AND status = 'Available' ORDER BY number",
        )?
        .query_map([st.customer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let holders = conn
        .prepare_cached(
            "SELECT subscriber_id FROM phone_number WHERE customer_id = ?1 AND subscriber_id IS NOT NULL",
        )?
        .query_map([st.customer_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    st.numbers = Some(NumberPool { free, holders });
    Ok(())
}

enum Scope {
    Customer,
    User(i64),
}

fn load_state(conn: &Connection, customer: &str, scope: Scope) -> Result<State> {
    let c = customers_require(conn, customer)?;
    let mut st = State {
        customer_id: c.id,
        default_loc: c.default_usage_location.clone(),
        skus: vec![],
        by_ref: HashMap::new(),
        requires: HashMap::new(),
        excludes: HashMap::new(),
        blocked: HashMap::new(),
        users: vec![],
        numbers: None,
        sources: HashMap::new(),
    };
    {
        let mut q = conn.prepare_cached(
            "SELECT k.id, k.sku_id, k.sku_part_number, coalesce(cs.display_name, k.sku_part_number), \
             k.enabled + k.warning, (SELECT count(*) FROM assignment a WHERE a.sku_ref = k.id) \
             FROM sku k LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id WHERE k.customer_id = ?1 ORDER BY k.id",
        )?;
        let mut rows = q.query([c.id])?;
        while let Some(r) = rows.next()? {
            st.by_ref.insert(r.get(0)?, st.skus.len());
            st.skus.push(SkuSt {
                id: r.get(0)?,
                guid: r.get(1)?,
                part: r.get(2)?,
                name: r.get(3)?,
                capacity: r.get(4)?,
                assigned: r.get(5)?,
                plans: HashSet::new(),
                voice: false,
            });
        }
        let mut q = conn.prepare_cached(
            "SELECT k.id, p.plan_id, p.plan_name = ?2 FROM sku k JOIN catalog_plan p ON p.sku_id = k.sku_id WHERE k.customer_id = ?1",
        )?;
        let mut rows = q.query(params![c.id, VOICE_PLAN])?;
        while let Some(r) = rows.next()? {
            let i = st.by_ref[&r.get::<_, i64>(0)?];
            st.skus[i].plans.insert(r.get(1)?);
            st.skus[i].voice |= r.get::<_, bool>(2)?;
        }
    }
    let by_guid: HashMap<String, usize> = st
        .skus
        .iter()
        .enumerate()
        .map(|(i, s)| (s.guid.clone(), i))
        .collect();
    {
        let mut q =
            conn.prepare_cached("SELECT kind, sku_id, other_sku_id, country FROM sku_rule")?;
        let mut rows = q.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let sku: String = r.get(1)?;
            let other: Option<String> = r.get(2)?;
            let Some(&i) = by_guid.get(&sku) else {
                // A rule about a SKU this customer does not subscribe to concerns nobody here
                // (an `excludes` pair is stored once and registered both ways below).
                continue;
            };
            match kind.as_str() {
                "requires" => {
                    let e = st.requires.entry(i).or_default();
                    if let Some(&j) = other.as_ref().and_then(|o| by_guid.get(o)) {
                        e.push(j);
                    }
                }
                "excludes" => {
                    if let Some(&j) = other.as_ref().and_then(|o| by_guid.get(o)) {
                        st.excludes.entry(i).or_default().push(j);
                        st.excludes.entry(j).or_default().push(i);
                    }
                }
                _ => {
                    st.blocked.entry(i).or_default().insert(r.get(3)?);
                }
            }
        }
    }
    let (sub_sql, held_sql, key) = match scope {
        Scope::Customer => (
            "SELECT id, user_principal_name, status, usage_location FROM subscriber WHERE customer_id = ?1 ORDER BY id",
            "SELECT a.subscriber_id, a.sku_ref FROM assignment a JOIN sku k ON k.id = a.sku_ref WHERE k.customer_id = ?1",
            c.id,
        ),
        Scope::User(id) => (
            "SELECT id, user_principal_name, status, usage_location FROM subscriber WHERE id = ?1",
            "SELECT subscriber_id, sku_ref FROM assignment WHERE subscriber_id = ?1",
            id,
        ),
    };
    {
        // Users come in id order, so `user_index` finds them by binary search (no id map).
        let mut q = conn.prepare_cached(sub_sql)?;
        let mut rows = q.query([key])?;
        while let Some(r) = rows.next()? {
            let status = match r.get_ref(2)?.as_str().unwrap_or("Active") {
                "Staged" => SubscriberStatus::Staged,
                "Offboarded" => SubscriberStatus::Offboarded,
                _ => SubscriberStatus::Active,
            };
            st.users.push(UserSt {
                id: r.get(0)?,
                upn: r.get(1)?,
                status,
                loc: r.get(3)?,
                held: vec![],
            });
        }
        let mut q = conn.prepare_cached(held_sql)?;
        let mut rows = q.query([key])?;
        while let Some(r) = rows.next()? {
            if let (Some(u), Some(&k)) = (
                st.user_index(r.get::<_, i64>(0)?),
                st.by_ref.get(&r.get::<_, i64>(1)?),
            ) {
                st.users[u].held.push(k);
            }
        }
    }
    Ok(st)
}

impl State {
    /// The position of a user (by row id) in `users`.
    fn user_index(&self, id: i64) -> Option<usize> {
        self.users.binary_search_by_key(&id, |u| u.id).ok()
    }

    /// The users by UPN, without regard to ASCII case, borrowing the UPNs (no allocation per user).
    fn upn_index(&self) -> HashMap<Caseless<'_>, usize> {
        let mut m = HashMap::with_capacity(self.users.len());
        for (i, u) in self.users.iter().enumerate() {
            m.insert(Caseless(&u.upn), i);
        }
        m
    }
}

/// A string compared and hashed without regard to ASCII case (as SQLite's NOCASE, which the
/// UPN column uses).
#[derive(Debug, Clone, Copy)]
struct Caseless<'a>(&'a str);

impl std::hash::Hash for Caseless<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let mut buf = [0u8; 64];
        for chunk in self.0.as_bytes().chunks(64) {
            for (d, s) in buf.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            h.write(&buf[..chunk.len()]);
        }
        h.write_u8(0xff);
    }
}

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Caseless<'_> {}

// ---------------------------------------------------------------------------------------------
// Resolving a request
// ---------------------------------------------------------------------------------------------

enum Plan {
    Assign(Vec<usize>),
    Remove(Vec<usize>),
    Replace(Option<Vec<usize>>, Vec<usize>),
}

struct Resolved {
    plan: Plan,
    expires_at: Option<String>,
    usage_location: Option<String>,
    /// Disabled plans per SKU index.
    disabled: HashMap<usize, Vec<String>>,
    take_number: bool,
}

fn resolve_skus(conn: &Connection, st: &State, keys: &[String]) -> Result<Vec<usize>> {
    if keys.is_empty() {
        return Err(Error::invalid("SKUs", "", "name at least one SKU"));
    }
    let mut out = Vec::new();
    for k in keys {
        let (id, _) = super::sku_ref(conn, st.customer_id, k)?;
        let i = st.by_ref[&id];
        if !out.contains(&i) {
            out.push(i);
        }
    }
    Ok(out)
}

/// Expiry, usage location and the disabled plans per SKU index.
type ResolvedOptions = (Option<String>, Option<String>, HashMap<usize, Vec<String>>);

fn resolve_options(
    st: &State,
    now: &str,
    o: &AssignOptions,
    to: &[usize],
) -> Result<ResolvedOptions> {
    let expires_at = validate::optional(o.expires_at.as_deref(), |v| {
        validate::instant("expires at", v).map(format_ts)
    })?;
    if let Some(e) = &expires_at {
        if e.as_str() <= now {
            return Err(Error::invalid(
                "expires at",
                o.expires_at.clone().unwrap_or_default(),
                "must be in the future",
            ));
        }
    }
    let loc = validate::optional(o.usage_location.as_deref(), |v| {
        validate::country("usage location", v)
    })?;
    let mut disabled: HashMap<usize, Vec<String>> = HashMap::new();
    for p in &o.disabled_plans {
        let g = validate::guid("disabled plan", p)?;
        let mut found = false;
        for &i in to {
            if st.skus[i].plans.contains(&g) {
                disabled.entry(i).or_default().push(g.clone());
                found = true;
            }
        }
        if !found {
            let names: Vec<&str> = to.iter().map(|&i| st.skus[i].name.as_str()).collect();
            return Err(Error::invalid(
                "disabled plan",
                p,
                format!("is not a service plan of {}", names.join(", ")),
            ));
        }
    }
    Ok((expires_at, loc, disabled))
}

fn resolve(conn: &Connection, st: &State, now: &str, op: &BulkOp) -> Result<Resolved> {
    let none = AssignOptions::default();
    let (plan, opts, to) = match op {
        BulkOp::Assign { skus, options } => {
            let v = resolve_skus(conn, st, skus)?;
            (Plan::Assign(v.clone()), options, v)
        }
        BulkOp::Remove { skus } => (Plan::Remove(resolve_skus(conn, st, skus)?), &none, vec![]),
        BulkOp::Replace { from, to, options } => {
            let f = match from {
                ReplaceFrom::All => None,
                ReplaceFrom::Skus(s) => Some(resolve_skus(conn, st, s)?),
            };
            let t = resolve_skus(conn, st, to)?;
            (Plan::Replace(f, t.clone()), options, t)
        }
    };
    let (expires_at, usage_location, disabled) = resolve_options(st, now, opts, &to)?;
    Ok(Resolved {
        plan,
        expires_at,
        usage_location,
        disabled,
        take_number: opts.take_number,
    })
}

/// The target users in order (unknown UPNs as `Err`), and for group targets the group each user
/// was first reached through.
type ResolvedTargets = (
    Vec<std::result::Result<usize, String>>,
    HashMap<usize, String>,
);

fn resolve_targets(conn: &Connection, st: &State, t: &Targets) -> Result<ResolvedTargets> {
    let mut sources = HashMap::new();
    let mut seen = vec![false; st.users.len()];
    let mut take = |i: usize, out: &mut Vec<std::result::Result<usize, String>>| {
        if !std::mem::replace(&mut seen[i], true) {
            out.push(Ok(i));
        }
    };
    let mut out = Vec::new();
    match t {
        Targets::Users(upns) => {
            let index = st.upn_index();
            let mut unknown = HashSet::new();
            for u in upns {
                let u = u.trim();
                match index.get(&Caseless(u)) {
                    Some(&i) => take(i, &mut out),
                    None => {
                        if unknown.insert(Caseless(u)) {
                            out.push(Err(u.to_string()));
                        }
                    }
                }
            }
        }
        Targets::Groups(groups) => {
            for g in groups {
                let gid = super::group_id(conn, st.customer_id, g)?;
                let gname: String =
                    conn.query_row("SELECT name FROM user_group WHERE id = ?1", [gid], |r| {
                        r.get(0)
                    })?;
                let mut q = conn.prepare_cached(
                    "SELECT subscriber_id FROM group_member WHERE group_id = ?1 ORDER BY subscriber_id",
                )?;
                let ids = q.query_map([gid], |r| r.get::<_, i64>(0))?;
                for id in ids {
                    if let Some(i) = st.user_index(id?) {
                        sources.entry(i).or_insert_with(|| gname.clone());
                        take(i, &mut out);
                    }
                }
            }
        }
        Targets::Filter(f) => {
            let dep = f.department.as_deref().map(str::trim);
            let loc = validate::optional(f.usage_location.as_deref(), |v| {
                validate::country("usage location", v)
            })?;
            let dom = f.domain.as_deref().map(|d| d.trim().to_ascii_lowercase());
            let mut q = conn.prepare_cached(
                "SELECT id FROM subscriber WHERE customer_id = ?1 \
                 AND (?2 IS NULL OR department = ?2 COLLATE NOCASE) AND (?3 IS NULL OR usage_location = ?3) \
                 AND (CASE WHEN ?4 IS NULL THEN status <> 'Offboarded' ELSE status = ?4 END) \
                 AND (?5 IS NULL OR lower(substr(user_principal_name, instr(user_principal_name, '@') + 1)) = ?5) \
                 ORDER BY id",
            )?;
            let ids = q.query_map(
                params![st.customer_id, dep, loc, f.status.map(|s| s.as_str()), dom],
                |r| r.get::<_, i64>(0),
            )?;
            for id in ids {
                if let Some(i) = st.user_index(id?) {
                    take(i, &mut out);
                }
            }
        }
    }
    Ok((out, sources))
}

// ---------------------------------------------------------------------------------------------
// Evaluating one user
// ---------------------------------------------------------------------------------------------

struct Step {
    user: usize,
    add: Vec<usize>,
    remove: Vec<usize>,
    set_loc: Option<String>,
    number: Option<(i64, String)>,
}

enum Eval {
    Apply(Step),
    Skip(&'static str, String),
    Fail(ErrorCode, String),
}

fn evaluate(st: &mut State, r: &Resolved, ui: usize) -> Eval {
    let u = &st.users[ui];
    let held = &u.held;
    let (add, remove): (Vec<usize>, Vec<usize>) = match &r.plan {
        Plan::Assign(s) => (
            s.iter().copied().filter(|i| !held.contains(i)).collect(),
            vec![],
        ),
        Plan::Remove(s) => (
            vec![],
            s.iter().copied().filter(|i| held.contains(i)).collect(),
        ),
        Plan::Replace(from, to) => {
            let rm: Vec<usize> = match from {
                None => held.iter().copied().filter(|i| !to.contains(i)).collect(),
                Some(f) => f
                    .iter()
                    .copied()
                    .filter(|i| held.contains(i) && !to.contains(i))
                    .collect(),
            };
            (
                to.iter().copied().filter(|i| !held.contains(i)).collect(),
                rm,
            )
        }
    };
    let names = |v: &[usize]| {
        v.iter()
            .map(|&i| st.skus[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !add.is_empty() && u.status == SubscriberStatus::Offboarded {
        return Eval::Fail(
            ErrorCode::UserOffboarded,
            "the user has been offboarded and cannot receive licenses".into(),
        );
    }
    if add.is_empty() && remove.is_empty() {
        return match &r.plan {
            Plan::Remove(s) => Eval::Skip("NotAssigned", format!("does not hold {}", names(s))),
            Plan::Assign(s) | Plan::Replace(_, s) => {
                Eval::Skip("AlreadyAssigned", format!("already holds {}", names(s)))
            }
        };
    }
    let mut new: Vec<usize> = held
        .iter()
        .copied()
        .filter(|i| !remove.contains(i))
        .collect();
    new.extend(add.iter().copied());
    let mut set_loc = None;
    if !add.is_empty() {
        let loc = match (&u.loc, &r.usage_location, &st.default_loc) {
            (Some(l), _, _) => l.clone(),
            (None, Some(l), _) => {
                set_loc = Some(l.clone());
                l.clone()
            }
            (None, None, Some(l)) => l.clone(),
            (None, None, None) => {
                return Eval::Fail(
                    ErrorCode::UsageLocationMissing,
                    "the user has no usage location and the customer has no default".into(),
                )
            }
        };
        for &a in &add {
            if st.blocked.get(&a).is_some_and(|b| b.contains(&loc)) {
                return Eval::Fail(
                    ErrorCode::ProhibitedInUsageLocationViolation,
                    format!(
                        "{} cannot be assigned in usage location {loc}",
                        st.skus[a].name
                    ),
                );
            }
            if let Some(x) = st
                .excludes
                .get(&a)
                .and_then(|ex| ex.iter().find(|x| new.contains(x)))
            {
                return Eval::Fail(
                    ErrorCode::MutuallyExclusiveViolation,
                    format!(
                        "{} cannot be held together with {}",
                        st.skus[a].name, st.skus[*x].name
                    ),
                );
            }
        }
    }
    for &s in &new {
        if let Some(alts) = st.requires.get(&s) {
            let relevant = add.contains(&s) || remove.iter().any(|r| alts.contains(r));
            if relevant && !alts.iter().any(|a| new.contains(a)) {
                let msg = if add.contains(&s) {
                    format!("{} requires one of: {}", st.skus[s].name, names(alts))
                } else {
                    format!(
                        "removing {} would leave {} without a required base SKU",
                        names(&remove),
                        st.skus[s].name
                    )
                };
                return Eval::Fail(ErrorCode::DependencyViolation, msg);
            }
        }
    }
    // Seats: removals free theirs before the additions take them.
    // (A SKU being added is never also being removed, so each addition needs one free seat.)
    for &a in &add {
        let k = &st.skus[a];
        if k.assigned + 1 > k.capacity {
            return Eval::Fail(
                ErrorCode::CountViolation,
                format!(
                    "{}: no available units ({} of {} assigned)",
                    k.name, k.assigned, k.capacity
                ),
            );
        }
    }
    let mut number = None;
    if r.take_number && add.iter().any(|&a| st.skus[a].voice) {
        let uid = st.users[ui].id;
        if let Some(pool) = st.numbers.as_mut() {
            if !pool.holders.contains(&uid) {
                match pool.free.pop_front() {
                    Some(n) => {
                        pool.holders.insert(uid);
                        number = Some(n);
                    }
                    None => {
                        return Eval::Fail(
                            ErrorCode::NumberUnavailable,
                            "no phone number is available in the customer's inventory".into(),
                        )
                    }
                }
            }
        }
    }
    for &x in &remove {
        st.skus[x].assigned -= 1;
    }
    for &a in &add {
        st.skus[a].assigned += 1;
    }
    let u = &mut st.users[ui];
    u.held = new;
    if set_loc.is_some() {
        u.loc = set_loc.clone();
    }
    Eval::Apply(Step {
        user: ui,
        add,
        remove,
        set_loc,
        number,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

fn op_kind(op: &BulkOp) -> &'static str {
    match op {
        BulkOp::Assign { .. } => "assign",
        BulkOp::Remove { .. } => "remove",
        BulkOp::Replace { .. } => "replace",
    }
}

/// Rows for one table, written with multi-row `INSERT ... VALUES (...), (...)` statements of up
/// to [`Batch::ROWS`] rows: one statement per hundred rows instead of one per row is what makes a
/// 100,000-user job fit in its time budget.
struct Batch {
    table: &'static str,
    cols: &'static [&'static str],
    values: Vec<rusqlite::types::Value>,
}

impl Batch {
    const ROWS: usize = 100;

    fn new(table: &'static str, cols: &'static [&'static str]) -> Batch {
        Batch {
            table,
            cols,
            values: Vec::with_capacity(Self::ROWS * cols.len()),
        }
    }

    fn push<const N: usize>(
        &mut self,
        tx: &Connection,
        row: [rusqlite::types::Value; N],
    ) -> Result<()> {
        debug_assert_eq!(N, self.cols.len());
        self.values.extend(row);
        if self.values.len() >= Self::ROWS * self.cols.len() {
            self.flush(tx)?;
        }
        Ok(())
    }

    fn flush(&mut self, tx: &Connection) -> Result<()> {
        let n = self.values.len() / self.cols.len();
        if n == 0 {
            return Ok(());
        }
        let one = format!("({})", vec!["?"; self.cols.len()].join(","));
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.table,
            self.cols.join(", "),
            vec![one; n].join(",")
        );
        tx.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(self.values.drain(..)))?;
        Ok(())
    }
}

struct Writer<'a> {
    ctx: &'a WriteCtx<'a>,
    job_id: Option<i64>,
    reason: &'static str,
    /// One audit row per change (single-user calls) or none (jobs audit once).
    audit_each: bool,
    assignments: Batch,
    intervals: Batch,
}

impl<'a> Writer<'a> {
    fn new(
        ctx: &'a WriteCtx<'a>,
        job_id: Option<i64>,
        reason: &'static str,
        audit_each: bool,
    ) -> Writer<'a> {
        Writer {
            ctx,
            job_id,
            reason,
            audit_each,
            assignments: Batch::new(
                "assignment",
                &[
                    "subscriber_id",
                    "sku_ref",
                    "assigned_at",
                    "expires_at",
                    "disabled_plans",
                    "source",
                    "assigned_by",
                    "job_id",
                ],
            ),
            intervals: Batch::new(
                "assignment_interval",
                &[
                    "subscriber_id",
                    "sku_ref",
                    "from_at",
                    "start_reason",
                    "assigned_by",
                    "job_id",
                ],
            ),
        }
    }

    /// Writes the rows still buffered.
    fn finish(mut self) -> Result<()> {
        self.assignments.flush(self.ctx.tx)?;
        self.intervals.flush(self.ctx.tx)
    }

    fn apply(&mut self, st: &State, r: &Resolved, s: &Step) -> Result<()> {
        use rusqlite::types::Value as V;
        let tx = self.ctx.tx;
        let u = &st.users[s.user];
        if let Some(l) = &s.set_loc {
            tx.prepare_cached(
                "UPDATE subscriber SET usage_location = ?2, updated_at = ?3 WHERE id = ?1",
            )?
            .execute(params![u.id, l, self.ctx.now])?;
        }
        if let Some((nid, _)) = &s.number {
            tx.prepare_cached(
                "UPDATE phone_number SET status = 'Assigned', subscriber_id = ?2, updated_at = ?3, \
                 assigned_name = (SELECT coalesce(display_name, user_principal_name) FROM subscriber WHERE id = ?2) \
                 WHERE id = ?1",
            )?
            .execute(params![nid, u.id, self.ctx.now])?;
        }
        // Removals go straight to the table (an addition never targets the same user and SKU).
        for &x in &s.remove {
            remove_row(self.ctx, u.id, st.skus[x].id, self.reason, self.job_id)?;
            if self.audit_each {
                self.ctx.audit(
                    "assignment.remove",
                    "assignment",
                    &format!("{}/{}", u.upn, st.skus[x].guid),
                    Some(&serde_json::json!({ "sku": st.skus[x].name })),
                    None,
                )?;
            }
        }
        let now = || V::Text(self.ctx.now.clone());
        let job = || self.job_id.map_or(V::Null, V::Integer);
        for &a in &s.add {
            let disabled = match r.disabled.get(&a) {
                Some(v) => serde_json::to_string(v)?,
                None => "[]".to_string(),
            };
            self.assignments.push(
                tx,
                [
                    V::Integer(u.id),
                    V::Integer(st.skus[a].id),
                    now(),
                    r.expires_at.clone().map_or(V::Null, V::Text),
                    V::Text(disabled),
                    V::Text(
                        st.sources
                            .get(&s.user)
                            .map_or_else(|| "direct".to_string(), |g| format!("group:{g}")),
                    ),
                    V::Text(self.ctx.actor.to_string()),
                    job(),
                ],
            )?;
            self.intervals.push(
                tx,
                [
                    V::Integer(u.id),
                    V::Integer(st.skus[a].id),
                    now(),
                    V::Text(self.reason.into()),
                    V::Text(self.ctx.actor.to_string()),
                    job(),
                ],
            )?;
            if self.audit_each {
                self.ctx.audit(
                    "assignment.add",
                    "assignment",
                    &format!("{}/{}", u.upn, st.skus[a].guid),
                    None,
                    Some(&serde_json::json!({
                        "sku": st.skus[a].name, "expires_at": r.expires_at,
                        "disabled_plans": r.disabled.get(&a),
                    })),
                )?;
            }
        }
        Ok(())
    }
}

/// Deletes one assignment and closes its history interval.
pub(crate) fn remove_row(
    ctx: &WriteCtx<'_>,
    subscriber_id: i64,
    sku_ref: i64,
    reason: &str,
    job_id: Option<i64>,
) -> Result<()> {
    ctx.tx
        .prepare_cached("DELETE FROM assignment WHERE subscriber_id = ?1 AND sku_ref = ?2")?
        .execute(params![subscriber_id, sku_ref])?;
    ctx.tx
        .prepare_cached(
            "UPDATE assignment_interval SET to_at = ?3, end_reason = ?4, removed_by = ?5 \
             WHERE sku_ref = ?2 AND subscriber_id = ?1 AND to_at IS NULL",
        )?
        .execute(params![subscriber_id, sku_ref, ctx.now, reason, ctx.actor])?;
    let _ = job_id; // the interval keeps the job that opened it; closing is by time and reason
    Ok(())
}

fn insert_job(
    ctx: &WriteCtx<'_>,
    customer_id: Option<i64>,
    kind: &str,
    parameters: &str,
    status: JobStatus,
    rerun_of: Option<i64>,
) -> Result<i64> {
    ctx.tx
        .prepare_cached(
            "INSERT INTO job (customer_id, kind, parameters, actor, created_at, started_at, status, rerun_of) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)",
        )?
        .execute(params![customer_id, kind, parameters, ctx.actor, ctx.now, status.as_str(), rerun_of])?;
    Ok(ctx.tx.last_insert_rowid())
}

fn item_batch() -> Batch {
    Batch::new(
        "job_item",
        &["job_id", "item", "subject", "outcome", "code", "message"],
    )
}

/// Buffers job item number `n` (1-based, in run order).
fn insert_item(
    tx: &Connection,
    batch: &mut Batch,
    job: i64,
    n: usize,
    it: &ItemResult,
) -> Result<()> {
    use rusqlite::types::Value as V;
    batch.push(
        tx,
        [
            V::Integer(job),
            V::Integer(n as i64 + 1),
            V::Text(it.subject.clone()),
            V::Text(it.outcome.as_str().into()),
            it.code.clone().map_or(V::Null, V::Text),
            it.message.clone().map_or(V::Null, V::Text),
        ],
    )
}

fn finish_job(
    ctx: &WriteCtx<'_>,
    job: i64,
    status: JobStatus,
    counts: (u64, u64, u64),
) -> Result<()> {
    ctx.tx
        .prepare_cached("UPDATE job SET status = ?2, finished_at = ?3 WHERE id = ?1")?
        .execute(params![job, status.as_str(), ctx.now])?;
    ctx.audit(
        "job.run",
        "job",
        &job.to_string(),
        None,
        Some(&serde_json::json!({
            "status": status.as_str(), "ok": counts.0, "skipped": counts.1, "failed": counts.2,
        })),
    )
}

/// Evaluates every target; returns the steps and the items (in target order).
fn run_eval(
    st: &mut State,
    r: &Resolved,
    targets: &[std::result::Result<usize, String>],
) -> (Vec<Step>, Vec<ItemResult>) {
    let mut steps = Vec::new();
    let mut items = Vec::with_capacity(targets.len());
    for t in targets {
        match t {
            Err(upn) => items.push(ItemResult {
                subject: upn.clone(),
                outcome: ItemOutcome::Error,
                code: Some(ErrorCode::UserNotFound.name().into()),
                message: Some("no user with this principal name in this customer".into()),
            }),
            Ok(ui) => {
                let subject = st.users[*ui].upn.clone();
                match evaluate(st, r, *ui) {
                    Eval::Apply(s) => {
                        steps.push(s);
                        items.push(ItemResult {
                            subject,
                            outcome: ItemOutcome::Ok,
                            code: None,
                            message: None,
                        });
                    }
                    Eval::Skip(code, msg) => items.push(ItemResult {
                        subject,
                        outcome: ItemOutcome::Skipped,
                        code: Some(code.into()),
                        message: Some(msg),
                    }),
                    Eval::Fail(code, msg) => items.push(ItemResult {
                        subject,
                        outcome: ItemOutcome::Error,
                        code: Some(code.name().into()),
                        message: Some(msg),
                    }),
                }
            }
        }
    }
    (steps, items)
}

fn failures_of(items: &[ItemResult]) -> Vec<Violation> {
    items
        .iter()
        .filter(|i| i.outcome == ItemOutcome::Error)
        .map(|i| Violation {
            code: i
                .code
                .as_deref()
                .and_then(ErrorCode::from_name)
                .unwrap_or(ErrorCode::InternalError),
            subject: i.subject.clone(),
            message: i.message.clone().unwrap_or_default(),
        })
        .collect()
}

fn counts(items: &[ItemResult]) -> (u64, u64, u64) {
    let mut c = (0, 0, 0);
    for i in items {
        match i.outcome {
            ItemOutcome::Ok => c.0 += 1,
            ItemOutcome::Skipped => c.1 += 1,
            ItemOutcome::Error => c.2 += 1,
        }
    }
    c
}

fn adds(p: &Plan, i: usize) -> bool {
    match p {
        Plan::Assign(s) | Plan::Replace(_, s) => s.contains(&i),
        Plan::Remove(_) => false,
    }
}

fn sku_indices(r: &Resolved) -> Vec<(usize, bool)> {
    let mut v = Vec::new();
    match &r.plan {
        Plan::Assign(s) => v.extend(s.iter().map(|&i| (i, true))),
        Plan::Remove(s) => v.extend(s.iter().map(|&i| (i, false))),
        Plan::Replace(f, t) => {
            if let Some(f) = f {
                v.extend(f.iter().map(|&i| (i, false)));
            }
            v.extend(t.iter().map(|&i| (i, true)));
        }
    }
    v
}

impl Store {
    /// A dry run of a bulk request: tri-state per SKU, seats, and the failures; nothing written.
    pub fn preview_bulk(&self, req: &BulkRequest) -> Result<BulkPreview> {
        let conn = self.conn();
        let now = format_ts(self.now());
        let mut st = load_state(conn, &req.customer, Scope::Customer)?;
        let r = resolve(conn, &st, &now, &req.op)?;
        if r.take_number {
            load_numbers(conn, &mut st)?;
        }
        let (targets, sources) = resolve_targets(conn, &st, &req.targets)?;
        st.sources = sources;
        let mut skus = Vec::new();
        let initial: Vec<i64> = st.skus.iter().map(|s| s.assigned).collect();
        let known: Vec<usize> = targets
            .iter()
            .filter_map(|t| t.as_ref().ok().copied())
            .collect();
        let before_held: Vec<Vec<usize>> =
            known.iter().map(|&u| st.users[u].held.clone()).collect();
        let (steps, items) = run_eval(&mut st, &r, &targets);
        for (i, _) in sku_indices(&r) {
            let holders = before_held.iter().filter(|h| h.contains(&i)).count() as u64;
            let k = &st.skus[i];
            skus.push(SkuPreview {
                sku_id: k.guid.clone(),
                sku_part_number: k.part.clone(),
                display_name: k.name.clone(),
                held_by: if holders == 0 {
                    HeldBy::None
                } else if holders == known.len() as u64 {
                    HeldBy::All
                } else {
                    HeldBy::Some
                },
                holders,
                seats_needed: if adds(&r.plan, i) {
                    known
                        .iter()
                        .zip(&before_held)
                        .filter(|(&u, h)| {
                            !h.contains(&i) && st.users[u].status != SubscriberStatus::Offboarded
                        })
                        .count() as u64
                } else {
                    0
                },
                seats_freed: steps.iter().filter(|s| s.remove.contains(&i)).count() as u64,
                seats_available: k.capacity - initial[i],
            });
        }
        let (ok, skipped, _) = counts(&items);
        Ok(BulkPreview {
            targets: targets.len() as u64,
            skus,
            ok,
            skipped,
            failures: items
                .into_iter()
                .filter(|i| i.outcome == ItemOutcome::Error)
                .collect(),
        })
    }

    /// Runs a bulk request as a job. Atomic: any failing user refuses the run
    /// ([`Error::BulkOperationFailed`], recorded as a `Failed` job). Best effort: applies the rest.
    pub fn run_bulk(&mut self, req: &BulkRequest) -> Result<BulkOutcome> {
        self.run_bulk_impl(req, None, &mut |_| ControlFlow::Continue(()))
    }

    /// [`Store::run_bulk`] with progress: `progress` is called with the target users handled so
    /// far (once with `done = 0` when the targets are known, every
    /// [`JobProgress::EVERY`] users while the changes are written, and once at the end).
    /// Returning `ControlFlow::Break(())` cancels the run: it fails with [`Error::Interrupted`],
    /// the transaction is rolled back and nothing is written (no job either).
    pub fn run_bulk_with_progress(
        &mut self,
        req: &BulkRequest,
        progress: &mut dyn FnMut(JobProgress) -> ControlFlow<()>,
    ) -> Result<BulkOutcome> {
        self.run_bulk_impl(req, None, progress)
    }

    fn run_bulk_impl(
        &mut self,
        req: &BulkRequest,
        rerun_of: Option<i64>,
        progress: &mut dyn FnMut(JobProgress) -> ControlFlow<()>,
    ) -> Result<BulkOutcome> {
        let parameters = serde_json::to_string(req)?;
        let res = self.write(|ctx| {
            let mut st = load_state(ctx.tx, &req.customer, Scope::Customer)?;
            let r = resolve(ctx.tx, &st, &ctx.now, &req.op)?;
            if r.take_number {
                load_numbers(ctx.tx, &mut st)?;
            }
            let (targets, sources) = resolve_targets(ctx.tx, &st, &req.targets)?;
            st.sources = sources;
            let total = targets.len() as u64;
            report(progress, 0, total)?;
            let (steps, items) = run_eval(&mut st, &r, &targets);
            let c = counts(&items);
            if c.2 > 0 && req.mode == BulkMode::Atomic {
                return Ok(Err((st.customer_id, items)));
            }
            let job = insert_job(
                ctx,
                Some(st.customer_id),
                op_kind(&req.op),
                &parameters,
                JobStatus::Running,
                rerun_of,
            )?;
            let mut w = Writer::new(ctx, Some(job), op_kind(&req.op), false);
            // Steps come in target order, one per `Ok` item: the item's position is the progress.
            let positions = items
                .iter()
                .enumerate()
                .filter(|(_, it)| it.outcome == ItemOutcome::Ok)
                .map(|(n, _)| n as u64);
            for (k, (s, done)) in steps.iter().zip(positions).enumerate() {
                if k > 0 && k % JobProgress::EVERY == 0 {
                    report(progress, done, total)?;
                }
                w.apply(&st, &r, s)?;
            }
            w.finish()?;
            let mut batch = item_batch();
            for (n, it) in items.iter().enumerate() {
                insert_item(ctx.tx, &mut batch, job, n, it)?;
            }
            batch.flush(ctx.tx)?;
            let status = if c.2 > 0 {
                JobStatus::FinishedWithException
            } else {
                JobStatus::Finished
            };
            finish_job(ctx, job, status, c)?;
            report(progress, total, total)?;
            Ok(Ok(BulkOutcome {
                job_id: job,
                status,
                ok: c.0,
                skipped: c.1,
                failed: c.2,
            }))
        })?;
        match res {
            Ok(o) => Ok(o),
            Err((customer_id, mut items)) => {
                // Record the refused run (a separate transaction: the run itself was rolled back).
                for it in items.iter_mut() {
                    if it.outcome != ItemOutcome::Error {
                        it.outcome = ItemOutcome::Error;
                        it.code = Some(ErrorCode::BulkOperationFailed.name().into());
                        it.message = Some("not applied: the atomic run was refused".into());
                    }
                }
                let failures: Vec<Violation> = failures_of(&items)
                    .into_iter()
                    .filter(|v| v.code != ErrorCode::BulkOperationFailed)
                    .collect();
                let job = self.write(|ctx| {
                    let job = insert_job(
                        ctx,
                        Some(customer_id),
                        op_kind(&req.op),
                        &parameters,
                        JobStatus::Running,
                        rerun_of,
                    )?;
                    let mut batch = item_batch();
                    for (n, it) in items.iter().enumerate() {
                        insert_item(ctx.tx, &mut batch, job, n, it)?;
                    }
                    batch.flush(ctx.tx)?;
                    finish_job(ctx, job, JobStatus::Failed, (0, 0, items.len() as u64))?;
                    Ok(job)
                })?;
                Err(Error::BulkOperationFailed {
                    job_id: Some(job),
                    failures,
                })
            }
        }
    }

    /// Reruns a `Failed` or `FinishedWithException` job: the same request, limited to its failed items.
    pub fn rerun_job(&mut self, job_id: i64) -> Result<BulkOutcome> {
        self.rerun_job_with_progress(job_id, &mut |_| ControlFlow::Continue(()))
    }

    /// [`Store::rerun_job`] reporting progress (users done of the failed items retried); a
    /// `Break` cancels it: rolled back, no job written, [`Error::Interrupted`].
    pub fn rerun_job_with_progress(
        &mut self,
        job_id: i64,
        progress: &mut dyn FnMut(JobProgress) -> ControlFlow<()>,
    ) -> Result<BulkOutcome> {
        let job = self.job(job_id)?;
        if !matches!(
            job.status,
            JobStatus::Failed | JobStatus::FinishedWithException
        ) {
            return Err(Error::InvalidState(format!(
                "job {job_id} is {}: only Failed and FinishedWithException jobs can be rerun",
                job.status.as_str()
            )));
        }
        let mut req: BulkRequest = serde_json::from_str(&job.parameters).map_err(|e| {
            Error::InvalidState(format!(
                "job {job_id} is not a bulk run that can be rerun: {e}"
            ))
        })?;
        let upns: Vec<String> = self
            .conn()
            .prepare_cached(
                "SELECT subject FROM job_item WHERE job_id = ?1 AND outcome = 'error' ORDER BY item",
            )?
            .query_map([job_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        req.targets = Targets::Users(upns);
        self.run_bulk_impl(&req, Some(job_id), progress)
    }

    /// A job with its item counts.
    pub fn job(&self, job_id: i64) -> Result<Job> {
        self.conn()
            .prepare_cached(
                "SELECT j.id, c.name, j.kind, j.parameters, j.actor, j.created_at, j.started_at, j.finished_at, j.status, j.rerun_of, \
                 (SELECT count(*) FROM job_item i WHERE i.job_id = j.id AND i.outcome = 'ok'), \
                 (SELECT count(*) FROM job_item i WHERE i.job_id = j.id AND i.outcome = 'skipped'), \
                 (SELECT count(*) FROM job_item i WHERE i.job_id = j.id AND i.outcome = 'error') \
                 FROM job j LEFT JOIN customer c ON c.id = j.customer_id WHERE j.id = ?1",
            )?
            .query_row([job_id], |r| {
                Ok(Job {
                    id: r.get(0)?,
                    customer: r.get(1)?,
                    kind: r.get(2)?,
                    parameters: r.get(3)?,
                    actor: r.get(4)?,
                    created_at: r.get(5)?,
                    started_at: r.get(6)?,
                    finished_at: r.get(7)?,
                    status: JobStatus::parse(&r.get::<_, String>(8)?),
                    rerun_of: r.get(9)?,
                    ok: r.get::<_, i64>(10)? as u64,
                    skipped: r.get::<_, i64>(11)? as u64,
                    failed: r.get::<_, i64>(12)? as u64,
                })
            })
            .optional()?
            .ok_or_else(|| Error::not_found("job", job_id.to_string()))
    }

    /// A job's items, in run order.
    pub fn job_items(&self, job_id: i64) -> Result<Vec<ItemResult>> {
        self.job(job_id)?;
        Ok(self
            .conn()
            .prepare_cached("SELECT subject, outcome, code, message FROM job_item WHERE job_id = ?1 ORDER BY item")?
            .query_map([job_id], |r| {
                let o: String = r.get(1)?;
                Ok(ItemResult {
                    subject: r.get(0)?,
                    outcome: match o.as_str() {
                        "ok" => ItemOutcome::Ok,
                        "skipped" => ItemOutcome::Skipped,
                        _ => ItemOutcome::Error,
                    },
                    code: r.get(2)?,
                    message: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Exports a job's results (the `job_items` view) as CSV, TSV or JSON lines.
    pub fn export_job_items(
        &mut self,
        job_id: i64,
        format: Format,
        out: &mut dyn Write,
    ) -> Result<u64> {
        self.job(job_id)?;
        self.export_query(
            "SELECT * FROM job_items WHERE job_id = ?1 ORDER BY item",
            &Params::Positional(vec![Value::Integer(job_id)]),
            format,
            out,
        )
    }

    /// Assigns one SKU to one user (not a job; one audit row per change). Rule refusals are
    /// [`Error::Violation`]s with the per-user code; an SKU already held is `Ok(false)`.
    pub fn assign_license(
        &mut self,
        upn: &str,
        sku: &str,
        options: &AssignOptions,
    ) -> Result<bool> {
        let op = BulkOp::Assign {
            skus: vec![sku.to_string()],
            options: options.clone(),
        };
        self.single(upn, &op)
    }

    /// Removes one SKU from one user; `Ok(false)` when the user did not hold it.
    pub fn remove_license(&mut self, upn: &str, sku: &str) -> Result<bool> {
        self.single(
            upn,
            &BulkOp::Remove {
                skus: vec![sku.to_string()],
            },
        )
    }

    fn single(&mut self, upn: &str, op: &BulkOp) -> Result<bool> {
        self.write(|ctx| {
            let (sid, sub) = require_subscriber(ctx.tx, upn)?;
            let mut st = load_state(ctx.tx, &sub.customer, Scope::User(sid))?;
            let r = resolve(ctx.tx, &st, &ctx.now, op)?;
            if r.take_number {
                load_numbers(ctx.tx, &mut st)?;
            }
            match evaluate(&mut st, &r, 0) {
                Eval::Apply(s) => {
                    let mut w = Writer::new(ctx, None, op_kind(op), true);
                    w.apply(&st, &r, &s)?;
                    w.finish()?;
                    Ok(true)
                }
                Eval::Skip(..) => Ok(false),
                Eval::Fail(code, msg) => Err(Error::violation(code, &sub.user_principal_name, msg)),
            }
        })
    }

    /// The SKUs a user holds now: (GUID, friendly name, expires_at).
    pub fn licenses(&self, upn: &str) -> Result<Vec<(String, String, Option<String>)>> {
        let (sid, _) = require_subscriber(self.conn(), upn)?;
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT k.sku_id, coalesce(cs.display_name, k.sku_part_number), a.expires_at FROM assignment a \
                 JOIN sku k ON k.id = a.sku_ref LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id \
                 WHERE a.subscriber_id = ?1 ORDER BY 2",
            )?
            .query_map([sid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Who held a customer's SKU at an instant (from history), by UPN. `at` is a date
    /// (midnight UTC) or an instant with an offset.
    pub fn holders_at(&self, customer: &str, sku: &str, at: &str) -> Result<Vec<String>> {
        let t = format_ts(validate::instant("at", at)?);
        let c = customers_require(self.conn(), customer)?;
        let (id, _) = super::sku_ref(self.conn(), c.id, sku)?;
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT DISTINCT s.user_principal_name FROM assignment_interval h JOIN subscriber s ON s.id = h.subscriber_id \
                 WHERE h.sku_ref = ?1 AND h.from_at <= ?2 AND (h.to_at IS NULL OR h.to_at > ?2) ORDER BY 1",
            )?
            .query_map(params![id, t], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Removes every assignment whose `expires_at <= now` (store-wide), as one `expire` job.
    pub fn expire(&mut self, now: &str) -> Result<BulkOutcome> {
        self.expire_with_progress(now, &mut |_| ControlFlow::Continue(()))
    }

    /// [`Store::expire`] reporting progress (licenses removed of those expired); a `Break`
    /// cancels it: rolled back, no job written, [`Error::Interrupted`].
    pub fn expire_with_progress(
        &mut self,
        now: &str,
        progress: &mut dyn FnMut(JobProgress) -> ControlFlow<()>,
    ) -> Result<BulkOutcome> {
        let t = format_ts(validate::instant("now", now)?);
        self.write(|ctx| {
            let rows: Vec<(i64, i64, String, String)> = ctx
                .tx
                .prepare_cached(
                    "SELECT a.subscriber_id, a.sku_ref, s.user_principal_name, coalesce(cs.display_name, k.sku_part_number) \
                     FROM assignment a JOIN subscriber s ON s.id = a.subscriber_id JOIN sku k ON k.id = a.sku_ref \
                     LEFT JOIN catalog_sku cs ON cs.sku_id = k.sku_id \
                     WHERE a.expires_at IS NOT NULL AND a.expires_at <= ?1 ORDER BY a.expires_at, a.subscriber_id, a.sku_ref",
                )?
                .query_map([&t], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let params_json = serde_json::json!({ "now": t }).to_string();
            let job = insert_job(ctx, None, "expire", &params_json, JobStatus::Running, None)?;
            let mut batch = item_batch();
            let total = rows.len() as u64;
            report(progress, 0, total)?;
            for (n, (sid, sref, upn, name)) in rows.iter().enumerate() {
                if n > 0 && n % JobProgress::EVERY == 0 {
                    report(progress, n as u64, total)?;
                }
                remove_row(ctx, *sid, *sref, "expire", Some(job))?;
                insert_item(
                    ctx.tx,
                    &mut batch,
                    job,
                    n,
                    &ItemResult {
                        subject: upn.clone(),
                        outcome: ItemOutcome::Ok,
                        code: None,
                        message: Some(format!("{name} expired")),
                    },
                )?;
            }
            batch.flush(ctx.tx)?;
            let n = rows.len() as u64;
            report(progress, n, total)?;
            finish_job(ctx, job, JobStatus::Finished, (n, 0, 0))?;
            Ok(BulkOutcome {
                job_id: job,
                status: JobStatus::Finished,
                ok: n,
                skipped: 0,
                failed: 0,
            })
        })
    }

    /// Offboards a user: removes all its licenses (history kept), releases its phone numbers,
    /// marks it Offboarded. Returns how many licenses were removed.
    pub fn offboard(&mut self, upn: &str) -> Result<u64> {
        self.write(|ctx| {
            let (sid, before) = require_subscriber(ctx.tx, upn)?;
            if before.status == SubscriberStatus::Offboarded {
                return Err(Error::violation(
                    ErrorCode::UserOffboarded,
                    &before.user_principal_name,
                    "the user is offboarded already",
                ));
            }
            let refs: Vec<i64> = ctx
                .tx
                .prepare_cached("SELECT sku_ref FROM assignment WHERE subscriber_id = ?1")?
                .query_map([sid], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for r in &refs {
                remove_row(ctx, sid, *r, "offboard", None)?;
            }
            ctx.tx.execute(
                "UPDATE phone_number SET status = 'Available', subscriber_id = NULL, assigned_name = NULL, updated_at = ?2 WHERE subscriber_id = ?1",
                params![sid, ctx.now],
            )?;
            ctx.tx.execute(
                "UPDATE subscriber SET status = 'Offboarded', updated_at = ?2 WHERE id = ?1",
                params![sid, ctx.now],
            )?;
            ctx.audit(
                "subscriber.offboard",
                "subscriber",
                &before.user_principal_name,
                Some(&serde_json::to_value(&before)?),
                Some(&serde_json::json!({ "status": "Offboarded", "licenses_removed": refs.len() })),
            )?;
            Ok(refs.len() as u64)
        })
    }
}

/// Sets each listed user's licenses to exactly the given SKU GUIDs (a sync), inside the caller's
/// transaction, as items of `job`: one step per user through the same rules as a bulk `replace`
/// (best effort: a user that fails keeps what it had). Returns the items, in input order.
pub(crate) fn set_licenses(
    ctx: &WriteCtx<'_>,
    customer: &str,
    job: i64,
    wanted: &[(String, Vec<String>)],
) -> Result<Vec<ItemResult>> {
    let mut st = load_state(ctx.tx, customer, Scope::Customer)?;
    let by_guid: HashMap<String, usize> = st
        .skus
        .iter()
        .enumerate()
        .map(|(i, s)| (s.guid.clone(), i))
        .collect();
    let mut items = Vec::with_capacity(wanted.len());
    let index: HashMap<String, usize> = st
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.upn.to_ascii_lowercase(), i))
        .collect();
    let mut w = Writer::new(ctx, Some(job), "sync", false);
    for (upn, guids) in wanted {
        let Some(&ui) = index.get(&upn.to_ascii_lowercase()) else {
            items.push(ItemResult {
                subject: upn.clone(),
                outcome: ItemOutcome::Error,
                code: Some(ErrorCode::UserNotFound.name().into()),
                message: Some("no user with this principal name in this customer".into()),
            });
            continue;
        };
        let mut target = Vec::new();
        let mut missing = Vec::new();
        for g in guids {
            match by_guid.get(g) {
                Some(&i) => target.push(i),
                None => missing.push(g.clone()),
            }
        }
        if !missing.is_empty() {
            items.push(ItemResult {
                subject: st.users[ui].upn.clone(),
                outcome: ItemOutcome::Error,
                code: Some(ErrorCode::SkuNotFound.name().into()),
                message: Some(format!(
                    "the customer does not subscribe to {}",
                    missing.join(", ")
                )),
            });
            continue;
        }
        let rm: Vec<usize> = st.users[ui]
            .held
            .iter()
            .copied()
            .filter(|i| !target.contains(i))
            .collect();
        let r = Resolved {
            plan: Plan::Replace(Some(rm), target),
            expires_at: None,
            usage_location: None,
            disabled: HashMap::new(),
            take_number: false,
        };
        let subject = st.users[ui].upn.clone();
        match evaluate(&mut st, &r, ui) {
            Eval::Apply(s) => {
                w.apply(&st, &r, &s)?;
                items.push(ItemResult {
                    subject,
                    outcome: ItemOutcome::Ok,
                    code: None,
                    message: Some(format!("licenses: +{} -{}", s.add.len(), s.remove.len())),
                });
            }
            Eval::Skip(..) => items.push(ItemResult {
                subject,
                outcome: ItemOutcome::Skipped,
                code: None,
                message: Some("licenses unchanged".into()),
            }),
            Eval::Fail(code, msg) => items.push(ItemResult {
                subject,
                outcome: ItemOutcome::Error,
                code: Some(code.name().into()),
                message: Some(msg),
            }),
        }
    }
    w.finish()?;
    Ok(items)
}

/// Creates a running job to which items will be added later ([`finish_items`]).
pub(crate) fn start_job(
    ctx: &WriteCtx<'_>,
    customer_id: i64,
    kind: &str,
    parameters: &str,
) -> Result<i64> {
    insert_job(
        ctx,
        Some(customer_id),
        kind,
        parameters,
        JobStatus::Running,
        None,
    )
}

/// Writes a job's items and its final status (Finished, or FinishedWithException with errors).
pub(crate) fn finish_items(
    ctx: &WriteCtx<'_>,
    job: i64,
    items: &[ItemResult],
) -> Result<JobStatus> {
    let mut batch = item_batch();
    for (n, it) in items.iter().enumerate() {
        insert_item(ctx.tx, &mut batch, job, n, it)?;
    }
    batch.flush(ctx.tx)?;
    let c = counts(items);
    let status = if c.2 > 0 {
        JobStatus::FinishedWithException
    } else {
        JobStatus::Finished
    };
    finish_job(ctx, job, status, c)?;
    Ok(status)
}

/// A provisioning profile: "the customer's users matching `filter` get `skus`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The customer.
    pub customer: String,
    /// Unique per customer (case-insensitive).
    pub name: String,
    /// Which users (its `status` is ignored: profiles apply to Staged users).
    pub filter: SubscriberFilter,
    /// The SKUs they get (GUID or part number; stored as GUIDs).
    pub skus: Vec<String>,
}

impl Store {
    /// Adds a profile, or replaces the one of the same name.
    pub fn set_profile(&mut self, p: &Profile) -> Result<()> {
        let name = validate::name("profile name", &p.name, 200)?;
        validate::optional(p.filter.usage_location.as_deref(), |v| {
            validate::country("usage location", v)
        })?;
        self.write(|ctx| {
            super::ensure_catalog(ctx)?;
            let c = customers_require(ctx.tx, &p.customer)?;
            if p.skus.is_empty() {
                return Err(Error::invalid("profile SKUs", "", "name at least one SKU"));
            }
            let mut guids = Vec::new();
            for k in &p.skus {
                let (_, g) = super::sku_ref(ctx.tx, c.id, k)?;
                guids.push(g);
            }
            let filter = serde_json::to_string(&p.filter)?;
            let skus = serde_json::to_string(&guids)?;
            ctx.tx.execute(
                "INSERT INTO profile (customer_id, name, filter, skus, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (customer_id, name) DO UPDATE SET filter = excluded.filter, skus = excluded.skus",
                params![c.id, name, filter, skus, ctx.now],
            )?;
            ctx.audit(
                "profile.set",
                "profile",
                &format!("{}/{name}", c.name),
                None,
                Some(&serde_json::json!({ "filter": p.filter, "skus": guids })),
            )
        })
    }

    /// A customer's profiles, by name.
    pub fn profiles(&self, customer: &str) -> Result<Vec<Profile>> {
        let c = customers_require(self.conn(), customer)?;
        let rows: Vec<(String, String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT name, filter, skus FROM profile WHERE customer_id = ?1 ORDER BY name",
            )?
            .query_map([c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(name, f, k)| {
                Ok(Profile {
                    customer: c.name.clone(),
                    name,
                    filter: serde_json::from_str(&f)
                        .map_err(|e| Error::Internal(format!("stored profile filter: {e}")))?,
                    skus: serde_json::from_str(&k)
                        .map_err(|e| Error::Internal(format!("stored profile SKUs: {e}")))?,
                })
            })
            .collect()
    }

    /// Provisions the customer's Staged users: each profile (in name order) runs as a best-effort
    /// `assign` job over the Staged users its filter matches; then every Staged user that matched
    /// at least one profile and failed in none becomes Active. Returns the jobs.
    pub fn apply_profiles(&mut self, customer: &str) -> Result<Vec<BulkOutcome>> {
        let profiles = self.profiles(customer)?;
        let mut outcomes = Vec::new();
        let mut matched: HashSet<String> = HashSet::new();
        let mut failed: HashSet<String> = HashSet::new();
        for p in &profiles {
            let mut filter = p.filter.clone();
            filter.status = Some(SubscriberStatus::Staged);
            let o = self.run_bulk(&BulkRequest {
                customer: p.customer.clone(),
                targets: Targets::Filter(filter),
                op: BulkOp::Assign {
                    skus: p.skus.clone(),
                    options: AssignOptions::default(),
                },
                mode: BulkMode::BestEffort,
            })?;
            for it in self.job_items(o.job_id)? {
                let key = it.subject.to_ascii_lowercase();
                if it.outcome == ItemOutcome::Error {
                    failed.insert(key.clone());
                }
                matched.insert(key);
            }
            outcomes.push(o);
        }
        let ready: Vec<String> = matched.difference(&failed).cloned().collect();
        self.write(|ctx| {
            let c = customers_require(ctx.tx, customer)?;
            let mut st = ctx.tx.prepare_cached(
                "UPDATE subscriber SET status = 'Active', updated_at = ?3 \
                 WHERE customer_id = ?1 AND user_principal_name = ?2 AND status = 'Staged'",
            )?;
            let mut n = 0;
            for u in &ready {
                n += st.execute(params![c.id, u, ctx.now])?;
            }
            ctx.audit(
                "profile.apply",
                "customer",
                &c.name,
                None,
                Some(&serde_json::json!({ "activated": n, "jobs": outcomes.iter().map(|o| o.job_id).collect::<Vec<_>>() })),
            )
        })?;
        Ok(outcomes)
    }
}

/// One line of the expiring report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiring {
    /// `license` (a temporary license) or `sku_term` (a SKU's term end).
    pub kind: String,
    /// The customer.
    pub customer: String,
    /// The user, for licenses.
    pub user_principal_name: Option<String>,
    /// SKU GUID.
    pub sku_id: String,
    /// The SKU's friendly name.
    pub display_name: String,
    /// When it ends (an instant for licenses, a date for SKU terms).
    pub at: String,
}

impl Store {
    /// What ends within `days` days from now (the store's clock), overdue items included, soonest
    /// first: temporary licenses and SKU terms, for one customer or all.
    pub fn expiring(&self, days: u32, customer: Option<&str>) -> Result<Vec<Expiring>> {
        if let Some(c) = customer {
            customers_require(self.conn(), c)?;
        }
        let horizon = format_ts(self.now() + chrono::Duration::days(i64::from(days)));
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT kind, customer, user_principal_name, sku_id, display_name, at FROM expiring \
                 WHERE at <= ?1 AND (?2 IS NULL OR customer = ?2 COLLATE NOCASE) ORDER BY at, customer, user_principal_name",
            )?
            .query_map(params![horizon, customer], |r| {
                Ok(Expiring {
                    kind: r.get(0)?,
                    customer: r.get(1)?,
                    user_principal_name: r.get(2)?,
                    sku_id: r.get(3)?,
                    display_name: r.get(4)?,
                    at: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;
    use crate::customers::NewCustomer;
    use crate::online::{NewSku, NewSubscriber, Units};

    /// Contoso (US) with 3,000 users and E3 with 5,000 seats.
    fn store() -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named("Contoso")
        })?;
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: "ENTERPRISEPACK".into(),
            units: Units {
                enabled: 5000,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let subs: Vec<NewSubscriber> = (0..3000)
            .map(|i| NewSubscriber {
                customer: "Contoso".into(),
                user_principal_name: format!("u{i}@contoso.com"),
                ..NewSubscriber::default()
            })
            .collect();
        s.add_subscribers(&subs)?;
        Ok(s)
    }

    fn everyone() -> BulkRequest {
        BulkRequest {
            customer: "Contoso".into(),
            targets: Targets::Filter(SubscriberFilter::default()),
            op: BulkOp::Assign {
                skus: vec!["ENTERPRISEPACK".into()],
                options: AssignOptions::default(),
            },
            mode: BulkMode::Atomic,
        }
    }

    #[test]
    fn progress_counts_up_to_the_targets() -> Result<()> {
        let mut s = store()?;
        let mut seen = Vec::new();
        let o = s.run_bulk_with_progress(&everyone(), &mut |p| {
            seen.push(p);
            ControlFlow::Continue(())
        })?;
        assert_eq!(o.ok, 3000);
        assert_eq!(
            seen.first(),
            Some(&JobProgress {
                done: 0,
                total: 3000
            })
        );
        assert_eq!(
            seen.last(),
            Some(&JobProgress {
                done: 3000,
                total: 3000
            })
        );
        // 0, every 1,024 users written (1024 and 2048), and the end.
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(seen.windows(2).all(|w| w[0].done < w[1].done), "{seen:?}");
        Ok(())
    }

    #[test]
    fn break_cancels_and_writes_nothing() -> Result<()> {
        let mut s = store()?;
        let jobs_before: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM job", [], |r| r.get(0))?;
        let audit_before = s.audit_entries(None)?.len();
        let mut calls = 0;
        let e = s
            .run_bulk_with_progress(&everyone(), &mut |p| {
                calls += 1;
                if p.done > 0 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Interrupted, "{e}");
        assert_eq!(calls, 2);
        assert!(e.to_string().contains("nothing was written"), "{e}");
        let held: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM assignment", [], |r| r.get(0))?;
        let jobs: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM job", [], |r| r.get(0))?;
        assert_eq!((held, jobs), (0, jobs_before));
        assert_eq!(s.audit_entries(None)?.len(), audit_before);
        // The same request runs to the end afterwards.
        assert_eq!(s.run_bulk(&everyone())?.ok, 3000);
        Ok(())
    }

    #[test]
    fn expire_reports_progress_and_break_removes_nothing() -> Result<()> {
        let mut s = store()?;
        let mut req = everyone();
        req.op = BulkOp::Assign {
            skus: vec!["ENTERPRISEPACK".into()],
            options: AssignOptions {
                expires_at: Some("2030-01-01T00:00:00Z".into()),
                ..AssignOptions::default()
            },
        };
        s.run_bulk(&req)?;
        let held = |s: &Store| -> Result<i64> {
            Ok(s.conn()
                .query_row("SELECT count(*) FROM assignment", [], |r| r.get(0))?)
        };
        let jobs = |s: &Store| -> Result<i64> {
            Ok(s.conn()
                .query_row("SELECT count(*) FROM job", [], |r| r.get(0))?)
        };
        let jobs_before = jobs(&s)?;
        let e = s
            .expire_with_progress("2031-01-01T00:00:00Z", &mut |p| {
                if p.done >= 1024 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Interrupted, "{e}");
        assert_eq!((held(&s)?, jobs(&s)?), (3000, jobs_before));
        let mut seen = Vec::new();
        let o = s.expire_with_progress("2031-01-01T00:00:00Z", &mut |p| {
            seen.push(p);
            ControlFlow::Continue(())
        })?;
        assert_eq!(o.ok, 3000);
        assert_eq!(held(&s)?, 0);
        assert_eq!(
            seen.first(),
            Some(&JobProgress {
                done: 0,
                total: 3000
            })
        );
        assert_eq!(
            seen.last(),
            Some(&JobProgress {
                done: 3000,
                total: 3000
            })
        );
        assert_eq!(seen.len(), 4, "{seen:?}");
        Ok(())
    }

    #[test]
    fn rerun_reports_progress_over_the_failed_items() -> Result<()> {
        let mut s = store()?;
        // 3,000 users, 1,000 units: best effort assigns 1,000 and fails 2,000.
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: "ENTERPRISEPACK".into(),
            units: Units {
                enabled: 1000,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let mut req = everyone();
        req.mode = BulkMode::BestEffort;
        let first = s.run_bulk(&req)?;
        assert_eq!((first.ok, first.failed), (1000, 2000));
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: "ENTERPRISEPACK".into(),
            units: Units {
                enabled: 3000,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let e = s
            .rerun_job_with_progress(first.job_id, &mut |_| ControlFlow::Break(()))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Interrupted, "{e}");
        let mut seen = Vec::new();
        let o = s.rerun_job_with_progress(first.job_id, &mut |p| {
            seen.push(p);
            ControlFlow::Continue(())
        })?;
        assert_eq!(o.ok, 2000);
        assert_eq!(
            seen.first(),
            Some(&JobProgress {
                done: 0,
                total: 2000
            })
        );
        assert_eq!(
            seen.last(),
            Some(&JobProgress {
                done: 2000,
                total: 2000
            })
        );
        Ok(())
    }
}
