"""Shards plus ingest give the findings of a direct crawl (issue 17), and `duwang ingest`
on its own.

Two loopback portals change between three nights: a typo and a dead link are found (night
1), fixed (night 2: rectified), and broken again (night 3: reopened), while a page that
answers 503 on night 2 keeps its finding unverified. `crawl --config --workers 2` (one
process per site, shards, ingest) and a direct `crawl --config` into another database must
leave the same findings, statuses and events, ids and timestamps aside.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.demo.server import PortalServer, Reply
from tests.conftest import run_cli
from tests.portal_site import page

FAST = ["--timeout", "1", "--concurrency", "8", "-s", "DUWANG_BACKOFF_BASE=0.05"]

TYPO = page("通知", '<p>大家要再接再励。</p><a href="/old.pdf">旧文件</a>', footer=False)
FIXED = page("通知", "<p>大家要再接再厉。</p>", footer=False)
HOME = page("首页", '<a href="/a.html">通知</a> <a href="/b.html">公告</a>', footer=False)
NOTICE = page("公告", "<p>请于十二月一日前报送材料。</p>", footer=False)
OTHER_TYPO = page("公告", "<p>请各单位按时报送，不得迟报漏报，再接再励。</p>", footer=False)

NIGHTS = [
    # night 1: a typo and a dead link on /a.html, a typo on /b.html
    {"/a.html": Reply(body=TYPO), "/b.html": Reply(body=OTHER_TYPO)},
    # night 2: /a.html fixed (rectified); /b.html answers 503: its typo is not verified, stays open
    {"/a.html": Reply(body=FIXED), "/b.html": Reply(503, body="维护中")},
    # night 3: the typo and the dead link are back on /a.html (reopened); /b.html fixed (rectified)
    {"/a.html": Reply(body=TYPO), "/b.html": Reply(body=NOTICE)},
]


def write_config(path: Path, portals) -> Path:
    sites = "".join(f'[[site]]\nname = "站点{i}"\nstart_urls = ["{p.url}"]\n\n'
                    for i, p in enumerate(portals))
    path.write_text(sites, encoding="utf-8")
    return path


def comparable(db: Path) -> dict:
    """Findings, statuses, occurrences and events, without ids or times."""
    con = sqlite3.connect(db)
    try:
        findings = sorted(con.execute(
            "SELECT key, site, kind, category, coalesce(text, ''), coalesce(target, ''), status, "
            "coalesce(http_status, 0) FROM findings").fetchall())
        occurrences = sorted(con.execute(
            "SELECT f.key, o.page_url, o.element, o.is_home FROM occurrences o "
            "JOIN findings f ON f.id = o.finding_id").fetchall())
        events = sorted(con.execute(
            "SELECT f.key, e.actor, coalesce(e.from_status, ''), e.to_status, coalesce(e.note, ''), "
            "coalesce(e.evidence, ''), r.site, (SELECT count(*) FROM runs r2 WHERE r2.site = r.site "
            "AND r2.id <= r.id) FROM events e JOIN findings f ON f.id = e.finding_id "
            "LEFT JOIN runs r ON r.id = e.run_id").fetchall())
        runs = sorted(con.execute(
            "SELECT site, status, reason, pages, links, new_findings, unverified FROM runs").fetchall())
        return {"findings": findings, "occurrences": occurrences, "events": events, "runs": runs}
    finally:
        con.close()


@dataclass
class Nights:
    """Three nights crawled both ways; the shards of each night and the database after each."""

    tmp: Path
    states: list[dict]  # comparable() of the direct database after each night
    shards: list[list[Path]]  # the published shards of each night
    after: list[Path]  # a copy of the central database after each night


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory) -> Nights:
    """The three nights, once (the ingest tests below reuse the shards)."""
    tmp = tmp_path_factory.mktemp("three-nights")
    portals = [PortalServer(routes={"/": Reply(body=HOME)}).start() for _ in range(2)]
    try:
        config = write_config(tmp / "duwang.toml", portals)
        direct, central = tmp / "direct.db", tmp / "central.db"
        states, shards, after = [], [], []
        for n, night in enumerate(NIGHTS):
            for p in portals:
                for path, reply in night.items():
                    p.add_route(path, reply)
            folder = tmp / f"night{n + 1}"
            folder.mkdir()
            # Both at once (separate databases, the same portals): the test's time budget.
            with ThreadPoolExecutor(2) as pool:
                a, b = pool.map(lambda args: run_cli(*args), [
                    ("crawl", "--config", str(config), "--db", str(direct), *FAST),
                    ("crawl", "--config", str(config), "--db", str(central), "--workers", "2",
                     "--shards", str(folder), *FAST)])
            assert a.returncode in (0, 1, 3), a.stderr[-2000:]
            assert b.returncode == a.returncode, b.stderr[-2000:]
            assert "Traceback" not in b.stderr
            one, two = comparable(direct), comparable(central)
            assert two == one, f"night {n + 1}"
            states.append(one)
            shards.append(sorted(folder.glob("*.db")))
            after.append(tmp / f"after-night{n + 1}.db")
            shutil.copyfile(central, after[-1])
        return Nights(tmp, states, shards, after)
    finally:
        for p in portals:
            p.stop()


def test_three_nights_shards_equal_direct_crawl(three_nights: Nights):
    states = three_nights.states
    # What happened, on the first site (the second is the same portal).
    first = [by_page(s, "站点0") for s in states]
    assert first[0] == {("wording", "/a.html"): "open", ("dead_link", "/a.html"): "open",
                        ("wording", "/b.html"): "open"}
    assert first[1] == {("wording", "/a.html"): "rectified", ("dead_link", "/a.html"): "rectified",
                        ("wording", "/b.html"): "open"}
    assert first[2] == {("wording", "/a.html"): "open", ("dead_link", "/a.html"): "open",
                        ("wording", "/b.html"): "rectified"}
    reopened = [e for e in states[2]["events"] if e[2] == "rectified" and e[3] == "open"]
    assert len(reopened) == 4  # two findings on each of the two sites
    night2 = [r for r in states[1]["runs"] if r[6]]
    assert len(night2) == 2 and all(r[6] == 1 for r in night2)  # /b.html's typo: not verified
    assert all(r[1] == "complete" for r in states[2]["runs"])


def by_page(state: dict, site: str) -> dict[tuple[str, str], str]:
    """{(kind, page path): status} of the site's wording and link findings."""
    status = {f[0]: f[6] for f in state["findings"] if f[1] == site and f[2] in ("wording", "dead_link")}
    kind = {f[0]: f[2] for f in state["findings"]}
    return {(kind[o[0]], "/" + o[1].split("/", 3)[-1]): status[o[0]]
            for o in state["occurrences"] if o[0] in status}


# `duwang ingest` on its own: twice changes nothing; a killed run, an incomplete run and a
# newer schema are each handled as the issue says.

def tamper(shard: Path, out: Path, sql: str = "", params: tuple = ()) -> Path:
    """A copy of the shard under a new shard id, with `sql` applied."""
    shutil.copyfile(shard, out)
    con = sqlite3.connect(out)
    meta = json.loads(con.execute("SELECT value FROM settings WHERE key = 'duwang/shard'").fetchone()[0])
    meta["id"] = uuid.uuid4().hex
    con.execute("UPDATE settings SET value = ? WHERE key = 'duwang/shard'", [json.dumps(meta)])
    if sql:
        con.execute(sql, params)
    con.commit()
    con.close()
    return out


@pytest.fixture
def nights(three_nights: Nights):
    """The folder (with after-night1.db), the database after night 2, night 1's and night 2's
    shards (night 2 rectified a typo and a dead link)."""
    return three_nights.tmp, three_nights.after[1], three_nights.shards[0], three_nights.shards[1]


def statuses(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    rows = {r[0] for r in con.execute("SELECT status FROM findings WHERE kind IN ('wording', 'dead_link')")}
    con.close()
    return rows


def test_shards_are_published_whole(nights):
    tmp, central, first, second = nights
    assert len(first) == len(second) == 2
    for shard in first + second:
        assert not Path(f"{shard}-wal").exists() and not Path(f"{shard}-journal").exists()
        con = sqlite3.connect(shard)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        con.close()
    assert not list((tmp / "night1").glob(".*"))  # no temporary file left behind
    pids = set()
    for shard in first:
        con = sqlite3.connect(shard)
        meta = con.execute("SELECT value FROM settings WHERE key = 'duwang/shard'").fetchone()[0]
        pids.add(json.loads(meta)["pid"])
        con.close()
    assert len(pids) == 2  # one process per site
    assert "rectified" in statuses(central)


def test_ingesting_twice_changes_nothing(nights):
    _, central, first, second = nights
    before = comparable(central)
    proc = run_cli("ingest", *map(str, first + second), "--db", str(central), check_exit=0)
    assert proc.stderr.count("already ingested") == 4
    assert comparable(central) == before


def test_ingest_replays_into_another_copy(nights):
    """The night-2 shards ingested into the night-1 database give the same result."""
    tmp, central, _, second = nights
    again = tmp / "again.db"
    shutil.copyfile(tmp / "after-night1.db", again)  # the fixture's copy of night 1
    run_cli("ingest", *map(str, second), "--db", str(again), check_exit=0)
    assert comparable(again) == comparable(central)


def test_killed_run_is_reported_not_ingested(nights, tmp_path):
    tmp, _, _, second = nights
    db = tmp_path / "c.db"
    shutil.copyfile(tmp / "after-night1.db", db)
    before = comparable(db)
    killed = tamper(second[0], tmp_path / "killed.db", "UPDATE runs SET status = 'running', reason = NULL "
                    "WHERE id = (SELECT max(id) FROM runs)")
    proc = run_cli("ingest", str(killed), "--db", str(db), check_exit=2)
    assert "never finished" in proc.stderr and "Traceback" not in proc.stderr
    assert comparable(db) == before


def test_incomplete_run_never_rectifies(nights, tmp_path):
    tmp, _, _, second = nights
    db = tmp_path / "c.db"
    shutil.copyfile(tmp / "after-night1.db", db)
    shards = [tamper(s, tmp_path / f"inc{i}.db", "UPDATE runs SET status = 'incomplete', reason = 'shutdown' "
                     "WHERE id = (SELECT max(id) FROM runs)") for i, s in enumerate(second)]
    proc = run_cli("ingest", *map(str, shards), "--db", str(db), check_exit=3)
    assert "incomplete" in proc.stderr
    assert statuses(db) == {"open"}  # the complete night 2 rectified some (test above)


def test_shard_from_a_newer_schema_is_refused(nights, tmp_path):
    tmp, _, _, second = nights
    db = tmp_path / "c.db"
    shutil.copyfile(tmp / "after-night1.db", db)
    newer = tamper(second[0], tmp_path / "newer.db", "INSERT INTO _sqlite_migrations (migration_set, name, "
                   "applied_at) VALUES ('duwang', 'm999_future', '2030-01-01')")
    proc = run_cli("ingest", str(newer), "--db", str(db), check_exit=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "newer duwang" in lines[0], proc.stderr


def test_not_a_shard(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    proc = run_cli("ingest", str(junk), str(tmp_path / "missing.db"), "--db", str(tmp_path / "c.db"),
                   check_exit=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, words", [
    (["--workers", "0"], "--workers"),
    (["--queue", "redis://127.0.0.1:9/0"], "--shards"),
    (["--workers", "2", "--shards", "/nonexistent-duwang-shards"], "does not exist"),
    (["--queue", "redis://127.0.0.1:9/0", "--shards", "."], "cannot reach the queue"),
])
def test_distributed_usage_errors(tmp_path: Path, args: list[str], words: str):
    config = tmp_path / "duwang.toml"
    config.write_text('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    proc = run_cli("crawl", "--config", str(config), "--db", str(tmp_path / "c.db"), *args, check_exit=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr


def test_worker_without_redis(tmp_path: Path):
    proc = run_cli("worker", "--queue", "redis://127.0.0.1:9/0", "--shards", str(tmp_path), "--burst",
                   check_exit=2)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the queue at redis://127.0.0.1:9/0" in lines[0], proc.stderr


def test_reports_show_each_sites_last_crawl(three_nights: Nights):
    """An ingested run keeps its crawl's times, and `duwang report` shows each site's last
    crawl (its night, complete or not) as for a direct crawl."""
    central, direct = three_nights.after[2], three_nights.tmp / "direct.db"
    shard = three_nights.shards[2][0]
    con = sqlite3.connect(shard)
    meta = json.loads(con.execute("SELECT value FROM settings WHERE key = 'duwang/shard'").fetchone()[0])
    crawled = con.execute("SELECT started_at, finished_at FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1",
                          [meta["site"]]).fetchone()
    con.close()
    con = sqlite3.connect(central)
    ingested = con.execute("SELECT started_at, finished_at FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1",
                           [meta["site"]]).fetchone()
    con.close()
    assert ingested == crawled

    def report(db: Path) -> dict:
        out = run_cli("report", "monthly", "--db", str(db), "-o", "-", "--format", "json", check_exit=0)
        return json.loads(out.stdout)

    got = report(central)
    crawls = got["last_crawls"]
    assert [c["site"] for c in crawls] == ["站点0", "站点1"]
    assert all(c["status"] == "complete" and c["night"] == c["last_complete_night"] for c in crawls)
    assert crawls == report(direct)["last_crawls"]
    from crawler.report.render_text import render_text  # what `duwang report` prints

    assert f"站点0：最近巡检 {crawls[0]['night']}，完整" in render_text(got)
    html = run_cli("report", "monthly", "--db", str(central), "-o", "-", check_exit=0).stdout
    assert "各站点最近巡检" in html and "最近一次完整巡检" in html
