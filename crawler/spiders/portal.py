"""The portal spider: navigation and extraction only.

Internal HTML pages and stylesheets are fetched and parsed; internal attachments (附件)
are fetched whole, up to a bound, for the check worker to read; every other target
(external URLs, images, pages past a bound) is only checked, HEAD first. Each distinct
target is requested once per run; verdicts go out as LinkCheck items. The home page is
fetched a second time as a search engine's crawler (cloaking), and the home page of each
external host once (its baseline, crawler/external.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, StopDownload
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from crawler import attachments
from crawler.config import CrawlConfig
from crawler.external import PROBE_MAX_BYTES
from crawler.failures import HEAD_RETRY_CATEGORIES, classify_exception
from crawler.hidden import SEARCH_ENGINE_AGENT
from crawler.items import HostProbe, LinkCheck, Page, UnchangedPages
from crawler.links import (
    Link,
    extract_links,
    parse_page,
    stylesheet_links,
    title_and_heading,
    unusable_href,
)
from crawler.outcomes import DEAD, INVALID_URL, OK, UNVERIFIED, Soft404, Verdict, classify_status
from crawler.pagefacts import page_facts
from crawler.store import open_db
from crawler.store.memory import CrawlMemory
from crawler.stylesheets import STYLESHEET_EXTENSION, decode_stylesheet, is_stylesheet
from crawler.textcheck import load_wordlists
from crawler.urls import (
    TrapGuard,
    bare_host,
    default_site_name,
    looks_like_page,
    netloc_key,
    registered_domain,
    strip_session,
    url_key,
    validate_start_url,
)

logger = logging.getLogger(__name__)

PAGE, CHECK = "page", "check"
ATTACH, BOT, HOST = "attachment", "bot", "host"  # a file to read; the home page as a crawler; a host probe
PLACEHOLDER_TEXT_MAX = 600  # a start page with less visible text is searched for placeholder words
_TAGS = re.compile(r"<[^>]*>|\s+")
UNCHANGED_BATCH = 100  # pages, or
UNCHANGED_MAX_DELAY = 1.0  # seconds a page waits for its batch


class CrawlRequest(Request):
    """A Request that goes to the disk queue cheaply.

    Scrapy finds a callback's name with inspect.getmembers(spider) for every queued request;
    ours are always spider methods, so their own name is the answer.
    """

    def to_dict(self, *, spider: Spider | None = None) -> dict:
        d = {
            "url": self.url,
            "callback": self.callback.__name__ if self.callback else None,
            "errback": self.errback.__name__ if self.errback else None,
            "headers": dict(self.headers),
            "_class": f"{type(self).__module__}.{type(self).__name__}",
        }
        for attr in self.attributes:
            d.setdefault(attr, getattr(self, attr))
        return d


class PortalSpider(Spider):
    name = "portal"

    def __init__(self, url: str | list[str] | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        urls = url.split(",") if isinstance(url, str) else list(url or [])
        if not urls:
            raise ValueError("give a start URL: -a url=https://www.example.gov.cn/")
        self.start_urls = [validate_start_url(u) for u in urls if u.strip()]

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.setup(CrawlConfig.from_settings(crawler.settings),
                     crawler.settings.getbool("DUWANG_TEXTCHECK_ENABLED", True))
        spider._maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.on_headers, signal=signals.headers_received)
        crawler.signals.connect(spider.on_bytes, signal=signals.bytes_received)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    _maxsize = 0  # DOWNLOAD_MAXSIZE (from_crawler)

    def setup(self, cfg: CrawlConfig, text_checks: bool = True) -> None:
        self.cfg = cfg
        self.memory = CrawlMemory(open_db(cfg.db_path))
        # Pages checked with these wordlists need no new text check while unchanged.
        self.fingerprint = (
            load_wordlists([Path(d) for d in cfg.wordlists]).fingerprint() if text_checks else ""
        )
        self.scope = {netloc_key(u) for u in self.start_urls} | set(cfg.extra_hosts) | set(cfg.aliases)
        # Hosts that are this site under another name: config aliases, where a start URL moved.
        self.moved_to: list[str] = list(cfg.aliases)
        self.start_placeholder: str | None = None  # the start page is a maintenance page
        self._revisited = False
        self.home_keys = {url_key(u) for u in self.start_urls}
        self.traps = TrapGuard(cfg.max_url_length, cfg.max_query_variants)
        # Configured columns' URL prefixes, without the scheme (crawler/inspection/)
        self._column_prefixes = tuple(
            p.split("://", 1)[-1].lower()
            for p in (*cfg.columns, *(r.prefix for r in cfg.column_rules)) if p)
        self.soft404 = Soft404(cfg.soft404_patterns)
        # Attachments need the check worker to read them; so do cloaking and host probes.
        self.fetch_attachments = cfg.attachments and text_checks
        self.file_fingerprint = f"{self.fingerprint}|{attachments.signature()}|{cfg.attachment_max_bytes}"
        self.cloak = cfg.cloaking and cfg.hidden_links and text_checks
        self.probe_hosts = cfg.external_hosts and text_checks
        self._probed: set[str] = set()  # external hosts whose home page is fetched this run
        self._probes: list[Request] = []  # probes to send with the next link yielded
        self._awaiting_bot: dict[str, Response] = {}  # start pages read once Baiduspider's copy came
        self.seen: set[str] = set()
        self._too_deep: dict[str, str] = {}  # key -> URL of pages turned away at the depth bound
        self._keys: dict[str, str] = {}  # absolute URL -> url_key, links repeat across pages
        self.pages_scheduled = 0
        self.pages_parsed = 0
        self.max_pages_hit = False
        self.dead_found = 0
        self.start_problems: dict[str, str] = {}  # start URL -> why it could not be crawled
        self._unchanged_batch: list[tuple[str, LinkCheck]] = []
        self._unchanged_since = 0.0

    def on_closed(self, spider, reason: str) -> None:
        self.memory.db.close()

    # --- requests -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            key = url_key(url)
            if key not in self.seen:
                self.seen.add(key)
                self.pages_scheduled += 1
                # Unconditional when the home page is compared with what a search engine gets.
                yield self._request(url, key, PAGE, depth=0, internal=True, conditional=not self.cloak)

    def _request(self, url: str, key: str, kind: str, depth: int, internal: bool,
                 method: str | None = None, conditional: bool = True) -> Request:
        method = method or ("HEAD" if kind == CHECK else "GET")
        headers = {}
        meta = {"duwang_key": key, "duwang_kind": kind, "duwang_depth": depth, "duwang_internal": internal}
        if kind in (CHECK, ATTACH):
            # A check reads one chunk, however big the file: a big attachment is alive
            # when its first bytes come (its Content-Length must not cancel the GET). An
            # attachment is read up to its own bound (on_headers, on_bytes).
            meta["download_maxsize"] = 0
        if kind == PAGE and _stylesheet_path(url):
            meta["duwang_css"] = True  # read whatever plain type it is served as
        if kind in (PAGE, ATTACH) and (known := self.memory.page(key)):
            # Validators from the last crawl: a 304 means alive and unchanged. Without them
            # (the home page, compared with its copy for search engines), the same bytes do.
            if conditional and known["etag"]:
                headers["If-None-Match"] = known["etag"]
            if conditional and known["last_modified"]:
                headers["If-Modified-Since"] = known["last_modified"]
            meta["duwang_known"] = (known["content_hash"], known["checked_with"])
        return CrawlRequest(
            url,
            method=method,
            headers=headers,
            callback={PAGE: self.parse_page, ATTACH: self.parse_attachment}.get(kind, self.parse_check),
            errback=self.on_error,
            dont_filter=True,
            priority=1 if kind == PAGE else 0,
            meta=meta,
        )

    def key_of(self, url: str) -> str:
        key = self._keys.get(url)
        if key is None:
            key = self._keys[url] = url_key(url)
        return key

    def schedule(self, url: str, key: str, depth: int) -> Request | LinkCheck | None:
        """A request for a target seen for the first time this run (or a recent verdict
        reused for an external link), else None."""
        if key in self.seen:
            if depth <= self.cfg.max_depth and (deep_url := self._too_deep.pop(key, None)):
                # First reached along a longer path (pages are fetched in parallel, so
                # breadth-first order is loose): it is within the bound after all.
                self.crawler.stats.inc_value("duwang/depth/readmitted")
                return self._admit_page(deep_url, key, depth)
            return None
        self.seen.add(key)
        if self.cfg.exclude and any(p.search(url) for p in self.cfg.exclude):
            self.crawler.stats.inc_value("duwang/excluded")
            return None
        internal = netloc_key(url) in self.scope
        url = safe_url_string(strip_session(url))
        if internal and (looks_like_page(url) or _stylesheet_path(url)):
            reason = "depth" if depth > self.cfg.max_depth else self.traps.reason(url)
            if reason is None:
                return self._admit_page(url, key, depth)
            if reason == "depth":
                self._too_deep[key] = url
            self.crawler.stats.inc_value(f"duwang/trap/{reason}")
        if internal and self.fetch_attachments and attachments.is_attachment(url):
            return self._request(url, key, ATTACH, depth, True)
        if not internal and self.probe_hosts:
            self._probe_host(url)
        if not internal and self.memory.fresh_ok(key, self.cfg.external_cache_days):
            self.crawler.stats.inc_value("duwang/cache/external")
            return LinkCheck(key, False, OK, None, None, "", url, "cache")
        return self._request(url, key, CHECK, depth, internal)

    def _probe_host(self, url: str) -> None:
        """Queue a probe of the home page of the external host of `url`, once a run."""
        host = netloc_key(url)
        if host in self._probed:
            return
        self._probed.add(host)
        home = f"{urlsplit(url).scheme}://{host}/"
        request = CrawlRequest(home, callback=self.parse_host, errback=self.on_error, dont_filter=True,
                               meta={"duwang_key": home, "duwang_kind": HOST, "duwang_depth": 0,
                                     "duwang_internal": False, "duwang_host": host, "download_maxsize": 0})
        self._probes.append(request)

    def _take_probes(self) -> list[Request]:
        probes, self._probes = self._probes, []
        return probes

    def _admit_page(self, url: str, key: str, depth: int) -> Request | None:
        if self.pages_scheduled >= self.cfg.max_pages:
            self.max_pages_hit = True
            self.crawler.stats.inc_value("duwang/skipped/max_pages")
            return None
        self.pages_scheduled += 1
        return self._request(url, key, PAGE, depth, True)

    def on_idle(self) -> None:
        """Once the site is crawled, fetch the pages that hold open findings and were not
        reached (no longer linked from the site): a finding is verified on its own pages."""
        if self._revisited or self.max_pages_hit:
            return
        self._revisited = True
        site = self.cfg.site or default_site_name(self.start_urls[0])
        requests = []
        for (url,) in self.memory.pages_with_open_findings(site):
            if url in self.seen or netloc_key(url) not in self.scope:
                continue
            self.seen.add(url)
            if self.fetch_attachments and attachments.is_attachment(url):
                requests.append(self._request(url, url, ATTACH, self.cfg.max_depth, True))
                continue
            self.pages_scheduled += 1
            # At the depth bound: the page's own links are checked, not followed.
            requests.append(self._request(url, url, PAGE, self.cfg.max_depth, True))
        if requests:
            self.crawler.stats.inc_value("duwang/pages/revisited", len(requests))
            for request in requests:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    # --- download hooks -------------------------------------------------------------

    def on_headers(self, headers, body_length, request: Request, **kwargs) -> None:
        """Stop bodies of pages early unless HTML or CSS; check GETs read only their first chunk."""
        meta = request.meta
        kind = meta.get("duwang_kind")
        if kind == ATTACH:
            length = headers.get(b"Content-Length")
            if length and length.isdigit() and int(length) > self.cfg.attachment_max_bytes:
                meta["duwang_too_big"] = True
                raise StopDownload(fail=False)
            return
        if kind == HOST:
            ctype = (headers.get(b"Content-Type") or b"text/html").decode("latin-1").lower()
            if "html" not in ctype:
                raise StopDownload(fail=False)
            return
        if kind == PAGE:
            ctype = (headers.get(b"Content-Type") or b"text/html").decode("latin-1").lower()
            if "html" in ctype or "css" in ctype:
                return
            if not (meta.get("duwang_css") and is_stylesheet(STYLESHEET_EXTENSION, ctype)):
                raise StopDownload(fail=False)

    def on_bytes(self, data: bytes, request: Request, **kwargs) -> None:
        meta = request.meta
        kind = meta.get("duwang_kind")
        if kind == CHECK:
            raise StopDownload(fail=False)
        if kind in (ATTACH, HOST):
            got = meta["duwang_bytes"] = meta.get("duwang_bytes", 0) + len(data)
            if got > (self.cfg.attachment_max_bytes if kind == ATTACH else PROBE_MAX_BYTES):
                meta["duwang_too_big"] = True
                raise StopDownload(fail=False)
            return
        # Without a Content-Length, Scrapy cancels a body past DOWNLOAD_MAXSIZE with a bare
        # DownloadCancelledError: remember why, so the page is too large, not dead.
        got = meta["duwang_bytes"] = meta.get("duwang_bytes", 0) + len(data)
        if self._maxsize and got > self._maxsize:
            meta["duwang_oversize"] = True

    # --- callbacks ------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterable[object]:
        try:
            yield from self._parse_page(response)
        except Exception:
            # One page must not end the night in silence: it counts as not read this run,
            # so the findings on it stay as they were, and the run is incomplete.
            logger.exception("could not read page %s", response.url)
            self.crawler.stats.inc_value("duwang/pages/failed")

    def on_spider_error(self, failure: Failure, response: Response, **kwargs) -> None:
        """A callback or spider middleware raised past the guard above: count it, so the
        run ends incomplete (a lost verdict is a partial view of the site)."""
        try:
            kind = response.meta.get("duwang_kind")
        except AttributeError:  # a response without its request
            kind = None
        self.crawler.stats.inc_value("duwang/pages/failed" if kind == PAGE else "duwang/checks/failed")

    def _parse_page(self, response: Response) -> Iterable[object]:
        meta = response.meta
        key, depth = meta["duwang_key"], meta["duwang_depth"]
        is_start = key in self.home_keys and depth == 0
        verdict = self._status_verdict(response, internal=True)
        if is_start:
            problem = self._start_moved(response)
            if problem:
                self.start_problems[_original_url(response.request)] = problem
                yield self._link_check(response.request, response, verdict)
                return
        if response.status == 304:
            yield from self._not_modified(response, key, depth, verdict)
            return
        final_key = self.key_of(response.url)
        readable = (
            verdict.outcome == OK
            and response.status < 300
            and "download_stopped" not in response.flags
            and netloc_key(response.url) in self.scope
            and (final_key == key or final_key not in self.seen or is_start)
        )
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        # A stylesheet given as the start URL is read too: its references are the crawl.
        if readable and is_stylesheet(urlsplit(response.url).path, ctype):
            self.seen.add(final_key)
            yield from self._parse_stylesheet(response, key, depth, verdict, ctype)
            return
        parseable = readable and isinstance(response, HtmlResponse)
        if not parseable:
            if is_start and verdict.outcome == OK:
                self.start_problems[response.url] = (
                    "start URL is not an HTML page "
                    f"(Content-Type: {response.headers.get(b'Content-Type', b'').decode('latin-1')})"
                )
            elif is_start:
                self.start_problems[response.url] = verdict.detail
            yield self._link_check(response.request, response, verdict)
            return
        self.seen.add(final_key)
        if is_start and self.cloak and "duwang_as_bot" not in meta:
            # Read on once the same page came as a search engine's crawler gets it.
            yield self._bot_request(response)
            return
        if self._unchanged(response):
            yield from self._carry_forward(key, depth, self._link_check(response.request, response, verdict))
            return
        parsed = parse_page(response.body, response.encoding)
        root = parsed.root
        title, heading = title_and_heading(root)
        soft = self.soft404.match(title, heading)
        if soft:
            if is_start:
                self.start_problems[response.url] = f"start page says it does not exist: {title}"
            yield self._link_check(
                response.request, response, Verdict(DEAD, "soft_404", f"页面提示: {soft}")
            )
            return
        if is_start and self.start_placeholder is None:
            self.start_placeholder = self._placeholder(title, heading, response.body, response.encoding)
        check = self._link_check(response.request, response, verdict)
        self.pages_parsed += 1
        self.crawler.stats.inc_value("duwang/pages")
        if parsed.partial:
            self.crawler.stats.inc_value("duwang/pages/partial")
            logger.warning("page %s was not read whole: %s", response.url, parsed.partial)
        links, skipped, invalid = extract_links(root, response.url)
        self.crawler.stats.inc_value("duwang/links/non_http", skipped)
        outlinks: dict[str, tuple[str, str, str, str, str]] = {}
        yield from self._follow(links, invalid, depth, outlinks)
        facts = None
        if self.cfg.inspection:
            facts = page_facts(root, response.url, (link.url for link in links),
                               keep_undated=key in self.home_keys or self._column_page(response.url))
            key_of = self.key_of
            facts.items = [(key_of(url), date) for url, date in facts.items]
        yield Page(
            facts=facts,
            url=key,
            final_url=response.url,
            status=response.status,
            title=title,
            content_type=ctype,
            encoding=response.encoding,
            depth=depth,
            is_home=key in self.home_keys,
            content_hash=_page_hash(response),
            etag=response.headers.get(b"ETag", b"").decode("latin-1"),
            last_modified=response.headers.get(b"Last-Modified", b"").decode("latin-1"),
            outlinks=list(outlinks.values()),
            # A home page whose search-engine copy could not be had is not read whole: the
            # cloaking check could not tell.
            partial=parsed.partial or meta.get("duwang_bot_failed"),
            body=response.body,
            check=check,
            as_bot=meta.get("duwang_as_bot"),
        )

    def _bot_request(self, response: Response) -> Request:
        meta = {"duwang_key": response.meta["duwang_key"], "duwang_kind": BOT, "duwang_depth": 0,
                "duwang_internal": True}
        # The page waits here, not in meta: a request that spills to the disk queue is pickled.
        self._awaiting_bot[response.meta["duwang_key"]] = response
        return CrawlRequest(response.url, headers={"User-Agent": SEARCH_ENGINE_AGENT},
                            callback=self.parse_as_bot, errback=self.on_error, dont_filter=True, priority=1,
                            meta=meta)

    def parse_as_bot(self, response: Response) -> Iterable[object]:
        if response.status == 200 and isinstance(response, HtmlResponse):
            self.crawler.stats.inc_value("duwang/cloaking/fetched")
            yield from self._after_bot(response.meta["duwang_key"], (response.body, response.encoding), None)
        else:
            failed = f"以搜索引擎身份访问首页得到 HTTP {response.status}"
            yield from self._after_bot(response.meta["duwang_key"], None, failed)

    def _after_bot(self, key: str, as_bot: tuple[bytes, str] | None,
                   failed: str | None) -> Iterable[object]:
        page = self._awaiting_bot.pop(key)
        page.meta["duwang_as_bot"] = as_bot
        if failed:
            self.crawler.stats.inc_value("duwang/cloaking/failed")
            page.meta["duwang_bot_failed"] = f"未能完成暗链检查：{failed}"
        yield from self.parse_page(page)

    def _column_page(self, url: str) -> bool:
        """Under a configured column: its list keeps items that carry no date (they count
        as not updated), where elsewhere an undated list is read as a menu."""
        bare = url.split("://", 1)[-1].lower()
        return any(bare.startswith(p) for p in self._column_prefixes)

    def _start_moved(self, response: Response) -> str | None:
        """Why a start URL's answer is not this site (a redirect off it), else None; a
        redirect to a new address of the same site (https, www., another port, a host of
        the same registered domain or an alias) carries the site with it."""
        if 300 <= response.status < 400 and response.status != 304:
            location = response.headers.get(b"Location", b"").decode("latin-1")
            return f"start URL redirects to {location or '?'}, which is not an http(s) address"
        netloc = netloc_key(response.url)
        if netloc in self.scope:
            return None
        starts = [netloc_key(u) for u in self.start_urls]
        if any(bare_host(netloc) == bare_host(s) or registered_domain(netloc) == registered_domain(s)
               for s in starts):
            self.scope.add(netloc)
            self.moved_to.append(netloc)
            return None
        return (f"start URL redirects off the site to {response.url}; if the site moved there, "
                "crawl the new address or list its host in the site's aliases")

    def _placeholder(self, title: str, heading: str, body: bytes, encoding: str) -> str | None:
        """The matched words when the start page is a maintenance or placeholder page."""
        texts = [title, heading]
        text = _TAGS.sub(" ", body.decode(encoding, "replace"))
        if len(text) <= PLACEHOLDER_TEXT_MAX * 4:  # markup included; the check below is exact
            visible = "".join(text.split())
            if len(visible) <= PLACEHOLDER_TEXT_MAX:
                texts.append(visible)
        for pattern in self.cfg.placeholder_patterns:
            for text in texts:
                if m := pattern.search(text):
                    return m.group()
        return None

    def _follow(self, links: list[Link], invalid: list[Link], depth: int,
                outlinks: dict[str, tuple[str, str, str, str, str]]) -> Iterable[object]:
        """Schedule a page's links (filling `outlinks`, one per target) and report its
        unusable hrefs."""
        seen, too_deep = self.seen, self._too_deep
        for link in links:
            target = self.key_of(link.url)
            if target not in outlinks:
                outlinks[target] = (target, link.url, link.element, link.attr, link.anchor)
            if target not in seen or target in too_deep:
                found = self.schedule(link.url, target, depth + 1)
                if found is not None:
                    yield found
                if self._probes:
                    yield from self._take_probes()
        for link in invalid:
            # An href no browser can follow is a finding of its own, keyed by its text.
            if link.url not in outlinks:
                outlinks[link.url] = (link.url, link.url, link.element, link.attr, link.anchor)
            if link.url not in seen:
                seen.add(link.url)
                yield self._invalid(link)

    def _parse_stylesheet(self, response: Response, key: str, depth: int, verdict: Verdict,
                          ctype: str) -> Iterable[object]:
        """An internal stylesheet, read once a run like a page: its @import and url()
        references are links whose source page is the stylesheet. No text checks."""
        check = self._link_check(response.request, response, verdict)
        if self._unchanged(response):
            yield from self._carry_forward(key, depth, check)
            return
        self.crawler.stats.inc_value("duwang/stylesheets")
        text, encoding = decode_stylesheet(response.body, ctype)
        links, skipped, invalid = stylesheet_links(text, response.url)
        self.crawler.stats.inc_value("duwang/links/non_http", skipped)
        outlinks: dict[str, tuple[str, str, str, str, str]] = {}
        yield from self._follow(links, invalid, depth, outlinks)
        yield Page(
            url=key, final_url=response.url, status=response.status, title="", content_type=ctype,
            encoding=encoding, depth=depth, is_home=False, content_hash=_hash(response.body),
            etag=response.headers.get(b"ETag", b"").decode("latin-1"),
            last_modified=response.headers.get(b"Last-Modified", b"").decode("latin-1"),
            outlinks=list(outlinks.values()), check=check, stylesheet=True,
        )

    def _invalid(self, link: Link) -> LinkCheck:
        self.crawler.stats.inc_value(f"duwang/{DEAD}/{INVALID_URL}")
        self.dead_found += 1
        return LinkCheck(link.url, False, DEAD, INVALID_URL, None, link.problem or "链接地址无法解析",
                         link.url, "none")

    def _not_modified(self, response: Response, key: str, depth: int, verdict: Verdict) -> Iterable[object]:
        if self._unchanged(response):
            yield from self._carry_forward(key, depth, self._link_check(response.request, response, verdict))
        elif "duwang_known" in response.meta and not response.meta.get("duwang_refetch"):
            # Unchanged, but last checked with other wordlists: fetch the body once more.
            refetch = self._request(response.request.url, key, PAGE, depth, True, conditional=False)
            refetch.meta["duwang_refetch"] = True
            yield refetch
        else:
            # 304 without validators (a server that ignores them): alive; if this was our
            # re-fetch, keep what the page had rather than lose it for the night.
            check = self._link_check(response.request, response, verdict)
            if response.meta.get("duwang_refetch"):
                yield from self._carry_forward(key, depth, check)
            else:
                yield check

    def _unchanged(self, response: Response) -> bool:
        """304, or the same bytes as last time; either way checked with today's wordlists."""
        content_hash, checked_with = response.meta.get("duwang_known", ("", None))
        attachment = response.meta["duwang_kind"] == ATTACH
        if checked_with != (self.file_fingerprint if attachment else self.fingerprint):
            return False
        return response.status == 304 or (bool(content_hash) and content_hash == _page_hash(response))

    def _carry_forward(self, key: str, depth: int, check: LinkCheck) -> Iterable[object]:
        """The page's stored links are checked again; its findings carry forward."""
        self.pages_parsed += 1
        self.crawler.stats.inc_value("duwang/pages/unchanged")
        if not self._unchanged_batch:
            self._unchanged_since = time.monotonic()
        self._unchanged_batch.append((key, check))
        if (len(self._unchanged_batch) >= UNCHANGED_BATCH
                or time.monotonic() - self._unchanged_since >= UNCHANGED_MAX_DELAY):
            yield self.take_unchanged()
        seen, too_deep = self.seen, self._too_deep
        for target, href in self.memory.outlinks(key):
            if target not in seen or target in too_deep:
                if problem := unusable_href(key, href):  # stored as written: report it again
                    seen.add(target)
                    yield self._invalid(Link(href, "", "", "", problem))
                    continue
                found = self.schedule(href, target, depth + 1)
                if found is not None:
                    yield found
                if self._probes:
                    yield from self._take_probes()

    def take_unchanged(self) -> UnchangedPages | None:
        """The unchanged pages not yet handed over (the store pipeline takes the rest at close)."""
        if not self._unchanged_batch:
            return None
        batch, self._unchanged_batch = UnchangedPages(self._unchanged_batch), []
        return batch

    def parse_attachment(self, response: Response) -> Iterable[object]:
        """An internal attachment: its bytes go to the check worker, which reads its text."""
        meta = response.meta
        key, depth = meta["duwang_key"], meta["duwang_depth"]
        verdict = self._status_verdict(response, internal=True)
        check = self._link_check(response.request, response, verdict)
        stats = self.crawler.stats
        if (response.status == 304 and not self._unchanged(response) and "duwang_known" in meta
                and not meta.get("duwang_refetch")):
            # Unchanged, but last read by other wordlists or another reader: fetch it whole.
            refetch = self._request(response.request.url, key, ATTACH, depth, True, conditional=False)
            refetch.meta["duwang_refetch"] = True
            yield refetch
            return
        if verdict.outcome != OK or (response.status >= 300 and response.status != 304):
            yield check
            return
        if netloc_key(response.url) not in self.scope:  # redirected off the site: not ours to read
            yield check
            return
        too_big = meta.get("duwang_too_big")
        if self._unchanged(response) or (response.status == 304 and meta.get("duwang_refetch")):
            stats.inc_value("duwang/attachments/unchanged")
            yield UnchangedPages([(key, check)], attachments=True)
            return
        if response.status == 304:  # a server that ignores validators: alive, nothing to read
            yield check
            return
        stats.inc_value("duwang/attachments/fetched")
        stats.inc_value("duwang/attachments/bytes", len(response.body))
        mb = self.cfg.attachment_max_bytes / 1024 / 1024
        yield Page(
            url=key, final_url=response.url, status=response.status, title="",
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"), encoding="",
            depth=depth, is_home=False, content_hash="" if too_big else _hash(response.body),
            etag=response.headers.get(b"ETag", b"").decode("latin-1"),
            last_modified=response.headers.get(b"Last-Modified", b"").decode("latin-1"),
            partial=f"未检查：文件超过 {mb:.3g} MB，未下载" if too_big else None,
            body=b"" if too_big else response.body, check=check, attachment=True,
        )

    def parse_host(self, response: Response) -> Iterable[object]:
        """The home page of an external host (crawler/external.py)."""
        meta = response.meta
        html = isinstance(response, HtmlResponse) and response.status < 300
        yield HostProbe(meta["duwang_host"], _original_url(response.request), True, response.status,
                        response.url, response.body if html else b"", response.encoding if html else "utf-8")

    def parse_check(self, response: Response) -> Iterable[object]:
        request = response.request
        status = response.status
        if request.method == "HEAD" and status >= 400 and status != 429:
            # HEAD is often broken on government servers: ask again with GET.
            yield self._fallback_get(request)
            return
        verdict = self._status_verdict(response, request.meta["duwang_internal"])
        yield self._link_check(request, response, verdict)

    def on_error(self, failure: Failure) -> Iterable[object]:
        request = failure.request
        meta = request.meta
        if meta["duwang_kind"] == BOT:
            verdict = classify_exception(failure.value, [request.url])
            failed = f"以搜索引擎身份访问首页失败（{verdict.category}）"
            yield from self._after_bot(meta["duwang_key"], None, failed)
            return
        if meta["duwang_kind"] == HOST:
            verdict = classify_exception(failure.value, [*meta.get("redirect_urls", []), request.url])
            yield HostProbe(meta["duwang_host"], _original_url(request), verdict.category != "dns",
                            final_url=request.url, error=verdict.category or "error")
            return
        is_start = meta["duwang_key"] in self.home_keys and meta["duwang_depth"] == 0
        if isinstance(failure.value, IgnoreRequest) and "robots.txt" in str(failure.value):
            # --obey-robots: the site asks not to be fetched there. No verdict: not dead.
            self.crawler.stats.inc_value("duwang/robots_disallowed")
            if is_start:
                self.start_problems[_original_url(request)] = "disallowed by robots.txt (--obey-robots)"
            return
        if meta.get("duwang_oversize"):
            verdict = Verdict(UNVERIFIED, "too_large", f"body over DOWNLOAD_MAXSIZE ({self._maxsize} bytes)")
        else:
            verdict = classify_exception(failure.value, [*meta.get("redirect_urls", []), request.url])
        if request.method == "HEAD" and verdict.category in HEAD_RETRY_CATEGORIES:
            yield self._fallback_get(request)
            return
        if is_start:
            self.start_problems[_original_url(request)] = verdict.detail
        yield self._link_check(request, None, verdict)

    # --- helpers --------------------------------------------------------------------

    def _fallback_get(self, request: Request) -> Request:
        self.crawler.stats.inc_value("duwang/head_fallback")
        meta = request.meta
        return self._request(_original_url(request), meta["duwang_key"], CHECK, meta["duwang_depth"],
                             meta["duwang_internal"], method="GET")

    def _status_verdict(self, response: Response, internal: bool) -> Verdict:
        if response.status < 400:
            if response.status in _REDIRECTS and (moved := _redirect_off_http(response)):
                return Verdict(DEAD, INVALID_URL, moved)
            return Verdict(OK)
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        body_start = ""
        if response.status == 403 and response.body:
            body_start = response.body[:4000].decode("utf-8", "replace")
        return classify_status(response.status, headers, body_start, internal)

    def _link_check(self, request: Request, response: Response | None, verdict: Verdict) -> LinkCheck:
        meta = request.meta
        stats = self.crawler.stats
        stats.inc_value(f"duwang/{verdict.outcome}" + (f"/{verdict.category}" if verdict.category else ""))
        if verdict.outcome == DEAD:
            self.dead_found += 1
        return LinkCheck(
            url=meta["duwang_key"],
            internal=meta["duwang_internal"],
            outcome=verdict.outcome,
            category=verdict.category,
            http_status=response.status if response is not None else None,
            error=verdict.detail,
            final_url=response.url if response is not None else request.url,
            method=request.method,
        )


def _hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _page_hash(response: Response) -> str:
    """The page's hash; for a home page read again as a search engine's crawler, of both
    copies: either changing means it is read and checked again."""
    as_bot = response.meta.get("duwang_as_bot")
    return _hash(response.body if as_bot is None else response.body + b"\0" + as_bot[0])


# The Fetch standard's redirect statuses: a browser shows any other 3xx (300) as it is.
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _stylesheet_path(url: str) -> bool:
    return url.split("?", 1)[0].lower().endswith(STYLESHEET_EXTENSION)


def _redirect_off_http(response: Response) -> str | None:
    """Why a redirect left unfollowed leads nowhere a browser goes: Scrapy follows only
    http(s) Locations and hands the 3xx over for the rest (ftp:, file:, a bare scheme)."""
    location = response.headers.get(b"Location")
    if not location:
        return None  # a 3xx without a target (300, 304): an answer, as before
    text = location.decode("latin-1").strip()
    try:
        scheme = urlsplit(urljoin(response.url, text)).scheme.lower()
    except ValueError:
        return f"重定向地址无法解析：{text[:200]}"
    if scheme in ("http", "https"):
        return None
    return f"重定向到非 http(s) 地址：{text[:200]}"


def _original_url(request: Request) -> str:
    """The URL as first requested, before redirects."""
    return request.meta.get("redirect_urls", [request.url])[0]
