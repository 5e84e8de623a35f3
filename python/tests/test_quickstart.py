"""Issue 2's "done when" flow, exactly as a user types it in a notebook."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

import licstore


def test_open_add_query_to_pandas(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    s = licstore.Store("x.licstore")
    c = s.add_customer("Contoso", tenant_domain="contoso.onmicrosoft.com", default_usage_location="us")
    s.add_customer("Adatum")
    df = s.sql("SELECT * FROM customers ORDER BY name").to_pandas()

    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["name", "tenant_domain", "default_usage_location", "created_at", "updated_at"]
    assert df["name"].tolist() == ["Adatum", "Contoso"]
    # Core normalizes: lower-case domain, upper-case country.
    assert df.loc[1, "default_usage_location"] == "US"
    assert pd.isna(df.loc[0, "tenant_domain"])
    assert df.loc[1, "created_at"] == pd.Timestamp(c.created_at)
    assert c.created_at.tzinfo is timezone.utc
    s.close()

    assert os.path.exists(tmp_path / "x.licstore")
    with licstore.Store.open_existing(tmp_path / "x.licstore") as again:
        assert [c.name for c in again.customers()] == ["Adatum", "Contoso"]


def test_in_memory_stores_are_private() -> None:
    a, b = licstore.Store(), licstore.Store(":memory:")
    a.add_customer("Contoso")
    assert a.path is None and b.path is None
    assert len(a.sql("SELECT * FROM customers")) == 1
    assert len(b.sql("SELECT * FROM customers")) == 0


def test_version_and_schema(store: licstore.Store) -> None:
    assert licstore.__version__.count(".") == 2
    assert store.schema_version >= 1
    assert "customers" in store.views() and "audit_log" in store.views()
    assert store.clock == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
