"""`duwang serve`: the binding rules and the WSGI server (Werkzeug's threaded server).

Every request needs a login, on any binding: `serve` refuses to start while no account
exists. ``--no-login`` is for one person on this machine: it binds to loopback only (any other
address is refused), says so on stderr and on every page, and its app refuses proxied requests
(crawler.review.security). A database that cannot be written is served read-only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

from werkzeug.serving import BaseWSGIServer, make_server

from crawler.errors import DuwangError
from crawler.review.accounts import has_users
from crawler.review.app import create_app
from crawler.review.security import is_loopback
from crawler.store import open_db

__all__ = ["ServeError", "build_server", "is_loopback", "serve"]

NO_LOGIN_BANNER = """\
!!! 无需登录模式（--no-login）：本机上任何能连到此端口的人都能查看和修改整改清单，不需要账号。
!!! 只供本机使用：只接受本机浏览器的直接访问，拒绝经反向代理转发的请求。
!!! 要让别人访问，请去掉 --no-login，并用 duwang user add 创建账号。"""
READ_ONLY_BANNER = "只读模式：数据库不可写（文件或所在目录只读），只能查看，不能标记、复核或修改。"


class ServeError(DuwangError):
    pass


def build_server(
    db_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000, *, no_login: bool = False
) -> BaseWSGIServer:
    """A ready server (not yet serving) for the review UI on host:port."""
    if no_login and not is_loopback(host):
        raise ServeError(f"--no-login is for use on this machine only: bind it to 127.0.0.1, not "
                         f"{host} (without --no-login every request needs an account from "
                         "'duwang user add')")
    if not no_login:
        db = open_db(db_path, create=False, read_only_ok=True)
        try:
            if not has_users(db):
                raise ServeError("the review UI needs a login and there is no account yet; create "
                                 "one with 'duwang user add NAME', or use --no-login for use on this "
                                 "machine only")
        finally:
            db.close()
    app = create_app(db_path, login_required=not no_login)
    try:
        return make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(db_path: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000, *,
          no_login: bool = False, workers: int = 1, announce: Callable[[str], None] | None = None,
          warn: Callable[[str], None] | None = None) -> None:
    """Serve until Ctrl-C or SIGTERM, in `workers` processes. The address goes to `announce`
    (stdout), the no-login and read-only banners to `warn` (stderr)."""
    announce = announce or (lambda text: print(text, flush=True))
    warn = warn or (lambda text: print(text, file=sys.stderr, flush=True))
    server = build_server(db_path, host, port, no_login=no_login)
    if no_login:
        warn(NO_LOGIN_BANNER)
    if server.app.config["REVIEW_READ_ONLY"]:
        warn(READ_ONLY_BANNER)
    if workers > 1 and server.app.config["REVIEW_READ_ONLY"]:
        # Logouts of a read-only database are kept in the process's memory: one process.
        warn("只读数据库只用一个进程服务（--workers 被忽略）。")
        workers = 1
    children = _fork_workers(server, workers)
    if children:  # SIGTERM (systemd's stop) ends the workers too, through the finally below
        signal.signal(signal.SIGTERM, _interrupt)
    shown = f"[{host}]" if ":" in host else host
    mode = "无需登录，仅供本机使用" if no_login else "需要登录"
    announce(f"读网复查: http://{shown}:{server.server_port}/ （{mode}；Ctrl-C 停止）")
    try:
        server.serve_forever()
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        server.server_close()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _fork_workers(server: BaseWSGIServer, workers: int) -> list[int]:
    """Fork `workers - 1` more processes that accept on the same listening socket (the GIL
    holds one process to about one core). Each keeps its own cache (crawler.review.cache) and
    leaves when the parent is gone."""
    parent = os.getpid()
    children = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            signal.signal(signal.SIGINT, lambda *_: os._exit(0))

            def watch() -> None:
                while os.getppid() == parent:
                    time.sleep(1)
                os._exit(0)

            threading.Thread(target=watch, daemon=True).start()
            try:
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    return children
