"""Rectified means fixed: a finding is closed only on evidence that its page was read whole
and the problem is gone, never because a page could not be read."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.demo.server import Reply, redirect
from tests.conftest import findings_jsonl, run_cli
from tests.portal_site import page

FAST = ["--timeout", "1", "--concurrency", "8", "-s", "DUWANG_BACKOFF_BASE=0.05"]
TYPO_PAGE = page("通知", '<p>大家要再接再励。</p><a href="/gone.html">旧文件</a>', footer=False)
FIXED_PAGE = page("通知", "<p>大家要再接再厉。</p>", footer=False)


def crawl(portal, db, *extra: str, code: int) -> str:
    proc = run_cli("crawl", portal.url, "--db", str(db), *FAST, *extra, check_exit=code)
    assert "Traceback" not in proc.stderr
    return proc.stdout + proc.stderr


def statuses(db) -> dict[tuple[str, str], str]:
    """{(kind, text or target path): status}"""
    out = {}
    for f in findings_jsonl(db):
        what = f["text"] if f["kind"] in ("wording", "privacy") else f["target"].split("/", 3)[-1]
        out[(f["kind"], what)] = f["status"]
    return out


def events(db, to: str | None = None) -> list[tuple]:
    con = sqlite3.connect(db)
    sql = "SELECT finding_id, from_status, to_status, actor FROM events"
    rows = con.execute(sql + (" WHERE to_status = ?" if to else ""), [to] if to else []).fetchall()
    con.close()
    return rows


def evidence(db) -> dict[str, str]:
    """{kind: evidence} of the machine's rectifications."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT f.kind, e.evidence FROM events e JOIN findings f ON f.id = e.finding_id "
                       "WHERE e.to_status = 'rectified' AND e.actor = 'machine'").fetchall()
    con.close()
    return dict(rows)


def last_run(db) -> tuple:
    con = sqlite3.connect(db)
    row = con.execute("SELECT status, reason, unverified FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    con.close()
    return row


def two_page_site(serve):
    return serve({
        "/": Reply(body=page("首页", '<a href="/a.html">通知</a>', footer=False)),
        "/a.html": Reply(body=TYPO_PAGE),
    })


OPEN = {("wording", "再接再励"): "open", ("dead_link", "gone.html"): "open"}


@pytest.mark.parametrize("reply, code", [
    (Reply(503, body="维护"), 0),  # a server error right after an OK night is confirmed first
    (Reply(403, body="访问被拦截", headers={"Server": "SafeDog WAF"}), 1),  # a new 待核实 link
    (Reply(429, body="稍后再试", headers={"Retry-After": "3600"}), 1),
    (Reply(body=FIXED_PAGE, delay=3), 0),  # a timeout
], ids=["503", "waf-403", "429", "timeout"])
def test_a_page_that_could_not_be_read_keeps_its_findings(serve, db_path, reply, code):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    assert statuses(db_path) == OPEN

    portal.add_route("/a.html", reply)
    out = crawl(portal, db_path, code=code)
    found = statuses(db_path)
    assert found[("wording", "再接再励")] == "open" and found[("dead_link", "gone.html")] == "open"
    assert events(db_path, "rectified") == []
    status, _, unverified = last_run(db_path)
    assert status == "complete" and unverified == 2
    assert "本次未核实 2" in out


def test_the_fix_is_counted_once_the_page_is_read(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    portal.add_route("/a.html", Reply(body=FIXED_PAGE))
    crawl(portal, db_path, code=0)
    assert set(statuses(db_path).values()) == {"rectified"}
    assert {(a, b, c) for _, a, b, c in events(db_path)} == {("open", "rectified", "machine")}
    assert evidence(db_path) == {"wording": "read", "dead_link": "read"}


def test_a_page_that_is_gone_closes_its_findings_on_the_second_complete_run(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    portal.add_route("/a.html", Reply(404, body="<h1>404</h1>"))
    crawl(portal, db_path, code=1)  # the link to /a.html is now dead: a new finding
    assert statuses(db_path)[("wording", "再接再励")] == "open"
    crawl(portal, db_path, code=0)
    found = statuses(db_path)
    assert found[("wording", "再接再励")] == "rectified"
    assert found[("dead_link", "gone.html")] == "rectified"
    assert found[("dead_link", "a.html")] == "open"
    assert evidence(db_path) == {"wording": "gone", "dead_link": "gone"}


def test_a_maintenance_home_page_is_an_incomplete_run(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    portal.add_route("/", Reply(body=page("系统维护中", "<p>网站正在升级，请稍后访问。</p>", footer=False)))
    out = crawl(portal, db_path, code=3)
    assert last_run(db_path)[:2] == ("incomplete", "start_page_placeholder")
    assert "incomplete" in out and "不完整" in out
    assert statuses(db_path) == OPEN and events(db_path, "rectified") == []


def test_a_home_page_mentioning_maintenance_in_its_news_is_not_a_placeholder(serve, db_path):
    item = "关于政务服务平台维护的公告已发布，请群众合理安排办事时间。"
    news = "".join(f"<li>第{i}条：{item}</li>" for i in range(30))
    portal = serve({"/": Reply(body=page("示范区人民政府", f"<ul>{news}</ul>", footer=False))})
    crawl(portal, db_path, code=0)
    assert last_run(db_path)[:2] == ("complete", "finished")


def test_a_start_url_redirecting_to_another_scheme_is_a_failed_start(serve, db_path):
    portal = serve({"/": redirect("ftp://files.example.gov.cn/", 301)})
    out = crawl(portal, db_path, code=2)
    assert "ftp://files.example.gov.cn/" in out and "not an http(s) address" in out


def test_a_start_url_redirecting_off_the_site_is_a_failed_start(serve, db_path):
    other = serve({"/": Reply(body=page("停放域名", '<a href="/x.html">广告</a>', footer=False))})
    portal = serve({"/": redirect(other.url.replace("127.0.0.1", "localhost"), 302)})
    out = crawl(portal, db_path, code=2)
    assert "redirects off the site" in out and "aliases" in out


def test_a_run_that_reads_far_fewer_pages_is_incomplete_unless_accepted(serve, db_path):
    links = "".join(f'<a href="/p{i}.html">{i}</a>' for i in range(8))
    routes = {"/": Reply(body=page("首页", links + '<a href="/a.html">通知</a>', footer=False)),
              "/a.html": Reply(body=TYPO_PAGE)}
    routes.update({f"/p{i}.html": Reply(body=page(f"页{i}", "", footer=False)) for i in range(8)})
    portal = serve(routes)
    crawl(portal, db_path, code=1)
    # The home page loses most of its links (a broken template); /a.html still exists.
    portal.add_route("/", Reply(body=page("首页", '<a href="/p0.html">0</a>', footer=False)))
    out = crawl(portal, db_path, code=3)
    assert last_run(db_path)[:2] == ("incomplete", "shrunk") and "shrunk" in out
    crawl(portal, db_path, "--accept-shrink", code=0)
    assert last_run(db_path)[:2] == ("complete", "finished")
    # /a.html is no longer linked, but it holds open findings: it was read again, and they stand.
    assert statuses(db_path) == OPEN


def test_an_unlinked_page_that_was_fixed_is_verified_directly(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    portal.add_route("/", Reply(body=page("首页", "<p>欢迎</p>", footer=False)))
    portal.add_route("/a.html", Reply(body=FIXED_PAGE))
    crawl(portal, db_path, "--accept-shrink", code=0)
    assert set(statuses(db_path).values()) == {"rectified"}


def test_one_malformed_href_is_a_finding_and_the_page_is_still_read(serve, db_path):
    body = '<a href="http://localhost]">坏地址</a><p>再接再励</p><a href="/gone.html">旧文件</a>'
    portal = serve({"/": Reply(body=page("首页", body, footer=False))})
    crawl(portal, db_path, code=1)
    found = {(f["kind"], f["category"], f["target"]) for f in findings_jsonl(db_path)}
    assert ("dead_link", "invalid_url", "http://localhost]") in found
    assert ("dead_link", "http_4xx", portal.url + "gone.html") in found
    assert ("wording", "typo", None) in found
    assert last_run(db_path)[:2] == ("complete", "finished")


def test_night_after_night_a_flaky_page_changes_nothing(serve, db_path):
    portal = serve({
        "/": Reply(body=page("首页", '<a href="/a.html">通知</a><p>再接再励</p>', footer=False)),
        "/a.html": Reply(body=TYPO_PAGE),
    })
    crawl(portal, db_path, code=1)
    for night in range(2, 11):
        flaky = night % 2 == 0
        portal.add_route("/a.html", Reply(503, body="忙") if flaky else Reply(body=TYPO_PAGE))
        crawl(portal, db_path, code=0)
    assert statuses(db_path) == {**OPEN, ("wording", "再接再励"): "open"}
    assert events(db_path) == []  # no rectified, no reopened, nothing


def test_a_site_seen_on_another_port_is_the_same_site(serve, db_path):
    routes = {"/": Reply(body=page("首页", '<a href="/a.html">通知</a>', footer=False)),
              "/a.html": Reply(body=TYPO_PAGE)}
    first, second = serve(dict(routes)), serve(dict(routes))
    crawl(first, db_path, code=1)
    before = findings_jsonl(db_path)
    crawl(second, db_path, code=0)  # nothing new
    after = findings_jsonl(db_path)
    assert [(f["id"], f["status"], f["site"]) for f in after] == [
        (f["id"], "open", "127.0.0.1") for f in before]
    assert events(db_path) == []


def test_a_dead_link_whose_target_answers_again_is_rectified_as_alive(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    portal.add_route("/gone.html", Reply(body=page("旧文件", "", footer=False)))
    crawl(portal, db_path, code=0)
    assert statuses(db_path)[("dead_link", "gone.html")] == "rectified"
    assert evidence(db_path) == {"dead_link": "alive"}


def test_a_page_read_only_in_part_keeps_its_findings(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    # Fixed, but nested past what any parser keeps: the rest of the page is not read.
    deep = "<div>" * 2100 + "<p>正文</p>" + "</div>" * 2100
    portal.add_route("/a.html", Reply(body=page("通知", "<p>大家要再接再厉。</p>" + deep, footer=False)))
    crawl(portal, db_path, code=0)
    assert statuses(db_path) == OPEN and events(db_path) == []
    assert last_run(db_path) == ("complete", "finished", 2)
    con = sqlite3.connect(db_path)
    [(full, why)] = con.execute("SELECT read_full, partial FROM pages WHERE url LIKE '%/a.html'").fetchall()
    assert full == 0 and "depth" in why.lower()


def test_a_site_that_moved_to_an_alias_keeps_its_findings(serve, db_path, tmp_path):
    routes = {"/": Reply(body=page("首页", '<a href="/a.html">通知</a>', footer=False)),
              "/a.html": Reply(body=TYPO_PAGE)}
    old = serve(dict(routes))
    new = serve(dict(routes))
    new_host = new.url.split("//")[1].rstrip("/").replace("127.0.0.1", "localhost")
    config = tmp_path / "duwang.toml"
    config.write_text(
        f'db = "{db_path}"\n[[site]]\nname = "示范区"\nstart_urls = ["{old.url}"]\n'
        f'aliases = ["{new_host}"]\n', encoding="utf-8")
    run_cli("crawl", "--config", str(config), *FAST, check_exit=1)
    before = findings_jsonl(db_path)
    # The portal moved: the old address now sends every visitor to the new one.
    for path in routes:
        old.add_route(path, redirect(f"http://{new_host}{path}", 301))
    run_cli("crawl", "--config", str(config), *FAST, check_exit=0)
    after = findings_jsonl(db_path)
    assert [(f["id"], f["status"]) for f in after] == [(f["id"], "open") for f in before]
    assert events(db_path) == []
    # Fixed at the new address: verified there.
    new.add_route("/a.html", Reply(body=FIXED_PAGE))
    run_cli("crawl", "--config", str(config), *FAST, check_exit=0)
    assert set(statuses(db_path).values()) == {"rectified"}


def test_a_page_that_turned_into_a_soft_404_is_gone_after_two_runs(serve, db_path):
    portal = two_page_site(serve)
    crawl(portal, db_path, code=1)
    notice = page("页面不存在", "<p>您访问的页面不存在或已被删除</p>", footer=False)
    portal.add_route("/a.html", Reply(body=notice))
    crawl(portal, db_path, code=1)  # the link to /a.html is now a soft 404
    assert statuses(db_path)[("wording", "再接再励")] == "open"
    crawl(portal, db_path, code=0)
    assert statuses(db_path)[("wording", "再接再励")] == "rectified"
    assert evidence(db_path)["wording"] == "gone"
