"""Session key, CSRF tokens, login, read-only mode and response headers for the review UI.

Who needs a login (docs/security.md, "The review UI"):

- By default every request does, on any binding, loopback included. A reverse proxy on the
  same machine (the usual way to add TLS) makes every request come from 127.0.0.1, and a
  proxy need not say so (nginx adds no header unless told to): a loopback peer proves nothing.
- ``duwang serve --no-login`` is for one person on this machine. It binds to loopback only,
  answers only loopback Host names (so a web page cannot reach it by DNS rebinding), and
  refuses every request that carries a proxy header (``Forwarded``, ``X-Forwarded-For``,
  ``X-Real-IP``, ``Via`` ...): a request that came through a proxy needs a login.

- The session key is made once and kept in the database (``settings``), so sessions survive
  a restart of `duwang serve` (not on a read-only database: the key then lives in memory).
- A session carries its account's session version (crawler.review.login): a logout or a
  password change ends every session of the account. A session ends after ``session_hours``.
- Failed logins are throttled per account and per address (crawler.review.login).
- Every POST must carry the session's CSRF token, in the form field ``csrf_token`` or the
  ``X-CSRF-Token`` header; no GET changes anything.
- On a read-only database every POST but the login's is refused.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import time
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlite_utils import Database

from crawler.review import login
from crawler.store.db import is_read_only, transaction

SECRET_SETTING = "session_secret"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
# What proxies add. A browser sends none of them, so on a --no-login server any one means the
# request did not come straight from this machine's browser.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
                 "X-Forwarded-Server", "X-Real-IP", "X-Client-IP", "True-Client-IP", "Via")
_OPEN_ENDPOINTS = {"review.login", "static"}
_READ_ONLY_POSTS = {"review.login", "review.logout"}  # signing in and out changes no finding
# Control characters, spaces and backslashes: a browser drops tabs and newlines from a URL
# (``/\t/evil.example`` becomes ``//evil.example``) and reads ``\`` as ``/``.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f-\x9f\\]")

NO_LOGIN_LOCAL_ONLY = ("此复查服务以无需登录模式（--no-login）运行，只接受本机浏览器的直接访问；"
                       "经反向代理或其他机器的访问需要登录。"
                       "请去掉 --no-login 并用 duwang user add 创建账号。")
READ_ONLY = "数据库是只读的（文件或所在目录不可写），复查页面只能查看，不能标记、复核或修改。"

CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def secret_key(db: Database) -> str:
    """The app's session key, created on first use and stored in the database."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [SECRET_SETTING]).fetchone()
    if row:
        return row[0]
    if is_read_only(db):
        return secrets.token_hex(32)  # nowhere to keep it: sessions end with the process
    with transaction(db):
        db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                   [SECRET_SETTING, secrets.token_hex(32)])
    return db.execute("SELECT value FROM settings WHERE key = ?", [SECRET_SETTING]).fetchone()[0]


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def proxied() -> bool:
    """Whether this request carries a header that a proxy adds."""
    return any(h in request.headers for h in PROXY_HEADERS)


def client_address() -> str:
    """The address a login attempt is counted against: the peer, or behind a proxy on this
    machine the client address the proxy reports (the last ``X-Forwarded-For`` entry, which a
    proxy appends, else ``X-Real-IP``)."""
    peer = request.remote_addr or ""
    if is_loopback(peer):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        forwarded = forwarded or request.headers.get("X-Real-IP", "").strip()
        if forwarded:
            return forwarded[:100]
    return peer


def memory() -> login.Memory:
    return current_app.extensions["duwang_login"]


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    if request.method != "POST":
        return
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if (not isinstance(expected, str) or not expected or not sent.isascii()
            or not hmac.compare_digest(expected, sent)):
        abort(400, description="页面已过期或缺少安全令牌（防跨站请求），请刷新页面后重试。")


def _check_login():
    cfg = current_app.config
    g.user = cfg["REVIEW_LOCAL_USER"]
    if not cfg["REVIEW_LOGIN_REQUIRED"]:
        if proxied() or not is_loopback(request.remote_addr or ""):
            abort(403, description=NO_LOGIN_LOCAL_ONLY)
        return None
    g.user = None
    name, since, version = session.get("user"), session.get("login_at"), session.get("version")
    if isinstance(name, str) and isinstance(since, (int, float)) and isinstance(version, int):
        fresh = time.time() - since < cfg["PERMANENT_SESSION_LIFETIME"].total_seconds()
        if fresh and version == login.session_version(_db(), name, memory()):
            g.user = name
            return None
    if name:
        session.clear()  # expired, logged out elsewhere, password changed or account removed
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    if request.method == "POST":
        abort(403, description="请先登录。")
    return redirect(url_for("review.login", next=request.full_path))


def _check_read_only() -> None:
    if (current_app.config["REVIEW_READ_ONLY"] and request.method == "POST"
            and request.endpoint not in _READ_ONLY_POSTS):
        abort(403, description=READ_ONLY)


def sign_in(name: str) -> None:
    session.clear()
    session.permanent = True
    session["user"] = name
    session["login_at"] = time.time()
    session["version"] = login.session_version(_db(), name, memory()) or 0
    csrf_token()


def sign_out() -> None:
    """End every session of the signed-in account, this one included."""
    if g.get("user") and current_app.config["REVIEW_LOGIN_REQUIRED"]:
        login.end_sessions(_db(), g.user, memory())
    session.clear()


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page (never another site)."""
    if target and _local_path(target) and _local_path(unquote(target)):
        return target
    return url_for("review.home")


def _local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or _UNSAFE_IN_NEXT.search(target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def _db() -> Database:
    from crawler.review.app import get_db  # the app module imports this one

    return get_db()


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: Flask) -> None:
    """Register the CSRF, login and read-only checks (in that order) and the response headers."""
    app.extensions["duwang_login"] = login.Memory()
    app.before_request(_check_csrf)
    app.before_request(_check_login)
    app.before_request(_check_read_only)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
