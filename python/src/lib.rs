//! The Python module `licstore._native`, re-exported by the `licstore` package.
//!
//! A thin skin over core: arguments are translated, errors mapped to their exception classes,
//! and the GIL released around every store call. Every rule lives in core. Each file exposes
//! `register(m)`; this one only calls them.

mod access;
mod errors;
mod frame;
mod online;
mod progress;
mod query;
mod store;
mod types;
mod volume;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", licstore::VERSION)?;
    errors::register(m)?;
    types::register(m)?;
    volume::register(m)?;
    online::register(m)?;
    query::register(m)?;
    store::register(m)?;
    access::register(m)?;
    Ok(())
}
