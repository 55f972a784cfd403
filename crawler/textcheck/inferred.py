"""Findings no wordlist names: near-misses of fixed formulations (serious) and suspect typos
(疑似错误), found on the simplified twin of a text and turned into Hits like the listed ones.

Both finders are built on first use, on one plain jieba tokenizer of their own: the
TextChecker's knows the listed wrong forms as words, which must not become suggestions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from .codes import SERIOUS, TYPO, WORDING, severity_of
from .hits import KEY_CONTEXT_CHARS, Hit, context_of, make_key
from .nearmiss import NearMissFinder
from .segment import new_tokenizer
from .suspect import SEVERITY_SUSPECT, SuspectFinder
from .wordlists import Wordlists

Span = tuple[int, int]


class InferredChecks:
    def __init__(self, wordlists: Wordlists) -> None:
        self.wordlists = wordlists
        self._nearmiss: NearMissFinder | None = None
        self._suspect: SuspectFinder | None = None
        self._lock = threading.Lock()

    def _finders(self) -> tuple[NearMissFinder, SuspectFinder]:
        with self._lock:
            if self._nearmiss is None or self._suspect is None:
                tokenizer = new_tokenizer(())
                known = set(self.wordlists.whitelist) | {e.term for e in self.wordlists.entries()}
                self._nearmiss = NearMissFinder.from_wordlists(self.wordlists, tokenizer=tokenizer)
                self._suspect = SuspectFinder(tokenizer=tokenizer, known=known)
        return self._nearmiss, self._suspect

    def hits(
        self, text: str, twin: str, searched: str, to_original: Callable[[int, int], Span],
        taken: Iterable[Span], field: str, in_page_script: Callable[[str, int], str],
    ) -> list[Hit]:
        """Hits found in ``searched`` (the normalised simplified twin), offsets mapped by
        ``to_original`` into ``text``, whose simplified twin ``twin`` is as long as it.

        A span a listed term already covers is left to that term.
        """
        nearmiss, suspect = self._finders()
        taken = list(taken)
        out: list[Hit] = []
        found = [(m, SERIOUS, severity_of(SERIOUS), "nearmiss") for m in nearmiss.find(searched)]
        found += [(s, TYPO, SEVERITY_SUSPECT, "suspect") for s in suspect.find(searched)]
        for match, category, severity, how in found:
            start, end = to_original(match.start, match.end)
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            rule = f"{how}:{match.suggestion}"
            out.append(Hit(
                kind=WORDING, category=category, rule=rule, text=text[start:end],
                suggestion=in_page_script(match.suggestion, start), context=context_of(text, start, end),
                severity=severity, field=field, start=start, end=end,
                key=make_key(rule, twin[start:end], context_of(twin, start, end, KEY_CONTEXT_CHARS)),
            ))
        return out
