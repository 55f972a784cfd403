"""Open the database: checks, pragmas and migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from crawler.store.errors import DatabaseUnwritable, NotADatabase, SchemaTooNew
from crawler.store.migrations import migrations


def now() -> str:
    """Local time with offset, to the second: what every timestamp column holds."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """All or nothing: ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error.

    ``with db.conn:`` is no transaction here: sqlite-utils 4 commits each write that
    ``Database.execute`` makes outside an open transaction, so nothing would roll back.
    IMMEDIATE takes the write lock at once, so what is read inside cannot change before
    it is written (a staff verdict and the end of a run are serialized, not interleaved).
    """
    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("transaction() does not nest")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def open_db(path: str | os.PathLike[str], *, create: bool = True) -> Database:
    """Open (and migrate) the database at `path`, or raise a StoreError."""
    path = Path(path)
    if path.is_dir():
        raise DatabaseUnwritable(f"database path is a directory: {path}")
    if not path.exists():
        if not create:
            raise NotADatabase(f"no database at {path}; run 'duwang crawl' first")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise DatabaseUnwritable(f"cannot create database {path}: folder {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise DatabaseUnwritable(f"cannot create database {path}: folder {parent} is not writable")
    elif not os.access(path, os.W_OK):
        raise DatabaseUnwritable(f"database {path} is not writable")
    try:
        conn = sqlite3.connect(str(path), timeout=30)
        db = Database(conn)
        _check_ours(db, path)  # before the first write: the WAL pragma below is one
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        _check_not_newer(db)
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        msg = str(exc)
        if "not a database" in msg or "file is encrypted" in msg:
            raise NotADatabase(f"{path} is not a duwang (SQLite) database") from None
        if "readonly" in msg or "unable to open" in msg:
            raise DatabaseUnwritable(f"cannot write database {path}: {msg}") from None
        if isinstance(exc, sqlite3.OperationalError):  # disk full, I/O error, locked too long
            raise DatabaseUnwritable(f"cannot use database {path}: {msg}") from None
        raise
    return db


def _check_ours(db: Database, path: Path) -> None:
    """Refuse an SQLite file that holds another program's tables: it is never written."""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    if not tables:
        return  # empty: a new database
    ours = "_sqlite_migrations" in tables and db.execute(
        "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'duwang' LIMIT 1").fetchone()
    if not ours:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        db.conn.close()
        raise NotADatabase(f"{path} is an SQLite database of another program (tables: {shown}); "
                           "duwang leaves it alone: give another --db")


def _check_not_newer(db: Database) -> None:
    applied = {m.name for m in migrations.applied(db)}
    known = {m.name for m in migrations._migrations}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaTooNew(
            f"the database was made by a newer duwang (unknown schema step {unknown[-1]}); "
            "upgrade duwang to use it"
        )
