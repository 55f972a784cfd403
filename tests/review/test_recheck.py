"""Recheck (复核) against a real loopback portal: fixed, still there, unreachable."""

from __future__ import annotations

import pytest

from crawler.demo.server import Reply, redirect
from crawler.recheck import (
    GONE,
    STILL_THERE,
    UNREACHABLE,
    _page_links,
    _page_text,
    check_target,
    latest_rechecks,
    recheck,
    rechecks_of,
)
from crawler.store.lifecycle import FindingNotFound, mark
from crawler.store.sites import SiteInfo, load_sites, save_site
from crawler.textcheck import TextChecker
from crawler.urls import netloc_key, url_key
from tests.portal_site import page
from tests.review.builders import crawl, events, finding_id

TYPO_PAGE = page("通知", "<p>让我们再接再励，共创佳绩。</p>")
MOVED_PAGE = page("通知", "<p>今年以来，各单位再接再励，成绩显著。</p>")
FIXED_PAGE = page("通知", "<p>让我们再接再厉，共创佳绩。</p>")


@pytest.fixture(scope="module")
def checker() -> TextChecker:
    return TextChecker()


@pytest.fixture
def portal(serve):
    return serve({
        "/": Reply(body=page("首页", '<a href="/news.html">新闻</a> <a href="/old.pdf">旧附件</a>')),
        "/news.html": Reply(body=TYPO_PAGE),
    })


@pytest.fixture
def db(fresh_db, portal, checker):
    """Findings as a crawl of `portal` makes them: a dead link and a typo."""
    home, news, old = portal.url, portal.url + "news.html", portal.url + "old.pdf"
    site = netloc_key(home)
    save_site(fresh_db, SiteInfo(site, [home]))
    crawl(fresh_db, {home: [news, old], news: []}, dead={old},
          hits={news: checker.check_html(TYPO_PAGE)}, site=site, home=home)
    return fresh_db


def _one(db, fid, checker):
    [result] = recheck(db, [fid], actor="zhang", checker=checker, timeout=3)
    return result


def test_wording_unchanged_is_still_there(db, checker):
    fid = finding_id(db, kind="wording")
    r = _one(db, fid, checker)
    assert (r.result, r.label) == (STILL_THERE, "疑似未整改")
    assert [p.result for p in r.pages] == [STILL_THERE]


def test_wording_fixed_is_gone(db, portal, checker):
    fid = finding_id(db, kind="wording")
    mark(db, [fid], "rectified", actor="zhang", note="改了")
    portal.add_route("/news.html", Reply(body=FIXED_PAGE))
    r = _one(db, fid, checker)
    assert (r.result, r.label, r.status) == (GONE, "已整改", "rectified")


def test_wording_moved_within_the_page_is_still_there(db, portal, checker):
    portal.add_route("/news.html", Reply(body=MOVED_PAGE))  # new context, so a new key; same word
    assert _one(db, finding_id(db, kind="wording"), checker).result == STILL_THERE


def test_server_down_is_unreachable(db, portal, checker):
    portal.stop()
    r = _one(db, finding_id(db, kind="wording"), checker)
    assert r.result == UNREACHABLE and r.label == "页面无法访问"
    assert "refused" in r.pages[0].detail


def test_page_gone_is_unreachable_not_fixed(db, portal, checker):
    portal.add_route("/news.html", Reply(404, body="not found"))
    r = _one(db, finding_id(db, kind="wording"), checker)
    assert (r.result, r.pages[0].detail) == (UNREACHABLE, "HTTP 404")


def test_dead_link_still_linked_is_still_there(db, portal, checker):
    r = _one(db, finding_id(db, kind="dead_link"), checker)
    assert r.result == STILL_THERE
    assert [p.result for p in r.pages] == [STILL_THERE, STILL_THERE]  # the target, then the home page
    assert ("HEAD", "/old.pdf") in portal.log and ("GET", "/old.pdf") in portal.log  # HEAD, then GET


def test_dead_link_target_restored_is_gone(db, portal, checker):
    portal.add_route("/old.pdf", Reply(body=b"%PDF-1.4", content_type="application/pdf"))
    r = _one(db, finding_id(db, kind="dead_link"), checker)
    assert r.result == GONE and "HTTP 200" in r.pages[0].detail


def test_dead_link_removed_from_its_pages_is_gone(db, portal, checker):
    portal.add_route("/", Reply(body=page("首页", '<a href="/news.html">新闻</a>')))
    r = _one(db, finding_id(db, kind="dead_link"), checker)
    assert r.result == GONE and [p.result for p in r.pages] == [STILL_THERE, GONE]


def test_dead_link_with_server_down_is_unreachable(db, portal, checker):
    portal.stop()
    assert _one(db, finding_id(db, kind="dead_link"), checker).result == UNREACHABLE


def test_results_are_recorded_without_changing_status(db, portal, checker):
    fid = finding_id(db, kind="wording")
    before = events(db)
    _one(db, fid, checker)
    portal.add_route("/news.html", Reply(body=FIXED_PAGE))
    _one(db, fid, checker)
    rows = rechecks_of(db, fid)
    assert [(r["actor"], r["status"], r["result"]) for r in rows] == [
        ("zhang", "open", STILL_THERE), ("zhang", "open", GONE)]
    assert all(r["at"] for r in rows) and rows[1]["pages"][0]["url"].endswith("/news.html")
    assert latest_rechecks(db)[fid]["result"] == GONE
    assert events(db) == before  # the report counts status changes only
    assert db["findings"].get(fid)["status"] == "open"


def test_unknown_id(db, checker):
    with pytest.raises(FindingNotFound, match="no finding with id 4242"):
        recheck(db, [4242], actor="zhang", checker=checker)
    assert db["rechecks"].count == 0


# The recheck reads pages the way the crawl does (crawler.encoding, crawler.links).


@pytest.mark.parametrize(
    "routes, path",
    [
        ({"/a": redirect("/b"), "/b": redirect("/a")}, "/a"),  # loop
        ({"/soft.html": Reply(body=page("页面不存在", "<p>您访问的页面不存在</p>", footer=False))},
         "/soft.html"),
    ],
)
def test_target_still_broken_is_not_called_alive(serve, routes, path):
    server = serve(routes)
    alive, detail = check_target(server.url.rstrip("/") + path, True, 5)
    assert not alive, detail


def test_page_text_decoded_like_the_crawl(serve, checker):
    body = "<html><head><meta charset='gbk'><title>通知</title></head><body><p>要再接再励</p></body></html>"
    server = serve({"/p.html": Reply(body=body.encode("gbk"), content_type="text/html; charset=ISO-8859-1")})
    finding = {"key": "x", "site": "s", "category": "typo", "text": "再接再励"}
    assert _page_text(server.url + "p.html", finding, checker, 5).result == STILL_THERE


def test_xhtml_page_with_xml_declaration_still_links(serve):
    body = ('<?xml version="1.0" encoding="utf-8"?><html><body><a href="/gone.pdf">附件</a></body></html>')
    server = serve({"/p.html": Reply(body=body)})
    result = _page_links(server.url + "p.html", url_key(f"{server.url}gone.pdf"), 5)
    assert result.result == STILL_THERE


def test_recheck_uses_the_site_wordlists(db, portal, tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "local.txt").write_text("示范镇\t示范街道\n", encoding="utf-8")
    portal.add_route("/local.html", Reply(body=page("通知", "<p>示范镇召开会议。</p>", footer=False)))
    site = next(iter(load_sites(db).values()))
    save_site(db, SiteInfo(site.name, site.start_urls, site.columns, site.departments, [str(lists)]))
    db["findings"].insert({"key": "text:local", "site": site.name, "kind": "wording", "category": "local",
                           "text": "示范镇", "status": "open", "last_run": 1})
    fid = db.execute("SELECT id FROM findings WHERE key = 'text:local'").fetchone()[0]
    db["occurrences"].insert({"finding_id": fid, "page_url": portal.url + "local.html", "last_run": 1})
    [result] = recheck(db, [fid], actor="zhang", timeout=3)
    assert result.result == STILL_THERE
