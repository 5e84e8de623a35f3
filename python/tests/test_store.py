"""The store's lifecycle from Python: opening, closing, context managers, threads."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import licstore


def test_context_manager_closes(path: Path) -> None:
    with licstore.Store(path) as s:
        assert not s.closed
        s.add_customer("Contoso")
    assert s.closed
    assert repr(s) == f"<licstore.Store {str(path)!r} (closed)>".replace("'", '"')
    with pytest.raises(licstore.InvalidState, match="closed"):
        s.customers()
    with pytest.raises(licstore.InvalidState):
        s.sql("SELECT 1")
    with pytest.raises(licstore.InvalidState):
        s.actor
    with pytest.raises(licstore.InvalidState):
        with s:
            pass
    s.close()  # idempotent


def test_context_manager_closes_on_error_and_lets_it_through(path: Path) -> None:
    with pytest.raises(KeyError):
        with licstore.Store(path) as s:
            raise KeyError("boom")
    assert s.closed
    with licstore.Store(path) as s:
        assert s.customers() == []


def test_close_keeps_committed_data(path: Path) -> None:
    s = licstore.Store(str(path))
    assert s.path == str(path)
    s.add_customer("Contoso")
    s.close()
    with licstore.Store(path) as again:
        assert again.customer("contoso").name == "Contoso"


def test_open_existing_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(licstore.NotFound):
        licstore.Store.open_existing(tmp_path / "missing.licstore")
    assert not (tmp_path / "missing.licstore").exists()

    junk = tmp_path / "notes.txt"
    content = b"these are not the droids you are looking for\n" * 10
    junk.write_bytes(content)
    with pytest.raises(licstore.NotADatabase) as e:
        licstore.Store(junk)
    assert "not a SQLite database" in str(e.value)
    assert junk.read_bytes() == content

    with pytest.raises(TypeError):
        licstore.Store(123)  # type: ignore[arg-type]


def test_two_threads_share_one_store(store: licstore.Store) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(prefix: str) -> None:
        try:
            barrier.wait()
            for i in range(100):
                store.add_customer(f"{prefix}-{i:03}")
                assert len(store.sql("SELECT name FROM customers WHERE name LIKE ?", [f"{prefix}-%"])) == i + 1
                store.customer(f"{prefix}-{i:03}")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.customers()) == 200
    assert len(store.audit_log()) == 200


def test_closing_while_another_thread_works(path: Path) -> None:
    s = licstore.Store(path)
    outcomes: list[str] = []

    def work() -> None:
        try:
            for i in range(1000):
                s.add_customer(f"c{i}")
            outcomes.append("finished")
        except licstore.InvalidState:
            outcomes.append("closed")

    t = threading.Thread(target=work)
    t.start()
    s.close()
    t.join()
    assert outcomes in (["finished"], ["closed"])
    with licstore.Store(path) as again:
        n = len(again.customers())
        # Every committed add is there; none half-written.
        assert n == len(again.audit_log())


def test_repr_does_not_wait_for_a_busy_store(path: Path) -> None:
    s = licstore.Store(path)
    slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c"
    started = threading.Event()

    def work() -> None:
        started.set()
        s.sql(slow)

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    time.sleep(0.05)
    t0 = time.perf_counter()
    text = repr(s)
    took = time.perf_counter() - t0
    t.join()
    assert text == f"<licstore.Store {str(path)!r}>".replace("'", '"')
    assert took < 0.05, took
    s.close()
    assert repr(s).endswith("(closed)>")
