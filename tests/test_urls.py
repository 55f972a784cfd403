"""URL rules: start-URL validation, session stripping, target identity, scope, traps."""

from __future__ import annotations

import re

import pytest

from crawler.urls import (
    BadURL,
    TrapGuard,
    looks_like_page,
    netloc_key,
    strip_session,
    url_key,
    validate_start_url,
)

# --- validate_start_url -------------------------------------------------------------


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ht!tp://x", "not an http(s) URL"),
        ("http://", "no host"),
        ("mailto:a@b", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("ftp://ftp.example.gov.cn/", "not an http(s) URL"),
        ("//www.example.gov.cn/", "not an http(s) URL"),
        ("http://exa mple.com", "invalid host"),
        ("http://host:99999/", "invalid port"),
        ("http://host:port/", "invalid port"),
        ("", "not an http(s) URL"),
    ],
)
def test_malformed_start_urls_are_rejected_with_a_reason(url, reason):
    with pytest.raises(BadURL, match=re.escape(reason)):
        validate_start_url(url)


def test_unbalanced_ipv6_bracket_is_a_bad_url():
    with pytest.raises(BadURL):
        validate_start_url("http://[::1/")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("www.example.gov.cn", "http://www.example.gov.cn"),
        ("www.example.gov.cn/", "http://www.example.gov.cn/"),
        ("www.example.gov.cn:8080/xxgk/", "http://www.example.gov.cn:8080/xxgk/"),
        ("  https://www.example.gov.cn/  ", "https://www.example.gov.cn/"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
        # Chinese paths are percent-encoded as UTF-8.
        ("http://www.example.gov.cn/新闻/", "http://www.example.gov.cn/%E6%96%B0%E9%97%BB/"),
    ],
)
def test_valid_start_urls_are_normalised(url, expected):
    assert validate_start_url(url) == expected


# --- strip_session ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://x.gov.cn/a.jsp;jsessionid=ABC123", "http://x.gov.cn/a.jsp"),
        ("http://x.gov.cn/a.jsp;JSESSIONID=ABC123?id=3", "http://x.gov.cn/a.jsp?id=3"),
        ("http://x.gov.cn/d/;jsessionid=1F2E/list.jsp", "http://x.gov.cn/d//list.jsp"),
        ("http://x.gov.cn/a.php?PHPSESSID=deadbeef&id=7", "http://x.gov.cn/a.php?id=7"),
        ("http://x.gov.cn/a.php?id=7&sid=99", "http://x.gov.cn/a.php?id=7"),
        ("http://x.gov.cn/a?sid=99", "http://x.gov.cn/a"),
        ("http://x.gov.cn/a?SessionID=1&b=2#part", "http://x.gov.cn/a?b=2#part"),
        # Lookalike names are not session ids.
        ("http://x.gov.cn/a?sidebar=1", "http://x.gov.cn/a?sidebar=1"),
        ("http://x.gov.cn/a?side=1&sids=2", "http://x.gov.cn/a?side=1&sids=2"),
        ("http://x.gov.cn/a.jsp;version=2", "http://x.gov.cn/a.jsp;version=2"),
        # Nothing to strip: returned unchanged (query order kept).
        ("http://x.gov.cn/a?b=2&a=1", "http://x.gov.cn/a?b=2&a=1"),
    ],
)
def test_strip_session(url, expected):
    assert strip_session(url) == expected


def test_strip_session_keeps_gbk_escaped_values_apart():
    bei, shang = "http://x.gov.cn/s.jsp?sid=1&q=%B1%B1", "http://x.gov.cn/s.jsp?sid=1&q=%C9%CF"
    assert strip_session(bei) == "http://x.gov.cn/s.jsp?q=%B1%B1"
    assert url_key(bei) != url_key(shang)


# --- url_key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        # raw vs percent-encoded Chinese path
        ("http://x.gov.cn/新闻/通知.html", "http://x.gov.cn/%E6%96%B0%E9%97%BB/%E9%80%9A%E7%9F%A5.html"),
        # Chinese in the query too
        ("http://x.gov.cn/s?q=春耕", "http://x.gov.cn/s?q=%E6%98%A5%E8%80%95"),
        # fragment dropped
        ("http://x.gov.cn/a.html#top", "http://x.gov.cn/a.html"),
        ("http://x.gov.cn/a.html#", "http://x.gov.cn/a.html"),
        # session ids dropped, path and query
        ("http://x.gov.cn/a.jsp;jsessionid=XYZ?id=1", "http://x.gov.cn/a.jsp?id=1"),
        ("http://x.gov.cn/a.php?id=1&PHPSESSID=abc", "http://x.gov.cn/a.php?id=1"),
        # query order does not matter
        ("http://x.gov.cn/a?b=2&a=1", "http://x.gov.cn/a?a=1&b=2"),
        # host case does not matter
        ("http://WWW.X.GOV.CN/a", "http://www.x.gov.cn/a"),
    ],
)
def test_url_key_same_target(a, b):
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("http://x.gov.cn/a", "https://x.gov.cn/a"),
        ("http://x.gov.cn/a", "http://x.gov.cn:8080/a"),
        ("http://x.gov.cn/a?id=1", "http://x.gov.cn/a?id=2"),
        ("http://x.gov.cn/A.html", "http://x.gov.cn/a.html"),
        ("http://x.gov.cn/新闻/", "http://x.gov.cn/通知/"),
    ],
)
def test_url_key_different_targets(a, b):
    assert url_key(a) != url_key(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("http://x.gov.cn:80/a.html", "http://x.gov.cn/a.html"),
        ("https://x.gov.cn:443/a.html", "https://x.gov.cn/a.html"),
    ],
)
def test_url_key_drops_default_port(a, b):
    assert url_key(a) == url_key(b)


def test_url_key_has_no_fragment_and_is_ascii():
    key = url_key("http://x.gov.cn/新闻/通知.html#第二段")
    assert "#" not in key
    assert key.isascii()


# --- netloc_key ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://www.x.gov.cn/a", "www.x.gov.cn"),
        ("http://WWW.X.Gov.CN/a", "www.x.gov.cn"),
        ("http://www.x.gov.cn:80/a", "www.x.gov.cn"),
        ("https://www.x.gov.cn:443/a", "www.x.gov.cn"),
        ("http://www.x.gov.cn:8080/a", "www.x.gov.cn:8080"),
        # 443 is only default for https, 80 only for http
        ("http://www.x.gov.cn:443/a", "www.x.gov.cn:443"),
        ("https://www.x.gov.cn:80/a", "www.x.gov.cn:80"),
        ("http://user:pw@www.x.gov.cn/a", "www.x.gov.cn"),
        ("http://127.0.0.1:5000/", "127.0.0.1:5000"),
    ],
)
def test_netloc_key(url, expected):
    assert netloc_key(url) == expected


# --- looks_like_page ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://x/", True),
        ("http://x/xxgk", True),
        ("http://x/xxgk/", True),
        ("http://x/a.html", True),
        ("http://x/a.HTM", True),
        ("http://x/a.shtml", True),
        ("http://x/a.jsp?id=1", True),
        ("http://x/a.aspx", True),
        ("http://x/a.php", True),
        ("http://x/a.do?method=list", True),
        ("http://x/v1.2/", True),
        ("http://x/a.pdf", False),
        ("http://x/a.PDF", False),
        ("http://x/a.doc", False),
        ("http://x/a.docx", False),
        ("http://x/a.xls", False),
        ("http://x/a.jpg", False),
        ("http://x/a.tar.gz", False),
        ("http://x/files/政府信息公开申请表.docx", False),
    ],
)
def test_looks_like_page(url, expected):
    assert looks_like_page(url) is expected


# --- TrapGuard ----------------------------------------------------------------------


def test_trap_url_length():
    guard = TrapGuard(max_url_length=40)
    assert guard.reason("http://x.gov.cn/" + "a" * 24) is None  # exactly 40
    assert guard.reason("http://x.gov.cn/" + "a" * 25) == "url_length"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/a/b/c/", None),
        ("/a/b/a/", None),  # twice is fine
        ("/a/b/a/b/a/", "repeated_segment"),  # third time trips
        ("/x/x/x", "repeated_segment"),
        ("/images/images/", None),
        ("/新闻/新闻/新闻/", "repeated_segment"),
    ],
)
def test_trap_repeated_segment(path, expected):
    assert TrapGuard(max_repeated_segment=3).reason("http://x.gov.cn" + path) == expected


def test_trap_query_variants_capped_per_path():
    guard = TrapGuard(max_query_variants=3)
    results = [guard.reason(f"http://x.gov.cn/list.jsp?page={i}") for i in range(5)]
    assert results == [None, None, None, "query_variants", "query_variants"]
    # another path, and another host, have their own allowance
    assert guard.reason("http://x.gov.cn/search.jsp?q=1") is None
    assert guard.reason("http://y.gov.cn/list.jsp?page=1") is None
    # the same path without a query is never counted
    assert guard.reason("http://x.gov.cn/list.jsp") is None


def test_trap_defaults_allow_ordinary_urls():
    guard = TrapGuard()
    assert guard.reason("http://www.x.gov.cn/xxgk/zcwj/2024/qzf-1.html") is None
    assert guard.reason("http://www.x.gov.cn/list.jsp?page=2") is None
