"""Crawl integration of the text checks: findings with the JSONL contract, GBK, user lists, lifecycle."""

from __future__ import annotations

from crawler.demo.server import Reply
from tests.conftest import findings_jsonl, run_cli
from tests.portal_site import page

FAST = ["--timeout", "2", "--concurrency", "8"]
FOOTER = "<p>版权所有 测试区人民政府 各部门要再接再励</p>"
PAGES = 6


def _routes(article_text: str) -> dict:
    nav = "".join(f'<a href="/n{i}.html">新闻{i}</a>' for i in range(PAGES))
    routes = {
        "/": Reply(body=page("测试区人民政府", nav + '<a href="/gbk.html">公告</a>' + FOOTER, footer=False)),
        "/gbk.html": Reply(
            body=("<html><head><meta charset='gb2312'><title>公告</title></head><body>"
                  "<p>市环境保护局发布通知。原国土资源局的老同志参加。</p></body></html>").encode("gbk"),
            content_type="text/html"),
    }
    for i in range(PAGES):
        body = article_text if i == 0 else "<p>区政府召开常务会议。</p>"
        routes[f"/n{i}.html"] = Reply(body=page(f"新闻{i}", body + FOOTER, footer=False))
    return routes


ARTICLE = (
    "<p>迫不急待地开展工作，个性交流活动，平台独立运营。</p>"
    "<p>示范镇召开会议。公示：张三 360426199101010071，李四 370181********1234。</p>"
    "<script>var x='走头无路';</script><!-- 谈笑风声 -->"
)


def test_wording_and_privacy_findings_from_a_crawl(serve, db_path, tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "local.txt").write_text("示范镇\t示范街道\n", encoding="utf-8")
    portal = serve(_routes(ARTICLE))
    run_cli("crawl", portal.url, "--db", str(db_path), "--wordlists", str(lists), *FAST, check_exit=1)
    rows = findings_jsonl(db_path)
    got = {(r["kind"], r["category"], r["text"]) for r in rows}
    assert got == {
        ("wording", "typo", "迫不急待"),
        ("wording", "typo", "再接再励"),
        ("wording", "outdated", "环境保护局"),
        ("wording", "local", "示范镇"),
        ("privacy", "id_number", "360426********0071"),
    }
    footer = next(r for r in rows if r["text"] == "再接再励")
    assert len(footer["pages"]) == PAGES + 1 and footer["home_page"] is True
    assert footer["suggestion"] == "再接再厉" and "再接再励" in footer["context"]
    gbk = next(r for r in rows if r["text"] == "环境保护局")
    assert gbk["suggestion"].startswith("生态环境局") and gbk["pages"][0].endswith("/gbk.html")
    typo = next(r for r in rows if r["text"] == "迫不急待")
    assert typo["severity"] == "general" and typo["status"] == "open" and typo["first_seen"]
    assert next(r for r in rows if r["kind"] == "privacy")["severity"] == "serious"
    assert "360426199101010071" not in str(rows)


def test_fixed_word_is_rectified_by_the_next_complete_crawl(serve, db_path):
    portal = serve(_routes(ARTICLE))
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=1)
    fixed = ARTICLE.replace("迫不急待", "迫不及待")
    for key, route in _routes(fixed).items():
        portal.add_route(key, route)
    run_cli("crawl", portal.url, "--db", str(db_path), *FAST, check_exit=0)
    status = {r["text"]: r["status"] for r in findings_jsonl(db_path, "--kind", "wording")}
    assert status["迫不急待"] == "rectified"
    assert status["再接再励"] == "open"
