"""Type stubs of the Rust extension ``licstore._native`` (re-exported by ``licstore``).

Keep in sync with python/src/*.rs. The exception classes are made at import from core's
``licstore::ErrorCode`` list (core/src/error.rs); keep their declarations here in sync with it and
with ``licstore/__init__.py``. tests/test_exceptions.py and tests/test_stubs.py (mypy.stubtest)
fail when they disagree.
"""

import os
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, ClassVar, Iterator, Mapping, Sequence, Union, final

import pandas

__all__ = [
    "__version__",
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
    "error_codes",
    "Customer",
    "AuditEntry",
    "ImportReport",
    "RowError",
    "Violation",
    "QueryResult",
    "Store",
]

__version__: str

_SqlValue = Union[None, int, float, str, bytes]
_ParamValue = Union[None, bool, int, float, str, bytes, bytearray, datetime, date]
_StrPath = Union[str, os.PathLike[str]]

def error_codes() -> dict[str, int]:
    """Every error code, as a dict from its name (the exception class name) to its stable number,
    in numeric order."""

# --- results ---

@final
class Customer:
    """A customer: an organization whose licenses the store manages."""

    @property
    def name(self) -> str: ...
    @property
    def tenant_domain(self) -> str | None: ...
    @property
    def default_usage_location(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class AuditEntry:
    """One row of the append-only audit log."""

    @property
    def id(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def entity(self) -> str: ...
    @property
    def entity_key(self) -> str: ...
    @property
    def before(self) -> dict[str, Any] | None: ...
    @property
    def after(self) -> dict[str, Any] | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class RowError:
    """One rejected row (or header) of an import."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> str | None: ...
    @property
    def value(self) -> str | None: ...
    @property
    def reason(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Violation:
    """A domain rule's refusal for one subject: one failure of a bulk operation."""

    @property
    def code(self) -> int: ...
    @property
    def code_name(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def message(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class ImportReport:
    """What an import did."""

    @property
    def rows(self) -> int: ...
    @property
    def inserted(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def errors(self) -> list[RowError]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class QueryResult:
    """The rows of a query over the public views."""

    @property
    def columns(self) -> list[str]: ...
    @property
    def rows(self) -> list[tuple[_SqlValue, ...]]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> tuple[_SqlValue, ...]: ...
    def __iter__(self) -> Iterator[tuple[_SqlValue, ...]]: ...
    def to_pandas(self) -> pandas.DataFrame: ...
    def _repr_html_(self) -> str: ...

# --- the store ---

@final
class Store:
    """A licstore store: one SQLite file (or an in-memory database)."""

    def __new__(cls, path: _StrPath | None = None) -> Store: ...
    @classmethod
    def open_existing(cls, path: _StrPath) -> Store: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Store: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> bool: ...
    @property
    def path(self) -> str | None: ...
    @property
    def schema_version(self) -> int: ...
    @property
    def actor(self) -> str: ...
    @actor.setter
    def actor(self, value: str) -> None: ...
    @property
    def clock(self) -> datetime | None: ...
    def set_clock(self, when: datetime | None) -> None: ...
    def views(self) -> list[str]: ...
    def add_customer(
        self,
        name: str,
        *,
        tenant_domain: str | None = None,
        default_usage_location: str | None = None,
    ) -> Customer: ...
    def update_customer(
        self,
        name: str,
        *,
        new_name: str | None = None,
        tenant_domain: str | None = ...,
        default_usage_location: str | None = ...,
    ) -> Customer: ...
    def customer(self, name: str) -> Customer: ...
    def customers(self) -> list[Customer]: ...
    def remove_customer(self, name: str) -> None: ...
    def import_customers(
        self,
        path: _StrPath,
        *,
        mode: str = "all_or_nothing",
        format: str = "csv",
        rejects: _StrPath | None = None,
    ) -> ImportReport: ...
    def export_customers(self, path: _StrPath, *, format: str = "csv") -> int: ...
    def audit_log(
        self, *, entity: str | None = None, key: str | None = None
    ) -> list[AuditEntry]: ...
    def sql(
        self,
        query: str,
        params: Sequence[_ParamValue] | Mapping[str, _ParamValue] | None = None,
        *,
        timeout: float | timedelta | None = None,
    ) -> QueryResult: ...

# --- exceptions: the base class, then one per licstore::ErrorCode in numeric order ---

class LicstoreError(Exception):
    """The base class of every error licstore raises."""

    code: ClassVar[int]
    code_name: ClassVar[str]

class InvalidArgument(LicstoreError, ValueError): ...
class NotFound(LicstoreError, LookupError): ...
class AlreadyExists(LicstoreError): ...
class InUse(LicstoreError): ...
class InvalidState(LicstoreError): ...
class PermissionDenied(LicstoreError): ...

class CsvError(LicstoreError):
    file: str
    line: int
    column: str | None
    value: str | None
    reason: str
    errors: list[RowError]
    rejected: int

class IoError(LicstoreError, OSError): ...
class DatabaseError(LicstoreError): ...
class Busy(LicstoreError): ...
class NotADatabase(LicstoreError): ...
class SchemaTooNew(LicstoreError): ...
class QueryRefused(LicstoreError): ...
class Interrupted(LicstoreError): ...
class InternalError(LicstoreError): ...

class CountViolation(LicstoreError):
    subject: str

class MutuallyExclusiveViolation(LicstoreError):
    subject: str

class DependencyViolation(LicstoreError):
    subject: str

class ProhibitedInUsageLocationViolation(LicstoreError):
    subject: str

class UsageLocationMissing(LicstoreError):
    subject: str

class UserNotFound(LicstoreError):
    subject: str

class UserOffboarded(LicstoreError):
    subject: str

class SkuNotFound(LicstoreError):
    subject: str

class BulkOperationFailed(LicstoreError):
    job_id: int | None
    failures: list[Violation]

class NumberUnavailable(LicstoreError):
    subject: str

class ActivationLimitReached(LicstoreError):
    subject: str

class KmsHostLimitReached(LicstoreError):
    subject: str

class BenefitExhausted(LicstoreError):
    subject: str

class ReservationNotAllowed(LicstoreError):
    subject: str
