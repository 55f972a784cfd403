"""Fixtures for the report tests: the known-history database."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.store import open_db
from tests.report.history_db import build


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    return build(tmp_path / "x.db")


@pytest.fixture
def history_db(history_path: Path):
    db = open_db(history_path)
    yield db
    db.close()
