"""Bad input never crashes: every public Store method, called with missing, None or wrongly
typed arguments, on an open and on a closed store, raises TypeError or a LicstoreError (whose
class says what was wrong), and the store stays usable."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

import pytest

import licstore

METHODS = sorted(
    name
    for name, member in inspect.getmembers(licstore.Store)
    if not name.startswith("_") and callable(member) and name not in {"close", "open_existing", "entities"}
)
JUNK: list[object] = [None, 3.5, object(), b"\xff", ["a", 1], {"a": object()}, datetime(2024, 1, 1), "x" * 10_000]


@pytest.mark.parametrize("name", METHODS)
def test_junk_arguments_raise_cleanly(store: licstore.Store, name: str) -> None:
    method = getattr(store, name)
    for n in range(4):
        for junk in JUNK:
            try:
                method(*([junk] * n))
            except (TypeError, licstore.LicstoreError):
                pass
            except ValueError as e:  # only expected from Python's own argument handling
                assert "licstore" not in type(e).__module__, e
    # Still usable afterwards.
    assert store.sql("SELECT 1").rows == [(1,)]


@pytest.mark.parametrize("name", METHODS)
def test_closed_store_raises_invalid_state(path: Path, name: str) -> None:
    s = licstore.Store(path)
    s.close()
    method = getattr(s, name)
    for args in [(), ("Contoso",), ("Contoso", "ENTERPRISEPACK")]:
        # Never a result: the arguments are refused first (TypeError, InvalidArgument), or the
        # closed store is (InvalidState, saying so).
        with pytest.raises((TypeError, licstore.LicstoreError)) as e:
            method(*args)
        assert not isinstance(e.value, licstore.InternalError)
        if isinstance(e.value, licstore.InvalidState):
            assert "closed" in str(e.value)


def test_results_outlive_their_store(path: Path) -> None:
    pytest.importorskip("pyarrow")
    s = licstore.Store(path)
    s.add_customer("Contoso")
    r = s.sql("SELECT name, created_at FROM customers")
    s.close()
    assert r.rows[0][0] == "Contoso"
    assert r.to_arrow().num_rows == 1 and len(r.to_pandas()) == 1


def test_specific_refusals(store: licstore.Store, tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        store.import_csv(None, tmp_path / "x.csv")  # type: ignore[arg-type]
    with pytest.raises(licstore.IoError):
        store.import_csv("customers", tmp_path / "missing.csv")
    with pytest.raises(TypeError):
        store.view(None)  # type: ignore[arg-type]
    with pytest.raises(licstore.InvalidArgument, match="format"):
        store.export("customers", tmp_path / "x.csv", format="xlsx")
    with pytest.raises(licstore.InvalidArgument, match="naive"):
        store.assign(["ENTERPRISEPACK"], customer="Contoso", users=["a@b.c"], expires_at=datetime(2024, 1, 1))
    with pytest.raises(licstore.InvalidArgument, match="2 given"):
        store.sql("SELECT ?", [1, 2])
    with pytest.raises(licstore.InvalidArgument, match="parameter"):
        store.sql("SELECT ?, ?", [1])
    with pytest.raises(TypeError):
        store.license_summary(None)  # type: ignore[arg-type]
    with pytest.raises((TypeError, licstore.InvalidArgument)):
        store.license_summary("Contoso", as_of="2024-01-01")  # type: ignore[arg-type]
