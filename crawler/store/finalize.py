"""End of a run: turn what the crawl saw into findings, then apply the lifecycle.

Findings are only touched here, in one transaction, so a run killed before this point
leaves them exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from crawler.external import HOST_GONE
from crawler.external import KIND as EXTERNAL_KIND
from crawler.hidden import KIND as HIDDEN_KIND
from crawler.inspection.found import KINDS as INSPECTION_KINDS
from crawler.inspection.found import Found
from crawler.inspection.policy import Policy
from crawler.inspection.run import inspect_site
from crawler.store import scope
from crawler.store.db import now, transaction
from crawler.store.external import probed, upsert_external_findings
from crawler.store.lifecycle import MACHINE, RECTIFIED, Event, allowed, machine_transition, record
from crawler.urls import SiteIdentity, netloc_key

_LINK_KINDS = ("dead_link", "unverified_link")

__all__ = [
    "MACHINE", "Evidence", "RunSummary", "abandon_stale_runs", "finish_run", "identity_for_run",
    "summarize_run",
]
RECTIFIED_NOTE = "完整巡检已读全其所在页面，问题已不存在，机器确认已整改"

# A (value, page) pair whitelisted by a false-positive verdict makes no finding or occurrence.
_NOT_WHITELISTED = """NOT EXISTS (SELECT 1 FROM whitelist w WHERE w.revoked_at IS NULL
  AND w.kind = '{kind}' AND w.value = {value} AND (w.page_url IS NULL OR w.page_url = {page}))"""
_LINK_OK = _NOT_WHITELISTED.format(kind="link", value="l.url", page="o.page_url")
_TEXT_OK = _NOT_WHITELISTED.format(kind="text", value="h.text", page="h.page_url")


@dataclass
class RunSummary:
    run_id: int
    site: str
    status: str  # complete | incomplete
    reason: str
    pages: int
    links: int
    dead_links: int
    unverified_links: int
    wording: int
    privacy: int
    new_findings: int
    rectified: int
    reopened: int
    started_at: str
    finished_at: str
    unverified: int = 0  # open findings this run could not verify (pages not read whole)
    failed: int = 0  # pages and link checks whose processing raised: the run is incomplete
    # open inspection findings seen by this run, by kind (stale_column ...; crawler/inspection/)
    inspection: dict[str, int] = field(default_factory=dict)
    hidden_links: int = 0  # open 暗链 findings seen by this run (hidden links, cloaking)
    external_changed: int = 0  # open 外链异常 findings seen by this run
    attachments: int = 0  # internal attachments (附件) this run fetched or found unchanged
    # (url, why) of each attachment not read this run: not checked, its findings kept
    unread_attachments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        if not self.finished_at:
            return None
        delta = datetime.fromisoformat(self.finished_at) - datetime.fromisoformat(self.started_at)
        return delta.total_seconds()


# The key of a link finding: the target by site identity (see crawler.urls.SiteIdentity),
# so a move to https, to or from "www." or to another port keeps it; see store/keys.py.
_LINK_KEY = "'link:' || :site || '|' || site_ident(l.url)"

# A server error, timeout or reset right after an OK verdict is confirmed the next night
# before it becomes a finding: a page that answers 503 one night in two is not a dead link
# fixed and broken again every other night.
TRANSIENT_CATEGORIES = ("http_5xx", "timeout", "reset")
_NOT_HELD = f"""NOT (l.category IN ({", ".join(f"'{c}'" for c in TRANSIENT_CATEGORIES)})
  AND l.prev_outcome IS 'ok')"""

_UPSERT_LINK_FINDINGS = f"""
INSERT INTO findings (key, site, kind, category, link, target, final_url, http_status, error,
                      severity, status, first_seen, last_seen, first_run, last_run)
SELECT {_LINK_KEY} AS k, :site,
       CASE l.outcome WHEN 'dead' THEN 'dead_link' ELSE 'unverified_link' END,
       l.category, l.url,
       (SELECT o.href FROM outlinks o WHERE o.target = l.url LIMIT 1),
       l.final_url, l.http_status, l.error,
       CASE WHEN l.outcome = 'dead' THEN 'general' ELSE 'suspect' END,
       'open', :now, :now, :run, :run
FROM links l
WHERE l.site = :site AND l.last_run = :run AND l.outcome IN ('dead', 'unverified') AND {_NOT_HELD}
  AND EXISTS (SELECT 1 FROM outlinks o JOIN pages p ON p.url = o.page_url
              WHERE o.target = l.url AND p.last_run = :run AND {_LINK_OK})
GROUP BY k
ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, category = excluded.category,
  link = excluded.link, target = excluded.target,
  final_url = excluded.final_url, http_status = excluded.http_status, error = excluded.error,
  severity = excluded.severity, last_seen = excluded.last_seen, last_run = excluded.last_run
"""

_UPSERT_LINK_OCCURRENCES = f"""
INSERT INTO occurrences (finding_id, page_url, element, attr, anchor, is_home,
                         first_seen, last_seen, last_run)
SELECT f.id, o.page_url, o.element, o.attr, o.anchor, p.is_home, :now, :now, :run
FROM links l
JOIN findings f ON f.key = {_LINK_KEY} AND f.last_run = :run
JOIN outlinks o ON o.target = l.url
JOIN pages p ON p.url = o.page_url AND p.last_run = :run
WHERE l.site = :site AND l.last_run = :run AND l.outcome IN ('dead', 'unverified') AND {_LINK_OK}
GROUP BY f.id, o.page_url
ON CONFLICT(finding_id, page_url) DO UPDATE SET element = excluded.element,
  attr = excluded.attr, anchor = excluded.anchor, is_home = excluded.is_home,
  last_seen = excluded.last_seen, last_run = excluded.last_run
"""


_UPSERT_TEXT_FINDINGS = f"""
INSERT INTO findings (key, site, kind, category, text, suggestion, context, severity, status,
                      first_seen, last_seen, first_run, last_run)
SELECT h.finding_key, :site, h.kind, h.category, h.text, h.suggestion, h.context, h.severity,
       'open', :now, :now, :run, :run
FROM page_hits h JOIN pages p ON p.url = h.page_url AND p.last_run = :run
WHERE {_TEXT_OK}
GROUP BY h.finding_key
ON CONFLICT(key) DO UPDATE SET suggestion = excluded.suggestion, severity = excluded.severity,
  last_seen = excluded.last_seen, last_run = excluded.last_run
"""

_UPSERT_TEXT_OCCURRENCES = f"""
INSERT INTO occurrences (finding_id, page_url, element, attr, anchor, is_home,
                         first_seen, last_seen, last_run)
SELECT f.id, h.page_url, h.field, NULL, NULL, p.is_home, :now, :now, :run
FROM page_hits h
JOIN pages p ON p.url = h.page_url AND p.last_run = :run
JOIN findings f ON f.key = h.finding_key
WHERE {_TEXT_OK}
ON CONFLICT(finding_id, page_url) DO UPDATE SET element = excluded.element,
  is_home = excluded.is_home, last_seen = excluded.last_seen, last_run = excluded.last_run
"""


# A page not read this run keeps what it had; one that answered 404/410 (or a soft 404) on
# this many complete runs in a row is gone, and so are the problems that were on it.
GONE_AFTER_RUNS = 2

_GONE_PAGES = """
UPDATE pages SET gone_runs = CASE WHEN l.http_status IN (404, 410) OR l.category = 'soft_404'
                                  THEN pages.gone_runs + 1 ELSE 0 END
FROM links l
WHERE l.site = :site AND l.last_run = :run AND l.url = pages.url AND pages.last_run < :run
"""


def finish_run(
    db: Database, run_id: int, site: str, *, complete: bool, reason: str, stats: dict | None = None,
    identity: SiteIdentity | None = None, text_checked: bool = True, inspection: Policy | None = None,
) -> RunSummary:
    """Turn the run into findings, then apply the lifecycle, all or nothing.

    `identity` maps URLs to their site-relative form (default: from the run's start URLs).
    `text_checked` is False when the run did not run the text checks: then no wording or
    privacy finding can be shown gone. `inspection`, when given, runs the inspection checks
    (crawler/inspection/) on a complete run: only a run that saw every column may say one
    is stale, empty or fresh again.
    """
    ident = identity or identity_for_run(db, run_id)
    db.conn.create_function("site_ident", 1, ident, deterministic=True)
    ts = now()
    params = {"run": run_id, "site": site, "now": ts}
    with transaction(db):
        db.execute(_UPSERT_LINK_FINDINGS, params)
        db.execute(_UPSERT_LINK_OCCURRENCES, params)
        db.execute(_UPSERT_TEXT_FINDINGS, params)
        db.execute(_UPSERT_TEXT_OCCURRENCES, params)
        upsert_external_findings(db, params)
        inspected = complete and inspection is not None
        if inspected:
            _upsert_found(db, inspect_site(db, run_id, site, inspection, ident), params)
        scope.refresh_run(db, run_id, site)  # the review list's page counts and owners
        reopened = machine_transition(
            db, "last_run = :run AND site = :site AND status = 'rectified'", params,
            "open", run_id, "再次发现，重新打开",
        )
        rectified = 0
        if complete:
            # Only a complete crawl saw every page, so only it may say a finding is gone, and
            # only for a finding whose every page it read whole (or found gone).
            db.execute(_GONE_PAGES, params)
            fixed = Evidence(db, run_id, site, ident, text_checked, inspected).fixed()
            rectified = _machine_move(db, fixed, RECTIFIED, run_id, ts, RECTIFIED_NOTE)
        new = db.execute(
            "SELECT count(*) FROM findings WHERE first_run = :run", params
        ).fetchone()[0]
        unverified = db.execute(
            "SELECT count(*) FROM findings WHERE site = :site AND status = 'open' AND last_run < :run",
            params,
        ).fetchone()[0]
        db.execute(
            "UPDATE runs SET finished_at = :now, status = :status, reason = :reason, "
            "new_findings = :new, unverified = :unverified, stats = :stats WHERE id = :run",
            {**params, "status": "complete" if complete else "incomplete", "reason": reason,
             "new": new, "unverified": unverified,
             "stats": json.dumps(stats or {}, ensure_ascii=False, default=str)},
        )
    return summarize_run(db, run_id, rectified=rectified, reopened=reopened)


_UPSERT_FOUND = """
INSERT INTO findings (key, site, kind, category, text, suggestion, context, severity, status,
                      first_seen, last_seen, first_run, last_run, detail)
VALUES (:key, :site, :kind, :category, :text, :suggestion, :context, :severity, 'open',
        :now, :now, :run, :run, :detail)
ON CONFLICT(key) DO UPDATE SET category = excluded.category, text = excluded.text,
  suggestion = excluded.suggestion, context = excluded.context, severity = excluded.severity,
  detail = excluded.detail, last_seen = excluded.last_seen, last_run = excluded.last_run
"""
_UPSERT_FOUND_OCCURRENCE = """
INSERT INTO occurrences (finding_id, page_url, element, attr, anchor, is_home,
                         first_seen, last_seen, last_run)
SELECT f.id, :page, :kind, NULL, NULL, coalesce(p.is_home, 0), :now, :now, :run
FROM findings f LEFT JOIN pages p ON p.url = :page WHERE f.key = :key
ON CONFLICT(finding_id, page_url) DO UPDATE SET is_home = excluded.is_home,
  last_seen = excluded.last_seen, last_run = excluded.last_run
"""


def _upsert_found(db: Database, found: list[Found], params: dict) -> None:
    """Inspection findings (derived from the whole site, not from one page) into the store,
    keyed like the others so a column that stays stale is one finding night after night."""
    for f in found:
        row = {**params, "key": f.key, "kind": f.kind, "category": f.category, "text": f.text,
               "suggestion": f.suggestion, "context": f.context, "severity": f.severity,
               "detail": json.dumps(f.detail, ensure_ascii=False, default=str)}
        db.execute(_UPSERT_FOUND, row)
        for page in dict.fromkeys(f.pages):
            db.execute(_UPSERT_FOUND_OCCURRENCE, {**row, "page": page})


def identity_for_run(db: Database, run_id: int, aliases: list[str] = ()) -> SiteIdentity:
    """The site identity of a run from its start URLs (and the site's known aliases)."""
    row = db.execute("SELECT start_urls FROM runs WHERE id = ?", [run_id]).fetchone()
    netlocs = [netloc_key(u) for u in json.loads(row[0] or "[]")] if row else []
    return SiteIdentity(netlocs[0] if netlocs else "", netlocs, aliases)


def _machine_move(db: Database, fixed: dict[int, str], to: str, run_id: int, at: str, note: str) -> int:
    """Move findings {id: evidence} to `to` as the machine, re-reading each status inside
    the transaction: a status staff set meanwhile is never overwritten."""
    ids = list(fixed)
    moved = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = db.execute(
            f"SELECT id, status FROM findings WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id", chunk
        ).fetchall()
        for fid, old in rows:
            if allowed(old, to, MACHINE):
                record(db, Event(fid, at, MACHINE, old, to, note, run_id, fixed[fid]))
                moved += 1
    return moved


class Evidence:
    """Which open findings a complete run shows fixed (README "Finding lifecycle").

    A wording or privacy finding: every page it was on was read whole and text-checked in
    this run and the problem was not there, or the page is gone (404/410 or a soft 404 on
    two complete runs in a row). A dead link: the target now answers, or every page that linked to it
    was read whole and no longer links to it (or is gone). Pages are compared by site
    identity, so a site that moved to https or another port still verifies its findings.
    """

    def __init__(self, db: Database, run_id: int, site: str, ident: SiteIdentity, text_checked: bool,
                 inspected: bool = False):
        self.db, self.run, self.site, self.ident = db, run_id, site, ident
        self.text_checked = text_checked
        self.inspected = inspected
        self._read: dict[str, tuple[str, bool, bool]] | None = None
        self._gone: set[str] | None = None
        self._alive: set[str] | None = None
        self._probed: dict[str, tuple[bool, bool]] | None = None

    def fixed(self) -> dict[int, str]:
        """{finding id: evidence} for the open findings shown fixed."""
        pages: dict[int, list[str]] = {}
        kinds: dict[int, tuple[str, str | None, str | None, str | None]] = {}
        for fid, kind, link, page, category, text in self.db.execute(
            "SELECT f.id, f.kind, f.link, o.page_url, f.category, f.text FROM findings f "
            "LEFT JOIN occurrences o ON o.finding_id = f.id AND o.last_run = f.last_run "
            "WHERE f.site = ? AND f.status = 'open' AND f.last_run < ?", [self.site, self.run],
        ).fetchall():
            kinds[fid] = (kind, link, category, text)
            if page is not None:
                pages.setdefault(fid, []).append(page)
        out: dict[int, str] = {}
        for fid, (kind, link, category, text) in kinds.items():
            on = pages.get(fid)
            if kind == EXTERNAL_KIND:
                if self._host_clear(text or "", category or ""):
                    out[fid] = "read"
                elif on and all(self._host_gone_from(p, text or "") for p in on):
                    out[fid] = self._how(on)
            elif kind in _LINK_KINDS:
                if link and self.ident(link) in self.alive():
                    out[fid] = "alive"
                elif on and all(self._link_gone_from(p, link) for p in on):
                    out[fid] = self._how(on)
            elif kind in INSPECTION_KINDS:
                # Not found again by this run's inspection, which read its pages whole: the
                # column is fresh again, the tag is there. Never from a run that did not inspect.
                if self.inspected and on and all(self._page_read_or_gone(p) for p in on):
                    out[fid] = self._how(on)
            elif self.text_checked and on and all(self._text_gone_from(p) for p in on):
                out[fid] = self._how(on)
        return out

    def _how(self, pages: list[str]) -> str:
        return "read" if any(self.ident(p) in self.read() for p in pages) else "gone"

    def read(self) -> dict[str, tuple[str, bool, bool]]:
        """Pages read this run, by identity: (url, read whole, text-checked this run)."""
        if self._read is None:
            self._read = {
                self.ident(url): (url, bool(full), checked == self.run)
                for url, full, checked in self.db.execute(
                    "SELECT url, read_full, checked_run FROM pages WHERE site = ? AND last_run = ?",
                    [self.site, self.run],
                ).fetchall()
            }
        return self._read

    def gone(self) -> set[str]:
        if self._gone is None:
            self._gone = {self.ident(url) for (url,) in self.db.execute(
                "SELECT url FROM pages WHERE site = ? AND gone_runs >= ?", [self.site, GONE_AFTER_RUNS]
            ).fetchall()}
        return self._gone

    def alive(self) -> set[str]:
        """Targets that answered this run (by identity)."""
        if self._alive is None:
            self._alive = {self.ident(url) for (url,) in self.db.execute(
                "SELECT url FROM links WHERE site = ? AND last_run = ? AND outcome = 'ok'",
                [self.site, self.run],
            ).fetchall()}
        return self._alive

    def _text_gone_from(self, page: str) -> bool:
        key = self.ident(page)
        state = self.read().get(key)
        if state is not None:
            return state[1] and state[2]
        return key in self.gone()

    def _page_read_or_gone(self, page: str) -> bool:
        key = self.ident(page)
        state = self.read().get(key)
        return state[1] if state is not None else key in self.gone()

    def _host_clear(self, host: str, category: str) -> bool:
        """The host's home page was probed this run and the change is not there any more;
        a probe that got no answer clears only a host that resolves again."""
        if self._probed is None:
            self._probed = probed(self.db, self.site, self.run)
        state = self._probed.get(host)
        if state is None:
            return False
        resolved, answered = state
        return resolved if category == HOST_GONE else answered

    def _host_gone_from(self, page: str, host: str) -> bool:
        """The page was read whole and links to nothing on the host any more (or is gone)."""
        key = self.ident(page)
        state = self.read().get(key)
        if state is None:
            return key in self.gone()
        url, whole, _ = state
        return whole and not self.db.execute(
            "SELECT 1 FROM outlinks WHERE page_url = ? AND (target LIKE ? OR target LIKE ?) LIMIT 1",
            [url, f"http://{host}/%", f"https://{host}/%"]).fetchone()

    def _link_gone_from(self, page: str, link: str | None) -> bool:
        key = self.ident(page)
        state = self.read().get(key)
        if state is None:
            return key in self.gone()
        url, whole, _ = state
        if not whole or not link:
            return False
        target = self.ident(link)
        return not any(self.ident(t) == target for (t,) in self.db.execute(
            "SELECT target FROM outlinks WHERE page_url = ?", [url]
        ).fetchall())


def summarize_run(db: Database, run_id: int, rectified: int = 0, reopened: int = 0) -> RunSummary:
    run = db["runs"].get(run_id)
    stats = json.loads(run["stats"] or "{}")
    counts = dict(
        db.execute(
            "SELECT kind, count(*) FROM findings WHERE last_run = ? AND status = 'open' "
            "GROUP BY kind", [run_id]
        ).fetchall()
    )
    return RunSummary(
        run_id=run_id,
        site=run["site"],
        status=run["status"],
        reason=run["reason"] or "",
        pages=run["pages"],
        links=run["links"],
        dead_links=counts.get("dead_link", 0),
        unverified_links=counts.get("unverified_link", 0),
        wording=counts.get("wording", 0),
        privacy=counts.get("privacy", 0),
        new_findings=run["new_findings"],
        rectified=rectified,
        reopened=reopened,
        started_at=run["started_at"],
        finished_at=run["finished_at"] or "",
        unverified=run["unverified"] or 0,
        failed=(stats.get("duwang/pages/failed") or 0) + (stats.get("duwang/checks/failed") or 0),
        inspection={k: counts[k] for k in INSPECTION_KINDS if counts.get(k)},
        hidden_links=counts.get(HIDDEN_KIND, 0),
        external_changed=counts.get(EXTERNAL_KIND, 0),
        attachments=db.execute("SELECT count(*) FROM pages WHERE site = ? AND last_run = ? "
                               "AND file_kind IS NOT NULL", [run["site"], run_id]).fetchone()[0],
        unread_attachments=unread_attachments(db, run["site"], run_id),
    )


def unread_attachments(db: Database, site: str, run_id: int) -> list[tuple[str, str]]:
    """(url, why) of each attachment of the run that was not read: listed as not checked."""
    return db.execute(
        "SELECT final_url, partial FROM pages WHERE site = ? AND last_run = ? AND file_kind IS NOT NULL "
        "AND read_full = 0 ORDER BY url", [site, run_id]).fetchall()


def abandon_stale_runs(db: Database, alive: Callable[[int | None], bool]) -> int:
    """Mark runs left 'running' by a killed process as incomplete. Returns how many."""
    rows = db.execute("SELECT id, pid FROM runs WHERE status = 'running'").fetchall()
    stale = [rid for rid, pid in rows if not alive(pid)]
    with transaction(db):
        for rid in stale:
            db.execute(
                "UPDATE runs SET status = 'incomplete', reason = 'killed', finished_at = ? "
                "WHERE id = ?", (now(), rid),
            )
    return len(stale)
