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

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from sqlite_utils import Database

from crawler.labels import KIND_LABELS, SEVERITY_LABELS, category_label
from crawler.localtime import parse
from crawler.recheck import latest_rechecks
from crawler.review import query
from crawler.review.cache import cached
from crawler.store import feedback
from crawler.store.lifecycle import OPEN, RECTIFIED, STATUS_LABELS, STATUSES
from crawler.store.queries import FIELDS
from crawler.store.scope import OwnerMatcher
from crawler.store.sites import UNASSIGNED, SiteInfo, load_sites
from crawler.store.template import TEMPLATE_LABEL
from crawler.textcheck.privacy import mask_personal

# Tabs of the screen, in order: (kind, label). 待核实链接 is kept apart from 错链; then the
# inspection's veto items (crawler/inspection/) and the watch's 网站无法访问.
TABS = (("dead_link", "错链"), ("unverified_link", "待核实链接"), ("wording", "错敏词"),
        ("privacy", "隐私信息"),
        *((k, KIND_LABELS[k]) for k in ("stale_column", "empty_column", "stale_home", "backdated",
                                        "page_standard", "unavailable")))
ALL_KINDS = "all"
PER_PAGE = 100
MAX_PAGE = 10**9
PAGES_SHOWN = 5  # a finding's pages in its row of the list (the rest: 共 N 个页面)
TEMPLATE_SAMPLE = 5  # a template finding's pages in its export row (crawler.review.export)
# Work queues: reports waiting for the web office (待复核), and findings sent back (被退回:
# a report not accepted, or a fix that did not hold).
WAITING, RETURNED = "waiting", "returned"
QUEUE_LABELS = {WAITING: "待复核", RETURNED: "被退回"}
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
            setattr(f, name, value if _valid_day(value) else "")
        f.queue = args.get("queue", "") if args.get("queue") in QUEUE_LABELS else ""
        f.home = args.get("home") == "1"
        f.new = args.get("new") == "1"
        f.page = page_number(args.get("page"))
        return f

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of these filters (with `changes`), defaults left out."""
        out = {}
        for fld in fields(self):
            value = changes[fld.name] if fld.name in changes else getattr(self, fld.name)
            if fld.name == "status" or value != fld.default:
                out[fld.name] = int(value) if isinstance(value, bool) else value
        return out


def select(db: Database, f: Filters, *, own: str | None = None) -> list[dict[str, Any]]:
    """Every finding the filters select, each with `shown` (its matching pages, annotated).

    `own` is a department account's 责任单位: only its pages count, whatever `f` says.
    Serious before general before suspect; within each, home-page problems first. For the
    screen use ``page``; for exports ``rows``, which reads them a chunk at a time.
    """
    return list(rows(db, f, own=own))


def rows(db: Database, f: Filters, *, own: str | None = None, chunk: int = 200,
         sites: query.Sites | None = None, pageless: bool = False) -> Iterator[dict[str, Any]]:
    """The findings `select` returns, read `chunk` at a time (a template finding with a
    sample of its pages: its row says 涉及 N 页)."""
    q = query.Query.build(db, f, own=own, sites=sites, pageless=pageless)
    ids = q.ids()
    for start in range(0, len(ids), chunk):
        yield from hydrate(db, ids[start:start + chunk], q.scope, q.sites, template_pages=TEMPLATE_SAMPLE + 1)


def export_sites(db: Database, f: Filters, *, own: str | None = None) -> list[str]:
    """Up to two of the sites an export holds (its name says the site when there is one)."""
    return query.Query.build(db, f, own=own).sites_of()


def export_groups(db: Database, f: Filters, *, own: str | None = None, split: bool = False
                  ) -> list[tuple[str | None, Iterator[dict[str, Any]]]]:
    """What an export holds, read a chunk at a time: one group, or with `split` one per
    责任单位 (未分配 last, with the findings on no page), each with only that department's pages."""
    q = query.Query.build(db, f, own=own)
    if not split:
        return [(None, rows(db, f, own=own, sites=q.sites))]
    return [(department, rows(db, replace(f, department=department), own=own, sites=q.sites,
                              pageless=department == UNASSIGNED))
            for department in q.departments()]


def page(db: Database, f: Filters, *, own: str | None = None
         ) -> tuple[Callable[[], list[dict[str, Any]]], int, int]:
    """One page of the list (PER_PAGE findings, PAGES_SHOWN pages each), the number of
    findings selected and how many of them are 本次未核实; `f.page` is brought into range.
    The rows are read when the first value is called: the screen keeps their HTML, and a
    page it has shown since the data last changed needs none of them."""
    q = query.Query.build(db, f, own=own)
    total, unverified = q.count()
    f.page = min(f.page, max(1, math.ceil(total / PER_PAGE)))
    ids = q.ids(PER_PAGE, (f.page - 1) * PER_PAGE)
    return (lambda: hydrate(db, ids, q.scope, q.sites, pages=PAGES_SHOWN)), total, unverified


def top(db: Database, f: Filters, n: int, *, own: str | None = None) -> list[dict[str, Any]]:
    """The first `n` findings of the list `f`."""
    q = query.Query.build(db, f, own=own)
    return hydrate(db, q.ids(n), q.scope, q.sites, pages=PAGES_SHOWN)


def by_kind(db: Database, f: Filters, *, own: str | None = None) -> dict[str, int]:
    return query.Query.build(db, f, own=own).by_kind()


def count(db: Database, f: Filters, *, own: str | None = None) -> int:
    return query.Query.build(db, f, own=own).count()[0]


def neighbours(db: Database, f: Filters, finding_id: int, *, own: str | None = None
               ) -> tuple[int | None, int | None] | None:
    """The previous and next finding of the list `f` (上一条/下一条); None when it is not in it."""
    return query.Query.build(db, f, own=own).neighbours(finding_id)


def pager(current: int, pages: int, around: int = 3) -> list[int | None]:
    """The page numbers a pager shows: the first, the last and `around` either side of the
    current one; None marks a gap (…). A list of 2,000 pages links to at most 9 of them."""
    shown = {1, pages, *range(max(1, current - around), min(pages, current + around) + 1)}
    out: list[int | None] = []
    for n in sorted(shown):
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def page_number(raw: str | None) -> int:
    """A page number from the query string: 1 when it is not one, at most MAX_PAGE."""
    try:
        return min(MAX_PAGE, max(1, int(raw or "1")))
    except ValueError:
        return 1


def _valid_day(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def hydrate(db: Database, ids: list[int], scope: query.Scope, sites: query.Sites, *,
            pages: int | None = None, offset: int = 0, template_pages: int | None = None
            ) -> list[dict[str, Any]]:
    """The findings `ids` (in that order) as the screen and exports read them: the
    `duwang findings` fields, `shown` (at most `pages` of the shown pages from `offset`,
    home page first), `shown_count`, the template fields, and `annotate`'s."""
    if not ids:
        return []
    cte, cparams = sites.cte()
    marks = ",".join("?" * len(ids))
    found = {r["id"]: dict(r) for r in db.query(
        f"{cte}SELECT f.*, {query.TEMPLATE} AS is_template, {query.OWNER} AS owner "
        f"{query.FROM}{query.JOIN_SITE}WHERE f.id IN ({marks})", [*cparams, *ids])}
    owners = _Owners(db)
    few = [] if offset else [r for r in found.values() if not r["is_template"]
                             and (r["current_pages"] or 0) <= BATCH_PAGES]
    batched = _shown_few(db, few, scope, owners, pages)
    out = []
    for fid in ids:
        row = found.get(fid)
        if row is None:
            continue
        template = bool(row["is_template"])
        limit = template_pages if template and template_pages is not None else pages
        shown = batched[fid] if fid in batched else _shown(db, row, scope, owners, limit, offset)
        record = {name: row.get(name) for name in FIELDS}
        record["detail"] = json.loads(row["detail"]) if row.get("detail") else None
        if record["kind"] == "privacy":  # stored masked; a database from before masking is not
            for name in ("text", "context"):
                record[name] = mask_personal(record[name]) if record[name] else record[name]
        record["home_page"] = bool(row["on_home"])
        record["occurrences"] = shown
        record["pages"] = [p["page"] for p in shown]
        n = row["current_pages"] or 0
        out.append({**record, "shown": shown, "shown_count": _shown_count(db, row, scope, template),
                    "template": template, "template_pages": n if template else 0,
                    "template_label": f"{TEMPLATE_LABEL}（涉及 {n} 页）" if template else ""})
    annotate(db, out)
    return out


class _Owners:
    """Each site's department and column matchers, for pages the store has no owner row for."""

    def __init__(self, db: Database):
        self.db = db
        self._sites: dict[str, SiteInfo] | None = None
        self._matchers: dict[str, tuple[OwnerMatcher, OwnerMatcher]] = {}

    def __call__(self, site: str | None, url: str) -> tuple[str, str]:
        key = site or ""
        if key not in self._matchers:
            if self._sites is None:
                self._sites = load_sites(self.db)
            info = self._sites.get(key)
            self._matchers[key] = (OwnerMatcher(info.departments if info else None),
                                   OwnerMatcher(info.columns if info else None))
        department, column = self._matchers[key]
        return department(url), column(url)


_SHOWN = ("SELECT o.page_url, p.title, o.element, o.attr, o.anchor, o.is_home, po.department, po.[column] "
          "FROM findings f LEFT JOIN tsite ts ON ts.site = f.site "
          "JOIN occurrences o ON o.finding_id = f.id AND o.last_run = f.last_run "
          "LEFT JOIN pages p ON p.url = o.page_url "
          "LEFT JOIN page_owners po ON po.site = coalesce(f.site, '') AND po.page_url = o.page_url "
          "WHERE f.id = ? AND o.is_home = ? AND {shown} ORDER BY o.page_url")
# A finding's current pages, of one kind (home or not), that the scope shows ({shown}).
_PAGES = ("SELECT o.page_url, p.title, o.element, o.attr, o.anchor, o.is_home, po.department, "
          "po.[column] FROM occurrences o LEFT JOIN pages p ON p.url = o.page_url "
          "LEFT JOIN page_owners po ON po.site = ? AND po.page_url = o.page_url "
          "WHERE o.finding_id = ? AND o.last_run IS ? AND o.is_home = ? AND {shown} ORDER BY o.page_url")


def _shown(db: Database, row: dict[str, Any], scope: query.Scope, owners: _Owners,
           limit: int | None, offset: int) -> list[dict[str, Any]]:
    """The finding's shown pages, home page first, then by URL: the home-page ones (few) and
    then the others in the order of the occurrences' key, so a finding on 100,000 pages
    reads only the slice asked for. The scope is decided here from the finding's row
    (Scope.page_sql for one finding): a template finding's pages are all its owner's."""
    if scope.none:
        return []
    if row["is_template"] and scope.department is not None and row["owner"] != scope.department:
        return []
    shown, sparams = scope.owned("po", template=bool(row["is_template"]))
    sql = _PAGES.format(shown=" AND ".join(["1", *shown]))

    def args(home: int) -> list[Any]:
        return [row["site"] or "", row["id"], row["last_run"], home, *sparams]

    out: list[dict[str, Any]] = []
    for home in (1, 0):
        if home and not row["on_home"]:
            continue
        want = None if limit is None else limit - len(out)
        if want is not None and want <= 0:
            break
        tail = f" LIMIT {want if want is not None else -1} OFFSET {offset}"
        found = db.execute(sql + tail, args(home)).fetchall()
        if home and offset:
            offset = max(0, offset - db.execute(f"SELECT count(*) FROM ({sql})", args(home)).fetchone()[0])
        out += [_page(row, owners, *page) for page in found]
    return out


def _page(row: dict[str, Any], owners: _Owners, url: str, title: str | None, element: str | None,
          attr: str | None, anchor: str | None, is_home: int, department: str | None,
          column: str | None) -> dict[str, Any]:
    """A shown page of the finding `row`: its owners from page_owners, else from the site's
    rules; a template finding's pages are all its template owner's."""
    if department is None or column is None:
        department, column = owners(row["site"], url)
    if row["is_template"]:
        department = row["owner"]
    return {"page": url, "title": title or "", "element": element, "attr": attr, "anchor": anchor,
            "is_home": bool(is_home), "department": department, "column": column}


BATCH_PAGES = 20  # a finding on at most this many pages has them read with others' at once


def _shown_few(db: Database, rows: list[dict[str, Any]], scope: query.Scope, owners: _Owners,
               limit: int | None) -> dict[int, list[dict[str, Any]]]:
    """`_shown` of many findings on few pages each (not templates), in one query."""
    if not rows or scope.none:
        return {r["id"]: [] for r in rows}
    shown, sparams = scope.owned("po")
    shown.append("o.is_home IN (0, 1)")
    by_id = {r["id"]: r for r in rows}
    out: dict[int, list[dict[str, Any]]] = {fid: [] for fid in by_id}
    sql = ("SELECT o.finding_id, o.page_url, p.title, o.element, o.attr, o.anchor, o.is_home, "
           "po.department, po.[column] FROM findings f "
           "JOIN occurrences o ON o.finding_id = f.id AND o.last_run IS f.last_run "
           "LEFT JOIN pages p ON p.url = o.page_url "
           "LEFT JOIN page_owners po ON po.site = coalesce(f.site, '') AND po.page_url = o.page_url "
           f"WHERE f.id IN ({','.join('?' * len(by_id))}) AND {' AND '.join(shown)} "
           "ORDER BY o.finding_id, o.is_home DESC, o.page_url")
    for fid, *page in db.execute(sql, [*by_id, *sparams]):
        row, pages = by_id[fid], out[fid]
        if (page[5] and not row["on_home"]) or (limit is not None and len(pages) >= limit):
            continue  # page[5]: is_home
        pages.append(_page(row, owners, *page))
    return out


def _shown_count(db: Database, row: dict[str, Any], scope: query.Scope, template: bool) -> int:
    if scope.none:
        return 0
    if not scope.active:
        return row["current_pages"] or 0
    if template and scope.department is not None and scope.department != row["owner"]:
        return 0
    where, params = ["finding_id = ?"], [row["id"]]
    if scope.department is not None and not template:
        where.append("department = ?")
        params.append(scope.department)
    if scope.column is not None:
        where.append("[column] = ?")
        params.append(scope.column)
    return db.execute(f"SELECT coalesce(sum(pages), 0) FROM finding_owners WHERE {' AND '.join(where)}",
                      params).fetchone()[0]


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
    unverified = unverified_ids(db, ids)
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


def owned_ids(db: Database, department: str, ids: list[int]) -> set[int]:
    """Those of `ids` that have a current page owned by `department`."""
    if not ids:
        return set()
    q = query.Query.build(db, Filters(kind=ALL_KINDS, status=""), own=department)
    return set(q.restrict(ids).ids())


def unconfirmed_suspects(db: Database) -> int:
    """Open suspect typos (疑似错误) staff have not confirmed yet: they count in no report."""
    return cached("suspects", lambda: db.execute(
        "SELECT count(*) FROM findings WHERE severity = 'suspect' AND confirmed_at IS NULL "
        "AND status = 'open'"  # findings_suspects (m019)
    ).fetchone()[0])


_UNVERIFIED = ("SELECT f.id FROM findings f JOIN (SELECT site, max(id) AS run FROM runs "
               "WHERE status != 'running' GROUP BY site) lr ON lr.site = f.site "
               "WHERE f.status = 'open' AND f.last_run < lr.run")


def unverified_ids(db: Database, ids: list[int] | None = None) -> set[int]:
    """Open findings (of `ids`, or all) the last finished run of their site did not see and
    could not verify gone (本次未核实): their pages were not read whole, or the run was incomplete."""
    if ids is None:
        return {r[0] for r in db.execute(_UNVERIFIED)}
    out: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in db.execute(f"{_UNVERIFIED} AND f.id IN ({marks})", chunk))
    return out


def unverified_count(db: Database) -> int:
    return db.execute(f"SELECT count(*) FROM ({_UNVERIFIED})").fetchone()[0]


PAGES_PER_DETAIL = 100  # a finding's pages on its own page, a screen at a time


def select_one(db: Database, finding_id: int, *, own: str | None = None, page: int = 1
               ) -> dict[str, Any] | None:
    """One finding with a screen of its shown pages (a department's own only, `page` of
    them, PAGES_PER_DETAIL each), its template fields and its recheck and feedback state;
    None when there is no such finding."""
    sites = query.Sites.load(db)
    scope = query.Scope.of(own=own)
    offset = (max(1, page) - 1) * PAGES_PER_DETAIL
    found = hydrate(db, [finding_id], scope, sites, pages=PAGES_PER_DETAIL, offset=offset)
    return found[0] if found else None


def has_page(db: Database, finding_id: int, page_url: str, *, own: str | None = None) -> bool:
    """Whether `page_url` is a current page of the finding that the account may see."""
    sites = query.Sites.load(db)
    scope = query.Scope.of(own=own)
    cte, cparams = sites.cte()
    shown, sparams = scope.page_sql()
    row = db.execute(
        cte + _SHOWN.format(shown=shown).replace("ORDER BY o.page_url", "AND o.page_url = ?")
        .replace("AND o.is_home = ?", "AND o.is_home = o.is_home"),
        [*cparams, finding_id, *sparams, page_url]).fetchone()
    return row is not None


def tab_counts(db: Database, status: str, *, own: str | None = None, queue: str = "") -> dict[str, int]:
    """Findings per kind with this status (in this queue), of the account's own pages."""
    return query.Query.build(db, Filters(kind=ALL_KINDS, status=status, queue=queue), own=own).by_kind()


def options(db: Database, kind: str) -> dict[str, list[tuple[str, str]]]:
    """Choices of the filter form: (value, label) lists."""
    return cached(("options", kind), lambda: _options(db, kind))


def _options(db: Database, kind: str) -> dict[str, list[tuple[str, str]]]:
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
