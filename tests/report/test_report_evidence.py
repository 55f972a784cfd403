"""Only rectifications that meet the evidence rule count in the reports."""

from __future__ import annotations

from crawler.report import build_report, parse_month, parse_year
from crawler.report.render_html import render_html
from crawler.report.render_text import render_text
from crawler.store import open_db

SITE = "qu.example.gov.cn"
FOUND = "2026-10-02T22:00:00+08:00"
FIXED = "2026-10-20T23:00:00+08:00"


def _db(path):
    db = open_db(path)
    db["runs"].insert_all([
        {"id": 1, "site": SITE, "started_at": FOUND, "finished_at": FOUND, "status": "complete",
         "reason": "finished", "pages": 10, "links": 100, "start_urls": "[]", "pid": 1},
        {"id": 2, "site": SITE, "started_at": FIXED, "finished_at": FIXED, "status": "complete",
         "reason": "finished", "pages": 10, "links": 100, "start_urls": "[]", "pid": 1},
    ])
    # 1: rectified by the machine on evidence; 2: closed by an older version by absence alone;
    # 3: marked rectified by staff.
    for fid, kind in ((1, "wording"), (2, "wording"), (3, "dead_link")):
        db["findings"].insert({
            "id": fid, "key": f"k{fid}", "site": SITE, "kind": kind, "category": "typo",
            "severity": "general", "status": "rectified", "first_seen": FOUND, "last_seen": FOUND,
            "first_run": 1, "last_run": 1, "status_changed_at": FIXED,
        })
    db["events"].insert_all([
        {"finding_id": 1, "at": FIXED, "actor": "machine", "from_status": "open",
         "to_status": "rectified", "note": "", "run_id": 2, "evidence": "read"},
        {"finding_id": 2, "at": FIXED, "actor": "machine", "from_status": "open",
         "to_status": "rectified", "note": "", "run_id": 2, "evidence": None},
        {"finding_id": 3, "at": FIXED, "actor": "zhang", "from_status": "open",
         "to_status": "rectified", "note": "", "run_id": None, "evidence": None},
    ])
    return db


def test_a_machine_rectification_without_evidence_is_not_counted(tmp_path):
    db = _db(tmp_path / "d.db")
    for period in (parse_month("2026-10"), parse_year("2026")):
        r = build_report(db, period, current_day="2026-12-31")
        assert (r["totals"]["rectified"], r["totals"]["rectified_machine"],
                r["totals"]["rectified_staff"]) == (2, 1, 1)
        assert r["headline"]["wording_rectified"] == 1
        assert r["unproven_rectified"] == 1
    annual = build_report(db, parse_year("2026"), current_day="2026-12-31")
    assert annual["sentence"]["exact"] == "全年整改错敏词1个，清除错链、死链1条"
    note = "另有 1 个问题由旧版本仅因未再发现即关闭"
    assert note in render_text(annual) and note in render_html(annual)


def test_no_note_when_every_rectification_has_evidence(tmp_path):
    db = _db(tmp_path / "d.db")
    db.execute("UPDATE events SET evidence = 'gone' WHERE finding_id = 2")
    r = build_report(db, parse_month("2026-10"), current_day="2026-12-31")
    assert r["unproven_rectified"] == 0 and r["totals"]["rectified_machine"] == 2
    assert "旧版本" not in render_text(r)


def test_a_suspect_typo_counts_only_once_staff_confirm_it(tmp_path):
    from crawler.store.lifecycle import confirm

    db = _db(tmp_path / "d.db")
    db.execute("UPDATE findings SET severity = 'suspect' WHERE id = 1")
    annual = build_report(db, parse_year("2026"), current_day="2026-12-31")
    assert annual["headline"]["wording_rectified"] == 0 and annual["unconfirmed_suspects"] == 1
    assert annual["sentence"]["exact"] == "全年整改错敏词0个，清除错链、死链1条"
    assert "另发现疑似错误 1 个，未经人工确认" in render_text(annual)
    confirm(db, [1], actor="zhang")
    annual = build_report(db, parse_year("2026"), current_day="2026-12-31")
    assert annual["headline"]["wording_rectified"] == 1 and annual["unconfirmed_suspects"] == 0
    assert "疑似错误" not in render_text(annual)
