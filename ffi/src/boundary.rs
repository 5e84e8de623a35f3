//! The C boundary: the panic guard every function body runs in, and the checks every pointer and
//! string goes through before Rust touches it.
//!
//! N.B. Every check happens before any output is written, so a failing call leaves `*_out`
//! untouched ("no partial successes").

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use licstore::{Error, Result};

use crate::error::{clear_last_error, licstore_result, set_last_error};
use crate::registry;

/// Runs a function body: clears the last error, catches panics, turns errors into result codes.
pub(crate) fn guard(function: &'static str, body: impl FnOnce() -> Result<()>) -> licstore_result {
    clear_last_error();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => licstore_result::LICSTORE_OK,
        Ok(Err(e)) => set_last_error(&e),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&Error::Internal(format!("{function} panicked: {what}")))
        }
    }
}

/// Runs a `_free` body: a panic is swallowed (there is nobody to report it to), never unwound
/// into C.
pub(crate) fn guard_free(body: impl FnOnce()) {
    clear_last_error();
    let _ = catch_unwind(AssertUnwindSafe(body));
}

fn null(arg: &str) -> Error {
    Error::invalid(
        format!("argument {arg}"),
        "NULL",
        "must not be a NULL pointer",
    )
}

/// A required, NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, arg: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(null(arg));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Error::invalid(
            format!("argument {arg}"),
            String::from_utf8_lossy(bytes),
            format!(
                "is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// An optional string argument: NULL is `None`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(p: *const c_char, arg: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { str_arg(p, arg) }.map(Some)
    }
}

/// A file path argument. On Unix any bytes are a path (file names need not be UTF-8); elsewhere
/// the path must be UTF-8.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn path_arg(p: *const c_char, arg: &str) -> Result<PathBuf> {
    if p.is_null() {
        return Err(null(arg));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    if bytes.is_empty() {
        return Err(Error::invalid(
            format!("argument {arg}"),
            "",
            "must not be empty",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        // SAFETY: forwarded contract.
        unsafe { str_arg(p, arg) }.map(PathBuf::from)
    }
}

/// A shared reference to a handle: NULL, a freed handle, a pointer licstore never made and a
/// handle of another type are refused (see `registry`) before the memory is read.
///
/// # Safety
/// `p` is NULL or any pointer; if it is a live handle of type `T`, it is not freed by another
/// thread during the call.
pub(crate) unsafe fn handle<'a, T: 'static>(p: *const T, arg: &str) -> Result<&'a T> {
    if p.is_null() {
        return Err(null(arg));
    }
    registry::check(p, arg)?;
    // SAFETY: a registered, live handle of type `T`.
    Ok(unsafe { &*p })
}

/// A struct the caller owns and passes by pointer (`licstore_units`, `licstore_new_entitlement`):
/// only NULL can be checked; it is not a handle, so it is not in the registry.
///
/// # Safety
/// `p` is NULL or points to a valid `T` for the call.
pub(crate) unsafe fn struct_arg<'a, T>(p: *const T, arg: &str) -> Result<&'a T> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or_else(|| null(arg))
}

/// An exclusive reference to a handle, checked as [`handle`].
///
/// # Safety
/// As [`handle`], and not used by another thread now.
pub(crate) unsafe fn handle_mut<'a, T: 'static>(p: *mut T, arg: &str) -> Result<&'a mut T> {
    if p.is_null() {
        return Err(null(arg));
    }
    registry::check(p, arg)?;
    // SAFETY: a registered, live handle of type `T`, not shared now per the caller's contract.
    Ok(unsafe { &mut *p })
}

/// An output pointer, checked for NULL before anything is computed.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(crate) fn new(p: *mut T, arg: &str) -> Result<Out<T>> {
        if p.is_null() {
            Err(null(arg))
        } else {
            Ok(Out(p))
        }
    }

    /// An optional output: NULL means "not wanted".
    pub(crate) fn optional(p: *mut T) -> Option<Out<T>> {
        (!p.is_null()).then_some(Out(p))
    }

    /// The checked, non-NULL pointer (for outputs written piecewise, like a caller's buffer).
    pub(crate) fn into_ptr(self) -> *mut T {
        self.0
    }

    /// Writes the value.
    ///
    /// # Safety
    /// The pointer given to [`Out::new`] is valid for writes of a `T`.
    pub(crate) unsafe fn write(self, v: T) {
        // SAFETY: checked non-NULL; validity is the caller's contract. `write` does not drop the
        // (uninitialized) old value.
        unsafe { self.0.write(v) }
    }
}

/// Text for C: an interior NUL (which C cannot represent) is an error naming what held it.
pub(crate) fn c_string(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|e| {
        Error::invalid(
            what.to_string(),
            s.replace('\0', "\\0"),
            format!(
                "contains a NUL byte at offset {} and cannot be returned as a C string",
                e.nul_position()
            ),
        )
    })
}

/// Boxes a handle for C and registers it as live.
pub(crate) fn into_raw<T: 'static>(v: T) -> *mut T {
    let p = Box::into_raw(Box::new(v));
    registry::register(p);
    p
}

/// Frees a handle made by [`into_raw`]; NULL is a no-op. Anything else that is not a live owned
/// handle of type `T` (a double free, an item borrowed from a list, a foreign pointer) is not
/// freed either: the call does nothing but leave `LICSTORE_INVALID_ARGUMENT` as the last error.
///
/// # Safety
/// `p` is NULL or any pointer; if it is a live handle, no other thread uses it during the call.
pub(crate) unsafe fn free_raw<T: 'static>(p: *mut T) {
    if p.is_null() {
        return;
    }
    guard_free(|| match registry::unregister(p) {
        // SAFETY: made by `into_raw` (registered), unregistered just now, so freed only once.
        Ok(()) => drop(unsafe { Box::from_raw(p) }),
        Err(why) => {
            let name = std::any::type_name::<T>();
            let name = name.rsplit("::").next().unwrap_or(name);
            let why = match why {
                registry::NotFreed::NotLive => format!(
                    "is not a live {name} handle (freed before, or never made by licstore); \
                     nothing was freed"
                ),
                registry::NotFreed::Borrowed => {
                    format!("is a {name} borrowed from a list or another handle; free that instead")
                }
            };
            set_last_error(&Error::invalid("argument to _free", format!("{p:p}"), why));
        }
    });
}

/// An array of `count` strings; NULL is allowed only when `count` is 0.
///
/// # Safety
/// `p` is NULL or points to `count` pointers, each NULL or NUL-terminated.
pub(crate) unsafe fn str_array<'a>(
    p: *const *const c_char,
    count: usize,
    arg: &str,
) -> Result<Vec<&'a str>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(Error::invalid(
            format!("argument {arg}"),
            "NULL",
            format!("must not be a NULL pointer (count is {count})"),
        ));
    }
    // SAFETY: non-NULL with `count` elements per the caller's contract.
    let items = unsafe { std::slice::from_raw_parts(p, count) };
    items
        .iter()
        .enumerate()
        // SAFETY: each element per the caller's contract.
        .map(|(i, s)| unsafe { str_arg(*s, &format!("{arg}[{i}]")) })
        .collect()
}

/// Builds a handle and writes it to an optional output.
pub(crate) fn write_opt<T: ?Sized, H: 'static>(
    out: Option<Out<*mut H>>,
    v: &T,
    make: impl FnOnce(&T) -> Result<H>,
) -> Result<()> {
    if let Some(out) = out {
        let h = into_raw(make(v)?);
        // SAFETY: checked non-NULL; writable per the caller's contract.
        unsafe { out.write(h) };
    }
    Ok(())
}

/// Refuses a caller buffer smaller than `min` (named `min_name` in the message), before any
/// work is done, so that a too-small buffer never costs an audited action.
pub(crate) fn check_buffer_size(buffer_size: usize, min: usize, min_name: &str) -> Result<()> {
    if buffer_size < min {
        return Err(Error::invalid(
            "argument buffer_size",
            buffer_size.to_string(),
            format!("must be at least {min_name} ({min})"),
        ));
    }
    Ok(())
}

/// Copies `text` and a terminating NUL into the caller's buffer of `buffer_size` bytes.
pub(crate) fn write_c_buffer(
    out: Out<c_char>,
    buffer_size: usize,
    text: &str,
    what: &str,
    size_name: &str,
) -> Result<()> {
    let bytes = text.as_bytes();
    if bytes.len() >= buffer_size || bytes.contains(&0) {
        return Err(Error::Internal(format!(
            "{what} of {} bytes does not fit {size_name}",
            bytes.len()
        )));
    }
    let dst = out.into_ptr();
    // SAFETY: `dst` is writable for `buffer_size` bytes (the caller's contract) and
    // `bytes.len() + 1 <= buffer_size`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), dst, bytes.len());
        dst.add(bytes.len()).write(0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{licstore_last_error_code, licstore_last_error_message};

    fn last_message() -> String {
        // SAFETY: never NULL, NUL-terminated.
        unsafe { CStr::from_ptr(licstore_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_internal_error() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the test output quiet
        let rc = guard("licstore_test", || panic!("boom {}", 42));
        std::panic::set_hook(prev);
        assert_eq!(rc, licstore_result::LICSTORE_INTERNAL_ERROR);
        assert_eq!(
            licstore_last_error_code(),
            licstore_result::LICSTORE_INTERNAL_ERROR
        );
        assert_eq!(
            last_message(),
            "internal error: licstore_test panicked: boom 42"
        );
        // The next successful call clears it.
        assert_eq!(
            guard("licstore_test", || Ok(())),
            licstore_result::LICSTORE_OK
        );
        assert_eq!(last_message(), "");
    }

    #[test]
    fn strings_are_checked() {
        let bad = [b'A', 0xC3, 0];
        let e = unsafe { str_arg(bad.as_ptr().cast(), "name") }.unwrap_err();
        assert_eq!(e.code(), licstore::ErrorCode::InvalidArgument);
        assert!(e.to_string().contains("argument name"), "{e}");
        assert!(e.to_string().contains("UTF-8"), "{e}");
        let e = unsafe { str_arg(std::ptr::null(), "sql") }.unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument sql \"NULL\": must not be a NULL pointer"
        );
        assert_eq!(unsafe { opt_str_arg(std::ptr::null(), "x") }.unwrap(), None);
        assert_eq!(
            unsafe { str_arg(c"Contoso".as_ptr(), "name") }.unwrap(),
            "Contoso"
        );
        let e = c_string("a\0b", "column text").unwrap_err();
        assert!(e.to_string().contains("NUL byte at offset 1"), "{e}");
    }
}
