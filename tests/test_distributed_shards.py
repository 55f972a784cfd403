"""`duwang ingest` on its own (issue 17): twice changes nothing; a killed run, an
incomplete run and a newer schema are each handled as the issue says."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from crawler.demo.server import Reply
from tests.conftest import run_cli
from tests.portal_site import page
from tests.test_distributed_ingest import FAST, comparable, write_config

TYPO = page("通知", "<p>大家要再接再励。</p>", footer=False)
FIXED = page("通知", "<p>大家要再接再厉。</p>", footer=False)
HOME = page("首页", '<a href="/a.html">通知</a>', footer=False)


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


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """Two nights of two sites with --workers 2 --shards: the typo is found, then fixed."""
    from crawler.demo.server import PortalServer

    tmp = tmp_path_factory.mktemp("shards")
    portals = [PortalServer(routes={"/": Reply(body=HOME), "/a.html": Reply(body=TYPO)}).start()
               for _ in range(2)]
    try:
        config = write_config(tmp / "duwang.toml", portals)
        central = tmp / "central.db"
        one, two = tmp / "night1", tmp / "night2"
        one.mkdir()
        two.mkdir()
        run_cli("crawl", "--config", str(config), "--db", str(central), "--workers", "2",
                "--shards", str(one), *FAST, check_exit=1)
        shutil.copyfile(central, tmp / "after-night1.db")
        for p in portals:
            p.add_route("/a.html", Reply(body=FIXED))
        run_cli("crawl", "--config", str(config), "--db", str(central), "--workers", "2",
                "--shards", str(two), *FAST, check_exit=0)
        yield tmp, central, sorted(one.glob("*.db")), sorted(two.glob("*.db"))
    finally:
        for p in portals:
            p.stop()


def wording_status(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    rows = [r[0] for r in con.execute("SELECT status FROM findings WHERE kind = 'wording' ORDER BY site")]
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
    assert wording_status(central) == ["rectified", "rectified"]


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
    shutil.copyfile(tmp / "after-night1.db", again)
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
    assert wording_status(db) == ["open", "open"]


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
