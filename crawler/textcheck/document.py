"""Check a draft file (plain text or HTML) before it is published: `duwang check-text`."""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import multiprocessing as mp
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .dates import text_date
from .hits import Hit

if TYPE_CHECKING:
    from .matcher import TextChecker

_HTML_HINT = re.compile(r"<\s*(html|body|p|div|span|table|br|h[1-6]|a\s|title|meta)\b", re.I)


@dataclass(frozen=True)
class Located:
    line: int  # 1-based, within the field's text (the file itself for plain text)
    column: int
    hit: Hit


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: drafts from Windows editors are often GBK."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def looks_like_html(name: str, text: str) -> bool:
    if name.lower().endswith((".html", ".htm", ".shtml", ".xhtml")):
        return True
    return bool(_HTML_HINT.search(text[:4096]))


def check_document(
    checker: TextChecker, text: str, html: bool, date: dt.date | None = None, jobs: int | None = None
) -> list[Located]:
    """Hits with their lines. ``date``: when the draft is published; by default the date the
    draft gives (a PubDate meta, else a 发布时间/日期 line near the top), as for a crawled page.

    ``jobs``: processes for a long text (default: one per core). A text over PARALLEL_MIN
    characters is cut at line ends into that many pieces, checked at once in forked copies of
    this process. Lines are independent to every check, except that a suspect typo written
    twice counts as meant only within a piece.

    Before the fork the checker loads all it would load on the way (jieba's dictionary, the
    finders' tables), and Python's collector is told to leave those objects alone (gc.freeze):
    the forked processes then share them. Loading them in each process after the fork, as
    before, took about a second more of CPU for a 20 MB draft, most of it the kernel's (each
    process faulting in its own 300 MB), and no less wall time on two cores.
    """
    if html:
        from .extract import read_page

        page = read_page(text)
        fields, published = page.fields, date or page.published
    else:
        fields, published = [("body", text)], date or text_date(text)
    jobs = max(1, (os.cpu_count() or 1) if jobs is None else jobs)
    found: list[Located] = []
    for field, field_text in fields:
        hits = _check_long(checker, field_text, field, published, jobs)
        if not hits:
            continue
        # The hits come by position: count the line ends from one hit to the next (a 20 MB
        # draft has many hits; listing every line start first took 13 ms).
        line, at, line_start = 1, 0, 0
        for hit in hits:
            if hit.start < at:  # not by position after all: count from the top
                line, at, line_start = 1, 0, 0
            line += field_text.count("\n", at, hit.start)
            if (end := field_text.rfind("\n", at, hit.start)) >= 0:
                line_start = end + 1
            at = hit.start
            found.append(Located(line, hit.start - line_start + 1, hit))
    return found


PARALLEL_MIN = 500_000  # characters (1.5 MB of Chinese): below, forking costs more than it saves
_forked: tuple[TextChecker, str, str, dt.date | None] | None = None


def _check_long(checker: TextChecker, text: str, field: str, date: dt.date | None, jobs: int) -> list[Hit]:
    global _forked
    if jobs < 2 or len(text) < PARALLEL_MIN or "fork" not in mp.get_all_start_methods():
        return checker.check_text(text, field, date=date)
    spans = list(itertools.pairwise(_cuts(text, jobs)))
    checker.preload()
    _forked = (checker, text, field, date)  # what the forked workers read: only offsets are sent
    gc.freeze()  # a collection in a forked process would write to (and copy) every shared page
    try:
        with ProcessPoolExecutor(len(spans) - 1, mp_context=mp.get_context("fork")) as pool:
            rest = pool.map(_check_piece, spans[1:])
            parts = [_check_piece(spans[0]), *rest]  # this process checks the first piece
    finally:
        _forked = None
        gc.unfreeze()
    return [replace(h, start=h.start + lo, end=h.end + lo)
            for (lo, _hi), hits in zip(spans, parts, strict=True) for h in hits]


def _cuts(text: str, pieces: int) -> list[int]:
    """Offsets cutting ``text`` into about equal pieces just after a line end."""
    cuts = [0]
    for k in range(1, pieces):
        at = text.find("\n", max(cuts[-1], len(text) * k // pieces))
        if at < 0:
            break
        if at + 1 > cuts[-1]:
            cuts.append(at + 1)
    if cuts[-1] < len(text):
        cuts.append(len(text))
    return cuts


def _check_piece(span: tuple[int, int]) -> list[Hit]:
    assert _forked is not None
    checker, text, field, date = _forked
    lo, hi = span
    return checker.check_text(text[lo:hi], field, date=date)
