//! The store handle and the library version.

use std::ffi::{c_char, CString};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use licstore::{validate, Clock, InterruptHandle, Result, Store};

use crate::boundary::{free_raw, guard, handle, into_raw, opt_str_arg, path_arg, str_arg, Out};
use crate::error::licstore_result;
use crate::online::licstore_string_list;

/// An open store. Create it with `licstore_store_open`, `licstore_store_open_existing` or
/// `licstore_store_open_in_memory`; free it with `licstore_store_free`.
///
/// Calls on one handle are serialized by a lock inside it, so a handle may be shared between
/// threads; for parallel work, open one handle per thread (SQLite in WAL mode makes several
/// handles on one file safe). Statements keep their store alive (see `licstore_query_prepare`).
#[derive(Debug)]
pub struct licstore_store {
    pub(crate) inner: Arc<Mutex<Store>>,
    /// Interrupts the query channel without taking the lock (a running query holds it). Set the
    /// first time a query runs through this handle (the channel's connection exists from then).
    interrupt: Arc<OnceLock<InterruptHandle>>,
    /// The store's file (`None` in memory), for `licstore_store_path`.
    path: Option<CString>,
    /// The principal a scoped handle acts for, for `licstore_store_principal`.
    principal: Option<CString>,
}

impl licstore_store {
    pub(crate) fn new(store: Store) -> licstore_store {
        let path = store.path().map(|p| {
            #[cfg(unix)]
            let bytes = {
                use std::os::unix::ffi::OsStrExt;
                p.as_os_str().as_bytes().to_vec()
            };
            #[cfg(not(unix))]
            let bytes = p.to_string_lossy().into_owned().into_bytes();
            // A path from C never holds a NUL; a path without one cannot fail here.
            CString::new(bytes).unwrap_or_default()
        });
        let principal = store
            .principal_scope()
            .map(|e| CString::new(e).unwrap_or_default());
        licstore_store {
            inner: Arc::new(Mutex::new(store)),
            interrupt: Arc::new(OnceLock::new()),
            path,
            principal,
        }
    }

    /// The interrupt slot, shared with the statements prepared on this handle.
    pub(crate) fn interrupt_slot(&self) -> Arc<OnceLock<InterruptHandle>> {
        Arc::clone(&self.interrupt)
    }

    /// The store, locked for one call. A panic in an earlier call cannot leave a half-applied
    /// write behind (the transaction rolls back on unwind), so a poisoned lock is recovered.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner)
    }
}

pub(crate) fn lock(m: &Mutex<Store>) -> MutexGuard<'_, Store> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Fills the interrupt slot before a query runs (the lock is held, so this cannot race a query).
pub(crate) fn arm_interrupt(slot: &OnceLock<InterruptHandle>, store: &mut Store) -> Result<()> {
    if slot.get().is_none() {
        let _ = slot.set(store.interrupt_handle()?);
    }
    Ok(())
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
        let h = into_raw(licstore_store::new(store));
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

/// Like `licstore_store_open_existing`, but the handle acts for the principal with the e-mail
/// `email` (docs/access.md): every change needs a role that principal holds on the licensing ID it
/// touches (`LICSTORE_PERMISSION_DENIED` otherwise, naming the principal, the licensing ID and the
/// role), reads and the SQL channel show only what it may see, and the actor is its e-mail.
/// Fails with `LICSTORE_NOT_FOUND` for an unknown principal. `path` and `email` are only read
/// during the call; on success `*store_out` receives a new handle the caller frees with
/// `licstore_store_free`.
///
/// # Safety
/// `path` and `email` are NULL or NUL-terminated; `store_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_open_scoped(
    path: *const c_char,
    email: *const c_char,
    store_out: *mut *mut licstore_store,
) -> licstore_result {
    open_with("licstore_store_open_scoped", store_out, || {
        // SAFETY (both): the caller's contract.
        let path = unsafe { path_arg(path, "path") }?;
        Store::open_scoped(path, unsafe { str_arg(email, "email") }?)
    })
}

/// A new handle on the same store (file or in memory) acting for the principal `email`, as
/// `licstore_store_open_scoped` describes; it starts with this handle's clock. `store` is only
/// read; on success `*scoped_out` receives a new handle the caller frees with
/// `licstore_store_free` (independently of `store`).
///
/// # Safety
/// `store` is NULL or a live handle; `email` is NULL or NUL-terminated; `scoped_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_scoped(
    store: *const licstore_store,
    email: *const c_char,
    scoped_out: *mut *mut licstore_store,
) -> licstore_result {
    guard("licstore_store_scoped", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let email = unsafe { str_arg(email, "email") }?;
        let out = Out::new(scoped_out, "scoped_out")?;
        let scoped = store.lock().scoped(email)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(into_raw(licstore_store::new(scoped))) };
        Ok(())
    })
}

/// Writes the e-mail of the principal a scoped handle acts for to `*email_out`, or NULL for the
/// owner's handle. The string belongs to the handle: valid until it is freed.
///
/// # Safety
/// `store` is NULL or a live handle; `email_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_principal(
    store: *const licstore_store,
    email_out: *mut *const c_char,
) -> licstore_result {
    guard("licstore_store_principal", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(email_out, "email_out")?;
        let p = store
            .principal
            .as_ref()
            .map_or(std::ptr::null(), |s| s.as_ptr());
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(p) };
        Ok(())
    })
}

/// Writes the store's file name (as given to open, NUL-terminated) to `*path_out`, or NULL for
/// an in-memory store. The string belongs to the handle: valid until it is freed.
///
/// # Safety
/// `store` is NULL or a live handle; `path_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_path(
    store: *const licstore_store,
    path_out: *mut *const c_char,
) -> licstore_result {
    guard("licstore_store_path", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(path_out, "path_out")?;
        let p = store.path.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(p) };
        Ok(())
    })
}

/// Sets how long a change waits for another writer (another handle or process on the same file)
/// before failing with `LICSTORE_BUSY`, in milliseconds (default 30,000; 0 fails at once).
///
/// # Safety
/// `store` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_set_busy_timeout(
    store: *const licstore_store,
    milliseconds: u32,
) -> licstore_result {
    guard("licstore_store_set_busy_timeout", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        store
            .lock()
            .set_busy_timeout(Duration::from_millis(u64::from(milliseconds)))
    })
}

/// Interrupts the query running on this store's SQL channel, if any (a `licstore_query_step`,
/// `licstore_query_to_csv` or view export in another thread, which then fails with
/// `LICSTORE_INTERRUPTED`). Safe to call from any thread at any time, including while another
/// thread is inside a call on `store`: it does not wait for it. Changes (imports, activations
/// ...) are not interrupted. A no-op when nothing runs.
///
/// # Safety
/// `store` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_interrupt(store: *const licstore_store) -> licstore_result {
    guard("licstore_store_interrupt", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        if let Some(h) = store.interrupt.get() {
            h.interrupt();
        }
        Ok(())
    })
}

/// Writes the names of the public views of the SQL channel (and its computed tables, such as
/// `license_summary`), sorted, to `*list_out`: a new `licstore_string_list` the caller frees with
/// `licstore_string_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_store_views(
    store: *const licstore_store,
    list_out: *mut *mut licstore_string_list,
) -> licstore_result {
    guard("licstore_store_views", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(list_out, "list_out")?;
        let views = store.lock().views()?;
        let list = licstore_string_list::new(&views)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(into_raw(list)) };
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
