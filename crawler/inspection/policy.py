"""The thresholds of the inspection checks, and how a column's type and window are chosen.

《政府网站与政务新媒体检查指标》 (国办秘函〔2019〕19号): news-type columns (动态, 要闻) must be
updated within 2 weeks, notice and policy columns (通知公告, 政策文件) within 6 months; other
columns are read here as "not updated for a long time" after 1 year. The home page must have
a new item within 2 weeks. Every window is configurable per column ([[site.column]]).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crawler.errors import DuwangError

NEWS, NOTICE, OTHER = "news", "notice", "other"
TYPES = (NEWS, NOTICE, OTHER)
TYPE_LABELS = {NEWS: "动态要闻类", NOTICE: "通知公告、政策文件类", OTHER: "其他栏目"}
DEFAULT_WINDOWS = {NEWS: 14, NOTICE: 183, OTHER: 365}  # days; 6 months read as 183 days
WARN_DAYS = 3  # warn this many days before a column reaches its line
HOME_WINDOW, HOME_WARN_AT = 14, 10  # the home page: a new item within 2 weeks; warn at 10 days

# Words of a column's name or ColumnType that tell its type (《政府网站发展指引》 ColumnType values
# include 工作动态 and 政策文件). Notice words are tried first: 政策动态 is about policy.
_NOTICE_WORDS = ("通知", "公告", "公示", "政策", "文件", "规范性", "法规", "通告")
_NEWS_WORDS = ("动态", "要闻", "新闻", "资讯", "快讯", "工作信息")
# The Chinese names a config may give instead of the codes.
TYPE_ALIASES = {"动态": NEWS, "要闻": NEWS, "工作动态": NEWS, "通知公告": NOTICE,
                "政策文件": NOTICE, "其他": OTHER}


class PolicyError(DuwangError, ValueError):
    """A column rule we cannot use; the message names the key."""


def column_type(*names: str | None) -> str:
    """The type of a column from its ColumnType tag or name, else OTHER."""
    for name in names:
        if not name:
            continue
        if any(w in name for w in _NOTICE_WORDS):
            return NOTICE
        if any(w in name for w in _NEWS_WORDS):
            return NEWS
    return OTHER


def read_type(value: str) -> str:
    """A configured column type: a code (news, notice, other) or its Chinese name."""
    value = value.strip()
    if value in TYPES:
        return value
    if value in TYPE_ALIASES:
        return TYPE_ALIASES[value]
    raise PolicyError(f"unknown column type {value!r} (one of {', '.join(TYPES)}, or "
                      f"{', '.join(TYPE_ALIASES)})")


@dataclass(frozen=True)
class ColumnRule:
    """A column named in the config ([[site.column]]): its list page(s) are under `prefix`."""

    prefix: str
    name: str = ""
    type: str = ""  # NEWS | NOTICE | OTHER, "" = from its tags or name
    window_days: int | None = None  # None = the type's default


@dataclass(frozen=True)
class Policy:
    rules: tuple[ColumnRule, ...] = ()  # [[site.column]]: always columns, empty or not
    names: dict[str, str] = field(default_factory=dict)  # [site.columns]: prefix -> 栏目
    warn_days: int = WARN_DAYS
    today: dt.date | None = None  # fixed "today" (DUWANG_TODAY), else the local date
    # page tags and footer: None judges a site whose home page shows a page tag or a 网站标识码
    page_standard: bool | None = None

    def window(self, rule: ColumnRule | None, kind: str) -> int:
        if rule is not None and rule.window_days is not None:
            return rule.window_days
        return DEFAULT_WINDOWS[kind]


def rules_from(raw: list | tuple) -> tuple[ColumnRule, ...]:
    """ColumnRules from settings values (dicts with prefix, name, type, window_days)."""
    out = []
    for i, entry in enumerate(raw or ()):
        if isinstance(entry, ColumnRule):
            out.append(entry)
            continue
        prefix = entry.get("prefix") if isinstance(entry, dict) else None
        if not isinstance(prefix, str) or not prefix.strip():
            raise PolicyError(f"column[{i + 1}].prefix: must be a URL prefix")
        kind = read_type(entry["type"]) if entry.get("type") else ""
        window = entry.get("window_days")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window <= 0):
            raise PolicyError(
                f"column[{i + 1}].window_days: must be a positive number of days, got {window!r}")
        out.append(ColumnRule(entry["prefix"].strip(), str(entry.get("name") or "").strip(), kind, window))
    return tuple(out)
