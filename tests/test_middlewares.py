"""Downloader middlewares built from a crawler: encoding repair with real GBK bytes, backoff retry."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from crawler.middlewares import BackoffRetryMiddleware, EncodingRepairMiddleware

TITLE = "关于做好2024年春耕生产工作的通知"
BODY_TEXT = "各乡镇人民政府，县直有关单位：现将有关事项通知如下。"
URL = "http://www.x.gov.cn/tzgg/a.html"


def page(meta: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{TITLE}</title></head>"
        f"<body><h1>{TITLE}</h1><p>{BODY_TEXT}</p></body></html>"
    )


META_GB2312 = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
META_GBK = '<meta charset="gbk">'
META_UTF8 = '<meta charset="utf-8">'


def repaired(body: bytes, headers: dict[str, str]) -> Response:
    response = HtmlResponse(URL, body=body, headers=headers)
    return EncodingRepairMiddleware().process_response(Request(URL, meta={"duwang_kind": "page"}), response)


@pytest.mark.parametrize(
    "body, headers",
    [
        pytest.param(page().encode("gbk"), {"Content-Type": "text/html; charset=gbk"}, id="header-gbk"),
        pytest.param(page().encode("gbk"), {"Content-Type": "text/html; charset=GB2312"}, id="header-gb2312"),
        pytest.param(page(META_GB2312).encode("gbk"), {"Content-Type": "text/html; charset=utf-8"},
                     id="header-utf8-lies-meta-gb2312"),
        pytest.param(page(META_GBK).encode("gbk"), {"Content-Type": "text/html"},
                     id="no-header-charset-meta-gbk"),
        pytest.param(page().encode("gbk"), {"Content-Type": "text/html"}, id="nothing-declared-gbk"),
        pytest.param(page().encode("gbk"), {}, id="no-content-type-gbk"),
        pytest.param(page(META_UTF8).encode("gbk"), {"Content-Type": "text/html"}, id="meta-utf8-lies"),
        pytest.param(page().encode("utf-8"), {"Content-Type": "text/html"}, id="utf8-undeclared"),
        pytest.param(page().encode("utf-8"), {"Content-Type": "text/html; charset=gbk"},
                     id="header-gbk-lies-utf8"),
        pytest.param(page().encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"},
                     id="utf8-declared"),
        pytest.param(b"\xef\xbb\xbf" + page(META_GBK).encode("utf-8"),
                     {"Content-Type": "text/html; charset=gbk"}, id="utf8-bom-beats-header-and-meta"),
        pytest.param(page().encode("gb18030"), {"Content-Type": "text/html; charset=gb18030"}, id="gb18030"),
    ],
)
def test_encoding_repair_decodes_chinese(body, headers):
    out = repaired(body, headers)
    assert isinstance(out, HtmlResponse)
    assert TITLE in out.text
    assert BODY_TEXT in out.text
    assert out.body == body  # the bytes are never touched


def test_header_utf8_lie_is_mojibake_without_the_middleware():
    """The case the middleware exists for: Scrapy alone trusts the lying header."""
    body = page(META_GB2312).encode("gbk")
    plain = HtmlResponse(URL, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    assert TITLE not in plain.text
    assert TITLE in repaired(body, {"Content-Type": "text/html; charset=utf-8"}).text


def test_correct_declarations_are_left_alone():
    headers = {"Content-Type": "text/html; charset=utf-8"}
    response = HtmlResponse(URL, body=page().encode("utf-8"), headers=headers)
    assert EncodingRepairMiddleware().process_response(Request(URL), response) is response


@pytest.mark.parametrize("charset", ["ISO-8859-1", "windows-1252"])
def test_single_byte_header_lie_loses_to_meta(charset):
    out = repaired(page(META_GBK).encode("gbk"), {"Content-Type": f"text/html; charset={charset}"})
    assert TITLE in out.text


def test_non_html_and_empty_responses_pass_through():
    mw = EncodingRepairMiddleware()
    text = TextResponse("http://x/a.txt", body=TITLE.encode("gbk"), headers={"Content-Type": "text/plain"})
    assert mw.process_response(Request("http://x/a.txt"), text) is text
    binary = Response("http://x/a.pdf", body=b"%PDF-1.4")
    assert mw.process_response(Request("http://x/a.pdf"), binary) is binary
    empty = HtmlResponse(URL, body=b"")
    assert mw.process_response(Request(URL), empty) is empty


# --- BackoffRetryMiddleware -----------------------------------------------------------


class _Spider(Spider):
    name = "x"


def make_retry(**settings) -> BackoffRetryMiddleware:
    crawler = get_crawler(_Spider, settings_dict={
        "RETRY_TIMES": 2,
        "RETRY_HTTP_CODES": [502, 503, 504, 408, 429],
        "DUWANG_BACKOFF_BASE": 0,
        "DUWANG_RETRY_AFTER_MAX": 60,
        **settings,
    })
    crawler.spider = crawler._create_spider()
    return BackoffRetryMiddleware.from_crawler(crawler)


@pytest.fixture
def sleeps(monkeypatch):
    """Record the backoff waits instead of sleeping."""
    waited: list[float] = []

    async def fake_sleep(seconds, *args, **kwargs):
        waited.append(seconds)

    monkeypatch.setattr("crawler.middlewares.asyncio.sleep", fake_sleep)
    return waited


async def _drive(method, *args):
    # A downloader middleware may answer directly, with a coroutine or with a Deferred.
    result = method(*args)
    if isinstance(result, Deferred):
        return await result.asFuture(asyncio.get_running_loop())
    if inspect.isawaitable(result):
        return await result
    return result


def call(method, *args):
    """Run a middleware method inside an asyncio loop, as Scrapy's asyncio reactor would."""
    return asyncio.run(_drive(method, *args))


def respond(mw, request, status=503, headers=None):
    return call(mw.process_response, request, Response(request.url, status=status, headers=headers or {}))


def test_503_gives_a_retry_request():
    mw = make_retry()
    request = Request("http://x/a")
    out = respond(mw, request)
    assert isinstance(out, Request)
    assert out.url == request.url
    assert out.meta["retry_times"] == 1
    assert out.dont_filter
    assert mw.crawler.stats.get_value("duwang/retry/http") == 1


@pytest.mark.parametrize("status", [200, 301, 404, 403, 410, 500])
def test_non_transient_statuses_pass_through(status):
    mw = make_retry()
    out = respond(mw, Request("http://x/a"), status=status)
    assert isinstance(out, Response) and out.status == status
    assert mw.crawler.stats.get_value("duwang/retry/http") is None


def test_gives_up_after_retry_times():
    mw = make_retry(RETRY_TIMES=2)
    request = Request("http://x/a")
    first = respond(mw, request)
    second = respond(mw, first)
    third = respond(mw, second)
    assert isinstance(first, Request) and isinstance(second, Request)
    assert isinstance(third, Response) and third.status == 503
    assert mw.crawler.stats.get_value("retry/max_reached") == 1


def test_dont_retry_is_honoured():
    out = respond(make_retry(), Request("http://x/a", meta={"dont_retry": True}))
    assert isinstance(out, Response) and out.status == 503


def test_retry_after_above_the_cap_is_not_waited_for(sleeps):
    mw = make_retry(DUWANG_RETRY_AFTER_MAX=30)
    out = respond(mw, Request("http://x/a"), status=429, headers={"Retry-After": "3600"})
    assert isinstance(out, Response) and out.status == 429
    assert sleeps == []


def test_retry_after_within_the_cap_is_waited_for(sleeps):
    mw = make_retry(DUWANG_RETRY_AFTER_MAX=30, DUWANG_BACKOFF_BASE=0.5)
    out = respond(mw, Request("http://x/a"), status=503, headers={"Retry-After": "7"})
    assert isinstance(out, Request)
    assert sleeps == [7.0]


def test_backoff_doubles_per_attempt(sleeps):
    mw = make_retry(RETRY_TIMES=3, DUWANG_BACKOFF_BASE=1.5)
    request = Request("http://x/a")
    for _ in range(3):
        request = respond(mw, request)
        assert isinstance(request, Request)
    assert sleeps == [1.5, 3.0, 6.0]


@pytest.mark.parametrize(
    "exc, retried",
    [
        (DownloadTimeoutError("took longer than 2 seconds"), True),
        (DownloadFailedError("Connection lost"), True),
        (CannotResolveHostError("nxdomain-x.invalid"), False),
        (DownloadConnectionRefusedError("refused"), False),
        (ValueError("not a download error"), False),
    ],
)
def test_only_transient_exceptions_are_retried(exc, retried):
    mw = make_retry()
    out = call(mw.process_exception, Request("http://x/a"), exc)
    if retried:
        assert isinstance(out, Request) and out.meta["retry_times"] == 1
        assert mw.crawler.stats.get_value("duwang/retry/exception") == 1
    else:
        assert out is None


def test_head_exceptions_are_left_to_the_get_fallback():
    mw = make_retry()
    head = Request("http://x/a", method="HEAD")
    assert call(mw.process_exception, head, DownloadTimeoutError("slow")) is None


def test_exception_retries_give_up():
    mw = make_retry(RETRY_TIMES=1)
    request = Request("http://x/a")
    first = call(mw.process_exception, request, DownloadTimeoutError("slow"))
    assert isinstance(first, Request)
    assert call(mw.process_exception, first, DownloadTimeoutError("slow")) is None
