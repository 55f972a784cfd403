"""Which rows of the store belong to one site, and copying them between databases.

No Scrapy. A site's slice is what a crawl of that site reads (what earlier runs learned,
its open findings, the runs behind the shrink check) and what it writes (its pages, link
verdicts, text-check hits, inspection facts, snapshots). Findings, occurrences and events
are never copied back: the central database derives them at the end of the run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Tables a crawl of a site reads, and how to select the site's rows (":site").
_SITE_PAGES = "page_url IN (SELECT url FROM pages WHERE site = :site)"
SEED_TABLES: tuple[tuple[str, str], ...] = (
    ("runs", "site = :site"),
    ("sites", "name = :site"),
    ("pages", "site = :site"),
    ("links", "site = :site"),
    ("outlinks", _SITE_PAGES),
    ("page_hits", _SITE_PAGES),
    ("page_facts", "site = :site"),
    ("list_items", _SITE_PAGES),
    ("findings", "site = :site"),
    ("occurrences", "finding_id IN (SELECT id FROM findings WHERE site = :site)"),
    ("whitelist", "1"),
    ("external_hosts", "site = :site"),  # each external host's baseline (crawler/external.py)
)

# Columns that hold a run id, per table: a shard's run gets a new id in the central database.
RUN_COLUMNS: dict[str, tuple[str, ...]] = {
    "pages": ("last_run", "checked_run"),
    "links": ("last_run",),
    "page_facts": ("run_id",),
    "list_items": ("first_run",),
    "snapshots": ("run_id",),
    "external_hosts": ("last_run", "base_run"),
}


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def copy_rows(src: sqlite3.Connection, dst: sqlite3.Connection, table: str, where: str,
              params: dict, *, remap: dict[int, int] | None = None, verb: str = "INSERT OR REPLACE") -> int:
    """Copy the rows of `table` matching `where` from src to dst; the columns both have.

    `remap` {old run id: new run id} is applied to the table's run-id columns.
    """
    if table not in tables(src) or table not in tables(dst):
        return 0
    dst_cols = set(columns(dst, table))
    cols = [c for c in columns(src, table) if c in dst_cols]
    names = ", ".join(f'"{c}"' for c in cols)
    rows: Iterable[tuple] = src.execute(f"SELECT {names} FROM {table} WHERE {where}", params)
    run_idx = [cols.index(c) for c in RUN_COLUMNS.get(table, ()) if c in cols]
    if remap and run_idx:
        rows = (_remapped(row, run_idx, remap) for row in rows)
    cur = dst.executemany(
        f"{verb} INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})", rows)
    return cur.rowcount


def _remapped(row: tuple, idx: list[int], remap: dict[int, int]) -> tuple:
    out = list(row)
    for i in idx:
        if out[i] in remap:
            out[i] = remap[out[i]]
    return tuple(out)
