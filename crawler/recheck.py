"""Recheck (复核): re-fetch a finding's pages now and run the same check again. No Scrapy.

Staff who say "fixed" get an answer in seconds. The result is one of:

- ``gone`` 已整改: every page was fetched and none has the problem any more (for a link: the
  target answers now, or no page links to it any more);
- ``still_there`` 疑似未整改: at least one page still has it;
- ``unreachable`` 页面无法访问: no page still has it, but some could not be fetched, so we
  cannot say it is gone.

Each recheck is stored in the ``rechecks`` table (when, who, the status then, the result and
what each page gave). It does not change the finding's status: that stays a staff or crawl
decision, and the reports count status changes only.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlite_utils import Database
from w3lib.encoding import http_content_type_encoding

from crawler import __version__, attachments
from crawler.addresses import MARKER, AddressPolicy, site_addresses
from crawler.encoding import decode_html, page_encoding
from crawler.errors import DuwangError
from crawler.external import KIND as EXTERNAL_KIND
from crawler.hidden import CLOAKING, DEFAULT_ALLOW, SEARCH_ENGINE_AGENT, HiddenPolicy, hidden_link_hits
from crawler.hidden import KIND as HIDDEN_KIND
from crawler.inspection.found import KINDS as INSPECTION_KINDS
from crawler.links import extract_links, parse_html, stylesheet_links, title_and_heading
from crawler.outcomes import OK, Soft404, classify_status
from crawler.store.db import now, transaction
from crawler.store.keys import text_key
from crawler.store.lifecycle import FindingNotFound
from crawler.store.queries import list_findings
from crawler.store.sites import SiteInfo, load_sites
from crawler.stylesheets import decode_stylesheet, is_stylesheet
from crawler.urls import netloc_key, url_key

if TYPE_CHECKING:  # jieba loads with the checker: `duwang watch` uses fetch() without it
    from crawler.textcheck import TextChecker

GONE, STILL_THERE, UNREACHABLE = "gone", "still_there", "unreachable"
RESULT_LABELS = {GONE: "已整改", STILL_THERE: "疑似未整改", UNREACHABLE: "页面无法访问"}
LINK_KINDS = ("dead_link", "unverified_link")

USER_AGENT = f"duwang/{__version__} (+读网 government-portal quality monitor; recheck)"
MAX_PAGE_BYTES = 5_000_000
MAX_CHECK_BYTES = 65_536
WORKERS = 8
BLOCKED_LABEL = "内网或保留地址，不予访问"
JOB_TIMEOUTS = 6  # a recheck of one finding takes at most this many request timeouts

_CHECK_LOCK = threading.Lock()  # one TextChecker is shared by the fetch threads


class RecheckError(DuwangError):
    pass


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int | None  # None: no HTTP answer
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    final_url: str = ""
    error: str = ""

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def encoding(self) -> str:
        return page_encoding(self.body, http_content_type_encoding(self.headers.get("content-type", "")))

    def text(self) -> str:
        return decode_html(self.body, self.encoding)

    def root(self):
        """The parsed page, as the crawl parses it (bytes, in the encoding the crawl would pick)."""
        return parse_html(self.body, self.encoding)


@dataclass(frozen=True)
class PageResult:
    url: str
    result: str  # gone | still_there | unreachable
    detail: str


@dataclass(frozen=True)
class Recheck:
    finding_id: int
    at: str
    actor: str
    status: str
    result: str
    pages: list[PageResult]

    @property
    def label(self) -> str:
        return RESULT_LABELS[self.result]


class _Deadline:
    """A request's total time bound. urllib's timeout bounds each socket operation, so a
    server that trickles a byte now and then holds a request forever: at the deadline the
    request's sockets are shut down, and whatever waits on them returns at once."""

    _current = threading.local()

    def __init__(self, seconds: float, policy: AddressPolicy | None = None) -> None:
        self.policy = policy  # which addresses the request's connections may reach
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _Deadline._current.value = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _Deadline._current.value = None

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    @classmethod
    def watch(cls, sock: socket.socket) -> None:
        """Put a request's socket (each redirect opens one) under the thread's deadline, and
        refuse it, before anything is sent, when it reached an address the policy refuses."""
        deadline = getattr(cls._current, "value", None)
        if deadline is not None and deadline.policy is not None:
            reason = deadline.policy.refuses(sock.getpeername()[0].split("%", 1)[0])
            if reason:
                sock.close()
                raise OSError(f"{MARKER}: {reason}")
        if deadline is not None:
            with deadline._lock:
                deadline._sockets.append(sock)
                if deadline.expired:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _Deadline.watch(self.sock)


class _HTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _Deadline.watch(self.sock)


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):  # noqa: ANN001, ANN201 - urllib's handler protocol
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):  # noqa: ANN001, ANN201
        return self.do_open(_HTTPSConnection, req, context=self._context)


def _http_opener() -> urllib.request.OpenerDirector:
    """urllib's opener for http(s) only. The default one also opens file:, ftp: and data:
    URLs, and follows redirects to ftp:: a file:/// link on a crawled page, or a redirect
    to one, must never read this machine's files."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler, urllib.request.UnknownHandler, _HTTPHandler,
                    _HTTPSHandler, urllib.request.HTTPDefaultErrorHandler,
                    urllib.request.HTTPRedirectHandler, urllib.request.HTTPErrorProcessor):
        opener.add_handler(handler())
    return opener


_opener = _http_opener()  # follows up to 10 redirects, like the crawl


def fetch(url: str, method: str = "GET", timeout: float = 10.0, max_bytes: int = MAX_PAGE_BYTES,
          policy: AddressPolicy | None = None, user_agent: str = USER_AGENT) -> Fetched:
    """One request, redirects followed, all within ``timeout`` seconds in total; never
    raises for network or HTTP errors. ``policy``: the addresses it may reach (see
    crawler.addresses; None: any)."""
    if not url[:8].lower().startswith(("http://", "https://")):
        return Fetched(url, None, error="不是 http(s) 地址，无法访问")
    if policy is not None and (reason := policy.refuses_host(urlsplit(url).hostname or "")):
        return Fetched(url, None, error=f"{BLOCKED_LABEL}：{reason}")
    with _Deadline(timeout, policy) as deadline:
        got = _fetch(url, method, timeout, max_bytes, user_agent)
    if deadline.expired and (got.error or got.status is None or len(got.body) < max_bytes):
        # Cut off: what arrived is not the whole answer.
        return Fetched(url, None, error="timeout")
    return got


def _fetch(url: str, method: str, timeout: float, max_bytes: int, user_agent: str) -> Fetched:
    # http.client sends headers as latin-1: pass the UTF-8 bytes through, as Scrapy sends them.
    agent = user_agent.encode("utf-8").decode("latin-1")
    req = urllib.request.Request(url, method=method, headers={"User-Agent": agent, "Accept": "*/*"})
    try:
        with _opener.open(req, timeout=timeout) as resp:
            body = resp.read(max_bytes) if method != "HEAD" else b""
            return Fetched(url, resp.status, _headers(resp.headers), body, resp.geturl())
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:  # urllib gave up following
            if "not allowed" in str(exc.msg):  # a Location urllib refuses (file:, another scheme)
                return Fetched(url, None, error=f"重定向到非 http(s) 地址 (HTTP {exc.code})")
            return Fetched(url, None, error=f"重定向循环或次数过多 (HTTP {exc.code})")
        try:
            body = exc.read(max_bytes) if method != "HEAD" else b""
        except (OSError, HTTPException):
            body = b""
        return Fetched(url, exc.code, _headers(exc.headers), body, exc.geturl() or url, f"HTTP {exc.code}")
    except urllib.error.URLError as exc:
        return Fetched(url, None, error=_reason(exc.reason))
    except TimeoutError:
        return Fetched(url, None, error="timeout")
    except (OSError, HTTPException, ValueError) as exc:
        return Fetched(url, None, error=_reason(exc))


def _headers(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def _reason(reason: object) -> str:
    if MARKER in str(reason):
        return f"{BLOCKED_LABEL}：{str(reason).removeprefix(MARKER + ': ')}"
    if isinstance(reason, socket.gaierror):
        return "dns: " + str(reason)
    if isinstance(reason, ConnectionRefusedError):
        return "refused"
    if isinstance(reason, ConnectionResetError):
        return "reset"
    if isinstance(reason, TimeoutError):
        return "timeout"
    if isinstance(reason, ssl.SSLError):
        return "tls: " + str(reason)
    return str(reason) or type(reason).__name__


def check_target(url: str, internal: bool, timeout: float,
                 policy: AddressPolicy | None = None) -> tuple[bool, str]:
    """(alive, detail) for a link target: HEAD, then GET when HEAD fails."""
    got = fetch(url, "HEAD", timeout, policy=policy)
    if not got.answered or got.status >= 400:
        got = fetch(url, "GET", timeout, MAX_CHECK_BYTES, policy)
    if not got.answered:
        return False, got.error
    if got.status < 400 and "html" in got.headers.get("content-type", "html") and not got.body:
        # A soft 404 answers HEAD with 200: its title tells, so read the start of the page.
        got = fetch(url, "GET", timeout, MAX_CHECK_BYTES, policy)
        if not got.answered:
            return False, got.error
    text = got.text() if got.body else ""
    verdict = classify_status(got.status, got.headers, text[:4000], internal)
    if verdict.outcome != OK:
        return False, f"{verdict.detail} ({verdict.category})"
    if got.body and "html" in got.headers.get("content-type", "html"):
        said = Soft404().match(*title_and_heading(got.root()))
        if said:
            return False, f"HTTP {got.status}, 页面提示「{said}」(soft_404)"
    return True, f"HTTP {got.status}"


def _page_links(page_url: str, link: str, timeout: float, policy: AddressPolicy | None = None) -> PageResult:
    got = fetch(page_url, "GET", timeout, policy=policy)
    if not got.answered or got.status >= 400:
        return PageResult(page_url, UNREACHABLE, got.error or f"HTTP {got.status}")
    where = got.final_url or page_url
    ctype = got.headers.get("content-type", "")
    if is_stylesheet(where.split("?", 1)[0], ctype):  # a stylesheet's url() and @import
        links, _, invalid = stylesheet_links(decode_stylesheet(got.body, ctype)[0], where)
    else:
        links, _, invalid = extract_links(got.root(), where)
    # An unusable href is keyed by its text (see the spider's invalid_url findings).
    if any(url_key(x.url) == link for x in links) or any(x.url == link for x in invalid):
        return PageResult(page_url, STILL_THERE, "页面仍链接到该地址")
    return PageResult(page_url, GONE, "页面已无该链接")


def _page_text(page_url: str, finding: dict, checker: TextChecker, timeout: float,
               policy: AddressPolicy | None = None) -> PageResult:
    attachment = attachments.is_attachment(page_url)
    limit = attachments.MAX_BYTES if attachment else MAX_PAGE_BYTES
    got = fetch(page_url, "GET", timeout, limit, policy=policy)
    if not got.answered or got.status >= 400:
        return PageResult(page_url, UNREACHABLE, got.error or f"HTTP {got.status}")
    key = finding["key"]
    if attachment:  # read as the crawl reads it: a file that cannot be read proves nothing
        name = urlsplit(got.final_url or page_url).path
        with _CHECK_LOCK:
            extracted, hits = attachments.check_file(checker, got.body, name)
        if extracted.problem:
            return PageResult(page_url, UNREACHABLE, extracted.problem)
    else:
        with _CHECK_LOCK:
            hits = checker.check_html(got.text())
    for hit in hits:
        same_key = text_key(finding["site"] or "", hit.key) == key
        if same_key or (hit.category == finding["category"] and hit.text == finding["text"]):
            return PageResult(page_url, STILL_THERE, f"页面仍有「{hit.text}」")
    return PageResult(page_url, GONE, "页面已无该问题")


def _page_hidden(page_url: str, finding: dict, checker: TextChecker, timeout: float,
                 policy: AddressPolicy | None, own_hosts: set[str]) -> PageResult:
    """A hidden link still hidden on the page, or for cloaking, still served to Baiduspider."""
    cloaking = finding["category"] == CLOAKING
    got = fetch(page_url, "GET", timeout, policy=policy,
                user_agent=SEARCH_ENGINE_AGENT if cloaking else USER_AGENT)
    if not got.answered or got.status >= 400:
        return PageResult(page_url, UNREACHABLE, got.error or f"HTTP {got.status}")
    text = finding["text"] or ""
    if cloaking:
        still = text in got.text()  # the spam link or word, in what the search engine gets
    else:
        hidden = HiddenPolicy(frozenset(h.rsplit(":", 1)[0] for h in own_hosts), DEFAULT_ALLOW)
        with _CHECK_LOCK:
            found = hidden_link_hits(got.root(), got.final_url or page_url, hidden, checker)
        still = any(h.text.rstrip("/") == text.rstrip("/") for h in found)
    if still:
        return PageResult(page_url, STILL_THERE, f"页面仍有「{text}」")
    return PageResult(page_url, GONE, "页面已无该问题")


def overall(pages: Iterable[PageResult]) -> str:
    results = {p.result for p in pages}
    if STILL_THERE in results:
        return STILL_THERE
    if UNREACHABLE in results or not results:
        return UNREACHABLE
    return GONE


def recheck_finding(
    finding: dict, checker: Callable[[], TextChecker], *, internal_hosts: set[str], timeout: float = 10.0,
    policy: AddressPolicy | None = None,
) -> tuple[str, list[PageResult]]:
    """The result for one finding and each page's result.

    `finding` is a list_findings record plus the findings columns ``key`` and ``link``.
    ``policy``: the addresses requests may reach (default: public ones only).
    """
    policy = policy if policy is not None else AddressPolicy()
    pages = finding["pages"]
    # The whole job is bounded too: a finding on thousands of pages, or many slow ones,
    # ends with the pages it could not reach in time marked unreachable.
    job_end = time.monotonic() + JOB_TIMEOUTS * timeout

    def bounded(check: Callable[[str, float], PageResult]) -> Callable[[str], PageResult]:
        def run(page: str) -> PageResult:
            left = job_end - time.monotonic()
            if left <= 0:
                return PageResult(page, UNREACHABLE, "复核超过总时限，未检查此页")
            return check(page, min(timeout, left))
        return run

    if finding["kind"] in (*INSPECTION_KINDS, EXTERNAL_KIND):
        # A column's freshness or a site's page tags are judged from the whole site: only the
        # next complete crawl can say they are fixed. Not checked now, so nothing changes.
        return UNREACHABLE, [PageResult(p, UNREACHABLE, "此类问题由下一次完整巡检复核") for p in pages[:1]]
    if finding["kind"] in LINK_KINDS:
        target = finding["target"] or finding["link"]
        alive, detail = check_target(target, netloc_key(target) in internal_hosts, timeout, policy)
        if alive:
            return GONE, [PageResult(target, GONE, f"链接已可访问：{detail}")]
        first = PageResult(target, STILL_THERE, f"链接仍不可用：{detail}")
        with ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(bounded(lambda p, t: _page_links(p, finding["link"], t, policy)), pages))
        if not pages:
            return STILL_THERE, [first]
        return overall(results), [first, *results]
    text_checker = checker()
    if finding["kind"] == HIDDEN_KIND:
        with ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(bounded(lambda p, t: _page_hidden(
                p, finding, text_checker, t, policy, internal_hosts)), pages))
        return overall(results), results
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(bounded(lambda p, t: _page_text(p, finding, text_checker, t, policy)), pages))
    return overall(results), results


def recheck(
    db: Database,
    ids: Iterable[int],
    *,
    actor: str,
    checker: TextChecker | None = None,
    timeout: float = 10.0,
) -> list[Recheck]:
    """Recheck findings `ids` and record each result. Raises FindingNotFound for unknown ids."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise RecheckError("no finding ids given")
    rows = {r["id"]: r for r in list_findings(db, ids=ids)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise FindingNotFound("no finding with id " + ", ".join(map(str, missing)))
    extra = {r[0]: {"key": r[1], "link": r[2]} for r in db.execute(
        f"SELECT id, key, link FROM findings WHERE id IN ({','.join('?' * len(ids))})", ids
    ).fetchall()}
    sites = load_sites(db)
    hosts = _internal_hosts(sites)
    # As the crawl: the sites' own addresses may be private; metadata ones never.
    policy = AddressPolicy(sorted(site_addresses(u for site in sites.values() for u in site.start_urls)))
    out = []
    for fid in ids:
        finding = {**rows[fid], **extra[fid]}
        site = sites.get(finding["site"])
        get_checker = (lambda: checker) if checker else (
            lambda site=site: checker_for(site.wordlists if site else ()))
        result, pages = recheck_finding(finding, get_checker, internal_hosts=hosts, timeout=timeout,
                                        policy=policy)
        out.append(Recheck(fid, now(), actor, finding["status"], result, pages))
    with transaction(db):
        for r in out:
            db.execute(
                "INSERT INTO rechecks (finding_id, at, actor, status, result, detail) VALUES (?,?,?,?,?,?)",
                (r.finding_id, r.at, r.actor, r.status, r.result,
                 json.dumps([asdict(p) for p in r.pages], ensure_ascii=False)),
            )
    return out


def latest_rechecks(db: Database, ids: Iterable[int] | None = None) -> dict[int, dict]:
    """The last recheck of each finding (of `ids`, or all): {finding_id: row with pages parsed}."""
    sql = "SELECT * FROM rechecks WHERE id IN (SELECT max(id) FROM rechecks GROUP BY finding_id)"
    params: list = []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return {}
        sql += f" AND finding_id IN ({','.join('?' * len(ids))})"
        params = ids
    return {r["finding_id"]: {**dict(r), "pages": json.loads(r["detail"] or "[]")}
            for r in db.query(sql, params)}


def rechecks_of(db: Database, finding_id: int) -> list[dict]:
    return [{**dict(r), "pages": json.loads(r["detail"] or "[]")} for r in db.query(
        "SELECT * FROM rechecks WHERE finding_id = ? ORDER BY id", [finding_id]
    )]


def _internal_hosts(sites: dict[str, SiteInfo]) -> set[str]:
    hosts = set()
    for site in sites.values():
        hosts.add(site.name)
        hosts.update(netloc_key(u) for u in site.start_urls)
    return hosts


_CHECKERS: dict[tuple[str, ...], TextChecker] = {}


def checker_for(wordlists: Iterable[str]) -> TextChecker:
    """The TextChecker for a site's wordlist folders, built once per process (jieba, automaton)."""
    from crawler.textcheck import TextChecker, load_wordlists

    dirs = tuple(wordlists)
    with _CHECK_LOCK:
        if dirs not in _CHECKERS:
            _CHECKERS[dirs] = TextChecker(load_wordlists([Path(d) for d in dirs]))
        return _CHECKERS[dirs]
