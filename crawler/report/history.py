"""Read-only SQL on the store's schema: each finding's status history, and the runs.

A finding is born ``open`` at ``first_seen``; every status change after that is an event.
Events are authoritative. If a finding's current status is not what its events replay to
(a change written without an event), one transition to the current status is assumed at
``status_changed_at``, by ``status_by``, so that the counts still agree with the finding list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from crawler.localtime import day as local_day

MACHINE = "machine"
OPEN, RECTIFIED, FALSE_POSITIVE, IGNORED = "open", "rectified", "false_positive", "ignored"


def parse_ts(ts: str) -> datetime:
    """An ISO 8601 timestamp; one without an offset is taken as UTC so differences still work."""
    value = datetime.fromisoformat(ts)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class Transition:
    at: datetime
    day: str  # the date in the configured zone (Beijing time by default), YYYY-MM-DD
    actor: str
    from_status: str
    to_status: str
    evidence: str | None = None  # why the machine rectified (read | gone | alive)

    @property
    def by_machine(self) -> bool:
        return self.actor == MACHINE

    @property
    def unproven(self) -> bool:
        """A machine rectification without evidence: made before the evidence rule, by
        absence alone (the page may simply not have been read). Never counted as rectified."""
        return self.by_machine and self.to_status == RECTIFIED and self.evidence is None


@dataclass
class FindingHistory:
    id: int
    site: str
    kind: str
    category: str
    status: str  # current
    found_at: datetime
    found_day: str
    page_url: str | None  # the page its department is taken from
    transitions: list[Transition] = field(default_factory=list)
    # A suspect typo (疑似错误) counts only once staff confirmed it as a real error.
    unconfirmed_suspect: bool = False

    def last_transition(self, day: str) -> Transition | None:
        """The last status change on or before `day`."""
        last = None
        for t in self.transitions:  # by instant; a day is local, so don't stop at the first later day
            if t.day <= day:
                last = t
        return last

    def status_on(self, day: str) -> str | None:
        """The status at the end of `day`; None if the finding did not exist yet."""
        if self.found_day > day:
            return None
        last = self.last_transition(day)
        return last.to_status if last else OPEN

    def open_since(self, before: Transition) -> datetime:
        """When the open spell that `before` ended began: the last (re)opening, or first found."""
        start = self.found_at
        for t in self.transitions:
            if t is before:
                break
            if t.to_status == OPEN:
                start = t.at
        return start


def _site_clause(site: str | None, column: str = "site") -> tuple[str, list[Any]]:
    return (f" WHERE {column} = ?", [site]) if site else ("", [])


def load_histories(db: Database, site: str | None = None) -> list[FindingHistory]:
    where, params = _site_clause(site)
    findings: dict[int, FindingHistory] = {}
    fallback: dict[int, tuple[str | None, str | None]] = {}
    for row in db.query(
        "SELECT id, site, kind, category, status, status_changed_at, status_by, first_seen, "
        "last_seen, severity, confirmed_at FROM findings" + where + " ORDER BY id", params
    ):
        found_at = parse_ts(row["first_seen"])
        findings[row["id"]] = FindingHistory(
            id=row["id"], site=row["site"] or "", kind=row["kind"], category=row["category"] or "",
            status=row["status"], found_at=found_at, found_day=local_day(row["first_seen"]), page_url=None,
            unconfirmed_suspect=row["severity"] == "suspect" and not row["confirmed_at"],
        )
        fallback[row["id"]] = (row["status_changed_at"] or row["last_seen"], row["status_by"])

    where, params = _site_clause(site, "f.site")
    for row in db.query(
        "SELECT e.id, e.finding_id, e.at, e.actor, e.from_status, e.to_status, e.evidence FROM events e "
        "JOIN findings f ON f.id = e.finding_id" + where + " ORDER BY e.id", params
    ):
        h = findings[row["finding_id"]]
        h.transitions.append(Transition(parse_ts(row["at"]), local_day(row["at"]), row["actor"] or "",
                                        row["from_status"] or "", row["to_status"], row["evidence"]))
    # The earliest page first: a stable choice until occurrences carry their own department.
    for row in db.query(
        "SELECT o.finding_id, o.page_url FROM occurrences o JOIN findings f ON f.id = o.finding_id"
        + where + " ORDER BY o.finding_id, o.first_seen, o.page_url", params
    ):
        h = findings[row["finding_id"]]
        if h.page_url is None:
            h.page_url = row["page_url"]

    for h in findings.values():
        h.transitions.sort(key=lambda t: t.at)
        replayed = h.transitions[-1].to_status if h.transitions else OPEN
        if replayed != h.status:
            at_text, by = fallback[h.id]
            at = parse_ts(at_text) if at_text else h.found_at
            day = local_day(at_text) if at_text else h.found_day
            if h.transitions and at < h.transitions[-1].at:
                at, day = h.transitions[-1].at, h.transitions[-1].day
            h.transitions.append(Transition(at, day, by or "", replayed, h.status))
    return list(findings.values())


def load_runs(db: Database, site: str | None = None) -> list[dict[str, Any]]:
    where, params = _site_clause(site)
    return [
        dict(r) for r in db.query(
            "SELECT id, site, started_at, finished_at, status, reason, pages, links FROM runs"
            + where + " ORDER BY id", params
        )
    ]
