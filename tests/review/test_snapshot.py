"""The page snapshot (快照): hostile HTML comes out inert, the finding's words are marked."""

from __future__ import annotations

from bs4 import BeautifulSoup

from crawler.review.snapshot import render

HOSTILE = """<!doctype html><html><head><title>通知</title>
<meta http-equiv="refresh" content="0;url=http://evil.example/">
<base href="http://evil.example/"><script>alert(1)</script></head>
<body onload="alert(2)"><p>让我们再接再励，共创佳绩。</p>
<a href=" java&#x09;script:alert(3)">链接</a><a href="/ok.html">正常</a>
<img src="a.png" onerror="alert(4)" alt="图"><iframe src="http://evil.example/"></iframe>
<svg><a xlink:href="javascript:alert(5)">x</a></svg>
<form action="javascript:alert(6)"><button formaction="javascript:alert(7)">提交</button></form>
<object data="x.swf"></object><noscript><p>再接再励</p></noscript>
<p>再接再励<!-- 再接再励 --></p><textarea>再接再励</textarea></body></html>"""


def test_scripts_frames_and_handlers_are_removed():
    html, marked = render(HOSTILE, "http://www.x.gov.cn/a.html", "2026-11-26T02:00:00", ["再接再励"])
    soup = BeautifulSoup(html, "lxml")
    assert soup.find_all(["script", "iframe", "object", "noscript"]) == []
    assert soup.find("meta", attrs={"http-equiv": True}) is None
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (tag.name, name)
            assert "javascript" not in str(value).replace(" ", "").lower(), (tag.name, name, value)
    # Our own <base> only: relative images load from the page's site, not from evil.example.
    assert [b["href"] for b in soup.find_all("base")] == ["http://www.x.gov.cn/a.html"]
    assert soup.find("a", string="正常")["href"] == "/ok.html"
    assert marked == 2


def test_words_are_marked_in_visible_text_only():
    html, marked = render(HOSTILE, "http://www.x.gov.cn/a.html", "2026-11-26T02:00:00", ["再接再励"])
    soup = BeautifulSoup(html, "lxml")
    marks = soup.find_all("mark")
    assert [m.get_text() for m in marks] == ["再接再励", "再接再励"] and marked == 2
    assert marks[0].parent.get_text() == "让我们再接再励，共创佳绩。"
    assert soup.find("textarea").get_text() == "再接再励"  # not markup inside a textarea
    banner = soup.find(id="duwang-snapshot-banner")
    assert banner is not None and "已标出 2 处" in banner.get_text()
    assert soup.body.contents[0] is banner


def test_page_text_cannot_become_markup():
    page = "<p>&lt;script&gt;alert(1)&lt;/script&gt;再接再励</p>"
    html, marked = render(page, "http://www.x.gov.cn/a.html", "t", ["再接再励"])
    assert marked == 1
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_banner_text_is_escaped_and_says_when_nothing_was_found():
    html, marked = render("<p>正文</p>", 'http://x/"><script>alert(1)</script>', "t", ["再接再励"])
    assert marked == 0
    assert "<script>" not in html
    assert "未能在快照正文中定位" in BeautifulSoup(html, "lxml").get_text()
    # Not an http(s) page URL: no <base> at all.
    assert BeautifulSoup(render("<p>x</p>", "javascript:alert(1)", "t", [])[0], "lxml").find("base") is None


def test_overlapping_words_mark_the_longest():
    html, marked = render("<p>国土资源局和国土资源</p>", "http://x/", "t", ["国土资源", "国土资源局"])
    assert [m.get_text() for m in BeautifulSoup(html, "lxml").find_all("mark")] == ["国土资源局", "国土资源"]
    assert marked == 2


def test_the_whole_page_is_shown_whatever_it_embeds():
    """lxml nests everything after an <embed> inside it: dropping the element with its
    content cut the page there, and the finding's words could no longer be marked."""
    html_in = (
        "<html><body><p>开头</p><embed src='flash/banner.swf' width=600>"
        "<p>第一处再接再励</p><object data='doc.pdf'><param name='src' value='doc.pdf'>"
        "对象的备用文字</object><div><font><font><p>未闭合的标签里再接再励"
        "<frameset><frame src='left.html'></frameset><p>结尾</p></body></html>"
    )
    html, marked = render(html_in, "http://www.x.gov.cn/a.html", "2026-11-26T02:00:00", ["再接再励"])
    soup = BeautifulSoup(html, "lxml")
    assert marked == 2
    text = soup.body.get_text()
    for piece in ("开头", "第一处", "对象的备用文字", "未闭合的标签里", "结尾"):
        assert piece in text
    assert soup.find_all(["embed", "object", "param", "frame", "frameset"]) == []
