"""The review UI at province size (issue 14, parts 1 and 3): a list page reads one page of
findings, a finding's own page lists its pages a screen at a time, exports stream and never
fail on a character XLSX cannot hold; and the tabs of the inspection's and the watch's kinds.

The SQL a request runs is watched with sqlite3's trace callback on the request's own
connection (the real database, nothing replaced)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from crawler.review.export import HEADERS
from crawler.store.sites import SiteInfo, save_site
from tests.review.builders import HOME, ROOT, SITE, A, B, crawl, finding_id, hit, traced_app

NEWS, OFFICE = "区融媒体中心", "区政府办公室"


def _app(db_path):
    return traced_app(db_path)


def _many(db, n: int) -> None:
    """`n` wording findings, one page each."""
    crawl(db, {HOME: [A], A: []},
          hits={A: [hit(text=f"错字{i:04d}", context=f"这里有错字{i:04d}。", key=f"k{i}") for i in range(n)]})


def _statements(db_path, path: str) -> int:
    app, statements = _app(db_path)
    response = app.test_client().get(path)
    assert response.status_code == 200
    return len(statements)


def test_a_list_page_runs_the_same_sql_for_150_findings_as_for_1500(tmp_path):
    from crawler.store import open_db

    counts = []
    for n in (150, 1500):
        path = tmp_path / f"{n}.db"
        db = open_db(path)
        _many(db, n)
        db.close()
        counts.append(_statements(path, "/list?kind=wording"))
    # The old list read every finding of the tab, then its pages 500 findings at a time.
    assert counts[0] == counts[1], counts


def test_the_list_shows_its_page_and_the_total(fresh_db, db_path):
    _many(fresh_db, 230)
    app, _ = _app(db_path)
    c = app.test_client()
    html = c.get("/list?kind=wording&page=3").get_data(as_text=True)
    assert "共 230 个问题" in html and html.count('<tr data-id="') == 30
    assert c.get("/list?kind=wording&page=99").get_data(as_text=True).count('<tr data-id="') == 30
    first = re.findall(r'<tr data-id="(\d+)"', c.get("/list?kind=wording").get_data(as_text=True))
    assert len(first) == 100 and first == sorted(first, key=int)  # all general, none on the home page


PAGES = [ROOT + f"xwzx/{n:03d}.html" for n in range(250)]


@pytest.fixture
def wide(fresh_db):
    """A typo on 250 pages of a 251-page site: a template finding (公共区域), and a dead link
    on 60 of them: 10 pages of one department (xwzx/00...) and 50 of another (xwzx/0...)."""
    save_site(fresh_db, SiteInfo(SITE, [HOME], departments={ROOT + "xwzx/00": NEWS, ROOT + "xwzx/0": OFFICE}))
    crawl(fresh_db, {HOME: PAGES, **{p: [ROOT + "gone.pdf"] if i < 60 else [] for i, p in enumerate(PAGES)}},
          dead={ROOT + "gone.pdf"}, hits={p: [hit(key="footer")] for p in PAGES})
    return fresh_db


def test_a_findings_page_lists_its_pages_a_hundred_at_a_time(wide, db_path):
    app, _ = _app(db_path)
    c = app.test_client()
    fid = finding_id(wide, kind="wording")
    first = c.get(f"/finding/{fid}").get_data(as_text=True)
    assert "所在页面（250）" in first and first.count('<td class="url" data-label="网址">') == 100
    assert 'id="pages-pager"' in first and f"/finding/{fid}?pages=3" in first
    third = c.get(f"/finding/{fid}?pages=3").get_data(as_text=True)
    urls = re.findall(r'<td class="url" data-label="网址">([^<]+)</td>', third)
    assert urls == PAGES[200:]


def test_the_list_counts_a_departments_pages_not_all(wide, db_path):
    app, _ = _app(db_path)
    c = app.test_client()
    html = c.get(f"/list?kind=dead_link&department={NEWS}").get_data(as_text=True)
    assert "…共 10 个页面" in html  # xwzx/000-009 of the 60 pages that link to it
    assert "…共 50 个页面" in c.get(f"/list?kind=dead_link&department={OFFICE}").get_data(as_text=True)


def test_a_control_character_in_a_title_gives_a_valid_xlsx(fresh_db, db_path):
    crawl(fresh_db, {HOME: [A, B], A: [], B: []}, hits={A: [hit()], B: [hit(key="b")]})
    fresh_db["pages"].update(B, {"title": "通知\x07公告\x1b"})
    app, _ = _app(db_path)
    for query in ("kind=wording", "kind=all&by_department=1"):
        r = app.test_client().get(f"/export.xlsx?{query}")
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.data)).active
        titles = [row[HEADERS.index("页面标题")] for row in ws.iter_rows(min_row=3, values_only=True)]
        assert "通知\ufffd公告\ufffd" in titles
        assert ws.auto_filter.ref == f"A2:O{ws.max_row}" and ws.freeze_panes == "A3"
    csv_text = app.test_client().get("/export.csv?kind=wording").data.decode("utf-8-sig")
    assert "通知\x07公告\x1b" in csv_text  # CSV holds it as it is


def test_long_cells_wrap_and_links_are_formulas_of_our_own_url(fresh_db, db_path):
    long = "这是一段很长的上下文，" * 8 + "再接再励"
    crawl(fresh_db, {HOME: [A], A: []}, hits={A: [hit(context=long)]})
    app, _ = _app(db_path)
    ws = load_workbook(io.BytesIO(app.test_client().get("/export.xlsx?kind=wording").data)).active
    cells = {HEADERS[c.column - 1]: c for c in ws[3]}
    problem, status, link = cells["问题内容"], cells["状态"], cells["问题链接"]
    assert long in problem.value and problem.alignment.wrap_text and problem.alignment.vertical == "top"
    assert status.value == "待整改" and not status.alignment.wrap_text  # short: a plain value
    fid = cells["编号"].value
    assert link.data_type == "f" and link.value == (
        f'=HYPERLINK("http://localhost/finding/{fid}","http://localhost/finding/{fid}")')


def test_the_csv_is_streamed_while_the_findings_are_read(fresh_db, db_path):
    _many(fresh_db, 1200)
    app, _ = _app(db_path)
    response = app.test_client().get("/export.csv?kind=wording", buffered=False)
    chunks = iter(response.response)
    first = next(chunks)  # the first rows are out ...
    last = fresh_db.execute("SELECT max(id) FROM findings").fetchone()[0]
    fresh_db.execute("UPDATE findings SET suggestion = '读到时已改' WHERE id = ?", [last])
    rest = b"".join(chunks)  # ... before the last finding is read
    response.close()
    rows = list(csv.reader(io.StringIO((first + rest).decode("utf-8-sig"))))
    assert rows[0] == HEADERS and len(rows) == 1201 and rows[-1][0] == "1200"
    assert len(first) < len(rest) and rows[-1][HEADERS.index("建议修改")] == "读到时已改"


def test_an_export_by_department_has_a_sheet_each(wide, db_path):
    app, _ = _app(db_path)
    wb = load_workbook(io.BytesIO(app.test_client().get("/export.xlsx?kind=all&by_department=1").data))
    assert wb.sheetnames == [OFFICE, NEWS, "网站管理单位"]
    page = HEADERS.index("所在页面")
    assert [r[page] for r in wb[NEWS].iter_rows(min_row=3, values_only=True)] == PAGES[:10]
    footer = list(wb["网站管理单位"].iter_rows(min_row=3, values_only=True))
    assert len(footer) == 1 and footer[0][page].startswith("涉及 250 页：\n")


def test_a_mapping_copied_in_by_an_ingest_is_applied_at_the_next_run(wide, db_path):
    """`duwang ingest` copies a shard's sites row as it is, without save_site."""
    from crawler.store import scope

    wide.execute("UPDATE sites SET departments = ? WHERE name = ?",
                 [json.dumps({ROOT + "xwzx/": OFFICE}, ensure_ascii=False), SITE])
    assert SITE in scope.stale_sites(wide)
    crawl(wide, {HOME: PAGES, **{p: [ROOT + "gone.pdf"] if i < 60 else [] for i, p in enumerate(PAGES)}},
          dead={ROOT + "gone.pdf"}, hits={p: [hit(key="footer")] for p in PAGES})
    assert scope.stale_sites(wide) == []
    app, _ = _app(db_path)
    html = app.test_client().get(f"/list?kind=dead_link&department={OFFICE}").get_data(as_text=True)
    assert "…共 60 个页面" in html


INSPECTION = {"stale_column": "栏目不更新", "empty_column": "空白栏目", "stale_home": "首页不更新",
              "backdated": "伪造发稿日期", "page_standard": "页面标签和页脚", "unavailable": "网站无法访问"}


def test_the_inspection_and_watch_kinds_have_their_own_tabs(fresh_db, db_path):
    crawl(fresh_db, {HOME: [A], A: []}, hits={A: [hit()]})
    for n, kind in enumerate(INSPECTION):
        fresh_db["findings"].insert({"key": f"t:{n}", "site": SITE, "kind": kind, "category": "stale",
                                     "status": "open", "severity": "serious", "text": f"栏目{kind}",
                                     "first_seen": "2026-11-30T02:00:00+08:00"})
    app, _ = _app(db_path)
    c = app.test_client()
    tabs = c.get("/list").get_data(as_text=True)
    for kind, label in INSPECTION.items():
        assert re.search(rf'data-kind="{kind}">{label} <span class="count">1</span>', tabs), kind
        html = c.get(f"/list?kind={kind}").get_data(as_text=True)
        assert f"栏目{kind}" in html and "再接再励" not in html, kind


def test_personal_numbers_are_masked_wherever_staff_read_them(fresh_db, db_path):
    """A database written before the numbers were masked in the store holds them whole."""
    crawl(fresh_db, {HOME: [A], A: []}, hits={A: [hit()]})
    raw = {"mobile": "13812345678", "bank_card": "6222021234567890123", "id_number": "360426199101010071"}
    for category, number in raw.items():
        fresh_db["findings"].insert({"key": f"p:{category}", "site": SITE, "kind": "privacy",
                                     "category": category, "status": "open", "severity": "serious",
                                     "text": number, "context": f"联系人：张某，{number}，地址",
                                     "first_seen": "2026-11-30T02:00:00+08:00"})
    app, _ = _app(db_path)
    c = app.test_client()
    html = c.get("/list?kind=privacy").get_data(as_text=True)
    detail = c.get(f"/finding/{finding_id(fresh_db, kind='privacy')}").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(c.get("/export.xlsx?kind=privacy").data)).active
    cells = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    for shown in (html, detail, cells, c.get("/export.csv?kind=privacy").data.decode("utf-8-sig")):
        assert not any(number in shown for number in raw.values())
    assert "138****5678" in html and "手机号码" in html and "银行卡号" in html
