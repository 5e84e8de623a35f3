"""DataFrame benchmark (issue 6): 1,000,000 rows of ``subscriber_licenses`` into pandas.

Compares, on the same store file:

- ``store.view(v).to_pandas()``: the whole view read by one connection per core, split by
  customer, on one snapshot (``Store::query_view_parallel``), then as below;
- ``store.sql(q).to_pandas()``: the rows streamed from SQLite into Arrow arrays in Rust (GIL
  released), handed to pandas through the Arrow C stream interface;
- ``pandas.read_sql(q, sqlite3.connect(file))``: Python's sqlite3 module, one tuple per row;

and reports ``to_arrow()``, ``to_polars()`` and the pandas path without pyarrow, plus the cost of
Python calls that do no work (``timeit``).

Run: ``.venv/bin/python python/bench/bench_dataframes.py [--rows N] [--file PATH]``. The store
is built once (10 customers of N/10 users, one SKU each, assigned in bulk jobs) and kept at
``--file`` (default: ``$TMPDIR/licstore-bench-<N>.licstore``) for later runs. Not part of
``make test``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any, Callable

import pandas as pd

import licstore

VIEW = "subscriber_licenses"
QUERY = f"SELECT * FROM {VIEW}"
SKU = "ENTERPRISEPACK"


def build(path: Path, rows: int) -> None:
    customers = 10
    users = rows // customers
    with licstore.Store(path) as s:
        s.actor = "bench"
        for c in range(customers):
            name = f"Customer {c}"
            s.add_customer(name, default_usage_location="US")
            s.set_sku(name, SKU, enabled=users)
            s.add_subscribers(
                [
                    {
                        "customer": name,
                        "upn": f"user{i}@c{c}.example.com",
                        "display_name": f"User {i} of {name}",
                        "department": ("Sales", "Finance", "IT")[i % 3],
                    }
                    for i in range(users)
                ]
            )
            s.assign([SKU], customer=name, users=[f"user{i}@c{c}.example.com" for i in range(users)])


def best(f: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
        del out
        out = None
    t0 = time.perf_counter()
    out = f()
    times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--file", type=Path)
    args = ap.parse_args()
    path = args.file or Path(tempfile.gettempdir()) / f"licstore-bench-{args.rows}.licstore"
    if not path.exists():
        t0 = time.perf_counter()
        build(path, args.rows)
        print(f"built {path} in {time.perf_counter() - t0:.1f} s")
    print(f"load average: {os.getloadavg()[0]:.1f}")

    store = licstore.Store.open_existing(path)
    con = sqlite3.connect(path)

    t_read_sql, df_sql = best(lambda: pd.read_sql(QUERY, con), args.runs)
    t_view, df_view = best(lambda: store.view(VIEW).to_pandas(), args.runs)
    t_ours, df = best(lambda: store.sql(QUERY).to_pandas(), args.runs)
    assert len(df) == len(df_sql) == len(df_view) == args.rows, (len(df), len(df_sql), len(df_view))
    assert list(df.columns) == list(df_sql.columns) == list(df_view.columns)
    print(f"rows: {len(df):,}, columns: {len(df.columns)}, cores: {os.cpu_count()}")
    print(f"pandas.read_sql over sqlite3:        {t_read_sql:7.3f} s")
    print(f"store.view(v).to_pandas():           {t_view:7.3f} s   ({t_read_sql / t_view:.1f}x faster)")
    print(f"store.sql(q).to_pandas():            {t_ours:7.3f} s   ({t_read_sql / t_ours:.1f}x faster)")
    t_v, _ = best(lambda: store.view(VIEW), args.runs)
    print(f"  of which store.view(v):            {t_v:7.3f} s")
    t_sql, result = best(lambda: store.sql(QUERY), args.runs)
    print(f"  of which store.sql(q):             {t_sql:7.3f} s")
    t_arrow, _ = best(lambda: result.to_arrow(), args.runs)
    print(f"result.to_arrow():                   {t_arrow:7.3f} s")
    try:
        t_polars, _ = best(lambda: result.to_polars(), args.runs)
        print(f"result.to_polars():                  {t_polars:7.3f} s")
    except ImportError:
        print("result.to_polars():                  (polars not installed)")
    t_numpy, _ = best(lambda: result._to_pandas_numpy(), 1)
    print(f"result.to_pandas() without pyarrow:  {t_numpy:7.3f} s")
    print(df.dtypes.to_string())

    n = 1_000_000
    for label, stmt in [
        ("store.path (a getter, no store access)", "store.path"),
        ("store.closed (locks the store)", "store.closed"),
        ("len(result)", "len(small)"),
        ("licstore.Store.views(store)", "store.views()"),
    ]:
        g = {"store": store, "small": store.sql("SELECT 1")}
        per = min(timeit.repeat(stmt, globals=g, number=n if "views" not in stmt else 10_000, repeat=5))
        per /= n if "views" not in stmt else 10_000
        print(f"no-op call {label}: {per * 1e9:.0f} ns")


if __name__ == "__main__":
    main()
