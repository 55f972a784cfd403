"""A crawl of a portal with a 繁體 mirror, ruby annotations and dated pages."""

from __future__ import annotations

from crawler.demo.server import Reply
from tests.conftest import findings_jsonl, run_cli
from tests.portal_site import page

FAST = ["--timeout", "2", "--concurrency", "8"]
NAV = "".join(f'<a href="/{p}.html">{t}</a>' for p, t in (
    ("jt", "简体"), ("ft", "繁體"), ("ruby", "拼音"), ("old", "旧闻"), ("new", "新闻"), ("history", "沿革")))
PUBDATE = '<meta name="PubDate" content="{}">'
LIST = "示范县旅游局\t示范县文化和旅游局\tsince=2019-03-01\n"  # a name the site's list dates


def _routes() -> dict:
    def reply(title: str, body: str, head: str = "") -> Reply:
        return Reply(body=page(title, body, head=head, footer=False))

    return {
        "/": reply("测试区人民政府", NAV),
        "/jt.html": reply("通知", "<p>各部门要再接再励，推动各项工作。</p>"),
        "/ft.html": reply("通知", "<p>各部門要再接再勵，推動各項工作。</p>"),
        "/ruby.html": reply("读音", "<p>有关单位<ruby>迫<rt>pò</rt></ruby>不急待地启动项目。</p>"),
        "/old.html": reply("旧闻", "<p>示范县旅游局召开会议。</p>", PUBDATE.format("2016-05-04 10:00")),
        "/new.html": reply("新闻", "<p>发布时间：2020-01-02</p><p>示范县旅游局召开会议。</p>"),
        "/history.html": reply("沿革", "<p>2018年机构改革，不再保留文化部、国家旅游局。</p>"),
    }


def test_mirror_ruby_and_dates_in_a_crawl(serve, db_path, tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "outdated.txt").write_text(LIST, encoding="utf-8")
    portal = serve(_routes())
    run_cli("crawl", portal.url, "--db", str(db_path), "--wordlists", str(lists), *FAST, check_exit=1)
    rows = findings_jsonl(db_path, "--kind", "wording")

    def pages(row: dict) -> list[str]:
        return sorted(p.rsplit("/", 1)[-1] for p in row["pages"])

    # the 繁體 mirror is the same finding on a second page, not a second finding
    [typo] = [r for r in rows if r["category"] == "typo" and r["text"] in ("再接再励", "再接再勵")]
    assert pages(typo) == ["ft.html", "jt.html"]
    # ruby read as its characters; the old page and the history sentence are no errors
    rest = {(r["category"], r["text"]): pages(r) for r in rows if r is not typo}
    assert rest == {("typo", "迫不急待"): ["ruby.html"], ("outdated", "示范县旅游局"): ["new.html"]}
