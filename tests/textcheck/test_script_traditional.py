"""Pages in 繁體: checked through a simplified twin, shown in the page's own characters."""

from __future__ import annotations

import opencc
import pytest

from crawler.textcheck import Hit, TextChecker
from crawler.textcheck.script import has_traditional, simplify, to_traditional

T2S = opencc.OpenCC("t2s").convert


@pytest.mark.parametrize(
    ("text", "traditional"),
    [
        ("國土資源局", True),
        ("再接再勵", True),
        ("頭髮", True),
        ("国土资源局", False),
        ("再接再厉", False),
        # characters simplified text uses too (GB 2312 has them): no conversion for these
        ("乾隆年间著名的瞭望塔", False),
        ("于是，於姓人家", False),
        ("Hello, ｗｏｒｌｄ 123", False),
        ("", False),
    ],
)
def test_traditional_characters_are_told(text: str, traditional: bool) -> None:
    assert has_traditional(text) is traditional


def test_simplified_text_is_left_as_it_is(seed_text: str) -> None:
    assert not has_traditional(seed_text)
    twin = simplify(seed_text)
    assert twin.text is seed_text and twin.spans == ()


def test_only_lines_with_traditional_characters_are_converted() -> None:
    text = "简体第一行乾隆\n繁體第二行：答覆與頭髮\n简体第三行"
    twin = simplify(text)
    assert twin.text == "简体第一行乾隆\n繁体第二行：答复与头发\n简体第三行"
    assert twin.spans == ((8, 19),)
    assert [twin.converted(i) for i in (0, 7, 8, 18, 19, 20)] == [False, False, True, True, False, False]


def test_a_converter_that_changes_length_falls_back_clause_by_clause_then_by_character() -> None:
    # A phrase conversion of another length (OpenCC could ship one): the clause holding it is
    # converted character by character, the other clauses still phrase by phrase (答覆 -> 答复,
    # which the character table alone leaves as 答覆).
    def longer(text: str) -> str:
        return T2S(text).replace("头发", "头部毛发")

    text = "答覆如下：頭髮理髮，再接再勵。"
    twin = simplify(text, t2s=longer)
    assert len(twin.text) == len(text)
    assert twin.text == "答复如下：头发理发，再接再励。"


def test_a_converter_that_shortens_a_whole_line_still_keeps_offsets() -> None:
    twin = simplify("國土資源局", t2s=lambda s: s[:-1])
    assert twin.text == "国土资源局"


@pytest.mark.parametrize(
    ("text", "rule", "matched", "suggestion"),
    [
        ("全體幹部要再接再勵，推動各項工作邁上新臺階。", "typo:再接再励", "再接再勵", "再接再厲"),
        ("市國土資源局發布通知。", "outdated:国土资源局", "國土資源局", "自然資源局"),
        ("慶祝中華人民共合國成立七十週年。", "serious:中华人民共合国", "中華人民共合國", "中華人民共和國"),
        ("農業部發布通知。", "outdated:农业部", "農業部", "農業農村部"),
        ("有關單位迫不急待地啟動了項目。", "typo:迫不急待", "迫不急待", "迫不及待"),
    ],
)
def test_traditional_text_is_checked_in_its_own_characters(
    checker: TextChecker, text: str, rule: str, matched: str, suggestion: str
) -> None:
    [hit] = checker.check_text(text)
    assert (hit.rule, hit.text, hit.suggestion) == (rule, matched, suggestion)
    assert text[hit.start : hit.end] == matched
    assert hit.context == text.rstrip()


@pytest.mark.parametrize(
    "text",
    [
        "美國農業部發布報告。",  # whitelist phrase, read in simplified
        "由原國土資源局負責。",  # the former name
        "加強個性交流，促進共同成長。",  # a cross-word match stays dropped
        "依託平臺獨立開展業務。",
    ],
)
def test_traditional_text_gets_the_same_exemptions(site_checker: TextChecker, text: str) -> None:
    assert site_checker.check_text(text) == []


def test_simplified_lines_of_a_mixed_text_keep_simplified_suggestions(checker: TextChecker) -> None:
    text = "引文：再接再勵。\n各部门要再接再励。"
    hits = checker.check_text(text)
    assert [(h.text, h.suggestion) for h in hits] == [("再接再勵", "再接再厲"), ("再接再励", "再接再厉")]


def test_offsets_survive_zero_width_and_full_width_characters(checker: TextChecker) -> None:
    text = "ＡＢ號：全體要再接\u200b再勵，身份證號360426199101010071。"
    hits = checker.check_text(text)
    assert [(h.category, text[h.start : h.end]) for h in hits] == [
        ("typo", "再接\u200b再勵"), ("id_number", "360426199101010071")]


def _one(hits: list[Hit]) -> Hit:
    [hit] = hits
    return hit


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [
        ("全体干部要再接再励，推动各项工作迈上新台阶。", "全體幹部要再接再勵，推動各項工作邁上新臺階。"),
        ("市国土资源局发布通知。", "市國土資源局發布通知。"),
        ("庆祝中华人民共合国成立七十周年。", "慶祝中華人民共合國成立七十週年。"),
    ],
)
def test_a_traditional_mirror_gives_the_same_finding_key(
    checker: TextChecker, simplified: str, traditional: str
) -> None:
    plain, mirror = _one(checker.check_text(simplified)), _one(checker.check_text(traditional))
    assert (mirror.rule, mirror.key) == (plain.rule, plain.key)
    assert mirror.text != plain.text and mirror.context != plain.context


def test_a_traditional_mirror_page_gives_the_same_keys(checker: TextChecker) -> None:
    def page(title: str, body: str) -> str:
        return f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>"

    plain = checker.check_html(page("区政府通知", "各部门要再接再励，国土资源局负责。"))
    mirror = checker.check_html(page("區政府通知", "各部門要再接再勵，國土資源局負責。"))
    assert [h.key for h in mirror] == [h.key for h in plain] and len(plain) == 2
    assert [h.text for h in mirror] == ["再接再勵", "國土資源局"]


def test_suggestions_convert_to_traditional() -> None:
    assert to_traditional("自然资源局") == "自然資源局"


def test_an_id_number_on_a_mirror_is_the_same_finding(checker: TextChecker) -> None:
    plain = checker.check_text("经办人身份证号360426199101010071已公开。")
    mirror = checker.check_text("經辦人身份證號360426199101010071已公開。")
    assert [h.key for h in mirror] == [h.key for h in plain] and len(plain) == 1
    assert mirror[0].context == "經辦人身份證號360426********0071已公開。"
