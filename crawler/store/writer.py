"""Batched writes for one crawl run, flushed from one place (one thread)."""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING

from sqlite_utils import Database

from crawler.items import LinkCheck, Page
from crawler.store.db import now, transaction
from crawler.store.external import host_rows, write_hosts
from crawler.store.keys import text_key

if TYPE_CHECKING:
    from crawler.external import HostSeen

_PAGE_SQL = """
INSERT INTO pages (url, site, final_url, status, title, content_type, encoding, depth, is_home,
                   content_hash, etag, last_modified, checked_with, first_seen, last_seen, last_run,
                   read_full, partial, file_kind, gone_runs)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)
ON CONFLICT(url) DO UPDATE SET site=excluded.site, final_url=excluded.final_url,
  status=excluded.status, title=excluded.title, content_type=excluded.content_type,
  encoding=excluded.encoding, depth=excluded.depth, is_home=excluded.is_home,
  content_hash=excluded.content_hash, etag=excluded.etag, last_modified=excluded.last_modified,
  checked_with=excluded.checked_with, last_seen=excluded.last_seen, last_run=excluded.last_run,
  read_full=excluded.read_full, partial=excluded.partial,
  file_kind=COALESCE(excluded.file_kind, pages.file_kind), gone_runs=0
"""
_LINK_SQL = """
INSERT INTO links (url, site, internal, outcome, category, http_status, error, final_url, method,
                   checked_at, first_seen, last_seen, last_run)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT(site, url) DO UPDATE SET internal=excluded.internal,
  prev_outcome=CASE WHEN links.last_run < excluded.last_run THEN links.outcome ELSE links.prev_outcome END,
  outcome=excluded.outcome, category=excluded.category, http_status=excluded.http_status,
  error=excluded.error, final_url=excluded.final_url, method=excluded.method,
  checked_at=COALESCE(excluded.checked_at, links.checked_at), last_seen=excluded.last_seen,
  last_run=excluded.last_run
"""
_HIT_SQL = (
    "INSERT OR REPLACE INTO page_hits (page_url, finding_key, kind, category, rule, text, suggestion, "
    "context, severity, field) VALUES (?,?,?,?,?,?,?,?,?,?)"
)
_FACTS_SQL = (
    "INSERT OR REPLACE INTO page_facts (page_url, site, run_id, tags, footer, site_id, pub_date, items, "
    "says_empty) VALUES (?,?,?,?,?,?,?,?,?)"
)
# An item keeps the first_seen of its first sighting on the list page (backdating needs it);
# items no longer listed are dropped (marked with position -1 first, deleted after).
_ITEM_SQL = """
INSERT INTO list_items (page_url, item_url, position, date, first_seen, first_run) VALUES (?,?,?,?,?,?)
ON CONFLICT(page_url, item_url) DO UPDATE SET position = excluded.position, date = excluded.date
"""
_OUTLINK_SQL = (
    "INSERT OR REPLACE INTO outlinks (page_url, target, href, element, attr, anchor) "
    "VALUES (?,?,?,?,?,?)"
)


class RunWriter:
    """Owns one run row and buffers page/link writes into few transactions."""

    def __init__(self, db: Database, site: str, start_urls: list[str], batch_size: int = 500,
                 max_delay: float = 2.0):
        self.db = db
        self.site = site
        self.batch_size = batch_size
        self.max_delay = max_delay  # seconds a write may wait in the buffer
        self._last_flush = time.monotonic()
        self._pages: list[Page] = []
        self._links: list[LinkCheck] = []
        self._hits: list[tuple[str, list, str]] = []
        self._unchanged: list[str] = []
        self._snapshots: list[tuple[str, bytes]] = []
        self._files: list[tuple[str | None, str | None, str]] = []  # (kind, problem, url)
        self._unchanged_files: list[str] = []
        self._hosts: list[HostSeen] = []
        self.pages_written = 0
        self.attachments_written = 0
        self.links_written = 0
        started = now()
        self.run_id: int = db["runs"].insert(
            {
                "site": site,
                "started_at": started,
                "status": "running",
                "start_urls": json.dumps(start_urls, ensure_ascii=False),
                "pid": os.getpid(),
            }
        ).last_pk

    def add_page(self, page: Page) -> None:
        self._pages.append(page)
        self._maybe_flush()

    def add_link(self, link: LinkCheck) -> None:
        self._links.append(link)
        self._maybe_flush()

    def page_unchanged(self, url: str, attachment: bool = False) -> None:
        """The page (url_key) is as last time: it is seen in this run, its hits stand."""
        (self._unchanged_files if attachment else self._unchanged).append(url)
        self._maybe_flush()

    def set_page_hits(self, page_url: str, hits: list, checked_with: str = "",
                      snapshot: bytes | None = None) -> None:
        """Replace what the text checks found on a page (textcheck Hit objects).

        `checked_with` (the wordlists' fingerprint) is stored with the hits, never before:
        a crawl killed in between leaves the page to be checked again next time.
        `snapshot` replaces the page's stored copy (kept when a page is later clean: it is
        the evidence for what was fixed).
        """
        self._hits.append((page_url, hits, checked_with))
        if snapshot is not None:
            self._snapshots.append((page_url, snapshot))
        self._maybe_flush()

    def set_file(self, url: str, kind: str | None, problem: str | None) -> None:
        """What reading an attachment gave: its type, and why it was not read (then it
        counts as not read whole, so its findings stay as they were)."""
        self._files.append((kind, problem, url))
        self._maybe_flush()

    def add_host(self, seen: HostSeen) -> None:
        """A probe of an external host's home page (crawler/external.py)."""
        self._hosts.append(seen)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        pending = (len(self._pages) + len(self._links) + len(self._hits) + len(self._unchanged)
                   + len(self._files) + len(self._hosts) + len(self._unchanged_files))
        if pending >= self.batch_size or time.monotonic() - self._last_flush >= self.max_delay:
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if not (self._pages or self._links or self._hits or self._unchanged or self._files or self._hosts
                or self._unchanged_files):
            return
        ts = now()
        run, site = self.run_id, self.site
        pages, links, hits, unchanged = self._pages, self._links, self._hits, self._unchanged
        snapshots, files, hosts, same_files = self._snapshots, self._files, self._hosts, self._unchanged_files
        self._pages, self._links, self._hits, self._unchanged, self._snapshots = [], [], [], [], []
        self._files, self._hosts, self._unchanged_files = [], [], []
        with transaction(self.db):
            conn = self.db.conn
            conn.executemany(
                _PAGE_SQL,
                [
                    (p.url, site, p.final_url, p.status, p.title, p.content_type, p.encoding,
                     # checked_with is set when the page's text-check results are written
                     p.depth, int(p.is_home), p.content_hash, p.etag, p.last_modified, "",
                     ts, ts, run, int(p.partial is None), p.partial, "file" if p.attachment else None)
                    for p in pages
                ],
            )
            conn.executemany("DELETE FROM outlinks WHERE page_url = ?", [(p.url,) for p in pages])
            conn.executemany(
                _OUTLINK_SQL, [(p.url, *o) for p in pages for o in p.outlinks]
            )
            with_facts = [p for p in pages if p.facts is not None]
            if with_facts:
                self._write_facts(conn, with_facts, ts)
            conn.executemany(
                _LINK_SQL,
                [
                    (x.url, site, int(x.internal), x.outcome, x.category, x.http_status, x.error,
                     x.final_url, x.method, None if x.method == "cache" else ts, ts, ts, run)
                    for x in links
                ],
            )
            conn.executemany("DELETE FROM page_hits WHERE page_url = ?", [(url,) for url, _, _ in hits])
            conn.executemany(
                _HIT_SQL,
                [
                    (url, text_key(site, h.key), h.kind, h.category, h.rule, h.text, h.suggestion, h.context,
                     h.severity, h.field)
                    for url, page_hits, _ in hits for h in page_hits
                ],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO snapshots (page_url, taken_at, run_id, html) VALUES (?,?,?,?)",
                [(url, ts, run, blob) for url, blob in snapshots],
            )
            conn.executemany(
                "UPDATE pages SET checked_with = ?, checked_run = ? WHERE url = ?",
                [(checked_with, run, url) for url, _, checked_with in hits],
            )
            conn.executemany(
                "UPDATE pages SET last_seen = ?, last_run = ? WHERE url = ?",
                [(ts, run, url) for url in [*unchanged, *same_files]],
            )
            conn.executemany(
                "UPDATE pages SET file_kind = COALESCE(?, file_kind), read_full = ? IS NULL, partial = ? "
                "WHERE url = ?", [(kind, problem, problem, url) for kind, problem, url in files])
            if hosts:
                write_hosts(self.db, host_rows(hosts, site, run, ts))
            # Attachments are not pages: the page count (and the shrink check) leaves them out.
            read = sum(1 for p in pages if not p.attachment) + len(unchanged)
            conn.execute(
                "UPDATE runs SET pages = pages + ?, links = links + ? WHERE id = ?",
                (read, len(links), run),
            )
        self.pages_written += read
        self.attachments_written += len(pages) + len(unchanged) - read + len(same_files)
        self.links_written += len(links)

    def _write_facts(self, conn, pages: list[Page], ts: str) -> None:
        run, site = self.run_id, self.site
        conn.executemany(_FACTS_SQL, [
            (p.url, site, run, json.dumps(p.facts.tags, ensure_ascii=False),
             json.dumps(p.facts.footer), p.facts.site_id, p.facts.pub_date, len(p.facts.items),
             int(p.facts.says_empty))
            for p in pages
        ])
        conn.executemany("UPDATE list_items SET position = -1 WHERE page_url = ?", [(p.url,) for p in pages])
        conn.executemany(_ITEM_SQL, [
            (p.url, item, i, date, ts, run)
            for p in pages for i, (item, date) in enumerate(p.facts.items)
        ])
        conn.executemany("DELETE FROM list_items WHERE page_url = ? AND position = -1",
                         [(p.url,) for p in pages])
