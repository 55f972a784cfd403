"""Nightly re-crawls: conditional requests, unchanged pages, cached external verdicts, the lock."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

from crawler.demo.server import Reply
from tests.conftest import REPO, findings_jsonl, run_cli
from tests.portal_site import page

FAST = ["--timeout", "2", "--concurrency", "8", "-s", "DUWANG_CLOAKING_ENABLED=false"]  # home fetched once


def validated(body: str, etag: str):
    """A route that sends an ETag and answers 304 to a matching If-None-Match."""

    def route(req):
        if req.headers.get("If-None-Match") == etag:
            return Reply(304, content_type=None, headers={"ETag": etag})
        return Reply(body=body, headers={"ETag": etag})

    return route


def _stats(db) -> dict:
    con = sqlite3.connect(db)
    row = con.execute("SELECT stats FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0])


def test_304_pages_carry_their_findings_and_links_forward(serve, db_path):
    portal = serve({
        "/": validated(page("首页", '<a href="/a.html">甲</a> <a href="/gone.html">坏</a>', footer=False),
                       '"home-1"'),
        "/a.html": validated(page("甲", "<p>大家要再接再励。</p>", footer=False), '"a-1"'),
    })
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    before = {(r["kind"], r["status"]) for r in findings_jsonl(db_path)}
    assert before == {("dead_link", "open"), ("wording", "open")}

    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    after = findings_jsonl(db_path)
    assert {(r["kind"], r["status"]) for r in after} == before  # nothing wrongly rectified
    assert _stats(db_path)["duwang/pages/unchanged"] == 2
    # Both pages were asked twice (the second time conditionally); the dead link checked again.
    assert portal.hits[("GET", "/")] == 2 and portal.hits[("GET", "/a.html")] == 2
    assert portal.hits[("GET", "/gone.html")] == 2
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM pages WHERE last_run = 2").fetchone()[0] == 2

    # A page that really changed is parsed and checked again: the typo is fixed.
    portal.add_route("/a.html", validated(page("甲", "<p>大家要再接再厉。</p>", footer=False), '"a-2"'))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    status = {r["kind"]: r["status"] for r in findings_jsonl(db_path)}
    assert status == {"dead_link": "open", "wording": "rectified"}


def test_same_content_without_validators_skips_text_checks(serve, db_path):
    portal = serve({"/": Reply(body=page("首页", "<p>按装完毕</p>", footer=False))})
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    assert _stats(db_path)["duwang/pages/unchanged"] == 1
    [finding] = findings_jsonl(db_path)
    assert finding["text"] == "按装" and finding["status"] == "open"


def test_changed_wordlists_check_unchanged_pages_again(serve, db_path, tmp_path):
    portal = serve({"/": validated(page("首页", "<p>示范镇人民政府</p>", footer=False), '"v1"')})
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "local.txt").write_text("示范镇\t示范街道\n", encoding="utf-8")
    run_cli("crawl", portal.url, "--db", str(db_path), "--wordlists", str(lists), *FAST, check_exit=1)
    [finding] = findings_jsonl(db_path)
    assert (finding["category"], finding["text"]) == ("local", "示范镇")
    assert portal.hits[("GET", "/")] == 3  # conditional 304, then once more for the body


def test_external_verdicts_are_cached_but_failures_rechecked(serve, db_path):
    external = serve({"/ok.html": Reply(body=page("外部", "", footer=False))})
    portal = serve({"/": Reply(body=page(
        "首页", f'<a href="{external.url}ok.html">好</a> <a href="{external.url}bad.html">坏</a>',
        footer=False))})
    for _ in range(2):
        run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0 if _ else 1)
    assert external.hits[("HEAD", "/ok.html")] == 1  # second night: the cached verdict
    assert external.hits[("HEAD", "/bad.html")] == 2  # a failing link is asked every night
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, "-s", "DUWANG_EXTERNAL_CACHE_DAYS=0",
            check_exit=0)
    assert external.hits[("HEAD", "/ok.html")] == 2


def test_second_crawl_on_the_same_database_exits_at_once(serve, db_path):
    links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(30))
    routes = {"/": Reply(body=page("首页", links, footer=False))}
    routes.update({f"/p{i}.html": Reply(body=page(str(i), "", footer=False), delay=0.3) for i in range(30)})
    portal = serve(routes)
    first = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", portal.url, "--db", str(db_path),
         "--concurrency", "2"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while portal.hits[("GET", "/")] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        second = run_cli("crawl", portal.url, "--db", str(db_path), check_exit=2)
        assert time.monotonic() - started < 10
        assert "another duwang crawl" in second.stderr and second.stderr.count("\n") == 1
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0
