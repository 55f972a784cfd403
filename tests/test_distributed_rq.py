"""A real distributed crawl on Redis with RQ (issue 17): a coordinator and two burst
workers crawl four loopback portals into one database, with the findings of a direct crawl."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demo.server import Reply
from tests.conftest import REPO, run_cli
from tests.portal_site import page
from tests.test_distributed_ingest import FAST, comparable, write_config

HOME = page("首页", '<a href="/a.html">通知</a> <a href="/gone.pdf">旧文件</a>', footer=False)
TYPO = page("通知", "<p>大家要再接再励。</p>", footer=False)


@pytest.fixture
def redis_url(tmp_path_factory):
    """A redis-server of our own on a unix socket, persistence off; stopped at the end."""
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/run installs it)")
        pytest.skip("redis-server is not installed")
    tmp = tmp_path_factory.mktemp("redis")
    sock = tmp / "redis.sock"
    proc = subprocess.Popen([exe, "--port", "0", "--unixsocket", str(sock), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not sock.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
        time.sleep(0.05)
    yield f"unix://{sock}", proc
    proc.terminate()
    proc.wait(10)


def duwang(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def queued(url: str) -> int:
    from redis import Redis

    return Redis.from_url(url).llen("rq:queue:duwang")


def wait_queued(url: str, n: int, coordinator: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while queued(url) < n:
        assert coordinator.poll() is None, coordinator.communicate()
        assert time.monotonic() < deadline, "the coordinator did not enqueue the sites"
        time.sleep(0.1)


def test_coordinator_and_two_workers_equal_a_direct_crawl(serve, redis_url, tmp_path: Path):
    url, _ = redis_url
    portals = [serve({"/": Reply(body=HOME), "/a.html": Reply(body=TYPO)}) for _ in range(4)]
    config = write_config(tmp_path / "duwang.toml", portals)
    shards = tmp_path / "shards"
    shards.mkdir()
    direct, central = tmp_path / "direct.db", tmp_path / "central.db"
    # Links only (no jieba to load in five processes): the test's time. The wording lifecycle
    # through shards is test_distributed_ingest's.
    links_only = [*FAST, "-s", "DUWANG_TEXTCHECK_ENABLED=0"]
    coordinator = duwang("crawl", "--config", str(config), "--db", str(central), "--queue", url,
                         "--shards", str(shards), *links_only)
    reference = duwang("crawl", "--config", str(config), "--db", str(direct), *links_only)
    wait_queued(url, 4, coordinator)
    workers = [duwang("worker", "--queue", url, "--shards", str(shards), "--burst") for _ in range(2)]
    for w in workers:
        out, err = w.communicate(timeout=180)
        assert w.returncode == 0 and "Traceback" not in err, err[-3000:]
    out, err = coordinator.communicate(timeout=120)
    assert coordinator.returncode == 1, err[-3000:]
    assert "Traceback" not in err
    assert reference.wait(180) == 1
    got, want = comparable(central), comparable(direct)
    assert got == want
    assert len(got["runs"]) == 4 and {r[1] for r in got["runs"]} == {"complete"}
    assert {f[2] for f in got["findings"]} >= {"dead_link"}
    assert out.count("站点") >= 4  # a summary per site
    status = run_cli("status", "--queue", url, check_exit=0).stdout
    done = [line.split("\t") for line in status.splitlines() if line.startswith("finished")]
    assert len(done) == 4
    assert len({row[1] for row in done}) == 2, status  # both workers did jobs


def test_a_job_from_another_version_is_refused(serve, redis_url, tmp_path: Path):
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    from crawler.distributed.jobs import QUEUE, crawl_lane_job
    from crawler.runner import CrawlOptions

    url, _ = redis_url
    shards = tmp_path / "shards"
    shards.mkdir()
    conn = Redis.from_url(url)
    opts = CrawlOptions(start_urls=["http://127.0.0.1:9/"], site="旧版本")
    job = Queue(QUEUE, connection=conn).enqueue_call(crawl_lane_job, args=([opts], "2026-12-01", ["x.seed"],
                                                                           "0.0.1", ["x"]))
    run_cli("worker", "--queue", url, "--shards", str(shards), "--burst", check_exit=0)
    job = Job.fetch(job.id, connection=conn)
    assert job.get_status() == "failed"
    why = job.latest_result().exc_string
    assert "JobRefused" in why and "0.0.1" in why


def test_redis_gone_while_the_coordinator_waits(serve, redis_url, tmp_path: Path):
    url, server = redis_url
    portal = serve({"/": Reply(body=HOME)})
    config = write_config(tmp_path / "duwang.toml", [portal])
    shards = tmp_path / "shards"
    shards.mkdir()
    coordinator = duwang("crawl", "--config", str(config), "--db", str(tmp_path / "c.db"), "--queue", url,
                         "--shards", str(shards), *FAST)
    wait_queued(url, 1, coordinator)
    server.terminate()
    server.wait(10)
    out, err = coordinator.communicate(timeout=120)
    assert coordinator.returncode == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "queue" in lines[0], err


def horse_of(worker: subprocess.Popen, timeout: float = 60) -> int:
    """The pid of the worker's work horse (its only child) once a job runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True,
                              text=True).stdout.split()
        if kids:
            return int(kids[0])
        assert worker.poll() is None, worker.communicate()
        time.sleep(0.05)
    raise AssertionError("no job started")


@pytest.mark.parametrize("retries", [1, 0])
def test_a_crawl_killed_mid_site(serve, redis_url, tmp_path: Path, retries: int):
    """SIGKILL the work horse mid-site: with a retry the site is crawled again and complete;
    without, the site is an error and nothing of it reaches the database."""
    url, _ = redis_url
    slow = {f"/p{i}.html": Reply(body=page(f"页{i}", "<p>内容</p>", footer=False), delay=0.3)
            for i in range(12)}
    links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(12))
    portal = serve({"/": Reply(body=page("首页", links, footer=False)), **slow})
    config = write_config(tmp_path / "duwang.toml", [portal])
    shards = tmp_path / "shards"
    shards.mkdir()
    central = tmp_path / "c.db"
    coordinator = duwang("crawl", "--config", str(config), "--db", str(central), "--queue", url,
                         "--shards", str(shards), "--retries", str(retries), *FAST,
                         "-s", "DUWANG_TEXTCHECK_ENABLED=0")  # no jieba to load: the test's time
    wait_queued(url, 1, coordinator)
    worker = duwang("worker", "--queue", url, "--shards", str(shards), "--burst")
    horse = horse_of(worker)
    deadline = time.monotonic() + 60
    while not any("/p" in path for _, path in list(portal.log)):  # mid-site: the pages are being read
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(horse, 9)
    worker.communicate(timeout=120)
    out, err = coordinator.communicate(timeout=120)
    con = sqlite3.connect(central)
    runs = con.execute("SELECT status FROM runs").fetchall()
    findings = con.execute("SELECT count(*) FROM findings").fetchone()[0]
    con.close()
    if retries:
        assert coordinator.returncode in (0, 1), err[-3000:]
        assert runs == [("complete",)]
    else:
        assert coordinator.returncode == 2
        assert "job failed" in err and "Traceback" not in err, err
        assert runs == [] and findings == 0
