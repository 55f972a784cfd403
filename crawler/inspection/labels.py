"""The inspection findings' kinds and categories in Chinese (codes stay the keys)."""

from __future__ import annotations

from crawler.inspection.found import (
    BACKDATED,
    DUE,
    EMPTY_COLUMN,
    NO_DATE,
    PAGE_STANDARD,
    STALE,
    STALE_COLUMN,
    STALE_HOME,
)
from crawler.inspection.standard import LABELS as _STANDARD_LABELS

KIND_LABELS = {
    STALE_COLUMN: "栏目不更新",
    EMPTY_COLUMN: "空白栏目",
    STALE_HOME: "首页不更新",
    BACKDATED: "伪造发稿日期",
    PAGE_STANDARD: "页面标签和页脚",
}
CATEGORY_LABELS = {
    STALE: "超期未更新",
    DUE: "临近更新期限",
    NO_DATE: "无发布日期",
    EMPTY_COLUMN: "空白栏目",
    BACKDATED: "发布日期早于首次发现",
    **_STANDARD_LABELS,
}
