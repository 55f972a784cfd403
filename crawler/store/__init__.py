"""The store: SQLite through sqlite-utils. No Scrapy import."""

from crawler.store.db import is_read_only, now, open_db, transaction
from crawler.store.errors import DatabaseUnwritable, NotADatabase, SchemaTooNew, StoreError

__all__ = [
    "open_db", "is_read_only", "now", "transaction",
    "StoreError", "DatabaseUnwritable", "SchemaTooNew", "NotADatabase",
]
