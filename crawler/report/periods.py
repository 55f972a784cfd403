"""Report periods: a calendar month or year, as an inclusive range of local dates.

A timestamp belongs to the period whose range holds its date in the configured zone
(crawler.localtime: Beijing time unless DUWANG_TIMEZONE says otherwise), whatever the
server's clock, so a fix made at 07:30 on 1 January in Beijing counts in the new year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from crawler import localtime
from crawler.report.errors import ReportError

MONTHLY, ANNUAL = "monthly", "annual"

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
_YEAR_RE = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Period:
    kind: str  # monthly | annual
    label: str  # "2026-11" or "2026"
    start: str  # first day, YYYY-MM-DD
    end: str  # last day, YYYY-MM-DD

    @property
    def title(self) -> str:
        """The period in Chinese, e.g. 2026年11月 or 2026年度."""
        if self.kind == MONTHLY:
            year, month = self.label.split("-")
            return f"{year}年{int(month)}月"
        return f"{self.label}年度"

    def contains(self, day: str) -> bool:
        return self.start <= day <= self.end


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(MONTHLY, f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-01",
                  f"{year:04d}-{month:02d}-{last:02d}")


def parse_month(text: str) -> Period:
    """`--month YYYY-MM` -> the month; anything else raises ReportError."""
    m = _MONTH_RE.fullmatch(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        raise ReportError(f"--month expects YYYY-MM with a month 01-12 (e.g. 2026-11), got {text!r}")
    return month_period(int(m.group(1)), int(m.group(2)))


def parse_year(text: str) -> Period:
    """`--year YYYY` -> the year; anything else raises ReportError."""
    if not _YEAR_RE.fullmatch(text.strip()) or int(text) < 1:
        raise ReportError(f"--year expects a four-digit year (e.g. 2026), got {text!r}")
    year = int(text)
    return Period(ANNUAL, f"{year:04d}", f"{year:04d}-01-01", f"{year:04d}-12-31")


def months_of(period: Period) -> list[Period]:
    """The months a trend chart shows: the year's twelve, or the twelve ending with the month."""
    year, month = (int(x) for x in period.start.split("-")[:2])
    if period.kind == ANNUAL:
        return [month_period(year, m) for m in range(1, 13)]
    out = []
    for _ in range(12):
        out.append(month_period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        if year < 1:
            break
    return out[::-1]


def today() -> str:
    """Today in the configured zone, YYYY-MM-DD."""
    return localtime.today().isoformat()
