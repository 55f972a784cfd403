"""Scanner: the prefix table (long texts) and Aho-Corasick (short ones) find the same
matches as a plain search, in the same order (by end, the longer first)."""

from __future__ import annotations

import random

import pytest

from crawler.textcheck import TextChecker
from crawler.textcheck.scan import LONG, Scanner


def plain_search(terms: dict[str, object], text: str) -> list[tuple[int, int, object]]:
    found = []
    for term, value in terms.items():
        at = text.find(term)
        while at >= 0:
            found.append((at, at + len(term), value))
            at = text.find(term, at + 1)
    return sorted(found, key=lambda m: (m[1], m[0]))


def planted(terms: list[str], filler: str, count: int, seed: int) -> str:
    rng = random.Random(seed)
    parts = []
    for _ in range(count):
        at = rng.randrange(len(filler) - 40)
        parts.append(filler[at : at + rng.randrange(1, 40)])
        parts.append(rng.choice(terms))
    return "".join(parts)


@pytest.fixture(scope="module")
def lexicon(checker: TextChecker) -> dict[str, object]:
    """What the checker scans for: every listed term and near-miss variant (6,000 terms)."""
    terms = {term: i for i, term in enumerate(sorted(checker.wordlists.whitelist))}
    terms.update((e.term, e.category) for e in checker.wordlists.entries())
    terms.update((v, "near") for v in checker._inferred.nearmiss_variants())
    return terms


def test_long_and_short_texts_match_a_plain_search(lexicon: dict[str, object], seed_text: str) -> None:
    text = planted(list(lexicon), seed_text, 3000, seed=1)
    scanner = Scanner(lexicon)
    expected = plain_search(lexicon, text)
    assert len(expected) > 3000
    assert scanner.find(text) == expected
    # The same text in short pieces goes through Aho-Corasick.
    for lo in range(0, len(text), LONG - 1):
        piece = text[lo : lo + LONG - 1]
        assert scanner.find(piece) == plain_search(lexicon, piece)


@pytest.mark.parametrize("short", [False, True])
def test_edges_overlaps_and_unusual_terms(short: bool) -> None:
    terms = {"人民": 1, "人民政府": 2, "民政": 3, "政府": 4, "府": 5, "pk10": 6, "𠀀字": 7, "国": 8,
             "中华人民共和国": 9, "华人": 10}
    body = "人民政府府pk100中华人民共和国𠀀字国"
    text = body if short else body + "。" * LONG + body
    assert (len(text) < LONG) is short
    found = Scanner(terms).find(text)
    assert found == plain_search(terms, text)
    assert (0, 2, 1) in found and (0, 4, 2) in found and (1, 3, 3) in found


def test_nothing_to_find() -> None:
    assert Scanner({}).find("人民政府" * LONG) == []
    assert Scanner({"再接再励": 1}).find("人民政府" * LONG) == []
