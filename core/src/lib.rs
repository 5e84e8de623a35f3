//! licstore: an embedded, SQL-queryable store for software licenses.
//!
//! One SQLite file holds an organization's volume-licensing entitlements, product keys and
//! subscriber licenses; this crate owns every rule about them. The C ABI (`licstore-ffi`), the
//! Python module (`licstore-python`) and the command line (`licstore-cli`) are thin skins over it.
//!
//! ```
//! use licstore::{NewCustomer, Params, Store};
//!
//! let mut store = Store::open_in_memory()?;
//! store.set_actor("auditor@contoso.com")?;
//! store.add_customer(&NewCustomer { default_usage_location: Some("US".into()), ..NewCustomer::named("Contoso") })?;
//! let rows = store.query("SELECT name, default_usage_location FROM customers", &Params::None)?;
//! assert_eq!(rows.rows[0][1], "US".into());
//! # Ok::<(), licstore::Error>(())
//! ```

#![warn(missing_docs)]

pub mod access;
pub mod audit;
pub mod customers;
pub mod demo;
pub mod error;
pub mod io;
pub mod online;
pub mod query;
mod refs;
pub mod store;
pub mod validate;
pub mod volume;

pub use access::{
    AccessChange, AdministratorWarning, AgreementContact, ContactKind, Permission,
    PermissionRequest, PermissionRequestFilter, PermissionRequestStatus, Principal, Role,
    RoleGroup,
};
pub use audit::AuditEntry;
pub use customers::{Customer, CustomerUpdate, NewCustomer};
pub use error::{CsvErrors, Error, ErrorCode, Result, RowError, Violation};
pub use io::entity::Entity;
pub use io::graph_skus::{SkuChange, SkuChangeKind};
pub use io::m365_users::{UserChange, UserChangeKind, UserSyncDiff};
pub use io::vlsc_keys::VlscExportOptions;
pub use io::{Format, ImportMode, ImportOptions, ImportReport, Progress};
pub use online::{
    AssignOptions, BulkMode, BulkOp, BulkOutcome, BulkPreview, BulkRequest, CatalogReport,
    CatalogSku, Expiring, HeldBy, ItemOutcome, ItemResult, Job, JobProgress, JobStatus, NewSku,
    NewSubscriber, Profile, ReplaceFrom, Sku, SkuPreview, SkuRule, Subscriber, SubscriberFilter,
    SubscriberStatus, SubscriberUpdate, Targets, Units,
};
pub use query::{
    InterruptHandle, Params, QueryOptions, QueryResult, QueryShape, RowSink, Value, ValueRef,
    PARALLEL_VIEWS,
};
pub use store::{Clock, Store};
pub use volume::{
    Activation, ActivationMethod, BenefitStatus, Entitlement, EntitlementKind, KeyType,
    LicensingId, LimitIncreaseRequest, NewEntitlement, NewLicensingId, NewProduct, NewProductKey,
    NewReservation, NewSaBenefit, Pool, Product, ProductKey, Program, RequestStatus, Reservation,
    ReservationHistory, ReservationStatus, SaBenefit, SummaryLine, SummaryQuery,
};

/// The version of this build (from Cargo).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
