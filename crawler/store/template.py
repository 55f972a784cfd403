"""Template (公共区域) findings: problems in the block most pages share (header, footer, nav).

The rule, kept simple enough to explain to a department: a finding is a template finding
when its current pages (the occurrences of its last run) cover at least half of the pages
its site's last complete run read, and at least MIN_PAGES pages. A site with no complete
run has no template findings, so a partial crawl never moves a finding between owners.

The occurrences do not record which block of the page a word or link sits in (their
`element` is the link's tag, `a` or `img`, not header/footer/nav), so page coverage is the
whole rule.

A template finding is owned by the site's template owner (SiteInfo.template_owner, default
网站管理单位), not by the departments whose pages carry it: the review UI, the 整改清单
export and the reports' per-department counts all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from crawler.store.sites import TEMPLATE_OWNER as DEFAULT_OWNER

__all__ = ["DEFAULT_OWNER", "MIN_PAGES", "SHARE", "TEMPLATE_LABEL", "is_template", "site_pages",
           "template_findings"]

TEMPLATE_LABEL = "公共区域"
MIN_PAGES = 5
SHARE = 0.5


def is_template(pages: int, site_pages: int | None) -> bool:
    """Whether a finding on `pages` pages is a template finding of a site whose last complete
    run read `site_pages` pages (None: no complete run yet)."""
    if not site_pages:
        return False
    return pages >= MIN_PAGES and pages >= SHARE * site_pages


def site_pages(db: Database) -> dict[str, int]:
    """Pages read by each site's last complete run."""
    return {site: pages or 0 for site, pages in db.execute(
        "SELECT r.site, r.pages FROM runs r WHERE r.id = "
        "(SELECT max(id) FROM runs WHERE site = r.site AND status = 'complete')"
    ).fetchall()}


def template_findings(db: Database, ids: Iterable[int] | None = None) -> dict[int, int]:
    """Template findings (of `ids`, or all): finding id -> the number of its current pages.

    One GROUP BY over the current occurrences; findings on fewer than MIN_PAGES pages are
    dropped in SQL, so the Python side only sees the few candidates.
    """
    totals = site_pages(db)
    if not totals:
        return {}
    sql = ("SELECT f.id, f.site, count(*) FROM occurrences o JOIN findings f ON f.id = o.finding_id "
           "WHERE o.last_run = f.last_run")
    params: list[int] = []
    if ids is not None:
        params = list(ids)
        if not params:
            return {}
        if len(params) <= 500:
            sql += f" AND f.id IN ({','.join('?' * len(params))})"
        else:  # filter afterwards: the candidates are few
            wanted = set(params)
            return {i: n for i, n in template_findings(db).items() if i in wanted}
    sql += f" GROUP BY f.id HAVING count(*) >= {MIN_PAGES}"
    return {fid: n for fid, site, n in db.execute(sql, params).fetchall()
            if is_template(n, totals.get(site))}
