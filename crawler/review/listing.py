"""What the review screen and the export show: the filters and the findings they select.

Department (责任单位) and column (栏目) belong to pages, not findings: a finding is shown
when any of its pages matches, and only the matching pages are listed and exported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlite_utils import Database

from crawler.recheck import latest_rechecks
from crawler.render import SEVERITY_LABELS, category_label
from crawler.store.lifecycle import OPEN, STATUS_LABELS, STATUSES
from crawler.store.queries import list_findings
from crawler.store.sites import UNASSIGNED, SiteInfo, load_sites, owner_of

# Tabs of the screen, in order: (kind, label). 待核实链接 is kept apart from 错链.
TABS = (("dead_link", "错链"), ("unverified_link", "待核实链接"), ("wording", "错敏词"),
        ("privacy", "隐私信息"))
ALL_KINDS = "all"
PER_PAGE = 100
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Filters:
    kind: str = "wording"
    status: str = OPEN  # "" means every status
    category: str = ""
    severity: str = ""
    department: str = ""
    column: str = ""
    since: str = ""  # first seen on or after, YYYY-MM-DD
    until: str = ""  # first seen on or before
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, all_kinds: bool = False) -> Filters:
        """Read the query string; a value that makes no sense is dropped, not an error.

        Every kind at once (`all_kinds`) is for exports: the screen shows one tab's table.
        """
        f = cls()
        kinds = {k for k, _ in TABS} | ({ALL_KINDS} if all_kinds else set())
        if args.get("kind") in kinds:
            f.kind = args["kind"]
        status = args.get("status", OPEN)
        f.status = status if status in STATUSES else ""
        severity = args.get("severity", "")
        f.severity = severity if severity in SEVERITY_LABELS else ""
        for name in ("category", "department", "column", "q"):
            setattr(f, name, (args.get(name) or "").strip()[:200])
        for name in ("since", "until"):
            value = (args.get(name) or "").strip()
            setattr(f, name, value if _DATE.match(value) else "")
        try:
            f.page = max(1, int(args.get("page", "1")))
        except ValueError:
            f.page = 1
        return f

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of these filters (with `changes`), defaults left out."""
        values = {**asdict(self), **changes}
        default = Filters()
        out = {}
        for fld in fields(self):
            value = values[fld.name]
            if fld.name == "status" or value != getattr(default, fld.name):
                out[fld.name] = value
        return out


def select(db: Database, f: Filters) -> list[dict[str, Any]]:
    """The findings the filters select, each with `shown` (its matching pages, annotated)."""
    kind = None if f.kind == ALL_KINDS else f.kind
    rows = list_findings(db, kind=kind, status=f.status or None)
    sites = load_sites(db)
    q = f.q.lower()
    out = []
    for row in rows:
        if f.category and row["category"] != f.category:
            continue
        if f.severity and row["severity"] != f.severity:
            continue
        day = (row["first_seen"] or "")[:10]
        if (f.since and day < f.since) or (f.until and day > f.until):
            continue
        pages = _pages(row, sites)
        shown = [p for p in pages if (not f.department or p["department"] == f.department)
                 and (not f.column or p["column"] == f.column)]
        if (f.department or f.column) and not shown:
            continue
        if q and q not in _haystack(row, shown):
            continue
        out.append({**row, "shown": shown, "all_pages": pages})
    if out:
        checks = latest_rechecks(db, [r["id"] for r in out])
        unverified = unverified_ids(db)
        for r in out:
            r["recheck"] = checks.get(r["id"])
            r["unverified"] = r["id"] in unverified
    return out


def unconfirmed_suspects(db: Database) -> int:
    """Open suspect typos (疑似错误) staff have not confirmed yet: they count in no report."""
    return db.execute(
        "SELECT count(*) FROM findings WHERE severity = 'suspect' AND confirmed_at IS NULL "
        "AND status = 'open'"
    ).fetchone()[0]


def unverified_ids(db: Database) -> set[int]:
    """Open findings the last finished run of their site did not see and could not verify
    gone (本次未核实): their pages were not read whole, or the run was incomplete."""
    return {r[0] for r in db.execute(
        "SELECT f.id FROM findings f WHERE f.status = 'open' AND f.last_run < "
        "(SELECT max(r.id) FROM runs r WHERE r.site = f.site AND r.status != 'running')"
    ).fetchall()}


def select_one(db: Database, row: dict[str, Any]) -> dict[str, Any]:
    """One list_findings record with its pages annotated and its last recheck."""
    pages = _pages(row, load_sites(db))
    last = latest_rechecks(db, [row["id"]]).get(row["id"])
    return {**row, "shown": pages, "all_pages": pages, "recheck": last,
            "unverified": row["id"] in unverified_ids(db)}


def _pages(row: dict[str, Any], sites: dict[str, SiteInfo]) -> list[dict[str, Any]]:
    site = sites.get(row["site"] or "")
    return [_annotate(o, site) for o in row["occurrences"]]


def _annotate(occ: dict[str, Any], site: SiteInfo | None) -> dict[str, Any]:
    return {
        **occ,
        "department": owner_of(occ["page"], site.departments if site else None),
        "column": owner_of(occ["page"], site.columns if site else None),
    }


def _haystack(row: dict[str, Any], pages: list[dict[str, Any]]) -> str:
    parts = [row.get(k) or "" for k in ("text", "target", "context", "suggestion", "error")]
    parts.append(category_label(row["category"]))
    for p in pages:
        parts += [p["page"], p["title"] or "", p["anchor"] or ""]
    return "\n".join(parts).lower()


def tab_counts(db: Database, status: str) -> dict[str, int]:
    sql = "SELECT kind, count(*) FROM findings"
    params: list[str] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    return dict(db.execute(sql + " GROUP BY kind", params).fetchall())


def options(db: Database, kind: str) -> dict[str, list[tuple[str, str]]]:
    """Choices of the filter form: (value, label) lists."""
    sql, params = "SELECT DISTINCT category FROM findings WHERE category IS NOT NULL", []
    if kind != ALL_KINDS:
        sql += " AND kind = ?"
        params.append(kind)
    categories = sorted(r[0] for r in db.execute(sql, params).fetchall())
    sites = load_sites(db).values()
    departments = sorted({v for s in sites for v in s.departments.values()}) + [UNASSIGNED]
    columns = sorted({v for s in sites for v in s.columns.values()}) + [UNASSIGNED]
    return {
        "status": [(s, STATUS_LABELS[s]) for s in STATUSES],
        "category": [(c, category_label(c)) for c in categories],
        "severity": list(SEVERITY_LABELS.items()),
        "department": [(d, d) for d in departments],
        "column": [(c, c) for c in columns],
    }


def highlight(context: str | None, text: str | None) -> tuple[str, str, str] | None:
    """Split the context around the word: (before, word, after), or None if it is not there.

    The template escapes each part on its own, so crawled text is never trusted as HTML.
    """
    if not context or not text:
        return None
    at = context.find(text)
    if at < 0:
        return None
    return context[:at], text, context[at + len(text):]

