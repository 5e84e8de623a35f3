"""Fixtures: every test gets a real store in a real file under pytest's tmp_path."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

import licstore

FIXED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "test.licstore"


@pytest.fixture
def store(path: Path) -> Iterator[licstore.Store]:
    with licstore.Store(path) as s:
        s.actor = "auditor@contoso.com"
        s.set_clock(FIXED)
        yield s
