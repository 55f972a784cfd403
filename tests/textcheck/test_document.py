"""`duwang check-text` documents: a long text is checked in pieces in forked processes."""

from __future__ import annotations

import gc

from crawler.textcheck import TextChecker, document, load_wordlists
from crawler.textcheck.document import _cuts, check_document

LINES = [
    "区人民政府召开常务会议，研究部署安全生产工作。",
    "全体干部要再接再励，推动各项工作迈上新台阶。",
    "前来办事的群众络绎不决，窗口延长了服务时间。",
    "区国土资源局会同有关部门开展联合执法检查。",
    "经办人身份证号360426199101010071已公开。",
    "中华人民大和国成立七十五周年庆祝活动在区文化中心举行。",
]


def test_a_long_text_checked_in_pieces_finds_what_one_pass_finds(checker, monkeypatch):
    monkeypatch.setattr(document, "PARALLEL_MIN", 20_000)  # a long text, in small
    # Lines of their own, numbered, so that each finding's line and column say where it is.
    lines = [f"第{i}条：{LINES[i % len(LINES)]}" for i in range(2_000)]
    text = "\n".join(lines) + "\n"
    assert len(text) > document.PARALLEL_MIN

    def seen(found):
        return [(f.line, f.column, f.hit.rule, f.hit.text, f.hit.context) for f in found]

    one = check_document(checker, text, html=False, jobs=1)
    split = check_document(checker, text, html=False, jobs=3)
    assert seen(split) == seen(one)
    by_rule = {f.hit.rule.split(":")[0] for f in one}
    assert {"typo", "outdated", "id_number", "serious"} <= by_rule
    # Each finding points at its own line and column, across the cuts too.
    assert all(f.hit.text.replace("*", "") in lines[f.line - 1] or f.hit.rule == "id_number" for f in one)
    named = [f for f in one if f.hit.rule != "id_number"]  # an ID number's text is masked
    assert all(lines[f.line - 1][f.column - 1 :].startswith(f.hit.text) for f in named)


def test_the_checker_loads_everything_before_the_fork_and_the_collector_is_restored(checker, monkeypatch):
    """The forked processes share what the checker loaded (jieba's dictionary, the finders'
    tables) instead of each loading its own; gc.freeze() keeps their collections off those
    pages, and is undone afterwards."""
    monkeypatch.setattr(document, "PARALLEL_MIN", 20_000)
    text = "\n".join(f"第{i}条：{LINES[i % len(LINES)]}" for i in range(2_000)) + "\n"
    fresh = TextChecker(load_wordlists())
    assert fresh._tokenizer is None and fresh._inferred._suspect is None
    split = check_document(fresh, text, html=False, jobs=2)
    assert fresh._tokenizer is not None and fresh._inferred._suspect is not None
    assert fresh._scanner._automaton is not None
    assert gc.get_freeze_count() == 0
    one = check_document(checker, text, html=False, jobs=1)
    assert [(f.line, f.column, f.hit.key) for f in split] == [(f.line, f.column, f.hit.key) for f in one]


def test_cuts_fall_after_line_ends_and_cover_the_text():
    text = "甲" * 10 + "\n" + "乙" * 10 + "\n" + "丙" * 5
    cuts = _cuts(text, 3)
    assert cuts[0] == 0 and cuts[-1] == len(text)
    assert all(text[c - 1] == "\n" for c in cuts[1:-1])
    assert _cuts("无换行" * 10, 4) == [0, 30]  # no line end: one piece
