"""External hosts (crawler/external.py) in the store: each probe recorded against the host's
baseline, and the ``external_changed`` findings made from them at the end of a run."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlite_utils import Database

from crawler.external import KIND, SEVERITY, SUGGESTION, changes

if TYPE_CHECKING:
    from crawler.external import HostSeen

# The baseline is set once, from the first probe that resolved (a host first seen broken
# has none until it answers); a probe never moves it.
_HOST_SQL = """
INSERT INTO external_hosts (site, host, url, first_seen, last_seen, last_run, resolved, answered,
  http_status, final_url, final_domain, title, icp, parked, sensitive, error,
  base_run, base_resolved, base_final_domain, base_title, base_icp)
VALUES (:site, :host, :url, :now, :now, :run, :resolved, :answered, :http_status, :final_url,
  :final_domain, :title, :icp, :parked, :sensitive, :error,
  CASE WHEN :resolved THEN :run END, CASE WHEN :resolved THEN 1 END,
  CASE WHEN :resolved THEN :final_domain END, CASE WHEN :resolved THEN :title END,
  CASE WHEN :resolved THEN :icp END)
ON CONFLICT(site, host) DO UPDATE SET url = excluded.url, last_seen = excluded.last_seen,
  last_run = excluded.last_run, resolved = excluded.resolved, answered = excluded.answered,
  http_status = excluded.http_status, final_url = excluded.final_url,
  final_domain = excluded.final_domain, title = excluded.title, icp = excluded.icp,
  parked = excluded.parked, sensitive = excluded.sensitive, error = excluded.error,
  base_run = COALESCE(external_hosts.base_run, excluded.base_run),
  base_resolved = COALESCE(external_hosts.base_resolved, excluded.base_resolved),
  base_final_domain = CASE WHEN external_hosts.base_run IS NULL THEN excluded.base_final_domain
                           ELSE external_hosts.base_final_domain END,
  base_title = CASE WHEN external_hosts.base_run IS NULL THEN excluded.base_title
                    ELSE external_hosts.base_title END,
  base_icp = CASE WHEN external_hosts.base_run IS NULL THEN excluded.base_icp
                  ELSE external_hosts.base_icp END
"""


def host_rows(seen: list[HostSeen], site: str, run: int, now: str) -> list[dict]:
    return [{"site": site, "host": h.host, "url": h.url, "now": now, "run": run,
             "resolved": int(h.resolved), "answered": int(h.answered), "http_status": h.http_status,
             "final_url": h.final_url, "final_domain": h.final_domain, "title": h.title, "icp": h.icp,
             "parked": int(h.parked), "sensitive": json.dumps(h.sensitive, ensure_ascii=False),
             "error": h.error} for h in seen]


def write_hosts(db: Database, rows: list[dict]) -> None:
    db.conn.executemany(_HOST_SQL, rows)


def finding_key(site: str, host: str, category: str) -> str:
    return f"external:{site}|{host}|{category}"


_FINDING_SQL = """
INSERT INTO findings (key, site, kind, category, text, suggestion, context, severity, status,
                      first_seen, last_seen, first_run, last_run, detail, target, final_url,
                      http_status, error)
VALUES (:key, :site, :kind, :category, :host, :suggestion, :context, :severity, 'open',
        :now, :now, :run, :run, :detail, :url, :final_url, :http_status, :error)
ON CONFLICT(key) DO UPDATE SET context = excluded.context, severity = excluded.severity,
  detail = excluded.detail, target = excluded.target, final_url = excluded.final_url,
  http_status = excluded.http_status, error = excluded.error,
  last_seen = excluded.last_seen, last_run = excluded.last_run
"""
_OCCURRENCE_SQL = """
INSERT INTO occurrences (finding_id, page_url, element, attr, anchor, is_home,
                         first_seen, last_seen, last_run)
SELECT f.id, o.page_url, o.element, o.attr, o.anchor, p.is_home, :now, :now, :run
FROM findings f, outlinks o JOIN pages p ON p.url = o.page_url AND p.last_run = :run
WHERE f.key = :key AND (o.target LIKE :http OR o.target LIKE :https)
  AND NOT EXISTS (SELECT 1 FROM whitelist w WHERE w.revoked_at IS NULL AND w.kind = 'text'
                  AND w.value = :host AND (w.page_url IS NULL OR w.page_url = o.page_url))
GROUP BY o.page_url
ON CONFLICT(finding_id, page_url) DO UPDATE SET element = excluded.element, attr = excluded.attr,
  anchor = excluded.anchor, is_home = excluded.is_home, last_seen = excluded.last_seen,
  last_run = excluded.last_run
"""
_WHITELISTED_EVERYWHERE = """SELECT 1 FROM whitelist WHERE revoked_at IS NULL AND kind = 'text'
  AND value = ? AND page_url IS NULL"""


def upsert_external_findings(db: Database, params: dict) -> None:
    """A finding for each change of each host probed this run, on the pages linking to it
    (the caller holds the transaction)."""
    for row in db.query("SELECT * FROM external_hosts WHERE site = :site AND last_run = :run", params):
        base = row if row["base_run"] is not None and row["base_run"] < params["run"] else None
        now = {**row, "sensitive": json.loads(row["sensitive"] or "[]")}
        host = row["host"]
        if db.execute(_WHITELISTED_EVERYWHERE, [host]).fetchone():
            continue
        for category, context in changes(host, base, now):
            detail = {
                "before": None if base is None else {
                    "title": row["base_title"], "icp": row["base_icp"], "domain": row["base_final_domain"]},
                "now": {"resolved": bool(row["resolved"]), "http_status": row["http_status"],
                        "final_url": row["final_url"], "title": row["title"], "icp": row["icp"],
                        "error": row["error"]},
            }
            values = {**params, "key": finding_key(params["site"], host, category), "kind": KIND,
                      "category": category, "host": host, "suggestion": SUGGESTION, "context": context,
                      "severity": SEVERITY[category], "detail": json.dumps(detail, ensure_ascii=False),
                      "url": row["url"], "final_url": row["final_url"], "http_status": row["http_status"],
                      "error": row["error"], "http": f"http://{host}/%", "https": f"https://{host}/%"}
            db.execute(_FINDING_SQL, values)
            db.execute(_OCCURRENCE_SQL, values)


def probed(db: Database, site: str, run: int) -> dict[str, tuple[bool, bool]]:
    """Hosts probed this run: {host: (resolved, answered)}. An open finding of a host not
    seen again is gone only when the probe could tell: its name resolved (host_gone), or
    its home page answered (the others); a timeout proves nothing."""
    return {h: (bool(r), bool(a)) for h, r, a in db.execute(
        "SELECT host, resolved, answered FROM external_hosts WHERE site = ? AND last_run = ?",
        [site, run]).fetchall()}
