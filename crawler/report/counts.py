"""The counting rules (README "Report counting rules"), applied to the findings' histories.

Every count is about one period, read from each finding's status at the end of the period's
last day, so a report for a closed month always gives the same numbers (unless a finding is
later judged a false positive, which withdraws it from every rectified count).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from crawler.localtime import day as local_day
from crawler.report.departments import department_of
from crawler.report.history import (
    FALSE_POSITIVE,
    IGNORED,
    OPEN,
    RECTIFIED,
    FindingHistory,
    load_histories,
    load_runs,
)
from crawler.report.labels import WORDING_CATEGORIES, category_label, kind_label
from crawler.report.periods import ANNUAL, Period, months_of, today
from crawler.report.sentence import annual_sentence
from crawler.store import now
from crawler.store.queries import KINDS
from crawler.store.sites import load_sites
from crawler.store.template import DEFAULT_OWNER, template_findings

COUNT_KEYS = ("found", "rectified", "rectified_staff", "rectified_machine", "false_positive",
              "ignored", "reopened", "open_at_end")


@dataclass(frozen=True)
class Contribution:
    """What one finding adds to a period's counts."""

    found: bool = False
    rectified: bool = False
    rectified_by_machine: bool = False
    false_positive: bool = False
    ignored: bool = False
    reopened: bool = False
    open_at_end: bool = False
    days_to_rectify: float | None = None
    unproven: bool = False  # rectified by an older version without evidence: not counted


def contribution(h: FindingHistory, period: Period) -> Contribution:
    """Apply the counting rules to one finding for one period."""
    end_status = h.status_on(period.end)
    if end_status is None:  # found after the period
        return Contribution()
    last = h.last_transition(period.end)
    entered_in_period = last is not None and period.contains(last.day)
    closed = (end_status == RECTIFIED and entered_in_period and last is not None
              and h.status != FALSE_POSITIVE)
    unproven = closed and last is not None and last.unproven
    rectified = closed and not unproven
    days = None
    if rectified and last is not None:
        days = max(0.0, (last.at - h.open_since(last)).total_seconds() / 86400)
    return Contribution(
        found=period.contains(h.found_day),
        rectified=rectified,
        rectified_by_machine=rectified and last is not None and last.by_machine,
        false_positive=end_status == FALSE_POSITIVE and entered_in_period,
        ignored=end_status == IGNORED and entered_in_period,
        reopened=any(period.contains(t.day) and t.from_status == RECTIFIED and t.to_status == OPEN
                     for t in h.transitions),
        open_at_end=end_status == OPEN,
        days_to_rectify=days,
        unproven=unproven,
    )


def summarize(contributions: Iterable[Contribution]) -> dict[str, Any]:
    row = dict.fromkeys(COUNT_KEYS, 0)
    days = []
    for c in contributions:
        row["found"] += c.found
        row["rectified"] += c.rectified
        row["rectified_machine"] += c.rectified_by_machine
        row["rectified_staff"] += c.rectified and not c.rectified_by_machine
        row["false_positive"] += c.false_positive
        row["ignored"] += c.ignored
        row["reopened"] += c.reopened
        row["open_at_end"] += c.open_at_end
        if c.days_to_rectify is not None:
            days.append(c.days_to_rectify)
    row["median_days"] = round(statistics.median(days), 1) if days else None
    return row


def _is_empty(row: Mapping[str, Any]) -> bool:
    return not any(row[k] for k in COUNT_KEYS)


def group(
    pairs: list[tuple[FindingHistory, Contribution]], key: Callable[[FindingHistory], Hashable]
) -> dict[Hashable, dict[str, Any]]:
    buckets: dict[Hashable, list[Contribution]] = {}
    for h, c in pairs:
        buckets.setdefault(key(h), []).append(c)
    return {k: summarize(v) for k, v in buckets.items()}


def _runs_in(runs: list[dict[str, Any]], period: Period) -> dict[str, int]:
    inside = [r for r in runs if r["started_at"] and period.contains(local_day(r["started_at"]))]
    return {
        "runs": len(inside),
        "complete": sum(r["status"] == "complete" for r in inside),
        "incomplete": sum(r["status"] == "incomplete" for r in inside),
        "running": sum(r["status"] == "running" for r in inside),
        "pages": sum(r["pages"] or 0 for r in inside),
        "links": sum(r["links"] or 0 for r in inside),
    }


def _last_crawls(runs: list[dict[str, Any]], period: Period) -> list[dict[str, Any]]:
    """Each site's last crawl up to the period's end: its night (the local day it started,
    also for a run crawled into a shard and ingested later), its state, and the night of its
    last complete crawl (only a complete crawl marks anything rectified)."""
    last: dict[str, dict[str, Any]] = {}
    complete: dict[str, str] = {}
    for r in runs:  # by id: later runs last
        if not r["started_at"] or local_day(r["started_at"]) > period.end:
            continue
        night = local_day(r["started_at"])
        last[r["site"]] = {"site": r["site"], "night": night, "status": r["status"], "reason": r["reason"],
                           "pages": r["pages"] or 0}
        if r["status"] == "complete":
            complete[r["site"]] = night
    return [{**row, "last_complete_night": complete.get(site)} for site, row in sorted(last.items())]


def _trend(histories: list[FindingHistory], runs: list[dict[str, Any]], period: Period,
           current_day: str) -> list[dict[str, Any]]:
    """Month by month: found, rectified and the backlog, for the trend charts."""
    first_days = [h.found_day for h in histories]
    first_days += [local_day(r["started_at"]) for r in runs if r["started_at"]]
    earliest = min(first_days) if first_days else period.start
    out = []
    for month in months_of(period):
        if month.start > current_day:
            continue  # the future has no backlog yet
        if period.kind != ANNUAL and month.end < earliest and month.label != period.label:
            continue  # before the tool was first used
        pairs = [(h, contribution(h, month)) for h in histories]
        row = summarize(c for _, c in pairs)
        by_kind = group(pairs, lambda h: h.kind)
        out.append({
            "month": month.label,
            "found": row["found"],
            "rectified": row["rectified"],
            "open_at_end": row["open_at_end"],
            "dead_links_cleared": by_kind.get("dead_link", {}).get("rectified", 0),
            "wording_rectified": by_kind.get("wording", {}).get("rectified", 0),
        })
    return out


def build_report(
    db: Database,
    period: Period,
    *,
    site: str | None = None,
    departments: Mapping[str, str] | None = None,
    current_day: str | None = None,
) -> dict[str, Any]:
    """All the numbers of one report, as plain data (what the JSON output holds)."""
    every = load_histories(db, site)
    # Suspect typos staff have not confirmed count nowhere; the report says how many were found.
    histories = [h for h in every if not h.unconfirmed_suspect]
    unconfirmed = sum(period.contains(h.found_day) for h in every if h.unconfirmed_suspect)
    runs = load_runs(db, site)
    pairs = [(h, contribution(h, period)) for h in histories]

    by_kind_raw = group(pairs, lambda h: h.kind)
    empty = summarize([])
    by_kind = [{"kind": k, "label": kind_label(k), **by_kind_raw.get(k, empty)} for k in KINDS]
    by_kind += [{"kind": k, "label": kind_label(k), **row} for k, row in sorted(by_kind_raw.items())
                if k not in KINDS]

    by_cat_raw = group(pairs, lambda h: (h.kind, h.category))
    kind_order = {k: i for i, k in enumerate(KINDS)}
    by_category = [
        {"kind": kind, "category": cat, "kind_label": kind_label(kind),
         "label": category_label(kind, cat), **row}
        for (kind, cat), row in sorted(by_cat_raw.items(),
                                       key=lambda kv: (kind_order.get(kv[0][0], 99), kv[0]))
        if not _is_empty(row)
    ]

    # Each finding counts once, for the department of its first page; a template (公共区域)
    # finding counts once for the site's template owner, not for every department it shows on.
    sites = load_sites(db)
    templates = template_findings(db)

    def owner(h: FindingHistory) -> str:
        if h.id in templates:
            return sites[h.site].template_owner if h.site in sites else DEFAULT_OWNER
        mapping = sites[h.site].departments if departments is None and h.site in sites else departments
        return department_of(h.page_url, mapping)

    dept_raw = group(pairs, owner)
    by_department = [{"department": d, **row} for d, row in sorted(dept_raw.items()) if not _is_empty(row)]

    wording = {c: by_cat_raw.get(("wording", c), empty)["rectified"] for c in WORDING_CATEGORIES}
    for (kind, cat), row in sorted(by_cat_raw.items()):
        if kind == "wording" and cat not in wording and row["rectified"]:
            wording[cat] = row["rectified"]
    kind_row = {r["kind"]: r for r in by_kind}
    headline = {
        "dead_links_found": kind_row["dead_link"]["found"],
        "dead_links_cleared": kind_row["dead_link"]["rectified"],
        "wording_found": kind_row["wording"]["found"],
        "wording_rectified": kind_row["wording"]["rectified"],
        "wording_rectified_by_category": [
            {"category": c, "label": category_label("wording", c), "rectified": n}
            for c, n in wording.items()
        ],
        "privacy_found": kind_row["privacy"]["found"],
        "privacy_removed": kind_row["privacy"]["rectified"],
        "unverified_links_found": kind_row["unverified_link"]["found"],
    }
    report: dict[str, Any] = {
        "report": period.kind,
        "period": period.label,
        "title": period.title,
        "start": period.start,
        "end": period.end,
        "site": site,
        "generated_at": now(),
        "totals": summarize(c for _, c in pairs),
        "headline": headline,
        "runs": _runs_in(runs, period),
        "last_crawls": _last_crawls(runs, period),
        "by_kind": by_kind,
        "by_category": by_category,
        "by_department": by_department,
        "trend": _trend(histories, runs, period, current_day or today()),
        "sentence": None,
        # Closed in the period by an older version because a run did not see them, with no
        # evidence that their pages were read: left out of every rectified count.
        "unproven_rectified": sum(c.unproven for _, c in pairs),
        "unconfirmed_suspects": unconfirmed,
    }
    if period.kind == ANNUAL:
        report["sentence"] = annual_sentence(headline["wording_rectified"], headline["dead_links_cleared"])
    else:
        # The self-check scorecard (指标自检) as the store holds it now, for the month's readers.
        from crawler.inspection.scorecard import build_scorecards

        report["scorecard"] = [card.to_dict() for card in build_scorecards(db, site)]
    return report
