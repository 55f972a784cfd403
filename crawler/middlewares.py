"""Downloader middlewares for what Scrapy's built-ins cannot do."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import HtmlResponse, Response
from twisted.internet import error as txerror
from w3lib.encoding import html_body_declared_encoding, resolve_encoding

from crawler.outcomes import parse_retry_after

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry with exponential backoff and Retry-After.

    Only transient failures are retried (502/503/504/408/429, resets, timeouts); a DNS
    failure or a refused connection is an answer, not a hiccup. A Retry-After above
    DUWANG_RETRY_AFTER_MAX is not waited for: the link stays unverified.
    """

    TRANSIENT_EXCEPTIONS = (
        DownloadTimeoutError,
        txerror.TimeoutError,
        txerror.ConnectionLost,
        txerror.ConnectionDone,
    )

    def __init__(self, settings):
        super().__init__(settings)
        from scrapy.exceptions import DownloadFailedError, ResponseDataLossError

        self.exceptions_to_retry = (*self.TRANSIENT_EXCEPTIONS, DownloadFailedError,
                                    ResponseDataLossError)
        self.backoff_base = settings.getfloat("DUWANG_BACKOFF_BASE", 1.0)
        self.retry_after_max = settings.getfloat("DUWANG_RETRY_AFTER_MAX", 60.0)

    def _delay(self, request: Request, retry_after: float | None) -> float:
        attempt = request.meta.get("retry_times", 0)
        backoff = self.backoff_base * (2**attempt)
        return max(backoff, retry_after or 0.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry_after = parse_retry_after(
            response.headers.get(b"Retry-After", b"").decode("latin-1") or None
        )
        if retry_after is not None and retry_after > self.retry_after_max:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        self.crawler.stats.inc_value("duwang/retry/http")
        await asyncio.sleep(self._delay(request, retry_after))
        return retry

    async def process_exception(self, request: Request, exception: Exception):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        if request.method == "HEAD":
            return None  # the spider asks again with GET, which is retried itself
        retry = self._retry(request, exception)
        if retry is None:
            return None
        self.crawler.stats.inc_value("duwang/retry/exception")
        await asyncio.sleep(self._delay(request, None))
        return retry


class EncodingRepairMiddleware:
    """Give HTML responses the right encoding when the server gets it wrong.

    Scrapy trusts the Content-Type charset over the page's own <meta>, and with no
    declaration at all it falls back to cp1252, which turns GBK into mojibake. Here:
    a declared encoding that does not decode the body loses to the <meta> one, and
    an undeclared body is UTF-8 if it decodes as such, else GB18030 (a GBK superset).
    """

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse) or not response.body:
            return response
        body = response.body
        header = response._headers_encoding()  # noqa: SLF001 - Scrapy has no public accessor
        meta = html_body_declared_encoding(body)
        if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            return response  # a BOM is authoritative, and Scrapy honours it
        chosen = None
        if header:
            if not _decodes(body, header):
                chosen = meta if meta and _decodes(body, meta) else _guess(body)
            elif meta and _single_byte(header) and not _single_byte(meta) and _decodes(body, meta):
                # Tomcat and friends default to ISO-8859-1, which "decodes" anything.
                chosen = meta
        elif meta:
            if not _decodes(body, meta):
                chosen = _guess(body)
        else:
            chosen = _guess(body)
        if chosen is None:
            return response
        logger.debug("encoding of %s set to %s (declared: %s/%s)", response.url, chosen, header, meta)
        return response.replace(encoding=chosen)


def _decodes(body: bytes, encoding: str) -> bool:
    name = resolve_encoding(encoding)
    if not name:
        return False
    try:
        body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _single_byte(encoding: str) -> bool:
    name = (resolve_encoding(encoding) or "").lower().replace("_", "-")
    return name.startswith(("cp125", "iso8859", "iso-8859", "latin", "ascii", "windows-125"))


def _guess(body: bytes) -> str:
    return "utf-8" if _decodes(body, "utf-8") else "gb18030"
