"""A site's slice of the central database, copied into a new file for a shard crawl to start
from, so the crawl reads what a direct crawl would: what earlier runs learned (unchanged
pages, the link verdict of the night before), the pages of its open findings, its runs.

No Scrapy. The seed is made by the one writer of the central database (or beside it) and
read by a worker; it is published like a shard (a temporary name, then a rename).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from crawler.distributed.slices import SEED_TABLES, copy_rows
from crawler.store import open_db, transaction


def export_seed(central: str | os.PathLike[str], site: str, dest: str | os.PathLike[str]) -> Path:
    """Write `site`'s slice of the central database to `dest` (replaced atomically)."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"{Path(central).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        db = open_db(tmp)
        try:
            with transaction(db):
                for table, where in SEED_TABLES:
                    copy_rows(src, db.conn, table, where, {"site": site})
            db.execute("PRAGMA journal_mode=DELETE")  # a plain file: it may sit on a shared filesystem
        finally:
            db.close()
    finally:
        src.close()
    os.replace(tmp, dest)
    return dest
