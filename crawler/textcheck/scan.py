"""Every occurrence of every term in a text: a prefix table for long texts, Aho-Corasick for
short ones.

A long text (a page's body, a draft) is read as an array of code points (numpy): each
position's next four characters (three, two, one, for shorter terms) are hashed and looked
up in a table of the terms' prefixes. Few positions pass (on government prose about as many as
there are matches: 33,670 positions for 33,603 matches in 10 MB), and only those are
compared with the terms in Python. That runs about 5x faster than pyahocorasick over the
same text, whose inner loop costs some 18 ns a byte.

A short text (the few characters around a hint of a spaced-out term, a title) goes through
pyahocorasick, where numpy's fixed cost per call would dominate. It scans UTF-8 bytes (as a
latin-1 str): pyahocorasick looks up a node's children by linear search, and with
hundreds of terms the root has hundreds of children (one per distinct first character); the
bytes split each Chinese character into 3 symbols with small fan-outs, ~3x faster than the
str. UTF-8 is self-synchronising, so a term's bytes only ever match at character boundaries.

Both give the same matches in the same order (tests/textcheck/test_scan.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

import ahocorasick
import numpy as np

from .normalize import code_points

V = TypeVar("V")

LONG = 512  # characters: from here on a text is scanned with the prefix table
_PREFIX = 4  # characters of a term hashed (fewer for a shorter term)
_M_INT = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F)
_M = tuple(np.uint32(m) for m in _M_INT)
# The prefix lengths whose bit (1 << k) is set in a position's flags.
_LENGTHS_OF = [tuple(k for k in range(1, _PREFIX + 1) if flags & (1 << k))
               for flags in range(1 << (_PREFIX + 1))]
# The prefix table's size: about 1 slot in 1,000 taken for each prefix length (a position
# of the text is a false hit that rarely), 2^22 (4 MB) at most.
_SLOTS_PER_TERM = 1024
_CHUNK = 1 << 16  # characters hashed at a time


def _bytes_of(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class Scanner(Generic[V]):
    """Every occurrence of every term (overlapping too), with character offsets."""

    def __init__(self, terms: Mapping[str, V]) -> None:
        self._terms = {term: value for term, value in terms.items() if term}
        self.size = len(self._terms)
        self._automaton: ahocorasick.Automaton | None = None  # built on the first short text
        # prefix (the first _PREFIX characters, or the whole of a shorter term) -> its terms
        # by length: a prefix such as 人民政 starts dozens of near-miss variants
        self._by_prefix: dict[str, dict[int, dict[str, V]]] = {}
        bits = min(22, max(8, (self.size * _SLOTS_PER_TERM).bit_length()))
        self._shift = np.uint32(32 - bits)
        self._flags = np.zeros(1 << bits, dtype=np.uint8)  # a bit for each prefix length
        singles = set()
        slots: list[int] = []
        bits_of: list[int] = []
        shift = 32 - bits
        for term, value in self._terms.items():
            prefix = term[:_PREFIX]
            self._by_prefix.setdefault(prefix, {}).setdefault(len(term), {})[term] = value
            if len(prefix) == 1:
                singles.add(ord(prefix))
            else:  # the prefix's hash (as find computes it), in Python integers
                hashed = sum(ord(ch) * m for ch, m in zip(prefix, _M_INT, strict=False)) & 0xFFFFFFFF
                slots.append(hashed >> shift)
                bits_of.append(1 << len(prefix))
        if slots:
            np.bitwise_or.at(self._flags, np.array(slots), np.array(bits_of, dtype=np.uint8))
        self._singles = np.array(sorted(singles), dtype=np.uint32)

    def find(self, text: str) -> list[tuple[int, int, V]]:
        """[(start, end, value)] in character offsets of ``text``, ordered by end, and the
        longer first where two end together."""
        if not self.size:
            return []
        if len(text) < LONG:
            return self._find_short(text)
        codes = code_points(text)
        # flags[p]: bit k set when the k characters from p hash like the prefix of a term
        flags = np.zeros(codes.size, dtype=np.uint8)
        if self._singles.size:
            flags[np.isin(codes, self._singles)] = 1 << 1
        # In chunks: the temporary arrays stay small, and are reused instead of being
        # faulted in afresh for each step (page faults are the dear part on a VM).
        for lo in range(0, codes.size, _CHUNK):
            part = codes[lo : lo + _CHUNK + _PREFIX - 1]
            hashed = part * _M[0]
            for k in range(2, min(_PREFIX, part.size) + 1):
                # the hash of the k characters from each position: their code points times _M
                hashed = hashed[:-1] + part[k - 1 :] * _M[k - 1]
                size = min(hashed.size, _CHUNK)
                flags[lo : lo + size] |= self._flags[hashed[:size] >> self._shift] & np.uint8(1 << k)
        found = []
        by_prefix = self._by_prefix
        at = np.flatnonzero(flags)
        for start, bits in zip(at.tolist(), flags[at].tolist(), strict=True):
            for k in _LENGTHS_OF[bits]:
                for length, terms in by_prefix.get(text[start : start + k], {}).items():
                    if (term := text[start : start + length]) in terms:
                        found.append((start, start + length, terms[term]))
        found.sort(key=lambda m: (m[1], m[0]))
        return found

    def preload(self) -> None:
        """Build the automaton for short texts now (it is built on the first one)."""
        if self._automaton is None and self.size:
            automaton = ahocorasick.Automaton()
            for term, value in self._terms.items():
                raw = _bytes_of(term)
                automaton.add_word(raw.decode("latin-1"), (len(raw), value))
            automaton.make_automaton()
            self._automaton = automaton

    def _find_short(self, text: str) -> list[tuple[int, int, V]]:
        self.preload()
        assert self._automaton is not None
        raw = _bytes_of(text)
        found = [
            (last + 1 - size, last + 1, value)
            for last, (size, value) in self._automaton.iter(raw.decode("latin-1"))
        ]
        if not found or len(raw) == len(text):  # none, or ASCII: bytes are characters
            return found
        # Byte offsets -> character offsets, decoding the gaps between them once.
        chars: dict[int, int] = {}
        count = done = 0
        for offset in sorted({p for s, e, _v in found for p in (s, e)}):
            count += len(raw[done:offset].decode("utf-8", "surrogatepass"))
            chars[offset] = count
            done = offset
        return [(chars[s], chars[e], v) for s, e, v in found]

