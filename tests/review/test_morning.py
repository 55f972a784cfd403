"""The morning review as the web office and a department live it, in headless Chromium.

A real crawl of a loopback portal, the real review server behind a login, real accounts:

1. the web office (admin) opens the overview and sees last night's crawl;
2. a department (区司法局) sees only its own list, reports two fixes and exports its sheet;
3. the web office rechecks: the fix that was made is accepted, the one that was not goes
   back, and so does a finding it had marked fixed itself;
4. the annual sentence counts only the confirmed fix.

Each screen is saved at 1400 px and 390 px under tests/artifacts/morning/ (ignored by git),
and at 390 px nothing may scroll sideways. A last test reads every staff-facing page and
both exports for English words and raw exception text.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from crawler.demo.server import PortalServer, Reply
from crawler.review.accounts import add_user
from crawler.review.app import create_app
from crawler.review.export import HEADERS
from crawler.store import feedback, open_db
from crawler.store.sites import SiteInfo, save_site
from crawler.urls import default_site_name, netloc_key
from tests.conftest import REPO, closed_port, run_cli
from tests.portal_site import page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts" / "morning"
WIDTHS = (1400, 390)

ADMIN, DEPT, PASSWORD = "网办王", "司法局李", "correct horse"
SFJ, NEWS = "区司法局", "区融媒体中心"
REFUSED = f"http://127.0.0.1:{closed_port()}/"

SFJ1 = page("普法工作动态", "<p>我局再接再励，推进法治政府建设。</p>"
            '<p><a href="/sfj/old.pdf">旧版办事指南</a></p>', footer=False)
SFJ1_FIXED = page("普法工作动态", "<p>我局再接再厉，推进法治政府建设。</p>", footer=False)
SFJ2 = page("律师服务", "<p>各律师事务所迫不急待地开展普法宣传。</p>", footer=False)
NEWS1 = page("本区新闻", f"<p>本区一愁莫展的局面已经改变。</p><p><a href=\"{REFUSED}\">合作单位</a></p>",
             footer=False)
HOME = page("测试区人民政府", '<a href="/sfj/1.html">普法工作动态</a> <a href="/sfj/2.html">律师服务</a> '
            '<a href="/news/1.html">本区新闻</a>', footer=False)


@pytest.fixture(scope="module")
def portal():
    server = PortalServer(routes={
        "/": Reply(body=HOME), "/sfj/1.html": Reply(body=SFJ1), "/sfj/2.html": Reply(body=SFJ2),
        "/news/1.html": Reply(body=NEWS1),
    }).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def db_file(portal, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("morning") / "duwang.db"
    run_cli("crawl", portal.url, "--db", str(path), check_exit=1)
    db = open_db(path)
    host = netloc_key(portal.url)
    save_site(db, SiteInfo(default_site_name(portal.url), [portal.url],
                           columns={f"{host}/sfj/": "普法园地", f"{host}/news/": "本区要闻"},
                           departments={f"{host}/sfj/": SFJ, f"{host}/news/": NEWS}))
    add_user(db, ADMIN, PASSWORD)
    add_user(db, DEPT, PASSWORD, role="department", department=SFJ)
    db.close()
    return path


@pytest.fixture(scope="module")
def app_url(db_file):
    # What `duwang serve --host ADDRESS` serves (login required), bound to loopback for the test.
    server = make_server("127.0.0.1", 0, create_app(db_file, login_required=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def signed_in(browser, app_url):
    contexts = []

    def sign_in(name: str):
        context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                      viewport={"width": WIDTHS[0], "height": 900})
        contexts.append(context)
        p = context.new_page()
        p.dialogs = []
        p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
        p.goto(app_url + "login")
        p.fill("input[name=name]", name)
        p.fill("input[name=password]", PASSWORD)
        p.click("form.login button")
        p.wait_for_load_state()
        return p

    yield sign_in
    for context in contexts:
        context.close()


def shots(p, name: str, *, fits: bool = True) -> None:
    """Save the screen at each width; at 390 px a list or form must not scroll sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        p.set_viewport_size({"width": width, "height": 900})
        p.wait_for_timeout(100)
        p.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        if fits:
            wide = p.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name}: {wide} px wide at {width} px"
    p.set_viewport_size({"width": WIDTHS[0], "height": 900})


def _ids(db_file, text: str) -> int:
    db = open_db(db_file)
    try:
        return db.execute("SELECT id FROM findings WHERE text = ?", [text]).fetchone()[0]
    finally:
        db.close()


def _status(db_file, fid: int) -> str:
    db = open_db(db_file)
    try:
        return db.execute("SELECT status FROM findings WHERE id = ?", [fid]).fetchone()[0]
    finally:
        db.close()


def test_the_morning(signed_in, app_url, db_file, portal):
    fixed, unfixed, newsroom = _ids(db_file, "再接再励"), _ids(db_file, "迫不急待"), _ids(db_file, "一愁莫展")

    # 1. The web office opens the overview and sees last night's crawl.
    admin = signed_in(ADMIN)
    assert admin.url == app_url
    run = admin.locator("#runs .run")
    db = open_db(db_file)
    pages = db.execute("SELECT pages FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    db.close()
    assert run.count() == 1 and "完整" in run.inner_text() and f"读取页面 {pages} 个" in run.inner_text()
    assert re.search(r"开始 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", run.inner_text())  # local time, no ISO
    wording = admin.locator("#open-counts tr[data-kind=wording]")
    assert wording.locator("td.total").inner_text() == "3"
    assert "本次新发现" in admin.locator("#open-counts").inner_text()
    assert admin.locator("#trend img").evaluate("img => img.complete && img.naturalWidth > 0")
    shots(admin, "1-overview")

    # 2. The department sees only its own list.
    dept = signed_in(DEPT)
    assert dept.url.startswith(app_url + "list")
    rows = dept.locator("table.findings tbody tr")
    assert sorted(rows.locator("mark.hit").all_inner_texts()) == ["再接再励", "迫不急待"]
    assert dept.locator("select[name=department]").count() == 0
    assert "本单位整改清单" in dept.locator("header").inner_text()
    dept.click("nav.tabs a[data-kind=dead_link]")
    assert "old.pdf" in dept.locator("table.findings").inner_text()
    assert "127.0.0.1:" + REFUSED.rsplit(":", 1)[1] not in dept.content()  # the newsroom's link
    shots(dept, "2-department-list-links")
    dept.click("nav.tabs a[data-kind=wording]")
    shots(dept, "2-department-list")

    # ... reports both fixed (only one really is), and exports its sheet.
    dept.check(f"tr[data-id='{fixed}'] input[name=ids]")
    dept.check(f"tr[data-id='{unfixed}'] input[name=ids]")
    dept.fill("#feedback-note", "已更正错别字")
    dept.click("#bulk-feedback")
    assert "已反馈 2 个问题已整改" in dept.locator("ul.flash").inner_text()
    assert rows.locator(".waiting").count() == 2
    portal.add_route("/sfj/1.html", Reply(body=SFJ1_FIXED))
    with dept.expect_download() as info:
        dept.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.startswith("整改清单-127.0.0.1-错敏词-区司法局-")
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    title, header, *sheet = list(ws.iter_rows(values_only=True))
    assert "区司法局" in title[0] and list(header) == HEADERS and ws.auto_filter.ref.startswith("A2:")
    col = {h: HEADERS.index(h) for h in HEADERS}
    assert sorted(r[col["编号"]] for r in sheet) == sorted([fixed, unfixed])
    assert {r[col["责任单位"]] for r in sheet} == {SFJ} and {r[col["栏目"]] for r in sheet} == {"普法园地"}
    assert {r[col["整改反馈"]] for r in sheet} == {"已反馈整改，待复核：已更正错别字"}
    assert all(r[col["问题链接"]].startswith(f'=HYPERLINK("{app_url}finding/') for r in sheet)
    dept.click(f"tr[data-id='{unfixed}'] a.detail")
    assert "已反馈整改，等待网站管理单位复核" in dept.locator("main").inner_text()
    shots(dept, "3-department-detail")

    # 3. The web office marks the newsroom's typo fixed (it is not), then rechecks the morning.
    admin.goto(app_url + "list?kind=wording")
    admin.locator(f"tr[data-id='{newsroom}'] button.quick-fix").click()
    assert "已将 1 个问题标记为「已整改」" in admin.locator("ul.flash").inner_text()
    admin.goto(app_url)
    admin.click("#overview-waiting")
    waiting = admin.locator("table.findings tbody tr")
    assert sorted(int(x) for x in waiting.evaluate_all("rs => rs.map(r => r.dataset.id)")) == sorted(
        [fixed, unfixed])
    shots(admin, "4-admin-waiting")
    admin.check("#select-all")
    admin.click("#bulk-recheck")
    flash = admin.locator("ul.flash").inner_text()
    assert "已复核 2 个问题：已整改 1 个，疑似未整改 1 个" in flash, flash
    assert "的整改反馈复核不通过，已退回责任单位" in flash and "的整改反馈复核通过" in flash
    assert (_status(db_file, fixed), _status(db_file, unfixed)) == ("rectified", "open")
    admin.goto(app_url + f"finding/{newsroom}")
    admin.click("#recheck-one")
    assert "整改未通过，已退回「待整改」" in admin.locator("ul.flash").inner_text()
    assert _status(db_file, newsroom) == "open"
    state = admin.locator("dl.facts").inner_text()
    assert "整改未通过：复核发现问题仍在（页面仍有「一愁莫展」）" in state
    assert "整改未通过：整改未通过" not in state
    assert "复核：疑似未整改" not in state  # that recheck belonged to 已整改, not to now
    history = admin.locator("table.history").inner_text()
    assert "待整改 → 已整改" in history and "已整改 → 待整改" in history
    shots(admin, "5-admin-detail")

    # The department sees the one sent back, with the reason.
    dept.goto(app_url + "list?kind=wording")
    returned = dept.locator(f"tr[data-id='{unfixed}'] .returned").inner_text()
    assert returned.startswith("复核不通过：复核发现问题仍在（页面仍有「迫不急待」）")
    assert dept.locator(f"tr[data-id='{fixed}']").count() == 0  # accepted: no longer open
    shots(dept, "6-department-returned")

    # 4. The annual sentence counts only the confirmed fix.
    admin.goto(app_url)
    admin.locator("#reports a.report-annual").first.click()  # this year's, rendered by the UI
    admin.wait_for_load_state()
    assert admin.locator("#sentence .exact").inner_text().startswith("全年整改错敏词1个，")
    shots(admin, "7-annual-report", fits=False)
    admin.click("#back")
    assert admin.url == app_url
    assert admin.dialogs == [] and dept.dialogs == []

    db = open_db(db_file)
    reports = {r["finding_id"]: r["state"] for r in db["feedback"].rows}
    db.close()
    assert reports == {fixed: feedback.ACCEPTED, unfixed: feedback.REJECTED}


def test_a_site_wide_whitelist_entry_is_confirmed_and_listed(signed_in, app_url, db_file):
    admin = signed_in(ADMIN)
    db = open_db(db_file)
    link = db.execute("SELECT id FROM findings WHERE kind = 'dead_link' AND target LIKE ?",
                      [REFUSED + "%"]).fetchone()[0]
    db.close()
    admin.goto(app_url + f"finding/{link}")
    assert admin.locator("dl.facts").inner_text().count("连接被拒绝") == 1
    admin.select_option("form.mark-one select[name=status]", "false_positive")
    admin.select_option("form.mark-one select[name=whitelist]", "everywhere")
    admin.fill("form.mark-one input[name=note]", "合作单位网站，已核实")
    admin.click("#mark-one")
    assert "确认加入全站白名单" in admin.locator("h1").inner_text()
    shots(admin, "8-confirm-whitelist")
    admin.click("#confirm-everywhere")
    assert _status(db_file, link) == "false_positive"
    admin.goto(app_url + "whitelist")
    entry = admin.locator("table.whitelist tbody tr").first
    assert "全站所有页面" in entry.inner_text() and ADMIN in entry.inner_text()
    shots(admin, "9-whitelist")


# --- no English, no raw exception text -----------------------------------------------------

ALLOWED = {"XLSX", "CSV"}  # the export formats, named as staff know them
_URL = re.compile(r"https?://\S+|\b127\.0\.0\.1(?::\d+)?\S*")
_WORD = re.compile(r"[A-Za-z]{2,}")
_TEXT = """() => {
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[title],[placeholder],[alt],[aria-label]')) {
    for (const a of ['title', 'placeholder', 'alt', 'aria-label']) {
      if (el.getAttribute(a)) parts.push(el.getAttribute(a));
    }
  }
  for (const o of document.querySelectorAll('option')) parts.push(o.textContent);
  return parts.join('\\n');
}"""


def _shown(p, html: str) -> str:
    """What a person sees of an answer to a POST: render it in a fresh page of the context."""
    other = p.context.new_page()
    try:
        other.set_content(html)
        return other.evaluate(_TEXT)
    finally:
        other.close()


def english(text: str) -> list[str]:
    return sorted({w for w in _WORD.findall(_URL.sub(" ", text)) if w not in ALLOWED})


def test_no_english_reaches_staff_or_exports(signed_in, app_url, db_file):
    admin, dept = signed_in(ADMIN), signed_in(DEPT)
    db = open_db(db_file)
    ids = [r[0] for r in db.execute("SELECT id FROM findings ORDER BY id").fetchall()]
    link = db.execute("SELECT id FROM findings WHERE target LIKE ?", [REFUSED + "%"]).fetchone()[0]
    raw = db.execute("SELECT error FROM findings WHERE id = ?", [link]).fetchone()[0]
    db.close()
    assert re.search(r"[A-Za-z]{4,}", raw)  # the store keeps the raw error ...
    admin.goto(app_url + f"finding/{link}")
    admin.click("#recheck-one")  # ... and a recheck of a refused link writes "refused"
    tech = admin.locator("details.tech").first
    tech.locator("summary").click()  # the raw text is there, behind 技术详情, for whoever asks
    assert english(tech.inner_text()) and raw in tech.inner_text()
    admin.goto(app_url + "login")  # signed in already: the login form still shows
    admin.fill("input[name=name]", "无此人")
    admin.fill("input[name=password]", "wrong password")
    admin.click("form.login button")
    seen = {"login error": admin.evaluate(_TEXT)}
    admin.goto(app_url)
    seen["overview"] = admin.evaluate(_TEXT)
    for kind in ("dead_link", "unverified_link", "wording", "privacy"):
        for status in ("open", "", "rectified"):
            admin.goto(app_url + f"list?kind={kind}&status={status}")
            seen[f"list {kind} {status}"] = admin.evaluate(_TEXT)
    for fid in ids:
        admin.goto(app_url + f"finding/{fid}")
        seen[f"finding {fid}"] = admin.evaluate(_TEXT)
    admin.goto(app_url + "whitelist?revoked=1")
    seen["whitelist"] = admin.evaluate(_TEXT)
    admin.goto(app_url + "report/annual/2026")
    seen["annual report"] = admin.evaluate(_TEXT)
    for path in ("finding/99999", "no-such-page", "report/annual/abcd"):
        admin.goto(app_url + path)
        seen[path] = admin.evaluate(_TEXT)
    r = admin.request.post(app_url + "mark", form={"ids": str(ids[0]), "status": "ignored"})  # no token
    seen["refused post"] = _shown(admin, r.text())
    admin.goto(app_url + "list")
    admin.click("#bulk-mark")  # nothing ticked: the library's "no finding ids given" in Chinese?
    seen["nothing ticked"] = admin.evaluate(_TEXT)
    assert "请先勾选要处理的问题" in seen["nothing ticked"]
    dept.goto(app_url + "list?kind=dead_link")
    seen["department links"] = dept.evaluate(_TEXT)
    r = dept.request.post(app_url + "whitelist/1/revoke", form={"csrf_token": "x"})
    seen["department refused"] = _shown(dept, r.text())
    for name, text in seen.items():
        assert english(text) == [], (name, english(text))
        assert "Traceback" not in text and "Error" not in text, name

    # The exports, both formats, every kind.
    for fmt in ("xlsx", "csv"):
        response = admin.request.get(app_url + f"export.{fmt}?kind=all&status=&by_department=1")
        assert response.status == 200
        if fmt == "xlsx":
            wb = load_workbook(io.BytesIO(response.body()))
            # 问题链接 is a HYPERLINK formula: staff see the URL it shows, not the function's name.
            cells = [str(c.value).removeprefix("=HYPERLINK(") if c.data_type == "f" else str(c.value)
                     for ws in wb for row in ws.iter_rows() for c in row if c.value]
            assert len(wb.sheetnames) >= 2
        else:
            cells = [c for row in csv.reader(io.StringIO(response.body().decode("utf-8-sig"))) for c in row]
        text = "\n".join(cells)
        assert "连接被拒绝" in text and english(text) == [], (fmt, english(text))
