"""Mobile numbers, bank card numbers and name lists (隐私信息), with their decoys."""

from __future__ import annotations

import pytest

from crawler.textcheck import TextChecker
from crawler.textcheck import privacy as privacy_module
from crawler.textcheck.privacy import (
    find_cards,
    find_ids,
    find_mobiles,
    luhn_ok,
    mask_card,
    mask_mobile,
    mask_personal,
)

CARD = "6222021234567894"  # Luhn-valid
ID = "360426199101010071"


def privacy(checker: TextChecker, text: str) -> list[tuple[str, str]]:
    return [(h.category, h.text) for h in checker.check_text(text) if h.kind == "privacy"]


@pytest.mark.parametrize(
    "text, found",
    [
        ("申请人手机13812345678，请核实。", ["13812345678"]),
        ("本人手机：+8613912345678", ["13912345678"]),
        ("订单号113812345678900", []),  # inside a longer number
        ("已遮盖的号码138****1234", []),
        ("服务热线12345，办公电话0791-88888888", []),
        ("联系电话：13900001111", []),  # published to be called
        ("咨询电话 13900001111（工作日）", []),
        ("联系人：王科长 13900001111", []),
    ],
)
def test_mobile_numbers(text, found):
    assert [n for _s, _e, n in find_mobiles(text)] == found


@pytest.mark.parametrize(
    "text, found",
    [
        (f"退款银行卡号：{CARD}", [CARD]),
        ("请填写卡号 6222 0212 3456 7894 以便退款", [CARD]),
        (f"账号{CARD}", [CARD]),
        (f"收款单位账号：{CARD}", []),  # an institution's account is published on purpose
        (f"编号{CARD}", []),  # no card word
        ("银行卡号：6222021234567895", []),  # fails Luhn
        (f"银行卡号：{ID}", []),  # an identity number, found as such
    ],
)
def test_bank_card_numbers(text, found):
    assert [n for _s, _e, n in find_cards(text)] == found


def test_luhn_and_masks():
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_card("6222 0212 3456 7894") == "6222 02** **** 7894"
    masked = mask_personal(f"身份证{ID}，手机13812345678，卡号{CARD}")
    assert ID not in masked and "13812345678" not in masked and CARD not in masked
    assert len(masked) == len(f"身份证{ID}，手机13812345678，卡号{CARD}")


def test_checker_reports_them_masked_with_masked_contexts(checker: TextChecker):
    text = f"申请人李四，身份证号{ID}，手机13812345678，退款银行卡号：{CARD}。服务热线12345。"
    hits = [h for h in checker.check_text(text) if h.kind == "privacy"]
    assert [(h.category, h.text) for h in hits] == [
        ("id_number", "360426********0071"), ("mobile", "138****5678"), ("bank_card", "622202******7894"),
    ]
    for h in hits:
        assert h.severity == "serious"
        for raw in (ID, "13812345678", CARD):
            assert raw not in h.context and raw not in h.text
    assert len({h.key for h in hits}) == 3


NAME_LIST = """<html><body><p>公示名单</p><table>
<tr><th>序号</th><th>姓名</th><th>身份证号码</th><th>联系电话</th></tr>
<tr><td>1</td><td>张三</td><td>{id1}</td><td>13812345678</td></tr>
<tr><td>2</td><td>李四</td><td>{id2}</td><td>13912345678</td></tr>
<tr><td>3</td><td>王五</td><td>{id3}</td><td>13712345678</td></tr>
</table></body></html>"""


def test_a_table_of_names_with_identity_and_phone_numbers_is_a_list_finding(checker: TextChecker):
    html = NAME_LIST.format(id1=ID, id2="11010519491231002X", id3="440524188001010014")
    lists = [h for h in checker.check_html(html) if h.category == "personal_list"]
    assert len(lists) == 1
    [found] = lists
    assert found.text == "姓名与身份证号码、联系电话名单（3 行）"
    assert found.severity == "serious" and ID not in found.context


def test_a_masked_list_and_a_list_of_office_phones_are_not_leaks(checker: TextChecker):
    masked = NAME_LIST.format(id1="360426********0071", id2="110105********002X", id3="440524********0014")
    masked = masked.replace("13812345678", "138****5678").replace("13912345678", "139****5678")
    masked = masked.replace("13712345678", "137****5678")
    assert [h for h in checker.check_html(masked) if h.kind == "privacy"] == []
    offices = ("<table><tr><th>科室</th><th>电话</th></tr><tr><td>办公室</td><td>0791-88888888</td></tr>"
               "<tr><td>综合科</td><td>0791-88888889</td></tr></table>")
    assert [h for h in checker.check_html(f"<html><body><p>姓名</p>{offices}</body></html>")
            if h.kind == "privacy"] == []


def test_numbers_in_a_long_text_are_found_as_in_a_short_one():
    """A long text is searched only in its runs of digits (privacy._runs): each case above
    and each identity number, put between paragraphs of prose, is found at its own place."""
    prose = "全区各部门认真贯彻落实上级部署，推动各项工作取得新成效。" * 200
    cases = [f"退款银行卡号：{CARD}", "请填写卡号 6222 0212 3456 7894 以便退款", f"收款单位账号：{CARD}",
             "申请人手机13812345678，请核实。", "订单号113812345678900", f"经办人身份证号{ID}已公开",
             "身份证号11010519491231002X", f"编号9{ID}", "联系电话：13900001111"]
    text = f"{ID}，" + prose + prose.join(cases) + prose + "11010519491231002x"
    assert len(text) > privacy_module.LONG
    for find in (find_ids, find_mobiles, find_cards):
        expected = []
        for case in cases:
            at = text.index(case)
            expected += [(s + at, e + at, n) for s, e, n in find(case)]
        if find is find_ids:
            expected = [(0, 18, ID), *expected, (len(text) - 18, len(text), "11010519491231002x")]
        assert list(find(text)) == expected
    assert [n for _s, _e, n in find_ids(text)] == [ID, ID, "11010519491231002X", "11010519491231002x"]
