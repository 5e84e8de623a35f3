//! The store handle and the library version.

use std::ffi::c_char;
use std::sync::{Arc, Mutex, MutexGuard};

use licstore::{validate, Clock, Result, Store};

use crate::boundary::{free_raw, guard, handle, into_raw, opt_str_arg, path_arg, str_arg, Out};
use crate::error::licstore_result;

/// An open store. Create it with `licstore_store_open`, `licstore_store_open_existing` or
/// `licstore_store_open_in_memory`; free it with `licstore_store_free`.
///
/// Calls on one handle are serialized by a lock inside it, so a handle may be shared between
/// threads; for parallel work, open one handle per thread (SQLite in WAL mode makes several
/// handles on one file safe). Statements keep their store alive (see `licstore_query_prepare`).
#[derive(Debug)]
pub struct licstore_store {
    pub(crate) inner: Arc<Mutex<Store>>,
}

impl licstore_store {
    /// The store, locked for one call. A panic in an earlier call cannot leave a half-applied
    /// write behind (the transaction rolls back on unwind), so a poisoned lock is recovered.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner)
    }
}

pub(crate) fn lock(m: &Mutex<Store>) -> MutexGuard<'_, Store> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

// Keep in sync with the workspace version: `tests/header.rs` checks that the header's
// LICSTORE_VERSION_* macros equal CARGO_PKG_VERSION.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the library, e.g. `"0.1.0"` (compare with the header's `LICSTORE_VERSION_*`
/// macros to detect a header/library mismatch). The string is static: never free it.
#[no_mangle]
pub extern "C" fn licstore_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

fn open_with(
    function: &'static str,
    store_out: *mut *mut licstore_store,
    open: impl FnOnce() -> Result<Store>,
) -> licstore_result {
    guard(function, || {
        let out = Out::new(store_out, "store_out")?;
        let store = open()?;
        let h = into_raw(licstore_store {
            inner: Arc::new(Mutex::new(store)),
        });
        // SAFETY: checked non-NULL; the caller passes a writable `licstore_store*`.
        unsafe { out.write(h) };
        Ok(())
    })
}

/// Opens the store in the file at `path`, creating the file if it does not exist.
///
/// `path` is a NUL-terminated file name (on Unix any bytes; elsewhere UTF-8); it is only read
/// during the call. On success `*store_out` receives a new handle that the caller owns and must
/// free with `licstore_store_free`. Fails with `LICSTORE_NOT_A_DATABASE` for a file that is not
/// a licstore store (the file is left byte-for-byte untouched) and `LICSTORE_SCHEMA_TOO_NEW` for
/// a store written by a newer licstore.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `store_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_open(
    path: *const c_char,
    store_out: *mut *mut licstore_store,
) -> licstore_result {
    open_with("licstore_store_open", store_out, || {
        // SAFETY: the caller's contract.
        Store::open(unsafe { path_arg(path, "path") }?)
    })
}

/// Like `licstore_store_open`, but a missing file is an error (`LICSTORE_NOT_FOUND`) instead of
/// a new store.
///
/// # Safety
/// As `licstore_store_open`.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_open_existing(
    path: *const c_char,
    store_out: *mut *mut licstore_store,
) -> licstore_result {
    open_with("licstore_store_open_existing", store_out, || {
        // SAFETY: the caller's contract.
        Store::open_existing(unsafe { path_arg(path, "path") }?)
    })
}

/// Opens a new, private, in-memory store (gone when freed). On success `*store_out` receives a
/// new handle that the caller owns and must free with `licstore_store_free`.
///
/// # Safety
/// `store_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_open_in_memory(
    store_out: *mut *mut licstore_store,
) -> licstore_result {
    open_with(
        "licstore_store_open_in_memory",
        store_out,
        Store::open_in_memory,
    )
}

/// Closes a store and frees its handle. NULL is a no-op. Statements prepared on the store keep
/// the underlying database open until they are freed too; the handle itself must not be used
/// after this call.
///
/// # Safety
/// `store` is NULL or a handle from a `licstore_store_open*` function, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_free(store: *mut licstore_store) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(store) }
}

/// Sets who is acting: recorded on every later change and in the audit log (default: the
/// operating system user). `actor` is NUL-terminated UTF-8, copied; it must not be blank.
///
/// # Safety
/// `store` is NULL or a live handle; `actor` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_set_actor(
    store: *const licstore_store,
    actor: *const c_char,
) -> licstore_result {
    guard("licstore_store_set_actor", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: the caller's contract.
        let actor = unsafe { str_arg(actor, "actor") }?;
        store.lock().set_actor(actor)
    })
}

/// Sets the store's clock: `instant` fixes "now" (RFC 3339 with an offset such as
/// `"2024-05-06T07:08:09Z"`, or a date `"2024-05-06"` for midnight UTC); NULL returns to the
/// system clock. `instant` is only read during the call.
///
/// # Safety
/// `store` is NULL or a live handle; `instant` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_set_clock(
    store: *const licstore_store,
    instant: *const c_char,
) -> licstore_result {
    guard("licstore_store_set_clock", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        // SAFETY: the caller's contract.
        let clock = match unsafe { opt_str_arg(instant, "instant") }? {
            None => Clock::System,
            Some(t) => Clock::Fixed(validate::instant("instant", t)?),
        };
        store.lock().set_clock(clock);
        Ok(())
    })
}

/// Writes the schema version of the open store to `*version_out`.
///
/// # Safety
/// `store` is NULL or a live handle; `version_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_schema_version(
    store: *const licstore_store,
    version_out: *mut i64,
) -> licstore_result {
    guard("licstore_store_schema_version", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(version_out, "version_out")?;
        let v = store.lock().schema_version()?;
        // SAFETY: checked non-NULL, writable per the contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_is_cargos() {
        let v = unsafe { CStr::from_ptr(licstore_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(v.to_str().unwrap(), licstore::VERSION);
    }
}
