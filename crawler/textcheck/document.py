"""Check a draft file (plain text or HTML) before it is published: `duwang check-text`."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from .dates import text_date
from .extract import read_page
from .hits import Hit
from .matcher import TextChecker

_NEWLINE = re.compile("\n")
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


def check_document(checker: TextChecker, text: str, html: bool, date: dt.date | None = None) -> list[Located]:
    """Hits with their lines. ``date``: when the draft is published; by default the date the
    draft gives (a PubDate meta, else a 发布时间/日期 line near the top), as for a crawled page."""
    if html:
        page = read_page(text)
        fields, published = page.fields, date or page.published
    else:
        fields, published = [("body", text)], date or text_date(text)
    found: list[Located] = []
    for field, field_text in fields:
        hits = checker.check_text(field_text, field, date=published)
        if not hits:
            continue
        # One pass for the line starts, then a bisect per hit (a 20 MB draft has many hits).
        starts = [0, *(m.end() for m in _NEWLINE.finditer(field_text))]
        for hit in hits:
            line = bisect.bisect_right(starts, hit.start)
            found.append(Located(line, hit.start - starts[line - 1] + 1, hit))
    return found
