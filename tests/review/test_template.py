"""Template (公共区域) findings: a footer typo and a nav dead link on every page of a 20-page
site with two departments are each one finding, owned by the template owner (网站管理单位),
one export row with 涉及 20 页, and absent from the other departments' lists and sheets; a
typo on one department's page stays that department's."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlite_utils import Database

from crawler.config import CrawlConfig
from crawler.demo.server import Reply
from crawler.report import build_report
from crawler.report.periods import parse_year, today
from crawler.review.accounts import add_user
from crawler.review.app import create_app
from crawler.review.export import HEADERS, rows_of
from crawler.review.listing import Filters, select
from crawler.runner import build_settings, options_from_config
from crawler.siteconfig import load_config
from crawler.store.sites import SiteInfo, save_site
from crawler.store.template import DEFAULT_OWNER, is_template, template_findings
from tests.conftest import run_cli
from tests.portal_site import page
from tests.review.builders import DEAD, HOME, ROOT, SITE, crawl, hit
from tests.review.builders import signed_in as _client

NEWS = "区融媒体中心"
OFFICE = "区政府办公室"
NEWS_PAGES = [ROOT + f"xwzx/{n}.html" for n in range(9)]
OFFICE_PAGES = [ROOT + f"tzgg/{n}.html" for n in range(10)]
PAGES = [HOME, *NEWS_PAGES, *OFFICE_PAGES]
FOOTER = hit(text="版权所以", suggestion="版权所有", context="版权所以：示范区人民政府", key="footer")
LOCAL = hit(text="再接再励", suggestion="再接再厉", context="让我们再接再励，共创佳绩", key="local")


@pytest.fixture
def db(fresh_db):
    save_site(fresh_db, SiteInfo(SITE, [HOME], departments={"www.x.gov.cn/xwzx/": NEWS,
                                                            "www.x.gov.cn/tzgg/": OFFICE}))
    hits = {url: [FOOTER] for url in PAGES}
    hits[NEWS_PAGES[0]] = [FOOTER, LOCAL]
    crawl(fresh_db, {url: [DEAD] for url in PAGES}, dead={DEAD}, hits=hits)
    for name, dept in (("新闻张", NEWS), ("办公室李", OFFICE), ("网管赵", DEFAULT_OWNER)):
        add_user(fresh_db, name, "correct horse", role="department", department=dept)
    add_user(fresh_db, "网办王", "correct horse")
    return fresh_db


@pytest.fixture
def app(db, db_path):
    app = create_app(db_path, login_required=True)
    app.testing = True
    return app


def _ids(db):
    def one(sql):
        return db.execute(sql).fetchone()[0]
    return (one("SELECT id FROM findings WHERE text = '版权所以'"),
            one("SELECT id FROM findings WHERE kind = 'dead_link'"),
            one("SELECT id FROM findings WHERE text = '再接再励'"))


@pytest.mark.parametrize(("pages", "site_pages", "expected"), [
    (20, 20, True), (10, 20, True), (9, 20, False), (4, 4, False), (5, 5, True), (5, None, False),
])
def test_the_rule(pages, site_pages, expected):
    assert is_template(pages, site_pages) is expected


def test_one_finding_each_owned_by_the_template_owner(db):
    footer, nav, local = _ids(db)
    assert db.execute("SELECT count(*) FROM findings").fetchone()[0] == 3
    assert template_findings(db) == {footer: 20, nav: 20}
    rows = {r["id"]: r for r in select(db, Filters(kind="all"))}
    assert rows[footer]["template"] and rows[footer]["template_label"] == "公共区域（涉及 20 页）"
    assert {p["department"] for p in rows[nav]["shown"]} == {DEFAULT_OWNER}
    assert not rows[local]["template"] and [p["department"] for p in rows[local]["shown"]] == [NEWS]
    assert {r["id"] for r in select(db, Filters(kind="all"), own=NEWS)} == {local}
    assert select(db, Filters(kind="all"), own=OFFICE) == []
    assert {r["id"] for r in select(db, Filters(kind="all"), own=DEFAULT_OWNER)} == {footer, nav}


def test_a_site_without_a_complete_run_has_no_template_findings(fresh_db):
    crawl(fresh_db, {url: [] for url in PAGES}, hits={url: [FOOTER] for url in PAGES}, complete=False)
    assert template_findings(fresh_db) == {}


def test_the_export_has_one_row_per_template_finding(app, db):
    footer, nav, local = _ids(db)
    c = _client(app, "网办王")
    wb = load_workbook(io.BytesIO(c.get("/export.xlsx?kind=all&status=&by_department=1").data))
    assert sorted(wb.sheetnames) == sorted([NEWS, DEFAULT_OWNER])
    rows = [r for ws in wb for r in ws.iter_rows(min_row=3, values_only=True)]
    by_id = {}
    for r in rows:
        by_id.setdefault(r[HEADERS.index("编号")], []).append(r)
    assert sorted(len(v) for v in by_id.values()) == [1, 1, 1]
    for fid in (footer, nav):
        row = by_id[fid][0]
        assert row[HEADERS.index("所在页面")].startswith("涉及 20 页：\n" + HOME)
        assert row[HEADERS.index("所在页面")].count("http://") == 5
        assert row[HEADERS.index("责任单位")] == DEFAULT_OWNER and row[HEADERS.index("栏目")] == "公共区域"
    assert by_id[local][0][HEADERS.index("责任单位")] == NEWS
    assert by_id[local][0][HEADERS.index("所在页面")] == NEWS_PAGES[0]


def test_departments_see_only_their_own(app, db):
    footer, nav, local = _ids(db)
    news = _client(app, "新闻张")
    html = news.get("/list?kind=wording").get_data(as_text=True)
    assert "再接再励" in html and "版权所以" not in html
    assert news.get(f"/finding/{footer}").status_code == 404
    assert "gone.pdf" not in news.get("/list?kind=dead_link").get_data(as_text=True)
    wb = load_workbook(io.BytesIO(news.get("/export.xlsx?kind=all").data))
    assert [r[HEADERS.index("编号")] for r in wb.active.iter_rows(min_row=3, values_only=True)] == [local]
    office = _client(app, "办公室李")
    assert "版权所以" not in office.get("/list?kind=wording").get_data(as_text=True)
    owner = _client(app, "网管赵")
    html = owner.get("/list?kind=wording").get_data(as_text=True)
    assert "版权所以" in html and "公共区域（涉及 20 页）" in html and "再接再励" not in html
    assert owner.get(f"/finding/{nav}").status_code == 200
    admin = _client(app, "网办王").get("/list?kind=dead_link").get_data(as_text=True)
    assert "公共区域（涉及 20 页）" in admin


def test_reports_count_a_template_finding_once_for_its_owner(db):
    report = build_report(db, parse_year(today()[:4]))
    found = {r["department"]: r["found"] for r in report["by_department"]}
    assert found == {DEFAULT_OWNER: 2, NEWS: 1}
    assert report["totals"]["found"] == 3


def _portal_routes() -> dict:
    """20 pages: the home page, 9 news pages (区融媒体中心), 10 notices (区政府办公室); every
    page has the same nav (with a dead link) and the same footer typo."""
    paths = [f"/xwzx/{n}.html" for n in range(9)] + [f"/tzgg/{n}.html" for n in range(10)]
    nav = ('<div class="nav">' + "".join(f'<a href="{p}">栏目{i}</a>' for i, p in enumerate(paths))
           + '<a href="/nav-missing.html">网站地图</a></div>')
    footer = "<div class='footer'><p>版权所有 测试区人民政府 各部门要再接再励</p></div>"
    routes = {"/": Reply(body=page("测试区人民政府", nav + "<p>欢迎访问。</p>" + footer, footer=False))}
    for i, p in enumerate(paths):
        text = "<p>企业迫不急待地签约。</p>" if i == 0 else "<p>区政府召开常务会议。</p>"
        routes[p] = Reply(body=page(f"页面{i}", nav + text + footer, footer=False))
    return routes


def test_a_crawled_portal_reports_its_template_once(serve, db_path, tmp_path):
    portal = serve(_portal_routes())
    config = tmp_path / "duwang.toml"
    config.write_text(f"""
db = "{db_path}"
[[site]]
name = "测试区"
start_urls = ["{portal.url}"]
concurrency = 8
timeout = 2
[site.departments]
"{portal.url}xwzx/" = "{NEWS}"
"{portal.url}tzgg/" = "{OFFICE}"
""", encoding="utf-8")
    run_cli("crawl", "--config", str(config), check_exit=1)
    db = Database(db_path)
    footer = db.execute("SELECT id FROM findings WHERE text = '再接再励'").fetchone()[0]
    nav = db.execute("SELECT id FROM findings WHERE target LIKE '%nav-missing%'").fetchone()[0]
    local = db.execute("SELECT id FROM findings WHERE text = '迫不急待'").fetchone()[0]
    assert template_findings(db) == {footer: 20, nav: 20}
    rows = {r["id"]: r for r in select(db, Filters(kind="all"))}
    assert {p["department"] for p in rows[footer]["shown"]} == {DEFAULT_OWNER}
    assert [p["department"] for p in rows[local]["shown"]] == [NEWS]
    assert {r["id"] for r in select(db, Filters(kind="all"), own=NEWS)} == {local}
    assert select(db, Filters(kind="all"), own=OFFICE) == []
    export = rows_of([rows[footer], rows[nav], rows[local]])
    assert [r[HEADERS.index("所在页面") - 1].split("：")[0] for r in export[:2]] == ["涉及 20 页"] * 2
    assert [r[HEADERS.index("责任单位") - 1] for r in export] == [DEFAULT_OWNER, DEFAULT_OWNER, NEWS]


def test_the_template_owner_is_a_site_key(db, tmp_path):
    footer, nav, local = _ids(db)
    save_site(db, SiteInfo(SITE, [HOME], departments={"www.x.gov.cn/xwzx/": NEWS,
                                                      "www.x.gov.cn/tzgg/": OFFICE}, template_owner=OFFICE))
    assert {r["id"] for r in select(db, Filters(kind="all"), own=OFFICE)} == {footer, nav}
    assert select(db, Filters(kind="all"), own=DEFAULT_OWNER) == []
    config = tmp_path / "duwang.toml"
    config.write_text('[[site]]\nname = "区政府"\nstart_urls = ["https://www.x.gov.cn/"]\n'
                      'template_owner = "区信息中心"\n', encoding="utf-8")
    assert load_config(config).sites[0].template_owner == "区信息中心"
    cfg = load_config(config)
    settings = build_settings(options_from_config(cfg, cfg.sites[0]))
    assert CrawlConfig.from_settings(settings).template_owner == "区信息中心"
