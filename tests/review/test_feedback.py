"""整改反馈 in the store: a department reports, the web office or a recheck decides, and only
confirmed fixes reach the reports."""

from __future__ import annotations

import time

import pytest

from crawler.report import build_report, parse_year
from crawler.store import feedback
from crawler.store.feedback import FeedbackError, RecheckVerdict, apply_rechecks
from crawler.store.lifecycle import (
    ImpossibleTransition,
    LifecycleError,
    mark,
    revoke_whitelist,
    whitelist_entries,
)
from tests.review.builders import HOME, A, B, crawl, events, finding_id, hit, status_of

OTHER = hit(text="迫不急待", suggestion="迫不及待", context="企业迫不急待地签约", key="other")


@pytest.fixture
def db(fresh_db):
    crawl(fresh_db, {HOME: [A, B], A: [], B: []}, hits={A: [hit()], B: [OTHER]})
    return fresh_db


@pytest.fixture
def two(db):
    return finding_id(db, text="再接再励"), finding_id(db, text="迫不急待")


def test_a_report_waits_and_changes_no_status(db, two):
    a, b = two
    with pytest.raises(FeedbackError) as err:
        feedback.report_fixed(db, [a], actor="李", department="区司法局", note=" ")
    assert err.value.zh == "请填写整改说明。"
    feedback.report_fixed(db, [a, b], actor="李", department="区司法局", note="已更正")
    assert feedback.waiting_ids(db) == {a, b}
    assert status_of(db, a) == "open" and events(db) == []  # nothing counts yet
    with pytest.raises(FeedbackError, match="already reported") as err:
        feedback.report_fixed(db, [a], actor="李", department="区司法局", note="再报")
    assert "正在等待复核" in err.value.zh


def test_accept_rectifies_with_an_event_and_reject_sends_back(db, two):
    a, b = two
    feedback.report_fixed(db, [a, b], actor="李", department="区司法局", note="已更正错别字")
    [event] = feedback.accept(db, [a], actor="王", note="")
    assert (event.from_status, event.to_status, event.actor) == ("open", "rectified", "王")
    assert event.note == "复核通过；区司法局反馈：已更正错别字"
    with pytest.raises(FeedbackError) as err:
        feedback.reject(db, [b], actor="王", reason="")
    assert err.value.zh == "请填写复核不通过的原因。"
    feedback.reject(db, [b], actor="王", reason="页面上仍有错别字")
    assert status_of(db, a) == "rectified" and status_of(db, b) == "open"
    latest = feedback.latest(db, [a, b])
    assert (latest[a]["state"], latest[b]["state"], latest[b]["reason"]) == (
        "accepted", "rejected", "页面上仍有错别字")
    assert feedback.waiting_ids(db) == set()
    with pytest.raises(FeedbackError, match="no fix report waiting"):
        feedback.accept(db, [b], actor="王")
    # Sent back, the department may report again.
    feedback.report_fixed(db, [b], actor="李", department="区司法局", note="这次改好了")
    assert feedback.waiting_ids(db) == {b}


def test_the_annual_sentence_counts_only_confirmed_fixes(db, two):
    a, b = two
    feedback.report_fixed(db, [a, b], actor="李", department="区司法局", note="已更正")
    year = parse_year(time.strftime("%Y"))
    assert build_report(db, year)["headline"]["wording_rectified"] == 0
    feedback.accept(db, [a], actor="王")
    feedback.reject(db, [b], actor="王", reason="未改")
    report = build_report(db, year)
    assert report["headline"]["wording_rectified"] == 1
    assert report["sentence"]["exact"].startswith("全年整改错敏词1个")


def test_rechecks_decide(db, two):
    a, b = two
    mark(db, [a], "rectified", actor="王", note="改了")
    feedback.report_fixed(db, [b], actor="李", department="区司法局", note="已更正")
    decided = apply_rechecks(db, [RecheckVerdict(a, "rectified", "still_there", "页面仍有「再接再励」"),
                                  RecheckVerdict(b, "open", "still_there", "页面仍有「迫不急待」")],
                             actor="王", accept_gone=True)
    assert (decided.sent_back, decided.rejected, decided.accepted) == ([a], [b], [])
    assert status_of(db, a) == "open"
    note = "整改未通过：复核发现问题仍在（页面仍有「再接再励」）"
    assert events(db, a)[-1] == (a, "王", "rectified", "open", note)
    assert feedback.latest(db, [b])[b]["reason"] == "复核发现问题仍在（页面仍有「迫不急待」）"
    # Gone: a department's own recheck never accepts its report; the web office's does.
    feedback.report_fixed(db, [b], actor="李", department="区司法局", note="再次更正")
    gone = [RecheckVerdict(b, "open", "gone")]
    assert apply_rechecks(db, gone, actor="李", accept_gone=False).accepted == []
    assert apply_rechecks(db, gone, actor="王", accept_gone=True).accepted == [b]
    assert status_of(db, b) == "rectified"
    assert events(db, b)[-1][4].startswith("复核通过：机器复核确认问题已不存在")


def test_a_recheck_of_an_older_status_decides_nothing(db, two):
    a, _ = two
    mark(db, [a], "rectified", actor="王")
    mark(db, [a], "false_positive", actor="王")  # judged meanwhile
    verdict = RecheckVerdict(a, "rectified", "still_there")
    assert apply_rechecks(db, [verdict], actor="王", accept_gone=True).sent_back == []
    assert status_of(db, a) == "false_positive"
    assert apply_rechecks(db, [RecheckVerdict(a, "false_positive", "unreachable")], actor="王",
                          accept_gone=True).sent_back == []


def test_a_report_from_before_the_last_status_change_waits_for_nothing(db, two):
    a, _ = two
    feedback.report_fixed(db, [a], actor="李", department="区司法局", note="已更正")
    time.sleep(1.1)  # timestamps are to the second
    mark(db, [a], "rectified", actor="王")  # say the crawl's evidence, or the web office
    mark(db, [a], "open", actor="王")  # and it came back
    assert feedback.waiting_ids(db) == set() and not feedback.latest(db, [a])[a]["current"]
    feedback.report_fixed(db, [a], actor="李", department="区司法局", note="又改了")
    assert feedback.waiting_ids(db) == {a}


def test_lifecycle_errors_carry_chinese(db, two):
    a, _ = two
    with pytest.raises(ImpossibleTransition) as err:
        mark(db, [a], "open", actor="王")
    assert "cannot become open" in str(err.value)  # the CLI's English
    assert err.value.zh == f"问题 {a} 当前为「待整改」，不能改为「待整改」。"
    with pytest.raises(LifecycleError) as err:
        mark(db, [], "rectified", actor="王")
    assert err.value.zh == "请先勾选要处理的问题。"


def test_whitelist_entries_and_revoke(db, two):
    a, b = two
    mark(db, [a], "false_positive", actor="王", note="专有名词", whitelist="everywhere")
    [entry] = whitelist_entries(db)
    assert (entry["value"], entry["page_url"], entry["created_by"], entry["finding_status"]) == (
        "再接再励", None, "王", "false_positive")
    revoked = revoke_whitelist(db, entry["id"], actor="赵")
    assert revoked["revoked_by"] == "赵" and whitelist_entries(db) == []
    assert len(whitelist_entries(db, include_revoked=True)) == 1
    assert status_of(db, a) == "false_positive"  # the verdict is a status change of its own
    with pytest.raises(LifecycleError) as err:
        revoke_whitelist(db, entry["id"], actor="赵")
    assert err.value.zh == f"白名单条目 {entry['id']} 已经撤销。"
