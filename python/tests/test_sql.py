"""The read-only SQL channel: parameters, results, DataFrames, refusals."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import licstore
from conftest import FIXED


@pytest.fixture
def filled(store: licstore.Store) -> licstore.Store:
    store.add_customer("Contoso", tenant_domain="contoso.onmicrosoft.com", default_usage_location="US")
    store.add_customer("Adatum", default_usage_location="DE")
    store.add_customer("Fabrikam")
    return store


def test_result_shape(filled: licstore.Store) -> None:
    r = filled.sql("SELECT name, default_usage_location FROM customers ORDER BY name")
    assert isinstance(r, licstore.QueryResult)
    assert r.columns == ["name", "default_usage_location"]
    assert len(r) == 3
    assert r.rows == [("Adatum", "DE"), ("Contoso", "US"), ("Fabrikam", None)]
    assert list(r) == r.rows
    assert r[0] == ("Adatum", "DE") and r[-1] == ("Fabrikam", None)
    with pytest.raises(IndexError):
        r[3]
    assert repr(r) == "<QueryResult: 3 rows x 2 columns (name, default_usage_location)>"
    html = r._repr_html_()
    assert "<th>name</th>" in html and "<i>NULL</i>" in html and "3 rows" in html


def test_values_of_every_sql_type(store: licstore.Store) -> None:
    r = store.sql("SELECT 1, 2.5, 'x', x'00ff', NULL")
    assert r.rows == [(1, 2.5, "x", b"\x00\xff", None)]
    assert [type(v) for v in r[0]] == [int, float, str, bytes, type(None)]


def test_positional_and_named_parameters(filled: licstore.Store) -> None:
    q = "SELECT name FROM customers WHERE default_usage_location = ? ORDER BY name"
    assert filled.sql(q, ["US"]).rows == [("Contoso",)]
    assert filled.sql(q, ("DE",)).rows == [("Adatum",)]
    named = "SELECT name FROM customers WHERE default_usage_location = :loc"
    assert filled.sql(named, {"loc": "US"}).rows == [("Contoso",)]
    assert filled.sql(named, {":loc": "DE"}).rows == [("Adatum",)]
    # Every supported value type binds.
    r = filled.sql(
        "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?",
        [None, True, 7, np.int64(8), 1.5, "t", b"\x01", datetime(2024, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2))), date(2024, 5, 6)],
    )
    assert r.rows == [(None, 1, 7, 8, 1.5, "t", b"\x01", "2024-05-06T07:08:09Z", "2024-05-06")]
    # An aware datetime compares with the views' timestamps.
    assert len(filled.sql("SELECT * FROM customers WHERE created_at = ?", [FIXED])) == 3


def test_bad_parameters(filled: licstore.Store) -> None:
    q = "SELECT name FROM customers WHERE name = ?"
    with pytest.raises(licstore.InvalidArgument, match="1 parameter"):
        filled.sql(q)
    with pytest.raises(licstore.InvalidArgument, match="2 given"):
        filled.sql(q, ["a", "b"])
    with pytest.raises(licstore.InvalidArgument, match="no such parameter"):
        filled.sql("SELECT :a", {"b": 1})
    with pytest.raises(licstore.InvalidArgument, match="no value"):
        filled.sql("SELECT :a, :b", {"a": 1})
    with pytest.raises(TypeError, match="not str"):
        filled.sql(q, "Contoso")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        filled.sql(q, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"query parameter 1: unsupported type object"):
        filled.sql(q, [object()])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="unsupported type set"):
        filled.sql(q, [{"x"}])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        filled.sql(q, {1: "x"})  # type: ignore[dict-item]
    with pytest.raises(licstore.InvalidArgument, match="64-bit"):
        filled.sql(q, [2**64])
    with pytest.raises(licstore.InvalidArgument, match="naive"):
        filled.sql(q, [datetime(2024, 1, 1)])
    with pytest.raises(TypeError):
        filled.sql(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        filled.sql(q, ["x"], 5)  # type: ignore[misc]


def test_syntax_errors_and_unknown_views(filled: licstore.Store) -> None:
    with pytest.raises(licstore.LicstoreError) as e:
        filled.sql("SELEC name FROM customers")
    assert "syntax" in str(e.value)
    with pytest.raises(licstore.LicstoreError):
        filled.sql("SELECT * FROM no_such_view")


def _fingerprint(path: Path) -> list[tuple[str, str]]:
    out = []
    for p in sorted(path.parent.iterdir()):
        if p.name.startswith(path.name) and not p.name.endswith("-shm"):
            out.append((p.name, hashlib.sha256(p.read_bytes()).hexdigest()))
    return out


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO customers (name) VALUES ('Mallory')",
        "DELETE FROM customers",
        "UPDATE customers SET name = 'x'",
        "DELETE FROM audit_log",
        "INSERT INTO customer (name, created_at, updated_at) VALUES ('Mallory', 'x', 'x')",
        "DROP VIEW customers",
        "CREATE TABLE t (x)",
        "PRAGMA user_version = 99",
        "ATTACH DATABASE 'other.db' AS other",
        "SELECT * FROM customer",
        "SELECT * FROM sqlite_schema",
        "SELECT load_extension('x')",
        "BEGIN",
        "SELECT 1; DELETE FROM customers",
    ],
)
def test_writes_through_the_channel_are_refused_and_change_nothing(
    filled: licstore.Store, path: Path, statement: str
) -> None:
    before_rows = filled.sql("SELECT * FROM customers ORDER BY name").rows
    before_log = filled.audit_log()
    before_files = _fingerprint(path)
    with pytest.raises(licstore.QueryRefused) as e:
        filled.sql(statement)
    assert e.value.code == licstore.error_codes()["QueryRefused"]
    assert _fingerprint(path) == before_files
    assert filled.sql("SELECT * FROM customers ORDER BY name").rows == before_rows
    assert filled.audit_log() == before_log
    assert not (path.parent / "other.db").exists()


SLOW = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT count(*) FROM c"


def test_timeout_interrupts_a_long_query(store: licstore.Store) -> None:
    t0 = time.monotonic()
    with pytest.raises(licstore.Interrupted, match="timeout"):
        store.sql(SLOW, timeout=0.05)
    assert time.monotonic() - t0 < 5
    with pytest.raises(licstore.Interrupted):
        store.sql(SLOW, timeout=timedelta(milliseconds=50))
    # Longer than the direct budget: the query moves to a worker thread and still times out.
    t0 = time.monotonic()
    with pytest.raises(licstore.Interrupted, match="timeout"):
        store.sql(SLOW, timeout=0.5)
    assert 0.4 < time.monotonic() - t0 < 5
    with pytest.raises(licstore.InvalidArgument):
        store.sql("SELECT 1", timeout=-1)
    with pytest.raises(TypeError):
        store.sql("SELECT 1", timeout="1s")  # type: ignore[arg-type]
    # The store is usable afterwards.
    assert store.sql("SELECT 1").rows == [(1,)]


def test_to_pandas_dtypes(filled: licstore.Store) -> None:
    df = filled.sql(
        "SELECT name, tenant_domain, created_at, length(name) AS n, "
        "CASE WHEN name = 'Adatum' THEN NULL ELSE 1 END AS maybe, 0.5 AS half, "
        "date(created_at) AS day, x'00' AS raw "
        "FROM customers ORDER BY name"
    ).to_pandas()
    assert str(df["name"].dtype) == "string"
    assert str(df["tenant_domain"].dtype) == "string"
    assert df["tenant_domain"].isna().tolist() == [True, False, True]
    assert str(df["created_at"].dtype) == "datetime64[s, UTC]"
    assert df["created_at"][0] == pd.Timestamp(FIXED)
    assert str(df["n"].dtype) == "Int64"
    assert df["n"].tolist() == [6, 7, 8]
    assert str(df["maybe"].dtype) == "Int64"
    assert df["maybe"].isna().tolist() == [True, False, False]
    assert str(df["half"].dtype) == "float64"
    assert str(df["day"].dtype) == "datetime64[s]"
    assert df["day"][0] == pd.Timestamp("2024-05-06")
    assert df["raw"].dtype == object and df["raw"][0] == b"\x00"
    # The frame owns writable data.
    df.loc[0, "n"] = 99
    assert df["n"][0] == 99


def test_to_pandas_of_empty_and_odd_results(filled: licstore.Store) -> None:
    df = filled.sql("SELECT * FROM customers WHERE name = 'nobody'").to_pandas()
    assert list(df.columns) == ["name", "tenant_domain", "default_usage_location", "created_at", "updated_at"]
    assert len(df) == 0
    df = filled.sql("SELECT 1 AS a, 2 AS a, 'x' AS b UNION ALL SELECT 2.5, NULL, 3").to_pandas()
    assert list(df.columns) == ["a", "a", "b"]
    assert str(df.iloc[:, 0].dtype) == "float64"
    assert df.iloc[:, 2].dtype == object
    far = filled.sql("SELECT '9999-12-31' AS d, '0001-01-01T00:00:00Z' AS t").to_pandas()
    assert far["d"][0] == pd.Timestamp("9999-12-31")
    assert far["t"][0].year == 1


def test_the_gil_is_released_while_a_query_runs(store: licstore.Store) -> None:
    window: list[float] = []

    def run() -> None:
        window.append(time.perf_counter())
        store.sql(SLOW.replace("50000000", "5000000"))
        window.append(time.perf_counter())

    worker = threading.Thread(target=run)
    ticks: list[float] = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    start, end = window
    inside = [t for t in ticks if start <= t <= end]
    assert end - start > 0.05, "the query should take a while"
    gaps = [b - a for a, b in zip([start, *inside], [*inside, end])]
    # Holding the GIL would leave one gap as long as the whole query.
    assert max(gaps) < (end - start) / 2, (max(gaps), end - start)


CTRL_C = """
import os, signal, sys, threading, time
import licstore

store = licstore.Store()
threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.monotonic()
try:
    store.sql({slow!r})
except KeyboardInterrupt:
    took = time.monotonic() - t0
    assert store.sql("SELECT 1").rows == [(1,)], "the store must stay usable"
    print(f"interrupted after {{took:.2f}}s")
    sys.exit(0)
print("the query was not interrupted")
sys.exit(1)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_long_query() -> None:
    run = subprocess.run(
        [sys.executable, "-c", CTRL_C.format(slow=SLOW.replace("50000000", "5000000000"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    took = float(run.stdout.split()[2].rstrip("s"))
    assert took < 5, run.stdout
