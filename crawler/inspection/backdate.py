"""Backdated items (伪造发稿日期): a date earlier than when duwang could first have seen the item.

An item that appears on a list page which an earlier complete run had already read, and that
carries a date (printed beside it, else the article's PubDate or date line) earlier than the
day of that earlier run, was not on the list when the list was read: its date was set back.
GRACE_DAYS allows for a page published late in the evening and a crawl shortly after midnight.
Items seen on a list's first reading prove nothing (duwang had not seen the list before).
"""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

from crawler.inspection.columns import short_title
from crawler.inspection.found import BACKDATED, Found
from crawler.inspection.site import SiteView
from crawler.localtime import local
from crawler.localtime import today as local_today

GRACE_DAYS = 1


def _earlier_runs(db: Database, site: str, run_id: int) -> list[tuple[int, str, str]]:
    """(id, started_at, finished_at) of the site's complete runs before `run_id`, oldest first."""
    return db.execute(
        "SELECT id, started_at, finished_at FROM runs "
        "WHERE site = ? AND status = 'complete' AND id < ? ORDER BY id",
        [site, run_id],
    ).fetchall()


def backdated_findings(db: Database, view: SiteView, today: dt.date, key_of) -> list[Found]:
    """`today` is the checks' today: a fixed one (DUWANG_TODAY) moves the runs' days with it,
    so a test's portal dated around its fixed day reads as it would have on that day."""
    runs = _earlier_runs(db, view.site, view.run_id)
    if not runs:
        return []
    shift = today - local_today()
    out: dict[str, Found] = {}
    for page in view.pages.values():
        if not page.items:
            continue
        page_seen = view.first_seen.get(page.url)
        for item_url, printed, _, first_run in page.items:
            date = view.item_date(item_url, printed)
            if date is None or item_url in out:
                continue
            # The last complete run before the item appeared that read the list (the list
            # page was in the store when it ended).
            before = [(rid, started) for rid, started, finished in runs
                      if rid < first_run and page_seen and (finished or "") >= page_seen]
            if not before:
                continue
            _, started = before[-1]
            read_on = local(started).date() + shift
            if date >= read_on - dt.timedelta(days=GRACE_DAYS):
                continue
            article = view.pages.get(item_url)
            title = (article.tags.get("ArticleTitle") or short_title(article.title)) if article else ""
            out[item_url] = Found(
                key_of(BACKDATED, item_url), BACKDATED, BACKDATED, title or item_url,
                f"信息标注的发布日期为 {date.isoformat()}，但 {read_on.isoformat()} 巡检该栏目时尚未出现"
                f"（疑似伪造发稿日期）",
                "serious", [page.url] + ([item_url] if item_url in view.pages else []),
                "核实发布日期，按实际发布时间标注", {
                    "item": item_url, "list_page": page.url, "date": date.isoformat(),
                    "list_read_on": read_on.isoformat(),
                })
    return list(out.values())
