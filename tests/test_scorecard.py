"""The self-check scorecard (指标自检): each veto item's state at and around its line, the
deductions and their weights, the config's [scorecard] table, `duwang report scorecard`, the
review UI's page and the webhook summary. Real SQLite throughout; the crawl of a real portal is
in test_scorecard_crawl.py."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from crawler.inspection.scorecard import Weights, build_scorecard, save_weights, stored_weights
from crawler.notify import build_payload
from crawler.store import availability as av
from tests.conftest import run_cli
from tests.review.builders import DEAD, HOME, SITE, A, B, crawl, hit

NOW = datetime.now().astimezone()


def _finding(db, n: int, kind: str, category: str, detail: dict | None = None, severity: str = "serious",
             site: str = SITE) -> int:
    return db["findings"].insert({
        "key": f"test:{kind}|{category}|{n}", "site": site, "kind": kind, "category": category,
        "text": f"栏目{n}", "severity": severity, "status": "open",
        "first_seen": NOW.isoformat(timespec="seconds"), "detail": json.dumps(detail or {}),
    }).last_pk


def _complete_run(db, site: str = SITE) -> None:
    db["runs"].insert({"site": site, "started_at": NOW.isoformat(), "finished_at": NOW.isoformat(),
                       "status": "complete"})


def _states(db, site: str = SITE) -> dict[str, tuple]:
    card = build_scorecard(db, site)
    return {v.code: (v.state, v.count, v.warnings) for v in card.vetoes}


@pytest.mark.parametrize("over, near, column_type, code, state", [
    (0, 0, "news", "stale_columns", "ok"),
    (2, 0, "news", "stale_columns", "ok"),
    (3, 0, "notice", "stale_columns", "warning"),  # vendors warn at 3
    (4, 0, "news", "stale_columns", "warning"),
    (5, 0, "news", "stale_columns", "failing"),  # the veto line: 5 columns
    (0, 1, "news", "stale_columns", "warning"),  # one column near its window
    (9, 0, "other", "long_stale_columns", "warning"),
    (10, 0, "other", "long_stale_columns", "failing"),  # 10 long-stale columns
    (2, 0, None, "empty_columns", "ok"),
    (3, 0, None, "empty_columns", "warning"),
    (5, 0, None, "empty_columns", "failing"),  # 5 empty columns
])
def test_column_items_at_and_around_their_lines(fresh_db, over, near, column_type, code, state):
    _complete_run(fresh_db)
    kind = "empty_column" if column_type is None else "stale_column"
    for n in range(over):
        _finding(fresh_db, n, kind, kind if column_type is None else "stale", {"type": column_type})
    for n in range(near):
        _finding(fresh_db, 100 + n, kind, "due", {"type": column_type}, severity="general")
    states = _states(fresh_db)
    assert states[code] == (state, over, near)
    others = {c: s for c, (s, _, _) in states.items() if c not in (code, "availability")}
    assert set(others.values()) == {"ok"}


def test_home_page_backdating_and_serious_wording(fresh_db):
    _complete_run(fresh_db)
    assert _states(fresh_db)["stale_home"] == ("ok", 0, 0)
    _finding(fresh_db, 1, "stale_home", "due", {"latest": "2024-03-18", "age_days": 11, "window_days": 14,
                                                 "warn_at_days": 10}, severity="general")
    card = build_scorecard(fresh_db, SITE)
    [home] = [v for v in card.vetoes if v.code == "stale_home"]
    assert (home.state, home.state_label) == ("warning", "预警")
    assert home.figures == "首页最近一条信息发布于 2024-03-18，已 11 天（预警 10 天，否决线 14 天）"
    _finding(fresh_db, 2, "backdated", "backdated")
    _finding(fresh_db, 3, "wording", "sensitive")
    states = _states(fresh_db)
    assert states["backdated"] == ("failing", 1, 0)
    assert states["serious_wording"] == ("failing", 1, 0)


def test_without_a_complete_crawl_nothing_is_judged(fresh_db):
    fresh_db["runs"].insert({"site": SITE, "started_at": NOW.isoformat(), "status": "incomplete"})
    card = build_scorecard(fresh_db, SITE)
    assert {v.code: v.state for v in card.vetoes} == dict.fromkeys(
        ("stale_columns", "long_stale_columns", "empty_columns", "stale_home", "backdated", "availability",
         "serious_wording"), "no_data")
    assert card.verdict == "no_data" and card.verdict_label == "数据不足"


def _probes(db, site: str, url: str, total: int, bad: int, hours: float = 168) -> None:
    """`total` probes spread over the last `hours`, the newest `bad` of them slow."""
    step = hours / total
    av.record_probes(db, [
        av.Probe(site, url, NOW - timedelta(hours=(total - 1 - i) * step),
                 av.SLOW if i >= total - bad else av.OK, 16.0 if i >= total - bad else 0.2)
        for i in range(total)])


@pytest.mark.parametrize("total, bad, state", [
    (100, 0, "no_data"),  # fewer than 20 probes a day
    (168, 5, "ok"),  # 2.98%
    (168, 6, "warning"),  # 3.57%: over the warning line (3%)
    (168, 9, "failing"),  # 5.36%: over the veto line (5%)
])
def test_availability_from_the_watch_probes(fresh_db, total, bad, state):
    _complete_run(fresh_db)
    _probes(fresh_db, SITE, HOME, total, bad)
    [item] = [v for v in build_scorecard(fresh_db, SITE).vetoes if v.code == "availability"]
    assert (item.state, item.count) == (state, bad)
    assert item.figures.startswith(f"近7天访问 {total} 次，无法访问 0 次、超时 {bad} 次")
    assert ("不足每天 20 次" if state == "no_data" else "线 ") in item.figures


def _site_with_deductions(db) -> None:
    other_dead = "http://www.x.gov.cn/files/old.doc"
    serious = replace(hit(text="中华人民共合国", suggestion="中华人民共和国", context="中华人民共合国成立",
                          key="s", category="serious"), severity="serious")
    suspect = replace(hit(text="齐心协立", suggestion="齐心协力", context="齐心协立", key="q"),
                      severity="suspect")
    privacy = replace(hit(text="360426********0071", suggestion="", context="身份证号360426********0071",
                          key="p", category="id_number"), kind="privacy", severity="serious")
    crawl(db, {HOME: [A, B, DEAD], A: [other_dead], B: []}, dead={DEAD, other_dead},
          hits={A: [hit(), serious, suspect], B: [privacy]})


def test_deductions_weighted_and_the_score(fresh_db):
    _site_with_deductions(fresh_db)
    weights = Weights(home_link=2, other_link=0.5, wording_serious=3, wording_general=1, privacy=4)
    card = build_scorecard(fresh_db, SITE, weights)
    got = {d.code: (d.count, d.weight, d.points) for d in card.deductions}
    assert got == {"home_links": (1, 2, 2), "other_links": (1, 0.5, 0.5), "wording_serious": (1, 3, 3),
                   "wording_general": (1, 1, 1), "privacy": (1, 4, 4)}
    assert (card.deducted, card.score) == (10.5, 89.5)
    assert card.unconfirmed_suspects == 1  # not deducted until staff confirm it
    # The serious wording error is the security item (单项否决): the site fails, whatever its score.
    assert card.verdict == "failing" and [v.code for v in card.failing()] == ["serious_wording"]
    # The defaults: the commonly cited rule for links, duwang's for the rest.
    default = build_scorecard(fresh_db, SITE, Weights())
    assert [(d.code, d.points) for d in default.deductions] == [
        ("home_links", 1), ("other_links", 0.1), ("wording_serious", 1), ("wording_general", 0.5),
        ("privacy", 1)]


def test_score_under_60_fails_without_a_veto(fresh_db):
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    assert build_scorecard(fresh_db, SITE, Weights(home_link=39)).verdict == "ok"
    card = build_scorecard(fresh_db, SITE, Weights(home_link=41))
    assert (card.score, card.verdict, card.failing()) == (59, "failing", [])


def test_weights_kept_in_the_database(fresh_db):
    assert stored_weights(fresh_db) == Weights()
    save_weights(fresh_db, Weights(home_link=3))
    assert stored_weights(fresh_db) == Weights(home_link=3)
    crawl(fresh_db, {HOME: [DEAD]}, dead={DEAD})
    [home] = [d for d in build_scorecard(fresh_db, SITE).deductions if d.code == "home_links"]
    assert home.points == 3


def _config(tmp_path, db, scorecard: str) -> str:
    cfg = tmp_path / "duwang.toml"
    cfg.write_text(f'db = "{db}"\n\n[scorecard]\n{scorecard}\n\n[[site]]\nname = "{SITE}"\n'
                   'start_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    return str(cfg)


def test_report_scorecard_text_and_json(fresh_db, db_path, tmp_path):
    _site_with_deductions(fresh_db)
    cfg = _config(tmp_path, db_path, "home_link = 2\nother_link = 0.5")
    proc = run_cli("report", "scorecard", "--config", cfg, check_exit=0)
    out = proc.stdout
    assert f"指标自检 · 站点 {SITE} · 不合格" in out
    assert re.search(r"不合格\s+严重表述错误、违法有害内容\s+严重错误 1 个（严重表述错误 1 个），待人工核实"
                     r"  问题 #\d+", out)
    assert re.search(r"正常\s+空白栏目\s+0 个（否决线 5 个）", out)
    assert re.search(r"数据不足\s+网站无法访问\s+近 7 天没有访问记录", out)
    assert re.search(r"首页不可用链接\s+1 个 × 2 分 = 2 分  问题 #\d+", out)
    assert "另有疑似错误 1 个未经人工确认，不扣分" in out
    assert "指标自检：不合格，单项否决：严重表述错误、违法有害内容；估算得分 95（扣 5 分，60 分合格）" in out
    [card] = json.loads(run_cli("report", "scorecard", "--db", str(db_path), "--site", SITE, "--json",
                                check_exit=0).stdout)
    # Without --config: the weights the last crawl --config saved, here none: the defaults.
    assert (card["site"], card["verdict"], card["score"], card["deducted"]) == (SITE, "failing", 96.4, 3.6)
    assert [(v["code"], v["state"]) for v in card["vetoes"]] == [
        ("stale_columns", "ok"), ("long_stale_columns", "ok"), ("empty_columns", "ok"), ("stale_home", "ok"),
        ("backdated", "ok"), ("availability", "no_data"), ("serious_wording", "failing")]


@pytest.mark.parametrize("body, line, message", [
    ("home_link = -1", 4, "scorecard.home_link: must be a number of points, 0 or more, got -1"),
    ('other_link = "many"', 4, "scorecard.other_link: must be a number of points, 0 or more, got 'many'"),
    ("homelink = 1", 4, "scorecard.homelink: unknown key (known: home_link, other_link, wording_serious"),
])
def test_bad_weights_name_file_line_and_key(tmp_path, body, line, message):
    cfg = _config(tmp_path, tmp_path / "d.db", body)
    for command in (("report", "scorecard"), ("crawl",)):
        proc = run_cli(*command, "--config", cfg, check_exit=2)
        [said] = proc.stderr.strip().splitlines()
        assert f"{cfg}:{line}: {message}" in said, said


def test_webhook_summary_opens_with_a_failing_veto_item(fresh_db):
    _site_with_deductions(fresh_db)
    card = build_scorecard(fresh_db, SITE).to_dict()
    text = build_payload({"site": SITE, "status": "complete", "scorecard": card})["text"]["content"]
    lines = text.splitlines()
    assert lines[0] == ("【单项否决】严重表述错误、违法有害内容："
                        "严重错误 1 个（严重表述错误 1 个），待人工核实")
    assert lines[1].startswith(f"【读网巡检】{SITE}")
    assert lines[-1] == "指标自检：不合格，估算得分 96.4（扣分 3.6，60 分合格）"
    assert build_payload({"site": SITE, "scorecard": card}, "json")["scorecard"] == card
    # No failing item: the summary opens as before, the scorecard at its end.
    quiet = {**card, "vetoes": [{**v, "state": "ok"} for v in card["vetoes"]], "verdict_label": "合格"}
    text = build_payload({"site": SITE, "status": "complete", "scorecard": quiet})["text"]["content"]
    assert text.startswith("【读网巡检】") and "【单项否决】" not in text
