"""Volume licensing through Python (docs/volume.md): licensing IDs, products, entitlements, the
license summary, product keys and activations, limit increases, SA benefits, reservations and
the VLSC key download. Every test runs on a real store file (conftest.py), clock fixed at
2024-05-06T07:08:09Z."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import licstore
from conftest import FIXED

TODAY = FIXED.date()


def key(last5: str) -> str:
    """A well-formed product key ending in `last5` (characters from the key alphabet)."""
    return f"BCDFG-HJKMN-PQRTV-WXY23-{last5}"


@pytest.fixture
def ea(store: licstore.Store) -> licstore.Store:
    """Contoso with Enterprise enrollment E1 (2024-01-01 to 2026-12-31) and three products."""
    store.add_customer("Contoso")
    store.add_licensing_id(
        "E1", customer="Contoso", program="Enterprise", start_date=date(2024, 1, 1), end_date=date(2026, 12, 31)
    )
    store.add_product("Office Standard", "2016", pool="Applications")
    store.add_product("Office Standard", "2021", pool="Applications")
    store.add_product("Project", "2019", pool="Applications")
    return store


def audit_count(store: licstore.Store) -> int:
    return len(store.audit_log())


# --- licensing IDs, products, entitlements ---


def test_licensing_ids(store: licstore.Store) -> None:
    store.add_customer("Contoso")
    store.add_customer("Adatum")
    lid = store.add_licensing_id(
        "V1234567",
        customer="contoso",
        program="open value",
        parent_program="Open Value Agreement",
        mbsa="MB-1",
        partner="Reseller Ltd",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31),
    )
    assert isinstance(lid, licstore.LicensingId)
    assert (lid.number, lid.customer, lid.program, lid.parent_program) == (
        "V1234567",
        "Contoso",
        "OpenValue",
        "Open Value Agreement",
    )
    assert (lid.mbsa, lid.partner, lid.start_date, lid.end_date) == (
        "MB-1",
        "Reseller Ltd",
        date(2024, 1, 1),
        date(2026, 12, 31),
    )
    assert lid.is_active_on(date(2025, 6, 1)) and not lid.is_active_on(date(2027, 1, 1))
    assert repr(lid).startswith("LicensingId(number='V1234567', customer='Contoso', program='OpenValue'")
    assert "start_date=datetime.date(2024, 1, 1)" in repr(lid)
    assert store.licensing_id("v1234567") == lid
    open_ = store.add_licensing_id("S1", customer="Adatum", program="Select")
    assert (open_.start_date, open_.end_date) == (None, None)
    assert open_.is_active_on(date(1990, 1, 1))
    assert [x.number for x in store.licensing_ids()] == ["S1", "V1234567"]
    assert store.licensing_ids(customer="Adatum") == [open_]
    assert [e.action for e in store.audit_log()][-2:] == ["licensing_id.add", "licensing_id.add"]

    with pytest.raises(licstore.AlreadyExists):
        store.add_licensing_id("v1234567", customer="Contoso", program="Select")
    with pytest.raises(licstore.NotFound):
        store.add_licensing_id("X1", customer="Nobody", program="Select")
    with pytest.raises(licstore.InvalidArgument, match="program"):
        store.add_licensing_id("X1", customer="Contoso", program="Enterprize")
    with pytest.raises(licstore.InvalidArgument):
        store.add_licensing_id(
            "X1", customer="Contoso", program="Select", start_date=date(2025, 1, 1), end_date=date(2024, 1, 1)
        )
    with pytest.raises(licstore.NotFound):
        store.licensing_id("X1")


def test_products_and_entitlements(ea: licstore.Store) -> None:
    p = ea.product("office standard", "2021")
    assert (p.family, p.version, p.pool, p.name) == ("Office Standard", "2021", "Applications", "Office Standard 2021")
    assert repr(p) == "Product(family='Office Standard', version='2021', pool='Applications')"
    assert [x.name for x in ea.products()] == ["Office Standard 2016", "Office Standard 2021", "Project 2019"]
    with pytest.raises(licstore.AlreadyExists):
        ea.add_product("Office Standard", "2021", pool="Applications")
    with pytest.raises(licstore.InvalidArgument, match="pool"):
        ea.add_product("Windows", "11", pool="Desktops")

    full = ea.add_entitlement("E1", "Office Standard", "2016", quantity=10, kind="full", order_date=date(2024, 2, 1))
    assert isinstance(full, licstore.Entitlement)
    assert (full.licensing_id, full.quantity, full.kind, full.order_date) == ("E1", 10, "full", date(2024, 2, 1))
    assert (full.sa_end, full.from_family, full.granted_by) == (None, None, None)
    grant = ea.add_entitlement(
        "E1", "Office Standard", "2016", quantity=2, kind="Grant", order_date=date(2024, 2, 1), granted_by=full.id
    )
    assert (grant.kind, grant.granted_by) == ("grant", full.id)
    assert repr(grant).startswith(f"Entitlement(id={grant.id}, licensing_id='E1', family='Office Standard'")

    lines = ea.add_entitlements(
        [
            {"licensing_id": "E1", "family": "Office Standard", "version": "2021", "quantity": 6,
             "kind": "upgrade", "order_date": date(2024, 3, 1)},
            {"licensing_id": "E1", "family": "Project", "version": "2019", "quantity": 10,
             "kind": "license_and_sa", "order_date": date(2024, 1, 10), "sa_end": date(2024, 12, 31)},
        ]
    )
    assert [(e.kind, e.sa_end) for e in lines] == [("upgrade", None), ("license_and_sa", date(2024, 12, 31))]
    assert [e.id for e in ea.entitlements()] == [full.id, grant.id, lines[0].id, lines[1].id]
    assert ea.entitlements(licensing_id="E1") == ea.entitlements()

    # add_entitlements is all or none: the second line's rule breaks, the first is not added.
    before = ea.entitlements()
    with pytest.raises(licstore.LicstoreError):
        ea.add_entitlements(
            [
                {"licensing_id": "E1", "family": "Project", "version": "2019", "quantity": 1,
                 "kind": "full", "order_date": date(2024, 4, 1)},
                {"licensing_id": "E1", "family": "Project", "version": "2019", "quantity": 0,
                 "kind": "full", "order_date": date(2024, 4, 1)},
            ]
        )
    assert ea.entitlements() == before
    with pytest.raises(licstore.InvalidArgument):
        ea.add_entitlement("E1", "Project", "2019", quantity=1, kind="full", order_date=date(2024, 4, 1),
                           sa_end=date(2025, 1, 1))
    with pytest.raises(licstore.NotFound):
        ea.add_entitlement("E9", "Project", "2019", quantity=1, kind="full", order_date=date(2024, 4, 1))


def test_wrong_types_raise_type_error(ea: licstore.Store) -> None:
    with pytest.raises(TypeError):
        ea.add_product(1, "2021", pool="Applications")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^order_date must be a datetime.date, not str$"):
        ea.add_entitlement("E1", "Project", "2019", quantity=1, kind="full",
                           order_date="2024-01-01")  # type: ignore[arg-type]
    # A datetime is an instant, not a day: refused rather than silently truncated.
    with pytest.raises(TypeError, match="not a datetime"):
        ea.add_entitlement("E1", "Project", "2019", quantity=1, kind="full", order_date=FIXED)
    with pytest.raises(TypeError, match="^end_date must be"):
        ea.add_licensing_id("X1", customer="Contoso", program="Select", end_date=20261231)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="line 0, sa_end must be a datetime.date"):
        ea.add_entitlements([{"licensing_id": "E1", "family": "Project", "version": "2019", "quantity": 1,
                              "kind": "sa", "order_date": date(2024, 1, 1), "sa_end": FIXED}])
    with pytest.raises(TypeError):
        ea.add_entitlement("E1", "Project", "2019", quantity="1", kind="full",  # type: ignore[arg-type]
                           order_date=date(2024, 1, 1))
    with pytest.raises(TypeError, match="unknown key 'qty'"):
        ea.add_entitlements([{"licensing_id": "E1", "qty": 1}])  # type: ignore[typeddict-unknown-key, typeddict-item]
    with pytest.raises(TypeError, match="lacks 'order_date'"):
        ea.add_entitlements([{"licensing_id": "E1", "family": "Project", "version": "2019",  # type: ignore[typeddict-item]
                              "quantity": 1, "kind": "full"}])
    with pytest.raises(TypeError, match="line 0 must be a dict"):
        ea.add_entitlements([("E1", "Project")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ea.license_summary("Contoso", as_of="2024-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ea.activate_key("1", "PC1")  # type: ignore[arg-type]
    with pytest.raises(licstore.InvalidArgument, match="entitlement kind"):
        ea.add_entitlement("E1", "Project", "2019", quantity=1, kind="rental", order_date=date(2024, 1, 1))
    assert ea.entitlements() == []


# --- the license summary ---


def worked_example(store: licstore.Store) -> int:
    """docs/summary-algorithm.md examples 1 and 4 side by side, plus a MAK deployment: Office
    Standard 2016 full x10 upgraded x6 to 2021; Project 2019 license_and_sa x10 with SA ending
    2024-12-31; a MAK for Office Standard 2021 with 7 activations before the store and 1 since."""
    store.add_entitlements(
        [
            {"licensing_id": "E1", "family": "Office Standard", "version": "2016", "quantity": 10,
             "kind": "full", "order_date": date(2024, 2, 1)},
            {"licensing_id": "E1", "family": "Office Standard", "version": "2021", "quantity": 6,
             "kind": "upgrade", "order_date": date(2024, 3, 1)},
            {"licensing_id": "E1", "family": "Project", "version": "2019", "quantity": 10,
             "kind": "license_and_sa", "order_date": date(2024, 1, 10), "sa_end": date(2024, 12, 31)},
        ]
    )
    k = store.add_product_key("E1", "Office Standard 2021", key("2346B"), key_type="MAK",
                              activation_limit=50, baseline_used=7)
    store.activate_key(k.id, "PC-001")
    return k.id


def cells(line: licstore.SummaryLine) -> tuple[object, ...]:
    return (line.family, line.version, line.effective_quantity, line.active_sa_quantity,
            line.unresolved_quantity, line.granted_quantity, line.deployed_quantity, line.balance)


def test_license_summary_worked_example(ea: licstore.Store) -> None:
    worked_example(ea)
    during_sa = ea.license_summary("contoso", as_of=date(2024, 6, 1))
    assert isinstance(during_sa, licstore.LicenseSummary)
    assert (during_sa.customer, during_sa.as_of, len(during_sa)) == ("Contoso", date(2024, 6, 1), 3)
    assert [cells(x) for x in during_sa] == [
        ("Office Standard", "2016", 4, 0, 0, 0, 0, 4),
        ("Office Standard", "2021", 6, 0, 0, 0, 8, -2),
        ("Project", "2019", 10, 10, 0, 0, 0, 10),
    ]
    o21 = during_sa[1]
    assert (o21.shortfall, o21.surplus, o21.grant_mark, o21.pool) == (2, 0, "", "Applications")
    assert (during_sa[-1].shortfall, during_sa[-1].surplus) == (0, 10)
    assert during_sa.lines == list(during_sa)
    with pytest.raises(IndexError):
        during_sa[3]

    after_sa = ea.license_summary("Contoso", as_of=date(2025, 3, 1))
    assert cells(after_sa[2]) == ("Project", "2019", 10, 0, 0, 0, 0, 10)
    # Without as_of: today by the store's clock.
    assert ea.license_summary("Contoso").as_of == TODAY

    assert repr(during_sa) == "<LicenseSummary of 'Contoso' as of 2024-06-01: 3 lines>"
    assert repr(o21).startswith("SummaryLine(customer='Contoso', family='Office Standard', version='2021'")
    html = during_sa._repr_html_()
    assert html.count("<tr>") == 4 and "<th>shortfall</th>" in html and "as of 2024-06-01" in html

    ea.add_customer("Adatum")
    ea.add_licensing_id("S1", customer="Adatum", program="Select")
    assert len(ea.license_summary("Contoso", licensing_ids=["E1"])) == 3
    with pytest.raises(licstore.InvalidArgument, match="belongs to Adatum"):
        ea.license_summary("Contoso", licensing_ids=["S1"])
    with pytest.raises(licstore.NotFound):
        ea.license_summary("Nobody")
    assert len(ea.license_summary("Adatum")) == 0


def test_license_summary_to_pandas_matches_the_view(ea: licstore.Store) -> None:
    pd = pytest.importorskip("pandas")
    worked_example(ea)
    df = ea.license_summary("Contoso").to_pandas()
    assert list(df.columns) == ea.sql("SELECT * FROM license_summary LIMIT 0").columns
    assert str(df["balance"].dtype) == "Int64" and str(df["family"].dtype) == "string"
    assert df.loc[1, "shortfall"] == 2 and df.loc[0, "as_of"] == pd.Timestamp(TODAY)
    view = ea.sql("SELECT * FROM license_summary WHERE customer = ? ORDER BY family, version", ["Contoso"])
    pd.testing.assert_frame_equal(df, view.to_pandas())
    # Any other date: the view's table-valued form computes the same.
    after_sa = ea.license_summary("Contoso", as_of=date(2025, 3, 1)).to_pandas()
    view = ea.sql("SELECT * FROM license_summary('2025-03-01') WHERE customer = ? ORDER BY family, version",
                  ["Contoso"])
    pd.testing.assert_frame_equal(after_sa, view.to_pandas())
    assert after_sa.loc[2, "active_sa_quantity"] == 0
    # Before any order only the MAK baseline is deployed (the recorded activation is later).
    before = ea.license_summary("Contoso", as_of=date(2000, 1, 1))
    assert [cells(x) for x in before] == [("Office Standard", "2021", 0, 0, 0, 0, 7, -7)]
    assert before.to_pandas().loc[0, "shortfall"] == 7


# --- product keys and activations ---


def test_keys_are_masked_and_reveal_is_audited(ea: licstore.Store, tmp_path: Path) -> None:
    full = key("4678B")
    k = ea.add_product_key("E1", "Office Standard 2021", full.lower().replace("-", ""), key_type="mak",
                           activation_limit=10, baseline_used=2)
    assert isinstance(k, licstore.ProductKey)
    assert (k.key_type, k.masked, k.last5) == ("MAK", "*****-*****-*****-*****-4678B", "4678B")
    assert (k.activation_limit, k.activations_used, k.activations_available) == (10, 2, 8)
    assert (k.host_limit, k.hosts_used) == (None, 0)
    assert full not in repr(k) and "4678B" in repr(k)
    assert ea.product_key(k.id) == k == ea.find_product_key(full)
    assert ea.product_keys("E1") == [k] == ea.product_keys()
    with pytest.raises(licstore.AlreadyExists) as dup:
        ea.add_product_key("E1", "Office Standard 2021", full, key_type="MAK", activation_limit=1)
    assert full not in str(dup.value)
    with pytest.raises(licstore.InvalidArgument) as bad:
        ea.add_product_key("E1", "Office Standard 2021", "ABCDE-ABCDE-ABCDE-ABCDE-ABCDE", key_type="MAK",
                           activation_limit=1)
    assert "ABCDE-ABCDE" not in str(bad.value)
    with pytest.raises(licstore.InvalidArgument):
        ea.add_product_key("E1", "Office Standard 2021", key("4678C"), key_type="MAK")  # no limit
    with pytest.raises(licstore.InvalidArgument, match="key type"):
        ea.add_product_key("E1", "Office Standard 2021", key("4678C"), key_type="Volume")

    assert ea.reveal_key(k.id, "re-image of PC-042") == full
    reveal = ea.audit_log(entity="product_key", key=str(k.id))[-1]
    assert (reveal.action, reveal.actor) == ("product_key.reveal", "auditor@contoso.com")
    assert reveal.after == {"key": k.masked, "reason": "re-image of PC-042"}

    masked_file = tmp_path / "keys.tsv"
    assert ea.export_vlsc_keys(masked_file) == 1
    assert full not in masked_file.read_text(encoding="utf-8")
    revealed_file = tmp_path / "keys-full.csv"
    assert ea.export_vlsc_keys(revealed_file, reveal=True, licensing_id="E1", format="csv") == 1
    text = revealed_file.read_text(encoding="utf-8")
    assert full in text and text.startswith("Licensing ID,")
    assert [e.action for e in ea.audit_log(entity="product_key", key=str(k.id))].count("product_key.reveal") == 2
    # Whatever was revealed, the audit log never holds a full key.
    assert all(full not in json.dumps([e.before, e.after]) for e in ea.audit_log())
    # A revealed export imports back unchanged.
    report = ea.import_vlsc_keys(revealed_file)
    assert (report.rows, report.inserted, report.updated, report.unchanged) == (1, 0, 0, 1)
    with pytest.raises(licstore.InvalidArgument):
        ea.export_vlsc_keys(tmp_path / "x.json", format="jsonl")


def test_mak_activation_past_the_limit_writes_nothing(ea: licstore.Store) -> None:
    k = ea.add_product_key("E1", "Office Standard 2021", key("2346B"), key_type="MAK", activation_limit=3,
                           baseline_used=1)
    a = ea.activate_key(k.id, "PC-001")
    assert isinstance(a, licstore.Activation)
    assert (a.key_id, a.machine, a.method, a.activated_at) == (k.id, "PC-001", "Independent", FIXED)
    assert repr(a).startswith(f"Activation(id={a.id}, key_id={k.id}, machine='PC-001'")
    ea.activate_key(k.id, "PC-001")  # a re-image spends another activation
    assert ea.product_key(k.id).activations_available == 0

    log, activations = audit_count(ea), ea.key_activations(k.id)
    with pytest.raises(licstore.ActivationLimitReached) as e:
        ea.activate_key(k.id, "PC-002")
    assert e.value.subject == k.masked
    # The message says what happened; the class says which rule, the subject which key.
    assert str(e.value) == e.value.message == f"MAK {k.masked} has 0 of 3 activations available; 1 requested"
    assert e.value.code == licstore.error_codes()["ActivationLimitReached"] == 200
    assert (audit_count(ea), ea.key_activations(k.id)) == (log, activations)
    assert ea.product_key(k.id).activations_used == 3

    osa = ea.add_product_key("E1", "Project 2019", key("2346C"), key_type="OSA")
    ea.activate_key(osa.id, "PC-003")
    with pytest.raises(licstore.ActivationLimitReached, match="single use"):
        ea.activate_key(osa.id, "PC-004")
    setup = ea.add_product_key("E1", "Project 2019", key("2346D"), key_type="Setup")
    with pytest.raises(licstore.InvalidState):
        ea.activate_key(setup.id, "PC-005")
    with pytest.raises(licstore.NotFound):
        ea.activate_key(9999, "PC-005")


def test_proxy_activation_is_all_or_none(ea: licstore.Store) -> None:
    k = ea.add_product_key("E1", "Office Standard 2021", key("2346B"), key_type="MAK", activation_limit=5,
                           baseline_used=3)
    log = audit_count(ea)
    with pytest.raises(licstore.ActivationLimitReached) as e:
        ea.proxy_activate(k.id, ["PC-1", "PC-2", "PC-3"])
    assert e.value.subject == k.masked and "2 of 5" in str(e.value)
    assert ea.key_activations(k.id) == [] and audit_count(ea) == log
    with pytest.raises(licstore.InvalidArgument):
        ea.proxy_activate(k.id, ["PC-1", "pc-1"])
    with pytest.raises(licstore.InvalidArgument):
        ea.proxy_activate(k.id, [])
    with pytest.raises(TypeError):
        ea.proxy_activate(k.id, "PC-1")  # a str is a Sequence[str] to mypy; refused at run time
    assert ea.key_activations(k.id) == []

    done = ea.proxy_activate(k.id, ("PC-1", "PC-2"))
    assert [(a.machine, a.method) for a in done] == [("PC-1", "Proxy"), ("PC-2", "Proxy")]
    assert ea.key_activations(k.id) == done
    assert ea.product_key(k.id).activations_available == 0
    assert ea.audit_log()[-1].action == "product_key.activate"


def test_kms_host_rule(ea: licstore.Store) -> None:
    kms = ea.add_product_key("E1", "Office Standard 2021", key("2346F"), key_type="KMS")
    assert (kms.host_limit, kms.hosts_used, kms.activation_limit) == (6, 0, None)
    ea.proxy_activate(kms.id, [f"KMS-{i}" for i in range(1, 7)])
    assert ea.product_key(kms.id).hosts_used == 6
    with pytest.raises(licstore.KmsHostLimitReached) as e:
        ea.activate_key(kms.id, "KMS-7")
    assert e.value.subject == kms.masked and "at most 6 distinct hosts" in str(e.value)
    # Host names compare without case: kms-1 is KMS-1, with 10 activations in all.
    for _ in range(9):
        ea.activate_key(kms.id, "kms-1")
    with pytest.raises(licstore.KmsHostLimitReached, match="10 activations"):
        ea.activate_key(kms.id, "KMS-1")
    assert len(ea.key_activations(kms.id)) == 15

    # A granted host increase lets a seventh host in.
    req = ea.request_limit_increase(kms.id, 1, "a seventh site")
    ea.decide_limit_increase(req.id, grant=True)
    assert ea.product_key(kms.id).host_limit == 7
    assert ea.activate_key(kms.id, "KMS-7").machine == "KMS-7"


def test_limit_increase_requests(ea: licstore.Store) -> None:
    k = ea.add_product_key("E1", "Office Standard 2021", key("2346B"), key_type="MAK", activation_limit=5)
    req = ea.request_limit_increase(k.id, 20, "new branch office")
    assert isinstance(req, licstore.LimitIncreaseRequest)
    assert (req.key_id, req.key_last5, req.licensing_id, req.product) == (k.id, "2346B", "E1", "Office Standard 2021")
    assert (req.activations_requested, req.justification, req.status) == (20, "new branch office", "Pending")
    assert (req.requested_at, req.requested_by, req.decided_at, req.decided_by) == (
        FIXED, "auditor@contoso.com", None, None)
    later = FIXED + timedelta(days=2)
    ea.set_clock(later)
    ea.actor = "vlsc-admin@contoso.com"
    granted = ea.decide_limit_increase(req.id, grant=True)
    assert (granted.status, granted.decided_at, granted.decided_by) == ("Granted", later, "vlsc-admin@contoso.com")
    assert ea.product_key(k.id).activation_limit == 25
    with pytest.raises(licstore.InvalidState):
        ea.decide_limit_increase(req.id, grant=False)
    denied = ea.decide_limit_increase(ea.request_limit_increase(k.id, 1000, "everyone").id, grant=False)
    assert denied.status == "Denied" and ea.product_key(k.id).activation_limit == 25
    assert [r.status for r in ea.limit_increase_requests(k.id)] == ["Granted", "Denied"]
    assert ea.limit_increase_requests() == ea.limit_increase_requests(key_id=k.id)
    assert "status='Denied'" in repr(denied)
    with pytest.raises(licstore.InvalidArgument):
        ea.request_limit_increase(k.id, 0, "none")
    setup = ea.add_product_key("E1", "Project 2019", key("2346D"), key_type="Setup")
    with pytest.raises(licstore.InvalidArgument):
        ea.request_limit_increase(setup.id, 1, "no limit to raise")


# --- VLSC import ---

VLSC_HEADER = "Licensing ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\tMAK Activations-Used/Available\n"


def test_vlsc_import(store: licstore.Store, tmp_path: Path) -> None:
    src = tmp_path / "vlsc.tsv"
    src.write_text(
        VLSC_HEADER
        + f"E7\tEnterprise Agreement\tFabrikam\tOffice Standard 2021\t{key('2346B')}\tMAK Key\t12/88\n"
        + f"E7\tEnterprise Agreement\tFabrikam\tOffice Standard 2021\t{key('2346C')}\tKMS\t\n",
        encoding="utf-8",
    )
    report = store.import_vlsc_keys(src)
    assert (report.rows, report.inserted, report.updated, report.unchanged, report.rejected) == (2, 2, 0, 0, 0)
    assert store.licensing_id("E7").program == "Enterprise"
    mak, kms = store.product_keys("E7")
    assert (mak.key_type, mak.activation_limit, mak.activations_used) == ("MAK", 100, 12)
    assert kms.key_type == "KMS"
    assert [c.name for c in store.customers()] == ["Fabrikam"]


def test_vlsc_import_with_a_bad_row_writes_nothing(store: licstore.Store, tmp_path: Path) -> None:
    bad_key = "BCDFG-HJKMN-PQRTV-WXY23-AAAAA"
    src = tmp_path / "vlsc.tsv"
    src.write_text(
        VLSC_HEADER
        + f"E7\tEnterprise Agreement\tFabrikam\tOffice Standard 2021\t{key('2346B')}\tMAK\t12/88\n"
        + f"E7\tEnterprise Agreement\tFabrikam\tOffice Standard 2021\t{bad_key}\tMAK\t1/9\n"
        + f"E7\tEnterprise Agreement\tFabrikam\tOffice Standard 2021\t{key('2346D')}\tMAK\tmany\n",
        encoding="utf-8",
    )
    log = audit_count(store)
    with pytest.raises(licstore.CsvError) as e:
        store.import_vlsc_keys(src)
    err = e.value
    assert (err.file, err.line, err.column) == (str(src), 3, "Product Key")
    assert err.value is not None and "AAAAA" in err.value and "BCDFG" not in err.value
    assert bad_key not in str(err)
    assert [(x.line, x.column) for x in err.errors][:2] == [(3, "Product Key"), (4, "MAK Activations-Used/Available")]
    assert (store.customers(), store.licensing_ids(), store.product_keys(), audit_count(store)) == ([], [], [], log)

    rejects = tmp_path / "rejects.tsv"
    report = store.import_vlsc_keys(src, mode="skip_invalid", rejects=rejects)
    assert (report.inserted, report.rejected) == (1, 2)
    assert [x.line for x in report.errors] == [3, 4]
    assert bad_key not in rejects.read_text(encoding="utf-8")
    with pytest.raises(licstore.InvalidArgument):
        store.import_vlsc_keys(src, mode="best_effort")
    with pytest.raises(licstore.IoError):
        store.import_vlsc_keys(tmp_path / "missing.tsv")


# --- SA benefits and reservations ---


def test_sa_benefits(ea: licstore.Store) -> None:
    b = ea.add_sa_benefit("E1", "Training Vouchers", eligible_quantity=5)
    assert isinstance(b, licstore.SaBenefit)
    assert (b.licensing_id, b.benefit, b.eligible_quantity, b.remaining_quantity, b.used_quantity, b.status) == (
        "E1", "Training Vouchers", 5, 5, 0, "RequiresActivation")
    with pytest.raises(licstore.InvalidState):
        ea.use_sa_benefit(b.id, 1)
    assert ea.set_sa_benefit_status(b.id, "activated").status == "Activated"
    used = ea.use_sa_benefit(b.id, 3)
    assert (used.remaining_quantity, used.used_quantity) == (2, 3)
    log = audit_count(ea)
    with pytest.raises(licstore.BenefitExhausted) as e:
        ea.use_sa_benefit(b.id, 3)
    assert e.value.subject and str(e.value)
    assert ea.sa_benefit(b.id).remaining_quantity == 2 and audit_count(ea) == log
    with pytest.raises(licstore.InvalidArgument):
        ea.use_sa_benefit(b.id, 0)

    # The status window: on hold nothing is used; once expired nothing moves.
    ea.set_clock(FIXED + timedelta(days=30))
    ea.set_sa_benefit_status(b.id, "HoldAwaitingReactivation")
    with pytest.raises(licstore.InvalidState):
        ea.use_sa_benefit(b.id, 1)
    ea.set_sa_benefit_status(b.id, "Activated")
    assert ea.use_sa_benefit(b.id, 2).remaining_quantity == 0
    ea.set_sa_benefit_status(b.id, "Expired")
    with pytest.raises(licstore.InvalidState):
        ea.set_sa_benefit_status(b.id, "Activated")
    with pytest.raises(licstore.InvalidArgument, match="benefit status"):
        ea.set_sa_benefit_status(b.id, "Paused")

    other = ea.add_sa_benefit("E1", "Planning Services", eligible_quantity=10, status="Activated")
    assert [x.benefit for x in ea.sa_benefits("E1")] == ["Planning Services", "Training Vouchers"]
    assert ea.sa_benefits() == ea.sa_benefits(licensing_id="E1")
    assert repr(other).startswith(f"SaBenefit(id={other.id}, licensing_id='E1', benefit='Planning Services'")


def test_reservations_window(ea: licstore.Store) -> None:
    r = ea.submit_reservation("E1", "Microsoft 365 E3", "AAD-33168", quantity=25, usage_date=date(2024, 6, 1))
    assert isinstance(r, licstore.Reservation)
    assert (r.licensing_id, r.service, r.sku, r.quantity, r.usage_date, r.status) == (
        "E1", "Microsoft 365 E3", "AAD-33168", 25, date(2024, 6, 1), "Submitted")
    assert (r.submitted_at, r.submitted_by, r.closed_at) == (FIXED, "auditor@contoso.com", None)
    assert r.cancellable_until == FIXED + timedelta(hours=72)
    second = ea.submit_reservation("E1", "Microsoft 365 E5", "AAD-1", quantity=5, usage_date=TODAY)

    # Within 72 hours: cancellable.
    ea.set_clock(FIXED + timedelta(hours=71))
    cancelled = ea.cancel_reservation(second.id)
    assert (cancelled.status, cancelled.closed_at) == ("Cancelled", FIXED + timedelta(hours=71))
    with pytest.raises(licstore.InvalidState):
        ea.cancel_reservation(second.id)

    # From 72 hours on: committed (derived from the clock; reading writes nothing), no longer
    # cancellable.
    ea.set_clock(FIXED + timedelta(hours=72) - timedelta(seconds=1))
    assert ea.reservations(id=r.id)[0].status == "Submitted"
    log = audit_count(ea)
    ea.set_clock(FIXED + timedelta(hours=72))
    (committed,) = ea.reservations(id=r.id)
    assert (committed.status, committed.closed_at) == ("Committed", FIXED + timedelta(hours=72))
    assert audit_count(ea) == log
    with pytest.raises(licstore.ReservationNotAllowed) as e:
        ea.cancel_reservation(r.id)
    assert e.value.subject == "E1" and "committed" in str(e.value)

    assert [x.id for x in ea.reservations()] == [second.id, r.id]
    assert [x.id for x in ea.reservations(service="microsoft 365 e3")] == [r.id]
    assert len(ea.reservations(licensing_id="E1")) == 2
    with pytest.raises(licstore.InvalidArgument):
        ea.reservations(service="x", id=1)

    # The usage-date window: today to 6 months ahead.
    with pytest.raises(licstore.ReservationNotAllowed, match="6 months"):
        ea.submit_reservation("E1", "Microsoft 365 E3", "AAD-1", quantity=1, usage_date=date(2025, 1, 1))
    with pytest.raises(licstore.ReservationNotAllowed, match="6 months"):
        ea.submit_reservation("E1", "Microsoft 365 E3", "AAD-1", quantity=1, usage_date=TODAY - timedelta(days=1))
    # Enrollment windows: only Enterprise programs, not within a month of the end.
    ea.add_licensing_id("S1", customer="Contoso", program="Select")
    with pytest.raises(licstore.ReservationNotAllowed) as e:
        ea.submit_reservation("S1", "Microsoft 365 E3", "AAD-1", quantity=1, usage_date=date(2024, 6, 1))
    assert e.value.subject == "S1"
    assert str(e.value) == "S1: reservations are only for Enterprise enrollments, not Select"
    ea.set_clock(datetime(2026, 12, 15, tzinfo=timezone.utc))
    with pytest.raises(licstore.ReservationNotAllowed, match="within a month"):
        ea.submit_reservation("E1", "Microsoft 365 E3", "AAD-1", quantity=1, usage_date=date(2026, 12, 20))
    # A naive clock is refused: which instant it means depends on an unstated time zone.
    with pytest.raises(licstore.InvalidArgument, match="naive"):
        ea.set_clock(datetime(2024, 6, 1, 12, 0))
    assert repr(committed).startswith(f"Reservation(id={r.id}, licensing_id='E1', service='Microsoft 365 E3'")


def test_the_docs_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """docs/python.md's volume-licensing example runs as written and prints what it says."""
    doc = (Path(__file__).parents[2] / "docs" / "python.md").read_text(encoding="utf-8")
    code = doc.split("\n## Volume licensing\n")[1].split("```python\n")[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/python.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["*****-*****-*****-*****-46789", "Office Standard 2016 4 0 0", "Office Standard 2021 6 9 3"]
    assert out[3].startswith("*****-*****-*****-*****-46789 MAK *****-*****-*****-*****-46789 has 0 of 9")
    assert out[4].startswith("ImportReport(rows=1,") and "unchanged=1" in out[4]
