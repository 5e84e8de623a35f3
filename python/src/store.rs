//! `licstore.Store`: one store, shared safely between Python threads.
//!
//! The core `Store` is `Send` but not `Sync` (it owns SQLite connections), so it lives behind a
//! mutex; `None` once closed. Every call detaches from the interpreter *before* taking the lock
//! and does all its SQL work detached, so a long query in one thread never holds the GIL, and a
//! thread waiting for the store never blocks the others.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use licstore::{
    AssignOptions, BenefitStatus, BulkMode, BulkOp, BulkRequest, Clock, CustomerUpdate,
    EntitlementKind, Entity, Error, Format, ImportMode, ImportOptions, InterruptHandle,
    JobProgress, KeyType, NewCustomer, NewEntitlement, NewLicensingId, NewProduct, NewProductKey,
    NewReservation, NewSaBenefit, NewSku, NewSubscriber, Params, Pool, Profile, Program, Progress,
    QueryOptions, ReplaceFrom, ReservationHistory, SkuRule, Store, SubscriberFilter,
    SubscriberStatus, SubscriberUpdate, SummaryQuery, Units, VlscExportOptions, PARALLEL_VIEWS,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

use crate::errors::{invalid, to_py, OrRaise};
use crate::frame::{Frame, FrameSink};
use crate::online::{
    self, PyBulkOutcome, PyBulkPreview, PyCatalogReport, PyCatalogSku, PyExpiring, PyJob,
    PyJobItems, PyLicense, PyProfile, PySku, PySkuChange, PySkuSync, PySkuUsage, PySubscriber,
    PyUserSyncDiff,
};
use crate::progress::{ProgressArg, Reporter};
use crate::query::{to_params, to_timeout, PyQueryResult};
use crate::types::{
    from_datetime, to_datetime, type_name, PyAuditEntry, PyCustomer, PyImportReport,
};
use crate::volume::{
    day, opt_day, parse, PyActivation, PyEntitlement, PyLicenseSummary, PyLicensingId,
    PyLimitIncreaseRequest, PyProduct, PyProductKey, PyReservation, PySaBenefit,
};

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

/// The delimiter of an import format: CSV or TSV (JSON Lines is an export format only).
fn import_delimiter(format: &str) -> PyResult<u8> {
    match parse_format(format)? {
        Format::Csv => Ok(b','),
        Format::Tsv => Ok(b'\t'),
        _ => Err(invalid(
            "import format",
            format,
            "must be \"csv\" or \"tsv\"",
        )),
    }
}

/// An entity by name (``"customers"``, ``"group-members"``, ...), or a Python `licstore` entity
/// name passed as any str.
fn entity(name: &str) -> PyResult<Entity> {
    Entity::from_name(name).or_raise()
}

/// What `import_csv` reads: a path, or an open file (binary or text) read whole.
#[derive(Debug)]
pub enum Source {
    Path(PathBuf),
    Bytes { name: String, data: Vec<u8> },
}

impl<'a, 'py> FromPyObject<'a, 'py> for Source {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Source> {
        if let Ok(p) = obj.extract::<PathBuf>() {
            return Ok(Source::Path(p));
        }
        if obj.hasattr("read")? {
            let data = obj.call_method0("read")?;
            let name = obj
                .getattr("name")
                .ok()
                .and_then(|n| n.extract::<String>().ok())
                .unwrap_or_else(|| "<file>".to_string());
            let data = if let Ok(b) = data.cast::<pyo3::types::PyBytes>() {
                b.as_bytes().to_vec()
            } else if let Ok(t) = data.cast::<pyo3::types::PyString>() {
                t.to_cow()?.as_bytes().to_vec()
            } else {
                return Err(PyTypeError::new_err(format!(
                    "the file's read() returned {}, not bytes or str",
                    type_name(&data)
                )));
            };
            return Ok(Source::Bytes { name, data });
        }
        Err(PyTypeError::new_err(format!(
            "expected a path (str or os.PathLike) or an open file, not {}",
            type_name(&obj)
        )))
    }
}

/// The fields of one entitlement, as `add_entitlement` takes them and `add_entitlements` reads
/// them from each mapping.
const ENTITLEMENT_FIELDS: [&str; 9] = [
    "licensing_id",
    "family",
    "version",
    "quantity",
    "kind",
    "order_date",
    "sa_end",
    "from_family",
    "granted_by",
];

/// One line of `add_entitlements`: a mapping with [`ENTITLEMENT_FIELDS`] keys (unknown keys and
/// missing required ones raise `TypeError`, like keyword arguments would).
fn entitlement_from_mapping(i: usize, line: &Bound<'_, PyAny>) -> PyResult<NewEntitlement> {
    let d = line.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "add_entitlements: line {i} must be a dict, not {}",
            type_name(line)
        ))
    })?;
    for k in d.keys() {
        let k: String = k.extract()?;
        if !ENTITLEMENT_FIELDS.contains(&k.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "add_entitlements: line {i} has an unknown key '{k}' (allowed: {})",
                ENTITLEMENT_FIELDS.join(", ")
            )));
        }
    }
    let wrap = |k: &str, e: PyErr| -> PyErr {
        if e.is_instance_of::<PyTypeError>(d.py()) {
            PyTypeError::new_err(format!("add_entitlements: line {i}, {k}: {e}"))
        } else {
            e
        }
    };
    let required = |k: &str| -> PyResult<Bound<'_, PyAny>> {
        d.get_item(k)?
            .filter(|v| !v.is_none())
            .ok_or_else(|| PyTypeError::new_err(format!("add_entitlements: line {i} lacks '{k}'")))
    };
    let optional = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        Ok(d.get_item(k)?.filter(|v| !v.is_none()))
    };
    let kind: String = required("kind")?.extract().map_err(|e| wrap("kind", e))?;
    Ok(NewEntitlement {
        licensing_id: required("licensing_id")?
            .extract()
            .map_err(|e| wrap("licensing_id", e))?,
        family: required("family")?
            .extract()
            .map_err(|e| wrap("family", e))?,
        version: required("version")?
            .extract()
            .map_err(|e| wrap("version", e))?,
        quantity: required("quantity")?
            .extract()
            .map_err(|e| wrap("quantity", e))?,
        kind: parse(&kind)?,
        order_date: day(
            &format!("add_entitlements: line {i}, order_date"),
            &required("order_date")?,
        )?,
        sa_end: opt_day(
            &format!("add_entitlements: line {i}, sa_end"),
            optional("sa_end")?.as_ref(),
        )?,
        from_family: optional("from_family")?
            .map(|v| v.extract::<String>())
            .transpose()
            .map_err(|e| wrap("from_family", e))?,
        granted_by: optional("granted_by")?
            .map(|v| v.extract::<i64>())
            .transpose()
            .map_err(|e| wrap("granted_by", e))?,
    })
}

/// The fields of one subscriber, as `add_subscribers` reads them from each mapping.
const SUBSCRIBER_FIELDS: [&str; 7] = [
    "customer",
    "upn",
    "display_name",
    "usage_location",
    "department",
    "object_id",
    "status",
];

/// One subscriber of `add_subscribers`: a mapping with [`SUBSCRIBER_FIELDS`] keys (unknown keys
/// and missing required ones raise `TypeError`, like keyword arguments would).
fn subscriber_from_mapping(i: usize, item: &Bound<'_, PyAny>) -> PyResult<NewSubscriber> {
    let d = item.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "add_subscribers: item {i} must be a dict, not {}",
            type_name(item)
        ))
    })?;
    for k in d.keys() {
        let k: String = k.extract()?;
        if !SUBSCRIBER_FIELDS.contains(&k.as_str()) {
            return Err(PyTypeError::new_err(format!(
                "add_subscribers: item {i} has an unknown key '{k}' (allowed: {})",
                SUBSCRIBER_FIELDS.join(", ")
            )));
        }
    }
    let opt = |k: &str| -> PyResult<Option<String>> {
        match d.get_item(k)? {
            Some(v) if !v.is_none() => v.extract().map(Some).map_err(|e: PyErr| {
                PyTypeError::new_err(format!("add_subscribers: item {i}, {k}: {e}"))
            }),
            _ => Ok(None),
        }
    };
    let required = |k: &str| -> PyResult<String> {
        opt(k)?
            .ok_or_else(|| PyTypeError::new_err(format!("add_subscribers: item {i} lacks '{k}'")))
    };
    Ok(NewSubscriber {
        customer: required("customer")?,
        user_principal_name: required("upn")?,
        display_name: opt("display_name")?,
        usage_location: opt("usage_location")?,
        department: opt("department")?,
        object_id: opt("object_id")?,
        status: match opt("status")? {
            Some(s) => crate::online::status(&s)?,
            None => SubscriberStatus::Active,
        },
    })
}

/// The options of an assignment, from keyword arguments.
fn assign_options(
    expires_at: Option<&Bound<'_, PyAny>>,
    usage_location: Option<String>,
    disabled_plans: Option<Vec<String>>,
    take_number: bool,
) -> PyResult<AssignOptions> {
    Ok(AssignOptions {
        expires_at: crate::online::opt_instant("expires_at", expires_at)?,
        usage_location,
        disabled_plans: disabled_plans.unwrap_or_default(),
        take_number,
    })
}

/// Opens `path` (and `rejects`) and runs an import on the open store.
#[allow(clippy::too_many_arguments)]
fn import_file(
    s: &mut Store,
    path: &Path,
    mode: ImportMode,
    delimiter: u8,
    rejects: Option<&Path>,
    reporter: &mut Reporter,
    run: impl FnOnce(
        &mut Store,
        BufReader<File>,
        ImportOptions<'_>,
    ) -> licstore::Result<licstore::ImportReport>,
) -> licstore::Result<licstore::ImportReport> {
    let input = File::open(path).map_err(|e| io_error(path, e))?;
    let size = input.metadata().ok().map(|m| m.len());
    let mut out = match rejects {
        Some(r) => Some(BufWriter::new(File::create(r).map_err(|e| io_error(r, e))?)),
        None => None,
    };
    let mut tell = |p: Progress| reporter.report(p.bytes, p.total_bytes);
    let mut opts = ImportOptions::new(path.display().to_string());
    opts.mode = mode;
    opts.delimiter = delimiter;
    opts.rejects = out.as_mut().map(|w| w as &mut dyn Write);
    opts.total_bytes = size;
    opts.progress = Some(&mut tell);
    let report = run(s, BufReader::new(input), opts)?;
    if let (Some(mut w), Some(r)) = (out, rejects) {
        w.flush().map_err(|e| io_error(r, e))?;
    }
    Ok(report)
}

/// Writes an export to `path` (replaced); on error the partial file is removed.
fn export_file(
    s: &mut Store,
    path: &Path,
    run: impl FnOnce(&mut Store, &mut dyn Write) -> licstore::Result<u64>,
) -> licstore::Result<u64> {
    let file = File::create(path).map_err(|e| io_error(path, e))?;
    let mut out = BufWriter::new(file);
    let written =
        run(s, &mut out).and_then(|n| out.flush().map(|_| n).map_err(|e| io_error(path, e)));
    if written.is_err() {
        drop(out);
        let _ = std::fs::remove_file(path);
    }
    written
}

impl PyStore {
    pub(crate) fn from_store(store: Store) -> PyStore {
        PyStore {
            path: store.path().map(Path::to_path_buf),
            inner: Mutex::new(Some(store)),
        }
    }

    /// Runs a bulk request and reads its items, under one lock, reporting progress (and letting
    /// Ctrl-C cancel it: nothing written, no job) as `progress` asks.
    fn run_bulk(
        &self,
        py: Python<'_>,
        req: &BulkRequest,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyBulkOutcome> {
        let mut reporter = Reporter::new(py, progress, "bulk job", "user")?;
        let done = py.detach(|| {
            self.locked(|s| {
                let o = s.run_bulk_with_progress(req, &mut |p: JobProgress| {
                    reporter.report(p.done, Some(p.total))
                })?;
                let items = s.job_items(o.job_id)?;
                Ok((o, items))
            })
        });
        let (o, items) = reporter.finish(py, done)?;
        Ok(PyBulkOutcome::new(o, items))
    }

    /// Imports an entity's canonical CSV/TSV file (see `import_csv`).
    #[allow(clippy::too_many_arguments)]
    fn import_entity_file(
        &self,
        py: Python<'_>,
        entity: Entity,
        path: &Path,
        mode: &str,
        format: &str,
        rejects: Option<&Path>,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyImportReport> {
        let mode = parse_mode(mode)?;
        let delimiter = import_delimiter(format)?;
        let mut reporter = Reporter::new(py, progress, "import", "B")?;
        let report = py.detach(|| {
            self.locked(|s| {
                import_file(
                    s,
                    path,
                    mode,
                    delimiter,
                    rejects,
                    &mut reporter,
                    |s, r, o| s.import_entity(entity, r, o),
                )
            })
        });
        Ok(reporter.finish(py, report)?.into())
    }

    /// Runs `f` on the open store, detached from the interpreter.
    pub(crate) fn with<T, F>(&self, py: Python<'_>, f: F) -> PyResult<T>
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

    /// Reads a whole public view (`Store::query_view_parallel`): the biggest views of a file
    /// store by one connection per core, split by customer, on one snapshot. This thread waits
    /// detached and lets Python handle signals every few milliseconds, so Ctrl-C interrupts.
    /// `None` when `name` is not a view this handle shows and `missing_ok` (the caller then runs
    /// its query the usual way, which refuses it); `NotFound` otherwise.
    fn read_view(
        &self,
        py: Python<'_>,
        name: &str,
        opts: QueryOptions,
        missing_ok: bool,
    ) -> PyResult<Option<Frame>> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let main = on_main_thread(py)?;
        let mut signal: Option<PyErr> = None;
        let frame = self.with(py, |s| {
            let mut poll = || {
                if !main {
                    return ControlFlow::Continue(());
                }
                Python::attach(|py| match py.check_signals() {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(e) => {
                        signal = Some(e);
                        ControlFlow::Break(())
                    }
                })
            };
            let parts = match s.query_view_parallel(
                name,
                threads,
                opts,
                &|| FrameSink::new(opts.max_rows),
                &mut poll,
            ) {
                // (Core checks the name first; nothing else it does is NotFound.)
                Err(Error::NotFound { .. }) if missing_ok => return Ok(None),
                other => other?,
            };
            Ok(Some(FrameSink::concat(parts, opts.max_rows)?.finish()))
        });
        match signal {
            Some(e) => Err(e),
            None => frame,
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
    ) -> PyResult<Frame> {
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
                    run_query(s, query, params, opts)
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

/// Runs a query into columns (see `frame.rs`), refusing more rows than `opts.max_rows`.
fn run_query(
    s: &mut Store,
    query: &str,
    params: &Params,
    opts: QueryOptions,
) -> licstore::Result<Frame> {
    let mut sink = FrameSink::new(opts.max_rows);
    s.query_stream(query, params, opts, &mut sink)?;
    Ok(sink.finish())
}

/// Whether this is Python's main thread, the only one that runs signal handlers.
pub(crate) fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
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

/// The view a query reads whole, when it is exactly `SELECT * FROM name` (any case, the name
/// bare or double-quoted, an optional `;`); `None` for any other query.
fn whole_view(query: &str) -> Option<String> {
    let q = query.trim().strip_suffix(';').unwrap_or(query.trim());
    let words: Vec<&str> = q.split_whitespace().collect();
    let [select, "*", from, name] = words[..] else {
        return None;
    };
    if !select.eq_ignore_ascii_case("select") || !from.eq_ignore_ascii_case("from") {
        return None;
    }
    let name = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name);
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    plain.then(|| name.to_ascii_lowercase())
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
    #[pyo3(signature = (path, *, mode = "all_or_nothing", format = "csv", rejects = None, progress = None))]
    fn import_customers(
        &self,
        py: Python<'_>,
        path: PathBuf,
        mode: &str,
        format: &str,
        rejects: Option<PathBuf>,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyImportReport> {
        self.import_entity_file(
            py,
            Entity::Customers,
            &path,
            mode,
            format,
            rejects.as_deref(),
            progress,
        )
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

    // --- volume licensing (docs/volume.md) ---

    /// Adds a licensing ID (an agreement, enrollment or license number) of a customer and
    /// returns it. ``program`` is one of ``Enterprise``, ``EnterpriseSubscription``, ``Select``,
    /// ``SelectPlus``, ``Open``, ``OpenValue``, ``OpenValueSubscription``, ``Academic``,
    /// ``Other`` (case, spaces, ``-`` and ``_`` ignored); dates are ``datetime.date``. Raises
    /// ``NotFound`` (customer), ``AlreadyExists`` (number, in any case), ``InvalidArgument``
    /// (empty number, unknown program, end before start).
    #[pyo3(signature = (number, *, customer, program, parent_program = None, mbsa = None, partner = None, start_date = None, end_date = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_licensing_id(
        &self,
        py: Python<'_>,
        number: String,
        customer: String,
        program: &str,
        parent_program: Option<String>,
        mbsa: Option<String>,
        partner: Option<String>,
        start_date: Option<Bound<'_, PyAny>>,
        end_date: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyLicensingId> {
        let mut lid = NewLicensingId::new(number, customer, parse::<Program>(program)?);
        lid.parent_program = parent_program;
        lid.mbsa = mbsa;
        lid.partner = partner;
        lid.start_date = opt_day("start_date", start_date.as_ref())?;
        lid.end_date = opt_day("end_date", end_date.as_ref())?;
        self.with(py, |s| s.add_licensing_id(&lid))
            .map(PyLicensingId::from)
    }

    /// The licensing ID with this number (without regard to case); raises ``NotFound``.
    fn licensing_id(&self, py: Python<'_>, number: String) -> PyResult<PyLicensingId> {
        self.with(py, |s| s.licensing_id(&number))
            .map(PyLicensingId::from)
    }

    /// Every licensing ID (of one customer, when given), by number.
    #[pyo3(signature = (customer = None))]
    fn licensing_ids(
        &self,
        py: Python<'_>,
        customer: Option<String>,
    ) -> PyResult<Vec<PyLicensingId>> {
        let list = self.with(py, |s| s.licensing_ids(customer.as_deref()))?;
        Ok(list.into_iter().map(PyLicensingId::from).collect())
    }

    /// Adds a product (family and version, in ``pool`` ``Applications``, ``Systems`` or
    /// ``Servers``) and returns it. Raises ``AlreadyExists`` for a duplicate.
    #[pyo3(signature = (family, version, *, pool))]
    fn add_product(
        &self,
        py: Python<'_>,
        family: String,
        version: String,
        pool: &str,
    ) -> PyResult<PyProduct> {
        let p = NewProduct {
            family,
            version,
            pool: parse::<Pool>(pool)?,
        };
        self.with(py, |s| s.add_product(&p)).map(PyProduct::from)
    }

    /// The product of this family and version; raises ``NotFound``.
    fn product(&self, py: Python<'_>, family: String, version: String) -> PyResult<PyProduct> {
        self.with(py, |s| s.product(&family, &version))
            .map(PyProduct::from)
    }

    /// Every product, by family and version.
    fn products(&self, py: Python<'_>) -> PyResult<Vec<PyProduct>> {
        let list = self.with(py, |s| s.products())?;
        Ok(list.into_iter().map(PyProduct::from).collect())
    }

    /// Adds an entitlement (an order line) and returns it. ``kind`` is ``full``,
    /// ``license_and_sa``, ``grant``, ``upgrade``, ``sa`` or ``step_up``; ``from_family`` only for
    /// ``step_up``, ``granted_by`` (the earning line's id) only for ``grant``, ``sa_end`` only on a
    /// kind with SA coverage. Raises ``NotFound`` (licensing ID, product) and
    /// ``InvalidArgument`` for a line the rules refuse.
    #[pyo3(signature = (licensing_id, family, version, *, quantity, kind, order_date, sa_end = None, from_family = None, granted_by = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_entitlement(
        &self,
        py: Python<'_>,
        licensing_id: String,
        family: String,
        version: String,
        quantity: i64,
        kind: &str,
        order_date: Bound<'_, PyAny>,
        sa_end: Option<Bound<'_, PyAny>>,
        from_family: Option<String>,
        granted_by: Option<i64>,
    ) -> PyResult<PyEntitlement> {
        let e = NewEntitlement {
            licensing_id,
            family,
            version,
            quantity,
            kind: parse::<EntitlementKind>(kind)?,
            from_family,
            order_date: day("order_date", &order_date)?,
            sa_end: opt_day("sa_end", sa_end.as_ref())?,
            granted_by,
        };
        self.with(py, |s| s.add_entitlement(&e))
            .map(PyEntitlement::from)
    }

    /// Adds many entitlements in one transaction, all or none: each line a dict with the keys
    /// of ``add_entitlement``'s arguments (``licensing_id``, ``family``, ``version``,
    /// ``quantity``, ``kind``, ``order_date`` and optionally ``sa_end``, ``from_family``,
    /// ``granted_by``). Returns the new lines in order.
    fn add_entitlements(
        &self,
        py: Python<'_>,
        lines: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyEntitlement>> {
        let lines = lines
            .iter()
            .enumerate()
            .map(|(i, l)| entitlement_from_mapping(i, l))
            .collect::<PyResult<Vec<_>>>()?;
        let added = self.with(py, |s| s.add_entitlements(&lines))?;
        Ok(added.into_iter().map(PyEntitlement::from).collect())
    }

    /// Every entitlement (of one licensing ID, when given), by id.
    #[pyo3(signature = (licensing_id = None))]
    fn entitlements(
        &self,
        py: Python<'_>,
        licensing_id: Option<String>,
    ) -> PyResult<Vec<PyEntitlement>> {
        let list = self.with(py, |s| s.entitlements(licensing_id.as_deref()))?;
        Ok(list.into_iter().map(PyEntitlement::from).collect())
    }

    /// The license summary of a customer as of ``as_of`` (a ``datetime.date``; default: today
    /// by the store's clock), over all its licensing IDs or only ``licensing_ids``. Returns a
    /// ``LicenseSummary``: a sequence of ``SummaryLine`` with ``to_pandas()``. Raises
    /// ``NotFound`` (customer, licensing ID), ``InvalidArgument`` (a licensing ID of another
    /// customer).
    #[pyo3(signature = (customer, *, as_of = None, licensing_ids = None))]
    fn license_summary(
        &self,
        py: Python<'_>,
        customer: String,
        as_of: Option<Bound<'_, PyAny>>,
        licensing_ids: Option<Vec<String>>,
    ) -> PyResult<PyLicenseSummary> {
        let q = SummaryQuery {
            customer,
            as_of: opt_day("as_of", as_of.as_ref())?,
            licensing_ids: licensing_ids.unwrap_or_default(),
        };
        let (name, day, lines) = self.with(py, |s| {
            let name = s.customer(&q.customer)?.name;
            let day = q.as_of.unwrap_or_else(|| s.now().date_naive());
            Ok((name, day, s.license_summary(&q)?))
        })?;
        Ok(PyLicenseSummary::new(name, day, lines))
    }

    /// Adds a product key and returns it, masked. ``key_type`` is ``MAK``, ``KMS``, ``VLK``,
    /// ``Setup``, ``OSA`` or ``Retail``; a MAK needs ``activation_limit`` (others refuse one) and
    /// may carry ``baseline_used`` activations made before the store recorded any. Errors show
    /// only the key's last 5 characters.
    #[pyo3(signature = (licensing_id, product, key, *, key_type, activation_limit = None, baseline_used = 0))]
    #[allow(clippy::too_many_arguments)]
    fn add_product_key(
        &self,
        py: Python<'_>,
        licensing_id: String,
        product: String,
        key: String,
        key_type: &str,
        activation_limit: Option<i64>,
        baseline_used: i64,
    ) -> PyResult<PyProductKey> {
        let k = NewProductKey {
            licensing_id,
            product,
            key,
            key_type: parse::<KeyType>(key_type)?,
            activation_limit,
            baseline_used,
        };
        self.with(py, |s| s.add_product_key(&k))
            .map(PyProductKey::from)
    }

    /// The key with this id, masked; raises ``NotFound``.
    fn product_key(&self, py: Python<'_>, id: i64) -> PyResult<PyProductKey> {
        self.with(py, |s| s.product_key(id)).map(PyProductKey::from)
    }

    /// The key with this value, masked (for callers who hold a key and need its id); raises
    /// ``NotFound``.
    fn find_product_key(&self, py: Python<'_>, key: String) -> PyResult<PyProductKey> {
        self.with(py, |s| s.find_product_key(&key))
            .map(PyProductKey::from)
    }

    /// Every key (of one licensing ID, when given), masked, by id.
    #[pyo3(signature = (licensing_id = None))]
    fn product_keys(
        &self,
        py: Python<'_>,
        licensing_id: Option<String>,
    ) -> PyResult<Vec<PyProductKey>> {
        let list = self.with(py, |s| s.product_keys(licensing_id.as_deref()))?;
        Ok(list.into_iter().map(PyProductKey::from).collect())
    }

    /// The full key. Writes a ``product_key.reveal`` audit row with the actor and ``reason``.
    fn reveal_key(&self, py: Python<'_>, id: i64, reason: String) -> PyResult<String> {
        self.with(py, |s| s.reveal_key(id, &reason))
    }

    /// Records one independent activation of key ``id`` by ``machine``. Raises
    /// ``ActivationLimitReached`` past a MAK's limit or on a used OSA key,
    /// ``KmsHostLimitReached`` past the KMS rules (hosts, 10 activations per host),
    /// ``InvalidState`` for VLK and Setup keys; a refusal writes nothing.
    fn activate_key(&self, py: Python<'_>, id: i64, machine: String) -> PyResult<PyActivation> {
        self.with(py, |s| s.activate_key(id, &machine))
            .map(PyActivation::from)
    }

    /// Proxy activation of many machines with key ``id``: records every machine, or none when
    /// any would break a rule (or the list is empty or names a machine twice).
    fn proxy_activate(
        &self,
        py: Python<'_>,
        id: i64,
        machines: Vec<String>,
    ) -> PyResult<Vec<PyActivation>> {
        let list = self.with(py, |s| {
            let m: Vec<&str> = machines.iter().map(String::as_str).collect();
            s.proxy_activate(id, &m)
        })?;
        Ok(list.into_iter().map(PyActivation::from).collect())
    }

    /// The activations of key ``id``, oldest first.
    fn key_activations(&self, py: Python<'_>, id: i64) -> PyResult<Vec<PyActivation>> {
        let list = self.with(py, |s| s.key_activations(id))?;
        Ok(list.into_iter().map(PyActivation::from).collect())
    }

    /// Requests ``activations`` more activations (MAK) or hosts (KMS) for key ``id``, with a
    /// business justification; the request is ``Pending``.
    fn request_limit_increase(
        &self,
        py: Python<'_>,
        id: i64,
        activations: i64,
        justification: String,
    ) -> PyResult<PyLimitIncreaseRequest> {
        self.with(py, |s| {
            s.request_limit_increase(id, activations, &justification)
        })
        .map(PyLimitIncreaseRequest::from)
    }

    /// Decides a pending request: ``grant=True`` raises the key's limit, ``False`` denies it.
    /// Deciding twice raises ``InvalidState``.
    #[pyo3(signature = (request_id, *, grant))]
    fn decide_limit_increase(
        &self,
        py: Python<'_>,
        request_id: i64,
        grant: bool,
    ) -> PyResult<PyLimitIncreaseRequest> {
        self.with(py, |s| s.decide_limit_increase(request_id, grant))
            .map(PyLimitIncreaseRequest::from)
    }

    /// Every limit-increase request (for one key, when given), by id.
    #[pyo3(signature = (key_id = None))]
    fn limit_increase_requests(
        &self,
        py: Python<'_>,
        key_id: Option<i64>,
    ) -> PyResult<Vec<PyLimitIncreaseRequest>> {
        let list = self.with(py, |s| s.limit_increase_requests(key_id))?;
        Ok(list.into_iter().map(PyLimitIncreaseRequest::from).collect())
    }

    /// Adds a Software Assurance benefit to a licensing ID (all ``eligible_quantity`` units
    /// remain). ``status``: ``RequiresActivation`` (the default), ``Activated``,
    /// ``HoldAwaitingReactivation`` or ``Expired``.
    #[pyo3(signature = (licensing_id, benefit, *, eligible_quantity, status = "RequiresActivation"))]
    fn add_sa_benefit(
        &self,
        py: Python<'_>,
        licensing_id: String,
        benefit: String,
        eligible_quantity: i64,
        status: &str,
    ) -> PyResult<PySaBenefit> {
        let b = NewSaBenefit {
            licensing_id,
            benefit,
            eligible_quantity,
            status: parse::<BenefitStatus>(status)?,
        };
        self.with(py, |s| s.add_sa_benefit(&b))
            .map(PySaBenefit::from)
    }

    /// The benefit with this id; raises ``NotFound``.
    fn sa_benefit(&self, py: Python<'_>, id: i64) -> PyResult<PySaBenefit> {
        self.with(py, |s| s.sa_benefit(id)).map(PySaBenefit::from)
    }

    /// Every benefit (of one licensing ID, when given).
    #[pyo3(signature = (licensing_id = None))]
    fn sa_benefits(
        &self,
        py: Python<'_>,
        licensing_id: Option<String>,
    ) -> PyResult<Vec<PySaBenefit>> {
        let list = self.with(py, |s| s.sa_benefits(licensing_id.as_deref()))?;
        Ok(list.into_iter().map(PySaBenefit::from).collect())
    }

    /// Moves a benefit to ``status``; a transition the rules do not allow raises
    /// ``InvalidState`` (an Expired benefit allows none).
    fn set_sa_benefit_status(
        &self,
        py: Python<'_>,
        id: i64,
        status: &str,
    ) -> PyResult<PySaBenefit> {
        let status = parse::<BenefitStatus>(status)?;
        self.with(py, |s| s.set_sa_benefit_status(id, status))
            .map(PySaBenefit::from)
    }

    /// Uses ``quantity`` units of an Activated benefit. Raises ``BenefitExhausted`` when fewer
    /// remain, ``InvalidState`` when the benefit is not Activated.
    fn use_sa_benefit(&self, py: Python<'_>, id: i64, quantity: i64) -> PyResult<PySaBenefit> {
        self.with(py, |s| s.use_sa_benefit(id, quantity))
            .map(PySaBenefit::from)
    }

    /// Submits a reservation of an online service under an Enterprise (or Enterprise
    /// Subscription) licensing ID, used from ``usage_date`` (today to 6 months ahead, within the
    /// enrollment). Raises ``ReservationNotAllowed`` (naming the licensing ID) when the rules
    /// refuse it.
    #[pyo3(signature = (licensing_id, service, sku, *, quantity, usage_date))]
    fn submit_reservation(
        &self,
        py: Python<'_>,
        licensing_id: String,
        service: String,
        sku: String,
        quantity: i64,
        usage_date: Bound<'_, PyAny>,
    ) -> PyResult<PyReservation> {
        let r = NewReservation {
            licensing_id,
            service,
            sku,
            quantity,
            usage_date: day("usage_date", &usage_date)?,
        };
        self.with(py, |s| s.submit_reservation(&r))
            .map(PyReservation::from)
    }

    /// Cancels a reservation within 72 hours of its submission; later it is committed
    /// (``ReservationNotAllowed``). Cancelling twice raises ``InvalidState``.
    fn cancel_reservation(&self, py: Python<'_>, id: i64) -> PyResult<PyReservation> {
        self.with(py, |s| s.cancel_reservation(id))
            .map(PyReservation::from)
    }

    /// Reservation history, newest first, with statuses as of the store's clock: every
    /// reservation, or those of one ``service`` or ``licensing_id``, or the one with id ``id``
    /// (at most one filter).
    #[pyo3(signature = (*, service = None, licensing_id = None, id = None))]
    fn reservations(
        &self,
        py: Python<'_>,
        service: Option<String>,
        licensing_id: Option<String>,
        id: Option<i64>,
    ) -> PyResult<Vec<PyReservation>> {
        let by = match (service, licensing_id, id) {
            (None, None, None) => ReservationHistory::All,
            (Some(s), None, None) => ReservationHistory::Service(s),
            (None, Some(l), None) => ReservationHistory::LicensingId(l),
            (None, None, Some(i)) => ReservationHistory::Reservation(i),
            (s, l, i) => {
                return Err(invalid(
                    "reservations filter",
                    format!("service={s:?}, licensing_id={l:?}, id={i:?}"),
                    "give at most one of service, licensing_id and id",
                ))
            }
        };
        let list = self.with(py, |s| s.reservations(&by))?;
        Ok(list.into_iter().map(PyReservation::from).collect())
    }

    /// Imports a VLSC product-key download (tab- or comma-delimited, detected from the header):
    /// creates missing customers, licensing IDs and keys, updates MAK counts of known keys.
    /// ``mode`` and ``rejects`` work as for ``import_customers``; errors name file, line, column
    /// and value with keys masked.
    #[pyo3(signature = (path, *, mode = "all_or_nothing", rejects = None, progress = None))]
    fn import_vlsc_keys(
        &self,
        py: Python<'_>,
        path: PathBuf,
        mode: &str,
        rejects: Option<PathBuf>,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyImportReport> {
        let mode = parse_mode(mode)?;
        let mut reporter = Reporter::new(py, progress, "import", "B")?;
        let report = py.detach(|| {
            self.locked(|s| {
                import_file(
                    s,
                    &path,
                    mode,
                    b'\t',
                    rejects.as_deref(),
                    &mut reporter,
                    |s, r, o| s.import_vlsc_keys(r, o),
                )
            })
        });
        Ok(reporter.finish(py, report)?.into())
    }

    /// Writes the product keys (of one licensing ID, when given) in the VLSC download format:
    /// tab-delimited, or comma-delimited with ``format="csv"``. Keys are masked unless
    /// ``reveal=True``, which audits every key written as ``product_key.reveal``. Returns the
    /// number of rows written; the file is replaced, and removed on error.
    #[pyo3(signature = (path, *, reveal = false, licensing_id = None, format = "tsv"))]
    fn export_vlsc_keys(
        &self,
        py: Python<'_>,
        path: PathBuf,
        reveal: bool,
        licensing_id: Option<String>,
        format: &str,
    ) -> PyResult<u64> {
        let comma = match parse_format(format)? {
            Format::Tsv => false,
            Format::Csv => true,
            _ => {
                return Err(invalid(
                    "VLSC export format",
                    format,
                    "must be \"tsv\" or \"csv\"",
                ))
            }
        };
        let opts = VlscExportOptions {
            licensing_id,
            reveal,
            comma,
        };
        self.with(py, |s| {
            export_file(s, &path, |s, out| s.export_vlsc_keys(out, &opts))
        })
    }

    // --- online services (docs/online.md) ---

    /// Replaces the product catalog with a newer copy of Microsoft's "Product names and service
    /// plan identifiers" CSV, all or nothing. SKUs already subscribed keep working.
    fn import_catalog(&self, py: Python<'_>, path: PathBuf) -> PyResult<PyCatalogReport> {
        self.with(py, |s| {
            let input = File::open(&path).map_err(|e| io_error(&path, e))?;
            s.import_catalog(BufReader::new(input), &path.display().to_string())
        })
        .map(PyCatalogReport::from)
    }

    /// A SKU of the catalog by GUID or part number. Raises ``SkuNotFound``, or
    /// ``InvalidArgument`` for a part number the catalog maps to several GUIDs.
    fn catalog_sku(&self, py: Python<'_>, sku: String) -> PyResult<PyCatalogSku> {
        self.with(py, |s| s.catalog_sku(&sku))
            .map(PyCatalogSku::from)
    }

    /// The GUIDs the catalog knows under a friendly name (primary name or alias, without
    /// regard to case); empty when none.
    fn catalog_by_name(&self, py: Python<'_>, display_name: String) -> PyResult<Vec<String>> {
        self.with(py, |s| s.catalog_by_name(&display_name))
    }

    /// Adds a subscribed SKU to a customer (``sku`` by GUID or part number), or updates its
    /// units, status, term end and reported consumption when it is there already; returns it.
    /// ``capability_status`` is ``Enabled``, ``Warning``, ``Suspended``, ``Deleted`` or
    /// ``LockedOut``; ``applies_to`` ``User`` or ``Company``; ``term_end`` a ``datetime.date``.
    /// Raises ``NotFound`` (customer), ``SkuNotFound``, ``InvalidArgument``.
    #[pyo3(signature = (customer, sku, *, enabled, warning = 0, suspended = 0, locked_out = 0, capability_status = "Enabled", applies_to = "User", term_end = None, reported_consumed = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_sku(
        &self,
        py: Python<'_>,
        customer: String,
        sku: String,
        enabled: i64,
        warning: i64,
        suspended: i64,
        locked_out: i64,
        capability_status: &str,
        applies_to: &str,
        term_end: Option<Bound<'_, PyAny>>,
        reported_consumed: Option<i64>,
    ) -> PyResult<PySku> {
        let new = NewSku {
            customer,
            sku,
            units: Units {
                enabled,
                warning,
                suspended,
                locked_out,
            },
            capability_status: Some(capability_status.to_string()),
            applies_to: Some(applies_to.to_string()),
            term_end: opt_day("term_end", term_end.as_ref())?
                .map(|d| d.format("%Y-%m-%d").to_string()),
            reported_consumed,
        };
        self.with(py, |s| s.set_sku(&new)).map(PySku::from)
    }

    /// One of a customer's SKUs (by GUID or part number) with assigned, available and drift.
    /// Raises ``NotFound`` (customer), ``SkuNotFound``.
    fn sku(&self, py: Python<'_>, customer: String, sku: String) -> PyResult<PySku> {
        self.with(py, |s| s.sku(&customer, &sku)).map(PySku::from)
    }

    /// A customer's SKUs with assigned, available and drift, by friendly name: a ``SkuUsage``
    /// (a sequence of ``Sku``) with ``to_pandas()``. Raises ``NotFound`` (customer).
    fn sku_usage(&self, py: Python<'_>, customer: String) -> PyResult<PySkuUsage> {
        let (name, skus) = self.with(py, |s| {
            let skus = s.sku_usage(&customer)?;
            Ok((s.customer(&customer)?.name, skus))
        })?;
        Ok(PySkuUsage::new(name, skus))
    }

    /// Adds a subscriber (user) to a customer and returns it. The UPN must be new to the store
    /// (without regard to case); ``usage_location`` is an ISO 3166 alpha-2 code; ``status`` is
    /// ``Staged``, ``Active`` (default) or ``Offboarded``. Raises ``NotFound`` (customer),
    /// ``AlreadyExists``, ``InvalidArgument``.
    #[pyo3(signature = (customer, upn, *, display_name = None, usage_location = None, department = None, object_id = None, status = "Active"))]
    #[allow(clippy::too_many_arguments)]
    fn add_subscriber(
        &self,
        py: Python<'_>,
        customer: String,
        upn: String,
        display_name: Option<String>,
        usage_location: Option<String>,
        department: Option<String>,
        object_id: Option<String>,
        status: &str,
    ) -> PyResult<PySubscriber> {
        let n = NewSubscriber {
            customer,
            user_principal_name: upn,
            display_name,
            usage_location,
            department,
            object_id,
            status: online::status(status)?,
        };
        self.with(py, |s| s.add_subscriber(&n))
            .map(PySubscriber::from)
    }

    /// Adds many subscribers in one transaction, all or none: each a dict with the keys
    /// ``customer``, ``upn`` and optionally ``display_name``, ``usage_location``,
    /// ``department``, ``object_id``, ``status``. Returns how many were added.
    fn add_subscribers(&self, py: Python<'_>, subscribers: Vec<Bound<'_, PyAny>>) -> PyResult<u64> {
        let subs = subscribers
            .iter()
            .enumerate()
            .map(|(i, d)| subscriber_from_mapping(i, d))
            .collect::<PyResult<Vec<_>>>()?;
        self.with(py, |s| s.add_subscribers(&subs))
    }

    /// Changes a subscriber's fields and returns it: omitted arguments are kept, None clears
    /// an optional field. ``status`` may be ``Staged`` or ``Active``; use ``offboard`` to
    /// offboard. Raises ``UserNotFound``, ``InvalidArgument``, ``InvalidState``.
    #[pyo3(signature = (upn, *, display_name = Change::Keep, usage_location = Change::Keep, department = Change::Keep, object_id = Change::Keep, status = None))]
    #[allow(clippy::too_many_arguments)]
    fn update_subscriber(
        &self,
        py: Python<'_>,
        upn: String,
        display_name: Change,
        usage_location: Change,
        department: Change,
        object_id: Change,
        status: Option<&str>,
    ) -> PyResult<PySubscriber> {
        let u = SubscriberUpdate {
            display_name: display_name.into_core(),
            usage_location: usage_location.into_core(),
            department: department.into_core(),
            object_id: object_id.into_core(),
            status: status.map(online::status).transpose()?,
        };
        self.with(py, |s| s.update_subscriber(&upn, &u))
            .map(PySubscriber::from)
    }

    /// The subscriber with this UPN (without regard to case); raises ``UserNotFound``.
    fn subscriber(&self, py: Python<'_>, upn: String) -> PyResult<PySubscriber> {
        self.with(py, |s| s.subscriber(&upn))
            .map(PySubscriber::from)
    }

    /// A customer's subscribers, by UPN. Raises ``NotFound`` (customer).
    fn subscribers(&self, py: Python<'_>, customer: String) -> PyResult<Vec<PySubscriber>> {
        let list = self.with(py, |s| s.subscribers(&customer))?;
        Ok(list.into_iter().map(PySubscriber::from).collect())
    }

    /// Adds a group to a customer. Raises ``NotFound`` (customer), ``AlreadyExists``.
    fn add_group(&self, py: Python<'_>, customer: String, name: String) -> PyResult<()> {
        self.with(py, |s| s.add_group(&customer, &name))
    }

    /// Adds users (UPNs of the same customer) to a group; members already there are kept.
    /// Returns how many were added. Raises ``NotFound`` (group), ``UserNotFound``.
    fn add_group_members(
        &self,
        py: Python<'_>,
        customer: String,
        group: String,
        upns: Vec<String>,
    ) -> PyResult<u64> {
        self.with(py, |s| {
            let refs: Vec<&str> = upns.iter().map(String::as_str).collect();
            s.add_group_members(&customer, &group, &refs)
        })
    }

    /// A group's members, by UPN. Raises ``NotFound`` (customer, group).
    fn group_members(
        &self,
        py: Python<'_>,
        customer: String,
        group: String,
    ) -> PyResult<Vec<String>> {
        self.with(py, |s| s.group_members(&customer, &group))
    }

    /// Adds a rule between SKUs, valid for every customer (idempotent). Give exactly one of:
    /// ``requires=[base, ...]`` (``sku`` is an add-on needing any one of them), ``excludes=other``
    /// (one user cannot hold both), ``blocked_in=["CU", ...]`` (``sku`` cannot go to users in
    /// those usage locations). Raises ``SkuNotFound``, ``InvalidArgument``, ``TypeError``.
    #[pyo3(signature = (sku, *, requires = None, excludes = None, blocked_in = None))]
    fn add_sku_rule(
        &self,
        py: Python<'_>,
        sku: String,
        requires: Option<Vec<String>>,
        excludes: Option<String>,
        blocked_in: Option<Vec<String>>,
    ) -> PyResult<()> {
        let rule = match (requires, excludes, blocked_in) {
            (Some(any_of), None, None) => SkuRule::Requires { sku, any_of },
            (None, Some(other), None) => SkuRule::Excludes { sku, other },
            (None, None, Some(countries)) => SkuRule::BlockedIn { sku, countries },
            _ => {
                return Err(PyTypeError::new_err(
                    "add_sku_rule takes exactly one of requires=, excludes= or blocked_in=",
                ))
            }
        };
        self.with(py, |s| s.add_sku_rule(&rule))
    }

    /// Assigns one SKU to one user (not a job). Returns True when assigned, False when the
    /// user held it already. ``expires_at`` (an aware datetime, or a date meaning midnight UTC)
    /// makes it temporary; ``usage_location`` is set on a user without one; ``disabled_plans``
    /// are service-plan GUIDs to switch off; ``take_number`` gives a user receiving a
    /// voice-capable SKU the next available phone number. A rule's refusal raises its
    /// exception (``CountViolation``, ``DependencyViolation``, ...) with ``.subject`` the UPN.
    #[pyo3(signature = (upn, sku, *, expires_at = None, usage_location = None, disabled_plans = None, take_number = false))]
    #[allow(clippy::too_many_arguments)]
    fn assign_license(
        &self,
        py: Python<'_>,
        upn: String,
        sku: String,
        expires_at: Option<Bound<'_, PyAny>>,
        usage_location: Option<String>,
        disabled_plans: Option<Vec<String>>,
        take_number: bool,
    ) -> PyResult<bool> {
        let opts = assign_options(
            expires_at.as_ref(),
            usage_location,
            disabled_plans,
            take_number,
        )?;
        self.with(py, |s| s.assign_license(&upn, &sku, &opts))
    }

    /// Removes one SKU from one user; False when the user did not hold it.
    fn remove_license(&self, py: Python<'_>, upn: String, sku: String) -> PyResult<bool> {
        self.with(py, |s| s.remove_license(&upn, &sku))
    }

    /// The licenses a user holds now, by friendly name. Raises ``UserNotFound``.
    fn licenses(&self, py: Python<'_>, upn: String) -> PyResult<Vec<PyLicense>> {
        let list = self.with(py, |s| s.licenses(&upn))?;
        Ok(list.into_iter().map(PyLicense::from).collect())
    }

    /// Who held a customer's SKU at an instant (an aware datetime, or a date meaning midnight
    /// UTC), from the assignment history; UPNs in order.
    fn holders_at(
        &self,
        py: Python<'_>,
        customer: String,
        sku: String,
        when: Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        let at = online::instant("when", &when)?;
        self.with(py, |s| s.holders_at(&customer, &sku, &at))
    }

    /// A dry run of a bulk operation; nothing is written. ``op`` is ``"assign"``, ``"remove"``
    /// or ``"replace"``; the other arguments are those of ``assign``, ``remove`` and
    /// ``replace`` (``old`` only for replace). Returns a ``BulkPreview``: per SKU whether all,
    /// some or none of the targets hold it with the seats needed, freed and available, and the
    /// users that would fail.
    #[pyo3(signature = (op, skus, *, customer, users = None, groups = None, filter = None, old = None, expires_at = None, usage_location = None, disabled_plans = None, take_number = false))]
    #[allow(clippy::too_many_arguments)]
    fn preview(
        &self,
        py: Python<'_>,
        op: &str,
        skus: Vec<String>,
        customer: String,
        users: Option<Vec<String>>,
        groups: Option<Vec<String>>,
        filter: Option<Bound<'_, PyAny>>,
        old: Option<Vec<String>>,
        expires_at: Option<Bound<'_, PyAny>>,
        usage_location: Option<String>,
        disabled_plans: Option<Vec<String>>,
        take_number: bool,
    ) -> PyResult<PyBulkPreview> {
        if old.is_some() && op != "replace" {
            return Err(PyTypeError::new_err(
                "preview: old= applies to \"replace\" only",
            ));
        }
        let options = assign_options(
            expires_at.as_ref(),
            usage_location,
            disabled_plans,
            take_number,
        )?;
        if op == "remove" && options != AssignOptions::default() {
            return Err(PyTypeError::new_err(
                "preview: expires_at=, usage_location=, disabled_plans= and take_number= apply to \"assign\" and \"replace\" only",
            ));
        }
        let op = match op {
            "assign" => BulkOp::Assign { skus, options },
            "remove" => BulkOp::Remove { skus },
            "replace" => BulkOp::Replace {
                from: old.map_or(ReplaceFrom::All, ReplaceFrom::Skus),
                to: skus,
                options,
            },
            _ => {
                return Err(invalid(
                    "bulk operation",
                    op,
                    "must be \"assign\", \"remove\" or \"replace\"",
                ))
            }
        };
        let req = BulkRequest {
            customer,
            targets: online::targets(users, groups, filter.as_ref())?,
            op,
            mode: BulkMode::Atomic,
        };
        self.with(py, |s| s.preview_bulk(&req))
            .map(PyBulkPreview::from)
    }

    /// Gives each target user ``skus`` (GUIDs or part numbers) as one job. Name the users with
    /// exactly one of ``users`` (UPNs), ``groups`` (group names) or ``filter`` (a dict of
    /// ``department``, ``usage_location``, ``status``, ``domain``). ``mode="atomic"`` (default)
    /// refuses the whole run when any user fails, raising ``BulkOperationFailed`` with
    /// ``.failures`` and ``.job_id`` (a ``Failed`` job that ``rerun_job`` can retry);
    /// ``"best_effort"`` applies the users that pass. Returns a ``BulkOutcome`` with every
    /// user's item.
    #[pyo3(signature = (skus, *, customer, users = None, groups = None, filter = None, expires_at = None, usage_location = None, disabled_plans = None, take_number = false, mode = "atomic", progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn assign(
        &self,
        py: Python<'_>,
        skus: Vec<String>,
        customer: String,
        users: Option<Vec<String>>,
        groups: Option<Vec<String>>,
        filter: Option<Bound<'_, PyAny>>,
        expires_at: Option<Bound<'_, PyAny>>,
        usage_location: Option<String>,
        disabled_plans: Option<Vec<String>>,
        take_number: bool,
        mode: &str,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyBulkOutcome> {
        let options = assign_options(
            expires_at.as_ref(),
            usage_location,
            disabled_plans,
            take_number,
        )?;
        let req = BulkRequest {
            customer,
            targets: online::targets(users, groups, filter.as_ref())?,
            op: BulkOp::Assign { skus, options },
            mode: online::bulk_mode(mode)?,
        };
        self.run_bulk(py, &req, progress)
    }

    /// Takes ``skus`` away from each target user as one job; users, modes and the result as
    /// for ``assign``.
    #[pyo3(signature = (skus, *, customer, users = None, groups = None, filter = None, mode = "atomic", progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn remove(
        &self,
        py: Python<'_>,
        skus: Vec<String>,
        customer: String,
        users: Option<Vec<String>>,
        groups: Option<Vec<String>>,
        filter: Option<Bound<'_, PyAny>>,
        mode: &str,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyBulkOutcome> {
        let req = BulkRequest {
            customer,
            targets: online::targets(users, groups, filter.as_ref())?,
            op: BulkOp::Remove { skus },
            mode: online::bulk_mode(mode)?,
        };
        self.run_bulk(py, &req, progress)
    }

    /// Replaces ``old`` (a list of SKUs; None: every SKU the user holds) with ``skus`` for each
    /// target user, one step per user (the removal frees seats before the addition takes
    /// them), as one job; the rest as for ``assign``.
    #[pyo3(signature = (skus, *, customer, old = None, users = None, groups = None, filter = None, expires_at = None, usage_location = None, disabled_plans = None, take_number = false, mode = "atomic", progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        py: Python<'_>,
        skus: Vec<String>,
        customer: String,
        old: Option<Vec<String>>,
        users: Option<Vec<String>>,
        groups: Option<Vec<String>>,
        filter: Option<Bound<'_, PyAny>>,
        expires_at: Option<Bound<'_, PyAny>>,
        usage_location: Option<String>,
        disabled_plans: Option<Vec<String>>,
        take_number: bool,
        mode: &str,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyBulkOutcome> {
        let options = assign_options(
            expires_at.as_ref(),
            usage_location,
            disabled_plans,
            take_number,
        )?;
        let req = BulkRequest {
            customer,
            targets: online::targets(users, groups, filter.as_ref())?,
            op: BulkOp::Replace {
                from: old.map_or(ReplaceFrom::All, ReplaceFrom::Skus),
                to: skus,
                options,
            },
            mode: online::bulk_mode(mode)?,
        };
        self.run_bulk(py, &req, progress)
    }

    /// Reruns a ``Failed`` or ``FinishedWithException`` job: the same request, limited to its
    /// failed users, as a new job (``rerun_of`` names the old one). Raises ``NotFound``,
    /// ``InvalidState`` (a job that cannot be rerun), ``BulkOperationFailed``.
    fn rerun_job(&self, py: Python<'_>, job_id: i64) -> PyResult<PyBulkOutcome> {
        let (o, items) = self.with(py, |s| {
            let o = s.rerun_job(job_id)?;
            let items = s.job_items(o.job_id)?;
            Ok((o, items))
        })?;
        Ok(PyBulkOutcome::new(o, items))
    }

    /// A job with its item counts; raises ``NotFound``.
    fn job(&self, py: Python<'_>, job_id: i64) -> PyResult<PyJob> {
        self.with(py, |s| s.job(job_id)).map(PyJob::from)
    }

    /// A job's items in run order: ``JobItems`` (a sequence of ``JobItem``) with
    /// ``to_pandas()``. Raises ``NotFound``.
    fn job_items(&self, py: Python<'_>, job_id: i64) -> PyResult<PyJobItems> {
        let items = self.with(py, |s| s.job_items(job_id))?;
        Ok(PyJobItems::new(job_id, items))
    }

    /// Writes a job's items (the ``job_items`` view) to ``path`` as CSV (or ``"tsv"``,
    /// ``"jsonl"``); returns the number of rows. The file is replaced; on error it is removed.
    #[pyo3(signature = (job_id, path, *, format = "csv"))]
    fn export_job_items(
        &self,
        py: Python<'_>,
        job_id: i64,
        path: PathBuf,
        format: &str,
    ) -> PyResult<u64> {
        let format = parse_format(format)?;
        self.with(py, |s| {
            s.job(job_id)?;
            export_file(s, &path, |s, out| s.export_job_items(job_id, format, out))
        })
    }

    /// Removes every temporary license whose expiry is at or before ``now`` (an aware datetime
    /// or a date; default: the store's clock), store-wide, as one ``expire`` job.
    #[pyo3(signature = (now = None))]
    fn expire(&self, py: Python<'_>, now: Option<Bound<'_, PyAny>>) -> PyResult<PyBulkOutcome> {
        let now = online::opt_instant("now", now.as_ref())?;
        let (o, items) = self.with(py, |s| {
            let t = now.unwrap_or_else(|| licstore::store::format_ts(s.now()));
            let o = s.expire(&t)?;
            let items = s.job_items(o.job_id)?;
            Ok((o, items))
        })?;
        Ok(PyBulkOutcome::new(o, items))
    }

    /// What ends within ``days`` days from now (the store's clock), overdue items included,
    /// soonest first: temporary licenses and SKU terms, of one customer or all.
    #[pyo3(signature = (days, *, customer = None))]
    fn expiring(
        &self,
        py: Python<'_>,
        days: u32,
        customer: Option<String>,
    ) -> PyResult<Vec<PyExpiring>> {
        let list = self.with(py, |s| s.expiring(days, customer.as_deref()))?;
        Ok(list.into_iter().map(PyExpiring::from).collect())
    }

    /// Offboards a user: removes all its licenses (history kept), releases its phone numbers
    /// and marks it ``Offboarded``. Returns how many licenses were removed. Raises
    /// ``UserNotFound``, ``UserOffboarded`` (offboarded already).
    fn offboard(&self, py: Python<'_>, upn: String) -> PyResult<u64> {
        self.with(py, |s| s.offboard(&upn))
    }

    /// Adds phone numbers (E.164, e.g. ``+14255550100``) to a customer's pool; returns how many
    /// were added. Raises ``InvalidArgument``, ``AlreadyExists``.
    fn add_numbers(&self, py: Python<'_>, customer: String, numbers: Vec<String>) -> PyResult<u64> {
        self.with(py, |s| {
            let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
            s.add_numbers(&customer, &refs)
        })
    }

    /// Gives a user a phone number (``number``, or the customer's next available one when
    /// None) and returns it. Raises ``NumberUnavailable``, ``UserNotFound``, ``NotFound``.
    #[pyo3(signature = (upn, number = None))]
    fn assign_number(
        &self,
        py: Python<'_>,
        upn: String,
        number: Option<String>,
    ) -> PyResult<String> {
        self.with(py, |s| s.assign_number(&upn, number.as_deref()))
    }

    /// Sets a number's status: ``Available`` (releases it from its user) or ``Reserved``.
    fn set_number_status(&self, py: Python<'_>, number: String, status: String) -> PyResult<()> {
        self.with(py, |s| s.set_number_status(&number, &status))
    }

    /// Adds a provisioning profile, or replaces the one of the same name: the customer's Staged
    /// users matching ``department``, ``usage_location`` and ``domain`` (those given) get
    /// ``skus`` when ``apply_profiles`` runs.
    #[pyo3(signature = (customer, name, skus, *, department = None, usage_location = None, domain = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_profile(
        &self,
        py: Python<'_>,
        customer: String,
        name: String,
        skus: Vec<String>,
        department: Option<String>,
        usage_location: Option<String>,
        domain: Option<String>,
    ) -> PyResult<()> {
        let p = Profile {
            customer,
            name,
            filter: SubscriberFilter {
                department,
                usage_location,
                status: None,
                domain,
            },
            skus,
        };
        self.with(py, |s| s.set_profile(&p))
    }

    /// A customer's profiles, by name.
    fn profiles(&self, py: Python<'_>, customer: String) -> PyResult<Vec<PyProfile>> {
        let list = self.with(py, |s| s.profiles(&customer))?;
        Ok(list.into_iter().map(PyProfile::from).collect())
    }

    /// Provisions the customer's Staged users: each profile runs as a best-effort ``assign``
    /// job over the Staged users it matches; users that matched a profile and failed none
    /// become ``Active``. Returns one ``BulkOutcome`` per profile, in name order.
    fn apply_profiles(&self, py: Python<'_>, customer: String) -> PyResult<Vec<PyBulkOutcome>> {
        let done = self.with(py, |s| {
            let outcomes = s.apply_profiles(&customer)?;
            outcomes
                .into_iter()
                .map(|o| {
                    let items = s.job_items(o.job_id)?;
                    Ok((o, items))
                })
                .collect::<licstore::Result<Vec<_>>>()
        })?;
        Ok(done
            .into_iter()
            .map(|(o, i)| PyBulkOutcome::new(o, i))
            .collect())
    }

    /// The difference between a Microsoft 365 admin center "Export users" CSV and a customer's
    /// users (new, changed, gone, unchanged, and rejected rows with their line); nothing is
    /// written.
    fn diff_m365_users(
        &self,
        py: Python<'_>,
        customer: String,
        path: PathBuf,
    ) -> PyResult<PyUserSyncDiff> {
        self.with(py, |s| {
            let input = File::open(&path).map_err(|e| io_error(&path, e))?;
            s.diff_m365_users(
                &customer,
                BufReader::new(input),
                &path.display().to_string(),
            )
        })
        .map(PyUserSyncDiff::from)
    }

    /// Applies a Microsoft 365 "Export users" CSV to a customer as one ``sync_users`` job (new
    /// users added as Staged, fields and licenses brought in line) and returns the job. A file
    /// with rejected rows raises ``CsvError`` and writes nothing.
    fn apply_m365_users(&self, py: Python<'_>, customer: String, path: PathBuf) -> PyResult<PyJob> {
        self.with(py, |s| {
            let input = File::open(&path).map_err(|e| io_error(&path, e))?;
            let id = s.apply_m365_users(
                &customer,
                BufReader::new(input),
                &path.display().to_string(),
            )?;
            s.job(id)
        })
        .map(PyJob::from)
    }

    /// The difference between a Microsoft Graph ``subscribedSkus`` response (JSON) and a
    /// customer's SKUs, one ``SkuChange`` per SKU; nothing is written.
    fn diff_graph_skus(
        &self,
        py: Python<'_>,
        customer: String,
        path: PathBuf,
    ) -> PyResult<Vec<PySkuChange>> {
        let list = self.with(py, |s| {
            let input = File::open(&path).map_err(|e| io_error(&path, e))?;
            s.diff_graph_skus(
                &customer,
                BufReader::new(input),
                &path.display().to_string(),
            )
        })?;
        Ok(list.into_iter().map(PySkuChange::from).collect())
    }

    /// Applies a Graph ``subscribedSkus`` response to a customer as one ``sync_skus`` job;
    /// returns a ``SkuSync`` with the job and the changes.
    fn apply_graph_skus(
        &self,
        py: Python<'_>,
        customer: String,
        path: PathBuf,
    ) -> PyResult<PySkuSync> {
        let (job, changes) = self.with(py, |s| {
            let input = File::open(&path).map_err(|e| io_error(&path, e))?;
            let (id, changes) = s.apply_graph_skus(
                &customer,
                BufReader::new(input),
                &path.display().to_string(),
            )?;
            Ok((s.job(id)?, changes))
        })?;
        Ok(PySkuSync::new(job, changes))
    }

    // --- canonical CSV of every entity ---

    /// Imports an entity's canonical CSV (or ``format="tsv"``) from a path or an open file
    /// (binary or text; read whole): an upsert by the entity's natural key. ``entity`` is one
    /// of ``entities()`` (``"customers"``, ``"skus"``, ``"subscribers"``, ``"assignments"``,
    /// ...); docs/formats.md lists each one's columns.
    ///
    /// ``mode="all_or_nothing"`` (the default) raises ``CsvError`` (``.file``, ``.line``,
    /// ``.column``, ``.value``, ``.errors``) and writes nothing when any row is rejected;
    /// ``"skip_invalid"`` applies the valid rows and reports the others in the returned
    /// ``ImportReport``. ``rejects`` names a CSV file to receive rejected rows with their errors.
    /// ``progress=True`` draws a tqdm bar (a callable gets ``(bytes_read, total_bytes)``).
    /// Ctrl-C cancels the import, raising ``KeyboardInterrupt`` with the store unchanged.
    #[pyo3(signature = (entity, source, *, mode = "all_or_nothing", format = "csv", rejects = None, progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn import_csv(
        &self,
        py: Python<'_>,
        entity: &str,
        source: Source,
        mode: &str,
        format: &str,
        rejects: Option<PathBuf>,
        progress: Option<ProgressArg>,
    ) -> PyResult<PyImportReport> {
        let entity = self::entity(entity)?;
        match source {
            Source::Path(path) => self.import_entity_file(
                py,
                entity,
                &path,
                mode,
                format,
                rejects.as_deref(),
                progress,
            ),
            Source::Bytes { name, data } => {
                let mode = parse_mode(mode)?;
                let delimiter = import_delimiter(format)?;
                let mut reporter = Reporter::new(py, progress, "import", "B")?;
                let report = py.detach(|| {
                    self.locked(|s| {
                        let mut out = match &rejects {
                            Some(r) => {
                                Some(BufWriter::new(File::create(r).map_err(|e| io_error(r, e))?))
                            }
                            None => None,
                        };
                        let mut tell = |p: Progress| reporter.report(p.bytes, p.total_bytes);
                        let mut opts = ImportOptions::new(name);
                        opts.mode = mode;
                        opts.delimiter = delimiter;
                        opts.rejects = out.as_mut().map(|w| w as &mut dyn Write);
                        opts.total_bytes = Some(data.len() as u64);
                        opts.progress = Some(&mut tell);
                        let report = s.import_entity(entity, data.as_slice(), opts)?;
                        if let (Some(mut w), Some(r)) = (out, &rejects) {
                            w.flush().map_err(|e| io_error(r, e))?;
                        }
                        Ok(report)
                    })
                });
                Ok(reporter.finish(py, report)?.into())
            }
        }
    }

    /// Writes an entity (in its canonical columns, ready for ``import_csv``) or a public view
    /// (see ``views()``) to ``path`` as ``"csv"``, ``"tsv"`` or ``"jsonl"``; returns the number of
    /// rows written. The file is replaced; on error it is removed.
    #[pyo3(signature = (entity_or_view, path, *, format = "csv"))]
    fn export(
        &self,
        py: Python<'_>,
        entity_or_view: &str,
        path: PathBuf,
        format: &str,
    ) -> PyResult<u64> {
        let format = parse_format(format)?;
        let target = Entity::from_name(entity_or_view).ok();
        let name = entity_or_view.to_string();
        self.with(py, |s| {
            if target.is_none() && !s.views()?.contains(&name) {
                return Err(Error::invalid(
                    "export",
                    name.clone(),
                    format!(
                        "is neither an entity ({}) nor a public view (see views())",
                        Entity::ALL
                            .iter()
                            .map(|e| e.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            export_file(s, &path, |s, out| match target {
                Some(e) => s.export_entity(e, format, out),
                None => s.export_view(&name, format, out),
            })
        })
    }

    /// The entities ``import_csv`` and ``export`` know, by name, with their canonical columns
    /// in export order.
    #[staticmethod]
    fn entities() -> Vec<(String, Vec<String>)> {
        Entity::ALL
            .iter()
            .map(|e| {
                (
                    e.name().to_string(),
                    e.columns().iter().map(|c| c.to_string()).collect(),
                )
            })
            .collect()
    }

    /// A whole public view (see ``views()``) as a ``QueryResult``, ready for ``to_pandas()``,
    /// ``to_arrow()`` or ``to_polars()``: ``store.view("sku_usage").to_pandas()``. Raises
    /// ``NotFound`` for a name that is not a view. The biggest views (``subscriber_licenses``,
    /// ``assignment_history``) of a file store are read by one connection per core, split by
    /// customer, on one snapshot: the fastest way to fetch a whole view. Ctrl-C interrupts.
    fn view(&self, py: Python<'_>, name: String) -> PyResult<PyQueryResult> {
        let frame = self.read_view(py, &name, QueryOptions::default(), false)?;
        Ok(frame.expect("a missing view is NotFound").into())
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
        // `SELECT * FROM subscriber_licenses` is `view("subscriber_licenses")`: the same rows,
        // read in parallel.
        if let (Some(view), Params::None) = (whole_view(&query), &params) {
            if PARALLEL_VIEWS.contains(&view.as_str()) {
                if let Some(frame) = self.read_view(py, &view, opts, true)? {
                    return Ok(frame.into());
                }
            }
        }
        // N.B. Ctrl-C needs the waiting thread to wake up and run Python's signal handlers,
        // which costs a thread hand-off. Most queries end in far less than DIRECT_BUDGET, so
        // they run directly; one that does not is stopped and run again, interruptibly (a
        // read-only query can be repeated). Signals reach only the main thread.
        if opts.timeout.is_some_and(|t| t <= DIRECT_BUDGET) || !on_main_thread(py)? {
            return self
                .with(py, |s| run_query(s, &query, &params, opts))
                .map(PyQueryResult::from);
        }
        let started = Instant::now();
        let first = QueryOptions {
            timeout: Some(DIRECT_BUDGET),
            ..opts
        };
        match py.detach(|| self.locked(|s| run_query(s, &query, &params, first))) {
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
