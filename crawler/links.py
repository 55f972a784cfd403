"""Pull every link out of a parsed HTML page.

Scrapy's LinkExtractor gives neither the element nor srcset, meta refresh or object
data, and its defaults skip documents; this walks the lxml tree once instead.
No Scrapy import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawler.textcheck.extract import parse
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
ANCHOR_MAX = 120


_PARSERS: dict[str, etree.HTMLParser] = {}


def parse_html(body: bytes, encoding: str) -> etree._Element:
    """Parse page bytes in one C call (no str round trip), in the encoding the crawl chose."""
    parser = _PARSERS.get(encoding)
    if parser is None:
        parser = _PARSERS[encoding] = lxml.html.HTMLParser(encoding=encoding, recover=True)
    try:
        return lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, LookupError, ValueError):
        # An encoding unknown to libxml2, or no element at all (empty, blank, a comment).
        return parse(body.decode(encoding, "replace"))


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
    so those are cached per origin; other hrefs per base URL.
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
            hit = self._cache[key] = urljoin(base, raw).split("#", 1)[0]
        return hit


_default_resolver = Resolver()


def extract_links(
    root: etree._Element, page_url: str, resolve: Resolver = _default_resolver
) -> tuple[list[Link], int]:
    """Return (links, non-http count): each distinct URL once, from its first element.

    `<base href>` is honoured; fragments dropped.
    """
    base = page_url
    for el in root.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            base = urljoin(page_url, href)
        break
    links: list[Link] = []
    on_page: set[str] = set()
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
                if not absolute[:8].lower().startswith(("http://", "https://")):
                    skipped += 1
                    continue
                if absolute not in on_page:  # nav and footer repeat links; one is enough
                    on_page.add(absolute)
                    links.append(Link(absolute, tag, attr, _anchor(el)))
    return links, skipped
