"""Each veto item's state for a site, from its open findings: what a scorecard (指标自检) shows.

《政府网站与政务新媒体检查指标》 fails a site on any one of these (单项否决):

- columns not updated: 5 or more news-type (2 weeks) or notice/policy (6 months) columns
  over their window (STALE_LINE), or 10 or more other columns not updated for a long time
  (LONG_STALE_LINE);
- 5 or more empty columns (EMPTY_LINE);
- the home page without a new item for 2 weeks;
- a backdated publish date (伪造发稿日期): any one.

States: ``failing`` (the veto line is reached), ``warning`` (below it, but near: vendors warn at
3 stale or empty columns, and at a column or home page near its window), ``ok``. Page tags
(page_standard) are no veto item and are not here. Availability is checked by ``duwang watch``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from crawler.inspection.found import BACKDATED, DUE, EMPTY_COLUMN, STALE_COLUMN, STALE_HOME
from crawler.inspection.policy import OTHER

OK, WARNING, FAILING = "ok", "warning", "failing"
STALE_LINE, LONG_STALE_LINE, EMPTY_LINE = 5, 10, 5
WARN_STALE, WARN_EMPTY = 3, 3  # where vendors warn before the line


@dataclass
class VetoItem:
    code: str  # stale_columns | long_stale_columns | empty_columns | stale_home | backdated
    label: str
    state: str  # ok | warning | failing
    count: int  # findings over the line
    line: int  # the count that fails the site
    warnings: int = 0  # findings near the line (category due)
    finding_ids: list[int] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)  # each finding's detail


def veto_items(db: Database, site: str) -> list[VetoItem]:
    """The veto items duwang checks in a crawl, with their state, for `site`'s open findings."""
    rows = db.execute(
        "SELECT id, kind, category, detail FROM findings WHERE site = ? AND status = 'open' "
        "AND kind IN (?, ?, ?, ?) ORDER BY id",
        [site, STALE_COLUMN, EMPTY_COLUMN, STALE_HOME, BACKDATED],
    ).fetchall()

    def pick(kind: str, test=lambda d: True) -> tuple[list, list]:
        over, near = [], []
        for fid, k, category, detail in rows:
            d = json.loads(detail or "{}")
            if k == kind and test(d):
                (near if category == DUE else over).append((fid, d))
        return over, near

    def item(code: str, label: str, over: list, near: list, line: int, warn_at: int | None) -> VetoItem:
        if len(over) >= line:
            state = FAILING
        elif near or (warn_at is not None and len(over) >= warn_at):
            state = WARNING
        else:
            state = OK
        return VetoItem(code, label, state, len(over), line, len(near),
                        [fid for fid, _ in over + near], [d for _, d in over + near])

    timed = pick(STALE_COLUMN, lambda d: d.get("type") != OTHER)
    long = pick(STALE_COLUMN, lambda d: d.get("type") == OTHER)
    empty = pick(EMPTY_COLUMN)
    home = pick(STALE_HOME)
    backdated = pick(BACKDATED)
    return [
        item("stale_columns", "栏目不更新（动态要闻类2周、通知公告政策文件类6个月）", *timed, STALE_LINE,
             WARN_STALE),
        item("long_stale_columns", "应更新栏目长期未更新", *long, LONG_STALE_LINE, WARN_STALE),
        item("empty_columns", "空白栏目", *empty, EMPTY_LINE, WARN_EMPTY),
        item("stale_home", "首页2周未更新", *home, 1, None),
        item("backdated", "伪造发稿日期", *backdated, 1, None),
    ]
