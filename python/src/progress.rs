//! Progress and Ctrl-C for long store calls (imports, bulk jobs).
//!
//! Core reports progress through a callback that returns `ControlFlow`; `Break` cancels the call
//! with `Interrupted` and nothing is written. The callback runs detached from the interpreter,
//! on the thread that holds the store, so a [`Reporter`] attaches briefly (at most every
//! [`EVERY`], and at the end) to draw a tqdm bar or call the user's function, and, on the main
//! thread, to run Python's signal handlers: a KeyboardInterrupt (or an exception from the
//! user's function) cancels the call and is raised in its place.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyImportError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::errors::OrRaise;
use crate::types::type_name;

/// How often a running call attaches to the interpreter (signals, progress bar).
const EVERY: Duration = Duration::from_millis(50);

/// `progress=` of a long call: False/None (no bar; Ctrl-C still cancels), True (a tqdm bar) or a
/// callable `f(done, total)`.
#[derive(Debug)]
pub enum ProgressArg {
    Off,
    Tqdm,
    Call(Py<PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for ProgressArg {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<ProgressArg> {
        if obj.is_none() {
            Ok(ProgressArg::Off)
        } else if let Ok(b) = obj.cast::<PyBool>() {
            Ok(if b.is_true() {
                ProgressArg::Tqdm
            } else {
                ProgressArg::Off
            })
        } else if obj.is_callable() {
            Ok(ProgressArg::Call(obj.to_owned().unbind()))
        } else {
            Err(PyTypeError::new_err(format!(
                "progress must be a bool or a callable f(done, total), not {}",
                type_name(&obj)
            )))
        }
    }
}

/// Reports one call's progress; see the module comment.
#[derive(Debug)]
pub struct Reporter {
    target: Option<Target>,
    main_thread: bool,
    last: Option<Instant>,
    shown: u64,
    total: Option<u64>,
    error: Option<PyErr>,
}

#[derive(Debug)]
enum Target {
    Bar(Py<PyAny>),
    Call(Py<PyAny>),
}

impl Reporter {
    /// A reporter for one call: `desc` and `unit` label a tqdm bar (`unit_scale` for bytes).
    pub fn new(
        py: Python<'_>,
        arg: Option<ProgressArg>,
        desc: &str,
        unit: &str,
    ) -> PyResult<Reporter> {
        let target = match arg.unwrap_or(ProgressArg::Off) {
            ProgressArg::Off => None,
            ProgressArg::Call(f) => Some(Target::Call(f)),
            ProgressArg::Tqdm => {
                let tqdm = py.import("tqdm.auto").map_err(|e| {
                    if e.is_instance_of::<PyImportError>(py) {
                        PyImportError::new_err(
                            "progress=True needs tqdm: pip install 'licstore[progress]'",
                        )
                    } else {
                        e
                    }
                })?;
                let kwargs = pyo3::types::PyDict::new(py);
                kwargs.set_item("desc", desc)?;
                kwargs.set_item("unit", unit)?;
                kwargs.set_item("unit_scale", unit == "B")?;
                kwargs.set_item("total", py.None())?;
                let bar = tqdm.getattr("tqdm")?.call((), Some(&kwargs))?;
                Some(Target::Bar(bar.unbind()))
            }
        };
        Ok(Reporter {
            target,
            main_thread: crate::store::on_main_thread(py)?,
            last: None,
            shown: 0,
            total: None,
            error: None,
        })
    }

    /// Called from core's callback (detached): `done` of `total` so far.
    pub fn report(&mut self, done: u64, total: Option<u64>) -> ControlFlow<()> {
        let end = total.is_some_and(|t| done >= t);
        if self.error.is_some() {
            return ControlFlow::Break(());
        }
        if self.target.is_none() && !self.main_thread {
            return ControlFlow::Continue(());
        }
        if !end && self.last.is_some_and(|t| t.elapsed() < EVERY) {
            return ControlFlow::Continue(());
        }
        self.last = Some(Instant::now());
        let outcome = Python::attach(|py| -> PyResult<()> {
            if self.main_thread {
                py.check_signals()?;
            }
            match &self.target {
                None => {}
                Some(Target::Call(f)) => {
                    f.call1(py, (done, total))?;
                }
                Some(Target::Bar(bar)) => {
                    let bar = bar.bind(py);
                    if total != self.total {
                        bar.setattr("total", total)?;
                        self.total = total;
                    }
                    if done > self.shown {
                        bar.call_method1("update", (done - self.shown,))?;
                        self.shown = done;
                    } else {
                        bar.call_method0("refresh")?;
                    }
                }
            }
            Ok(())
        });
        match outcome {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    /// Closes the bar and turns the call's result into Python's: the exception that cancelled
    /// it (KeyboardInterrupt, or the callable's) when there was one.
    pub fn finish<T>(self, py: Python<'_>, result: licstore::Result<T>) -> PyResult<T> {
        if let Some(Target::Bar(bar)) = &self.target {
            let _ = bar.bind(py).call_method0("close");
        }
        match self.error {
            Some(e) => Err(e),
            None => result.or_raise(),
        }
    }
}
