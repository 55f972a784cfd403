"""What a check means: status and exception rules, soft-404 patterns, Retry-After."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as txerror

from crawler.failures import HEAD_RETRY_CATEGORIES, classify_exception
from crawler.outcomes import (
    CATEGORY_LABELS,
    DEAD,
    OK,
    UNVERIFIED,
    Soft404,
    Verdict,
    classify_status,
    looks_like_waf,
    parse_retry_after,
)

# --- classify_status ----------------------------------------------------------------


@pytest.mark.parametrize(
    "status, headers, body, internal, outcome, category",
    [
        (200, {}, "", True, OK, None),
        (204, {}, "", True, OK, None),
        (301, {}, "", True, OK, None),
        (302, {}, "", False, OK, None),
        (304, {}, "", True, OK, None),
        (400, {}, "", True, DEAD, "http_4xx"),
        (401, {}, "", True, DEAD, "http_4xx"),
        (404, {}, "", True, DEAD, "http_4xx"),
        (404, {}, "", False, DEAD, "http_4xx"),
        (410, {}, "", True, DEAD, "http_4xx"),
        (500, {}, "", True, DEAD, "http_5xx"),
        (502, {}, "", False, DEAD, "http_5xx"),
        (503, {}, "", True, DEAD, "http_5xx"),
        # 503 with Retry-After: down for maintenance, come back later.
        (503, {"Retry-After": "3600"}, "", True, UNVERIFIED, "rate_limited"),
        (429, {}, "", True, UNVERIFIED, "rate_limited"),
        (429, {}, "", False, UNVERIFIED, "rate_limited"),
        # 403 on our own site, nothing suggesting a firewall: the page refuses everyone.
        (403, {}, "", True, DEAD, "http_4xx"),
        (403, {"Server": "nginx"}, "<h1>403 Forbidden</h1>", True, DEAD, "http_4xx"),
        # 403 with WAF markers: header, Server, body.
        (403, {"X-Waf": "1"}, "", True, UNVERIFIED, "blocked"),
        (403, {"cf-ray": "8a1b2c3d4e5f-HKG"}, "", True, UNVERIFIED, "blocked"),
        (403, {"Server": "Safedog/4.0"}, "", True, UNVERIFIED, "blocked"),
        (403, {"server": "yunsuo_session"}, "", True, UNVERIFIED, "blocked"),
        (403, {}, "<title>访问被拦截</title><p>网站防火墙</p>", True, UNVERIFIED, "blocked"),
        (403, {}, "<p>请输入验证码后继续访问</p>", True, UNVERIFIED, "blocked"),
        # 403 elsewhere: cannot tell a bot wall from a real refusal.
        (403, {}, "", False, UNVERIFIED, "blocked"),
    ],
)
def test_classify_status(status, headers, body, internal, outcome, category):
    verdict = classify_status(status, headers, body, internal=internal)
    assert (verdict.outcome, verdict.category) == (outcome, category)
    if outcome != OK:
        assert verdict.detail == f"HTTP {status}"


def test_every_category_code_has_a_chinese_label():
    codes = {"http_4xx", "http_5xx", "rate_limited", "blocked", "dns", "refused", "timeout", "tls",
             "reset", "error", "redirect_loop", "too_many_redirects", "too_large", "soft_404"}
    assert codes <= CATEGORY_LABELS.keys()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in CATEGORY_LABELS.values())


@pytest.mark.parametrize(
    "headers, body, expected",
    [
        ({}, "", False),
        ({"Content-Type": "text/html"}, "<h1>Forbidden</h1>", False),
        ({"X-Safe-Firewall": "on"}, "", False),  # only the exact header names count
        ({"X-SAFE": "on"}, "", True),
        ({"Server": "Jiasule-WAF"}, "", True),
        ({}, "Access denied by security policy", True),
    ],
)
def test_looks_like_waf(headers, body, expected):
    assert looks_like_waf(headers, body) is expected


# --- Soft404 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, heading",
    [
        ("页面不存在", ""),
        ("抱歉，您访问的页面不存在", ""),
        ("", "您访问的页面不存在或已被删除"),
        ("XX县人民政府", "您访问的页面不存在或已被删除"),
        ("404 Not Found", ""),
        ("404", ""),
        ("  404 - 页面未找到", ""),
        ("404错误页面", ""),
        ("Error: 404 not found", ""),
        ("页面已被删除", ""),
        ("找不到该页面", ""),
        ("文章不存在", ""),
        ("Page Not Found", ""),
    ],
)
def test_soft404_positives(title, heading):
    assert Soft404().match(title, heading)


@pytest.mark.parametrize(
    "title, heading",
    [
        ("关于2024年第404号文件的解读", ""),
        ("XX市人民政府关于印发《404号令》实施细则的通知", ""),
        ("关于2024年春耕生产工作的通知", "关于2024年春耕生产工作的通知"),
        ("XX县人民政府门户网站", ""),
        ("政务公开", "信息公开指南"),
        ("G404国道改扩建工程环评公示", ""),
        ("", ""),
    ],
)
def test_soft404_negatives(title, heading):
    assert Soft404().match(title, heading) is None


@pytest.mark.parametrize(
    "title",
    [
        "政府信息不存在告知书",
        "XX县人民政府办公室政府信息不存在告知书（2024年第12号）",
    ],
)
def test_soft404_does_not_flag_information_disclosure_replies(title):
    assert Soft404().match(title, title) is None


def test_soft404_match_returns_the_matched_text():
    assert Soft404().match("市政府网站 - 页面未找到") == "页面未找到"
    assert Soft404().match("首页", "对不起，您访问的页面不存在或已被删除") == "您访问的页面不存在"


def test_soft404_custom_patterns_replace_the_defaults():
    soft = Soft404([r"栏目已撤销"])
    assert soft.match("该栏目已撤销") == "栏目已撤销"
    assert soft.match("页面不存在") is None


# --- parse_retry_after --------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_the_future():
    value = formatdate(time.time() + 100, usegmt=True)
    assert 95 <= parse_retry_after(value) <= 100


# --- classify_exception -------------------------------------------------------------


@pytest.mark.parametrize(
    "exc, outcome, category",
    [
        (CannotResolveHostError("nxdomain-x.invalid"), DEAD, "dns"),
        (txerror.DNSLookupError("nxdomain-x.invalid"), DEAD, "dns"),
        (DownloadConnectionRefusedError("Connection was refused by other side"), DEAD, "refused"),
        (txerror.ConnectionRefusedError(), DEAD, "refused"),
        (DownloadTimeoutError("Getting http://x/ took longer than 2.0 seconds."), DEAD, "timeout"),
        (txerror.TimeoutError(), DEAD, "timeout"),
        (txerror.TCPTimedOutError(), DEAD, "timeout"),
        (DownloadFailedError("Connection lost"), DEAD, "reset"),
        (ResponseDataLossError("data loss"), DEAD, "reset"),
        (txerror.ConnectionLost(), DEAD, "reset"),
        (Exception("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), DEAD, "tls"),
        (DownloadFailedError("SSL routines: wrong version number"), DEAD, "tls"),
        (Exception("TLS handshake failure"), DEAD, "tls"),
        (
            DownloadCancelledError("Cancelling download: expected response size (9999) larger "
                                   "than download max size (100)."),
            UNVERIFIED, "too_large",
        ),
        (DownloadCancelledError("cancelled"), DEAD, "error"),
        (ValueError("something else"), DEAD, "error"),
    ],
)
def test_classify_exception(exc, outcome, category):
    verdict = classify_exception(exc)
    assert (verdict.outcome, verdict.category) == (outcome, category)
    assert verdict.detail.startswith(type(exc).__name__ + ": ")
    assert len(verdict.detail) <= 500


@pytest.mark.parametrize(
    "redirect_urls, category",
    [
        (["http://x/a", "http://x/b", "http://x/a"], "redirect_loop"),
        (["http://x/a", "http://x/a"], "redirect_loop"),
        (["http://x/1", "http://x/2", "http://x/3", "http://x/4"], "too_many_redirects"),
        ([], "too_many_redirects"),
        (None, "too_many_redirects"),
    ],
)
def test_max_redirections(redirect_urls, category):
    verdict = classify_exception(IgnoreRequest("max redirections reached"), redirect_urls)
    assert verdict == Verdict(DEAD, category, "IgnoreRequest: max redirections reached")


def test_exception_without_message_names_its_type():
    assert classify_exception(RuntimeError()).detail == "RuntimeError: RuntimeError"


def test_long_messages_are_cut():
    assert len(classify_exception(ValueError("x" * 2000)).detail) == 500


def test_head_fallback_categories_exclude_answers():
    # A DNS failure or a refusal is an answer; GET would get the same.
    assert {"dns", "refused", "http_4xx"}.isdisjoint(HEAD_RETRY_CATEGORIES)
    assert {"reset", "timeout"} <= HEAD_RETRY_CATEGORIES
