"""The review server keeps what its lists count and show while the database is unchanged
(crawler.review.cache), and never shows a list older than the data: a mark made through the
UI, a crawl's or a script's commit on another connection, and a database file put in the
old one's place each empty it. The pager links a window of pages, not every page."""

from __future__ import annotations

import re
import sqlite3

from crawler.review.cache import EXTENSION
from crawler.review.listing import pager
from crawler.store import open_db
from tests.review.builders import HOME, ROOT, A, crawl, hit, traced_app


def _app(db_path):
    return traced_app(db_path)


def _typos(db, n: int, more: int = 0) -> None:
    """A crawl whose page A has `n` typos 错字NNNN and `more` typos 别字NNNN."""
    words = [f"错字{i:04d}" for i in range(n)] + [f"别字{i:04d}" for i in range(more)]
    crawl(db, {HOME: [A], A: []}, hits={A: [hit(text=w, context=f"这里有{w}。", key=w) for w in words]})


def _total(html: str) -> int:
    return int(re.search(r"共 (\d+) 个问题", html).group(1))


def _findings_sql(statements: list[str]) -> int:
    return sum(1 for s in statements if "FROM findings f" in s)


def test_an_unchanged_database_is_not_read_again(fresh_db, db_path):
    _typos(fresh_db, 30)
    app, statements = _app(db_path)
    c = app.test_client()
    first = c.get("/list?kind=wording").get_data(as_text=True)
    cold = _findings_sql(statements)
    statements.clear()
    second = c.get("/list?kind=wording").get_data(as_text=True)
    assert _total(first) == _total(second) == 30
    assert cold > 0 and _findings_sql(statements) == 0
    assert re.findall(r'<tr data-id="(\d+)"', first) == re.findall(r'<tr data-id="(\d+)"', second)
    results = app.extensions[EXTENSION]
    assert results.hits > 0 and results.misses > 0


def test_a_commit_on_another_connection_empties_it(fresh_db, db_path):
    _typos(fresh_db, 30)
    app, _ = _app(db_path)
    c = app.test_client()
    assert _total(c.get("/list?kind=wording").get_data(as_text=True)) == 30
    # The night's crawl, on its own connection: 5 more typos on the page.
    other = open_db(db_path)
    _typos(other, 30, more=5)
    other.close()
    html = c.get("/list?kind=wording").get_data(as_text=True)
    assert _total(html) == 35 and "别字0004" in html
    # A script's bare UPDATE counts too.
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE findings SET status = 'ignored' WHERE text = '错字0000'")
    conn.commit()
    conn.close()
    html = c.get("/list?kind=wording").get_data(as_text=True)
    assert _total(html) == 34 and "错字0000" not in html


def test_a_mark_made_in_the_ui_shows_at_once(fresh_db, db_path):
    _typos(fresh_db, 3)
    app, _ = _app(db_path)
    c = app.test_client()
    html = c.get("/list?kind=wording").get_data(as_text=True)
    fid = re.findall(r'<tr data-id="(\d+)"', html)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = c.post("/mark", data={"ids": fid, "status": "rectified", "csrf_token": token,
                                     "next": "/list?kind=wording"})
    assert response.status_code in (302, 303)
    after = c.get("/list?kind=wording").get_data(as_text=True)
    assert _total(after) == 2 and f'<tr data-id="{fid}"' not in after


def test_a_database_put_in_the_old_ones_place_is_read(fresh_db, db_path, tmp_path):
    _typos(fresh_db, 4)
    backup = tmp_path / "backup.db"
    fresh_db.execute("VACUUM INTO ?", [str(backup)])  # 4 typos
    _typos(fresh_db, 4, more=6)
    app, _ = _app(db_path)
    c = app.test_client()
    assert _total(c.get("/list?kind=wording").get_data(as_text=True)) == 10
    fresh_db.close()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"duwang.db{suffix}").unlink(missing_ok=True)
    (tmp_path / "restored.db").write_bytes(backup.read_bytes())
    (tmp_path / "restored.db").replace(db_path)  # a new file (inode) at the same path
    assert _total(c.get("/list?kind=wording").get_data(as_text=True)) == 4


def test_the_pager_links_a_window_of_pages():
    assert pager(1, 1) == [1]
    assert pager(1, 5) == [1, 2, 3, 4, 5]
    assert pager(1, 2000) == [1, 2, 3, 4, None, 2000]
    assert pager(500, 2000) == [1, None, 497, 498, 499, 500, 501, 502, 503, None, 2000]
    assert pager(2000, 2000) == [1, None, 1997, 1998, 1999, 2000]
    assert pager(5, 9) == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_a_long_list_has_a_short_pager(fresh_db, db_path):
    _typos(fresh_db, 1250)  # 13 pages of 100
    app, _ = _app(db_path)
    html = app.test_client().get("/list?kind=wording&page=7").get_data(as_text=True)
    nav = re.search(r'<nav class="pager">(.*?)</nav>', html, re.S).group(1)
    links = re.findall(r'href="([^"]*)">([^<]+)</a>', nav)
    assert [text for _, text in links] == ["上一页", "1", "4", "5", "6", "8", "9", "10", "13", "下一页"]
    assert links[0][0].endswith("page=6") and links[-1][0].endswith("page=8")
    assert "page=" not in links[1][0]  # the first page is the list itself
    assert "<strong>7</strong>" in nav and nav.count("…") == 2 and "共 13 页" in nav


def test_a_search_finds_link_texts_as_like_does(fresh_db, db_path):
    """Link texts are matched among the distinct texts (cached), with LIKE's folding: ASCII
    letters only. A dead link whose current page no longer has that text is not found."""
    crawl(fresh_db, {HOME: [A], A: [ROOT + "gone.pdf"]}, dead={ROOT + "gone.pdf"}, anchor="下载PDF文件")
    app, _ = _app(db_path)
    c = app.test_client()

    def found(q: str) -> int:
        return _total(c.get(f"/list?kind=dead_link&q={q}").get_data(as_text=True))

    assert found("pdf文件") == found("下载PDF") == found("载P") == 1
    assert found("下载Ｐ") == 0 and found("pdf文档") == 0
    crawl(fresh_db, {HOME: [A], A: [ROOT + "gone.pdf"]}, dead={ROOT + "gone.pdf"}, anchor="旧文件")
    assert found("pdf文件") == 0 and found("旧文件") == 1


def test_concurrent_misses_compute_a_value_once(tmp_path):
    import threading
    import time
    from functools import partial

    from crawler.review.cache import Results

    path = tmp_path / "x.db"
    sqlite3.connect(path).close()
    results = Results(path, partial(sqlite3.connect, path, check_same_thread=False))
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.3)
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(results.get("tabs", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42] * 8 and len(calls) == 1 and results.misses == 1 and results.hits == 7

    def failing() -> int:
        calls.append(1)
        time.sleep(0.2)
        raise RuntimeError("the database went away")

    outcomes: list[object] = []

    def ask(compute) -> None:
        try:
            outcomes.append(results.get("other", compute))
        except RuntimeError as exc:
            outcomes.append(str(exc))

    leader = threading.Thread(target=ask, args=(failing,))
    leader.start()
    time.sleep(0.05)
    follower = threading.Thread(target=ask, args=(lambda: 7,))  # computes itself when the leader fails
    follower.start()
    leader.join()
    follower.join()
    assert sorted(map(str, outcomes)) == ["7", "the database went away"]


def test_a_search_by_page_title_reads_only_current_pages(fresh_db, db_path):
    from tests.review.builders import B

    crawl(fresh_db, {HOME: [A, B], A: [], B: []}, hits={A: [hit()], B: [hit()]})
    app, _ = _app(db_path)
    c = app.test_client()

    def found(q: str, extra: str = "") -> int:
        return _total(c.get(f"/list?kind=wording&q={q}{extra}").get_data(as_text=True))

    assert found("tzgg/b.html") == found("标题 http://www.x.gov.cn/tzgg") == 1
    assert found("tzgg/b.html", "&department=未分配") == 1
    crawl(fresh_db, {HOME: [A, B], A: [], B: []}, hits={A: [hit()]})  # fixed on B, still on A
    assert found("tzgg/b.html") == 0 and found("xwzx/a.html") == 1
    assert found("tzgg/b.html", "&department=未分配") == 0


def test_the_cache_keeps_to_its_memory_budget(tmp_path):
    """A search or a department's list keeps every id it matched: entries are weighed, the
    least recently used go first, and one too big for the budget is not kept at all."""
    from functools import partial

    from crawler.review.cache import Results, weight

    path = tmp_path / "x.db"
    sqlite3.connect(path).close()
    results = Results(path, partial(sqlite3.connect, path, check_same_thread=False), budget=100_000)
    ids = tuple(range(1000, 2000))  # weighs about 40 KB
    assert 30_000 < weight(ids) < 50_000 and weight(3) < weight("三" * 100) < weight(ids)
    for name in ("a", "b"):
        assert results.get(name, lambda: ids) is ids
    results.get("a", lambda: None)  # a is used again: b is now the oldest
    results.get("c", lambda: ids)  # over budget: b goes
    assert results.weight <= 100_000
    calls = []
    assert results.get("a", lambda: calls.append("a")) is ids and calls == []
    results.get("b", lambda: calls.append("b"))
    assert calls == ["b"]  # it had been dropped
    huge = tuple(range(10_000))
    results.get("huge", lambda: huge)
    results.get("huge", lambda: calls.append("huge"))
    assert calls[-1] == "huge" and results.weight <= 100_000


def test_a_kept_page_carries_each_sessions_own_token(fresh_db, db_path):
    """A list page is kept once for everyone with the same view; the CSRF token in it is each
    session's own, so a token read from another session's copy is refused."""
    _typos(fresh_db, 3)
    app, statements = _app(db_path)
    first, second = app.test_client(), app.test_client()
    mine = first.get("/list?kind=wording").get_data(as_text=True)
    statements.clear()
    theirs = second.get("/list?kind=wording").get_data(as_text=True)
    assert _findings_sql(statements) == 0  # the second copy came from the cache

    def token(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    assert token(mine) != token(theirs)
    assert mine.replace(token(mine), "T") == theirs.replace(token(theirs), "T")
    fid = re.findall(r'<tr data-id="(\d+)"', mine)[0]
    form = {"ids": fid, "status": "rectified", "next": "/list?kind=wording"}
    assert first.post("/mark", data={**form, "csrf_token": token(theirs)}).status_code == 400
    assert first.post("/mark", data={**form, "csrf_token": token(mine)}).status_code in (302, 303)
    assert _total(second.get("/list?kind=wording").get_data(as_text=True)) == 2


def test_the_freshness_line_follows_the_clock(fresh_db, db_path, monkeypatch):
    """The database unchanged, a kept page still says how long ago the last run was."""
    from datetime import timedelta

    from crawler import localtime

    _typos(fresh_db, 3)
    app, statements = _app(db_path)
    c = app.test_client()
    assert "刚刚" in c.get("/list?kind=wording").get_data(as_text=True)
    real_now = localtime.now
    monkeypatch.setattr(localtime, "now", lambda: real_now() + timedelta(hours=5))
    statements.clear()
    later = c.get("/list?kind=wording").get_data(as_text=True)
    assert "5小时前" in later and "刚刚" not in later
    assert _findings_sql(statements) == 0  # the counts and rows were still kept


def test_a_search_finds_every_link_text_that_holds_it(fresh_db, db_path):
    """Link texts are searched in one string of every distinct text: each text that holds the
    words is found (下载PDF文件 and PDF), and a text no current link has is not (下载PDF文件
    after the second crawl)."""
    from tests.review.builders import B

    gone_a, gone_b, gone_c = (ROOT + n for n in ("a.pdf", "b.pdf", "c.pdf"))
    crawl(fresh_db, {HOME: [A, B], A: [gone_a], B: []}, dead={gone_a}, anchor="下载PDF文件")
    crawl(fresh_db, {HOME: [A, B], A: [gone_a], B: [gone_b, gone_c]}, dead={gone_a, gone_b, gone_c},
          anchor="PDF")
    app, _ = _app(db_path)
    c = app.test_client()
    assert _total(c.get("/list?kind=dead_link&q=pdf").get_data(as_text=True)) == 3
    assert _total(c.get("/list?kind=dead_link&q=f文").get_data(as_text=True)) == 0
    assert _total(c.get("/list?kind=dead_link&q=pdfpdf").get_data(as_text=True)) == 0
