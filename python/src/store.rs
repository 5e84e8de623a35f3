//! `licstore.Store`: one store, shared safely between Python threads.
//!
//! The core `Store` is `Send` but not `Sync` (it owns SQLite connections), so it lives behind a
//! mutex; `None` once closed. Every call detaches from the interpreter *before* taking the lock
//! and does all its SQL work detached, so a long query in one thread never holds the GIL, and a
//! thread waiting for the store never blocks the others.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use licstore::{
    Clock, CustomerUpdate, Error, Format, ImportMode, ImportOptions, InterruptHandle, NewCustomer,
    Params, QueryOptions, QueryResult, Store,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::errors::{invalid, to_py, OrRaise};
use crate::query::{to_params, to_timeout, PyQueryResult};
use crate::types::{from_datetime, to_datetime, PyAuditEntry, PyCustomer, PyImportReport};

/// Adds the store class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStore>()
}

/// A licstore store: one SQLite file (or an in-memory database) holding customers and their
/// licenses, and the entry point to everything in it.
///
/// ``Store(path)`` opens the file, creating it when it does not exist; ``Store()`` or
/// ``Store(":memory:")`` makes a private in-memory store. Use it as a context manager to close it
/// at the end of a ``with`` block. One store may be used from several threads; calls are
/// serialized and release the GIL while they run.
#[pyclass(frozen, module = "licstore", name = "Store")]
#[derive(Debug)]
pub struct PyStore {
    inner: Mutex<Option<Store>>,
    path: Option<PathBuf>,
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: Some(path.to_path_buf()),
        source,
    }
}

/// An optional field of `update_customer`: omitted (keep), None (clear) or a new value.
#[derive(Debug)]
pub enum Change {
    Keep,
    Clear,
    Set(String),
}

impl Change {
    fn into_core(self) -> Option<Option<String>> {
        match self {
            Change::Keep => None,
            Change::Clear => Some(None),
            Change::Set(v) => Some(Some(v)),
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Change {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Change> {
        if obj.is_none() {
            Ok(Change::Clear)
        } else {
            Ok(Change::Set(obj.extract()?))
        }
    }
}

fn parse_mode(mode: &str) -> PyResult<ImportMode> {
    match mode {
        "all_or_nothing" => Ok(ImportMode::AllOrNothing),
        "skip_invalid" => Ok(ImportMode::SkipInvalid),
        _ => Err(invalid(
            "import mode",
            mode,
            "must be \"all_or_nothing\" or \"skip_invalid\"",
        )),
    }
}

fn parse_format(format: &str) -> PyResult<Format> {
    format.parse::<Format>().or_raise()
}

impl PyStore {
    fn from_store(store: Store) -> PyStore {
        PyStore {
            path: store.path().map(Path::to_path_buf),
            inner: Mutex::new(Some(store)),
        }
    }

    /// Runs `f` on the open store, detached from the interpreter.
    fn with<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
    where
        T: Send,
        F: FnOnce(&mut Store) -> licstore::Result<T> + Send,
    {
        py.detach(|| self.locked(f)).or_raise()
    }

    /// Runs `f` on the open store under its lock (the caller is detached or on its own thread).
    fn locked<T>(&self, f: impl FnOnce(&mut Store) -> licstore::Result<T>) -> licstore::Result<T> {
        // N.B. A panic inside core cannot leave a transaction half-applied (rusqlite rolls
        // back on drop), so a poisoned lock still guards a consistent store.
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(store) => f(store),
            None => Err(Error::InvalidState(
                "the store is closed (by close() or at the end of its with block); open it again with licstore.Store(path)".into(),
            )),
        }
    }

    /// Runs a query on a worker thread while this thread waits detached, waking every
    /// [`SIGNAL_POLL`] to let Python run its signal handlers: Ctrl-C (or any handler that
    /// raises) interrupts the query through SQLite and raises here. Signals reach only the main
    /// thread; elsewhere the check costs nothing.
    fn query_interruptibly(
        &self,
        py: Python<'_>,
        query: &str,
        params: &Params,
        opts: QueryOptions,
    ) -> PyResult<QueryResult> {
        let handle: Mutex<Option<InterruptHandle>> = Mutex::new(None);
        let cancelled = AtomicBool::new(false);
        let done = (Mutex::new(false), Condvar::new());
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let out = self.locked(|s| {
                    if cancelled.load(Ordering::SeqCst) {
                        return Err(Error::Interrupted("the query was interrupted".into()));
                    }
                    *handle.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(s.interrupt_handle()?);
                    s.query_with(query, params, opts)
                });
                *done.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
                done.1.notify_all();
                out
            });
            let wait = |d: Duration| {
                py.detach(|| {
                    let guard = done.0.lock().unwrap_or_else(PoisonError::into_inner);
                    let (guard, _) = done
                        .1
                        .wait_timeout_while(guard, d, |finished| !*finished)
                        .unwrap_or_else(PoisonError::into_inner);
                    *guard
                })
            };
            while !wait(SIGNAL_POLL) {
                if let Err(signal) = py.check_signals() {
                    cancelled.store(true, Ordering::SeqCst);
                    // N.B. Repeated: an interrupt sent just before the statement starts is lost.
                    loop {
                        if let Some(h) = handle
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .as_ref()
                        {
                            h.interrupt();
                        }
                        if wait(Duration::from_millis(10)) {
                            break;
                        }
                    }
                    let _ = worker.join();
                    return Err(signal);
                }
            }
            match worker.join() {
                Ok(result) => result.or_raise(),
                Err(_) => Err(to_py(Error::Internal("the query thread panicked".into()))),
            }
        })
    }
}

/// Whether this is Python's main thread, the only one that runs signal handlers.
fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    static MAIN: PyOnceLock<(Py<PyAny>, u64)> = PyOnceLock::new();
    let (get_ident, main) = MAIN.get_or_try_init(py, || {
        let get_ident = py.import("_thread")?.getattr("get_ident")?;
        let main: u64 = py
            .import("threading")?
            .call_method0("main_thread")?
            .getattr("ident")?
            .extract()?;
        Ok::<_, PyErr>((get_ident.unbind(), main))
    })?;
    Ok(get_ident.bind(py).call0()?.extract::<u64>()? == *main)
}

/// How long a query on the main thread runs before it is moved to a worker thread so that
/// Ctrl-C can interrupt it.
const DIRECT_BUDGET: Duration = Duration::from_millis(200);

/// How often a waiting `sql()` call lets Python handle signals (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

#[pymethods]
impl PyStore {
    #[new]
    #[pyo3(signature = (path = None))]
    fn new(py: Python<'_>, path: Option<PathBuf>) -> PyResult<PyStore> {
        let store = py
            .detach(|| match &path {
                None => Store::open_in_memory(),
                Some(p) if p.as_os_str() == ":memory:" => Store::open_in_memory(),
                Some(p) => Store::open(p),
            })
            .or_raise()?;
        Ok(PyStore::from_store(store))
    }

    /// Opens an existing store; raises ``NotFound`` when the file does not exist (where
    /// ``Store(path)`` would create it).
    #[classmethod]
    fn open_existing(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<PyStore> {
        let store = py.detach(|| Store::open_existing(&path)).or_raise()?;
        Ok(PyStore::from_store(store))
    }

    /// Closes the store (its connections and file). Idempotent; every later call raises
    /// ``InvalidState``.
    fn close(&self, py: Python<'_>) {
        py.detach(|| {
            let store = self
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            drop(store);
        });
    }

    /// Whether ``close()`` has been called.
    #[getter]
    fn closed(&self, py: Python<'_>) -> bool {
        py.detach(|| {
            self.inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_none()
        })
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().with(slf.py(), |_| Ok(()))?;
        Ok(slf)
    }

    #[pyo3(signature = (exc_type = None, exc = None, traceback = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<Bound<'_, PyAny>>,
        exc: Option<Bound<'_, PyAny>>,
        traceback: Option<Bound<'_, PyAny>>,
    ) -> bool {
        let _ = (exc_type, exc, traceback);
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        // N.B. try_lock: a repr (in a debugger, a log line) must not wait for another thread's
        // long query; a store in use is open.
        let closed = match self.inner.try_lock() {
            Ok(guard) if guard.is_none() => " (closed)",
            Err(std::sync::TryLockError::Poisoned(e)) if e.get_ref().is_none() => " (closed)",
            _ => "",
        };
        match &self.path {
            Some(p) => format!("<licstore.Store {:?}{closed}>", p.display().to_string()),
            None => format!("<licstore.Store in memory{closed}>"),
        }
    }

    /// The store's file (None for an in-memory store).
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.display().to_string())
    }

    /// The schema version of the open store (``PRAGMA user_version``).
    #[getter]
    fn schema_version(&self, py: Python<'_>) -> PyResult<i64> {
        self.with(py, |s| s.schema_version())
    }

    /// Who is acting: recorded in the audit log for every change. Defaults to the OS user.
    /// Setting an empty actor raises ``InvalidArgument``.
    #[getter]
    fn get_actor(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.actor().to_string()))
    }

    #[setter]
    fn set_actor(&self, py: Python<'_>, actor: String) -> PyResult<()> {
        self.with(py, |s| s.set_actor(&actor))
    }

    /// The fixed instant the store's clock is set to, or None when it follows the system clock.
    #[getter]
    fn clock<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.with(py, |s| Ok(s.clock()))? {
            Clock::System => Ok(None),
            Clock::Fixed(t) => to_datetime(py, &licstore::store::format_ts(t)).map(Some),
        }
    }

    /// Fixes "now" for every later change (tests, replays, "as of" runs), or with None goes back
    /// to the system clock. The datetime must be timezone-aware (a naive one raises
    /// ``InvalidArgument``); it is kept in UTC, whole seconds.
    #[pyo3(signature = (when))]
    fn set_clock(&self, py: Python<'_>, when: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let clock = match when {
            None => Clock::System,
            Some(dt) => {
                let text = from_datetime("clock", &dt)?;
                Clock::Fixed(
                    text.parse()
                        .map_err(|e| invalid("clock", text.clone(), &format!("{e}")))?,
                )
            }
        };
        self.with(py, |s| {
            s.set_clock(clock);
            Ok(())
        })
    }

    /// The names of the public views that ``sql()`` can read, sorted.
    fn views(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.with(py, |s| s.views())
    }

    // --- customers ---

    /// Adds a customer and returns it. Raises ``AlreadyExists`` when the name is taken (in any
    /// case) and ``InvalidArgument`` for an empty name, a malformed tenant domain, a domain of
    /// another customer or an unknown country code.
    #[pyo3(signature = (name, *, tenant_domain = None, default_usage_location = None))]
    fn add_customer(
        &self,
        py: Python<'_>,
        name: String,
        tenant_domain: Option<String>,
        default_usage_location: Option<String>,
    ) -> PyResult<PyCustomer> {
        let c = NewCustomer {
            name,
            tenant_domain,
            default_usage_location,
        };
        self.with(py, |s| s.add_customer(&c)).map(PyCustomer::from)
    }

    /// Changes a customer and returns it. A keyword left out keeps its field as it is; None
    /// clears an optional field. ``new_name`` renames the customer.
    #[pyo3(signature = (name, *, new_name = None, tenant_domain = Change::Keep, default_usage_location = Change::Keep))]
    fn update_customer(
        &self,
        py: Python<'_>,
        name: String,
        new_name: Option<String>,
        tenant_domain: Change,
        default_usage_location: Change,
    ) -> PyResult<PyCustomer> {
        let u = CustomerUpdate {
            name: new_name,
            tenant_domain: tenant_domain.into_core(),
            default_usage_location: default_usage_location.into_core(),
        };
        self.with(py, |s| s.update_customer(&name, &u))
            .map(PyCustomer::from)
    }

    /// The customer with this name (without regard to case); raises ``NotFound``.
    fn customer(&self, py: Python<'_>, name: String) -> PyResult<PyCustomer> {
        self.with(py, |s| s.customer(&name)).map(PyCustomer::from)
    }

    /// Every customer, by name.
    fn customers(&self, py: Python<'_>) -> PyResult<Vec<PyCustomer>> {
        let list = self.with(py, |s| s.customers())?;
        Ok(list.into_iter().map(PyCustomer::from).collect())
    }

    /// Removes a customer. Raises ``InUse`` (naming what refers to it) while anything in the
    /// store references it, ``NotFound`` for an unknown name.
    fn remove_customer(&self, py: Python<'_>, name: String) -> PyResult<()> {
        self.with(py, |s| s.remove_customer(&name))
    }

    /// Imports customers from a canonical CSV (or TSV) file: adds new names, updates the
    /// columns present for existing ones (matched without regard to case).
    ///
    /// ``mode="all_or_nothing"`` (the default) raises ``CsvError`` naming the file, line, column
    /// and value of the first rejected row, and writes nothing; ``"skip_invalid"`` applies the
    /// valid rows and reports the rejected ones in the returned ``ImportReport``. ``rejects``
    /// names a CSV file to receive the rejected rows with their errors, ready to fix and import
    /// again.
    #[pyo3(signature = (path, *, mode = "all_or_nothing", format = "csv", rejects = None))]
    fn import_customers(
        &self,
        py: Python<'_>,
        path: PathBuf,
        mode: &str,
        format: &str,
        rejects: Option<PathBuf>,
    ) -> PyResult<PyImportReport> {
        let mode = parse_mode(mode)?;
        let delimiter = match parse_format(format)? {
            Format::Csv => b',',
            Format::Tsv => b'\t',
            _ => {
                return Err(invalid(
                    "import format",
                    format,
                    "must be \"csv\" or \"tsv\"",
                ))
            }
        };
        let report = self.with(py, |s| {
            let input = File::open(&path).map_err(|e| io_error(&path, e))?;
            let mut out = match &rejects {
                Some(r) => Some(BufWriter::new(File::create(r).map_err(|e| io_error(r, e))?)),
                None => None,
            };
            let mut opts = ImportOptions::new(path.display().to_string());
            opts.mode = mode;
            opts.delimiter = delimiter;
            opts.rejects = out.as_mut().map(|w| w as &mut dyn Write);
            let report = s.import_customers(BufReader::new(input), opts)?;
            if let (Some(mut w), Some(r)) = (out, &rejects) {
                w.flush().map_err(|e| io_error(r, e))?;
            }
            Ok(report)
        })?;
        Ok(report.into())
    }

    /// Writes every customer to ``path`` as canonical CSV (or ``"tsv"``, ``"jsonl"``), in name
    /// order; returns the number of rows written. The file is replaced; on error it is removed.
    #[pyo3(signature = (path, *, format = "csv"))]
    fn export_customers(&self, py: Python<'_>, path: PathBuf, format: &str) -> PyResult<u64> {
        let format = parse_format(format)?;
        self.with(py, |s| {
            let file = File::create(&path).map_err(|e| io_error(&path, e))?;
            let mut out = BufWriter::new(file);
            let written = s
                .export_customers(format, &mut out)
                .and_then(|n| out.flush().map(|_| n).map_err(|e| io_error(&path, e)));
            if written.is_err() {
                drop(out);
                let _ = std::fs::remove_file(&path);
            }
            written
        })
    }

    // --- audit ---

    /// The audit log, oldest first: every entry, or those about one entity when ``entity`` and
    /// ``key`` are given (e.g. ``entity="customer", key="Contoso"``).
    #[pyo3(signature = (*, entity = None, key = None))]
    fn audit_log(
        &self,
        py: Python<'_>,
        entity: Option<String>,
        key: Option<String>,
    ) -> PyResult<Vec<PyAuditEntry>> {
        if entity.is_some() != key.is_some() {
            return Err(invalid(
                "audit_log filter",
                format!("entity={entity:?}, key={key:?}"),
                "give both entity and key, or neither",
            ));
        }
        let entries = self.with(py, |s| {
            s.audit_entries(entity.as_deref().zip(key.as_deref()))
        })?;
        Ok(entries.into_iter().map(PyAuditEntry::from).collect())
    }

    // --- SQL ---

    /// Runs one read-only query over the public views (see ``views()``) and returns its rows.
    ///
    /// ``params`` binds ``?``/``?1`` placeholders from a sequence or ``:name`` placeholders from
    /// a mapping; values may be None, int, float, str, bytes, an aware datetime (bound as the
    /// store's ISO-8601 UTC text) or a date. ``timeout`` (seconds or a timedelta) interrupts a
    /// long query with ``Interrupted``. Writes, schema changes, PRAGMAs and reads of base tables
    /// raise ``QueryRefused``.
    #[pyo3(signature = (query, params = None, *, timeout = None))]
    fn sql(
        &self,
        py: Python<'_>,
        query: String,
        params: Option<Bound<'_, PyAny>>,
        timeout: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyQueryResult> {
        let params = to_params(params.as_ref())?;
        let opts = QueryOptions {
            timeout: to_timeout(timeout.as_ref())?,
            ..QueryOptions::default()
        };
        // N.B. Ctrl-C needs the waiting thread to wake up and run Python's signal handlers,
        // which costs a thread hand-off. Most queries end in far less than DIRECT_BUDGET, so
        // they run directly; one that does not is stopped and run again, interruptibly (a
        // read-only query can be repeated). Signals reach only the main thread.
        if opts.timeout.is_some_and(|t| t <= DIRECT_BUDGET) || !on_main_thread(py)? {
            return self
                .with(py, |s| s.query_with(&query, &params, opts))
                .map(PyQueryResult::from);
        }
        let started = Instant::now();
        let first = QueryOptions {
            timeout: Some(DIRECT_BUDGET),
            ..opts
        };
        match py.detach(|| self.locked(|s| s.query_with(&query, &params, first))) {
            Err(Error::Interrupted(_)) => {
                py.check_signals()?;
                let rest = QueryOptions {
                    timeout: opts.timeout.map(|t| t.saturating_sub(started.elapsed())),
                    ..opts
                };
                self.query_interruptibly(py, &query, &params, rest)
                    .map(PyQueryResult::from)
            }
            other => other.or_raise().map(PyQueryResult::from),
        }
    }
}
