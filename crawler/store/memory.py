"""What earlier runs learned, read per URL during a crawl (incremental re-crawl).

Lookups go to SQLite by primary key instead of loading every page into memory, so a big
site costs no per-page state for the whole run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database


class CrawlMemory:
    def __init__(self, db: Database):
        self.db = db

    def page(self, url_key: str) -> dict | None:
        row = self.db.execute(
            "SELECT etag, last_modified, content_hash, checked_with FROM pages WHERE url = ?",
            [url_key],
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("etag", "last_modified", "content_hash", "checked_with"), row, strict=True))

    def outlinks(self, page_key: str) -> list[tuple[str, str]]:
        """(target url_key, href as linked) of each link stored for the page."""
        return self.db.execute("SELECT target, href FROM outlinks WHERE page_url = ?", [page_key]).fetchall()

    def pages_with_open_findings(self, site: str) -> list[tuple[str]]:
        """The pages each open finding of the site was last seen on."""
        return self.db.execute(
            "SELECT DISTINCT o.page_url FROM findings f JOIN occurrences o "
            "ON o.finding_id = f.id AND o.last_run = f.last_run WHERE f.site = ? AND f.status = 'open'",
            [site],
        ).fetchall()

    def fresh_ok(self, url_key: str, max_age_days: float) -> bool:
        """True when the link answered OK at a real check less than max_age_days ago."""
        if max_age_days <= 0:
            return False
        row = self.db.execute(
            "SELECT outcome, checked_at FROM links WHERE url = ? ORDER BY checked_at DESC LIMIT 1",
            [url_key],
        ).fetchone()
        if row is None or row[0] != "ok" or not row[1]:
            return False
        checked = datetime.fromisoformat(row[1])
        return datetime.now(checked.tzinfo) - checked < timedelta(days=max_age_days)
