"""Matching rules: word boundaries, former names, whitelist, normalisation, overlaps, keys."""

from __future__ import annotations

import pytest

from crawler.textcheck import (
    CATEGORY_LABELS,
    SEVERITY_LABELS,
    Hit,
    TextChecker,
    line_col,
)


def rules(hits: list[Hit]) -> list[str]:
    return [h.rule for h in hits]


@pytest.mark.parametrize(
    "text",
    [
        "加强个性交流，促进共同成长。",  # 性交
        "依托平台独立开展业务。",  # 台独
        "十字路口交通秩序良好。",  # 口交
        "警惕性交织在一起。",  # no: 警惕性/交织
        "第一夜，情况好转。",  # 一夜情 across a comma
    ],
)
def test_cross_word_matches_are_dropped(site_checker: TextChecker, text: str) -> None:
    assert site_checker.check_text(text) == []


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("坚决反对台独。", "sensitive:台独"),
        ("散布法轮功邪教言论。", "sensitive:法轮功"),
        ("传播一夜情广告。", "sensitive:一夜情"),
    ],
)
def test_whole_words_are_found(site_checker: TextChecker, text: str, rule: str) -> None:
    assert rules(site_checker.check_text(text)) == [rule]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # typos that are no dictionary word still match (added to the tokenizer)
        ("全体干部要再接再励。", ["typo:再接再励"]),
        ("请按装修标准施工，按装置类型分类。", []),
        ("请尽快按装空调。", ["typo:按装"]),
        ("教育部暑期工作安排。", []),
        ("做好部暑工作。", ["typo:部暑"]),
        # a wrong form inside a longer word is still wrong
        ("非盈利性组织", ["typo:非盈利"]),
        ("省农业厅发布通知。", ["outdated:农业厅"]),
        ("农业部长出席会议。", ["outdated:农业部"]),
        ("环保局长出席会议。", ["outdated:环保局"]),
        # a sensitive term inside a longer word is another word
        ("依法打击性交易违法犯罪。", []),
        # ASCII terms need ASCII word edges
        ("北京赛车pk10开奖", ["sensitive:pk10"]),
        ("型号pk100。", []),
    ],
)
def test_word_fit(site_checker: TextChecker, text: str, expected: list[str]) -> None:
    assert rules(site_checker.check_text(text)) == expected


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("原国土资源局", False),
        ("前国土资源局局长", False),
        ("由原文登区环境保护局负责。", False),
        ("原威海市国土资源局", False),
        ("原区国土资源局", False),
        ("原县农业局", False),
        ("国土资源局", True),
        ("区国土资源局", True),
        ("太原国土资源局", True),  # the 原 of 太原 marks nothing
        ("中原区国土资源局", True),
        ("目前国土资源局", True),
        ("原来的国土资源局", True),
    ],
)
def test_former_names(checker: TextChecker, text: str, flagged: bool) -> None:
    assert rules(checker.check_text(text)) == (["outdated:国土资源局"] if flagged else [])


def test_historical_marker_only_excuses_outdated_names(checker: TextChecker) -> None:
    assert rules(checker.check_text("原再接再励")) == ["typo:再接再励"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("农业部门要抓好落实。", []),
        ("美国农业部发布报告。", []),
        ("农业部发布通知。", ["outdated:农业部"]),
        ("依法惩处非法出售发票犯罪。", []),
        ("出售发票，联系电话。", ["sensitive:出售发票"]),
    ],
)
def test_whitelist(checker: TextChecker, text: str, expected: list[str]) -> None:
    assert rules(checker.check_text(text)) == expected


def test_user_whitelist(site_checker: TextChecker) -> None:
    assert site_checker.check_text("严厉打击台独分子。") == []


@pytest.mark.parametrize(
    ("text", "matched", "rule"),
    [
        ("北京赛车ＰＫ１０开奖", "ＰＫ１０", "sensitive:pk10"),
        ("北京赛车PK10开奖", "PK10", "sensitive:pk10"),
        ("全体干部要再接\u200b再励。", "再接\u200b再励", "typo:再接再励"),
        ("\u200b\u200b迫不\ufeff急待", "迫不\ufeff急待", "typo:迫不急待"),
        ("欢迎体验真 人 荷 官。", "真 人 荷 官", "sensitive:真人荷官"),
        ("欢迎体验真.人.荷.官", "真.人.荷.官", "sensitive:真人荷官"),
        ("欢迎体验真*人＊荷　官", "真*人＊荷　官", "sensitive:真人荷官"),
        ("代开 各类 发票", "代开 各类 发票", "sensitive:代开各类发票"),
    ],
)
def test_normalisation_keeps_original_offsets(
    checker: TextChecker, text: str, matched: str, rule: str
) -> None:
    [hit] = checker.check_text(text)
    assert (hit.rule, hit.text) == (rule, matched)
    assert text[hit.start : hit.end] == matched


@pytest.mark.parametrize(
    "text",
    [
        "法 轮 功",
        "法-轮-功",
        "法，轮，功",
    ],
)
def test_spaced_out_custom_sensitive_terms(site_checker: TextChecker, text: str) -> None:
    assert rules(site_checker.check_text(text)) == ["sensitive:法轮功"]


@pytest.mark.parametrize(
    "text",
    [
        "性。交流",  # separators don't excuse the word check: 交流 is a word
        "百家\n乐",  # nor join lines
        "再 接 再 励",  # only sensitive terms are matched spaced out
    ],
)
def test_spaced_out_limits(site_checker: TextChecker, text: str) -> None:
    assert site_checker.check_text(text) == []


def test_inner_match_gives_way_to_the_longer_one(checker: TextChecker) -> None:
    hits = checker.check_text("中国银保监会和保监会")
    assert [(h.rule, h.start) for h in hits] == [
        ("outdated:中国银保监会", 0),
        ("outdated:保监会", 7),
    ]


def test_hit_fields(checker: TextChecker) -> None:
    text = "各单位\n  要\t再接再励，  全力推进" + "项目建设" * 10
    [hit] = checker.check_text(text, field="title")
    assert hit.kind == "wording"
    assert hit.category == "typo"
    assert hit.severity == "general"
    assert hit.field == "title"
    assert hit.suggestion == "再接再厉"
    assert hit.context.startswith("要 再接再励， 全力推进项目建设")  # within its line
    assert len(hit.context) <= 4 + 2 * 20
    assert line_col(text, hit.start) == (2, 5)


def test_severity_and_labels(site_checker: TextChecker) -> None:
    text = "中华人民共合国。台独。国土资源局。再接再励。"
    got = {h.category: h.severity for h in site_checker.check_text(text)}
    assert got == {"serious": "serious", "sensitive": "serious", "outdated": "general", "typo": "general"}
    assert CATEGORY_LABELS == {
        "sensitive": "敏感词",
        "serious": "严重表述错误",
        "outdated": "过时表述",
        "typo": "错别字",
        "id_number": "身份证号",
        "mobile": "手机号码",
        "bank_card": "银行卡号",
        "personal_list": "个人信息名单",
    }
    assert SEVERITY_LABELS["serious"] == "严重错误"


def test_keys_dedupe_the_same_finding(checker: TextChecker) -> None:
    footer = "版权所有：某某区人民政府办公室 再接再励 网站标识码1234"
    first = checker.check_text("第一篇文章。\n" + footer)
    again = checker.check_text("完全不同的第二篇文章内容。\n" + footer)
    elsewhere = checker.check_text("另一处：全体干部要再接再励。")
    assert first[0].key == again[0].key
    assert first[0].key != elsewhere[0].key
    assert first[0].start != again[0].start


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, (1, 1)), (2, (1, 3)), (3, (1, 4)), (4, (2, 1)), (6, (3, 1))],
)
def test_line_col(offset: int, expected: tuple[int, int]) -> None:
    assert line_col("abc\nd\nef", offset) == expected


def test_clean_text_and_empty_text(checker: TextChecker) -> None:
    assert checker.check_text("") == []
    assert checker.check_text("政务公开工作进一步提质增效。") == []
