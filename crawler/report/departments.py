"""责任单位 (responsible department) of a page, from the site's URL-prefix mapping."""

from __future__ import annotations

from collections.abc import Mapping

from crawler.store.sites import UNASSIGNED, owner_of

__all__ = ["UNASSIGNED", "department_of"]


def department_of(url: str | None, mapping: Mapping[str, str] | None = None) -> str:
    """The department owning `url`, or 未分配 when no prefix in `mapping` matches."""
    return owner_of(url, mapping)
