"""licstore: an embedded, SQL-queryable store for software licenses.

>>> import licstore
>>> with licstore.Store() as store:
...     _ = store.add_customer("Contoso", default_usage_location="US")
...     store.sql("SELECT name, default_usage_location FROM customers").rows
[('Contoso', 'US')]

Everything is implemented in Rust (``licstore._native``); this package re-exports it. See
docs/python.md for the whole API.
"""

from __future__ import annotations

# Keep the exception list in sync with licstore::ErrorCode (core/src/error.rs), which creates the
# classes, and with _native.pyi; tests/test_exceptions.py fails when the three disagree.
from licstore._native import (
    Activation,
    ActivationLimitReached,
    AlreadyExists,
    AuditEntry,
    BenefitExhausted,
    BulkOperationFailed,
    Busy,
    CountViolation,
    CsvError,
    Customer,
    DatabaseError,
    DependencyViolation,
    Entitlement,
    ImportReport,
    InternalError,
    Interrupted,
    InUse,
    InvalidArgument,
    InvalidState,
    IoError,
    KmsHostLimitReached,
    LicenseSummary,
    LicensingId,
    LicstoreError,
    LimitIncreaseRequest,
    MutuallyExclusiveViolation,
    NotADatabase,
    NotFound,
    NumberUnavailable,
    PermissionDenied,
    Product,
    ProductKey,
    ProhibitedInUsageLocationViolation,
    QueryRefused,
    QueryResult,
    Reservation,
    ReservationNotAllowed,
    RowError,
    SaBenefit,
    SchemaTooNew,
    SkuNotFound,
    Store,
    SummaryLine,
    UsageLocationMissing,
    UserNotFound,
    UserOffboarded,
    Violation,
    __version__,
    error_codes,
)

__all__ = [
    # The store and its results.
    "Store",
    "QueryResult",
    "Customer",
    "AuditEntry",
    "ImportReport",
    "RowError",
    "Violation",
    # Volume licensing (docs/volume.md).
    "LicensingId",
    "Product",
    "Entitlement",
    "LicenseSummary",
    "SummaryLine",
    "ProductKey",
    "Activation",
    "LimitIncreaseRequest",
    "SaBenefit",
    "Reservation",
    "error_codes",
    "__version__",
    # Exceptions: the base class, then one per error code in numeric order.
    "LicstoreError",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "InUse",
    "InvalidState",
    "PermissionDenied",
    "CsvError",
    "IoError",
    "DatabaseError",
    "Busy",
    "NotADatabase",
    "SchemaTooNew",
    "QueryRefused",
    "Interrupted",
    "InternalError",
    "CountViolation",
    "MutuallyExclusiveViolation",
    "DependencyViolation",
    "ProhibitedInUsageLocationViolation",
    "UsageLocationMissing",
    "UserNotFound",
    "UserOffboarded",
    "SkuNotFound",
    "BulkOperationFailed",
    "NumberUnavailable",
    "ActivationLimitReached",
    "KmsHostLimitReached",
    "BenefitExhausted",
    "ReservationNotAllowed",
]
