"""Text checks for published pages, free of Scrapy: wordlists, visible text, matching, privacy.

    from crawler.textcheck import TextChecker, load_wordlists
    checker = TextChecker(load_wordlists([Path("my-wordlists")]))
    for hit in checker.check_html(html): ...

Modules by role: ``wordlists`` (files -> entries), ``extract`` (HTML -> visible text by
field), ``normalize`` (full-width/zero-width folding with an offset map), ``segment`` (jieba
word boundaries), ``privacy`` (identity numbers), ``matcher`` (TextChecker), ``hits`` (the
Hit record), ``codes`` (stable category codes and their Chinese labels).
"""

from .codes import (
    CATEGORY_LABELS,
    DEFAULT_CATEGORIES,
    KIND_LABELS,
    SEVERITY,
    SEVERITY_LABELS,
    category_label,
    severity_of,
)
from .extract import extract_visible
from .hits import Hit, line_col
from .matcher import TextChecker
from .privacy import is_valid_id, mask_id
from .wordlists import Entry, WordlistError, Wordlists, load_wordlists

__all__ = [
    "CATEGORY_LABELS",
    "DEFAULT_CATEGORIES",
    "KIND_LABELS",
    "SEVERITY",
    "SEVERITY_LABELS",
    "Entry",
    "Hit",
    "TextChecker",
    "WordlistError",
    "Wordlists",
    "category_label",
    "extract_visible",
    "is_valid_id",
    "line_col",
    "load_wordlists",
    "mask_id",
    "severity_of",
]
