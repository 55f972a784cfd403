"""Columns (栏目) and their freshness: stale_column, empty_column; and the home page, stale_home.

A column is a list page. Columns are found, in order, from:

1. the config: ``[[site.column]]`` (always a column, empty or not) and ``[site.columns]``
   (a column when its page lists items or carries a ColumnName tag; otherwise it is an
   information page such as 区情概况, named for the UI but not judged here);
2. the page tags of 《政府网站发展指引》: a page with ``<meta name="ColumnName">`` that is no
   article;
3. the navigation: a page that is no article and lists at least MIN_DATED items with a
   date printed beside them.

A column's pages are its list page and the pages of its pagination (``index_1.html`` and
the like share the column's URL). An item's date is the one printed beside it, else the
article's PubDate tag, else the article's 发布时间 line; an item with none counts as not
updated, as the rules say.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.inspection.found import (
    DUE,
    EMPTY_COLUMN,
    NO_DATE,
    STALE,
    STALE_COLUMN,
    STALE_HOME,
    Found,
)
from crawler.inspection.policy import (
    HOME_WARN_AT,
    HOME_WINDOW,
    TYPE_LABELS,
    ColumnRule,
    Policy,
    column_type,
)
from crawler.inspection.site import SitePage, SiteView
from crawler.store.sites import owner_of

MIN_DATED = 3  # dated items that make an untagged, unconfigured page a column
_INDEX = re.compile(r"^(index|default|list|more)([_-]\d+)?\.[a-z]+$", re.I)
_PAGE_PARAMS = frozenset({"page", "pageno", "pagenum", "pageindex", "pn", "p", "curpage", "start"})
_TITLE_TAIL = re.compile(r"\s*[-_|—–]\s*[^-_|—–]*$")


def column_url(url: str) -> str:
    """The URL that names a column: its list page without the index file name and the
    pagination, so /xwzx/, /xwzx/index.html and /xwzx/index_2.html are one column."""
    parts = urlsplit(url)
    path = parts.path
    head, _, last = path.rpartition("/")
    if _INDEX.match(last):
        path = head + "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in _PAGE_PARAMS])
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


@dataclass
class Column:
    url: str  # column_url of its list page (the key)
    source: str  # config | tags | navigation
    rule: ColumnRule | None = None
    name: str = ""  # from [site.columns] when configured there
    pages: list[SitePage] = field(default_factory=list)

    def entry(self) -> SitePage:
        """The page shown for the column: the one at its URL, else its first page."""
        for page in self.pages:
            if page.url == self.url:
                return page
        return sorted(self.pages, key=lambda p: (len(p.url), p.url))[0]


def _is_article(page: SitePage) -> bool:
    return page.pub_date is not None or "ArticleTitle" in page.tags


def find_columns(view: SiteView, policy: Policy) -> list[Column]:
    rules = {r.prefix: r for r in policy.rules}
    by_prefix = {**{p: p for p in policy.names}, **{p: p for p in rules}}
    columns: dict[str, Column] = {}
    for page in sorted(view.pages.values(), key=lambda p: p.url):
        if page.is_home or not page.has_facts or _is_article(page):
            continue
        prefix = owner_of(page.url, by_prefix, "")
        if prefix:
            rule = rules.get(prefix)
            entry = _at_prefix(page.url, prefix)
            # A configured column is judged on its own list page(s), not on every page below it.
            if not entry:
                continue
            if rule is None and not page.items and not page.says_empty:
                continue  # an information page (区情概况): named, not judged
            key = f"config:{prefix}"
            col = columns.setdefault(
                key, Column(column_url(page.url), "config", rule, policy.names.get(prefix, "")))
            col.pages.append(page)
            continue
        dated = sum(1 for _, d, _, _ in page.items if d is not None)
        if "ColumnName" in page.tags and (page.items or page.says_empty):
            # Without items, only a page that says it is empty: 联系我们 and 网站声明 carry a
            # ColumnName tag on some CMSs and are information pages, not empty columns.
            source = "tags"
        elif dated >= MIN_DATED:
            source = "navigation"
        else:
            continue
        url = column_url(page.url)
        col = columns.setdefault(url, Column(url, source))
        col.pages.append(page)
    return list(columns.values())


def _at_prefix(url: str, prefix: str) -> bool:
    """The page is the prefix's own list page (or its pagination)."""
    target = column_url(url).split("://", 1)[-1].lower()
    want = prefix.split("://", 1)[-1].lower()
    return target == want or target.rstrip("/") == want.rstrip("/")


def _name(col: Column, page: SitePage) -> str:
    if col.rule is not None and col.rule.name:
        return col.rule.name
    tagged = next((p.tags["ColumnName"] for p in col.pages if p.tags.get("ColumnName")), "")
    if tagged:
        return tagged
    if col.name:
        return col.name
    return short_title(page.title) or col.url


def short_title(title: str) -> str:
    """A page's title without the site's name after it (通知公告 - 某某区人民政府)."""
    return _TITLE_TAIL.sub("", title).strip() or title


def column_findings(view: SiteView, policy: Policy, today: dt.date, key_of) -> list[Found]:
    """stale_column and empty_column findings (and the near-the-line warnings)."""
    out = []
    for col in find_columns(view, policy):
        page = col.entry()
        name = _name(col, page)
        ctype = (col.rule.type if col.rule is not None and col.rule.type else "") or column_type(
            next((p.tags.get("ColumnType") for p in col.pages if p.tags.get("ColumnType")), None), name)
        window = policy.window(col.rule, ctype)
        items = {url: view.item_date(url, d) for p in col.pages for url, d, _, _ in p.items}
        detail = {"column": col.url, "name": name, "type": ctype, "window_days": window,
                  "source": col.source, "items": len(items)}
        pages = [page.url]
        if not items:
            out.append(Found(
                key_of(EMPTY_COLUMN, col.url), EMPTY_COLUMN, EMPTY_COLUMN, name,
                f"栏目「{name}」没有任何信息（空白栏目）", "serious", pages,
                "发布栏目内容，或撤并该栏目", detail))
            continue
        dates = [d for d in items.values() if d is not None]
        detail["dated_items"] = len(dates)
        if not dates:
            out.append(Found(
                key_of(STALE_COLUMN, col.url), STALE_COLUMN, NO_DATE, name,
                f"栏目「{name}」的 {len(items)} 条信息均无发布日期，按未更新计"
                f"（{TYPE_LABELS[ctype]}，期限 {window} 天）", "serious", pages,
                "在列表和文章页注明发布日期", detail))
            continue
        latest = _latest(dates, today)
        age = (today - latest).days
        detail.update(latest=latest.isoformat(), age_days=age)
        if age > window:
            category, severity = STALE, "serious"
            said = f"已 {age} 天未更新，超过期限 {window} 天"
        elif age >= window - policy.warn_days:
            category, severity = DUE, "general"
            said = f"已 {age} 天未更新，{window - age} 天后超过期限 {window} 天"
        else:
            continue
        out.append(Found(
            key_of(STALE_COLUMN, col.url), STALE_COLUMN, category, name,
            f"栏目「{name}」最近一条信息发布于 {latest.isoformat()}，{said}（{TYPE_LABELS[ctype]}）",
            severity, pages, "及时更新栏目内容", detail))
    return out


def home_findings(view: SiteView, today: dt.date, key_of) -> list[Found]:
    """stale_home: no new dated item on the home page within 2 weeks; warned at 10 days."""
    out = []
    for page in view.pages.values():
        if not page.is_home or not page.has_facts:
            continue
        dates = [d for url, printed, _, _ in page.items if (d := view.item_date(url, printed))]
        detail = {"home": page.url, "items": len(page.items), "window_days": HOME_WINDOW,
                  "warn_at_days": HOME_WARN_AT}
        if not dates:
            # Nothing dated at all: the home page's lists are menus and links, not news, and
            # a page that publishes nothing is no portal this check can read.
            continue
        latest = _latest(dates, today)
        age = (today - latest).days
        detail.update(latest=latest.isoformat(), age_days=age)
        if age > HOME_WINDOW:
            category, severity, said = STALE, "serious", f"已 {age} 天未更新，超过 {HOME_WINDOW} 天"
        elif age >= HOME_WARN_AT:
            category, severity = DUE, "general"
            said = f"已 {age} 天未更新，{HOME_WINDOW - age} 天后超过 {HOME_WINDOW} 天"
        else:
            continue
        out.append(Found(
            key_of(STALE_HOME, page.url), STALE_HOME, category, "首页",
            f"首页最近一条信息发布于 {latest.isoformat()}，{said}", severity, [page.url],
            "及时更新首页信息", detail))
    return out


def _latest(dates: list[dt.date], today: dt.date) -> dt.date:
    """The last date not after today: an item dated in the future does not make a column fresh."""
    past = [d for d in dates if d <= today]
    return max(past) if past else min(dates)
