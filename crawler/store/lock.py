"""One crawl per database at a time: an advisory lock on a file beside it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.store.errors import StoreError


class DatabaseLocked(StoreError):
    pass


@contextmanager
def crawl_lock(db_path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold `<db>.lock` for the duration. The OS drops it when the process dies, even on kill -9."""
    path = Path(f"{db_path}.lock")
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
        yield
    finally:
        os.close(fd)
