"""Word-boundary checks with jieba, run only on a small window around each candidate.

jieba's dictionary is loaded once per process, lazily; each checker gets its own
``jieba.Tokenizer`` (never the module-level global) sharing a copy of that dictionary, with
the list terms added as user words.

List terms are added with jieba's *suggested* frequency (just enough to hold together on
their own), not a high one: a high frequency would make 性交 win inside 个性交流 and defeat
the check. Typos that are no dictionary word (再接再励) become tokens this way.
"""

from __future__ import annotations

import logging
import marshal
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from .cache import cached
from .normalize import SEPARATOR_RE


def _import_jieba():  # noqa: ANN202
    """jieba, imported without pkg_resources: jieba imports that (a quarter of a second, and
    deprecated) only to open its own data files, and opens them directly without it."""
    if "pkg_resources" in sys.modules or "jieba" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()

WINDOW = 10  # characters each side of a candidate
_lock = threading.Lock()
_base: jieba.Tokenizer | None = None


def _base_tokenizer() -> jieba.Tokenizer:
    global _base
    with _lock:
        if _base is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            if not _load_cached(tokenizer):
                tokenizer.initialize()  # builds the dictionary and writes jieba's cache
            _base = tokenizer
    return _base


def _load_cached(tokenizer: jieba.Tokenizer) -> bool:
    """Load the default dictionary from jieba's own cache file, as jieba does, but in one
    read: jieba's ``marshal.load(file)`` reads object by object and takes 1.1 s; loading
    the same bytes takes 0.35 s."""
    path = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / "jieba.cache"
    try:
        freq, total = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return False
    if not isinstance(freq, dict) or not isinstance(total, int) or not freq:
        return False
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    return True


def new_tokenizer(words: Iterable[str]) -> jieba.Tokenizer:
    """A tokenizer with the default dictionary plus ``words``, isolated from other checkers.

    Without words, it shares the loaded dictionary (read-only: never add words to it)."""
    base = _base_tokenizer()
    tokenizer = jieba.Tokenizer()
    words = list(words)
    # Copy the loaded dictionary (or share it) rather than loading it again.
    tokenizer.FREQ = dict(base.FREQ) if words else base.FREQ
    tokenizer.total = base.total
    tokenizer.initialized = True
    if words:
        # What adding the words changes (jieba segments each to suggest its frequency):
        # computed once per dictionary and word list (cache.py).
        changed, total = cached("jieba-words", (len(base.FREQ), base.total, words),
                                lambda: _added(base, words))
        tokenizer.FREQ.update(changed)
        tokenizer.total = total
    return tokenizer


def _added(base: jieba.Tokenizer, words: list[str]) -> tuple[dict[str, int], int]:
    scratch = jieba.Tokenizer()
    scratch.FREQ, scratch.total, scratch.initialized = dict(base.FREQ), base.total, True
    for word in words:
        scratch.add_word(word)
    changed = {w: f for w, f in scratch.FREQ.items() if base.FREQ.get(w) != f}
    return changed, scratch.total


def window(text: str, start: int, end: int, width: int = WINDOW) -> tuple[int, int]:
    """A window around text[start:end], cut at separators (punctuation, spaces) when near."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    for m in SEPARATOR_RE.finditer(text, lo, start):
        lo = m.end()
    m = SEPARATOR_RE.search(text, end, hi)
    if m:
        hi = m.start()
    return lo, hi


ALIGNED = "aligned"  # the match starts and ends on word boundaries
INSIDE = "inside"  # the match lies inside one longer word (农业部长, 非盈利性, 性交易)
ACROSS = "across"  # a word straddles the match's start or end (性交 in 个性交流)


def fit(tokenizer: jieba.Tokenizer, text: str, start: int, end: int) -> str:
    """How text[start:end] sits among the words of its segmented window.

    A title word made of the match's last char + 长 (环保/局长) doesn't count as crossing.
    """
    if _splits_ascii_word(text, start) or _splits_ascii_word(text, end):
        return ACROSS
    lo, hi = window(text, start, end)
    result = ALIGNED
    for _word, s, e in tokenizer.tokenize(text[lo:hi], HMM=False):
        s, e = s + lo, e + lo
        if e <= start or s >= end or (s, e) == (start, end):
            continue
        if s <= start and e >= end:
            result = INSIDE
        elif s < start or (e > end and not (s == end - 1 and e == end + 1 and text[end] == "长")):
            return ACROSS
    return result


def is_word(tokenizer: jieba.Tokenizer, text: str) -> bool:
    """Whether ``text`` segments as one word."""
    return [w for w, _s, _e in tokenizer.tokenize(text, HMM=False)] == [text]


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _splits_ascii_word(text: str, at: int) -> bool:
    """Whether ``at`` falls inside a run of ASCII letters/digits (pk10 in pk100).

    jieba would cut such a run at an added word, so the edge is checked directly.
    """
    return 0 < at < len(text) and _ascii_alnum(text[at - 1]) and _ascii_alnum(text[at])
