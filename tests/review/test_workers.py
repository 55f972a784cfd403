"""`duwang serve --workers N`: N processes answer on one port, each with its own cache
(crawler.review.cache), and none shows a list older than the data; SIGTERM ends them all."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conftest import REPO, run_cli
from tests.review.builders import HOME, A, crawl, hit


def _get(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    body = conn.getresponse().read().decode("utf-8")
    conn.close()
    return body


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_two_workers_share_the_port_and_the_data(fresh_db, db_path):
    words = [f"错字{i:02d}" for i in range(12)]
    crawl(fresh_db, {HOME: [A], A: []}, hits={A: [hit(text=w, context=f"有{w}。", key=w) for w in words]})
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--no-login", "--port", "0", "--workers", "2",
         "--db", str(db_path)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline()).group(1))
        children = _children(proc.pid)
        assert len(children) == 1

        def total() -> int:
            return int(re.search(r"共 (\d+) 个问题", _get(port, "/list?kind=wording")).group(1))

        before = {pid: _cpu_ticks(pid) for pid in (proc.pid, *children)}
        with ThreadPoolExecutor(8) as pool:  # both processes answer, and fill their caches
            assert set(pool.map(lambda _: total(), range(40))) == {12}
        assert all(_cpu_ticks(pid) > ticks + 5 for pid, ticks in before.items())  # 50 ms: they served
        # The night's crawl on its own connection: 3 fixed. Whichever process answers knows.
        crawl(fresh_db, {HOME: [A], A: []},
              hits={A: [hit(text=w, context=f"有{w}。", key=w) for w in words[3:]]})
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(lambda _: total(), range(40))) == {9}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    deadline = time.monotonic() + 5
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(c) for c in children)


def test_workers_must_be_a_small_whole_number(db_path):
    for bad in ("0", "x", "65"):
        proc = run_cli("serve", "--workers", bad, "--db", str(db_path))
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert "--workers" in proc.stderr and "1 to 64" in proc.stderr
