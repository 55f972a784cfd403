"""How a night ends: a write error or a dead text-check worker is an incomplete run (exit 3),
never a complete one that rectifies what it did not see."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from crawler.demo.server import Reply
from tests.conftest import REPO, findings_jsonl, run_cli
from tests.portal_site import page

FAST = ["--timeout", "2", "--concurrency", "8"]
PAGES = 40


def _routes(typo: bool, delay: float = 0.0, edition: str = "") -> dict:
    links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(PAGES))
    routes = {"/": Reply(body=page("首页", links, footer=False))}
    text = "<p>大家要再接再励。</p>" if typo else "<p>大家要再接再厉。</p>"
    routes.update({f"/p{i}.html": Reply(body=page(f"页{i}", text if i == 0 else f"<p>第{i}页{edition}</p>",
                                                   footer=False), delay=delay)
                   for i in range(PAGES)})
    return routes


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _crawl(url: str, db: Path, preexec=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", url, "--db", str(db), *FAST],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=preexec,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_a_full_disk_ends_the_run_incomplete_and_fixes_nothing(serve, db_path):
    portal = serve(_routes(typo=True))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    for key, route in _routes(typo=False).items():
        portal.add_route(key, route)
    size = 40 * 1024  # the WAL index (32 KB) fits, and a few WAL frames: not the pages

    def full_disk() -> None:
        # No file of this process may grow past the database's size: the WAL fills at once.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    proc = _crawl(portal.url, db_path, preexec=full_disk)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err[-3000:]
    assert "Traceback" not in err
    [line] = [x for x in err.splitlines() if x.startswith("duwang crawl:")]
    assert "cannot write the database" in line and "incomplete" in line
    [finding] = findings_jsonl(db_path)
    assert finding["status"] == "open"  # the page was fixed, but this night proves nothing
    assert _rows(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert _rows(db_path, "SELECT status FROM runs ORDER BY id") != [("complete",), ("complete",)]

    # With room again, the next night reads the page and rectifies the typo.
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    assert findings_jsonl(db_path)[0]["status"] == "rectified"
    # Recorded as a write error when its end could still be written, else closed as killed.
    [(status, reason)] = _rows(db_path, "SELECT status, reason FROM runs WHERE id = 2")
    assert status == "incomplete" and reason in ("write_error", "killed")


def _workers(pid: int) -> list[int]:
    """The crawl's text-check worker processes (spawned by multiprocessing)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                out.append(int(entry.name))
    return out


def test_a_killed_text_check_worker_makes_the_run_incomplete(serve, db_path):
    portal = serve(_routes(typo=True))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    # Every page changed, so every page is checked again (an unchanged one is not), and pages
    # come slowly (8 at a time, 1 s each): the worker, started with the first batch of 8, is
    # killed while most of the site is still to be read and checked.
    for key, route in _routes(typo=False, delay=1.0, edition="（修订）").items():
        portal.add_route(key, route)
    proc = _crawl(portal.url, db_path)
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while not workers and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = _workers(proc.pid)
    assert workers, "the crawl started no text-check worker"
    time.sleep(0.5)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err[-3000:]
    assert "incomplete (textcheck_failed)" in err
    assert findings_jsonl(db_path)[0]["status"] == "open"
    run = _rows(db_path, "SELECT status, reason FROM runs WHERE id = 2")
    assert run == [("incomplete", "textcheck_failed")]
