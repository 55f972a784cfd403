"""Session key, CSRF tokens, login and response headers for the review UI.

- The session key is made once and kept in the database (``settings``), so sessions survive
  a restart of `duwang serve`.
- Every POST must carry the session's CSRF token, in the form field ``csrf_token`` or the
  ``X-CSRF-Token`` header; no GET changes anything.
- With ``login_required`` (any non-loopback binding) every page but the login form needs a
  signed-in user; a session ends after ``session_hours``.
- Without it the app answers only to loopback Host names, so a web page cannot reach it by
  DNS rebinding.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlite_utils import Database

from crawler.store.db import transaction

SECRET_SETTING = "session_secret"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
_OPEN_ENDPOINTS = {"review.login", "static"}

CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def secret_key(db: Database) -> str:
    """The app's session key, created on first use and stored in the database."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [SECRET_SETTING]).fetchone()
    if row:
        return row[0]
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                   [SECRET_SETTING, secrets.token_hex(32)])
    return db.execute("SELECT value FROM settings WHERE key = ?", [SECRET_SETTING]).fetchone()[0]


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    if request.method != "POST":
        return
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), sent):
        abort(400, description="页面已过期或缺少安全令牌（防跨站请求），请刷新页面后重试。")


def _check_login():
    cfg = current_app.config
    g.user = cfg["REVIEW_LOCAL_USER"]
    if not cfg["REVIEW_LOGIN_REQUIRED"]:
        return None
    g.user = None
    name, since = session.get("user"), session.get("login_at", 0)
    if name and time.time() - since < cfg["PERMANENT_SESSION_LIFETIME"].total_seconds():
        g.user = name
        return None
    if name:
        session.clear()
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    if request.method == "POST":
        abort(403, description="请先登录。")
    return redirect(url_for("review.login", next=request.full_path))


def sign_in(name: str) -> None:
    session.clear()
    session.permanent = True
    session["user"] = name
    session["login_at"] = time.time()
    csrf_token()


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: Flask) -> None:
    """Register the CSRF and login checks (CSRF first) and the response headers."""
    app.before_request(_check_csrf)
    app.before_request(_check_login)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
