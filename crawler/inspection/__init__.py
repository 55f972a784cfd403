"""The national inspection's veto items, read from what the crawl stored (no Scrapy).

《政府网站与政务新媒体检查指标》 (国办秘函〔2019〕19号) fails a portal outright on a single
veto item (单项否决). After a complete run, `inspect_site` derives from the store:

- columns.py: stale_column (a column not updated within its window, or whose items carry no
  date), empty_column (空白栏目), and stale_home (the home page without a new item);
- backdate.py: backdated items (伪造发稿日期);
- standard.py: page_standard (page tags and footer of 《政府网站发展指引》);
- vetoes.py: each veto item's state and figures for a site, from the open findings (the
  scorecard's source).

The page facts they read are extracted during the crawl by crawler/pagefacts.py. The
findings go through the same lifecycle as the others (crawler/store/finalize.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlite_utils import Database

from crawler.inspection.backdate import backdated_findings
from crawler.inspection.columns import column_findings, home_findings
from crawler.inspection.found import KINDS, Found
from crawler.inspection.policy import Policy
from crawler.inspection.site import load_view
from crawler.inspection.standard import standard_findings
from crawler.localtime import today as local_today

__all__ = ["KINDS", "Found", "Policy", "inspect_site"]


def inspect_site(db: Database, run_id: int, site: str, policy: Policy,
                 ident: Callable[[str], str] = str) -> list[Found]:
    """The inspection findings of `site` as its run `run_id` leaves the store.

    `ident` maps a URL to its site identity (crawler.urls.SiteIdentity), so a column keeps its
    finding when the site moves to https or another host name.
    """
    today = policy.today or local_today()

    def key_of(kind: str, what: str) -> str:
        value = ident(what) if "://" in what else what
        return f"inspect:{site}|{kind}|{value}"

    view = load_view(db, run_id, site)
    return [
        *column_findings(view, policy, today, key_of),
        *home_findings(view, today, key_of),
        *backdated_findings(db, view, today, key_of),
        *standard_findings(view, policy, key_of),
    ]


def parse_today(value: str | None) -> dt.date | None:
    """DUWANG_TODAY: a fixed YYYY-MM-DD for tests and the demo, else None."""
    if not value:
        return None
    return dt.date.fromisoformat(str(value).strip())
