"""The time people read: stored ISO 8601 timestamps shown in the configured zone.

Storage stays ISO 8601 with an offset (store.db.now). Everything a person reads (the review
UI, exports, reports, the webhook) shows `2026-11-30 19:22` in one zone: the environment
variable ``DUWANG_TIMEZONE`` (an IANA name), by default Asia/Shanghai (北京时间), whatever
the server's own clock is set to. Report periods are days in that zone too.
"""

from __future__ import annotations

import functools
import os
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.errors import DuwangError

ENV = "DUWANG_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"


class TimeZoneError(DuwangError):
    pass


@functools.cache
def load_zone(name: str) -> tzinfo:
    """The zone called `name` (e.g. Asia/Shanghai); TimeZoneError for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneError(f"{ENV}: unknown time zone {name!r} (use an IANA name such as "
                            f"{DEFAULT_TIMEZONE})") from None


def zone_name() -> str:
    return os.environ.get(ENV, "").strip() or DEFAULT_TIMEZONE


def zone() -> tzinfo:
    """The configured zone, read from the environment each time (cheap: zones are cached)."""
    return load_zone(zone_name())


def parse(ts: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime; one without an offset is taken as UTC."""
    if not ts:
        return None
    try:
        value = datetime.fromisoformat(str(ts))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local(ts: str | None) -> datetime | None:
    value = parse(ts)
    return value.astimezone(zone()) if value else None


def minute(ts: str | None, empty: str = "") -> str:
    """`2026-11-30T11:22:30+00:00` -> `2026-11-30 19:22` (Beijing time by default)."""
    if not ts:
        return empty
    return _minute(str(ts), zone_name())


@functools.lru_cache(maxsize=4096)
def _minute(ts: str, zone_name: str) -> str:
    """A list shows the same few run times hundreds of times: each is converted once."""
    value = parse(ts)
    return value.astimezone(load_zone(zone_name)).strftime("%Y-%m-%d %H:%M") if value else ts


def day(ts: str | None, empty: str = "") -> str:
    """The local date of a timestamp, `YYYY-MM-DD`: the day a report counts it on."""
    value = local(ts)
    return value.strftime("%Y-%m-%d") if value else (empty if not ts else str(ts)[:10])


def now() -> datetime:
    return datetime.now(zone())


def today() -> date:
    return now().date()


def ago(ts: str | None, reference: datetime | None = None) -> str:
    """How long ago, in Chinese: 刚刚, 35分钟前, 5小时前, 3天前."""
    value = parse(ts)
    if value is None:
        return ""
    seconds = ((reference or now()) - value).total_seconds()
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{int(seconds // 60)}分钟前"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)}小时前"
    return f"{int(seconds // 86400)}天前"
