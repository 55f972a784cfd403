"""Wordlist files: format, user directories, custom categories, broken lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.textcheck import TextChecker, WordlistError, load_wordlists
from crawler.textcheck.codes import category_label, severity_of
from crawler.textcheck.wordlists import default_dir, parse_wordlist


@pytest.mark.parametrize(
    ("line", "term", "suggestion", "note"),
    [
        ("再接再励", "再接再励", None, None),
        ("再接再励\t再接再厉", "再接再励", "再接再厉", None),
        ("再接再励\t再接再厉\t成语", "再接再励", "再接再厉", "成语"),
        ("再接再励\t\t只有备注", "再接再励", None, "只有备注"),
        ("  再接再励 \t 再接再厉  # trailing comment", "再接再励", "再接再厉", None),
        ("ＰＫ１０", "pk10", None, None),  # terms are normalised like text
    ],
)
def test_line_format(line: str, term: str, suggestion: str | None, note: str | None) -> None:
    [entry] = parse_wordlist(line, "x.txt", "typo")
    assert (entry.term, entry.suggestion, entry.note) == (term, suggestion, note)
    assert (entry.path, entry.line) == ("x.txt", 1)


def test_comments_and_blank_lines_are_ignored() -> None:
    text = "\ufeff# header\n\n   \n# 再接再励\t再接再厉\n迫不急待\t迫不及待\n"
    entries = parse_wordlist(text, "x.txt", "typo")
    assert [(e.term, e.line) for e in entries] == [("迫不急待", 5)]


@pytest.mark.parametrize(
    ("text", "category", "message"),
    [
        ("ok\n\t建议\n", "typo", "typos.txt:2: empty term"),
        ("  # only a comment after spaces is fine\n \t建议", "typo", "typos.txt:2: empty term"),
        ("a\tb\tc\td", "typo", "typos.txt:1: too many fields"),
        ("错", "typo", "typos.txt:1: term '错' is shorter than 2 characters"),
        ("台独分子\t删除", "whitelist", "typos.txt:1: a whitelist phrase takes no suggestion"),
    ],
)
def test_broken_lines_raise(text: str, category: str, message: str) -> None:
    with pytest.raises(WordlistError) as exc:
        parse_wordlist(text, "typos.txt", category)
    assert str(exc.value).startswith(message)


def test_same_term_two_suggestions_in_one_file(tmp_path: Path) -> None:
    (tmp_path / "typos.txt").write_text("甲乙\t甲丙\n\n甲乙\t甲丁\n", encoding="utf-8")
    with pytest.raises(WordlistError) as exc:
        load_wordlists([tmp_path])
    assert exc.value.line == 3
    assert str(exc.value).startswith(f"{tmp_path / 'typos.txt'}:3: '甲乙' already has")


def test_user_file_contradicting_a_default_suggestion(tmp_path: Path) -> None:
    (tmp_path / "typos.txt").write_text("再接再励\t再接再力\n", encoding="utf-8")
    with pytest.raises(WordlistError, match=r"typos.txt:1: '再接再励' already has"):
        load_wordlists([tmp_path])


def test_same_term_same_suggestion_is_merged(tmp_path: Path) -> None:
    (tmp_path / "typos.txt").write_text("再接再励\t再接再厉\n", encoding="utf-8")
    lists = load_wordlists([tmp_path])
    assert lists.categories["typo"]["再接再励"].path.endswith("typos.txt")


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "typos.txt").write_bytes("再接再励".encode("gbk"))
    with pytest.raises(WordlistError, match="not valid UTF-8"):
        load_wordlists([tmp_path])


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(WordlistError, match="not a directory"):
        load_wordlists([tmp_path / "nope"])


def test_defaults_are_found() -> None:
    assert {p.name for p in default_dir().iterdir()} >= {
        "sensitive.txt",
        "serious.txt",
        "outdated.txt",
        "typos.txt",
        "whitelist.txt",
    }


def test_user_dir_adds_to_categories_and_makes_custom_ones(site_dir: Path) -> None:
    defaults = load_wordlists()
    lists = load_wordlists([site_dir])
    assert "性交" in lists.categories["sensitive"]
    assert set(defaults.categories["sensitive"]) < set(lists.categories["sensitive"])
    assert lists.categories["leaders"]["张三县长"].suggestion == "张三副县长"
    assert "台独分子" in lists.whitelist
    assert "README" not in lists.categories


def test_custom_category_hits(site_checker: TextChecker) -> None:
    [hit] = site_checker.check_text("张三县长出席会议。")
    assert (hit.category, hit.rule, hit.suggestion) == ("leaders", "leaders:张三县长", "张三副县长")
    assert hit.severity == severity_of("leaders") == "general"
    assert category_label("leaders") == "leaders"
