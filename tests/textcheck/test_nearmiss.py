"""Near-misses of fixed formulations (nearmiss.py): found with the right form, and nothing on
correct text, on ordinary words that come close by chance, or across word boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.textcheck import load_wordlists
from crawler.textcheck.nearmiss import (
    CANONICAL_NAMES,
    DROPPED,
    INSERTED,
    SUBSTITUTED,
    SWAPPED,
    NearMissFinder,
    formulations_of,
)
from crawler.textcheck.readings import LOOK_ALIKE, SAME_READING

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


@pytest.fixture(scope="module")
def finder() -> NearMissFinder:
    return NearMissFinder.from_wordlists(load_wordlists())


def found(finder: NearMissFinder, text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.suggestion, m.reason) for m in finder.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们热爱伟大的中华人民大和国。", ("中华人民大和国", "中华人民共和国", SUBSTITUTED)),
        ("中共人民共和国成立以来", ("中共人民共和国", "中华人民共和国", SUBSTITUTED)),
        ("依据中国人民共和国宪法", ("中国人民共和国", "中华人民共和国", SUBSTITUTED)),
        ("中华人民共和和国国务院", ("中华人民共和和国", "中华人民共和国", INSERTED)),
        ("中华人民共国国务院令", ("中华人民共国", "中华人民共和国", DROPPED)),
        ("中华人民和共国国旗", ("中华人民和共国", "中华人民共和国", SWAPPED)),
        ("市检查院召开党组会议", ("检查院", "检察院", SAME_READING)),
        ("区人民检祭院公告", ("人民检祭院", "人民检察院", LOOK_ALIKE)),
        ("本周全体党员学习习进平同志的讲话", ("习进平", "习近平", SAME_READING)),
        (
            "深入学习习近平新时代中国特色社会注意思想",
            ("习近平新时代中国特色社会注意思想", "习近平新时代中国特色社会主义思想", SAME_READING),
        ),
        ("坚持中国特设社会主义道路", ("中国特设社会主义", "中国特色社会主义", SUBSTITUTED)),  # she/se
        ("马克斯主义基本原理课程", ("马克斯主义", "马克思主义", SAME_READING)),  # listed: 马克斯 is a name
    ],
)
def test_near_misses_are_found_with_the_right_form(
    finder: NearMissFinder, text: str, expected: tuple[str, str, str]
) -> None:
    assert found(finder, text) == [expected]
    (miss,) = finder.find(text)
    start = text.index(expected[0])
    assert (miss.start, miss.end, miss.category) == (start, start + len(expected[0]), "serious")


@pytest.mark.parametrize(
    "text",
    [
        "中华人民共和国成立七十五周年",
        "坚持和发展中国特色社会主义",
        "市人民检察院依法提起公诉",
        "二十届三中全会精神宣讲",
        "二十届五中全会和十九届一中全会",  # another session, not a misspelt one
        "建设有中国特色的社会主义",  # the older wording, correct
        "坚持马克思主义的立场",
        "在学习进平台上线之前",  # 学习/进/平台, not 习近平 misspelt
        "开展卫生检查院内环境",  # 检查/院内
        "认真听取群众的政治意见",  # 政治/意见, not 政治意识
        "不忘初衷，方得始终",  # a phrase of its own
        "以科学发展的眼光看待问题",  # 科学发展 and 的, not 科学发展观
        "实现人民解放和国家富强",
        "省委副书记出席会议",
        "中国共产党人的初心使命",
    ],
)
def test_correct_text_and_chance_resemblances_are_not_flagged(finder: NearMissFinder, text: str) -> None:
    assert found(finder, text) == []


def test_short_terms_only_as_whole_words() -> None:
    """检查院 is a near-miss of 检察院 as a word of its own, not where 检查 is a verb."""
    finder = NearMissFinder([("检察院", "serious")])
    assert found(finder, "县检查院党组") == [("检查院", "检察院", SAME_READING)]
    assert found(finder, "检查院内卫生") == []
    assert found(finder, "检察院") == []


def test_listed_wrong_forms_pass_the_dictionary_check() -> None:
    finder = NearMissFinder([("中华人民共和国", "serious")], listed=["中华人民共合国"])
    assert found(finder, "中华人民共合国") == [("中华人民共合国", "中华人民共和国", SAME_READING)]


def test_formulations_come_from_the_wordlists() -> None:
    formulations = dict(formulations_of(load_wordlists()))
    assert formulations["中华人民共和国"] == "serious"
    assert "习近平" in formulations and "马克思主义" in formulations
    assert set(CANONICAL_NAMES) <= set(formulations)
    # Corrections that are not misspellings of their wrong form are no fixed formulation.
    assert "台湾地区领导人" not in formulations
    assert "省委书记" not in formulations


def test_a_word_of_its_own_in_a_short_formulation_needs_listing() -> None:
    """马克斯 is a name in jieba's dictionary: 马克斯主义 counts only when a wordlist lists it."""
    finder = NearMissFinder([("马克思主义", "serious")])
    assert found(finder, "马克斯主义") == []


def test_a_formulation_shorter_than_three_is_ignored() -> None:
    finder = NearMissFinder([("中国", "serious")])
    assert finder.find("中囯人") == []


def test_government_reports_have_no_near_miss(finder: NearMissFinder) -> None:
    reports = sorted((CORPUS / "gov-reports").glob("*.txt"))
    if not reports:
        pytest.skip(f"corpus not found at {CORPUS}")
    flagged = [(p.name, m.text) for p in reports for m in finder.find(p.read_text(encoding="utf-8"))]
    assert flagged == []
