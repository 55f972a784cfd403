"""End of a run: turn what the crawl saw into findings, then apply the lifecycle.

Findings are only touched here, in one transaction, so a run killed before this point
leaves them exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from crawler.store.db import now, transaction
from crawler.store.lifecycle import MACHINE, machine_transition

__all__ = ["MACHINE", "RunSummary", "abandon_stale_runs", "finish_run", "summarize_run"]

# A (value, page) pair whitelisted by a false-positive verdict makes no finding or occurrence.
_NOT_WHITELISTED = """NOT EXISTS (SELECT 1 FROM whitelist w WHERE w.revoked_at IS NULL
  AND w.kind = '{kind}' AND w.value = {value} AND (w.page_url IS NULL OR w.page_url = {page}))"""
_LINK_OK = _NOT_WHITELISTED.format(kind="link", value="l.url", page="o.page_url")
_OCC_LINK_OK = _NOT_WHITELISTED.format(kind="link", value="f.link", page="o.page_url")
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

    @property
    def duration_s(self) -> float | None:
        if not self.finished_at:
            return None
        delta = datetime.fromisoformat(self.finished_at) - datetime.fromisoformat(self.started_at)
        return delta.total_seconds()


_UPSERT_LINK_FINDINGS = f"""
INSERT INTO findings (key, site, kind, category, link, target, final_url, http_status, error,
                      severity, status, first_seen, last_seen, first_run, last_run)
SELECT 'link:' || :site || '|' || l.url, :site,  -- see store/keys.py
       CASE l.outcome WHEN 'dead' THEN 'dead_link' ELSE 'unverified_link' END,
       l.category, l.url,
       (SELECT o.href FROM outlinks o WHERE o.target = l.url LIMIT 1),
       l.final_url, l.http_status, l.error,
       CASE WHEN l.outcome = 'dead' THEN 'general' ELSE 'suspect' END,
       'open', :now, :now, :run, :run
FROM links l
WHERE l.last_run = :run AND l.outcome IN ('dead', 'unverified')
  AND EXISTS (SELECT 1 FROM outlinks o JOIN pages p ON p.url = o.page_url
              WHERE o.target = l.url AND p.last_run = :run AND {_LINK_OK})
ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, category = excluded.category,
  final_url = excluded.final_url, http_status = excluded.http_status, error = excluded.error,
  severity = excluded.severity, last_seen = excluded.last_seen, last_run = excluded.last_run
"""

_UPSERT_LINK_OCCURRENCES = f"""
INSERT INTO occurrences (finding_id, page_url, element, attr, anchor, is_home,
                         first_seen, last_seen, last_run)
SELECT f.id, o.page_url, o.element, o.attr, o.anchor, p.is_home, :now, :now, :run
FROM findings f
JOIN outlinks o ON o.target = f.link
JOIN pages p ON p.url = o.page_url AND p.last_run = :run
WHERE f.last_run = :run AND f.kind IN ('dead_link', 'unverified_link') AND {_OCC_LINK_OK}
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


def finish_run(
    db: Database, run_id: int, site: str, *, complete: bool, reason: str, stats: dict | None = None
) -> RunSummary:
    ts = now()
    params = {"run": run_id, "site": site, "now": ts}
    with transaction(db):
        db.execute(_UPSERT_LINK_FINDINGS, params)
        db.execute(_UPSERT_LINK_OCCURRENCES, params)
        db.execute(_UPSERT_TEXT_FINDINGS, params)
        db.execute(_UPSERT_TEXT_OCCURRENCES, params)
        reopened = machine_transition(
            db, "last_run = :run AND site = :site AND status = 'rectified'", params,
            "open", run_id, "再次发现，重新打开",
        )
        rectified = 0
        if complete:
            # Only a complete crawl saw every page, so only it may say a finding is gone.
            rectified = machine_transition(
                db, "site = :site AND status = 'open' AND last_run < :run", params,
                "rectified", run_id, "完整巡检未再发现，机器确认已整改",
            )
        new = db.execute(
            "SELECT count(*) FROM findings WHERE first_run = :run", params
        ).fetchone()[0]
        db.execute(
            "UPDATE runs SET finished_at = :now, status = :status, reason = :reason, "
            "new_findings = :new, stats = :stats WHERE id = :run",
            {**params, "status": "complete" if complete else "incomplete", "reason": reason,
             "new": new, "stats": json.dumps(stats or {}, ensure_ascii=False, default=str)},
        )
    return summarize_run(db, run_id, rectified=rectified, reopened=reopened)


def summarize_run(db: Database, run_id: int, rectified: int = 0, reopened: int = 0) -> RunSummary:
    run = db["runs"].get(run_id)
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
    )


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
