"""Whole crawls through the CLI against a real loopback portal with every class planted."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import unquote

import pytest

from crawler.demo.server import Reply
from tests.conftest import closed_port, findings_jsonl, run_cli
from tests.portal_site import (
    EXPECTED_DEAD,
    EXPECTED_UNVERIFIED,
    build_routes,
    external_routes,
    page,
)

FAST = ["--timeout", "2", "--concurrency", "8", "-s", "DUWANG_BACKOFF_BASE=0.1",
        "-s", "DUWANG_MAX_QUERY_VARIANTS=20"]


def html(title: str, body: str = "") -> Reply:
    return Reply(body=page(title, body, footer=False))


def _rel(url: str, base: str) -> str:
    return unquote(url[len(base) - 1:]) if url.startswith(base) else url


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the test portal, shared by the assertions below."""
    from crawler.demo.server import PortalServer

    external = PortalServer(routes=external_routes()).start()
    refused = f"http://127.0.0.1:{closed_port()}/"
    portal = PortalServer(routes=build_routes(external.url, refused)).start()
    db = tmp_path_factory.mktemp("crawl") / "duwang.db"
    proc = run_cli("crawl", portal.url, "--db", str(db), *FAST)
    yield {"proc": proc, "db": db, "portal": portal, "external": external, "refused": refused}
    portal.stop()
    external.stop()


def _by_target(crawled, kind):
    base, refused = crawled["portal"].url, crawled["refused"]
    rows = findings_jsonl(crawled["db"], "--kind", kind)
    return {("{refused}" if r["target"] == refused else _rel(r["target"], base)): r for r in rows}


def test_crawl_exits_with_new_findings_and_complete_run(crawled):
    proc = crawled["proc"]
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "· 完整" in proc.stdout and "不完整" not in proc.stdout
    con = sqlite3.connect(crawled["db"])
    assert con.execute("SELECT status, reason FROM runs").fetchall() == [("complete", "finished")]


def test_every_dead_link_found_and_no_live_link_reported(crawled):
    dead = _by_target(crawled, "dead_link")
    assert {t: r["category"] for t, r in dead.items()} == EXPECTED_DEAD


def test_blocked_and_rate_limited_are_unverified_not_dead(crawled):
    unverified = _by_target(crawled, "unverified_link")
    assert {t: r["category"] for t, r in unverified.items()} == EXPECTED_UNVERIFIED


def test_finding_records_sources_anchor_element_and_home_page(crawled):
    dead = _by_target(crawled, "dead_link")
    home = dead["/dead-404.html"]
    assert home["home_page"] is True
    assert home["occurrences"][0]["anchor"] == "首页死链"
    assert home["occurrences"][0]["element"] == "a"
    assert home["http_status"] == 404 and home["error"] == "HTTP 404"
    assert home["first_seen"] and home["last_seen"] and home["status"] == "open"
    img = dead["/img/missing.png"]
    assert img["occurrences"][0]["element"] == "img" and img["occurrences"][0]["anchor"] == "缺失图片"
    assert dead["/img/missing-2x.png"]["occurrences"][0]["attr"] == "srcset"
    assert dead["/refresh-missing.html"]["occurrences"][0]["element"] == "meta"
    gone = dead["/gone"]
    assert gone["target"].endswith("/gone") and gone["final_url"].endswith("/nowhere.html")


def test_footer_link_is_one_finding_with_an_occurrence_per_page(crawled):
    con = sqlite3.connect(crawled["db"])
    pages = con.execute("SELECT count(*) FROM pages WHERE file_kind IS NULL").fetchone()[0]
    footer = _by_target(crawled, "dead_link")["/footer-missing.html"]
    assert len(footer["pages"]) == pages > 20
    assert footer["pages"][0].rstrip("/").endswith(str(crawled["portal"].port))  # home page first


def test_each_target_is_requested_once_and_retries_are_used(crawled):
    hits = crawled["portal"].hits
    assert hits[("GET", "/flaky.html")] == 2  # 503 then 200
    assert hits[("GET", "/busy.html")] == 2  # 429 then 200
    # An internal attachment is fetched whole, once, for its text: no HEAD first.
    assert hits[("HEAD", "/files/head405.pdf")] == 0 and hits[("GET", "/files/head405.pdf")] == 1
    assert hits[("GET", "/新闻/通知.html")] == 1  # raw and percent-encoded are one target
    assert hits[("GET", "/sess.html")] == 1  # session ids stripped
    assert hits[("GET", "/a/sub.html")] == 1
    assert hits[("GET", "/always503.html")] == 3  # first try + 2 retries


def test_external_pages_are_checked_not_crawled(crawled):
    ext = crawled["external"].hits
    assert ext[("HEAD", "/ext-page.html")] == 1
    assert sum(n for (m, p), n in ext.items() if p == "/ext-dead.html") == 0
    # Only the host's home page is read: its baseline (external_changed), once a run.
    assert {(p, n) for (m, p), n in ext.items() if m == "GET"} == {("/", 1)}


def test_non_http_links_are_not_requested(crawled):
    log = crawled["portal"].log
    assert not [p for _, p in log if "mailto" in p or "javascript" in p or "tel:" in p]


def test_traps_are_bounded(crawled):
    hits = crawled["portal"].hits
    calendar = [p for (m, p) in hits if p.startswith("/calendar") and m == "GET"]
    assert 15 <= len(calendar) <= 21
    trap_gets = [p for (m, p) in hits if p.startswith("/trap") and m == "GET"]
    assert len(trap_gets) <= 3


def test_gbk_pages_decode_right_whatever_the_headers_say(crawled):
    con = sqlite3.connect(crawled["db"])
    titles = dict(con.execute("SELECT final_url, title FROM pages WHERE final_url LIKE '%/gbk/%'"))
    by_name = {u.rsplit("/", 1)[1]: t for u, t in titles.items()}
    assert by_name == {"meta.html": "政务公开", "lying.html": "信息公开指南", "none.html": "机构职能"}


def test_non_html_page_url_is_checked_without_parsing(crawled):
    con = sqlite3.connect(crawled["db"])
    row = con.execute("SELECT outcome FROM links WHERE url LIKE '%download.jsp%'").fetchone()
    assert row == ("ok",)
    assert con.execute("SELECT count(*) FROM pages WHERE url LIKE '%download.jsp%'").fetchone()[0] == 0


def test_recrawl_rectifies_fixed_links_and_reopens_broken_again(serve, db_path):
    routes = {
        "/": html("首页", '<a href="/a.html">甲</a> <a href="/b.html">乙</a>'),
        "/a.html": html("甲"),
    }
    portal = serve(routes)
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    [finding] = findings_jsonl(db_path, "--kind", "dead_link", "--status", "open")
    assert finding["target"].endswith("/b.html")
    # Staff fix the page: the dead link is removed.
    portal.add_route("/", html("首页", '<a href="/a.html">甲</a>'))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    [fixed] = findings_jsonl(db_path, "--kind", "dead_link")
    assert fixed["status"] == "rectified"
    con = sqlite3.connect(db_path)
    events = con.execute("SELECT actor, from_status, to_status FROM events").fetchall()
    assert events == [("machine", "open", "rectified")]
    # The link comes back: same finding, reopened, history kept.
    portal.add_route("/", html("首页", '<a href="/b.html">乙</a>'))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    [again] = findings_jsonl(db_path, "--kind", "dead_link")
    assert again["id"] == finding["id"] and again["status"] == "open"
    events = con.execute("SELECT from_status, to_status FROM events ORDER BY id").fetchall()
    assert events == [("open", "rectified"), ("rectified", "open")]


def test_incomplete_run_never_marks_findings_fixed(serve, db_path):
    links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(10))
    routes = {"/": html("首页", links + '<a href="/dead.html">坏</a>')}
    routes.update({f"/p{i}.html": html(f"页{i}") for i in range(10)})
    portal = serve(routes)
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    portal.add_route("/", html("首页", links))  # fixed...
    proc = run_cli("crawl", portal.url, "--db", str(db_path), *FAST, "--max-pages", "3", check_exit=3)
    assert "不完整" in proc.stdout  # ...but this run stopped at 3 pages: exit 3, incomplete
    assert "incomplete (max_pages)" in proc.stderr
    [finding] = findings_jsonl(db_path, "--kind", "dead_link")
    assert finding["status"] == "open"
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT status, reason FROM runs ORDER BY id").fetchall() == [
        ("complete", "finished"), ("incomplete", "max_pages")]


def test_flaky_link_that_answers_on_retry_is_alive(serve, db_path):
    portal = serve({
        "/": html("首页", '<a href="/x.pdf">附件</a> <a href="/y.html">页</a>'),
        "/x.pdf": [Reply(503), Reply(reset=True), Reply(body=b"%PDF", content_type="application/pdf")],
        "/y.html": [Reply(reset=True), html("好")],
    })
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    assert findings_jsonl(db_path) == []


def test_obey_robots_skips_disallowed_urls_without_calling_them_dead(serve, db_path):
    from tests.portal_site import page

    portal = serve({
        "/robots.txt": Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/": Reply(body=page("首页", '<a href="/a.html">甲</a> <a href="/private/b.html">乙</a> '
                                  '<a href="/private/c.pdf">丙</a>', footer=False)),
        "/a.html": Reply(body=page("甲", "", footer=False)),
    })
    run_cli("crawl", portal.url, "--db", str(db_path), "--obey-robots", check_exit=0)
    assert findings_jsonl(db_path) == []  # disallowed is not dead
    assert not [p for (_, p) in portal.hits if p.startswith("/private/")]
    con = sqlite3.connect(db_path)
    stats = json.loads(con.execute("SELECT stats FROM runs").fetchone()[0])
    assert stats["duwang/robots_disallowed"] == 2
    # Without the flag both are requested, and are dead (the server has neither).
    run_cli("crawl", portal.url, "--db", str(db_path), check_exit=1)
    assert sorted(f["target"].rsplit("/", 1)[-1] for f in findings_jsonl(db_path)) == ["b.html", "c.pdf"]


def test_page_first_reached_past_the_depth_bound_is_crawled_when_a_shorter_path_comes(serve, db_path):
    """Pages are fetched in parallel, so a page can be reached along a longer path first.
    Here /x.html is 3 links deep via /b.html (fast) and 2 via /a.html (slow): with the bound
    at 2 it is still crawled, and its typo found."""
    portal = serve({
        "/": html("首页", '<a href="/a.html">甲</a><a href="/b.html">乙</a>'),
        "/a.html": Reply(body=page("甲", '<a href="/x.html">终</a>', footer=False), delay=1.0),
        "/b.html": html("乙", '<a href="/c.html">丙</a>'),
        "/c.html": html("丙", '<a href="/x.html">终</a>'),
        "/x.html": html("终", "<p>大家络绎不决地来了。</p>"),
    })
    run_cli("crawl", portal.url, "--db", str(db_path), "--concurrency", "4",
            "-s", "DUWANG_MAX_DEPTH=2", check_exit=1)
    con = sqlite3.connect(db_path)
    depth = dict(con.execute("SELECT url, depth FROM pages"))
    assert depth[portal.url + "x.html"] == 2
    stats = json.loads(con.execute("SELECT stats FROM runs").fetchone()[0])
    assert stats["duwang/depth/readmitted"] == 1
    assert [f["text"] for f in findings_jsonl(db_path, "--kind", "wording")] == ["络绎不决"]


@pytest.mark.parametrize("memory_max", [None, 40])
def test_generated_portal_is_crawled_whole_at_its_true_depth(tmp_path, db_path, memory_max):
    """Depth is the shortest distance from home (breadth-first order): with the depth bound
    set to the portal's real depth, every page is crawled. Depth-first order, Scrapy's
    default, measured depths along longer paths and cut pagination chains off. With a tiny
    in-memory queue the requests spill to disk and still leave in order."""
    import re
    import subprocess
    import sys
    from collections import deque

    from crawler.demo.server import PortalServer
    from tests.conftest import REPO

    site = tmp_path / "site"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_portal.py"), "--out", str(site),
                    "--pages", "1200", "--dead", "0"], check=True, capture_output=True)
    # The portal's true depth, by breadth-first search over the files' links.
    href = re.compile(rb'href="([^"#]+\.html?)"')
    depth = {"/index.html": 0}
    todo = deque(["/index.html"])
    while todo:
        path = todo.popleft()
        file = site / path.lstrip("/")
        if not file.is_file():
            continue
        base = path.rsplit("/", 1)[0] + "/"
        for raw in href.findall(file.read_bytes()):
            link = raw.decode()
            target = link if link.startswith("/") else base + link.removeprefix("./")
            if target not in depth and "://" not in link:
                depth[target] = depth[path] + 1
                todo.append(target)
    pages = {p for p in depth if (site / p.lstrip("/")).is_file()}
    queue = ["-s", f"DUWANG_QUEUE_MEMORY_MAX={memory_max}"] if memory_max else []
    with PortalServer(root=site) as portal:
        run_cli("crawl", portal.url + "index.html", "--db", str(db_path), "--concurrency", "16",
                "-s", f"DUWANG_MAX_DEPTH={max(depth[p] for p in pages)}", *queue,
                # about depth, not the inspection: the portal's news is from 2024, stale today
                "-s", "DUWANG_INSPECTION_ENABLED=false", check_exit=0)
    con = sqlite3.connect(db_path)
    spilled = json.loads(con.execute("SELECT stats FROM runs").fetchone()[0]).get("duwang/queue/spilled", 0)
    assert (spilled > 100) if memory_max else spilled == 0
    rows = con.execute("SELECT url, content_type FROM pages WHERE file_kind IS NULL").fetchall()
    crawled = {"/" + unquote(u.split("/", 3)[3]) for u, ctype in rows if not ctype.startswith("text/css")}
    assert len(pages) == 1200 and crawled == pages
    # the portal's stylesheet is read too (for url() references), as its own row
    css = [u.rsplit("/", 2)[-2:] for u, ctype in rows if ctype.startswith("text/css")]
    assert css == [["css", "style.css"]]
