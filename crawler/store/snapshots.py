"""Page snapshots (快照): kept by the crawl for pages with text findings, read by the UI."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from sqlite_utils import Database

# Written by the text-check pool (crawler.textcheck.pool.snapshot): zlib-compressed UTF-8.


@dataclass(frozen=True)
class Snapshot:
    page_url: str
    final_url: str  # where the page was read from, after redirects
    taken_at: str
    html: str


def load(db: Database, page_url: str) -> Snapshot | None:
    row = db.execute(
        "SELECT COALESCE(p.final_url, s.page_url), s.taken_at, s.html FROM snapshots s "
        "LEFT JOIN pages p ON p.url = s.page_url WHERE s.page_url = ?",
        [page_url],
    ).fetchone()
    if row is None:
        return None
    return Snapshot(page_url, row[0], row[1], zlib.decompress(row[2]).decode("utf-8"))
