"""Read findings in the shape other tools rely on (the `duwang findings` JSONL contract)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from crawler.store import lifecycle

KINDS = ("dead_link", "unverified_link", "wording", "privacy", "unavailable",
         # the inspection's veto items (crawler/inspection/)
         "stale_column", "empty_column", "stale_home", "backdated", "page_standard",
         "hidden_link", "external_changed")
STATUSES = lifecycle.STATUSES

# The stable JSONL fields, in order. Documented in README "Findings format".
FIELDS = (
    "id", "kind", "category", "target", "final_url", "http_status", "error", "text",
    "suggestion", "context", "pages", "occurrences", "home_page", "status", "severity",
    "first_seen", "last_seen", "site", "confirmed_at", "confirmed_by", "detail",
)


def list_findings(
    db: Database,
    *,
    kind: str | None = None,
    status: str | None = None,
    site: str | None = None,
    ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Findings with their current occurrences (home page first)."""
    where, params = [], []
    for column, value in (("kind", kind), ("status", status), ("site", site)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if ids:
        where.append(f"id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    sql = "SELECT * FROM findings"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY CASE severity WHEN 'serious' THEN 0 WHEN 'general' THEN 1 ELSE 2 END, id"
    findings = [dict(r) for r in db.query(sql, params)]
    if not findings:
        return []
    occ: dict[int, list[dict[str, Any]]] = {}
    id_list = [f["id"] for f in findings]
    for chunk_start in range(0, len(id_list), 500):
        chunk = id_list[chunk_start:chunk_start + 500]
        rows = db.query(
            "SELECT o.*, p.final_url AS page_final_url, p.title AS page_title, p.file_kind AS file_kind "
            "FROM occurrences o JOIN findings f ON f.id = o.finding_id "
            "LEFT JOIN pages p ON p.url = o.page_url "
            f"WHERE o.finding_id IN ({','.join('?' * len(chunk))}) AND o.last_run = f.last_run "
            "ORDER BY o.is_home DESC, o.page_url",
            chunk,
        )
        for row in rows:
            occ.setdefault(row["finding_id"], []).append(
                {
                    "page": row["page_url"],
                    "title": row["page_title"] or "",
                    "element": row["element"],
                    "attr": row["attr"],
                    "anchor": row["anchor"],
                    "is_home": bool(row["is_home"]),
                    **({"attachment": True} if row["file_kind"] else {}),
                }
            )
    files = {o["page"] for found in occ.values() for o in found if o.get("attachment")}
    if files:
        linked = linked_from(db, files)
        for found in occ.values():
            for o in found:
                if o.get("attachment"):
                    o["linked_from"] = linked.get(o["page"], [])
    out = []
    for f in findings:
        occurrences = occ.get(f["id"], [])
        record = {name: f.get(name) for name in FIELDS}
        record["occurrences"] = occurrences
        record["pages"] = [o["page"] for o in occurrences]
        record["home_page"] = any(o["is_home"] for o in occurrences)
        record["detail"] = json.loads(f["detail"]) if f.get("detail") else None
        out.append(record)
    return out


def linked_from(db: Database, targets: set[str]) -> dict[str, list[str]]:
    """The pages that link to each of ``targets`` (attachments), as of their last read."""
    out: dict[str, list[str]] = {}
    ordered = sorted(targets)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        for target, page in db.execute(
            "SELECT o.target, o.page_url FROM outlinks o JOIN pages p ON p.url = o.page_url "
            f"WHERE o.target IN ({','.join('?' * len(chunk))}) ORDER BY p.is_home DESC, o.page_url", chunk,
        ).fetchall():
            out.setdefault(target, []).append(page)
    return out


def last_complete_pages(db: Database, site: str) -> int | None:
    """Pages read by the site's last complete run, or None when it has had none."""
    row = db.execute(
        "SELECT pages FROM runs WHERE site = ? AND status = 'complete' ORDER BY id DESC LIMIT 1", [site]
    ).fetchone()
    return row[0] if row else None
