"""The finding lifecycle: every status transition, the audit trail, and the whitelist."""

from __future__ import annotations

import itertools

import pytest

from crawler.errors import DuwangError
from crawler.store.lifecycle import (
    FALSE_POSITIVE,
    IGNORED,
    MACHINE,
    OPEN,
    RECTIFIED,
    STATUSES,
    FindingNotFound,
    ImpossibleTransition,
    LifecycleError,
    allowed,
    history,
    machine_transition,
    mark,
    whitelist_rows,
)
from crawler.store.queries import list_findings
from tests.review.builders import DEAD, HOME, A, B, crawl, events, finding_id, hit, status_of

STAFF_ALLOWED = {
    (OPEN, RECTIFIED), (OPEN, FALSE_POSITIVE), (OPEN, IGNORED),
    (RECTIFIED, OPEN), (RECTIFIED, FALSE_POSITIVE),
    (FALSE_POSITIVE, OPEN),
    (IGNORED, OPEN),
}
MACHINE_ALLOWED = {(OPEN, RECTIFIED), (RECTIFIED, OPEN)}
PAIRS = list(itertools.product(STATUSES, STATUSES))


def _one_dead_link(db) -> int:
    crawl(db, {HOME: [A, DEAD], A: []}, dead={DEAD})
    return finding_id(db, kind="dead_link")


def _force(db, fid: int, status: str) -> None:
    """Arrange a status without an event (test set-up only)."""
    with db.conn:
        db.execute("UPDATE findings SET status = ? WHERE id = ?", [status, fid])


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_staff_transition(fresh_db, old, new):
    fid = _one_dead_link(fresh_db)
    _force(fresh_db, fid, old)
    before = events(fresh_db)
    if (old, new) in STAFF_ALLOWED:
        [event] = mark(fresh_db, [fid], new, actor="zhang", note="已在CMS中修改")
        assert (event.from_status, event.to_status, event.actor) == (old, new, "zhang")
        assert status_of(fresh_db, fid) == new
        assert events(fresh_db) == [*before, (fid, "zhang", old, new, "已在CMS中修改")]
    else:
        with pytest.raises(ImpossibleTransition, match=f"finding {fid} is {old}"):
            mark(fresh_db, [fid], new, actor="zhang")
        assert status_of(fresh_db, fid) == old
        assert events(fresh_db) == before


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_allowed_tables(old, new):
    assert allowed(old, new, "zhang") == ((old, new) in STAFF_ALLOWED)
    assert allowed(old, new, MACHINE) == ((old, new) in MACHINE_ALLOWED)


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_machine_transition(fresh_db, old, new):
    fid = _one_dead_link(fresh_db)
    _force(fresh_db, fid, old)
    params = {"id": fid, "now": "2026-11-02T03:00:00+08:00"}
    if (old, new) in MACHINE_ALLOWED:
        assert machine_transition(fresh_db, "id = :id", params, new, 7, "机器") == 1
        assert events(fresh_db)[-1] == (fid, MACHINE, old, new, "机器")
        assert status_of(fresh_db, fid) == new
    else:
        with pytest.raises(ImpossibleTransition):
            machine_transition(fresh_db, "id = :id", params, new, 7, "机器")


def test_audit_trail_keeps_every_change(fresh_db):
    fid = _one_dead_link(fresh_db)
    mark(fresh_db, [fid], RECTIFIED, actor="zhang", note="删除了链接")
    crawl(fresh_db, {HOME: [A, DEAD], A: []}, dead={DEAD})  # it came back: the machine reopens
    mark(fresh_db, [fid], IGNORED, actor="li", note="外部系统，无法修改")
    mark(fresh_db, [fid], OPEN, actor="li")
    crawl(fresh_db, {HOME: [A], A: []})  # gone, after a complete crawl
    trail = history(fresh_db, fid)
    assert [(e["actor"], e["from_status"], e["to_status"]) for e in trail] == [
        ("zhang", OPEN, RECTIFIED),
        (MACHINE, RECTIFIED, OPEN),
        ("li", OPEN, IGNORED),
        ("li", IGNORED, OPEN),
        (MACHINE, OPEN, RECTIFIED),
    ]
    assert trail[0]["note"] == "删除了链接" and trail[2]["note"] == "外部系统，无法修改"
    assert all(e["at"] for e in trail)
    assert trail[1]["run_id"] and trail[0]["run_id"] is None
    row = fresh_db["findings"].get(fid)
    assert (row["status"], row["status_by"]) == (RECTIFIED, MACHINE)
    assert row["status_changed_at"] == trail[-1]["at"]
    assert fresh_db["findings"].count == 1  # nothing deleted, nothing duplicated


def test_bulk_mark_is_all_or_nothing(fresh_db):
    crawl(fresh_db, {HOME: [A, DEAD, B], A: [], B: []}, dead={DEAD, B})
    first, second = [r[0] for r in fresh_db.execute("SELECT id FROM findings ORDER BY id").fetchall()]
    _force(fresh_db, second, IGNORED)
    with pytest.raises(ImpossibleTransition, match=f"finding {second} is ignored"):
        mark(fresh_db, [first, second], RECTIFIED, actor="zhang")
    assert status_of(fresh_db, first) == OPEN and events(fresh_db) == []
    assert len(mark(fresh_db, [first, first], RECTIFIED, actor="zhang")) == 1  # duplicates once


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"ids": [999]}, FindingNotFound, "no finding with id 999"),
        ({"ids": []}, LifecycleError, "no finding ids"),
        ({"to": "fixed"}, LifecycleError, "unknown status 'fixed'"),
        ({"actor": MACHINE}, LifecycleError, "user name other than"),
        ({"actor": ""}, LifecycleError, "user name other than"),
        ({"whitelist": "page"}, LifecycleError, "only with the status false_positive"),
        ({"to": FALSE_POSITIVE, "whitelist": "site"}, LifecycleError, "unknown whitelist scope"),
    ],
)
def test_bad_requests_are_named_errors(fresh_db, kwargs, error, message):
    fid = _one_dead_link(fresh_db)
    args = {"ids": [fid], "to": RECTIFIED, "actor": "zhang", **kwargs}
    with pytest.raises(error, match=message):
        mark(fresh_db, args.pop("ids"), args.pop("to"), **args)
    assert issubclass(error, DuwangError)
    assert status_of(fresh_db, fid) == OPEN and events(fresh_db) == []


# --- the false-positive whitelist --------------------------------------------------------------

FOOTER = hit(context="让我们再接再励，共创佳绩")
ELSEWHERE = hit(context="各单位要再接再励，完成全年目标")


def _wording_ids(db) -> list[tuple[int, str, list[str]]]:
    return [(r["id"], r["status"], r["pages"]) for r in list_findings(db, kind="wording")]


def test_whitelist_everywhere_stops_the_text_on_any_page(fresh_db):
    crawl(fresh_db, {HOME: [], A: []}, hits={A: [FOOTER]})
    fid = finding_id(fresh_db, kind="wording")
    mark(fresh_db, [fid], FALSE_POSITIVE, actor="zhang", note="人名", whitelist="everywhere")
    [row] = whitelist_rows(fresh_db, fid)
    assert (row["kind"], row["value"], row["page_url"]) == ("text", "再接再励", None)
    assert row["created_by"] == "zhang"
    crawl(fresh_db, {HOME: [], A: [], B: []}, hits={A: [FOOTER], B: [ELSEWHERE]})
    assert _wording_ids(fresh_db) == [(fid, FALSE_POSITIVE, [A])]  # no new finding for B
    assert fresh_db.execute("SELECT count(*) FROM occurrences WHERE page_url = ?", [B]).fetchone()[0] == 0


def test_whitelist_page_stops_it_there_only(fresh_db):
    crawl(fresh_db, {HOME: [], A: []}, hits={A: [FOOTER]})
    fid = finding_id(fresh_db, kind="wording")
    mark(fresh_db, [fid], FALSE_POSITIVE, actor="zhang", whitelist="page")
    assert [r["page_url"] for r in whitelist_rows(fresh_db, fid)] == [A]
    crawl(fresh_db, {HOME: [], A: [], B: []}, hits={A: [ELSEWHERE], B: [ELSEWHERE]})
    found = _wording_ids(fresh_db)
    assert [f for f in found if f[0] != fid] == [(fid + 1, OPEN, [B])]  # B is flagged, A is not


def test_taking_back_a_false_positive_revokes_its_whitelist(fresh_db):
    crawl(fresh_db, {HOME: [], A: []}, hits={A: [FOOTER]})
    fid = finding_id(fresh_db, kind="wording")
    mark(fresh_db, [fid], FALSE_POSITIVE, actor="zhang", whitelist="everywhere")
    mark(fresh_db, [fid], OPEN, actor="wang", note="确实是错别字")
    [row] = whitelist_rows(fresh_db, fid)
    assert row["revoked_by"] == "wang" and row["revoked_at"]
    crawl(fresh_db, {HOME: [], A: []}, hits={A: [FOOTER]})
    # Seen again, so it stays open rather than being "rectified" for not being seen.
    assert _wording_ids(fresh_db) == [(fid, OPEN, [A])]


def test_whitelisted_link_is_not_reopened_or_linked_from_whitelisted_pages(fresh_db):
    fid = _one_dead_link(fresh_db)
    mark(fresh_db, [fid], FALSE_POSITIVE, actor="zhang", whitelist="page")
    crawl(fresh_db, {HOME: [A, DEAD], A: [DEAD]}, dead={DEAD})
    [f] = list_findings(fresh_db, kind="dead_link")
    assert (f["status"], f["pages"]) == (FALSE_POSITIVE, [A])  # HOME is whitelisted, A is new


def test_whitelist_everywhere_for_a_link(fresh_db):
    fid = _one_dead_link(fresh_db)
    mark(fresh_db, [fid], FALSE_POSITIVE, actor="zhang", whitelist="everywhere")
    last_run = fresh_db["findings"].get(fid)["last_run"]
    crawl(fresh_db, {HOME: [A, DEAD], A: [DEAD]}, dead={DEAD})
    assert fresh_db["findings"].get(fid)["last_run"] == last_run  # not seen: whitelisted
    assert status_of(fresh_db, fid) == FALSE_POSITIVE


def test_staff_confirm_suspects_and_only_suspects(fresh_db):
    from crawler.store.lifecycle import LifecycleError, confirm

    suspect = hit(text="络绎不决", suggestion="络绎不绝", context="游客络绎不决", key="s")
    crawl(fresh_db, {A: []}, hits={A: [suspect, hit()]})
    fresh_db.execute("UPDATE findings SET severity = 'suspect' WHERE text = '络绎不决'")
    sid, tid = finding_id(fresh_db, text="络绎不决"), finding_id(fresh_db, text="再接再励")
    with pytest.raises(LifecycleError, match="not a suspect"):
        confirm(fresh_db, [sid, tid], actor="zhang")
    assert fresh_db.execute("SELECT confirmed_at FROM findings WHERE id = ?", [sid]).fetchone() == (None,)
    assert confirm(fresh_db, [sid], actor="zhang") == [sid]
    row = fresh_db.execute("SELECT confirmed_by, status FROM findings WHERE id = ?", [sid]).fetchone()
    assert row == ("zhang", "open")
    with pytest.raises(LifecycleError, match="other than"):
        confirm(fresh_db, [sid], actor="machine")
