"""A finding the inspection checks derive from the store, before it goes through the lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kinds (findings.kind) and their categories: stable codes, labels in crawler/render.py and
# crawler/inspection/labels.py.
STALE_COLUMN, EMPTY_COLUMN, STALE_HOME, PAGE_STANDARD, BACKDATED = (
    "stale_column", "empty_column", "stale_home", "page_standard", "backdated")
KINDS = (STALE_COLUMN, EMPTY_COLUMN, STALE_HOME, BACKDATED, PAGE_STANDARD)
# stale_column / stale_home categories: over the line, no date on any item, near the line.
STALE, NO_DATE, DUE = "stale", "no_date", "due"
# page_standard: the page tags of 《政府网站发展指引》 and the footer markers (categories are
# meta_<tag>, footer_<marker> and bad_site_id).
SITE_TAGS = ("SiteName", "SiteDomain", "SiteIDCode")
COLUMN_TAGS = ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType")
ARTICLE_TAGS = ("ArticleTitle", "PubDate", "ContentSource")
FOOTER_SITE_ID, FOOTER_ICP, FOOTER_POLICE, FOOTER_CONAC = "site_id", "icp", "police", "conac"
BAD_SITE_ID = "bad_site_id"


@dataclass
class Found:
    key: str  # stable: the site, the kind and the column URL (or the missing item)
    kind: str
    category: str
    text: str  # what is wrong with: the column's name, the page tag
    context: str  # the figures, in Chinese
    severity: str  # serious: over a veto line; general: a warning or a page-tag gap
    pages: list[str]  # pages.url of the pages it is on (the column page, the home page ...)
    suggestion: str = ""
    detail: dict[str, Any] = field(default_factory=dict)  # the figures, for the scorecard
