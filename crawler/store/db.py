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


def open_db(path: str | os.PathLike[str], *, create: bool = True, read_only_ok: bool = False) -> Database:
    """Open (and migrate) the database at `path`, or raise a StoreError.

    ``read_only_ok``: for a command that only reads (findings, report, serve), a database
    that cannot be written (a read-only file, folder or mount) is opened read-only instead:
    every write then fails (``PRAGMA query_only``), and ``is_read_only`` says so.
    """
    try:
        return _open_writable(Path(path), create)
    except DatabaseUnwritable:
        if not read_only_ok or not Path(path).is_file():
            raise
        return _open_read_only(Path(path))


def is_read_only(db: Database) -> bool:
    return bool(db.execute("PRAGMA query_only").fetchone()[0])


def connect_read_only(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only connection to the database at `path` (already checked by ``open_db``):
    what a server that reads a read-only database opens for each request."""
    conn = _connect_read_only(Path(path))
    if conn is None:
        raise DatabaseUnwritable(f"cannot open database {path}, even read-only")
    conn.execute("PRAGMA query_only=1")
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection | None:
    conn = None
    # A WAL database whose folder is read-only has no shared-memory file to open: then it
    # is read as immutable (nothing can change it there anyway).
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True, timeout=30)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            if conn is not None:
                conn.close()
            conn = None
        except sqlite3.DatabaseError:
            raise NotADatabase(f"{path} is not a duwang (SQLite) database") from None
    return None


def _open_read_only(path: Path) -> Database:
    conn = _connect_read_only(path)
    if conn is None:
        raise DatabaseUnwritable(f"cannot open database {path}, even read-only")
    db = Database(conn)
    _check_ours(db, path)
    _check_not_newer(db)
    if migrations.pending(db):
        conn.close()
        raise DatabaseUnwritable(f"database {path} is read-only and was made by an older duwang: "
                                 "open it once with write access to upgrade it")
    db.execute("PRAGMA query_only=1")
    return db


def _open_writable(path: Path, create: bool) -> Database:
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
