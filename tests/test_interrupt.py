"""A crawl stopped part-way (Ctrl-C or kill -9) leaves a consistent database and fixes nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.demo.server import Reply
from tests.conftest import REPO, findings_jsonl, run_cli
from tests.portal_site import page

PAGES = 60


def _routes(with_dead: bool, delay: float) -> dict:
    links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(PAGES))
    dead = '<a href="/dead.html">坏链</a>' if with_dead else ""
    routes = {"/": Reply(body=page("首页", links + dead, footer=False))}
    routes.update({f"/p{i}.html": Reply(body=page(f"页{i}", "", footer=False), delay=delay)
                   for i in range(PAGES)})
    return routes


def _start_crawl(url: str, db) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", url, "--db", str(db), "--concurrency", "2"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_pages(db, run: int, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            con = sqlite3.connect(db)
            got = con.execute("SELECT count(*) FROM pages WHERE last_run = ?", [run]).fetchone()[0]
            con.close()
            if got >= n:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"crawl did not write {n} pages in {timeout}s")


@pytest.mark.parametrize(
    "sig, expected_reason",
    [(signal.SIGKILL, "killed"), (signal.SIGINT, "shutdown"), (signal.SIGTERM, "shutdown")],
)
def test_stopped_crawl_is_incomplete_and_fixes_nothing(serve, db_path, sig, expected_reason):
    portal = serve(_routes(with_dead=True, delay=0))
    run_cli("crawl", portal.url, "--db", str(db_path), "--concurrency", "8", check_exit=1)
    [finding] = findings_jsonl(db_path, "--kind", "dead_link")
    assert finding["status"] == "open"

    # The page is fixed, but the next crawl is stopped part-way: slow pages, 2 at a time, so
    # the crawl would need a minute; a loaded machine must not let it finish before the signal.
    for key, route in _routes(with_dead=False, delay=2.0).items():
        portal.add_route(key, route)
    proc = _start_crawl(portal.url, db_path)
    _wait_for_pages(db_path, run=2, n=1)
    time.sleep(1.0)
    assert proc.poll() is None
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    if sig != signal.SIGKILL:
        assert proc.returncode == 3, err[-2000:]  # incomplete: a nightly script can tell

    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    if sig == signal.SIGKILL:
        # Nobody finished the run; the next crawl closes it as killed.
        assert con.execute("SELECT status FROM runs WHERE id = 2").fetchone() == ("running",)
        for key, route in _routes(with_dead=False, delay=0).items():
            portal.add_route(key, route)
        portal.add_route("/", Reply(body=page("首页", '<a href="/dead.html">坏链</a>', footer=False)))
        # The site is now one page where it was 61: a shrink the operator accepts.
        run_cli("crawl", portal.url, "--db", str(db_path), "--concurrency", "8", "--accept-shrink",
                check_exit=0)
    status, reason = con.execute("SELECT status, reason FROM runs WHERE id = 2").fetchone()
    assert (status, reason) == ("incomplete", expected_reason)
    [after] = findings_jsonl(db_path, "--kind", "dead_link")
    assert after["id"] == finding["id"] and after["status"] == "open"
    events = con.execute("SELECT count(*) FROM events WHERE to_status = 'rectified'").fetchone()[0]
    assert events == 0
