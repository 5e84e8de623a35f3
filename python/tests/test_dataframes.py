"""DataFrames through the Arrow C stream interface: pyarrow, polars and pandas from one query,
views and summaries as frames, and the pandas path without pyarrow giving the same frame."""

from __future__ import annotations

import sys
from datetime import date
from typing import Callable

import pandas as pd
import pytest

import licstore
from conftest import FIXED


def race(readers: int, read: Callable[[], None], write: Callable[[], None]) -> None:
    """Runs `readers` threads of `read` and one of `write`, started together; raises what any
    of them raised."""
    import threading

    errors: list[BaseException] = []
    barrier = threading.Barrier(readers + 1)

    def guarded(f: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                f()
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        return run

    threads = [threading.Thread(target=guarded(read)) for _ in range(readers)]
    threads.append(threading.Thread(target=guarded(write)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

TYPED = (
    "SELECT name, tenant_domain, created_at, length(name) AS n, "
    "CASE WHEN name = 'Adatum' THEN NULL ELSE 1 END AS maybe, 0.5 AS half, "
    "date(created_at) AS day, x'00' AS raw, NULL AS untyped "
    "FROM customers ORDER BY name"
)


@pytest.fixture
def filled(store: licstore.Store) -> licstore.Store:
    store.add_customer("Contoso", tenant_domain="contoso.onmicrosoft.com", default_usage_location="US")
    store.add_customer("Adatum", default_usage_location="DE")
    store.add_customer("Fabrikam")
    return store


def test_to_arrow_types(filled: licstore.Store) -> None:
    t = filled.sql(TYPED).to_arrow()
    assert isinstance(t, pa.Table)
    assert t.num_rows == 3
    types = {f.name: f.type for f in t.schema}
    assert types["name"] == pa.large_string()
    assert types["created_at"] == pa.timestamp("s", tz="UTC")
    assert types["n"] == pa.int64()
    assert types["maybe"] == pa.int64()
    assert types["half"] == pa.float64()
    assert types["day"] == pa.date32()
    assert types["raw"] == pa.large_binary()
    assert types["untyped"] == pa.null()
    assert t.column("maybe").to_pylist() == [None, 1, 1]
    assert t.column("tenant_domain").to_pylist() == [None, "contoso.onmicrosoft.com", None]
    assert t.column("created_at")[0].as_py() == FIXED
    assert t.column("day")[0].as_py() == date(2024, 5, 6)


def test_the_pycapsule_interface(filled: licstore.Store) -> None:
    r = filled.sql("SELECT name, length(name) AS n FROM customers ORDER BY name")
    # Any Arrow consumer reads the result itself, more than once.
    assert pa.table(r).column("name").to_pylist() == ["Adatum", "Contoso", "Fabrikam"]
    assert pa.table(r).num_rows == 3
    assert pl.DataFrame(r)["n"].to_list() == [6, 7, 8]
    capsule = r.__arrow_c_stream__()
    assert type(capsule).__name__ == "PyCapsule"
    del capsule  # released without being read: no leak, no crash


def test_to_polars(filled: licstore.Store) -> None:
    df = filled.sql(TYPED).to_polars()
    assert isinstance(df, pl.DataFrame)
    assert df.schema["n"] == pl.Int64
    assert df.schema["name"] == pl.String
    assert df.schema["day"] == pl.Date
    assert isinstance(df.schema["created_at"], pl.Datetime)
    assert df.schema["created_at"].time_zone == "UTC"  # type: ignore[union-attr]
    assert df["maybe"].null_count() == 1
    # polars needs distinct names; a query that repeats one says how to fix it.
    with pytest.raises(licstore.InvalidArgument, match="AS"):
        filled.sql("SELECT 1 AS a, 2 AS a").to_polars()


def test_pandas_with_and_without_pyarrow_agree(filled: licstore.Store) -> None:
    r = filled.sql(TYPED)
    fast = r.to_pandas()
    plain = r._to_pandas_numpy()
    assert [str(t) for t in fast.dtypes] == [str(t) for t in plain.dtypes] == [
        "string", "string", "datetime64[s, UTC]", "Int64", "Int64", "float64",
        "datetime64[s]", "object", "object",
    ]
    pd.testing.assert_frame_equal(fast, plain)
    mixed = filled.sql("SELECT 1 AS a, 2 AS a, 'x' AS b UNION ALL SELECT 2.5, NULL, 3")
    pd.testing.assert_frame_equal(mixed.to_pandas(), mixed._to_pandas_numpy())
    assert mixed.to_pandas().iloc[:, 2].tolist() == ["x", 3]
    # Arrow has no mixed column: it gets the values' text.
    assert mixed.to_arrow().column(2).to_pylist() == ["x", "3"]


def test_to_pandas_falls_back_without_pyarrow(filled: licstore.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import licstore._frame as frame

    monkeypatch.setattr(frame, "_HAVE_PYARROW", False)
    df = filled.sql(TYPED).to_pandas()
    assert str(df["created_at"].dtype) == "datetime64[s, UTC]"
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"licstore\[arrow\]"):
        filled.sql("SELECT 1").to_arrow()


def test_empty_and_null_columns_keep_their_types(filled: licstore.Store) -> None:
    t = filled.sql("SELECT * FROM customers WHERE name = 'nobody'").to_arrow()
    assert t.num_rows == 0
    # No values: the store's naming says created_at is an instant.
    assert t.schema.field("created_at").type == pa.timestamp("s", tz="UTC")
    assert t.schema.field("name").type == pa.large_string()
    df = filled.sql("SELECT * FROM customers WHERE name = 'nobody'").to_pandas()
    assert str(df["created_at"].dtype) == "datetime64[s, UTC]"


def test_views_and_summaries_as_frames(filled: licstore.Store) -> None:
    filled.set_sku("Contoso", "ENTERPRISEPACK", enabled=5, term_end=date(2026, 6, 30))
    filled.add_subscriber("Contoso", "ada@contoso.com")
    filled.assign_license("ada@contoso.com", "ENTERPRISEPACK")
    usage = filled.view("sku_usage").to_pandas()
    assert usage.loc[0, "assigned"] == 1 and usage.loc[0, "available"] == 4
    assert str(usage["assigned"].dtype) == "Int64"
    assert str(usage["term_end"].dtype) == "datetime64[s]"
    held = filled.view("subscriber_licenses").to_polars()
    assert held["user_principal_name"].to_list() == ["ada@contoso.com"]
    assert held.schema["assigned_at"] == pl.Datetime("ms", "UTC")
    with pytest.raises(licstore.NotFound):
        filled.view("customer")  # a base table, not a view
    with pytest.raises(licstore.NotFound):
        filled.view('x" UNION SELECT 1 --')


def test_large_results_convert_whole(store: licstore.Store) -> None:
    q = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
        "SELECT i, 'user' || i || '@contoso.com' AS upn, "
        "CASE WHEN i % 3 = 0 THEN NULL ELSE '2024-05-06T07:08:09Z' END AS at FROM n"
    )
    r = store.sql(q)
    df = r.to_pandas()
    assert len(df) == 200_000
    assert df["i"].sum() == 200_000 * 200_001 // 2
    assert df["at"].isna().sum() == 200_000 // 3
    assert df["upn"].iloc[-1] == "user200000@contoso.com"
    assert r[-1] == (200_000, "user200000@contoso.com", "2024-05-06T07:08:09Z")
    assert r.to_arrow().column("upn").null_count == 0


def test_html_escapes_every_value(store: licstore.Store) -> None:
    store.add_customer("<script>alert('x')</script> & Co")
    html = store.sql('SELECT name AS "<b>n</b>" FROM customers')._repr_html_()
    assert "<script>" not in html and "<b>n</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in html
    assert "&lt;b&gt;n&lt;/b&gt;" in html
    assert "<script>" not in store.view("customers")._repr_html_()


def test_threads_convert_while_another_writes(store: licstore.Store) -> None:
    store.add_customer("Contoso", default_usage_location="US")
    store.set_sku("Contoso", "ENTERPRISEPACK", enabled=1000)

    def read() -> None:
        for _ in range(30):
            r = store.view("subscribers")
            n = len(r)
            assert len(r.to_pandas()) == n and r.to_arrow().num_rows == n
            assert r.to_polars().height == n

    def write() -> None:
        for i in range(30):
            store.add_subscribers([{"customer": "Contoso", "upn": f"u{i}-{j}@contoso.com"} for j in range(20)])

    race(2, read, write)
    assert len(store.view("subscribers")) == 600


@pytest.fixture
def licensed(store: licstore.Store) -> licstore.Store:
    """Six customers with users and licenses; only some customers' licenses expire, so the
    parts of a parallel read differ in which columns hold values."""
    for c in range(6):
        name = f"Customer {c}"
        store.add_customer(name, default_usage_location="US")
        store.set_sku(name, "ENTERPRISEPACK", enabled=100)
        store.set_sku(name, "POWER_BI_PRO", enabled=100)
        store.add_subscribers([{"customer": name, "upn": f"u{i}@c{c}.example.com"} for i in range(40)])
        store.assign(["ENTERPRISEPACK"], customer=name, users=[f"u{i}@c{c}.example.com" for i in range(40)])
        for i in range(0, 40, 3):
            kw = {"expires_at": date(2027, 1, 31)} if c % 2 else {}
            store.assign_license(f"u{i}@c{c}.example.com", "POWER_BI_PRO", **kw)
    return store


def test_a_parallel_view_read_equals_the_query(licensed: licstore.Store) -> None:
    for view in ("subscriber_licenses", "assignment_history"):
        keys = ["user_principal_name", "sku_id"] + (["from_at"] if view == "assignment_history" else [])
        fast = licensed.view(view)
        slow = licensed.sql(f"SELECT * FROM {view}")
        assert len(fast) == len(slow) > 200
        assert fast.to_arrow().schema == slow.to_arrow().schema
        a = fast.to_pandas().sort_values(keys).reset_index(drop=True)
        b = slow.to_pandas().sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
        assert str(a["expires_at"].dtype if "expires_at" in a else a["to_at"].dtype) == "datetime64[s, UTC]"
        assert sorted(fast) == sorted(slow)


def test_parallel_view_reads_while_another_thread_writes(licensed: licstore.Store) -> None:
    sizes: list[int] = []

    def read() -> None:
        for _ in range(15):
            r = licensed.view("subscriber_licenses")
            sizes.append(len(r))
            assert r.to_pandas()["user_principal_name"].notna().all()

    def write() -> None:
        for i in range(1, 40, 3):
            licensed.assign_license(f"u{i}@c0.example.com", "POWER_BI_PRO")

    race(2, read, write)
    # Every read saw a whole number of committed writes: between the first and the last state.
    first, last = 240 + 6 * 14, 240 + 6 * 14 + 13
    assert all(first <= n <= last for n in sizes), sizes
    assert len(licensed.view("subscriber_licenses")) == last


def test_select_star_of_a_big_view_is_read_like_view(licensed: licstore.Store) -> None:
    expected = sorted(licensed.view("subscriber_licenses"))
    for q in (
        "SELECT * FROM subscriber_licenses",
        "select *  from  SUBSCRIBER_LICENSES ;",
        'SELECT * FROM "subscriber_licenses"',
        "SELECT * FROM subscriber_licenses WHERE 1",
        "SELECT * FROM subscriber_licenses ORDER BY user_principal_name",
    ):
        assert sorted(licensed.sql(q)) == expected, q
    ordered = licensed.sql("SELECT * FROM subscriber_licenses ORDER BY user_principal_name, sku_id")
    assert list(ordered) == sorted(ordered, key=lambda r: (r[1], r[4]))
    with pytest.raises(licstore.QueryRefused):
        licensed.sql("SELECT * FROM subscriber")
    with pytest.raises(licstore.NotFound):
        licensed.view("subscriber")
    # A timeout is taken (core's parallel_view.rs checks that it interrupts).
    assert len(licensed.sql("SELECT * FROM subscriber_licenses", timeout=60)) == len(expected)
