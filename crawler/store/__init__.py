"""The store: SQLite through sqlite-utils. No Scrapy import."""

from crawler.store.db import now, open_db, transaction
from crawler.store.errors import DatabaseUnwritable, NotADatabase, SchemaTooNew, StoreError

__all__ = [
    "open_db", "now", "transaction", "StoreError", "DatabaseUnwritable", "SchemaTooNew", "NotADatabase",
]
