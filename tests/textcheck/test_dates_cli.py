"""`duwang check-text --date`: a draft is judged as of its publication date."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

LIST = "示范县旅游局\t示范县文化和旅游局\tsince=2019-03-01\n"
DRAFT = "示范县旅游局召开会议。\n"


@pytest.fixture
def lists(tmp_path):
    d = tmp_path / "lists"
    d.mkdir()
    (d / "outdated.txt").write_text(LIST, encoding="utf-8")
    return d


def test_date_before_the_change_keeps_the_name(tmp_path, lists) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    run_cli("check-text", str(draft), "--wordlists", str(lists), "--date", "2018-12-31", check_exit=0)
    proc = run_cli("check-text", str(draft), "--wordlists", str(lists), "--date", "2019-03-01",
                   "--format", "jsonl", check_exit=1)
    [row] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert (row["category"], row["text"]) == ("outdated", "示范县旅游局")


def test_html_draft_dated_by_its_pubdate_unless_date_is_given(tmp_path, lists) -> None:
    draft = tmp_path / "page.html"
    draft.write_text('<html><head><meta name="PubDate" content="2016-05-04 10:00"></head>'
                     f"<body><p>{DRAFT}</p></body></html>", encoding="utf-8")
    run_cli("check-text", str(draft), "--wordlists", str(lists), check_exit=0)
    run_cli("check-text", str(draft), "--wordlists", str(lists), "--date", "2024-01-01", check_exit=1)


def test_plain_draft_dated_by_its_date_line(tmp_path, lists) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("关于召开会议的通知\n发布日期：2016年5月4日\n" + DRAFT, encoding="utf-8")
    run_cli("check-text", str(draft), "--wordlists", str(lists), check_exit=0)


@pytest.mark.parametrize("bad", ["2016-13-01", "2016/05/04", "20160504", "yesterday", "2016-5-4"])
def test_a_bad_date_is_a_one_line_error(tmp_path, bad: str) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    proc = run_cli("check-text", str(draft), "--date", bad, check_exit=2)
    assert proc.stderr.splitlines() == [
        f"duwang check-text: error: --date expects a date as YYYY-MM-DD, got {bad!r}"]
    assert proc.stdout == ""
