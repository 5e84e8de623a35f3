"""Access (docs/access.md): principals, roles per licensing ID, permission requests, and stores
scoped to a principal, which see only its licensing IDs and act only with its roles."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import licstore

ANN = "ann@contoso.com"
BOB = "bob@contoso.com"
MAK = "BCDFG-HJKMN-PQRTV-WXY23-46789"
KMS = "W269N-WFGWX-YVC9B-4J6C9-T83GX"


@pytest.fixture
def access(store: licstore.Store) -> licstore.Access:
    for c in ("Contoso", "Fabrikam"):
        store.add_customer(c)
    for lid, c, key in (("E1", "Contoso", MAK), ("F1", "Fabrikam", KMS)):
        store.add_licensing_id(lid, customer=c, program="Enterprise")
        store.add_product_key(lid, "Windows 11 Enterprise", key, key_type="MAK", activation_limit=5)
    a = licstore.Access(store)
    a.add_principal(ANN, "Ann", "Lee")
    a.add_principal(BOB, "Bob", "Ray")
    return a


def test_roles_groups_and_the_single_administrator_warning(access: licstore.Access) -> None:
    assert access.principal_scope is None
    c = access.grant_roles(ANN, "E1", ["Administrator"])
    assert c.changed == ["Administrator"]
    assert c.warning is not None and "single Administrator (ann@contoso.com)" in c.warning
    assert access.single_administrator_warnings() == [c.warning]
    c = access.grant_roles(BOB, "E1", group="online services manager")
    assert c.roles == ["LicensingInfoViewer", "OnlineServicesManager"]
    with pytest.raises(licstore.InvalidState, match="only Administrator"):
        access.revoke_roles(ANN, "E1", ["Administrator"])
    with pytest.raises(licstore.InvalidArgument, match="role"):
        access.grant_roles(BOB, "E1", ["Owner"])
    with pytest.raises(licstore.InvalidArgument, match="business e-mail"):
        access.add_principal("eve@gmail.com", "Eve", "Ng")
    perms = access.permissions(email=BOB)
    assert [p.role for p in perms] == ["LicensingInfoViewer", "OnlineServicesManager"]
    assert isinstance(perms[0].granted_at, datetime)
    access.remove_licensing_id_access(BOB, "E1")
    assert access.principal(BOB).active is False
    assert [p.email for p in access.principals()] == [ANN, BOB]


def test_requests_are_decided_by_an_administrator(access: licstore.Access, store: licstore.Store) -> None:
    access.grant_roles(ANN, "E1", ["Administrator"])
    bob = licstore.Access(licstore.scoped(store, BOB))
    assert bob.principal_scope == BOB
    rid = bob.request_permission(BOB, "E1", ["ProductKeys"], comment="rollout")
    with pytest.raises(licstore.PermissionDenied, match="Administrator"):
        bob.decide_permission_request(rid, True)
    ann = licstore.Access(licstore.scoped(store, ANN))
    [pending] = ann.permission_requests(status="pending")
    assert (pending.id, pending.roles, pending.comment) == (rid, ["ProductKeys"], "rollout")
    r = ann.decide_permission_request(rid, True, note="welcome")
    assert (r.status, r.note, r.decided_by) == ("Accepted", "welcome", ANN)
    assert isinstance(r.decided_at, datetime)


def test_a_scoped_store_sees_only_its_licensing_ids(access: licstore.Access, path: Path, store: licstore.Store) -> None:
    access.grant_roles(BOB, "E1", ["ProductKeys"])
    with licstore.open_scoped(path, BOB) as bob:
        assert [k.licensing_id for k in bob.product_keys()] == ["E1"]
        assert bob.sql("SELECT licensing_id FROM product_keys").rows == [("E1",)]
        assert len(bob.reveal_key(bob.product_keys()[0].id, "re-image")) == 29
        f1_key = store.product_keys("F1")[0].id
        with pytest.raises(licstore.PermissionDenied, match="bob@contoso.com lacks the role ProductKeys"):
            bob.reveal_key(f1_key, "curious")
        with pytest.raises(licstore.QueryRefused):
            bob.sql("SELECT * FROM main.product_keys")
        with pytest.raises(licstore.QueryRefused, match="scoped to a principal"):
            bob.sql("SELECT * FROM audit_log")
        # Online services are the owner's: the whole-view fast path refuses them the same way.
        with pytest.raises(licstore.QueryRefused, match="scoped to a principal"):
            bob.sql("SELECT * FROM subscriber_licenses")
        with pytest.raises(licstore.NotFound):
            bob.view("subscriber_licenses")
        with pytest.raises(licstore.PermissionDenied):
            bob.add_customer("Mine")
    with pytest.raises(licstore.NotFound):
        licstore.open_scoped(path, "nobody@contoso.com")
