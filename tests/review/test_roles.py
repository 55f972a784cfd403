"""Roles in the review app (Flask's test client): the web office sees and decides everything;
a department sees, exports and reports only the findings on its own pages."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from crawler.review.accounts import AccountError, add_user, list_users
from crawler.review.app import create_app
from crawler.review.export import HEADERS
from crawler.store import feedback
from crawler.store.sites import SiteInfo, save_site
from tests.conftest import run_cli
from tests.review.builders import CSRF_TOKEN as _TOKEN
from tests.review.builders import DEAD, HOME, SITE, A, B, crawl, finding_id, hit, status_of
from tests.review.builders import signed_in as _client

NEWS = "区融媒体中心"
OFFICE = "区政府办公室"
OTHER = hit(text="迫不急待", suggestion="迫不及待", context="企业迫不急待地签约", key="other")


@pytest.fixture
def db(fresh_db):
    save_site(fresh_db, SiteInfo(SITE, [HOME], departments={"www.x.gov.cn/xwzx/": NEWS,
                                                            "www.x.gov.cn/tzgg/": OFFICE}))
    crawl(fresh_db, {HOME: [A, B, DEAD], A: [], B: []}, dead={DEAD}, hits={A: [hit()], B: [OTHER]})
    add_user(fresh_db, "网办王", "correct horse")
    add_user(fresh_db, "办公室李", "correct horse", role="department", department=OFFICE)
    return fresh_db


@pytest.fixture
def app(db, db_path):
    app = create_app(db_path, login_required=True)
    app.testing = True
    return app


def token(c, path="/list"):
    return _TOKEN.search(c.get(path).get_data(as_text=True)).group(1)


def test_a_department_sees_only_its_own(app, db):
    c = _client(app, "办公室李")
    assert c.get("/").headers["Location"] == "/list"  # no overview: its own list
    html = c.get("/list?kind=wording").get_data(as_text=True)
    assert "迫不急待" in html and "再接再励" not in html  # B is the office's, A the newsroom's
    assert 'name="department"' not in html and "本单位整改清单" in html
    assert c.get("/list?kind=wording&department=" + NEWS).get_data(as_text=True).count("再接再励") == 0
    assert c.get(f"/finding/{finding_id(db, text='再接再励')}").status_code == 404
    assert c.get(f"/finding/{finding_id(db, text='迫不急待')}").status_code == 200
    for path in ("/whitelist", "/report/annual/2026", "/overview/trend.svg"):
        assert c.get(path).status_code == 403, path


def test_a_department_exports_only_its_sheet(app):
    c = _client(app, "办公室李")
    r = c.get("/export.xlsx?kind=all&by_department=1")  # no sheets of other departments
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["整改清单"]
    rows = list(wb.active.iter_rows(min_row=3, values_only=True))
    assert {row[HEADERS.index("责任单位")] for row in rows} == {OFFICE}
    assert [row[HEADERS.index("所在页面")] for row in rows] == [B]
    assert "%E5%8C%BA%E6%94%BF%E5%BA%9C%E5%8A%9E%E5%85%AC%E5%AE%A4" in r.headers["Content-Disposition"]


def test_a_department_reports_and_cannot_decide(app, db):
    c = _client(app, "办公室李")
    mine, theirs = finding_id(db, text="迫不急待"), finding_id(db, text="再接再励")
    tok = token(c)
    for path in ("/mark", "/accept", "/reject", "/confirm"):
        r = c.post(path, data={"ids": mine, "status": "ignored", "note": "x", "csrf_token": tok})
        assert r.status_code == 403, path
    assert c.post("/feedback", data={"ids": theirs, "note": "改了", "csrf_token": tok}).status_code == 404
    r = c.post("/feedback", data={"ids": mine, "note": "", "csrf_token": tok, "next": "/list"})
    assert "请填写整改说明" in c.get("/list").get_data(as_text=True)
    r = c.post("/feedback", data={"ids": mine, "note": "已更正", "csrf_token": tok, "next": "/list"})
    assert r.status_code == 303 and feedback.waiting_ids(db) == {mine} and status_of(db, mine) == "open"
    assert "已反馈整改，待复核" in c.get("/list?kind=wording").get_data(as_text=True)


def test_the_web_office_accepts_or_sends_back(app, db):
    mine = finding_id(db, text="迫不急待")
    feedback.report_fixed(db, [mine], actor="办公室李", department=OFFICE, note="已更正")
    c = _client(app, "网办王")
    waiting = c.get("/list?kind=wording&queue=waiting").get_data(as_text=True)
    assert 'id="queue-waiting"' in waiting and f'data-id="{mine}"' in waiting
    assert 'id="bulk-accept"' in waiting
    tok = token(c)
    c.post("/reject", data={"ids": mine, "note": "", "csrf_token": tok})
    assert "请填写复核不通过的原因" in c.get("/list").get_data(as_text=True)
    c.post("/reject", data={"ids": mine, "note": "标题里还有", "csrf_token": tok})
    d = _client(app, "办公室李")
    assert "复核不通过：标题里还有" in d.get("/list?kind=wording").get_data(as_text=True)
    assert "复核不通过：标题里还有" in d.get("/list?kind=wording&queue=returned").get_data(as_text=True)
    d.post("/feedback", data={"ids": mine, "note": "都改了", "csrf_token": token(d)})
    c.post(f"/accept?one={mine}", data={"csrf_token": tok})
    assert status_of(db, mine) == "rectified"
    detail = c.get(f"/finding/{mine}").get_data(as_text=True)
    for step in ("反馈已整改", "复核不通过，退回", "标题里还有", "待整改 → 已整改", "复核通过"):
        assert step in detail, step


def test_a_site_wide_whitelist_asks_first(app, db):
    c = _client(app, "网办王")
    fid = finding_id(db, text="迫不急待")
    form = {"ids": fid, "status": "false_positive", "whitelist": "everywhere", "note": "专名",
            "csrf_token": token(c), "next": "/list"}
    page = c.post("/mark", data=form).get_data(as_text=True)
    assert "确认加入全站白名单" in page and status_of(db, fid) == "open"
    assert c.post("/mark", data={**form, "confirmed": "1"}).status_code == 303
    assert status_of(db, fid) == "false_positive"
    listing = c.get("/whitelist").get_data(as_text=True)
    assert "迫不急待" in listing and "全站所有页面" in listing and "网办王" in listing
    entry = db.execute("SELECT id FROM whitelist").fetchone()[0]
    c.post(f"/whitelist/{entry}/revoke", data={"csrf_token": token(c, "/whitelist"), "next": "/whitelist"})
    assert db.execute("SELECT revoked_by FROM whitelist").fetchone()[0] == "网办王"


def test_a_row_button_does_not_take_the_bulk_note(app, db):
    c = _client(app, "网办王")
    fid = finding_id(db, kind="dead_link")
    c.post(f"/mark?one={fid}&to=rectified", data={"csrf_token": token(c), "note": "给别的行写的",
                                                   "whitelist": "everywhere"})
    assert db.execute("SELECT note FROM events WHERE finding_id = ?", [fid]).fetchone()[0] == ""


def test_the_list_keeps_its_filters_on_the_detail_page(app, db):
    c = _client(app, "网办王")
    back = "/list?kind=wording&status=open"
    html = c.get(back).get_data(as_text=True)
    first, second = (int(x) for x in re.findall(r'<tr data-id="(\d+)"', html)[:2])
    detail = c.get(f"/finding/{first}", query_string={"back": back}).get_data(as_text=True)
    assert f'href="{back}"'.replace("&", "&amp;") in detail and 'id="next"' in detail
    assert 'id="prev"' not in detail and f"/finding/{second}?back=" in detail
    assert 'id="back-to-list" href="/list?kind=wording"' in c.get(
        f"/finding/{first}?back=//evil.example/list").get_data(as_text=True)


def test_accounts_have_roles(db):
    with pytest.raises(AccountError, match="needs --department"):
        add_user(db, "x1", "correct horse", role="department")
    with pytest.raises(AccountError, match="known: 区政府办公室, 区融媒体中心"):
        add_user(db, "x2", "correct horse", role="department", department="区司法局")
    with pytest.raises(AccountError, match="only with --role department"):
        add_user(db, "x3", "correct horse", department=OFFICE)
    assert [(a.name, a.role, a.department) for a in list_users(db)] == [
        ("办公室李", "department", OFFICE), ("网办王", "admin", None)]


def test_user_add_with_a_role_from_the_cli(db, db_path):
    proc = run_cli("user", "add", "新闻张", "--role", "department", "--department", NEWS, "--password-stdin",
                   "--db", str(db_path), stdin_file=_stdin(db_path, "long enough\n"), check_exit=0)
    assert "账号 新闻张（区融媒体中心）已创建" in proc.stdout
    listed = run_cli("user", "list", "--db", str(db_path), check_exit=0).stdout.splitlines()
    assert "新闻张\t责任单位\t区融媒体中心" in listed
    bad = run_cli("user", "add", "某人", "--role", "department", "--department", "区司法局",
                  "--password-stdin", "--db", str(db_path), stdin_file=_stdin(db_path, "long enough\n"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "区司法局" in bad.stderr


def _stdin(db_path, text):
    path = db_path.parent / "password.txt"
    path.write_text(text, encoding="utf-8")
    return path
