"""Text checks for published pages, free of Scrapy: wordlists, visible text, matching, privacy.

    from crawler.textcheck import TextChecker, load_wordlists
    checker = TextChecker(load_wordlists([Path("my-wordlists")]))
    for hit in checker.check_html(html): ...

Modules by role: ``wordlists`` (files -> entries), ``extract`` (HTML -> visible text by
field), ``normalize`` (full-width/zero-width folding with an offset map), ``segment`` (jieba
word boundaries), ``privacy`` (identity numbers), ``matcher`` (TextChecker), ``hits`` (the
Hit record), ``codes`` (stable category codes and their Chinese labels).

Names are imported on first use: the crawl process needs only the wordlists, and jieba costs
a fifth of a second to import.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CATEGORY_LABELS": "codes",
    "DEFAULT_CATEGORIES": "codes",
    "SEVERITY": "codes",
    "SEVERITY_LABELS": "codes",
    "category_label": "codes",
    "severity_of": "codes",
    "extract_visible": "extract",
    "Hit": "hits",
    "line_col": "hits",
    "TextChecker": "matcher",
    "is_valid_id": "privacy",
    "mask_id": "privacy",
    "Entry": "wordlists",
    "WordlistError": "wordlists",
    "Wordlists": "wordlists",
    "load_wordlists": "wordlists",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
