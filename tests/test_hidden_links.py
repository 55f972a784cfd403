"""Hidden links (暗链, crawler/hidden.py): each way of hiding a link, beside visible ones."""

from __future__ import annotations

import lxml.html
import pytest

from crawler.hidden import find_hidden_links

PAGE = "http://www.x.gov.cn/index.html"


def hidden(body: str, head: str = "") -> list[tuple[str, str]]:
    root = lxml.html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return [(h.url, h.anchor) for h in find_hidden_links(root, PAGE)]


@pytest.mark.parametrize(
    "body, head",
    [
        ('<div style="display:none"><a href="http://spam.example/">澳门赌场</a></div>', ""),
        ('<p><span style="visibility: hidden"><a href="http://spam.example/">澳门赌场</a></span></p>', ""),
        ('<a hidden href="http://spam.example/">澳门赌场</a>', ""),
        ('<div style="position:absolute;left:-9999px;top:0"><a href="http://spam.example/">澳门赌场</a></div>',
         ""),
        ('<div style="text-indent:-3000px"><a href="http://spam.example/">澳门赌场</a></div>', ""),
        ('<div style="height:0;overflow:hidden"><a href="http://spam.example/">澳门赌场</a></div>', ""),
        ('<p style="font-size:0"><a href="http://spam.example/">澳门赌场</a></p>', ""),
        ('<a style="color:#fff;background-color:#FFF" href="http://spam.example/">澳门赌场</a>', ""),
        ('<marquee height="0"><a href="http://spam.example/">澳门赌场</a></marquee>', ""),
        ('<div class="ad"><a href="http://spam.example/">澳门赌场</a></div>',
         "<style>.ad{display:none}</style>"),
        ('<div id="x1"><a href="http://spam.example/">澳门赌场</a></div>',
         "<style>/* injected */ #x1 { position: absolute; top: -1000px }</style>"),
        ("<script>document.write('<a href=\"http://spam.example/\">澳门赌场</a>');</script>", ""),
    ],
)
def test_each_way_of_hiding(body, head):
    visible = '<a href="http://www.gov.cn/">中国政府网</a><a href="/about.html">关于</a>'
    assert hidden(visible + body, head) == [("http://spam.example/", "澳门赌场")]


def test_visible_links_are_not_hidden():
    body = (
        '<div style="display:block"><a href="http://www.gov.cn/">中国政府网</a></div>'
        '<div style="position:relative;left:-20px"><a href="http://a.example/">甲</a></div>'
        '<a style="color:#333;background:#fff" href="http://b.example/">乙</a>'
        '<marquee height="40"><a href="http://c.example/">丙</a></marquee>'
        '<div style="height:0"><a href="http://d.example/">丁</a></div>'  # overflow visible
        "<script>var u = 'http://e.example/';</script>"
    )
    assert hidden(body, "<style>.nav{display:flex} div p{display:none}</style>") == []


def test_hostile_addresses_are_no_links():
    body = ('<div style="display:none"><a href="http://localhost]">甲</a><a href="http://a.example:99999/">乙</a>'
            '<a href="http://[::1">丙</a></div><script>document.write(\'<a href="http://q]/">丁</a>\')</script>')
    assert hidden(body) == []


@pytest.fixture(scope="module")
def checker():
    from crawler.textcheck import TextChecker

    return TextChecker()


@pytest.mark.parametrize(
    "href, anchor, found",
    [
        ("http://spam.example/", "装修公司", ("hidden_link", "general")),  # off the site
        ("http://spam.example/", "百家乐", ("hidden_link", "serious")),  # the sensitive list
        # the word in the address
        ("http://spam.example/?q=%E7%99%BE%E5%AE%B6%E4%B9%90", "点击", ("hidden_link", "serious")),
        ("http://news.x.gov.cn/a.html", "新闻", None),  # the site's own domain
        ("http://www.gov.cn/", "中国政府网", None),  # allowed by default
        ("http://tongji.example.org/t.js", "统计", None),  # allowed by the config
    ],
)
def test_which_hidden_links_are_findings(checker, href, anchor, found):
    from crawler.hidden import HiddenPolicy, hidden_link_hits

    policy = HiddenPolicy(frozenset({"www.x.gov.cn"}), ("gov.cn", "conac.cn", "example.org"))
    root = lxml.html.document_fromstring(
        f'<html><body><a href="http://a.example/">看得见</a><div style="display:none">'
        f'<a href="{href}">{anchor}</a></div></body></html>')
    hits = hidden_link_hits(root, PAGE, policy, checker)
    assert [(h.category, h.severity) for h in hits] == ([found] if found else [])
    assert all(h.kind == "hidden_link" and h.text == href for h in hits)
