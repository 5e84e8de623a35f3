//! Result codes, the one place core errors become C codes, and the per-thread last error.
//!
//! `licstore_result` mirrors `licstore::ErrorCode` 1:1, with the same numbers, plus
//! `LICSTORE_OK = 0`. Keep in sync with `core/src/error.rs` (`error_codes!`); the test
//! `result_codes_match_core` below fails when the two lists disagree, and `tests/header.rs` fails
//! when `include/licstore.h` is stale. Numbers are never reused: a retired code stays as a comment.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};

use licstore::Error;

/// The result of every fallible licstore function. `LICSTORE_OK` (0) is success; every other
/// value is the number of a licstore error code (the same numbers as Rust's `ErrorCode` and
/// Python's exception classes). After a failure, `licstore_last_error_message()` says what went
/// wrong. Functions take result codes as `uint32_t` so that any value is safe to pass.
///
/// cbindgen:prefix-with-name=false
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_result {
    /// Success.
    LICSTORE_OK = 0,
    // --- General (1..99) ---
    /// An argument or field value is invalid (empty, malformed, out of range, NULL, not UTF-8).
    LICSTORE_INVALID_ARGUMENT = 1,
    /// The named entity does not exist.
    LICSTORE_NOT_FOUND = 2,
    /// An entity with the same natural key exists already.
    LICSTORE_ALREADY_EXISTS = 3,
    /// The entity cannot be removed while other rows reference it.
    LICSTORE_IN_USE = 4,
    /// The operation is not allowed in the entity's (or handle's) current state.
    LICSTORE_INVALID_STATE = 5,
    /// The scoped principal lacks the role the operation needs.
    LICSTORE_PERMISSION_DENIED = 6,
    /// A CSV/TSV/JSON input was rejected; the message names file, line, column and value.
    LICSTORE_CSV_ERROR = 7,
    /// Reading or writing a file failed.
    LICSTORE_IO_ERROR = 8,
    /// SQLite reported an error that no other code describes.
    LICSTORE_DATABASE_ERROR = 9,
    /// The store stayed locked by another writer for longer than the busy timeout.
    LICSTORE_BUSY = 10,
    /// The file is not a licstore store (not SQLite, corrupt, or another application's database).
    LICSTORE_NOT_A_DATABASE = 11,
    /// The store was written by a newer licstore than this one.
    LICSTORE_SCHEMA_TOO_NEW = 12,
    /// The read-only SQL channel refused the statement (a write, a base table, a PRAGMA ...).
    LICSTORE_QUERY_REFUSED = 13,
    /// A query was interrupted (timeout or explicit interrupt).
    LICSTORE_INTERRUPTED = 14,
    /// A bug in licstore (for example a panic caught at the C boundary).
    LICSTORE_INTERNAL_ERROR = 15,
    // --- Online services (100..199) ---
    /// Not enough available units of the SKU.
    LICSTORE_COUNT_VIOLATION = 100,
    /// The SKU cannot be held together with another SKU the user holds or receives.
    LICSTORE_MUTUALLY_EXCLUSIVE_VIOLATION = 101,
    /// An add-on SKU needs a base SKU the user does not hold (or would lose).
    LICSTORE_DEPENDENCY_VIOLATION = 102,
    /// The SKU cannot be assigned in the user's usage location.
    LICSTORE_PROHIBITED_IN_USAGE_LOCATION_VIOLATION = 103,
    /// The user has no usage location and the customer has no default.
    LICSTORE_USAGE_LOCATION_MISSING = 104,
    /// The user principal name is unknown.
    LICSTORE_USER_NOT_FOUND = 105,
    /// The user has been offboarded.
    LICSTORE_USER_OFFBOARDED = 106,
    /// The SKU is unknown (to the customer or to the catalog).
    LICSTORE_SKU_NOT_FOUND = 107,
    /// An atomic bulk operation was refused because at least one user would fail.
    LICSTORE_BULK_OPERATION_FAILED = 108,
    /// No phone number is available in the customer's inventory.
    LICSTORE_NUMBER_UNAVAILABLE = 109,
    // --- Volume licensing (200..299) ---
    /// A key's activation limit has been reached (MAK limit, OSA single use).
    LICSTORE_ACTIVATION_LIMIT_REACHED = 200,
    /// A KMS host key has reached its host count or a host its activation count.
    LICSTORE_KMS_HOST_LIMIT_REACHED = 201,
    /// A Software Assurance benefit has no remaining quantity for the request.
    LICSTORE_BENEFIT_EXHAUSTED = 202,
    /// A reservation is outside its allowed window or program.
    LICSTORE_RESERVATION_NOT_ALLOWED = 203,
}

macro_rules! result_table {
    ($($v:ident),* $(,)?) => {
        impl licstore_result {
            /// Every result code, in numeric order.
            pub const ALL: &'static [licstore_result] = &[$(licstore_result::$v),*];

            /// The code's C name, e.g. `LICSTORE_COUNT_VIOLATION`.
            pub fn name(self) -> &'static CStr {
                match self {
                    $(licstore_result::$v => {
                        match CStr::from_bytes_with_nul(concat!(stringify!($v), "\0").as_bytes()) {
                            Ok(s) => s,
                            Err(_) => c"LICSTORE_?",
                        }
                    })*
                }
            }
        }
    };
}

result_table! {
    LICSTORE_OK,
    LICSTORE_INVALID_ARGUMENT,
    LICSTORE_NOT_FOUND,
    LICSTORE_ALREADY_EXISTS,
    LICSTORE_IN_USE,
    LICSTORE_INVALID_STATE,
    LICSTORE_PERMISSION_DENIED,
    LICSTORE_CSV_ERROR,
    LICSTORE_IO_ERROR,
    LICSTORE_DATABASE_ERROR,
    LICSTORE_BUSY,
    LICSTORE_NOT_A_DATABASE,
    LICSTORE_SCHEMA_TOO_NEW,
    LICSTORE_QUERY_REFUSED,
    LICSTORE_INTERRUPTED,
    LICSTORE_INTERNAL_ERROR,
    LICSTORE_COUNT_VIOLATION,
    LICSTORE_MUTUALLY_EXCLUSIVE_VIOLATION,
    LICSTORE_DEPENDENCY_VIOLATION,
    LICSTORE_PROHIBITED_IN_USAGE_LOCATION_VIOLATION,
    LICSTORE_USAGE_LOCATION_MISSING,
    LICSTORE_USER_NOT_FOUND,
    LICSTORE_USER_OFFBOARDED,
    LICSTORE_SKU_NOT_FOUND,
    LICSTORE_BULK_OPERATION_FAILED,
    LICSTORE_NUMBER_UNAVAILABLE,
    LICSTORE_ACTIVATION_LIMIT_REACHED,
    LICSTORE_KMS_HOST_LIMIT_REACHED,
    LICSTORE_BENEFIT_EXHAUSTED,
    LICSTORE_RESERVATION_NOT_ALLOWED,
}

impl licstore_result {
    /// The result code with this number, if there is one.
    pub fn from_number(n: u32) -> Option<licstore_result> {
        Self::ALL.iter().copied().find(|r| *r as u32 == n)
    }
}

/// The one mapping from a core error to a C result code: by number, which the test below keeps
/// identical on both sides. A core code this build's C enum lacks (impossible while the test
/// passes) degrades to `LICSTORE_INTERNAL_ERROR` rather than an unlisted number.
pub(crate) fn map_error(e: &Error) -> licstore_result {
    licstore_result::from_number(e.code().number())
        .unwrap_or(licstore_result::LICSTORE_INTERNAL_ERROR)
}

struct LastError {
    code: licstore_result,
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError {
        code: licstore_result::LICSTORE_OK,
        message: CString::default(),
    });
}

/// Forgets the last error (every function does this on entry).
pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            if l.code != licstore_result::LICSTORE_OK {
                l.code = licstore_result::LICSTORE_OK;
                l.message = CString::default();
            }
        }
    });
}

/// Records `e` as this thread's last error and returns its code.
pub(crate) fn set_last_error(e: &Error) -> licstore_result {
    let code = map_error(e);
    // An interior NUL (from user input echoed in a message) must not lose the message.
    let message = CString::new(e.to_string().replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            *l = LastError { code, message };
        }
    });
    code
}

/// The message of the last failed licstore call on this thread, as UTF-8 text; `""` when the
/// last call succeeded.
///
/// The string belongs to licstore: do not free it. It stays valid until the next licstore call
/// on the same thread (other than `licstore_last_error_message`, `licstore_last_error_code` and
/// `licstore_result_name`); copy it if you need it longer. Never returns NULL.
#[no_mangle]
pub extern "C" fn licstore_last_error_message() -> *const c_char {
    LAST_ERROR.with(|l| match l.try_borrow() {
        Ok(l) => l.message.as_ptr(),
        Err(_) => c"".as_ptr(),
    })
}

/// The code of the last licstore call on this thread (`LICSTORE_OK` when it succeeded): the same
/// value that call returned.
#[no_mangle]
pub extern "C" fn licstore_last_error_code() -> licstore_result {
    LAST_ERROR.with(|l| match l.try_borrow() {
        Ok(l) => l.code,
        Err(_) => licstore_result::LICSTORE_INTERNAL_ERROR,
    })
}

/// The C name of a result code (`"LICSTORE_NOT_FOUND"`), or `"LICSTORE_UNKNOWN_RESULT"` for a
/// number that is not a result code. The string is static: never free it. Never returns NULL.
#[no_mangle]
pub extern "C" fn licstore_result_name(result: u32) -> *const c_char {
    match licstore_result::from_number(result) {
        Some(r) => r.name().as_ptr(),
        None => c"LICSTORE_UNKNOWN_RESULT".as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use licstore::ErrorCode;

    /// `CountViolation` -> `COUNT_VIOLATION`, written independently of cbindgen's renamer.
    fn screaming(name: &str) -> String {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    #[test]
    fn result_codes_match_core() {
        // Keep in sync with core/src/error.rs: same names, same numbers, nothing extra.
        assert_eq!(licstore_result::ALL[0], licstore_result::LICSTORE_OK);
        assert_eq!(licstore_result::LICSTORE_OK as u32, 0);
        assert_eq!(
            licstore_result::ALL.len(),
            ErrorCode::ALL.len() + 1,
            "licstore_result has a different number of codes than ErrorCode (+ LICSTORE_OK)"
        );
        for (&code, &r) in ErrorCode::ALL.iter().zip(&licstore_result::ALL[1..]) {
            assert_eq!(r as u32, code.number(), "{code} has another number in C");
            assert_eq!(
                r.name().to_str().unwrap(),
                format!("LICSTORE_{}", screaming(code.name())),
                "{code} has another name in C"
            );
            let e = Error::violation(code, "x", "y");
            assert_eq!(map_error(&e), r);
        }
    }

    #[test]
    fn names_and_unknown_numbers() {
        let name = |n| {
            unsafe { CStr::from_ptr(licstore_result_name(n)) }
                .to_str()
                .unwrap()
        };
        assert_eq!(name(0), "LICSTORE_OK");
        assert_eq!(name(13), "LICSTORE_QUERY_REFUSED");
        assert_eq!(name(99), "LICSTORE_UNKNOWN_RESULT");
        assert_eq!(name(u32::MAX), "LICSTORE_UNKNOWN_RESULT");
    }

    #[test]
    fn last_error_is_per_thread() {
        set_last_error(&Error::not_found("customer", "Contoso"));
        assert_eq!(
            licstore_last_error_code(),
            licstore_result::LICSTORE_NOT_FOUND
        );
        std::thread::spawn(|| {
            assert_eq!(licstore_last_error_code(), licstore_result::LICSTORE_OK);
            let m = unsafe { CStr::from_ptr(licstore_last_error_message()) };
            assert!(m.is_empty());
        })
        .join()
        .unwrap();
        let m = unsafe { CStr::from_ptr(licstore_last_error_message()) };
        assert_eq!(m.to_str().unwrap(), "customer not found: \"Contoso\"");
        clear_last_error();
        assert_eq!(licstore_last_error_code(), licstore_result::LICSTORE_OK);
    }

    #[test]
    fn header_lists_every_result_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/licstore.h");
        let header = std::fs::read_to_string(path).expect("include/licstore.h exists");
        for &r in licstore_result::ALL {
            let line = format!("{} = {},", r.name().to_str().unwrap(), r as u32);
            assert!(
                header.lines().any(|l| l.trim() == line),
                "include/licstore.h lacks `{line}` (run `make header`)"
            );
        }
    }
}
