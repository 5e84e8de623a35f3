//! The C ABI of licstore: `include/licstore.h`, generated from this crate by cbindgen.
//!
//! Conventions (docs/c-api.md has the full text):
//! - Opaque handles (`licstore_store`, `licstore_customer`, `licstore_customer_list`,
//!   `licstore_query`, the volume-licensing handles of `volume_types` and the online-services
//!   handles of `online`) are made by `_open`/`_get`/`_prepare`-style functions and freed with their
//!   `_free`; `_free(NULL)` is a no-op.
//! - Handle first, then inputs, then `*_out` outputs, written only on success.
//! - Every fallible function returns a `licstore_result`; `licstore_last_error_message()` says
//!   what went wrong, per thread.
//! - Every body runs inside a panic boundary ([`boundary::guard`]); every pointer and string is
//!   checked before use, and every handle against the live-handle registry (`registry`), so a
//!   freed, foreign or wrong-type handle is refused instead of read.
//! - Enum values coming from C are taken as `uint32_t` and checked, never trusted as Rust enums.

// The C names are the API: `licstore_store`, `licstore_result`, ...
#![allow(non_camel_case_types)]

// Declared in the order the header presents them.
pub mod access;
mod boundary;
pub mod customers;
pub mod enums;
pub mod error;
mod handles;
pub mod io;
pub mod online;
pub mod query;
mod registry;
pub mod store;
pub mod volume;
pub mod volume_types;

pub use customers::{licstore_customer, licstore_customer_list};
pub use error::licstore_result;
pub use io::{licstore_import_mode, licstore_import_report};
pub use query::{licstore_column_type, licstore_query};
pub use store::licstore_store;
pub use volume::licstore_new_entitlement;
