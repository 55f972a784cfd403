"""The default lexicon on real, carefully edited government text: it must flag nothing wrong.

The corpus (../shared/corpus, see its README) holds the 国务院政府工作报告 1978-2025, the
reports to the 12th-20th party congresses, and the corrected side of the ECSpell 公文 set.
An outdated name is allowed only in a report from a year before the entry's ``since`` year
(国家计委 in 1982, 南朝鲜 in 1984); every other finding is a false positive of the lexicon.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.textcheck import TextChecker
from crawler.textcheck.codes import OUTDATED

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
REPORTS = sorted((CORPUS / "gov-reports").glob("*.txt")) if (CORPUS / "gov-reports").is_dir() else []
# The year each party congress met (the file names carry the congress's number, not a year).
CONGRESS_YEARS = {12: 1982, 13: 1987, 14: 1992, 15: 1997, 16: 2002, 17: 2007, 18: 2012, 19: 2017, 20: 2022}


def report_year(path: Path) -> int:
    m = re.fullmatch(r"gwr_(\d{4})", path.stem)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"cpc_congress_(\d+)", path.stem)
    assert m, f"unexpected report name {path.name}"
    return CONGRESS_YEARS[int(m.group(1))]


def test_corpus_is_there_or_skipped() -> None:
    if not REPORTS:
        pytest.skip(f"corpus not found at {CORPUS}")
    assert len(REPORTS) > 50
    assert {report_year(p) for p in REPORTS} >= {1978, 2018, 2025}


@pytest.fixture(scope="module")
def checker() -> TextChecker:
    """The lexicon alone: near-misses and suspects on these reports are tested in
    test_nearmiss.py and test_suspect.py."""
    return TextChecker(inferred=False)


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_reports_flag_nothing_but_names_outdated_later(checker: TextChecker, path: Path) -> None:
    year = report_year(path)
    wrong = []
    for hit in checker.check_text(path.read_text(encoding="utf-8")):
        entry = checker.wordlists.categories[hit.category][hit.rule.split(":", 1)[1]]
        if entry.since is not None and year < entry.since.year:
            continue  # correct when the report was written
        wrong.append(f"{hit.rule} since={entry.since} in {hit.context!r}")
    assert wrong == []


def test_old_reports_do_name_outdated_agencies(checker: TextChecker) -> None:
    """The since logic above is exercised: older reports really name abolished bodies."""
    path = CORPUS / "gov-reports" / "gwr_1982.txt"
    if not path.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    rules = {h.rule for h in checker.check_text(path.read_text(encoding="utf-8"))}
    assert {"outdated:国家计委", "outdated:国家经委"} <= rules


def test_ecspell_corrected_sentences_flag_nothing(checker: TextChecker) -> None:
    """The corrected side of ECSpell is clean text. Its documents date from before the 2018
    reform and name the bodies of their time (质检总局, 银监会), so outdated names are not
    counted; every other finding is a false positive."""
    path = CORPUS / "ecspell-odw-train.tsv"
    if not path.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    corrected = [line.split("\t")[2] for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(corrected) > 1000
    wrong = [
        f"{h.rule} in {h.context!r}"
        for sentence in corrected
        for h in checker.check_text(sentence)
        if h.category != OUTDATED
    ]
    assert wrong == []
