"""The review app through Flask's test client: login, CSRF, escaping, filters, export."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from openpyxl import load_workbook

from crawler.review.accounts import AccountError, add_user, verify_user
from crawler.review.app import create_app
from crawler.review.export import HEADERS
from crawler.review.server import ServeError, build_server, is_loopback
from crawler.store.sites import SiteInfo, save_site
from tests.review.builders import DEAD, HOME, SITE, A, B, crawl, events, finding_id, hit, status_of

HOSTILE = hit(context="<script>alert(1)</script>再接再励", key="hostile")
FORMULA = hit(text="非盈利", suggestion="非营利", context='=HYPERLINK("http://evil")非盈利', key="formula")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def db(fresh_db):
    save_site(fresh_db, SiteInfo(SITE, [HOME], columns={ROOT_XW: "新闻中心"},
                                 departments={ROOT_XW: "区融媒体中心", ROOT_TZ: "区政府办公室"}))
    crawl(fresh_db, {HOME: [A, B, DEAD], A: [], B: []}, dead={DEAD},
          hits={A: [hit()], B: [hit(), HOSTILE, FORMULA]})
    return fresh_db


ROOT_XW = "www.x.gov.cn/xwzx/"
ROOT_TZ = "http://www.x.gov.cn/tzgg/"


@pytest.fixture
def client(db, db_path):
    app = create_app(db_path)
    app.testing = True
    return app.test_client()


def token(client, path: str = "/list") -> str:
    return _TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def test_tabs_and_highlight(client, db):
    html = client.get("/list?kind=wording").get_data(as_text=True)
    assert '<mark class="hit">再接再励</mark>' in html
    assert "再接再厉" in html  # the suggestion
    for label in ("错链", "待核实链接", "错敏词", "隐私信息"):
        assert label in html
    links = client.get("/list?kind=dead_link").get_data(as_text=True)
    assert "files/gone.pdf" in links and "首页" in links and "「附件」" in links


def test_crawled_text_is_escaped(client):
    html = client.get("/list?kind=wording").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark class=\"hit\">再接再励</mark>" in html
    r = client.get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        ("q=HYPERLINK", ["非盈利"]),
        ("department=区融媒体中心", ["再接再励"]),  # only the finding on /xwzx/a.html
        ("column=新闻中心", ["再接再励"]),
        ("department=区政府办公室", ["再接再励", "再接再励", "非盈利"]),  # both findings on b.html
        ("category=sensitive", []),
        ("severity=general&since=2000-01-01", ["再接再励", "再接再励", "非盈利"]),
        ("until=2000-01-01", []),
        ("status=rectified", []),
    ],
)
def test_filters(client, query, texts):
    html = client.get("/list?kind=wording&" + query).get_data(as_text=True)
    assert sorted(re.findall(r'<mark class="hit">([^<]*)</mark>', html)) == sorted(texts)


def test_mark_needs_csrf(client, db):
    fid = finding_id(db, kind="dead_link")
    assert client.post("/mark", data={"ids": fid, "status": "rectified"}).status_code == 400
    bad = {"ids": fid, "status": "rectified", "csrf_token": "x"}
    assert client.post("/mark", data=bad).status_code == 400
    assert status_of(db, fid) == "open" and events(db) == []
    r = client.post("/mark", data={"ids": fid, "status": "rectified", "note": "已删",
                                   "csrf_token": token(client), "next": "/list?kind=dead_link"})
    assert r.status_code == 303 and r.headers["Location"] == "/list?kind=dead_link"
    assert status_of(db, fid) == "rectified" and events(db)[-1][2:] == ("open", "rectified", "已删")


def test_csrf_header_and_no_state_change_on_get(client, db):
    fid = finding_id(db, kind="dead_link")
    assert client.get(f"/mark?one={fid}&to=rectified").status_code == 405
    r = client.post(f"/mark?one={fid}&to=ignored", headers={"X-CSRF-Token": token(client)})
    assert r.status_code == 303 and status_of(db, fid) == "ignored"


def test_impossible_transition_is_a_message(client, db):
    fid = finding_id(db, kind="dead_link")
    client.post("/mark", data={"ids": fid, "status": "open", "csrf_token": token(client)})
    html = client.get("/").get_data(as_text=True)
    assert "未能更改状态" in html and "不能改为「待整改」" in html


def test_open_redirect_is_refused(client, db):
    r = client.post("/mark", data={"ids": finding_id(db), "status": "rectified", "csrf_token": token(client),
                                   "next": "//evil.example/"})
    assert r.headers["Location"] == "/"


def test_detail_shows_history(client, db):
    fid = finding_id(db, kind="wording")
    client.post("/mark", data={"ids": fid, "status": "false_positive", "whitelist": "page",
                               "note": "专有名词", "csrf_token": token(client)})
    html = client.get(f"/finding/{fid}").get_data(as_text=True)
    assert "待整改 → 误报" in html and "专有名词" in html and "仅页面" in html
    assert client.get("/finding/9999").status_code == 404
    # An id past SQLite's integers is no finding either, not a server error.
    for huge in ("9" * 30, str(2**63)):
        assert client.get(f"/finding/{huge}").status_code == 404
        assert client.get(f"/finding/{huge}/snapshot").status_code == 404


def test_only_loopback_hosts_without_login(client):
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400


# --- export --------------------------------------------------------------------------------


def test_export_csv(client):
    r = client.get("/export.csv?kind=wording")
    assert r.data.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4"]
    col = {h: HEADERS.index(h) for h in HEADERS}
    assert sorted(row[col["所在页面"]] for row in rows[1:]) == [B, B, B, A]  # 3 findings: 2 pages, 1 and 1
    formula = next(row for row in rows if "非盈利" in row[col["问题内容"]])
    assert formula[col["问题内容"]].startswith("非盈利") and formula[col["建议修改"]] == "非营利"
    assert formula[col["问题链接"]] == f"http://localhost/finding/{formula[col['编号']]}"


def test_export_xlsx_one_row_per_page(client):
    r = client.get("/export.xlsx?kind=wording&q=再接再励")
    ws = load_workbook(io.BytesIO(r.data)).active
    title, header, *rows = list(ws.iter_rows(values_only=True))
    assert title[0].startswith("整改清单 · www.x.gov.cn · 错敏词 · 导出于 ")
    assert list(header) == HEADERS and ws.auto_filter.ref == f"A2:O{len(rows) + 2}"
    col = {h: HEADERS.index(h) for h in HEADERS}
    assert sorted(row[col["所在页面"]] for row in rows) == [B, B, A]
    assert {(row[col["所在页面"]], row[col["责任单位"]], row[col["栏目"]]) for row in rows} == {
        (A, "区融媒体中心", "新闻中心"), (B, "区政府办公室", "未分配")}
    first = rows[0]
    assert (first[col["问题类型"]], first[col["建议修改"]], first[col["状态"]], first[col["严重程度"]]) == (
        "错敏词（错别字）", "再接再厉", "待整改", "一般错误")
    assert isinstance(first[col["编号"]], int) and not first[col["首页"]]
    url = f"http://localhost/finding/{first[col['编号']]}"
    assert first[col["问题链接"]] == f'=HYPERLINK("{url}","{url}")'  # a link Excel and WPS follow
    assert ws.cell(3, len(HEADERS)).data_type == "f"
    name = r.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in name and "zhenggai-qingdan-wording-" in name


def test_export_by_department_and_formula_guard(client, db):
    evil = '=HYPERLINK("http://evil.example/","点我")'
    db["pages"].update(B, {"title": evil})  # a crawled page title is hostile input
    r = client.get("/export.xlsx?kind=all&by_department=1")
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["区政府办公室", "区融媒体中心", "未分配"]
    page = HEADERS.index("所在页面")
    # the dead link
    assert [row[page] for row in wb["未分配"].iter_rows(min_row=3, values_only=True)] == [HOME]
    hostile = [c for row in wb["区政府办公室"].iter_rows(min_row=3) for c in row if c.value == evil]
    assert hostile and all(c.data_type == "s" for c in hostile)  # stored as text, never a formula
    csv_text = client.get("/export.csv?kind=all").data.decode("utf-8-sig")
    assert "'" + evil.replace('"', '""') in csv_text and f",{evil}" not in csv_text


def test_csv_formula_guard():
    from crawler.review.export import _csv_safe

    assert _csv_safe('=HYPERLINK("x")') == "'=HYPERLINK(\"x\")" and _csv_safe("正常") == "正常"


# --- login on a non-loopback binding ----------------------------------------------------------


@pytest.fixture
def login_app(db, db_path):
    add_user(db, "zhang", "correct horse")
    app = create_app(db_path, login_required=True, session_hours=1 / 3600)  # one second
    app.testing = True
    return app


def _login(c, password="correct horse"):
    return c.post("/login?next=/list%3Fkind%3Ddead_link", data={
        "name": "zhang", "password": password, "csrf_token": token(c, "/login")})


def test_login_required(login_app, db):
    c = login_app.test_client()
    r = c.get("/list?kind=wording")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert c.get("/export.csv").status_code == 302
    form = {"ids": 1, "status": "rectified", "csrf_token": token(c, "/login")}
    assert c.post("/mark", data=form).status_code == 403
    assert _login(c, "wrong password").status_code == 401
    r = _login(c)
    assert r.status_code == 302 and r.headers["Location"] == "/list?kind=dead_link"
    fid = finding_id(db, kind="dead_link")
    c.post("/mark", data={"ids": fid, "status": "rectified", "csrf_token": token(c)})
    assert events(db)[-1][1] == "zhang"  # the signed-in user is the actor
    # Any Host name is served (behind a login): the address is the operator's choice.
    assert login_app.test_client().get("/", headers={"Host": "review.example.gov.cn"}).status_code == 302


def test_session_expires(db, db_path):
    app = create_app(db_path, login_required=True, session_hours=3 / 3600)  # three seconds
    add_user(db, "zhang", "correct horse")
    c = app.test_client()
    _login(c)
    logged_in = time.monotonic()
    assert c.get("/").status_code == 200
    time.sleep(max(0.0, 3.2 - (time.monotonic() - logged_in)))
    assert c.get("/").status_code == 302


def test_session_survives_a_restart(login_app, db_path):
    c = login_app.test_client()
    _login(c)
    again = create_app(db_path, login_required=True)
    c2 = again.test_client()
    c2.set_cookie("duwang_review", c.get_cookie("duwang_review").value)
    assert c2.get("/").status_code == 200  # the same key, read from the database


def test_accounts(db):
    add_user(db, "li", "12345678")
    assert verify_user(db, "li", "12345678")
    assert not verify_user(db, "li", "x") and not verify_user(db, "no", "x")
    assert db["users"].get("li")["password_hash"].startswith(("scrypt:", "pbkdf2:"))
    with pytest.raises(AccountError, match="exists"):
        add_user(db, "li", "12345678")
    with pytest.raises(AccountError, match="at least"):
        add_user(db, "wu", "short")
    with pytest.raises(AccountError, match="bad user name"):
        add_user(db, "machine", "12345678")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.10", False), ("review.example.gov.cn", False), ("::", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_no_account_no_public_binding(db, db_path):
    with pytest.raises(ServeError, match="duwang user add"):
        build_server(db_path, "0.0.0.0", 0)  # refused before anything is bound


def test_all_kinds_is_for_exports_only(client):
    page = client.get("/list?kind=all").data.decode()
    assert ">None<" not in page and "再接再励" in page  # the default tab, not a mixed table


PAGE_A = """<html><head><title>新闻</title><script>alert(1)</script></head>
<body onload="alert(2)"><p>让我们再接再励，共创佳绩</p><img src="/a.png" onerror="alert(3)"></body></html>"""


@pytest.fixture
def snap_client(fresh_db, db_path):
    crawl(fresh_db, {HOME: [A, DEAD], A: []}, dead={DEAD}, hits={A: [hit()]}, html={A: PAGE_A})
    app = create_app(db_path)
    app.testing = True
    return app.test_client()


def test_snapshot_is_sandboxed_and_marks_the_word(snap_client, fresh_db):
    wid = finding_id(fresh_db, kind="wording")
    detail = snap_client.get(f"/finding/{wid}").get_data(as_text=True)
    href = re.search(r'href="([^"]+/snapshot\?page=[^"]+)"', detail).group(1).replace("&amp;", "&")
    resp = snap_client.get(href)
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "script-src" not in csp and "default-src 'none'" in csp
    page = resp.get_data(as_text=True)
    assert '<mark class="duwang-hit"' in page and ">再接再励</mark>" in page
    assert "<script" not in page and "onload" not in page and "onerror" not in page
    assert f'<base href="{A}"' in page  # relative images load from the page's own site


def test_snapshot_only_for_a_findings_own_text_pages(snap_client, fresh_db):
    wid = finding_id(fresh_db, kind="wording")
    assert snap_client.get(f"/finding/{wid}/snapshot", query_string={"page": HOME}).status_code == 404
    dead = finding_id(fresh_db, kind="dead_link")
    assert snap_client.get(f"/finding/{dead}/snapshot", query_string={"page": HOME}).status_code == 404
    assert snap_client.get("/finding/999/snapshot", query_string={"page": A}).status_code == 404


def test_findings_not_verified_this_run_are_marked_and_counted(client, db):
    # The next night reads the home page and A, but not B (it could not be fetched).
    crawl(db, {HOME: [A, B, DEAD], A: []}, dead={DEAD}, hits={A: [hit()]})
    html = client.get("/list?kind=wording").get_data(as_text=True)
    assert 'id="unverified-count">2<' in html  # HOSTILE and FORMULA, both only on B
    assert html.count('class="unverified" title=') == 2
    assert status_of(db, finding_id(db, text="再接再励")) == "open"
    detail = client.get(f"/finding/{finding_id(db, text='非盈利')}").get_data(as_text=True)
    assert "本次未核实" in detail


def test_suspects_have_their_own_filter_and_a_confirm_button(client, db):
    db.execute("UPDATE findings SET severity = 'suspect' WHERE text = '非盈利'")
    sid = finding_id(db, text="非盈利")
    html = client.get("/list?kind=wording").get_data(as_text=True)
    assert 'id="suspect-tab"' in html and "疑似错误（待确认）" in html
    only = client.get("/list?kind=wording&severity=suspect").get_data(as_text=True)
    assert only.count('class="quick-confirm"') == 1
    resp = client.post(f"/confirm?one={sid}", data={"csrf_token": token(client), "next": "/"})
    assert resp.status_code == 303
    assert db.execute("SELECT confirmed_by FROM findings WHERE id = ?", [sid]).fetchone()[0]
    assert 'id="suspect-tab"' not in client.get("/list?kind=wording").get_data(as_text=True)
    assert "确认为错误" in client.get(f"/finding/{sid}").get_data(as_text=True)
