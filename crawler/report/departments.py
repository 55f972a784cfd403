"""责任单位 (responsible department) of a page, from a URL-prefix mapping.

The mapping arrives with the config file; until then it is empty and everything is 未分配.
Keys are URL prefixes, with or without the scheme: ``www.example.gov.cn/zwgk/jyj/`` or
``https://www.example.gov.cn/zwgk/jyj/``. The longest matching prefix wins.
"""

from __future__ import annotations

from collections.abc import Mapping

UNASSIGNED = "未分配"


def _strip_scheme(url: str) -> str:
    head, sep, rest = url.partition("://")
    return rest if sep and "/" not in head else url


def department_of(url: str | None, mapping: Mapping[str, str] | None = None) -> str:
    """The department owning `url`, or 未分配 when no prefix in `mapping` matches."""
    if not url or not mapping:
        return UNASSIGNED
    bare = _strip_scheme(url).lower()
    best, best_len = UNASSIGNED, -1
    for prefix, department in mapping.items():
        p = _strip_scheme(prefix).lower()
        if p and bare.startswith(p) and len(p) > best_len:
            best, best_len = department, len(p)
    return best
