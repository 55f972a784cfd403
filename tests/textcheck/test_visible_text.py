"""HTML -> what a reader sees: hidden content is never checked, blocks don't run together."""

from __future__ import annotations

import pytest

from crawler.textcheck import TextChecker, extract_visible

TYPO = "再接再励"


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "body",
    [
        f"<script>var s = '{TYPO}';</script>",
        f"<style>/* {TYPO} */ p {{}}</style>",
        f"<noscript>{TYPO}</noscript>",
        f"<template><p>{TYPO}</p></template>",
        f"<!-- {TYPO} -->",
        f"<div hidden><p>{TYPO}</p></div>",
        f'<div style="display:none">{TYPO}</div>',
        f'<div style="color:red; DISPLAY : None">{TYPO}</div>',
        f'<span style="visibility: hidden">{TYPO}</span>',
        f'<div aria-hidden="true">{TYPO}</div>',
        f'<div hidden><img alt="{TYPO}"></div>',
        f"<![CDATA[{TYPO}]]>",
    ],
)
def test_invisible_text_is_not_checked(checker: TextChecker, body: str) -> None:
    html = page(f"<p>正文</p>{body}<p>结尾</p>")
    assert checker.check_html(html) == []
    assert all(TYPO not in text for _field, text in extract_visible(html))


@pytest.mark.parametrize(
    ("html", "field"),
    [
        (page("", f"<title>{TYPO}</title>"), "title"),
        (page("", f'<meta name="description" content="{TYPO}">'), "meta"),
        (page("", f'<meta name="Description" content="{TYPO}">'), "meta"),
        (page(f'<img src="a.png" alt="{TYPO}">'), "alt"),
        (page(f'<img src="a.png" title="{TYPO}">'), "alt"),
        (page(f"<p>{TYPO}</p>"), "body"),
        (page(f'<div style="display:block"><p>{TYPO}</p></div>'), "body"),
    ],
)
def test_visible_fields(checker: TextChecker, html: str, field: str) -> None:
    [hit] = checker.check_html(html)
    assert (hit.field, hit.text) == (field, TYPO)
    assert dict(extract_visible(html))[field][hit.start : hit.end] == TYPO


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("<table><tr><td>平台</td><td>独立</td></tr></table>", "平台\n独立"),
        ("<ul><li>个性</li><li>交流</li></ul>", "个性\n交流"),
        ("<p>第一段</p><p>第二段</p>", "第一段\n第二段"),
        ("<p>换<br>行</p>", "换\n行"),
        ("<p>再接<b>再</b><a href='#'>励</a></p>", "再接再励"),
        ("<p>中华人民\n        共和国</p>", "中华人民共和国"),
        # across an inline element too, as a browser renders it
        ("<p>中华人民\n<b>共和国</b></p>", "中华人民共和国"),
        ("<p>a<!-- note -->b<script>x</script>c</p>", "abc"),
        ("<p>Hello\n  world &nbsp; 你好</p>", "Hello world 你好"),
    ],
)
def test_body_text_layout(body: str, text: str) -> None:
    assert extract_visible(page(body)) == [("body", text)]


def test_adjacent_cells_do_not_join_into_a_term(site_checker: TextChecker) -> None:
    assert site_checker.check_html(page("<table><tr><td>台</td><td>独</td></tr></table>")) == []
    assert [h.text for h in site_checker.check_html(page("<p>台<b>独</b></p>"))] == ["台独"]


def test_gbk_page(checker: TextChecker) -> None:
    html = page(
        "<p>区国土资源局：全体干部要再接再励。</p>",
        '<meta charset="gbk"><title>通知公告</title>',
    )
    raw = html.encode("gbk")
    hits = checker.check_html(raw.decode("gbk"))
    assert [(h.rule, h.text, h.suggestion) for h in hits] == [
        ("outdated:国土资源局", "国土资源局", "自然资源局"),
        ("typo:再接再励", "再接再励", "再接再厉"),
    ]


def test_empty_and_broken_html(checker: TextChecker) -> None:
    assert extract_visible("") == []
    assert extract_visible("  \n<!-- 再接再励 -->") == []
    assert checker.check_html("<p>未闭合<div>迫不急待")[0].suggestion == "迫不及待"
