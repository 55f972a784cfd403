"""Near-misses of fixed formulations: 中华人民大和国, 中共人民共和国, 检查院 for 检察院.

A fixed formulation (the state's and the Party's names, leaders' names, the core
formulations of serious.txt) is written exactly or it is wrong. A span that differs from one
by a single edit is flagged with the formulation as suggestion:

- a character with the same reading or a look-alike shape (readings.py): any length >= 3;
- any other character (not the first or the last), or one inserted, dropped or two adjacent
  ones swapped: length >= 4;
- two adjacent characters both with the same reading (a homophone typed for a word of the
  formulation, 社会注意 for 社会主义): length >= 6.

Short formulations are where real text comes close by chance, so a candidate must be a
mistake and not other words: it is not itself a dictionary word, jieba's words don't straddle
its edges (学习进平台 is 学习/进/平台, not a misspelt 习近平), it edits no numeral (二十届
二中全会 is another session, not a misspelt 二十届一中全会), an insertion falls inside a word
of the formulation (中国特色的社会主义 is a correct older wording), and in a formulation of 4
or 5 characters a changed character stands alone (政治意见 is 政治/意见, not a misspelt 政治
意识). A span overlapping a correct occurrence is never flagged.

Candidates come from one Aho-Corasick pass (scan.Scanner) over each formulation, its drops
and swaps, and its "halves" (a prefix and a suffix of at least 3 characters): an edit
outside a half leaves it intact, and the spans around a half are compared with the
formulation directly. Where an edit touches both halves (the middle of a formulation of 4 or
5, all of one of 3) the same-reading and look-alike variants are spelt out instead, so a
dissimilar character there goes unnoticed: 2-character halves (人民, 中国) would be found
in every sentence.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cache import cached
from .codes import SERIOUS
from .readings import LOOK_ALIKE, SAME_READING, confusable, is_numeral, relation
from .scan import Scanner
from .segment import ACROSS, fit, new_tokenizer
from .wordlists import Wordlists

if TYPE_CHECKING:
    import jieba

SUBSTITUTED = "substituted"
INSERTED = "inserted"
DROPPED = "dropped"
SWAPPED = "swapped"
REASONS = (SAME_READING, LOOK_ALIKE, SUBSTITUTED, INSERTED, DROPPED, SWAPPED)

MIN_LENGTH = 3  # same-reading and look-alike substitutions
MIN_LENGTH_ANY_EDIT = 4  # any substitution, insertion, drop or swap
_ANCHOR = 3  # a half shorter than this is an everyday word (人民, 中国) found everywhere
_SHORT = 5  # up to this length a changed character must stand alone
_LONG = 6  # from this length a homophone written for a two-character word is a near-miss too

# The state's and the Party's names as the Constitution gives them: stable, so listed here;
# everything else comes from the wordlists (see formulations_of).
CANONICAL_NAMES = (
    "中华人民共和国",
    "中国共产党",
    "全国人民代表大会",
    "中国人民政治协商会议",
    "中央军事委员会",
    "国家监察委员会",
    "最高人民法院",
    "最高人民检察院",
    "人民检察院",
    "检察院",
)


@dataclass(frozen=True)
class NearMiss:
    start: int  # offsets in the text given to find()
    end: int
    text: str  # as written
    suggestion: str  # the formulation
    reason: str  # one of REASONS
    category: str = SERIOUS


@dataclass(frozen=True)
class _Variant:
    formulation: str
    kind: str  # a reason, or "exact", or "left"/"right" for a half


def formulations_of(wordlists: Wordlists) -> list[tuple[str, str]]:
    """(formulation, category) for the serious entries' corrections that are misspellings
    (one edit away: 习进平 -> 习近平; not 台湾总统 -> 台湾地区领导人, nor 省省委书记 ->
    省委书记 which is only right in its context), plus CANONICAL_NAMES."""
    found = dict.fromkeys(CANONICAL_NAMES, SERIOUS)
    for entry in wordlists.categories.get(SERIOUS, {}).values():
        right = entry.suggestion
        if right and right not in entry.term and _edit_distance_at_most_1(entry.term, right):
            found.setdefault(right, SERIOUS)
    return list(found.items())


class NearMissFinder:
    """Build once per set of formulations, then find near-misses in many texts."""

    def __init__(
        self,
        formulations: Iterable[tuple[str, str]],
        tokenizer: jieba.Tokenizer | None = None,
        listed: Iterable[str] = (),
    ) -> None:
        """``formulations``: (formulation, category) pairs. ``tokenizer``: for word
        boundaries (default: jieba's dictionary plus the formulations). ``listed``: wrong
        forms on a wordlist, flagged even when jieba knows them as words (马克斯主义)."""
        self.category = {f: c for f, c in formulations if len(f) >= MIN_LENGTH}
        self.listed = frozenset(listed)
        self._tokenizer = tokenizer
        self._inside: dict[str, frozenset[int]] = {}
        variants: dict[str, list[_Variant]] = {}

        def add(text: str, formulation: str, kind: str) -> None:
            if text != formulation or kind == "exact":
                variants.setdefault(text, []).append(_Variant(formulation, kind))

        for f in self.category:
            add(f, f, "exact")
            n = len(f)
            k = max(_ANCHOR, n // 2)  # the halves: a prefix and a suffix of k characters
            # Same-reading and look-alike variants are spelt out where neither half stays
            # intact: the middle of a formulation of 4 or 5, all of one of 3.
            uncovered = range(n) if n < MIN_LENGTH_ANY_EDIT else range(n - k, k)
            for i in uncovered:
                if not is_numeral(f[i]):
                    for other in confusable(f[i]):
                        add(f[:i] + other + f[i + 1 :], f, relation(other, f[i]) or LOOK_ALIKE)
            if n < MIN_LENGTH_ANY_EDIT:
                continue
            for i in range(1, n - 1):
                if not is_numeral(f[i]):
                    add(f[:i] + f[i + 1 :], f, DROPPED)
            for i in range(n - 1):
                if f[i] != f[i + 1] and not (is_numeral(f[i]) or is_numeral(f[i + 1])):
                    add(f[:i] + f[i + 1] + f[i] + f[i + 2 :], f, SWAPPED)
            add(f[:k], f, "left")
            add(f[n - k :], f, "right")
        # A variant that is another formulation is correct text.
        for f in self.category:
            variants[f] = [v for v in variants[f] if v.kind in ("exact", "left", "right")]
        self._variants = {t: tuple(vs) for t, vs in variants.items()}
        self._scanner = Scanner(self._variants)

    @classmethod
    def from_wordlists(cls, wordlists: Wordlists, tokenizer: jieba.Tokenizer | None = None) -> NearMissFinder:
        """The formulations of ``wordlists`` (formulations_of), with its serious wrong forms
        as ``listed``; built once per set of them (cache.py)."""
        formulations = sorted(formulations_of(wordlists))
        listed = sorted(wordlists.categories.get(SERIOUS, {}).keys())
        finder = cached("nearmiss", (formulations, listed), lambda: cls(formulations, None, listed))
        finder._tokenizer = tokenizer
        return finder

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_tokenizer", "_inside")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _tokenizer=None, _inside={})

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = new_tokenizer(self.category)
        return self._tokenizer

    @property
    def variants(self) -> dict[str, tuple[_Variant, ...]]:
        """What the finder scans for: to be scanned together with other terms (see find)."""
        return self._variants

    def find(self, text: str, matches: Iterable[tuple[int, int, tuple[_Variant, ...]]] | None = None,
             ) -> list[NearMiss]:
        """Near-misses in ``text``, by position; at most one per span.

        ``matches``: where ``variants`` occur in ``text``, if the caller scanned for them."""
        exact: list[tuple[int, int]] = []
        candidates: dict[tuple[int, int], tuple[str, str]] = {}
        for start, end, variants in self._scanner.find(text) if matches is None else matches:
            for v in variants:
                if v.kind == "exact":
                    exact.append((start, end))
                elif v.kind in ("left", "right"):
                    for span, reason in self._around_half(text, start, end, v):
                        candidates.setdefault(span, (v.formulation, reason))
                else:
                    # An explicit variant outranks the same span found around a half.
                    candidates[start, end] = (v.formulation, v.kind)
        found = []
        exact.sort()
        longest = max((e - s for s, e in exact), default=0)
        for (start, end), (formulation, reason) in candidates.items():
            # A correct occurrence inside the span (习近平 in a misspelt 习近平新时代...) is fine.
            near = exact[bisect_left(exact, (start - longest, 0)) : bisect_left(exact, (end, 0))]
            if any(start < e and not (start <= s and e <= end) for s, e in near):
                continue
            if self._is_mistake(text, start, end, formulation, reason):
                found.append(
                    NearMiss(start, end, text[start:end], formulation, reason, self.category[formulation])
                )
        return _best(found)

    def _around_half(self, text: str, start: int, end: int, v: _Variant) -> list[tuple[tuple[int, int], str]]:
        """Spans with this half intact that are one substitution or insertion from ``v``."""
        f = v.formulation
        n = len(f)
        k = end - start
        # Most often the half is part of the formulation written right (found as exact).
        if text.startswith(f, start) if v.kind == "left" else text.endswith(f, 0, end):
            return []
        # Most halves are ordinary words (中国特色, 社会主义): after one edit, the next
        # character of the formulation is there, or the one after it.
        if v.kind == "left":
            if f[k] not in text[end : end + 2] and f[k + 1 : k + 2] != text[end + 1 : end + 2]:
                return []
            spans = [(start, start + n), (start, start + n + 1)]
        else:
            before = n - k  # characters of the formulation before the half
            if f[before - 1] not in text[max(0, start - 2) : start] and (
                before < 2 or f[before - 2] != text[start - 2 : start - 1]
            ):
                return []
            spans = [(end - n, end), (end - n - 1, end)]
        out = []
        for lo, hi in spans:
            if lo < 0 or hi > len(text):
                continue
            written = text[lo:hi]
            if hi - lo == n:
                diff = [i for i in range(n) if written[i] != f[i]]
                if any(is_numeral(written[i]) or is_numeral(f[i]) for i in diff):
                    continue
                if len(diff) == 1:
                    reason = relation(written[diff[0]], f[diff[0]])
                    # At an edge, the rest is often a phrase of its own followed by another
                    # word (科学发展的 is not 科学发展观): only a character read or shaped alike.
                    if reason is not None or 0 < diff[0] < n - 1:
                        out.append(((lo, hi), reason or SUBSTITUTED))
                elif _homophone_pair(written, f, diff):
                    out.append(((lo, hi), SAME_READING))
            else:
                i = _inserted_at(written, f)
                if i is not None and not is_numeral(written[i]):
                    out.append(((lo, hi), INSERTED))
        return out

    def _is_mistake(self, text: str, start: int, end: int, formulation: str, reason: str) -> bool:
        written = text[start:end]
        if not _is_cjk(written):
            return False
        listed = written in self.listed
        tokenizer = self.tokenizer
        if not listed and tokenizer.FREQ.get(written, 0) > 0:
            return False  # a word of its own
        if fit(tokenizer, text, start, end) == ACROSS:
            return False
        if listed:
            return True
        if reason == INSERTED:
            i = _inserted_at(written, formulation)
            return i is not None and self._inside_word(formulation, i)
        short = MIN_LENGTH_ANY_EDIT <= len(formulation) <= _SHORT
        if reason in (SAME_READING, LOOK_ALIKE, SUBSTITUTED) and short:
            i = next(i for i, (a, b) in enumerate(zip(written, formulation, strict=True)) if a != b)
            return self._stands_alone(text, start + i)
        return True

    def _inside_word(self, formulation: str, i: int) -> bool:
        """Whether an insertion before formulation[i] breaks a word within it (共和国 in
        中华人民共和和国), not fall between two (中国特色 | 的 | 社会主义)."""
        inside = self._inside.get(formulation)
        if inside is None:
            freq, n = self.tokenizer.FREQ, len(formulation)
            inside = self._inside[formulation] = frozenset(
                k
                for k in range(1, n)
                if any(
                    freq.get(formulation[j:m], 0) > 0 and (j, m) != (0, n)
                    for j in range(k)
                    for m in range(k + 1, n + 1)
                )
            )
        return i in inside

    def _stands_alone(self, text: str, at: int) -> bool:
        """Whether text[at] is a word of one character in its segmented surroundings."""
        from .segment import window

        lo, hi = window(text, at, at + 1)
        for _w, s, e in self.tokenizer.tokenize(text[lo:hi], HMM=False):
            if s + lo <= at < e + lo:
                return e - s == 1
        return True


def _homophone_pair(written: str, formulation: str, diff: list[int]) -> bool:
    """Two adjacent characters of a long formulation, both written with the same reading: a
    word typed by its pinyin and the wrong candidate taken (社会注意 for 社会主义)."""
    return (
        len(formulation) >= _LONG
        and len(diff) == 2
        and diff[1] == diff[0] + 1
        and all(relation(written[i], formulation[i]) == SAME_READING for i in diff)
    )


_PRIORITY = {r: i for i, r in enumerate((SAME_READING, LOOK_ALIKE, SWAPPED, INSERTED, DROPPED, SUBSTITUTED))}


def _best(found: list[NearMiss]) -> list[NearMiss]:
    """Of overlapping near-misses keep the likeliest slip: 中华人民共和和国 is 和 inserted,
    not 国 written as 和 in 中华人民共和和."""
    kept: list[NearMiss] = []
    for m in sorted(found, key=lambda m: (_PRIORITY[m.reason], -(m.end - m.start), m.start)):
        if not any(k.start < m.end and m.start < k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _inserted_at(written: str, formulation: str) -> int | None:
    """The index in ``written`` of the one interior character that makes it ``formulation``."""
    if len(written) != len(formulation) + 1:
        return None
    for i in range(1, len(written) - 1):
        if written[:i] + written[i + 1 :] == formulation:
            return i
    return None


def _edit_distance_at_most_1(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or adjacent swap (or none) turns a into b."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and (a[i], a[j]) == (b[j], b[i])
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
