"""`duwang check-text`: an editor checks a draft before publishing."""

from __future__ import annotations

import json

from tests.conftest import run_cli

DRAFT = "各位同志要再接再励。\n原国土资源局的老同志和个性交流。\n第三行写错了中华人民共合国。\n"


def test_plain_text_findings_with_line_and_column(tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    proc = run_cli("check-text", str(draft), check_exit=1)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"{draft}:1:6: 错别字「再接再励」 → 再接再厉")
    assert lines[1].startswith(f"{draft}:3:7: 严重表述错误「中华人民共合国」 → 中华人民共和国")
    assert lines[-1] == "共发现 2 处问题。"


def test_jsonl_from_stdin_in_gbk(tmp_path):
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(DRAFT.encode("gbk"))
    proc = run_cli("check-text", "-", "--format", "jsonl", check_exit=1, stdin_file=gbk)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows[0]["file"] == "-"
    assert [(r["line"], r["column"], r["text"], r["category"]) for r in rows] == [
        (1, 6, "再接再励", "typo"), (3, 7, "中华人民共合国", "serious")]
    assert set(rows[0]) >= {"file", "field", "suggestion", "context", "severity", "rule"}


def test_clean_draft_exits_zero(tmp_path):
    draft = tmp_path / "ok.txt"
    draft.write_text("区政府召开常务会议，研究部署冬季安全生产工作。", encoding="utf-8")
    proc = run_cli("check-text", str(draft), check_exit=0)
    assert proc.stdout.strip() == "未发现问题。"


def test_html_checks_only_visible_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>迫不急待</title><script>var s='走头无路';</script></head>"
        "<body><!-- 谈笑风声 --><p hidden>一愁莫展</p><p>请按装软件</p></body></html>",
        encoding="utf-8",
    )
    proc = run_cli("check-text", str(page), "--format", "jsonl", check_exit=1)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert sorted((r["field"], r["text"]) for r in rows) == [("body", "按装"), ("title", "迫不急待")]


def test_user_wordlist_adds_a_custom_category_and_broken_line_is_an_error(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "local.txt").write_text("示范镇\t示范街道\t2024年撤镇设街道\n", encoding="utf-8")
    draft = tmp_path / "d.txt"
    draft.write_text("示范镇人民政府发布通知。", encoding="utf-8")
    proc = run_cli("check-text", str(draft), "--wordlists", str(lists), "--format", "jsonl", check_exit=1)
    [row] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert (row["category"], row["text"], row["suggestion"]) == ("local", "示范镇", "示范街道")
    (lists / "typos.txt").write_text("错字\t对字\n错字\t别的字\n", encoding="utf-8")
    proc = run_cli("check-text", str(draft), "--wordlists", str(lists), check_exit=2)
    assert proc.stderr.count("\n") == 1 and "typos.txt:2" in proc.stderr
    assert "Traceback" not in proc.stderr
