"""Normalisation before matching, with a map back to offsets in the original text.

Full-width letters and digits fold to ASCII, ASCII letters to lower case (both one char for
one char), and zero-width characters are removed (which shifts offsets, hence the map).
Full-width punctuation is left alone: it never sits inside a term.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_FOLD = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FOLD.update({c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)})  # Ａ -> a
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_FOLD.update({c: c + 32 for c in range(0x41, 0x5B)})
_FOLD.update({0x3000: 0x20})  # ideographic space

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_FOLD_RE = re.compile("[" + "".join(map(chr, _FOLD)) + "]")
_ZW_RE = re.compile(f"[{ZERO_WIDTH}]+")

# Characters a spammer may put between the characters of a sensitive term (法 轮 功, 法.轮.功).
SEPARATORS = (
    r"\s!-/:-@\[-`{-~\u00b7\u2010-\u2027\u2605\u2606\u3000-\u3003\u3008-\u3011"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
SEPARATOR_RE = re.compile(f"[{SEPARATORS}]+")


def _fold_char(m: re.Match[str]) -> str:
    return chr(_FOLD[ord(m.group())])


LONG = 4096  # characters: from here on a text is searched as an array of code points
_last: tuple[str, Any] | None = None


def code_points(text: str) -> np.ndarray:
    """``text`` as a read-only numpy array of its code points. The last text's is kept: the
    checks that read a long text this way (normalisation, the lexicon scan, personal
    numbers, suspect typos) read the same text in turn."""
    global _last
    last = _last
    if last is not None and last[0] is text:
        return last[1]
    import numpy as np  # the crawl process imports this module, not numpy

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    _last = (text, codes)
    return codes


_fold_tables: tuple[Any, Any] | None = None


def _folded(text: str) -> str:
    """``text`` with _FOLD applied (as _FOLD_RE.sub), found and done with numpy: a regular
    expression made of a class tries every character (some 8 ns each)."""
    global _fold_tables
    import numpy as np

    if _fold_tables is None:  # over all of Unicode: no temporary array of clipped codes
        changed = np.zeros(0x110000, dtype=bool)
        changed[list(_FOLD)] = True
        _fold_tables = (None, changed)
    folds, changed = _fold_tables
    codes = code_points(text)
    if not changed[codes].any():
        return text
    if folds is None:
        folds = np.arange(0x110000, dtype=np.uint32)
        folds[list(_FOLD)] = list(_FOLD.values())
        _fold_tables = (folds, changed)
    return folds[codes].tobytes().decode("utf-32-le", "surrogatepass")


class Normalized:
    """Normalised text plus a map from its offsets back to the original's."""

    __slots__ = ("text", "_starts", "_shifts")

    def __init__(self, original: str, zero_width: bool = True) -> None:
        """``zero_width=False``: the caller has found no zero-width character in ``original``."""
        text = original
        if len(text) >= LONG:
            text = _folded(text)
        elif _FOLD_RE.search(text):
            text = _FOLD_RE.sub(_fold_char, text)
        # Breakpoints: from normalised offset _starts[i] on, add _shifts[i] to get the original.
        self._starts: list[int] = [0]
        self._shifts: list[int] = [0]
        if zero_width and _ZW_RE.search(text):
            pieces: list[str] = []
            removed = pos = 0
            for m in _ZW_RE.finditer(text):
                pieces.append(text[pos : m.start()])
                removed += m.end() - m.start()
                self._starts.append(m.end() - removed)
                self._shifts.append(removed)
                pos = m.end()
            pieces.append(text[pos:])
            text = "".join(pieces)
        self.text = text

    def to_original(self, offset: int) -> int:
        """Original offset of the character at normalised ``offset``."""
        return offset + self._shifts[bisect_right(self._starts, offset) - 1]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.to_original(start), self.to_original(end - 1) + 1


def normalize_term(term: str) -> str:
    """The form a wordlist term takes for matching."""
    return _ZW_RE.sub("", _FOLD_RE.sub(_fold_char, term.strip()))


def squeeze(text: str) -> str:
    """``text`` without separators, for matching spaced-out sensitive terms."""
    return SEPARATOR_RE.sub("", text)


def squeeze_map(text: str) -> list[int]:
    """For each character of ``squeeze(text)``, its offset in ``text``."""
    kept: list[int] = []
    pos = 0
    for m in SEPARATOR_RE.finditer(text):
        kept.extend(range(pos, m.start()))
        pos = m.end()
    kept.extend(range(pos, len(text)))
    return kept
