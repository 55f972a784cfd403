"""Done-when of the reports: crawl, fix some pages, crawl again; the report counts exactly those fixes."""

from __future__ import annotations

import json
from datetime import date

from crawler.demo.server import Reply
from tests.conftest import run_cli
from tests.portal_site import page

FAST = ["--timeout", "2", "--concurrency", "8"]


def test_monthly_and_annual_reports_count_the_fixes_of_a_recrawl(serve, db_path):
    def routes(home_links: str, text: str) -> dict:
        return {
            "/": Reply(body=page("首页", home_links, footer=False)),
            "/a.html": Reply(body=page("甲", text, footer=False)),
        }

    broken = '<a href="/a.html">甲</a> <a href="/x.html">坏一</a> <a href="/y.html">坏二</a>'
    text = "<p>各部门要再接再励。</p><p>软件按装完毕。</p><p>企业迫不急待地签约入驻。</p>"
    portal = serve(routes(broken, text))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    # Staff fix one dead link and two of the three typos.
    for key, route in routes('<a href="/a.html">甲</a> <a href="/y.html">坏二</a>',
                             text.replace("再接再励", "再接再厉").replace("按装", "安装")).items():
        portal.add_route(key, route)
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)

    month = date.today().strftime("%Y-%m")
    proc = run_cli("report", "monthly", "--month", month, "--db", str(db_path), "--format", "json",
                   "-o", "-", check_exit=0)
    report = json.loads(proc.stdout)
    head = report["headline"]
    assert (head["dead_links_found"], head["dead_links_cleared"]) == (2, 1)
    assert (head["wording_found"], head["wording_rectified"]) == (3, 2)
    assert report["totals"]["rectified_machine"] == 3 and report["totals"]["rectified_staff"] == 0
    assert report["runs"]["complete"] == 2

    year = str(date.today().year)
    proc = run_cli("report", "annual", "--year", year, "--db", str(db_path), "--format", "json", "-o", "-",
                   check_exit=0)
    assert "全年整改错敏词2个，清除错链、死链1条" in proc.stdout


def test_report_groups_by_the_departments_the_crawl_saved(serve, db_path, tmp_path):
    portal = serve({"/": Reply(body=page("首页", '<a href="/jyj/x.html">教育局坏链</a>', footer=False))})
    config = tmp_path / "duwang.toml"
    config.write_text(f"""
db = "{db_path}"
[[site]]
name = "区政府"
start_urls = ["{portal.url}"]
concurrency = 8
[site.departments]
"{portal.url}" = "区政府办公室"
""", encoding="utf-8")
    run_cli("crawl", "--config", str(config), check_exit=1)
    proc = run_cli("report", "monthly", "--db", str(db_path), "--format", "json", "-o", "-", check_exit=0)
    depts = {row["department"] for row in json.loads(proc.stdout)["by_department"]}
    assert depts == {"区政府办公室"}
