"""A small scripted HTTP/1.1 server on loopback: the "real local test portal".

Used by ``duwang demo`` and by the test suite. Standard library only.

Routes map a *decoded* URL path (unicode, e.g. ``"/新闻/通知.html"``) to a
:class:`Reply`, a list of replies (served in order for each path, the last one
repeats), or a callable ``(RequestInfo) -> Reply``. Lookup order:

1. exact path with query (``"/search?q=1"``),
2. exact path, query ignored,
3. prefix routes (keys ending in ``"*"``), longest prefix first,
4. static files under ``root`` (GET/HEAD only),
5. a plain Chinese 404 page.

The request path is percent-decoded as UTF-8 before lookup, so a raw UTF-8
path and its percent-encoded form hit the same route or file.
"""

from __future__ import annotations

import collections
import contextlib
import mimetypes
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, unquote_to_bytes

__all__ = ["NOT_FOUND_HTML", "PortalServer", "Reply", "RequestInfo", "Route", "redirect"]


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    # None => no Content-Type header at all.
    content_type: str | None = "text/html; charset=utf-8"
    # Used to encode str bodies; independent of the header (so a header can lie).
    encoding: str = "utf-8"
    # Seconds to wait before answering (for timeouts).
    delay: float = 0.0
    # Close the connection abruptly (TCP RST) without sending any response.
    reset: bool = False
    # When set, HEAD answers this status (e.g. 405) while GET answers normally.
    head_status: int | None = None
    # No Content-Length: the body ends when the connection closes (as HTTP/1.0 allows).
    no_length: bool = False

    def body_bytes(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return self.body.encode(self.encoding)


@dataclass
class RequestInfo:
    """What a callable route sees."""

    method: str
    path: str  # percent-decoded path, no query
    query: dict[str, str]  # decoded; last value wins for repeated keys
    headers: dict[str, str]
    raw_path: str  # the request target as received (path and query)


Route = Reply | list[Reply] | Callable[[RequestInfo], Reply]

NOT_FOUND_HTML = (
    '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>404 页面未找到</title></head>\n<body><h1>404</h1>"
    "<p>您访问的页面不存在或已被删除。</p></body></html>\n"
)

_NO_BODY_STATUSES = {204, 304}


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect reply with a short body."""
    return Reply(
        status=status,
        headers={"Location": location},
        body=f'<html><body><a href="{location}">{location}</a></body></html>',
    )


def _decode_target(target: str) -> tuple[str, str]:
    """Split a request target and percent-decode it as UTF-8.

    http.server decodes the request line as latin-1, so a raw UTF-8 path
    arrives as latin-1 characters: turn it back into bytes first.
    """
    path, _, query = target.partition("?")
    path = path.split("#", 1)[0]

    def dec(s: str) -> str:
        try:
            raw = s.encode("latin-1")
        except UnicodeEncodeError:
            return unquote(s)
        return unquote_to_bytes(raw).decode("utf-8", errors="replace")

    return dec(path), dec(query)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DuwangDemo/0.1"
    timeout = 30  # idle keep-alive connections end eventually
    server: _Server

    _server_header: str | None = None
    _counted = False

    def version_string(self) -> str:
        return self._server_header or super().version_string()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve()

    def _serve(self) -> None:
        portal = self.server.portal
        portal._enter()
        self._counted = True
        try:
            self._answer(portal)
        finally:
            self._uncount()

    def _uncount(self) -> None:
        # Counted until the reply starts to go out: once the client has it, it may send its
        # next request before this thread gets here, and that is not two at once.
        if self._counted:
            self._counted = False
            self.server.portal._leave()

    def _answer(self, portal: PortalServer) -> None:
        path, query = _decode_target(self.path)
        full = f"{path}?{query}" if query else path
        portal._record(self.command, full)
        info = RequestInfo(
            method=self.command,
            path=path,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers={k: v for k, v in self.headers.items()},
            raw_path=self.path,
        )
        reply = portal._resolve(info, full)
        if reply is None:
            if self.command in ("GET", "HEAD") and portal.root is not None:
                self._serve_static(portal.root, path)
            else:
                self._send(Reply(status=404, body=NOT_FOUND_HTML))
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.delay > 0:
            self.server.portal._stopping.wait(reply.delay)
        self._uncount()
        if reply.reset:
            self._reset()
            return
        status = reply.status
        head = self.command == "HEAD"
        if head and reply.head_status is not None:
            status = reply.head_status
            body = b""
        else:
            body = reply.body_bytes()
        names = {k.lower() for k in reply.headers}
        # A scripted Server header replaces the default one instead of adding a second.
        self._server_header = next(
            (v for k, v in reply.headers.items() if k.lower() == "server"), None
        )
        self.send_response(status)
        if reply.content_type is not None and "content-type" not in names:
            self.send_header("Content-Type", reply.content_type)
        if head and reply.head_status == 405 and "allow" not in names:
            self.send_header("Allow", "GET")
        for key, value in reply.headers.items():
            if key.lower() != "server":
                self.send_header(key, value)
        if reply.no_length:
            self.close_connection = True
        elif status not in _NO_BODY_STATUSES and status >= 200 and "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status not in _NO_BODY_STATUSES and body:
            self.wfile.write(body)

    def _reset(self) -> None:
        """Drop the connection with an RST, sending nothing."""
        self.close_connection = True
        conn = self.connection
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        socket.close(conn.detach())

    def _serve_static(self, root: Path, path: str) -> None:
        base = root.resolve()
        if "\x00" in path:
            self._send(Reply(status=404, body=NOT_FOUND_HTML))
            return
        target = (base / path.lstrip("/")).resolve()
        if not target.is_relative_to(base):
            self._send(Reply(status=404, body=NOT_FOUND_HTML))
            return
        if target.is_dir():
            if not path.endswith("/"):
                # Redirect to the slash form so relative links resolve; keep the raw
                # (possibly percent-encoded) spelling of the request.
                raw_path, _, raw_query = self.path.partition("?")
                location = raw_path + "/" + (f"?{raw_query}" if raw_query else "")
                self._send(redirect(location, 301))
                return
            target = target / "index.html"
        if not target.is_file():
            self._send(Reply(status=404, body=NOT_FOUND_HTML))
            return
        self._send(Reply(status=200, body=target.read_bytes(), content_type=_content_type(target)))


def _content_type(p: Path) -> str:
    name = p.name.lower()
    if name.endswith(".gbk.html"):
        return "text/html"  # bytes are GBK, declared only by <meta charset>
    if name.endswith((".html", ".htm")):
        return "text/html; charset=utf-8"
    ctype, _ = mimetypes.guess_type(name)
    if ctype is None:
        return "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
        return f"{ctype}; charset=utf-8"
    return ctype


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    portal: PortalServer

    def handle_error(self, request, client_address) -> None:
        # Clients that hang up early (HEAD-only checks, stopped downloads) are normal.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class PortalServer:
    """Scripted portal on loopback. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        root: Path | None = None,
        routes: dict[str, Route] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = Path(root) if root is not None else None
        self.host = host
        self.port = port
        self.hits: collections.Counter[tuple[str, str]] = collections.Counter()
        # Ordered (method, path_with_query) log, for "HEAD then GET" assertions.
        self.log: list[tuple[str, str]] = []
        # Requests being answered right now, and the most at once (politeness tests).
        self.in_flight = 0
        self.peak_in_flight = 0
        self._routes: dict[str, Route] = {}
        self._seq: collections.Counter[tuple[str, str]] = collections.Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        for key, route in (routes or {}).items():
            self.add_route(key, route)

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> PortalServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server((self.host, self.port), _Handler)
        httpd.portal = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"portal-server-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8123/``. Available after start()."""
        if self._httpd is None:
            raise RuntimeError("PortalServer not started")
        return f"http://{self.host}:{self.port}/"

    # -- routes --------------------------------------------------------------------

    def add_route(self, path: str, route: Route) -> None:
        if isinstance(route, list) and not route:
            raise ValueError(f"empty reply list for route {path!r}")
        with self._lock:
            self._routes[path] = route
            for key in [k for k in self._seq if k[0] == path]:
                del self._seq[key]

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()
            self.log.clear()
            self.peak_in_flight = self.in_flight

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _record(self, method: str, full_path: str) -> None:
        with self._lock:
            self.hits[(method, full_path)] += 1
            self.log.append((method, full_path))

    def _match(self, path: str, full: str) -> tuple[str, Route] | None:
        with self._lock:
            for key in (full, path):
                if key in self._routes:
                    return key, self._routes[key]
            prefixes = sorted(
                (k for k in self._routes if k.endswith("*") and path.startswith(k[:-1])),
                key=len,
                reverse=True,
            )
            if prefixes:
                return prefixes[0], self._routes[prefixes[0]]
        return None

    def _resolve(self, info: RequestInfo, full: str) -> Reply | None:
        found = self._match(info.path, full)
        if found is None:
            return None
        key, route = found
        if isinstance(route, Reply):
            return route
        if isinstance(route, list):
            with self._lock:
                n = self._seq[(key, info.path)]
                self._seq[(key, info.path)] += 1
            return route[min(n, len(route) - 1)]
        return route(info)
