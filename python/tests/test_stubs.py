"""The .pyi stubs match the compiled module (mypy.stubtest) and type-check real usage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

USAGE = '''
from datetime import date, datetime, timezone
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
    lid: licstore.LicensingId = store.add_licensing_id(
        "E1", customer="Contoso Ltd", program="Enterprise", start_date=date(2024, 1, 1)
    )
    store.add_product("Project", "2019", pool="Applications")
    store.add_entitlements([{"licensing_id": "E1", "family": "Project", "version": "2019",
                             "quantity": 5, "kind": "full", "order_date": date(2024, 2, 1)}])
    summary = store.license_summary("Contoso Ltd", as_of=date(2025, 1, 1))
    missing: int = sum(line.shortfall for line in summary)
    n_lines: int = len(summary.to_pandas())
    key = store.add_product_key("E1", "Project 2019", "BCDFG-HJKMN-PQRTV-WXY23-46789",
                                key_type="MAK", activation_limit=10)
    try:
        store.proxy_activate(key.id, ["PC-1", "PC-2"])
    except licstore.ActivationLimitReached as e:
        which: str = e.subject
    until: datetime = store.submit_reservation(
        "E1", "Microsoft 365 E3", "AAD-1", quantity=1, usage_date=date(2024, 6, 1)
    ).cancellable_until
    store.set_sku("Contoso Ltd", "ENTERPRISEPACK", enabled=5, term_end=date(2026, 6, 30))
    store.add_subscriber("Contoso Ltd", "ada@contoso.com", usage_location="GB")
    usage: licstore.SkuUsage = store.sku_usage("Contoso Ltd")
    free: int = sum(s.available for s in usage)
    preview: licstore.BulkPreview = store.preview(
        "assign", ["ENTERPRISEPACK"], customer="Contoso Ltd", filter={"domain": "contoso.com"}
    )
    needed: int = preview.skus[0].seats_needed
    try:
        out = store.assign(["ENTERPRISEPACK"], customer="Contoso Ltd", users=["ada@contoso.com"],
                           expires_at=date(2026, 1, 1), mode="best_effort")
        failed: list[str | None] = [i.code for i in out.items if i.outcome == "error"]
    except licstore.BulkOperationFailed as e:
        job_id: int | None = e.job_id
        codes_: list[str] = [f.code_name for f in e.failures]
    holders: list[str] = store.holders_at("Contoso Ltd", "ENTERPRISEPACK", date(2025, 1, 1))
    diff: licstore.UserSyncDiff = store.diff_m365_users("Contoso Ltd", "users.csv")
    lines: list[int] = [u.line for u in diff.new]
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


def test_package_type_checks_strictly() -> None:
    """The pure-Python modules (plots, frame helpers) pass ``mypy --strict`` against the stubs."""
    package = Path(__file__).resolve().parents[1] / "licstore"
    run = mypy("--strict", str(package))
    assert run.returncode == 0, run.stdout + run.stderr
