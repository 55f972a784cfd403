"""Parse a whole HTML page and pull every link out of it.

Scrapy's LinkExtractor gives neither the element nor srcset, meta refresh, object data
or CSS references, and its defaults skip documents; this walks the lxml tree once
instead. An href no browser can follow (no URL at all, no host, a `file:` path) is
returned apart, with the reason. No Scrapy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from w3lib.encoding import resolve_encoding

from crawler.encoding import decode_counted, too_many_replaced
from crawler.stylesheets import css_references, may_reference
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
_TAGS = (*LINK_ATTRS, "style")  # <style>: url() and @import in its CSS
# Elements whose style attribute may reference something: XPath in C, so that the
# common page with no url() in any style attribute costs one tree walk and no Python.
_STYLED = etree.XPath("//*[@style[contains(translate(., 'URL', 'url'), 'url(')]]")
# Ruby annotations (<rt>, <rp>, <rtc>) are read with the text they annotate, never as text
# of their own, as the text checks read them (再<ruby>接<rt>jiē</rt></ruby>再励 is 再接再励).
_RUBY = ("rt", "rp", "rtc")
_REFRESH = re.compile(r"^\s*[\d.]+\s*[;,]\s*(?:url\s*=\s*)?['\"]?(?P<url>[^'\"]+)", re.I)
_WS = re.compile(r"\s+")
# C0 controls but tab, LF and CR (URL parsers drop those): no browser asks for such a URL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An http(s) scheme, then the slashes (browsers read a backslash as one) before an authority.
_SPECIAL = re.compile(r"(?i)(https?:)?([/\\]*)")
# A host no DNS can hold (RFC 1035 lengths), or with characters the URL standard forbids.
_LABEL_MAX, _HOST_MAX = 63, 253
_FORBIDDEN_HOST = re.compile(r"[\s<>^|]")
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
        return " ".join(visible_text(el).split()) if el is not None else ""

    return text(root.find(".//title")), text(next(iter(root.iter("h1")), None))


def visible_text(el: etree._Element) -> str:
    """The element's text without ruby annotations (<rt>, <rp>, <rtc>)."""
    if next(el.iter(*_RUBY), None) is None:
        return el.text_content()
    parts: list[str] = []
    _text_without_ruby(el, parts)
    return "".join(parts)


def _text_without_ruby(el: etree._Element, parts: list[str]) -> None:
    if el.text and isinstance(el.tag, str):  # comments and processing instructions are no text
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _RUBY:
            _text_without_ruby(child, parts)
        if child.tail:
            parts.append(child.tail)


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute, as linked (fragment removed); for an unusable href, as written
    element: str  # tag name; "css" for a reference in a stylesheet
    attr: str  # the attribute; "@import" or "url()" for a CSS reference
    anchor: str  # visible text, alt or title; may be empty
    problem: str = ""  # why no browser can follow it (Chinese, for users); "" for a URL


class Unusable(str):
    """What the resolver gives for an href that is no followable URL: the reason, in Chinese."""

    __slots__ = ()


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()[:ANCHOR_MAX]


def _anchor(el: etree._Element) -> str:
    if el.tag in ("a", "area"):
        text = _clean(visible_text(el)) if el.tag == "a" else ""
        if text:
            return text
        if el.tag == "a":
            for img in el.iter("img"):
                alt = _clean(img.get("alt"))
                if alt:
                    return alt
    return _clean(el.get("alt")) or _clean(el.get("title"))


_SRCSET_SPACE = " \t\n\f\r"  # ASCII whitespace, as the HTML standard counts it


def srcset_urls(value: str) -> list[str]:
    """The URL of each image candidate of a srcset, split as the HTML standard's "parse a
    srcset attribute" does: a URL runs to the next whitespace, and only a comma at its end
    or after its descriptors (outside parentheses) ends a candidate. So a comma inside a
    URL (`/cdn-cgi/image/format=webp,width=640/a.jpg`, `data:image/png;base64,...`) stays
    in it. Descriptors are not validated: a candidate the browser drops for a bad
    descriptor is still a URL the page publishes."""
    urls: list[str] = []
    n, pos = len(value), 0
    while True:
        while pos < n and (value[pos] in _SRCSET_SPACE or value[pos] == ","):
            pos += 1
        if pos >= n:
            return urls
        start = pos
        while pos < n and value[pos] not in _SRCSET_SPACE:
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors, up to a comma outside parentheses
            depth = False
            while pos < n:
                c = value[pos]
                pos += 1
                if depth:
                    depth = c != ")"
                elif c == "(":
                    depth = True
                elif c == ",":
                    break
        if url:
            urls.append(url)


def _refresh_url(el: etree._Element) -> str | None:
    if (el.get("http-equiv") or "").lower() != "refresh":
        return None
    m = _REFRESH.match(el.get("content") or "")
    return m.group("url").strip() if m else None


class Resolver:
    """urljoin with a cache: nav and footer links repeat on every page.

    An absolute or root-relative href resolves the same against any page of a host,
    so those are cached per origin; other hrefs per base URL. An href that is no URL a
    browser can follow (`http://localhost]`, a port over 65535, control characters, an
    http(s) URL with no host or an impossible one) resolves to an Unusable reason.
    """

    def __init__(self, max_entries: int = 200_000):
        self._cache: dict[tuple[str, str], str] = {}
        self.max_entries = max_entries

    def __call__(self, base: str, raw: str) -> str:
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
        return hit


def _join(base: str, raw: str) -> str:
    """The absolute URL without fragment, or an Unusable reason."""
    if _CONTROL.search(raw):
        return Unusable("链接地址含控制字符")
    try:
        absolute = _with_authority(base, raw)
        if absolute is not None and not urlsplit(absolute).hostname:
            # urljoin would put the base's host in the empty place and check a live URL.
            return Unusable("链接地址缺少主机名")
        url = urljoin(base, absolute or raw).split("#", 1)[0]
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is no number or out of range
    except ValueError:  # e.g. "Invalid IPv6 URL" for a stray bracket in the host
        return Unusable("链接地址无法解析")
    if parts.scheme.lower() in ("http", "https"):
        return _host_problem(parts.hostname or "") or url
    return url


def _with_authority(base: str, raw: str) -> str | None:
    """`raw` as an absolute URL when it has an authority, as the URL standard reads it;
    None for a reference relative to the base (or another scheme).

    After an http(s) scheme that differs from the base's, or after two or more slashes,
    a browser skips every slash and backslash and reads a host: `///x.gov.cn/a` is on
    x.gov.cn, and `http://`, `https:` on an http page and `//////` have an empty one.
    """
    m = _SPECIAL.match(raw)
    scheme, slashes = m.group(1), m.group(2)
    base_scheme = base[: base.find(":") + 1]
    if scheme is None:
        if len(slashes) < 2:
            return None  # "a.html", "/a.html", or another scheme
        scheme = base_scheme
    elif len(slashes) < 2 and scheme.lower() == base_scheme.lower():
        return None  # "http:a.html" on an http page is relative, as in browsers
    return f"{scheme}//{raw[m.end():]}"


def _host_problem(host: str) -> Unusable | None:
    if not host:
        return Unusable("链接地址缺少主机名")
    if _FORBIDDEN_HOST.search(host):
        return Unusable("主机名含非法字符")
    too_long = len(host) > _HOST_MAX or any(len(label) > _LABEL_MAX for label in host.split("."))
    if too_long and host.isascii():  # an IDN label is measured in its punycode form: not here
        return Unusable("主机名过长，无法解析")
    return None


_default_resolver = Resolver()
FILE_LINK = "本地文件链接（file:），访问者无法打开"
# The longest scheme skipped: only this much of an href is lowered (a data: URI can be 1 MB).
_SCHEME_MAX = max(map(len, NON_HTTP_SCHEMES))


class _Collector:
    """The links of one page (or stylesheet): each distinct URL once, from its first element."""

    __slots__ = ("bad", "invalid", "links", "resolve", "seen", "skipped")

    def __init__(self, resolve: Resolver):
        self.resolve = resolve
        self.links: list[Link] = []
        self.invalid: list[Link] = []
        self.seen: set[str] = set()
        self.bad: set[str] = set()
        self.skipped = 0

    def take(self, base: str, raw: str, tag: str, attr: str, el: etree._Element | None) -> None:
        raw = raw.strip()
        if not raw or raw[0] == "#":
            self.skipped += bool(raw)
            return
        scheme = raw[:_SCHEME_MAX].lower()
        if scheme.startswith(NON_HTTP_SCHEMES):
            self.skipped += 1
            return
        if scheme.startswith("file:"):
            problem = FILE_LINK  # a path on the author's own disk: dead for every visitor
        else:
            absolute = self.resolve(base, raw)
            if type(absolute) is Unusable:
                problem = absolute
            elif not absolute[:8].lower().startswith(("http://", "https://")):
                self.skipped += 1
                return
            else:
                if absolute not in self.seen:  # nav and footer repeat links; one is enough
                    self.seen.add(absolute)
                    self.links.append(Link(absolute, tag, attr, _anchor(el) if el is not None else ""))
                return
        if raw not in self.bad:
            self.bad.add(raw)
            self.invalid.append(Link(raw, tag, attr, _anchor(el) if el is not None else "", str(problem)))


def unusable_href(base: str, href: str, resolve: Resolver = _default_resolver) -> str | None:
    """Why `href` (as stored among a page's links) is no URL a browser can follow, as
    extract_links judged it, else None. A stored link is an absolute http(s) URL, or an
    unusable href kept as written."""
    if href[:5].lower() == "file:":
        return FILE_LINK
    resolved = resolve(base, href)
    return str(resolved) if type(resolved) is Unusable else None


def extract_links(
    root: etree._Element, page_url: str, resolve: Resolver = _default_resolver
) -> tuple[list[Link], int, list[Link]]:
    """Return (links, non-http count, invalid): each distinct URL once, from its first element.

    `<base href>` is honoured; fragments dropped. `invalid` holds each href no browser can
    follow once, as written (stripped), with the reason: one bad href never costs the page
    its other links. CSS references in `<style>` and in style attributes are links too.
    """
    found = _Collector(resolve)
    take = found.take
    base = page_url
    for el in root.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            resolved = resolve(page_url, href)
            if type(resolved) is Unusable:  # browsers then resolve against the page URL
                found.bad.add(href)
                found.invalid.append(Link(href, "base", "href", "", str(resolved)))
            else:
                base = resolved
        break
    for el in root.iter(*_TAGS):
        tag = el.tag
        if tag == "style":
            css = el.text
            if css and may_reference(css):
                for raw, kind in css_references(css):
                    take(base, raw, tag, kind, None)
            continue
        if tag == "link" and _SKIP_REL.intersection((el.get("rel") or "").lower().split()):
            continue
        for attr in LINK_ATTRS[tag]:
            if tag == "meta":
                raw = _refresh_url(el)
                if raw:
                    take(base, raw, tag, attr, el)
                continue
            value = el.get(attr)
            if not value:
                continue
            if attr == "srcset":
                for raw in srcset_urls(value):
                    take(base, raw, tag, attr, el)
            else:
                take(base, value, tag, attr, el)
    for el in _STYLED(root):
        for raw, _ in css_references(el.get("style")):
            take(base, raw, el.tag, "style", el)
    return found.links, found.skipped, found.invalid


def stylesheet_links(
    css: str, css_url: str, resolve: Resolver = _default_resolver
) -> tuple[list[Link], int, list[Link]]:
    """`extract_links` for a stylesheet's text: its `@import` and `url()` references,
    resolved against the stylesheet's own URL (element "css", attr "@import" or "url()")."""
    found = _Collector(resolve)
    for raw, kind in css_references(css, cache=False):
        found.take(css_url, raw, "css", kind, None)
    return found.links, found.skipped, found.invalid
