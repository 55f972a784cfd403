"""One crawl per database at a time: advisory locks the OS drops when the process dies.

The lock belongs to the database file, not to the name it was given. The lock file sits
beside the resolved path, so a symlink or a path with ``..`` finds the same lock file, and
the database file itself is flock-ed, so a hard link (another name for the same file) is
locked too. SQLite locks the database with POSIX fcntl locks, which on Linux are
independent of flock: readers and writers in other processes (the review UI) are not held up.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.store.errors import StoreError


class DatabaseLocked(StoreError):
    pass


# One descriptor per database file (st_dev, st_ino), opened once and never closed: closing
# any descriptor of a file drops every POSIX lock this process holds on it, including the
# SHARED lock an open SQLite connection in WAL mode keeps for its whole life.
_database_fds: dict[tuple[int, int], int] = {}
_held: set[tuple[int, int]] = set()


@contextmanager
def crawl_lock(db_path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the database's lock for the duration, or raise DatabaseLocked.

    The OS drops both locks when the process dies, even on kill -9.
    """
    real = os.path.realpath(db_path)
    path = Path(f"{real}.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DatabaseLocked(f"cannot create lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise DatabaseLocked(
                f"another duwang crawl (pid {holder}) is using {db_path}; try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        with _lock_database_file(real, db_path):
            yield
    finally:
        os.close(fd)


@contextmanager
def _lock_database_file(real: str, shown: str | os.PathLike[str]) -> Iterator[None]:
    """flock the database file itself, against a crawl through another (hard-linked) name."""
    try:
        st = os.stat(real)
    except FileNotFoundError:
        yield  # no file yet, so no other name for it either
        return
    except OSError as exc:
        raise DatabaseLocked(f"cannot lock database {shown}: {exc.strerror}") from None
    key = (st.st_dev, st.st_ino)
    busy = DatabaseLocked(
        f"another duwang crawl is using {shown} under another name (a hard link); "
        "try again when it has finished"
    )
    if key in _held:  # flock would not refuse this process its own lock
        raise busy
    if key not in _database_fds:
        try:
            fd = os.open(real, os.O_RDONLY)
        except OSError as exc:
            raise DatabaseLocked(f"cannot lock database {shown}: {exc.strerror}") from None
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        _database_fds.setdefault(key, fd)
    fd = _database_fds[key]
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise busy from None
    _held.add(key)
    try:
        yield
    finally:
        _held.discard(key)
        fcntl.flock(fd, fcntl.LOCK_UN)
