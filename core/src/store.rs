//! The store: one SQLite file (or an in-memory database), its pragmas, its schema migrations,
//! its write transactions, its actor and its clock.
//!
//! # Lifecycle of opening a file
//! 1. If the file exists and is not empty, its first 16 bytes must be SQLite's magic header;
//!    otherwise the file is refused before SQLite ever opens it, so it stays byte-for-byte untouched.
//! 2. The connection is opened and only *read*: `application_id` and `user_version` are checked and
//!    the schema is read, which detects a corrupt file. A file newer than this build
//!    ([`Store::END_VERSION`]) or one that belongs to another application is refused here, still
//!    before anything is written.
//! 3. Only then are the writing pragmas set (WAL) and missing migrations applied, all of them in one
//!    IMMEDIATE transaction together with the view definitions and the new `user_version`.
//!
//! Every later change goes through [`Store::write`]: one IMMEDIATE transaction, so concurrent
//! processes queue on the busy timeout instead of failing, and a derived figure checked inside the
//! transaction cannot change before the write that depends on it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of every licstore file: "LicS" in ASCII.
pub const APPLICATION_ID: i32 = 0x4C69_6353;

/// The schema migrations, in order. Migration `i` takes `user_version` from `i` to `i + 1`.
/// Never edit a migration that has shipped: add a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../sql/0001_init.sql"),
    include_str!("../sql/0002_online.sql"),
    include_str!("../sql/0003_volume.sql"),
    include_str!("../sql/0004_access.sql"),
    include_str!("../sql/0005_sku_rule_unique.sql"),
];

/// The schema migrations this build knows, in order (for tests that build old stores).
pub fn migrations() -> &'static [&'static str] {
    MIGRATIONS
}

/// The public views, dropped and recreated whenever the schema changes.
pub(crate) const VIEWS: &str = include_str!("../sql/views.sql");

/// How long a writer waits for another writer before giving up with [`Error::Busy`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a store takes "now" from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock (the default).
    #[default]
    System,
    /// A fixed instant (tests, replays, "as of" runs).
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant according to this clock.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// Formats an instant the way the store keeps it: ISO-8601 UTC, whole seconds, with a `Z`
/// (`2024-05-06T07:08:09Z`). One fixed width, so that comparing the text compares the times and
/// SQLite's date functions read it; licensing needs no sub-second precision.
pub fn format_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where a store lives.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    File(PathBuf),
    /// A private in-memory database; the name is a shared-cache URI so that the read-only query
    /// connection sees the same data.
    Memory(String),
}

/// A licstore store: the single entry point to everything it holds.
///
/// A `Store` is `Send` but not `Sync` (it owns a SQLite connection); share it between threads
/// behind a mutex, or open one per thread: SQLite and WAL make several handles on one file safe.
#[derive(Debug)]
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) location: Location,
    pub(crate) actor: String,
    pub(crate) clock: Clock,
    pub(crate) reader: Option<crate::query::Reader>,
    /// More read-only connections for parallel reads of a view (`Store::query_view_parallel`),
    /// opened when first needed.
    pub(crate) readers: Vec<crate::query::Reader>,
    /// The write connection's busy timeout ([`Store::set_busy_timeout`]).
    pub(crate) busy_timeout: Duration,
    /// The principal a scoped handle acts for (access.rs); `None` for the store's owner.
    pub(crate) scope: Option<crate::access::Scope>,
}

static MEMORY_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// The schema version this build writes.
    pub const END_VERSION: i64 = MIGRATIONS.len() as i64;

    /// Opens the store at `path`, creating it if the file does not exist.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Self::open_impl(path.as_ref(), true)
    }

    /// Opens an existing store; a missing file is an error ([`Error::NotFound`]) rather than a new store.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store> {
        Self::open_impl(path.as_ref(), false)
    }

    /// Opens a new, private, in-memory store.
    pub fn open_in_memory() -> Result<Store> {
        let n = MEMORY_COUNTER.fetch_add(1, Ordering::Relaxed);
        let uri = format!(
            "file:licstore-mem-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        );
        Self::open_memory_uri(&uri)
    }

    /// Opens (another connection to) the shared-cache in-memory store named by `uri`.
    pub(crate) fn open_memory_uri(uri: &str) -> Result<Store> {
        let uri = uri.to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags)?;
        let mut store = Store::from_conn(conn, Location::Memory(uri));
        store.prepare_and_migrate(Path::new(":memory:"))?;
        Ok(store)
    }

    fn from_conn(conn: Connection, location: Location) -> Store {
        Store {
            conn,
            location,
            actor: default_actor(),
            clock: Clock::System,
            reader: None,
            readers: Vec::new(),
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            scope: None,
        }
    }

    fn open_impl(path: &Path, create: bool) -> Result<Store> {
        check_magic(path, create)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| not_a_db(path, e))?;
        let mut store = Store::from_conn(conn, Location::File(path.to_path_buf()));
        store.prepare_and_migrate(path)?;
        Ok(store)
    }

    /// Step 2 and 3 of the lifecycle in the module doc.
    fn prepare_and_migrate(&mut self, path: &Path) -> Result<()> {
        let conn = &self.conn;
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT)?;
        // Read-only checks first: nothing below writes until the file is known to be ours.
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| not_a_db(path, e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| not_a_db(path, e))?;
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|e| not_a_db(path, e))?;
        if version > Self::END_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found: version,
                supported: Self::END_VERSION,
            });
        }
        if app_id != APPLICATION_ID && (app_id != 0 || objects > 0) {
            return Err(Error::NotADatabase {
                path: path.to_path_buf(),
                reason: format!(
                    "it is a SQLite database of another application (application_id {app_id:#x})"
                ),
            });
        }
        if version > 0 {
            // A quick structural check of an existing file; catches corruption before we write.
            let ok: String = conn
                .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
                .map_err(|e| not_a_db(path, e))?;
            if ok != "ok" {
                return Err(Error::NotADatabase {
                    path: path.to_path_buf(),
                    reason: format!("corrupt: {ok}"),
                });
            }
        }
        if matches!(self.location, Location::File(_)) {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::Internal(format!(
                    "could not switch {} to WAL (got {mode})",
                    path.display()
                )));
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "cache_size", -65536)?;
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        // N.B. Query planner stability: without it, SQLite marks a statement whose plan looked at
        // a bound value (any `column = ?` term, through its 0/1 truth heuristic) for recompiling
        // when its bindings are cleared, and rusqlite's statement cache clears them on every
        // reuse: every cached statement was recompiled on every call (27% of a MAK activation,
        // docs/performance.md "C ABI"). Plans here never depend on bound values.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        migrate(&mut self.conn, version, Self::END_VERSION)
    }

    /// The file this store lives in (`None` for an in-memory store).
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::File(p) => Some(p),
            Location::Memory(_) => None,
        }
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Who is acting: recorded in the audit log and on every change. Defaults to the OS user
    /// (`$USER`/`$USERNAME`), else `"unknown"`.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Sets the actor for every later change. It must not be empty.
    pub fn set_actor(&mut self, actor: &str) -> Result<()> {
        self.require_owner("change the actor (a scoped handle acts as its principal)")?;
        let a = actor.trim();
        if a.is_empty() {
            return Err(Error::invalid("actor", actor, "must not be empty"));
        }
        self.actor = a.to_string();
        Ok(())
    }

    /// The store's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Sets the store's clock (tests, replays).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// "Now", according to the store's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Sets how long a writer waits for another before failing with [`Error::Busy`].
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.conn.busy_timeout(timeout)?;
        self.busy_timeout = timeout;
        Ok(())
    }

    /// Runs `f` in one IMMEDIATE transaction and commits it if `f` succeeds; rolls back otherwise.
    ///
    /// The context gives `f` the transaction, the actor and "now" (fixed for the whole
    /// transaction, so every row it writes carries the same time).
    pub fn write<T>(&mut self, f: impl FnOnce(&WriteCtx<'_>) -> Result<T>) -> Result<T> {
        if let Some(scope) = &self.scope {
            scope.check_write()?;
        }
        let now = format_ts(self.clock.now());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ctx = WriteCtx {
            tx: &tx,
            actor: &self.actor,
            now,
        };
        let out = f(&ctx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Direct access to the read-write connection, for reads inside the crate.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// What a write transaction sees: the transaction, who is acting and when.
#[derive(Debug)]
pub struct WriteCtx<'a> {
    /// The open IMMEDIATE transaction.
    pub tx: &'a Transaction<'a>,
    /// The store's actor.
    pub actor: &'a str,
    /// The transaction's timestamp (ISO-8601 UTC).
    pub now: String,
}

impl WriteCtx<'_> {
    /// Appends one row to the audit log. `before`/`after` are JSON values (`Null` when absent).
    pub fn audit(
        &self,
        action: &str,
        entity: &str,
        key: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Result<()> {
        crate::audit::append(
            self.tx, &self.now, self.actor, action, entity, key, before, after,
        )
    }
}

fn default_actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Refuses a non-empty file whose header is not SQLite's, without ever letting SQLite open it.
fn check_magic(path: &Path, create: bool) -> Result<()> {
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let mut head = [0u8; 16];
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) => {
                        return Err(Error::Io {
                            path: Some(path.to_path_buf()),
                            source: e,
                        })
                    }
                }
            }
            if n == 0 {
                return Ok(()); // an empty file becomes a new store
            }
            if n < 16 || &head != b"SQLite format 3\0" {
                return Err(Error::NotADatabase {
                    path: path.to_path_buf(),
                    reason: "the file is not a SQLite database (wrong header)".into(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if create {
                Ok(())
            } else {
                Err(Error::NotFound {
                    entity: "store file",
                    key: path.display().to_string(),
                })
            }
        }
        Err(e) => Err(Error::Io {
            path: Some(path.to_path_buf()),
            source: e,
        }),
    }
}

fn not_a_db(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as C;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, C::NotADatabase | C::DatabaseCorrupt) =>
        {
            Error::NotADatabase {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == C::CannotOpen => Error::Io {
            path: Some(path.to_path_buf()),
            source: std::io::Error::other(e.to_string()),
        },
        _ => Error::from(e),
    }
}

/// Applies migrations `from..to` and the views in one IMMEDIATE transaction.
pub(crate) fn migrate(conn: &mut Connection, from: i64, to: i64) -> Result<()> {
    if from == to && views_present(conn)? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read inside the lock: another process may have migrated meanwhile.
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(current as usize)
    {
        tx.execute_batch(sql)
            .map_err(|e| Error::Internal(format!("migration {} failed: {e}", i + 1)))?;
    }
    tx.execute_batch(VIEWS)
        .map_err(|e| Error::Internal(format!("creating the views failed: {e}")))?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", to.max(current))?;
    tx.commit()?;
    Ok(())
}

fn views_present(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'view'",
        [],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_store_is_at_the_end_version() -> Result<()> {
        let s = Store::open_in_memory()?;
        assert_eq!(s.schema_version()?, Store::END_VERSION);
        let fk: i64 = s
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert_eq!(fk, 1);
        Ok(())
    }

    #[test]
    fn clock_can_be_fixed() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let t = DateTime::parse_from_rfc3339("2024-05-06T07:08:09Z")
            .unwrap()
            .with_timezone(&Utc);
        s.set_clock(Clock::Fixed(t));
        assert_eq!(s.now(), t);
        assert_eq!(format_ts(s.now()), "2024-05-06T07:08:09Z");
        Ok(())
    }

    #[test]
    fn empty_actor_is_refused() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        assert!(s.set_actor("  ").is_err());
        s.set_actor("auditor@example.com")?;
        assert_eq!(s.actor(), "auditor@example.com");
        Ok(())
    }
}
