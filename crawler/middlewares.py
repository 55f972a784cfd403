"""Downloader middlewares for what Scrapy's built-ins cannot do."""

from __future__ import annotations

import asyncio
import logging

from scrapy import Request, signals
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import error as txerror

from crawler.addresses import MARKER, REFUSED_NAMES, AddressPolicy, site_addresses
from crawler.config import CrawlConfig
from crawler.encoding import better_encoding
from crawler.outcomes import parse_retry_after

logger = logging.getLogger(__name__)


class NoRefererRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, for a crawl that sends no Referer (no Referer spider middleware).

    Scrapy's own looks for that middleware once the engine starts and warns when it is
    missing; there is nothing for it to hand over here.
    """

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def handle_referer(self, request: Request, response: Response) -> None:
        request.headers.pop("Referer", None)


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
        cfg = CrawlConfig.from_settings(settings)
        self.backoff_base = cfg.backoff_base
        self.retry_after_max = cfg.retry_after_max

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
    """Give page responses the right encoding when the server gets it wrong (see crawler.encoding)."""

    def process_response(self, request: Request, response: Response) -> Response:
        # Check GETs hold only a first chunk: nothing to decode there.
        if request.meta.get("duwang_kind") != "page" or not isinstance(response, HtmlResponse):
            return response
        header = response._headers_encoding()  # noqa: SLF001 - Scrapy has no public accessor
        chosen = better_encoding(response.body, header)
        if chosen is None:
            return response
        logger.debug("encoding of %s set to %s (declared: %s)", response.url, chosen, header)
        return response.replace(encoding=chosen)


class BlockedAddress(IgnoreRequest):
    """A request to an address duwang refuses (crawler.addresses)."""


# One per process, like the DNS resolver that uses it: the union of what each crawl allows.
_POLICY = AddressPolicy()


class AddressGuardMiddleware:
    """Refuses requests to metadata hosts and to address literals the policy refuses;
    names are judged when they resolve (GuardedResolver). Redirects pass here again.

    The site's own addresses (where its start URLs resolve when the crawl opens) and the
    configured ones (DUWANG_ALLOWED_ADDRESSES) are allowed though private."""

    def __init__(self, allowed: list[str]) -> None:
        _POLICY.allow(allowed)

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler.settings.getlist("DUWANG_ALLOWED_ADDRESSES"))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider) -> None:
        cfg = getattr(spider, "cfg", None)
        hosts = [*(cfg.extra_hosts if cfg else ()), *(cfg.aliases if cfg else ())]
        _POLICY.allow(site_addresses([*getattr(spider, "start_urls", []), *(f"http://{h}/" for h in hosts)]))

    def process_request(self, request: Request, spider=None) -> None:
        host = urlparse_cached(request).hostname or ""
        reason = _POLICY.refuses_host(host)
        if reason:
            raise BlockedAddress(f"{MARKER}: {reason}")


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses to hand out an address the policy refuses:
    a public name that resolves inside the network is not requested either."""

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 - Twisted's interface
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        reason = _POLICY.refuses(address)
        if reason:
            REFUSED_NAMES[name.lower()] = f"{name} resolves to {reason}"
            raise BlockedAddress(f"{MARKER}: {REFUSED_NAMES[name.lower()]}")
        return address
