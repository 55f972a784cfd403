"""The shipped wordlists: they parse, hold no duplicates, and flag nothing in real text."""

from __future__ import annotations

import re

import pytest

from crawler.textcheck import TextChecker, load_wordlists
from crawler.textcheck.wordlists import FILE_CATEGORIES, default_dir, parse_wordlist

FILES = ["sensitive.txt", "serious.txt", "outdated.txt", "typos.txt", "whitelist.txt"]
MINIMUM = {"outdated": 400, "typo": 2000, "serious": 80, "sensitive": 10}


def _entries(name: str):
    path = default_dir() / name
    return parse_wordlist(path.read_text(encoding="utf-8"), name, FILE_CATEGORIES[name[:-4]])


@pytest.mark.parametrize("name", FILES)
def test_file_parses(name: str) -> None:
    assert _entries(name)


@pytest.mark.parametrize(("category", "minimum"), MINIMUM.items())
def test_enough_entries(category: str, minimum: int) -> None:
    assert len(load_wordlists().categories[category]) >= minimum


def test_no_duplicate_terms_across_files() -> None:
    seen: dict[str, str] = {}
    for name in FILES:
        for e in _entries(name):
            assert e.term not in seen, f"{e.source}: {e.term} also in {seen[e.term]}"
            seen[e.term] = e.source


@pytest.mark.parametrize("name", ["serious.txt", "outdated.txt", "typos.txt", "sensitive.txt"])
def test_every_entry_has_a_suggestion_unlike_itself(name: str) -> None:
    for e in _entries(name):
        assert e.suggestion, e.source
        assert e.suggestion != e.term, e.source


def test_every_whitelist_phrase_covers_a_listed_term() -> None:
    terms = [e.term for e in load_wordlists().entries()]
    for phrase in load_wordlists().whitelist:
        assert any(t in phrase for t in terms), phrase


def test_every_entry_flags_itself(checker: TextChecker) -> None:
    for e in load_wordlists().entries():
        for text in (e.term, f"。{e.term}。"):
            rules = {h.rule for h in checker.check_text(text)}
            assert f"{e.category}:{e.term}" in rules, text


def test_no_entry_flags_the_seed_report(checker: TextChecker, seed_text: str) -> None:
    sentences = [s for s in re.split(r"(?<=[。！？\n])", seed_text) if s.strip()]
    assert len(sentences) > 50
    flagged = {s: checker.check_text(s) for s in sentences}
    assert {s: hits for s, hits in flagged.items() if hits} == {}


def test_no_term_occurs_in_the_seed_report_at_all(seed_text: str) -> None:
    # Stricter than the checker: not even a match that jieba's boundaries would drop.
    assert [e.term for e in load_wordlists().entries() if e.term in seed_text] == []
