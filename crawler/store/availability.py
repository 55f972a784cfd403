"""Availability (网站可用性): the probes `duwang watch` records, the rule that judges them,
and the `unavailable` findings. No network here, and no Scrapy.

The rule (《政府网站与政务新媒体检查指标》, 单项否决 "网站无法访问"): the site is visited at
least 20 times a day for a week; it fails when 5% or more of the visits do not open within
15 s. Monitoring services warn before the line, at 3%.

Each watched URL (the home page, and a site's ``watch_urls``) is judged on its own over the
window that ends now:

- ``not_enough_data`` (数据不足): some 24-hour slice of the window holds fewer probes than the
  rule's daily minimum, so nothing can be said either way: no finding opens or closes;
- ``failing`` (不合格): the share of probes that failed or were slow reached the veto line;
- ``warning`` (预警): it reached the warning line (default 3%, configurable);
- ``ok`` (正常): below the warning line.

A site's state is the worst of its URLs. A URL at the warning line or above has an open
finding of kind ``unavailable`` (category ``unavailable_warning`` or ``unavailable_veto``),
keyed by the site and the URL's site identity; the machine rectifies it, with the window's
figures as the note (evidence ``probes``), once the share is back under the warning line
with enough data. A finding staff marked rectified is reopened only by a failure after that.
Findings of this kind have no run (first_run and last_run are NULL) and no occurrences, so
the end of a crawl never touches them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlite_utils import Database

from crawler.store.db import transaction
from crawler.store.lifecycle import MACHINE, OPEN, RECTIFIED, Event, record

KIND = "unavailable"
OK, SLOW, FAILED = "ok", "slow", "failed"  # one probe's result
PROBE_RESULTS = (OK, SLOW, FAILED)
STATE_OK, STATE_WARNING, STATE_FAILING, NOT_ENOUGH_DATA = "ok", "warning", "failing", "not_enough_data"
STATE_LABELS = {STATE_OK: "正常", STATE_WARNING: "预警", STATE_FAILING: "不合格（单项否决）",
                NOT_ENOUGH_DATA: "数据不足"}
RESULT_LABELS = {OK: "正常", SLOW: "超时", FAILED: "无法访问"}
CATEGORY_WARNING, CATEGORY_VETO = "unavailable_warning", "unavailable_veto"
CATEGORY_LABELS = {CATEGORY_WARNING: "访问失败率达预警线", CATEGORY_VETO: "访问失败率达否决线（单项否决）"}
EVIDENCE = "probes"  # events.evidence of a machine rectification: the window's figures
SETTING_WARN = "watch_warn_share"  # settings row: the warning line the watch last ran with

_RANK = {STATE_OK: 0, NOT_ENOUGH_DATA: 1, STATE_WARNING: 2, STATE_FAILING: 3}
_DAY = 86400.0


@dataclass(frozen=True)
class Rule:
    """The availability rule; the defaults are the national rule's and the vendors' warning."""

    warn: float = 0.03  # share of failed or slow probes that opens a warning
    veto: float = 0.05  # the veto line (单项否决)
    window_days: int = 7
    min_daily: int = 20  # probes in each 24 hours of the window
    keep_days: int = 35  # probes older than this are deleted

    def __post_init__(self) -> None:
        if not (math.isfinite(self.warn) and 0 < self.warn <= self.veto):
            raise ValueError(f"the warning line must be above 0 and at most the veto line ({self.veto:.0%})")


@dataclass(frozen=True)
class Probe:
    """One visit: when, what, and how it went."""

    site: str
    url: str
    at: datetime  # aware
    result: str  # ok | slow | failed
    elapsed: float  # seconds
    http_status: int | None = None
    error: str = ""


@dataclass(frozen=True)
class Figures:
    """One URL over the window ending at ``until``."""

    site: str
    url: str
    state: str
    probes: int
    failed: int
    slow: int
    window_days: int
    since: str  # ISO 8601
    until: str
    short_days: int  # 24-hour slices of the window with fewer probes than the daily minimum
    warn: float
    veto: float
    min_daily: int

    @property
    def bad(self) -> int:
        return self.failed + self.slow

    @property
    def share(self) -> float:
        return self.bad / self.probes if self.probes else 0.0

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    def detail(self) -> dict:
        """The figures as a JSON object: findings.detail, the scorecard."""
        return {"state": self.state, "probes": self.probes, "failed": self.failed, "slow": self.slow,
                "share": round(self.share, 4), "window_days": self.window_days, "since": self.since,
                "until": self.until, "warn": self.warn, "veto": self.veto}

    def sentence(self) -> str:
        """The figures in Chinese: what a finding's context and a rectification's note say."""
        text = (f"近{self.window_days}天访问 {self.probes} 次，无法访问 {self.failed} 次、"
                f"超时 {self.slow} 次，失败率 {self.share:.2%}")
        if self.state == NOT_ENOUGH_DATA:
            return text + f"，有 {self.short_days} 天不足每天 {self.min_daily} 次"
        line = self.veto if self.state == STATE_FAILING else self.warn
        word = {STATE_FAILING: "达到否决线", STATE_WARNING: "达到预警线", STATE_OK: "低于预警线"}[self.state]
        return f"{text}，{word} {line:.0%}"


@dataclass(frozen=True)
class SiteAvailability:
    """A site's availability for the scorecard: its state, and the figures behind it (those of
    the URL that decides the state; every URL's in ``urls``, the home page first)."""

    site: str
    state: str
    probes: int
    failed: int
    slow: int
    share: float
    window_days: int
    urls: list[Figures] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)  # ids of its open `unavailable` findings

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    def to_dict(self) -> dict:
        """JSON-ready: for the scorecard's JSON and the webhook."""
        return {"site": self.site, "state": self.state, "label": self.label, "probes": self.probes,
                "failed": self.failed, "slow": self.slow, "share": round(self.share, 4),
                "window_days": self.window_days, "findings": list(self.findings),
                "urls": [{"url": f.url, **f.detail()} for f in self.urls]}


@dataclass(frozen=True)
class Change:
    """What a watch round did to a finding."""

    finding_id: int
    site: str
    url: str
    action: str  # opened | escalated | eased | rectified | reopened
    figures: Figures


def record_probes(db: Database, probes: Iterable[Probe]) -> int:
    """Store probes; the caller holds the transaction or not (one INSERT each)."""
    rows = [(p.site, p.url, p.at.isoformat(timespec="seconds"), p.at.timestamp(), p.result,
             p.http_status, round(p.elapsed, 3), p.error or None) for p in probes]
    db.conn.executemany(
        "INSERT INTO probes (site, url, at, epoch, result, http_status, elapsed, error) "
        "VALUES (?,?,?,?,?,?,?,?)", rows,
    )
    return len(rows)


def prune(db: Database, at: datetime, keep_days: int = Rule.keep_days) -> int:
    """Delete probes older than ``keep_days``: the table stays bounded while the watch runs."""
    return db.execute("DELETE FROM probes WHERE epoch < ?", [at.timestamp() - keep_days * _DAY]).rowcount


def figures(db: Database, site: str, url: str, at: datetime, rule: Rule) -> Figures:
    """The URL's probes over the window ending at ``at``, judged by ``rule``."""
    end = at.timestamp()
    start = end - rule.window_days * _DAY
    per_day = [0] * rule.window_days
    probes = failed = slow = 0
    for day, count, n_failed, n_slow in db.execute(
        "SELECT CAST((? - epoch) / ? AS INTEGER) AS d, count(*), sum(result = 'failed'), "
        "sum(result = 'slow') FROM probes WHERE site = ? AND url = ? AND epoch > ? AND epoch <= ? "
        "GROUP BY d", [end, _DAY, site, url, start, end],
    ).fetchall():
        per_day[min(int(day), rule.window_days - 1)] += count
        probes += count
        failed += n_failed or 0
        slow += n_slow or 0
    short = sum(1 for n in per_day if n < rule.min_daily)
    share = (failed + slow) / probes if probes else 0.0
    if short:
        state = NOT_ENOUGH_DATA
    elif share >= rule.veto:
        state = STATE_FAILING
    elif share >= rule.warn:
        state = STATE_WARNING
    else:
        state = STATE_OK
    return Figures(site, url, state, probes, failed, slow, rule.window_days,
                   (at - timedelta(days=rule.window_days)).isoformat(timespec="seconds"),
                   at.isoformat(timespec="seconds"), short, rule.warn, rule.veto, rule.min_daily)


def stored_rule(db: Database) -> Rule:
    """The rule with the warning line the watch last ran with (the default when it never ran)."""
    try:
        row = db.execute("SELECT value FROM settings WHERE key = ?", [SETTING_WARN]).fetchone()
        return Rule(warn=float(row[0])) if row else Rule()
    except ValueError:
        return Rule()


def save_rule(db: Database, rule: Rule) -> None:
    db.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
               "excluded.value", [SETTING_WARN, repr(rule.warn)])


def availability(db: Database, site: str | None = None, *, at: datetime | None = None,
                 rule: Rule | None = None) -> dict[str, SiteAvailability]:
    """Each site's availability now (or at ``at``): for the scorecard and `duwang watch`.

    The URLs judged are those the watch still probes: probed in the window, and no more than a
    day before the site's last probe. A site asked for by name with no probes is
    ``not_enough_data``. ``rule``: default, the warning line the watch last ran with.
    """
    at = at or datetime.now().astimezone()
    rule = rule or stored_rule(db)
    end = at.timestamp()
    start = end - rule.window_days * _DAY
    params: list = [start, end]
    where = "epoch > ? AND epoch <= ?"
    if site is not None:
        where += " AND site = ?"
        params.append(site)
    urls: dict[str, list[tuple[str, float, float]]] = {}
    for s, u, first, last in db.execute(
        f"SELECT site, url, min(id), max(epoch) FROM probes WHERE {where} GROUP BY site, url ORDER BY 3",
        params,
    ).fetchall():
        urls.setdefault(s, []).append((u, first, last))
    if site is not None:
        urls.setdefault(site, [])
    out = {}
    for name, found in sorted(urls.items()):
        newest = max((last for _, _, last in found), default=0.0)
        watched = [u for u, _, last in found if last >= newest - _DAY]
        found = [r[0] for r in db.execute(
            "SELECT id FROM findings WHERE kind = ? AND site = ? AND status = 'open' ORDER BY id",
            [KIND, name])]
        out[name] = site_availability(name, [figures(db, name, u, at, rule) for u in watched], rule, found)
    return out


def site_availability(site: str, per_url: list[Figures], rule: Rule,
                      findings: list[int] = ()) -> SiteAvailability:
    """The worst URL decides; on a tie, the first (the home page)."""
    if not per_url:
        return SiteAvailability(site, NOT_ENOUGH_DATA, 0, 0, 0, 0.0, rule.window_days, [], list(findings))
    worst = max(per_url, key=lambda f: (_RANK[f.state], -per_url.index(f)))
    return SiteAvailability(site, worst.state, worst.probes, worst.failed, worst.slow, worst.share,
                            worst.window_days, list(per_url), list(findings))


def finding_key(site: str, url_ident: str) -> str:
    return f"{KIND}:{site}|{url_ident}"


def apply_lifecycle(db: Database, judged: Iterable[tuple[Figures, str, Probe | None]],
                    at: datetime) -> list[Change]:
    """Open, update, rectify or reopen each URL's finding from its figures, in one transaction.

    ``judged``: (figures, the URL's identity for the key, its last failed or slow probe).
    """
    ts = at.isoformat(timespec="seconds")
    changes: list[Change] = []
    with transaction(db):
        for fig, ident, last_bad in judged:
            key = finding_key(fig.site, ident)
            row = db.execute(
                "SELECT id, status, category, status_changed_at FROM findings WHERE key = ?", [key]
            ).fetchone()
            over = fig.state in (STATE_WARNING, STATE_FAILING)
            if fig.state == NOT_ENOUGH_DATA or (row is None and not over):
                continue
            if not over:
                fid, status = row[0], row[1]
                if status == OPEN:
                    record(db, Event(fid, ts, MACHINE, OPEN, RECTIFIED,
                                     f"{fig.sentence()}，机器确认已恢复", None, EVIDENCE))
                    changes.append(Change(fid, fig.site, fig.url, "rectified", fig))
                continue
            category = CATEGORY_VETO if fig.state == STATE_FAILING else CATEGORY_WARNING
            values = {
                "category": category, "severity": "serious" if category == CATEGORY_VETO else "general",
                "target": fig.url, "text": fig.url, "context": fig.sentence(),
                "suggestion": "排查服务器、网络和安全防护设备，确保页面15秒内可以打开",
                "http_status": last_bad.http_status if last_bad else None,
                "error": (last_bad.error or RESULT_LABELS[last_bad.result]) if last_bad else None,
                "last_seen": ts,
                "detail": json.dumps(fig.detail(), ensure_ascii=False),
            }
            if row is None:
                columns, marks = ", ".join(values), ", ".join("?" * len(values))
                cur = db.execute(
                    f"INSERT INTO findings (key, site, kind, status, first_seen, {columns}) "
                    f"VALUES (?, ?, ?, 'open', ?, {marks})", [key, fig.site, KIND, ts, *values.values()],
                )
                changes.append(Change(cur.lastrowid, fig.site, fig.url, "opened", fig))
                continue
            fid, status, old_category, changed_at = row
            db.execute("UPDATE findings SET " + ", ".join(f"{k} = ?" for k in values) + " WHERE id = ?",
                       [*values.values(), fid])
            if status == RECTIFIED and last_bad is not None and _after(last_bad.at, changed_at):
                record(db, Event(fid, ts, MACHINE, RECTIFIED, OPEN, f"{fig.sentence()}，重新打开"))
                changes.append(Change(fid, fig.site, fig.url, "reopened", fig))
            elif status == OPEN and old_category != category:
                action = "escalated" if category == CATEGORY_VETO else "eased"
                changes.append(Change(fid, fig.site, fig.url, action, fig))
    return changes


def _after(when: datetime, stamp: str | None) -> bool:
    """Whether ``when`` is later than a stored timestamp (none: always)."""
    if not stamp:
        return True
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return True
    return when > (then if then.tzinfo else then.astimezone())


def last_bad_probe(db: Database, site: str, url: str) -> Probe | None:
    row = db.execute(
        "SELECT at, result, elapsed, http_status, error FROM probes WHERE site = ? AND url = ? "
        "AND result != 'ok' ORDER BY epoch DESC LIMIT 1", [site, url],
    ).fetchone()
    if row is None:
        return None
    return Probe(site, url, datetime.fromisoformat(row[0]), row[1], row[2], row[3], row[4] or "")
