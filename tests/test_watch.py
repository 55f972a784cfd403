"""`duwang watch`: availability (网站可用性) against real loopback servers and real SQLite.

A week of probes is simulated by giving the watcher a clock: each round is real (a GET to a
loopback server), only its recorded time is an hour after the last.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.demo.server import Reply
from crawler.items import LinkCheck, Page
from crawler.store import availability as av
from crawler.store.finalize import finish_run
from crawler.store.writer import RunWriter
from crawler.watch import Target, Watcher
from tests.conftest import REPO, closed_port, findings_jsonl, run_cli

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))


class Clock:
    """Hours after T0, advanced by the test between rounds."""

    def __init__(self) -> None:
        self.hours = 0

    def __call__(self) -> datetime:
        return T0 + timedelta(hours=self.hours)


def target(site: str, url: str) -> Target:
    return Target(site, url, [url])


def rounds(watcher: Watcher, clock: Clock, n: int) -> list:
    out = []
    for _ in range(n):
        out.append(watcher.round())
        clock.hours += 1
    return out


def state(fresh_db, site: str, at: datetime) -> av.SiteAvailability:
    return av.availability(fresh_db, site, at=at)[site]


def test_a_week_of_probes_fast_failing_and_refused(fresh_db, db_path, serve):
    fast = serve({"/": Reply(body="<title>首页</title>")})
    reset = serve({"/": Reply(reset=True)})
    refused = f"http://127.0.0.1:{closed_port()}/"
    clock = Clock()
    targets = [target("快站", fast.url), target("坏站", reset.url), target("关站", refused)]
    watcher = Watcher(fresh_db, targets, timeout=5, clock=clock)
    # 24 probes a day: the oldest 24 hours of the window hold 20 only after 6 days and 20 hours.
    rounds(watcher, clock, 163)
    last = T0 + timedelta(hours=162)
    assert {s: state(fresh_db, s, last).state for s in ("快站", "坏站", "关站")} == \
        dict.fromkeys(("快站", "坏站", "关站"), av.NOT_ENOUGH_DATA)
    assert fresh_db.execute("SELECT count(*) FROM findings").fetchone()[0] == 0

    result = watcher.round()
    at = T0 + timedelta(hours=163)
    assert [p.result for p in result.probes] == [av.OK, av.FAILED, av.FAILED]
    assert [p.error for p in result.probes] == ["", "reset", "refused"]
    fast_state, bad = state(fresh_db, "快站", at), state(fresh_db, "坏站", at)
    assert (fast_state.state, fast_state.probes, fast_state.failed, fast_state.share) == \
        (av.STATE_OK, 164, 0, 0.0)
    assert (bad.state, bad.probes, bad.failed, bad.slow, bad.share) == (av.STATE_FAILING, 164, 164, 0, 1.0)
    assert state(fresh_db, "关站", at).state == av.STATE_FAILING
    assert sorted((c.site, c.action) for c in result.changes) == [("关站", "opened"), ("坏站", "opened")]

    found = {f["site"]: f for f in findings_jsonl(db_path)}
    assert set(found) == {"坏站", "关站"}
    assert found["坏站"]["kind"] == "unavailable"
    assert found["坏站"]["category"] == "unavailable_veto"
    assert found["坏站"]["severity"] == "serious"
    assert found["坏站"]["target"] == reset.url
    assert found["坏站"]["status"] == "open"
    assert found["坏站"]["context"] == \
        "近7天访问 164 次，无法访问 164 次、超时 0 次，失败率 100.00%，达到否决线 5%"
    assert found["坏站"]["error"] == "reset"
    assert found["坏站"]["detail"] == {
        "state": "failing", "probes": 164, "failed": 164, "slow": 0, "share": 1.0, "window_days": 7,
        "since": (at - timedelta(days=7)).isoformat(), "until": at.isoformat(), "warn": 0.03, "veto": 0.05}
    table = run_cli("findings", "--db", str(db_path), "--kind", "unavailable", "--format", "csv",
                    check_exit=0).stdout
    assert "网站无法访问,访问失败率达否决线（单项否决）," + reset.url in table


def test_slow_home_page_is_slow_and_failing(fresh_db, serve):
    slow = serve({"/": Reply(body="<title>首页</title>", delay=3)})
    fast = serve({"/": Reply(body="<title>首页</title>")})
    clock = Clock()
    # A one-day window keeps the test short: 20 rounds of a probe cut off at 0.3 s.
    rule = av.Rule(window_days=1, min_daily=20)
    watcher = Watcher(fresh_db, [target("慢站", slow.url), target("快站", fast.url)], timeout=0.3,
                      clock=clock, rule=rule)
    results = rounds(watcher, clock, 20)
    probe = results[-1].probes[0]
    assert probe.result == av.SLOW and probe.error == "timeout" and 0.3 <= probe.elapsed < 2
    at = T0 + timedelta(hours=19)
    slow_state = av.availability(fresh_db, "慢站", at=at, rule=rule)["慢站"]
    assert (slow_state.state, slow_state.probes, slow_state.slow, slow_state.failed) == \
        (av.STATE_FAILING, 20, 20, 0)
    assert av.availability(fresh_db, "快站", at=at, rule=rule)["快站"].state == av.STATE_OK
    row = fresh_db.execute("SELECT result, elapsed FROM probes WHERE url = ? ORDER BY id DESC LIMIT 1",
                           [slow.url]).fetchone()
    assert row[0] == "slow" and row[1] >= 0.3


def test_open_warning_veto_then_rectified_and_reopened_exactly(fresh_db, serve):
    failing = {"on": True}
    flaky = serve({"/": lambda info: Reply(reset=True) if failing["on"] else Reply(body="ok")})
    clock = Clock()
    watcher = Watcher(fresh_db, [target("示范区", flaky.url)], timeout=5, clock=clock)

    def step(fail: bool):
        failing["on"] = fail
        result = watcher.round()
        clock.hours += 1
        return [(c.action, c.figures.state, c.figures.probes, c.figures.bad) for c in result.changes]

    def finding() -> dict:
        rows = [dict(r) for r in fresh_db.query("SELECT * FROM findings WHERE kind = 'unavailable'")]
        assert len(rows) == 1
        return rows[0]

    for hour in range(163):  # rounds 0-5 fail: 6 of the first 163
        assert step(hour < 6) == []
    assert step(False) == [("opened", av.STATE_WARNING, 164, 6)]  # 3.66%
    assert finding()["category"] == "unavailable_warning" and finding()["status"] == "open"
    assert step(True) == []  # 7 of 165: 4.24%
    assert step(True) == []  # 8 of 166: 4.82%
    assert step(True) == [("escalated", av.STATE_FAILING, 167, 9)]  # 5.39%
    assert finding()["category"] == "unavailable_veto" and finding()["severity"] == "serious"
    assert step(True) == []  # 10 of 168
    # The window now slides: each good round drops one of the first failures.
    assert step(False) == []  # 9 of 168: 5.36%
    assert step(False) == [("eased", av.STATE_WARNING, 168, 8)]  # 4.76%
    assert step(False) == []  # 7: 4.17%
    assert step(False) == []  # 6: 3.57%
    assert step(False) == [("rectified", av.STATE_OK, 168, 5)]  # 2.98%
    f = finding()
    assert f["status"] == "rectified" and f["status_by"] == "machine"
    events = [dict(r) for r in fresh_db.query("SELECT * FROM events WHERE finding_id = ?", [f["id"]])]
    assert [(e["actor"], e["from_status"], e["to_status"], e["evidence"]) for e in events] == \
        [("machine", "open", "rectified", "probes")]
    assert events[0]["note"] == ("近7天访问 168 次，无法访问 5 次、超时 0 次，失败率 2.98%，低于预警线 3%，"
                                 "机器确认已恢复")
    assert events[0]["at"] == (T0 + timedelta(hours=172)).isoformat()

    assert step(True) == []  # 5 of 168: still under the line, stays rectified
    assert step(True) == [("reopened", av.STATE_WARNING, 168, 6)]
    assert finding()["status"] == "open"
    assert [r[0] for r in fresh_db.execute(
        "SELECT to_status FROM events WHERE finding_id = ? ORDER BY id", [f["id"]])] == ["rectified", "open"]


def test_not_enough_data_neither_opens_nor_rectifies(fresh_db, serve):
    failing = {"on": True}
    flaky = serve({"/": lambda info: Reply(reset=True) if failing["on"] else Reply(body="ok")})
    clock = Clock()
    watcher = Watcher(fresh_db, [target("示范区", flaky.url)], timeout=5, clock=clock)
    rounds(watcher, clock, 164)
    assert fresh_db.execute("SELECT status FROM findings").fetchall() == [("open",)]
    # The watch stopped for two days: a window with days short of 20 probes rectifies nothing.
    clock.hours += 48
    failing["on"] = False
    rounds(watcher, clock, 30)
    at = clock() - timedelta(hours=1)
    site = state(fresh_db, "示范区", at)
    assert site.state == av.NOT_ENOUGH_DATA and site.urls[0].short_days == 3  # 6, 0 and 18 probes
    assert fresh_db.execute("SELECT status FROM findings").fetchall() == [("open",)]


def test_staff_rectified_stays_until_a_new_failure(fresh_db, serve):
    from crawler.store.lifecycle import mark

    failing = {"on": True}
    flaky = serve({"/": lambda info: Reply(reset=True) if failing["on"] else Reply(body="ok")})
    clock = Clock()
    watcher = Watcher(fresh_db, [target("示范区", flaky.url)], timeout=5, clock=clock)
    rounds(watcher, clock, 164)
    fid = fresh_db.execute("SELECT id FROM findings").fetchone()[0]
    mark(fresh_db, [fid], "rectified", actor="网站办", note="已更换服务器")
    failing["on"] = False
    rounds(watcher, clock, 3)  # still 100% over the week, but nothing failed since
    assert fresh_db.execute("SELECT status FROM findings").fetchone()[0] == "rectified"


def test_site_state_is_the_worst_url_and_unknown_site_has_no_data(fresh_db, serve):
    home = serve({"/": Reply(body="ok"), "/zwgk/": Reply(status=503, body="忙")})
    clock = Clock()
    site = "示范区"
    targets = [Target(site, home.url, [home.url]), Target(site, home.url + "zwgk/", [home.url])]
    watcher = Watcher(fresh_db, targets, timeout=5, clock=clock)
    rounds(watcher, clock, 164)
    got = state(fresh_db, site, T0 + timedelta(hours=163))
    assert got.state == av.STATE_FAILING and got.failed == 164 and got.share == 1.0
    assert [(f.url, f.state) for f in got.urls] == \
        [(home.url, av.STATE_OK), (home.url + "zwgk/", av.STATE_FAILING)]
    [fid] = got.findings
    card = got.to_dict()
    assert [card[k] for k in ("state", "label", "probes", "failed", "share", "findings")] == \
        ["failing", "不合格（单项否决）", 164, 164, 1.0, [fid]]
    assert [(u["url"], u["state"], u["probes"]) for u in card["urls"]] == \
        [(home.url, "ok", 164), (home.url + "zwgk/", "failing", 164)]
    json.dumps(card, ensure_ascii=False)
    last = fresh_db.execute("SELECT http_status, error FROM probes ORDER BY id DESC LIMIT 1").fetchone()
    assert last == (503, "HTTP 503")
    nobody = av.availability(fresh_db, "没有探测的站", at=T0)["没有探测的站"]
    assert (nobody.state, nobody.probes) == (av.NOT_ENOUGH_DATA, 0)


def test_a_probe_is_one_get_that_names_the_watch(fresh_db, serve):
    seen = []

    def home(info):
        seen.append((info.method, info.headers.get("User-Agent", "")))
        return Reply(body="<title>首页</title>")

    server = serve({"/": home})
    Watcher(fresh_db, [target("示范区", server.url)], timeout=5, clock=Clock()).round()
    assert len(seen) == 1 and seen[0][0] == "GET"
    assert "availability watch" in seen[0][1]


def test_probes_wait_for_a_busy_database(fresh_db, db_path, serve):
    """A crawl's end of run holds the database: the round's probes are kept for the next one."""
    fast = serve({"/": Reply(body="ok")})
    clock = Clock()
    watcher = Watcher(fresh_db, [target("示范区", fast.url)], timeout=5, clock=clock)
    fresh_db.execute("PRAGMA busy_timeout = 100")
    crawl = sqlite3.connect(db_path)
    crawl.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError):
        watcher.round()
    assert len(watcher.pending) == 1
    crawl.rollback()
    crawl.close()
    clock.hours += 1
    watcher.round()
    assert fresh_db.execute("SELECT count(*) FROM probes").fetchone()[0] == 2
    assert watcher.pending == []


def test_old_probes_are_pruned(fresh_db, serve):
    fast = serve({"/": Reply(body="ok")})
    clock = Clock()
    watcher = Watcher(fresh_db, [target("示范区", fast.url)], timeout=5, clock=clock)
    watcher.round()
    clock.hours = 35 * 24 + 1
    watcher.round()
    assert fresh_db.execute("SELECT count(*) FROM probes").fetchone()[0] == 1


def test_a_crawl_never_touches_an_unavailable_finding(fresh_db, serve):
    reset = serve({"/": Reply(reset=True)})
    clock = Clock()
    watcher = Watcher(fresh_db, [target("www.x.gov.cn", reset.url)], timeout=5, clock=clock)
    rounds(watcher, clock, 164)
    writer = RunWriter(fresh_db, "www.x.gov.cn", ["http://www.x.gov.cn/"])
    home, other = "http://www.x.gov.cn/", "http://www.x.gov.cn/a"
    writer.add_page(Page(home, home, 200, "首页", "text/html", "utf-8", 0, True))
    writer.add_link(LinkCheck(other, True, "ok", None, 200, "", other, "HEAD"))
    writer.flush()
    summary = finish_run(fresh_db, writer.run_id, "www.x.gov.cn", complete=True, reason="finished")
    assert summary.rectified == 0 and summary.unverified == 0
    statuses = fresh_db.execute("SELECT status FROM findings WHERE kind = 'unavailable'").fetchall()
    assert statuses == [("open",)]


def test_probes_obey_the_address_rules(fresh_db):
    clock = Clock()
    meta = Target("示范区", "http://169.254.169.254/latest/", ["http://169.254.169.254/latest/"])
    result = Watcher(fresh_db, [meta], timeout=2, clock=clock).round()
    assert result.probes[0].result == av.FAILED
    assert "内网或保留地址" in result.probes[0].error


# --- the command ------------------------------------------------------------------------


def write_config(path: Path, sites: dict[str, tuple[str, list[str]]], db: Path) -> Path:
    lines = [f'db = "{db}"']
    for name, (home, extra) in sites.items():
        lines += ["[[site]]", f'name = "{name}"', f'start_urls = ["{home}"]']
        if extra:
            lines.append("watch_urls = [" + ", ".join(f'"{u}"' for u in extra) + "]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_watch_once_cli(tmp_path, serve):
    fast = serve({"/": Reply(body="<title>首页</title>"), "/zwgk/": Reply(status=404, body="无")})
    slow = serve({"/": Reply(body="<title>首页</title>", delay=3)})
    db = tmp_path / "duwang.db"
    for n in (1, 2):
        proc = run_cli("watch", fast.url, slow.url, "--once", "--timeout", "0.5", "--db", str(db),
                       check_exit=0)
        assert proc.stderr == ""
        assert f"近7天访问 {n} 次" in proc.stdout and "数据不足" in proc.stdout
        assert "本次：超时" in proc.stdout and "本次：正常" in proc.stdout
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, result FROM probes ORDER BY id").fetchall()
    assert rows == [(fast.url, "ok"), (slow.url, "slow")] * 2


def test_watch_config(tmp_path, serve):
    home = serve({"/": Reply(body="<title>首页</title>")})
    other = serve({"/": Reply(status=404, body="无")})
    db = tmp_path / "w.db"
    config = write_config(tmp_path / "duwang.toml", {"示范区": (home.url, []), "另一区": (other.url, [])}, db)
    proc = run_cli("watch", "--config", str(config), "--once", check_exit=0)
    assert "本次：无法访问" in proc.stdout and "页面不存在（404）" in proc.stdout
    proc = run_cli("watch", "--config", str(config), "--site", "示范区", "--once", check_exit=0)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT site, url, result, http_status FROM probes ORDER BY id").fetchall()
    assert rows == [("示范区", home.url, "ok", 200), ("另一区", other.url, "failed", 404),
                    ("示范区", home.url, "ok", 200)]


def test_watch_config_and_watch_urls(tmp_path, serve):
    fast = serve({"/": Reply(body="<title>首页</title>"), "/zwgk/": Reply(status=404, body="无")})
    db = tmp_path / "w.db"
    config = write_config(tmp_path / "duwang.toml", {"示范区": (fast.url, [fast.url + "zwgk/"])}, db)
    proc = run_cli("watch", "--config", str(config), "--once", check_exit=0)
    assert "本次：无法访问" in proc.stdout and "页面不存在（404）" in proc.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT site, url, result, http_status FROM probes ORDER BY id").fetchall() == [
            ("示范区", fast.url, "ok", 200), ("示范区", fast.url + "zwgk/", "failed", 404)]


@pytest.mark.parametrize("args, words", [
    (["--interval", "0"], ["--interval", "positive"]),
    (["--interval", "nan"], ["--interval"]),
    (["--timeout", "-1"], ["--timeout", "positive"]),
    (["--warn", "6"], ["--warn", "veto"]),
    (["--warn", "0"], ["--warn"]),
])
def test_watch_bad_numbers(tmp_path, args, words):
    proc = run_cli("watch", "http://127.0.0.1:1/", "--once", "--db", str(tmp_path / "d.db"), *args)
    assert_one_line_error(proc, words)
    assert not (tmp_path / "d.db").exists()


def assert_one_line_error(proc, words):
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("duwang watch"), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_watch_bad_input(tmp_path, serve):
    fast = serve({"/": Reply(body="ok")})
    db = str(tmp_path / "d.db")
    assert_one_line_error(run_cli("watch", "--db", db), ["give a URL"])
    assert_one_line_error(run_cli("watch", "ftp://x.gov.cn/", "--db", db), [])
    assert_one_line_error(run_cli("watch", fast.url, "--site", "x", "--db", db), ["--site"])
    assert_one_line_error(run_cli("watch", "http://169.254.169.254/", "--once", "--db", db),
                          ["169.254.169.254", "refused"])
    config = write_config(tmp_path / "c.toml", {"示范区": (fast.url, [])}, tmp_path / "c.db")
    assert_one_line_error(run_cli("watch", "--config", str(config), "--site", "无此站", "--once"), ["无此站"])
    assert_one_line_error(run_cli("watch", "--config", str(config), fast.url), ["not both"])
    (tmp_path / "bad.toml").write_text(f'[[site]]\nname = "a"\nstart_urls = ["{fast.url}"]\n'
                                       'watch_urls = ["ftp://x.gov.cn/a"]\n', encoding="utf-8")
    assert_one_line_error(run_cli("watch", "--config", str(tmp_path / "bad.toml"), "--once"),
                          ["bad.toml:4", "watch_urls"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_watch_stops_cleanly_on_a_signal(tmp_path, serve, sig):
    fast = serve({"/": Reply(body="ok")})
    db = tmp_path / "d.db"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "watch", fast.url, "--interval", "0.01",
                             "--db", str(db)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if probes_in(db) >= 2:
                break
            time.sleep(0.1)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert len(err.splitlines()) == 1 and err.startswith("duwang watch: stopped after "), err
    assert out.startswith("duwang watch: 1 URL(s) of 1 site(s) every 0.01 min")


def probes_in(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM probes").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet
        return 0
    finally:
        conn.close()


def test_a_second_watch_on_the_same_database_is_refused(tmp_path, serve):
    from crawler.watch import watch_lock

    fast = serve({"/": Reply(body="ok")})
    db = tmp_path / "d.db"
    with watch_lock(str(db)):
        proc = run_cli("watch", fast.url, "--once", "--db", str(db))
    assert_one_line_error(proc, ["another duwang watch"])


def test_watch_loads_no_jieba_and_no_scrapy(tmp_path, serve):
    fast = serve({"/": Reply(body="ok")})
    code = ("import sys; from crawler.cli import main; "
            f"rc = main(['watch', {fast.url!r}, '--once', '--db', {str(tmp_path / 'd.db')!r}]); "
            "print(json.dumps([rc, 'jieba' in sys.modules, 'scrapy' in sys.modules]))")
    proc = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert json.loads(proc.stdout.splitlines()[-1]) == [0, False, False], proc.stderr
