"""The scripted loopback portal server, exercised with urllib and raw sockets."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urljoin

import pytest

from crawler.demo.server import PortalServer, Reply, redirect


def fetch(url: str, method: str = "GET", timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    (tmp_path / "新闻").mkdir()
    (tmp_path / "新闻" / "通知.html").write_text("<p>通知</p>", encoding="utf-8")
    (tmp_path / "old.gbk.html").write_bytes('<meta charset="gbk"><p>政务</p>'.encode("gbk"))
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return tmp_path


def test_status_body_and_hits() -> None:
    with PortalServer(routes={"/x": Reply(418, "茶壶")}) as srv:
        assert srv.url.startswith("http://127.0.0.1:")
        status, headers, body = fetch(srv.url + "x?a=1")
        assert (status, body.decode()) == (418, "茶壶")
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Length"] == str(len(body))
        fetch(srv.url + "x?a=1", "HEAD")
        assert srv.hits[("GET", "/x?a=1")] == 1
        assert srv.log == [("GET", "/x?a=1"), ("HEAD", "/x?a=1")]


def test_flaky_list_sequence_last_repeats() -> None:
    routes = {"/f": [Reply(503), Reply(429, headers={"Retry-After": "1"}), Reply(200, "ok")]}
    with PortalServer(routes=routes) as srv:
        got = [fetch(srv.url + "f")[0] for _ in range(4)]
        assert got == [503, 429, 200, 200]


def test_head_status_405_while_get_works() -> None:
    with PortalServer(routes={"/h": Reply(200, "正文", head_status=405)}) as srv:
        status, headers, body = fetch(srv.url + "h", "HEAD")
        assert status == 405 and body == b"" and headers["Allow"] == "GET"
        assert fetch(srv.url + "h")[0] == 200
        # Plain routes answer HEAD with GET's headers and no body.
        srv.add_route("/g", Reply(200, "abc"))
        status, headers, body = fetch(srv.url + "g", "HEAD")
        assert (status, headers["Content-Length"], body) == (200, "3", b"")


def test_reset_closes_without_response() -> None:
    with PortalServer(routes={"/r": Reply(reset=True)}) as srv:
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            fetch(srv.url + "r")
        assert fetch(srv.url + "nothing")[0] == 404  # server still alive


def test_exact_then_path_then_prefix_routes() -> None:
    routes = {
        "/p?id=1": Reply(200, "exact"),
        "/p": Reply(200, "path"),
        "/api/*": lambda req: Reply(200, f"{req.method} {req.path} {req.query.get('k')}"),
        "/api/v2/*": Reply(200, "longer"),
    }
    with PortalServer(routes=routes) as srv:
        assert fetch(srv.url + "p?id=1")[2] == b"exact"
        assert fetch(srv.url + "p?id=2")[2] == b"path"
        assert fetch(srv.url + "api/x?k=v")[2] == b"GET /api/x v"
        assert fetch(srv.url + "api/v2/y")[2] == b"longer"


def test_percent_encoded_and_raw_chinese_path(site: Path) -> None:
    with PortalServer(root=site, routes={"/路由/页.html": Reply(200, "路由")}) as srv:
        assert fetch(srv.url + "%E8%B7%AF%E7%94%B1/%E9%A1%B5.html")[2].decode() == "路由"
        assert fetch(srv.url + "%E6%96%B0%E9%97%BB/%E9%80%9A%E7%9F%A5.html")[0] == 200
        # Raw UTF-8 bytes in the request line (urllib refuses to send these).
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
            sock.sendall(
                "GET /新闻/通知.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            )
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200") and "<p>通知</p>".encode() in data
        assert srv.hits[("GET", "/新闻/通知.html")] == 2


def test_static_files_types_dirs_and_escape(site: Path) -> None:
    with PortalServer(root=site) as srv:
        status, headers, body = fetch(srv.url)
        assert status == 200 and "首页" in body.decode()
        status, headers, body = fetch(srv.url + "old.gbk.html")
        assert headers["Content-Type"] == "text/html"
        assert body.decode("gbk").endswith("<p>政务</p>")
        assert fetch(srv.url + "a.png")[1]["Content-Type"] == "image/png"
        assert fetch(srv.url + "missing.html")[0] == 404
        assert "不存在" in fetch(srv.url + "missing.html")[2].decode()
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/%E6%96%B0%E9%97%BB?x=1")  # directory without slash
        resp = conn.getresponse()
        resp.read()
        assert (resp.status, resp.getheader("Location")) == (301, "/%E6%96%B0%E9%97%BB/?x=1")
        conn.request("GET", "/../../../etc/passwd")
        assert conn.getresponse().status == 404
        conn.close()


def test_gbk_body_and_lying_or_missing_header() -> None:
    routes = {
        "/gbk": Reply(200, "通知公告", content_type="text/html; charset=utf-8", encoding="gbk"),
        "/none": Reply(200, b"raw", content_type=None, headers={"Server": "WAF"}),
        "/moved": redirect("/gbk", 301),
    }
    with PortalServer(routes=routes) as srv:
        status, headers, body = fetch(srv.url + "gbk")
        assert body == "通知公告".encode("gbk") and "utf-8" in headers["Content-Type"]
        status, headers, body = fetch(srv.url + "none")
        assert "Content-Type" not in headers and headers["Server"] == "WAF"
        with urllib.request.urlopen(srv.url + "moved", timeout=5) as resp:
            assert resp.url == srv.url + "gbk"


def test_delay_causes_client_timeout_and_keepalive() -> None:
    routes = {"/slow": Reply(200, "late", delay=1.0), "/k": Reply(200, "k")}
    with PortalServer(routes=routes) as srv:
        start = time.monotonic()
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            fetch(srv.url + "slow", timeout=0.3)
        assert time.monotonic() - start < 0.9
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        for _ in range(3):  # several requests on one connection
            conn.request("GET", "/k")
            assert conn.getresponse().read() == b"k"
        conn.close()


# ---- the demo portal: every link's outcome matches DEMO_PLANTED -------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.base: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "base" and self.base is None:
            self.base = a.get("href")
        for key in ("href", "src"):
            if key in a and tag != "base":
                self.links.append(a[key])
        if "srcset" in a:
            self.links += [c.split()[0] for c in a["srcset"].split(",") if c.strip()]


def _outcome(url: str) -> tuple[str, int | None]:
    """('ok'|'http'|'error', status) after retries honouring Retry-After."""
    status = None
    for _ in range(3):
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                return "ok", resp.status
        except urllib.error.HTTPError as err:
            status = err.code
            if err.code in (429, 503):
                time.sleep(float(err.headers.get("Retry-After") or 0.1))
                continue
            return "http", status
        except (urllib.error.URLError, OSError):
            return "error", None
    return "http", status


def test_demo_portal_inventory_matches_a_crawl() -> None:
    from crawler.demo.portal import DEMO_PLANTED, demo_server

    with demo_server() as srv:
        origin = srv.url.rstrip("/")
        pages: dict[str, str] = {}
        found_on: dict[str, set[str]] = {}
        queue = ["/"]
        while queue:
            path = queue.pop()
            if path in pages:
                continue
            with urllib.request.urlopen(origin + quote(path), timeout=3) as resp:
                raw = resp.read()
                charset = resp.headers.get_content_charset()
                redirected = resp.url != origin + quote(path)
            if redirected:
                continue  # its target is crawled under its own path
            text = raw.decode(charset or ("gbk" if b'charset="gbk"' in raw[:200] else "utf-8"))
            if "<title>页面不存在</title>" in text:
                continue  # the planted soft 404
            pages[path] = text
            parser = _Links()
            parser.feed(text)
            base = urljoin(origin + path, parser.base or "")
            for link in parser.links:
                if link.startswith(("mailto:", "tel:", "javascript:", "#")):
                    assert link in DEMO_PLANTED["skipped_links"]
                    continue
                absolute = urldefrag(urljoin(base, link))[0]
                key = absolute[len(origin) :] if absolute.startswith(origin + "/") else absolute
                key = unquote(key)
                found_on.setdefault(key, set()).add(path)
                if key.startswith("/") and key.endswith(("/", ".html")) and key not in pages:
                    kind, _ = _outcome(origin + quote(key, safe="/?=&"))
                    if kind == "ok":
                        queue.append(key)

        assert set(pages) ^ set(DEMO_PLANTED["pages"]) == set()
        expected_dead = {
            item["url"]: item for items in DEMO_PLANTED["dead_links"].values() for item in items
        }
        soft_404 = {item["url"] for item in DEMO_PLANTED["dead_links"]["soft_404"]}
        unverified = {item["url"]: item for item in DEMO_PLANTED["unverified"]}
        not_dead = {item["url"]: item for item in DEMO_PLANTED["not_dead"]}
        for url, sources in found_on.items():
            full = url if url.startswith("http") else origin + quote(url, safe="/?=&")
            kind, status = _outcome(full)
            if url in expected_dead:
                assert kind != "ok" or url in soft_404, url
                assert set(expected_dead[url]["found_on"]) == sources, url
            elif url in unverified:
                assert status == unverified[url]["status"]
                assert set(unverified[url]["found_on"]) == sources, url
            else:
                assert kind == "ok", (url, kind, status)
            if url in not_dead:
                assert set(not_dead[url]["found_on"]) == sources, url
        assert set(expected_dead) | set(unverified) | set(not_dead) <= set(found_on)

        for item in DEMO_PLANTED["wording"]:
            where = pages if item["pages"] == "all" else item["pages"]
            for page in where:
                assert item["word"] in pages[page], (item["word"], page)
        for item in DEMO_PLANTED["privacy"] + DEMO_PLANTED["decoys"]:
            for page in item["pages"]:
                assert item.get("value", item.get("text")) in pages[page]
