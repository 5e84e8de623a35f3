"""Customers through Python: typed results, keyword arguments, the audit log, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import licstore
from conftest import FIXED


def test_add_get_list_update_remove(store: licstore.Store) -> None:
    c = store.add_customer("Contoso", tenant_domain="Contoso.onmicrosoft.com", default_usage_location="us")
    assert isinstance(c, licstore.Customer)
    assert (c.name, c.tenant_domain, c.default_usage_location) == ("Contoso", "contoso.onmicrosoft.com", "US")
    assert c.created_at == c.updated_at == FIXED
    assert store.customer("CONTOSO") == c
    assert hash(store.customer("contoso")) == hash(c)
    assert repr(c).startswith("Customer(name='Contoso', tenant_domain='contoso.onmicrosoft.com'")

    store.add_customer("Adatum")
    assert [x.name for x in store.customers()] == ["Adatum", "Contoso"]

    later = FIXED + timedelta(days=1)
    store.set_clock(later)
    u = store.update_customer("contoso", default_usage_location="PL")
    assert (u.tenant_domain, u.default_usage_location) == ("contoso.onmicrosoft.com", "PL")
    assert (u.created_at, u.updated_at) == (FIXED, later)

    # Left out: kept. None: cleared. new_name: renamed.
    u = store.update_customer("Contoso", tenant_domain=None, new_name="Contoso Ltd")
    assert (u.name, u.tenant_domain, u.default_usage_location) == ("Contoso Ltd", None, "PL")
    u = store.update_customer("Contoso Ltd")
    assert u.default_usage_location == "PL"

    store.remove_customer("adatum")
    with pytest.raises(licstore.NotFound) as e:
        store.customer("Adatum")
    assert isinstance(e.value, LookupError)
    assert str(e.value) == 'customer not found: "Adatum"'


def test_every_change_is_audited(store: licstore.Store) -> None:
    store.add_customer("Contoso", default_usage_location="US")
    store.update_customer("Contoso", default_usage_location="DE")
    store.remove_customer("Contoso")
    log = store.audit_log()
    assert [e.action for e in log] == ["customer.add", "customer.update", "customer.remove"]
    assert all(isinstance(e, licstore.AuditEntry) for e in log)
    assert {e.actor for e in log} == {"auditor@contoso.com"}
    assert log[0].at == FIXED
    assert log[0].before is None and log[0].after is not None
    assert log[1].before["default_usage_location"] == "US"  # type: ignore[index]
    assert log[1].after["default_usage_location"] == "DE"  # type: ignore[index]
    assert log[2].after is None
    assert [e.id for e in store.audit_log(entity="customer", key="Contoso")] == [e.id for e in log]
    assert store.audit_log(entity="customer", key="Nobody") == []
    with pytest.raises(licstore.InvalidArgument):
        store.audit_log(entity="customer")
    # The same entries through the SQL channel.
    assert len(store.sql("SELECT * FROM audit_log")) == 3


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": ""}, licstore.InvalidArgument),
        ({"name": "   "}, licstore.InvalidArgument),
        ({"name": "contoso"}, licstore.AlreadyExists),
        ({"name": "B", "default_usage_location": "XX"}, licstore.InvalidArgument),
        ({"name": "B", "tenant_domain": "no-dot"}, licstore.InvalidArgument),
        ({"name": "B", "tenant_domain": "contoso.onmicrosoft.com"}, licstore.InvalidArgument),
    ],
)
def test_bad_customers_are_refused_and_nothing_is_written(
    store: licstore.Store, kwargs: dict[str, str], error: type[licstore.LicstoreError]
) -> None:
    store.add_customer("Contoso", tenant_domain="contoso.onmicrosoft.com")
    before = (store.customers(), store.audit_log())
    with pytest.raises(error) as e:
        store.add_customer(**kwargs)
    assert e.value.code == error.code and e.value.code_name == error.__name__
    assert (store.customers(), store.audit_log()) == before


def test_empty_name_message_names_the_input(store: licstore.Store) -> None:
    with pytest.raises(ValueError, match=r'^invalid customer name "": must not be empty$'):
        store.add_customer("")


def test_wrong_types_raise_type_error(store: licstore.Store) -> None:
    store.add_customer("Contoso")
    calls = [
        lambda: store.add_customer(123),  # type: ignore[arg-type]
        lambda: store.add_customer(None),  # type: ignore[arg-type]
        lambda: store.add_customer("B", tenant_domain=5),  # type: ignore[arg-type]
        lambda: store.add_customer("B", "positional.domain"),  # type: ignore[misc]
        lambda: store.add_customer("B", usage_location="US"),  # type: ignore[call-arg]
        lambda: store.update_customer("Contoso", tenant_domain=3),  # type: ignore[arg-type]
        lambda: store.update_customer("Contoso", new_name=b"bytes"),  # type: ignore[arg-type]
        lambda: store.customer(None),  # type: ignore[arg-type]
        lambda: store.remove_customer(["Contoso"]),  # type: ignore[arg-type]
        lambda: store.import_customers(42),  # type: ignore[arg-type]
        lambda: setattr(store, "actor", None),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()
    assert [c.name for c in store.customers()] == ["Contoso"]


def test_remove_unknown_and_update_unknown(store: licstore.Store) -> None:
    with pytest.raises(licstore.NotFound):
        store.remove_customer("Nobody")
    with pytest.raises(licstore.NotFound):
        store.update_customer("Nobody", new_name="Somebody")


def test_actor_and_clock(store: licstore.Store) -> None:
    assert store.actor == "auditor@contoso.com"
    store.actor = "  alice@contoso.com "
    assert store.actor == "alice@contoso.com"
    with pytest.raises(licstore.InvalidArgument):
        store.actor = " "
    assert store.actor == "alice@contoso.com"

    # Any aware datetime is an instant; it is kept in UTC, whole seconds.
    cest = timezone(timedelta(hours=2))
    store.set_clock(datetime(2024, 5, 6, 9, 8, 9, 999_999, tzinfo=cest))
    assert store.clock == FIXED
    assert store.add_customer("Contoso").created_at == FIXED
    with pytest.raises(licstore.InvalidArgument, match="naive datetime") as e:
        store.set_clock(datetime(2024, 5, 6, 7, 8, 9))
    assert isinstance(e.value, ValueError)
    assert store.clock == FIXED
    with pytest.raises(TypeError):
        store.set_clock("2024-05-06T07:08:09Z")  # type: ignore[arg-type]
    store.set_clock(None)
    assert store.clock is None
    c = store.add_customer("Adatum")
    assert abs(c.created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
