"""TextChecker: every wordlist term at once (Aho-Corasick), then boundaries checked by jieba.

Per text: a 繁體 text is read through its simplified twin (script.py), then normalise
(normalize.py), scan, drop candidates covered by a whitelist phrase and cross-word matches
(性交 in 个性交流); drop a match inside a longer one (保监会 in 银保监会), then outdated names
that are history (history.py: 原国土资源局, 不再保留国家旅游局, a page older than the change),
and map offsets back. A hit shows the text's own characters; its key comes from the twin.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .codes import (
    BANK_CARD,
    ID_NUMBER,
    MOBILE,
    OUTDATED,
    PERSONAL_LIST,
    PRIVACY,
    SENSITIVE,
    SERIOUS,
    TYPO,
    WORDING,
    severity_of,
)
from .extract import FIELD_BODY, PageText, PersonalList, personal_list, read_page
from .history import before_change, former_name, states_change
from .hits import Hit, context_of, key_context, make_key
from .inferred import InferredChecks, Part
from .normalize import SEPARATORS, Normalized, squeeze, squeeze_map
from .privacy import (
    find_cards,
    find_ids,
    find_mobiles,
    id_digest,
    mask_card,
    mask_id,
    mask_mobile,
    mask_personal,
)
from .scan import Scanner
from .script import Simplified, screen, simplify, tables, to_traditional
from .segment import ACROSS, ALIGNED, fit, new_tokenizer
from .wordlists import Entry, Wordlists, load_wordlists

if TYPE_CHECKING:
    import jieba

_HARD_BREAK = re.compile(r"[\n。！？；]")
# A wrong form stays wrong inside a longer word (省农业厅, 非盈利性); a sensitive or custom
# term inside a longer word is usually another word (性交 in 性交易).
_FLAG_INSIDE_WORDS = frozenset({TYPO, SERIOUS, OUTDATED})


# Personal data: (category, finder of (start, end, number), the masked form of the text).
FIELD_ATTACHMENT = "attachment"
_PERSONAL = (
    (ID_NUMBER, find_ids, lambda t: mask_id(t.upper())),
    (MOBILE, find_mobiles, mask_mobile),
    (BANK_CARD, find_cards, mask_card),
)


@dataclass(frozen=True)
class _Term:
    term: str
    entries: tuple[Entry, ...]  # empty for a whitelist-only phrase
    whitelist: bool


@dataclass(frozen=True)
class _Candidate:
    start: int  # normalised offsets
    end: int
    entries: tuple[Entry, ...]


class TextChecker:
    """Build once per wordlist set (automaton and tokenizer), then check many texts."""

    def __init__(self, wordlists: Wordlists | None = None, *, inferred: bool = True) -> None:
        """``inferred``: also look for what no list names (near-misses of fixed formulations,
        suspect typos; see inferred.py)."""
        self.wordlists = wordlists if wordlists is not None else load_wordlists()
        self._inferred = InferredChecks(self.wordlists) if inferred else None
        by_term: dict[str, list[Entry]] = {}
        for entry in self.wordlists.entries():
            by_term.setdefault(entry.term, []).append(entry)
        listed = {
            term: _Term(term, tuple(by_term.get(term, ())), term in self.wordlists.whitelist)
            for term in by_term.keys() | self.wordlists.whitelist
        }
        # The near-miss finder's variants are scanned for in the same pass (one scan, not two).
        near = self._inferred.nearmiss_variants() if self._inferred is not None else {}
        self._scanner: Scanner[tuple[_Term | None, tuple | None]] = Scanner(
            {t: (listed.get(t), near.get(t)) for t in listed.keys() | near.keys()}
        )
        # Sensitive terms are also searched in the text with separators removed (法 轮 功).
        spaced: dict[str, list[Entry]] = {}
        for term, entries in by_term.items():
            sensitive = tuple(e for e in entries if e.category == SENSITIVE)
            if sensitive and len(squeeze(term)) >= 2:
                spaced.setdefault(squeeze(term), []).extend(sensitive)
        self._spaced = Scanner({t: _Term(t, tuple(es), False) for t, es in spaced.items()})
        self._spaced_hint = _spaced_hint(spaced)
        self._spaced_pad = 4 * max(map(len, spaced), default=0)
        self._terms = list(by_term)
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        """Built on first use, so clean texts never load jieba."""
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = new_tokenizer(self._terms)
        return self._tokenizer

    def preload(self) -> None:
        """Load now what the first texts would load on the way: jieba's dictionary, the
        inferred checks' finders and tables, the script tables. Before a fork, so that the
        forked processes share them instead of each reading its own copy (see document.py)."""
        self.tokenizer  # noqa: B018
        if self._inferred is not None:
            self._inferred.preload()
        tables()
        self._scanner.preload()
        self._spaced.preload()

    def check_html(self, html: str, date: dt.date | None = None) -> list[Hit]:
        """Hits in the visible text of a page (see extract.read_page).

        ``date``: when the page was published; by default the date the page gives (its PubDate
        meta, else its 发布时间 line).
        """
        return self.check_pages([html], date)[0]

    def check_pages(self, pages: list[str], date: dt.date | None = None) -> list[list[Hit]]:
        """check_html of each page, the inferred checks run once for all of them: a batch of
        pages costs their fixed set-up once (about 0.2 ms a call)."""
        return [hits for _page, hits in self.read_pages(pages, date)]

    def read_pages(self, pages: list[str], date: dt.date | None = None) -> list[tuple[PageText, list[Hit]]]:
        """check_pages, with what was read of each page (its text, date and parsed tree)."""
        texts, read = [], []
        for html in pages:
            page = read_page(html)
            published = date or page.published
            texts.append([(text, field, published) for field, text in page.fields])
            read.append(page)
        found = self._check(texts)
        for page, hits in zip(read, found, strict=True):
            hits.extend(_list_hit(page, found_list) for found_list in page.lists)
        return list(zip(read, found, strict=True))

    def check_pieces(self, pieces: list[tuple[str, str]], tables: list[list[list[str]]] = (),
                     date: dt.date | None = None,
                     locate: Callable[[int, int], str] | None = None) -> list[Hit]:
        """Hits in the text of an attachment given as (where, text) pieces (第3页, 名单!第4行),
        field ``attachment``, each context led by where it is; ``tables``: its sheets' rows,
        for name lists. One inferred search for all the pieces.

        ``locate(i, offset)``: a finer place for a hit at ``offset`` of piece ``i`` (a
        spreadsheet's cell, 名单!C4) than the piece's own ``where``."""
        found = self._check([[(text, FIELD_ATTACHMENT, date)] for _where, text in pieces])
        hits = [replace(h, context=f"〔{locate(i, h.start) if locate else where}〕{h.context}")
                for i, ((where, _text), piece_hits) in enumerate(zip(pieces, found, strict=True))
                for h in piece_hits]
        for rows in tables:
            if (one := personal_list(rows)) is not None:
                hits.append(replace(_list_hit(PageText([], None), one), field=FIELD_ATTACHMENT))
        return hits

    def check_text(self, text: str, field: str = "body", date: dt.date | None = None) -> list[Hit]:
        """Hits in ``text``, offsets into ``text``, sorted by position.

        ``date``: when the text was published, if known: an outdated name that was still
        current then is history (see history.before_change).
        """
        return self._check([[(text, field, date)]])[0]

    def _check(self, docs: list[list[tuple[str, str, dt.date | None]]]) -> list[list[Hit]]:
        """The hits of each document's (text, field, date) parts, field by field, each
        sorted by position."""
        listed = [self._listed(text, field, date) for doc in docs for text, field, date in doc]
        found = [hits for hits, _part in listed]
        parts = [part for _hits, part in listed]
        if self._inferred is not None and parts:
            for hits, more in zip(found, self._inferred.hits(parts), strict=True):
                hits.extend(more)
        out: list[list[Hit]] = []
        at = 0
        for doc in docs:
            hits_of_doc: list[Hit] = []
            for hits in found[at : at + len(doc)]:
                hits_of_doc.extend(sorted(hits, key=lambda h: (h.start, h.end, h.rule)))
            out.append(hits_of_doc)
            at += len(doc)
        return out

    def _listed(self, text: str, field: str, date: dt.date | None) -> tuple[list[Hit], Part]:
        """The hits of listed terms and identity numbers in ``text``, and the text as the
        inferred checks search it."""
        if screen(text):
            twin = simplify(text)  # the text itself unless it has traditional characters
            norm = Normalized(twin.text)
        else:  # the common case: no traditional, no zero-width character (one search for both)
            twin = Simplified(text)
            norm = Normalized(text, zero_width=False)
        simple = twin.text
        searched = norm.text
        hits = [
            self._privacy_hit(text, simple, norm, s, e, category, number, masked(searched[s:e]), field)
            for category, find, masked in _PERSONAL
            for s, e, number in find(searched)
        ]
        near: list[tuple[int, int, tuple]] = []
        for cand in self._candidates(norm.text, date, near):
            start, end = norm.span_to_original(cand.start, cand.end)
            matched = text[start:end]
            context = context_of(text, start, end)
            # The key comes from the simplified twin (a 繁體 mirror of a page is the same
            # finding), with a narrower context than the one shown, so an edit a sentence away
            # does not turn a finding into a "rectified" one and a new one.
            key_text = simple[start:end]
            narrow = key_context(simple, start, end)
            traditional = simple is not text and twin.converted(start)
            for entry in cand.entries:
                rule = f"{entry.category}:{entry.term}"
                suggestion = entry.suggestion
                if suggestion and traditional:
                    suggestion = to_traditional(suggestion)  # in the page's own script
                hits.append(
                    Hit(
                        kind=WORDING,
                        category=entry.category,
                        rule=rule,
                        text=matched,
                        suggestion=suggestion,
                        context=context,
                        severity=severity_of(entry.category),
                        field=field,
                        start=start,
                        end=end,
                        key=make_key(rule, key_text, narrow),
                    )
                )

        def in_page_script(suggestion: str, at: int) -> str:
            return to_traditional(suggestion) if simple is not text and twin.converted(at) else suggestion

        taken = [(h.start, h.end) for h in hits]
        return hits, Part(text, simple, norm.text, norm.span_to_original, taken, field, in_page_script, near)

    def _privacy_hit(
        self, text: str, simple: str, norm: Normalized, s: int, e: int, category: str, number: str,
        masked: str, field: str,
    ) -> Hit:
        start, end = norm.span_to_original(s, e)
        context = context_of(text, start, end)
        return Hit(
            kind=PRIVACY,
            category=category,
            rule=category,
            text=masked,
            suggestion=None,
            context=context,
            severity=severity_of(category),
            field=field,
            start=start,
            end=end,
            # Keyed on a digest of the raw number: never stored, yet recheck can compare.
            key=make_key(category, id_digest(number), key_context(simple, start, end)),
        )

    def _candidates(
        self, text: str, date: dt.date | None, near: list[tuple[int, int, tuple]]
    ) -> list[_Candidate]:
        """Listed terms in ``text``; the near-miss variants found are added to ``near``."""
        found: list[_Candidate] = []
        white: list[tuple[int, int]] = []
        for start, end, (t, variants) in self._scanner.find(text):
            if variants is not None:
                near.append((start, end, variants))
            if t is None:
                continue
            if t.whitelist:
                white.append((start, end))
            if t.entries:
                found.append(_Candidate(start, end, t.entries))
        kept = []
        for c in found:
            if _covered(c, white):
                continue
            c = self._fitting(c, fit(self.tokenizer, text, c.start, c.end))
            if c is not None:
                kept.append(c)
        kept.extend(c for c in self._spaced_candidates(text) if not _covered(c, white))
        # History is judged after _outermost: 原中国银监会 is history, and so is the 银监会 in it.
        current = (self._current(text, c, date) for c in _outermost(kept))
        return [c for c in current if c is not None]

    def _spaced_candidates(self, text: str) -> list[_Candidate]:
        """Sensitive terms with separators put between their characters (真 人 荷 官).

        Only the surroundings of a hint (two characters of a term around a separator) are
        squeezed and searched: squeezing a whole page costs more than the scan itself.
        """
        if self._spaced_hint is None:
            return []
        out: dict[tuple[int, int, str], _Candidate] = {}
        for lo, hi in _regions(text, self._spaced_hint, self._spaced_pad):
            squeezed = squeeze(text[lo:hi])
            matches = self._spaced.find(squeezed)
            where = squeeze_map(text[lo:hi]) if matches else []
            for s, e, t in matches:
                start, end = lo + where[s], lo + where[e - 1] + 1
                if end - start == e - s or _HARD_BREAK.search(text, start, end):
                    continue  # a plain match (handled above), or words from different sentences
                how = fit(self.tokenizer, squeezed, s, e)
                c = self._fitting(_Candidate(start, end, t.entries), how)
                if c is not None:
                    out[start, end, t.term] = c
        return list(out.values())

    @staticmethod
    def _fitting(c: _Candidate, how: str) -> _Candidate | None:
        """The candidate with the entries its word fit allows, or None."""
        if how == ACROSS:
            return None
        if how == ALIGNED:
            return c
        entries = tuple(e for e in c.entries if e.category in _FLAG_INSIDE_WORDS)
        return _Candidate(c.start, c.end, entries) if entries else None

    def _current(self, text: str, c: _Candidate, date: dt.date | None) -> _Candidate | None:
        """The candidate without the entries that are history here, or None if none is left."""
        entries = tuple(e for e in c.entries if not before_change(e, date))
        if any(e.category == OUTDATED for e in entries) and (
            former_name(self.tokenizer, text, c.start) or states_change(text, c.start, c.end)
        ):
            entries = tuple(e for e in entries if e.category != OUTDATED)
        if len(entries) == len(c.entries):
            return c
        return _Candidate(c.start, c.end, entries) if entries else None


def _spaced_hint(terms: dict[str, list[Entry]]) -> re.Pattern[str] | None:
    """Matches a character of a term, separators, then a character that may follow it."""
    if not terms:
        return None
    before = "".join(sorted({t[i] for t in terms for i in range(len(t) - 1)}))
    after = "".join(sorted({t[i] for t in terms for i in range(1, len(t))}))
    return re.compile(f"[{re.escape(before)}][{SEPARATORS}]+[{re.escape(after)}]")


def _regions(text: str, hint: re.Pattern[str], pad: int) -> list[tuple[int, int]]:
    """Merged windows of ``pad`` characters around each hint match."""
    regions: list[tuple[int, int]] = []
    for m in hint.finditer(text):
        lo, hi = max(0, m.start() - pad), min(len(text), m.end() + pad)
        if regions and lo <= regions[-1][1]:
            regions[-1] = (regions[-1][0], hi)
        else:
            regions.append((lo, hi))
    return regions


def _covered(c: _Candidate, spans: list[tuple[int, int]]) -> bool:
    return any(s <= c.start and c.end <= e for s, e in spans)


def _outermost(cands: list[_Candidate]) -> list[_Candidate]:
    """Drop a match lying inside a longer one (保监会 in 银保监会); equal spans all stay."""
    kept: list[_Candidate] = []
    best = (-1, -1)
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        if c.end <= best[1] and (c.start, c.end) != best:
            continue
        kept.append(c)
        if c.end > best[1]:
            best = (c.start, c.end)
    return kept


def _list_hit(page: PageText, found: PersonalList) -> Hit:
    """One finding per leaking table, located at its first number in the page's body."""
    body = dict(page.fields).get(FIELD_BODY, "")
    at = body.find(found.first)
    start, end = (at, at + len(found.first)) if at >= 0 else (0, 0)
    columns = "、".join(found.columns)
    return Hit(
        kind=PRIVACY,
        category=PERSONAL_LIST,
        rule=PERSONAL_LIST,
        text=f"姓名与{columns}名单（{found.rows} 行）",
        suggestion=None,
        context=mask_personal(found.header),
        severity=severity_of(PERSONAL_LIST),
        field=FIELD_BODY,
        start=start,
        end=end,
        key=make_key(PERSONAL_LIST, found.header, str(found.columns)),
    )
