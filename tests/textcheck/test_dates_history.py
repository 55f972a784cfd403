"""Sentences that state a change: the outdated names in them are history, whatever the date."""

from __future__ import annotations

import pytest

from crawler.textcheck import TextChecker


def flagged(checker: TextChecker, text: str) -> list[str]:
    return [h.text for h in checker.check_text(text) if h.category == "outdated"]


@pytest.mark.parametrize(
    "text",
    [
        # abolish: every name listed after the trigger
        "不再保留文化部、国家旅游局。",
        "不再保留文化部、国家旅游局和国家卫生计生委。",
        "不再保留国家旅游局的牌子。",
        "不再设立国务院法制办公室",
        "撤销区国土资源局、区规划局，组建区自然资源和规划局。",
        "撤销威海市国土资源局。",
        # rename
        "国家旅游局更名为文化和旅游部。",
        "国家旅游局于2018年3月更名为文化和旅游部。",
        "区环境保护局正式更名为区生态环境局。",
        "国土资源局、规划局分别更名为自然资源局。",
        "国家旅游局改名为文化和旅游部",
        # merge
        "将国家旅游局的职责划入文化和旅游部。",
        "将文化部、国家旅游局的职责整合，组建文化和旅游部。",
        "国家测绘地理信息局职责并入自然资源部。",
        "中国银监会2018年并入新组建的机构。",
        "将国土资源部的职责全部划入自然资源部",
        # reform: listed after 整合, with 组建 later in the sentence
        "整合国土资源局、规划局，组建自然资源和规划局。",
        "整合国土资源部、国家海洋局和国家测绘地理信息局的职责，组建自然资源部。",
        # the former name (原/前), as before
        "由原国土资源局负责。",
        # a history mention covers the shorter names inside it
        "原中国银监会和原中国保监会的职责整合。",
        "不再保留中国银监会。",
    ],
)
def test_sentences_that_state_the_change_are_history(checker: TextChecker, text: str) -> None:
    assert flagged(checker, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # the old name used as current, in the same paragraph after the history sentence
        ("不再保留国家旅游局。国家旅游局发布通知。", ["国家旅游局"]),
        ("国家旅游局更名为文化和旅游部；国家旅游局官网同步更新。", ["国家旅游局"]),
        ("将国家旅游局的职责划入文化和旅游部。请联系国家旅游局办公室。", ["国家旅游局"]),
        # the trigger in another clause
        ("撤销违规审批事项，国土资源局负责督办。", ["国土资源局"]),
        ("不再保留审批环节，由环境保护局统一办理。", ["环境保护局"]),
        # the name acts, nothing is said about it
        ("国土资源局撤销了对企业的处罚。", ["国土资源局"]),
        ("撤销对张三的处分决定并由国土资源局负责。", ["国土资源局"]),
        ("撤销不合格企业资质后由区国土资源局备案。", ["国土资源局"]),
        ("国土资源局整合资源推进工作。", ["国土资源局"]),
        ("区国土资源局组建工作专班。", ["国土资源局"]),  # 组建 without 整合 says nothing
        ("区国土资源局按照职责分工开展工作。", ["国土资源局"]),
        # the name after 组建 is the new body, never excused
        ("整合有关职责，组建国家旅游局。", ["国家旅游局"]),
        # a rename of something else
        ("国土资源局召开会议。活动更名为读书月。", ["国土资源局"]),
    ],
)
def test_the_old_name_used_as_current_is_still_flagged(
    checker: TextChecker, text: str, names: list[str]
) -> None:
    assert flagged(checker, text) == names


def test_history_rules_read_traditional_text(checker: TextChecker) -> None:
    assert flagged(checker, "不再保留文化部、國家旅遊局。") == []
    assert flagged(checker, "不再保留國家旅遊局。國家旅遊局發布通知。") == ["國家旅遊局"]
