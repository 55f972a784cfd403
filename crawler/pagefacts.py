"""What the inspection checks need of a page, read from the tree the crawl already parsed.

《政府网站发展指引》 (国办发〔2017〕47号) asks every page for ``<meta>`` page tags (SiteName,
SiteDomain, SiteIDCode; ColumnName, ColumnType on column pages; ArticleTitle, PubDate,
ContentSource on articles) and a footer with the 网站标识码, the ICP 备案号, the 公安机关备案号
and the 党政机关网站标识. 《政府网站与政务新媒体检查指标》 judges a column by the dates of
its items. This module reads all of that in one pass, cheaply: the meta tags, the footer's
text, and, only on pages that have ``<li>`` or ``<tr>`` elements, the list items: a link
with the date printed beside it in the same item or row. No Scrapy import; pages are
hostile input, so every value is cut to a bounded length.

The analysis of these facts is in crawler/inspection/.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from crawler.inspection.found import FOOTER_CONAC, FOOTER_ICP, FOOTER_POLICE, FOOTER_SITE_ID
from crawler.links import Resolver, Unusable
from crawler.textcheck.dates import page_date, parse_date, search_date

# The page tags, as 《政府网站发展指引》 spells them; names are matched case-insensitively.
PAGE_TAGS = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnDescription",
             "ColumnKeywords", "ColumnType", "ArticleTitle", "PubDate", "ContentSource")
_TAG_NAMES = {t.lower(): t for t in PAGE_TAGS}
TAG_VALUE_MAX = 200
MAX_ITEMS = 300  # list items kept per page: a column's first page, not a site map
ITEM_TEXT_MAX = 300  # characters of an item read for its date

_SITE_ID = re.compile(r"网站标识码\s*[：:]?\s*([A-Za-z0-9]{6,12})")
_ICP = re.compile(r"ICP\s*[备證证]\s*[0-9]{4,}|ICP备")
_POLICE = re.compile(r"公网安备\s*[0-9]{10,}|公安机关备案号|公安备案号")
_POLICE_HOSTS = ("beian.gov.cn", "beian.mps.gov.cn")
_CONAC = "conac.cn"
# Every lxml element a Python loop touches costs a proxy object: texts are taken with a
# compiled XPath string() (libxml2, in C), and only list items with a year in their text (or
# on a page whose undated items count) go through the Python checks.
FOOTER_TAIL = 3000
# Containers that are navigation, not a column's list: their items are never a column's.
_CHROME = re.compile(r"nav|menu|head|foot|banner|crumb|daohang", re.I)
_CHROME_TAGS = frozenset({"nav", "header", "footer"})
_YEAR = re.compile(r"[0-9０-９]{4}")
_STRING = etree.XPath("string()")
_BODY_TEXT = etree.XPath("string(//body)")
_resolve = Resolver(20_000)  # list items are mostly distinct: a small cache
_TEXT_DATE_WINDOW = 1500  # characters of an article's text searched for its 发布时间 line
_EMPTY = re.compile(r"暂无(?:相关)?(?:信息|内容|数据|记录|文章|新闻)|没有(?:相关)?(?:信息|记录|内容)")


@dataclass(slots=True)
class PageFacts:
    tags: dict[str, str] = field(default_factory=dict)  # page tag (as in PAGE_TAGS) -> content
    footer: list[str] = field(default_factory=list)  # footer markers found (FOOTER_*)
    site_id: str = ""  # the 网站标识码 printed in the footer, as written
    pub_date: str | None = None  # the page's own publish date (ISO), from PubDate or its text
    # (absolute URL, ISO date printed beside it or None), in page order; only kept for a page
    # with at least one dated item or a ColumnName tag (see `page_facts`)
    items: list[tuple[str, str | None]] = field(default_factory=list)
    # a column page without items that says so (暂无信息, 暂无内容 ...): an empty column, not an
    # information page (联系我们, 网站声明) that happens to carry a ColumnName tag
    says_empty: bool = False


def page_facts(root: etree._Element, page_url: str, link_urls: Iterable[str] = (),
               keep_undated: bool = False) -> PageFacts:
    """The facts of a parsed page. `link_urls` are the page's links (from extract_links),
    resolved; `keep_undated` keeps the items of a list whose items carry no dates (a
    configured column's page), else a list without dated items is dropped as menus."""
    facts = PageFacts()
    metas = []
    for el in root.iter("meta"):
        name = (el.get("name") or "").strip().lower()
        if name in _TAG_NAMES:
            content = (el.get("content") or "").strip()[:TAG_VALUE_MAX]
            facts.tags.setdefault(_TAG_NAMES[name], content)
            metas.append((name, content))
    pub = page_date(metas, "") if metas else None
    text = _BODY_TEXT(root)
    facts.footer, facts.site_id = _footer(_footer_text(root, text), link_urls)
    facts.items, dated = _items(root, page_url, keep_undated)
    if pub is None and not dated:
        # An article page shows its date under the title (发布时间：…); a list page has none.
        pub = page_date((), text[:_TEXT_DATE_WINDOW * 4])
        if pub is None and "ColumnName" in facts.tags:
            # A tagged column page whose items carry no date: they count (as not updated).
            # Some CMSs tag their articles with ColumnName too: the date line tells them apart.
            if not keep_undated:
                facts.items, _ = _items(root, page_url, True)
            keep_undated = True
        if not facts.items and pub is None and keep_undated:
            facts.says_empty = _EMPTY.search(text) is not None
    facts.pub_date = pub.isoformat() if pub else None
    return facts


def _footer(text: str, links: Iterable[str]) -> tuple[list[str], str]:
    found = []
    site_id = ""
    if m := _SITE_ID.search(text):
        found.append(FOOTER_SITE_ID)
        site_id = m.group(1)
    if _ICP.search(text):
        found.append(FOOTER_ICP)
    police = _POLICE.search(text) is not None
    conac = False
    for url in links:
        conac = conac or _CONAC in url
        police = police or any(h in url for h in _POLICE_HOSTS)
    if police:
        found.append(FOOTER_POLICE)
    if conac:
        found.append(FOOTER_CONAC)
    return found, site_id


def _footer_text(root: etree._Element, body_text: str) -> str:
    """The text of the page's footer: its last <footer>, else the end of the body's text (a
    footer is the last thing on a page; FOOTER_TAIL characters leave room for the text of
    scripts after it). An XPath over class names cost a quarter of a page's facts."""
    footer = None
    for el in root.iter("footer"):
        footer = el
    if footer is not None:
        return _STRING(footer)[:4000]
    return body_text[-FOOTER_TAIL:]


def _items(root: etree._Element, page_url: str, keep_undated: bool
           ) -> tuple[list[tuple[str, str | None]], int]:
    """A page's list items, (URL, ISO date or None), and how many carry a date; none at all
    when no item is dated and `keep_undated` is False (a list without dates is a menu)."""
    found: list[tuple[str, str | None]] = []
    dated = 0
    chrome: dict[etree._Element, bool] = {}  # parent -> inside the navigation (items share one)
    for el in root.iter("li", "tr"):
        if len(found) >= MAX_ITEMS:
            break
        text = _STRING(el)
        if not keep_undated and _YEAR.search(text) is None:
            continue  # no date in it: a menu entry, unless undated items count here
        anchor = el.find(".//a[@href]")
        if anchor is None or (el.tag == "tr" and el.find(".//table") is not None):
            continue  # no link; a row holding a whole table (its rows are the items)
        parent = el.getparent()
        menu = chrome.get(parent)
        if menu is None:
            menu = chrome[parent] = _in_chrome(el)
        if menu:
            continue
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        title = _STRING(anchor)
        rest = text[:ITEM_TEXT_MAX].replace(title, " ", 1)
        day = search_date(rest) if _YEAR.search(rest) else None
        if day is None and _YEAR.search(title):
            # A date inside the link's own text only counts when it is all the text
            # beside the title (<a>标题 2024-03-15</a>): a title may name other dates.
            day = _trailing_date(title)
        if day is not None:
            dated += 1
        found.append((href, day.isoformat() if day else None))
    if not dated and not keep_undated:
        return [], 0
    items: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for href, day in found:
        url = _resolve(page_url, href)
        if type(url) is Unusable or not url.startswith(("http://", "https://")):
            continue
        url = url.split("#", 1)[0]
        if url not in seen:
            seen.add(url)
            items.append((url, day))
    return items, dated


_TRAILING = re.compile(
    r"[\[(（【]?\s*([0-9０-９]{4}[-/.年][0-9０-９]{1,2}[-/.月][0-9０-９]{1,2}日?)\s*[\])）】]?\s*$")


def _trailing_date(title: str):
    m = _TRAILING.search(title.strip())
    return parse_date(m.group(1)) if m else None


def _in_chrome(el: etree._Element) -> bool:
    """Inside the site's navigation, header or footer."""
    node = el.getparent()
    while node is not None and node.tag not in ("body", "html"):
        if node.tag in _CHROME_TAGS:
            return True
        marks = f"{node.get('id') or ''} {node.get('class') or ''}"
        if marks.strip() and _CHROME.search(marks):
            return True
        node = node.getparent()
    return False
