"""The Flask app factory and the per-request database connection."""

from __future__ import annotations

import getpass
import os
import sqlite3
from datetime import timedelta
from functools import partial
from pathlib import Path

from flask import Flask, current_app, g
from sqlite_utils import Database

from crawler import localtime
from crawler.review import cache, security
from crawler.store import is_read_only, open_db
from crawler.store.db import connect_read_only

SESSION_HOURS = 8


def create_app(
    db_path: str | os.PathLike[str],
    *,
    login_required: bool = False,
    session_hours: float = SESSION_HOURS,
    recheck_timeout: float = 10.0,
) -> Flask:
    """The review app for the database at `db_path` (which must exist).

    `login_required` is what `duwang serve` sets unless --no-login; without it the app answers
    only to loopback Host names and direct (unproxied) requests, and records changes under the
    local user's name. A database that cannot be written is served read-only: nothing can be
    marked (``REVIEW_READ_ONLY``).
    """
    localtime.zone()  # a bad DUWANG_TIMEZONE stops `serve` at once, not on the first page
    db = open_db(db_path, create=False, read_only_ok=True)  # checks and migrates once
    try:
        key = security.secret_key(db)
        read_only = is_read_only(db)
    finally:
        db.close()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=key,
        REVIEW_DB=str(Path(db_path)),
        REVIEW_LOGIN_REQUIRED=login_required,
        REVIEW_READ_ONLY=read_only,
        REVIEW_LOCAL_USER=_local_user(),
        REVIEW_RECHECK_TIMEOUT=recheck_timeout,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=session_hours),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="duwang_review",
        TRUSTED_HOSTS=None if login_required else security.LOOPBACK_HOSTS,
        MAX_CONTENT_LENGTH=1_000_000,
    )
    security.install(app)
    from crawler.review import (
        actions,  # noqa: F401  (its routes join the views' blueprint)
        scorecard,  # noqa: F401  (指标自检, the same blueprint)
    )
    from crawler.review.views import bp

    app.register_blueprint(bp)
    app.teardown_appcontext(_close_db)
    app.extensions[cache.EXTENSION] = cache.Results(db_path, partial(_watcher, db_path, read_only))
    return app


def get_db() -> Database:
    """This request's connection (SQLite connections belong to one thread)."""
    if "db" not in g:
        path = current_app.config["REVIEW_DB"]
        if current_app.config["REVIEW_READ_ONLY"]:
            conn = connect_read_only(path)
        else:
            conn = sqlite3.connect(path, timeout=30)
            conn.execute("PRAGMA foreign_keys=ON")
        g.db = Database(conn)
    return g.db


def _watcher(path: str | os.PathLike[str], read_only: bool) -> sqlite3.Connection:
    """The cache's connection: it reads only PRAGMA data_version, from any request thread.
    A database this server cannot write may still be written by the crawler's account."""
    if not read_only:
        return sqlite3.connect(path, timeout=30, check_same_thread=False)
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)


def _close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
