"""Link checking as other link checkers test it (issue 12), with HTML written here.

The cases other checkers' suites assert, rebuilt for a government portal: no page is lost
to one bad href, srcset is split as the HTML standard splits it, an href no browser can
follow is a dead link (invalid_url), and CSS references are checked. Unit tests first,
then whole crawls through the CLI against a loopback portal. A page that fails for any
other reason: tests/test_page_failed.py.
"""

from __future__ import annotations

import json
import sqlite3

import lxml.html
import pytest

from crawler.demo.server import Reply, redirect
from crawler.links import Link, extract_links, srcset_urls, stylesheet_links, title_and_heading
from crawler.stylesheets import IMPORT, URL, css_references, decode_stylesheet, is_stylesheet
from tests.conftest import findings_jsonl, run_cli
from tests.portal_site import page

PAGE = "http://www.x.gov.cn/xwzx/index.html"
D = "http://www.x.gov.cn/xwzx/"
ROOT = "http://www.x.gov.cn/"
FAST = ["--timeout", "2", "--concurrency", "8", "-s", "DUWANG_BACKOFF_BASE=0.05"]


def extract(body: str, head: str = "", page_url: str = PAGE) -> tuple[list[Link], int, list[Link]]:
    root = lxml.html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return extract_links(root, page_url)


# --- srcset, as the HTML standard parses it -------------------------------------------------


@pytest.mark.parametrize(
    "value, urls",
    [
        ("", []),
        (" \t\n ", []),
        (",, ,", []),
        ("a.png", ["a.png"]),
        ("a.png 1x, b.png 2x", ["a.png", "b.png"]),
        ("a.png 1x,b.png 2x", ["a.png", "b.png"]),
        # a comma inside a URL stays there: only one at its end, or after descriptors, splits
        ("a.png,b.png", ["a.png,b.png"]),
        ("a.png, b.png", ["a.png", "b.png"]),
        (",,a.png,, ,b.png,", ["a.png", "b.png"]),
        ("/cdn-cgi/image/format=webp,width=640/zwgk/tu.jpg 640w, "
         "/cdn-cgi/image/format=webp,width=1280/zwgk/tu.jpg 1280w",
         ["/cdn-cgi/image/format=webp,width=640/zwgk/tu.jpg",
          "/cdn-cgi/image/format=webp,width=1280/zwgk/tu.jpg"]),
        ("data:image/gif;base64,R0lGOD,lhAQ 1x, big.png 2x",
         ["data:image/gif;base64,R0lGOD,lhAQ", "big.png"]),
        # descriptors are not validated, and parentheses hold commas
        ("a.png 大图, b.png", ["a.png", "b.png"]),
        ("a.png 1x (w, h), b.png 2x", ["a.png", "b.png"]),
        ("a.png (((, b.png", ["a.png"]),
        ("  a.png   2x  ", ["a.png"]),
    ],
)
def test_srcset_candidates(value, urls):
    assert srcset_urls(value) == urls


def test_a_data_uri_in_srcset_is_never_a_link_and_a_cdn_path_is_one():
    payload = "iVBORw0KGgo" * 20_000  # a big inline image, with a comma after its header
    links, skipped, invalid = extract(
        f'<picture><source srcset="data:image/png;base64,{payload} 1x">'
        '<img src="/tu/a.jpg" srcset="/cdn-cgi/image/format=webp,width=640/tu/a.jpg 640w"></picture>'
    )
    assert [ln.url for ln in links] == [ROOT + "tu/a.jpg",
                                        ROOT + "cdn-cgi/image/format=webp,width=640/tu/a.jpg"]
    assert skipped == 1 and invalid == []


# --- hrefs no browser can follow ----------------------------------------------------------

NO_HOST = "链接地址缺少主机名"
UNPARSEABLE = "链接地址无法解析"
CONTROL = "链接地址含控制字符"
TOO_LONG = "主机名过长，无法解析"
BAD_HOST = "主机名含非法字符"
FILE = "本地文件链接（file:），访问者无法打开"


@pytest.mark.parametrize(
    "href, problem",
    [
        # unbalanced brackets
        ("http://localhost]", UNPARSEABLE),
        ("http://[::1/zwgk/", UNPARSEABLE),
        ("https://www.x.gov.cn]/a.html", UNPARSEABLE),
        # bad ports
        ("http://www.x.gov.cn:65536/", UNPARSEABLE),
        ("http://www.x.gov.cn:8o8o/a.html", UNPARSEABLE),
        ("http://www.x.gov.cn:-1/", UNPARSEABLE),
        # control characters
        ("/zwgk/通知\x07.html", CONTROL),
        ("http://www.x.gov.cn/\x1fa", CONTROL),
        # an over-long host, a host with a space
        ("http://" + "a" * 64 + ".gov.cn/", TOO_LONG),
        ("http://" + "ab." * 90 + "gov.cn/", TOO_LONG),
        ("http://www.x .gov.cn/", BAD_HOST),
        # an http(s) URL with no host: a CMS link field left at its default
        ("http://", NO_HOST),
        ("https://", NO_HOST),
        ("HTTP://", NO_HOST),
        ("http:///", NO_HOST),
        ("//////", NO_HOST),
        ("http://:8080/a.html", NO_HOST),
        ("https:", NO_HOST),  # another scheme than the page's: an authority must follow
        # a path on the author's disk
        ("file:///C:/Users/办公室/Desktop/通知.doc", FILE),
        ("FILE://fileserver/共享/附件.xls", FILE),
    ],
)
def test_an_href_no_browser_can_follow_is_returned_with_its_reason(href, problem):
    links, skipped, invalid = extract(f'<a href="ok.html">好</a><a href="{href}">坏</a>')
    assert [ln.url for ln in links] == [D + "ok.html"]  # the page keeps its other links
    assert invalid == [Link(href, "a", "href", "坏", problem)]
    assert skipped == 0


@pytest.mark.parametrize(
    "href, url",
    [
        ("///www.y.gov.cn/a.html", "http://www.y.gov.cn/a.html"),  # slashes skipped, as browsers do
        ("\\\\www.y.gov.cn/a.html", "http://www.y.gov.cn/a.html"),
        ("http:////www.y.gov.cn/a.html", "http://www.y.gov.cn/a.html"),
        ("https:www.y.gov.cn/a.html", "https://www.y.gov.cn/a.html"),  # another scheme: a host
        ("http:a.html", D + "a.html"),  # the page's own scheme: a relative path
        ("http:/a.html", ROOT + "a.html"),
        ("//www.y.gov.cn/lib.js", "http://www.y.gov.cn/lib.js"),
        ("http://[::1]:8080/a.html", "http://[::1]:8080/a.html"),
        ("http://政府.cn/a.html", "http://政府.cn/a.html"),
    ],
)
def test_hrefs_browsers_follow_resolve_as_browsers_resolve_them(href, url):
    links, _, invalid = extract(f'<a href="{href}">链接</a>')
    assert [ln.url for ln in links] == [url] and invalid == []


def test_unusable_hrefs_in_every_attribute_are_returned_once_each():
    _, _, invalid = extract(
        '<img src="http://" alt="图"><img srcset="http:// 1x, ok.png 2x">'
        '<a href="file:///D:/a.pdf">甲</a><a href="file:///D:/a.pdf">乙</a>',
        head='<meta http-equiv="refresh" content="5; url=http://[bad">',
    )
    assert [(ln.url, ln.element, ln.attr) for ln in invalid] == [
        ("http://[bad", "meta", "content"), ("http://", "img", "src"), ("file:///D:/a.pdf", "a", "href")]


# --- ruby annotations ---------------------------------------------------------------------


def test_anchor_text_and_heading_skip_ruby_annotations():
    body = ('<h1><ruby>页<rp>(</rp><rt>yè</rt><rp>)</rp></ruby>面不存在</h1>'
            '<a href="p.html">再<ruby>接<rt>jiē</rt></ruby>再厉<!-- 注释 --></a>')
    root = lxml.html.document_fromstring(f"<html><head><title>标题</title></head><body>{body}</body></html>")
    links, _, _ = extract_links(root, PAGE)
    assert links[0].anchor == "再接再厉"
    assert title_and_heading(root) == ("标题", "页面不存在")


# --- CSS ------------------------------------------------------------------------------------

STYLESHEET = """@charset "utf-8";
@import url("base.css");
@import 'print.css' print;
@import url(theme.css) screen;
/* .old { background: url(old-banner.png) } */
.banner { background: #fff url( ../images/横幅.png ) no-repeat }
.icon::before { content: "url(not-a-link.png)" }
.hero { background-image: image-set(url(hero.png) 1x, url("hero@2x.png") 2x) }
@font-face { font-family: "方正小标宋"; src: url("../fonts/fzxbs.woff2") format("woff2"),
             URL('../fonts/fzxbs.ttf') format("truetype") }
@media (max-width: 600px) { .nav { background: url(data:image/png;base64,iVBORw0KGgo=) } }
.sprite { background: url(#svg-icon) }
.escaped { background: url(a\\)b.png) }
.bad { background: url(a b.png) }
"""


def test_css_references_are_read_with_a_real_tokenizer():
    assert css_references(STYLESHEET) == (
        ("base.css", IMPORT), ("print.css", IMPORT), ("theme.css", IMPORT),
        ("../images/横幅.png", URL), ("hero.png", URL), ("hero@2x.png", URL),
        ("../fonts/fzxbs.woff2", URL), ("../fonts/fzxbs.ttf", URL),
        ("data:image/png;base64,iVBORw0KGgo=", URL), ("#svg-icon", URL), ("a)b.png", URL),
    )


def test_a_stylesheets_links_resolve_against_its_own_url():
    links, skipped, invalid = stylesheet_links(STYLESHEET, ROOT + "css/site.css")
    assert [(ln.url, ln.element, ln.attr) for ln in links] == [
        (ROOT + "css/base.css", "css", IMPORT), (ROOT + "css/print.css", "css", IMPORT),
        (ROOT + "css/theme.css", "css", IMPORT), (ROOT + "images/横幅.png", "css", URL),
        (ROOT + "css/hero.png", "css", URL), (ROOT + "css/hero@2x.png", "css", URL),
        (ROOT + "fonts/fzxbs.woff2", "css", URL), (ROOT + "fonts/fzxbs.ttf", "css", URL),
        (ROOT + "css/a)b.png", "css", URL),
    ]
    assert skipped == 2 and invalid == []  # the data: URI and the fragment


def test_style_attributes_and_style_elements_are_read_against_the_base():
    links, _, invalid = extract(
        '<div style="background: URL(\'bg.jpg\')">甲</div><p style="color:red">乙</p>'
        '<table style="background: url( tb.png ) no-repeat"><tr><td>丙</td></tr></table>'
        '<span style="background:url(http://)">丁</span>',
        head='<base href="/static/"><style>@import "/css/a.css"; .x{background:url(x.png)}</style>'
             '<style>.y{color:blue}</style>',
    )
    assert [(ln.url, ln.element, ln.attr) for ln in links] == [
        (ROOT + "css/a.css", "style", IMPORT), (ROOT + "static/x.png", "style", URL),
        (ROOT + "static/bg.jpg", "div", "style"), (ROOT + "static/tb.png", "table", "style"),
    ]
    assert [(ln.url, ln.element, ln.attr) for ln in invalid] == [("http://", "span", "style")]


CSS_TEXT = "a{background:url(横幅.png)}"


@pytest.mark.parametrize(
    "body, content_type, text, encoding",
    [
        (CSS_TEXT.encode(), "text/css", CSS_TEXT, "utf-8"),
        (CSS_TEXT.encode("gbk"), "text/css", CSS_TEXT, "gb18030"),  # undeclared, not UTF-8
        (CSS_TEXT.encode("gbk"), "text/css; charset=GBK", CSS_TEXT, "gbk"),
        (b'@charset "gb2312";' + CSS_TEXT.encode("gbk"), "text/css", '@charset "gb2312";' + CSS_TEXT, "gbk"),
        (b"\xef\xbb\xbf" + CSS_TEXT.encode(), "text/css; charset=gbk", CSS_TEXT, "utf-8"),  # a BOM wins
    ],
)
def test_stylesheet_bytes_are_decoded_as_browsers_and_chinese_sites_need(body, content_type, text, encoding):
    assert decode_stylesheet(body, content_type) == (text, encoding)


@pytest.mark.parametrize(
    "path, content_type, css",
    [
        ("/css/a.css", "text/css; charset=utf-8", True),
        ("/style.php", "text/css", True),
        ("/css/a.css", "text/plain", True),
        ("/css/a.css", "", True),
        ("/css/A.CSS", "application/octet-stream", True),
        ("/css/a.css", "text/html", False),
        ("/a.html", "text/plain", False),
    ],
)
def test_what_is_read_as_a_stylesheet(path, content_type, css):
    assert is_stylesheet(path, content_type) is css


# --- whole crawls -------------------------------------------------------------------------

PNG = Reply(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 16, content_type="image/png")
BAD_HREFS = [
    "http://localhost]", "http://[::1", "http://127.0.0.1:99999/", "/zwgk/a\x01b.html",
    "http://" + "x" * 70 + ".gov.cn/", "http://", "//////", "file:///C:/Users/办公室/Desktop/通知.doc",
]
SITE_CSS = """@import "more.css";
/* .old { background: url(/img/commented-out.png) } */
body { background: url(/img/bg.png) }
.banner { background: url("/img/missing-banner.png") }
@font-face { font-family: "标宋"; src: url(/fonts/missing.woff2) format("woff2") }
.dot { background: url(data:image/png;base64,iVBORw0KGgo=) }
"""
MORE_CSS = ".x { background: url(../img/deep-missing.png) }"


def _bad_links(bad: bool) -> str:
    if not bad:
        return ""
    return "".join(f'<a href="{h}">坏链接{i}</a>' for i, h in enumerate(BAD_HREFS))


def _routes(bad: bool = True) -> dict:
    home = page("测试区人民政府", (
        '<a href="/a.html">通知公告</a><a href="/img.html">图片</a><a href="/style.html">样式</a>'
        '<a href="/to-ftp">FTP下载</a><a href="/to-file">本地文件</a><a href="/to-http">跳转</a>'
        '<a href="/300-ftp">多种选择</a>'
    ), head='<link rel="stylesheet" href="/css/site.css">', footer=False)
    a_page = page("关于做好冬季安全生产工作的通知", (
        "<p>各单位要再接再励，做好安全生产工作。</p>" + _bad_links(bad) + '<a href="/gone.html">旧文件</a>'
    ), footer=False)
    img_page = page("图片新闻", (
        '<img src="/cdn-cgi/image/format=webp,width=640/tu/a.jpg" alt="新闻图片" '
        'srcset="/cdn-cgi/image/format=webp,width=640/tu/a.jpg 640w, '
        '/cdn-cgi/image/format=webp,width=1280/tu/a.jpg 1280w">'
        '<picture><source srcset="data:image/png;base64,' + "iVBORw0KGgo" * 5000 + ' 1x">'
        '<img src="/img/bg.png" alt="背景"></picture>'
    ), footer=False)
    style_page = page("样式", (
        '<div style="background-image: url(\'/img/missing-inline.png\')">横幅</div>'
        '<p style="color: red">红字</p>'
    ), head="<style>.top { background: url(/img/missing-style.png) }</style>", footer=False)
    return {
        "/": Reply(body=home),
        "/a.html": Reply(body=a_page),
        "/img.html": Reply(body=img_page),
        "/style.html": Reply(body=style_page),
        "/cdn-cgi/image/*": PNG,
        "/img/bg.png": PNG,
        "/css/site.css": Reply(body=SITE_CSS, content_type="text/css; charset=utf-8"),
        "/css/more.css": Reply(body=MORE_CSS, content_type="text/plain"),  # a server that mislabels CSS
        "/to-ftp": redirect("ftp://ftp.x.gov.cn/pub/fujian.zip"),
        "/to-file": redirect("file:///etc/passwd"),
        "/to-http": redirect("/a.html"),
        "/300-ftp": Reply(300, headers={"Location": "ftp://ftp.x.gov.cn/"}, body="多种选择"),  # no redirect
    }


def _dead(db) -> dict[str, dict]:
    return {f["target"]: f for f in findings_jsonl(db, "--kind", "dead_link")}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from crawler.demo.server import PortalServer

    portal = PortalServer(routes=_routes()).start()
    db = tmp_path_factory.mktemp("peer") / "duwang.db"
    proc = run_cli("crawl", portal.url, "--db", str(db), *FAST)
    yield {"proc": proc, "db": db, "portal": portal, "base": portal.url.rstrip("/")}
    portal.stop()


def test_bad_hrefs_cost_the_page_nothing_and_the_run_is_complete(crawled):
    proc, db, base = crawled["proc"], crawled["db"], crawled["base"]
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Spider error" not in proc.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT status, reason FROM runs").fetchall() == [("complete", "finished")]
    dead = _dead(db)
    for href in BAD_HREFS:
        assert dead[href]["category"] == "invalid_url", href
        assert dead[href]["pages"] == [base + "/a.html"]
    # the page was read whole: its dead link and its typo were found too
    assert dead[base + "/gone.html"]["category"] == "http_4xx"
    assert [f["text"] for f in findings_jsonl(db, "--kind", "wording")] == ["再接再励"]


def test_a_redirect_off_http_is_dead(crawled):
    dead, base = _dead(crawled["db"]), crawled["base"]
    assert dead[base + "/to-ftp"]["category"] == "invalid_url"
    assert "ftp://ftp.x.gov.cn/pub/" in dead[base + "/to-ftp"]["error"]
    assert dead[base + "/to-file"]["category"] == "invalid_url"
    assert base + "/to-http" not in dead and base + "/300-ftp" not in dead


def test_srcset_urls_with_commas_are_checked_whole_and_data_uris_never(crawled):
    requested = [p for _, p in crawled["portal"].log]
    assert "/cdn-cgi/image/format=webp,width=640/tu/a.jpg" in requested
    assert "/cdn-cgi/image/format=webp,width=1280/tu/a.jpg" in requested
    assert all(len(p) < 300 for p in requested), "a data: URI was requested"
    assert not [t for t in _dead(crawled["db"]) if "cdn-cgi" in t or "iVBOR" in t]


def test_css_references_are_checked_with_the_stylesheet_as_their_page(crawled):
    db, base, hits = crawled["db"], crawled["base"], crawled["portal"].hits
    dead = _dead(db)
    expected = {
        "/img/missing-banner.png": (base + "/css/site.css", "css", "url()"),
        "/fonts/missing.woff2": (base + "/css/site.css", "css", "url()"),
        "/img/deep-missing.png": (base + "/css/more.css", "css", "url()"),  # imported, read as CSS
        "/img/missing-inline.png": (base + "/style.html", "div", "style"),
        "/img/missing-style.png": (base + "/style.html", "style", "url()"),
    }
    for path, (source, element, attr) in expected.items():
        occurrence = dead[base + path]["occurrences"][0]
        assert (occurrence["page"], occurrence["element"], occurrence["attr"]) == (source, element, attr)
    assert {t for t in dead if t.startswith(base + "/img/") or "/fonts/" in t} == {base + p for p in expected}
    # each stylesheet is fetched once, in full; comments and data: URIs are not links
    assert hits[("GET", "/css/site.css")] == 1 and hits[("GET", "/css/more.css")] == 1
    assert not [p for _, p in crawled["portal"].log if "commented-out" in p]
    con = sqlite3.connect(db)
    row = con.execute("SELECT content_type, title FROM pages WHERE url LIKE '%/css/site.css'").fetchone()
    assert row == ("text/css; charset=utf-8", "")
    stats = json.loads(con.execute("SELECT stats FROM runs").fetchone()[0])
    assert stats["duwang/stylesheets"] == 2


def test_fixed_css_and_removed_bad_hrefs_are_rectified_on_evidence(serve, db_path):
    portal = serve(_routes())
    base = portal.url.rstrip("/")
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    # The same site again: the unchanged stylesheets are not read again, and nothing changes.
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    assert portal.hits[("GET", "/css/site.css")] == 2
    assert {f["status"] for f in findings_jsonl(db_path)} == {"open"}
    # The web office fixes the stylesheet and the page.
    portal.add_route("/css/site.css", Reply(body="body { background: url(/img/bg.png) }",
                                            content_type="text/css"))
    portal.add_route("/a.html", _routes(bad=False)["/a.html"])
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    status = {f["target"]: f["status"] for f in findings_jsonl(db_path, "--kind", "dead_link")}
    for fixed in ["/img/missing-banner.png", "/fonts/missing.woff2"]:
        assert status[base + fixed] == "rectified", fixed
    for href in BAD_HREFS:
        assert status[href] == "rectified", href
    # more.css is no longer imported, but holds an open finding: it is read again, still there
    assert status[base + "/img/deep-missing.png"] == "open"


def test_a_stylesheet_given_as_the_start_url_is_read(serve, db_path):
    portal = serve({"/css/site.css": Reply(body=SITE_CSS, content_type="text/css"),
                    "/css/more.css": Reply(body=MORE_CSS, content_type="text/css"),
                    "/img/bg.png": PNG})
    run_cli("crawl", portal.url + "css/site.css", "--db", str(db_path), *FAST, check_exit=1)
    base = portal.url.rstrip("/")
    assert set(_dead(db_path)) == {base + p for p in (
        "/img/missing-banner.png", "/fonts/missing.woff2", "/img/deep-missing.png")}


# --- recheck -------------------------------------------------------------------------------


def test_recheck_reads_a_stylesheets_references(serve):
    from crawler.recheck import GONE, STILL_THERE, _page_links

    portal = serve({"/css/site.css": Reply(body=SITE_CSS, content_type="text/css")})
    css, target = portal.url + "css/site.css", portal.url + "img/missing-banner.png"
    assert _page_links(css, target, 3).result == STILL_THERE
    portal.add_route("/css/site.css", Reply(body="body { color: red }", content_type="text/css"))
    assert _page_links(css, target, 3).result == GONE


def test_recheck_never_opens_a_file_or_ftp_url(serve, tmp_path):
    from crawler.recheck import check_target, fetch

    secret = tmp_path / "secret.txt"
    secret.write_text("机密")
    got = fetch(secret.as_uri())
    assert got.status is None and got.body == b"" and "http(s)" in got.error
    portal = serve({"/to-file": redirect(secret.as_uri()), "/to-ftp": redirect("ftp://127.0.0.1:9/a.zip")})
    for path in ("to-file", "to-ftp"):
        alive, detail = check_target(portal.url + path, True, 3)
        assert not alive, detail
