"""Parse a whole HTML page and pull every link out of it.

Scrapy's LinkExtractor gives neither the element nor srcset, meta refresh or object
data, and its defaults skip documents; this walks the lxml tree once instead.
No Scrapy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from w3lib.encoding import resolve_encoding

from crawler.encoding import decode_counted, too_many_replaced
from crawler.textcheck.extract import html_parser, parse_with
from crawler.urls import NON_HTTP_SCHEMES

# tag -> attributes holding a URL. srcset holds several.
LINK_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "img": ("src", "srcset"),
    "script": ("src",),
    "link": ("href",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "meta": ("content",),
}
# rel values that name a host to warm up, not a resource to fetch.
_SKIP_REL = frozenset({"preconnect", "dns-prefetch"})
_REFRESH = re.compile(r"^\s*[\d.]+\s*[;,]\s*(?:url\s*=\s*)?['\"]?(?P<url>[^'\"]+)", re.I)
_WS = re.compile(r"\s+")
# C0 controls but tab, LF and CR (URL parsers drop those): no browser asks for such a URL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ANCHOR_MAX = 120


# libxml2 reports at most 100 errors a parse (XML_MAX_ERRORS); past that it is silent.
_LOG_CAP = 100
_INVALID_ENCODING = etree.ErrorTypes.ERR_INVALID_ENCODING


@dataclass(frozen=True, slots=True)
class ParsedPage:
    root: etree._Element
    partial: str | None  # None when the page was read in full, else a short English reason


def parse_page(body: bytes, encoding: str) -> ParsedPage:
    """Parse page bytes in the encoding the crawl chose, all of them.

    UTF-8 goes to libxml2 as bytes (one C call). Other codecs, and UTF-8 with bad bytes,
    are decoded here with bad bytes replaced: libxml2 stops for good at a byte its
    iconv cannot convert, and decoding GBK in Python then parsing the str is faster
    anyway. `partial` says why content is missing: libxml2 stopped (a fatal error,
    e.g. nesting deeper than 2048), or more than a tiny fraction of bytes was replaced.
    """
    codec = resolve_encoding(encoding) or "utf-8"
    decode_as = codec
    if codec in ("utf-8", "utf-8-sig"):
        parser = html_parser("utf-8")
        root = parse_with(body, parser)
        log = parser.error_log
        if not log:  # most pages: nothing to look into
            return ParsedPage(_page(root), None)
        if not _bad_utf8(body, log):
            return ParsedPage(_page(root), _stopped(log) if root is not None else None)
        decode_as = "utf-8-sig"  # as libxml2 does, a BOM is no text
    text, bad = decode_counted(body, decode_as)
    parser = html_parser()
    root = parse_with(text, parser)
    log = parser.error_log
    partial = _stopped(log) if log and root is not None else None
    if partial is None and too_many_replaced(text, bad):
        partial = f"undecodable bytes: {bad} of {len(body)} replaced in {codec}"
    return ParsedPage(_page(root), partial)


def parse_html(body: bytes, encoding: str) -> etree._Element:
    """The tree of `parse_page`, for callers that need not know whether it is whole."""
    return parse_page(body, encoding).root


def _page(root: etree._Element | None) -> etree._Element:
    # A document with no element at all (empty, blank, a comment) is an empty page.
    return lxml.html.document_fromstring("<html/>") if root is None else root


def _bad_utf8(body: bytes, log: etree._ListErrorLog) -> bool:
    if log.filter_types([_INVALID_ENCODING]):
        return True
    if len(log) < _LOG_CAP:
        return False
    try:  # the log is full: a bad byte past it went unreported
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _stopped(log: etree._ListErrorLog) -> str | None:
    fatal = log.filter_from_fatals()
    if not fatal:
        return None
    error = fatal[0]
    message = error.message.split(", use XML_PARSE_HUGE")[0].strip()
    return f"parser stopped at line {error.line}: {message}"


def title_and_heading(root: etree._Element) -> tuple[str, str]:
    """The page's <title> and first <h1>, whitespace collapsed: what soft-404 rules read."""
    def text(el: etree._Element | None) -> str:
        return " ".join(el.text_content().split()) if el is not None else ""

    return text(root.find(".//title")), text(next(iter(root.iter("h1")), None))


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute, as linked (fragment removed)
    element: str  # tag name
    attr: str
    anchor: str  # visible text, alt or title; may be empty


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()[:ANCHOR_MAX]


def _anchor(el: etree._Element) -> str:
    if el.tag in ("a", "area"):
        text = _clean(el.text_content()) if el.tag == "a" else ""
        if text:
            return text
        if el.tag == "a":
            for img in el.iter("img"):
                alt = _clean(img.get("alt"))
                if alt:
                    return alt
    return _clean(el.get("alt")) or _clean(el.get("title"))


def _srcset_urls(value: str) -> list[str]:
    # "a.png 1x, b.png 2x": a candidate is a URL then an optional descriptor.
    return [c.strip().split()[0] for c in value.split(",") if c.strip()]


def _refresh_url(el: etree._Element) -> str | None:
    if (el.get("http-equiv") or "").lower() != "refresh":
        return None
    m = _REFRESH.match(el.get("content") or "")
    return m.group("url").strip() if m else None


class Resolver:
    """urljoin with a cache: nav and footer links repeat on every page.

    An absolute or root-relative href resolves the same against any page of a host,
    so those are cached per origin; other hrefs per base URL. An href that is no URL
    (`http://localhost]`, a port over 65535, control characters) resolves to None.
    """

    def __init__(self, max_entries: int = 200_000):
        self._cache: dict[tuple[str, str], str] = {}
        self.max_entries = max_entries

    def __call__(self, base: str, raw: str) -> str | None:
        if raw.startswith(("http://", "https://")):
            scope = ""
        elif raw.startswith("/") and not raw.startswith("//"):
            start = base.find("//") + 2
            end = base.find("/", start)
            scope = base if end == -1 else base[:end]
        else:
            scope = base
        key = (scope, raw)
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()
            hit = self._cache[key] = _join(base, raw)
        return hit or None


def _join(base: str, raw: str) -> str:
    """The absolute URL without fragment, or "" when `raw` is no URL."""
    if _CONTROL.search(raw):
        return ""
    try:
        url = urljoin(base, raw).split("#", 1)[0]
        urlsplit(url).port  # noqa: B018 - raises on a port that is no number or out of range
    except ValueError:  # e.g. "Invalid IPv6 URL" for a stray bracket in the host
        return ""
    return url


_default_resolver = Resolver()


def extract_links(
    root: etree._Element, page_url: str, resolve: Resolver = _default_resolver
) -> tuple[list[Link], int, list[Link]]:
    """Return (links, non-http count, invalid): each distinct URL once, from its first element.

    `<base href>` is honoured; fragments dropped. `invalid` holds each href that is no
    URL once, as written (stripped): one bad href never costs the page its other links.
    """
    links: list[Link] = []
    invalid: list[Link] = []
    on_page: set[str] = set()
    bad_on_page: set[str] = set()
    base = page_url
    for el in root.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            resolved = resolve(page_url, href)
            if resolved is None:  # browsers then resolve against the page URL
                bad_on_page.add(href)
                invalid.append(Link(href, "base", "href", ""))
            else:
                base = resolved
        break
    skipped = 0
    for el in root.iter(*LINK_ATTRS):
        tag = el.tag
        if tag == "link" and _SKIP_REL.intersection((el.get("rel") or "").lower().split()):
            continue
        for attr in LINK_ATTRS[tag]:
            if tag == "meta":
                raw = _refresh_url(el)
                values = [raw] if raw else []
            else:
                value = el.get(attr)
                if not value:
                    continue
                values = _srcset_urls(value) if attr == "srcset" else [value]
            for raw in values:
                raw = raw.strip()
                if not raw or raw.startswith("#"):
                    skipped += raw.startswith("#")
                    continue
                if raw.lower().startswith(NON_HTTP_SCHEMES):
                    skipped += 1
                    continue
                absolute = resolve(base, raw)
                if absolute is None:
                    if raw not in bad_on_page:
                        bad_on_page.add(raw)
                        invalid.append(Link(raw, tag, attr, _anchor(el)))
                    continue
                if not absolute[:8].lower().startswith(("http://", "https://")):
                    skipped += 1
                    continue
                if absolute not in on_page:  # nav and footer repeat links; one is enough
                    on_page.add(absolute)
                    links.append(Link(absolute, tag, attr, _anchor(el)))
    return links, skipped, invalid
