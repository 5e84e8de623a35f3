//! The read-only SQL channel: users' own questions over the public views.
//!
//! Queries run on a second connection that is
//! - opened read-only (`SQLITE_OPEN_READONLY`) and set `query_only`;
//! - guarded by an authorizer that allows `SELECT`, reads of the public views (and of base tables
//!   only *through* a public view), and a list of harmless functions; everything else (writes,
//!   schema changes, `ATTACH`, `PRAGMA`, transactions, `load_extension`, direct reads of base tables
//!   or of `sqlite_schema`) is refused with [`Error::QueryRefused`];
//! - limited in SQL length, attached databases (none) and result rows;
//! - interruptible: by a timeout ([`QueryOptions::timeout`]) or from another thread through
//!   [`Store::interrupt_handle`] (Python's Ctrl-C uses this).
//!
//! The public views are every view in the schema: `sql/views.sql` defines them all, and base
//! tables are never views. Two more public names exist only on this channel, because they depend
//! on the store's clock and are computed, never stored:
//! - `licstore_now()`, the store clock's "now" for the statement (ISO-8601 UTC text), which the
//!   clock-dependent views use (`licensing_ids.active`, `reservations.status`);
//! - `license_summary`, an eponymous virtual table computed by `volume/summary.rs` at query time
//!   (`SELECT * FROM license_summary`, `... FROM license_summary('2025-06-30')`,
//!   `... FROM license_summary('2025-06-30', 'E1')`).
//!
//! Nothing on this channel writes, ever: reading is a pure function of the file and the clock.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::functions::FunctionFlags;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef as SqlValueRef;
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{Location, Store};

/// The longest SQL text accepted (bytes).
pub const MAX_SQL_LEN: usize = 100_000;

/// The largest string or blob a query may build or return (bytes): a bound on the memory one
/// value of a result can take (no value licstore stores comes near it).
pub const MAX_VALUE_LEN: usize = 16 << 20;

/// The default cap on rows a materialized query returns.
pub const DEFAULT_MAX_ROWS: u64 = 10_000_000;

/// Functions the channel allows: SQLite's pure scalar, aggregate, window, date, JSON and math
/// functions. Anything else (`load_extension`, `fts3_tokenizer`, `sqlite_compileoption_*`, ...)
/// is refused.
const ALLOWED_FUNCTIONS: &[&str] = &[
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "avg",
    "ceil",
    "ceiling",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "cos",
    "cosh",
    "count",
    "cume_dist",
    "date",
    "datetime",
    "degrees",
    "dense_rank",
    "exp",
    "first_value",
    "floor",
    "format",
    "glob",
    "group_concat",
    "hex",
    "ifnull",
    "iif",
    "instr",
    "json",
    "json_array",
    "json_array_length",
    "json_each",
    "json_extract",
    "json_group_array",
    "json_group_object",
    "json_object",
    "json_quote",
    "json_tree",
    "json_type",
    "json_valid",
    "julianday",
    "lag",
    "last_value",
    "lead",
    "length",
    "licstore_now",
    "like",
    "likelihood",
    "likely",
    "ln",
    "log",
    "log10",
    "log2",
    "lower",
    "ltrim",
    "max",
    "min",
    "mod",
    "nth_value",
    "ntile",
    "nullif",
    "octet_length",
    "percent_rank",
    "pi",
    "pow",
    "power",
    "printf",
    "quote",
    "radians",
    "random",
    "rank",
    "replace",
    "round",
    "row_number",
    "rtrim",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "strftime",
    "string_agg",
    "substr",
    "substring",
    "sum",
    "tan",
    "tanh",
    "time",
    "timediff",
    "total",
    "trim",
    "trunc",
    "typeof",
    "unhex",
    "unicode",
    "unixepoch",
    "unlikely",
    "upper",
    "->",
    "->>",
];

/// A SQL value, owned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A SQL value borrowed from the current row of a streaming query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text (invalid UTF-8 in the store shows as U+FFFD).
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
}

impl ValueRef<'_> {
    /// An owned copy.
    pub fn to_owned_value(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(t.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl Value {
    /// A borrowed view of this value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Integer(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Real(f)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as V};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => V::Null,
            Value::Integer(i) => V::Integer(*i),
            Value::Real(f) => V::Real(*f),
            Value::Text(t) => V::Text(t.as_bytes()),
            Value::Blob(b) => V::Blob(b),
        }))
    }
}

/// Query parameters: none, positional (`?`, `?1`), or named (`:name`, `@name`, `$name`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Params {
    /// No parameters.
    #[default]
    None,
    /// Positional parameters, bound in order.
    Positional(Vec<Value>),
    /// Named parameters; a name may be given with or without its `:`/`@`/`$` prefix.
    Named(Vec<(String, Value)>),
}

/// Limits of one query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryOptions {
    /// Interrupt the query after this long (`None`: no timeout).
    pub timeout: Option<Duration>,
    /// Refuse results of more rows than this (materialized queries only).
    pub max_rows: u64,
}

impl Default for QueryOptions {
    fn default() -> QueryOptions {
        QueryOptions {
            timeout: None,
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

/// A materialized query result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Declared types of the columns (`TEXT`, `INTEGER`, ...), when SQLite knows them.
    pub decl_types: Vec<Option<String>>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

/// The shape of a query-channel statement, before it runs (see [`Store::query_describe`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryShape {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The parameters: entry `i` is parameter `i + 1`, with its name as written (`:name`,
    /// `@name`, `$name`, `?3`) or `None` for a nameless `?`.
    pub parameters: Vec<Option<String>>,
}

/// Receives a streaming query's columns once, then each row.
pub trait RowSink {
    /// Called once before the first row with the column names and declared types.
    fn columns(&mut self, names: &[String], decl_types: &[Option<String>]) -> Result<()>;
    /// Called for every row.
    fn row(&mut self, values: &[ValueRef<'_>]) -> Result<()>;
}

/// Interrupts a running query from another thread. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct InterruptHandle(Arc<rusqlite::InterruptHandle>);

impl std::fmt::Debug for InterruptHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InterruptHandle")
    }
}

impl InterruptHandle {
    /// Interrupts the query running now on the store's query channel, if any.
    pub fn interrupt(&self) {
        self.0.interrupt();
    }
}

/// The computed relations on the query channel: `license_summary` (volume/summary.rs).
pub(crate) const COMPUTED_TABLES: &[&str] = &["license_summary"];

/// What the channel's own SQL extensions need from the store: the clock, and the permission for
/// licstore's own code to read base tables while it computes a relation.
#[derive(Debug)]
pub(crate) struct ChannelState {
    /// The store clock's "now" for the statement being run: fixed when it starts, so a statement
    /// sees one instant however long it runs.
    now: Mutex<DateTime<Utc>>,
    /// Set while licstore's own code (a computed relation) prepares and runs statements on the
    /// channel; they may read base tables (never write: the connection is read-only).
    internal: AtomicBool,
    /// The principal of a scoped handle's channel (access.rs): `license_summary` shows only its
    /// licensing IDs.
    pub(crate) scope: Option<i64>,
}

impl ChannelState {
    /// The store clock's "now" for the running statement.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now.lock().map_or_else(|_| Utc::now(), |n| *n)
    }

    /// Lets licstore's own statements read base tables until the guard is dropped.
    pub(crate) fn internal(&self) -> InternalGuard<'_> {
        let previous = self.internal.swap(true, Ordering::SeqCst);
        InternalGuard {
            state: self,
            previous,
        }
    }
}

/// See [`ChannelState::internal`].
#[derive(Debug)]
pub(crate) struct InternalGuard<'a> {
    state: &'a ChannelState,
    previous: bool,
}

impl Drop for InternalGuard<'_> {
    fn drop(&mut self) {
        self.state.internal.store(self.previous, Ordering::SeqCst);
    }
}

/// The query channel's connection and its guard state.
pub(crate) struct Reader {
    conn: Connection,
    state: Arc<ChannelState>,
    deadline: Arc<Mutex<Option<Instant>>>,
    refusal: Arc<Mutex<Option<String>>>,
    /// Base tables the statement being prepared reads through a public view (see `open`).
    via_views: Arc<Mutex<HashSet<String>>>,
    /// Every view name (lower case): a common table expression may not take one (see
    /// [`shadowing_cte`]).
    view_names: HashSet<String>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader")
    }
}

fn describe(action: &AuthAction<'_>) -> String {
    match action {
        AuthAction::Read { table_name, .. } => format!(
            "{table_name:?} is not a public view (read the views listed in docs/sql.md; base tables are private)"
        ),
        AuthAction::Function { function_name } => format!("function {function_name}() is not allowed"),
        AuthAction::Pragma { pragma_name, .. } => format!("PRAGMA {pragma_name} is not allowed"),
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => "ATTACH and DETACH are not allowed".into(),
        AuthAction::Insert { table_name } | AuthAction::Update { table_name, .. } | AuthAction::Delete { table_name } => {
            format!("the channel is read-only (write to {table_name:?})")
        }
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            "transactions are not allowed on the read-only channel".into()
        }
        other => format!("the channel is read-only ({other:?} is not allowed)"),
    }
}

impl Reader {
    fn open(location: &Location, scope: Option<i64>) -> Result<Reader> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = match location {
            Location::File(p) => Connection::open_with_flags(p, flags)?,
            Location::Memory(uri) => Connection::open_with_flags(uri, flags)?,
        };
        conn.busy_timeout(crate::store::DEFAULT_BUSY_TIMEOUT)?;
        // A scoped channel's filtered TEMP views, created before the connection becomes query_only.
        let scoped: Option<HashSet<String>> = match scope {
            Some(pid) => Some(
                crate::access::scope_reader(&conn, pid)?
                    .into_iter()
                    .collect(),
            ),
            None => None,
        };
        conn.pragma_update(None, "query_only", true)?;
        conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LEN as i32)?;
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_LEN as i32)?;
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        let views: HashSet<String> = {
            let mut st = conn.prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'view' \
                 UNION SELECT name FROM sqlite_temp_schema WHERE type = 'view'",
            )?;
            let v = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            v
        };
        // Every private name: base tables and SQLite's own. A read of one of these is allowed only
        // through a public view, even when SQLite reports no database for it (it does so inside
        // scalar subqueries, where it also does for common table expressions).
        let private: HashSet<String> = {
            let mut st = conn.prepare(
                "SELECT lower(name) FROM sqlite_schema WHERE type = 'table' \
                 UNION VALUES ('sqlite_schema'), ('sqlite_master'), ('sqlite_temp_schema'), ('sqlite_temp_master')",
            )?;
            let v = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<_>>()?;
            v
        };
        let allowed_fns: HashSet<&'static str> = ALLOWED_FUNCTIONS.iter().copied().collect();
        let state = Arc::new(ChannelState {
            now: Mutex::new(Utc::now()),
            internal: AtomicBool::new(false),
            scope,
        });
        let view_names: HashSet<String> = views.iter().map(|v| v.to_lowercase()).collect();
        // The views whose reads of base tables are allowed: every view, or on a scoped channel only
        // the filtered `licstore_scoped_*` ones and the unfiltered catalog (access.rs).
        let trusted: HashSet<String> = match &scoped {
            None => views.clone(),
            Some(names) => names
                .iter()
                .filter(|n| n.starts_with(crate::access::SCOPED_PREFIX))
                .cloned()
                .chain(
                    crate::access::SCOPED_UNFILTERED
                        .iter()
                        .map(|v| v.to_string()),
                )
                .collect(),
        };
        let clock = Arc::clone(&state);
        conn.create_scalar_function("licstore_now", 0, FunctionFlags::SQLITE_UTF8, move |_| {
            Ok(crate::store::format_ts(clock.now()))
        })?;
        crate::volume::summary::register(&conn, Arc::clone(&state))?;
        let internal = Arc::clone(&state);
        let refusal = Arc::new(Mutex::new(None::<String>));
        let refusal_w = Arc::clone(&refusal);
        // Base tables the statement being prepared reads through a public view. SQLite's count(*)
        // optimization then reads such a table with no column and no view named; that is allowed.
        // N.B. Cleared before each statement is prepared (`Reader::start`), not on a SELECT: a
        // subquery's SELECT comes after its view was expanded, so clearing there refused
        // `SELECT (SELECT count(*) FROM customers)`.
        let via_views = Arc::new(Mutex::new(HashSet::<String>::new()));
        let via_views_w = Arc::clone(&via_views);
        let _ = conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            let Ok(mut via_views) = via_views_w.lock() else {
                return Authorization::Deny;
            };
            let allowed = match &ctx.action {
                AuthAction::Select | AuthAction::Recursive => true,
                // licstore's own statements computing a relation (reads only: the connection is
                // read-only and query_only besides).
                AuthAction::Read { .. }
                | AuthAction::Function { .. }
                | AuthAction::Transaction { .. }
                    if internal.internal.load(Ordering::SeqCst) =>
                {
                    true
                }
                AuthAction::Read { table_name, .. }
                    if ctx.database_name == Some("main")
                        && COMPUTED_TABLES
                            .iter()
                            .any(|t| t.eq_ignore_ascii_case(table_name)) =>
                {
                    true
                }
                // A common table expression or subquery has no database; every table and view does.
                AuthAction::Read {
                    table_name,
                    column_name,
                } => {
                    if ctx.accessor.is_some_and(|v| trusted.contains(v)) {
                        via_views.insert(table_name.to_string());
                        true
                    } else if let Some(v) = ctx
                        .accessor
                        .filter(|v| views.contains(*v) && !views.contains(*table_name))
                    {
                        // Scoped channel: a view read other than through its filtered form.
                        if let Ok(mut r) = refusal_w.lock() {
                            r.get_or_insert_with(|| crate::access::refused_view(v));
                        }
                        false
                    } else {
                        (ctx.database_name.is_none_or(str::is_empty)
                            && !private.contains(&table_name.to_ascii_lowercase()))
                            || views.contains(*table_name)
                            || (column_name.is_empty() && via_views.contains(*table_name))
                    }
                }
                AuthAction::Function { function_name } => {
                    allowed_fns.contains(function_name.to_ascii_lowercase().as_str())
                }
                _ => false,
            };
            if allowed {
                Authorization::Allow
            } else {
                if let Ok(mut r) = refusal_w.lock() {
                    r.get_or_insert_with(|| describe(&ctx.action));
                }
                Authorization::Deny
            }
        }));
        let deadline = Arc::new(Mutex::new(None::<Instant>));
        let deadline_r = Arc::clone(&deadline);
        let _ = conn.progress_handler(
            10_000,
            Some(move || {
                deadline_r
                    .lock()
                    .ok()
                    .and_then(|d| *d)
                    .is_some_and(|d| Instant::now() >= d)
            }),
        );
        Ok(Reader {
            conn,
            state,
            deadline,
            refusal,
            via_views,
            view_names,
        })
    }

    /// Runs one statement of the channel into `sink`: the checks of [`Store::query_stream`], then
    /// the rows. `deadline` interrupts it (`timeout` is what the error message names).
    pub(crate) fn run(
        &self,
        sql: &str,
        params: &Params,
        now: DateTime<Utc>,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        self.start(now);
        if let Some(name) = shadowing_cte(sql, &self.view_names) {
            return Err(Error::QueryRefused(format!(
                "a common table expression may not be named {name}: that is a public view's name"
            )));
        }
        let mut st = self.conn.prepare(sql).map_err(|e| self.map_err(e, None))?;
        if !st.readonly() {
            return Err(Error::QueryRefused("the channel is read-only".into()));
        }
        bind(&mut st, params)?;
        let names: Vec<String> = st.column_names().map(String::from).collect();
        let decl: Vec<Option<String>> = st
            .columns()
            .map(|c| c.decl_type().map(String::from))
            .collect();
        sink.columns(&names, &decl)?;
        if let Ok(mut d) = self.deadline.lock() {
            *d = deadline;
        }
        let result = (|| {
            let mut rows = st.raw_query();
            // One row's values; its allocation is reused from row to row (`recycle`).
            let mut spare: Vec<ValueRef<'static>> = Vec::with_capacity(names.len());
            loop {
                let row = match rows.next() {
                    Ok(Some(r)) => r,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(self.map_err(e, timeout)),
                };
                let mut buf: Vec<ValueRef<'_>> = recycle(std::mem::take(&mut spare));
                for (i, name) in names.iter().enumerate() {
                    buf.push(match row.get_ref(i)? {
                        SqlValueRef::Null => ValueRef::Null,
                        SqlValueRef::Integer(v) => ValueRef::Integer(v),
                        SqlValueRef::Real(v) => ValueRef::Real(v),
                        SqlValueRef::Text(t) => match std::str::from_utf8(t) {
                            Ok(s) => ValueRef::Text(s),
                            Err(_) => {
                                return Err(Error::Internal(format!(
                                    "column {} holds text that is not UTF-8: {:?}",
                                    name,
                                    String::from_utf8_lossy(t)
                                )))
                            }
                        },
                        SqlValueRef::Blob(b) => ValueRef::Blob(b),
                    });
                }
                sink.row(&buf)?;
                spare = recycle(buf);
            }
        })();
        if let Ok(mut d) = self.deadline.lock() {
            *d = None;
        }
        result
    }

    /// Forgets what the previous statement's preparation recorded and fixes the statement's "now".
    fn start(&self, now: DateTime<Utc>) {
        if let Ok(mut n) = self.state.now.lock() {
            *n = now;
        }
        if let Ok(mut r) = self.refusal.lock() {
            *r = None;
        }
        if let Ok(mut v) = self.via_views.lock() {
            v.clear();
        }
    }

    fn map_err(&self, e: rusqlite::Error, timeout: Option<Duration>) -> Error {
        use rusqlite::ffi::ErrorCode as C;
        let refusal = self.refusal.lock().ok().and_then(|mut r| r.take());
        if let Some(reason) = refusal {
            return Error::QueryRefused(reason);
        }
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == C::AuthorizationForStatementDenied =>
            {
                Error::QueryRefused(e.to_string())
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == C::ReadOnly => {
                Error::QueryRefused(format!("the channel is read-only: {e}"))
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == C::OperationInterrupted => {
                match timeout {
                    Some(t)
                        if self
                            .deadline
                            .lock()
                            .ok()
                            .and_then(|d| *d)
                            .is_some_and(|d| Instant::now() >= d) =>
                    {
                        Error::Interrupted(format!(
                            "the query ran longer than its timeout of {t:?}"
                        ))
                    }
                    _ => Error::Interrupted("the query was interrupted".into()),
                }
            }
            rusqlite::Error::SqliteFailure(f, Some(m)) if f.code == C::TooBig => {
                Error::QueryRefused(format!(
                    "{m} (the SQL text may be at most {MAX_SQL_LEN} bytes, a value at most \
                     {MAX_VALUE_LEN} bytes)"
                ))
            }
            rusqlite::Error::MultipleStatement => {
                Error::QueryRefused("only one statement may be run at a time".into())
            }
            // A write to a view fails in SQLite's parser before the authorizer sees it; it is
            // still a write attempt, and callers branch on QueryRefused for those.
            rusqlite::Error::SqliteFailure(f, Some(m))
                if f.code == C::Unknown && m.starts_with("cannot modify ") =>
            {
                Error::QueryRefused(format!("the channel is read-only: {m}"))
            }
            rusqlite::Error::SqlInputError {
                msg, sql, offset, ..
            } => {
                if msg.starts_with("cannot modify ") {
                    Error::QueryRefused(format!("the channel is read-only: {msg}"))
                } else {
                    Error::invalid("SQL", sql.clone(), format!("{msg} (at byte {offset})"))
                }
            }
            rusqlite::Error::SqliteFailure(f, Some(m)) if f.code == C::Unknown => Error::invalid(
                "SQL",
                m.clone(),
                "the statement is not valid SQL for the public views",
            ),
            _ => Error::from(e),
        }
    }
}

/// An empty vector of values of another lifetime, on the same allocation (the standard
/// library collects a mapped `into_iter` in place when the layouts match).
fn recycle<'b>(mut v: Vec<ValueRef<'_>>) -> Vec<ValueRef<'b>> {
    v.clear();
    v.into_iter().map(|_| ValueRef::Null).collect()
}

/// The first common table expression (or window) of `sql` named like a view in `views` (lower
/// case), if any. A CTE named like a view would read base tables with that view's name as the
/// authorizer's accessor, the same as the view itself, so `WITH product_keys AS (SELECT key_value
/// FROM product_key) ...` would pass for a read through the view. Such names are refused.
///
/// Found on tokens (strings, quoted identifiers and comments skipped): a name followed by `AS (`,
/// `AS NOT`, `AS MATERIALIZED`, or by a parenthesized column list and then `AS`.
pub(crate) fn shadowing_cte(sql: &str, views: &HashSet<String>) -> Option<String> {
    #[derive(PartialEq)]
    enum Tok {
        Name(String),
        Punct(char),
        Other,
    }
    let mut toks: Vec<Tok> = Vec::new();
    let c: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '-' && c.get(i + 1) == Some(&'-') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if matches!(ch, '\'' | '"' | '`' | '[') {
            let close = if ch == '[' { ']' } else { ch };
            let mut text = String::new();
            i += 1;
            while i < c.len() {
                if c[i] == close {
                    if close != ']' && c.get(i + 1) == Some(&close) {
                        text.push(close);
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(c[i]);
                i += 1;
            }
            i += 1;
            toks.push(if ch == '\'' {
                Tok::Other
            } else {
                Tok::Name(text.to_lowercase())
            });
        } else if ch.is_alphanumeric() || ch == '_' || ch == '$' {
            let mut text = String::new();
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '$') {
                text.push(c[i]);
                i += 1;
            }
            toks.push(Tok::Name(text.to_lowercase()));
        } else {
            toks.push(Tok::Punct(ch));
            i += 1;
        }
    }
    let is = |t: Option<&Tok>, w: &str| matches!(t, Some(Tok::Name(n)) if n == w);
    for (k, t) in toks.iter().enumerate() {
        let Tok::Name(name) = t else { continue };
        if !views.contains(name) {
            continue;
        }
        let mut j = k + 1;
        if toks.get(j) == Some(&Tok::Punct('(')) {
            let mut depth = 0;
            while j < toks.len() {
                match toks[j] {
                    Tok::Punct('(') => depth += 1,
                    Tok::Punct(')') => depth -= 1,
                    _ => {}
                }
                j += 1;
                if depth == 0 {
                    break;
                }
            }
            if is(toks.get(j), "as") {
                return Some(name.clone());
            }
            continue;
        }
        if is(toks.get(j), "as")
            && (toks.get(j + 1) == Some(&Tok::Punct('('))
                || is(toks.get(j + 1), "not")
                || is(toks.get(j + 1), "materialized"))
        {
            return Some(name.clone());
        }
    }
    None
}

fn bind(st: &mut rusqlite::Statement<'_>, params: &Params) -> Result<()> {
    let expected = st.parameter_count();
    match params {
        Params::None | Params::Positional(_) => {
            let values: &[Value] = match params {
                Params::Positional(v) => v,
                _ => &[],
            };
            if values.len() != expected {
                return Err(Error::invalid(
                    "query parameters",
                    format!("{} given", values.len()),
                    format!("the statement has {expected} parameter(s)"),
                ));
            }
            for (i, v) in values.iter().enumerate() {
                st.raw_bind_parameter(i + 1, v)?;
            }
        }
        Params::Named(pairs) => {
            let mut bound = vec![false; expected];
            for (name, v) in pairs {
                let idx = if name.starts_with([':', '@', '$']) {
                    st.parameter_index(name)?
                } else {
                    [":", "@", "$"]
                        .iter()
                        .find_map(|p| st.parameter_index(&format!("{p}{name}")).ok().flatten())
                };
                let Some(idx) = idx else {
                    return Err(Error::invalid(
                        "query parameter",
                        name.clone(),
                        "the statement has no such parameter",
                    ));
                };
                st.raw_bind_parameter(idx, v)?;
                bound[idx - 1] = true;
            }
            if let Some(missing) = bound.iter().position(|b| !b) {
                let name = st.parameter_name(missing + 1).unwrap_or("?").to_string();
                return Err(Error::invalid(
                    "query parameter",
                    name,
                    "no value was given for it",
                ));
            }
        }
    }
    Ok(())
}

impl Store {
    fn reader(&mut self) -> Result<&Reader> {
        if self.reader.is_none() {
            let scope = self.scope.as_ref().map(|s| s.principal_id);
            self.reader = Some(Reader::open(&self.location, scope)?);
        }
        Ok(self.reader.as_ref().expect("just opened"))
    }

    /// A handle that interrupts the query running on this store's query channel.
    pub fn interrupt_handle(&mut self) -> Result<InterruptHandle> {
        Ok(InterruptHandle(Arc::new(
            self.reader()?.conn.get_interrupt_handle(),
        )))
    }

    /// Runs a read-only query over the public views and returns all its rows.
    pub fn query(&mut self, sql: &str, params: &Params) -> Result<QueryResult> {
        self.query_with(sql, params, QueryOptions::default())
    }

    /// [`Store::query`] with limits.
    pub fn query_with(
        &mut self,
        sql: &str,
        params: &Params,
        opts: QueryOptions,
    ) -> Result<QueryResult> {
        struct Collect<'a> {
            out: &'a mut QueryResult,
            max_rows: u64,
        }
        impl RowSink for Collect<'_> {
            fn columns(&mut self, names: &[String], decl_types: &[Option<String>]) -> Result<()> {
                self.out.columns = names.to_vec();
                self.out.decl_types = decl_types.to_vec();
                Ok(())
            }
            fn row(&mut self, values: &[ValueRef<'_>]) -> Result<()> {
                if self.out.rows.len() as u64 >= self.max_rows {
                    return Err(Error::QueryRefused(format!(
                        "the result has more than {} rows; add a LIMIT or raise max_rows",
                        self.max_rows
                    )));
                }
                self.out
                    .rows
                    .push(values.iter().map(ValueRef::to_owned_value).collect());
                Ok(())
            }
        }
        let mut out = QueryResult {
            columns: vec![],
            decl_types: vec![],
            rows: vec![],
        };
        self.query_stream(
            sql,
            params,
            opts,
            &mut Collect {
                out: &mut out,
                max_rows: opts.max_rows,
            },
        )?;
        Ok(out)
    }

    /// Runs a read-only query and hands each row to `sink` without keeping the result in memory.
    pub fn query_stream(
        &mut self,
        sql: &str,
        params: &Params,
        opts: QueryOptions,
        sink: &mut dyn RowSink,
    ) -> Result<()> {
        if sql.len() > MAX_SQL_LEN {
            return Err(Error::QueryRefused(format!(
                "the SQL text is {} bytes; at most {MAX_SQL_LEN} are accepted",
                sql.len()
            )));
        }
        let now = self.now();
        let deadline = opts.timeout.map(|t| Instant::now() + t);
        self.reader()?
            .run(sql, params, now, deadline, opts.timeout, sink)
    }

    /// Checks a statement exactly as [`Store::query_stream`] would (length, read-only, authorizer)
    /// without running it, and returns its columns and parameters. Bindings (the C statement
    /// interface) use it to refuse a statement when it is prepared and to check parameter indexes
    /// and names before the query runs.
    pub fn query_describe(&mut self, sql: &str) -> Result<QueryShape> {
        if sql.len() > MAX_SQL_LEN {
            return Err(Error::QueryRefused(format!(
                "the SQL text is {} bytes; at most {MAX_SQL_LEN} are accepted",
                sql.len()
            )));
        }
        let now = self.now();
        let reader = self.reader()?;
        reader.start(now);
        if let Some(name) = shadowing_cte(sql, &reader.view_names) {
            return Err(Error::QueryRefused(format!(
                "a common table expression may not be named {name}: that is a public view's name"
            )));
        }
        let st = reader
            .conn
            .prepare(sql)
            .map_err(|e| reader.map_err(e, None))?;
        if !st.readonly() {
            return Err(Error::QueryRefused("the channel is read-only".into()));
        }
        Ok(QueryShape {
            columns: st.column_names().map(String::from).collect(),
            parameters: (1..=st.parameter_count())
                .map(|i| st.parameter_name(i).map(String::from))
                .collect(),
        })
    }

    /// The names of the public views, sorted, with the computed tables of the query channel
    /// (`license_summary`), which read like views; on a scoped handle, those its channel shows.
    pub fn views(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")?;
        let mut v = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        v.extend(COMPUTED_TABLES.iter().map(|t| t.to_string()));
        if self.scope.is_some() {
            v.retain(|name| crate::access::shown_when_scoped(name));
        }
        v.sort();
        Ok(v)
    }
}

/// The views [`Store::query_view_parallel`] reads in parallel, split by customer: in every row
/// their `customer` column is the name of the customer that owns the row (an inner join on
/// `customer`, never NULL), and a filter on it starts the view's plan at the customer, so the
/// parts cost no more together than the whole (see docs/python.md).
pub const PARALLEL_VIEWS: &[&str] = &["assignment_history", "subscriber_licenses"];

/// How often [`Store::query_view_parallel`] calls its `poll` while the readers work.
const POLL_EVERY: Duration = Duration::from_millis(25);

/// At most this many parts in a parallel read (each a statement and a sink).
const MAX_PARTS: usize = 256;

/// One part of a parallel read: the customers whose rows it reads (`None`: the whole view).
type Part = Option<Vec<String>>;

impl Store {
    /// Reads a whole public view (`SELECT * FROM view`) into sinks, in parallel when it can.
    ///
    /// A view of [`PARALLEL_VIEWS`] on a file store's owner handle is split into parts by
    /// customer and read by up to `threads` read-only connections at once, each part into its own
    /// sink from `make_sink`; the sinks come back in part order (customers by id), and together
    /// hold every row of the view exactly once. All the connections read one snapshot: they start
    /// their read transactions while the store's write lock is held, so no write can come between
    /// them. Any other view, a scoped or in-memory store, `threads <= 1`, or a write lock that
    /// cannot be had (another process writing) gives one sink of the whole view, read by the
    /// query channel. The rows' order is not defined (as for any SQL query without `ORDER BY`).
    ///
    /// `poll` is called on the calling thread every few milliseconds while the readers work;
    /// [`ControlFlow::Break`](std::ops::ControlFlow::Break) interrupts them, and the call returns
    /// [`Error::Interrupted`]. `opts.timeout` bounds the whole read; `opts.max_rows` is the sinks'
    /// business (each sink sees only its part).
    pub fn query_view_parallel<S: RowSink + Send>(
        &mut self,
        view: &str,
        threads: usize,
        opts: QueryOptions,
        make_sink: &(dyn Fn() -> S + Sync),
        poll: &mut dyn FnMut() -> std::ops::ControlFlow<()>,
    ) -> Result<Vec<S>> {
        if !self.views()?.iter().any(|v| v == view) {
            return Err(Error::not_found("view", view));
        }
        let quoted = format!("\"{}\"", view.replace('"', "\"\""));
        let whole = format!("SELECT * FROM {quoted}");
        let now = self.now();
        let deadline = opts.timeout.map(|t| Instant::now() + t);
        let split = threads > 1
            && self.scope.is_none()
            && matches!(self.location, Location::File(_))
            && PARALLEL_VIEWS.contains(&view);
        let snapshot = if split { self.snapshot(threads)? } else { None };
        let Some(customers) = snapshot else {
            return self.run_parts(
                &whole,
                &[None],
                1,
                now,
                deadline,
                opts.timeout,
                make_sink,
                poll,
            );
        };
        // N.B. One part per customer, up to MAX_PARTS: the readers take the next part when they
        // finish one, so parts of unequal size still keep every reader busy until the end (ten
        // customers in five pairs left one reader three pairs to the other's two). More would
        // cost a statement to prepare and a sink to join each, for no better balance.
        let workers = threads.min(customers.len()).max(1);
        let n_parts = customers.len().clamp(1, MAX_PARTS);
        let per = customers.len().div_ceil(n_parts);
        let parts: Vec<Part> = customers
            .chunks(per.max(1))
            .map(|c| Some(c.to_vec()))
            .collect();
        let result = self.run_parts(
            &whole,
            &parts,
            workers,
            now,
            deadline,
            opts.timeout,
            make_sink,
            poll,
        );
        let ended = self.end_snapshot(workers);
        let sinks = result?;
        ended?;
        Ok(sinks)
    }

    /// Starts one read transaction on the query channel and on `threads - 1` more read-only
    /// connections, all on the same snapshot, and returns the customers (by id) it holds; `None`
    /// (and no transaction) when the store's write lock cannot be had right now.
    fn snapshot(&mut self, threads: usize) -> Result<Option<Vec<String>>> {
        self.reader()?;
        while self.readers.len() + 1 < threads {
            let r = Reader::open(&self.location, None)?;
            self.readers.push(r);
        }
        // N.B. While this connection holds the write lock no transaction can commit, so every
        // read transaction begun under it sees the same last commit. When another connection
        // holds the lock the view is read whole instead, at once: a reader never waits for a
        // writer.
        self.conn.busy_timeout(Duration::ZERO)?;
        let locked = self.conn.execute_batch("BEGIN IMMEDIATE");
        self.conn.busy_timeout(self.busy_timeout)?;
        if locked.is_err() {
            return Ok(None);
        }
        let begun = (|| {
            let mut customers = Vec::new();
            let readers = std::iter::once(self.reader.as_ref().expect("opened above"))
                .chain(self.readers.iter().take(threads - 1));
            for (i, r) in readers.enumerate() {
                let _internal = r.state.internal();
                r.conn.execute_batch("BEGIN")?;
                // The first read fixes the transaction's snapshot: the customers on the query
                // channel, one row of them on the others.
                if i == 0 {
                    customers = r
                        .conn
                        .prepare_cached("SELECT name FROM customer ORDER BY id")?
                        .query_map([], |row| row.get::<_, String>(0))?
                        .collect::<rusqlite::Result<Vec<String>>>()?;
                } else {
                    r.conn
                        .prepare_cached("SELECT count(*) FROM (SELECT 1 FROM customer LIMIT 1)")?
                        .query_row([], |_| Ok(()))?;
                }
            }
            Ok::<_, Error>(customers)
        })();
        let released = self.conn.execute_batch("ROLLBACK").map_err(Error::from);
        match (begun, released) {
            (Ok(c), Ok(())) => Ok(Some(c)),
            (Err(e), _) | (_, Err(e)) => {
                let _ = self.end_snapshot(threads);
                Err(e)
            }
        }
    }

    /// Ends the read transactions [`Store::snapshot`] began.
    fn end_snapshot(&mut self, threads: usize) -> Result<()> {
        let mut first = Ok(());
        let readers = self
            .reader
            .iter()
            .chain(self.readers.iter().take(threads.saturating_sub(1)));
        for r in readers {
            if !r.conn.is_autocommit() {
                let _internal = r.state.internal();
                if let Err(e) = r.conn.execute_batch("COMMIT") {
                    first = first.and(Err(Error::from(e)));
                }
            }
        }
        first
    }

    /// Reads `parts` of a view with `workers` readers (the query channel and the extra readers),
    /// each part into a new sink; returns the sinks in part order.
    #[allow(clippy::too_many_arguments)]
    fn run_parts<S: RowSink + Send>(
        &mut self,
        whole: &str,
        parts: &[Part],
        workers: usize,
        now: DateTime<Utc>,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
        make_sink: &(dyn Fn() -> S + Sync),
        poll: &mut dyn FnMut() -> std::ops::ControlFlow<()>,
    ) -> Result<Vec<S>> {
        self.reader()?;
        let Store {
            reader, readers, ..
        } = self;
        let mut mine: Vec<&mut Reader> = std::iter::once(reader.as_mut().expect("opened above"))
            .chain(readers.iter_mut())
            .take(workers)
            .collect();
        let stops: Vec<Arc<Mutex<Option<Instant>>>> =
            mine.iter().map(|r| Arc::clone(&r.deadline)).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let mut interrupted = false;
        let outcome: Vec<Result<Vec<(usize, S)>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = mine
                .drain(..)
                .map(|r| {
                    let (next, failed, done) = (&next, &failed, done_tx.clone());
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        let res = (|| loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= parts.len() || failed.load(Ordering::SeqCst) {
                                return Ok(());
                            }
                            let mut sink = make_sink();
                            let (sql, params) = match &parts[i] {
                                None => (whole.to_string(), Params::None),
                                Some(names) => (
                                    format!(
                                        "{whole} WHERE customer IN ({})",
                                        (1..=names.len())
                                            .map(|k| format!("?{k}"))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    ),
                                    Params::Positional(
                                        names.iter().cloned().map(Value::Text).collect(),
                                    ),
                                ),
                            };
                            r.run(&sql, &params, now, deadline, timeout, &mut sink)?;
                            out.push((i, sink));
                        })();
                        if res.is_err() {
                            failed.store(true, Ordering::SeqCst);
                        }
                        let _ = done.send(());
                        res.map(|()| out)
                    })
                })
                .collect();
            drop(done_tx);
            let mut finished = 0;
            while finished < handles.len() {
                match done_rx.recv_timeout(POLL_EVERY) {
                    Ok(()) => finished += 1,
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                }
                if interrupted || poll().is_break() {
                    interrupted = true;
                    failed.store(true, Ordering::SeqCst);
                    // The readers' progress handlers stop a statement whose deadline has passed
                    // (set again at every tick: a statement starting sets its own deadline).
                    for d in &stops {
                        if let Ok(mut d) = d.lock() {
                            *d = Some(Instant::now());
                        }
                    }
                }
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Internal("a query reader panicked".into())))
                })
                .collect()
        });
        if interrupted {
            return Err(Error::Interrupted("the query was interrupted".into()));
        }
        let mut sinks: Vec<Option<S>> = (0..parts.len()).map(|_| None).collect();
        for o in outcome {
            for (i, s) in o? {
                sinks[i] = Some(s);
            }
        }
        sinks
            .into_iter()
            .map(|s| s.ok_or_else(|| Error::Internal("a part of the view was not read".into())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::NewCustomer;
    use crate::error::ErrorCode;

    #[test]
    fn recycle_keeps_the_allocation() {
        let text = String::from("x");
        let mut v: Vec<ValueRef<'_>> = Vec::with_capacity(13);
        v.extend([ValueRef::Text(&text), ValueRef::Integer(1)]);
        let (ptr, cap) = (v.as_ptr() as usize, v.capacity());
        let r: Vec<ValueRef<'static>> = recycle(v);
        assert!(r.is_empty());
        assert_eq!((r.as_ptr() as usize, r.capacity()), (ptr, cap));
    }

    fn store() -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&NewCustomer {
            name: "Contoso".into(),
            tenant_domain: Some("contoso.onmicrosoft.com".into()),
            default_usage_location: Some("US".into()),
        })?;
        s.add_customer(&NewCustomer::named("Adatum"))?;
        Ok(s)
    }

    #[test]
    fn reads_views_with_params() -> Result<()> {
        let mut s = store()?;
        let r = s.query(
            "SELECT name, default_usage_location FROM customers ORDER BY name",
            &Params::None,
        )?;
        assert_eq!(r.columns, ["name", "default_usage_location"]);
        assert_eq!(
            r.rows,
            vec![
                vec![Value::from("Adatum"), Value::Null],
                vec!["Contoso".into(), "US".into()]
            ]
        );
        let r = s.query(
            "SELECT count(*) FROM customers WHERE name = ?",
            &Params::Positional(vec!["contoso".into()]),
        )?;
        assert_eq!(r.rows[0][0], Value::Integer(1));
        let r = s.query(
            "SELECT upper(name) AS n FROM customers WHERE name = :n",
            &Params::Named(vec![("n".into(), "Adatum".into())]),
        )?;
        assert_eq!(r.rows[0][0], Value::from("ADATUM"));
        Ok(())
    }

    #[test]
    fn wrong_parameters_are_clear_errors() -> Result<()> {
        let mut s = store()?;
        let e = s
            .query("SELECT * FROM customers WHERE name = ?", &Params::None)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(e.to_string().contains("1 parameter"), "{e}");
        let e = s
            .query(
                "SELECT * FROM customers WHERE name = :n",
                &Params::Named(vec![("m".into(), "x".into())]),
            )
            .unwrap_err();
        assert!(e.to_string().contains("no such parameter"), "{e}");
        Ok(())
    }

    #[test]
    fn hostile_statements_are_refused() -> Result<()> {
        let mut s = store()?;
        let hostile = [
            "DELETE FROM customers",
            "INSERT INTO customer (name, created_at, updated_at) VALUES ('x', '', '')",
            "UPDATE customer SET name = 'x'",
            "DROP VIEW customers",
            "CREATE TABLE t (x)",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "PRAGMA user_version = 7",
            "PRAGMA journal_mode",
            "SELECT load_extension('libfoo')",
            "SELECT * FROM customer",
            "SELECT * FROM audit_event",
            "SELECT * FROM sqlite_schema",
            "SELECT (SELECT count(*) FROM customer)",
            "SELECT (SELECT max(name) FROM customer)",
            "SELECT * FROM (SELECT * FROM audit_event)",
            "WITH x AS (SELECT * FROM customer) SELECT * FROM x",
            "SELECT * FROM pragma_table_info('customer')",
            "BEGIN",
            "SELECT 1; DELETE FROM customer",
            "VACUUM",
            "WITH x AS (SELECT 1) DELETE FROM customer",
        ];
        for sql in hostile {
            let e = s.query(sql, &Params::None).unwrap_err();
            assert!(
                matches!(
                    e.code(),
                    ErrorCode::QueryRefused | ErrorCode::InvalidArgument
                ),
                "{sql}: {e} ({:?})",
                e.code()
            );
        }
        assert_eq!(s.customers()?.len(), 2);
        let e = s
            .query("SELEKT name FROM customers", &Params::None)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
        assert!(e.to_string().contains("syntax error"), "{e}");
        Ok(())
    }

    #[test]
    fn refusals_say_why() -> Result<()> {
        let mut s = store()?;
        let e = s
            .query("SELECT * FROM customer", &Params::None)
            .unwrap_err();
        assert!(e.to_string().contains("not a public view"), "{e}");
        let e = s
            .query("SELECT load_extension('x')", &Params::None)
            .unwrap_err();
        assert!(e.to_string().contains("load_extension"), "{e}");
        Ok(())
    }

    #[test]
    fn long_queries_time_out() -> Result<()> {
        let mut s = store()?;
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
        let opts = QueryOptions {
            timeout: Some(Duration::from_millis(50)),
            ..Default::default()
        };
        let e = s.query_with(sql, &Params::None, opts).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Interrupted, "{e}");
        // The channel still works afterwards.
        assert_eq!(
            s.query("SELECT count(*) FROM customers", &Params::None)?
                .rows[0][0],
            Value::Integer(2)
        );
        Ok(())
    }

    #[test]
    fn queries_can_be_interrupted_from_another_thread() -> Result<()> {
        let mut s = store()?;
        let h = s.interrupt_handle()?;
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            h.interrupt();
        });
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
        let e = s.query(sql, &Params::None).unwrap_err();
        t.join().unwrap();
        assert_eq!(e.code(), ErrorCode::Interrupted);
        Ok(())
    }

    #[test]
    fn result_size_is_capped() -> Result<()> {
        let mut s = store()?;
        let opts = QueryOptions {
            max_rows: 1,
            ..Default::default()
        };
        let e = s
            .query_with("SELECT name FROM customers", &Params::None, opts)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::QueryRefused);
        let e = s
            .query(
                &format!("SELECT '{}'", "x".repeat(MAX_SQL_LEN)),
                &Params::None,
            )
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::QueryRefused);
        Ok(())
    }

    #[test]
    fn describe_checks_without_running() -> Result<()> {
        let mut s = store()?;
        let shape = s.query_describe("SELECT name, ?1 AS a, :who AS b FROM customers")?;
        assert_eq!(shape.columns, ["name", "a", "b"]);
        assert_eq!(
            shape.parameters,
            [Some("?1".to_string()), Some(":who".to_string())]
        );
        let shape = s.query_describe("SELECT ? + ?")?;
        assert_eq!(shape.parameters, [None, None]);
        for sql in ["DELETE FROM customers", "SELECT * FROM customer"] {
            let e = s.query_describe(sql).unwrap_err();
            assert_eq!(e.code(), ErrorCode::QueryRefused, "{sql}: {e}");
        }
        assert_eq!(s.customers()?.len(), 2);
        Ok(())
    }

    #[test]
    fn count_in_a_subquery_and_syntax_errors() -> Result<()> {
        let mut s = store()?;
        let r = s.query("SELECT 1, (SELECT count(*) FROM customers)", &Params::None)?;
        assert_eq!(r.rows[0][1], Value::Integer(2));
        let e = s.query("SELEKT 1", &Params::None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
        assert!(e.to_string().contains("SELEKT"), "{e}");
        let e = s
            .query("SELECT (SELECT name FROM customer LIMIT 1)", &Params::None)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::QueryRefused, "{e}");
        Ok(())
    }
}
