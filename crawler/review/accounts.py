"""Accounts for the review UI when it is bound to a non-loopback address. Hashed passwords only."""

from __future__ import annotations

import functools
import re

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from crawler.errors import DuwangError
from crawler.store.db import now, transaction
from crawler.store.lifecycle import MACHINE

_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8


class AccountError(DuwangError):
    pass


def add_user(db: Database, name: str, password: str, *, replace: bool = False) -> None:
    """Create the account `name` (or set its password, with replace=True)."""
    if not _NAME.match(name) or name == MACHINE:
        raise AccountError(f"bad user name {name!r}: use letters, digits, . _ @ - (not {MACHINE!r})")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    exists = db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone()
    if exists and not replace:
        raise AccountError(f"user {name} exists; use --replace to set a new password")
    with transaction(db):
        db["users"].upsert(
            {"name": name, "password_hash": generate_password_hash(password), "created_at": now()},
            pk="name",
        )


def verify_user(db: Database, name: str, password: str) -> bool:
    row = db.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
    if row is None:
        # Spend the same time as a real check so names cannot be probed by timing.
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(row[0], password)


def has_users(db: Database) -> bool:
    return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def list_users(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM users ORDER BY name").fetchall()]


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("duwang-dummy-password")
