"""Suspect typos (suspect.py): a span that is no word, one similar character from a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.textcheck.readings import LOOK_ALIKE, SAME_READING
from crawler.textcheck.segment import new_tokenizer
from crawler.textcheck.suspect import SEVERITY_SUSPECT, THOROUGH_MARGIN, SuspectFinder

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


@pytest.fixture(scope="module")
def tokenizer():  # noqa: ANN201  (a jieba.Tokenizer)
    return new_tokenizer(())


@pytest.fixture(scope="module")
def finder(tokenizer) -> SuspectFinder:  # noqa: ANN001
    return SuspectFinder(tokenizer)


@pytest.fixture(scope="module")
def thorough(tokenizer) -> SuspectFinder:  # noqa: ANN001
    return SuspectFinder(tokenizer, margin=THOROUGH_MARGIN)


def found(finder: SuspectFinder, text: str) -> list[tuple[str, str, str]]:
    return [(s.text, s.suggestion, s.reason) for s in finder.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("节假日游客络绎不决地前来参观。", ("络绎不决", "络绎不绝", SAME_READING)),
        ("这支突击队锐不可挡。", ("锐不可挡", "锐不可当", SAME_READING)),
        ("领导同志高瞻远嘱地作出部署。", ("高瞻远嘱", "高瞻远瞩", SAME_READING)),
        ("这种草管人命的做法必须追究。", ("草管人命", "草菅人命", LOOK_ALIKE)),
        ("不能让滥芋充数的人混进队伍。", ("滥芋充数", "滥竽充数", SAME_READING)),
        ("这篇评论针贬时弊，发人深省。", ("针贬时弊", "针砭时弊", SAME_READING)),
        ("他给老师寄出一张名信片。", ("名信片", "明信片", SAME_READING)),
    ],
)
def test_suspects_are_found_with_the_word(
    finder: SuspectFinder, text: str, expected: tuple[str, str, str]
) -> None:
    assert found(finder, text) == [expected]
    (suspect,) = finder.find(text)
    start = text.index(expected[0])
    assert (suspect.start, suspect.end) == (start, start + len(expected[0]))
    assert (suspect.category, suspect.severity) == ("typo", SEVERITY_SUSPECT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("影片里战争中的杀戳令人痛心。", ("杀戳", "杀戮", LOOK_ALIKE)),
        ("县里组织编篡地方志。", ("编篡", "编纂", LOOK_ALIKE)),
        ("这本画册装祯精美。", ("装祯", "装帧", SAME_READING)),
        ("请随手关好水笼头。", ("水笼头", "水龙头", SAME_READING)),
    ],
)
def test_short_words_standing_alone_need_the_thorough_margins(
    finder: SuspectFinder, thorough: SuspectFinder, text: str, expected: tuple[str, str, str]
) -> None:
    """Two- and three-character words carry little evidence alone: the default margins leave
    them (new coinages like 抗疫 look the same), the thorough ones find them."""
    assert found(thorough, text) == [expected]
    assert found(finder, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "节假日游客络绎不绝地前来参观。",
        "这支突击队锐不可当。",
        "领导同志高瞻远瞩地作出部署。",
        "这种草菅人命的做法必须追究。",
        "不能让滥竽充数的人混进队伍。",
        "这篇评论针砭时弊，发人深省。",
        "影片里战争中的杀戮令人痛心。",
        "县里组织编纂地方志。",
        "这本画册装帧精美。",
        "请随手关好水龙头。",
        "他给老师寄出一张明信片。",
        "要在进一步深化改革上下功夫。",  # 在 and 进一步 are words of their own
        "学习进平台的课程",  # 学习/进/平台
        "让人无所适从。",
        "不知是从哪里来的消息。",
        "直接了当地说明情况。",  # a variant in the dictionary, not a slip
        "全体中华儿女勠力同心。",  # 勠 is rarer than 戮: no input method slip
    ],
)
def test_correct_text_is_not_suspect(finder: SuspectFinder, thorough: SuspectFinder, text: str) -> None:
    assert found(finder, text) == []
    assert found(thorough, text) == []


def test_known_spans_are_never_suspects(tokenizer) -> None:  # noqa: ANN001
    finder = SuspectFinder(tokenizer, known=["络绎不决"])
    assert finder.find("游客络绎不决。") == []


def test_a_span_written_twice_is_meant(finder: SuspectFinder) -> None:
    """The same 'slip' twice in one text is a term the dictionary lacks."""
    once = "这支突击队锐不可挡。"
    assert len(finder.find(once)) == 1
    assert finder.find(once + once) == []


def test_empty_and_non_chinese_text(finder: SuspectFinder) -> None:
    assert finder.find("") == []
    assert finder.find("x") == []
    assert finder.find("Hello, world 2024! 😀 ok") == []


def test_offsets_survive_characters_beyond_the_basic_plane(finder: SuspectFinder) -> None:
    text = "😀𠀀游客络绎不决。"
    (suspect,) = finder.find(text)
    assert text[suspect.start : suspect.end] == "络绎不决"


# Slips of the source, checked by hand: 有价证券, 超级大国, 白日做梦 and 股份制 (股分制 is the
# older spelling), 奢靡 are the standard forms.
REAL_SLIPS = {"有价证卷", "超极大国", "白日作梦", "股分制", "奢糜"}


@pytest.mark.parametrize("page_chars", [0, 2700], ids=["whole reports", "8 KB pages"])
def test_government_reports_stay_under_two_suspects_per_mb(finder: SuspectFinder, page_chars: int) -> None:
    reports = sorted((CORPUS / "gov-reports").glob("*.txt"))
    if not reports:
        pytest.skip(f"corpus not found at {CORPUS}")
    size = 0
    flagged = []
    for path in reports:
        whole = path.read_text(encoding="utf-8")
        size += len(whole.encode("utf-8"))
        step = page_chars or len(whole)
        for text in (whole[i : i + step] for i in range(0, len(whole), step)):
            flagged += [(path.name, s.text, s.suggestion) for s in finder.find(text)]
    assert len(flagged) / (size / 1e6) <= 2.0, flagged
    assert {text for _name, text, _suggestion in flagged} <= REAL_SLIPS, flagged
