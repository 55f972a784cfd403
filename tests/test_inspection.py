"""The inspection's veto items on a generated portal (tests/inspection_portal.py), crawled with
a fixed today: each column of each type fresh, near its line and over it, an empty column, a
list whose items carry no date, a stale home page, page tags and footers, backdating, and the
lifecycle of these findings over two nights."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import findings_jsonl, run_cli
from tests.inspection_portal import COLUMNS, TODAY, build_routes, config

INSPECTION = ("stale_column", "empty_column", "stale_home", "backdated", "page_standard")
FIXED = ["-s", f"DUWANG_TODAY={TODAY.isoformat()}"]


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[-1]


def crawl(cfg, *extra: str, code: int = 1):
    proc = run_cli("crawl", "--config", str(cfg), *FIXED, *extra, check_exit=code)
    assert "Traceback" not in proc.stderr
    return proc


def inspection(db) -> list[dict]:
    return [f for f in findings_jsonl(db) if f["kind"] in INSPECTION]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from crawler.demo.server import PortalServer

    tmp = tmp_path_factory.mktemp("inspection")
    db, cfg = tmp / "duwang.db", tmp / "duwang.toml"
    with PortalServer(routes=build_routes()) as server:
        cfg.write_text(config(server.url, str(db)), encoding="utf-8")
        proc = crawl(cfg)
    return {"db": db, "rows": inspection(db), "out": proc.stdout}


def test_each_column_and_the_home_page_reported_exactly(crawled):
    got = {(f["kind"], f["category"], f["text"], tuple(_path(p) for p in f["pages"]))
           for f in crawled["rows"] if f["kind"] != "page_standard"}
    expected = {(*c.expect, c.name, (f"/{c.path}",)) for c in COLUMNS if c.expect}
    expected.add(("stale_home", "stale", "首页", ("/",)))
    assert got == expected
    by_name = {f["text"]: f for f in crawled["rows"]}
    # Over a veto line is serious; near it, a warning.
    assert by_name["部门动态"]["severity"] == "serious" and by_name["要闻"]["severity"] == "general"
    assert by_name["部门动态"]["detail"] == {
        "column": by_name["部门动态"]["detail"]["column"], "name": "部门动态", "type": "news",
        "window_days": 14, "source": "tags", "items": 3, "dated_items": 3, "latest": "2024-06-01",
        "age_days": 29}
    assert by_name["公示信息"]["detail"]["source"] == "config"  # [[site.column]], type notice
    assert by_name["公示信息"]["detail"]["window_days"] == 183
    assert by_name["区情概况"]["detail"]["window_days"] == 365
    assert "已 12 天未更新，2 天后超过期限 14 天" in by_name["要闻"]["context"]
    # The home page's MM-DD dates are no dates; its items' dates come from their columns.
    assert by_name["首页"]["detail"]["latest"] == "2024-06-01"


def test_page_tags_and_footer_one_finding_per_missing_item(crawled):
    got = {f["category"]: (f["detail"]["pages_affected"], f["detail"]["pages_checked"], len(f["pages"]))
           for f in crawled["rows"] if f["kind"] == "page_standard"}
    articles = sum(len(c.ages) for c in COLUMNS)  # every item's article, 5 a column at most
    pages = 1 + len(COLUMNS) + articles
    untagged = sum(1 for c in COLUMNS if c.column_type is None)
    without_pubdate = articles - sum(len(c.ages) for c in COLUMNS if c.date_on == "pubdate")
    assert got == {
        "meta_SiteDomain": (articles, pages, articles),
        "bad_site_id": (1, pages, 1),
        "meta_ColumnName": (untagged, len(COLUMNS), untagged),
        "meta_ColumnType": (untagged, len(COLUMNS), untagged),
        "meta_ColumnDescription": (len(COLUMNS), len(COLUMNS), len(COLUMNS)),
        "meta_ColumnKeywords": (len(COLUMNS), len(COLUMNS), len(COLUMNS)),
        "meta_PubDate": (without_pubdate, articles, without_pubdate),
        "meta_ContentSource": (articles, articles, articles),
        "footer_conac": (articles, articles + 1, articles),
    }
    [bad] = [f for f in crawled["rows"] if f["category"] == "bad_site_id"]
    assert [_path(p) for p in bad["pages"]] == ["/other/fresh/"] and bad["detail"]["values"] == ["12345"]


def test_findings_listed_with_chinese_labels(crawled):
    proc = run_cli("findings", "--db", str(crawled["db"]), "--kind", "stale_column", check_exit=0)
    assert "栏目不更新" in proc.stdout and "超期未更新" in proc.stdout and "临近更新期限" in proc.stdout
    assert "stale_column" not in proc.stdout


def test_second_night_keeps_keys_rectifies_fresh_columns_and_finds_backdating(serve, tmp_path):
    db, cfg = tmp_path / "duwang.db", tmp_path / "duwang.toml"
    server = serve(build_routes())
    cfg.write_text(config(server.url, str(db)), encoding="utf-8")
    crawl(cfg)
    first = {(f["kind"], f["category"], f["text"]): f["id"] for f in inspection(db)}
    # The next night: 部门动态 publishes (dated yesterday: fresh again); 工作动态 gets an item
    # dated ten days back that was not on its list last night (backdated), and one dated
    # yesterday (not backdated: within a day of the last reading).
    new = {"news/stale/": [(1, "list")], "news/fresh/": [(10, "pubdate"), (1, "pubdate")]}
    for path, reply in build_routes(new).items():
        server.add_route(path, reply)
    crawl(cfg)
    rows = {(f["kind"], f["category"], f["text"]): f for f in inspection(db)}
    stale = rows[("stale_column", "stale", "部门动态")]
    assert stale["status"] == "rectified"
    assert rows[("stale_column", "stale", "区情概况")]["status"] == "open"
    # The same findings, not new ones each night.
    assert {k: f["id"] for k, f in rows.items() if k in first} == first
    backdated = [f for f in rows.values() if f["kind"] == "backdated"]
    assert [(f["text"], f["status"], f["detail"]["date"]) for f in backdated] == [
        ("工作动态n0号信息", "open", "2024-06-20")]
    assert [_path(p) for p in backdated[0]["pages"]] == ["/news/fresh/", "/news/fresh/n0.html"]
    con = sqlite3.connect(db)
    [(evidence,)] = con.execute(
        "SELECT evidence FROM events WHERE finding_id = ? AND to_status = 'rectified'", [stale["id"]]
    ).fetchall()
    con.close()
    assert evidence == "read"


@pytest.mark.parametrize("entry, line, message", [
    ('prefix = "http://127.0.0.1/a/"\nwindow_days = -3', 7,
     "site[1].column[1].window_days: must be a positive whole number of days, got -3"),
    ('prefix = "http://127.0.0.1/a/"\ntype = "weekly"', 7,
     "site[1].column[1].type: unknown column type 'weekly'"),
    ('name = "x"', 5, "site[1].column[1].prefix: missing or empty"),
    ('prefix = "http://127.0.0.1/a/"\nwindow = 3', 7, "site[1].column[1].window: unknown key"),
])
def test_bad_column_config_names_file_line_and_key(tmp_path, entry, line, message):
    cfg = tmp_path / "duwang.toml"
    cfg.write_text('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n\n[[site.column]]\n'
                   f"{entry}\n", encoding="utf-8")
    proc = run_cli("crawl", "--config", str(cfg), "--db", str(tmp_path / "d.db"), check_exit=2)
    [said] = proc.stderr.strip().splitlines()
    assert said.startswith(f"duwang crawl: error: {cfg}:{line}: ") and message in said


def test_negative_warn_days_is_refused(tmp_path):
    cfg = tmp_path / "duwang.toml"
    cfg.write_text('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\nwarn_days = -1\n',
                   encoding="utf-8")
    proc = run_cli("crawl", "--config", str(cfg), "--db", str(tmp_path / "d.db"), check_exit=2)
    assert f"{cfg}:4: site[1].warn_days: must be a whole number of days (0 or more), got -1" in proc.stderr


def test_veto_items_for_the_scorecard(crawled):
    """The scorecard's source: each veto item's state and figures from the open findings."""
    from crawler.inspection.vetoes import veto_items
    from crawler.store import open_db

    db = open_db(crawled["db"])
    try:
        items = {v.code: (v.state, v.count, v.warnings, v.line) for v in veto_items(db, "测试区")}
    finally:
        db.close()
    assert items == {
        # news/stale, notice/stale, nodate (no date: not updated) over; news/near, notice/near near
        "stale_columns": ("warning", 3, 2, 5),
        "long_stale_columns": ("warning", 1, 1, 10),  # other/stale over, other/near near
        "empty_columns": ("ok", 1, 0, 5),
        "stale_home": ("failing", 1, 0, 1),
        "backdated": ("ok", 0, 0, 1),
    }


def test_recheck_leaves_inspection_findings_to_the_next_crawl(crawled, tmp_path):
    """A recheck reads pages one by one: it cannot tell a column fresh, so it changes nothing."""
    import shutil

    from crawler.recheck import UNREACHABLE, recheck
    from crawler.store import open_db

    copy = tmp_path / "copy.db"
    shutil.copy(crawled["db"], copy)
    [stale] = [f for f in crawled["rows"] if f["text"] == "部门动态"]
    db = open_db(copy)
    try:
        [result] = recheck(db, [stale["id"]], actor="tester")
        status = db["findings"].get(stale["id"])["status"]
    finally:
        db.close()
    assert result.result == UNREACHABLE and status == "open"
    assert result.pages[0].detail == "此类问题由下一次完整巡检复核"
