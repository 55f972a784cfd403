"""URL handling for the crawl: normalisation, scope and trap detection.

No Scrapy import: the store, the review UI and the tests use these too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from posixpath import splitext
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

from crawler.errors import DuwangError

# Schemes that are not HTTP checks (counted, never requested). Not file:, a path on the
# author's own disk that no visitor can open: crawler.links reports it (invalid_url).
NON_HTTP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "ftp:", "about:")

# Query parameters and path parameters that carry a session id; stripped so one page
# is not crawled once per session.
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid", "cfid", "cftoken"}
)
_PATH_SESSION = re.compile(rf";({'|'.join(SESSION_PARAMS)})=[^/?#]*", re.I)

# Extensions that are fetched and parsed as pages when internal. Anything else internal
# (pdf, doc, images…) is only checked. No extension counts as a page.
PAGE_EXTENSIONS = frozenset(
    {"", ".html", ".htm", ".shtml", ".shtm", ".xhtml", ".jsp", ".jspx", ".asp", ".aspx",
     ".php", ".do", ".action", ".cgi", ".cfm"}
)

_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadURL(DuwangError, ValueError):
    """A start URL that cannot be crawled."""


def netloc_key(url: str) -> str:
    """Host[:port] in lower case, default ports dropped: the unit of scope."""
    origin = _ORIGIN.match(url)
    return _netloc_key(origin.group() if origin else url)


# Every link of a page is scoped; a site has few origins.
@lru_cache(maxsize=4096)
def _netloc_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{port}"
    return host


_ORIGIN = re.compile(r"[^:/?#]*:?//[^/?#]*")


def validate_start_url(url: str) -> str:
    """Return a crawlable absolute http(s) URL or raise BadURL with a reason."""
    url = url.strip()
    if "://" not in url and not url.startswith("//") and re.match(r"^[\w.-]+(:\d+)?(/|$)", url):
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise BadURL(f"malformed URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise BadURL(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise BadURL(f"URL has no host: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise BadURL(f"URL has an invalid port: {url!r}") from None
    if re.search(r"[\s<>\"{}|\\^`]", parts.hostname):
        raise BadURL(f"URL has an invalid host: {url!r}")
    return safe_url_string(url)


def strip_session(url: str) -> str:
    """Drop session ids from the path and the query."""
    url = _PATH_SESSION.sub("", url)
    parts = urlsplit(url)
    if not parts.query:
        return url
    # Split the raw query: decoding and re-encoding would corrupt GBK-escaped values.
    pairs = parts.query.split("&")
    kept = [p for p in pairs if p.partition("=")[0].lower() not in SESSION_PARAMS]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def url_key(url: str) -> str:
    """The identity of a target: canonical form, no fragment, no session id.

    Raw and percent-encoded Chinese paths give the same key.
    """
    return canonicalize_url(_drop_default_port(strip_session(url)), keep_fragments=False)


def _drop_default_port(url: str) -> str:
    if ":80" not in url and ":443" not in url:
        return url
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return url
    if port and port == _DEFAULT_PORTS.get(parts.scheme.lower()) and parts.hostname:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{host}" if userinfo else host
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def looks_like_page(url: str) -> bool:
    path = urlsplit(url).path
    return splitext(path.rsplit("/", 1)[-1])[1].lower() in PAGE_EXTENSIONS


@dataclass
class TrapGuard:
    """Bounds what is followed, so a crawl always ends.

    A URL that fails a bound is not crawled; the spider still checks it once.
    """

    max_url_length: int = 1024
    max_query_variants: int = 200
    max_repeated_segment: int = 3
    _variants: dict[str, int] = field(default_factory=dict)

    def reason(self, url: str) -> str | None:
        """Why a URL must not be followed, or None. Counts query variants as it goes."""
        if len(url) > self.max_url_length:
            return "url_length"
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if segments:
            counts: dict[str, int] = {}
            for seg in segments:
                counts[seg] = counts.get(seg, 0) + 1
                if counts[seg] >= self.max_repeated_segment:
                    return "repeated_segment"
        if parts.query:
            base = f"{parts.netloc}{parts.path}"
            seen = self._variants.get(base, 0)
            if seen >= self.max_query_variants:
                return "query_variants"
            self._variants[base] = seen + 1
        return None


# --- site identity ---------------------------------------------------------------------
# A finding's key must survive a move of the site to https, to or from "www.", or to
# another port: the same dead link or page is the same finding afterwards.

_REGISTRY_SECOND = frozenset({"gov", "com", "edu", "org", "net", "ac", "mil"})


def bare_host(netloc: str) -> str:
    """Host without port and without a leading "www."."""
    host = netloc.rsplit("@", 1)[-1]
    host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def default_site_name(start_url: str) -> str:
    """A site's name when the config gives none: its host, without port or "www."."""
    return bare_host(netloc_key(start_url))


def registered_domain(host: str) -> str:
    """The domain an organisation registers: example.gov.cn for www.a.example.gov.cn."""
    labels = bare_host(host).split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _REGISTRY_SECOND else 2
    return ".".join(labels[-keep:])


class SiteIdentity:
    """Site-relative identity of URLs: no scheme, no "www.", and for the site's own hosts
    no port; an alias host (an old domain, where a start URL now redirects) reads as the
    site's main host."""

    def __init__(self, main_host: str, own: list[str] = (), aliases: list[str] = ()):
        self.main = bare_host(main_host)
        self._hosts: dict[str, str] = {}
        for netloc in own:
            self._hosts[netloc.lower()] = bare_host(netloc)
        for netloc in aliases:
            self._hosts[netloc.lower()] = self.main
        self._cache: dict[str, str] = {}

    def host(self, netloc: str) -> str:
        known = self._hosts.get(netloc)
        if known is not None:
            return known
        bare = bare_host(netloc)
        port = netloc.rsplit(":", 1)[1] if ":" in netloc and not netloc.endswith("]") else ""
        return f"{bare}:{port}" if port else bare

    def __call__(self, url: str) -> str:
        """"//host/path?query" of a url_key; anything that is not an http(s) URL as it is."""
        hit = self._cache.get(url)
        if hit is None:
            scheme, sep, rest = url.partition("://")
            if not sep or scheme.lower() not in ("http", "https"):
                hit = url
            else:
                netloc, slash, tail = rest.partition("/")
                hit = f"//{self.host(netloc.lower())}{slash}{tail}"
            if len(self._cache) < 500_000:
                self._cache[url] = hit
        return hit
