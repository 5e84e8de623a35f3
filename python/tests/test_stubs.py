"""The .pyi stubs match the compiled module (mypy.stubtest) and type-check real usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

USAGE = '''
from datetime import datetime, timezone
import licstore

with licstore.Store("x.licstore") as store:
    store.actor = "a@b.c"
    store.set_clock(datetime.now(timezone.utc))
    c: licstore.Customer = store.add_customer("Contoso", default_usage_location="US")
    when: datetime = c.created_at
    store.update_customer("Contoso", tenant_domain=None, new_name="Contoso Ltd")
    r = store.sql("SELECT * FROM customers WHERE name = :n", {"n": "Contoso"}, timeout=1.5)
    first: str | int | float | bytes | None = r[0][0]
    for row in r:
        print(row[0])
    n_rows: int = len(r.to_pandas())
    report: licstore.ImportReport = store.import_customers("c.csv", mode="skip_invalid")
    try:
        store.customer("nobody")
    except licstore.CsvError as e:
        line: int = e.line
        reasons: list[str] = [x.reason for x in e.errors]
    except licstore.LicstoreError as e:
        number: int = e.code
        name: str = e.code_name
codes: dict[str, int] = licstore.error_codes()
'''


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_stubtest() -> None:
    pytest.importorskip("mypy")
    run = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "licstore._native"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_usage_type_checks_strictly(tmp_path: Path) -> None:
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE, encoding="utf-8")
    run = mypy("--strict", str(usage))
    assert run.returncode == 0, run.stdout + run.stderr
    # And a misuse is caught.
    usage.write_text("import licstore\nlicstore.Store().add_customer(name=1)\n", encoding="utf-8")
    run = mypy("--strict", str(usage))
    assert run.returncode == 1 and "arg-type" in run.stdout, run.stdout
