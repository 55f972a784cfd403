"""Traditional script (繁體): a simplified twin of the text, character for character.

The wordlists, the whitelist, jieba and the history rules all speak simplified Chinese, so a
page in 繁體 is checked through a simplified twin of the same length: character i of the twin
is the simplified form of character i of the page. Offsets need no map, and a hit shows the
page's own characters while its key comes from the twin (a 繁體 mirror of a page gives the
same finding, not a second one).

The conversion is OpenCC's ``t2s`` (phrase-aware: 答覆 -> 答复, 乾隆 stays). Only lines
holding a traditional character are converted, so a simplified page is left exactly as it
is. A converted line must keep its length; where OpenCC changes it (a phrase of another
length), the line is converted clause by clause, and a clause that still changes length
character by character.

A character counts as traditional when t2s changes it on its own and GB 2312 (the simplified
set) lacks it: 國, 勵, 髮, but not 乾, 著, 於, which simplified text uses too. Finding one
takes a single regex search (``screen``), which also looks for zero-width characters: the
checker then skips its own search for those, so simplified text costs no more than before.
"""

from __future__ import annotations

import functools
import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import opencc

from .cache import cached
from .normalize import LONG, ZERO_WIDTH, code_points

# The ideograph blocks OpenCC's character tables cover in the BMP (CJK, Ext A, compatibility).
_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
# Inside a line, phrases never span these: the clauses of the fallback.
_CLAUSE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


class _Tables:
    """The character tables (kept on disk, cache.py) and what is made of them on first use."""

    def __init__(self, chars: dict[int, str], traditional: str) -> None:
        self.chars = chars  # code point -> its simplified character, for str.translate
        self.traditional_chars = traditional
        self.screened = traditional + ZERO_WIDTH  # the characters of ``screen``

    @functools.cached_property
    def t2s(self) -> Callable[[str], str]:
        """OpenCC's phrase-aware conversion."""
        return opencc.OpenCC("t2s").convert

    @functools.cached_property
    def traditional(self) -> re.Pattern[str]:
        """One traditional character."""
        return re.compile(f"[{self.traditional_chars}]")

    @functools.cached_property
    def screen(self) -> re.Pattern[str]:
        """One traditional or zero-width character."""
        return re.compile(f"[{self.screened}]")


_lock = threading.Lock()
_tables: _Tables | None = None
_s2t: Callable[[str], str] | None = None


def _gb2312(ch: str) -> bool:
    return bool(ch.encode("gb2312", "ignore"))  # no exception per character: 4,000 of them


def _build() -> _Tables:
    return _Tables(*cached("script", (), _character_tables))


def _character_tables() -> tuple[dict[int, str], str]:
    """From the installed OpenCC: one conversion of every ideograph (~25 ms, and as much
    again for the rest; loading them back from the cache takes a few ms)."""
    converter = opencc.OpenCC("t2s")
    ideographs = [chr(c) for lo, hi in _BLOCKS for c in range(lo, hi)]
    # One character a line: no phrase spans two, so each is converted on its own.
    simplified = converter.convert("\n".join(ideographs)).split("\n")
    if len(simplified) != len(ideographs):
        raise RuntimeError("OpenCC t2s changed the number of lines of its character table")
    chars = {ord(t): s for t, s in zip(ideographs, simplified, strict=True) if t != s and len(s) == 1}
    traditional = "".join(chr(c) for c in chars if not _gb2312(chr(c)))
    return chars, traditional


def tables() -> _Tables:
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _build()
    return _tables


@dataclass(frozen=True)
class Simplified:
    """``text`` in simplified characters (the same length), and the spans that were converted."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()  # converted lines, in order

    def converted(self, offset: int) -> bool:
        """Whether the character at ``offset`` lies on a converted (traditional) line."""
        i = bisect_right(self.spans, (offset, len(self.text) + 1)) - 1
        return i >= 0 and self.spans[i][0] <= offset < self.spans[i][1]


def has_traditional(text: str) -> bool:
    return tables().traditional.search(text) is not None


def screen(text: str) -> bool:
    """False when ``text`` has neither a traditional nor a zero-width character, as most pages.

    One search for both runs faster than either alone (on 20 MB: 396 MB/s; the traditional
    class alone 322, the zero-width one 146). A long text is looked up as an array of code
    points in a table of those characters instead (numpy: several times faster again).
    """
    tab = tables()
    if len(text) < LONG:
        return tab.screen.search(text) is not None
    import numpy as np  # the crawl process imports this module, not numpy

    global _screen_table
    if _screen_table is None:
        table = np.zeros(0x110000, dtype=bool)
        table[[ord(c) for c in tab.screened]] = True
        _screen_table = table
    return bool(_screen_table[code_points(text)].any())


_screen_table = None


def simplify(text: str, t2s: Callable[[str], str] | None = None) -> Simplified:
    """The simplified twin of ``text``; ``text`` itself when it has no traditional character.

    ``t2s`` replaces OpenCC's conversion (for tests of the length fallback).
    """
    tab = tables()
    found = tab.traditional.search(text)
    if found is None:
        return Simplified(text)
    convert = t2s or tab.t2s
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    while found is not None:
        lo = text.rfind("\n", 0, found.start()) + 1
        hi = text.find("\n", found.end())
        hi = len(text) if hi < 0 else hi
        pieces.append(text[pos:lo])
        pieces.append(_same_length(text[lo:hi], convert, tab.chars))
        spans.append((lo, hi))
        pos = hi
        found = tab.traditional.search(text, hi)
    pieces.append(text[pos:])
    out = "".join(pieces)
    assert len(out) == len(text)
    return Simplified(out, tuple(spans))


def _same_length(line: str, convert: Callable[[str], str], chars: dict[int, str]) -> str:
    """``line`` converted, keeping its length: by line, else by clause, else by character."""
    converted = convert(line)
    if len(converted) == len(line):
        return converted
    pieces = []
    pos = 0
    for m in [*_CLAUSE.finditer(line), None]:
        end = len(line) if m is None else m.start()
        clause = line[pos:end]
        if clause:
            converted = convert(clause)
            pieces.append(converted if len(converted) == len(clause) else clause.translate(chars))
        if m is not None:
            pieces.append(m.group())
            pos = m.end()
    return "".join(pieces)


def to_traditional(text: str) -> str:
    """``text`` in traditional characters (OpenCC ``s2t``), for suggestions on a 繁體 page."""
    global _s2t
    if _s2t is None:
        with _lock:
            if _s2t is None:
                _s2t = opencc.OpenCC("s2t").convert  # ~0.15 s: loaded only when needed
    return _s2t(text)
