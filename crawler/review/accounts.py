"""Accounts for the review UI: `duwang serve` needs one unless it runs with --no-login.
Hashed passwords only.

An account has a role: ``admin``, the web office (网站管理单位), which sees and decides
everything; or ``department``, bound to one 责任单位, which sees and exports only the
findings on its own pages and reports fixes (整改反馈) for the web office to confirm.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sqlite_utils import Database

from crawler.errors import DuwangError
from crawler.store.db import now, transaction
from crawler.store.lifecycle import MACHINE
from crawler.store.sites import load_sites

_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8
ADMIN, DEPARTMENT = "admin", "department"
ROLES = (ADMIN, DEPARTMENT)
ROLE_LABELS = {ADMIN: "管理员", DEPARTMENT: "责任单位"}


class AccountError(DuwangError):
    pass


@dataclass(frozen=True)
class Account:
    name: str
    role: str = ADMIN
    department: str | None = None  # the 责任单位 of a department account

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def add_user(db: Database, name: str, password: str, *, replace: bool = False, role: str = ADMIN,
             department: str | None = None) -> None:
    """Create the account `name` (or set its password, role and department, with replace=True)."""
    if not _NAME.match(name) or name == MACHINE:
        raise AccountError(f"bad user name {name!r}: use letters, digits, . _ @ - (not {MACHINE!r})")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    department = (department or "").strip() or None
    if role == DEPARTMENT and not department:
        raise AccountError("--role department needs --department NAME (the 责任单位, e.g. 区司法局)")
    if role == ADMIN and department:
        raise AccountError("--department goes only with --role department")
    if department:
        known = known_departments(db)
        if known and department not in known:
            raise AccountError(f"no site maps pages to the department {department!r}; "
                               f"known: {', '.join(sorted(known))}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    from werkzeug.security import generate_password_hash  # not at import: the CLI stays light

    exists = db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone()
    if exists and not replace:
        raise AccountError(f"user {name} exists; use --replace to set a new password")
    hashed = generate_password_hash(password)
    with transaction(db):
        if exists:
            # A new password (or role) ends every session of the account (crawler.review.login).
            db.execute("UPDATE users SET password_hash = ?, role = ?, department = ?, "
                       "session_version = session_version + 1 WHERE name = ?",
                       [hashed, role, department, name])
        else:
            db["users"].insert({"name": name, "password_hash": hashed, "created_at": now(),
                                "role": role, "department": department})


def known_departments(db: Database) -> set[str]:
    """Every 责任单位 some site maps pages to, and each site's template (公共区域) owner
    (empty before the first crawl saves a site)."""
    sites = load_sites(db).values()
    return {d for site in sites for d in (*site.departments.values(), site.template_owner)}


def get_account(db: Database, name: str) -> Account | None:
    row = db.execute("SELECT name, role, department FROM users WHERE name = ?", [name]).fetchone()
    return Account(row[0], row[1] or ADMIN, row[2]) if row else None


def verify_user(db: Database, name: str, password: str) -> bool:
    from werkzeug.security import check_password_hash

    row = db.execute("SELECT password_hash FROM users WHERE name = ?", [name]).fetchone()
    if row is None:
        # Spend the same time as a real check so names cannot be probed by timing.
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(row[0], password)


def has_users(db: Database) -> bool:
    return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def list_users(db: Database) -> list[Account]:
    return [Account(r[0], r[1] or ADMIN, r[2])
            for r in db.execute("SELECT name, role, department FROM users ORDER BY name").fetchall()]


@functools.cache
def _dummy_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash("duwang-dummy-password")
