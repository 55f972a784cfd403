"""The finding lifecycle: statuses, who may move a finding where, and the audit trail.

The CLI (`duwang mark`), the review UI and the end of a crawl (finalize.py) all change a
status through this module, so every change writes one event (who, when, from, to, note).
Nothing is deleted: events and whitelist rows are only ever added (a whitelist row is revoked
by stamping it).

Staff transitions (decided here, documented in the README "Review UI"):

- ``open`` -> ``rectified`` / ``false_positive`` / ``ignored``: the morning review;
- ``rectified`` -> ``open``: the fix did not hold;
- ``rectified`` -> ``false_positive``: a finding the machine rectified that was never an
  error. Going through ``open`` instead would count as 重新出现 in the reports;
- ``false_positive`` -> ``open`` and ``ignored`` -> ``open``: a verdict taken back.

The machine only rectifies open findings on evidence (finalize.Evidence), and reopens rectified ones
that come back. Anything else, including a status to itself, raises ImpossibleTransition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from crawler.errors import DuwangError
from crawler.store.db import now, transaction

MACHINE = "machine"
SUSPECT = "suspect"  # the severity of a suspect typo (疑似错误)
OPEN, RECTIFIED, FALSE_POSITIVE, IGNORED = "open", "rectified", "false_positive", "ignored"
STATUSES = (OPEN, RECTIFIED, FALSE_POSITIVE, IGNORED)
STATUS_LABELS = {OPEN: "待整改", RECTIFIED: "已整改", FALSE_POSITIVE: "误报", IGNORED: "忽略"}

STAFF_TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({RECTIFIED, FALSE_POSITIVE, IGNORED}),
    RECTIFIED: frozenset({OPEN, FALSE_POSITIVE}),
    FALSE_POSITIVE: frozenset({OPEN}),
    IGNORED: frozenset({OPEN}),
}
MACHINE_TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({RECTIFIED}),
    RECTIFIED: frozenset({OPEN}),
}

# Whitelist scopes offered when a finding is marked false_positive.
WHITELIST_PAGE, WHITELIST_EVERYWHERE = "page", "everywhere"
WHITELIST_SCOPES = (WHITELIST_PAGE, WHITELIST_EVERYWHERE)
_LINK_KINDS = ("dead_link", "unverified_link")


class LifecycleError(DuwangError):
    """A status change a user asked for cannot be made.

    `zh` is the same message in Chinese for the review UI (crawler.labels.user_message);
    the CLI prints the English one.
    """

    def __init__(self, message: str, zh: str = ""):
        super().__init__(message)
        self.zh = zh


class FindingNotFound(LifecycleError):
    pass


class ImpossibleTransition(LifecycleError):
    pass


@dataclass(frozen=True)
class Event:
    finding_id: int
    at: str
    actor: str
    from_status: str
    to_status: str
    note: str
    run_id: int | None = None
    # Why the machine says a finding is fixed: "read" (its pages read whole, the problem
    # gone), "gone" (its pages answer 404/410), "alive" (the dead target answers again).
    evidence: str | None = None


def allowed(from_status: str, to_status: str, actor: str) -> bool:
    table = MACHINE_TRANSITIONS if actor == MACHINE else STAFF_TRANSITIONS
    return to_status in table.get(from_status, frozenset())


def label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def record(db: Database, event: Event) -> None:
    """Apply one status change and write its event. The caller holds the transaction.

    The change applies only to a finding whose status is still the event's from_status:
    anything else raises, so a change prepared on a stale read is never written.
    """
    changed = db.execute(
        "UPDATE findings SET status = ?, status_changed_at = ?, status_by = ? "
        "WHERE id = ? AND status = ?",
        (event.to_status, event.at, event.actor, event.finding_id, event.from_status),
    ).rowcount
    if changed != 1:
        row = db.execute("SELECT status FROM findings WHERE id = ?", [event.finding_id]).fetchone()
        if row is None:
            raise FindingNotFound(f"no finding with id {event.finding_id}",
                                  f"没有编号为 {event.finding_id} 的问题。")
        raise ImpossibleTransition(
            f"finding {event.finding_id} is {row[0]} ({label(row[0])}), no longer "
            f"{event.from_status} ({label(event.from_status)}); look at it again",
            f"问题 {event.finding_id} 的状态已变为「{label(row[0])}」，请刷新后再处理。",
        )
    db.execute(
        "INSERT INTO events (finding_id, at, actor, from_status, to_status, note, run_id, evidence) "
        "VALUES (?,?,?,?,?,?,?,?)",
        (event.finding_id, event.at, event.actor, event.from_status, event.to_status,
         event.note, event.run_id, event.evidence),
    )


def machine_transition(
    db: Database, where: str, params: dict[str, Any], to: str, run_id: int, note: str
) -> int:
    """Move the findings matching `where` to `to` as the machine, one event each.

    Used by finalize inside its transaction; `params` must hold "now".
    """
    rows = db.execute(f"SELECT id, status FROM findings WHERE {where}", params).fetchall()
    for fid, old in rows:
        if not allowed(old, to, MACHINE):
            raise ImpossibleTransition(f"finding {fid}: the machine cannot move {old} to {to}")
        record(db, Event(fid, params["now"], MACHINE, old, to, note, run_id))
    return len(rows)


def mark(
    db: Database,
    ids: Iterable[int],
    to: str,
    *,
    actor: str,
    note: str = "",
    whitelist: str | None = None,
) -> list[Event]:
    """Staff change the status of findings `ids` to `to`; all or nothing.

    `whitelist` ("page" or "everywhere") goes with false_positive: the finding's text (or link
    target) will no longer make findings on its current pages, or anywhere. A finding that
    leaves false_positive revokes the whitelist rows it created.
    """
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise LifecycleError("no finding ids given", "请先勾选要处理的问题。")
    if to not in STATUSES:
        raise LifecycleError(f"unknown status {to!r}; one of {', '.join(STATUSES)}", "请选择要改为的状态。")
    if not actor or actor == MACHINE:
        raise LifecycleError(f"staff changes need a user name other than {MACHINE!r}", "需要登录后再处理。")
    if whitelist is not None and whitelist not in WHITELIST_SCOPES:
        raise LifecycleError(f"unknown whitelist scope {whitelist!r}; one of {', '.join(WHITELIST_SCOPES)}",
                             "白名单范围无效。")
    if whitelist and to != FALSE_POSITIVE:
        raise LifecycleError("a whitelist goes only with the status false_positive (误报)",
                             "只有标记为「误报」时才能加入白名单。")
    # Read inside the transaction: BEGIN IMMEDIATE waits for a running end-of-run
    # (finish_run) to commit, so the statuses read here are the ones the writes replace.
    with transaction(db):
        rows = {
            r["id"]: r for r in db.query(
                f"SELECT id, kind, status, text, link FROM findings WHERE id IN ({','.join('?' * len(ids))})",
                ids,
            )
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise FindingNotFound("no finding with id " + ", ".join(map(str, missing)),
                                  "没有编号为 " + "、".join(map(str, missing)) + " 的问题。")
        bad = [i for i in ids if not allowed(rows[i]["status"], to, actor)]
        if bad:
            raise ImpossibleTransition("; ".join(
                f"finding {i} is {rows[i]['status']} ({label(rows[i]['status'])}), "
                f"it cannot become {to} ({label(to)})" for i in bad
            ), "；".join(f"问题 {i} 当前为「{label(rows[i]['status'])}」，不能改为「{label(to)}」"
                        for i in bad) + "。")
        at = now()
        events = [Event(i, at, actor, rows[i]["status"], to, note) for i in ids]
        for event in events:
            record(db, event)
            if event.from_status == FALSE_POSITIVE:
                db.execute(
                    "UPDATE whitelist SET revoked_at = ?, revoked_by = ? "
                    "WHERE finding_id = ? AND revoked_at IS NULL", (at, actor, event.finding_id),
                )
            if whitelist:
                _add_whitelist(db, rows[event.finding_id], whitelist, actor, note, at)
    return events


def confirm(db: Database, ids: Iterable[int], *, actor: str) -> list[int]:
    """Staff confirm suspect findings (疑似错误) as real errors; all or nothing.

    Until then a suspect counts in no report. The finding keeps its status and severity;
    who confirmed it and when are kept with it.
    """
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise LifecycleError("no finding ids given", "请先勾选要确认的问题。")
    if not actor or actor == MACHINE:
        raise LifecycleError(f"staff changes need a user name other than {MACHINE!r}", "需要登录后再处理。")
    with transaction(db):
        rows = dict(db.execute(
            f"SELECT id, severity FROM findings WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall())
        missing = [i for i in ids if i not in rows]
        if missing:
            raise FindingNotFound("no finding with id " + ", ".join(map(str, missing)),
                                  "没有编号为 " + "、".join(map(str, missing)) + " 的问题。")
        bad = [i for i in ids if rows[i] != SUSPECT]
        if bad:
            raise LifecycleError("not a suspect typo (疑似错误), nothing to confirm: "
                                 + ", ".join(map(str, bad)),
                                 "问题 " + "、".join(map(str, bad)) + " 不是疑似错误，无需确认。")
        at = now()
        db.conn.executemany(
            "UPDATE findings SET confirmed_at = ?, confirmed_by = ? WHERE id = ? AND confirmed_at IS NULL",
            [(at, actor, i) for i in ids],
        )
    return ids


def _add_whitelist(db: Database, finding: dict[str, Any], scope: str, actor: str, note: str, at: str) -> None:
    kind, value = ("link", finding["link"]) if finding["kind"] in _LINK_KINDS else ("text", finding["text"])
    if not value:
        raise LifecycleError(f"finding {finding['id']} has no text to whitelist",
                             f"问题 {finding['id']} 没有可加入白名单的内容。")
    pages: list[str | None] = [None]
    if scope == WHITELIST_PAGE:
        pages = [r[0] for r in db.execute(
            "SELECT o.page_url FROM occurrences o JOIN findings f ON f.id = o.finding_id "
            "WHERE o.finding_id = ? AND o.last_run = f.last_run", [finding["id"]],
        ).fetchall()]
        if not pages:
            raise LifecycleError(f"finding {finding['id']} is on no page now; whitelist it everywhere",
                                 f"问题 {finding['id']} 目前不在任何页面上，只能加入全站白名单。")
    for page_url in pages:
        db.execute(
            "INSERT INTO whitelist (kind, value, page_url, finding_id, created_at, created_by, note) "
            "VALUES (?,?,?,?,?,?,?)", (kind, value, page_url, finding["id"], at, actor, note),
        )


def history(db: Database, finding_id: int) -> list[dict[str, Any]]:
    """The finding's events, oldest first."""
    return [dict(r) for r in db.query(
        "SELECT at, actor, from_status, to_status, note, run_id FROM events WHERE finding_id = ? "
        "ORDER BY id", [finding_id],
    )]


def whitelist_rows(db: Database, finding_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query(
        "SELECT * FROM whitelist WHERE finding_id = ? ORDER BY id", [finding_id]
    )]


def whitelist_entries(db: Database, *, include_revoked: bool = False) -> list[dict[str, Any]]:
    """Every whitelist row, newest first, with its finding's kind, category and status."""
    where = "" if include_revoked else "WHERE w.revoked_at IS NULL "
    return [dict(r) for r in db.query(
        "SELECT w.*, f.kind AS finding_kind, f.category AS finding_category, f.status AS finding_status, "
        "f.site AS site FROM whitelist w LEFT JOIN findings f ON f.id = w.finding_id "
        f"{where}ORDER BY w.id DESC"
    )]


def revoke_whitelist(db: Database, entry_id: int, *, actor: str) -> dict[str, Any]:
    """Stop one whitelist row from silencing its text or link: the next crawl checks it again.

    The row is stamped, never deleted. The false positive that made it keeps its status;
    taking that verdict back (false_positive -> open) is a status change of its own.
    """
    if not actor or actor == MACHINE:
        raise LifecycleError(f"staff changes need a user name other than {MACHINE!r}", "需要登录后再处理。")
    with transaction(db):
        row = db.execute("SELECT revoked_at FROM whitelist WHERE id = ?", [entry_id]).fetchone()
        if row is None:
            raise LifecycleError(f"no whitelist entry {entry_id}", f"没有编号为 {entry_id} 的白名单条目。")
        if row[0]:
            raise LifecycleError(f"whitelist entry {entry_id} is already revoked",
                                 f"白名单条目 {entry_id} 已经撤销。")
        db.execute("UPDATE whitelist SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                   (now(), actor, entry_id))
    return dict(db["whitelist"].get(entry_id))
