"""The review UI in headless Chromium, on a database from a real crawl of a loopback portal.

A new user: opens the UI, finds a wrong word in its highlighted context, marks it fixed,
rechecks it, exports the 整改清单, and hostile page text never runs.
"""

from __future__ import annotations

import io
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.demo.server import PortalServer, Reply
from crawler.review.export import HEADERS
from crawler.review.server import build_server
from crawler.store import open_db
from crawler.store.queries import list_findings
from crawler.store.sites import SiteInfo, save_site
from crawler.urls import default_site_name, netloc_key
from tests.conftest import run_cli
from tests.portal_site import page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

FOOT = "<div>让我们再接再励，共创美好未来。</div>"
NEWS2 = page("招商引资成果", "<p>企业迫不急待地签约入驻。</p>" + FOOT, footer=False)
NEWS2_FIXED = page("招商引资成果", "<p>企业迫不及待地签约入驻。</p>" + FOOT, footer=False)
SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"  # escaped in the source: visible text on the page
XSS = page(SCRIPT + "网友留言", f"<p>留言：{SCRIPT}再接再励</p>"
           '<p><a href="/old.html">&lt;img src=x onerror=alert(2)&gt;</a></p>' + FOOT, footer=False)
# Live script in the page itself: must never run in the snapshot (快照) either.
LIVE = page("公告", "<script>alert('snapshot')</script><p>通知如下。</p>"
            '<img src="/missing.png" onerror="alert(4)">' + FOOT, footer=False)
HOME = page("测试区人民政府", '<a href="/news/1.html">新闻一</a> <a href="/news/2.html">新闻二</a> '
            '<a href="/notice/xss.html">留言</a> <a href="/dead.html">失效链接</a> '
            '<a href="/notice/live.html">公告</a>' + FOOT, footer=False)


@pytest.fixture(scope="module")
def portal():
    server = PortalServer(routes={
        "/": Reply(body=HOME),
        "/news/1.html": Reply(body=page("新闻一", "<p>今日召开会议。</p>" + FOOT, footer=False)),
        "/news/2.html": Reply(body=NEWS2),
        "/notice/xss.html": Reply(body=XSS),
        "/notice/live.html": Reply(body=LIVE),
    }).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def db_file(portal, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review") / "duwang.db"
    run_cli("crawl", portal.url, "--db", str(path), check_exit=1)
    db = open_db(path)
    host = netloc_key(portal.url)
    save_site(db, SiteInfo(default_site_name(portal.url), [portal.url], columns={f"{host}/news/": "新闻中心"},
                           departments={f"{host}/news/": "区融媒体中心", f"{host}/notice/": "区政府办公室"}))
    db.close()
    return path


@pytest.fixture(scope="module")
def app_url(db_file):
    server = build_server(db_file, "127.0.0.1", 0, no_login=True)  # what `duwang serve --no-login` runs
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
def page_(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    p = context.new_page()
    p.dialogs = []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    yield p
    context.close()


def _rows(p):
    return p.locator("table.findings tbody tr")


def _finding(db_file, text):
    db = open_db(db_file)
    try:
        return next(f for f in list_findings(db, kind="wording") if f["text"] == text)
    finally:
        db.close()


def test_filter_the_list(page_, app_url, tmp_path):
    page_.goto(app_url + "list?kind=wording")
    assert _rows(page_).count() == 3  # the footer typo, 迫不急待, and the one beside the script text
    page_.fill("input[name=q]", "迫不急待")
    page_.click("#apply-filters")
    assert _rows(page_).count() == 1
    assert _rows(page_).first.locator("mark.hit").inner_text() == "迫不急待"
    assert "q=" in page_.url
    page_.goto(app_url + "list?kind=wording")
    page_.select_option("select[name=department]", "区政府办公室")
    page_.click("#apply-filters")
    texts = _rows(page_).locator("td.problem").all_inner_texts()
    assert len(texts) == 1 and "alert(1)" in texts[0]  # only the /notice/ page's findings
    page_.select_option("select[name=department]", "网站管理单位")  # the footer typo is the template's
    page_.click("#apply-filters")
    assert _rows(page_).count() == 1 and "公共区域（涉及" in _rows(page_).first.inner_text()
    page_.select_option("select[name=department]", "区政府办公室")
    page_.click("#apply-filters")
    page_.select_option("select[name=status]", "rectified")
    page_.click("#apply-filters")
    assert _rows(page_).count() == 0 and "没有符合条件的问题" in page_.content()
    page_.screenshot(path=str(tmp_path / "filter.png"), full_page=True)


def test_script_text_renders_as_text(page_, app_url, tmp_path):
    page_.goto(app_url + "list?kind=wording")
    row = _rows(page_).filter(has_text="alert(1)")
    # The context keeps 20 characters each side of the word; the page title is shown whole.
    assert "alert(1)</script>再接再励" in row.locator("td.problem").inner_text()
    assert row.locator("td.npages a").inner_text() == "<script>alert(1)</script>网友留言"
    assert row.locator("mark.hit").inner_text() == "再接再励"
    assert page_.locator("main script").count() == 0
    page_.goto(app_url + "list?kind=dead_link")
    link_row = _rows(page_).filter(has_text="old.html")
    assert "<img src=x onerror=alert(2)>" in link_row.inner_text()
    assert page_.locator("main img").count() == 0
    page_.wait_for_timeout(300)
    page_.screenshot(path=str(tmp_path / "xss.png"), full_page=True)
    assert page_.dialogs == []


def test_mark_fixed_then_recheck(page_, app_url, db_file, portal, tmp_path):
    f = _finding(db_file, "迫不急待")
    page_.goto(app_url + "list?kind=wording&q=迫不急待")
    page_.locator(f"tr[data-id='{f['id']}'] button.quick-fix").click()
    assert "已将 1 个问题标记为「已整改」" in page_.locator("ul.flash").inner_text()
    assert _rows(page_).count() == 0  # gone from the open list
    db = open_db(db_file)
    changes = db.execute("SELECT from_status, to_status FROM events WHERE finding_id = ?", [f["id"]])
    assert changes.fetchall() == [("open", "rectified")]
    db.close()
    # Recheck before the page is fixed: the word is still there.
    page_.goto(app_url + f"finding/{f['id']}")
    page_.click("#recheck-one")
    assert "复核结果：疑似未整改" in page_.locator("ul.flash").inner_text()
    portal.add_route("/news/2.html", Reply(body=NEWS2_FIXED))
    page_.click("#recheck-one")
    assert "复核结果：已整改" in page_.locator("ul.flash").inner_text()
    history = page_.locator("table.history").inner_text()
    assert "待整改 → 已整改" in history and "疑似未整改" in history and "已整改" in history
    page_.screenshot(path=str(tmp_path / "detail.png"), full_page=True)


def test_export_xlsx(page_, app_url, db_file):
    page_.goto(app_url + "list?kind=wording")
    with page_.expect_download() as info:
        page_.click("#export-xlsx")
    download = info.value
    name = download.suggested_filename
    assert name.startswith("整改清单-") and name.endswith(".xlsx")
    assert name.startswith("整改清单-127.0.0.1-错敏词-")  # the site, the kind, the date
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    _title, header, *rows = list(ws.iter_rows(values_only=True))
    assert list(header) == HEADERS
    col = {h: HEADERS.index(h) for h in HEADERS}
    db = open_db(db_file)
    found = list_findings(db, kind="wording", status="open")
    db.close()
    # one row per page to fix, except the footer typo: a template (公共区域) finding is one row
    expected = sorted(p for f in found if len(f["pages"]) < 5 for p in f["pages"])
    assert sorted(r[col["所在页面"]] for r in rows if not r[col["所在页面"]].startswith("涉及")) == expected
    assert [r[0] for r in rows] == list(range(1, len(expected) + 2))
    footer = [r for r in rows if r[col["问题内容"]].startswith("再接再励（上下文：…让我们")]
    # home, news 1 and 2, the two notices: one row for the site's template owner
    assert len(footer) == 1 and footer[0][col["建议修改"]] == "再接再厉"
    assert footer[0][col["所在页面"]].startswith("涉及 5 页：\n")
    assert footer[0][col["责任单位"]] == "网站管理单位" and footer[0][col["首页"]] == "是"


def test_post_without_csrf_token_is_refused(page_, app_url, db_file):
    f = _finding(db_file, "再接再励")
    page_.goto(app_url)  # a session exists, so only the token is missing
    r = page_.request.post(app_url + "mark", form={"ids": str(f["id"]), "status": "ignored"})
    assert r.status == 400 and "安全令牌" in r.text()
    data = urllib.parse.urlencode({"ids": f["id"], "status": "ignored"}).encode()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(urllib.request.Request(app_url + "mark", data=data), timeout=10)
    assert err.value.code == 400
    assert _finding(db_file, "再接再励")["status"] == "open"


def test_snapshot_marks_the_word_and_runs_no_script(page_, app_url, db_file, portal, tmp_path):
    db = open_db(db_file)
    [footer] = [f for f in list_findings(db, kind="wording") if any("live.html" in p for p in f["pages"])]
    db.close()
    page_.goto(app_url + f"finding/{footer['id']}")
    live = page_.locator("table.pages tr", has_text="notice/live.html")
    with page_.expect_popup() as popup:
        live.locator("a.snapshot").click()
    snap = popup.value
    snap.dialogs = []
    snap.on("dialog", lambda d: (snap.dialogs.append(d.message), d.dismiss()))
    snap.wait_for_load_state()
    assert snap.locator("mark.duwang-hit").first.inner_text() == "再接再励"
    assert "读网快照" in snap.locator("#duwang-snapshot-banner").inner_text()
    assert snap.locator("script").count() == 0
    snap.reload()  # handlers would fire on load; nothing may
    snap.wait_for_timeout(300)
    snap.screenshot(path=str(tmp_path / "snapshot.png"), full_page=True)
    assert snap.dialogs == [] and page_.dialogs == []
