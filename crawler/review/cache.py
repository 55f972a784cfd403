"""The review server's per-process cache of what its lists count and select (issue 14).

Between two nightly crawls the database changes only when staff mark findings, so a count or
an id list read for one request holds for the next until anything is committed. A watcher
connection that never writes reads ``PRAGMA data_version``, which changes whenever any
other connection (a request's, the crawler's, ``duwang ingest``) commits; the cache is emptied
then. Values are kept in LRU order within a memory budget: a search or a department's list
keeps every id it matched, up to the whole table, so entries are weighed, not counted.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, has_app_context

T = TypeVar("T")
BUDGET = 48 * 1024 * 1024  # bytes, roughly: what the kept values may hold
WAIT = 60.0  # seconds a request waits for another's computation of the same value
EXTENSION = "duwang_results"


class Results:
    """Values computed from one database, valid while its data_version holds."""

    def __init__(self, path: str | os.PathLike[str], connect: Callable[[], sqlite3.Connection],
                 budget: int = BUDGET):
        """`connect` opens the watcher on `path`."""
        self._path = path
        self._connect = connect
        self._inode = -1
        self._opened = 0
        self._budget = budget
        self._weight = 0
        self._lock = threading.Lock()
        self._watcher: sqlite3.Connection | None = None
        self._version: tuple[int, int | None] | None = None
        self._values: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._pending: dict[tuple[object, Hashable], threading.Event] = {}
        self.hits = self.misses = 0

    def version(self) -> tuple[int, int | None]:
        """The database's data version now (the cache is emptied when it moved). A file put
        in the database's place (a restored backup) is a new database: the watcher reopens."""
        with self._lock:
            try:
                inode = os.stat(self._path).st_ino
            except OSError:
                inode = -1
            if self._watcher is not None and inode != self._inode:
                self._watcher.close()
                self._watcher = None
            try:
                if self._watcher is None:
                    self._watcher, self._inode = self._connect(), inode
                    self._opened += 1
                data = self._watcher.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:  # e.g. a WAL database in a read-only folder: keep nothing
                data = None
            version = (self._opened, data)
            if version != self._version or data is None:
                self._values.clear()
                self._weight = 0
                self._version = version
            return version

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = self.version()
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key][0]  # type: ignore[return-value]
            # One thread computes a value; the others asking meanwhile wait for it (twenty
            # clients opening the list at once would otherwise count the same tabs twenty times).
            flight = (version, key)
            done = self._pending.get(flight)
            leader = done is None
            if leader:
                done = self._pending[flight] = threading.Event()
                self.misses += 1
        if not leader:
            done.wait(WAIT)
            with self._lock:
                if key in self._values:
                    self.hits += 1
                    return self._values[key][0]  # type: ignore[return-value]
            return compute()  # the leader failed, or the data changed meanwhile
        try:
            value = compute()
            with self._lock:
                size = weight(value)
                if self._version == version and version[1] is not None and size <= self._budget:
                    self._values[key] = (value, size)  # (a stale version's value is not kept)
                    self._weight += size
                    while self._weight > self._budget:
                        _, (_, dropped) = self._values.popitem(last=False)
                        self._weight -= dropped
        finally:
            with self._lock:
                self._pending.pop(flight, None)
            done.set()
        return value

    @property
    def weight(self) -> int:
        return self._weight

    def close(self) -> None:
        with self._lock:
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None


def weight(value: object) -> int:
    """Roughly the bytes `value` holds: a count, an id list, a page's rows, rendered HTML."""
    if isinstance(value, str):
        return 64 + 2 * len(value)
    if isinstance(value, tuple | list | set | frozenset | dict):
        items = value.values() if isinstance(value, dict) else value
        return 64 + sum(weight(v) + 8 for v in items) if len(value) <= 256 else 64 + 40 * len(value)
    return 32


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its value kept by this app since the database last changed. Outside a
    request (reports, tests of the queries) nothing is kept."""
    if not has_app_context():
        return compute()
    results: Results | None = current_app.extensions.get(EXTENSION)
    return compute() if results is None else results.get(key, compute)
