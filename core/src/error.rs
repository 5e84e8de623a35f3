//! Errors: one enum for the whole crate, each variant mapped to a stable numeric [`ErrorCode`].
//!
//! The code list below is the contract that the C ABI (`licstore_result` in
//! `include/licstore.h`) and the Python module (`licstore.LicstoreError` and one subclass per
//! code) mirror 1:1. Keep in sync with `ffi/src/error.rs` and `python/licstore/_native.pyi`;
//! `tests/tests/error_codes.rs` fails when the three lists disagree.
//!
//! N.B. Numbers are never reused. A retired code stays here as a comment with its number.

use std::fmt;
use std::path::PathBuf;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $name:ident = $num:literal, )*) => {
        /// A stable, numeric error code. The numbers are part of the public C and Python ABI.
        #[repr(u32)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ $name = $num, )*
        }

        impl ErrorCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$name, )* ];

            /// The code's name, as the Python exception class and the job item error are named.
            pub const fn name(self) -> &'static str {
                match self { $( ErrorCode::$name => stringify!($name), )* }
            }

            /// What the code means: its doc comment above, one sentence (the Python exception
            /// classes' docstrings and the C enum's comments say the same).
            pub const fn description(self) -> &'static str {
                match self { $( ErrorCode::$name => concat!($($doc),+).trim_ascii(), )* }
            }

            /// The code for a number, if it is one.
            pub const fn from_number(n: u32) -> Option<ErrorCode> {
                match n { $( $num => Some(ErrorCode::$name), )* _ => None }
            }

            /// The code for a name (as [`ErrorCode::name`] returns it), if it is one.
            pub fn from_name(name: &str) -> Option<ErrorCode> {
                match name { $( stringify!($name) => Some(ErrorCode::$name), )* _ => None }
            }
        }
    };
}

error_codes! {
    // --- General (1..99) ---
    /// An argument or field value is invalid (empty, malformed, out of range).
    InvalidArgument = 1,
    /// The named entity does not exist.
    NotFound = 2,
    /// An entity with the same natural key exists already.
    AlreadyExists = 3,
    /// The entity cannot be removed while other rows reference it.
    InUse = 4,
    /// The operation is not allowed in the entity's current state.
    InvalidState = 5,
    /// The scoped principal lacks the role the operation needs.
    PermissionDenied = 6,
    /// A CSV/TSV/JSON input was rejected; the error carries file, line, column and value.
    CsvError = 7,
    /// Reading or writing a file failed.
    IoError = 8,
    /// SQLite reported an error that no other code describes.
    DatabaseError = 9,
    /// The store stayed locked by another writer for longer than the busy timeout.
    Busy = 10,
    /// The file is not a licstore store (not SQLite, corrupt, or another application's database).
    NotADatabase = 11,
    /// The store was written by a newer licstore than this one.
    SchemaTooNew = 12,
    /// The read-only SQL channel refused the statement.
    QueryRefused = 13,
    /// A query was interrupted (timeout or explicit interrupt).
    Interrupted = 14,
    /// A bug in licstore (for example a panic caught at the FFI boundary).
    InternalError = 15,

    // --- Online services, named as Microsoft Graph names them (100..199) ---
    /// Not enough available units of the SKU.
    CountViolation = 100,
    /// The SKU cannot be held together with another SKU the user holds or receives.
    MutuallyExclusiveViolation = 101,
    /// An add-on SKU needs a base SKU the user does not hold (or would lose).
    DependencyViolation = 102,
    /// The SKU cannot be assigned in the user's usage location.
    ProhibitedInUsageLocationViolation = 103,
    /// The user has no usage location and the customer has no default.
    UsageLocationMissing = 104,
    /// The user principal name is unknown.
    UserNotFound = 105,
    /// The user has been offboarded.
    UserOffboarded = 106,
    /// The SKU is unknown (to the customer or to the catalog).
    SkuNotFound = 107,
    /// An atomic bulk operation was refused because at least one user would fail.
    BulkOperationFailed = 108,
    /// No phone number is available in the customer's inventory.
    NumberUnavailable = 109,

    // --- Volume licensing (200..299) ---
    /// A key's activation limit has been reached (MAK limit, OSA single use).
    ActivationLimitReached = 200,
    /// A KMS host key has reached its host count or a host its activation count.
    KmsHostLimitReached = 201,
    /// A Software Assurance benefit has no remaining quantity for the request.
    BenefitExhausted = 202,
    /// A reservation is outside its allowed window or program.
    ReservationNotAllowed = 203,
}

impl ErrorCode {
    /// The numeric value of the code.
    pub const fn number(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One rejected input row (or header) of an import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// The file name as given by the caller (or `<input>`).
    pub file: String,
    /// 1-based physical line number where the record starts (the header is line 1).
    pub line: u64,
    /// The column name, when the error is about one field.
    pub column: Option<String>,
    /// The offending value, when there is one.
    pub value: Option<String>,
    /// Why the row was rejected.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = &self.column {
            write!(f, ": column {c:?}")?;
        }
        if let Some(v) = &self.value {
            write!(f, ": value {v:?}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The rejected rows of an import (at most [`CsvErrors::MAX_KEPT`] kept, all counted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CsvErrors {
    /// The first rejected rows, in file order.
    pub errors: Vec<RowError>,
    /// How many rows were rejected in all.
    pub rejected: u64,
}

impl CsvErrors {
    /// How many row errors an error value keeps; the rest are only counted.
    pub const MAX_KEPT: usize = 1000;

    /// The first error (there is always at least one).
    pub fn first(&self) -> &RowError {
        &self.errors[0]
    }
}

impl fmt::Display for CsvErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first())?;
        if self.rejected > 1 {
            write!(f, " (and {} more rejected rows)", self.rejected - 1)?;
        }
        Ok(())
    }
}

/// A domain rule refused an operation for one subject (a user, a key, a benefit ...).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// One of the domain codes (`CountViolation`, `ActivationLimitReached`, ...).
    pub code: ErrorCode,
    /// What the rule was checked for: a user principal name, a key's last 5 characters, ...
    pub subject: String,
    /// A sentence saying what was wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.code, self.subject, self.message)
    }
}

/// Every error licstore returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value is invalid. `what` names the input (a field or argument), `value` shows it.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidArgument {
        /// The field or argument.
        what: String,
        /// The value as given.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An entity does not exist.
    #[error("{entity} not found: {key:?}")]
    NotFound {
        /// The kind of entity ("customer", "licensing ID", ...).
        entity: &'static str,
        /// Its natural key as given.
        key: String,
    },
    /// An entity with the same natural key exists already.
    #[error("{entity} already exists: {key:?}")]
    AlreadyExists {
        /// The kind of entity.
        entity: &'static str,
        /// Its natural key.
        key: String,
    },
    /// An entity cannot be removed while others reference it.
    #[error("{entity} {key:?} cannot be removed: still referenced by {by}")]
    InUse {
        /// The kind of entity.
        entity: &'static str,
        /// Its natural key.
        key: String,
        /// What references it, e.g. "3 rows of skus".
        by: String,
    },
    /// The operation is not allowed in the current state.
    #[error("{0}")]
    InvalidState(String),
    /// The scoped principal lacks a role.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// An import was rejected.
    #[error("{0}")]
    Csv(Box<CsvErrors>),
    /// A file could not be read or written.
    #[error("{}: {source}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "I/O".into()))]
    Io {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Any other SQLite error.
    #[error("database error: {0}")]
    Database(#[source] rusqlite::Error),
    /// The store stayed locked by another writer.
    #[error("the store is busy (locked by another writer for longer than the busy timeout): {0}")]
    Busy(String),
    /// The file is not a licstore store.
    #[error("{}: not a licstore store: {reason}", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The store's schema is newer than this build supports.
    #[error("{}: written by a newer licstore (schema version {found}, this build supports up to {supported}); upgrade licstore to open it", path.display())]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The read-only SQL channel refused a statement.
    #[error("query refused: {0}")]
    QueryRefused(String),
    /// A query was interrupted.
    #[error("query interrupted: {0}")]
    Interrupted(String),
    /// A domain rule refused the operation for one subject.
    #[error("{0}")]
    Violation(Violation),
    /// An atomic bulk operation was refused; nothing was applied.
    #[error("{}", bulk_message(*job_id, failures))]
    BulkOperationFailed {
        /// The job that recorded the refusal, when one was recorded.
        job_id: Option<i64>,
        /// One entry per failing user.
        failures: Vec<Violation>,
    },
    /// A bug in licstore.
    #[error("internal error: {0}")]
    Internal(String),
}

fn bulk_message(job_id: Option<i64>, failures: &[Violation]) -> String {
    let mut s = format!(
        "bulk operation refused, nothing applied: {} user(s) would fail",
        failures.len()
    );
    if let Some(id) = job_id {
        s.push_str(&format!(" (job {id})"));
    }
    for v in failures.iter().take(5) {
        s.push_str(&format!("; {v}"));
    }
    if failures.len() > 5 {
        s.push_str(&format!("; and {} more", failures.len() - 5));
    }
    s
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::InUse { .. } => ErrorCode::InUse,
            Error::InvalidState(_) => ErrorCode::InvalidState,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::Csv(_) => ErrorCode::CsvError,
            Error::Io { .. } => ErrorCode::IoError,
            Error::Database(_) => ErrorCode::DatabaseError,
            Error::Busy(_) => ErrorCode::Busy,
            Error::NotADatabase { .. } => ErrorCode::NotADatabase,
            Error::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            Error::QueryRefused(_) => ErrorCode::QueryRefused,
            Error::Interrupted(_) => ErrorCode::Interrupted,
            Error::Violation(v) => v.code,
            Error::BulkOperationFailed { .. } => ErrorCode::BulkOperationFailed,
            Error::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(
        what: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        Error::InvalidArgument {
            what: what.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(entity: &'static str, key: impl Into<String>) -> Error {
        Error::NotFound {
            entity,
            key: key.into(),
        }
    }

    /// Shorthand for a [`Error::Violation`] of a domain rule.
    pub fn violation(
        code: ErrorCode,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Violation(Violation {
            code,
            subject: subject.into(),
            message: message.into(),
        })
    }

    /// A single-row import error.
    pub fn csv(row: RowError) -> Error {
        Error::Csv(Box::new(CsvErrors {
            errors: vec![row],
            rejected: 1,
        }))
    }

    /// Whether the error means another writer held the store for too long.
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Busy(_))
    }

    /// The rejected rows, when this is an import error.
    pub fn csv_errors(&self) -> Option<&CsvErrors> {
        match self {
            Error::Csv(e) => Some(e),
            _ => None,
        }
    }

    /// The per-user failures, when this is a refused bulk operation.
    pub fn failures(&self) -> &[Violation] {
        match self {
            Error::BulkOperationFailed { failures, .. } => failures,
            Error::Violation(v) => std::slice::from_ref(v),
            _ => &[],
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ffi::ErrorCode as C;
        match &e {
            rusqlite::Error::SqliteFailure(f, msg) => match f.code {
                C::DatabaseBusy | C::DatabaseLocked => {
                    Error::Busy(msg.clone().unwrap_or_else(|| "database is locked".into()))
                }
                C::OperationInterrupted => {
                    Error::Interrupted(msg.clone().unwrap_or_else(|| "interrupted".into()))
                }
                // Only a scoped handle's connection has an authorizer (access.rs; the query
                // channel maps its own refusals).
                C::AuthorizationForStatementDenied => Error::PermissionDenied(format!(
                    "{} on a handle scoped to a principal (online services, jobs and the audit log are the store owner's)",
                    msg.as_deref().unwrap_or("not authorized")
                )),
                _ => Error::Database(e),
            },
            _ => Error::Database(e),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Internal(format!("JSON encoding failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            assert!(seen.insert(c.number()), "duplicate number {}", c.number());
            assert_eq!(ErrorCode::from_number(c.number()), Some(c));
            assert_eq!(ErrorCode::from_name(c.name()), Some(c));
            let d = c.description();
            assert!(
                d.len() > 10 && d.ends_with('.') && !d.starts_with(' '),
                "{c}: {d:?}"
            );
        }
        assert_eq!(
            ErrorCode::from_number(0),
            None,
            "0 is reserved for success in C"
        );
    }

    #[test]
    fn messages_name_the_input() {
        let e = Error::invalid("customer name", "", "must not be empty");
        assert_eq!(
            e.to_string(),
            "invalid customer name \"\": must not be empty"
        );
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        let e = Error::csv(RowError {
            file: "c.csv".into(),
            line: 3,
            column: Some("name".into()),
            value: Some("".into()),
            reason: "must not be empty".into(),
        });
        assert_eq!(
            e.to_string(),
            "c.csv:3: column \"name\": value \"\": must not be empty"
        );
        assert_eq!(e.code(), ErrorCode::CsvError);
    }
}
