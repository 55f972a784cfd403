"""Ruby annotations: the pinyin that 无障碍/适老化 tools put over characters is not page text."""

from __future__ import annotations

import pytest

from crawler.textcheck import TextChecker, extract_visible
from crawler.textcheck.document import check_document
from crawler.textcheck.pool import CheckPool


def page(body: str) -> str:
    return f"<html><head><title>通知</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "body",
    [
        "<p>再<ruby>接<rt>jiē</rt></ruby>再励</p>",
        "<p>再<ruby>接<rp>(</rp><rt>jiē</rt><rp>)</rp></ruby>再励</p>",
        # a reading tool that annotates every character
        "<p><ruby>再<rt>zài</rt>接<rt>jiē</rt>再<rt>zài</rt>励<rt>lì</rt></ruby></p>",
        "<p><ruby><rb>再</rb><rb>接</rb><rtc><rt>zài</rt><rt>jiē</rt></rtc></ruby>再励</p>",
        "<p><ruby>再接<rt>zài jiē</rt></ruby><ruby>再励<rt>zài lì</rt></ruby></p>",
    ],
)
def test_ruby_text_reads_as_the_characters(checker: TextChecker, body: str) -> None:
    html = page(body)
    assert extract_visible(html) == [("title", "通知"), ("body", "再接再励")]
    [hit] = checker.check_html(html)
    assert (hit.rule, hit.text, hit.context) == ("typo:再接再励", "再接再励", "再接再励")


def test_annotation_text_is_never_checked(checker: TextChecker) -> None:
    # pinyin or glosses that would match a list term on their own
    html = page("<p><ruby>北<rt>pk10</rt></ruby>京<ruby>正<rt>再接再励</rt></ruby>常</p>")
    assert extract_visible(html)[1] == ("body", "北京正常")
    assert checker.check_html(html) == []


def test_ruby_inside_a_sentence_keeps_word_boundaries(checker: TextChecker) -> None:
    html = page("<p>各部门要<ruby>再<rt>zài</rt></ruby>接再励，<ruby>迫<rt>pò</rt></ruby>不急待。</p>")
    assert [h.text for h in checker.check_html(html)] == ["再接再励", "迫不急待"]


def test_crawl_worker_and_check_text_read_ruby_the_same_way(checker: TextChecker) -> None:
    html = page("<p>再<ruby>接<rt>jiē</rt></ruby>再励</p>")
    got = {}
    pool = CheckPool([], lambda url, hits, snap: got.update({url: hits}), workers=0)
    pool.submit("u", html.encode("utf-8"), "utf-8")
    pool.close()
    assert [h.text for h in got["u"]] == ["再接再励"]
    [found] = check_document(checker, html, html=True)
    assert (found.line, found.column, found.hit.text) == (1, 1, "再接再励")
