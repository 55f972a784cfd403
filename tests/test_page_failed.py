"""A page (or link check) whose processing raises is lost for the night: the run is
incomplete, says why and how many, and rectifies nothing (issue 12).

No hostile page is known to raise any more, so the failure is simulated: the crawl runs in
a subprocess with one function patched to raise for one URL.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from crawler.demo.server import Reply
from tests.conftest import REPO, findings_jsonl, run_cli
from tests.portal_site import page

FAST = ["--timeout", "2", "--concurrency", "8", "-s", "DUWANG_BACKOFF_BASE=0.05"]


def test_a_page_that_fails_makes_the_run_incomplete_and_rectifies_nothing(serve, db_path):
    """The issue's three-page site: one page carries a typo and a dead link. A failure while
    processing that page (simulated: extraction raises there) loses it for the night, so the
    run is incomplete, says why and how many, and both findings stay open."""
    portal = serve({
        "/": Reply(body=page("首页", '<a href="/a.html">甲</a><a href="/b.html">乙</a>', footer=False)),
        "/a.html": Reply(body=page("通知", '<p>再接再励</p><a href="/gone.html">旧</a>', footer=False)),
        "/b.html": Reply(body=page("乙", "<p>正文</p>", footer=False)),
    })
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    portal.add_route("/a.html", Reply(body=page("通知", "<p>再接再厉</p>", footer=False)))  # fixed, but...
    proc = _crawl_failing(portal.url, db_path, "crawler.spiders.portal.extract_links", "/a.html")
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert "incomplete (page_failed)" in proc.stderr
    assert "处理出错 1 个页面或链接" in proc.stdout
    assert {f["status"] for f in findings_jsonl(db_path)} == {"open"}
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT status, reason FROM runs ORDER BY id").fetchall() == [
        ("complete", "finished"), ("incomplete", "page_failed")]


def test_a_link_check_that_fails_makes_the_run_incomplete(serve, db_path):
    # An image: only checked (an internal attachment is fetched whole, parse_attachment).
    portal = serve({"/": Reply(body=page("首页", '<img src="/x.png" alt="图">', footer=False)),
                    "/x.png": Reply(body=b"\x89PNG", content_type="image/png")})
    proc = _crawl_failing(portal.url, db_path, "crawler.spiders.portal.PortalSpider.parse_check", "/x.png")
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert "incomplete (check_failed)" in proc.stderr


def _crawl_failing(url: str, db, target: str, marker: str) -> subprocess.CompletedProcess:
    """`duwang crawl` with `target` (module.function or module.Class.method) raising
    RuntimeError whenever one of its arguments mentions `marker`."""
    script = f"""
import importlib, sys
from crawler.cli import main
path, name = {target!r}.rsplit(".", 1)
try:
    owner = importlib.import_module(path)
except ModuleNotFoundError:
    module, cls = path.rsplit(".", 1)
    owner = getattr(importlib.import_module(module), cls)
real = getattr(owner, name)

def failing(*args, **kwargs):
    if any({marker!r} in str(getattr(a, "url", a)) for a in args):
        raise RuntimeError("simulated bug")
    return real(*args, **kwargs)

setattr(owner, name, failing)
sys.exit(main(["crawl", {url!r}, "--db", {str(db)!r}, *{FAST!r}]))
"""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
