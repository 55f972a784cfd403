"""What the store knows of a site after a run: its pages, their facts and list items.

Read once per run by the checks (columns, home, standard, backdating), so each check is a
pure function of this snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlite_utils import Database


@dataclass
class SitePage:
    url: str  # pages.url (url_key)
    final_url: str
    title: str
    is_home: bool
    read_full: bool
    tags: dict[str, str] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)
    site_id: str = ""
    pub_date: dt.date | None = None
    has_facts: bool = False
    says_empty: bool = False  # no items, and the page says so (暂无信息)
    items: list[tuple[str, dt.date | None, str, int]] = field(default_factory=list)
    # (item url_key, date printed beside it, first_seen, first_run)


@dataclass
class SiteView:
    site: str
    run_id: int
    pages: dict[str, SitePage]  # the pages this run read (or found unchanged)
    pub_dates: dict[str, dt.date]  # any page of the site -> its own publish date
    first_seen: dict[str, str]  # any page of the site -> pages.first_seen
    listed: dict[str, dt.date] = field(default_factory=dict)  # item -> a date printed beside it

    def item_date(self, item_url: str, printed: dt.date | None) -> dt.date | None:
        """An item's date: printed beside it, else beside it on another list (the home page
        shows 03-15, its column 2024-03-15), else the article's PubDate or date line."""
        return printed or self.listed.get(item_url) or self.pub_dates.get(item_url)


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def load_view(db: Database, run_id: int, site: str) -> SiteView:
    pages: dict[str, SitePage] = {}
    listed: dict[str, dt.date] = {}
    for url, final_url, title, is_home, read_full, tags, footer, site_id, pub, facts, empty in db.execute(
        "SELECT p.url, p.final_url, p.title, p.is_home, p.read_full, f.tags, f.footer, f.site_id, "
        "f.pub_date, f.page_url IS NOT NULL, f.says_empty "
        "FROM pages p LEFT JOIN page_facts f ON f.page_url = p.url "
        "WHERE p.site = ? AND p.last_run = ? AND p.status < 300 "
        "AND coalesce(p.content_type, '') NOT LIKE '%css%'",
        [site, run_id],
    ).fetchall():
        pages[url] = SitePage(url, final_url or url, title or "", bool(is_home), bool(read_full),
                              json.loads(tags or "{}"), json.loads(footer or "[]"), site_id or "",
                              _date(pub), bool(facts), bool(empty))
    for page_url, item_url, date, first_seen, first_run in db.execute(
        "SELECT li.page_url, li.item_url, li.date, li.first_seen, li.first_run FROM list_items li "
        "JOIN pages p ON p.url = li.page_url WHERE p.site = ? AND p.last_run = ? "
        "ORDER BY li.page_url, li.position", [site, run_id],
    ).fetchall():
        day = _date(date)
        pages[page_url].items.append((item_url, day, first_seen, first_run))
        if day is not None:
            listed.setdefault(item_url, day)
    pub_dates = {}
    for url, pub in db.execute(
        "SELECT page_url, pub_date FROM page_facts WHERE site = ? AND pub_date IS NOT NULL", [site]
    ).fetchall():
        if (day := _date(pub)) is not None:
            pub_dates[url] = day
    first_seen = dict(db.execute("SELECT url, first_seen FROM pages WHERE site = ?", [site]).fetchall())
    return SiteView(site, run_id, pages, pub_dates, first_seen, listed)
