"""Online services from Python (docs/online.md): SKUs, subscribers, groups, rules, single and
bulk assignments with previews and jobs, expiry, offboarding, numbers, profiles, history, and the
M365 users / Graph SKU syncs; every store is a real file."""

from __future__ import annotations

import csv
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import licstore

DATA = Path(__file__).parent / "data"

E3 = "ENTERPRISEPACK"  # Office 365 E3
M365E3 = "SPE_E3"  # Microsoft 365 E3
PHONE = "MCOEV"  # Microsoft Teams Phone Standard (an add-on)
BI = "POWER_BI_PRO"
CONTOSO_USERS = [f"u{i}@contoso.com" for i in range(6)]


@pytest.fixture
def online(store: licstore.Store) -> licstore.Store:
    """Contoso (default US) with E3 (5 seats), M365 E3 (2), Phone (2), Power BI (10) and users
    u0..u5; Fabrikam without a default usage location, E3 (5) and one user; the rules: Phone
    needs E3 or M365 E3, E3 excludes M365 E3, Power BI is blocked in CN."""
    store.add_customer("Contoso", default_usage_location="US")
    store.add_customer("Fabrikam")
    for sku, n in [(E3, 5), (M365E3, 2), (PHONE, 2), (BI, 10)]:
        store.set_sku("Contoso", sku, enabled=n)
    store.set_sku("Fabrikam", E3, enabled=5)
    assert store.add_subscribers([{"customer": "Contoso", "upn": u} for u in CONTOSO_USERS]) == 6
    store.add_subscriber("Fabrikam", "nobody@fabrikam.com")
    store.add_sku_rule(PHONE, requires=[E3, M365E3])
    store.add_sku_rule(E3, excludes=M365E3)
    store.add_sku_rule(BI, blocked_in=["CN"])
    return store


def snapshot(store: licstore.Store) -> list[tuple[object, ...]]:
    """Everything assignments change: who holds what, and the counts per SKU."""
    held = store.sql(
        "SELECT * FROM subscriber_licenses ORDER BY user_principal_name, sku_id"
    ).rows
    usage = [(s.sku_part_number, s.assigned, s.available) for s in store.sku_usage("Contoso")]
    return [*held, *usage]


# --- catalog, SKUs, subscribers, groups ---


def test_catalog_lookups(online: licstore.Store) -> None:
    e3 = online.catalog_sku(E3)
    assert e3.display_name == "Office 365 E3"
    assert online.catalog_sku(e3.sku_id) == e3
    assert e3.plans and all(len(p) == 3 for p in e3.plans)
    assert online.catalog_by_name("office 365 e3") == [e3.sku_id]
    assert online.catalog_by_name("No such product") == []
    with pytest.raises(licstore.SkuNotFound) as e:
        online.catalog_sku("NO_SUCH_SKU")
    assert e.value.subject == "NO_SUCH_SKU"
    assert "CatalogSku(" in repr(e3)


def test_import_catalog_from_microsofts_csv(online: licstore.Store, tmp_path: Path) -> None:
    e3 = online.catalog_sku(E3)
    with open(tmp_path / "catalog.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "Product_Display_Name",
                "String_Id",
                "GUID",
                "Service_Plan_Name",
                "Service_Plan_Id",
                "Service_Plans_Included_Friendly_Names",
            ]
        )
        for part, guid, name in [
            (E3, e3.sku_id, "Office 365 E3 (renamed)"),
            (M365E3, online.catalog_sku(M365E3).sku_id, "Microsoft 365 E3"),
            (PHONE, online.catalog_sku(PHONE).sku_id, "Teams Phone"),
            (BI, online.catalog_sku(BI).sku_id, "Power BI Pro"),
        ]:
            w.writerow([name, part, guid, "EXCHANGE_S_ENTERPRISE", e3.plans[0][0], "Exchange"])
    report = online.import_catalog(tmp_path / "catalog.csv")
    assert (report.skus, report.plans, report.duplicate_rows) == (4, 4, 0)
    assert online.sku("Contoso", E3).display_name == "Office 365 E3 (renamed)"


def test_set_sku_and_usage(online: licstore.Store) -> None:
    sku = online.set_sku(
        "Contoso",
        E3,
        enabled=5,
        warning=2,
        suspended=1,
        capability_status="warning",
        term_end=date(2026, 6, 30),
        reported_consumed=3,
    )
    assert (sku.enabled, sku.warning, sku.suspended, sku.locked_out) == (5, 2, 1, 0)
    assert sku.capability_status == "Warning" and sku.applies_to == "User"
    assert sku.term_end == date(2026, 6, 30)
    assert (sku.assigned, sku.available, sku.reported_consumed, sku.drift) == (0, 7, 3, 3)
    assert online.sku("contoso", sku.sku_id) == sku
    usage = online.sku_usage("Contoso")
    assert len(usage) == 4 and usage[0] == usage.skus[0] and list(usage)[-1] == usage[-1]
    assert sku in usage.skus
    assert online.sku_usage("CONTOSO").customer == "Contoso"
    # The same figures as the view.
    view = online.sql(
        "SELECT sku_part_number, assigned, available FROM sku_usage WHERE customer = 'Contoso' "
        "ORDER BY display_name, sku_id"
    ).rows
    assert view == [(s.sku_part_number, s.assigned, s.available) for s in usage]
    with pytest.raises(licstore.InvalidArgument):
        online.set_sku("Contoso", E3, enabled=-1)
    with pytest.raises(licstore.SkuNotFound):
        online.sku("Contoso", "SPE_E5")
    with pytest.raises(TypeError, match="datetime.date"):
        online.set_sku("Contoso", E3, enabled=1, term_end=datetime.now(timezone.utc))


def test_sku_usage_to_pandas(online: licstore.Store) -> None:
    pytest.importorskip("pandas")
    online.set_sku("Contoso", E3, enabled=5, term_end=date(2026, 6, 30), reported_consumed=1)
    online.assign_license("u0@contoso.com", E3)
    df = online.sku_usage("Contoso").to_pandas()
    assert list(df.columns)[:4] == ["customer", "sku_id", "sku_part_number", "display_name"]
    row = df[df.sku_part_number == E3].iloc[0]
    assert (row.assigned, row.available, row.drift) == (1, 4, 0)
    assert str(df["assigned"].dtype) == "Int64"
    assert str(df["term_end"].dtype) == "datetime64[s]"
    assert df["term_end"].isna().sum() == 3
    assert df["drift"].isna().sum() == 3


def test_subscribers(online: licstore.Store) -> None:
    s = online.add_subscriber(
        "Contoso",
        "Ada@Contoso.com",
        display_name="Ada",
        usage_location="gb",
        department="Research",
        object_id="8f2b3c4d-0000-4000-8000-000000000001",
        status="staged",
    )
    assert (s.user_principal_name, s.usage_location, s.status) == ("Ada@Contoso.com", "GB", "Staged")
    assert online.subscriber("ada@contoso.com") == s
    assert "Subscriber(customer='Contoso'" in repr(s)
    u = online.update_subscriber("ada@contoso.com", department=None, status="Active")
    assert (u.department, u.status, u.display_name) == (None, "Active", "Ada")
    with pytest.raises(licstore.InvalidState):
        online.update_subscriber("ada@contoso.com", status="Offboarded")
    with pytest.raises(licstore.AlreadyExists):
        online.add_subscriber("Contoso", "ADA@contoso.com")
    with pytest.raises(licstore.UserNotFound) as e:
        online.subscriber("ghost@contoso.com")
    assert e.value.subject == "ghost@contoso.com"
    assert [x.user_principal_name for x in online.subscribers("Contoso")][:2] == [
        "Ada@Contoso.com",
        "u0@contoso.com",
    ]
    # add_subscribers is all or none, and checks its dicts like keyword arguments.
    with pytest.raises(licstore.InvalidArgument):
        online.add_subscribers(
            [{"customer": "Contoso", "upn": "ok@contoso.com"}, {"customer": "Contoso", "upn": "bad"}]
        )
    with pytest.raises(licstore.UserNotFound):
        online.subscriber("ok@contoso.com")
    with pytest.raises(TypeError, match="unknown key 'mail'"):
        online.add_subscribers(
            [{"customer": "Contoso", "upn": "x@contoso.com", "mail": "x"}]  # type: ignore[typeddict-unknown-key]
        )
    with pytest.raises(TypeError, match="lacks 'upn'"):
        online.add_subscribers([{"customer": "Contoso"}])  # type: ignore[typeddict-item]


def test_groups(online: licstore.Store) -> None:
    online.add_group("Contoso", "Sales")
    assert online.add_group_members("Contoso", "Sales", ["u1@contoso.com", "U2@contoso.com"]) == 2
    assert online.add_group_members("Contoso", "Sales", ["u1@contoso.com"]) == 0
    assert online.group_members("Contoso", "Sales") == ["u1@contoso.com", "u2@contoso.com"]
    with pytest.raises(licstore.AlreadyExists):
        online.add_group("Contoso", "Sales")
    with pytest.raises(licstore.NotFound):
        online.group_members("Contoso", "Nobody")
    out = online.assign([E3], customer="Contoso", groups=["Sales"])
    assert out.ok == 2 and [i.subject for i in out.items] == ["u1@contoso.com", "u2@contoso.com"]


def test_sku_rule_takes_exactly_one_kind(online: licstore.Store) -> None:
    with pytest.raises(TypeError, match="exactly one"):
        online.add_sku_rule(E3)
    with pytest.raises(TypeError, match="exactly one"):
        online.add_sku_rule(E3, excludes=M365E3, blocked_in=["CN"])
    with pytest.raises(licstore.SkuNotFound):
        online.add_sku_rule("NO_SUCH_SKU", excludes=E3)


# --- single assignments: every per-user error from Python ---


def test_every_per_user_error_single(online: licstore.Store) -> None:
    with pytest.raises(licstore.UserNotFound) as e:
        online.assign_license("ghost@contoso.com", E3)
    assert e.value.subject == "ghost@contoso.com"
    with pytest.raises(licstore.SkuNotFound):
        online.assign_license("u0@contoso.com", "NO_SUCH_SKU")
    with pytest.raises(licstore.SkuNotFound):  # in the catalog, not subscribed
        online.assign_license("u0@contoso.com", "SPE_E5")
    with pytest.raises(licstore.DependencyViolation) as dep:
        online.assign_license("u0@contoso.com", PHONE)
    assert dep.value.subject == "u0@contoso.com"
    assert online.assign_license("u0@contoso.com", E3) is True
    assert online.assign_license("u0@contoso.com", PHONE) is True
    assert online.assign_license("u0@contoso.com", PHONE) is False  # held already
    with pytest.raises(licstore.DependencyViolation):
        online.remove_license("u0@contoso.com", E3)
    with pytest.raises(licstore.MutuallyExclusiveViolation):
        online.assign_license("u0@contoso.com", M365E3)
    online.update_subscriber("u1@contoso.com", usage_location="cn")
    with pytest.raises(licstore.ProhibitedInUsageLocationViolation):
        online.assign_license("u1@contoso.com", BI)
    with pytest.raises(licstore.UsageLocationMissing):
        online.assign_license("nobody@fabrikam.com", E3)
    assert online.assign_license("nobody@fabrikam.com", E3, usage_location="PL")
    assert online.subscriber("nobody@fabrikam.com").usage_location == "PL"
    assert online.assign_license("u2@contoso.com", M365E3)
    assert online.assign_license("u3@contoso.com", M365E3)
    with pytest.raises(licstore.CountViolation) as count:
        online.assign_license("u4@contoso.com", M365E3)
    assert count.value.subject == "u4@contoso.com"
    assert online.offboard("u3@contoso.com") == 1
    with pytest.raises(licstore.UserOffboarded):
        online.assign_license("u3@contoso.com", E3)
    with pytest.raises(licstore.UserOffboarded):
        online.offboard("u3@contoso.com")
    assert online.remove_license("u5@contoso.com", E3) is False
    assert online.assign_license("u4@contoso.com", M365E3)  # the offboarded user's seat
    names = [lic.display_name for lic in online.licenses("u0@contoso.com")]
    assert names == ["Microsoft Teams Phone Standard", "Office 365 E3"]
    assert online.remove_license("u0@contoso.com", PHONE) is True


# --- bulk: atomic refusals, best effort, rerun, preview ---


@pytest.mark.parametrize(
    "setup, targets, expected",
    [
        (lambda s: None, ["ghost@contoso.com"], "UserNotFound"),
        (
            lambda s: s.assign_license("u0@contoso.com", M365E3),
            ["u0@contoso.com"],
            "MutuallyExclusiveViolation",
        ),
        (
            lambda s: s.update_subscriber("u0@contoso.com", usage_location="CN"),
            ["u0@contoso.com"],
            "ProhibitedInUsageLocationViolation",
        ),
        (lambda s: s.offboard("u0@contoso.com"), ["u0@contoso.com"], "UserOffboarded"),
    ],
)
def test_atomic_refusal_names_each_failure_and_changes_nothing(
    online: licstore.Store, setup: object, targets: list[str], expected: str
) -> None:
    setup(online)  # type: ignore[operator]
    before = snapshot(online)
    skus = [E3, BI] if expected != "MutuallyExclusiveViolation" else [E3]
    with pytest.raises(licstore.BulkOperationFailed) as e:
        online.assign(skus, customer="Contoso", users=["u5@contoso.com", *targets])
    assert [(f.code_name, f.subject) for f in e.value.failures] == [(expected, targets[0])]
    f = e.value.failures[0]
    assert isinstance(f, licstore.Violation) and f.code == licstore.error_codes()[expected]
    assert snapshot(online) == before
    assert e.value.job_id is not None
    job = online.job(e.value.job_id)
    # Atomic: the user that passed was not applied either; its item says so.
    assert (job.status, job.ok, job.failed) == ("Failed", 0, 2)
    assert [i.code for i in online.job_items(job.id)][1] == expected


def test_bulk_errors_count_dependency_usage_location_sku(online: licstore.Store) -> None:
    before = snapshot(online)
    # CountViolation: 6 users, 2 seats.
    with pytest.raises(licstore.BulkOperationFailed) as e:
        online.assign([M365E3], customer="Contoso", users=CONTOSO_USERS)
    assert {f.code_name for f in e.value.failures} == {"CountViolation"}
    assert len(e.value.failures) == 4
    # DependencyViolation: an add-on without its base.
    with pytest.raises(licstore.BulkOperationFailed) as e:
        online.assign([PHONE], customer="Contoso", users=["u0@contoso.com"])
    assert e.value.failures[0].code_name == "DependencyViolation"
    # UsageLocationMissing: Fabrikam has no default.
    with pytest.raises(licstore.BulkOperationFailed) as e:
        online.assign([E3], customer="Fabrikam", users=["nobody@fabrikam.com"])
    assert e.value.failures[0].code_name == "UsageLocationMissing"
    assert snapshot(online) == before
    # SkuNotFound names the request, not a user: it is raised by itself.
    with pytest.raises(licstore.SkuNotFound) as sku:
        online.assign(["SPE_E5"], customer="Contoso", users=["u0@contoso.com"])
    assert "SPE_E5" in str(sku.value)
    assert snapshot(online) == before


def test_best_effort_applies_the_rest_and_rerun_retries_only_failures(online: licstore.Store) -> None:
    out = online.assign([M365E3], customer="Contoso", users=CONTOSO_USERS, mode="best_effort")
    assert (out.status, out.ok, out.failed) == ("FinishedWithException", 2, 4)
    assert [i.outcome for i in out.items] == ["ok", "ok", "error", "error", "error", "error"]
    assert {i.code for i in out.items.failures} == {"CountViolation"}
    assert online.sku("Contoso", M365E3).available == 0
    # Still no seats: the rerun fails the same four users, and only them.
    again = online.rerun_job(out.job_id)
    assert [i.subject for i in again.items] == CONTOSO_USERS[2:]
    assert online.job(again.job_id).rerun_of == out.job_id
    # Two more seats: the rerun of the rerun gives them to two of the four.
    online.set_sku("Contoso", M365E3, enabled=4)
    third = online.rerun_job(again.job_id)
    assert (third.ok, third.failed) == (2, 2)
    holders = online.holders_at("Contoso", M365E3, datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert len(holders) == 4 and set(holders) <= set(CONTOSO_USERS)
    with pytest.raises(licstore.InvalidState):
        online.rerun_job(online.assign([BI], customer="Contoso", users=["u0@contoso.com"]).job_id)
    with pytest.raises(licstore.NotFound):
        online.rerun_job(10_000)


def test_atomic_failed_job_reruns_once_fixed(online: licstore.Store) -> None:
    with pytest.raises(licstore.BulkOperationFailed) as e:
        online.assign([M365E3], customer="Contoso", users=CONTOSO_USERS[:3])
    assert e.value.job_id is not None
    items = online.job_items(e.value.job_id)
    assert [i.outcome for i in items] == ["error"] * 3  # atomic: nobody applied
    assert sum(1 for i in items if i.code == "CountViolation") == 1
    online.set_sku("Contoso", M365E3, enabled=3)
    out = online.rerun_job(e.value.job_id)
    assert (out.status, out.ok) == ("Finished", 3)


def test_preview_writes_nothing(online: licstore.Store) -> None:
    online.assign_license("u0@contoso.com", E3)
    before = snapshot(online)
    jobs = len(online.sql("SELECT * FROM jobs"))
    audit = len(online.audit_log())
    p = online.preview("assign", [E3, M365E3], customer="Contoso", users=CONTOSO_USERS[:3])
    assert p.targets == 3
    by = {s.sku_part_number: s for s in p.skus}
    assert (by[E3].held_by, by[E3].holders, by[E3].seats_needed, by[E3].seats_available) == ("some", 1, 2, 4)
    assert (by[M365E3].held_by, by[M365E3].seats_needed, by[M365E3].seats_available) == ("none", 3, 2)
    assert {f.code for f in p.failures} == {"MutuallyExclusiveViolation"}
    assert all(isinstance(f, licstore.JobItem) and f.outcome == "error" for f in p.failures)
    every = online.preview("assign", [E3], customer="Contoso", users=["u0@contoso.com"])
    assert every.skus[0].held_by == "all" and every.skipped == 1 and every.failures == []
    rm = online.preview("remove", [E3], customer="Contoso", filter={"domain": "contoso.com"})
    assert rm.skus[0].seats_freed == 1 and rm.ok == 1 and rm.skipped == 5
    rp = online.preview("replace", [M365E3], customer="Contoso", users=["u0@contoso.com"], old=[E3])
    assert rp.ok == 1 and rp.failures == []
    assert snapshot(online) == before
    assert len(online.sql("SELECT * FROM jobs")) == jobs
    assert len(online.audit_log()) == audit
    with pytest.raises(licstore.InvalidArgument):
        online.preview("swap", [E3], customer="Contoso", users=["u0@contoso.com"])
    with pytest.raises(TypeError, match="exactly one"):
        online.preview("assign", [E3], customer="Contoso")
    with pytest.raises(TypeError, match="replace"):
        online.preview("assign", [E3], customer="Contoso", users=["u0@contoso.com"], old=[E3])
    with pytest.raises(TypeError, match="assign"):
        online.preview("remove", [E3], customer="Contoso", users=["u0@contoso.com"], take_number=True)


def test_remove_replace_filter_and_jobs(online: licstore.Store, tmp_path: Path) -> None:
    online.update_subscriber("u0@contoso.com", department="Sales")
    online.update_subscriber("u1@contoso.com", department="sales")
    out = online.assign([E3, BI], customer="Contoso", filter={"department": "SALES"})
    assert (out.ok, [i.subject for i in out.items]) == (2, ["u0@contoso.com", "u1@contoso.com"])
    rep = online.replace([M365E3], customer="Contoso", users=["u0@contoso.com"], old=[E3])
    assert rep.ok == 1
    assert {lic.sku_id for lic in online.licenses("u0@contoso.com")} == {
        online.catalog_sku(M365E3).sku_id,
        online.catalog_sku(BI).sku_id,
    }
    everything = online.replace([E3], customer="Contoso", users=["u0@contoso.com"])
    assert everything.ok == 1
    assert [lic.display_name for lic in online.licenses("u0@contoso.com")] == ["Office 365 E3"]
    rm = online.remove([E3], customer="Contoso", users=["u0@contoso.com", "u2@contoso.com"])
    assert [(i.outcome, i.code) for i in rm.items] == [("ok", None), ("skipped", "NotAssigned")]
    job = online.job(rm.job_id)
    assert (job.kind, job.status, job.ok, job.skipped, job.customer) == ("remove", "Finished", 1, 1, "Contoso")
    assert job.actor == "auditor@contoso.com"
    assert job.created_at.tzinfo is not None and job.finished_at is not None
    assert '"Remove"' in job.parameters
    items = online.job_items(rm.job_id)
    assert items == rm.items and len(items) == 2 and items[-1].subject == "u2@contoso.com"
    n = online.export_job_items(rm.job_id, tmp_path / "items.csv")
    with open(tmp_path / "items.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert n == 2 and [r["user_principal_name"] for r in rows] == ["u0@contoso.com", "u2@contoso.com"]
    assert rows[1]["code"] == "NotAssigned"
    with pytest.raises(licstore.NotFound):
        online.job_items(10_000)
    with pytest.raises(licstore.InvalidArgument):
        online.remove([E3], customer="Contoso", users=["u0@contoso.com"], mode="sometimes")
    with pytest.raises(TypeError, match="unknown key"):
        online.assign([E3], customer="Contoso", filter={"dept": "x"})  # type: ignore[arg-type]


def test_job_items_to_pandas(online: licstore.Store) -> None:
    pytest.importorskip("pandas")
    out = online.assign([M365E3], customer="Contoso", users=CONTOSO_USERS, mode="best_effort")
    df = online.job_items(out.job_id).to_pandas()
    assert list(df.columns) == ["subject", "outcome", "code", "message"]
    assert df.outcome.value_counts().to_dict() == {"error": 4, "ok": 2}
    assert df.code.isna().sum() == 2


# --- time: expiry, point in time, expiring ---


def test_expiry_and_point_in_time(online: licstore.Store) -> None:
    t0 = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    online.assign_license("u0@contoso.com", E3, expires_at=date(2024, 5, 20))
    online.assign([E3], customer="Contoso", users=["u1@contoso.com"], expires_at=t0 + timedelta(days=30))
    online.assign_license("u2@contoso.com", E3)
    lic = online.licenses("u0@contoso.com")[0]
    assert lic.expires_at == datetime(2024, 5, 20, tzinfo=timezone.utc)
    online.set_sku("Contoso", BI, enabled=10, term_end=date(2024, 5, 10))
    soon = online.expiring(14, customer="Contoso")
    assert [(x.kind, x.user_principal_name) for x in soon] == [("sku_term", None), ("license", "u0@contoso.com")]
    assert soon[0].at == date(2024, 5, 10) and soon[1].at == datetime(2024, 5, 20, tzinfo=timezone.utc)
    assert len(online.expiring(60)) == 3
    # Nothing expires before its time.
    assert online.expire().ok == 0
    # Three weeks later: u0's license goes, and history remembers it.
    later = t0 + timedelta(days=21)
    online.set_clock(later)
    out = online.expire()
    assert (out.ok, [i.subject for i in out.items]) == (1, ["u0@contoso.com"])
    assert online.job(out.job_id).kind == "expire" and online.job(out.job_id).customer is None
    assert online.licenses("u0@contoso.com") == []
    assert online.holders_at("Contoso", E3, t0 + timedelta(days=1)) == [
        "u0@contoso.com",
        "u1@contoso.com",
        "u2@contoso.com",
    ]
    assert online.holders_at("Contoso", E3, later) == ["u1@contoso.com", "u2@contoso.com"]
    assert online.holders_at("Contoso", E3, date(2024, 1, 1)) == []
    # An explicit instant.
    assert online.expire(datetime(2024, 7, 1, tzinfo=timezone.utc)).ok == 1
    with pytest.raises(licstore.InvalidArgument, match="naive"):
        online.holders_at("Contoso", E3, datetime(2024, 5, 6))
    with pytest.raises(TypeError):
        online.holders_at("Contoso", E3, "2024-05-06")  # type: ignore[arg-type]


def test_offboard_frees_seats_and_numbers(online: licstore.Store) -> None:
    online.assign_license("u0@contoso.com", E3)
    online.assign_license("u0@contoso.com", PHONE)
    assert online.add_numbers("Contoso", ["+14255550100", "+14255550101"]) == 2
    assert online.assign_number("u0@contoso.com") == "+14255550100"
    assert online.assign_number("u1@contoso.com", "+14255550101") == "+14255550101"
    with pytest.raises(licstore.NumberUnavailable):
        online.assign_number("u2@contoso.com")
    assert online.offboard("u0@contoso.com") == 2
    assert online.subscriber("u0@contoso.com").status == "Offboarded"
    assert online.sku("Contoso", E3).assigned == 0
    assert online.assign_number("u2@contoso.com") == "+14255550100"
    online.set_number_status("+14255550101", "Available")
    online.set_number_status("+14255550101", "Reserved")
    with pytest.raises(licstore.NumberUnavailable):
        online.assign_number("u3@contoso.com")
    with pytest.raises(licstore.InvalidArgument):
        online.add_numbers("Contoso", ["555-0100"])


def test_take_number_with_a_voice_sku(online: licstore.Store) -> None:
    online.add_numbers("Contoso", ["+14255550199"])
    online.assign_license("u0@contoso.com", E3)
    online.assign_license("u1@contoso.com", E3)
    out = online.assign(
        [PHONE],
        customer="Contoso",
        users=["u0@contoso.com", "u1@contoso.com"],
        take_number=True,
        mode="best_effort",
    )
    assert [i.code for i in out.items] == [None, "NumberUnavailable"]


def test_profiles_provision_staged_users(online: licstore.Store) -> None:
    online.add_subscriber("Contoso", "new1@contoso.com", department="Sales", status="Staged")
    online.add_subscriber("Contoso", "new2@contoso.com", department="IT", status="Staged")
    online.set_profile("Contoso", "sales", [E3, BI], department="Sales")
    online.set_profile("Contoso", "everyone", [BI], domain="contoso.com")
    profiles = online.profiles("Contoso")
    assert [p.name for p in profiles] == ["everyone", "sales"]
    assert profiles[1].filter == {"department": "Sales"}
    assert profiles[1].skus == [online.catalog_sku(E3).sku_id, online.catalog_sku(BI).sku_id]
    outs = online.apply_profiles("Contoso")
    assert [o.ok for o in outs] == [2, 1]
    assert online.subscriber("new1@contoso.com").status == "Active"
    assert len(online.licenses("new1@contoso.com")) == 2
    assert online.licenses("u0@contoso.com") == []
    with pytest.raises(licstore.InvalidArgument):
        online.set_profile("Contoso", "none", [])


# --- syncs ---


def m365_export(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    """The real 29-column header (with its BOM) and synthetic rows placed by column name."""
    header = (DATA / "m365-admin-export-users-header.csv").read_text(encoding="utf-8-sig").strip()
    names = header.split(",")
    out = tmp_path / "users.csv"
    with open(out, "w", encoding="utf-8-sig", newline="") as f:
        f.write(header + "\n")
        w = csv.writer(f, lineterminator="\n")
        for r in rows:
            w.writerow([r.get(n, "") for n in names])
    return out


def test_m365_users_sync(online: licstore.Store, tmp_path: Path) -> None:
    for k in ["O365_BUSINESS_ESSENTIALS", "EMSPREMIUM"]:
        online.set_sku("Contoso", k, enabled=10)
    good = m365_export(
        tmp_path,
        [
            {
                "User principal name": "ada@contoso.com",
                "Display name": "Ada",
                "Usage location": "GB",
                "Department": "Research",
                "Licenses": "Microsoft 365 Business Basic+Enterprise Mobility + Security E5",
            },
            {"User principal name": "u0@contoso.com", "Display name": "User Zero", "Licenses": "Unlicensed"},
        ],
    )
    diff = online.diff_m365_users("Contoso", good)
    assert diff.errors == []
    assert [(u.kind, u.line, u.user_principal_name) for u in diff.new] == [("New", 2, "ada@contoso.com")]
    assert diff.new[0].changes == ["+Microsoft 365 Business Basic", "+Enterprise Mobility + Security E5"]
    assert [u.user_principal_name for u in diff.changed] == ["u0@contoso.com"]
    assert {u.user_principal_name for u in diff.gone} == set(CONTOSO_USERS[1:])
    assert online.subscribers("Contoso")[0].user_principal_name == "u0@contoso.com"  # nothing written
    job = online.apply_m365_users("Contoso", good)
    assert (job.kind, job.status) == ("sync_users", "Finished")
    ada = online.subscriber("ada@contoso.com")
    assert (ada.status, ada.usage_location, ada.department) == ("Staged", "GB", "Research")
    assert len(online.licenses("ada@contoso.com")) == 2
    assert online.subscriber("u0@contoso.com").display_name == "User Zero"
    assert all(u.kind != "Changed" and u.kind != "New" for u in online.diff_m365_users("Contoso", good).users)
    # An unknown name is reported with its line; the apply refuses the file and writes nothing.
    bad = m365_export(
        tmp_path,
        [
            {"User principal name": "bob@contoso.com", "Licenses": "Unlicensed"},
            {"User principal name": "eve@contoso.com", "Licenses": "Office 365 E3+Contoso Galaxy Plan"},
        ],
    )
    d = online.diff_m365_users("Contoso", bad)
    assert [(e.line, e.column) for e in d.errors] == [(3, "Licenses")]
    assert "Contoso Galaxy Plan" in (d.errors[0].value or "") + d.errors[0].reason
    with pytest.raises(licstore.CsvError) as e:
        online.apply_m365_users("Contoso", bad)
    assert e.value.line == 3
    with pytest.raises(licstore.UserNotFound):
        online.subscriber("bob@contoso.com")


def test_graph_skus_sync(store: licstore.Store, tmp_path: Path) -> None:
    store.add_customer("Contoso")
    path = DATA / "graph-subscribedSkus-docs-example.json"
    changes = store.diff_graph_skus("Contoso", path)
    assert sorted((c.kind, c.sku_part_number) for c in changes) == [
        ("New", "CRMSTANDARD"),
        ("New", "ENTERPRISEPREMIUM"),
    ]
    assert store.sku_usage("Contoso").skus == []  # nothing written
    done = store.apply_graph_skus("Contoso", path)
    assert done.job.kind == "sync_skus" and len(done.changes) == 2
    e5 = store.sku("Contoso", "ENTERPRISEPREMIUM")
    assert (e5.enabled, e5.reported_consumed, e5.drift) == (25, 14, 14)
    crm = store.sku("Contoso", "CRMSTANDARD")
    assert (crm.capability_status, crm.suspended) == ("Suspended", 25)
    assert {c.kind for c in store.diff_graph_skus("Contoso", path)} == {"Unchanged"}
    broken = tmp_path / "broken.json"
    broken.write_text('{"items": []}', encoding="utf-8")
    with pytest.raises(licstore.InvalidArgument):
        store.diff_graph_skus("Contoso", broken)
    with pytest.raises(licstore.IoError):
        store.diff_graph_skus("Contoso", tmp_path / "missing.json")


# --- threads ---


def test_two_threads_never_exceed_the_pool(online: licstore.Store) -> None:
    online.add_subscribers(
        [{"customer": "Contoso", "upn": f"t{i}@contoso.com"} for i in range(40)]
    )
    online.set_sku("Contoso", BI, enabled=25)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker(first: int) -> None:
        try:
            for i in range(first, 40, 2):
                try:
                    online.assign([BI], customer="Contoso", users=[f"t{i}@contoso.com"])
                    results.append(i)
                except licstore.BulkOperationFailed as e:
                    assert e.failures[0].code_name == "CountViolation"
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 25
    usage = online.sku("Contoso", BI)
    assert (usage.assigned, usage.available) == (25, 0)


def test_reprs_are_readable(online: licstore.Store) -> None:
    out = online.assign([E3], customer="Contoso", users=["u0@contoso.com"])
    assert repr(out) == (
        f"BulkOutcome(job_id={out.job_id}, status='Finished', ok=1, skipped=0, failed=0)"
    )
    assert repr(out.items[0]) == (
        f"JobItem(subject='u0@contoso.com', outcome='ok', code=None, message={out.items[0].message!r})"
    )
    assert repr(online.job(out.job_id)).startswith("Job(id=")
    assert repr(online.sku_usage("Contoso")) == "<SkuUsage of 'Contoso': 4 SKUs>"
    p = online.preview("assign", [E3], customer="Contoso", users=["u0@contoso.com"])
    assert "held_by='all'" in repr(p.skus[0])


def test_docs_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/python.md's online-services example runs as written and prints what it says."""
    doc = (Path(__file__).parents[2] / "docs" / "python.md").read_text(encoding="utf-8")
    section = doc.split("\n## Online services\n")[1]
    code = section.split("```python\n")[1].split("```")[0]
    printed = section.split("prints\n\n```\n")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/python.md", "exec"), {})
    assert capsys.readouterr().out == printed


def test_two_stores_on_one_file_never_exceed_the_pool(online: licstore.Store, path: Path) -> None:
    """Two connections (one Store per thread) race for the last seats; the pool holds."""
    online.add_subscribers([{"customer": "Contoso", "upn": f"p{i}@contoso.com"} for i in range(30)])
    online.set_sku("Contoso", BI, enabled=17)
    won: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def worker(first: int) -> None:
        try:
            with licstore.Store(path) as mine:
                for i in range(first, 30, 2):
                    upn = f"p{i}@contoso.com"
                    try:
                        mine.assign_license(upn, BI)
                        won.append(upn)
                    except licstore.CountViolation as e:
                        assert e.subject == upn
                        refused.append(upn)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (len(won), len(refused)) == (17, 13)
    assert sorted(online.holders_at("Contoso", BI, datetime(2030, 1, 1, tzinfo=timezone.utc))) == sorted(won)
    assert online.sku("Contoso", BI).available == 0


def test_notebook_tables(online: licstore.Store) -> None:
    online.set_sku("Contoso", E3, enabled=5, term_end=date(2026, 6, 30))
    usage = online.sku_usage("Contoso")._repr_html_()
    assert usage.startswith('<table class="licstore-sku-usage"><caption>SKU usage of Contoso')
    assert "<td>Office 365 E3</td><td>ENTERPRISEPACK</td><td>Enabled</td><td>5</td>" in usage
    assert "<td>2026-06-30</td>" in usage and usage.endswith("<p>4 SKUs</p>")
    out = online.assign([M365E3], customer="Contoso", users=CONTOSO_USERS, mode="best_effort")
    html = out._repr_html_()
    assert f"job {out.job_id}: FinishedWithException (ok 2, skipped 0, failed 4)" in html
    assert html.count("<td>CountViolation</td>") == 4
    assert online.job_items(out.job_id)._repr_html_() == html.replace(
        f"job {out.job_id}: FinishedWithException (ok 2, skipped 0, failed 4)", f"job {out.job_id}"
    )
    p = online.preview("assign", [BI, E3], customer="Contoso", users=["u0@contoso.com", "x@y.com"])
    ph = p._repr_html_()
    assert "Preview: 2 targets, 0 would change, 0 skipped, 2 would fail" in ph
    assert "<td>Power BI Pro</td><td>none</td>" in ph and "<td>x@y.com</td><td>error</td><td>UserNotFound</td>" in ph
    big = online.assign([BI], customer="Contoso", filter={"domain": "contoso.com"})
    assert "<b>" not in big._repr_html_()


def test_disabled_plans_and_usage_location_in_bulk(online: licstore.Store) -> None:
    plan = online.catalog_sku(E3).plans[0][0]
    out = online.assign(
        [E3],
        customer="Fabrikam",
        users=["nobody@fabrikam.com"],
        usage_location="DE",
        disabled_plans=[plan],
    )
    assert out.ok == 1
    assert online.subscriber("nobody@fabrikam.com").usage_location == "DE"
    (stored,) = online.sql(
        "SELECT disabled_plans, source, job_id FROM subscriber_licenses WHERE user_principal_name = ?",
        ["nobody@fabrikam.com"],
    ).rows
    assert plan in str(stored[0]) and stored[2] == out.job_id
    # A plan of another SKU is refused before anything runs.
    with pytest.raises(licstore.InvalidArgument):
        online.assign_license("u0@contoso.com", BI, disabled_plans=[plan])
    assert online.licenses("u0@contoso.com") == []


def test_the_gil_is_released_during_a_bulk_run(online: licstore.Store) -> None:
    # Enough users that the run takes well over 20 ms in an optimized build on a quiet machine
    # (3,000 took under 20 ms there).
    n = 30_000
    online.add_subscribers([{"customer": "Contoso", "upn": f"g{i}@contoso.com"} for i in range(n)])
    online.set_sku("Contoso", BI, enabled=n + len(CONTOSO_USERS))
    window: list[float] = []
    outcome: list[licstore.BulkOutcome] = []

    def run() -> None:
        window.append(time.perf_counter())
        outcome.append(online.assign([BI], customer="Contoso", filter={"domain": "contoso.com"}))
        window.append(time.perf_counter())

    worker = threading.Thread(target=run)
    ticks: list[float] = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    start, end = window
    assert outcome[0].ok == n + len(CONTOSO_USERS)
    inside = [t for t in ticks if start <= t <= end]
    gaps = [b - a for a, b in zip([start, *inside], [*inside, end])]
    # Holding the GIL would leave one gap as long as the whole run.
    assert end - start > 0.02, "the run should take a while"
    assert max(gaps) < (end - start) / 2, (max(gaps), end - start)


def test_bad_input_is_a_clear_exception(online: licstore.Store, path: Path) -> None:
    with pytest.raises(TypeError):
        online.assign(E3, customer="Contoso", users=["u0@contoso.com"])  # a str, not a list
    with pytest.raises(TypeError):
        online.set_sku("Contoso", E3, enabled=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="datetime or a datetime.date"):
        online.assign_license("u0@contoso.com", E3, expires_at="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(licstore.InvalidArgument, match="naive"):
        online.assign_license("u0@contoso.com", E3, expires_at=datetime(2026, 1, 1))
    with pytest.raises(licstore.InvalidArgument):
        online.add_subscriber("Contoso", "x@contoso.com", status="Gone")
    assert online.licenses("u0@contoso.com") == []
    online.close()
    with pytest.raises(licstore.InvalidState, match="closed"):
        online.sku_usage("Contoso")
    with pytest.raises(licstore.InvalidState, match="closed"):
        online.assign([E3], customer="Contoso", users=["u0@contoso.com"])
