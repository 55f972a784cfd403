"""整改反馈: a department reports a fix, the web office decides, and a recheck can decide too.

A department's report does not change the finding's status: it stays ``open`` (待整改) with a
``pending`` feedback row until the web office accepts it (复核通过: the finding becomes
``rectified``, with an event, so the reports count it from then on) or sends it back with a
reason (复核不通过). The annual sentence therefore counts only confirmed fixes.

A recheck (复核) decides as well (apply_rechecks):

- the problem is still there: a ``rectified`` finding goes back to ``open`` (整改未通过, an
  event), and a pending report is sent back with the recheck's reason;
- the problem is gone: a pending report is accepted when the web office asked for the
  recheck (a department's own recheck never accepts its own report).

Rows are never deleted; every step keeps who and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from crawler.store.db import now, transaction
from crawler.store.lifecycle import (
    MACHINE,
    OPEN,
    RECTIFIED,
    Event,
    FindingNotFound,
    LifecycleError,
    label,
    record,
)

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
STATE_LABELS = {PENDING: "已反馈整改，待复核", ACCEPTED: "复核通过", REJECTED: "复核不通过"}
GONE, STILL_THERE = "gone", "still_there"  # recheck results (crawler/recheck.py)


class FeedbackError(LifecycleError):
    pass


@dataclass(frozen=True)
class RecheckVerdict:
    """What a recheck found for one finding, as apply_rechecks needs it."""

    finding_id: int
    status: str  # the finding's status when it was rechecked
    result: str  # gone | still_there | unreachable
    detail: str = ""  # why, in Chinese, for the note


@dataclass
class Decisions:
    sent_back: list[int] = field(default_factory=list)  # rectified -> open (整改未通过)
    rejected: list[int] = field(default_factory=list)  # a pending report sent back
    accepted: list[int] = field(default_factory=list)  # a pending report accepted


def _ids(ids: Iterable[int], what: str) -> list[int]:
    out = list(dict.fromkeys(int(i) for i in ids))
    if not out:
        raise FeedbackError("no finding ids given", f"请先勾选要{what}的问题。")
    return out


def _actor(actor: str) -> None:
    if not actor or actor == MACHINE:
        raise FeedbackError(f"feedback needs a user name other than {MACHINE!r}", "需要登录后再处理。")


def _statuses(db: Database, ids: list[int]) -> dict[int, str]:
    rows = dict(db.execute(
        f"SELECT id, status FROM findings WHERE id IN ({','.join('?' * len(ids))})", ids
    ).fetchall())
    missing = [i for i in ids if i not in rows]
    if missing:
        raise FindingNotFound("no finding with id " + ", ".join(map(str, missing)),
                              "没有编号为 " + "、".join(map(str, missing)) + " 的问题。")
    return rows


# A report belongs to the finding's current spell: one made before its last status change
# (say the crawl rectified it, then it came back) waits for nothing any more.
_CURRENT = "julianday(b.at) >= julianday(coalesce(f.status_changed_at, f.first_seen))"


def _pending(db: Database, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The pending report of each finding in `ids` that has one in its current spell."""
    if not ids:
        return {}
    return {r["finding_id"]: dict(r) for r in db.query(
        "SELECT b.* FROM feedback b JOIN findings f ON f.id = b.finding_id WHERE b.state = 'pending' "
        f"AND {_CURRENT} AND b.finding_id IN ({','.join('?' * len(ids))})", ids,
    )}


def report_fixed(db: Database, ids: Iterable[int], *, actor: str, department: str, note: str) -> list[int]:
    """A department reports findings `ids` fixed (整改反馈); all or nothing.

    Each must be open (待整改) with no report already waiting. The caller checks that the
    findings are the department's own.
    """
    ids = _ids(ids, "反馈")
    _actor(actor)
    note = note.strip()
    if not note:
        raise FeedbackError("a fix report needs a note saying what was done", "请填写整改说明。")
    with transaction(db):
        statuses = _statuses(db, ids)
        bad = [i for i in ids if statuses[i] != OPEN]
        if bad:
            raise FeedbackError(
                "not open, nothing to report: " + ", ".join(map(str, bad)),
                "；".join(f"问题 {i} 当前为「{label(statuses[i])}」，无需反馈整改" for i in bad) + "。")
        waiting = sorted(_pending(db, ids))
        if waiting:
            raise FeedbackError(
                "already reported and waiting for the web office: " + ", ".join(map(str, waiting)),
                "问题 " + "、".join(map(str, waiting)) + " 已反馈整改，正在等待复核。")
        at = now()
        db.conn.executemany(
            "INSERT INTO feedback (finding_id, at, actor, department, note, state) VALUES (?,?,?,?,?,?)",
            [(i, at, actor, department, note, PENDING) for i in ids],
        )
    return ids


def accept(db: Database, ids: Iterable[int], *, actor: str, note: str = "") -> list[Event]:
    """复核通过: the web office accepts the pending reports of `ids`; each finding becomes
    rectified with an event. All or nothing."""
    ids = _ids(ids, "复核")
    _actor(actor)
    with transaction(db):
        return _accept(db, ids, actor, note.strip(), now())


def _accept(db: Database, ids: list[int], actor: str, note: str, at: str) -> list[Event]:
    statuses = _statuses(db, ids)
    pending = _pending(db, ids)
    missing = [i for i in ids if i not in pending or statuses[i] != OPEN]
    if missing:
        raise FeedbackError("no fix report waiting for: " + ", ".join(map(str, missing)),
                            "问题 " + "、".join(map(str, missing)) + " 没有待复核的整改反馈。")
    events = []
    for i in ids:
        fb = pending[i]
        said = f"；{fb['department'] or fb['actor']}反馈：{fb['note']}" if fb["note"] else ""
        event = Event(i, at, actor, OPEN, RECTIFIED, f"复核通过{('：' + note) if note else ''}{said}")
        record(db, event)
        db.execute("UPDATE feedback SET state = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
                   (ACCEPTED, at, actor, note, fb["id"]))
        events.append(event)
    return events


def reject(db: Database, ids: Iterable[int], *, actor: str, reason: str) -> list[int]:
    """复核不通过: send the pending reports of `ids` back with `reason`; the findings stay open."""
    ids = _ids(ids, "退回")
    _actor(actor)
    reason = reason.strip()
    if not reason:
        raise FeedbackError("sending a fix report back needs a reason", "请填写复核不通过的原因。")
    with transaction(db):
        _reject(db, ids, actor, reason, now())
    return ids


def _reject(db: Database, ids: list[int], actor: str, reason: str, at: str) -> None:
    pending = _pending(db, ids)
    missing = [i for i in ids if i not in pending]
    if missing:
        _statuses(db, missing)  # unknown ids say so
        raise FeedbackError("no fix report waiting for: " + ", ".join(map(str, missing)),
                            "问题 " + "、".join(map(str, missing)) + " 没有待复核的整改反馈。")
    db.conn.executemany(
        "UPDATE feedback SET state = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
        [(REJECTED, at, actor, reason, pending[i]["id"]) for i in ids],
    )


def apply_rechecks(db: Database, verdicts: Iterable[RecheckVerdict], *, actor: str,
                   accept_gone: bool) -> Decisions:
    """Let recheck results decide (see the module doc), in one transaction.

    A verdict applies only while the finding still has the status it was rechecked in: a
    change made meanwhile wins, and the recheck then belongs to the old status.
    """
    verdicts = list(verdicts)
    out = Decisions()
    if not verdicts:
        return out
    _actor(actor)
    ids = [v.finding_id for v in verdicts]
    with transaction(db):
        statuses = _statuses(db, ids)
        pending = _pending(db, ids)
        at = now()
        for v in verdicts:
            status = statuses[v.finding_id]
            if status != v.status:
                continue
            why = f"（{v.detail}）" if v.detail else ""
            if v.result == STILL_THERE and status == RECTIFIED:
                note = f"整改未通过：复核发现问题仍在{why}"
                record(db, Event(v.finding_id, at, actor, RECTIFIED, OPEN, note))
                out.sent_back.append(v.finding_id)
            elif v.result == STILL_THERE and v.finding_id in pending:
                _reject(db, [v.finding_id], actor, f"复核发现问题仍在{why}", at)
                out.rejected.append(v.finding_id)
            elif v.result == GONE and accept_gone and v.finding_id in pending and status == OPEN:
                _accept(db, [v.finding_id], actor, "机器复核确认问题已不存在", at)
                out.accepted.append(v.finding_id)
    return out


def latest(db: Database, ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """The newest feedback row of each finding (of `ids`, or all), with ``current``: whether
    it was made in the finding's current spell (after its last status change)."""
    sql = (f"SELECT b.*, {_CURRENT} AS current FROM feedback b JOIN findings f ON f.id = b.finding_id "
           "WHERE b.id IN (SELECT max(id) FROM feedback GROUP BY finding_id)")
    params: list[Any] = []
    if ids is not None:
        params = list(ids)
        if not params:
            return {}
        sql += f" AND b.finding_id IN ({','.join('?' * len(params))})"
    return {r["finding_id"]: {**dict(r), "current": bool(r["current"])} for r in db.query(sql, params)}


def of(db: Database, finding_id: int) -> list[dict[str, Any]]:
    """A finding's feedback rows, oldest first."""
    rows = db.query("SELECT * FROM feedback WHERE finding_id = ? ORDER BY id", [finding_id])
    return [dict(r) for r in rows]


def waiting_ids(db: Database) -> set[int]:
    """Open findings with a report waiting for the web office (待复核)."""
    return {r[0] for r in db.execute(
        "SELECT b.finding_id FROM feedback b JOIN findings f ON f.id = b.finding_id "
        f"WHERE b.state = 'pending' AND f.status = 'open' AND {_CURRENT}"
    ).fetchall()}
