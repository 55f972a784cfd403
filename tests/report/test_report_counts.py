"""Exact counts from the known history (tests/report/history_db.py explains every finding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.report import UNASSIGNED, build_report, parse_month, parse_year
from crawler.report.counts import COUNT_KEYS
from crawler.store import open_db
from tests.report.history_db import DEPARTMENTS, SITE

TODAY = "2026-12-31"


def report(db, period: str, **kw):
    p = parse_year(period) if len(period) == 4 else parse_month(period)
    return build_report(db, p, current_day=TODAY, **kw)


def counts(row: dict) -> dict:
    return {k: row[k] for k in (*COUNT_KEYS, "median_days")}


def kinds(r: dict) -> dict[str, dict]:
    return {row["kind"]: counts(row) for row in r["by_kind"]}


def test_november(history_db):
    r = report(history_db, "2026-11")
    assert counts(r["totals"]) == {
        "found": 4, "rectified": 6, "rectified_staff": 3, "rectified_machine": 3,
        "false_positive": 1, "ignored": 0, "reopened": 2, "open_at_end": 2, "median_days": 10.0,
    }
    by_kind = kinds(r)
    # F2 (staff), F3 (machine, after reopening), F11 (reopened and fixed again in the month: once).
    assert by_kind["dead_link"] == {
        "found": 0, "rectified": 3, "rectified_staff": 2, "rectified_machine": 1, "false_positive": 0,
        "ignored": 0, "reopened": 2, "open_at_end": 1, "median_days": 10.0,
    }
    # F4 and F10 are false positives: F10 was marked rectified in November, judged a false
    # positive in December, and so never counts as rectified.
    assert by_kind["wording"]["found"] == 3
    assert by_kind["wording"]["rectified"] == 1  # F5, fixed the night it appeared
    assert by_kind["wording"]["false_positive"] == 1
    assert by_kind["wording"]["median_days"] == 0.0  # 40 minutes
    assert by_kind["unverified_link"]["rectified"] == 1
    assert by_kind["privacy"]["rectified"] == 1
    h = r["headline"]
    assert (h["dead_links_found"], h["dead_links_cleared"]) == (0, 3)  # F7 is unverified, not dead
    assert (h["wording_found"], h["wording_rectified"]) == (3, 1)
    assert {c["category"]: c["rectified"] for c in h["wording_rectified_by_category"]} == {
        "sensitive": 1, "serious": 0, "outdated": 0, "typo": 0}
    assert (h["privacy_found"], h["privacy_removed"]) == (1, 1)
    # R6 started on 11-30, so it is November's run even though it finished on 12-01.
    assert r["runs"] == {"runs": 3, "complete": 3, "incomplete": 0, "running": 0, "pages": 365,
                         "links": 7300}
    assert r["sentence"] is None


def test_october_has_the_incomplete_run(history_db):
    r = report(history_db, "2026-10")
    assert counts(r["totals"]) == {
        "found": 5, "rectified": 2, "rectified_staff": 0, "rectified_machine": 2,
        "false_positive": 0, "ignored": 0, "reopened": 0, "open_at_end": 5, "median_days": 15.0,
    }
    assert r["headline"]["dead_links_cleared"] == 2  # F1 and F3
    assert r["headline"]["dead_links_found"] == 3  # F2, F9 (incomplete run), F11
    assert r["headline"]["unverified_links_found"] == 1
    assert r["runs"] == {"runs": 2, "complete": 1, "incomplete": 1, "running": 0, "pages": 160,
                         "links": 3200}


def test_december_takes_what_happened_after_local_midnight(history_db):
    r = report(history_db, "2026-12")
    # F12 and F6's rectification carry 2026-12-01T00:30+08:00 (2026-11-30 in UTC): December.
    assert counts(r["totals"]) == {
        "found": 1, "rectified": 1, "rectified_staff": 0, "rectified_machine": 1,
        "false_positive": 1, "ignored": 0, "reopened": 0, "open_at_end": 2, "median_days": 46.1,
    }
    assert r["headline"]["wording_rectified"] == 1
    assert r["runs"]["runs"] == 0


def test_annual(history_db):
    r = report(history_db, "2026")
    assert counts(r["totals"]) == {
        "found": 12, "rectified": 8, "rectified_staff": 3, "rectified_machine": 5,
        "false_positive": 2, "ignored": 0, "reopened": 2, "open_at_end": 2, "median_days": 12.5,
    }
    h = r["headline"]
    # F3 was cleared in October and again in November: once in the year.
    assert h["dead_links_cleared"] == 4
    assert sum(m["dead_links_cleared"] for m in r["trend"]) == 5
    assert h["wording_rectified"] == 2  # F5 sensitive, F6 outdated; never F4/F10
    assert {c["category"]: c["rectified"] for c in h["wording_rectified_by_category"]} == {
        "sensitive": 1, "serious": 0, "outdated": 1, "typo": 0}
    assert h["privacy_removed"] == 1
    assert r["runs"] == {"runs": 6, "complete": 5, "incomplete": 1, "running": 0, "pages": 625,
                         "links": 12500}
    assert r["sentence"] == {"exact": "全年整改错敏词2个，清除错链、死链4条",
                             "rounded": "全年整改错敏词2个，清除错链、死链4条"}


def test_trend_month_by_month(history_db):
    trend = report(history_db, "2026")["trend"]
    assert [m["month"] for m in trend] == [f"2026-{m:02d}" for m in range(1, 13)]
    got = {m["month"]: (m["found"], m["rectified"], m["open_at_end"]) for m in trend}
    assert got["2026-08"] == (0, 0, 0)
    assert got["2026-09"] == (2, 0, 2)
    assert got["2026-10"] == (5, 2, 5)
    assert got["2026-11"] == (4, 6, 2)
    assert got["2026-12"] == (1, 1, 2)


def test_trend_leaves_out_the_future_and_the_time_before_the_first_run(history_db):
    months = [m["month"] for m in build_report(history_db, parse_year("2026"),
                                               current_day="2026-11-26")["trend"]]
    assert months == [f"2026-{m:02d}" for m in range(1, 12)]
    months = [m["month"] for m in build_report(history_db, parse_month("2026-11"),
                                               current_day="2026-11-26")["trend"]]
    assert months == ["2026-09", "2026-10", "2026-11"]


def test_categories_table(history_db):
    rows = {(r["kind"], r["category"]): r for r in report(history_db, "2026")["by_category"]}
    assert rows[("dead_link", "http_4xx")]["rectified"] == 3
    assert rows[("dead_link", "http_4xx")]["label"] == "网页打不开（4××错误）"  # crawler.labels
    assert rows[("wording", "typo")]["false_positive"] == 2
    assert rows[("wording", "typo")]["label"] == "错别字"
    assert rows[("unverified_link", "blocked")]["kind_label"] == "待核实链接"


def test_departments_default_to_unassigned(history_db):
    rows = report(history_db, "2026")["by_department"]
    assert [r["department"] for r in rows] == [UNASSIGNED]
    assert rows[0]["found"] == 12


def test_departments_from_a_mapping(history_db):
    rows = {r["department"]: r for r in report(history_db, "2026", departments=DEPARTMENTS)["by_department"]}
    assert set(rows) == {"区教育局", "区卫生健康局", UNASSIGNED}
    assert rows["区教育局"]["found"] == 4  # F1 F2 F6 F9
    assert rows["区教育局"]["rectified"] == 3
    assert rows["区卫生健康局"]["found"] == 4  # F4 F5 F8 F10
    assert rows["区卫生健康局"]["false_positive"] == 2
    assert rows[UNASSIGNED]["found"] == 4  # F3 F7 (home page), F11 F12


def test_site_filter(history_db):
    assert report(history_db, "2026", site=SITE)["totals"]["found"] == 12
    other = report(history_db, "2026", site="other.gov.cn")
    assert other["totals"]["found"] == 0
    assert other["runs"]["runs"] == 0


def test_a_status_change_without_an_event_still_counts(tmp_path: Path):
    db = open_db(tmp_path / "x.db")
    db["findings"].insert({"key": "k", "site": "s", "kind": "wording", "category": "typo",
                           "status": "rectified", "status_changed_at": "2026-05-02T10:00:00+08:00",
                           "status_by": "zhao", "first_seen": "2026-04-30T23:00:00+08:00",
                           "last_seen": "2026-04-30T23:00:00+08:00"})
    april = build_report(db, parse_month("2026-04"), current_day=TODAY)["totals"]
    may = build_report(db, parse_month("2026-05"), current_day=TODAY)["totals"]
    assert (april["found"], april["rectified"], april["open_at_end"]) == (1, 0, 1)
    assert (may["rectified"], may["rectified_staff"], may["open_at_end"]) == (1, 1, 0)
    db.close()


def test_an_empty_database(tmp_path: Path):
    db = open_db(tmp_path / "x.db")
    r = build_report(db, parse_year("2026"), current_day=TODAY)
    assert r["totals"]["found"] == 0 and r["totals"]["median_days"] is None
    assert r["sentence"]["exact"] == "全年整改错敏词0个，清除错链、死链0条"
    db.close()


@pytest.mark.parametrize("period", ["2026-09", "2026-10", "2026-11", "2026-12", "2026"])
def test_staff_plus_machine_is_rectified(history_db, period):
    for row in [report(history_db, period)["totals"], *report(history_db, period)["by_kind"]]:
        assert row["rectified_staff"] + row["rectified_machine"] == row["rectified"]
