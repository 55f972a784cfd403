"""`duwang serve`: the binding rules and the WSGI server (Werkzeug's threaded server).

Bound to a loopback address the UI needs no login; bound to anything else it requires one,
and it refuses to start while no account exists.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable

from werkzeug.serving import BaseWSGIServer, make_server

from crawler.errors import DuwangError
from crawler.review.accounts import has_users
from crawler.review.app import create_app
from crawler.store import open_db


class ServeError(DuwangError):
    pass


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def build_server(
    db_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000
) -> BaseWSGIServer:
    """A ready server (not yet serving) for the review UI on host:port."""
    login = not is_loopback(host)
    if login:
        db = open_db(db_path, create=False)
        try:
            if not has_users(db):
                raise ServeError(f"--host {host} needs a login and there is no account yet; "
                                 "create one with 'duwang user add NAME' (or bind to 127.0.0.1)")
        finally:
            db.close()
    app = create_app(db_path, login_required=login)
    try:
        return make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(db_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000,
          announce: Callable[[str], None] = print) -> None:
    server = build_server(db_path, host, port)
    shown = f"[{host}]" if ":" in host else host
    mode = "需要登录" if not is_loopback(host) else "仅本机访问，无需登录"
    announce(f"读网复查: http://{shown}:{server.server_port}/ （{mode}；Ctrl-C 停止）")
    try:
        server.serve_forever()
    finally:
        server.server_close()
