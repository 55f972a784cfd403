"""Findings no wordlist names: near-misses of fixed formulations (serious) and suspect typos
(疑似错误), found on the simplified twin of a text and turned into Hits like the listed ones.

Both finders are built on first use, on one plain jieba tokenizer of their own: the
TextChecker's knows the listed wrong forms as words, which must not become suggestions.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .codes import SERIOUS, TYPO, WORDING, severity_of
from .hits import Hit, context_of, key_context, make_key
from .nearmiss import NearMissFinder
from .readings import reading_table
from .segment import new_tokenizer
from .suspect import SEVERITY_SUSPECT, SuspectFinder
from .wordlists import Wordlists

Span = tuple[int, int]
_JOIN = "\n"  # between parts: a separator, so no word or window spans two parts


@dataclass(frozen=True)
class Part:
    """One text to search (a field of a page), with what maps a match back into it."""

    text: str  # as written
    twin: str  # its simplified twin, as long as ``text``
    searched: str  # the normalised twin: what the finders read
    to_original: Callable[[int, int], Span]  # offsets in ``searched`` -> offsets in ``text``
    taken: Sequence[Span]  # spans listed terms already cover
    field: str
    in_page_script: Callable[[str, int], str]  # a suggestion in the script of text[at]
    # Where the near-miss finder's variants occur in ``searched``, when already scanned for.
    nearmiss: list[tuple[int, int, tuple]] | None = None


class InferredChecks:
    def __init__(self, wordlists: Wordlists) -> None:
        self.wordlists = wordlists
        self._nearmiss: NearMissFinder | None = None
        self._suspect: SuspectFinder | None = None
        self._lock = threading.Lock()

    def nearmiss_variants(self) -> dict[str, tuple]:
        """What the near-miss finder scans for, to scan for it with the listed terms in one
        pass (Part.nearmiss)."""
        return self._nearmiss_finder().variants

    def _nearmiss_finder(self) -> NearMissFinder:
        with self._lock:
            if self._nearmiss is None:
                self._nearmiss = NearMissFinder.from_wordlists(self.wordlists)
        return self._nearmiss

    def _finders(self) -> tuple[NearMissFinder, SuspectFinder]:
        nearmiss = self._nearmiss_finder()
        with self._lock:
            if self._suspect is None:
                tokenizer = new_tokenizer(())
                known = set(self.wordlists.whitelist) | {e.term for e in self.wordlists.entries()}
                nearmiss._tokenizer = tokenizer
                self._suspect = SuspectFinder.cached(tokenizer, known)
        return nearmiss, self._suspect

    def preload(self) -> None:
        """Build the finders and load the reading and shape tables their checks read."""
        self._finders()
        reading_table()

    def hits(self, parts: Sequence[Part]) -> list[list[Hit]]:
        """The hits of each part, found in one search over all of them: a page's fields
        (title, body, ...) cost one call of each finder, not one each.

        A span a listed term already covers (``Part.taken``) is left to that term.
        """
        nearmiss, suspect = self._finders()
        joined = _JOIN.join(p.searched for p in parts)
        starts, at = [], 0
        for p in parts:
            starts.append(at)
            at += len(p.searched) + len(_JOIN)
        found = [
            (replace(m, start=m.start + at, end=m.end + at), SERIOUS, severity_of(SERIOUS), "nearmiss")
            for p, at in zip(parts, starts, strict=True) for m in nearmiss.find(p.searched, p.nearmiss)
        ]
        found += [(s, TYPO, SEVERITY_SUSPECT, "suspect") for s in suspect.find(joined, starts)]
        taken = [list(p.taken) for p in parts]
        out: list[list[Hit]] = [[] for _ in parts]
        for match, category, severity, how in found:
            index = bisect_right(starts, match.start) - 1
            part, offset = parts[index], starts[index]
            if match.end - offset > len(part.searched):
                continue  # across two parts: cannot happen with _JOIN, a separator
            start, end = part.to_original(match.start - offset, match.end - offset)
            if any(start < e and s < end for s, e in taken[index]):
                continue
            taken[index].append((start, end))
            rule = f"{how}:{match.suggestion}"
            text, twin = part.text, part.twin
            out[index].append(Hit(
                kind=WORDING, category=category, rule=rule, text=text[start:end],
                suggestion=part.in_page_script(match.suggestion, start), context=context_of(text, start, end),
                severity=severity, field=part.field, start=start, end=end,
                key=make_key(rule, twin[start:end], key_context(twin, start, end)),
            ))
        return out
