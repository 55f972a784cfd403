"""Findings: the Hit record, its context snippet and its stable key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .privacy import mask_ids, mask_personal

CONTEXT_CHARS = 20
KEY_CONTEXT_CHARS = 8  # of the context, what identifies a finding (see matcher)
_WS_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Hit:
    kind: str  # "wording" | "privacy"
    category: str  # sensitive | serious | outdated | typo | <custom NAME> | id_number
    rule: str  # stable rule code, e.g. "typo:再接再励"
    text: str  # matched text as in the original (masked for privacy)
    suggestion: str | None
    context: str  # ~20 chars each side, whitespace collapsed, personal numbers masked
    severity: str  # "serious" | "general"
    field: str  # "title" | "body" | "alt" | "meta"
    start: int  # offsets of the match in that field's text
    end: int
    key: str  # hash of (rule, text, context): the same footer typo on 3000 pages is one key


def key_context(text: str, start: int, end: int) -> str:
    """The narrow context that goes into a finding's key. Only identity numbers are masked
    in it, as when keys were first made: masking more would change existing keys."""
    return context_of(text, start, end, KEY_CONTEXT_CHARS, mask=mask_ids)


def context_of(text: str, start: int, end: int, width: int = CONTEXT_CHARS,
               mask: Callable[[str], str] = mask_personal) -> str:
    """About ``width`` chars each side of text[start:end], within its line, personal
    numbers masked (``mask``).

    Staying within the line (a block of the page) keeps the context of a footer typo the same
    on every page, so its key is too.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    lo = max(line_start, start - width)
    hi = min(len(text) if line_end < 0 else line_end, end + width)
    # Mask on a wider slice (masking keeps lengths) so no ID is cut in half at the edge.
    wide_lo = max(line_start, lo - 17)
    wide = mask(text[wide_lo : hi + 17])
    return _WS_RE.sub(" ", wide[lo - wide_lo : hi - wide_lo]).strip()


def make_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
