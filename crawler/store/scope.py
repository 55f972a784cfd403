"""Whose each finding's pages are, kept in the store so the review list can filter, count and
order in SQL instead of loading every finding of a tab (issue 14, part 1).

Derived from the occurrences and each site's mapping of URL prefixes to 责任单位 and 栏目
(crawler.store.sites), and written with them:

- ``findings.current_pages`` and ``findings.on_home``: how many pages a finding is on now (the
  occurrences of its last run) and whether one of them is the home page (首页). The list is
  ordered by them (home-page problems first) and the template rule (crawler.store.template)
  reads them instead of counting occurrences.
- ``page_owners``: each page's 责任单位 and 栏目 under its site's mapping (the longest matching
  prefix, exactly as ``owner_of``).
- ``finding_owners``: a finding's current pages counted per (责任单位, 栏目). A department
  sees a finding when it has a row here; the template owner is not applied here, because
  whether a finding is a template finding changes with every complete run of its site, so
  the review's queries apply it (crawler.review.query).

Who writes it: ``finish_run`` for the findings its run saw (in the run's own transaction),
``save_site`` and the end of a run when a site's mapping changed (ingest copies a shard's
``sites`` row as it is), and schema step m018 for what was there before. ``stale_sites`` says
whether a site's rows were made under another mapping than its current one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlite_utils import Database

from crawler.store.sites import UNASSIGNED, _strip_scheme

__all__ = ["OwnerMatcher", "rebuild", "refresh_if_stale", "refresh_run", "refresh_site", "stale_sites"]

# The findings a run saw: their occurrences of this run are their current pages.
_RUN = "f.last_run = :run"
_SITE = "f.site = :site"
_NO_SITE = "(f.site IS NULL OR f.site = '')"  # kept under the site name ''


class OwnerMatcher:
    """``owner_of(url, mapping)`` for many URLs: the prefixes are normalized once."""

    def __init__(self, mapping: Mapping[str, str] | None, default: str = UNASSIGNED):
        self.default = default
        pairs = [(_strip_scheme(p).lower(), v) for p, v in (mapping or {}).items()]
        # Longest first; among equally long ones the first in the mapping, as owner_of.
        self.prefixes = sorted(((p, v) for p, v in pairs if p), key=lambda pv: -len(pv[0]))

    def __call__(self, url: str | None) -> str:
        if not url or not self.prefixes:
            return self.default
        bare = _strip_scheme(url).lower()
        for prefix, value in self.prefixes:
            if bare.startswith(prefix):
                return value
        return self.default


_FINGERPRINT = "json_array(coalesce(s.departments, '{}'), coalesce(s.columns, '{}'))"


def _mapping(db: Database, site: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The site's mapping: its fingerprint (as ``scope_sites`` keeps it), departments, columns."""
    row = db.execute(f"SELECT {_FINGERPRINT}, s.departments, s.columns FROM sites s WHERE s.name = ?",
                     [site]).fetchone()
    if row is None:
        return db.execute("SELECT json_array('{}', '{}')").fetchone()[0], {}, {}
    return row[0], json.loads(row[1] or "{}"), json.loads(row[2] or "{}")


def stale_sites(db: Database) -> list[str]:
    """Sites (of the findings) whose derived rows were made under another mapping, or never."""
    return [r[0] for r in db.execute(
        "SELECT DISTINCT coalesce(f.site, '') FROM findings f "
        "LEFT JOIN sites s ON s.name = f.site LEFT JOIN scope_sites c ON c.site = coalesce(f.site, '') "
        f"WHERE c.mapping IS NOT {_FINGERPRINT}"
    ).fetchall()]


def _stale(db: Database, site: str) -> bool:
    kept = db.execute("SELECT mapping FROM scope_sites WHERE site = ?", [site]).fetchone()
    return kept is None or kept[0] != _mapping(db, site)[0]


def refresh_run(db: Database, run_id: int, site: str) -> None:
    """After a run's findings and occurrences are written: the findings it saw (or the whole
    site, when its mapping changed since its rows were made). Call inside the run's transaction."""
    if _stale(db, site):
        refresh_site(db, site)
    else:
        _refresh(db, site, _RUN, {"run": run_id, "site": site})


def refresh_if_stale(db: Database, site: str) -> None:
    """The site's rows again if its mapping changed since they were made."""
    if _stale(db, site):
        refresh_site(db, site)


def refresh_site(db: Database, site: str) -> None:
    """Every finding of `site`, under its current mapping."""
    db.execute("DELETE FROM page_owners WHERE site = ?", [site])
    _refresh(db, site, _SITE if site else _NO_SITE, {"site": site})


def rebuild(db: Database) -> None:
    """Every site (schema step m018, and a database whose rows were never made)."""
    for site in [r[0] for r in db.execute("SELECT DISTINCT coalesce(site, '') FROM findings").fetchall()]:
        refresh_site(db, site)


def _refresh(db: Database, site: str, which: str, params: dict) -> None:
    """The derived rows of the findings of `site` selected by `which` (SQL on findings f)."""
    fingerprint, departments, columns = _mapping(db, site)
    department_of, column_of = OwnerMatcher(departments), OwnerMatcher(columns)
    conn = db.conn
    missing = [url for (url,) in conn.execute(
        "SELECT DISTINCT o.page_url FROM findings f "
        "JOIN occurrences o ON o.finding_id = f.id AND o.last_run = f.last_run "
        f"WHERE {which} AND NOT EXISTS (SELECT 1 FROM page_owners po "
        "WHERE po.site = :site AND po.page_url = o.page_url)", params)]
    conn.executemany("INSERT INTO page_owners (site, page_url, department, [column]) VALUES (?, ?, ?, ?)",
                     ((site, url, department_of(url), column_of(url)) for url in missing))
    conn.execute("DELETE FROM finding_owners WHERE finding_id IN "
                 f"(SELECT f.id FROM findings f WHERE {which})", params)
    conn.execute(
        "INSERT INTO finding_owners (finding_id, department, [column], pages) "
        "SELECT o.finding_id, po.department, po.[column], count(*) FROM findings f "
        "JOIN occurrences o ON o.finding_id = f.id AND o.last_run = f.last_run "
        "JOIN page_owners po ON po.site = :site AND po.page_url = o.page_url "
        f"WHERE {which} GROUP BY o.finding_id, po.department, po.[column]", params)
    conn.execute(
        "UPDATE findings AS f SET (current_pages, on_home) = (SELECT count(*), coalesce(max(o.is_home), 0) "
        "FROM occurrences o WHERE o.finding_id = f.id AND o.last_run = f.last_run) "
        f"WHERE {which}", params)
    conn.execute("INSERT INTO scope_sites (site, mapping) VALUES (?, ?) "
                 "ON CONFLICT(site) DO UPDATE SET mapping = excluded.mapping", [site, fingerprint])
