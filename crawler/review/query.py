"""The review list's filters as SQL: which findings, in which order, how many, and which of
their pages are shown (issue 14, part 1). crawler.review.listing turns the rows into what the
screen and the exports show.

A finding's 责任单位 and 栏目 are those of its pages (crawler.store.scope keeps them per
finding in ``finding_owners``). A template (公共区域) finding belongs to its site's template
owner whatever its pages' departments (crawler.store.template); whether a finding is one
depends on its page count and its site's last complete run, so it is decided here, per
request: ``current_pages >= threshold`` of its site.

The search (``q``) looks where the old screen looked: the finding's words, target, context,
suggestion, error and category label, and the URL, title and link text of its shown pages.
SQLite's LIKE folds case for ASCII letters only.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import g, has_app_context
from sqlite_utils import Database

from crawler.labels import category_label
from crawler.localtime import zone
from crawler.review.cache import cached
from crawler.store.sites import UNASSIGNED, load_sites
from crawler.store.template import DEFAULT_OWNER, MIN_PAGES, SHARE, site_pages

RANK = "CASE f.severity WHEN 'serious' THEN 0 WHEN 'general' THEN 1 ELSE 2 END"
ORDER = f"{RANK}, f.on_home DESC, f.id"
LINK_KINDS = ("dead_link", "unverified_link")
# A report belongs to the finding's current spell (crawler.store.feedback).
_CURRENT = "julianday(b.at) >= julianday(coalesce(f.status_changed_at, f.first_seen))"
_LATEST_FEEDBACK = "b.id = (SELECT max(b2.id) FROM feedback b2 WHERE b2.finding_id = f.id)"
WAITING_SQL = (f"(f.status = 'open' AND f.id IN (SELECT finding_id FROM feedback WHERE state = 'pending') "
               f"AND EXISTS (SELECT 1 FROM feedback b WHERE {_LATEST_FEEDBACK} AND b.state = 'pending' "
               f"AND {_CURRENT}))")
RETURNED_SQL = (
    "(f.status = 'open' AND f.id IN (SELECT finding_id FROM feedback WHERE state = 'rejected' UNION "
    "SELECT finding_id FROM events WHERE from_status = 'rectified' AND to_status = 'open') AND ("
    f"EXISTS (SELECT 1 FROM feedback b WHERE {_LATEST_FEEDBACK} AND b.state = 'rejected' AND {_CURRENT}) "
    "OR EXISTS (SELECT 1 FROM events e WHERE e.id = (SELECT max(e2.id) FROM events e2 "
    "WHERE e2.finding_id = f.id) AND e.from_status = 'rectified' AND e.to_status = 'open')))")


def like(text: str) -> str:
    """A LIKE pattern for `text` anywhere (escaped with backslash)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Sites:
    """Per request: each site's template threshold and owner, and its last finished run."""

    rows: list[tuple[str, int | None, str, int | None]] = field(default_factory=list)

    @classmethod
    def load(cls, db: Database) -> Sites:
        """The sites' values, read once per request (they change only with runs and configs)."""
        if not has_app_context():
            return cls._read(db)
        kept = g.get("review_sites")
        if kept is None or kept[0] is not db:
            kept = g.review_sites = (db, cached("sites", lambda: cls._read(db)))
        return kept[1]

    @classmethod
    def _read(cls, db: Database) -> Sites:
        totals = site_pages(db)
        owners = {name: s.template_owner for name, s in load_sites(db).items()}
        last = dict(db.execute("SELECT site, max(id) FROM runs WHERE status != 'running' GROUP BY site"))
        names = set(owners) | set(totals) | set(last)
        rows = []
        for name in sorted(n for n in names if n is not None):
            n = totals.get(name)
            threshold = max(MIN_PAGES, math.ceil(SHARE * n)) if n else None
            rows.append((name, threshold, owners.get(name, DEFAULT_OWNER), last.get(name)))
        return cls(rows)

    def cte(self) -> tuple[str, list[Any]]:
        """`tsite(site, threshold, owner, run)`: `run` is the site's last finished run."""
        if not self.rows:
            return "WITH tsite(site, threshold, owner, run) AS (SELECT NULL, NULL, NULL, NULL WHERE 0) ", []
        values = ", ".join("(?, ?, ?, ?)" for _ in self.rows)
        return (f"WITH tsite(site, threshold, owner, run) AS (VALUES {values}) ",
                [v for row in self.rows for v in row])


TEMPLATE = "(ts.threshold IS NOT NULL AND f.current_pages >= ts.threshold)"
OWNER = f"coalesce(ts.owner, '{DEFAULT_OWNER}')"
FROM = "FROM findings f "
JOIN_SITE = "LEFT JOIN tsite ts ON ts.site = f.site "  # only when the query reads ts
UNVERIFIED = "(f.status = 'open' AND f.last_run < ts.run)"


@dataclass
class Scope:
    """Which pages are shown: a 责任单位 (a department account's own, or the filter) and a 栏目.

    ``none``: the account's own and the filter name different departments: nothing is shown.
    """

    department: str | None = None
    column: str | None = None
    none: bool = False
    pageless: bool = False  # also the findings on no page (an export's 未分配 sheet)

    @classmethod
    def of(cls, department: str = "", column: str = "", own: str | None = None) -> Scope:
        if own is not None and department and department != own:
            return cls(none=True)
        return cls(own if own is not None else (department or None), column or None)

    @property
    def active(self) -> bool:
        return self.none or self.department is not None or self.column is not None

    def owned(self, table: str, template: bool = False) -> tuple[list[str], list[Any]]:
        """Conditions that the owners in `table` (page_owners or finding_owners) are shown;
        a template finding's pages are all its template owner's, so only the column is asked."""
        parts, params = [], []
        if self.department is not None and not template:
            parts.append(f"{table}.department = ?")
            params.append(self.department)
        if self.column is not None:
            parts.append(f"{table}.[column] = ?")
            params.append(self.column)
        return parts, params

    def finding_sql(self) -> tuple[str, list[Any]]:
        """Whether the finding has a shown page (SQL on f, ts)."""
        if self.none:
            return "0", []
        if not self.active:
            return "1", []
        owned, params = self.owned("fo")
        owned.insert(0, "fo.finding_id = f.id")
        plain = f"EXISTS (SELECT 1 FROM finding_owners fo WHERE {' AND '.join(owned)})"
        if self.department is None:
            return plain, params  # a column: the template owner changes nothing
        tmpl, tparams = [f"{OWNER} = ?"], [self.department]
        if self.column is not None:
            tmpl.append("EXISTS (SELECT 1 FROM finding_owners fo WHERE fo.finding_id = f.id "
                        "AND fo.[column] = ?)")
            tparams.append(self.column)
        candidates = ("f.id IN (SELECT finding_id FROM finding_owners WHERE department = ?"
                      + (" AND [column] = ?" if self.column is not None else "")
                      + " UNION ALL SELECT t.id FROM tsite tt CROSS JOIN findings t ON t.site = tt.site "
                      "AND t.current_pages >= tt.threshold WHERE tt.threshold IS NOT NULL AND tt.owner = ?)")
        cparams = [self.department] + ([self.column] if self.column is not None else []) + [self.department]
        # A candidate that is not a template finding came from finding_owners' side of the
        # union, so it has a page of the department (and column): nothing to check again.
        sql = f"({candidates} AND CASE WHEN {TEMPLATE} THEN {' AND '.join(tmpl)} ELSE 1 END)"
        if self.pageless:
            sql = f"({sql} OR f.current_pages = 0)"
        return sql, cparams + tparams

    def page_sql(self) -> tuple[str, list[Any]]:
        """Whether occurrence o (with page_owners po, finding f, tsite ts) is a shown page."""
        if self.none:
            return "0", []
        parts, params = [], []
        if self.column is not None:
            parts.append("po.[column] = ?")
            params.append(self.column)
        if self.department is not None:
            parts.append(f"CASE WHEN {TEMPLATE} THEN {OWNER} = ? ELSE po.department = ? END")
            params += [self.department, self.department]
        return (" AND ".join(parts) or "1"), params


@dataclass
class Query:
    """The findings a set of filters selects (crawler.review.listing.Filters), as SQL."""

    db: Database
    where: list[str]
    params: list[Any]
    scope: Scope
    sites: Sites
    search: bool = False  # a search's matches are read once, for the count and every page

    @property
    def read_once(self) -> bool:
        """A search or a department's or column's list: finding its rows is the cost, so they
        are read once (in order) for the count, the 本次未核实 count and every page."""
        return self.search or self.scope.active

    @classmethod
    def build(cls, db: Database, f: Any, *, own: str | None = None, sites: Sites | None = None,
              kind: str | None = None, pageless: bool = False) -> Query:
        """`f`: Filters; `kind` overrides f.kind (None: f.kind, "all" for every kind)."""
        sites = sites or Sites.load(db)
        scope = Scope.of(f.department, f.column, own)
        scope.pageless = pageless
        where: list[str] = []
        params: list[Any] = []
        kind = f.kind if kind is None else kind
        if kind and kind != "all":
            where.append("f.kind = ?")
            params.append(kind)
        if f.status:
            where.append("f.status = ?")
            params.append(f.status)
        for name in ("category", "severity"):
            if getattr(f, name):
                where.append(f"f.{name} = ?")
                params.append(getattr(f, name))
        if f.since:
            where.append("julianday(f.first_seen) >= julianday(?)")
            params.append(_midnight(f.since))
        if f.until:
            where.append("julianday(f.first_seen) < julianday(?)")
            params.append(_midnight(f.until, 1))
        if f.home:
            where.append("f.on_home = 1")
        if f.new:
            where.append("f.first_run IS ts.run")
        if f.queue:
            where.append(WAITING_SQL if f.queue == "waiting" else RETURNED_SQL)
        sql, p = scope.finding_sql()
        if sql != "1":
            where.append(sql)
            params += p
        if f.q:
            sql, p = _search(db, f.q.lower(), scope, kind)
            where.append(sql)
            params += p
        return cls(db, where, params, scope, sites, search=bool(f.q))

    def restrict(self, ids: list[int]) -> Query:
        """These filters on `ids` only."""
        return Query(self.db, [*self.where, f"f.id IN ({','.join('?' * len(ids))})"], [*self.params, *ids],
                     self.scope, self.sites)

    def _sql(self, select: str, tail: str = "", join: str = "") -> tuple[str, list[Any]]:
        cte, params = self.sites.cte()
        where = " WHERE " + " AND ".join(self.where) if self.where else ""
        site = JOIN_SITE if "ts." in select or "ts." in where else ""
        return f"{cte}SELECT {select} {FROM}{site}{join}{where} {tail}", params + self.params

    def ids(self, limit: int | None = None, offset: int = 0) -> list[int]:
        if self.read_once:
            found = self._matches()
            return list(found[offset:] if limit is None else found[offset:offset + limit])
        tail = f"ORDER BY {ORDER}"
        if limit is not None:
            tail += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        sql, params = self._sql("f.id", tail)
        return list(cached(("ids", sql, *params), lambda: [r[0] for r in self.db.execute(sql, params)]))

    def count(self) -> tuple[int, int]:
        """(findings, of which 本次未核实)."""
        if self.read_once:
            sql, params = self._sql("f.id", f"ORDER BY {ORDER}")

            def tally() -> tuple[int, int]:
                found = self._matches()
                unverified = cached("unverified", self._unverified)
                return len(found), sum(1 for fid in found if fid in unverified)

            return cached(("tally", sql, *params), tally)
        sql, params = self._sql("count(*)")
        return cached(("count", sql, *params), self._count)

    def _matches(self) -> tuple[int, ...]:
        sql, params = self._sql("f.id", f"ORDER BY {ORDER}")
        return cached(("ids", sql, *params), lambda: tuple(r[0] for r in self.db.execute(sql, params)))

    def _unverified(self) -> frozenset[int]:
        """Every 本次未核实 finding (few: read site by site from findings_unverified)."""
        cte, cparams = self.sites.cte()
        sql = f"{cte}SELECT f.id FROM tsite ts CROSS JOIN findings f ON f.site = ts.site WHERE {UNVERIFIED}"
        return frozenset(r[0] for r in self.db.execute(sql, cparams))

    def _count(self) -> tuple[int, int]:
        sql, params = self._sql("count(*)")
        total = self.db.execute(sql, params).fetchone()[0]
        if not total:
            return 0, 0
        # Few are: read them site by site from findings_unverified (each site's open findings
        # older than its last run), then check the filters (CROSS JOIN keeps that order).
        cte, cparams = self.sites.cte()
        where = " AND ".join([*self.where, UNVERIFIED])
        sql = f"{cte}SELECT count(*) FROM tsite ts CROSS JOIN findings f ON f.site = ts.site WHERE {where}"
        return total, self.db.execute(sql, [*cparams, *self.params]).fetchone()[0]

    def by_kind(self) -> dict[str, int]:
        sql, params = self._sql("f.kind, count(*)", "GROUP BY f.kind")
        return dict(cached(("by_kind", sql, *params), lambda: self.db.execute(sql, params).fetchall()))

    def first_kind(self, kinds: tuple[str, ...]) -> str | None:
        counts = self.by_kind()
        return next((k for k in kinds if counts.get(k)), None)

    def neighbours(self, finding_id: int) -> tuple[int | None, int | None] | None:
        """(previous, next) of `finding_id` in this list's order; None when it is not in it.

        The list's ids are read once, in order, and kept (a tab of 50,000 findings: some 50 ms
        and 2 MB), so that paging through findings with 上一条/下一条 finds each in a
        millisecond instead of two ordered searches of the list."""
        found = self._matches()
        try:
            at = found.index(finding_id)
        except ValueError:
            return None
        return (found[at - 1] if at else None), (found[at + 1] if at + 1 < len(found) else None)

    def sites_of(self, limit: int = 2) -> list[str]:
        """Up to `limit` of the sites of the selected findings."""
        sql, params = self._sql("DISTINCT f.site", f"LIMIT {int(limit)}")
        return [r[0] for r in self.db.execute(sql, params) if r[0]]

    def departments(self) -> list[str]:
        """The 责任单位 of the selected findings' shown pages (template owners included)."""
        join = "LEFT JOIN finding_owners fo ON fo.finding_id = f.id "
        extra: list[Any] = []
        if self.scope.column is not None:
            join = "LEFT JOIN finding_owners fo ON fo.finding_id = f.id AND fo.[column] = ? "
            extra = [self.scope.column]
        cte, cparams = self.sites.cte()
        where = " WHERE " + " AND ".join(self.where) if self.where else ""
        sql = (f"{cte}SELECT DISTINCT CASE WHEN {TEMPLATE} THEN {OWNER} "
               f"ELSE coalesce(fo.department, '{UNASSIGNED}') END {FROM}{JOIN_SITE}{join}{where}")
        params = [*cparams, *extra, *self.params]
        return sorted({r[0] for r in self.db.execute(sql, params) if r[0] is not None},
                      key=lambda d: (d == UNASSIGNED, d))


def _midnight(day: str, plus: int = 0) -> str:
    """The instant a local day (YYYY-MM-DD, in the configured zone) starts, plus days."""
    d = date.fromisoformat(day) + timedelta(days=plus)
    return datetime.combine(d, time(0), zone()).isoformat()


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _anchor_texts(db: Database, q: str) -> list[str]:
    """The distinct link texts that contain `q` (as LIKE matches them: ASCII letters folded)."""
    def every() -> tuple[list[str], str, list[int]]:
        texts = [a for (a,) in db.execute(
            "SELECT DISTINCT anchor FROM occurrences WHERE anchor IS NOT NULL AND anchor != ''")]
        # One folded string, a text per line, searched with str.find rather than each text
        # tested per search; `starts` maps a position back to its text.
        starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))
        return texts, "\n".join(t.translate(_ASCII_LOWER) for t in texts), starts

    def matching() -> list[str]:
        texts, folded, starts = cached("anchor_texts", every)
        if "\n" in q:  # could span two texts in the folded string
            return [t for t in texts if q in t.translate(_ASCII_LOWER)]
        found, at = [], folded.find(q)
        while at >= 0:
            i = bisect.bisect_right(starts, at) - 1
            found.append(texts[i])
            at = folded.find(q, starts[i + 1])
        return found

    return cached(("anchor_match", q), matching)


def _search(db: Database, q: str, scope: Scope, kind: str | None) -> tuple[str, list[Any]]:
    """The finding's own words, its category label, or a shown page's URL, title or link text."""
    pattern = like(q)
    fields = ("text", "target", "context", "suggestion", "error")
    own = " OR ".join(f"f.{c} LIKE ? ESCAPE '\\'" for c in fields)
    params: list[Any] = [pattern] * 5
    known = cached("categories", lambda: [c for (c,) in db.execute(
        "SELECT DISTINCT category FROM findings WHERE category IS NOT NULL")])
    categories = [c for c in known if q in category_label(c).lower()]
    if categories:
        own += f" OR f.category IN ({','.join('?' * len(categories))})"
        params += categories
    # Pages whose URL or title matches, then the findings on them (occurrences_page). Without
    # a scope, an occurrence that is current (of its finding's last run) is a match; with one,
    # each such finding is checked for a current occurrence on a shown page.
    pages = ("SELECT url FROM pages WHERE url LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\'")
    current = "" if scope.active else "JOIN findings c ON c.id = o.finding_id AND o.last_run = c.last_run "
    candidates = f"SELECT o.finding_id FROM occurrences o {current}WHERE o.page_url IN ({pages})"
    cparams: list[Any] = [pattern, pattern]
    anchors = kind is None or kind == "all" or kind in LINK_KINDS
    if anchors:  # text kinds have no link text
        # A million links share some ten thousand texts: match the distinct texts (as LIKE
        # does: ASCII letters folded), then read the links by the anchor index.
        texts = _anchor_texts(db, q)
        if texts:
            candidates += (f" UNION SELECT o.finding_id FROM occurrences o {current}WHERE o.anchor IN "
                           "(SELECT value FROM json_each(?)) AND o.anchor IS NOT NULL AND o.anchor != ''")
            cparams.append(json.dumps(texts, ensure_ascii=False))
    if not scope.active:
        return f"(({own}) OR f.id IN ({candidates}))", params + cparams
    shown, sparams = scope.page_sql()
    hit = "o.page_url LIKE ? ESCAPE '\\' OR p.title LIKE ? ESCAPE '\\'" + (
        " OR o.anchor LIKE ? ESCAPE '\\'" if anchors else "")
    hparams = [pattern] * (3 if anchors else 2)
    exact = ("EXISTS (SELECT 1 FROM occurrences o LEFT JOIN pages p ON p.url = o.page_url "
             "LEFT JOIN page_owners po ON po.site = coalesce(f.site, '') AND po.page_url = o.page_url "
             f"WHERE o.finding_id = f.id AND o.last_run = f.last_run AND ({hit}) AND {shown})")
    sql = f"(({own}) OR (f.id IN ({candidates}) AND {exact}))"
    return sql, params + cparams + hparams + sparams
