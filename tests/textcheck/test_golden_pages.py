"""Golden files: whole pages and the exact hits expected from the default wordlists.

After an intended change, regenerate with ``python tests/textcheck/regen_golden.py`` and
review the diff of ``golden/*.expected.json`` before committing it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from crawler.textcheck import TextChecker

GOLDEN = Path(__file__).resolve().parent / "golden"
PAGES = sorted(GOLDEN.glob("*.html"))


def render(checker: TextChecker, page: Path) -> list[dict]:
    return [dataclasses.asdict(h) for h in checker.check_html(page.read_text(encoding="utf-8"))]


def expected_path(page: Path) -> Path:
    return page.with_suffix(".expected.json")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_golden_page(checker: TextChecker, page: Path) -> None:
    expected = json.loads(expected_path(page).read_text(encoding="utf-8"))
    assert render(checker, page) == expected


def test_there_are_golden_pages() -> None:
    assert len(PAGES) >= 3
