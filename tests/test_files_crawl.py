"""Attachments, hidden links, cloaking and hijacked external hosts, crawled over two nights
(tests/files_portal.py): each finding exactly, and the evidence rule for attachments."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from crawler.demo.server import PortalServer
from tests import files_portal
from tests.conftest import findings_jsonl, run_cli

GONE_HOST = "nxdomain-duwang-files.invalid"


def _where(row: dict) -> str:
    context = row["context"] or ""
    return context[1:context.index("〕")] if context.startswith("〔") else ""


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    state = {"night": 1}
    external = PortalServer().start()
    parked = PortalServer().start()
    ext, alias = external.url.rstrip("/"), external.url.rstrip("/").replace("127.0.0.1", "localhost")
    portal_routes, external_routes, parked_routes = files_portal.build(
        state, ext, alias, parked.url.rstrip("/"))
    for server, routes in ((external, external_routes), (parked, parked_routes)):
        for path, route in routes.items():
            server.add_route(path, route)
    gone = f'<a href="http://{GONE_HOST}/">友好单位丁</a>'
    home = portal_routes["/"]
    portal_routes["/"] = lambda req: _add_link(home(req), gone)
    portal = PortalServer(routes=portal_routes).start()
    db = tmp_path_factory.mktemp("files") / "duwang.db"
    args = ("crawl", portal.url, "--db", str(db), "-s", "DUWANG_ATTACHMENT_MAX_MB=0.02",
            "-s", "DUWANG_HIDDEN_LINK_ALLOW=example.org",
            "-s", r"DUWANG_EXCLUDE=tongji\.example\.org")
    first = run_cli(*args, check_exit=1)
    rows_1 = findings_jsonl(db)
    # The host that does not resolve did resolve on night 1 (as a real expired domain did).
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE external_hosts SET base_run = 1, base_resolved = 1, base_title = '友好单位丁', "
                    "base_final_domain = ? WHERE host = ?", [GONE_HOST, GONE_HOST])
    con.close()
    state["night"] = 2
    second = run_cli(*args, check_exit=1)
    rows_2 = findings_jsonl(db)
    yield {"first": first, "second": second, "rows_1": rows_1, "rows_2": rows_2, "db": db,
           "ext": external.url.rstrip("/").split("//")[1], "alias": alias.split("//")[1],
           "parked": parked.url.rstrip("/").split("//")[1]}
    for server in (portal, external, parked):
        server.stop()


def _add_link(reply, link: str):
    reply.body = reply.body.replace("</body>", link + "</body>")
    return reply


ATTACHMENT_FINDINGS = {
    ("wording", "typo", "一愁莫展", "第1页", "/files/butie.pdf"),
    ("privacy", "id_number", "360426********0025", "第2页", "/files/butie.pdf"),
    ("privacy", "mobile", "138****5678", "第2页", "/files/butie.pdf"),
    ("wording", "typo", "默守成规", "第2段", "/files/huizong.docx"),
    ("privacy", "mobile", "159****5678", "第4段", "/files/huizong.docx"),
    ("privacy", "id_number", "360426********0039", "名单!C2", "/files/mingdan.xlsx"),
    ("privacy", "id_number", "360426********0040", "名单!C3", "/files/mingdan.xlsx"),
    ("privacy", "mobile", "136****5678", "名单!D2", "/files/mingdan.xlsx"),
    ("privacy", "mobile", "135****5678", "名单!D3", "/files/mingdan.xlsx"),
    ("wording", "typo", "秸杆", "名单!E3", "/files/mingdan.xlsx"),
    ("privacy", "personal_list", "姓名与身份证号、手机号码名单（2 行）", "", "/files/mingdan.xlsx"),
    ("wording", "typo", "泄秘", "统计表!C2", "/files/tongji.xls"),
    ("privacy", "mobile", "133****5678", "联系人!B2", "/files/tongji.xls"),
}


def _in_files(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["pages"] and all("/files/" in p for p in r["pages"])]


def test_each_attachment_finding_located_and_the_decoys_not(nights):
    got = {(r["kind"], r["category"], r["text"], _where(r), _path(r["pages"][0]))
           for r in _in_files(nights["rows_1"])}
    assert got == ATTACHMENT_FINDINGS
    shown = str(nights["rows_1"])
    for raw in (files_portal.ID_A, files_portal.ID_B, "13812345678", "15912345678"):
        assert raw not in shown  # masked everywhere


def test_an_attachment_finding_names_the_pages_linking_to_it(nights):
    [row] = [r for r in nights["rows_1"] if r["category"] == "personal_list"]
    [occurrence] = row["occurrences"]
    assert occurrence["attachment"] is True
    assert [_path(p) for p in occurrence["linked_from"]] == ["/tzgg/a.html", "/tzgg/b.html"]


def test_unreadable_attachments_are_listed_with_why_and_do_not_fail_the_run(nights):
    out = nights["first"].stdout
    assert "附件 7 个，其中未检查 3 个" in out
    assert "neibu.pdf（文件已加密）" in out and "saomiao.pdf（扫描图像" in out
    assert "big.pdf（文件超过 0.02 MB，未下载）" in out
    assert "完整" in out.splitlines()[0]


def test_hidden_links_and_cloaking_exactly(nights):
    alias = nights["alias"]
    got = {(r["category"], r["text"].replace(alias, "ALIAS"), r["severity"])
           for r in nights["rows_1"] if r["kind"] == "hidden_link"}
    hidden = {("hidden_link", f"http://ALIAS/yl/{n}.html", "serious" if serious else "general")
              for n, (_markup, _anchor, serious) in enumerate(files_portal.HIDDEN, start=1)}
    hidden.add(("hidden_link", "http://ALIAS/yl/8.html", "serious"))  # written by a script: 时时彩平台
    cloaking = {("cloaking", "http://ALIAS/cp/", "serious"), ("cloaking", "百家乐", "serious")}
    assert got == hidden | cloaking
    assert all(_path(p) == "/" for r in nights["rows_1"] if r["kind"] == "hidden_link" for p in r["pages"])
    assert not [r for r in nights["rows_1"] if r["kind"] == "external_changed"]


def test_second_night_external_hosts_changed(nights):
    got = {(r["category"], r["text"], r["severity"])
           for r in nights["rows_2"] if r["kind"] == "external_changed"}
    assert got == {
        ("redirect_away", nights["ext"], "general"),
        ("sensitive_content", nights["alias"], "serious"),
        ("parked", nights["parked"], "general"),
        ("host_gone", GONE_HOST, "general"),
    }
    [away] = [r for r in nights["rows_2"] if r["category"] == "redirect_away"]
    assert away["detail"]["before"]["title"] == "友好单位甲"
    assert away["detail"]["now"]["final_url"].endswith("/landing.html")
    assert [_path(p) for p in away["pages"]] == ["/"]


def _status(rows: list[dict]) -> dict[tuple, str]:
    return {(r["kind"], r["category"], r["text"], _path(r["pages"][0]) if r["pages"] else ""): r["status"]
            for r in rows if r["kind"] in ("wording", "privacy", "hidden_link")}


def test_evidence_rule_for_attachments_and_hidden_links(nights):
    status = _status(nights["rows_2"])
    alias = nights["alias"]
    # The fixed PDF was read whole: its findings are gone.
    assert status[("wording", "typo", "一愁莫展", "/files/butie.pdf")] == "rectified"
    assert status[("privacy", "mobile", "138****5678", "/files/butie.pdf")] == "rectified"
    # The DOCX is now corrupt: not read, so its findings stay open (本次未核实).
    assert status[("wording", "typo", "默守成规", "/files/huizong.docx")] == "open"
    assert status[("privacy", "mobile", "159****5678", "/files/huizong.docx")] == "open"
    assert "huizong.docx（" in nights["second"].stdout  # listed as not checked, with why
    # The unchanged XLSX keeps its findings.
    assert status[("wording", "typo", "秸杆", "/files/mingdan.xlsx")] == "open"
    # The hidden link removed and the cloaking that stopped are rectified; the others stay.
    assert status[("hidden_link", "hidden_link", f"http://{alias}/yl/7.html", "/")] == "rectified"
    assert status[("hidden_link", "hidden_link", f"http://{alias}/yl/1.html", "/")] == "open"
    assert status[("hidden_link", "cloaking", "百家乐", "/")] == "rectified"


def test_recheck_reads_attachments_and_hidden_links_as_the_crawl_does(nights):
    """A recheck (复核) reads an attachment's text and a page's hidden links, never the file
    as HTML: the unreadable DOCX cannot be said fixed, the unchanged XLSX still has its typo."""
    from crawler.recheck import recheck
    from crawler.store import open_db

    rows = {(r["category"], r["text"]): r["id"] for r in nights["rows_2"]}
    alias = nights["alias"]
    ids = [rows[("typo", "默守成规")], rows[("typo", "秸杆")], rows[("hidden_link", f"http://{alias}/yl/1.html")]]
    db = open_db(nights["db"])
    try:
        docx, xlsx, hidden = recheck(db, ids, actor="tester", timeout=5)
    finally:
        db.close()
    assert docx.result == "unreachable" and "文件" in docx.pages[0].detail
    assert xlsx.result == "still_there"
    assert hidden.result == "still_there"


def test_the_finding_page_shows_where_in_the_file_and_the_pages_linking_to_it(nights, tmp_path):
    import shutil

    from crawler.review.app import create_app

    db = tmp_path / "review.db"
    shutil.copy(nights["db"], db)
    client = create_app(db).test_client()
    rows = {(r["category"], r["text"]): r["id"] for r in nights["rows_2"]}

    def page(category: str, text: str) -> str:
        return client.get(f"/finding/{rows[(category, text)]}").get_data(as_text=True)

    listed = page("personal_list", "姓名与身份证号、手机号码名单（2 行）")
    assert "Excel 表格" in listed and "链接到该附件的页面（2）" in listed
    assert "/tzgg/a.html" in listed and "/tzgg/b.html" in listed
    assert "快照</a>" not in listed  # an attachment has no snapshot: its place in the file instead
    assert "Excel 表格，名单!C2" in page("id_number", "360426********0039")
    assert files_portal.ID_B not in page("id_number", "360426********0039")  # masked
    assert "PDF 文件，第1页" in page("typo", "一愁莫展")
    hidden = page("hidden_link", f"http://{nights['alias']}/yl/1.html")
    assert "暗链" in hidden and "隐藏的外部链接（暗链）" in hidden and "display:none" in hidden
    parked = page("parked", nights["parked"])
    assert "外链异常" in parked and "外部域名停放或待售" in parked
