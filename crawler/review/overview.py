"""概览: the review UI's landing page for the web office.

What staff need before the list: is it last night's (each site's last crawl, complete or
not), how much is open (by kind and severity), what is on the home page (首页, weighed most
in the national checks), what is new since the last crawl, where the last 30 days went, and
the monthly and annual reports, rendered by the same code as `duwang report`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from crawler import localtime
from crawler.labels import KIND_LABELS
from crawler.report.charts import daily_chart
from crawler.report.counts import build_report
from crawler.report.history import OPEN, RECTIFIED, load_histories
from crawler.report.periods import Period, parse_month, parse_year
from crawler.review import listing
from crawler.review.cache import cached

KINDS = tuple(kind for kind, _ in listing.TABS)
SEVERITIES = ("serious", "general", "suspect")
STALE_HOURS = 36  # a list older than a night and a morning is not last night's
HOME_SHOWN = 10
TREND_DAYS = 30


def last_runs(db: Database) -> list[dict[str, Any]]:
    """Each site's last run, with its last complete one and whether the list is stale."""
    out = []
    for last, complete in cached("last_runs", lambda: _runs(db)):
        done = localtime.parse((complete or {}).get("finished_at"))
        stale = done is None or localtime.now() - done > timedelta(hours=STALE_HOURS)
        out.append({**last, "last_complete": dict(complete) if complete else None, "stale": stale})
    return out


def _runs(db: Database) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(last run, last complete run) of each site."""
    out = []
    sites = [r[0] for r in db.execute("SELECT DISTINCT site FROM runs ORDER BY site").fetchall()]
    for site in sites:
        last = dict(next(db.query("SELECT * FROM runs WHERE site = ? ORDER BY id DESC LIMIT 1", [site])))
        complete = next(db.query("SELECT * FROM runs WHERE site = ? AND status = 'complete' "
                                 "ORDER BY id DESC LIMIT 1", [site]), None)
        out.append((last, dict(complete) if complete else None))
    return out


def open_counts(db: Database) -> list[dict[str, Any]]:
    """Open findings by kind: per severity, on the home page, new since the last crawl."""
    cells = {(k, s): n for k, s, n in db.execute(
        "SELECT kind, severity, count(*) FROM findings WHERE status = 'open' GROUP BY kind, severity")}
    home = dict(db.execute(
        "SELECT f.kind, count(DISTINCT f.id) FROM findings f JOIN occurrences o ON o.finding_id = f.id "
        "AND o.last_run = f.last_run AND o.is_home = 1 WHERE f.status = 'open' GROUP BY f.kind").fetchall())
    new = dict(db.execute(
        "SELECT f.kind, count(*) FROM findings f WHERE f.status = 'open' AND f.first_run = "
        "(SELECT max(r.id) FROM runs r WHERE r.site = f.site AND r.status != 'running') GROUP BY f.kind"
    ).fetchall())
    rows = []
    for kind in KINDS:
        row = {"kind": kind, "label": KIND_LABELS[kind], "home": home.get(kind, 0), "new": new.get(kind, 0)}
        row.update({s: cells.get((kind, s), 0) for s in SEVERITIES})
        row["total"] = sum(n for (k, _), n in cells.items() if k == kind)
        rows.append(row)
    return rows


def trend(db: Database, days: int = TREND_DAYS) -> list[dict[str, Any]]:
    """Day by day (in the configured zone): found, rectified, and open at the day's end."""
    histories = load_histories(db)
    today = localtime.today()
    out = []
    for back in range(days - 1, -1, -1):
        day = (today - timedelta(days=back)).isoformat()
        out.append({
            "day": day,
            "found": sum(h.found_day == day for h in histories),
            "rectified": sum(1 for h in histories for t in h.transitions
                             if t.day == day and t.to_status == RECTIFIED and not t.unproven),
            "open": sum(h.status_on(day) == OPEN for h in histories),
        })
    return out


def trend_svg(rows: list[dict[str, Any]]) -> str:
    return daily_chart(rows, f"近{len(rows)}天趋势")


def build(db: Database) -> dict[str, Any]:
    counts = open_counts(db)
    home = listing.Filters(kind=listing.ALL_KINDS, status=listing.OPEN, home=True)
    waiting = listing.by_kind(db, listing.Filters(kind=listing.ALL_KINDS, status=listing.OPEN,
                                                  queue=listing.WAITING))
    return {
        "runs": last_runs(db),
        "counts": counts,
        "total": sum(r["total"] for r in counts),
        "new": sum(r["new"] for r in counts),
        "home": listing.top(db, home, HOME_SHOWN),
        "home_total": listing.count(db, home),
        "waiting": sum(waiting.values()),
        # the tab to open the 待复核 queue on: the first kind that has a report waiting
        "waiting_kind": next((k for k in KINDS if waiting.get(k)), KINDS[0]),
        "suspects": listing.unconfirmed_suspects(db),
        "unverified": listing.unverified_count(db),
    }


def report_links() -> list[dict[str, str]]:
    """This month, last month, this year and last year (in the configured zone)."""
    today = localtime.today()
    last_month = today.replace(day=1) - timedelta(days=1)
    prev = f"{last_month.year}年{last_month.month}月"
    return [
        {"kind": "monthly", "label": f"{today:%Y-%m}", "title": f"{today.year}年{today.month}月（本月）"},
        {"kind": "monthly", "label": f"{last_month:%Y-%m}", "title": prev},
        {"kind": "annual", "label": f"{today.year}", "title": f"{today.year}年度（本年，含年报语句）"},
        {"kind": "annual", "label": f"{today.year - 1}", "title": f"{today.year - 1}年度"},
    ]


def _period(kind: str, label: str) -> Period:
    from crawler.report.errors import ReportError

    if kind == "monthly":
        return parse_month(label)
    if kind == "annual":
        return parse_year(label)
    raise ReportError(f"unknown report kind {kind!r}")


def report_title(kind: str, label: str) -> str:
    return _period(kind, label).title


def render_report(db: Database, kind: str, label: str, fmt: str, *, back: str | None = None) -> str | bytes:
    """The report as `duwang report` writes it (HTML with a link back, or XLSX)."""
    report = build_report(db, _period(kind, label))
    if fmt == "xlsx":
        from crawler.report.render_xlsx import render_xlsx

        return render_xlsx(report)
    from crawler.report.render_html import render_html

    return render_html(report, back=back)
