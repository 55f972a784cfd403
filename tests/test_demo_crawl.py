"""`duwang demo` finds exactly what the demo portal plants: the newcomer's first command."""

from __future__ import annotations

import json
import re
import sqlite3
from urllib.parse import unquote, urlsplit

import pytest

from crawler.demo.attached import PLANTED as FILES_PLANTED
from crawler.demo.portal import DEMO_PLANTED
from tests.conftest import findings_jsonl, run_cli


def _path(url: str) -> str:
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1" or parts.port == 9:
        return url
    return unquote(parts.path) + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    proc = run_cli("demo", "--db", str(db), check_exit=0)
    return {"proc": proc, "db": db, "rows": findings_jsonl(db)}


def _on_pages(rows: list[dict]) -> list[dict]:
    """Findings on the portal's pages, not in its attachments (附件, see the test below)."""
    return [r for r in rows if not any("/files/" in p for p in r["pages"])]


def test_demo_prints_summary_and_findings(demo):
    out = demo["proc"].stdout
    assert "巡检完成" in out and "错链/死链 10" in out and "再接再励" in out
    assert "Traceback" not in demo["proc"].stderr


def test_every_planted_dead_link_found_with_its_pages(demo):
    expected = {d["url"]: sorted(d["found_on"]) for ds in DEMO_PLANTED["dead_links"].values() for d in ds}
    got = {_path(r["target"]): sorted(_path(p) for p in r["pages"])
           for r in demo["rows"] if r["kind"] == "dead_link"}
    assert got == expected


def test_blocked_link_is_unverified_and_live_links_are_not_reported(demo):
    unverified = {_path(r["target"]) for r in demo["rows"] if r["kind"] == "unverified_link"}
    assert unverified == {u["url"] for u in DEMO_PLANTED["unverified"]}
    reported = {_path(r["target"]) for r in demo["rows"] if r["target"]}
    assert not reported & {n["url"] for n in DEMO_PLANTED["not_dead"]}


def test_planted_wording_errors_found_and_decoys_not(demo):
    wording = [r for r in _on_pages(demo["rows"]) if r["kind"] == "wording"]
    got = {(r["text"], r["category"]) for r in wording}
    assert got == {(w["word"], w["category"]) for w in DEMO_PLANTED["wording"]}
    for planted in DEMO_PLANTED["wording"]:
        pages = {_path(p) for r in wording if r["text"] == planted["word"] for p in r["pages"]}
        assert pages == set(planted["pages"]) or planted["word"] == "再接再励"
    severity = {"serious": "严重错误", "general": "一般错误", "suspect": "疑似错误"}
    assert {(r["text"], severity[r["severity"]]) for r in wording} == {
        (w["word"], w["severity"]) for w in DEMO_PLANTED["wording"]}
    suggested = {r["text"]: r["suggestion"] for r in wording}
    assert all(suggested[w["word"]] == w["suggest"] for w in DEMO_PLANTED["wording"])
    [footer] = [r for r in wording if r["text"] == "再接再励"]
    assert len(footer["pages"]) == len(DEMO_PLANTED["pages"]) and footer["suggestion"] == "再接再厉"
    shown = " ".join(f"{r['text']} {r['context']}" for r in demo["rows"] if r["context"])
    for decoy in DEMO_PLANTED["decoys"]:
        flagged = [r for r in demo["rows"] if r["text"] and r["text"] in decoy["text"]
                   and decoy["text"] in (r["context"] or "")]
        assert not flagged, decoy
    assert "走头无路" not in shown and "谈笑风声" not in shown


def test_identity_number_flagged_masked(demo):
    privacy = [r for r in _on_pages(demo["rows"]) if r["kind"] == "privacy"]
    assert [(r["text"], r["category"]) for r in privacy] == [("360426********0071", "id_number")]
    assert "360426199101010071" not in str(demo["rows"])


def test_pages_with_findings_keep_a_masked_snapshot(demo):
    from crawler.store import open_db, snapshots

    db = open_db(demo["db"])
    try:
        [privacy] = [r for r in _on_pages(demo["rows"]) if r["kind"] == "privacy"]
        [page] = privacy["pages"]
        snap = snapshots.load(db, page)
        assert snap is not None and "360426********0071" in snap.html
        assert "360426199101010071" not in snap.html  # the DB never holds the number
        stored = {u for (u,) in db.execute("SELECT page_url FROM snapshots")}
        # An attachment has no snapshot: its finding says where in the file it is.
        with_hits = {u for (u,) in db.execute(
            "SELECT DISTINCT page_url FROM page_hits h JOIN pages p ON p.url = h.page_url "
            "WHERE p.file_kind IS NULL")}
        assert stored == with_hits
    finally:
        db.close()


def test_inspection_items_found_as_of_the_demo_day(demo):
    """The demo is read as of DEMO_TODAY: stale columns, one near its line, one undated, one empty,
    the home page near its line, and an item backdated between the two nights the demo reads."""
    kinds = ("stale_column", "empty_column", "stale_home", "backdated")
    rows = [r for r in demo["rows"] if r["kind"] in kinds]
    # Backdating shows against the night before: the demo reads the portal twice.
    assert "先按前一晚的站点巡检一次" in demo["proc"].stdout
    got = {(r["kind"], r["category"], r["text"], tuple(_path(p) for p in r["pages"])) for r in rows}
    assert got == {(k, c, t, tuple(p)) for k, c, t, p in DEMO_PLANTED["inspection"]}
    assert "栏目不更新 4  空白栏目 1  首页不更新 1  伪造发稿日期 1" in demo["proc"].stdout


def test_page_tags_and_footer_one_finding_per_missing_item(demo):
    rows = [r for r in demo["rows"] if r["kind"] == "page_standard"]
    got = {r["category"]: (r["detail"]["pages_affected"], r["detail"]["pages_checked"]) for r in rows}
    assert got == DEMO_PLANTED["page_standard"]
    tagged = DEMO_PLANTED["fully_tagged_article"]
    for r in rows:
        assert tagged not in {_path(p) for p in r["pages"]} or not r["category"].startswith("meta_")


def test_the_demo_prints_its_scorecard_as_planted(demo):
    """`duwang demo` ends with the scorecard (指标自检): each veto item's state as planted, each
    deduction counting the open findings the demo found, at the default weights."""
    out = demo["proc"].stdout
    assert "指标自检 · 站点 示范区人民政府 · 不合格" in out
    [card] = json.loads(run_cli("report", "scorecard", "--db", str(demo["db"]), "--json",
                                check_exit=0).stdout)
    assert {v["code"]: v["state"] for v in card["vetoes"]} == DEMO_PLANTED["scorecard"]
    rows = demo["rows"]
    dead = [r for r in rows if r["kind"] == "dead_link"]
    wording = [r for r in rows if r["kind"] == "wording"]
    counts = {
        "home_links": sum(r["home_page"] for r in dead),
        "other_links": sum(not r["home_page"] for r in dead),
        "wording_serious": sum(r["severity"] == "serious" for r in wording),
        "wording_general": sum(r["severity"] == "general" for r in wording),
        "privacy": sum(r["kind"] == "privacy" for r in rows),
    }
    assert {d["code"]: d["count"] for d in card["deductions"]} == counts
    assert counts["home_links"] == sum("/" in d["found_on"] for ds in DEMO_PLANTED["dead_links"].values()
                                       for d in ds)
    weights = {"home_links": 1, "other_links": 0.1, "wording_serious": 1, "wording_general": 0.5,
               "privacy": 1}
    assert card["score"] == round(100 - sum(counts[k] * w for k, w in weights.items()), 2)
    assert card["verdict"] == "failing"
    labels = {"ok": "正常", "warning": "预警", "failing": "不合格", "no_data": "数据不足"}
    for v in card["vetoes"]:
        assert re.search(rf"^  {labels[v['state']]}\s+{re.escape(v['label'])}\s+{re.escape(v['figures'])}",
                         out, flags=re.M), v["code"]
    assert f"估算得分 {card['score']:g}" in out


def test_the_demo_has_a_slow_page_for_watch(tmp_path):
    """The demo portal's slow page (linked from nowhere, so the crawl never waits for it)."""
    from crawler.demo.portal import demo_server

    with demo_server() as server:
        home, slow = server.url, server.url.rstrip("/") + DEMO_PLANTED["slow_page"]
        proc = run_cli("watch", slow, home, "--once", "--timeout", "1", "--db", str(tmp_path / "w.db"),
                       check_exit=0)
    con = sqlite3.connect(tmp_path / "w.db")
    results = dict(con.execute("SELECT url, result FROM probes").fetchall())
    con.close()
    assert results == {slow: "slow", home: "ok"}
    assert "Traceback" not in proc.stderr


def _where(row: dict) -> str:
    context = row["context"] or ""
    return context[1:context.index("〕")] if context.startswith("〔") else ""


def test_attachments_found_as_planted_and_unreadable_ones_listed(demo):
    """The PDF, DOCX, XLSX and XLS: each finding with where in the file it is, the decoys
    not; the encrypted and the scanned PDF listed as not checked, with why."""
    files = [r for r in demo["rows"] if r["pages"] and all("/files/" in p for p in r["pages"])]
    got = {(r["kind"], r["category"], r["text"], _where(r), _path(r["pages"][0])) for r in files}
    assert got == set(FILES_PLANTED["attachments"])
    shown = " ".join(f"{r['text']} {r['context']}" for r in demo["rows"])
    for decoy in FILES_PLANTED["decoys"]:
        assert not [r for r in files if decoy in r["text"]], decoy
    assert "360426198503120025" not in shown and "13812345678" not in shown
    for path, why in FILES_PLANTED["unread"].items():
        assert f"{path}（{why.removeprefix('未检查：')}）" in demo["proc"].stdout
    [listed] = [r for r in files if r["category"] == "personal_list"]
    assert [_path(p) for p in listed["occurrences"][0]["linked_from"]] == ["/"]


def test_hidden_links_cloaking_and_the_changed_friend_site(demo):
    """A hidden link of each kind on the home page (serious when its words are on the
    sensitive list), the spam served to Baiduspider only, and the friend site parked between
    the two nights the demo reads."""
    rows = [r for r in demo["rows"] if r["kind"] in ("hidden_link", "external_changed")]
    friend = next(r["text"] for r in rows if r["category"] == "hidden_link").split("/yl/")[0]
    host = friend.split("//")[1]
    got = {(r["category"], r["text"], r["severity"]) for r in rows}
    planted = FILES_PLANTED
    assert got == {
        *(("hidden_link", url.format(friend=friend), level) for url, _anchor, level in planted["hidden"]),
        *(("cloaking", text.format(friend=friend), level) for text, level in planted["cloaking"]),
        *((kind, text.format(friend_host=host), "general") for kind, text in planted["external_changed"]),
    }
    assert all(_path(p) == "/" for r in rows for p in r["pages"])
