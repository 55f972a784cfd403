"""A long text is read as an array of code points (numpy) where a short one goes through
regular expressions: normalisation and the traditional-script screen give the same."""

from __future__ import annotations

import pytest

from crawler.textcheck import normalize, script
from crawler.textcheck.normalize import LONG, Normalized

PROSE = "全区各部门认真贯彻落实上级部署，推动各项工作取得新成效。" * (LONG // 20)


@pytest.mark.parametrize(
    "odd", ["", "ＧＤＰ增长６．５％，ＰＭ２.５", "　首行缩进", "Word文档", "𠀀字与\uffff", "全文无需折叠"]
)
def test_normalised_long_text_equals_the_short_way(odd: str) -> None:
    text = odd + PROSE + odd + PROSE[:100] + odd
    assert len(text) >= LONG
    expected = normalize._FOLD_RE.sub(normalize._fold_char, text)
    got = Normalized(text)
    assert got.text == expected
    assert (got.text is text) == (expected == text)  # nothing to fold: the text itself
    assert Normalized(text[:100]).text == expected[:100]


@pytest.mark.parametrize(
    "odd, found", [("", False), ("國", True), ("\u200b", True), ("乾隆", False), ("𠀀", False)]
)
def test_screen_of_a_long_text_equals_the_short_way(odd: str, found: bool) -> None:
    text = PROSE + odd + PROSE
    assert len(text) >= LONG
    assert script.screen(text) is found
    assert (script.tables().screen.search(text) is not None) is found
