"""Shards plus ingest give the findings of a direct crawl (issue 17).

Two loopback portals change between three nights: a typo and a dead link are found (night
1), fixed (night 2: rectified), and broken again (night 3: reopened), while a page that
answers 503 on night 2 keeps its finding unverified. `crawl --config --workers 2` (one
process per site, shards, ingest) and a direct `crawl --config` into another database must
leave the same findings, statuses and events, ids and timestamps aside.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from crawler.demo.server import Reply
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


def test_three_nights_shards_equal_direct_crawl(serve, tmp_path: Path):
    portals = [serve({"/": Reply(body=HOME)}) for _ in range(2)]
    config = write_config(tmp_path / "duwang.toml", portals)
    direct, central = tmp_path / "direct.db", tmp_path / "central.db"
    states = []
    for night in NIGHTS:
        for p in portals:
            for path, reply in night.items():
                p.add_route(path, reply)
        # Both at once (separate databases, the same portals): the test's time budget.
        with ThreadPoolExecutor(2) as pool:
            a, b = pool.map(lambda args: run_cli(*args), [
                ("crawl", "--config", str(config), "--db", str(direct), *FAST),
                ("crawl", "--config", str(config), "--db", str(central), "--workers", "2", *FAST)])
        assert a.returncode in (0, 1, 3), a.stderr[-2000:]
        assert b.returncode == a.returncode, b.stderr[-2000:]
        assert "Traceback" not in b.stderr
        one, two = comparable(direct), comparable(central)
        assert two == one
        states.append(one)
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
