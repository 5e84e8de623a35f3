"""Canonical CSV of every entity (import_csv / export), progress bars and callbacks for imports
and bulk jobs, and cancelling them (an exception from the callback, Ctrl-C) with the store
unchanged."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

import licstore

E3 = "ENTERPRISEPACK"


def snapshot(store: licstore.Store) -> list[object]:
    return [
        store.sql("SELECT * FROM customers ORDER BY name").rows,
        store.sql("SELECT * FROM subscriber_licenses ORDER BY user_principal_name").rows,
        len(store.audit_log()),
        store.sql("SELECT count(*) FROM jobs").rows,
    ]


def customers_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "tenant_domain", "default_usage_location"])
        for i in range(n):
            w.writerow([f"Customer {i:06d}", "", "US"])
    return path


def test_entities_are_listed_with_their_columns() -> None:
    names = dict(licstore.Store.entities())
    assert names["customers"] == ["name", "tenant_domain", "default_usage_location"]
    assert {"skus", "subscribers", "assignments", "licensing_ids", "keys"} <= set(names)


def test_import_csv_and_export_round_trip(store: licstore.Store, tmp_path: Path) -> None:
    src = customers_csv(tmp_path / "c.csv", 3)
    report = store.import_csv("customers", src)
    assert isinstance(report, licstore.ImportReport)
    assert (report.rows, report.inserted) == (3, 3)
    out = tmp_path / "out.csv"
    assert store.export("customers", out) == 3
    assert out.read_text(encoding="utf-8") == src.read_text(encoding="utf-8")
    # From open files, binary or text.
    with out.open("rb") as f:
        assert store.import_csv("customers", f).unchanged == 3
    text = io.StringIO("name,tenant_domain,default_usage_location\nAdatum,,DE\n")
    assert store.import_csv("customers", text).inserted == 1
    # A view exports too, in every format.
    assert store.export("customers", tmp_path / "c.jsonl", format="jsonl") == 4
    assert store.export("audit_log", tmp_path / "audit.tsv", format="tsv") == len(store.audit_log())
    with pytest.raises(licstore.InvalidArgument, match="neither an entity"):
        store.export("customer", tmp_path / "x.csv")
    with pytest.raises(licstore.InvalidArgument, match="customers"):
        store.import_csv("people", src)
    with pytest.raises(licstore.InvalidArgument):
        store.import_csv("customers", src, format="jsonl")
    with pytest.raises(TypeError, match="path"):
        store.import_csv("customers", 42)  # type: ignore[arg-type]


def test_csv_error_names_line_column_value(store: licstore.Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,tenant_domain,default_usage_location\nGood,,US\nBad,,XX\nAlso bad,,ZZ\n",
        encoding="utf-8",
    )
    before = snapshot(store)
    with pytest.raises(licstore.CsvError) as e:
        store.import_csv("customers", bad)
    assert (e.value.line, e.value.column, e.value.value) == (3, "default_usage_location", "XX")
    assert [(r.line, r.value) for r in e.value.errors] == [(3, "XX"), (4, "ZZ")]
    assert snapshot(store) == before
    rejects = tmp_path / "rejects.csv"
    report = store.import_csv("customers", bad, mode="skip_invalid", rejects=rejects)
    assert (report.inserted, report.rejected) == (1, 2)
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 3


def test_progress_callback_and_cancel(store: licstore.Store, tmp_path: Path) -> None:
    src = customers_csv(tmp_path / "many.csv", 20_000)
    seen: list[tuple[int, int | None]] = []
    store.import_csv("customers", src, progress=lambda done, total: seen.append((done, total)))
    size = src.stat().st_size
    assert seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    other = customers_csv(tmp_path / "other.csv", 20_000)
    other.write_text(other.read_text(encoding="utf-8").replace("Customer", "Client"), encoding="utf-8")
    before = snapshot(store)

    def stop(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.import_customers(other, progress=stop)
    assert snapshot(store) == before
    with pytest.raises(TypeError, match="progress"):
        store.import_csv("customers", other, progress="yes")  # type: ignore[arg-type]


def test_tqdm_bar_for_imports_and_bulk_jobs(
    store: licstore.Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    src = customers_csv(tmp_path / "c.csv", 5_000)
    store.import_csv("customers", src, progress=True)
    err = capsys.readouterr().err
    assert "import" in err and "100%" in err
    store.set_sku("Customer 000001", E3, enabled=3000)
    store.add_subscribers(
        [{"customer": "Customer 000001", "upn": f"u{i}@c1.example.com"} for i in range(3000)]
    )
    out = store.assign([E3], customer="Customer 000001", filter={}, progress=True)
    assert out.ok == 3000
    err = capsys.readouterr().err
    assert "bulk job" in err and "3000/3000" in err


def test_cancelling_a_bulk_job_writes_nothing(store: licstore.Store) -> None:
    store.add_customer("Contoso", default_usage_location="US")
    store.set_sku("Contoso", E3, enabled=5000)
    store.add_subscribers([{"customer": "Contoso", "upn": f"u{i}@contoso.com"} for i in range(5000)])
    before = snapshot(store)
    calls: list[int] = []

    def stop_halfway(done: int, total: int | None) -> None:
        calls.append(done)
        if done > 0:
            raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        store.assign([E3], customer="Contoso", filter={}, progress=stop_halfway)
    assert snapshot(store) == before
    assert calls[0] == 0


CTRL_C_IMPORT = """
import _thread, csv, sys, threading, time
import licstore

path = sys.argv[1]
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["name", "tenant_domain", "default_usage_location"])
    for i in range(400_000):
        w.writerow([f"Customer {i:07d}", "", "US"])
store = licstore.Store()
seen = []
def progress(done, total):
    if not seen:
        threading.Timer(0.05, _thread.interrupt_main).start()
    seen.append(done)
try:
    store.import_csv("customers", path, progress=progress)
except KeyboardInterrupt:
    n = store.sql("SELECT count(*) FROM customers").rows[0][0]
    print(f"interrupted after {seen[-1]} bytes; customers: {n}")
    sys.exit(0 if n == 0 else 2)
print("the import was not interrupted")
sys.exit(1)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_cancels_an_import(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", CTRL_C_IMPORT, str(tmp_path / "big.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "customers: 0" in run.stdout
