"""`crawl --workers N` on one machine (issue 17): lanes forked from a preloaded parent give the
findings of the one-process crawl, and sites of one server (a declared `group`, or a shared
host) are one lane: crawled one after another in one process, never at once.

The portals answer each page after a short delay and count the requests they are answering
at once (PortalServer.peak_in_flight), so two crawls of one host at the same time show.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from crawler.demo.server import Reply
from tests.conftest import run_cli
from tests.portal_site import page
from tests.test_distributed_ingest import comparable

LIMIT = 2  # requests in flight per host (--concurrency)
FLAGS = ["--timeout", "5", "--concurrency", str(LIMIT), "-s", "DUWANG_BACKOFF_BASE=0.05"]
PAGES = 6


def routes() -> dict[str, Reply]:
    links = "".join(f'<a href="/p{i}.html">第{i}篇</a>' for i in range(PAGES))
    article = "<p>请于月底前报送材料。</p>"
    slow = {f"/p{i}.html": Reply(body=page(f"第{i}篇", article, footer=False), delay=0.1)
            for i in range(PAGES)}
    typo = page("通知", '<p>大家要再接再励。</p><a href="/gone.pdf">旧文件</a>', footer=False)
    return {"/": Reply(body=page("首页", links + '<a href="/a.html">通知</a>', footer=False)),
            "/a.html": Reply(body=typo, delay=0.1), **slow}


def shard_meta(folder: Path) -> list[dict]:
    out = []
    for shard in sorted(folder.glob("*.db")):
        con = sqlite3.connect(shard)
        try:
            out.append(json.loads(con.execute("SELECT value FROM settings WHERE key = 'duwang/shard'")
                                  .fetchone()[0]))
        finally:
            con.close()
    return out


def runs(db: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute("SELECT site, status FROM runs").fetchall())
    finally:
        con.close()


def test_forked_lanes_equal_one_process(serve, tmp_path: Path):
    """Four portals: --workers 2 (lanes forked from the preloaded parent, each checking its
    own pages) leaves the findings, statuses and events of --workers 1; no portal ever
    answers more requests at once than the per-host limit."""
    portals = [serve(routes()) for _ in range(4)]
    config = tmp_path / "duwang.toml"
    config.write_text("".join(f'[[site]]\nname = "站点{i}"\nstart_urls = ["{p.url}"]\n\n'
                              for i, p in enumerate(portals)), "utf-8")
    one, two, shards = tmp_path / "one.db", tmp_path / "two.db", tmp_path / "shards"
    shards.mkdir()
    run_cli("crawl", "--config", str(config), "--db", str(one), *FLAGS, check_exit=1)
    for p in portals:
        p.reset_hits()
    proc = run_cli("crawl", "--config", str(config), "--db", str(two), "--workers", "2",
                   "--shards", str(shards), *FLAGS, check_exit=1)
    assert "Traceback" not in proc.stderr
    assert comparable(two) == comparable(one)
    kinds = {f[2] for f in comparable(two)["findings"]}
    assert {"dead_link", "wording"} <= kinds  # the text checks ran in the forked processes
    meta = shard_meta(shards)
    assert len(meta) == 4 and all(m["preloaded"] for m in meta)  # forked from the warm parent
    assert len({m["pid"] for m in meta}) >= 2  # in more than one process
    assert max(p.peak_in_flight for p in portals) == LIMIT  # reached, never passed
    assert all(r[1] == "complete" for r in runs(two))


def group_config(path: Path, portal, how: str) -> Path:
    """Two sites on one server: other host names with one `group`, or one host."""
    port = portal.port
    if how == "declared":
        a, b = f"http://127.0.0.1:{port}/", f"http://localhost:{port}/"
        group = 'group = "同一服务器"\n'
    else:
        a, b = f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/a.html"
        group = ""
    path.write_text(f'[[site]]\nname = "甲"\nstart_urls = ["{a}"]\n{group}\n'
                    f'[[site]]\nname = "乙"\nstart_urls = ["{b}"]\n{group}', "utf-8")
    return path


@pytest.mark.parametrize("how", ["declared", "shared host"])
def test_sites_of_one_server_are_one_job(serve, tmp_path: Path, how: str):
    portal = serve(routes())
    config = group_config(tmp_path / "duwang.toml", portal, how)
    shards = tmp_path / "shards"
    shards.mkdir()
    db = tmp_path / "c.db"
    proc = run_cli("crawl", "--config", str(config), "--db", str(db), "--workers", "2",
                   "--shards", str(shards), *FLAGS, check_exit=1)
    assert "Traceback" not in proc.stderr
    assert runs(db) == [("乙", "complete"), ("甲", "complete")]  # one run each
    meta = shard_meta(shards)
    assert sorted(m["site"] for m in meta) == ["乙", "甲"]
    assert len({m["pid"] for m in meta}) == 1  # one job: both sites in one process
    assert portal.peak_in_flight == LIMIT  # one after another: never both at once


def test_a_group_in_one_process(serve, tmp_path: Path):
    """--workers 1 crawls a group's sites one after another too."""
    portal = serve(routes())
    config = group_config(tmp_path / "duwang.toml", portal, "declared")
    db = tmp_path / "c.db"
    run_cli("crawl", "--config", str(config), "--db", str(db), *FLAGS, check_exit=1)
    assert runs(db) == [("乙", "complete"), ("甲", "complete")]
    assert portal.peak_in_flight == LIMIT


@pytest.mark.parametrize(("text", "words"), [
    ('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\ngroup = 3\n',
     ["duwang.toml:4", "site[1].group", "non-empty text"]),
    ('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\ngroup = "  "\n',
     ["duwang.toml:4", "site[1].group"]),
    ('[defaults]\ngroup = "x"\n\n[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n',
     ["duwang.toml:2", "defaults.group", "not allowed in [defaults]"]),
])
def test_a_bad_group_is_one_line(tmp_path: Path, text: str, words: list[str]):
    config = tmp_path / "duwang.toml"
    config.write_text(text, "utf-8")
    proc = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "c.db"), check_exit=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(("sites", "want"), [
    ([("http://a.gov.cn/", [], None), ("http://b.gov.cn/", [], None)], [[0], [1]]),
    ([("http://a.gov.cn/x/", [], None), ("http://A.gov.cn/y/", [], None)], [[0, 1]]),  # one host
    ([("http://a.gov.cn/", [], "s1"), ("http://b.gov.cn/", [], None), ("http://c.gov.cn/", [], "s1")],
     [[0, 2], [1]]),  # a declared group, in config order
    ([("http://a.gov.cn/", ["files.gov.cn"], None), ("http://b.gov.cn/", [], "g"),
      ("http://files.gov.cn/", [], "g")], [[0, 1, 2]]),  # joined through a host and a group
    ([("http://a.gov.cn:8080/", [], None), ("http://a.gov.cn/", [], None)], [[0], [1]]),  # other port
])
def test_lanes(sites, want):
    from crawler.groups import lanes
    from crawler.runner import CrawlOptions

    opts = [CrawlOptions(start_urls=[u], extra_hosts=h, group=g) for u, h, g in sites]
    assert lanes(opts) == want


def test_preload_installs_no_reactor():
    """The warm parent imports Scrapy and builds the checker, but installs no reactor: each
    forked child installs its own (a reactor cannot be restarted)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys; from crawler.distributed.preload import preload; preload(); "
            "from crawler.textcheck.pool import checker_for; "
            "print('twisted.internet.reactor' in sys.modules, 'scrapy.crawler' in sys.modules, "
            "checker_for(())._tokenizer is not None)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "True", "True"], out.stderr[-2000:]
