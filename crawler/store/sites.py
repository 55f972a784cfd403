"""Per-site settings kept in the database, so the UI and reports can map pages to owners."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlite_utils import Database

from crawler.store.db import now

UNASSIGNED = "未分配"
TEMPLATE_OWNER = "网站管理单位"  # the default owner of template (公共区域) findings


@dataclass
class SiteInfo:
    name: str
    start_urls: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # URL prefix -> 栏目
    departments: dict[str, str] = field(default_factory=dict)  # URL prefix -> 责任单位
    wordlists: list[str] = field(default_factory=list)  # extra wordlist folders
    # 责任单位 of the template (公共区域) findings: crawler.store.template
    template_owner: str = TEMPLATE_OWNER


def save_site(db: Database, site: SiteInfo) -> None:
    """Keep the site's settings; when its 责任单位 or 栏目 mapping changed, its findings'
    owners (crawler.store.scope) are made again under the new one, in the same transaction."""
    from crawler.store import scope
    from crawler.store.db import transaction

    if db.conn.in_transaction:
        _save_site(db, site)
        scope.refresh_if_stale(db, site.name)
        return
    with transaction(db):
        _save_site(db, site)
        scope.refresh_if_stale(db, site.name)


def _save_site(db: Database, site: SiteInfo) -> None:
    db["sites"].upsert({
        "name": site.name,
        "start_urls": json.dumps(site.start_urls, ensure_ascii=False),
        "columns": json.dumps(site.columns, ensure_ascii=False),
        "departments": json.dumps(site.departments, ensure_ascii=False),
        "wordlists": json.dumps(site.wordlists, ensure_ascii=False),
        "template_owner": site.template_owner,  # m015
        "updated_at": now(),
    }, pk="name")


def load_sites(db: Database) -> dict[str, SiteInfo]:
    return {
        row["name"]: SiteInfo(
            name=row["name"],
            start_urls=json.loads(row["start_urls"] or "[]"),
            columns=json.loads(row["columns"] or "{}"),
            departments=json.loads(row["departments"] or "{}"),
            wordlists=json.loads(row["wordlists"] or "[]"),
            template_owner=row.get("template_owner") or TEMPLATE_OWNER,
        )
        for row in db["sites"].rows
    }


def _strip_scheme(url: str) -> str:
    head, sep, rest = url.partition("://")
    return rest if sep and "/" not in head else url


def owner_of(url: str | None, mapping: Mapping[str, str] | None, default: str = UNASSIGNED) -> str:
    """The value of the longest URL prefix in `mapping` matching `url` (scheme and case ignored).

    Keys may be written with or without the scheme: ``www.example.gov.cn/zwgk/jyj/``.
    """
    if not url or not mapping:
        return default
    bare = _strip_scheme(url).lower()
    best, best_len = default, -1
    for prefix, value in mapping.items():
        p = _strip_scheme(prefix).lower()
        if p and bare.startswith(p) and len(p) > best_len:
            best, best_len = value, len(p)
    return best
