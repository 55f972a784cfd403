"""What the finding page shows of an attachment (附件): its type, where in it the problem is
(the page of a PDF, the cell of a sheet, the paragraph of a document) and the pages that
link to it, since staff fix the file through them."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from crawler.labels import FILE_KIND_LABELS
from crawler.store.queries import linked_from


def location(context: str | None) -> str:
    """第2页, 名单!C4, 第3段: the place an attachment's finding names first in its context."""
    context = context or ""
    return context[1:context.index("〕")] if context.startswith("〔") and "〕" in context else ""


def attachment_facts(db: Database, finding: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{attachment url: {label, location, linked_from}} for the finding's pages that are
    attachments; empty for a finding on HTML pages only."""
    pages = [p["page"] for p in finding.get("shown", [])]
    if not pages:
        return {}
    marks = ",".join("?" * len(pages))
    kinds = dict(db.execute(
        f"SELECT url, file_kind FROM pages WHERE file_kind IS NOT NULL AND url IN ({marks})", pages,
    ).fetchall())
    if not kinds:
        return {}
    linked = linked_from(db, set(kinds))
    where = location(finding.get("context"))
    return {url: {"label": FILE_KIND_LABELS.get(kind, "附件"), "location": where,
                  "linked_from": linked.get(url, [])} for url, kind in kinds.items()}
