"""The scorecard page (指标自检, /scorecard): the web office's, linked from the overview, with
links to the findings behind each item; every word escaped; a department gets 403. Flask's test
client for the rules, headless Chromium for a user's path to it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from markupsafe import escape
from werkzeug.serving import make_server

from crawler.review.accounts import add_user
from crawler.review.app import create_app
from tests.review.builders import DEAD, HOME, A, crawl
from tests.review.test_roles import _client

SITE = '<b>测试</b>区"'
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def db(fresh_db):
    crawl(fresh_db, {HOME: [A, DEAD], A: []}, dead={DEAD}, site=SITE)
    for n in range(5):  # five news columns over their window: the veto line
        fresh_db["findings"].insert({
            "key": f"t:{n}", "site": SITE, "kind": "stale_column", "category": "stale", "status": "open",
            "severity": "serious", "text": f"栏目{n}", "detail": json.dumps({"type": "news"})})
    fresh_db["findings"].insert({
        "key": "t:home", "site": SITE, "kind": "stale_home", "category": "due", "status": "open",
        "severity": "general", "text": "首页",
        "detail": json.dumps({"latest": "<script>alert(1)</script>", "age_days": 11})})
    add_user(fresh_db, "网办王", "correct horse")
    add_user(fresh_db, "办公室李", "correct horse", role="department", department="区政府办公室")
    return fresh_db


def _ids(db, kind: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM findings WHERE kind = ? ORDER BY id", [kind])]


def test_the_web_office_sees_each_item_with_links_to_its_findings(db, db_path):
    app = create_app(db_path, login_required=False)  # the local web office
    c = app.test_client()
    html = c.get("/scorecard").get_data(as_text=True)
    assert escape(SITE) in html and SITE not in html  # the site's name is text, never markup
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="verdict verdict-failing">不合格</span>' in html
    for fid in _ids(db, "stale_column") + _ids(db, "stale_home"):
        assert f'href="/finding/{fid}"' in html
    assert 'data-code="stale_columns" data-state="failing"' in html
    assert 'data-code="stale_home" data-state="warning"' in html
    assert 'data-code="availability" data-state="no_data"' in html
    # Deductions link to the list, filtered: the dead link on the home page.
    assert 'href="/list?kind=dead_link&amp;status=open&amp;home=1"' in html
    assert "扣 1 分" in html
    assert 'href="/scorecard"' in c.get("/").get_data(as_text=True)  # linked from the overview


def test_a_department_cannot_open_it(db, db_path):
    app = create_app(db_path, login_required=True)
    app.testing = True
    assert _client(app, "办公室李").get("/scorecard").status_code == 403
    assert _client(app, "网办王").get("/scorecard").status_code == 200


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_from_the_overview_to_a_finding_in_chromium(db, db_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    server = make_server("127.0.0.1", 0, create_app(db_path, login_required=False), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"])
    try:
        page = browser.new_page(locale="zh-CN")
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.click("#scorecard-link a")
        assert page.locator("h1").inner_text() == "指标自检"
        assert page.locator("section.scorecard h2").inner_text().startswith(f"{SITE}：不合格")
        row = page.locator('tr[data-code="stale_columns"]')
        assert row.locator("td").nth(1).inner_text() == "不合格"
        assert row.locator("td").nth(2).inner_text() == "5 个（否决线 5 个）"
        row.locator("a").first.click()
        assert page.url.endswith(f"/finding/{_ids(db, 'stale_column')[0]}")
        assert not dialogs  # no markup from the store ran
    finally:
        browser.close()
        pw.stop()
        server.shutdown()
