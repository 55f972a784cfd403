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


def test_pages_checked_as_a_batch_give_each_page_its_own_hits(checker: TextChecker) -> None:
    """The crawl's worker checks pages in batches (one inferred search for all): each page
    still gets exactly its own hits, with its own date, as when checked alone."""
    pages = [p.read_text(encoding="utf-8") for p in PAGES]
    pages.append(
        '<html><head><title>前来办事的群众络绎不决</title><meta name="PubDate" content="2016-05-01">'
        "</head><body><p>国家卫生计生委印发通知。中华人民大和国。</p><p>有价证卷要管好。</p></body></html>"
    )
    pages.append("<html><body><p>国家卫生计生委印发通知。有价证卷要管好。</p></body></html>")
    batch = checker.check_pages(pages)
    assert batch == [checker.check_html(p) for p in pages]
    dated, undated = batch[-2], batch[-1]
    assert "国家卫生计生委" not in [h.text for h in dated]  # right in 2016
    assert "国家卫生计生委" in [h.text for h in undated]
    # A suspect written once on each of two pages is each page's own slip, not "meant".
    assert [h.text for h in dated if h.severity == "suspect"] == ["有价证卷"]
    assert [h.text for h in undated if h.severity == "suspect"] == ["有价证卷"]
    assert {h.field for h in dated} >= {"title", "body"}
