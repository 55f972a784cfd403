"""What the review screen and the export show: the filters and the findings they select.

Department (责任单位) and column (栏目) belong to pages, not findings: a finding is shown
when any of its pages matches, and only the matching pages are listed and exported. A
department account is always held to its own pages (`own`), whatever the query says.

Each selected finding is annotated with what the screen shows beside its status: its last
recheck, only when that recheck belongs to the current status; its 整改反馈 (a report
waiting for the web office, or one sent back); and whether a fix did not hold (整改未通过).

A template (公共区域) finding (crawler.store.template) belongs to the site's template owner:
every one of its pages is annotated with that owner as its 责任单位, so the department filter,
a department account's scope and the export's sheets all follow from it, and the row carries
`template` (True) and `template_pages` (涉及 N 页).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlite_utils import Database

from crawler.labels import SEVERITY_LABELS, category_label
from crawler.localtime import day as local_day
from crawler.localtime import parse
from crawler.recheck import latest_rechecks
from crawler.store import feedback
from crawler.store.lifecycle import OPEN, RECTIFIED, STATUS_LABELS, STATUSES
from crawler.store.queries import list_findings
from crawler.store.sites import UNASSIGNED, SiteInfo, load_sites, owner_of
from crawler.store.template import DEFAULT_OWNER, TEMPLATE_LABEL, template_findings

# Tabs of the screen, in order: (kind, label). 待核实链接 is kept apart from 错链.
TABS = (("dead_link", "错链"), ("unverified_link", "待核实链接"), ("wording", "错敏词"),
        ("privacy", "隐私信息"))
ALL_KINDS = "all"
PER_PAGE = 100
# Work queues: reports waiting for the web office (待复核), and findings sent back (被退回:
# a report not accepted, or a fix that did not hold).
WAITING, RETURNED = "waiting", "returned"
QUEUE_LABELS = {WAITING: "待复核", RETURNED: "被退回"}
_SEVERITY_RANK = {"serious": 0, "general": 1}
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
    queue: str = ""  # waiting | returned | "" (any)
    home: bool = False  # only findings on the home page (首页)
    new: bool = False  # only findings first seen by their site's last run
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
        f.queue = args.get("queue", "") if args.get("queue") in QUEUE_LABELS else ""
        f.home = args.get("home") == "1"
        f.new = args.get("new") == "1"
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
                out[fld.name] = int(value) if isinstance(value, bool) else value
        return out


def select(db: Database, f: Filters, *, own: str | None = None) -> list[dict[str, Any]]:
    """The findings the filters select, each with `shown` (its matching pages, annotated).

    `own` is a department account's 责任单位: only its pages count, whatever `f` says.
    Serious before general before suspect; within each, home-page problems first.
    """
    kind = None if f.kind == ALL_KINDS else f.kind
    rows = list_findings(db, kind=kind, status=f.status or None)
    sites = load_sites(db)
    last_runs = _last_runs(db) if f.new else {}
    first_runs = dict(db.execute("SELECT id, first_run FROM findings").fetchall()) if f.new else {}
    templates = template_findings(db)
    q = f.q.lower()
    out = []
    for row in rows:
        if f.category and row["category"] != f.category:
            continue
        if f.severity and row["severity"] != f.severity:
            continue
        day = local_day(row["first_seen"])  # the date staff read on screen
        if (f.since and day < f.since) or (f.until and day > f.until):
            continue
        if f.home and not row["home_page"]:
            continue
        if f.new and first_runs.get(row["id"]) != last_runs.get(row["site"]):
            continue
        pages = _pages(row, sites, templates)
        shown = [p for p in pages if (not f.department or p["department"] == f.department)
                 and (not f.column or p["column"] == f.column)
                 and (own is None or p["department"] == own)]
        if (f.department or f.column or own is not None) and not shown:
            continue
        if q and q not in _haystack(row, shown):
            continue
        out.append({**row, "shown": shown, "all_pages": pages, **_template(row, templates)})
    annotate(db, out)
    if f.queue:
        out = [r for r in out if (r["waiting"] if f.queue == WAITING else r["returned"])]
    out.sort(key=lambda r: (_SEVERITY_RANK.get(r["severity"], 2), not r["home_page"], r["id"]))
    return out


def annotate(db: Database, rows: list[dict[str, Any]]) -> None:
    """Add recheck, feedback, waiting, returned and unverified to each row (see the module doc)."""
    if not rows:
        return
    ids = [r["id"] for r in rows]
    changed: dict[int, str | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        changed.update(db.execute(
            f"SELECT id, status_changed_at FROM findings WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall())
    checks = latest_rechecks(db, ids)
    reports = feedback.latest(db, ids)
    last_events = _last_events(db, ids)
    unverified = unverified_ids(db)
    for r in rows:
        r["status_changed_at"] = changed.get(r["id"])
        r["recheck"] = _current_recheck(r, checks.get(r["id"]))
        fb = reports.get(r["id"])
        r["feedback"] = fb if fb and fb["current"] else None
        r["waiting"] = bool(r["feedback"] and r["feedback"]["state"] == feedback.PENDING
                            and r["status"] == OPEN)
        r["returned"] = _returned(r, r["feedback"], last_events.get(r["id"]))
        r["unverified"] = r["id"] in unverified


def _current_recheck(row: dict[str, Any], check: dict[str, Any] | None) -> dict[str, Any] | None:
    """The last recheck, if it was made in the current status: a 疑似未整改 from before a fix
    was reported, or one that already sent the finding back, says nothing about now."""
    if not check or check["status"] != row["status"]:
        return None
    changed = parse(row.get("status_changed_at"))
    if changed and (parse(check["at"]) or changed) < changed:
        return None
    return check


def _returned(row: dict[str, Any], fb: dict[str, Any] | None, event: dict[str, Any] | None
              ) -> dict[str, Any] | None:
    """Why an open finding is back on the list, if it was sent back: a report the web office
    did not accept (复核不通过), or a fix that did not hold (整改未通过)."""
    if row["status"] != OPEN:
        return None
    if fb and fb["state"] == feedback.REJECTED:
        return {"label": "复核不通过", "at": fb["decided_at"], "by": fb["decided_by"], "reason": fb["reason"]}
    if event and event["from_status"] == RECTIFIED and event["to_status"] == OPEN:
        label = "整改未通过"
        reason = (event["note"] or "").removeprefix(f"{label}：")  # a recheck's note says it already
        return {"label": label, "at": event["at"], "by": event["actor"], "reason": reason}
    return None


def _last_events(db: Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in db.query(
            "SELECT * FROM events WHERE id IN (SELECT max(id) FROM events "
            f"WHERE finding_id IN ({','.join('?' * len(chunk))}) GROUP BY finding_id)", chunk,
        ):
            out[r["finding_id"]] = dict(r)
    return out


def _last_runs(db: Database) -> dict[str, int]:
    """Each site's last finished run (complete or not)."""
    return dict(db.execute(
        "SELECT site, max(id) FROM runs WHERE status != 'running' GROUP BY site").fetchall())


def owned_ids(db: Database, department: str, ids: list[int]) -> set[int]:
    """Those of `ids` that have a current page owned by `department`."""
    sites = load_sites(db)
    templates = template_findings(db, ids)
    return {row["id"] for row in list_findings(db, ids=ids)
            if any(p["department"] == department for p in _pages(row, sites, templates))}


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


def select_one(db: Database, row: dict[str, Any], *, own: str | None = None) -> dict[str, Any]:
    """One list_findings record with its pages annotated (a department's own only) and its
    recheck and feedback state."""
    templates = template_findings(db, [row["id"]])
    pages = _pages(row, load_sites(db), templates)
    shown = [p for p in pages if own is None or p["department"] == own]
    out = {**row, "shown": shown, "all_pages": pages, **_template(row, templates)}
    annotate(db, [out])
    return out


def _pages(row: dict[str, Any], sites: dict[str, SiteInfo],
           templates: Mapping[int, int] | None = None) -> list[dict[str, Any]]:
    site = sites.get(row["site"] or "")
    owner = None
    if templates and row["id"] in templates:
        owner = site.template_owner if site else DEFAULT_OWNER
    return [_annotate(o, site, owner) for o in row["occurrences"]]


def _annotate(occ: dict[str, Any], site: SiteInfo | None, owner: str | None = None) -> dict[str, Any]:
    """The page's 责任单位 and 栏目; a template finding's pages all belong to its `owner`."""
    return {
        **occ,
        "department": owner or owner_of(occ["page"], site.departments if site else None),
        "column": owner_of(occ["page"], site.columns if site else None),
    }


def _template(row: dict[str, Any], templates: Mapping[int, int]) -> dict[str, Any]:
    n = templates.get(row["id"])
    return {"template": n is not None, "template_pages": n or 0,
            "template_label": f"{TEMPLATE_LABEL}（涉及 {n} 页）" if n else ""}


def _haystack(row: dict[str, Any], pages: list[dict[str, Any]]) -> str:
    parts = [row.get(k) or "" for k in ("text", "target", "context", "suggestion", "error")]
    parts.append(category_label(row["category"]))
    for p in pages:
        parts += [p["page"], p["title"] or "", p["anchor"] or ""]
    return "\n".join(parts).lower()


def tab_counts(db: Database, status: str, *, own: str | None = None) -> dict[str, int]:
    if own is not None:  # a department: its own pages decide, as on the list itself
        found = select(db, Filters(kind=ALL_KINDS, status=status), own=own)
        counts: dict[str, int] = {}
        for r in found:
            counts[r["kind"]] = counts.get(r["kind"], 0) + 1
        return counts
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
    owners = {v for s in sites for v in (*s.departments.values(), s.template_owner)}
    departments = sorted(owners) + [UNASSIGNED]
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

