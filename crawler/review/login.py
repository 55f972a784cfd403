"""What keeps a login holding: session versions and the failed-login throttle.

- **Session versions.** Each account has a version (``users.session_version``). A session
  carries the version it was signed in with and is good only while the account still has it.
  A logout, and a password change (`duwang user add --replace`), raise the version, and so end
  every session of the account, in every browser.
- **The throttle.** Failed logins are counted per account (``user:NAME``) and per address
  (``addr:ADDRESS``). After 5 failures in a row (20 for an address: an office's NAT is many
  people) the key is locked for 30 s, and each failure after a lock doubles the window, up to
  15 minutes. While a key is
  locked no password is checked for it, a right one included: the answer is 429. An attempt
  is counted *before* its password is checked, so parallel guesses cannot slip past the count;
  a success clears the account's and the address's counts, and a key quiet for an hour is
  forgotten.

Both live in the database, so they hold across restarts and across several `duwang serve`
processes on one file. A read-only database cannot keep them: they are then kept in memory
(``Memory``), for the life of the process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlite_utils import Database

from crawler.store.db import is_read_only, transaction

ACCOUNT_FREE = 5  # failures in a row before an account is locked
ADDRESS_FREE = 20  # an address may be an office's NAT: more people, more typos
FIRST_LOCK = 30.0  # seconds
MAX_LOCK = 900.0
FORGET_AFTER = 3600.0  # a key with no failure for this long starts again from zero


@dataclass
class Memory:
    """The throttle's counts and raised versions when the database is read-only."""

    failures: dict[str, list[float]] = field(default_factory=dict)  # key -> [failures, last_at, locked_until]
    raised: dict[str, int] = field(default_factory=dict)  # account -> versions raised in this process
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- session versions ------------------------------------------------------------------------


def session_version(db: Database, name: str, memory: Memory) -> int | None:
    """The account's current session version; None when there is no such account."""
    row = db.execute("SELECT session_version FROM users WHERE name = ?", [name]).fetchone()
    return None if row is None else (row[0] or 0) + memory.raised.get(name, 0)


def end_sessions(db: Database, name: str, memory: Memory) -> None:
    """End every session of the account `name` (its version goes up)."""
    if is_read_only(db):
        with memory.lock:
            memory.raised[name] = memory.raised.get(name, 0) + 1
        return
    with transaction(db):
        db.execute("UPDATE users SET session_version = session_version + 1 WHERE name = ?", [name])


# --- the throttle ----------------------------------------------------------------------------


def keys(name: str, address: str) -> dict[str, int]:
    """The throttle's keys for a login attempt, each with its number of free failures."""
    return {f"user:{name[:100]}": ACCOUNT_FREE, f"addr:{address[:100]}": ADDRESS_FREE}


def attempt(db: Database, limits: dict[str, int], memory: Memory, now: float | None = None) -> float:
    """0 when the attempt may be checked (it is counted as a failure until `succeeded`);
    else the seconds to wait before a key of it is unlocked (nothing is counted then)."""
    now = time.time() if now is None else now
    if is_read_only(db):
        with memory.lock:
            wait = _attempt(memory.failures, limits, now)
            if not wait:
                for key in [k for k, (_, last, until) in memory.failures.items()
                            if last < now - FORGET_AFTER and until < now]:
                    del memory.failures[key]
            return wait
    with transaction(db):
        marks = ",".join("?" * len(limits))
        rows = {r[0]: list(r[1:]) for r in db.execute(
            f"SELECT key, failures, last_at, locked_until FROM login_failures WHERE key IN ({marks})",
            list(limits))}
        wait = _attempt(rows, limits, now)
        if not wait:
            # Forgotten keys go, so names sprayed at the form do not pile up.
            db.execute("DELETE FROM login_failures WHERE last_at < ? AND locked_until < ?",
                       [now - FORGET_AFTER, now])
            for key in limits:
                db.execute("INSERT OR REPLACE INTO login_failures (key, failures, last_at, locked_until) "
                           "VALUES (?, ?, ?, ?)", [key, *rows[key]])
    return wait


def succeeded(db: Database, limits: dict[str, int], memory: Memory) -> None:
    """A right password: the keys' counts start again from zero."""
    if is_read_only(db):
        with memory.lock:
            for key in limits:
                memory.failures.pop(key, None)
        return
    with transaction(db):
        db.execute(f"DELETE FROM login_failures WHERE key IN ({','.join('?' * len(limits))})", list(limits))


def _attempt(rows: dict[str, list[float]], limits: dict[str, int], now: float) -> float:
    wait = max((rows[k][2] - now for k in limits if k in rows), default=0.0)
    if wait > 0:
        return wait
    for key, free in limits.items():
        failures, last_at, _ = rows.get(key, (0, 0.0, 0.0))
        failures = 1 if now - last_at > FORGET_AFTER else failures + 1
        rows[key] = [failures, now, now + lock_seconds(failures, free) if failures >= free else 0.0]
    return 0.0


def lock_seconds(failures: int, free: int) -> float:
    """How long the `failures`-th failure in a row locks a key that may fail `free` times."""
    return min(FIRST_LOCK * 2 ** min(failures - free, 20), MAX_LOCK)
