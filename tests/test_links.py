"""extract_links: every element kind, <base>, fragments, skipped schemes, anchor text."""

from __future__ import annotations

import lxml.html
import pytest

from crawler.links import ANCHOR_MAX, Link, extract_links, parse_html, title_and_heading

PAGE = "http://www.x.gov.cn/xwzx/index.html"


def links_of(body: str, head: str = "", page_url: str = PAGE) -> tuple[list[Link], int]:
    root = lxml.html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    links, skipped, invalid = extract_links(root, page_url)
    assert invalid == []
    return links, skipped


def triples(body: str, head: str = "", page_url: str = PAGE) -> list[tuple[str, str, str]]:
    return [(ln.url, ln.element, ln.attr) for ln in links_of(body, head, page_url)[0]]


D = "http://www.x.gov.cn/xwzx/"


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<a href="a.html">a</a>', [(D + "a.html", "a", "href")]),
        ('<map name="m"><area href="area.html" alt="区"></map>', [(D + "area.html", "area", "href")]),
        ('<img src="i.png">', [(D + "i.png", "img", "src")]),
        (
            '<img src="i.png" srcset="i-1x.png 1x, i-2x.png 2x">',
            [(D + "i.png", "img", "src"), (D + "i-1x.png", "img", "srcset"),
             (D + "i-2x.png", "img", "srcset")],
        ),
        ('<script src="/js/app.js"></script>', [("http://www.x.gov.cn/js/app.js", "script", "src")]),
        ('<script>var a = "b.html";</script>', []),
        ('<link rel="stylesheet" href="s.css">', [(D + "s.css", "link", "href")]),
        ('<link rel="icon" href="/favicon.ico">', [("http://www.x.gov.cn/favicon.ico", "link", "href")]),
        ('<link rel="dns-prefetch" href="//cdn.x.gov.cn">', []),
        ('<link rel="preconnect" href="https://cdn.x.gov.cn">', []),
        ('<link rel="Preconnect DNS-Prefetch" href="https://cdn.x.gov.cn">', []),
        ('<iframe src="f.html"></iframe>', [(D + "f.html", "iframe", "src")]),
        ('<embed src="m.swf">', [(D + "m.swf", "embed", "src")]),
        ('<object data="doc.pdf"></object>', [(D + "doc.pdf", "object", "data")]),
        (
            '<video src="v.mp4" poster="p.jpg"><source src="v.webm"><track src="zh.vtt"></video>',
            [(D + "v.mp4", "video", "src"), (D + "p.jpg", "video", "poster"),
             (D + "v.webm", "source", "src"), (D + "zh.vtt", "track", "src")],
        ),
        ('<audio src="a.mp3"></audio>', [(D + "a.mp3", "audio", "src")]),
        (
            '<picture><source srcset="w-400.webp 400w, w-800.webp 800w"><img src="w.jpg"></picture>',
            [(D + "w-400.webp", "source", "srcset"), (D + "w-800.webp", "source", "srcset"),
             (D + "w.jpg", "img", "src")],
        ),
        # an element without its URL attribute yields nothing
        ("<a name='top'>anchor</a><img alt='x'>", []),
        ('<a href="">empty</a>', []),
    ],
)
def test_element_kinds(html, expected):
    assert triples(html) == expected


def test_frames_in_a_frameset():
    root = lxml.html.document_fromstring(
        '<html><frameset><frame src="top.html"><frame src="main.html"></frameset></html>'
    )
    links, _, _ = extract_links(root, PAGE)
    assert [(ln.url, ln.element) for ln in links] == [(D + "top.html", "frame"), (D + "main.html", "frame")]


@pytest.mark.parametrize(
    "content, expected",
    [
        ("0; url=next.html", D + "next.html"),
        ("0;URL='next.html'", D + "next.html"),
        ('5;url="next.html"', D + "next.html"),
        ("0, url=next.html", D + "next.html"),
        ("0 ; URL = next.html", D + "next.html"),
        ("3;url=http://other.gov.cn/x", "http://other.gov.cn/x"),
        ("5", None),  # a plain reload
    ],
)
def test_meta_refresh(content, expected):
    q = "'" if '"' in content else '"'
    got = triples("", head=f"<meta http-equiv=\"Refresh\" content={q}{content}{q}>")
    assert got == ([(expected, "meta", "content")] if expected else [])


def test_meta_refresh_without_url_prefix():
    assert triples("", head='<meta http-equiv="refresh" content="0; next.html">') == [
        (D + "next.html", "meta", "content")
    ]


def test_other_meta_content_is_not_a_link():
    head = '<meta name="description" content="about.html"><meta property="og:url" content="http://x/y.html">'
    assert triples("", head=head) == []


@pytest.mark.parametrize(
    "base, expected",
    [
        ('<base href="http://cdn.x.gov.cn/sub/">', "http://cdn.x.gov.cn/sub/p.html"),
        ('<base href="/root/">', "http://www.x.gov.cn/root/p.html"),
        ('<base href="../">', "http://www.x.gov.cn/p.html"),
        ('<base target="_blank">', D + "p.html"),  # no href: the page URL stays the base
        ("", D + "p.html"),
    ],
)
def test_base_href_is_honoured(base, expected):
    assert triples('<a href="p.html">p</a>', head=base) == [(expected, "a", "href")]


def test_base_href_applies_to_every_element():
    got = triples('<img src="i.png"><script src="s.js"></script>', head='<base href="http://cdn.x.gov.cn/">')
    assert [u for u, _, _ in got] == ["http://cdn.x.gov.cn/i.png", "http://cdn.x.gov.cn/s.js"]


@pytest.mark.parametrize(
    "href, expected",
    [
        ("p.html#sec2", D + "p.html"),
        ("http://y.gov.cn/a?x=1#top", "http://y.gov.cn/a?x=1"),
        ("//cdn.x.gov.cn/lib.js", "http://cdn.x.gov.cn/lib.js"),
        ("/新闻/通知.html", "http://www.x.gov.cn/新闻/通知.html"),
        ("  p.html  ", D + "p.html"),
        ("HTTP://Y.gov.cn/z", "http://Y.gov.cn/z"),
        ("a.html?x=1&amp;y=2", D + "a.html?x=1&y=2"),
    ],
)
def test_urls_are_absolute_without_fragment(href, expected):
    links, skipped = links_of(f'<a href="{href}">x</a>')
    assert [ln.url for ln in links] == [expected]
    assert skipped == 0


@pytest.mark.parametrize(
    "page_url, href",
    [
        ("https://www.x.gov.cn/", "HTTP://WWW.GOV.CN/"),
        ("http://www.x.gov.cn/", "HTTPS://www.gov.cn/zhengce/"),
        ("https://www.x.gov.cn/", "Http://www.gov.cn/"),
    ],
)
def test_upper_case_scheme_is_still_http(page_url, href):
    links, skipped = links_of(f'<a href="{href}">中国政府网</a>', page_url=page_url)
    assert len(links) == 1 and links[0].url.lower() == href.lower()
    assert skipped == 0


@pytest.mark.parametrize(
    "href",
    [
        "#top",
        "#",
        "mailto:xxgk@x.gov.cn",
        "MAILTO:xxgk@x.gov.cn",
        "tel:12345",
        "javascript:void(0)",
        "  JavaScript:history.back()",
        "data:text/plain,hello",
        "ftp://ftp.x.gov.cn/a.zip",
    ],
)
def test_non_http_links_are_counted_not_returned(href):
    links, skipped = links_of(f'<a href="{href}">x</a>')
    assert links == []
    assert skipped == 1


def test_skipped_count_adds_up():
    body = (
        '<a href="#a">1</a><a href="mailto:a@b">2</a><a href="tel:1">3</a>'
        '<a href="javascript:;">4</a><a href="ok.html">5</a><img src="data:image/png;base64,AAAA">'
    )
    links, skipped = links_of(body)
    assert [ln.url for ln in links] == [D + "ok.html"]
    assert skipped == 5


@pytest.mark.parametrize(
    "html, anchor",
    [
        ('<a href="p.html">  关于\n  我们 </a>', "关于 我们"),
        ('<a href="p.html"><span>政务</span>\t<b>公开</b></a>', "政务 公开"),
        ('<a href="p.html"><img src="i.png" alt=" 县 政府\n门户 "></a>', "县 政府 门户"),
        ('<a href="p.html" title="  标题 提示 "></a>', "标题 提示"),
        ('<a href="p.html" title="提示">正文</a>', "正文"),
        ('<a href="p.html"><img src="i.png"></a>', ""),
        ('<area href="p.html" alt="地图区域">', "地图区域"),
        ('<iframe src="p.html" title="嵌入"></iframe>', "嵌入"),
    ],
)
def test_anchor_text(html, anchor):
    links, _ = links_of(html)
    assert links[0].url == D + "p.html"
    assert links[0].anchor == anchor


def test_image_inside_link_carries_its_alt():
    links, _ = links_of('<a href="p.html"><img src="i.png" alt="横幅"></a>')
    assert [(ln.element, ln.anchor) for ln in links] == [("a", "横幅"), ("img", "横幅")]


def test_anchor_is_truncated():
    links, _ = links_of(f'<a href="p.html">{"长" * 500}</a>')
    assert links[0].anchor == "长" * ANCHOR_MAX


def test_document_order_and_each_url_once_with_its_first_anchor():
    links, _ = links_of('<a href="b.html">b</a><a href="a.html">a</a><a href="b.html#x">b2</a>')
    assert [(ln.url, ln.anchor) for ln in links] == [(D + "b.html", "b"), (D + "a.html", "a")]


@pytest.mark.parametrize(
    "href",
    ["/a.html", "a.html", "../a.html", "?page=2", "//cdn.x.gov.cn/a.html", "http://y.gov.cn/a.html"],
)
def test_same_href_resolves_per_page(href):
    """Repeated hrefs (nav bars) on pages of other hosts, schemes and folders resolve afresh."""
    from urllib.parse import urljoin

    for page_url in ("http://www.x.gov.cn/a/b/c.html", "https://www.x.gov.cn/a/b/c.html",
                     "http://www.y.gov.cn/a/b/c.html", "http://www.x.gov.cn:8080/a/b/c.html",
                     "http://www.x.gov.cn/d/e.html?id=1", "http://www.x.gov.cn/a/b/c.html"):
        links, _ = links_of(f'<a href="{href}">x</a>', page_url=page_url)
        assert [ln.url for ln in links] == [urljoin(page_url, href)], page_url


@pytest.mark.parametrize("body", [b"", b"   \n", b"<!-- only a comment -->", b"\xef\xbb\xbf"])
def test_a_page_without_elements_parses_as_empty(body: bytes) -> None:
    root = parse_html(body, "utf-8")
    assert extract_links(root, "http://www.x.gov.cn/")[0] == []
    assert title_and_heading(root) == ("", "")
