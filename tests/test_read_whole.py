"""Pages are read whole: a bad byte, deep nesting, text after </html> or a malformed href
never costs the rest of the page, and a parse that still ends early says so."""

from __future__ import annotations

import pytest

from crawler.encoding import better_encoding, decode_html
from crawler.links import Link, ParsedPage, extract_links, parse_html, parse_page
from crawler.textcheck.extract import FIELD_BODY, extract_visible, parse

PAGE = "http://www.x.gov.cn/zwgk/index.html"
D = "http://www.x.gov.cn/zwgk/"
TITLE = "关于做好2024年春耕生产工作的通知"
TEXT = "各乡镇人民政府，县直有关单位：现将有关事项通知如下，请结合实际认真贯彻执行。"
TAIL = '<p>附件下载</p><a href="after1.html">附件一</a><a href="after2.html">附件二</a>'
AFTER = [D + "after1.html", D + "after2.html"]
TRUNCATED = "政".encode()[:2]  # a UTF-8 character cut short


def head(meta: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{meta}<title>{TITLE}</title></head><body><p>{TEXT}</p>"


def urls(page: ParsedPage | object) -> list[str]:
    root = page.root if isinstance(page, ParsedPage) else page
    return [ln.url for ln in extract_links(root, PAGE)[0]]


def body_text(root) -> str:
    return " ".join(root.find("body").text_content().split())


# --- a bad byte ------------------------------------------------------------------------


def gbk_with_bad_byte() -> bytes:
    start = head('<meta charset="gbk">').encode("gbk")
    return start + b"\x81\x20" + (f"<p>{TEXT}</p>" + TAIL + "</body></html>").encode("gbk")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_links_after_a_bad_gbk_byte_are_extracted(encoding):
    page = parse_page(gbk_with_bad_byte(), encoding)
    assert urls(page) == AFTER
    assert body_text(page.root).count(TEXT) == 2
    assert page.partial is None


@pytest.mark.parametrize("declared", ["gbk", "GB2312", None])
def test_a_declared_codec_is_kept_for_one_bad_byte(declared):
    body = gbk_with_bad_byte()
    chosen = better_encoding(body, declared)
    assert chosen is None  # the header (or, with none, the meta) stays
    text = decode_html(body, declared or "gbk")
    assert text.count(TEXT) == 2 and "\ufffd" in text


def utf8_with_truncated_char(meta: str = "") -> bytes:
    return head(meta).encode() + TRUNCATED + (f"<p>{TEXT}</p>{TAIL}</body></html>").encode()


def test_an_undeclared_utf8_page_with_a_truncated_character_stays_utf8():
    body = utf8_with_truncated_char()
    assert better_encoding(body, None) == "utf-8"
    text = decode_html(body, "utf-8")
    assert TITLE in text and text.count(TEXT) == 2
    page = parse_page(body, "utf-8")
    assert urls(page) == AFTER
    assert body_text(page.root).count(TEXT) == 2
    assert page.partial is None


def test_a_utf8_header_is_kept_for_a_truncated_character():
    assert better_encoding(utf8_with_truncated_char('<meta charset="gbk">'), "utf-8") is None


def test_a_lying_gbk_header_still_loses_to_utf8_with_a_truncated_character():
    assert better_encoding(utf8_with_truncated_char(), "gbk") == "utf-8"


def test_a_lying_header_that_nearly_fits_loses_to_a_meta_that_fits_better():
    """Big5 reads a short GBK page with only a few bad bytes; its own <meta> reads it with none."""
    body = (head('<meta charset="gbk">') + "</body></html>").encode("gbk")
    assert better_encoding(body, "big5") == "gb18030"
    assert TEXT in decode_html(body, "gb18030")


@pytest.mark.parametrize("text", ["首页", "返回首页", "政", "网站地图"])
def test_a_short_undeclared_gbk_page_is_still_gbk(text):
    """A handful of bad bytes is tolerated only beside enough good text to tell."""
    body = f"<html><body><p>{text}</p></body></html>".encode("gbk")
    assert better_encoding(body, None) == "gb18030"


def test_a_page_that_mostly_does_not_decode_is_partial():
    body = head().encode() + bytes(range(0x80, 0x100)) * 40 + TAIL.encode()
    page = parse_page(body, "utf-8")
    assert urls(page) == AFTER  # still read to the end
    assert page.partial and page.partial.startswith("undecodable bytes")


# --- deep nesting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "nest",
    [
        pytest.param("<div>" * 255 + "深" + "</div>" * 255, id="255-deep"),
        pytest.param("<div>" * 300 + "深" + "</div>" * 300, id="300-deep"),
        pytest.param("<font>" * 300 + "深", id="300-unclosed-font"),
        pytest.param("<table><tr><td>" * 400 + "深", id="400-unclosed-tables"),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_links_after_deep_nesting_are_extracted(nest, encoding):
    html = head() + nest + TAIL + "</body></html>"
    page = parse_page(html.encode(encoding), encoding)
    assert urls(page) == AFTER
    assert page.partial is None
    body = dict(extract_visible(html))[FIELD_BODY]
    assert "深" in body and "附件下载" in body and body.endswith("附件二")


def test_nesting_past_libxml2s_hard_limit_is_partial():
    html = head() + "<div>" * 3000 + "深" + "</div>" * 3000 + TAIL + "</body></html>"
    for encoding in ("utf-8", "gb18030"):
        page = parse_page(html.encode(encoding), encoding)
        assert page.partial and "Excessive depth" in page.partial
        assert urls(page) == []  # what the signal is for: the links after it are lost


# --- what follows </html> --------------------------------------------------------------


@pytest.mark.parametrize(
    "trailer",
    [
        pytest.param(TAIL, id="links"),
        pytest.param(f"<html><head><title>二</title></head><body>{TAIL}</body></html>", id="second-page"),
        pytest.param(f"<!-- 统计 -->{TAIL}", id="after-a-comment"),
    ],
)
def test_content_after_the_end_of_html_is_read(trailer):
    html = head() + "</body></html>\n" + trailer
    page = parse_page(html.encode(), "utf-8")
    assert urls(page) == AFTER
    assert page.partial is None
    assert "附件下载" in dict(extract_visible(html))[FIELD_BODY]


def test_an_xhtml_page_with_an_xml_declaration_has_text():
    html = '<?xml version="1.0" encoding="utf-8"?>\n' + head() + TAIL + "</body></html>"
    assert TEXT in dict(extract_visible(html))[FIELD_BODY]
    assert urls(parse(html)) == AFTER
    assert urls(parse_page(html.encode(), "utf-8")) == AFTER


# --- partial is None on ordinary pages -------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(head() + TAIL + "</body></html>", id="ordinary"),
        pytest.param(
            "<html><head><title>通知</title><body><p>一<p>二<ul><li>甲<li>乙</ul><table><tr><td>1<td>2"
            "<tr><td>3</table><b><i>粗斜</b></i><div><span>x</div>" + TAIL,
            id="unclosed-and-misnested-tags",
        ),
        pytest.param(
            head() + '<script>document.write("<a href=\\"x.html\\">x</a>"); if (a<b) {}</script>'
            '<!-- <a href="old.html">旧</a> --><style>a{}</style>' + TAIL,
            id="a-in-script-and-comment",
        ),
        pytest.param(head() + "</span></font></div>" * 200 + TAIL, id="hundreds-of-stray-end-tags"),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_partial_is_none_on_ordinary_pages(html, encoding):
    page = parse_page(html.encode(encoding), encoding)
    assert page.partial is None
    assert urls(page)[-2:] == AFTER


def test_parse_html_is_parse_page_root():
    body = gbk_with_bad_byte()
    assert urls(parse_html(body, "gb18030")) == AFTER


# --- malformed hrefs -------------------------------------------------------------------

MALFORMED = [
    ("http://localhost]", "链接地址无法解析"),
    ("http://[::1", "链接地址无法解析"),
    ("http://a.gov.cn:99999/", "链接地址无法解析"),
    ("http://a.gov.cn:80a/b.html", "链接地址无法解析"),
    ("/zwgk/a\x01b.html", "链接地址含控制字符"),
]


@pytest.mark.parametrize("href, problem", MALFORMED)
def test_a_malformed_href_is_returned_and_the_page_is_not_lost(href, problem):
    html = (
        f'{head()}<a href="before.html">前</a><a href=" {href} ">坏链接</a>'
        f'<img src="{href}" alt="图">{TAIL}</body></html>'
    )
    links, skipped, invalid = extract_links(parse_page(html.encode(), "utf-8").root, PAGE)
    assert [ln.url for ln in links] == [D + "before.html", *AFTER]
    assert invalid == [Link(href, "a", "href", "坏链接", problem)]  # stripped, once per page
    assert skipped == 0


def test_a_malformed_base_href_is_returned_and_the_page_url_is_the_base():
    html = '<html><head><base href="http://[x.gov.cn/"></head><body><a href="a.html">a</a></body></html>'
    links, _, invalid = extract_links(parse(html), PAGE)
    assert [ln.url for ln in links] == [D + "a.html"]
    assert invalid == [Link("http://[x.gov.cn/", "base", "href", "", "链接地址无法解析")]


def test_malformed_srcset_candidate_and_refresh_are_returned():
    html = (
        '<html><head><meta http-equiv="refresh" content="0;url=http://[bad"></head><body>'
        '<img srcset="ok.png 1x, http://x.gov.cn:70000/b.png 2x"></body></html>'
    )
    links, _, invalid = extract_links(parse(html), PAGE)
    assert [ln.url for ln in links] == [D + "ok.png"]
    assert [(ln.url, ln.element, ln.attr) for ln in invalid] == [
        ("http://[bad", "meta", "content"),
        ("http://x.gov.cn:70000/b.png", "img", "srcset"),
    ]
