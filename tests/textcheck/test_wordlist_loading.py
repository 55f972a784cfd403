"""Wordlist files: format, user directories, custom categories, broken lines."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from crawler.textcheck import Entry, TextChecker, WordlistError, load_wordlists
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


@pytest.mark.parametrize(
    ("line", "category", "fields"),
    [
        ("国土资源局\t自然资源局\tsince=2018-03-21", "outdated", ("自然资源局", None, "2018-03-21")),
        ("国土资源局\t自然资源局\t备注\tsince=2018-03-21", "outdated", ("自然资源局", "备注", "2018-03-21")),
        ("国土资源局\t\t\tsince=2018-03-21", "outdated", (None, None, "2018-03-21")),
        ("国土资源局\tsince=2018-03-21", "outdated", (None, None, "2018-03-21")),
        ("国土资源局\t自然资源局\t since = 2018-03-21 ", "outdated", ("自然资源局", None, "2018-03-21")),
        (
            "十九大五中全会\t十九届五中全会\tsince=2020-10-29",
            "serious",
            ("十九届五中全会", None, "2020-10-29"),
        ),
        ("张三县长\t张三副县长\tsince=2024-05-01", "leaders", ("张三副县长", None, "2024-05-01")),
        ("国土资源局\t自然资源局", "outdated", ("自然资源局", None, None)),
    ],
)
def test_since_column(line: str, category: str, fields: tuple[str | None, ...]) -> None:
    [entry] = parse_wordlist(line, "x.txt", category)
    since = None if fields[2] is None else datetime.date.fromisoformat(fields[2])
    assert (entry.suggestion, entry.note, entry.since) == (fields[0], fields[1], since)


def test_entry_without_since_keeps_old_signature() -> None:
    entry = Entry("再接再励", "typo", "再接再厉", None, "x.txt", 3)
    assert entry.since is None and entry.source == "x.txt:3"


@pytest.mark.parametrize(
    ("text", "category", "message"),
    [
        ("国土资源局\t自然资源局\tsince=2018-13-40", "outdated", "x.txt:1: since='2018-13-40' is not a date"),
        ("国土资源局\t自然资源局\tsince=2018-3-21", "outdated", "x.txt:1: since='2018-3-21' is not a date"),
        ("国土资源局\t自然资源局\tsince=20180321", "outdated", "x.txt:1: since='20180321' is not a date"),
        ("国土资源局\t自然资源局\tsince=", "outdated", "x.txt:1: since='' is not a date"),
        ("ok\n国土资源局\t自然资源局\tfoo=bar", "outdated", "x.txt:2: unknown column 'foo'"),
        (
            "国土资源局\t自然资源局\tsince=2018-03-21\tsince=2018-03-21",
            "outdated",
            "x.txt:1: column 'since' given twice",
        ),
        (
            "国土资源局\t自然资源局\tsince=2018-03-21\t备注",
            "outdated",
            "x.txt:1: field '备注' after a name=value column",
        ),
        ("再接再励\t再接再厉\tsince=2018-03-21", "typo", "x.txt:1: since= is for terms that became wrong"),
        ("百家乐\t删除\tsince=2018-03-21", "sensitive", "x.txt:1: since= is for terms that became wrong"),
        ("原国土资源局\tsince=2018-03-21", "whitelist", "x.txt:1: since= is for terms that became wrong"),
    ],
)
def test_broken_columns_raise(text: str, category: str, message: str) -> None:
    with pytest.raises(WordlistError) as exc:
        parse_wordlist(text, "x.txt", category)
    assert str(exc.value).startswith(message), str(exc.value)


def test_broken_since_in_a_user_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "outdated.txt").write_text("# header\n人事局\t人力资源和社会保障局\tsince=2008-02-30\n")
    with pytest.raises(WordlistError) as exc:
        load_wordlists([tmp_path])
    assert (exc.value.path, exc.value.line) == (str(tmp_path / "outdated.txt"), 2)


def test_since_conflict_between_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "leaders.txt").write_text("张三县长\t张三副县长\tsince=2024-05-01\n", encoding="utf-8")
    (b / "leaders.txt").write_text("张三县长\t张三副县长\tsince=2024-06-01\n", encoding="utf-8")
    with pytest.raises(WordlistError, match=r"leaders.txt:1: '张三县长' already has since=2024-05-01"):
        load_wordlists([a, b])


def test_a_repeat_may_supply_the_missing_date(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "leaders.txt").write_text("张三县长\t张三副县长\n", encoding="utf-8")
    (b / "leaders.txt").write_text("张三县长\t张三副县长\tsince=2024-05-01\n张三县长\t张三副县长\n")
    entry = load_wordlists([a, b]).categories["leaders"]["张三县长"]
    assert entry.since == datetime.date(2024, 5, 1)


def test_fingerprint_follows_the_since_date(tmp_path: Path) -> None:
    def fingerprint(text: str) -> str:
        (tmp_path / "leaders.txt").write_text(text, encoding="utf-8")
        return load_wordlists([tmp_path]).fingerprint()

    undated = fingerprint("张三县长\t张三副县长\n")
    dated = fingerprint("张三县长\t张三副县长\tsince=2024-05-01\n")
    redated = fingerprint("张三县长\t张三副县长\tsince=2024-05-02\n")
    assert len({undated, dated, redated}) == 3
    assert fingerprint("张三县长\t张三副县长\tsince=2024-05-01\n") == dated


def test_a_dangling_symlink_to_a_wordlist_is_an_error(tmp_path: Path) -> None:
    """A list that vanished (its link points nowhere) must not be skipped in silence."""
    (tmp_path / "sensitive.txt").write_text("某某词\n", encoding="utf-8")
    (tmp_path / "typos.txt").symlink_to(tmp_path / "moved-away.txt")
    with pytest.raises(WordlistError, match="typos.txt.*does not exist"):
        load_wordlists([tmp_path])
