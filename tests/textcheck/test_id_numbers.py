"""Identity numbers: check char, birth date, masking, and keys that never hold the number."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.textcheck import TextChecker, is_valid_id, mask_id
from crawler.textcheck.privacy import check_char

VALID = "360426199101010071"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (VALID, True),
        ("360426199101010072", False),  # wrong check char
        ("11010519491231002X", True),  # check char X
        ("11010519491231002x", True),
        ("360426199102300079", False),  # 30 February
        ("360426189901010077", False),  # born before 1900
        ("36042636000101007X", False),  # born in the future
        ("36042619910101007", False),  # 17 digits
    ],
)
def test_is_valid_id(number: str, valid: bool) -> None:
    assert is_valid_id(number) is valid


def test_vectors_are_consistent() -> None:
    assert check_char(VALID[:17]) == "1"
    assert is_valid_id("360426203001010014", today=dt.date(2031, 1, 1))
    assert not is_valid_id("360426203001010014", today=dt.date(2029, 1, 1))


@pytest.mark.parametrize(
    ("text", "count"),
    [
        (f"申请人身份证号：{VALID}。", 1),
        (f"身份证号码{VALID}", 1),
        ("号码１１０１０５１９４９１２３１００２Ｘ", 1),  # full-width
        ("身份证号：360426199101010072。", 0),
        ("身份证号：370181********1234。", 0),  # masked, as published correctly
        ("身份证号：360426********0071。", 0),
        (f"订单号1{VALID}", 0),  # inside a longer run of digits
        (f"订单号{VALID}9", 0),
        (f"编号ID{VALID}", 1),
    ],
)
def test_found_in_text(checker: TextChecker, text: str, count: int) -> None:
    assert len([h for h in checker.check_text(text) if h.category == "id_number"]) == count


def test_hit_never_shows_the_number(checker: TextChecker) -> None:
    text = f"经公示，张三（身份证号{VALID}）符合条件，予以再接再励。"
    hits = checker.check_text(text)
    assert [h.category for h in hits] == ["id_number", "typo"]
    id_hit, typo_hit = hits
    assert id_hit.text == mask_id(VALID) == "360426********0071"
    assert (id_hit.kind, id_hit.rule, id_hit.severity) == ("privacy", "id_number", "serious")
    assert text[id_hit.start : id_hit.end] == VALID
    for hit in hits:
        for value in (hit.text, hit.context, hit.key, hit.rule):
            assert VALID not in value
            assert "199101010071" not in value
    assert "********0071）符合条件" in typo_hit.context


def test_context_edge_never_leaks_half_a_number(checker: TextChecker) -> None:
    text = f"{VALID}一二三四五六七八九十再接再励"  # the window starts inside the number
    [_id_hit, typo_hit] = checker.check_text(text)
    assert typo_hit.context == "******0071一二三四五六七八九十再接再励"


def test_id_keys(checker: TextChecker) -> None:
    other = "11010519491231002X"
    a = checker.check_text(f"公示：{VALID}。")[0]
    b = checker.check_text(f"公示：{VALID}。")[0]
    c = checker.check_text(f"公示：{other}。")[0]
    assert a.key == b.key
    assert a.key != c.key
