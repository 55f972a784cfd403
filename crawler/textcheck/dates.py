"""When a page was published: its PubDate meta tag, else the date shown with the article.

《政府网站发展指引》 asks every article page for ``<meta name="PubDate" content="2016-05-04
10:00">``; CMSs write the value in several forms (2016-05-04, 2016/05/04, 2016年5月4日, with or
without a time). A page without it usually shows the date under its title: 发布时间：…,
发布日期：…, 日期：… near the top of the visible text. An outdated name on a page published
before the name was abolished is history, not an error (see matcher).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

META_NAMES = frozenset({"pubdate"})  # <meta name=...>, compared in lower case
# How far into the visible text the date line may sit: past the site's header and menus.
TEXT_WINDOW = 4000
_EARLIEST = dt.date(1949, 10, 1)

# Digits and separators may be full-width (int() reads full-width digits).
_D = "[0-9０-９]"
_DATE = re.compile(
    f"(?<!{_D})(?P<y>{_D}{{4}})\\s*(?:(?P<sep>[-/.－／．])|年)\\s*(?P<m>{_D}{{1,2}})\\s*"
    f"(?:(?(sep)(?P=sep)|月))\\s*(?P<d>{_D}{{1,2}})(?!{_D})"
)
# 发布时间, 发布日期, 發佈時間 ... or 日期 with its colon; the characters may be spaced out.
# This runs on every page: each label ends in 间, 間 or 期, found with str.find, and the
# regexes only look around those.
_LABEL_LAST = ("间", "間", "期")
_LABEL = re.compile(r"(?:[发發]\s*[布佈]\s*(?:[时時]\s*[间間]|日\s*期)|(?P<bare>日\s*期))$")
_LABEL_REACH = 12  # characters a label may span, spaces included
_COLON = re.compile(r"\s*(?P<colon>[：:]?)[\s\]】]*")
# A bare 日期 stands alone or ends 成文日期/印发日期/发文日期 (not 出生日期, 截止日期).
_BARE_OK = ("成文", "印发", "发文")


_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])")


def parse_date(value: str) -> dt.date | None:
    """The date a meta value starts with: 2016-05-04[ 10:00], 2016/05/04, 2016.5.4, 2016年5月4日,
    20160504."""
    value = value.strip()
    m = _DATE.match(value) or _COMPACT.match(value)
    return _valid(m) if m else None


def search_date(text: str) -> dt.date | None:
    """The first full date (year, month and day) anywhere in ``text``, e.g. the date printed
    beside an item of a column's list: ``[2024-03-15]``, ``2024年3月15日``, ``２０２４／３／１５``."""
    for m in _DATE.finditer(text):
        day = _valid(m)
        if day is not None:
            return day
    return None


def _valid(m: re.Match[str]) -> dt.date | None:
    try:
        day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:  # 2016-02-30
        return None
    return day if day >= _EARLIEST else None


def meta_date(metas: Iterable[tuple[str, str]]) -> dt.date | None:
    """The date of the first PubDate meta that parses; ``metas`` are (name, content) pairs."""
    for name, content in metas:
        if name.strip().lower() in META_NAMES:
            day = parse_date(content)
            if day is not None:
                return day
    return None


def text_date(text: str, window: int = TEXT_WINDOW) -> dt.date | None:
    """The date of the first 发布时间/发布日期/日期 line in the first ``window`` characters."""
    head = text[:window]
    for end in sorted(_positions(head, _LABEL_LAST)):
        label = _LABEL.search(head, max(0, end - _LABEL_REACH), end)
        if label is None:
            continue
        colon = _COLON.match(head, end)
        at = label.start()
        if label["bare"] and (
            not colon["colon"] or (at and _cjk(head[at - 1]) and head[max(0, at - 2) : at] not in _BARE_OK)
        ):
            continue
        m = _DATE.match(head, colon.end())
        if m:
            day = _valid(m)
            if day is not None:
                return day
    return None


def _positions(text: str, chars: tuple[str, ...]) -> list[int]:
    """The offset just past each occurrence of each of ``chars``."""
    found = []
    for ch in chars:
        at = text.find(ch)
        while at >= 0:
            found.append(at + 1)
            at = text.find(ch, at + 1)
    return found


def _cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def page_date(metas: Iterable[tuple[str, str]], body_text: str) -> dt.date | None:
    """When the page was published: its PubDate meta, else the date line of its text."""
    return meta_date(metas) or text_date(body_text)
